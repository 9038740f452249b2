#include "validate.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <set>

#include "poolsim/models/records.hpp"
#include "poolsim/scenario/parameters.hpp"
#include "poolsim/scenario/size.hpp"

namespace poolsim::scenario::detail {
namespace {

std::string quoted(const std::string& word) { return "'" + word + "'"; }

constexpr std::size_t max_pool_hosts = 64;  // XenServer's documented pool size limit (see check_hosts)

// A UUID's hex digits in lower case: xapi compares UUIDs as values, so 'ABC...' and 'abc...' are one host.
std::string lowercase(std::string text) {
  for (char& c : text) c = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  return text;
}

// A NameTable holds the names of one kind of element (in one scope), reports a name defined twice, and checks
// references: "unknown host 'xs9'; did you mean 'xs1'?" or, in a scope, "host 'xs1' has no nic 'eth9'".
class NameTable {
 public:
  NameTable(Reporter& reporter, std::string noun, std::string scope, std::string where, bool report_twice = true)
      : reporter_(reporter), noun_(std::move(noun)), scope_(std::move(scope)), where_(std::move(where)),
        report_twice_(report_twice) {}

  // Defines `name`, the element at `index` of its list. The first definition of a name is the one references
  // resolve to; a nameless element (its bad name already reported) is left out, so indices may skip.
  void define(const std::string& name, SourcePos pos, std::size_t index) {
    if (name.empty()) return;  // already reported
    if (const auto it = index_.find(name); it != index_.end()) {
      if (report_twice_) {
        reporter_.error(pos, noun_ + " " + quoted(name) + (scope_.empty() ? "" : " of " + scope_) +
                                 " is defined twice (first at " + reporter_.where(it->second.pos) + ")");
      }
      return;
    }
    index_.emplace(name, Definition{index, pos});
    names_.push_back(name);
  }

  std::optional<std::size_t> find(const std::string& name) const {
    const auto it = index_.find(name);
    return it == index_.end() ? std::nullopt : std::optional<std::size_t>(it->second.index);
  }

  // The list index of the element `ref` names; reports a name that is not defined. Empty refs are skipped.
  std::optional<std::size_t> resolve(const Ref& ref) const {
    if (ref.name.empty()) return std::nullopt;
    if (const auto index = find(ref.name)) return index;
    const std::string fix = suggestion(ref.name, names_, "; define it in " + where_);
    reporter_.error(ref.pos, scope_.empty() ? "unknown " + noun_ + " " + quoted(ref.name) + fix
                                            : scope_ + " has no " + noun_ + " " + quoted(ref.name) + fix);
    return std::nullopt;
  }

  std::size_t size() const { return names_.size(); }

 private:
  Reporter& reporter_;
  std::string noun_;
  std::string scope_;
  std::string where_;
  bool report_twice_;
  struct Definition {
    std::size_t index;  // in the element's list (pool.hosts, a host's nics, ...)
    SourcePos pos;
  };
  std::vector<std::string> names_;  // defined names, in file order (for suggestions)
  std::map<std::string, Definition> index_;
};

template <typename Spec>
void define_all(NameTable& table, const std::vector<Spec>& elements) {
  for (std::size_t i = 0; i < elements.size(); ++i) table.define(elements[i].name, elements[i].pos, i);
}

// Everything the checks look names up in.
class Checker {
 public:
  Checker(const ScenarioSpec& spec, Reporter& reporter)
      : spec_(spec), pool_(spec.pool), reporter_(reporter),
        switches_(reporter, "switch", "", "pool.switches"),
        srs_(reporter, "SR", "", "pool.storage"),
        portals_(reporter, "portal", "", "the portals of pool.storage"),
        networks_(reporter, "network", "", "pool.networks"),
        hosts_(reporter, "host", "", "pool.hosts"),
        vms_(reporter, "vm", "", "pool.vms"),
        services_(reporter, "service", "", "services") {}

