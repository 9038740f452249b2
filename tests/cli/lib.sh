# Shared by the cli tests, sourced after `set -u`: a scratch folder $tmp (removed at exit), a failure count, and
#   fail MESSAGE...                            count a failure and say it
#   expect STATUS DESCRIPTION -- COMMAND...    run COMMAND, check its exit status; stdout in $tmp/out, stderr in
#                                              $tmp/err, both in $tmp/all
#   contains FILE TEXT DESCRIPTION             FILE holds TEXT (a fixed string)
#   matches FILE REGEX DESCRIPTION             FILE holds a line matching REGEX (extended)
#   lacks FILE TEXT DESCRIPTION                FILE does not hold TEXT
#   finish NAME                                NAME: all passed (exit 0), or how many failed (exit 1)
failures=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

expect() {
  local want=$1 what=$2
  shift 3
  "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  cat "$tmp/out" "$tmp/err" >"$tmp/all"
  if [ "$got" != "$want" ]; then
    fail "$what: exit status $got, want $want; stdout and stderr:"
    sed 's/^/    /' "$tmp/all"
  fi
}

contains() { grep -qF -- "$2" "$1" || { fail "$3: $(basename "$1") lacks '$2'; it holds:"; sed 's/^/    /' "$1"; }; }
matches() { grep -qE -- "$2" "$1" || { fail "$3: $(basename "$1") lacks /$2/; it holds:"; sed 's/^/    /' "$1"; }; }
lacks() { ! grep -qF -- "$2" "$1" || fail "$3: $(basename "$1") holds '$2'"; }

finish() {
  if [ "$failures" -ne 0 ]; then
    echo "$1: $failures failed"
    exit 1
  fi
  echo "$1: all passed"
  exit 0
}
