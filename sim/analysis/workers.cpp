#include "poolsim/analysis/workers.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <map>
#include <stdexcept>
#include <vector>

namespace poolsim::analysis {
namespace {

struct Running {
  pid_t pid;
  int fd;
  std::size_t index;
  std::string output;
};

Running start(const WorkerPool& pool, std::size_t index) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("cannot create a pipe for a worker");
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("cannot start a worker process");
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // a killed command takes its workers with it
    if (::getppid() != parent) ::_exit(1);
    ::close(fds[0]);
    int status = 1;
    try {
      status = pool.job(index, fds[1]);
    } catch (...) {
      status = 1;
    }
    ::_exit(status);  // no atexit handlers or flushes of the parent's buffers in the worker
  }
  ::close(fds[1]);
  return Running{pid, fds[0], index, {}};
}

}  // namespace

std::string JobExit::how() const {
  return exited ? "exit status " + std::to_string(status) : "signal " + std::to_string(signal);
}

void write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

void WorkerPool::run(std::size_t count) const {
  std::vector<Running> running;
  // An exception out of `done` or `more` (or a stop) ends the pool: its workers are killed, not left behind.
  struct Reaper {
    std::vector<Running>& running;
    ~Reaper() {
      for (const Running& r : running) {
        ::kill(r.pid, SIGKILL);
        ::close(r.fd);
        while (::waitpid(r.pid, nullptr, 0) < 0 && errno == EINTR) {
        }
      }
    }
  } reaper{running};
  std::size_t next = 0;
  while (true) {
    while (next < count && running.size() < std::max<std::size_t>(1, parallel)) running.push_back(start(*this, next++));
    const bool waiting = more && more();
    if (next >= count && running.empty() && !waiting) return;
    std::vector<pollfd> fds;
    for (const Running& r : running) fds.push_back({r.fd, POLLIN, 0});
    if (::poll(fds.data(), fds.size(), tick_ms) < 0 && errno != EINTR) throw std::runtime_error("poll failed");
    for (std::size_t i = fds.size(); i-- > 0;) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      Running& r = running[i];
      char buf[4096];
      const ssize_t n = ::read(r.fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n > 0) {
        r.output.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      // End of the job's output: it has finished.
      ::close(r.fd);
      int status = 0;
      while (::waitpid(r.pid, &status, 0) < 0 && errno == EINTR) {
      }
      JobExit exit;
      exit.output = std::move(r.output);
      exit.exited = WIFEXITED(status);
      exit.status = exit.exited ? WEXITSTATUS(status) : 0;
      exit.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
      const std::size_t index = r.index;
      running.erase(running.begin() + static_cast<std::ptrdiff_t>(i));
      if (done) done(index, std::move(exit));
    }
  }
}

namespace {

// One job's outcome through a worker's pipe: "INDEX KIND BYTES\n" and the bytes; KIND is R (its result) or E (what
// its work threw).
std::string frame(std::size_t index, char kind, const std::string& text) {
  return std::to_string(index) + ' ' + kind + ' ' + std::to_string(text.size()) + '\n' + text;
}

struct Framed {
  std::size_t index = 0;
  bool error = false;
  std::string text;
};

// The outcomes a worker's output holds; stops at the first incomplete one (a worker cut short).
std::vector<Framed> unframe(std::string_view text) {
  std::vector<Framed> out;
  std::size_t index = 0, bytes = 0;
  while (take_number(text, index, ' ') && text.size() >= 2 && (text[0] == 'R' || text[0] == 'E') && text[1] == ' ') {
    const bool error = text[0] == 'E';
    text.remove_prefix(2);
    if (!take_number(text, bytes, '\n') || text.size() < bytes) break;
    out.push_back({index, error, std::string(text.substr(0, bytes))});
    text.remove_prefix(bytes);
  }
  return out;
}

// Thrown out of a pool's `done` when the caller's `each` asks to stop.
struct Stop {};

}  // namespace

void run_in_order(std::size_t count, std::size_t parallel, std::size_t chunk,
                  const std::function<std::string(std::size_t index)>& work, const InOrder& each) {
  std::map<std::size_t, JobOutcome> ended;  // outcomes ahead of an earlier job's
  std::size_t next = 0;                     // the next job to hand on
  const auto hand_on = [&] {
    for (auto it = ended.begin(); it != ended.end() && it->first == next; it = ended.erase(it), ++next) {
      if (!each(it->first, it->second)) throw Stop{};
    }
  };
  // Runs the jobs [first, end) of each range; `alone`: a job without an outcome is handed on as lost.
  const std::function<void(const std::vector<std::pair<std::size_t, std::size_t>>&, std::size_t, bool)> run =
      [&](const std::vector<std::pair<std::size_t, std::size_t>>& ranges, std::size_t at_once, bool alone) {
        WorkerPool pool;
        pool.parallel = at_once;
        pool.job = [&](std::size_t r, int fd) {
          for (std::size_t i = ranges[r].first; i < ranges[r].second; ++i) {
            std::string text;
            char kind = 'R';
            try {
              text = work(i);
            } catch (const std::exception& e) {
              kind = 'E';
              text = e.what();
            }
            write_all(fd, frame(i, kind, text));
          }
          return 0;
        };
        pool.done = [&](std::size_t r, JobExit exit) {
          for (Framed& f : unframe(exit.output)) {
            if (f.index < ranges[r].first || f.index >= ranges[r].second) continue;
            JobOutcome outcome;
            if (f.error) {
              outcome.error = std::move(f.text);
            } else {
              outcome.result = std::move(f.text);
            }
            ended.emplace(f.index, std::move(outcome));
          }
          if (alone && !ended.count(ranges[r].first)) {
            exit.output.clear();
            ended.emplace(ranges[r].first, JobOutcome{std::nullopt, {}, exit});
          }
          // The jobs a dead process took with it, at once and each in a process of its own, so that the results
          // waiting for them stay few.
          if (!alone) {
            std::vector<std::pair<std::size_t, std::size_t>> lost;
            for (std::size_t i = ranges[r].first; i < ranges[r].second; ++i) {
              if (!ended.count(i)) lost.emplace_back(i, i + 1);
            }
            if (!lost.empty()) run(lost, 1, true);
          }
          hand_on();
        };
        pool.run(ranges.size());
      };
  std::vector<std::pair<std::size_t, std::size_t>> chunks;
  const std::size_t at_once = std::max<std::size_t>(1, parallel);
  const std::size_t size = std::max<std::size_t>(1, std::min(chunk, count / at_once));
  for (std::size_t from = 0; from < count; from += size) chunks.emplace_back(from, std::min(count, from + size));
  try {
    run(chunks, at_once, false);
  } catch (const Stop&) {
  }
}

}  // namespace poolsim::analysis
