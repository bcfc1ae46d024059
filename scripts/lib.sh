# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Shared functions of the wsheap scripts.  Source it, do not run it:
#
#	. "$(dirname "$0")/lib.sh"
#
# Everything built lives under $CACHE (WSHEAP_CACHE, default
# ~/.cache/wsheap), never in the project tree:
#
#	$CACHE/src/linux-source-6.12	kernel source, unpacked once
#	$CACHE/build/kunit		kunit.py build (UML, built-in KUnit)
#	$CACHE/build/uml-mod		UML kernel with CONFIG_MODULES=y
#	$CACHE/mod/<target>		shadow dirs for out-of-tree module builds
#	$CACHE/debian			Debian kernel images and initramfs
#	$CACHE/logs			full logs of every stage
#	$CACHE/build.lock		one kernel build at a time (flock)

set -euo pipefail

PROJ=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# CI runners do not always set HOME.
HOME=${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}
CACHE=${WSHEAP_CACHE:-$HOME/.cache/wsheap}
SRC_TARBALL=/usr/src/linux-source-6.12.tar.xz
TREE=$CACHE/src/linux-source-6.12
KUNIT_BUILD=$CACHE/build/kunit
UML_BUILD=$CACHE/build/uml-mod
LOGS=$CACHE/logs
# KUnit counts of the stages; 'make test' gives each run its own dir, so
# that two runs sharing the cache cannot mix or delete each other's.
RESULTS=${WSHEAP_RESULTS:-$CACHE/results}
LOCK=$CACHE/build.lock
JOBS=${WSHEAP_JOBS:-$(nproc)}
# The exit status of a stage whose build of the project failed, so that
# scripts/mutants.sh can tell a mutant that did not build from a caught one.
EXIT_NO_BUILD=3

mkdir -p "$CACHE/build" "$LOGS"

# Packages every script needs.  libc6-dev: gcc comes without it under
# --no-install-recommends, and UML links against the host C library.
BASE_PKGS=(linux-source-6.12 flex bison bc libelf-dev libssl-dev sparse
	   qemu-system-x86 busybox-static cpio kmod xz-utils python3 gcc make
	   perl libc6-dev)

# ---------------------------------------------------------------- output

say()   { printf 'wsheap: %s\n' "$*"; }
warn()  { printf 'wsheap: warning: %s\n' "$*" >&2; }
die()   { printf 'wsheap: ERROR: %s\n' "$*" >&2; exit 1; }
stage() { printf '\n==== %s ====\n' "$*"; }

# now: seconds since the epoch, for stage timings.
now() { date +%s; }

# run_logged LOG CMD...: run CMD with all its output in LOG.  On failure
# print the last lines of LOG and its path, and return CMD's status.
run_logged() {
	local log=$1 rc=0
	shift
	mkdir -p "$(dirname "$log")"
	"$@" >"$log" 2>&1 </dev/null || rc=$?
	if [ "$rc" -ne 0 ]; then
		printf 'wsheap: command failed (exit %d): %s\n' "$rc" "$*" >&2
		printf 'wsheap: last lines of %s:\n' "$log" >&2
		tail -n 30 "$log" | sed 's/^/  | /' >&2
	fi
	return "$rc"
}

# ---------------------------------------------------------------- packages

as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null; then
		sudo "$@"
	else
		die "need root to run: $*"
	fi
}

pkg_installed() {
	[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = \
	  "install ok installed" ]
}

pkg_known() {
	local cand
	cand=$(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2}')
	[ -n "$cand" ] && [ "$cand" != "(none)" ]
}

# ensure_pkgs PKG...: install the missing ones, apt-get update first if
# apt does not know one of them.
ensure_pkgs() {
	local p missing=() unknown=0
	for p in "$@"; do
		pkg_installed "$p" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	for p in "${missing[@]}"; do
		pkg_known "$p" || unknown=1
	done
	say "installing: ${missing[*]}"
	if [ "$unknown" -eq 1 ]; then
		run_logged "$LOGS/apt-update.log" as_root apt-get update
	fi
	run_logged "$LOGS/apt-install.log" as_root env \
		DEBIAN_FRONTEND=noninteractive apt-get install -y \
		--no-install-recommends "${missing[@]}"
}

ensure_deps() { ensure_pkgs "${BASE_PKGS[@]}"; }

# ---------------------------------------------------------------- locking

# locked CMD...: run CMD (a command or a function) holding the build lock.
locked() {
	# scripts/mutants.sh holds the lock for the stages it runs
	if [ "${WSHEAP_LOCK_HELD:-0}" = 1 ]; then
		"$@"
		return
	fi
	(
		if ! flock -n 9; then
			say "waiting for $LOCK (another kernel build is running)"
			flock 9
		fi
		"$@"
	) 9>"$LOCK"
}

