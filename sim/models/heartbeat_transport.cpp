#include "heartbeat_transport.hpp"

#include "pool_context.hpp"

namespace poolsim::models {

HeartbeatTransport::HeartbeatTransport(PoolContext& context) : ctx(context) {
  const std::size_t n = ctx.n();
  net_.assign(n, std::vector<Link>(n));
  sf_.assign(n, std::vector<Link>(n));
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

bool HeartbeatTransport::sent_now() const { return ctx.queue.current_phase() > Phase::hardware; }

}  // namespace poolsim::models
