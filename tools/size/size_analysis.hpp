// `poolsim size`: how many host failures a pool absorbs, by xapi's planner and by simulating the failures
// (docs/sizing.md "poolsim size"). The part of the verb that tests may use directly: what-if edits of a spec,
// the planner's answer at time 0, the crash sets, one crash run, the forked runner and the report.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "poolsim/kernel/time.hpp"
#include "poolsim/models/planner.hpp"
#include "poolsim/scenario/spec.hpp"

namespace poolsim::sizing {

// The what-if options, applied in this order: remove hosts, add hosts, set ntol.
struct WhatIf {
  std::vector<std::string> remove_hosts;
  std::vector<std::uint64_t> add_hosts;  // memory in bytes of each host to add
  std::optional<std::int64_t> ntol;
};

// Applies `what_if` to `spec`. A removed host's VMs become halted there (a protected one then has to be placed,
// by the planner and by the pool); the master moves to the first host left. An added host is named
// "added-1", "added-2"..., a copy of the last host of the file (NICs, bonds, networks) with the given memory and
// no uuid. Returns an error message (for exit 2) or nothing.
std::optional<std::string> apply_what_if(scenario::ScenarioSpec& spec, const WhatIf& what_if);

// The planner's view of the pool at time 0, as the builder sets it up: hosts in tie-break order, every host live,
// VMs running where the file places them, protected when their restart priority is `restart`, agile as the
// builder computes it (MODEL.md §2).
models::PlannerInput planner_input(const scenario::ScenarioSpec& spec);

// Host names in the pool's (tie-break) order: the index space of crash sets.
std::vector<std::string> host_names(const scenario::ScenarioSpec& spec);

// A run: hosts (pool indices) crashed at once (`sequential` false) or one after another.
struct CrashRun {
  std::vector<std::uint32_t> hosts;
  bool sequential = false;
};

struct SizeOptions {
  unsigned jobs = 1;
  std::size_t sample = 200;  // the most sets run per k; more are sampled
  std::uint64_t seed = 0;    // of the sample
  Duration crash_at = Duration::seconds(300);
  Duration spacing = Duration::seconds(600);  // sequential: between one crash and the next
  Duration settle = Duration::seconds(1800);  // horizon after the last crash
};

// The k-sets of hosts 0..n-1 to run: all when C(n, k) <= sample, else `sample` distinct sets drawn with a
// generator seeded by (seed, k); lexicographic order either way.
std::vector<std::vector<std::uint32_t>> crash_sets(std::size_t n, std::size_t k, std::size_t sample,
                                                   std::uint64_t seed);
// C(n, k), saturated at UINT64_MAX.
std::uint64_t choose(std::size_t n, std::size_t k);

// What one run gave.
struct RunResult {
  bool violated = false;  // the model broke an invariant
  bool restored = false;  // every protected VM running before the first crash is running at the end
  // The longest time from a crash until every such VM ran again (for sequential crashes, the worst of the
  // crashes); negative when they never all ran again.
  std::int64_t recovery_ns = -1;
  std::vector<std::uint32_t> left_down;  // protected VMs (scenario order) not running at the end
};

// The scenario stripped of its scripted faults, random faults and expectations, with `run`'s crashes added and
// the horizon at the last crash + settle.
scenario::ScenarioSpec crash_scenario(const scenario::ScenarioSpec& base, const CrashRun& run,
                                      const SizeOptions& options);

// Builds and runs one crash run. std::runtime_error when the scenario does not build.
RunResult run_crash(const scenario::ScenarioSpec& base, const std::string& file, const CrashRun& run,
                    const SizeOptions& options);

// Runs every run in `runs` with options.jobs forked workers; results in the order of `runs`, independent of the
// number of workers. `progress` is called with (done, total) in the parent.
std::vector<RunResult> run_all(const scenario::ScenarioSpec& base, const std::string& file,
                               const std::vector<CrashRun>& runs, const SizeOptions& options,
                               void (*progress)(std::size_t done, std::size_t total));

// The whole analysis and its text report. Returns the number of disagreements found.
std::size_t size_report(const scenario::ScenarioSpec& spec, const std::string& file, const SizeOptions& options,
                        std::ostream& out, void (*progress)(std::size_t done, std::size_t total));

}  // namespace poolsim::sizing
