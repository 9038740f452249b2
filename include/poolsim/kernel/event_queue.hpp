// The event queue: the simulation kernel's clock and agenda.
//
// Events run in a total order (time, phase, sequence): earlier time first; at the same time, the lower phase
// band first; within a band, the event scheduled first runs first (ns-3 EventKey, OMNeT++ insertOrder).
// Nothing is ever ordered by pointer, so a run is the same on every machine.
//
// Insert and pop are O(log n) on a 4-ary heap of small trivially copyable entries; the actions themselves live
// in a slot table beside the heap. Cancel is O(1) and lazy (ns-3 Cancel): the slot is freed at once and the heap
// entry, recognised as stale by its sequence number, is dropped when it reaches the top or when stale entries
// outnumber live ones (so memory stays flat however many timers are cancelled).
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "poolsim/kernel/action.hpp"
#include "poolsim/kernel/time.hpp"

namespace poolsim {

// Named bands that order simultaneous events. A fault injected at t is seen by the hardware at t, whose state
// the protocols read at t; what the protocols established at t is settled (in an order that does not depend on
// how it was computed), then the decisions at t are taken, which observers then record.
enum class Phase : std::uint8_t {
  fault = 0,        // scripted and random faults, repairs
  hardware = 1,     // links, bonds, switches, storage paths, host power and boot
  protocol = 2,     // heartbeats, statefile I/O, daemon timers and watchdogs
  settle = 3,       // the protocols' outcomes at this instant applied in a canonical order
  decision = 4,     // survival rules, fencing, election, restart plans
  observation = 5,  // checkers and samplers that only read state
};

// Refers to one scheduled event, to cancel it or ask whether it is still pending. Cheap to copy. A default
// handle refers to nothing; a handle stays safe to use after its event ran or was cancelled (it is then stale).
class EventHandle {
 public:
  EventHandle() = default;

 private:
  friend class EventQueue;
  EventHandle(std::uint32_t slot, std::uint64_t sequence) : sequence_(sequence), slot_(slot) {}
  std::uint64_t sequence_ = ~std::uint64_t{0};
  std::uint32_t slot_ = ~std::uint32_t{0};
};

class EventQueue {
 public:
  using Action = poolsim::Action;

  EventQueue() = default;
  EventQueue(const EventQueue&) = delete;
  EventQueue& operator=(const EventQueue&) = delete;

  // The current simulated time: that of the event running, or of the last one run, or the end of run_until.
  SimTime now() const { return now_; }
  // The phase band of the event running, or of the last one run; `fault` before any has run.
  Phase current_phase() const { return current_phase_; }

  // Schedules `action` (any void() callable) at `when` (never before now()). Throws std::logic_error for a time
  // in the past or an empty action. The callable is built straight into the event's slot.
  template <typename F>
  EventHandle schedule_at(SimTime when, Phase phase, F&& action) {
    const std::uint32_t slot = claim_slot(when, phase);
    slots_[slot].action = Action(std::forward<F>(action));
    if (!slots_[slot].action) unclaim_empty_slot(slot);
    return EventHandle(slot, slots_[slot].sequence);
  }
  template <typename F>
  EventHandle schedule_in(Duration delay, Phase phase, F&& action) {
    return schedule_at(now_ + delay, phase, std::forward<F>(action));
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
  // One heap entry: 16 bytes, so that a node's four children share one or two cache lines. Its key orders
  // events: `time` first, then `low`, which packs the phase band (top 3 bits), the sequence number (40 bits:
  // 10^12 events a run) and the slot of the event's action (21 bits: 2 million pending events).
  struct Entry {
    std::uint64_t time;  // nanoseconds; never negative, since nothing is scheduled before time 0
    std::uint64_t low;
  };
  static constexpr unsigned slot_bits = 21;
  static constexpr unsigned sequence_bits = 40;
  static constexpr std::uint64_t slot_mask = (std::uint64_t{1} << slot_bits) - 1;
  static constexpr std::uint64_t sequence_mask = (std::uint64_t{1} << sequence_bits) - 1;
  static constexpr std::uint64_t no_event = ~std::uint64_t{0};

  // An action and the sequence number of the event that owns it (no_event while the slot is free).
  struct Slot {
    Action action;
    std::uint64_t sequence = no_event;
  };

  static std::uint32_t slot_of(const Entry& e) { return static_cast<std::uint32_t>(e.low & slot_mask); }
  static std::uint64_t sequence_of(const Entry& e) { return (e.low >> slot_bits) & sequence_mask; }
  static Phase phase_of(const Entry& e) { return static_cast<Phase>(e.low >> (slot_bits + sequence_bits)); }
  // One unsigned 128-bit comparison: branch-free, since the heap's comparisons are unpredictable.
  static bool before(const Entry& a, const Entry& b) {
    __extension__ using Key = unsigned __int128;
    return ((Key{a.time} << 64) | a.low) < ((Key{b.time} << 64) | b.low);
  }
  // Takes a free slot and pushes its heap entry; the caller fills in the action.
  std::uint32_t claim_slot(SimTime when, Phase phase);
  [[noreturn]] void unclaim_empty_slot(std::uint32_t slot);
  // Runs the top entry, which must exist and not be stale.
  void run_top();
  bool stale(const Entry& e) const { return slots_[slot_of(e)].sequence != sequence_of(e); }
  void push(std::uint64_t time, std::uint64_t low);
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
  Phase current_phase_ = Phase::fault;
  std::uint64_t next_sequence_ = 0;
  std::uint64_t events_run_ = 0;
  std::size_t live_ = 0;
};

}  // namespace poolsim
