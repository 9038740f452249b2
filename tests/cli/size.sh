#!/usr/bin/env bash
# cli.size: `poolsim size` (docs/sizing.md "poolsim size") on scenarios/size-3-hosts.yaml, whose answer is
# hand-computed in its comments: the planner's max host failures to tolerate is 1; every single crash restores
# all protected VMs (3 of 3 sets), no pair does (0 of 3); no disagreement. --jobs 1 and 2 give the same bytes;
# the what-if options change the planner's answer as computed by hand; usage errors give 2.
set -u
poolsim=${1:?usage: size.sh POOLSIM SCENARIOS_DIR}
scenarios=${2:?}
failures=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# expect STATUS DESCRIPTION -- COMMAND...: stdout in $tmp/out, stderr in $tmp/err.
expect() {
  local want=$1 what=$2
  shift 3
  "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  if [ "$got" != "$want" ]; then
    fail "$what: exit status $got, want $want; stdout and stderr:"
    sed 's/^/    /' "$tmp/out" "$tmp/err"
  fi
}
contains() { grep -qE -- "$2" "$1" || { fail "$3: $(basename "$1") lacks /$2/"; sed 's/^/    /' "$1"; }; }

s="$scenarios/size-3-hosts.yaml"
expect 0 "size --jobs 1" -- "$poolsim" size "$s" --jobs 1
cp "$tmp/out" "$tmp/j1"
contains "$tmp/j1" "^planner: max host failures to tolerate 1; ntol 1: plan status all_vms$" "planner's max"
contains "$tmp/j1" "^planner: k=1 all_vms " "planner k=1"
contains "$tmp/j1" "^planner: k=2 none " "planner k=2"
# Simultaneous section: k, planner, sets, restored.
sim=$(sed -n '/^simultaneous/,/^$/p' "$tmp/j1")
seq=$(sed -n '/^sequential/,/^$/p' "$tmp/j1")
echo "$sim" | grep -qE "^1 +all_vms +3 +3 +0 " || fail "simultaneous k=1: want 3 sets, 3 restored; got: $sim"
echo "$sim" | grep -qE "^2 +none +3 +0 +0 " || fail "simultaneous k=2: want 3 sets, 0 restored; got: $sim"
echo "$seq" | grep -qE "^1 +all_vms +3 +3 +0 " || fail "sequential k=1: want 3 sets, 3 restored; got: $seq"
echo "$seq" | grep -qE "^2 +none +3 +0 +0 " || fail "sequential k=2: want 3 sets, 0 restored; got: $seq"
contains "$tmp/j1" "^disagreements: 0$" "no disagreement"

expect 0 "size --jobs 2" -- "$poolsim" size "$s" --jobs 2
cmp -s "$tmp/j1" "$tmp/out" || { fail "--jobs 1 and --jobs 2 differ:"; diff "$tmp/j1" "$tmp/out" | sed 's/^/    /'; }

# What if: a fourth 64 GiB host. Two failures then leave two hosts with 32 GiB free each... for 4 VMs of 16 GiB
# at once, but sequentially the second failure brings 48 GiB to hosts with 16 + 32 GiB free: no plan; max stays 1.
# Removing xs3 halts c1 and c2, which the planner must first place: 32 GiB on xs1 and xs2 (32 free each) fits,
# leaving no room for any failure: max 0.
expect 0 "--remove-host xs3" -- "$poolsim" size "$s" --remove-host xs3 --sample 1
contains "$tmp/out" "^planner: max host failures to tolerate 0; ntol 1: plan status none$" "--remove-host"
expect 0 "--ntol 2" -- "$poolsim" size "$s" --ntol 2 --sample 1
contains "$tmp/out" "; ntol 2: plan status none$" "--ntol"
expect 0 "--add-host" -- "$poolsim" size "$s" --add-host 64GiB --sample 2
contains "$tmp/out" "^# poolsim size: size-3-hosts: 4 hosts" "--add-host"

expect 2 "no scenario" -- "$poolsim" size
expect 2 "missing file" -- "$poolsim" size "$tmp/none.yaml"
expect 2 "bad --jobs" -- "$poolsim" size "$s" --jobs 0
expect 2 "bad --sample" -- "$poolsim" size "$s" --sample x
expect 2 "bad --add-host" -- "$poolsim" size "$s" --add-host 64
expect 2 "unknown --remove-host" -- "$poolsim" size "$s" --remove-host nope
expect 2 "unknown option" -- "$poolsim" size "$s" --frob
expect 0 "--help" -- "$poolsim" size --help

if [ "$failures" -gt 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "cli.size: all passed"
