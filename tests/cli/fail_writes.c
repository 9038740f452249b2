/* fail_writes: an LD_PRELOAD shim for tests (tests/cli/outputs.sh, docs/testing.md "Write errors") that makes the
 * writes to some files fail as a full disk, a quota or a read-only file system would, without root. Test code only:
 * nothing of poolsim links it.
 *
 *   POOLSIM_FAIL_MATCH  a fixed string; only files whose path (readlink of /proc/self/fd/N) holds it are touched.
 *                       Unset or empty: the shim does nothing.
 *   POOLSIM_FAIL_OP     write (the default): write, pwrite, pwrite64 and writev to a matching file succeed for the
 *                       first POOLSIM_FAIL_AFTER bytes (a short write at the limit), then fail;
 *                       fsync: fsync and fdatasync of a matching file fail (the data never reached the disk);
 *                       close: close of a matching file closes it, then reports the error (as NFS reports a
 *                       deferred write error).
 *   POOLSIM_FAIL_AFTER  bytes written before writes fail (default 0), counted over every matching file of the
 *                       process.
 *   POOLSIM_FAIL_ERRNO  ENOSPC (the default), EDQUOT, EROFS, EFBIG or EIO: the errno of the failure.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

enum op { op_write, op_fsync, op_close };

static const char* match;
static enum op fail_op = op_write;
static unsigned long long budget;
static int fail_errno = ENOSPC;

__attribute__((constructor)) static void fail_writes_init(void) {
  const char* m = getenv("POOLSIM_FAIL_MATCH");
  if (!m || !*m) return;
  match = m;
  const char* o = getenv("POOLSIM_FAIL_OP");
  if (o && strcmp(o, "fsync") == 0) fail_op = op_fsync;
  if (o && strcmp(o, "close") == 0) fail_op = op_close;
  const char* a = getenv("POOLSIM_FAIL_AFTER");
  if (a) budget = strtoull(a, NULL, 10);
  const char* e = getenv("POOLSIM_FAIL_ERRNO");
  if (e && strcmp(e, "EDQUOT") == 0) fail_errno = EDQUOT;
  if (e && strcmp(e, "EROFS") == 0) fail_errno = EROFS;
  if (e && strcmp(e, "EFBIG") == 0) fail_errno = EFBIG;
  if (e && strcmp(e, "EIO") == 0) fail_errno = EIO;
}

static int matches(int fd, enum op op) {
  if (!match || op != fail_op || fd < 0) return 0;
  char link[64], path[PATH_MAX];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  const int saved = errno;
  const ssize_t n = readlink(link, path, sizeof path - 1);
  errno = saved;
  if (n <= 0) return 0;
  path[n] = '\0';
  return strstr(path, match) != NULL;
}

/* How many of `n` bytes a write to `fd` may write: all when the file does not match, else what is left of the budget
 * (0: fail). */
static size_t allowed(int fd, size_t n, int* fail) {
  *fail = 0;
  if (!matches(fd, op_write)) return n;
  if (budget == 0) {
    *fail = 1;
    return 0;
  }
  const size_t k = n < budget ? n : (size_t)budget;
  budget -= k;
  return k;
}

typedef ssize_t (*write_fn)(int, const void*, size_t);
typedef ssize_t (*pwrite_fn)(int, const void*, size_t, off_t);
typedef ssize_t (*writev_fn)(int, const struct iovec*, int);
typedef int (*fd_fn)(int);

static void* next(const char* name) { return dlsym(RTLD_NEXT, name); }

ssize_t write(int fd, const void* buf, size_t n) {
  static write_fn real;
  if (!real) real = (write_fn)next("write");
  int fail;
  const size_t k = allowed(fd, n, &fail);
  if (fail) return errno = fail_errno, -1;
  return real(fd, buf, k);
}

ssize_t pwrite(int fd, const void* buf, size_t n, off_t offset) {
  static pwrite_fn real;
  if (!real) real = (pwrite_fn)next("pwrite");
  int fail;
  const size_t k = allowed(fd, n, &fail);
  if (fail) return errno = fail_errno, -1;
  return real(fd, buf, k, offset);
}

ssize_t pwrite64(int fd, const void* buf, size_t n, off_t offset) {
  static pwrite_fn real;
  if (!real) real = (pwrite_fn)next("pwrite64");
  int fail;
  const size_t k = allowed(fd, n, &fail);
  if (fail) return errno = fail_errno, -1;
  return real(fd, buf, k, offset);
}

ssize_t writev(int fd, const struct iovec* iov, int count) {
  static writev_fn real;
  static write_fn real_write;
  if (!real) real = (writev_fn)next("writev");
  if (!real_write) real_write = (write_fn)next("write");
  size_t n = 0;
  for (int i = 0; i < count; ++i) n += iov[i].iov_len;
  int fail;
  const size_t k = allowed(fd, n, &fail);
  if (fail) return errno = fail_errno, -1;
  if (k == n) return real(fd, iov, count);
  /* A short write: only the first k bytes, through the first buffers. */
  ssize_t done = 0;
  size_t left = k;
  for (int i = 0; i < count && left > 0; ++i) {
    const size_t part = iov[i].iov_len < left ? iov[i].iov_len : left;
    const ssize_t w = real_write(fd, iov[i].iov_base, part);
    if (w < 0) return done > 0 ? done : w;
    done += w;
    left -= (size_t)w;
    if ((size_t)w < part) break;
  }
  return done;
}

int fsync(int fd) {
  static fd_fn real;
  if (!real) real = (fd_fn)next("fsync");
  if (matches(fd, op_fsync)) return errno = fail_errno, -1;
  return real(fd);
}

int fdatasync(int fd) {
  static fd_fn real;
  if (!real) real = (fd_fn)next("fdatasync");
  if (matches(fd, op_fsync)) return errno = fail_errno, -1;
  return real(fd);
}

int close(int fd) {
  static fd_fn real;
  if (!real) real = (fd_fn)next("close");
  const int fail = matches(fd, op_close);
  const int status = real(fd);
  if (fail && status == 0) return errno = fail_errno, -1;
  return status;
}
