#include "poolsim/scenario_args.hpp"

#include <iostream>

#include "poolsim/verbs.hpp"

namespace poolsim::cli {

namespace po = boost::program_options;

bool parse_args(std::string_view verb, const std::vector<std::string>& args, const po::options_description& options,
                std::vector<std::string>& files, int max_files, po::variables_map& vm, std::ostream& err) {
  po::options_description hidden;
  hidden.add_options()("file", po::value(&files));
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("file", max_files);
  try {
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    err << "poolsim " << verb << ": " << e.what() << "; see 'poolsim " << verb << " --help'\n";
    return false;
  }
  return true;
}

std::optional<int> parse_scenario_args(std::string_view verb, const std::vector<std::string>& args,
                                       const po::options_description& options, std::string_view usage,
                                       std::string_view help_text, std::string& file, po::variables_map& vm) {
  std::vector<std::string> files;
  if (!parse_args(verb, args, options, files, 1, vm, std::cerr)) return exit_usage;
  if (!files.empty()) file = files.front();
  if (vm.count("help")) {
    std::cout << usage << help_text << options;
    return exit_ok;
  }
  if (file.empty()) {
    std::cerr << "poolsim " << verb << ": no scenario given; " << usage;
    return exit_usage;
  }
  return std::nullopt;
}

std::optional<std::uint64_t> parse_count(std::string_view text) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  std::uint64_t value = 0;
  for (const char c : text) {
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (~std::uint64_t{0} - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

}  // namespace poolsim::cli
