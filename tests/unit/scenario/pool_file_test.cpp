// One pool, many scenarios: `pool: {from: FILE, ...}` and the what-if changes (scenario/what_if.hpp).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "poolsim/scenario/emit.hpp"
#include "poolsim/scenario/load.hpp"
#include "poolsim/scenario/what_if.hpp"

namespace poolsim::scenario {
namespace {

namespace fs = std::filesystem;

// The pool file: a whole scenario, as `poolsim import` writes one; only its pool is taken.
constexpr std::string_view pool_file = R"(name: lab
until: 1h
pool:
  switches:
    - {name: sw1}
  storage:
    - {name: nfs-sr, type: nfs, size: 2TiB, portals: [{name: filer, switch: sw1}]}
  networks:
    - {name: lan}
  hosts:
    - {name: xs1, master: true, memory: 64GiB, cpus: 16, nics: [{name: eth0, switch: sw1}], management: eth0, pif_networks: {lan: eth0}}
    - {name: xs2, memory: 64GiB, cpus: 16, nics: [{name: eth0, switch: sw1}], management: eth0, pif_networks: {lan: eth0}}
    - {name: xs3, memory: 64GiB, cpus: 16, nics: [{name: eth0, switch: sw1}], management: eth0, pif_networks: {lan: eth0}}
  vms:
    - {name: web, memory: 8GiB, vcpus: 2, host: xs1, disks: [nfs-sr], networks: [lan], ha: {restart_priority: restart}}
    - {name: db, memory: 16GiB, vcpus: 4, host: xs2, disks: [nfs-sr], networks: [lan], ha: {restart_priority: restart}}
    - {name: build, memory: 4GiB, vcpus: 2, host: xs2, disks: [nfs-sr], networks: [lan]}
  ha: {enabled: true, heartbeat_sr: nfs-sr, timeout: 60s, host_failures_to_tolerate: 1}
faults:
  - {at: 5m, do: crash, host: xs3}
)";

// A folder of its own per test, with the pool file in it.
class PoolFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("poolsim_pool_file_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "pools");
    write("pools/lab.yaml", pool_file);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write(const std::string& name, std::string_view text) const { std::ofstream(dir_ / name) << text; }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // Loads the scenario text as if it were the file `scenario.yaml` of the folder.
  LoadResult load(std::string_view scenario, const WhatIf* what_if = nullptr) const {
    return load_scenario_text(scenario, path("scenario.yaml"), what_if);
  }

  fs::path dir_;
};

std::vector<std::string> messages(const LoadResult& result) {
  std::vector<std::string> out;
  for (const Diagnostic& d : result.diagnostics) out.push_back(format_diagnostic(d));
  return out;
}

std::vector<std::string> names(const std::vector<HostSpec>& hosts) {
  std::vector<std::string> out;
  for (const HostSpec& h : hosts) out.push_back(h.name);
  return out;
}

TEST_F(PoolFile, TakesThePoolOfAnotherFileAndNothingElse) {
  const LoadResult result = load(R"(name: xs2-crash
until: 30m
pool: {from: pools/lab.yaml}
faults:
  - {at: 5m, do: crash, host: xs2}
)");
  ASSERT_TRUE(result.spec) << ::testing::PrintToString(messages(result));
  const ScenarioSpec& spec = *result.spec;
  EXPECT_EQ(spec.name, "xs2-crash");
  EXPECT_EQ(spec.pool_file, path("pools/lab.yaml"));
  EXPECT_EQ(names(spec.pool.hosts), (std::vector<std::string>{"xs1", "xs2", "xs3"}));
  EXPECT_EQ(spec.pool.vms.size(), 3U);
  ASSERT_EQ(spec.faults.size(), 1U);  // the scenario's own faults, not the pool file's
  EXPECT_EQ(spec.faults[0].host.name, "xs2");
  EXPECT_TRUE(spec.changes.empty());
  EXPECT_EQ(spec.pool.hosts[1].pos.file, 1);
  EXPECT_EQ(spec.faults[0].pos.file, 0);

  // Recorded as the whole scenario, which loads alone and gives the same pool.
  const std::string recorded = recorded_scenario(spec, "the text", "scenario.yaml");
  EXPECT_NE(recorded.find("# The scenario scenario.yaml with the pool of " + path("pools/lab.yaml")), std::string::npos);
  const LoadResult again = load_scenario_text(recorded, "recorded.yaml");
  ASSERT_TRUE(again.spec) << ::testing::PrintToString(messages(again));
  EXPECT_EQ(to_yaml(*again.spec), to_yaml(spec));
}

TEST_F(PoolFile, ProblemsInThePoolFileNameIt) {
  write("pools/bad.yaml", std::string(pool_file).replace(std::string(pool_file).find("host: xs2, disks"), 9,
                                                            "host: xs9"));
  const LoadResult result = load("name: s\nuntil: 30m\npool: {from: pools/bad.yaml}\nfaults:\n"
                                 "  - {at: 5m, do: crash, host: xs7}\n");
  EXPECT_FALSE(result.spec);
  const std::string lab = path("pools/bad.yaml");
  const std::vector<std::string> want{
      lab + ":16:49: error: unknown host 'xs9'; did you mean 'xs1'?",
      path("scenario.yaml") + ":5:31: error: unknown host 'xs7'; did you mean 'xs1'?",
  };
  EXPECT_EQ(messages(result), want);
}

TEST_F(PoolFile, AnAddedHostThatIsAlreadyThereIsReportedWithBothPlaces) {
  const LoadResult result = load(R"(name: s
until: 30m
pool:
  from: pools/lab.yaml
  add_hosts:
    - {name: xs2, memory: 64GiB, cpus: 16, nics: [{name: eth0, switch: sw1}], management: eth0, pif_networks: {lan: eth0}}
)");
  EXPECT_FALSE(result.spec);
  const std::vector<std::string> want{path("scenario.yaml") + ":6:7: error: host 'xs2' is defined twice (first at " +
                                      path("pools/lab.yaml") + ":12:7)"};
  EXPECT_EQ(messages(result), want);
}

TEST_F(PoolFile, WhatIfKeysChangeThePoolInOrder) {
  const LoadResult result = load(R"(name: s
until: 30m
pool:
  from: pools/lab.yaml
  remove_vms: [build]
  remove_hosts: [xs2]
  add_hosts:
    - {name: xs4, memory: 128GiB, cpus: 32, nics: [{name: eth0, switch: sw1}], management: eth0, pif_networks: {lan: eth0}}
  add_vms:
    - {name: cache, memory: 2GiB, vcpus: 1, host: xs4, disks: [nfs-sr], networks: [lan]}
  ha: {timeout: 90s, host_failures_to_tolerate: 2}
)");
  ASSERT_TRUE(result.spec) << ::testing::PrintToString(messages(result));
  const ScenarioSpec& spec = *result.spec;
  EXPECT_EQ(names(spec.pool.hosts), (std::vector<std::string>{"xs1", "xs3", "xs4"}));
  ASSERT_EQ(spec.pool.vms.size(), 3U);
  EXPECT_EQ(spec.pool.vms[1].name, "db");
  EXPECT_TRUE(spec.pool.vms[1].host.name.empty());  // halted with xs2 gone, and still HA's to start
  EXPECT_TRUE(spec.pool.vms[1].always_run_when_halted);
  EXPECT_TRUE(protected_at_start(spec.pool.vms[1]));
  EXPECT_EQ(spec.pool.vms[2].name, "cache");
  EXPECT_EQ(spec.pool.ha.timeout, Duration::seconds(90));
  EXPECT_EQ(spec.pool.ha.host_failures_to_tolerate, 2);
  EXPECT_TRUE(spec.pool.ha.enabled);  // the keys not given stay the file's
  EXPECT_EQ(spec.pool.ha.heartbeat_sr.name, "nfs-sr");
  const std::vector<std::string> changes{"remove VM build", "remove host xs2", "add host xs4", "add VM cache",
                                         "ha timeout", "ha host_failures_to_tolerate"};
  EXPECT_EQ(spec.changes, changes);
  // The halted protected VM survives the round trip through the recorded YAML (`ha: {always_run: true}`).
  const LoadResult again = load_scenario_text(recorded_scenario(spec, "", "s.yaml"), "recorded.yaml");
  ASSERT_TRUE(again.spec) << ::testing::PrintToString(messages(again));
  EXPECT_TRUE(protected_at_start(again.spec->pool.vms[1]));
  EXPECT_EQ(to_yaml(*again.spec), to_yaml(spec));
}

TEST_F(PoolFile, RefusesWhatCannotBeFollowed) {
  write("pools/nested.yaml", "pool: {from: lab.yaml}\n");
  const std::string base = "name: s\nuntil: 30m\n";
  const auto first = [&](const std::string& pool) {
    const LoadResult result = load(base + pool);
    EXPECT_FALSE(result.spec) << pool;
    return result.diagnostics.empty() ? std::string() : format_diagnostic(result.diagnostics.front());
  };
  EXPECT_EQ(first("pool: {from: pools/none.yaml}\n"),
            path("scenario.yaml") + ":3:8: error: the pool file '" + path("pools/none.yaml") +
                "' cannot be opened; 'from' is a path relative to the scenario's folder");
  EXPECT_EQ(first("pool: {from: pools}\n"), path("scenario.yaml") + ":3:8: error: the pool file '" + path("pools") +
                                                "' is a directory; 'from' is a path relative to the scenario's folder");
  EXPECT_EQ(first("pool: {from: pools/nested.yaml}\n"),
            path("pools/nested.yaml") + ":1:7: error: this pool takes its own pool from another file; a pool file must "
                                        "hold its pool written out (one level of 'from')");
  EXPECT_EQ(first("pool: {from: pools/lab.yaml, remove_hosts: [xs5]}\n"),
            path("scenario.yaml") + ":3:45: error: no host 'xs5' in the pool of " + path("pools/lab.yaml") +
                "; did you mean 'xs1'?");
  EXPECT_EQ(first("pool: {from: pools/lab.yaml, hosts: []}\n"),
            path("scenario.yaml") + ":3:30: error: unknown key 'hosts' in 'pool'; the keys are from, remove_vms, "
                                    "remove_hosts, add_hosts, add_vms, ha");
}

TEST_F(PoolFile, CommandLineChangesAreValidatedWithTheScenario) {
  WhatIf what_if;
  what_if.remove_hosts = {"xs3"};
  // The pool file as a scenario of its own: its fault names the removed host.
  const LoadResult result = load_scenario(path("pools/lab.yaml"), &what_if);
  EXPECT_FALSE(result.spec);
  const std::vector<std::string> want{
      path("pools/lab.yaml") + ":20:31: error: unknown host 'xs3'; did you mean 'xs1'?",
      path("pools/lab.yaml") + ": error: the problems above are in the pool after the what-if options "
                               "(--remove-host xs3): drop the options, or edit what names the removed elements",
  };
  EXPECT_EQ(messages(result), want);

  what_if = {};
  what_if.remove_vms = {"web"};
  what_if.add_hosts = {32ULL << 30};
  what_if.ha_timeout = Duration::seconds(120);
  what_if.ntol = 2;
  const LoadResult changed = load_scenario(path("pools/lab.yaml"), &what_if);
  ASSERT_TRUE(changed.spec) << ::testing::PrintToString(messages(changed));
  EXPECT_EQ(names(changed.spec->pool.hosts), (std::vector<std::string>{"xs1", "xs2", "xs3", "added-1"}));
  EXPECT_EQ(changed.spec->pool.ha.timeout, Duration::seconds(120));
  const std::vector<std::string> changes{"--remove-vm web", "--add-host 32GiB", "--ha-timeout 2m", "--ntol 2"};
  EXPECT_EQ(changed.spec->changes, changes);

  what_if = {};
  what_if.remove_vms = {"nope"};
  const LoadResult unknown = load_scenario(path("pools/lab.yaml"), &what_if);
  EXPECT_FALSE(unknown.spec);
  EXPECT_EQ(messages(unknown), (std::vector<std::string>{path("pools/lab.yaml") +
                                                         ": error: --remove-vm: no VM named 'nope' in the pool"}));
}

TEST_F(PoolFile, AlwaysRunNeedsRestartPriority) {
  const std::string text = std::string(pool_file).replace(std::string(pool_file).find("networks: [lan]}\n  ha:"), 16,
                                                          "networks: [lan], ha: {always_run: true}}");
  const LoadResult result = load_scenario_text(text, "x.yaml");
  EXPECT_FALSE(result.spec);
  ASSERT_EQ(result.diagnostics.size(), 1U);
  EXPECT_EQ(format_diagnostic(result.diagnostics[0]),
            "x.yaml:17:95: error: 'always_run' in 'ha' of vm 'build' needs restart_priority: restart (xapi sets "
            "ha_always_run only for VMs HA restarts); add it or drop always_run");
}

}  // namespace
}  // namespace poolsim::scenario
