#include "what_if_args.hpp"

#include <variant>

#include "poolsim/scenario/parameters.hpp"
#include "poolsim/scenario/size.hpp"
#include "scenario_args.hpp"

namespace poolsim::cli {

namespace po = boost::program_options;

void add_what_if_options(po::options_description& options, WhatIfArgs& args) {
  options.add_options()("remove-vm", po::value(&args.remove_vms), "what if: the pool without this VM (repeatable)")(
      "remove-host", po::value(&args.remove_hosts),
      "what if: remove this host; its VMs are halted, the protected ones left to HA (repeatable)")(
      "add-host", po::value(&args.add_hosts),
      "what if: add a host with this memory, e.g. 64GiB, a copy of the file's last host (repeatable)")(
      "ha-timeout", po::value(&args.ha_timeout), "what if: the HA timeout T, whole seconds, e.g. 90s")(
      "ntol", po::value(&args.ntol), "what if: the pool's host failures to tolerate");
}

std::optional<scenario::WhatIf> parse_what_if(std::string_view verb, const WhatIfArgs& args, const po::variables_map& vm,
                                              std::ostream& err) {
  scenario::WhatIf what_if;
  what_if.remove_vms = args.remove_vms;
  what_if.remove_hosts = args.remove_hosts;
  for (const std::string& text : args.add_hosts) {
    const auto parsed = scenario::parse_size(text);
    if (const auto* error = std::get_if<scenario::SizeParseError>(&parsed)) {
      err << "poolsim " << verb << ": --add-host: " << error->message << '\n';
      return std::nullopt;
    }
    what_if.add_hosts.push_back(std::get<std::uint64_t>(parsed));
  }
  if (vm.count("ha-timeout")) {
    const scenario::ParameterRow& row = scenario::parameter("pool.ha.timeout");  // the file's limits
    const auto parsed = parse_duration(args.ha_timeout);
    if (const auto* error = std::get_if<TimeParseError>(&parsed)) {
      err << "poolsim " << verb << ": --ha-timeout: " << error->message << '\n';
      return std::nullopt;
    }
    const Duration timeout = std::get<Duration>(parsed);
    const auto raw = static_cast<std::uint64_t>(timeout.ns());
    if (timeout.ns() < 0 || raw < row.min || raw > row.max || timeout % Duration::seconds(1) != Duration::zero()) {
      err << "poolsim " << verb << ": --ha-timeout " << args.ha_timeout << " is not an HA timeout: whole seconds from "
          << scenario::format_parameter_value(row.kind, row.min) << " to "
          << scenario::format_parameter_value(row.kind, row.max) << ", as the scenario's 'timeout:' in 'ha'\n";
      return std::nullopt;
    }
    what_if.ha_timeout = timeout;
  }
  if (vm.count("ntol")) {
    const scenario::ParameterRow& row = scenario::parameter("pool.ha.host_failures_to_tolerate");  // the file's limits
    const auto ntol = parse_count_option(verb, "--ntol", args.ntol, row.min, row.max, err);
    if (!ntol) return std::nullopt;
    what_if.ntol = static_cast<std::int64_t>(*ntol);
  }
  return what_if;
}

}  // namespace poolsim::cli