  void run() {
    define_all(switches_, pool_.switches);
    define_all(srs_, pool_.storage);
    for (const StorageSpec& sr : pool_.storage) define_all(portals_, sr.portals);
    define_all(networks_, pool_.networks);
    define_all(hosts_, pool_.hosts);
    define_all(vms_, pool_.vms);
    check_switches();
    check_storage();
    check_hosts();
    check_ha();
    check_vms();
    for (const FaultSpec& fault : spec_.faults) check_fault(fault);
    define_all(services_, spec_.services);
    for (const ServiceSpec& service : spec_.services) check_service(service);
    for (const ExpectationSpec& expectation : spec_.expectations) check_expectation(expectation);
  }

 private:
  // Per host: its NICs, its interfaces (NICs and bonds), and the bond each bonded NIC belongs to.
  struct HostInterfaces {
    std::unique_ptr<NameTable> nics;
    std::unique_ptr<NameTable> interfaces;
    std::map<std::string, std::string> bond_of;
  };

  void check_switches() {
    for (const SwitchSpec& sw : pool_.switches) {
      for (const Ref& link : sw.links) {
        if (link.name == sw.name) {
          reporter_.error(link.pos, "switch " + quoted(sw.name) + " links to itself; remove it from its links");
        } else {
          switches_.resolve(link);
        }
      }
    }
  }

  void check_storage() {
    for (const StorageSpec& sr : pool_.storage) {
      for (const PortalSpec& portal : sr.portals) switches_.resolve(portal.on_switch);
      hosts_.resolve(sr.host);
    }
  }

  void check_hosts() {
    if (pool_.hosts.empty() && pool_.pos.line > 0) {  // a missing 'pool' is reported already
      reporter_.error(pool_.pos, "the pool has no hosts; add at least one under 'hosts'");
    }
    if (pool_.hosts.empty()) return;
    std::vector<const HostSpec*> masters;
    NameTable uuids(reporter_, "uuid (compared without case)", "", "");
    const HostSpec* with_uuid = nullptr;
    for (std::size_t h = 0; h < pool_.hosts.size(); ++h) {
      const HostSpec& host = pool_.hosts[h];
      uuids.define(lowercase(host.uuid), host.pos, h);  // the tie-break compares them so too (tie_break_order)
      if (!host.uuid.empty() && !with_uuid) with_uuid = &host;
      if (host.master) masters.push_back(&host);
      if (!host.name.empty()) check_host(host);
    }
    for (const HostSpec& host : pool_.hosts) {
      if (with_uuid && host.uuid.empty()) {
        reporter_.error(host.pos, "host " + quoted(host.name) + " has no uuid but host " + quoted(with_uuid->name) +
                                      " has one; give every host a uuid, or none (hosts then rank in file order)");
        break;
      }
    }
    // XenServer's documented configuration limits allow 64 hosts in a pool (XenServer 8, Citrix Hypervisor 8.2
    // "Configuration limits": hosts per resource pool). A larger pool is simulated, with a warning.
    if (pool_.hosts.size() > max_pool_hosts) {
      reporter_.warning(pool_.hosts[max_pool_hosts].pos,
                        "the pool has " + std::to_string(pool_.hosts.size()) + " hosts, above XenServer's documented "
                        "limit of 64 hosts per pool; the simulation runs, but no supported pool is this large "
                        "(split it into pools of 64 hosts or fewer)");
    }
    if (masters.empty()) {
      reporter_.error(pool_.hosts.front().pos,
                      "no host is the pool master; add 'master: true' to one host (a pool has exactly one master)");
    }
    for (std::size_t i = 1; i < masters.size(); ++i) {
      reporter_.error(masters[i]->pos, "host " + quoted(masters[i]->name) + " is a master too (host " +
                                           quoted(masters[0]->name) + " at " + reporter_.where(masters[0]->pos) +
                                           " is one); a pool has exactly one master, remove one 'master: true'");
    }
  }

