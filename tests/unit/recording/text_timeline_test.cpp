#include "poolsim/recording/text_timeline.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "poolsim/version.hpp"

namespace poolsim {
namespace {

TEST(TextTimeline, WritesTheFormatOfFormatsMd) {
  std::ostringstream out;
  EventBus bus;
  TextTimeline timeline(out, {"tutorial-cable-pull", 1, SimTime::zero() + Duration::minutes(20)});
  bus.subscribe(timeline);
  const SimTime t = SimTime::zero() + Duration::seconds(300);
  bus.publish(t, "xenserver-1/eth0", "link_down", {{"cause", "unplug"}});
  bus.publish(t + Duration::microseconds(200), "xenserver-1/bond0", "bond_down", {{"members_up", "0"}});
  bus.publish(t + Duration::seconds(78), "pool", "master_changed", {{"to", "xenserver-2"}, {"from", "xenserver-1"}});
  bus.publish(t + Duration::seconds(80), "a-very-long-source-name/bond0", "an_event_token_longer_than_21");
  bus.finish(SimTime::zero() + Duration::minutes(20));
  const std::string want = std::string("# poolsim ") + version +
                           "  scenario=tutorial-cable-pull  seed=1  until=1200.000000\n"
                           "#      time_s  source                 event                 details\n"
                           "   300.000000  xenserver-1/eth0       link_down             cause=unplug\n"
                           "   300.000200  xenserver-1/bond0      bond_down             members_up=0\n"
                           "   378.000000  pool                   master_changed        from=xenserver-1 to=xenserver-2\n"
                           "   380.000000  a-very-long-source-name/bond0 an_event_token_longer_than_21\n";
  EXPECT_EQ(out.str(), want);
}

// --clock: the time column as day and time of day, or as UTC from the scenario's start (printed in the header).
TEST(TextTimeline, WritesClockTimes) {
  const SimTime t = SimTime::zero() + Duration::days(1) + Duration::seconds(300);
  for (const bool with_start : {false, true}) {
    std::ostringstream out;
    EventBus bus;
    TimelineHeader header{"s", 2, SimTime::zero() + Duration::days(2)};
    header.clock = true;
    if (with_start) header.start = UtcTime{1'772'352'000LL * 1'000'000'000};  // 2026-03-01T08:00:00Z
    TextTimeline timeline(out, header);
    bus.subscribe(timeline);
    bus.publish(t, "xenserver-1/eth0", "link_down", {{"cause", "unplug"}});
    bus.finish(SimTime::zero() + Duration::days(2));
    const std::string want =
        with_start ? std::string("# poolsim ") + version + "  scenario=s  seed=2  until=172800.000000  start=2026-03-01T08:00:00Z\n"
                         "#                      time  source                 event                 details\n"
                         "2026-03-02T08:05:00.000000Z  xenserver-1/eth0       link_down             cause=unplug\n"
                   : std::string("# poolsim ") + version + "  scenario=s  seed=2  until=172800.000000\n"
                         "#             time  source                 event                 details\n"
                         "d1T00:05:00.000000  xenserver-1/eth0       link_down             cause=unplug\n";
    EXPECT_EQ(out.str(), want);
  }
}

}  // namespace
}  // namespace poolsim
