// Loading: file -> text checks and YAML (yaml_text.cpp) -> specs (the schema below) -> cross-element validation
// (validate.cpp).
#include "poolsim/scenario/load.hpp"

#include <algorithm>
#include <filesystem>
#include <type_traits>

#include <yaml-cpp/yaml.h>

#include "poolsim/scenario/fault_verbs.hpp"
#include "poolsim/scenario/parameters.hpp"
#include "poolsim/scenario/size.hpp"
#include "poolsim/scenario/what_if.hpp"
#include "validate.hpp"
#include "yaml_reader.hpp"
#include "yaml_text.hpp"

namespace poolsim::scenario {
namespace {

using detail::MapReader;
using detail::Reporter;
using detail::FileText;
using detail::check_text;
using detail::parse_document;
using detail::read_capped;

// Reads each mapping of the list under `key` with `read`; elements that are not mappings are reported and left out.
template <typename Read>
auto read_list(const MapReader& parent, std::string_view key, std::string_view noun, const std::vector<std::string>& keys,
               Read read, std::string_view name_key = "name", std::string_view fallback = "") {
  std::vector<std::invoke_result_t<Read, const MapReader&>> out;
  for (const YAML::Node& node : parent.list(key)) {
    const MapReader map(parent.reporter(), node, detail::describe(node, noun, name_key, fallback), keys);
    if (map.ok()) out.push_back(read(map));
  }
  return out;
}

// ---- the pool ----

SwitchSpec read_switch(const MapReader& map) {
  return {map.name(), map.refs("links"), map.flag("lacp", false), map.pos()};
}

PortalSpec read_portal(const MapReader& map) { return {map.name(), map.ref("switch", true), map.pos()}; }

MultipathSpec read_multipath(Reporter& reporter, const YAML::Node& node, const std::string& owner) {
  const MapReader map(reporter, node, "'multipath' of " + owner, {"polling_interval", "no_path_retry", "failback", "path_grouping_policy"});
  MultipathSpec spec;
  spec.path_grouping_policy = map.choice("path_grouping_policy", PathGrouping::failover);
  spec.polling_interval = map.duration(parameter("pool.storage[].multipath.polling_interval"));
  spec.failback = map.duration(parameter("pool.storage[].multipath.failback"));
  const ParameterRow& retry = parameter("pool.storage[].multipath.no_path_retry");
  const YAML::Node written = map.child("no_path_retry");
  if (written.IsScalar() && written.Scalar() == "queue") {
    spec.no_path_retry = std::nullopt;
  } else if (written.IsScalar() && written.Scalar() == "fail") {
    spec.no_path_retry = 0;
  } else {
    spec.no_path_retry = map.count(retry);
  }
  return spec;
}

StorageSpec read_storage(const MapReader& map) {
  StorageSpec spec;
  spec.name = map.name();
  spec.pos = map.pos();
  map.require("type", "type: iscsi");
  const std::optional<StorageType> type = map.choice<StorageType>("type");
  spec.type = type.value_or(StorageType::iscsi);
  spec.size = map.value(parameter("pool.storage[].size"));
  const bool typed = type.has_value();  // without a valid type, which keys apply is unknown: check none
  const bool networked = spec.type == StorageType::iscsi || spec.type == StorageType::nfs;
  const bool multipathed = spec.type == StorageType::iscsi || spec.type == StorageType::fc;
  if (typed && networked) map.require("portals", "portals: [{name: tgt-a, switch: sw1}]");
  if (typed && !networked) map.refuse("portals", "only iscsi and nfs SRs are reached through portals; remove it");
  if (typed && !multipathed) map.refuse("multipath", "only iscsi and fc SRs are multipathed; remove it");
  if (typed && spec.type != StorageType::iscsi) {
    map.refuse("replacement_timeout", "it is an iscsi session setting; remove it");
  }
  if (typed && spec.type == StorageType::local) map.require("host", "host: NAME");
  if (typed && spec.type != StorageType::local) map.refuse("host", "only a local SR belongs to one host; remove it");
  spec.portals = read_list(map, "portals", "portal", {"name", "switch"}, read_portal);
  if (map.has("portals") && spec.portals.empty() && networked) {
    map.reporter().error(map.key_pos("portals"), "'portals' in " + map.what() + " is empty; add at least one portal");
  }
  spec.multipath = read_multipath(map.reporter(), map.child("multipath"), map.what());
  spec.replacement_timeout = map.duration(parameter("pool.storage[].replacement_timeout"));
  spec.host = map.ref("host", false);
  return spec;
}

NetworkSpec read_network(const MapReader& map) { return {map.name(), map.flag("shared", true), map.pos()}; }

NicSpec read_nic(const MapReader& map) {
  return {map.name(), map.ref("switch", true), map.value(parameter("pool.hosts[].nics[].speed")), map.pos()};
}

BondSpec read_bond(const MapReader& map) {
  BondSpec spec;
  spec.name = map.name();
  spec.pos = map.pos();
  spec.members = map.refs("members");
  map.require("members", "members: [eth0, eth1]");
  spec.mode = map.choice("mode", BondMode::active_active);
  spec.miimon = map.duration(parameter("pool.hosts[].bonds[].miimon"));
  spec.downdelay = map.duration(parameter("pool.hosts[].bonds[].downdelay"));
  spec.updelay = map.duration(parameter("pool.hosts[].bonds[].updelay"));
  if (!needs_lacp(spec.mode)) map.refuse("lacp_rate", "only lacp_tcp and lacp_mac bonds negotiate LACP; remove it");
  spec.lacp_rate = map.choice("lacp_rate", LacpRate::slow);
  spec.rebalance_interval = map.duration(parameter("pool.hosts[].bonds[].rebalance_interval"));
  return spec;
}

bool is_uuid(const std::string& text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (dash ? c != '-' : !hex) return false;
  }
  return true;
}

// pif_networks: {network: interface, ...}, a mapping whose keys are network names.
std::vector<PifSpec> read_pif_networks(const MapReader& host) {
  const YAML::Node node = host.child("pif_networks");
  if (!node.IsDefined() || node.IsNull()) return {};
  if (!node.IsMap()) {
    host.reporter().error(detail::pos_of(node), "'pif_networks' in " + host.what() +
                                                    " must be a mapping of network: interface, e.g. '{lan: bond0}'");
    return {};
  }
  std::vector<PifSpec> out;
  for (const auto& entry : node) {
    host.reporter().visit(detail::pos_of(entry.first));
    if (!entry.first.IsScalar() || !entry.second.IsScalar()) {
      host.reporter().error(detail::pos_of(entry.first), "each entry of 'pif_networks' in " + host.what() +
                                                             " must be 'network: interface', e.g. 'lan: bond0'");
      continue;
    }
    out.push_back({{entry.first.Scalar(), detail::pos_of(entry.first)},
                   {entry.second.Scalar(), detail::pos_of(entry.second)}});
  }
  return out;
}

HostSpec read_host(const MapReader& map) {
  HostSpec spec;
  spec.name = map.name();
  spec.pos = map.pos();
  spec.uuid = map.text("uuid");
  if (map.has("uuid") && !spec.uuid.empty() && !is_uuid(spec.uuid)) {
    map.reporter().error(map.key_pos("uuid"), "uuid '" + spec.uuid +
                                                  "' is not a UUID; write 32 hex digits as 8-4-4-4-12, e.g. "
                                                  "'1b4e28ba-2fa1-11d2-883f-0016d3cca427'");
  }
  spec.master = map.flag("master", false);
  spec.memory = map.value(parameter("pool.hosts[].memory"));
  spec.control_domain_memory = map.value(parameter("pool.hosts[].control_domain_memory"));
  spec.cpus = map.count(parameter("pool.hosts[].cpus"));
  spec.boot_time = map.duration(parameter("pool.hosts[].boot_time"));
  spec.nics = read_list(map, "nics", "nic", {"name", "switch", "speed"}, read_nic);
  spec.bonds = read_list(map, "bonds", "bond",
                         {"name", "members", "mode", "miimon", "downdelay", "updelay", "lacp_rate", "rebalance_interval"},
                         read_bond);
  spec.management = map.ref("management", true);
  spec.storage_via = map.has("storage_via") ? map.refs("storage_via") : std::vector<Ref>{spec.management};
  spec.pif_networks = read_pif_networks(map);
  return spec;
}

void read_vm_ha(Reporter& reporter, const YAML::Node& node, VmSpec& vm, const std::string& owner) {
  const MapReader map(reporter, node, "'ha' of " + owner, {"restart_priority", "order", "start_delay", "always_run"});
  VmHaSpec& spec = vm.ha;
  spec.restart_priority = map.choice("restart_priority", RestartPriority::do_not_restart);
  spec.order = map.count(parameter("pool.vms[].ha.order"));
  spec.start_delay = map.duration(parameter("pool.vms[].ha.start_delay"));
  // xapi's VM.ha_always_run: set by a start with priority `restart`, cleared by a clean shutdown; a halted VM
  // that still has it is one HA must start (xapi_ha_vm_failover.ml all_protected_vms).
  vm.always_run_when_halted = map.flag("always_run", false);
  if (vm.always_run_when_halted && spec.restart_priority != RestartPriority::restart) {
    reporter.error(map.key_pos("always_run"), "'always_run' in " + map.what() +
                                                  " needs restart_priority: restart (xapi sets ha_always_run only "
                                                  "for VMs HA restarts); add it or drop always_run");
  }
}

VmSpec read_vm(const MapReader& map) {
  VmSpec spec;
  spec.name = map.name();
  spec.pos = map.pos();
  spec.memory = map.value(parameter("pool.vms[].memory"));
  spec.vcpus = map.count(parameter("pool.vms[].vcpus"));
  spec.host = map.ref("host", false);
  spec.disks = map.refs("disks");
  spec.networks = map.refs("networks");
  spec.cd_inserted = map.flag("cd_inserted", false);
  spec.boot_time = map.duration(parameter("pool.vms[].boot_time"));
  read_vm_ha(map.reporter(), map.child("ha"), spec, map.what());
  return spec;
}

XapiSpec read_xapi(Reporter& reporter, const YAML::Node& node) {
  const MapReader map(reporter, node, "'xapi' of 'ha'",
                      {"health_check_interval", "health_check_timeout", "restart_attempts", "restart_timeout",
                       "monitor_interval", "plan_interval", "master_poll_interval", "restart_retry_delay"});
  XapiSpec spec;
  spec.health_check_interval = map.duration(parameter("pool.ha.xapi.health_check_interval"));
  spec.health_check_timeout = map.duration(parameter("pool.ha.xapi.health_check_timeout"));
  spec.restart_attempts = map.count(parameter("pool.ha.xapi.restart_attempts"));
  spec.restart_timeout = map.duration(parameter("pool.ha.xapi.restart_timeout"));
  spec.monitor_interval = map.duration(parameter("pool.ha.xapi.monitor_interval"));
  spec.plan_interval = map.duration(parameter("pool.ha.xapi.plan_interval"));
  spec.master_poll_interval = map.duration(parameter("pool.ha.xapi.master_poll_interval"));
  spec.restart_retry_delay = map.duration(parameter("pool.ha.xapi.restart_retry_delay"));
  return spec;
}

// The HA timeout T of an `ha` mapping: its parameter row's range, and whole seconds as xapi takes it.
Duration read_ha_timeout(Reporter& reporter, const MapReader& map) {
  const Duration timeout = map.duration(parameter("pool.ha.timeout"));
  if (timeout % Duration::seconds(1) != Duration::zero()) {
    reporter.error(map.key_pos("timeout"), "'timeout' in 'ha' is " + format_duration(timeout) +
                                               "; xapi takes whole seconds, e.g. '60s'");
  }
  return timeout;
}

// `given`: whether the file has an `ha` block; without one HA is off and every setting has its default.
HaSpec read_ha(Reporter& reporter, const YAML::Node& node, bool given) {
  const MapReader map(reporter, node, "'ha'",
                      {"enabled", "heartbeat_sr", "timeout", "host_failures_to_tolerate", "allow_overcommit",
                       "interval_formula",
                       "network_interval", "statefile_interval", "heartbeat_timeout", "statefile_timeout",
                       "heartbeat_watchdog", "statefile_watchdog", "join_timeout", "xapi"});
  HaSpec spec;
  spec.pos = map.pos();
  if (given) map.require("enabled", "enabled: true");
  spec.enabled = map.flag("enabled", false);
  spec.heartbeat_sr = map.ref("heartbeat_sr", false);
  spec.timeout = read_ha_timeout(reporter, map);
  spec.host_failures_to_tolerate = map.count(parameter("pool.ha.host_failures_to_tolerate"));
  spec.allow_overcommit = map.flag("allow_overcommit", false);
  spec.interval_formula = map.choice("interval_formula", IntervalFormula::current);
  HaTimerOverrides& o = spec.overrides;
  o.network_interval = map.optional_duration(parameter("pool.ha.network_interval"));
  o.statefile_interval = map.optional_duration(parameter("pool.ha.statefile_interval"));
  o.heartbeat_timeout = map.optional_duration(parameter("pool.ha.heartbeat_timeout"));
  o.statefile_timeout = map.optional_duration(parameter("pool.ha.statefile_timeout"));
  o.heartbeat_watchdog = map.optional_duration(parameter("pool.ha.heartbeat_watchdog"));
  o.statefile_watchdog = map.optional_duration(parameter("pool.ha.statefile_watchdog"));
  o.join_timeout = map.optional_duration(parameter("pool.ha.join_timeout"));
  spec.xapi = read_xapi(reporter, map.child("xapi"));
  return spec;
}

const std::vector<std::string> host_keys{"name",  "uuid",     "master",     "memory",      "control_domain_memory",
                                         "cpus",  "boot_time", "nics",      "bonds",       "management",
                                         "storage_via", "pif_networks"};
const std::vector<std::string> vm_keys{"name",     "memory",      "vcpus",     "host", "disks",
                                       "networks", "cd_inserted", "boot_time", "ha"};

PoolSpec read_pool(Reporter& reporter, const YAML::Node& node) {
  const MapReader map(reporter, node, "'pool'",
                      {"network_backend", "switches", "storage", "networks", "hosts", "vms", "ha"});
  PoolSpec spec;
  spec.pos = map.pos();
  spec.network_backend = map.choice("network_backend", NetworkBackend::openvswitch);
  spec.network_backend_pos = map.key_pos("network_backend");
  spec.switches = read_list(map, "switches", "switch", {"name", "links", "lacp"}, read_switch);
  spec.storage = read_list(map, "storage", "SR",
                           {"name", "type", "size", "portals", "multipath", "replacement_timeout", "host"}, read_storage);
  spec.networks = read_list(map, "networks", "network", {"name", "shared"}, read_network);
  spec.hosts = read_list(map, "hosts", "host", host_keys, read_host);
  spec.vms = read_list(map, "vms", "vm", vm_keys, read_vm);
  spec.ha = read_ha(reporter, map.child("ha"), map.has("ha"));
  return spec;
}

// ---- faults ----

const std::vector<std::string> fault_arguments{"host", "nic", "switch", "portal", "storage", "groups", "new_master",
                                               "vm", "value"};

std::string argument_list(const FaultVerbInfo& info) {
  std::vector<std::string> args;
  for (const std::string_view arg : info.required) {
    if (!arg.empty()) args.emplace_back(arg);
  }
  if (!info.optional.empty()) args.push_back(std::string(info.optional) + " (optional)");
  return args.empty() ? "no arguments" : detail::join_words(args);
}

std::vector<std::vector<Ref>> read_groups(const MapReader& map) {
  std::vector<std::vector<Ref>> groups;
  for (const YAML::Node& group : map.list("groups")) {
    if (!group.IsSequence() || group.size() == 0) {
      map.reporter().error(detail::pos_of(group), "each group of 'groups' in " + map.what() +
                                                      " must be a non-empty list of hosts, e.g. '[xs1, xs2]'");
      continue;
    }
    std::vector<Ref>& hosts = groups.emplace_back();
    for (const YAML::Node& host : group) {
      map.reporter().visit(detail::pos_of(host));
      if (host.IsScalar()) hosts.push_back({host.Scalar(), detail::pos_of(host)});
      else map.reporter().error(detail::pos_of(host), "each host of a partition group must be a name");
    }
  }
  if (map.has("groups") && groups.size() < 2) {
    map.reporter().error(map.key_pos("groups"), "a partition needs two groups or more, e.g. 'groups: [[xs1], [xs2]]'");
  }
  return groups;
}

FaultSpec read_fault(const MapReader& map) {
  FaultSpec spec;
  spec.pos = map.pos();
  spec.at = map.duration(parameter("faults[].at"));
  map.require("do", "do: crash");
  const auto verb = map.choice<FaultVerb>("do");
  if (!verb) return spec;
  spec.verb = *verb;
  const FaultVerbInfo& info = fault_verb_info(*verb);
  for (const std::string& arg : fault_arguments) {
    const bool required = std::find(info.required.begin(), info.required.end(), arg) != info.required.end();
    if (required) map.require(arg, arg + ": " + (arg == "value" ? "1" : arg == "groups" ? "[[xs1], [xs2]]" : "NAME"));
    else if (arg != info.optional) map.refuse(arg, "'" + std::string(to_string(*verb)) + "' takes " + argument_list(info));
  }
  spec.host = map.ref("host", false);
  spec.nics = map.refs("nic", true);
  spec.on_switch = map.ref("switch", false);
  spec.portal = map.ref("portal", false);
  spec.storage = map.ref("storage", false);
  spec.groups = read_groups(map);
  spec.new_master = map.ref("new_master", false);
  spec.vm = map.ref("vm", false);
  if (map.has("value")) spec.value = map.count(parameter("faults[].value"));
  return spec;
}

RepairSpec read_repair(Reporter& reporter, const YAML::Node& node, const std::string& owner) {
  const MapReader map(reporter, node, "'repair' of " + owner,
                      {"distribution", "mean", "median", "p95", "shape", "scale", "value"});
  RepairSpec spec;
  if (!map.ok()) return spec;
  map.require("distribution", "distribution: exponential");
  const auto distribution = map.choice<RepairDistribution>("distribution");
  if (!distribution) return spec;
  spec.distribution = *distribution;
  struct Shape {
    RepairDistribution distribution;
    std::vector<std::string> keys;
  };
  const std::vector<Shape> shapes{{RepairDistribution::exponential, {"mean"}},
                                  {RepairDistribution::lognormal, {"median", "p95"}},
                                  {RepairDistribution::weibull, {"shape", "scale"}},
                                  {RepairDistribution::fixed, {"value"}}};
  std::vector<std::string> wanted;
  for (const Shape& shape : shapes) {
    if (shape.distribution == *distribution) wanted = shape.keys;
  }
  const std::string word(to_string(*distribution));
  for (const Shape& shape : shapes) {
    for (const std::string& key : shape.keys) {
      if (std::find(wanted.begin(), wanted.end(), key) != wanted.end()) {
        map.require(key, key + ": " + (key == "shape" ? "1.5" : "4h"));
      } else {
        map.refuse(key, (word == "exponential" ? "an " : "a ") + word + " repair takes " + detail::join_words(wanted));
      }
    }
  }
  auto read = [&](std::string_view key, const ParameterRow& row) {
    return map.has(key) ? map.duration(row) : Duration::zero();
  };
  spec.mean = read("mean", parameter("random_faults[].repair.mean"));
  spec.median = read("median", parameter("random_faults[].repair.median"));
  spec.p95 = read("p95", parameter("random_faults[].repair.p95"));
  spec.scale = read("scale", parameter("random_faults[].repair.scale"));
  spec.value = read("value", parameter("random_faults[].repair.value"));
  if (map.has("shape")) spec.shape = map.real(parameter("random_faults[].repair.shape"));
  if (spec.median > Duration::zero() && spec.p95 > Duration::zero() && spec.p95 <= spec.median) {
    reporter.error(map.key_pos("p95"), "'p95' " + format_duration(spec.p95) + " in " + map.what() +
                                           " is not above the median " + format_duration(spec.median) +
                                           "; make it larger than the median");
  }
  return spec;
}

RandomFaultSpec read_random_fault(const MapReader& map) {
  RandomFaultSpec spec;
  spec.pos = map.pos();
  map.require("target", "target: hosts");
  map.require("do", "do: crash");
  spec.mtbf = map.duration(parameter("random_faults[].mtbf"));
  const auto target = map.choice<RandomTarget>("target");
  const auto verb = map.choice<FaultVerb>("do");
  if (!target || !verb) return spec;
  spec.target = *target;
  spec.verb = *verb;
  const auto row = std::find_if(random_verbs.begin(), random_verbs.end(),
                                [&](const RandomVerbInfo& r) { return r.target == *target && r.verb == *verb; });
  if (row == random_verbs.end()) {
    std::vector<std::string> allowed;
    for (const RandomVerbInfo& r : random_verbs) {
      if (r.target == *target) allowed.emplace_back(to_string(r.verb));
    }
    map.reporter().error(map.key_pos("do"), "a random fault on " + std::string(to_string(*target)) + " cannot '" +
                                                std::string(to_string(*verb)) + "'; use " + detail::join_words(allowed));
    return spec;
  }
  if (!row->repaired_by) {
    map.refuse("repair", "a host that reboots comes back by itself; remove it");
    return spec;
  }
  if (map.require("repair", "repair: {distribution: exponential, mean: 4h}")) {
    spec.repair = read_repair(map.reporter(), map.child("repair"), map.what());
  }
  return spec;
}

// ---- services ----

ServiceSpec read_service(const MapReader& map) {
  ServiceSpec spec;
  spec.name = map.name();
  spec.pos = map.pos();
  map.require("vms", "vms: [dns1, dns2]");
  spec.vms = map.refs("vms");
  spec.need = map.count(parameter("services[].need"));
  return spec;
}

// ---- expectations ----

// {within: [a, b]}: two durations, earliest first.
void read_window(const MapReader& map, ExpectationSpec& spec) {
  const ParameterRow& row = parameter("expect[].within");
  const std::vector<YAML::Node> bounds = map.list("within");  // reports a value that is not a list
  if (bounds.size() != 2 || !bounds[0].IsScalar() || !bounds[1].IsScalar()) {
    if (map.child("within").IsSequence()) {
      map.reporter().error(map.key_pos("within"), "'within' in " + map.what() +
                                                      " must be [earliest, latest], e.g. '[5m, 7m]'");
    }
    return;
  }
  const auto earliest = map.parse_parameter(row, bounds[0]);
  const auto latest = map.parse_parameter(row, bounds[1]);
  if (!earliest || !latest) return;
  spec.earliest = Duration::nanoseconds(static_cast<std::int64_t>(*earliest));
  spec.latest = Duration::nanoseconds(static_cast<std::int64_t>(*latest));
  if (spec.earliest > spec.latest) {
    map.reporter().error(map.key_pos("within"), "'within' in " + map.what() + " ends before it starts; write [" +
                                                    format_duration(spec.latest) + ", " +
                                                    format_duration(spec.earliest) + "]");
  }
}

// {vm: V, ...}: a state at an instant, an order of starts, a condition that never holds, a bound on downtime.
void read_vm_expectation(const MapReader& map, ExpectationSpec& spec) {
  auto allow_only = [&](const std::vector<std::string>& keys, std::string_view fix) {
    for (const std::string& key : map.present_keys()) {
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) map.refuse(key, fix);
    }
  };
  spec.vm = map.ref("vm", true);
  if (map.has("started_after")) {
    spec.kind = ExpectKind::vm_order;
    allow_only({"vm", "started_after", "at_least"}, "'started_after' takes 'vm' and optionally 'at_least'");
    spec.started_after = map.ref("started_after", true);
    spec.at_least = map.duration(parameter("expect[].at_least"));
  } else if (map.has("never")) {
    spec.kind = ExpectKind::vm_never;
    allow_only({"vm", "never"}, "write 'never: halted' or 'never: impaired' alone with 'vm'");
    spec.vm_never = map.choice("never", VmNeverState::halted);
  } else if (map.has("downtime_at_most")) {
    spec.kind = ExpectKind::vm_downtime;
    allow_only({"vm", "downtime_at_most"}, "'downtime_at_most' stands alone with 'vm'");
    spec.downtime_at_most = map.duration(parameter("expect[].downtime_at_most"));
  } else {
    spec.kind = ExpectKind::vm_state;
    allow_only({"vm", "state", "on", "by"},
               "a vm expectation takes state, by and on; or started_after; or never; or downtime_at_most");
    map.require("state", "state: running");
    map.require("by", "by: 9m");
    spec.vm_state = map.choice("state", VmExpectState::running);
    spec.on = map.ref("on", false);
    spec.latest = map.duration(parameter("expect[].by"));
  }
}

