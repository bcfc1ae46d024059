#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo (make demo): build the module-capable UML kernel and the
# modules, boot it, insmod wsheap then samples/wsheap_demo (default module
# parameters), show what the demo printed, rmmod both.  Exits 0 only if
# all of it happened with a clean kernel log (no WARNING, BUG, KASAN...).
#
# Extra arguments are passed to the demo as module parameters, e.g.
#	scripts/demo.sh batches=8

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/uml.sh"

t0=$(now)
stage "wsheap demo: UML kernel with wsheap.ko and samples/wsheap_demo.ko"
ensure_deps
build_uml_kernel
build_uml_modules
[ -f "$MODDIR/samples/wsheap_demo.ko" ] ||
	die "samples/wsheap_demo.ko was not built (is samples/wsheap_demo.c there? log: $LOGS/uml-mod-modules.log)"

params=""
for a in "$@"; do
	case $a in
	*[!A-Za-z0-9_=,.-]*) die "bad module parameter: $a" ;;
	esac
	params+=" $a"
done

# shellcheck disable=SC2016 # expanded by the init script
body='step insmod $M/wsheap.ko
mark "demo-begin"
step insmod $M/samples/wsheap_demo.ko'"$params"'
step rmmod wsheap_demo
mark "demo-end"
step rmmod wsheap'

rc=0
uml_boot demo "$body" || rc=1

# What the demo printed, from its insmod to its rmmod.
echo
echo "---- kernel log of the demo ----"
sed -n '/^WSHEAP-MARK: demo-begin/,/^WSHEAP-MARK: demo-end/p' "$UML_LOG" |
	grep -v '^WSHEAP-MARK:' || true
echo "--------------------------------"
if [ "$rc" -eq 0 ]; then
	say "demo: wsheap and wsheap_demo loaded and unloaded, kernel log clean ($(($(now) - t0)) s)"
	say "full console log: $UML_LOG"
else
	warn "demo failed; full console log: $UML_LOG"
fi
exit "$rc"
