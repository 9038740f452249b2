#!/usr/bin/env bash
# Regenerates tests/determinism/fingerprints.txt: for every scenarios/<name>.yaml that runs (a scenario `poolsim
# run` refuses, exit 2, gets none), the fingerprint of seeds 1 to 5 — FNV-1a 64 of the whole `poolsim run`
# output, header and summary included, so a version bump changes every line. This is the only way fingerprints
# change: review `git diff tests/determinism/fingerprints.txt` (and the goldens' diff) before committing.
#   usage: tools/update-fingerprints.sh [DETERMINISM_TOOL]   (default: build/release/tests/determinism/determinism_tool)
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
tool=$(realpath "${1:-$root/build/release/tests/determinism/determinism_tool}")
if [ ! -x "$tool" ]; then
  echo "update-fingerprints: no determinism_tool at $tool; build first (tools/bootstrap.sh test) or pass its path" >&2
  exit 2
fi
table="$root/tests/determinism/fingerprints.txt"
{
  echo "# NAME SEED STATUS FNV1A64 of the output of 'poolsim run scenarios/NAME.yaml --seed SEED' (STATUS: its exit)."
  echo "# Written by tools/update-fingerprints.sh; checked by ctest fingerprint.NAME. Do not edit by hand."
  for scenario in "$root"/scenarios/*.yaml; do
    name=$(basename "$scenario" .yaml)
    if ! "$tool" fingerprint "$scenario" 1 2 3 4 5; then
      echo "skipped   $name (it does not run: poolsim run $scenario says why)" >&2
    fi
  done
} >"$table.new"
mv "$table.new" "$table"
echo "review: git diff tests/determinism/fingerprints.txt"
