#include "poolsim/kernel/time.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
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

namespace poolsim {
namespace {

constexpr std::int64_t ns_per_s = 1'000'000'000;
constexpr std::int64_t s_per_day = 86'400;

// At least two digits ("05"); snprintf rather than string concatenation, which GCC 12's LTO warns about wrongly.
std::string two_digits(std::int64_t v) {
  char buffer[24];
  std::snprintf(buffer, sizeof buffer, "%02lld", static_cast<long long>(v));
  return buffer;
}

// The digits of `ns` (0 .. 1e9-1) as a fraction of a second: `decimals` of them, truncated, after a point; none
// for 0 decimals.
std::string fraction(std::int64_t ns, int decimals) {
  if (decimals <= 0) return "";
  std::string digits = std::to_string(ns);
  if (digits.size() < 9) digits.insert(0, 9 - digits.size(), '0');
  return "." + digits.substr(0, static_cast<std::size_t>(std::min(decimals, 9)));
}

// As fraction(), or for decimals < 0 the fewest digits that are exact (none for a whole second).
std::string shortest(std::int64_t ns, int decimals) {
  if (decimals >= 0) return fraction(ns, decimals);
  if (ns == 0) return "";
  std::string f = fraction(ns, 9);
  while (f.back() == '0') f.pop_back();
  return f;
}

// Days since 1970-01-01 of a proleptic Gregorian date, and back (H. Hinnant's days_from_civil, civil_from_days:
// the era of 400 years repeats exactly).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146'097 + static_cast<std::int64_t>(doe) - 719'468;
}

struct Civil {
  std::int64_t year;
  unsigned month;
  unsigned day;
};

Civil civil_from_days(std::int64_t z) {
  z += 719'468;
  const std::int64_t era = (z >= 0 ? z : z - 146'096) / 146'097;
  const auto doe = static_cast<unsigned>(z - era * 146'097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36'524 - doe / 146'096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2), m, d};
}

bool leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(std::int64_t y, unsigned m) {
  constexpr std::array<unsigned, 12> days{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : days[m - 1];
}

// The number of exactly `width` digits at `text[at]`, or -1.
std::int64_t digits_at(std::string_view text, std::size_t at, std::size_t width) {
  if (at + width > text.size()) return -1;
  std::int64_t v = 0;
  for (std::size_t i = at; i < at + width; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    v = v * 10 + (text[i] - '0');
  }
  return v;
}

}  // namespace

std::string format_hms(Duration d) {
  std::int64_t ns = d.ns();
  std::string out;
  if (ns < 0) {
    if (ns == std::numeric_limits<std::int64_t>::min()) return format_seconds(d) + "s";
    out = "-";
    ns = -ns;
  }
  const std::int64_t micros = (ns % ns_per_s) / 1'000;
  std::int64_t seconds = ns / ns_per_s;
  const std::int64_t days = seconds / s_per_day;
  seconds %= s_per_day;
  const std::int64_t h = seconds / 3'600, m = seconds / 60 % 60, s = seconds % 60;
  bool leading = true;  // the first unit written is not padded
  auto unit = [&](std::int64_t v, char name) {
    out += leading ? std::to_string(v) : two_digits(v);
    out += name;
    leading = false;
  };
  if (days > 0) unit(days, 'd');
  if (days > 0 || h > 0) unit(h, 'h');
  if (days > 0 || h > 0 || m > 0) unit(m, 'm');
  out += leading ? std::to_string(s) : two_digits(s);
  if (micros > 0) {
    std::string f = fraction(micros * 1'000, 6);
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  out += 's';
  return out;
}

std::variant<UtcTime, TimeParseError> parse_utc_time(std::string_view text) {
  const std::string shown(text);
  const std::string how = "; write an ISO 8601 time in UTC, e.g. '2026-03-01T08:00:00Z'";
  // YYYY-MM-DDTHH:MM:SS, 19 characters, then an optional fraction and the zone.
  const std::int64_t year = digits_at(text, 0, 4), month = digits_at(text, 5, 2), day = digits_at(text, 8, 2);
  const std::int64_t hour = digits_at(text, 11, 2), minute = digits_at(text, 14, 2), second = digits_at(text, 17, 2);
  if (text.size() < 19 || year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0 ||
      text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != 't') || text[13] != ':' || text[16] != ':') {
    return TimeParseError{"'" + shown + "' is not a date and time" + how};
  }
  std::size_t at = 19;
  std::int64_t fraction_ns = 0;
  if (at < text.size() && text[at] == '.') {
    std::size_t digits = 0;
    ++at;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
      if (++digits > 9) return TimeParseError{"'" + shown + "' is more precise than a nanosecond" + how};
      fraction_ns = fraction_ns * 10 + (text[at] - '0');
      ++at;
    }
    if (digits == 0) return TimeParseError{"'" + shown + "' has no digits after the point" + how};
    for (std::size_t i = digits; i < 9; ++i) fraction_ns *= 10;
  }
  const std::string_view zone = text.substr(at);
  if (zone.empty()) return TimeParseError{"'" + shown + "' has no time zone; add 'Z' (UTC) at the end"};
  if (zone != "Z" && zone != "z" && zone != "+00:00") {
    return TimeParseError{"'" + shown + "' is not in UTC (zone '" + std::string(zone) +
                          "'); convert it to UTC and end it with 'Z'"};
  }
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, static_cast<unsigned>(month)) || hour > 23 ||
      minute > 59 || second > 59) {
    return TimeParseError{"'" + shown + "' is not a date and time that exists" + how};
  }
  const std::int64_t days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  // int64 nanoseconds reach 1677-09-21 to 2262-04-11; keep to whole years inside.
  if (year < 1678 || year > 2261) return TimeParseError{"'" + shown + "' is outside the years 1678 to 2261" + how};
  const std::int64_t s = days * s_per_day + hour * 3'600 + minute * 60 + second;
  return UtcTime{s * ns_per_s + fraction_ns};
}

std::string format_utc_time(UtcTime t, int decimals) {
  std::int64_t s = t.ns_since_epoch / ns_per_s;
  std::int64_t ns = t.ns_since_epoch % ns_per_s;
  if (ns < 0) {
    ns += ns_per_s;
    --s;
  }
  std::int64_t days = s / s_per_day;
  std::int64_t in_day = s % s_per_day;
  if (in_day < 0) {
    in_day += s_per_day;
    --days;
  }
  const Civil c = civil_from_days(days);
  std::string year = std::to_string(c.year);
  if (year.size() < 4) year.insert(0, 4 - year.size(), '0');
  return year + "-" + two_digits(c.month) + "-" + two_digits(c.day) + "T" + two_digits(in_day / 3'600) + ":" +
         two_digits(in_day / 60 % 60) + ":" + two_digits(in_day % 60) + shortest(ns, decimals) + "Z";
}

std::string format_day_time(Duration since_start, int decimals) {
  std::int64_t ns = since_start.ns();
  std::string sign;
  if (ns < 0) {
    sign = "-";
    ns = ns == std::numeric_limits<std::int64_t>::min() ? std::numeric_limits<std::int64_t>::max() : -ns;
  }
  const std::int64_t s = ns / ns_per_s;
  const std::int64_t in_day = s % s_per_day;
  return sign + "d" + std::to_string(s / s_per_day) + "T" + two_digits(in_day / 3'600) + ":" +
         two_digits(in_day / 60 % 60) + ":" + two_digits(in_day % 60) + shortest(ns % ns_per_s, decimals);
}

}  // namespace poolsim
