#include <gtest/gtest.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <string>

#include "poolsim/analysis/journal.hpp"
#include "poolsim/analysis/run_one.hpp"
#include "poolsim/analysis/stats.hpp"
#include "poolsim/scenario/load.hpp"

namespace poolsim::batch {
namespace {

RunRecord sample(std::uint64_t seed) {
  RunRecord r;
  r.scenario = "random-failures";
  r.scenario_hash = 0x2b74'0e27'c046'1813ULL;
  r.seed = seed;
  r.exit_status = 1;
  r.invariant_violated = true;
  r.invariant_message = "at 12.000000: VM db\trestarted\nwhile \\running";
  r.end_ns = 12'000'000'000;
  r.expectations = 4;
  r.failed_expectations = 1;
  r.master_changes = 2;
  r.vm_downtime_ns = {851'539'439'954, 0};
  r.vm_restarts = {6, 0};
  r.vm_running_at_end = {1, 0};
  r.host_fences = {1, 0, 2};
  r.pool_services_down_ns = 90'000'000'001;
  return r;
}

void expect_same(const RunRecord& got, const RunRecord& want) {
  EXPECT_EQ(got.scenario, want.scenario);
  EXPECT_EQ(got.scenario_hash, want.scenario_hash);
  EXPECT_EQ(got.seed, want.seed);
  EXPECT_EQ(got.exit_status, want.exit_status);
  EXPECT_EQ(got.invariant_violated, want.invariant_violated);
  EXPECT_EQ(got.invariant_message, want.invariant_message);
  EXPECT_EQ(got.end_ns, want.end_ns);
  EXPECT_EQ(got.expectations, want.expectations);
  EXPECT_EQ(got.failed_expectations, want.failed_expectations);
  EXPECT_EQ(got.master_changes, want.master_changes);
  EXPECT_EQ(got.vm_downtime_ns, want.vm_downtime_ns);
  EXPECT_EQ(got.vm_restarts, want.vm_restarts);
  EXPECT_EQ(got.vm_running_at_end, want.vm_running_at_end);
  EXPECT_EQ(got.host_fences, want.host_fences);
  EXPECT_EQ(got.pool_services_down_ns, want.pool_services_down_ns);
  EXPECT_EQ(got.service_downtime_ns, want.service_downtime_ns);
}

TEST(Journal, LineRoundTripsAndDamageIsDetected) {
  const std::string line = to_journal_line(sample(3));
  ASSERT_TRUE(line.ends_with('\n'));
  EXPECT_EQ(line.find('\n'), line.size() - 1);  // one line, whatever the message holds
  const std::string_view body(line.data(), line.size() - 1);
  const auto back = from_journal_line(body);
  ASSERT_TRUE(back);
  expect_same(*back, sample(3));
  EXPECT_FALSE(from_journal_line(body.substr(0, body.size() - 3)));  // torn
  std::string flipped(body);
  flipped[20] = flipped[20] == '1' ? '2' : '1';
  EXPECT_FALSE(from_journal_line(flipped));  // a changed byte fails the checksum
}

// A scenario's own services go in a last field, only when it has some; a line without it reads as no services.
TEST(Journal, ServicesRoundTripInALastField) {
  RunRecord with = sample(5);
  with.service_downtime_ns = {0, 140'000'000'000};
  const std::string line = to_journal_line(with);
  const std::string plain = to_journal_line(sample(5));
  EXPECT_EQ(line.substr(0, plain.rfind('\t')), plain.substr(0, plain.rfind('\t')));  // the same fields first
  const auto back = from_journal_line(std::string_view(line.data(), line.size() - 1));
  ASSERT_TRUE(back);
  expect_same(*back, with);
  const auto none = from_journal_line(std::string_view(plain.data(), plain.size() - 1));
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->service_downtime_ns.empty());
}

TEST(Journal, ReopeningKeepsCompleteLinesAndCutsATornOne) {
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("poolsim-journal-test-" + std::to_string(::getpid()));
  std::filesystem::remove(path);
  {
    Journal j(path, "header 1");
    j.append(sample(1));
    j.append(sample(2));
  }
  { std::ofstream(path, std::ios::app) << to_journal_line(sample(3)).substr(0, 30); }  // killed mid-write
  {
    Journal j(path, "header 1");
    ASSERT_EQ(j.records().size(), 2u);
    expect_same(j.records().at({sample(2).scenario_hash, 2}), sample(2));
    j.append(sample(3));
  }
  {
    Journal j(path, "header 1");
    EXPECT_EQ(j.records().size(), 3u);
  }
  EXPECT_THROW(Journal(path, "header 2"), std::runtime_error);
  std::filesystem::remove(path);
}

TEST(Journal, ALineOfTheFirstFormatIsNotRead) {
  // Format 1 had no pool-services field: its 15 fields are refused, not read with a field shifted.
  std::string line = to_journal_line(sample(4));
  line.pop_back();
  const std::size_t message = line.rfind('\t', line.rfind('\t') - 1);  // the tab before the message
  const std::size_t services = line.rfind('\t', message - 1);
  std::string old = line.substr(0, services) + line.substr(message, line.rfind('\t') - message);
  char hex[17];
  old += "\t" + std::string(hex, std::to_chars(hex, hex + sizeof hex, fnv1a64(old), 16).ptr);
  EXPECT_FALSE(from_journal_line(old));
}

// The pool's services (run_one.hpp, PoolServicesMeter) over one run of a bundled scenario, its faults replaced
// by `faults` (YAML list items) when given.
Duration pool_services_down(const std::string& name, const std::string& faults = {}) {
  const std::string file = std::string(POOLSIM_SOURCE_DIR) + "/scenarios/" + name + ".yaml";
  std::string text = read_text_file(file);
  if (!faults.empty()) {
    const std::size_t start = text.find("\nfaults:\n");
    const std::size_t end = text.find("\nexpect:", start);
    text = text.substr(0, start) + "\nfaults:\n" + faults + text.substr(end);
  }
  scenario::LoadResult loaded = scenario::load_scenario_text(text, file);
  if (!loaded.spec) {
    ADD_FAILURE() << name << " does not load";
    return Duration::zero();
  }
  const RunOutcome o = run_one(*loaded.spec, file, text, std::nullopt);
  EXPECT_FALSE(o.invariant_violated) << o.invariant_message;
  return o.pool_services_down;
}

TEST(PoolServices, TheMasterFencedUntilItsSuccessorsXapiHasRestarted) {
  // The tutorial: xenserver-1 (master) fences at 357 s, xenserver-2 takes the master lock at 380 s and restarts
  // its xapi for become_master_delay (10 s): no working master in [357, 390).
  EXPECT_EQ(pool_services_down("tutorial-cable-pull"), Duration::seconds(33));
  // The master crashes at 300 s; xs2 takes the lock at 380 s (after the 57 s detection, a fault handler with no
  // peer to rendezvous with and the 18 s phase-4 sleep, liveset at 375 s, then its liveset poll), xapi answers
  // at 390 s.
  EXPECT_EQ(pool_services_down("master-crash"), Duration::seconds(90));
}

TEST(PoolServices, AHungXapiOnTheMasterCountsAndOnASlaveDoesNot) {
  // xapi hangs on the master xs1 at 300 s and answers again at 345 s, before xhad's health check could fence it.
  EXPECT_EQ(pool_services_down("master-crash",
                               "  - {at: 5m, do: xapi_hang, host: xs1}\n  - {at: 345s, do: xapi_restore, host: xs1}\n"),
            Duration::seconds(45));
  EXPECT_EQ(pool_services_down("master-crash",
                               "  - {at: 5m, do: xapi_hang, host: xs2}\n  - {at: 345s, do: xapi_restore, host: xs2}\n"),
            Duration::zero());
  EXPECT_EQ(pool_services_down("slave-crash"), Duration::zero());
}

TEST(Stats, MeanIntervalIsTheNormalApproximation) {
  const Interval i = mean_interval({1, 2, 3, 4});
  EXPECT_DOUBLE_EQ(i.estimate, 2.5);
  const double half = z975 * std::sqrt(5.0 / 3.0) / 2.0;  // s² = 5/3, n = 4
  EXPECT_DOUBLE_EQ(i.low, 2.5 - half);
  EXPECT_DOUBLE_EQ(i.high, 2.5 + half);
  EXPECT_TRUE(std::isnan(mean_interval({1}).low));
}

TEST(Stats, WilsonIntervalKnownValues) {
  // 50 of 50: [0.9287, 1] (Wilson 1927; the normal approximation would give [1, 1]).
  const Interval all = wilson_interval(50, 50);
  EXPECT_DOUBLE_EQ(all.estimate, 1.0);
  EXPECT_NEAR(all.low, 0.928652, 1e-6);
  EXPECT_DOUBLE_EQ(all.high, 1.0);
  const Interval half = wilson_interval(5, 10);
  EXPECT_NEAR(half.low, 0.236593, 1e-6);
  EXPECT_NEAR(half.high, 0.763407, 1e-6);
  EXPECT_TRUE(std::isnan(wilson_interval(0, 0).estimate));
}

}  // namespace
}  // namespace poolsim::batch
