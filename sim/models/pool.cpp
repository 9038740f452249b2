// The Pool facade: builds the components (pool_context.hpp), wires them to the physical models, applies the
// faults, and answers the ground-truth getters. The operator's operations are operations.cpp.
#include "poolsim/models/pool.hpp"

#include <algorithm>

#include "grid.hpp"
#include "pool_context.hpp"

namespace poolsim::models {

std::string_view to_token(RestartPriority priority) {
  switch (priority) {
    case RestartPriority::restart: return "restart";
    case RestartPriority::best_effort: return "best_effort";
    case RestartPriority::do_not_restart: return "do_not_restart";
  }
  return "unknown";
}

std::string_view to_token(HostState state) {
  switch (state) {
    case HostState::up: return "up";
    case HostState::joining: return "joining";
    case HostState::maintenance: return "maintenance";
    case HostState::fenced: return "fenced";
    case HostState::booting: return "booting";
    case HostState::down: return "down";
  }
  return "unknown";
}

std::string_view to_token(VmState state) {
  switch (state) {
    case VmState::running: return "running";
    case VmState::starting: return "starting";
    case VmState::halted: return "halted";
    case VmState::impaired: return "impaired";
  }
  return "unknown";
}

HaTimers HaTimers::derive(Duration timeout, IntervalFormula formula) {
  const std::int64_t t = timeout.whole_seconds();
  HaTimers timers;
  timers.timeout = timeout;
  if (formula == IntervalFormula::legacy) {
    timers.network_interval = timers.statefile_interval = Duration::seconds((t + 10) / 10);
  } else {
    timers.network_interval = Duration::seconds(std::min<std::int64_t>((t + 10) / 10, 3));
    timers.statefile_interval = Duration::seconds(std::max<std::int64_t>(2, t / 20));
  }
  timers.heartbeat_timeout = timeout;
  timers.statefile_timeout = timeout;
  timers.heartbeat_watchdog = timeout;
  timers.statefile_watchdog = timeout + Duration::seconds(15);
  timers.join_timeout = timeout + Duration::seconds(60);
  return timers;
}

PoolContext::PoolContext(EventQueue& q, EventBus& b, Network& n, Storage& s, PoolConfig c)
    : queue(q), bus(b), network(n), storage(s), config(std::move(c)) {
  const std::size_t count = config.hosts.size();
  machines.init(count, config.vms.size());
  statefile.init(count);
  xhad.init(count);
  xapimon.init(count);
  transport = config.heartbeats == HeartbeatMode::messages ? make_message_heartbeats(*this)
                                                           : make_compressed_heartbeats(*this);
  fault_handler.init(count);
  xapi.init(count);
  db.init(count, config.vms);
  monitor.init(config.vms.size());
  service.init(config.vms.size());
  networkd.init(count);
  cut.assign(count, std::vector<bool>(count, false));
}

void PoolContext::publish(std::string source, Rec id, std::vector<Detail> details) {
  invariants.check(id, source, details);
  models::publish(bus, queue.now(), std::move(source), id, std::move(details));
}

void PoolContext::alert(Alert id, std::vector<Detail> details) {
  details.push_back({"name", std::string(models::name(id))});
  publish("pool", Rec::alert, std::move(details));
}

void PoolContext::refuse(std::string_view op, Refusal reason, std::vector<Detail> details) {
  details.push_back({"op", std::string(op)});
  details.push_back({"reason", std::string(token(reason))});
  publish("pool", Rec::operation_refused, std::move(details));
}

bool PoolContext::reaches(HostIndex from, HostIndex to) const {
  return !cut[from][to] && network.can_reach(config.hosts[from].management, config.hosts[to].management);
}

void PoolContext::refresh() {
  invariants.world_changed();
  transport->refresh();
  xapi.sync_with_master();  // a host cut off from the master may reach it now
}

// Every host's daemon starts now with every host in its liveset and its domains full where links deliver (at
// time 0, or when HA is enabled), and the master's monitor runs.
void PoolContext::start_ha() {
  xhad.start_all_daemons();
  transport->start_links();
  for (HostIndex h = 0; h < n(); ++h) transport->start_beats(h);
  for (HostIndex h = 0; h < n(); ++h) {
    if (xhad.liveset_host_missing(h)) fault_handler.start(h);
  }
  const std::optional<HostIndex> m = statefile.lock_holder();
  if (!m) return;
  plan.out_of_date = true;
  if (queue.now() == SimTime{}) {
    monitor.resume(*m);  // time 0: the pool has been running with HA on
  } else {
    // Pool.ha_enable: the pool's plan status at once (update_pool_status), then Monitor.start on the master.
    plan.update_pool_status(*m);
    plan.last_plan_time = queue.now();
    plan.out_of_date = false;
    monitor.start_thread(*m);
  }
}

void PoolContext::stop_ha() {
  for (HostIndex h = 0; h < n(); ++h) {
    if (xhad[h].joining()) publish(ha_source(h), Rec::join_cancelled, {{"reason", "ha_disabled"}});
    xhad.halt(h);
    xhad[h].awaiting_statefile = false;
    xhad[h].join_failed = false;
  }
  monitor.stop();
}

Pool::Pool(EventQueue& queue, EventBus& bus, Network& network, Storage& storage, PoolConfig config)
    : impl_(std::make_unique<Impl>(queue, bus, network, storage, std::move(config))) {
  network.on_change([this] {
    impl_->refresh();
    impl_->xhad.bonds_changed();
    impl_->service.refresh_all();
    impl_->networkd.changed();
  });
  storage.on_path_event([this](ArrayIndex array, std::uint32_t host) { impl_->mpathalert.path_event(array, host); });
  storage.on_change([this] {
    impl_->statefile.storage_changed();
    impl_->service.refresh_all();
  });
}

Pool::~Pool() = default;

void PoolContext::start() {
  for (VmIndex v = 0; v < vm_count(); ++v) {
    const VmConfig& vm = vm_config(v);
    if (!vm.host) continue;
    VmInstance& instance = machines.instance(v);
    VmRecord& record = db.vm(v);
    instance.host = record.host = vm.host;
    instance.booted = record.running = true;
    record.always_run = vm.priority == RestartPriority::restart;
  }
  statefile.read_initial();
  xapi.set_initial_master(config.master);
  mpathalert.init(config.master);
  for (HostIndex h = 0; h < n(); ++h) xapi.start(h);
  if (config.ha_enabled) start_ha();
  service.refresh_all();  // a VM placed where its SRs or networks are not reachable is impaired from the start
}

void Pool::start() { impl_->start(); }

void Pool::crash(HostIndex host) {
  Impl& p = *impl_;
  if (p.machines[host].state == HostState::down) return;
  p.publish(p.name(host), Rec::host_crashed);
  p.machines.stop(host, HostState::down);
  p.machines[host].stopped_uncleanly = true;
}

void Pool::power_on(HostIndex host) {
  Impl& p = *impl_;
  if (p.machines[host].state != HostState::down) return;
  p.machines.boot(host);
}

void Pool::reboot(HostIndex host) {
  Impl& p = *impl_;
  if (p.machines[host].state != HostState::up) return;
  p.publish(p.name(host), Rec::host_rebooting);
  p.machines.stop(host, HostState::booting);
  p.xhad[host].excluded = true;  // a clean shutdown tells xhad: it no longer counts for rule 2
  p.machines.boot(host);
}

void Pool::xapi_hang(HostIndex host) { impl_->xapi.fail(host, ToolstackFault::hung); }
void Pool::xapi_crash(HostIndex host) { impl_->xapi.fail(host, ToolstackFault::crashed); }
void Pool::xapi_disable(HostIndex host) { impl_->xapi.fail(host, ToolstackFault::disabled); }
void Pool::xapi_restore(HostIndex host) { impl_->xapi.restore(host); }

void Pool::partition(const std::vector<std::vector<HostIndex>>& groups) {
  Impl& p = *impl_;
  std::vector<std::string> names;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    std::vector<std::string> members;
    for (const HostIndex a : groups[g]) {
      members.push_back(p.name(a));
      for (std::size_t o = 0; o < groups.size(); ++o) {
        if (o == g) continue;
        for (const HostIndex b : groups[o]) p.cut[a][b] = true;
      }
    }
    std::string group;
    for (const auto& m : members) group += (group.empty() ? "" : "+") + m;  // hosts of one group joined by '+'
    names.push_back(group);
  }
  p.publish("pool", Rec::partition, {{"groups", join_names(names)}});
  p.refresh();
}

