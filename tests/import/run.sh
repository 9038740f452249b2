#!/usr/bin/env bash
# poolsim import (docs/importing.md), one ctest each part:
#
#   run.sh POOLSIM IMPORT_DIR goldens|bad_inputs|files [--update]
#
# goldens (import.goldens): each tests/import/NAME.xml imports (exit 0) to exactly NAME.yaml, which `poolsim check`
#   accepts and `poolsim run` runs (exit 0); a golden with one byte changed is detected (the comparison can fail);
#   no IP address, password or other secret of the fixtures reaches the output or stderr. --update rewrites the
#   goldens.
# bad_inputs (import.bad_inputs): each bad/NAME.xml gives exactly bad/NAME.expected on stderr, exit 2, and no output file.
# files (import.files): a status report (.tar.gz and .tar.bz2) holding xapi-db.xml imports like the XML itself; one
#   without it is refused; -o over the input is refused and leaves the input whole; the output is written through
#   OUT.tmp (none left) and an unwritable one leaves nothing; `-o -` prints the scenario; import then `poolsim
#   size` works end to end.
set -u
poolsim=${1:?usage: run.sh POOLSIM IMPORT_DIR goldens|bad_inputs|files [--update]}
dir=${2:?}
part=${3:?}
update=${4:-}
source "$(dirname "$0")/../cli/lib.sh"

