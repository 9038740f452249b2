#!/usr/bin/env bash
# cli.basics: help, version, exit statuses of FORMATS.md §4, and `poolsim diff`.
set -u
poolsim=${1:?usage: basics.sh POOLSIM DATA_DIR}
data=${2:?}
failures=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# expect STATUS DESCRIPTION -- COMMAND...: runs COMMAND, checks its exit status, keeps its output in $tmp/out.
expect() {
  local want=$1 what=$2
  shift 3
  "$@" >"$tmp/out" 2>&1
  local got=$?
  if [ "$got" != "$want" ]; then
    echo "FAIL: $what: exit status $got, want $want; output:"
    sed 's/^/    /' "$tmp/out"
    failures=$((failures + 1))
  fi
}
# contains TEXT DESCRIPTION: the last command's output contains TEXT.
contains() {
  if ! grep -qF -- "$1" "$tmp/out"; then
    echo "FAIL: $2: output lacks '$1'; output:"
    sed 's/^/    /' "$tmp/out"
    failures=$((failures + 1))
  fi
}

expect 0 "--help" -- "$poolsim" --help
contains "usage: poolsim VERB" "--help"
expect 0 "--version" -- "$poolsim" --version
contains "poolsim 0." "--version"
expect 2 "no verb" -- "$poolsim"
expect 2 "unknown verb" -- "$poolsim" frobnicate
contains "unknown verb 'frobnicate'" "unknown verb"
expect 2 "size of a missing file" -- "$poolsim" size "$tmp/missing.yaml"
expect 0 "bench --help" -- "$poolsim" bench --help
expect 2 "bench with a bad option" -- "$poolsim" bench heartbeat-mesh --hosts
expect 2 "bench with an unknown workload" -- "$poolsim" bench ring
expect 2 "bench --until without unit" -- "$poolsim" bench heartbeat-mesh --until 30
contains "duration '30' has no unit" "bench --until without unit"
expect 0 "a small bench" -- "$poolsim" bench heartbeat-mesh --hosts 4 --until 100s --repeat 1
contains "ratio poolsim/baseline" "a small bench"

expect 0 "diff of identical files" -- "$poolsim" diff "$data/a.timeline" "$data/a.timeline"
expect 1 "diff of different files" -- "$poolsim" diff "$data/a.timeline" "$data/b.timeline"
contains "differ at line 5:" "diff names the first differing line"
contains "  - 5:    378.000000  pool" "diff shows the line of A"
contains "  + 5:    379.000000  pool" "diff shows the line of B"
contains "    4:    300.000200" "diff shows context"
expect 1 "diff of a prefix" -- "$poolsim" diff "$data/a.timeline" "$data/a-prefix.timeline"
contains "ends after line 4" "diff of a prefix"
expect 2 "diff of a missing file" -- "$poolsim" diff "$data/a.timeline" "$tmp/none"
contains "cannot read" "diff of a missing file"

if [ "$failures" -ne 0 ]; then
  echo "cli.basics: $failures failed"
  exit 1
fi
echo "cli.basics: all passed"