  void check_host(const HostSpec& host) {
    const std::string scope = "host " + quoted(host.name);
    HostInterfaces& own = interfaces_[host.name] = HostInterfaces{};  // a host defined twice starts afresh
    own.nics = std::make_unique<NameTable>(reporter_, "nic", scope, "the nics of " + scope, false);
    own.interfaces = std::make_unique<NameTable>(reporter_, "interface", scope, "the nics or bonds of " + scope);
    define_all(*own.nics, host.nics);
    define_all(*own.interfaces, host.nics);
    define_all(*own.interfaces, host.bonds);
    for (const NicSpec& nic : host.nics) switches_.resolve(nic.on_switch);

    for (const BondSpec& bond : host.bonds) {
      const std::string bond_name = "bond " + quoted(bond.name) + " of " + scope;
      if (bond.members.size() == 1) {
        reporter_.error(bond.pos, bond_name + " has one member; a bond needs two nics or more");
      }
      const SwitchSpec* without_lacp = nullptr;
      for (const Ref& member : bond.members) {
        const auto nic = own.nics->resolve(member);
        if (!nic) continue;
        if (const auto [it, added] = own.bond_of.emplace(member.name, bond.name); !added) {
          reporter_.error(member.pos, it->second == bond.name
                                          ? "nic " + quoted(member.name) + " is listed twice in " + bond_name +
                                                "; list it once"
                                          : "nic " + quoted(member.name) + " of " + scope + " is in bond " +
                                                quoted(it->second) + " and bond " + quoted(bond.name) +
                                                "; a nic belongs to one bond at most");
        }
        const auto sw = switches_.find(host.nics[*nic].on_switch.name);
        if (sw && !pool_.switches[*sw].lacp && !without_lacp) without_lacp = &pool_.switches[*sw];
      }
      // XenServer cannot see the switch's configuration: it creates the bond, which runs in active-backup fallback
      // (xapi sets lacp-fallback-ab on every LACP bond; docs/model.md "LACP"). A warning, so it can be simulated.
      if (needs_lacp(bond.mode) && pool_.network_backend == NetworkBackend::bridge) {
        reporter_.error(bond.pos, bond_name + " is " + std::string(to_string(bond.mode)) +
                                      " but the pool's network_backend is bridge; XenServer bonds with LACP only on "
                                      "Open vSwitch: use network_backend: openvswitch, or mode active_backup or "
                                      "active_active");
      } else if (needs_lacp(bond.mode) && without_lacp) {
        reporter_.warning(bond.pos, bond_name + " is " + std::string(to_string(bond.mode)) + " but switch " +
                                        quoted(without_lacp->name) +
                                        " has no LACP; the bond runs in active-backup fallback. Set 'lacp: true' on "
                                        "the switch or use active_backup");
      }
    }
    check_interface(host, host.management);
    for (const Ref& via : host.storage_via) {
      // Without `storage_via` the loader copies the management interface (same position): checked above.
      const bool defaulted = via.pos.line == host.management.pos.line && via.pos.column == host.management.pos.column;
      if (!defaulted) check_interface(host, via);
    }
    for (const PifSpec& pif : host.pif_networks) {
      if (const auto network = networks_.resolve(pif.network)) hosts_on_network_[*network].insert(host.name);
      check_interface(host, pif.interface);
    }
  }

  // An interface a host uses: one of its NICs or bonds, and not a NIC that is in a bond.
  void check_interface(const HostSpec& host, const Ref& ref) {
    const HostInterfaces& own = interfaces_[host.name];
    if (!own.interfaces->resolve(ref)) return;
    if (const auto it = own.bond_of.find(ref.name); it != own.bond_of.end()) {
      reporter_.error(ref.pos, "nic " + quoted(ref.name) + " of host " + quoted(host.name) + " is in bond " +
                                   quoted(it->second) + "; use " + quoted(it->second) + " instead");
    }
  }

