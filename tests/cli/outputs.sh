#!/usr/bin/env bash
# cli.outputs: outputs never destroy inputs and write errors are handled (docs/running.md "Outputs", issue 21).
#   - refused before the run, exit 2, the input unchanged, nothing written: an output that is the scenario (by name,
#     ./name, a hard link, a symbolic link) for run --h5, run --timeline, size --h5 and batch --out; two outputs on one
#     path; a directory; a device; a missing parent; an unwritable parent; swarm --out naming a file;
#   - locking: a second process on an output being written fails at once (exit 2) without touching the first's
#     files; stale temporaries of a killed writer are removed and an interrupted batch resumes;
#   - write errors, through tests/cli/fail_writes.c (LD_PRELOAD; docs/testing.md "Write errors"): ENOSPC at several
#     points, EDQUOT, EROFS, a failed fsync and a failed close, for run --h5, run --timeline, size --h5, batch --out,
#     a batch worker's kept timeline and the batch journal: exit 2, a message naming the file, no crash, the old
#     file unchanged, no temporary or lock left.
set -u
poolsim=${1:?usage: outputs.sh POOLSIM SCENARIOS_DIR FAIL_WRITES_SO}
scenarios=${2:?}
shim=${3:?}
source "$(dirname "$0")/lib.sh"
# The script works in $tmp: the paths it was given, absolute.
poolsim=$(realpath "$poolsim") scenarios=$(realpath "$scenarios") shim=$(realpath "$shim")

# Under AddressSanitizer (the dev preset) the shim comes before ASan's runtime in the library list: allowed here.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"

chmod 755 "$tmp"  # the unwritable-directory case below may run as another user
cp "$scenarios/tutorial-cable-pull.yaml" "$tmp/s.yaml"
chmod 644 "$tmp/s.yaml"
sum=$(cksum <"$tmp/s.yaml")
ln "$tmp/s.yaml" "$tmp/hard.yaml"
ln -s s.yaml "$tmp/link.yaml"
mkdir "$tmp/dir"

# clean DESCRIPTION: the scenario is unchanged and no temporary or lock file is left in $tmp (or below it).
clean() {
  [ "$(cksum <"$tmp/s.yaml")" = "$sum" ] || fail "$1: the scenario file changed"
  local left
  left=$(find "$tmp" \( -name '*.tmp' -o -name '*.tmp.*' -o -name '*.lock' \) -print)
  [ -z "$left" ] || fail "$1: left $left"
}

# refused STATUS-2 DESCRIPTION MESSAGE -- COMMAND...: exit 2 before anything runs, MESSAGE on stderr, nothing
# printed on stdout, the input unchanged, nothing left.
refused() {
  local what=$1 message=$2
  shift 2
  expect 2 "$what" "$@"
  contains "$tmp/err" "$message" "$what"
  [ ! -s "$tmp/out" ] || fail "$what: something ran (stdout is not empty)"
  clean "$what"
}

cd "$tmp" || exit 1

# An output that is an input.
destroys="(the same file): writing it would destroy the input; give another file name"
refused "run --h5 the scenario" "poolsim run: --h5 's.yaml': is the input 's.yaml' $destroys" \
  -- "$poolsim" run s.yaml --h5 s.yaml
refused "run --timeline the scenario" "poolsim run: --timeline 's.yaml': is the input 's.yaml' $destroys" \
  -- "$poolsim" run s.yaml --timeline s.yaml
refused "run --h5 ./the scenario" "poolsim run: --h5 './s.yaml': is the input '$tmp/s.yaml'" \
  -- "$poolsim" run "$tmp/s.yaml" --h5 ./s.yaml
refused "run --h5 a hard link to the scenario" "poolsim run: --h5 'hard.yaml': is the input 's.yaml'" \
  -- "$poolsim" run s.yaml --h5 hard.yaml
refused "run --timeline a symbolic link to the scenario" \
  "poolsim run: --timeline 'link.yaml': is a symbolic link to the input 's.yaml'" \
  -- "$poolsim" run s.yaml --timeline link.yaml
