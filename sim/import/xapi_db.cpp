#include "poolsim/import/xapi_db.hpp"

#include <charconv>

namespace poolsim::import {

std::string unprotect_spaces(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '%' && i + 1 < s.size()) {
      const char d = s[i + 1];
      const char* replaced = nullptr;
      switch (d) {
        case '_': replaced = "  "; break;  // CA-268761: backward compatibility
        case '.': replaced = " "; break;
        case 't': replaced = "\t"; break;
        case 'n': replaced = "\n"; break;
        case 'r': replaced = "\r"; break;
        case '%': replaced = "%"; break;
        default: break;
      }
      if (replaced) {
        out += replaced;
        ++i;
        continue;
      }
    }
    out += c;
  }
  return out;
}

std::string protect_spaces(std::string_view s) {
  std::string out;
  for (const char c : s) {
    switch (c) {
      case ' ': out += "%."; break;
      case '\t': out += "%t"; break;
      case '\n': out += "%n"; break;
      case '\r': out += "%r"; break;
      case '%': out += "%%"; break;
      default: out += c;
    }
  }
  return out;
}

namespace {

// SExpr.unescape: a backslash keeps the next character; a trailing backslash stays.
std::string unescape(std::string_view s) {
  std::string out;
  bool esc = false;
  for (const char c : s) {
    if (c == '\\' && !esc) {
      esc = true;
    } else {
      out += c;
      esc = false;
    }
  }
  if (esc) out += '\\';
  return out;
}

class SExprParser {
 public:
  explicit SExprParser(std::string_view text) : t_(text) {}

  std::optional<SExpr> whole(std::string& error) {
    std::optional<SExpr> e = expr(error, 0);
    if (!e) return std::nullopt;
    skip();
    if (i_ < t_.size()) {
      error = "unexpected '" + std::string(1, t_[i_]) + "' after the end of the expression at offset " + std::to_string(i_);
      return std::nullopt;
    }
    return e;
  }

 private:
  std::string_view t_;
  std::size_t i_ = 0;

  void skip() {
    for (;;) {
      while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\t' || t_[i_] == '\r' || t_[i_] == '\n')) ++i_;
      if (i_ < t_.size() && t_[i_] == ';') {  // a comment to the end of the line
        while (i_ < t_.size() && t_[i_] != '\n') ++i_;
        continue;
      }
      return;
    }
  }

  std::optional<SExpr> expr(std::string& error, int depth) {
    if (depth > 32) {
      error = "nested deeper than 32 levels";
      return std::nullopt;
    }
    skip();
    if (i_ >= t_.size()) {
      error = "unexpected end of the value at offset " + std::to_string(i_) + " (a ')' or a quote is missing)";
      return std::nullopt;
    }
    const char c = t_[i_];
    SExpr e;
    if (c == '(') {
      ++i_;
      e.kind = SExpr::Kind::node;
      for (;;) {
        skip();
        if (i_ >= t_.size()) {
          error = "unexpected end of the value at offset " + std::to_string(i_) + " (a ')' is missing)";
          return std::nullopt;
        }
        if (t_[i_] == ')') {
          ++i_;
          return e;
        }
        std::optional<SExpr> item = expr(error, depth + 1);
        if (!item) return std::nullopt;
        e.items.push_back(std::move(*item));
      }
    }
    if (c == ')') {
      error = "unexpected ')' at offset " + std::to_string(i_);
      return std::nullopt;
    }
    if (c == '\'' || c == '"') {
      const std::size_t start = ++i_;
      while (i_ < t_.size() && t_[i_] != c) {
        if (t_[i_] == '\\') ++i_;
        ++i_;
      }
      if (i_ >= t_.size()) {
        error = "string opened at offset " + std::to_string(start - 1) + " is not closed";
        return std::nullopt;
      }
      e.kind = SExpr::Kind::string;
      e.text = unescape(t_.substr(start, i_ - start));
      ++i_;
      return e;
    }
    const std::size_t start = i_;
    while (i_ < t_.size() && t_[i_] != '"' && t_[i_] != ' ' && t_[i_] != '\t' && t_[i_] != '\n' && t_[i_] != '(' &&
           t_[i_] != ')') {
      ++i_;
    }
    e.kind = SExpr::Kind::symbol;
    e.text = std::string(t_.substr(start, i_ - start));
    return e;
  }
};

bool is_blank(std::string_view s) { return s.find_first_not_of(" \t\r\n") == std::string_view::npos; }

}  // namespace

std::optional<SExpr> parse_sexpr(std::string_view text, std::string& error) { return SExprParser(text).whole(error); }

std::optional<std::vector<std::string>> parse_set(std::string_view text, std::string& error) {
  std::vector<std::string> out;
  if (is_blank(text)) return out;
  std::optional<SExpr> e = parse_sexpr(text, error);
  if (!e) return std::nullopt;
  if (e->kind != SExpr::Kind::node) {
    error = "a set is written ('a' 'b'), not a single word";
    return std::nullopt;
  }
  for (const SExpr& item : e->items) {
    if (item.kind == SExpr::Kind::node) {
      error = "a set holds strings, not lists";
      return std::nullopt;
    }
    out.push_back(item.text);
  }
  return out;
}

