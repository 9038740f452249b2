// The determinism checks' helper: runs scenarios through the library (not the poolsim executable) and prints
// what `poolsim run` would print, or its fingerprint.
//
//   determinism_tool text SCENARIO.yaml         the run's output (timeline, summary, verdicts), run twice in this
//                                                process; exit 1 when the two runs differ
//   determinism_tool fingerprint SCENARIO.yaml SEED...
//                                                one line per seed: NAME SEED STATUS FINGERPRINT
//
//   determinism_tool swarm-case SEED [HOSTS_MAX]
//                                                the YAML of `poolsim swarm`'s case for SEED (hosts 2..HOSTS_MAX,
//                                                default 16), to run with `poolsim run` (heartbeat_modes.sh)
//
// The fingerprint is FNV-1a 64 of the whole output `poolsim run SCENARIO.yaml --seed SEED` prints (its header
// with the version and seed, every timeline line, the summary and verdicts), in 16 hex digits; STATUS is the
// exit status `poolsim run` gives (0, or 1 for a failed expectation or invariant). Exit 2 when a scenario does
// not load or is refused by the builder (a verb not simulated yet): it has no fingerprint.
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "poolsim/models/pool.hpp"
#include "poolsim/recording/text_timeline.hpp"
#include "poolsim/scenario/build.hpp"
#include "poolsim/scenario/emit.hpp"
#include "poolsim/scenario/load.hpp"
#include "poolsim/analysis/swarm.hpp"

namespace {

using namespace poolsim;

struct Output {
  std::string text;
  int status = 0;  // 0, 1 as `poolsim run`; 2 when the scenario cannot run
};

// One run, as tools/poolsim/verb_run.cpp prints it to stdout.
Output run(const std::string& file, std::optional<std::uint64_t> seed) {
  scenario::LoadResult loaded = scenario::load_scenario(file);
  if (!loaded.spec) return {{}, 2};
  scenario::ScenarioSpec& spec = *loaded.spec;
  scenario::apply_overrides(spec, {seed, std::nullopt});
  scenario::BuildResult built = scenario::build_simulation(spec, file);
  if (!built.simulation) return {{}, 2};
  scenario::Simulation& sim = *built.simulation;
  std::ostringstream out;
  const SimTime until = SimTime::zero() + spec.until;
  TextTimeline text(out, TimelineHeader{spec.name, spec.seed, until});
  sim.bus().subscribe(text);
  Output result;
  try {
    sim.run(until);
    out << sim.outcome().summary();
    for (const scenario::Verdict& v : sim.outcome().verdicts()) result.status |= v.passed ? 0 : 1;
  } catch (const models::InvariantViolation& e) {
    result.status = 1;
    out << "# invariant violated at " << format_seconds(sim.queue().now()) << " (seed " << spec.seed
        << "): " << e.what() << '\n';
  }
  result.text = out.str();
  return result;
}

std::uint64_t fnv1a64(const std::string& bytes) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (const char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

std::string name_of(const std::string& file) {
  const std::size_t slash = file.find_last_of('/');
  std::string name = slash == std::string::npos ? file : file.substr(slash + 1);
  if (name.ends_with(".yaml")) name.resize(name.size() - 5);
  return name;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 2 && args[0] == "text") {
    const Output first = run(args[1], std::nullopt);
    const Output second = run(args[1], std::nullopt);
    if (first.status == 2) return 2;
    std::cout << first.text;
    if (first.text != second.text || first.status != second.status) {
      std::cerr << "determinism_tool: two runs of " << args[1] << " in one process differ\n";
      return 1;
    }
    return 0;
  }
  if (args.size() >= 3 && args[0] == "fingerprint") {
    for (std::size_t i = 2; i < args.size(); ++i) {
      const Output out = run(args[1], std::stoull(args[i]));
      if (out.status == 2) return 2;
      char hex[17];
      std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(fnv1a64(out.text)));
      std::cout << name_of(args[1]) << ' ' << args[i] << ' ' << out.status << ' ' << hex << '\n';
    }
    return 0;
  }
  if ((args.size() == 2 || args.size() == 3) && args[0] == "swarm-case") {
    analysis::SwarmOptions options;
    if (args.size() == 3) options.hosts_max = std::stoull(args[2]);
    std::cout << scenario::to_yaml(analysis::generate_swarm_case(std::stoull(args[1]), options));
    return 0;
  }
  std::cerr << "usage: determinism_tool text SCENARIO.yaml | fingerprint SCENARIO.yaml SEED... | "
               "swarm-case SEED [HOSTS_MAX]\n";
  return 2;
}
