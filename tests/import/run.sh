#!/usr/bin/env bash
# poolsim import (docs/importing.md), one ctest each part:
#
#   run.sh POOLSIM IMPORT_DIR goldens|bad_inputs|files|xe [--update]
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
# xe (import.xe): the same from `xe <class>-list params=all` text (docs/importing.md "From xe lists"). Each
#   xe/NAME/ directory imports to exactly xe/NAME.yaml, which check accepts and run runs, without a secret; --update
#   rewrites them. xe/modern/ is modern.xml's pool as XenServer 8 xe prints it, and its scenario is modern.yaml but
#   for two lines: the description and the memory-actual assumption; xe/legacy/ is legacy.xml's pool as XenServer
#   5.5 xe prints it (a host-cpu-list, memory-target shown, no bond mode, no memory-overhead, no order). The
#   files given one by one, renamed (classes found from their records) or with CRLF line ends give the same
#   scenario; a database among the lists is refused; an output inside the directory is skipped when run again;
#   `poolsim size` runs on the imported legacy pool; each bad case (a copy of xe/modern/ with
#   one change, made below) gives exactly xe/bad/NAME.expected on stderr (--update rewrites them) and exit 2.
set -u
poolsim=${1:?usage: run.sh POOLSIM IMPORT_DIR goldens|bad_inputs|files|xe [--update]}
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
  # One pool, many scenarios: a scenario beside the imported file takes its pool, removes a VM and crashes a
  # host; mail, protected, comes back on another host.
  cat >"$tmp/alpha-crash.yaml" <<'YAML'
name: alpha-crash
until: 20m
pool: {from: legacy.yaml, remove_vms: [test-box]}
faults:
  - {at: 5m, do: crash, host: alpha}
expect:
  - {vm: mail, state: running, by: 15m}
YAML
  expect 0 "run of a scenario with the imported pool" -- "$poolsim" run "$tmp/alpha-crash.yaml"
  contains "$tmp/out" "# expectations: 1 of 1 passed" "the imported pool from a scenario beside it"
  lacks "$tmp/out" "vm/test-box" "the removed VM"
  ;;
