#include "poolsim/analysis/journal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <stdexcept>
#include <system_error>

#include "poolsim/recording/output_file.hpp"

namespace poolsim::batch {

namespace {

std::string errno_text() { return std::error_code(errno, std::generic_category()).message(); }

std::string hex(std::uint64_t v) {
  char buf[17];
  const auto end = std::to_chars(buf, buf + sizeof buf, v, 16).ptr;
  return std::string(buf, end);
}

// Messages may hold tabs or newlines: escaped so that a record is one line of tab-separated fields.
std::string escape(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '\\') out += "\\\\";
    else if (c == '\t') out += "\\t";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string unescape(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      const char c = text[++i];
      out += c == 't' ? '\t' : c == 'n' ? '\n' : c;
    } else {
      out += text[i];
    }
  }
  return out;
}

template <class T>
std::string join(const std::vector<T>& values) {
  std::string out;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(values[i]);
  }
  return out;
}

template <class T>
bool parse_number(std::string_view text, T& value, int base = 10) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  return error == std::errc() && end == text.data() + text.size();
}

template <class T>
bool parse_list(std::string_view text, std::vector<T>& values) {
  values.clear();
  if (text.empty()) return true;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    T v{};
    if (!parse_number(text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start), v)) {
      return false;
    }
    values.push_back(v);
    if (comma == std::string_view::npos) return true;
    start = comma + 1;
  }
}

std::vector<std::string_view> split_tabs(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  while (true) {
    const std::size_t tab = line.find('\t', start);
    fields.push_back(line.substr(start, tab == std::string_view::npos ? std::string_view::npos : tab - start));
    if (tab == std::string_view::npos) return fields;
    start = tab + 1;
  }
}

void write_all(int fd, std::string_view text, const std::filesystem::path& path) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw OutputError("cannot write the journal '" + path.string() + "': " + describe_write_error(errno));
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  if (::fsync(fd) != 0) throw OutputError("cannot flush the journal '" + path.string() + "': " + describe_write_error(errno));
}

}  // namespace

std::uint64_t fnv1a64(std::string_view text) {
  std::uint64_t h = 0xcbf2'9ce4'8422'2325ULL;
  for (const char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x0000'0100'0000'01b3ULL;
  }
  return h;
}

std::string to_journal_line(const RunRecord& r) {
  std::string line = "run\t" + r.scenario + "\t" + hex(r.scenario_hash) + "\t" + std::to_string(r.seed) + "\t" +
                     std::to_string(r.exit_status) + "\t" + (r.invariant_violated ? "1" : "0") + "\t" +
                     std::to_string(r.end_ns) + "\t" + std::to_string(r.expectations) + "\t" +
                     std::to_string(r.failed_expectations) + "\t" + std::to_string(r.master_changes) + "\t" +
                     join(r.vm_downtime_ns) + "\t" + join(r.vm_restarts) + "\t" + join(r.vm_running_at_end) + "\t" +
                     join(r.host_fences) + "\t" + std::to_string(r.pool_services_down_ns) + "\t" +
                     escape(r.invariant_message);
  // The scenario's services come last, and only when it has some: a line without them reads as before.
  if (!r.service_downtime_ns.empty()) line += "\t" + join(r.service_downtime_ns);
  return line + "\t" + hex(fnv1a64(line)) + "\n";
}

std::optional<RunRecord> from_journal_line(std::string_view line) {
  const std::size_t last_tab = line.rfind('\t');
  if (last_tab == std::string_view::npos) return std::nullopt;
  std::uint64_t checksum = 0;
  if (!parse_number(line.substr(last_tab + 1), checksum, 16) || checksum != fnv1a64(line.substr(0, last_tab))) {
    return std::nullopt;
  }
  const std::vector<std::string_view> f = split_tabs(line.substr(0, last_tab));
  if ((f.size() != 16 && f.size() != 17) || f[0] != "run") return std::nullopt;
  RunRecord r;
  r.scenario = std::string(f[1]);
  r.invariant_violated = f[5] == "1";
  r.invariant_message = unescape(f[15]);
  const bool ok = parse_number(f[2], r.scenario_hash, 16) && parse_number(f[3], r.seed) &&
                  parse_number(f[4], r.exit_status) && parse_number(f[6], r.end_ns) &&
                  parse_number(f[7], r.expectations) && parse_number(f[8], r.failed_expectations) &&
                  parse_number(f[9], r.master_changes) && parse_list(f[10], r.vm_downtime_ns) &&
                  parse_list(f[11], r.vm_restarts) && parse_list(f[12], r.vm_running_at_end) &&
                  parse_list(f[13], r.host_fences) && parse_number(f[14], r.pool_services_down_ns) &&
                  (f.size() == 16 || (parse_list(f[16], r.service_downtime_ns) && !r.service_downtime_ns.empty()));
  if (!ok) return std::nullopt;
  return r;
}

Journal::Journal(std::filesystem::path path, std::string header) : path_(std::move(path)) {
  header += '\n';
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  if (fd_ < 0) throw std::runtime_error("cannot open the journal '" + path_.string() + "': " + errno_text());
  std::string text;
  char buf[65536];
  for (ssize_t n; (n = ::read(fd_, buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::runtime_error("cannot read the journal '" + path_.string() + "': " + errno_text());
    text.append(buf, static_cast<std::size_t>(n));
  }
  if (text.empty() || (text.size() < header.size() && header.starts_with(text))) {
    // New, or killed while its header was written: start it again.
    if (::ftruncate(fd_, 0) != 0 || ::lseek(fd_, 0, SEEK_SET) != 0) {
      throw std::runtime_error("cannot write the journal '" + path_.string() + "': " + errno_text());
    }
    write_all(fd_, header, path_);
    return;
  }
  if (!text.starts_with(header)) {
    throw std::runtime_error("the journal '" + path_.string() + "' was written by another poolsim version or with " +
                             "other --keep-timelines: give the same arguments, or remove it to start again");
  }
  std::size_t good_end = header.size();
  for (std::size_t start = header.size(); start < text.size();) {
    const std::size_t newline = text.find('\n', start);
    if (newline == std::string::npos) break;  // a torn last line
    std::optional<RunRecord> r = from_journal_line(std::string_view(text).substr(start, newline - start));
    if (!r) break;  // damaged: everything from here on is cut off
    const Key key{r->scenario_hash, r->seed};
    records_.insert_or_assign(key, std::move(*r));
    start = good_end = newline + 1;
  }
  if (good_end != text.size()) {
    if (::ftruncate(fd_, static_cast<off_t>(good_end)) != 0 || ::fsync(fd_) != 0) {
      throw std::runtime_error("cannot repair the journal '" + path_.string() + "': " + errno_text());
    }
  }
  if (::lseek(fd_, 0, SEEK_END) < 0) {
    throw std::runtime_error("cannot append to the journal '" + path_.string() + "': " + errno_text());
  }
}

Journal::~Journal() {
  if (fd_ >= 0) ::close(fd_);
}

void Journal::append(const RunRecord& record) {
  write_all(fd_, to_journal_line(record), path_);
  records_.insert_or_assign(Key{record.scenario_hash, record.seed}, record);
}

}  // namespace poolsim::batch
