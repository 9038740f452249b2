#include "poolsim/analysis/sizing.hpp"
#include "poolsim/analysis/workers.hpp"

#include "poolsim/kernel/random_streams.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <limits>
#include <map>
#include <numeric>
#include <set>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include "poolsim/kernel/event_bus.hpp"
#include "poolsim/kernel/event_queue.hpp"
#include "poolsim/models/pool.hpp"
#include "poolsim/recording/hdf5_tables.hpp"
#include "poolsim/scenario/build.hpp"
#include "poolsim/scenario/size.hpp"

namespace poolsim::sizing {

namespace {

// Agility exactly as the builder computes it (sim/scenario/build.cpp, SimulationBuilder::agile; docs/model.md "VMs
// and their HA plan"): every disk on a shared SR, every network shared and mapped by every host, no CD in the drive.
bool agile(const scenario::ScenarioSpec& spec, const scenario::VmSpec& vm) {
  if (vm.cd_inserted) return false;
  for (const scenario::Ref& disk : vm.disks) {
    for (const scenario::StorageSpec& sr : spec.pool.storage) {
      if (sr.name == disk.name && sr.type == scenario::StorageType::local) return false;
    }
  }
  for (const scenario::Ref& network : vm.networks) {
    for (const scenario::NetworkSpec& n : spec.pool.networks) {
      if (n.name == network.name && !n.shared) return false;
    }
    for (const scenario::HostSpec& host : spec.pool.hosts) {
      const bool mapped = std::any_of(host.pif_networks.begin(), host.pif_networks.end(),
                                      [&](const scenario::PifSpec& pif) { return pif.network.name == network.name; });
      if (!mapped) return false;
    }
  }
  return true;
}


// Watches the pool's ground truth: whether every tracked VM is running, sampled at each record and once more in
// the observation phase of its instant (as the OutcomeRecorder does), so the state kept is the settled one.
class AllRunningWatch : public TimelineObserver {
 public:
  struct Change {
    SimTime time;
    bool all_running;
  };
  AllRunningWatch(EventQueue& queue, const models::Pool& pool, std::vector<models::VmIndex> tracked)
      : queue_(queue), pool_(pool), tracked_(std::move(tracked)) {}
  void on_record(const TimelineRecord& record) override {
    sample(record.time);
    if (scheduled_ != record.time) {
      scheduled_ = record.time;
      queue_.schedule_at(record.time, Phase::observation, [this, t = record.time] { sample(t); });
    }
  }
  const std::vector<Change>& changes() const { return changes_; }
  bool all_running_now() const {
    return std::all_of(tracked_.begin(), tracked_.end(),
                       [&](models::VmIndex v) { return pool_.vm_state(v) == models::VmState::running; });
  }

