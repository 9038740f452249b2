// One run of a loaded scenario, as `poolsim run` and `poolsim batch` do it: build, optionally record the HDF5
// timeline, run to the horizon, and gather the verdicts and the figures a batch tabulates.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "poolsim/recording/hdf5_timeline.hpp"
#include "poolsim/scenario/build.hpp"
#include "poolsim/scenario/outcome.hpp"
#include "poolsim/scenario/spec.hpp"

namespace poolsim::batch {

// The whole text of a file; std::runtime_error naming the path when it cannot be read.
std::string read_text_file(const std::filesystem::path& path);

// Each host's and VM's state at time 0, as Pool::start() puts them: every host up, each VM running on the host
// the scenario places it on, or halted when it has none. The host and VM names of `sim`, in scenario order.
std::vector<InitialState> initial_states(const scenario::Simulation& sim);

// An HDF5 timeline of a run (docs/hdf5-layout.md): the scenario's text, seed and horizon in the root attributes,
// the Pool's state rules. It hears the bus's records; the file is written by finish(), called by the owner after
// the run (not from the bus, so that a file that cannot be written is told apart from a model failure).
class Hdf5Recording : public TimelineObserver {
 public:
  // Subscribes to `sim`'s bus. Throws std::runtime_error when `path` cannot be created.
  Hdf5Recording(scenario::Simulation& sim, const std::filesystem::path& path, const std::string& scenario_yaml,
                SimTime until);
  void on_record(const TimelineRecord& record) override { timeline_.on_record(record); }
  // Writes the file, the last states lasting until `end`, with the scenario's services as the run's outcome
  // measured them. Throws std::runtime_error naming the path.
  void finish(SimTime end);

 private:
  const scenario::Simulation& sim_;
  Hdf5Timeline timeline_;
};

// The availability of the pool's services (docs/running.md "Pool services"): at an instant they are available
// when the pool has a master (Pool::master()) that is `up`, whose xapi answers — no `xapi_hung` record since its
// xapi last started (boot) or was restored — and that is not restarting its xapi as the new master, which it
// does for become_master_delay after taking the role (docs/model.md "Master election": the slave that takes the lock
// restarts its xapi as master). Read from the Pool's ground truth like the OutcomeRecorder: settled once per record
// instant in the observation phase, after every model event of that instant; it changes no model state.
class PoolServicesMeter : public TimelineObserver {
 public:
  // Subscribes to `sim`'s bus and takes its first sample at time 0, once the pool has started.
  explicit PoolServicesMeter(scenario::Simulation& sim);
  void on_record(const TimelineRecord& record) override;
  // Time in [0, end) without the pool's services; `end` is the horizon or the time of a violation.
  Duration downtime(SimTime end) const;

 private:
  void sample(SimTime now);

  EventQueue& queue_;
  const models::Pool& pool_;
  Duration restart_;                          // the new master's xapi restart (XapiTimers::become_master_delay)
  std::vector<bool> xapi_hung_;               // by host index
  std::optional<models::HostIndex> master_;   // at the last sample
  SimTime restarting_until_;                  // the current master's xapi answers from then on
  bool sampled_ = false;
  bool available_ = true;
  SimTime since_;                             // the last change of availability
  Duration down_;                             // unavailable time before since_
  std::optional<SimTime> scheduled_;          // the instant whose settled sample is pending
};

// What one run gave.
struct RunOutcome {
  int exit_status = 0;  // as `poolsim run`: 0 every expectation held, 1 one failed or an invariant broke
  bool invariant_violated = false;
  std::string invariant_message;  // "at TIME: MESSAGE" when violated
  std::uint64_t expectations = 0;
  std::uint64_t failed_expectations = 0;
  SimTime end;  // the horizon, or the time of the violation
  scenario::RunFigures figures;
  Duration pool_services_down;  // in [0, end): PoolServicesMeter
};

// Builds and runs `spec` (already loaded and validated; its seed and until are used as they are). With `h5`, the
// HDF5 timeline is written there (whole or absent). Build errors are a std::runtime_error with the diagnostics.
RunOutcome run_one(const scenario::ScenarioSpec& spec, const std::string& file, const std::string& scenario_yaml,
                   const std::optional<std::filesystem::path>& h5, const scenario::BuildOptions& build = {});

}  // namespace poolsim::batch
