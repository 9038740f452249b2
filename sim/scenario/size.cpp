#include "poolsim/scenario/size.hpp"

#include <array>
#include <limits>

namespace poolsim::scenario {
namespace {

struct SizeUnit {
  std::string_view name;
  std::uint64_t bytes;
};

constexpr std::array<SizeUnit, 11> size_units{{
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

constexpr std::uint64_t max_bytes = std::numeric_limits<std::uint64_t>::max();

SizeParseError error(std::string_view text, const std::string& what) {
  return SizeParseError{"size '" + std::string(text) + "' " + what};
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::variant<std::uint64_t, SizeParseError> parse_size(std::string_view text) {
  if (text.empty()) return SizeParseError{"empty size; write a number and a unit, e.g. '16GiB'"};
  if (text.front() == '-') return error(text, "is negative; sizes are zero or more, e.g. '16GiB'");
  if (text.front() == '+') return error(text, "has a sign; write it without '+', e.g. '16GiB'");
  std::size_t i = 0;
  while (i < text.size() && is_digit(text[i])) ++i;
  const std::string_view whole = text.substr(0, i);
  std::string_view fraction;
  if (i < text.size() && text[i] == '.') {
    const std::size_t start = ++i;
    while (i < text.size() && is_digit(text[i])) ++i;
    fraction = text.substr(start, i - start);
    if (fraction.empty()) return error(text, "has a '.' with no digits after it; write e.g. '1.5GiB'");
  }
  if (whole.empty()) return error(text, "has no number; write e.g. '16GiB'");
  const std::string_view unit_text = text.substr(i);
  if (unit_text.empty()) {
    return error(text, "has no unit; write '" + std::string(text) + "GiB' or '" + std::string(text) +
                           "MiB' (B, KiB, MiB, GiB, TiB, PiB; KB, MB, GB, TB, PB are powers of 1000)");
  }
  const SizeUnit* unit = nullptr;
  for (const SizeUnit& u : size_units) {
    if (u.name == unit_text) unit = &u;
  }
  if (!unit) {
    return error(text, "has unknown unit '" + std::string(unit_text) +
                           "'; use B, KiB, MiB, GiB, TiB, PiB (powers of 1024) or KB, MB, GB, TB, PB (powers of 1000)");
  }
  const std::string too_large = "is too large; sizes must be below 16EiB";
  std::uint64_t bytes = 0;
  for (const char c : whole) {
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (bytes > (max_bytes - digit) / 10) return error(text, too_large);
    bytes = bytes * 10 + digit;
  }
  if (bytes > max_bytes / unit->bytes) return error(text, too_large);
  bytes *= unit->bytes;
  // The fraction, exactly: each digit is worth unit / 10^k bytes, which must come out whole.
  std::uint64_t numerator = 0;
  std::uint64_t denominator = 1;
  for (const char c : fraction) {
    if (denominator > max_bytes / 10 / unit->bytes) return error(text, "has too many decimals; drop some");
    numerator = numerator * 10 + static_cast<std::uint64_t>(c - '0');
    denominator *= 10;
  }
  const std::uint64_t scaled = numerator * unit->bytes;
  if (scaled % denominator != 0) {
    return error(text, "is not a whole number of bytes; write it in a smaller unit");
  }
  if (bytes > max_bytes - scaled / denominator) return error(text, too_large);
  return bytes + scaled / denominator;
}

std::string format_size(std::uint64_t bytes) {
  // The largest binary unit that divides the size exactly; bytes otherwise.
  for (std::size_t u = 6; u-- > 1;) {
    if (bytes != 0 && bytes % size_units[u].bytes == 0) {
      return std::to_string(bytes / size_units[u].bytes) + std::string(size_units[u].name);
    }
  }
  return std::to_string(bytes) + "B";
}

}  // namespace poolsim::scenario
