#!/usr/bin/env bash
# fuzz.scenario and fuzz.run: runs a fuzz target (fuzz_scenario: the loader; fuzz_run: a bounded run) over the
# committed corpus (every input once, the regression inputs of past findings included), then fuzzes from it for
# SECONDS (docs/testing.md "Fuzzing").
# Fails on any crash, uncaught exception, sanitizer report, leak, slow input (> 25 s) or memory use > 2 GiB; the
# input that did it is written to WORK_DIR/artifacts/ and its path printed, with the command that reproduces it.
#
#   run.sh FUZZER WORK_DIR [SECONDS] [SEED]
#
# SECONDS defaults to 60, SEED (libFuzzer's -seed, so that a run can be repeated) to 1. New inputs the run finds
# go to WORK_DIR/corpus (emptied first, as are the artifacts): the committed corpus (tests/fuzz/corpus) changes
# only by hand.
set -u
fuzzer=${1:?usage: run.sh FUZZER WORK_DIR [SECONDS] [SEED]}
work=${2:?usage: run.sh FUZZER WORK_DIR [SECONDS] [SEED]}
seconds=${3:-60}
seed=${4:-1}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
name=fuzz.$(basename "$fuzzer" | sed 's/^fuzz_//')  # the test's name: fuzz_run -> fuzz.run

rm -rf "$work/corpus" "$work/artifacts"
mkdir -p "$work/corpus" "$work/artifacts" || exit 1
log=$work/fuzz.log

# -timeout: inputs take milliseconds; 25 s still catches a hang on a machine shared with other builds.
# -max_len: the largest committed input is about 4 KB; 16 KB leaves room to grow pools without wasting runs on
# megabyte inputs (the loader's own 4 MiB limit is checked by unit.scenario tests).
# The sanitizers stop at the first report; UBSan prints its stack.
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}
"$fuzzer" -seed="$seed" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 -max_len=16384 \
  -dict="$here/scenario.dict" -artifact_prefix="$work/artifacts/" -print_final_stats=1 \
  "$work/corpus" "$here/corpus" >"$log" 2>&1
status=$?

if [ "$status" -ne 0 ]; then
  echo "$name: FAIL (libFuzzer exit status $status); the end of $log:"
  tail -n 60 "$log"
  for artifact in "$work"/artifacts/*; do
    [ -e "$artifact" ] || continue
    echo "finding: $artifact"
    echo "  reproduce: $fuzzer $artifact"
  done
  exit 1
fi
# The summary lines: inputs run, coverage reached, inputs added.
grep -E '^(#[0-9]+[[:space:]]+(INITED|DONE)|stat::number_of_executed_units|stat::peak_rss_mb)' "$log"
echo "$name: no finding in $seconds s (seed $seed, $(ls "$work/corpus" | wc -l) new inputs in $work/corpus)"
