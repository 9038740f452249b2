"""Plots of poolsim's HDF5 files (docs/hdf5-layout.md), shared by tools/plot-timeline and notebooks/*.ipynb.

    load_run(path)                 a run's file (`poolsim run --h5`) -> Run
    Rec, RECORDS, VALUES           the models' table of records (tools/poolsim_records.py): Rec.self_fence
    mark_of(event, details)        the mark a record takes: "fault", "repair", "consequence", "boot" or None
    plot_timeline(run, ax=None,    the Gantt chart: a lane per host and per VM coloured by state, faults, alerts,
      t_from=None, t_to=None)      master changes; t_from/t_to (seconds) zoom in (parse_time reads "5m", ISO)
    load_batch(path)               a batch file (`poolsim batch --out`) -> dict of pandas data frames
    plot_downtime(batch, ax=None)  per protected VM: the distribution of downtime over runs
    plot_availability(batch, ...)  per protected VM: availability (and downtime per year) with the 95 % intervals
    plot_services(batch, ...)      per service of the scenarios and the pool's own services (a master that
                                   answers): availability and downtime per year with their intervals
    load_size(path)                a size file (`poolsim size --h5`) -> dict of pandas data frames and attributes
    plot_size(size, axes=None)     per k, simultaneous vs sequential: the fraction of sets restoring every
                                   protected VM, and the worst and median time until the last one runs again

Reads with h5py, pandas and matplotlib only (Debian's python3-h5py, python3-pandas, python3-matplotlib). Errors in
the input raise PlotError with a message naming the file.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

import h5py
import numpy as np
import pandas as pd

from poolsim_records import RECORDS, VALUES, Rec


class PlotError(Exception):
    """The input is missing or is not the poolsim file that was expected."""


# Colours of the states: the same table as the HTML report's (sim/report/report.cpp state_colours; unit and
# report tests compare them). A host that is up but not in the HA liveset (its daemon's join aborted, failed or was
# cancelled) is `out_of_liveset`, a state of the chart drawn from the records, not a state of the HDF5 tables.
HOST_STATE_COLOURS = {"up": "#2e7d32", "out_of_liveset": "#c0ca33", "joining": "#4fc3f7", "booting": "#fbc02d",
                      "down": "#c62828", "fenced": "#6a1b9a", "maintenance": "#8d6e63"}
VM_STATE_COLOURS = {"running": "#1565c0", "starting": "#ff8f00", "halted": "#9e9e9e", "impaired": "#e91e63"}
UNKNOWN_STATE_COLOUR = "#000000"
# Colours for a state of the glossary that the tables above do not have yet (a newer model): matplotlib's tab10,
# less the hues already used, in order.
SPARE_COLOURS = ["#17becf", "#e377c2", "#7f7f7f", "#bcbd22", "#8c564b", "#9467bd"]
# The marks: an injected fault, a repair or operation, a consequence on its lane, an alert, a master change.
FAULT_COLOUR, REPAIR_COLOUR, CONSEQUENCE_COLOUR = "#d50000", "#00a152", "#212121"
ALERT_COLOUR, MASTER_COLOUR = "#ff6d00", "#546e7a"



def _with_mark(*marks: str) -> frozenset:
    return frozenset([e for e, r in RECORDS.items() if r[3] in marks] + [e for e, _, _, m in VALUES if m in marks])


# The records by their mark in the models' table of records (tools/poolsim_records.py): those a scenario's fault
# verbs inject (scripted or random), the repairs and other operations, and the consequences marked on their host's
# or VM's lane. link_down/link_up are injected only with cause=unplug/replug; host_booting only after a crash (a
# power_on); otherwise they are consequences, so they are in two sets.
FAULT_EVENTS = _with_mark("fault")
REPAIR_EVENTS = _with_mark("repair", "boot")
CONSEQUENCE_EVENTS = _with_mark("consequence", "boot")
# The records after which a host that is up is outside the HA liveset.
OUT_OF_LIVESET_EVENTS = {Rec.join_aborted, Rec.join_failed, Rec.join_cancelled}


def glossary_states() -> dict:
    """{"host": [...], "vm": [...]}: the states that records lead to in the models' table of records (the "state
    it leads to" column of docs/glossary.md), in order of first appearance."""
    out = {"host": [], "vm": []}
    for _, _, state, _ in RECORDS.values():
        subject, _, s = state.partition(" ")
        if subject in out and s not in out[subject]:
            out[subject].append(s)
    return out


