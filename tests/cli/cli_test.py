#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Tests of the invtrack command, one check per invocation.

    cli_test.py fail INVTRACK EXPECT [ARG...]   `invtrack run ARG...` is bad input
    cli_test.py CHECK INVTRACK [PATH...]        one of the checks below

Exit status 0 passes, 77 skips (meson), anything else fails with a message.
"""
import json
import os
import pty
import re
import select
import signal
import subprocess
import sys
import tempfile
import time

# Short, deterministic runs.
INLINE = ['--mode', 'inline', '--ops', '20000']


def die(msg):
    print('FAIL: ' + msg)
    sys.exit(1)


def run(exe, *args):
    p = subprocess.run([exe] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       stdin=subprocess.DEVNULL, timeout=120)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def expect_rc(what, rc, want, out, err):
    if rc != want:
        die('%s: exit %d, expected %d\nstdout:\n%s\nstderr:\n%s' % (what, rc, want, out, err))


def check_fail(exe, expect, args):
    """Bad input: exit 2, nothing on stdout, one line on stderr naming the problem."""
    rc, out, err = run(exe, 'run', *args)
    expect_rc('invtrack run ' + ' '.join(args), rc, 2, out, err)
    if out:
        die('stdout is not empty: %r' % out)
    lines = err.splitlines()
    if len(lines) != 1 or not err.endswith('\n'):
        die('stderr is not exactly one line: %r' % err)
    if not lines[0].startswith('invtrack: '):
        die('message does not start with "invtrack: ": %r' % lines[0])
    if expect not in lines[0]:
        die('message %r does not contain %r' % (lines[0], expect))
    print('ok: exit 2: ' + lines[0])


def check_clean(exe):
    """A clean inline run: exit 0, a text report, nothing on stderr (not a terminal)."""
    rc, out, err = run(exe, 'run', *INLINE, '--seed', '42')
    expect_rc('clean inline run', rc, 0, out, err)
    if err:
        die('stderr is not empty without a terminal: %r' % err)
    for want in [r'seed 42\b', r'\b\d+ accesses checked by the oracle',
                 r'saved \S+ \S+ of modelled', r'violations: none',
                 r'commands consumed by the SMMUv3 units: \d+', r'CMD_SYNC\s+\d+',
                 r'minimum for the range policy \d+ \(exact\)']:
        if not re.search(want, out):
            die('text report lacks /%s/:\n%s' % (want, out))
    for unwanted in ['replay:', 'STALE_', 'WRONG_DOMAIN:', 'interrupted']:
        if unwanted in out:
            die('clean report mentions %r:\n%s' % (unwanted, out))
    m = re.search(r'(\d+) accesses checked by the oracle', out)
    if int(m.group(1)) == 0:
        die('no access was checked')
    # The inline command stream is a function of the seed: the same report twice.
    rc2, out2, _ = run(exe, 'run', *INLINE, '--seed', '42', '--json')
    rc3, out3, _ = run(exe, 'run', *INLINE, '--seed', '42', '--json')
    a, b = json.loads(out2), json.loads(out3)
    for k in ['ops', 'dma', 'commands_by_type']:
        if a[k] != b[k]:
            die('same seed, different %s: %s vs %s' % (k, a[k], b[k]))
    if a['dma']['accesses'] != int(m.group(1)):
        die('text and JSON disagree on accesses')
    print('ok: clean run, %s accesses checked' % m.group(1))


def check_replay(exe):
    """An inline run stopped by time replays exactly with the --ops its report prints."""
    rc, out, err = run(exe, 'run', '--mode', 'inline', '--seconds', '0.3', '--json')
    expect_rc('inline --seconds 0.3', rc, 0, out, err)
    a = json.loads(out)
    replay = a['replay'].split()
    if replay[:2] != ['invtrack', 'run'] or '--seconds' in replay or \
            replay[replay.index('--ops') + 1] != str(a['ops']['total']):
        die('replay of a time-limited inline run: %r (%d ops)' % (a['replay'], a['ops']['total']))
    rc, out, err = run(exe, *replay[1:], '--json')
    expect_rc(a['replay'], rc, 0, out, err)
    b = json.loads(out)
    for k in ['ops', 'dma', 'commands_by_type', 'violations']:
        if a[k] != b[k]:
            die('replay differs in %s: %s vs %s' % (k, a[k], b[k]))
    if a['invalidations']['modelled_ns'] != b['invalidations']['modelled_ns']:
        die('replay differs in modelled time')
    rc, out, err = run(exe, 'run', '--mode', 'inline', '--seconds', '0.2')
    m = re.search(r'^exact replay: invtrack run (.*--ops \d+)$', out, re.M)
    if rc or not m:
        die('no exact replay line in the text report:\n' + out)
    print('ok: %s reproduces the time-limited run' % a['replay'])


def caught(pid, sig):
    """Whether process @pid has a handler for @sig (False where /proc cannot say)."""
    try:
        with open('/proc/%d/status' % pid) as f:
            for line in f:
                if line.startswith('SigCgt:'):
                    return bool(int(line.split()[1], 16) >> (sig - 1) & 1)
    except OSError:
        pass
    return False


def check_interrupt(exe):
    """SIGINT stops a run cleanly: a partial report, exit status 130 (invtrack(1))."""
    for args in [['--seconds', '60'], ['--mode', 'inline', '--seconds', '60', '--json']]:
        p = subprocess.Popen([exe, 'run', *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             stdin=subprocess.DEVNULL)
        # Once the handler is in place (Linux shows it in /proc), and the load runs.
        deadline = time.time() + 30
        while time.time() < deadline and not caught(p.pid, signal.SIGINT):
            time.sleep(0.05)
        time.sleep(3)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=max(1, deadline - time.time()))
        out, err = out.decode(), err.decode()
        expect_rc('SIGINT during ' + ' '.join(args), p.returncode, 130, out, err)
        if '--json' in args:
            doc = json.loads(out)
            if not doc['stopped']['interrupted'] or doc['ops']['total'] == 0:
                die('JSON of an interrupted run: %s, %s' % (doc['stopped'], doc['ops']))
            if doc['elapsed_seconds'] > 30:
                die('SIGINT did not stop the run')
        elif not re.search(r'^ran [\d.]+ s, \d+ operations \(interrupted: a partial report\)$',
                           out, re.M) or 'violations: none' not in out:
            die('no partial report after SIGINT:\n' + out)
    print('ok: SIGINT prints a partial report and exits 130')


def check_ats(exe):
    """The devices built with ATS: a non-zero share is at least one device; reports say it."""
    for args, want in [(['--ats', '0.1'], 1), (['--devices', '1', '--ats', '0.1'], 1),
                       (['--ats', '0'], 0), ([], 4), (['--ats', '1'], 8),
                       (['--devices', '64', '--ats', '0.1'], 6)]:
        rc, out, err = run(exe, 'run', *INLINE, '--ops', '2000', *args, '--json')
        expect_rc('--ats ' + ' '.join(args), rc, 0, out, err)
        got = json.loads(out)['system']['ats_devices']
        if got != want:
            die('%s: %d devices with ATS, expected %d' % (' '.join(args), got, want))
    rc, out, err = run(exe, 'run', *INLINE, '--ats', '0.1')
    if not re.search(r'8 devices: 1 with ATS \(--ats 0\.1\)', out):
        die('the text report does not count the ATS devices:\n' + out)
    print('ok: ATS devices counted, a non-zero share gets one')


def check_mix(exe):
    """--mix weighs the operations: what is not weighed is not done; inline stays exact."""
    def go(*args):
        rc, out, err = run(exe, 'run', *INLINE, '--json', *args)
        expect_rc(' '.join(args), rc, 0, out, err)
        return json.loads(out)
    base = go()
    churn = go('--mix', 'map:1,unmap:1,attach:1,detach:1')
    # Without DMA operations only the model's own probes (ATC refill attempts after an
    # invalidation, inline re-checks) access memory.
    dma = lambda r: r['dma']['accesses']
    if dma(churn) * 5 > dma(base):
        die('no dma weight, but %s against %s' % (churn['dma'], base['dma']))
    if not all(churn['ops'][k] for k in ('map', 'unmap', 'attach', 'detach', 'replace')):
        die('an operation with weight 1 was never done: %s' % churn['ops'])
    nodetach = go('--mix', 'map:4,unmap:2,attach:3,dma:20')
    if nodetach['ops']['detach'] or not nodetach['dma']['accesses']:
        die('detach:0 still detached, or dma:20 did no DMA: %s' % nodetach['ops'])
    if nodetach['invalidations']['mismatches']:
        die('a mix broke the exact minimum')
    heavy = go('--mix', 'map:4,unmap:4,attach:1,detach:1,dma:10', '--seed', '3')
    again = go('--mix', 'map:4,unmap:4,attach:1,detach:1,dma:10', '--seed', '3')
    if heavy['commands_by_type'] != again['commands_by_type']:
        die('same mix and seed, different commands')
    if heavy['scenario']['mix'] != 'map:4,unmap:4,attach:1,detach:1,dma:10' or \
            base['scenario']['mix'] != 'default':
        die('the report does not give the mix: %s' % heavy['scenario']['mix'])
    # abort alone, as an option and as the scenario key: only aborted attaches.
    aborts = go('--mix', 'abort:1')
    others = [k for k in ('map', 'unmap', 'attach', 'detach', 'replace', 'remove', 'unplug')
              if aborts['ops'][k]]
    if not aborts['ops']['abort'] or others or aborts['scenario']['mix'] != \
            'map:0,unmap:0,attach:0,detach:0,abort:1,dma:0':
        die('--mix abort:1: %s, mix %s' % (aborts['ops'], aborts['scenario']['mix']))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'abort.scn')
        with open(path, 'w') as f:
            f.write('mode = inline\nops = 2000\nmix = abort:2\n')
        rc, out, err = run(exe, 'run', '--scenario', path)
        expect_rc('mix = abort:2', rc, 0, out, err)
        m = re.search(r'  map 0  unmap 0  attach 0  detach 0  replace 0  abort (\d+) ', out)
        if not m or int(m.group(1)) == 0:
            die('mix = abort:2: the report counts no aborts:\n' + out)
    print('ok: --mix: %d unmaps weighed 4 against %d by default; abort alone: %d aborts' %
          (heavy['ops']['unmap'], base['ops']['unmap'], aborts['ops']['abort']))


def check_threaded(exe):
    """A short threaded run is clean too, and stops at its time limit."""
    rc, out, err = run(exe, 'run', '--seconds', '1', '--json')
    expect_rc('threaded run', rc, 0, out, err)
    r = json.loads(out)
    if r['scenario']['mode'] != 'threaded' or r['scenario']['ops'] != 0:
        die('not a threaded time-limited run: %s' % r['scenario'])
    # Not before the limit; after it only as late as a loaded machine may make it
    # (stopping the threads): the bound catches a run that ignored the limit.
    if not 0.9 <= r['elapsed_seconds'] < 60:
        die('asked for 1 s, ran %s s' % r['elapsed_seconds'])
    if r['violations']['total'] or r['dma']['accesses'] == 0:
        die('threaded run: %s violations, %s accesses' %
            (r['violations']['total'], r['dma']['accesses']))
    print('ok: threaded 1 s run, %d accesses' % r['dma']['accesses'])


def print_scenario(exe, *args):
    rc, out, err = run(exe, 'run', *args, '--print-scenario')
    expect_rc('--print-scenario ' + ' '.join(args), rc, 0, out, err)
    return out


def scenario_dict(text):
    d = {}
    for line in text.splitlines():
        line = line.split('#', 1)[0].strip()
        if line:
            k, v = [x.strip() for x in line.split('=', 1)]
            d[k] = v
    return d


def check_roundtrip(exe):
    """--print-scenario read back with --scenario prints the same scenario."""
    with tempfile.TemporaryDirectory() as tmp:
        for args in [[], ['--instances', '3', '--ats', '0.25', '--pasids', '1', '--mode', 'threaded',
                          '--ops', '5000', '--seconds', '2.5', '--seed', '18446744073709551615',
                          '--range-inv', 'off', '--dma', '0', '--mix', 'unmap:3,map:2',
                          '--smmu-tables', '2lvl']]:
            first = print_scenario(exe, *args)
            path = os.path.join(tmp, 'scn')
            with open(path, 'w') as f:
                f.write(first)
            second = print_scenario(exe, '--scenario', path)
            if first != second:
                die('round trip differs:\n%s\n---\n%s' % (first, second))
        d = scenario_dict(print_scenario(exe))
        want = {'arch': 'smmuv3', 'instances': '2', 'devices': '8', 'ats': '0.5', 'pasids': '4',
                'domains': '6', 'cpus': '2', 'dma': '2', 'mix': 'default', 'seconds': '10',
                'ops': '0', 'seed': '1', 'mode': 'threaded', 'range-inv': 'on',
                'iotlb-tags': 'device', 'oas': '48', 'smmu-tables': 'linear',
                'vms': '1', 'viommu': 'on', 'queue-slots': '256', 'faults': '0',
                'cost': 'none', 'ablate': 'none', 'delays': 'off'}
        if d != want:
            die('default scenario is %s, expected %s' % (d, want))
    print('ok: round trip, default scenario as documented')


def check_smmu_tables(exe):
    """--smmu-tables: the table formats the SMMUs offer reach the model and the driver (a
    two-level stream table both sides walk: stage-1 and stage-2 translations, no C_BAD_STE or
    C_BAD_CD), the text and JSON reports and the replay line say which; linear by default."""
    runs = {}
    for tables in ('linear', '2lvl'):
        args = INLINE + ['--seed', '3'] + (['--smmu-tables', tables] if tables != 'linear' else [])
        rc, out, err = run(exe, 'run', *args, '--json')
        expect_rc('--smmu-tables ' + tables, rc, 0, out, err)
        doc = json.loads(out)
        dma = doc['dma']
        if doc['scenario']['smmu_tables'] != tables:
            die('--smmu-tables %s: the report says %r' % (tables, doc['scenario']['smmu_tables']))
        if doc['violations']['total'] or dma['c_bad_ste'] or dma['c_bad_cd'] or \
                dma['illegal_config']:
            die('--smmu-tables %s: violations or bad configurations: %s, %s' %
                (tables, doc['violations'], dma))
        if not dma['stage1_translations'] or not dma['stage2_translations']:
            die('--smmu-tables %s: no stage-1 or stage-2 translation: %s' % (tables, dma))
        if ('--smmu-tables 2lvl' in doc['replay']) != (tables == '2lvl'):
            die('--smmu-tables %s: replay line %r' % (tables, doc['replay']))
        runs[tables] = dma
        rc, out, err = run(exe, 'run', *args)
        expect_rc('--smmu-tables ' + tables + ' (text)', rc, 0, out, err)
        want = 'two-level tables' if tables == '2lvl' else 'linear tables'
        if want not in out:
            die('--smmu-tables %s: the text report lacks %r:\n%s' % (tables, want, out))
    # The same seed drives the same load: the table format changes no translation.
    if runs['linear'] != runs['2lvl']:
        die('same seed, other DMA results with two-level tables: %s vs %s' %
            (runs['linear'], runs['2lvl']))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'scn')
        with open(path, 'w') as f:
            f.write('smmu_tables = 2lvl\n')
        d = scenario_dict(print_scenario(exe, '--scenario', path))
        if d['smmu-tables'] != '2lvl':
            die('scenario key smmu_tables = 2lvl: %s' % d)
    print('ok: --smmu-tables linear and 2lvl, %d and %d accesses, clean' %
          (runs['linear']['accesses'], runs['2lvl']['accesses']))


def check_vms(exe):
    """--vms / --viommu (one VM by default): nested accesses checked on both stages, the guests' invalidations
    through viommus (or straight to the queues), in the JSON and text reports, the replay line
    and the trace; clean on every architecture."""
    seen = []
    for arch in ('smmuv3', 'vtd', 'riscv'):
        for viommu in ('on', 'off'):
            args = INLINE + ['--arch', arch, '--vms', '2', '--viommu', viommu]
            rc, out, err = run(exe, 'run', *args, '--json')
            expect_rc('--vms 2 --viommu %s (%s)' % (viommu, arch), rc, 0, out, err)
            doc = json.loads(out)
            if doc['violations']['total'] or not doc['dma']['nested_accesses'] or \
                    not doc['invalidations']['guest_count'] or \
                    doc['invalidations']['guest_commands'] < doc['invalidations']['guest_count']:
                die('--vms 1 --viommu %s (%s): %s %s %s' % (viommu, arch, doc['violations'],
                                                           doc['dma'], doc['invalidations']))
            if doc['invalidations']['commands'] != doc['invalidations']['minimum_commands']:
                die('--vms 1 (%s): inline commands above the minimum: %s' %
                    (arch, doc['invalidations']))
            vio = doc['viommu']
            if (viommu == 'on') != (vio['guest_commands'] ==
                                    doc['invalidations']['guest_commands']) or \
                    vio['guest_rejected'] or vio['isolation'] or \
                    (viommu == 'off' and vio['guest_commands']):
                die('--vms 1 --viommu %s (%s): viommu %s' % (viommu, arch, vio))
            if doc['scenario']['vms'] != 2 or doc['scenario']['viommu'] != (viommu == 'on'):
                die('--vms 1 --viommu %s: the report says %s' % (viommu, doc['scenario']))
            if '--vms 2' not in doc['replay'] or \
                    ('--viommu off' in doc['replay']) != (viommu == 'off'):
                die('--vms 1 --viommu %s: replay line %r' % (viommu, doc['replay']))
            seen.append(doc['dma']['nested_accesses'])
        rc, out, err = run(exe, 'run', *(INLINE + ['--arch', arch, '--vms', '1']))
        expect_rc('--vms 1 (%s, text)' % arch, rc, 0, out, err)
        for want in ('nested accesses', 'guest invalidations:', 'viommu:'):
            if want not in out:
                die('--vms 1 (%s): the text report lacks %r:\n%s' % (arch, want, out))
    # The default scenario has one VM; --vms 0 turns nesting off.
    for args, want in [([], 1), (['--vms', '0'], 0)]:
        rc, out, err = run(exe, 'run', *(INLINE + args), '--json')
        expect_rc('vms default %s' % args, rc, 0, out, err)
        doc = json.loads(out)
        if doc['scenario']['vms'] != want or bool(doc['dma']['nested_accesses']) != bool(want):
            die('%s: vms %s, nested accesses %s' % (args, doc['scenario']['vms'],
                                                    doc['dma']['nested_accesses']))
    rc, out, err = run(exe, 'run', '--vms', '9')
    if rc == 0:
        die('--vms 9 accepted')
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'scn')
        with open(path, 'w') as f:
            f.write('vms = 2\nviommu = off\n')
        d = scenario_dict(print_scenario(exe, '--scenario', path))
        if d['vms'] != '2' or d['viommu'] != 'off':
            die('scenario keys vms = 2, viommu = off: %s' % d)
        trace = os.path.join(tmp, 'trace')
        rc, out, err = run(exe, 'run', *(INLINE + ['--arch', 'riscv', '--vms', '1',
                                                   '--trace', trace]))
        expect_rc('--vms 1 --trace', rc, 0, out, err)
        with open(trace) as f:
            text = f.read()
        # The guests' stage-1 commands: IOTINVAL.VMA with GV and PSCV, GSCID forced.
        if not any('IOTINVAL.VMA' in l and 'gv=1' in l and 'pscv=1' in l
                   for l in text.splitlines()):
            die('--vms 1 --trace shows no guest IOTINVAL.VMA:\n%s' % text[:2000])
    print('ok: --vms 1 on every arch, viommu on and off, clean; nested accesses %s' % seen)


def check_override(exe):
    """Options override the file; a non-zero limit replaces a lower level's other one."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'scn')
        with open(path, 'w') as f:
            f.write('# a file\n\ninstances = 3\nseed=5   # comment\n range_inv = off\n'
                    'seconds = 4\n')
        d = scenario_dict(print_scenario(exe, '--scenario', path, '--instances', '4'))
        exp = {'instances': '4', 'seed': '5', 'range-inv': 'off', 'seconds': '4', 'ops': '0'}
        for k, v in exp.items():
            if d[k] != v:
                die('file + option: %s = %s, expected %s (%s)' % (k, d[k], v, d))
        d = scenario_dict(print_scenario(exe, '--scenario', path, '--ops', '100'))
        if (d['seconds'], d['ops']) != ('0', '100'):
            die('--ops over the file\'s seconds: %s' % d)
        d = scenario_dict(print_scenario(exe, '--ops', '100', '--seconds', '3'))
        if (d['seconds'], d['ops']) != ('3', '100'):
            die('--ops and --seconds together: %s' % d)
        d = scenario_dict(print_scenario(exe, '--ops=7', '--scenario=' + path))
        if (d['seconds'], d['ops'], d['instances']) != ('0', '7', '3'):
            die('--key=value forms: %s' % d)
    print('ok: options override the scenario file')


