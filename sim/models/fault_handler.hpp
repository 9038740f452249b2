// xhad's fault handler (xha daemon/sm.c fault_handler): when a host of the liveset leaves a domain, wait until
// the domains are stable (phase 1), until the views agree (phase 2), decide by the survival rules (phase 3,
// test_Survival_Rule), and sleep until the losers must have fenced before removing them (phase 4).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "heartbeat_transport.hpp"
#include "poolsim/kernel/event_queue.hpp"
#include "poolsim/models/pool.hpp"

namespace poolsim::models {

struct PoolContext;

// The reasons of a fence by the survival rules (self_fence reason=..., docs/glossary.md): the decisions the
// invariant checker holds against ground truth. A watchdog, a dead toolstack and a fence request are not rules'.
inline constexpr std::string_view fence_smaller_partition = "smaller_partition";
inline constexpr std::string_view fence_statefile_lost_peer_has_it = "statefile_lost_peer_has_it";
inline constexpr std::string_view fence_statefile_and_peers_lost = "statefile_and_peers_lost";
inline bool survival_rule_fence(std::string_view reason) {
  return reason == fence_smaller_partition || reason == fence_statefile_lost_peer_has_it ||
         reason == fence_statefile_and_peers_lost;
}

// Where a host's handler stands, in sm.c's order (SM_PHASE_FH1 ... SM_PHASE_FH4DONE; idle is SM_PHASE_STARTED). The
// phases ending in a rendezvous (meeting, agreed, decided, ending) wait until no running host of the liveset in
// the host's heartbeat domain (and, into phase 2, its statefile domain) is at an earlier phase of a run.
enum class FaultHandlerPhase : std::uint8_t {
  idle,
  waiting,   // phase 1: until no peer in a domain is stale
  meeting,   // phase 1 done: the rendezvous into phase 2 (SM_PHASE_FH1DONE)
  agreeing,  // phase 2: until the views of the hosts heard agree (or T)
  agreed,    // phase 2 done, its stable view taken: the rendezvous into phase 3 (SM_PHASE_FH2DONE)
  testing,   // phase 3: the survival test, which may wait for a statefile peer's report
  decided,   // phase 3 passed: the rendezvous into phase 4 (SM_PHASE_FH3DONE)
  sleeping,  // phase 4: before removing the lost hosts from the liveset
  ending,    // phase 4 done: the rendezvous out of the handler (SM_PHASE_FH4DONE)
};

struct FaultHandlerRun {
  FaultHandlerPhase phase = FaultHandlerPhase::idle;
  bool rerun = false;   // a loss during the run: run again at its end
  SimTime start;        // when this run began (phase 1's staleness counts from it)
  bool awaiting_reports = false;  // phase 3 waits for a statefile peer still in its phases 1-2
  SimTime tested;       // when phase 3 began: the phase-4 sleep is shortened by the wait since (sm.c p3_start_time)
  bool extend = false;  // fh_sleep_extend: a host phase 3 removes was still in one of its domains then
  bool liveset_updated = false;  // phase 4 removed hosts: xapi hears of it once the run ends
  // Phase 2 ended without agreement: the stable view is xhad's merge of every host's reports, and phase 3 compares
  // the partitions of those merged reports (merged_hbd/merged_sfd, one row per host, h's own row its stable view).
  bool merged = false;
  std::vector<std::vector<bool>> merged_hbd, merged_sfd;
  // The hosts in its heartbeat and statefile domains since the run began: xhad sets join_block for the whole
  // fault handler, and no host enters a domain meanwhile (sm.c fault_handler, update_sfdomain_sub; heartbeat.c
  // update_hbdomain), so one that leaves and comes back stays out of the view the run decides from.
  std::vector<bool> held_hbd, held_sfd;
  // Its domains, within its liveset, as they stood when phase 2 ended: phase 3 decides from them (xhad
  // smvar.stable_hb/stable_sf).
  std::vector<bool> stable_hbd, stable_sfd;
  std::vector<bool> stable_sf_access;  // per host in stable_hbd: it reports its own slot fresh (rule 2)
  bool surviving_by_rule2 = false;
  // xhad's fence request (sm.c fence_request): set in its heartbeats during the phase-4 sleep of a degrading
  // liveset; a host that hears one and is not in `proposed` fences (heartbeat.c, MTC_ERROR_HB_FENCEREQUESTED).
  bool requesting_fence = false;
  std::vector<bool> proposed;
  EventHandle event;
};

class FaultHandler {
 public:
  explicit FaultHandler(PoolContext& context) : ctx(context) {}
  void init(std::size_t hosts);

  FaultHandlerRun& operator[](HostIndex h) { return runs_[h]; }
  const FaultHandlerRun& operator[](HostIndex h) const { return runs_[h]; }
  bool idle(HostIndex h) const { return runs_[h].phase == FaultHandlerPhase::idle; }
  // Whether p is in h's domain on c as h's daemon holds it: while h's handler runs, only the hosts in it since
  // the run began (join_block).
  bool in_view(HostIndex h, HostIndex p, Channel c) const;
  // p left h's domain on c: while h's handler runs it does not come back into the run's view.
  void left(HostIndex h, HostIndex p, Channel c);

  // A host of h's liveset left a domain, or `called_by`'s starting handler called h's (FHREADY): the handler
  // starts, or runs again once it ends.
  void start(HostIndex h, std::optional<HostIndex> called_by = std::nullopt);
  // Phase 1: whether the domains are stable yet; when they are, phase 2 starts.
  void check_stable(HostIndex h);
  // Phase 2: whether the views agree now.
  void try_agree(HostIndex h);
  // Hosts whose phase 3 waits for a peer's report decide again (at this instant, after the change).
  void wake_deciders();
  // The daemon stopped: the handler is gone with it.
  void halt(HostIndex h);
  // The partition x reports on the statefile: the hosts of its liveset in both its domains, itself included.
  std::vector<HostIndex> partition_of(HostIndex x) const;

 private:
  void call_peers(HostIndex h);
  bool held(HostIndex h) const;
  void pass_rendezvous(HostIndex h);
  void release_rendezvous();
  void start_agreeing(HostIndex h);
  bool views_agree(HostIndex h) const;
  void take_stable_view(HostIndex h);
  void merge_views(HostIndex h);
  void largest_partition(HostIndex h, std::optional<HostIndex>& winner, bool& with_winner) const;
  bool report_pending(HostIndex x) const;
  void survival_test(HostIndex h);
  void sleep_before_update(HostIndex h);
  void finish(HostIndex h);

  PoolContext& ctx;
  std::vector<FaultHandlerRun> runs_;
  // Each host's heartbeat and statefile domains when its daemon last stopped: the report its peers still hold.
  std::vector<std::vector<bool>> last_hbd_, last_sfd_;
  bool release_pending_ = false;  // a release_rendezvous is scheduled at this instant
};

}  // namespace poolsim::models
