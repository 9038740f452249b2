// The swarm's runs (swarm.hpp run_swarm): chunks of seeds checked in worker processes of the analysis layer's one
// worker pool (workers.hpp run_in_order), their verdicts handed on in seed order.
#include <algorithm>
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

std::optional<SwarmVerdict> decode(std::string_view text) {
  int failure = 0;
  std::int64_t at = 0;
  std::size_t signature = 0;
  if (!take_number(text, failure, ' ') || !take_number(text, at, ' ') || !take_number(text, signature, '\n') ||
      failure < 0 ||
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
  run_in_order(
      static_cast<std::size_t>(runs), jobs, seeds_per_chunk,
      [&](std::size_t i) { return encode(check(first + i)); },
      [&](std::size_t i, const JobOutcome& outcome) {
        std::optional<SwarmVerdict> verdict = outcome.result ? decode(*outcome.result) : std::nullopt;
        if (!verdict && outcome.error) {
          verdict = SwarmVerdict{SwarmFailure::invariant, SimTime::zero(), "model error: " + *outcome.error,
                                 "the check threw: " + *outcome.error};
        }
        if (!verdict) {
          // A case that killed its process twice (a crash in the model), or whose verdict could not be read.
          const std::string how = outcome.exit.how();
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
