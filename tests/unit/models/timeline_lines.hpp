// A test observer that keeps every timeline record as one line, "time source event details", so that tests
// compare what a model published exactly.
#pragma once

#include <algorithm>
#include <initializer_list>
#include <string>
#include <vector>

#include "poolsim/kernel/event_bus.hpp"

namespace poolsim::models {

struct Lines : TimelineObserver {
  std::vector<std::string> lines;
  void on_record(const TimelineRecord& r) override {
    std::string line = format_seconds(r.time) + " " + r.source + " " + std::string(r.event);
    if (!r.details.empty()) line += " " + r.details_text();
    lines.push_back(line);
  }
  bool has(const std::string& line) const { return std::find(lines.begin(), lines.end(), line) != lines.end(); }
  // The expected lines not recorded, one per line; empty when all are there.
  std::string missing(std::initializer_list<const char*> expected) const {
    std::string out;
    for (const char* line : expected) {
      if (!has(line)) out += std::string("missing: ") + line + "\n";
    }
    return out;
  }
  // How many lines contain the fragment.
  std::size_t count(const std::string& fragment) const {
    return static_cast<std::size_t>(std::count_if(lines.begin(), lines.end(), [&](const std::string& l) {
      return l.find(fragment) != std::string::npos;
    }));
  }
  std::string dump() const {
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
  }
};

}  // namespace poolsim::models
