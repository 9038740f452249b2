#include "poolsim/kernel/event_queue.hpp"

#include <stdexcept>
#include <utility>

namespace poolsim {
namespace {

constexpr std::size_t arity = 4;
// Below this heap size stale entries are cheaper to pop lazily than to compact away.
constexpr std::size_t compact_min_size = 1024;

}  // namespace

std::uint32_t EventQueue::claim_slot(SimTime when, Phase phase) {
  if (when < now_) {
    throw std::logic_error("event scheduled at " + format_seconds(when) + " s, before the current time " +
                           format_seconds(now_) + " s");
  }
  if (next_sequence_ > sequence_mask) throw std::logic_error("more than 2^40 events in one run");
  std::uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    if (slots_.size() > slot_mask) throw std::logic_error("more than 2^21 events pending at once");
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  const std::uint64_t sequence = next_sequence_++;
  slots_[slot].sequence = sequence;
  push(static_cast<std::uint64_t>(when.ns()),
       (std::uint64_t{static_cast<std::uint8_t>(phase)} << (sequence_bits + slot_bits)) | (sequence << slot_bits) | slot);
  ++live_;
  return slot;
}

void EventQueue::unclaim_empty_slot(std::uint32_t slot) {
  release(slot);
  --live_;
  ++stale_in_heap_;
  throw std::logic_error("event scheduled with no action");
}

bool EventQueue::pending(EventHandle handle) const {
  return handle.slot_ < slots_.size() && slots_[handle.slot_].sequence == handle.sequence_;
}

bool EventQueue::cancel(EventHandle handle) {
  if (!pending(handle)) return false;
  release(handle.slot_);
  --live_;
  ++stale_in_heap_;
  if (heap_.size() >= compact_min_size && stale_in_heap_ * 2 > heap_.size()) compact();
  return true;
}

std::optional<SimTime> EventQueue::next_time() const {
  drop_stale_top();
  if (heap_.empty()) return std::nullopt;
  return SimTime::from_ns(static_cast<std::int64_t>(heap_.front().time));
}

bool EventQueue::step() {
  drop_stale_top();
  if (heap_.empty()) return false;
  run_top();
  return true;
}

void EventQueue::run_top() {
  const Entry top = heap_.front();
  pop_top();
  const std::uint32_t slot = slot_of(top);
  Action action = std::move(slots_[slot].action);
  release(slot);
  --live_;
  now_ = SimTime::from_ns(static_cast<std::int64_t>(top.time));
  current_phase_ = phase_of(top);
  ++events_run_;
  action();
}

void EventQueue::run_until(SimTime end) {
  for (;;) {
    drop_stale_top();
    if (heap_.empty() || heap_.front().time >= static_cast<std::uint64_t>(end.ns())) break;
    run_top();
  }
  if (now_ < end) now_ = end;
}

void EventQueue::run() {
  while (step()) {
  }
}

void EventQueue::release(std::uint32_t slot) {
  slots_[slot].action.reset();
  slots_[slot].sequence = no_event;
  free_slots_.push_back(slot);
}

// Takes the fields rather than an Entry: an Entry built on the caller's stack and reloaded whole stalls store
// forwarding, which showed as half of schedule_at's time in the heartbeat-mesh profile.
void EventQueue::push(std::uint64_t time, std::uint64_t low) {
  heap_.push_back(Entry{time, low});
  sift_up(heap_.size() - 1, heap_.back());
}

void EventQueue::sift_up(std::size_t i, const Entry& entry) const {
  const Entry e = entry;
  while (i > 0) {
    const std::size_t parent = (i - 1) / arity;
    if (!before(e, heap_[parent])) break;
    heap_[i] = heap_[parent];
    i = parent;
  }
  heap_[i] = e;
}

void EventQueue::pop_top() const {
  const Entry last = heap_.back();
  heap_.pop_back();
  if (heap_.empty()) return;
  // Bottom-up (Floyd): walk the hole at the root down along the smallest children to a leaf, then sift the
  // former last entry up from there. It usually belongs near the bottom, so this saves a comparison per level.
  const std::size_t n = heap_.size();
  std::size_t hole = 0;
  for (;;) {
    const std::size_t first = hole * arity + 1;
    if (first >= n) break;
    std::size_t best = first;
    const std::size_t end = first + arity < n ? first + arity : n;
    for (std::size_t c = first + 1; c < end; ++c) {
      if (before(heap_[c], heap_[best])) best = c;
    }
    heap_[hole] = heap_[best];
    hole = best;
  }
  sift_up(hole, last);
}

void EventQueue::sift_down(std::size_t i) const {
  const std::size_t n = heap_.size();
  const Entry e = heap_[i];
  for (;;) {
    const std::size_t first = i * arity + 1;
    if (first >= n) break;
    const std::size_t last = first + arity < n ? first + arity : n;
    std::size_t best = first;
    for (std::size_t c = first + 1; c < last; ++c) {
      if (before(heap_[c], heap_[best])) best = c;
    }
    if (!before(heap_[best], e)) break;
    heap_[i] = heap_[best];
    i = best;
  }
  heap_[i] = e;
}

void EventQueue::drop_stale_top() const {
  while (!heap_.empty() && stale(heap_.front())) {
    pop_top();
    --stale_in_heap_;
  }
}

void EventQueue::compact() {
  std::size_t kept = 0;
  for (const Entry& e : heap_) {
    if (!stale(e)) heap_[kept++] = e;
  }
  heap_.resize(kept);
  stale_in_heap_ = 0;
  // Floyd's heap construction: sift down every internal node, last first.
  if (kept > 1) {
    for (std::size_t i = (kept - 2) / arity + 1; i-- > 0;) sift_down(i);
  }
}

}  // namespace poolsim
