#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""libinvtrack never sees the model: no core, page-table or driver source
reaches a model header, directly or through other headers.

    layering.py check SRCROOT FILE...   FILE...: libinvtrack's sources (meson passes
                                        the list it compiles); also checks the objects
                                        of kernel/Kbuild and the headers directly in
                                        include/invtrack/ (what invtrack.pc installs)
    layering.py selftest                a source that includes a model header, directly
                                        and through a header, must be refused

The model is include/invtrack/model/, src/model/ and each architecture's
hardware side (src/arch/*/hw*.h, hw-*.c), except the command decoders
(hw.h, hw-decode.c): pure functions the viommu layer reads guest commands
with, so they are libinvtrack's.  Includes are followed as the
compiler would find them: "x.h" next to the including file, then in src/core
and kernel/ (the library's and the module's private include directories);
<invtrack/x.h> under include/.  Other <...> headers are the C library's or
the kernel's.  Exit status 0 passes, anything else fails with a message.
"""
import os
import re
import sys
import tempfile

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def is_model(root, path):
    rel = os.path.relpath(path, root)
    parts = rel.split(os.sep)
    if rel.startswith(os.path.join('include', 'invtrack', 'model') + os.sep):
        return True
    if parts[:2] == ['src', 'model']:
        return True
    if parts[-1] in ('hw.h', 'hw-decode.c'):
        return False
    return parts[:2] == ['src', 'arch'] and parts[-1].startswith('hw')


def resolve(root, including, kind, name):
    if kind == '"':
        dirs = [os.path.dirname(including), os.path.join(root, 'src', 'core'),
                os.path.join(root, 'kernel'), os.path.join(root, 'include')]
    elif name.startswith('invtrack/'):
        dirs = [os.path.join(root, 'include')]
    else:
        return None
    for d in dirs:
        p = os.path.normpath(os.path.join(d, name))
        if os.path.isfile(p):
            return p
    return None


def violations(root, sources):
    """'file: reaches model (through a -> b -> c)' for each source that does."""
    bad = []
    for src in sources:
        src = os.path.normpath(os.path.join(root, src))
        if is_model(root, src):
            bad.append('%s: a model source among libinvtrack\'s' % os.path.relpath(src, root))
            continue
        # Depth-first, remembering the chain that led to each header.
        seen, todo = set(), [(src, [src])]
        while todo:
            path, chain = todo.pop()
            if path in seen:
                continue
            seen.add(path)
            with open(path, errors='replace') as f:
                text = f.read()
            for kind, name in INCLUDE.findall(text):
                target = resolve(root, path, kind, name)
                if target is None:
                    continue
                if is_model(root, target):
                    bad.append('%s: includes a model header (%s)' % (
                        os.path.relpath(src, root),
                        ' -> '.join(os.path.relpath(p, root) for p in chain + [target])))
                else:
                    todo.append((target, chain + [target]))
    return bad


def kbuild_sources(root):
    """The C files behind the objects kernel/Kbuild links into invtrack.ko."""
    path = os.path.join(root, 'kernel', 'Kbuild')
    if not os.path.isfile(path):
        return []
    with open(path) as f:
        text = f.read().replace('\\\n', ' ')
    srcs = []
    for line in text.splitlines():
        if re.match(r'^\s*invtrack-\S+\s*[+:]?=', line):
            for obj in re.findall(r'(\S+)\.o\b', line.split('=', 1)[1]):
                c = os.path.join(root, obj + '.c')
                if os.path.isfile(c):
                    srcs.append(c)
    return srcs


def public_headers(root):
    top = os.path.join(root, 'include', 'invtrack')
    return [os.path.join(top, n) for n in sorted(os.listdir(top)) if n.endswith('.h')]


def check(root, sources):
    kb = kbuild_sources(root)
    pub = public_headers(root)
    if not sources:
        print('FAIL: no libinvtrack sources given')
        sys.exit(1)
    bad = violations(root, list(sources) + kb + pub)
    if bad:
        print('FAIL: libinvtrack must not depend on the model:\n  ' + '\n  '.join(sorted(set(bad))))
        sys.exit(1)
    print('ok: %d library sources, %d kernel module sources and %d public headers reach no '
          'model header' % (len(sources), len(kb), len(pub)))


def selftest():
    with tempfile.TemporaryDirectory() as root:
        def put(rel, text):
            p = os.path.join(root, rel)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, 'w') as f:
                f.write(text)
        put('include/invtrack/model/mem.h', '')
        put('include/invtrack/core.h', '#include <stdint.h>\n')
        put('include/invtrack/leaky.h', '#include <invtrack/model/mem.h>\n')
        put('src/arch/x/hw.h', '')
        put('src/arch/x/hw-exec.h', '')
        put('src/core/ok.c', '#include <invtrack/core.h>\n#include "ok.h"\n')
        put('src/core/ok.h', '#include <invtrack/core.h>\n')
        put('src/core/direct.c', '#  include <invtrack/model/mem.h>\n')
        put('src/core/indirect.c', '#include "ok.h"\n#include <invtrack/leaky.h>\n')
        put('src/arch/x/drv.c', '#include "hw-exec.h"\n')
        put('src/arch/x/dec.c', '#include "hw.h"\n')
        put('src/model/m.c', '')
        cases = [('src/core/ok.c', False), ('src/core/direct.c', True),
                 ('src/core/indirect.c', True), ('src/arch/x/drv.c', True),
                 ('src/arch/x/dec.c', False),
                 ('src/model/m.c', True)]
        for src, refused in cases:
            if bool(violations(root, [src])) != refused:
                print('FAIL: %s %s' % (src, 'passed' if refused else 'was refused'))
                sys.exit(1)
    print('ok: direct, indirect and hardware-side includes refused, a clean source passes')


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == 'check':
        check(sys.argv[2], sys.argv[3:])
    elif sys.argv[1:] == ['selftest']:
        selftest()
    else:
        print('usage: layering.py check SRCROOT FILE... | selftest')
        sys.exit(2)


if __name__ == '__main__':
    main()
