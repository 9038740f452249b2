// sm's mpathcount and xapi's mpathalert (sm libs/sm/mpathcount.py; xen-api ocaml/mpathalert/mpathalert.ml):
// mpathalert.hpp.
#include "mpathalert.hpp"

#include "grid.hpp"
#include "pool_context.hpp"

namespace poolsim::models {

namespace {
constexpr Duration wake_interval = Duration::seconds(120);  // xen-api scripts/mpathalert.service: -delay 120
}  // namespace

void Mpathalert::init(HostIndex master) {
  db_.assign(ctx.storage.array_count(), std::vector<std::optional<Storage::PathCount>>(ctx.n()));
  for (ArrayIndex a = 0; a < db_.size(); ++a) {
    for (HostIndex h = 0; h < ctx.n(); ++h) {
      db_[a][h] = ctx.storage.path_count(a, h);
      if (db_[a][h] && db_[a][h]->usable != db_[a][h]->total) broken_history_.insert({a, h});
    }
  }
  daemon_ = master;
  anchor_ = ctx.queue.now();
}

void Mpathalert::path_event(ArrayIndex array, HostIndex host) { update(array, host); }

void Mpathalert::host_up(HostIndex host) {
  for (ArrayIndex a = 0; a < db_.size(); ++a) update(a, host);
}

void Mpathalert::master_started(HostIndex host) {
  ctx.queue.cancel(wake_);
  daemon_ = host;
  anchor_ = ctx.queue.now();
  queued_.clear();
  broken_history_.clear();
}

// mpathcount's update_config: the entry changes only when the count does, through the host's xapi into the
// master's database (PBD.add_to_other_config, forwarded to the master by a slave).
void Mpathalert::update(ArrayIndex array, HostIndex host) {
  if (array >= db_.size()) return;  // before the pool's start: nothing is recorded yet
  const std::optional<Storage::PathCount> count = ctx.storage.path_count(array, host);
  if (!count || count == db_[array][host]) return;
  const std::optional<HostIndex> master = ctx.xapi.master();
  const bool written = ctx.machines[host].state == HostState::up && ctx.xapi[host].alive && master &&
                       ctx.xapi[*master].alive && (*master == host || ctx.reaches(host, *master));
  if (!written) return;
  db_[array][host] = count;
  if (!daemon_) return;
  queued_.push_back({{array, host}, *count});
  if (!ctx.queue.pending(wake_)) {
    wake_ = ctx.queue.schedule_at(grid_at_or_after(anchor_, wake_interval, ctx.queue.now(), true), Phase::decision,
                                  [this] { wake(); });
  }
}

std::string Mpathalert::describe(const Entry& entry, Storage::PathCount count) const {
  return ctx.name(entry.second) + "/" + ctx.storage.name(entry.first) + ":" + std::to_string(count.usable) + "/" +
         std::to_string(count.total);
}

// mpathalert.ml `sender`: the state of the world (every unhealthy entry), then each queued change, kept when it
// is or was broken; one message for the pool when any was kept.
void Mpathalert::wake() {
  if (!daemon_ || ctx.xapi.master() != daemon_ || ctx.machines[*daemon_].state != HostState::up) {
    daemon_.reset();  // master.d stopped it with the master role, or it died with its host
    queued_.clear();
    return;
  }
  if (!ctx.xapi[*daemon_].alive) {  // its session fails; it tries again a delay later, the queue kept
    wake_ = ctx.queue.schedule_in(wake_interval, Phase::decision, [this] { wake(); });
    return;
  }
  std::vector<std::string> unhealthy;
  std::set<Entry> broken_now;
  for (ArrayIndex a = 0; a < db_.size(); ++a) {
    for (HostIndex h = 0; h < db_[a].size(); ++h) {
      if (!db_[a][h] || db_[a][h]->usable == db_[a][h]->total) continue;
      unhealthy.push_back(describe({a, h}, *db_[a][h]));
      broken_now.insert({a, h});
    }
  }
  std::vector<std::string> events;
  for (const Change& change : queued_) {
    const bool broken = change.count.usable != change.count.total;
    if (broken || broken_history_.contains(change.entry)) events.push_back(describe(change.entry, change.count));
    if (broken) {
      broken_history_.insert(change.entry);
    } else {
      broken_history_.erase(change.entry);
    }
  }
  queued_.clear();
  if (events.empty()) return;
  ctx.alert(Alert::multipath_periodic_alert,
            {{"events", join_names(events)}, {"unhealthy", unhealthy.empty() ? "none" : join_names(unhealthy)}});
  broken_history_ = std::move(broken_now);
}

}  // namespace poolsim::models
