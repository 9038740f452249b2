// The safety rules checked from ground truth (docs/model.md "Safety rules"): invariants.hpp.
#include "invariants.hpp"

#include <algorithm>

#include "pool_context.hpp"

namespace poolsim::models {

void Invariants::world_changed() { world_changed_ = ctx.queue.now(); }

// Checked when nothing has changed for longer than the views can lag (T + one heartbeat round); within that window
// a view may rightly be behind the world. The clear cases: h writes the statefile and hears every liveset host
// that does (rule 1, no partition), or nobody writes it and h hears every configured host not shut down cleanly
// (rule 2). Views are also behind the world in a fault handler that began before it settled.
void Invariants::check_fence_justified(HostIndex h) const {
  const HaTimers& ha = ctx.config.ha;
  const Duration lag = std::max(ha.heartbeat_timeout, ha.statefile_timeout) +
                       std::max(ha.network_interval, ha.statefile_interval);
  if (ctx.queue.now() - world_changed_ <= lag) return;
  // A fault handler holds the domains it began with (join_block): one that began before the world had settled
  // decides, and merges its peers' reports, from views older than the world.
  for (HostIndex x = 0; x < ctx.n(); ++x) {
    if (!ctx.fault_handler.idle(x) && ctx.fault_handler[x].start - world_changed_ <= lag) return;
  }
  const Statefile& statefile = ctx.statefile;
  bool any_writer = statefile.writes(h), hears_writers = true, hears_all = true;
  for (HostIndex p = 0; p < ctx.n(); ++p) {
    if (p == h) continue;
    if (!ctx.xhad[h].liveset[p]) {
      // Rule 2 counts every configured host: one outside the liveset that did not leave cleanly breaks it.
      if (!ctx.xhad[p].excluded) hears_all = false;
      continue;
    }
    const bool current = ctx.xhad[p].live();  // the incarnation the liveset counts
    const bool heard = current && ctx.reaches(p, h);
    const bool writer = current && statefile.writes(p);
    any_writer = any_writer || writer;
    if (writer && !heard) hears_writers = false;
    if (!heard && !ctx.xhad[p].excluded) hears_all = false;
  }
  if (statefile.writes(h) && hears_writers) {
    throw InvariantViolation(ctx.name(h) + " fences although it writes the statefile and hears every host that does "
                                           "(survival rule 1), and the world was stable");
  }
  if (!any_writer && hears_all) {
    throw InvariantViolation(ctx.name(h) + " fences although nobody writes the statefile and it hears every host "
                                           "(survival rule 2), and the world was stable");
  }
}

void Invariants::check_one_master(const std::string& new_master) const {
  for (HostIndex x = 0; x < ctx.n(); ++x) {
    if (ctx.xapi[x].is_master && ctx.name(x) != new_master) {
      throw InvariantViolation("two masters: " + new_master + " takes the master lock while " + ctx.name(x) +
                               " still acts as master");
    }
  }
}

void Invariants::check_vm_not_running(VmIndex v, std::string_view verb, const std::string& target) const {
  const VmInstance& instance = ctx.machines.instance(v);
  if (instance.host) {
    throw InvariantViolation("VM " + ctx.vm_config(v).name + " " + std::string(verb) + " on " + target +
                             " while still running on " + ctx.name(*instance.host));
  }
}

namespace {
std::string_view detail(const std::vector<Detail>& details, std::string_view key) {
  for (const Detail& d : details) {
    if (d.key == key) return d.value;
  }
  return {};
}
}  // namespace

void Invariants::check(Rec id, const std::string& source, const std::vector<Detail>& details) const {
  switch (id) {
    case Rec::self_fence: {
      // "<host>/ha", by the host's name: no source string is built per host.
      std::string_view host = source;
      if (!survival_rule_fence(detail(details, "reason")) || !host.ends_with("/ha")) return;
      host.remove_suffix(3);
      for (HostIndex h = 0; h < ctx.n(); ++h) {
        if (ctx.name(h) == host) return check_fence_justified(h);
      }
      return;
    }
    case Rec::master_changed: return check_one_master(std::string(detail(details, "to")));
    case Rec::vm_restart:
    case Rec::vm_start: {
      std::string_view vm = source;  // "vm/<vm>"
      if (!vm.starts_with("vm/")) return;
      vm.remove_prefix(3);
      for (VmIndex v = 0; v < ctx.vm_count(); ++v) {
        if (ctx.vm_config(v).name == vm) {
          return check_vm_not_running(v, id == Rec::vm_restart ? "restarted" : "started",
                                      std::string(detail(details, "to")));
        }
      }
      return;
    }
    default: return;
  }
}

}  // namespace poolsim::models