case "$part" in
goldens)
  for xml in "$dir"/*.xml; do
    name=$(basename "$xml" .xml)
    golden="$dir/$name.yaml"
    (cd "$dir" && "$poolsim" import "$name.xml" -o "$tmp/$name.yaml") >"$tmp/$name.out" 2>"$tmp/$name.err"
    status=$?
    [ "$status" = 0 ] || { fail "$name: import exit $status"; sed 's/^/    /' "$tmp/$name.err"; continue; }
    if [ "$update" = --update ]; then
      cp "$tmp/$name.yaml" "$golden"
      echo "updated $golden"
    fi
    if ! cmp -s "$tmp/$name.yaml" "$golden"; then
      fail "$name: the import differs from $name.yaml (tests/import/run.sh POOLSIM DIR goldens --update rewrites it):"
      diff "$golden" "$tmp/$name.yaml" | head -20 | sed 's/^/    /'
    fi
    # The comparison can fail: a golden with one byte changed must not compare equal.
    sed '0,/^name: /s/^name: /name: x/' "$golden" >"$tmp/$name.mutated"
    ! cmp -s "$tmp/$name.yaml" "$tmp/$name.mutated" || fail "$name: a changed golden still compares equal"
    expect 0 "$name: poolsim check" -- "$poolsim" check "$tmp/$name.yaml"
    expect 0 "$name: poolsim run" -- "$poolsim" run --quiet --until 10m "$tmp/$name.yaml"
    # Names only: no address, password or other secret of the fixture.
    for secret in 10.0.0.11 10.0.0.12 10.0.0.1 192.168.7.20 192.168.7.5 172.16.0.9 172.16.0.1 s3cr3t-chap hunter2 \
      255.255.255.0 aa:bb:cc iqn.2024 /dev/sda3 ffffff7f wlb_password chappassword; do
      lacks "$tmp/$name.yaml" "$secret" "$name: the output holds a secret"
      lacks "$tmp/$name.err" "$secret" "$name: stderr holds a secret"
    done
  done
  ;;
bad_inputs)
  for xml in "$dir"/bad/*.xml; do
    name=$(basename "$xml" .xml)
    (cd "$dir/bad" && "$poolsim" import "$name.xml" -o "$tmp/out.yaml") >"$tmp/out" 2>"$tmp/err"
    status=$?
    [ "$status" = 2 ] || fail "$name: exit status $status, want 2"
    if ! cmp -s "$tmp/err" "$dir/bad/$name.expected"; then
      fail "$name: stderr differs from $name.expected:"
      diff "$dir/bad/$name.expected" "$tmp/err" | sed 's/^/    /'
    fi
    [ ! -e "$tmp/out.yaml" ] || fail "$name: an output file was written"
    [ ! -e "$tmp/out.yaml.tmp" ] || fail "$name: a temporary file was left"
    rm -f "$tmp/out.yaml"
  done
  ;;
files)
  mkdir -p "$tmp/report/bug-report-20240101"
  cp "$dir/modern.xml" "$tmp/report/bug-report-20240101/xapi-db.xml"
  echo "not the database" >"$tmp/report/bug-report-20240101/xapi-db.xml.txt"
  tar -C "$tmp/report" -czf "$tmp/report.tar.gz" bug-report-20240101
  tar -C "$tmp/report" -cjf "$tmp/report.tar.bz2" bug-report-20240101
  for report in report.tar.gz report.tar.bz2; do
    expect 0 "$report" -- "$poolsim" import "$tmp/$report" -o "$tmp/$report.yaml"
    # Same scenario as the XML, but for the description naming the file it came from.
    diff <(grep -v "Imported by poolsim import from" "$tmp/$report.yaml") \
      <(grep -v "Imported by poolsim import from" "$dir/modern.yaml") >/dev/null ||
      fail "$report: the scenario differs from modern.yaml"
    contains "$tmp/$report.yaml" "from $report (schema 5.786)" "$report: description"
  done
  tar -C "$tmp/report" -czf "$tmp/empty.tar.gz" bug-report-20240101/xapi-db.xml.txt
  expect 2 "a report without the database" -- "$poolsim" import "$tmp/empty.tar.gz" -o "$tmp/empty.yaml"
  contains "$tmp/err" "the archive holds no xapi-db.xml" "a report without the database: message"
  head -c 300 "$tmp/report.tar.gz" >"$tmp/cut.tar.gz"
  expect 2 "a truncated report" -- "$poolsim" import "$tmp/cut.tar.gz" -o "$tmp/cut.yaml"
  [ ! -e "$tmp/cut.yaml" ] || fail "a truncated report: an output was written"
  # Never over the input; the input stays whole.
  mkdir -p "$tmp/in" && cp "$dir/modern.xml" "$tmp/in/modern.xml"
  expect 2 "-o the input" -- "$poolsim" import "$tmp/in/modern.xml" -o "$tmp/in/modern.xml"
  contains "$tmp/err" "is the input" "-o the input: message"
  cmp -s "$tmp/in/modern.xml" "$dir/modern.xml" || fail "-o the input: the input changed"
  expect 2 "-o the input by another path" -- "$poolsim" import "$tmp/in/modern.xml" -o "$tmp/in/../in/modern.xml"
  # Atomic output: an old file is replaced whole, no temporary is left; an unwritable path leaves nothing.
  echo "old" >"$tmp/pool.yaml"
  expect 0 "import over an old file" -- "$poolsim" import "$tmp/in/modern.xml" -o "$tmp/pool.yaml"
  cmp -s "$tmp/pool.yaml" "$dir/modern.yaml" || fail "import over an old file: not the golden"
  [ ! -e "$tmp/pool.yaml.tmp" ] || fail "the temporary file was left"
  expect 2 "unwritable output" -- "$poolsim" import "$tmp/in/modern.xml" -o "$tmp/no/such/dir/pool.yaml"
  contains "$tmp/err" "cannot write" "unwritable output: message"
  expect 0 "-o -" -- "$poolsim" import "$tmp/in/modern.xml" -o -
  cmp -s "$tmp/out" "$dir/modern.yaml" || fail "-o -: stdout is not the scenario"
  expect 2 "no -o" -- "$poolsim" import "$tmp/in/modern.xml"
  expect 2 "missing file" -- "$poolsim" import "$tmp/nothing.xml" -o "$tmp/x.yaml"
  expect 0 "import --help" -- "$poolsim" import --help
  # End to end: import, then size (the planner and crash runs on the imported pool).
  expect 0 "import legacy" -- "$poolsim" import "$dir/legacy.xml" -o "$tmp/legacy.yaml"
  expect 0 "size of the imported pool" -- "$poolsim" size "$tmp/legacy.yaml" --jobs 1
  contains "$tmp/out" "planner" "size of the imported pool: report"
  expect 0 "size of the imported modern pool" -- "$poolsim" size "$tmp/pool.yaml" --jobs 1
  ;;
*)
  echo "run.sh: unknown part '$part'" >&2
  exit 2
  ;;
esac
finish "import.$part"
