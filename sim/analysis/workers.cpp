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

// One result through a worker's pipe: "INDEX BYTES\n" and the bytes.
std::string frame(std::size_t index, const std::string& result) {
  return std::to_string(index) + ' ' + std::to_string(result.size()) + '\n' + result;
}

bool read_number(std::string_view& text, std::size_t& out, char end) {
  const auto [at, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (error != std::errc() || at == text.data() || at == text.data() + text.size() || *at != end) return false;
  text.remove_prefix(static_cast<std::size_t>(at - text.data()) + 1);
  return true;
}

// The results a worker's output holds; stops at the first incomplete one (a worker cut short).
std::vector<std::pair<std::size_t, std::string>> unframe(std::string_view text) {
  std::vector<std::pair<std::size_t, std::string>> out;
  std::size_t index = 0, bytes = 0;
  while (read_number(text, index, ' ') && read_number(text, bytes, '\n') && text.size() >= bytes) {
    out.emplace_back(index, std::string(text.substr(0, bytes)));
    text.remove_prefix(bytes);
  }
  return out;
}

}  // namespace

void run_in_order(std::size_t count, std::size_t parallel, std::size_t chunk,
                  const std::function<std::string(std::size_t index)>& work,
                  const std::function<void(std::size_t index, std::optional<std::string> result, const JobExit& exit)>&
                      each) {
  std::map<std::size_t, std::pair<std::optional<std::string>, JobExit>> ended;  // ahead of an earlier job's
  std::size_t next = 0;                                                          // the next job to hand on
  const auto hand_on = [&] {
    for (auto it = ended.begin(); it != ended.end() && it->first == next; it = ended.erase(it), ++next) {
      each(it->first, std::move(it->second.first), it->second.second);
    }
  };
  // Runs the jobs of `ranges` ([first, end) each); `last_try`: a job without a result is handed on as lost.
  const auto run = [&](const std::vector<std::pair<std::size_t, std::size_t>>& ranges, bool last_try) {
    WorkerPool pool;
    pool.parallel = parallel;
    pool.job = [&](std::size_t r, int fd) {
      for (std::size_t i = ranges[r].first; i < ranges[r].second; ++i) write_all(fd, frame(i, work(i)));
      return 0;
    };
    pool.done = [&](std::size_t r, JobExit exit) {
      for (auto& [i, result] : unframe(exit.output)) {
        if (i < ranges[r].first || i >= ranges[r].second) continue;
        ended.emplace(i, std::make_pair(std::move(result), JobExit{{}, true, 0, 0}));
      }
      if (last_try && !ended.count(ranges[r].first)) {
        exit.output.clear();
        ended.emplace(ranges[r].first, std::make_pair(std::nullopt, exit));
      }
      hand_on();
    };
    pool.run(ranges.size());
  };
  std::vector<std::pair<std::size_t, std::size_t>> chunks;
  const std::size_t size = std::max<std::size_t>(1, chunk);
  for (std::size_t from = 0; from < count; from += size) chunks.emplace_back(from, std::min(count, from + size));
  run(chunks, false);
  std::vector<std::pair<std::size_t, std::size_t>> lost;
  for (std::size_t i = next; i < count; ++i) {
    if (!ended.count(i)) lost.emplace_back(i, i + 1);
  }
  run(lost, true);
  hand_on();
}

}  // namespace poolsim::analysis
