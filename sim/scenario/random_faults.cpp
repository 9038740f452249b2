#include "poolsim/scenario/random_faults.hpp"

#include <cmath>
#include <stdexcept>
#include <utility>

namespace poolsim::scenario {

namespace {

double to_seconds(Duration d) { return static_cast<double>(d.ns()) / 1e9; }

}  // namespace

Duration draw_repair(RandomStream& stream, const RepairSpec& repair) {
  switch (repair.distribution) {
    case RepairDistribution::exponential: return stream.exponential(repair.mean);
    case RepairDistribution::lognormal: {
      const double mu = std::log(to_seconds(repair.median));
      const double sigma = (std::log(to_seconds(repair.p95)) - mu) / z95;
      return seconds_to_duration(stream.lognormal(mu, sigma));
    }
    case RepairDistribution::weibull:
      return seconds_to_duration(stream.weibull(repair.shape, to_seconds(repair.scale)));
    case RepairDistribution::fixed: return repair.value;
  }
  throw std::logic_error("unknown repair distribution");
}

FailureProcess::FailureProcess(EventQueue& queue, RandomStream stream, Duration mtbf,
                               std::optional<RepairSpec> repair_time, std::function<void()> fail,
                               std::function<void()> repair)
    : queue_(queue),
      stream_(std::move(stream)),
      mtbf_(mtbf),
      repair_time_(std::move(repair_time)),
      fail_(std::move(fail)),
      repair_(std::move(repair)) {}

void FailureProcess::start() { schedule_failure(); }

void FailureProcess::schedule_failure() {
  queue_.schedule_in(stream_.exponential(mtbf_), Phase::fault, [this] { on_failure(); });
}

void FailureProcess::on_failure() {
  ++failures_;
  fail_();
  if (!repair_time_) {
    schedule_failure();
    return;
  }
  queue_.schedule_in(draw_repair(stream_, *repair_time_), Phase::fault, [this] { on_repair(); });
}

void FailureProcess::on_repair() {
  repair_();
  schedule_failure();
}

}  // namespace poolsim::scenario