 private:
  void sample(SimTime t) {
    const bool up = all_running_now();
    if (up != all_running_) {
      all_running_ = up;
      changes_.push_back({t, up});
    }
  }
  EventQueue& queue_;
  const models::Pool& pool_;
  std::vector<models::VmIndex> tracked_;
  std::optional<SimTime> scheduled_;
  bool all_running_ = true;  // every tracked VM runs at time 0
  std::vector<Change> changes_;
};

std::string to_line(std::size_t index, const RunResult& r) {
  std::string line = std::to_string(index) + ' ' + (r.violated ? '1' : '0') + ' ' + (r.restored ? '1' : '0') + ' ' +
                     std::to_string(r.recovery_ns) + ' ' + std::to_string(r.left_down.size());
  for (const std::uint32_t v : r.left_down) line += ' ' + std::to_string(v);
  for (const std::vector<std::int64_t>* list : {&r.service_down_ns, &r.vm_down_ns}) {
    line += ' ' + std::to_string(list->size());
    for (const std::int64_t d : *list) line += ' ' + std::to_string(d);
  }
  return line + '\n';
}

std::pair<std::size_t, RunResult> from_line(const std::string& line) {
  std::istringstream in(line);
  std::size_t index = 0, count = 0;
  int violated = 0, restored = 0;
  RunResult r;
  if (!(in >> index >> violated >> restored >> r.recovery_ns >> count)) {
    throw std::runtime_error("a worker sent a malformed result");
  }
  r.violated = violated != 0;
  r.restored = restored != 0;
  for (std::size_t i = 0; i < count; ++i) {
    std::uint32_t v = 0;
    if (!(in >> v)) throw std::runtime_error("a worker sent a malformed result");
    r.left_down.push_back(v);
  }
  for (std::vector<std::int64_t>* list : {&r.service_down_ns, &r.vm_down_ns}) {
    if (!(in >> count)) throw std::runtime_error("a worker sent a malformed result");
    for (std::size_t i = 0; i < count; ++i) {
      std::int64_t d = 0;
      if (!(in >> d)) throw std::runtime_error("a worker sent a malformed result");
      list->push_back(d);
    }
  }
  return {index, r};
}

// Each element of `worst` as the most of itself and the run's, `worst` grown to the run's length.
void keep_worst(std::vector<std::int64_t>& worst, const std::vector<std::int64_t>& run) {
  worst.resize(std::max(worst.size(), run.size()), 0);
  for (std::size_t i = 0; i < run.size(); ++i) worst[i] = std::max(worst[i], run[i]);
}

std::string seconds_text(std::int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(ns) / 1e9);
  return buf;
}

std::string pad(std::string text, std::size_t width) {
  if (text.size() < width) text.append(width - text.size(), ' ');
  return text;
}

}  // namespace

std::vector<std::string> host_names(const scenario::ScenarioSpec& spec) {
  std::vector<std::string> names;
  for (const std::size_t i : scenario::tie_break_order(spec.pool)) names.push_back(spec.pool.hosts[i].name);
  return names;
}

models::PlannerInput planner_input(const scenario::ScenarioSpec& spec) {
  models::PlannerInput input;
  std::unordered_map<std::string, models::HostIndex> rank;
  for (const std::size_t i : scenario::tie_break_order(spec.pool)) {
    const scenario::HostSpec& host = spec.pool.hosts[i];
    rank[host.name] = static_cast<models::HostIndex>(input.hosts.size());
    input.hosts.push_back({host.memory, host.control_domain_memory, true});
  }
  for (const scenario::VmSpec& vm : spec.pool.vms) {
    models::PlannerVm v;
    v.memory = vm.memory;
    if (!vm.host.name.empty()) v.host = rank.at(vm.host.name);
    v.is_protected = scenario::protected_at_start(vm);
    v.agile = agile(spec, vm);
    input.vms.push_back(v);
  }
  return input;
}

std::uint64_t choose(std::size_t n, std::size_t k) {
  if (k > n) return 0;
  k = std::min(k, n - k);
  std::uint64_t result = 1;  // C(n, i) after step i; C(n, i) * (n - i) is divisible by i + 1
  for (std::size_t i = 0; i < k; ++i) {
    // Divide first so that only a result above 2^64 - 1 saturates: with g = gcd(result, i + 1), (i + 1) / g
    // divides n - i.
    const std::uint64_t g = std::gcd(result, std::uint64_t{i + 1});
    const std::uint64_t factor = (n - i) / ((i + 1) / g);
    result /= g;
    if (result > ~std::uint64_t{0} / factor) return ~std::uint64_t{0};
    result *= factor;
  }
  return result;
}

