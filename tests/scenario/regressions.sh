#!/usr/bin/env bash
# scenario.regressions: each regression/NAME.yaml (a case a review or a bug report found, with what it is about
# in its header) runs with every expectation holding (exit 0), and its timeline holds every line of NAME.lines
# (leading spaces ignored).
set -u
poolsim=${1:?usage: regressions.sh POOLSIM DIR}
dir=${2:?}
source "$(dirname "$0")/../cli/lib.sh"
count=0
for file in "$dir"/regression/*.yaml; do
  name=$(basename "$file" .yaml)
  count=$((count + 1))
  expect 0 "$name" -- "$poolsim" run "$file"
  sed 's/^ *//' "$tmp/out" >"$tmp/timeline"
  if [ -f "${file%.yaml}.lines" ]; then
    while IFS= read -r line; do
      contains "$tmp/timeline" "$line" "$name"
    done <"${file%.yaml}.lines"
  fi
done
[ "$count" -gt 0 ] || fail "no regression scenario in $dir/regression"
finish "scenario.regressions ($count scenarios)"
