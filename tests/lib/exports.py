#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""What libinvtrack.so and libinvtrack-model.so offer a program that links them.

    exports.py symbols LIB.so HEADERDIR SONAME VERSION
        exported = what the headers directly in HEADERDIR declare (libinvtrack:
        include/invtrack; libinvtrack-model: include/invtrack/model), all
        with version node VERSION, and the library's SONAME is SONAME
    exports.py headers INCLUDEDIR
        public headers pull in no pthread, no liburcu, and declare invt_* functions only
    exports.py kernel EXPORTS_C INCLUDEDIR
        kernel/exports.c exports exactly what the <invtrack/...> headers it
        includes declare (the ablation builds' store buffer aside)

Exit status 0 passes, 77 skips (meson), anything else fails with a message.
"""
import os
import re
import shutil
import subprocess
import sys


def die(msg):
    print('FAIL: ' + msg)
    sys.exit(1)


def public_text(incdir):
    text = {}
    top = os.path.join(incdir, 'invtrack')
    for root, _, names in sorted(os.walk(top)):
        for name in sorted(names):
            if name.endswith('.h'):
                path = os.path.join(root, name)
                with open(path) as f:
                    text[os.path.relpath(path, top)] = f.read()
    return text


def headers_in(hdir):
    """The headers directly in hdir, by name (not its subdirectories)."""
    text = {}
    for name in sorted(os.listdir(hdir)):
        if name.endswith('.h'):
            with open(os.path.join(hdir, name)) as f:
                text[name] = f.read()
    return text


def declared(text):
    """Functions and objects the public headers declare (not static inline ones)."""
    names = set()
    for body in text.values():
        body = re.sub(r'/\*.*?\*/', '', body, flags=re.S)
        # Join continued declarations, drop static inline definitions.
        for m in re.finditer(r'^(?!static|#|\s|typedef|})[^;{}]*?\b(invt_\w+)\s*\(',
                             body, re.M):
            names.add(m.group(1))
        for m in re.finditer(r'^extern\b[^;(]*\b(invt_\w+)\s*(\[[^]]*\])?\s*;', body, re.M):
            names.add(m.group(1))
    return names


def check_symbols(lib, hdir, soname, node):
    nm = shutil.which('nm')
    objdump = shutil.which('objdump')
    if not nm or not objdump:
        print('SKIP: binutils (nm, objdump) not installed')
        sys.exit(77)
    out = subprocess.run([nm, '-D', '--defined-only', lib], stdout=subprocess.PIPE,
                         check=True).stdout.decode()
    exported = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in 'TDBRVWi':
            name, _, version = parts[2].partition('@')
            exported[name] = version.lstrip('@')
    exported.pop(node, None)
    decl = declared(headers_in(hdir))
    bad = sorted(n for n in exported if not n.startswith('invt_'))
    if bad:
        die('%d exported symbols outside the invt_ namespace: %s' % (len(bad), ', '.join(bad[:20])))
    private = sorted(n for n in exported if n not in decl)
    if private:
        die('exported, but no public header declares them: %s' % ', '.join(private))
    unversioned = sorted(n for n, v in exported.items() if v != node)
    if unversioned:
        die('exported without the %s version: %s' % (node, ', '.join(unversioned[:20])))
    missing = sorted(n for n in decl if n not in exported)
    # Declared only for ablation builds (emulated store buffer, protocol switches).
    missing = [n for n in missing if not n.startswith(('invt_sb_', 'invt_ablate'))]
    if missing:
        die('declared in a public header but not exported: %s' % ', '.join(missing))
    head = subprocess.run([objdump, '-p', lib], stdout=subprocess.PIPE,
                          check=True).stdout.decode()
    m = re.search(r'^\s*SONAME\s+(\S+)$', head, re.M)
    if not m or m.group(1) != soname:
        die('SONAME is %s, expected %s' % (m.group(1) if m else 'missing', soname))
    print('ok: %d symbols exported, all invt_* public API, version %s, SONAME %s' %
          (len(exported), node, m.group(1)))


def check_headers(incdir):
    text = public_text(incdir)
    inc = re.compile(r'^\s*#\s*include\s*<([^>]+)>', re.M)
    bad = []
    for name in text:
        seen, todo = set(), [name]
        while todo:
            h = todo.pop()
            if h in seen:
                continue
            seen.add(h)
            for target in inc.findall(text[h]):
                if target.startswith('invtrack/'):
                    todo.append(target[len('invtrack/'):])
                elif target == 'pthread.h' or target.startswith('urcu'):
                    bad.append('<invtrack/%s> pulls in <%s> (through %s)' % (name, target, h))
    # Every function a public header declares is the library's own (invt_*):
    # a hardware-model declaration in a driver header would reach every user.
    for name, body in text.items():
        body = re.sub(r'/\*.*?\*/', '', body, flags=re.S)
        for m in re.finditer(r'^(?!static|#|\s|typedef|})[^;{}()]*?\b([A-Za-z_]\w*)\s*\(',
                             body, re.M):
            if not m.group(1).startswith('invt_'):
                bad.append('<invtrack/%s> declares %s(), outside the invt_ namespace' %
                           (name, m.group(1)))
    if bad:
        die('\n'.join(bad))
    print('ok: %d public headers, none pulls in pthread or liburcu, all declare invt_* only' %
          len(text))


def check_kernel(exports_c, incdir):
    with open(exports_c) as f:
        text = f.read()
    hdrs = re.findall(r'^#include <invtrack/([^>]+)>', text, re.M)
    decl = set()
    for h in hdrs:
        with open(os.path.join(incdir, 'invtrack', h)) as f:
            decl |= declared({h: f.read()})
    decl = {n for n in decl if not n.startswith('invt_sb_')}
    exported = set(re.findall(r'^EXPORT_SYMBOL_GPL\((\w+)\);', text, re.M))
    missing = sorted(decl - exported)
    extra = sorted(exported - decl)
    if missing:
        die('declared in a header kernel/exports.c includes, not exported: ' + ', '.join(missing))
    if extra:
        die('exported, but no header kernel/exports.c includes declares them: ' +
            ', '.join(extra))
    print('ok: invtrack.ko exports the %d functions and objects its %d headers declare' %
          (len(exported), len(hdrs)))


def main():
    if len(sys.argv) == 6 and sys.argv[1] == 'symbols':
        check_symbols(*sys.argv[2:])
    elif len(sys.argv) == 4 and sys.argv[1] == 'kernel':
        check_kernel(sys.argv[2], sys.argv[3])
    elif len(sys.argv) >= 3 and sys.argv[1] == 'headers':
        check_headers(sys.argv[2])
    else:
        die('usage: exports.py symbols LIB HEADERDIR SONAME VERSION | headers INCLUDEDIR | '
            'kernel EXPORTS_C INCLUDEDIR')


if __name__ == '__main__':
    main()
