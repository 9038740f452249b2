#include "report/run_data.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <variant>

#include "poolsim/models/records.hpp"
#include "poolsim/scenario/load.hpp"

namespace poolsim::report {

Duration from_seconds(double s) {
  if (!std::isfinite(s)) return Duration::zero();
  return Duration::nanoseconds(std::llround(s * 1e6) * 1'000);
}

namespace {
// To the millisecond: what a reader of a report needs (the HDF5 file keeps the microseconds).
Duration to_ms(double s) {
  if (!std::isfinite(s)) return Duration::zero();
  return Duration::nanoseconds(std::llround(s * 1e3) * 1'000'000);
}
}  // namespace

std::string hms(double seconds) { return std::isfinite(seconds) ? format_hms(to_ms(seconds)) : "NaN"; }

std::string Clock::at(double s) const {
  if (start) return format_utc_time(utc_at(*start, to_ms(s)), -1);
  return format_day_time(to_ms(s), -1);
}

std::string Clock::tick(double s, double step_s) const {
  const std::string full = at(s);
  if (step_s >= 86'400) return start ? full.substr(0, 10) : full.substr(0, full.find('T'));
  // The time of day, without the date (the panel's title has it); seconds only when the step needs them.
  const std::size_t t = full.find('T');
  std::string time = full.substr(t + 1);
  if (!time.empty() && time.back() == 'Z') time.pop_back();
  if (step_s >= 60 && time.size() >= 5) time = time.substr(0, 5);
  if (step_s >= 3'600 * 6 || (s > 0 && std::fmod(s, 86'400) < 1e-6)) time = full.substr(0, t) + " " + time;
  return time;
}

std::string Event::detail(std::string_view key) const {
  std::size_t at = 0;
  while (at < details.size()) {
    const std::size_t end = std::min(details.find(' ', at), details.size());
    const std::string_view part = std::string_view(details).substr(at, end - at);
    if (part.size() > key.size() && part.substr(0, key.size()) == key && part[key.size()] == '=') {
      return std::string(part.substr(key.size() + 1));
    }
    at = end + 1;
  }
  return "";
}

namespace {

using models::HostState;
using models::Rec;
using models::VmState;

bool is(const Event& e, Rec id) { return e.event == models::token(id); }

[[noreturn]] void missing(const Hdf5Reader& file, const std::string& what) {
  throw ReportError(file.path().string() + ": not a poolsim run file: no " + what +
                    " (docs/hdf5-layout.md); give the file of 'poolsim run --h5', 'poolsim batch --out' or "
                    "'poolsim size --h5'");
}

std::string join(const std::string& group, const std::string& path) {
  return group == "/" || group.empty() ? path : group + "/" + path;
}

template <typename T>
const std::vector<T>& column(const Hdf5Reader& file, const Hdf5Table& t, std::string_view name) {
  for (const Hdf5Column& c : t.columns) {
    if (c.name == name) {
      if (const auto* v = std::get_if<std::vector<T>>(&c.values)) return *v;
    }
  }
  missing(file, "column '" + std::string(name) + "' in /" + t.path);
}

std::vector<Interval> read_states(const Hdf5Reader& file, const std::string& path) {
  if (!file.has(path)) missing(file, "table /" + path);
  const Hdf5Table t = file.table(path);
  const auto& start = column<double>(file, t, "start_s");
  const auto& end = column<double>(file, t, "end_s");
  const auto& state = column<std::string>(file, t, "state");
  std::vector<Interval> out;
  for (std::size_t i = 0; i < start.size(); ++i) out.push_back({start[i], end[i], state[i]});
  return out;
}

// Members of /hosts or /vms in the order of the summary table's names, then any others by name.
std::vector<std::string> ordered(const Hdf5Reader& file, const std::string& group, const std::vector<std::string>& order) {
  const std::vector<std::string> present = file.members(group);
  std::vector<std::string> out;
  for (const std::string& n : order) {
    if (std::find(present.begin(), present.end(), n) != present.end()) out.push_back(n);
  }
  for (const std::string& n : present) {
    if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
  }
  return out;
}

// The host a record's source names ("xenserver-1/eth0" -> "xenserver-1"), when it is one of the run's.
std::string host_of(const RunData& run, const std::string& source) {
  const std::string first = source.substr(0, source.find('/'));
  for (const auto& [name, states] : run.hosts) {
    if (name == first) return name;
  }
  return "";
}

}  // namespace

RunData read_run(const Hdf5Reader& file, const std::string& group) {
  RunData run;
  const auto text = [&](const std::string& name) -> std::string {
    const auto v = file.attribute(group, name);
    if (!v) return "";
    if (const auto* s = std::get_if<std::string>(&*v)) return *s;
    return "";
  };
  for (const char* part : {"events", "hosts", "vms", "summary", "summary/vms", "summary/hosts", "summary/alerts"}) {
    if (!file.has(join(group, part))) missing(file, std::string(part == std::string("events") ? "table" : "group") + " /" + join(group, part));
  }
  run.scenario = text("scenario_name");
  run.scenario_yaml = text("scenario_yaml");
  run.version = text("poolsim_version");
  if (const auto seed = file.attribute(group, "seed")) {
    if (const auto* u = std::get_if<std::uint64_t>(&*seed)) run.seed = *u;
  }
  const auto end = file.attribute(join(group, "summary"), "end_s");
  if (!end || !std::holds_alternative<double>(*end)) missing(file, "attribute end_s of /summary");
  run.end_s = std::get<double>(*end);
  if (const auto mc = file.attribute(join(group, "summary"), "master_changes")) {
    if (const auto* u = std::get_if<std::uint64_t>(&*mc)) run.master_changes = *u;
  }
  const std::string start = text("start");
  if (!start.empty()) {
    const auto parsed = parse_utc_time(start);
    if (const auto* t = std::get_if<UtcTime>(&parsed)) run.start = *t;
  }
  run.clock.start = run.start;

  const Hdf5Table events = file.table(join(group, "events"));
  const auto& time = column<double>(file, events, "time_s");
  const auto& source = column<std::string>(file, events, "source");
  const auto& event = column<std::string>(file, events, "event");
  const auto& details = column<std::string>(file, events, "details");
  for (std::size_t i = 0; i < time.size(); ++i) run.events.push_back({time[i], source[i], event[i], details[i]});

  const Hdf5Table vms = file.table(join(group, "summary/vms"));
  const auto& vm_names = column<std::string>(file, vms, "name");
  for (std::size_t i = 0; i < vm_names.size(); ++i) {
    run.vm_summary.push_back({vm_names[i], column<double>(file, vms, "downtime_s")[i],
                              column<std::uint64_t>(file, vms, "restarts")[i],
                              column<std::string>(file, vms, "final_state")[i]});
  }
  const Hdf5Table hosts = file.table(join(group, "summary/hosts"));
  const auto& host_names = column<std::string>(file, hosts, "name");
  for (std::size_t i = 0; i < host_names.size(); ++i) {
    run.host_summary.push_back({host_names[i], column<std::uint64_t>(file, hosts, "fences")[i],
                                column<std::string>(file, hosts, "final_state")[i]});
  }
  const Hdf5Table alerts = file.table(join(group, "summary/alerts"));
  if (row_count(alerts) > 0) {
    const auto& names = column<std::string>(file, alerts, "name");
    for (std::size_t i = 0; i < names.size(); ++i) {
      run.alerts.push_back({names[i], column<std::uint64_t>(file, alerts, "count")[i],
                            column<double>(file, alerts, "first_s")[i]});
    }
  }
  if (file.has(join(group, "summary/services"))) {
    const Hdf5Table services = file.table(join(group, "summary/services"));
    const auto& names = column<std::string>(file, services, "name");
    for (std::size_t i = 0; i < names.size(); ++i) {
      run.services.push_back({names[i], column<std::uint64_t>(file, services, "need")[i],
                              column<std::uint64_t>(file, services, "vms")[i],
                              column<double>(file, services, "downtime_s")[i],
                              column<double>(file, services, "availability")[i],
                              column<std::uint64_t>(file, services, "outages")[i]});
    }
  }
  // Where each VM runs at 0 s: the file holds the scenario's text, which the scenario layer reads back (a text
  // that no longer loads, from another version, only loses the labels of the first bars).
  if (!run.scenario_yaml.empty()) {
    const scenario::LoadResult loaded = scenario::load_scenario_text(run.scenario_yaml, "scenario_yaml");
    if (loaded.spec) {
      for (const scenario::VmSpec& vm : loaded.spec->pool.vms) {
        if (!vm.host.name.empty()) run.placed_on.emplace_back(vm.name, vm.host.name);
      }
    }
  }
  for (const std::string& h : ordered(file, join(group, "hosts"), host_names)) {
    run.hosts.emplace_back(h, read_states(file, join(group, "hosts/" + h + "/state")));
  }
  for (const std::string& v : ordered(file, join(group, "vms"), vm_names)) {
    run.vms.emplace_back(v, read_states(file, join(group, "vms/" + v + "/state")));
  }
  return run;
}

std::vector<MarkedEvent> marked_events(const RunData& run) {
  std::vector<MarkedEvent> out;
  std::map<std::string, Rec> last_stop;  // host -> the last record that stopped it
  for (std::size_t i = 0; i < run.events.size(); ++i) {
    const Event& e = run.events[i];
    Mark mark = Mark::none;
    // The role the table of records gives it (a record of another version has none).
    if (const models::RecordSpec* r = models::find_record(e.event)) {
      switch (models::role_of(r->id, [&](std::string_view key) { return e.detail(key); })) {
        case models::Role::context: break;
        case models::Role::fault: mark = Mark::fault; break;
        case models::Role::repair: mark = Mark::repair; break;
        case models::Role::consequence: mark = Mark::consequence; break;
        case models::Role::boot: {
          const auto stop = last_stop.find(host_of(run, e.source));
          mark = stop != last_stop.end() && stop->second == Rec::host_crashed ? Mark::repair : Mark::consequence;
          break;
        }
      }
      if (r->id == Rec::host_crashed || r->id == Rec::host_rebooting || r->id == Rec::self_fence) {
        last_stop[host_of(run, e.source)] = r->id;
      }
    }
    out.push_back({i, mark});
  }
  return out;
}

std::vector<Incident> run_incidents(const RunData& run, const ReportOptions& options) {
  std::vector<double> injected, records;
  for (const MarkedEvent& m : marked_events(run)) {
    records.push_back(run.events[m.index].time_s);
    if (m.mark == Mark::fault || m.mark == Mark::repair) injected.push_back(run.events[m.index].time_s);
  }
  // The records are in publication order, which is time order.
  return find_incidents(injected, records, run.end_s, seconds_of(options.incident_gap),
                        seconds_of(options.incident_margin));
}

std::vector<Interval> host_lane(const RunData& run, const std::string& host, const std::vector<Interval>& states) {
  std::vector<double> out_marks;
  const std::string ha = host + "/ha";
  for (const Event& e : run.events) {
    if (e.source == ha && (is(e, Rec::join_aborted) || is(e, Rec::join_failed) || is(e, Rec::join_cancelled))) {
      out_marks.push_back(e.time_s);
    }
  }
  std::vector<Interval> lane;
  for (const Interval& s : states) {
    if (s.state != to_token(HostState::up)) {
      lane.push_back(s);
      continue;
    }
    // The first mark inside [start, end): from there the host is up but outside the liveset.
    const auto it = std::lower_bound(out_marks.begin(), out_marks.end(), s.start_s);
    if (it == out_marks.end() || *it >= s.end_s || (s.end_s > s.start_s && *it == s.end_s)) {
      lane.push_back(s);
      continue;
    }
    if (*it > s.start_s) lane.push_back({s.start_s, *it, std::string(to_token(HostState::up))});
    lane.push_back({*it, s.end_s, "out_of_liveset"});
  }
  return lane;
}

std::vector<std::pair<double, std::string>> vm_placements(const RunData& run, const std::string& vm) {
  const std::string source = "vm/" + vm;
  std::vector<std::pair<double, std::string>> out;
  std::string initial;
  for (const Event& e : run.events) {
    if (e.source != source) continue;
    if (is(e, Rec::vm_running)) out.emplace_back(e.time_s, e.detail("host"));
    if (is(e, Rec::vm_migrated)) out.emplace_back(e.time_s, e.detail("to"));
    if (out.empty() && initial.empty()) {
      if (is(e, Rec::vm_died) || is(e, Rec::vm_halted)) initial = e.detail("host");
      if (is(e, Rec::vm_migrated)) initial = e.detail("from");
    }
  }
  for (const auto& [name, host] : run.placed_on) {
    if (name == vm) initial = host;
  }
  if (!initial.empty()) out.insert(out.begin(), {0.0, initial});
  return out;
}

std::vector<Outage> vm_outages(const RunData& run) {
  std::vector<Outage> out;
  for (const auto& [vm, states] : run.vms) {
    const auto placements = vm_placements(run, vm);
    const auto host_at = [&](double t) {
      std::string h;
      for (const auto& [when, host] : placements) {
        if (when <= t) h = host;
      }
      return h;
    };
    bool ran = false;
    std::optional<Outage> open;
    for (const Interval& s : states) {
      const bool running = s.state == to_token(VmState::running);
      if (running) {
        if (open) {
          open->to_s = s.start_s;
          open->back = true;
          open->host_after = host_at(s.start_s);
          out.push_back(*open);
          open.reset();
        }
        ran = true;
      } else if (s.state == to_token(VmState::impaired) && !ran && !open) {  // its domain ran from the start without serving
        ran = true;
        open = Outage{vm, s.start_s, run.end_s, false, host_at(s.start_s), ""};
      } else if (ran && !open) {
        open = Outage{vm, s.start_s, run.end_s, false, host_at(s.start_s - 1e-9), ""};
      }
    }
    if (open) out.push_back(*open);
  }
  return out;
}

}  // namespace poolsim::report
