#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# KASAN sees through the heap: boot the UML module kernel (generic KASAN,
# KASAN_VMALLOC) with kasan_multi_shot, load wsheap and
# samples/wsheap_kasan_probe.ko, which makes each bad access once between
# two log lines ("begin NAME expect TYPE" ... "end NAME"), and valid
# accesses the same way with TYPE "none".  Passes when every bad access
# got exactly one KASAN report of its type, no valid one got any, and the
# log outside the probes is clean.  The one stage where a KASAN report is
# the pass condition.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/uml.sh"

t0=$(now)
stage "KASAN: bad accesses into a heap reported, valid ones not"
ensure_deps
UML_CLIENTS="$UML_CLIENTS KASAN_PROBE"
build_uml_kernel
build_uml_modules
[ -f "$MODDIR/samples/wsheap_kasan_probe.ko" ] ||
	die "samples/wsheap_kasan_probe.ko was not built (log: $LOGS/uml-mod-modules.log)"

# shellcheck disable=SC2016 # expanded by the init script
body='step insmod $M/wsheap.ko
step insmod $M/samples/wsheap_kasan_probe.ko
step rmmod wsheap_kasan_probe
step rmmod wsheap'

rc=0
# Reports are expected: the log is checked below, probe by probe.
UML_CMDLINE_EXTRA=kasan_multi_shot uml_boot kasan "$body" '.' || rc=1

# probe_reports LOG: "NAME EXPECT REPORTS TYPES" for each probe, and the
# log outside the probes on fd 3.
probe_reports() {
	awk '
	/wsheap_kasan_probe: begin / {
		name = $(NF - 2); expect = $NF; n = 0; types = ""; inside = 1
		next
	}
	/wsheap_kasan_probe: end / {
		printf "%s %s %d %s\n", name, expect, n, (types == "" ? "-" : types)
		inside = 0
		next
	}
	inside && /BUG: KASAN: / {
		n++
		t = $0; sub(/.*BUG: KASAN: /, "", t); sub(/ .*/, "", t)
		types = types (types == "" ? "" : ",") t
		next
	}
	!inside { print > "/dev/fd/3" }
	' "$1"
}

outside=$CACHE/run/kasan/outside.log
probes=0
while read -r name expect n types; do
	probes=$((probes + 1))
	if [ "$expect" = none ]; then
		want=0
	else
		want=1
	fi
	if [ "$n" -ne "$want" ] || { [ "$want" -eq 1 ] && [ "$types" != "$expect" ]; }; then
		warn "probe $name: expected $want report(s) of $expect, got $n ($types)"
		rc=1
	else
		say "probe $(printf '%-28s' "$name") $([ "$want" -eq 1 ] && echo "reported: $types" || echo "no report, as it must")"
	fi
done < <(probe_reports "$UML_LOG" 3>"$outside")

[ "$probes" -ge 14 ] || { warn "only $probes probes ran (want 14)"; rc=1; }
check_log "$outside" || rc=1

if [ "$rc" -eq 0 ]; then
	say "KASAN stage passed ($(($(now) - t0)) s); console log: $UML_LOG"
else
	warn "KASAN stage failed; console log: $UML_LOG"
fi
exit "$rc"
