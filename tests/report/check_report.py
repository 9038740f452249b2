#!/usr/bin/python3
"""check_report.py KIND FILE.h5 DOM.html SHOT.png [TOOLS_DIR]: a report as Chromium rendered it holds what the
HDF5 file holds.

KIND is run, batch or size. DOM.html is `chromium --dump-dom` of the page (the DOM after the browser parsed it and
ran its script), SHOT.png its screenshot. With TOOLS_DIR (and matplotlib), the legend's state colours of a run's
page are those of tools/poolsim_plots.py, and cover every state of docs/glossary.md. The expected counts and names are read from FILE.h5 with h5py, not
written here, so the test follows the run. Exit 0 when every check holds, 1 otherwise (each failure printed).
"""
import sys
from html.parser import HTMLParser

import h5py


class Dom(HTMLParser):
    """The elements of the page: a list of (tag, attributes, text inside up to the next tag)."""

    def __init__(self):
        super().__init__()
        self.elements = []
        self.tables = {}     # id -> rows of the body: list of lists of cell texts
        self._table = None
        self._row = None
        self._in_tbody = False
        self._cell = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.elements.append((tag, a))
        if tag == "table" and a.get("id"):
            self._table = a["id"]
            self.tables[self._table] = []
        elif tag == "tbody":
            self._in_tbody = True
        elif tag == "tr" and self._in_tbody and self._table and "empty" not in a.get("class", ""):
            self._row = []
            self.tables[self._table].append(self._row)
        elif tag == "td" and self._row is not None:
            self._cell = []
            self._row.append(self._cell)

    def handle_endtag(self, tag):
        if tag == "tbody":
            self._in_tbody = False
        elif tag == "table":
            self._table = None
        elif tag == "tr":
            self._row = None
        elif tag == "td" and self._row is not None and self._cell is not None:
            self._row[-1] = "".join(self._cell).strip()
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def with_class(self, tag, cls):
        return [a for t, a in self.elements if t == tag and cls in a.get("class", "").split()]

    def by_id(self, ident):
        return [a for _, a in self.elements if a.get("id") == ident]


failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print(f"FAIL: {what}")


def text(v):
    return v.decode("utf-8") if isinstance(v, bytes) else str(v)


def screenshot_colours(path):
    """The distinct colours of the PNG, with PIL when there, else matplotlib's reader."""
    try:
        from PIL import Image
        img = Image.open(path).convert("RGB")
        return {"#%02x%02x%02x" % c[1] for c in img.getcolors(maxcolors=1 << 24)}
    except ImportError:
        import matplotlib.image as mpimg
        data = (mpimg.imread(path)[:, :, :3] * 255 + 0.5).astype("uint8").reshape(-1, 3)
        return {"#%02x%02x%02x" % tuple(int(x) for x in c) for c in {tuple(r) for r in data}}


def check_run(f, dom):
    check(dom.by_id("seed") and True, "the page names the seed")
    seed_cells = [a for a in dom.by_id("seed")]
    check(len(seed_cells) == 1, "one seed element")
    page_text = open(sys.argv[3], encoding="utf-8").read()
    check(f'class="seed">{int(f.attrs["seed"])}<' in page_text, f"the seed {int(f.attrs['seed'])} is shown")
    alerts = [text(n) for n in f["summary/alerts"]["name"]] if f["summary/alerts"].shape[0] else []
    rows = dom.tables.get("alerts", [])
    check(len(rows) == len(alerts), f"alerts table: {len(rows)} rows, the file has {len(alerts)} alerts")
    shown = [r[0] for r in rows]
    check(shown == alerts, f"alert names {shown} are the file's {alerts}")
    vms = [text(n) for n in f["summary/vms"]["name"]]
    hosts = [text(n) for n in f["summary/hosts"]["name"]]
    check(len(dom.tables.get("summary-vms", [])) == len(vms), "a summary row per VM")
    check(len(dom.tables.get("summary-hosts", [])) == len(hosts), "a summary row per host")
    # The scenario's services, when it has some: a row each, its name and time unavailable as the file has them.
    if "summary/services" in f:
        rows = dom.tables.get("summary-services", [])
        names = [text(n) for n in f["summary/services"]["name"]]
        check([r[0] for r in rows] == names, f"services table {rows} names the file's services {names}")
        downs = list(f["summary/services"]["downtime_s"])
        check(len(rows) == len(downs) and all(r[2] == ("0s" if d == 0 else r[2]) for r, d in zip(rows, downs)),
              "a service never down shows 0s")
    else:
        check("summary-services" not in dom.tables, "no services table without services")
    # Outages from the state tables: a VM that ran and then did not.
    outages = 0
    for vm in vms:
        ran, down = False, False
        for row in f[f"vms/{vm}/state"][()]:
            running = text(row["state"]) == "running"
            if running:
                ran, down = True, False
            elif ran and not down:
                outages, down = outages + 1, True
    check(len(dom.tables.get("downtime", [])) == outages, f"downtime table: {outages} outages")
    # Every injected fault of the file lies in an incident panel.
    events = f["events"][()]
    faults = [float(e["time_s"]) for e in events
              if text(e["event"]) in ("host_crashed", "switch_down", "array_down", "partition")
              or (text(e["event"]) == "link_down" and "cause=unplug" in text(e["details"]))]
    panels = dom.with_class("svg", "incident")
    check(len(panels) >= 1, "at least one incident panel")
    check(len(dom.with_class("svg", "whole")) == 1, "one panel of the whole run")
    windows = [(float(a["data-from"]), float(a["data-to"])) for a in panels]
    for t in faults[:12]:
        check(any(lo <= t <= hi for lo, hi in windows), f"the fault at {t} s is in an incident panel")
    # Lanes: one label per host and VM in each panel.
    for name in hosts + vms:
        check(f">{name}</text>" in page_text, f"a lane for {name}")
    check(len(dom.with_class("path", "fault")) >= 1, "fault marks drawn")
    check(len(dom.with_class("rect", "state")) >= len(hosts) + len(vms), "state bars drawn")
    if len(sys.argv) > 5:
        check_colours(page_text)


