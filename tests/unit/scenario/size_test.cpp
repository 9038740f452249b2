#include "poolsim/scenario/size.hpp"

#include <gtest/gtest.h>

namespace poolsim::scenario {
namespace {

using Parser = std::variant<std::uint64_t, QuantityParseError> (*)(std::string_view);

// The value `parse` reads from `text` (a test failure when it refuses it).
std::uint64_t parsed(std::string_view text, Parser parse = parse_size) {
  const auto result = parse(text);
  if (const auto* error = std::get_if<QuantityParseError>(&result)) ADD_FAILURE() << text << ": " << error->message;
  return std::get_if<std::uint64_t>(&result) ? std::get<std::uint64_t>(result) : 0;
}

// Why `parse` refuses `text` (or what it read, which fails the comparison).
std::string error_of(std::string_view text, Parser parse = parse_size) {
  const auto result = parse(text);
  if (const auto* error = std::get_if<QuantityParseError>(&result)) return error->message;
  return "(parsed as " + std::to_string(std::get<std::uint64_t>(result)) + ")";
}

TEST(Size, ParsesBinaryAndDecimalUnits) {
  EXPECT_EQ(parsed("512B"), 512u);
  EXPECT_EQ(parsed("1KiB"), 1024u);
  EXPECT_EQ(parsed("16GiB"), 16ULL << 30);
  EXPECT_EQ(parsed("2TiB"), 2ULL << 40);
  EXPECT_EQ(parsed("1PiB"), 1ULL << 50);
  EXPECT_EQ(parsed("80GB"), 80'000'000'000ULL);
  EXPECT_EQ(parsed("1KB"), 1000u);
  EXPECT_EQ(parsed("1.5GiB"), 3ULL << 29);
  EXPECT_EQ(parsed("0.5KB"), 500u);
  EXPECT_EQ(parsed("0B"), 0u);
}

TEST(Size, RefusesWithMessagesThatSayHowToFix) {
  EXPECT_EQ(error_of("16"), "size '16' has no unit; write '16GiB' or '16MiB' (B, KiB, MiB, GiB, TiB, PiB; KB, MB, GB, "
                            "TB, PB are powers of 1000)");
  EXPECT_EQ(error_of("16gb"), "size '16gb' has unknown unit 'gb'; use B, KiB, MiB, GiB, TiB, PiB (powers of 1024) or "
                              "KB, MB, GB, TB, PB (powers of 1000)");
  EXPECT_EQ(error_of("-1GiB"), "size '-1GiB' is negative; sizes are zero or more, e.g. '16GiB'");
  EXPECT_EQ(error_of("+1GiB"), "size '+1GiB' has a sign; write it without '+', e.g. '16GiB'");
  EXPECT_EQ(error_of("GiB"), "size 'GiB' has no number; write e.g. '16GiB'");
  EXPECT_EQ(error_of("1.GiB"), "size '1.GiB' has a '.' with no digits after it; write e.g. '1.5GiB'");
  EXPECT_EQ(error_of("0.3KiB"), "size '0.3KiB' is not a whole number of bytes; write it in a smaller unit");
  EXPECT_EQ(error_of("16384PiB"), "size '16384PiB' is too large; sizes must be below 16EiB");
  EXPECT_EQ(error_of("99999999999999999999B"), "size '99999999999999999999B' is too large; sizes must be below 16EiB");
  EXPECT_EQ(error_of("1.00000000000000000001GiB"), "size '1.00000000000000000001GiB' has too many decimals; drop some");
  EXPECT_EQ(error_of(""), "empty size; write a number and a unit, e.g. '16GiB'");
}

TEST(Size, FormatsTheShortestExactBinaryForm) {
  EXPECT_EQ(format_size(32ULL << 30), "32GiB");
  EXPECT_EQ(format_size(356ULL << 20), "356MiB");
  EXPECT_EQ(format_size(1500), "1500B");
  EXPECT_EQ(format_size(0), "0B");
  EXPECT_EQ(format_size(1ULL << 50), "1PiB");
  for (const std::uint64_t bytes : {1ULL, 1024ULL, 3ULL << 29, 80'000'000'000ULL, 1ULL << 62}) {
    EXPECT_EQ(parsed(format_size(bytes)), bytes) << bytes;
  }
}

std::uint64_t rate(std::string_view text) { return parsed(text, parse_rate); }
std::string rate_error(std::string_view text) { return error_of(text, parse_rate); }

TEST(Rate, ParsesAndFormatsLinkSpeeds) {
  EXPECT_EQ(rate("1Gbit/s"), 1'000'000'000u);
  EXPECT_EQ(rate("10Gbit/s"), 10'000'000'000u);
  EXPECT_EQ(rate("2.5Gbit/s"), 2'500'000'000u);
  EXPECT_EQ(rate("100Mbit/s"), 100'000'000u);
  EXPECT_EQ(rate("1500bit/s"), 1500u);
  EXPECT_EQ(format_rate(10'000'000'000ULL), "10Gbit/s");
  EXPECT_EQ(format_rate(2'500'000'000ULL), "2500Mbit/s");
  EXPECT_EQ(format_rate(1500), "1500bit/s");
  EXPECT_EQ(rate_error("10G"), "speed '10G' has unknown unit 'G'; use bit/s, kbit/s, Mbit/s, Gbit/s or Tbit/s (powers "
                               "of 1000)");
  EXPECT_EQ(rate_error("10"), "speed '10' has no unit; write '10Gbit/s' or '10Mbit/s' (bit/s, kbit/s, Mbit/s, Gbit/s, "
                              "Tbit/s)");
  EXPECT_EQ(rate_error("0.5bit/s"), "speed '0.5bit/s' is not a whole number of bits per second; write it in a smaller "
                                    "unit");
}

}  // namespace
}  // namespace poolsim::scenario
