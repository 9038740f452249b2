#include "poolsim/models/planner.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace poolsim::models {
namespace {

constexpr std::uint64_t gib = 1ULL << 30;

// Pools are written as in xen-api ocaml/tests/test_ha_vm_failover.ml: hosts with memory, VMs with memory and a
// host, protected (restart priority `restart`) and agile unless said otherwise.
std::vector<PlannerHost> hosts(std::size_t count, std::uint64_t memory_gib) {
  return std::vector<PlannerHost>(count, PlannerHost{memory_gib * gib, 0, true});
}
PlannerVm protected_vm(std::uint64_t memory_gib, std::optional<HostIndex> host) {
  return {memory_gib * gib, host, true, true};
}
PlannerVm best_effort_vm(std::uint64_t memory_gib, std::optional<HostIndex> host) {
  return {memory_gib * gib, host, false, true};
}
PlannerVm non_agile_vm(std::uint64_t memory_gib, std::optional<HostIndex> host) {
  return {memory_gib * gib, host, true, false};
}
std::vector<PlannerVm> repeat(std::size_t count, const PlannerVm& vm) { return std::vector<PlannerVm>(count, vm); }
std::vector<PlannerVm> concat(std::vector<std::vector<PlannerVm>> parts) {
  std::vector<PlannerVm> all;
  for (const auto& part : parts) all.insert(all.end(), part.begin(), part.end());
  return all;
}

struct StatusCase {
  std::string name;
  PlannerInput pool;
  std::size_t failures = 0;
  PlanStatus want_status = PlanStatus::none;
  std::size_t want_max = 0;  // max host failures to tolerate
};

void check_status(const std::vector<StatusCase>& cases) {
  for (const StatusCase& c : cases) {
    SCOPED_TRACE(c.name);
    const Planner planner(c.pool);
    EXPECT_EQ(to_token(planner.plan_status(c.failures)), to_token(c.want_status));
    EXPECT_EQ(planner.max_host_failures_to_tolerate(), c.want_max);
  }
}

// test_ha_vm_failover.ml PlanForNFailures, plus max ntol for each pool.
TEST(PlannerXapi, PlanForNFailures) {
  check_status({
      {"two host pool with no vms", {hosts(2, 256), {}, {}}, 1, PlanStatus::all_vms, 1},
      {"two host pool, one vm taking up just under half of one host's memory",
       {hosts(2, 256), {protected_vm(120, 0)}, {}}, 1, PlanStatus::all_vms, 1},
      {"two host pool, two vms taking up almost all of one host's memory",
       {hosts(2, 256), {protected_vm(120, 0), protected_vm(120, 0)}, {}}, 1, PlanStatus::all_vms, 1},
      {"two host pool, overcommitted",
       {hosts(2, 256), {protected_vm(120, 0), protected_vm(120, 0), protected_vm(120, 1), protected_vm(120, 1)}, {}},
       1, PlanStatus::none, 0},
  });
}

// test_ha_vm_failover.ml AssertNewVMPreservesHAPlan: a 120 GiB VM being protected (start of a halted protected
// VM), placed by the planner.
TEST(PlannerXapi, AssertNewVmPreservesHaPlan) {
  struct Case {
    std::string name;
    PlannerInput pool;
    bool want_refused;
  };
  const std::vector<Case> cases = {
      {"one vm using just under half of one host's memory: another can be added",
       {hosts(2, 256), {protected_vm(120, 0)}, {}}, false},
      {"two vms using almost all of one host's memory: another cannot be added",
       {hosts(2, 256), {protected_vm(120, 0), protected_vm(120, 0)}, {}}, true},
      {"already overcommitted: adding another is not refused",
       {hosts(2, 256), {protected_vm(120, 0), protected_vm(120, 0), protected_vm(120, 1)}, {}}, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const Planner planner(c.pool);
    EXPECT_EQ(planner.would_break_plan(1, PlanChange::protect_vm(120 * gib)), c.want_refused);
  }
}

// test_ha_vm_failover.ml ComputeMaxFailures: with a cluster, corosync quorum caps the answer at
// (n - d - 1) / 2 + d for d hosts without clustering. Without a cluster, poolsim caps at n - 1.
TEST(PlannerXapi, ComputeMaxFailures) {
  check_status({
      {"three host pool with no vms, all clustered", {hosts(3, 256), {}, 0}, 1, PlanStatus::all_vms, 1},
      {"two host pool with no vms, both clustered", {hosts(2, 256), {}, 0}, 1, PlanStatus::all_vms, 0},
      {"two host pool, one without clustering", {hosts(2, 256), {}, 1}, 1, PlanStatus::all_vms, 1},
      {"three host pool with no vms, no cluster", {hosts(3, 256), {}, {}}, 2, PlanStatus::all_vms, 2},
  });
}

// Three empty hosts: a plan "exists" for 3 failures as xapi computes it (nothing to restart), and xapi's
// bisection would answer 3; poolsim caps max ntol at n - 1. More failures than hosts: no plan.
TEST(PlannerMaxFailures, EmptyPoolCappedAtHostsMinusOne) {
  const Planner planner({hosts(3, 256), {}, {}});
  EXPECT_EQ(planner.plan_status(3), PlanStatus::all_vms);
  EXPECT_EQ(planner.plan_status(4), PlanStatus::none);
  EXPECT_EQ(planner.max_host_failures_to_tolerate(), 2U);
  EXPECT_EQ(Planner({{}, {}, {}}).max_host_failures_to_tolerate(), 0U);
  EXPECT_EQ(Planner({hosts(1, 256), {protected_vm(8, 0)}, {}}).max_host_failures_to_tolerate(), 0U);
}

TEST(PlannerStatus, TrickyPools) {
  check_status({
      // 3 x 64 GiB: one 40 GiB VM on host 0 (24 free), eight 4 GiB VMs on each of the others (32 free). 56 GiB
      // are free besides host 0, but no host has 40: one failure cannot be planned for.
      {"one very large vm among many small ones",
       {hosts(3, 64), concat({{protected_vm(40, 0)}, repeat(8, protected_vm(4, 1)), repeat(8, protected_vm(4, 2))}),
        {}},
       1, PlanStatus::none, 0},
      // 512, 256 and 128 GiB with 3, 2 and 1 64 GiB VMs (320, 128, 64 free). One failure: fine (host 0's three
      // VMs go 2 to host 1, 1 to host 2). Two: host 0 then host 1 leaves four VMs for host 2's 0 free.
      {"hosts of different sizes, 1 failure",
       {{{512 * gib, 0, true}, {256 * gib, 0, true}, {128 * gib, 0, true}},
        concat({repeat(3, protected_vm(64, 0)), repeat(2, protected_vm(64, 1)), {protected_vm(64, 2)}}), {}},
       1, PlanStatus::all_vms, 1},
      {"hosts of different sizes, 2 failures",
       {{{512 * gib, 0, true}, {256 * gib, 0, true}, {128 * gib, 0, true}},
        concat({repeat(3, protected_vm(64, 0)), repeat(2, protected_vm(64, 1)), {protected_vm(64, 2)}}), {}},
       2, PlanStatus::none, 1},
      // 512, 256, 256, 128 GiB; 2 x 64, 2 x 32, 96, 2 x 16 GiB: every ordered pair of failures is planned for
      // (12 sequences), three failures are not.
      {"four hosts of different sizes",
       {{{512 * gib, 0, true}, {256 * gib, 0, true}, {256 * gib, 0, true}, {128 * gib, 0, true}},
        concat({repeat(2, protected_vm(64, 0)), repeat(2, protected_vm(32, 1)), {protected_vm(96, 2)},
                repeat(2, protected_vm(16, 3))}),
        {}},
       2, PlanStatus::all_vms, 2},
      // 3 x 256 GiB: best-effort VMs of 200 GiB run on hosts 0 and 1, a protected 40 GiB VM on host 2, and a
      // halted best-effort VM of 500 GiB. Nothing is planned for best-effort VMs: two failures are tolerated.
      {"best-effort vms are not planned for",
       {hosts(3, 256), {best_effort_vm(200, 0), best_effort_vm(200, 1), protected_vm(40, 2), best_effort_vm(500, {})},
        {}},
       2, PlanStatus::all_vms, 2},
      // ... but a running one uses memory on its host: 256 - 140 = 116 GiB is too little for host 0's 120.
      {"a running best-effort vm uses memory",
       {hosts(2, 256), {protected_vm(120, 0), best_effort_vm(140, 1)}, {}}, 1, PlanStatus::none, 0},
      {"a halted best-effort vm uses none",
       {hosts(2, 256), {protected_vm(120, 0), best_effort_vm(140, {})}, {}}, 1, PlanStatus::all_vms, 1},
      // Host overhead (Xen and dom0) is not available to VMs: 256 - 20 = 236 < 240.
      {"host overhead",
       {{{256 * gib, 0, true}, {256 * gib, 20 * gib, true}}, {protected_vm(120, 0), protected_vm(120, 0)}, {}}, 1,
       PlanStatus::none, 0},
      // A running non-agile protected VM is memory on its host; a plan exists excluding it, and max ntol counts
      // only plans for all VMs (xapi's bisection), so it is 0.
      {"non-agile vm running",
       {hosts(2, 256), {protected_vm(120, 0), non_agile_vm(8, 1)}, {}}, 1, PlanStatus::excluding_non_agile, 0},
      {"non-agile vm down", {hosts(2, 256), {protected_vm(120, 0), non_agile_vm(8, {})}, {}}, 0, PlanStatus::none,
       0},
      // A protected VM that is down is placed first (the startup transient), then failures are planned for.
      {"halted protected vm that fits", {hosts(2, 256), {protected_vm(120, {})}, {}}, 1, PlanStatus::all_vms, 1},
      {"halted protected vm that fits nowhere", {hosts(2, 256), {protected_vm(300, {})}, {}}, 0, PlanStatus::none, 0},
      // A host that is not live receives nothing and its VMs are down: 3 x 256 GiB, host 2 down with a 120 GiB VM,
      // which goes to host 0 (16 GiB left beside its own 120); host 0 failing then leaves 240 GiB for host 1.
      {"dead host's vms placed first",
       {{{256 * gib, 0, true}, {256 * gib, 0, true}, {256 * gib, 0, false}},
        {protected_vm(120, 0), protected_vm(120, 1), protected_vm(120, 2)}, {}},
       1, PlanStatus::none, 0},
  });
}

// plan_for_failures and restart_plan: biggest fit decreasing, with xapi's tie rule.
TEST(PlannerRestart, BiggestFitDecreasing) {
  // 3 x 64 GiB: host 0 runs 30 + 4 x 5 GiB (14 free), host 1 34 GiB (30 free), host 2 44 GiB (20 free). Host 0
  // failing: the 30 GiB VM goes first, to host 1, which it fills; the four 5 GiB ones fill host 2. (Smallest
  // first would have put them on host 1 and left 30 GiB with nowhere to go.)
  const Planner planner({hosts(3, 64),
                         concat({{protected_vm(30, 0)}, repeat(4, protected_vm(5, 0)),
                                 {protected_vm(34, 1), protected_vm(44, 2)}}),
                         {}});
  const Placement want = {{0, 1}, {1, 2}, {2, 2}, {3, 2}, {4, 2}};
  EXPECT_EQ(planner.plan_for_failures({0}), std::optional<Placement>(want));
  // Host 1's 34 GiB VM fits on neither other host: no plan for that failure, so none for every single failure.
  EXPECT_EQ(planner.plan_for_failures({1}), std::nullopt);
  const RestartPlan partial = planner.restart_plan({1});
  EXPECT_TRUE(partial.placement.empty());
  EXPECT_EQ(partial.unplaced, std::vector<VmIndex>{5});
  EXPECT_EQ(planner.plan_status(1), PlanStatus::none);
  EXPECT_EQ(planner.plan_status(0), PlanStatus::all_vms);
  // Nothing failed, nothing down: an empty, complete plan.
  EXPECT_EQ(planner.plan_for_failures({}), std::optional<Placement>(Placement{}));
}

TEST(PlannerRestart, TiesGoToTheHostThatJustReceived) {
  // 512, 256, 128 GiB with 3, 2, 1 VMs of 64 GiB: host 0 failing, its first VM takes host 1 from 128 to 64 free,
  // which ties host 2; binpack.ml's insert puts host 1 first again, so it gets the second VM too.
  const Planner planner({{{512 * gib, 0, true}, {256 * gib, 0, true}, {128 * gib, 0, true}},
                         concat({repeat(3, protected_vm(64, 0)), repeat(2, protected_vm(64, 1)),
                                 {protected_vm(64, 2)}}),
                         {}});
  EXPECT_EQ(planner.plan_for_failures({0}), std::optional<Placement>(Placement{{0, 1}, {1, 1}, {2, 2}}));
  // Hosts 0 and 1 together: five VMs, room for one.
  const RestartPlan plan = planner.restart_plan({0, 1});
  EXPECT_FALSE(plan.complete());
  EXPECT_EQ(plan.placement, (Placement{{0, 2}}));
  EXPECT_EQ(plan.unplaced, (std::vector<VmIndex>{1, 2, 3, 4}));
  // A halted protected VM, equal hosts: the lowest index.
  EXPECT_EQ(Planner({hosts(2, 256), {protected_vm(120, {})}, {}}).restart_plan().placement, (Placement{{0, 0}}));
}

TEST(PlannerRestart, NonAgileAndUnprotectedVmsAreNeverPlaced) {
  const Planner planner(
      {hosts(3, 256), {protected_vm(100, 0), non_agile_vm(50, 0), best_effort_vm(50, 0), protected_vm(10, 1)}, {}});
  EXPECT_EQ(planner.plan_for_failures({0}), std::optional<Placement>(Placement{{0, 2}}));
}

// binpack.ml choose_heuristic: n > 32 or C(n, r) · r! >= 3500. 3500 itself is no n · (n - 1) · ... for n <= 32:
// the nearest sequence counts on either side are pinned.
TEST(PlannerHeuristic, SwitchAt3500Sequences) {
  struct Case {
    std::size_t n;
    std::size_t r;
    Heuristic want;
  };
  const std::vector<Case> cases = {
      {3, 1, Heuristic::exhaustive},      {3, 3, Heuristic::exhaustive},     {16, 3, Heuristic::exhaustive},  // 3360
      {17, 3, Heuristic::approximation},                                                                     // 4080
      {9, 4, Heuristic::exhaustive},                                                                         // 3024
      {10, 4, Heuristic::approximation},                                                                     // 5040
      {7, 5, Heuristic::exhaustive},                                                                         // 2520
      {7, 6, Heuristic::approximation},                                                                      // 5040
      {6, 6, Heuristic::exhaustive},                                                                         // 720
      {32, 2, Heuristic::exhaustive},                                                                        // 992
      {32, 3, Heuristic::approximation},                                                                     // 29760
      {32, 0, Heuristic::exhaustive},     {32, 1, Heuristic::exhaustive},    {33, 0, Heuristic::approximation},
      {33, 1, Heuristic::approximation},  {32, 32, Heuristic::approximation},  // 32! overflows Int64 in xapi
  };
  for (const Case& c : cases) {
    SCOPED_TRACE("n=" + std::to_string(c.n) + " r=" + std::to_string(c.r));
    EXPECT_EQ(choose_heuristic(c.n, c.r), c.want);
  }
}

// The approximation at the switch: 17 hosts, 3 failures is approximated. 17 x 64 GiB, 40 GiB on host 0 and 32 x
// 1 GiB on host 1 (all fits in any order: exhaustive says yes); the approximation counts every VM as 40 GiB, so
// hosts 0 and 1 hold none and the 15 others one each; 12 are left after the 3 roomiest fail, and 32 + 1 + 0 VMs
// must move.
TEST(PlannerHeuristic, ApproximationChosenPastTheSwitch) {
  const Planner planner({hosts(17, 64), concat({{protected_vm(40, 0)}, repeat(32, protected_vm(1, 1))}), {}});
  EXPECT_TRUE(planner.plan_always_possible(3, Heuristic::exhaustive));
  EXPECT_FALSE(planner.plan_always_possible(3, Heuristic::approximation));
  EXPECT_FALSE(planner.plan_always_possible(3));
  // 16 hosts, 3 failures: exhaustive (3360 sequences), and a plan.
  const Planner smaller({hosts(16, 64), concat({{protected_vm(40, 0)}, repeat(32, protected_vm(1, 1))}), {}});
  EXPECT_TRUE(smaller.plan_always_possible(3));
}

// n > 32 is always approximated. 33 x 64 GiB: 32 x 1 GiB on host 0, 40 GiB on host 1. Exhaustively every single
// failure is fine; the approximation takes every VM as 40 GiB (one per host with 64 free, none on hosts 0 and 1)
// so 30 slots remain after the roomiest host fails, and host 0's 32 VMs must move: no plan. Safe, pessimistic.
TEST(PlannerApproximation, SafeButPessimistic) {
  const Planner planner({hosts(33, 64), concat({repeat(32, protected_vm(1, 0)), {protected_vm(40, 1)}}), {}});
  EXPECT_EQ(choose_heuristic(33, 1), Heuristic::approximation);
  EXPECT_TRUE(planner.plan_always_possible(1, Heuristic::exhaustive));
  EXPECT_FALSE(planner.plan_always_possible(1, Heuristic::approximation));
  EXPECT_EQ(planner.plan_status(1), PlanStatus::none);
  EXPECT_EQ(planner.max_host_failures_to_tolerate(), 0U);
  // Each failure can still be carried out: the specific plan is biggest fit decreasing whatever the heuristic.
  EXPECT_TRUE(planner.plan_for_failures({0}).has_value());
}

// 33 x 64 GiB with one 32 GiB VM each: each host has room for one more (floor(32 / 32) = 1), so r failures
// leave 33 - r slots for r VMs: r <= 16. (Exact here: 33 VMs of 32 GiB need 17 hosts of 64.)
TEST(PlannerApproximation, MaxFailuresOfALargePool) {
  std::vector<PlannerVm> vms;
  for (HostIndex h = 0; h < 33; ++h) vms.push_back(protected_vm(32, h));
  const Planner planner({hosts(33, 64), vms, {}});
  EXPECT_EQ(planner.plan_status(16), PlanStatus::all_vms);
  EXPECT_EQ(planner.plan_status(17), PlanStatus::none);
  EXPECT_EQ(planner.max_host_failures_to_tolerate(), 16U);
}

// Safe: wherever the approximation finds a plan, every failure sequence has one. A deterministic sweep over
// small pools (a fixed linear congruential generator, so the pools are the same everywhere).
TEST(PlannerApproximation, NeverMoreOptimisticThanExhaustive) {
  std::uint64_t state = 12345;
  const auto next = [&state](std::uint64_t bound) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (state >> 33) % bound;
  };
  const std::uint64_t host_sizes[] = {64, 96, 128, 256};
  const std::uint64_t vm_sizes[] = {4, 8, 16, 24, 32, 48};
  int pessimistic = 0;
  for (int pool = 0; pool < 400; ++pool) {
    PlannerInput input;
    const std::size_t n = 2 + next(5);
    for (std::size_t h = 0; h < n; ++h) input.hosts.push_back({host_sizes[next(4)] * gib, 0, true});
    const std::size_t vm_count = 1 + next(10);
    for (std::size_t v = 0; v < vm_count; ++v) {
      input.vms.push_back(protected_vm(vm_sizes[next(6)], static_cast<HostIndex>(next(n))));
    }
    const Planner planner(input);
    for (std::size_t r = 0; r < n; ++r) {
      const bool approximate = planner.plan_always_possible(r, Heuristic::approximation);
      const bool exhaustive = planner.plan_always_possible(r, Heuristic::exhaustive);
      EXPECT_TRUE(!approximate || exhaustive) << "pool " << pool << " r=" << r;
      if (exhaustive && !approximate) ++pessimistic;
    }
  }
  EXPECT_GT(pessimistic, 0);
}

// Overcommit protection (docs/model.md "Overcommit protection"): each operation refused when it would break the plan
// for ntol, accepted when it would not, and accepted whenever no plan for all VMs exists already.
TEST(PlannerOvercommit, WouldBreakPlan) {
  struct Case {
    std::string name;
    PlannerInput pool;
    std::size_t ntol;
    PlanChange change;
    bool want_refused;
  };
  // 3 x 256 GiB with a 120 GiB VM on each: any one failure is fine (136 GiB free elsewhere).
  const PlannerInput three{hosts(3, 256), {protected_vm(120, 0), protected_vm(120, 1), protected_vm(120, 2)}, {}};
  // 3 x 100 GiB: 60 on host 0, 40 on host 1, 40 + 60 on host 2 (vms 2 and 3).
  const PlannerInput tight{hosts(3, 100),
                           {protected_vm(60, 0), protected_vm(40, 1), protected_vm(40, 2), protected_vm(60, 2)},
                           {}};
  const std::vector<Case> cases = {
      {"disable a host: its vm goes elsewhere, then one failure is too many", three, 1, PlanChange::disable_host(2),
       true},
      {"raise ntol from 1 to 2", three, 1, PlanChange::set_failures(2), true},
      {"raise ntol from 0 to 1", three, 0, PlanChange::set_failures(1), false},
      {"start an unprotected vm that eats the room", {hosts(2, 256), {protected_vm(120, 0)}, {}}, 1,
       PlanChange::start_unprotected_vm(140 * gib, 1), true},
      {"start an unprotected vm that leaves room", {hosts(2, 256), {protected_vm(120, 0)}, {}}, 1,
       PlanChange::start_unprotected_vm(100 * gib, 1), false},
      // Host 1 would run 80 GiB (20 free), host 2 60 (40 free): host 0's 60 GiB VM then fits nowhere.
      {"migrate a vm", tight, 1, PlanChange::move_vm(2, 1), true},
      {"migrate a vm where it does no harm", tight, 1, PlanChange::move_vm(1, 0), false},
      {"protect a vm on its host", {hosts(2, 256), {protected_vm(120, 0)}, {}}, 1,
       PlanChange::protect_vm(120 * gib, 1), false},
      {"protect a vm on an already full host", {hosts(2, 256), {protected_vm(120, 0), protected_vm(120, 0)}, {}}, 1,
       PlanChange::protect_vm(120 * gib, 1), true},
      {"already overcommitted: disabling is accepted",
       {hosts(2, 256), {protected_vm(120, 0), protected_vm(120, 0), protected_vm(120, 1)}, {}}, 1,
       PlanChange::disable_host(1), false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(Planner(c.pool).would_break_plan(c.ntol, c.change), c.want_refused);
  }
  // The change's view of the plan, as plan_status reports it.
  EXPECT_EQ(Planner(three).plan_status(1, PlanChange::disable_host(2)), PlanStatus::none);
  EXPECT_EQ(Planner(three).plan_status(1, PlanChange::set_failures(2)), PlanStatus::none);
  EXPECT_EQ(Planner(three).plan_status(1), PlanStatus::all_vms);
}

TEST(PlannerInput, OutOfRangeIndicesAreRefused) {
  EXPECT_THROW(Planner({hosts(2, 256), {protected_vm(8, 2)}, {}}), std::invalid_argument);
  EXPECT_THROW(Planner({hosts(2, 256), {}, 3}), std::invalid_argument);
  const Planner planner({hosts(2, 256), {protected_vm(8, 0)}, {}});
  EXPECT_THROW(planner.restart_plan({2}), std::invalid_argument);
  EXPECT_THROW(planner.plan_status(1, PlanChange::disable_host(5)), std::invalid_argument);
  EXPECT_THROW(planner.plan_status(1, PlanChange::move_vm(1, 0)), std::invalid_argument);
}

TEST(PlannerTokens, AreSnakeCase) {
  EXPECT_EQ(to_token(PlanStatus::all_vms), "all_vms");
  EXPECT_EQ(to_token(PlanStatus::excluding_non_agile), "excluding_non_agile");
  EXPECT_EQ(to_token(PlanStatus::none), "none");
  EXPECT_EQ(to_token(Heuristic::exhaustive), "exhaustive");
  EXPECT_EQ(to_token(Heuristic::approximation), "approximation");
}

}  // namespace
}  // namespace poolsim::models
