// poolsim batch SCENARIO.yaml... --runs N [--seed-base S] [--jobs J] --out RESULTS.h5 [--keep-timelines]:
// seeded Monte Carlo runs of each scenario into one HDF5 file, resumable (docs/running.md "poolsim batch").
// Exit 0 when the results are written and no run broke an invariant, 1 when one did (or a worker died: the
// command can be run again), 2 for a usage or input error, or an output that cannot be written.
//
// Built with -DPOOLSIM_MPI=ON, `mpirun -np K poolsim batch ...` spreads the runs over K ranks (docs/cluster.md):
// every rank reads the arguments and scenarios alike, rank 0 alone prints, journals and writes the file.
#include <algorithm>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <iomanip>
#include <iostream>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "poolsim/analysis/batch.hpp"
#include "progress/progress_line.hpp"
#include "poolsim/analysis/journal.hpp"
#if POOLSIM_MPI
#include "poolsim/analysis/mpi_ranks.hpp"
#endif
#include "poolsim/analysis/run_one.hpp"
#include "poolsim/models/pool.hpp"
#include "poolsim/scenario/build.hpp"
#include "poolsim/scenario/emit.hpp"
#include "poolsim/scenario/load.hpp"
#include "poolsim/outputs.hpp"
#include "poolsim/scenario_args.hpp"
#include "poolsim/what_if_args.hpp"
#include "poolsim/verbs.hpp"

