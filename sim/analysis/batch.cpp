#include "poolsim/analysis/batch.hpp"
#include "poolsim/analysis/workers.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <functional>
#include <iomanip>
#include <ostream>
#include <sstream>
#include <stdexcept>

#include "poolsim/analysis/run_one.hpp"
#include "poolsim/analysis/stats.hpp"
#include "poolsim/recording/output_file.hpp"
#include "poolsim/scenario/build.hpp"
#include "poolsim/scenario/what_if.hpp"
#include "poolsim/version.hpp"

namespace poolsim::batch {

namespace {

// A confidence bound clamped to what the quantity can be; an unknown (NaN) bound stays unknown.
double at_least(double bound, double floor) { return std::isnan(bound) ? bound : std::max(floor, bound); }
double at_most(double bound, double ceiling) { return std::isnan(bound) ? bound : std::min(ceiling, bound); }
// The mean of per-run availabilities with its interval, the bounds clamped to [0, 1].
Interval availability_interval(const std::vector<double>& per_run) {
  Interval i = mean_interval(per_run);
  i.low = at_least(i.low, 0.0);
  i.high = at_most(i.high, 1.0);
  return i;
}

constexpr double seconds_per_year = 365.0 * 86400.0;

struct Job {
  std::size_t scenario;
  std::uint64_t seed;
};

RunRecord to_record(const BatchScenario& s, std::uint64_t seed, const RunOutcome& o) {
  RunRecord r;
  r.scenario = s.spec.name;
  r.scenario_hash = s.hash;
  r.seed = seed;
  r.exit_status = static_cast<std::uint64_t>(o.exit_status);
  r.invariant_violated = o.invariant_violated;
  r.invariant_message = o.invariant_message;
  r.end_ns = o.end.ns();
  r.expectations = o.expectations;
  r.failed_expectations = o.failed_expectations;
  r.master_changes = o.figures.master_changes;
  for (const scenario::VmFigures& v : o.figures.vms) {
    r.vm_downtime_ns.push_back(v.downtime.ns());
    r.vm_restarts.push_back(v.restarts);
    r.vm_running_at_end.push_back(v.running_at_end ? 1 : 0);
  }
  r.host_fences = o.figures.host_fences;
  r.pool_services_down_ns = o.pool_services_down.ns();
  for (const scenario::ServiceFigures& f : o.figures.services) r.service_downtime_ns.push_back(f.downtime.ns());
  return r;
}

// A worker's exit status when a file of its run (its kept timeline) could not be written.
constexpr int worker_write_error = 2;

// In the worker process: one run, its journal line written to `fd`, its HDF5 timeline (with --keep-timelines) in
// `timelines`; returns the process's exit status.
int work(const BatchOptions& options, const Job& job, const std::filesystem::path& timelines, int fd) {
  int status = 0;
  try {
    const BatchScenario& s = options.scenarios[job.scenario];
    scenario::ScenarioSpec spec = s.spec;
    spec.seed = job.seed;
    std::optional<std::filesystem::path> h5;
    if (options.keep_timelines) h5 = timelines / (run_id(spec.name, job.seed) + ".h5");
    analysis::write_all(fd, to_journal_line(to_record(s, job.seed, run_one(spec, s.file, s.yaml, h5, options.build))));
  } catch (const OutputError& e) {
    analysis::write_all(STDERR_FILENO, std::string("poolsim batch: a run failed: ") + e.what() + "\n");
    status = worker_write_error;
  } catch (const std::exception& e) {
    analysis::write_all(STDERR_FILENO, std::string("poolsim batch: a run failed: ") + e.what() + "\n");
    status = 1;
  }
  return status;
}

// Runs `jobs` in up to options.jobs worker processes at once, their timelines (with --keep-timelines) in
// `timelines`. `done` hears of each run as it ends: its record, or none, why it was lost and whether it was a file
// that could not be written (a full disk: the batch exits 2 then). `more` is asked
// between two polls of the workers (at most `tick_ms` apart) and keeps the loop going, once every job has ended,
// while it answers true: rank 0 waits there for the other ranks.
void run_jobs(const BatchOptions& options, std::deque<Job> jobs, const std::filesystem::path& timelines, int tick_ms,
              const std::function<void(const Job&, std::optional<RunRecord>, const std::string&, bool)>& done,
              const std::function<bool()>& more) {
  const std::vector<Job> list(jobs.begin(), jobs.end());
  analysis::WorkerPool pool;
  pool.parallel = std::max(1U, options.jobs);
  pool.tick_ms = tick_ms;
  pool.job = [&](std::size_t i, int fd) { return work(options, list[i], timelines, fd); };
  pool.more = more;
  pool.done = [&](std::size_t i, analysis::JobExit exit) {
    const Job& job = list[i];
    std::optional<RunRecord> record;
    if (exit.ok() && exit.output.ends_with('\n')) {
      record = from_journal_line(std::string_view(exit.output).substr(0, exit.output.size() - 1));
    }
    std::string why;
    const bool write_error = exit.exited && exit.status == worker_write_error;
    if (!record) {
      const BatchScenario& s = options.scenarios[job.scenario];
      why = "run " + run_id(s.spec.name, job.seed) + " of " + s.file +
            (write_error ? " could not write its timeline (above)" : " gave no result") +
            (exit.signal != 0 ? " (killed by signal " + std::to_string(exit.signal) + ")" : "");
    }
    done(job, std::move(record), why, write_error && !record);
  };
  pool.run(list.size());
}

// Run `position` of the batch order: scenario position / runs, seed seed_base + position % runs.
Job job_at(const BatchOptions& options, std::uint64_t position) {
  return {static_cast<std::size_t>(position / options.runs), options.seed_base + position % options.runs};
}

// This rank's share of the missing runs: those at list positions i with i mod K = rank.
std::deque<Job> share_of(const BatchOptions& options, const std::vector<std::uint64_t>& missing, unsigned rank,
                         unsigned size) {
  std::deque<Job> out;
  for (std::size_t i = rank; i < missing.size(); i += size) out.push_back(job_at(options, missing[i]));
  return out;
}

// Writes `bytes` to `path` through a temporary file renamed over it: whole or absent.
void write_file_whole(const std::filesystem::path& path, const std::string& bytes) {
  TemporaryFile tmp(path, "cannot write '" + path.string() + "': ");
  if (const int error = tmp.write_all(bytes)) tmp.fail(error);
  tmp.commit();
}

// The temporaries left in OUT.runs/ by workers of a batch that was killed: only this batch, which holds the lock
// on OUT, writes there.
void remove_stale_temporaries(const std::filesystem::path& dir) {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    const std::string name = entry.path().filename().string();
    const std::size_t at = name.find(".h5.tmp");
    std::error_code ignored;
    if (at != std::string::npos && is_temporary_of(name, name.substr(0, at + 3)) && entry.is_regular_file(ignored)) {
      std::filesystem::remove(entry.path(), ignored);
    }
  }
}

// A rank other than 0: runs its share, sends each result to rank 0 as it comes, then waits for rank 0's verdict.
BatchReport run_share(const BatchOptions& options, Ranks& ranks) {
  BatchReport report;
  const std::optional<std::vector<std::uint64_t>> missing = ranks.share(std::nullopt);
  if (!missing) {  // rank 0 could not open the journal and says why
    report.exit_status = 1;
    return report;
  }
  try {
    const std::deque<Job> mine = share_of(options, *missing, ranks.rank(), ranks.size());
    report.total = mine.size();
    // Its timelines wait in a directory of its own until sent: rank 0 writes them under OUT.runs/ (a shared file
    // system or not).
    std::filesystem::path timelines;
    if (options.keep_timelines) {
      // mkdtemp replaces the template's last six characters, which must be X, by a unique name.
      std::string pattern =
          (std::filesystem::temp_directory_path() / ("poolsim-batch-rank-" + std::string(6, 'X'))).string();
      if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("cannot create the temporary directory " + pattern + ": " + std::strerror(errno) +
                                 "; set TMPDIR to a writable directory");
      }
      timelines = pattern;
    }
    run_jobs(
        options, mine, timelines, 200,
        [&](const Job& job, std::optional<RunRecord> record, const std::string& why, bool) {
          if (!record) {
            ++report.lost;
            ranks.send({RankMessage::Kind::lost, why, {}});
            return;
          }
          RankMessage m{RankMessage::Kind::result, to_journal_line(*record), {}};
          if (options.keep_timelines) {
            const std::filesystem::path h5 =
                timelines / (run_id(options.scenarios[job.scenario].spec.name, job.seed) + ".h5");
            m.timeline = read_text_file(h5);
            std::filesystem::remove(h5);
          }
          ranks.send(m);
          ++report.ran;
        },
        [] { return false; });
    ranks.send({RankMessage::Kind::done, {}, {}});
    if (!timelines.empty()) std::filesystem::remove_all(timelines);
  } catch (const std::exception& e) {
    ranks.abort("poolsim batch: rank " + std::to_string(ranks.rank()) + ": " + e.what());
  }
  report.exit_status = ranks.agree(0);
  return report;
}

