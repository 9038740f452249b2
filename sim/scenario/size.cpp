#include "poolsim/scenario/size.hpp"

#include <array>
#include <limits>
#include <span>

namespace poolsim::scenario {
namespace {

struct Unit {
  std::string_view name;
  std::uint64_t scale;  // in the quantity's base unit (bytes, bits per second)
};

// What is parsed: its units and the words its messages use.
struct Quantity {
  std::string_view noun;        // "size"
  std::string_view plural;      // "sizes"
  std::string_view example;     // "16GiB"
  std::string_view base;        // "bytes"
  std::string_view units_hint;  // the units, for a message that lists them
  std::string_view units_short; // the same, shorter, after an example
  std::string_view too_large;   // "sizes must be below 16EiB"
  std::span<const Unit> units;
};

constexpr std::array<Unit, 11> size_units{{
    {"B", 1},
    {"KiB", 1ULL << 10},
    {"MiB", 1ULL << 20},
    {"GiB", 1ULL << 30},
    {"TiB", 1ULL << 40},
    {"PiB", 1ULL << 50},
    {"KB", 1'000ULL},
    {"MB", 1'000'000ULL},
    {"GB", 1'000'000'000ULL},
    {"TB", 1'000'000'000'000ULL},
    {"PB", 1'000'000'000'000'000ULL},
}};

constexpr std::array<Unit, 5> rate_units{{
    {"bit/s", 1},
    {"kbit/s", 1'000ULL},
    {"Mbit/s", 1'000'000ULL},
    {"Gbit/s", 1'000'000'000ULL},
    {"Tbit/s", 1'000'000'000'000ULL},
}};

constexpr Quantity size_quantity{"size", "sizes", "16GiB", "bytes",
                                 "B, KiB, MiB, GiB, TiB, PiB (powers of 1024) or KB, MB, GB, TB, PB (powers of 1000)",
                                 "B, KiB, MiB, GiB, TiB, PiB; KB, MB, GB, TB, PB are powers of 1000",
                                 "sizes must be below 16EiB", size_units};
constexpr Quantity rate_quantity{"speed", "speeds", "10Gbit/s", "bits per second",
                                 "bit/s, kbit/s, Mbit/s, Gbit/s or Tbit/s (powers of 1000)",
                                 "bit/s, kbit/s, Mbit/s, Gbit/s, Tbit/s", "speeds must be below 18446744Tbit/s", rate_units};

constexpr std::uint64_t max_value = std::numeric_limits<std::uint64_t>::max();

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::variant<std::uint64_t, QuantityParseError> parse_quantity(std::string_view text, const Quantity& q) {
  const std::string shown = std::string(q.noun) + " '" + std::string(text) + "' ";
  const std::string example = "e.g. '" + std::string(q.example) + "'";
  const auto error = [&](const std::string& what) { return QuantityParseError{shown + what}; };
  if (text.empty()) return QuantityParseError{"empty " + std::string(q.noun) + "; write a number and a unit, " + example};
  if (text.front() == '-') return error("is negative; " + std::string(q.plural) + " are zero or more, " + example);
  if (text.front() == '+') return error("has a sign; write it without '+', " + example);
  std::size_t i = 0;
  while (i < text.size() && is_digit(text[i])) ++i;
  const std::string_view whole = text.substr(0, i);
  std::string_view fraction;
  if (i < text.size() && text[i] == '.') {
    const std::size_t start = ++i;
    while (i < text.size() && is_digit(text[i])) ++i;
    fraction = text.substr(start, i - start);
    if (fraction.empty()) return error("has a '.' with no digits after it; write e.g. '1.5" + std::string(q.units[3].name) + "'");
  }
  if (whole.empty()) return error("has no number; write " + example);
  const std::string_view unit_text = text.substr(i);
  if (unit_text.empty()) {
    return error("has no unit; write '" + std::string(text) + std::string(q.units[3].name) + "' or '" +
                 std::string(text) + std::string(q.units[2].name) + "' (" + std::string(q.units_short) + ")");
  }
  const Unit* unit = nullptr;
  for (const Unit& u : q.units) {
    if (u.name == unit_text) unit = &u;
  }
  if (!unit) return error("has unknown unit '" + std::string(unit_text) + "'; use " + std::string(q.units_hint));
  const std::string too_large = "is too large; " + std::string(q.too_large);
  std::uint64_t value = 0;
  for (const char c : whole) {
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (max_value - digit) / 10) return error(too_large);
    value = value * 10 + digit;
  }
  if (value > max_value / unit->scale) return error(too_large);
  value *= unit->scale;
  // The fraction, exactly: each digit is worth scale / 10^k base units, which must come out whole.
  std::uint64_t numerator = 0;
  std::uint64_t denominator = 1;
  for (const char c : fraction) {
    if (denominator > max_value / 10 / unit->scale) return error("has too many decimals; drop some");
    numerator = numerator * 10 + static_cast<std::uint64_t>(c - '0');
    denominator *= 10;
  }
  const std::uint64_t scaled = numerator * unit->scale;
  if (scaled % denominator != 0) {
    return error("is not a whole number of " + std::string(q.base) + "; write it in a smaller unit");
  }
  if (value > max_value - scaled / denominator) return error(too_large);
  return value + scaled / denominator;
}

// The largest of `units` (from `first` to `last`, largest last) that divides the value exactly; the base unit
// otherwise.
std::string format_quantity(std::uint64_t value, std::span<const Unit> units, std::size_t last) {
  for (std::size_t u = last + 1; u-- > 1;) {
    if (value != 0 && value % units[u].scale == 0) return std::to_string(value / units[u].scale) + std::string(units[u].name);
  }
  return std::to_string(value) + std::string(units[0].name);
}

}  // namespace

std::variant<std::uint64_t, QuantityParseError> parse_size(std::string_view text) {
  return parse_quantity(text, size_quantity);
}

std::string format_size(std::uint64_t bytes) { return format_quantity(bytes, size_units, 5); }

std::variant<std::uint64_t, QuantityParseError> parse_rate(std::string_view text) {
  return parse_quantity(text, rate_quantity);
}

std::string format_rate(std::uint64_t bits_per_second) { return format_quantity(bits_per_second, rate_units, 4); }

}  // namespace poolsim::scenario
