#include "size/size_analysis.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <map>
#include <numeric>
#include <set>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include "poolsim/kernel/event_bus.hpp"
#include "poolsim/kernel/event_queue.hpp"
#include "poolsim/models/pool.hpp"
#include "poolsim/scenario/build.hpp"
#include "poolsim/scenario/size.hpp"

namespace poolsim::sizing {

namespace {

bool is_protected(const scenario::VmSpec& vm) {
  return vm.ha.restart_priority == scenario::RestartPriority::restart;
}

// Agility exactly as the builder computes it (sim/scenario/build.cpp, SimulationBuilder::agile; MODEL.md §2):
// every disk on a shared SR, every network shared and mapped by every host, no CD in the drive.
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

// splitmix64: a small generator whose sequence is the same on every platform (unlike std distributions).
struct SplitMix {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, bound), bound > 0, by rejection.
  std::uint64_t below(std::uint64_t bound) {
    const std::uint64_t limit = ~std::uint64_t{0} - (~std::uint64_t{0} % bound);
    for (;;) {
      const std::uint64_t x = next();
      if (x < limit) return x % bound;
    }
  }
};

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

void write_all(int fd, std::string_view rest) {
  while (!rest.empty()) {
    const ssize_t n = ::write(fd, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return;
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
}

std::string to_line(std::size_t index, const RunResult& r) {
  std::string line = std::to_string(index) + ' ' + (r.violated ? '1' : '0') + ' ' + (r.restored ? '1' : '0') + ' ' +
                     std::to_string(r.recovery_ns) + ' ' + std::to_string(r.left_down.size());
  for (const std::uint32_t v : r.left_down) line += ' ' + std::to_string(v);
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
  return {index, r};
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

std::optional<std::string> apply_what_if(scenario::ScenarioSpec& spec, const WhatIf& what_if) {
  std::vector<scenario::HostSpec>& hosts = spec.pool.hosts;
  for (const std::string& name : what_if.remove_hosts) {
    const auto it =
        std::find_if(hosts.begin(), hosts.end(), [&](const scenario::HostSpec& h) { return h.name == name; });
    if (it == hosts.end()) return "--remove-host: no host named '" + name + "' in the scenario";
    if (hosts.size() == 1) return "--remove-host: '" + name + "' is the last host; a pool needs one";
    for (const scenario::StorageSpec& sr : spec.pool.storage) {
      if (sr.type == scenario::StorageType::local && sr.host.name == name) {
        return "--remove-host: host '" + name + "' has the local SR '" + sr.name + "'; it cannot be removed";
      }
    }
    const bool was_master = it->master;
    hosts.erase(it);
    if (was_master) hosts.front().master = true;
    for (scenario::VmSpec& vm : spec.pool.vms) {
      if (vm.host.name == name) vm.host = scenario::Ref{};
    }
  }
  std::size_t added = 0;
  for (const std::uint64_t memory : what_if.add_hosts) {
    if (memory == 0) return "--add-host: a host needs memory, e.g. '--add-host 64GiB'";
    scenario::HostSpec host = hosts.back();
    std::string name;
    do {
      name = "added-" + std::to_string(++added);
    } while (std::any_of(hosts.begin(), hosts.end(), [&](const scenario::HostSpec& h) { return h.name == name; }));
    host.name = name;
    host.uuid.clear();
    host.master = false;
    host.memory = memory;
    hosts.push_back(std::move(host));
  }
  if (what_if.ntol) {
    if (*what_if.ntol < 0) return "--ntol: a number of host failures is 0 or more";
    spec.pool.ha.host_failures_to_tolerate = *what_if.ntol;
  }
  return std::nullopt;
}

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
    input.hosts.push_back({host.memory, 0, true});
  }
  for (const scenario::VmSpec& vm : spec.pool.vms) {
    models::PlannerVm v;
    v.memory = vm.memory;
    if (!vm.host.name.empty()) v.host = rank.at(vm.host.name);
    v.is_protected = is_protected(vm);
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
  SplitMix rng{seed ^ (0x5a17e5ULL * (k + 1))};
  std::set<std::vector<std::uint32_t>> drawn;
  std::vector<std::uint32_t> hosts(n);
  while (drawn.size() < sample) {
    for (std::size_t i = 0; i < n; ++i) hosts[i] = static_cast<std::uint32_t>(i);
    for (std::size_t i = 0; i < k; ++i) std::swap(hosts[i], hosts[i + rng.below(n - i)]);
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
    if (is_protected(spec.pool.vms[v]) && !spec.pool.vms[v].host.name.empty()) {
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
                               void (*progress)(std::size_t done, std::size_t total)) {
  std::vector<RunResult> results(runs.size());
  const std::size_t jobs = std::max<std::size_t>(1, std::min<std::size_t>(options.jobs, runs.size()));
  if (jobs <= 1) {
    for (std::size_t i = 0; i < runs.size(); ++i) {
      results[i] = run_crash(base, file, runs[i], options);
      if (progress) progress(i + 1, runs.size());
    }
    return results;
  }
  struct Worker {
    pid_t pid;
    int fd;
    std::string buffer;
    bool open = true;
  };
  std::vector<Worker> workers;
  const pid_t parent = ::getpid();
  for (std::size_t w = 0; w < jobs; ++w) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("cannot create a pipe for a worker");
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("cannot start a worker process");
    if (pid == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // a killed size run takes its workers with it
      if (::getppid() != parent) ::_exit(1);
      ::close(fds[0]);
      int status = 0;
      try {
        for (std::size_t i = w; i < runs.size(); i += jobs) {
          write_all(fds[1], to_line(i, run_crash(base, file, runs[i], options)));
        }
      } catch (const std::exception& e) {
        const std::string text = std::string("poolsim size: a run failed: ") + e.what() + "\n";
        write_all(STDERR_FILENO, text);
        status = 1;
      }
      ::_exit(status);  // no atexit handlers or flushes of the parent's buffers in the worker
    }
    ::close(fds[1]);
    workers.push_back(Worker{pid, fds[0], {}, true});
  }
  std::vector<bool> have(runs.size(), false);
  std::size_t done = 0;
  std::size_t open = workers.size();
  while (open > 0) {
    std::vector<pollfd> fds;
    std::vector<std::size_t> which;
    for (std::size_t w = 0; w < workers.size(); ++w) {
      if (!workers[w].open) continue;
      fds.push_back(pollfd{workers[w].fd, POLLIN, 0});
      which.push_back(w);
    }
    if (::poll(fds.data(), fds.size(), 200) < 0 && errno != EINTR) throw std::runtime_error("poll failed");
    for (std::size_t f = 0; f < fds.size(); ++f) {
      if (!(fds[f].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      Worker& worker = workers[which[f]];
      char buf[4096];
      const ssize_t n = ::read(worker.fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        ::close(worker.fd);
        worker.open = false;
        --open;
        continue;
      }
      worker.buffer.append(buf, static_cast<std::size_t>(n));
      std::size_t end;
      while ((end = worker.buffer.find('\n')) != std::string::npos) {
        auto [index, result] = from_line(worker.buffer.substr(0, end));
        worker.buffer.erase(0, end + 1);
        if (index >= runs.size() || have[index]) throw std::runtime_error("a worker sent a result twice");
        results[index] = std::move(result);
        have[index] = true;
        ++done;
        if (progress) progress(done, runs.size());
      }
    }
  }
  bool failed = false;
  for (const Worker& worker : workers) {
    int status = 0;
    while (::waitpid(worker.pid, &status, 0) < 0 && errno == EINTR) {
    }
    failed = failed || !WIFEXITED(status) || WEXITSTATUS(status) != 0;
  }
  if (failed || done != runs.size()) throw std::runtime_error("a worker failed; see the messages above");
  return results;
}

std::size_t size_report(const scenario::ScenarioSpec& spec, const std::string& file, const SizeOptions& options,
                        std::ostream& out, void (*progress)(std::size_t done, std::size_t total)) {
  const models::Planner planner(planner_input(spec));
  const std::vector<std::string> names = host_names(spec);
  const std::size_t n = names.size();
  const std::size_t max = planner.max_host_failures_to_tolerate();
  const auto ntol = static_cast<std::size_t>(std::max<std::int64_t>(0, spec.pool.ha.host_failures_to_tolerate));
  std::size_t protected_running = 0, protected_total = 0;
  std::uint64_t memory = 0;
  for (const scenario::VmSpec& vm : spec.pool.vms) {
    if (!is_protected(vm)) continue;
    ++protected_total;
    memory += vm.memory;
    if (!vm.host.name.empty()) ++protected_running;
  }
  out << "# poolsim size: " << spec.name << ": " << n << " hosts, " << protected_total << " protected VMs ("
      << protected_running << " running at 0s, " << scenario::format_size(memory) << "), simulation seed " << spec.seed
      << ", sample " << options.sample << " sets per k, sample seed " << options.seed << "\n";
  out << "planner: max host failures to tolerate " << max << "; ntol " << ntol << ": plan status "
      << models::to_token(planner.plan_status(ntol)) << "\n";
  std::vector<models::PlanStatus> status(n, models::PlanStatus::none);
  for (std::size_t k = 1; k < n; ++k) {
    status[k] = planner.plan_status(k);
    out << "planner: k=" << k << " " << models::to_token(status[k]) << " ("
        << models::to_token(models::choose_heuristic(n, k)) << ")\n";
  }

  // Every run: simultaneous k = 1..n-1, then sequential k = 1..min(n-1, max+1), the same sets.
  std::vector<CrashRun> runs;
  struct Group {
    bool sequential;
    std::size_t k;
    std::uint64_t all;
    std::size_t first, count;
  };
  std::vector<Group> groups;
  for (const bool sequential : {false, true}) {
    const std::size_t top = sequential ? std::min(n - 1, max + 1) : n - 1;
    for (std::size_t k = 1; k <= top && n > 1; ++k) {
      const auto sets = crash_sets(n, k, options.sample, options.seed);
      groups.push_back({sequential, k, choose(n, k), runs.size(), sets.size()});
      for (const auto& set : sets) runs.push_back({set, sequential});
    }
  }
  const std::vector<RunResult> results = run_all(spec, file, runs, options, progress);

  std::vector<std::string> disagreements;
  for (const bool sequential : {false, true}) {
    out << "\n"
        << (sequential ? "sequential crashes: one host at " + format_duration(options.crash_at) + ", the next " +
                             format_duration(options.spacing) + " after, up to k = max + 1; horizon last crash + " +
                             format_duration(options.settle)
                       : "simultaneous crashes: k hosts at " + format_duration(options.crash_at) +
                             "; horizon crash + " + format_duration(options.settle))
        << "\n";
    out << "k   planner               sets        restored  broke  worst      median     most often left down\n";
    for (const Group& g : groups) {
      if (g.sequential != sequential) continue;
      std::size_t restored = 0, broke = 0;
      std::vector<std::int64_t> times;
      std::map<std::uint32_t, std::size_t> left;
      for (std::size_t i = g.first; i < g.first + g.count; ++i) {
        const RunResult& r = results[i];
        if (r.violated) {
          ++broke;
          continue;
        }
        if (r.restored) ++restored;
        if (r.restored && r.recovery_ns >= 0) times.push_back(r.recovery_ns);
        for (const std::uint32_t v : r.left_down) ++left[v];
      }
      std::sort(times.begin(), times.end());
      std::vector<std::pair<std::size_t, std::uint32_t>> often;
      for (const auto& [v, count] : left) often.emplace_back(count, v);
      std::stable_sort(often.begin(), often.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
      std::string left_text;
      for (std::size_t i = 0; i < often.size() && i < 3; ++i) {
        if (i) left_text += ", ";
        left_text += spec.pool.vms[often[i].second].name + " x" + std::to_string(often[i].first);
      }
      if (often.size() > 3) left_text += ", ...";
      if (left_text.empty()) left_text = "-";
      const bool sampled = g.all > g.count;
      const std::string sets_text =
          std::to_string(g.count) + (sampled ? " of " + std::to_string(g.all) : std::string{});
      const std::string planner_text = std::string(models::to_token(status[g.k]));
      out << pad(std::to_string(g.k), 4) << pad(planner_text, 22) << pad(sets_text, 12)
          << pad(std::to_string(restored), 10) << pad(std::to_string(broke), 7)
          << pad(times.empty() ? "-" : seconds_text(times.back()), 11)
          << pad(times.empty() ? "-" : seconds_text(times[(times.size() - 1) / 2]), 11) << left_text << "\n";
      const std::string where = std::string(sequential ? "sequential" : "simultaneous") + " k=" + std::to_string(g.k);
      if (status[g.k] == models::PlanStatus::all_vms && restored < g.count) {
        disagreements.push_back(where + ": the planner has a plan (all_vms), but " +
                                std::to_string(g.count - restored) + " of " + std::to_string(g.count) +
                                " sets left a protected VM down or broke an invariant: a plan the simulation could "
                                "not carry out");
      }
      if (status[g.k] == models::PlanStatus::none && restored == g.count && g.count > 0) {
        disagreements.push_back(where + ": the planner has no plan, but every " +
                                std::string(sampled ? "sampled " : "") + "set restored every protected VM: "
                                "the planner is pessimistic here");
      }
    }
  }
  out << "\ndisagreements: " << disagreements.size() << "\n";
  for (const std::string& d : disagreements) out << "  " << d << "\n";
  return disagreements.size();
}

}  // namespace poolsim::sizing