std::vector<std::vector<std::uint32_t>> crash_sets(std::size_t n, std::size_t k, std::size_t sample,
                                                   std::uint64_t seed) {
  std::vector<std::vector<std::uint32_t>> sets;
  if (k == 0 || k > n) return sets;
  if (choose(n, k) <= sample) {
    std::vector<std::uint32_t> c(k);
    for (std::size_t i = 0; i < k; ++i) c[i] = static_cast<std::uint32_t>(i);
    for (;;) {
      sets.push_back(c);
      std::size_t i = k;
      while (i > 0 && c[i - 1] == n - k + i - 1) --i;
      if (i == 0) break;
      ++c[i - 1];
      for (std::size_t j = i; j < k; ++j) c[j] = c[j - 1] + 1;
    }
    return sets;
  }
  // The kernel's streams, one per k, so that a larger k does not shift a smaller one's draws.
  RandomStream rng = RandomStreams(seed).stream("size/crash_sets/k" + std::to_string(k));
  std::set<std::vector<std::uint32_t>> drawn;
  std::vector<std::uint32_t> hosts(n);
  while (drawn.size() < sample) {
    for (std::size_t i = 0; i < n; ++i) hosts[i] = static_cast<std::uint32_t>(i);
    for (std::size_t i = 0; i < k; ++i) std::swap(hosts[i], hosts[i + static_cast<std::size_t>(rng.uniform_int(0, static_cast<std::int64_t>(n - i) - 1))]);
    std::vector<std::uint32_t> set(hosts.begin(), hosts.begin() + static_cast<std::ptrdiff_t>(k));
    std::sort(set.begin(), set.end());
    drawn.insert(std::move(set));
  }
  return {drawn.begin(), drawn.end()};
}

scenario::ScenarioSpec crash_scenario(const scenario::ScenarioSpec& base, const CrashRun& run,
                                      const SizeOptions& options) {
  scenario::ScenarioSpec spec = base;
  spec.faults.clear();
  spec.random_faults.clear();
  spec.expectations.clear();
  const std::vector<std::string> names = host_names(base);
  Duration at = options.crash_at;
  for (std::size_t i = 0; i < run.hosts.size(); ++i) {
    if (run.sequential && i > 0) at = at + options.spacing;
    scenario::FaultSpec fault;
    fault.at = at;
    fault.verb = scenario::FaultVerb::crash;
    fault.host = scenario::Ref{names.at(run.hosts[i]), {}};
    spec.faults.push_back(std::move(fault));
  }
  spec.until = at + options.settle;
  return spec;
}

RunResult run_crash(const scenario::ScenarioSpec& base, const std::string& file, const CrashRun& run,
                    const SizeOptions& options) {
  const scenario::ScenarioSpec spec = crash_scenario(base, run, options);
  scenario::BuildResult built = scenario::build_simulation(spec, file);
  if (!built.simulation) {
    std::string text;
    for (const scenario::Diagnostic& d : built.diagnostics) text += scenario::format_diagnostic(d) + "\n";
    throw std::runtime_error(text);
  }
  scenario::Simulation& sim = *built.simulation;
  std::vector<models::VmIndex> tracked;
  for (std::size_t v = 0; v < spec.pool.vms.size(); ++v) {
    if (scenario::protected_at_start(spec.pool.vms[v]) && !spec.pool.vms[v].host.name.empty()) {
      tracked.push_back(static_cast<models::VmIndex>(v));
    }
  }
  AllRunningWatch watch(sim.queue(), sim.pool(), tracked);
  sim.bus().subscribe(watch);
  const SimTime until = SimTime::zero() + spec.until;
  RunResult result;
  try {
    sim.run(until);
  } catch (const models::InvariantViolation&) {
    result.violated = true;
    return result;
  }
  for (const models::VmIndex v : tracked) {
    if (sim.pool().vm_state(v) != models::VmState::running) result.left_down.push_back(v);
  }
  result.restored = result.left_down.empty();
  const scenario::RunFigures figures = sim.outcome().figures(until);
  for (const scenario::ServiceFigures& f : figures.services) result.service_down_ns.push_back(f.downtime.ns());
  for (const scenario::VmFigures& f : figures.vms) result.vm_down_ns.push_back(f.downtime.ns());
  // Per crash: from the crash to the first instant after it where every tracked VM runs again.
  const std::vector<AllRunningWatch::Change>& changes = watch.changes();
  std::int64_t worst = 0;
  for (std::size_t f = 0; f < spec.faults.size(); ++f) {
    const SimTime crash = SimTime::zero() + spec.faults[f].at;
    // A VM going down after the next crash is that crash's.
    const SimTime next = f + 1 < spec.faults.size() ? SimTime::zero() + spec.faults[f + 1].at : until;
    bool down = false;  // the state just before the crash
    for (const auto& c : changes) {
      if (c.time < crash) down = !c.all_running;
    }
    std::optional<SimTime> down_at;
    if (down) down_at = crash;
    std::optional<SimTime> back;
    for (const auto& c : changes) {
      if (c.time < crash) continue;
      if (!down_at && !c.all_running && (c.time < next || next == crash)) down_at = c.time;
      if (down_at && c.all_running && c.time >= *down_at) {
        back = c.time;
        break;
      }
    }
    if (!down_at) continue;  // no tracked VM went down
    if (!back) {
      worst = -1;
      break;
    }
    worst = std::max(worst, (*back - crash).ns());
  }
  result.recovery_ns = worst;
  return result;
}

