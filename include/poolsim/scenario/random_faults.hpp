// Random faults: the failure processes of a scenario's `random_faults` (docs/scenario-format.md "Random faults").
//
// A FailureProcess is one target — a host, a NIC, a switch, a portal, a storage array — that fails and is
// repaired in turn, an alternating renewal process:
//
//   working -> [time to failure ~ Exp(mtbf)] -> failed -> [repair time ~ the repair distribution] -> working ...
//
// Each process draws from its own stream, RandomStreams(seed).stream("random/<index>/<target path>"), where
// <index> is the element's place in `random_faults` (from 0) and the target path names the target alone
// (`host/xs1`, `host/xs1/nic/eth0`, `switch/sw1`, `portal/tgt-a`, `storage/iscsi-sr`). Its draws alternate:
// time to failure, repair time, time to failure, ... so adding a host, a NIC or another element never changes
// when an existing target fails (docs/architecture.md "Determinism").
//
// Scheduling is lazy: a process has exactly one pending event (its next failure or its next repair), drawn when
// the previous one runs, so a horizon of years costs events only per failure, not per draw made in advance.
// Events run in Phase::fault, before the hardware reacts at that instant, like scripted faults.
// A verb without repair (`reboot`: the host comes back by itself) draws no repair time: the next time to failure
// counts from the reboot.
#pragma once

#include <functional>
#include <optional>

#include "poolsim/kernel/event_queue.hpp"
#include "poolsim/kernel/random_streams.hpp"
#include "poolsim/kernel/time.hpp"
#include "poolsim/scenario/spec.hpp"

namespace poolsim::scenario {

// The lognormal's sigma from its median and 95th percentile: p95 = exp(mu + z95 sigma), mu = ln(median).
inline constexpr double z95 = 1.6448536269514722;  // the standard normal's 95th percentile

// One repair time from `repair`: exponential (mean), lognormal (mu = ln(median), sigma = (ln(p95) - mu) / z95),
// Weibull (shape, scale) or fixed (value); rounded to the nanosecond.
Duration draw_repair(RandomStream& stream, const RepairSpec& repair);

class FailureProcess {
 public:
  // `fail` and `repair` act on the target at the current time; `repair_time` absent means no repair step.
  // Nothing is scheduled until start().
  FailureProcess(EventQueue& queue, RandomStream stream, Duration mtbf, std::optional<RepairSpec> repair_time,
                 std::function<void()> fail, std::function<void()> repair);
  FailureProcess(const FailureProcess&) = delete;
  FailureProcess& operator=(const FailureProcess&) = delete;

  // Schedules the first failure, an exponential time of mean mtbf after the current time.
  void start();
  // How many failures have run so far.
  std::uint64_t failures() const { return failures_; }

 private:
  void on_failure();
  void on_repair();
  void schedule_failure();

  EventQueue& queue_;
  RandomStream stream_;
  Duration mtbf_;
  std::optional<RepairSpec> repair_time_;
  std::function<void()> fail_;
  std::function<void()> repair_;
  std::uint64_t failures_ = 0;
};

}  // namespace poolsim::scenario
