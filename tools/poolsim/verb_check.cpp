// poolsim check FILE...: validates scenario files and prints every problem compiler-style to stderr.
// Exit 0 when no file has an error (warnings allowed), 2 when any has one or the arguments are wrong.
#include <iostream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "poolsim/scenario/load.hpp"
#include "poolsim/scenario/parameters.hpp"
#include "poolsim/scenario_args.hpp"
#include "poolsim/verbs.hpp"

namespace poolsim::cli {

namespace po = boost::program_options;

int check_main(const std::vector<std::string>& args) {
  std::vector<std::string> files;
  po::options_description options("options");
  options.add_options()("help,h", "this help")(
      "list-params", "print the parameter table (key, unit, range, default, meaning, source) as Markdown");
  po::variables_map vm;
  if (!parse_args("check", args, options, files, -1, vm, std::cerr)) return exit_usage;
  if (vm.count("help")) {
    std::cout << "usage: poolsim check SCENARIO.yaml...\n       poolsim check --list-params\n\n"
                 "Validates each scenario file and prints every problem to stderr as FILE:LINE:COL: error: MESSAGE\n"
                 "(or warning). Exit status: 0 when no file has an error (warnings allowed), 2 otherwise.\n"
                 "docs/scenario-format.md describes the format.\n\n"
              << options;
    return exit_ok;
  }
  if (vm.count("list-params")) {
    std::cout << scenario::parameter_table_header() << '\n';
    for (const scenario::ParameterRow& row : scenario::parameter_table) {
      std::cout << scenario::format_parameter_row(row) << '\n';
    }
    return exit_ok;
  }
  if (files.empty()) {
    std::cerr << "poolsim check: no file given; usage: poolsim check SCENARIO.yaml...\n";
    return exit_usage;
  }
  bool errors = false;
  for (const std::string& file : files) {
    const scenario::LoadResult result = scenario::load_scenario(file);
    for (const scenario::Diagnostic& d : result.diagnostics) std::cerr << scenario::format_diagnostic(d) << '\n';
    errors = errors || !result.spec;
  }
  return errors ? exit_usage : exit_ok;
}

}  // namespace poolsim::cli
