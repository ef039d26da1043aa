#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Commands and waits per invalidation, on the three architectures, for the
same workload, next to what each architecture's Linux driver policy would
issue for the same arrays.  Prints a Markdown table (docs/comparison.md).

    bench/compare.py [INVTRACK] [-- extra invtrack run options]

Every number comes from `invtrack run --json` runs made here; nothing is
estimated.  The workloads are inline (deterministic): the same seed gives
the same table.
"""
import json
import subprocess
import sys

ARCHS = ['smmuv3', 'vtd', 'riscv']
WORKLOADS = [
    ('default: 2 instances, 8 devices, half with ATS', []),
    ('no ATS', ['--ats', '0']),
    ('range invalidation off (no RIL / PSI / NAPOT)', ['--range-inv', 'off']),
    ('4 instances, 16 devices, half with ATS', ['--instances', '4', '--devices', '16']),
]


def run(exe, arch, extra):
    args = [exe, 'run', '--mode', 'inline', '--ops', '200000', '--seed', '1', '--arch', arch,
            '--json'] + extra
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    if p.returncode not in (0, 1):
        sys.exit('compare.py: %s: %s' % (' '.join(args), p.stderr.decode()))
    return json.loads(p.stdout)


def main():
    argv = sys.argv[1:]
    extra = []
    if '--' in argv:
        extra = argv[argv.index('--') + 1:]
        argv = argv[:argv.index('--')]
    exe = argv[0] if argv else 'build/tools/invtrack'
    print('| workload | arch | invalidations | commands / inv. | waits / inv. '
          '| modelled p50 | Linux commands / inv. | Linux waits / inv. | violations |')
    print('|---|---|---:|---:|---:|---:|---:|---:|---:|')
    for name, wl in WORKLOADS:
        for arch in ARCHS:
            r = run(exe, arch, wl + extra)
            inv = r['invalidations']
            n = inv['count'] or 1
            lp = inv['linux_policy']
            print('| %s | %s | %d | %.2f | %.2f | %d ns | %.2f | %.2f | %d |' % (
                name, arch, inv['count'], inv['commands'] / n, inv['waits'] / n,
                inv['modelled_ns']['p50'], lp['commands'] / n, lp['waits'] / n,
                r['violations']['total']))


if __name__ == '__main__':
    main()
