#include "progress/progress_line.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <utility>

namespace poolsim::progress {

std::string format_eta(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--:--";
  const auto s = static_cast<long long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lld:%02lld", s / 60, s % 60);
  }
  return buf;
}

bool is_terminal(int fd) { return ::isatty(fd) == 1; }

ProgressLine::ProgressLine(std::ostream& out, Options options) : out_(out), options_(std::move(options)) {
  started_ = now();
}

ProgressLine::~ProgressLine() {
  try {
    finish();
  } catch (...) {
    // A stream that throws while the line is closed during unwinding: the line is only cosmetic.
  }
}

Clock::time_point ProgressLine::now() const { return options_.now ? options_.now() : Clock::now(); }

void ProgressLine::update(std::uint64_t done, std::uint64_t total) {
  done_ = done;
  total_ = total;
  if (!options_.live || finished_) return;
  const Clock::time_point t = now();
  if (t - started_ <= options_.delay) return;
  if (shown_ && t - last_drawn_ < options_.interval) return;
  draw(t);
}

void ProgressLine::finish() {
  if (finished_) return;
  finished_ = true;
  if (!shown_) return;
  draw(now());
  out_ << '\n' << std::flush;
}

void ProgressLine::draw(Clock::time_point t) {
  shown_ = true;
  last_drawn_ = t;
  const double elapsed = std::chrono::duration<double>(t - started_).count();
  const std::uint64_t ran = done_ > already_done_ ? done_ - already_done_ : 0;
  const double rate = elapsed > 0 ? static_cast<double>(ran) / elapsed : 0;
  const double eta = rate > 0 ? static_cast<double>(total_ > done_ ? total_ - done_ : 0) / rate : NAN;
  char rate_text[32];
  std::snprintf(rate_text, sizeof rate_text, "%.1f", rate);
  // Trailing blanks wipe what a longer earlier line left on the right.
  out_ << '\r' << options_.label << ": " << done_ << '/' << total_ << ' ' << options_.unit << "  " << rate_text << ' '
       << options_.unit << "/s  ETA " << format_eta(eta) << "   " << std::flush;
}

}  // namespace poolsim::progress
