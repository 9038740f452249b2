// What each observer knows of each peer on the network and on the statefile (xha daemon/heartbeat.c,
// statefile.c), shared by both implementations: heartbeat_transport.hpp.
#include "heartbeat_transport.hpp"

#include <algorithm>

#include "pool_context.hpp"

namespace poolsim::models {

HeartbeatTransport::HeartbeatTransport(PoolContext& context) : ctx(context) {
  const std::size_t n = ctx.n();
  net_.assign(n, std::vector<Link>(n));
  sf_.assign(n, std::vector<Link>(n));
  last_write_.assign(n, SimTime{});
}

Link& HeartbeatTransport::link(HostIndex observer, HostIndex peer, Channel c) {
  return c == Channel::network ? net_[observer][peer] : sf_[observer][peer];
}

bool HeartbeatTransport::in_domain(HostIndex observer, HostIndex peer, Channel c) const {
  if (c == Channel::network && observer == peer) return ctx.xhad[observer].running();
  return (c == Channel::network ? net_[observer][peer] : sf_[observer][peer]).in_domain;
}

bool HeartbeatTransport::delivering(HostIndex observer, HostIndex peer, Channel c) const {
  if (!ctx.xhad[observer].running() || !ctx.xhad[peer].running()) return false;
  if (c == Channel::network) return observer != peer && ctx.reaches(peer, observer);
  return ctx.statefile.writes(peer) && ctx.statefile.writes(observer);
}

void HeartbeatTransport::start_links() {
  const SimTime now = ctx.queue.now();
  for (HostIndex h = 0; h < ctx.n(); ++h) {
    for (HostIndex q = 0; q < ctx.n(); ++q) {
      for (const Channel c : {Channel::network, Channel::statefile}) {
        if (c == Channel::network && q == h) continue;
        Link& l = link(h, q, c);
        reset_link(l);
        l.delivering = delivering(h, q, c);
        l.in_domain = l.delivering;
        l.first = now;
        l.last = now;
      }
    }
  }
}

void HeartbeatTransport::reset_links(HostIndex observer) {
  // Its own slot as it last wrote it, kept beyond this daemon (which has already stopped: last_write would not
  // look at its links any more).
  last_write_[observer] = std::max(last_write_[observer], last_heard(observer, observer, Channel::statefile));
  for (Link& l : net_[observer]) reset_link(l);
  for (Link& l : sf_[observer]) reset_link(l);
}

void HeartbeatTransport::reset_link(Link& l) {
  ctx.queue.cancel(l.enter);
  ctx.queue.cancel(l.leave);
  l = Link{};
}

Duration HeartbeatTransport::period(Channel c) const {
  return c == Channel::network ? ctx.config.ha.network_interval : ctx.config.ha.statefile_interval;
}

Duration HeartbeatTransport::timeout(Channel c) const {
  return c == Channel::network ? ctx.config.ha.heartbeat_timeout : ctx.config.ha.statefile_timeout;
}

// A daemon reads its own slot as it writes it: the last time it heard itself on the statefile is its last write.
SimTime HeartbeatTransport::last_write(HostIndex p) const {
  if (!ctx.xhad[p].running()) return last_write_[p];
  return std::max(last_write_[p], last_heard(p, p, Channel::statefile));
}

void HeartbeatTransport::hung_write_completes(HostIndex h) {
  last_write_[h] = ctx.queue.now();
  written_off_grid(h);
}

void HeartbeatTransport::reads_resumed(HostIndex h) {
  read_resumed(h);
  for (HostIndex p = 0; p < ctx.n(); ++p) {
    // Every slot written during the outage, by a peer still writing or one that stopped, is found changed now,
    // its own slot too when its hung write just went through.
    if (last_write(p) > link(h, p, Channel::statefile).last) heard_late(h, p);
  }
}

bool HeartbeatTransport::sent_now() const { return ctx.queue.current_phase() > Phase::hardware; }

}  // namespace poolsim::models
