#include "poolsim/analysis/swarm.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>
#include <utility>
#include <vector>

#include "poolsim/kernel/random_streams.hpp"
#include "poolsim/models/pool.hpp"
#include "poolsim/scenario/build.hpp"
#include "poolsim/scenario/emit.hpp"
#include "poolsim/scenario/ha_view.hpp"
#include "poolsim/scenario/load.hpp"
#include "poolsim/scenario/size.hpp"

namespace poolsim::analysis {

namespace {

// A NIC at the default speed.
NicSpec nic(std::string name, Ref on_switch) {
  NicSpec n;
  n.name = std::move(name);
  n.on_switch = std::move(on_switch);
  return n;
}

constexpr std::uint64_t mib = std::uint64_t{1} << 20;
constexpr std::uint64_t gib = std::uint64_t{1} << 30;

// Draws of one case, on the kernel's seeded streams.
class Draw {
 public:
  explicit Draw(RandomStream stream) : r_(stream) {}
  std::int64_t between(std::int64_t low, std::int64_t high) { return r_.uniform_int(low, high); }
  bool chance(double p) { return r_.bernoulli(p); }
  // A span in [low, high], whole milliseconds.
  Duration span(Duration low, Duration high) {
    return Duration::milliseconds(between(low.ns() / 1'000'000, high.ns() / 1'000'000));
  }
  template <typename T>
  const T& pick(const std::vector<T>& items) {
    return items[static_cast<std::size_t>(between(0, static_cast<std::int64_t>(items.size()) - 1))];
  }

