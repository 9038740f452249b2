#include "poolsim/scenario/build.hpp"

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <set>
#include <stdexcept>
#include <utility>

#include "poolsim/kernel/random_streams.hpp"
#include "poolsim/scenario/enums.hpp"

namespace poolsim::scenario {

namespace {

models::RestartPriority to_model(RestartPriority priority) {
  switch (priority) {
    case RestartPriority::restart: return models::RestartPriority::restart;
    case RestartPriority::best_effort: return models::RestartPriority::best_effort;
    case RestartPriority::do_not_restart: return models::RestartPriority::do_not_restart;
  }
  throw std::logic_error("unknown restart priority");
}

models::IntervalFormula to_model(IntervalFormula formula) {
  switch (formula) {
    case IntervalFormula::current: return models::IntervalFormula::current;
    case IntervalFormula::legacy: return models::IntervalFormula::legacy;
  }
  throw std::logic_error("unknown interval formula");
}

models::StorageKind to_model(StorageType type) {
  switch (type) {
    case StorageType::iscsi: return models::StorageKind::iscsi;
    case StorageType::nfs: return models::StorageKind::nfs;
    case StorageType::fc: return models::StorageKind::fc;
    case StorageType::local: return models::StorageKind::local;
  }
  throw std::logic_error("unknown storage type");
}

// The host state an expectation names.
models::HostState to_model(HostExpectState state) {
  switch (state) {
    case HostExpectState::up: return models::HostState::up;
    case HostExpectState::fenced: return models::HostState::fenced;
    case HostExpectState::booting: return models::HostState::booting;
    case HostExpectState::down: return models::HostState::down;
    case HostExpectState::maintenance: return models::HostState::maintenance;
    case HostExpectState::joining: return models::HostState::joining;
  }
  throw std::logic_error("unknown host state");
}

models::VmState to_model(VmExpectState state) {
  switch (state) {
    case VmExpectState::running: return models::VmState::running;
    case VmExpectState::halted: return models::VmState::halted;
    case VmExpectState::impaired: return models::VmState::impaired;
  }
  return models::VmState::halted;
}

std::string lowercase(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string expectation_text(const ExpectationSpec& e) {
  switch (e.kind) {
    case ExpectKind::host_state:
      if (e.earliest == Duration::zero()) {
        return "host " + e.host.name + " " + std::string(to_string(e.host_state)) + " by " + format_duration(e.latest);
      }
      return "host " + e.host.name + " " + std::string(to_string(e.host_state)) + " within [" +
             format_duration(e.earliest) + ", " + format_duration(e.latest) + "]";
    case ExpectKind::host_never: return "host " + e.host.name + " never " + std::string(to_string(e.host_state));
    case ExpectKind::master: return "master " + e.host.name + " by " + format_duration(e.latest);
    case ExpectKind::vm_state:
      return "vm " + e.vm.name + " " + std::string(to_string(e.vm_state)) +
             (e.on.name.empty() ? "" : " on " + e.on.name) + " by " + format_duration(e.latest);
    case ExpectKind::vm_order:
      return "vm " + e.vm.name + " started after " + e.started_after.name +
             (e.at_least > Duration::zero() ? " by at least " + format_duration(e.at_least) : "");
    case ExpectKind::vm_never: return "vm " + e.vm.name + " never " + std::string(to_string(e.vm_never));
    case ExpectKind::vm_downtime:
      return "vm " + e.vm.name + " down at most " + format_duration(e.downtime_at_most);
    case ExpectKind::service_downtime:
      return "service " + e.service.name + " down at most " + format_duration(e.downtime_at_most);
    case ExpectKind::alert_by: return "alert " + e.alert.name + " by " + format_duration(e.latest);
    case ExpectKind::alert_never: return "alert " + e.alert.name + " never";
  }
  return "?";
}

}  // namespace

std::vector<std::size_t> tie_break_order(const PoolSpec& pool) {
  std::vector<std::size_t> order(pool.hosts.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  const bool every_uuid =
      !pool.hosts.empty() && std::all_of(pool.hosts.begin(), pool.hosts.end(), [](const HostSpec& h) { return !h.uuid.empty(); });
  if (every_uuid) {
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return lowercase(pool.hosts[a].uuid) < lowercase(pool.hosts[b].uuid);
    });
  }
  return order;
}

Simulation::Simulation(ScenarioSpec spec)
    : spec_(std::move(spec)), network_(queue_, bus_), storage_(queue_, bus_, network_) {}

Simulation::~Simulation() = default;

std::optional<models::HostIndex> Simulation::host_index(const std::string& name) const {
  for (std::size_t i = 0; i < host_names_.size(); ++i) {
    if (host_names_[i] == name) return static_cast<models::HostIndex>(i);
  }
  return std::nullopt;
}

std::optional<models::VmIndex> Simulation::vm_index(const std::string& name) const {
  for (std::size_t i = 0; i < vm_names_.size(); ++i) {
    if (vm_names_[i] == name) return static_cast<models::VmIndex>(i);
  }
  return std::nullopt;
}

void Simulation::run(SimTime until) {
  if (ran_) throw std::logic_error("a Simulation runs once");
  ran_ = true;
  pool_->start();
  outcome_->begin();
  queue_.run_until(until);
  bus_.finish(until);
}

// Wires a Simulation from a spec; one use. A struct (friend of Simulation) so that the mapping steps share the
// name tables without passing them around.
struct SimulationBuilder {
  SimulationBuilder(const ScenarioSpec& spec, std::string file, const BuildOptions& options)
      : spec_(spec), file_(std::move(file)), options_(options) {}

