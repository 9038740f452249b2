# Every dependency comes from a Debian 12 package; a missing one stops configuration with the package to install.

function(poolsim_require found package_name what)
  if(NOT ${found})
    message(FATAL_ERROR
      "poolsim needs ${what}, which was not found.\n"
      "Install it with:  apt-get install ${package_name}\n"
      "(or run tools/bootstrap.sh, which installs everything poolsim needs)")
  endif()
endfunction()

find_package(Boost 1.74 QUIET COMPONENTS program_options)
poolsim_require(Boost_FOUND libboost-program-options-dev "Boost.Program_options")
# Boost.Random is used header-only (engines and distributions); its headers come with libboost-random-dev.
find_path(POOLSIM_BOOST_RANDOM_INCLUDE boost/random/mersenne_twister.hpp HINTS ${Boost_INCLUDE_DIRS})
poolsim_require(POOLSIM_BOOST_RANDOM_INCLUDE libboost-random-dev "Boost.Random")

find_package(yaml-cpp QUIET)
poolsim_require(yaml-cpp_FOUND libyaml-cpp-dev "yaml-cpp")

find_package(HDF5 QUIET COMPONENTS C CXX)
poolsim_require(HDF5_FOUND libhdf5-dev "the HDF5 C++ API")

if(POOLSIM_TESTS)
  find_package(GTest QUIET)
  poolsim_require(GTest_FOUND libgtest-dev "GoogleTest")
endif()

find_package(Threads REQUIRED)

# MPI batches (docs/cluster.md), only with -DPOOLSIM_MPI=ON: the default build neither looks for MPI nor links it.
if(POOLSIM_MPI)
  find_package(MPI QUIET COMPONENTS C)
  poolsim_require(MPI_C_FOUND "libopenmpi-dev openmpi-bin" "MPI (Debian's Open MPI)")
endif()

find_program(POOLSIM_CCACHE ccache)
if(POOLSIM_CCACHE)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${POOLSIM_CCACHE})
endif()
