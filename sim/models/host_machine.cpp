// The host machines, power, boot and the watchdog reboot of a fenced host (xha daemon/watchdog.c): host_machine.hpp.
#include "host_machine.hpp"

#include <algorithm>

#include "pool_context.hpp"

namespace poolsim::models {

void HostMachines::init(std::size_t hosts, std::size_t vms) {
  machines_.assign(hosts, Machine{});
  instances_.assign(vms, VmInstance{});
}

void HostMachines::stop(HostIndex h, HostState state) {
  Machine& machine = machines_[h];
  ++machine.life;
  ctx.xhad.halt(h);
  ctx.statefile.release_lock(h);
  machine.state = state;
  ctx.xhad[h].awaiting_statefile = false;
  ctx.xhad[h].join_failed = false;
  ctx.queue.cancel(machine.boot);
  for (VmIndex v = 0; v < instances_.size(); ++v) {
    VmInstance& instance = instances_[v];
    if (instance.host == h) {
      instance.host.reset();
      instance.booted = false;
      ctx.queue.cancel(instance.boot);
      ctx.publish(ctx.vm_source(v), Rec::vm_died, {{"host", ctx.name(h)}});
      ctx.service.stopped(v);
    }
  }
  ctx.xapi.host_stopped(h);
  ctx.networkd.host_stopped(h);
  ctx.refresh();
  ctx.fault_handler.wake_deciders();
  // A host that stops has no carrier on its NICs until it is up again (the switch sees its ports go down).
  ctx.network.set_host_powered(ctx.name(h), false);
}

void HostMachines::boot(HostIndex h) {
  Machine& machine = machines_[h];
  machine.state = HostState::booting;
  ctx.publish(ctx.name(h), Rec::host_booting);
  const std::uint64_t life = machine.life;
  machine.boot = ctx.queue.schedule_in(ctx.config.hosts[h].boot_time, Phase::hardware, [this, h, life] {
    Machine& booted = machines_[h];
    if (booted.life != life) return;
    booted.state = HostState::up;
    ctx.publish(ctx.name(h), Rec::host_up);
    ctx.network.set_host_powered(ctx.name(h), true);
    ctx.networkd.host_up(h);
    ctx.xapi.resync_vms(h);
    // After an unclean stop with HA on, the host's xapi raises HA_HOST_WAS_FENCED when it synchronises with the
    // master (xapi_host_crashdump.ml resynchronise, from dbsync_slave): no crashdump, not shut down cleanly.
    if (booted.stopped_uncleanly && ctx.config.ha_enabled) ctx.xapi.await_master_sync(h);
    booted.stopped_uncleanly = false;
    ctx.xapi.start(h);
    ctx.mpathalert.host_up(h);
    ctx.xapi.sync_with_master();
    ctx.xhad.start(h);
  });
}

void HostMachines::fence(HostIndex h, std::string_view reason) {
  ctx.publish(ctx.ha_source(h), Rec::self_fence, {{"reason", std::string(reason)}});
  stop(h, HostState::fenced);
  machines_[h].stopped_uncleanly = true;
  boot(h);
}

void HostMachines::boot_vm(VmIndex v, HostIndex host) {
  VmInstance& instance = instances_[v];
  instance.host = host;
  instance.booted = false;
  // The boot is cancelled if the VM dies or is shut down; a live migration carries it along.
  instance.boot = ctx.queue.schedule_in(ctx.vm_config(v).boot_time, Phase::hardware, [this, v] {
    instances_[v].booted = true;
    ctx.publish(ctx.vm_source(v), Rec::vm_running, {{"host", ctx.name(*instances_[v].host)}});
    ctx.service.refresh(v);
  });
}

void HostMachines::destroy_vm(VmIndex v) {
  VmInstance& instance = instances_[v];
  ctx.queue.cancel(instance.boot);
  instance.host.reset();
  instance.booted = false;
  ctx.service.stopped(v);
}

void HostMachines::migrate_vm(VmIndex v, HostIndex from, HostIndex to, Duration after) {
  const std::uint64_t life = machines_[from].life, target_life = machines_[to].life;
  ctx.queue.schedule_in(after, Phase::hardware, [this, v, from, to, life, target_life] {
    // A migration completes only if both ends are still the hosts it started between.
    if (machines_[from].life != life || machines_[to].life != target_life || instances_[v].host != from) return;
    instances_[v].host = to;
    ctx.db.vm(v).host = to;
    ctx.publish(ctx.vm_source(v), Rec::vm_migrated, {{"from", ctx.name(from)}, {"to", ctx.name(to)}});
    ctx.service.refresh(v);
  });
}

}  // namespace poolsim::models
