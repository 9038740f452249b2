#include "poolsim/kernel/timers.hpp"

#include <stdexcept>
#include <utility>

namespace poolsim {

PeriodicTimer::PeriodicTimer(EventQueue& queue, Phase phase, Action action)
    : queue_(queue), phase_(phase), action_(std::move(action)) {}

void PeriodicTimer::start(SimTime first, Duration period) {
  if (period <= Duration::zero()) throw std::logic_error("periodic timer needs a period greater than zero");
  stop();
  period_ = period;
  next_at_ = first;
  next_ = queue_.schedule_at(first, phase_, [this] { tick(); });
}

void PeriodicTimer::stop() { queue_.cancel(next_); }

std::optional<SimTime> PeriodicTimer::next_tick() const {
  if (!running()) return std::nullopt;
  return next_at_;
}

void PeriodicTimer::tick() {
  next_at_ = next_at_ + period_;
  next_ = queue_.schedule_at(next_at_, phase_, [this] { tick(); });
  action_();
}

Watchdog::Watchdog(EventQueue& queue, Phase phase, Duration timeout, Action on_expire)
    : queue_(queue), phase_(phase), timeout_(timeout), on_expire_(std::move(on_expire)) {}

void Watchdog::arm_until(SimTime deadline) {
  deadline_ = deadline;
  // An event already pending at or before the deadline is moved on lazily in due(); only an earlier
  // deadline needs the event itself moved.
  if (queue_.pending(event_) && scheduled_at_ <= deadline) return;
  queue_.cancel(event_);
  scheduled_at_ = deadline;
  event_ = queue_.schedule_at(deadline, phase_, [this] { due(); });
}

void Watchdog::disarm() {
  deadline_.reset();
  queue_.cancel(event_);
}

void Watchdog::due() {
  if (deadline_ && *deadline_ > queue_.now()) {
    scheduled_at_ = *deadline_;
    event_ = queue_.schedule_at(*deadline_, phase_, [this] { due(); });
    return;
  }
  deadline_.reset();
  on_expire_();
}

}  // namespace poolsim