def state_colours() -> dict:
    """{("host"|"vm", state): colour} for every state of the glossary, out_of_liveset and maintenance: the
    table above, and a spare colour for a state it lacks."""
    colours = {("host", s): c for s, c in HOST_STATE_COLOURS.items()}
    colours.update({("vm", s): c for s, c in VM_STATE_COLOURS.items()})
    spare = iter(SPARE_COLOURS)
    for subject, states in glossary_states().items():
        for s in states:
            if (subject, s) not in colours:
                colours[(subject, s)] = next(spare, UNKNOWN_STATE_COLOUR)
    return colours


@dataclass
class Run:
    """One run's file: its header, its records and the state intervals of each host and VM."""
    path: str
    scenario_name: str
    seed: int
    end_s: float
    events: pd.DataFrame                       # time_s, seq, source, event, details (str)
    hosts: dict = field(default_factory=dict)  # host -> DataFrame start_s, end_s, state (str), scenario order
    vms: dict = field(default_factory=dict)    # vm -> DataFrame start_s, end_s, state (str), scenario order
    start: str = None                          # the scenario's start: (ISO 8601, UTC), or None


def _decoded(table) -> pd.DataFrame:
    """A compound dataset as a data frame, its byte-string columns decoded from UTF-8."""
    df = pd.DataFrame(table[()])
    for c in df.columns:
        if df[c].dtype == object:
            df[c] = [v.decode("utf-8") if isinstance(v, bytes) else v for v in df[c]]
    return df


