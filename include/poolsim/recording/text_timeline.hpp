// The text timeline: what `poolsim run` prints and golden tests compare (docs/running.md "Timeline format").
//
//   # poolsim 0.1.0  scenario=tutorial-cable-pull  seed=1  until=1200.000000
//   #      time_s  source                 event                 details
//      300.000000  xenserver-1/eth0       link_down             cause=unplug
//
// One line per record, in publication order: time in seconds with six decimals (right-aligned, 13 wide), the
// source (22 wide), the event token (21 wide), then the sorted details. A field longer than its width pushes the
// rest right by a single space. With --clock the time column is a wall-clock or day-and-time instant instead
// (format_line), wider, and the column is named `time`. No wall time, addresses or floating-point noise: the same run gives the same bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "poolsim/kernel/event_bus.hpp"

namespace poolsim {

struct TimelineHeader {
  std::string scenario;
  std::uint64_t seed = 0;
  SimTime until;
  std::optional<UtcTime> start = std::nullopt;  // the scenario's `start:`; printed in the header as start=... when set
  bool clock = false;            // times as day and time of day (`poolsim run --clock`) rather than seconds
};

class TextTimeline : public TimelineObserver {
 public:
  // Writes the two header lines at once. The stream must outlive the recorder.
  TextTimeline(std::ostream& out, const TimelineHeader& header);

  void on_record(const TimelineRecord& record) override;
  void on_finish(SimTime end) override;

  // One record as its timeline line, without the newline.
  static std::string format_line(const TimelineRecord& record);
  // The same with the time column as `header` asks: seconds, or with `clock` the UTC time from the start
  // ("2026-03-01T08:05:00.000000Z"), or without a start the day and time of day ("d0T00:05:00.000000").
  static std::string format_line(const TimelineRecord& record, const TimelineHeader& header);

 private:
  std::ostream& out_;
  TimelineHeader header_;
};

}  // namespace poolsim
