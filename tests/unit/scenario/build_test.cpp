#include "poolsim/scenario/build.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "poolsim/scenario/load.hpp"

namespace poolsim::scenario {
namespace {

// Two hosts on one switch, one iSCSI SR with two portals, a protected VM on the master; tests change one thing.
constexpr std::string_view pool_text = R"(name: two-hosts
seed: 3
until: 20m
pool:
  switches:
    - {name: sw1}
  storage:
    - name: sr1
      type: iscsi
      size: 80GiB
      portals: [{name: tgt-a, switch: sw1}, {name: tgt-b, switch: sw1}]
    - {name: disk1, type: local, size: 100GiB, host: xs1}
  networks:
    - {name: lan}
  hosts:
    - name: xs1
      master: true
      memory: 32GiB
      cpus: 8
      nics: [{name: eth0, switch: sw1}, {name: eth1, switch: sw1}]
      bonds: [{name: bond0, members: [eth0, eth1], mode: active_backup}]
      management: bond0
      pif_networks: {lan: bond0}
    - name: xs2
      memory: 16GiB
      cpus: 8
      nics: [{name: eth0, switch: sw1}]
      management: eth0
      pif_networks: {lan: eth0}
  vms:
    - {name: web, memory: 4GiB, vcpus: 2, host: xs1, disks: [sr1], networks: [lan], ha: {restart_priority: restart}}
    - {name: db, memory: 8GiB, vcpus: 2, host: xs2, disks: [sr1], networks: [lan]}
  ha:
    enabled: true
    heartbeat_sr: sr1
    host_failures_to_tolerate: 1
faults:
  - {at: 5m, do: unplug, host: xs1, nic: [eth0, eth1]}
expect:
  - {host: xs1, state: fenced, within: [5m, 7m]}
  - {master: xs2, by: 7m}
  - {vm: web, state: running, on: xs2, by: 9m}
)";

std::string replaced(std::string_view text, std::string_view old, std::string_view by) {
  std::string out(text);
  const std::size_t at = out.find(old);
  EXPECT_NE(at, std::string::npos) << old;
  if (at != std::string::npos) out.replace(at, old.size(), by);
  return out;
}

ScenarioSpec loaded(const std::string& text) {
  LoadResult result = load_scenario_text(text, "two.yaml");
  for (const Diagnostic& d : result.diagnostics) ADD_FAILURE() << format_diagnostic(d);
  if (!result.spec) throw std::runtime_error("the test's scenario does not load");
  return std::move(*result.spec);
}

std::vector<std::string> messages(const BuildResult& result) {
  std::vector<std::string> out;
  for (const Diagnostic& d : result.diagnostics) out.push_back(format_diagnostic(d));
  return out;
}

TEST(Build, TwoHostPoolBuildsWithHostsInFileOrder) {
  const BuildResult result = build_simulation(loaded(std::string(pool_text)), "two.yaml");
  ASSERT_TRUE(result.simulation) << ::testing::PrintToString(messages(result));
  EXPECT_TRUE(result.diagnostics.empty());
  const Simulation& sim = *result.simulation;
  ASSERT_EQ(sim.pool().host_count(), 2u);
  EXPECT_EQ(sim.pool().host_name(0), "xs1");
  EXPECT_EQ(sim.pool().host_name(1), "xs2");
  EXPECT_EQ(sim.host_index("xs2"), 1u);
  ASSERT_EQ(sim.pool().vm_count(), 2u);
  EXPECT_EQ(sim.vm_index("db"), 1u);
  EXPECT_EQ(sim.host_index("nope"), std::nullopt);
}

TEST(Build, HostsRankByUuidWhenEveryHostHasOne) {
  std::string text = replaced(pool_text, "    - name: xs1\n", "    - name: xs1\n      uuid: F0000000-0000-0000-0000-000000000000\n");
  text = replaced(text, "    - name: xs2\n", "    - name: xs2\n      uuid: 0a000000-0000-0000-0000-000000000000\n");
  const BuildResult result = build_simulation(loaded(text), "two.yaml");
  ASSERT_TRUE(result.simulation) << ::testing::PrintToString(messages(result));
  const Simulation& sim = *result.simulation;
  EXPECT_EQ(sim.pool().host_name(0), "xs2");  // 0a... < f0... (compared case-insensitively)
  EXPECT_EQ(sim.pool().host_name(1), "xs1");
  EXPECT_EQ(sim.host_index("xs1"), 1u);
}

TEST(Build, TieBreakOrderIsFileOrderWithoutUuids) {
  const ScenarioSpec spec = loaded(std::string(pool_text));
  EXPECT_EQ(tie_break_order(spec.pool), (std::vector<std::size_t>{0, 1}));
}

// The budget given is the bus's; by default 10^7. A run past it stops at the record after it.
TEST(Build, RecordBudget) {
  const BuildResult defaulted = build_simulation(loaded(std::string(pool_text)), "two.yaml");
  ASSERT_TRUE(defaulted.simulation);
  EXPECT_EQ(defaulted.simulation->bus().record_budget(), std::uint64_t{10'000'000});
  BuildOptions options;
  options.record_budget = 3;
  BuildResult result = build_simulation(loaded(std::string(pool_text)), "two.yaml", options);
  ASSERT_TRUE(result.simulation);
  EXPECT_THROW(result.simulation->run(SimTime::zero() + Duration::minutes(20)), RecordBudgetExceeded);
  EXPECT_EQ(result.simulation->bus().published(), 3u);
}

TEST(Build, StartPlacesVmsOnTheirHostsAndTheMaster) {
  BuildResult result = build_simulation(loaded(std::string(pool_text)), "two.yaml");
  ASSERT_TRUE(result.simulation);
  Simulation& sim = *result.simulation;
  sim.run(SimTime::zero() + Duration::minutes(1));  // before the fault
  EXPECT_EQ(sim.pool().master(), 0u);
  EXPECT_EQ(sim.pool().vm_state(0), models::VmState::running);
  EXPECT_EQ(sim.pool().vm_host(0), 0u);
  EXPECT_EQ(sim.pool().vm_host(1), 1u);
  EXPECT_EQ(sim.pool().host_state(0), models::HostState::up);
}

TEST(Build, ScriptedUnplugOfBothCablesFencesTheMasterAndMovesItsVm) {
  BuildResult result = build_simulation(loaded(std::string(pool_text)), "two.yaml");
  ASSERT_TRUE(result.simulation);
  Simulation& sim = *result.simulation;
  sim.run(SimTime::zero() + Duration::minutes(20));
  EXPECT_EQ(sim.pool().master(), 1u);
  const std::vector<Verdict> verdicts = sim.outcome().verdicts();
  ASSERT_EQ(verdicts.size(), 3u);
  for (const Verdict& v : verdicts) EXPECT_TRUE(v.passed) << v.text << ": " << v.reason;
  EXPECT_EQ(verdicts[1].text, "master xs2 by 7m");
  EXPECT_EQ(verdicts[0].text, "host xs1 fenced within [5m, 7m]");
}

TEST(Build, FailedExpectationSaysWhatWasSeen) {
  const std::string text = replaced(pool_text, "{master: xs2, by: 7m}", "{master: xs1, by: 9m}");
  BuildResult result = build_simulation(loaded(text), "two.yaml");
  ASSERT_TRUE(result.simulation);
  result.simulation->run(SimTime::zero() + Duration::minutes(20));
  const std::vector<Verdict> verdicts = result.simulation->outcome().verdicts();
  ASSERT_EQ(verdicts.size(), 3u);
  EXPECT_FALSE(verdicts[1].passed);
  EXPECT_EQ(verdicts[1].text, "master xs1 by 9m");
  EXPECT_EQ(verdicts[1].reason, "the master at 540.000000 is xs2");
}

TEST(Build, ExpectationPastTheEndOfTheRunFails) {
  BuildResult result = build_simulation(loaded(std::string(pool_text)), "two.yaml");
  ASSERT_TRUE(result.simulation);
  result.simulation->run(SimTime::zero() + Duration::minutes(6));
  const std::vector<Verdict> verdicts = result.simulation->outcome().verdicts();
  ASSERT_EQ(verdicts.size(), 3u);
  EXPECT_FALSE(verdicts[1].passed);
  EXPECT_EQ(verdicts[1].reason, "the run ended at 360.000000, before 420.000000");
}

// Every verb is simulated: the CD verbs build and run (their effect is pinned in models' pool_test).
TEST(Build, CdVerbsAreScheduled) {
  const std::string text =
      replaced(pool_text, "  - {at: 5m, do: unplug, host: xs1, nic: [eth0, eth1]}\n",
               "  - {at: 5m, do: insert_cd, vm: db}\n  - {at: 6m, do: eject_cd, vm: db}\n");
  BuildResult result = build_simulation(loaded(text), "two.yaml");
  ASSERT_TRUE(result.simulation) << ::testing::PrintToString(messages(result));
  result.simulation->run(SimTime::zero() + Duration::minutes(10));
  EXPECT_EQ(result.simulation->pool().vm_state(1), models::VmState::running);
}

// With ntol 1, a pool of two cannot lose a host to maintenance (overcommit protection): ntol goes to 0 first.
TEST(Build, OperationsAreScheduled) {
  std::string text = replaced(pool_text, "  - {at: 5m, do: unplug, host: xs1, nic: [eth0, eth1]}\n",
                              "  - {at: 4m, do: set_ntol, value: 0}\n  - {at: 5m, do: enter_maintenance, host: xs2}\n"
                              "  - {at: 6m, do: vm_shutdown, vm: web}\n");
  text = replaced(text, "expect:\n", "expect:\n  - {host: xs2, state: maintenance, by: 10m}\n  - {vm: web, state: halted, by: 10m}\n");
  BuildResult result = build_simulation(loaded(text), "two.yaml");
  ASSERT_TRUE(result.simulation) << ::testing::PrintToString(messages(result));
  result.simulation->run(SimTime::zero() + Duration::minutes(20));
  const std::vector<Verdict> verdicts = result.simulation->outcome().verdicts();
  ASSERT_EQ(verdicts.size(), 5u);
  EXPECT_TRUE(verdicts[0].passed) << verdicts[0].reason;
  EXPECT_TRUE(verdicts[1].passed) << verdicts[1].reason;
  EXPECT_EQ(result.simulation->pool().host_state(1), models::HostState::maintenance);
  EXPECT_EQ(result.simulation->pool().vm_state(1), models::VmState::running);  // db evacuated to xs1
  EXPECT_EQ(result.simulation->pool().vm_host(1), 0u);
}

// A live migration runs at the lower management speed of its two hosts (docs/model.md, Operations): xs2's db
// (8 GiB) moves to xs1 in 8 GiB / 1.25 GB/s = 6.9 s on 10 GbE everywhere, and in 68.7 s on the default 1 GbE.
TEST(Build, MigrationsRunAtTheManagementSpeed) {
  for (const bool fast : {true, false}) {
    std::string text = replaced(pool_text, "  - {at: 5m, do: unplug, host: xs1, nic: [eth0, eth1]}\n",
                                "  - {at: 4m, do: set_ntol, value: 0}\n  - {at: 5m, do: enter_maintenance, host: xs2}\n");
    text = replaced(text, "expect:\n  - {host: xs1, state: fenced, within: [5m, 7m]}\n  - {master: xs2, by: 7m}\n"
                          "  - {vm: web, state: running, on: xs2, by: 9m}\n",
                    "expect:\n  - {host: xs2, state: maintenance, within: [5m, 5m10s]}\n");
    if (fast) {
      text = replaced(text, "      nics: [{name: eth0, switch: sw1}, {name: eth1, switch: sw1}]\n",
                      "      nics: [{name: eth0, switch: sw1, speed: 10Gbit/s}, {name: eth1, switch: sw1, speed: 10Gbit/s}]\n");
      text = replaced(text, "      nics: [{name: eth0, switch: sw1}]\n", "      nics: [{name: eth0, switch: sw1, speed: 10Gbit/s}]\n");
    }
    BuildResult result = build_simulation(loaded(text), "two.yaml");
    ASSERT_TRUE(result.simulation) << ::testing::PrintToString(messages(result));
    result.simulation->run(SimTime::zero() + Duration::minutes(20));
    const std::vector<Verdict> verdicts = result.simulation->outcome().verdicts();
    ASSERT_EQ(verdicts.size(), 1u);
    EXPECT_EQ(verdicts[0].passed, fast) << verdicts[0].text << ": " << verdicts[0].reason;
  }
}

TEST(Build, RandomFaultsAndRestartAttemptsBuild) {
  std::string text = replaced(pool_text, "expect:\n",
                              "random_faults:\n  - {target: hosts, do: crash, mtbf: 90d, repair: {distribution: "
                              "fixed, value: 1h}}\nexpect:\n");
  text = replaced(text, "    host_failures_to_tolerate: 1\n", "    host_failures_to_tolerate: 1\n    xapi: {restart_attempts: 2}\n");
  const BuildResult result = build_simulation(loaded(text), "two.yaml");
  EXPECT_TRUE(result.simulation) << ::testing::PrintToString(messages(result));
}

// A host whose HA daemon has started and is not yet in the live hosts' livesets is `joining` (docs/model.md "Host
// states"): xs2 crashes at 5m and is powered on at 8m; it is up after its 3 min boot, at 11m, and joins once its
// heartbeats and its slot have reached the live host, within a heartbeat round.
TEST(Build, ARebootedHostIsJoiningUntilTheLiveHostsAcceptIt) {
  std::string text = replaced(pool_text, "  - {at: 5m, do: unplug, host: xs1, nic: [eth0, eth1]}\n",
                              "  - {at: 5m, do: crash, host: xs2}\n  - {at: 8m, do: power_on, host: xs2}\n");
  text = replaced(text, "expect:\n  - {host: xs1, state: fenced, within: [5m, 7m]}\n  - {master: xs2, by: 7m}\n"
                        "  - {vm: web, state: running, on: xs2, by: 9m}\n",
                  "expect:\n  - {host: xs2, state: joining, within: [11m, 11m]}\n  - {host: xs2, state: up, within: "
                  "[11m, 11m5s]}\n");
  BuildResult result = build_simulation(loaded(text), "two.yaml");
  ASSERT_TRUE(result.simulation) << ::testing::PrintToString(messages(result));
  result.simulation->run(SimTime::zero() + Duration::minutes(20));
  for (const Verdict& v : result.simulation->outcome().verdicts()) EXPECT_TRUE(v.passed) << v.text << ": " << v.reason;
  EXPECT_EQ(result.simulation->pool().host_state(1), models::HostState::up);
}

}  // namespace
}  // namespace poolsim::scenario
