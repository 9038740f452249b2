#include "poolsim/scenario/load.hpp"

#include <gtest/gtest.h>

namespace poolsim::scenario {
namespace {

// A small valid pool; tests change one thing in it.
constexpr std::string_view pool_text = R"(name: small
seed: 7
until: 20m
pool:
  switches:
    - {name: sw1}
  storage:
    - name: sr1
      type: iscsi
      size: 80GiB
      portals: [{name: tgt-a, switch: sw1}]
      multipath: {no_path_retry: queue}
  networks:
    - {name: lan}
  hosts:
    - name: xs1
      master: true
      memory: 32GiB
      cpus: 8
      nics: [{name: eth0, switch: sw1}, {name: eth1, switch: sw1}]
      bonds: [{name: bond0, members: [eth0, eth1]}]
      management: bond0
      pif_networks: {lan: bond0}
    - name: xs2
      memory: 32GiB
      cpus: 8
      nics: [{name: eth0, switch: sw1}]
      management: eth0
      pif_networks: {lan: eth0}
  vms:
    - {name: web, memory: 4GiB, vcpus: 2, host: xs1, disks: [sr1], networks: [lan], ha: {restart_priority: restart}}
  ha:
    enabled: true
    heartbeat_sr: sr1
faults:
  - {at: 5m, do: unplug, host: xs1, nic: eth0}
  - {at: 6m, do: partition, groups: [[xs1], [xs2]]}
expect:
  - {host: xs1, state: fenced, within: [5m, 7m]}
)";

std::vector<std::string> messages(const LoadResult& result) {
  std::vector<std::string> out;
  for (const Diagnostic& d : result.diagnostics) out.push_back(format_diagnostic(d));
  return out;
}

std::string replaced(std::string_view text, std::string_view old, std::string_view by) {
  std::string out(text);
  const std::size_t at = out.find(old);
  EXPECT_NE(at, std::string::npos) << old;
  if (at != std::string::npos) out.replace(at, old.size(), by);
  return out;
}

TEST(Load, ReadsAValidPoolWithItsDefaults) {
  const LoadResult result = load_scenario_text(pool_text, "small.yaml");
  ASSERT_TRUE(result.spec) << ::testing::PrintToString(messages(result));
  EXPECT_TRUE(result.diagnostics.empty());
  const ScenarioSpec& spec = *result.spec;
  EXPECT_EQ(spec.name, "small");
  EXPECT_EQ(spec.seed, 7u);
  EXPECT_EQ(spec.until, Duration::minutes(20));
  ASSERT_EQ(spec.pool.hosts.size(), 2u);
  const HostSpec& xs1 = spec.pool.hosts[0];
  EXPECT_TRUE(xs1.master);
  EXPECT_EQ(xs1.memory, 32ULL << 30);
  EXPECT_EQ(xs1.boot_time, Duration::minutes(3));
  EXPECT_EQ(xs1.pos.line, 16);
  EXPECT_EQ(xs1.pos.column, 7);
  ASSERT_EQ(xs1.bonds.size(), 1u);
  const BondSpec& bond = xs1.bonds[0];
  EXPECT_EQ(bond.mode, BondMode::active_active);  // XenServer's default bond mode, balance-slb
  EXPECT_EQ(bond.miimon, Duration::milliseconds(100));
  EXPECT_EQ(bond.downdelay, Duration::milliseconds(200));
  EXPECT_EQ(bond.updelay, Duration::seconds(31));
  EXPECT_EQ(bond.lacp_rate, LacpRate::slow);
  ASSERT_EQ(xs1.storage_via.size(), 1u);
  EXPECT_EQ(xs1.storage_via[0].name, "bond0");  // defaults to the management interface
  const StorageSpec& sr = spec.pool.storage[0];
  EXPECT_EQ(sr.multipath.polling_interval, Duration::seconds(5));
  EXPECT_EQ(sr.multipath.no_path_retry, std::nullopt);  // queue
  EXPECT_EQ(sr.replacement_timeout, Duration::seconds(15));
  const HaSpec& ha = spec.pool.ha;
  EXPECT_EQ(ha.timeout, Duration::seconds(60));
  EXPECT_EQ(ha.interval_formula, IntervalFormula::current);
  EXPECT_EQ(ha.overrides.network_interval, std::nullopt);
  EXPECT_EQ(ha.xapi.monitor_interval, Duration::seconds(20));
  EXPECT_EQ(ha.xapi.restart_attempts, 1);
  const VmSpec& web = spec.pool.vms[0];
  EXPECT_EQ(web.ha.restart_priority, RestartPriority::restart);
  EXPECT_EQ(web.boot_time, Duration::minutes(1));
  ASSERT_EQ(spec.faults.size(), 2u);
  EXPECT_EQ(spec.faults[0].verb, FaultVerb::unplug);
  ASSERT_EQ(spec.faults[0].nics.size(), 1u);
  EXPECT_EQ(spec.faults[0].nics[0].name, "eth0");
  ASSERT_EQ(spec.faults[1].groups.size(), 2u);
  ASSERT_EQ(spec.expectations.size(), 1u);
  EXPECT_EQ(spec.expectations[0].kind, ExpectKind::host_state);
  EXPECT_EQ(spec.expectations[0].earliest, Duration::minutes(5));
  EXPECT_EQ(spec.expectations[0].latest, Duration::minutes(7));
}

TEST(Load, NoPathRetryTakesACountQueueOrFail) {
  auto retry = [](std::string_view value) {
    const LoadResult result = load_scenario_text(
        replaced(pool_text, "no_path_retry: queue", "no_path_retry: " + std::string(value)), "x.yaml");
    EXPECT_TRUE(result.spec) << ::testing::PrintToString(messages(result));
    return result.spec ? result.spec->pool.storage[0].multipath.no_path_retry : std::nullopt;
  };
  EXPECT_EQ(retry("fail"), 0);
  EXPECT_EQ(retry("30"), 30);
}

TEST(Load, ReportsEveryProblemCompilerStyle) {
  std::string text = replaced(pool_text, "    heartbeat_sr: sr1", "    heartbeat_sr: sr1\n    heartbeat_timout: 30s");
  text = replaced(text, "until: 20m", "until: 30");
  text = replaced(text, "  hosts:\n", "  hosts:\n    - {name: xs2, memory: 8GiB, cpus: 2, management: eth0}\n");
  const LoadResult result = load_scenario_text(text, "scenarios/pool3.yaml");
  EXPECT_FALSE(result.spec);
  const std::vector<std::string> want{
      "scenarios/pool3.yaml:3:8: error: duration '30' has no unit; write '30s' or '30000ms'",
      "scenarios/pool3.yaml:36:5: error: unknown key 'heartbeat_timout' in 'ha'; did you mean 'timeout'?",
      "scenarios/pool3.yaml:25:7: error: host 'xs2' is defined twice (first at 16:7)",
      "scenarios/pool3.yaml:16:54: error: host 'xs2' has no interface 'eth0'; define it in the nics or bonds of host 'xs2'",
  };
  EXPECT_EQ(messages(result), want);
}

TEST(Load, WarningsDoNotFailTheLoad) {
  const LoadResult result =
      load_scenario_text(replaced(pool_text, "{at: 6m, do: partition", "{at: 30m, do: partition"), "x.yaml");
  ASSERT_TRUE(result.spec);
  ASSERT_EQ(result.diagnostics.size(), 1u);
  EXPECT_EQ(result.diagnostics[0].severity, Severity::warning);
  EXPECT_FALSE(has_errors(result.diagnostics));
}

// A quoted scalar carries yaml-cpp's tag '!' as a written '!' does; only the written one is refused.
TEST(Load, AQuotedBangIsNoTag) {
  const LoadResult quoted = load_scenario_text(replaced(pool_text, "seed: 7", "seed: 7\ndescription: \"!x\""), "q.yaml");
  EXPECT_TRUE(quoted.spec) << ::testing::PrintToString(quoted.diagnostics.size());
  const LoadResult written = load_scenario_text(replaced(pool_text, "seed: 7", "seed: ! 7"), "w.yaml");
  ASSERT_FALSE(written.spec);
  EXPECT_EQ(format_diagnostic(written.diagnostics.at(0)),
            "w.yaml:2:7: error: YAML tag '!' here; the scenario format uses no tags, drop it and write the value alone "
            "(quoted, e.g. \"true\", to keep it text)");
}

TEST(Load, FormatsDiagnostics) {
  EXPECT_EQ(format_diagnostic({"a.yaml", 9, 3, Severity::error, "host 'xs4' is defined twice (first at 8:3)"}),
            "a.yaml:9:3: error: host 'xs4' is defined twice (first at 8:3)");
  EXPECT_EQ(format_diagnostic({"a.yaml", 0, 0, Severity::warning, "w"}), "a.yaml: warning: w");
}

TEST(Load, OverridesReplaceSeedAndUntil) {
  LoadResult result = load_scenario_text(pool_text, "x.yaml");
  ASSERT_TRUE(result.spec);
  ScenarioSpec spec = *result.spec;
  apply_overrides(spec, {});
  EXPECT_EQ(spec.seed, 7u);
  apply_overrides(spec, {42, Duration::hours(2)});
  EXPECT_EQ(spec.seed, 42u);
  EXPECT_EQ(spec.until, Duration::hours(2));
}

TEST(Load, EnumTablesRoundTrip) {
  EXPECT_EQ(to_string(BondMode::lacp_tcp), "lacp_tcp");
  EXPECT_EQ(enum_from_string<FaultVerb>("set_ntol"), FaultVerb::set_ntol);
  EXPECT_EQ(enum_from_string<FaultVerb>("explode"), std::nullopt);
  for (const auto& [verb, word] : fault_verb_names.entries) EXPECT_EQ(to_string(verb), word);
}

}  // namespace
}  // namespace poolsim::scenario
