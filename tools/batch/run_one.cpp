#include "batch/run_one.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "poolsim/models/pool.hpp"

namespace poolsim::batch {

std::string read_text_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  if (!in || !(text << in.rdbuf())) throw std::runtime_error("cannot read '" + path.string() + "'");
  return text.str();
}

std::vector<InitialState> initial_states(const scenario::Simulation& sim) {
  std::vector<InitialState> out;
  const models::Pool& pool = sim.pool();
  for (models::HostIndex h = 0; h < pool.host_count(); ++h) {
    out.push_back({StateSubject::host, pool.host_name(h), std::string(models::to_token(models::HostState::up))});
  }
  for (const scenario::VmSpec& vm : sim.spec().pool.vms) {
    const models::VmState state = vm.host.name.empty() ? models::VmState::halted : models::VmState::running;
    out.push_back({StateSubject::vm, vm.name, std::string(models::to_token(state))});
  }
  return out;
}

Hdf5Recording::Hdf5Recording(scenario::Simulation& sim, const std::filesystem::path& path,
                             const std::string& scenario_yaml, SimTime until)
    : timeline_(path, Hdf5Header{sim.spec().name, scenario_yaml, sim.spec().seed, until}, pool_state_rules(),
                initial_states(sim)) {
  sim.bus().subscribe(*this);
}

RunOutcome run_one(const scenario::ScenarioSpec& spec, const std::string& file, const std::string& scenario_yaml,
                   const std::optional<std::filesystem::path>& h5, const scenario::BuildOptions& build) {
  scenario::BuildResult built = scenario::build_simulation(spec, file, build);
  if (!built.simulation) {
    std::string text;
    for (const scenario::Diagnostic& d : built.diagnostics) text += scenario::format_diagnostic(d) + "\n";
    throw std::runtime_error(text);
  }
  scenario::Simulation& sim = *built.simulation;
  const SimTime until = SimTime::zero() + spec.until;
  std::unique_ptr<Hdf5Recording> recorder;
  if (h5) recorder = std::make_unique<Hdf5Recording>(sim, *h5, scenario_yaml, until);
  RunOutcome out;
  try {
    sim.run(until);
    out.end = until;
    for (const scenario::Verdict& v : sim.outcome().verdicts()) {
      ++out.expectations;
      if (!v.passed) ++out.failed_expectations;
    }
  } catch (const models::InvariantViolation& e) {
    out.invariant_violated = true;
    out.end = sim.queue().now();
    out.invariant_message = "at " + format_seconds(out.end) + ": " + e.what();
  }
  if (recorder) recorder->finish(out.end);  // after a violation, the timeline up to it
  out.figures = sim.outcome().figures(out.end);
  out.exit_status = out.invariant_violated || out.failed_expectations > 0 ? 1 : 0;
  return out;
}

}  // namespace poolsim::batch
