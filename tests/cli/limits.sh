#!/usr/bin/env bash
# cli.limits: command-line numbers and durations under the scenario file's limits (docs/running.md "Option
# limits"), seeds that would wrap refused, and the record budget (docs/running.md "Record budget"): a runaway run
# stops with exit 2 and writes no file, a run within its budget is unchanged by it.
set -u
poolsim=${1:?usage: limits.sh POOLSIM SOURCE_DIR}
root=${2:?}
source "$(dirname "$0")/lib.sh"
tutorial=$root/scenarios/tutorial-cable-pull.yaml
top=18446744073709551615  # 2^64 - 1, the largest seed of a file

# --until: the file's 1s to 100y, not the 292 years a duration can hold
expect 2 "run --until 200y" -- "$poolsim" run "$tutorial" --until 200y --quiet
contains "$tmp/err" "poolsim run: --until 200y is out of range: a horizon goes from 1s to 100y, as the scenario's 'until:'" "run --until 200y"
expect 2 "run --until 0s" -- "$poolsim" run "$tutorial" --until 0s --quiet
contains "$tmp/err" "from 1s to 100y" "run --until 0s"
expect 2 "run --until 500ms" -- "$poolsim" run "$tutorial" --until 500ms --quiet
expect 2 "bench --until 101y" -- "$poolsim" bench heartbeat-mesh --until 101y
contains "$tmp/err" "poolsim bench: --until 101y is out of range" "bench --until 101y"
expect 1 "run --until 1s, the lower limit (the tutorial's expectations then fail)" -- "$poolsim" run "$tutorial" --until 1s --quiet

# seeds: 0 to 2^64 - 1; a sign, a fraction or overflow is no seed; consecutive seeds must not wrap
expect 2 "run --seed -1" -- "$poolsim" run "$tutorial" --seed -1 --quiet
contains "$tmp/err" "poolsim run: --seed '-1' is not a seed: seeds are whole numbers from 0 to $top" "run --seed -1"
expect 2 "run --seed 2^64" -- "$poolsim" run "$tutorial" --seed 18446744073709551616 --quiet
expect 0 "run --seed 2^64-1" -- "$poolsim" run "$tutorial" --seed "$top" --quiet
expect 2 "swarm --seed 2^64-1 --runs 2 would wrap" -- "$poolsim" swarm --runs 2 --seed "$top"
contains "$tmp/err" "poolsim swarm: --seed '$top' is not a seed: seeds are whole numbers from 0 to $top, and the 2 seeds S .. S+1 must all be, so --seed S goes from 0 to 18446744073709551614" "swarm seed wrap"
expect 0 "swarm --runs 0 --seed 2^64-1" -- "$poolsim" swarm --runs 0 --seed "$top"
expect 2 "swarm --seed -3" -- "$poolsim" swarm --runs 1 --seed -3
expect 2 "swarm --runs -1" -- "$poolsim" swarm --runs -1 --seed 1
contains "$tmp/err" "poolsim swarm: --runs '-1' is not a whole number from 0 to 100000000" "swarm --runs -1"
expect 2 "swarm without --seed" -- "$poolsim" swarm --runs 1
expect 2 "batch --seed-base wraps" -- "$poolsim" batch "$tutorial" --runs 3 --seed-base 18446744073709551614 --out "$tmp/b.h5"
contains "$tmp/err" "so --seed-base S goes from 0 to 18446744073709551613" "batch seed wrap"
[ ! -e "$tmp/b.h5" ] || fail "a refused batch wrote its output"
expect 2 "explore --seed -1" -- "$poolsim" explore "$tutorial" --seed -1
expect 2 "explore --max-instants -1" -- "$poolsim" explore "$tutorial" --max-instants -1
contains "$tmp/err" "poolsim explore: --max-instants '-1' is not a whole number" "explore --max-instants -1"
expect 2 "size --seed 1.5" -- "$poolsim" size "$tutorial" --seed 1.5