def _text(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _open(path: str) -> h5py.File:
    if not os.path.exists(path):
        raise PlotError(f"{path}: no such file")
    if os.path.isdir(path):
        raise PlotError(f"{path}: is a directory, not an HDF5 file")
    try:
        return h5py.File(path, "r")
    except OSError as e:
        raise PlotError(f"{path}: not an HDF5 file ({e})") from None


def _names(group, summary_table) -> list:
    """The members of /hosts or /vms in scenario order (the order of /summary/<kind>), else sorted."""
    names = list(group.keys())
    try:
        order = [_text(n) for n in summary_table["name"]]
    except (KeyError, ValueError, TypeError):
        return sorted(names)
    return [n for n in order if n in names] + sorted(n for n in names if n not in order)


def load_group(group, path: str) -> Run:
    """A run's layout read from an open HDF5 group: the file's root, or a batch file's /runs/<scenario>@<seed>."""
    if group.attrs.get("kind") is not None and _text(group.attrs["kind"]) == "batch":
        raise PlotError(f"{path}: a batch file (poolsim batch), not a run's file (poolsim run --h5); "
                        "read it with load_batch, or plot a kept timeline /runs/<scenario>@<seed>")
    if group.attrs.get("kind") is not None and _text(group.attrs["kind"]) == "size":
        raise PlotError(f"{path}: a size file (poolsim size --h5), not a run's file (poolsim run --h5); "
                        "read it with load_size")
    missing = [p for p in ("events", "hosts", "vms", "summary") if p not in group]
    if missing:
        raise PlotError(f"{path}: not a poolsim run file (no {', '.join('/' + m for m in missing)})")
    try:
        events = _decoded(group["events"])
        summary = group["summary"]
        end_s = float(summary.attrs["end_s"])
        host_order = _names(group["hosts"], summary["hosts"][()] if "hosts" in summary else None)
        vm_order = _names(group["vms"], summary["vms"][()] if "vms" in summary else None)
        hosts = {h: _decoded(group["hosts"][h]["state"]) for h in host_order}
        vms = {v: _decoded(group["vms"][v]["state"]) for v in vm_order}
        name = _text(group.attrs.get("scenario_name", os.path.basename(path)))
        seed = int(group.attrs.get("seed", 0))
        start = _text(group.attrs["start"]) if "start" in group.attrs else None
    except (KeyError, ValueError, TypeError) as e:
        raise PlotError(f"{path}: not a poolsim run file ({e})") from None
    return Run(path=path, scenario_name=name, seed=seed, end_s=end_s, events=events, hosts=hosts, vms=vms,
               start=start)


def load_run(path: str, group: str = "/") -> Run:
    """Reads a run's file (`poolsim run --h5`), or with group= a kept timeline of a batch file."""
    with _open(path) as f:
        if group not in f:
            raise PlotError(f"{path}: no group {group}")
        return load_group(f[group], path)


def time_unit(end_s: float):
    """(divisor, label) for a time axis that ends at end_s: seconds, minutes, hours or days."""
    if end_s <= 1200:
        return 1.0, "s"
    if end_s <= 4 * 3600:
        return 60.0, "min"
    if end_s <= 4 * 86400:
        return 3600.0, "h"
    return 86400.0, "days"


def _details(text: str) -> dict:
    return dict(kv.split("=", 1) for kv in text.split() if "=" in kv)


def _fault_label(row) -> str:
    d = _details(row.details)
    label = row.event if row.source == RECORDS[Rec.partition][0] else f"{row.source} {row.event}"
    if row.event == Rec.partition and "groups" in d:
        label = f"partition {d['groups']}"
    elif row.event in (Rec.link_down, Rec.link_up) and "cause" in d:
        label = f"{row.source} {row.event} ({d['cause']})"
    return label


def _merge_labels(texts) -> str:
    """"eth0 link_down (unplug)", "eth1 link_down (unplug)" -> "eth0+eth1 link_down (unplug)"."""
    merged = {}
    for t in texts:
        first, _, rest = t.partition(" ")
        if rest and "=" not in first and first not in FAULT_EVENTS | REPAIR_EVENTS:
            merged.setdefault(rest, []).append(first)
        else:
            merged.setdefault(t, [])
    return "; ".join(f"{'+'.join(dict.fromkeys(w))} {rest}" if w else rest for rest, w in merged.items())


def mark_of(event: str, details: dict):
    """The mark the table of records gives a record with these details: "fault", "repair", "consequence", "boot"
    or None (context, or a record of another version)."""
    for e, key, value, mark in VALUES:
        if e == event and mark and details.get(key) == value:
            return mark
    record = RECORDS.get(event)
    return record[3] if record else None


def marks(run: Run) -> list:
    """A mark per record, in order: "fault" (injected), "repair" (a repair or operation), "consequence" (drawn on
    its host's or VM's lane) or None; the same rules as the HTML report (sim/report/run_data.cpp)."""
    out = []
    last_stop = {}  # host -> the last record that stopped it
    hosts = set(run.hosts)
    for r in run.events.itertuples():
        owner = r.source.split("/")[0]
        mark = mark_of(r.event, _details(r.details))
        if mark == "boot":
            mark = "repair" if last_stop.get(owner) == Rec.host_crashed else "consequence"
        if owner in hosts and r.event in (Rec.host_crashed, Rec.host_rebooting, Rec.self_fence):
            last_stop[owner] = r.event
        out.append(mark)
    return out


def host_lane(run: Run, host: str) -> pd.DataFrame:
    """The host's states for the chart: `up` becomes `out_of_liveset` from a join_aborted, join_failed or
    join_cancelled record of its daemon until its next state."""
    ev = run.events
    outs = sorted(ev[(ev.source == f"{host}/ha") & ev.event.isin(OUT_OF_LIVESET_EVENTS)].time_s)
    rows = []
    for r in run.hosts[host].itertuples():
        cut = next((t for t in outs if r.start_s <= t < r.end_s), None) if r.state == "up" else None
        if cut is None:
            rows.append((r.start_s, r.end_s, r.state))
            continue
        if cut > r.start_s:
            rows.append((r.start_s, cut, "up"))
        rows.append((cut, r.end_s, "out_of_liveset"))
    return pd.DataFrame(rows, columns=["start_s", "end_s", "state"])


def vm_placements(run: Run, vm: str) -> list:
    """[(time, host)]: where the VM runs from each vm_running and vm_migrated on; before the first, the host that
    its first vm_died, vm_halted or vm_migrated names, from 0."""
    out, initial = [], None
    for r in run.events[run.events.source == f"vm/{vm}"].itertuples():
        d = _details(r.details)
        if r.event == Rec.vm_running:
            out.append((r.time_s, d.get("host", "")))
        elif r.event == Rec.vm_migrated:
            if not out and initial is None:
                initial = d.get("from")
            out.append((r.time_s, d.get("to", "")))
        elif not out and initial is None and r.event in (Rec.vm_died, Rec.vm_halted):
            initial = d.get("host")
    return ([(0.0, initial)] if initial else []) + out


_UNITS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0,
          "y": 31536000.0}


