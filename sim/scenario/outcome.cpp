#include "poolsim/scenario/outcome.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace poolsim::scenario {

namespace {

std::string seconds(SimTime t) { return format_seconds(t); }

// The source of the records about a VM: "vm/<name>" (models/pool.cpp).
constexpr std::string_view vm_prefix = "vm/";

}  // namespace

OutcomeRecorder::OutcomeRecorder(EventQueue& queue, const models::Pool& pool, std::vector<Expectation> expectations,
                                 std::vector<Service> services)
    : queue_(queue),
      pool_(pool),
      expectations_(std::move(expectations)),
      services_(std::move(services)),
      hosts_(pool.host_count()),
      vms_(pool.vm_count()),
      vm_last_(pool.vm_count()),
      is_watched_(pool.vm_count(), false),
#ifdef NDEBUG
      verify_(false)
#else
      verify_(true)
#endif
{
  for (models::VmIndex v = 0; v < vms_.size(); ++v) vm_index_.emplace(pool.vm_name(v), v);
  for (models::HostIndex h = 0; h < hosts_.size(); ++h) host_index_.emplace(pool.host_name(h), h);
}

void OutcomeRecorder::begin() {
  sample(queue_.now(), true);
  begun_ = true;
}

void OutcomeRecorder::on_record(const TimelineRecord& record) {
  // A new instant forgets the VMs watched at the last one; a VM named as a record's source is read from this
  // sample to the end of the instant (the Pool may change it just before or just after publishing).
  if (watch_instant_ != record.time) {
    for (const models::VmIndex v : watched_) is_watched_[v] = false;
    watched_.clear();
    watch_instant_ = record.time;
  }
  if (record.source.starts_with(vm_prefix)) {
    const auto it = vm_index_.find(std::string_view(record.source).substr(vm_prefix.size()));
    if (it != vm_index_.end() && !is_watched_[it->second]) {
      is_watched_[it->second] = true;
      watched_.push_back(it->second);
    }
  }
  if (record.event == alert_event) {
    std::string name = "unnamed";
    for (const Detail& d : record.details) {
      if (d.key == "name") name = d.value;
    }
    auto it = std::find_if(alerts_.begin(), alerts_.end(), [&](const Alert& a) { return a.name == name; });
    if (it == alerts_.end()) it = alerts_.insert(alerts_.end(), Alert{name, record.time, 0});
    ++it->count;
  }
  sample(record.time, !begun_);
  // The Pool publishes `self_fence` (source "<host>/ha") as the fence begins, and the Xen watchdog's reboot
  // follows within the same event: the `fenced` state may last no time at all, so the record marks it.
  if (record.event == fence_event && record.source.ends_with("/ha")) {
    const auto it = host_index_.find(std::string_view(record.source).substr(0, record.source.size() - 3));
    if (it != host_index_.end() && hosts_[it->second].back().state != models::HostState::fenced) {
      hosts_[it->second].push_back({record.time, models::HostState::fenced});
    }
  }
  if (settle_scheduled_ != record.time) {
    settle_scheduled_ = record.time;
    queue_.schedule_at(record.time, Phase::observation, [this, t = record.time] { sample(t, true); });
  }
}

void OutcomeRecorder::on_finish(SimTime end) {
  end_ = end;
  finished_ = true;
}

void OutcomeRecorder::record_vm(models::VmIndex v, SimTime now) {
  const models::VmState state = pool_.vm_state(v);
  const std::optional<models::HostIndex> host = pool_.vm_host(v);
  VmLast& last = vm_last_[v];
  if (last.known && last.state == state && last.host == host) return;
  last = {true, state, host};
  vms_[v].push_back({now, samples_, state, host});
}

void OutcomeRecorder::sample(SimTime now, bool all_vms) {
  ++samples_;
  for (models::HostIndex h = 0; h < hosts_.size(); ++h) {
    const models::HostState state = pool_.host_state(h);
    if (hosts_[h].empty() || hosts_[h].back().state != state) hosts_[h].push_back({now, state});
  }
  if (all_vms) {
    for (models::VmIndex v = 0; v < vms_.size(); ++v) record_vm(v, now);
  } else {
    for (const models::VmIndex v : watched_) record_vm(v, now);
    if (verify_) {
      for (models::VmIndex v = 0; v < vms_.size(); ++v) {
        const VmLast& last = vm_last_[v];
        if (is_watched_[v] || (last.state == pool_.vm_state(v) && last.host == pool_.vm_host(v))) continue;
        throw std::logic_error("outcome: VM " + pool_.vm_name(v) + " changed at " + seconds(now) +
                               " before a record of another source, without a record of its own at that instant");
      }
    }
  }
  const std::optional<models::HostIndex> master = pool_.master();
  if (masters_.empty() || masters_.back().master != master) masters_.push_back({now, master});
}