// {alert: NAME, by: T} or {alert: NAME, never: true}; the name is checked against the alert table later.
void read_alert_expectation(const MapReader& map, ExpectationSpec& spec) {
  spec.alert = map.ref("alert", true);
  for (const std::string& key : map.present_keys()) {
    if (key != "alert" && key != "by" && key != "never") {
      map.refuse(key, "an alert expectation takes 'by: T' or 'never: true'");
    }
  }
  if (map.has("never") && map.has("by")) {
    map.reporter().error(map.key_pos("by"), "give 'by' or 'never' in " + map.what() + ", not both");
  } else if (map.has("never")) {
    spec.kind = ExpectKind::alert_never;
    if (!map.flag("never", true)) {
      map.reporter().error(map.key_pos("never"), "'never: false' in " + map.what() +
                                                     " expects nothing; write 'never: true', or 'by: T' for an "
                                                     "alert that must be raised");
    }
  } else {
    spec.kind = ExpectKind::alert_by;
    map.require("by", "by: 10m");
    spec.latest = map.duration(parameter("expect[].by"));
  }
}

ExpectationSpec read_expectation(Reporter& reporter, const YAML::Node& node) {
  const std::vector<std::string> subjects{"host", "master", "vm", "service", "alert"};
  std::string what = "an expectation";
  for (const std::string& subject : subjects) {
    if (const auto name = detail::scalar_at(node, subject)) what = "expectation on " + subject + " '" + *name + "'";
  }
  const MapReader map(reporter, node, what,
                      {"host", "master", "vm", "service", "alert", "state", "within", "by", "never", "on",
                       "started_after", "at_least", "downtime_at_most"});
  ExpectationSpec spec;
  spec.pos = map.pos();
  if (!map.ok()) return spec;
  std::vector<std::string> named;
  for (const std::string& subject : subjects) {
    if (map.has(subject)) named.push_back(subject);
  }
  if (named.size() != 1) {
    reporter.error(map.pos(), named.empty()
                                  ? "an expectation names a host, a master, a vm, a service or an alert; add one, "
                                    "e.g. 'host: xs1'"
                                  : "an expectation names one of host, master, vm, service or alert, not " +
                                        detail::join_words(named) + "; write one expectation for each");
    return spec;
  }
  const ParameterRow& by = parameter("expect[].by");
  auto allow_only = [&](const std::vector<std::string>& keys, std::string_view fix) {
    for (const std::string& key : map.present_keys()) {
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) map.refuse(key, fix);
    }
  };
  if (named.front() == "master") {
    spec.kind = ExpectKind::master;
    spec.host = map.ref("master", true);
    allow_only({"master", "by"}, "a master expectation takes master and by");
    map.require("by", "by: 7m");
    spec.latest = map.duration(by);
  } else if (named.front() == "host") {
    spec.host = map.ref("host", true);
    if (map.has("never")) {
      spec.kind = ExpectKind::host_never;
      allow_only({"host", "never"}, "write 'never: STATE' alone, or 'state' with 'within' or 'by'");
      spec.host_state = map.choice("never", HostExpectState::fenced);
    } else {
      spec.kind = ExpectKind::host_state;
      allow_only({"host", "state", "within", "by"}, "a host expectation takes state with within or by, or never");
      map.require("state", "state: fenced");
      spec.host_state = map.choice("state", HostExpectState::fenced);
      if (map.has("within") && map.has("by")) {
        reporter.error(map.key_pos("by"), "give 'within' or 'by' in " + what + ", not both");
      } else if (map.has("by")) {
        spec.latest = map.duration(by);
      } else {
        map.require("within", "within: [5m, 7m]");
        read_window(map, spec);
      }
    }
  } else if (named.front() == "vm") {
    read_vm_expectation(map, spec);
  } else if (named.front() == "service") {
    spec.kind = ExpectKind::service_downtime;
    spec.service = map.ref("service", true);
    allow_only({"service", "downtime_at_most"}, "a service expectation takes downtime_at_most");
    map.require("downtime_at_most", "downtime_at_most: 5m");
    spec.downtime_at_most = map.duration(parameter("expect[].downtime_at_most"));
  } else {
    read_alert_expectation(map, spec);
  }
  return spec;
}

