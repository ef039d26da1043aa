#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""soak.py - run `invtrack run` over and over with fresh seeds, for a while.

    soak.py [--invtrack PATH] [--seconds N] [--accesses N] [--out DIR] [--seed S]
            [--run-seconds S]

Rotates every architecture built in, threaded and inline runs, and scenario
shapes (ATS on, off and everywhere; PASIDs; one to four instances; range
invalidation off; more threads; tiny command queues; instance removal and
device hot-unplug in the mix; injected faults when the build has `--faults`),
each run with a new seed drawn from the soak's own seed (printed
first: it replays the soak's sequence of runs).  Adds up the accesses the
oracle checked and the violations it found, and ends with

    soak: ACCESSES checked accesses, VIOLATIONS violations, RUNS runs, SECONDS s

It stops after --seconds, or once --accesses checked accesses were reached
(then --seconds 0 means no time limit).  A run with violations (or, inline, an invalidation that issued more than the
minimum commands) keeps its JSON report and its replay command under
OUT/soak-failures/ and in OUT/soak-failures.txt; so does a run that could
not be done.  Exit status: 0 when every run was clean, 1 otherwise, 2 for bad
arguments.
"""
import argparse
import json
import os
import random
import subprocess
import sys
import time

ARCHS = ['smmuv3', 'vtd', 'riscv']

# (name, options): the shapes rotated through.
SHAPES = [
    ('default', []),
    ('no-ats', ['--ats', '0']),
    ('all-ats-pasids', ['--ats', '1', '--pasids', '16']),
    ('one-instance', ['--instances', '1', '--devices', '4', '--domains', '2']),
    ('wide', ['--instances', '4', '--devices', '32', '--domains', '16', '--pasids', '8']),
    ('no-range-inv', ['--range-inv', 'off']),
    ('busy', ['--cpus', '4', '--dma', '4', '--instances', '3']),
    ('tiny-queues', ['--queue-slots', '4']),
    # With the default scenario's VM: a removal takes the instance's viommu
    # and vdevices away with its driver and builds them again after the probe.
    ('removal', ['--mix', 'map:4,unmap:2,attach:3,detach:1,remove:1,unplug:1,dma:10']),
]


def shape_opts(opts, threaded):
    """A shape's options for this mode: threaded runs take no dma weight,
    inline runs no thread counts."""
    out = []
    i = 0
    while i < len(opts):
        o, v = opts[i], opts[i + 1]
        i += 2
        if not threaded and o in ('--cpus', '--dma'):
            continue
        if threaded and o == '--mix':
            v = ','.join(w for w in v.split(',') if not w.startswith('dma:'))
        out += [o, v]
    return out


def die(msg):
    print('soak: ' + msg, file=sys.stderr)
    sys.exit(2)


def built_archs(exe):
    """The architectures this invtrack accepts."""
    ok = []
    for arch in ARCHS:
        p = subprocess.run([exe, 'run', '--arch', arch, '--print-scenario'],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if p.returncode == 0:
            ok.append(arch)
    return ok


def main():
    ap = argparse.ArgumentParser(description='soak invtrack run with fresh seeds')
    ap.add_argument('--invtrack', default='build/tools/invtrack')
    ap.add_argument('--seconds', type=float, default=60)
    ap.add_argument('--accesses', type=int, default=0,
                    help='stop once this many accesses were checked (0: no such limit)')
    ap.add_argument('--out', default='build/soak')
    ap.add_argument('--seed', type=int, default=None)
    ap.add_argument('--run-seconds', type=float, default=5,
                    help='length of one threaded run (inline runs: also a cap)')
    a = ap.parse_args()
    if a.seconds < 0 or a.run_seconds <= 0 or a.accesses < 0 or \
            (a.seconds == 0 and not a.accesses):
        die('--seconds (or --accesses) and --run-seconds must be positive')
    if not os.access(a.invtrack, os.X_OK):
        die('no invtrack at %s (make build first)' % a.invtrack)
    archs = built_archs(a.invtrack)
    if not archs:
        die('%s runs no architecture' % a.invtrack)
    helptext = subprocess.run([a.invtrack, 'run', '--help'], stdout=subprocess.PIPE,
                              universal_newlines=True).stdout
    faults = '--faults' in helptext
    seed = a.seed if a.seed is not None else int.from_bytes(os.urandom(6), 'little')
    rng = random.Random(seed)
    os.makedirs(a.out, exist_ok=True)
    limit = '%g s' % a.seconds if a.seconds else 'no time limit'
    if a.accesses:
        limit += ' or %d accesses' % a.accesses
    print('soak: seed %d, %s, %s, threaded and inline, %d shapes%s; failures go to %s' %
          (seed, limit, ' '.join(archs), len(SHAPES),
           ', faults on and off' if faults else '', a.out), flush=True)

    start = time.monotonic()
    accesses = violations = runs = bad = 0
    n = 0
    while True:
        left = a.seconds - (time.monotonic() - start) if a.seconds else a.run_seconds
        if left < 0.5 or (a.accesses and accesses >= a.accesses):
            break
        arch = archs[n % len(archs)]
        threaded = (n // len(archs)) % 2 == 0
        shape, opts = SHAPES[(n // (2 * len(archs))) % len(SHAPES)]
        n += 1
        run_seed = rng.getrandbits(63)
        secs = min(a.run_seconds, left)
        args = ['run', '--quiet', '--json', '--arch', arch, '--seed', str(run_seed)] + \
            shape_opts(opts, threaded)
        if threaded:
            args += ['--mode', 'threaded', '--seconds', '%.3f' % secs]
        else:
            args += ['--mode', 'inline', '--ops', '400000', '--seconds', '%.3f' % secs]
        if faults and rng.random() < 0.5:
            args += ['--faults', '0.001']
        p = subprocess.run([a.invtrack] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True)
        runs += 1
        what = '%s %s %s seed %d' % (arch, 'threaded' if threaded else 'inline', shape, run_seed)
        replay = 'invtrack ' + ' '.join(args)
        problem = None
        doc = None
        if p.returncode in (0, 1):
            try:
                doc = json.loads(p.stdout)
            except ValueError:
                problem = 'unreadable report'
        else:
            problem = 'exit %d: %s' % (p.returncode, p.stderr.strip()[-300:])
        if doc is not None:
            accesses += doc['dma']['accesses']
            v = doc['violations']['total']
            violations += v
            replay = doc.get('replay', replay)
            if v:
                problem = '%d violations (%s)' % (v, ', '.join(
                    '%s %d' % (k, doc['violations'][k])
                    for k in ('stale_tlb', 'stale_config', 'wrong_domain', 'isolation')))
            elif not threaded and doc['invalidations']['mismatches']:
                problem = '%d invalidations issued more than the minimum commands' % \
                    doc['invalidations']['mismatches']
        if problem:
            bad += 1
            os.makedirs(os.path.join(a.out, 'soak-failures'), exist_ok=True)
            base = os.path.join(a.out, 'soak-failures', '%s-%s-%d' % (arch, shape, run_seed))
            with open(base + '.json', 'w') as f:
                f.write(p.stdout)
            with open(base + '.stderr', 'w') as f:
                f.write(p.stderr)
            with open(os.path.join(a.out, 'soak-failures.txt'), 'a') as f:
                f.write('%s: %s\n  replay: %s\n' % (what, problem, replay))
            print('soak: FAILED run %d (%s): %s\n  replay: %s' % (runs, what, problem, replay),
                  flush=True)
    elapsed = time.monotonic() - start
    print('soak: %d checked accesses, %d violations, %d runs, %.0f s' %
          (accesses, violations, runs, elapsed))
    if bad:
        print('soak: %d failed runs; seeds and replay commands in %s' %
              (bad, os.path.join(a.out, 'soak-failures.txt')))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
