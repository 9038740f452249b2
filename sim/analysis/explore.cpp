#include "poolsim/analysis/explore.hpp"
#include "poolsim/analysis/workers.hpp"

#include <algorithm>
#include <optional>
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
             unsigned jobs, const std::function<void(const Exploration&)>& report) {
  if (faults.empty()) return;
  const auto fault_at = [&](std::size_t i) {
    FaultSpec fault = faults[i % faults.size()];
    fault.at = instants[i / faults.size()];
    return fault;
  };
  // A run's result as text: "" when the invariants held, "V" and the violation, or "B" and "AT_NS BUDGET\n" for a
  // run that reached its record budget.
  const auto work = [&](std::size_t i) -> std::string {
    ScenarioSpec variant = spec;
    const FaultSpec fault = fault_at(i);
    // After the scenario's own faults of that instant: they run in file order.
    const auto position = std::find_if(variant.faults.begin(), variant.faults.end(),
                                       [&fault](const FaultSpec& f) { return f.at > fault.at; });
    variant.faults.insert(position, fault);
    std::unique_ptr<Simulation> sim = build(variant);
    try {
      sim->run(SimTime::zero() + variant.until);
    } catch (const models::InvariantViolation& e) {
      return "V" + std::string(e.what()) + " at " + format_seconds(sim->queue().now());
    } catch (const RecordBudgetExceeded& e) {
      return "B" + std::to_string(e.at().ns()) + " " + std::to_string(e.budget()) + "\n";
    }
    return "";
  };
  const std::size_t count = instants.size() * faults.size();
  run_in_order(count, jobs, 16, work,
               [&](std::size_t i, const JobOutcome& outcome) {
                 Exploration e{fault_at(i), {}};
                 if (outcome.error) throw std::runtime_error(*outcome.error);  // the scenario does not build...
                 const std::optional<std::string>& result = outcome.result;
                 if (!result) {
                   e.violation = "the run's process died (" + outcome.exit.how() + ")";
                 } else if (result->starts_with("B")) {
                   std::string_view rest = std::string_view(*result).substr(1);
                   std::int64_t at = 0;
                   std::uint64_t budget = 0;
                   if (take_number(rest, at, ' ')) take_number(rest, budget, '\n');
                   throw RecordBudgetExceeded(SimTime::from_ns(at), budget);
                 } else if (result->starts_with("V")) {
                   e.violation = result->substr(1);
                 }
                 report(e);
                 return true;
               });
}

}  // namespace poolsim::analysis
