// poolsim bench heartbeat-mesh: the kernel against a minimal baseline, on the same machine, in the same run.
// Prints figures; never judges speed by exit status (the machines are shared and noisy). Exits 1 only when a
// run's counts differ from the reference values or from each other, i.e. when an event loop is wrong.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <variant>
#include <vector>

#include <boost/program_options.hpp>

#include "poolsim/analysis/heartbeat_mesh.hpp"
#include "poolsim/scenario_args.hpp"
#include "poolsim/verbs.hpp"

namespace poolsim::cli {
namespace {

namespace po = boost::program_options;

constexpr double ratio_target = 0.7;  // issue #3: poolsim's kernel at >= 0.7x the baseline's events/s

std::string describe(const bench::MeshFigures& f) {
  auto time = [](const std::optional<SimTime>& t) { return t ? format_seconds(*t) : std::string("none"); };
  return "events=" + std::to_string(f.events) + " sends=" + std::to_string(f.sends) +
         " checks=" + std::to_string(f.checks) + " deliveries=" + std::to_string(f.deliveries) +
         " dropped=" + std::to_string(f.dropped) + " missing_obs=" + std::to_string(f.missing_observations) +
         " detection_min=" + time(f.detection_min) + " detection_max=" + time(f.detection_max);
}

template <typename Run>
double time_one(Run run, const bench::MeshParameters& p, bench::MeshFigures& figures) {
  const auto start = std::chrono::steady_clock::now();
  figures = run(p);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

}  // namespace

int bench_main(const std::vector<std::string>& args) {
  std::string workload, until_text = "3600s", hosts_text = "64", repeat_text = "3";
  po::options_description options("options");
  options.add_options()("help,h", "this help")("hosts", po::value(&hosts_text), "number of hosts, 2 to 4096 (default 64)")(
      "until", po::value(&until_text), "simulated horizon, with a unit, 1s to 100y (default 3600s)")(
      "repeat", po::value(&repeat_text), "timed runs per event loop, 1 to 1000 (default 3); the median is reported");
  po::options_description hidden;
  hidden.add_options()("workload", po::value(&workload));
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("workload", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "poolsim bench: " << e.what() << "; see 'poolsim bench --help'\n";
    return exit_usage;
  }
  if (vm.count("help")) {
    std::cout << "usage: poolsim bench heartbeat-mesh [--hosts N] [--until T] [--repeat R]\n\n"
                 "Runs the heartbeat-mesh workload (docs/performance.md) on poolsim's event queue and on a minimal\n"
                 "std::priority_queue baseline, interleaved, and prints events, median wall time, events/s and their ratio.\n\n"
              << options;
    return exit_ok;
  }
  if (workload != "heartbeat-mesh") {
    std::cerr << "poolsim bench: " << (workload.empty() ? "no workload given" : "unknown workload '" + workload + "'")
              << "; the workload is 'heartbeat-mesh'\n";
    return exit_usage;
  }
  const auto until = parse_until_option("bench", until_text, std::cerr);  // the limits of a scenario's 'until:'
  const auto hosts = parse_count_option("bench", "--hosts", hosts_text, 2, 4096, std::cerr);
  const auto repeat = parse_count_option("bench", "--repeat", repeat_text, 1, 1000, std::cerr);
  if (!until || !hosts || !repeat) return exit_usage;
  bench::MeshParameters p;
  p.hosts = static_cast<unsigned>(*hosts);
  p.until = *until;

  std::cout << "heartbeat-mesh  hosts=" << p.hosts << "  until=" << format_duration(p.until)
            << "  period=" << format_duration(p.period) << "  latency=" << format_duration(p.latency)
            << "  timeout=" << format_duration(p.detection_timeout) << "  repeat=" << *repeat << '\n';

  std::vector<double> kernel_s, baseline_s;
  bench::MeshFigures kernel, baseline;
  for (std::uint64_t i = 0; i < *repeat; ++i) {  // interleaved, so that machine noise hits both alike
    baseline_s.push_back(time_one(bench::run_mesh_on_baseline, p, baseline));
    kernel_s.push_back(time_one(bench::run_mesh_on_kernel, p, kernel));
  }
  std::cout << "figures   " << describe(kernel) << '\n';
  bool correct = true;
  if (!(kernel == baseline)) {
    std::cout << "MISMATCH  the baseline counted " << describe(baseline) << '\n';
    correct = false;
  }
  if (const auto reference = bench::reference_figures(p)) {
    const bool match = kernel == *reference;
    std::cout << "reference " << (match ? "matches" : "MISMATCH with") << " docs/performance.md \"Heartbeat-mesh benchmark\"";
    if (!match) std::cout << ": " << describe(*reference);
    std::cout << '\n';
    correct = correct && match;
  } else {
    std::cout << "reference none for these parameters (the table lists 16 and 64 hosts over 3600 s)\n";
  }
  const double k = median(kernel_s), b = median(baseline_s);
  const double events = static_cast<double>(kernel.events);
  std::printf("%-10s %14s %12s %14s\n", "engine", "events", "wall_s", "events_per_s");
  std::printf("%-10s %14llu %12.3f %14.0f\n", "poolsim", static_cast<unsigned long long>(kernel.events), k, events / k);
  std::printf("%-10s %14llu %12.3f %14.0f\n", "baseline", static_cast<unsigned long long>(baseline.events), b,
              events / b);
  const double ratio = b / k;
  std::printf("ratio poolsim/baseline events_per_s = %.2f (target >= %.2f: %s)\n", ratio, ratio_target,
              ratio >= ratio_target ? "met" : "missed");
  return correct ? exit_ok : exit_failed;
}

}  // namespace poolsim::cli
