#!/usr/bin/env bash
# scenario.library_valid: every scenario of the library (scenarios/*.yaml) passes `poolsim check` with no
# diagnostic at all: the library is what users start from, so not even a warning.
set -u
poolsim=${1:?usage: library_valid.sh POOLSIM SCENARIOS_DIR}
dir=${2:?}
poolsim=$(realpath "$poolsim")
cd "$dir" || exit 1
failures=0
count=0
for scenario in *.yaml; do
  count=$((count + 1))
  output=$("$poolsim" check "$scenario" 2>&1)
  status=$?
  if [ "$status" != 0 ] || [ -n "$output" ]; then
    echo "FAIL: $scenario: exit status $status; output:"
    echo "$output" | sed 's/^/    /'
    failures=$((failures + 1))
  fi
done
if [ "$count" -eq 0 ]; then
  echo "scenario.library_valid: no scenarios in $dir"
  exit 1
fi
if [ "$failures" -ne 0 ]; then
  echo "scenario.library_valid: $failures of $count failed"
  exit 1
fi
echo "scenario.library_valid: all $count valid"
