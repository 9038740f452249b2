#!/usr/bin/env bash
# swarm.short: a few hundred swarm runs (docs/testing.md "Swarm"): random pools and fault schedules, invariants
# throughout, liveness after healing. A failure prints its replay command; the case and its shrunk version are
# written under the build directory's swarm-failures/.
set -u
poolsim=${1:?usage: short.sh POOLSIM OUT_DIR [RUNS] [SEED]}
out=${2:?}
runs=${3:-300}
seed=${4:-1}
exec "$poolsim" swarm --runs "$runs" --seed "$seed" --out "$out"