refused "size --h5 the scenario" "poolsim size: --h5 's.yaml': is the input 's.yaml'" \
  -- "$poolsim" size s.yaml --jobs 1 --h5 s.yaml
refused "batch --out the scenario" "poolsim batch: --out 's.yaml': is the input 's.yaml'" \
  -- "$poolsim" batch s.yaml --runs 2 --out s.yaml
refused "batch --out the second scenario" "poolsim batch: --out 'link.yaml': is a symbolic link to the input 's.yaml'" \
  -- "$poolsim" batch "$scenarios/random-failures.yaml" s.yaml --runs 2 --out link.yaml
[ -L link.yaml ] || fail "the symbolic link to the scenario was replaced"

# Two outputs on one path.
refused "run --h5 X --timeline X" "poolsim run: --h5 'x.out': is also the output of --timeline: give each output its own file" \
  -- "$poolsim" run s.yaml --timeline x.out --h5 x.out
refused "run --h5 X --timeline ./X" "poolsim run: --h5 './dir/../x.out': is also the output of --timeline" \
  -- "$poolsim" run s.yaml --timeline "$tmp/x.out" --h5 ./dir/../x.out
[ ! -e x.out ] || fail "a refused run wrote x.out"

# A directory, a device.
refused "run --h5 DIR" "poolsim run: --h5 'dir': is a directory: give a file name, e.g. 'dir/out.h5'" \
  -- "$poolsim" run s.yaml --h5 dir
refused "run --timeline DIR" "poolsim run: --timeline 'dir': is a directory" -- "$poolsim" run s.yaml --timeline dir
refused "size --h5 DIR" "poolsim size: --h5 'dir': is a directory" -- "$poolsim" size s.yaml --jobs 1 --h5 dir
refused "batch --out DIR" "poolsim batch: --out 'dir': is a directory" -- "$poolsim" batch s.yaml --runs 2 --out dir
refused "run --h5 /dev/null" "poolsim run: --h5 '/dev/null': is not a regular file" -- "$poolsim" run s.yaml --h5 /dev/null
[ -c /dev/null ] || fail "/dev/null is no longer a device"
echo "not a directory" >plain
refused "swarm --out FILE" "poolsim swarm: --out 'plain': is not a directory" -- "$poolsim" swarm --runs 1 --seed 1 --out plain

# A missing parent directory: refused before the runs (a batch creates no journal, prints no summary).
gone="its directory 'none' does not exist: create it first (mkdir -p 'none'), or write elsewhere"
refused "run --h5 none/x.h5" "poolsim run: --h5 'none/x.h5': $gone" -- "$poolsim" run s.yaml --h5 none/x.h5
refused "run --timeline none/x" "poolsim run: --timeline 'none/x': $gone" -- "$poolsim" run s.yaml --timeline none/x
refused "size --h5 none/x.h5" "poolsim size: --h5 'none/x.h5': $gone" -- "$poolsim" size s.yaml --jobs 1 --h5 none/x.h5
refused "batch --out none/o.h5" "poolsim batch: --out 'none/o.h5': $gone" -- "$poolsim" batch s.yaml --runs 2 --out none/o.h5
lacks "$tmp/err" "runs (" "batch --out none/o.h5 ran nothing"
refused "run --h5 plain/x.h5" "its directory 'plain' is not a directory" -- "$poolsim" run s.yaml --h5 plain/x.h5

# An unwritable parent directory. Root writes anywhere: then the case runs as nobody (setpriv, util-linux).
mkdir locked
chmod 555 locked
as_user=()
if [ "$(id -u)" = 0 ]; then
  if command -v setpriv >/dev/null; then
    as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
  else
    echo "note: running as root without setpriv, the unwritable-directory case is skipped"
  fi
