// Writing an output file whole or not at all (docs/running.md "Outputs"): what every writer of poolsim shares, the
// text timeline, the HDF5 files, a batch's kept timelines and the swarm's case files.
//
// An output is written to a temporary file next to it, TARGET.tmp.<pid> (TARGET.tmp.<pid>.<n> when that name is
// taken), created exclusively so that two processes never share one; once complete it is flushed to the disk
// (fsync), renamed over TARGET (atomic: a reader sees the old file or the new one) and the directory is flushed so
// that the rename itself lasts. A write error (a full disk, a quota, a read-only file system) is an OutputError
// naming the file and saying why; the temporary is then removed, so TARGET is complete or as it was.
//
// A command that writes TARGET holds an OutputLock on it from before its run to its end: TARGET.lock, locked with
// flock. A second process writing the same output fails at once; the temporaries of a writer that was killed
// (whose lock is no longer held) are removed when the next one takes the lock.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <streambuf>
#include <string>
#include <string_view>
#include <vector>

namespace poolsim {

// An output that cannot be written: what() names the file and says why. The command line exits 2 for it.
class OutputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// errno as text, with what to do about it for the errors of a file system that refuses a write (ENOSPC, EDQUOT,
// EROFS, EFBIG, EACCES), e.g. "No space left on device (the file system is full: free some space or write
// elsewhere)".
std::string describe_write_error(int error);

// True for the name of a temporary of an output named `target_name` (TARGET.tmp, TARGET.tmp.*).
bool is_temporary_of(std::string_view name, std::string_view target_name);

// The temporary file of an output, created by the constructor and open for writing.
class TemporaryFile {
 public:
  // Creates the temporary next to `target`. `where` starts every message, e.g. "cannot write HDF5 file 'x.h5': ".
  // Throws OutputError when it cannot be created.
  TemporaryFile(std::filesystem::path target, std::string where);
  // Removes the temporary unless it was committed.
  ~TemporaryFile();
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;

  const std::filesystem::path& path() const { return path_; }
  const std::filesystem::path& target() const { return target_; }
  const std::string& where() const { return where_; }
  void set_where(std::string where) { where_ = std::move(where); }

  // Writes all of `bytes`; 0, or the errno of the failed write (the file is then unusable: discard it).
  int write_all(std::string_view bytes) noexcept;
  // Closes the descriptor: once, whatever close reports. Throws OutputError when it reports an error (deferred
  // write errors of network file systems come here).
  void close();
  // Publishes the complete temporary as the target: close() if still open, fsync, rename, fsync of the
  // directory (best effort: a file system that cannot sync a directory still has the complete file). Throws
  // OutputError, the temporary removed, when a step fails.
  void commit();
  // Removes the temporary (closing it first). Never throws.
  void discard() noexcept;
  // Throws OutputError for `error` (an errno), the temporary removed.
  [[noreturn]] void fail(int error);
  [[noreturn]] void fail(const std::string& why);

 private:
  std::filesystem::path target_;
  std::filesystem::path path_;
  std::string where_;
  int fd_ = -1;
  bool done_ = false;  // committed or discarded
};

// A stream buffer writing to a TemporaryFile through a buffer of its own, for std::ostream writers (the text
// timeline). Remembers the first write error instead of throwing it inside the stream: finish() reports it.
class TemporaryFileBuf : public std::streambuf {
 public:
  explicit TemporaryFileBuf(TemporaryFile& file);
  // Writes what is buffered; throws OutputError (the temporary removed) for the first write error seen.
  void finish();

 protected:
  int_type overflow(int_type c) override;
  int sync() override;

 private:
  bool drain();

  TemporaryFile& file_;
  std::vector<char> buffer_;
  int error_ = 0;
};

// An output held for writing by this process (see above). Throws OutputError when another process holds it (its
// pid in the message when it wrote one) or the lock file cannot be created. The destructor removes TARGET.lock,
// then releases it.
class OutputLock {
 public:
  explicit OutputLock(const std::filesystem::path& target);
  ~OutputLock();
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;

 private:
  std::filesystem::path lock_path_;
  int fd_ = -1;
};

}  // namespace poolsim
