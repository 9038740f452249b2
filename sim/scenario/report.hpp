// The diagnostics of one load as they are found, and the spelling suggestions messages share.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "poolsim/scenario/diagnostic.hpp"
#include "poolsim/scenario/spec.hpp"

namespace poolsim::scenario::detail {

// Thrown to stop a load past its limits (too many problems, too many YAML nodes visited); the last
// diagnostic says why. Loading catches it and returns what was found.
struct StopLoading {};

// A Reporter collects the diagnostics of one load (a scenario and the file of its pool) in the order they are found. It stops the load after
// max_problems diagnostics, and after max_nodes YAML nodes visited (aliases can make a small file expand
// exponentially).
class Reporter {
 public:
  static constexpr std::size_t max_problems = 100;
  static constexpr std::size_t max_nodes = 1'000'000;

  explicit Reporter(std::string file) : files_{std::move(file)} {}

  // Names the file that positions with `file` = the returned index come from (the scenario is 0).
  int add_file(std::string file);
  const std::string& file_name(int index) const { return files_.at(static_cast<std::size_t>(index)); }
  // "12:5" for a position in the scenario, "pool.yaml:12:5" for one in another file.
  std::string where(SourcePos pos) const;

  void error(SourcePos pos, std::string message) { add(pos, Severity::error, std::move(message)); }
  void warning(SourcePos pos, std::string message) { add(pos, Severity::warning, std::move(message)); }
  // Counts one visited YAML node at `pos`; stops the load past max_nodes.
  void visit(SourcePos pos);

  bool has_errors() const;
  std::vector<Diagnostic> take() { return std::move(diagnostics_); }

 private:
  void add(SourcePos pos, Severity severity, std::string message);

  std::vector<std::string> files_;
  std::vector<Diagnostic> diagnostics_;
  std::size_t nodes_ = 0;
};

// The candidate `word` was most likely meant to be, when one is close enough to be a typo: within an edit
// distance of about a third of its length, comparing also each '_'-separated tail of `word` (so that
// 'heartbeat_timout' finds 'timeout').
std::optional<std::string> closest_word(std::string_view word, const std::vector<std::string>& candidates);

// "'a', 'b' and 'c'" style lists: the words joined with ", " (at most `most`, then ", ...").
std::string join_words(const std::vector<std::string>& words, std::size_t most = 12);

// "; did you mean 'x'?" when a candidate is close, otherwise `otherwise`.
std::string suggestion(std::string_view word, const std::vector<std::string>& candidates, std::string_view otherwise);

}  // namespace poolsim::scenario::detail
