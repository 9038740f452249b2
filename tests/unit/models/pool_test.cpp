#include "poolsim/models/pool.hpp"

#include <gtest/gtest.h>

#include "unit/models/timeline_lines.hpp"

#include <algorithm>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace poolsim::models {
namespace {

SimTime at_s(double s) { return SimTime::from_ns(static_cast<std::int64_t>(s * 1e9)); }
constexpr std::uint64_t gib = 1ULL << 30;

// The tutorial's pool (docs/model.md "The tutorial's pool"): two hosts, each with eth0 and eth1 in one
// active-backup bond on sw1 carrying management and iSCSI (two portals on sw1), the iSCSI SR is the heartbeat SR,
// HA on with T = 60 s.
struct World {
  HeartbeatMode mode = HeartbeatMode::compressed;
  std::uint64_t overhead = 0;  // each host's control domain memory
  bool allow_overcommit = false;
  bool bond_monitor = false;  // the bridge backend: xhad watches the management bond
  bool networkd = false;      // each host's xcp-networkd watches its bond
  std::optional<Duration> heartbeat_watchdog, statefile_watchdog;  // overrides of the derived timers
  std::int64_t restart_attempts = 1;  // xhad's toolstack restarts (ha_xapi_restart_attempts)
  EventQueue queue;
  EventBus bus;
  Lines log;
  Network net{queue, bus};
  Storage storage{queue, bus, net};
  SwitchIndex sw1 = net.add_switch("sw1");
  std::vector<NicIndex> nics;
  std::vector<BondIndex> bonds;
  ArrayIndex sr = 0;
  std::unique_ptr<Pool> pool;

