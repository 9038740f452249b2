// The pool's components on their own (sim/models/*.hpp, docs/architecture.md "The pool's components"): the master's
// failover plan built on a PoolContext with no Pool around it, the heartbeat transport's ordering of the domain
// changes of one instant, the same in both implementations, the fault handler on a domain view the test writes, the
// host machines, xhad, xapimon, the HA monitor and the statefile each through its own interface, and the invariant
// checker on records the test hands it.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "models/pool_context.hpp"
#include "unit/models/timeline_lines.hpp"

namespace poolsim::models {
namespace {

constexpr std::uint64_t gib = 1ULL << 30;

// Three hosts of 16 GiB, each with one NIC on sw1, an iSCSI heartbeat SR, HA on with T = 60 s, ntol 1.
struct ComponentsWorld {
  EventQueue queue;
  EventBus bus;
  Lines log;
  Network net{queue, bus};
  Storage storage{queue, bus, net};
  std::unique_ptr<PoolContext> ctx;

  static SimTime at(double seconds) { return SimTime::from_ns(static_cast<std::int64_t>(seconds * 1e9)); }

  void build(std::vector<VmConfig> vms, HeartbeatMode mode = HeartbeatMode::compressed) {
    const SwitchIndex sw1 = net.add_switch("sw1");
    PoolConfig config;
    const ArrayIndex sr = storage.add_array("sr", StorageKind::iscsi);
    storage.add_portal(sr, "tgt", sw1);
    for (const char* host : {"xs1", "xs2", "xs3"}) {
      const NicIndex nic = net.add_nic(host, "eth0", sw1);
      config.hosts.push_back({host, 16 * gib, Duration::minutes(3), Interface::of_nic(nic)});
      storage.attach(sr, static_cast<HostIndex>(config.hosts.size() - 1), host, {Interface::of_nic(nic)});
    }
    net.on_change([this] { storage.network_changed(); });
    config.vms = std::move(vms);
    config.master = 0;
    config.ha_enabled = true;
    config.heartbeat_sr = sr;
    config.host_failures_to_tolerate = 1;
    config.ha = HaTimers::derive(Duration::seconds(60), IntervalFormula::current);
    config.heartbeats = mode;
    ctx = std::make_unique<PoolContext>(queue, bus, net, storage, config);
    // What Pool's constructor wires: the components hear the network and the storage change.
    net.on_change([this] {
      ctx->refresh();
      ctx->xhad.retry_failed_joins();
      ctx->xhad.bonds_changed();
    });
    storage.on_change([this] {
      ctx->statefile.storage_changed();
      ctx->xhad.retry_failed_joins();
    });
    bus.subscribe(log);
    ctx->start();
  }
};

struct Components : ::testing::Test, ComponentsWorld {};

VmConfig vm(std::string name, std::optional<HostIndex> host, std::uint64_t memory,
            RestartPriority priority = RestartPriority::restart) {
  VmConfig v;
  v.name = std::move(name);
  v.memory = memory;
  v.host = host;
  v.priority = priority;
  v.boot_time = Duration::seconds(30);
  return v;
}

// VM.start with no host (vm_placement.ml select_host_from_summary): hosts where the VM fits, sorted by memory left
// after it (the master's halved), picked at index floor(n u^2): index i with probability sqrt((i+1)/n) - sqrt(i/n).
TEST_F(Components, ChooseHostIsABiasedPickAmongTheHostsWhereTheVmFits) {
  build({vm("a", 0, 4 * gib)});  // the master xs1 has 12 GiB free, xs2 and xs3 16 GiB
  const auto shares = [&](std::uint64_t memory) {
    std::vector<double> counts(3, 0.0);
    constexpr int draws = 20000;
    for (int i = 0; i < draws; ++i) {
      const std::optional<HostIndex> h = ctx->db.choose_host(memory, [](HostIndex) { return true; });
      if (!h) return std::vector<double>{};
      counts[*h] += 1.0 / draws;
    }
    return counts;
  };
  // 2 GiB: xs2 and xs3 score 14 GiB (a tie, in host order), the master (10 GiB - 1) / 2.
  const std::vector<double> small = shares(2 * gib);
  ASSERT_EQ(small.size(), 3u);
  EXPECT_NEAR(small[1], 1 / std::sqrt(3.0), 0.015);
  EXPECT_NEAR(small[2], std::sqrt(2 / 3.0) - 1 / std::sqrt(3.0), 0.015);
  EXPECT_NEAR(small[0], 1 - std::sqrt(2 / 3.0), 0.015);
  // 13 GiB does not fit on the master.
  const std::vector<double> large = shares(13 * gib);
  ASSERT_EQ(large.size(), 3u);
  EXPECT_EQ(large[0], 0.0);
  EXPECT_NEAR(large[1], 1 / std::sqrt(2.0), 0.015);
  // 17 GiB fits nowhere.
  EXPECT_FALSE(ctx->db.choose_host(17 * gib, [](HostIndex) { return true; }));
}

TEST_F(Components, FailoverPlanSeesOnlyLiveEnabledHostsOfTheMastersLiveset) {
  build({vm("a", 0, 4 * gib), vm("b", 1, 4 * gib)});
  PlannerInput input = ctx->plan.planner_input(0);
  ASSERT_EQ(input.hosts.size(), 3U);
  EXPECT_TRUE(input.hosts[0].live && input.hosts[1].live && input.hosts[2].live);
  EXPECT_EQ(input.vms[0].host, 0U);
  EXPECT_TRUE(input.vms[0].is_protected);
  ctx->machines[2].disabled = true;    // entering maintenance
  ctx->xhad[0].liveset[1] = false;     // the master no longer counts xs2 as live
  input = ctx->plan.planner_input(0);
  EXPECT_TRUE(input.hosts[0].live);
  EXPECT_FALSE(input.hosts[1].live);
  EXPECT_FALSE(input.hosts[2].live);
}

TEST_F(Components, FailoverPlanArrivingVmsAsXapiChecksThem) {
  build({vm("protected", 0, 4 * gib), vm("new", std::nullopt, 2 * gib), vm("plain", 1, 1 * gib,
                                                                          RestartPriority::best_effort)});
  // A `restart` VM not yet protected becomes a new VM to protect, wherever it starts (no host, no move).
  const PlanChange start = ctx->plan.arriving(1, 2);
  ASSERT_EQ(start.new_vms.size(), 1U);
  EXPECT_TRUE(start.new_vms[0].is_protected);
  EXPECT_FALSE(start.new_vms[0].host.has_value());
  EXPECT_TRUE(start.moves.empty());
  // A running VM migrating to xs3 moves there and still holds its memory on xs1 (reserve_memory_for_vm).
  const PlanChange migrate = ctx->plan.arriving(0, 2);
  ASSERT_EQ(migrate.moves.size(), 1U);
  EXPECT_EQ(migrate.moves[0].vm, 0U);
  EXPECT_EQ(migrate.moves[0].to, 2U);
  ASSERT_EQ(migrate.new_vms.size(), 1U);
  EXPECT_EQ(migrate.new_vms[0].host, 0U);
  EXPECT_FALSE(migrate.new_vms[0].is_protected);
  // Arriving on the host it runs on holds nothing twice.
  EXPECT_TRUE(ctx->plan.arriving(2, 1).new_vms.empty());
}

TEST_F(Components, FailoverPlanPoolStatusAndItsAlerts) {
  // 8 GiB on each host: any one host's VMs fit on the other two: a plan for 1 failure exists.
  build({vm("a", 0, 8 * gib), vm("b", 1, 8 * gib), vm("c", 2, 8 * gib)});
  ctx->plan.update_pool_status(0);
  EXPECT_FALSE(ctx->plan.overcommitted);
  EXPECT_EQ(ctx->plan.plan_exists_for, 1);
  EXPECT_FALSE(ctx->plan.breaks_plan(0, PlanChange::protect_vm(4 * gib)));
  // A 12 GiB protected VM on xs3 leaves no room for xs3's VMs elsewhere: the start would break the plan.
  EXPECT_TRUE(ctx->plan.breaks_plan(0, PlanChange::protect_vm(12 * gib, 2)));
  // The pool marked overcommitted (a refused restart): plan_exists_for follows the planner's max, with alerts.
  ctx->machines[1].disabled = true;
  ctx->plan.update_pool_status(0);
  EXPECT_TRUE(ctx->plan.overcommitted);
  EXPECT_EQ(ctx->plan.plan_exists_for, 0);
  EXPECT_EQ(log.missing({"0.000000 pool alert name=HA_POOL_DROP_IN_PLAN_EXISTS_FOR value=0",
                         "0.000000 pool alert name=HA_POOL_OVERCOMMITTED"}),
            "")
      << log.dump();
  // An overcommitted pool refuses nothing for the plan's sake (no plan for plan_exists_for = 0 to break).
  EXPECT_FALSE(ctx->plan.breaks_plan(0, PlanChange::protect_vm(12 * gib, 2)));
}

// xs1's cable out at 300 s: its last heartbeat and good statefile cycle were at 297; at 357 = 297 + T every host
// finds its losses, and settle applies them sorted by (observer, peer, channel) — in both transports alike.
std::vector<std::string> losses_at_357(HeartbeatMode mode) {
  ComponentsWorld world;
  world.build({}, mode);
  world.queue.schedule_at(SimTime::zero() + Duration::seconds(300), Phase::fault,
                          [&world] { world.net.unplug(0); });
  world.queue.run_until(SimTime::zero() + Duration::seconds(358));
  std::vector<std::string> out;
  for (const std::string& line : world.log.lines) {
    if (line.starts_with("357.000000 ") && line.find("peer_lost") != std::string::npos) out.push_back(line);
  }
  return out;
}

TEST(HeartbeatTransport, DomainChangesOfOneInstantInOrderInBothModes) {
  const std::vector<std::string> expected = {
      "357.000000 xs1/ha peer_lost channel=statefile peer=xs1",
      "357.000000 xs1/ha peer_lost channel=network peer=xs2",
      "357.000000 xs1/ha peer_lost channel=statefile peer=xs2",
      "357.000000 xs1/ha peer_lost channel=network peer=xs3",
      "357.000000 xs1/ha peer_lost channel=statefile peer=xs3",
      "357.000000 xs2/ha peer_lost channel=network peer=xs1",
      "357.000000 xs2/ha peer_lost channel=statefile peer=xs1",
      "357.000000 xs3/ha peer_lost channel=network peer=xs1",
      "357.000000 xs3/ha peer_lost channel=statefile peer=xs1",
  };
  EXPECT_EQ(losses_at_357(HeartbeatMode::compressed), expected);
  EXPECT_EQ(losses_at_357(HeartbeatMode::messages), expected);
}

// The fault handler driven by a domain view the test writes (Xhad::found, as the transport would report it),
// with the physical pool whole. At 200.5 xs1 loses xs3 from its statefile domain only; xs2 and xs3 still hold
// all three hosts in both domains.
struct InjectedView : ::testing::Test, ComponentsWorld {
  FaultHandlerPhase phase(HostIndex h) const { return ctx->fault_handler[h].phase; }
  void lose_at(double seconds, HostIndex observer, HostIndex peer, Channel c) {
    queue.schedule_at(at(seconds), Phase::protocol,
                      [this, observer, peer, c] { ctx->xhad.found(observer, peer, c, false); });
  }
};

// - 200.5 xs1 starts its handler; its FHREADY calls xs2 and xs3 into theirs at once (sm.c wait_fh_event,
//   heartbeat.c start_fh(TRUE)). Nobody is stale, so phase 1 ends and the rendezvous into phase 2 is made at once.
// - The views never agree (xs1's statefile domain lacks xs3): phase 2 runs to its timeout, 260.5 for all three,
//   and each merges. xs1 drops xs3 (outside its statefile domain) and survives with {xs1, xs2} (no partition);
//   xs2 and xs3 keep all three.
// - xs1 removes xs3, which is still in its heartbeat domain: phase 4 sleeps 15 + 3 + T = 78 s, to 338.5, and
//   sets the fence request: xs3 hears it with xs1's next heartbeat (on xs1's 3 s grid, 261) and fences.
// - xs2 has nothing to remove and waits at the rendezvous out of the handler (SM_PHASE_FH4DONE) until xs1 has
//   updated its liveset: both end the run at 338.5.
// - xs2 lost xs3 (321) during the run, so it runs again at once, and its FHREADY calls xs1, already back in
//   SM_PHASE_STARTED, into the new run. xs2 removes xs3 (gone from both its domains: no extension) after 18 s,
//   at 356.5; xs1, with nothing left to remove, waits for it at the last rendezvous.
TEST_F(InjectedView, HostsOfOneRunEndItTogether) {
  build({});
  lose_at(200.5, 0, 2, Channel::statefile);
  queue.run_until(at(300));
  EXPECT_EQ(phase(0), FaultHandlerPhase::sleeping);
  EXPECT_EQ(phase(1), FaultHandlerPhase::ending);
  queue.run_until(at(338));
  EXPECT_EQ(phase(1), FaultHandlerPhase::ending);
  queue.run_until(at(350));
  EXPECT_EQ(phase(0), FaultHandlerPhase::ending);
  EXPECT_EQ(phase(1), FaultHandlerPhase::sleeping);
  queue.run_until(at(400));
  EXPECT_EQ(phase(0), FaultHandlerPhase::idle);
  EXPECT_EQ(phase(1), FaultHandlerPhase::idle);
  const std::string missing = log.missing({
      "200.500000 xs1/ha peer_lost channel=statefile peer=xs3",
      "200.500000 xs1/ha fault_handler_started",
      "200.500000 xs2/ha fault_handler_started by=xs1",
      "200.500000 xs3/ha fault_handler_started by=xs1",
      "260.500000 xs1/ha survived rule=no_partition",
      "260.500000 xs2/ha survived rule=no_partition",
      "260.500000 xs3/ha survived rule=no_partition",
      "261.000000 xs3/ha self_fence reason=fence_requested",
      "338.500000 xs1/ha liveset_removed hosts=xs3 live=2",
      "338.500000 xs2/ha fault_handler_started",
      "338.500000 xs1/ha fault_handler_started by=xs2",
      "356.500000 xs2/ha liveset_removed hosts=xs3 live=2",
  });
  EXPECT_TRUE(missing.empty()) << missing << log.dump();
}

// Each component driven through its own interface on a PoolContext, no Pool around it.
struct Alone : ::testing::Test, ComponentsWorld {
  void when(double seconds, std::function<void()> f) { queue.schedule_at(at(seconds), Phase::fault, std::move(f)); }
};

// HostMachines::fence: the record, the VMs that die with the host, the Xen watchdog's reboot at once, and after
// boot_time (3 min) xapi and then the daemon start again in a new life.
TEST_F(Alone, AFencedHostRebootsAtOnceAndStartsItsDaemonAfterItsBoot) {
  build({vm("db", 1, 2 * gib)});
  std::uint64_t life = 0;
  when(100, [&] {
    life = ctx->machines[1].life;
    ctx->machines.fence(1, "fence_requested");
  });
  queue.run_until(at(100.5));
  EXPECT_EQ(ctx->machines[1].state, HostState::booting);
  EXPECT_EQ(ctx->machines[1].life, life + 1);
  EXPECT_FALSE(ctx->machines.instance(0).host);
  EXPECT_TRUE(ctx->machines[1].stopped_uncleanly);
  queue.run_until(at(281));
  EXPECT_EQ(ctx->machines[1].state, HostState::up);
  EXPECT_TRUE(ctx->xhad[1].joining());
  const std::string missing = log.missing({
      "100.000000 xs2/ha self_fence reason=fence_requested",
      "100.000000 vm/db vm_died host=xs2",
      "100.000000 xs2 host_booting",
      "280.000000 xs2 host_up",
      "280.000000 xs2/ha daemon_started",
  });
  EXPECT_TRUE(missing.empty()) << missing << log.dump();
}

// Xhad::hear_fence_request: the fence request heard at an instant fences the host once the instant settles, before
// the domains change; only a live daemon fences.
TEST_F(Alone, AFenceRequestHeardFencesTheHostAtThatInstant) {
  build({});
  when(100, [&] { ctx->xhad.hear_fence_request(2); });
  when(100, [&] { ctx->xhad.hear_fence_request(2); });  // heard twice in one instant: one fence
  queue.run_until(at(101));
  EXPECT_EQ(log.count("self_fence"), 1u) << log.dump();
  EXPECT_TRUE(log.has("100.000000 xs3/ha self_fence reason=fence_requested")) << log.dump();
  EXPECT_EQ(ctx->machines[0].state, HostState::up);
  EXPECT_EQ(ctx->machines[2].state, HostState::booting);
}

// Xapimon on a crashed toolstack (Xapi::fail): the health check on the loop's tXapi grid fails at once, and the
// restart is seen done at the wait's first poll, TRestartXapi / 10 later; a second crash the same day finds the
// restart count spent and fences 2 t1 after the failed check.
TEST_F(Alone, XapimonRestartsACrashedToolstackOnceAndThenFences) {
  build({});
  when(1000, [&] { ctx->xapi.fail(2, ToolstackFault::crashed); });
  when(2000, [&] { ctx->xapi.fail(2, ToolstackFault::crashed); });
  queue.run_until(at(2100));
  const std::string missing = log.missing({
      "1020.000000 xs3/ha xapi_check_failed reason=error",
      "1050.000000 xs3/ha xapi_restarted",
      "2010.000000 xs3/ha xapi_check_failed reason=error",
      "2016.000000 xs3/ha self_fence reason=xapi_dead",
  });
  EXPECT_TRUE(missing.empty()) << missing << log.dump();
}

// HaMonitor after a host stops under its VM (HostMachines::stop, a power loss): xs3's last heartbeat and slot update
// are at 99 and age out at 159 for xs1 and xs2, which meet and survive at once (no partition); phase 4 sleeps
// 75 - 60 + 3 = 18 s (max(Wh, Ws) - min(T1, T2) + max(t1, t2)) to 177. The master's monitor is not woken by the
// liveset change: its 20 s loop passes at 180, raises HA_HOST_FAILED, marks the VM halted and restarts it where
// the restart plan puts it (biggest fit: the most free memory, the first of equal hosts: xs1); it boots in 30 s.
TEST_F(Alone, TheMastersMonitorRestartsAVmAtItsFirstPassAfterTheLivesetChange) {
  build({vm("db", 2, 2 * gib)});
  when(100, [&] { ctx->machines.stop(2, HostState::down); });
  queue.run_until(at(240));
  EXPECT_EQ(log.count("vm_restart "), 1u) << log.dump();
  const std::string missing = log.missing({
      "100.000000 vm/db vm_died host=xs3",
      "159.000000 xs1/ha survived rule=no_partition",
      "159.000000 xs2/ha survived rule=no_partition",
      "177.000000 xs1/ha liveset_removed hosts=xs3 live=2",
      "180.000000 pool alert host=xs3 name=HA_HOST_FAILED",
      "180.000000 vm/db vm_halted host=xs3 reason=host_failed",
      "180.000000 vm/db vm_restart order=0 to=xs1",
      "210.000000 vm/db vm_running host=xs1",
  });
  EXPECT_TRUE(missing.empty()) << missing << log.dump();
}

// Statefile: the master lock is the initial master's, and free once its holder stops (lock_mgr.c: a lock its
// holder's daemon no longer renews); another host's stop does not touch it; each running daemon writes the file.
TEST_F(Alone, TheMasterLockIsFreeOnceItsHolderStops) {
  build({});
  queue.run_until(at(50));
  EXPECT_EQ(ctx->statefile.lock_holder(), std::optional<HostIndex>(0));
  EXPECT_TRUE(ctx->statefile.writes(0) && ctx->statefile.writes(1) && ctx->statefile.writes(2));
  ctx->machines.stop(1, HostState::down);
  EXPECT_EQ(ctx->statefile.lock_holder(), std::optional<HostIndex>(0));
  EXPECT_FALSE(ctx->statefile.writes(1));
  ctx->machines.stop(0, HostState::down);
  EXPECT_EQ(ctx->statefile.lock_holder(), std::nullopt);
}

// The checker hears a record before it is published and looks at ground truth, not at the decision behind it.
struct Checker : ::testing::Test, ComponentsWorld {
  // The message of the violation `id` from `source` raises, or "" when it raises none.
  std::string violation(Rec id, const std::string& source, const std::vector<Detail>& details) {
    try {
      ctx->invariants.check(id, source, details);
    } catch (const InvariantViolation& e) {
      return e.what();
    }
    return "";
  }
};

TEST_F(Checker, AMasterChangeWithAnotherMasterStillActingBreaksRuleOne) {
  build({});
  queue.run_until(SimTime::from_ns(0) + Duration::seconds(120));
  ctx->xapi[1].is_master = true;  // xs2 takes the role; xs1 still has it
  EXPECT_EQ(violation(Rec::master_changed, "pool", {{"from", "xs1"}, {"to", "xs2"}}),
            "two masters: xs2 takes the master lock while xs1 still acts as master");
  ctx->xapi[0].is_master = false;
  EXPECT_EQ(violation(Rec::master_changed, "pool", {{"from", "xs1"}, {"to", "xs2"}}), "");
}

TEST_F(Checker, ARestartOfAVmWhoseInstanceRunsBreaksRuleTwo) {
  build({vm("db", 0, 2 * gib)});
  queue.run_until(SimTime::from_ns(0) + Duration::seconds(120));
  ASSERT_TRUE(ctx->machines.instance(0).host);
  EXPECT_EQ(violation(Rec::vm_restart, "vm/db", {{"order", "0"}, {"to", "xs2"}}),
            "VM db restarted on xs2 while still running on xs1");
  EXPECT_EQ(violation(Rec::vm_start, "vm/db", {{"to", "xs3"}}), "VM db started on xs3 while still running on xs1");
  ctx->machines.destroy_vm(0);
  EXPECT_EQ(violation(Rec::vm_restart, "vm/db", {{"order", "0"}, {"to", "xs2"}}), "");
}

// xs1 writes the statefile and hears every host that does: a survival rule's fence of it is wrong once the world
// has been still for longer than views lag (T + a heartbeat round), and not before; other fences are not rules'.
TEST_F(Checker, ASurvivalRuleFenceOfAHostThatShouldSurviveIsCaughtOnceTheWorldIsStill) {
  build({});
  queue.run_until(SimTime::from_ns(0) + Duration::seconds(200));
  EXPECT_EQ(violation(Rec::self_fence, "xs1/ha", {{"reason", "smaller_partition"}}),
            "xs1 fences although it writes the statefile and hears every host that does (survival rule 1), and "
            "the world was stable");
  EXPECT_EQ(violation(Rec::self_fence, "xs1/ha", {{"reason", "statefile_watchdog"}}), "");
  EXPECT_EQ(violation(Rec::self_fence, "xs1/ha", {{"reason", "fence_requested"}}), "");
  ctx->invariants.world_changed();
  EXPECT_EQ(violation(Rec::self_fence, "xs1/ha", {{"reason", "smaller_partition"}}), "");
}

}  // namespace
}  // namespace poolsim::models
