#!/usr/bin/env bash
# cli.batch: `poolsim batch` (docs/running.md "poolsim batch"): usage errors give 2; the results do not depend on
# --jobs (1 and 2 give the same bytes); a batch killed with SIGKILL mid-way (a torn journal line added on top)
# and started again runs only the missing runs and gives the same file as an uninterrupted one; a finished batch
# started again runs nothing; --keep-timelines puts each run's timeline under /runs/<id> (checked with h5py when
# Debian's python3-h5py is there).
set -u
poolsim=${1:?usage: batch.sh POOLSIM SCENARIOS_DIR}
scenarios=${2:?}
source "$(dirname "$0")/lib.sh"

# written DESCRIPTION -- COMMAND...: a batch that writes its results exits 0, or 1 when a run broke an invariant
# (a model bug the batch reports, not a failure of the batch itself).
written() {
  local what=$1
  shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  if [ "$got" != 0 ] && [ "$got" != 1 ]; then
    fail "$what: exit status $got, want 0 or 1; stderr:"
    sed 's/^/    /' "$tmp/err"
  fi
}

tutorial="$scenarios/tutorial-cable-pull.yaml"
# A century of random failures: long enough (about 0.2 s a run) to be killed mid-way.
sed 's/^until: 1y$/until: 100y/' "$scenarios/random-failures.yaml" >"$tmp/century.yaml"

expect 0 "batch --help" -- "$poolsim" batch --help
contains "$tmp/out" "usage: poolsim batch SCENARIO.yaml..." "batch --help"
expect 2 "batch without a scenario" -- "$poolsim" batch --runs 2 --out "$tmp/x.h5"
contains "$tmp/err" "no scenario given" "batch without a scenario"
expect 2 "batch without --runs" -- "$poolsim" batch "$tutorial" --out "$tmp/x.h5"
contains "$tmp/err" "--runs N is required" "batch without --runs"
expect 2 "batch --runs 0" -- "$poolsim" batch "$tutorial" --runs 0 --out "$tmp/x.h5"
expect 2 "batch without --out" -- "$poolsim" batch "$tutorial" --runs 2
contains "$tmp/err" "--out RESULTS.h5 is required" "batch without --out"
expect 2 "batch --jobs x" -- "$poolsim" batch "$tutorial" --runs 2 --jobs x --out "$tmp/x.h5"
contains "$tmp/err" "--jobs 'x'" "batch --jobs x"
sed 's/    timeout: 60s /    timout: 60s /' "$tutorial" >"$tmp/bad.yaml"
expect 2 "batch of a bad file" -- "$poolsim" batch "$tmp/bad.yaml" --runs 2 --out "$tmp/x.h5"
line=$(grep -n 'timout:' "$tmp/bad.yaml" | cut -d: -f1)
contains "$tmp/err" "bad.yaml:$line:5: error: unknown key 'timout' in 'ha'" "batch of a bad file"
cp "$tutorial" "$tmp/same-name.yaml"
expect 2 "batch of two scenarios with one name" -- "$poolsim" batch "$tutorial" "$tmp/same-name.yaml" --runs 2 --out "$tmp/x.h5"
contains "$tmp/err" "also named 'tutorial-cable-pull'" "batch of two scenarios with one name"
[ -e "$tmp/x.h5" ] && fail "a refused batch wrote its file"

runs=16
args=("$tmp/century.yaml" "$tutorial" --runs "$runs" --seed-base 7)

# Uninterrupted, one job: the reference. Not a terminal: a one-line summary on stderr.
mkdir "$tmp/ref" "$tmp/two" "$tmp/killed" "$tmp/keep"
written "batch --jobs 1" -- "$poolsim" batch "${args[@]}" --jobs 1 --out "$tmp/ref/r.h5"
contains "$tmp/err" "32 runs (2 scenarios x 16 seeds from 7): 32 run now, 0 from the journal" "the summary line"
[ "$(wc -l <"$tmp/err")" = 1 ] || fail "not on a terminal, stderr is one line; it holds: $(cat "$tmp/err")"
[ -s "$tmp/ref/r.h5" ] || fail "batch wrote no file"
[ -z "$(find "$tmp/ref" \( -name "*.tmp*" -o -name "*.lock" \))" ] || fail "batch left a temporary or lock file"
# The figures on stdout, one block per scenario, with the worst run to replay; --quiet prints none.
contains "$tmp/out" "scenario tutorial-cable-pull: 16 runs, " "the figures on stdout"
contains "$tmp/out" "  protected VMs available      " "the figures on stdout"
contains "$tmp/out" "  fences per run-year          " "the figures on stdout"
matches "$tmp/out" "worst run: seed [0-9]+, protected VMs down ([0-9]+[dhm])*[0-9.]+s in all; replay: poolsim run .*century.yaml --seed [0-9]+" "the worst run"
written "batch --quiet" -- "$poolsim" batch "${args[@]}" --jobs 1 --out "$tmp/ref/r.h5" --quiet
[ -s "$tmp/out" ] && fail "batch --quiet printed on stdout: $(head -3 "$tmp/out")"