# ---------------------------------------------------------------- kernel tree

_unpack_tree() {
	[ -f "$TREE/Makefile" ] && return 0
	[ -f "$SRC_TARBALL" ] || die "$SRC_TARBALL missing (package linux-source-6.12)"
	say "unpacking $SRC_TARBALL into $CACHE/src (once)"
	rm -rf "$TREE.tmp"
	mkdir -p "$TREE.tmp"
	tar -xf "$SRC_TARBALL" -C "$TREE.tmp" --strip-components=1
	mv "$TREE.tmp" "$TREE"
}

# Hook the project into the tree without copying it: a symlink plus one
# line in each of drivers/misc/{Kconfig,Makefile}.  The symlink is redone
# every run since a CI checkout lives elsewhere; when it moves, the objects
# built from the old place are dropped so nothing stale survives.
_hook_tree() {
	local link=$TREE/drivers/misc/wsheap b
	if [ "$(readlink "$link" 2>/dev/null || true)" != "$PROJ" ]; then
		for b in "$CACHE"/build/*/; do
			rm -rf "${b}drivers/misc/wsheap"
		done
	fi
	ln -sfn "$PROJ" "$link"
	if ! grep -q 'drivers/misc/wsheap/Kconfig' "$TREE/drivers/misc/Kconfig"; then
		# before the last endmenu
		tac "$TREE/drivers/misc/Kconfig" |
			awk '!done && /^endmenu/ { print; print "source \"drivers/misc/wsheap/Kconfig\""; done = 1; next } { print }' |
			tac >"$TREE/drivers/misc/Kconfig.new"
		mv "$TREE/drivers/misc/Kconfig.new" "$TREE/drivers/misc/Kconfig"
	fi
	if ! grep -q '^obj-y.*wsheap/' "$TREE/drivers/misc/Makefile"; then
		printf 'obj-y\t\t\t\t+= wsheap/\n' >>"$TREE/drivers/misc/Makefile"
	fi
}

# UML on a host whose CPUs have AMX: 6.12's UML moves a process's FPU
# state with PTRACE_GETREGSET/SETREGSET NT_X86_XSTATE and a 2696-byte
# buffer, the xstate size of AVX-512 hosts; with AMX the host's is 11 KiB
# and SETREGSET refuses any other size (EFAULT), so UML's first process,
# init, dies ("ptrace set fp regs failed, errno = 14", then "Attempted to
# kill init!").  UML then uses XSTATE only if a SETREGSET of what
# GETREGSET gave works, and the FXSAVE registers otherwise, as on hosts
# without XSTATE.  KUnit's UML kernels run no process: they never hit it.
_patch_uml_xstate() {
	local f=$TREE/arch/x86/um/os-Linux/registers.c
	grep -q 'wsheap: xstate' "$f" && return 0
	perl -0pi -e 's/(\tif \(ptrace\(PTRACE_GETREGSET, pid, NT_X86_XSTATE, &iov\) == 0)\)\n\t\thave_xstate_support = 1;/$1 \&\&\n\t    ptrace(PTRACE_SETREGSET, pid, NT_X86_XSTATE, \&iov) == 0) \/* wsheap: xstate *\/\n\t\thave_xstate_support = 1;/' "$f"
	grep -q 'wsheap: xstate' "$f" || die "could not patch $f for AMX hosts"
}

_ensure_tree() { _unpack_tree; _hook_tree; _patch_uml_xstate; }

_tree_ready() {
	[ -f "$TREE/Makefile" ] &&
	grep -q 'wsheap: xstate' "$TREE/arch/x86/um/os-Linux/registers.c" &&
	[ "$(readlink "$TREE/drivers/misc/wsheap" 2>/dev/null || true)" = "$PROJ" ] &&
	grep -q 'drivers/misc/wsheap/Kconfig' "$TREE/drivers/misc/Kconfig" &&
	grep -q '^obj-y.*wsheap/' "$TREE/drivers/misc/Makefile"
}

# The lock is only taken when something is to be changed.
ensure_tree() { _tree_ready || locked _ensure_tree; }

# For what reads the tree but builds nothing from the project (checkpatch,
# builds against an existing UML kernel): unpacked is enough.
ensure_tree_unpacked() { [ -f "$TREE/Makefile" ] || locked _ensure_tree; }

# ---------------------------------------------------------------- shadow dirs

# make_shadow TARGET: $CACHE/mod/TARGET becomes a symlink farm of the
# project (without .git), so that an M= build writes its objects there and
# each kernel target keeps its own.  Objects of earlier runs are kept (the
# symlinks are redone, the sources' own mtimes decide what is rebuilt);
# WSHEAP_CLEAN=1 or a moved project starts from an empty dir.  Prints the
# shadow dir.
make_shadow() {
	local s=$CACHE/mod/$1 e
	if [ "${WSHEAP_CLEAN:-0}" = 1 ] ||
	   [ "$(cat "$s/.wsheap-proj" 2>/dev/null || true)" != "$PROJ" ]; then
		rm -rf "$s"
	fi
	mkdir -p "$s"
	find "$s" -type l -delete
	for e in "$PROJ"/* "$PROJ"/.[!.]*; do
		[ -e "$e" ] || continue
		case ${e##*/} in
		.git | .cache | .ci) continue ;;
		esac
		cp -rs "$e" "$s/"
	done
	echo "$PROJ" >"$s/.wsheap-proj"
	echo "$s"
}

