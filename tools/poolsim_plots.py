"""Plots of poolsim's HDF5 files (docs/hdf5-layout.md), shared by tools/plot-timeline and notebooks/*.ipynb.

    load_run(path)                 a run's file (`poolsim run --h5`) -> Run
    plot_timeline(run, ax=None)    the Gantt chart: a lane per host and per VM coloured by state, faults, alerts,
                                   master changes
    load_batch(path)               a batch file (`poolsim batch --out`) -> dict of pandas data frames
    plot_downtime(batch, ax=None)  per protected VM: the distribution of downtime over runs
    plot_availability(batch, ...)  per protected VM: availability (and downtime per year) with the 95 % intervals
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


class PlotError(Exception):
    """The input is missing or is not the poolsim file that was expected."""


# Colours of the states (docs/hdf5-layout.md "/hosts/<host>/state and /vms/<vm>/state").
HOST_STATE_COLOURS = {"up": "#43a047", "joining": "#81c784", "booting": "#fbc02d", "down": "#e53935",
                      "fenced": "#6a1b9a"}
VM_STATE_COLOURS = {"running": "#81c784", "starting": "#64b5f6", "halted": "#9e9e9e"}
UNKNOWN_STATE_COLOUR = "#000000"

# Timeline tokens that a fault (scripted or random, applied in the fault band) produces, and those of its repair.
FAULT_EVENTS = {"host_crashed", "host_rebooting", "link_down", "switch_down", "array_down", "portal_down",
                "partition", "xapi_hung"}
REPAIR_EVENTS = {"link_up", "switch_up", "array_up", "portal_up", "heal", "xapi_restored"}


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
    except (KeyError, ValueError, TypeError) as e:
        raise PlotError(f"{path}: not a poolsim run file ({e})") from None
    return Run(path=path, scenario_name=name, seed=seed, end_s=end_s, events=events, hosts=hosts, vms=vms)


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
    label = row.event if row.source == "pool" else f"{row.source} {row.event}"
    if row.event == "partition" and "groups" in d:
        label = f"partition {d['groups']}"
    elif row.event in ("link_down", "link_up") and "cause" in d:
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


def plot_timeline(run: Run, ax=None, annotate: int = 16):
    """Draws the Gantt chart of a run on ax (a new figure when None) and returns the figure.

    Lanes from the top: "master" (master changes), one lane per alert name (XenServer's messages), "faults" when
    there are faults and repairs of switches, arrays, portals or the partition (those of a host or its NICs are on
    the host's lane), then one lane per host and one per VM, coloured by state. An empty state (start == end, e.g. `fenced` just before the watchdog reboot) is a
    tick, as is a state other than up/running too short to see at the chart's scale. Fault, repair and
    master-change markers carry text labels when there are at most `annotate` of them.
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    div, unit = time_unit(run.end_s)
    ev = run.events
    hosts = set(run.hosts)
    faults = ev[ev.event.isin(FAULT_EVENTS | REPAIR_EVENTS)]
    owners = [r.split("/")[0] for r in faults.source]
    pool_faults = any(o not in hosts for o in owners)
    alerts = ev[ev.event == "alert"].copy()
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

    def bars(lane, df, colours):
        for r in df.itertuples():
            colour = colours.get(r.state, UNKNOWN_STATE_COLOUR)
            # A state too short to see at this scale (a VM's minutes of downtime in a year) is drawn as a tick,
            # unless it is the normal one (up, running).
            visible = (r.end_s - r.start_s) >= 0.002 * run.end_s or r.state in ("up", "running")
            if r.end_s > r.start_s and visible:
                ax.broken_barh([(r.start_s / div, (r.end_s - r.start_s) / div)], (y[lane] - 0.35, 0.7),
                               facecolors=colour, edgecolors="none")
            else:  # a state that lasted no time (or too short to see): a tick across the lane
                ax.plot([r.start_s / div] * 2, [y[lane] - 0.45, y[lane] + 0.45], color=colour, lw=2.5,
                        solid_capstyle="butt", zorder=3)

    for h, df in run.hosts.items():
        bars(f"host {h}", df, HOST_STATE_COLOURS)
    for v, df in run.vms.items():
        bars(f"vm {v}", df, VM_STATE_COLOURS)

    n_marks = len(set(zip(faults.source.str.split("/").str[0], faults.time_s)))
    labelled = n_marks <= annotate
    for kind, marker, colour in (("fault", "X", "#d50000"), ("repair", "P", "#00897b")):
        rows = faults[faults.event.isin(FAULT_EVENTS if kind == "fault" else REPAIR_EVENTS)]
        labels = {}  # (lane, time) -> labels of the markers drawn there
        for r in rows.itertuples():
            owner, _, part = r.source.partition("/")
            lane = f"host {owner}" if owner in hosts else "faults"
            label = _fault_label(r)
            if lane != "faults":  # on the host's lane: "eth0 link_down (unplug)", or "host_crashed"
                label = label[len(owner):].lstrip("/ ")
            labels.setdefault((lane, r.time_s), []).append(label)
            if kind == "fault":
                ax.axvline(r.time_s / div, color=colour, lw=0.6, ls=":", alpha=0.5, zorder=1)
        for (lane, t), texts in labels.items():
            ax.scatter(t / div, y[lane], marker=marker, s=70, color=colour, edgecolors="white", linewidths=0.6,
                       zorder=5)
            if labelled:
                right = t > 0.7 * run.end_s
                ax.annotate(_merge_labels(texts), (t / div, y[lane]),
                            xytext=(-5 if right else 5, 7 if kind == "fault" else -12), textcoords="offset points",
                            ha="right" if right else "left", fontsize=7, color=colour, zorder=6,
                            bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.8))

    for a in alert_names:
        times = alerts[alerts.name == a].time_s / div
        ax.scatter(times, [y[f"alert {a}"]] * len(times), marker="^", s=60, color="#ff6f00", zorder=5)

    masters = ev[ev.event == "master_changed"]
    for r in masters.itertuples():
        d = _details(r.details)
        if d.get("from") == d.get("to"):
            continue
        ax.scatter(r.time_s / div, y["master"], marker="D", s=50, color="#1565c0", zorder=5)
        ax.axvline(r.time_s / div, color="#1565c0", lw=0.8, ls="--", alpha=0.6, zorder=1)
        if len(masters) <= annotate:
            ax.annotate(f"{d.get('from', '?')} → {d.get('to', '?')}", (r.time_s / div, y["master"]),
                        xytext=(5, 6), textcoords="offset points", fontsize=7, color="#0d47a1")

    ax.set_yticks(range(len(lanes)))
    ax.set_yticklabels(lanes)
    ax.set_ylim(len(lanes) - 0.4, -0.6)
    ax.set_xlim(0, run.end_s / div)
    ax.set_xlabel(f"simulated time ({unit})")
    ax.grid(axis="x", color="#dddddd", lw=0.5)
    ax.set_axisbelow(True)
    for sep in (n_top - 0.5, n_top - 0.5 + len(run.hosts)):
        ax.axhline(sep, color="#888888", lw=0.6)
    ax.set_title(f"{run.scenario_name} (seed {run.seed}): hosts, VMs, faults, alerts and master changes")

    present_host = {s for df in run.hosts.values() for s in df.state}
    present_vm = {s for df in run.vms.values() for s in df.state}
    handles = [Patch(color=c, label=f"host {s}") for s, c in HOST_STATE_COLOURS.items()
               if s in present_host or s in ("up", "down")]
    handles += [Patch(color=c, label=f"vm {s}") for s, c in VM_STATE_COLOURS.items()
                if s in present_vm or s in ("running", "halted")]
    handles += [Line2D([], [], ls="none", marker="X", color="#d50000", markersize=8, label="fault"),
                Line2D([], [], ls="none", marker="P", color="#00897b", markersize=8, label="repair"),
                Line2D([], [], ls="none", marker="^", color="#ff6f00", markersize=8, label="alert"),
                Line2D([], [], ls="--", marker="D", color="#1565c0", markersize=6, label="master change")]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


# --- batch files ---------------------------------------------------------------------------------------------

def load_batch(path: str) -> dict:
    """A batch file (`poolsim batch --out`) as data frames: runs, run_vms, run_hosts, scenarios, vms."""
    tables = {"runs": "runs/summary", "run_vms": "runs/vms", "run_hosts": "runs/hosts",
              "scenarios": "aggregate/scenarios", "vms": "aggregate/vms"}
    with _open(path) as f:
        if _text(f.attrs.get("kind", "")) != "batch":
            raise PlotError(f"{path}: not a batch file (poolsim batch --out): no attribute kind=batch")
        try:
            out = {k: _decoded(f[p]) for k, p in tables.items()}
        except KeyError as e:
            raise PlotError(f"{path}: not a complete batch file ({e})") from None
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


def plot_availability(batch: dict, axes=None):
    """Per protected VM: availability and downtime per year, each with its interval (docs/running.md)."""
    import matplotlib.pyplot as plt

    vms = batch["vms"]
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(13, 4.5))
    names = [f"{r.scenario}/{r.vm}" for r in vms.itertuples()]
    x = np.arange(len(vms))
    conf = round(batch["confidence"] * 100)
    for ax, col, scale, label in ((axes[0], "availability", 100.0, "availability (%)"),
                                  (axes[1], "downtime_per_year_s", 1 / 60.0, "downtime per year (min)")):
        mid = vms[col].to_numpy() * scale
        low = vms[f"{col}_low"].to_numpy() * scale
        high = vms[f"{col}_high"].to_numpy() * scale
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
