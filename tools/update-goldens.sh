#!/usr/bin/env bash
# Regenerates the golden timelines: tests/timelines/<name>.timeline for every scenarios/<name>.yaml that
# `poolsim run` runs with every expectation holding (exit 0). A run that fails an expectation or an invariant
# (exit 1) is listed with what failed and its golden is left as it was; a scenario `run` refuses (exit 2, a verb
# not simulated yet) gets none. This is the only way goldens change: review `git diff tests/timelines` against
# docs/model.md before committing.
#   usage: tools/update-goldens.sh [POOLSIM]     (default: build/release/tools/poolsim)
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
poolsim=$(realpath "${1:-$root/build/release/tools/poolsim}")
if [ ! -x "$poolsim" ]; then
  echo "update-goldens: no poolsim at $poolsim; build first (tools/bootstrap.sh run) or pass its path" >&2
  exit 2
fi
cd "$root/scenarios" || exit 2
err=$(mktemp)
trap 'rm -f "$err"' EXIT
status=0
for scenario in *.yaml; do
  name=${scenario%.yaml}
  golden="$root/tests/timelines/$name.timeline"
  "$poolsim" run "$scenario" --timeline "$golden.new" >/dev/null 2>"$err"
  code=$?
  case "$code" in
    0) mv "$golden.new" "$golden"; echo "updated   $name" ;;
    1) echo "FAILED    $name  (not updated: a golden is never blessed with a failed expectation or invariant)"
       grep -E '^# (expect FAIL|invariant)' "$golden.new" | sed 's/^/            /'
       rm -f "$golden.new"
       status=1 ;;
    *) rm -f "$golden.new"
       if [ -e "$golden" ]; then
         echo "REFUSED   $name  (run exits $code; the old golden is kept: remove it if the refusal is intended)"
         status=1
       else
         echo "skipped   $name  (run refuses it: $(head -n 1 "$err"))"
       fi ;;
  esac
done
echo "review: git diff --stat tests/timelines; git diff tests/timelines"
exit "$status"