  void check_ntol(std::int64_t ntol, SourcePos pos, const std::string& what) {
    const auto hosts = static_cast<std::int64_t>(pool_.hosts.size());
    if (hosts > 0 && ntol > hosts - 1) {
      reporter_.error(pos, what + " is " + std::to_string(ntol) + " but the pool has " + std::to_string(hosts) +
                               " host" + (hosts == 1 ? "" : "s") + "; it can be at most " +
                               std::to_string(hosts - 1) + " (hosts - 1)");
    }
  }

  void check_ha() {
    const HaSpec& ha = pool_.ha;
    const auto sr = srs_.resolve(ha.heartbeat_sr);
    if (ha.enabled && ha.heartbeat_sr.name.empty()) {
      reporter_.error(ha.pos, "'ha' is enabled without a heartbeat SR; add 'heartbeat_sr: NAME', a shared SR of " +
                                  format_size(heartbeat_sr_min_size) + " or more");
    }
    if (sr) {
      const StorageSpec& heartbeat = pool_.storage[*sr];
      if (heartbeat.type == StorageType::local) {
        reporter_.error(ha.heartbeat_sr.pos, "heartbeat SR " + quoted(heartbeat.name) +
                                                 " is local; the statefile needs a shared SR (iscsi, nfs or fc)");
      }
      if (heartbeat.size > 0 && heartbeat.size < heartbeat_sr_min_size) {
        reporter_.error(ha.heartbeat_sr.pos, "heartbeat SR " + quoted(heartbeat.name) + " holds " +
                                                 format_size(heartbeat.size) + "; XenServer needs " +
                                                 format_size(heartbeat_sr_min_size) +
                                                 " or more for the statefile and the pool metadata");
      }
    }
    check_ntol(ha.host_failures_to_tolerate, ha.pos, "'host_failures_to_tolerate'");
  }

  // Why a VM is not agile (docs/model.md "VMs and their HA plan"), in XenServer's words; empty when it is.
  std::vector<std::string> agility_problems(const VmSpec& vm) {
    std::vector<std::string> reasons;
    for (const Ref& network : vm.networks) {
      const auto index = networks_.find(network.name);
      if (index && !(pool_.networks[*index].shared && hosts_on_network_[*index].size() == hosts_.size())) {
        reasons.push_back("not using a shared network (" + quoted(network.name) + ")");
      }
    }
    for (const Ref& disk : vm.disks) {
      const auto index = srs_.find(disk.name);
      if (index && pool_.storage[*index].type == StorageType::local) {
        reasons.push_back("disk on a non-shared SR (" + quoted(disk.name) + ")");
      }
    }
    if (vm.cd_inserted) reasons.push_back("a CD is inserted");
    return reasons;
  }

