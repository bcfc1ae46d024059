#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What a distro build of wsheap gets, whatever its kernel enables for
# debugging: run by the lint stage, and on its own by scripts/mutants.sh.
#
#  - In a kernel with KUnit but without CONFIG_WSHEAP_KUNIT_TEST, wsheap.ko
#    exports the API and nothing else (the test-only exports follow the
#    project's test option, not CONFIG_KUNIT).
#  - A DEBUG_KERNEL config does not get CONFIG_WSHEAP_DEBUG by default.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/uml.sh"

ensure_deps
build_uml_kernel || exit 1
rc=0

# exports: build against the UML module kernel (KUnit on) without the
# test option
log=$LOGS/lint-uml-exports.log
api=$(sed -nE 's/^EXPORT_SYMBOL_GPL\(([a-z_]+)\);/\1/p' "$PROJ"/wsheap*.c | LC_ALL=C sort)
if WSHEAP_CLEAN=1 build_modules lint-exports "$UML_BUILD" "$log" "" \
		ARCH=um CONFIG_WSHEAP_KUNIT_TEST=; then
	got=$(awk '$3 ~ /wsheap$/ {print $2}' "$MODDIR/Module.symvers" | LC_ALL=C sort)
	if [ "$got" != "$api" ]; then
		rc=1
		warn "wsheap.ko in a KUnit kernel without CONFIG_WSHEAP_KUNIT_TEST exports more or less than the API:"
		diff <(echo "$api") <(echo "$got") | sed 's/^/  | /' >&2 || true
	else
		say "exports without the test option: the $(wc -l <<<"$api") API symbols only"
	fi
else
	rc=1
fi

# Kconfig: a debug kernel (DEBUG_KERNEL, as distro kernels set) does not
# get the misuse checks unless it asks for them.
ensure_tree	# the Kconfig of this project, hooked in (an up-to-date UML build skips it)
kc=$CACHE/build/kconfig-default
rm -rf "$kc"
mkdir -p "$kc"
printf 'CONFIG_DEBUG_KERNEL=y\nCONFIG_MODULES=y\nCONFIG_WSHEAP=m\n' >"$kc/.config"
if run_logged "$LOGS/lint-kconfig.log" make -C "$TREE" ARCH=um O="$kc" olddefconfig &&
   grep -qx 'CONFIG_WSHEAP=m' "$kc/.config" &&
   ! grep -q '^CONFIG_WSHEAP_DEBUG=y' "$kc/.config"; then
	say "Kconfig: CONFIG_WSHEAP_DEBUG is off by default, DEBUG_KERNEL or not"
else
	rc=1
	warn "Kconfig: a DEBUG_KERNEL config gets CONFIG_WSHEAP_DEBUG=y by default ($kc/.config)"
fi

exit "$rc"
