// The physical network of a pool: switches (and the links that stack them), NICs cabled to switch ports, and
// bonds of NICs. It answers the one question the HA layer asks of it — does a frame sent by this interface
// reach that one? — and says when the answer may have changed, so that nothing is computed per packet.
//
// Model (docs/model.md "Physical network"):
// - A NIC has carrier while its cable is plugged, its host is powered (not crashed, fenced or rebooting) and its
//   switch is up. A cable pull drops carrier at once.
// - Switches that are up and linked (directly or through other up switches) form one layer-2 segment.
// - A bond member is *usable* while it has carrier and, in the two LACP modes, LACP lets it carry traffic (see
//   below). A bond sees a change of usability at once (Open vSwitch, XenServer's default backend: xapi sets
//   use_carrier, so carrier changes are events) or at its next poll every `miimon` (Linux bonding, the bridge
//   backend). A member seen unusable is disabled `downdelay` later; one seen usable again is enabled `updelay`
//   later, except that a bond with no enabled member takes the first usable member at once (OVS bond.c and
//   Linux bond_miimon_inspect both skip updelay then; docs/research/real-behaviour.md §1-2). Polls are instants
//   on the grid k·miimon, computed rather than simulated, so an idle bond costs nothing.
// - LACP (lacp_tcp, lacp_mac; OVS lib/lacp.c with xapi's lacp=active): a member whose partner switch port
//   negotiates LACP is usable once the partner shows it in sync, `LacpTiming::negotiation` after its carrier
//   (or the partner's LACP) comes up. A partner that stops sending LACPDUs while carrier stays up (a switch whose
//   control plane hangs: `silence_lacp`) expires the member 3 × the PDU interval (fast 1 s, slow 30 s) after its
//   last PDU, and defaults it 3 s later. With lacp-fallback-ab (xapi's default) a defaulted member is usable as
//   an active-backup member while no member of the bond has a partner; that is also how an LACP bond runs on a
//   switch without LACP.
// - The bond sends its host's frames through one member: active_backup's active member (kept until it is
//   disabled, then the first enabled member in configuration order; no fail-back); active_active
//   (balance-slb), lacp_tcp and lacp_mac hash the host's single management MAC to one member, moved to the
//   first enabled member when its member is disabled. Frames go out and come in through that member, so
//   between a carrier loss and the member's disabling, frames are lost: the sub-second blip of a cable pull.
//   The periodic rebalance never moves a lone MAC (OVS bond_rebalance moves a hash only if that brings the
//   loads closer, and not under ~1 Mbit/s of imbalance), so it changes no member in use and is not simulated.
// - The bond is down while no member is enabled. A host that loses power (crash, fence, reboot) drops the
//   carrier of all its NICs and its bonds go down at once; when it is up again, its non-LACP bonds start with
//   every member that has carrier enabled (OVS bond_member_create), its LACP members negotiate again.
//
// States of a bond member: enabled (usable) -> [unusable] -> failing (downdelay running) -> disabled ->
// [usable] -> returning (updelay running) -> enabled. A change back during failing/returning cancels the
// transition. LACP state of a member of an LACP bond (lib/lacp.c's CURRENT split by the partner's SYNC bit):
// negotiating -> [negotiation elapsed] -> negotiated; negotiated/negotiating -> [partner silent for
// 3 × interval] -> expired -> [3 s] -> defaulted; carrier up or the partner back -> negotiating (partner
// answering) or expired (no partner); carrier down -> expired -> [3 s] -> defaulted.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "poolsim/kernel/event_bus.hpp"
#include "poolsim/kernel/event_queue.hpp"
#include "poolsim/kernel/time.hpp"

