// Loading a scenario file: YAML text -> a validated ScenarioSpec, or every problem found in it.
#pragma once

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

// The outcome of a load: the spec when there is no error (warnings allowed), and every diagnostic in file order
// of discovery (syntax first, then each element's keys and values, then cross-references and domain checks).
struct LoadResult {
  std::optional<ScenarioSpec> spec;
  std::vector<Diagnostic> diagnostics;
};

// Reads and validates the file at `path`; diagnostics name the file as `path` is written.
LoadResult load_scenario(const std::string& path);

// Validates scenario text; diagnostics name it `display_name`.
LoadResult load_scenario_text(std::string_view text, const std::string& display_name);

// Command-line overrides of a scenario's own values (docs/running.md "Command line":
// `poolsim run --seed N --until T`).
struct Overrides {
  std::optional<std::uint64_t> seed;
  std::optional<Duration> until;
};

// Applies the overrides that are set.
void apply_overrides(ScenarioSpec& spec, const Overrides& overrides);

}  // namespace poolsim::scenario
