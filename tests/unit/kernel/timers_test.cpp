#include "poolsim/kernel/timers.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace poolsim {
namespace {

SimTime at_s(std::int64_t s) { return SimTime::zero() + Duration::seconds(s); }

TEST(PeriodicTimer, TicksOnItsGridUntilStopped) {
  EventQueue q;
  std::vector<SimTime> got;
  PeriodicTimer timer(q, Phase::protocol, [&] { got.push_back(q.now()); });
  timer.start(at_s(1), Duration::seconds(3));
  q.run_until(at_s(11));
  EXPECT_EQ(got, (std::vector<SimTime>{at_s(1), at_s(4), at_s(7), at_s(10)}));
  EXPECT_EQ(timer.next_tick(), at_s(13));
  timer.stop();
  EXPECT_FALSE(timer.running());
  EXPECT_EQ(timer.next_tick(), std::nullopt);
  q.run_until(at_s(100));
  EXPECT_EQ(got.size(), 4u);
}

TEST(PeriodicTimer, MayStopItselfFromItsAction) {
  EventQueue q;
  int ticks = 0;
  PeriodicTimer* self = nullptr;
  PeriodicTimer timer(q, Phase::protocol, [&] {
    if (++ticks == 3) self->stop();
  });
  self = &timer;
  timer.start(at_s(0), Duration::seconds(1));
  q.run();  // ends: the timer left nothing pending
  EXPECT_EQ(ticks, 3);
}

TEST(PeriodicTimer, RestartMovesTheGrid) {
  EventQueue q;
  std::vector<SimTime> got;
  PeriodicTimer timer(q, Phase::protocol, [&] { got.push_back(q.now()); });
  timer.start(at_s(0), Duration::seconds(10));
  q.run_until(at_s(5));
  timer.start(at_s(6), Duration::seconds(2));
  q.run_until(at_s(11));
  EXPECT_EQ(got, (std::vector<SimTime>{at_s(0), at_s(6), at_s(8), at_s(10)}));
}

TEST(PeriodicTimer, DestroyingItCancelsItsTick) {
  EventQueue q;
  int ticks = 0;
  {
    PeriodicTimer timer(q, Phase::protocol, [&] { ++ticks; });
    timer.start(at_s(1), Duration::seconds(1));
  }
  q.run();
  EXPECT_EQ(ticks, 0);
}

TEST(Watchdog, FiresOnceTimeoutAfterTheLastPing) {
  EventQueue q;
  std::vector<SimTime> fired;
  Watchdog dog(q, Phase::protocol, Duration::seconds(30), [&] { fired.push_back(q.now()); });
  dog.ping();  // at 0: deadline 30
  // Pings every 3 s up to 12 s: the deadline moves to 42 s.
  PeriodicTimer pinger(q, Phase::protocol, [&] {
    if (q.now() <= at_s(12)) dog.ping();
  });
  pinger.start(at_s(3), Duration::seconds(3));
  q.run_until(at_s(100));
  EXPECT_EQ(fired, (std::vector<SimTime>{at_s(42)}));
  EXPECT_FALSE(dog.armed());
}

TEST(Watchdog, PingingCostsNoEventPerPing) {
  EventQueue q;
  int fired = 0;
  Watchdog dog(q, Phase::protocol, Duration::seconds(60), [&] { ++fired; });
  dog.ping();
  // 1000 pings one second apart, done without the event queue: the watchdog's event is moved at most once per
  // timeout, so it runs about 1000 / 60 times, not 1000 times.
  for (int s = 1; s <= 1000; ++s) {
    q.run_until(at_s(s));
    dog.ping();
  }
  EXPECT_LE(q.events_run(), 1000u / 60 + 2);
  q.run();
  EXPECT_EQ(fired, 1);
  EXPECT_EQ(q.now(), at_s(1060));
}

TEST(Watchdog, DisarmAndEarlierDeadline) {
  EventQueue q;
  std::vector<SimTime> fired;
  Watchdog dog(q, Phase::protocol, Duration::seconds(30), [&] { fired.push_back(q.now()); });
  dog.ping();
  dog.disarm();
  q.run_until(at_s(40));
  EXPECT_TRUE(fired.empty());
  dog.arm_until(at_s(100));
  dog.arm_until(at_s(50));  // earlier than the pending event: the event itself moves
  EXPECT_EQ(dog.deadline(), at_s(50));
  q.run();
  EXPECT_EQ(fired, (std::vector<SimTime>{at_s(50)}));
}

TEST(Watchdog, CanBeRearmedFromItsOwnExpiry) {
  EventQueue q;
  std::vector<SimTime> fired;
  Watchdog* self = nullptr;
  Watchdog dog(q, Phase::protocol, Duration::seconds(10), [&] {
    fired.push_back(q.now());
    if (fired.size() < 3) self->ping();
  });
  self = &dog;
  dog.ping();
  q.run();
  EXPECT_EQ(fired, (std::vector<SimTime>{at_s(10), at_s(20), at_s(30)}));
}

}  // namespace
}  // namespace poolsim
