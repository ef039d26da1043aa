#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Run the benchmarks and draw docs/perf/*.png (make bench-report).

    bench/report.py BUILD_DIR OUT_DIR

BUILD_DIR holds a release build (bench/fastpath, bench/peers, bench/scaling,
tools/invtrack); OUT_DIR receives fastpath.png, peers.png, scaling.png,
latency.png and the JSON they were drawn from, and the headline ratios are
printed as Markdown.  Timings come from this machine, now: on a shared machine
read the ratios, not the nanoseconds.
"""
import json
import os
import subprocess
import sys

import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402

from latency import latency  # noqa: E402  (bench/latency.py: make bench prints it too)


def run_json(args):
    p = subprocess.run(args, stdout=subprocess.PIPE, check=False)
    if p.returncode not in (0, 1):
        sys.exit('report.py: %s failed (%d)' % (' '.join(args), p.returncode))
    return json.loads(p.stdout)


def fastpath_plot(fp, out):
    fig, ax = plt.subplots(figsize=(7, 4))
    for label, style in (('off', '-'), (None, '--')):
        cases = [c for c in fp['cases'] if (c['churn_label'] == 'off') == (label == 'off')]
        if not cases:
            continue
        name = cases[0]['churn_label']
        x = [c['entries'] for c in cases]
        # Paired: the median of per-repetition ratios (bench/fastpath.c says why).
        ax.plot(x, [c['ratio_paired'] for c in cases], 'o' + style,
                label='vs plain walk, churn=' + name)
        ax.plot(x, [c['ratio_mb_paired'] for c in cases], 's' + style,
                label='vs plain walk + full barrier, churn=' + name)
    ax.axhline(1.0, color='grey', linewidth=0.8)
    ax.set_xscale('log', base=2)
    ax.set_xlabel('entries in the domain\'s array')
    ax.set_ylabel('invtrack time / bound')
    ax.set_title('Fast path against its lower bounds (lower is better)')
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(out, 'fastpath.png'), dpi=110)


def peers_plot(pr, out):
    combos = [(t, c) for t in (1, 2) for c in ('off', '100k', 'max')]
    fig, axes = plt.subplots(2, 3, figsize=(13, 7), sharex=True)
    designs = []
    for r in pr['rows']:
        if r['design'] not in designs:
            designs.append(r['design'])
    for ax, (t, c) in zip(axes.flat, combos):
        for d in designs:
            rows = [r for r in pr['rows'] if r['design'] == d and r['threads'] == t and
                    r['churn'] == c]
            ax.plot([r['entries'] for r in rows], [r['inv_ns'] for r in rows], 'o-',
                    label=d, linewidth=2.5 if d == 'invtrack' else 1.2)
        ax.set_xscale('log', base=2)
        ax.set_yscale('log')
        ax.set_title('threads=%d churn=%s' % (t, c), fontsize=9)
        ax.set_xlabel('entries')
        ax.set_ylabel('ns per invalidation and thread')
    axes.flat[0].legend(fontsize=7)
    fig.suptitle('invtrack and Linux\'s designs, same commands, same backend (lower is better)')
    fig.tight_layout()
    fig.savefig(os.path.join(out, 'peers.png'), dpi=110)


def scaling_plot(sc, out):
    fig, ax = plt.subplots(figsize=(7, 4))
    x = [c['entries'] for c in sc['cases']]
    ax.plot(x, [c['pair_ns_p50'] for c in sc['cases']], 'o-', label='p50')
    ax.plot(x, [c['pair_ns_p99'] for c in sc['cases']], 's--', label='p99')
    ax.set_xscale('log', base=2)
    ax.set_yscale('log')
    ax.set_xlabel('entries in the domain\'s array')
    ax.set_ylabel('ns per attach+detach')
    ax.set_title('Attach+detach cost against array size (merge is linear)')
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(out, 'scaling.png'), dpi=110)


def latency_plot(rows, out):
    fig, ax = plt.subplots(figsize=(7, 4))
    k = [r['instances'] for r in rows]
    ax.plot(k, [r['serial_ns'] / r['count'] for r in rows], 'o--', label='waits one after another')
    ax.plot(k, [r['overlap_ns'] / r['count'] for r in rows], 's-',
            label='waits overlapped (invtrack)')
    ax.set_xlabel('instances K (one domain on all of them)')
    ax.set_ylabel('modelled ns per invalidation (mean)')
    ax.set_title('Modelled invalidation latency, SMMUv3 model, default costs')
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(out, 'latency.png'), dpi=110)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    build, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    # Thread CPU time: time preempted by other processes does not count (fastpath.c).
    fp = run_json([os.path.join(build, 'bench/fastpath'), '--json', '--clock', 'cpu'])
    # CPU time too: with 2 threads it leaves out time asleep in a lock (peers.c says so).
    pr = run_json([os.path.join(build, 'bench/peers'), '--json', '--clock', 'cpu'])
    sc = run_json([os.path.join(build, 'bench/scaling'), '--json'])
    lat = latency(os.path.join(build, 'tools/invtrack'))
    with open(os.path.join(out, 'results.json'), 'w') as f:
        json.dump({'fastpath': fp, 'peers': pr, 'scaling': sc, 'latency': lat}, f, indent=1)
    fastpath_plot(fp, out)
    peers_plot(pr, out)
    scaling_plot(sc, out)
    latency_plot(lat, out)

    print('| entries | threads | churn | best peer | invtrack vs best |')
    print('|---:|---:|---|---|---:|')
    for r in pr['ratios']:
        print('| %d | %d | %s | %s | %.2f |' % (r['entries'], r['threads'], r['churn'],
                                              r['best_peer'], r['invtrack_vs_best']))
    print()
    print('| entries | churn | ratio_paired | ratio_mb_paired |')
    print('|---:|---|---:|---:|')
    for c in fp['cases']:
        print('| %d | %s | %.2f | %.2f |' % (c['entries'], c['churn_label'], c['ratio_paired'],
                                             c['ratio_mb_paired']))
    print()
    print('| instances | serial / overlapped |')
    print('|---:|---:|')
    for r in lat:
        print('| %d | %.2f |' % (r['instances'], r['serial_ns'] / max(r['overlap_ns'], 1)))


if __name__ == '__main__':
    main()
