// poolsim size SCENARIO.yaml: how many host failures the pool absorbs — xapi's planner's answer at time 0, then
// the simulated outcome of every set of k simultaneous host crashes (or a seeded sample), and of k crashes one
// after another, with every disagreement between the two flagged (docs/sizing.md "poolsim size"). The analysis
// lives in sim/analysis/sizing.cpp; --h5 FILE also writes the figures as HDF5 (docs/hdf5-layout.md "Size
// files"). Exit 0 when the report is printed, disagreements included; 2 for a usage or input error, or a --h5
// file that cannot be written.

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include <boost/program_options.hpp>

#include "poolsim/analysis/run_one.hpp"
#include "poolsim/scenario/build.hpp"
#include "poolsim/scenario/load.hpp"
#include "poolsim/scenario/parameters.hpp"
#include "poolsim/scenario/size.hpp"
#include "poolsim/outputs.hpp"
#include "poolsim/scenario_args.hpp"
#include "poolsim/what_if_args.hpp"
#include "poolsim/scenario/emit.hpp"
#include "poolsim/verbs.hpp"
#include "progress/progress_line.hpp"
#include "poolsim/analysis/sizing.hpp"

namespace poolsim::cli {

namespace po = boost::program_options;

namespace {

constexpr std::string_view usage =
    "usage: poolsim size SCENARIO.yaml [--jobs J] [--sample N] [--seed S] [--h5 FILE]\n"
    "                    [--remove-vm NAME]... [--remove-host NAME]... [--add-host MEMORY]... [--ha-timeout T] [--ntol N]\n";


}  // namespace

int size_main(const std::vector<std::string>& args) {
  // Every core by default: the runs are independent and the output does not depend on the number of workers.
  std::string file, jobs_text = std::to_string(std::max(1u, std::thread::hardware_concurrency())), sample_text = "200", seed_text, h5;
  WhatIfArgs what_if_args;
  po::options_description options("options");
  options.add_options()("help,h", "this help")("jobs", po::value(&jobs_text), "worker processes (default: one per core)")(
      "sample", po::value(&sample_text), "most sets of k hosts run per k; more are sampled (default 200)")(
      "seed", po::value(&seed_text), "seed of the sample (default: the scenario's seed)")(
      "h5", po::value(&h5), "also write the figures as HDF5 to FILE (docs/hdf5-layout.md; whole or not at all)");
  add_what_if_options(options, what_if_args);
  constexpr std::string_view help =
      "\nPrints the planner's max host failures to tolerate and plan status, then simulates every set of k\n"
      "host crashes (k = 1..n-1; a seeded sample of N sets when there are more), at once and one after\n"
      "another, and flags where planner and simulation disagree. docs/sizing.md explains the output;\n"
      "--h5 writes the figures and every set run as HDF5 (docs/hdf5-layout.md \"Size files\"). On a terminal,\n"
      "a progress line on stderr once the runs take longer than a second.\n"
      "Exit status: 0 the report was printed (disagreements included), 2 usage or input error or an --h5\n"
      "file that cannot be written.\n\n";
  po::variables_map vm;
  if (const auto status = parse_scenario_args("size", args, options, usage, help, file, vm)) return *status;
  sizing::SizeOptions size_options;
  const auto jobs = parse_count(jobs_text);
  if (!jobs || *jobs == 0 || *jobs > 1024) {
    std::cerr << "poolsim size: --jobs '" << jobs_text << "' is not a number of processes from 1 to 1024\n";
    return exit_usage;
  }
  size_options.jobs = static_cast<unsigned>(*jobs);
  // A bound on the sets run per k, so that a slip of digits does not enumerate C(64, 32) sets: a million sets
  // of one k already take hours.
  const auto sample = parse_count_option("size", "--sample", sample_text, 1, 1'000'000, std::cerr);
  if (!sample) return exit_usage;
  size_options.sample = static_cast<std::size_t>(*sample);
  const std::optional<scenario::WhatIf> what_if = parse_what_if("size", what_if_args, vm, std::cerr);
  if (!what_if) return exit_usage;
  std::optional<std::uint64_t> seed;
  if (vm.count("seed")) {
    seed = parse_seed_option("size", "--seed", seed_text, 1, std::cerr);
    if (!seed) return exit_usage;
  }

  scenario::LoadResult loaded = scenario::load_scenario(file);
  for (const scenario::Diagnostic& d : loaded.diagnostics) std::cerr << scenario::format_diagnostic(d) << '\n';
  if (!loaded.spec) return exit_usage;
  scenario::ScenarioSpec& spec = *loaded.spec;
  // The scenario as written (its pool file's pool included), before the what-if options, which apply after
  // validation here: the crash sets replace the file's faults, so a fault naming a removed host does not matter.
  std::string scenario_yaml;
  if (!h5.empty()) {
    try {
      scenario_yaml = scenario::recorded_scenario(spec, batch::read_text_file(file), file);
    } catch (const std::exception& e) {
      std::cerr << "poolsim size: " << e.what() << '\n';
      return exit_usage;
    }
  }
  if (const auto error = scenario::apply_what_if(spec, *what_if)) {
    std::cerr << "poolsim size: " << *error << '\n';
    return exit_usage;
  }
  size_options.seed = seed.value_or(spec.seed);
  // The pool as every run builds it, without crashes: refuse now what would not build.
  {
    const scenario::BuildResult built =
        scenario::build_simulation(sizing::crash_scenario(spec, {}, size_options), file);
    for (const scenario::Diagnostic& d : built.diagnostics) std::cerr << scenario::format_diagnostic(d) << '\n';
    if (!built.simulation) return exit_usage;
  }
  if (vm.count("h5")) {
    if (h5.empty()) {
      std::cerr << "poolsim size: --h5 needs a file name, e.g. '--h5 size.h5'\n";
      return exit_usage;
    }
  }
  // Checked and locked before the runs, not after them (tools/poolsim/outputs.hpp).
  std::vector<Output> wanted;
  if (!h5.empty()) wanted.push_back({"--h5", h5});
  const std::optional<Outputs> outputs = Outputs::prepare("size", input_files(file, spec), wanted, std::cerr);
  if (!outputs) return exit_usage;
  sizing::SizeResult result;
  {
    progress::ProgressLine::Options line_options;
    line_options.label = "poolsim size";
    line_options.live = progress::is_terminal(STDERR_FILENO);
    progress::ProgressLine line(std::cerr, std::move(line_options));
    result = sizing::analyse(spec, file, size_options,
                             [&line](std::size_t done, std::size_t total) { line.update(done, total); });
  }
  sizing::print_report(result, std::cout);
  std::cout.flush();
  if (!h5.empty()) {
    try {
      sizing::write_size_h5(result, h5, scenario_yaml);
    } catch (const std::exception& e) {
      std::cerr << "poolsim size: " << e.what() << '\n';
      return exit_usage;
    }
  }
  return exit_ok;
}

}  // namespace poolsim::cli
