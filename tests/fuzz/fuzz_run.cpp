// libFuzzer target of a whole run: bytes -> load_scenario_text -> build_simulation -> Simulation::run for a bounded
// simulated time, with the invariants checked throughout, as `poolsim run` would (without writing anything).
//
// Bounds, so that each input takes milliseconds: the file's `until` capped at one simulated day, and a record
// budget of 100 000 records (a run past it stops with RecordBudgetExceeded, an expected outcome: poolsim run exits 2
// there). What counts as a finding: a crash, a sanitizer report, an uncaught exception, an invariant violation
// (the model breaking a safety rule on a valid input), a timeout or an out-of-memory. docs/testing.md "Fuzzing".
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "poolsim/kernel/event_bus.hpp"
#include "poolsim/kernel/time.hpp"
#include "poolsim/scenario/build.hpp"
#include "poolsim/scenario/diagnostic.hpp"
#include "poolsim/scenario/load.hpp"

namespace {

constexpr poolsim::Duration max_until = poolsim::Duration::seconds(86'400);  // one simulated day
constexpr std::uint64_t record_budget = 100'000;  // 100x the library's longest run (956 records)

// Stops the run as a finding (libFuzzer reports the abort with the input that caused it).
void require(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace poolsim::scenario;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  LoadResult loaded = load_scenario_text(text, "fuzz.yaml");
  if (!loaded.spec) {
    require(has_errors(loaded.diagnostics));
    return 0;
  }
  ScenarioSpec& spec = *loaded.spec;
  spec.until = std::min(spec.until, max_until);
  BuildOptions options;
  options.record_budget = record_budget;
  BuildResult built = build_simulation(spec, "fuzz.yaml", options);
  if (!built.simulation) {
    require(has_errors(built.diagnostics));
    return 0;
  }
  try {
    built.simulation->run(poolsim::SimTime::zero() + spec.until);  // an InvariantViolation escapes: a finding
  } catch (const poolsim::RecordBudgetExceeded&) {
    return 0;  // stopped by its bound, as poolsim run stops
  }
  require(built.simulation->bus().published() <= record_budget);
  return 0;
}