models::HostState OutcomeRecorder::host_state_at(models::HostIndex host, SimTime t) const {
  models::HostState state = hosts_[host].front().state;
  for (const HostChange& c : hosts_[host]) {
    if (c.time > t) break;
    state = c.state;
  }
  return state;
}

std::optional<models::HostIndex> OutcomeRecorder::master_at(SimTime t) const {
  std::optional<models::HostIndex> master = masters_.front().master;
  for (const MasterChange& c : masters_) {
    if (c.time > t) break;
    master = c.master;
  }
  return master;
}

const OutcomeRecorder::VmChange& OutcomeRecorder::vm_at(models::VmIndex vm, SimTime t) const {
  const VmChange* at = &vms_[vm].front();
  for (const VmChange& c : vms_[vm]) {
    if (c.time > t) break;
    at = &c;
  }
  return *at;
}

const OutcomeRecorder::VmChange* OutcomeRecorder::last_start(models::VmIndex vm) const {
  const VmChange* start = nullptr;
  const std::vector<VmChange>& changes = vms_[vm];
  for (std::size_t i = 1; i < changes.size(); ++i) {
    const bool starting = changes[i].state == models::VmState::starting &&
                          changes[i - 1].state != models::VmState::starting;
    const bool straight_to_running =
        (changes[i].state == models::VmState::running || changes[i].state == models::VmState::impaired) &&
        changes[i - 1].state == models::VmState::halted;
    if (starting || straight_to_running) start = &changes[i];
  }
  return start;
}

std::string OutcomeRecorder::host_name(std::optional<models::HostIndex> host) const {
  return host ? pool_.host_name(*host) : std::string("none");
}

Verdict OutcomeRecorder::judge(const Expectation& e) const {
  Verdict v{false, e.text, {}, e.pos};
  // A state at an instant past the end of the run is unknown.
  if ((e.kind == ExpectKind::master || e.kind == ExpectKind::vm_state) && e.latest >= end_) {
    v.reason = "the run ended at " + seconds(end_) + ", before " + seconds(e.latest);
    return v;
  }
  switch (e.kind) {
    case ExpectKind::host_state: {
      const std::string state(models::to_token(e.host_state));
      for (const HostChange& c : hosts_[e.host]) {
        if (c.state == e.host_state && c.time >= e.earliest && c.time <= e.latest) {
          v.passed = true;
          v.reason = "entered " + state + " at " + seconds(c.time);
          return v;
        }
      }
      std::string seen;
      for (const HostChange& c : hosts_[e.host]) {
        if (c.state == e.host_state) seen += (seen.empty() ? "" : ", ") + seconds(c.time);
      }
      v.reason = seen.empty() ? "never entered " + state : "entered " + state + " only at " + seen;
      if (e.latest >= end_) v.reason += " (the run ended at " + seconds(end_) + ")";
      return v;
    }
    case ExpectKind::host_never: {
      const std::string state(models::to_token(e.host_state));
      for (const HostChange& c : hosts_[e.host]) {
        if (c.state == e.host_state) {
          v.reason = "entered " + state + " at " + seconds(c.time);
          return v;
        }
      }
      v.passed = true;
      v.reason = "never " + state + " until " + seconds(end_);
      return v;
    }
    case ExpectKind::master: {
      const std::optional<models::HostIndex> master = master_at(e.latest);
      v.passed = master == e.host;
      v.reason = "the master at " + seconds(e.latest) + " is " + host_name(master);
      return v;
    }
    case ExpectKind::vm_state: {
      const VmChange& at = vm_at(e.vm, e.latest);
      v.passed = at.state == e.vm_state && (!e.on || at.host == e.on);
      v.reason = "at " + seconds(e.latest) + " it is " + std::string(models::to_token(at.state)) +
                 (at.host ? " on " + host_name(at.host) : "");
      return v;
    }
    case ExpectKind::vm_order: {
      const VmChange* mine = last_start(e.vm);
      const VmChange* theirs = last_start(e.started_after);
      const std::string& other = pool_.vm_name(e.started_after);
      if (!mine) {
        v.reason = "it did not start during the run";
      } else if (!theirs) {
        v.reason = other + " did not start during the run";
      } else if (e.at_least == Duration::zero()) {
        v.passed = mine->order > theirs->order;
        // Within one instant, the start published later counts as after (xapi starts VMs one by one).
        v.reason = "it started at " + seconds(mine->time) + (v.passed ? ", after " : ", not after ") + other +
                   " at " + seconds(theirs->time);
      } else if (mine->order < theirs->order) {
        v.reason = "it started at " + seconds(mine->time) + ", before " + other + " at " + seconds(theirs->time) +
                   "; wanted at least " + format_duration(e.at_least) + " after";
      } else {
        // A gap, so the order of publication within one instant does not matter here: 0s is less than any bound.
        const Duration gap = mine->time - theirs->time;
        v.passed = gap >= e.at_least;
        v.reason = "it started at " + seconds(mine->time) + ", " + format_hms(gap) + " after " + other + " at " +
                   seconds(theirs->time) + (v.passed ? "" : "; wanted at least " + format_duration(e.at_least));
      }
      return v;
    }
    case ExpectKind::vm_never: return judge_vm_never(e, v);
    case ExpectKind::vm_downtime: return judge_downtime(e, v);
    case ExpectKind::service_downtime: return judge_service(e, v);
    case ExpectKind::alert_by:
    case ExpectKind::alert_never: return judge_alert(e, v);
  }
  return v;
}

