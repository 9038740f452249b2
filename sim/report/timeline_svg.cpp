// The run's timeline as inline SVG (run_data.hpp): the lanes, top to bottom, are the injected records, the master,
// each host, each VM and the alerts; time runs left to right over [from, to].
#include <algorithm>
#include <cmath>
#include <map>

#include "poolsim/models/records.hpp"
#include "report/html.hpp"
#include "report/run_data.hpp"

namespace poolsim::report {
namespace {

// A record of the master's xapi (source `pool`).
bool from_pool(const Event& e, models::Rec id) {
  return e.source == models::to_token(models::RecordSource::pool) && e.event == models::token(id);
}

using html::escape;
using html::number;

// Geometry in px: a figure the width of the page's content; lanes tall enough for a label inside a bar.
constexpr double width = 1100, label_w = 150, right_pad = 24, lane_h = 16, lane_gap = 4, top_pad = 8,
                 axis_h = 34;
// The narrowest a state is drawn, so that a state of a few seconds (or none: fenced just before the watchdog
// reboot) stays visible at any zoom.
constexpr double min_w = 2;

// Colours of the marks (the states' are state_colours()).
constexpr std::string_view fault_colour = "#d50000", repair_colour = "#00a152", consequence_colour = "#212121",
                           alert_colour = "#ff6d00", master_colour = "#546e7a";

std::string colour_of(std::string_view subject, std::string_view state) {
  for (const StateColour& c : state_colours()) {
    if (c.subject == subject && c.state == state) return std::string(c.colour);
  }
  return "#000000";  // a state this version does not know: black
}

// A tick step: the smallest of the steps people count in that gives at most ~10 ticks.
double tick_step(double span) {
  static const double steps[] = {1,     2,      5,      10,      15,      30,      60,       120,      300,
                                 600,   900,    1800,   3600,    7200,    10800,   21600,    43200,    86400,
                                 172800, 604800, 1209600, 2592000, 7776000, 15552000, 31536000};
  for (const double s : steps) {
    if (span / s <= 10) return s;
  }
  return std::ceil(span / 10 / 31536000) * 31536000;
}

struct Frame {
  double from, to, x0, x1;
  double x(double t) const { return x0 + (std::clamp(t, from, to) - from) / (to - from) * (x1 - x0); }
};

// A rectangle for [a, b) at least min_w wide; nothing when it lies outside the frame.
std::string bar(const Frame& f, double a, double b, double y, double h, const std::string& fill, const std::string& cls,
                const std::string& title, const std::string& label = "") {
  if (b < f.from || a > f.to) return "";
  if (b == f.from && a < b) return "";
  double x = f.x(a), w = f.x(b) - x;
  if (w < min_w) {
    x = std::min(x, f.x1 - min_w);
    w = min_w;
  }
  std::string out = "<rect class=\"" + cls + "\" x=\"" + number(x, 7) + "\" y=\"" + number(y) + "\" width=\"" +
                    number(w, 6) + "\" height=\"" + number(h) + "\" fill=\"" + fill + "\"><title>" + escape(title) +
                    "</title></rect>";
  // A label inside the bar when it fits (about 6 px a character at 10 px).
  if (!label.empty() && w >= 6.0 * static_cast<double>(label.size()) + 6) {
    out += "<text class=\"bar-label\" x=\"" + number(x + w / 2, 7) + "\" y=\"" + number(y + h - 4) +
           "\" text-anchor=\"middle\">" + escape(label) + "</text>";
  }
  return out;
}

std::string lane_label(double y, const std::string& text, const std::string& cls) {
  return "<text class=\"lane-label " + cls + "\" x=\"" + number(label_w - 6) + "\" y=\"" + number(y + lane_h - 4) +
         "\" text-anchor=\"end\">" + escape(text) + "</text>";
}

// A mark at t on the lane at y: a downward triangle (fault), an upward one (repair), a tick (consequence), a
// diamond (alert).
std::string mark(const Frame& f, double t, double y, Mark kind, const std::string& title, bool alert = false) {
  if (t < f.from || t > f.to) return "";
  const double x = f.x(t);
  std::string shape;
  if (alert) {
    shape = "<path class=\"mark alert\" d=\"M" + number(x, 7) + " " + number(y + 2) + "l5 6l-5 6l-5 -6z\" fill=\"" +
            std::string(alert_colour) + "\"";
  } else if (kind == Mark::fault) {
    shape = "<path class=\"mark fault\" d=\"M" + number(x - 5, 7) + " " + number(y + 2) + "h10l-5 12z\" fill=\"" +
            std::string(fault_colour) + "\"";
  } else if (kind == Mark::repair) {
    shape = "<path class=\"mark repair\" d=\"M" + number(x - 5, 7) + " " + number(y + 14) + "h10l-5 -12z\" fill=\"" +
            std::string(repair_colour) + "\"";
  } else {
    shape = "<rect class=\"mark consequence\" x=\"" + number(x - 1, 7) + "\" y=\"" + number(y + lane_h - 6) +
            "\" width=\"2\" height=\"7\" fill=\"" + std::string(consequence_colour) + "\"";
  }
  return shape + "><title>" + escape(title) + "</title></" + (alert || kind != Mark::consequence ? "path" : "rect") + ">";
}

}  // namespace

std::string legend() {
  std::string out = "<div class=\"legend\" id=\"legend\">";
  for (const StateColour& c : state_colours()) {
    out += "<span title=\"" + escape(c.meaning) + "\"><i class=\"swatch\" style=\"background:" + std::string(c.colour) +
           "\"></i>" + escape(std::string(c.subject) + " " + std::string(c.state)) + "</span>";
  }
  out += "<br><span><b style=\"color:" + std::string(fault_colour) + "\">&#9660;</b> injected fault</span>";
  out += "<span><b style=\"color:" + std::string(repair_colour) + "\">&#9650;</b> repair or operation</span>";
  out += "<span><b style=\"color:" + std::string(consequence_colour) + "\">|</b> consequence (fence, VM died, link "
         "or bond lost, ...)</span>";
  out += "<span><b style=\"color:" + std::string(alert_colour) + "\">&#9670;</b> alert</span>";
  out += "<span class=\"note\">VM bars name the host the VM runs on; hover a bar or a mark for its time and "
         "details; states are drawn at least " + number(min_w) + " px wide.</span></div>\n";
  return out;
}

std::string timeline_svg(const RunData& run, double from_s, double to_s, const std::string& id, const std::string& kind) {
  if (to_s <= from_s) to_s = from_s + 1;
  const std::size_t lanes = 3 + run.hosts.size() + run.vms.size();
  const double height = top_pad + static_cast<double>(lanes) * (lane_h + lane_gap) + axis_h;
  const Frame f{from_s, to_s, label_w, width - right_pad};
  const Clock& clock = run.clock;
  std::string out = "<div class=\"figure\"><svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline " + escape(kind) +
                    "\" id=\"" + escape(id) + "\" data-from=\"" + number(from_s, 12) + "\" data-to=\"" +
                    number(to_s, 12) + "\" width=\"" + number(width) + "\" height=\"" + number(height) +
                    "\" viewBox=\"0 0 " + number(width) + " " + number(height) + "\" role=\"img\">";
  const double plot_bottom = top_pad + static_cast<double>(lanes) * (lane_h + lane_gap);
  // Grid and axis.
  const double step = tick_step(to_s - from_s);
  for (double t = std::ceil(from_s / step) * step; t <= to_s + 1e-9; t += step) {
    const double x = f.x(t);
    out += "<line class=\"grid\" x1=\"" + number(x, 7) + "\" y1=\"" + number(top_pad) + "\" x2=\"" + number(x, 7) +
           "\" y2=\"" + number(plot_bottom) + "\"/>";
    out += "<text class=\"tick\" x=\"" + number(x, 7) + "\" y=\"" + number(plot_bottom + 14) +
           "\" text-anchor=\"middle\">" + escape(clock.tick(t, step)) + "</text>";
  }
  out += "<line class=\"axis\" x1=\"" + number(f.x0) + "\" y1=\"" + number(plot_bottom) + "\" x2=\"" + number(f.x1) +
         "\" y2=\"" + number(plot_bottom) + "\"/>";
  out += "<text class=\"tick\" x=\"" + number(f.x1) + "\" y=\"" + number(plot_bottom + 28) + "\" text-anchor=\"end\">" +
         escape(clock.at(from_s) + " to " + clock.at(to_s) + (run.start ? " (UTC)" : "")) + "</text>";

  const std::vector<MarkedEvent> marks = marked_events(run);
  double y = top_pad;
  // The injected records, and a dashed line down through every lane at each fault.
  out += lane_label(y, "injected", "injected");
  for (const MarkedEvent& m : marks) {
    if (m.mark != Mark::fault && m.mark != Mark::repair) continue;
    const Event& e = run.events[m.index];
    if (e.time_s < from_s || e.time_s > to_s) continue;
    if (m.mark == Mark::fault) {
      out += "<line class=\"fault-line\" x1=\"" + number(f.x(e.time_s), 7) + "\" y1=\"" + number(y + lane_h) +
             "\" x2=\"" + number(f.x(e.time_s), 7) + "\" y2=\"" + number(plot_bottom) + "\" stroke=\"" +
             std::string(fault_colour) + "\" stroke-dasharray=\"3 3\" stroke-opacity=\"0.5\"/>";
    }
    out += mark(f, e.time_s, y, m.mark, clock.at(e.time_s) + " " + e.source + " " + e.event + " " + e.details);
  }
  y += lane_h + lane_gap;

  // The master: who holds the role, from each master_changed record.
  out += lane_label(y, "master", "master");
  {
    std::vector<std::pair<double, std::string>> holders;
    for (const Event& e : run.events) {
      if (!from_pool(e, models::Rec::master_changed)) continue;
      if (holders.empty() && e.detail("from") != "none" && !e.detail("from").empty()) holders.emplace_back(0.0, e.detail("from"));
      holders.emplace_back(e.time_s, e.detail("to"));
    }
    if (holders.empty() && !run.hosts.empty()) {
      // No change: the scenario's master all along, which the file does not name; leave the lane empty.
    }
    for (std::size_t i = 0; i < holders.size(); ++i) {
      const double a = holders[i].first, b = i + 1 < holders.size() ? holders[i + 1].first : run.end_s;
      const std::string& who = holders[i].second;
      if (who == "none") continue;
      out += bar(f, a, b, y, lane_h, std::string(master_colour), "state master",
                 "master " + who + " from " + clock.at(a) + " to " + clock.at(b), who);
    }
  }
  y += lane_h + lane_gap;

  // Which lane a record is drawn on.
  std::map<std::string, double> lane_y;
  for (const auto& [host, states] : run.hosts) {
    out += lane_label(y, host, "host");
    lane_y[host] = y;
    // Two passes: the states narrower than min_w last, so that the next state does not cover them.
    const std::vector<Interval> lane = host_lane(run, host, states);
    for (const bool short_pass : {false, true}) {
      for (const Interval& s : lane) {
        if ((f.x(s.end_s) - f.x(s.start_s) < min_w) != short_pass) continue;
        out += bar(f, s.start_s, s.end_s, y, lane_h, colour_of("host", s.state), "state host-" + s.state,
                   host + " " + s.state + " from " + clock.at(s.start_s) + " to " + clock.at(s.end_s) + " (" +
                       hms(s.end_s - s.start_s) + ")");
      }
    }
    y += lane_h + lane_gap;
  }
  for (const auto& [vm, states] : run.vms) {
    out += lane_label(y, vm, "vm");
    lane_y["vm/" + vm] = y;
    const auto placements = vm_placements(run, vm);
    std::string late;  // the states narrower than min_w, drawn over their neighbours
    for (const Interval& s : states) {
      if (s.state != "running") {
        (f.x(s.end_s) - f.x(s.start_s) < min_w ? late : out) += bar(f, s.start_s, s.end_s, y, lane_h, colour_of("vm", s.state), "state vm-" + s.state,
                   vm + " " + s.state + " from " + clock.at(s.start_s) + " to " + clock.at(s.end_s) + " (" +
                       hms(s.end_s - s.start_s) + ")");
        continue;
      }
      // Running: one bar per host it runs on in the interval (a migration splits it), labelled by the host.
      std::vector<std::pair<double, std::string>> parts;
      std::string host;
      for (const auto& [t, h] : placements) {
        if (t <= s.start_s) host = h;
      }
      parts.emplace_back(s.start_s, host);
      for (const auto& [t, h] : placements) {
        if (t > s.start_s && t < s.end_s) parts.emplace_back(t, h);
      }
      for (std::size_t i = 0; i < parts.size(); ++i) {
        const double a = parts[i].first, b = i + 1 < parts.size() ? parts[i + 1].first : s.end_s;
        const std::string& on = parts[i].second;
        (f.x(b) - f.x(a) < min_w ? late : out) += bar(f, a, b, y, lane_h, colour_of("vm", "running"), "state vm-running",
                   vm + " running" + (on.empty() ? "" : " on " + on) + " from " + clock.at(a) + " to " + clock.at(b) +
                       " (" + hms(b - a) + ")",
                   on);
      }
    }
    out += late;
    y += lane_h + lane_gap;
  }
  // Consequences on their lanes; injected records on their host's lane too.
  for (const MarkedEvent& m : marks) {
    if (m.mark == Mark::none) continue;
    const Event& e = run.events[m.index];
    if (e.time_s < from_s || e.time_s > to_s) continue;
    const std::string lane = e.source.rfind("vm/", 0) == 0 ? e.source : e.source.substr(0, e.source.find('/'));
    const auto it = lane_y.find(lane);
    if (it == lane_y.end()) continue;
    out += mark(f, e.time_s, it->second, m.mark, clock.at(e.time_s) + " " + e.source + " " + e.event + " " + e.details);
  }
  // Alerts.
  out += lane_label(y, "alerts", "alerts");
  for (const Event& e : run.events) {
    if (!from_pool(e, models::Rec::alert)) continue;
    out += mark(f, e.time_s, y, Mark::none, clock.at(e.time_s) + " " + e.detail("name") + " " + e.details, true);
  }
  out += "</svg></div>\n";
  return out;
}

}  // namespace poolsim::report
