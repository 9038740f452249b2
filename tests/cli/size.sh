#!/usr/bin/env bash
# `poolsim size` (docs/sizing.md "poolsim size"), in three parts, one ctest each:
#
#   size.sh POOLSIM SCENARIOS_DIR [basics|h5|large] [PYTHON3]
#
# basics (cli.size): scenarios/size-3-hosts.yaml, whose answer is hand-computed in its comments: the planner's
#   max host failures to tolerate is 1; every single crash restores all protected VMs (3 of 3 sets), no pair does
#   (0 of 3); no disagreement. --jobs 1 and 2 give the same bytes; the what-if options change the planner's
#   answer as computed by hand; usage errors give 2.
# h5 (cli.size_h5): --h5 FILE on the same scenario: the same bytes for --jobs 1 and 2, no temporary left, an
#   unwritable FILE refused (2) before the runs; read back with h5py, every figure equals the text report's and
#   the hand-computed ones. Exits 77 (skipped) after the other checks when PYTHON3 lacks h5py.
# large (cli.size_large): a 24-host pool from tools/gen-large-pool.py, where C(24, k) exceeds --sample 8 for
#   every k: the report says "8 of C(24, k)" per k; the same --seed gives the same bytes (text and HDF5, also
#   with --jobs 2), another seed another sample (read with h5py when PYTHON3 has it). Takes about a second; its
#   ctest TIMEOUT is the guard.
set -u
poolsim=${1:?usage: size.sh POOLSIM SCENARIOS_DIR [basics|h5|large] [PYTHON3]}
scenarios=${2:?}
part=${3:-basics}
python=${4:-/usr/bin/python3}
source "$(dirname "$0")/lib.sh"

s="$scenarios/size-3-hosts.yaml"
has_h5py() { "$python" -c 'import h5py, numpy' 2>/dev/null; }

if [ "$part" = h5 ]; then
  expect 0 "size" -- "$poolsim" size "$s"
  cp "$tmp/out" "$tmp/plain"
  expect 0 "size --h5 --jobs 1" -- "$poolsim" size "$s" --h5 "$tmp/j1.h5" --jobs 1
  cmp -s "$tmp/plain" "$tmp/out" || fail "--h5 changed the text report"
  cp "$tmp/out" "$tmp/report"
  sleep 1.1  # HDF5 object times have a resolution of 1 s: a stored time would now differ
  expect 0 "size --h5 --jobs 2" -- "$poolsim" size "$s" --h5 "$tmp/j2.h5" --jobs 2
  [ -s "$tmp/j1.h5" ] || fail "--h5 wrote no file"
  cmp -s "$tmp/j1.h5" "$tmp/j2.h5" || fail "--h5 files of --jobs 1 and --jobs 2 differ"
  ! ls "$tmp"/j1.h5.* >/dev/null 2>&1 || fail "--h5 left a temporary or lock file"
  expect 2 "unwritable --h5" -- "$poolsim" size "$s" --h5 "$tmp/no/such/dir/x.h5"
  matches "$tmp/err" "poolsim size: --h5 '.*/no/such/dir/x.h5': its directory '.*/no/such/dir' does not exist" \
    "unwritable --h5 message"
  [ ! -s "$tmp/out" ] || fail "unwritable --h5: a report was printed; the refusal must come before the runs"
  expect 2 "empty --h5" -- "$poolsim" size "$s" --h5 ""
  if ! has_h5py; then
    [ "$failures" -gt 0 ] && finish "cli.size $part"
    echo "skipped: $python lacks h5py (apt-get install python3-h5py); the byte checks passed"
    exit 77
  fi
  # Every figure of the file against the text report (parsed here) and the scenario's hand-computed answer.
  "$python" - "$tmp/j1.h5" "$tmp/report" "$s" <<'PY' || fail "the HDF5 file does not say what the report says"
import math, re, sys
import h5py

path, report_path, scenario = sys.argv[1:4]
report = open(report_path).read().splitlines()
errors = []
def want(what, got, expected):
    if got != expected:
        errors.append(f"{what}: got {got!r}, want {expected!r}")
