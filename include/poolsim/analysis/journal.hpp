// The journal of a batch: one line per completed run, appended and flushed to disk (fsync) as each run
// completes, so that a batch killed at any moment — SIGKILL included — loses no completed run. The HDF5 results
// are rebuilt from it; a batch started again with the same arguments runs only the runs it lacks.
//
// RESULTS.h5.journal, text:
//   poolsim-batch-journal 2 poolsim=<version> keep_timelines=<0|1>
//   run <TAB> scenario <TAB> scenario_hash <TAB> seed <TAB> ... <TAB> checksum
// The checksum (FNV-1a of the line before it) and the final newline mark a complete line: a line torn by a kill
// fails them and is cut off when the journal is opened again.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace poolsim::batch {

// One completed run, as the journal keeps it: integers only (times in nanoseconds), so a rebuilt file is exact.
struct RunRecord {
  std::string scenario;             // its name
  std::uint64_t scenario_hash = 0;  // FNV-1a of the scenario file's text: a changed file is another scenario
  std::uint64_t seed = 0;
  std::uint64_t exit_status = 0;    // as `poolsim run`: 0, or 1 (an expectation failed or an invariant broke)
  bool invariant_violated = false;
  std::string invariant_message;
  std::int64_t end_ns = 0;          // the horizon, or the time of the violation
  std::uint64_t expectations = 0;
  std::uint64_t failed_expectations = 0;
  std::uint64_t master_changes = 0;
  std::vector<std::int64_t> vm_downtime_ns;      // scenario VM order
  std::vector<std::uint64_t> vm_restarts;
  std::vector<std::uint64_t> vm_running_at_end;  // 0 or 1
  std::vector<std::uint64_t> host_fences;        // the pool's host order (tie-break order)
  std::int64_t pool_services_down_ns = 0;        // time without the pool's services (run_one.hpp)
  std::vector<std::int64_t> service_downtime_ns; // the scenario's services, in its order
};

std::uint64_t fnv1a64(std::string_view text);

// The record as one journal line, ending in '\n'.
std::string to_journal_line(const RunRecord& record);
// A line (without its '\n') back to the record; none when it is damaged or not a run line.
std::optional<RunRecord> from_journal_line(std::string_view line);

class Journal {
 public:
  using Key = std::pair<std::uint64_t, std::uint64_t>;  // (scenario_hash, seed)

  // Opens `path`, creating it with `header` when absent. An existing journal must start with the same header
  // (else std::runtime_error saying so); its complete lines are read and a torn last line is cut off.
  Journal(std::filesystem::path path, std::string header);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  const std::map<Key, RunRecord>& records() const { return records_; }
  // Appends the record's line and flushes it to disk before returning.
  void append(const RunRecord& record);

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  std::map<Key, RunRecord> records_;
};

}  // namespace poolsim::batch
