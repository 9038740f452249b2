#include "poolsim/import/archive.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <memory>

namespace poolsim::import {

bool looks_like_archive(std::string_view head) {
  const auto starts = [&](std::string_view magic) { return head.substr(0, magic.size()) == magic; };
  return starts("\x1f\x8b") || starts("BZh") || starts("\xfd" "7zXZ") || starts("PK\x03\x04") ||
         (head.size() > 262 && head.substr(257, 5) == "ustar");
}

std::optional<ArchiveMember> read_archive_member(const std::string& archive_path, std::string_view base_name,
                                                 std::string& error) {
  const std::unique_ptr<archive, int (*)(archive*)> a(archive_read_new(), archive_read_free);
  if (!a) {
    error = "cannot set up the archive reader";
    return std::nullopt;
  }
  archive_read_support_filter_all(a.get());
  archive_read_support_format_tar(a.get());
  archive_read_support_format_gnutar(a.get());
  archive_read_support_format_zip(a.get());
  if (archive_read_open_filename(a.get(), archive_path.c_str(), 1 << 16) != ARCHIVE_OK) {
    error = std::string("cannot read the archive: ") + archive_error_string(a.get()) +
            "; give a status report (.tar.gz, .tar.bz2) or the database XML itself";
    return std::nullopt;
  }
  archive_entry* entry = nullptr;
  for (;;) {
    const int r = archive_read_next_header(a.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) {
      error = std::string("the archive is damaged: ") + archive_error_string(a.get()) +
              "; copy the status report again (a truncated download?)";
      return std::nullopt;
    }
    const char* p = archive_entry_pathname(entry);
    const std::string path = p ? p : "";
    const std::size_t slash = path.rfind('/');
    const std::string_view base = std::string_view(path).substr(slash == std::string::npos ? 0 : slash + 1);
    if (base != base_name || archive_entry_filetype(entry) != AE_IFREG) continue;
    if (archive_entry_size_is_set(entry) && static_cast<std::uint64_t>(archive_entry_size(entry)) > max_database_bytes) {
      error = path + " is larger than 1GiB; this is not a pool database poolsim can read";
      return std::nullopt;
    }
    ArchiveMember m;
    m.path = path;
    char buffer[1 << 16];
    for (;;) {
      const la_ssize_t n = archive_read_data(a.get(), buffer, sizeof buffer);
      if (n == 0) break;
      if (n < 0) {
        error = path + " cannot be read from the archive: " + archive_error_string(a.get()) +
                "; copy the status report again (a truncated download?)";
        return std::nullopt;
      }
      m.text.append(buffer, static_cast<std::size_t>(n));
      if (m.text.size() > max_database_bytes) {
        error = path + " is larger than 1GiB; this is not a pool database poolsim can read";
        return std::nullopt;
      }
    }
    return m;
  }
  error = "the archive holds no " + std::string(base_name) +
          "; is it a xen-bugtool status report? Extract the database from it, or dump one with xe pool-dump-database";
  return std::nullopt;
}

}  // namespace poolsim::import
