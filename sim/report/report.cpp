// `poolsim report`: reads a run's, a batch's or a size file (poolsim/recording/hdf5_reader.hpp) and writes its
// page (include/poolsim/report/report.hpp). The sections of each kind are below; the run's timeline figure is in
// timeline_svg.cpp.
#include "poolsim/report/report.hpp"

#include <cstdio>
#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <variant>

#include "poolsim/recording/hdf5_reader.hpp"
#include "report/html.hpp"
#include "report/run_data.hpp"

namespace poolsim::report {

std::string_view to_token(FileKind kind) {
  switch (kind) {
    case FileKind::run: return "run";
    case FileKind::batch: return "batch";
    case FileKind::size: return "size";
  }
  return "run";
}

const std::vector<StateColour>& state_colours() {
  // One hue per state, hosts and VMs apart: greens and blues for what is working, amber while it comes back, red
  // and purple for what failed, grey for a VM that is off. The same table is in tools/poolsim_plots.py (a test
  // compares them).
  static const std::vector<StateColour> colours{
      {"host", "up", "#2e7d32", "up and in the HA liveset (or HA off)"},
      {"host", "out_of_liveset", "#c0ca33", "up, but its HA daemon is not in the liveset (join aborted, failed or cancelled)"},
      {"host", "joining", "#4fc3f7", "its HA daemon is joining the live hosts"},
      {"host", "booting", "#fbc02d", "booting (after power on, a reboot or a fence)"},
      {"host", "down", "#c62828", "powered off or crashed"},
      {"host", "fenced", "#6a1b9a", "fenced by its HA daemon (the Xen watchdog reboots it)"},
      {"host", "maintenance", "#8d6e63", "disabled for maintenance"},
      {"vm", "running", "#1565c0", "running"},
      {"vm", "starting", "#ff8f00", "being started (an HA restart or an operator's start)"},
      {"vm", "halted", "#9e9e9e", "halted"},
      {"vm", "impaired", "#e91e63", "running but not serving: I/O to its disks or a network of it is gone"},
  };
  return colours;
}

std::vector<Incident> find_incidents(const std::vector<double>& injected, const std::vector<double>& records,
                                     double end_s, double gap_s, double margin_s) {
  std::vector<Incident> out;
  std::size_t i = 0;
  while (i < injected.size()) {
    Incident incident;
    incident.first_s = injected[i];
    std::size_t j = i;
    while (j + 1 < injected.size() && injected[j + 1] - injected[j] <= gap_s) ++j;
    incident.faults = j - i + 1;
    const double next = j + 1 < injected.size() ? injected[j + 1] : end_s + gap_s + 1;
    // The consequences: records after the last injected one, each within gap of the one before, before the next
    // cluster.
    double last = injected[j];
    auto it = std::upper_bound(records.begin(), records.end(), last);
    for (; it != records.end() && *it < next && *it - last <= gap_s; ++it) last = *it;
    incident.last_s = last;
    incident.from_s = std::max(0.0, incident.first_s - margin_s);
    incident.to_s = std::min(end_s, last + margin_s);
    if (!out.empty()) incident.from_s = std::max(incident.from_s, std::min(out.back().to_s, incident.first_s));
    if (incident.to_s <= incident.from_s) incident.to_s = std::min(end_s, incident.from_s + std::max(margin_s, 1.0));
    out.push_back(incident);
    i = j + 1;
  }
  // A window must not run into the next one's first record.
  for (std::size_t k = 0; k + 1 < out.size(); ++k) out[k].to_s = std::min(out[k].to_s, std::max(out[k].last_s, out[k + 1].from_s));
  return out;
}

namespace {

using html::escape;

std::string attr_text(const Hdf5Reader& file, const std::string& object, const std::string& name) {
  const auto v = file.attribute(object, name);
  if (!v) return "";
  if (const auto* s = std::get_if<std::string>(&*v)) return *s;
  if (const auto* u = std::get_if<std::uint64_t>(&*v)) return std::to_string(*u);
  return html::number(std::get<double>(*v), 10);
}

double attr_double(const Hdf5Reader& file, const std::string& object, const std::string& name, double fallback = NAN) {
  const auto v = file.attribute(object, name);
  if (!v) return fallback;
  if (const auto* d = std::get_if<double>(&*v)) return *d;
  if (const auto* u = std::get_if<std::uint64_t>(&*v)) return static_cast<double>(*u);
  return fallback;
}

// The columns a section needs, each checked: a file of another version or a damaged one is refused by name.
struct Columns {
  const Hdf5Reader& file;
  Hdf5Table table;