  BuildResult build() {
    if (has_errors(diagnostics_)) return {nullptr, std::move(diagnostics_)};

    sim_.reset(new Simulation(spec_));
    sim_->bus_.set_record_budget(options_.record_budget);
    order_ = tie_break_order(spec_.pool);
    for (std::size_t rank = 0; rank < order_.size(); ++rank) {
      host_rank_[spec_.pool.hosts[order_[rank]].name] = static_cast<models::HostIndex>(rank);
    }
    build_network();
    build_storage();
    build_pool();
    schedule_faults();
    start_failure_processes();
    sim_->outcome_ =
        std::make_unique<OutcomeRecorder>(sim_->queue_, *sim_->pool_, resolve_expectations(), resolve_services());
    sim_->bus_.subscribe(*sim_->outcome_);
    return {std::move(sim_), std::move(diagnostics_)};
  }

 private:
  void error(SourcePos pos, std::string message) {
    const std::string& file = pos.file == 0 ? file_ : spec_.pool_file;  // SourcePos::file
    diagnostics_.push_back(Diagnostic{file, pos.line, pos.column, Severity::error, std::move(message)});
  }

  void build_network() {
    models::Network& network = sim_->network_;
    for (const SwitchSpec& s : spec_.pool.switches) switches_[s.name] = network.add_switch(s.name, s.lacp);
    std::set<std::pair<models::SwitchIndex, models::SwitchIndex>> linked;
    for (const SwitchSpec& s : spec_.pool.switches) {
      for (const Ref& other : s.links) {
        const models::SwitchIndex a = switches_.at(s.name);
        const models::SwitchIndex b = switches_.at(other.name);
        if (!linked.insert({std::min(a, b), std::max(a, b)}).second) continue;  // given in both directions
        network.link_switches(a, b);
      }
    }
    for (const HostSpec& host : spec_.pool.hosts) {
      std::map<std::string, models::Interface>& interfaces = interfaces_[host.name];
      std::map<std::string, models::NicIndex> nics;
      for (const NicSpec& nic : host.nics) {
        nics[nic.name] = network.add_nic(host.name, nic.name, switches_.at(nic.on_switch.name));
        interfaces[nic.name] = models::Interface::of_nic(nics[nic.name]);
      }
      for (const BondSpec& bond : host.bonds) {
        std::vector<models::NicIndex> members;
        for (const Ref& member : bond.members) members.push_back(nics.at(member.name));
        models::BondTiming timing;
        timing.miimon = bond.miimon;
        timing.downdelay = bond.downdelay;
        timing.updelay = bond.updelay;
        timing.lacp.rate = bond.lacp_rate;
        // Linux bonding polls carrier every miimon; Open vSwitch is told at once (docs/model.md "Bonds").
        if (spec_.pool.network_backend == NetworkBackend::bridge) timing.detection = models::CarrierDetection::poll;
        const models::BondIndex index = network.add_bond(host.name, bond.name, std::move(members), bond.mode, timing);
        interfaces[bond.name] = models::Interface::of_bond(index);
      }
    }
  }

