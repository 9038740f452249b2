// libFuzzer target of the scenario loader: bytes -> load_scenario_text (text checks, YAML, schema, cross-element
// validation) -> build_simulation (the builder that wires the models) for every input the loader accepts.
//
// What counts as a finding: a crash, an uncaught exception (yaml-cpp's included), a sanitizer report, a timeout
// or an out-of-memory. A load that refuses its input is the expected outcome, and is checked for what every
// refusal must hold: at least one error, each with a message. docs/testing.md "Fuzzing" says how to run it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "poolsim/scenario/build.hpp"
#include "poolsim/scenario/diagnostic.hpp"
#include "poolsim/scenario/load.hpp"

namespace {

// Stops the run as a finding (libFuzzer reports the abort with the input that caused it).
void require(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace poolsim::scenario;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const LoadResult loaded = load_scenario_text(text, "fuzz.yaml");
  for (const Diagnostic& d : loaded.diagnostics) require(!d.message.empty() && d.file == "fuzz.yaml");
  if (!loaded.spec) {
    require(has_errors(loaded.diagnostics));
    return 0;
  }
  require(!has_errors(loaded.diagnostics));
  const BuildResult built = build_simulation(*loaded.spec, "fuzz.yaml");
  // A build either gives a simulation or says why not.
  require(built.simulation != nullptr || has_errors(built.diagnostics));
  return 0;
}
