#include "poolsim/import/xe_text.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <utility>

namespace poolsim::import {

using scenario::Diagnostic;
using scenario::Severity;

const std::vector<XeClass>& xe_classes() {
  // The lists the mapping reads (import.cpp): every one is needed but host-cpu, which only versions without host
  // cpu_info (XenServer 5.5 and older) need for the CPU count. vlan-list is not: pif-list's vlan-master-of and
  // vlan-slave-of give both sides of each VLAN.
  static const std::vector<XeClass> classes = {
      {"pool", "pool", true},  {"host", "host", true}, {"host-cpu", "host_cpu", false}, {"network", "network", true},
      {"pif", "PIF", true},    {"bond", "Bond", true}, {"sr", "SR", true},              {"pbd", "PBD", true},
      {"vdi", "VDI", true},    {"vm", "VM", true},     {"vbd", "VBD", true},            {"vif", "VIF", true}};
  return classes;
}

namespace {

bool alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

bool blank_line(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t'; });
}

// What a line shows in a message: at most 60 printable ASCII characters.
std::string shown(std::string_view s) {
  std::string out;
  for (const char c : s.substr(0, 60)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7f) ? c : '?';
  }
  return s.size() > 60 ? out + "..." : out;
}

std::string command(std::string_view cls) {
  return "xe " + std::string(cls) + "-list params=all > " + std::string(cls) + "-list.txt";
}

struct FieldLine {
  std::string name;
  std::string value;
  int line = 0;
  int column = 0;
};

// One `NAME (MARK)[ [DEPRECATED]]: VALUE` line (cli_operations.ml print_field, cli_printer.ml multi_line_record).
std::optional<FieldLine> field_line(std::string_view line) {
  std::size_t i = 0;
  while (i < line.size() && line[i] == ' ') ++i;
  const std::size_t name_start = i;
  while (i < line.size() && line[i] != ' ' && line[i] != ':') ++i;
  if (i == name_start || i + 6 > line.size() || line[i] != ' ') return std::nullopt;
  static constexpr std::string_view marks[] = {"( RO)", "( RW)", "(MRO)", "(MRW)", "(SRO)", "(SRW)"};
  const std::string_view mark = line.substr(i + 1, 5);
  if (std::find(std::begin(marks), std::end(marks), mark) == std::end(marks)) return std::nullopt;
  std::size_t k = i + 6;
  constexpr std::string_view deprecated = " [DEPRECATED]";
  if (line.substr(k, deprecated.size()) == deprecated) k += deprecated.size();
  while (k < line.size() && line[k] == ' ') ++k;
  if (k >= line.size() || line[k] != ':') return std::nullopt;
  ++k;
  if (k < line.size() && line[k] == ' ') ++k;
  FieldLine f;
  f.name = std::string(line.substr(name_start, i - name_start));
  f.value = std::string(line.substr(k));
  f.column = static_cast<int>(name_start) + 1;
  return f;
}

struct Record {
  std::vector<FieldLine> fields;  // in print order
  int line = 0;

