#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# KUnit built in: kunit.py run with kunit/.kunitconfig in a kernel of its
# own, under the build lock.  The raw kernel log must also be clean of
# warnings and sanitizer reports.
#
#	scripts/kunit.sh [builtin|plain|atomic|smp|rt|arm64|i386|kmsan] [build|exec]
#
#  builtin  UML, KASAN, UBSAN and lockdep (PROVE_RAW_LOCK_NESTING), in
#           $CACHE/build/kunit
#  plain    UML without KASAN, whose wsheap_alloc() takes its inline fast
#           path (KASAN kernels take it out of line; the wsheap_kasan
#           cases skip here): the quick judge of the mutants of that path.
#           make test runs the path in the QEMU stages without KASAN
#           (smp, rt, i386) and in the patches stage instead
#  atomic   the builtin kernel (KASAN, lockdep, DEBUG_ATOMIC_SLEEP), the
#           wsheap_kinds and wsheap_concurrent suites only: atomic heaps
#           under a spinlock and in hard interrupts, concurrent heaps
#           shared with an hrtimer
#  smp      x86_64 under QEMU TCG with 2 vCPUs on two NUMA nodes, KCSAN
#           (strict), lockdep, DEBUG_ATOMIC_SLEEP and PREEMPT (KCSAN and
#           KASAN exclude each other, see kunit/arch/smp.config)
#  rt       x86_64 under QEMU TCG with 2 vCPUs, PREEMPT_RT, lockdep with
#           PROVE_RAW_LOCK_NESTING, DEBUG_ATOMIC_SLEEP, UBSAN: sleeping
#           spinlocks and threaded interrupts (kunit/arch/rt.config)
#  arm64    arm64 under QEMU with 2 vCPUs, KASAN, UBSAN and lockdep
#  i386     32-bit x86 under QEMU with 2 vCPUs, UBSAN and lockdep
#  kmsan    x86_64 under QEMU with 2 vCPUs, built with clang, KMSAN
#
# The QEMU variants add kunit/arch/<name>.config to the .kunitconfig and
# check in the kernel log that their checkers were really on.
#
# Writes "passed failed skipped" to $RESULTS/kunit-<variant> (kunit-builtin
# for the default).
#
# With a second argument only half is done: "build" configures and builds
# under the build lock, "exec" boots what the last build left and checks
# it, without the lock.  scripts/test.sh runs a QEMU variant's exec in the
# background while the next stage builds: under TCG a KUnit run keeps
# about one host core busy, a build both.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/uml.sh"

t0=$(now)
variant=${1:-builtin}
phase=${2:-all}
kconfig_add=()
# kunit.py options: arch_args for every subcommand, exec_args for exec only
arch_args=()
exec_args=()
# builtin and atomic share one UML kernel: lockdep with the raw-lock
# nesting rules of PREEMPT_RT (spinlock_t under raw_spinlock_t is a report)
uml_lockdep=(CONFIG_PROVE_LOCKING=y CONFIG_PROVE_RAW_LOCK_NESTING=y
	     CONFIG_DEBUG_ATOMIC_SLEEP=y)