def parse_time(text: str, run: Run = None) -> float:
    """A time of the run in seconds: "300" or "300s", a duration as poolsim writes it ("5m", "1h30m", "2d"), or with
    the run's start: an ISO 8601 UTC time ("2026-03-01T08:05:00Z"). Raises ValueError saying how to write it."""
    import re
    t = text.strip()
    if "T" in t and (t.endswith("Z") or t.endswith("+00:00")):
        if run is None or not run.start:
            raise ValueError(f"'{text}' is a wall-clock time, but the run has no start: (give seconds or '5m')")
        from datetime import datetime
        fmt = lambda v: datetime.fromisoformat(v.replace("Z", "+00:00").replace("z", "+00:00"))
        return (fmt(t) - fmt(run.start)).total_seconds()
    if re.fullmatch(r"\d+(\.\d+)?", t):
        return float(t)
    parts = re.findall(r"(\d+(?:\.\d+)?)(ns|us|ms|s|m|h|d|w|y)", t)
    if not parts or "".join(n + u for n, u in parts) != t:
        raise ValueError(f"'{text}' is not a time; write seconds (300), a duration (5m, 1h30m) "
                         "or, when the scenario has a start:, an ISO time (2026-03-01T08:05:00Z)")
    return sum(float(n) * _UNITS[u] for n, u in parts)


