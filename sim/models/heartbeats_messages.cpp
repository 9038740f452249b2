// Message-level heartbeats (heartbeat_transport.hpp): a daemon's network heartbeats and statefile cycles are one
// kernel event each on its grids, and each link's leave is a watchdog moved on lazily while heartbeats keep
// coming (as kernel Watchdog is). The reference the compressed mode must match byte for byte.
#include <limits>

#include "heartbeat_transport.hpp"
#include "grid.hpp"
#include "pool_context.hpp"

namespace poolsim::models {
namespace {

constexpr SimTime never = SimTime::from_ns(std::numeric_limits<std::int64_t>::max());
constexpr SimTime long_ago = SimTime::from_ns(std::numeric_limits<std::int64_t>::min());

class MessageHeartbeats final : public HeartbeatTransport {
 public:
  explicit MessageHeartbeats(PoolContext& context)
      : HeartbeatTransport(context),
        beats_(context.n(), 0),
        first_cycle_(context.n(), never),
        written_(context.n(), long_ago),
        read_(context.n(), long_ago) {}

  void refresh() override {}  // the heartbeats themselves find what changed

  void start_beats(HostIndex h) override {
    const std::uint64_t beats = ++beats_[h];
    for (const Channel c : {Channel::network, Channel::statefile}) {
      const SimTime first = grid_at_or_after(ctx.xhad[h].anchor, period(c), ctx.queue.now(), !sent_now());
      if (c == Channel::statefile) first_cycle_[h] = first;
      ctx.queue.schedule_at(first, Phase::protocol, [this, h, beats, c] { beat(h, beats, c); });
    }
    // A new daemon finds changed only the slots written from now on (a write at this instant counts once the
    // protocol band has begun: it is its peers' cycle at this instant).
    read_[h] = before_cycles_now();
  }

  void stop_beats(HostIndex h) override {
    ++beats_[h];
    first_cycle_[h] = never;
  }

  SimTime last_heard(HostIndex h, HostIndex p, Channel c) const override {
    return (c == Channel::network ? net_[h][p] : sf_[h][p]).last;
  }

  void schedule_fence_check(HostIndex, HostIndex) override {}  // each heartbeat carries the request

 protected:
  void heard_late(HostIndex h, HostIndex p) override { heard(h, p, Channel::statefile); }
  // The hung read completes now: before its peers' cycles of this instant unless the protocol band has begun.
  void read_resumed(HostIndex h) override { read_[h] = before_cycles_now(); }
  void written_off_grid(HostIndex h) override { written_[h] = ctx.queue.now(); }
  SimTime before_cycles_now() const {
    return sent_now() ? ctx.queue.now() : ctx.queue.now() - Duration::nanoseconds(1);
  }

 private:
  void beat(HostIndex p, std::uint64_t beats, Channel c) {
    if (beats_[p] != beats || !ctx.xhad[p].running()) return;
    ctx.queue.schedule_in(period(c), Phase::protocol, [this, p, beats, c] { beat(p, beats, c); });
    if (c == Channel::statefile) {
      cycle(p);
      return;
    }
    for (HostIndex h = 0; h < ctx.n(); ++h) {
      if (!delivering(h, p, c)) continue;
      heard(h, p, c);
      if (ctx.xhad.fence_requested(h, p)) ctx.xhad.hear_fence_request(h);
    }
  }

  // h's statefile cycle: it writes its slot and reads every slot, finding changed those written since its last
  // read (xha statefile.c readsf: updateclock = readclock on a changed sequence).
  void cycle(HostIndex h) {
    if (!ctx.statefile.writes(h)) return;
    const SimTime now = ctx.queue.now();
    written_[h] = now;
    for (HostIndex p = 0; p < ctx.n(); ++p) {
      if (p == h || last_written(p) > read_[h]) heard(h, p, Channel::statefile);
    }
    read_[h] = now;
  }

  // p's last slot write at or before now, its cycle at this instant included when it is still to run.
  SimTime last_written(HostIndex p) const {
    const SimTime now = ctx.queue.now();
    const bool cycle_now = ctx.xhad[p].running() && first_cycle_[p] <= now && ctx.statefile.writes(p) &&
                           grid_at_or_before(ctx.xhad[p].anchor, period(Channel::statefile), now, true) == now;
    return cycle_now ? now : written_[p];
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
  std::vector<SimTime> first_cycle_;  // per host: its daemon's first statefile cycle (max when stopped)
  std::vector<SimTime> written_;      // per host: its last slot write
  std::vector<SimTime> read_;         // per host: its last read of the statefile
};

}  // namespace

std::unique_ptr<HeartbeatTransport> make_message_heartbeats(PoolContext& ctx) {
  return std::make_unique<MessageHeartbeats>(ctx);
}

}  // namespace poolsim::models