def text(v):
    return v.decode("utf-8") if isinstance(v, bytes) else str(v)

with h5py.File(path, "r") as f:
    a = f.attrs
    want("kind", text(a["kind"]), "size")
    want("scenario_name", text(a["scenario_name"]), "size-3-hosts")
    want("scenario_yaml", text(a["scenario_yaml"]), open(scenario).read())
    for name, value in (("seed", 1), ("sample", 200), ("sample_seed", 1), ("host_count", 3),
                        ("protected_vms", 6), ("protected_running", 6), ("protected_memory_bytes", 96 << 30),
                        ("max_host_failures_to_tolerate", 1), ("ntol", 1), ("disagreements", 0)):
        want(name, int(a[name]), value)
        want(name + " type", a[name].dtype.str, "<u8")
    want("plan_status", text(a["plan_status"]), "all_vms")
    want("crash_at_s", float(a["crash_at_s"]), 300.0)
    want("spacing_s", float(a["spacing_s"]), 600.0)
    want("settle_s", float(a["settle_s"]), 1800.0)

    planner = f["planner"][()]
    want("planner k", list(planner["k"]), [1, 2])
    want("planner status", [text(x) for x in planner["plan_status"]], ["all_vms", "none"])
    want("planner heuristic", [text(x) for x in planner["heuristic"]], ["exhaustive", "exhaustive"])

    # The report's rows: "k planner sets restored broke worst median left..." per section.
    rows, mode = {}, None
    for line in report:
        if line.startswith("simultaneous crashes"): mode = "simultaneous"
        elif line.startswith("sequential crashes"): mode = "sequential"
        elif not line: mode = None
        elif mode and re.match(r"^\d", line):
            k, status, sets, restored, broke, worst, median = line.split()[:7]
            rows[(mode, int(k))] = (status, int(sets), int(restored), int(broke), worst, median)
    want("report rows", sorted(rows), [("sequential", 1), ("sequential", 2), ("simultaneous", 1), ("simultaneous", 2)])
    by_k = f["by_k"][()]
    want("by_k rows", len(by_k), 4)
    for r in by_k:
        key = (text(r["mode"]), int(r["k"]))
        status, sets, restored, broke, worst, median = rows.get(key, ("?", -1, -1, -1, "?", "?"))
        want(f"{key} planner", text(r["planner"]), status)
        want(f"{key} sets_run", int(r["sets_run"]), sets)
        want(f"{key} sets_total", int(r["sets_total"]), 3)
        want(f"{key} sampled", int(r["sampled"]), 0)
        want(f"{key} restored", int(r["restored"]), restored)
        want(f"{key} broke", int(r["broke"]), broke)
        want(f"{key} restored_fraction", float(r["restored_fraction"]), restored / sets)
        for col, shown in (("worst_s", worst), ("median_s", median)):
            v = float(r[col])
            want(f"{key} {col}", "-" if math.isnan(v) else f"{v:.1f}s", shown)
        want(f"{key} disagreement", text(r["disagreement"]), "")
    # Hand-computed (the scenario's comments): singles restore all, pairs none.
    want("restored by k", [(text(r["mode"]), int(r["k"]), int(r["restored"])) for r in by_k],
         [("simultaneous", 1, 3), ("simultaneous", 2, 0), ("sequential", 1, 3), ("sequential", 2, 0)])

    left = f["left_down"][()]
    want("left_down simultaneous k=2",
         [(text(r["vm"]), int(r["runs"])) for r in left if text(r["mode"]) == "simultaneous" and r["k"] == 2],
         [("c1", 2), ("c2", 2), ("b1", 1), ("b2", 1)])

    sets = f["sets"][()]
    want("sets rows", len(sets), 12)
    pairs = [r for r in sets if text(r["mode"]) == "simultaneous" and r["k"] == 2]
    want("pairs", [text(r["hosts"]) for r in pairs], ["xs1 xs2", "xs1 xs3", "xs2 xs3"])
    want("pairs left down", [text(r["left_down"]) for r in pairs], ["b1 b2", "c1 c2", "c1 c2"])
    want("pairs restored", [int(r["restored"]) for r in pairs], [0, 0, 0])
    want("pairs recovery", [math.isnan(r["recovery_s"]) for r in pairs], [True, True, True])
    singles = [r for r in sets if text(r["mode"]) == "simultaneous" and r["k"] == 1]
    worst_single = max(float(r["recovery_s"]) for r in singles)
    want("worst single = worst of the report", f"{worst_single:.1f}s", rows[("simultaneous", 1)][4])
    want("disagreements rows", len(f["disagreements"][()]), 0)
    # The VMs down longest, as the report's section: its three worst per row are the table's three largest.
    worst = f["vm_worst"][()]
    for line in report:
        m = re.match(r"^  (simultaneous|sequential) k=(\d+): (.*)$", line)
        if not m or "dns" in line:
            continue
        mode, k, shown = m.group(1), int(m.group(2)), m.group(3)
        rows_k = sorted(((-float(r["worst_downtime_s"]), text(r["vm"])) for r in worst
                         if text(r["mode"]) == mode and int(r["k"]) == k))
        top = ", ".join(f"{vm} {-d:.1f}s" for d, vm in rows_k[:3]) + (", ..." if len(rows_k) > 3 else "")
        want(f"vm_worst {mode} k={k}", top, shown)
    want("no services table without services", "services" in f, False)
