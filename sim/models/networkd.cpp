// xcp-networkd's bond monitor (xen-api ocaml/networkd network_monitor_thread.ml): networkd.hpp.
#include "networkd.hpp"

#include <algorithm>

#include "grid.hpp"
#include "pool_context.hpp"

namespace poolsim::models {

namespace {
constexpr Duration poll_interval = Duration::seconds(5);  // xapi-idl network_stats.ml interval
}  // namespace

void Networkd::init(std::size_t hosts) {
  monitors_.assign(hosts, Monitor{});
  // At time 0 each networkd has long been running and has seen its bonds as they are.
  for (HostIndex h = 0; h < hosts; ++h) {
    Monitor& m = monitors_[h];
    m.seen = true;
    for (const BondIndex bond : ctx.config.hosts[h].bonds) m.last_up.push_back(members_up(bond));
  }
}

std::size_t Networkd::members_up(BondIndex bond) const {
  const std::vector<NicIndex>& members = ctx.network.bond_members(bond);
  return static_cast<std::size_t>(
      std::count_if(members.begin(), members.end(), [&](NicIndex nic) { return ctx.network.member_enabled(nic); }));
}

void Networkd::host_up(HostIndex h) {
  Monitor& m = monitors_[h];
  ctx.queue.cancel(m.poll);
  m.anchor = ctx.queue.now();
  m.seen = false;
  changed();
}

void Networkd::host_stopped(HostIndex h) { ctx.queue.cancel(monitors_[h].poll); }

bool Networkd::differs(HostIndex h) const {
  const Monitor& m = monitors_[h];
  const std::vector<BondIndex>& bonds = ctx.config.hosts[h].bonds;
  for (std::size_t b = 0; b < bonds.size(); ++b) {
    const std::size_t up = members_up(bonds[b]);
    if (m.seen ? up != m.last_up[b] : up != ctx.network.bond_members(bonds[b]).size()) return true;
  }
  return false;
}

void Networkd::changed() {
  for (HostIndex h = 0; h < monitors_.size(); ++h) {
    Monitor& m = monitors_[h];
    if (ctx.config.hosts[h].bonds.empty() || ctx.machines[h].state != HostState::up || ctx.queue.pending(m.poll)) {
      continue;
    }
    if (!differs(h)) continue;
    const SimTime at = grid_at_or_after(m.anchor, poll_interval, ctx.queue.now(), false);
    const std::uint64_t life = ctx.machines[h].life;
    m.poll = ctx.queue.schedule_at(at, Phase::decision, [this, h, life] {
      if (ctx.machines[h].life == life) poll(h);
    });
  }
}

void Networkd::poll(HostIndex h) {
  Monitor& m = monitors_[h];
  const std::vector<BondIndex>& bonds = ctx.config.hosts[h].bonds;
  // The message is created through the host's xapi in the master's database: a host cut off from the master
  // loses it (the poll's count is kept all the same).
  const std::optional<HostIndex> master = ctx.xapi.master();
  const bool delivered = master && (*master == h || ctx.reaches(h, *master));
  m.last_up.resize(bonds.size());
  for (std::size_t b = 0; b < bonds.size(); ++b) {
    const std::size_t up = members_up(bonds[b]);
    const std::size_t all = ctx.network.bond_members(bonds[b]).size();
    const bool alert = delivered && (m.seen ? up != m.last_up[b] : up != all);
    if (alert) {
      // "The status of the <bond> bond changed: 1/2 up (was 2/2)": members up now, then at the last poll.
      std::vector<Detail> details{{"bond", ctx.network.bond_name(bonds[b])},
                                  {"host", ctx.name(h)},
                                  {"value", std::to_string(up) + "/" + std::to_string(all)}};
      if (m.seen) details.push_back({"was", std::to_string(m.last_up[b]) + "/" + std::to_string(all)});
      ctx.alert(Alert::bond_status_changed, std::move(details));
    }
    m.last_up[b] = up;
  }
  m.seen = true;
  changed();  // a change during the poll's instant is seen at the next tick
}

}  // namespace poolsim::models
