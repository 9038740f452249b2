// The event queue: the simulation kernel's clock and agenda.
//
// Events run in a total order (time, phase, sequence): earlier time first; at the same time, the lower phase
// band first; within a band, the event scheduled first runs first (ns-3 EventKey, OMNeT++ insertOrder).
// Nothing is ever ordered by pointer, so a run is the same on every machine.
//
// Insert and pop are O(log n) on a 4-ary heap of small trivially copyable entries; the actions themselves live
// in a slot table beside the heap. Cancel is O(1) and lazy (ns-3 Cancel): the slot is freed at once and the heap
// entry, recognised as stale by its generation, is dropped when it reaches the top or when stale entries
// outnumber live ones (so memory stays flat however many timers are cancelled).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "poolsim/kernel/action.hpp"
#include "poolsim/kernel/time.hpp"

namespace poolsim {

// Named bands that order simultaneous events. A fault injected at t is seen by the hardware at t, whose state
// the protocols read at t, on which the decisions at t are taken, which observers then record.
enum class Phase : std::uint8_t {
  fault = 0,        // scripted and random faults, repairs
  hardware = 1,     // links, bonds, switches, storage paths, host power and boot
  protocol = 2,     // heartbeats, statefile I/O, daemon timers and watchdogs
  decision = 3,     // survival rules, fencing, election, restart plans
  observation = 4,  // checkers and samplers that only read state
};

// Refers to one scheduled event, to cancel it or ask whether it is still pending. Cheap to copy. A default
// handle refers to nothing; a handle stays safe to use after its event ran or was cancelled (it is then stale).
class EventHandle {
 public:
  EventHandle() = default;

 private:
  friend class EventQueue;
  EventHandle(std::uint32_t slot, std::uint32_t generation) : slot_(slot), generation_(generation) {}
  std::uint32_t slot_ = no_slot;
  std::uint32_t generation_ = 0;
  static constexpr std::uint32_t no_slot = 0xffff'ffff;
};

class EventQueue {
 public:
  using Action = poolsim::Action;

  EventQueue() = default;
  EventQueue(const EventQueue&) = delete;
  EventQueue& operator=(const EventQueue&) = delete;

  // The current simulated time: that of the event running, or of the last one run, or the end of run_until.
  SimTime now() const { return now_; }

  // Schedules `action` at `when` (never before now()). Throws std::logic_error for a time in the past.
  EventHandle schedule_at(SimTime when, Phase phase, Action action);
  EventHandle schedule_in(Duration delay, Phase phase, Action action) {
    return schedule_at(now_ + delay, phase, std::move(action));
  }

  // Cancels a pending event; returns whether it was pending. O(1). A stale or default handle is a no-op.
  bool cancel(EventHandle handle);
  bool pending(EventHandle handle) const;

  // The time of the next pending event, if any.
  std::optional<SimTime> next_time() const;
  bool empty() const { return !next_time().has_value(); }

  // Runs the next pending event; returns false when there is none.
  bool step();
  // Runs every event with time < end (the horizon is exclusive), then sets now() to end if it was earlier.
  void run_until(SimTime end);
  // Runs until no event is pending.
  void run();

  // How many events have run, and how many are pending (cancelled ones excluded).
  std::uint64_t events_run() const { return events_run_; }
  std::size_t pending_count() const { return live_; }

 private:
  // One heap entry: trivially copyable so that sifting moves 24 bytes, never an action.
  struct Entry {
    std::int64_t time;
    std::uint64_t order;  // phase in the top 8 bits, sequence in the low 56
    std::uint32_t slot;
    std::uint32_t generation;
  };
  struct Slot {
    Action action;
    std::uint32_t generation = 0;
  };

  // Branch-free: the heap's comparisons are unpredictable, so a mispredicted branch costs more than both tests.
  // Times are never negative (nothing is scheduled before time 0), so (time, order) compares as one unsigned
  // 128-bit number.
  static bool before(const Entry& a, const Entry& b) {
    __extension__ using Key = unsigned __int128;
    const Key ka = (Key{static_cast<std::uint64_t>(a.time)} << 64) | a.order;
    const Key kb = (Key{static_cast<std::uint64_t>(b.time)} << 64) | b.order;
    return ka < kb;
  }
  bool stale(const Entry& e) const { return slots_[e.slot].generation != e.generation; }
  void push(std::int64_t time, std::uint64_t order, std::uint32_t slot, std::uint32_t generation);
  void pop_top() const;
  void sift_down(std::size_t i) const;
  void sift_up(std::size_t i, const Entry& e) const;
  void drop_stale_top() const;
  void compact();
  void release(std::uint32_t slot);

  // The heap and the stale-entry count are mutable so that next_time() can drop stale entries from the top.
  mutable std::vector<Entry> heap_;
  mutable std::size_t stale_in_heap_ = 0;
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_slots_;
  SimTime now_;
  std::uint64_t next_sequence_ = 0;
  std::uint64_t events_run_ = 0;
  std::size_t live_ = 0;
};

}  // namespace poolsim
