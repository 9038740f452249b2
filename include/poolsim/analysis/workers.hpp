// The analysis layer's one worker pool: jobs run in forked processes, each job in a process of its own, up to
// `parallel` at once. A job's process writes its result to a pipe and exits; the parent reads the whole output and
// the exit status. A crash, an abort or an invariant thrown in one run therefore loses that run only, and a run's
// memory and HDF5 library state end with its process. Used by batch and size; swarm and explore use it through
// run_in_order (below), which gives a process a chunk of jobs and runs again alone those a crash took with it.
#pragma once

#include <charconv>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace poolsim::analysis {

// How a job's process ended.
struct JobExit {
  std::string output;  // everything it wrote to its pipe
  bool exited = false; // it called exit (else a signal ended it)
  int status = 0;      // its exit status, when exited
  int signal = 0;      // the signal that ended it, when not exited
  bool ok() const { return exited && status == 0; }
  std::string how() const;  // "exit status N" or "signal N"
};

// Writes all of `bytes` to `fd` (a job's pipe, stderr), retrying interrupted writes; stops at an error.
void write_all(int fd, std::string_view bytes);

struct WorkerPool {
  std::size_t parallel = 1;  // processes at once (at least 1)
  int tick_ms = 200;         // the longest wait between two calls of `more`
  // In the job's process: runs job `index`, writing its result to `fd`; returns the process's exit status.
  std::function<int(std::size_t index, int fd)> job;
  // In the parent, as each job ends, in the order they end.
  std::function<void(std::size_t index, JobExit exit)> done;
  // Asked between two polls; while it answers true the pool keeps polling after the last job has ended (rank 0
  // of an MPI batch waits there for the other ranks). May be empty.
  std::function<bool()> more;

  // Runs jobs 0 .. count - 1, started in that order. Throws std::runtime_error when a process or a
  // pipe cannot be made.
  void run(std::size_t count) const;
};

// What one job of run_in_order came to: its result, or what its work threw (a std::exception's what()), or
// neither when it killed its process twice (`exit` then says how the process ended).
struct JobOutcome {
  std::optional<std::string> result;
  std::optional<std::string> error;
  JobExit exit;
};
// Hears each job's outcome in index order; returns false to stop (no more jobs start, the running ones are killed).
using InOrder = std::function<bool(std::size_t index, const JobOutcome& outcome)>;

// Jobs 0 .. count - 1 in worker processes, at most `chunk` jobs each and fewer when that gives every one of the
// `parallel` processes some (count / parallel), up to `parallel` processes at once: `work(i)` runs
// in a worker and returns job i's result as text (any bytes), and `each` hears the outcomes in the parent in
// index order, whatever order the processes end in, so that what the caller prints does not depend on
// `parallel`. The jobs a dead process took with it are run again at once, each in a process of its own.
void run_in_order(std::size_t count, std::size_t parallel, std::size_t chunk,
                  const std::function<std::string(std::size_t index)>& work, const InOrder& each);

// Reads a decimal number followed by `end` off the front of `text` (a job's result as run_in_order carries it):
// false, with `text` unchanged, when there is none.
template <typename T>
bool take_number(std::string_view& text, T& out, char end) {
  const auto [at, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (error != std::errc() || at == text.data() || at == text.data() + text.size() || *at != end) return false;
  text.remove_prefix(static_cast<std::size_t>(at - text.data()) + 1);
  return true;
}

}  // namespace poolsim::analysis