void Pool::heal() {
  Impl& p = *impl_;
  for (auto& row : p.cut) std::fill(row.begin(), row.end(), false);
  p.publish("pool", Rec::heal);
  p.refresh();
}

HostState Pool::host_state(HostIndex host) const {
  const Impl& p = *impl_;
  const Machine& m = p.machines[host];
  if (m.state == HostState::up && m.in_maintenance) return HostState::maintenance;
  if (m.state == HostState::up && p.xhad[host].joining()) return HostState::joining;
  return m.state;
}

std::optional<HostIndex> Pool::master() const { return impl_->xapi.master(); }

VmState Pool::vm_power_state(VmIndex vm) const {
  const VmInstance& instance = impl_->machines.instance(vm);
  if (!instance.host) return VmState::halted;
  return instance.booted ? VmState::running : VmState::starting;
}

VmState Pool::vm_state(VmIndex vm) const {
  const VmState power = vm_power_state(vm);
  return power == VmState::running && impl_->service.impaired(vm) ? VmState::impaired : power;
}

std::optional<HostIndex> Pool::vm_host(VmIndex vm) const { return impl_->machines.instance(vm).host; }
std::size_t Pool::host_count() const { return impl_->n(); }
std::size_t Pool::vm_count() const { return impl_->vm_count(); }
const std::string& Pool::host_name(HostIndex host) const { return impl_->name(host); }
const std::string& Pool::vm_name(VmIndex vm) const { return impl_->vm_config(vm).name; }

}  // namespace poolsim::models