Verdict OutcomeRecorder::judge_vm_never(const Expectation& e, Verdict v) const {
  // The condition's name and whether a recorded state is in it. A new condition (VmNeverState) is a case here.
  const std::string condition(to_string(e.vm_never));
  auto holds = [&](const VmChange& c) {
    switch (e.vm_never) {
      case VmNeverState::halted: return c.state == models::VmState::halted;
      case VmNeverState::impaired: return c.state == models::VmState::impaired;
    }
    return false;
  };
  std::vector<SimTime> entered;
  const std::vector<VmChange>& changes = vms_[e.vm];
  for (std::size_t i = 0; i < changes.size(); ++i) {
    if (holds(changes[i]) && (i == 0 || !holds(changes[i - 1]))) entered.push_back(changes[i].time);
  }
  if (entered.empty()) {
    v.passed = true;
    v.reason = "never " + condition + " until " + seconds(end_);
  } else {
    v.reason = condition + " at " + seconds(entered.front());
    if (entered.size() > 1) v.reason += " and " + std::to_string(entered.size() - 1) + " more time" +
                                        (entered.size() > 2 ? "s" : "");
  }
  return v;
}

Verdict OutcomeRecorder::judge_downtime(const Expectation& e, Verdict v) const {
  // The downtime of the batch figures (VmFigures::downtime): time not running once first running, to the end.
  const Duration down = figures(end_).vms[e.vm].downtime;
  const std::vector<VmChange>& changes = vms_[e.vm];
  std::size_t outages = 0;
  bool ran = false;
  for (std::size_t i = 0; i < changes.size(); ++i) {
    const bool running = changes[i].state == models::VmState::running;
    ran = ran || running || changes[i].state == models::VmState::impaired;
    if (!running && i > 0 && changes[i - 1].state == models::VmState::running) ++outages;
    if (!running && i == 0 && changes[i].state == models::VmState::impaired) ++outages;
  }
  v.passed = down <= e.downtime_at_most;
  if (!ran) {
    v.reason = "it never ran, so it has no downtime (downtime counts from its first run)";
  } else {
    v.reason = "down " + format_hms(down) + " in all, in " + std::to_string(outages) +
               (outages == 1 ? " outage" : " outages") +
               (v.passed ? "" : "; wanted at most " + format_duration(e.downtime_at_most));
  }
  return v;
}

Verdict OutcomeRecorder::judge_service(const Expectation& e, Verdict v) const {
  const ServiceFigures f = service_figures(services_[e.service], end_);
  v.passed = f.downtime <= e.downtime_at_most;
  v.reason = "unavailable " + format_hms(f.downtime) + " in all, in " + std::to_string(f.outages.size()) +
             (f.outages.size() == 1 ? " outage" : " outages") +
             (v.passed ? "" : "; wanted at most " + format_duration(e.downtime_at_most));
  return v;
}

