#include "yaml_reader.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <variant>

#include "poolsim/scenario/size.hpp"

namespace poolsim::scenario::detail {
namespace {

// What a value is, for "must be X, not Y" messages.
std::string describe_value(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Scalar: return "'" + node.Scalar() + "'";
    default: return "empty";
  }
}

std::string_view kind_example(ParamKind kind) {
  switch (kind) {
    case ParamKind::duration: return "10m";
    case ParamKind::size: return "16GiB";
    case ParamKind::count: return "1";
    case ParamKind::real: return "1.5";
    case ParamKind::rate: return "10Gbit/s";
  }
  return "?";
}

std::string kind_expected(ParamKind kind) {
  switch (kind) {
    case ParamKind::duration: return "a duration such as '30s'";
    case ParamKind::size: return "a size such as '16GiB'";
    case ParamKind::count: return "a whole number such as '1'";
    case ParamKind::real: return "a number such as '1.5' (at most 3 decimals)";
    case ParamKind::rate: return "a speed such as '10Gbit/s'";
  }
  return "?";
}

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A whole number, or nullopt when it overflows.
std::optional<std::uint64_t> parse_digits(std::string_view digits) {
  std::uint64_t value = 0;
  for (const char c : digits) {
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (no_max - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.';
}

}  // namespace

namespace {
thread_local int file_being_read = 0;  // FileScope's index: loads on other threads read their own
}  // namespace

FileScope::FileScope(int index) : saved_(file_being_read) { file_being_read = index; }
FileScope::~FileScope() { file_being_read = saved_; }
int FileScope::current() { return file_being_read; }

SourcePos pos_of(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  if (mark.is_null() || mark.line < 0) return {0, 0, file_being_read};
  return {mark.line + 1, mark.column + 1, file_being_read};
}

std::optional<std::string> scalar_at(const YAML::Node& node, std::string_view key) {
  if (!node.IsMap()) return std::nullopt;
  const YAML::Node value = node[std::string(key)];  // an invalid node when absent: test IsDefined first
  if (!value.IsDefined() || !value.IsScalar()) return std::nullopt;
  return value.Scalar();
}

std::string describe(const YAML::Node& node, std::string_view noun, std::string_view key,
                     std::string_view fallback) {
  if (const auto name = scalar_at(node, key); name && !name->empty()) return std::string(noun) + " '" + *name + "'";
  return fallback.empty() ? "an unnamed " + std::string(noun) : std::string(fallback);
}

bool check_name(Reporter& reporter, SourcePos pos, const std::string& name) {
  constexpr std::size_t max_length = 64;
  const auto bad = std::find_if_not(name.begin(), name.end(), is_name_char);
  if (name.empty()) {
    reporter.error(pos, "empty name; names hold 1 to 64 letters, digits, '-', '_' and '.'");
  } else if (bad != name.end()) {
    reporter.error(pos, "name '" + name + "' holds '" + std::string(1, *bad) +
                            "'; names hold only letters, digits, '-', '_' and '.'");
  } else if (name.find_first_not_of('.') == std::string::npos) {
    // '.' and '..' would name the group itself or its parent in HDF5 paths (/hosts/<host>/state).
    reporter.error(pos, "name '" + name + "' is only dots; give it a letter or digit, e.g. 'xs1'");
  } else if (name.size() > max_length) {
    reporter.error(pos, "name '" + name.substr(0, 16) + "...' is longer than 64 characters; shorten it");
  } else {
    return true;
  }
  return false;
}

MapReader::MapReader(Reporter& reporter, const YAML::Node& node, std::string what, std::vector<std::string> keys)
    : reporter_(reporter), what_(std::move(what)), pos_(pos_of(node)) {
  reporter_.visit(pos_);
  if (!node.IsMap()) {
    reporter_.error(pos_, what_ + " must be a mapping of keys (key: value), not " + describe_value(node));
    return;
  }
  ok_ = true;
  for (const auto& entry : node) {
    reporter_.visit(pos_of(entry.first));
    if (!entry.first.IsScalar()) {
      reporter_.error(pos_of(entry.first), "a key in " + what_ + " must be a plain word, not " +
                                               describe_value(entry.first));
      continue;
    }
    const std::string& key = entry.first.Scalar();
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
      reporter_.error(pos_of(entry.first), "unknown key '" + key + "' in " + what_ +
                                               suggestion(key, keys, "; the keys are " + join_words(keys, 30)));
      continue;
    }
    if (find(key)) {
      const SourcePos at = key_pos(key);
      reporter_.error(pos_of(entry.first), "key '" + key + "' is repeated in " + what_ + " (first at " +
                                               reporter_.where(at) + "); keep one");
      continue;
    }
    entries_.emplace_back(entry.first, entry.second);
  }
}

const YAML::Node* MapReader::find(std::string_view key) const {
  for (const auto& [k, v] : entries_) {
    if (k.Scalar() == key) return &v;
  }
  return nullptr;
}

SourcePos MapReader::key_pos(std::string_view key) const {
  for (const auto& entry : entries_) {
    if (entry.first.Scalar() == key) return pos_of(entry.first);
  }
  return pos_;
}

std::vector<std::string> MapReader::present_keys() const {
  std::vector<std::string> keys;
  for (const auto& entry : entries_) keys.push_back(entry.first.Scalar());
  return keys;
}

bool MapReader::require(std::string_view key, std::string_view example) const {
  if (has(key) || !ok_) return has(key);
  reporter_.error(pos_, "missing key '" + std::string(key) + "' in " + what_ + "; add e.g. '" +
                            std::string(example) + "'");
  return false;
}

void MapReader::refuse(std::string_view key, std::string_view fix) const {
  if (!has(key)) return;
  reporter_.error(key_pos(key), "key '" + std::string(key) + "' does not apply to " + what_ + "; " +
                                    std::string(fix));
}

std::optional<std::string> MapReader::scalar(std::string_view key, const std::string& expected) const {
  const YAML::Node* value = find(key);
  if (!value) return std::nullopt;
  if (value->IsScalar()) return value->Scalar();
  if (value->IsNull()) {
    reporter_.error(key_pos(key), "'" + std::string(key) + "' in " + what_ + " has no value; it must be " + expected);
  } else {
    reporter_.error(pos_of(*value), "'" + std::string(key) + "' in " + what_ + " must be " + expected + ", not " +
                                        describe_value(*value));
  }
  return std::nullopt;
}

std::string MapReader::name(std::string_view key) const {
  if (!has(key)) {
    if (ok_) reporter_.error(pos_, "missing key '" + std::string(key) + "' in " + what_ + "; give it a unique name");
    return {};
  }
  auto text = scalar(key, "a name such as 'xs1'");
  if (!text || !check_name(reporter_, pos_of(*find(key)), *text)) return {};
  return *text;
}

std::string MapReader::text(std::string_view key) const { return scalar(key, "a text").value_or(""); }

bool MapReader::flag(std::string_view key, bool default_value) const {
  const auto word = scalar(key, "true or false");
  if (!word) return default_value;
  if (*word == "true") return true;
  if (*word == "false") return false;
  reporter_.error(pos_of(*find(key)), "'" + std::string(key) + "' in " + what_ + " must be true or false, not '" +
                                          *word + "'");
  return default_value;
}

Ref MapReader::ref(std::string_view key, bool required) const {
  if (required && !require(key, std::string(key) + ": NAME")) return {};
  const auto text = scalar(key, "a name");
  if (!text) return {};
  return {*text, pos_of(*find(key))};
}

std::vector<Ref> MapReader::refs(std::string_view key, bool single_ok) const {
  const YAML::Node* value = find(key);
  if (!value || value->IsNull()) return {};
  if (single_ok && value->IsScalar()) return {Ref{value->Scalar(), pos_of(*value)}};
  std::vector<Ref> out;
  for (const YAML::Node& element : list(key)) {
    if (element.IsScalar()) {
      out.push_back({element.Scalar(), pos_of(element)});
    } else {
      reporter_.error(pos_of(element), "each element of '" + std::string(key) + "' in " + what_ +
                                           " must be a name, not " + describe_value(element));
    }
  }
  return out;
}

std::vector<YAML::Node> MapReader::list(std::string_view key) const {
  const YAML::Node* value = find(key);
  if (!value || value->IsNull()) return {};
  if (!value->IsSequence()) {
    reporter_.error(pos_of(*value), "'" + std::string(key) + "' in " + what_ + " must be a list such as '[a, b]', not " +
                                        describe_value(*value));
    return {};
  }
  std::vector<YAML::Node> out;
  for (const YAML::Node& element : *value) {
    reporter_.visit(pos_of(element));
    out.push_back(element);
  }
  return out;
}

YAML::Node MapReader::child(std::string_view key) const {
  const YAML::Node* value = find(key);
  return value ? *value : YAML::Node(YAML::NodeType::Map);
}

// Memory written in a decimal unit ('256GB'): legal, and what disk vendors mean, but RAM is sold and reported
// by xapi in powers of 1024 (memory_static_max is bytes; XenCenter shows GiB), so '256GB' almost always means
// 256GiB and is 7% short of it. A warning, with the binary spelling.
void MapReader::warn_decimal_memory(const std::string& key, const std::string& text, SourcePos at,
                                    std::uint64_t bytes) const {
  constexpr std::array<std::string_view, 5> decimal{"KB", "MB", "GB", "TB", "PB"};
  const auto unit = std::find_if(decimal.begin(), decimal.end(), [&](std::string_view u) { return text.ends_with(u); });
  if (unit == decimal.end()) return;
  const std::string binary = text.substr(0, text.size() - 1) + "iB";
  // GiB to one decimal, rounded half up, in integers (no locale, no floating point).
  std::uint64_t whole = bytes >> 30;
  std::uint64_t tenths = (((bytes & ((1ULL << 30) - 1)) * 10) + (1ULL << 29)) >> 30;
  if (tenths == 10) {
    ++whole;
    tenths = 0;
  }
  const std::string approx = std::to_string(whole) + "." + std::to_string(tenths);
  reporter_.warning(at, "'" + key + "' in " + what_ + " is '" + text + "', in powers of 1000 (" +
                            std::to_string(bytes) + " bytes, about " + approx + "GiB); memory is almost always meant "
                            "in powers of 1024: write '" + binary + "' if that is what you mean");
}

std::optional<std::uint64_t> MapReader::parse_parameter(const ParameterRow& row, const YAML::Node& value) const {
  const std::string key(row.key());
  const std::string text = value.Scalar();
  const SourcePos at = pos_of(value);
  std::optional<std::uint64_t> parsed;
  bool numeric = true;  // false: not a number at all; true with no value: a number out of any range
  switch (row.kind) {
    case ParamKind::duration: {
      const auto result = parse_duration(text);
      if (const auto* error = std::get_if<TimeParseError>(&result)) {
        reporter_.error(at, error->message);
        return std::nullopt;
      }
      parsed = static_cast<std::uint64_t>(std::get<Duration>(result).ns());
      break;
    }
    case ParamKind::size:
    case ParamKind::rate: {
      const auto result = row.kind == ParamKind::size ? parse_size(text) : parse_rate(text);
      if (const auto* error = std::get_if<QuantityParseError>(&result)) {
        reporter_.error(at, error->message);
        return std::nullopt;
      }
      parsed = std::get<std::uint64_t>(result);
      if (row.kind == ParamKind::size && key.ends_with("memory")) warn_decimal_memory(key, text, at, *parsed);
      break;
    }
    case ParamKind::count: {
      const bool negative = !text.empty() && text.front() == '-';
      numeric = all_digits(negative ? std::string_view(text).substr(1) : std::string_view(text));
      if (numeric && !negative) parsed = parse_digits(text);
      break;
    }
    case ParamKind::real: {
      const std::size_t dot = text.find('.');
      const std::string_view whole = std::string_view(text).substr(0, dot);
      const std::string_view decimals = dot == std::string::npos ? "" : std::string_view(text).substr(dot + 1);
      numeric = all_digits(whole) && (dot == std::string::npos || (all_digits(decimals) && decimals.size() <= 3));
      if (numeric) {
        const auto units = parse_digits(whole);
        std::string padded(decimals);
        padded.append(3 - padded.size(), '0');
        if (units && *units <= no_max / 1000) parsed = *units * 1000 + *parse_digits(padded);
      }
      break;
    }
  }
  if (!numeric) {
    reporter_.error(at, "'" + key + "' in " + what_ + " must be " + kind_expected(row.kind) + ", not '" + text + "'");
    return std::nullopt;
  }
  if (!parsed || *parsed < row.min || *parsed > row.max) {
    const std::string shown = parsed ? format_parameter_value(row.kind, *parsed) : text;
    reporter_.error(at, "'" + key + "' in " + what_ + " must be from " + format_parameter_value(row.kind, row.min) +
                            " to " + format_parameter_value(row.kind, row.max) + ", not " + shown);
    return std::nullopt;
  }
  return parsed;
}

std::optional<std::uint64_t> MapReader::raw(const ParameterRow& row) const {
  const std::string key(row.key());
  if (!has(key)) {
    if (row.default_note == "required") require(key, key + ": " + std::string(kind_example(row.kind)));
    return row.default_value;
  }
  if (!scalar(key, kind_expected(row.kind))) return std::nullopt;
  return parse_parameter(row, *find(key));
}

Duration MapReader::duration(const ParameterRow& row) const {
  return Duration::nanoseconds(static_cast<std::int64_t>(raw(row).value_or(0)));
}

std::optional<Duration> MapReader::optional_duration(const ParameterRow& row) const {
  const auto value = raw(row);
  if (!value) return std::nullopt;
  return Duration::nanoseconds(static_cast<std::int64_t>(*value));
}

std::uint64_t MapReader::value(const ParameterRow& row) const { return raw(row).value_or(0); }

std::int64_t MapReader::count(const ParameterRow& row) const {
  return static_cast<std::int64_t>(std::min<std::uint64_t>(raw(row).value_or(0), std::numeric_limits<std::int64_t>::max()));
}

double MapReader::real(const ParameterRow& row) const {
  return static_cast<double>(raw(row).value_or(0)) / 1000.0;
}

}  // namespace poolsim::scenario::detail
