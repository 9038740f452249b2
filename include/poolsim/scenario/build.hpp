// The builder: from a validated ScenarioSpec, a Simulation — the event queue, the bus, the network, the
// storage and the pool wired together as the file describes them, with every scripted fault scheduled and the
// expectations ready to be judged.
//
// Mapping (docs/running.md "What the builder does"):
// - switches, their links, each host's NICs and bonds (BondSpec timing) -> models::Network;
// - each SR -> a models::Storage array (iscsi, nfs and fc with their portals and multipath timing), attached
//   on every host through its storage_via interfaces; a local SR on its own host only;
// - hosts in tie-break order (file order, or by uuid when every host has one: docs/scenario-format.md), VMs,
//   the master, HA settings (HaTimers::derive from the timeout, then the file's overrides) and xapi timing
//   -> models::Pool, with each VM's agility (docs/model.md "VMs and their HA plan");
// - Network::on_change -> Storage::network_changed, registered before the Pool registers its own listeners;
// - each fault and operation at its `at`, in Phase::fault;
// - each random fault element, for each target of its kind, a FailureProcess (random_faults.hpp) drawing from
//   RandomStreams(seed).stream("random/<index>/<target path>").
// Verbs and settings the models do not simulate yet are refused with a diagnostic at their position, never
// ignored: a run of a scenario that says more than poolsim simulates would mislead.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "poolsim/kernel/event_bus.hpp"
#include "poolsim/kernel/event_queue.hpp"
#include "poolsim/kernel/time.hpp"
#include "poolsim/models/network.hpp"
#include "poolsim/models/pool.hpp"
#include "poolsim/models/storage.hpp"
#include "poolsim/scenario/diagnostic.hpp"
#include "poolsim/scenario/outcome.hpp"
#include "poolsim/scenario/random_faults.hpp"
#include "poolsim/scenario/spec.hpp"

namespace poolsim::scenario {

// A built scenario, ready to run once. Observers subscribe to bus() before run().
class Simulation {
 public:
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;
  ~Simulation();

  EventQueue& queue() { return queue_; }
  EventBus& bus() { return bus_; }
  const models::Network& network() const { return network_; }
  const models::Storage& storage() const { return storage_; }
  const models::Pool& pool() const { return *pool_; }
  const ScenarioSpec& spec() const { return spec_; }
  // What happened, and the expectations' verdicts (complete once run() returns).
  const OutcomeRecorder& outcome() const { return *outcome_; }

  // The pool's index of a host or VM, by name.
  std::optional<models::HostIndex> host_index(const std::string& name) const;
  std::optional<models::VmIndex> vm_index(const std::string& name) const;

  // Starts the pool at time 0, runs every event before `until` (exclusive horizon), then finishes the bus at
  // `until`. Once only. Throws models::InvariantViolation when the model breaks a safety rule; queue().now()
  // is then the time of the violation.
  void run(SimTime until);

 private:
  friend struct SimulationBuilder;
  explicit Simulation(ScenarioSpec spec);

  ScenarioSpec spec_;
  EventQueue queue_;
  EventBus bus_;
  models::Network network_;
  models::Storage storage_;
  std::unique_ptr<models::Pool> pool_;
  std::unique_ptr<OutcomeRecorder> outcome_;
  std::vector<std::unique_ptr<FailureProcess>> failure_processes_;  // random faults, one per (element, target)
  std::vector<std::string> host_names_;  // by pool index
  std::vector<std::string> vm_names_;    // by pool index
  bool ran_ = false;
};

// The simulation when the spec can be run (warnings allowed), and every diagnostic.
struct BuildResult {
  std::unique_ptr<Simulation> simulation;
  std::vector<Diagnostic> diagnostics;
};

// How to build, beyond what the file says: choices that must not change what a run records.
// The record budget of a run unless raised (`poolsim run --max-records`): 10^7 records, some 0.8 GB of text
// timeline and a few GB of memory for HDF5, far above the longest run of the library or the swarm (a few hundred
// thousand records), and reached within seconds by a runaway fault process (docs/running.md "Record budget").
inline constexpr std::uint64_t default_record_budget = 10'000'000;

struct BuildOptions {
  // Heartbeats simulated as domain changes computed from their grids (compressed, the default) or one event per
  // heartbeat and statefile cycle (messages, the reference); both give the same timeline (docs/model.md).
  models::HeartbeatMode heartbeats = models::HeartbeatMode::compressed;
  // The most timeline records the run may publish; one more stops it with RecordBudgetExceeded
  // (docs/running.md "Record budget").
  std::uint64_t record_budget = default_record_budget;
};

// Builds `spec`, a spec that load_scenario accepted; diagnostics name the file `file`.
BuildResult build_simulation(const ScenarioSpec& spec, const std::string& file, const BuildOptions& options = {});

// The hosts of `spec` in tie-break order, as indices into spec.pool.hosts: file order, or by uuid (compared
// case-insensitively) when every host has one (docs/model.md "Survival rules", docs/scenario-format.md).
std::vector<std::size_t> tie_break_order(const PoolSpec& pool);

}  // namespace poolsim::scenario