  void build(std::vector<VmConfig> vms) {
    PoolConfig config;
    for (const char* host : {"xenserver-1", "xenserver-2"}) {
      const NicIndex e0 = net.add_nic(host, "eth0", sw1);
      const NicIndex e1 = net.add_nic(host, "eth1", sw1);
      nics.push_back(e0);
      nics.push_back(e1);
      bonds.push_back(net.add_bond(host, "bond0", {e0, e1}, BondMode::active_backup, {}));
      config.hosts.push_back(
          {host, 32 * gib, Duration::minutes(3), Interface::of_bond(bonds.back()), overhead, bond_monitor});
      if (networkd) config.hosts.back().bonds = {bonds.back()};
    }
    sr = storage.add_array("iscsi-sr", StorageKind::iscsi);
    storage.add_portal(sr, "tgt-a", sw1);
    storage.add_portal(sr, "tgt-b", sw1);
    for (std::uint32_t h = 0; h < 2; ++h) {
      storage.attach(sr, h, config.hosts[h].name, {Interface::of_bond(bonds[h])});
    }
    net.on_change([this] { storage.network_changed(); });
    config.vms = std::move(vms);
    config.master = 0;
    config.ha_enabled = true;
    config.heartbeat_sr = sr;
    config.host_failures_to_tolerate = 1;
    config.allow_overcommit = allow_overcommit;
    config.ha = HaTimers::derive(Duration::seconds(60), IntervalFormula::current);
    if (heartbeat_watchdog) config.ha.heartbeat_watchdog = *heartbeat_watchdog;
    if (statefile_watchdog) config.ha.statefile_watchdog = *statefile_watchdog;
    config.xapi.restart_attempts = restart_attempts;
    config.heartbeats = mode;
    pool = std::make_unique<Pool>(queue, bus, net, storage, config);
    bus.subscribe(log);
    pool->start();
  }
  void at(SimTime t, std::function<void()> f) { queue.schedule_at(t, Phase::fault, std::move(f)); }
};

struct Tutorial : ::testing::Test, World {};

VmConfig vm(std::string name, std::uint32_t host, std::int64_t order, Duration start_delay) {
  VmConfig v;
  v.name = std::move(name);
  v.memory = 2 * gib;
  v.host = host;
  v.priority = RestartPriority::restart;
  v.order = order;
  v.start_delay = start_delay;
  v.boot_time = Duration::minutes(1);
  return v;
}

TEST(HaTimers, DeriveAsXapiDoes) {
  const HaTimers t60 = HaTimers::derive(Duration::seconds(60), IntervalFormula::current);
  EXPECT_EQ(t60.network_interval, Duration::seconds(3));
  EXPECT_EQ(t60.statefile_interval, Duration::seconds(3));
  EXPECT_EQ(t60.statefile_watchdog, Duration::seconds(75));
  EXPECT_EQ(t60.join_timeout, Duration::seconds(120));
  const HaTimers t30 = HaTimers::derive(Duration::seconds(30), IntervalFormula::current);
  EXPECT_EQ(t30.network_interval, Duration::seconds(3));
  EXPECT_EQ(t30.statefile_interval, Duration::seconds(2));
  const HaTimers t120 = HaTimers::derive(Duration::seconds(120), IntervalFormula::current);
  EXPECT_EQ(t120.statefile_interval, Duration::seconds(6));
  const HaTimers legacy = HaTimers::derive(Duration::seconds(60), IntervalFormula::legacy);
  EXPECT_EQ(legacy.network_interval, Duration::seconds(7));
  EXPECT_EQ(legacy.statefile_interval, Duration::seconds(7));
}

TEST_F(Tutorial, NothingHappensWhileNothingFails) {
  build({vm("dns", 0, 0, Duration::seconds(30))});
  queue.run_until(at_s(3600));
  EXPECT_TRUE(log.lines.empty()) << log.dump();
  EXPECT_LT(queue.events_run(), 10u) << "steady heartbeats must cost no events";
  EXPECT_EQ(pool->master(), 0u);
}

// docs/model.md "Worked timings" and "The tutorial's pool", at F = 300 s, T = 60 s, t1 = t2 = 3 s.
// The times, and why:
// - 300.0 both cables out: the bond's active member has no carrier, so management frames and iSCSI I/O stop at
//   once (the bond disables its members at 300.2, too late to matter); the last heartbeat and the last good
//   statefile write of xenserver-1 were at 297.
// - 357 = 297 + T: each host loses the other on both channels; xenserver-1 also loses its own slot.
// - 357 phase 3 at once: each host's heartbeat domain holds no running peer, so the rendezvous into phase 3 has
//   nobody to wait for. xenserver-1 has no statefile and no peer: fences (before its statefile watchdog at
//   297 + 75 = 372); xenserver-2 survives (no partition) and sleeps 15 + 3 = 18 s.
//   docs/model.md "Worked timings": "fences at about F + 57 s".
// - 375 xenserver-2 drops xenserver-1 from its liveset ("Worked timings": "about F + 75 s");
//   its xapi notices at its next 20 s poll, 380, and takes the master lock; the fuse restarts it as master 10 s
//   later (390, POOL_MASTER_TRANSITION); its new HA monitor waits 20 s for the live hosts to be enabled (410: only
//   itself), then 20 s more before its first pass (430): HA_HOST_FAILED, the VMs halted, dns restarted at once,
//   ad after dns's 30 s start delay (xapi_ha.ml wait_for_slaves_on_master, then the monitor loop).
TEST_F(Tutorial, BothCablesOfTheMasterPulled) {
  build({vm("dns", 0, 0, Duration::seconds(30)), vm("ad", 0, 1, Duration::zero())});
  at(at_s(300), [&] {
    net.unplug(nics[0]);
    net.unplug(nics[1]);
  });
  at(at_s(900), [&] {
    net.replug(nics[0]);
    net.replug(nics[1]);
  });
  queue.run_until(at_s(1200));
  const std::string missing = log.missing({
           "357.000000 xenserver-2/ha peer_lost channel=network peer=xenserver-1",
           "357.000000 xenserver-2/ha peer_lost channel=statefile peer=xenserver-1",
           "357.000000 xenserver-1/ha self_fence reason=statefile_and_peers_lost",
           "357.000000 vm/dns vm_died host=xenserver-1",
           "357.000000 xenserver-2/ha survived rule=no_partition",
           "375.000000 xenserver-2/ha liveset_removed hosts=xenserver-1 live=1",
           "380.000000 pool master_changed from=xenserver-1 to=xenserver-2",
           "390.000000 pool alert host=xenserver-2 name=POOL_MASTER_TRANSITION",
           "430.000000 pool alert host=xenserver-1 name=HA_HOST_FAILED",
           "430.000000 vm/dns vm_restart order=0 to=xenserver-2",
           "430.000000 pool alert name=HA_POOL_DROP_IN_PLAN_EXISTS_FOR value=0",
           "430.000000 pool alert name=HA_POOL_OVERCOMMITTED",
           "460.000000 vm/ad vm_restart order=1 to=xenserver-2",
           "490.000000 vm/dns vm_running host=xenserver-2",
           "537.000000 xenserver-1/ha join_aborted reason=statefile_unreachable",
           // Back at 537 with its cables still out, its xapi reaches the master only at 900 (xapi_host_crashdump.ml
           // resynchronise runs in dbsync_slave): HA_HOST_WAS_FENCED then, not while it is cut off.
           "900.000000 pool alert host=xenserver-1 name=HA_HOST_WAS_FENCED",
           // Its daemon's start failed at 537 (no statefile); xapi's retries every 10 s from there find the
           // statefile back (900) at 907. Its reads run on its own 3 s grid from 907, so it finds xenserver-2's
           // slot at 910; xenserver-2, reading at 909 and 912, finds its first write (910) at 912: joined then.
           "907.000000 xenserver-1/ha daemon_started",
           "912.000000 xenserver-2/ha liveset_joined hosts=xenserver-1 live=2",
  });
  EXPECT_TRUE(missing.empty()) << missing << log.dump();
  EXPECT_EQ(pool->master(), 1u);
  EXPECT_EQ(pool->vm_host(0), 1u);
  EXPECT_EQ(pool->vm_state(1), VmState::running);
  EXPECT_EQ(pool->host_state(0), HostState::up);
  // Cables back at 900: the statefile returns at once (the first member back skips updelay; the paths are
  // reinstated at the 900 s checker run), xenserver-1's daemon joins again, as a slave.
  EXPECT_EQ(pool->master(), 1u);
}

TEST_F(Tutorial, OneCablePulledChangesNothingForHa) {
  build({vm("dns", 0, 0, Duration::zero())});
  at(at_s(300), [&] { net.unplug(nics[0]); });
  queue.run_until(at_s(1200));
  for (const auto& line : log.lines) {
    EXPECT_EQ(line.find("/ha "), std::string::npos) << line;
  }
  EXPECT_EQ(pool->master(), 0u);
}

TEST_F(Tutorial, SlaveCrashRestartsItsVmsOnTheMaster) {
  build({vm("web", 1, 0, Duration::zero())});
  at(at_s(100), [&] { pool->crash(1); });
  queue.run_until(at_s(600));
  // Last heartbeat and slot update of xenserver-2 at 99; both age out at 159; phase 3 at once (no running peer
  // to rendezvous with); 18 s sleep. The master's HA monitor is not woken by the liveset change: its loop (20 s
  // from time 0) passes at 180.
  EXPECT_TRUE(log.has("159.000000 xenserver-1/ha survived rule=no_partition")) << log.dump();
  EXPECT_TRUE(log.has("177.000000 xenserver-1/ha liveset_removed hosts=xenserver-2 live=1")) << log.dump();
  EXPECT_TRUE(log.has("180.000000 pool alert host=xenserver-2 name=HA_HOST_FAILED")) << log.dump();
  EXPECT_TRUE(log.has("180.000000 vm/web vm_restart order=0 to=xenserver-1")) << log.dump();
  EXPECT_EQ(pool->master(), 0u);
}

// HA_HOST_WAS_FENCED follows any unclean stop with HA on, a power loss included (xapi_host_crashdump.ml
// resynchronise: no crashdump and not shut down cleanly), raised when the host is back (boot 3 min) and reaches
// the master; a clean reboot raises nothing.
TEST_F(Tutorial, APowerLossRaisesHostWasFencedWhenTheHostIsBack) {
  build({});
  at(at_s(100), [&] { pool->crash(1); });
  at(at_s(200), [&] { pool->power_on(1); });
  at(at_s(600), [&] { pool->reboot(1); });
  queue.run_until(at_s(1000));
  EXPECT_TRUE(log.has("380.000000 pool alert host=xenserver-2 name=HA_HOST_WAS_FENCED")) << log.dump();
  EXPECT_EQ(std::count_if(log.lines.begin(), log.lines.end(),
                          [](const std::string& l) { return l.find("HA_HOST_WAS_FENCED") != l.npos; }),
            1)
      << log.dump();
}

// The phase-4 sleep is max(Wh, Ws) - min(T1, T2) + max(t1, t2) (sm.c fault_handler): 75 - 60 + 3 = 18 s at the
// derived timers (SlaveCrashRestartsItsVmsOnTheMaster: phase 3 at 159, liveset at 177); with Ws = 90 s, 33 s
// (192); with Wh = 100 s, 43 s (202).
TEST(FaultHandler, ThePhaseFourSleepFollowsTheWatchdogs) {
  const std::vector<std::pair<std::function<void(World&)>, const char*>> cases{
      {[](World& w) { w.statefile_watchdog = Duration::seconds(90); },
       "192.000000 xenserver-1/ha liveset_removed hosts=xenserver-2 live=1"},
      {[](World& w) { w.heartbeat_watchdog = Duration::seconds(100); },
       "202.000000 xenserver-1/ha liveset_removed hosts=xenserver-2 live=1"},
  };
  for (const auto& [tune, line] : cases) {
    World w;
    tune(w);
    w.build({vm("web", 1, 0, Duration::zero())});
    w.at(at_s(100), [&w] { w.pool->crash(1); });
    w.queue.run_until(at_s(600));
    EXPECT_TRUE(w.log.has("159.000000 xenserver-1/ha survived rule=no_partition")) << w.log.dump();
    EXPECT_TRUE(w.log.has(line)) << w.log.dump();
  }
}

// A management partition with the statefile fine (docs/model.md "Survival rules"): equal halves, the half with the
// lowest host wins. Last heartbeat 99, lost at 159. Each host still sees the other on the statefile, with a
// heartbeat domain of its own, so the views never agree and phase 2 runs to 159 + T = 219; the merge leaves two
// partitions of one and xenserver-1 (index 0) wins (get_partition_score); xenserver-2 fences. The winner sleeps
// 15 + 3 + T (the loser is still on the statefile): liveset at 297 = F + 3T + 18. The monitor's next loop, 300,
// restarts the VM.
TEST_F(Tutorial, EqualPartitionGoesToTheLowestHost) {
  build({vm("web", 1, 0, Duration::zero())});
  at(at_s(100), [&] { pool->partition({{0}, {1}}); });
  queue.run_until(at_s(600));
  EXPECT_TRUE(log.has("219.000000 xenserver-2/ha self_fence reason=smaller_partition")) << log.dump();
  EXPECT_TRUE(log.has("219.000000 xenserver-1/ha survived rule=largest_partition")) << log.dump();
  EXPECT_TRUE(log.has("297.000000 xenserver-1/ha liveset_removed hosts=xenserver-2 live=1")) << log.dump();
  EXPECT_TRUE(log.has("300.000000 vm/web vm_restart order=0 to=xenserver-1")) << log.dump();
}

// Every host loses the statefile, the network is fine: survival rule 2, nobody fences, and the statefile
// watchdog (99 + 75 = 174) is kept fed. The handler runs once, not again and again.
TEST_F(Tutorial, WholeArrayLostFencesNobody) {
  build({vm("web", 1, 0, Duration::zero())});
  // The master raises HA_STATEFILE_LOST once, at its monitor's first loop (180) with every host live and without
  // statefile access: the I/O errors at 175, once multipath stops queueing (xhad keeps SF_access while I/O hangs).
  at(at_s(100), [&] { storage.fail_array(sr); });
  at(at_s(600), [&] { storage.restore_array(sr); });
  queue.run_until(at_s(1200));
  EXPECT_TRUE(log.has("159.000000 xenserver-1/ha survived rule=survival_rule_2")) << log.dump();
  EXPECT_TRUE(log.has("180.000000 pool alert name=HA_STATEFILE_LOST")) << log.dump();
  EXPECT_TRUE(log.has("159.000000 xenserver-2/ha survived rule=survival_rule_2")) << log.dump();
  for (const auto& line : log.lines) {
    EXPECT_EQ(line.find("self_fence"), std::string::npos) << line;
    EXPECT_EQ(line.find("liveset_removed"), std::string::npos) << line;
  }
  EXPECT_EQ(std::count_if(log.lines.begin(), log.lines.end(),
                          [](const std::string& l) { return l.find("survived") != std::string::npos; }),
            2);
  EXPECT_EQ(pool->vm_state(0), VmState::running);
}

// One more network loss while surviving by rule 2 fences every host (docs/model.md "Worked timings", consequences).
TEST_F(Tutorial, ANetworkLossDuringRule2FencesEveryone) {
  build({});
  at(at_s(100), [&] { storage.fail_array(sr); });
  at(at_s(300), [&] { pool->partition({{0}, {1}}); });
  queue.run_until(at_s(600));
  // Lost at 357, each hearing nobody on either channel: phase 3 at once, no rendezvous round.
  EXPECT_TRUE(log.has("357.000000 xenserver-1/ha self_fence reason=statefile_and_peers_lost")) << log.dump();
  EXPECT_TRUE(log.has("357.000000 xenserver-2/ha self_fence reason=statefile_and_peers_lost")) << log.dump();
}

// Survival rule 2 counts every configured host, not only the liveset (sm.c test_Survival_Rule loops over
// _is_configured_host): a host that crashed earlier is neither on the network nor excluded, so when the array goes
// the survivor fails the test and fences. The slave crashes at 100 (liveset at 177, as in the crash tests); the array
// fails at 400 and the own slot is lost 59 s later; with no peer to rendezvous with, phase 3 follows at once: 459,
// where without the crashed host it would survive by rule 2 (the next test).
TEST_F(Tutorial, Rule2FailsWithAHostCrashedEarlier) {
  build({vm("web", 0, 0, Duration::zero())});
  at(at_s(100), [&] { pool->crash(1); });
  at(at_s(400), [&] { storage.fail_array(sr); });
  queue.run_until(at_s(700));
  EXPECT_TRUE(log.has("177.000000 xenserver-1/ha liveset_removed hosts=xenserver-2 live=1")) << log.dump();
  EXPECT_TRUE(log.has("459.000000 xenserver-1/ha self_fence reason=statefile_and_peers_lost")) << log.dump();
  for (const auto& line : log.lines) {
    EXPECT_EQ(line.find("survival_rule_2"), std::string::npos) << line;
    EXPECT_EQ(line.find("HA_STATEFILE_LOST"), std::string::npos) << line;
  }
}

// The same with the slave shut down cleanly (a reboot: xapi sets it excluded, xapi_ha.ml
// before_clean_shutdown_or_reboot): it does not count against rule 2, and the master survives the array loss.
TEST_F(Tutorial, Rule2HoldsWithAHostRebootingCleanly) {
  build({vm("web", 0, 0, Duration::zero())});
  at(at_s(390), [&] { pool->reboot(1); });
  at(at_s(400), [&] { storage.fail_array(sr); });
  queue.run_until(at_s(500));
  // Its handler starts at 447 (the slave gone) and waits in phase 1 for its own stale slot, lost at 459.
  EXPECT_TRUE(log.has("459.000000 xenserver-1/ha survived rule=survival_rule_2")) << log.dump();
  for (const auto& line : log.lines) EXPECT_EQ(line.find("self_fence"), std::string::npos) << line;
}

TEST_F(Tutorial, TheMasterCannotEnterMaintenanceWithHaOn) {
  build({vm("dns", 0, 0, Duration::zero())});
  at(at_s(100), [&] { pool->enter_maintenance(0, 1); });
  queue.run_until(at_s(200));
  EXPECT_EQ(log.lines, (std::vector<std::string>{
                           "100.000000 pool operation_refused host=xenserver-1 op=enter_maintenance "
                           "reason=master_with_ha_enabled"}));
}

// With ntol 1 in a pool of two, disabling either host leaves no plan for one failure: XenServer refuses the
// evacuation (assert_host_disable_preserves_ha_plan) until ntol is lowered to 0. Then the slave is evacuated by
// live migration, one VM after the other: 2 GiB at 125 MB/s is 17.179869184 s each.
TEST_F(Tutorial, ASlaveIsEvacuatedByLiveMigrationOnceNtolAllowsIt) {
  build({vm("a", 1, 0, Duration::zero()), vm("b", 1, 0, Duration::zero())});
  at(at_s(90), [&] { pool->enter_maintenance(1, std::nullopt); });
  at(at_s(95), [&] { pool->set_ntol(0); });
  at(at_s(100), [&] { pool->enter_maintenance(1, std::nullopt); });
  queue.run_until(at_s(200));
  EXPECT_EQ(log.lines, (std::vector<std::string>{
                           "90.000000 pool operation_refused host=xenserver-2 op=enter_maintenance "
                           "reason=would_break_failover_plan",
                           "95.000000 pool ntol_set value=0",
                           "100.000000 xenserver-2 maintenance_started",
                           "117.179869 vm/a vm_migrated from=xenserver-2 to=xenserver-1",
                           "134.359738 vm/b vm_migrated from=xenserver-2 to=xenserver-1",
                           "134.359738 xenserver-2 maintenance_entered",
                       }));
  EXPECT_EQ(pool->host_state(1), HostState::maintenance);
  EXPECT_EQ(pool->vm_host(1), 0u);
}

TEST_F(Tutorial, AVmShutDownByAnOperatorStaysDown) {
  build({vm("web", 1, 0, Duration::zero())});
  at(at_s(50), [&] { pool->vm_shutdown(0); });
  at(at_s(100), [&] { pool->crash(1); });
  queue.run_until(at_s(600));
  for (const auto& line : log.lines) EXPECT_EQ(line.find("vm_restart"), std::string::npos) << line;
  EXPECT_EQ(pool->vm_state(0), VmState::halted);
}

TEST_F(Tutorial, WithHaDisabledAMasterCrashLeavesThePoolWithoutMaster) {
  build({vm("dns", 0, 0, Duration::zero())});
  at(at_s(50), [&] { pool->ha_disable(); });
  at(at_s(100), [&] { pool->crash(0); });
  at(at_s(200), [&] { pool->ha_enable(); });
  queue.run_until(at_s(1000));
  EXPECT_TRUE(log.has("50.000000 pool ha_disabled")) << log.dump();
  EXPECT_TRUE(log.has("200.000000 pool operation_refused op=ha_enable reason=no_master")) << log.dump();
  EXPECT_EQ(pool->master(), std::nullopt);
  EXPECT_EQ(pool->vm_state(0), VmState::halted);
}

// The loser of a partition reboots while the partition lasts: it must not form a pool of its own (two masters).
// It fences at 219 (phase 2 runs to its timeout: EqualPartitionGoesToTheLowestHost), boots, reads the liveset
// {xenserver-1} from the statefile, is never accepted, gives up at 399 + 120 = 519; xapi starts its daemon again
// 10 s later (xapi_ha.ml on_server_restart: "will retry in 10s"), 529, which fails at 649; the next start, 659, is
// under way at the heal (700) and joins at xenserver-1's next heartbeat, 702.
TEST_F(Tutorial, AFencedHostCannotJoinAcrossAPartition) {
  build({});
  at(at_s(100), [&] { pool->partition({{0}, {1}}); });
  at(at_s(700), [&] { pool->heal(); });
  queue.run_until(at_s(1200));
  EXPECT_TRUE(log.has("399.000000 xenserver-2/ha daemon_started")) << log.dump();
  EXPECT_TRUE(log.has("519.000000 xenserver-2/ha join_failed reason=not_accepted_by_live_hosts")) << log.dump();
  EXPECT_TRUE(log.has("529.000000 xenserver-2/ha daemon_started")) << log.dump();
  EXPECT_TRUE(log.has("649.000000 xenserver-2/ha join_failed reason=not_accepted_by_live_hosts")) << log.dump();
  EXPECT_TRUE(log.has("659.000000 xenserver-2/ha daemon_started")) << log.dump();
  EXPECT_TRUE(log.has("702.000000 xenserver-2/ha joined hosts=xenserver-1 live=2")) << log.dump();
  EXPECT_TRUE(log.has("702.000000 xenserver-1/ha liveset_joined hosts=xenserver-2 live=2")) << log.dump();
  EXPECT_EQ(pool->master(), 0u);
}

// Two 32 GiB hosts, a 20 GiB protected VM on xenserver-1 and a 16 GiB one on xenserver-2: no plan for one
// failure at time 0 (36 GiB would have to fit on one host), so ha_plan_exists_for is 0. xapi checks an ntol change
// only while a plan exists for at least one failure: raising it back to 1 is accepted and the pool is overcommitted
// again (xapi_pool.ml set_ha_host_failures_to_tolerate).
TEST_F(Tutorial, RaisingNtolWithoutAnyPlanIsAcceptedAndOvercommits) {
  VmConfig big = vm("big", 0, 0, Duration::zero());
  big.memory = 20 * gib;
  VmConfig other = vm("other", 1, 0, Duration::zero());
  other.memory = 16 * gib;
  build({big, other});
  at(at_s(10), [&] { pool->set_ntol(0); });
  at(at_s(20), [&] { pool->set_ntol(1); });
  queue.run_until(at_s(30));
  EXPECT_EQ(log.lines, (std::vector<std::string>{
                           "0.000000 pool alert name=HA_POOL_OVERCOMMITTED",
                           "10.000000 pool ntol_set value=0",
                           "20.000000 pool ntol_set value=1",
                           "20.000000 pool alert name=HA_POOL_OVERCOMMITTED",
                       }));
}

// Overcommit protection (docs/model.md "Planner", xapi's test_ha_vm_failover.ml case in small): a 20 GiB protected
// VM runs on xenserver-1, so one failure is planned for. Starting a halted 16 GiB `restart` VM would need 36 GiB on
// one host: refused. A 16 GiB best-effort VM on xenserver-2 would leave 16 GiB there for the 20 GiB VM: refused. An
// 8 GiB best-effort VM leaves 24 GiB: started.
TEST_F(Tutorial, StartsThatWouldBreakTheFailoverPlanAreRefused) {
  VmConfig big = vm("big", 0, 0, Duration::zero());
  big.memory = 20 * gib;
  VmConfig halted = vm("halted", 0, 0, Duration::zero());
  halted.memory = 16 * gib;
  halted.host.reset();
  VmConfig extra = vm("extra", 0, 0, Duration::zero());
  extra.memory = 16 * gib;
  extra.host.reset();
  extra.priority = RestartPriority::best_effort;
  VmConfig small = extra;
  small.name = "small";
  small.memory = 8 * gib;
  build({big, halted, extra, small});
  at(at_s(10), [&] { pool->vm_start(1, std::nullopt); });
  at(at_s(20), [&] { pool->vm_start(2, 1); });
  at(at_s(30), [&] { pool->vm_start(3, 1); });
  queue.run_until(at_s(100));
  EXPECT_EQ(log.lines, (std::vector<std::string>{
                           "10.000000 pool operation_refused op=vm_start reason=would_break_failover_plan vm=halted",
                           "20.000000 pool operation_refused op=vm_start reason=would_break_failover_plan vm=extra",
                           "30.000000 vm/small vm_start to=xenserver-2",
                           "90.000000 vm/small vm_running host=xenserver-2",
                       }));
  // A protected VM halted at time 0 is not protected (ha_always_run is unset): HA never starts it.
  EXPECT_EQ(pool->vm_state(1), VmState::halted);
}

// Once the pool is overcommitted (here by ntol 1 with no plan), nothing is refused: the check only guards a plan
// that exists (assert_configuration_change_preserves_ha_plan).
TEST_F(Tutorial, AnOvercommittedPoolRefusesNothing) {
  VmConfig big = vm("big", 0, 0, Duration::zero());
  big.memory = 20 * gib;
  VmConfig other = vm("other", 1, 0, Duration::zero());
  other.memory = 16 * gib;
  VmConfig halted = vm("halted", 0, 0, Duration::zero());
  halted.memory = 8 * gib;
  halted.host.reset();
  build({big, other, halted});
  at(at_s(10), [&] { pool->vm_start(2, std::nullopt); });
  queue.run_until(at_s(20));
  EXPECT_TRUE(log.has("10.000000 vm/halted vm_start to=xenserver-2")) << log.dump();
}

// A CD from a non-shared SR makes a VM non-agile. Into a protected VM with HA on it is refused
// (assert_doesnt_make_vm_non_agile: HA_CONSTRAINT_VIOLATION_SR_NOT_SHARED); into an unprotected one it goes, and
// that VM, once protected by a start, would make the plan exclude it: the start is refused. Ejected, it starts.
TEST_F(Tutorial, ACdMakesAVmNonAgile) {
  VmConfig web = vm("web", 0, 0, Duration::zero());
  VmConfig tools = vm("tools", 0, 0, Duration::zero());
  tools.host.reset();
  build({web, tools});
  at(at_s(10), [&] { pool->insert_cd(0); });
  at(at_s(20), [&] { pool->insert_cd(1); });
  at(at_s(30), [&] { pool->insert_cd(1); });
  at(at_s(40), [&] { pool->vm_start(1, std::nullopt); });
  at(at_s(50), [&] { pool->eject_cd(1); });
  at(at_s(60), [&] { pool->eject_cd(1); });
  at(at_s(70), [&] { pool->vm_start(1, std::nullopt); });
  queue.run_until(at_s(80));
  ASSERT_EQ(log.lines.size(), 7u) << log.dump();
  // Where it starts is xapi's biased random pick (XapiDatabase::choose_host).
  EXPECT_EQ(log.lines.back().rfind("70.000000 vm/tools vm_start to=", 0), 0u) << log.dump();
  log.lines.pop_back();
  EXPECT_EQ(log.lines, (std::vector<std::string>{
                           "10.000000 pool operation_refused op=insert_cd reason=ha_constraint_violation_sr_not_shared "
                           "vm=web",
                           "20.000000 vm/tools cd_inserted",
                           "30.000000 pool operation_refused op=insert_cd reason=cd_drive_not_empty vm=tools",
                           "40.000000 pool operation_refused op=vm_start reason=would_break_failover_plan vm=tools",
                           "50.000000 vm/tools cd_ejected",
                           "60.000000 pool operation_refused op=eject_cd reason=cd_drive_empty vm=tools",
                       }));
}

// A control domain of 8 GiB leaves 24 GiB of each 32 GiB host to VMs (docs/model.md "Planner": free memory after the
// host's overhead). A 20 GiB protected VM runs on xenserver-1; a halted 6 GiB `restart` VM would need 26 GiB on
// xenserver-2 after a failure: refused, where without the overhead 26 GiB would fit in 32.
TEST_F(Tutorial, TheControlDomainsMemoryIsNotForVms) {
  overhead = 8 * gib;
  VmConfig big = vm("big", 0, 0, Duration::zero());
  big.memory = 20 * gib;
  VmConfig more = vm("more", 0, 0, Duration::zero());
  more.memory = 6 * gib;
  more.host.reset();
  build({big, more});
  at(at_s(10), [&] { pool->vm_start(1, std::nullopt); });
  queue.run_until(at_s(20));
  EXPECT_EQ(log.lines, (std::vector<std::string>{
                           "10.000000 pool operation_refused op=vm_start reason=would_break_failover_plan vm=more"}));
}

TEST_F(Tutorial, WithoutAControlDomainTheSameStartFits) {
  VmConfig big = vm("big", 0, 0, Duration::zero());
  big.memory = 20 * gib;
  VmConfig more = vm("more", 0, 0, Duration::zero());
  more.memory = 6 * gib;
  more.host.reset();
  build({big, more});
  at(at_s(10), [&] { pool->vm_start(1, std::nullopt); });
  queue.run_until(at_s(20));
  EXPECT_EQ(log.lines, (std::vector<std::string>{"10.000000 vm/more vm_start to=xenserver-2"}));
}

// With ha_allow_overcommit the start that would break the plan goes ahead (xapi skips the check when the pool
// allows overcommit).
TEST_F(Tutorial, AllowOvercommitRefusesNothing) {
  allow_overcommit = true;
  VmConfig big = vm("big", 0, 0, Duration::zero());
  big.memory = 20 * gib;
  VmConfig halted = vm("halted", 0, 0, Duration::zero());
  halted.memory = 16 * gib;
  halted.host.reset();
  build({big, halted});
  at(at_s(10), [&] { pool->vm_start(1, std::nullopt); });
  queue.run_until(at_s(20));
  EXPECT_TRUE(log.has("10.000000 vm/halted vm_start to=xenserver-2")) << log.dump();
}

TEST_F(Tutorial, ABriefXapiStopFencesNothingAndADeadOneFences) {
  build({});
  at(at_s(100), [&] { pool->xapi_hang(1); });
  at(at_s(200), [&] { pool->xapi_restore(1); });
  at(at_s(1000), [&] { pool->xapi_hang(1); });
  queue.run_until(at_s(2000));
  // The check at 120 finds the first hang and is still waiting when the operator restores xapi at 200: it
  // answers then, and the loop sleeps tXapi (60 s) from 200. Nothing fences for it.
  EXPECT_EQ(log.count("self_fence"), 1u) << log.dump();
  // The check at 1040 times out at 1160.1 (TXapi 120 s, then one 100 ms poll of the checker's wait); the hung
  // restart is killed at 1460.1 (TRestartXapi 300 s); the host fences 2 t1 (6 s) later.
  EXPECT_TRUE(log.has("1160.100000 xenserver-2/ha xapi_check_failed reason=timeout")) << log.dump();
  EXPECT_TRUE(log.has("1466.100000 xenserver-2/ha self_fence reason=xapi_dead")) << log.dump();
}

// xcp-networkd polls every 5 s (network_monitor_thread.ml): eth0 of xenserver-2 out at 300 disables it at 300.2
// (OVS, at once plus the bond's detection), seen at 305; back at 600, enabled after updelay (31 s) at 631, seen at
// 635. The host crashes at 1000 with eth1 out (seen at 905) and comes back at 1280: its new networkd's first poll,
// at 1285, finds the bond not fully up and says so with no earlier count.
TEST_F(Tutorial, NetworkdAlertsBondStatusChangesAtItsPolls) {
  networkd = true;
  build({});
  at(at_s(300), [&] { net.unplug(nics[2]); });
  at(at_s(600), [&] { net.replug(nics[2]); });
  at(at_s(900), [&] { net.unplug(nics[3]); });
  at(at_s(1000), [&] { pool->crash(1); });
  at(at_s(1100), [&] { pool->power_on(1); });
  queue.run_until(at_s(1500));
  const std::string alert = " pool alert bond=bond0 host=xenserver-2 name=BOND_STATUS_CHANGED value=";
  EXPECT_TRUE(log.has("305.000000" + alert + "1/2 was=2/2")) << log.dump();
  EXPECT_TRUE(log.has("635.000000" + alert + "2/2 was=1/2")) << log.dump();
  EXPECT_TRUE(log.has("905.000000" + alert + "1/2 was=2/2")) << log.dump();
  EXPECT_TRUE(log.has("1285.000000" + alert + "1/2")) << log.dump();
  EXPECT_EQ(log.count("BOND_STATUS_CHANGED"), 4u) << log.dump();
}

// sm's mpathcount and xapi's mpathalert (docs/model.md "Multipath alerts"). Portal tgt-b fails at 300: each
// host's path to it is lost, open-iscsi sees it at 310 (failure_detection 10 s) and errors it up at 325
// (replacement_timeout 15 s): dm-multipath fails the path, mpathcount writes [1, 2]; the master's mpathalert,
// on its 120 s grid from 0, alerts at 360 with both changes. tgt-b is back at 400 and the checker (5 s grid)
// reinstates the paths at 405: [2, 2], which were broken, so the wake at 480 alerts again, nothing unhealthy.
// A failure and its repair inside one window (1000 -> failed 1025, back 1030, reinstated 1035) make one alert at
// 1080 with all four changes.
TEST_F(Tutorial, MpathalertRaisesOneAlertPerWakeWithChanges) {
  build({});
  const PortalIndex tgt_b = 1;
  at(at_s(300), [&] { storage.fail_portal(tgt_b); });
  at(at_s(400), [&] { storage.restore_portal(tgt_b); });
  at(at_s(1000), [&] { storage.fail_portal(tgt_b); });
  at(at_s(1030), [&] { storage.restore_portal(tgt_b); });
  queue.run_until(at_s(1500));
  const std::string name = " name=MULTIPATH_PERIODIC_ALERT unhealthy=";
  EXPECT_TRUE(log.has("360.000000 pool alert events=xenserver-1/iscsi-sr:1/2,xenserver-2/iscsi-sr:1/2" + name +
                      "xenserver-1/iscsi-sr:1/2,xenserver-2/iscsi-sr:1/2"))
      << log.dump();
  EXPECT_TRUE(log.has("480.000000 pool alert events=xenserver-1/iscsi-sr:2/2,xenserver-2/iscsi-sr:2/2" + name + "none"))
      << log.dump();
  EXPECT_TRUE(log.has("1080.000000 pool alert events=xenserver-1/iscsi-sr:1/2,xenserver-2/iscsi-sr:1/2,"
                      "xenserver-1/iscsi-sr:2/2,xenserver-2/iscsi-sr:2/2" +
                      name + "none"))
      << log.dump();
  EXPECT_EQ(log.count("MULTIPATH_PERIODIC_ALERT"), 3u) << log.dump();
}

// A new master's mpathalert starts with an empty history (mpathalert.ml sender): a path that failed under the old
// master (alert at 360) and is reinstated under the new one changes no entry it saw broken, so no alert. The
// master crashes at 500; xenserver-2 restarts as master at 590 (its last heartbeat 498 + T = 558 lost, liveset at
// 576, the poll at 580 takes the lock, the fuse 10 s); tgt-b is back at 700, on the checker's grid: reinstated
// then, and mpathcount writes [2, 2] for xenserver-2.
TEST_F(Tutorial, ANewMastersMpathalertForgetsWhatWasBroken) {
  build({});
  const PortalIndex tgt_b = 1;
  at(at_s(300), [&] { storage.fail_portal(tgt_b); });
  at(at_s(500), [&] { pool->crash(0); });
  at(at_s(700), [&] { storage.restore_portal(tgt_b); });
  queue.run_until(at_s(1000));
  EXPECT_TRUE(log.has("360.000000 pool alert events=xenserver-1/iscsi-sr:1/2,xenserver-2/iscsi-sr:1/2 "
                      "name=MULTIPATH_PERIODIC_ALERT unhealthy=xenserver-1/iscsi-sr:1/2,xenserver-2/iscsi-sr:1/2"))
      << log.dump();
  EXPECT_TRUE(log.has("590.000000 pool alert host=xenserver-2 name=POOL_MASTER_TRANSITION")) << log.dump();
  EXPECT_TRUE(log.has("700.000000 xenserver-2/iscsi-sr/tgt-b path_reinstated via=bond0")) << log.dump();
  EXPECT_EQ(log.count("MULTIPATH_PERIODIC_ALERT"), 1u) << log.dump();
}

// The restart count is reset once the last successful restart is more than a day old (xapi_mon.c xapi_restart:
// `_getms() - time_restarted > ONE_DAY`). The first crash (1000) is cured at 1050, and the loop checks every 60 s
// from there. The second crash, at 87480, is found by the check at 87510, 86460 s after that restart: the count
// is reset, xapi is restarted again and seen running at the wait's first poll (87540). Nothing fences.
TEST_F(Tutorial, TheToolstackRestartCountIsResetAfterADay) {
  build({});
  at(at_s(1000), [&] { pool->xapi_crash(1); });
  at(at_s(87480), [&] { pool->xapi_crash(1); });
  queue.run_until(at_s(88000));
  EXPECT_TRUE(log.has("1050.000000 xenserver-2/ha xapi_restarted")) << log.dump();
  EXPECT_TRUE(log.has("87510.000000 xenserver-2/ha xapi_check_failed reason=error")) << log.dump();
  EXPECT_TRUE(log.has("87540.000000 xenserver-2/ha xapi_restarted")) << log.dump();
  EXPECT_EQ(log.count("self_fence"), 0u) << log.dump();
}

// A crashed toolstack is restarted by xhad and nothing fences (xapi_mon.c xapi_restart). Its second crash within
// a day finds the one restart attempt spent: the host fences 2 t1 after the check, with no attempt.
TEST_F(Tutorial, ACrashedToolstackIsRestartedOnceADay) {
  build({});
  at(at_s(1000), [&] { pool->xapi_crash(1); });
  at(at_s(2000), [&] { pool->xapi_crash(1); });
  queue.run_until(at_s(3000));
  // The check at 1020 fails at once; xapi runs again after its start (30 s); xhad sees the restarter exit at the
  // wait's next poll (TRestartXapi / 10 = 30 s), and its loop sleeps tXapi from 1050.
  EXPECT_TRUE(log.has("1020.000000 xenserver-2/ha xapi_check_failed reason=error")) << log.dump();
  EXPECT_TRUE(log.has("1050.000000 xenserver-2/ha xapi_restarted")) << log.dump();
  // The second crash is found at 2010 (1050 + 16 tXapi); the count is spent: fence at 2016.
  EXPECT_TRUE(log.has("2010.000000 xenserver-2/ha xapi_check_failed reason=error")) << log.dump();
  EXPECT_TRUE(log.has("2016.000000 xenserver-2/ha self_fence reason=xapi_dead")) << log.dump();
  EXPECT_EQ(log.count("self_fence"), 1u) << log.dump();
}

// A toolstack that cannot start: the check fails at once, the one restart attempt exits with an error seen at the
// wait's first poll (30 s), and the host fences 2 t1 later: well within the three health-check intervals.
TEST_F(Tutorial, ADisabledToolstackFencesAfterOneFailedRestart) {
  build({});
  at(at_s(1000), [&] { pool->xapi_disable(1); });
  queue.run_until(at_s(1200));
  EXPECT_TRUE(log.has("1020.000000 xenserver-2/ha xapi_check_failed reason=error")) << log.dump();
  EXPECT_TRUE(log.has("1056.000000 xenserver-2/ha self_fence reason=xapi_dead")) << log.dump();
  EXPECT_EQ(log.count("xapi_restarted"), 0u) << log.dump();
}

// More restart attempts share the first one's deadline (xapi_mon.c xapi_restart), but wait_pid_timeout starts its
// clock at the restart's start and asks waitpid before the time, so it always sleeps one poll (TRestartXapi / 10
// = 30 s) first. Hung, with 3 attempts: the check at 1020 times out at 1140.1; the first restarter is killed at
// 1440.1, the second and third one poll each after it (1470.1, 1500.1): fence 2 t1 later, at 1506.1. Disabled, with 12:
// each failing restarter takes one poll, past the deadline too: the check at 1020, twelve polls (360 s), fence
// at 1386 (poolsim stopped at ten polls before).
TEST_F(Tutorial, MoreToolstackRestartAttemptsTakeOnePollEachPastTheDeadline) {
  restart_attempts = 3;
  build({});
  at(at_s(1000), [&] { pool->xapi_hang(1); });
  queue.run_until(at_s(2000));
  EXPECT_TRUE(log.has("1140.100000 xenserver-2/ha xapi_check_failed reason=timeout")) << log.dump();
  EXPECT_TRUE(log.has("1506.100000 xenserver-2/ha self_fence reason=xapi_dead")) << log.dump();
}

TEST_F(Tutorial, EveryFailedToolstackRestartTakesOnePoll) {
  restart_attempts = 12;
  build({});
  at(at_s(1000), [&] { pool->xapi_disable(1); });
  queue.run_until(at_s(2000));
  EXPECT_TRUE(log.has("1020.000000 xenserver-2/ha xapi_check_failed reason=error")) << log.dump();
  EXPECT_TRUE(log.has("1386.000000 xenserver-2/ha self_fence reason=xapi_dead")) << log.dump();
}

// A slave whose xapi is hung when the master dies misses the master poll (xapi's own thread); once the operator
// restores it, its liveset loop runs again and takes the lock at its next poll (xapi_ha.ml on_master_failure).
TEST_F(Tutorial, ASlaveToolstackBackAfterTheMasterDiedTakesOver) {
  build({});
  at(at_s(50), [&] { pool->xapi_hang(1); });
  at(at_s(60), [&] { pool->crash(0); });
  at(at_s(200), [&] { pool->xapi_restore(1); });
  queue.run_until(at_s(400));
  // Its poll at 140 (the first after the liveset lost xenserver-1 at 138) finds its xapi hung; the poll grid
  // (20 s from xapi's start) passes next at 220.
  EXPECT_TRUE(log.has("220.000000 pool master_changed from=xenserver-1 to=xenserver-2")) << log.dump();
  EXPECT_EQ(pool->master(), 1u) << log.dump();
  EXPECT_EQ(log.count("self_fence"), 0u) << log.dump();
}

// A hung master toolstack restarts nothing: the HA monitor is a thread of xapi (xapi_ha.ml). xenserver-1's xapi
// hangs at 50, the slave crashes at 100 and leaves the liveset at 177, but web is not restarted. The toolstack is
// back at 300: a new monitor waits for the hosts (320: only the master is live), then its loop (340) restarts web.
TEST_F(Tutorial, AHungMasterToolstackRestartsNothing) {
  build({vm("web", 1, 0, Duration::zero())});
  at(at_s(50), [&] { pool->xapi_hang(0); });
  at(at_s(100), [&] { pool->crash(1); });
  at(at_s(300), [&] { pool->xapi_restore(0); });
  queue.run_until(at_s(600));
  const std::string missing = log.missing({
      "177.000000 xenserver-1/ha liveset_removed hosts=xenserver-2 live=1",
      "300.000000 xenserver-1 xapi_restored",
      "340.000000 pool alert host=xenserver-2 name=HA_HOST_FAILED",
      "340.000000 vm/web vm_restart order=0 to=xenserver-1",
  });
  EXPECT_TRUE(missing.empty()) << missing << log.dump();
  EXPECT_EQ(std::count_if(log.lines.begin(), log.lines.end(),
                          [](const std::string& l) { return l.find("vm_restart") != l.npos; }),
            1);
}

// A pool of `count` hosts, each with eth0 on sw1 for management and eth1 on sw2 for the iSCSI SR (one portal on
// sw2), the heartbeat SR; HA on, T = 60 s (t1 = t2 = 3 s), xs1 the master: a management partition or a lost
// management switch leaves the statefile to everyone.
struct SplitWorld {
  EventQueue queue;
  EventBus bus;
  Lines log;
  Network net{queue, bus};
  Storage storage{queue, bus, net};
  SwitchIndex sw1 = net.add_switch("sw1");
  SwitchIndex sw2 = net.add_switch("sw2");
  std::vector<NicIndex> management, storage_nics;
  std::unique_ptr<Pool> pool;