 private:
  RandomStream r_;
};

Ref ref(std::string name) { return {std::move(name), {}}; }

// ---- The pool ---------------------------------------------------------------------------------------------

struct PoolDraft {
  bool linked = true;           // every switch in one segment
  std::string storage_switch;   // with two unlinked switches: the one storage lives on
};

BondSpec make_bond(Draw& d, const std::string& name, std::vector<Ref> members, bool lacp_allowed) {
  BondSpec b;
  b.name = name;
  b.members = std::move(members);
  std::vector<BondMode> modes{BondMode::active_active, BondMode::active_backup};
  if (lacp_allowed) {
    modes.push_back(BondMode::lacp_tcp);
    modes.push_back(BondMode::lacp_mac);
  }
  b.mode = d.pick(modes);
  b.miimon = Duration::milliseconds(100);
  b.downdelay = Duration::milliseconds(200);
  b.updelay = Duration::seconds(31);
  b.lacp_rate = d.chance(0.5) ? LacpRate::fast : LacpRate::slow;
  b.rebalance_interval = Duration::minutes(30);
  return b;
}

HostSpec make_host(Draw& d, std::size_t index, const std::vector<SwitchSpec>& switches, const PoolDraft& draft) {
  HostSpec h;
  h.name = "xs" + std::to_string(index + 1);
  h.master = index == 0;
  h.memory = static_cast<std::uint64_t>(d.between(8, 64)) * gib;
  h.cpus = d.between(4, 32);
  h.boot_time = Duration::seconds(d.between(30, 240));
  std::vector<std::string> names;
  for (const SwitchSpec& s : switches) names.push_back(s.name);
  const std::string management_switch = switches.front().name;
  // With two switches that do not reach each other, management stays on the first and storage on the other.
  auto any_switch = [&](bool storage) -> std::string {
    if (draft.linked) return d.pick(names);
    return storage ? draft.storage_switch : management_switch;
  };
  auto lacp_on = [&](const std::vector<std::string>& on) {
    return std::all_of(on.begin(), on.end(), [&](const std::string& s) {
      return std::any_of(switches.begin(), switches.end(), [&](const SwitchSpec& w) { return w.name == s && w.lacp; });
    });
  };
  // Bond members on one switch, or on two linked ones (a stack).
  auto add_bond = [&](const std::string& bond, const std::string& a, const std::string& b, bool storage) {
    const std::string first = any_switch(storage);
    const std::string second = draft.linked && d.chance(0.5) ? d.pick(names) : first;
    h.nics.push_back(nic(a, ref(first)));
    h.nics.push_back(nic(b, ref(second)));
    h.bonds.push_back(make_bond(d, bond, {ref(a), ref(b)}, lacp_on({first, second})));
  };
  // Layouts: 0 a NIC; 1 a bond; 2 a management NIC and a storage NIC; 3 a management bond and two storage NICs
  // (multipath over both); 4 a management bond and a storage bond. Unlinked switches need separate storage.
  const std::int64_t layout = draft.linked ? d.between(0, 4) : d.between(2, 4);
  switch (layout) {
    case 0:
      h.nics.push_back(nic("eth0", ref(any_switch(false))));
      h.management = ref("eth0");
      h.storage_via = {ref("eth0")};
      break;
    case 1:
      add_bond("bond0", "eth0", "eth1", false);
      h.management = ref("bond0");
      h.storage_via = {ref("bond0")};
      break;
    case 2:
      h.nics.push_back(nic("eth0", ref(any_switch(false))));
      h.nics.push_back(nic("eth1", ref(any_switch(true))));
      h.management = ref("eth0");
      h.storage_via = {ref("eth1")};
      break;
    case 3:
      add_bond("bond0", "eth0", "eth1", false);
      h.nics.push_back(nic("eth2", ref(any_switch(true))));
      h.nics.push_back(nic("eth3", ref(any_switch(true))));
      h.management = ref("bond0");
      h.storage_via = {ref("eth2"), ref("eth3")};
      break;
    default:
      add_bond("bond0", "eth0", "eth1", false);
      add_bond("bond1", "eth2", "eth3", true);
      h.management = ref("bond0");
      h.storage_via = {ref("bond1")};
      break;
  }
  h.pif_networks.push_back({ref("lan"), h.management});
  return h;
}

PoolSpec make_pool(Draw& d, const SwarmOptions& options) {
  PoolSpec pool;
  PoolDraft draft;
  const std::int64_t switch_count = d.between(1, 2);
  for (std::int64_t s = 0; s < switch_count; ++s) {
    pool.switches.push_back({"sw" + std::to_string(s + 1), {}, d.chance(0.5), {}});
  }
  if (switch_count == 2) {
    draft.linked = d.chance(0.6);
    if (draft.linked) pool.switches[0].links.push_back(ref("sw2"));
    draft.storage_switch = "sw2";
  }
  std::vector<std::string> portal_switches;
  for (const SwitchSpec& s : pool.switches) {
    if (draft.linked || s.name == draft.storage_switch) portal_switches.push_back(s.name);
  }

  StorageSpec sr;
  sr.name = "sr1";
  sr.type = d.chance(0.7) ? StorageType::iscsi : StorageType::nfs;
  sr.size = 500 * gib;
  const std::int64_t portals = d.between(1, 2);
  for (std::int64_t p = 0; p < portals; ++p) {
    sr.portals.push_back({"tgt" + std::to_string(p + 1), ref(d.pick(portal_switches)), {}});
  }
  sr.multipath.polling_interval = Duration::seconds(5);
  sr.multipath.failback = Duration::seconds(10);
  const std::vector<std::optional<std::int64_t>> retries{0, 10, 10, 30, std::nullopt};
  sr.multipath.no_path_retry = sr.type == StorageType::iscsi ? d.pick(retries) : std::optional<std::int64_t>{10};
  sr.replacement_timeout = Duration::seconds(15);
  pool.storage.push_back(sr);
  pool.networks.push_back({"lan", true, {}});

  const std::size_t hosts_max = std::clamp<std::size_t>(options.hosts_max, 2, 64);
  const auto host_count = static_cast<std::size_t>(d.between(2, static_cast<std::int64_t>(hosts_max)));
  for (std::size_t i = 0; i < host_count; ++i) pool.hosts.push_back(make_host(d, i, pool.switches, draft));

  // VMs: resident where they fit, at most 60 % of the pool's memory in all, so that restarts have room.
  std::uint64_t pool_memory = 0;
  for (const HostSpec& h : pool.hosts) pool_memory += h.memory;
  std::vector<std::uint64_t> used(host_count, 0);
  std::uint64_t total = 0;
  const std::vector<std::uint64_t> sizes{512 * mib, 1 * gib, 2 * gib, 4 * gib, 8 * gib};
  const std::vector<RestartPriority> priorities{RestartPriority::restart, RestartPriority::restart,
                                                RestartPriority::best_effort, RestartPriority::do_not_restart};
  const auto vm_count = d.between(0, std::min<std::int64_t>(40, 3 * static_cast<std::int64_t>(host_count)));
  for (std::int64_t i = 0; i < vm_count; ++i) {
    VmSpec v;
    v.name = "vm" + std::to_string(i + 1);
    v.memory = d.pick(sizes);
    v.vcpus = d.between(1, 4);
    if (total + v.memory > pool_memory * 6 / 10) break;
    const auto at = static_cast<std::size_t>(d.between(0, static_cast<std::int64_t>(host_count) - 1));
    if (!d.chance(0.1) && used[at] + v.memory <= pool.hosts[at].memory) {
      v.host = ref(pool.hosts[at].name);
      used[at] += v.memory;
    }
    total += v.memory;
    v.disks = {ref("sr1")};
    v.networks = {ref("lan")};
    v.boot_time = Duration::seconds(d.between(10, 120));
    v.ha.restart_priority = d.pick(priorities);
    v.ha.order = d.between(0, 3);
    v.ha.start_delay = d.chance(0.5) ? Duration::zero() : Duration::seconds(d.between(1, 60));
    pool.vms.push_back(v);
  }

  HaSpec& ha = pool.ha;
  ha.enabled = true;
  ha.heartbeat_sr = ref("sr1");
  ha.timeout = Duration::seconds(d.between(30, 120));
  ha.host_failures_to_tolerate = d.between(0, std::min<std::int64_t>(2, static_cast<std::int64_t>(host_count) - 1));
  ha.interval_formula = d.chance(0.2) ? IntervalFormula::legacy : IntervalFormula::current;
  ha.xapi.health_check_interval = Duration::seconds(60);
  ha.xapi.health_check_timeout = Duration::seconds(120);
  ha.xapi.restart_attempts = 1;
  ha.xapi.restart_timeout = Duration::seconds(300);
  ha.xapi.monitor_interval = Duration::seconds(20);
  ha.xapi.plan_interval = Duration::minutes(30);
  ha.xapi.master_poll_interval = Duration::seconds(20);
  ha.xapi.restart_retry_delay = Duration::seconds(120);
  // Drawn last, so that the rest of a seed's pool stays as it was: one pool in five on the Linux bridge backend,
  // where XenServer has no LACP bond (its bonds become active_active).
  if (d.chance(0.2)) {
    pool.network_backend = NetworkBackend::bridge;
    for (HostSpec& h : pool.hosts) {
      for (BondSpec& b : h.bonds) {
        if (needs_lacp(b.mode)) b.mode = BondMode::active_active;
      }
    }
  }
  // then one pool in three with 10 GbE everywhere (faster evacuations).
  if (d.chance(1.0 / 3)) {
    for (HostSpec& h : pool.hosts) {
      for (NicSpec& n : h.nics) n.speed = 10'000'000'000ULL;
    }
  }
  return pool;
}

// ---- The faults -------------------------------------------------------------------------------------------

enum class Kind {
  crash, reboot, unplug, flap, switch_fail, lacp_fail, portal_fail, storage_fail, partition, toolstack, maintenance,
  vm_shutdown, vm_start, cd, set_ntol
};

class Schedule {
 public:
  Schedule(Draw& d, const PoolSpec& pool, Duration timeout) : d_(d), pool_(pool), timeout_(timeout) {}

