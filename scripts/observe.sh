#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Observability: boot the UML module kernel, load wsheap, switch the
# wsheap trace events on through tracefs, load samples/wsheap_observe.ko
# (a heap named "observe-demo": one chunk, one refusal, one reset, one
# more block; it prints the heap's properties), read
# /sys/kernel/debug/wsheap/heaps, unload the client and read the trace,
# then /sys/kernel/debug/wsheap/parked before and after a drop_caches.
# Passes when the debugfs line agrees with the properties and the
# sequence, /proc/allocinfo charges the client's heaps to the client, the
# trace holds its events in order, and the shrinker leaves nothing
# parked.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/uml.sh"

t0=$(now)
stage "observability: /sys/kernel/debug/wsheap/heaps, /proc/allocinfo and wsheap: trace events"
RESERVE_BYTES=2048	# samples/wsheap_observe.c's RESERVED_BYTES
ensure_deps
UML_CLIENTS="$UML_CLIENTS OBSERVE"
build_uml_kernel
build_uml_modules || exit "$EXIT_NO_BUILD"
[ -f "$MODDIR/samples/wsheap_observe.ko" ] ||
	die "samples/wsheap_observe.ko was not built (log: $LOGS/uml-mod-modules.log)"

# shellcheck disable=SC2016 # expanded by the init script
body='T=/sys/kernel/tracing
mount -t tracefs tracefs $T || fail "mount tracefs"
step insmod $M/wsheap.ko
echo 1 >$T/events/wsheap/enable || fail "no wsheap trace events"
step insmod $M/samples/wsheap_observe.ko
mark "debugfs-begin"
cat /sys/kernel/debug/wsheap/heaps || fail "no /sys/kernel/debug/wsheap/heaps"
mark "debugfs-end"
# read while the client is loaded, so that its call sites have names
mark "trace-begin"
grep -v "^#" $T/trace
mark "trace-end"
echo >$T/trace
step rmmod wsheap_observe
mark "unload-begin"
grep -v "^#" $T/trace
mark "unload-end"
echo 0 >$T/events/wsheap/enable
# what the freed heaps of the client parked, and what drop_caches leaves
mark "parked-begin"
cat /sys/kernel/debug/wsheap/parked || fail "no /sys/kernel/debug/wsheap/parked"
mark "parked-end"
echo 3 >/proc/sys/vm/drop_caches || fail "no drop_caches"
mark "dropped-begin"
cat /sys/kernel/debug/wsheap/parked
mark "dropped-end"
step rmmod wsheap'

rc=0
uml_boot observe "$body" || rc=1

# Memory allocation profiling, in a kernel of its own: the module
# kernel's config with CONFIG_MEM_ALLOC_PROFILING, where wsheap parks
# nothing (the parking checks below need the other kernel).  The unload
# after the read must find no byte left charged to the client (the kernel
# warns otherwise, which fails the boot).
PROF_MERGED=$CACHE/build/uml-prof.kunitconfig
{
	cat "$UML_MERGED"
	printf '%s\n' CONFIG_MEM_ALLOC_PROFILING=y CONFIG_MEM_ALLOC_PROFILING_ENABLED_BY_DEFAULT=y
} >"$PROF_MERGED.new"
mv "$PROF_MERGED.new" "$PROF_MERGED"
# shellcheck disable=SC2016 # expanded by the init script
allocbody='step insmod $M/wsheap.ko
step insmod $M/samples/wsheap_observe.ko
mark "allocinfo-begin"
grep -E "wsheap" /proc/allocinfo
mark "allocinfo-end"
step rmmod wsheap_observe
step rmmod wsheap'
if UML_MERGED=$PROF_MERGED UML_BUILD=$CACHE/build/uml-prof UML_NAME=uml-prof cached_uml_kernel &&
   build_modules uml-prof "$CACHE/build/uml-prof" "$LOGS/uml-prof-modules.log" OBSERVE ARCH=um; then
	UML_BUILD=$CACHE/build/uml-prof uml_boot observe-allocinfo "$allocbody" || rc=1
else
	warn "no profiling kernel to boot (logs: $LOGS/uml-prof-*.log)"
	rc=1
fi
alloclog=$LOGS/uml-observe-allocinfo.log
log=$LOGS/uml-observe.log

# section NAME: the console lines between two marks (UML ends them in CR)
section() {
	sed -n "/^WSHEAP-MARK: $1-begin/,/^WSHEAP-MARK: $1-end/p" "$log" |
		tr -d '\r' | grep -v '^WSHEAP-MARK:' || true
}
# prop KEY: a value from the client's "props" line
prop() {
	tr -d '\r' <"$log" |
		sed -n "s/.*wsheap_observe: props .*\\b$1=\\([^ ]*\\).*/\\1/p" | head -n 1
}
expect() {
	if [ "$2" = "$3" ]; then
		say "$(printf '%-28s %s' "$1" "$2")"
	else
		warn "$1: expected '$3', got '$2'"
		rc=1
	fi
}

