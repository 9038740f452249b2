#include "poolsim/kernel/event_bus.hpp"

#include <algorithm>
#include <stdexcept>

namespace poolsim {
namespace {

bool is_token(std::string_view s) {
  if (s.empty() || !(s.front() >= 'a' && s.front() <= 'z')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

bool is_plain_value(std::string_view s) {
  return !s.empty() && std::none_of(s.begin(), s.end(), [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '=' || c == '"' || c == '\'';
  });
}

}  // namespace

std::string TimelineRecord::details_text() const {
  std::string out;
  for (const Detail& d : details) {
    if (!out.empty()) out += ' ';
    out += d.key;
    out += '=';
    out += d.value;
  }
  return out;
}

void EventBus::publish(SimTime time, std::string source, std::string_view event, std::vector<Detail> details) {
  if (!is_token(event)) throw std::logic_error("timeline event token '" + std::string(event) + "' is not snake_case");
  if (!is_plain_value(source)) throw std::logic_error("timeline source '" + source + "' is empty or has white space");
  for (const Detail& d : details) {
    if (!is_token(d.key) || !is_plain_value(d.value)) {
      throw std::logic_error("timeline detail '" + d.key + "=" + d.value + "' of event '" + std::string(event) +
                             "' is malformed");
    }
  }
  std::sort(details.begin(), details.end(), [](const Detail& a, const Detail& b) { return a.key < b.key; });
  for (std::size_t i = 1; i < details.size(); ++i) {
    if (details[i].key == details[i - 1].key) {
      throw std::logic_error("timeline event '" + std::string(event) + "' has detail '" + details[i].key + "' twice");
    }
  }
  if (next_seq_ >= budget_) throw RecordBudgetExceeded(time, budget_);
  const TimelineRecord record{time, next_seq_++, std::move(source), event, std::move(details)};
  for (TimelineObserver* observer : observers_) observer->on_record(record);
}

void EventBus::finish(SimTime end) {
  for (TimelineObserver* observer : observers_) observer->on_finish(end);
}

}  // namespace poolsim
