#include "poolsim/scenario/parameters.hpp"

#include "poolsim/scenario/size.hpp"

namespace poolsim::scenario {

std::string format_parameter_value(ParamKind kind, std::uint64_t raw) {
  switch (kind) {
    case ParamKind::duration:
      return format_duration(Duration::nanoseconds(static_cast<std::int64_t>(raw)));
    case ParamKind::size:
      return format_size(raw);
    case ParamKind::rate:
      return format_rate(raw);
    case ParamKind::count:
      return std::to_string(raw);
    case ParamKind::real: {
      std::string out = std::to_string(raw / 1000);
      std::string thousandths = std::to_string(raw % 1000);
      if (thousandths == "0") return out;
      thousandths.insert(0, 3 - thousandths.size(), '0');
      while (thousandths.back() == '0') thousandths.pop_back();
      return out + "." + thousandths;
    }
  }
  return "?";
}

std::string_view to_string(ParamKind kind) {
  switch (kind) {
    case ParamKind::duration: return "duration";
    case ParamKind::size: return "size";
    case ParamKind::count: return "count";
    case ParamKind::real: return "real";
    case ParamKind::rate: return "speed";
  }
  return "?";
}

std::string format_parameter_row(const ParameterRow& row) {
  const std::string range = row.max == no_max
                                ? format_parameter_value(row.kind, row.min) + " or more"
                                : format_parameter_value(row.kind, row.min) + " … " +
                                      format_parameter_value(row.kind, row.max);
  const std::string default_text =
      row.default_value ? format_parameter_value(row.kind, *row.default_value) : std::string(row.default_note);
  return "| `" + std::string(row.path) + "` | " + std::string(to_string(row.kind)) + " | " + range + " | " +
         default_text + " | " + std::string(row.help) + " | " + std::string(row.source) + " |";
}

std::string parameter_table_header() {
  return "| key | unit | range | default | meaning | source of the default |\n"
         "|---|---|---|---|---|---|";
}

}  // namespace poolsim::scenario
