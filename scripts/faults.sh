#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fault injection: boot the UML module kernel, load wsheap, point
# failslab, fail_page_alloc and fail_wsheap at wsheap's own code (stack
# trace filter on the module's address range, so the rest of the kernel
# and the stress client's own allocations are left alone), then load
# samples/wsheap_stress.ko, which drives heaps for a few seconds and
# fails to load if any call gave a result the contract does not allow.
# Then failslab and fail_page_alloc fail every allocation of one task
# (task-filter, probability 100) and samples/wsheap_reserve.ko, which
# marks its own task, shows that a reserve carries hundreds of rounds
# while the injection is shown live in the same run.
# Injected failures are silent (verbose=0); any other report in the
# kernel log (a warning, a stack trace, KASAN...) fails the run.  Each
# injector must have failed calls in each phase (its "times" count, read
# back), and both wsheap_create() and wsheap_alloc() must have seen
# -ENOMEM under wsheap_stress.
#
#	scripts/faults.sh [probability-percent [duration-ms]]

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/uml.sh"

PROB=${1:-10}
DURATION=${2:-3000}
TIMES=1000000000
case "$PROB$DURATION" in *[!0-9]*) die "usage: $0 [probability-percent [duration-ms]]" ;; esac

t0=$(now)
stage "fault injection: wsheap_stress under failslab, fail_page_alloc, fail_wsheap ($PROB%)"
ensure_deps
build_uml_kernel
build_uml_modules
for m in wsheap_stress wsheap_reserve; do
	[ -f "$MODDIR/samples/$m.ko" ] ||
		die "samples/$m.ko was not built (log: $LOGS/uml-mod-modules.log)"
done

# shellcheck disable=SC2016 # expanded by the init script
body='D=/sys/kernel/debug
step insmod $M/wsheap.ko
# name size refcount deps state address
set -- $(grep "^wsheap " /proc/modules)
[ "$6" != "" ] && [ "$6" != "0x0000000000000000" ] || fail "no address for wsheap in /proc/modules"
start=$(($6))
end=$((start + $2))
mark "wsheap.ko at $6, $2 bytes"
for f in failslab fail_page_alloc fail_wsheap; do
	[ -d $D/$f ] || fail "no $D/$f"
	echo 0 >$D/$f/probability
	echo 1 >$D/$f/interval
	# a count that each injected failure takes one from: what is gone
	# after a run is how often that injector failed a call
	echo '"$TIMES"' >$D/$f/times
	echo 0 >$D/$f/space
	echo 0 >$D/$f/verbose
	echo N >$D/$f/task-filter
	echo $start >$D/$f/require-start
	echo $end >$D/$f/require-end
	echo 32 >$D/$f/stacktrace-depth
done
echo N >$D/failslab/ignore-gfp-wait
echo N >$D/fail_page_alloc/ignore-gfp-wait
echo N >$D/fail_page_alloc/ignore-gfp-highmem
echo 0 >$D/fail_page_alloc/min-order
for f in failslab fail_page_alloc fail_wsheap; do
	echo '"$PROB"' >$D/$f/probability
done
mark "stress-begin"
step insmod $M/samples/wsheap_stress.ko duration_ms='"$DURATION"'
mark "stress-end"
for f in failslab fail_page_alloc fail_wsheap; do
	echo 0 >$D/$f/probability
	mark "stress: $f times left $(cat $D/$f/times)"
	echo '"$TIMES"' >$D/$f/times
done
step rmmod wsheap_stress
for f in failslab fail_page_alloc; do
	echo 0 >$D/$f/require-start
	echo 18446744073709551615 >$D/$f/require-end
	echo Y >$D/$f/task-filter
	echo 100 >$D/$f/probability
done
mark "reserve-begin"
step insmod $M/samples/wsheap_reserve.ko
mark "reserve-end"
for f in failslab fail_page_alloc; do
	echo 0 >$D/$f/probability
	mark "reserve: $f times left $(cat $D/$f/times)"
done
step rmmod wsheap_reserve
step rmmod wsheap'

rc=0
uml_boot faults "$body" || rc=1

# injected PHASE INJECTOR...: each injector must have failed calls in PHASE.
injected() {
	local phase=$1 f left
	shift
	for f in "$@"; do
		left=$(sed -nE "s/^WSHEAP-MARK: $phase: $f times left ([0-9]+).*/\1/p" "$UML_LOG")
		if [ -z "$left" ]; then
			warn "$phase: no count of $f's failures in the log"
			rc=1
		elif [ "$left" -ge "$TIMES" ]; then
			warn "$phase: $f failed no call: it did not reach wsheap"
			rc=1
		else
			say "$phase: $f failed $((TIMES - left)) calls"
		fi
	done
}
injected stress failslab fail_page_alloc fail_wsheap
injected reserve failslab fail_page_alloc

line=$(sed -n '/^WSHEAP-MARK: stress-begin/,/^WSHEAP-MARK: stress-end/p' "$UML_LOG" |
	grep -E 'wsheap_stress: ops=' | tail -n 1 || true)
if [ -n "$line" ]; then
	say "${line#*wsheap_stress: }"
	errors=$(sed -nE 's/.*errors=([0-9]+).*/\1/p' <<<"$line")
	for op in create alloc; do
		n=$(sed -nE "s/.* enomem_$op=([0-9]+).*/\1/p" <<<"$line")
		if [ "${n:-0}" -eq 0 ]; then
			warn "no $op call saw -ENOMEM: the fault injection did not reach it"
			rc=1
		fi
	done
	if [ "${errors:-1}" -ne 0 ]; then
		warn "wsheap_stress counted $errors results the contract does not allow:"
		grep -E 'wsheap_stress:' "$UML_LOG" | head -n 20 | sed 's/^/  | /' >&2
		rc=1
	fi
else
	warn "wsheap_stress printed no counts"
	rc=1
fi

line=$(sed -n '/^WSHEAP-MARK: reserve-begin/,/^WSHEAP-MARK: reserve-end/p' "$UML_LOG" |
	grep -E 'wsheap_reserve: rounds=' | tail -n 1 || true)
if [ -n "$line" ]; then
	say "reserve under total failure: ${line#*wsheap_reserve: }"
else
	warn "wsheap_reserve printed no counts"
	rc=1
fi

if [ "$rc" -eq 0 ]; then
	say "fault injection run clean ($(($(now) - t0)) s); console log: $UML_LOG"
else
	warn "fault injection run failed; console log: $UML_LOG"
fi
exit "$rc"