heaps=$(section debugfs)
trace=$(section trace)$'\n'$(section unload)
echo "---- /sys/kernel/debug/wsheap/heaps ----"
printf '%s\n' "$heaps"
echo "---- wsheap trace events ----"
printf '%s\n' "$trace"
echo "-----------------------------"

actual=$(prop actual)
[ -n "$actual" ] || { warn "the client printed no properties"; rc=1; }
expect "debugfs header" "$(head -n 1 <<<"$heaps")" \
	"name max trim requested actual peak chunks resets quota_refusals oom_refusals reserve flags"
line=$(grep '^observe-demo ' <<<"$heaps" || true)
expect "debugfs fields" "$(wc -w <<<"$line")" 12
read -r _ max trim req act peak chunks resets quota oom reserve flags <<<"$line"
expect "max = MAX_SIZE" "${max:-}" "$(prop max)"
expect "trim = TRIM_SIZE" "${trim:-}" "$(prop trim)"
expect "requested = REQUESTED_SIZE" "${req:-}" "$(prop requested)"
expect "actual = ACTUAL_SIZE" "${act:-}" "$actual"
expect "peak (before the reset)" "${peak:-}" 100
expect "chunks" "${chunks:-}" 1
expect "resets" "${resets:-}" 1
expect "quota refusals" "${quota:-}" 1
expect "out-of-memory refusals" "${oom:-}" 0
expect "reserve = RESERVE" "${reserve:-}" 0
expect "flags (none)" "${flags:-}" -
# the client's second heap: a quota, a reserve and nothing else
line=$(grep '^observe-reserve ' <<<"$heaps" || true)
read -r _ max trim req _ _ _ _ _ _ reserve _ <<<"$line"
expect "reserve heap: max" "${max:-}" 8192
expect "reserve heap: requested" "${req:-}" 0
expect "reserve heap: reserve = RESERVE" "${reserve:-}" 2048

# Memory allocation profiling: the client's heap object and chunk are
# charged to its own calls of wsheap_create() and wsheap_alloc(), the
# reserve heap's object and reserve to its wsheap_create(); nothing to
# wsheap's allocators.  Columns: bytes calls file:line [module] func:NAME.
allocinfo=$(log=$alloclog section allocinfo)
echo "---- /proc/allocinfo, the lines that name wsheap ----"
printf '%s\n' "$allocinfo"
# charged FUNC: the bytes charged to the call sites of function FUNC
charged() {
	awk -v f="func:$1" '$NF == f { b += $1 } END { print b + 0 }' <<<"$allocinfo"
}
# (the slab charges an object's whole slot, KASAN's metadata included)
expect "allocinfo: the sequence's chunk" \
	"$(( $(charged observe_sequence) >= ${actual:-1} ? 1 : 0 ))" 1
expect "allocinfo: the reserve heap" \
	"$(( $(charged observe_create_reserved) > RESERVE_BYTES ? 1 : 0 ))" 1
expect "allocinfo: wsheap's own allocators" \
	"$(( $(charged wsheap_slab_alloc) + $(charged wsheap_vmalloc_node) ))" 0

# Parked memory: some after the client's heaps are freed, none once the
# shrinker has run (drop_caches).  Columns: cpu items bytes.
parked=$(section parked)
dropped=$(section dropped)
echo "---- /sys/kernel/debug/wsheap/parked, then after drop_caches ----"
printf '%s\n' "$parked" "$dropped"
expect "parked header" "$(head -n 1 <<<"$parked")" "cpu items bytes"
expect "parked: some bytes" \
	"$(awk 'NR > 1 { b += $3 } END { print (b > 0) ? "yes" : "no" }' <<<"$parked")" yes
expect "after drop_caches: none" \
	"$(awk 'NR > 1 { n += $2 + $3 } END { print (NR > 1 && n == 0) ? "none" : n }' <<<"$dropped")" none

# The sequence's events, each once and in this order.
events=(
	"wsheap_chunk_alloc: .* name=observe-demo bytes=$actual from=slab"
	"wsheap_refuse: .* name=observe-demo err=-122 size=5000 caller=observe_sequence\\+"
	"wsheap_reset: .* name=observe-demo requested_before=100 actual_after=$actual"
	"wsheap_chunk_free: .* name=observe-demo bytes=$actual from=slab"
)
last=0
for e in "${events[@]}"; do
	n=$(grep -nE "$e" <<<"$trace" | cut -d: -f1 || true)
	if [ "$(wc -w <<<"$n")" -ne 1 ] || [ "$n" -le "$last" ]; then
		warn "trace: expected one '$e' after line $last, got lines: ${n:-none}"
		rc=1
	else
		say "trace line $n: ${e%%:*}"
		last=$n
	fi
done

if [ "$rc" -eq 0 ]; then
	say "observe stage passed ($(($(now) - t0)) s); console log: $log"
else
	warn "observe stage failed; console log: $log"
fi
exit "$rc"
