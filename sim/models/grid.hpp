// Periodic grids: a daemon's heartbeats, a statefile cycle, xapi's loops all run on anchor + k·period. The
// models compute the instants they need from the grid instead of running every tick.
#pragma once

#include <string>
#include <vector>

#include "poolsim/kernel/time.hpp"

namespace poolsim::models {

// The last grid instant at or before t (before, when not inclusive); anchor - period when t precedes the grid.
inline SimTime grid_at_or_before(SimTime anchor, Duration period, SimTime t, bool inclusive) {
  if (t < anchor) return anchor - period;
  Duration k = Duration::nanoseconds(((t - anchor) / period) * period.ns());
  SimTime g = anchor + k;
  if (!inclusive && g == t) g = g - period;
  return g;
}

// The first grid instant at or after t (after, when not inclusive).
inline SimTime grid_at_or_after(SimTime anchor, Duration period, SimTime t, bool inclusive) {
  if (t <= anchor) return (t == anchor && !inclusive) ? anchor + period : anchor;
  SimTime g = grid_at_or_before(anchor, period, t, true);
  if (g < t || !inclusive) g = g + period;
  return g;
}

// Names joined by commas, as the timeline's lists are written.
inline std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) {
    if (!out.empty()) out += ',';
    out += name;
  }
  return out;
}

}  // namespace poolsim::models
