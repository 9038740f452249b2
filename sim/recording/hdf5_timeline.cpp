#include "poolsim/recording/hdf5_timeline.hpp"

#include <H5Cpp.h>

#include <cmath>
#include <cstddef>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "poolsim/models/records.hpp"
#include "poolsim/recording/output_file.hpp"
#include "poolsim/version.hpp"
#include "recording/hdf5_common.hpp"

namespace poolsim {
namespace {

using hdf5::create_group;
using hdf5::utf8_string;
using hdf5::write_attribute;

double seconds(std::int64_t ns) { return static_cast<double>(ns) / 1e9; }

// A column of a compound table: its name, where it sits in the in-memory row, and its type.
enum class ColumnType : std::uint8_t { float64, uint64, string };
struct Column {
  const char* name;
  std::size_t offset;
  ColumnType type;
};

// Adds column `c` to a compound type at `offset`, in its in-memory (native) or on-disk (little-endian) form.
// Predefined types are passed by reference: a copy of one would try to close an immutable HDF5 type.
void insert_member(H5::CompType& compound, const Column& c, std::size_t offset, bool on_disk) {
  switch (c.type) {
    case ColumnType::float64:
      compound.insertMember(c.name, offset, on_disk ? H5::PredType::IEEE_F64LE : H5::PredType::NATIVE_DOUBLE);
      return;
    case ColumnType::uint64:
      compound.insertMember(c.name, offset, on_disk ? H5::PredType::STD_U64LE : H5::PredType::NATIVE_UINT64);
      return;
    case ColumnType::string:
      compound.insertMember(c.name, offset, utf8_string());
      return;
  }
}

std::size_t disk_size(ColumnType type) {
  return type == ColumnType::string ? utf8_string().getSize() : std::size_t{8};
}

enum class Storage : std::uint8_t { contiguous, chunked_compressed };

// Writes `rows` (structs whose string members are `const char*`) as a one-dimensional compound dataset. On disk
// the columns are packed, little-endian, in the order given; in memory they follow Row's layout.
template <class Row>
void write_table(const H5::Group& parent, const char* name, std::span<const Column> columns,
                 const std::vector<Row>& rows, Storage storage) {
  H5::CompType in_memory(sizeof(Row));
  std::size_t packed_size = 0;
  for (const Column& c : columns) {
    insert_member(in_memory, c, c.offset, false);
    packed_size += disk_size(c.type);
  }
  H5::CompType on_disk(packed_size);
  std::size_t offset = 0;
  for (const Column& c : columns) {
    insert_member(on_disk, c, offset, true);
    offset += disk_size(c.type);
  }
  const hsize_t dims[1] = {rows.size()};
  H5::DSetCreatPropList plist;
  hdf5::untrack_times(plist);
  std::optional<H5::DataSpace> space;
  if (storage == Storage::chunked_compressed) {
    const hsize_t max_dims[1] = {H5S_UNLIMITED};  // unlimited, so that an empty table can still be chunked
    const hsize_t chunk[1] = {hdf5::chunk_rows};
    space.emplace(1, dims, max_dims);
    plist.setChunk(1, chunk);
    plist.setShuffle();
    plist.setDeflate(hdf5::deflate_level);
  } else {
    space.emplace(1, dims);
  }
  const H5::DataSet dataset = parent.createDataSet(name, on_disk, *space, plist);
  if (!rows.empty()) dataset.write(rows.data(), in_memory);
}

struct EventRow {
  double time_s;
  std::uint64_t seq;
  const char* source;
  const char* event;
  const char* details;
};
constexpr Column event_columns[] = {{"time_s", offsetof(EventRow, time_s), ColumnType::float64},
                                    {"seq", offsetof(EventRow, seq), ColumnType::uint64},
                                    {"source", offsetof(EventRow, source), ColumnType::string},
                                    {"event", offsetof(EventRow, event), ColumnType::string},
                                    {"details", offsetof(EventRow, details), ColumnType::string}};

struct IntervalRow {
  double start_s;
  double end_s;
  const char* state;
};
constexpr Column interval_columns[] = {{"start_s", offsetof(IntervalRow, start_s), ColumnType::float64},
                                       {"end_s", offsetof(IntervalRow, end_s), ColumnType::float64},
                                       {"state", offsetof(IntervalRow, state), ColumnType::string}};

struct VmSummaryRow {
  const char* name;
  double downtime_s;
  std::uint64_t restarts;
  const char* final_state;
};
constexpr Column vm_summary_columns[] = {{"name", offsetof(VmSummaryRow, name), ColumnType::string},
                                         {"downtime_s", offsetof(VmSummaryRow, downtime_s), ColumnType::float64},
                                         {"restarts", offsetof(VmSummaryRow, restarts), ColumnType::uint64},
                                         {"final_state", offsetof(VmSummaryRow, final_state), ColumnType::string}};

struct ServiceSummaryRow {
  const char* name;
  std::uint64_t need;
  std::uint64_t vms;
  double downtime_s;
  double availability;
  std::uint64_t outages;
};
constexpr Column service_summary_columns[] = {
    {"name", offsetof(ServiceSummaryRow, name), ColumnType::string},
    {"need", offsetof(ServiceSummaryRow, need), ColumnType::uint64},
    {"vms", offsetof(ServiceSummaryRow, vms), ColumnType::uint64},
    {"downtime_s", offsetof(ServiceSummaryRow, downtime_s), ColumnType::float64},
    {"availability", offsetof(ServiceSummaryRow, availability), ColumnType::float64},
    {"outages", offsetof(ServiceSummaryRow, outages), ColumnType::uint64}};

struct HostSummaryRow {
  const char* name;
  std::uint64_t fences;
  const char* final_state;
};
constexpr Column host_summary_columns[] = {{"name", offsetof(HostSummaryRow, name), ColumnType::string},
                                           {"fences", offsetof(HostSummaryRow, fences), ColumnType::uint64},
                                           {"final_state", offsetof(HostSummaryRow, final_state), ColumnType::string}};

struct AlertSummaryRow {
  const char* name;
  std::uint64_t count;
  double first_s;
};
constexpr Column alert_summary_columns[] = {{"name", offsetof(AlertSummaryRow, name), ColumnType::string},
                                            {"count", offsetof(AlertSummaryRow, count), ColumnType::uint64},
                                            {"first_s", offsetof(AlertSummaryRow, first_s), ColumnType::float64}};

bool valid_name(const std::string& name) {
  return !name.empty() && name != "." && name.find('/') == std::string::npos;
}

}  // namespace

SummaryRules::SummaryRules()
    : vm_up_state(models::to_token(models::VmState::running)),
      vm_ran_state(models::to_token(models::VmState::impaired)),
      vm_start_state(models::to_token(models::VmState::starting)),
      host_fence_state(models::to_token(models::HostState::fenced)),
      master_event(models::token(models::Rec::master_changed)),
      alert_event(models::token(models::Rec::alert)) {}

// From the models' table of records: each record that leads its host or VM to a state.
std::vector<StateRule> pool_state_rules() {
  std::vector<StateRule> rules;
  for (const models::RecordSpec& record : models::record_table) {
    const bool from_daemon = record.source == models::RecordSource::ha_daemon;
    if (record.host_state) {
      rules.push_back({StateSubject::host, "", from_daemon ? "/ha" : "", std::string(record.token),
                       std::string(models::to_token(*record.host_state))});
    }
    if (record.vm_state) {
      rules.push_back({StateSubject::vm, "vm/", "", std::string(record.token),
                       std::string(models::to_token(*record.vm_state))});
    }
  }
  return rules;
}

struct Hdf5Timeline::Impl {
  struct Record {
    std::int64_t ns;
    std::uint64_t seq;
    std::string source;
    std::string event;
    std::string details;
  };
  struct Change {
    std::int64_t ns;
    std::string state;
  };
  // A host or VM and the states it went through; changes.front() is its state at time 0.
  struct Subject {
    StateSubject kind;
    std::string name;
    std::vector<Change> changes;
  };
  struct Alert {
    std::string name;
    std::uint64_t count = 0;
    std::int64_t first_ns = 0;
  };

