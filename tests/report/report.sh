#!/usr/bin/env bash
# report.chromium: `poolsim report` of the tutorial run, of a 200-run batch and of a sizing study, opened in headless
# Chromium (Debian's chromium): the DOM it parsed holds what the HDF5 file holds (check_report.py) and its screenshot
# is not blank. Then the refusals: an input that is not HDF5, not poolsim's, or the output itself; exit 2.
# Skipped (exit 77) without chromium or Debian's python3 with h5py (tools/bootstrap.sh installs both).
#
# With matplotlib, also tools/plot-timeline: the same state colours as the report, --from/--to, and its refusals.
#
# With FAIL_WRITES (tests/cli/fail_writes.c, docs/testing.md "Write errors"), a full disk while the page is written.
#
# usage: report.sh POOLSIM SCENARIOS_DIR PYTHON3 TOOLS_DIR [FAIL_WRITES]
set -u
poolsim=${1:?usage: report.sh POOLSIM SCENARIOS_DIR PYTHON3 TOOLS_DIR [FAIL_WRITES]}
scenarios=${2:?}
python=${3:?}
tools=${4:?}
shim=${5:-}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
chromium=$(command -v chromium || command -v chromium-browser || true)
[ -n "$chromium" ] || { echo "skipped: no chromium (apt-get install chromium)"; exit 77; }
"$python" -c 'import h5py' 2>/dev/null || { echo "skipped: no h5py for $python (apt-get install python3-h5py)"; exit 77; }
# shellcheck source=../cli/lib.sh
source "$here/../cli/lib.sh"
# Under AddressSanitizer (the dev preset) the write-failure shim comes before ASan's runtime: allowed here, as in
# tests/cli/outputs.sh.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"

# One browser profile for the test, removed with $tmp; no GPU, no sandbox (the test may run as root).
browser() {
  timeout 60 "$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
    --user-data-dir="$tmp/profile" --window-size=1240,1800 "$@" 2>>"$tmp/chromium.log"
}

# render KIND FILE.h5: the report, its DOM and screenshot, and the checks
render() {
  local kind=$1 h5=$2 name
  name=$(basename "$h5" .h5)
  expect 0 "report of the $kind" -- "$poolsim" report "$h5" -o "$tmp/$name.html"
  [ -s "$tmp/$name.html" ] || { fail "$kind: no page written"; return; }
  browser --dump-dom "file://$tmp/$name.html" >"$tmp/$name.dom" || fail "$kind: chromium --dump-dom failed"
  browser --screenshot="$tmp/$name.png" "file://$tmp/$name.html" >/dev/null || fail "$kind: chromium --screenshot failed"
  [ -s "$tmp/$name.png" ] || { fail "$kind: no screenshot"; sed 's/^/    /' "$tmp/chromium.log"; return; }
  "$python" "$here/check_report.py" "$kind" "$h5" "$tmp/$name.dom" "$tmp/$name.png" "$tools" ||
    fail "$kind: the page's content"
}

expect 0 "the tutorial run" -- "$poolsim" run "$scenarios/tutorial-cable-pull.yaml" --quiet --h5 "$tmp/run.h5"
render run "$tmp/run.h5"
# A run with services (scenarios/services-host-loss.yaml): its services table.
expect 0 "a run with services" -- "$poolsim" run "$scenarios/services-host-loss.yaml" --quiet --h5 "$tmp/services.h5"
render run "$tmp/services.h5"
grep -q '<td>erp</td><td>2 of 2</td><td class="num">2m20s</td>' "$tmp/services.dom" ||
  fail "the services table lacks erp's row (2 of 2, 2m20s)"
# 200 runs of a year of random failures: about a second with two workers.
expect 0 "a 200-run batch" -- "$poolsim" batch "$scenarios/random-failures.yaml" --runs 200 --jobs 2 --out "$tmp/batch.h5"
render batch "$tmp/batch.h5"
[ -s "$tmp/batch.dom" ] && grep -q 'id="service-availability"' "$tmp/batch.dom" &&
  fail "a batch without services shows a table of services"
expect 0 "a batch with services" -- "$poolsim" batch "$scenarios/services-host-loss.yaml" --runs 3 --out "$tmp/sbatch.h5"
render batch "$tmp/sbatch.h5"
grep -q 'id="service-availability"' "$tmp/sbatch.dom" || fail "the batch page has no table of services"
expect 0 "a sizing study" -- "$poolsim" size "$scenarios/size-3-hosts.yaml" --h5 "$tmp/size.h5"
render size "$tmp/size.h5"

