// The verbs of the poolsim command line (docs/running.md "Command line") and its exit statuses.
#pragma once

#include <string>
#include <vector>

namespace poolsim::cli {

// Exit statuses: 0 ok, 1 an expectation, invariant or comparison failed, 2 usage or input error.
inline constexpr int exit_ok = 0;
inline constexpr int exit_failed = 1;
inline constexpr int exit_usage = 2;

// Each verb's entry point gets its arguments after the verb and returns the exit status.
int batch_main(const std::vector<std::string>& args);
int bench_main(const std::vector<std::string>& args);
int check_main(const std::vector<std::string>& args);
int diff_main(const std::vector<std::string>& args);
int run_main(const std::vector<std::string>& args);
int size_main(const std::vector<std::string>& args);
int swarm_main(const std::vector<std::string>& args);
int explore_main(const std::vector<std::string>& args);
int import_main(const std::vector<std::string>& args);
int report_main(const std::vector<std::string>& args);
int glossary_main(const std::vector<std::string>& args);

}  // namespace poolsim::cli
