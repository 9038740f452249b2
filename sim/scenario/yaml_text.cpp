#include "yaml_text.hpp"

#include <array>
#include <fstream>
#include <sstream>
#include <system_error>

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>

#include "poolsim/scenario/load.hpp"
#include "poolsim/scenario/size.hpp"
#include "yaml_reader.hpp"

namespace poolsim::scenario::detail {
namespace {

// Where in the text a byte offset is, 1-based, columns counted in bytes.
SourcePos position_of(std::string_view text, std::size_t offset) {
  SourcePos pos{1, 1, detail::FileScope::current()};
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++pos.line;
      pos.column = 1;
    } else {
      ++pos.column;
    }
  }
  return pos;
}

// The offset of the first byte that is NUL or not part of valid UTF-8, if any.
std::optional<std::size_t> first_bad_byte(std::string_view text) {
  struct Lead {  // a leading byte range, its sequence length, smallest code point and payload mask
    unsigned int low, high;
    std::size_t length;
    unsigned int min_code, mask;
  };
  constexpr std::array<Lead, 4> leads{{{0x01, 0x7F, 1, 0, 0x7F},
                                       {0xC2, 0xDF, 2, 0x80, 0x1F},
                                       {0xE0, 0xEF, 3, 0x800, 0x0F},
                                       {0xF0, 0xF4, 4, 0x10000, 0x07}}};
  std::size_t i = 0;
  while (i < text.size()) {
    const unsigned int byte = static_cast<unsigned char>(text[i]);
    const auto lead = std::find_if(leads.begin(), leads.end(), [&](const Lead& l) { return byte >= l.low && byte <= l.high; });
    if (lead == leads.end() || i + lead->length > text.size()) return i;
    unsigned int code = byte & lead->mask;
    for (std::size_t k = 1; k < lead->length; ++k) {
      const unsigned int next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0U) != 0x80U) return i;
      code = (code << 6) | (next & 0x3FU);
    }
    if (code < lead->min_code || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return i;
    i += lead->length;
  }
  return std::nullopt;
}

// Counts the documents of a YAML stream, keeping where each one's root node is, and notices when yaml-cpp's parser
// stops advancing: yaml-cpp 0.7 (Debian 12) returns the same empty document forever, without consuming anything, at a
// token no node can start with, such as a ',' outside brackets (jbeder/yaml-cpp#1040; YAML::LoadAll then fills the
// memory; fixed upstream by #1319 after 0.8.0). A new document starting where the last one started is that loop.
// On the way it keeps the YAML tags written (the format has none) and stops the parse, by throwing TreeTooLarge,
// as soon as the tree outgrows the limits of a scenario (load.hpp), before yaml-cpp builds any of it.
class DocumentCounter final : public YAML::EventHandler {
 public:
  // A tag written on a node: where, and as written ('!!str', '!cpus').
  struct Tag {
    YAML::Mark mark;
    std::string tag;
  };
  // Thrown when the tree passes a limit: where, and which limit.
  struct TreeTooLarge {
    YAML::Mark mark;
    std::string message;
  };

  // `text`: the text parsed, to tell a written '!' from a quoted scalar's.
  explicit DocumentCounter(std::string_view text) : text_(text) {}

  std::size_t count() const { return roots_.size(); }
  const YAML::Mark& root(std::size_t document) const { return roots_[document]; }
  // Where the parser is stuck, once it is.
  std::optional<YAML::Mark> stuck_at() const { return stuck_ ? std::optional<YAML::Mark>(start_) : std::nullopt; }
  const std::vector<Tag>& tags() const { return tags_; }

  void OnDocumentStart(const YAML::Mark& mark) override {
    stuck_ = started_ && mark.pos == start_.pos;
    started_ = true;
    start_ = mark;
    root_seen_ = false;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
  // A plain scalar carries the tag '?', a quoted one '!' (a string): neither is written, unless the '!' stands
  // where the node starts (`! 8`, the non-specific tag written out).
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t, const std::string&) override {
    node(mark);
    const auto at = static_cast<std::size_t>(mark.pos);
    const bool bang_written = mark.pos >= 0 && at < text_.size() && text_[at] == '!';
    if (tag != "?" && (tag != "!" || bang_written)) written_tag(mark, tag);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    open(mark, tag, false);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t, YAML::EmitterStyle::value) override {
    open(mark, tag, true);
  }
  void OnMapEnd() override { close(); }

 private:
  void node(const YAML::Mark& mark) {
    if (++nodes_ > max_yaml_nodes) {
      throw TreeTooLarge{mark, "the file holds more than " + std::to_string(max_yaml_nodes) +
                                   " YAML values, the limit for a scenario; keep one pool per file and split the rest"};
    }
    if (!open_.empty() && ++open_.back().nodes > max_yaml_list_length * (open_.back().map ? 2 : 1)) {
      throw TreeTooLarge{mark, "a list or mapping here holds more than " + std::to_string(max_yaml_list_length) +
                                   " entries, the limit for a scenario, far beyond the hosts or VMs of any real "
                                   "pool; shorten the list or split the file"};
    }
    if (root_seen_) return;
    root_seen_ = true;
    roots_.push_back(mark);
  }
  void open(const YAML::Mark& mark, const std::string& tag, bool map) {
    node(mark);
    if (tag != "?") written_tag(mark, tag);
    open_.push_back({0, map});
    if (open_.size() > max_yaml_depth) {
      throw TreeTooLarge{mark, "the YAML nests more than " + std::to_string(max_yaml_depth) +
                                   " levels deep, the limit for a scenario; a scenario needs a handful"};
    }
  }
  void close() {
    if (!open_.empty()) open_.pop_back();
  }
  void written_tag(const YAML::Mark& mark, const std::string& tag) {
    constexpr std::string_view core = "tag:yaml.org,2002:";  // how yaml-cpp spells the '!!' of the core schema
    if (tags_.size() < detail::Reporter::max_problems) {
      tags_.push_back({mark, tag.starts_with(core) ? "!!" + tag.substr(core.size()) : tag});
    }
  }

