#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Lint gate: checkpatch --strict and kernel-doc -Wall on every tracked .c
# and .h, then module builds with sparse on every file (C=2) and W=1:
# against the Debian 6.12 cloud headers (x86_64, a distro config) and
# against the UML module kernel (KUnit and CONFIG_WSHEAP_DEBUG on); last
# the clang build (scripts/clang.sh).  Any finding fails.

. "$(dirname "$0")/lib.sh"

t0=$(now)
stage "lint: checkpatch --strict, kernel-doc, sparse, W=1, clang"
ensure_deps
ensure_tree_unpacked

if git -C "$PROJ" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	mapfile -t files < <(git -C "$PROJ" ls-files -- '*.c' '*.h')
else
	mapfile -t files < <(cd "$PROJ" && find . -name .git -prune -o -name .cache -prune -o \
		-type f \( -name '*.c' -o -name '*.h' \) -print | sed 's|^\./||' | LC_ALL=C sort)
fi
[ ${#files[@]} -gt 0 ] || die "no .c or .h files found in $PROJ"

rc=0
log=$LOGS/lint-checkpatch.log
: >"$log"
for f in "${files[@]}"; do
	if ! (cd "$PROJ" && perl "$TREE/scripts/checkpatch.pl" --strict --no-tree \
			--no-summary --terse --show-types -f "$f") >>"$log" 2>&1; then
		rc=1
	fi
done
if [ "$rc" -ne 0 ] || [ -s "$log" ]; then
	rc=1
	echo "wsheap: checkpatch findings (log: $log):" >&2
	sed 's/^/  | /' "$log" >&2
else
	say "checkpatch: ${#files[@]} files clean"
fi

# kernel-doc as the kernel's documentation build runs it, -Wall: also
# missing return values and short descriptions.  -none checks only.
log=$LOGS/lint-kernel-doc.log
(cd "$PROJ" && perl "$TREE/scripts/kernel-doc" -none -Wall "${files[@]}") >"$log" 2>&1 || true
if grep -qiE 'warning|error' "$log"; then
	rc=1
	echo "wsheap: kernel-doc findings (log: $log):" >&2
	sed 's/^/  | /' "$log" >&2
else
	say "kernel-doc -Wall: ${#files[@]} files clean"
fi

# sparse and W=1 against the Debian headers: x86_64, the config of a real
# distro kernel, and fewer false positives than the UML headers.
v=$(debian_612_version) || exit 1
ensure_pkgs "linux-headers-$v-cloud-amd64"
log=$LOGS/lint-sparse-w1.log
# A fresh shadow dir: W=1 and sparse only report on files they compile.
if WSHEAP_CLEAN=1 build_modules lint "/usr/src/linux-headers-$v-cloud-amd64" "$log" \
		"DEMO STRESS BENCH" C=2; then
	say "sparse (C=2) and W=1 against $v-cloud-amd64: no findings"
else
	rc=1
fi

# The same against the UML module kernel: the only config with KUnit (so
# the suites under kunit/ are checked) and with CONFIG_WSHEAP_DEBUG.
. "$(dirname "$0")/uml.sh"
log=$LOGS/lint-uml-sparse-w1.log
if build_uml_kernel &&
   WSHEAP_CLEAN=1 build_modules lint-uml "$UML_BUILD" "$log" "$UML_CLIENTS" \
		ARCH=um CONFIG_WSHEAP_KUNIT_TEST=m C=2; then
	say "sparse (C=2) and W=1 against the UML module kernel (KUnit, WSHEAP_DEBUG): no findings"
else
	rc=1
fi

# What a distro build gets: the API exports only, the misuse checks off.
bash "$(dirname "$0")/distro-config.sh" || rc=1

# The one version: VERSION, dkms.conf, debian/changelog, the example client.
. "$(dirname "$0")/pkg.sh"
ensure_pkgs dpkg-dev
check_versions || rc=1

# clang (LLVM=1) in a clang-configured UML tree, W=1.
bash "$(dirname "$0")/clang.sh" || rc=1

# Every mutant still applies: one whose code moved tests nothing.
if ! bash "$(dirname "$0")/mutants.sh" --check >"$LOGS/lint-mutants.log" 2>&1; then
	grep '^INVALID' "$LOGS/lint-mutants.log" >&2
	warn "mutants: substitutions that no longer apply ($LOGS/lint-mutants.log)"
	rc=1
else
	say "$(tail -n 1 "$LOGS/lint-mutants.log")"
fi

if [ "$rc" -eq 0 ]; then
	say "lint: clean ($(($(now) - t0)) s)"
else
	warn "lint: findings above"
fi
exit "$rc"