  const FieldLine* find(std::string_view name) const {
    for (const FieldLine& f : fields) {
      if (f.name == name) return &f;
    }
    return nullptr;
  }
};

struct Failure {
  Diagnostic diagnostic;
};

// The records of one file, split at empty lines; a line that is not a field line goes on the value before it
// (a value with newlines), with the empty lines in between.
std::vector<Record> split_records(const std::string& display, std::string_view text, std::string_view cls_hint) {
  if (text.starts_with("\xFF\xFE") || text.starts_with("\xFE\xFF")) {
    throw Failure{{display, 1, 1, Severity::error,
                   "the file is UTF-16 (PowerShell's '>' writes it so); save the output as UTF-8 or ASCII "
                   "('| Out-File -Encoding ascii') or run xe on the master"}};
  }
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // a UTF-8 byte order mark
  std::vector<Record> records;
  bool open = false;
  int blanks = 0;
  int n = 0;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(at, end - at);
    at = end + 1;
    ++n;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (blank_line(line)) {
      open = false;
      ++blanks;
      continue;
    }
    if (std::optional<FieldLine> f = field_line(line)) {
      if (!open) {
        records.push_back(Record{{}, n});
        open = true;
      }
      Record& r = records.back();
      if (const FieldLine* first = r.find(f->name)) {
        throw Failure{{display, n, f->column, Severity::error,
                       "field '" + f->name + "' appears twice in one record (first at line " + std::to_string(first->line) +
                           "); two records run together: keep the empty lines xe prints between records"}};
      }
      f->line = n;
      r.fields.push_back(std::move(*f));
      blanks = 0;
      continue;
    }
    if (records.empty()) {
      const std::string cmd = cls_hint.empty() ? std::string("xe CLASS-list params=all") : command(cls_hint);
      throw Failure{{display, n, 1, Severity::error,
                     "'" + shown(line) + "' is not a field line of xe params=all output ('NAME ( RO): VALUE'); run '" +
                         cmd + "' on the pool master and give its output as it is printed"}};
    }
    std::string& value = records.back().fields.back().value;
    value += std::string(static_cast<std::size_t>(blanks) + 1, '\n');
    value += line;
    blanks = 0;
    open = true;
  }
  return records;
}

// The fields that tell a class apart in its first record (records.ml field names, the same since XenServer 5).
struct Signature {
  std::string_view cls;
  std::vector<std::string_view> fields;
};
const std::vector<Signature>& signatures() {
  static const std::vector<Signature> s = {
      {"pool", {"ha-host-failures-to-tolerate", "master"}},
      {"host", {"memory-total", "host-metrics-live"}},
      {"host-cpu", {"host-uuid", "number", "flags"}},
      {"network", {"PIF-uuids", "bridge"}},
      {"pif", {"device", "bond-slave-of", "host-uuid"}},
      {"bond", {"master", "slaves"}},
      {"sr", {"physical-size", "content-type"}},
      {"pbd", {"device-config", "sr-uuid"}},
      {"vdi", {"virtual-size", "sr-uuid"}},
      {"vm", {"is-control-domain", "power-state"}},
      {"vbd", {"vdi-uuid", "vm-uuid"}},
      {"vif", {"vm-uuid", "network-uuid"}},
  };
  return s;
}

bool has_all(const Record& r, const Signature& s) {
  return std::all_of(s.fields.begin(), s.fields.end(), [&](std::string_view f) { return r.find(f) != nullptr; });
}

std::string class_of_record(const Record& r) {
  for (const Signature& s : signatures()) {
    if (has_all(r, s)) return std::string(s.cls);
  }
  return {};
}

const Signature& signature_of(std::string_view cls) {
  for (const Signature& s : signatures()) {
    if (s.cls == cls) return s;
  }
  return signatures().front();
}

// Placeholders records.ml prints instead of a value: none of them is one.
bool placeholder(std::string_view v) {
  return v == "<not in database>" || v == "<expensive field>" || v == "<unknown>" || v == "<invalid reference>" ||
         v == "<unknown time>";
}

// `a; b` (concat_with_semi) -> its items, placeholders dropped.
std::vector<std::string> split_set(std::string_view v) {
  std::vector<std::string> out;
  while (!v.empty()) {
    const std::size_t sep = v.find("; ");
    std::string_view item = v.substr(0, sep);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty() && !placeholder(item)) out.emplace_back(item);
    if (sep == std::string_view::npos) break;
    v.remove_prefix(sep + 2);
  }
  return out;
}