  std::filesystem::path path;
  std::optional<TemporaryFile> tmp;  // created by the constructor, published or removed by on_finish
  Hdf5Header header;
  std::vector<StateRule> rules;
  SummaryRules summary;
  std::vector<Subject> subjects;  // in the caller's order
  std::map<std::pair<StateSubject, std::string>, std::size_t> subject_index;
  std::vector<Record> records;
  std::vector<Alert> alerts;  // in order of first appearance
  std::vector<ServiceSummary> services;  // /summary/services, given by the caller
  std::map<std::string, std::size_t> alert_index;
  std::uint64_t master_changes = 0;
  bool finished = false;

  void apply_rules(const TimelineRecord& record) {
    for (const StateRule& rule : rules) {
      if (record.event != rule.event) continue;
      const std::string& source = record.source;
      const std::size_t affixes = rule.source_prefix.size() + rule.source_suffix.size();
      if (source.size() <= affixes || !source.starts_with(rule.source_prefix) ||
          !source.ends_with(rule.source_suffix)) {
        continue;
      }
      const std::string name = source.substr(rule.source_prefix.size(), source.size() - affixes);
      const auto it = subject_index.find({rule.subject, name});
      if (it == subject_index.end()) continue;
      std::vector<Change>& changes = subjects[it->second].changes;
      if (changes.back().state != rule.state) changes.push_back({record.time.ns(), rule.state});
    }
  }

