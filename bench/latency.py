#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Modelled invalidation latency against the number of instances (make bench).

    bench/latency.py INVTRACK [--json]

Runs `INVTRACK run` (the CLI of a release build) on the SMMUv3 model, inline,
seed 1, with one domain on K = 1, 2, 4, 8, 16 instances (2K devices, half
with ATS), and prints per K the model's mean latency of an invalidation when
the instances' waits are overlapped (invtrack: every instance's commands are
submitted, then waited for together) and when they are serial (each
instance's batch waited for before the next is built), from the model's
`invalidations.modelled_overlap_ns` and `modelled_serial_ns`:

    latency instances=K invalidations=N serial_ns_mean=S overlap_ns_mean=O serial_over_overlap=R

R approaches K when the waits dominate.  Modelled times are deterministic
(the same seed gives the same numbers), not measured: no machine noise.
Standard library only; bench/report.py draws latency.png from the same rows.
"""
import json
import subprocess
import sys

INSTANCES = [1, 2, 4, 8, 16]    # invtrack run takes 1..16 instances


def latency(invtrack):
    rows = []
    for k in INSTANCES:
        args = [invtrack, 'run', '--arch', 'smmuv3', '--mode', 'inline', '--ops', '100000',
                '--seed', '1', '--instances', str(k), '--devices', str(2 * k),
                '--domains', '1', '--ats', '0.5', '--json']
        p = subprocess.run(args, stdout=subprocess.PIPE, check=False)
        if p.returncode not in (0, 1):
            sys.exit('latency.py: %s failed (%d)' % (' '.join(args), p.returncode))
        inv = json.loads(p.stdout)['invalidations']
        rows.append({'instances': k, 'serial_ns': inv['modelled_serial_ns'],
                     'overlap_ns': inv['modelled_overlap_ns'], 'count': inv['count']})
    return rows


def main():
    args = sys.argv[1:]
    as_json = '--json' in args
    args = [a for a in args if a != '--json']
    if len(args) != 1:
        sys.exit(__doc__)
    rows = latency(args[0])
    if as_json:
        print(json.dumps({'benchmark': 'latency', 'rows': rows}))
        return
    for r in rows:
        n = max(r['count'], 1)
        print('latency instances=%d invalidations=%d serial_ns_mean=%.0f overlap_ns_mean=%.0f '
              'serial_over_overlap=%.2f' % (r['instances'], r['count'], r['serial_ns'] / n,
                                            r['overlap_ns'] / n,
                                            r['serial_ns'] / max(r['overlap_ns'], 1)))


if __name__ == '__main__':
    main()
