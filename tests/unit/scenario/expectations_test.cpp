// The expectations for users' CI (issue #17): each kind has a passing and a failing case, with the exact reason
// the verdict gives, on scenarios/restart-order.yaml (xs2 loses power at 5m; dns, ad, exchange and intranet
// restart on the others in order, ad 30s after dns, the applications 60s after ad).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "poolsim/scenario/build.hpp"
#include "poolsim/scenario/emit.hpp"
#include "poolsim/scenario/load.hpp"

namespace poolsim::scenario {
namespace {

std::string library_file(const std::string& name) {
  std::ifstream in(std::string(POOLSIM_SOURCE_DIR) + "/scenarios/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The restart-order scenario with `expectations` in place of its own.
std::string restart_order_with(const std::string& expectations) {
  std::string text = library_file("restart-order.yaml");
  const std::size_t at = text.find("expect:\n");
  EXPECT_NE(at, std::string::npos);
  return text.substr(0, at) + "expect:\n" + expectations;
}

std::vector<std::string> messages(const std::vector<Diagnostic>& diagnostics) {
  std::vector<std::string> out;
  for (const Diagnostic& d : diagnostics) out.push_back(format_diagnostic(d));
  return out;
}

// Runs the text to its horizon and returns the verdicts.
std::vector<Verdict> verdicts_of(const std::string& text) {
  LoadResult loaded = load_scenario_text(text, "order.yaml");
  EXPECT_TRUE(loaded.spec) << ::testing::PrintToString(messages(loaded.diagnostics));
  if (!loaded.spec) return {};
  EXPECT_TRUE(loaded.diagnostics.empty()) << ::testing::PrintToString(messages(loaded.diagnostics));
  BuildResult built = build_simulation(*loaded.spec, "order.yaml");
  EXPECT_TRUE(built.simulation) << ::testing::PrintToString(messages(built.diagnostics));
  if (!built.simulation) return {};
  built.simulation->run(SimTime::zero() + loaded.spec->until);
  return built.simulation->outcome().verdicts();
}

struct Case {
  std::string expectation;  // one line of the list
  bool passed;
  std::string text;
  std::string reason;
};

void check(const std::vector<Case>& cases) {
  std::string list;
  for (const Case& c : cases) list += "  - " + c.expectation + "\n";
  const std::vector<Verdict> verdicts = verdicts_of(restart_order_with(list));
  ASSERT_EQ(verdicts.size(), cases.size());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ(verdicts[i].passed, cases[i].passed) << cases[i].expectation << ": " << verdicts[i].reason;
    EXPECT_EQ(verdicts[i].text, cases[i].text) << cases[i].expectation;
    EXPECT_EQ(verdicts[i].reason, cases[i].reason) << cases[i].expectation;
  }
}

TEST(Expectations, StartedAfterAtLeast) {
  check({
      {"{vm: ad, started_after: dns, at_least: 30s}", true, "vm ad started after dns by at least 30s",
       "it started at 410.000000, 30s after dns at 380.000000"},
      {"{vm: ad, started_after: dns, at_least: 31s}", false, "vm ad started after dns by at least 31s",
       "it started at 410.000000, 30s after dns at 380.000000; wanted at least 31s"},
      {"{vm: dns, started_after: ad, at_least: 1s}", false, "vm dns started after ad by at least 1s",
       "it started at 380.000000, before ad at 410.000000; wanted at least 1s after"},
  });
}

// The case: without dns's start_delay, ad starts in the same instant, after dns in publication order, so
// a plain started_after still passes; at_least catches it.
TEST(Expectations, AtLeastCatchesARemovedStartDelay) {
  std::string text = restart_order_with(
      "  - {vm: ad, started_after: dns}\n  - {vm: ad, started_after: dns, at_least: 30s}\n");
  const std::string delay = "order: 0, start_delay: 30s}";
  ASSERT_NE(text.find(delay), std::string::npos);
  text.replace(text.find(delay), delay.size(), "order: 0}");
  const std::vector<Verdict> verdicts = verdicts_of(text);
  ASSERT_EQ(verdicts.size(), 2u);
  EXPECT_TRUE(verdicts[0].passed) << verdicts[0].reason;
  EXPECT_FALSE(verdicts[1].passed);
  EXPECT_EQ(verdicts[1].reason, "it started at 380.000000, 0s after dns at 380.000000; wanted at least 30s");
}

TEST(Expectations, VmNeverHalted) {
  check({
      {"{vm: dns, never: halted}", false, "vm dns never halted", "halted at 300.000000"},
  });
  // A VM on a host that survives is never halted.
  std::string text = restart_order_with("  - {vm: web, never: halted}\n");
  const std::string vms = "  vms:\n";
  text.replace(text.find(vms), vms.size(),
               vms + "    - {name: web, memory: 2GiB, vcpus: 1, host: xs1, disks: [iscsi-sr], networks: [lan]}\n");
  const std::vector<Verdict> verdicts = verdicts_of(text);
  ASSERT_EQ(verdicts.size(), 1u);
  EXPECT_TRUE(verdicts[0].passed) << verdicts[0].reason;
  EXPECT_EQ(verdicts[0].reason, "never halted until 1200.000000");
}

TEST(Expectations, DowntimeAtMost) {
  check({
      {"{vm: dns, downtime_at_most: 2m20s}", true, "vm dns down at most 2m20s", "down 2m20s in all, in 1 outage"},
      {"{vm: exchange, downtime_at_most: 2m}", false, "vm exchange down at most 2m",
       "down 3m50s in all, in 1 outage; wanted at most 2m"},
  });
}

TEST(Expectations, AlertBy) {
  check({
      {"{alert: HA_HOST_FAILED, by: 7m}", true, "alert HA_HOST_FAILED by 7m", "raised at 380.000000 (1 time)"},
      {"{alert: HA_HOST_FAILED, by: 6m}", false, "alert HA_HOST_FAILED by 6m",
       "first raised at 380.000000, after 360.000000"},
      {"{alert: HA_STATEFILE_LOST, by: 10m}", false, "alert HA_STATEFILE_LOST by 10m", "never raised until 1200.000000"},
  });
}

TEST(Expectations, AlertNever) {
  check({
      {"{alert: HA_STATEFILE_LOST, never: true}", true, "alert HA_STATEFILE_LOST never",
       "never raised until 1200.000000"},
      {"{alert: HA_HOST_FAILED, never: true}", false, "alert HA_HOST_FAILED never", "raised at 380.000000 (1 time)"},
  });
}

// The restart-order scenario with `services` (list entries) before its expectations, which are `expectations`.
std::string restart_order_with_services(const std::string& services, const std::string& expectations) {
  std::string text = restart_order_with(expectations);
  text.insert(text.find("expect:\n"), "services:\n" + services);
  return text;
}

// A service is available while `need` of its VMs run: directory (dns or ad) is back with dns at 440, mail (all
// of dns, ad and exchange) only with exchange at 530; each was down from the crash at 300.
TEST(Expectations, ServiceDowntimeAtMost) {
  const std::string services =
      "  - {name: directory, vms: [dns, ad], need: 1}\n  - {name: mail, vms: [dns, ad, exchange], need: 3}\n";
  const std::string text = restart_order_with_services(
      services, "  - {service: directory, downtime_at_most: 2m20s}\n  - {service: mail, downtime_at_most: 3m}\n");
  const std::vector<Verdict> verdicts = verdicts_of(text);
  ASSERT_EQ(verdicts.size(), 2u);
  EXPECT_TRUE(verdicts[0].passed) << verdicts[0].reason;
  EXPECT_EQ(verdicts[0].text, "service directory down at most 2m20s");
  EXPECT_EQ(verdicts[0].reason, "unavailable 2m20s in all, in 1 outage");
  EXPECT_FALSE(verdicts[1].passed);
  EXPECT_EQ(verdicts[1].reason, "unavailable 3m50s in all, in 1 outage; wanted at most 3m");

  LoadResult loaded = load_scenario_text(text, "order.yaml");
  ASSERT_TRUE(loaded.spec);
  BuildResult built = build_simulation(*loaded.spec, "order.yaml");
  ASSERT_TRUE(built.simulation);
  built.simulation->run(SimTime::zero() + loaded.spec->until);
  const std::string summary = built.simulation->outcome().summary();
  EXPECT_NE(summary.find("#   service directory (1 of 2 vms): unavailable 2m20s in all, from 300.000000 to "
                         "440.000000 (2m20s)\n"),
            std::string::npos)
      << summary;
  const RunFigures figures = built.simulation->outcome().figures(SimTime::zero() + loaded.spec->until);
  ASSERT_EQ(figures.services.size(), 2u);
  EXPECT_EQ(figures.services[1].downtime, Duration::seconds(230));
  ASSERT_EQ(figures.services[1].outages.size(), 1u);
  EXPECT_EQ(figures.services[1].outages[0].second, SimTime::zero() + Duration::seconds(530));
}

// A service counts from time 0: one whose only VM is halted from the start (and never started) is unavailable
// for the whole run, while a VM that never ran has no downtime of its own.
TEST(Expectations, AServiceWithAHaltedVmIsUnavailableFromTheStart) {
  std::string text = restart_order_with_services("  - {name: spare, vms: [cold]}\n",
                                                 "  - {service: spare, downtime_at_most: 19m}\n");
  const std::string vms = "  vms:\n";
  text.replace(text.find(vms), vms.size(),
               vms + "    - {name: cold, memory: 2GiB, vcpus: 1, disks: [iscsi-sr], networks: [lan]}\n");
  const std::vector<Verdict> verdicts = verdicts_of(text);
  ASSERT_EQ(verdicts.size(), 1u);
  EXPECT_FALSE(verdicts[0].passed);
  EXPECT_EQ(verdicts[0].reason, "unavailable 20m00s in all, in 1 outage; wanted at most 19m");
}

// Each new shape goes back to the file as it was read (emit.cpp), and loads again to the same.
TEST(Expectations, NewShapesRoundTrip) {
  const std::string list =
      "  - {vm: ad, started_after: dns, at_least: 30s}\n  - {vm: dns, never: halted}\n"
      "  - {vm: dns, downtime_at_most: 2m}\n  - {alert: HA_HOST_FAILED, by: 7m}\n"
      "  - {alert: HA_STATEFILE_LOST, never: true}\n  - {service: directory, downtime_at_most: 3m}\n";
  const LoadResult first = load_scenario_text(
      restart_order_with_services("  - {name: directory, vms: [dns, ad], need: 1}\n", list), "order.yaml");
  ASSERT_TRUE(first.spec) << ::testing::PrintToString(messages(first.diagnostics));
  const std::string emitted = to_yaml(*first.spec, "");
  for (const std::string line : {"{vm: ad, started_after: dns, at_least: 30s}", "{vm: dns, never: halted}",
                                 "{vm: dns, downtime_at_most: 2m}", "{alert: HA_HOST_FAILED, by: 7m}",
                                 "{alert: HA_STATEFILE_LOST, never: true}",
                                 "{service: directory, downtime_at_most: 3m}",
                                 "services:\n  - {name: directory, vms: [dns, ad], need: 1}\n"}) {
    EXPECT_NE(emitted.find(line), std::string::npos) << line << " in\n" << emitted;
  }
  const LoadResult second = load_scenario_text(emitted, "again.yaml");
  ASSERT_TRUE(second.spec) << ::testing::PrintToString(messages(second.diagnostics));
  EXPECT_EQ(to_yaml(*second.spec, ""), emitted);
}

}  // namespace
}  // namespace poolsim::scenario