def check_schema(exe, schema_path, *archs):
    """The --json output of an inline and a threaded run of every architecture validates."""
    try:
        import jsonschema
    except ImportError:
        print('SKIP: python3-jsonschema is not installed')
        sys.exit(77)
    with open(schema_path) as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    v = cls(schema)
    runs = []
    for arch in ('smmuv3',) + archs:
        runs += [INLINE + ['--arch', arch], ['--seconds', '1', '--arch', arch]]
    for args in runs:
        rc, out, err = run(exe, 'run', *args, '--json')
        expect_rc('--json ' + ' '.join(args), rc, 0, out, err)
        doc = json.loads(out)
        errors = sorted(v.iter_errors(doc), key=lambda e: list(e.path))
        if errors:
            die('%s: %s' % (' '.join(args), '; '.join('%s: %s' % (list(e.path), e.message)
                                                     for e in errors)))
        if doc['scenario']['arch'] != args[-1]:
            die('%s: the report names arch %s' % (' '.join(args), doc['scenario']['arch']))
    # The schema must be able to fail: a report without a required key does not pass.
    del doc['invalidations']['cpu_ns']
    if v.is_valid(doc):
        die('the schema accepts a report without invalidations.cpu_ns')
    print('ok: inline and threaded reports of %s match %s' %
          (', '.join(('smmuv3',) + archs), os.path.basename(schema_path)))


