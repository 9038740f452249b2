// Timers built on the event queue: a periodic timer and a watchdog.
#pragma once

#include <optional>

#include "poolsim/kernel/event_queue.hpp"

namespace poolsim {

// Runs an action at first, first + period, first + 2·period, ... until stopped. The next tick is scheduled
// before the action runs, so the action may stop or restart its own timer. Neither copyable nor movable: the
// queue holds a pointer to it while it runs; it stops itself when destroyed.
class PeriodicTimer {
 public:
  PeriodicTimer(EventQueue& queue, Phase phase, Action action);
  ~PeriodicTimer() { stop(); }
  PeriodicTimer(const PeriodicTimer&) = delete;
  PeriodicTimer& operator=(const PeriodicTimer&) = delete;

  // Starts (or restarts) ticking at `first` (not before now), every `period` (> 0).
  void start(SimTime first, Duration period);
  void stop();
  bool running() const { return queue_.pending(next_); }
  std::optional<SimTime> next_tick() const;

 private:
  void tick();

  EventQueue& queue_;
  Phase phase_;
  Action action_;
  Duration period_;
  SimTime next_at_;
  EventHandle next_;
};

// Fires an action once it has not been pinged for `timeout` (ns-3 watchdog.h). A heartbeat timeout is a
// watchdog that each heartbeat pushes later. ping() only moves the deadline, in O(1): the kernel event is
// moved to the new deadline when it comes due, so a watchdog pinged every second costs one event per timeout,
// not one per ping. Disarmed once it fired, until pinged or armed again. Neither copyable nor movable.
class Watchdog {
 public:
  Watchdog(EventQueue& queue, Phase phase, Duration timeout, Action on_expire);
  ~Watchdog() { disarm(); }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // Deadline = now + timeout; arms a disarmed watchdog.
  void ping() { arm_until(queue_.now() + timeout_); }
  // Deadline = `deadline` (not before now), earlier or later than the current one.
  void arm_until(SimTime deadline);
  void disarm();
  void set_timeout(Duration timeout) { timeout_ = timeout; }

  bool armed() const { return deadline_.has_value(); }
  std::optional<SimTime> deadline() const { return deadline_; }
  Duration timeout() const { return timeout_; }

 private:
  void due();

  EventQueue& queue_;
  Phase phase_;
  Duration timeout_;
  Action on_expire_;
  std::optional<SimTime> deadline_;
  SimTime scheduled_at_;
  EventHandle event_;
};

}  // namespace poolsim
