#include "recording/hdf5_common.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "poolsim/recording/output_file.hpp"

namespace poolsim::hdf5 {
namespace {

// In the child: where its errors go (the write end of the pipe to the parent), one line each. The parent keeps the
// last line; once an error with the system's reason is sent, later ones (the failed closes that follow a failed
// write) are not.
int report_fd = -1;
bool reported_reason = false;

void report(const std::string& text) {
  if (report_fd < 0 || reported_reason) return;
  std::string line = text;
  for (char& c : line) c = c == '\n' ? ' ' : c;
  line += '\n';
  std::string_view rest = line;
  while (!rest.empty()) {
    const ssize_t n = ::write(report_fd, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
}

// The first error of a stack: the system's reason when a file driver gives one ("errno = 28"), and the failing
// function with its description.
struct FirstError {
  std::string text;
  int system_error = 0;
};

herr_t walk(unsigned, const H5E_error2_t* e, void* data) {
  auto& first = *static_cast<FirstError*>(data);
  const char* desc = e->desc ? e->desc : "";
  if (first.system_error == 0) {
    if (const char* at = std::strstr(desc, "errno = ")) first.system_error = std::atoi(at + 8);
  }
  if (first.text.empty()) first.text = std::string(e->func_name ? e->func_name : "HDF5") + ": " + desc;
  return 0;
}

// HDF5's automatic error handler in the child: prints nothing, reports the error.
herr_t on_error(hid_t stack, void*) {
  FirstError first;
  H5Ewalk2(stack, H5E_WALK_DOWNWARD, walk, &first);
  if (first.system_error != 0) {
    report(describe_write_error(first.system_error));
    reported_reason = true;
  } else if (!first.text.empty()) {
    report("HDF5: " + first.text);
  }
  return 0;
}

}  // namespace

void write_in_child(const std::filesystem::path& tmp, const std::string& where, const std::function<void()>& write) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    throw OutputError(where + "cannot create a pipe: " + describe_write_error(errno));
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int error = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    throw OutputError(where + "cannot start the process that writes it: " + describe_write_error(error));
  }
  if (pid == 0) {
    ::close(fds[0]);
    report_fd = fds[1];
    // The C++ API's destructors print their failures to stderr: the child's stderr goes nowhere.
    const int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null >= 0) ::dup2(null, STDERR_FILENO);
    H5Eset_auto2(H5E_DEFAULT, on_error, nullptr);
    int status = 0;
    try {
      write();
    } catch (const H5::Exception& e) {
      report(describe(e));
      status = 1;
    } catch (const std::exception& e) {
      report(e.what());
      status = 1;
    } catch (...) {
      status = 1;
    }
    ::_exit(status);  // no atexit handlers: HDF5's own would try to close a file that failed again
  }
  ::close(fds[1]);
  std::string message;
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    message.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      status = -1;
      break;
    }
  }
  if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
  while (message.ends_with('\n')) message.pop_back();
  message = message.substr(message.rfind('\n') == std::string::npos ? 0 : message.rfind('\n') + 1);
  if (message.empty()) {
    // HDF5 1.10 can crash in its own error path (a double free in H5Ocopy after a failed write).
    message = "the HDF5 library failed while writing '" + tmp.string() + "' (" +
              (status != -1 && WIFSIGNALED(status) ? "its process died with signal " + std::to_string(WTERMSIG(status))
                                                   : std::string("its process failed")) +
              "), most likely on a write error: check the free space and quota of its file system";
  }
  throw OutputError(where + message);
}

}  // namespace poolsim::hdf5
