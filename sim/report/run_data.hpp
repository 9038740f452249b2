// A run's file as the report reads it (private to sim/report): the header, the records, the state tables and the
// summary (docs/hdf5-layout.md), what the records mean for the figure (injected or consequence, where each VM
// runs, who is master), and the timeline figure itself (timeline_svg.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "poolsim/kernel/time.hpp"
#include "poolsim/recording/hdf5_reader.hpp"
#include "poolsim/report/report.hpp"

namespace poolsim::report {

// Seconds (a float64 of the file) as a Duration, rounded to the microsecond (the timeline's precision), so that
// 17448322.394385 prints as written.
Duration from_seconds(double s);
// A Duration in seconds.
inline double seconds_of(Duration d) { return static_cast<double>(d.ns()) / 1e9; }
// A duration for people, to the millisecond: "1h02m03s", "24m09.486s" (format_hms).
std::string hms(double seconds);

// Times of the run for people, to the millisecond: ISO 8601 in UTC from the scenario's start, else day and time
// of day from 0 s.
struct Clock {
  std::optional<UtcTime> start;
  std::string at(double s) const;                    // "2026-03-01T08:05:00Z", "d0T00:05:00"
  std::string tick(double s, double step_s) const;   // an axis label: the time of day, the date when step >= 1 d
};

struct Event {
  double time_s = 0;
  std::string source;
  std::string event;
  std::string details;
  std::string detail(std::string_view key) const;  // the value of `key=value` in details, or ""
};

struct Interval {
  double start_s = 0;
  double end_s = 0;
  std::string state;
};

struct VmSummary {
  std::string name;
  double downtime_s = 0;
  std::uint64_t restarts = 0;
  std::string final_state;
};
struct HostSummary {
  std::string name;
  std::uint64_t fences = 0;
  std::string final_state;
};
struct AlertSummary {
  std::string name;
  std::uint64_t count = 0;
  double first_s = 0;
};

struct ServiceSummary {
  std::string name;
  std::uint64_t need = 0;
  std::uint64_t vms = 0;
  double downtime_s = 0;
  double availability = 0;
  std::uint64_t outages = 0;
};

struct RunData {
  std::string scenario;
  std::string scenario_yaml;
  std::string version;
  std::uint64_t seed = 0;
  double end_s = 0;
  std::optional<UtcTime> start;
  Clock clock;
  std::uint64_t master_changes = 0;
  std::vector<Event> events;  // publication order
  std::vector<std::pair<std::string, std::vector<Interval>>> hosts;  // scenario order
  std::vector<std::pair<std::string, std::vector<Interval>>> vms;
  std::vector<VmSummary> vm_summary;
  std::vector<HostSummary> host_summary;
  std::vector<AlertSummary> alerts;
  std::vector<ServiceSummary> services;  // the scenario's services (/summary/services), none when it has none
  std::vector<std::pair<std::string, std::string>> placed_on;  // VM -> its host at 0 s, from the scenario's text
};

// Reads the run under `group` ("/" for a run's file). Throws ReportError naming what is missing.
RunData read_run(const Hdf5Reader& file, const std::string& group);

// What a record is in the figure: injected by the scenario (a fault, or a repair or operation), a consequence
// worth a mark on its lane, or nothing drawn.
enum class Mark : std::uint8_t { fault, repair, consequence, none };
struct MarkedEvent {
  std::size_t index = 0;  // into RunData::events
  Mark mark = Mark::none;
};
// Every record with its mark, in order.
std::vector<MarkedEvent> marked_events(const RunData& run);

std::vector<Incident> run_incidents(const RunData& run, const ReportOptions& options);

// A host's states for the figure: the state table with `up` split into `out_of_liveset` from a join_aborted,
// join_failed or join_cancelled record of its daemon until its next state.
std::vector<Interval> host_lane(const RunData& run, const std::string& host, const std::vector<Interval>& states);

// Where a VM runs: (time, host) from each vm_running and vm_migrated; before the first, from 0, the host the
// scenario places it on, else the host its first vm_died, vm_halted or vm_migrated names.
std::vector<std::pair<double, std::string>> vm_placements(const RunData& run, const std::string& vm);

struct Outage {
  std::string vm;
  double from_s = 0;
  double to_s = 0;  // back, or the end of the run
  bool back = false;
  std::string host_before;
  std::string host_after;
};
// Each time a VM that had been running was not, from its state table.
std::vector<Outage> vm_outages(const RunData& run);

// The legend of the figure (states, marks), as HTML.
std::string legend();
// The figure of [from_s, to_s]: a lane per host and VM with their states, VM bars labelled by host, the master,
// injected records, consequences and alerts, as inline SVG. `id` names it; `kind` is "incident" or "whole".
std::string timeline_svg(const RunData& run, double from_s, double to_s, const std::string& id, const std::string& kind);

}  // namespace poolsim::report