# kernel log lines that show the variant's checkers were on (extended REs)
live=()
# each wsheap_smp case's line on two CPUs, with its evidence above zero:
# the interleavings the case exists for really happened
smp_live=(
	'smp_independent_heaps_on_every_cpu: 2 CPUs, [0-9]+ rounds, [1-9][0-9]* reads of the heap table, [1-9][0-9]* quota refusals as predicted'
	'smp_one_concurrent_heap_fed_by_every_cpu: 2 CPUs fed one concurrent heap [0-9]+ bytes, [1-9][0-9]* blocks from the shared bump pointer, [1-9][0-9]* carved between two of another CPU.s'
	'smp_concurrent_quota_holds_at_every_edge: 2 CPUs, [1-9][0-9]* of [0-9]+ heaps fed by more than one CPU, [1-9][0-9]* refusals right after another CPU.s block'
	'smp_realloc_in_place_only_of_the_last_block: 2 CPUs, a block resized in place on CPU [0-9]+, copied once CPU [0-9]+ had carved'
	'smp_shrink_gives_back_only_its_own_bytes: 2 CPUs, [1-9][0-9]* in-place shrinks, [1-9][0-9]* blocks carved where one gave back'
	'smp_floor_only_rises: 2 CPUs, [1-9][0-9]* of 20000 closed windows raced a zero-byte call'
	'smp_marks_stay_with_their_heap_and_round: 2 CPUs, [1-9][0-9]* marks taken on each, [1-9][0-9]* while the other CPU was marking, [1-9][0-9]* refused by the other CPU.s heaps'
	'smp_get_property_while_another_cpu_allocates: 2 CPUs, GFP_KERNEL heap: [1-9][0-9]* reads, [1-9][0-9]* during an allocation; GFP_ATOMIC heap: [1-9][0-9]* reads, [1-9][0-9]* during an allocation'
	'smp_offline_cpu_gives_back_its_parked_memory: 2 CPUs, [1-9][0-9]* heaps on CPU [0-9]+ while CPU [0-9]+ went offline and back'
)
case $variant in
builtin)
	stage "KUnit built in (kunit.py run, UML, KASAN+UBSAN, lockdep)"
	kconfig_add=("${uml_lockdep[@]}")
	arch_args=(--kconfig_add=CONFIG_UML_PCI_OVER_VIRTIO=n)
	live=('Lock dependency validator') ;;
plain)
	KUNIT_BUILD=$CACHE/build/kunit-plain
	kconfig_add=(CONFIG_KASAN=n CONFIG_KASAN_GENERIC=n CONFIG_KASAN_VMALLOC=n)
	arch_args=(--kconfig_add=CONFIG_UML_PCI_OVER_VIRTIO=n)
	stage "KUnit built in without KASAN (kunit.py run, UML, UBSAN; inline fast path)" ;;
atomic)
	# the builtin stage's kernel, so no build of its own
	kconfig_add=("${uml_lockdep[@]}")
	arch_args=(--kconfig_add=CONFIG_UML_PCI_OVER_VIRTIO=n)
	# the suite glob (lib/glob.c) of wsheap_kinds and wsheap_concurrent
	exec_args=('wsheap_[ck][io]n*')
	live=('Lock dependency validator'
	      'concurrent_heap_shared_with_an_interrupt: [0-9]+ blocks by the thread, [0-9]+ by the interrupt, [1-9][0-9]* of them carved inside')
	stage "KUnit wsheap_kinds and wsheap_concurrent suites in atomic context (UML, KASAN, lockdep, DEBUG_ATOMIC_SLEEP)" ;;
smp)
	stage "KUnit on x86_64 SMP (QEMU TCG, 2 vCPUs on 2 NUMA nodes, KCSAN strict, lockdep, UBSAN)"
	# one CPU on each node, each its own socket (a last-level cache
	# shared across nodes is a WARN at boot); kunit.py gives QEMU -m
	# 1024, half to each node
	smp=2,sockets=2,cores=1,threads=1
	arch_args=(--arch=x86_64 "--qemu_args=-object memory-backend-ram,id=node0,size=512M
		   -object memory-backend-ram,id=node1,size=512M
		   -numa node,nodeid=0,cpus=0,memdev=node0
		   -numa node,nodeid=1,cpus=1,memdev=node1")
	live=('kcsan: enabled early' 'kcsan: strict mode configured'
	      'Lock dependency validator' 'smp: Brought up 2 nodes, 2 CPUs'
	      'kind_numa_node_1_holds_chunks_of_every_class: node 1'
	      "${smp_live[@]}") ;;
rt)
	stage "KUnit on x86_64 PREEMPT_RT (QEMU TCG, 2 vCPUs, lockdep with raw lock nesting, DEBUG_ATOMIC_SLEEP, UBSAN)"
	arch_args=(--arch=x86_64)
	# the banner's "SMP PREEMPT_RT"; the kinds, concurrent and smp suites
	# ran to their end (passed or not: kunit.py counts that)
	live=('Linux version .* PREEMPT_RT' 'Lock dependency validator'
	      'smp: Brought up .* 2 CPUs' "${smp_live[@]}"
	      'ok [0-9]+ wsheap_kinds[[:space:]]*$'
	      'ok [0-9]+ wsheap_concurrent[[:space:]]*$'
	      'ok [0-9]+ wsheap_smp[[:space:]]*$') ;;
