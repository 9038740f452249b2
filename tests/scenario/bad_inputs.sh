#!/usr/bin/env bash
# scenario.bad_inputs: each bad/NAME.yaml, checked by `poolsim check bad/NAME.yaml` from this folder, prints exactly
# bad/NAME.expected on stderr, and exits 2 when that holds an error (0 when it holds only warnings).
# To rewrite the expected files after a deliberate change of messages: UPDATE=1 bash bad_inputs.sh POOLSIM DIR,
# then review `git diff`.
set -u
poolsim=${1:?usage: bad_inputs.sh POOLSIM DIR}
dir=${2:?}
poolsim=$(realpath "$poolsim")
cd "$dir" || exit 1
failures=0
count=0
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
for input in bad/*.yaml; do
  expected=${input%.yaml}.expected
  count=$((count + 1))
  "$poolsim" check "$input" 2>"$tmp" >/dev/null
  status=$?
  if [ "${UPDATE:-0}" = 1 ]; then
    cp "$tmp" "$expected"
    continue
  fi
  want=0
  grep -q ': error: ' "$expected" 2>/dev/null && want=2
  if [ ! -f "$expected" ]; then
    echo "FAIL: $input has no $expected; write it (UPDATE=1 makes one to review)"
    failures=$((failures + 1))
  elif ! diff -u "$expected" "$tmp" >/dev/null; then
    echo "FAIL: $input: stderr differs from $expected (- expected, + got):"
    diff -u "$expected" "$tmp" | tail -n +3 | head -n 40
    failures=$((failures + 1))
  elif [ "$status" != "$want" ]; then
    echo "FAIL: $input: exit status $status, want $want"
    failures=$((failures + 1))
  fi
done
if [ "$failures" -ne 0 ]; then
  echo "scenario.bad_inputs: $failures of $count failed"
  exit 1
fi
echo "scenario.bad_inputs: all $count passed"
