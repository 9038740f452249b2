// The what-if options of the verbs that simulate one pool (run, batch, size): --remove-vm, --remove-host,
// --add-host, --ha-timeout, --ntol (scenario/what_if.hpp applies them).
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <boost/program_options.hpp>

#include "poolsim/scenario/what_if.hpp"

namespace poolsim::cli {

// The options as written, before they are parsed.
struct WhatIfArgs {
  std::vector<std::string> remove_vms, remove_hosts, add_hosts;
  std::string ha_timeout, ntol;
};

// Adds the five options to `options`, read into `args`.
void add_what_if_options(boost::program_options::options_description& options, WhatIfArgs& args);

// The changes the options ask for; prints what is wrong ("poolsim VERB: --add-host: ...") to `err` and returns
// nothing when one does not parse or is outside the scenario file's limits.
std::optional<scenario::WhatIf> parse_what_if(std::string_view verb, const WhatIfArgs& args,
                                              const boost::program_options::variables_map& vm, std::ostream& err);

}  // namespace poolsim::cli