// `k: v; k2: v2` (get_from_map) -> its pairs. A piece without ": " belongs to the value before it (a value that
// held "; ").
std::vector<std::pair<std::string, std::string>> split_map(std::string_view v) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!v.empty()) {
    const std::size_t sep = v.find("; ");
    const std::string_view piece = v.substr(0, sep);
    const std::size_t colon = piece.find(": ");
    if (colon == std::string_view::npos && !out.empty()) {
      out.back().second += "; " + std::string(piece);
    } else if (colon == std::string_view::npos) {
      if (!piece.empty()) out.emplace_back(std::string(piece.back() == ':' ? piece.substr(0, piece.size() - 1) : piece), "");
    } else {
      out.emplace_back(std::string(piece.substr(0, colon)), std::string(piece.substr(colon + 2)));
    }
    if (sep == std::string_view::npos) break;
    v.remove_prefix(sep + 2);
  }
  return out;
}

bool whole_number(std::string_view v) {
  std::size_t i = (!v.empty() && v[0] == '-') ? 1 : 0;
  return i < v.size() && std::all_of(v.begin() + static_cast<std::ptrdiff_t>(i), v.end(), [](char c) { return c >= '0' && c <= '9'; });
}

enum class Kind { plain, ref, set, map };

// One xe field read into a database field (records.ml name -> datamodel field as db_xml.ml writes it).
struct FieldMap {
  std::string_view xe;
  std::string_view db;
  Kind kind = Kind::plain;
};

// The fields the mapping reads, by class; every other field is ignored (device-config, IP, MAC... never read).
const std::map<std::string_view, std::vector<FieldMap>>& field_maps() {
  static const std::map<std::string_view, std::vector<FieldMap>> m = {
      {"pool",
       {{"name-label", "name__label"},
        {"master", "master", Kind::ref},
        {"ha-enabled", "ha_enabled"},
        {"ha-host-failures-to-tolerate", "ha_host_failures_to_tolerate"},
        {"ha-allow-overcommit", "ha_allow_overcommit"},
        {"ha-configuration", "ha_configuration", Kind::map},  // printed "( RO)", a map all the same
        {"other-config", "other_config", Kind::map},
        {"ha-statefiles", "ha_statefiles", Kind::set}}},
      {"host",
       {{"name-label", "name__label"},
        {"memory-overhead", "memory__overhead"},
        {"cpu_info", "cpu_info", Kind::map},
        {"multipathing", "multipathing"},
        {"other-config", "other_config", Kind::map}}},
      {"host-cpu", {{"host-uuid", "host", Kind::ref}, {"number", "number"}}},
      {"network", {{"name-label", "name__label"}}},
      {"pif",
       {{"device", "device"},
        {"host-uuid", "host", Kind::ref},
        {"network-uuid", "network", Kind::ref},
        {"physical", "physical"},
        {"VLAN", "VLAN"},
        {"management", "management"},
        {"bond-slave-of", "bond_slave_of", Kind::ref},
        {"IP-configuration-mode", "ip_configuration_mode"},
        {"IPv6-configuration-mode", "ipv6_configuration_mode"},
        {"other-config", "other_config", Kind::map}}},
      {"bond", {{"master", "master", Kind::ref}, {"mode", "mode"}, {"properties", "properties", Kind::map}}},
      {"sr",
       {{"name-label", "name__label"},
        {"type", "type"},
        {"shared", "shared"},
        {"physical-size", "physical_size"},
        {"content-type", "content_type"}}},
      {"pbd", {{"host-uuid", "host", Kind::ref}, {"sr-uuid", "SR", Kind::ref}, {"other-config", "other_config", Kind::map}}},
      {"vdi", {{"sr-uuid", "SR", Kind::ref}, {"type", "type"}}},
      {"vm",
       {{"name-label", "name__label"},
        {"is-a-template", "is_a_template"},
        {"is-a-snapshot", "is_a_snapshot"},
        {"is-control-domain", "is_control_domain"},
        {"is-snapshot-from-vmpp", "is_snapshot_from_vmpp"},  // before 2016
        {"is-vmss-snapshot", "is_snapshot_from_vmpp"},       // since 2016 (CP-15502): the same flag renamed
        {"power-state", "power_state"},
        {"resident-on", "resident_on", Kind::ref},
        {"memory-static-max", "memory__static_max"},
        {"memory-target", "memory__target"},  // "<expensive field>" in a list since CA-33027 (2009): then memory-actual
        {"VCPUs-max", "VCPUs__max"},
        {"ha-restart-priority", "ha_restart_priority"},
        {"ha-always-run", "ha_always_run"},
        {"order", "order"},
        {"start-delay", "start_delay"}}},
      {"vbd", {{"vm-uuid", "VM", Kind::ref}, {"vdi-uuid", "VDI", Kind::ref}, {"type", "type"}, {"empty", "empty"}}},
      {"vif", {{"vm-uuid", "VM", Kind::ref}, {"network-uuid", "network", Kind::ref}}},
  };
  return m;
}

