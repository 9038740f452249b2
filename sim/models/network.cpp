// The physical network: switches, NICs, bonds (Linux bonding and Open vSwitch bond modes): network.hpp.
#include "poolsim/models/network.hpp"

#include "poolsim/models/records.hpp"

#include <algorithm>
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

std::string_view to_token(LacpRate rate) { return rate == LacpRate::fast ? "fast" : "slow"; }

std::string_view to_token(LacpStatus status) {
  switch (status) {
    case LacpStatus::negotiating: return "negotiating";
    case LacpStatus::negotiated: return "negotiated";
    case LacpStatus::expired: return "expired";
    case LacpStatus::defaulted: return "defaulted";
  }
  return "unknown";
}

namespace {
Rec lacp_record(LacpStatus status) {
  switch (status) {
    case LacpStatus::negotiating: return Rec::lacp_negotiating;
    case LacpStatus::negotiated: return Rec::lacp_negotiated;
    case LacpStatus::expired: return Rec::lacp_expired;
    case LacpStatus::defaulted: break;
  }
  return Rec::lacp_defaulted;
}
}  // namespace

Network::Network(EventQueue& queue, EventBus& bus) : queue_(queue), bus_(bus) {}

SwitchIndex Network::add_switch(std::string name, bool lacp) {
  switches_.push_back(Switch{std::move(name), true, lacp, true, {}, 0});
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
  Nic nic;
  nic.host = std::move(host);
  nic.name = std::move(name);
  nic.cabled_to = cabled_to;
  nics_.push_back(std::move(nic));
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
  Bond& bond = bonds_.back();
  // The run starts in the steady state: an LACP member is negotiated where its partner answers and defaulted
  // elsewhere; every usable member is enabled. The first enabled member carries the host's frames (for hashed
  // modes: where the management MAC hashes to, taken as the first member so that runs are reproducible).
  if (uses_lacp(mode)) {
    for (const NicIndex m : bond.members) {
      nics_[m].lacp = carrier(m) && partner_answers(nics_[m]) ? LacpStatus::negotiated : LacpStatus::defaulted;
    }
  }
  for (const NicIndex m : bond.members) nics_[m].usable = nics_[m].enabled = member_usable(m);
  for (const NicIndex m : bond.members) {
    if (nics_[m].enabled) {
      bond.current = m;
      break;
    }
  }
  return index;
}

bool Network::carrier(NicIndex nic) const {
  const Nic& n = nics_[nic];
  return n.plugged && n.powered && switches_[n.cabled_to].up;
}

bool Network::partner_answers(const Nic& nic) const {
  const Switch& s = switches_[nic.cabled_to];
  return s.up && s.lacp && s.lacp_answering;
}

// lib/lacp.c: a member may be enabled when its partner shows it in sync, or, with lacp-fallback-ab, when it is
// defaulted and attached — which lacp_update_attached allows only while no member of the bond has a partner
// (an expired member's partner has gone: taken as not holding the others back).
bool Network::lacp_allows(NicIndex nic) const {
  const Nic& n = nics_[nic];
  if (n.lacp == LacpStatus::negotiated) return true;
  if (n.lacp != LacpStatus::defaulted) return false;
  const Bond& bond = bonds_[*n.bond];
  if (!bond.timing.lacp.fallback_ab) return false;
  return std::none_of(bond.members.begin(), bond.members.end(), [this](NicIndex m) {
    return nics_[m].lacp == LacpStatus::negotiated || nics_[m].lacp == LacpStatus::negotiating;
  });
}

bool Network::member_usable(NicIndex nic) const {
  if (!carrier(nic)) return false;
  const Nic& n = nics_[nic];
  return !n.bond || !uses_lacp(bonds_[*n.bond].mode) || lacp_allows(nic);
}

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
  publish(bus_, queue_.now(), switches_[s].name, Rec::switch_down);
  recompute_segments();
  for (const NicIndex i : losing) carrier_changed(i, "switch_fail");
  notify();
}

