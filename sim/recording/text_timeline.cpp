#include "poolsim/recording/text_timeline.hpp"

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

}  // namespace

TextTimeline::TextTimeline(std::ostream& out, const TimelineHeader& header) : out_(out) {
  out_ << "# poolsim " << version << "  scenario=" << header.scenario << "  seed=" << header.seed
       << "  until=" << format_seconds(header.until) << '\n';
  std::string columns = "#";
  columns.append(time_width - 1 - std::string_view("time_s").size(), ' ');
  columns += "time_s  ";
  pad_right(columns, "source", source_width);
  pad_right(columns, "event", event_width);
  columns += "details";
  out_ << columns << '\n';
}

std::string TextTimeline::format_line(const TimelineRecord& record) {
  const std::string time = format_seconds(record.time);
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

void TextTimeline::on_record(const TimelineRecord& record) { out_ << format_line(record) << '\n'; }

void TextTimeline::on_finish(SimTime) { out_.flush(); }

}  // namespace poolsim
