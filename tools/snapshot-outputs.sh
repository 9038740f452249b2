#!/usr/bin/env bash
# Snapshot what a poolsim build prints and writes, to show that a restructuring is byte-identical:
#   tools/snapshot-outputs.sh POOLSIM DETERMINISM_TOOL OUT_DIR [SWARM_CASES [SWARM_FIRST_SEED]]
# For every library scenario at seeds 1..3 and for SWARM_CASES generated swarm cases (default 300, from seed
# 5000): the text output, stderr, exit status and HDF5 file of `poolsim run`, in both heartbeat modes for the
# library. Compare two snapshots with `diff -r OLD NEW` (HDF5 files are byte-compared by diff -r too).
set -u
poolsim=${1:?usage: snapshot-outputs.sh POOLSIM DETERMINISM_TOOL OUT_DIR [SWARM_CASES [SWARM_FIRST_SEED]]}
tool=${2:?}
out=${3:?}
cases=${4:-300}
first=${5:-5000}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mkdir -p "$out"

# one NAME SCENARIO ARGS...: the run's stdout, stderr, status and HDF5 file under OUT/NAME.*
one() {
  local name=$1 file=$2
  shift 2
  "$poolsim" run "$file" "$@" --h5 "$out/$name.h5" >"$out/$name.out" 2>"$out/$name.err"
  echo $? >"$out/$name.status"
}

for scenario in "$root"/scenarios/*.yaml; do
  name=$(basename "$scenario" .yaml)
  for seed in 1 2 3; do
    one "$name-s$seed-c" "$scenario" --seed "$seed" --heartbeats=compressed
    one "$name-s$seed-m" "$scenario" --seed "$seed" --heartbeats=messages
  done
done
for ((seed = first; seed < first + cases; seed++)); do
  "$tool" swarm-case "$seed" >"$out/swarm-$seed.yaml"
  one "swarm-$seed" "$out/swarm-$seed.yaml"
done
for bad in "$root"/tests/scenario/bad/*.yaml; do
  one "bad-$(basename "$bad" .yaml)" "$bad"
done
echo "snapshot: $(ls "$out"/*.status | wc -l) runs in $out"
