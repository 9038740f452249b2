// poolsim report's library: how incidents are found, the page of a small run's file (its elements, not only
// that it exists), the same bytes twice, and the refusal of inputs that are not poolsim files.
#include "poolsim/report/report.hpp"

#include <gtest/gtest.h>
#include <hdf5.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include "poolsim/models/pool.hpp"
#include "poolsim/recording/hdf5_tables.hpp"
#include "poolsim/recording/hdf5_timeline.hpp"
#include "report/run_data.hpp"

namespace poolsim::report {
namespace {

namespace fs = std::filesystem;

fs::path test_dir() {
  const std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  const fs::path dir = fs::path(::testing::TempDir()) / ("poolsim_report_" + test);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(Incidents, ClustersInjectedRecordsAndTheirConsequences) {
  // Faults at 300 and 900 (600 apart: one incident with a 10 min gap), consequences up to 931; another at 5000.
  const std::vector<double> injected{300, 900, 5000};
  const std::vector<double> records{300, 360, 390, 480, 540, 900, 931, 5000, 5060, 9000};
  const auto incidents = find_incidents(injected, records, 10'000, 600, 60);
  ASSERT_EQ(incidents.size(), 2u);
  EXPECT_EQ(incidents[0].faults, 2u);
  EXPECT_EQ(incidents[0].first_s, 300);
  EXPECT_EQ(incidents[0].last_s, 931);
  EXPECT_EQ(incidents[0].from_s, 240);
  EXPECT_EQ(incidents[0].to_s, 991);
  EXPECT_EQ(incidents[1].faults, 1u);
  EXPECT_EQ(incidents[1].last_s, 5060);  // 9000 is more than the gap after 5060: not a consequence
  EXPECT_EQ(incidents[1].to_s, 5120);
  // A smaller gap splits the first incident in two; the windows stay apart.
  const auto split = find_incidents(injected, records, 10'000, 300, 60);
  ASSERT_EQ(split.size(), 3u);
  EXPECT_EQ(split[0].last_s, 540);
  EXPECT_LE(split[0].to_s, split[1].from_s);
  // Windows are clipped to the run.
  const auto edge = find_incidents({10}, {10, 20}, 50, 600, 60);
  ASSERT_EQ(edge.size(), 1u);
  EXPECT_EQ(edge[0].from_s, 0);
  EXPECT_EQ(edge[0].to_s, 50);
  EXPECT_TRUE(find_incidents({}, {1, 2}, 10, 600, 60).empty());
}

// The marks of the figure come from the table of records: a record's own role, the role of a detail value
// (a cable pulled or put back), and host_booting by what stopped the host.
TEST(Marks, FollowTheTableOfRecords) {
  RunData run;
  run.hosts = {{"h1", {}}, {"h2", {}}};
  run.events = {
      {10, "h1", "xapi_crashed", ""},              // a fault the table declares (plots once missed it)
      {11, "h1/eth0", "link_down", "cause=unplug"},  // the unplug verb
      {12, "h2/eth0", "link_down", "cause=switch_fail"},
      {13, "h1/eth0", "link_up", "cause=replug"},
      {14, "h2/eth0", "link_up", "cause=switch_restore"},
      {15, "h1", "host_crashed", ""},
      {16, "h1", "host_booting", ""},               // power_on after a crash: a repair
      {17, "h2/ha", "self_fence", "reason=smaller_partition"},
      {18, "h2", "host_booting", ""},               // after a fence: what followed
      {19, "pool", "master_changed", "from=h1 to=h2"},
      {20, "pool", "no_such_record", ""},           // a timeline of another version
  };
  std::vector<Mark> marks;
  for (const MarkedEvent& m : marked_events(run)) marks.push_back(m.mark);
  const std::vector<Mark> expected{Mark::fault,  Mark::fault,       Mark::consequence, Mark::repair,
                                   Mark::none,   Mark::fault,       Mark::repair,      Mark::consequence,
                                   Mark::consequence, Mark::none, Mark::none};
  EXPECT_EQ(marks, expected);
}

TEST(StateColours, EveryStateOfTheModelsHasItsOwnColour) {
  std::set<std::string> colours;
  for (const StateColour& c : state_colours()) EXPECT_TRUE(colours.insert(std::string(c.colour)).second) << c.state;
  const auto has = [](std::string_view subject, std::string_view state) {
    for (const StateColour& c : state_colours()) {
      if (c.subject == subject && c.state == state) return true;
    }
    return false;
  };
  using models::HostState;
  using models::VmState;
  for (const HostState s : {HostState::up, HostState::joining, HostState::maintenance, HostState::fenced,
                            HostState::booting, HostState::down}) {
    EXPECT_TRUE(has("host", models::to_token(s))) << models::to_token(s);
  }
  for (const VmState s : {VmState::running, VmState::starting, VmState::halted}) {
    EXPECT_TRUE(has("vm", models::to_token(s))) << models::to_token(s);
  }
  EXPECT_TRUE(has("host", "out_of_liveset"));
}

SimTime at(std::int64_t seconds) { return SimTime::zero() + Duration::seconds(seconds); }

void write_run(const fs::path& path) {
  Hdf5Header header{"story", "name: story\n", 42, at(1200)};
  header.start = UtcTime{1'772'352'000LL * 1'000'000'000};  // 2026-03-01T08:00:00Z
  Hdf5Timeline timeline(path, header, pool_state_rules(),
                        {{StateSubject::host, "xs1", "up"}, {StateSubject::host, "xs2", "up"},
                         {StateSubject::vm, "dns", "running"}});
  EventBus bus;
  bus.subscribe(timeline);
  bus.publish(at(300), "xs1/eth0", "link_down", {{"cause", "unplug"}});
  bus.publish(at(360), "xs1/ha", "self_fence", {{"reason", "no_statefile"}});
  bus.publish(at(360), "vm/dns", "vm_died", {{"host", "xs1"}});
  bus.publish(at(360), "xs1", "host_booting");
  bus.publish(at(380), "pool", "master_changed", {{"from", "xs1"}, {"to", "xs2"}});
  bus.publish(at(390), "pool", "alert", {{"host", "xs1"}, {"name", "HA_HOST_FAILED"}});
  bus.publish(at(390), "vm/dns", "vm_restart", {{"order", "0"}, {"to", "xs2"}});
  bus.publish(at(450), "vm/dns", "vm_running", {{"host", "xs2"}});
  bus.publish(at(540), "xs1", "host_up");
  bus.publish(at(541), "xs1/ha", "join_aborted", {{"reason", "statefile_unreachable"}});
  bus.publish(at(900), "xs1/eth0", "link_up", {{"cause", "replug"}});
  bus.finish(at(1200));
}

TEST(Report, APageOfARun) {
  const fs::path path = test_dir() / "run.h5";
  write_run(path);
  EXPECT_EQ(detect_kind(path), FileKind::run);
  const std::string page = render_report(path);
  EXPECT_EQ(page, render_report(path));  // the same bytes
  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(count(page, "src="), 0u);  // nothing loaded: no script, image or frame from elsewhere
  EXPECT_EQ(count(page, "href="), 0u);
  EXPECT_NE(page.find("<span id=\"seed\" class=\"seed\">42</span>"), std::string::npos);
  EXPECT_NE(page.find("2026-03-01T08:05:00Z"), std::string::npos);  // the fault, as a UTC time
  EXPECT_EQ(count(page, "class=\"timeline incident\""), 1u);      // the cable pull and its replug: one incident
  EXPECT_EQ(count(page, "class=\"timeline whole\""), 1u);
  EXPECT_NE(page.find("<code class=\"alert-name\">HA_HOST_FAILED</code>"), std::string::npos);
  EXPECT_NE(page.find("id=\"downtime\" data-rows=\"1\""), std::string::npos);
  EXPECT_NE(page.find(">1m30s<"), std::string::npos);               // dns down 360 to 450
  EXPECT_NE(page.find("class=\"state host-out_of_liveset\""), std::string::npos);  // up, out of the liveset
  EXPECT_NE(page.find("class=\"state host-fenced\""), std::string::npos);  // an empty state still drawn
  EXPECT_NE(page.find("class=\"mark fault\""), std::string::npos);
  EXPECT_NE(page.find("class=\"mark repair\""), std::string::npos);
  EXPECT_NE(page.find("class=\"mark consequence\""), std::string::npos);
  EXPECT_NE(page.find(">xs2</text>"), std::string::npos);  // the VM bar names its host
}

// A VM that no record mentions: its bar names the host the scenario places it on (read back from the file's
// scenario text).
TEST(Report, AVmBarNamesTheHostTheScenarioPlacesItOn) {
  const fs::path path = test_dir() / "quiet.h5";
  std::ifstream in(fs::path(POOLSIM_SOURCE_DIR) / "scenarios" / "tutorial-cable-pull.yaml");
  const std::string yaml{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  ASSERT_FALSE(yaml.empty());
  {
    Hdf5Timeline timeline(path, Hdf5Header{"tutorial-cable-pull", yaml, 1, at(1200)}, pool_state_rules(),
                          {{StateSubject::host, "xenserver-1", "up"}, {StateSubject::host, "xenserver-2", "up"},
                           {StateSubject::vm, "dns", "running"}, {StateSubject::vm, "ad", "running"}});
    EventBus bus;
    bus.subscribe(timeline);
    bus.publish(at(300), "xenserver-2/eth0", "link_down", {{"cause", "unplug"}});
    bus.finish(at(1200));
  }
  const std::string page = render_report(path);
  EXPECT_NE(page.find("text-anchor=\"middle\">xenserver-1</text>"), std::string::npos);  // dns and ad, placed there
}

std::string error_of(const fs::path& path) {
  try {
    render_report(path);
  } catch (const ReportError& e) {
    return e.what();
  }
  return "";
}

TEST(Report, RefusesWhatItCannotRead) {
  const fs::path dir = test_dir();
  std::ofstream(dir / "text.h5") << "not hdf5\n";
  EXPECT_NE(error_of(dir / "text.h5").find("not an HDF5 file"), std::string::npos);
  EXPECT_NE(error_of(dir / "absent.h5").find("no such file"), std::string::npos);
  // An HDF5 file that poolsim did not write: no poolsim_version.
  H5Fclose(H5Fcreate((dir / "other.h5").c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
  EXPECT_NE(error_of(dir / "other.h5").find("not a poolsim file"), std::string::npos);
  write_hdf5_tables(dir / "batch.h5", {{"kind", std::string("batch")}}, {});
  EXPECT_NE(error_of(dir / "batch.h5").find("no table /aggregate/scenarios"), std::string::npos);
  write_hdf5_tables(dir / "run.h5", {},
                    {{"events", {{"time_s", std::vector<double>{}}}}});
  EXPECT_NE(error_of(dir / "run.h5").find("no group /hosts"), std::string::npos);
}

}  // namespace
}  // namespace poolsim::report
