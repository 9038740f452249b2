#include "poolsim/import/import.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <set>
#include <stdexcept>
#include <utility>

#include "poolsim/scenario/emit.hpp"
#include "poolsim/scenario/load.hpp"
#include "poolsim/scenario/parameters.hpp"
#include "poolsim/scenario/size.hpp"

#include "mapper.hpp"

namespace poolsim::import {

using detail::lookup;
using detail::to_ll;

std::string sanitize_name(std::string_view label, std::string_view fallback) {
  std::string out;
  bool pending_dash = false;
  for (const char c : label) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '.';
    if (!ok) {
      pending_dash = true;
      continue;
    }
    if (pending_dash && !out.empty()) out += '-';
    pending_dash = false;
    out += c;
    if (out.size() >= 60) break;
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  while (!out.empty() && out.front() == '-') out.erase(out.begin());
  return out.empty() ? std::string(fallback) : out;
}


std::optional<HaTimeout> resolve_ha_timeout(const std::vector<std::pair<std::string, std::string>>& ha_configuration,
                                            const std::vector<std::pair<std::string, std::string>>& other_config,
                                            std::string& error) {
  // Timeouts.get_base_t: configuration first, then other_config, then the built-in default.
  const std::pair<const std::vector<std::pair<std::string, std::string>>*, std::string_view> sources[] = {
      {&ha_configuration, "timeout"}, {&other_config, "default_ha_timeout"}};
  for (const auto& [map, key] : sources) {
    if (const std::string* v = lookup(*map, key)) {
      const std::optional<long long> n = to_ll(*v);
      if (!n) {
        error = "'" + std::string(key) + "' is '" + *v + "', not a whole number of seconds";
        return std::nullopt;
      }
      return HaTimeout{*n, std::string(map == &ha_configuration ? "ha_configuration:" : "other_config:") + std::string(key)};
    }
  }
  return HaTimeout{60, "default"};
}

namespace detail {

// The defaults the loader applies (boot times, bond timing, multipath, xapi timing): read from a skeleton
// scenario so that they follow the parameter table.
void Mapper::load_defaults() {
  static constexpr std::string_view skeleton = R"(name: d
until: 1h
pool:
  switches: [{name: s}]
  storage:
    - {name: i, type: iscsi, size: 1GiB, portals: [{name: p, switch: s}]}
  hosts:
    - name: h
      master: true
      memory: 1GiB
      cpus: 1
      nics: [{name: a, switch: s}, {name: b, switch: s}]
      bonds: [{name: bo, members: [a, b]}]
      management: bo
  vms:
    - {name: v, memory: 1GiB, vcpus: 1}
  ha: {enabled: false}
)";
  scenario::LoadResult r = scenario::load_scenario_text(skeleton, "skeleton");
  if (!r.spec) throw std::logic_error("poolsim import: the defaults skeleton does not load");
  defaults_ = *r.spec;
}

void Mapper::check_schema() {
  if (db_.from_xe) return;  // xe prints no schema version; its field names are the same in every version
  // ocaml/idl/datamodel_common.ml: schema 5.x since Rio (5.19); 5.909 when this was written.
  if (db_.schema_major == -1) {
    warn({}, "the manifest gives no schema version; importing as the current schema");
  } else if (db_.schema_major != 5 || db_.schema_minor > 909) {
    warn({}, "schema version " + std::to_string(db_.schema_major) + "." + std::to_string(db_.schema_minor) +
                 " is not one poolsim knows (5.19 to 5.909); importing what it recognises: check the result");
  }
}

bool Mapper::vm_imported(const DbRow& vm) {
  const DbTable& t = table("VM");
  return !boolean(t, vm, "is_a_template", false) && !boolean(t, vm, "is_a_snapshot", false) &&
         !boolean(t, vm, "is_control_domain", false) && !boolean(t, vm, "is_snapshot_from_vmpp", false);
}

void Mapper::map_hosts(const DbRow& pool, scenario::PoolSpec& spec) {
  const DbTable& hosts = table("host");
  const DbTable& metrics = table("host_metrics");
  const DbTable& vms = table("VM");
  if (hosts.rows.empty()) {
    error(hosts.pos, hint("the database has no host; a pool has at least its master: dump the database again",
                          "host-list holds no record; a pool has at least its master: run 'xe host-list params=all' again"));
  }
  const DbRow* master = deref(table("pool"), pool, "master", "host");
  if (!master) {
    error(pos_of(pool, "master"), where(table("pool"), pool, "master") +
                                      " is empty: the pool has no master; " + hint("dump the database on the master (xe pool-dump-database)",
                                                                  "run the xe commands on the pool master"));
  }
  Namer names;
  bool all_uuids = true;
  for (const DbRow& h : hosts.rows) all_uuids = all_uuids && valid_uuid(text(h, "uuid"));
  if (!all_uuids) assume("hosts are ordered as in the database (not every host has a valid uuid): the tie-break order");
  for (const DbRow& h : hosts.rows) {
    scenario::HostSpec host;
    host.pos = {};
    const std::string label = text(h, "name__label");
    host.name = rename("host", label, names.take(sanitize_name(label, "host-" + std::to_string(spec.hosts.size() + 1))));
    if (all_uuids) {
      host.uuid = text(h, "uuid");
    }
    host.master = &h == master;
    const DbRow* m = deref(hosts, h, "metrics", "host_metrics");
    if (!m) error(pos_of(h, "metrics"), where(hosts, h, "metrics") + " names no host_metrics row: the host's memory is unknown; dump the database on a running master");
    const long long total = integer(metrics, *m, "memory__total", -1);
    if (total <= 0) error(pos_of(*m, "memory__total"), where(metrics, *m, "memory__total") + " is missing or not positive; the host's memory is unknown");
    host.memory = static_cast<std::uint64_t>(total);
    const std::uint64_t min_memory = std::uint64_t{512} << 20;
    if (host.memory < min_memory) {
      warn(pos_of(*m, "memory__total"), "host '" + host.name + "' has less than 512MiB; poolsim takes 512MiB");
      host.memory = min_memory;
    }
    // Memory VMs may not use: Xen's overhead of the host and the control domain's memory.
    long long reserved = std::max(0LL, integer(hosts, h, "memory__overhead", 0));
    for (const DbRow& vm : vms.rows) {
      if (!boolean(vms, vm, "is_control_domain", false) || ref_of(vm, "resident_on") != h.ref) continue;
      long long dom0 = integer(vms, vm, "memory__target", 0);
      if (dom0 <= 0) dom0 = integer(vms, vm, "memory__static_max", 0);
      reserved += std::max(0LL, dom0);
    }
    host.control_domain_memory = std::min<std::uint64_t>(static_cast<std::uint64_t>(reserved), host.memory);
    // CPUs: cpu_info's cpu_count (since Tampa), else the host_cpu rows, else one.
    long long cpus = 0;
    const auto cpu_info = map(hosts, h, "cpu_info");  // lookup points into it: it must outlive the use
    if (const std::string* n = lookup(cpu_info, "cpu_count")) cpus = to_ll(*n).value_or(0);
    if (cpus <= 0) {
      for (const DbRow& c : table("host_cpu").rows) cpus += ref_of(c, "host") == h.ref ? 1 : 0;
    }
    if (cpus <= 0) {
      cpus = 1;
      assume("host " + host.name + ": no CPU count in the database (cpu_info, host_cpu); assumed 1 CPU: set 'cpus'");
    }
    host.cpus = std::min(cpus, 4096LL);
    host.boot_time = defaults_.pool.hosts.front().boot_time;
    HostInfo info;
    info.row = &h;
    info.index = spec.hosts.size();
    info.live = boolean(metrics, *m, "live", true);
    hosts_.emplace(h.ref, info);
    spec.hosts.push_back(std::move(host));
  }
  assume("every host boots in " + format_duration(defaults_.pool.hosts.front().boot_time) +
         " (the database does not record boot times): set each host's 'boot_time'");
  for (const auto& [ref, info] : hosts_) {
    if (!info.live) {
      assume("host " + spec.hosts[info.index].name +
             " is not live in the database (host_metrics live=false); poolsim starts every host up: add "
             "{at: 0s, do: crash, host: " + spec.hosts[info.index].name + "} to start it down");
    }
  }
}

void Mapper::map_networks(scenario::PoolSpec& spec, const std::set<std::string>& vm_refs) {
  const DbTable& networks = table("network");
  std::set<std::string> with_pif, with_vif;
  for (const DbRow& p : table("PIF").rows) {
    // A bond member's own network carries nothing (agility.ml counts no bond slave).
    if (hosts_.count(ref_of(p, "host")) && ref_of(p, "bond_slave_of").empty()) with_pif.insert(ref_of(p, "network"));
  }
  for (const DbRow& v : table("VIF").rows) {
    if (vm_refs.count(ref_of(v, "VM"))) with_vif.insert(ref_of(v, "network"));
  }
  for (const DbRow& v : table("VIF").rows) {
    if (vm_refs.count(ref_of(v, "VM"))) deref(table("VIF"), v, "network", "network");
  }
  Namer names;
  for (const DbRow& n : networks.rows) {
    if (!with_pif.count(n.ref) && !with_vif.count(n.ref)) continue;
    scenario::NetworkSpec net;
    const std::string label = text(n, "name__label");
    net.name = rename("network", label, names.take(sanitize_name(label, "network-" + std::to_string(spec.networks.size() + 1))));
    net.shared = with_pif.count(n.ref) > 0;  // no PIF: a private (host-internal) network
    network_name_.emplace(n.ref, net.name);
    spec.networks.push_back(std::move(net));
  }
}

void Mapper::map_storage(const DbRow& pool, scenario::PoolSpec& spec, const std::set<std::string>& vm_refs) {
  const DbTable& srs = table("SR");
  const DbTable& pbds = table("PBD");
  const DbTable& vdis = table("VDI");
  const DbTable& vbds = table("VBD");
  // The SRs worth importing: the heartbeat SR, those holding a disk of an imported VM, and shared SRs that are not
  // ISO libraries.
  std::set<std::string> wanted;
  for (const std::string& vdi_ref : set(table("pool"), pool, "ha_statefiles")) {
    if (const DbRow* vdi = vdis.find(vdi_ref)) {
      if (const DbRow* sr = deref(vdis, *vdi, "SR", "SR")) wanted.insert(sr->ref);
    }
  }
  for (const DbRow& b : vbds.rows) {
    if (!vm_refs.count(ref_of(b, "VM")) || !iequals(text(b, "type", "Disk"), "Disk") || boolean(vbds, b, "empty", false)) continue;
    if (const DbRow* vdi = deref(vbds, b, "VDI", "VDI")) {
      if (const DbRow* sr = deref(vdis, *vdi, "SR", "SR")) wanted.insert(sr->ref);
    }
  }
  bool host_multipathing = false;
  for (const auto& [ref, info] : hosts_) {
    host_multipathing = host_multipathing || boolean(table("host"), *info.row, "multipathing", false);
    const auto other = map(table("host"), *info.row, "other_config");
    if (const std::string* v = lookup(other, "multipathing")) host_multipathing = host_multipathing || *v == "true";
  }
  Namer names;
  for (const DbRow& s : srs.rows) {
    const std::string type = text(s, "type");
    const bool shared = boolean(srs, s, "shared", false);
    const bool iso = type == "iso" || type == "udev" || text(s, "content_type") == "iso";
    if (!wanted.count(s.ref) && (!shared || iso)) continue;
    scenario::StorageSpec sr = defaults_.pool.storage.front();
    sr.portals.clear();
    const std::string label = text(s, "name__label");
    sr.name = rename("sr", label, names.take(sanitize_name(label, "sr-" + std::to_string(spec.storage.size() + 1))));
    std::vector<std::string> attached;  // hosts with a PBD
    bool multipathed = host_multipathing;
    for (const DbRow& p : pbds.rows) {
      if (ref_of(p, "SR") != s.ref) continue;
      if (const DbRow* h = deref(pbds, p, "host", "host")) attached.push_back(h->ref);
      const auto pbd_config = map(pbds, p, "other_config");  // lookup points into it
      if (const std::string* v = lookup(pbd_config, "multipathed")) multipathed = multipathed || *v == "true";
    }
    if (!shared) {
      sr.type = scenario::StorageType::local;
      std::string host_ref = attached.empty() ? std::string() : attached.front();
      if (!hosts_.count(host_ref)) {
        for (const auto& [ref, info] : hosts_) {
          if (spec.hosts[info.index].master) host_ref = ref;
        }
        assume("local SR " + sr.name + " has no PBD: assumed to be on the master; set its 'host'");
      }
      sr.host.name = spec.hosts[hosts_.at(host_ref).index].name;
    } else {
      // Shared types (xapi-project/sm drivers): iSCSI, HBA (FC, FCoE), file-based network storage.
      if (type == "lvmoiscsi" || type == "iscsi" || type == "gfs2") sr.type = scenario::StorageType::iscsi;
      else if (type == "lvmohba" || type == "hba" || type == "lvmofcoe") sr.type = scenario::StorageType::fc;
      else if (type == "nfs" || type == "smb" || type == "cifs" || type == "iso" || type == "cephfs" || type == "glusterfs") sr.type = scenario::StorageType::nfs;
      else {
        sr.type = scenario::StorageType::nfs;
        assume("shared SR " + sr.name + " has type '" + printable(type) + "', which poolsim does not model; taken as nfs: set its 'type'");
      }
      if (type == "gfs2") assume("shared SR " + sr.name + " is GFS2, taken as iscsi (it may be on FC): set its 'type'");
      if (attached.size() < hosts_.size()) {
        assume("shared SR " + sr.name + " has PBDs on " + std::to_string(attached.size()) + " of " +
               std::to_string(hosts_.size()) + " hosts; poolsim attaches a shared SR to every host");
      }
      if (sr.type != scenario::StorageType::fc) {
        const int count = sr.type == scenario::StorageType::iscsi && multipathed ? 2 : 1;
        for (int i = 1; i <= count; ++i) sr.portals.push_back({sr.name + "-p" + std::to_string(i), {"sw0", {}}, {}});
        assume("SR " + sr.name + ": " + std::to_string(count) + " storage portal" + (count > 1 ? "s" : "") +
               " on sw0 (the database holds addresses, which are not copied, not ports): edit its 'portals'");
      }
      if (sr.type == scenario::StorageType::iscsi) {
        // xapi-project/sm iscsi.py: 15 s with multipath, 144 s without (docs/research/real-behaviour.md §3).
        sr.replacement_timeout = Duration::seconds(multipathed ? 15 : 144);
      }
    }
    const long long size = integer(srs, s, "physical_size", 0);
    const std::uint64_t min = std::uint64_t{1} << 20;
    const std::uint64_t max = std::uint64_t{1} << 50;
    sr.size = static_cast<std::uint64_t>(std::clamp<long long>(size, static_cast<long long>(min), static_cast<long long>(max)));
    if (static_cast<long long>(sr.size) != size) {
      assume("SR " + sr.name + ": physical_size " + std::to_string(size) + " is outside 1MiB..1PiB; taken as " +
             scenario::format_size(sr.size) + ": set its 'size'");
    }
    sr_index_.emplace(s.ref, spec.storage.size());
    spec.storage.push_back(std::move(sr));
  }
}

void Mapper::map_vms(scenario::PoolSpec& spec) {
  const DbTable& vms = table("VM");
  const DbTable& vbds = table("VBD");
  const DbTable& vdis = table("VDI");
  const DbTable& vifs = table("VIF");
  const DbTable& srs = table("SR");
  Namer names;
  for (const DbRow& v : vms.rows) {
    if (!vm_imported(v)) continue;
    scenario::VmSpec vm = defaults_.pool.vms.front();
    const std::string label = text(v, "name__label");
    vm.name = rename("vm", label, names.take(sanitize_name(label, "vm-" + std::to_string(spec.vms.size() + 1))));
    const long long memory = integer(vms, v, "memory__static_max", 0);
    vm.memory = static_cast<std::uint64_t>(std::clamp<long long>(memory, 1LL << 20, 1LL << 44));
    if (static_cast<long long>(vm.memory) != memory) {
      warn(pos_of(v, "memory__static_max"), "vm " + vm.name + ": memory__static_max " + std::to_string(memory) +
                                                " is outside 1MiB..16TiB; taken as " + scenario::format_size(vm.memory));
    }
    vm.vcpus = std::clamp<long long>(integer(vms, v, "VCPUs__max", 1), 1, 1024);
    const std::string power = text(v, "power_state", "Halted");
    const DbRow* resident = deref(vms, v, "resident_on", "host");
    if (iequals(power, "Running") || iequals(power, "Paused")) {
      if (!resident) {
        warn(pos_of(v, "resident_on"), "vm " + vm.name + " is " + power + " but resident on no host; imported halted");
      } else if (!hosts_.at(resident->ref).live) {
        assume("vm " + vm.name + " is " + power + " on " + spec.hosts[hosts_.at(resident->ref).index].name +
               ", which is not live; imported halted (xapi will mark it halted): set its 'host' to start it running");
      } else {
        vm.host.name = spec.hosts[hosts_.at(resident->ref).index].name;
      }
    }
    // Restart priority: "restart", "best-effort", "" today; XenServer 5.x wrote "0".."3" (restart, that order)
    // and "best-effort", protection being ha_always_run (xapi_db_upgrade.ml upgrade_ha_restart_priority).
    // Protected = ha_always_run && priority = restart (helpers.ml vm_should_always_run).
    const std::string priority = text(v, "ha_restart_priority");
    const bool always_run = boolean(vms, v, "ha_always_run", false);
    const bool legacy = priority.size() == 1 && priority[0] >= '0' && priority[0] <= '3';
    long long order = integer(vms, v, "order", 0);
    if (legacy) {
      order = priority[0] - '0';
      vm.ha.restart_priority = always_run ? scenario::RestartPriority::restart : scenario::RestartPriority::do_not_restart;
    } else if (priority == "restart") {
      vm.ha.restart_priority = scenario::RestartPriority::restart;
      if (!vm.host.name.empty() && !always_run) {
        vm.ha.restart_priority = scenario::RestartPriority::do_not_restart;
        assume("vm " + vm.name + " has restart priority 'restart' but ha_always_run false, so xapi does not protect it; "
               "imported as do_not_restart");
      }
    } else if (priority == "best-effort") {
      vm.ha.restart_priority = scenario::RestartPriority::best_effort;
    } else if (priority.empty()) {
      vm.ha.restart_priority = scenario::RestartPriority::do_not_restart;
    } else {
      warn(pos_of(v, "ha_restart_priority"), "vm " + vm.name + ": ha_restart_priority '" + printable(priority) +
                                                 "' is not one xapi defines; taken as do_not_restart");
    }
    if (vm.host.name.empty() && always_run && vm.ha.restart_priority == scenario::RestartPriority::restart) {
      assume("vm " + vm.name + " is halted with ha_always_run set (xapi's HA would start it); poolsim starts it halted");
    }
    vm.ha.order = std::clamp<long long>(order, 0, 1'000'000);
    vm.ha.start_delay = Duration::seconds(std::clamp<long long>(integer(vms, v, "start_delay", 0), 0, 3600));
    // Disks and CDs (agility.ml: a non-empty VBD whose VDI is on an SR that is not shared makes the VM not agile;
    // a CD from a shared ISO library does not).
    for (const DbRow& b : vbds.rows) {
      if (ref_of(b, "VM") != v.ref || boolean(vbds, b, "empty", false)) continue;
      const DbRow* vdi = deref(vbds, b, "VDI", "VDI");
      const DbRow* sr = vdi ? deref(vdis, *vdi, "SR", "SR") : nullptr;
      if (!sr) continue;
      const std::string type = text(b, "type", "Disk");
      if (iequals(type, "CD")) {
        if (!boolean(srs, *sr, "shared", false)) vm.cd_inserted = true;
      } else if (iequals(type, "Disk")) {
        const auto it = sr_index_.find(sr->ref);
        if (it == sr_index_.end()) continue;
        const std::string& name = spec.storage[it->second].name;
        if (std::none_of(vm.disks.begin(), vm.disks.end(), [&](const scenario::Ref& r) { return r.name == name; })) {
          vm.disks.push_back({name, {}});
        }
      }
    }
    for (const DbRow& f : vifs.rows) {
      if (ref_of(f, "VM") != v.ref) continue;
      const auto it = network_name_.find(ref_of(f, "network"));
      if (it == network_name_.end()) continue;
      if (std::none_of(vm.networks.begin(), vm.networks.end(), [&](const scenario::Ref& r) { return r.name == it->second; })) {
        vm.networks.push_back({it->second, {}});
      }
    }
    spec.vms.push_back(std::move(vm));
  }
  assume("every VM boots in " + format_duration(defaults_.pool.vms.front().boot_time) +
         " (the database does not record boot times): set each VM's 'boot_time'");
}

void Mapper::map_ha(const DbRow& pool, scenario::PoolSpec& spec) {
  const DbTable& pools = table("pool");
  scenario::HaSpec ha = defaults_.pool.ha;
  ha.enabled = boolean(pools, pool, "ha_enabled", false);
  ha.allow_overcommit = boolean(pools, pool, "ha_allow_overcommit", false);
  const long long ntol = integer(pools, pool, "ha_host_failures_to_tolerate", 0);
  const long long max_ntol = std::min<long long>(63, static_cast<long long>(spec.hosts.size()) - 1);
  ha.host_failures_to_tolerate = std::clamp<long long>(ntol, 0, max_ntol);
  if (ha.host_failures_to_tolerate != ntol) {
    warn(pos_of(pool, "ha_host_failures_to_tolerate"), "ha_host_failures_to_tolerate " + std::to_string(ntol) +
                                                           " is outside 0.." + std::to_string(max_ntol) + " for " +
                                                           std::to_string(spec.hosts.size()) + " hosts; taken as " +
                                                           std::to_string(ha.host_failures_to_tolerate));
  }
  std::string why;
  const std::optional<HaTimeout> t = resolve_ha_timeout(map(pools, pool, "ha_configuration"), map(pools, pool, "other_config"), why);
  if (!t) error(pos_of(pool, why.find("default_ha_timeout") != std::string::npos ? "other_config" : "ha_configuration"),
                "pool row '" + pool.ref + "': " + why + "; xapi could not read it either: fix it with xe pool-param-set");
  const long long seconds = std::clamp<long long>(t->seconds, 11, 3600);
  if (seconds != t->seconds) {
    warn(pos_of(pool, t->source == "default" ? "ha_enabled" : (t->source.starts_with("ha_") ? "ha_configuration" : "other_config")),
         "HA timeout " + std::to_string(t->seconds) + "s (" + t->source + ") is outside what poolsim simulates (11s..1h); taken as " +
             std::to_string(seconds) + "s");
  }
  ha.timeout = Duration::seconds(seconds);
  assume("HA timeout " + std::to_string(seconds) + "s from " +
         (t->source == "default" ? std::string("xapi's default (neither ha_configuration:timeout nor other_config:default_ha_timeout is set)")
                                 : "pool " + t->source) +
         "; interval formula 'current' (xapi since 2020): set 'interval_formula: legacy' for older XenServer");
  // The heartbeat SR: pool ha_statefiles -> VDI -> SR.
  const std::vector<std::string> statefiles = set(pools, pool, "ha_statefiles");
  for (const std::string& vdi_ref : statefiles) {
    const DbRow* vdi = table("VDI").find(vdi_ref);
    if (!vdi) {
      error(pos_of(pool, "ha_statefiles"), where(pools, pool, "ha_statefiles") + " names VDI '" + printable(vdi_ref) +
                                               "', " + not_a_row("VDI") + "; " + inconsistent());
    }
    const DbRow* sr = deref(table("VDI"), *vdi, "SR", "SR");
    if (sr && sr_index_.count(sr->ref) && ha.heartbeat_sr.name.empty()) ha.heartbeat_sr.name = spec.storage[sr_index_.at(sr->ref)].name;
  }
  if (ha.enabled && ha.heartbeat_sr.name.empty()) {
    error(pos_of(pool, "ha_statefiles"), where(pools, pool, "ha_statefiles") +
                                             " names no statefile VDI although ha_enabled is true; the heartbeat SR is unknown: " +
                                             hint("dump the database again with HA enabled", "run xe pool-list params=all again with HA enabled"));
  }
  if (ha.enabled && !ha.heartbeat_sr.name.empty()) {
    for (scenario::StorageSpec& hb : spec.storage) {
      if (hb.name != ha.heartbeat_sr.name || hb.size >= scenario::heartbeat_sr_min_size) continue;
      assume("heartbeat SR " + hb.name + " is smaller than 356MiB in the database; taken as 356MiB");
      hb.size = scenario::heartbeat_sr_min_size;
    }
  }
  // A protected VM must be agile when HA is on (xapi refuses otherwise); one that is not becomes best_effort.
  if (ha.enabled) {
    for (scenario::VmSpec& vm : spec.vms) {
      if (vm.ha.restart_priority != scenario::RestartPriority::restart) continue;
      std::string why_not;
      if (vm.cd_inserted) why_not = "a CD from a non-shared SR is inserted";
      for (const scenario::Ref& d : vm.disks) {
        for (const scenario::StorageSpec& s : spec.storage) {
          if (s.name == d.name && s.type == scenario::StorageType::local) why_not = "a disk is on the local SR " + s.name;
        }
      }
      for (const scenario::Ref& n : vm.networks) {
        const bool everywhere = std::all_of(spec.hosts.begin(), spec.hosts.end(), [&](const scenario::HostSpec& h) {
          return std::any_of(h.pif_networks.begin(), h.pif_networks.end(),
                             [&](const scenario::PifSpec& p) { return p.network.name == n.name; });
        });
        if (!everywhere) why_not = "network " + n.name + " is not on every host";
      }
      if (!why_not.empty()) {
        vm.ha.restart_priority = scenario::RestartPriority::best_effort;
        assume("vm " + vm.name + " is protected ('restart') but not agile (" + why_not +
               "), which xapi refuses with HA on; imported as best_effort");
      }
    }
  }
  spec.ha = ha;
}

void Mapper::run(const std::string& source_label) {
  load_defaults();
  check_schema();
  const DbTable& pools = table("pool");
  if (pools.rows.size() != 1) {
    error(pools.pos, db_.from_xe ? "pool-list has " + std::to_string(pools.rows.size()) +
                                       " records, not one; a pool has exactly one: give the output of 'xe pool-list params=all' on the master"
                                 : "table 'pool' has " + std::to_string(pools.rows.size()) +
                                       " rows, not one; a XAPI database holds exactly one pool row: dump it again on the master");
  }
  const DbRow& pool = pools.rows.front();
  scenario::ScenarioSpec spec;
  const std::string label = text(pool, "name__label");
  spec.name = label.empty() ? "imported-pool" : rename("pool", label, sanitize_name(label, "imported-pool"));
  spec.description = "Imported by poolsim import from " + source_label +
                     (db_.from_xe ? std::string(" (xe params=all text).")
                                  : " (schema " + std::to_string(db_.schema_major) + "." + std::to_string(db_.schema_minor) + ").");
  for (const std::string& note : db_.notes) assume(note);
  spec.seed = 1;
  spec.until = Duration::hours(1);
  map_hosts(pool, spec.pool);
  std::set<std::string> vm_refs;
  for (const DbRow& v : table("VM").rows) {
    if (vm_imported(v)) vm_refs.insert(v.ref);
  }
  map_networks(spec.pool, vm_refs);
  map_host_interfaces(spec.pool);
  map_storage(pool, spec.pool, vm_refs);
  map_vms(spec.pool);
  map_ha(pool, spec.pool);
  out_.spec = std::move(spec);
}

std::string comment_of(const ImportResult& r) {
  std::string c = "Imported by poolsim import. What the XAPI database cannot know was assumed; edit these:\n";
  for (const std::string& a : r.assumptions) c += "  - " + a + "\n";
  if (!r.renames.empty()) {
    c += "Names made valid for poolsim (letters, digits, '-', '_', '.'; at most 64):\n";
    for (const std::string& n : r.renames) c += "  " + n + "\n";
  }
  return c;
}

}  // namespace detail

