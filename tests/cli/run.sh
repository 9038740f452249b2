#!/usr/bin/env bash
# cli.run: `poolsim run` exit statuses and outputs (docs/running.md): a bad file and a verb the models do not
# simulate yet give 2 with their file:line:col message; a valid scenario gives 0, the timeline header of
# docs/running.md "Timeline format", the summary and the verdicts; --timeline FILE writes the file whole; --quiet
# drops the timeline.
set -u
poolsim=${1:?usage: run.sh POOLSIM SCENARIOS_DIR}
scenarios=${2:?}
source "$(dirname "$0")/lib.sh"

tutorial="$scenarios/tutorial-cable-pull.yaml"

expect 0 "run --help" -- "$poolsim" run --help
contains "$tmp/out" "usage: poolsim run SCENARIO.yaml" "run --help"
expect 2 "run without a file" -- "$poolsim" run
contains "$tmp/err" "no scenario given" "run without a file"
expect 2 "run of a missing file" -- "$poolsim" run "$tmp/none.yaml"
contains "$tmp/err" "none.yaml" "run of a missing file names it"
expect 2 "run --h5 into a missing directory" -- "$poolsim" run "$tutorial" --h5 "$tmp/none/x.h5"
contains "$tmp/err" "poolsim run: --h5 '$tmp/none/x.h5': its directory '$tmp/none' does not exist" "run --h5 into a missing directory"
expect 2 "run --h5 without a name" -- "$poolsim" run "$tutorial" --h5 ""
contains "$tmp/err" "--h5 needs a file name" "run --h5 without a name"
expect 2 "run --until without unit" -- "$poolsim" run "$tutorial" --until 30
contains "$tmp/err" "duration '30' has no unit" "run --until without unit"
expect 2 "run --seed not a number" -- "$poolsim" run "$tutorial" --seed x1
contains "$tmp/err" "--seed 'x1'" "run --seed not a number"

# A bad file: the loader's compiler-style message, exit 2, no timeline.
sed 's/    timeout: 60s /    timout: 60s /' "$tutorial" >"$tmp/bad.yaml"
expect 2 "run of a bad file" -- "$poolsim" run "$tmp/bad.yaml"
line=$(grep -n 'timout:' "$tmp/bad.yaml" | cut -d: -f1)
contains "$tmp/err" "bad.yaml:$line:5: error: unknown key 'timout' in 'ha'; did you mean 'timeout'?" "run of a bad file"
lacks "$tmp/out" "# poolsim" "run of a bad file prints no timeline"

# A valid scenario: exit 0, the header first, the summary and verdicts last.
expect 0 "run of the tutorial" -- "$poolsim" run "$tutorial"
first=$(head -n 1 "$tmp/out")
case "$first" in
  "# poolsim "*"  scenario=tutorial-cable-pull  seed=1  until=1200.000000") ;;
  *) echo "FAIL: the first line is the timeline header (docs/running.md); got '$first'"; failures=$((failures + 1)) ;;
esac
contains "$tmp/out" "#      time_s  source                 event                 details" "the column header"
contains "$tmp/out" "# summary until 1200.000000" "the summary"
contains "$tmp/out" "# expectations: 4 of 4 passed" "the verdicts"
cp "$tmp/out" "$tmp/stdout.timeline"

# --seed and --until override the file's; an expectation after the horizon then fails: exit 1.
expect 1 "run --until before the expectations" -- "$poolsim" run "$tutorial" --until 6m --seed 9
contains "$tmp/out" "scenario=tutorial-cable-pull  seed=9  until=360.000000" "--seed and --until in the header"
contains "$tmp/out" "# expect FAIL" "a failed expectation"
# ... and stderr gives each failed one with its position, compiler-style (the output names it by number only).
matches "$tmp/err" "^$tutorial:[0-9]+:5: expectation 2 failed: master xenserver-2 by 7m: the run ended at 360.000000, before 420.000000$" \
  "a failed expectation's position on stderr"

# The output does not depend on where in the file an expectation is written: a comment line and a blank line
# added above the expectations (here at the top and before 'expect:') leave it byte for byte the same.
{ echo "# a comment added by a user"; echo; sed 's/^expect:$/# another comment\n\nexpect:/' "$tutorial"; } \
  >"$tmp/commented.yaml"
grep -q '^# another comment$' "$tmp/commented.yaml" || fail "the commented copy lacks the comment before 'expect:'"
expect 0 "run of the tutorial with comment lines added" -- "$poolsim" run "$tmp/commented.yaml"
if ! cmp -s "$tmp/out" "$tmp/stdout.timeline"; then
  fail "a comment line changed the run's output:"
  diff "$tmp/stdout.timeline" "$tmp/out" | head -n 20 | sed 's/^/    /'
fi

# --timeline FILE: the same text in FILE, no temporary left; stdout has the summary only.
expect 0 "run --timeline FILE" -- "$poolsim" run "$tutorial" --timeline "$tmp/run.timeline"
if ! cmp -s "$tmp/run.timeline" "$tmp/stdout.timeline"; then
  echo "FAIL: --timeline FILE differs from the stdout output"
  failures=$((failures + 1))
fi
ls "$tmp"/run.timeline.* >/dev/null 2>&1 && { echo "FAIL: --timeline left a temporary or lock file"; failures=$((failures + 1)); }
lacks "$tmp/out" "# poolsim" "with --timeline FILE stdout has no timeline"
contains "$tmp/out" "# expectations: 4 of 4 passed" "with --timeline FILE stdout has the verdicts"
expect 2 "run --timeline into a missing directory" -- "$poolsim" run "$tutorial" --timeline "$tmp/none/run.timeline"
contains "$tmp/err" "poolsim run: --timeline '$tmp/none/run.timeline': its directory '$tmp/none' does not exist" \
  "run --timeline into a missing directory"

