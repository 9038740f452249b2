// The swarm's runs (swarm.hpp run_swarm): chunks of seeds checked in worker processes of the analysis layer's one
// worker pool, their verdicts handed on in seed order.
#include <algorithm>
#include <charconv>
#include <map>
#include <string>
#include <string_view>

#include "poolsim/analysis/swarm.hpp"
#include "poolsim/analysis/workers.hpp"

namespace poolsim::analysis {
namespace {

// Seeds per worker process: enough that starting a process costs little beside the runs (a few ms each).
constexpr std::uint64_t seeds_per_chunk = 64;

// A verdict through the pipe: "SEED FAILURE AT_NS SIGNATURE_BYTES MESSAGE_BYTES\n" then the two texts, which may
// hold any byte.
std::string encode(std::uint64_t seed, const SwarmVerdict& v) {
  return std::to_string(seed) + ' ' + std::to_string(static_cast<int>(v.failure)) + ' ' + std::to_string(v.at.ns()) +
         ' ' + std::to_string(v.signature.size()) + ' ' + std::to_string(v.message.size()) + '\n' + v.signature +
         v.message;
}

template <typename T>
bool number(std::string_view& text, T& out) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (error != std::errc() || end == text.data()) return false;
  text.remove_prefix(static_cast<std::size_t>(end - text.data()));
  if (!text.empty() && (text.front() == ' ' || text.front() == '\n')) text.remove_prefix(1);
  return true;
}

// The verdicts a worker's output holds, in its order; stops at the first malformed one (a worker cut short).
std::vector<std::pair<std::uint64_t, SwarmVerdict>> decode(std::string_view text) {
  std::vector<std::pair<std::uint64_t, SwarmVerdict>> out;
  while (!text.empty()) {
    std::uint64_t seed = 0;
    int failure = 0;
    std::int64_t at = 0;
    std::size_t signature = 0, message = 0;
    if (!number(text, seed) || !number(text, failure) || !number(text, at) || !number(text, signature) ||
        !number(text, message) || failure < 0 || failure > static_cast<int>(SwarmFailure::liveness) ||
        text.size() < signature + message) {
      break;
    }
    SwarmVerdict v;
    v.failure = static_cast<SwarmFailure>(failure);
    v.at = SimTime::from_ns(at);
    v.signature = std::string(text.substr(0, signature));
    v.message = std::string(text.substr(signature, message));
    text.remove_prefix(signature + message);
    out.emplace_back(seed, std::move(v));
  }
  return out;
}

}  // namespace

void run_swarm(std::uint64_t first, std::uint64_t runs, unsigned jobs, const SwarmCheck& check,
               const std::function<void(std::uint64_t seed, const SwarmVerdict& verdict)>& each) {
  std::map<std::uint64_t, SwarmVerdict> ended;  // verdicts that arrived before an earlier seed's
  std::uint64_t next = first;                   // the next seed to hand on
  const std::uint64_t end = first + runs;
  const auto hand_on = [&] {
    for (auto it = ended.begin(); it != ended.end() && it->first == next; it = ended.erase(it), ++next) {
      each(it->first, it->second);
    }
  };
  const auto run = [&](const std::vector<std::pair<std::uint64_t, std::uint64_t>>& ranges, bool crash_is_verdict) {
    WorkerPool pool;
    pool.parallel = std::max(1U, jobs);
    pool.job = [&](std::size_t i, int fd) {
      for (std::uint64_t seed = ranges[i].first; seed < ranges[i].second; ++seed) {
        write_all(fd, encode(seed, check(seed)));
      }
      return 0;
    };
    pool.done = [&](std::size_t i, JobExit exit) {
      for (auto& [seed, verdict] : decode(exit.output)) {
        if (seed >= ranges[i].first && seed < ranges[i].second) ended.emplace(seed, std::move(verdict));
      }
      if (crash_is_verdict && !exit.ok() && !ended.count(ranges[i].first)) {
        const std::string how = exit.exited ? "exit status " + std::to_string(exit.status)
                                            : "signal " + std::to_string(exit.signal);
        ended.emplace(ranges[i].first, SwarmVerdict{SwarmFailure::invariant, SimTime::zero(), "model crashed: " + how,
                                                    "the run's process ended without a verdict (" + how + ")"});
      }
      hand_on();
    };
    pool.run(ranges.size());
  };
  std::vector<std::pair<std::uint64_t, std::uint64_t>> chunks;
  const std::uint64_t chunk = std::max<std::uint64_t>(1, std::min(seeds_per_chunk, runs / std::max(1U, jobs)));
  for (std::uint64_t from = first; from < end; from += chunk) chunks.emplace_back(from, std::min(end, from + chunk));
  run(chunks, false);
  // The seeds a process that died took with it, each again in a process of its own: the one that kills its process
  // is a failure of its own.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> lost;
  for (std::uint64_t seed = next; seed < end; ++seed) {
    if (!ended.count(seed)) lost.emplace_back(seed, seed + 1);
  }
  run(lost, true);
  hand_on();
}

void run_swarm(std::uint64_t first, std::uint64_t runs, const SwarmOptions& options, unsigned jobs,
               const std::function<void(std::uint64_t seed, const SwarmVerdict& verdict)>& each) {
  run_swarm(first, runs, jobs, [&](std::uint64_t seed) { return check_swarm_case(generate_swarm_case(seed, options)); },
            each);
}

}  // namespace poolsim::analysis