  // A master_changed record whose `from` is its `to`: the master took the lock again, no change of master.
  bool same_master(const TimelineRecord& record) const {
    const std::string* from = nullptr;
    const std::string* to = nullptr;
    for (const Detail& d : record.details) {
      if (d.key == summary.master_from_key) from = &d.value;
      if (d.key == summary.master_to_key) to = &d.value;
    }
    return from && to && *from == *to;
  }

  void count_alert(const TimelineRecord& record) {
    for (const Detail& d : record.details) {
      if (d.key != summary.alert_name_key) continue;
      const auto [it, inserted] = alert_index.try_emplace(d.value, alerts.size());
      if (inserted) alerts.push_back({d.value, 0, record.time.ns()});
      ++alerts[it->second].count;
      return;
    }
  }

  void write(H5::H5File& file, std::int64_t end_ns) const {
    write_attribute(file, "poolsim_version", std::string(version));
    write_attribute(file, "scenario_name", header.scenario_name);
    write_attribute(file, "scenario_yaml", header.scenario_yaml);
    write_attribute(file, "seed", header.seed);
    write_attribute(file, "until_s", seconds(header.until.ns()));
    // The wall-clock time of 0 s when the scenario gives one: a label; every time in the file stays in seconds.
    if (header.start) write_attribute(file, "start", format_utc_time(*header.start, -1));

    std::vector<EventRow> event_rows;
    event_rows.reserve(records.size());
    for (const Record& r : records) {
      event_rows.push_back({seconds(r.ns), r.seq, r.source.c_str(), r.event.c_str(), r.details.c_str()});
    }
    write_table(file, "events", event_columns, event_rows, Storage::chunked_compressed);

    const H5::Group hosts = create_group(file, "hosts");
    const H5::Group vms = create_group(file, "vms");
    for (const Subject& s : subjects) {
      std::vector<IntervalRow> rows;
      for (std::size_t i = 0; i < s.changes.size(); ++i) {
        const std::int64_t until = i + 1 < s.changes.size() ? s.changes[i + 1].ns : end_ns;
        rows.push_back({seconds(s.changes[i].ns), seconds(until), s.changes[i].state.c_str()});
      }
      const H5::Group group = create_group(s.kind == StateSubject::host ? hosts : vms, s.name);
      write_table(group, "state", interval_columns, rows, Storage::contiguous);
    }

    write_summary(file, end_ns);
  }

  void write_summary(H5::H5File& file, std::int64_t end_ns) const {
    const H5::Group group = create_group(file, "summary");
    write_attribute(group, "end_s", seconds(end_ns));
    write_attribute(group, "master_changes", master_changes);
    std::vector<VmSummaryRow> vm_rows;
    std::vector<HostSummaryRow> host_rows;
    for (const Subject& s : subjects) {
      if (s.kind == StateSubject::vm) {
        vm_rows.push_back({s.name.c_str(), seconds(downtime_ns(s, end_ns)), entries(s, summary.vm_start_state),
                           s.changes.back().state.c_str()});
      } else {
        host_rows.push_back({s.name.c_str(), entries(s, summary.host_fence_state), s.changes.back().state.c_str()});
      }
    }
    std::vector<AlertSummaryRow> alert_rows;
    for (const Alert& a : alerts) alert_rows.push_back({a.name.c_str(), a.count, seconds(a.first_ns)});
    write_table(group, "vms", vm_summary_columns, vm_rows, Storage::contiguous);
    write_table(group, "hosts", host_summary_columns, host_rows, Storage::contiguous);
    write_table(group, "alerts", alert_summary_columns, alert_rows, Storage::contiguous);
    if (services.empty()) return;
    std::vector<ServiceSummaryRow> service_rows;
    const double end_s = seconds(end_ns);
    for (const ServiceSummary& sv : services) {
      const double availability = end_s > 0 ? 1.0 - sv.downtime_s / end_s : std::nan("");
      service_rows.push_back({sv.name.c_str(), sv.need, sv.vms, sv.downtime_s, availability, sv.outages});
    }
    write_table(group, "services", service_summary_columns, service_rows, Storage::contiguous);
  }