class Reader {
 public:
  Reader(const std::string& where, bool strict) : where_(where), strict_(strict) {}

  XeReadResult run(const std::vector<XeFile>& files);

 private:
  std::string where_;
  bool strict_;
  Database db_;
  std::vector<Diagnostic> diagnostics_;
  std::map<std::string, std::string> file_of_class_;  // class -> display of its file
  bool memory_actual_used_ = false;

  void read_file(int index, const XeFile& file);
  void fill(int index, const std::string& cls, const std::vector<Record>& records, const std::string& display);
  DbTable& table(std::string_view name, std::string_view label) {
    db_.labels.emplace(std::string(name), std::string(label));
    auto [it, inserted] = db_.tables.try_emplace(std::string(name));
    if (inserted) it->second.name = std::string(name);
    return it->second;
  }
  void label(std::string_view table, std::string_view field, std::string_view xe) {
    db_.labels.emplace(std::string(table) + "." + std::string(field), std::string(xe));
  }
  static void add_row(DbTable& t, DbRow row) {
    t.index.emplace(row.ref, t.rows.size());
    t.rows.push_back(std::move(row));
  }
};

void Reader::read_file(int index, const XeFile& file) {
  std::string cls = file.cls;
  const std::vector<Record> records = split_records(file.display, file.text, cls);
  if (!records.empty()) {
    const Record& first = records.front();
    const std::string seen = class_of_record(first);
    if (cls.empty()) {
      cls = seen;
    } else if (!has_all(first, signature_of(cls))) {
      const Signature& s = signature_of(cls);
      const auto missing = std::find_if(s.fields.begin(), s.fields.end(), [&](std::string_view f) { return !first.find(f); });
      const std::string why = !seen.empty() && seen != cls
                                  ? "its records are " + seen + "-list records, not " + cls + "-list ones: give each list under its own name"
                                  : "its first record has no field '" + std::string(*missing) +
                                        "': this is not params=all output; run '" + command(cls) + "' on the pool master";
      throw Failure{{file.display, first.line, 1, Severity::error, "the file's name says " + cls + "-list, but " + why}};
    }
  }
  if (cls.empty()) {
    const std::string message = records.empty()
                                    ? "the file is empty and its name does not say which xe list it is; name it after its command (bond-list.txt)"
                                    : "cannot tell which xe list this is (its first record is of no class poolsim reads); name it after its command (vm-list.txt)";
    if (strict_) throw Failure{{file.display, 0, 0, Severity::error, message}};
    diagnostics_.push_back({file.display, 0, 0, Severity::warning, message + "; skipped"});
    return;
  }
  if (const auto it = file_of_class_.find(cls); it != file_of_class_.end()) {
    throw Failure{{file.display, 0, 0, Severity::error,
                   "a second " + cls + "-list (the first is " + it->second + "); give each list once"}};
  }
  file_of_class_.emplace(cls, file.display);
  fill(index, cls, records, file.display);
}

