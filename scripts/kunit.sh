#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# KUnit built in: kunit.py run with kunit/.kunitconfig (UML, KASAN and
# UBSAN) in $CACHE/build/kunit, under the build lock.  The raw kernel log
# must also be clean of warnings and sanitizer reports.
#
#	scripts/kunit.sh [plain]
#
# "plain" runs the same suites without KASAN in $CACHE/build/kunit-plain:
# KASAN kernels take wsheap_alloc() out of line, so only that build runs
# its inline fast path (and the wsheap_kasan cases skip there).
#
# Writes "passed failed skipped" to $RESULTS/kunit-builtin (or
# kunit-plain).

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/uml.sh"

t0=$(now)
variant=builtin
kconfig_add=()
if [ "${1:-}" = plain ]; then
	variant=plain
	KUNIT_BUILD=$CACHE/build/kunit-plain
	kconfig_add=(--kconfig_add=CONFIG_KASAN=n --kconfig_add=CONFIG_KASAN_GENERIC=n
		     --kconfig_add=CONFIG_KASAN_VMALLOC=n)
	stage "KUnit built in without KASAN (kunit.py run, UML, UBSAN; inline fast path)"
else
	stage "KUnit built in (kunit.py run, UML, KASAN+UBSAN)"
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

_kunit_run() {
	local stamp=$KUNIT_BUILD/.wsheap-fingerprint rc=0
	_hook_tree
	if [ "$(cat "$stamp" 2>/dev/null || true)" != "$(_fingerprint)" ]; then
		rm -rf "$KUNIT_BUILD/drivers/misc/wsheap"
	fi
	uml_tmpdir
	cd "$TREE" || return 1
	# kunit.py's arch_uml.config turns on UML_PCI_OVER_VIRTIO, which
	# WARNs at boot ("No virtio device ID configured") with a call trace.
	python3 tools/testing/kunit/kunit.py run --kunitconfig="$PROJ/kunit" \
		--kconfig_add=CONFIG_UML_PCI_OVER_VIRTIO=n "${kconfig_add[@]}" \
		--build_dir="$KUNIT_BUILD" --jobs="$JOBS" || rc=$?
	_fingerprint >"$stamp"
	return "$rc"
}

say "build and run in $KUNIT_BUILD (log: $log)"
rc=0
locked _kunit_run >"$log" 2>&1 </dev/null || rc=$?
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
	# a skipped case names what it lacks ("needs ... KASAN"): no report
	check_log "$KUNIT_BUILD/test.log" ' # SKIP ' || rc=1
fi

if [ "$rc" -eq 0 ]; then
	say "KUnit built-in run passed ($(($(now) - t0)) s)"
else
	warn "KUnit built-in run failed; kunit.py output: $log, kernel log: $KUNIT_BUILD/test.log"
fi
exit "$rc"
