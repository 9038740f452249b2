#!/usr/bin/env bash
# swarm.jobs: `poolsim swarm --jobs J` prints the same bytes for any J (docs/testing.md "Swarm"); swarm and explore
# refuse a --jobs that is not 1 to 1024 with exit 2 and a message naming it.
#   jobs.sh POOLSIM WORK_DIR [SCENARIO.yaml]   (SCENARIO: the one explore's refusals are tried on)
set -u
poolsim=${1:?usage: jobs.sh POOLSIM WORK_DIR [SCENARIO.yaml]}
work=${2:?}
scenario=${3:-}
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }
"$poolsim" swarm --runs 200 --seed 1 --verbose --out "$work/f" >"$work/one.txt" || fail "--jobs 1 exit $?"
"$poolsim" swarm --runs 200 --seed 1 --verbose --jobs 2 --out "$work/f" >"$work/two.txt" || fail "--jobs 2 exit $?"
diff -u "$work/one.txt" "$work/two.txt" || fail "--jobs 2 printed other bytes than --jobs 1"
[ "$(grep -c '^run ' "$work/one.txt")" = 200 ] || fail "not one line per run"
for bad in 0 1025 abc -1; do
  status=0
  "$poolsim" swarm --runs 5 --seed 1 --jobs "$bad" --out "$work/f" >"$work/bad.out" 2>&1 || status=$?
  [ "$status" = 2 ] || fail "--jobs $bad: exit $status, want 2"
  grep -q -- "--jobs" "$work/bad.out" || fail "--jobs $bad: the message does not name --jobs"
  [ -n "$scenario" ] || continue
  status=0
  "$poolsim" explore "$scenario" --jobs "$bad" >"$work/bad.out" 2>&1 || status=$?
  [ "$status" = 2 ] || fail "explore --jobs $bad: exit $status, want 2"
  grep -q -- "--jobs" "$work/bad.out" || fail "explore --jobs $bad: the message does not name --jobs"
done
echo "ok swarm and explore --jobs"
