// A small, strict XML reader for the XAPI database (ocaml/database/db_xml.ml writes it with Xmlm): elements,
// attributes, the five predefined entities and numeric character references, comments, processing instructions
// (the XML declaration), CDATA and a DOCTYPE without an internal subset. Every element and attribute keeps its
// 1-based line and column (columns count bytes), so that problems found later can point at them.
//
// Refused, with the position and how to fix it: text that is not well-formed (a tag not closed, an end tag that
// does not match, an attribute given twice, an unknown entity, '<' in an attribute value, a truncated file,
// anything after the root element), an internal DTD subset (entity definitions could expand without bound),
// nesting deeper than max_xml_depth, a NUL byte.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace poolsim::import {

// A position in the text, 1-based. `file` tells which input it is in when a database is read from several files
// (the xe lists: an index into Database::files); the XML reader leaves it 0.
struct XmlPos {
  int line = 0;
  int column = 0;
  int file = 0;
};

struct XmlAttribute {
  std::string name;
  std::string value;  // entities and character references decoded, white space normalised to spaces (XML 1.0 §3.3.3)
  XmlPos pos;         // of the attribute's name
};

struct XmlElement {
  std::string name;
  std::vector<XmlAttribute> attributes;  // in document order
  std::vector<XmlElement> children;      // text between elements is not kept: the database has none
  XmlPos pos;                            // of the '<'

  // The attribute called `name`, or null.
  const XmlAttribute* attribute(std::string_view attribute_name) const;
};

struct XmlError {
  XmlPos pos;
  std::string message;  // lowercase, ends with how to fix it
};

// Elements nested deeper than this are refused (the database nests four deep).
inline constexpr int max_xml_depth = 64;

struct XmlParseResult {
  std::optional<XmlElement> root;
  std::optional<XmlError> error;
};

// Parses a whole document: optional UTF-8 byte order mark, prolog (declaration, comments, DOCTYPE), one root
// element, then only comments, processing instructions and white space.
XmlParseResult parse_xml(std::string_view text);

}  // namespace poolsim::import
