// The HDF5 timeline, read back with the HDF5 C API (not the writer's C++ API), as a notebook would see it.
#include "poolsim/recording/hdf5_timeline.hpp"

#include <gtest/gtest.h>
#include <unistd.h>
#include <hdf5.h>

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "poolsim/version.hpp"
#include "unit/recording/h5_read.hpp"

namespace poolsim {
namespace {

namespace fs = std::filesystem;
using namespace h5read;

// A directory of its own for each test: ctest runs the cases in parallel.
fs::path test_dir() {
  const std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  const fs::path dir = fs::path(::testing::TempDir()) / ("poolsim_hdf5_" + test);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string file_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

SimTime at(std::int64_t seconds) { return SimTime::zero() + Duration::seconds(seconds); }

const Hdf5Header header = {"tutorial-cable-pull", "name: tutorial-cable-pull\nseed: 7\nuntil: 20m\n", 7, at(1200)};

std::vector<InitialState> initial_states() {
  using enum StateSubject;
  return {{host, "xs1", "up"}, {host, "xs2", "up"}, {vm, "dns", "running"}, {vm, "ad", "running"},
          {vm, "web", "halted"}};
}

// The cable-pull story, shortened: xs1 loses its NICs, fences and reboots; xs2 becomes master and restarts dns.
void publish_story(EventBus& bus) {
  bus.publish(at(300), "xs1/eth0", "link_down", {{"cause", "unplug"}});
  bus.publish(at(360), "xs1/ha", "self_fence", {{"reason", "no_statefile"}});
  bus.publish(at(360), "vm/dns", "vm_died", {{"host", "xs1"}});
  bus.publish(at(360), "vm/ad", "vm_died", {{"host", "xs1"}});
  bus.publish(at(360), "xs1", "host_booting");
  bus.publish(at(420), "pool", "master_changed", {{"from", "xs1"}, {"to", "xs2"}});
  bus.publish(at(420), "pool", "alert", {{"host", "xs2"}, {"name", "POOL_MASTER_TRANSITION"}});
  bus.publish(at(421), "pool", "alert", {{"host", "xs1"}, {"name", "HA_HOST_FAILED"}});
  bus.publish(at(421), "vm/dns", "vm_halted", {{"host", "xs1"}, {"reason", "host_failed"}});
  bus.publish(at(421), "vm/dns", "vm_restart", {{"order", "0"}, {"to", "xs2"}});
  bus.publish(at(450) + Duration::milliseconds(250), "vm/dns", "vm_running", {{"host", "xs2"}});
  bus.publish(at(540), "xs1", "host_up");
  bus.publish(at(600), "pool", "alert", {{"host", "xs1"}, {"name", "HA_HOST_FAILED"}});
  bus.publish(at(700), "pool", "master_changed", {{"from", "xs2"}, {"to", "xs2"}});  // the lock taken again
  bus.finish(at(1200));
}

void write_story(const fs::path& path) {
  EventBus bus;
  Hdf5Timeline timeline(path, header, pool_state_rules(), initial_states());
  bus.subscribe(timeline);
  publish_story(bus);
}

TEST(Hdf5Timeline, WritesTheRootAttributes) {
  const fs::path path = test_dir() / "run.h5";
  write_story(path);
  const Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  EXPECT_EQ(string_attribute(file.get(), "poolsim_version"), version);
  EXPECT_EQ(string_attribute(file.get(), "scenario_name"), "tutorial-cable-pull");
  EXPECT_EQ(string_attribute(file.get(), "scenario_yaml"), header.scenario_yaml);
  EXPECT_EQ(number_attribute<std::uint64_t>(file.get(), "seed", H5T_NATIVE_UINT64), 7U);
  EXPECT_EQ(number_attribute<double>(file.get(), "until_s", H5T_NATIVE_DOUBLE), 1200.0);
  // The types a reader relies on: uint64 seed, float64 until_s.
  const Handle seed(H5Aopen(file.get(), "seed", H5P_DEFAULT), H5Aclose);
  const Handle seed_type(H5Aget_type(seed.get()), H5Tclose);
  EXPECT_GT(H5Tequal(seed_type.get(), H5T_STD_U64LE), 0);
}

TEST(Hdf5Timeline, WritesEveryRecordAsAnEventRow) {
  const fs::path path = test_dir() / "run.h5";
  write_story(path);
  const Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  std::vector<std::vector<std::string>> strings;
  const std::vector<EventRow> got = read_table<EventRow>(file.get(), "/events", event_columns, strings);
  ASSERT_EQ(got.size(), 14U);
  EXPECT_EQ(got[0].time_s, 300.0);
  EXPECT_EQ(got[0].seq, 0U);
  EXPECT_EQ(strings[0], (std::vector<std::string>{"xs1/eth0", "link_down", "cause=unplug"}));
  EXPECT_EQ(got[10].time_s, 450.25);
  EXPECT_EQ(got[10].seq, 10U);
  EXPECT_EQ(strings[10], (std::vector<std::string>{"vm/dns", "vm_running", "host=xs2"}));
  EXPECT_EQ(strings[4], (std::vector<std::string>{"xs1", "host_booting", ""}));
  EXPECT_EQ(strings[5][2], "from=xs1 to=xs2");  // the text timeline's details, sorted by key
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i].seq, i);
}

TEST(Hdf5Timeline, EventsAreAChunkedDeflatedTableOfFiveColumns) {
  const fs::path path = test_dir() / "run.h5";
  write_story(path);
  const Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  const Handle events(H5Dopen2(file.get(), "/events", H5P_DEFAULT), H5Dclose);
  const Handle plist(H5Dget_create_plist(events.get()), H5Pclose);
  EXPECT_EQ(H5Pget_layout(plist.get()), H5D_CHUNKED);
  bool deflate = false;
  for (int i = 0; i < H5Pget_nfilters(plist.get()); ++i) {
    unsigned flags = 0;
    std::size_t n = 0;
    deflate |= H5Pget_filter2(plist.get(), static_cast<unsigned>(i), &flags, &n, nullptr, 0, nullptr, nullptr) ==
               H5Z_FILTER_DEFLATE;
  }
  EXPECT_TRUE(deflate);
  const Handle type(H5Dget_type(events.get()), H5Tclose);
  ASSERT_EQ(H5Tget_nmembers(type.get()), 5);
  const char* want[] = {"time_s", "seq", "source", "event", "details"};
  const H5T_class_t classes[] = {H5T_FLOAT, H5T_INTEGER, H5T_STRING, H5T_STRING, H5T_STRING};
  for (unsigned i = 0; i < 5; ++i) {
    char* name = H5Tget_member_name(type.get(), i);
    EXPECT_STREQ(name, want[i]);
    H5free_memory(name);
    EXPECT_EQ(H5Tget_member_class(type.get(), i), classes[i]) << want[i];
  }
  const Handle source_type(H5Tget_member_type(type.get(), 2), H5Tclose);
  EXPECT_GT(H5Tis_variable_str(source_type.get()), 0);
  EXPECT_EQ(H5Tget_cset(source_type.get()), H5T_CSET_UTF8);
}

TEST(Hdf5Timeline, DerivesStateIntervalsFromTheRules) {
  const fs::path path = test_dir() / "run.h5";
  write_story(path);
  const Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  // The fence lasts no simulated time (the Xen watchdog reboots at once): an empty interval a plot can mark.
  EXPECT_EQ(intervals(file.get(), "/hosts/xs1/state"), "0-360:up 360-360:fenced 360-540:booting 540-1200:up");
  EXPECT_EQ(intervals(file.get(), "/hosts/xs2/state"), "0-1200:up");
  // vm_halted after vm_died is no change: the VM is already halted.
  EXPECT_EQ(intervals(file.get(), "/vms/dns/state"),
            "0-360:running 360-421:halted 421-450.25:starting 450.25-1200:running");
  EXPECT_EQ(intervals(file.get(), "/vms/ad/state"), "0-360:running 360-1200:halted");
  EXPECT_EQ(intervals(file.get(), "/vms/web/state"), "0-1200:halted");
}

TEST(Hdf5Timeline, SummarisesDowntimeRestartsFencesMasterChangesAndAlerts) {
  const fs::path path = test_dir() / "run.h5";
  write_story(path);
  const Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  const Handle summary(H5Gopen2(file.get(), "/summary", H5P_DEFAULT), H5Gclose);
  // from=xs1 to=xs2 counts; from=xs2 to=xs2 (the same master taking the lock again) does not.
  EXPECT_EQ(number_attribute<std::uint64_t>(summary.get(), "master_changes", H5T_NATIVE_UINT64), 1U);
  EXPECT_EQ(number_attribute<double>(summary.get(), "end_s", H5T_NATIVE_DOUBLE), 1200.0);

  std::vector<std::vector<std::string>> strings;
  const auto vms = read_table<VmSummaryRow>(file.get(), "/summary/vms", vm_summary_columns, strings);
  ASSERT_EQ(vms.size(), 3U);
  EXPECT_EQ(strings[0], (std::vector<std::string>{"dns", "running"}));
  EXPECT_EQ(vms[0].downtime_s, 90.25);
  EXPECT_EQ(vms[0].restarts, 1U);
  EXPECT_EQ(strings[1], (std::vector<std::string>{"ad", "halted"}));
  EXPECT_EQ(vms[1].downtime_s, 840.0);
  EXPECT_EQ(vms[1].restarts, 0U);
  EXPECT_EQ(strings[2], (std::vector<std::string>{"web", "halted"}));
  EXPECT_EQ(vms[2].downtime_s, 0.0);  // halted from the start and never started: no outage

  const auto hosts = read_table<HostSummaryRow>(file.get(), "/summary/hosts", host_summary_columns, strings);
  ASSERT_EQ(hosts.size(), 2U);
  EXPECT_EQ(strings[0], (std::vector<std::string>{"xs1", "up"}));
  EXPECT_EQ(hosts[0].fences, 1U);
  EXPECT_EQ(strings[1], (std::vector<std::string>{"xs2", "up"}));
  EXPECT_EQ(hosts[1].fences, 0U);

  const auto alerts = read_table<AlertSummaryRow>(file.get(), "/summary/alerts",
                                                  {{"name", offsetof(AlertSummaryRow, name), 's'},
                                                   {"count", offsetof(AlertSummaryRow, count), 'u'},
                                                   {"first_s", offsetof(AlertSummaryRow, first_s), 'd'}},
                                                  strings);
  ASSERT_EQ(alerts.size(), 2U);  // in order of first appearance
  EXPECT_EQ(strings[0][0], "POOL_MASTER_TRANSITION");
  EXPECT_EQ(alerts[0].count, 1U);
  EXPECT_EQ(alerts[0].first_s, 420.0);
  EXPECT_EQ(strings[1][0], "HA_HOST_FAILED");
  EXPECT_EQ(alerts[1].count, 2U);
  EXPECT_EQ(alerts[1].first_s, 421.0);
}

// /summary/services holds the rows the caller gives, availability from end_s; without services it is absent.
TEST(Hdf5Timeline, WritesTheServicesItIsGiven) {
  struct ServiceRow {
    const char* name;
    std::uint64_t need;
    std::uint64_t vms;
    double downtime_s;
    double availability;
    std::uint64_t outages;
  };
  const fs::path dir = test_dir();
  const fs::path path = dir / "run.h5";
  {
    EventBus bus;
    Hdf5Timeline timeline(path, header, pool_state_rules(), initial_states());
    timeline.set_services({{"dns", 1, 2, 0.0, 0}, {"erp", 2, 2, 120.0, 1}});
    bus.subscribe(timeline);
    publish_story(bus);
  }
  const Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  std::vector<std::vector<std::string>> strings;
  const auto rows = read_table<ServiceRow>(file.get(), "/summary/services",
                                           {{"name", offsetof(ServiceRow, name), 's'},
                                            {"need", offsetof(ServiceRow, need), 'u'},
                                            {"vms", offsetof(ServiceRow, vms), 'u'},
                                            {"downtime_s", offsetof(ServiceRow, downtime_s), 'd'},
                                            {"availability", offsetof(ServiceRow, availability), 'd'},
                                            {"outages", offsetof(ServiceRow, outages), 'u'}},
                                           strings);
  ASSERT_EQ(rows.size(), 2U);
  EXPECT_EQ(strings[0][0], "dns");
  EXPECT_EQ(rows[0].availability, 1.0);
  EXPECT_EQ(strings[1][0], "erp");
  EXPECT_EQ(rows[1].need, 2U);
  EXPECT_EQ(rows[1].downtime_s, 120.0);
  EXPECT_EQ(rows[1].availability, 0.9);
  EXPECT_EQ(rows[1].outages, 1U);

  const fs::path without = dir / "without.h5";
  write_story(without);
  const Handle plain(H5Fopen(without.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  EXPECT_EQ(H5Lexists(plain.get(), "/summary/services", H5P_DEFAULT), 0);
}

TEST(Hdf5Timeline, SameRecordsGiveTheSameBytes) {
  const fs::path dir = test_dir();
  write_story(dir / "a.h5");
  write_story(dir / "b.h5");
  const std::string a = file_bytes(dir / "a.h5");
  EXPECT_FALSE(a.empty());
  EXPECT_TRUE(a == file_bytes(dir / "b.h5"));
  // Writing over an existing file gives the same bytes again.
  write_story(dir / "a.h5");
  EXPECT_TRUE(a == file_bytes(dir / "a.h5"));
}

TEST(Hdf5Timeline, NoObjectCarriesATime) {
  const fs::path path = test_dir() / "run.h5";
  write_story(path);
  const Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  for (const char* object : {"/", "/events", "/hosts", "/hosts/xs1", "/hosts/xs1/state", "/vms", "/vms/dns/state",
                             "/summary", "/summary/vms", "/summary/hosts", "/summary/alerts"}) {
    H5O_info_t info;
    ASSERT_GE(H5Oget_info_by_name2(file.get(), object, &info, H5O_INFO_TIME, H5P_DEFAULT), 0) << object;
    EXPECT_EQ(info.atime, 0) << object;
    EXPECT_EQ(info.mtime, 0) << object;
    EXPECT_EQ(info.ctime, 0) << object;
    EXPECT_EQ(info.btime, 0) << object;
  }
}

// The temporaries of `path` there are: PATH.tmp.<pid> (output_file.hpp).
std::vector<fs::path> temporaries_of(const fs::path& path) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(path.parent_path())) {
    if (entry.path().filename().string().starts_with(path.filename().string() + ".tmp")) out.push_back(entry.path());
  }
  return out;
}

TEST(Hdf5Timeline, WritesToATemporaryFileAndRenamesItWhenComplete) {
  const fs::path path = test_dir() / "run.h5";
  {
    std::ofstream(path) << "an older run";
  }
  {
    EventBus bus;
    Hdf5Timeline timeline(path, header, pool_state_rules(), initial_states());
    bus.subscribe(timeline);
    bus.publish(at(1), "xs1", "host_crashed");
    const std::vector<fs::path> tmp = temporaries_of(path);
    ASSERT_EQ(tmp.size(), 1U);
    EXPECT_EQ(tmp.front().filename().string(), "run.h5.tmp." + std::to_string(::getpid()));
    EXPECT_EQ(file_bytes(path), "an older run");  // untouched while the run goes on
    bus.finish(at(2));
    EXPECT_TRUE(temporaries_of(path).empty());
  }
  EXPECT_GT(H5Fis_hdf5(path.c_str()), 0);
}

TEST(Hdf5Timeline, ARunThatNeverFinishesLeavesNoFile) {
  const fs::path path = test_dir() / "run.h5";
  {
    EventBus bus;
    Hdf5Timeline timeline(path, header, pool_state_rules(), initial_states());
    bus.subscribe(timeline);
    bus.publish(at(1), "xs1", "host_crashed");
  }
  EXPECT_FALSE(fs::exists(path));
  EXPECT_TRUE(temporaries_of(path).empty());
}

TEST(Hdf5Timeline, AnUnwritablePathThrowsNamingIt) {
  const fs::path path = test_dir() / "no-such-dir" / "run.h5";
  try {
    Hdf5Timeline timeline(path, header, pool_state_rules(), initial_states());
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    const std::string got = e.what();
    EXPECT_NE(got.find("cannot create HDF5 file '" + path.string() + "'"), std::string::npos) << got;
    EXPECT_NE(got.find("No such file or directory"), std::string::npos) << got;
  }
}

TEST(Hdf5Timeline, RefusesNamesThatCannotBeGroups) {
  const fs::path path = test_dir() / "run.h5";
  using enum StateSubject;
  EXPECT_THROW(Hdf5Timeline(path, header, {}, {{host, "a/b", "up"}}), std::invalid_argument);
  EXPECT_THROW(Hdf5Timeline(path, header, {}, {{vm, "", "halted"}}), std::invalid_argument);
  EXPECT_THROW(Hdf5Timeline(path, header, {}, {{vm, "dns", "halted"}, {vm, "dns", "running"}}), std::invalid_argument);
  // A host and a VM may share a name: they live in different groups.
  EXPECT_NO_THROW(Hdf5Timeline(path, header, {}, {{host, "dns", "up"}, {vm, "dns", "running"}}));
}

TEST(Hdf5Timeline, AnEmptyRunHasEmptyTables) {
  const fs::path path = test_dir() / "run.h5";
  {
    EventBus bus;
    Hdf5Timeline timeline(path, header, pool_state_rules(), initial_states());
    bus.subscribe(timeline);
    bus.finish(at(1200));
  }
  const Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  std::vector<std::vector<std::string>> strings;
  EXPECT_TRUE(read_table<EventRow>(file.get(), "/events", event_columns, strings).empty());
  EXPECT_EQ(intervals(file.get(), "/vms/dns/state"), "0-1200:running");
  const Handle alerts(H5Dopen2(file.get(), "/summary/alerts", H5P_DEFAULT), H5Dclose);
  const Handle space(H5Dget_space(alerts.get()), H5Sclose);
  EXPECT_EQ(H5Sget_simple_extent_npoints(space.get()), 0);
}

// The rules are data about another layer's tokens: check that the pool's components (sim/models/) still publish
// each of them, from the sources the rules expect.
TEST(Hdf5Timeline, PoolStateRulesNameTokensThePoolPublishes) {
  std::string pool;
  for (const auto& entry : fs::directory_iterator(fs::path(POOLSIM_SOURCE_DIR) / "sim" / "models")) {
    std::ifstream in(entry.path());
    ASSERT_TRUE(in) << "cannot read " << entry.path();
    pool.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  for (const StateRule& rule : pool_state_rules()) {
    EXPECT_NE(pool.find("\"" + rule.event + "\""), std::string::npos) << rule.event;
  }
  EXPECT_NE(pool.find("return name(h) + \"/ha\";"), std::string::npos) << "HA records no longer come from <host>/ha";
  EXPECT_NE(pool.find("return \"vm/\" + config.vms[v].name;"), std::string::npos)
      << "VM records no longer come from vm/<name>";
}

}  // namespace
}  // namespace poolsim