def plot_timeline(run: Run, ax=None, annotate: int = 16, t_from: float = None, t_to: float = None):
    """Draws the Gantt chart of a run on ax (a new figure when None) and returns the figure.

    Lanes from the top: "master" (master changes), one lane per alert name (XenServer's messages), "faults" when
    there are injected records of switches, arrays, portals or the pool (those of a host or its NICs are on the
    host's lane), then one lane per host and one per VM, coloured by state (state_colours(): a colour per state of
    docs/glossary.md, and out_of_liveset for a host up outside the HA liveset). A running VM's bar names its host.
    Injected faults are red crosses with a dotted line through every lane, repairs green pluses, consequences
    (a fence, a VM dying with its host, a link lost with its switch) black ticks on their lane. `t_from`, `t_to`
    (seconds) zoom in; a state narrower than 0.3 % of the span shown is drawn that wide, so that short states
    stay visible at any zoom. Markers carry labels when at most `annotate` of them are shown.
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    lo = 0.0 if t_from is None else max(0.0, float(t_from))
    hi = run.end_s if t_to is None else min(run.end_s, float(t_to))
    if hi <= lo:
        raise PlotError(f"{run.path}: the window from {lo:g} s to {hi:g} s is empty (the run ends at {run.end_s:g} s)")
    span = hi - lo
    div, unit = time_unit(span)
    min_w = 0.003 * span  # about 3 px of a 13-inch figure
    colours = state_colours()
    ev = run.events
    hosts = set(run.hosts)
    kinds = marks(run)
    ev = ev.assign(mark=kinds)
    shown = ev[(ev.time_s >= lo) & (ev.time_s <= hi)]
    injected = shown[shown.mark.isin(["fault", "repair"])]
    pool_faults = any(s.split("/")[0] not in hosts and not s.startswith("vm/") for s in injected.source)
    alerts = shown[shown.event == Rec.alert].copy()
    alerts["name"] = [_details(d).get("name", "alert") for d in alerts.details]
    alert_names = list(dict.fromkeys(alerts.name))
    lanes = ["master"] + [f"alert {a}" for a in alert_names] + (["faults"] if pool_faults else [])
    n_top = len(lanes)
    lanes += [f"host {h}" for h in run.hosts] + [f"vm {v}" for v in run.vms]
    y = {name: i for i, name in enumerate(lanes)}
    if ax is None:
        height = 1.4 + 0.42 * len(lanes)
        fig, ax = plt.subplots(figsize=(13, height))
    fig = ax.figure

    def bars(lane, rows, subject, labels=None):
        """rows: (start, end, state); labels: text inside each bar, or None."""
        late = []  # bars widened to min_w, drawn over their neighbours
        for i, (a, b, state) in enumerate(rows):
            if b < lo or a > hi or (b == lo and a < b):
                continue
            a, b = max(a, lo), min(b, hi)
            colour = colours.get((subject, state), UNKNOWN_STATE_COLOUR)
            narrow = b - a < min_w
            if narrow:
                a = min(a, hi - min_w)
                late.append((a, colour))
                continue
            ax.broken_barh([(a / div, (b - a) / div)], (y[lane] - 0.35, 0.7), facecolors=colour, edgecolors="none")
            text = labels[i] if labels else None
            if text and (b - a) >= 0.011 * span * (len(text) + 1):
                ax.text((a + b) / 2 / div, y[lane], text, ha="center", va="center", fontsize=6.5, color="white",
                        clip_on=True, zorder=4)
        for a, colour in late:
            ax.broken_barh([(a / div, min_w / div)], (y[lane] - 0.45, 0.9), facecolors=colour, edgecolors="none",
                           zorder=3)

    for h in run.hosts:
        lane = host_lane(run, h)
        bars(f"host {h}", list(zip(lane.start_s, lane.end_s, lane.state)), "host")
    for v, df in run.vms.items():
        placements = vm_placements(run, v)
        rows, labels = [], []
        for r in df.itertuples():
            if r.state != "running":
                rows.append((r.start_s, r.end_s, r.state))
                labels.append(None)
                continue
            # One bar per host the VM runs on in the interval (a migration splits it), named by the host.
            on = [h for t, h in placements if t <= r.start_s]
            cuts = [(r.start_s, on[-1] if on else "")] + [(t, h) for t, h in placements if r.start_s < t < r.end_s]
            for i, (t, h) in enumerate(cuts):
                rows.append((t, cuts[i + 1][0] if i + 1 < len(cuts) else r.end_s, "running"))
                labels.append(h)
        bars(f"vm {v}", rows, "vm", labels)

    n_marks = len(set(zip(injected.source.str.split("/").str[0], injected.time_s)))
    labelled = n_marks <= annotate
    for kind, marker, colour in (("fault", "X", FAULT_COLOUR), ("repair", "P", REPAIR_COLOUR)):
        rows = injected[injected.mark == kind]
        labels = {}  # (lane, time) -> labels of the markers drawn there
        for r in rows.itertuples():
            owner, _, part = r.source.partition("/")
            lane = f"host {owner}" if owner in hosts else f"vm {part}" if owner == "vm" else "faults"
            label = _fault_label(r)
            if lane.startswith("host "):  # on the host's lane: "eth0 link_down (unplug)", or "host_crashed"
                label = label[len(owner):].lstrip("/ ")
            labels.setdefault((lane, r.time_s), []).append(label)
            if kind == "fault":
                ax.axvline(r.time_s / div, color=colour, lw=0.6, ls=":", alpha=0.5, zorder=1)
        for (lane, t), texts in labels.items():
            ax.scatter(t / div, y[lane], marker=marker, s=70, color=colour, edgecolors="white", linewidths=0.6,
                       zorder=5)
            if labelled:
                right = t > lo + 0.7 * span
                ax.annotate(_merge_labels(texts), (t / div, y[lane]),
                            xytext=(-5 if right else 5, 7 if kind == "fault" else -12), textcoords="offset points",
                            ha="right" if right else "left", fontsize=7, color=colour, zorder=6,
                            bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.8))
    for r in shown[shown.mark == "consequence"].itertuples():
        owner, _, part = r.source.partition("/")
        lane = f"host {owner}" if owner in hosts else f"vm {part}" if owner == "vm" else None
        if lane in y:
            ax.plot([r.time_s / div] * 2, [y[lane] + 0.1, y[lane] + 0.45], color=CONSEQUENCE_COLOUR, lw=1.2,
                    solid_capstyle="butt", zorder=5)

    for a in alert_names:
        times = alerts[alerts.name == a].time_s / div
        ax.scatter(times, [y[f"alert {a}"]] * len(times), marker="D", s=40, color=ALERT_COLOUR, zorder=5)

    masters = shown[shown.event == Rec.master_changed]
    for r in masters.itertuples():
        d = _details(r.details)
        if d.get("from") == d.get("to"):
            continue
        ax.scatter(r.time_s / div, y["master"], marker="D", s=50, color=MASTER_COLOUR, zorder=5)
        ax.axvline(r.time_s / div, color=MASTER_COLOUR, lw=0.8, ls="--", alpha=0.6, zorder=1)
        if len(masters) <= annotate:
            ax.annotate(f"{d.get('from', '?')} → {d.get('to', '?')}", (r.time_s / div, y["master"]),
                        xytext=(5, 6), textcoords="offset points", fontsize=7, color="#263238")

    ax.set_yticks(range(len(lanes)))
    ax.set_yticklabels(lanes)
    ax.set_ylim(len(lanes) - 0.4, -0.6)
    ax.set_xlim(lo / div, hi / div)
    since = f" since {run.start}" if run.start else ""
    ax.set_xlabel(f"simulated time ({unit}{since})")
    ax.grid(axis="x", color="#dddddd", lw=0.5)
    ax.set_axisbelow(True)
    for sep in (n_top - 0.5, n_top - 0.5 + len(run.hosts)):
        ax.axhline(sep, color="#888888", lw=0.6)
    window = "" if t_from is None and t_to is None else f", {lo:g} s to {hi:g} s"
    ax.set_title(f"{run.scenario_name} (seed {run.seed}{window}): hosts, VMs, faults, alerts and master changes")

    present_host = {s for h in run.hosts for s in host_lane(run, h).state}
    present_vm = {s for df in run.vms.values() for s in df.state}
    handles = [Patch(color=c, label=f"{subject} {s}") for (subject, s), c in colours.items()
               if (subject == "host" and (s in present_host or s in ("up", "down")))
               or (subject == "vm" and (s in present_vm or s in ("running", "halted")))]
    handles += [Line2D([], [], ls="none", marker="X", color=FAULT_COLOUR, markersize=8, label="injected fault"),
                Line2D([], [], ls="none", marker="P", color=REPAIR_COLOUR, markersize=8, label="repair, operation"),
                Line2D([], [], ls="none", marker="|", color=CONSEQUENCE_COLOUR, markersize=8, label="consequence"),
                Line2D([], [], ls="none", marker="D", color=ALERT_COLOUR, markersize=6, label="alert"),
                Line2D([], [], ls="--", marker="D", color=MASTER_COLOUR, markersize=6, label="master change")]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


# --- batch files ---------------------------------------------------------------------------------------------

def load_batch(path: str) -> dict:
    """A batch file (`poolsim batch --out`) as data frames: runs, run_vms, run_hosts, scenarios, vms, and, when a
    scenario of the batch has `services:`, services and run_services (else empty data frames)."""
    tables = {"runs": "runs/summary", "run_vms": "runs/vms", "run_hosts": "runs/hosts",
              "scenarios": "aggregate/scenarios", "vms": "aggregate/vms"}
    with _open(path) as f:
        if _text(f.attrs.get("kind", "")) != "batch":
            raise PlotError(f"{path}: not a batch file (poolsim batch --out): no attribute kind=batch")
        try:
            out = {k: _decoded(f[p]) for k, p in tables.items()}
        except KeyError as e:
            raise PlotError(f"{path}: not a complete batch file ({e})") from None
        for k, p in (("services", "aggregate/services"), ("run_services", "runs/services")):
            out[k] = _decoded(f[p]) if p in f else pd.DataFrame()
        out["confidence"] = float(f.attrs.get("confidence", 0.95))
        out["runs_per_scenario"] = int(f.attrs.get("runs_per_scenario", 0))
    return out


def plot_downtime(batch: dict, ax=None):
    """Per protected VM (scenario/vm): each run's downtime in minutes as points over a box plot."""
    import matplotlib.pyplot as plt

    rv = batch["run_vms"]
    rv = rv[rv.protected == 1]
    groups = [(f"{s}/{v}", g.downtime_s.to_numpy() / 60.0) for (s, v), g in rv.groupby(["scenario", "vm"], sort=False)]
    if ax is None:
        _, ax = plt.subplots(figsize=(max(6, 1.1 * len(groups) + 2), 4.5))
    if not groups:
        ax.text(0.5, 0.5, "no protected VM", ha="center", transform=ax.transAxes)
        return ax.figure
    ax.boxplot([g for _, g in groups], showfliers=False, widths=0.5)
    ax.set_xticks(range(1, len(groups) + 1))
    ax.set_xticklabels([n for n, _ in groups])
    rng = np.random.default_rng(0)  # jitter only; the data are deterministic
    for i, (_, g) in enumerate(groups, start=1):
        ax.scatter(i + rng.uniform(-0.15, 0.15, len(g)), g, s=14, alpha=0.6, color="#1e88e5", zorder=3)
    ax.set_ylabel("downtime per run (min)")
    ax.set_title(f"Downtime of the protected VMs over {batch['runs_per_scenario']} runs per scenario")
    ax.tick_params(axis="x", rotation=30)
    ax.figure.tight_layout()
    return ax.figure


