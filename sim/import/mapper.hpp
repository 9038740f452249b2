// The mapping of XAPI database tables to a scenario, shared by the files that implement it (import.cpp: the
// pool, hosts, networks, storage, VMs and HA; host_interfaces.cpp: the PIFs, bonds and VLANs of each host), with
// the small helpers its readers use. Internal to the import layer.
#pragma once

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "poolsim/import/import.hpp"
#include "poolsim/import/xapi_db.hpp"
#include "poolsim/scenario/diagnostic.hpp"
#include "poolsim/scenario/spec.hpp"

namespace poolsim::import::detail {

using scenario::Diagnostic;
using scenario::Severity;


inline std::optional<long long> to_ll(std::string_view s) {
  long long v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

inline const std::string* lookup(const std::vector<std::pair<std::string, std::string>>& map, std::string_view key) {
  for (const auto& [k, v] : map) {
    if (k == key) return &v;
  }
  return nullptr;
}
// A temporary map would die before the pointer is used: keep the map in a variable.
inline const std::string* lookup(std::vector<std::pair<std::string, std::string>>&& map, std::string_view key) = delete;



constexpr std::string_view null_ref = "OpaqueRef:NULL";

struct Stop {};

inline bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// A label as a comment shows it: printable ASCII kept, anything else as '?'.
inline std::string printable(std::string_view s) {
  std::string out;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7f) ? c : '?';
  }
  return out;
}

