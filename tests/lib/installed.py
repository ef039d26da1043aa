#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""What `meson install` gives a driver writer, and that it is enough.

    installed.py MESON BUILDDIR SRCDIR CC ABLATIONS

Installs BUILDDIR into a temporary DESTDIR, checks the layout (libinvtrack
and its public headers; libinvtrack-model and include/invtrack/model/;
<invtrack/ablation.h> only when ABLATIONS is 'true'), builds a model program
with `pkg-config invtrack-model`, then removes everything of the model and
builds and runs the examples with `pkg-config --cflags --libs invtrack`
alone.  A program that includes a model header must then fail to compile.
Exit status 0 passes, anything else fails with a message.
"""
import os
import shutil
import subprocess
import sys
import tempfile

MODEL_PROGRAM = r'''
#include <invtrack/model/scenario.h>
int main(void)
{
	struct invt_scn_params p;

	invt_scn_defaults(&p);
	return 0;
}
'''

EXAMPLES = [['attach-map-unmap.c', 'log-iommu.c'], ['vmm-nested.c', 'log-iommu.c'],
            ['smmuv3-commands.c']]


def die(msg):
    print('FAIL: ' + msg)
    sys.exit(1)


def run(cmd, env=None, ok=True):
    p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = p.stdout.decode(errors='replace')
    if ok and p.returncode:
        die('%s exited %d:\n%s' % (' '.join(cmd), p.returncode, out))
    return p.returncode, out


def find(root, name):
    for d, _, files in os.walk(root):
        if name in files:
            return os.path.join(d, name)
    die('%s not installed' % name)


def main():
    if len(sys.argv) != 6:
        die('usage: installed.py MESON BUILDDIR SRCDIR CC ABLATIONS')
    meson, build, src, cc, ablations = sys.argv[1:]
    ablations = ablations == 'true'
    with tempfile.TemporaryDirectory(prefix='invtrack-dest-') as dest:
        run([meson, 'install', '-C', build, '--no-rebuild', '--quiet', '--destdir', dest])
        pc = find(dest, 'invtrack.pc')
        libdir = os.path.dirname(os.path.dirname(pc))
        core_h = find(dest, 'core.h')
        incdir = os.path.dirname(core_h)
        find(dest, 'invtrack-model.pc')
        for lib in ['libinvtrack.so.0', 'libinvtrack-model.so.0']:
            if not os.path.exists(os.path.join(libdir, lib)):
                die('%s not in %s' % (lib, libdir))
        if not os.path.isfile(os.path.join(incdir, 'model', 'scenario.h')):
            die('<invtrack/model/scenario.h> not installed')
        if os.path.exists(os.path.join(incdir, 'ablation.h')) != ablations:
            die('<invtrack/ablation.h> %s' % ('missing from an ablation build' if ablations
                                              else 'installed by a normal build'))

        env = dict(os.environ)
        env['PKG_CONFIG_SYSROOT_DIR'] = dest
        env['PKG_CONFIG_PATH'] = os.path.dirname(pc)
        env['LD_LIBRARY_PATH'] = libdir
        work = os.path.join(dest, 'work')
        os.mkdir(work)

        def flags(pkg):
            return run(['pkg-config', '--cflags', '--libs', pkg], env=env)[1].split()

        cflags = ['-std=gnu11', '-Wall', '-Wextra', '-Werror', '-Wno-unused-parameter']
        model_c = os.path.join(work, 'model.c')
        with open(model_c, 'w') as f:
            f.write(MODEL_PROGRAM)
        run([cc] + cflags + [model_c, '-o', os.path.join(work, 'model')] +
            flags('invtrack-model'), env=env)
        run([os.path.join(work, 'model')], env=env)

        # Now only what invtrack.pc offers: no model library, no model header.
        shutil.rmtree(os.path.join(incdir, 'model'))
        os.unlink(find(dest, 'invtrack-model.pc'))
        for name in os.listdir(libdir):
            if name.startswith('libinvtrack-model'):
                os.unlink(os.path.join(libdir, name))
        if run(['pkg-config', '--exists', 'invtrack-model'], env=env, ok=False)[0] == 0:
            die('pkg-config still finds invtrack-model')
        libs = flags('invtrack')
        for ex in EXAMPLES:
            exe = os.path.join(work, ex[0][:-2])
            run([cc] + cflags + [os.path.join(src, 'examples', s) for s in ex] +
                ['-o', exe] + libs, env=env)
            _, out = run([exe], env=env)
            last = out.rstrip().splitlines()[-1] if out.strip() else ''
            if last != 'ok' and not last.startswith('ok:'):
                die('%s printed no ok:\n%s' % (ex[0], out))
            needed = run(['readelf', '-d', exe], env=env)[1]
            if 'libinvtrack.so.0' not in needed or 'model' in needed:
                die('%s: unexpected NEEDED entries:\n%s' % (ex[0], needed))
        rc, out = run([cc] + cflags + [model_c, '-o', os.path.join(work, 'model2')] + libs,
                      env=env, ok=False)
        if rc == 0:
            die('a program including <invtrack/model/scenario.h> compiled against '
                'invtrack.pc alone')
    print('ok: installed; a model program builds with invtrack-model.pc; without the model, '
          '%d examples build with `pkg-config --cflags --libs invtrack` and pass' %
          len(EXAMPLES))


if __name__ == '__main__':
    main()