  // Whether interface `itf` of `host` is NIC `nic` or a bond with it as a member.
  static bool carries(const HostSpec& host, const std::string& itf, const std::string& nic) {
    if (itf == nic) return true;
    for (const BondSpec& bond : host.bonds) {
      if (bond.name != itf) continue;
      for (const Ref& member : bond.members) {
        if (member.name == nic) return true;
      }
    }
    return false;
  }

  models::Interface interface(const std::string& host, const std::string& name) const {
    return interfaces_.at(host).at(name);
  }

  std::vector<models::Interface> storage_via(const HostSpec& host) const {
    std::vector<models::Interface> via;
    for (const Ref& r : host.storage_via) via.push_back(interface(host.name, r.name));
    if (via.empty()) via.push_back(interface(host.name, host.management.name));  // the documented default
    return via;
  }

  void build_storage() {
    models::Storage& storage = sim_->storage_;
    // Every storage change may change what the pool's I/O does; the network's changes reach the storage first.
    sim_->network_.on_change([&storage] { storage.network_changed(); });
    for (const StorageSpec& sr : spec_.pool.storage) {
      models::MultipathTiming timing;
      timing.polling_interval = sr.multipath.polling_interval;
      timing.no_path_retry = sr.multipath.no_path_retry;
      timing.grouping = sr.multipath.path_grouping_policy;
      timing.replacement_timeout = sr.replacement_timeout;
      arrays_[sr.name] = storage.add_array(sr.name, to_model(sr.type), timing);
    }
    for (const StorageSpec& sr : spec_.pool.storage) {
      for (const PortalSpec& portal : sr.portals) {
        portals_[portal.name] = storage.add_portal(arrays_.at(sr.name), portal.name, switches_.at(portal.on_switch.name));
      }
    }
    for (const StorageSpec& sr : spec_.pool.storage) {
      for (const std::size_t i : order_) {
        const HostSpec& host = spec_.pool.hosts[i];
        if (sr.type == StorageType::local && sr.host.name != host.name) continue;
        storage.attach(arrays_.at(sr.name), host_rank_.at(host.name), host.name, storage_via(host));
      }
    }
  }

  // Agile (docs/model.md "VMs and their HA plan"): every disk on a shared SR, every network properly shared (shared,
  // and mapped by every host in pif_networks), no CD in the drive. Only an agile VM may be protected.
  // The CD is kept apart (VmConfig::cd_inserted): it can be inserted and ejected during a run.
  bool agile(const VmSpec& vm) const {
    for (const Ref& disk : vm.disks) {
      for (const StorageSpec& sr : spec_.pool.storage) {
        if (sr.name == disk.name && sr.type == StorageType::local) return false;
      }
    }
    for (const Ref& network : vm.networks) {
      for (const NetworkSpec& n : spec_.pool.networks) {
        if (n.name == network.name && !n.shared) return false;
      }
      for (const HostSpec& host : spec_.pool.hosts) {
        const bool mapped = std::any_of(host.pif_networks.begin(), host.pif_networks.end(),
                                        [&](const PifSpec& pif) { return pif.network.name == network.name; });
        if (!mapped) return false;
      }
    }
    return true;
  }

