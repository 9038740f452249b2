// The event bus: how models publish what happened, and how recorders hear of it.
//
// A model publishes a TimelineRecord for each state change or decision; observers (text timeline, HDF5,
// summary, fingerprint, checkers) subscribe and receive each record as a const reference, so no recorder can
// change model state (OMNeT++ signals and listeners: a model emits, it never knows who records).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "poolsim/kernel/time.hpp"

namespace poolsim {

// One `key=value` detail of a record. Keys are snake_case; values have no white space, '=' or quotes, so a
// timeline line splits back into its fields unambiguously.
struct Detail {
  std::string key;
  std::string value;
};

// One line of the timeline; its fields are the HDF5 /events columns (docs/hdf5-layout.md "/events").
struct TimelineRecord {
  SimTime time;
  std::uint64_t seq = 0;            // 0, 1, 2, ... in publication order
  std::string source;               // who: "xenserver-1/eth0", "pool", "pool/ha"
  std::string_view event;           // what: a snake_case token with static storage, e.g. "link_down"
  std::vector<Detail> details;      // sorted by key

  // The details as the timeline prints them: "key=value key=value", sorted by key; empty when none.
  std::string details_text() const;
};

// A subscriber to the bus.
class TimelineObserver {
 public:
  virtual ~TimelineObserver() = default;
  virtual void on_record(const TimelineRecord& record) = 0;
  // The run ended at `end` (its horizon, or the last event); no record follows.
  virtual void on_finish(SimTime end) { (void)end; }
};

// Thrown by EventBus::publish when a run would publish more records than its budget: the run cannot finish
// within the bounds it was given, so it stops there (docs/running.md "Record budget").
class RecordBudgetExceeded : public std::runtime_error {
 public:
  RecordBudgetExceeded(SimTime at, std::uint64_t budget)
      : std::runtime_error("the run published " + std::to_string(budget) + " timeline records, its budget, by " +
                           std::to_string(at.ns() / 1'000'000'000) + " s simulated"),
        at_(at), budget_(budget) {}
  SimTime at() const { return at_; }
  std::uint64_t budget() const { return budget_; }

 private:
  SimTime at_;
  std::uint64_t budget_;
};

class EventBus {
 public:
  // No more than `most` records: the one after them throws RecordBudgetExceeded instead of being published.
  // Unlimited until set.
  void set_record_budget(std::uint64_t most) { budget_ = most; }
  std::uint64_t record_budget() const { return budget_; }

  // Observers are called in subscription order and must outlive the bus's use.
  void subscribe(TimelineObserver& observer) { observers_.push_back(&observer); }

  // Publishes one record. `event` must have static storage (a token from a model's enum table). Throws
  // std::logic_error for a malformed token, key or value: that is a bug in the model that published it.
  void publish(SimTime time, std::string source, std::string_view event, std::vector<Detail> details = {});
  void finish(SimTime end);

  std::uint64_t published() const { return next_seq_; }

 private:
  std::vector<TimelineObserver*> observers_;
  std::uint64_t next_seq_ = 0;
  std::uint64_t budget_ = ~std::uint64_t{0};
};

}  // namespace poolsim