arm64)
	stage "KUnit on arm64 (QEMU TCG, 2 vCPUs, KASAN, UBSAN, lockdep)"
	arch_args=(--arch=arm64 --cross_compile=aarch64-linux-gnu-)
	ensure_pkgs gcc-aarch64-linux-gnu qemu-system-arm
	live=('KernelAddressSanitizer initialized' 'Lock dependency validator'
	      'smp: Brought up .* 2 CPUs' "${smp_live[@]}") ;;
i386)
	stage "KUnit on i386 (QEMU TCG, 2 vCPUs, 32-bit, UBSAN, lockdep)"
	arch_args=(--arch=i386 --cross_compile=i686-linux-gnu-)
	ensure_pkgs gcc-i686-linux-gnu
	live=('Lock dependency validator' 'smp: Brought up .* 2 CPUs'
	      "${smp_live[@]}") ;;
kmsan)
	stage "KUnit on x86_64 with KMSAN (clang, QEMU TCG, 2 vCPUs)"
	# the model test's million operations take KMSAN under TCG minutes
	arch_args=(--arch=x86_64 --make_options=LLVM=1)
	exec_args=(--kernel_args=wsheap_reliability_kunit.model_ops=50000)
	ensure_pkgs clang lld llvm
	live=('Starting KernelMemorySanitizer' 'smp: Brought up .* 2 CPUs'
	      "${smp_live[@]}" 'kmsan_realloc_keeps_what_it_kept: KMSAN'
	      'kmsan_reused_block_reads_uninitialised: KMSAN reported') ;;
*)
	die "unknown KUnit variant $variant" ;;
