#include "poolsim/models/network.hpp"

#include <stdexcept>

namespace poolsim::models {

std::string_view to_token(BondMode mode) {
  switch (mode) {
    case BondMode::active_active: return "active_active";
    case BondMode::active_backup: return "active_backup";
    case BondMode::lacp_tcp: return "lacp_tcp";
    case BondMode::lacp_mac: return "lacp_mac";
  }
  return "unknown";
}

Network::Network(EventQueue& queue, EventBus& bus) : queue_(queue), bus_(bus) {}

SwitchIndex Network::add_switch(std::string name) {
  switches_.push_back(Switch{std::move(name), true, {}, 0});
  recompute_segments();
  return static_cast<SwitchIndex>(switches_.size() - 1);
}

void Network::link_switches(SwitchIndex a, SwitchIndex b) {
  switches_.at(a).links.push_back(b);
  switches_.at(b).links.push_back(a);
  recompute_segments();
}

NicIndex Network::add_nic(std::string host, std::string name, SwitchIndex cabled_to) {
  if (cabled_to >= switches_.size()) throw std::logic_error("NIC cabled to an unknown switch");
  nics_.push_back(Nic{std::move(host), std::move(name), cabled_to, true, std::nullopt, true, {}});
  return static_cast<NicIndex>(nics_.size() - 1);
}

BondIndex Network::add_bond(std::string host, std::string name, std::vector<NicIndex> members, BondMode mode,
                            BondTiming timing) {
  const auto index = static_cast<BondIndex>(bonds_.size());
  for (const NicIndex m : members) {
    if (nics_.at(m).bond) throw std::logic_error("NIC '" + nics_[m].name + "' is in two bonds");
    nics_[m].bond = index;
  }
  bonds_.push_back(Bond{std::move(host), std::move(name), std::move(members), mode, timing, std::nullopt});
  // Every member starts enabled; the first carries the host's frames (for hashed modes: where the management
  // MAC hashes to, taken as the first member so that runs are reproducible).
  if (!bonds_.back().members.empty()) bonds_.back().current = bonds_.back().members.front();
  return index;
}

bool Network::carrier(NicIndex nic) const { return nics_[nic].plugged && switches_[nics_[nic].cabled_to].up; }

bool Network::member_enabled(NicIndex nic) const { return nics_[nic].enabled; }

bool Network::bond_up(BondIndex bond) const { return bonds_[bond].current.has_value(); }

std::optional<NicIndex> Network::bond_current_member(BondIndex bond) const { return bonds_[bond].current; }

bool Network::switches_connected(SwitchIndex a, SwitchIndex b) const {
  return switches_[a].up && switches_[b].up && switches_[a].segment == switches_[b].segment;
}

std::optional<SwitchIndex> Network::attachment(Interface itf) const {
  NicIndex nic = itf.index;
  if (itf.kind == Interface::Kind::bond) {
    const auto& current = bonds_[itf.index].current;
    if (!current) return std::nullopt;
    nic = *current;
  }
  if (!carrier(nic)) return std::nullopt;
  return nics_[nic].cabled_to;
}

bool Network::can_reach(Interface from, Interface to) const {
  const auto a = attachment(from);
  const auto b = attachment(to);
  return a && b && switches_connected(*a, *b);
}

bool Network::can_reach_switch(Interface from, SwitchIndex s) const {
  const auto a = attachment(from);
  return a && switches_connected(*a, s);
}

void Network::unplug(NicIndex nic) {
  Nic& n = nics_.at(nic);
  if (!n.plugged) return;
  const bool had_carrier = carrier(nic);
  n.plugged = false;
  if (had_carrier) carrier_changed(nic, "unplug");
  notify();
}

void Network::replug(NicIndex nic) {
  Nic& n = nics_.at(nic);
  if (n.plugged) return;
  n.plugged = true;
  if (carrier(nic)) carrier_changed(nic, "replug");
  notify();
}

void Network::fail_switch(SwitchIndex s) {
  if (!switches_.at(s).up) return;
  std::vector<NicIndex> losing;
  for (NicIndex i = 0; i < nics_.size(); ++i) {
    if (nics_[i].cabled_to == s && carrier(i)) losing.push_back(i);
  }
  switches_[s].up = false;
  bus_.publish(queue_.now(), switches_[s].name, "switch_down");
  recompute_segments();
  for (const NicIndex i : losing) carrier_changed(i, "switch_fail");
  notify();
}

void Network::restore_switch(SwitchIndex s) {
  if (switches_.at(s).up) return;
  switches_[s].up = true;
  bus_.publish(queue_.now(), switches_[s].name, "switch_up");
  recompute_segments();
  for (NicIndex i = 0; i < nics_.size(); ++i) {
    if (nics_[i].cabled_to == s && carrier(i)) carrier_changed(i, "switch_restore");
  }
  notify();
}

SimTime Network::next_poll(const BondTiming& timing) const {
  const Duration now = queue_.now().since_start();
  if (timing.detection == CarrierDetection::event || timing.miimon <= Duration::zero()) return queue_.now();
  const Duration past = now % timing.miimon;
  return past == Duration::zero() ? queue_.now() : queue_.now() + (timing.miimon - past);
}

void Network::carrier_changed(NicIndex nic, std::string_view cause) {
  Nic& n = nics_[nic];
  const bool up = carrier(nic);
  bus_.publish(queue_.now(), source(n), up ? "link_up" : "link_down", {{"cause", std::string(cause)}});
  if (!n.bond) return;
  // A carrier change back before the pending transition completes cancels it.
  if (queue_.cancel(n.transition)) return;
  if (up == n.enabled) return;
  const BondTiming& timing = bonds_[*n.bond].timing;
  // The bond notices at once or at its next carrier poll, then waits downdelay or updelay.
  n.transition = queue_.schedule_at(next_poll(timing), Phase::hardware, [this, nic] {
    Nic& member = nics_[nic];
    Bond& bond = bonds_[*member.bond];
    if (carrier(nic)) {
      // OVS and Linux bonding skip updelay while the bond has no enabled member.
      const Duration wait = bond.current ? bond.timing.updelay : Duration::zero();
      if (wait == Duration::zero()) {
        set_member_enabled(nic, true);
        return;
      }
      member.transition = queue_.schedule_in(wait, Phase::hardware, [this, nic] { set_member_enabled(nic, true); });
    } else {
      const Duration wait = bond.timing.downdelay;
      if (wait == Duration::zero()) {
        set_member_enabled(nic, false);
        return;
      }
      member.transition = queue_.schedule_in(wait, Phase::hardware, [this, nic] { set_member_enabled(nic, false); });
    }
  });
}

void Network::set_member_enabled(NicIndex nic, bool enabled) {
  Nic& n = nics_[nic];
  n.enabled = enabled;
  Bond& bond = bonds_[*n.bond];
  bus_.publish(queue_.now(), source(bond), enabled ? "member_up" : "member_down",
               {{"member", n.name}});
  choose_current(bond);
  notify();
}

void Network::choose_current(Bond& bond) {
  const std::optional<NicIndex> before = bond.current;
  if (bond.current && nics_[*bond.current].enabled) return;  // no fail-back: an enabled member is kept
  bond.current.reset();
  for (const NicIndex m : bond.members) {
    if (nics_[m].enabled) {
      bond.current = m;
      break;
    }
  }
  const std::string src = source(bond);
  if (before && bond.current) {
    bus_.publish(queue_.now(), src, "failover", {{"from", nics_[*before].name}, {"to", nics_[*bond.current].name}});
  } else if (before) {
    bus_.publish(queue_.now(), src, "bond_down");
  } else if (bond.current) {
    bus_.publish(queue_.now(), src, "bond_up", {{"member", nics_[*bond.current].name}});
  }
}

void Network::recompute_segments() {
  constexpr std::uint32_t unassigned = ~std::uint32_t{0};
  for (Switch& s : switches_) s.segment = unassigned;
  std::uint32_t next = 0;
  for (SwitchIndex root = 0; root < switches_.size(); ++root) {
    if (switches_[root].segment != unassigned) continue;
    const std::uint32_t segment = next++;
    std::vector<SwitchIndex> stack{root};
    switches_[root].segment = segment;
    while (!stack.empty()) {
      const SwitchIndex s = stack.back();
      stack.pop_back();
      if (!switches_[s].up) continue;  // a failed switch is a segment of its own and forwards nothing
      for (const SwitchIndex t : switches_[s].links) {
        if (switches_[t].segment == unassigned && switches_[t].up) {
          switches_[t].segment = segment;
          stack.push_back(t);
        }
      }
    }
  }
}

void Network::notify() {
  for (const auto& listener : listeners_) listener();
}

}  // namespace poolsim::models
