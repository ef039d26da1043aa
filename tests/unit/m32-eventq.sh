#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# m32-eventq.sh SRCDIR BUILDDIR - build test_viommu_eventq.c for i386 (-m32)
# with the viommu event queue and arch files, and run it: natively when the
# kernel runs i386 binaries, else under qemu-i386 (Debian qemu-user).
# Exit 77 (meson: skipped) when the toolchain cannot link -m32 (Debian
# gcc-multilib) or nothing can run the result.
set -u
src=$1
out=$2/m32-eventq
cc=${CC:-cc}
mkdir -p "$out"
if ! echo 'int main(void){return 0;}' | $cc -m32 -x c - -o "$out/probe" 2>/dev/null; then
	echo "m32-eventq: '$cc -m32' cannot link (install gcc-multilib): skipped"
	exit 77
fi
$cc -m32 -std=gnu11 -O1 -g -Wall -Wextra -Wno-unused-parameter -Werror -D_GNU_SOURCE \
	-DINVT_VEVENT_STANDALONE \
	-iquote "$src/tests/unit/m32" -I "$src/include" -I "$src/src/core" \
	"$src/tests/unit/test_viommu_eventq.c" \
	"$src/src/viommu/eventq.c" "$src/src/viommu/smmuv3.c" "$src/src/viommu/vtd.c" \
	"$src/src/viommu/riscv.c" \
	"$src/src/arch/smmuv3/cmd.c" "$src/src/arch/smmuv3/hw-decode.c" \
	"$src/src/arch/vtd/cmd.c" "$src/src/arch/vtd/hw-decode.c" \
	"$src/src/arch/riscv/cmd.c" "$src/src/arch/riscv/hw-decode.c" \
	-lpthread -o "$out/test_viommu_eventq32" || exit 1
if "$out/probe" 2>/dev/null; then
	exec "$out/test_viommu_eventq32"
fi
if command -v qemu-i386 >/dev/null 2>&1; then
	exec qemu-i386 "$out/test_viommu_eventq32"
fi
echo "m32-eventq: built, but this kernel runs no i386 binary and qemu-i386 is missing: skipped"
exit 77