std::optional<std::vector<std::pair<std::string, std::string>>> parse_map(std::string_view text, std::string& error) {
  std::vector<std::pair<std::string, std::string>> out;
  if (is_blank(text)) return out;
  std::optional<SExpr> e = parse_sexpr(text, error);
  if (!e) return std::nullopt;
  if (e->kind != SExpr::Kind::node) {
    error = "a map is written (('key' 'value') ...), not a single word";
    return std::nullopt;
  }
  for (const SExpr& item : e->items) {
    if (item.kind != SExpr::Kind::node || item.items.size() != 2 || item.items[0].kind == SExpr::Kind::node ||
        item.items[1].kind == SExpr::Kind::node) {
      error = "each entry of a map is a pair ('key' 'value')";
      return std::nullopt;
    }
    out.emplace_back(item.items[0].text, item.items[1].text);
  }
  return out;
}

namespace {

// A string as ocaml/libs/sexpr/sExpr.ml writes it (escape_buf): single quotes, a backslash before '\\' and '\''.
void quote(std::string& out, std::string_view s) {
  out += '\'';
  for (const char c : s) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  out += '\'';
}

}  // namespace

std::string format_set(const std::vector<std::string>& items) {
  std::string out = "(";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ' ';
    quote(out, items[i]);
  }
  return out + ")";
}

std::string format_map(const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::string out = "(";
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    if (i > 0) out += ' ';
    out += '(';
    quote(out, pairs[i].first);
    out += ' ';
    quote(out, pairs[i].second);
    out += ')';
  }
  return out + ")";
}

const DbField* DbRow::field(std::string_view name) const {
  const auto it = fields.find(std::string(name));
  return it == fields.end() ? nullptr : &it->second;
}

const DbRow* DbTable::find(std::string_view ref) const {
  const auto it = index.find(ref);
  return it == index.end() ? nullptr : &rows[it->second];
}

const DbTable* Database::table(std::string_view name) const {
  const auto it = tables.find(name);
  return it == tables.end() ? nullptr : &it->second;
}

namespace {

std::string at(XmlPos p) { return std::to_string(p.line) + ":" + std::to_string(p.column); }

std::optional<int> to_int(std::string_view s) {
  int v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

DbReadResult read_database(std::string_view xml_text) {
  DbReadResult result;
  XmlParseResult xml = parse_xml(xml_text);
  if (xml.error) {
    result.error = DbError{xml.error->pos, xml.error->message};
    return result;
  }
  const XmlElement& root = *xml.root;
  auto fail = [&](XmlPos pos, std::string message) {
    result.error = DbError{pos, std::move(message)};
    return result;
  };
  if (root.name != "database") {
    return fail(root.pos, "the root element is <" + root.name +
                              ">, not <database>; this is not a XAPI database: give /var/lib/xcp/state.db, the file of "
                              "'xe pool-dump-database file-name=...' or a status report");
  }
  Database db;
  for (const XmlElement& child : root.children) {
    if (child.name == "manifest") {
      for (const XmlElement& pair : child.children) {
        if (pair.name != "pair") {
          return fail(pair.pos, "unexpected <" + pair.name + "> in <manifest>; a manifest holds <pair key=... value=.../> only");
        }
        const XmlAttribute* key = pair.attribute("key");
        const XmlAttribute* value = pair.attribute("value");
        if (!key || !value) return fail(pair.pos, "<pair> without key or value in <manifest>; write <pair key=\"...\" value=\"...\"/>");
        if (key->value == "schema_major_vsn" || key->value == "schema_minor_vsn") {
          const std::optional<int> v = to_int(value->value);
          if (!v) {
            return fail(value->pos, "manifest " + key->value + " '" + value->value + "' is not a whole number; the manifest is corrupt");
          }
          (key->value == "schema_major_vsn" ? db.schema_major : db.schema_minor) = *v;
        }
      }
    } else if (child.name == "table") {
      const XmlAttribute* name = child.attribute("name");
      if (!name) return fail(child.pos, "<table> without a name; write <table name=\"VM\">");
      if (const DbTable* first = db.table(name->value)) {
        return fail(child.pos, "table '" + name->value + "' appears twice (first at " + at(first->pos) +
                                   "); the database is corrupt: dump it again");
      }
      DbTable table;
      table.name = name->value;
      table.pos = child.pos;
      for (const XmlElement& r : child.children) {
        if (r.name != "row") {
          return fail(r.pos, "unexpected <" + r.name + "> in table '" + table.name + "'; a table holds <row .../> only");
        }
        DbRow row;
        row.pos = r.pos;
        bool has_ref = false;
        for (const XmlAttribute& a : r.attributes) {
          if (a.name == "ref") {
            row.ref = a.value;
            has_ref = true;
          } else if (a.name != "__ctime" && a.name != "__mtime") {
            row.fields.emplace(a.name, DbField{unprotect_spaces(a.value), a.pos});
          }
        }
        if (!has_ref || row.ref.empty()) {
          return fail(r.pos, "a row of table '" + table.name + "' has no ref attribute; every row is <row ref=\"OpaqueRef:...\" .../>");
        }
        if (const DbRow* first = table.find(row.ref)) {
          return fail(r.pos, "row '" + row.ref + "' appears twice in table '" + table.name + "' (first at " + at(first->pos) +
                                 "); the database is corrupt: dump it again");
        }
        table.index.emplace(row.ref, table.rows.size());
        table.rows.push_back(std::move(row));
      }
      db.tables.emplace(table.name, std::move(table));
    } else {
      return fail(child.pos, "unexpected <" + child.name + "> in <database>; a XAPI database holds <manifest> and <table> only");
    }
  }
  result.database = std::move(db);
  return result;
}

}  // namespace poolsim::import