  void build_pool() {
    models::PoolConfig config;
    std::map<std::string, std::uint32_t> network_index;
    for (const NetworkSpec& n : spec_.pool.networks) {
      network_index[n.name] = static_cast<std::uint32_t>(config.networks.size());
      const bool external = std::any_of(spec_.pool.hosts.begin(), spec_.pool.hosts.end(), [&](const HostSpec& h) {
        return std::any_of(h.pif_networks.begin(), h.pif_networks.end(),
                           [&](const PifSpec& pif) { return pif.network.name == n.name; });
      });
      config.networks.push_back(models::NetworkConfig{n.name, external});
    }
    for (const std::size_t i : order_) {
      const HostSpec& host = spec_.pool.hosts[i];
      const models::Interface management = interface(host.name, host.management.name);
      // xhad's bond monitor reads a Linux bond's status: only the bridge backend has one (docs/model.md).
      const bool bond_monitor = spec_.pool.network_backend == NetworkBackend::bridge &&
                                management.kind == models::Interface::Kind::bond;
      // The management interface's speed, a bond's slowest member's: a migration stream uses one member.
      std::uint64_t bits_per_second = 0;
      for (const NicSpec& nic : host.nics) {
        if (carries(host, host.management.name, nic.name) && (bits_per_second == 0 || nic.speed < bits_per_second)) {
          bits_per_second = nic.speed;
        }
      }
      models::HostConfig h{host.name, host.memory, host.boot_time, management,
                           host.control_domain_memory, bond_monitor, bits_per_second / 8, {}};
      h.pifs.resize(config.networks.size());
      for (const PifSpec& pif : host.pif_networks) {
        h.pifs[network_index.at(pif.network.name)] = interface(host.name, pif.interface.name);
      }
      for (const BondSpec& bond : host.bonds) {
        if (bond.members.size() >= 2) h.bonds.push_back(interface(host.name, bond.name).index);
      }
      config.hosts.push_back(std::move(h));
      if (host.master) config.master = host_rank_.at(host.name);
      sim_->host_names_.push_back(host.name);
    }
    for (const VmSpec& vm : spec_.pool.vms) {
      models::VmConfig v;
      v.name = vm.name;
      v.memory = vm.memory;
      if (!vm.host.name.empty()) v.host = host_rank_.at(vm.host.name);
      v.priority = to_model(vm.ha.restart_priority);
      v.order = vm.ha.order;
      v.start_delay = vm.ha.start_delay;
      v.boot_time = vm.boot_time;
      v.agile = agile(vm);
      v.cd_inserted = vm.cd_inserted;
      v.always_run_when_halted = vm.always_run_when_halted;
      for (const Ref& disk : vm.disks) {
        const models::ArrayIndex array = arrays_.at(disk.name);
        if (std::find(v.disks.begin(), v.disks.end(), array) == v.disks.end()) v.disks.push_back(array);
      }
      for (const Ref& network : vm.networks) {
        const std::uint32_t index = network_index.at(network.name);
        if (std::find(v.networks.begin(), v.networks.end(), index) == v.networks.end()) v.networks.push_back(index);
      }
      vm_index_[vm.name] = static_cast<models::VmIndex>(config.vms.size());
      config.vms.push_back(std::move(v));
      sim_->vm_names_.push_back(vm.name);
    }
    const HaSpec& ha = spec_.pool.ha;
    config.heartbeats = options_.heartbeats;
    config.placement_seed = RandomStreams(spec_.seed).stream_seed("xapi/placement");
    config.ha_enabled = ha.enabled;
    if (!ha.heartbeat_sr.name.empty()) config.heartbeat_sr = arrays_.at(ha.heartbeat_sr.name);
    config.host_failures_to_tolerate = ha.host_failures_to_tolerate;
    config.allow_overcommit = ha.allow_overcommit;
    config.ha = models::HaTimers::derive(ha.timeout, to_model(ha.interval_formula));
    const HaTimerOverrides& o = ha.overrides;
    if (o.network_interval) config.ha.network_interval = *o.network_interval;
    if (o.statefile_interval) config.ha.statefile_interval = *o.statefile_interval;
    if (o.heartbeat_timeout) config.ha.heartbeat_timeout = *o.heartbeat_timeout;
    if (o.statefile_timeout) config.ha.statefile_timeout = *o.statefile_timeout;
    if (o.heartbeat_watchdog) config.ha.heartbeat_watchdog = *o.heartbeat_watchdog;
    if (o.statefile_watchdog) config.ha.statefile_watchdog = *o.statefile_watchdog;
    if (o.join_timeout) config.ha.join_timeout = *o.join_timeout;
    config.xapi.master_poll_interval = ha.xapi.master_poll_interval;
    config.xapi.monitor_interval = ha.xapi.monitor_interval;
    config.xapi.restart_retry_delay = ha.xapi.restart_retry_delay;
    config.xapi.plan_interval = ha.xapi.plan_interval;
    config.xapi.health_check_interval = ha.xapi.health_check_interval;
    config.xapi.health_check_timeout = ha.xapi.health_check_timeout;
    config.xapi.restart_timeout = ha.xapi.restart_timeout;
    config.xapi.restart_attempts = ha.xapi.restart_attempts;
    sim_->pool_ = std::make_unique<models::Pool>(sim_->queue_, sim_->bus_, sim_->network_, sim_->storage_,
                                                 std::move(config));
  }

