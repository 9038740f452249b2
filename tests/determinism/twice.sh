#!/usr/bin/env bash
# determinism.twice: the same scenario and seed give the same bytes — run twice in one process (through the
# library, determinism_tool text), twice in two processes (poolsim run), and the library's output equals the
# executable's. Every scenario of the library that runs (one `poolsim run` refuses, exit 2, is skipped).
set -u
poolsim=${1:?usage: twice.sh POOLSIM DETERMINISM_TOOL SCENARIOS_DIR}
tool=${2:?}
dir=${3:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
checked=0
for scenario in "$dir"/*.yaml; do
  name=$(basename "$scenario" .yaml)
  "$poolsim" run "$scenario" >"$tmp/a" 2>/dev/null
  status=$?
  [ "$status" = 2 ] && { echo "skipped  $name (poolsim run refuses it)"; continue; }
  "$poolsim" run "$scenario" >"$tmp/b" 2>/dev/null
  if ! cmp -s "$tmp/a" "$tmp/b"; then
    echo "FAILED   $name: two processes differ"; "$poolsim" diff "$tmp/a" "$tmp/b"; failed=1
  fi
  if ! "$tool" text "$scenario" >"$tmp/c"; then
    echo "FAILED   $name: two runs in one process differ"; failed=1
  elif ! cmp -s "$tmp/a" "$tmp/c"; then
    echo "FAILED   $name: the library's output differs from poolsim run's"; "$poolsim" diff "$tmp/a" "$tmp/c"; failed=1
  fi
  checked=$((checked + 1))
done
echo "$checked scenarios run twice in one process and in two processes"
[ "$checked" -gt 0 ] || failed=1
exit "$failed"
