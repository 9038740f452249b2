#include "poolsim/analysis/swarm.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>

#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "poolsim/scenario/emit.hpp"
#include "poolsim/scenario/ha_view.hpp"
#include "poolsim/scenario/load.hpp"
#include "poolsim/analysis/shrink.hpp"

namespace poolsim::analysis {
namespace {

ScenarioSpec loaded(const std::string& yaml) {
  LoadResult result = load_scenario_text(yaml, "case.yaml");
  std::string messages;
  for (const Diagnostic& d : result.diagnostics) messages += format_diagnostic(d) + "\n";
  EXPECT_TRUE(result.spec) << messages << yaml;
  return result.spec ? *result.spec : ScenarioSpec{};
}

// Every generated case is a valid scenario file whose YAML reads back to the same case, and is healed.
TEST(Swarm, GeneratedCasesLoadRoundTripAndHeal) {
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    const ScenarioSpec spec = generate_swarm_case(seed);
    const std::string yaml = to_yaml(spec);
    const ScenarioSpec back = loaded(yaml);
    EXPECT_EQ(to_yaml(back), yaml) << "seed " << seed;
    EXPECT_EQ(unhealed(spec), "") << "seed " << seed;
    EXPECT_GE(spec.pool.hosts.size(), 2u);
    EXPECT_LE(spec.pool.hosts.size(), 16u);
  }
}

TEST(Swarm, SameSeedSameCase) {
  EXPECT_EQ(to_yaml(generate_swarm_case(42)), to_yaml(generate_swarm_case(42)));
  EXPECT_NE(to_yaml(generate_swarm_case(42)), to_yaml(generate_swarm_case(43)));
  SwarmOptions small;
  small.hosts_max = 3;
  for (std::uint64_t seed = 1; seed <= 50; ++seed) EXPECT_LE(generate_swarm_case(seed, small).pool.hosts.size(), 3u);
}

// Over a few hundred seeds, every scripted verb the builder simulates is drawn, and no case is invalid.
TEST(Swarm, EveryVerbIsDrawnAndNoCaseIsInvalid) {
  std::set<FaultVerb> verbs;
  std::set<BondMode> modes;
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    const ScenarioSpec spec = generate_swarm_case(seed);
    for (const FaultSpec& f : spec.faults) verbs.insert(f.verb);
    for (const HostSpec& h : spec.pool.hosts) {
      for (const BondSpec& b : h.bonds) modes.insert(b.mode);
    }
    EXPECT_NE(check_swarm_case(spec).failure, SwarmFailure::invalid) << "seed " << seed;
  }
  for (const FaultVerb verb : {FaultVerb::crash, FaultVerb::power_on, FaultVerb::reboot, FaultVerb::unplug,
                               FaultVerb::replug, FaultVerb::switch_fail, FaultVerb::switch_restore,
                               FaultVerb::portal_fail, FaultVerb::portal_restore, FaultVerb::storage_fail,
                               FaultVerb::storage_restore, FaultVerb::partition, FaultVerb::heal, FaultVerb::xapi_hang,
                               FaultVerb::xapi_restore, FaultVerb::enter_maintenance, FaultVerb::exit_maintenance,
                               FaultVerb::ha_disable, FaultVerb::ha_enable, FaultVerb::vm_start,
                               FaultVerb::vm_shutdown}) {
    EXPECT_TRUE(verbs.count(verb)) << to_string(verb);
  }
  EXPECT_EQ(modes.size(), 4u);
}

// The bound of a pool with T = 60 s (t = 3 s), boot 3 min, one VM of boot 1 min and start_delay 30 s.
TEST(Swarm, LivenessBoundFromTimers) {
  ScenarioSpec spec = generate_swarm_case(1);
  spec.pool.ha.timeout = Duration::seconds(60);
  spec.pool.ha.interval_formula = IntervalFormula::current;
  spec.pool.ha.overrides = {};
  for (HostSpec& h : spec.pool.hosts) h.boot_time = Duration::minutes(3);
  spec.pool.vms.resize(1);
  spec.pool.vms[0].boot_time = Duration::minutes(1);
  spec.pool.vms[0].ha.start_delay = Duration::seconds(30);
  const LivenessBound bound = liveness_bound(spec);
  // 5 + 6 + 2 (15 + 60 + 3 + 15 + 3 + 60) + 183 + 120 + 30 + 90 + 140 + 60.
  const Duration want = Duration::seconds(5 + 6 + 2 * 156 + 183 + 120 + 30 + 90 + 140 + 60);
  EXPECT_EQ(bound.total, want) << bound.derivation;
}

