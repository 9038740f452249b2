#!/usr/bin/env bash
# lint.determinism: fails if anything under sim/ or include/ uses a real clock, the environment, a random
# device, C's rand, or the standard library's random distributions (whose output differs between library
# implementations). Use instead: simulated time from the EventQueue, scenario parameters, and RandomStreams.
set -u
root=${1:?usage: determinism.sh PROJECT_ROOT}
pattern='system_clock|steady_clock|high_resolution_clock|random_device|getenv|secure_getenv|[^a-z_:.]s?rand\(|std::[a-z_]*_distribution|std::(mt19937|minstd_rand|default_random_engine|ranlux)|time\((NULL|nullptr|0)\)|gettimeofday|clock_gettime|<ctime>|<random>'
hits=$(grep -rnE "$pattern" "$root/sim" "$root/include" 2>/dev/null)
if [ -n "$hits" ]; then
  echo "determinism lint: these lines break 'same scenario, seed and version give the same bytes':"
  echo "$hits"
  echo "use simulated time (EventQueue::now), scenario parameters, and RandomStreams (Boost.Random) instead"
  exit 1
fi
# The lint must be able to fail: check that the pattern catches each banned form.
for sample in 'std::chrono::steady_clock::now()' 'std::random_device rd;' 'getenv("HOME")' 'x = rand();' \
              'std::uniform_real_distribution<double> d;' 'std::exponential_distribution<> e;' '#include <random>'; do
  if ! grep -qE "$pattern" <<<" $sample"; then
    echo "determinism lint: the pattern misses '$sample'"
    exit 1
  fi
done
echo "determinism lint: sim/ and include/ are clean"