namespace poolsim::models {

using SwitchIndex = std::uint32_t;
using NicIndex = std::uint32_t;
using BondIndex = std::uint32_t;

enum class BondMode : std::uint8_t { active_active, active_backup, lacp_tcp, lacp_mac };
std::string_view to_token(BondMode mode);

// How a bond learns of a member's carrier change.
enum class CarrierDetection : std::uint8_t {
  event,  // at once: Open vSwitch with use_carrier (XenServer's default network backend)
  poll,   // at the next miimon poll: Linux bonding (the bridge backend)
};

// The LACPDU period a bond asks of its partner (OVS other-config:lacp-time).
enum class LacpRate : std::uint8_t { fast, slow };
std::string_view to_token(LacpRate rate);

// LACP of a lacp_tcp or lacp_mac bond, as xapi configures Open vSwitch (docs/research/real-behaviour.md §1e).
struct LacpTiming {
  // xapi_bond.ml `requirements_of_mode` stores lacp-time=slow for a new LACP bond.
  LacpRate rate = LacpRate::slow;
  // From carrier (or the partner's LACP) up until the partner shows the member in sync: one PDU exchange plus
  // the partner's Aggregate_Wait_Time of 2 s before it attaches the port (IEEE 802.1AX §6.4.4; Linux
  // drivers/net/bonding/bond_3ad.c AD_AGGREGATE_WAIT_TIME = 2 s). OVS itself answers at once (lib/lacp.c).
  Duration negotiation = Duration::seconds(2);
  // xapi_bond.ml stores lacp-fallback-ab=true: with no partner the bond runs active-backup over its defaulted
  // members (lib/lacp.c member_may_enable__, lacp_update_attached).
  bool fallback_ab = true;
  // The partner's PDU period: LACP_FAST_TIME_TX 1 s, LACP_SLOW_TIME_TX 30 s (lib/lacp.c).
  Duration pdu_interval() const { return rate == LacpRate::fast ? Duration::seconds(1) : Duration::seconds(30); }
  // A member expires when no PDU came for LACP_RX_MULTIPLIER (3) PDU periods: 3 s fast, 90 s slow.
  Duration partner_timeout() const { return pdu_interval() * 3; }
  // An expired member defaults after 3 × LACP_FAST_TIME_TX more (lib/lacp.c member_set_expired).
  static Duration expired_timeout() { return Duration::seconds(3); }
};

// A bond's timing, as xapi configures Open vSwitch and Linux bonds (docs/model.md "Bonds"; ocaml/xapi/nm.ml).
struct BondTiming {
  CarrierDetection detection = CarrierDetection::event;
  Duration miimon = Duration::milliseconds(100);   // carrier poll period, for CarrierDetection::poll
  Duration downdelay = Duration::milliseconds(200);  // carrier seen lost this long before disabling
  Duration updelay = Duration::seconds(31);         // carrier seen back this long before enabling
  LacpTiming lacp;                                  // lacp_tcp and lacp_mac only
};

// LACP state of a member of an LACP bond (see the file comment).
enum class LacpStatus : std::uint8_t { negotiating, negotiated, expired, defaulted };
std::string_view to_token(LacpStatus status);
constexpr bool uses_lacp(BondMode mode) { return mode == BondMode::lacp_tcp || mode == BondMode::lacp_mac; }

// An interface that carries IP traffic: a NIC on its own, or a bond.
struct Interface {
  enum class Kind : std::uint8_t { nic, bond };
  Kind kind;
  std::uint32_t index;
  static Interface of_nic(NicIndex i) { return {Kind::nic, i}; }
  static Interface of_bond(BondIndex i) { return {Kind::bond, i}; }
  bool operator==(const Interface&) const = default;
};

class Network {
 public:
  // Records go to `bus` with sources "<switch>", "<host>/<nic>", "<host>/<bond>".
  Network(EventQueue& queue, EventBus& bus);
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

  // Building (before the run starts). Names must be unique where the scenario says so; not checked here.
  // `lacp`: whether the switch's ports negotiate LACP (are configured as LACP port channels).
  SwitchIndex add_switch(std::string name, bool lacp = false);
  void link_switches(SwitchIndex a, SwitchIndex b);
  NicIndex add_nic(std::string host, std::string name, SwitchIndex cabled_to);
  // Members must be NICs of the same host, each in at most one bond.
  BondIndex add_bond(std::string host, std::string name, std::vector<NicIndex> members, BondMode mode,
                     BondTiming timing);

  // Faults and repairs, applied at the current time. Each is idempotent (unplugging an unplugged cable does
  // nothing).
  void unplug(NicIndex nic);
  void replug(NicIndex nic);
  void fail_switch(SwitchIndex s);
  // A restored switch answers LACP again.
  void restore_switch(SwitchIndex s);
  // The switch stops sending LACPDUs while its links keep carrier (a hung control plane, or LACP removed from
  // its ports), and starts again. No effect on a switch without LACP.
  void silence_lacp(SwitchIndex s);
  void resume_lacp(SwitchIndex s);
  // Host power, called by the pool: a host crashed, fenced or rebooting has no carrier on any of its NICs; at
  // host_up they come back. `host` is the name given to add_nic / add_bond.
  void set_host_powered(std::string_view host, bool powered);
  bool host_powered(std::string_view host) const;

