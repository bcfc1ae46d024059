#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The benchmark (make bench): a tool, not a test, and not run by CI.
#
# Builds a UML kernel without sanitizers or debug checks from
# scripts/uml-bench.config in $CACHE/build/uml-bench, builds wsheap.ko and
# bench/wsheap_bench.ko against it, boots it with enough memory for the
# 1 GiB growth row, loads wsheap then wsheap_bench (which measures and
# prints its table while loading), unloads both and powers off.
#
# The table goes to stdout and to $CACHE/bench.txt.  UML runs kernel code
# at native CPU speed, but its clock, its page tables and its host
# mappings are not those of a real machine: compare rows of one run with
# each other (the ratio columns: to row W, wsheap_alloc into a warm heap,
# and to the kmalloc row that does the same work in the same boot), not
# the absolute times with other machines or other runs.
#
# Environment:
#	BENCH_ARGS		module parameters of wsheap_bench, e.g.
#				BENCH_ARGS="n_objects=200000 reps=9"
#				(arguments to this script are added to them)
#				growth_max_mib=N caps the growth rows,
#				cycles=N sets the repeats of the short jobs,
#				rows=K8,H8 runs only the rows named,
#				ablation=1 the ablation table instead (the
#				modules then built with WSHEAP_ABLATION=y)
#	WSHEAP_BENCH_MEM	memory of the UML kernel (default 3G)
#	WSHEAP_BENCH_CPU	host CPU the UML process runs on (default
#				the last one; "none": wherever the host puts it)
#	WSHEAP_UML_TIMEOUT	seconds before the UML run is killed (1800)
#
# The same module also runs in Debian's packaged kernel under QEMU (bash
# scripts/debian.sh bench), with the 1 GiB growth row that the host's
# mapping limit keeps out of this run and the kmalloc rows in the same
# boot; but TCG emulates the CPU, so its ratios weigh less than these:
# this UML run is the benchmark.
#
# Exits non-zero when a build fails, a module does not load, a row is
# skipped, or the kernel log shows a warning, BUG or oops.
#
# The 1 GiB growth row needs the host's vm.max_map_count well above its
# default of 65530 (UML gives each vmalloc'd page a host mapping of its
# own); below that the growth rows stop at the largest heap that fits.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/uml.sh"

BENCH_FRAGMENT=$PROJ/scripts/uml-bench.config
BENCH_BUILD=$CACHE/build/uml-bench
BENCH_MEM=${WSHEAP_BENCH_MEM:-3G}
BENCH_CPU=${WSHEAP_BENCH_CPU:-$(($(nproc) - 1))}
BENCH_OUT=$CACHE/bench.txt
WSHEAP_UML_TIMEOUT=${WSHEAP_UML_TIMEOUT:-1800}

# ---------------------------------------------------------------- parameters

params=""
# shellcheck disable=SC2086 # BENCH_ARGS is a list of words
for a in ${BENCH_ARGS:-} "$@"; do
	case $a in
	n_objects=[0-9]* | reps=[0-9]* | growth_max_mib=[0-9]* | cycles=[0-9]* | ablation=[01])
		case ${a#*=} in
		*[!0-9]*) die "bad wsheap_bench parameter '$a': the value must be a number" ;;
		esac ;;
	rows=[A-Z]*)
		case ${a#*=} in
		*[!A-Z0-9,]*) die "bad wsheap_bench parameter '$a': row keys like K8,H8" ;;
		esac ;;
	*)
		die "bad wsheap_bench parameter '$a' (known: n_objects=N reps=N growth_max_mib=N cycles=N rows=KEY,... ablation=1)" ;;
	esac
	params+=" $a"
done
case $BENCH_MEM in
'' | [!0-9]* | *[!0-9]*[0-9MG] | *[!0-9MG]*)
	die "bad WSHEAP_BENCH_MEM '$BENCH_MEM' (like 2G or 3072M)" ;;
esac

# ---------------------------------------------------------------- kernel

# The bench kernel is built as uml.sh builds the module kernel, but from
# scripts/uml-bench.config alone, not merged into kunit/.kunitconfig:
# every line of it, the "is not set" ones included, must then be in
# .config as written, which is what keeps sanitizers out.
build_bench_kernel() {
	UML_MERGED=$BENCH_FRAGMENT UML_BUILD=$BENCH_BUILD UML_NAME=uml-bench \
		cached_uml_kernel
}

# ---------------------------------------------------------------- run

t0=$(now)
stage "wsheap bench: UML without sanitizers, wsheap.ko and bench/wsheap_bench.ko"
[ -f "$PROJ/bench/wsheap_bench_main.c" ] || die "bench/wsheap_bench_main.c is not there"
ensure_deps
# Not ensure_tree: nothing here builds the project in the tree (the
# modules are built out of tree, M=), and pointing drivers/misc/wsheap at
# this checkout would pull it under a kunit build of another checkout.  A
# stale bench kernel is rebuilt by _build_uml_kernel, which hooks the
# tree itself, under the lock.
ensure_tree_unpacked
build_bench_kernel || die "could not build the bench UML kernel (logs: $LOGS/uml-bench-*.log)"
t_built=$(now)
# shellcheck disable=SC2046 # bench_make_vars prints make variables
build_modules "uml-bench$(bench_variant "$params")" "$BENCH_BUILD" \
	"$LOGS/uml-bench-modules.log" BENCH ARCH=um $(bench_make_vars "$params") ||
	die "could not build the modules against $BENCH_BUILD (log: $LOGS/uml-bench-modules.log)"
