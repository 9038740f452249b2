#include "poolsim/kernel/time.hpp"

#include <gtest/gtest.h>

namespace poolsim {
namespace {

Duration parsed(std::string_view text) {
  auto result = parse_duration(text);
  if (auto* error = std::get_if<TimeParseError>(&result)) ADD_FAILURE() << text << ": " << error->message;
  return std::get_if<Duration>(&result) ? std::get<Duration>(result) : Duration::zero();
}

std::string error_of(std::string_view text) {
  auto result = parse_duration(text);
  if (auto* error = std::get_if<TimeParseError>(&result)) return error->message;
  return "(parsed as " + format_duration(std::get<Duration>(result)) + ")";
}

TEST(Time, ParsesEveryUnit) {
  EXPECT_EQ(parsed("90s"), Duration::seconds(90));
  EXPECT_EQ(parsed("2m"), Duration::minutes(2));
  EXPECT_EQ(parsed("250ms"), Duration::milliseconds(250));
  EXPECT_EQ(parsed("1h30m"), Duration::minutes(90));
  EXPECT_EQ(parsed("2d"), Duration::days(2));
  EXPECT_EQ(parsed("1w"), Duration::days(7));
  EXPECT_EQ(parsed("1y"), Duration::days(365));
  EXPECT_EQ(parsed("7us"), Duration::microseconds(7));
  EXPECT_EQ(parsed("3ns"), Duration::nanoseconds(3));
  EXPECT_EQ(parsed("0s"), Duration::zero());
  EXPECT_EQ(parsed("1d2h3m4s5ms6us7ns"),
            Duration::days(1) + Duration::hours(2) + Duration::minutes(3) + Duration::seconds(4) +
                Duration::milliseconds(5) + Duration::microseconds(6) + Duration::nanoseconds(7));
}

TEST(Time, ParsesExactFractions) {
  EXPECT_EQ(parsed("1.5s"), Duration::milliseconds(1500));
  EXPECT_EQ(parsed("0.2ms"), Duration::microseconds(200));
  EXPECT_EQ(parsed("0.000000001s"), Duration::nanoseconds(1));
  EXPECT_EQ(parsed("1.25h"), Duration::minutes(75));
}

TEST(Time, RefusesWithMessagesThatSayHowToFix) {
  EXPECT_EQ(error_of("30"), "duration '30' has no unit; write '30s' or '30000ms'");
  EXPECT_EQ(error_of("-5s"), "duration '-5s' is negative; durations are zero or more, e.g. '0s' or '30s'");
  EXPECT_EQ(error_of("5x"), "duration '5x' has unknown unit 'x'; use ns, us, ms, s, m (minutes), h, d, w or y");
  EXPECT_EQ(error_of("300y"), "duration '300y' is too large; the longest duration is about 292 years");
  EXPECT_EQ(error_of("99999999999999999999s"),
            "duration '99999999999999999999s' is too large; the longest duration is about 292 years");
  EXPECT_EQ(error_of("0.5ns"), "duration '0.5ns' is more precise than one nanosecond; drop the extra decimals");
  EXPECT_EQ(error_of("30m1h"),
            "duration '30m1h' has its parts out of order; write the largest unit first, each unit once, e.g. '1h30m'");
  EXPECT_EQ(error_of("1m1m"),
            "duration '1m1m' has its parts out of order; write the largest unit first, each unit once, e.g. '1h30m'");
  EXPECT_EQ(error_of("1h30"), "duration '1h30' ends in a number with no unit; add one, e.g. 's'");
  EXPECT_EQ(error_of("1 s"),
            "duration '1 s' has an unexpected ' '; write parts like '1h30m' with no spaces or separators");
  EXPECT_EQ(error_of("s"), "duration 's' has a unit with no number before it; write e.g. '30s'");
  EXPECT_EQ(error_of("1.s"), "duration '1.s' has a '.' with no digits after it; write e.g. '1.5s'");
  EXPECT_EQ(error_of(""), "empty duration; write a number and a unit, e.g. '30s'");
  EXPECT_EQ(error_of("1.5"), "duration '1.5' has no unit; write '1.5s'");
}

TEST(Time, LargestDurationsFitAndOneMoreDoesNot) {
  EXPECT_EQ(parsed("292y"), Duration::days(292 * 365));
  EXPECT_EQ(parsed("9223372036854775807ns").ns(), INT64_MAX);
  EXPECT_NE(error_of("9223372036854775808ns").find("too large"), std::string::npos);
  EXPECT_NE(error_of("292y200d").find("too large"), std::string::npos);
}

TEST(Time, FormatsSecondsWithSixDecimals) {
  EXPECT_EQ(format_seconds(SimTime::zero()), "0.000000");
  EXPECT_EQ(format_seconds(SimTime::zero() + Duration::seconds(300)), "300.000000");
  EXPECT_EQ(format_seconds(SimTime::from_ns(1'829'015'625'000)), "1829.015625");
  EXPECT_EQ(format_seconds(SimTime::from_ns(1'999)), "0.000001");  // truncated at the microsecond
  EXPECT_EQ(format_seconds(Duration::milliseconds(-500)), "-0.500000");
}

TEST(Time, FormatsDurationsThatParseBack) {
  for (const char* text : {"0s", "1m30s", "1h", "2d3h", "1y", "250ms", "1s1ns", "8d"}) {
    EXPECT_EQ(format_duration(parsed(text)), text);
  }
  EXPECT_EQ(format_duration(Duration::seconds(90)), "1m30s");
}

TEST(Time, FormatsDurationsForPeople) {
  EXPECT_EQ(format_hms(Duration::zero()), "0s");
  EXPECT_EQ(format_hms(Duration::seconds(45)), "45s");
  EXPECT_EQ(format_hms(Duration::seconds(90)), "1m30s");
  EXPECT_EQ(format_hms(Duration::seconds(3'723)), "1h02m03s");
  EXPECT_EQ(format_hms(Duration::seconds(3'600)), "1h00m00s");
  EXPECT_EQ(format_hms(Duration::days(2) + Duration::hours(3)), "2d03h00m00s");
  EXPECT_EQ(format_hms(Duration::milliseconds(250)), "0.25s");
  EXPECT_EQ(format_hms(Duration::seconds(62) + Duration::nanoseconds(500'999)), "1m02.0005s");  // truncated
  EXPECT_EQ(format_hms(Duration::seconds(-90)), "-1m30s");
}

UtcTime utc(std::string_view text) {
  auto result = parse_utc_time(text);
  if (auto* error = std::get_if<TimeParseError>(&result)) ADD_FAILURE() << text << ": " << error->message;
  return std::get_if<UtcTime>(&result) ? std::get<UtcTime>(result) : UtcTime{};
}

std::string utc_error(std::string_view text) {
  auto result = parse_utc_time(text);
  return std::get_if<TimeParseError>(&result) ? std::get<TimeParseError>(result).message : "";
}

TEST(Time, ParsesAndFormatsUtcTimes) {
  EXPECT_EQ(utc("1970-01-01T00:00:00Z").ns_since_epoch, 0);
  // 2026-03-01T08:00:00Z: 20513 days after the epoch (date -u -d 2026-03-01T08:00:00Z +%s = 1772352000).
  EXPECT_EQ(utc("2026-03-01T08:00:00Z").ns_since_epoch, 1'772'352'000LL * 1'000'000'000);
  EXPECT_EQ(utc("2024-02-29T23:59:59.25+00:00").ns_since_epoch, 1'709'251'199'250'000'000LL);
  EXPECT_EQ(utc("1969-12-31T23:59:59Z").ns_since_epoch, -1'000'000'000);
  for (const char* text : {"2026-03-01T08:00:00Z", "2000-02-29T12:34:56Z", "1969-07-20T20:17:40Z", "2261-12-31T23:59:59Z"}) {
    EXPECT_EQ(format_utc_time(utc(text)), text);
  }
  EXPECT_EQ(format_utc_time(utc_at(utc("2026-03-01T08:00:00Z"), Duration::seconds(300) + Duration::milliseconds(5)), 6),
            "2026-03-01T08:05:00.005000Z");
  EXPECT_EQ(format_utc_time(utc("2026-03-01T08:00:00.25Z"), -1), "2026-03-01T08:00:00.25Z");
  EXPECT_NE(utc_error("2026-03-01T08:00:00").find("no time zone"), std::string::npos);
  EXPECT_NE(utc_error("2026-03-01T08:00:00+01:00").find("not in UTC"), std::string::npos);
  EXPECT_NE(utc_error("2026-02-29T08:00:00Z").find("exists"), std::string::npos);
  EXPECT_NE(utc_error("2026-03-01T24:00:00Z").find("exists"), std::string::npos);
  EXPECT_NE(utc_error("March 1st").find("not a date and time"), std::string::npos);
  EXPECT_NE(utc_error("2026-03-01T08:00:00.Z").find("no digits"), std::string::npos);
}

TEST(Time, FormatsDayAndTimeOfDay) {
  EXPECT_EQ(format_day_time(Duration::zero()), "d0T00:00:00");
  EXPECT_EQ(format_day_time(Duration::seconds(300), 6), "d0T00:05:00.000000");
  EXPECT_EQ(format_day_time(Duration::days(3) + Duration::seconds(50'531) + Duration::milliseconds(500), 1),
            "d3T14:02:11.5");
}

TEST(Time, ArithmeticBetweenInstantsAndSpans) {
  const SimTime t = SimTime::zero() + Duration::seconds(60);
  EXPECT_EQ(t - SimTime::zero(), Duration::seconds(60));
  EXPECT_EQ((t + Duration::seconds(3)).ns(), 63'000'000'000);
  EXPECT_EQ(Duration::seconds(70).whole_seconds() / 10, 7);
  EXPECT_LT(SimTime::zero(), t);
}

}  // namespace
}  // namespace poolsim
