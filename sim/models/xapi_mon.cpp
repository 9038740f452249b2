// xhad's toolstack monitor (xha daemon/xapi_mon.c): xapi_mon.hpp.
#include "xapi_mon.hpp"

#include <algorithm>

#include "grid.hpp"
#include "pool_context.hpp"

namespace poolsim::models {

namespace {
// xapi_restart resets its count when the last successful restart is more than a day old (ONE_DAY).
constexpr Duration one_day = Duration::hours(24);
// The restart's wait polls every TRestartXapi / XAPIMON_WAITCHLD_POLLING_DIVIDER.
constexpr std::int64_t polling_divider = 10;
// The health check's wait for the checker to exit polls every XAPIMON_CHECK_INTERVAL = 100 ms.
constexpr Duration check_poll = Duration::milliseconds(100);
}  // namespace

void Xapimon::init(std::size_t hosts) { loops_.assign(hosts, XapimonLoop{}); }

Duration Xapimon::poll() const {
  return Duration::nanoseconds(ctx.config.xapi.restart_timeout.ns() / polling_divider);
}

void Xapimon::daemon_started(HostIndex h) {
  XapimonLoop& loop = loops_[h];
  ctx.queue.cancel(loop.next);
  loop = XapimonLoop{};
  loop.grid = ctx.queue.now();
}

void Xapimon::daemon_stopped(HostIndex h) {
  XapimonLoop& loop = loops_[h];
  ctx.queue.cancel(loop.next);
  loop.stage = XapimonLoop::Stage::sleeping;
}

// The first check after now on the loop's grid (a healthy check takes no time here, so the grid does not drift
// while the toolstack is healthy); only a check that finds it failing is scheduled.
void Xapimon::changed(HostIndex h) {
  XapimonLoop& loop = loops_[h];
  if (loop.stage != XapimonLoop::Stage::sleeping || ctx.queue.pending(loop.next)) return;
  if (!ctx.config.ha_enabled || !ctx.xhad[h].live() || ctx.xapi[h].fault == ToolstackFault::none) return;
  const SimTime at = grid_at_or_after(loop.grid, ctx.config.xapi.health_check_interval, ctx.queue.now(), false);
  const std::uint64_t life = ctx.machines[h].life;
  loop.next = ctx.queue.schedule_at(at, Phase::decision, [this, h, life] {
    if (ctx.machines[h].life == life) check(h);
  });
}

// xapimon's health check: a stopped or disabled toolstack fails at once. A hung one holds the checker: the read
// of its pipe gives up at TXapi, then the wait for it to exit sleeps XAPIMON_CHECK_INTERVAL and kills it once
// more than TXapi has passed (xapi_mon.c xapimon: `_getms() - start > _TXapi * ONE_SEC`), at TXapi + 100 ms.
void Xapimon::check(HostIndex h) {
  XapimonLoop& loop = loops_[h];
  const ToolstackFault fault = ctx.xapi[h].fault;
  if (fault == ToolstackFault::none || !ctx.xhad[h].live()) return;
  loop.stage = XapimonLoop::Stage::checking;
  loop.stage_start = ctx.queue.now();
  if (fault != ToolstackFault::hung) {
    ctx.publish(ctx.ha_source(h), Rec::xapi_check_failed, {{"reason", "error"}});
    restart(h);
    return;
  }
  const std::uint64_t life = ctx.machines[h].life;
  const Duration gives_up = ctx.config.xapi.health_check_timeout + check_poll;
  loop.next = ctx.queue.schedule_in(gives_up, Phase::decision, [this, h, life] {
    if (ctx.machines[h].life != life) return;
    ctx.publish(ctx.ha_source(h), Rec::xapi_check_failed, {{"reason", "timeout"}});
    restart(h);
  });
}

// xapi_restart: attempts while restart_count < RestartXapi, all against one deadline TRestartXapi after the first
// (wait_pid_timeout's start is the restart's start). A second failure within a day of a successful restart finds
// the count spent and fences with no attempt.
void Xapimon::restart(HostIndex h) {
  XapimonLoop& loop = loops_[h];
  const XapiTimers& timers = ctx.config.xapi;
  const SimTime now = ctx.queue.now();
  loop.stage = XapimonLoop::Stage::restarting;
  loop.stage_start = now;
  if (!loop.restarted || now - *loop.restarted > one_day) loop.restart_count = 0;
  const std::int64_t left = timers.restart_attempts - loop.restart_count;
  if (left <= 0) return restart_failed(h);
  // When every restarter is killed: the first at the deadline, each later one a poll after it, since
  // wait_pid_timeout starts its clock at the first one's start (now = start_time) and so always sleeps one poll
  // before it reads the time again.
  const Duration all_killed = timers.restart_timeout + poll() * (left - 1);
  const std::uint64_t life = ctx.machines[h].life;
  const auto later = [this, h, life](Duration after, void (Xapimon::*step)(HostIndex)) {
    loops_[h].next = ctx.queue.schedule_in(after, Phase::decision, [this, h, life, step] {
      if (ctx.machines[h].life == life) (this->*step)(h);
    });
  };
  switch (ctx.xapi[h].fault) {
    case ToolstackFault::crashed: {
      ++loop.restart_count;
      const Duration start = timers.toolstack_start;
      if (start >= timers.restart_timeout) {  // every restarter is killed before xapi is up, as for a hung one
        loop.restart_count = timers.restart_attempts;
        return later(all_killed, &Xapimon::restart_failed);
      }
      // xapi runs again once its service has started; xhad sees the restarter exit at the wait's next poll.
      ctx.queue.schedule_in(start, Phase::decision, [this, h, life] {
        if (ctx.machines[h].life == life && loops_[h].stage == XapimonLoop::Stage::restarting) {
          ctx.xapi.restarted_by_xhad(h);
        }
      });
      const std::int64_t polls = (start.ns() + poll().ns() - 1) / poll().ns();
      return later(Duration::nanoseconds(std::max<std::int64_t>(polls, 1) * poll().ns()), &Xapimon::restart_succeeded);
    }
    case ToolstackFault::disabled:
      // Each restarter exits with an error, seen at the wait's next poll: one poll per attempt, the wait's end
      // notwithstanding (wait_pid_timeout tests waitpid before the time).
      loop.restart_count = timers.restart_attempts;
      return later(poll() * left, &Xapimon::restart_failed);
    case ToolstackFault::hung:
    case ToolstackFault::none:
      // Every restarter hangs until it is killed.
      loop.restart_count = timers.restart_attempts;
      return later(all_killed, &Xapimon::restart_failed);
  }
}

void Xapimon::restart_succeeded(HostIndex h) {
  XapimonLoop& loop = loops_[h];
  loop.stage = XapimonLoop::Stage::sleeping;
  loop.restarted = ctx.queue.now();
  loop.grid = ctx.queue.now();  // the loop sleeps tXapi from here
  changed(h);
}

// "Xapi failed. Self Fence", after sleep(t1 * 2) "to notify the other hosts".
void Xapimon::restart_failed(HostIndex h) {
  XapimonLoop& loop = loops_[h];
  loop.stage = XapimonLoop::Stage::fencing;
  const std::uint64_t life = ctx.machines[h].life;
  loop.next = ctx.queue.schedule_in(ctx.config.ha.network_interval * 2, Phase::decision, [this, h, life] {
    if (ctx.machines[h].life == life) ctx.machines.fence(h, "xapi_dead");
  });
}

void Xapimon::restored(HostIndex h) {
  XapimonLoop& loop = loops_[h];
  switch (loop.stage) {
    case XapimonLoop::Stage::sleeping:
      ctx.queue.cancel(loop.next);
      break;
    case XapimonLoop::Stage::checking:  // the check answers now; the loop sleeps tXapi from here
      ctx.queue.cancel(loop.next);
      loop.stage = XapimonLoop::Stage::sleeping;
      loop.grid = ctx.queue.now();
      break;
    case XapimonLoop::Stage::restarting: {  // the restarter exits now, seen at the wait's next poll
      ctx.queue.cancel(loop.next);
      const SimTime at = grid_at_or_after(loop.stage_start, poll(), ctx.queue.now(), true);
      const std::uint64_t life = ctx.machines[h].life;
      loop.next = ctx.queue.schedule_at(at, Phase::decision, [this, h, life] {
        if (ctx.machines[h].life == life) restart_succeeded(h);
      });
      break;
    }
    case XapimonLoop::Stage::fencing:  // decided: the fence comes
      break;
  }
}

}  // namespace poolsim::models
