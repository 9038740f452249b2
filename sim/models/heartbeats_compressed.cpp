// Compressed heartbeats (heartbeat_transport.hpp): only the instants a peer enters or leaves a domain are
// events, computed from the peer's grid (anchor + k·period) whenever what reaches whom changes. The message
// mode is the reference this must match byte for byte (determinism.heartbeat_modes).
#include <algorithm>

#include "grid.hpp"
#include "heartbeat_transport.hpp"
#include "pool_context.hpp"

namespace poolsim::models {
namespace {

class CompressedHeartbeats final : public HeartbeatTransport {
 public:
  using HeartbeatTransport::HeartbeatTransport;

  // Recomputes every link after a change in the physical world or in a daemon, and schedules the domain changes
  // that follow from the grids.
  void refresh() override {
    for (HostIndex h = 0; h < ctx.n(); ++h) {
      for (HostIndex p = 0; p < ctx.n(); ++p) {
        if (p != h) update_link(h, p, Channel::network);
        update_link(h, p, Channel::statefile);
      }
    }
  }

  void start_beats(HostIndex) override {}
  void stop_beats(HostIndex) override {}

  SimTime last_heard(HostIndex h, HostIndex p, Channel c) const override {
    const Link& l = c == Channel::network ? net_[h][p] : sf_[h][p];
    if (!l.delivering) return l.last;
    const SimTime g = grid_at_or_before(ctx.xhad[clock(h, p, c)].anchor, period(c), ctx.queue.now(), sent_now());
    return g >= l.first ? g : l.last;
  }

  // q will hear w's next network heartbeat (at or after now, as update_link's `first`); whether it carries a
  // request that concerns q is decided then, as in message mode.
  void schedule_fence_check(HostIndex q, HostIndex w) override {
    if (!ctx.xhad.fence_requested(q, w) || !delivering(q, w, Channel::network)) return;
    const SimTime next =
        grid_at_or_after(ctx.xhad[w].anchor, ctx.config.ha.network_interval, ctx.queue.now(), !sent_now());
    const std::uint64_t life_q = ctx.machines[q].life, life_w = ctx.machines[w].life;
    ctx.queue.schedule_at(next, Phase::protocol, [this, q, w, life_q, life_w] {
      if (ctx.machines[q].life != life_q || ctx.machines[w].life != life_w) return;
      if (ctx.xhad.fence_requested(q, w) && delivering(q, w, Channel::network)) ctx.xhad.hear_fence_request(q);
    });
  }

 protected:
  // As a heartbeat heard now: the peer enters (or stays) and leaves T2 later unless heard again. A peer still
  // writing is heard again from the link's first read on (update_link's start), so it leaves only when that read
  // comes after the deadline, and is then seen again at that read.
  void heard_late(HostIndex h, HostIndex p) override {
    const Channel c = Channel::statefile;
    Link& l = link(h, p, c);
    const SimTime now = ctx.queue.now();
    l.last = now;
    l.deadline = now + timeout(c);
    if (!l.in_domain) ctx.xhad.found(h, p, c, true);
    ctx.queue.cancel(l.leave);
    if (!l.delivering) {
      schedule_leave(h, p, c);
      return;
    }
    if (l.deadline >= l.first) {
      ctx.queue.cancel(l.enter);
      return;
    }
    schedule_leave(h, p, c);
    if (!ctx.queue.pending(l.enter)) schedule_enter(h, p, c);
  }

 private:
  // The link's leave at its deadline.
  void schedule_leave(HostIndex h, HostIndex p, Channel c) {
    Link& l = link(h, p, c);
    l.leave = ctx.queue.schedule_at(l.deadline, Phase::protocol, [this, h, p, c] { ctx.xhad.found(h, p, c, false); });
  }

  // p's heartbeats (or slot writes) reach h from `sent` on: the first is heard then (a slot at h's first read at
  // or after it). A pending leave stays when that first heartbeat comes after it: the peer is lost at its
  // deadline and seen again at that heartbeat (a heartbeat at the very deadline keeps it, as in message mode).
  void start_delivering(HostIndex h, HostIndex p, Channel c, SimTime sent) {
    Link& l = link(h, p, c);
    l.written_from = sent;
    l.first = c == Channel::statefile ? grid_at_or_after(ctx.xhad[h].anchor, period(c), sent, true) : sent;
    const bool leave_first = ctx.queue.pending(l.leave) && l.deadline < l.first;
    if (!leave_first) ctx.queue.cancel(l.leave);
    if (!l.in_domain || leave_first) schedule_enter(h, p, c);
    if (c == Channel::network) schedule_fence_check(h, p);
  }