  void add(Duration at, FaultVerb verb, std::function<void(FaultSpec&)> fill = {}) {
    FaultSpec f;
    f.at = at;
    f.verb = verb;
    if (fill) fill(f);
    faults_.push_back(std::move(f));
    last_ = std::max(last_, at);
  }

  // How long a failure lasts: under the HA timeout, or up to 10 min, with equal odds.
  Duration outage() {
    return d_.chance(0.5) ? d_.span(Duration::milliseconds(100), timeout_)
                          : d_.span(timeout_, std::max(timeout_, Duration::minutes(10)));
  }

  const HostSpec& any_host() { return pool_.hosts[index(pool_.hosts.size())]; }
  std::size_t index(std::size_t size) { return static_cast<std::size_t>(d_.between(0, static_cast<std::int64_t>(size) - 1)); }

  // One failure at `at` and its repair; `host_faults`: crashes, reboots and xapi hangs allowed (HA on).
  void group(Kind kind, Duration at) {
    const HostSpec& h = any_host();
    const std::string host = h.name;
    const auto on_host = [host](FaultSpec& f) { f.host = ref(host); };
    switch (kind) {
      case Kind::crash:
        add(at, FaultVerb::crash, on_host);
        add(at + outage(), FaultVerb::power_on, on_host);
        break;
      case Kind::reboot: add(at, FaultVerb::reboot, on_host); break;
      case Kind::unplug: {
        std::vector<Ref> nics;
        if (d_.chance(0.5)) {
          for (const NicSpec& n : h.nics) nics.push_back(ref(n.name));
        } else {
          nics.push_back(ref(h.nics[index(h.nics.size())].name));
        }
        add(at, FaultVerb::unplug, [&](FaultSpec& f) { f.host = ref(host); f.nics = nics; });
        add(at + outage(), FaultVerb::replug, [&](FaultSpec& f) { f.host = ref(host); f.nics = nics; });
        break;
      }
      case Kind::flap: {
        const std::string nic = h.nics[index(h.nics.size())].name;
        Duration t = at;
        const std::int64_t cycles = d_.between(2, 8);
        for (std::int64_t c = 0; c < cycles; ++c) {
          add(t, FaultVerb::unplug, [&](FaultSpec& f) { f.host = ref(host); f.nics = {ref(nic)}; });
          t += d_.span(Duration::milliseconds(50), Duration::seconds(3));
          add(t, FaultVerb::replug, [&](FaultSpec& f) { f.host = ref(host); f.nics = {ref(nic)}; });
          t += d_.span(Duration::milliseconds(50), Duration::seconds(3));
        }
        break;
      }
      case Kind::switch_fail: {
        const std::string s = pool_.switches[index(pool_.switches.size())].name;
        add(at, FaultVerb::switch_fail, [&](FaultSpec& f) { f.on_switch = ref(s); });
        add(at + outage(), FaultVerb::switch_restore, [&](FaultSpec& f) { f.on_switch = ref(s); });
        break;
      }
      case Kind::lacp_fail: {
        const std::string s = pool_.switches[index(pool_.switches.size())].name;
        add(at, FaultVerb::lacp_fail, [&](FaultSpec& f) { f.on_switch = ref(s); });
        add(at + outage(), FaultVerb::lacp_restore, [&](FaultSpec& f) { f.on_switch = ref(s); });
        break;
      }
      case Kind::portal_fail: {
        const StorageSpec& sr = pool_.storage.front();
        const std::string p = sr.portals[index(sr.portals.size())].name;
        add(at, FaultVerb::portal_fail, [&](FaultSpec& f) { f.portal = ref(p); });
        add(at + outage(), FaultVerb::portal_restore, [&](FaultSpec& f) { f.portal = ref(p); });
        break;
      }
      case Kind::storage_fail: {
        const std::string s = pool_.storage.front().name;
        add(at, FaultVerb::storage_fail, [&](FaultSpec& f) { f.storage = ref(s); });
        add(at + outage(), FaultVerb::storage_restore, [&](FaultSpec& f) { f.storage = ref(s); });
        break;
      }
      case Kind::partition: {
        const std::size_t count = pool_.hosts.size() >= 3 && d_.chance(0.3) ? 3 : 2;
        std::vector<std::vector<Ref>> groups(count);
        for (std::size_t g = 0; g < count; ++g) groups[g].push_back(ref(pool_.hosts[g].name));
        for (std::size_t i = count; i < pool_.hosts.size(); ++i) groups[index(count)].push_back(ref(pool_.hosts[i].name));
        // The first hosts seed the groups; shuffle which group gets the lowest host.
        std::swap(groups[0], groups[index(count)]);
        add(at, FaultVerb::partition, [&](FaultSpec& f) { f.groups = groups; });
        add(at + outage(), FaultVerb::heal);
        break;
      }
      case Kind::toolstack: {
        // Half the toolstack faults hang; the others crash (xhad restarts them) or cannot start.
        const FaultVerb verb = d_.chance(0.5)   ? FaultVerb::xapi_hang
                               : d_.chance(0.5) ? FaultVerb::xapi_crash
                                                : FaultVerb::xapi_disable;
        add(at, verb, on_host);
        add(at + d_.span(Duration::seconds(10), Duration::minutes(15)), FaultVerb::xapi_restore, on_host);
        break;
      }
      case Kind::maintenance: {
        const std::string other = any_host().name;
        const bool with_new_master = other != host && d_.chance(0.7);
        add(at, FaultVerb::enter_maintenance, [&](FaultSpec& f) {
          f.host = ref(host);
          if (with_new_master) f.new_master = ref(other);
        });
        add(at + d_.span(Duration::seconds(1), Duration::minutes(10)), FaultVerb::exit_maintenance, on_host);
        break;
      }
      case Kind::cd: {
        // A CD into a VM (refused for a protected one with HA on), ejected later.
        if (pool_.vms.empty()) break;
        const std::string vm = pool_.vms[index(pool_.vms.size())].name;
        add(at, FaultVerb::insert_cd, [&](FaultSpec& f) { f.vm = ref(vm); });
        add(at + outage(), FaultVerb::eject_cd, [&](FaultSpec& f) { f.vm = ref(vm); });
        break;
      }
      case Kind::vm_shutdown: {
        if (pool_.vms.empty()) break;
        const std::string vm = pool_.vms[index(pool_.vms.size())].name;
        add(at, FaultVerb::vm_shutdown, [&](FaultSpec& f) { f.vm = ref(vm); });
        if (d_.chance(0.7)) {
          add(at + d_.span(Duration::seconds(1), Duration::minutes(10)), FaultVerb::vm_start,
              [&](FaultSpec& f) { f.vm = ref(vm); });
        }
        break;
      }
      case Kind::set_ntol: {
        // The operator changes the failures to tolerate (refused when the plan cannot cover it).
        const std::int64_t value = d_.between(0, static_cast<std::int64_t>(pool_.hosts.size()) - 1);
        add(at, FaultVerb::set_ntol, [&](FaultSpec& f) { f.value = value; });
        break;
      }
      case Kind::vm_start: {
        if (pool_.vms.empty()) break;
        const std::string vm = pool_.vms[index(pool_.vms.size())].name;
        const bool placed = d_.chance(0.5);
        add(at, FaultVerb::vm_start, [&](FaultSpec& f) {
          f.vm = ref(vm);
          if (placed) f.host = ref(host);
        });
        break;
      }
    }
  }

