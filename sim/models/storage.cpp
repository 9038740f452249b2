// The storage: arrays, portals, iSCSI sessions and dm-multipath paths (open-iscsi, multipath-tools): storage.hpp.
#include "poolsim/models/storage.hpp"

#include "poolsim/models/records.hpp"

#include <algorithm>
#include <stdexcept>

namespace poolsim::models {

std::string_view to_token(StorageKind kind) {
  switch (kind) {
    case StorageKind::iscsi: return "iscsi";
    case StorageKind::nfs: return "nfs";
    case StorageKind::fc: return "fc";
    case StorageKind::local: return "local";
  }
  return "unknown";
}

std::string_view to_token(IoOutcome outcome) {
  switch (outcome) {
    case IoOutcome::completes: return "completes";
    case IoOutcome::hangs: return "hangs";
    case IoOutcome::fails: return "fails";
  }
  return "unknown";
}

namespace {

Rec io_event(IoOutcome outcome) {
  switch (outcome) {
    case IoOutcome::completes: return Rec::io_completes;
    case IoOutcome::hangs: return Rec::io_hangs;
    case IoOutcome::fails: break;
  }
  return Rec::io_fails;
}

bool multipathed(StorageKind kind) { return kind == StorageKind::iscsi || kind == StorageKind::fc; }

}  // namespace

Storage::Storage(EventQueue& queue, EventBus& bus, const Network& network)
    : queue_(queue), bus_(bus), network_(network) {}

ArrayIndex Storage::add_array(std::string name, StorageKind kind, MultipathTiming timing) {
  arrays_.push_back(Array{std::move(name), kind, timing, true, {}, {}});
  return static_cast<ArrayIndex>(arrays_.size() - 1);
}

PortalIndex Storage::add_portal(ArrayIndex array, std::string name, SwitchIndex at) {
  Array& a = arrays_.at(array);
  if (a.kind == StorageKind::local) throw std::logic_error("local SR '" + a.name + "' has no portals");
  if (!a.attachments.empty()) throw std::logic_error("portal added to SR '" + a.name + "' after an attachment");
  const auto index = static_cast<PortalIndex>(portals_.size());
  portals_.push_back(Portal{std::move(name), array, at, true});
  a.portals.push_back(index);
  return index;
}

void Storage::attach(ArrayIndex array, std::uint32_t host, std::string host_name,
                     std::vector<Interface> storage_via) {
  Array& a = arrays_.at(array);
  for (const Attachment& h : a.attachments) {
    if (h.host == host) throw std::logic_error("host '" + host_name + "' attached twice to SR '" + a.name + "'");
  }
  Attachment h;
  h.host = host;
  h.host_name = std::move(host_name);
  if (a.kind != StorageKind::local) {
    for (const Interface via : storage_via) {
      for (const PortalIndex p : a.portals) h.paths.push_back(Path{via, p, PathState::active, {}});
    }
  }
  start_paths(a, h);
  h.outcome = outcome_of(a, h);
  a.attachments.push_back(std::move(h));
}

// The state of a host's paths when it logs in to the SR (at attachment, and when the host is up again): a path
// physically up is active, one down has failed; with no active path the no_path_retry budget is taken as spent
// long before.
void Storage::start_paths(const Array& array, Attachment& host) {
  for (Path& path : host.paths) {
    path.state = PathState::active;
    if (!physically_up(array, path)) path.state = multipathed(array.kind) ? PathState::failed : PathState::lost;
  }
  const bool none_active = std::none_of(host.paths.begin(), host.paths.end(),
                                        [](const Path& p) { return p.state == PathState::active; });
  host.queueing = multipathed(array.kind) && none_active;
  host.exhausted = host.queueing && array.timing.no_path_retry.has_value();
  host.current.reset();
  choose_path(array, host);
}

// dm-multipath with the `failover` path grouping (multipath-tools' default; sm's multipath.conf `defaults` does
// not change it): I/O goes down one path, kept while multipath trusts it (not failed); then to the first active
// path in configuration order. Paths have equal priority, so `failback` never moves I/O back.
void Storage::choose_path(const Array& array, Attachment& host) {
  if (!multipathed(array.kind)) return;
  if (host.current) {
    const PathState state = host.paths[*host.current].state;
    if (state == PathState::active || state == PathState::lost || state == PathState::recovering) return;
  }
  host.current.reset();
  for (std::uint32_t p = 0; p < host.paths.size(); ++p) {
    if (host.paths[p].state == PathState::active) {
      host.current = p;
      return;
    }
  }
}

// A host without power has no sessions: its paths' timers stop and nothing is recorded until it is up again,
// when it logs in afresh (start_paths). Returns whether the host's attachment changed.
bool Storage::refresh_power(ArrayIndex array, std::uint32_t host) {
  Array& a = arrays_[array];
  Attachment& h = a.attachments[host];
  const bool powered = network_.host_powered(h.host_name);
  if (powered == h.powered) return false;
  h.powered = powered;
  for (Path& p : h.paths) queue_.cancel(p.timer);
  queue_.cancel(h.queue_expiry);
  queue_.cancel(h.checker);
  if (powered) {
    start_paths(a, h);
    update_outcome(a, h);
  }
  return true;
}

const Storage::Attachment& Storage::attachment(ArrayIndex array, std::uint32_t host) const {
  for (const Attachment& h : arrays_.at(array).attachments) {
    if (h.host == host) return h;
  }
  throw std::logic_error("host " + std::to_string(host) + " is not attached to SR '" + arrays_[array].name + "'");
}

IoOutcome Storage::io(ArrayIndex array, std::uint32_t host) const { return attachment(array, host).outcome; }

void Storage::io_by_host(ArrayIndex array, std::vector<std::optional<IoOutcome>>& by_host) const {
  for (std::optional<IoOutcome>& outcome : by_host) outcome.reset();
  for (const Attachment& h : arrays_.at(array).attachments) {
    if (h.host >= by_host.size()) by_host.resize(h.host + 1);
    by_host[h.host] = h.outcome;
  }
}

std::size_t Storage::paths_up(ArrayIndex array, std::uint32_t host) const {
  const Attachment& h = attachment(array, host);
  return static_cast<std::size_t>(
      std::count_if(h.paths.begin(), h.paths.end(), [](const Path& p) { return p.state == PathState::active; }));
}

bool Storage::physically_up(const Array& array, const Path& path) const {
  const Portal& portal = portals_[path.portal];
  return array.up && portal.up && network_.can_reach_switch(path.via, portal.at);
}

void Storage::fail_array(ArrayIndex array) {
  Array& a = arrays_.at(array);
  if (!a.up) return;
  a.up = false;
  publish(bus_, queue_.now(), a.name, Rec::array_down);
  if (refresh(array)) notify();
}

void Storage::restore_array(ArrayIndex array) {
  Array& a = arrays_.at(array);
  if (a.up) return;
  a.up = true;
  publish(bus_, queue_.now(), a.name, Rec::array_up);
  if (refresh(array)) notify();
}

void Storage::fail_portal(PortalIndex portal) {
  Portal& p = portals_.at(portal);
  if (!p.up) return;
  p.up = false;
  publish(bus_, queue_.now(), arrays_[p.array].name + "/" + p.name, Rec::portal_down);
  if (refresh(p.array)) notify();
}

void Storage::restore_portal(PortalIndex portal) {
  Portal& p = portals_.at(portal);
  if (p.up) return;
  p.up = true;
  publish(bus_, queue_.now(), arrays_[p.array].name + "/" + p.name, Rec::portal_up);
  if (refresh(p.array)) notify();
}

void Storage::network_changed() {
  bool changed = false;
  for (ArrayIndex a = 0; a < arrays_.size(); ++a) {
    if (arrays_[a].kind != StorageKind::local && refresh(a)) changed = true;
  }
  if (changed) notify();
}

bool Storage::refresh(ArrayIndex array) {
  bool changed = false;
  Array& a = arrays_[array];
  for (std::uint32_t h = 0; h < a.attachments.size(); ++h) {
    if (a.kind != StorageKind::local && refresh_power(array, h)) changed = true;
    if (!a.attachments[h].powered) continue;
    for (std::uint32_t p = 0; p < a.attachments[h].paths.size(); ++p) {
      if (refresh_path(array, h, p)) changed = true;
    }
    if (update_outcome(a, a.attachments[h])) changed = true;
  }
  return changed;
}

// Applies a path's physical state to its state machine (see the header); returns whether io() or paths_up()
// may have changed. Deadlines are scheduled here and cancelled when the path comes back first.
bool Storage::refresh_path(ArrayIndex array, std::uint32_t host, std::uint32_t path) {
  Array& a = arrays_[array];
  Attachment& h = a.attachments[host];
  Path& p = h.paths[path];
  const bool up = physically_up(a, p);
  const MultipathTiming& timing = a.timing;
  switch (p.state) {
    case PathState::active:
      if (up) return false;
      p.state = PathState::lost;
      if (!multipathed(a.kind)) return true;
      if (a.kind == StorageKind::fc) {
        // The HBA sees the remote port go at once; fast_io_fail_tmo then runs.
        detected(array, host, path);
      } else {
        p.timer = queue_.schedule_in(timing.failure_detection, Phase::hardware,
                                     [this, array, host, path] { detected(array, host, path); });
      }
      return true;
    case PathState::lost:
      if (!up) return false;
      // Back before open-iscsi noticed (or, for NFS, simply back): nothing was failed.
      queue_.cancel(p.timer);
      p.state = PathState::active;
      return true;
    case PathState::recovering:
      if (!up) return false;
      // The session logs in again before replacement_timeout: held I/O resumes, multipath never failed it.
      queue_.cancel(p.timer);
      p.state = PathState::active;
      publish_path(a, h, p, Rec::path_up);
      return true;
    case PathState::failed:
      if (!up) return false;
      p.state = PathState::returning;
      publish_path(a, h, p, Rec::path_up);
      if (!queue_.pending(h.checker)) {
        h.checker = queue_.schedule_at(next_check(timing), Phase::hardware,
                                       [this, array, host] { checker_run(array, host); });
      }
      return false;
    case PathState::returning:
      if (up) return false;
      p.state = PathState::failed;
      publish_path(a, h, p, Rec::path_down);
      return false;
  }
  return false;
}

void Storage::detected(ArrayIndex array, std::uint32_t host, std::uint32_t path) {
  Array& a = arrays_[array];
  Attachment& h = a.attachments[host];
  Path& p = h.paths[path];
  p.state = PathState::recovering;
  publish_path(a, h, p, Rec::path_down);
  const Duration wait = a.kind == StorageKind::fc ? a.timing.fast_io_fail_tmo : a.timing.replacement_timeout;
  p.timer = queue_.schedule_in(wait, Phase::hardware, [this, array, host, path] { path_failed(array, host, path); });
}

void Storage::path_failed(ArrayIndex array, std::uint32_t host, std::uint32_t path) {
  Array& a = arrays_[array];
  Attachment& h = a.attachments[host];
  Path& p = h.paths[path];
  p.state = PathState::failed;
  publish_path(a, h, p, Rec::path_failed);
  for (const auto& listener : path_listeners_) listener(array, h.host);
  const bool none_trusted = std::all_of(h.paths.begin(), h.paths.end(), [](const Path& q) {
    return q.state == PathState::failed || q.state == PathState::returning;
  });
  if (none_trusted && !h.queueing) start_queueing(array, host);
  if (update_outcome(a, h)) notify();
}

// multipathd's enter_recovery_mode (structs_vec.c): with no path left, queue I/O for no_path_retry checks, then
// disable queue_if_no_path so that queued and new I/O fail. multipathd counts no_path_retry × polling_interval
// + 1 one-second ticks; the extra second is left out.
void Storage::start_queueing(ArrayIndex array, std::uint32_t host) {
  const Array& a = arrays_[array];
  Attachment& h = arrays_[array].attachments[host];
  h.queueing = true;
  const std::optional<std::int64_t>& retry = a.timing.no_path_retry;
  if (!retry) return;  // `queue`: for ever
  if (*retry <= 0) {    // `fail`: at once
    h.exhausted = true;
    return;
  }
  h.queue_expiry = queue_.schedule_in(a.timing.polling_interval * *retry, Phase::hardware,
                                      [this, array, host] { queue_expired(array, host); });
}

void Storage::queue_expired(ArrayIndex array, std::uint32_t host) {
  Array& a = arrays_[array];
  Attachment& h = a.attachments[host];
  h.exhausted = true;
  if (update_outcome(a, h)) notify();
}

// multipathd's check_path on failed paths: a path whose checker answers is reinstated at that check, and
// queued I/O is resubmitted at once (real-behaviour.md §3; `failback` only delays the path-group switch).
void Storage::checker_run(ArrayIndex array, std::uint32_t host) {
  Array& a = arrays_[array];
  Attachment& h = a.attachments[host];
  bool reinstated = false;
  for (Path& p : h.paths) {
    if (p.state != PathState::returning) continue;
    p.state = PathState::active;
    publish_path(a, h, p, Rec::path_reinstated);
    reinstated = true;
  }
  if (!reinstated) return;
  for (const auto& listener : path_listeners_) listener(array, h.host);
  h.queueing = false;
  h.exhausted = false;
  queue_.cancel(h.queue_expiry);
  update_outcome(a, h);
  notify();  // paths_up changed
}

IoOutcome Storage::outcome_of(const Array& array, const Attachment& host) const {
  if (array.kind == StorageKind::local) return array.up ? IoOutcome::completes : IoOutcome::fails;
  // I/O in flight on, or sent to, the path in use while it is dead but still trusted waits in its session until
  // the path comes back or multipath fails it and retries the I/O on another path (real-behaviour.md §3).
  if (host.current) {
    const PathState state = host.paths[*host.current].state;
    if (state == PathState::lost || state == PathState::recovering) return IoOutcome::hangs;
  }
  // multibus: I/O goes down every path of the one group in turn (round-robin, queue-length or service-time
  // selectors alike), so a path lost but not yet failed holds some I/O of every cycle in its session, and a
  // caller that waits for all of it (xhad's statefile cycle, a VM's disk) waits too, until multipath fails
  // the path and resubmits that I/O elsewhere.
  if (array.timing.grouping == PathGrouping::multibus &&
      std::any_of(host.paths.begin(), host.paths.end(),
                  [](const Path& p) { return p.state == PathState::lost || p.state == PathState::recovering; })) {
    return IoOutcome::hangs;
  }
  const bool any_active = std::any_of(host.paths.begin(), host.paths.end(),
                                      [](const Path& p) { return p.state == PathState::active; });
  if (any_active) return IoOutcome::completes;
  if (array.kind == StorageKind::nfs) return IoOutcome::hangs;
  return host.exhausted ? IoOutcome::fails : IoOutcome::hangs;
}

bool Storage::update_outcome(const Array& array, Attachment& host) {
  choose_path(array, host);
  const IoOutcome now = outcome_of(array, host);
  if (now == host.outcome) return false;
  host.outcome = now;
  publish(bus_, queue_.now(), host.host_name + "/" + array.name, io_event(now));
  return true;
}

SimTime Storage::next_check(const MultipathTiming& timing) const {
  if (timing.polling_interval <= Duration::zero()) return queue_.now();
  const Duration past = queue_.now().since_start() % timing.polling_interval;
  return past == Duration::zero() ? queue_.now() : queue_.now() + (timing.polling_interval - past);
}

void Storage::publish_path(const Array& array, const Attachment& host, const Path& path, Rec event) {
  publish(bus_, queue_.now(), host.host_name + "/" + array.name + "/" + portals_[path.portal].name, event,
               {{"via", interface_name(path.via)}});
}

std::string Storage::interface_name(Interface itf) const {
  return itf.kind == Interface::Kind::bond ? network_.bond_name(itf.index) : network_.nic_name(itf.index);
}

std::optional<Storage::PathCount> Storage::path_count(ArrayIndex array, std::uint32_t host) const {
  const Array& a = arrays_.at(array);
  if (!multipathed(a.kind)) return std::nullopt;
  for (const Attachment& h : a.attachments) {
    if (h.host != host) continue;
    PathCount count;
    count.total = h.paths.size();
    count.usable = static_cast<std::size_t>(std::count_if(h.paths.begin(), h.paths.end(), [](const Path& p) {
      return p.state != PathState::failed && p.state != PathState::returning;
    }));
    return count;
  }
  return std::nullopt;
}

void Storage::notify() {
  for (const auto& listener : listeners_) listener();
}

}  // namespace poolsim::models
