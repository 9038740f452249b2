#include "poolsim/kernel/random_streams.hpp"

#include <cmath>
#include <limits>

#include <boost/random/bernoulli_distribution.hpp>
#include <boost/random/exponential_distribution.hpp>
#include <boost/random/lognormal_distribution.hpp>
#include <boost/random/uniform_int_distribution.hpp>
#include <boost/random/uniform_real_distribution.hpp>
#include <boost/random/weibull_distribution.hpp>

namespace poolsim {
namespace {

// SplitMix64's finaliser (Steele, Lea, Flood 2014): a bijective mix, so distinct inputs give distinct seeds.
std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e37'79b9'7f4a'7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58'476d'1ce4'e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d0'49bb'1331'11ebULL;
  return x ^ (x >> 31);
}

// FNV-1a, 64-bit: a stable hash of the path's bytes (no std::hash, whose value is not specified).
std::uint64_t fnv1a64(std::string_view text) {
  std::uint64_t h = 0xcbf2'9ce4'8422'2325ULL;
  for (const char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x0000'0100'0000'01b3ULL;
  }
  return h;
}

}  // namespace

std::uint64_t RandomStreams::stream_seed(std::string_view path) const {
  return mix64(mix64(seed_) ^ fnv1a64(path));
}

double RandomStream::uniform(double low, double high) {
  return boost::random::uniform_real_distribution<double>(low, high)(engine_);
}

std::int64_t RandomStream::uniform_int(std::int64_t low, std::int64_t high) {
  return boost::random::uniform_int_distribution<std::int64_t>(low, high)(engine_);
}

double RandomStream::exponential(double mean) {
  return boost::random::exponential_distribution<double>(1.0 / mean)(engine_);
}

double RandomStream::weibull(double shape, double scale) {
  return boost::random::weibull_distribution<double>(shape, scale)(engine_);
}

double RandomStream::lognormal(double mu, double sigma) {
  return boost::random::lognormal_distribution<double>(mu, sigma)(engine_);
}

bool RandomStream::bernoulli(double p) { return boost::random::bernoulli_distribution<double>(p)(engine_); }

Duration RandomStream::exponential(Duration mean) {
  return seconds_to_duration(exponential(static_cast<double>(mean.ns()) / 1e9));
}

Duration seconds_to_duration(double seconds) {
  if (!(seconds > 0.0)) return Duration::zero();
  const double ns = std::round(seconds * 1e9);
  // 2^63 is exactly representable as a double; anything at or above it does not fit.
  if (ns >= 9.223372036854775808e18) return Duration::nanoseconds(std::numeric_limits<std::int64_t>::max());
  return Duration::nanoseconds(static_cast<std::int64_t>(ns));
}

}  // namespace poolsim
