// The command line shared by the verbs: the arguments of those that take one scenario file (run, size, explore),
// and whole numbers.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <boost/program_options.hpp>

#include "poolsim/kernel/time.hpp"
#include "poolsim/scenario/spec.hpp"

namespace poolsim::cli {

// Parses `args` against the verb's `options` plus positional scenario files into `files` (at most `max_files`;
// -1: any number). Prints the usage error to `err` and returns false when they do not parse.
bool parse_args(std::string_view verb, const std::vector<std::string>& args,
                const boost::program_options::options_description& options, std::vector<std::string>& files,
                int max_files, boost::program_options::variables_map& vm, std::ostream& err);

// Parses `args` against the verb's `options` plus one positional SCENARIO.yaml into `file` and `vm`. Prints
// the usage error (exit 2), the help — `usage`, then `help_text`, then the options — (exit 0), or the missing
// file (exit 2), and returns that exit status; returns nothing when the verb should go on.
std::optional<int> parse_scenario_args(std::string_view verb, const std::vector<std::string>& args,
                                       const boost::program_options::options_description& options,
                                       std::string_view usage, std::string_view help_text, std::string& file,
                                       boost::program_options::variables_map& vm);

// A whole number written in decimal digits only (no sign, no spaces), up to 2^64 - 1; nothing otherwise.
std::optional<std::uint64_t> parse_count(std::string_view text);

// The value of the whole-number option `option` (e.g. "--jobs"), from `low` to `high`. Otherwise prints
// "poolsim VERB: --jobs 'x' is not a whole number from 1 to 1024" (a sign, a fraction, overflow) to `err`.
std::optional<std::uint64_t> parse_count_option(std::string_view verb, std::string_view option,
                                                const std::string& text, std::uint64_t low, std::uint64_t high,
                                                std::ostream& err);

// The first of `seeds` consecutive seeds S .. S + seeds - 1 (1 for a lone seed), each from 0 to 2^64 - 1 as a
// scenario's `seed`; a first seed that would make them wrap past 2^64 - 1 is refused with the range that fits.
std::optional<std::uint64_t> parse_seed_option(std::string_view verb, std::string_view option, const std::string& text,
                                               std::uint64_t seeds, std::ostream& err);

// A simulated horizon (`--until`), under the same limits as a scenario's `until:` (the parameter table's row:
// 1s to 100y); prints the parse error or the range otherwise.
std::optional<Duration> parse_until_option(std::string_view verb, const std::string& text, std::ostream& err);

// The files a loaded scenario was read from: `file`, and its pool file when it has one (outputs must not be
// either, tools/poolsim/outputs.hpp).
std::vector<std::filesystem::path> input_files(const std::string& file, const scenario::ScenarioSpec& spec);

}  // namespace poolsim::cli