namespace poolsim::cli {

namespace po = boost::program_options;

namespace {

constexpr std::string_view usage =
    "usage: poolsim batch SCENARIO.yaml... --runs N [--seed-base S] [--jobs J] --out RESULTS.h5 [--keep-timelines]\n"
    "                     [--heartbeats compressed|messages] [--max-records N]\n"
    "                     [--remove-vm NAME]... [--remove-host NAME]... [--add-host MEMORY]... [--ha-timeout T] [--ntol N]\n";


}  // namespace

namespace {

// A percentage with its 95 % interval: "99.9812 % [99.9700, 99.9900]"; "-" when there is nothing to measure.
std::string percent(const batch::Interval& i) {
  if (std::isnan(i.estimate)) return "-";
  std::ostringstream out;
  out << std::fixed << std::setprecision(4) << 100 * i.estimate << " %";
  if (!std::isnan(i.low) && !std::isnan(i.high)) out << " [" << 100 * i.low << ", " << 100 * i.high << "]";
  return out.str();
}

std::string rate(double per_year) {
  if (std::isnan(per_year)) return "-";
  std::ostringstream out;
  out << std::fixed << std::setprecision(2) << per_year;
  return out.str();
}

// The figures of each scenario, one block each, on stdout (docs/running.md "poolsim batch").
void print_figures(std::ostream& out, const std::vector<batch::ScenarioFigures>& scenarios,
                   const batch::BatchOptions& opts) {
  out << "# poolsim batch: " << opts.runs << " runs per scenario from seed " << opts.seed_base
      << "; availability as mean over runs with its 95 % interval\n";
  for (const batch::ScenarioFigures& f : scenarios) {
    out << "scenario " << f.name << ": " << f.runs << " runs, " << f.failed << " failed (" << f.violations
        << " invariant violations)\n"
        << "  protected VMs available      " << percent(f.protected_availability) << "\n"
        << "  pool services available      " << percent(f.services_availability) << "\n";
    for (const batch::ScenarioFigures::Service& service : f.services) {
      const auto worst = Duration::nanoseconds(std::llround(service.worst_down_s * 10) * 100'000'000);
      std::string label = "  service " + service.name + " available";
      label.resize(std::max<std::size_t>(label.size() + 1, 31), ' ');  // in the column of the lines above
      out << label << percent(service.availability) << "; worst run " << format_hms(worst) << " down\n";
    }
    out
        << "  fences per run-year          " << rate(f.fences_per_year) << "\n"
        << "  master changes per run-year  " << rate(f.master_changes_per_year) << "\n";
    if (f.worst_seed) {
      // A duration for people (1h02m03s), to the tenth of a second as before.
      const auto down = Duration::nanoseconds(std::llround(f.worst_protected_down_s * 10) * 100'000'000);
      std::string options;  // the what-if options, which the replay needs too
      for (const batch::BatchScenario& s : opts.scenarios) {
        if (s.spec.name == f.name) options = scenario::command_line_options(s.spec);
      }
      out << "  worst run: seed " << *f.worst_seed << ", protected VMs down " << format_hms(down)
          << " in all; replay: poolsim run " << f.file << " --seed " << *f.worst_seed << options << "\n";
    }
  }
}

}  // namespace

int batch_main(const std::vector<std::string>& args) {
  std::unique_ptr<batch::Ranks> ranks;
#if POOLSIM_MPI
  ranks = std::make_unique<batch::MpiRanks>();
#endif
  // Ranks other than 0 say nothing: rank 0 reports for the batch (their own failures still reach stderr).
  std::ostream silent(nullptr);
  const bool coordinator = !ranks || ranks->rank() == 0;
  std::ostream& out_stream = coordinator ? std::cout : silent;
  std::ostream& err_stream = coordinator ? std::cerr : silent;
  std::vector<std::string> files;
  std::string runs_text, seed_text = "1", jobs_text = "1", out, heartbeats = "compressed",
              max_records_text = std::to_string(scenario::default_record_budget);
  po::options_description options("options");
  options.add_options()("help,h", "this help")("runs", po::value(&runs_text), "runs per scenario (seeds S .. S+N-1)")(
      "seed-base", po::value(&seed_text), "first seed (default 1)")(
      "jobs", po::value(&jobs_text), "worker processes (default 1); the results do not depend on it")(
      "out", po::value(&out), "the HDF5 results file (written whole; OUT.journal makes the batch resumable)")(
      "keep-timelines", "also keep each run's HDF5 timeline as /runs/<scenario>@<seed>")(
      "quiet", "print no table of figures on stdout (the file alone)")(
      "heartbeats", po::value(&heartbeats),
      "compressed (default) or messages (every heartbeat an event, the reference); the results do not depend on it")(
      "max-records", po::value(&max_records_text),
      "record budget of each run (default 10000000): a run past it is lost, exit 1 (docs/running.md)");
  WhatIfArgs what_if_args;
  add_what_if_options(options, what_if_args);
  po::variables_map vm;
  if (!parse_args("batch", args, options, files, -1, vm, err_stream)) return exit_usage;
  if (vm.count("help")) {
    out_stream << usage
               << "\nRuns seeds S .. S+N-1 of each scenario (random faults drawn from each seed), each run in a\n"
                  "worker process, and writes one HDF5 file: /runs (one row per run), /aggregate (availability and\n"
                  "downtime with 95 % confidence intervals). Completed runs are journaled in RESULTS.h5.journal: the\n"
                  "same command started again after a kill runs only the missing runs. docs/running.md describes it.\n"
                  "Built with -DPOOLSIM_MPI=ON, `mpirun -np K poolsim batch ...` spreads the runs over K ranks and\n"
                  "writes the same file (docs/cluster.md).\n"
                  "Exit status: 0 written, 1 a run broke an invariant or was lost, 2 usage or input error, or a file\n"
                  "that cannot be written (docs/running.md \"Outputs\").\n\n"
               << options;
    return exit_ok;
  }
  if (files.empty()) {
    err_stream << "poolsim batch: no scenario given; " << usage;
    return exit_usage;
  }
  batch::BatchOptions opts;
  const auto runs = parse_count(runs_text);
  if (!vm.count("runs") || !runs || *runs == 0 || *runs > 100'000'000) {
    err_stream << "poolsim batch: --runs N is required, a whole number from 1 to 100000000; " << usage;
    return exit_usage;
  }
  const auto seed_base = parse_seed_option("batch", "--seed-base", seed_text, *runs, err_stream);
  if (!seed_base) return exit_usage;
  const auto jobs = parse_count(jobs_text);
  if (!jobs || *jobs == 0 || *jobs > 1024) {
    err_stream << "poolsim batch: --jobs '" << jobs_text << "' is not a whole number from 1 to 1024\n";
    return exit_usage;
  }
  if (out.empty()) {
    err_stream << "poolsim batch: --out RESULTS.h5 is required; " << usage;
    return exit_usage;
  }
  opts.runs = *runs;
  opts.seed_base = *seed_base;
  opts.jobs = static_cast<unsigned>(*jobs);
  opts.out = out;
  opts.keep_timelines = vm.count("keep-timelines") > 0;
  const auto max_records = parse_count_option("batch", "--max-records", max_records_text, 1, ~std::uint64_t{0}, err_stream);
  if (!max_records) return exit_usage;
  opts.build.record_budget = *max_records;
  if (heartbeats == "messages") {
    opts.build.heartbeats = models::HeartbeatMode::messages;
  } else if (heartbeats != "compressed") {
    err_stream << "poolsim batch: --heartbeats '" << heartbeats << "' is not 'compressed' or 'messages'\n";
    return exit_usage;
  }

  const std::optional<scenario::WhatIf> what_if = parse_what_if("batch", what_if_args, vm, err_stream);
  if (!what_if) return exit_usage;
  bool bad = false;
  std::set<std::string> names;
  std::vector<std::filesystem::path> inputs;
  for (const std::string& file : files) {
    scenario::LoadResult loaded = scenario::load_scenario(file, &*what_if);
    for (const scenario::Diagnostic& d : loaded.diagnostics) err_stream << scenario::format_diagnostic(d) << '\n';
    if (!loaded.spec) {
      bad = true;
      continue;
    }
    // Refused verbs and settings: found now, not in every worker.
    const scenario::BuildResult built = scenario::build_simulation(*loaded.spec, file);
    for (const scenario::Diagnostic& d : built.diagnostics) err_stream << scenario::format_diagnostic(d) << '\n';
    if (!built.simulation) {
      bad = true;
      continue;
    }
    if (!names.insert(loaded.spec->name).second) {
      err_stream << "poolsim batch: " << file << ": another scenario of the batch is also named '" << loaded.spec->name
                 << "'; each needs its own name (runs are named <scenario>@<seed>)\n";
      bad = true;
      continue;
    }
    batch::BatchScenario s;
    s.file = file;
    s.yaml = scenario::recorded_scenario(*loaded.spec, batch::read_text_file(file), file);
    for (std::filesystem::path& input : input_files(file, *loaded.spec)) inputs.push_back(std::move(input));
    s.hash = batch::fnv1a64(s.yaml);
    s.spec = std::move(*loaded.spec);
    opts.scenarios.push_back(std::move(s));
  }
  if (bad) return exit_usage;

  // The results, their journal and kept timelines checked, and the results locked, before the runs
  // (tools/poolsim/outputs.hpp). Over MPI, rank 0 alone holds the lock and tells the others.
  std::optional<Outputs> outputs;
  bool refused = false;
  if (coordinator) {
    const std::vector<Output> wanted{{"--out", out}, {"the journal of --out", batch::journal_path(out), false}};
    refused = (opts.keep_timelines &&
               !check_output_directory("batch", "--keep-timelines", batch::timelines_dir(out), err_stream)) ||
              !(outputs = Outputs::prepare("batch", inputs, wanted, err_stream));
  }
  if (ranks && ranks->size() > 1) refused = ranks->agree(refused ? 1 : 0) != 0;
  if (refused) return exit_usage;

  const bool live = coordinator && ::isatty(STDERR_FILENO) == 1;
  const auto started = std::chrono::steady_clock::now();
  batch::BatchReport report;
  try {
    // The live line on a terminal (tools/progress): journaled runs count as done, not in the rate.
    progress::ProgressLine::Options line_options;
    line_options.label = "poolsim batch";
    line_options.live = live;
    progress::ProgressLine line(err_stream, std::move(line_options));
    batch::BatchProgress progress;
    progress.already_done = [&line](std::uint64_t done) { line.set_already_done(done); };
    progress.update = [&line](std::uint64_t done, std::uint64_t total) { line.update(done, total); };
    progress.finish = [&line] { line.finish(); };
    report = batch::run_batch(opts, progress, ranks.get());
  } catch (const OutputError& e) {  // a file that could not be written: the journaled runs are kept
    err_stream << "poolsim batch: " << e.what() << '\n';
    return exit_usage;
  } catch (const std::exception& e) {
    err_stream << "poolsim batch: " << e.what() << '\n';
    return exit_failed;
  }
  if (!coordinator) return report.exit_status;
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  err_stream << "poolsim batch: " << report.total << " runs (" << opts.scenarios.size() << " scenario"
               << (opts.scenarios.size() == 1 ? "" : "s") << " x " << opts.runs << " seeds from " << opts.seed_base
               << "): " << report.ran << " run now, " << report.from_journal << " from the journal; " << report.failed
               << " with a failed expectation or invariant, " << report.violations << " invariant violations; wrote "
               << out << " in " << std::fixed << std::setprecision(1) << elapsed << " s\n";
  if (vm.count("quiet") == 0) print_figures(out_stream, report.scenarios, opts);
  return report.exit_status == 0 ? exit_ok : exit_failed;
}

}  // namespace poolsim::cli
