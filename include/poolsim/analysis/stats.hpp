// Confidence intervals for batch aggregates (docs/running.md "poolsim batch").
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace poolsim::batch {

// The standard normal's 97.5th percentile: two-sided 95 % intervals.
inline constexpr double z975 = 1.959963984540054;

struct Interval {
  double estimate = std::numeric_limits<double>::quiet_NaN();
  double low = std::numeric_limits<double>::quiet_NaN();
  double high = std::numeric_limits<double>::quiet_NaN();
};

// The mean of `xs` with the normal-approximation 95 % interval, mean ± z975 · s / √n (s the sample standard
// deviation). NaN bounds with fewer than two values; the estimate alone with one.
inline Interval mean_interval(const std::vector<double>& xs) {
  Interval out;
  if (xs.empty()) return out;
  const double n = static_cast<double>(xs.size());
  double sum = 0;
  for (const double x : xs) sum += x;
  out.estimate = sum / n;
  if (xs.size() < 2) return out;
  double squares = 0;
  for (const double x : xs) squares += (x - out.estimate) * (x - out.estimate);
  const double half = z975 * std::sqrt(squares / (n - 1)) / std::sqrt(n);
  out.low = out.estimate - half;
  out.high = out.estimate + half;
  return out;
}

// A proportion k / n with its Wilson score 95 % interval, which stays inside [0, 1] and is sensible at k = 0
// and k = n, where the normal approximation collapses to a point. NaN when n = 0.
inline Interval wilson_interval(std::uint64_t k, std::uint64_t n) {
  Interval out;
  if (n == 0) return out;
  const double nn = static_cast<double>(n);
  const double p = static_cast<double>(k) / nn;
  const double z2 = z975 * z975;
  const double centre = (p + z2 / (2 * nn)) / (1 + z2 / nn);
  const double half = z975 / (1 + z2 / nn) * std::sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn));
  out.estimate = p;
  out.low = std::max(0.0, centre - half);
  out.high = std::min(1.0, centre + half);
  return out;
}

}  // namespace poolsim::batch