  Duration last() const { return last_; }
  std::vector<FaultSpec> take() {
    std::stable_sort(faults_.begin(), faults_.end(), [](const FaultSpec& a, const FaultSpec& b) { return a.at < b.at; });
    return std::move(faults_);
  }

 private:
  Draw& d_;
  const PoolSpec& pool_;
  Duration timeout_;
  std::vector<FaultSpec> faults_;
  Duration last_;
};

// ---- Checking ---------------------------------------------------------------------------------------------

// The message with every host and VM name replaced by H and V and every number by N: failures that differ only in
// names and times are alike.
std::string without_names(const std::string& message, const ScenarioSpec& spec) {
  std::set<std::string> hosts, vms;
  for (const HostSpec& h : spec.pool.hosts) hosts.insert(h.name);
  for (const VmSpec& v : spec.pool.vms) vms.insert(v.name);
  std::string out, word;
  auto flush = [&] {
    const bool number = !word.empty() && word.find_first_not_of("0123456789.") == std::string::npos;
    out += hosts.count(word) ? "H" : vms.count(word) ? "V" : number ? "N" : word;
    word.clear();
  };
  for (const char c : message) {
    if (c == ' ' || c == ',' || c == ':' || c == '\'') {
      flush();
      out += c;
    } else {
      word += c;
    }
  }
  flush();
  return out;
}

SwarmVerdict fail(SwarmFailure failure, SimTime at, std::string signature, std::string message) {
  return {failure, at, std::string(to_string(failure)) + ": " + signature, std::move(message)};
}

// Liveness at the end of the run (swarm.hpp).
SwarmVerdict check_liveness(const Simulation& sim, const HaView& view, SimTime end) {
  const models::Pool& pool = sim.pool();
  const ScenarioSpec& spec = sim.spec();
  const auto at = " at " + format_seconds(end);
  if (!view.ha_enabled()) return fail(SwarmFailure::liveness, end, "ha disabled", "HA is disabled" + at);
  for (models::HostIndex h = 0; h < pool.host_count(); ++h) {
    if (pool.host_state(h) != models::HostState::up) {
      return fail(SwarmFailure::liveness, end, "host not up",
                  "host " + pool.host_name(h) + " is " + std::string(models::to_token(pool.host_state(h))) + at);
    }
  }
  if (!pool.master()) return fail(SwarmFailure::liveness, end, "no master", "no host is the master" + at);
  for (models::HostIndex h = 0; h < pool.host_count(); ++h) {
    if (!view.daemon_running(h) || view.joining(h)) {
      return fail(SwarmFailure::liveness, end, "host not live",
                  "the HA daemon of " + pool.host_name(h) + (view.daemon_running(h) ? " is still joining" : " is not running") + at);
    }
  }
  for (models::HostIndex h = 0; h < pool.host_count(); ++h) {
    for (models::HostIndex p = 0; p < pool.host_count(); ++p) {
      if (!view.live(h, p)) {
        return fail(SwarmFailure::liveness, end, "liveset incomplete",
                    "the liveset of " + pool.host_name(h) + " lacks " + pool.host_name(p) + at);
      }
    }
  }
  std::vector<std::uint64_t> free_memory;
  for (const HostSpec& h : spec.pool.hosts) free_memory.push_back(h.memory);
  std::vector<std::uint64_t> memory(pool.vm_count());
  for (const VmSpec& v : spec.pool.vms) {
    if (const auto index = sim.vm_index(v.name)) memory[*index] = v.memory;
  }
  for (const HostSpec& h : spec.pool.hosts) {
    const auto index = sim.host_index(h.name);
    std::uint64_t used = 0;
    for (models::VmIndex v = 0; v < pool.vm_count(); ++v) {
      if (pool.vm_host(v) == index) used += memory[v];
    }
    const std::uint64_t for_vms = h.memory - h.control_domain_memory;
    free_memory[*index] = used >= for_vms ? 0 : for_vms - used;
  }
  for (const VmSpec& v : spec.pool.vms) {
    if (v.ha.restart_priority != RestartPriority::restart) continue;
    const models::VmIndex index = *sim.vm_index(v.name);
    // Protected: running at time 0 or started since, and not shut down by an operator (ha_always_run).
    const bool always_run = (protected_at_start(v) || view.operator_started(index)) && !view.user_halted(index);
    // HA's duty is the power state: whether the VM serves on its host is the network's and storage's business.
    if (!always_run || pool.vm_power_state(index) == models::VmState::running) continue;
    for (models::HostIndex h = 0; h < pool.host_count(); ++h) {
      if (free_memory[h] >= v.memory) {
        return fail(SwarmFailure::liveness, end, "protected vm down",
                    "protected VM " + v.name + " is " + std::string(models::to_token(pool.vm_power_state(index))) + " though " +
                        pool.host_name(h) + " has " + format_size(free_memory[h]) + " free for its " +
                        format_size(v.memory) + at);
      }
    }
  }
  return {};
}

}  // namespace

std::string_view to_string(SwarmFailure failure) {
  switch (failure) {
    case SwarmFailure::none: return "ok";
    case SwarmFailure::invalid: return "invalid";
    case SwarmFailure::invariant: return "invariant";
    case SwarmFailure::liveness: return "liveness";
  }
  return "?";
}

ScenarioSpec generate_swarm_case(std::uint64_t seed, const SwarmOptions& options) {
  const RandomStreams streams(seed);
  Draw pool_draw(streams.stream("swarm/pool"));
  Draw fault_draw(streams.stream("swarm/faults"));
  ScenarioSpec spec;
  spec.name = "swarm-" + std::to_string(seed);
  spec.description = "Generated by poolsim swarm; replay with: " + swarm_replay_command(seed, options);
  spec.seed = seed;
  spec.pool = make_pool(pool_draw, options);
  // dm-multipath's path grouping, from a stream of its own: the pools and faults other seeds drew stay as they were.
  Draw grouping_draw(streams.stream("swarm/multipath"));
  for (StorageSpec& sr : spec.pool.storage) {
    if (sr.type == StorageType::iscsi && grouping_draw.chance(0.3)) {
      sr.multipath.path_grouping_policy = PathGrouping::multibus;
    }
  }

  Draw& d = fault_draw;
  Schedule schedule(d, spec.pool, spec.pool.ha.timeout);
  Duration start = Duration::seconds(30);
  if (d.chance(0.25)) {
    // HA-off episode: no crash, reboot or xapi hang (nothing would elect a master), then HA back on.
    schedule.add(start, FaultVerb::ha_disable);
    const Duration length = d.span(Duration::minutes(2), Duration::minutes(10));
    const std::vector<Kind> kinds{Kind::unplug,       Kind::flap,        Kind::switch_fail, Kind::lacp_fail,
                                  Kind::portal_fail,  Kind::storage_fail, Kind::partition,  Kind::maintenance,
                                  Kind::vm_shutdown,  Kind::vm_start,     Kind::cd};
    const std::int64_t groups = d.between(1, 5);
    for (std::int64_t g = 0; g < groups; ++g) {
      schedule.group(d.pick(kinds), d.span(start + Duration::seconds(5), start + length));
    }
    const Duration enable = schedule.last() + Duration::seconds(60);
    schedule.add(enable, FaultVerb::ha_enable);
    start = enable + Duration::seconds(60);
  }
  const std::vector<Kind> kinds{Kind::crash,       Kind::reboot,      Kind::unplug,       Kind::flap,
                                Kind::switch_fail, Kind::lacp_fail,   Kind::portal_fail,  Kind::storage_fail,
                                Kind::partition,   Kind::toolstack,   Kind::maintenance,  Kind::vm_shutdown,
                                Kind::vm_start,    Kind::cd,          Kind::set_ntol};
  const Duration window = d.span(Duration::minutes(5), Duration::minutes(40));
  const std::int64_t groups = d.between(1, 12);
  for (std::int64_t g = 0; g < groups; ++g) schedule.group(d.pick(kinds), start + d.span(Duration::zero(), window));
  spec.faults = schedule.take();

  const Duration last = spec.faults.empty() ? Duration::zero() : spec.faults.back().at;
  spec.until = last + liveness_bound(spec).total;
  // Whole seconds keep the file readable; rounding up keeps the bound.
  spec.until = Duration::seconds(spec.until.whole_seconds() + 1);
  return spec;
}

LivenessBound liveness_bound(const ScenarioSpec& spec) {
  const HaSpec& ha = spec.pool.ha;
  const models::HaTimers derived = models::HaTimers::derive(
      ha.timeout, ha.interval_formula == IntervalFormula::legacy ? models::IntervalFormula::legacy
                                                                 : models::IntervalFormula::current);
  const Duration T = ha.timeout;
  const Duration t = std::max(ha.overrides.network_interval.value_or(derived.network_interval),
                              ha.overrides.statefile_interval.value_or(derived.statefile_interval));
  const Duration join = ha.overrides.join_timeout.value_or(derived.join_timeout);
  Duration polling, boot, vm_boot;
  for (const StorageSpec& sr : spec.pool.storage) polling = std::max(polling, sr.multipath.polling_interval);
  for (const HostSpec& h : spec.pool.hosts) boot = std::max(boot, h.boot_time);
  std::map<std::int64_t, Duration> delays;
  for (const VmSpec& v : spec.pool.vms) {
    vm_boot = std::max(vm_boot, v.boot_time);
    Duration& group = delays[v.ha.order];
    group = std::max(group, v.ha.start_delay);
  }
  Duration delay_sum;
  for (const auto& [order, delay] : delays) delay_sum += delay;
  const models::XapiTimers xapi;  // become_master_delay has no scenario key
  // A fault handler: phase 1, phase 2 without agreement (max(T1, T2)) and its round, the extended phase-4 sleep
  // (max(Wh, Ws) - min(T1, T2) + t + min(T1, T2)).
  const Duration t1 = ha.overrides.heartbeat_timeout.value_or(derived.heartbeat_timeout);
  const Duration t2 = ha.overrides.statefile_timeout.value_or(derived.statefile_timeout);
  const Duration watchdog = std::max(ha.overrides.heartbeat_watchdog.value_or(derived.heartbeat_watchdog),
                                     ha.overrides.statefile_watchdog.value_or(derived.statefile_watchdog));
  const Duration handler = T / 4 + std::max(t1, t2) + t + (watchdog - std::min(t1, t2)) + t + std::min(t1, t2);

  struct Term {
    std::string_view what;
    Duration value;
  };
  const std::vector<Term> terms{
      {"multipath polling_interval: a failed path is reinstated", polling},
      {"2 t: domains refill, a fault handler in phase 2 decides", t + t},
      {"2 (T/4 + T + t + 15s + t + T): the survivors' fault handler, with a rerun", handler + handler},
      {"boot_time + t: a fenced host boots and its domains fill", boot + t},
      {"join_timeout: a join held back by a sleeping handler", join},
      {"master_poll_interval + become_master_delay: a slave takes the lock",
       ha.xapi.master_poll_interval + xapi.become_master_delay},
      {"sum of start_delay by order + VM boot_time: the restarts", delay_sum + vm_boot},
      {"restart_retry_delay + monitor_interval: a failed start retried",
       ha.xapi.restart_retry_delay + ha.xapi.monitor_interval},
      {"margin", Duration::seconds(60)},
  };
  LivenessBound bound;
  for (const Term& term : terms) {
    bound.total += term.value;
    bound.derivation += "  " + format_duration(term.value) + "  " + std::string(term.what) + '\n';
  }
  return bound;
}

std::string unhealed(const ScenarioSpec& spec) {
  std::set<std::pair<std::string, std::string>> unplugged;
  std::set<std::string> switches, silent, portals, arrays, down, failed_xapi, maintenance;
  bool partitioned = false;
  bool ha_off = false;
  for (const FaultSpec& f : spec.faults) {
    switch (f.verb) {
      case FaultVerb::crash: down.insert(f.host.name); break;
      case FaultVerb::power_on: down.erase(f.host.name); break;
      case FaultVerb::unplug:
        for (const Ref& n : f.nics) unplugged.insert({f.host.name, n.name});
        break;
      case FaultVerb::replug:
        for (const Ref& n : f.nics) unplugged.erase({f.host.name, n.name});
        break;
      case FaultVerb::switch_fail: switches.insert(f.on_switch.name); break;
      case FaultVerb::switch_restore: switches.erase(f.on_switch.name); break;
      case FaultVerb::lacp_fail: silent.insert(f.on_switch.name); break;
      case FaultVerb::lacp_restore: silent.erase(f.on_switch.name); break;
      case FaultVerb::portal_fail: portals.insert(f.portal.name); break;
      case FaultVerb::portal_restore: portals.erase(f.portal.name); break;
      case FaultVerb::storage_fail: arrays.insert(f.storage.name); break;
      case FaultVerb::storage_restore: arrays.erase(f.storage.name); break;
      case FaultVerb::partition: partitioned = true; break;
      case FaultVerb::heal: partitioned = false; break;
      case FaultVerb::xapi_hang:
      case FaultVerb::xapi_crash:
      case FaultVerb::xapi_disable: failed_xapi.insert(f.host.name); break;
      case FaultVerb::xapi_restore: failed_xapi.erase(f.host.name); break;
      case FaultVerb::enter_maintenance: maintenance.insert(f.host.name); break;
      case FaultVerb::exit_maintenance: maintenance.erase(f.host.name); break;
      case FaultVerb::ha_disable: ha_off = true; break;
      case FaultVerb::ha_enable: ha_off = false; break;
      default: break;
    }
  }
  if (!spec.pool.ha.enabled && !ha_off) {
    // HA off from the start: healed only when a later ha_enable turns it on.
    const bool enabled = std::any_of(spec.faults.begin(), spec.faults.end(),
                                     [](const FaultSpec& f) { return f.verb == FaultVerb::ha_enable; });
    if (!enabled) return "HA is never enabled";
  }
  if (!unplugged.empty()) return "NIC " + unplugged.begin()->first + "/" + unplugged.begin()->second + " stays unplugged";
  if (!switches.empty()) return "switch " + *switches.begin() + " stays failed";
  if (!silent.empty()) return "switch " + *silent.begin() + " never sends LACPDUs again";
  if (!portals.empty()) return "portal " + *portals.begin() + " stays failed";
  if (!arrays.empty()) return "storage " + *arrays.begin() + " stays failed";
  if (partitioned) return "a partition is never healed";
  if (!down.empty()) return "host " + *down.begin() + " is never powered on";
  if (!failed_xapi.empty()) return "the xapi of " + *failed_xapi.begin() + " is never restored";
  if (!maintenance.empty()) return "host " + *maintenance.begin() + " never exits maintenance";
  if (ha_off) return "HA is disabled and never enabled again";
  return {};
}

SwarmVerdict check_swarm_case(const ScenarioSpec& spec) {
  const SimTime zero = SimTime::zero();
  if (std::string why = unhealed(spec); !why.empty()) {
    return fail(SwarmFailure::invalid, zero, "not healed", "the schedule is not healed: " + why);
  }
  const Duration last = spec.faults.empty() ? Duration::zero() : spec.faults.back().at;
  const LivenessBound bound = liveness_bound(spec);
  if (spec.until < last + bound.total) {
    return fail(SwarmFailure::invalid, zero, "until before the liveness bound",
                "'until' is " + format_duration(spec.until) + ", before the last fault + the liveness bound = " +
                    format_duration(last + bound.total));
  }
  const std::string file = spec.name + ".yaml";
  LoadResult loaded = load_scenario_text(to_yaml(spec), file);
  if (!loaded.spec) {
    std::string message = "the generated case does not load:";
    for (const Diagnostic& d : loaded.diagnostics) message += "\n  " + format_diagnostic(d);
    return fail(SwarmFailure::invalid, zero, "does not load", message);
  }
  BuildResult built = build_simulation(*loaded.spec, file);
  if (!built.simulation) {
    std::string message = "the generated case does not build:";
    for (const Diagnostic& d : built.diagnostics) message += "\n  " + format_diagnostic(d);
    return fail(SwarmFailure::invalid, zero, "does not build", message);
  }
  Simulation& sim = *built.simulation;
  std::vector<std::string> hosts(sim.pool().host_count()), vms(sim.pool().vm_count());
  for (models::HostIndex h = 0; h < hosts.size(); ++h) hosts[h] = sim.pool().host_name(h);
  for (models::VmIndex v = 0; v < vms.size(); ++v) vms[v] = sim.pool().vm_name(v);
  HaView view(std::move(hosts), std::move(vms), spec.pool.ha.enabled);
  sim.bus().subscribe(view);
  const SimTime end = zero + spec.until;
  try {
    sim.run(end);
  } catch (const models::InvariantViolation& e) {
    return fail(SwarmFailure::invariant, sim.queue().now(), without_names(e.what(), spec),
                std::string(e.what()) + " at " + format_seconds(sim.queue().now()));
  } catch (const std::exception& e) {
    return fail(SwarmFailure::invariant, sim.queue().now(), "model error: " + without_names(e.what(), spec),
                "the model threw: " + std::string(e.what()) + " at " + format_seconds(sim.queue().now()));
  }
  return check_liveness(sim, view, end);
}

std::string swarm_replay_command(std::uint64_t seed, const SwarmOptions& options) {
  std::string command = "poolsim swarm --runs 1 --seed " + std::to_string(seed);
  if (options.hosts_max != SwarmOptions{}.hosts_max) command += " --hosts-max " + std::to_string(options.hosts_max);
  return command;
}

}  // namespace poolsim::analysis
