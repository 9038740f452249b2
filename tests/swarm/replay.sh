#!/usr/bin/env bash
# swarm.cases: every shrunk case in tests/swarm/cases/ (a failure the swarm once found, now fixed) replayed the
# swarm's way, invariants and liveness (docs/testing.md "Swarm"). Any that fails again is named.
set -u
poolsim=${1:?usage: replay.sh POOLSIM CASES_DIR}
cases=${2:?}
failed=0
count=0
for file in "$cases"/*.yaml; do
  count=$((count + 1))
  if ! out=$("$poolsim" swarm --replay "$file" 2>&1); then
    echo "FAIL $file"
    echo "$out" | head -5
    failed=$((failed + 1))
  fi
done
echo "swarm.cases: $count cases, $failed failed"
[ "$count" -gt 0 ] && [ "$failed" -eq 0 ]