// The service's members' histories merged: at each instant where one of them changed, its settled state (the
// last change of the instant) counts; the service is available from there while `need` of them are running.
ServiceFigures OutcomeRecorder::service_figures(const Service& service, SimTime end) const {
  ServiceFigures out;
  std::vector<std::size_t> next(service.vms.size(), 0);  // per member: its first change not yet applied
  std::vector<bool> running(service.vms.size(), false);
  std::optional<SimTime> down_from;
  SimTime t = SimTime::zero();
  while (t < end) {
    std::size_t serving = 0;
    std::optional<SimTime> following;
    for (std::size_t m = 0; m < service.vms.size(); ++m) {
      const std::vector<VmChange>& changes = vms_[service.vms[m]];
      while (next[m] < changes.size() && changes[next[m]].time <= t) {
        running[m] = changes[next[m]].state == models::VmState::running;
        ++next[m];
      }
      if (running[m]) ++serving;
      if (next[m] < changes.size() && (!following || changes[next[m]].time < *following)) {
        following = changes[next[m]].time;
      }
    }
    const bool available = serving >= service.need;
    if (!available && !down_from) down_from = t;
    if (available && down_from) {
      out.outages.emplace_back(*down_from, t);
      down_from.reset();
    }
    t = following ? std::min(*following, end) : end;
  }
  if (down_from) out.outages.emplace_back(*down_from, end);
  for (const auto& [from, to] : out.outages) out.downtime += to - from;
  return out;
}

Verdict OutcomeRecorder::judge_alert(const Expectation& e, Verdict v) const {
  const auto it = std::find_if(alerts_.begin(), alerts_.end(), [&](const Alert& a) { return a.name == e.alert; });
  const std::string times = it == alerts_.end() ? "" : " (" + std::to_string(it->count) +
                                                         (it->count == 1 ? " time)" : " times)");
  if (e.kind == ExpectKind::alert_never) {
    v.passed = it == alerts_.end();
    v.reason = v.passed ? "never raised until " + seconds(end_) : "raised at " + seconds(it->first) + times;
    return v;
  }
  v.passed = it != alerts_.end() && it->first <= e.latest;
  if (v.passed) {
    v.reason = "raised at " + seconds(it->first) + times;
  } else if (it != alerts_.end()) {
    v.reason = "first raised at " + seconds(it->first) + ", after " + seconds(e.latest);
  } else {
    v.reason = "never raised until " + seconds(end_);
    if (e.latest >= end_) v.reason += " (the run ended at " + seconds(end_) + ", before " + seconds(e.latest) + ")";
  }
  return v;
}

std::vector<Verdict> OutcomeRecorder::verdicts() const {
  if (!finished_) throw std::logic_error("verdicts asked before the run finished");
  std::vector<Verdict> out;
  for (const Expectation& e : expectations_) out.push_back(judge(e));
  return out;
}

