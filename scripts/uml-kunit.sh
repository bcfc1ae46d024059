#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# KUnit as a module: boot the module-capable UML kernel, insmod wsheap.ko
# and then kunit/wsheap_kunit.ko (its KTAP goes to the kernel log), rmmod
# both, power off.  The KTAP of the module is cut out of the console log
# and handed to kunit.py parse.  This proves the exports work across
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
mark "ktap-begin"
step insmod $M/kunit/wsheap_kunit.ko
mark "ktap-end"
step rmmod wsheap_kunit
step rmmod wsheap'

rc=0
uml_boot kunit-module "$body" || rc=1

# Only the module's KTAP: a kunit-flavoured kernel also prints an empty
# built-in run at boot, which kunit.py parse would take for the result.
ktap=$LOGS/uml-kunit-module.ktap
sed -n '/^WSHEAP-MARK: ktap-begin/,/^WSHEAP-MARK: ktap-end/p' "$UML_LOG" |
	grep -v '^WSHEAP-MARK:' >"$ktap" || true
kunit_parse "$ktap" "$res" || rc=1

if [ "$rc" -eq 0 ]; then
	say "KUnit module run passed ($(($(now) - t0)) s); console log: $UML_LOG"
else
	warn "KUnit module run failed; console log: $UML_LOG"
fi
exit "$rc"