def _intervals(axes, names, rows, confidence):
    """Availability (%) and downtime per year (min) of each row, with the interval of its _low and _high columns."""
    x = np.arange(len(names))
    conf = round(confidence * 100)
    for ax, col, scale, label in ((axes[0], "availability", 100.0, "availability (%)"),
                                  (axes[1], "downtime_per_year_s", 1 / 60.0, "downtime per year (min)")):
        mid = rows[col].to_numpy() * scale
        low = rows[f"{col}_low"].to_numpy() * scale
        high = rows[f"{col}_high"].to_numpy() * scale
        err = np.vstack([np.nan_to_num(mid - low), np.nan_to_num(high - mid)])
        ax.errorbar(x, mid, yerr=err, fmt="o", capsize=5, color="#3949ab")
        ax.set_xticks(x)
        ax.set_xticklabels(names, rotation=30, ha="right")
        ax.set_ylabel(label)
        ax.set_title(f"{label} with the {conf} % interval")
        ax.grid(axis="y", color="#dddddd", lw=0.5)
        ax.ticklabel_format(axis="y", useOffset=False, style="plain")
    axes[0].figure.tight_layout()
    return axes[0].figure


def plot_availability(batch: dict, axes=None):
    """Per protected VM: availability and downtime per year, each with its interval (docs/running.md)."""
    import matplotlib.pyplot as plt

    vms = batch["vms"]
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(13, 4.5))
    return _intervals(axes, [f"{r.scenario}/{r.vm}" for r in vms.itertuples()], vms, batch["confidence"])


