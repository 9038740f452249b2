// poolsim: the command line. Parses the verb, hands its arguments over, returns its exit status.
#include <array>
#include <exception>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "poolsim/version.hpp"
#include "poolsim/verbs.hpp"

namespace {

using namespace poolsim::cli;

struct Verb {
  std::string_view name;
  std::string_view usage;
  std::string_view summary;
  int (*main)(const std::vector<std::string>& args);  // null while the verb is not built yet
  std::string_view missing;                           // for a verb not built yet: what it waits for
};

constexpr std::array<Verb, 11> verbs{{
    {"run", "run SCENARIO.yaml [--seed N] [--until T] [--timeline FILE|-] [--h5 FILE] [--quiet] [--clock] [what-if]",
     "simulate one scenario and print its timeline, summary and expectations", run_main, {}},
    {"check", "check SCENARIO.yaml...", "validate scenario files only; every problem, compiler-style",
     check_main, {}},
    {"batch", "batch SCENARIO.yaml... --runs N [--seed-base S] [--jobs J] --out RESULTS.h5 [--keep-timelines] [what-if]",
     "seeded Monte Carlo runs into one HDF5 file (resumable)", batch_main, {}},
    {"size",
     "size SCENARIO.yaml [--jobs J] [--sample N] [--seed S] [--h5 FILE] [what-if]",
     "how many host failures the pool tolerates: planner and simulation", size_main, {}},
    {"diff", "diff A.timeline B.timeline", "first differing line of two timelines, with context", diff_main, {}},
    {"bench", "bench heartbeat-mesh [--hosts N] [--until T] [--repeat R]",
     "kernel benchmark against a minimal baseline in the same process", bench_main, {}},
    {"swarm", "swarm --runs N --seed S [--hosts-max H]",
     "random pools and faults, checking invariants and liveness; shrinks failures", swarm_main, {}},
    {"explore", "explore SCENARIO.yaml [--seed N] [--max-instants N]",
     "fail each resource at each decision instant of a run, checking the invariants", explore_main, {}},
    {"import", "import DB.xml|REPORT.tar.gz -o POOL.yaml", "a XAPI database (or status report) as a scenario file",
     import_main, {}},
    {"report", "report FILE.h5 -o OUT.html", "one self-contained HTML page of a run's, batch's or size file",
     report_main, {}},
    {"glossary", "glossary", "every timeline record, detail value, alert and refusal reason", glossary_main, {}},
}};

void print_help(std::ostream& out) {
  out << "poolsim " << poolsim::version
      << ": discrete-event simulation of a XenServer / XCP-ng HA pool under failure\n\n"
         "usage: poolsim VERB [ARGS...]      poolsim VERB --help      poolsim --version\n\nverbs:\n";
  for (const Verb& verb : verbs) {
    std::string line = "  " + std::string(verb.name);
    line.append(line.size() < 11 ? 11 - line.size() : 1, ' ');
    line += verb.summary;
    if (!verb.main) line += " [not built yet: needs " + std::string(verb.missing) + "]";
    out << line << '\n';
  }
  out << "\nwhat-if options of run, batch and size: --remove-vm NAME, --remove-host NAME, --add-host MEMORY (each\n"
         "repeatable), --ha-timeout T, --ntol N (docs/running.md \"What if\")\n";
  out << "\nexit status: 0 ok, 1 an expectation, invariant or comparison failed, 2 usage or input error\n";
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    print_help(std::cerr);
    return exit_usage;
  }
  const std::string& first = args.front();
  if (first == "--help" || first == "-h" || first == "help") {
    print_help(std::cout);
    return exit_ok;
  }
  if (first == "--version") {
    std::cout << "poolsim " << poolsim::version << '\n';
    return exit_ok;
  }
  for (const Verb& verb : verbs) {
    if (verb.name != first) continue;
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    if (!verb.main) {
      std::cerr << "poolsim " << verb.name << ": not built yet; it needs " << verb.missing
                << ".\nusage (planned): poolsim " << verb.usage << '\n';
      return exit_usage;
    }
    try {
      return verb.main(rest);
    } catch (const std::exception& e) {
      std::cerr << "poolsim " << verb.name << ": internal error: " << e.what() << '\n';
      return exit_failed;
    }
  }
  std::cerr << "poolsim: unknown verb '" << first << "'; see 'poolsim --help'\n";
  return exit_usage;
}
