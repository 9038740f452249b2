// The HDF5 reader reads back what the two writers write: a run's timeline (Hdf5Timeline) and a table file
// (write_hdf5_tables), and refuses what is not an HDF5 file with a message naming it.
#include "poolsim/recording/hdf5_reader.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "poolsim/recording/hdf5_tables.hpp"
#include "poolsim/recording/hdf5_timeline.hpp"

namespace poolsim {
namespace {

namespace fs = std::filesystem;

fs::path test_dir() {
  const std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  const fs::path dir = fs::path(::testing::TempDir()) / ("poolsim_reader_" + test);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

SimTime at(std::int64_t seconds) { return SimTime::zero() + Duration::seconds(seconds); }

TEST(Hdf5Reader, ReadsARunsTimeline) {
  const fs::path path = test_dir() / "run.h5";
  {
    Hdf5Header header{"s", "name: s\n", 7, at(1200)};
    header.start = UtcTime{1'772'352'000LL * 1'000'000'000};
    Hdf5Timeline timeline(path, header, pool_state_rules(),
                          {{StateSubject::host, "xs1", "up"}, {StateSubject::vm, "dns", "running"}});
    EventBus bus;
    bus.subscribe(timeline);
    bus.publish(at(300), "xs1", "host_crashed");
    bus.publish(at(300), "vm/dns", "vm_died", {{"host", "xs1"}});
    bus.finish(at(1200));
  }
  const Hdf5Reader file(path);
  EXPECT_TRUE(file.has("events"));
  EXPECT_TRUE(file.is_group("hosts"));
  EXPECT_FALSE(file.has("nothing/here"));
  EXPECT_EQ(file.members("hosts"), std::vector<std::string>{"xs1"});
  EXPECT_EQ(std::get<std::string>(*file.attribute("/", "scenario_name")), "s");
  EXPECT_EQ(std::get<std::uint64_t>(*file.attribute("/", "seed")), 7u);
  EXPECT_EQ(std::get<double>(*file.attribute("/", "until_s")), 1200.0);
  EXPECT_EQ(std::get<std::string>(*file.attribute("/", "start")), "2026-03-01T08:00:00Z");
  EXPECT_FALSE(file.attribute("/", "kind"));
  const Hdf5Table events = file.table("events");
  ASSERT_EQ(row_count(events), 2u);
  EXPECT_EQ((*column_doubles(events, "time_s"))[1], 300.0);
  EXPECT_EQ((*column_strings(events, "event"))[0], "host_crashed");
  EXPECT_EQ((*column_strings(events, "details"))[1], "host=xs1");
  EXPECT_EQ((*column_counts(events, "seq"))[1], 1u);
  EXPECT_EQ(column_doubles(events, "source"), nullptr);  // a string column asked as numbers
  const Hdf5Table states = file.table("hosts/xs1/state");
  EXPECT_EQ(*column_strings(states, "state"), (std::vector<std::string>{"up", "down"}));
  EXPECT_THROW(file.table("hosts"), Hdf5ReadError);
}

TEST(Hdf5Reader, ReadsATableFile) {
  const fs::path path = test_dir() / "t.h5";
  write_hdf5_tables(path, {{"kind", std::string("batch")}, {"runs", std::uint64_t{3}}},
                    {{"runs/summary",
                      {{"id", std::vector<std::string>{"a@1", "a@2", "a@3"}},
                       {"seed", std::vector<std::uint64_t>{1, 2, 3}},
                       {"downtime_s", std::vector<double>{0.5, 0, 90}}}}});
  const Hdf5Reader file(path);
  EXPECT_EQ(std::get<std::string>(*file.attribute("/", "kind")), "batch");
  const Hdf5Table t = file.table("runs/summary");
  EXPECT_EQ(t.columns.size(), 3u);
  EXPECT_EQ(*column_strings(t, "id"), (std::vector<std::string>{"a@1", "a@2", "a@3"}));
  EXPECT_EQ(*column_counts(t, "seed"), (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_EQ(*column_doubles(t, "downtime_s"), (std::vector<double>{0.5, 0, 90}));
}

TEST(Hdf5Reader, RefusesWhatIsNotAnHdf5File) {
  const fs::path dir = test_dir();
  std::ofstream(dir / "text.h5") << "name: not hdf5\n";
  const auto message = [](const fs::path& p) {
    try {
      const Hdf5Reader file(p);
    } catch (const Hdf5ReadError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(message(dir / "text.h5").find("not an HDF5 file"), std::string::npos);
  EXPECT_NE(message(dir / "absent.h5").find("no such file"), std::string::npos);
  EXPECT_NE(message(dir).find("is a directory"), std::string::npos);
}

}  // namespace
}  // namespace poolsim
