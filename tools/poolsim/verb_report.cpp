// poolsim report FILE.h5 -o OUT.html: one self-contained HTML page of a run's, a batch's or a size file
// (include/poolsim/report/report.hpp; docs/running.md "poolsim report"). Exit 0 when written, 2 for a usage error,
// an input that is not a poolsim file, or an output that cannot be written (checked before, written whole).
#include <iostream>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <boost/program_options.hpp>

#include "poolsim/kernel/time.hpp"
#include "poolsim/recording/output_file.hpp"
#include "poolsim/report/report.hpp"
#include "poolsim/outputs.hpp"
#include "poolsim/scenario_args.hpp"
#include "poolsim/verbs.hpp"

namespace poolsim::cli {

namespace po = boost::program_options;

namespace {

constexpr std::string_view usage =
    "usage: poolsim report FILE.h5 -o OUT.html [--incident-gap T] [--margin T] [--max-panels N] [--worst N]";

// A duration option: positive, written like the scenario's ("10m", "90s").
std::optional<Duration> duration_option(const std::string& option, const std::string& text) {
  const auto parsed = parse_duration(text);
  if (const auto* error = std::get_if<TimeParseError>(&parsed)) {
    std::cerr << "poolsim report: " << option << ": " << error->message << '\n';
    return std::nullopt;
  }
  return std::get<Duration>(parsed);
}

}  // namespace

int report_main(const std::vector<std::string>& args) {
  std::string output, gap_text, margin_text, panels_text, worst_text;
  po::options_description options("options");
  options.add_options()("help,h", "this help")("output,o", po::value(&output), "the HTML page to write (whole or not at all)")(
      "incident-gap", po::value(&gap_text), "injected records closer than this join one incident (default 10m)")(
      "margin", po::value(&margin_text), "time shown before and after each incident (default 1m)")(
      "max-panels", po::value(&panels_text), "incident panels drawn (default 12; all are listed)")(
      "worst", po::value(&worst_text), "batch: worst runs listed per scenario (default 10)");
  std::vector<std::string> files;
  po::variables_map vm;
  if (!parse_args("report", args, options, files, 1, vm, std::cerr)) return exit_usage;
  if (vm.count("help")) {
    std::cout << usage << "\n\n"
                 "Writes one HTML page of an HDF5 file poolsim wrote: a run ('poolsim run --h5'): its summary, its\n"
                 "incidents and whole timeline as figures, alerts and downtime; a batch ('poolsim batch --out'):\n"
                 "availability with intervals, histograms, the worst runs and how to replay them; a sizing study\n"
                 "('poolsim size --h5'): the table per k and what was left down. The page loads nothing: CSS, script\n"
                 "and figures (SVG) are inline. docs/running.md \"poolsim report\".\n"
                 "Exit status: 0 written, 2 usage error, unreadable input or unwritable output.\n\n"
              << options;
    return exit_ok;
  }
  if (files.size() != 1) {
    std::cerr << "poolsim report: no input file given; " << usage << '\n';
    return exit_usage;
  }
  if (output.empty()) {
    std::cerr << "poolsim report: no output given (-o OUT.html); " << usage << '\n';
    return exit_usage;
  }
  report::ReportOptions ro;
  if (vm.count("incident-gap")) {
    const auto d = duration_option("--incident-gap", gap_text);
    if (!d) return exit_usage;
    ro.incident_gap = *d;
  }
  if (vm.count("margin")) {
    const auto d = duration_option("--margin", margin_text);
    if (!d) return exit_usage;
    ro.incident_margin = *d;
  }
  if (vm.count("max-panels")) {
    const auto n = parse_count(panels_text);
    if (!n) {
      std::cerr << "poolsim report: --max-panels '" << panels_text << "' is not a whole number, e.g. '12'\n";
      return exit_usage;
    }
    ro.max_panels = static_cast<std::size_t>(*n);
  }
  if (vm.count("worst")) {
    const auto n = parse_count(worst_text);
    if (!n) {
      std::cerr << "poolsim report: --worst '" << worst_text << "' is not a whole number, e.g. '10'\n";
      return exit_usage;
    }
    ro.worst_runs = static_cast<std::size_t>(*n);
  }
  const std::string& input = files.front();

  // The output is checked and locked before the input is read (tools/poolsim/outputs.hpp).
  const std::optional<Outputs> outputs = Outputs::prepare("report", {input}, {{"--output", output}}, std::cerr);
  if (!outputs) return exit_usage;
  std::string page;
  try {
    page = report::render_report(input, ro);
  } catch (const report::ReportError& e) {
    std::cerr << "poolsim report: " << e.what() << '\n';
    return exit_usage;
  }
  try {
    TemporaryFile tmp(output, "cannot write '" + output + "': ");
    if (const int error = tmp.write_all(page)) tmp.fail(error);
    tmp.commit();  // fsync, rename, fsync of the directory
  } catch (const OutputError& e) {
    std::cerr << "poolsim report: " << e.what() << '\n';
    return exit_usage;
  }
  return exit_ok;
}

}  // namespace poolsim::cli