  void schedule_faults() {
    Simulation& sim = *sim_;
    for (const FaultSpec& fault : spec_.faults) {
      const SimTime at = SimTime::zero() + fault.at;
      const auto host = [&] { return host_rank_.at(fault.host.name); };
      const auto nics = [&] {
        std::vector<models::NicIndex> out;
        for (const Ref& nic : fault.nics) out.push_back(interface(fault.host.name, nic.name).index);
        return out;
      };
      switch (fault.verb) {
        case FaultVerb::crash: schedule(at, [&sim, h = host()] { sim.pool_->crash(h); }); break;
        case FaultVerb::power_on: schedule(at, [&sim, h = host()] { sim.pool_->power_on(h); }); break;
        case FaultVerb::reboot: schedule(at, [&sim, h = host()] { sim.pool_->reboot(h); }); break;
        case FaultVerb::xapi_hang: schedule(at, [&sim, h = host()] { sim.pool_->xapi_hang(h); }); break;
        case FaultVerb::xapi_crash: schedule(at, [&sim, h = host()] { sim.pool_->xapi_crash(h); }); break;
        case FaultVerb::xapi_disable: schedule(at, [&sim, h = host()] { sim.pool_->xapi_disable(h); }); break;
        case FaultVerb::xapi_restore: schedule(at, [&sim, h = host()] { sim.pool_->xapi_restore(h); }); break;
        case FaultVerb::unplug:
          schedule(at, [&sim, n = nics()] { for (const models::NicIndex nic : n) sim.network_.unplug(nic); });
          break;
        case FaultVerb::replug:
          schedule(at, [&sim, n = nics()] { for (const models::NicIndex nic : n) sim.network_.replug(nic); });
          break;
        case FaultVerb::switch_fail:
          schedule(at, [&sim, s = switches_.at(fault.on_switch.name)] { sim.network_.fail_switch(s); });
          break;
        case FaultVerb::switch_restore:
          schedule(at, [&sim, s = switches_.at(fault.on_switch.name)] { sim.network_.restore_switch(s); });
          break;
        case FaultVerb::lacp_fail:
          schedule(at, [&sim, s = switches_.at(fault.on_switch.name)] { sim.network_.silence_lacp(s); });
          break;
        case FaultVerb::lacp_restore:
          schedule(at, [&sim, s = switches_.at(fault.on_switch.name)] { sim.network_.resume_lacp(s); });
          break;
        case FaultVerb::portal_fail:
          schedule(at, [&sim, p = portals_.at(fault.portal.name)] { sim.storage_.fail_portal(p); });
          break;
        case FaultVerb::portal_restore:
          schedule(at, [&sim, p = portals_.at(fault.portal.name)] { sim.storage_.restore_portal(p); });
          break;
        case FaultVerb::storage_fail:
          schedule(at, [&sim, a = arrays_.at(fault.storage.name)] { sim.storage_.fail_array(a); });
          break;
        case FaultVerb::storage_restore:
          schedule(at, [&sim, a = arrays_.at(fault.storage.name)] { sim.storage_.restore_array(a); });
          break;
        case FaultVerb::partition: {
          std::vector<std::vector<models::HostIndex>> groups;
          for (const std::vector<Ref>& group : fault.groups) {
            groups.emplace_back();
            for (const Ref& h : group) groups.back().push_back(host_rank_.at(h.name));
          }
          schedule(at, [&sim, g = std::move(groups)] { sim.pool_->partition(g); });
          break;
        }
        case FaultVerb::heal: schedule(at, [&sim] { sim.pool_->heal(); }); break;
        case FaultVerb::enter_maintenance: {
          std::optional<models::HostIndex> new_master;
          if (!fault.new_master.name.empty()) new_master = host_rank_.at(fault.new_master.name);
          schedule(at, [&sim, h = host(), new_master] { sim.pool_->enter_maintenance(h, new_master); });
          break;
        }
        case FaultVerb::exit_maintenance: schedule(at, [&sim, h = host()] { sim.pool_->exit_maintenance(h); }); break;
        case FaultVerb::vm_start: {
          std::optional<models::HostIndex> on;
          if (!fault.host.name.empty()) on = host();
          schedule(at, [&sim, v = vm_index_.at(fault.vm.name), on] { sim.pool_->vm_start(v, on); });
          break;
        }
        case FaultVerb::vm_shutdown:
          schedule(at, [&sim, v = vm_index_.at(fault.vm.name)] { sim.pool_->vm_shutdown(v); });
          break;
        case FaultVerb::insert_cd:
          schedule(at, [&sim, v = vm_index_.at(fault.vm.name)] { sim.pool_->insert_cd(v); });
          break;
        case FaultVerb::eject_cd:
          schedule(at, [&sim, v = vm_index_.at(fault.vm.name)] { sim.pool_->eject_cd(v); });
          break;
        case FaultVerb::ha_disable: schedule(at, [&sim] { sim.pool_->ha_disable(); }); break;
        case FaultVerb::ha_enable: schedule(at, [&sim] { sim.pool_->ha_enable(); }); break;
        case FaultVerb::set_ntol:
          schedule(at, [&sim, value = fault.value] { sim.pool_->set_ntol(value); });
          break;
      }
    }
  }

