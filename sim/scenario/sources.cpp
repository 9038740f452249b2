// The timeline's `source` column of every element, and the check that no two elements share one.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "validate.hpp"

namespace poolsim::scenario::detail {
namespace {

// One source an element publishes under, and who that element is, for the message.
struct Claim {
  std::string source;
  std::string owner;  // "nic 'web' of host 'vm'"; empty for the pool's own records
  SourcePos pos;
};

std::string quoted(const std::string& word) { return "'" + word + "'"; }

bool before(SourcePos a, SourcePos b) {
  if (a.file != b.file) return a.file > b.file;  // the pool file's elements come before the scenario's own
  return a.line != b.line ? a.line < b.line : a.column < b.column;
}

// The sources the models publish under (include/poolsim/models/records.hpp, RecordSource, and docs/glossary.md):
// `pool`, `<switch>`, `<array>`, `<array>/<portal>`, `<host>`, `<host>/ha`, `<host>/<nic>`, `<host>/<bond>`,
// `<host>/<array>` and `<host>/<array>/<portal>` for each SR the host attaches, `vm/<vm>`. An element defined twice
// is left to the checks that report it, so that one mistake gives one message.
std::vector<Claim> claims_of(const PoolSpec& pool) {
  std::vector<Claim> claims{{"pool", "", {}}};
  std::set<std::string> switches, arrays, portals, hosts, vms;
  for (const SwitchSpec& sw : pool.switches) {
    if (!sw.name.empty() && switches.insert(sw.name).second) claims.push_back({sw.name, "switch " + quoted(sw.name), sw.pos});
  }
  for (const StorageSpec& sr : pool.storage) {
    if (sr.name.empty() || !arrays.insert(sr.name).second) continue;
    claims.push_back({sr.name, "SR " + quoted(sr.name), sr.pos});
    for (const PortalSpec& portal : sr.portals) {
      if (portal.name.empty() || !portals.insert(portal.name).second) continue;
      claims.push_back({sr.name + "/" + portal.name, "portal " + quoted(portal.name) + " of SR " + quoted(sr.name),
                        portal.pos});
    }
  }
  for (const HostSpec& host : pool.hosts) {
    if (host.name.empty() || !hosts.insert(host.name).second) continue;
    const std::string who = "host " + quoted(host.name);
    claims.push_back({host.name, who, host.pos});
    claims.push_back({host.name + "/ha", "the HA daemon of " + who, host.pos});
    std::set<std::string> interfaces;
    for (const NicSpec& nic : host.nics) {
      if (!nic.name.empty() && interfaces.insert(nic.name).second) {
        claims.push_back({host.name + "/" + nic.name, "nic " + quoted(nic.name) + " of " + who, nic.pos});
      }
    }
    for (const BondSpec& bond : host.bonds) {
      if (!bond.name.empty() && interfaces.insert(bond.name).second) {
        claims.push_back({host.name + "/" + bond.name, "bond " + quoted(bond.name) + " of " + who, bond.pos});
      }
    }
    std::set<std::string> attached;
    for (const StorageSpec& sr : pool.storage) {
      const bool reached = sr.type != StorageType::local || sr.host.name == host.name;  // as the builder attaches
      if (sr.name.empty() || !reached || !attached.insert(sr.name).second) continue;
      claims.push_back({host.name + "/" + sr.name, "the I/O of " + who + " on SR " + quoted(sr.name), sr.pos});
      for (const PortalSpec& portal : sr.portals) {
        if (portal.name.empty()) continue;
        claims.push_back({host.name + "/" + sr.name + "/" + portal.name,
                          "the path of " + who + " to portal " + quoted(portal.name), portal.pos});
      }
    }
  }
  for (const VmSpec& vm : pool.vms) {
    if (!vm.name.empty() && vms.insert(vm.name).second) claims.push_back({"vm/" + vm.name, "vm " + quoted(vm.name), vm.pos});
  }
  return claims;
}

}  // namespace

void check_sources(const ScenarioSpec& spec, Reporter& reporter) {
  std::vector<Claim> claims = claims_of(spec.pool);
  // Grouped by source, each group in file order (the pool's own records first): the later claims are reported.
  std::stable_sort(claims.begin(), claims.end(), [](const Claim& a, const Claim& b) {
    return a.source != b.source ? a.source < b.source : before(a.pos, b.pos);
  });
  std::size_t group = 0;  // the first claim of the current group
  for (std::size_t i = 1; i < claims.size(); ++i) {
    const Claim& claim = claims[i];
    if (claim.source != claims[group].source) {
      group = i;
      continue;
    }
    const Claim& owner = claims[group];
    if (owner.owner == claim.owner) continue;  // one element, named twice in its own list: reported elsewhere
    const std::string shared = "the timeline and HDF5 source " + quoted(claim.source);
    if (owner.owner.empty()) {
      reporter.error(claim.pos, claim.owner + " would publish under " + shared +
                                    ", which is reserved for the pool's own records (the master's xapi, operations, "
                                    "partitions); rename it");
    } else {
      reporter.error(claim.pos, claim.owner + " and " + owner.owner + " (at " + reporter.where(owner.pos) + ") would both publish under " + shared +
                                    ", so their records could not be told apart; rename one of them");
    }
  }
}

}  // namespace poolsim::scenario::detail
