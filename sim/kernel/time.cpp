#include "poolsim/kernel/time.hpp"

#include <array>
#include <cstdlib>
#include <limits>

namespace poolsim {
namespace {

struct Unit {
  std::string_view name;
  std::int64_t ns;
};

// Largest first: parts of a duration must come in this order ("1h30m", not "30m1h").
// A year is 365 days and a week 7 days: scenario horizons, MTBFs and repair times are written with them.
constexpr std::array<Unit, 9> units{{
    {"y", 365LL * 86'400 * 1'000'000'000},
    {"w", 7LL * 86'400 * 1'000'000'000},
    {"d", 86'400LL * 1'000'000'000},
    {"h", 3'600LL * 1'000'000'000},
    {"m", 60LL * 1'000'000'000},
    {"s", 1'000'000'000},
    {"ms", 1'000'000},
    {"us", 1'000},
    {"ns", 1},
}};

constexpr std::int64_t max_ns = std::numeric_limits<std::int64_t>::max();

TimeParseError error(std::string_view text, std::string_view what) {
  return TimeParseError{"duration '" + std::string(text) + "' " + std::string(what)};
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

}  // namespace

std::variant<Duration, TimeParseError> parse_duration(std::string_view text) {
  if (text.empty()) return TimeParseError{"empty duration; write a number and a unit, e.g. '30s'"};
  if (text.front() == '-') return error(text, "is negative; durations are zero or more, e.g. '0s' or '30s'");
  if (text.front() == '+') return error(text, "has a sign; write it without '+', e.g. '30s'");

  std::int64_t total = 0;
  std::size_t previous_unit = 0;  // index into units of the last part's unit, +1; 0 before the first part
  std::size_t i = 0;
  while (i < text.size()) {
    // The number: digits, optionally a '.' and more digits.
    std::int64_t whole = 0;
    std::size_t digits = 0;
    bool overflow = false;
    while (i < text.size() && is_digit(text[i])) {
      const std::int64_t digit = text[i] - '0';
      if (whole > (max_ns - digit) / 10) overflow = true;
      else whole = whole * 10 + digit;
      ++i;
      ++digits;
    }
    std::string_view fraction;
    if (i < text.size() && text[i] == '.') {
      const std::size_t start = ++i;
      while (i < text.size() && is_digit(text[i])) ++i;
      fraction = text.substr(start, i - start);
      if (fraction.empty()) return error(text, "has a '.' with no digits after it; write e.g. '1.5s'");
    }
    if (digits == 0) {
      return error(text, "has a unit with no number before it; write e.g. '30s'");
    }
    // The unit: letters up to the next digit.
    const std::size_t unit_start = i;
    while (i < text.size() && is_letter(text[i])) ++i;
    const std::string_view unit_text = text.substr(unit_start, i - unit_start);
    if (unit_text.empty()) {
      if (i < text.size()) {
        return error(text, "has an unexpected '" + std::string(1, text[i]) +
                               "'; write parts like '1h30m' with no spaces or separators");
      }
      if (previous_unit == 0 && fraction.empty()) {
        return error(text, "has no unit; write '" + std::string(text) + "s' or '" + std::string(text) +
                               "000ms'");
      }
      if (previous_unit == 0) return error(text, "has no unit; write '" + std::string(text) + "s'");
      return error(text, "ends in a number with no unit; add one, e.g. 's'");
    }
    std::size_t unit_index = units.size();
    for (std::size_t u = 0; u < units.size(); ++u) {
      if (units[u].name == unit_text) unit_index = u;
    }
    if (unit_index == units.size()) {
      return error(text, "has unknown unit '" + std::string(unit_text) +
                             "'; use ns, us, ms, s, m (minutes), h, d, w or y");
    }
    if (unit_index + 1 <= previous_unit) {
      return error(text, "has its parts out of order; write the largest unit first, each unit once, e.g. '1h30m'");
    }
    previous_unit = unit_index + 1;

    const std::int64_t scale = units[unit_index].ns;
    if (overflow || whole > max_ns / scale) {
      return error(text, "is too large; the longest duration is about 292 years");
    }
    std::int64_t part = whole * scale;
    // The fraction, exactly: each digit is worth scale / 10^k nanoseconds, which must be whole.
    std::int64_t place = scale;
    for (const char c : fraction) {
      const std::int64_t digit = c - '0';
      if (digit != 0 && place % 10 != 0) {
        return error(text, "is more precise than one nanosecond; drop the extra decimals");
      }
      place /= 10;
      part += digit * place;  // bounded by scale, cannot overflow after the check above
      if (part < 0) return error(text, "is too large; the longest duration is about 292 years");
    }
    if (total > max_ns - part) return error(text, "is too large; the longest duration is about 292 years");
    total += part;
  }
  return Duration::nanoseconds(total);
}

std::string format_seconds(Duration d) {
  const std::int64_t ns = d.ns();
  const bool negative = ns < 0;
  // Work in unsigned to take the magnitude of INT64_MIN safely.
  const std::uint64_t magnitude = negative ? (~static_cast<std::uint64_t>(ns) + 1) : static_cast<std::uint64_t>(ns);
  const std::uint64_t seconds = magnitude / 1'000'000'000;
  const std::uint64_t micros = (magnitude % 1'000'000'000) / 1'000;
  const std::string fraction = std::to_string(micros);
  std::string out;
  if (negative) out += '-';
  out += std::to_string(seconds);
  out += '.';
  out.append(6 - fraction.size(), '0');
  out += fraction;
  return out;
}

std::string format_duration(Duration d) {
  if (d.ns() == 0) return "0s";
  std::string out;
  std::int64_t rest = d.ns();
  if (rest < 0) {
    // Negative spans never come from parsing; print them readably all the same.
    out = "-";
    if (rest == std::numeric_limits<std::int64_t>::min()) return out + std::to_string(static_cast<std::uint64_t>(rest)) + "ns";
    rest = -rest;
  }
  for (const Unit& unit : units) {
    if (unit.name == "w") continue;  // "8d" reads better than "1w1d"
    if (rest >= unit.ns) {
      out += std::to_string(rest / unit.ns);
      out += unit.name;
      rest %= unit.ns;
    }
  }
  return out;
}

}  // namespace poolsim
