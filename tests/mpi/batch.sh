#!/usr/bin/env bash
# mpi.batch: `mpirun -np K poolsim batch` (docs/cluster.md) writes the same bytes as one process with the same
# arguments — whatever K, --jobs and the split of runs over ranks —, prints one summary (rank 0's), resumes from a
# journal written by one process, is resumed after a rank is killed with SIGKILL, and with --keep-timelines brings
# every rank's timelines into the file.
set -u
mpirun=${1:?usage: batch.sh MPIRUN POOLSIM SCENARIOS_DIR}
poolsim=${2:?}
scenarios=${3:?}
failures=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
# The test command runs as root in containers: Open MPI refuses root without these.
mpi() { local np=$1; shift; "$mpirun" --allow-run-as-root --oversubscribe -np "$np" "$@"; }
# written DESCRIPTION -- COMMAND...: exit 0 (every run of these scenarios keeps its invariants).
written() {
  local what=$1
  shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  if [ "$got" != 0 ]; then
    fail "$what: exit status $got, want 0; stdout and stderr:"
    sed 's/^/    /' "$tmp/out" "$tmp/err"
  fi
}
contains() { grep -qF -- "$2" "$1" || { fail "$3: $(basename "$1") lacks '$2'"; sed 's/^/    /' "$1"; }; }
same() { cmp -s "$1" "$2" || fail "$3: $1 and $2 differ"; }

tutorial="$scenarios/tutorial-cable-pull.yaml"
sed 's/^until: 1y$/until: 10y/' "$scenarios/random-failures.yaml" >"$tmp/decade.yaml"
sed 's/^until: 1y$/until: 100y/' "$scenarios/random-failures.yaml" >"$tmp/century.yaml"
args=("$tmp/decade.yaml" "$tutorial" --runs 12 --seed-base 7)
mkdir "$tmp/ref" "$tmp/np2" "$tmp/np3" "$tmp/resumed" "$tmp/killed" "$tmp/killed-ref" "$tmp/keep-ref" "$tmp/keep"

# One process (an MPI world of one): the reference.
written "one process" -- "$poolsim" batch "${args[@]}" --jobs 1 --out "$tmp/ref/r.h5"

# Two ranks of two workers, and three ranks (24 runs: rank 0 gets 8, an uneven share when resumed below).
written "mpirun -np 2 --jobs 2" -- mpi 2 "$poolsim" batch "${args[@]}" --jobs 2 --out "$tmp/np2/r.h5"
same "$tmp/ref/r.h5" "$tmp/np2/r.h5" "-np 2 against one process"
[ "$(wc -l <"$tmp/err")" = 1 ] || fail "-np 2: stderr is rank 0's one summary line; it holds: $(cat "$tmp/err")"
contains "$tmp/err" "24 runs (2 scenarios x 12 seeds from 7): 24 run now, 0 from the journal" "-np 2 summary"
written "mpirun -np 3 --jobs 1" -- mpi 3 "$poolsim" batch "${args[@]}" --jobs 1 --out "$tmp/np3/r.h5"
same "$tmp/ref/r.h5" "$tmp/np3/r.h5" "-np 3 against one process"

# A finished batch started again under MPI runs nothing and writes the same file.
written "a finished batch again under mpirun" -- mpi 2 "$poolsim" batch "${args[@]}" --out "$tmp/np2/r.h5"
contains "$tmp/err" ": 0 run now, 24 from the journal" "a finished batch again under mpirun"
same "$tmp/ref/r.h5" "$tmp/np2/r.h5" "a finished batch again under mpirun"

# Resume: 5 seeds per scenario by one process, then all 12 under mpirun: only the 14 missing runs are run.
written "one process, 5 seeds" -- "$poolsim" batch "$tmp/decade.yaml" "$tutorial" --runs 5 --seed-base 7 \
  --out "$tmp/resumed/r.h5"
written "mpirun resuming it" -- mpi 3 "$poolsim" batch "${args[@]}" --out "$tmp/resumed/r.h5"
contains "$tmp/err" ": 14 run now, 10 from the journal" "mpirun resuming a single-process journal"
same "$tmp/ref/r.h5" "$tmp/resumed/r.h5" "resumed under mpirun"

# A rank killed with SIGKILL once a few runs are journaled: mpirun stops the job; started again, the batch runs
# only what is missing and gives the file of an uninterrupted run.
kargs=("$tmp/century.yaml" --runs 24 --seed-base 1 --jobs 1)
written "century, one process" -- "$poolsim" batch "${kargs[@]}" --out "$tmp/killed-ref/r.h5"
"$mpirun" --allow-run-as-root --oversubscribe -np 2 "$poolsim" batch "${kargs[@]}" --out "$tmp/killed/r.h5" \
  >/dev/null 2>"$tmp/killed/err" &
launcher=$!
for _ in $(seq 600); do
  journaled=$(grep -c '^run' "$tmp/killed/r.h5.journal" 2>/dev/null)
  [ "${journaled:-0}" -ge 4 ] && break
  sleep 0.02
done
rank=$(pgrep -P "$launcher" poolsim | head -1)
if [ -n "$rank" ]; then kill -KILL "$rank"; else fail "no rank process under mpirun $launcher to kill"; fi
wait "$launcher"
status=$?
[ "$status" != 0 ] || fail "mpirun with a killed rank exited 0"
[ -e "$tmp/killed/r.h5" ] && fail "a killed MPI batch wrote its results"
written "the killed MPI batch started again" -- mpi 2 "$poolsim" batch "${kargs[@]}" --out "$tmp/killed/r.h5"
from_journal=$(sed -n 's/.* run now, \([0-9]*\) from the journal.*/\1/p' "$tmp/err")
[ "${from_journal:-0}" -ge 4 ] || fail "started again, it took ${from_journal:-no} runs from the journal, want 4 or more"
same "$tmp/killed-ref/r.h5" "$tmp/killed/r.h5" "killed and resumed under mpirun"

# --keep-timelines: rank 1's timelines reach rank 0's file.
written "keep, one process" -- "$poolsim" batch "$tutorial" --runs 4 --keep-timelines --out "$tmp/keep-ref/k.h5"
written "keep, mpirun -np 2" -- mpi 2 "$poolsim" batch "$tutorial" --runs 4 --keep-timelines --out "$tmp/keep/k.h5"
same "$tmp/keep-ref/k.h5" "$tmp/keep/k.h5" "--keep-timelines under mpirun"

# A usage error is reported once, by rank 0, and every rank exits 2.
mpi 2 "$poolsim" batch "$tutorial" --out "$tmp/x.h5" >"$tmp/out" 2>"$tmp/err"
status=$?
[ "$status" = 2 ] || fail "a usage error under mpirun: exit status $status, want 2"
[ "$(grep -c -- '--runs N is required' "$tmp/err")" = 1 ] || fail "a usage error under mpirun is not printed once: $(cat "$tmp/err")"

if [ "$failures" -ne 0 ]; then
  echo "mpi.batch: $failures failed"
  exit 1
fi
echo "mpi.batch: all passed"