// ---- the file ----

const std::vector<std::string> scenario_keys{"name",          "description", "seed",     "until",  "start",
                                             "pool",          "faults",      "random_faults", "services", "expect"};

// The pool of the file `from` names, read with its own positions (SourcePos::file 1): the `pool` of a scenario,
// of `poolsim import`'s output or of a file that holds only `pool:`. Nothing else of that file is used.
std::optional<PoolSpec> read_pool_file(Reporter& reporter, const MapReader& map, std::string& display) {
  const std::string from = map.text("from");
  if (from.empty()) {
    reporter.error(map.key_pos("from"), "'from' in 'pool' names the file of the pool, e.g. 'from: pools/lab.yaml'");
    return std::nullopt;
  }
  // Relative to the scenario's folder, as an include is.
  const std::filesystem::path path = std::filesystem::path(reporter.file_name(0)).parent_path() / from;
  display = path.string();
  const FileText file_text = read_capped(path);
  if (!file_text.error.empty()) {
    reporter.error(map.key_pos("from"), "the pool file '" + display + "' " + file_text.error +
                                            "; 'from' is a path relative to the scenario's folder");
    return std::nullopt;
  }
  const detail::FileScope scope(reporter.add_file(display));
  if (!check_text(file_text.text, reporter)) return std::nullopt;
  const std::optional<YAML::Node> root = parse_document(file_text.text, reporter);
  if (!root) return std::nullopt;
  const MapReader file(reporter, *root, "the pool file", scenario_keys);
  if (!file.ok() || !file.require("pool", "pool: {hosts: [...]}")) return std::nullopt;
  const YAML::Node pool = file.child("pool");
  if (pool.IsMap() && pool["from"]) {
    reporter.error(detail::pos_of(pool), "this pool takes its own pool from another file; a pool file must hold "
                                         "its pool written out (one level of 'from')");
    return std::nullopt;
  }
  return read_pool(reporter, pool);
}