Hdf5Column text_column(std::string name, std::vector<std::string> values) { return {std::move(name), std::move(values)}; }
Hdf5Column count_column(std::string name, std::vector<std::uint64_t> values) { return {std::move(name), std::move(values)}; }
Hdf5Column real_column(std::string name, std::vector<double> values) { return {std::move(name), std::move(values)}; }

double seconds(std::int64_t ns) { return static_cast<double>(ns) / 1e9; }

}  // namespace

std::filesystem::path journal_path(const std::filesystem::path& out) {
  std::filesystem::path p = out;
  p += ".journal";
  return p;
}

std::filesystem::path timelines_dir(const std::filesystem::path& out) {
  std::filesystem::path p = out;
  p += ".runs";
  return p;
}

std::string run_id(const std::string& scenario, std::uint64_t seed) { return scenario + "@" + std::to_string(seed); }

BatchTables batch_tables(const BatchOptions& options, const std::map<Journal::Key, RunRecord>& records) {
  BatchTables out;
  out.attributes = {{"kind", std::string("batch")},
                    {"runs_per_scenario", options.runs},
                    {"seed_base", options.seed_base},
                    {"confidence", 0.95},
                    {"availability_interval", std::string("normal approximation: mean +- 1.96 s / sqrt(n)")},
                    {"probability_interval", std::string("Wilson score")}};
  // /runs/summary, /runs/vms, /runs/hosts: one row per run, per (run, VM), per (run, host).
  std::vector<std::string> id, scen, inv, inv_msg;
  std::vector<std::uint64_t> seed, exit_status, expectations, failed, masters, fences, restarts, all_back;
  std::vector<double> end_s, protected_down, services_down, services_avail;
  std::vector<std::string> v_id, v_scen, v_name, h_id, h_scen, h_name;
  std::vector<std::uint64_t> v_seed, v_protected, v_restarts, v_running, h_seed, h_fences;
  std::vector<double> v_down;
  // /aggregate/scenarios and /aggregate/vms.
  std::vector<std::string> a_scen, a_file, a_what_if, a_yaml, av_scen, av_vm;
  std::vector<std::uint64_t> a_runs, a_failed, a_violations, a_back, av_runs;
  std::vector<double> a_until, a_p, a_p_low, a_p_high, a_fences, a_masters;
  std::vector<double> av_avail, av_low, av_high, av_dpy, av_dpy_low, av_dpy_high, av_restarts;
  std::vector<double> a_svc, a_svc_low, a_svc_high, a_svc_dpy, a_svc_dpy_low, a_svc_dpy_high;
  // /runs/services and /aggregate/services: the scenarios' own services, when one has some.
  std::vector<std::string> rs_id, rs_scen, rs_name, as_scen, as_name;
  std::vector<std::uint64_t> rs_seed, as_runs, as_need;
  std::vector<double> rs_down, rs_avail, as_avail, as_low, as_high, as_dpy, as_dpy_low, as_dpy_high, as_worst;
  bool any_services = false;

  for (const BatchScenario& s : options.scenarios) {
    const double horizon = seconds(s.spec.until.ns());
    const std::vector<scenario::VmSpec>& vms = s.spec.pool.vms;
    std::vector<std::vector<double>> availability(vms.size()), downtime(vms.size()), vm_restarts(vms.size());
    std::vector<double> services_availability, services_downtime;  // the pool's services, one value per run
    std::uint64_t n = 0, n_failed = 0, n_violations = 0, n_back = 0;
    double sum_fences = 0, sum_masters = 0;
    std::vector<double> protected_availability;  // one value per run, for the printed table
    const std::vector<scenario::ServiceSpec>& services = s.spec.services;
    any_services = any_services || !services.empty();
    std::vector<std::vector<double>> service_availability(services.size()), service_downtime(services.size());
    std::vector<double> service_worst(services.size(), 0.0);
    ScenarioFigures figures;
    figures.name = s.spec.name;
    figures.file = s.file;
    std::size_t n_protected = 0;
    for (const scenario::VmSpec& vm : vms) n_protected += scenario::protected_at_start(vm) ? 1U : 0U;
    for (std::uint64_t k = 0; k < options.runs; ++k) {
      const RunRecord& r = records.at({s.hash, options.seed_base + k});
      const std::string rid = run_id(s.spec.name, r.seed);
      std::uint64_t run_fences = 0, run_restarts = 0;
      double run_protected_down = 0;
      bool back = true;
      for (std::size_t v = 0; v < vms.size() && v < r.vm_downtime_ns.size(); ++v) {
        const bool prot = scenario::protected_at_start(vms[v]);
        v_id.push_back(rid);
        v_scen.push_back(s.spec.name);
        v_seed.push_back(r.seed);
        v_name.push_back(vms[v].name);
        v_protected.push_back(prot ? 1 : 0);
        v_down.push_back(seconds(r.vm_downtime_ns[v]));
        v_restarts.push_back(r.vm_restarts[v]);
        v_running.push_back(r.vm_running_at_end[v]);
        run_restarts += r.vm_restarts[v];
        if (prot) {
          run_protected_down += seconds(r.vm_downtime_ns[v]);
          back = back && r.vm_running_at_end[v] == 1;
        }
        if (!r.invariant_violated) {
          availability[v].push_back(1.0 - seconds(r.vm_downtime_ns[v]) / horizon);
          downtime[v].push_back(seconds(r.vm_downtime_ns[v]) * seconds_per_year / horizon);
          vm_restarts[v].push_back(static_cast<double>(r.vm_restarts[v]));
        }
      }
      // The pool's hosts in tie-break order, as the run counted them.
      const std::vector<std::size_t> order = scenario::tie_break_order(s.spec.pool);
      for (std::size_t h = 0; h < order.size() && h < r.host_fences.size(); ++h) {
        h_id.push_back(rid);
        h_scen.push_back(s.spec.name);
        h_seed.push_back(r.seed);
        h_name.push_back(s.spec.pool.hosts[order[h]].name);
        h_fences.push_back(r.host_fences[h]);
        run_fences += r.host_fences[h];
      }
      id.push_back(rid);
      scen.push_back(s.spec.name);
      seed.push_back(r.seed);
      exit_status.push_back(r.exit_status);
      inv.push_back(r.invariant_violated ? "violated" : "ok");
      inv_msg.push_back(r.invariant_message);
      end_s.push_back(seconds(r.end_ns));
      expectations.push_back(r.expectations);
      failed.push_back(r.failed_expectations);
      masters.push_back(r.master_changes);
      fences.push_back(run_fences);
      restarts.push_back(run_restarts);
      protected_down.push_back(run_protected_down);
      // Over the run's own length: a run cut short by a violation is measured up to it.
      const double run_length = seconds(r.end_ns);
      services_down.push_back(seconds(r.pool_services_down_ns));
      services_avail.push_back(run_length > 0 ? 1.0 - seconds(r.pool_services_down_ns) / run_length : std::nan(""));
      all_back.push_back(back && !r.invariant_violated ? 1 : 0);
      for (std::size_t i = 0; i < services.size() && i < r.service_downtime_ns.size(); ++i) {
        const double down = seconds(r.service_downtime_ns[i]);
        rs_id.push_back(rid);
        rs_scen.push_back(s.spec.name);
        rs_seed.push_back(r.seed);
        rs_name.push_back(services[i].name);
        rs_down.push_back(down);
        rs_avail.push_back(run_length > 0 ? 1.0 - down / run_length : std::nan(""));
        if (!r.invariant_violated) {
          service_availability[i].push_back(1.0 - down / horizon);
          service_downtime[i].push_back(down * seconds_per_year / horizon);
          service_worst[i] = std::max(service_worst[i], down);
        }
      }
      ++n;
      n_failed += r.exit_status != 0 ? 1 : 0;
      if (r.invariant_violated) {
        ++n_violations;
      } else {
        n_back += back ? 1 : 0;
        sum_fences += static_cast<double>(run_fences);
        sum_masters += static_cast<double>(r.master_changes);
        services_availability.push_back(1.0 - seconds(r.pool_services_down_ns) / horizon);
        services_downtime.push_back(seconds(r.pool_services_down_ns) * seconds_per_year / horizon);
        if (n_protected > 0) {
          protected_availability.push_back(1.0 - run_protected_down / (static_cast<double>(n_protected) * horizon));
        }
        if (!figures.worst_seed || run_protected_down > figures.worst_protected_down_s) {
          figures.worst_seed = r.seed;
          figures.worst_protected_down_s = run_protected_down;
        }
      }
    }
    const std::uint64_t judged = n - n_violations;
    const Interval p = wilson_interval(n_back, judged);
    a_scen.push_back(s.spec.name);
    a_file.push_back(s.file);
    a_what_if.push_back(scenario::command_line_options(s.spec));
    a_yaml.push_back(s.yaml);
    a_until.push_back(horizon);
    a_runs.push_back(n);
    a_failed.push_back(n_failed);
    a_violations.push_back(n_violations);
    a_back.push_back(n_back);
    a_p.push_back(p.estimate);
    a_p_low.push_back(p.low);
    a_p_high.push_back(p.high);
    a_fences.push_back(judged ? sum_fences / static_cast<double>(judged) : std::nan(""));
    a_masters.push_back(judged ? sum_masters / static_cast<double>(judged) : std::nan(""));
    const Interval sa = availability_interval(services_availability);
    const Interval sd = mean_interval(services_downtime);
    figures.runs = n;
    figures.failed = n_failed;
    figures.violations = n_violations;
    figures.protected_availability = availability_interval(protected_availability);
    figures.services_availability = sa;
    const double run_years = static_cast<double>(judged) * horizon / seconds_per_year;
    figures.fences_per_year = run_years > 0 ? sum_fences / run_years : std::nan("");
    figures.master_changes_per_year = run_years > 0 ? sum_masters / run_years : std::nan("");
    for (std::size_t i = 0; i < services.size(); ++i) {
      const Interval a = availability_interval(service_availability[i]);
      const Interval d = mean_interval(service_downtime[i]);
      figures.services.push_back({services[i].name, a, service_worst[i]});
      as_scen.push_back(s.spec.name);
      as_name.push_back(services[i].name);
      as_need.push_back(static_cast<std::uint64_t>(services[i].need));
      as_runs.push_back(service_availability[i].size());
      as_avail.push_back(a.estimate);
      as_low.push_back(a.low);
      as_high.push_back(a.high);
      as_dpy.push_back(d.estimate);
      as_dpy_low.push_back(at_least(d.low, 0.0));
      as_dpy_high.push_back(d.high);
      as_worst.push_back(service_worst[i]);
    }
    out.figures.push_back(figures);
    a_svc.push_back(sa.estimate);
    a_svc_low.push_back(sa.low);
    a_svc_high.push_back(sa.high);
    a_svc_dpy.push_back(sd.estimate);
    a_svc_dpy_low.push_back(at_least(sd.low, 0.0));
    a_svc_dpy_high.push_back(sd.high);
    for (std::size_t v = 0; v < vms.size(); ++v) {
      if (!scenario::protected_at_start(vms[v])) continue;
      const Interval a = availability_interval(availability[v]);
      const Interval d = mean_interval(downtime[v]);
      av_scen.push_back(s.spec.name);
      av_vm.push_back(vms[v].name);
      av_runs.push_back(availability[v].size());
      av_avail.push_back(a.estimate);
      av_low.push_back(a.low);
      av_high.push_back(a.high);
      av_dpy.push_back(d.estimate);
      av_dpy_low.push_back(at_least(d.low, 0.0));
      av_dpy_high.push_back(d.high);
      av_restarts.push_back(mean_interval(vm_restarts[v]).estimate);
    }
  }
  out.tables.push_back({"runs/summary",
                        {text_column("id", id), text_column("scenario", scen), count_column("seed", seed),
                         count_column("exit_status", exit_status), text_column("invariant", inv),
                         text_column("invariant_message", inv_msg), real_column("end_s", end_s),
                         count_column("expectations", expectations), count_column("failed_expectations", failed),
                         count_column("master_changes", masters), count_column("fences", fences),
                         count_column("restarts", restarts), real_column("protected_downtime_s", protected_down),
                         count_column("all_protected_back", all_back),
                         real_column("pool_services_downtime_s", services_down),
                         real_column("pool_services_availability", services_avail)}});
  out.tables.push_back({"runs/vms",
                        {text_column("id", v_id), text_column("scenario", v_scen), count_column("seed", v_seed),
                         text_column("vm", v_name), count_column("protected", v_protected),
                         real_column("downtime_s", v_down), count_column("restarts", v_restarts),
                         count_column("running_at_end", v_running)}});
  out.tables.push_back({"runs/hosts",
                        {text_column("id", h_id), text_column("scenario", h_scen), count_column("seed", h_seed),
                         text_column("host", h_name), count_column("fences", h_fences)}});
  out.tables.push_back({"aggregate/scenarios",
                        {text_column("scenario", a_scen), text_column("file", a_file), text_column("what_if", a_what_if),
                         real_column("until_s", a_until),
                         count_column("runs", a_runs), count_column("failed_runs", a_failed),
                         count_column("invariant_violations", a_violations),
                         count_column("all_protected_back_runs", a_back), real_column("p_all_protected_back", a_p),
                         real_column("p_all_protected_back_low", a_p_low),
                         real_column("p_all_protected_back_high", a_p_high), real_column("mean_fences", a_fences),
                         real_column("mean_master_changes", a_masters),
                         real_column("pool_services_availability", a_svc),
                         real_column("pool_services_availability_low", a_svc_low),
                         real_column("pool_services_availability_high", a_svc_high),
                         real_column("pool_services_downtime_per_year_s", a_svc_dpy),
                         real_column("pool_services_downtime_per_year_s_low", a_svc_dpy_low),
                         real_column("pool_services_downtime_per_year_s_high", a_svc_dpy_high),
                         text_column("scenario_yaml", a_yaml)}});
  out.tables.push_back({"aggregate/vms",
                        {text_column("scenario", av_scen), text_column("vm", av_vm), count_column("runs", av_runs),
                         real_column("availability", av_avail), real_column("availability_low", av_low),
                         real_column("availability_high", av_high), real_column("downtime_per_year_s", av_dpy),
                         real_column("downtime_per_year_s_low", av_dpy_low),
                         real_column("downtime_per_year_s_high", av_dpy_high), real_column("mean_restarts", av_restarts)}});
  // Only when a scenario of the batch has services: a batch without any keeps the layout it had.
  if (any_services) {
    out.tables.push_back({"runs/services",
                          {text_column("id", rs_id), text_column("scenario", rs_scen), count_column("seed", rs_seed),
                           text_column("service", rs_name), real_column("downtime_s", rs_down),
                           real_column("availability", rs_avail)}});
    out.tables.push_back({"aggregate/services",
                          {text_column("scenario", as_scen), text_column("service", as_name),
                           count_column("need", as_need), count_column("runs", as_runs),
                           real_column("availability", as_avail), real_column("availability_low", as_low),
                           real_column("availability_high", as_high), real_column("downtime_per_year_s", as_dpy),
                           real_column("downtime_per_year_s_low", as_dpy_low),
                           real_column("downtime_per_year_s_high", as_dpy_high),
                           real_column("worst_downtime_s", as_worst)}});
  }
  return out;
}

