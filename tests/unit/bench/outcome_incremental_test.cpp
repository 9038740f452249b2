// The outcome recorder reads, at a record's sample, only the VMs named by a record of that instant
// (include/poolsim/scenario/outcome.hpp). These tests run bundled scenarios and swarm cases with a second
// recorder in verifying mode, which also reads every other VM at every sample and throws std::logic_error
// if one changed: the incremental histories are then those of reading everything. They also check that the
// verification can fail, by hiding the VMs' own records from it.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "poolsim/kernel/event_bus.hpp"
#include "poolsim/scenario/build.hpp"
#include "poolsim/scenario/load.hpp"
#include "poolsim/scenario/outcome.hpp"
#include "poolsim/analysis/swarm.hpp"

namespace poolsim::scenario {
namespace {

// Forwards records to a recorder, except those whose source is a VM's ("vm/<name>") when `hide_vms`.
class Filter : public TimelineObserver {
 public:
  Filter(OutcomeRecorder& to, bool hide_vms) : to_(to), hide_vms_(hide_vms) {}
  void on_record(const TimelineRecord& record) override {
    if (hide_vms_ && record.source.starts_with("vm/")) return;
    ++forwarded_;
    to_.on_record(record);
  }
  void on_finish(SimTime end) override { to_.on_finish(end); }
  std::size_t forwarded() const { return forwarded_; }

 private:
  OutcomeRecorder& to_;
  bool hide_vms_;
  std::size_t forwarded_ = 0;
};

// Runs `spec` to its end with a verifying recorder behind a Filter; returns the number of records it saw.
// Throws what the verification throws.
std::size_t run_verified(const ScenarioSpec& spec, bool hide_vms) {
  BuildResult built = build_simulation(spec, spec.name);
  if (!built.simulation) throw std::runtime_error("scenario " + spec.name + " does not build");
  Simulation& sim = *built.simulation;
  OutcomeRecorder checker(sim.queue(), sim.pool(), {});
  checker.set_verify(true);
  Filter filter(checker, hide_vms);
  sim.bus().subscribe(filter);
  // The first sample once the pool has started (Simulation::run starts it before its first event).
  sim.queue().schedule_at(SimTime{}, Phase::fault, [&checker] { checker.begin(); });
  sim.run(SimTime{} + spec.until);
  return filter.forwarded();
}

std::vector<std::filesystem::path> library_scenarios() {
  std::vector<std::filesystem::path> out;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(POOLSIM_SOURCE_DIR) + "/scenarios")) {
    if (entry.path().extension() == ".yaml") out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(OutcomeIncremental, LibraryScenariosReadEveryChangedVm) {
  std::size_t ran = 0;
  for (const std::filesystem::path& path : library_scenarios()) {
    const LoadResult loaded = load_scenario(path.string());
    if (!loaded.spec) continue;
    for (std::uint64_t seed : {1U, 2U}) {
      ScenarioSpec spec = *loaded.spec;
      spec.seed = seed;
      BuildResult probe = build_simulation(spec, path.string());
      if (!probe.simulation) continue;  // refused: says more than poolsim simulates
      EXPECT_NO_THROW(run_verified(spec, false)) << path << " seed " << seed;
      ++ran;
    }
  }
  EXPECT_GE(ran, 20U);  // most of the library's scenarios run
}

TEST(OutcomeIncremental, SwarmCasesReadEveryChangedVm) {
  analysis::SwarmOptions options;
  options.hosts_max = 16;
  for (std::uint64_t seed = 2000; seed < 2040; ++seed) {
    EXPECT_NO_THROW(run_verified(analysis::generate_swarm_case(seed, options), false)) << "swarm case " << seed;
  }
}

// Without the VMs' own records, the VMs a record's sample skips do change, and the verification says so.
TEST(OutcomeIncremental, VerificationFailsWhenTheVmsRecordsAreHidden) {
  const LoadResult loaded = load_scenario(std::string(POOLSIM_SOURCE_DIR) + "/scenarios/tutorial-cable-pull.yaml");
  ASSERT_TRUE(loaded.spec.has_value());
  EXPECT_GT(run_verified(*loaded.spec, false), 0U);
  EXPECT_THROW(run_verified(*loaded.spec, true), std::logic_error);
}

}  // namespace
}  // namespace poolsim::scenario