# Module selection.  The core and its KUnit module are always asked for;
# a client whose source is not there (yet) is switched off on the make
# command line with a note, so the rest still builds.  Prints the make
# variables to pass; WANT_CLIENTS lists the clients wanted for a target.
#
#	module_vars "DEMO STRESS"
module_vars() {
	local c src out="CONFIG_WSHEAP=m"
	for c in $1; do
		case $c in
		DEMO)   src=samples/wsheap_demo.c ;;
		STRESS) src=samples/wsheap_stress.c ;;
		BENCH)  src=bench/wsheap_bench_main.c ;;
		KASAN_PROBE) src=samples/wsheap_kasan_probe.c ;;
		OBSERVE) src=samples/wsheap_observe.c ;;
		*)      die "module_vars: unknown client $c" ;;
		esac
		if [ -f "$PROJ/$src" ]; then
			out+=" CONFIG_WSHEAP_$c=m"
		else
			warn "$src not there: CONFIG_WSHEAP_$c left out of this build" >&2
			out+=" CONFIG_WSHEAP_$c="
		fi
	done
	# clients not asked for are off
	for c in DEMO STRESS BENCH KASAN_PROBE OBSERVE; do
		case " $1 " in *" $c "*) ;; *) out+=" CONFIG_WSHEAP_$c=" ;; esac
	done
	echo "$out"
}

# The bench's ablation table (wsheap_bench ablation=1) needs both modules
# built with WSHEAP_ABLATION=y, in a shadow dir of their own so that the
# plain bench's objects stay as they are.  Both take wsheap_bench's
# parameters, as one string.
bench_variant() {
	case " $1 " in *" ablation=1 "*) echo -ablation ;; esac
}
bench_make_vars() {
	case " $1 " in *" ablation=1 "*) echo WSHEAP_ABLATION=y ;; esac
}

# build_modules TARGET KDIR LOG "CLIENTS" [MAKE-ARGS...]: out-of-tree
# build of the project against KDIR in the shadow dir of TARGET, W=1, and
# no compiler or modpost warning allowed (but lines matching the extended
# regex BUILD_WARN_ALLOW, when set: a known warning of a kernel header).
# Sets MODDIR to the shadow dir.
build_modules() {
	local target=$1 kdir=$2 log=$3 clients=$4 vars
	shift 4
	[ -f "$kdir/Makefile" ] || die "no kernel build directory at $kdir"
	MODDIR=$(make_shadow "$target")
	vars=$(module_vars "$clients")
	# shellcheck disable=SC2086
	if ! run_logged "$log" make -C "$kdir" M="$MODDIR" W=1 $vars "$@" \
			-j"$JOBS" modules; then
		explain_undefined "$log"
		return 1
	fi
	# (the lines are never empty, so the default ^$ lets all through)
	if grep -iE 'warning:|error:' "$log" | grep -v 'Skipping BTF generation' |
			grep -vE "${BUILD_WARN_ALLOW:-^\$}" >&2; then
		printf 'wsheap: the module build for %s has warnings (full log: %s)\n' \
			"$target" "$log" >&2
		# Warnings only show when a file is compiled: drop the objects so
		# the next run compiles (and warns) again instead of passing.
		find "$MODDIR" -name '*.o' -delete
		return 1
	fi
	[ -f "$MODDIR/wsheap.ko" ] || { warn "no wsheap.ko after build ($log)"; return 1; }
}

# ---------------------------------------------------------------- logs

# Kernel log lines that mean a kernel bug or a sanitizer report.  Lockdep
# and the atomic-sleep checks head their reports with "WARNING:" or "BUG:"
# (caught above); their titles are named too, in case a header is lost.
BAD_LOG_RE='WARNING:|BUG|KASAN|UBSAN|Call Trace|Oops|general protection|[Kk]ernel panic|list_add corruption|refcount_t'
BAD_LOG_RE+='|sleeping function called from invalid context|Invalid wait context|scheduling while atomic'
BAD_LOG_RE+='|inconsistent lock state|possible (recursive|circular) locking|lock inversion dependency'