BatchReport run_batch(const BatchOptions& options, const BatchProgress& progress, Ranks* ranks) {
  if (ranks && ranks->size() <= 1) ranks = nullptr;
  if (ranks && ranks->rank() != 0) return run_share(options, *ranks);

  const std::string header = "poolsim-batch-journal 2 poolsim=" + std::string(version) +
                             " keep_timelines=" + (options.keep_timelines ? "1" : "0");
  std::optional<Journal> journal;
  try {
    journal.emplace(journal_path(options.out), header);
    if (options.keep_timelines) {
      std::filesystem::create_directories(timelines_dir(options.out));
      remove_stale_temporaries(timelines_dir(options.out));
    }
  } catch (const std::exception&) {
    if (ranks) ranks->share(std::nullopt);
    throw;
  }

  BatchReport report;
  std::vector<std::uint64_t> missing;  // positions in batch order (job_at)
  for (std::size_t s = 0; s < options.scenarios.size(); ++s) {
    for (std::uint64_t k = 0; k < options.runs; ++k) {
      const std::uint64_t seed = options.seed_base + k;
      ++report.total;
      const bool done = journal->records().contains({options.scenarios[s].hash, seed});
      const bool timeline_kept =
          !options.keep_timelines ||
          std::filesystem::exists(timelines_dir(options.out) / (run_id(options.scenarios[s].spec.name, seed) + ".h5"));
      if (done && timeline_kept) {
        ++report.from_journal;
      } else {
        missing.push_back(s * options.runs + k);
      }
    }
  }
  const unsigned size = ranks ? ranks->size() : 1;
  if (ranks) ranks->share(missing);

  // Journaled runs count as done, not in the rate (the command line draws its live line from these).
  if (progress.already_done) progress.already_done(report.from_journal);
  const auto show = [&] {
    if (progress.update) progress.update(report.from_journal + report.ran, report.total);
  };

  std::string first_error;
  std::uint64_t write_errors = 0;  // lost runs whose timeline could not be written
  const auto lose = [&](const std::string& why, bool write_error) {
    ++report.lost;
    write_errors += write_error ? 1 : 0;
    if (first_error.empty()) first_error = why;
  };
  unsigned ranks_running = size - 1;  // the other ranks that have not said `done`
  // A result from another rank: its timeline written whole first, then journaled, as a local worker's.
  const auto take = [&](const RankMessage& m) {
    std::optional<RunRecord> r;
    if (m.text.ends_with('\n')) r = from_journal_line(std::string_view(m.text).substr(0, m.text.size() - 1));
    const auto known = [&](const BatchScenario& s) {
      return r && s.spec.name == r->scenario && s.hash == r->scenario_hash;
    };
    if (!r || std::none_of(options.scenarios.begin(), options.scenarios.end(), known)) {
      lose("a rank sent a result that is damaged or of another scenario file (every node must read the same files)",
           false);
      return;
    }
    if (options.keep_timelines) {
      write_file_whole(timelines_dir(options.out) / (run_id(r->scenario, r->seed) + ".h5"), m.timeline);
    }
    journal->append(*r);
    ++report.ran;
  };

  try {
    run_jobs(
        options, share_of(options, missing, 0, size), timelines_dir(options.out), ranks ? 20 : 200,
        [&](const Job&, std::optional<RunRecord> record, const std::string& why, bool write_error) {
          if (record) {
            journal->append(*record);
            ++report.ran;
          } else {
            lose(why, write_error);
          }
          show();
        },
        [&] {
          if (!ranks) return false;
          while (const std::optional<RankMessage> m = ranks->receive()) {
            switch (m->kind) {
              case RankMessage::Kind::result: take(*m); break;
              case RankMessage::Kind::lost: lose(m->text, false); break;
              case RankMessage::Kind::done: --ranks_running; break;
            }
          }
          show();
          return ranks_running > 0;
        });
    if (progress.finish) progress.finish();
    if (write_errors > 0) {
      throw OutputError(first_error + "; " + std::to_string(report.lost) +
                        " run(s) lost, the others are journaled: free some space and run the same command again");
    }
    if (report.lost > 0) {
      throw std::runtime_error(first_error + "; " + std::to_string(report.lost) +
                               " run(s) lost, the others are journaled: run the same command again");
    }

    for (const BatchScenario& s : options.scenarios) {
      for (std::uint64_t k = 0; k < options.runs; ++k) {
        const RunRecord& r = journal->records().at({s.hash, options.seed_base + k});
        report.failed += r.exit_status != 0 ? 1 : 0;
        report.violations += r.invariant_violated ? 1 : 0;
      }
    }
    const BatchTables tables = batch_tables(options, journal->records());
    std::vector<Hdf5FileCopy> copies;
    if (options.keep_timelines) {
      for (const BatchScenario& s : options.scenarios) {
        for (std::uint64_t k = 0; k < options.runs; ++k) {
          const std::string id = run_id(s.spec.name, options.seed_base + k);
          copies.push_back({timelines_dir(options.out) / (id + ".h5"), "runs/" + id});
        }
      }
    }
    write_hdf5_tables(options.out, tables.attributes, tables.tables, copies);
    report.scenarios = tables.figures;
  } catch (const std::exception& e) {
    // The other ranks still running cannot be told in order: stop them all. Once they are done, they wait for
    // the verdict.
    if (ranks && ranks_running > 0) ranks->abort(std::string("poolsim batch: ") + e.what());
    if (ranks) ranks->agree(1);
    throw;
  }
  report.exit_status = report.violations > 0 ? 1 : 0;
  if (ranks) report.exit_status = ranks->agree(report.exit_status);
  return report;
}

}  // namespace poolsim::batch