std::vector<RunResult> run_all(const scenario::ScenarioSpec& base, const std::string& file,
                               const std::vector<CrashRun>& runs, const SizeOptions& options,
                               const Progress& progress) {
  std::vector<RunResult> results(runs.size());
  const std::size_t jobs = std::max<std::size_t>(1, std::min<std::size_t>(options.jobs, runs.size()));
  if (jobs <= 1) {
    for (std::size_t i = 0; i < runs.size(); ++i) {
      results[i] = run_crash(base, file, runs[i], options);
      if (progress) progress(i + 1, runs.size());
    }
    return results;
  }
  // One process per crash run (the analysis layer's worker pool); results by index, whatever order they end in.
  std::vector<bool> have(runs.size(), false);
  std::size_t done = 0;
  bool failed = false;
  analysis::WorkerPool pool;
  pool.parallel = jobs;
  pool.job = [&](std::size_t i, int fd) {
    try {
      analysis::write_all(fd, to_line(i, run_crash(base, file, runs[i], options)));
      return 0;
    } catch (const std::exception& e) {
      analysis::write_all(STDERR_FILENO, std::string("poolsim size: a run failed: ") + e.what() + "\n");
      return 1;
    }
  };
  pool.done = [&](std::size_t i, analysis::JobExit exit) {
    if (!exit.ok() || !exit.output.ends_with('\n')) {
      failed = true;
      return;
    }
    auto [index, result] = from_line(exit.output.substr(0, exit.output.size() - 1));
    if (index != i || have[index]) throw std::runtime_error("a worker sent another run's result");
    results[index] = std::move(result);
    have[index] = true;
    ++done;
    if (progress) progress(done, runs.size());
  };
  pool.run(runs.size());
  if (failed || done != runs.size()) throw std::runtime_error("a worker failed; see the messages above");
  return results;
}


std::string_view to_token(DisagreementKind kind) {
  switch (kind) {
    case DisagreementKind::plan_not_carried_out:
      return "plan_not_carried_out";
    case DisagreementKind::planner_pessimistic:
      return "planner_pessimistic";
  }
  return "?";
}

