#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# kunit.sh REPO [kunit.py run options] - run invtrack's KUnit suites in a UML
# kernel built from Debian's linux-source-6.1.
#
# The kernel tree and its build live outside the repository, in $KUNIT_DIR
# (default /var/cache/invtrack/kunit as root, ~/.cache/invtrack/kunit
# otherwise), and are kept between runs: the first run extracts the source
# and builds the kernel (tens of minutes on 2 cores), later runs rebuild
# what changed.  The project's sources are linked into drivers/invtrack of
# that tree (kernel/link-tree.sh), never copied.
set -eu
repo=$(cd "$1" && pwd)
shift
if [ -z "${KUNIT_DIR:-}" ]; then
	if [ "$(id -u)" = 0 ]; then
		KUNIT_DIR=/var/cache/invtrack/kunit
	else
		KUNIT_DIR=$HOME/.cache/invtrack/kunit
	fi
fi
tarball=$(ls /usr/src/linux-source-6.1.tar.xz 2>/dev/null || true)
if [ -z "$tarball" ]; then
	echo "kunit: /usr/src/linux-source-6.1.tar.xz missing (apt-get install linux-source-6.1)" >&2
	exit 1
fi
src=$KUNIT_DIR/linux-source-6.1
stamp=$KUNIT_DIR/source.stamp
mkdir -p "$KUNIT_DIR"
# A new linux-source package (Debian point release) means a new tree and a new build; the
# same package extracted again keeps the build (tar restores the files' times).
want=$(stat -c %Y "$tarball")
have=$(cat "$stamp" 2>/dev/null || echo none)
if [ "$have" != none ] && [ "$have" != "$want" ]; then
	echo "kunit: $tarball changed: a new tree and build"
	rm -rf "$src" "$KUNIT_DIR/build"
fi
# Extracted aside, then renamed: a tree is there whole or not at all.
if [ ! -d "$src" ]; then
	echo "kunit: extracting $tarball into $KUNIT_DIR"
	rm -rf "$KUNIT_DIR/extract.tmp"
	mkdir "$KUNIT_DIR/extract.tmp"
	tar -C "$KUNIT_DIR/extract.tmp" -xf "$tarball"
	mv "$KUNIT_DIR/extract.tmp/linux-source-6.1" "$src"
	rmdir "$KUNIT_DIR/extract.tmp"
fi
echo "$want" > "$stamp"
# drivers/invtrack: the project's Kbuild and Kconfig, and its sources, by link.
if ! grep -q 'drivers/invtrack/Kconfig' "$src/drivers/Kconfig"; then
	sed -i 's|^endmenu|source "drivers/invtrack/Kconfig"\n\nendmenu|' "$src/drivers/Kconfig"
	echo 'obj-$(CONFIG_INVTRACK) += invtrack/' >> "$src/drivers/Makefile"
fi
"$repo/kernel/link-tree.sh" "$repo" "$src/drivers/invtrack"
cd "$src"
exec nice python3 tools/testing/kunit/kunit.py run \
	--build_dir "$KUNIT_DIR/build" \
	--kunitconfig "$repo/kernel/kunit/kunitconfig" \
	--jobs "$(nproc)" --timeout 900 "$@"