# Two jobs: the same bytes.
written "batch --jobs 2" -- "$poolsim" batch "${args[@]}" --jobs 2 --out "$tmp/two/r.h5"
cmp -s "$tmp/ref/r.h5" "$tmp/two/r.h5" || fail "--jobs 1 and --jobs 2 give different files"

# Killed with SIGKILL once a few runs are journaled, a torn line added, started again: the same bytes.
"$poolsim" batch "${args[@]}" --jobs 2 --out "$tmp/killed/r.h5" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 400); do
  journaled=$(grep -c '^run' "$tmp/killed/r.h5.journal" 2>/dev/null)
  [ "${journaled:-0}" -ge 3 ] && break
  sleep 0.02
done
kill -KILL "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
done_before=$(grep -c '^run' "$tmp/killed/r.h5.journal")
if [ -e "$tmp/killed/r.h5" ]; then
  fail "the batch finished before it was killed; make the runs longer"
fi
printf 'run\tcentury\tdeadbeef\t99\t0' >>"$tmp/killed/r.h5.journal"  # a line torn by the kill
written "the killed batch started again" -- "$poolsim" batch "${args[@]}" --jobs 2 --out "$tmp/killed/r.h5"
contains "$tmp/err" "from the journal" "the killed batch started again"
from_journal=$(sed -n 's/.* run now, \([0-9]*\) from the journal.*/\1/p' "$tmp/err")
if [ "${from_journal:-0}" -lt "$done_before" ] || [ "${from_journal:-0}" -ge $((2 * runs)) ]; then
  fail "started again, it took $from_journal runs from the journal; $done_before were journaled before the kill"
fi
cmp -s "$tmp/ref/r.h5" "$tmp/killed/r.h5" || fail "the killed and resumed batch differs from the uninterrupted one"
grep -q 'deadbeef' "$tmp/killed/r.h5.journal" && fail "the torn journal line was not cut off"

# A finished batch started again runs nothing and writes the same file.
written "a finished batch started again" -- "$poolsim" batch "${args[@]}" --out "$tmp/ref/r.h5"
contains "$tmp/err" ": 0 run now, 32 from the journal" "a finished batch started again"
cmp -s "$tmp/two/r.h5" "$tmp/ref/r.h5" || fail "a finished batch started again wrote another file"

# Other arguments on the same journal: refused, nothing lost.
expect 1 "the journal with --keep-timelines added" -- "$poolsim" batch "${args[@]}" --keep-timelines --out "$tmp/ref/r.h5"
contains "$tmp/err" "give the same arguments, or remove it" "the journal with other arguments"

# --keep-timelines: each run's timeline under /runs/<id>; and the tables read back with h5py.
expect 0 "batch --keep-timelines" -- "$poolsim" batch "$tutorial" --runs 3 --jobs 2 --keep-timelines --out "$tmp/keep/k.h5"
python=/usr/bin/python3
if [ -x "$python" ] && "$python" -c 'import h5py' 2>/dev/null; then
  "$python" - "$tmp/keep/k.h5" "$tmp/ref/r.h5" <<'PY' || failures=$((failures + 1))
import sys, h5py
keep, ref = sys.argv[1:3]
problems = []
with h5py.File(keep, "r") as f:
    ids = [i.decode() for i in f["runs/summary"]["id"]]
    if ids != ["tutorial-cable-pull@1", "tutorial-cable-pull@2", "tutorial-cable-pull@3"]:
        problems.append(f"ids {ids}")
    for i in ids:
        if f"runs/{i}/events" not in f or f[f"runs/{i}"].attrs["seed"] != int(i.split("@")[1]):
            problems.append(f"no timeline for {i}")
    if "runs/tutorial-cable-pull@2/vms/dns/state" not in f:
        problems.append("no state table in a kept timeline")