TEST(Swarm, UnhealedSchedules) {
  ScenarioSpec spec = generate_swarm_case(7);
  spec.faults.clear();
  EXPECT_EQ(unhealed(spec), "");
  FaultSpec crash;
  crash.verb = FaultVerb::crash;
  crash.host = {"xs1", {}};
  spec.faults.push_back(crash);
  EXPECT_EQ(unhealed(spec), "host xs1 is never powered on");
  FaultSpec power_on = crash;
  power_on.verb = FaultVerb::power_on;
  spec.faults.push_back(power_on);
  EXPECT_EQ(unhealed(spec), "");
  FaultSpec partition;
  partition.verb = FaultVerb::partition;
  spec.faults.push_back(partition);
  EXPECT_EQ(unhealed(spec), "a partition is never healed");
  const SwarmVerdict verdict = check_swarm_case(spec);
  EXPECT_EQ(verdict.failure, SwarmFailure::invalid);
  EXPECT_EQ(verdict.signature, "invalid: not healed");
}

TEST(Swarm, FaultGroupsPairEachFailureWithItsRepair) {
  ScenarioSpec spec;
  auto fault = [&](FaultVerb verb, std::string host, std::vector<std::string> nics = {}) {
    FaultSpec f;
    f.verb = verb;
    f.host = {std::move(host), {}};
    for (std::string& n : nics) f.nics.push_back({std::move(n), {}});
    spec.faults.push_back(f);
  };
  fault(FaultVerb::crash, "a");                        // 0
  fault(FaultVerb::unplug, "b", {"eth1", "eth0"});     // 1
  fault(FaultVerb::crash, "a");                        // 2
  fault(FaultVerb::replug, "b", {"eth0"});             // 3: not the same NICs
  fault(FaultVerb::power_on, "a");                     // 4
  fault(FaultVerb::reboot, "c");                       // 5
  fault(FaultVerb::replug, "b", {"eth0", "eth1"});     // 6
  fault(FaultVerb::power_on, "a");                     // 7
  const std::vector<std::vector<std::size_t>> want{{0, 4}, {1, 6}, {2, 7}, {3}, {5}};
  EXPECT_EQ(fault_groups(spec), want);
}

// The shrinker keeps the failure's signature: a case made unhealed by one crash without power_on shrinks to that
// crash alone, on the smallest pool that still names its host. (Independent of the model: the check refuses an
// unhealed case before running it.)
TEST(Swarm, ShrinkKeepsTheSignature) {
  ScenarioSpec spec = generate_swarm_case(5);
  ASSERT_GE(spec.faults.size(), 3u);
  FaultSpec crash;
  crash.at = spec.faults.back().at;
  crash.verb = FaultVerb::crash;
  crash.host = {spec.pool.hosts.back().name, {}};
  spec.faults.push_back(crash);
  const SwarmVerdict verdict = check_swarm_case(spec);
  ASSERT_EQ(verdict.signature, "invalid: not healed");
  const ShrinkResult shrunk = shrink_swarm_case(spec, verdict);
  EXPECT_EQ(shrunk.verdict.signature, verdict.signature);
  ASSERT_EQ(shrunk.spec.faults.size(), 1u) << to_yaml(shrunk.spec);
  EXPECT_EQ(shrunk.spec.faults[0].verb, FaultVerb::crash);
  EXPECT_EQ(shrunk.spec.pool.hosts.size(), 2u);
  EXPECT_TRUE(shrunk.spec.pool.vms.empty());
  loaded(to_yaml(shrunk.spec));
}