SizeResult analyse(const scenario::ScenarioSpec& spec, const std::string& file, const SizeOptions& options,
                   const Progress& progress) {
  SizeResult r;
  r.scenario_name = spec.name;
  r.simulation_seed = spec.seed;
  r.options = options;
  r.hosts = host_names(spec);
  for (const scenario::ServiceSpec& service : spec.services) r.services.push_back(service.name);
  for (const scenario::VmSpec& vm : spec.pool.vms) {
    r.vms.push_back(vm.name);
    if (!scenario::protected_at_start(vm)) continue;
    ++r.protected_total;
    r.protected_memory += vm.memory;
    if (!vm.host.name.empty()) ++r.protected_running;
  }
  const std::uint64_t largest = scenario::largest_host_vm_memory(spec.pool);
  r.largest_host_vm_memory = largest;
  for (const scenario::VmSpec& vm : spec.pool.vms) {
    if (vm.ha.restart_priority == scenario::RestartPriority::restart && vm.memory > largest) {
      r.too_large.emplace_back(vm.name, vm.memory);
    }
  }
  const models::Planner planner(planner_input(spec));
  const std::size_t n = r.hosts.size();
  r.max_ntol = planner.max_host_failures_to_tolerate();
  r.ntol = static_cast<std::size_t>(std::max<std::int64_t>(0, spec.pool.ha.host_failures_to_tolerate));
  r.ntol_status = planner.plan_status(r.ntol);
  r.status.assign(n, models::PlanStatus::none);
  r.heuristic.assign(n, models::Heuristic::exhaustive);
  for (std::size_t k = 1; k < n; ++k) {
    r.status[k] = planner.plan_status(k);
    r.heuristic[k] = models::choose_heuristic(n, k);
  }

  // Every run: simultaneous k = 1..n-1, then sequential k = 1..min(n-1, max+1), the same sets.
  for (const bool sequential : {false, true}) {
    const std::size_t top = sequential ? std::min(n - 1, r.max_ntol + 1) : n - 1;
    for (std::size_t k = 1; k <= top && n > 1; ++k) {
      const auto sets = crash_sets(n, k, options.sample, options.seed);
      GroupResult g;
      g.sequential = sequential;
      g.k = k;
      g.planner = r.status[k];
      g.sets_total = choose(n, k);
      g.first = r.runs.size();
      g.count = sets.size();
      r.groups.push_back(std::move(g));
      for (const auto& set : sets) r.runs.push_back({set, sequential});
    }
  }
  r.results = run_all(spec, file, r.runs, options, progress);

  for (GroupResult& g : r.groups) {
    std::vector<std::int64_t> times;
    std::map<std::uint32_t, std::size_t> left;
    for (std::size_t i = g.first; i < g.first + g.count; ++i) {
      const RunResult& run = r.results[i];
      if (run.violated) {
        ++g.broke;
        continue;
      }
      if (run.restored) ++g.restored;
      if (run.restored && run.recovery_ns >= 0) times.push_back(run.recovery_ns);
      for (const std::uint32_t v : run.left_down) ++left[v];
      keep_worst(g.service_worst_ns, run.service_down_ns);
      keep_worst(g.vm_worst_ns, run.vm_down_ns);
    }
    std::sort(times.begin(), times.end());
    if (!times.empty()) {
      g.worst_ns = times.back();
      g.median_ns = times[(times.size() - 1) / 2];
    }
    g.left_down.assign(left.begin(), left.end());
    std::stable_sort(g.left_down.begin(), g.left_down.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });

    const std::string where = std::string(g.sequential ? "sequential" : "simultaneous") + " k=" + std::to_string(g.k);
    if (g.planner == models::PlanStatus::all_vms && g.restored < g.count) {
      r.disagreements.push_back({g.sequential, g.k, DisagreementKind::plan_not_carried_out,
                                 where + ": the planner has a plan (all_vms), but " +
                                     std::to_string(g.count - g.restored) + " of " + std::to_string(g.count) +
                                     " sets left a protected VM down or broke an invariant: a plan the simulation "
                                     "could not carry out"});
    }
    if (g.planner == models::PlanStatus::none && g.restored == g.count && g.count > 0) {
      r.disagreements.push_back({g.sequential, g.k, DisagreementKind::planner_pessimistic,
                                 where + ": the planner has no plan, but every " +
                                     std::string(g.sampled() ? "sampled " : "") +
                                     "set restored every protected VM: the planner is pessimistic here"});
    }
  }
  return r;
}

