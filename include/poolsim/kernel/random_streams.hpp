// Seeded random numbers: one seed per run, one independent stream per component.
//
// Each stream is derived from (run seed, stable path such as "host/xs2/nic/eth0"), never from creation order,
// so adding a NIC does not change when a host crashes (ns-3's random-variables manual warns about exactly this).
// Engines and distributions are Boost.Random's: unlike the standard library's distributions, their output is
// specified by the implementation we ship with, so a seed gives the same draws on every platform (FoundationDB
// uses Boost's mt19937_64 for the same reason).
#pragma once

#include <cstdint>
#include <string_view>

#include <boost/random/mersenne_twister.hpp>

#include "poolsim/kernel/time.hpp"

namespace poolsim {

// One component's stream of draws.
class RandomStream {
 public:
  explicit RandomStream(std::uint64_t stream_seed) : engine_(stream_seed) {}

  std::uint64_t next_u64() { return engine_(); }
  // Uniform in [low, high).
  double uniform(double low, double high);
  // Uniform integer in [low, high], both included.
  std::int64_t uniform_int(std::int64_t low, std::int64_t high);
  // Exponential with the given mean (> 0).
  double exponential(double mean);
  // Weibull with shape k (> 0) and scale lambda (> 0).
  double weibull(double shape, double scale);
  // Lognormal: exp(N(mu, sigma²)), sigma >= 0.
  double lognormal(double mu, double sigma);
  bool bernoulli(double p);

  // Exponential span with the given mean, rounded to the nanosecond.
  Duration exponential(Duration mean);

 private:
  boost::random::mt19937_64 engine_;
};

// The run's source of streams.
class RandomStreams {
 public:
  explicit RandomStreams(std::uint64_t seed) : seed_(seed) {}

  std::uint64_t seed() const { return seed_; }
  // The stream for a component, named by its stable path. The same (seed, path) always gives the same stream.
  RandomStream stream(std::string_view path) const { return RandomStream(stream_seed(path)); }
  std::uint64_t stream_seed(std::string_view path) const;

 private:
  std::uint64_t seed_;
};

// Seconds as a double (a draw) to a span, rounded to the nearest nanosecond and clamped to the representable
// range; negative and NaN draws become zero.
Duration seconds_to_duration(double seconds);

}  // namespace poolsim
