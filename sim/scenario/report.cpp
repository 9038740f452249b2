#include "report.hpp"

#include <algorithm>
#include <numeric>

namespace poolsim::scenario::detail {

void Reporter::visit(SourcePos pos) {
  if (++nodes_ <= max_nodes) return;
  add(pos, Severity::error,
      "the file expands to more than " + std::to_string(max_nodes) +
          " YAML nodes (through anchors and aliases?); write the pool out plainly");
  throw StopLoading{};
}

int Reporter::add_file(std::string file) {
  files_.push_back(std::move(file));
  return static_cast<int>(files_.size() - 1);
}

std::string Reporter::where(SourcePos pos) const {
  const std::string at = std::to_string(pos.line) + ":" + std::to_string(pos.column);
  return pos.file == 0 ? at : file_name(pos.file) + ":" + at;
}

bool Reporter::has_errors() const { return scenario::has_errors(diagnostics_); }

void Reporter::add(SourcePos pos, Severity severity, std::string message) {
  if (diagnostics_.size() == max_problems) {
    diagnostics_.push_back({file_name(pos.file), pos.line, pos.column, Severity::error,
                            "too many problems; stopping after " + std::to_string(max_problems) +
                                ", fix these first"});
    throw StopLoading{};
  }
  diagnostics_.push_back({file_name(pos.file), pos.line, pos.column, severity, std::move(message)});
}

namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::optional<std::string> closest_word(std::string_view word, const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  std::size_t best_distance = 0;
  for (const std::string& candidate : candidates) {
    const std::size_t allowed = std::max<std::size_t>(1, candidate.size() / 3);
    // The whole word, then each tail after a '_': 'heartbeat_timout' -> 'timout'.
    for (std::size_t start = 0; start < word.size();) {
      const std::size_t distance = edit_distance(word.substr(start), candidate);
      if (distance <= allowed && (!best || distance < best_distance)) {
        best = candidate;
        best_distance = distance;
      }
      const std::size_t underscore = word.find('_', start);
      if (underscore == std::string_view::npos) break;
      start = underscore + 1;
    }
  }
  return best;
}

std::string join_words(const std::vector<std::string>& words, std::size_t most) {
  std::string out;
  for (std::size_t i = 0; i < words.size() && i < most; ++i) {
    if (i > 0) out += ", ";
    out += words[i];
  }
  if (words.size() > most) out += ", ...";
  return out;
}

std::string suggestion(std::string_view word, const std::vector<std::string>& candidates, std::string_view otherwise) {
  if (const auto close = closest_word(word, candidates)) return "; did you mean '" + *close + "'?";
  return std::string(otherwise);
}

}  // namespace poolsim::scenario::detail
