// The parameter table: every numeric, duration and size key of a scenario with its unit, range, default, help
// and the source of its default. It drives the loader's validation, `poolsim check --list-params` and
// docs/scenario-format.md (a test checks the docs hold every row), so that code and docs cannot disagree.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "poolsim/kernel/time.hpp"

namespace poolsim::scenario {

// How a parameter is written and what its raw value counts: duration (nanoseconds, written '30s'), size (bytes,
// written '16GiB'), count (a whole number) or real (thousandths, written '1.5').
enum class ParamKind { duration, size, count, real, rate };

// One row of the table. Raw values (min, max, default) count the kind's unit.
struct ParameterRow {
  std::string_view path;  // dotted key path; [] marks the elements of a list: pool.hosts[].memory
  ParamKind kind;
  std::uint64_t min;
  std::uint64_t max;
  std::optional<std::uint64_t> default_value;  // none: the key is required, or derived (see default_note)
  std::string_view default_note;               // when there is no default value: "required", or its derivation
  std::string_view help;
  std::string_view source;  // where the default comes from

  // The key as written in the file: the last part of the path.
  constexpr std::string_view key() const { return path.substr(path.rfind('.') + 1); }
};

namespace table_units {
constexpr std::uint64_t ns(Duration d) { return static_cast<std::uint64_t>(d.ns()); }
constexpr std::uint64_t ms(std::int64_t n) { return ns(Duration::milliseconds(n)); }
constexpr std::uint64_t s(std::int64_t n) { return ns(Duration::seconds(n)); }
constexpr std::uint64_t h(std::int64_t n) { return ns(Duration::hours(n)); }
constexpr std::uint64_t d(std::int64_t n) { return ns(Duration::days(n)); }
constexpr std::uint64_t y(std::int64_t n) { return ns(Duration::days(365 * n)); }
constexpr std::uint64_t mib(std::uint64_t n) { return n << 20; }
constexpr std::uint64_t tib(std::uint64_t n) { return n << 40; }
constexpr std::uint64_t pib(std::uint64_t n) { return n << 50; }
constexpr std::uint64_t mbit(std::uint64_t n) { return n * 1'000'000; }  // bits per second
constexpr std::uint64_t gbit(std::uint64_t n) { return n * 1'000'000'000; }
}  // namespace table_units

// The smallest heartbeat SR XenServer accepts: 4 MiB statefile + 256 MiB metadata volume, rounded up by the
// admin guide to 356 MiB (docs/model.md "Storage pieces").
inline constexpr std::uint64_t heartbeat_sr_min_size = table_units::mib(356);

inline constexpr std::uint64_t no_max = std::numeric_limits<std::uint64_t>::max();

inline constexpr auto parameter_table = [] {
  using namespace table_units;
  using K = ParamKind;
  constexpr std::optional<std::uint64_t> none;
  return std::to_array<ParameterRow>({
      {"seed", K::count, 0, no_max, 1, "", "seed of every random stream; `poolsim run --seed` overrides it",
       "poolsim's choice"},
      {"until", K::duration, s(1), y(100), none, "required", "simulated horizon; `poolsim run --until` overrides it",
       "scenario format"},

      {"pool.storage[].size", K::size, mib(1), pib(1), none, "required", "capacity of the SR", "scenario format"},
      {"pool.storage[].replacement_timeout", K::duration, 0, h(1), s(15), "",
       "iscsi only: open-iscsi keeps a dead session this long before failing its I/O",
       "xapi-project/sm iscsi.py: 15s with multipath, 144s without (docs/research/real-behaviour.md §3)"},
      {"pool.storage[].multipath.polling_interval", K::duration, s(1), h(1), s(5), "",
       "iscsi and fc: multipathd checks every path this often", "multipath-tools DEFAULT_CHECKINT, not set by sm"},
      {"pool.storage[].multipath.no_path_retry", K::count, 0, 1000, 10, "",
       "iscsi and fc: with no path left, queue I/O for this many checks, then fail; or `queue` (for ever) or "
       "`fail` (at once, = 0)",
       "xapi-project/sm multipath.conf `no_path_retry 10`"},
      {"pool.storage[].multipath.failback", K::duration, 0, h(1), s(10), "",
       "iscsi and fc: a path that comes back is used again this long after",
       "xapi-project/sm multipath.conf `failback 10`"},

      {"pool.hosts[].memory", K::size, mib(512), tib(64), none, "required", "host memory", "scenario format"},
      {"pool.hosts[].control_domain_memory", K::size, 0, tib(64), 0, "",
       "memory VMs may not use (dom0, Xen); XenServer 8 gives dom0 1GiB + 5 % of the host's memory, at most 8GiB",
       "0: `memory` is all VMs' (docs/scenario-format.md); the rule: XenServer docs, Memory usage"},
      {"pool.hosts[].cpus", K::count, 1, 4096, none, "required", "physical CPUs", "scenario format"},
      {"pool.hosts[].boot_time", K::duration, s(1), h(1), s(180), "",
       "from power on (or a fence) to the toolstack up", "typical value, not documented"},
      {"pool.hosts[].nics[].speed", K::rate, mbit(10), gbit(800), gbit(1), "",
       "link speed; a live migration runs at the lower management speed of its two hosts (a bond: its slowest member)",
       "typical value (1 GbE), not documented"},
      {"pool.hosts[].bonds[].miimon", K::duration, ms(1), s(10), ms(100), "", "carrier poll period",
       "ocaml/xapi/nm.ml bond properties"},
      {"pool.hosts[].bonds[].downdelay", K::duration, 0, s(60), ms(200), "",
       "a member is declared down this long after its carrier drops", "ocaml/xapi/nm.ml bond properties"},
      {"pool.hosts[].bonds[].updelay", K::duration, 0, s(600), s(31), "",
       "a member is used again this long after its carrier returns", "ocaml/xapi/nm.ml bond properties"},
      {"pool.hosts[].bonds[].rebalance_interval", K::duration, s(1), h(24), s(1800), "",
       "active_active: traffic is respread over the up members this often",
       "xapi sets 30 min on OVS bonds (docs/research/real-behaviour.md §1d); 10 s is Linux bonding's"},

      {"pool.vms[].memory", K::size, mib(1), tib(16), none, "required", "VM memory", "scenario format"},
      {"pool.vms[].vcpus", K::count, 1, 1024, none, "required", "virtual CPUs", "scenario format"},
      {"pool.vms[].boot_time", K::duration, s(1), h(1), s(60), "", "from start to running",
       "typical value, not documented by XenServer"},
      {"pool.vms[].ha.order", K::count, 0, 1'000'000, 0, "", "restart order: lower starts first",
       "XenCenter start order; xapi default 0"},
      {"pool.vms[].ha.start_delay", K::duration, 0, h(1), 0, "",
       "waited after starting this VM before the next order group", "XenCenter delay; xapi default 0"},

      {"pool.ha.timeout", K::duration, s(11), h(1), s(60), "",
       "the HA timeout T, whole seconds above 10s; every xhad timer is derived from it",
       "xapi_globs.ml ha_default_timeout_base"},
      {"pool.ha.host_failures_to_tolerate", K::count, 0, 63, 0, "",
       "ntol: host failures the restart plan must cover; at most hosts - 1",
       "xapi pool field ha_host_failures_to_tolerate (default 0)"},
      {"pool.ha.network_interval", K::duration, s(1), h(1), none, "derived: min((T + 10) div 10, 3) s; legacy: "
       "(T + 10) div 10 s", "t1: network heartbeat period", "xapi_ha.ml Timeouts.derive"},
      {"pool.ha.statefile_interval", K::duration, s(1), h(1), none, "derived: max(2, T div 20) s; legacy: "
       "(T + 10) div 10 s", "t2: statefile write period", "xapi_ha.ml Timeouts.derive"},
      {"pool.ha.heartbeat_timeout", K::duration, s(1), h(1), none, "derived: T",
       "a peer not heard on the network this long is lost", "xapi_ha.ml Timeouts.derive"},
      {"pool.ha.statefile_timeout", K::duration, s(1), h(1), none, "derived: T",
       "a peer whose statefile slot is not updated this long is lost", "xapi_ha.ml Timeouts.derive"},
      {"pool.ha.heartbeat_watchdog", K::duration, s(1), h(1), none, "derived: T",
       "a daemon that sent no heartbeat this long fences its host (no daemon stall is simulated: it sets the survivors' phase-4 sleep)", "xapi_ha.ml Timeouts.derive"},
      {"pool.ha.statefile_watchdog", K::duration, s(1), h(1), none, "derived: T + 15s",
       "a daemon that updated no statefile slot this long fences its host", "xapi_ha.ml Timeouts.derive"},
      {"pool.ha.join_timeout", K::duration, s(1), h(1), none, "derived: T + 60s",
       "boot and enable join timeout of the HA daemon", "xapi_ha.ml Timeouts.derive"},
      {"pool.ha.xapi.health_check_interval", K::duration, s(1), h(1), s(60), "",
       "xhad checks the toolstack this often", "xapi_globs.ml ha_xapi_healthcheck_interval"},
      {"pool.ha.xapi.health_check_timeout", K::duration, s(1), h(1), s(120), "",
       "a toolstack that does not answer this long is restarted",
       "xapi_globs.ml ha_xapi_healthcheck_timeout"},
      {"pool.ha.xapi.restart_attempts", K::count, 0, 10, 1, "",
       "toolstack restarts xhad tries, all against one restart_timeout from the first (each later one waited one "
       "poll, restart_timeout / 10), before the host fences; spent for a day by a successful one",
       "xapi_globs.ml ha_xapi_restart_attempts"},
      {"pool.ha.xapi.restart_timeout", K::duration, s(1), h(1), s(300), "",
       "a toolstack restart that takes longer fails", "xapi_globs.ml ha_xapi_restart_timeout"},
      {"pool.ha.xapi.monitor_interval", K::duration, s(1), h(1), s(20), "",
       "the master's HA monitor runs this often", "xapi_globs.ml ha_monitor_interval"},
      {"pool.ha.xapi.plan_interval", K::duration, s(1), d(1), s(1800), "",
       "the HA monitor replans at least this often", "xapi_globs.ml ha_monitor_plan_interval"},
      {"pool.ha.xapi.master_poll_interval", K::duration, s(1), h(1), s(20), "",
       "a slave cut from its master polls the liveset this often",
       "xapi's code polls every 20s, the design doc says 10s (docs/research/real-behaviour.md §4e)"},
      {"pool.ha.xapi.restart_retry_delay", K::duration, 0, h(1), s(120), "",
       "a VM whose start failed is not tried again within this", "xapi_ha_vm_failover.ml restart_vm (120 s since last_start_attempt)"},

      {"faults[].at", K::duration, 0, y(100), none, "required", "simulated time of the fault", "scenario format"},
      {"faults[].value", K::count, 0, 63, none, "required by set_ntol", "set_ntol: the new host failures to tolerate",
       "scenario format"},

      {"random_faults[].mtbf", K::duration, s(1), y(200), none, "required",
       "mean time between failures of each target", "scenario format"},
      {"random_faults[].repair.mean", K::duration, ms(1), y(10), none, "required by exponential",
       "exponential repair: mean time", "scenario format"},
      {"random_faults[].repair.median", K::duration, ms(1), y(10), none, "required by lognormal",
       "lognormal repair: median time", "scenario format"},
      {"random_faults[].repair.p95", K::duration, ms(1), y(10), none, "required by lognormal",
       "lognormal repair: 95th percentile, above the median", "scenario format"},
      {"random_faults[].repair.shape", K::real, 100, 20'000, none, "required by weibull",
       "weibull repair: shape k (1 is exponential)", "poolsim's choice"},
      {"random_faults[].repair.scale", K::duration, ms(1), y(10), none, "required by weibull",
       "weibull repair: scale", "poolsim's choice"},
      {"random_faults[].repair.value", K::duration, 0, y(10), none, "required by fixed", "fixed repair: the time",
       "poolsim's choice"},
      {"expect[].by", K::duration, 0, y(100), none, "see expect", "the time an expected state holds by",
       "scenario format"},
      {"expect[].within", K::duration, 0, y(100), none, "see expect",
       "[earliest, latest]: the window a host enters its expected state in", "scenario format"},
      {"expect[].at_least", K::duration, 0, y(100), none, "see expect",
       "with started_after: the least time from the other VM's last start to this VM's", "scenario format"},
      {"expect[].downtime_at_most", K::duration, 0, y(100), none, "see expect",
       "the most time a VM may spend not running once it first ran (a service: unavailable), over the whole run",
       "scenario format"},
      {"services[].need", K::count, 1, 100'000, 1, "", "how many of the service's VMs must serve for it to be available",
       "scenario format"},
  });
}();

// The row of a path, found at compile time: a path missing from the table does not compile.
consteval const ParameterRow& parameter(std::string_view path) {
  for (const ParameterRow& row : parameter_table) {
    if (row.path == path) return row;
  }
  throw "no such path in the parameter table";
}

// A raw value written as the file would write it: '30s', '356MiB', '10', '1.5'.
std::string format_parameter_value(ParamKind kind, std::uint64_t raw);

// The words of a kind, for the docs and messages: "duration", "size", "count", "real".
std::string_view to_string(ParamKind kind);

// A row as one Markdown table line: | `path` | kind | min … max | default | help (source) |.
// `poolsim check --list-params` prints these lines and docs/scenario-format.md holds every one of them.
std::string format_parameter_row(const ParameterRow& row);

// The header lines of that Markdown table.
std::string parameter_table_header();

}  // namespace poolsim::scenario
