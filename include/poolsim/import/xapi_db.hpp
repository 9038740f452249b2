// The XAPI database as xapi writes it (/var/lib/xcp/state.db, `xe pool-dump-database`, xapi-db.xml of a
// xen-bugtool status report), read into tables of rows with their positions.
//
// The layout is ocaml/database/db_xml.ml (xapi-project/xen-api):
//   <database><manifest><pair key="schema_major_vsn" value="5"/>...</manifest>
//   <table name="VM"><row ref="OpaqueRef:..." __ctime=".." __mtime=".." name__label="web" .../></table>...
// A field of a namespace is written with its parts joined by "__" (ocaml/idl/escaping.ml escape_id:
// memory__static_max, name__label). Every value is protected by ocaml/database/xml_spaces.ml: ' ' as "%.",
// '\t' "%t", '\n' "%n", '\r' "%r", '%' "%%"; before CA-268761 two spaces were "%_", still read. Sets and maps are
// S-expressions (ocaml/database/string_marshall_helper.ml, ocaml/libs/sexpr): a set ('a' 'b'), a map
// (('k' 'v') ('k2' 'v2')), strings in single or double quotes with backslash escapes.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "poolsim/import/xml.hpp"

namespace poolsim::import {

// Xml_spaces.unprotect: "%." -> ' ', "%t" -> tab, "%n" -> newline, "%r" -> CR, "%%" -> '%', "%_" -> two spaces;
// any other '%' is kept as it is.
std::string unprotect_spaces(std::string_view value);
// Xml_spaces.protect, its inverse (for tests and for writing fixtures).
std::string protect_spaces(std::string_view value);

// An S-expression of a database value (SExpr.t): a node of items, a symbol, or a string.
struct SExpr {
  enum class Kind { node, symbol, string };
  Kind kind = Kind::node;
  std::string text;           // symbol or string, unescaped
  std::vector<SExpr> items;   // node
};

// Parses one S-expression (sExprLexer.mll, sExprParser.mly); on failure returns nothing and sets `error` to what
// is wrong at which offset.
std::optional<SExpr> parse_sexpr(std::string_view text, std::string& error);
// A set of strings: ('a' 'b'); the empty string is the empty set.
std::optional<std::vector<std::string>> parse_set(std::string_view text, std::string& error);
// A map of strings: (('k' 'v') ...); the empty string is the empty map.
std::optional<std::vector<std::pair<std::string, std::string>>> parse_map(std::string_view text, std::string& error);
// Their inverses: a set or map written as the database writes it, each string single-quoted with '\\' and '\''
// escaped by a backslash (parse_set and parse_map read them back). The xe reader stores values so.
std::string format_set(const std::vector<std::string>& items);
std::string format_map(const std::vector<std::pair<std::string, std::string>>& pairs);

// One field of a row: its value (unprotected) and where its attribute is.
struct DbField {
  std::string value;
  XmlPos pos;
};

struct DbRow {
  std::string ref;
  std::map<std::string, DbField> fields;  // without ref, __ctime, __mtime
  XmlPos pos;

  // The field's value, or nothing when the row has no such field (an older or newer schema).
  const DbField* field(std::string_view name) const;
};

struct DbTable {
  std::string name;
  std::vector<DbRow> rows;  // in file order
  XmlPos pos;

  // The row of that reference, or null.
  const DbRow* find(std::string_view ref) const;
  std::map<std::string, std::size_t, std::less<>> index;
};

struct Database {
  int schema_major = -1;  // manifest schema_major_vsn; -1 when absent
  int schema_minor = -1;
  std::map<std::string, DbTable, std::less<>> tables;

  // Filled by the xe reader (include/poolsim/import/xe_text.hpp), empty for the XML database: the files read
  // (XmlPos::file indexes them), what the reader assumed (stated with the mapping's assumptions), and the names
  // the user sees: "VM" -> "vm-list", "VM.resident_on" -> "resident-on".
  bool from_xe = false;
  std::vector<std::string> files;
  std::vector<std::string> notes;
  std::map<std::string, std::string, std::less<>> labels;

  // The table of that name, or null when the file has none (an empty table is the same for poolsim).
  const DbTable* table(std::string_view name) const;
};

struct DbError {
  XmlPos pos;
  std::string message;  // lowercase, ends with how to fix it
};

struct DbReadResult {
  std::optional<Database> database;
  std::optional<DbError> error;
};

// Parses the XML and checks its layout: the root is <database>, a <manifest> of <pair key value>, <table name>
// of <row ref ...>; a row without ref, a reference twice in a table, a table twice, another element are errors.
DbReadResult read_database(std::string_view xml_text);

}  // namespace poolsim::import
