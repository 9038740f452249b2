// Quantities written with a unit: sizes of memory and storage ('16GiB', '512MiB', '80GB') and link speeds
// ('1Gbit/s', '10Gbit/s').
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace poolsim::scenario {

// Why a quantity was refused: a message in the house style (lowercase, says how to fix).
struct QuantityParseError {
  std::string message;
};
using SizeParseError = QuantityParseError;

// Parses a size in bytes: a number, optionally with decimals, and one unit: B; KiB, MiB, GiB, TiB, PiB (powers
// of 1024); KB, MB, GB, TB, PB (powers of 1000, as disk vendors write them). Refuses a missing or unknown unit,
// a sign, a fraction of a byte and a value above 2^64 - 1 bytes.
std::variant<std::uint64_t, QuantityParseError> parse_size(std::string_view text);

// The shortest exact binary form: 34359738368 -> "32GiB", 1500 -> "1500B".
std::string format_size(std::uint64_t bytes);

// Parses a link speed in bits per second: a number, optionally with decimals, and one unit: bit/s, kbit/s,
// Mbit/s, Gbit/s, Tbit/s (powers of 1000, as network vendors write them). The same refusals as parse_size.
std::variant<std::uint64_t, QuantityParseError> parse_rate(std::string_view text);

// The shortest exact form: 10000000000 -> "10Gbit/s", 1500 -> "1500bit/s".
std::string format_rate(std::uint64_t bits_per_second);

}  // namespace poolsim::scenario