  // The peers reading on find p's off-grid write at their next read: each link from p, started at this instant
  // by the refresh, starts again from this write.
  void written_off_grid(HostIndex p) override {
    for (HostIndex h = 0; h < ctx.n(); ++h) {
      Link& l = link(h, p, Channel::statefile);
      if (h == p || !l.delivering) continue;
      ctx.queue.cancel(l.enter);
      start_delivering(h, p, Channel::statefile, ctx.queue.now());
    }
  }

  // The link's enter at its first heartbeat (or read) since delivering began.
  void schedule_enter(HostIndex h, HostIndex p, Channel c) {
    Link& l = link(h, p, c);
    l.enter = ctx.queue.schedule_at(l.first, Phase::protocol, [this, h, p, c] {
      ctx.xhad.found(h, p, c, true);
      // A writer that stopped before this first read, while an earlier leave was still pending, leaves T2
      // after its last write is found (update_link's stop).
      const Link& entered = link(h, p, c);
      if (!entered.delivering && !ctx.queue.pending(entered.leave) && entered.deadline > ctx.queue.now()) {
        schedule_leave(h, p, c);
      }
    });
  }

  bool reads(HostIndex h) const { return ctx.xhad[h].running() && ctx.statefile.writes(h); }

  void update_link(HostIndex h, HostIndex p, Channel c) {
    Link& l = link(h, p, c);
    const bool now_delivering = delivering(h, p, c);
    const SimTime now = ctx.queue.now();
    EventQueue& queue = ctx.queue;
    if (now_delivering == l.delivering) {
      // A read still to come of a stopped writer's last slot does not happen once the reader stops reading: the
      // last change it found is the one its previous read found.
      const bool read_pending = l.last > now || (l.last == now && !sent_now());
      if (c == Channel::statefile && p != h && !l.delivering && l.in_domain && read_pending && !reads(h)) {
        l.last = l.last - period(c);
        l.deadline = std::max(l.last + timeout(c), now);
        queue.cancel(l.leave);
        schedule_leave(h, p, c);
      }
      return;
    }
    const SimTime heard = last_heard(h, p, c);  // while it was still delivering
    l.delivering = now_delivering;
    if (now_delivering) {
      start_delivering(h, p, c, grid_at_or_after(ctx.xhad[p].anchor, period(c), now, !sent_now()));
      return;
    }
    if (c == Channel::statefile && p != h && reads(h)) {
      // The writer stopped and the reader reads on: the writer's last write since delivering began is found at
      // the reader's first read at or after it (a pending enter stays), and it leaves T2 after that read.
      const SimTime w = grid_at_or_before(ctx.xhad[p].anchor, period(c), now, sent_now());
      if (w >= l.written_from) {
        const SimTime found = grid_at_or_after(ctx.xhad[h].anchor, period(c), w, true);
        l.last = std::max(heard, found);
        l.deadline = std::max(l.last + timeout(c), now);
        // An earlier leave still due before a pending enter stays; that enter schedules this one.
        if (queue.pending(l.leave) && queue.pending(l.enter)) return;
        queue.cancel(l.leave);
        schedule_leave(h, p, c);
        return;
      }
    }
    if (queue.cancel(l.enter)) return;  // it stopped before its first heartbeat arrived
    // Not in the domain and no enter pending: unless its first heartbeat arrived at this very instant (the
    // enter is found, not yet settled), it never entered.
    if (!l.in_domain && heard < l.first) return;
    l.last = heard;
    l.deadline = std::max(l.last + timeout(c), now);
    schedule_leave(h, p, c);
  }
};

}  // namespace

std::unique_ptr<HeartbeatTransport> make_compressed_heartbeats(PoolContext& ctx) {
  return std::make_unique<CompressedHeartbeats>(ctx);
}

}  // namespace poolsim::models
