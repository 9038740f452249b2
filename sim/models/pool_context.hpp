// What the components of a pool share: the kernel, the physical models, the configuration, the management
// network's partition, and each component. Components talk to each other only through this context; each
// owns its own state (host_machine, xhad and its heartbeat transport, statefile, fault_handler, xapi, the
// master's database, HA monitor and failover plan, the invariants).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "failover_plan.hpp"
#include "fault_handler.hpp"
#include "heartbeat_transport.hpp"
#include "host_machine.hpp"
#include "invariants.hpp"
#include "mpathalert.hpp"
#include "networkd.hpp"
#include "poolsim/kernel/event_bus.hpp"
#include "poolsim/kernel/event_queue.hpp"
#include "poolsim/models/network.hpp"
#include "poolsim/models/pool.hpp"
#include "poolsim/models/records.hpp"
#include "poolsim/models/storage.hpp"
#include "statefile.hpp"
#include "vm_service.hpp"
#include "xapi.hpp"
#include "xapi_database.hpp"
#include "xapi_ha_monitor.hpp"
#include "xapi_mon.hpp"
#include "xhad.hpp"

namespace poolsim::models {

struct PoolContext {
  PoolContext(EventQueue& q, EventBus& b, Network& n, Storage& s, PoolConfig c);

  EventQueue& queue;
  EventBus& bus;
  Network& network;
  Storage& storage;
  PoolConfig config;
  std::vector<std::vector<bool>> cut;  // the management network cut between two hosts (partition)

  HostMachines machines{*this};
  Statefile statefile{*this};
  Xhad xhad{*this};
  std::unique_ptr<HeartbeatTransport> transport;
  FaultHandler fault_handler{*this};
  Xapi xapi{*this};
  Xapimon xapimon{*this};
  XapiDatabase db{*this};
  HaMonitor monitor{*this};
  FailoverPlan plan{*this};
  Invariants invariants{*this};
  VmService service{*this};
  Networkd networkd{*this};
  Mpathalert mpathalert{*this};

  std::size_t n() const { return config.hosts.size(); }
  std::size_t vm_count() const { return config.vms.size(); }
  const std::string& name(HostIndex h) const { return config.hosts[h].name; }
  const VmConfig& vm_config(VmIndex v) const { return config.vms[v]; }
  std::string ha_source(HostIndex h) const { return name(h) + "/ha"; }
  std::string vm_source(VmIndex v) const { return "vm/" + config.vms[v].name; }
  void publish(std::string source, Rec id, std::vector<Detail> details = {});
  void alert(Alert id, std::vector<Detail> details = {});
  // An operation XenServer would refuse: `operation_refused op=… reason=…`, nothing changed.
  void refuse(std::string_view op, Refusal reason, std::vector<Detail> details = {});

  // Whether from's management network reaches to's (its links, and no partition between them).
  bool reaches(HostIndex from, HostIndex to) const;
  // After a change of reachability, statefile I/O or a daemon: the transport recomputes what reaches whom.
  void refresh();
  // Time 0: VMs on their hosts (in fact and in the database), xapi on every host, the master, HA if enabled.
  void start();
  // HA starts on every host (time 0, ha_enable), or stops on every host (ha_disable).
  void start_ha();
  void stop_ha();
};

}  // namespace poolsim::models

namespace poolsim::models {

// The Pool facade's state is the context itself.
struct Pool::Impl : PoolContext {
  using PoolContext::PoolContext;
};

}  // namespace poolsim::models