void Reader::fill(int index, const std::string& cls, const std::vector<Record>& records, const std::string& display) {
  const auto cls_it = std::find_if(xe_classes().begin(), xe_classes().end(), [&](const XeClass& c) { return c.name == cls; });
  const std::string list = cls + "-list";
  DbTable& t = table(cls_it->table, list);
  t.pos = {0, 0, index};
  const std::vector<FieldMap>& maps = field_maps().at(cls_it->name);
  for (const FieldMap& m : maps) label(cls_it->table, m.db, m.xe);
  for (const Record& r : records) {
    const FieldLine* uuid = r.find("uuid");
    if (!uuid || uuid->value.empty()) {
      throw Failure{{display, r.line, 1, Severity::error,
                     "a record of " + list + " without uuid; xe prints it in every record: give the whole output of '" + command(cls) + "'"}};
    }
    if (const DbRow* first = t.find(uuid->value)) {
      throw Failure{{display, uuid->line, uuid->column, Severity::error,
                     "record '" + shown(uuid->value) + "' appears twice in " + list + " (first at line " + std::to_string(first->pos.line) +
                         "); give each list once, as xe printed it"}};
    }
    DbRow row;
    row.ref = uuid->value;
    row.pos = {r.line, 1, index};
    row.fields.emplace("uuid", DbField{uuid->value, {uuid->line, uuid->column, index}});
    for (const FieldMap& m : maps) {
      const FieldLine* f = r.find(m.xe);
      if (!f || (placeholder(f->value) && m.xe != "name-label")) continue;
      if (row.fields.count(std::string(m.db))) continue;  // is-vmss-snapshot after is-snapshot-from-vmpp
      std::string value = f->value;
      if (m.kind == Kind::set) value = format_set(split_set(f->value));
      if (m.kind == Kind::map) value = format_map(split_map(f->value));
      if (m.db == "memory__target" && !whole_number(value)) continue;
      row.fields.emplace(std::string(m.db), DbField{std::move(value), {f->line, f->column, index}});
    }
    if (cls == "vm" && !row.field("memory__target")) {
      // memory-target is an expensive field (records.ml), "<expensive field>" in a list: memory-actual (the VM's
      // memory now, VM_metrics) stands for it; the mapping reads it for control domains only.
      const FieldLine* actual = r.find("memory-actual");
      if (actual && whole_number(actual->value)) {
        row.fields.emplace("memory__target", DbField{actual->value, {actual->line, actual->column, index}});
        const FieldLine* dom0 = r.find("is-control-domain");
        memory_actual_used_ = memory_actual_used_ || (dom0 && dom0->value == "true");
      }
    }
    if (cls == "host") {
      // host_metrics is no list of its own: host-list shows its memory-total and live (records.ml host_record).
      DbTable& metrics = table("host_metrics", list);
      label("host_metrics", "memory__total", "memory-total");
      label("host_metrics", "live", "host-metrics-live");
      DbRow m;
      m.ref = row.ref;
      m.pos = row.pos;
      for (const auto& [xe, db] : {std::pair<std::string_view, std::string_view>{"memory-total", "memory__total"}, {"host-metrics-live", "live"}}) {
        const FieldLine* f = r.find(xe);
        if (f && !placeholder(f->value)) m.fields.emplace(std::string(db), DbField{f->value, {f->line, f->column, index}});
      }
      add_row(metrics, std::move(m));
      row.fields.emplace("metrics", DbField{row.ref, row.pos});
    }
    if (cls == "pif") {
      // PIF_metrics: pif-list shows its speed as "N Mbit/s" (records.ml pif_record), "<not in database>" without.
      if (const FieldLine* f = r.find("speed")) {
        std::string_view v = f->value;
        constexpr std::string_view unit = " Mbit/s";
        if (v.size() > unit.size() && v.substr(v.size() - unit.size()) == unit) v.remove_suffix(unit.size());
        if (whole_number(v)) {
          DbTable& metrics = table("PIF_metrics", list);
          label("PIF_metrics", "speed", "speed");
          DbRow m;
          m.ref = row.ref;
          m.pos = row.pos;
          m.fields.emplace("speed", DbField{std::string(v), {f->line, f->column, index}});
          add_row(metrics, std::move(m));
          row.fields.emplace("metrics", DbField{row.ref, row.pos});
        }
      }
      // VLAN rows from both ends: the untagged PIF's vlan-master-of and the tagged PIF's vlan-slave-of.
      DbTable& vlans = table("VLAN", list);
      label("VLAN", "untagged_PIF", "vlan-master-of");
      label("VLAN", "tagged_PIF", "vlan-slave-of");
      auto vlan = [&](const std::string& ref) -> DbRow& {
        if (!vlans.find(ref)) add_row(vlans, DbRow{ref, {}, row.pos});
        return vlans.rows[vlans.index.at(ref)];
      };
      if (const FieldLine* f = r.find("vlan-master-of"); f && !placeholder(f->value) && !f->value.empty()) {
        vlan(f->value).fields.emplace("untagged_PIF", DbField{row.ref, {f->line, f->column, index}});
      }
      if (const FieldLine* f = r.find("vlan-slave-of")) {
        for (const std::string& v : split_set(f->value)) vlan(v).fields.emplace("tagged_PIF", DbField{row.ref, {f->line, f->column, index}});
      }
    }
    add_row(t, std::move(row));
  }
}

