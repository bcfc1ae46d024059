#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Endurance: in one UML boot, N cycles (default 100) of insmod wsheap,
# insmod wsheap_demo, rmmod wsheap_demo, rmmod wsheap.  Afterwards no
# vmalloc area may be left behind: /proc/vmallocinfo is checked for lines
# naming wsheap while it is still loaded (first and last cycle), and its
# size before and after all cycles is compared (an area leaked by an
# unloaded module shows only as an address).  The kernel log must be
# clean.
#
#	scripts/endurance.sh [cycles]

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/uml.sh"

CYCLES=${1:-100}
case $CYCLES in '' | *[!0-9]*) die "usage: $0 [cycles]" ;; esac

t0=$(now)
stage "endurance: $CYCLES cycles of load/unload of wsheap and wsheap_demo"
ensure_deps
build_uml_kernel
build_uml_modules
[ -f "$MODDIR/samples/wsheap_demo.ko" ] ||
	die "samples/wsheap_demo.ko was not built (log: $LOGS/uml-mod-modules.log)"

# shellcheck disable=SC2016 # expanded by the init script
body='N='"$CYCLES"'
before=$(wc -l </proc/vmallocinfo)
i=1
while [ $i -le $N ]; do
	insmod $M/wsheap.ko || fail "cycle $i: insmod wsheap"
	insmod $M/samples/wsheap_demo.ko >/dev/null || fail "cycle $i: insmod wsheap_demo"
	rmmod wsheap_demo || fail "cycle $i: rmmod wsheap_demo"
	if [ $i -eq 1 ] || [ $i -eq $N ]; then
		if grep wsheap /proc/vmallocinfo; then
			fail "cycle $i: vmalloc areas of wsheap left after rmmod wsheap_demo"
		fi
	fi
	rmmod wsheap || fail "cycle $i: rmmod wsheap"
	i=$((i + 1))
done
mark "cycles done: $N"
if grep wsheap /proc/vmallocinfo; then
	fail "vmalloc areas naming wsheap after $N cycles"
fi
after=$(wc -l </proc/vmallocinfo)
mark "vmallocinfo lines: before $before, after $after"
if [ $after -gt $((before + 16)) ]; then
	cat /proc/vmallocinfo
	fail "vmallocinfo grew from $before to $after lines"
fi'

rc=0
uml_boot endurance "$body" || rc=1
grep -E '^WSHEAP-MARK: (cycles done|vmallocinfo)' "$UML_LOG" | sed 's/^WSHEAP-MARK: /wsheap: /' || true

if [ "$rc" -eq 0 ]; then
	say "endurance run clean ($(($(now) - t0)) s); console log: $UML_LOG"
else
	warn "endurance run failed; console log: $UML_LOG"
fi
exit "$rc"
