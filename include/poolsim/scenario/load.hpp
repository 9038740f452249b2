// Loading a scenario file: YAML text -> a validated ScenarioSpec, or every problem found in it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "poolsim/kernel/time.hpp"
#include "poolsim/scenario/diagnostic.hpp"
#include "poolsim/scenario/spec.hpp"

namespace poolsim::scenario {

// The largest scenario file accepted; a larger one is refused with a message before any parsing.
inline constexpr std::uint64_t max_file_bytes = 4 << 20;
// Limits of the YAML tree, checked while parsing, before the tree is built: 4 MiB can hold a million tiny
// values, which yaml-cpp took 27 s and 600 MB to build. Above what 4 MiB of real pool holds: some 30 000 VMs of
// about 20 values each (tools/gen-large-pool.py), 600 000 values, in lists of at most 30 000 entries.
inline constexpr std::size_t max_yaml_nodes = 1'000'000;       // every key, value, list and mapping counts one
inline constexpr std::size_t max_yaml_list_length = 100'000;   // entries of one list or mapping
inline constexpr std::size_t max_yaml_depth = 64;               // lists and mappings nested in one another

// The outcome of a load: the spec when there is no error (warnings allowed), and every diagnostic in file order
// of discovery (syntax first, then each element's keys and values, then cross-references and domain checks).
struct LoadResult {
  std::optional<ScenarioSpec> spec;
  std::vector<Diagnostic> diagnostics;
};

struct WhatIf;

// Reads and validates the file at `path`; diagnostics name the file as `path` is written, and a pool file
// (`pool: {from: F}`) as F joined to the folder of `path`. The command line's `what_if` changes, when given, are
// applied after reading and before validation (an error of theirs names the whole file).
LoadResult load_scenario(const std::string& path, const WhatIf* what_if = nullptr);

// Validates scenario text; diagnostics name it `display_name`, and a pool file is looked for beside it.
LoadResult load_scenario_text(std::string_view text, const std::string& display_name, const WhatIf* what_if = nullptr);

// Command-line overrides of a scenario's own values (docs/running.md "Command line":
// `poolsim run --seed N --until T`).
struct Overrides {
  std::optional<std::uint64_t> seed;
  std::optional<Duration> until;
};

// Applies the overrides that are set.
void apply_overrides(ScenarioSpec& spec, const Overrides& overrides);

}  // namespace poolsim::scenario