with h5py.File(ref, "r") as f:
    s = f["runs/summary"][()]
    if len(s) != 32 or sorted(set(s["seed"])) != list(range(7, 23)):
        problems.append(f"runs/summary has {len(s)} rows, seeds {sorted(set(s['seed']))}")
    a = {(r["scenario"].decode(), r["vm"].decode()): r for r in f["aggregate/vms"][()]}
    dns = a[("tutorial-cable-pull", "dns")]
    # The tutorial's dns is down 190 s of its 1200 s in every run (300 to 490: impaired, then dead).
    if abs(dns["availability"] - (1 - 190 / 1200)) > 1e-9:
        problems.append(f"dns availability {dns['availability']}")
    db = a[("century", "db")] if ("century", "db") in a else a[("random-failures", "db")]
    if not (db["availability_low"] <= db["availability"] <= db["availability_high"] < 1):
        problems.append(f"db availability interval {db}")
for p in problems:
    print("FAIL: batch file:", p)
sys.exit(1 if problems else 0)
PY
else
  echo "note: h5py missing, the batch file read-back check is skipped"
fi

# A scenario's own services (docs/scenario-format.md "Services"): a line each on stdout, /runs/services and
# /aggregate/services in the file. In services-host-loss every run is the same: erp down 140 s of 1200 s.
mkdir "$tmp/svc"
written "batch of a scenario with services" -- "$poolsim" batch "$scenarios/services-host-loss.yaml" --runs 3 \
  --out "$tmp/svc/s.h5"
contains "$tmp/out" "  service dns available        100.0000 % [100.0000, 100.0000]; worst run 0s down" \
  "the service lines"
contains "$tmp/out" "  service erp available        88.3333 % [88.3333, 88.3333]; worst run 2m20s down" \
  "the service lines"
if /usr/bin/python3 -c "import h5py" 2>/dev/null; then
  /usr/bin/python3 - "$tmp/svc/s.h5" "$tmp/ref/r.h5" <<'PY' || fail "the batch file's services"
import sys, h5py
problems = []
with h5py.File(sys.argv[1], "r") as f:
    runs = f["runs/services"][()]
    if len(runs) != 6 or [r["service"].decode() for r in runs[:2]] != ["dns", "erp"]:
        problems.append(f"runs/services {runs}")
    a = {r["service"].decode(): r for r in f["aggregate/services"][()]}
    if abs(a["erp"]["availability"] - (1 - 140 / 1200)) > 1e-9 or a["erp"]["worst_downtime_s"] != 140 \
            or a["erp"]["need"] != 2 or a["dns"]["availability"] != 1:
        problems.append(f"aggregate/services {a}")
with h5py.File(sys.argv[2], "r") as f:
    if "runs/services" in f or "aggregate/services" in f:
        problems.append("a batch without services has service tables")
for p in problems:
    print("FAIL:", p)
sys.exit(1 if problems else 0)
PY
fi


# A scenario with its pool from another file and what-if options: the journal's hash is of the changed scenario,
# so the same batch without the options is another batch; the replay command repeats the options.
cp "$scenarios/size-3-hosts.yaml" "$scenarios/what-if-fourth-host.yaml" "$tmp/"
expect 0 "batch of a scenario with its pool from a file, --remove-host" -- \
  "$poolsim" batch "$tmp/what-if-fourth-host.yaml" --runs 2 --jobs 1 --out "$tmp/from.h5" --remove-host xs4 --add-host 64GiB
contains "$tmp/out" "replay: poolsim run $tmp/what-if-fourth-host.yaml --seed 1 --remove-host xs4 --add-host 64GiB" \
  "the replay repeats the what-if options"
if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c "import h5py" 2>/dev/null; then
  /usr/bin/python3 -c "import h5py,sys; print(h5py.File(sys.argv[1])['/aggregate/scenarios']['what_if'][0].decode())" \
    "$tmp/from.h5" >"$tmp/what_if.txt"
  contains "$tmp/what_if.txt" " --remove-host xs4 --add-host 64GiB" "/aggregate/scenarios what_if"
fi
expect 2 "batch --remove-vm of a VM an expectation names" -- \
  "$poolsim" batch "$tmp/what-if-fourth-host.yaml" --runs 2 --out "$tmp/from2.h5" --remove-vm a1
contains "$tmp/err" "the problems above are in the pool after the what-if options (--remove-vm a1)" "the what-if note"
[ -e "$tmp/from2.h5" ] && fail "a refused batch wrote its file"

finish cli.batch