  // State.
  bool carrier(NicIndex nic) const;
  bool member_enabled(NicIndex nic) const;
  // The LACP state of a member of an LACP bond.
  LacpStatus lacp_status(NicIndex nic) const { return nics_[nic].lacp; }
  bool bond_up(BondIndex bond) const;
  const std::vector<NicIndex>& bond_members(BondIndex bond) const { return bonds_[bond].members; }
  // The member the bond's frames use now, if any member is enabled.
  std::optional<NicIndex> bond_current_member(BondIndex bond) const;
  bool switch_up(SwitchIndex s) const { return switches_[s].up; }
  bool switches_connected(SwitchIndex a, SwitchIndex b) const;
  // Does a frame sent now by interface `from` arrive at interface `to`?
  bool can_reach(Interface from, Interface to) const;
  // Does a frame sent now by interface `from` arrive at a device (a storage portal) cabled to switch `s`?
  bool can_reach_switch(Interface from, SwitchIndex s) const;

  // Called, in the hardware phase, after anything that may change can_reach: listeners recompute what they
  // derive from it. Listeners must not change the network.
  void on_change(std::function<void()> listener) { listeners_.push_back(std::move(listener)); }

  const std::string& nic_name(NicIndex nic) const { return nics_[nic].name; }
  const std::string& bond_name(BondIndex bond) const { return bonds_[bond].name; }

 private:
  struct Switch {
    std::string name;
    bool up = true;
    bool lacp = false;           // its ports negotiate LACP
    bool lacp_answering = true;  // it sends LACPDUs (silence_lacp clears it)
    std::vector<SwitchIndex> links;
    std::uint32_t segment = 0;  // switches with the same segment number are connected (recomputed on change)
  };
  struct Nic {
    std::string host;
    std::string name;
    SwitchIndex cabled_to;
    bool plugged = true;
    bool powered = true;  // its host is up
    std::optional<BondIndex> bond;
    bool usable = true;      // what the bond last saw: carrier, and LACP allowing it
    bool enabled = true;     // as the bond sees it
    EventHandle transition;  // pending disable (downdelay) or enable (updelay)
    LacpStatus lacp = LacpStatus::negotiated;
    EventHandle lacp_timer;  // pending negotiation, expiry or default
  };
  struct Bond {
    std::string host;
    std::string name;
    std::vector<NicIndex> members;
    BondMode mode;
    BondTiming timing;
    std::optional<NicIndex> current;  // the member carrying the host's frames
  };

  // The switch whose segment an interface's frames enter, or none when they are lost.
  std::optional<SwitchIndex> attachment(Interface itf) const;
  void carrier_changed(NicIndex nic, std::string_view cause);
  // Whether a member may carry traffic now: carrier, and for an LACP bond LACP's consent.
  bool member_usable(NicIndex nic) const;
  bool lacp_allows(NicIndex nic) const;
  bool partner_answers(const Nic& nic) const;
  // The bond acts on a change of member_usable (after detection and downdelay/updelay).
  void usability_changed(NicIndex nic);
  void bond_members_changed(BondIndex bond);
  void lacp_carrier_changed(NicIndex nic);
  void lacp_partner_back(NicIndex nic);
  void set_lacp(NicIndex nic, LacpStatus status);
  void set_member_enabled(NicIndex nic, bool enabled);
  void choose_current(Bond& bond);
  SimTime next_poll(const BondTiming& timing) const;
  void recompute_segments();
  void notify();
  static std::string source(const Nic& nic) { return nic.host + "/" + nic.name; }
  static std::string source(const Bond& bond) { return bond.host + "/" + bond.name; }

  EventQueue& queue_;
  EventBus& bus_;
  std::vector<Switch> switches_;
  std::vector<Nic> nics_;
  std::vector<Bond> bonds_;
  std::vector<std::string> unpowered_hosts_;  // hosts without power now (few, usually none)
  std::vector<std::function<void()>> listeners_;
};

}  // namespace poolsim::models
