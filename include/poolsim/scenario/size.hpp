// Sizes of memory and storage, written with a unit: '16GiB', '512MiB', '80GB'.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace poolsim::scenario {

// Why a size string was refused: a message in the house style (lowercase, says how to fix).
struct SizeParseError {
  std::string message;
};

// Parses a size in bytes: a number, optionally with decimals, and one unit: B; KiB, MiB, GiB, TiB, PiB (powers
// of 1024); KB, MB, GB, TB, PB (powers of 1000, as disk vendors write them). Refuses a missing or unknown unit,
// a sign, a fraction of a byte and a value above 2^64 - 1 bytes.
std::variant<std::uint64_t, SizeParseError> parse_size(std::string_view text);

// The shortest exact binary form: 34359738368 -> "32GiB", 1500 -> "1500B".
std::string format_size(std::uint64_t bytes);

}  // namespace poolsim::scenario