  explicit SplitWorld(std::uint32_t count, std::vector<VmConfig> vms = {}, MultipathTiming multipath = {},
                      HeartbeatMode mode = HeartbeatMode::compressed,
                      const std::function<void(PoolConfig&)>& adjust = {}) {
    PoolConfig config;
    config.heartbeats = mode;
    const ArrayIndex sr = storage.add_array("iscsi-sr", StorageKind::iscsi, multipath);
    storage.add_portal(sr, "tgt", sw2);
    for (std::uint32_t h = 0; h < count; ++h) {
      const std::string host = "xs" + std::to_string(h + 1);
      management.push_back(net.add_nic(host, "eth0", sw1));
      storage_nics.push_back(net.add_nic(host, "eth1", sw2));
      config.hosts.push_back({host, 32 * gib, Duration::minutes(3), Interface::of_nic(management.back()), 0});
      storage.attach(sr, h, host, {Interface::of_nic(storage_nics.back())});
    }
    net.on_change([this] { storage.network_changed(); });
    config.master = 0;
    config.ha_enabled = true;
    config.heartbeat_sr = sr;
    config.host_failures_to_tolerate = 0;
    config.vms = std::move(vms);
    config.ha = HaTimers::derive(Duration::seconds(60), IntervalFormula::current);
    if (adjust) adjust(config);
    pool = std::make_unique<Pool>(queue, bus, net, storage, config);
    bus.subscribe(log);
    pool->start();
  }
  void at(SimTime t, std::function<void()> f) { queue.schedule_at(t, Phase::fault, std::move(f)); }
};

// The retry guard forgets a VM that runs again (xapi_ha_vm_failover.ml restart_auto_run_vms: `gc_table
// last_start_attempt` keeps only the halted protected VMs of the pass, and xapi's loop passes every 20 s). With
// the guard at 600 s: web's host xs2 crashes at 100, web is restarted on xs1 at 180 (its attempt on record) and
// forgotten at the next pass, 200, where it runs. xs1 crashes at 300: web is restarted at the first pass after
// the liveset drops xs1 (375), at 380, not at 780 (180 + 600) as it would be had the attempt been kept.
TEST(HaMonitor, AVmRunningAgainIsRestartedAtOnceWhenItDiesAgain) {
  SplitWorld w(3, {vm("web", 1, 0, Duration::zero())}, {}, HeartbeatMode::compressed, [](PoolConfig& config) {
    config.master = 2;
    config.xapi.restart_retry_delay = Duration::seconds(600);
  });
  w.at(at_s(100), [&] { w.pool->crash(1); });
  w.at(at_s(300), [&] { w.pool->crash(0); });
  w.queue.run_until(at_s(900));
  const std::string missing = w.log.missing({
      "180.000000 vm/web vm_restart order=0 to=xs1",
      "300.000000 vm/web vm_died host=xs1",
      "375.000000 xs3/ha liveset_removed hosts=xs1 live=1",
      "380.000000 vm/web vm_restart order=0 to=xs3",
  });
  EXPECT_TRUE(missing.empty()) << missing << w.log.dump();
  EXPECT_EQ(w.log.count("vm_restart "), 2u) << w.log.dump();
}

// xapi starts a daemon that could not reach the statefile again every 10 s (xapi_ha.ml on_server_restart): xs2,
// fenced by its statefile watchdog at 177 (AHungStatefileFencesByItsWatchdog, I/O queued for ever), is back at
// 357 with its storage NIC still out; the NIC is back at 381, multipath reinstates the path at its next check
// (385), and the daemon starts at the first retry after that on the grid 357 + 10k: 387, not at once.
TEST(Xapi, ADaemonStartThatFailedIsRetriedEveryTenSeconds) {
  MultipathTiming queue_for_ever;
  queue_for_ever.no_path_retry = std::nullopt;
  SplitWorld w(3, {}, queue_for_ever);
  w.at(at_s(100), [&] { w.net.unplug(w.storage_nics[1]); });
  w.at(at_s(381), [&] { w.net.replug(w.storage_nics[1]); });
  w.queue.run_until(at_s(500));
  EXPECT_TRUE(w.log.has("177.000000 xs2/ha self_fence reason=statefile_watchdog")) << w.log.dump();
  EXPECT_TRUE(w.log.has("357.000000 xs2/ha join_aborted reason=statefile_unreachable")) << w.log.dump();
  EXPECT_TRUE(w.log.has("385.000000 xs2/iscsi-sr io_completes")) << w.log.dump();
  EXPECT_TRUE(w.log.has("387.000000 xs2/ha daemon_started")) << w.log.dump();
}

// xhad's start waits for every configured host, first on the heartbeat (T1 from the start), then on the
// statefile (T2) (sm.c sm(): wait_all_hosts_up_on_heartbeat, wait_all_hosts_up_on_statefile). xs2 reboots
// cleanly at 300 and is up at 480, on the grid where it hears both peers at once: with every host up it joins at
// once; with xs3 powered off since 100 it waits out T1 = T2 = 60 s and joins at 540.
TEST(Join, ARejoinWaitsUpToT1ForAHostThatIsDown) {
  for (const bool xs3_down : {false, true}) {
    SplitWorld w(3);
    if (xs3_down) w.at(at_s(100), [&] { w.pool->crash(2); });
    w.at(at_s(300), [&] { w.pool->reboot(1); });
    w.queue.run_until(at_s(800));
    const std::string joined = xs3_down ? "540.000000 xs2/ha joined hosts=xs1 live=2"
                                        : "480.000000 xs2/ha joined hosts=xs1,xs3 live=3";
    EXPECT_TRUE(w.log.has("480.000000 xs2/ha daemon_started")) << w.log.dump();
    EXPECT_TRUE(w.log.has(joined)) << w.log.dump();
    EXPECT_EQ(w.log.count("xs2/ha joined"), 1u) << w.log.dump();
  }
}

// With no liveset on the statefile (every host had gone down), the hosts starting together form one
// (sm.c test_Start_Criteria): with every configured host heard, all of them at once (wait_until_all_hosts_booted);
// with xs3 still off, the two that are back wait for Tboot = T + 60 s = 120 s from their start (380) and then, in
// the largest partition, form a liveset of themselves (form_new_liveset on hbdomain - notjoining), at 500.
TEST(Join, AfterAWholePoolOutageTheHostsBackFormALiveset) {
  for (const bool all_back : {true, false}) {
    SplitWorld w(3);
    w.at(at_s(100), [&] {
      for (HostIndex h = 0; h < 3; ++h) w.pool->crash(h);
    });
    w.at(at_s(200), [&] {
      w.pool->power_on(0);
      w.pool->power_on(1);
      if (all_back) w.pool->power_on(2);
    });
    w.queue.run_until(at_s(800));
    const std::string missing =
        all_back ? w.log.missing({"380.000000 xs1/ha joined hosts=xs2,xs3 live=3",
                                  "380.000000 xs2/ha joined hosts=xs1,xs3 live=3",
                                  "380.000000 xs3/ha joined hosts=xs1,xs2 live=3"})
                 : w.log.missing({"380.000000 xs1/ha daemon_started", "500.000000 xs1/ha joined hosts=xs2 live=2",
                                  "500.000000 xs2/ha joined hosts=xs1 live=2"});
    EXPECT_TRUE(missing.empty()) << missing << w.log.dump();
    EXPECT_EQ(w.log.count("/ha joined"), all_back ? 3u : 2u) << w.log.dump();
    EXPECT_EQ(w.pool->master(), 0u);
  }
}

// Only the largest partition forms a liveset (test_Start_Criteria, am_I_in_largest_partition): xs1, cut off from
// xs2 and xs3, gives up at Tboot (500) and keeps failing to join the liveset the other two form then.
TEST(Join, AHostOutsideTheLargestPartitionFormsNoLiveset) {
  SplitWorld w(3);
  w.at(at_s(100), [&] {
    for (HostIndex h = 0; h < 3; ++h) w.pool->crash(h);
  });
  w.at(at_s(150), [&] { w.pool->partition({{0}, {1, 2}}); });
  w.at(at_s(200), [&] {
    for (HostIndex h = 0; h < 3; ++h) w.pool->power_on(h);
  });
  w.queue.run_until(at_s(900));
  const std::string missing = w.log.missing({
      "500.000000 xs1/ha join_failed reason=not_in_largest_partition",
      "500.000000 xs2/ha joined hosts=xs3 live=2",
      "500.000000 xs3/ha joined hosts=xs2 live=2",
      "510.000000 xs1/ha daemon_started",
      "630.000000 xs1/ha join_failed reason=not_accepted_by_live_hosts",
  });
  EXPECT_TRUE(missing.empty()) << missing << w.log.dump();
  EXPECT_EQ(w.log.count("xs1/ha joined"), 0u) << w.log.dump();
  EXPECT_EQ(w.pool->master(), 1u);
}

// A host shut down cleanly is excluded until it joins again, and an excluded host forms no liveset while some
// other host is not excluded (test_Start_Criteria, MTC_ERROR_SM_BOOT_BLOCKED_BY_EXCLUDED): xs2 reboots at 100,
// xs1 loses power at 150; xs2, up at 280, gives up at Tboot (400) and at every retry.
TEST(Join, AnExcludedHostCannotStartThePoolAlone) {
  SplitWorld w(2);
  w.at(at_s(100), [&] { w.pool->reboot(1); });
  w.at(at_s(150), [&] { w.pool->crash(0); });
  w.queue.run_until(at_s(900));
  const std::string missing = w.log.missing({
      "280.000000 xs2/ha daemon_started",
      "400.000000 xs2/ha join_failed reason=blocked_by_excluded",
      "410.000000 xs2/ha daemon_started",
      "530.000000 xs2/ha join_failed reason=blocked_by_excluded",
  });
  EXPECT_TRUE(missing.empty()) << missing << w.log.dump();
  EXPECT_EQ(w.log.count("/ha joined"), 0u) << w.log.dump();
}

// A starting daemon forms nothing without its statefile. Both hosts lose power at 100 and xs2 alone is powered
// on; its storage NIC is pulled at 300, during its wait for Tboot: the I/O hangs. Its own slot, last written at
// 299, is T2 (60 s) old at 359: the daemon loses statefile access (sm.c update_sfdomain_sub) and aborts its start
// (test_Start_Criteria, MTC_ERROR_SM_NOSTATEFILE), closing its watchdogs before the statefile watchdog (Ws 75 s)
// would fire at 374. Once the path is back (600) it starts at xapi's next retry (10 s grid from 359), 609, and,
// alone in its partition, forms a liveset of itself at Tboot (729) and becomes master.
TEST(Join, AStartingDaemonFormsNothingWithoutItsStatefile) {
  SplitWorld w(2);
  w.at(at_s(100), [&] {
    w.pool->crash(0);
    w.pool->crash(1);
  });
  w.at(at_s(110), [&] { w.pool->power_on(1); });
  w.at(at_s(300), [&] { w.net.unplug(w.storage_nics[1]); });
  w.at(at_s(600), [&] { w.net.replug(w.storage_nics[1]); });
  w.queue.run_until(at_s(1000));
  const std::string missing = w.log.missing({
      "290.000000 xs2/ha daemon_started",
      "359.000000 xs2/ha peer_lost channel=statefile peer=xs2",
      "359.000000 xs2/ha join_aborted reason=statefile_unreachable",
      "609.000000 xs2/ha daemon_started",
      "729.000000 xs2/ha joined live=1",
      "730.000000 pool master_changed from=xs1 to=xs2",
  });
  EXPECT_EQ(w.log.count("self_fence"), 0u) << w.log.dump();
  EXPECT_TRUE(missing.empty()) << missing << w.log.dump();
  EXPECT_EQ(w.log.count("/ha joined"), 1u) << w.log.dump();
}

// The new master's first pass (xapi_ha.ml, xapi_fuse.ml, xapi_pool_transition.ml). xs1, the master, loses power
// at 100; xs2 and xs3 lose it at 159, survive at once and drop it at 177 (15 + 3 s), and xs2 takes the lock at
// its 180 poll. xs3 learns of it at its own 180 poll and restarts its xapi one fuse later (190), enabled again;
// xs2's xapi restarts as master at 190 (POOL_MASTER_TRANSITION). Its monitor checks the hosts at 210 (all
// enabled), waits its loop's 20 s, and passes at 230: HA_HOST_FAILED and db's restart.
TEST(Election, TheNewMasterPassesFirstAfterTheFuseAndTwoWaits) {
  SplitWorld w(3, {vm("db", 0, 0, Duration::zero())});
  w.at(at_s(100), [&] { w.pool->crash(0); });
  w.queue.run_until(at_s(400));
  const std::string missing = w.log.missing({
      "177.000000 xs2/ha liveset_removed hosts=xs1 live=2",
      "180.000000 pool master_changed from=xs1 to=xs2",
      "190.000000 pool alert host=xs2 name=POOL_MASTER_TRANSITION",
      "230.000000 pool alert host=xs1 name=HA_HOST_FAILED",
      "230.000000 vm/db vm_restart order=0 to=xs2",
  });
  EXPECT_TRUE(missing.empty()) << missing << w.log.dump();
  for (const auto& line : w.log.lines) {
    if (line.find("vm_restart") != line.npos) {
      EXPECT_EQ(line.rfind("230.", 0), 0u) << line;
    }
  }
}

// A host the new master waits for: xs3's xapi is hung when xs2 takes the lock (180), so it does not restart to
// follow it and stays disabled; the monitor checks every 20 s from 190 until xs3's toolstack is back (400: its new
// xapi enables it), sees it at 410 and passes at 430. Left hung, xs3 is fenced by xhad at 546 (its health check
// at 120 times out at 240, the hung restart is killed at 540, and it fences 2 t1 later) and stays in the liveset
// until 624 (xs2 loses it at 606 and sleeps 18 s): the wait ends at 630 and the pass comes at 650. (Had it stayed
// live and disabled: ha_monitor_startup_timeout, 1800 s.)
TEST(Election, TheNewMasterWaitsForEveryLiveHostToBeEnabled) {
  for (const bool restored : {true, false}) {
    SplitWorld w(3, {vm("db", 0, 0, Duration::zero())});
    w.at(at_s(90), [&] { w.pool->xapi_hang(2); });
    w.at(at_s(100), [&] { w.pool->crash(0); });
    if (restored) w.at(at_s(400), [&] { w.pool->xapi_restore(2); });
    w.queue.run_until(at_s(900));
    const std::string missing = w.log.missing({
        "180.000000 pool master_changed from=xs1 to=xs2",
        "190.000000 pool alert host=xs2 name=POOL_MASTER_TRANSITION",
        restored ? "430.000000 vm/db vm_restart order=0 to=xs2" : "650.000000 vm/db vm_restart order=0 to=xs2",
    });
    EXPECT_TRUE(missing.empty()) << missing << w.log.dump();
  }
}

// A slave in maintenance leaves it when it follows a new master: the operator's disable is held in xapi's memory
// (xapi_host_helpers.ml user_requested_host_disable), and its restarted xapi enables the host (190).
TEST(Election, AHostInMaintenanceIsEnabledAgainWhenItFollowsANewMaster) {
  SplitWorld w(3, {vm("db", 0, 0, Duration::zero())});
  w.at(at_s(50), [&] { w.pool->enter_maintenance(2, std::nullopt); });
  w.at(at_s(100), [&] { w.pool->crash(0); });
  w.queue.run_until(at_s(400));
  const std::string missing = w.log.missing({
      "50.000000 xs3 maintenance_entered",
      "180.000000 pool master_changed from=xs1 to=xs2",
      "190.000000 xs3 maintenance_exited",
      "230.000000 vm/db vm_restart order=0 to=xs2",
  });
  EXPECT_TRUE(missing.empty()) << missing << w.log.dump();
}

// Phase 3 decides from the domains as they stood at the end of phase 2 (xhad's stable view), and a partition
// after a host has fenced is merged at the phase-2 timeout. Four hosts, T = 60 s, grid every 3 s:
// - 100 xs1 loses both NICs: last heartbeat and slot at 99, so everyone loses it (and it everyone, its own slot
//   too) at 159; every phase 2 agrees at once. xs1 hears no running peer, so its rendezvous into phase 3 waits
//   for nobody: it fences at 159 (statefile_and_peers_lost), on the view it lost its peers with, although its
//   cables are back at 160.3 and it would hear xs2 at 162. 161.4 a partition {xs1, xs2} | {xs3, xs4} cuts the
//   management network before the 162 heartbeats.
// - 159 xs2, xs3, xs4 survive at once (the rendezvous into phase 3 is made as soon as all report phase 2 done),
//   no partition; all three drop xs1 at 177 (15 + 3 s), and at the 180 poll xs2, the lowest index, takes the lock.
// - 219 xs3 and xs4 lose xs2 (last heard at 159), and xs2 them. No view agrees, so phase 2 runs to 219 + T = 279:
//   the merge keeps {xs3, xs4} (get_partition_score), xs2 fences and xs3 and xs4 survive by the largest
//   partition. They sleep 18 + T (xs2 is still on the statefile): liveset at 357, xs3 master at its 370 poll
//   (its xapi restarted at 190 to follow xs2, one fuse after its 180 poll found xs2 master, and its loop starts
//   there).
TEST(FaultHandler, PhaseThreeDecidesFromTheViewAtTheEndOfPhaseTwo) {
  SplitWorld w(4);
  w.at(at_s(100), [&] {
    w.net.unplug(w.management[0]);
    w.net.unplug(w.storage_nics[0]);
  });
  w.at(at_s(160.3), [&] {
    w.net.replug(w.management[0]);
    w.net.replug(w.storage_nics[0]);
  });
  w.at(at_s(161.4), [&] { w.pool->partition({{0, 1}, {2, 3}}); });
  w.queue.run_until(at_s(400));
  const std::string missing = w.log.missing({
           "159.000000 xs1/ha fault_handler_started",
           "159.000000 xs1/ha self_fence reason=statefile_and_peers_lost",
           "159.000000 xs2/ha survived rule=no_partition",
           "159.000000 xs3/ha survived rule=no_partition",
           "177.000000 xs3/ha liveset_removed hosts=xs1 live=3",
           "177.000000 xs2/ha liveset_removed hosts=xs1 live=3",
           "180.000000 pool master_changed from=xs1 to=xs2",
           "219.000000 xs3/ha peer_lost channel=network peer=xs2",
           "219.000000 xs2/ha peer_lost channel=network peer=xs3",
           "279.000000 xs3/ha survived rule=largest_partition",
           "279.000000 xs4/ha survived rule=largest_partition",
           "279.000000 xs2/ha self_fence reason=smaller_partition",
           "357.000000 xs3/ha liveset_removed hosts=xs2 live=2",
           "370.000000 pool master_changed from=xs2 to=xs3",
  });
  EXPECT_TRUE(missing.empty()) << missing << w.log.dump();
  EXPECT_EQ(w.pool->master(), 2u);
}

// A reader back from a statefile outage counts every slot written meanwhile as updated at its first read (xha
// statefile.c readsf: updateclock = readclock on a changed sequence). Two hosts, T = 60 s, grid every 3 s:
// - 100 xs2 loses its management NIC and its storage: last heartbeat and slot read at 99; its iSCSI session
//   recovers at 130 (the path is back before it is failed), and its first read sees xs1's slot changed.
// - 121 xs1's storage hangs after its 120 cycle (its watchdog would fire at 195).
// - 159 they lose each other's heartbeats; xs1 loses xs2's slot (last written 99). xs2 keeps xs1 on the
//   statefile until 130 + T = 190, not 99 + T = 159.
// - xs1: its own slot lapses at 180 (120 + T); phase 3 at once (no peer to rendezvous with), with no statefile
//   and no peer: it fences.
// - xs2: phase 1 waits for xs1's stale slot to leave (190); phase 3 at once (no partition), sleeps 18 s, drops
//   xs1 at 208 and is master at its 220 poll. Timing xs1's slot out from the 99 read instead, it dropped xs1 at
//   180 and took the lock at 180 while xs1 still acted as master: two masters (swarm seed 25299).
TEST(FaultHandler, AReaderBackFromAStatefileOutageSeesTheSlotsWrittenMeanwhile) {
  SplitWorld w(2);
  w.at(at_s(100), [&] {
    w.net.unplug(w.management[1]);
    w.net.unplug(w.storage_nics[1]);
  });
  w.at(at_s(121), [&] { w.net.unplug(w.storage_nics[0]); });
  w.at(at_s(130), [&] { w.net.replug(w.storage_nics[1]); });
  w.queue.run_until(at_s(300));
  const std::string missing = w.log.missing({
      "100.000000 xs2/iscsi-sr io_hangs",
      "121.000000 xs1/iscsi-sr io_hangs",
      "130.000000 xs2/iscsi-sr io_completes",
      "159.000000 xs1/ha peer_lost channel=statefile peer=xs2",
      "159.000000 xs2/ha peer_lost channel=network peer=xs1",
      "159.000000 xs2/ha fault_handler_started",
      "180.000000 xs1/ha peer_lost channel=statefile peer=xs1",
      "180.000000 xs1/ha self_fence reason=statefile_and_peers_lost",
      "190.000000 xs2/ha peer_lost channel=statefile peer=xs1",
      "190.000000 xs2/ha survived rule=no_partition",
      "208.000000 xs2/ha liveset_removed hosts=xs1 live=1",
      "220.000000 pool master_changed from=xs1 to=xs2",
  });
  EXPECT_TRUE(missing.empty()) << missing << w.log.dump();
  EXPECT_EQ(w.pool->master(), 1u);
}

// A reader whose statefile I/O failed (an error at once: multipath `no_path_retry fail`) reads again at its next
// cycle, not when the path comes back: a failed cycle ends at once, so the next good one is on the reader's grid
// (statefile.c sfthread). Two hosts, T = 60 s, cycles every 3 s: xs2's storage NIC is out from 100 (last good
// cycle 99); multipath fails the path at 125 and I/O errors from then on. xs1 crashes at 130 (last slot write
// 129). The NIC is back at 151, the checker reinstates the path at 155, and xs2's cycle at 156 finds xs1's slot
// changed: xs1 stays on xs2's statefile until 156 + T = 216.
// Both heartbeat modes give this timeline.
TEST(FaultHandler, AReaderBackFromFailedStatefileIoReadsAtItsNextCycle) {
  MultipathTiming fail_at_once;
  fail_at_once.no_path_retry = 0;
  std::vector<std::vector<std::string>> timelines;
  for (const HeartbeatMode mode : {HeartbeatMode::compressed, HeartbeatMode::messages}) {
    SplitWorld w(2, {}, fail_at_once, mode);
    w.at(at_s(100), [&] { w.net.unplug(w.storage_nics[1]); });
    w.at(at_s(130), [&] { w.pool->crash(0); });
    w.at(at_s(151), [&] { w.net.replug(w.storage_nics[1]); });
    w.queue.run_until(at_s(400));
    const std::string missing = w.log.missing({
        "100.000000 xs2/iscsi-sr io_hangs",
        "125.000000 xs2/iscsi-sr io_fails",
        "155.000000 xs2/iscsi-sr io_completes",
        "189.000000 xs2/ha peer_lost channel=network peer=xs1",
        "216.000000 xs2/ha peer_lost channel=statefile peer=xs1",
    });
    EXPECT_TRUE(missing.empty()) << missing << w.log.dump();
    timelines.push_back(w.log.lines);
  }
  EXPECT_EQ(timelines[0], timelines[1]);
}

// The management switch dies at 100 and is back at 160.1, just after every host lost every other at 159; a
// partition {xs1} | {xs2, xs3} from 106 keeps xs1 apart. Each host's heartbeat domain is itself alone while its
// statefile domain holds all three, so no two views agree and phase 2 runs to its timeout, 159 + T = 219
// (sm.c wait_until_all_hosts_have_consistent_view). xs2 and xs3 hear each other again at 162, but a host does not
// enter a domain while a fault handler runs (join_block), so the merge at 219 sees three partitions of one: the
// peeling keeps the lowest host (get_partition_score), xs2 and xs3 fence. xs1 sleeps 18 + T (the losers are still
// on the statefile): liveset at 297.
TEST(FaultHandler, ViewsThatHealDuringTheFaultHandlerDoNotCount) {
  SplitWorld w(3);
  w.at(at_s(100), [&] { w.net.fail_switch(w.sw1); });
  w.at(at_s(106), [&] { w.pool->partition({{1, 2}, {0}}); });
  w.at(at_s(160.1), [&] { w.net.restore_switch(w.sw1); });
  w.queue.run_until(at_s(400));
  const std::string missing = w.log.missing({
           "159.000000 xs2/ha peer_lost channel=network peer=xs3",
           "162.000000 xs2/ha peer_seen channel=network peer=xs3",
           "219.000000 xs1/ha survived rule=largest_partition",
           "219.000000 xs2/ha self_fence reason=smaller_partition",
           "219.000000 xs3/ha self_fence reason=smaller_partition",
           "297.000000 xs1/ha liveset_removed hosts=xs2,xs3 live=1",
  });
  EXPECT_TRUE(missing.empty()) << missing << w.log.dump();
  EXPECT_EQ(w.pool->master(), 0u);
}

// Phase 1 waits only for a peer whose last update is more than T/4 old and older than the handler's start
// (sm.c wait_until_HBSF_state_stable). Four hosts, T = 60 s: xs3 crashes at 100 (last heartbeat 99), xs2's
// management NIC is pulled at 130 (last heartbeat 129), xs4's at 163 (last heartbeat 162).
// - 159 everyone loses xs3 and starts a handler. xs2 is stale (30 s old, from before the start): phase 1 waits.
// - 189 xs2 leaves every heartbeat domain. xs4, 27 s old, is not stale: its last heartbeat came after the start,
//   so phase 1 ends at 189 on every host and phase 2 begins. xs2 is still on everyone's statefile with a heartbeat
//   domain of its own, so the views never agree: phase 2 runs to 189 + T = 249.
// - 222 xs4 leaves xs1's heartbeat domain within phase 2. At 249 the merge sees three partitions of one; the
//   lowest host, xs1, is kept (get_partition_score); xs2 and xs4 fence; xs1 sleeps 18 + T (both are still on the
//   statefile) and drops all three at 327.
TEST(FaultHandler, PhaseOneWaitsOnlyForPeersStaleSinceBeforeItsStart) {
  SplitWorld w(4);
  w.at(at_s(100), [&] { w.pool->crash(2); });
  w.at(at_s(130), [&] { w.net.unplug(w.management[1]); });
  w.at(at_s(163), [&] { w.net.unplug(w.management[3]); });
  w.queue.run_until(at_s(400));
  const std::string missing = w.log.missing({
           "159.000000 xs1/ha fault_handler_started",
           "189.000000 xs1/ha peer_lost channel=network peer=xs2",
           "222.000000 xs1/ha peer_lost channel=network peer=xs4",
           "249.000000 xs1/ha survived rule=largest_partition",
           "249.000000 xs2/ha self_fence reason=smaller_partition",
           "249.000000 xs4/ha self_fence reason=smaller_partition",
           "327.000000 xs1/ha liveset_removed hosts=xs2,xs3,xs4 live=1",
  });
  EXPECT_TRUE(missing.empty()) << missing << w.log.dump();
  EXPECT_EQ(w.pool->master(), 0u);
}

// A slave whose statefile I/O hangs while its network is fine (docs/model.md "Watchdogs"; research §4a): the slot
// written at 99 is its last, so at 159 it loses every slot (its own too) and the others lose its slot. Their views
// differ (it has no statefile, they have it on theirs), so no phase 2 agrees within T. Its statefile watchdog is
// set to Ws at the start of every cycle (statefile.c sfthread), last by the cycle of 102, the first after the hang,
// whose write hangs: with the I/O queued for ever it fires at 102 + T + 15 = 177. The others' phase 2 ends at
// 159 + T = 219 with no partition (xs2, fenced, is still in their heartbeat domain until 237): they keep it out
// and sleep 15 + 3 + T: liveset at 297, seen by the master's monitor at its next loop, 300.
// With multipath's default queue (no_path_retry 10 checks: the I/O errors at 125 + 50 = 175), the hung write fails
// at 175, before the watchdog is due, and each failed cycle after it sets the watchdog again: it never fires, and
// xs2 fences at 219 by its fault handler's decision instead (it lost the statefile while its peers kept it).
TEST(FaultHandler, AHungStatefileFencesByItsWatchdog) {
  MultipathTiming queue_for_ever;
  queue_for_ever.no_path_retry = std::nullopt;
  SplitWorld w(3, {}, queue_for_ever);
  w.at(at_s(100), [&] { w.net.unplug(w.storage_nics[1]); });
  w.queue.run_until(at_s(400));
  const std::string missing = w.log.missing({
      "100.000000 xs2/iscsi-sr io_hangs",
      "159.000000 xs2/ha fault_handler_started",
      "177.000000 xs2/ha self_fence reason=statefile_watchdog",
      "219.000000 xs1/ha survived rule=no_partition",
      "297.000000 xs1/ha liveset_removed hosts=xs2 live=2",
      "300.000000 pool alert host=xs2 name=HA_HOST_FAILED",
      "357.000000 xs2/ha join_aborted reason=statefile_unreachable",
  });
  EXPECT_TRUE(missing.empty()) << missing << w.log.dump();
  EXPECT_EQ(w.pool->master(), 0u);

  SplitWorld q(3);
  q.at(at_s(100), [&] { q.net.unplug(q.storage_nics[1]); });
  q.queue.run_until(at_s(400));
  const std::string queued = q.log.missing({
      "175.000000 xs2/iscsi-sr io_fails",
      "219.000000 xs2/ha self_fence reason=statefile_lost_peer_has_it",
      "219.000000 xs1/ha survived rule=no_partition",
  });
  EXPECT_TRUE(queued.empty()) << queued << q.log.dump();
  EXPECT_EQ(q.log.count("statefile_watchdog"), 0u) << q.log.dump();
}

// A protected VM that does not fit (docs/model.md "HA monitor and restarts"): big (20 GiB) on xenserver-2, which
// crashes at 100; xenserver-1 (32 GiB) already runs filler (20 GiB, not protected), so no plan exists from the
// start. At the monitor's first pass after the liveset changed at 177 (99 + T + 18), 180, big finds no host with
// room: vm_restart_failed and, once, HA_PROTECTED_VM_RESTART_FAILED. filler is shut down at 300; the monitor passes
// every 20 s but a failed VM waits more than 120 s after its last attempt, so the pass of 300 leaves it (exactly
// 120 s) and the one of 320 restarts it.
TEST_F(Tutorial, AProtectedVmThatDidNotFitIsRetriedOnceMemoryFrees) {
  VmConfig big = vm("big", 1, 0, Duration::zero());
  big.memory = 20 * gib;
  VmConfig filler = vm("filler", 0, 0, Duration::zero());
  filler.memory = 20 * gib;
  filler.priority = RestartPriority::do_not_restart;
  build({big, filler});
  at(at_s(100), [&] { pool->crash(1); });
  at(at_s(300), [&] { pool->vm_shutdown(1); });
  queue.run_until(at_s(700));
  const std::string missing = log.missing({
      "0.000000 pool alert name=HA_POOL_OVERCOMMITTED",
      "180.000000 pool alert host=xenserver-2 name=HA_HOST_FAILED",
      "180.000000 vm/big vm_restart_failed reason=no_capacity",
      "180.000000 pool alert name=HA_PROTECTED_VM_RESTART_FAILED vm=big",
      "300.000000 vm/filler vm_shutdown",
      "320.000000 vm/big vm_restart order=0 to=xenserver-1",
      "380.000000 vm/big vm_running host=xenserver-1",
  });
  EXPECT_TRUE(missing.empty()) << missing << log.dump();
  EXPECT_EQ(std::count_if(log.lines.begin(), log.lines.end(),
                          [](const std::string& l) { return l.find("HA_PROTECTED_VM_RESTART_FAILED") != l.npos; }),
            1);
}

// xhad's bond monitor (bond_mon.c) on a Linux bond: checks every 10 s from the daemon's start; xapi reads the
// warning on its 20 s HA monitor loop and raises HA_NETWORK_BONDING_ERROR when it turns on (xapi_ha.ml). eth0 out
// at 300 (member down at 300.2): 310 check, 320 alert. Back at 400, enabled at 431 (updelay): 440 clears it, no
// record. eth1 out at 500: raised again at 520. On Open vSwitch no bond is watched: no alert.
TEST_F(Tutorial, ALinuxBondThatLosesAMemberRaisesTheBondingAlert) {
  bond_monitor = true;
  build({vm("dns", 0, 0, Duration::zero())});
  at(at_s(300), [&] { net.unplug(nics[0]); });
  at(at_s(400), [&] { net.replug(nics[0]); });
  at(at_s(500), [&] { net.unplug(nics[1]); });
  queue.run_until(at_s(700));
  std::vector<std::string> alerts;
  for (const std::string& line : log.lines) {
    if (line.find(" alert ") != std::string::npos) alerts.push_back(line);
  }
  EXPECT_EQ(alerts, (std::vector<std::string>{"320.000000 pool alert host=xenserver-1 name=HA_NETWORK_BONDING_ERROR",
                                              "520.000000 pool alert host=xenserver-1 name=HA_NETWORK_BONDING_ERROR"}))
      << log.dump();
}

TEST_F(Tutorial, AnOpenVswitchBondIsNotWatched) {
  build({vm("dns", 0, 0, Duration::zero())});
  at(at_s(300), [&] { net.unplug(nics[0]); });
  queue.run_until(at_s(700));
  for (const std::string& line : log.lines) EXPECT_EQ(line.find("HA_NETWORK_BONDING_ERROR"), std::string::npos) << line;
  EXPECT_TRUE(log.has("300.200000 xenserver-1/bond0 member_down member=eth0")) << log.dump();
}

// xapi replans when the liveset changes, when asked, and otherwise only once ha_monitor_plan_interval (30 min)
// has passed (xapi_ha.ml plan_too_old); an operator's shutdown does not ask. Two 20 GiB protected VMs on two
// 32 GiB hosts leave no plan for one failure: overcommitted from the pass at 0. At 100 b is shut down: a plan
// exists again, but xapi finds out only at the first monitor loop after 0 + 30 min, 1820. Until then the pool
// counts as overcommitted and refuses nothing (c starts at 1000); after it, c would break the plan (refused at
// 1900).
TEST_F(Tutorial, AnOperatorsShutdownIsSeenByTheNextPeriodicReplan) {
  for (const double start_at : {1000.0, 1900.0}) {
    World w;
    VmConfig a = vm("a", 0, 0, Duration::zero());
    a.memory = 20 * gib;
    VmConfig b = vm("b", 1, 0, Duration::zero());
    b.memory = 20 * gib;
    VmConfig c = vm("c", 1, 0, Duration::zero());
    c.memory = 16 * gib;
    c.host.reset();
    w.build({a, b, c});
    w.at(at_s(100), [&w] { w.pool->vm_shutdown(1); });
    w.at(at_s(start_at), [&w] { w.pool->vm_start(2, 1); });
    w.queue.run_until(at_s(2400));
    EXPECT_TRUE(w.log.has("0.000000 pool alert name=HA_POOL_OVERCOMMITTED")) << w.log.dump();
    if (start_at < 1820) {
      EXPECT_TRUE(w.log.has("1000.000000 vm/c vm_start to=xenserver-2")) << w.log.dump();
    } else {
      EXPECT_TRUE(w.log.has("1900.000000 pool operation_refused op=vm_start reason=would_break_failover_plan vm=c"))
          << w.log.dump();
    }
  }
}

// Rule 2 reads the peers' statefile access from the view phase 2 ended with (sm.c test_Survival_Rule: the
// peer's own slot in the statefile domain its heartbeats report). The array hangs at 100 (last good cycle 99):
// at 159 both hosts lose every slot, agree at once and decide at once (the rendezvous into phase 3 is made as
// soon as both report phase 2 done): nobody has the statefile and both hosts hear each other, so both survive
// by rule 2. The array is back at 159.5 and the paths at 160, host by host. Each host's hung cycle then completes
// (its write, then its read: statefile.c sfthread), and the reads come once both writes have gone through: at
// 160 each host finds both slots fresh. Nobody fences.
TEST_F(Tutorial, AnArrayBackJustAfterTheSlotsAgedOutFencesNobody) {
  build({vm("web", 1, 0, Duration::zero())});
  at(at_s(100), [&] { storage.fail_array(sr); });
  at(at_s(159.5), [&] { storage.restore_array(sr); });
  queue.run_until(at_s(600));
  const std::string missing = log.missing({
      "159.000000 xenserver-1/ha peer_lost channel=statefile peer=xenserver-2",
      "160.000000 xenserver-2/iscsi-sr io_completes",
      "160.000000 xenserver-1/ha peer_seen channel=statefile peer=xenserver-1",
      "160.000000 xenserver-1/ha peer_seen channel=statefile peer=xenserver-2",
      "160.000000 xenserver-2/ha peer_seen channel=statefile peer=xenserver-1",
      "159.000000 xenserver-1/ha survived rule=survival_rule_2",
      "159.000000 xenserver-2/ha survived rule=survival_rule_2",
  });
  EXPECT_TRUE(missing.empty()) << missing << log.dump();
  for (const std::string& line : log.lines) EXPECT_EQ(line.find("self_fence"), std::string::npos) << line;
}

// Compressed heartbeats must give exactly the timeline of message-level heartbeats (docs/performance.md "How
// steady-state heartbeats are made free"), fault script by fault script; message mode runs every heartbeat as an
// event.
struct Script {
  const char* name;
  std::vector<VmConfig> vms;
  std::function<void(World&)> faults;
};

std::vector<std::string> run_script(HeartbeatMode mode, const Script& script, std::uint64_t* events = nullptr) {
  World w;
  w.mode = mode;
  w.build(script.vms);
  script.faults(w);
  w.queue.run_until(at_s(1800));
  if (events) *events = w.queue.events_run();
  return w.log.lines;
}

TEST(HeartbeatModes, CompressedMatchesMessageLevel) {
  const std::vector<Script> scripts{
      {"both cables of the master", {vm("dns", 0, 0, Duration::seconds(30)), vm("ad", 0, 1, Duration::zero())},
       [](World& w) {
         w.at(at_s(300), [&w] {
           w.net.unplug(w.nics[0]);
           w.net.unplug(w.nics[1]);
         });
         w.at(at_s(900), [&w] {
           w.net.replug(w.nics[0]);
           w.net.replug(w.nics[1]);
         });
       }},
      {"one cable", {vm("dns", 0, 0, Duration::zero())}, [](World& w) { w.at(at_s(300), [&w] { w.net.unplug(w.nics[0]); }); }},
      {"slave crash and power on", {vm("web", 1, 0, Duration::zero())},
       [](World& w) {
         w.at(at_s(100), [&w] { w.pool->crash(1); });
         w.at(at_s(700), [&w] { w.pool->power_on(1); });
       }},
      {"partition and heal", {vm("web", 1, 0, Duration::zero())},
       [](World& w) {
         w.at(at_s(100), [&w] { w.pool->partition({{0}, {1}}); });
         w.at(at_s(600), [&w] { w.pool->heal(); });
       }},
      {"array lost then network cut", {},
       [](World& w) {
         w.at(at_s(100), [&w] { w.storage.fail_array(w.sr); });
         w.at(at_s(300), [&w] { w.pool->partition({{0}, {1}}); });
       }},
      {"array lost and back", {vm("web", 1, 0, Duration::zero())},
       [](World& w) {
         w.at(at_s(100), [&w] { w.storage.fail_array(w.sr); });
         w.at(at_s(600), [&w] { w.storage.restore_array(w.sr); });
       }},
      {"cable flapping", {},
       [](World& w) {
         for (int i = 0; i < 20; ++i) {
           w.at(at_s(100 + 7.3 * i), [&w] { w.net.unplug(w.nics[2]); });
           w.at(at_s(103.1 + 7.3 * i), [&w] { w.net.replug(w.nics[2]); });
         }
         w.at(at_s(400), [&w] { w.net.unplug(w.nics[2]); w.net.unplug(w.nics[3]); });
         w.at(at_s(430), [&w] { w.net.replug(w.nics[3]); });
       }},
      {"xapi dead", {}, [](World& w) { w.at(at_s(100), [&w] { w.pool->xapi_hang(1); }); }},
  };
  for (const Script& script : scripts) {
    std::uint64_t compressed_events = 0, message_events = 0;
    const auto compressed = run_script(HeartbeatMode::compressed, script, &compressed_events);
    const auto messages = run_script(HeartbeatMode::messages, script, &message_events);
    EXPECT_EQ(compressed, messages) << script.name;
    EXPECT_LT(compressed_events * 10, message_events) << script.name << ": compression saves most events";
  }
}

}  // namespace
}  // namespace poolsim::models