// HaView follows a daemon through a fence, its reboot and its join, from the records alone.
TEST(Swarm, HaViewFollowsLivesetsFromRecords) {
  HaView view({"a", "b"}, {"v"}, true);
  EXPECT_TRUE(view.live(0, 1));
  auto record = [&](std::string source, std::string_view event, std::vector<Detail> details = {}) {
    TimelineRecord r;
    r.source = std::move(source);
    r.event = event;
    r.details = std::move(details);
    view.on_record(r);
  };
  record("b/ha", "self_fence", {{"reason", "x"}});
  EXPECT_FALSE(view.daemon_running(1));
  record("a/ha", "liveset_removed", {{"hosts", "b"}, {"live", "1"}});
  EXPECT_FALSE(view.live(0, 1));
  record("b/ha", "daemon_started");
  EXPECT_TRUE(view.joining(1));
  EXPECT_FALSE(view.live(1, 0));
  record("b/ha", "liveset_joined", {{"hosts", "a"}, {"live", "2"}});
  record("a/ha", "liveset_joined", {{"hosts", "b"}, {"live", "2"}});
  record("b/ha", "joined", {{"live", "2"}});
  EXPECT_FALSE(view.joining(1));
  EXPECT_TRUE(view.live(0, 1) && view.live(1, 0));
  record("vm/v", "vm_shutdown");
  EXPECT_TRUE(view.user_halted(0));
  record("vm/v", "vm_start", {{"to", "a"}});
  EXPECT_FALSE(view.user_halted(0));
  record("pool", "ha_disabled");
  EXPECT_FALSE(view.ha_enabled());
}

// The swarm's runs in worker processes (run_in_order): verdicts in seed order for any number of jobs, texts with any
// bytes carried whole, a seed that kills its process a failure of its own while the seeds beside it still run, an
// exception a failure with its message, and a caller that stops gets no more verdicts.
TEST(SwarmRuns, VerdictsInSeedOrderAndACrashIsAFailureOfItsOwn) {
  const SwarmCheck check = [](std::uint64_t seed) {
    if (seed == 107) std::abort();
    if (seed == 111) throw std::runtime_error("no such host");
    SwarmVerdict v;
    if (seed % 5 == 0) {
      v.failure = SwarmFailure::liveness;
      v.at = SimTime::zero() + Duration::seconds(static_cast<std::int64_t>(seed));
      v.signature = "liveness: no master";
      v.message = "line one\nline two " + std::to_string(seed) + " \x01";
    }
    return v;
  };
  for (const unsigned jobs : {1U, 3U}) {
    std::vector<std::uint64_t> seeds;
    std::vector<SwarmVerdict> verdicts;
    run_swarm(100, 200, jobs, check, [&](std::uint64_t seed, const SwarmVerdict& v) {
      seeds.push_back(seed);
      verdicts.push_back(v);
      return true;
    });
    ASSERT_EQ(seeds.size(), 200u) << jobs;
    for (std::size_t i = 0; i < seeds.size(); ++i) {
      const std::uint64_t seed = 100 + i;
      ASSERT_EQ(seeds[i], seed);
      const SwarmVerdict& v = verdicts[i];
      if (seed == 107) {
        EXPECT_EQ(v.failure, SwarmFailure::invariant);
        EXPECT_EQ(v.signature, "model crashed: signal " + std::to_string(SIGABRT));
        EXPECT_TRUE(v.process_died);
      } else if (seed == 111) {
        EXPECT_EQ(v.failure, SwarmFailure::invariant);
        EXPECT_EQ(v.signature, "model error: no such host");
        EXPECT_FALSE(v.process_died);
      } else if (seed % 5 == 0) {
        EXPECT_EQ(v.failure, SwarmFailure::liveness);
        EXPECT_EQ(v.at, SimTime::zero() + Duration::seconds(static_cast<std::int64_t>(seed)));
        EXPECT_EQ(v.message, "line one\nline two " + std::to_string(seed) + " \x01");
      } else {
        EXPECT_EQ(v.failure, SwarmFailure::none) << seed;
        EXPECT_FALSE(v.process_died);
      }
    }
    std::vector<std::uint64_t> until_stop;
    run_swarm(100, 200, jobs, check, [&](std::uint64_t seed, const SwarmVerdict&) {
      until_stop.push_back(seed);
      return seed < 140;
    });
    ASSERT_EQ(until_stop.size(), 41u) << jobs;
    EXPECT_EQ(until_stop.back(), 140u);
  }
}

}  // namespace
}  // namespace poolsim::analysis
