// Reading the YAML tree against the scenario schema: one MapReader per mapping, with typed readers that report
// every wrong key, type, unit and range to the Reporter and go on with a harmless value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "poolsim/scenario/enums.hpp"
#include "poolsim/scenario/parameters.hpp"
#include "poolsim/scenario/spec.hpp"
#include "report.hpp"

namespace poolsim::scenario::detail {

// The 1-based position of a node; 0:0 for a node that is not in the file. Its `file` is that of the FileScope
// alive, 0 (the scenario) outside any.
SourcePos pos_of(const YAML::Node& node);

// While one lives, the nodes read come from file `index` of the Reporter (the pool file of `pool: {from: F}`):
// a YAML tree knows only lines and columns.
class FileScope {
 public:
  // The file being read: the index of the innermost FileScope alive, 0 outside any.
  static int current();
  // The position of a problem of the whole file being read (line 0).
  static SourcePos whole_file() { return {0, 0, current()}; }

  explicit FileScope(int index);
  ~FileScope();
  FileScope(const FileScope&) = delete;
  FileScope& operator=(const FileScope&) = delete;

 private:
  int saved_;
};

// The scalar under `key` of a mapping, if `node` is a mapping with such a key.
std::optional<std::string> scalar_at(const YAML::Node& node, std::string_view key);

// How a list element is named in messages: "host 'xs1'" when its `key` is a plain scalar, else `fallback`
// ("an unnamed host" when empty).
std::string describe(const YAML::Node& node, std::string_view noun, std::string_view key = "name",
                     std::string_view fallback = "");

// Whether `name` can name a pool element: 1 to 64 letters, digits, '-', '_' or '.'. Otherwise reports why.
bool check_name(Reporter& reporter, SourcePos pos, const std::string& name);

// A MapReader reads one YAML mapping of the schema. Constructing it reports a node that is not a mapping,
// and each key that is not a plain word, is repeated, or is not one of `keys` (with a "did you mean").
// Readers of absent optional keys return their default; a bad value is reported and read as zero.
class MapReader {
 public:
  MapReader(Reporter& reporter, const YAML::Node& node, std::string what, std::vector<std::string> keys);

  bool ok() const { return ok_; }
  const std::string& what() const { return what_; }
  SourcePos pos() const { return pos_; }
  bool has(std::string_view key) const { return find(key) != nullptr; }
  // Where `key` is written (the map's position when absent).
  SourcePos key_pos(std::string_view key) const;
  // The keys present, in file order.
  std::vector<std::string> present_keys() const;
  // Reports `key` as missing unless present; `example` is what to write, e.g. "memory: 16GiB".
  bool require(std::string_view key, std::string_view example) const;
  // Reports `key` as not applying to `what_` when present.
  void refuse(std::string_view key, std::string_view fix) const;

  std::string name(std::string_view key = "name") const;  // required, checked with check_name
  std::string text(std::string_view key) const;           // optional free text
  bool flag(std::string_view key, bool default_value) const;
  Ref ref(std::string_view key, bool required) const;     // the name of another element
  // A list of names; `single_ok` also accepts one name written alone (`nic: eth0`).
  std::vector<Ref> refs(std::string_view key, bool single_ok = false) const;

  // The parameter of `row` (its key is the row's last path part), its default when absent and not required.
  Duration duration(const ParameterRow& row) const;
  std::optional<Duration> optional_duration(const ParameterRow& row) const;
  std::uint64_t value(const ParameterRow& row) const;  // the raw value: bytes for a size
  std::int64_t count(const ParameterRow& row) const;
  double real(const ParameterRow& row) const;
  // The raw value of a written scalar for `row`, range-checked; nullopt when it is bad (reported).
  std::optional<std::uint64_t> parse_parameter(const ParameterRow& row, const YAML::Node& value) const;

  template <typename E>
  std::optional<E> choice(std::string_view key) const {
    const auto word = scalar(key, "one of " + enum_words<E>());
    if (!word) return std::nullopt;
    if (const auto value = enum_from_string<E>(*word)) return value;
    std::vector<std::string> words;
    for (const auto& entry : enum_table(E{}).entries) words.emplace_back(entry.second);
    reporter_.error(pos_of(*find(key)), "unknown " + std::string(enum_table(E{}).noun) + " '" + *word + "'" +
                                            suggestion(*word, words, "; use one of " + enum_words<E>()));
    return std::nullopt;
  }
  template <typename E>
  E choice(std::string_view key, E default_value) const {
    return choice<E>(key).value_or(default_value);
  }

  // The elements of the list under `key` (absent or empty: none); reports a value that is not a list.
  std::vector<YAML::Node> list(std::string_view key) const;
  // The node under `key`; an empty mapping when absent, so that an unwritten block reads as all defaults.
  YAML::Node child(std::string_view key) const;

  Reporter& reporter() const { return reporter_; }

 private:
  const YAML::Node* find(std::string_view key) const;
  // The text of `key` when it is a scalar; reports a null or non-scalar value. `expected` completes
  // "'key' in what must be ...".
  std::optional<std::string> scalar(std::string_view key, const std::string& expected) const;
  std::optional<std::uint64_t> raw(const ParameterRow& row) const;
  // Warns about a memory size written in a decimal unit, e.g. '256GB' for what is almost surely 256GiB.
  void warn_decimal_memory(const std::string& key, const std::string& text, SourcePos at, std::uint64_t bytes) const;

  Reporter& reporter_;
  std::string what_;
  SourcePos pos_;
  bool ok_ = false;
  std::vector<std::pair<YAML::Node, YAML::Node>> entries_;  // key, value: the known keys, first occurrence
};

}  // namespace poolsim::scenario::detail