  void check_vms() {
    std::vector<std::uint64_t> resident_memory(pool_.hosts.size(), 0);
    for (const VmSpec& vm : pool_.vms) {
      const auto host = hosts_.resolve(vm.host);
      if (host) resident_memory[*host] += vm.memory;
      for (const Ref& network : vm.networks) networks_.resolve(network);
      for (const Ref& disk : vm.disks) {
        const auto sr = srs_.resolve(disk);
        if (!sr || !host) continue;
        const StorageSpec& storage = pool_.storage[*sr];
        if (storage.type == StorageType::local && !storage.host.name.empty() && storage.host.name != vm.host.name) {
          reporter_.error(disk.pos, "vm " + quoted(vm.name) + " runs on host " + quoted(vm.host.name) +
                                        " but its disk SR " + quoted(storage.name) + " is local to host " +
                                        quoted(storage.host.name) + "; run it there or use a shared SR");
        }
      }
      const std::string priority(to_string(vm.ha.restart_priority));
      const std::vector<std::string> reasons = agility_problems(vm);
      if (!pool_.ha.enabled || reasons.empty() || vm.ha.restart_priority == RestartPriority::do_not_restart) continue;
      const std::string message = "vm " + quoted(vm.name) + " has restart_priority " + priority + " but is not agile: " +
                                  join_words(reasons, reasons.size());
      if (vm.ha.restart_priority == RestartPriority::restart) {
        reporter_.error(vm.pos, message + "; HA refuses to protect it, fix these or use best_effort");
      } else {
        reporter_.warning(vm.pos, message + "; it may not come back after a host failure");
      }
    }
    // A VM HA should restart that fits no host: xapi accepts the priority (it is a field), but every start is
    // refused by the memory check (memory_check.ml host_compute_free_memory_with_policy), so it never runs.
    // One placed on a host at start is already an error below (its host is overcommitted).
    const std::uint64_t largest = largest_host_vm_memory(pool_);
    for (const VmSpec& vm : pool_.vms) {
      if (vm.ha.restart_priority != RestartPriority::restart || vm.memory <= largest || pool_.hosts.empty() ||
          !vm.host.name.empty()) {
        continue;
      }
      reporter_.warning(vm.pos, "vm " + quoted(vm.name) + " has restart_priority restart and " +
                                    format_size(vm.memory) + " of memory, but the largest host has " +
                                    format_size(largest) + " for vms; it can never start; give it less memory "
                                    "or a host more");
    }
    for (std::size_t h = 0; h < pool_.hosts.size(); ++h) {
      const HostSpec& host = pool_.hosts[h];
      if (host.memory > 0 && host.control_domain_memory >= host.memory) {
        reporter_.error(host.pos, "host " + quoted(host.name) + " has " + format_size(host.memory) +
                                      " of memory and a control domain of " + format_size(host.control_domain_memory) +
                                      "; the control domain must leave memory to VMs");
      } else if (host.memory > 0 && resident_memory[h] > host.memory - host.control_domain_memory) {
        reporter_.error(host.pos, "host " + quoted(host.name) + " has " +
                                      format_size(host.memory - host.control_domain_memory) +
                                      " of memory for vms but its vms need " + format_size(resident_memory[h]) +
                                      " at start; add memory or move vms to other hosts");
      }
    }
  }

  void check_fault(const FaultSpec& fault) {
    const std::string verb(to_string(fault.verb));
    const auto host = hosts_.resolve(fault.host);
    if (host) {
      const NameTable& nics = *interfaces_.at(pool_.hosts[*host].name).nics;  // check_host ran for every named host
      for (const Ref& nic : fault.nics) nics.resolve(nic);
    }
    switches_.resolve(fault.on_switch);
    portals_.resolve(fault.portal);
    srs_.resolve(fault.storage);
    vms_.resolve(fault.vm);
    if (hosts_.resolve(fault.new_master) && fault.new_master.name == fault.host.name) {
      reporter_.error(fault.new_master.pos, "'new_master' is the host entering maintenance; name another host");
    }
    std::set<std::string> partitioned;
    for (const std::vector<Ref>& group : fault.groups) {
      for (const Ref& member : group) {
        if (hosts_.resolve(member) && !partitioned.insert(member.name).second) {
          reporter_.error(member.pos, "host " + quoted(member.name) +
                                          " is in two partition groups; put each host in one group");
        }
      }
    }
    if (fault.verb == FaultVerb::set_ntol) check_ntol(fault.value, fault.pos, "'value' of 'set_ntol'");
    if (spec_.until > Duration::zero() && fault.at > spec_.until) {
      reporter_.warning(fault.pos, "fault '" + verb + "' at " + format_duration(fault.at) +
                                       " comes after the end of the run (until " + format_duration(spec_.until) +
                                       "); it never happens, move it or raise 'until'");
    }
  }

