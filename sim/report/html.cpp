#include "report/html.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace poolsim::report::html {

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string number(double v, int digits) {
  if (std::isnan(v)) return "NaN";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*g", digits, v);
  return buffer;
}

std::string percent(double v, int decimals) {
  if (std::isnan(v)) return "&ndash;";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f&nbsp;%%", decimals, v * 100.0);
  return buffer;
}

std::string table(const Table& t) {
  std::string out = "<table id=\"" + escape(t.id) + "\" data-rows=\"" + std::to_string(t.rows.size()) + "\">";
  if (!t.caption.empty()) out += "<caption>" + t.caption + "</caption>";
  out += "<thead><tr>";
  for (std::size_t c = 0; c < t.head.size(); ++c) {
    const bool num = c < t.numeric.size() && t.numeric[c];
    out += num ? "<th class=\"num\">" : "<th>";
    out += t.head[c] + "</th>";
  }
  out += "</tr></thead><tbody>";
  for (const auto& row : t.rows) {
    out += "<tr>";
    for (std::size_t c = 0; c < row.size(); ++c) {
      const bool num = c < t.numeric.size() && t.numeric[c];
      out += num ? "<td class=\"num\">" : "<td>";
      out += row[c] + "</td>";
    }
    out += "</tr>";
  }
  if (t.rows.empty()) {
    out += "<tr class=\"empty\"><td colspan=\"" + std::to_string(std::max<std::size_t>(1, t.head.size())) +
           "\">none</td></tr>";
  }
  out += "</tbody></table>\n";
  return out;
}

std::string histogram(const std::string& id, const std::string& title, const std::vector<double>& values,
                      std::size_t bins, std::string (*label)(double), bool integers) {
  // 520 x 200 px: a bar chart that two fit side by side in the page's 1100 px.
  constexpr double width = 520, height = 200, left = 44, right = 30, top = 24, bottom = 40;
  std::vector<double> finite;
  for (const double v : values) {
    if (std::isfinite(v)) finite.push_back(v);
  }
  std::string out = "<figure class=\"histogram\" id=\"" + escape(id) + "\"><svg xmlns=\"http://www.w3.org/2000/svg\" "
                    "width=\"" + number(width) + "\" height=\"" + number(height) + "\" viewBox=\"0 0 " +
                    number(width) + " " + number(height) + "\" role=\"img\">";
  out += "<text x=\"" + number(left) + "\" y=\"15\" class=\"title\">" + escape(title) + "</text>";
  if (finite.empty()) {
    out += "<text x=\"" + number(left) + "\" y=\"100\">no values</text></svg></figure>\n";
    return out;
  }
  const double lo = *std::min_element(finite.begin(), finite.end());
  double hi = *std::max_element(finite.begin(), finite.end());
  // Whole numbers: a bin per number when they fit, each bin [n, n + 1) (or wider, the same for every bin).
  const bool per_number = integers && hi - lo + 1 <= static_cast<double>(bins);
  if (integers) {
    if (per_number) bins = static_cast<std::size_t>(hi - lo + 1);
    hi += 1;
  }
  if (hi <= lo) bins = 1;
  std::vector<std::size_t> counts(bins, 0);
  for (const double v : finite) {
    std::size_t b = hi > lo ? static_cast<std::size_t>((v - lo) / (hi - lo) * static_cast<double>(bins)) : 0;
    counts[std::min(b, bins - 1)]++;
  }
  const std::size_t most = *std::max_element(counts.begin(), counts.end());
  const double plot_w = width - left - right, plot_h = height - top - bottom;
  const double bar_w = plot_w / static_cast<double>(bins);
  for (std::size_t b = 0; b < bins; ++b) {
    const double h = most ? plot_h * static_cast<double>(counts[b]) / static_cast<double>(most) : 0;
    const double x = left + bar_w * static_cast<double>(b);
    const double from = lo + (hi - lo) * static_cast<double>(b) / static_cast<double>(bins);
    const double to = lo + (hi - lo) * static_cast<double>(b + 1) / static_cast<double>(bins);
    // A bin with runs is at least 1 px high, so that a single run stays visible.
    const double shown = counts[b] ? std::max(h, 1.0) : 0;
    out += "<rect class=\"bar\" x=\"" + number(x + 0.5) + "\" y=\"" + number(top + plot_h - shown) + "\" width=\"" +
           number(std::max(bar_w - 1, 1.0)) + "\" height=\"" + number(shown) + "\" data-count=\"" +
           std::to_string(counts[b]) + "\"><title>" + escape(label(from)) + " to " + escape(label(to)) + ": " +
           std::to_string(counts[b]) + (counts[b] == 1 ? " run" : " runs") + "</title></rect>";
  }
  // Axes: counts on the left (0 and the most), the bin edges below (at most 6 labels).
  out += "<line class=\"axis\" x1=\"" + number(left) + "\" y1=\"" + number(top + plot_h) + "\" x2=\"" +
         number(left + plot_w) + "\" y2=\"" + number(top + plot_h) + "\"/>";
  out += "<text class=\"tick\" x=\"" + number(left - 4) + "\" y=\"" + number(top + plot_h) +
         "\" text-anchor=\"end\">0</text>";
  out += "<text class=\"tick\" x=\"" + number(left - 4) + "\" y=\"" + number(top + 8) + "\" text-anchor=\"end\">" +
         std::to_string(most) + "</text>";
  // At most 5 labels: about 100 px apart, room for "1h02m03s".
  const std::size_t step = std::max<std::size_t>(1, (bins + 3) / 4);
  for (std::size_t b = 0; b <= bins; b += step) {
    if (per_number && b == bins) break;
    const double v = lo + (hi - lo) * static_cast<double>(b) / static_cast<double>(bins);
    const double x = left + bar_w * (static_cast<double>(b) + (per_number ? 0.5 : 0.0));
    out += "<text class=\"tick\" x=\"" + number(x) + "\" y=\"" + number(top + plot_h + 14) +
           "\" text-anchor=\"middle\">" + escape(label(v)) + "</text>";
  }
  out += "<text class=\"tick\" x=\"" + number(left + plot_w / 2) + "\" y=\"" + number(height - 4) +
         "\" text-anchor=\"middle\">" + std::to_string(finite.size()) + " runs</text>";
  out += "</svg></figure>\n";
  return out;
}

