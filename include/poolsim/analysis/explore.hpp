// Exploration (SimGrid's chaos monkey; docs/testing.md "Exploration"): run a scenario once, take the instants of its
// timeline records (heartbeat deadlines, fault handler phases, elections, restarts: every instant where something was
// decided), and re-run it once per (instant, resource), failing that resource at that instant and for good —
// crash a host, unplug a NIC, fail a switch, a portal, an array — with the invariants checked (the Pool throws
// InvariantViolation, docs/model.md "Safety rules"). Only safety is checked: the injected fault is never repaired.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "poolsim/kernel/time.hpp"
#include "poolsim/scenario/spec.hpp"

namespace poolsim::analysis {

// The analysis layer works on the scenario layer's specs throughout.
using namespace poolsim::scenario;

// One re-run: the fault injected, and what broke (empty when the invariants held).
struct Exploration {
  FaultSpec fault;
  std::string violation;  // "two masters: ... at 912.000000", or empty
};

// The resources failed at each instant: one fault per host (crash), NIC (unplug), switch (switch_fail), portal
// (portal_fail) and network array (storage_fail) of the pool, with `at` unset.
std::vector<FaultSpec> exploration_faults(const ScenarioSpec& spec);

// The distinct instants of the records of one run of `spec`, in order (at most `max_instants`, evenly sampled
// when there are more). Throws std::runtime_error when `spec` does not build.
std::vector<Duration> decision_instants(const ScenarioSpec& spec, std::size_t max_instants);

// Re-runs `spec` once per instant and fault, in up to `jobs` worker processes (workers.hpp run_in_order), and
// calls `report` for each run in (instant, fault) order, whatever `jobs` is. A run that kills its process (a crash
// in the model) is a violation of its own, "the run's process died (signal N)". Throws RecordBudgetExceeded when
// a run reached the record budget, and std::runtime_error with its message when a run threw anything else (the
// scenario with the fault does not build), once the runs before it are reported.
void explore(const ScenarioSpec& spec, const std::vector<Duration>& instants, const std::vector<FaultSpec>& faults,
             unsigned jobs, const std::function<void(const Exploration&)>& report);

}  // namespace poolsim::analysis