// `pool: {from: FILE, ...}`: the pool of FILE with the what-if changes beside `from`, in the order
// remove_vms, remove_hosts, add_hosts, add_vms, ha (docs/scenario-format.md "One pool, many scenarios").
void read_pool_from(Reporter& reporter, const YAML::Node& node, ScenarioSpec& scenario) {
  const MapReader map(reporter, node, "'pool'", {"from", "remove_vms", "remove_hosts", "add_hosts", "add_vms", "ha"});
  std::optional<PoolSpec> loaded = read_pool_file(reporter, map, scenario.pool_file);
  if (!loaded) return;
  scenario.pool = std::move(*loaded);
  const std::string in_file = " in the pool of " + scenario.pool_file;
  for (const Ref& vm : map.refs("remove_vms")) {
    std::vector<VmSpec>& vms = scenario.pool.vms;
    const auto it = std::find_if(vms.begin(), vms.end(), [&](const VmSpec& v) { return v.name == vm.name; });
    if (it == vms.end()) {
      std::vector<std::string> names;
      for (const VmSpec& v : vms) names.push_back(v.name);
      reporter.error(vm.pos, "no VM '" + vm.name + "'" + in_file + detail::suggestion(vm.name, names, ""));
      continue;
    }
    vms.erase(it);
    scenario.changes.push_back("remove VM " + vm.name);
  }
  for (const Ref& host : map.refs("remove_hosts")) {
    std::vector<std::string> names;
    for (const HostSpec& h : scenario.pool.hosts) names.push_back(h.name);
    if (std::find(names.begin(), names.end(), host.name) == names.end()) {
      reporter.error(host.pos, "no host '" + host.name + "'" + in_file + detail::suggestion(host.name, names, ""));
      continue;
    }
    if (const auto error = remove_host(scenario, host.name)) {
      reporter.error(host.pos, *error);
      continue;
    }
    scenario.changes.push_back("remove host " + host.name);
  }
  for (HostSpec& host : read_list(map, "add_hosts", "host", host_keys, read_host)) {
    scenario.changes.push_back("add host " + host.name);
    scenario.pool.hosts.push_back(std::move(host));
  }
  for (VmSpec& vm : read_list(map, "add_vms", "vm", vm_keys, read_vm)) {
    scenario.changes.push_back("add VM " + vm.name);
    scenario.pool.vms.push_back(std::move(vm));
  }
  if (map.has("ha")) {
    // Each key given replaces the pool file's; the timers' overrides and xapi's settings stay the file's.
    const MapReader ha(reporter, map.child("ha"), "'ha' of 'pool'",
                       {"enabled", "timeout", "host_failures_to_tolerate", "allow_overcommit", "interval_formula"});
    HaSpec& spec = scenario.pool.ha;
    if (ha.has("enabled")) spec.enabled = ha.flag("enabled", false);
    if (ha.has("timeout")) spec.timeout = read_ha_timeout(reporter, ha);
    if (ha.has("host_failures_to_tolerate")) {
      spec.host_failures_to_tolerate = ha.count(parameter("pool.ha.host_failures_to_tolerate"));
    }
    if (ha.has("allow_overcommit")) spec.allow_overcommit = ha.flag("allow_overcommit", false);
    if (ha.has("interval_formula")) spec.interval_formula = ha.choice("interval_formula", spec.interval_formula);
    for (const std::string& key : ha.present_keys()) scenario.changes.push_back("ha " + key);
  }
}