for e in errors:
    print("  " + e)
sys.exit(1 if errors else 0)
PY
  # A scenario with services: /services holds the report's figures.
  expect 0 "size --h5 of a scenario with services" -- "$poolsim" size "$scenarios/services-host-loss.yaml" \
    --h5 "$tmp/svc.h5" --jobs 2
  "$python" - "$tmp/svc.h5" <<'PY' || fail "the services of the HDF5 file"
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    got = [(r["mode"].decode(), int(r["k"]), r["service"].decode(), float(r["worst_downtime_s"]))
           for r in f["services"][()]]
want = [("simultaneous", 1, "dns", 0.0), ("simultaneous", 1, "erp", 140.0), ("simultaneous", 2, "dns", 190.0),
        ("simultaneous", 2, "erp", 190.0), ("sequential", 1, "dns", 0.0), ("sequential", 1, "erp", 140.0),
        ("sequential", 2, "dns", 0.0), ("sequential", 2, "erp", 280.0)]
if got != want:
    print("  /services", got, "want", want)
    sys.exit(1)
PY
  finish "cli.size $part"
fi

if [ "$part" = large ]; then
  big="$tmp/large-pool-24h.yaml"
  "$python" "$scenarios/../tools/gen-large-pool.py" 24 96 1h >"$big" || fail "gen-large-pool.py"
  expect 0 "large --seed 5" -- "$poolsim" size "$big" --sample 8 --seed 5 --h5 "$tmp/a.h5"
  cp "$tmp/out" "$tmp/a.txt"
  matches "$tmp/a.txt" "^# poolsim size: large-pool-24h-96vm: 24 hosts, .* sample 8 sets per k, sample seed 5$" "header"
  # C(24, k) for k = 1..23, each above 8: every row runs 8 sets and says of how many.
  sim=$(sed -n '/^simultaneous/,/^$/p' "$tmp/a.txt")
  c=1
  for k in $(seq 1 23); do
    c=$((c * (24 - k + 1) / k))
    echo "$sim" | grep -qE "^$k +[a-z_]+ +8 of $c +" || fail "simultaneous k=$k: want '8 of $c' sets"
  done
  [ "$(echo "$sim" | grep -cE '^[0-9]+ ')" = 23 ] || fail "want 23 simultaneous rows (k = 1..23)"
  seq_rows=$(sed -n '/^sequential/,/^$/p' "$tmp/a.txt" | grep -cE '^[0-9]+ +[a-z_]+ +8 of ')
  max=$(sed -n 's/^planner: max host failures to tolerate \([0-9]*\);.*/\1/p' "$tmp/a.txt")
  [ "$seq_rows" = $((max + 1)) ] || fail "want max + 1 = $((max + 1)) sequential rows of 8 sampled sets, got $seq_rows"

  expect 0 "large --seed 5 again, --jobs 2" -- "$poolsim" size "$big" --sample 8 --seed 5 --jobs 2 --h5 "$tmp/b.h5"
  cmp -s "$tmp/a.txt" "$tmp/out" || { fail "same seed, different report:"; diff "$tmp/a.txt" "$tmp/out" | head; }
  cmp -s "$tmp/a.h5" "$tmp/b.h5" || fail "same seed, different HDF5 bytes"
  expect 0 "large --seed 6" -- "$poolsim" size "$big" --sample 8 --seed 6 --h5 "$tmp/c.h5"
  matches "$tmp/out" "sample seed 6$" "--seed 6 header"
  if has_h5py; then
    "$python" - "$tmp/a.h5" "$tmp/b.h5" "$tmp/c.h5" <<'PY' || fail "the samples are not what the seeds say"