def service_rows(batch: dict) -> pd.DataFrame:
    """Per scenario, in the batch's order: its pool services (a master that is up and answers: docs/running.md
    "Pool services"), then each of its `services:` (`/aggregate/services`); as name, availability and downtime
    per year, each with _low and _high."""
    cols = ["availability", "downtime_per_year_s"]
    services = batch.get("services", pd.DataFrame())
    parts = []
    for r in batch["scenarios"].itertuples():
        row = {"name": f"{r.scenario}/pool services"}
        for c in cols:
            for end in ("", "_low", "_high"):
                row[c + end] = getattr(r, "pool_services_" + c + end)
        parts.append(row)
        if services.empty:
            continue
        for v in services[services.scenario == r.scenario].itertuples():
            row = {"name": f"{v.scenario}/{v.service}"}
            for c in cols:
                for end in ("", "_low", "_high"):
                    row[c + end] = getattr(v, c + end)
            parts.append(row)
    return pd.DataFrame(parts, columns=["name"] + [c + e for c in cols for e in ("", "_low", "_high")])


def plot_services(batch: dict, axes=None):
    """Per service (service_rows): availability and downtime per year, each with its interval."""
    import matplotlib.pyplot as plt

    rows = service_rows(batch)
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(13, 4.5))
    return _intervals(axes, list(rows.name), rows, batch["confidence"])