# the other numbers of each verb
expect 2 "bench --repeat -1" -- "$poolsim" bench heartbeat-mesh --hosts 4 --until 10s --repeat -1
contains "$tmp/err" "poolsim bench: --repeat '-1' is not a whole number from 1 to 1000" "bench --repeat -1"
expect 2 "bench --hosts -1" -- "$poolsim" bench heartbeat-mesh --hosts -1 --until 10s
expect 2 "bench --hosts 5000" -- "$poolsim" bench heartbeat-mesh --hosts 5000 --until 10s
expect 2 "size --sample 0" -- "$poolsim" size "$tutorial" --sample 0
expect 2 "size --sample 1000001" -- "$poolsim" size "$tutorial" --sample 1000001
contains "$tmp/err" "poolsim size: --sample '1000001' is not a whole number from 1 to 1000000" "size --sample"
expect 2 "size --ntol 64" -- "$poolsim" size "$tutorial" --ntol 64
contains "$tmp/err" "poolsim size: --ntol '64' is not a whole number from 0 to 63" "size --ntol 64"
expect 2 "size --ntol above the hosts" -- "$poolsim" size "$tutorial" --ntol 2
contains "$tmp/err" "poolsim size: --ntol 2 is more than the pool's 2 hosts - 1; give 0 to 1" "size --ntol 2"
expect 2 "size --jobs 0" -- "$poolsim" size "$tutorial" --jobs 0
expect 2 "batch --jobs -2" -- "$poolsim" batch "$tutorial" --runs 1 --jobs -2 --out "$tmp/b.h5"
expect 2 "swarm --hosts-max 65" -- "$poolsim" swarm --runs 1 --seed 1 --hosts-max 65
expect 2 "run --max-records 0" -- "$poolsim" run "$tutorial" --max-records 0 --quiet

# Files the loader refuses (sources that collide, tags, UUIDs in two cases): `run` refuses them as `check` does.
for bad in source_nic_like_vm yaml_tags uuid_twice_other_case; do
  expect 2 "run of bad/$bad.yaml" -- "$poolsim" run "$root/tests/scenario/bad/$bad.yaml" --quiet --h5 "$tmp/bad.h5"
  contains "$tmp/err" "$bad.yaml:" "run of bad/$bad.yaml names the file"
  [ ! -e "$tmp/bad.h5" ] || fail "run of bad/$bad.yaml wrote its output"
done
contains "$tmp/err" "error: uuid (compared without case)" "run of uuid_twice_other_case"

# The record budget. Within it, nothing changes: the tutorial with a budget of exactly its records.
expect 0 "the tutorial" -- "$poolsim" run "$tutorial"
cp "$tmp/out" "$tmp/tutorial.out"
records=$(grep -cv '^#' "$tmp/tutorial.out")
expect 0 "the tutorial within a budget of its $records records" -- "$poolsim" run "$tutorial" --max-records "$records"
cmp -s "$tmp/out" "$tmp/tutorial.out" || fail "a budget of exactly the run's records changed its output"
expect 2 "the tutorial over a budget one short" -- "$poolsim" run "$tutorial" --max-records $((records - 1)) \
  --timeline "$tmp/t.timeline" --h5 "$tmp/t.h5"
contains "$tmp/err" "the run reached its record budget of $((records - 1)) timeline records (--max-records)" "budget one short"
[ ! -e "$tmp/t.timeline" ] && [ ! -e "$tmp/t.h5" ] || fail "a run stopped by its budget left an output"

# The runaway of issue 21: NIC unplugs every second or so, repaired at once, for 100 years.
sed -e 's/^until: .*/until: 100y/' "$tutorial" >"$tmp/runaway.yaml"
cat >>"$tmp/runaway.yaml" <<'YAML'
random_faults:
  - {target: nics, do: unplug, mtbf: 1s, repair: {distribution: fixed, value: 0s}}
YAML
grep -q '^random_faults:' "$tutorial" && fail "the tutorial has random faults of its own; this case needs another base"
expect 2 "a runaway run with outputs" -- "$poolsim" run "$tmp/runaway.yaml" --max-records 200000 \
  --timeline "$tmp/r.timeline" --h5 "$tmp/r.h5"
matches "$tmp/err" "^poolsim run: .*runaway.yaml: stopped at [0-9.]+ s simulated of 3153600000.000000: the run reached its record budget of 200000 timeline records" "runaway"
ls "$tmp" | grep -q '^r\.' && fail "the runaway left files: $(ls "$tmp" | grep '^r\.')"
expect 2 "a runaway run on stdout" -- "$poolsim" run "$tmp/runaway.yaml" --max-records 200000
contains "$tmp/out" "# stopped: record budget of 200000 records reached" "runaway on stdout"
expect 1 "a batch of the runaway" -- "$poolsim" batch "$tmp/runaway.yaml" --runs 1 --max-records 20000 --out "$tmp/rb.h5"
contains "$tmp/err" "the run published 20000 timeline records, its budget, by" "batch runaway"
[ ! -e "$tmp/rb.h5" ] || fail "a batch whose run was stopped by its budget wrote its results"
expect 2 "batch --max-records -1" -- "$poolsim" batch "$tutorial" --runs 1 --max-records -1 --out "$tmp/rb.h5"
# (The default budget, 10^7 records, takes this run some 40 s: unit.scenario.Build.RecordBudget checks it is set.)

finish cli.limits
