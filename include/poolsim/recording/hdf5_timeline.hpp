// The HDF5 timeline: what `poolsim run --h5 FILE` writes and notebooks read (docs/hdf5-layout.md).
//
//   /                      attributes poolsim_version, scenario_name, scenario_yaml, seed (uint64), until_s (float64),
//                          start (string, when the scenario has one)
//   /events                every record: time_s, seq, source, event, details (chunked, compressed)
//   /hosts/<name>/state    intervals start_s, end_s, state: one row per state a host was in
//   /vms/<name>/state      the same for each VM
//   /summary               per-VM downtime and restarts, fences per host, master changes, alerts raised
//
// A recorder buffers the records it hears and writes the whole file on on_finish(), first to `PATH.tmp`, which
// it then renames to PATH: a killed run never leaves a half-written PATH, and an existing PATH is replaced
// atomically. The file holds no wall time (HDF5 object time tracking is off), so the same records give the same
// bytes. The HDF5 library is a private detail of the recording layer: no HDF5 type appears here.
//
// States are data, not code: a table of StateRule rows says which record puts which host or VM in which state,
// and the caller gives each one's state at time 0. pool_state_rules() is the table for the Pool model's tokens.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "poolsim/kernel/event_bus.hpp"

namespace poolsim {

// What an interval table describes: /hosts/<name>/state or /vms/<name>/state.
enum class StateSubject : std::uint8_t { host, vm };

// One row of the state table: a record whose event is `event` and whose source is `source_prefix` + NAME +
// `source_suffix` puts the host or VM called NAME in `state` from the record's time on. A record naming a
// subject that the recorder was not given an initial state for is not a state change (it gets no table).
struct StateRule {
  StateSubject subject = StateSubject::host;
  std::string source_prefix;  // "vm/" for the Pool's VM records, "" for its host records
  std::string source_suffix;  // "/ha" for records of a host's HA daemon, "" otherwise
  std::string event;          // a timeline token, e.g. "host_crashed"
  std::string state;          // the state it leads to, e.g. "down"
};

// A host's or VM's state at time 0. Names must be non-empty, not ".", and free of '/' (they become HDF5 group
// names); a name appears once per subject.
struct InitialState {
  StateSubject subject = StateSubject::host;
  std::string name;
  std::string state;
};

// How /summary reads the states and records. The defaults are the Pool model's states and tokens.
struct SummaryRules {
  SummaryRules();  // the Pool model's states and tokens, from its table of records
  std::string vm_up_state;       // downtime: time outside this state once first in it or in vm_ran_state
  std::string vm_ran_state;      // a VM whose domain runs without serving: not up, but it ran
  std::string vm_start_state;    // restarts: entries into this state
  std::string host_fence_state;  // fences: entries into this state
  std::string master_event;      // master changes: records with this event ...
  std::string master_from_key = "from";  // ... except those whose `from` and `to` details are equal
  std::string master_to_key = "to";      //     (the same host taking the master lock again)
  std::string alert_event;               // alerts: records with this event ...
  std::string alert_name_key = "name";   // ... named by this detail
};

// The root attributes of the file (the poolsim version is added from poolsim/version.hpp).
struct Hdf5Header {
  std::string scenario_name;
  std::string scenario_yaml;  // the scenario file's full text
  std::uint64_t seed = 0;
  SimTime until;
  std::optional<UtcTime> start = std::nullopt;  // the scenario's `start:`: root attribute `start` (ISO 8601, UTC) when set
};

// The state table of the Pool model's records: every record of models::record_table that leads a host or VM to
// a state (include/poolsim/models/records.hpp; docs/glossary.md lists them).
std::vector<StateRule> pool_state_rules();

// A service's figures for /summary/services (docs/hdf5-layout.md), computed by the caller: the recorder knows
// records, not which VMs make a service.
struct ServiceSummary {
  std::string name;
  std::uint64_t need = 0;
  std::uint64_t vms = 0;
  double downtime_s = 0;
  std::uint64_t outages = 0;
};

class Hdf5Timeline : public TimelineObserver {
 public:
  // Creates `path` + ".tmp" at once, so that an unwritable path fails before the run rather than after it.
  // Throws std::runtime_error naming the path when it cannot, and std::invalid_argument for a bad subject name.
  Hdf5Timeline(std::filesystem::path path, Hdf5Header header, std::vector<StateRule> rules,
               std::vector<InitialState> initial, SummaryRules summary = {});
  // Without on_finish() (the run failed), removes the temporary file and leaves PATH as it was.
  ~Hdf5Timeline() override;
  Hdf5Timeline(const Hdf5Timeline&) = delete;
  Hdf5Timeline& operator=(const Hdf5Timeline&) = delete;

  void on_record(const TimelineRecord& record) override;
  // The rows of /summary/services, written by on_finish; without services (none given) the table is left out.
  void set_services(std::vector<ServiceSummary> services);
  // Writes the file and renames it to PATH; the last state of every host and VM lasts until `end`. Throws
  // std::runtime_error naming the path when the file cannot be written or renamed, std::logic_error when called
  // twice.
  void on_finish(SimTime end) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace poolsim