[ -f "$MODDIR/bench/wsheap_bench.ko" ] ||
	die "bench/wsheap_bench.ko was not built (log: $LOGS/uml-bench-modules.log)"

# uml_boot starts "$UML_BUILD/linux mem=512M ...", too little for the
# 1 GiB growth row.  UML takes the last mem= of its command line, so the
# bench boots a wrapper that appends its own.
# It also pins the UML process to one host CPU, which narrows the spread
# of a row's reps (K1 19.7-42.5 ns in one unpinned run, 29.6-40.8 ns at
# worst in six pinned ones); whole runs still move with the host.
kwrap=$CACHE/run/bench/kernel
mkdir -p "$kwrap"
pin=""
if [ "$BENCH_CPU" != none ] && command -v taskset >/dev/null; then
	pin="taskset -c $BENCH_CPU "
fi
cat >"$kwrap/linux.new" <<EOF
#!/bin/sh
# generated by scripts/bench.sh: the bench kernel with more memory
exec $pin"$BENCH_BUILD/linux" "\$@" mem=$BENCH_MEM
EOF
chmod +x "$kwrap/linux.new"
mv "$kwrap/linux.new" "$kwrap/linux"

# UML maps every page of a vmalloc area into its host process with a
# mapping of its own (the pages are not contiguous in UML's memory file),
# and past the host's vm.max_map_count UML panics ("UML ran out of memory
# on the host side").  A 1 GiB heap needs about 262144 such mappings, over
# four times the default limit of 65530, which this script leaves alone:
# the growth rows stop at the largest heap the limit allows, with room for
# UML's own mappings, unless growth_max_mib is given.
map_max=$(cat /proc/sys/vm/max_map_count 2>/dev/null || echo 65530)
growth_cap=$(((map_max - 16384) / 256))
[ "$growth_cap" -le 1024 ] || growth_cap=1024
case $params in
*growth_max_mib=*) ;;
*)
	params+=" growth_max_mib=$growth_cap"
	say "growth rows up to $growth_cap MiB (host vm.max_map_count $map_max; UML maps each vmalloc'd page on its own)" ;;
esac

# shellcheck disable=SC2016 # expanded by the init script
body='mark "$(grep MemTotal /proc/meminfo)"
step insmod $M/wsheap.ko
mark "bench-begin"
step insmod $M/bench/wsheap_bench.ko'"$params"'
mark "bench-end"
step rmmod wsheap_bench
step rmmod wsheap'

say "booting UML (mem=$BENCH_MEM) to run wsheap_bench${params:+ with$params}"
t_boot=$(now)
rc=0
UML_BUILD=$kwrap uml_boot bench "$body" || rc=1
t_end=$(now)

# The table: what wsheap_bench printed between its insmod and its end,
# without the "wsheap_bench: " prefix (and a timestamp, if printk has one).
table=$(sed -n '/^WSHEAP-MARK: bench-begin/,/^WSHEAP-MARK: bench-end/p' "$UML_LOG" |
	sed -nE 's/^(\[ *[0-9]+\.[0-9]+\] )?wsheap_bench: //p' || true)
header="# wsheap bench $(date -u '+%Y-%m-%d %H:%M UTC'), $(git -C "$PROJ" describe --always --dirty 2>/dev/null || echo '?'), UML mem=$BENCH_MEM, ratios comparable within one run only"

echo
echo "$header"
if [ -n "$table" ]; then
	printf '%s\n' "$table"
else
	echo "(wsheap_bench printed nothing)"
fi
echo

if [ "$rc" -eq 0 ] && [ -z "$table" ]; then
	warn "the run completed but wsheap_bench printed no table"
	rc=1
fi
if [ "$rc" -eq 0 ] && grep -q 'skipped:' <<<"$table"; then
	warn "some rows were skipped (see their errors above; -ENOMEM: try WSHEAP_BENCH_MEM=4G)"
	rc=1
fi
if [ "$rc" -eq 0 ]; then
	printf '%s\n%s\n' "$header" "$table" >"$BENCH_OUT"
	say "bench done in $((t_end - t0)) s (kernel $((t_built - t0)) s, modules $((t_boot - t_built)) s, UML run $((t_end - t_boot)) s)"
	say "table saved to $BENCH_OUT; console log: $UML_LOG"
else
	printf '%s\n%s\n' "$header" "$table" >"$CACHE/bench.failed.txt"
	if grep -q 'UML ran out of memory on the host side' "$UML_LOG"; then
		warn "UML panicked: its host process ran out of mappings (vm.max_map_count is $map_max); lower growth_max_mib"
	fi
	warn "bench failed after $((t_end - t0)) s (kernel $((t_built - t0)) s, modules $((t_boot - t_built)) s, UML run $((t_end - t_boot)) s)"
	warn "$BENCH_OUT not updated (this run's output: $CACHE/bench.failed.txt)"
	warn "console log: $UML_LOG"
fi
exit "$rc"