# The same file gives the same page.
"$poolsim" report "$tmp/run.h5" -o "$tmp/again.html" && cmp -s "$tmp/run.html" "$tmp/again.html" ||
  fail "two reports of one file differ"

# A scenario with start: (the tutorial from 2026-03-01T08:00:00Z): poolsim run --clock prints UTC times, the HDF5 file
# keeps the start as an attribute, and the report writes ISO times.
sed 's/^until: 20m$/until: 20m\nstart: 2026-03-01T08:00:00Z/' "$scenarios/tutorial-cable-pull.yaml" >"$tmp/start.yaml"
expect 0 "run --clock" -- "$poolsim" run "$tmp/start.yaml" --clock --timeline "$tmp/clock.timeline" --h5 "$tmp/start.h5"
contains "$tmp/clock.timeline" "start=2026-03-01T08:00:00Z" "run --clock: the header"
contains "$tmp/clock.timeline" "2026-03-01T08:05:00.000000Z  xenserver-1/eth0       link_down             cause=unplug" \
  "run --clock: the cable pull at 08:05"
"$python" -c 'import h5py, sys; sys.exit(h5py.File(sys.argv[1], "r").attrs["start"] != "2026-03-01T08:00:00Z")' \
  "$tmp/start.h5" || fail "the HDF5 file's start attribute"
expect 0 "report with a start" -- "$poolsim" report "$tmp/start.h5" -o "$tmp/start.html"
contains "$tmp/start.html" "<td>2026-03-01T08:05:00Z</td>" "the report's ISO times"

# plot-timeline zooms in (--from/--to) and refuses an empty window or a wall-clock time without start:.
if "$python" -c 'import matplotlib' 2>/dev/null; then
  expect 0 "plot-timeline --from --to" -- "$python" "$tools/plot-timeline" "$tmp/run.h5" -o "$tmp/zoom.png" --from 5m --to 10m
  [ -s "$tmp/zoom.png" ] || fail "plot-timeline --from --to wrote no chart"
  expect 0 "plot-timeline, ISO times" -- "$python" "$tools/plot-timeline" "$tmp/start.h5" -o "$tmp/iso.png" \
    --from 2026-03-01T08:04:00Z --to 2026-03-01T08:10:00Z
  expect 2 "plot-timeline, an empty window" -- "$python" "$tools/plot-timeline" "$tmp/run.h5" -o "$tmp/z.png" --from 10m --to 5m
  contains "$tmp/err" "is empty" "plot-timeline, an empty window"
  expect 2 "plot-timeline, a wall-clock time without start" -- "$python" "$tools/plot-timeline" "$tmp/run.h5" -o "$tmp/z.png" \
    --from 2026-03-01T08:05:00Z
  contains "$tmp/err" "no start" "plot-timeline, a wall-clock time without start"
  [ ! -e "$tmp/z.png" ] || fail "a refused plot-timeline wrote its output"
fi

# Refusals, exit 2, the input named; the output untouched.
printf 'name: x\n' >"$tmp/text.h5"
expect 2 "not an HDF5 file" -- "$poolsim" report "$tmp/text.h5" -o "$tmp/bad.html"
contains "$tmp/err" "not an HDF5 file" "not an HDF5 file"
expect 2 "a missing input" -- "$poolsim" report "$tmp/absent.h5" -o "$tmp/bad.html"
contains "$tmp/err" "no such file" "a missing input"
[ -e "$tmp/bad.html" ] && fail "a refused report left an output"
expect 2 "the output is the input" -- "$poolsim" report "$tmp/run.h5" -o "$tmp/run.h5"
expect 2 "no output" -- "$poolsim" report "$tmp/run.h5"
contains "$tmp/err" "no output given" "no output"
expect 2 "a bad option value" -- "$poolsim" report "$tmp/run.h5" -o "$tmp/x.html" --incident-gap 10
contains "$tmp/err" "--incident-gap" "a bad option value"
# A disk that fills 1000 bytes into the page: exit 2 with the reason, no page and no temporary left.
if [ -n "$shim" ]; then
  expect 2 "a full disk" -- env POOLSIM_FAIL_MATCH=full.html POOLSIM_FAIL_AFTER=1000 LD_PRELOAD="$shim" \
    "$poolsim" report "$tmp/run.h5" -o "$tmp/full.html"
  contains "$tmp/err" "No space left on device" "a full disk"
  ls "$tmp" | grep -q '^full\.html' && fail "a full disk left $(ls "$tmp" | grep '^full\.html' | tr '\n' ' ')"
fi
finish report.chromium
