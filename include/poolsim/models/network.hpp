// The physical network of a pool: switches (and the links that stack them), NICs cabled to switch ports, and
// bonds of NICs. It answers the one question the HA layer asks of it — does a frame sent by this interface
// reach that one? — and says when the answer may have changed, so that nothing is computed per packet.
//
// Model (MODEL.md §2, docs/model.md "Physical network"):
// - A NIC has carrier while its cable is plugged and its switch is up. A cable pull drops carrier at once.
// - Switches that are up and linked (directly or through other up switches) form one layer-2 segment.
// - A bond sees a member's carrier change at once (Open vSwitch, XenServer's default backend: xapi sets
//   use_carrier, so carrier changes are events) or at its next poll every `miimon` (Linux bonding, the bridge
//   backend). A member seen lost is disabled `downdelay` later; one seen back is enabled `updelay` later,
//   except that a bond with no enabled member takes the first member back at once (OVS bond.c and Linux
//   bond_miimon_inspect both skip updelay then; docs/research/real-behaviour.md §1-2). Polls are instants on
//   the grid k·miimon, computed rather than simulated, so an idle bond costs nothing.
// - The bond sends its host's frames through one member: active_backup's active member (kept until it is
//   disabled, then the first enabled member in configuration order; no fail-back); active_active
//   (balance-slb), lacp_tcp and lacp_mac hash the host's single management MAC to one member, moved to the
//   first enabled member when its member is disabled. Frames go out and come in through that member, so
//   between a carrier loss and the member's disabling, frames are lost: the sub-second blip of a cable pull.
// - The bond is down while no member is enabled.
// Not modelled yet: LACP negotiation and its partner timeout (a member that keeps carrier but stops
// answering), the 10 s balance-slb rebalance (it never moves a lone management MAC back), host power.
//
// States of a bond member: enabled (carrier seen) -> [carrier lost] -> failing (downdelay running) ->
// disabled -> [carrier back] -> returning (updelay running) -> enabled. A carrier change back during
// failing/returning cancels the transition.
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

// A bond's timing, as xapi configures Open vSwitch and Linux bonds (MODEL.md §2; ocaml/xapi/nm.ml).
struct BondTiming {
  CarrierDetection detection = CarrierDetection::event;
  Duration miimon = Duration::milliseconds(100);   // carrier poll period, for CarrierDetection::poll
  Duration downdelay = Duration::milliseconds(200);  // carrier seen lost this long before disabling
  Duration updelay = Duration::seconds(31);         // carrier seen back this long before enabling
};

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
  SwitchIndex add_switch(std::string name);
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
  void restore_switch(SwitchIndex s);

  // State.
  bool carrier(NicIndex nic) const;
  bool member_enabled(NicIndex nic) const;
  bool bond_up(BondIndex bond) const;
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
    std::vector<SwitchIndex> links;
    std::uint32_t segment = 0;  // switches with the same segment number are connected (recomputed on change)
  };
  struct Nic {
    std::string host;
    std::string name;
    SwitchIndex cabled_to;
    bool plugged = true;
    std::optional<BondIndex> bond;
    bool enabled = true;     // as the bond sees it
    EventHandle transition;  // pending disable (downdelay) or enable (updelay)
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
  std::vector<std::function<void()>> listeners_;
};

}  // namespace poolsim::models