xe)
  for list in "$dir"/xe/*/; do
    name=$(basename "$list")
    [ "$name" = bad ] && continue
    golden="$dir/xe/$name.yaml"
    (cd "$dir/xe" && "$poolsim" import --xe "$name" -o "$tmp/$name.yaml") >"$tmp/$name.out" 2>"$tmp/$name.err"
    status=$?
    [ "$status" = 0 ] || { fail "xe $name: import exit $status"; sed 's/^/    /' "$tmp/$name.err"; continue; }
    if [ "$update" = --update ]; then
      cp "$tmp/$name.yaml" "$golden"
      echo "updated $golden"
    fi
    cmp -s "$tmp/$name.yaml" "$golden" || { fail "xe $name: the import differs from xe/$name.yaml:"; diff "$golden" "$tmp/$name.yaml" | head -20 | sed 's/^/    /'; }
    sed '0,/^name: /s/^name: /name: x/' "$golden" >"$tmp/$name.mutated"
    ! cmp -s "$tmp/$name.yaml" "$tmp/$name.mutated" || fail "xe $name: a changed golden still compares equal"
    expect 0 "xe $name: poolsim check" -- "$poolsim" check "$tmp/$name.yaml"
    expect 0 "xe $name: poolsim run" -- "$poolsim" run --quiet --until 10m "$tmp/$name.yaml"
    for secret in 10.0.0.11 10.0.0.12 10.0.0.1 192.168.7.20 192.168.7.5 172.16.0.9 172.16.0.1 s3cr3t-chap hunter2 \
      255.255.255.0 aa:bb:cc iqn.2024 /dev/sda3 ffffff7f wlb_password chappassword 10.0.0.50 172.16.0.40; do
      lacks "$tmp/$name.yaml" "$secret" "xe $name: the output holds a secret"
      lacks "$tmp/$name.err" "$secret" "xe $name: stderr holds a secret"
    done
  done
  # End to end: the planner and crash runs of poolsim size on a pool imported from xe lists.
  expect 0 "size of the xe legacy pool" -- "$poolsim" size "$tmp/legacy.yaml" --jobs 1
  contains "$tmp/out" "planner" "size of the xe legacy pool: report"
  # The same pool as the database: only the description and the control domains' memory-actual note differ.
  diff <(grep -v -e "Imported by poolsim import from" -e "each control domain's memory is its memory-actual" "$dir/xe/modern.yaml") \
    <(grep -v -e "Imported by poolsim import from" "$dir/modern.yaml") >"$tmp/same" || {
    fail "xe modern: the scenario differs from modern.yaml in more than the two expected lines:"
    sed 's/^/    /' "$tmp/same"
  }
  [ "$(grep -c "memory-actual" "$dir/xe/modern.yaml")" = 1 ] || fail "xe modern: the memory-actual assumption is not stated once"
  contains "$dir/xe/modern.yaml" "from modern/ (xe params=all text)" "xe modern: description"
  # The files given one by one: the same scenario, but for the description.
  expect 0 "xe files one by one" -- "$poolsim" import --xe "$dir"/xe/modern/*-list.txt -o "$tmp/files.yaml"
  diff <(grep -v "Imported by poolsim import from" "$tmp/files.yaml") <(grep -v "Imported by poolsim import from" "$dir/xe/modern.yaml") >/dev/null ||
    fail "xe files one by one: the scenario differs from xe/modern.yaml"
  contains "$tmp/files.yaml" "from 11 xe lists (xe params=all text)" "xe files one by one: description"
  # Renamed, so that the class comes from the records (of both versions); CRLF line ends: the same bytes.
  for fixture in modern legacy; do
    mkdir -p "$tmp/renamed/$fixture" "$tmp/crlf/$fixture"
    n=0
    for f in "$dir/xe/$fixture"/*; do
      n=$((n + 1))
      cp "$f" "$tmp/renamed/$fixture/out$n"
      sed 's/$/\r/' "$f" >"$tmp/crlf/$fixture/$(basename "$f")"
    done
    for variant in renamed crlf; do
      (cd "$tmp/$variant" && "$poolsim" import --xe "$fixture" -o "$tmp/$variant-$fixture.yaml") >"$tmp/out" 2>"$tmp/err" ||
        fail "xe $variant $fixture: import failed"
      cmp -s "$tmp/$variant-$fixture.yaml" "$dir/xe/$fixture.yaml" || fail "xe $variant $fixture: not the scenario of xe/$fixture"
    done
  done
  # Several inputs imply --xe; a single xe file is no database.
  expect 0 "xe implied by several files" -- "$poolsim" import "$dir"/xe/modern/*-list.txt -o "$tmp/implied.yaml"
  cmp -s "$tmp/implied.yaml" "$tmp/files.yaml" || fail "xe implied by several files: not the same scenario"
  expect 2 "a single xe file" -- "$poolsim" import "$dir/xe/modern/vm-list.txt" -o "$tmp/one.yaml"
  contains "$tmp/err" "this is 'xe ... params=all' text, not a XAPI database" "a single xe file: message"
  expect 2 "a database among xe lists" -- "$poolsim" import "$dir/modern.xml" "$dir/xe/modern/vm-list.txt" -o "$tmp/mixed.yaml"
  contains "$tmp/err" "modern.xml: error: this is a XAPI database or status report, not an xe list" "a database among xe lists: message"
  # An output inside the directory is left alone when run again; another file there is skipped with a warning.
  cp -r "$dir/xe/modern" "$tmp/again"
  expect 0 "xe output in the directory" -- "$poolsim" import --xe "$tmp/again" -o "$tmp/again/pool.yaml"
  echo "notes of the admin" >"$tmp/again/README"
  expect 0 "xe output in the directory, again" -- "$poolsim" import --xe "$tmp/again" -o "$tmp/again/pool.yaml"
  contains "$tmp/err" "README: warning: not xe params=all text and not named after a list; skipped" "xe directory: skipped file"
  expect 2 "xe output is an input" -- "$poolsim" import --xe "$tmp/again/vm-list.txt" "$tmp/again/pool-list.txt" -o "$tmp/again/vm-list.txt"
  # Bad input: each case is xe/modern/ with one change.
  for expected in "$dir"/xe/bad/*.expected; do
    case_name=$(basename "$expected" .expected)
    rm -rf "$tmp/bad" && mkdir -p "$tmp/bad" && cp -r "$dir/xe/modern" "$tmp/bad/modern"
    m="$tmp/bad/modern"
    args=(--xe modern)
    case "$case_name" in
    missing-lists) rm "$m/vbd-list.txt" "$m/vif-list.txt" ;;
    not-params-all) printf 'uuid ( RO)           : 5e1f0c2a-0702-4702-8702-000000000702\n     name-label ( RW): db\n    power-state ( RO): running\n\n\n' >"$m/vm-list.txt" ;;
    unknown-host) sed -i '/resident-on/s/0a4c1b7e-2222-4222-8222-000000000002/0a4c1b7e-9999-4999-8999-000000000009/' "$m/vm-list.txt" ;;
    xe-error) echo "The server could not join the liveset because the HA daemon could not access the heartbeat disk." >"$m/pif-list.txt" ;;
    run-together) sed -i '9,10d' "$m/bond-list.txt" ;;
    bad-boolean) sed -i 's/ha-enabled ( RO): true/ha-enabled ( RO): yes/' "$m/pool-list.txt" ;;
    wrong-list) cp "$m/vm-list.txt" "$m/host-list.txt" ;;
    twice) args=(--xe modern/pool-list.txt modern/host-list.txt modern/network-list.txt modern/pif-list.txt modern/bond-list.txt
      modern/sr-list.txt modern/pbd-list.txt modern/vdi-list.txt modern/vm-list.txt modern/vbd-list.txt modern/vif-list.txt modern/vm-list.txt) ;;
    *) fail "xe bad: no change defined for $case_name"; continue ;;
    esac
    (cd "$tmp/bad" && "$poolsim" import "${args[@]}" -o "$tmp/bad/out.yaml") >"$tmp/out" 2>"$tmp/err"
    status=$?
    [ "$status" = 2 ] || fail "xe bad $case_name: exit status $status, want 2"
    [ "$update" = --update ] && cp "$tmp/err" "$expected"
    cmp -s "$tmp/err" "$expected" || { fail "xe bad $case_name: stderr differs from $case_name.expected:"; diff "$expected" "$tmp/err" | sed 's/^/    /'; }
    [ ! -e "$tmp/bad/out.yaml" ] || fail "xe bad $case_name: an output file was written"
  done
  ;;
*)
  echo "run.sh: unknown part '$part'" >&2
  exit 2
  ;;
esac
finish "import.$part"