  std::string_view text_;
  std::vector<YAML::Mark> roots_;  // one per document
  YAML::Mark start_;
  bool started_ = false;
  bool root_seen_ = false;
  bool stuck_ = false;
  std::size_t nodes_ = 0;
  struct Open {
    std::size_t nodes;  // so far; a mapping entry is two (key and value)
    bool map;
  };
  std::vector<Open> open_;  // each list or mapping not closed yet, outermost first
  std::vector<Tag> tags_;
};

}  // namespace

FileText read_capped(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return {{}, "is a directory"};
  std::ifstream in(path, std::ios::binary);
  if (!in) return {{}, "cannot be opened"};
  std::string text(max_file_bytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  return {std::move(text), {}};
}

// Parses `text` into its single YAML document, or reports why not: a syntax error, nesting too deep, a place where
// the parser cannot go on, no document (an empty file) or more than one. Counting the documents first (with
// DocumentCounter, which stops the parser's endless loop) and building only the first keeps every input finite.
std::optional<YAML::Node> parse_document(const std::string& text, Reporter& reporter) {
  auto position = [](const YAML::Mark& mark) {
    const int file = detail::FileScope::current();
    return mark.is_null() ? SourcePos{1, 1, file} : SourcePos{mark.line + 1, mark.column + 1, file};
  };
  try {
    DocumentCounter counter(text);
    std::istringstream stream(text);
    YAML::Parser parser(stream);
    while (!counter.stuck_at() && parser.HandleNextDocument(counter)) {
    }
    if (const auto stuck = counter.stuck_at()) {
      const auto offset = static_cast<std::size_t>(stuck->pos);
      const bool shown = stuck->pos >= 0 && offset < text.size() && text[offset] > ' ' && text[offset] <= '~';
      reporter.error(position(*stuck), "invalid YAML (" +
                                           (shown ? "no value starts with '" + std::string(1, text[offset]) + "'"
                                                  : std::string("no value starts here")) +
                                           "); check the indentation, quotes and brackets here");
      return std::nullopt;
    }
    for (const DocumentCounter::Tag& tag : counter.tags()) {
      reporter.error(position(tag.mark), "YAML tag '" + tag.tag +
                                             "' here; the scenario format uses no tags, drop it and write the value "
                                             "alone (quoted, e.g. \"true\", to keep it text)");
    }
    if (!counter.tags().empty()) return std::nullopt;
    if (counter.count() > 1) {
      reporter.error(position(counter.root(1)), "the file holds " + std::to_string(counter.count()) +
                                                    " YAML documents; a scenario is one, remove the '---' separators");
      return std::nullopt;
    }
    YAML::Node root = YAML::Load(text);  // the one document (a null node when there is none)
    if (root.IsNull()) {
      reporter.error(detail::FileScope::whole_file(), "the file is empty; a scenario needs at least 'name', 'until' and 'pool' "
                         "(docs/scenario-format.md)");
      return std::nullopt;
    }
    return root;
  } catch (const DocumentCounter::TreeTooLarge& e) {
    reporter.error(position(e.mark), e.message);
  } catch (const YAML::DeepRecursion& e) {
    reporter.error(position(e.mark),
                   "the YAML nests too deeply (yaml-cpp stops at 500 levels); a scenario needs a handful");
  } catch (const YAML::Exception& e) {
    reporter.error(position(e.mark), "invalid YAML (" + e.msg + "); check the indentation, quotes and brackets here");
  }
  return std::nullopt;
}

// Problems of the text as a whole, before YAML parsing. True when the text can be parsed.
bool check_text(std::string_view text, Reporter& reporter) {
  if (text.size() > max_file_bytes) {
    reporter.error(detail::FileScope::whole_file(), "the file is larger than " + format_size(max_file_bytes) +
                           ", the limit for a scenario file; keep one pool per file and split the rest");
    return false;
  }
  if (const auto bad = first_bad_byte(text)) {
    const auto byte = static_cast<unsigned char>(text[*bad]);
    static constexpr char hex[] = "0123456789abcdef";
    const std::string shown = {'0', 'x', hex[byte >> 4], hex[byte & 0x0FU]};
    reporter.error(position_of(text, *bad), byte == 0 ? "the file holds a NUL byte; a scenario is UTF-8 text, not a binary file"
                                                      : "the file is not UTF-8 text (byte " + shown +
                                                            "); save it as UTF-8");
    return false;
  }
  return true;
}

}  // namespace poolsim::scenario::detail
