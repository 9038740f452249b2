#!/usr/bin/env python3
"""recording.h5py_read: a file written by poolsim reads with h5py and pandas alone (docs/hdf5-layout.md).

    read_h5.py WRITE_SAMPLE_H5 OUT.h5

Runs the sample writer, then reads every part of the layout back. Exits 77 (skipped) without h5py or pandas.
"""
import subprocess
import sys

try:
    import h5py
    import pandas as pd
except ImportError as e:
    print(f"skipped: {e} (apt-get install python3-h5py python3-pandas)")
    sys.exit(77)


def text(column):
    """h5py returns variable-length strings inside compound rows as bytes."""
    return [v.decode("utf-8") for v in column]


def check(got, want, what):
    if got != want:
        print(f"FAIL {what}: got {got!r}, want {want!r}")
        sys.exit(1)


writer, path = sys.argv[1], sys.argv[2]
subprocess.run([writer, path], check=True)

with h5py.File(path, "r") as f:
    check(f.attrs["scenario_name"], "tutorial-cable-pull", "scenario_name")
    check(f.attrs["scenario_yaml"], "name: tutorial-cable-pull\nseed: 1\n", "scenario_yaml")
    check(int(f.attrs["seed"]), 1, "seed")
    check(f.attrs["seed"].dtype.name, "uint64", "seed type")
    check(float(f.attrs["until_s"]), 1200.0, "until_s")
    check(bool(f.attrs["poolsim_version"]), True, "poolsim_version present")

    events = pd.DataFrame(f["events"][()])
    check(list(events.columns), ["time_s", "seq", "source", "event", "details"], "event columns")
    check(len(events), 9, "event rows")
    check(events["time_s"].dtype.name, "float64", "time_s type")
    check(events["seq"].dtype.name, "uint64", "seq type")
    check(list(events["seq"]), list(range(9)), "seq")
    for column in ("source", "event", "details"):
        events[column] = text(events[column])
    check(events.iloc[0].to_dict(),
          {"time_s": 300.0, "seq": 0, "source": "xenserver-1/eth0", "event": "link_down", "details": "cause=unplug"},
          "first event")
    check(events.loc[events.event == "master_changed", "details"].tolist(), ["from=xenserver-1 to=xenserver-2"],
          "master_changed details")
    check(f["events"].chunks is not None and f["events"].compression == "gzip", True, "events chunked and deflated")

    def intervals(name):
        table = pd.DataFrame(f[name][()])
        return list(zip(table.start_s, table.end_s, text(table.state)))

    check(intervals("hosts/xenserver-1/state"),
          [(0.0, 360.0, "up"), (360.0, 360.0, "fenced"), (360.0, 540.0, "booting"), (540.0, 1200.0, "up")],
          "xenserver-1 intervals")
    check(intervals("hosts/xenserver-2/state"), [(0.0, 1200.0, "up")], "xenserver-2 intervals")
    check(intervals("vms/dns/state"),
          [(0.0, 360.0, "running"), (360.0, 421.0, "halted"), (421.0, 450.0, "starting"), (450.0, 1200.0, "running")],
          "dns intervals")

    summary = f["summary"]
    check(int(summary.attrs["master_changes"]), 1, "master_changes")
    check(float(summary.attrs["end_s"]), 1200.0, "end_s")
    vms = pd.DataFrame(summary["vms"][()])
    check((text(vms.name), list(vms.downtime_s), list(vms.restarts), text(vms.final_state)),
          (["dns"], [90.0], [1], ["running"]), "summary/vms")
    hosts = pd.DataFrame(summary["hosts"][()])
    check((text(hosts.name), list(hosts.fences)), (["xenserver-1", "xenserver-2"], [1, 0]), "summary/hosts")
    alerts = pd.DataFrame(summary["alerts"][()])
    check((text(alerts.name), list(alerts["count"]), list(alerts.first_s)),
          (["POOL_MASTER_TRANSITION"], [1], [420.0]), "summary/alerts")

print(f"ok: {path} reads with h5py {h5py.__version__} and pandas {pd.__version__}")
