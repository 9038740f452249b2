#!/usr/bin/python3
"""Writes a large, valid poolsim scenario: the pool of the performance benchmarks (docs/performance.md).

usage: tools/gen-large-pool.py HOSTS VMS UNTIL > scenarios/large-pool-HOSTSh-VMSvm.yaml

Hosts have two NICs in an active-backup bond, one to each of two stacked switches; one iSCSI SR with two
portals is shared by all and holds the heartbeat; VMs of 1-8 GiB are spread round-robin with a mix of HA plans.
Random faults: host crashes, NIC unplugs, switch failures and array failures with typical MTBFs. The output
depends only on the arguments (no randomness here: the simulation draws the faults from its seed).
"""
import sys


def main() -> int:
    if len(sys.argv) != 4:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    hosts, vms, until = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    out = []
    w = out.append
    w(f"name: large-pool-{hosts}h-{vms}vm")
    w("description: >")
    w(f"  Benchmark pool (tools/gen-large-pool.py {hosts} {vms} {until}): {hosts} hosts, {vms} VMs, random faults.")
    w("seed: 1")
    w(f"until: {until}")
    w("pool:")
    w("  switches:")
    w("    - {name: sw-a, links: [sw-b]}")
    w("    - {name: sw-b}")
    w("  storage:")
    w("    - {name: sr, type: iscsi, size: 4TiB, portals: [{name: tgt-a, switch: sw-a}, {name: tgt-b, switch: sw-b}]}")
    w("  networks:")
    w("    - {name: lan}")
    w("  hosts:")
    memory_gib = max(64, (vms * 5 // hosts) * 2)  # room for twice the average load
    for h in range(hosts):
        master = ", master: true" if h == 0 else ""
        w(f"    - {{name: h{h:02d}{master}, memory: {memory_gib}GiB, cpus: 32,"
          " nics: [{name: eth0, switch: sw-a}, {name: eth1, switch: sw-b}],"
          " bonds: [{name: bond0, members: [eth0, eth1], mode: active_backup}],"
          " management: bond0, pif_networks: {lan: bond0}}")
    w("  vms:")
    plans = ["restart", "restart", "best_effort", "do_not_restart"]
    for v in range(vms):
        memory = 1 + (v * 7) % 8
        plan = plans[v % len(plans)]
        ha = f"{{restart_priority: {plan}, order: {v % 3}}}"
        w(f"    - {{name: vm{v:04d}, memory: {memory}GiB, vcpus: 2, host: h{v % hosts:02d}, disks: [sr],"
          f" networks: [lan], ha: {ha}}}")
    w("  ha: {enabled: true, heartbeat_sr: sr, timeout: 60s, host_failures_to_tolerate: 1}")
    w("random_faults:")
    w("  - {target: hosts, do: crash, mtbf: 90d, repair: {distribution: lognormal, median: 4h, p95: 24h}}")
    w("  - {target: nics, do: unplug, mtbf: 2y, repair: {distribution: exponential, mean: 8h}}")
    w("  - {target: switches, do: switch_fail, mtbf: 5y, repair: {distribution: weibull, shape: 1.5, scale: 6h}}")
    w("  - {target: storage, do: storage_fail, mtbf: 10y, repair: {distribution: fixed, value: 2h}}")
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
