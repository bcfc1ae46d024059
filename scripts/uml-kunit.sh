#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# KUnit as a module: boot the module-capable UML kernel, insmod wsheap.ko
# and then each KUnit module of kunit/, one per kunit/*.c (its KTAP goes
# to the kernel log), rmmod them, power off.  The KTAP of each module is
# cut out of the console log and handed to kunit.py parse; the counts are
# summed.  This proves the exports work across module boundaries, under
# KASAN and UBSAN.
#
# Writes "passed failed skipped" to $RESULTS/kunit-module.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/uml.sh"

t0=$(now)
stage "KUnit as a module (UML, KASAN+UBSAN)"
ensure_deps
build_uml_kernel
build_uml_modules || exit "$EXIT_NO_BUILD"
# The KUnit modules: one per suite, kunit/<name>.c builds <name>.ko.
# wsheap_smp is built (modpost checks what it imports) but not loaded:
# UML has one CPU, and each of its cases needs two.
mods=()
for c in "$PROJ"/kunit/*.c; do
	[ "$(basename "$c")" = wsheap_smp_kunit.c ] && continue
	mods+=("$(basename "$c" .c)")
done
[ ${#mods[@]} -gt 0 ] || die "no KUnit suite in $PROJ/kunit"
for m in "${mods[@]}"; do
	[ -f "$MODDIR/kunit/$m.ko" ] || die "no kunit/$m.ko was built ($LOGS/uml-mod-modules.log)"
done

res=$RESULTS/kunit-module
mkdir -p "$(dirname "$res")"
rm -f "$res"

# Load them in turn, each one's KTAP between marks; unload in reverse.
# shellcheck disable=SC2016 # $M: expanded by the init script
body='step insmod $M/wsheap.ko'
for m in "${mods[@]}"; do
	body+=$'\n'"mark \"ktap-begin $m\""
	body+=$'\n'"step insmod \$M/kunit/$m.ko"
	body+=$'\n''mark "ktap-end"'
done
for ((i = ${#mods[@]} - 1; i >= 0; i--)); do
	body+=$'\n'"step rmmod ${mods[i]}"
done
body+=$'\n''step rmmod wsheap'

rc=0
# a skipped case names what it lacks ("needs ... KASAN"): no report
uml_boot kunit-module "$body" ' # SKIP ' || rc=1

# Only the modules' KTAP: a kunit-flavoured kernel also prints an empty
# built-in run at boot, which kunit.py parse would take for the result.
passed=0 failed=0 skipped=0
for m in "${mods[@]}"; do
	ktap=$LOGS/uml-kunit-module-$m.ktap
	# (the console ends its lines with CR LF)
	sed -n "/^WSHEAP-MARK: ktap-begin $m\r\?\$/,/^WSHEAP-MARK: ktap-end/p" "$UML_LOG" |
		grep -v '^WSHEAP-MARK:' >"$ktap" || true
	kunit_parse "$ktap" "$res.$m" || rc=1
	if [ -f "$res.$m" ]; then
		read -r p f s <"$res.$m"
		passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
		rm -f "$res.$m"
	fi
done
echo "$passed $failed $skipped" >"$res"

if [ "$rc" -eq 0 ]; then
	say "KUnit module run passed ($(($(now) - t0)) s); console log: $UML_LOG"
else
	warn "KUnit module run failed; console log: $UML_LOG"
fi
exit "$rc"
