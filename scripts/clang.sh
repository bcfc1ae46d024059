#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The clang build of the lint gate: Debian's clang and LLVM tools
# (LLVM=1) prepare a UML tree from the same configuration as the module
# kernel of uml.sh (KUnit, KASAN, CONFIG_WSHEAP_DEBUG), in its own
# directory $CACHE/build/uml-clang, and build the project's modules in it
# (every client: demo, stress, benchmark, KASAN probe, observe, KUnit
# suites) with W=1: any compiler or modpost warning fails.  A tree
# configured for gcc cannot build clang modules (its .config holds gcc's
# flags), so the clang tree is configured and prepared (modules_prepare)
# but not linked: modpost reads the symbol list of the gcc kernel of the
# same configuration (uml.sh's, which the stages before this one built),
# as the exports do not depend on the compiler.  That saves a whole clang
# kernel build in a cold run.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/uml.sh"

t0=$(now)
ensure_deps
ensure_pkgs clang llvm lld
ensure_tree_unpacked

# The kernel's own minimum (scripts/min-tool-version.sh), said plainly
# before Kbuild refuses with less.
need=$(SRCARCH=um sh "$TREE/scripts/min-tool-version.sh" llvm)
have=$(clang -dumpversion)
if [ "$(printf '%s\n%s\n' "$need" "$have" | sort -V | head -n 1)" != "$need" ]; then
	die "clang $have is older than $need, the oldest Linux 6.12 builds with"
fi

# LLVM=1 in the environment reaches every make below: the configuration,
# the kernel and the modules.
# the gcc kernel of the same configuration, for its symbol list
if ! build_uml_kernel; then
	warn "the UML kernel did not build (log: $LOGS/$UML_NAME-kernel.log)"
	exit 1
fi
symvers=$UML_BUILD/vmlinux.symvers

export LLVM=1
UML_BUILD=$CACHE/build/uml-clang
UML_NAME=uml-clang
if ! prepare_uml_tree "$symvers"; then
	warn "the clang UML tree was not prepared (log: $LOGS/$UML_NAME-kernel.log)"
	exit 1
fi
grep -q '^CONFIG_CC_IS_CLANG=y' "$UML_BUILD/.config" ||
	die "$UML_BUILD/.config is not a clang configuration"

log=$LOGS/lint-clang.log
# UML's asm/io.h leaves PCI_IOBASE a null pointer, and the inline port
# accessors of asm-generic/io.h add to it: clang's -Wnull-pointer-arithmetic
# (W=1) reports each in every file that includes <linux/io.h> (through
# <linux/trace_events.h>, say).  That header, and that warning only, is let
# through; anything else still fails.
export BUILD_WARN_ALLOW="^$TREE/include/asm-generic/io\.h:[0-9]+:[0-9]+: warning: performing pointer arithmetic on a null pointer has undefined behavior \[-Wnull-pointer-arithmetic\]\$"
# A fresh shadow dir: warnings only show when a file is compiled.
if ! WSHEAP_CLEAN=1 build_modules lint-clang "$UML_BUILD" "$log" "DEMO STRESS BENCH KASAN_PROBE OBSERVE" \
		ARCH=um CONFIG_WSHEAP_KUNIT_TEST=m; then
	exit 1
fi
say "clang $have (LLVM=1), W=1 against the clang UML tree (KUnit, KASAN, WSHEAP_DEBUG): no warnings ($(($(now) - t0)) s)"
