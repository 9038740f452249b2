// poolsim explore SCENARIO.yaml: re-runs the scenario failing each host, NIC, switch, portal and array at each
// decision instant of its run, checking the invariants (poolsim/analysis/explore.hpp, docs/testing.md "Exploration").
// Exit 0 when no re-run breaks an invariant, 1 when one does, 2 for a usage or input error.
#include <cstdint>
#include <iostream>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "poolsim/kernel/event_bus.hpp"
#include "poolsim/kernel/time.hpp"
#include "poolsim/scenario/emit.hpp"
#include "poolsim/analysis/explore.hpp"
#include "poolsim/scenario/load.hpp"
#include "poolsim/scenario_args.hpp"
#include "poolsim/verbs.hpp"

namespace poolsim::cli {

namespace po = boost::program_options;

namespace {

constexpr std::string_view usage = "usage: poolsim explore SCENARIO.yaml [--seed N] [--max-instants N] [--jobs J]\n";

// The fault as the line to add to the scenario's `faults:` to replay the run.
std::string fault_line(const scenario::ScenarioSpec& spec, const scenario::FaultSpec& fault) {
  scenario::ScenarioSpec one = spec;
  one.faults = {fault};
  const std::string yaml = scenario::to_yaml(one);
  constexpr std::string_view marker = "\nfaults:\n  - ";
  const std::size_t begin = yaml.find(marker);
  if (begin == std::string::npos) return {};
  const std::size_t start = begin + marker.size();
  return yaml.substr(start, yaml.find('\n', start) - start);
}

}  // namespace

int explore_main(const std::vector<std::string>& args) {
  std::string file, seed_text, max_instants_text = "0", jobs_text = "1";
  po::options_description options("options");
  options.add_options()("help,h", "this help")("seed", po::value(&seed_text), "overrides the file's seed")(
      "max-instants", po::value(&max_instants_text), "explore at most N instants, evenly sampled (default: all)")(
      "jobs", po::value(&jobs_text), "worker processes (default 1); the output does not depend on it");
  constexpr std::string_view help =
      "\nRuns the scenario once, then once more per (decision instant, resource): each host crashed, each\n"
      "NIC unplugged, each switch, portal and network array failed at each instant of the first run's\n"
      "timeline records, for good, with the invariants checked. Prints each violation with the fault line\n"
      "that reproduces it. Exit status: 0 none broke, 1 an invariant broke, 2 usage or input error.\n\n";
  po::variables_map vm;
  if (const auto status = parse_scenario_args("explore", args, options, usage, help, file, vm)) return *status;
  // 0: all. Written digits only: a sign is refused rather than wrapped round to a huge number.
  const auto max_instants =
      parse_count_option("explore", "--max-instants", max_instants_text, 0, std::numeric_limits<std::size_t>::max(), std::cerr);
  if (!max_instants) return exit_usage;
  const auto jobs = parse_count(jobs_text);
  if (!jobs || *jobs == 0 || *jobs > 1024) {
    std::cerr << "poolsim explore: --jobs '" << jobs_text << "' is not a whole number from 1 to 1024\n";
    return exit_usage;
  }
  scenario::LoadResult loaded = scenario::load_scenario(file);
  for (const scenario::Diagnostic& d : loaded.diagnostics) std::cerr << scenario::format_diagnostic(d) << '\n';
  if (!loaded.spec) return exit_usage;
  scenario::ScenarioSpec& spec = *loaded.spec;
  if (vm.count("seed")) {
    const auto seed = parse_seed_option("explore", "--seed", seed_text, 1, std::cerr);
    if (!seed) return exit_usage;
    spec.seed = *seed;
  }
  std::cout << "SEED=" << spec.seed << '\n';
  std::vector<Duration> instants;
  try {
    instants = analysis::decision_instants(spec, static_cast<std::size_t>(*max_instants));
  } catch (const std::runtime_error& e) {
    std::cerr << "poolsim explore: " << file << ": " << e.what() << '\n';
    return exit_usage;
  }
  const std::vector<scenario::FaultSpec> faults = analysis::exploration_faults(spec);
  std::uint64_t runs = 0, violations = 0;
  try {
    analysis::explore(spec, instants, faults, static_cast<unsigned>(*jobs), [&](const analysis::Exploration& e) {
      ++runs;
      if (e.violation.empty()) return;
      ++violations;
      std::cout << "VIOLATION " << e.violation << "\n  add to faults: " << fault_line(spec, e.fault) << '\n';
    });
  } catch (const RecordBudgetExceeded& e) {  // a run with one more fault can publish more than the first
    std::cerr << "poolsim explore: " << file << ": a run reached the record budget of " << e.budget()
              << " records at " << format_seconds(e.at()) << " s simulated (docs/running.md \"Record budget\")\n";
    return exit_usage;
  }
  std::cout << "explore: " << file << ": " << instants.size() << " instants x " << faults.size() << " faults = " << runs
            << " runs, " << violations << " invariant violations\n";
  return violations ? exit_failed : exit_ok;
}

}  // namespace poolsim::cli
