"""Checks the HDF5 file of `poolsim run --h5` against the same run's text timeline (cli.run).

usage: check_run_h5.py RUN.h5 RUN.timeline SCENARIO.yaml
Exit 0 when they agree, 1 with the differences, 77 when h5py is missing (the caller skips the check).
"""
import sys

try:
    import h5py
except ImportError:
    sys.exit(77)

h5_path, timeline_path, yaml_path = sys.argv[1:4]
problems = []
with open(timeline_path, encoding="utf-8") as t:
    lines = [l.rstrip("\n") for l in t if not l.startswith("#")]
with open(yaml_path, encoding="utf-8") as y:
    yaml_text = y.read()

with h5py.File(h5_path, "r") as f:
    if f.attrs["scenario_name"] != "tutorial-cable-pull":
        problems.append(f"scenario_name {f.attrs['scenario_name']!r}")
    if f.attrs["scenario_yaml"] != yaml_text:
        problems.append("scenario_yaml is not the file's text")
    if int(f.attrs["seed"]) != 1 or float(f.attrs["until_s"]) != 1200.0:
        problems.append(f"seed {f.attrs['seed']} until_s {f.attrs['until_s']}")
    events = f["events"][()]
    if len(events) != len(lines):
        problems.append(f"{len(events)} events, the timeline has {len(lines)} lines")
    for row, line in zip(events, lines):
        fields = line.split(None, 3)
        want = (f"{row['time_s']:.6f}", row["source"].decode(), row["event"].decode(), row["details"].decode())
        got = (fields[0], fields[1], fields[2], fields[3] if len(fields) > 3 else "")
        if want != got:
            problems.append(f"event {want} vs timeline line {got}")
            break
    hosts = sorted(f["hosts"].keys())
    vms = sorted(f["vms"].keys())
    if hosts != ["xenserver-1", "xenserver-2"] or vms != ["ad", "dns"]:
        problems.append(f"hosts {hosts} vms {vms}")
    dns = f["vms/dns/state"][()]
    states = [s.decode() for s in dns["state"]]
    if states[0] != "running" or dns["start_s"][0] != 0.0 or dns["end_s"][-1] != 1200.0 or states[-1] != "running":
        problems.append(f"vms/dns/state {dns}")
    if len(states) < 2 or states[1] != "impaired" or dns["start_s"][1] != 300.0:
        problems.append(f"vms/dns/state: no impaired interval from 300: {dns}")
    x1 = [s.decode() for s in f["hosts/xenserver-1/state"][()]["state"]]
    if x1[0] != "up" or "fenced" not in x1:
        problems.append(f"hosts/xenserver-1/state {x1}")
    summary_vms = {r["name"].decode(): r for r in f["summary/vms"][()]}
    # dns stops serving at 300 (its host's I/O to the SR hangs with both cables out), dies with its fenced host at
    # 357 and runs again at 490 (the new master's first pass at 430, a 60 s boot).
    if abs(summary_vms["dns"]["downtime_s"] - 190.0) > 1e-6 or summary_vms["dns"]["restarts"] != 1:
        problems.append(f"summary/vms dns {summary_vms['dns']}")
    if int(f["summary"].attrs["master_changes"]) != 1:
        problems.append(f"master_changes {f['summary'].attrs['master_changes']}")

for p in problems:
    print("FAIL: run --h5:", p)
sys.exit(1 if problems else 0)
