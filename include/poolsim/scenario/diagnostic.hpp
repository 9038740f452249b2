// Diagnostics: the problems found in a scenario file, reported compiler-style (docs/architecture.md "Conventions"):
//   scenarios/pool3.yaml:14:5: error: unknown key 'heartbeat_timout' in 'ha'; did you mean 'timeout'?
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace poolsim::scenario {

enum class Severity { error, warning };

// One problem in a file: where (1-based; line 0 when it concerns the whole file), how bad, and what to do.
struct Diagnostic {
  std::string file;
  int line = 0;
  int column = 0;
  Severity severity = Severity::error;
  std::string message;  // lowercase, ends with how to fix it
};

// "FILE:LINE:COL: error: MESSAGE", or "FILE: error: MESSAGE" for a problem of the whole file.
std::string format_diagnostic(const Diagnostic& d);

// Whether any diagnostic is an error (warnings do not fail a check).
bool has_errors(const std::vector<Diagnostic>& diagnostics);

}  // namespace poolsim::scenario
