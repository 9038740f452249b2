// Message-level heartbeats (heartbeat_transport.hpp): a daemon's network heartbeats and statefile cycles are one
// kernel event each on its grids, and each link's leave is a watchdog moved on lazily while heartbeats keep
// coming (as kernel Watchdog is). The reference the compressed mode must match byte for byte.
#include "heartbeat_transport.hpp"
#include "grid.hpp"
#include "pool_context.hpp"

namespace poolsim::models {
namespace {

class MessageHeartbeats final : public HeartbeatTransport {
 public:
  explicit MessageHeartbeats(PoolContext& context) : HeartbeatTransport(context), beats_(context.n(), 0) {}

  void refresh() override {}  // the heartbeats themselves find what changed

  void start_beats(HostIndex h) override {
    const std::uint64_t beats = ++beats_[h];
    for (const Channel c : {Channel::network, Channel::statefile}) {
      const SimTime first = grid_at_or_after(ctx.xhad[h].anchor, period(c), ctx.queue.now(), !sent_now());
      ctx.queue.schedule_at(first, Phase::protocol, [this, h, beats, c] { beat(h, beats, c); });
    }
  }

  void stop_beats(HostIndex h) override { ++beats_[h]; }

  SimTime last_heard(HostIndex h, HostIndex p, Channel c) const override {
    return (c == Channel::network ? net_[h][p] : sf_[h][p]).last;
  }

  void schedule_fence_check(HostIndex, HostIndex) override {}  // each heartbeat carries the request

 protected:
  void heard_late(HostIndex h, HostIndex p) override { heard(h, p, Channel::statefile); }

 private:
  void beat(HostIndex p, std::uint64_t beats, Channel c) {
    if (beats_[p] != beats || !ctx.xhad[p].running()) return;
    ctx.queue.schedule_in(period(c), Phase::protocol, [this, p, beats, c] { beat(p, beats, c); });
    for (HostIndex h = 0; h < ctx.n(); ++h) {
      if (!delivering(h, p, c)) continue;
      heard(h, p, c);
      if (c == Channel::network && ctx.xhad.fence_requested(h, p)) ctx.xhad.hear_fence_request(h);
    }
  }

  void heard(HostIndex h, HostIndex p, Channel c) {
    Link& l = link(h, p, c);
    const SimTime now = ctx.queue.now();
    l.last = now;
    // A heartbeat at the very instant the watchdog found it gone keeps it (as in compressed mode).
    if (!l.in_domain || l.leave_found == now) ctx.xhad.found(h, p, c, true);
    l.deadline = now + timeout(c);
    if (!ctx.queue.pending(l.leave)) {
      l.leave = ctx.queue.schedule_at(l.deadline, Phase::protocol, [this, h, p, c] { leave_due(h, p, c); });
    }
  }

  void leave_due(HostIndex h, HostIndex p, Channel c) {
    Link& l = link(h, p, c);
    if (l.deadline > ctx.queue.now()) {
      l.leave = ctx.queue.schedule_at(l.deadline, Phase::protocol, [this, h, p, c] { leave_due(h, p, c); });
      return;
    }
    if (l.in_domain) {
      l.leave_found = ctx.queue.now();
      ctx.xhad.found(h, p, c, false);
    }
  }

  std::vector<std::uint64_t> beats_;  // bumped when a daemon starts or stops, voiding its older ticks
};

}  // namespace

std::unique_ptr<HeartbeatTransport> make_message_heartbeats(PoolContext& ctx) {
  return std::make_unique<MessageHeartbeats>(ctx);
}

}  // namespace poolsim::models