using detail::comment_of;
using detail::Stop;
using scenario::Diagnostic;
using scenario::Severity;
using detail::Mapper;

ImportResult import_database(const Database& db, const std::string& display_name, const std::string& source_label) {
  ImportResult result;
  Mapper mapper(db, display_name, result);
  try {
    mapper.run(source_label);
  } catch (const Stop&) {
    result.spec.reset();
    return result;
  }
  result.yaml = scenario::to_yaml(*result.spec, comment_of(result));
  return result;
}

ImportResult import_xml(std::string_view xml_text, const std::string& display_name, const std::string& source_label) {
  DbReadResult db = read_database(xml_text);
  if (db.error) {
    ImportResult result;
    result.diagnostics.push_back(Diagnostic{display_name, db.error->pos.line, db.error->pos.column, Severity::error, db.error->message});
    return result;
  }
  return import_database(*db.database, display_name, source_label);
}

ImportResult import_xe(const std::vector<XeFile>& files, const std::string& where, bool strict, const std::string& source_label) {
  XeReadResult read = read_xe_lists(files, where, strict);
  if (!read.database) {
    ImportResult result;
    result.diagnostics = std::move(read.diagnostics);
    return result;
  }
  ImportResult result = import_database(*read.database, where, source_label);
  result.diagnostics.insert(result.diagnostics.begin(), read.diagnostics.begin(), read.diagnostics.end());
  return result;
}

}  // namespace poolsim::import