ScenarioSpec read_scenario(Reporter& reporter, const YAML::Node& root) {
  const MapReader map(reporter, root, "the scenario", scenario_keys);
  ScenarioSpec spec;
  if (!map.ok()) return spec;
  spec.name = map.name();
  spec.description = map.text("description");
  spec.seed = map.value(parameter("seed"));
  spec.until = map.duration(parameter("until"));
  if (map.has("start")) {
    // A wall-clock label for time 0, read by the timeline and the report only (docs/scenario-format.md).
    const auto parsed = parse_utc_time(map.text("start"));
    if (const auto* error = std::get_if<TimeParseError>(&parsed)) {
      reporter.error(map.key_pos("start"), "'start' in the scenario: " + error->message);
    } else {
      spec.start = std::get<UtcTime>(parsed);
    }
  }
  if (map.require("pool", "pool: {hosts: [...]}")) {
    const YAML::Node pool = map.child("pool");
    if (pool.IsMap() && pool["from"]) {
      read_pool_from(reporter, pool, spec);
    } else {
      spec.pool = read_pool(reporter, pool);
    }
  }
  spec.faults = read_list(map, "faults", "fault",
                          {"at", "do", "host", "nic", "switch", "portal", "storage", "groups", "new_master", "vm", "value"},
                          read_fault, "do", "a fault");
  spec.random_faults = read_list(map, "random_faults", "random fault", {"target", "do", "mtbf", "repair"},
                                 read_random_fault, "do", "a random fault");
  spec.services = read_list(map, "services", "service", {"name", "vms", "need"}, read_service);
  for (const YAML::Node& node : map.list("expect")) spec.expectations.push_back(read_expectation(reporter, node));
  return spec;
}

}  // namespace

