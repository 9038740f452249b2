#include "poolsim/analysis/explore.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>

#include "poolsim/models/pool.hpp"
#include "poolsim/scenario/build.hpp"

namespace poolsim::analysis {

namespace {

// Collects the instants of the records.
class InstantRecorder : public TimelineObserver {
 public:
  void on_record(const TimelineRecord& record) override { instants_.insert(record.time.since_start()); }
  const std::set<Duration>& instants() const { return instants_; }

 private:
  std::set<Duration> instants_;
};

std::unique_ptr<Simulation> build(const ScenarioSpec& spec) {
  BuildResult built = build_simulation(spec, spec.name + ".yaml");
  if (!built.simulation) {
    std::string message = "the scenario does not build:";
    for (const Diagnostic& d : built.diagnostics) message += "\n  " + format_diagnostic(d);
    throw std::runtime_error(message);
  }
  return std::move(built.simulation);
}

}  // namespace

std::vector<FaultSpec> exploration_faults(const ScenarioSpec& spec) {
  std::vector<FaultSpec> faults;
  auto add = [&faults](FaultVerb verb, auto&& fill) {
    FaultSpec f;
    f.verb = verb;
    fill(f);
    faults.push_back(std::move(f));
  };
  for (const HostSpec& h : spec.pool.hosts) {
    add(FaultVerb::crash, [&](FaultSpec& f) { f.host = {h.name, {}}; });
    for (const NicSpec& n : h.nics) {
      add(FaultVerb::unplug, [&](FaultSpec& f) {
        f.host = {h.name, {}};
        f.nics = {{n.name, {}}};
      });
    }
  }
  for (const SwitchSpec& s : spec.pool.switches) add(FaultVerb::switch_fail, [&](FaultSpec& f) { f.on_switch = {s.name, {}}; });
  for (const StorageSpec& sr : spec.pool.storage) {
    for (const PortalSpec& p : sr.portals) add(FaultVerb::portal_fail, [&](FaultSpec& f) { f.portal = {p.name, {}}; });
    if (sr.type != StorageType::local) {
      add(FaultVerb::storage_fail, [&](FaultSpec& f) { f.storage = {sr.name, {}}; });
    }
  }
  return faults;
}

std::vector<Duration> decision_instants(const ScenarioSpec& spec, std::size_t max_instants) {
  std::unique_ptr<Simulation> sim = build(spec);
  InstantRecorder recorder;
  sim->bus().subscribe(recorder);
  try {
    sim->run(SimTime::zero() + spec.until);
  } catch (const models::InvariantViolation&) {
    // The instants up to the violation are still worth exploring.
  }
  std::vector<Duration> all(recorder.instants().begin(), recorder.instants().end());
  if (max_instants == 0 || all.size() <= max_instants) return all;
  std::vector<Duration> sampled;
  for (std::size_t i = 0; i < max_instants; ++i) sampled.push_back(all[i * all.size() / max_instants]);
  return sampled;
}

void explore(const ScenarioSpec& spec, const std::vector<Duration>& instants, const std::vector<FaultSpec>& faults,
             const std::function<void(const Exploration&)>& report) {
  for (const Duration at : instants) {
    for (const FaultSpec& base : faults) {
      ScenarioSpec variant = spec;
      FaultSpec fault = base;
      fault.at = at;
      // After the scenario's own faults of that instant: they run in file order.
      const auto position =
          std::find_if(variant.faults.begin(), variant.faults.end(), [at](const FaultSpec& f) { return f.at > at; });
      variant.faults.insert(position, fault);
      std::unique_ptr<Simulation> sim = build(variant);
      Exploration result{fault, {}};
      try {
        sim->run(SimTime::zero() + variant.until);
      } catch (const models::InvariantViolation& e) {
        result.violation = std::string(e.what()) + " at " + format_seconds(sim->queue().now());
      }
      report(result);
    }
  }
}

}  // namespace poolsim::analysis
