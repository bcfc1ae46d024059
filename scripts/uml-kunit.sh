#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# KUnit as a module: boot the module-capable UML kernel, insmod wsheap.ko
# and then each KUnit module of kunit/ (its KTAP goes to the kernel log),
# rmmod them, power off.  The KTAP of each module is cut out of the console
# log and handed to kunit.py parse; the counts are summed.  This proves the exports work across
# module boundaries, under KASAN and UBSAN.
#
# Writes "passed failed skipped" to $RESULTS/kunit-module.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/uml.sh"

t0=$(now)
stage "KUnit as a module (UML, KASAN+UBSAN)"
ensure_deps
build_uml_kernel
build_uml_modules
[ -f "$MODDIR/kunit/wsheap_kunit.ko" ] || die "no kunit/wsheap_kunit.ko was built ($LOGS/uml-mod-modules.log)"

res=$RESULTS/kunit-module
mkdir -p "$(dirname "$res")"
rm -f "$res"

# shellcheck disable=SC2016 # expanded by the init script
body='step insmod $M/wsheap.ko
mark "ktap-begin wsheap_kunit"
step insmod $M/kunit/wsheap_kunit.ko
mark "ktap-end"
mark "ktap-begin wsheap_smp_kunit"
step insmod $M/kunit/wsheap_smp_kunit.ko
mark "ktap-end"
step rmmod wsheap_smp_kunit
step rmmod wsheap_kunit
step rmmod wsheap'

rc=0
uml_boot kunit-module "$body" || rc=1

# Only the modules' KTAP: a kunit-flavoured kernel also prints an empty
# built-in run at boot, which kunit.py parse would take for the result.
passed=0 failed=0 skipped=0
for m in wsheap_kunit wsheap_smp_kunit; do
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