  // Random faults: one failure process per (element, target), each with its own stream (random_faults.hpp).
  // Targets in file order; the stream path names the element's index and the target, nothing else.
  void start_failure_processes() {
    Simulation& sim = *sim_;
    const RandomStreams streams(spec_.seed);
    for (std::size_t index = 0; index < spec_.random_faults.size(); ++index) {
      const RandomFaultSpec& rf = spec_.random_faults[index];
      const std::string prefix = "random/" + std::to_string(index) + "/";
      const auto add = [&](const std::string& path, std::function<void()> fail, std::function<void()> repair) {
        auto process = std::make_unique<FailureProcess>(sim.queue_, streams.stream(prefix + path), rf.mtbf, rf.repair,
                                                        std::move(fail), std::move(repair));
        process->start();
        sim.failure_processes_.push_back(std::move(process));
      };
      switch (rf.target) {
        case RandomTarget::hosts:
          for (const HostSpec& host : spec_.pool.hosts) {
            const models::HostIndex h = host_rank_.at(host.name);
            const std::string path = "host/" + host.name;
            switch (rf.verb) {
              case FaultVerb::crash:
                add(path, [&sim, h] { sim.pool_->crash(h); }, [&sim, h] { sim.pool_->power_on(h); });
                break;
              case FaultVerb::reboot: add(path, [&sim, h] { sim.pool_->reboot(h); }, [] {}); break;
              case FaultVerb::xapi_hang:
                add(path, [&sim, h] { sim.pool_->xapi_hang(h); }, [&sim, h] { sim.pool_->xapi_restore(h); });
                break;
              case FaultVerb::xapi_crash:
                add(path, [&sim, h] { sim.pool_->xapi_crash(h); }, [&sim, h] { sim.pool_->xapi_restore(h); });
                break;
              case FaultVerb::xapi_disable:
                add(path, [&sim, h] { sim.pool_->xapi_disable(h); }, [&sim, h] { sim.pool_->xapi_restore(h); });
                break;
              default: throw std::logic_error("random fault verb not valid for hosts reached the builder");
            }
          }
          break;
        case RandomTarget::nics:
          for (const HostSpec& host : spec_.pool.hosts) {
            for (const NicSpec& nic : host.nics) {
              const models::NicIndex n = interface(host.name, nic.name).index;
              add("host/" + host.name + "/nic/" + nic.name, [&sim, n] { sim.network_.unplug(n); },
                  [&sim, n] { sim.network_.replug(n); });
            }
          }
          break;
        case RandomTarget::switches:
          for (const SwitchSpec& sw : spec_.pool.switches) {
            const models::SwitchIndex s = switches_.at(sw.name);
            add("switch/" + sw.name, [&sim, s] { sim.network_.fail_switch(s); },
                [&sim, s] { sim.network_.restore_switch(s); });
          }
          break;
        case RandomTarget::portals:
          for (const StorageSpec& sr : spec_.pool.storage) {
            for (const PortalSpec& portal : sr.portals) {
              const models::PortalIndex p = portals_.at(portal.name);
              add("portal/" + portal.name, [&sim, p] { sim.storage_.fail_portal(p); },
                  [&sim, p] { sim.storage_.restore_portal(p); });
            }
          }
          break;
        case RandomTarget::storage:
          for (const StorageSpec& sr : spec_.pool.storage) {
            const models::ArrayIndex a = arrays_.at(sr.name);
            add("storage/" + sr.name, [&sim, a] { sim.storage_.fail_array(a); },
                [&sim, a] { sim.storage_.restore_array(a); });
          }
          break;
      }
    }
  }

