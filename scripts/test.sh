#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The whole test (make test, and what CI runs): every stage runs even when
# an earlier one failed; the exit status is non-zero if any failed.  The
# last line of output is always
#
#	wsheap: N passed, N failed
#
# with the counts KUnit itself reported, summed over the built-in runs
# (UML with KASAN, UML in atomic context; x86_64 SMP, x86_64 PREEMPT_RT,
# arm64, i386 and KMSAN under QEMU) and the module run;
# crashed cases count as failed, and so does each failed stage whose
# KUnit counts show no failure.  Full logs are in $CACHE/logs.
#
# WSHEAP_STAGES="kunit lint" runs only those stages.  kunit-plain is not
# in the default list: it is the mutants' quick judge of the inline fast
# path, which kunit-smp, kunit-rt, kunit-i386 (no KASAN in those) and the
# patches stage run too.

. "$(dirname "$0")/lib.sh"

ALL_STAGES="kunit atomic kunit-smp kunit-rt kunit-arm64 kunit-i386 kunit-kmsan uml-kunit kasan observe demo debian dkms lint docs patches faults endurance"
STAGES=${WSHEAP_STAGES:-$ALL_STAGES}
HERE=$(dirname "$0")

declare -A script=(
	[kunit]=kunit.sh
	[kunit-plain]="kunit.sh plain"
	[atomic]="kunit.sh atomic"
	[kunit-smp]="kunit.sh smp"
	[kunit-rt]="kunit.sh rt"
	[kunit-arm64]="kunit.sh arm64"
	[kunit-i386]="kunit.sh i386"
	[kunit-kmsan]="kunit.sh kmsan"
	[uml-kunit]=uml-kunit.sh
	[kasan]=kasan.sh
	[observe]=observe.sh
	[demo]=demo.sh
	[debian]=debian.sh
	[dkms]=dkms.sh
	[lint]=lint.sh
	[docs]=docs.sh
	[patches]=patches-check.sh
	[faults]=faults.sh
	[endurance]=endurance.sh
)

t_start=$(now)
mkdir -p "$CACHE/results"
RESULTS=$(mktemp -d "$CACHE/results/run.XXXXXX")
export WSHEAP_RESULTS=$RESULTS
trap 'rm -rf "$RESULTS"' EXIT
failed=()
report=()

stage "dependencies and kernel tree"
if ! (ensure_deps && ensure_tree_unpacked); then
	failed+=(setup)
fi

# A KUnit run under QEMU TCG keeps about one host core busy, a kernel
# build both: so each QEMU variant's run goes to the background while the
# stages after it build, one such run at a time.  Those stages run at
# nice 19: the run's SMP cases count how often its two vCPUs interleaved,
# and a build at the same priority starves them (seen: 0 of 163 mark
# rounds while both CPUs were marking, against 3990 of 4000 alone).
# The run's output is shown when it is waited for: before the next one
# starts, or at the end.
bg_pid=
bg_stage=
bg_t0=
wait_background() {
	local st=ok
	[ -n "$bg_pid" ] || return 0
	wait "$bg_pid" || st=FAILED
	cat "$LOGS/stage-$bg_stage.out"
	[ "$st" = ok ] || failed+=("$bg_stage")
	report+=("$(printf '%-14s %-6s %4d s (run, in the background)' \
		"$bg_stage" "$st" "$(($(cat "$LOGS/stage-$bg_stage.end") - bg_t0))")")
	bg_pid=
}

for s in $STAGES; do
	[ -n "${script[$s]:-}" ] || die "unknown stage $s (known: $ALL_STAGES)"
	read -r file args <<<"${script[$s]}"
	if [ ! -f "$HERE/$file" ]; then
		report+=("$(printf '%-14s %s' "$s" "not there")")
		continue
	fi
	t0=$(now)
	phase=
	if [ "$file" = kunit.sh ] && [ -f "$HERE/../kunit/arch/$args.config" ]; then
		phase=build
	fi
	fg_nice=()
	if [ -n "$bg_pid" ] && kill -0 "$bg_pid" 2>/dev/null; then
		fg_nice=(nice -n 19)
	fi
	# shellcheck disable=SC2086 # args: words on purpose
	if "${fg_nice[@]}" bash "$HERE/$file" $args $phase; then
		st=ok
	else
		st=FAILED
		failed+=("$s")
	fi
	report+=("$(printf '%-14s %-6s %4d s%s' "$s" "$st" "$(($(now) - t0))" \
		"${phase:+ (build)}")")
	if [ -n "$phase" ] && [ "$st" = ok ]; then
		wait_background
		bg_stage=$s
		bg_t0=$(now)
		rm -f "$LOGS/stage-$s.end"
		# shellcheck disable=SC2086
		{
			st=0
			bash "$HERE/$file" $args exec >"$LOGS/stage-$s.out" 2>&1 </dev/null || st=$?
			now >"$LOGS/stage-$s.end"
			exit "$st"
		} &
		bg_pid=$!
	fi
done
wait_background

passed=0
nfailed=0
# the KUnit results of each stage that ran, where the names differ
declare -A results_of=([kunit]=kunit-builtin [atomic]=kunit-atomic
		       [uml-kunit]=kunit-module)
for s in $STAGES; do
	r=${results_of[$s]:-$s}
	[[ $r == kunit-* ]] || continue
	if [ -f "$RESULTS/$r" ]; then
		read -r p f _ <"$RESULTS/$r"
		passed=$((passed + p))
		nfailed=$((nfailed + f))
		report+=("$(printf '%-14s %d passed, %d failed' "$r" "$p" "$f")")
	else
		report+=("$(printf '%-14s %s' "$r" "no KUnit results")")
	fi
done

# A failed stage whose KUnit counts hold no failure (a build, a log check,
# a live line, a stage without KUnit) counts as one failure of its own, so
# that "0 failed" means that nothing failed.
for s in "${failed[@]}"; do
	r=${results_of[$s]:-$s}
	f=0
	if [ -f "$RESULTS/$r" ]; then
		read -r _ f _ <"$RESULTS/$r"
	fi
	if [ "$f" -eq 0 ]; then
		nfailed=$((nfailed + 1))
	fi
done

stage "summary ($(($(now) - t_start)) s; logs in $LOGS)"
printf '  %s\n' "${report[@]}"
if [ ${#failed[@]} -gt 0 ]; then
	printf 'wsheap: FAILED: %s\n' "${failed[*]}"
fi
echo "wsheap: $passed passed, $nfailed failed"
[ ${#failed[@]} -eq 0 ]
