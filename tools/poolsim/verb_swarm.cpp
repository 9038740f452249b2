// poolsim swarm --runs N --seed S [--jobs J]: random pools and fault schedules, each run checked for the invariants while
// faults are active and for liveness once they are healed (poolsim/analysis/swarm.hpp, docs/testing.md "Swarm").
// Prints SEED=S first. A failing case is written as a scenario file, shrunk to a minimal one beside it, and
// printed with the command that replays it. Exit 0 when every run passes, 1 when one fails, 2 usage error.
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "poolsim/outputs.hpp"
#include "poolsim/recording/output_file.hpp"
#include "poolsim/scenario/emit.hpp"
#include "poolsim/scenario/load.hpp"
#include "poolsim/analysis/shrink.hpp"
#include "poolsim/analysis/swarm.hpp"
#include "poolsim/scenario_args.hpp"
#include "poolsim/verbs.hpp"

namespace poolsim::cli {

namespace po = boost::program_options;

namespace {

// The most runs of one swarm: batch's limit, so that a swarm line and a batch line take the same figures.
constexpr std::uint64_t max_runs = 100'000'000;

constexpr std::string_view usage =
    "usage: poolsim swarm --runs N --seed S [--jobs J] [--hosts-max H] [--out DIR] [--no-shrink] [--verbose]\n"
    "       poolsim swarm --replay CASE.yaml\n";


// Writes `text` to `path` through a temporary renamed over it (poolsim/recording/output_file.hpp): the file is
// whole or absent. Prints why and returns false when it cannot.
bool write_file(const std::filesystem::path& path, const std::string& text) {
  try {
    TemporaryFile tmp(path, "cannot write '" + path.string() + "': ");
    if (const int error = tmp.write_all(text)) tmp.fail(error);
    tmp.commit();
    return true;
  } catch (const OutputError& e) {
    std::cerr << "poolsim swarm: " << e.what() << '\n';
    return false;
  }
}

std::string counts(const scenario::ScenarioSpec& spec) {
  return std::to_string(spec.faults.size()) + " faults, " + std::to_string(spec.pool.hosts.size()) + " hosts, " +
         std::to_string(spec.pool.vms.size()) + " VMs";
}

// A failing case: written, shrunk, reported. Returns false when a file cannot be written.
bool report_failure(const scenario::ScenarioSpec& spec, const analysis::SwarmVerdict& verdict,
                    const std::string& replay, const std::filesystem::path& out_dir, bool shrink) {
  std::cout << "FAIL seed=" << spec.seed << ' ' << verdict.signature << "\n  " << verdict.message << "\n  replay: "
            << replay << '\n';
  std::error_code error;
  std::filesystem::create_directories(out_dir, error);
  if (error) {
    std::cerr << "poolsim swarm: cannot create the directory '" << out_dir.string() << "': " << error.message() << '\n';
    return false;
  }
  const std::filesystem::path file = out_dir / (spec.name + ".yaml");
  const std::string header = "A failing swarm case (" + verdict.signature + ").\n" + verdict.message +
                             "\nReplay: " + replay + "\nCheck this file: poolsim swarm --replay " + file.string();
  if (!write_file(file, scenario::to_yaml(spec, header))) return false;
  std::cout << "  case:   " << file.string() << " (" << counts(spec) << ")\n";
  if (!shrink || verdict.failure == analysis::SwarmFailure::invalid) return true;
  const analysis::ShrinkResult shrunk = analysis::shrink_swarm_case(spec, verdict);
  const std::filesystem::path min_file = out_dir / (spec.name + ".min.yaml");
  const std::string min_header = "The failing swarm case " + spec.name + " shrunk (" + std::to_string(shrunk.runs) +
                                 " runs): " + shrunk.verdict.signature + ".\n" + shrunk.verdict.message +
                                 "\nCheck this file: poolsim swarm --replay " + min_file.string();
  if (!write_file(min_file, scenario::to_yaml(shrunk.spec, min_header))) return false;
  std::cout << "  shrunk: " << min_file.string() << " (" << counts(shrunk.spec) << "; " << shrunk.runs << " runs)\n";
  return true;
}

int replay_file(const std::string& file) {
  scenario::LoadResult loaded = scenario::load_scenario(file);
  for (const scenario::Diagnostic& d : loaded.diagnostics) std::cerr << scenario::format_diagnostic(d) << '\n';
  if (!loaded.spec) return exit_usage;
  std::cout << "SEED=" << loaded.spec->seed << '\n';
  const analysis::SwarmVerdict verdict = analysis::check_swarm_case(*loaded.spec);
  if (verdict.failure == analysis::SwarmFailure::none) {
    std::cout << "ok " << file << " (" << counts(*loaded.spec) << ")\n";
    return exit_ok;
  }
  std::cout << "FAIL " << file << ' ' << verdict.signature << "\n  " << verdict.message << '\n';
  return verdict.failure == analysis::SwarmFailure::invalid ? exit_usage : exit_failed;
}

}  // namespace

int swarm_main(const std::vector<std::string>& args) {
  std::string runs_text, seed_text, jobs_text = "1", hosts_text, out = "swarm-failures", replay;
  po::options_description options("options");
  options.add_options()("help,h", "this help")("runs", po::value(&runs_text), "number of runs")(
      "seed", po::value(&seed_text), "seed of the first run; run i uses seed S + i")(
      "jobs", po::value(&jobs_text), "worker processes (default 1); the output does not depend on it")(
      "hosts-max", po::value(&hosts_text), "largest pool drawn, 2 to 64 hosts (default 16)")(
      "out", po::value(&out), "directory for failing cases and their shrunk versions (default swarm-failures)")(
      "no-shrink", "write failing cases without shrinking them")("verbose", "print one line per run")(
      "replay", po::value(&replay), "check one case file (a written failure, a shrunk one) the swarm's way");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(options).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "poolsim swarm: " << e.what() << "; see 'poolsim swarm --help'\n";
    return exit_usage;
  }
  if (vm.count("help")) {
    std::cout << usage
              << "\nRun i (from 0) generates a random pool and fault schedule from seed S + i, checks the invariants\n"
                 "throughout and, once every fault is healed, liveness within a bound derived from the timers.\n"
                 "Prints SEED=S first; each failure with the command that replays it, the case as a scenario file\n"
                 "and a shrunk version of it. docs/testing.md \"Swarm\" describes the checks.\n"
                 "Exit status: 0 every run passed, 1 a run failed, 2 usage error.\n\n"
              << options;
    return exit_ok;
  }
  if (!replay.empty()) return replay_file(replay);
  if (!vm.count("runs") || !vm.count("seed")) {
    std::cerr << "poolsim swarm: --runs and --seed are required, e.g. '--runs 100 --seed 1'; " << usage;
    return exit_usage;
  }
  const std::optional<std::uint64_t> runs = parse_count_option("swarm", "--runs", runs_text, 0, max_runs, std::cerr);
  if (!runs) return exit_usage;
  const std::optional<std::uint64_t> seed = parse_seed_option("swarm", "--seed", seed_text, *runs, std::cerr);
  if (!seed) return exit_usage;
  const std::optional<std::uint64_t> jobs = parse_count(jobs_text);
  if (!jobs || *jobs == 0 || *jobs > 1024) {
    std::cerr << "poolsim swarm: --jobs '" << jobs_text << "' is not a whole number from 1 to 1024\n";
    return exit_usage;
  }
  analysis::SwarmOptions swarm;
  if (vm.count("hosts-max")) {
    const std::optional<std::uint64_t> hosts = parse_count(hosts_text);
    if (!hosts || *hosts < 2 || *hosts > 64) {
      std::cerr << "poolsim swarm: --hosts-max takes 2 to 64\n";
      return exit_usage;
    }
    swarm.hosts_max = static_cast<std::size_t>(*hosts);
  }
  if (!check_output_directory("swarm", "--out", out, std::cerr)) return exit_usage;  // before the runs
  std::cout << "SEED=" << *seed << '\n' << std::flush;
  std::uint64_t failed = 0;
  bool unwritable = false;
  analysis::run_swarm(*seed, *runs, swarm, static_cast<unsigned>(*jobs),
                      [&](std::uint64_t case_seed, const analysis::SwarmVerdict& verdict) {
    if (!vm.count("verbose") && verdict.failure == analysis::SwarmFailure::none) return true;
    const scenario::ScenarioSpec spec = analysis::generate_swarm_case(case_seed, swarm);
    if (vm.count("verbose")) {
      std::cout << "run " << case_seed - *seed << " seed=" << case_seed << ' ' << analysis::to_string(verdict.failure)
                << " (" << counts(spec) << ", until " << format_duration(spec.until) << ")\n";
    }
    if (verdict.failure == analysis::SwarmFailure::none) return true;
    ++failed;
    // A case that kills its process would kill this one too if the shrinker ran it here: written, not shrunk.
    unwritable = !report_failure(spec, verdict, analysis::swarm_replay_command(case_seed, swarm), out,
                                 !vm.count("no-shrink") && !verdict.process_died);
    std::cout << std::flush;
    return !unwritable;
  });
  if (unwritable) return exit_usage;
  std::cout << "swarm: " << *runs << " runs from seed " << *seed << ": " << (*runs - failed) << " passed, " << failed
            << " failed\n";
  return failed ? exit_failed : exit_ok;
}

}  // namespace poolsim::cli