  // Time outside the up state once the VM first ran (up, or running without serving): a VM halted from the start
  // and never started has none.
  std::int64_t downtime_ns(const Subject& s, std::int64_t end_ns) const {
    std::int64_t down = 0;
    bool ran = false;
    for (std::size_t i = 0; i < s.changes.size(); ++i) {
      const std::int64_t until = i + 1 < s.changes.size() ? s.changes[i + 1].ns : end_ns;
      const bool up = s.changes[i].state == summary.vm_up_state;
      ran = ran || up || s.changes[i].state == summary.vm_ran_state;
      if (!up && ran) down += until - s.changes[i].ns;
    }
    return down;
  }

  // How many times the subject entered `state` during the run (its state at time 0 does not count).
  static std::uint64_t entries(const Subject& s, const std::string& state) {
    std::uint64_t n = 0;
    for (std::size_t i = 1; i < s.changes.size(); ++i) n += s.changes[i].state == state ? 1U : 0U;
    return n;
  }
};

Hdf5Timeline::Hdf5Timeline(std::filesystem::path path, Hdf5Header header, std::vector<StateRule> rules,
                           std::vector<InitialState> initial, SummaryRules summary)
    : impl_(std::make_unique<Impl>()) {
  Impl& p = *impl_;
  p.path = std::move(path);
  p.header = std::move(header);
  p.rules = std::move(rules);
  p.summary = std::move(summary);
  for (InitialState& s : initial) {
    const char* kind = s.subject == StateSubject::host ? "host" : "vm";
    if (!valid_name(s.name)) {
      throw std::invalid_argument(std::string(kind) + " name '" + s.name +
                                  "' cannot name an HDF5 group: it is empty, '.' or contains '/'");
    }
    if (!p.subject_index.try_emplace({s.subject, s.name}, p.subjects.size()).second) {
      throw std::invalid_argument(std::string(kind) + " '" + s.name + "' is given an initial state twice");
    }
    p.subjects.push_back({s.subject, std::move(s.name), {{0, std::move(s.state)}}});
  }
  // The temporary now, so that a path that cannot be written fails before the run; HDF5 fills it at the end.
  p.tmp.emplace(p.path, "cannot create HDF5 file '" + p.path.string() + "': ");
  p.tmp->close();
  p.tmp->set_where("cannot write HDF5 file '" + p.path.string() + "': ");
}

Hdf5Timeline::~Hdf5Timeline() = default;  // an unfinished run's temporary is removed with it

void Hdf5Timeline::set_services(std::vector<ServiceSummary> services) { impl_->services = std::move(services); }

void Hdf5Timeline::on_record(const TimelineRecord& record) {
  Impl& p = *impl_;
  if (p.finished) throw std::logic_error("Hdf5Timeline: record after on_finish");
  p.records.push_back({record.time.ns(), record.seq, record.source, std::string(record.event), record.details_text()});
  p.apply_rules(record);
  if (record.event == p.summary.master_event && !p.same_master(record)) ++p.master_changes;
  if (record.event == p.summary.alert_event) p.count_alert(record);
}

void Hdf5Timeline::on_finish(SimTime end) {
  Impl& p = *impl_;
  if (p.finished) throw std::logic_error("Hdf5Timeline: on_finish called twice");
  p.finished = true;
  try {
    hdf5::write_in_child(p.tmp->path(), p.tmp->where(), [&] {
      H5::FileCreatPropList fcpl;
      hdf5::untrack_times(fcpl);  // the root group's times
      H5::H5File file(p.tmp->path().string(), H5F_ACC_TRUNC, fcpl);
      p.write(file, end.ns());
      file.close();
    });
  } catch (const OutputError&) {
    p.tmp.reset();  // removes the temporary
    throw;
  }
  p.tmp->commit();
}

}  // namespace poolsim