# --- size files ----------------------------------------------------------------------------------------------

MODE_STYLES = {"simultaneous": dict(color="#d84315", marker="o"), "sequential": dict(color="#1565c0", marker="s")}


def load_size(path: str) -> dict:
    """A size file (`poolsim size --h5`, docs/hdf5-layout.md "Size files") as data frames: planner, by_k,
    left_down, sets, disagreements; and its root attributes under "attrs" (strings decoded)."""
    tables = ("planner", "by_k", "left_down", "sets", "disagreements")
    with _open(path) as f:
        if _text(f.attrs.get("kind", "")) != "size":
            raise PlotError(f"{path}: not a size file (poolsim size --h5): no attribute kind=size")
        try:
            out = {t: _decoded(f[t]) for t in tables}
        except KeyError as e:
            raise PlotError(f"{path}: not a complete size file ({e})") from None
        out["attrs"] = {k: (_text(v) if isinstance(v, (bytes, str)) else v.item() if hasattr(v, "item") else v)
                        for k, v in f.attrs.items()}
    return out


def plot_size(size: dict, axes=None):
    """Per k, crashed at once and one after another: the fraction of the sets run that restored every protected
    VM (left), and the worst and median time from a crash until the last protected VM ran again (right, over the
    restored sets). The planner's max host failures to tolerate is the dotted line; the k it has a plan for
    (all_vms) are shaded."""
    import matplotlib.pyplot as plt

    a = size["attrs"]
    by_k = size["by_k"]
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(13, 4.5))
    max_ntol = int(a["max_host_failures_to_tolerate"])
    planned = size["planner"][size["planner"].plan_status == "all_vms"].k.to_numpy()
    for ax in axes:
        for k in planned:
            ax.axvspan(k - 0.5, k + 0.5, color="#c8e6c9", alpha=0.5, lw=0, zorder=0)
        ax.axvline(max_ntol + 0.5, color="#2e7d32", ls=":", lw=1.2, zorder=1)
    sampled = False
    for mode, style in MODE_STYLES.items():
        rows = by_k[by_k["mode"] == mode]
        if rows.empty:
            continue
        sampled = sampled or bool(rows.sampled.any())
        axes[0].plot(rows.k, rows.restored_fraction * 100, label=mode, **style)
        axes[1].plot(rows.k, rows.worst_s, label=f"{mode}, worst", **style)
        axes[1].plot(rows.k, rows.median_s, label=f"{mode}, median", ls="--", alpha=0.7, **style)
    top = max(int(by_k.k.max()) if not by_k.empty else 1, 1)
    sets = "sampled sets (" + str(a["sample"]) + " per k, seed " + str(a["sample_seed"]) + ")" if sampled \
        else "every set"
    axes[0].set_ylabel("sets restoring every protected VM (%)")
    axes[0].set_ylim(-5, 105)
    axes[0].set_title(f"{a['scenario_name']}: restored fraction per k, {sets}")
    axes[1].set_ylabel("time to the last protected VM running (s)")
    axes[1].set_title("recovery time of the restored sets")
    for ax in axes:
        ax.set_xlabel("k host crashes")
        ax.set_xlim(0.5, top + 0.5)
        ax.set_xticks(range(1, top + 1))
        ax.grid(axis="y", color="#dddddd", lw=0.5)
    axes[0].plot([], [], color="#2e7d32", ls=":", label=f"planner's max ntol = {max_ntol}")
    axes[0].legend(fontsize=8, loc="lower left")
    axes[1].legend(fontsize=8, loc="best")
    axes[0].figure.tight_layout()
    return axes[0].figure
