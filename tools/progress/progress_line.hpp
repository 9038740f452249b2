// A live progress line for long commands (poolsim size; poolsim batch can use it too): on a terminal, one line
// redrawn in place with a carriage return,
//
//     poolsim size: 120/460 runs  35.2 runs/s  ETA 0:10
//
// and nothing at all unless the work has run for longer than `delay` (1 s): short runs and redirected output
// stay quiet. Redrawn at most every `interval` (200 ms). The clock is injected so that a test can drive it;
// tools may read the real clock (sim/ may not), and the default is std::chrono::steady_clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>

namespace poolsim::progress {

using Clock = std::chrono::steady_clock;
using Now = std::function<Clock::time_point()>;

// "m:ss", or "h:mm:ss" from an hour; "--:--" when unknown (negative, infinite or NaN).
std::string format_eta(double seconds);

// Whether `fd` is a terminal (isatty): the usual value of `live` for stderr.
bool is_terminal(int fd);

class ProgressLine {
 public:
  struct Options {
    std::string label;            // "poolsim size"
    std::string unit = "runs";    // what is counted
    bool live = false;            // draw at all (stderr is a terminal)
    Clock::duration delay = std::chrono::seconds(1);
    Clock::duration interval = std::chrono::milliseconds(200);
    Now now;                      // empty: steady_clock::now
  };

  // Starts the clock: the work began now.
  ProgressLine(std::ostream& out, Options options);
  ~ProgressLine();  // finish()
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  // Units already done before the work began (a resumed batch's journaled runs): counted in done/total, not in
  // the rate.
  void set_already_done(std::uint64_t already_done) { already_done_ = already_done; }

  // `done` of `total` units are done (already_done included). Draws when live, past the delay, and the last
  // drawing is at least `interval` old.
  void update(std::uint64_t done, std::uint64_t total);

  // Ends the line: when one was drawn, draws the last figures and a newline; otherwise writes nothing. Later
  // calls do nothing.
  void finish();

  // Whether a line has been drawn.
  bool shown() const { return shown_; }

 private:
  Clock::time_point now() const;
  void draw(Clock::time_point now);

  std::ostream& out_;
  Options options_;
  Clock::time_point started_;
  Clock::time_point last_drawn_{};
  std::uint64_t already_done_ = 0;
  std::uint64_t done_ = 0;
  std::uint64_t total_ = 0;
  bool shown_ = false;
  bool finished_ = false;
};

}  // namespace poolsim::progress
