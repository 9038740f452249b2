#!/usr/bin/env bash
# fingerprint.<name>: the fingerprints of scenarios/<name>.yaml for the seeds pinned in
# tests/determinism/fingerprints.txt are unchanged. Fingerprints change only through tools/update-fingerprints.sh.
set -u
tool=${1:?usage: fingerprint.sh DETERMINISM_TOOL SCENARIO.yaml FINGERPRINTS}
scenario=${2:?}
table=${3:?}
name=$(basename "$scenario" .yaml)
want=$(grep -E "^$name " "$table")
seeds=$(echo "$want" | awk '{print $2}')
got=$("$tool" fingerprint "$scenario" $seeds)
if [ "$got" != "$want" ]; then
  echo "fingerprints of $name differ from $table (NAME SEED STATUS FNV1A64):"
  diff <(echo "$want") <(echo "$got") | sed 's/^/  /'
  echo "if the change is intended (a goldens update, a version bump), run tools/update-fingerprints.sh and review"
  echo "the diff; reproduce one with: poolsim run $scenario --seed SEED"
  exit 1
fi
echo "$name: $(echo "$want" | wc -l) fingerprints match"