void print_report(const SizeResult& r, std::ostream& out) {
  const SizeOptions& options = r.options;
  out << "# poolsim size: " << r.scenario_name << ": " << r.hosts.size() << " hosts, " << r.protected_total
      << " protected VMs (" << r.protected_running << " running at 0s, " << scenario::format_size(r.protected_memory)
      << "), simulation seed " << r.simulation_seed << ", sample " << options.sample << " sets per k, sample seed "
      << options.seed << "\n";
  // A protected VM no host can hold (the loader warns too): never started, so never restored, whatever k is.
  for (const auto& [name, memory] : r.too_large) {
    out << "warning: VM " << name << " (restart priority restart, " << scenario::format_size(memory)
        << ") fits no host: the largest has " << scenario::format_size(r.largest_host_vm_memory)
        << " for VMs; it can never start, so no number of host failures leaves it running\n";
  }
  out << "planner: max host failures to tolerate " << r.max_ntol << "; ntol " << r.ntol << ": plan status "
      << models::to_token(r.ntol_status) << "\n";
  for (std::size_t k = 1; k < r.hosts.size(); ++k) {
    out << "planner: k=" << k << " " << models::to_token(r.status[k]) << " (" << models::to_token(r.heuristic[k])
        << ")\n";
  }
  for (const bool sequential : {false, true}) {
    out << "\n"
        << (sequential ? "sequential crashes: one host at " + format_duration(options.crash_at) + ", the next " +
                             format_duration(options.spacing) + " after, up to k = max + 1; horizon last crash + " +
                             format_duration(options.settle)
                       : "simultaneous crashes: k hosts at " + format_duration(options.crash_at) +
                             "; horizon crash + " + format_duration(options.settle))
        << "\n";
    // The sets column is 12 wide, wider when "N of C(n, k)" needs it (C(24, 12) has 7 digits).
    const auto sets_text = [](const GroupResult& g) {
      return std::to_string(g.count) + (g.sampled() ? " of " + std::to_string(g.sets_total) : std::string{});
    };
    std::size_t sets_width = 12;
    for (const GroupResult& g : r.groups) sets_width = std::max(sets_width, sets_text(g).size() + 1);
    out << "k   planner               " << pad("sets", sets_width)
        << "restored  broke  worst      median     most often left down\n";
    for (const GroupResult& g : r.groups) {
      if (g.sequential != sequential) continue;
      std::string left_text;
      for (std::size_t i = 0; i < g.left_down.size() && i < 3; ++i) {
        if (i) left_text += ", ";
        left_text += r.vms[g.left_down[i].first] + " x" + std::to_string(g.left_down[i].second);
      }
      if (g.left_down.size() > 3) left_text += ", ...";
      if (left_text.empty()) left_text = "-";
      out << pad(std::to_string(g.k), 4) << pad(std::string(models::to_token(g.planner)), 22)
          << pad(sets_text(g), sets_width)
          << pad(std::to_string(g.restored), 10) << pad(std::to_string(g.broke), 7)
          << pad(g.worst_ns ? seconds_text(*g.worst_ns) : "-", 11)
          << pad(g.median_ns ? seconds_text(*g.median_ns) : "-", 11) << left_text << "\n";
    }
  }
  // Per row, the VMs down longest and the services' worst outage: lines that do not start with a digit, so that
  // the tables above read as they did.
  const auto rows = [&](const std::function<std::string(const GroupResult&)>& text) {
    for (const bool sequential : {false, true}) {
      for (const GroupResult& g : r.groups) {
        if (g.sequential == sequential) {
          out << "  " << (sequential ? "sequential" : "simultaneous") << " k=" << g.k << ": " << text(g) << "\n";
        }
      }
    }
  };
  out << "\nVMs down longest in one run (the three worst of each row; runs that broke an invariant left out):\n";
  rows([&](const GroupResult& g) {
    std::vector<std::size_t> order;
    for (std::size_t v = 0; v < g.vm_worst_ns.size(); ++v) {
      if (g.vm_worst_ns[v] > 0) order.push_back(v);
    }
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return g.vm_worst_ns[a] > g.vm_worst_ns[b]; });
    std::string text;
    for (std::size_t i = 0; i < order.size() && i < 3; ++i) {
      text += (i ? ", " : "") + r.vms[order[i]] + " " + seconds_text(g.vm_worst_ns[order[i]]);
    }
    if (order.size() > 3) text += ", ...";
    return text.empty() ? std::string("-") : text;
  });
  if (!r.services.empty()) {
    out << "\nservices, worst time unavailable in one run:\n";
    rows([&](const GroupResult& g) {
      std::string text;
      for (std::size_t i = 0; i < r.services.size(); ++i) {
        text += (i ? ", " : "") + r.services[i] + " " +
                (i < g.service_worst_ns.size() ? seconds_text(g.service_worst_ns[i]) : std::string("-"));
      }
      return text;
    });
  }
  out << "\ndisagreements: " << r.disagreements.size() << "\n";
  for (const Disagreement& d : r.disagreements) out << "  " << d.message << "\n";
}

