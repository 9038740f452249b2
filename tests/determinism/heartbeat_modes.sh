#!/usr/bin/env bash
# determinism.heartbeat_modes: compressed heartbeats (the default) and message-level heartbeats (every heartbeat
# and statefile cycle one kernel event, the reference) give the same bytes — the text output of `poolsim run`
# and its HDF5 file (--h5; object times are not recorded, so equal content is equal bytes). Every scenario of the
# library that `poolsim run` accepts (exit 2 is skipped) at seeds 1..3, then a seeded sample of `poolsim swarm`
# cases (determinism_tool swarm-case SEED: the YAML of the swarm's case for that seed) at their own seed.
#
# usage: heartbeat_modes.sh POOLSIM DETERMINISM_TOOL SCENARIOS_DIR [SWARM_FIRST_SEED [SWARM_CASES]]
set -u
poolsim=${1:?usage: heartbeat_modes.sh POOLSIM DETERMINISM_TOOL SCENARIOS_DIR [SWARM_FIRST_SEED [SWARM_CASES]]}
tool=${2:?}
dir=${3:?}
swarm_first=${4:-1000}
swarm_cases=${5:-24}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
compared=0
differing=0

# compare NAME FILE [ARGS...]: both modes, text and HDF5; returns 2 when `poolsim run` refuses the scenario.
compare() {
  local name=$1 file=$2 bad=0
  shift 2
  rm -f "$tmp"/c.* "$tmp"/m.*
  "$poolsim" run "$file" "$@" --heartbeats=compressed --h5 "$tmp/c.h5" >"$tmp/c.txt" 2>"$tmp/c.err"
  local cs=$?
  [ "$cs" = 2 ] && return 2
  "$poolsim" run "$file" "$@" --heartbeats=messages --h5 "$tmp/m.h5" >"$tmp/m.txt" 2>"$tmp/m.err"
  local ms=$?
  if [ "$cs" != "$ms" ]; then
    echo "FAILED   $name $*: exit status $cs compressed, $ms messages"; bad=1
  fi
  if ! cmp -s "$tmp/c.txt" "$tmp/m.txt"; then
    echo "FAILED   $name $*: the text output differs (< compressed, > messages)"
    diff "$tmp/c.txt" "$tmp/m.txt" | head -20
    bad=1
  elif ! cmp -s "$tmp/c.err" "$tmp/m.err"; then
    echo "FAILED   $name $*: stderr differs"; diff "$tmp/c.err" "$tmp/m.err" | head -10; bad=1
  elif ! cmp -s "$tmp/c.h5" "$tmp/m.h5"; then
    echo "FAILED   $name $*: the HDF5 files differ"; bad=1
  fi
  compared=$((compared + 1))
  differing=$((differing + bad))
  return 0
}

for scenario in "$dir"/*.yaml; do
  name=$(basename "$scenario" .yaml)
  for seed in 1 2 3; do
    compare "$name" "$scenario" --seed "$seed"
    [ $? = 2 ] && { echo "skipped  $name (poolsim run refuses it)"; break; }
  done
done
library=$compared

for ((seed = swarm_first; seed < swarm_first + swarm_cases; seed++)); do
  "$tool" swarm-case "$seed" >"$tmp/swarm-$seed.yaml" || { echo "FAILED   swarm-case $seed not generated"; failed=1; continue; }
  compare "swarm-$seed" "$tmp/swarm-$seed.yaml"
  [ $? = 2 ] && { echo "FAILED   swarm-$seed: poolsim run refuses a swarm case"; failed=1; }
done
echo "$library library runs (scenario x seed) and $((compared - library)) swarm cases (seeds $swarm_first.."\
"$((swarm_first + swarm_cases - 1))) compared, compressed vs messages (text and HDF5): $differing differ"
[ "$differing" = 0 ] || failed=1
[ "$library" -gt 0 ] || failed=1
exit "$failed"