fi
if [ "$(id -u)" != 0 ] || [ ${#as_user[@]} -gt 0 ]; then
  refused "run --h5 into an unwritable directory" \
    "poolsim run: --h5 'locked/x.h5': cannot write in its directory 'locked': Permission denied" \
    -- "${as_user[@]}" "$poolsim" run s.yaml --h5 locked/x.h5
  refused "batch --out into an unwritable directory" "poolsim batch: --out 'locked/o.h5': cannot write in its directory" \
    -- "${as_user[@]}" "$poolsim" batch s.yaml --runs 2 --out locked/o.h5
fi
[ -z "$(ls locked)" ] || fail "something was written in the unwritable directory"

# A successful run's outputs: the reference bytes for what follows, nothing left beside them.
expect 0 "run --h5 --timeline" -- "$poolsim" run s.yaml --quiet --h5 ref.h5 --timeline ref.timeline
[ -s ref.h5 ] && [ -s ref.timeline ] || fail "run --h5 --timeline wrote no files"
clean "run --h5 --timeline"

# Locking: while a batch writes long.h5, a second batch or run on it fails at once and leaves the first's files.
sed 's/^until: 1y$/until: 100y/' "$scenarios/random-failures.yaml" >century.yaml
"$poolsim" batch century.yaml --runs 400 --jobs 1 --out long.h5 >first.out 2>first.err &
first=$!
for _ in $(seq 1 500); do
  [ -e long.h5.lock ] && [ "$(grep -c '^run' long.h5.journal 2>/dev/null)" -ge 1 ] && break
  sleep 0.02
done
[ -e long.h5.lock ] || fail "the first batch holds no lock file"
expect 2 "a second batch on the same output" -- "$poolsim" batch century.yaml --runs 400 --jobs 1 --out long.h5
contains "$tmp/err" "poolsim batch: --out: 'long.h5' is being written by another process (pid $first), which holds 'long.h5.lock'" \
  "a second batch on the same output"
expect 2 "a run on an output a batch writes" -- "$poolsim" run s.yaml --quiet --h5 long.h5
contains "$tmp/err" "'long.h5' is being written by another process" "a run on an output a batch writes"
kill -0 "$first" 2>/dev/null || fail "the first batch ended before the second was tried; give it more runs"
[ -e long.h5.lock ] || fail "the second batch removed the first's lock"
journaled=$(grep -c '^run' long.h5.journal)
kill -KILL "$first"
wait "$first" 2>/dev/null

# Killed: its lock file, a journal and (made here) temporaries of a killed writer are left. The same batch with
# fewer runs resumes from the journal, removes them, and writes a complete file.
touch long.h5.tmp long.h5.tmp.99999 long.h5.tmp.99999.1 long.h5.tmpx
expect 0 "the killed batch started again" -- "$poolsim" batch century.yaml --runs 2 --jobs 1 --out long.h5
contains "$tmp/err" ": $((2 - (journaled >= 2 ? 2 : journaled))) run now, $((journaled >= 2 ? 2 : journaled)) from the journal" \
  "the killed batch started again resumes from its journal"
[ -s long.h5 ] || fail "the resumed batch wrote no file"
[ -e long.h5.tmpx ] || fail "a file that is not a temporary of long.h5 was removed"
rm -f long.h5.tmpx
clean "the killed batch started again"
# The same with a kept timeline left half-written by a killed worker.
mkdir -p kept.h5.runs
touch kept.h5.runs/tutorial-cable-pull@1.h5.tmp.99999
expect 0 "a batch over a killed worker's temporary" -- "$poolsim" batch s.yaml --runs 1 --keep-timelines --out kept.h5
clean "a batch over a killed worker's temporary"

# Write errors, through the shim. fails ENV... -- COMMAND...: the command under the shim with ENV set.
fails() {
  local envs=()
  while [ "$1" != -- ]; do
    envs+=("$1")
    shift
  done
  shift
  env LD_PRELOAD="$shim" "${envs[@]}" "$@" >"$tmp/out" 2>"$tmp/err"
  status=$?
  cat "$tmp/out" "$tmp/err" >"$tmp/all"
}

# write_error DESCRIPTION FILE MESSAGE ENV... -- COMMAND...: FILE held "old" before; the command exits 2 naming FILE
# with MESSAGE, FILE still holds "old", nothing is left, no crash.
write_error() {
  local what=$1 file=$2 message=$3
  shift 3
  echo old >"$file"
  fails "$@"
  if [ "$status" != 2 ]; then
    fail "$what: exit status $status, want 2; stdout and stderr:"
    sed 's/^/    /' "$tmp/all"
  fi
  contains "$tmp/err" "$message" "$what"
  lacks "$tmp/err" "internal error" "$what"
  lacks "$tmp/err" "H5" "$what: HDF5's error stack is not printed"
  [ "$(cat "$file")" = old ] || fail "$what: '$file' was changed"
  clean "$what"
  rm -f "$file"
}

# The shim itself: a file it does not match is written; one it matches fails (else the cases below prove nothing).
fails POOLSIM_FAIL_MATCH=no-such-file -- "$poolsim" run s.yaml --quiet --h5 shim.h5
[ "$status" = 0 ] && cmp -s shim.h5 ref.h5 || fail "under the shim, a file it does not match is not written as usual"
rm -f shim.h5

full="No space left on device (the file system is full: free some space, or write elsewhere)"
for after in 0 512 4096 20000; do
  write_error "run --h5, disk full after $after bytes" out.h5 "poolsim run: cannot write HDF5 file 'out.h5': $full" \
    POOLSIM_FAIL_MATCH=out.h5 POOLSIM_FAIL_AFTER=$after -- "$poolsim" run s.yaml --quiet --h5 out.h5
done
write_error "run --h5, quota exceeded" out.h5 "poolsim run: cannot write HDF5 file 'out.h5': Disk quota exceeded" \
  POOLSIM_FAIL_MATCH=out.h5 POOLSIM_FAIL_AFTER=3000 POOLSIM_FAIL_ERRNO=EDQUOT -- "$poolsim" run s.yaml --quiet --h5 out.h5
write_error "run --h5, read-only file system" out.h5 \
  "poolsim run: cannot write HDF5 file 'out.h5': Read-only file system (the file system is read-only: write elsewhere)" \
  POOLSIM_FAIL_MATCH=out.h5 POOLSIM_FAIL_ERRNO=EROFS -- "$poolsim" run s.yaml --quiet --h5 out.h5
write_error "run --h5, fsync fails" out.h5 "poolsim run: cannot write HDF5 file 'out.h5': Input/output error" \
  POOLSIM_FAIL_MATCH=out.h5 POOLSIM_FAIL_OP=fsync POOLSIM_FAIL_ERRNO=EIO -- "$poolsim" run s.yaml --quiet --h5 out.h5
write_error "run --h5, close fails" out.h5 "poolsim run: cannot create HDF5 file 'out.h5': $full" \
  POOLSIM_FAIL_MATCH=out.h5 POOLSIM_FAIL_OP=close -- "$poolsim" run s.yaml --quiet --h5 out.h5
for after in 0 1000 5000; do
  write_error "run --timeline, disk full after $after bytes" out.timeline "poolsim run: cannot write 'out.timeline': $full" \
    POOLSIM_FAIL_MATCH=out.timeline POOLSIM_FAIL_AFTER=$after -- "$poolsim" run s.yaml --timeline out.timeline
  contains "$tmp/out" "# expectations: 4 of 4 passed" "run --timeline, disk full: the verdicts still on stdout"
done
write_error "run --timeline, quota exceeded" out.timeline "poolsim run: cannot write 'out.timeline': Disk quota exceeded" \
  POOLSIM_FAIL_MATCH=out.timeline POOLSIM_FAIL_ERRNO=EDQUOT -- "$poolsim" run s.yaml --quiet --timeline out.timeline
write_error "run --timeline, fsync fails" out.timeline "poolsim run: cannot write 'out.timeline': $full" \
  POOLSIM_FAIL_MATCH=out.timeline POOLSIM_FAIL_OP=fsync -- "$poolsim" run s.yaml --quiet --timeline out.timeline
write_error "run --timeline, close fails" out.timeline "poolsim run: cannot write 'out.timeline': $full" \
  POOLSIM_FAIL_MATCH=out.timeline POOLSIM_FAIL_OP=close -- "$poolsim" run s.yaml --quiet --timeline out.timeline
write_error "run --h5 and --timeline, the HDF5 file fails" out.h5 "poolsim run: cannot write HDF5 file 'out.h5': $full" \
  POOLSIM_FAIL_MATCH=out.h5 POOLSIM_FAIL_AFTER=2000 -- "$poolsim" run s.yaml --quiet --timeline ok.timeline --h5 out.h5
cmp -s ok.timeline ref.timeline || fail "run --h5 and --timeline: the timeline that could be written differs"
rm -f ok.timeline
for after in 0 3000; do
  write_error "size --h5, disk full after $after bytes" out.h5 "poolsim size: cannot write HDF5 file 'out.h5': $full" \
    POOLSIM_FAIL_MATCH=out.h5 POOLSIM_FAIL_AFTER=$after -- "$poolsim" size s.yaml --jobs 2 --h5 out.h5
done
for after in 0 3000; do
  write_error "batch --out, disk full after $after bytes" out.h5 "poolsim batch: cannot write HDF5 file 'out.h5': $full" \
    POOLSIM_FAIL_MATCH=out.h5.tmp POOLSIM_FAIL_AFTER=$after -- "$poolsim" batch s.yaml --runs 2 --jobs 2 --out out.h5
  [ "$(grep -c '^run' out.h5.journal)" = 2 ] || fail "batch --out, disk full: the runs are not journaled"
  rm -f out.h5.journal
done
# HDF5 1.10 can crash inside H5Ocopy on a failed write: the process writing the file dies, the batch reports it.
write_error "batch --out --keep-timelines, disk full while copying the timelines" out.h5 \
  "poolsim batch: cannot write HDF5 file 'out.h5': " \
  POOLSIM_FAIL_MATCH=out.h5.tmp POOLSIM_FAIL_AFTER=5000 -- "$poolsim" batch s.yaml --runs 2 --jobs 2 --keep-timelines --out out.h5
rm -rf out.h5.journal out.h5.runs
write_error "batch --keep-timelines, a worker's disk is full" out.h5 \
  "poolsim batch: a run failed: cannot write HDF5 file 'out.h5.runs/tutorial-cable-pull@1.h5': $full" \
  POOLSIM_FAIL_MATCH=out.h5.runs POOLSIM_FAIL_AFTER=100 -- "$poolsim" batch s.yaml --runs 2 --jobs 2 --keep-timelines --out out.h5
contains "$tmp/err" "the others are journaled: free some space and run the same command again" \
  "batch --keep-timelines, a worker's disk is full"
rm -rf out.h5.journal out.h5.runs
write_error "batch, the journal's disk is full" out.h5 "poolsim batch: cannot write the journal 'out.h5.journal': $full" \
  POOLSIM_FAIL_MATCH=out.h5.journal POOLSIM_FAIL_AFTER=100 -- "$poolsim" batch s.yaml --runs 3 --jobs 2 --out out.h5
# Space again: the same batch resumes from what its journal kept and completes.
expect 0 "the batch started again with space" -- "$poolsim" batch s.yaml --runs 3 --jobs 2 --out out.h5
[ -s out.h5 ] || fail "the batch started again wrote no file"
clean "the batch started again with space"

# After all of that, a run writes the same bytes as before.
expect 0 "run --h5 --timeline again" -- "$poolsim" run s.yaml --quiet --h5 again.h5 --timeline again.timeline
cmp -s again.h5 ref.h5 && cmp -s again.timeline ref.timeline || fail "a run after the failures writes other bytes"

cd / || exit 1
finish cli.outputs