LoadResult load_scenario_text(std::string_view text, const std::string& display_name, const WhatIf* what_if) {
  Reporter reporter(display_name);
  ScenarioSpec spec;
  try {
    if (!check_text(text, reporter)) return {std::nullopt, reporter.take()};
    const std::optional<YAML::Node> root = parse_document(std::string(text), reporter);
    if (!root) return {std::nullopt, reporter.take()};
    // The cross-element checks need a scenario mapping to check.
    spec = read_scenario(reporter, *root);
    std::vector<std::string> applied;  // the command line's changes, once applied
    if (what_if && !reporter.has_errors()) {
      const std::size_t before = spec.changes.size();
      if (const auto error = apply_what_if(spec, *what_if)) reporter.error({}, *error);
      applied.assign(spec.changes.begin() + static_cast<std::ptrdiff_t>(before), spec.changes.end());
    }
    if (root->IsMap()) detail::validate(spec, reporter);
    if (!applied.empty() && reporter.has_errors()) {
      std::string list;
      for (const std::string& change : applied) list += (list.empty() ? "" : ", ") + change;
      reporter.error({}, "the problems above are in the pool after the what-if options (" + list +
                             "): drop the options, or edit what names the removed elements");
    }
  } catch (const detail::StopLoading&) {
    return {std::nullopt, reporter.take()};
  }
  const bool valid = !reporter.has_errors();
  return {valid ? std::optional<ScenarioSpec>(std::move(spec)) : std::nullopt, reporter.take()};
}

LoadResult load_scenario(const std::string& path, const WhatIf* what_if) {
  const FileText file = read_capped(path);
  if (!file.error.empty()) {
    Reporter reporter(path);
    reporter.error({}, file.error == "is a directory" ? "is a directory; give a scenario file (.yaml)"
                                                      : "cannot open the file; check the path and its permissions");
    return {std::nullopt, reporter.take()};
  }
  return load_scenario_text(file.text, path, what_if);
}

void apply_overrides(ScenarioSpec& spec, const Overrides& overrides) {
  if (overrides.seed) spec.seed = *overrides.seed;
  if (overrides.until) spec.until = *overrides.until;
}

}  // namespace poolsim::scenario
