// Simulated time: SimTime (an instant) and Duration (a span), both whole nanoseconds in a signed 64-bit integer.
//
// Integers, not doubles, so that the same scenario gives the same event order on every machine (ns-3 nstime.h,
// OMNeT++ simtime.h). int64 nanoseconds span ±292 years, well past any scenario's horizon.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace poolsim {

// A span of simulated time in nanoseconds. May be negative as the result of arithmetic; parsed durations never are.
class Duration {
 public:
  constexpr Duration() = default;

  static constexpr Duration nanoseconds(std::int64_t n) { return Duration(n); }
  static constexpr Duration microseconds(std::int64_t n) { return Duration(n * 1'000); }
  static constexpr Duration milliseconds(std::int64_t n) { return Duration(n * 1'000'000); }
  static constexpr Duration seconds(std::int64_t n) { return Duration(n * 1'000'000'000); }
  static constexpr Duration minutes(std::int64_t n) { return seconds(n * 60); }
  static constexpr Duration hours(std::int64_t n) { return seconds(n * 3'600); }
  static constexpr Duration days(std::int64_t n) { return seconds(n * 86'400); }
  static constexpr Duration zero() { return Duration(0); }

  constexpr std::int64_t ns() const { return ns_; }
  // Whole seconds, truncated toward zero: for integer timer arithmetic such as xapi's (T + 10) div 10.
  constexpr std::int64_t whole_seconds() const { return ns_ / 1'000'000'000; }

  constexpr auto operator<=>(const Duration&) const = default;
  constexpr Duration operator+(Duration o) const { return Duration(ns_ + o.ns_); }
  constexpr Duration operator-(Duration o) const { return Duration(ns_ - o.ns_); }
  constexpr Duration operator-() const { return Duration(-ns_); }
  constexpr Duration operator*(std::int64_t k) const { return Duration(ns_ * k); }
  constexpr Duration operator/(std::int64_t k) const { return Duration(ns_ / k); }
  constexpr std::int64_t operator/(Duration o) const { return ns_ / o.ns_; }
  constexpr Duration operator%(Duration o) const { return Duration(ns_ % o.ns_); }
  constexpr Duration& operator+=(Duration o) { ns_ += o.ns_; return *this; }
  constexpr Duration& operator-=(Duration o) { ns_ -= o.ns_; return *this; }

 private:
  constexpr explicit Duration(std::int64_t ns) : ns_(ns) {}
  std::int64_t ns_ = 0;
};

// An instant of simulated time: nanoseconds since the start of the run (time 0).
class SimTime {
 public:
  constexpr SimTime() = default;

  static constexpr SimTime from_ns(std::int64_t ns) { return SimTime(ns); }
  static constexpr SimTime zero() { return SimTime(0); }
  static constexpr SimTime start() { return SimTime(0); }

  constexpr std::int64_t ns() const { return ns_; }
  constexpr Duration since_start() const { return Duration::nanoseconds(ns_); }

  constexpr auto operator<=>(const SimTime&) const = default;
  constexpr SimTime operator+(Duration d) const { return SimTime(ns_ + d.ns()); }
  constexpr SimTime operator-(Duration d) const { return SimTime(ns_ - d.ns()); }
  constexpr Duration operator-(SimTime o) const { return Duration::nanoseconds(ns_ - o.ns_); }
  constexpr SimTime& operator+=(Duration d) { ns_ += d.ns(); return *this; }

 private:
  constexpr explicit SimTime(std::int64_t ns) : ns_(ns) {}
  std::int64_t ns_ = 0;
};

inline constexpr SimTime operator+(Duration d, SimTime t) { return t + d; }

// Why a duration string was refused: a message in the house style (lowercase, says how to fix).
struct TimeParseError {
  std::string message;
};

// Parses a written duration: one or more <number><unit> parts, largest unit first, e.g. "90s", "2m",
// "250ms", "1h30m", "1.5s", "2d", "1y". Units: ns, us, ms, s, m (minutes), h, d, w (7 d), y (365 d).
// Refuses a missing unit, a sign, a value that does not fit ±292 years, and precision finer than 1 ns.
std::variant<Duration, TimeParseError> parse_duration(std::string_view text);

// Seconds with exactly six decimals, truncated toward zero at the microsecond: "300.000000", "-0.500000".
// This is the time column of the text timeline (docs/running.md "Timeline format").
std::string format_seconds(Duration d);
inline std::string format_seconds(SimTime t) { return format_seconds(t.since_start()); }

// The shortest written form that parse_duration reads back to the same value: "90s" -> "1m30s", "0s".
std::string format_duration(Duration d);

// A duration for people to read in summaries: hours, minutes and seconds, every unit after the first two digits
// wide, days in front past 24 h, a fraction of a second to the microsecond without trailing zeros:
// "1h02m03s", "1m30s", "45s", "0.25s", "2d03h00m00s", "0s". Truncated toward zero at the microsecond, like
// format_seconds.
std::string format_hms(Duration d);

// A wall-clock instant in UTC: nanoseconds since 1970-01-01T00:00:00Z (int64: years 1678 to 2261). The scenario's
// optional `start:` (docs/scenario-format.md), which puts simulated time 0 on the calendar; the simulation itself
// never reads it.
struct UtcTime {
  std::int64_t ns_since_epoch = 0;
  friend constexpr auto operator<=>(UtcTime, UtcTime) = default;
};

// Parses an ISO 8601 date and time in UTC: "2026-03-01T08:00:00Z", with an optional fraction of a second
// ("08:00:00.5Z") and "+00:00" accepted for "Z". Refuses another offset, a missing zone, and a date or time that
// does not exist (2026-02-30, 24:00:00), with a message that says how to fix it.
std::variant<UtcTime, TimeParseError> parse_utc_time(std::string_view text);

// `t` as ISO 8601 in UTC, "2026-03-01T08:05:00Z"; with `decimals` (0 to 9), that many digits of the second after
// a point, truncated ("2026-03-01T08:05:00.000000Z"); with decimals < 0, the fewest that are exact (what
// parse_utc_time reads back to the same instant).
std::string format_utc_time(UtcTime t, int decimals = 0);
// The instant `offset` after `start`.
constexpr UtcTime utc_at(UtcTime start, Duration offset) { return UtcTime{start.ns_since_epoch + offset.ns()}; }

// An instant of a run without a calendar, as day and time of day: "d0T00:05:00", "d3T14:02:11" (days counted
// from 0), with `decimals` as format_utc_time (< 0: the fewest exact digits).
std::string format_day_time(Duration since_start, int decimals = 0);

}  // namespace poolsim
