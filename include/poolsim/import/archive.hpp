// Reading the XAPI database out of a xen-bugtool status report (.tar, .tar.gz, .tar.bz2, .tar.xz, .zip): the
// member whose file name is xapi-db.xml. libarchive does the reading; it stays private to poolsim_import.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace poolsim::import {

// The largest database read from an archive (a 16-host pool's state.db is a few tens of MiB).
inline constexpr std::uint64_t max_database_bytes = std::uint64_t{1} << 30;

// Whether the bytes start like a compressed file or a tar archive rather than XML text.
bool looks_like_archive(std::string_view head);

struct ArchiveMember {
  std::string path;  // inside the archive
  std::string text;
};

// The first member of the archive at `archive_path` whose base name is `base_name`; nothing, with `error` set
// (lowercase, saying how to fix it), when the archive cannot be read or holds no such member.
std::optional<ArchiveMember> read_archive_member(const std::string& archive_path, std::string_view base_name,
                                                 std::string& error);

}  // namespace poolsim::import