import sys
import h5py

def sets(path):
    with h5py.File(path, "r") as f:
        rows = f["sets"][()]
        return [(r["mode"], int(r["k"]), r["hosts"]) for r in rows]
a, b, c = (sets(p) for p in sys.argv[1:4])
errors = []
if a != b:
    errors.append("same seed, different sets")
for mode in (b"simultaneous",):
    for k in range(1, 24):
        sa = [h for m, kk, h in a if m == mode and kk == k]
        sc = [h for m, kk, h in c if m == mode and kk == k]
        if len(sa) != 8 or len(set(sa)) != 8 or any(len(h.split()) != k for h in sa):
            errors.append(f"k={k}: want 8 distinct sets of {k} hosts, got {sa}")
        if k < 23 and sa == sc:  # C(24, 23) = 24: 8 of them could agree by chance, all others cannot
            errors.append(f"k={k}: seeds 5 and 6 drew the same sample")
for e in errors:
    print("  " + e)
sys.exit(1 if errors else 0)
PY
  else
    echo "note: $python lacks h5py: the samples of seeds 5 and 6 were not compared set by set"
  fi
  finish "cli.size $part"
fi

expect 0 "size --jobs 1" -- "$poolsim" size "$s" --jobs 1
cp "$tmp/out" "$tmp/j1"
matches "$tmp/j1" "^planner: max host failures to tolerate 1; ntol 1: plan status all_vms$" "planner's max"
matches "$tmp/j1" "^planner: k=1 all_vms " "planner k=1"
matches "$tmp/j1" "^planner: k=2 none " "planner k=2"
# Simultaneous section: k, planner, sets, restored.
sim=$(sed -n '/^simultaneous/,/^$/p' "$tmp/j1")
seq=$(sed -n '/^sequential/,/^$/p' "$tmp/j1")
echo "$sim" | grep -qE "^1 +all_vms +3 +3 +0 " || fail "simultaneous k=1: want 3 sets, 3 restored; got: $sim"
echo "$sim" | grep -qE "^2 +none +3 +0 +0 " || fail "simultaneous k=2: want 3 sets, 0 restored; got: $sim"
echo "$seq" | grep -qE "^1 +all_vms +3 +3 +0 " || fail "sequential k=1: want 3 sets, 3 restored; got: $seq"
echo "$seq" | grep -qE "^2 +none +3 +0 +0 " || fail "sequential k=2: want 3 sets, 0 restored; got: $seq"
matches "$tmp/j1" "^disagreements: 0$" "no disagreement"

expect 0 "size --jobs 2" -- "$poolsim" size "$s" --jobs 2
cmp -s "$tmp/j1" "$tmp/out" || { fail "--jobs 1 and --jobs 2 differ:"; diff "$tmp/j1" "$tmp/out" | sed 's/^/    /'; }

