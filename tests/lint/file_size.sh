#!/usr/bin/env bash
# lint.file_size: no source file of the simulator (sim/, include/) above 900 lines, so that a component stays
# readable in one sitting; a file that grows past it is split along what it models (docs/architecture.md).
set -u
root=${1:?usage: file_size.sh ROOT}
limit=900

# Prints each .cpp or .hpp file under the given directories with more than `limit` lines.
too_long() {
  find "$@" \( -name '*.cpp' -o -name '*.hpp' \) -print | sort | while IFS= read -r file; do
    lines=$(wc -l <"$file")
    [ "$lines" -gt "$limit" ] && echo "$file has $lines lines"
  done
}

# The check itself first: a file of limit + 1 lines is caught, one of limit lines is not.
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
yes x | head -n $((limit + 1)) >"$probe/long.cpp"
yes x | head -n "$limit" >"$probe/short.hpp"
[ "$(too_long "$probe")" = "$probe/long.cpp has $((limit + 1)) lines" ] ||
  { echo "lint.file_size: the check no longer tells a long file from a short one"; exit 1; }

found=$(too_long "$root/sim" "$root/include")
if [ -n "$found" ]; then
  echo "$found" | sed "s|^$root/|lint.file_size: |; s|\$|, more than $limit; split it|"
  exit 1
fi
echo "lint.file_size: every file of sim/ and include/ has at most $limit lines"