XeReadResult Reader::run(const std::vector<XeFile>& files) {
  XeReadResult result;
  db_.from_xe = true;
  for (const XeFile& f : files) db_.files.push_back(f.display);
  try {
    for (std::size_t i = 0; i < files.size(); ++i) read_file(static_cast<int>(i), files[i]);
  } catch (const Failure& f) {
    result.diagnostics = std::move(diagnostics_);
    result.diagnostics.push_back(f.diagnostic);
    return result;
  }
  bool missing = false;
  for (const XeClass& c : xe_classes()) {
    if (!c.required || file_of_class_.count(std::string(c.name))) continue;
    missing = true;
    diagnostics_.push_back({where_, 0, 0, Severity::error,
                            "no " + std::string(c.name) + "-list among the files; run '" + command(c.name) +
                                "' on the pool master and give that file too"});
  }
  result.diagnostics = std::move(diagnostics_);
  if (missing) return result;
  if (!file_of_class_.count("host-cpu")) {
    table("host_cpu", "host-cpu-list");  // empty: the CPU count is then cpu_info's
  }
  if (memory_actual_used_) {
    db_.notes.push_back(
        "each control domain's memory is its memory-actual: vm-list shows memory-target as '<expensive field>' (the "
        "database has the target); check each host's 'control_domain_memory'");
  }
  result.database = std::move(db_);
  return result;
}

}  // namespace

std::string xe_class_from_name(std::string_view file_name) {
  const std::size_t slash = file_name.find_last_of('/');
  std::string base(slash == std::string_view::npos ? file_name : file_name.substr(slash + 1));
  std::transform(base.begin(), base.end(), base.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const XeClass& c : xe_classes()) {
    const std::string token = std::string(c.name) + "-list";
    for (std::size_t at = base.find(token); at != std::string::npos; at = base.find(token, at + 1)) {
      const bool before = at == 0 || !alnum(base[at - 1]);
      const std::size_t end = at + token.size();
      const bool after = end == base.size() || !alnum(base[end]);
      if (before && after) return std::string(c.name);  // "host-cpu-list" holds no "host-list"

    }
  }
  return {};
}

bool looks_like_xe_text(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(at, end - at);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!blank_line(line)) return field_line(line).has_value();
    at = end + 1;
  }
  return false;
}

XeReadResult read_xe_lists(const std::vector<XeFile>& files, const std::string& where, bool strict) {
  Reader reader(where, strict);
  return reader.run(files);
}

}  // namespace poolsim::import