  // An alert expectation names one of XenServer's messages that the model raises (models::alert_table).
  void check_alert_name(const Ref& alert) {
    if (alert.name.empty()) return;  // already reported
    std::vector<std::string> names;
    for (const models::AlertSpec& a : models::alert_table) names.emplace_back(a.name);
    if (std::find(names.begin(), names.end(), alert.name) != names.end()) return;
    std::string upper = alert.name;
    for (char& c : upper) c = c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    std::string fix;
    if (std::find(names.begin(), names.end(), upper) != names.end()) {
      fix = "; alert names are upper case: write " + quoted(upper);
    } else if (const auto close = closest_word(upper, names)) {
      fix = "; did you mean " + quoted(*close) + "?";
    } else {
      // The alerts that share a word with it ('HOST' in 'HA_HOST_DOWN'), else all of them.
      std::vector<std::string> near;
      for (const std::string& name : names) {
        std::size_t start = 0;
        while (start <= upper.size()) {
          const std::size_t end = std::min(upper.find('_', start), upper.size());
          const std::string word = "_" + upper.substr(start, end - start) + "_";
          if (end > start + 2 && ("_" + name + "_").find(word) != std::string::npos &&
              word != "_HA_" && word != "_POOL_") {
            near.push_back(name);
            break;
          }
          start = end + 1;
        }
      }
      fix = near.empty() ? "; the alerts poolsim raises are " + join_words(names)
                         : "; close names: " + join_words(near) + " (docs/model.md \"Alerts\")";
    }
    reporter_.error(alert.pos, "unknown alert " + quoted(alert.name) + fix);
  }

  // A service names each of its VMs once, at least one, and needs no more of them than it has.
  void check_service(const ServiceSpec& service) {
    const std::string what = "service " + quoted(service.name);
    if (service.vms.empty()) {
      reporter_.error(service.pos, what + " names no vm; list them, e.g. 'vms: [dns1, dns2]'");
      return;
    }
    std::map<std::string, SourcePos> seen;
    for (const Ref& vm : service.vms) {
      vms_.resolve(vm);
      if (const auto [it, fresh] = seen.emplace(vm.name, vm.pos); !fresh) {
        reporter_.error(vm.pos, what + " names vm " + quoted(vm.name) + " twice (first at " + reporter_.where(it->second) +
                                    "); name each vm once");
      }
    }
    if (service.need > static_cast<std::int64_t>(service.vms.size())) {
      reporter_.error(service.pos, what + " needs " + std::to_string(service.need) + " vms but names " +
                                       std::to_string(service.vms.size()) + "; lower 'need' or name more vms");
    }
  }

  void check_expectation(const ExpectationSpec& expectation) {
    services_.resolve(expectation.service);
    hosts_.resolve(expectation.host);
    hosts_.resolve(expectation.on);
    vms_.resolve(expectation.vm);
    if (vms_.resolve(expectation.started_after) && expectation.started_after.name == expectation.vm.name) {
      reporter_.error(expectation.started_after.pos,
                      "vm " + quoted(expectation.vm.name) + " cannot start after itself; name another vm");
    }
    if (expectation.kind == ExpectKind::alert_by || expectation.kind == ExpectKind::alert_never) {
      check_alert_name(expectation.alert);
    }
    if (spec_.until > Duration::zero() && expectation.latest > spec_.until) {
      reporter_.warning(expectation.pos, "expectation at " + format_duration(expectation.latest) +
                                             " comes after the end of the run (until " +
                                             format_duration(spec_.until) + "); raise 'until' to check it");
    }
  }

  const ScenarioSpec& spec_;
  const PoolSpec& pool_;
  Reporter& reporter_;
  NameTable switches_, srs_, portals_, networks_, hosts_, vms_, services_;
  std::map<std::string, HostInterfaces> interfaces_;
  std::map<std::size_t, std::set<std::string>> hosts_on_network_;  // network index -> hosts with an interface on it
};

}  // namespace

void validate(const ScenarioSpec& spec, Reporter& reporter) {
  Checker(spec, reporter).run();
  check_sources(spec, reporter);
}

}  // namespace poolsim::scenario::detail
