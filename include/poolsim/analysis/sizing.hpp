// `poolsim size`: how many host failures a pool absorbs, by xapi's planner and by simulating the failures
// (docs/sizing.md "poolsim size"). The part of the verb that tests may use directly (the what-if edits of a
// spec are scenario/what_if.hpp): the planner's answer at time 0, the crash sets, one crash run, the forked runner, the analysis and its text
// report and HDF5 file (docs/hdf5-layout.md "Size files").
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "poolsim/kernel/time.hpp"
#include "poolsim/models/planner.hpp"
#include "poolsim/scenario/spec.hpp"

namespace poolsim::sizing {

// The planner's view of the pool at time 0, as the builder sets it up: hosts in tie-break order, every host live,
// VMs running where the file places them, protected when their restart priority is `restart`, agile as the
// builder computes it (docs/model.md "VMs and their HA plan").
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
  std::vector<std::int64_t> service_down_ns;  // the scenario's services (its order): time unavailable in the run
  std::vector<std::int64_t> vm_down_ns;       // every VM (scenario order): its downtime in the run
};

// The scenario stripped of its scripted faults, random faults and expectations, with `run`'s crashes added and
// the horizon at the last crash + settle.
scenario::ScenarioSpec crash_scenario(const scenario::ScenarioSpec& base, const CrashRun& run,
                                      const SizeOptions& options);

// Builds and runs one crash run. std::runtime_error when the scenario does not build.
RunResult run_crash(const scenario::ScenarioSpec& base, const std::string& file, const CrashRun& run,
                    const SizeOptions& options);

// Called in the parent with (runs done, runs in all) as results come in; may be empty.
using Progress = std::function<void(std::size_t done, std::size_t total)>;

// Runs every run in `runs` with options.jobs forked workers; results in the order of `runs`, independent of the
// number of workers.
std::vector<RunResult> run_all(const scenario::ScenarioSpec& base, const std::string& file,
                               const std::vector<CrashRun>& runs, const SizeOptions& options,
                               const Progress& progress);

// One row of a crash table: the runs of one k, crashed at once or one after another, and what they gave.
struct GroupResult {
  bool sequential = false;
  std::size_t k = 0;
  models::PlanStatus planner = models::PlanStatus::none;  // plan_status(k)
  std::uint64_t sets_total = 0;                           // C(n, k), saturated
  std::size_t first = 0;                                  // the runs are SizeResult::runs[first, first + count)
  std::size_t count = 0;
  std::size_t restored = 0;  // runs that restored every protected VM running at 0 s
  std::size_t broke = 0;     // runs that broke an invariant (not restored)
  // Over the restored runs: the worst and the (lower) median recovery time; none when no run was restored.
  std::optional<std::int64_t> worst_ns;
  std::optional<std::int64_t> median_ns;
  // The protected VMs left down (index in scenario order) and in how many runs, most often first, then in
  // scenario order.
  std::vector<std::pair<std::uint32_t, std::size_t>> left_down;
  // Per service of the scenario (its order): the most time it was unavailable in one run without a violation.
  std::vector<std::int64_t> service_worst_ns;
  // Per VM (scenario order): the most downtime of one run without a violation (time not serving once it ran).
  std::vector<std::int64_t> vm_worst_ns;
  bool sampled() const { return sets_total > count; }
};

// Where planner and simulation disagree on one row.
enum class DisagreementKind : std::uint8_t {
  plan_not_carried_out,  // plan_status(k) is all_vms, yet a set left a protected VM down or broke an invariant
  planner_pessimistic,   // plan_status(k) is none, yet every set run restored every protected VM
};
std::string_view to_token(DisagreementKind kind);

struct Disagreement {
  bool sequential = false;
  std::size_t k = 0;
  DisagreementKind kind = DisagreementKind::plan_not_carried_out;
  std::string message;  // the sentence of the text report
};

// The whole analysis: the planner's answer, every run and the rows of both tables.
struct SizeResult {
  std::string scenario_name;
  std::uint64_t simulation_seed = 0;  // the scenario's seed, which every run uses
  SizeOptions options;
  std::vector<std::string> hosts;  // the pool's (tie-break) order: the index space of CrashRun::hosts
  std::vector<std::string> vms;    // scenario order: the index space of RunResult::left_down
  std::vector<std::string> services;  // the scenario's services, in its order
  std::size_t protected_total = 0;
  std::size_t protected_running = 0;  // placed on a host at 0 s
  std::uint64_t protected_memory = 0;  // bytes, all protected VMs
  // The VMs with restart priority `restart` larger than any host's memory for VMs: they can never start.
  std::vector<std::pair<std::string, std::uint64_t>> too_large;  // name, memory in bytes
  std::uint64_t largest_host_vm_memory = 0;  // bytes: scenario::largest_host_vm_memory of the pool sized
  std::size_t max_ntol = 0;            // the planner's max host failures to tolerate
  std::size_t ntol = 0;                // the scenario's host_failures_to_tolerate (after --ntol)
  models::PlanStatus ntol_status = models::PlanStatus::none;
  std::vector<models::PlanStatus> status;    // [k] = plan_status(k) for k = 1..n-1; [0] unused
  std::vector<models::Heuristic> heuristic;  // [k] = choose_heuristic(n, k)
  std::vector<CrashRun> runs;
  std::vector<RunResult> results;   // one per run
  std::vector<GroupResult> groups;  // simultaneous k = 1..n-1, then sequential k = 1..min(n-1, max+1)
  std::vector<Disagreement> disagreements;
};

// Plans, runs every crash set and sums them up. std::runtime_error when a run fails.
SizeResult analyse(const scenario::ScenarioSpec& spec, const std::string& file, const SizeOptions& options,
                   const Progress& progress);

// The text report (docs/sizing.md "Reading the output").
void print_report(const SizeResult& result, std::ostream& out);

// The HDF5 file of `result` (docs/hdf5-layout.md "Size files"), written whole or not at all; `scenario_yaml` is
// the scenario file's text. std::runtime_error naming the path when it cannot be written.
void write_size_h5(const SizeResult& result, const std::filesystem::path& path, const std::string& scenario_yaml);

// analyse and print_report. Returns the number of disagreements found.
std::size_t size_report(const scenario::ScenarioSpec& spec, const std::string& file, const SizeOptions& options,
                        std::ostream& out, const Progress& progress);

}  // namespace poolsim::sizing