# --h5 FILE: the same run as HDF5, whole (no temporary left), the text output unchanged; the same bytes twice; read
# back with h5py against the text timeline (skipped without Debian's python3-h5py).
expect 0 "run --h5 FILE" -- "$poolsim" run "$tutorial" --h5 "$tmp/run.h5"
if ! cmp -s "$tmp/out" "$tmp/stdout.timeline"; then
  echo "FAIL: with --h5 the text output changed"
  failures=$((failures + 1))
fi
[ -s "$tmp/run.h5" ] || { echo "FAIL: --h5 wrote no file"; failures=$((failures + 1)); }
ls "$tmp"/run.h5.* >/dev/null 2>&1 && { echo "FAIL: --h5 left a temporary or lock file"; failures=$((failures + 1)); }
expect 0 "run --h5 FILE --quiet, again" -- "$poolsim" run "$tutorial" --h5 "$tmp/again.h5" --quiet
cmp -s "$tmp/run.h5" "$tmp/again.h5" || { echo "FAIL: two --h5 runs differ"; failures=$((failures + 1)); }
python=/usr/bin/python3
if [ -x "$python" ]; then
  "$python" "$(dirname "$0")/check_run_h5.py" "$tmp/run.h5" "$tmp/stdout.timeline" "$tutorial"
  case $? in
    0) ;;
    77) echo "note: h5py missing, the HDF5 read-back check is skipped" ;;
    *) failures=$((failures + 1)) ;;
  esac
fi

# --quiet: summary and verdicts only.
expect 0 "run --quiet" -- "$poolsim" run "$tutorial" --quiet
lacks "$tmp/out" "# poolsim" "--quiet prints no timeline"
contains "$tmp/out" "# summary until 1200.000000" "--quiet prints the summary"

# Same scenario, seed and version: the same bytes.
expect 0 "a second run" -- "$poolsim" run "$tutorial"
if ! cmp -s "$tmp/out" "$tmp/stdout.timeline"; then
  echo "FAIL: two runs of the tutorial differ"
  failures=$((failures + 1))
fi

# One pool, many scenarios (docs/scenario-format.md): a scenario that takes its pool from another file, in a copy
# of the two files, so that a refused output cannot touch the library.
cp "$scenarios/size-3-hosts.yaml" "$scenarios/what-if-fourth-host.yaml" "$tmp/"
expect 0 "run of a scenario with its pool from a file" -- "$poolsim" run "$tmp/what-if-fourth-host.yaml"
contains "$tmp/out" "# expectations: 6 of 6 passed" "the pool file's hosts and VMs, with xs4 added"
cp "$tmp/out" "$tmp/from.timeline"
expect 2 "run --timeline onto the pool file" -- "$poolsim" run "$tmp/what-if-fourth-host.yaml" --timeline "$tmp/size-3-hosts.yaml"
cmp -s "$tmp/size-3-hosts.yaml" "$scenarios/size-3-hosts.yaml" || fail "--timeline onto the pool file changed it"
# --h5 keeps the whole scenario, pool included, which runs alone to the same timeline.
expect 0 "run --h5 of a scenario with its pool from a file" -- "$poolsim" run "$tmp/what-if-fourth-host.yaml" --quiet --h5 "$tmp/from.h5"
if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c "import h5py" 2>/dev/null; then
  /usr/bin/python3 -c "import h5py,sys; open(sys.argv[2],'w').write(h5py.File(sys.argv[1])['/'].attrs['scenario_yaml'])" \
    "$tmp/from.h5" "$tmp/recorded.yaml"
  contains "$tmp/recorded.yaml" "# The scenario $tmp/what-if-fourth-host.yaml with the pool of $tmp/size-3-hosts.yaml" \
    "the recorded scenario says where its pool came from"
  expect 0 "run of the recorded scenario" -- "$poolsim" run "$tmp/recorded.yaml"
  cmp -s "$tmp/out" "$tmp/from.timeline" || fail "the recorded scenario does not give the same timeline"
fi

# What-if options: checked with the file, so a fault on a removed host is an error that says why.
expect 2 "run --remove-host of a host a fault names" -- "$poolsim" run "$scenarios/size-3-hosts.yaml" --remove-host xs3
contains "$tmp/err" "error: unknown host 'xs3'" "the fault on the removed host"
contains "$tmp/err" "the problems above are in the pool after the what-if options (--remove-host xs3)" "the what-if note"
expect 0 "run --add-host --ntol" -- "$poolsim" run "$scenarios/size-3-hosts.yaml" --add-host 64GiB --ntol 2
contains "$tmp/out" "#   host added-1: fenced 0 times; up at the end" "the added host in the summary"
expect 2 "run --ha-timeout in milliseconds" -- "$poolsim" run "$tutorial" --ha-timeout 61500ms
contains "$tmp/err" "poolsim run: --ha-timeout 61500ms is not an HA timeout: whole seconds from 11s to 1h" "--ha-timeout range"
expect 2 "run --remove-vm of no VM" -- "$poolsim" run "$tutorial" --remove-vm nope
contains "$tmp/err" "error: --remove-vm: no VM named 'nope' in the pool" "--remove-vm of no VM"

finish cli.run
