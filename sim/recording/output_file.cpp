#include "poolsim/recording/output_file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace poolsim {
namespace {

std::string error_text(int error) { return std::error_code(error, std::generic_category()).message(); }

std::filesystem::path directory_of(const std::filesystem::path& path) {
  return path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
}

// The directory entry of a rename flushed to the disk; ignored where a directory cannot be synced.
void sync_directory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

std::string describe_write_error(int error) {
  std::string text = error_text(error);
  switch (error) {
    case ENOSPC: return text + " (the file system is full: free some space, or write elsewhere)";
    case EDQUOT: return text + " (the disk quota is used up: free some space, or write elsewhere)";
    case EROFS: return text + " (the file system is read-only: write elsewhere)";
    case EFBIG: return text + " (the file size limit is reached: see ulimit -f, or write elsewhere)";
    case EACCES:
    case EPERM: return text + " (check the directory's permissions, or write elsewhere)";
    default: return text;
  }
}

bool is_temporary_of(std::string_view name, std::string_view target_name) {
  if (!name.starts_with(target_name)) return false;
  name.remove_prefix(target_name.size());
  return name == ".tmp" || name.starts_with(".tmp.");
}

TemporaryFile::TemporaryFile(std::filesystem::path target, std::string where)
    : target_(std::move(target)), where_(std::move(where)) {
  const std::string base = target_.string() + ".tmp." + std::to_string(::getpid());
  for (int n = 0; fd_ < 0; ++n) {
    path_ = n == 0 ? base : base + "." + std::to_string(n);
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ < 0 && (errno != EEXIST || n >= 100)) {
      const int error = errno;
      done_ = true;  // nothing of ours to remove
      throw OutputError(where_ + "cannot create '" + path_.string() + "': " + describe_write_error(error));
    }
  }
}

TemporaryFile::~TemporaryFile() { discard(); }

int TemporaryFile::write_all(std::string_view bytes) noexcept {
  if (fd_ < 0) return EBADF;
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return EIO;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return 0;
}

void TemporaryFile::close() {
  if (fd_ < 0) return;
  const int fd = fd_;
  fd_ = -1;  // closed once, whatever close says: a second close could close another file's descriptor
  if (::close(fd) != 0 && errno != EINTR) fail(errno);
}

void TemporaryFile::commit() {
  if (done_) throw std::logic_error("TemporaryFile::commit: already committed or discarded");
  if (fd_ < 0) {
    // Written by someone else (the HDF5 library): opened again to flush it.
    fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) fail(errno);
  }
  if (::fsync(fd_) != 0) fail(errno);
  close();
  if (::rename(path_.c_str(), target_.c_str()) != 0) {
    const int error = errno;
    fail("cannot rename '" + path_.string() + "' to it: " + describe_write_error(error));
  }
  done_ = true;
  sync_directory(directory_of(target_));
}

void TemporaryFile::discard() noexcept {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  if (done_) return;
  done_ = true;
  ::unlink(path_.c_str());
}

void TemporaryFile::fail(int error) { fail(describe_write_error(error)); }

void TemporaryFile::fail(const std::string& why) {
  discard();
  throw OutputError(where_ + why);
}

TemporaryFileBuf::TemporaryFileBuf(TemporaryFile& file) : file_(file), buffer_(std::size_t{1} << 16) {
  setp(buffer_.data(), buffer_.data() + buffer_.size());
}

bool TemporaryFileBuf::drain() {
  if (error_ == 0 && pptr() > pbase()) {
    error_ = file_.write_all(std::string_view(pbase(), static_cast<std::size_t>(pptr() - pbase())));
  }
  setp(buffer_.data(), buffer_.data() + buffer_.size());  // after an error, what follows is dropped
  return error_ == 0;
}

TemporaryFileBuf::int_type TemporaryFileBuf::overflow(int_type c) {
  if (!drain()) return traits_type::eof();
  if (!traits_type::eq_int_type(c, traits_type::eof())) {
    *pptr() = traits_type::to_char_type(c);
    pbump(1);
  }
  return traits_type::not_eof(c);
}

int TemporaryFileBuf::sync() { return drain() ? 0 : -1; }

void TemporaryFileBuf::finish() {
  drain();
  if (error_ != 0) file_.fail(error_);
}

OutputLock::OutputLock(const std::filesystem::path& target) {
  lock_path_ = target;
  lock_path_ += ".lock";
  const std::string where = "cannot write '" + target.string() + "': ";
  // The lock file may be removed by the holder that ends while we open it: then open it again.
  for (int attempt = 0; fd_ < 0; ++attempt) {
    const int fd = ::open(lock_path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) {
      const int error = errno;
      throw OutputError(where + "cannot create its lock file '" + lock_path_.string() + "': " +
                        describe_write_error(error));
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int error = errno;
      char pid[32] = {};
      const ssize_t n = ::pread(fd, pid, sizeof pid - 1, 0);
      ::close(fd);
      if (error == EWOULDBLOCK) {
        std::string holder = "another process";
        if (n > 0) holder += " (pid " + std::string(pid, static_cast<std::size_t>(n)) + ")";
        throw OutputError("'" + target.string() + "' is being written by " + holder + ", which holds '" +
                          lock_path_.string() + "': wait for it to end, or write another file");
      }
      throw OutputError(where + "cannot lock '" + lock_path_.string() + "': " + error_text(error));
    }
    struct stat held{}, named{};
    if (::fstat(fd, &held) == 0 && ::stat(lock_path_.c_str(), &named) == 0 && held.st_dev == named.st_dev &&
        held.st_ino == named.st_ino) {
      fd_ = fd;
    } else {
      ::close(fd);
      if (attempt >= 100) throw OutputError(where + "cannot lock '" + lock_path_.string() + "': it keeps changing");
    }
  }
  // Who holds it, for the message of a second writer; a write that fails here changes nothing.
  const std::string pid = std::to_string(::getpid());
  if (::ftruncate(fd_, 0) == 0) {
    [[maybe_unused]] const ssize_t ignored = ::pwrite(fd_, pid.data(), pid.size(), 0);
  }
  // Only a holder of the lock writes temporaries: any there now were left by a writer that was killed.
  const std::string name = target.filename().string();
  try {
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(directory_of(target), error)) {
      if (!is_temporary_of(entry.path().filename().string(), name)) continue;
      std::error_code ignored;
      if (entry.is_regular_file(ignored)) std::filesystem::remove(entry.path(), ignored);
    }
  } catch (const std::filesystem::filesystem_error&) {
    // A directory that cannot be listed keeps its leftovers: they hurt nothing but space.
  }
}

OutputLock::~OutputLock() {
  if (fd_ < 0) return;
  ::unlink(lock_path_.c_str());  // while still holding it: a waiting writer then sees another file and retries
  ::close(fd_);
}

}  // namespace poolsim