def check_colours(page_text):
    """The report's legend and plot-timeline colour every state alike (sim/report and tools/poolsim_plots.py)."""
    import re
    sys.path.insert(0, sys.argv[5])
    try:
        import poolsim_plots
    except ImportError as e:
        print(f"note: colours not compared ({e})")
        return
    legend = dict((tuple(label.split(" ", 1)), colour) for colour, label in
                  re.findall(r'class="swatch" style="background:\s*(#[0-9a-f]{6});?"></i>([a-z]+ [a-z_]+)<', page_text))
    check(legend, "the legend lists the state colours")
    plots = poolsim_plots.state_colours()
    for key, colour in legend.items():
        check(plots.get(key) == colour, f"{key}: the report's {colour}, plot-timeline's {plots.get(key)}")
    glossary = poolsim_plots.glossary_states()
    check(glossary and glossary["host"] and glossary["vm"], "the glossary's states are read")
    for subject, states in glossary.items():
        for state in states:
            check((subject, state) in legend, f"the report has a colour for {subject} {state} (docs/glossary.md)")
    check(("host", "out_of_liveset") in legend, "out_of_liveset has its own colour")
    check(len(set(legend.values())) == len(legend), "every state has its own colour")


def check_batch(f, dom):
    scenarios = f["aggregate/scenarios"][()]
    check(len(dom.tables.get("scenarios", [])) == len(scenarios), "a row per scenario")
    check(len(dom.tables.get("availability", [])) == f["aggregate/vms"].shape[0], "a row per protected VM")
    runs = f["runs/summary"][()]
    for i, s in enumerate(scenarios, start=1):
        name = text(s["scenario"])
        n = sum(1 for r in runs if text(r["scenario"]) == name)
        worst = dom.tables.get(f"worst-runs-{i}", [])
        check(len(worst) == min(10, n), f"{name}: {len(worst)} worst runs, want {min(10, n)}")
        # The worst run is the one with the most protected downtime (no invariant broke in these runs).
        mine = [r for r in runs if text(r["scenario"]) == name]
        top = max(mine, key=lambda r: (float(r["protected_downtime_s"]), -int(r["seed"])))
        check(worst and worst[0][0] == str(int(top["seed"])), f"{name}: worst run seed {int(top['seed'])} first")
        check(worst and worst[0][-1].startswith("poolsim run ") and worst[0][-1].endswith(f"--seed {int(top['seed'])}"),
              "the replay command")
        for kind in ("downtime", "fences"):
            fig = dom.by_id(f"{kind}-histogram-{i}")
            check(len(fig) == 1, f"{name}: the {kind} histogram")
        page_text = open(sys.argv[3], encoding="utf-8").read()
        check(f"{n} runs</h2>" in page_text, f"{name}: the run count")
    # Both histograms of each scenario count every one of its runs.
    counted = sum(int(a.get("data-count", 0)) for a in dom.with_class("rect", "bar"))
    check(counted == 2 * len(runs), f"the histograms count every run twice (downtime, fences): {counted}")


def check_size(f, dom):
    check(len(dom.tables.get("by-k", [])) == f["by_k"].shape[0], f"a row per (mode, k): {f['by_k'].shape[0]}")
    check(len(dom.tables.get("left-down", [])) == f["left_down"].shape[0], "a row per VM left down")
    page_text = open(sys.argv[3], encoding="utf-8").read()
    mx = int(f.attrs["max_host_failures_to_tolerate"])
    check(f'id="max-failures">{mx}<' in page_text, f"the planner's answer {mx}")
    for row in f["left_down"][()]:
        check(text(row["vm"]) in page_text, f"left down: {text(row['vm'])}")


def main():
    kind, h5, dom_path, shot = sys.argv[1:5]
    dom = Dom()
    with open(dom_path, encoding="utf-8") as d:
        dom.feed(d.read())
    with h5py.File(h5, "r") as f:
        {"run": check_run, "batch": check_batch, "size": check_size}[kind](f, dom)
    # Nothing loaded from elsewhere: no src= or href= in the page.
    page = open(dom_path, encoding="utf-8").read()
    check("src=" not in page and "href=" not in page, "the page loads nothing (no src=, no href=)")
    colours = screenshot_colours(shot)
    check(len(colours) >= 20, f"the screenshot is not blank: {len(colours)} distinct colours")
    if kind == "run":
        # The figure was painted: the colour of a host that is up, and of a running VM (report.cpp state_colours).
        for c in ("#2e7d32", "#1565c0"):
            check(c in colours, f"the screenshot shows {c}")
    if kind == "batch":
        check("#5c6bc0" in colours, "the screenshot shows the histograms' bars")
    print(f"check_report {kind}: {'ok' if not failures else str(len(failures)) + ' failed'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