# check_log LOG [ALLOW-RE]: fail if LOG holds a line matching BAD_LOG_RE
# (minus lines matching ALLOW-RE), printing those lines.
check_log() {
	local log=$1 allow=${2:-} bad
	bad=$(grep -nE "$BAD_LOG_RE" "$log" || true)
	if [ -n "$allow" ] && [ -n "$bad" ]; then
		bad=$(printf '%s\n' "$bad" | grep -vE "$allow" || true)
	fi
	if [ -n "$bad" ]; then
		printf 'wsheap: kernel log %s reports problems:\n' "$log" >&2
		printf '%s\n' "$bad" | head -n 40 | sed 's/^/  | /' >&2
		return 1
	fi
}

# boot_outcome RC LOG WHAT: succeed if the boot WHAT, whose console went
# to LOG, exited with RC 0 and its init reported success; otherwise say
# why, with the end of LOG, and fail.
boot_outcome() {
	local rc=$1 log=$2 what=$3
	if [ "$rc" -ne 0 ]; then
		warn "$what exited with status $rc$([ "$rc" -eq 124 ] && echo ' (timeout)'); log: $log"
	elif ! grep -q '^WSHEAP-RESULT: OK' "$log"; then
		grep -h 'WSHEAP-RESULT: FAIL' "$log" | sed 's/^/wsheap: /' >&2 || true
		explain_unknown_symbols "$log"
		warn "$what did not complete; log: $log"
	else
		return 0
	fi
	tail -n 20 "$log" | sed 's/^/  | /' >&2
	return 1
}

# explain_undefined LOG: say which symbols modpost found undefined, and
# who wanted them.
explain_undefined() {
	local sym mod
	grep -E 'ERROR: modpost: "[^"]+" \[[^]]+\] undefined!' "$1" |
		sed -E 's|.*"([^"]+)" \[([^]]+)\].*|\1 \2|' | sort -u |
		while read -r sym mod; do
			printf 'wsheap: %s uses %s, which no module or kernel exports (missing EXPORT_SYMBOL_GPL in wsheap.c?)\n' \
				"$(basename "$mod")" "$sym" >&2
		done || true
}

# explain_unknown_symbols LOG: turn "Unknown symbol" lines into a message
# that says which export is missing.
explain_unknown_symbols() {
	local mod sym
	grep -oE '[A-Za-z0-9_]+: Unknown symbol [A-Za-z0-9_]+ \(' "$1" |
		sed -E 's/^([A-Za-z0-9_]+): Unknown symbol ([A-Za-z0-9_]+).*/\1 \2/' | sort -u |
		while read -r mod sym; do
			printf 'wsheap: %s could not be loaded: unknown symbol %s (not exported by wsheap.ko? missing EXPORT_SYMBOL_GPL in wsheap.c?)\n' \
				"$mod" "$sym" >&2
		done || true
}

# ---------------------------------------------------------------- Debian kernels

DEB=$CACHE/debian

# _pkg_versions REGEX SED: versions of the packages whose names match
# REGEX, extracted by SED, newest first.
_pkg_versions() {
	apt-cache search --names-only "$1" 2>/dev/null | awk '{print $1}' |
		sed -nE "$2" | sort -rVu
}

# debian_612_version: newest X with both linux-headers-X-cloud-amd64 and
# linux-image-X-cloud-amd64-unsigned available (X like 6.12.117+deb12).
_debian_612_version() {
	local v
	for v in $(_pkg_versions '^linux-headers-6\.12\.[0-9]+\+deb12-cloud-amd64$' \
			's/^linux-headers-(.*)-cloud-amd64$/\1/p'); do
		if pkg_known "linux-image-$v-cloud-amd64-unsigned"; then
			echo "$v"
			return 0
		fi
	done
	return 1
}

debian_612_version() {
	_debian_612_version && return 0
	run_logged "$LOGS/apt-update.log" as_root apt-get update >&2 || return 1
	_debian_612_version || { warn "no linux-headers-6.12.*+deb12-cloud-amd64 with a matching unsigned image in apt"; return 1; }
}

# debian_61_version: newest N of linux-headers-6.1.0-N-amd64 (prints 6.1.0-N).
debian_61_version() {
	local v
	v=$(_pkg_versions '^linux-headers-6\.1\.0-[0-9]+-amd64$' \
		's/^linux-headers-(6\.1\.0-[0-9]+)-amd64$/\1/p' | head -n 1)
	if [ -z "$v" ]; then
		run_logged "$LOGS/apt-update.log" as_root apt-get update >&2 || return 1
		v=$(_pkg_versions '^linux-headers-6\.1\.0-[0-9]+-amd64$' \
			's/^linux-headers-(6\.1\.0-[0-9]+)-amd64$/\1/p' | head -n 1)
	fi
	[ -n "$v" ] || { warn "no linux-headers-6.1.0-*-amd64 in apt"; return 1; }
	echo "$v"
}
