#include "poolsim/scenario/emit.hpp"

#include <array>
#include <cmath>
#include <sstream>
#include <string_view>
#include <utility>
#include <vector>

#include "poolsim/scenario/enums.hpp"
#include "poolsim/scenario/size.hpp"

namespace poolsim::scenario {

namespace {

// A flow list of names: "[a, b]".
std::string names(const std::vector<Ref>& refs) {
  std::string out = "[";
  for (std::size_t i = 0; i < refs.size(); ++i) {
    if (i) out += ", ";
    out += refs[i].name;
  }
  out += ']';
  return out;
}

std::string dur(Duration d) { return format_duration(d); }

// A real with at most three decimals, as the format reads them ("1.5", "2").
std::string real(double value) {
  const auto thousandths = static_cast<std::int64_t>(std::llround(value * 1000));
  std::string out = std::to_string(thousandths / 1000);
  if (const std::int64_t frac = thousandths % 1000; frac != 0) {
    std::string digits = std::to_string(1000 + frac).substr(1);
    while (digits.back() == '0') digits.pop_back();
    out += "." + digits;
  }
  return out;
}

// One `key: value` entry of a flow mapping, appended when `value` is not empty.
void entry(std::vector<std::pair<std::string, std::string>>& out, std::string key, std::string value) {
  if (!value.empty()) out.emplace_back(std::move(key), std::move(value));
}

std::string flow(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::string out = "{";
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (i) out += ", ";
    out += entries[i].first;
    out += ": ";
    out += entries[i].second;
  }
  out += '}';
  return out;
}

void write_storage(std::ostream& out, const StorageSpec& sr) {
  out << "    - name: " << sr.name << "\n      type: " << to_string(sr.type) << "\n      size: " << format_size(sr.size)
      << '\n';
  if (!sr.portals.empty()) {
    out << "      portals:";
    for (const PortalSpec& p : sr.portals) out << "\n        - {name: " << p.name << ", switch: " << p.on_switch.name << '}';
    out << '\n';
  }
  if (sr.type == StorageType::iscsi || sr.type == StorageType::fc) {
    const MultipathSpec& m = sr.multipath;
    out << "      multipath: {polling_interval: " << dur(m.polling_interval) << ", no_path_retry: "
        << (m.no_path_retry ? std::to_string(*m.no_path_retry) : std::string("queue")) << ", failback: "
        << dur(m.failback);
    if (m.path_grouping_policy != PathGrouping::failover) {
      out << ", path_grouping_policy: " << to_string(m.path_grouping_policy);
    }
    out << "}\n";
  }
  if (sr.type == StorageType::iscsi) out << "      replacement_timeout: " << dur(sr.replacement_timeout) << '\n';
  if (sr.type == StorageType::local) out << "      host: " << sr.host.name << '\n';
}

void write_host(std::ostream& out, const HostSpec& h) {
  out << "    - name: " << h.name << '\n';
  if (!h.uuid.empty()) out << "      uuid: " << h.uuid << '\n';
  if (h.master) out << "      master: true\n";
  out << "      memory: " << format_size(h.memory) << '\n';
  if (h.control_domain_memory != 0) out << "      control_domain_memory: " << format_size(h.control_domain_memory) << '\n';
  out << "      cpus: " << h.cpus << "\n      boot_time: "
      << dur(h.boot_time) << '\n';
  if (!h.nics.empty()) {
    out << "      nics:";
    for (const NicSpec& n : h.nics) {
      out << "\n        - {name: " << n.name << ", switch: " << n.on_switch.name;
      if (n.speed != NicSpec{}.speed) out << ", speed: " << format_rate(n.speed);
      out << '}';
    }
    out << '\n';
  }
  if (!h.bonds.empty()) {
    out << "      bonds:";
    for (const BondSpec& b : h.bonds) {
      std::vector<std::pair<std::string, std::string>> e;
      entry(e, "name", b.name);
      entry(e, "members", names(b.members));
      entry(e, "mode", std::string(to_string(b.mode)));
      entry(e, "miimon", dur(b.miimon));
      entry(e, "downdelay", dur(b.downdelay));
      entry(e, "updelay", dur(b.updelay));
      if (needs_lacp(b.mode)) entry(e, "lacp_rate", std::string(to_string(b.lacp_rate)));
      entry(e, "rebalance_interval", dur(b.rebalance_interval));
      out << "\n        - " << flow(e);
    }
    out << '\n';
  }
  out << "      management: " << h.management.name << "\n      storage_via: " << names(h.storage_via) << '\n';
  if (!h.pif_networks.empty()) {
    std::vector<std::pair<std::string, std::string>> e;
    for (const PifSpec& p : h.pif_networks) entry(e, p.network.name, p.interface.name);
    out << "      pif_networks: " << flow(e) << '\n';
  }
}

void write_vm(std::ostream& out, const VmSpec& v) {
  std::vector<std::pair<std::string, std::string>> e;
  entry(e, "name", v.name);
  entry(e, "memory", format_size(v.memory));
  entry(e, "vcpus", std::to_string(v.vcpus));
  entry(e, "host", v.host.name);
  if (!v.disks.empty()) entry(e, "disks", names(v.disks));
  if (!v.networks.empty()) entry(e, "networks", names(v.networks));
  if (v.cd_inserted) entry(e, "cd_inserted", "true");
  entry(e, "boot_time", dur(v.boot_time));
  std::vector<std::pair<std::string, std::string>> ha{{"restart_priority", std::string(to_string(v.ha.restart_priority))},
                                                      {"order", std::to_string(v.ha.order)},
                                                      {"start_delay", dur(v.ha.start_delay)}};
  if (v.always_run_when_halted) ha.emplace_back("always_run", "true");
  entry(e, "ha", flow(ha));
  out << "    - " << flow(e) << '\n';
}

void write_ha(std::ostream& out, const HaSpec& ha) {
  out << "  ha:\n    enabled: " << (ha.enabled ? "true" : "false") << '\n';
  if (!ha.heartbeat_sr.name.empty()) out << "    heartbeat_sr: " << ha.heartbeat_sr.name << '\n';
  out << "    timeout: " << dur(ha.timeout) << "\n    host_failures_to_tolerate: " << ha.host_failures_to_tolerate
      << "\n    interval_formula: " << to_string(ha.interval_formula) << '\n';
  const HaTimerOverrides& o = ha.overrides;
  const std::array<std::pair<std::string_view, const std::optional<Duration>*>, 7> overrides{{
      {"network_interval", &o.network_interval},
      {"statefile_interval", &o.statefile_interval},
      {"heartbeat_timeout", &o.heartbeat_timeout},
      {"statefile_timeout", &o.statefile_timeout},
      {"heartbeat_watchdog", &o.heartbeat_watchdog},
      {"statefile_watchdog", &o.statefile_watchdog},
      {"join_timeout", &o.join_timeout},
  }};
  for (const auto& [key, value] : overrides) {
    if (*value) out << "    " << key << ": " << dur(**value) << '\n';
  }
  const XapiSpec& x = ha.xapi;
  out << "    xapi:\n      health_check_interval: " << dur(x.health_check_interval)
      << "\n      health_check_timeout: " << dur(x.health_check_timeout) << "\n      restart_attempts: "
      << x.restart_attempts << "\n      restart_timeout: " << dur(x.restart_timeout) << "\n      monitor_interval: "
      << dur(x.monitor_interval) << "\n      plan_interval: " << dur(x.plan_interval)
      << "\n      master_poll_interval: " << dur(x.master_poll_interval) << "\n      restart_retry_delay: "
      << dur(x.restart_retry_delay) << '\n';
}

std::string fault_line(const FaultSpec& f) {
  std::vector<std::pair<std::string, std::string>> e;
  entry(e, "at", dur(f.at));
  entry(e, "do", std::string(to_string(f.verb)));
  entry(e, "host", f.host.name);
  if (f.nics.size() == 1) entry(e, "nic", f.nics.front().name);
  if (f.nics.size() > 1) entry(e, "nic", names(f.nics));
  entry(e, "switch", f.on_switch.name);
  entry(e, "portal", f.portal.name);
  entry(e, "storage", f.storage.name);
  if (!f.groups.empty()) {
    std::string groups = "[";
    for (std::size_t i = 0; i < f.groups.size(); ++i) {
      if (i) groups += ", ";
      groups += names(f.groups[i]);
    }
    groups += ']';
    entry(e, "groups", groups);
  }
  entry(e, "new_master", f.new_master.name);
  entry(e, "vm", f.vm.name);
  if (f.verb == FaultVerb::set_ntol) entry(e, "value", std::to_string(f.value));
  return flow(e);
}

std::string random_fault_line(const RandomFaultSpec& r) {
  std::vector<std::pair<std::string, std::string>> e;
  entry(e, "target", std::string(to_string(r.target)));
  entry(e, "do", std::string(to_string(r.verb)));
  entry(e, "mtbf", dur(r.mtbf));
  if (r.repair) {
    const RepairSpec& p = *r.repair;
    std::vector<std::pair<std::string, std::string>> q;
    entry(q, "distribution", std::string(to_string(p.distribution)));
    switch (p.distribution) {
      case RepairDistribution::exponential: entry(q, "mean", dur(p.mean)); break;
      case RepairDistribution::lognormal:
        entry(q, "median", dur(p.median));
        entry(q, "p95", dur(p.p95));
        break;
      case RepairDistribution::weibull:
        entry(q, "shape", real(p.shape));
        entry(q, "scale", dur(p.scale));
        break;
      case RepairDistribution::fixed: entry(q, "value", dur(p.value)); break;
    }
    entry(e, "repair", flow(q));
  }
  return flow(e);
}

std::string expectation_line(const ExpectationSpec& x) {
  std::vector<std::pair<std::string, std::string>> e;
  switch (x.kind) {
    case ExpectKind::host_state:
      entry(e, "host", x.host.name);
      entry(e, "state", std::string(to_string(x.host_state)));
      if (x.earliest == Duration::zero()) entry(e, "by", dur(x.latest));
      else entry(e, "within", "[" + dur(x.earliest) + ", " + dur(x.latest) + "]");
      break;
    case ExpectKind::host_never:
      entry(e, "host", x.host.name);
      entry(e, "never", std::string(to_string(x.host_state)));
      break;
    case ExpectKind::master:
      entry(e, "master", x.host.name);
      entry(e, "by", dur(x.latest));
      break;
    case ExpectKind::vm_state:
      entry(e, "vm", x.vm.name);
      entry(e, "state", std::string(to_string(x.vm_state)));
      entry(e, "on", x.on.name);
      entry(e, "by", dur(x.latest));
      break;
    case ExpectKind::vm_order:
      entry(e, "vm", x.vm.name);
      entry(e, "started_after", x.started_after.name);
      if (x.at_least > Duration::zero()) entry(e, "at_least", dur(x.at_least));
      break;
    case ExpectKind::vm_never:
      entry(e, "vm", x.vm.name);
      entry(e, "never", std::string(to_string(x.vm_never)));
      break;
    case ExpectKind::vm_downtime:
      entry(e, "vm", x.vm.name);
      entry(e, "downtime_at_most", dur(x.downtime_at_most));
      break;
    case ExpectKind::service_downtime:
      entry(e, "service", x.service.name);
      entry(e, "downtime_at_most", dur(x.downtime_at_most));
      break;
    case ExpectKind::alert_by:
      entry(e, "alert", x.alert.name);
      entry(e, "by", dur(x.latest));
      break;
    case ExpectKind::alert_never:
      entry(e, "alert", x.alert.name);
      entry(e, "never", "true");
      break;
  }
  return flow(e);
}

}  // namespace

