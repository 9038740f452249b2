#!/usr/bin/env bash
# cli.basics: help, version, exit statuses of docs/running.md "Exit status", and `poolsim diff`.
set -u
poolsim=${1:?usage: basics.sh POOLSIM DATA_DIR}
data=${2:?}
source "$(dirname "$0")/lib.sh"

expect 0 "--help" -- "$poolsim" --help
contains "$tmp/all" "usage: poolsim VERB" "--help"
expect 0 "--version" -- "$poolsim" --version
contains "$tmp/all" "poolsim 0." "--version"
expect 2 "no verb" -- "$poolsim"
expect 2 "unknown verb" -- "$poolsim" frobnicate
contains "$tmp/all" "unknown verb 'frobnicate'" "unknown verb"
expect 2 "size of a missing file" -- "$poolsim" size "$tmp/missing.yaml"
expect 0 "bench --help" -- "$poolsim" bench --help
expect 2 "bench with a bad option" -- "$poolsim" bench heartbeat-mesh --hosts
expect 2 "bench with an unknown workload" -- "$poolsim" bench ring
expect 2 "bench --until without unit" -- "$poolsim" bench heartbeat-mesh --until 30
contains "$tmp/all" "duration '30' has no unit" "bench --until without unit"
expect 0 "a small bench" -- "$poolsim" bench heartbeat-mesh --hosts 4 --until 100s --repeat 1
contains "$tmp/all" "ratio poolsim/baseline" "a small bench"

expect 0 "diff of identical files" -- "$poolsim" diff "$data/a.timeline" "$data/a.timeline"
expect 1 "diff of different files" -- "$poolsim" diff "$data/a.timeline" "$data/b.timeline"
contains "$tmp/all" "differ at line 5:" "diff names the first differing line"
contains "$tmp/all" "  - 5:    378.000000  pool" "diff shows the line of A"
contains "$tmp/all" "  + 5:    379.000000  pool" "diff shows the line of B"
contains "$tmp/all" "    4:    300.000200" "diff shows context"
expect 1 "diff of a prefix" -- "$poolsim" diff "$data/a.timeline" "$data/a-prefix.timeline"
contains "$tmp/all" "ends after line 4" "diff of a prefix"
expect 2 "diff of a missing file" -- "$poolsim" diff "$data/a.timeline" "$tmp/none"
contains "$tmp/all" "cannot read" "diff of a missing file"

finish cli.basics
