// The HDF5 state tables and /summary say what the model's ground truth says: for generated swarm cases, the last
// state of every host and VM in /hosts/<h>/state and /vms/<v>/state is what Pool::host_state and Pool::vm_state
// give at the end, and /summary's downtime, restarts and fences are the outcome recorder's figures, which it
// reads from the ground truth. A record that changes a state without the table of records saying so (the
// vm_shutdown the HDF5 file once missed) fails here.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <cmath>
#include <filesystem>
#include <string>

#include <unistd.h>

#include "poolsim/analysis/run_one.hpp"
#include "poolsim/scenario/build.hpp"
#include "poolsim/scenario/emit.hpp"
#include "poolsim/analysis/swarm.hpp"
#include "unit/recording/h5_read.hpp"

namespace poolsim {
namespace {

namespace fs = std::filesystem;
using namespace h5read;

std::string last_state(hid_t file, const std::string& path) {
  std::vector<std::vector<std::string>> strings;
  const auto rows = read_table<IntervalRow>(file, path.c_str(), interval_columns, strings);
  return rows.empty() ? "" : strings.back()[0];
}

// One case: its final states and summary against the ground truth.
void check_case(std::uint64_t seed, const fs::path& dir) {
  const scenario::ScenarioSpec spec = analysis::generate_swarm_case(seed);
  const std::string yaml = scenario::to_yaml(spec);
  scenario::BuildResult built = scenario::build_simulation(spec, "swarm-" + std::to_string(seed) + ".yaml");
  ASSERT_TRUE(built.simulation) << "seed " << seed << ": the builder refused the case";
  scenario::Simulation& sim = *built.simulation;
  const fs::path path = dir / ("case-" + std::to_string(seed) + ".h5");
  const SimTime until = SimTime::zero() + spec.until;
  {
    batch::Hdf5Recording recording(sim, path, yaml, until);
    sim.run(until);
    recording.finish(until);
  }
  const models::Pool& pool = sim.pool();
  const scenario::RunFigures truth = sim.outcome().figures(until);
  const Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  for (models::HostIndex h = 0; h < pool.host_count(); ++h) {
    EXPECT_EQ(last_state(file.get(), "/hosts/" + pool.host_name(h) + "/state"), models::to_token(pool.host_state(h)))
        << "seed " << seed << ": host " << pool.host_name(h);
  }
  for (models::VmIndex v = 0; v < pool.vm_count(); ++v) {
    EXPECT_EQ(last_state(file.get(), "/vms/" + pool.vm_name(v) + "/state"), models::to_token(pool.vm_state(v)))
        << "seed " << seed << ": vm " << pool.vm_name(v);
  }
  std::vector<std::vector<std::string>> strings;
  const auto vms = read_table<VmSummaryRow>(file.get(), "/summary/vms", vm_summary_columns, strings);
  ASSERT_EQ(vms.size(), truth.vms.size()) << "seed " << seed;
  for (std::size_t v = 0; v < vms.size(); ++v) {
    EXPECT_NEAR(vms[v].downtime_s, static_cast<double>(truth.vms[v].downtime.ns()) / 1e9, 1e-6) << "seed " << seed << ": vm " << strings[v][0];
    EXPECT_EQ(vms[v].restarts, truth.vms[v].restarts) << "seed " << seed << ": vm " << strings[v][0];
  }
  const auto hosts = read_table<HostSummaryRow>(file.get(), "/summary/hosts", host_summary_columns, strings);
  ASSERT_EQ(hosts.size(), truth.host_fences.size()) << "seed " << seed;
  for (std::size_t h = 0; h < hosts.size(); ++h) {
    EXPECT_EQ(hosts[h].fences, truth.host_fences[h]) << "seed " << seed << ": host " << strings[h][0];
  }
}

TEST(StateTables, FinalStatesAndSummaryAreTheGroundTruthOnSwarmCases) {
  // Per process: two checkouts running the suite at once must not share the files.
  const fs::path dir = fs::path(::testing::TempDir()) / ("poolsim_state_truth." + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (std::uint64_t seed = 6000; seed < 6120; ++seed) check_case(seed, dir);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace poolsim