void write_size_h5(const SizeResult& r, const std::filesystem::path& path, const std::string& scenario_yaml) {
  const auto seconds = [](std::int64_t ns) { return static_cast<double>(ns) / 1e9; };
  const auto mode = [](bool sequential) { return std::string(sequential ? "sequential" : "simultaneous"); };
  const double nan = std::numeric_limits<double>::quiet_NaN();

  std::vector<Hdf5Attribute> attributes{
      {"kind", std::string("size")},
      {"scenario_name", r.scenario_name},
      {"scenario_yaml", scenario_yaml},
      {"seed", r.simulation_seed},
      {"sample", std::uint64_t{r.options.sample}},
      {"sample_seed", r.options.seed},
      {"host_count", std::uint64_t{r.hosts.size()}},
      {"protected_vms", std::uint64_t{r.protected_total}},
      {"protected_running", std::uint64_t{r.protected_running}},
      {"protected_memory_bytes", r.protected_memory},
      {"max_host_failures_to_tolerate", std::uint64_t{r.max_ntol}},
      {"ntol", std::uint64_t{r.ntol}},
      {"plan_status", std::string(models::to_token(r.ntol_status))},
      {"crash_at_s", seconds(r.options.crash_at.ns())},
      {"spacing_s", seconds(r.options.spacing.ns())},
      {"settle_s", seconds(r.options.settle.ns())},
      {"disagreements", std::uint64_t{r.disagreements.size()}},
  };

  std::vector<std::uint64_t> planner_k;
  std::vector<std::string> planner_status, planner_heuristic;
  for (std::size_t k = 1; k < r.hosts.size(); ++k) {
    planner_k.push_back(k);
    planner_status.emplace_back(models::to_token(r.status[k]));
    planner_heuristic.emplace_back(models::to_token(r.heuristic[k]));
  }

  std::vector<std::string> g_mode, g_planner, g_left, g_disagreement;
  std::vector<std::uint64_t> g_k, g_total, g_run, g_sampled, g_restored, g_broke;
  std::vector<double> g_fraction, g_worst, g_median;
  std::vector<std::string> l_mode, l_vm;
  std::vector<std::uint64_t> l_k, l_runs;
  std::vector<std::string> s_mode, s_hosts, s_left;
  std::vector<std::uint64_t> s_k, s_violated, s_restored;
  std::vector<double> s_recovery;
  for (const GroupResult& g : r.groups) {
    g_mode.push_back(mode(g.sequential));
    g_k.push_back(g.k);
    g_planner.emplace_back(models::to_token(g.planner));
    g_total.push_back(g.sets_total);
    g_run.push_back(g.count);
    g_sampled.push_back(g.sampled() ? 1 : 0);
    g_restored.push_back(g.restored);
    g_broke.push_back(g.broke);
    g_fraction.push_back(g.count > 0 ? static_cast<double>(g.restored) / static_cast<double>(g.count) : nan);
    g_worst.push_back(g.worst_ns ? seconds(*g.worst_ns) : nan);
    g_median.push_back(g.median_ns ? seconds(*g.median_ns) : nan);
    std::string left_text;
    for (const auto& [v, runs] : g.left_down) {
      left_text += (left_text.empty() ? "" : " ") + r.vms[v] + "=" + std::to_string(runs);
      l_mode.push_back(mode(g.sequential));
      l_k.push_back(g.k);
      l_vm.push_back(r.vms[v]);
      l_runs.push_back(runs);
    }
    g_left.push_back(std::move(left_text));
    std::string disagreement;
    for (const Disagreement& d : r.disagreements) {
      if (d.sequential == g.sequential && d.k == g.k) disagreement = std::string(to_token(d.kind));
    }
    g_disagreement.push_back(std::move(disagreement));
    for (std::size_t i = g.first; i < g.first + g.count; ++i) {
      const RunResult& run = r.results[i];
      std::string hosts, left;
      for (const std::uint32_t h : r.runs[i].hosts) hosts += (hosts.empty() ? "" : " ") + r.hosts[h];
      for (const std::uint32_t v : run.left_down) left += (left.empty() ? "" : " ") + r.vms[v];
      s_mode.push_back(mode(g.sequential));
      s_k.push_back(g.k);
      s_hosts.push_back(std::move(hosts));
      s_violated.push_back(run.violated ? 1 : 0);
      s_restored.push_back(run.restored ? 1 : 0);
      s_recovery.push_back(!run.violated && run.recovery_ns >= 0 ? seconds(run.recovery_ns) : nan);
      s_left.push_back(std::move(left));
    }
  }
  // The VMs' and the services' worst downtime of one run, per row (the report's sections after the tables).
  std::vector<std::string> w_mode, w_vm, sv_mode, sv_name;
  std::vector<std::uint64_t> w_k, sv_k;
  std::vector<double> w_worst, sv_worst;
  for (const bool sequential : {false, true}) {
    for (const GroupResult& g : r.groups) {
      if (g.sequential != sequential) continue;
      for (std::size_t v = 0; v < g.vm_worst_ns.size(); ++v) {
        if (g.vm_worst_ns[v] <= 0) continue;
        w_mode.push_back(mode(sequential));
        w_k.push_back(g.k);
        w_vm.push_back(r.vms[v]);
        w_worst.push_back(seconds(g.vm_worst_ns[v]));
      }
      for (std::size_t i = 0; i < r.services.size(); ++i) {
        sv_mode.push_back(mode(sequential));
        sv_k.push_back(g.k);
        sv_name.push_back(r.services[i]);
        sv_worst.push_back(i < g.service_worst_ns.size() ? seconds(g.service_worst_ns[i]) : nan);
      }
    }
  }
  std::vector<std::string> d_mode, d_kind, d_message;
  std::vector<std::uint64_t> d_k;
  for (const Disagreement& d : r.disagreements) {
    d_mode.push_back(mode(d.sequential));
    d_k.push_back(d.k);
    d_kind.emplace_back(to_token(d.kind));
    d_message.push_back(d.message);
  }

  std::vector<Hdf5Table> tables{
      {"planner", {{"k", planner_k}, {"plan_status", planner_status}, {"heuristic", planner_heuristic}}},
      {"by_k",
       {{"mode", g_mode},
        {"k", g_k},
        {"planner", g_planner},
        {"sets_total", g_total},
        {"sets_run", g_run},
        {"sampled", g_sampled},
        {"restored", g_restored},
        {"broke", g_broke},
        {"restored_fraction", g_fraction},
        {"worst_s", g_worst},
        {"median_s", g_median},
        {"left_down", g_left},
        {"disagreement", g_disagreement}}},
      {"left_down", {{"mode", l_mode}, {"k", l_k}, {"vm", l_vm}, {"runs", l_runs}}},
      {"sets",
       {{"mode", s_mode},
        {"k", s_k},
        {"hosts", s_hosts},
        {"violated", s_violated},
        {"restored", s_restored},
        {"recovery_s", s_recovery},
        {"left_down", s_left}}},
      {"disagreements", {{"mode", d_mode}, {"k", d_k}, {"kind", d_kind}, {"message", d_message}}},
      {"vm_worst", {{"mode", w_mode}, {"k", w_k}, {"vm", w_vm}, {"worst_downtime_s", w_worst}}},
  };
  // Only with services: a scenario without any keeps the file's layout.
  if (!r.services.empty()) {
    tables.push_back({"services", {{"mode", sv_mode}, {"k", sv_k}, {"service", sv_name}, {"worst_downtime_s", sv_worst}}});
  }
  write_hdf5_tables(path, attributes, tables);
}

std::size_t size_report(const scenario::ScenarioSpec& spec, const std::string& file, const SizeOptions& options,
                        std::ostream& out, const Progress& progress) {
  const SizeResult result = analyse(spec, file, options, progress);
  print_report(result, out);
  return result.disagreements.size();
}

}  // namespace poolsim::sizing
