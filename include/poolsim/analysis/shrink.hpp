// Shrinking a failing swarm case (swarm.hpp) to a smaller one that fails the same way: same SwarmVerdict
// signature ("liveness: no master", an invariant's message without names), as QuickCheck and Hypothesis shrink
// a counterexample, so that the case left is one a person can read and keep as a regression test.
//
// Passes, repeated until none removes anything or the run budget is spent:
// 1. faults, by groups: a failure and the repair paired with it (crash and the next power_on of that host,
//    unplug and the next replug of those NICs, partition and the next heal, ...; a fault with no pair, such as
//    a reboot, is a group alone), so that every candidate stays healed. Groups go in halves, then quarters, ...
//    down to one at a time (delta debugging's ddmin without complements);
// 2. VMs, one at a time, with the faults that name them;
// 3. hosts, one at a time down to two (the swarm's smallest pool), with their VMs, the faults that name them, and their place in partition groups (a
//    partition left with fewer than two groups goes); the master's role passes to the first host left, and
//    host_failures_to_tolerate is lowered to hosts - 1 when needed.
// `until` is kept: removing faults and hosts only shortens the liveness bound.
#pragma once

#include <cstddef>

#include "poolsim/scenario/spec.hpp"
#include "poolsim/analysis/swarm.hpp"

namespace poolsim::analysis {

// The analysis layer works on the scenario layer's specs throughout.
using namespace poolsim::scenario;

struct ShrinkResult {
  ScenarioSpec spec;     // the smallest case found that fails like the original
  SwarmVerdict verdict;  // its verdict
  std::size_t runs = 0;  // candidate runs spent
};

// Shrinks `failing`, whose verdict is `verdict` (not none), with at most `max_runs` candidate runs.
ShrinkResult shrink_swarm_case(const ScenarioSpec& failing, const SwarmVerdict& verdict, std::size_t max_runs = 400);

// The fault groups of a schedule (pass 1 above): indices into spec.faults, each group in time order.
std::vector<std::vector<std::size_t>> fault_groups(const ScenarioSpec& spec);

}  // namespace poolsim::analysis
