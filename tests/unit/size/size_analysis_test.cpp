// The library part of `poolsim size` (include/poolsim/analysis/sizing.hpp): crash sets, the planner's input, what-if
// edits, the crash scenario. The end-to-end figures are pinned by the ctest cli.size.
#include <gtest/gtest.h>

#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "poolsim/analysis/sizing.hpp"
#include "poolsim/scenario/what_if.hpp"

namespace poolsim::sizing {
namespace {

TEST(CrashSets, ChooseSaturates) {
  EXPECT_EQ(choose(5, 2), 10U);
  EXPECT_EQ(choose(5, 0), 1U);
  EXPECT_EQ(choose(3, 4), 0U);
  EXPECT_EQ(choose(64, 32), 1832624140942590534ULL);
  EXPECT_EQ(choose(200, 100), ~std::uint64_t{0});
}

TEST(CrashSets, AllSetsInLexicographicOrderWhenFewEnough) {
  const auto sets = crash_sets(4, 2, 200, 1);
  const std::vector<std::vector<std::uint32_t>> want{{0, 1}, {0, 2}, {0, 3}, {1, 2}, {1, 3}, {2, 3}};
  EXPECT_EQ(sets, want);
  EXPECT_EQ(crash_sets(4, 4, 200, 1).size(), 1U);
  EXPECT_TRUE(crash_sets(4, 0, 200, 1).empty());
}

TEST(CrashSets, SampleIsDistinctSortedAndSeeded) {
  const auto a = crash_sets(20, 3, 50, 7);
  ASSERT_EQ(a.size(), 50U);
  const std::set<std::vector<std::uint32_t>> distinct(a.begin(), a.end());
  EXPECT_EQ(distinct.size(), 50U);
  for (const auto& set : a) {
    ASSERT_EQ(set.size(), 3U);
    EXPECT_LT(set[0], set[1]);
    EXPECT_LT(set[1], set[2]);
    EXPECT_LT(set[2], 20U);
  }
  EXPECT_TRUE(std::is_sorted(a.begin(), a.end()));
  EXPECT_EQ(a, crash_sets(20, 3, 50, 7));
  EXPECT_NE(a, crash_sets(20, 3, 50, 8));
}

scenario::ScenarioSpec three_hosts() {
  scenario::ScenarioSpec spec;
  spec.name = "t";
  for (const char* name : {"xs1", "xs2", "xs3"}) {
    scenario::HostSpec h;
    h.name = name;
    h.memory = 64ULL << 30;
    spec.pool.hosts.push_back(h);
  }
  spec.pool.hosts[0].master = true;
  for (const char* name : {"a", "b"}) {
    scenario::VmSpec vm;
    vm.name = name;
    vm.memory = 16ULL << 30;
    vm.host = scenario::Ref{"xs3", {}};
    vm.ha.restart_priority = scenario::RestartPriority::restart;
    spec.pool.vms.push_back(vm);
  }
  spec.pool.vms[1].cd_inserted = true;  // not agile
  return spec;
}

TEST(PlannerInput, AsTheBuilderSetsItUp) {
  const models::PlannerInput input = planner_input(three_hosts());
  ASSERT_EQ(input.hosts.size(), 3U);
  EXPECT_EQ(input.hosts[2].memory_total, 64ULL << 30);
  ASSERT_EQ(input.vms.size(), 2U);
  EXPECT_EQ(input.vms[0].host, 2U);
  EXPECT_TRUE(input.vms[0].is_protected);
  EXPECT_TRUE(input.vms[0].agile);
  EXPECT_FALSE(input.vms[1].agile);
}

TEST(WhatIf, RemoveAddAndNtol) {
  scenario::ScenarioSpec spec = three_hosts();
  scenario::WhatIf w;
  w.remove_hosts = {"xs1"};
  w.add_hosts = {32ULL << 30};
  w.ntol = 2;
  EXPECT_FALSE(scenario::apply_what_if(spec, w));
  ASSERT_EQ(spec.pool.hosts.size(), 3U);
  EXPECT_TRUE(spec.pool.hosts[0].master);
  EXPECT_EQ(spec.pool.hosts[0].name, "xs2");
  EXPECT_EQ(spec.pool.hosts[2].name, "added-1");
  EXPECT_EQ(spec.pool.hosts[2].memory, 32ULL << 30);
  EXPECT_FALSE(spec.pool.hosts[2].master);
  EXPECT_EQ(spec.pool.ha.host_failures_to_tolerate, 2);

  w = {};
  w.remove_hosts = {"xs3"};
  EXPECT_FALSE(scenario::apply_what_if(spec, w));
  EXPECT_TRUE(spec.pool.vms[0].host.name.empty());  // halted with its host gone

  w = {};
  w.remove_hosts = {"nope"};
  EXPECT_TRUE(scenario::apply_what_if(spec, w));
}

TEST(CrashScenario, FaultsReplacedAndHorizonSet) {
  scenario::ScenarioSpec spec = three_hosts();
  spec.faults.push_back({});
  spec.random_faults.push_back({});
  spec.expectations.push_back({});
  SizeOptions options;
  const scenario::ScenarioSpec simultaneous = crash_scenario(spec, {{0, 2}, false}, options);
  EXPECT_TRUE(simultaneous.random_faults.empty());
  EXPECT_TRUE(simultaneous.expectations.empty());
  ASSERT_EQ(simultaneous.faults.size(), 2U);
  EXPECT_EQ(simultaneous.faults[1].host.name, "xs3");
  EXPECT_EQ(simultaneous.faults[1].at, Duration::seconds(300));
  EXPECT_EQ(simultaneous.until, Duration::seconds(300 + 1800));
  const scenario::ScenarioSpec sequential = crash_scenario(spec, {{0, 2}, true}, options);
  EXPECT_EQ(sequential.faults[1].at, Duration::seconds(900));
  EXPECT_EQ(sequential.until, Duration::seconds(900 + 1800));
}

// A report of two rows built by hand: the sets column widens for "8 of 2704156" (C(24, 12)), so that the
// restored count stays a column of its own, and the header widens with it.
TEST(PrintReport, SetsColumnWidensForLargeSampledCounts) {
  SizeResult r;
  r.scenario_name = "big";
  r.hosts = {"h0", "h1", "h2"};
  r.vms = {"a", "b"};
  r.status = {models::PlanStatus::none, models::PlanStatus::all_vms, models::PlanStatus::none};
  r.heuristic = {models::Heuristic::exhaustive, models::Heuristic::exhaustive, models::Heuristic::approximation};
  GroupResult small;
  small.k = 1;
  small.planner = models::PlanStatus::all_vms;
  small.sets_total = 3;
  small.count = 3;
  small.restored = 3;
  small.worst_ns = 150'000'000'000;
  small.median_ns = 138'000'000'000;
  GroupResult big;
  big.k = 2;
  big.sets_total = 2704156;
  big.count = 8;
  big.restored = 5;
  big.left_down = {{1, 3}};
  r.groups = {small, big};
  std::ostringstream out;
  print_report(r, out);
  const std::string text = out.str();
  EXPECT_NE(text.find("\nk   planner               sets         restored  broke"), std::string::npos) << text;
  EXPECT_NE(text.find("\n1   all_vms               3            3         0      150.0s     138.0s     -\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\n2   none                  8 of 2704156 5         0      -          -          b x3\n"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace poolsim::sizing
