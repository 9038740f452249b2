#include "poolsim/recording/text_timeline.hpp"

#include <algorithm>

#include "poolsim/version.hpp"

namespace poolsim {
namespace {

constexpr std::size_t time_width = 13;
constexpr std::size_t source_width = 22;
constexpr std::size_t event_width = 21;

void pad_right(std::string& line, std::string_view field, std::size_t width) {
  line += field;
  line.append(field.size() < width ? width - field.size() : 0, ' ');
  line += ' ';
}

// The time column of a record: seconds, or a calendar or day-and-time instant with `clock`.
std::string time_text(SimTime t, const TimelineHeader& header) {
  if (!header.clock) return format_seconds(t);
  if (header.start) return format_utc_time(utc_at(*header.start, t.since_start()), 6);
  return format_day_time(t.since_start(), 6);
}

}  // namespace

TextTimeline::TextTimeline(std::ostream& out, const TimelineHeader& header) : out_(out), header_(header) {
  out_ << "# poolsim " << version << "  scenario=" << header.scenario << "  seed=" << header.seed
       << "  until=" << format_seconds(header.until);
  if (header.start) out_ << "  start=" << format_utc_time(*header.start, -1);
  out_ << '\n';
  const std::string_view name = header.clock ? "time" : "time_s";
  const std::size_t width = std::max(time_width, time_text(SimTime::zero(), header).size());
  std::string columns = "#";
  columns.append(width - 1 - name.size(), ' ');
  columns += name;
  columns += "  ";
  pad_right(columns, "source", source_width);
  pad_right(columns, "event", event_width);
  columns += "details";
  out_ << columns << '\n';
}

std::string TextTimeline::format_line(const TimelineRecord& record) { return format_line(record, TimelineHeader{}); }

std::string TextTimeline::format_line(const TimelineRecord& record, const TimelineHeader& header) {
  const std::string time = time_text(record.time, header);
  std::string line;
  line.append(time.size() < time_width ? time_width - time.size() : 0, ' ');
  line += time;
  line += "  ";
  pad_right(line, record.source, source_width);
  pad_right(line, record.event, event_width);
  line += record.details_text();
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line;
}

void TextTimeline::on_record(const TimelineRecord& record) { out_ << format_line(record, header_) << '\n'; }

void TextTimeline::on_finish(SimTime) { out_.flush(); }

}  // namespace poolsim
