#include "poolsim/analysis/run_one.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "poolsim/models/pool.hpp"
#include "poolsim/models/records.hpp"

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
    : sim_(sim),
      timeline_(path, Hdf5Header{sim.spec().name, scenario_yaml, sim.spec().seed, until, sim.spec().start},
                pool_state_rules(), initial_states(sim)) {
  sim.bus().subscribe(*this);
}

void Hdf5Recording::finish(SimTime end) {
  const scenario::OutcomeRecorder& outcome = sim_.outcome();
  const scenario::RunFigures figures = outcome.figures(end);
  std::vector<ServiceSummary> services;
  for (std::size_t i = 0; i < outcome.services().size(); ++i) {
    const scenario::Service& service = outcome.services()[i];
    const scenario::ServiceFigures& f = figures.services[i];
    services.push_back({service.name, service.need, service.vms.size(),
                        static_cast<double>(f.downtime.ns()) / 1e9, f.outages.size()});
  }
  timeline_.set_services(std::move(services));
  timeline_.on_finish(end);
}

PoolServicesMeter::PoolServicesMeter(scenario::Simulation& sim)
    : queue_(sim.queue()),
      pool_(sim.pool()),
      // No scenario key sets it: the builder leaves the model's default, as here.
      restart_(models::XapiTimers{}.become_master_delay),
      xapi_hung_(sim.pool().host_count(), false) {
  sim.bus().subscribe(*this);
  // Simulation::run starts the pool before the queue runs: this sample sees the pool at time 0.
  queue_.schedule_at(SimTime::zero(), Phase::observation, [this] { sample(SimTime::zero()); });
}

void PoolServicesMeter::on_record(const TimelineRecord& record) {
  // The toolstack's faults and xapi_restore publish from the host's own source, "<host>"; xhad's restart that
  // brings it back from "<host>/ha".
  const bool fails = record.event == models::token(models::Rec::xapi_hung) ||
                     record.event == models::token(models::Rec::xapi_crashed) ||
                     record.event == models::token(models::Rec::xapi_disabled);
  const bool back = record.event == models::token(models::Rec::xapi_restored) ||
                    record.event == models::token(models::Rec::xapi_restarted);
  if (fails || back) {
    for (models::HostIndex h = 0; h < pool_.host_count(); ++h) {
      const std::string& name = pool_.host_name(h);
      if (record.source == name || record.source == name + "/ha") xapi_hung_[h] = fails;
    }
  }
  if (scheduled_ != record.time) {
    scheduled_ = record.time;
    queue_.schedule_at(record.time, Phase::observation, [this, t = record.time] { sample(t); });
  }
}

void PoolServicesMeter::sample(SimTime now) {
  // A host that is not up starts a fresh xapi when it boots (the Pool's stop_host): no longer hung.
  for (models::HostIndex h = 0; h < pool_.host_count(); ++h) {
    const models::HostState state = pool_.host_state(h);
    if (state != models::HostState::up && state != models::HostState::joining) xapi_hung_[h] = false;
  }
  const std::optional<models::HostIndex> master = pool_.master();
  if (sampled_ && master && master != master_) {
    restarting_until_ = now + restart_;
    queue_.schedule_at(restarting_until_, Phase::observation, [this, t = restarting_until_] { sample(t); });
  }
  master_ = master;
  sampled_ = true;
  const bool available = master && pool_.host_state(*master) == models::HostState::up && !xapi_hung_[*master] &&
                         now >= restarting_until_;
  if (available == available_) return;
  if (!available_) down_ += now - since_;
  available_ = available;
  since_ = now;
}

Duration PoolServicesMeter::downtime(SimTime end) const {
  return available_ || end < since_ ? down_ : down_ + (end - since_);
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
  PoolServicesMeter services(sim);
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
  out.pool_services_down = services.downtime(out.end);
  out.exit_status = out.invariant_violated || out.failed_expectations > 0 ? 1 : 0;
  return out;
}

}  // namespace poolsim::batch