inline bool valid_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (s[i] == '-')) return false;
    if (!dash && !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

// Names unique within one namespace: a second "web" becomes "web-2".
class Namer {
 public:
  std::string take(std::string base) {
    std::string name = base;
    for (int n = 2; used_.count(name); ++n) name = base + "-" + std::to_string(n);
    used_.insert(name);
    return name;
  }

 private:
  std::set<std::string> used_;
};

struct HostInfo {
  const DbRow* row = nullptr;
  std::size_t index = 0;  // in spec.pool.hosts
  bool live = true;
  std::map<std::string, std::string> iface_of_pif;  // PIF ref -> NIC or bond name
};

class Mapper {
 public:
  Mapper(const Database& db, std::string file, ImportResult& out) : db_(db), file_(std::move(file)), out_(out) {}

  void run(const std::string& source_label);

 private:
  const Database& db_;
  std::string file_;
  ImportResult& out_;
  scenario::ScenarioSpec defaults_;
  std::map<std::string, HostInfo> hosts_;             // host ref -> info
  std::map<std::string, std::string> network_name_;   // network ref -> name
  std::map<std::string, std::size_t> sr_index_;       // SR ref -> index in spec.pool.storage
  std::set<std::string> bond_master_pifs_;

  // The file a position is in: the database's, or one of the xe lists.
  const std::string& file_of(XmlPos pos) const {
    return pos.file >= 0 && static_cast<std::size_t>(pos.file) < db_.files.size() ? db_.files[static_cast<std::size_t>(pos.file)] : file_;
  }
  [[noreturn]] void error(XmlPos pos, const std::string& message) {
    out_.diagnostics.push_back(Diagnostic{file_of(pos), pos.line, pos.column, Severity::error, message});
    throw Stop{};
  }
  void warn(XmlPos pos, const std::string& message) {
    out_.diagnostics.push_back(Diagnostic{file_of(pos), pos.line, pos.column, Severity::warning, message});
  }
  void assume(std::string text) { out_.assumptions.push_back(std::move(text)); }

  // What the user sees of a table or field: the database's names, or the xe list's ("vm-list", "resident-on").
  std::string label(const std::string& key) const {
    const auto it = db_.labels.find(key);
    return it == db_.labels.end() ? key : it->second;
  }
  std::string where(const DbTable& t, const DbRow& r, std::string_view field) const {
    if (db_.from_xe) return label(t.name) + " record '" + r.ref + "' field '" + label(t.name + "." + std::string(field)) + "'";
    return t.name + " row '" + r.ref + "' field '" + std::string(field) + "'";
  }
  std::string not_a_row(std::string_view target) const {
    if (db_.from_xe) return "which is not a record of " + label(std::string(target));
    return "which is not a row of table '" + std::string(target) + "'";
  }
  // How to fix it: the database's hint, or the xe lists'.
  std::string hint(std::string_view xml, std::string_view xe) const { return std::string(db_.from_xe ? xe : xml); }
  std::string corrupt() const {
    return hint("the database is corrupt: dump it again", "xe does not print such a value: give the list as xe printed it");
  }
  std::string inconsistent() const {
    return hint("the database is inconsistent: dump it again with xe pool-dump-database",
                "the lists disagree (the pool changed between two commands): run the xe commands again, one right after another");
  }

  const DbTable& table(std::string_view name) {
    static const DbTable empty;
    const DbTable* t = db_.table(name);
    return t ? *t : empty;
  }

  std::string text(const DbRow& r, std::string_view field, std::string fallback = {}) {
    const DbField* f = r.field(field);
    return f ? f->value : fallback;
  }
  XmlPos pos_of(const DbRow& r, std::string_view field) {
    const DbField* f = r.field(field);
    return f ? f->pos : r.pos;
  }
  bool boolean(const DbTable& t, const DbRow& r, std::string_view field, bool fallback) {
    const DbField* f = r.field(field);
    if (!f) return fallback;
    if (f->value == "true") return true;
    if (f->value == "false") return false;
    error(f->pos, where(t, r, field) + " is '" + printable(f->value) + "', not true or false; " + corrupt());
  }
  long long integer(const DbTable& t, const DbRow& r, std::string_view field, long long fallback) {
    const DbField* f = r.field(field);
    if (!f) return fallback;
    const std::optional<long long> v = to_ll(f->value);
    if (!v) error(f->pos, where(t, r, field) + " is '" + printable(f->value) + "', not a whole number; " + corrupt());
    return *v;
  }
  std::vector<std::pair<std::string, std::string>> map(const DbTable& t, const DbRow& r, std::string_view field) {
    const DbField* f = r.field(field);
    if (!f) return {};
    std::string why;
    auto m = parse_map(f->value, why);
    if (!m) error(f->pos, where(t, r, field) + " is not a map: " + why + "; " + corrupt());
    return *m;
  }
  std::vector<std::string> set(const DbTable& t, const DbRow& r, std::string_view field) {
    const DbField* f = r.field(field);
    if (!f) return {};
    std::string why;
    auto s = parse_set(f->value, why);
    if (!s) error(f->pos, where(t, r, field) + " is not a set: " + why + "; " + corrupt());
    return *s;
  }
  static bool is_null(std::string_view ref) { return ref.empty() || ref == null_ref; }

  // The row a reference field names, or null when the field is empty or OpaqueRef:NULL; a reference to a row that
  // does not exist is an error.
  const DbRow* deref(const DbTable& t, const DbRow& r, std::string_view field, std::string_view target) {
    const DbField* f = r.field(field);
    if (!f || is_null(f->value)) return nullptr;
    const DbRow* row = table(target).find(f->value);
    if (!row) {
      error(f->pos, where(t, r, field) + " names '" + printable(f->value) + "', " + not_a_row(target) + "; " + inconsistent());
    }
    return row;
  }
  std::string ref_of(const DbRow& r, std::string_view field) {
    const DbField* f = r.field(field);
    return (!f || is_null(f->value)) ? std::string() : f->value;
  }

  std::string rename(std::string_view kind, const std::string& label, const std::string& name) {
    if (label != name) out_.renames.push_back(std::string(kind) + " \"" + printable(label) + "\" -> " + name);
    return name;
  }

  void load_defaults();
  void check_schema();
  bool vm_imported(const DbRow& vm);
  void map_hosts(const DbRow& pool, scenario::PoolSpec& spec);
  void map_networks(scenario::PoolSpec& spec, const std::set<std::string>& vm_refs);
  void map_host_interfaces(scenario::PoolSpec& spec);
  void map_storage(const DbRow& pool, scenario::PoolSpec& spec, const std::set<std::string>& vm_refs);
  void map_vms(scenario::PoolSpec& spec);
  void map_ha(const DbRow& pool, scenario::PoolSpec& spec);
};

}  // namespace poolsim::import::detail
