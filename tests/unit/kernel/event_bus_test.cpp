#include "poolsim/kernel/event_bus.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

namespace poolsim {
namespace {

struct Collector : TimelineObserver {
  std::vector<TimelineRecord> records;
  std::optional<SimTime> finished;
  void on_record(const TimelineRecord& r) override { records.push_back(r); }
  void on_finish(SimTime end) override { finished = end; }
};

TEST(EventBus, NumbersRecordsAndSortsDetails) {
  EventBus bus;
  Collector c;
  bus.subscribe(c);
  bus.publish(SimTime::zero() + Duration::seconds(300), "xenserver-1/eth0", "link_down", {{"cause", "unplug"}});
  bus.publish(SimTime::zero() + Duration::seconds(301), "pool", "master_changed",
              {{"to", "xenserver-2"}, {"from", "xenserver-1"}});
  bus.finish(SimTime::zero() + Duration::seconds(1200));
  ASSERT_EQ(c.records.size(), 2u);
  EXPECT_EQ(c.records[0].seq, 0u);
  EXPECT_EQ(c.records[1].seq, 1u);
  EXPECT_EQ(c.records[1].details_text(), "from=xenserver-1 to=xenserver-2");
  EXPECT_EQ(c.records[0].event, "link_down");
  EXPECT_EQ(c.finished, SimTime::zero() + Duration::seconds(1200));
  EXPECT_EQ(bus.published(), 2u);
}

// The budget lets exactly its records through; the next is not published and says when and which budget.
TEST(EventBus, RecordBudgetStopsTheRecordPastIt) {
  EventBus bus;
  Collector c;
  bus.subscribe(c);
  bus.set_record_budget(2);
  bus.publish(SimTime::zero(), "pool", "ha_enabled");
  bus.publish(SimTime::zero() + Duration::seconds(1), "pool", "ha_disabled");
  try {
    bus.publish(SimTime::zero() + Duration::seconds(7), "pool", "ha_enabled");
    FAIL() << "the third record passed a budget of two";
  } catch (const RecordBudgetExceeded& e) {
    EXPECT_EQ(e.at(), SimTime::zero() + Duration::seconds(7));
    EXPECT_EQ(e.budget(), 2u);
  }
  EXPECT_EQ(c.records.size(), 2u);
  EXPECT_EQ(bus.published(), 2u);
}

TEST(EventBus, EveryObserverHearsEveryRecordInOrder) {
  EventBus bus;
  Collector a, b;
  bus.subscribe(a);
  bus.subscribe(b);
  bus.publish(SimTime::zero(), "pool", "ha_enabled");
  EXPECT_EQ(a.records.size(), 1u);
  EXPECT_EQ(b.records.size(), 1u);
}

TEST(EventBus, RefusesMalformedRecords) {
  EventBus bus;
  EXPECT_THROW(bus.publish(SimTime::zero(), "pool", "Link Down"), std::logic_error);
  EXPECT_THROW(bus.publish(SimTime::zero(), "xs 1", "link_down"), std::logic_error);
  EXPECT_THROW(bus.publish(SimTime::zero(), "pool", "x", {{"reason", "two words"}}), std::logic_error);
  EXPECT_THROW(bus.publish(SimTime::zero(), "pool", "x", {{"Key", "v"}}), std::logic_error);
  EXPECT_THROW(bus.publish(SimTime::zero(), "pool", "x", {{"k", "a=b"}}), std::logic_error);
  EXPECT_THROW(bus.publish(SimTime::zero(), "pool", "x", {{"k", "1"}, {"k", "2"}}), std::logic_error);
  EXPECT_EQ(bus.published(), 0u);
}

}  // namespace
}  // namespace poolsim
