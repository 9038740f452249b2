// The PIFs, bonds and VLANs of each host as the scenario's NICs and bonds (Mapper::map_host_interfaces).
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "mapper.hpp"

namespace poolsim::import::detail {

void Mapper::map_host_interfaces(scenario::PoolSpec& spec) {
  const DbTable& pifs = table("PIF");
  const DbTable& bonds = table("Bond");
  const DbTable& vlans = table("VLAN");
  for (const DbRow& b : bonds.rows) {
    if (const DbRow* master = deref(bonds, b, "master", "PIF")) bond_master_pifs_.insert(master->ref);
  }
  bool any_lacp = false;
  for (auto& [host_ref, info] : hosts_) {
    scenario::HostSpec& host = spec.hosts[info.index];
    std::vector<const DbRow*> mine;
    for (const DbRow& p : pifs.rows) {
      if (ref_of(p, "host") == host_ref) mine.push_back(&p);
    }
    for (const DbRow* p : mine) {
      deref(pifs, *p, "network", "network");
      deref(pifs, *p, "bond_slave_of", "Bond");
    }
    Namer names;
    // Physical PIFs are the NICs (the field exists since Miami; without it, a PIF with no VLAN that masters no bond).
    for (const DbRow* p : mine) {
      const bool physical = p->field("physical") ? boolean(pifs, *p, "physical", false)
                                                 : integer(pifs, *p, "VLAN", -1) < 0 && !bond_master_pifs_.count(p->ref);
      if (!physical) continue;
      scenario::NicSpec nic;
      const std::string device = text(*p, "device");
      nic.name = names.take(sanitize_name(device, "nic-" + std::to_string(host.nics.size())));
      if (nic.name != device) rename("nic of " + host.name, device, nic.name);
      nic.on_switch.name = "sw0";
      if (const DbRow* pm = deref(pifs, *p, "metrics", "PIF_metrics")) {
        const long long mbit = integer(table("PIF_metrics"), *pm, "speed", 0);
        if (mbit >= 10 && mbit <= 800000) nic.speed = static_cast<std::uint64_t>(mbit) * 1'000'000;
      }
      if (!bond_master_pifs_.count(p->ref) && ref_of(*p, "bond_slave_of").empty()) info.iface_of_pif[p->ref] = nic.name;
      info.iface_of_pif["nic:" + p->ref] = nic.name;
      host.nics.push_back(std::move(nic));
    }
    // Bonds whose master PIF is on this host.
    for (const DbRow& b : bonds.rows) {
      const DbRow* master = deref(bonds, b, "master", "PIF");
      if (!master || ref_of(*master, "host") != host_ref) continue;
      std::vector<scenario::Ref> members;
      for (const DbRow* p : mine) {
        if (ref_of(*p, "bond_slave_of") == b.ref && info.iface_of_pif.count("nic:" + p->ref)) {
          members.push_back({info.iface_of_pif["nic:" + p->ref], {}});
        }
      }
      const std::string device = text(*master, "device");
      if (members.size() < 2) {
        if (members.size() == 1) {
          info.iface_of_pif[master->ref] = members.front().name;
          assume("host " + host.name + ": bond " + printable(device) + " has one member; its networks are taken as carried by " +
                 members.front().name);
        }
        continue;
      }
      scenario::BondSpec bond = defaults_.pool.hosts.front().bonds.front();
      bond.name = names.take(sanitize_name(device, "bond-" + std::to_string(host.bonds.size())));
      if (bond.name != device) rename("bond of " + host.name, device, bond.name);
      bond.members = members;
      // Bond.mode (datamodel.ml bond_mode): balance-slb, active-backup, lacp; lacp hashes by
      // properties:hashing_algorithm (tcpudp_ports by default, or src_mac) and times out by lacp-time
      // (xapi_bond.ml requirements_of_mode).
      const std::string mode = text(b, "mode", "balance-slb");
      const auto props = map(bonds, b, "properties");
      if (mode == "active-backup") {
        bond.mode = scenario::BondMode::active_backup;
      } else if (mode == "lacp") {
        const std::string* hashing = lookup(props, "hashing_algorithm");
        bond.mode = hashing && *hashing == "src_mac" ? scenario::BondMode::lacp_mac : scenario::BondMode::lacp_tcp;
        const std::string* rate = lookup(props, "lacp-time");
        bond.lacp_rate = rate && *rate == "fast" ? scenario::LacpRate::fast : scenario::LacpRate::slow;
        any_lacp = true;
      } else {
        if (mode != "balance-slb") {
          warn(pos_of(b, "mode"), "bond mode '" + printable(mode) + "' of host " + host.name + " is not one xapi defines; taken as balance-slb (active_active)");
        }
        bond.mode = scenario::BondMode::active_active;
      }
      // nm.ml: miimon 100, downdelay 200, updelay 31000, rebalance-interval 1800000 ms, each overridable by the
      // master PIF's other_config:bond-<name>.
      const auto other = map(pifs, *master, "other_config");
      const std::pair<std::string_view, Duration*> timings[] = {{"bond-miimon", &bond.miimon},
                                                                 {"bond-downdelay", &bond.downdelay},
                                                                 {"bond-updelay", &bond.updelay},
                                                                 {"bond-rebalance-interval", &bond.rebalance_interval}};
      for (const auto& [key, value] : timings) {
        if (const std::string* v = lookup(other, key)) {
          const std::optional<long long> ms = to_ll(*v);
          if (ms && *ms >= 0 && *ms <= 86'400'000) *value = Duration::milliseconds(*ms);
          else warn(pos_of(*master, "other_config"), "PIF other_config " + std::string(key) + " '" + printable(*v) + "' is not milliseconds; the default is kept");
        }
      }
      info.iface_of_pif[master->ref] = bond.name;
      host.bonds.push_back(std::move(bond));
    }
    // VLANs: the untagged PIF's traffic leaves through its tagged PIF (VLAN table, or the same device).
    for (const DbRow* p : mine) {
      if (integer(pifs, *p, "VLAN", -1) < 0 || info.iface_of_pif.count(p->ref)) continue;
      std::string tagged;
      for (const DbRow& v : vlans.rows) {
        if (ref_of(v, "untagged_PIF") == p->ref) tagged = ref_of(v, "tagged_PIF");
      }
      if (tagged.empty()) {
        for (const DbRow* q : mine) {
          if (q != p && text(*q, "device") == text(*p, "device") && integer(pifs, *q, "VLAN", -1) < 0) tagged = q->ref;
        }
      }
      if (const auto it = info.iface_of_pif.find(tagged); it != info.iface_of_pif.end()) info.iface_of_pif[p->ref] = it->second;
    }
    // The management interface, the storage interfaces, the networks each interface carries.
    std::string management;
    for (const DbRow* p : mine) {
      if (boolean(pifs, *p, "management", false) && info.iface_of_pif.count(p->ref)) management = info.iface_of_pif[p->ref];
    }
    if (management.empty()) {
      if (!host.bonds.empty()) management = host.bonds.front().name;
      else if (!host.nics.empty()) management = host.nics.front().name;
      else {
        error(info.row->pos, "host row '" + info.row->ref + "' (" + host.name +
                                 ") has no physical PIF; poolsim needs at least one NIC per host: " +
                                 hint("dump the database again", "give the whole pif-list"));
      }
      assume("host " + host.name + ": no management PIF in the database; assumed " + management + ": set 'management'");
    }
    host.management.name = management;
    host.storage_via.push_back(host.management);
    for (const DbRow* p : mine) {
      const auto it = info.iface_of_pif.find(p->ref);
      if (it == info.iface_of_pif.end() || boolean(pifs, *p, "management", false)) continue;
      const std::string v4 = text(*p, "ip_configuration_mode", "None");
      const std::string v6 = text(*p, "ipv6_configuration_mode", "None");
      const bool addressed = (!v4.empty() && !iequals(v4, "None")) || (!v6.empty() && !iequals(v6, "None"));
      const bool listed = std::any_of(host.storage_via.begin(), host.storage_via.end(),
                                      [&](const scenario::Ref& r) { return r.name == it->second; });
      if (addressed && !listed) host.storage_via.push_back({it->second, {}});
    }
    for (const DbRow* p : mine) {
      const auto it = info.iface_of_pif.find(p->ref);
      const auto net = network_name_.find(ref_of(*p, "network"));
      if (it == info.iface_of_pif.end() || net == network_name_.end()) continue;
      const bool mapped = std::any_of(host.pif_networks.begin(), host.pif_networks.end(),
                                      [&](const scenario::PifSpec& s) { return s.network.name == net->second; });
      if (!mapped) host.pif_networks.push_back({{net->second, {}}, {it->second, {}}});
    }
  }
  scenario::SwitchSpec sw;
  sw.name = "sw0";
  sw.lacp = any_lacp;
  spec.switches.push_back(sw);
  assume("every NIC of every host, and every storage portal, is cabled to one switch sw0" +
         std::string(any_lacp ? " that negotiates LACP" : "") +
         " (the database does not know the cabling): add switches and set each NIC's 'switch'");
}

}  // namespace poolsim::import::detail
