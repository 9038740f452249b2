// The pool as `xe <class>-list params=all` prints it, one list per file, read into the same tables of rows as the
// XAPI database (xapi_db.hpp) so that one mapping serves both (docs/importing.md "From xe lists").
//
// The text is xen-api's ocaml/xapi-cli-server: cli_printer.ml multi_line_record prints each record as lines
// `NAME (MARK): VALUE`, the first name padded on the right and the others on the left to the longest name plus
// four; the record is followed by two empty lines (cli_printer.ml multi_line_xapi adds one, ocaml/xe-cli/newcli.ml
// print_endline another). cli_operations.ml print_field writes MARK: "( RO)" / "( RW)" a plain field, "(MRO)" /
// "(MRW)" a map, "(SRO)" / "(SRW)" a set, then " [DEPRECATED]" when the field is. The values are records.ml's:
// references as the uuid of the record they name ("<not in database>" for none), maps `k: v; k2: v2`
// (get_from_map), sets and lists `a; b` (concat_with_semi); fields that need another call show "<expensive
// field>" in a list (records.ml makeexpensivefield). Values are not escaped: a value holding a newline goes on
// over the next lines, and one holding "; " cannot be told from two entries.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "poolsim/import/xapi_db.hpp"
#include "poolsim/scenario/diagnostic.hpp"

namespace poolsim::import {

// A list poolsim reads: the class of `xe CLASS-list`, the database table it fills, and whether it is needed.
struct XeClass {
  std::string_view name;   // "vm"
  std::string_view table;  // "VM"
  bool required = true;
};
// Every list poolsim reads, in the order the docs give the commands.
const std::vector<XeClass>& xe_classes();

// The class a file holds, from its base name: "host-list.txt", "xe-vm-list.out" -> "host", "vm"; empty when the
// name does not say.
std::string xe_class_from_name(std::string_view file_name);

// Whether the text starts like xe params=all output (its first line that is not empty is a field line).
bool looks_like_xe_text(std::string_view text);

// One input file. `cls` is its class when known (from its name), else empty: found from its first record.
struct XeFile {
  std::string display;  // the name diagnostics use
  std::string text;
  std::string cls;
};

struct XeReadResult {
  std::optional<Database> database;             // when there is no error
  std::vector<scenario::Diagnostic> diagnostics;  // errors (then no database) and warnings
};

// Reads the lists into a Database whose row references are uuids. `where` names the input as a whole (the
// directory) for problems of no one file: a list missing, a class given twice. `strict` makes a file whose class
// cannot be told an error (files given one by one); otherwise it is skipped with a warning (a directory).
XeReadResult read_xe_lists(const std::vector<XeFile>& files, const std::string& where, bool strict);

}  // namespace poolsim::import