void Network::restore_switch(SwitchIndex s) {
  if (switches_.at(s).up) return;
  switches_[s].up = true;
  switches_[s].lacp_answering = true;  // its control plane restarted with it
  publish(bus_, queue_.now(), switches_[s].name, Rec::switch_up);
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
  publish(bus_, queue_.now(), source(n), up ? Rec::link_up : Rec::link_down, {{"cause", std::string(cause)}});
  if (!n.bond) return;
  if (uses_lacp(bonds_[*n.bond].mode)) {
    lacp_carrier_changed(nic);
    bond_members_changed(*n.bond);
  } else {
    usability_changed(nic);
  }
}

void Network::usability_changed(NicIndex nic) {
  Nic& n = nics_[nic];
  const bool up = member_usable(nic);
  if (up == n.usable) return;
  n.usable = up;
  // A change back before the pending transition completes cancels it.
  if (queue_.cancel(n.transition)) return;
  if (up == n.enabled) return;
  const BondTiming& timing = bonds_[*n.bond].timing;
  // The bond notices at once or at its next carrier poll, then waits downdelay or updelay.
  n.transition = queue_.schedule_at(next_poll(timing), Phase::hardware, [this, nic] {
    Nic& member = nics_[nic];
    Bond& bond = bonds_[*member.bond];
    if (member.usable) {
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

// LACP consent of one member may depend on the others' (fallback-ab), so every member is looked at again.
void Network::bond_members_changed(BondIndex bond) {
  for (const NicIndex m : bonds_[bond].members) usability_changed(m);
}

// lib/lacp.c lacp_member_carrier_changed: with lacp=active the member expires on any carrier change. With
// carrier and a partner that answers, the partner's PDU comes at once and its sync after `negotiation`; with
// no partner, the expired member defaults after 3 s (and, with fallback-ab, may then be used).
void Network::lacp_carrier_changed(NicIndex nic) {
  Nic& n = nics_[nic];
  queue_.cancel(n.lacp_timer);
  if (carrier(nic) && partner_answers(n)) {
    lacp_partner_back(nic);
    return;
  }
  n.lacp = LacpStatus::expired;
  n.lacp_timer = queue_.schedule_in(LacpTiming::expired_timeout(), Phase::hardware, [this, nic] {
    set_lacp(nic, LacpStatus::defaulted);
  });
}

void Network::lacp_partner_back(NicIndex nic) {
  Nic& n = nics_[nic];
  queue_.cancel(n.lacp_timer);
  n.lacp = LacpStatus::negotiating;
  const Duration wait = bonds_[*n.bond].timing.lacp.negotiation;
  n.lacp_timer = queue_.schedule_in(wait, Phase::hardware, [this, nic] { set_lacp(nic, LacpStatus::negotiated); });
}

void Network::set_lacp(NicIndex nic, LacpStatus status) {
  Nic& n = nics_[nic];
  n.lacp = status;
  // Changes on a member without carrier are invisible (it is unusable either way): not recorded.
  if (carrier(nic)) {
    publish(bus_, queue_.now(), source(bonds_[*n.bond]), lacp_record(status),
                 {{"member", n.name}});
  }
  if (status == LacpStatus::expired) {
    n.lacp_timer = queue_.schedule_in(LacpTiming::expired_timeout(), Phase::hardware, [this, nic] {
      set_lacp(nic, LacpStatus::defaulted);
    });
  }
  bond_members_changed(*n.bond);
}

void Network::silence_lacp(SwitchIndex s) {
  Switch& sw = switches_.at(s);
  if (!sw.lacp || !sw.lacp_answering) return;
  sw.lacp_answering = false;
  publish(bus_, queue_.now(), sw.name, Rec::lacp_silent);
  if (!sw.up) return;
  for (NicIndex i = 0; i < nics_.size(); ++i) {
    Nic& n = nics_[i];
    if (n.cabled_to != s || !n.bond || !uses_lacp(bonds_[*n.bond].mode) || !carrier(i)) continue;
    if (n.lacp != LacpStatus::negotiated && n.lacp != LacpStatus::negotiating) continue;
    // The last PDU came now: the member expires partner_timeout later (lib/lacp.c rx timer).
    queue_.cancel(n.lacp_timer);
    n.lacp_timer = queue_.schedule_in(bonds_[*n.bond].timing.lacp.partner_timeout(), Phase::hardware,
                                      [this, i] { set_lacp(i, LacpStatus::expired); });
  }
}

void Network::resume_lacp(SwitchIndex s) {
  Switch& sw = switches_.at(s);
  if (!sw.lacp || sw.lacp_answering) return;
  sw.lacp_answering = true;
  publish(bus_, queue_.now(), sw.name, Rec::lacp_resumed);
  if (!sw.up) return;
  for (NicIndex i = 0; i < nics_.size(); ++i) {
    Nic& n = nics_[i];
    if (n.cabled_to != s || !n.bond || !uses_lacp(bonds_[*n.bond].mode) || !carrier(i)) continue;
    if (n.lacp == LacpStatus::negotiated) {
      queue_.cancel(n.lacp_timer);  // PDUs again before the member expired: nothing changes
      continue;
    }
    // A member that was negotiating, expired or defaulted hears its partner again and negotiates afresh; a member
    // used in fallback stops being used until the partner shows it in sync (lacp_update_attached detaches
    // defaulted members once one member has a partner).
    lacp_partner_back(i);
    bond_members_changed(*n.bond);
  }
}

bool Network::host_powered(std::string_view host) const {
  return std::find(unpowered_hosts_.begin(), unpowered_hosts_.end(), host) == unpowered_hosts_.end();
}

void Network::set_host_powered(std::string_view host, bool powered) {
  if (host_powered(host) == powered) return;
  if (powered) {
    unpowered_hosts_.erase(std::find(unpowered_hosts_.begin(), unpowered_hosts_.end(), host));
  } else {
    unpowered_hosts_.emplace_back(host);
  }
  const std::string_view cause = powered ? "power_on" : "power_off";
  for (NicIndex i = 0; i < nics_.size(); ++i) {
    Nic& n = nics_[i];
    if (n.host != host) continue;
    const bool had_carrier = carrier(i);
    n.powered = powered;
    const bool has_carrier = carrier(i);
    if (had_carrier != has_carrier) {
      publish(bus_, queue_.now(), source(n), has_carrier ? Rec::link_up : Rec::link_down, {{"cause", std::string(cause)}});
    }
    if (!n.bond) continue;
    // The host's bonds stop with it: no downdelay, nothing pending. They start again from scratch.
    queue_.cancel(n.transition);
    queue_.cancel(n.lacp_timer);
    n.enabled = n.usable = false;
    n.lacp = LacpStatus::defaulted;  // a member registered afresh starts defaulted (lacp_member_register)
  }
  for (BondIndex b = 0; b < bonds_.size(); ++b) {
    Bond& bond = bonds_[b];
    if (bond.host != host) continue;
    if (!powered) {
      if (bond.current) publish(bus_, queue_.now(), source(bond), Rec::bond_down);
      bond.current.reset();
      continue;
    }
    if (uses_lacp(bond.mode)) {
      // Members negotiate (or default) from carrier up; the first usable one is enabled at once.
      for (const NicIndex m : bond.members) {
        if (carrier(m)) lacp_carrier_changed(m);
      }
      bond_members_changed(b);
      continue;
    }
    // OVS bond_member_create enables a new member by its carrier, without updelay.
    for (const NicIndex m : bond.members) nics_[m].usable = nics_[m].enabled = carrier(m);
    choose_current(bond);
  }
  notify();
}

void Network::set_member_enabled(NicIndex nic, bool enabled) {
  Nic& n = nics_[nic];
  n.enabled = enabled;
  Bond& bond = bonds_[*n.bond];
  publish(bus_, queue_.now(), source(bond), enabled ? Rec::member_up : Rec::member_down,
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
    publish(bus_, queue_.now(), src, Rec::failover, {{"from", nics_[*before].name}, {"to", nics_[*bond.current].name}});
  } else if (before) {
    publish(bus_, queue_.now(), src, Rec::bond_down);
  } else if (bond.current) {
    publish(bus_, queue_.now(), src, Rec::bond_up, {{"member", nics_[*bond.current].name}});
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
