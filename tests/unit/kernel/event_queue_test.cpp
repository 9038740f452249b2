#include "poolsim/kernel/event_queue.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

namespace poolsim {
namespace {

SimTime at_s(std::int64_t s) { return SimTime::zero() + Duration::seconds(s); }

TEST(EventQueue, RunsInTimeOrder) {
  EventQueue q;
  std::vector<int> got;
  q.schedule_at(at_s(3), Phase::protocol, [&] { got.push_back(3); });
  q.schedule_at(at_s(1), Phase::protocol, [&] { got.push_back(1); });
  q.schedule_at(at_s(2), Phase::protocol, [&] { got.push_back(2); });
  q.run();
  EXPECT_EQ(got, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(q.now(), at_s(3));
  EXPECT_EQ(q.events_run(), 3u);
}

TEST(EventQueue, TiesRunFirstInFirstOutWithinAPhase) {
  EventQueue q;
  std::vector<int> got;
  for (int i = 0; i < 100; ++i) q.schedule_at(at_s(5), Phase::protocol, [&got, i] { got.push_back(i); });
  q.run();
  std::vector<int> want(100);
  for (int i = 0; i < 100; ++i) want[static_cast<std::size_t>(i)] = i;
  EXPECT_EQ(got, want);
}

TEST(EventQueue, TiesRunByPhaseBandFirst) {
  EventQueue q;
  std::string got;
  q.schedule_at(at_s(1), Phase::observation, [&] { got += 'o'; });
  q.schedule_at(at_s(1), Phase::decision, [&] { got += 'd'; });
  q.schedule_at(at_s(1), Phase::settle, [&] { got += 's'; });
  q.schedule_at(at_s(1), Phase::protocol, [&] { got += 'p'; });
  q.schedule_at(at_s(1), Phase::hardware, [&] { got += 'h'; });
  q.schedule_at(at_s(1), Phase::fault, [&] { got += 'f'; });
  q.schedule_at(at_s(0), Phase::observation, [&] { got += '0'; });
  q.run();
  EXPECT_EQ(got, "0fhpsdo");
  EXPECT_EQ(q.current_phase(), Phase::observation);
}

// An event scheduled for the current instant by a running event runs after it, ordered among the rest by
// phase band and then sequence: a protocol event scheduled now precedes a decision event scheduled earlier.
TEST(EventQueue, EventsScheduledForNowRunAfterTheCurrentOneInPhaseOrder) {
  EventQueue q;
  std::string got;
  q.schedule_at(at_s(1), Phase::decision, [&] {
    got += 'a';
    q.schedule_in(Duration::zero(), Phase::decision, [&] { got += 'c'; });
    q.schedule_in(Duration::zero(), Phase::protocol, [&] { got += 'b'; });  // an earlier band, still after 'a'
  });
  q.schedule_at(at_s(1), Phase::decision, [&] { got += 'x'; });
  q.run();
  EXPECT_EQ(got, "abxc");
}

TEST(EventQueue, CancelIsLazyAndExact) {
  EventQueue q;
  std::vector<int> got;
  const EventHandle a = q.schedule_at(at_s(1), Phase::protocol, [&] { got.push_back(1); });
  const EventHandle b = q.schedule_at(at_s(2), Phase::protocol, [&] { got.push_back(2); });
  EXPECT_TRUE(q.pending(a));
  EXPECT_TRUE(q.cancel(a));
  EXPECT_FALSE(q.pending(a));
  EXPECT_FALSE(q.cancel(a));  // twice is a no-op
  EXPECT_EQ(q.pending_count(), 1u);
  EXPECT_EQ(q.next_time(), at_s(2));
  q.run();
  EXPECT_EQ(got, (std::vector<int>{2}));
  EXPECT_FALSE(q.pending(b));
  EXPECT_FALSE(q.cancel(b));            // already ran
  EXPECT_FALSE(q.cancel(EventHandle{}));  // refers to nothing
}

TEST(EventQueue, AStaleHandleDoesNotCancelTheEventThatReusedItsSlot) {
  EventQueue q;
  int runs = 0;
  const EventHandle old = q.schedule_at(at_s(1), Phase::protocol, [&] { ++runs; });
  q.cancel(old);
  q.schedule_at(at_s(2), Phase::protocol, [&] { ++runs; });  // reuses the freed slot
  EXPECT_FALSE(q.cancel(old));
  q.run();
  EXPECT_EQ(runs, 1);
}

TEST(EventQueue, ManyCancellationsKeepOrderAndMemoryBounded) {
  EventQueue q;
  std::vector<std::int64_t> got;
  std::vector<EventHandle> handles;
  // 10'000 events at distinct times; cancel all but every seventh, which must still run in order.
  for (std::int64_t i = 0; i < 10'000; ++i) {
    const std::int64_t t = (i * 7919) % 10'000;  // a permutation of 0..9999
    handles.push_back(q.schedule_at(SimTime::from_ns(t), Phase::protocol, [&got, t] { got.push_back(t); }));
  }
  std::vector<std::int64_t> want;
  for (std::int64_t i = 0; i < 10'000; ++i) {
    const std::int64_t t = (i * 7919) % 10'000;
    if (i % 7 == 0) want.push_back(t);
    else q.cancel(handles[static_cast<std::size_t>(i)]);
  }
  EXPECT_EQ(q.pending_count(), want.size());
  std::sort(want.begin(), want.end());
  q.run();
  EXPECT_EQ(got, want);
}

TEST(EventQueue, RunUntilExcludesTheHorizonAndAdvancesTheClock) {
  EventQueue q;
  std::vector<int> got;
  q.schedule_at(at_s(1), Phase::protocol, [&] { got.push_back(1); });
  q.schedule_at(at_s(2), Phase::fault, [&] { got.push_back(2); });
  q.run_until(at_s(2));
  EXPECT_EQ(got, (std::vector<int>{1}));
  EXPECT_EQ(q.now(), at_s(2));
  EXPECT_EQ(q.next_time(), at_s(2));
  q.run_until(at_s(10));
  EXPECT_EQ(got, (std::vector<int>{1, 2}));
  EXPECT_EQ(q.now(), at_s(10));
}

TEST(EventQueue, StepRunsOneEventAtATime) {
  EventQueue q;
  int runs = 0;
  q.schedule_at(at_s(1), Phase::protocol, [&] { ++runs; });
  q.schedule_at(at_s(2), Phase::protocol, [&] { ++runs; });
  EXPECT_TRUE(q.step());
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(q.now(), at_s(1));
  EXPECT_TRUE(q.step());
  EXPECT_FALSE(q.step());
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.next_time(), std::nullopt);
}

TEST(EventQueue, RefusesThePastAndEmptyActions) {
  EventQueue q;
  q.run_until(at_s(5));
  EXPECT_THROW(q.schedule_at(at_s(4), Phase::protocol, [] {}), std::logic_error);
  EXPECT_THROW(q.schedule_at(at_s(6), Phase::protocol, EventQueue::Action{}), std::logic_error);
  EXPECT_NO_THROW(q.schedule_at(at_s(5), Phase::protocol, [] {}));
}

TEST(EventQueue, AnEventCanCancelALaterOneAtTheSameTime) {
  EventQueue q;
  std::string got;
  EventHandle second;
  q.schedule_at(at_s(1), Phase::protocol, [&] {
    got += 'a';
    q.cancel(second);
  });
  second = q.schedule_at(at_s(1), Phase::protocol, [&] { got += 'b'; });
  q.run();
  EXPECT_EQ(got, "a");
}

}  // namespace
}  // namespace poolsim
