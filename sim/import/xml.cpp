#include "poolsim/import/xml.hpp"

#include <cstdint>
#include <utility>

namespace poolsim::import {

const XmlAttribute* XmlElement::attribute(std::string_view attribute_name) const {
  for (const XmlAttribute& a : attributes) {
    if (a.name == attribute_name) return &a;
  }
  return nullptr;
}

namespace {

struct Failure {
  XmlError error;
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_name_start(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == ':' || u >= 0x80;
}
bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.'; }

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  XmlElement document() {
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") advance(3);
    skip_misc(true);
    if (at_end()) fail(here(), "the file holds no XML element; a XAPI database starts with <database>");
    if (peek() != '<') fail(here(), "text before the root element; a XAPI database starts with <?xml ...?> or <database>");
    XmlElement root = element(1);
    skip_misc(false);
    if (!at_end()) fail(here(), "content after the end of the root element </" + root.name +
                                    ">; the file holds more than one document: keep only the database");
    return root;
  }

 private:
  std::string_view text_;
  std::size_t i_ = 0;
  int line_ = 1;
  int column_ = 1;

  bool at_end() const { return i_ >= text_.size(); }
  char peek(std::size_t ahead = 0) const { return i_ + ahead < text_.size() ? text_[i_ + ahead] : '\0'; }
  bool starts(std::string_view s) const { return text_.substr(i_, s.size()) == s; }
  XmlPos here() const { return {line_, column_}; }

  void advance(std::size_t n = 1) {
    for (std::size_t k = 0; k < n && i_ < text_.size(); ++k, ++i_) {
      const char c = text_[i_];
      if (c == '\0') fail(here(), "a NUL byte; the file is not text: is it compressed? (a status report is read as .tar.gz or .tar.bz2)");
      if (c == '\n') {
        ++line_;
        column_ = 1;
      } else {
        ++column_;
      }
    }
  }

  [[noreturn]] static void fail(XmlPos pos, std::string message) { throw Failure{{pos, std::move(message)}}; }

  [[noreturn]] void truncated(std::string_view inside, XmlPos opened) const {
    fail(here(), "unexpected end of file inside " + std::string(inside) + " opened at " + std::to_string(opened.line) +
                     ":" + std::to_string(opened.column) + "; the file is truncated: copy or dump the database again");
  }

  void skip_spaces() {
    while (!at_end() && is_space(peek())) advance();
  }

  // Comments, processing instructions, white space; before the root also a DOCTYPE.
  void skip_misc(bool prolog) {
    for (;;) {
      skip_spaces();
      if (starts("<!--")) {
        comment();
      } else if (starts("<?")) {
        processing_instruction();
      } else if (prolog && starts("<!DOCTYPE")) {
        doctype();
      } else {
        return;
      }
    }
  }

  void comment() {
    const XmlPos start = here();
    advance(4);
    for (;;) {
      if (at_end()) truncated("a comment", start);
      if (starts("--")) {
        if (peek(2) != '>') fail(here(), "'--' inside a comment; XML comments cannot hold '--'");
        advance(3);
        return;
      }
      advance();
    }
  }

  void processing_instruction() {
    const XmlPos start = here();
    advance(2);
    for (;;) {
      if (at_end()) truncated("a processing instruction", start);
      if (starts("?>")) {
        advance(2);
        return;
      }
      advance();
    }
  }

  void doctype() {
    const XmlPos start = here();
    advance(9);
    for (;;) {
      if (at_end()) truncated("a DOCTYPE", start);
      if (peek() == '[') {
        fail(here(), "a DOCTYPE with an internal subset is not read (its entities could expand without bound); "
                     "xapi never writes one: remove the DOCTYPE");
      }
      if (peek() == '>') {
        advance();
        return;
      }
      advance();
    }
  }

  std::string name(std::string_view what) {
    if (at_end()) fail(here(), "unexpected end of file in a tag; the file is truncated: copy or dump the database again");
    if (!is_name_start(peek())) {
      fail(here(), "expected " + std::string(what) + " name, found '" + std::string(1, peek()) +
                       "'; the file is not well-formed XML");
    }
    const std::size_t start = i_;
    while (!at_end() && is_name_char(peek())) advance();
    return std::string(text_.substr(start, i_ - start));
  }

