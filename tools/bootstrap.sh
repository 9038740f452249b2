#!/usr/bin/env bash
# The README's Quick start: set up a Debian 12 machine for poolsim, build it, and run it or test it.
#
#   tools/bootstrap.sh run    install what is missing, build Release, run the tutorial scenario
#   tools/bootstrap.sh test   install what is missing, build, run the whole test suite, a bounded fuzz of the
#                             scenario loader and the suite under the sanitizers (what CI runs)
#
# Re-running is quick when nothing changed: packages already installed are not fetched again, and builds are
# incremental (and cached by ccache across clean clones).
set -euo pipefail

mode=${1:-}
case "$mode" in
  run | test) ;;
  *)
    echo "usage: tools/bootstrap.sh run|test" >&2
    exit 2
    ;;
esac

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

# Debian 12 packages poolsim needs to build, test and plot; clang, its libFuzzer runtime and llvm-symbolizer (stacks
# of sanitizer reports) for the fuzz target (docs/testing.md "Fuzzing"); Open MPI (and ssh, which its mpirun
# launcher looks for) for MPI batches (docs/cluster.md); chromium for the report's test in a headless browser
# (tests/report/report.sh).
packages=(
  build-essential cmake ninja-build ccache pkg-config git clang libclang-rt-14-dev llvm
  libopenmpi-dev openmpi-bin openssh-client
  libboost-program-options-dev libboost-random-dev libyaml-cpp-dev libhdf5-dev libarchive-dev libgtest-dev libbenchmark-dev python3-h5py python3-pandas python3-matplotlib jupyter-nbconvert python3-ipykernel python3-nbformat
  chromium
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]}"
  as_root=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "bootstrap: run as root (or install sudo) to install packages" >&2; exit 2; }
    as_root=(sudo)
  fi
  "${as_root[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

jobs=$(nproc 2>/dev/null || echo 2)

if [ "$mode" = run ]; then
  cmake --preset release >/dev/null
  cmake --build --preset release -j "$jobs"
  # The main job: the tutorial's pool (docs/model.md "The tutorial's pool"), its timeline, summary and expectations.
  exec build/release/tools/poolsim run scenarios/tutorial-cable-pull.yaml
fi

# test: the whole suite in the CI build (Release, warnings as errors) ...
cmake --preset ci >/dev/null
cmake --build --preset ci -j "$jobs"
ctest --preset ci
# ... a bounded fuzz of the scenario loader (clang, libFuzzer, ASan + UBSan; only the loader's libraries are built) ...
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$jobs"
ctest --preset fuzz
# ... and the suite again under AddressSanitizer and UndefinedBehaviorSanitizer, less the four slowest tests
# (the dev test preset excludes them; docs/testing.md "Sanitizers" says which and why).
cmake --preset dev >/dev/null
cmake --build --preset dev -j "$jobs"
ctest --preset dev
# ... and MPI batches: mpirun -np 2 and 3 give the file one process gives (the mpi presets build poolsim only).
cmake --preset mpi >/dev/null
cmake --build --preset mpi -j "$jobs"
ctest --preset mpi
echo "bootstrap: all tests passed"
