#include "poolsim/scenario_args.hpp"

#include <iostream>
#include <limits>
#include <variant>

#include "poolsim/scenario/parameters.hpp"

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

std::optional<std::uint64_t> parse_count_option(std::string_view verb, std::string_view option,
                                                const std::string& text, std::uint64_t low, std::uint64_t high,
                                                std::ostream& err) {
  const auto value = parse_count(text);
  if (value && *value >= low && *value <= high) return value;
  err << "poolsim " << verb << ": " << option << " '" << text << "' is not a whole number from " << low << " to "
      << high << "\n";
  return std::nullopt;
}

std::optional<std::uint64_t> parse_seed_option(std::string_view verb, std::string_view option, const std::string& text,
                                               std::uint64_t seeds, std::ostream& err) {
  constexpr std::uint64_t top = std::numeric_limits<std::uint64_t>::max();  // a scenario's `seed` goes as far
  const std::uint64_t last_first = top - (seeds == 0 ? 0 : seeds - 1);
  const auto value = parse_count(text);
  if (value && *value <= last_first) return value;
  err << "poolsim " << verb << ": " << option << " '" << text << "' is not a seed: seeds are whole numbers from 0 to "
      << top;
  if (value && seeds > 1) {
    err << ", and the " << seeds << " seeds S .. S+" << (seeds - 1) << " must all be, so " << option
        << " S goes from 0 to " << last_first;
  }
  err << "\n";
  return std::nullopt;
}

std::optional<Duration> parse_until_option(std::string_view verb, const std::string& text, std::ostream& err) {
  const scenario::ParameterRow& row = scenario::parameter("until");  // the file's `until:` limits
  const auto parsed = parse_duration(text);
  if (const auto* error = std::get_if<TimeParseError>(&parsed)) {
    err << "poolsim " << verb << ": --until: " << error->message << "\n";
    return std::nullopt;
  }
  const Duration until = std::get<Duration>(parsed);
  const auto raw = static_cast<std::uint64_t>(until.ns());
  if (until.ns() < 0 || raw < row.min || raw > row.max) {
    err << "poolsim " << verb << ": --until " << text << " is out of range: a horizon goes from "
        << scenario::format_parameter_value(row.kind, row.min) << " to "
        << scenario::format_parameter_value(row.kind, row.max) << ", as the scenario's 'until:'\n";
    return std::nullopt;
  }
  return until;
}

std::vector<std::filesystem::path> input_files(const std::string& file, const scenario::ScenarioSpec& spec) {
  std::vector<std::filesystem::path> files{file};
  if (!spec.pool_file.empty()) files.emplace_back(spec.pool_file);
  return files;
}

}  // namespace poolsim::cli