  // &...; at the cursor, appended decoded to `out`.
  void reference(std::string& out) {
    const XmlPos start = here();
    advance();  // '&'
    const std::size_t begin = i_;
    while (!at_end() && peek() != ';' && i_ - begin < 12) advance();
    if (peek() != ';') fail(start, "an '&' that does not start an entity; write '&amp;' for a literal '&'");
    const std::string_view ref = text_.substr(begin, i_ - begin);
    advance();  // ';'
    if (ref == "lt") out += '<';
    else if (ref == "gt") out += '>';
    else if (ref == "amp") out += '&';
    else if (ref == "quot") out += '"';
    else if (ref == "apos") out += '\'';
    else if (!ref.empty() && ref[0] == '#') {
      const bool hex = ref.size() > 1 && ref[1] == 'x';
      const std::string_view digits = ref.substr(hex ? 2 : 1);
      std::uint32_t cp = 0;
      bool ok = !digits.empty();
      for (const char c : digits) {
        std::uint32_t d = 0;
        if (c >= '0' && c <= '9') d = static_cast<std::uint32_t>(c - '0');
        else if (hex && c >= 'a' && c <= 'f') d = static_cast<std::uint32_t>(c - 'a' + 10);
        else if (hex && c >= 'A' && c <= 'F') d = static_cast<std::uint32_t>(c - 'A' + 10);
        else ok = false;
        cp = cp * (hex ? 16 : 10) + d;
        if (cp > 0x10FFFF) ok = false;
        if (!ok) break;
      }
      if (!ok || cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF)) {
        fail(start, "character reference '&" + std::string(ref) + ";' is not a valid character; the file is corrupt");
      }
      append_utf8(out, cp);
    } else {
      fail(start, "unknown entity '&" + std::string(ref) +
                      ";'; XML knows only &lt; &gt; &amp; &quot; &apos; and &#N; (xapi writes no others)");
    }
  }

  std::string attribute_value() {
    const char quote = peek();
    if (quote != '"' && quote != '\'') {
      fail(here(), "attribute value not quoted; write name=\"value\"");
    }
    const XmlPos start = here();
    advance();
    std::string out;
    for (;;) {
      if (at_end()) truncated("an attribute value", start);
      const char c = peek();
      if (c == quote) {
        advance();
        return out;
      }
      if (c == '<') fail(here(), "'<' inside an attribute value; write '&lt;'");
      if (c == '&') {
        reference(out);
        continue;
      }
      if (c == '\r' && peek(1) == '\n') advance();  // a line end counts once
      out += is_space(c) ? ' ' : c;
      advance();
    }
  }

  XmlElement element(int depth) {
    if (depth > max_xml_depth) {
      fail(here(), "elements nested deeper than " + std::to_string(max_xml_depth) +
                       "; a XAPI database nests four deep: this is not one");
    }
    XmlElement e;
    e.pos = here();
    advance();  // '<'
    e.name = name("an element");
    for (;;) {
      const bool spaced = !at_end() && is_space(peek());
      skip_spaces();
      if (at_end()) truncated("the tag <" + e.name + ">", e.pos);
      if (starts("/>")) {
        advance(2);
        return e;
      }
      if (peek() == '>') {
        advance();
        break;
      }
      if (!spaced) fail(here(), "expected white space, '>' or '/>' in the tag <" + e.name + ">; the file is not well-formed XML");
      XmlAttribute a;
      a.pos = here();
      a.name = name("an attribute");
      skip_spaces();
      if (peek() != '=') fail(here(), "attribute '" + a.name + "' has no '='; write " + a.name + "=\"value\"");
      advance();
      skip_spaces();
      a.value = attribute_value();
      if (const XmlAttribute* first = e.attribute(a.name)) {
        fail(a.pos, "attribute '" + a.name + "' given twice in <" + e.name + "> (first at " +
                        std::to_string(first->pos.line) + ":" + std::to_string(first->pos.column) +
                        "); the file is not well-formed XML");
      }
      e.attributes.push_back(std::move(a));
    }
    // Content: child elements, text (ignored), comments, CDATA, processing instructions, until </name>.
    for (;;) {
      if (at_end()) truncated("<" + e.name + ">", e.pos);
      const char c = peek();
      if (c == '<') {
        if (starts("</")) {
          const XmlPos end = here();
          advance(2);
          const std::string closing = name("an end tag");
          skip_spaces();
          if (peek() != '>') {
            if (at_end()) truncated("the end tag </" + closing + ">", end);
            fail(here(), "expected '>' to close </" + closing + ">");
          }
          advance();
          if (closing != e.name) {
            fail(end, "end tag </" + closing + "> does not match <" + e.name + "> opened at " +
                          std::to_string(e.pos.line) + ":" + std::to_string(e.pos.column) +
                          "; the file is not well-formed XML");
          }
          return e;
        }
        if (starts("<!--")) {
          comment();
        } else if (starts("<![CDATA[")) {
          const XmlPos start = here();
          advance(9);
          while (!starts("]]>")) {
            if (at_end()) truncated("a CDATA section", start);
            advance();
          }
          advance(3);
        } else if (starts("<?")) {
          processing_instruction();
        } else if (starts("<!")) {
          fail(here(), "unexpected '<!' inside <" + e.name + ">; the file is not well-formed XML");
        } else {
          e.children.push_back(element(depth + 1));
        }
      } else if (c == '&') {
        std::string ignored;
        reference(ignored);
      } else {
        advance();
      }
    }
  }
};

}  // namespace

XmlParseResult parse_xml(std::string_view text) {
  XmlParseResult result;
  try {
    Parser parser(text);
    result.root = parser.document();
  } catch (const Failure& f) {
    result.error = f.error;
  }
  return result;
}

}  // namespace poolsim::import