namespace {

// The page's style: system fonts only (nothing to load), tables compact, figures scroll sideways when narrow.
constexpr std::string_view css = R"(
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:16px 24px;color:#212121;background:#fff;max-width:1200px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:24px 0 8px;border-bottom:1px solid #ccc}h3{font-size:15px;margin:16px 0 6px}
table{border-collapse:collapse;margin:6px 0 12px}caption{text-align:left;font-weight:600;padding:2px 0;white-space:nowrap}
th,td{border:1px solid #ddd;padding:2px 8px;vertical-align:top}th{background:#f3f3f3;cursor:pointer;user-select:none}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}tr.empty td{color:#777;font-style:italic}
code,pre,.mono{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:12px}
pre{background:#f7f7f7;border:1px solid #ddd;padding:8px;overflow:auto;max-height:360px}
.meta td:first-child{font-weight:600}.figure{overflow-x:auto}.histogram{display:inline-block;margin:4px 12px 4px 0}
svg text{font-size:11px;fill:#333}svg .title{font-size:12px;font-weight:600}svg .axis{stroke:#555;stroke-width:1}
svg .grid{stroke:#e0e0e0;stroke-width:1}svg .lane-label{font-size:11px}svg .bar{fill:#5c6bc0}
svg .bar-label{font-size:10px;fill:#fff;pointer-events:none}.legend span{display:inline-block;margin:0 10px 2px 0}
.swatch{display:inline-block;width:12px;height:12px;vertical-align:-2px;margin-right:4px;border:1px solid #0003}
.note{color:#555}
)";

// Sorts a table by the column clicked (numbers by value); the only script, and the page works without it.
constexpr std::string_view script = R"(
document.querySelectorAll('table').forEach(function(t){t.querySelectorAll('th').forEach(function(th,i){
th.addEventListener('click',function(){var b=t.tBodies[0],r=Array.prototype.slice.call(b.rows),d=th.dataset.d==='1'?-1:1;
th.dataset.d=d===1?'1':'0';r.sort(function(x,y){var a=x.cells[i]?x.cells[i].getAttribute('data-v')||x.cells[i].textContent:'',
c=y.cells[i]?y.cells[i].getAttribute('data-v')||y.cells[i].textContent:'',p=parseFloat(a),q=parseFloat(c);
return (!isNaN(p)&&!isNaN(q)?p-q:a.localeCompare(c))*d;});r.forEach(function(x){b.appendChild(x);});});});});
)";

}  // namespace

std::string page(const std::string& title, const std::string& body) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>" + escape(title) +
                    "</title>\n<meta name=\"generator\" content=\"poolsim report\">\n<style>";
  out += css;
  out += "</style></head>\n<body>\n";
  out += body;
  out += "<script>";
  out += script;
  out += "</script>\n</body></html>\n";
  return out;
}

}  // namespace poolsim::report::html