  Columns(const Hdf5Reader& f, const std::string& path) : file(f), table(read(f, path)) {}
  static Hdf5Table read(const Hdf5Reader& f, const std::string& path) {
    if (!f.has(path)) {
      throw ReportError(f.path().string() + ": no table /" + path +
                        "; the file is incomplete or from another poolsim version (docs/hdf5-layout.md)");
    }
    try {
      return f.table(path);
    } catch (const Hdf5ReadError& e) {
      throw ReportError(e.what());
    }
  }
  [[noreturn]] void missing(std::string_view name) const {
    throw ReportError(file.path().string() + ": table /" + table.path + " has no column '" + std::string(name) +
                      "' of the expected type; the file is from another poolsim version (docs/hdf5-layout.md)");
  }
  const std::vector<double>& d(std::string_view name) const {
    const auto* c = column_doubles(table, name);
    if (!c) missing(name);
    return *c;
  }
  const std::vector<std::uint64_t>& u(std::string_view name) const {
    const auto* c = column_counts(table, name);
    if (!c) missing(name);
    return *c;
  }
  const std::vector<std::string>& s(std::string_view name) const {
    const auto* c = column_strings(table, name);
    if (!c) missing(name);
    return *c;
  }
  std::size_t rows() const { return row_count(table); }
};

std::string hms_or_dash(double s) { return std::isfinite(s) ? escape(hms(s)) : "&ndash;"; }
// Axis labels: a duration to the second, a count as a whole number.
std::string hms_label(double s) { return hms(std::round(s)); }
std::string count_label(double v) { return html::number(std::round(v), 10); }

std::string num_cell(double v, int digits = 4) { return std::isfinite(v) ? html::number(v, digits) : "&ndash;"; }

// "a [low, high]" for an estimate and its interval.
std::string interval(const std::string& value, const std::string& low, const std::string& high) {
  return value + " <span class=\"note\">[" + low + ", " + high + "]</span>";
}

std::string meta_table(const std::vector<std::pair<std::string, std::string>>& rows) {
  std::string out = "<table class=\"meta\" id=\"meta\"><tbody>";
  for (const auto& [k, v] : rows) out += "<tr><td>" + escape(k) + "</td><td>" + v + "</td></tr>";
  return out + "</tbody></table>\n";
}

std::string scenario_text(const std::string& yaml, const std::string& name) {
  if (yaml.empty()) return "";
  return "<details><summary>scenario file" + (name.empty() ? "" : " of " + escape(name)) + "</summary><pre>" +
         escape(yaml) + "</pre></details>\n";
}

// ---- a run ----

std::string run_page(const Hdf5Reader& file, const ReportOptions& options) {
  const RunData run = read_run(file, "/");
  const Clock& clock = run.clock;
  std::string body;
  body += "<h1>poolsim report: run of <span id=\"scenario\">" + escape(run.scenario) + "</span></h1>\n";
  body += meta_table({
      {"scenario", "<code>" + escape(run.scenario) + "</code>"},
      {"seed", "<span id=\"seed\" class=\"seed\">" + std::to_string(run.seed) + "</span>"},
      {"start", run.start ? escape(format_utc_time(*run.start, -1)) + " (the scenario's start:)"
                          : "not given: times are day and time of day from 0 s (d0T00:00:00)"},
      {"end", escape(clock.at(run.end_s)) + " (" + escape(hms(run.end_s)) + " simulated)"},
      {"poolsim", escape(run.version)},
      {"file", "<code>" + escape(file.path().filename().string()) + "</code>"},
      {"replay", "<code>poolsim run SCENARIO.yaml --seed " + std::to_string(run.seed) + "</code>"},
  });

  // Summary.
  body += "<h2 id=\"summary\">Summary</h2>\n";
  html::Table vms{"summary-vms", "VMs", {"VM", "downtime", "restarts", "at the end"}, {}, {false, true, true, false}};
  for (const VmSummary& v : run.vm_summary) {
    vms.rows.push_back({escape(v.name), escape(hms(v.downtime_s)), std::to_string(v.restarts), escape(v.final_state)});
  }
  body += html::table(vms);
  html::Table hosts{"summary-hosts", "hosts", {"host", "fences", "at the end"}, {}, {false, true, false}};
  for (const HostSummary& h : run.host_summary) {
    hosts.rows.push_back({escape(h.name), std::to_string(h.fences), escape(h.final_state)});
  }
  body += html::table(hosts);
  if (!run.services.empty()) {
    html::Table services{"summary-services", "services",
                         {"service", "needs", "unavailable", "availability", "outages"}, {},
                         {false, false, true, true, true}};
    for (const ServiceSummary& sv : run.services) {
      char availability[32];
      std::snprintf(availability, sizeof availability, "%.4f %%", 100 * sv.availability);
      services.rows.push_back({escape(sv.name), std::to_string(sv.need) + " of " + std::to_string(sv.vms),
                               escape(hms(sv.downtime_s)), availability, std::to_string(sv.outages)});
    }
    body += html::table(services);
  }
  body += "<p>master changes: <span id=\"master-changes\">" + std::to_string(run.master_changes) + "</span></p>\n";

  // Incidents.
  const std::vector<Incident> incidents = run_incidents(run, options);
  body += "<h2 id=\"incidents\">Incidents</h2>\n<p class=\"note\">An incident is a cluster of injected records (faults "
          "and repairs of the scenario) at most " + escape(hms(seconds_of(options.incident_gap))) +
          " apart, with the records that follow it until the pool is quiet for as long; each panel shows " +
          escape(hms(seconds_of(options.incident_margin))) + " on either side.</p>\n";
  html::Table itable{"incident-list", "", {"#", "from", "to", "first injected", "last record", "injected records"}, {},
                     {true, false, false, false, false, true}};
  for (std::size_t i = 0; i < incidents.size(); ++i) {
    const Incident& inc = incidents[i];
    itable.rows.push_back({std::to_string(i + 1), escape(clock.at(inc.from_s)), escape(clock.at(inc.to_s)),
                           escape(clock.at(inc.first_s)), escape(clock.at(inc.last_s)), std::to_string(inc.faults)});
  }
  body += html::table(itable);
  body += legend();
  for (std::size_t i = 0; i < incidents.size() && i < options.max_panels; ++i) {
    const Incident& inc = incidents[i];
    body += "<h3>Incident " + std::to_string(i + 1) + ": " + escape(clock.at(inc.from_s)) + " to " +
            escape(clock.at(inc.to_s)) + "</h3>\n";
    body += timeline_svg(run, inc.from_s, inc.to_s, "incident-" + std::to_string(i + 1), "incident");
  }
  if (incidents.size() > options.max_panels) {
    body += "<p class=\"note\">" + std::to_string(incidents.size() - options.max_panels) +
            " more incidents are listed above but not drawn (--max-panels).</p>\n";
  }
  body += "<h3>The whole run: " + escape(clock.at(0)) + " to " + escape(clock.at(run.end_s)) + "</h3>\n";
  body += timeline_svg(run, 0, run.end_s, "whole-run", "whole");

  // Alerts.
  body += "<h2 id=\"alerts-section\">Alerts</h2>\n";
  html::Table alerts{"alerts", "", {"alert", "times", "first at"}, {}, {false, true, false}};
  for (const AlertSummary& a : run.alerts) {
    alerts.rows.push_back({"<code class=\"alert-name\">" + escape(a.name) + "</code>", std::to_string(a.count),
                           escape(clock.at(a.first_s))});
  }
  body += html::table(alerts);

  // Downtime: each outage of each VM.
  body += "<h2 id=\"downtime-section\">Downtime</h2>\n";
  html::Table down{"downtime", "each time a VM that had run was not running", {"VM", "down from", "on", "back at", "on", "for"},
                   {}, {false, false, false, false, false, true}};
  for (const Outage& o : vm_outages(run)) {
    down.rows.push_back({escape(o.vm), escape(clock.at(o.from_s)), escape(o.host_before),
                         o.back ? escape(clock.at(o.to_s)) : "still down at the end", escape(o.host_after),
                         escape(hms(o.to_s - o.from_s))});
  }
  body += html::table(down);

  // Injected records.
  body += "<h2 id=\"faults-section\">Faults and repairs</h2>\n";
  html::Table faults{"faults", "the injected records (the scenario's faults and operations)", {"time", "source", "event", "details", "kind"},
                     {}, {}};
  for (const MarkedEvent& m : marked_events(run)) {
    if (m.mark != Mark::fault && m.mark != Mark::repair) continue;
    const Event& e = run.events[m.index];
    faults.rows.push_back({escape(clock.at(e.time_s)), escape(e.source), "<code>" + escape(e.event) + "</code>",
                           escape(e.details), m.mark == Mark::fault ? "fault" : "repair"});
  }
  body += html::table(faults);
  body += scenario_text(run.scenario_yaml, run.scenario);
  return html::page("poolsim report: " + run.scenario + " seed " + std::to_string(run.seed), body);
}

// ---- a batch ----

std::string batch_page(const Hdf5Reader& file, const ReportOptions& options) {
  const std::string version = attr_text(file, "/", "poolsim_version");
  const Columns scenarios(file, "aggregate/scenarios");
  const Columns vms(file, "aggregate/vms");
  const Columns runs(file, "runs/summary");
  std::string body = "<h1>poolsim report: batch</h1>\n";
  body += meta_table({
      {"runs per scenario", "<span id=\"runs-per-scenario\">" + escape(attr_text(file, "/", "runs_per_scenario")) + "</span>"},
      {"seeds", "from " + escape(attr_text(file, "/", "seed_base"))},
      {"confidence", escape(attr_text(file, "/", "confidence"))},
      {"availability interval", escape(attr_text(file, "/", "availability_interval"))},
      {"probability interval", escape(attr_text(file, "/", "probability_interval"))},
      {"poolsim", escape(version)},
      {"file", "<code>" + escape(file.path().filename().string()) + "</code>"},
  });

  body += "<h2 id=\"scenarios-section\">Scenarios</h2>\n";
  html::Table st{"scenarios", "per scenario; intervals at the confidence above",
                 {"scenario", "runs", "failed", "invariant broken", "all protected VMs back", "mean fences",
                  "mean master changes", "pool services availability", "pool services down per year"},
                 {}, {false, true, true, true, false, true, true, false, false}};
  const auto& s_name = scenarios.s("scenario");
  for (std::size_t i = 0; i < scenarios.rows(); ++i) {
    st.rows.push_back({
        "<code>" + escape(s_name[i]) + "</code>", std::to_string(scenarios.u("runs")[i]),
        std::to_string(scenarios.u("failed_runs")[i]), std::to_string(scenarios.u("invariant_violations")[i]),
        interval(html::percent(scenarios.d("p_all_protected_back")[i], 1),
                 html::percent(scenarios.d("p_all_protected_back_low")[i], 1),
                 html::percent(scenarios.d("p_all_protected_back_high")[i], 1)),
        num_cell(scenarios.d("mean_fences")[i]), num_cell(scenarios.d("mean_master_changes")[i]),
        interval(html::percent(scenarios.d("pool_services_availability")[i], 4),
                 html::percent(scenarios.d("pool_services_availability_low")[i], 4),
                 html::percent(scenarios.d("pool_services_availability_high")[i], 4)),
        interval(hms_or_dash(scenarios.d("pool_services_downtime_per_year_s")[i]),
                 hms_or_dash(scenarios.d("pool_services_downtime_per_year_s_low")[i]),
                 hms_or_dash(scenarios.d("pool_services_downtime_per_year_s_high")[i])),
    });
  }
  body += html::table(st);

  body += "<h2 id=\"availability-section\">Availability of the protected VMs</h2>\n";
  html::Table vt{"availability", "runs without a broken invariant; intervals at the confidence above",
                 {"scenario", "VM", "runs", "availability", "downtime per year", "mean restarts"},
                 {}, {false, false, true, false, false, true}};
  for (std::size_t i = 0; i < vms.rows(); ++i) {
    vt.rows.push_back({"<code>" + escape(vms.s("scenario")[i]) + "</code>", escape(vms.s("vm")[i]),
                       std::to_string(vms.u("runs")[i]),
                       interval(html::percent(vms.d("availability")[i], 4), html::percent(vms.d("availability_low")[i], 4),
                                html::percent(vms.d("availability_high")[i], 4)),
                       interval(hms_or_dash(vms.d("downtime_per_year_s")[i]), hms_or_dash(vms.d("downtime_per_year_s_low")[i]),
                                hms_or_dash(vms.d("downtime_per_year_s_high")[i])),
                       num_cell(vms.d("mean_restarts")[i])});
  }
  body += html::table(vt);

  // The scenarios' own services, when one of them has some (docs/hdf5-layout.md "Batch files").
  if (file.has("aggregate/services")) {
    const Columns services(file, "aggregate/services");
    body += "<h2 id=\"services-section\">Availability of the services</h2>\n";
    html::Table sv{"service-availability", "runs without a broken invariant; intervals at the confidence above",
                   {"scenario", "service", "needs", "runs", "availability", "downtime per year", "worst run"},
                   {}, {false, false, true, true, false, false, false}};
    for (std::size_t i = 0; i < services.rows(); ++i) {
      sv.rows.push_back(
          {"<code>" + escape(services.s("scenario")[i]) + "</code>", escape(services.s("service")[i]),
           std::to_string(services.u("need")[i]), std::to_string(services.u("runs")[i]),
           interval(html::percent(services.d("availability")[i], 4),
                    html::percent(services.d("availability_low")[i], 4),
                    html::percent(services.d("availability_high")[i], 4)),
           interval(hms_or_dash(services.d("downtime_per_year_s")[i]),
                    hms_or_dash(services.d("downtime_per_year_s_low")[i]),
                    hms_or_dash(services.d("downtime_per_year_s_high")[i])),
           hms_or_dash(services.d("worst_downtime_s")[i])});
    }
    body += html::table(sv);
  }

  // Per scenario: the histograms and the worst runs.
  const auto& r_scenario = runs.s("scenario");
  const auto& r_seed = runs.u("seed");
  const auto& r_down = runs.d("protected_downtime_s");
  const auto& r_fences = runs.u("fences");
  const auto& r_exit = runs.u("exit_status");
  const auto& r_invariant = runs.s("invariant");
  const auto& r_restarts = runs.u("restarts");
  for (std::size_t si = 0; si < scenarios.rows(); ++si) {
    const std::string& name = s_name[si];
    const std::string file_name = scenarios.s("file")[si];
    // The what-if options the batch ran with, which a replay needs too (absent in files of earlier versions).
    const std::vector<std::string>* what_if = column_strings(scenarios.table, "what_if");
    const std::string replay_options = what_if ? (*what_if)[si] : std::string();
    std::vector<std::size_t> rows;
    for (std::size_t i = 0; i < runs.rows(); ++i) {
      if (r_scenario[i] == name) rows.push_back(i);
    }
    const std::string id = std::to_string(si + 1);
    body += "<h2 id=\"scenario-" + id + "\">" + escape(name) + ": " + std::to_string(rows.size()) + " runs</h2>\n";
    std::vector<double> downtime, fences;
    for (const std::size_t i : rows) {
      downtime.push_back(r_down[i]);
      fences.push_back(static_cast<double>(r_fences[i]));
    }
    // 20 bins: enough to see the shape of a few hundred runs.
    body += "<div class=\"figure\">";
    body += html::histogram("downtime-histogram-" + id, "protected VM downtime per run", downtime, 20, hms_label);
    // One bar per number of fences, up to 20 of them.
    body += html::histogram("fences-histogram-" + id, "fences per run", fences, 20, count_label, true);
    body += "</div>\n";
    // The worst runs: the most protected downtime, then a broken invariant or failed expectation, then the seed.
    std::vector<std::size_t> worst = rows;
    std::stable_sort(worst.begin(), worst.end(), [&](std::size_t a, std::size_t b) {
      if (r_invariant[a] != r_invariant[b]) return r_invariant[a] == "violated";
      if (r_down[a] != r_down[b]) return r_down[a] > r_down[b];
      if (r_exit[a] != r_exit[b]) return r_exit[a] > r_exit[b];
      return r_seed[a] < r_seed[b];
    });
    if (worst.size() > options.worst_runs) worst.resize(options.worst_runs);
    html::Table wt{"worst-runs-" + id, "the worst runs: a broken invariant first, then the most protected downtime",
                   {"seed", "protected downtime", "fences", "restarts", "exit", "invariant", "replay"},
                   {}, {true, true, true, true, true, false, false}};
    for (const std::size_t i : worst) {
      std::string inv = escape(r_invariant[i]);
      if (r_invariant[i] == "violated") inv += ": " + escape(runs.s("invariant_message")[i]);
      wt.rows.push_back({std::to_string(r_seed[i]), escape(hms(r_down[i])), std::to_string(r_fences[i]),
                         std::to_string(r_restarts[i]), std::to_string(r_exit[i]), inv,
                         "<code class=\"replay\">poolsim run " + escape(file_name) + " --seed " +
                             std::to_string(r_seed[i]) + escape(replay_options) + "</code>"});
    }
    body += html::table(wt);
    body += scenario_text(scenarios.s("scenario_yaml")[si], name);
  }
  return html::page("poolsim report: batch", body);
}

// ---- a sizing study ----

std::string size_page(const Hdf5Reader& file) {
  const Columns by_k(file, "by_k");
  const Columns left(file, "left_down");
  const std::string name = attr_text(file, "/", "scenario_name");
  std::string body = "<h1>poolsim report: sizing of <span id=\"scenario\">" + escape(name) + "</span></h1>\n";
  body += meta_table({
      {"scenario", "<code>" + escape(name) + "</code>"},
      {"seed", "<span id=\"seed\" class=\"seed\">" + escape(attr_text(file, "/", "seed")) + "</span>"},
      {"hosts", escape(attr_text(file, "/", "host_count"))},
      {"protected VMs", escape(attr_text(file, "/", "protected_vms")) + " (" +
                            escape(attr_text(file, "/", "protected_running")) + " running at 0 s)"},
      {"planner: host failures tolerated", "<span id=\"max-failures\">" +
                                               escape(attr_text(file, "/", "max_host_failures_to_tolerate")) + "</span>"},
      {"pool's ntol", escape(attr_text(file, "/", "ntol")) + " (plan: " + escape(attr_text(file, "/", "plan_status")) + ")"},
      {"crashes", "first at " + escape(hms(attr_double(file, "/", "crash_at_s"))) + ", sequential every " +
                      escape(hms(attr_double(file, "/", "spacing_s"))) + ", settled " +
                      escape(hms(attr_double(file, "/", "settle_s"))) + " after the last"},
      {"sets per k", "at most " + escape(attr_text(file, "/", "sample")) + " (sample seed " +
                         escape(attr_text(file, "/", "sample_seed")) + ")"},
      {"poolsim", escape(attr_text(file, "/", "poolsim_version"))},
      {"file", "<code>" + escape(file.path().filename().string()) + "</code>"},
  });
  body += "<h2 id=\"by-k-section\">Hosts crashed (k) and what came back</h2>\n";
  html::Table kt{"by-k", "simultaneous: k hosts at once; sequential: one after another",
                 {"mode", "k", "planner", "sets", "run", "restored", "invariant broken", "restored fraction",
                  "worst recovery", "median recovery", "left down", "disagreement"},
                 {}, {false, true, false, true, true, true, true, true, true, true, false, false}};
  for (std::size_t i = 0; i < by_k.rows(); ++i) {
    kt.rows.push_back({escape(by_k.s("mode")[i]), std::to_string(by_k.u("k")[i]), escape(by_k.s("planner")[i]),
                       std::to_string(by_k.u("sets_total")[i]),
                       std::to_string(by_k.u("sets_run")[i]) + (by_k.u("sampled")[i] ? " (sampled)" : ""),
                       std::to_string(by_k.u("restored")[i]), std::to_string(by_k.u("broke")[i]),
                       html::percent(by_k.d("restored_fraction")[i], 1), hms_or_dash(by_k.d("worst_s")[i]),
                       hms_or_dash(by_k.d("median_s")[i]), escape(by_k.s("left_down")[i]),
                       escape(by_k.s("disagreement")[i])});
  }
  body += html::table(kt);
  body += "<h2 id=\"left-down-section\">Left down</h2>\n";
  html::Table lt{"left-down", "each protected VM down at the end of some set, with the number of sets",
                 {"mode", "k", "VM", "sets"}, {}, {false, true, false, true}};
  for (std::size_t i = 0; i < left.rows(); ++i) {
    lt.rows.push_back({escape(left.s("mode")[i]), std::to_string(left.u("k")[i]), escape(left.s("vm")[i]),
                       std::to_string(left.u("runs")[i])});
  }
  body += html::table(lt);
  if (file.has("disagreements")) {
    const Columns dis(file, "disagreements");
    body += "<h2 id=\"disagreements-section\">Planner and simulation</h2>\n";
    html::Table dt{"disagreements", "where the planner's answer and the simulation disagree", {"mode", "k", "kind", "message"}, {}, {}};
    for (std::size_t i = 0; i < dis.rows(); ++i) {
      dt.rows.push_back({escape(dis.s("mode")[i]), std::to_string(dis.u("k")[i]), escape(dis.s("kind")[i]),
                         escape(dis.s("message")[i])});
    }
    body += html::table(dt);
  }
  body += scenario_text(attr_text(file, "/", "scenario_yaml"), name);
  return html::page("poolsim report: sizing of " + name, body);
}

std::unique_ptr<Hdf5Reader> open(const std::filesystem::path& h5) {
  try {
    return std::make_unique<Hdf5Reader>(h5);
  } catch (const Hdf5ReadError& e) {
    throw ReportError(e.what());
  }
}

FileKind kind_of(const Hdf5Reader& file) {
  if (!file.attribute("/", "poolsim_version")) {
    throw ReportError(file.path().string() +
                      ": not a poolsim file (no root attribute poolsim_version); give a file written by 'poolsim run "
                      "--h5', 'poolsim batch --out' or 'poolsim size --h5'");
  }
  const std::string kind = attr_text(file, "/", "kind");
  if (kind == "batch") return FileKind::batch;
  if (kind == "size") return FileKind::size;
  if (!kind.empty()) {
    throw ReportError(file.path().string() + ": a poolsim file of kind '" + kind +
                      "', which this version cannot report; use the poolsim that wrote it");
  }
  return FileKind::run;
}

}  // namespace

FileKind detect_kind(const std::filesystem::path& h5) { return kind_of(*open(h5)); }

std::string render_report(const std::filesystem::path& h5, const ReportOptions& options) {
  const std::unique_ptr<Hdf5Reader> file = open(h5);
  try {
    switch (kind_of(*file)) {
      case FileKind::run: return run_page(*file, options);
      case FileKind::batch: return batch_page(*file, options);
      case FileKind::size: return size_page(*file);
    }
  } catch (const Hdf5ReadError& e) {
    throw ReportError(e.what());
  }
  return {};
}

}  // namespace poolsim::report
