#!/usr/bin/env bash
# timeline.<name>: `poolsim run scenarios/<name>.yaml` gives exactly tests/timelines/<name>.timeline (timeline,
# summary and verdicts) and exit status 0 (every expectation holds, no invariant broke). On a mismatch it prints
# the first differing line (`poolsim diff`) and the seed. Goldens change only through tools/update-goldens.sh.
set -u
poolsim=${1:?usage: check.sh POOLSIM SCENARIO.yaml GOLDEN.timeline}
scenario=${2:?}
golden=${3:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$poolsim" run "$scenario" >"$tmp/got.timeline" 2>"$tmp/err"
status=$?
seed=$(sed -n '1s/.*  seed=\([0-9]*\).*/\1/p' "$tmp/got.timeline")
failed=0
if ! "$poolsim" diff "$golden" "$tmp/got.timeline"; then
  echo "the run of $scenario (seed ${seed:-?}) differs from $golden; if the change is intended, run"
  echo "tools/update-goldens.sh and review the diff"
  failed=1
fi
if [ "$status" != 0 ]; then
  echo "poolsim run $scenario (seed ${seed:-?}) exited $status, want 0:"
  sed 's/^/    /' "$tmp/err"
  grep -E '^# (expect FAIL|invariant)' "$tmp/got.timeline" | sed 's/^/    /'
  failed=1
fi
exit "$failed"
