// The live progress line (tools/progress/progress_line.hpp), driven by an injected clock: nothing during the
// first second, nor ever when not live; then done/total, rate and ETA, redrawn at most every 200 ms; finish()
// ends a drawn line with a newline and writes nothing when none was drawn.
#include <gtest/gtest.h>

#include <chrono>
#include <limits>
#include <sstream>
#include <string>

#include "progress/progress_line.hpp"

namespace poolsim::progress {
namespace {

using std::chrono::milliseconds;

// An output stream and a clock that only the test moves; the work starts at the clock's epoch.
class ProgressLineTest : public ::testing::Test {
 protected:
  ProgressLine::Options options(bool live) {
    ProgressLine::Options o;
    o.label = "poolsim size";
    o.live = live;
    o.now = [this] { return t_; };
    return o;
  }
  void advance(int ms) { t_ += milliseconds(ms); }
  std::ostringstream out_;

 private:
  Clock::time_point t_{};
};

TEST_F(ProgressLineTest, SilentDuringTheFirstSecond) {
  ProgressLine line(out_, options(true));
  advance(500);
  line.update(3, 10);
  advance(500);  // exactly 1 s: not longer than the delay yet
  line.update(5, 10);
  EXPECT_EQ(out_.str(), "");
  EXPECT_FALSE(line.shown());
  line.finish();
  EXPECT_EQ(out_.str(), "");  // a short run leaves no trace
}

TEST_F(ProgressLineTest, AfterOneSecondShowsDoneTotalRateAndEta) {
  ProgressLine line(out_, options(true));
  advance(2000);
  line.update(5, 25);  // 2.5 runs/s, 20 left: 8 s
  EXPECT_EQ(out_.str(), "\rpoolsim size: 5/25 runs  2.5 runs/s  ETA 0:08   ");
  EXPECT_TRUE(line.shown());
}

TEST_F(ProgressLineTest, RedrawnAtMostEvery200ms) {
  ProgressLine line(out_, options(true));
  advance(1100);
  line.update(1, 100);
  const std::string first = out_.str();
  advance(150);
  line.update(2, 100);
  EXPECT_EQ(out_.str(), first);  // too soon
  advance(50);
  line.update(3, 100);
  EXPECT_NE(out_.str(), first);
  EXPECT_NE(out_.str().find("3/100 runs"), std::string::npos);
}

TEST_F(ProgressLineTest, FinishDrawsTheLastFiguresAndANewline) {
  {
    ProgressLine line(out_, options(true));
    advance(4000);
    line.update(3, 8);
    advance(50);
    line.update(8, 8);  // within 200 ms: not drawn, but finish() shows it
  }                     // the destructor finishes
  const std::string text = out_.str();
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  EXPECT_NE(text.find("8/8 runs"), std::string::npos);
  EXPECT_NE(text.find("ETA 0:00"), std::string::npos);
}

TEST_F(ProgressLineTest, NeverDrawnWhenNotLive) {
  ProgressLine line(out_, options(false));
  for (std::uint64_t i = 1; i <= 50; ++i) {
    advance(500);
    line.update(i, 50);
  }
  line.finish();
  EXPECT_EQ(out_.str(), "");
}

TEST_F(ProgressLineTest, AlreadyDoneCountsInTotalsNotInTheRate) {
  ProgressLine line(out_, options(true));
  line.set_already_done(40);  // a resumed batch: 40 runs journaled
  advance(5000);
  line.update(50, 100);  // 10 ran in 5 s: 2 runs/s, 50 left: 25 s
  EXPECT_EQ(out_.str(), "\rpoolsim size: 50/100 runs  2.0 runs/s  ETA 0:25   ");
}

TEST(FormatEta, MinutesHoursAndUnknown) {
  EXPECT_EQ(format_eta(8.4), "0:08");
  EXPECT_EQ(format_eta(125), "2:05");
  EXPECT_EQ(format_eta(3725), "1:02:05");
  EXPECT_EQ(format_eta(-1), "--:--");
  EXPECT_EQ(format_eta(std::numeric_limits<double>::quiet_NaN()), "--:--");
}

}  // namespace
}  // namespace poolsim::progress
