#include "poolsim/analysis/workers.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
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

}  // namespace poolsim::analysis