  template <typename F>
  void schedule(SimTime at, F&& action) {
    sim_->queue_.schedule_at(at, Phase::fault, std::forward<F>(action));
  }

  std::vector<Service> resolve_services() const {
    std::vector<Service> out;
    for (const ServiceSpec& spec : spec_.services) {
      Service service{spec.name, {}, static_cast<std::size_t>(spec.need)};
      for (const Ref& vm : spec.vms) service.vms.push_back(vm_index_.at(vm.name));
      out.push_back(std::move(service));
    }
    return out;
  }

  std::vector<Expectation> resolve_expectations() const {
    std::vector<Expectation> out;
    for (const ExpectationSpec& spec : spec_.expectations) {
      Expectation e;
      e.kind = spec.kind;
      if (!spec.host.name.empty()) e.host = host_rank_.at(spec.host.name);
      if (!spec.vm.name.empty()) e.vm = vm_index_.at(spec.vm.name);
      if (!spec.on.name.empty()) e.on = host_rank_.at(spec.on.name);
      if (!spec.started_after.name.empty()) e.started_after = vm_index_.at(spec.started_after.name);
      for (std::size_t i = 0; i < spec_.services.size(); ++i) {
        if (spec_.services[i].name == spec.service.name) e.service = i;
      }
      e.host_state = to_model(spec.host_state);
      e.vm_state = to_model(spec.vm_state);
      e.vm_never = spec.vm_never;
      e.alert = spec.alert.name;
      e.at_least = spec.at_least;
      e.downtime_at_most = spec.downtime_at_most;
      e.earliest = SimTime::zero() + spec.earliest;
      e.latest = SimTime::zero() + spec.latest;
      e.pos = spec.pos;
      e.text = expectation_text(spec);
      out.push_back(std::move(e));
    }
    return out;
  }

  const ScenarioSpec& spec_;
  std::string file_;
  BuildOptions options_;
  std::vector<Diagnostic> diagnostics_;
  std::unique_ptr<Simulation> sim_;
  std::vector<std::size_t> order_;
  std::map<std::string, models::HostIndex> host_rank_;
  std::map<std::string, models::VmIndex> vm_index_;
  std::map<std::string, models::SwitchIndex> switches_;
  std::map<std::string, models::ArrayIndex> arrays_;
  std::map<std::string, models::PortalIndex> portals_;
  std::map<std::string, std::map<std::string, models::Interface>> interfaces_;  // host -> name -> interface
};

BuildResult build_simulation(const ScenarioSpec& spec, const std::string& file, const BuildOptions& options) {
  return SimulationBuilder(spec, file, options).build();
}

}  // namespace poolsim::scenario