# What if: a fourth 64 GiB host. Two failures then leave two hosts with 32 GiB free each... for 4 VMs of 16 GiB
# at once, but sequentially the second failure brings 48 GiB to hosts with 16 + 32 GiB free: no plan; max stays 1.
# Removing xs3 halts c1 and c2, which the planner must first place: 32 GiB on xs1 and xs2 (32 free each) fits,
# leaving no room for any failure: max 0.
expect 0 "--remove-host xs3" -- "$poolsim" size "$s" --remove-host xs3 --sample 1
matches "$tmp/out" "^planner: max host failures to tolerate 0; ntol 1: plan status none$" "--remove-host"
expect 0 "--ntol 2" -- "$poolsim" size "$s" --ntol 2 --sample 1
matches "$tmp/out" "; ntol 2: plan status none$" "--ntol"
expect 0 "--add-host" -- "$poolsim" size "$s" --add-host 64GiB --sample 2
matches "$tmp/out" "^# poolsim size: size-3-hosts: 4 hosts" "--add-host"

# The loader's range for --ntol, on the pool after the what-if: 0 to hosts - 1 (2 once xs3 is removed).
expect 2 "--ntol above the hosts left" -- "$poolsim" size "$s" --remove-host xs3 --ntol 2 --sample 1
contains "$tmp/err" "poolsim size: --ntol 2 is more than the pool's 2 hosts - 1; give 0 to 1" "--ntol after --remove-host"
# A VM with restart priority restart that fits no host: the loader warns, the report says it can never start; a
# host large enough (--add-host) makes both go.
sed 's/^  vms:$/&\n    - {name: big, memory: 96GiB, vcpus: 8, disks: [nfs-sr], networks: [lan], ha: {restart_priority: restart}}/' \
  "$s" >"$tmp/big.yaml"
expect 0 "size with a VM larger than every host" -- "$poolsim" size "$tmp/big.yaml" --sample 1
contains "$tmp/err" "big.yaml:33:7: warning: vm 'big' has restart_priority restart and 96GiB of memory, but the largest host has 64GiB for vms" \
  "the loader's warning"
matches "$tmp/out" "^warning: VM big \(restart priority restart, 96GiB\) fits no host: the largest has 64GiB for VMs; it can never start" \
  "the report's warning"
expect 0 "size with a VM larger than every host, and a larger host" -- "$poolsim" size "$tmp/big.yaml" --sample 1 --add-host 128GiB
lacks "$tmp/out" "fits no host" "a larger host added"

# The scenario's services (docs/sizing.md): per k, the most time each was unavailable in one run. In
# services-host-loss dns (dns1 on xs1, dns2 on xs2, needs one) survives any single crash; a crash of xs1 and xs2
# together takes both, for as long as dns1 takes to come back (190 s, the worst recovery of the table too).
expect 0 "size of a scenario with services" -- "$poolsim" size "$scenarios/services-host-loss.yaml" --jobs 2
contains "$tmp/out" "services, worst time unavailable in one run:" "the services block"
contains "$tmp/out" "  simultaneous k=1: dns 0.0s, erp 140.0s" "k=1: dns never down, erp until db is back"
contains "$tmp/out" "  simultaneous k=2: dns 190.0s, erp 190.0s" "k=2 simultaneous: both dns hosts down"
# Every report lists, per row, the VMs down longest in one run: dns1 190 s when its host, the master, crashes.
contains "$tmp/out" "  simultaneous k=1: dns1 190.0s, dns2 140.0s, app 140.0s, ..." "the VMs down longest"
expect 0 "size without services" -- "$poolsim" size "$s" --sample 1
lacks "$tmp/out" "services, worst" "no services block without services"
contains "$tmp/out" "VMs down longest in one run" "the VMs block without services"

expect 2 "no scenario" -- "$poolsim" size
expect 2 "missing file" -- "$poolsim" size "$tmp/none.yaml"
expect 2 "bad --jobs" -- "$poolsim" size "$s" --jobs 0
expect 2 "bad --sample" -- "$poolsim" size "$s" --sample x
expect 2 "bad --add-host" -- "$poolsim" size "$s" --add-host 64
expect 2 "unknown --remove-host" -- "$poolsim" size "$s" --remove-host nope
expect 2 "unknown option" -- "$poolsim" size "$s" --frob
expect 0 "--help" -- "$poolsim" size --help

expect 2 "--h5 without a file" -- "$poolsim" size "$s" --h5
finish "cli.size $part"