def trace_counts(checker, path):
    p = subprocess.run([checker, path], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    if p.returncode:
        die('trace_check: %s%s' % (p.stdout.decode(), p.stderr.decode()))
    counts = {}
    for line in p.stdout.decode().splitlines():
        k, n = line.split()
        counts[k] = int(n)
    return counts


def check_trace(exe, checker, *archs):
    """The trace decodes on the hardware side to exactly the report's commands by type."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'trace')
        runs = [INLINE, ['--seconds', '1']]
        for arch in archs:
            runs += [INLINE + ['--arch', arch], ['--seconds', '1', '--arch', arch]]
        for args in runs:
            rc, out, err = run(exe, 'run', *args, '--json', '--trace', path)
            expect_rc('--trace ' + ' '.join(args), rc, 0, out, err)
            report = json.loads(out)
            counts = trace_counts(checker, path)
            total = counts.pop('total')
            if counts != report['commands_by_type']:
                die('%s: trace %s, report %s' % (' '.join(args), counts,
                                                 report['commands_by_type']))
            if total != report['commands']['consumed'] or total == 0:
                die('trace holds %d commands, the units consumed %d' %
                    (total, report['commands']['consumed']))
            with open(path) as f:
                head = [next(f) for _ in range(3)]
            if head[0] != '# invtrack trace\n':
                die('trace header: %r' % head)
            with open(path) as f:
                header = ''.join(l[2:] for l in f if l.startswith('# ') and ' = ' in l)
            if scenario_dict(header)['seed'] != str(report['scenario']['seed']):
                die('trace header does not name the seed')
            print('ok: %s: %d commands, trace = report' % (' '.join(args), total))
        # "-" is standard output: the trace, then the report; no file named "-".
        p = subprocess.run([os.path.abspath(exe), 'run', *INLINE, '--trace', '-', '--json'],
                           cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
        out = p.stdout.decode()
        expect_rc('--trace -', p.returncode, 0, out, p.stderr.decode())
        if not out.startswith('# invtrack trace\n') or os.path.exists(os.path.join(tmp, '-')):
            die('--trace - did not write the trace to standard output')
        report = json.loads(out[out.index('\n{') + 1:])
        lines = [l for l in out[:out.index('\n{')].splitlines() if not l.startswith('#')]
        if len(lines) != report['commands']['consumed']:
            die('--trace -: %d lines, %d commands' % (len(lines), report['commands']['consumed']))
        # A failed write is exit status 3 (invtrack(1)); a file that cannot be created, 2.
        if os.path.exists('/dev/full'):
            rc, out, err = run(exe, 'run', *INLINE, '--trace', '/dev/full')
            expect_rc('--trace /dev/full', rc, 3, out, err)
        print('ok: --trace - writes to standard output; a failed write exits 3')


def check_ablate(exe):
    """Ablation build: a rule switched off makes the run exit 1 with the seed to replay."""
    rc, out, err = run(exe, 'run', '--ablate', 'tag-flush', '--mode', 'inline', '--ops', '100000',
                       '--seed', '3')
    expect_rc('--ablate tag-flush', rc, 1, out, err)
    m = re.search(r'^violations: (\d+) \(STALE_TLB \d+, STALE_CONFIG \d+, WRONG_DOMAIN (\d+), '
                  r'ISOLATION \d+\)',
                  out, re.M)
    if not m or int(m.group(2)) == 0:
        die('no WRONG_DOMAIN violation in the report:\n' + out)
    replay = re.search(r'^replay: invtrack run (.*)$', out, re.M)
    if not replay or '--seed 3' not in replay.group(1) or \
            '--ablate tag-flush' not in replay.group(1):
        die('no replay line with the seed and the rule:\n' + out)
    # The replay line reproduces the run exactly (inline).
    rc2, out2, _ = run(exe, 'run', *replay.group(1).split())
    line = re.compile(r'^violations: .*$', re.M)
    if rc2 != 1 or line.search(out2).group(0) != line.search(out).group(0):
        die('replaying %r did not give the same violations' % replay.group(1))
    rc, out, err = run(exe, 'run', '--ablate', 'tag-flush', '--mode', 'inline', '--ops', '100000',
                       '--json')
    expect_rc('--ablate --json', rc, 1, out, err)
    doc = json.loads(out)
    first = doc['violations']['first']
    if not first or first[0]['kind'] != 'WRONG_DOMAIN' or \
            'replay: --seed 1' not in first[0]['text']:
        die('JSON violations.first: %s' % first[:1])
    # With every rule in place, delays at the protocol points find nothing; the
    # report and the replay line say they were on.
    rc, out, err = run(exe, 'run', '--delays', 'on', '--seconds', '1', '--json')
    expect_rc('--delays on', rc, 0, out, err)
    if json.loads(out)['scenario']['delays'] is not True:
        die('--delays on: the JSON scenario does not say so')
    rc, out, err = run(exe, 'run', '--delays', 'on', '--seconds', '1')
    if 'delays at protocol points' not in out:
        die('--delays on: the text report does not say so:\n' + out)
    print('ok: --ablate tag-flush: exit 1, %s violations, replay reproduces them; '
          '--delays on: clean' % m.group(1))
    # One event clock: fill, free and use times order as they happened, and the trace's t=
    # field reads the same clock; reports are distinct, repeats counted on them.
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'trace')
        rc, out, err = run(exe, 'run', '--ablate', 'tag-flush', '--mode', 'inline', '--ops',
                           '100000', '--json', '--trace', path)
        doc = json.loads(out)
        with open(path) as f:
            clocks = [int(l.rsplit(' t=', 1)[1]) for l in f if not l.startswith('#')]
    if clocks != sorted(clocks) or len(set(clocks)) != len(clocks):
        die('the trace clock does not grow with the sequence')
    first = doc['violations']['first']
    for v in first:
        if not v['fill_stamp'] < v['use_stamp'] <= clocks[-1] + 10**9 or \
                (v['freed_at'] and not v['freed_at'] < v['use_stamp']):
            die('violation times out of order: %s' % v['text'])
    keys = [tuple(v[k] for k in ('kind', 'instance', 'sid', 'ssid', 'cache', 'tag_s2', 'tag_s1',
                                  'iova', 'pa', 'domain', 'expected_domain', 'fill_stamp'))
            for v in first]
    if len(set(keys)) != len(keys):
        die('a violation is reported twice: %s' % keys)
    if sum(1 + v['repeats'] for v in first) > doc['violations']['total']:
        die('repeats exceed the total')
    if not any(c < first[0]['use_stamp'] for c in clocks):
        die('no traced command before the first violation\'s use')
    # The flight record: events before the use, in clock order, touching the violation.
    for v in first:
        ts = [e['t'] for e in v['flight']]
        if not ts or ts != sorted(ts) or ts[-1] >= v['use_stamp']:
            die('flight record of %s: %s' % (v['text'], v['flight']))
    if not any(e['what'].startswith('attach') for e in first[0]['flight']):
        die('the flight record of a WRONG_DOMAIN shows no attach: %s' % first[0]['flight'])
    # --stop-on-violation: the run ends at the first one, and its replay stops at the same op.
    rc, out, err = run(exe, 'run', '--ablate', 'tag-flush', '--mode', 'inline', '--ops', '100000',
                       '--stop-on-violation', '--json')
    expect_rc('--stop-on-violation', rc, 1, out, err)
    a = json.loads(out)
    if not a['stopped']['at_violation'] or a['ops']['total'] >= 100000 or \
            a['violations']['total'] < 1:
        die('--stop-on-violation: %s, %s ops' % (a['stopped'], a['ops']['total']))
    rc, out, err = run(exe, *a['replay'].split()[1:], '--json')
    b = json.loads(out)
    if rc != 1 or b['violations'] != a['violations'] or b['ops'] != a['ops']:
        die('the replay of a run stopped at its violation differs: %s' % a['replay'])
    if not a['violations']['first'][0]['flight']:
        die('no flight record on a run stopped at its violation')
    print('ok: --ablate tag-flush: exit 1, %s violations, replay reproduces them; '
          '--stop-on-violation stops after %d ops' % (m.group(1), a['ops']['total']))


def check_cost(exe, data, *archs):
    """A cost table changes the modelled time: all zero gives 0, CMD_SYNC x2 gives more."""
    def modelled(*args):
        rc, out, err = run(exe, 'run', *INLINE, '--json', *args)
        expect_rc('--cost ' + ' '.join(args), rc, 0, out, err)
        return json.loads(out)['invalidations']
    base = modelled()
    zero = modelled('--cost', os.path.join(data, 'zero.cost'))
    sync = modelled('--cost', os.path.join(data, 'sync2000.cost'))
    if zero['modelled_serial_ns'] != 0 or zero['modelled_ns']['p99'] != 0:
        die('all-zero costs: %s' % zero)
    if base['modelled_serial_ns'] == 0 or sync['modelled_serial_ns'] <= base['modelled_serial_ns']:
        die('CMD_SYNC at 2000 ns: %d, default %d' % (sync['modelled_serial_ns'],
                                                    base['modelled_serial_ns']))
    # Each invalidation is modelled from its commands: the extra is 1000 ns per sync on the
    # longest instance, so between one sync per invalidation and all of them.
    extra = sync['modelled_serial_ns'] - base['modelled_serial_ns']
    if extra != 1000 * base['syncs']:
        die('CMD_SYNC +1000 ns added %d ns over %d syncs' % (extra, base['syncs']))
    print('ok: cost tables: 0 -> 0 ns; CMD_SYNC +1000 ns -> +%d ns' % extra)
    # `invtrack costs`: the defaults, the effective table, and reading it back.
    table, changed = cost_table(exe, '--cost', os.path.join(data, 'sync2000.cost'))
    if table.get('CMD_SYNC') != 2000 or changed != {'CMD_SYNC'}:
        die('invtrack costs --cost sync2000.cost: CMD_SYNC %s, changed %s' %
            (table.get('CMD_SYNC'), changed))
    for arch in ['smmuv3'] + list(archs):
        table, changed = cost_table(exe, '--arch', arch)
        if not table or changed or 0 in table.values():
            die('invtrack costs --arch %s: %s (changed %s)' % (arch, table, changed))
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, 'c')
            rc, out, err = run(exe, 'costs', '--arch', arch)
            with open(path, 'w') as f:
                f.write(out.replace(' = ', ' = 1'))
            again, changed = cost_table(exe, '--arch', arch, '--cost', path)
            if changed != set(table) or any(again[k] != int('1%d' % v) for k, v in table.items()):
                die('costs --arch %s read back: %s' % (arch, again))
            # A name of another architecture: the error lists this one's names.
            with open(path, 'w') as f:
                f.write('BOGUS_INV = 5\n')
            rc, out, err = run(exe, 'run', '--arch', arch, '--cost', path)
            expect_rc('a foreign cost name', rc, 2, out, err)
            listed = re.search(r"unknown command 'BOGUS_INV' for %s \(cost names: (.*)\)$" % arch,
                               err.strip())
            if not listed or set(listed.group(1).split(', ')) != set(table):
                die('the unknown-name error does not list %s\'s cost names: %r' % (arch, err))
        print('ok: invtrack costs --arch %s: %d names, read back, listed in errors' %
              (arch, len(table)))


def check_help(exe):
    """--help and the subcommand dispatch."""
    for args, want_rc, stream, text in [(['--help'], 0, 1, 'usage: invtrack <command>'),
                                        (['help', 'run'], 0, 1, 'usage: invtrack run'),
                                        (['run', '--help'], 0, 1, 'usage: invtrack run'),
                                        (['run', '-h'], 0, 1, '--print-scenario'),
                                        (['costs', '--help'], 0, 1, 'usage: invtrack costs'),
                                        (['help', 'costs'], 0, 1, 'usage: invtrack costs'),
                                        (['costs', '--json'], 2, 2, "unknown option '--json'"),
                                        ([], 2, 2, 'usage: invtrack <command>'),
                                        (['frob'], 2, 2, "unknown command 'frob'"),
                                        (['--version'], 0, 1, 'invtrack ')]:
        rc, out, err = run(exe, *args)
        expect_rc('invtrack ' + ' '.join(args), rc, want_rc, out, err)
        if text not in (out if stream == 1 else err):
            die('invtrack %s: no %r in its output' % (' '.join(args), text))
    print('ok: help and dispatch')


def check_progress(exe):
    """On a terminal a progress line on stderr, rewritten with \\r and cleared; --quiet: none."""
    def with_tty(*args):
        master, slave = pty.openpty()
        p = subprocess.Popen([exe, 'run', *args], stdout=subprocess.PIPE, stderr=slave,
                             stdin=subprocess.DEVNULL)
        os.close(slave)
        data = b''
        while True:
            r, _, _ = select.select([master], [], [], 60)
            if not r:
                break
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            data += chunk
        out = p.stdout.read()
        p.wait(timeout=60)
        os.close(master)
        return p.returncode, out.decode(), data.decode()
    rc, out, err = with_tty('--seconds', '1', '--dma', '1', '--cpus', '1')
    expect_rc('progress run', rc, 0, out, err)
    if not re.search(r'invtrack: [\d.]+/1 s  \d+ ops/s  \d+ accesses checked  0 violations', err):
        die('no progress line on the terminal: %r' % err)
    # Each update starts with \r; the last one blanks the line and returns to its start.
    if not err.startswith('\r') or not re.search(r'\r +\r$', err):
        die('progress line not rewritten in place and cleared: %r' % err[-200:])
    if 'violations: none' not in out:
        die('the report is missing from stdout')
    rc, out, err = with_tty('--seconds', '1', '--quiet')
    expect_rc('--quiet run', rc, 0, out, err)
    if err:
        die('--quiet still wrote to the terminal: %r' % err)
    print('ok: progress on a terminal, none with --quiet')


def man_text(troff):
    """The words of a troff page, requests and font changes dropped, lines joined."""
    lines = [l for l in troff.splitlines() if not l.startswith('.\\"')]
    text = '\n'.join(re.sub(r'^\.(B|I|BR|RB|BI|IR|RI|TP|PP|RS|RE|SS|SH|nf|fi|br)\b ?', '', l)
                     for l in lines)
    text = text.replace('\\-', '-').replace('\\fB', '').replace('\\fR', '').replace('\\fI', '')
    return text.replace('"', '')


def cost_table(exe, *args):
    """`invtrack costs ARGS`: {name: ns}, and the names whose value is not the default."""
    rc, out, err = run(exe, 'costs', *args)
    expect_rc('invtrack costs ' + ' '.join(args), rc, 0, out, err)
    table, changed = {}, set()
    for line in out.splitlines():
        if line.startswith('#'):
            continue
        m = re.match(r'^(\S+) += (\d+)(\t# default \d+)?$', line)
        if not m:
            die('costs: bad line %r' % line)
        table[m.group(1)] = int(m.group(2))
        if m.group(3):
            changed.add(m.group(1))
    return table, changed


def check_man(exe, page, readme, *archs):
    """The man page, run --help and the README describe every architecture and option."""
    rc, out, err = run(exe, 'run', '--help')
    expect_rc('run --help', rc, 0, out, err)
    opts = set(re.findall(r'(?<![\w-])(--[a-z][a-z-]*)', out))
    with open(page) as f:
        troff = f.read()
    text = man_text(troff)
    if 'not supported' in text:
        die('the man page says something is not supported')
    # Every architecture: named for --arch, its range register, its cost names and defaults.
    ranges = {'smmuv3': 'SMMU_IDR3.RIL', 'vtd': 'CAP_REG.PSI', 'riscv': 'capabilities.S'}
    flat = ' '.join(text.split())
    for arch in ('smmuv3',) + archs:
        if not re.search(r'\b%s\b' % arch, flat):
            die('the man page does not name architecture %s' % arch)
        for where, body in [('man page', flat), ('run --help', ' '.join(out.split()))]:
            if ranges[arch] not in body:
                die('%s: --range-inv does not name %s for %s' % (where, ranges[arch], arch))
        table, _ = cost_table(exe, '--arch', arch)
        cost = flat[flat.rindex('COST FILES'):]
        for name, ns in table.items():
            m = re.search(r'%s\b[^;]*? (\d+)[;.]' % re.escape(name), cost)
            if not m or int(m.group(1)) != ns:
                die('COST FILES: %s %s is not given as %d ns' % (arch, name, ns))
    # The README: every architecture, and exit status 3.
    with open(readme) as f:
        md = ' '.join(f.read().split())
    if not re.search(r'Exit status: 0 clean, 1 violations, 2 bad input, 3 ', md):
        die('README: the exit status line does not give 3')
    for arch in ('smmuv3',) + archs:
        if arch not in md:
            die('README does not name %s' % arch)
    in_man = set(re.findall(r'(?<![\w-])(--[a-z][a-z-]*)', text))
    missing = sorted(opts - in_man)
    extra = sorted(o for o in in_man - opts if o not in ('--version',))
    if missing or extra:
        die('options in --help but not the man page: %s; in the man page only: %s' %
            (missing, extra))
    for sec in ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'OPTIONS', 'SCENARIO FILES', 'EXIT STATUS',
                'EXAMPLES']:
        if not re.search(r'^\.SH "?%s"?$' % sec, troff, re.M):
            die('man page lacks section %s' % sec)
    groff = None
    for d in os.environ.get('PATH', '').split(os.pathsep):
        if os.access(os.path.join(d, 'groff'), os.X_OK):
            groff = os.path.join(d, 'groff')
    if groff:
        p = subprocess.run([groff, '-man', '-Tutf8', '-ww', '-z', page], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=60)
        if p.returncode or p.stderr:
            die('groff warns: %s' % p.stderr.decode())
        print('ok: man page: %d options, renders without warnings' % len(opts))
    else:
        print('ok: man page: %d options (groff not installed: not rendered)' % len(opts))


def check_docs(exe, root):
    """The documentation stands alone: nothing cites files outside the repository, and every
    docs/NAME.md a source comment or document cites exists, with the section it names."""
    # The design notes the project grew from are not part of it (names built here so that
    # this file does not match itself).
    outside = [n + '.md' for n in ('ARCHITECTURE', 'HARDWARE', 'LESSONS')] + \
        ['shared/' + 'design', '../' + 'shared', '/work' + '/']
    link = re.compile(r'\]\(([^)\s]+)\)')
    cite = re.compile(r'docs/([a-z-]+)\.md\)? (§\d+)(?: "([^"\n]+)")?')
    bad, nfiles, ncites = [], 0, 0
    docs = {}
    root = os.path.abspath(root)
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        dirnames[:] = [d for d in dirnames if not d.startswith(('.', 'build', '__pycache__'))]
        for name in filenames:
            if not name.endswith(('.c', '.h', '.md', '.py', '.build', '.txt', '.1', '.json',
                                  '.scn', '.cost')) and name not in ('Makefile',):
                continue
            path = os.path.normpath(os.path.join(rel, name))
            with open(os.path.join(root, path), errors='replace') as f:
                text = f.read()
            nfiles += 1
            for word in outside:
                if word in text:
                    bad.append('%s cites %s' % (path, word))
            if name.endswith('.md'):
                for target in link.findall(text):
                    if re.match(r'^[a-z]+:', target) or target.startswith('#'):
                        continue
                    dest = os.path.normpath(os.path.join(root, rel, target.split('#')[0]))
                    if not dest.startswith(root + os.sep) or \
                            not os.path.exists(dest):
                        bad.append('%s links to %s, not a file of the repository' %
                                   (path, target))
            for doc, sec, title in cite.findall(text):
                ncites += 1
                docpath = os.path.join(root, 'docs', doc + '.md')
                if doc not in docs:
                    docs[doc] = open(docpath).read() if os.path.exists(docpath) else None
                if docs[doc] is None:
                    bad.append('%s cites docs/%s.md, which does not exist' % (path, doc))
                    continue
                body = docs[doc].split('\n## %s. ' % sec[1:], 1)
                if len(body) < 2:
                    bad.append('%s cites docs/%s.md %s: no such section' % (path, doc, sec))
                elif title and not re.search(r'^### %s' % re.escape(title),
                                             body[1].split('\n## ', 1)[0], re.M):
                    bad.append('%s cites docs/%s.md %s "%s": no such subsection' %
                               (path, doc, sec, title))
    if bad:
        die('\n'.join(bad))
    if nfiles < 50 or ncites < 10:
        die('only %d files, %d citations: not the source tree?' % (nfiles, ncites))
    print('ok: %d files cite nothing outside the repository; %d citations of docs/ resolve' %
          (nfiles, ncites))


def main():
    if len(sys.argv) < 3:
        die('usage: cli_test.py CHECK INVTRACK [ARG...]')
    check, exe, rest = sys.argv[1], sys.argv[2], sys.argv[3:]
    if check == 'fail':
        check_fail(exe, rest[0], rest[1:])
        return
    checks = {'clean': check_clean, 'threaded': check_threaded, 'roundtrip': check_roundtrip,
              'override': check_override, 'schema': check_schema, 'trace': check_trace,
              'ablate': check_ablate, 'cost': check_cost, 'help': check_help,
              'progress': check_progress, 'man': check_man, 'docs': check_docs,
              'replay': check_replay, 'interrupt': check_interrupt, 'ats': check_ats,
              'mix': check_mix, 'smmu-tables': check_smmu_tables, 'vms': check_vms}
    if check not in checks:
        die('unknown check ' + check)
    checks[check](exe, *rest)


if __name__ == '__main__':
    main()
