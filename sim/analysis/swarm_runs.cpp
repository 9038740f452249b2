// The swarm's runs (swarm.hpp run_swarm): chunks of seeds checked in worker processes of the analysis layer's one
// worker pool (workers.hpp run_in_order), their verdicts handed on in seed order.
#include <algorithm>
#include <charconv>
#include <string>
#include <string_view>

#include "poolsim/analysis/swarm.hpp"
#include "poolsim/analysis/workers.hpp"

namespace poolsim::analysis {
namespace {

// Seeds per worker process: enough that starting a process costs little beside the runs (a few ms each).
constexpr std::uint64_t seeds_per_chunk = 64;

// A verdict as text: "FAILURE AT_NS SIGNATURE_BYTES\n", the signature, then the message (any bytes). A verdict
// that crosses the pipe came from a live process.
std::string encode(const SwarmVerdict& v) {
  return std::to_string(static_cast<int>(v.failure)) + ' ' + std::to_string(v.at.ns()) + ' ' +
         std::to_string(v.signature.size()) + '\n' + v.signature + v.message;
}

template <typename T>
bool number(std::string_view& text, T& out, char end) {
  const auto [at, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (error != std::errc() || at == text.data() || at == text.data() + text.size() || *at != end) return false;
  text.remove_prefix(static_cast<std::size_t>(at - text.data()) + 1);
  return true;
}

std::optional<SwarmVerdict> decode(std::string_view text) {
  int failure = 0;
  std::int64_t at = 0;
  std::size_t signature = 0;
  if (!number(text, failure, ' ') || !number(text, at, ' ') || !number(text, signature, '\n') || failure < 0 ||
      failure > static_cast<int>(SwarmFailure::liveness) || text.size() < signature) {
    return std::nullopt;
  }
  SwarmVerdict v;
  v.failure = static_cast<SwarmFailure>(failure);
  v.at = SimTime::from_ns(at);
  v.signature = std::string(text.substr(0, signature));
  v.message = std::string(text.substr(signature));
  return v;
}

}  // namespace

void run_swarm(std::uint64_t first, std::uint64_t runs, unsigned jobs, const SwarmCheck& check,
               const std::function<bool(std::uint64_t seed, const SwarmVerdict& verdict)>& each) {
  const unsigned parallel = std::max(1U, jobs);
  const std::uint64_t chunk = std::max<std::uint64_t>(1, std::min(seeds_per_chunk, runs / parallel));
  run_in_order(
      static_cast<std::size_t>(runs), parallel, static_cast<std::size_t>(chunk),
      [&](std::size_t i) { return encode(check(first + i)); },
      [&](std::size_t i, const JobOutcome& outcome) {
        std::optional<SwarmVerdict> verdict = outcome.result ? decode(*outcome.result) : std::nullopt;
        if (!verdict && outcome.error) {
          verdict = SwarmVerdict{SwarmFailure::invariant, SimTime::zero(), "model error: " + *outcome.error,
                                 "the check threw: " + *outcome.error};
        }
        if (!verdict) {
          // A case that killed its process twice (a crash in the model), or whose verdict could not be read.
          const JobExit& exit = outcome.exit;
          const std::string how =
              exit.exited ? "exit status " + std::to_string(exit.status) : "signal " + std::to_string(exit.signal);
          verdict = SwarmVerdict{SwarmFailure::invariant, SimTime::zero(), "model crashed: " + how,
                                 "the run's process ended without a readable verdict (" + how + ")"};
          verdict->process_died = true;
        }
        return each(first + i, *verdict);
      });
}

void run_swarm(std::uint64_t first, std::uint64_t runs, const SwarmOptions& options, unsigned jobs,
               const std::function<bool(std::uint64_t seed, const SwarmVerdict& verdict)>& each) {
  run_swarm(first, runs, jobs, [&](std::uint64_t seed) { return check_swarm_case(generate_swarm_case(seed, options)); },
            each);
}

}  // namespace poolsim::analysis
