// Writing the report's HTML (private to sim/report): escaping, numbers, tables, the page around the sections, and
// the small SVG figures (histograms). Every number is printed with snprintf in the C locale, so the same values
// give the same bytes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace poolsim::report::html {

// Text for an element's content or an attribute value: & < > " ' escaped.
std::string escape(std::string_view text);

// A number for people: "%.*g" with `digits` significant digits; "NaN" for NaN ("–" in tables).
std::string number(double v, int digits = 6);
// A fraction as a percentage with `decimals` decimals: 0.99993 -> "99.993 %"; "–" for NaN.
std::string percent(double v, int decimals = 3);

// A table: a header row and body rows of cells that are already HTML (escape text first). `id` names it for the
// tests and the links; `caption` says what it is.
struct Table {
  std::string id;
  std::string caption;
  std::vector<std::string> head;
  std::vector<std::vector<std::string>> rows;
  std::vector<bool> numeric;  // per column: right-aligned; may be shorter than head
};
std::string table(const Table& t);

// A histogram as inline SVG: counts per bin of `values` (`bins` equal bins from the minimum to the maximum; one
// bin when all are equal), the x axis labelled with `label(v)` at some bin edges. With `integers` (counts such
// as fences) each whole number from the minimum to the maximum is a bin of its own (up to `bins`), labelled
// below its bar. `id` names the figure.
std::string histogram(const std::string& id, const std::string& title, const std::vector<double>& values,
                      std::size_t bins, std::string (*label)(double), bool integers = false);

// The whole page: <head> with the CSS and script inline, the title, then `body` (sections).
std::string page(const std::string& title, const std::string& body);

}  // namespace poolsim::report::html