std::string to_yaml(const ScenarioSpec& spec, const std::string& comment) {
  std::ostringstream out;
  if (!comment.empty()) {
    std::istringstream lines(comment);
    for (std::string line; std::getline(lines, line);) out << (line.empty() ? "#" : "# " + line) << '\n';
  }
  out << "name: " << spec.name << '\n';
  if (!spec.description.empty()) {
    // A block scalar keeps any punctuation of the text literal.
    out << "description: |-\n";
    std::istringstream lines(spec.description);
    for (std::string line; std::getline(lines, line);) out << "  " << line << '\n';
  }
  out << "seed: " << spec.seed << "\nuntil: " << dur(spec.until) << '\n';
  if (spec.start) out << "start: " << format_utc_time(*spec.start, -1) << '\n';
  out << "\npool:\n";
  const PoolSpec& pool = spec.pool;
  if (pool.network_backend != NetworkBackend::openvswitch) {
    out << "  network_backend: " << to_string(pool.network_backend) << '\n';
  }
  if (!pool.switches.empty()) {
    out << "  switches:\n";
    for (const SwitchSpec& s : pool.switches) {
      std::vector<std::pair<std::string, std::string>> e;
      entry(e, "name", s.name);
      if (!s.links.empty()) entry(e, "links", names(s.links));
      if (s.lacp) entry(e, "lacp", "true");
      out << "    - " << flow(e) << '\n';
    }
  }
  if (!pool.storage.empty()) {
    out << "  storage:\n";
    for (const StorageSpec& sr : pool.storage) write_storage(out, sr);
  }
  if (!pool.networks.empty()) {
    out << "  networks:\n";
    for (const NetworkSpec& n : pool.networks) {
      out << "    - {name: " << n.name << ", shared: " << (n.shared ? "true" : "false") << "}\n";
    }
  }
  out << "  hosts:\n";
  for (const HostSpec& h : pool.hosts) write_host(out, h);
  if (!pool.vms.empty()) {
    out << "  vms:\n";
    for (const VmSpec& v : pool.vms) write_vm(out, v);
  }
  write_ha(out, pool.ha);
  if (!spec.faults.empty()) {
    out << "\nfaults:\n";
    for (const FaultSpec& f : spec.faults) out << "  - " << fault_line(f) << '\n';
  }
  if (!spec.random_faults.empty()) {
    out << "\nrandom_faults:\n";
    for (const RandomFaultSpec& r : spec.random_faults) out << "  - " << random_fault_line(r) << '\n';
  }
  if (!spec.services.empty()) {
    out << "\nservices:\n";
    for (const ServiceSpec& service : spec.services) {
      std::vector<std::pair<std::string, std::string>> e;
      entry(e, "name", service.name);
      entry(e, "vms", names(service.vms));
      entry(e, "need", std::to_string(service.need));
      out << "  - " << flow(e) << '\n';
    }
  }
  if (!spec.expectations.empty()) {
    out << "\nexpect:\n";
    for (const ExpectationSpec& x : spec.expectations) out << "  - " << expectation_line(x) << '\n';
  }
  return out.str();
}

std::string recorded_scenario(const ScenarioSpec& spec, const std::string& file_text, const std::string& file_name) {
  if (spec.pool_file.empty() && spec.changes.empty()) return file_text;
  std::string comment = "The scenario " + file_name;
  if (!spec.pool_file.empty()) comment += " with the pool of " + spec.pool_file;
  if (!spec.changes.empty()) {
    comment += ", changed by:";
    for (const std::string& change : spec.changes) comment += "\n  " + change;
  }
  return to_yaml(spec, comment);
}

}  // namespace poolsim::scenario