std::string OutcomeRecorder::summary() const {
  if (!finished_) throw std::logic_error("summary asked before the run finished");
  std::string out = "# summary until " + seconds(end_) + "\n";
  // VMs: each outage, from leaving `running` to being running again.
  for (models::VmIndex v = 0; v < vms_.size(); ++v) {
    const std::vector<VmChange>& changes = vms_[v];
    const std::string prefix = "#   vm " + pool_.vm_name(v) + ": ";
    std::vector<std::string> outages;
    std::optional<SimTime> down_from;
    std::optional<models::HostIndex> was_on;
    for (std::size_t i = 0; i < changes.size(); ++i) {
      const bool running = changes[i].state == models::VmState::running;
      const bool was_running = i > 0 && changes[i - 1].state == models::VmState::running;
      if (!running && was_running) {
        down_from = changes[i].time;
        was_on = changes[i - 1].host;
      } else if (running && down_from) {
        outages.push_back("down from " + seconds(*down_from) + " (on " + host_name(was_on) + "), back at " +
                          seconds(changes[i].time) + " on " + host_name(changes[i].host) + " (" +
                          format_hms(changes[i].time - *down_from) + " down)");
        down_from.reset();
      }
    }
    if (down_from) {
      outages.push_back("down from " + seconds(*down_from) + " (on " + host_name(was_on) + "), still down at the end (" +
                        format_hms(end_ - *down_from) + " down)");
    }
    if (outages.empty()) {
      const VmChange& first = changes.front();
      if (changes.size() == 1 && first.state == models::VmState::running) {
        outages.push_back("running throughout on " + host_name(first.host));
      } else if (changes.size() == 1) {
        outages.push_back(std::string(models::to_token(first.state)) + " throughout");
      } else {
        const VmChange& last = changes.back();
        outages.push_back("no outage; " + std::string(models::to_token(last.state)) + " at the end" +
                          (last.host ? " on " + host_name(last.host) : ""));
      }
    }
    for (const std::string& line : outages) out += prefix + line + "\n";
  }
  // Services: each outage, and the time unavailable in all.
  for (const Service& service : services_) {
    const ServiceFigures f = service_figures(service, end_);
    std::string line = "#   service " + service.name + " (" + std::to_string(service.need) + " of " +
                       std::to_string(service.vms.size()) + " vms): ";
    if (f.outages.empty()) {
      line += "available throughout";
    } else {
      line += "unavailable " + format_hms(f.downtime) + " in all, ";
      for (std::size_t i = 0; i < f.outages.size(); ++i) {
        const auto& [from, to] = f.outages[i];
        line += (i == 0 ? "from " : ", from ") + seconds(from) +
                (to < end_ ? " to " + seconds(to) : " to the end") + " (" + format_hms(to - from) + ")";
      }
    }
    out += line + "\n";
  }
  // Hosts: fences, and where each host ended.
  for (models::HostIndex h = 0; h < hosts_.size(); ++h) {
    std::vector<std::string> fences;
    for (const HostChange& c : hosts_[h]) {
      if (c.state == models::HostState::fenced) fences.push_back(seconds(c.time));
    }
    std::string line = "#   host " + pool_.host_name(h) + ": fenced " + std::to_string(fences.size()) +
                       (fences.size() == 1 ? " time" : " times");
    for (std::size_t i = 0; i < fences.size(); ++i) line += (i == 0 ? " at " : ", ") + fences[i];
    line += "; " + std::string(models::to_token(hosts_[h].back().state)) + " at the end\n";
    out += line;
  }
  // The master: each holder in turn; a change is a new holder other than the last one.
  std::size_t changes = 0;
  std::optional<models::HostIndex> holder = masters_.front().master;
  std::string sequence;
  for (const MasterChange& c : masters_) {
    if (c.master && holder && *c.master != *holder) ++changes;
    if (c.master) holder = c.master;
    sequence += (sequence.empty() ? "" : ", ") + host_name(c.master) + " from " + seconds(c.time);
  }
  out += "#   master: " + std::to_string(changes) + (changes == 1 ? " change: " : " changes: ") + sequence + "\n";
  // Alerts.
  if (alerts_.empty()) {
    out += "#   alerts: none\n";
  } else {
    for (const Alert& a : alerts_) {
      out += "#   alert " + a.name + ": " + std::to_string(a.count) + (a.count == 1 ? " time" : " times") +
             ", first at " + seconds(a.first) + "\n";
    }
  }
  // Expectations.
  const std::vector<Verdict> judged = verdicts();
  std::size_t passed = 0;
  // Each is named by its number in the file's list and its text, not by its line:col, so that a comment or a
  // blank line added to the file leaves the output as it was; poolsim run gives the positions on stderr.
  for (std::size_t i = 0; i < judged.size(); ++i) {
    const Verdict& v = judged[i];
    passed += v.passed ? 1 : 0;
    out += std::string("# expect ") + (v.passed ? "pass" : "FAIL") + " " + std::to_string(i + 1) + " " + v.text +
           ": " + v.reason + "\n";
  }
  out += "# expectations: " + std::to_string(passed) + " of " + std::to_string(judged.size()) + " passed\n";
  return out;
}

RunFigures OutcomeRecorder::figures(SimTime end) const {
  RunFigures out;
  for (const std::vector<VmChange>& changes : vms_) {
    VmFigures f;
    bool was_running = false;
    for (std::size_t i = 0; i < changes.size(); ++i) {
      const SimTime until = i + 1 < changes.size() ? std::min(changes[i + 1].time, end) : end;
      const bool running = changes[i].state == models::VmState::running;
      if (running || changes[i].state == models::VmState::impaired) was_running = true;  // its domain ran
      if (!running && was_running && until > changes[i].time) {
        f.downtime += until - changes[i].time;
      }
      const bool entered_starting = i > 0 && changes[i].state == models::VmState::starting &&
                                    changes[i - 1].state != models::VmState::starting;
      if (entered_starting && changes[i].time <= end) ++f.restarts;
    }
    f.running_at_end = !changes.empty() && changes.back().state == models::VmState::running;
    out.vms.push_back(f);
  }
  for (const std::vector<HostChange>& changes : hosts_) {
    std::uint64_t fences = 0;
    for (std::size_t i = 1; i < changes.size(); ++i) fences += changes[i].state == models::HostState::fenced ? 1U : 0U;
    out.host_fences.push_back(fences);
  }
  std::optional<models::HostIndex> holder = masters_.empty() ? std::nullopt : masters_.front().master;
  for (const MasterChange& c : masters_) {
    if (c.master && holder && *c.master != *holder) ++out.master_changes;
    if (c.master) holder = c.master;
  }
  for (const Service& service : services_) out.services.push_back(service_figures(service, end));
  return out;
}

}  // namespace poolsim::scenario