esac
if [ -f "$PROJ/kunit/arch/$variant.config" ]; then
	KUNIT_BUILD=$CACHE/build/kunit-$variant
	mapfile -t -O ${#kconfig_add[@]} kconfig_add < \
		<(grep -E '^CONFIG_' "$PROJ/kunit/arch/$variant.config")
	# 2 vCPUs, one host thread each (multi-threaded TCG; KVM is not there)
	arch_args+=("--qemu_args=-smp ${smp:-2} -accel tcg,thread=multi")
	exec_args+=(--timeout=1200)
fi
ensure_deps
ensure_tree

res=$RESULTS/kunit-$variant
log=$LOGS/kunit-$variant.log
rm -f "$res"

# A fingerprint of the project's sources and of the objects built from
# them in $KUNIT_BUILD.  Kbuild goes by mtimes, which a copy or a tool
# that swaps the sources behind the drivers/misc/wsheap link (a mutation
# run, another checkout) can fool into keeping stale objects; when the
# fingerprint left by the last run here does not match, those objects go.
_fingerprint() {
	{
		(cd "$PROJ" && find . -name .git -prune -o -name .cache -prune -o -type f \
			\( -name '*.[ch]' -o -name Kbuild -o -name Kconfig -o -name .kunitconfig \) \
			-print | LC_ALL=C sort | xargs -r sha1sum)
		if [ -d "$KUNIT_BUILD/drivers/misc/wsheap" ]; then
			find "$KUNIT_BUILD/drivers/misc/wsheap" -name '*.o' | LC_ALL=C sort | xargs -r sha1sum
		fi
	} | sha1sum | cut -d' ' -f1
}

_kunit_build() {
	local stamp=$KUNIT_BUILD/.wsheap-fingerprint rc=0
	_hook_tree
	if [ "$(cat "$stamp" 2>/dev/null || true)" != "$(_fingerprint)" ]; then
		rm -rf "$KUNIT_BUILD/drivers/misc/wsheap"
	fi
	cd "$TREE" || return 1
	# kunit.py's arch_uml.config turns on UML_PCI_OVER_VIRTIO, which
	# WARNs at boot ("No virtio device ID configured") with a call trace.
	python3 tools/testing/kunit/kunit.py build --kunitconfig="$PROJ/kunit" \
		"${arch_args[@]}" "${kconfig_add[@]/#/--kconfig_add=}" \
		--build_dir="$KUNIT_BUILD" --jobs="$JOBS" || rc=$?
	_fingerprint >"$stamp"
	return "$rc"
}

# kunit.py terminate()s a kernel that outlives its --timeout (300 s, or
# the one in exec_args) and waits for it; a UML kernel spinning inside a
# broken allocator ignores SIGTERM, and both waited for ever (seen with a
# mutant).  A minute past that timeout, the whole process group is killed.
_kunit_exec() {
	local limit=300 a pid waited=0
	for a in "${exec_args[@]}"; do
		case $a in --timeout=*) limit=${a#--timeout=} ;; esac
	done
	uml_tmpdir
	cd "$TREE" || return 1
	setsid python3 tools/testing/kunit/kunit.py exec "${arch_args[@]}" \
		--build_dir="$KUNIT_BUILD" "${exec_args[@]}" &
	pid=$!
	# in a session of its own, it does not get a Ctrl-C of ours
	trap 'kill -9 -- "-$pid" 2>/dev/null; exit 130' INT TERM
	while kill -0 "$pid" 2>/dev/null; do
		if [ "$waited" -gt $((limit + 60)) ]; then
			echo "wsheap: the kernel outlived kunit.py's timeout of $limit s: killed"
			kill -9 -- "-$pid" 2>/dev/null
			break
		fi
		sleep 1
		waited=$((waited + 1))
	done
	wait "$pid"
}

if [ "$phase" != exec ]; then
	say "build in $KUNIT_BUILD (log: $log)"
	if ! locked _kunit_build >"$log" 2>&1 </dev/null; then
		tail -n 30 "$log" | sed 's/^/  | /' >&2
		warn "the KUnit $variant kernel did not build (log: $log)"
		exit "$EXIT_NO_BUILD"
	fi
	say "KUnit $variant kernel built ($(($(now) - t0)) s)"
	[ "$phase" = build ] && exit 0
fi

say "run $KUNIT_BUILD (log: $log)"
rc=0
_kunit_exec >>"$log" 2>&1 </dev/null || rc=$?
show_results "$log"
if ! summary_counts "$log" "$res"; then
	warn "no KUnit summary in $log (kunit.py exit $rc); its last lines:"
	tail -n 30 "$log" | sed 's/^/  | /' >&2
	rc=1
elif [ "$rc" -ne 0 ]; then
	warn "kunit.py exited with status $rc"
	rc=1
fi
if [ -f "$KUNIT_BUILD/test.log" ]; then
	# A report a case provokes on purpose sits between its two marker
	# lines (wsheap_kasan_kunit.c): the case counts it, the check skips it.
	sed '/wsheap: a KMSAN report is expected here/,/wsheap: the expected KMSAN report ends here/d' \
		"$KUNIT_BUILD/test.log" >"$KUNIT_BUILD/test-checked.log"
	# a skipped case names what it lacks ("needs ... KASAN"): no report
	check_log "$KUNIT_BUILD/test-checked.log" ' # SKIP ' || rc=1
	for re in "${live[@]}"; do
		if ! grep -qE "$re" "$KUNIT_BUILD/test.log"; then
			warn "the kernel log lacks '$re': a checker of this stage was not on, or a case did not run to its end"
			rc=1
		fi
	done
fi

if [ "$rc" -eq 0 ]; then
	say "KUnit $variant run passed ($(($(now) - t0)) s)"
else
	warn "KUnit built-in run failed; kunit.py output: $log, kernel log: $KUNIT_BUILD/test.log"
fi
exit "$rc"
