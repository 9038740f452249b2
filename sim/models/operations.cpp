// The operator's operations, through the master's xapi. One that XenServer would refuse records
// `operation_refused op=… reason=…` and changes nothing.
#include <algorithm>

#include "pool_context.hpp"

namespace poolsim::models {

void Pool::enter_maintenance(HostIndex host, std::optional<HostIndex> new_master) {
  Impl& p = *impl_;
  Machine& machine = p.machines[host];
  Toolstack& xapi = p.xapi[host];
  const std::string_view op = "enter_maintenance";
  const std::vector<Detail> about{{"host", p.name(host)}};
  if (machine.state != HostState::up) return p.refuse(op, Refusal::host_not_up, about);
  if (machine.disabled) return p.refuse(op, Refusal::already_in_maintenance, about);
  if (xapi.is_master && p.config.ha_enabled) {
    // XenServer refuses: the master cannot be evacuated while HA is on; disable HA first.
    return p.refuse(op, Refusal::master_with_ha_enabled, about);
  }
  if (xapi.is_master && (!new_master || *new_master == host || p.machines[*new_master].state != HostState::up)) {
    return p.refuse(op, Refusal::needs_another_host_as_new_master, about);
  }
  const std::optional<HostIndex> m = master();
  if (!m) return p.refuse(op, Refusal::no_master, about);
  // Host.evacuate and Host.disable first check that the host's loss keeps the failover plan
  // (assert_host_disable_preserves_ha_plan).
  if (p.plan.breaks_plan(*m, PlanChange::disable_host(host))) return p.refuse(op, Refusal::would_break_failover_plan, about);
  // The evacuation is planned before it starts and refused whole when a VM has nowhere to go.
  machine.disabled = true;
  std::vector<std::pair<VmIndex, HostIndex>> moves;
  std::vector<std::uint64_t> reserved(p.n(), 0);
  for (VmIndex v = 0; v < p.vm_count(); ++v) {
    if (p.machines.instance(v).host != host) continue;
    const std::uint64_t memory = p.vm_config(v).memory;
    const auto target = p.db.place(memory, [&](HostIndex x) { return p.db.free_memory(x) >= reserved[x] + memory; });
    if (!target) {
      machine.disabled = false;
      return p.refuse(op, Refusal::not_enough_free_memory, {{"host", p.name(host)}, {"vm", p.vm_config(v).name}});
    }
    reserved[*target] += memory;
    moves.emplace_back(v, *target);
  }
  // Each migration checks its arrival (reserve_memory_for_vm); the evacuation is refused whole when one would break
  // the plan, rather than stopping half-way as xapi's would.
  PlanChange evacuation = PlanChange::disable_host(host);
  for (const auto& [v, target] : moves) {
    PlanChange one = p.plan.arriving(v, target);
    evacuation.moves.insert(evacuation.moves.end(), one.moves.begin(), one.moves.end());
    evacuation.new_vms.insert(evacuation.new_vms.end(), one.new_vms.begin(), one.new_vms.end());
  }
  if (p.plan.breaks_plan(*m, evacuation)) {
    machine.disabled = false;
    return p.refuse(op, Refusal::would_break_failover_plan, about);
  }
  if (xapi.is_master) {
    xapi.is_master = false;
    p.xapi[*new_master].is_master = true;
    p.statefile.take_lock(*new_master);
    p.xapi.last_master = *new_master;
    p.xapi.new_term();
    p.publish("pool", Rec::master_changed, {{"from", p.name(host)}, {"to", p.name(*new_master)}});
    p.mpathalert.master_started(*new_master);  // master.d starts its daemons with the role
  }
  p.publish(p.name(host), Rec::maintenance_started);
  // Live migrations one after the other, each taking the VM's memory at the migration rate; the VM keeps running.
  Duration offset;
  const std::uint64_t life = machine.life;
  for (const auto& [v, target] : moves) {
    const double seconds = static_cast<double>(p.vm_config(v).memory) /
                           static_cast<double>(std::min(p.config.hosts[host].management_bytes_per_second,
                                                        p.config.hosts[target].management_bytes_per_second));
    offset += Duration::nanoseconds(static_cast<std::int64_t>(seconds * 1e9));
    p.machines.migrate_vm(v, host, target, offset);
  }
  p.queue.schedule_in(offset, Phase::hardware, [&p, host, life] {
    Machine& evacuated = p.machines[host];
    if (evacuated.life != life || !evacuated.disabled) return;  // exit_maintenance came first
    evacuated.in_maintenance = true;
    p.publish(p.name(host), Rec::maintenance_entered);
    p.plan.operation_done(false);
  });
}

void Pool::exit_maintenance(HostIndex host) {
  Impl& p = *impl_;
  Machine& machine = p.machines[host];
  if (!machine.disabled) return p.refuse("exit_maintenance", Refusal::not_in_maintenance, {{"host", p.name(host)}});
  machine.disabled = false;
  machine.in_maintenance = false;
  p.publish(p.name(host), Rec::maintenance_exited);
  p.plan.operation_done(true);
}

void Pool::vm_start(VmIndex vm, std::optional<HostIndex> host) {
  Impl& p = *impl_;
  const VmConfig& config = p.vm_config(vm);
  VmRecord& record = p.db.vm(vm);
  const std::string_view op = "vm_start";
  const std::vector<Detail> about{{"vm", config.name}};
  if (p.machines.instance(vm).host || record.running) return p.refuse(op, Refusal::already_running, about);
  // Operations go through the master's xapi.
  const std::optional<HostIndex> m = master();
  if (!m) return p.refuse(op, Refusal::no_master, about);
  std::optional<HostIndex> target;
  if (host) {
    const Machine& machine = p.machines[*host];
    if (machine.state == HostState::up && !machine.disabled && p.db.free_memory(*host) >= config.memory) target = host;
  } else {
    target = p.db.choose_host(config.memory, [](HostIndex) { return true; });
  }
  if (!target) return p.refuse(op, Refusal::no_host_with_enough_free_memory, about);
  if (p.plan.breaks_plan(*m, p.plan.arriving(vm, *target))) return p.refuse(op, Refusal::would_break_failover_plan, about);
  record.always_run = config.priority == RestartPriority::restart;
  p.monitor.vm(vm).alerted = false;
  p.publish(p.vm_source(vm), Rec::vm_start, {{"to", p.name(*target)}});
  p.plan.operation_done(false);
  p.xapi.start_vm(vm, *target);
}

void Pool::vm_shutdown(VmIndex vm) {
  Impl& p = *impl_;
  if (!p.machines.instance(vm).host) return p.refuse("vm_shutdown", Refusal::not_running, {{"vm", p.vm_config(vm).name}});
  p.machines.destroy_vm(vm);
  VmRecord& record = p.db.vm(vm);
  record.running = false;
  record.host.reset();
  record.always_run = false;  // a clean shutdown by an operator: HA does not restart it
  p.monitor.vm(vm).best_effort_owed = 0;
  p.publish(p.vm_source(vm), Rec::vm_shutdown);
  p.plan.operation_done(false);
}

void Pool::insert_cd(VmIndex vm) {
  Impl& p = *impl_;
  VmRecord& record = p.db.vm(vm);
  const std::string_view op = "insert_cd";
  const std::vector<Detail> about{{"vm", p.vm_config(vm).name}};
  if (record.cd) return p.refuse(op, Refusal::cd_drive_not_empty, about);
  // xapi_vbd_helpers.ml assert_doesnt_make_vm_non_agile: HA_CONSTRAINT_VIOLATION_SR_NOT_SHARED.
  if (p.config.ha_enabled && !p.config.allow_overcommit && p.db.protected_vm(vm)) {
    return p.refuse(op, Refusal::ha_constraint_violation_sr_not_shared, about);
  }
  record.cd = true;
  p.publish(p.vm_source(vm), Rec::cd_inserted);
  p.plan.operation_done(false);
}

void Pool::eject_cd(VmIndex vm) {
  Impl& p = *impl_;
  VmRecord& record = p.db.vm(vm);
  if (!record.cd) return p.refuse("eject_cd", Refusal::cd_drive_empty, {{"vm", p.vm_config(vm).name}});
  record.cd = false;
  p.publish(p.vm_source(vm), Rec::cd_ejected);
  p.plan.operation_done(false);
}

void Pool::set_ntol(std::int64_t value) {
  Impl& p = *impl_;
  const std::string_view op = "set_ntol";
  const std::optional<HostIndex> m = master();
  if (value < 0 || static_cast<std::size_t>(value) >= p.n()) return p.refuse(op, Refusal::out_of_range);
  if (!m) return p.refuse(op, Refusal::no_master, {{"value", std::to_string(value)}});
  // xapi_pool.ml set_ha_host_failures_to_tolerate: checked only while a plan exists for at least one failure
  // ("Don't block changes if we have no plan at all"); otherwise the pool just becomes overcommitted.
  if (p.plan.plan_exists_for > 0 && p.plan.breaks_plan(*m, PlanChange::set_failures(static_cast<std::size_t>(value)))) {
    return p.refuse(op, Refusal::would_break_failover_plan, {{"value", std::to_string(value)}});
  }
  p.config.host_failures_to_tolerate = value;
  p.publish("pool", Rec::ntol_set, {{"value", std::to_string(value)}});
  if (p.config.ha_enabled) p.plan.update_pool_status(*m);
}

void Pool::ha_disable() {
  Impl& p = *impl_;
  if (!p.config.ha_enabled) return p.refuse("ha_disable", Refusal::ha_not_enabled);
  p.config.ha_enabled = false;
  p.stop_ha();
  p.publish("pool", Rec::ha_disabled);
}

void Pool::ha_enable() {
  Impl& p = *impl_;
  const std::string_view op = "ha_enable";
  if (p.config.ha_enabled) return p.refuse(op, Refusal::ha_already_enabled);
  if (!p.statefile.lock_holder() && !p.xapi.master()) return p.refuse(op, Refusal::no_master);
  if (!p.config.heartbeat_sr) return p.refuse(op, Refusal::no_heartbeat_sr);
  // Every host online, the heartbeat SR reachable, every protected VM agile.
  for (HostIndex h = 0; h < p.n(); ++h) {
    if (p.machines[h].state != HostState::up) return p.refuse(op, Refusal::host_offline, {{"host", p.name(h)}});
    if (p.statefile.io(h) != IoOutcome::completes) {
      return p.refuse(op, Refusal::statefile_unreachable, {{"host", p.name(h)}});
    }
  }
  for (VmIndex v = 0; v < p.vm_count(); ++v) {
    if (p.vm_config(v).priority == RestartPriority::restart && !p.db.agile(v)) {
      return p.refuse(op, Refusal::protected_vm_not_agile, {{"vm", p.vm_config(v).name}});
    }
  }
  const std::optional<HostIndex> holder = p.statefile.lock_holder();
  if (!holder || !p.xapi[*holder].is_master) {
    for (HostIndex h = 0; h < p.n(); ++h) {
      if (p.xapi[h].is_master) p.statefile.take_lock(h);
    }
  }
  p.config.ha_enabled = true;
  p.publish("pool", Rec::ha_enabled);
  p.start_ha();
}

}  // namespace poolsim::models
