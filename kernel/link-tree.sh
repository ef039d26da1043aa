#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# link-tree.sh REPO DEST - lay out, in DEST, symbolic links to the sources
# kernel/Kbuild builds (Kbuild, Kconfig, the headers, each source file).
# Objects are written in DEST, never beside the sources; nothing is copied.
set -eu
repo=$(cd "$1" && pwd)
dest=$2
mkdir -p "$dest"
# Drop the links of a previous run (files may have gone); objects stay.
find "$dest" -type l -delete
ln -s "$repo/kernel/Kbuild" "$dest/Kbuild"
ln -s "$repo/kernel/Kconfig" "$dest/Kconfig"
ln -s "$repo/include" "$dest/include"
for d in kernel kernel/kunit src/core src/pt src/arch/smmuv3 src/arch/vtd src/arch/riscv \
	 src/arch/record src/viommu tests/unit; do
	mkdir -p "$dest/$d"
	for f in "$repo/$d"/*.c "$repo/$d"/*.h; do
		[ -e "$f" ] || continue
		case "$d/${f##*/}" in
		tests/unit/*.c) continue ;;	# only the shared case tables
		esac
		ln -s "$f" "$dest/$d/${f##*/}"
	done
done
ln -s "$repo/kernel/include" "$dest/kernel/include"
