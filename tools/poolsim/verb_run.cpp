// poolsim run SCENARIO.yaml: simulates one scenario and prints its timeline, then the summary and the verdict
// of each expectation as `#` lines, so that the whole output is one deterministic text (docs/running.md).
// Exit 0 when every expectation holds, 1 when one fails or the model breaks an invariant, 2 for a usage or
// input error (the scenario file, or a verb or setting the models do not simulate yet).
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <boost/program_options.hpp>

#include "poolsim/kernel/time.hpp"
#include "poolsim/models/pool.hpp"
#include "poolsim/recording/output_file.hpp"
#include "poolsim/recording/text_timeline.hpp"
#include "poolsim/scenario/build.hpp"
#include "poolsim/scenario/emit.hpp"
#include "poolsim/scenario/load.hpp"
#include "poolsim/analysis/run_one.hpp"
#include "poolsim/outputs.hpp"
#include "poolsim/scenario_args.hpp"
#include "poolsim/what_if_args.hpp"
#include "poolsim/verbs.hpp"

namespace poolsim::cli {

namespace po = boost::program_options;

namespace {

constexpr std::string_view usage =
    "usage: poolsim run SCENARIO.yaml [--seed N] [--until T] [--timeline FILE|-] [--h5 FILE] [--quiet]\n"
    "                   [--heartbeats compressed|messages] [--stats] [--clock] [--max-records N]\n"
    "                   [--remove-vm NAME]... [--remove-host NAME]... [--add-host MEMORY]... [--ha-timeout T] [--ntol N]\n";

void print_diagnostics(const std::vector<scenario::Diagnostic>& diagnostics) {
  for (const scenario::Diagnostic& d : diagnostics) std::cerr << scenario::format_diagnostic(d) << '\n';
}


}  // namespace

int run_main(const std::vector<std::string>& args) {
  std::string file, seed_text, until_text, timeline = "-", h5, heartbeats = "compressed",
              max_records_text = std::to_string(scenario::default_record_budget);
  po::options_description options("options");
  options.add_options()("help,h", "this help")("seed", po::value(&seed_text), "seed of every random stream (overrides the file's)")(
      "until", po::value(&until_text), "simulated horizon, e.g. 20m (overrides the file's)")(
      "timeline", po::value(&timeline), "write the timeline and summary to FILE (written whole or not at all); '-' is stdout")(
      "h5", po::value(&h5), "also write the run as HDF5 to FILE (docs/hdf5-layout.md; whole or not at all)")(
      "quiet", "print only the summary and verdicts on stdout, not the timeline")(
      "heartbeats", po::value(&heartbeats),
      "compressed (default): only domain changes are events; messages: every heartbeat is one (the reference)")(
      "stats", "print '# stats events=N wall_s=S' on stderr (kernel events run, wall time of the run)")(
      "clock", "timeline times as day and time of day: UTC from the scenario's 'start:', else d0T00:05:00.000000")(
      "max-records", po::value(&max_records_text),
      "record budget: stop with exit 2, writing no file, past N timeline records (default 10000000)");
  WhatIfArgs what_if_args;
  add_what_if_options(options, what_if_args);
  constexpr std::string_view help =
      "\nSimulates the scenario and prints its timeline (one line per state change or decision), then the\n"
      "summary and each expectation's verdict as '#' lines. docs/running.md describes the output.\n"
      "Exit status: 0 every expectation holds, 1 one failed or an invariant broke, 2 usage or input error.\n\n";
  po::variables_map vm;
  if (const auto status = parse_scenario_args("run", args, options, usage, help, file, vm)) return *status;
  scenario::Overrides overrides;
  if (vm.count("seed")) {
    overrides.seed = parse_seed_option("run", "--seed", seed_text, 1, std::cerr);
    if (!overrides.seed) return exit_usage;
  }
  if (vm.count("until")) {
    overrides.until = parse_until_option("run", until_text, std::cerr);
    if (!overrides.until) return exit_usage;
  }

  scenario::BuildOptions build_options;
  const auto max_records = parse_count_option("run", "--max-records", max_records_text, 1, ~std::uint64_t{0}, std::cerr);
  if (!max_records) return exit_usage;
  build_options.record_budget = *max_records;
  if (heartbeats == "messages") {
    build_options.heartbeats = models::HeartbeatMode::messages;
  } else if (heartbeats != "compressed") {
    std::cerr << "poolsim run: --heartbeats '" << heartbeats << "' is not 'compressed' or 'messages'\n";
    return exit_usage;
  }

  const std::optional<scenario::WhatIf> what_if = parse_what_if("run", what_if_args, vm, std::cerr);
  if (!what_if) return exit_usage;
  scenario::LoadResult loaded = scenario::load_scenario(file, &*what_if);
  print_diagnostics(loaded.diagnostics);
  if (!loaded.spec) return exit_usage;
  scenario::ScenarioSpec& spec = *loaded.spec;
  scenario::apply_overrides(spec, overrides);
  scenario::BuildResult built = scenario::build_simulation(spec, file, build_options);
  print_diagnostics(built.diagnostics);
  if (!built.simulation) return exit_usage;
  scenario::Simulation& sim = *built.simulation;

  // Every output checked and locked before the run (tools/poolsim/outputs.hpp).
  const bool to_file = timeline != "-";
  if (vm.count("h5") && h5.empty()) {
    std::cerr << "poolsim run: --h5 needs a file name, e.g. '--h5 run.h5'\n";
    return exit_usage;
  }
  std::vector<Output> wanted;
  if (to_file) wanted.push_back({"--timeline", timeline});
  if (vm.count("h5")) wanted.push_back({"--h5", h5});
  const std::optional<Outputs> outputs = Outputs::prepare("run", input_files(file, spec), wanted, std::cerr);
  if (!outputs) return exit_usage;

  // Where the timeline and summary go: stdout, or a temporary renamed to FILE once complete.
  std::optional<TemporaryFile> timeline_tmp;
  std::optional<TemporaryFileBuf> timeline_buf;
  std::optional<std::ostream> file_out;
  if (to_file) {
    try {
      timeline_tmp.emplace(timeline, "cannot write '" + timeline + "': ");
    } catch (const OutputError& e) {
      std::cerr << "poolsim run: " << e.what() << '\n';
      return exit_usage;
    }
    timeline_buf.emplace(*timeline_tmp);
    file_out.emplace(&*timeline_buf);
  }
  const bool timeline_on_stdout = !to_file && !vm.count("quiet");
  std::ostream* timeline_out = to_file ? &*file_out : timeline_on_stdout ? &std::cout : nullptr;
  const SimTime until = SimTime::zero() + spec.until;
  std::unique_ptr<batch::Hdf5Recording> hdf5;
  if (vm.count("h5")) {
    try {
      hdf5 = std::make_unique<batch::Hdf5Recording>(
          sim, h5, scenario::recorded_scenario(spec, batch::read_text_file(file), file), until);
    } catch (const std::exception& e) {
      std::cerr << "poolsim run: " << e.what() << '\n';
      return exit_usage;
    }
  }
  std::unique_ptr<TextTimeline> text;
  if (timeline_out) {
    text = std::make_unique<TextTimeline>(*timeline_out,
                                          TimelineHeader{spec.name, spec.seed, until, spec.start, vm.count("clock") > 0});
    sim.bus().subscribe(*text);
  }

  std::string ending;
  bool failed = false;
  bool violated = false;
  const auto started = std::chrono::steady_clock::now();
  try {
    sim.run(until);
    const scenario::OutcomeRecorder& outcome = sim.outcome();
    ending = outcome.summary();
    // A failed expectation also goes to stderr with its position in the file, compiler-style: the verdict
    // lines of the output name it by number and text only (docs/running.md "Expectations").
    const std::vector<scenario::Verdict> verdicts = outcome.verdicts();
    for (std::size_t i = 0; i < verdicts.size(); ++i) {
      const scenario::Verdict& v = verdicts[i];
      if (v.passed) continue;
      failed = true;
      std::cerr << file << ':' << v.pos.line << ':' << v.pos.column << ": expectation " << i + 1
                << " failed: " << v.text << ": " << v.reason << '\n';
    }
  } catch (const RecordBudgetExceeded& e) {
    // Stopped where it stood: the temporaries are removed, nothing is written (docs/running.md "Record budget").
    if (timeline_on_stdout) std::cout << "# stopped: record budget of " << e.budget() << " records reached\n";
    std::cout.flush();
    std::cerr << "poolsim run: " << file << ": stopped at " << format_seconds(e.at()) << " s simulated of "
              << format_seconds(until) << ": the run reached its record budget of " << e.budget()
              << " timeline records (--max-records) and would go on; no output file is written. Check the faults "
                 "(a random fault with a tiny mtbf, a repair of 0s), shorten 'until', or raise --max-records\n";
    return exit_usage;
  } catch (const models::InvariantViolation& e) {
    failed = violated = true;
    ending = "# invariant violated at " + format_seconds(sim.queue().now()) + " (seed " + std::to_string(spec.seed) +
             "): " + e.what() + "\n";
    std::cerr << "poolsim run: " << file << ": invariant violated at " << format_seconds(sim.queue().now())
              << " s, seed " << spec.seed << ": " << e.what() << '\n';
  }

  if (vm.count("stats")) {
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::cerr << "# stats events=" << sim.queue().events_run() << " wall_s=" << wall << '\n';
  }
  if (timeline_out) *timeline_out << ending;
  if (!timeline_on_stdout) std::cout << ending;
  std::cout.flush();
  if (to_file) {
    try {
      file_out->flush();
      timeline_buf->finish();
      timeline_tmp->commit();  // fsync, rename, fsync of the directory
    } catch (const OutputError& e) {
      std::cerr << "poolsim run: " << e.what() << '\n';
      return exit_usage;
    }
  }
  if (hdf5) {
    try {
      hdf5->finish(violated ? sim.queue().now() : until);  // after a violation, the run up to it
    } catch (const std::exception& e) {
      std::cerr << "poolsim run: " << e.what() << '\n';
      return exit_usage;
    }
  }
  return failed ? exit_failed : exit_ok;
}

}  // namespace poolsim::cli
