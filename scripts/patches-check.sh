#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The patches stage of make test: the series of 'make patches'
# (scripts/patches.sh) applied to a scratch copy of linux-source-6.12 and
# checked there as upstream would check it:
#
#  1. git am of every patch but the cover letter, whitespace errors fatal;
#  2. scripts/checkpatch.pl --strict, in tree, silent on every patch;
#  3. scripts/kernel-doc on every kernel-doc directive of the page, silent;
#  4. every patch that changes code builds with CONFIG_WSHEAP=m (selected
#     by its KUnit option =m; DEBUG_KERNEL and WSHEAP_DEBUG on), W=1 and
#     sparse (C=2) silent on lib/wsheap/, and the whole series with =y;
#  5. at every patch of the library, tools/testing/kunit/kunit.py run
#     --kunitconfig=lib/wsheap (=y) passes the suites that patch has, with
#     a kernel log free of warnings and sanitizer reports;
#  6. the prerequisites (prerequisites/*.patch: KASAN's range calls)
#     build in a KASAN kernel, and at the end of the series the suites
#     pass in it too, with wsheap's hooks on those calls; every .c of
#     lib/wsheap/ has been compiled by one of the builds;
#  7. the users the series converts (users/*.patch): each subsystem's own
#     suites, kunit.py run --kunitconfig=DIR with wsheap built in and its
#     debug checks on, and the subsystem built as a module where it can
#     be one.  IPE runs with a boot policy and debugfs, so that wsheap
#     serves a heap before its own initcall (LSM init comes first).  Both
#     run under KASAN in step 6's kernel, whose config has both
#     subsystems' suites and IPE's options from the start, so that they
#     cost a boot each, not a kernel.
#
# ARCH=um throughout.  Steps 4 and 5 share $CACHE/build/patches: kunit.py's
# config plus CONFIG_MODULES=y and the trace events, so that =m and =y
# differ only in wsheap's options and each switch rebuilds little more
# than lib/wsheap/ (the scratch copy keeps the mtimes of the files the
# series does not touch, see scripts/series.sh).  Step 6 builds in
# $CACHE/build/patches-kasan.  The KUnit counts go to
# $CACHE/patches/kunit-counts, not to $RESULTS: the other stages count the
# same suites already.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/uml.sh"
. "$(dirname "$0")/series.sh"

t0=$(now)
stage "patches: the upstream series applied, checkpatch'ed, built (=y, =m) and KUnit-tested in linux-source-6.12"
ensure_deps
# checkpatch's SPDX check runs scripts/spdxcheck.py, which needs both
ensure_pkgs python3-ply python3-git

PB=$CACHE/build/patches
PK=$CACHE/build/patches-kasan
SERIES=$CACHE/patches/check-series
COUNTS=$CACHE/patches/kunit-counts
# What the builds add to lib/wsheap/.kunitconfig: modules, the trace
# events (trace.c), no virtio (it warns at boot), a release name that
# does not follow the commit checked out (which would rebuild and relink
# more at each), and for the KASAN dir the sanitizer kasan.c is for.
KCONFIG_ADD=(CONFIG_MODULES=y CONFIG_ENABLE_DEFAULT_TRACERS=y
	     CONFIG_UML_PCI_OVER_VIRTIO=n CONFIG_LOCALVERSION_AUTO=n)
KASAN_ADD=(CONFIG_KASAN=y CONFIG_KASAN_GENERIC=y CONFIG_KASAN_VMALLOC=y)
KUNIT_ARGS=(--kunitconfig=lib/wsheap "${KCONFIG_ADD[@]/#/--kconfig_add=}")
# The users' suites: DIR of the .kunitconfig, the Kconfig symbol of the
# subsystem when it can be a module, and what the run adds to what every
# user's run has (USER_COMMON).
# IPE first: cfg80211's module build then changes the config last.
USER_SUITES=(security/ipe net/wireless/tests)
declare -A USER_MODULE=([net/wireless/tests]=CFG80211)
declare -A USER_ADD=([security/ipe]="CONFIG_DEBUG_FS=y CONFIG_IPE_BOOT_POLICY=\"$PROJ/users/ipe-boot-policy\" CONFIG_KASAN=y CONFIG_KASAN_GENERIC=y CONFIG_KASAN_VMALLOC=y")
USER_COMMON=(CONFIG_DEBUG_KERNEL=y CONFIG_WSHEAP_DEBUG=y CONFIG_MODULES=y
	     CONFIG_UML_PCI_OVER_VIRTIO=n CONFIG_LOCALVERSION_AUTO=n)
# The KASAN kernel ($PK) is the users' too: every kunit.py call there
# gives PK_ARGS after KUNIT_ARGS, so that its config never changes, and a
# filter picks the suites of the run.  (kunit.py runs there only at the
# end of the series, where cfg80211's .kunitconfig exists.)
PK_ARGS=(--kunitconfig=security/ipe --kunitconfig=net/wireless/tests
	 "${KASAN_ADD[@]/#/--kconfig_add=}"
	 "${USER_COMMON[@]/#/--kconfig_add=}")
# shellcheck disable=SC2206 # USER_ADD: words on purpose
ipe_add=(${USER_ADD[security/ipe]})
PK_ARGS+=("${ipe_add[@]/#/--kconfig_add=}")
declare -A USER_BUILD=([security/ipe]=$PK [net/wireless/tests]=$PK)
declare -A USER_FILTER=([security/ipe]='ipe*' [net/wireless/tests]='cfg80211*')
export PYTHONDONTWRITEBYTECODE=1	# no __pycache__ in the scratch tree

# quiet_lines LOG [FILTER-RE]: fail, showing them, if LOG has compiler or
# sparse warnings or errors (those matching FILTER-RE only, when given).
quiet_lines() {
	local bad
	bad=$(grep -E '(warning|error):' "$1" | grep -E "${2:-.}" || true)
	[ -z "$bad" ] && return 0
	printf '%s\n' "$bad" | head -n 40 | sed 's/^/  | /' >&2
	warn "warnings in $1"
	return 1
}

# kmake LOG ARGS...: make in the scratch tree for ARCH=um in $PB (in $O
# when set).
kmake() {
	local log=$1
	shift
	run_logged "$log" make -C "$SERIES_GIT" ARCH=um O="${O:-$PB}" -j"$JOBS" "$@"
}

# lib_quiet WHAT: lib/wsheap/ compiled again with W=1 and sparse, silent.
lib_quiet() {
	local log=$LOGS/patches-w1-$1.log
	kmake "$log" W=1 C=2 lib/wsheap/ && quiet_lines "$log"
}

# kunit_config DIR [ARG...]: DIR/.config as kunit.py makes it from
# lib/wsheap/.kunitconfig, KCONFIG_ADD and the kunit.py ARGs.
kunit_config() {
	local dir=$1
	shift
	run_logged "$LOGS/patches-config-${dir##*/}.log" \
		python3 "$SERIES_GIT/tools/testing/kunit/kunit.py" config \
		"${KUNIT_ARGS[@]}" "$@" --build_dir="$dir"
}

# build_m WHAT: the checked-out commit with wsheap and its KUnit option
# as modules (DEBUG_KERNEL and WSHEAP_DEBUG on where the commit has it):
# the whole kernel and its modules, then lib/wsheap/ with W=1 and sparse.
build_m() {
	local what=$1 log=$LOGS/patches-build-m-$1.log cfg=$PB/.config
	"$SERIES_GIT/scripts/config" --file "$cfg" -m WSHEAP_KUNIT_TEST \
		-e DEBUG_KERNEL -e WSHEAP_DEBUG
	kmake "$LOGS/patches-config-m-$what.log" olddefconfig || return 1
	grep -qx 'CONFIG_WSHEAP=m' "$cfg" || { warn "$what: CONFIG_WSHEAP=m did not stick ($cfg)"; return 1; }
	grep -qx 'CONFIG_WSHEAP_KUNIT_TEST=m' "$cfg" ||
		{ warn "$what: CONFIG_WSHEAP_KUNIT_TEST=m did not stick ($cfg)"; return 1; }
	say "$what: building with CONFIG_WSHEAP=m (log: $log)"
	kmake "$log" || return 1
	quiet_lines "$log" 'wsheap' || return 1
	[ -f "$PB/lib/wsheap/wsheap.ko" ] || { warn "$what: no lib/wsheap/wsheap.ko"; return 1; }
	lib_quiet "m-$what"
}

# kunit_y WHAT [ARG...]: kunit.py run --kunitconfig=lib/wsheap on the
# checked-out commit, wsheap built in, in $O (default $PB), with the ARGs
# and the suites $FILTER names (default all); its counts to $COUNTS.
kunit_y() {
	local what=$1 b=${O:-$PB} log rc=0
	shift
	log=$LOGS/patches-kunit-${what// /-}.log
	say "$what: kunit.py run --kunitconfig=lib/wsheap, CONFIG_WSHEAP=y (log: $log)"
	(cd "$SERIES_GIT" && python3 tools/testing/kunit/kunit.py run "${KUNIT_ARGS[@]}" "$@" \
		--build_dir="$b" --jobs="$JOBS" --timeout=900 ${FILTER:+"$FILTER"}) \
		>"$log" 2>&1 </dev/null || rc=$?
	kunit_verdict "$what" "$log" "$COUNTS" "$b" "$rc"
}

# kunit_verdict WHAT LOG COUNTS BUILD-DIR RC: judge a kunit.py run (its
# output LOG, its exit status RC): its counts to COUNTS, said as WHAT's;
# it fails unless something passed and nothing failed, the kernel log is
# clean and the kernel had wsheap built in.
kunit_verdict() {
	local what=$1 log=$2 counts=$3 b=$4 rc=$5 p f s
	show_results "$log"
	if ! summary_counts "$log" "$counts"; then
		warn "$what: no KUnit summary in $log (kunit.py exit $rc)"
		tail -n 30 "$log" | sed 's/^/  | /' >&2
		return 1
	fi
	read -r p f s <"$counts"
	say "$what: $p passed, $f failed, $s skipped (not counted in the summary)"
	if [ "$rc" -ne 0 ] || [ "$f" -ne 0 ] || [ "$p" -eq 0 ]; then
		warn "$what: kunit.py run failed (exit $rc; log: $log)"
		return 1
	fi
	check_log "$b/test.log" ' # SKIP ' || return 1
	grep -qx 'CONFIG_WSHEAP=y' "$b/.config" || { warn "$what: the kernel lacks CONFIG_WSHEAP=y"; return 1; }
}

# kernel_build WHAT: the checked-out commit, before the library, in $PK
# (a KASAN kernel: the prerequisites are KASAN's), whole; W=1 on what it
# changes.
kernel_build() {
	local what=$1 log=$LOGS/patches-build-$1.log f files
	O=$PK kmake "$LOGS/patches-config-$what.log" olddefconfig || return 1
	say "$what: building a KASAN kernel (log: $log)"
	O=$PK kmake "$log" || return 1
	files=$(sgit diff --name-only HEAD^ HEAD -- '*.c' | sed 's/\.c$/.o/')
	for f in $files; do
		O=$PK kmake "$LOGS/patches-w1-$what.log" W=1 C=2 "$f" || return 1
		quiet_lines "$LOGS/patches-w1-$what.log" || return 1
	done
}

_builds() {
	local c n rc=0 head what
	head=$(sgit rev-parse HEAD)
	uml_tmpdir
	# kunit.py's own configs, the bases of the builds
	kunit_config "$PB" || return 1
	kunit_config "$PK" "${PK_ARGS[@]}" || return 1

	# Every patch that touches more than Documentation/ and MAINTAINERS
	# builds: the library's with =m and =y, passing the suites each has;
	# one before the library in a KASAN kernel; one after it with =m.
	for c in $(sgit rev-list --reverse "$PRISTINE_REF..$head" -- . \
			':!Documentation' ':!MAINTAINERS'); do
		n=$(sgit rev-list --count "$PRISTINE_REF..$c")
		what="$n-$(sgit log -1 --format=%f "$c" | cut -c1-40)"
		sgit checkout -q --detach "$c" || return 1
		if ! sgit cat-file -e HEAD:lib/wsheap/Kconfig 2>/dev/null; then
			kernel_build "$what" || { rc=1; break; }
			continue
		fi
		build_m "$what" || { rc=1; break; }
		if [ -n "$(sgit diff --name-only "$c^" "$c" -- lib/wsheap)" ]; then
			kunit_y "$what" || { rc=1; break; }
		fi
	done
	sgit checkout -q --detach "$head" || return 1
	[ "$rc" -eq 0 ] || return 1
	lib_quiet y || return 1

	# the sanitizer hooks on the kernel's own KASAN calls
	O=$PK COUNTS=$COUNTS-kasan FILTER='wsheap_*' \
		kunit_y "the series under KASAN" "${PK_ARGS[@]}" || return 1
	O=$PK lib_quiet kasan || return 1
	compiled_all || return 1
	user_suites
}

# user_suite DIR: the suites of DIR/.kunitconfig in their own build dir
# (or the one USER_BUILD names), then the subsystem as a module if it can
# be one.  Counts to $COUNTS-DIR.
user_suite() {
	local dir=$1 name=${1//\//-} b log args=() extra=() rc=0 sym filter=
	b=$CACHE/build/patches-$name
	log=$LOGS/patches-kunit-$name.log
	if [ "${USER_BUILD[$dir]:-}" = "$PK" ]; then
		b=$PK
		args=("${KUNIT_ARGS[@]}" "${PK_ARGS[@]}")
		filter=${USER_FILTER[$dir]}
	else
		# shellcheck disable=SC2206 # words on purpose
		extra=(${USER_ADD[$dir]:-})
		args=(--kunitconfig="$dir" "${USER_COMMON[@]/#/--kconfig_add=}"
		      "${extra[@]/#/--kconfig_add=}")
	fi
	say "$dir: kunit.py run --kunitconfig=$dir${filter:+ in $b, suites $filter} (log: $log)"
	(cd "$SERIES_GIT" && python3 tools/testing/kunit/kunit.py run "${args[@]}" \
		--build_dir="$b" --jobs="$JOBS" --timeout=900 ${filter:+"$filter"}) \
		>"$log" 2>&1 </dev/null || rc=$?
	kunit_verdict "$dir" "$log" "$COUNTS-$name" "$b" "$rc" || return 1
	sym=${USER_MODULE[$dir]:-}
	[ -n "$sym" ] || return 0
	log=$LOGS/patches-build-m-$name.log
	say "$dir: building with CONFIG_$sym=m (log: $log)"
	"$SERIES_GIT/scripts/config" --file "$b/.config" -m "$sym" -m "${sym}_KUNIT_TEST"
	O=$b kmake "$LOGS/patches-config-m-$name.log" olddefconfig || return 1
	grep -qx "CONFIG_$sym=m" "$b/.config" || { warn "$dir: CONFIG_$sym=m did not stick"; return 1; }
	O=$b kmake "$log" && quiet_lines "$log"
}

user_suites() {
	local dir rc=0
	for dir in "${USER_SUITES[@]}"; do
		[ -f "$SERIES_GIT/$dir/.kunitconfig" ] || continue
		user_suite "$dir" || rc=1
	done
	return "$rc"
}

# compiled_all: every .c the series has in lib/wsheap/ was compiled by
# one of the builds.
compiled_all() {
	local c missing=()
	for c in $(sgit ls-files -- 'lib/wsheap/*.c'); do
		[ -f "$PB/${c%.c}.o" ] || [ -f "$PK/${c%.c}.o" ] || missing+=("$c")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	warn "never compiled by this stage's builds: ${missing[*]}"
	return 1
}

# kernel_doc_directives RST: kernel-doc run as the kerneldoc Sphinx
# extension runs it, for each directive of RST; silent, and each gives
# some output.
kernel_doc_directives() {
	local rst=$1 log=$LOGS/patches-kernel-doc.log list=$CACHE/patches/directives
	local line args=() n=0 bad=0
	: >"$log"
	# one directive a line: FILE, then kernel-doc's options
	perl -ne '
		sub flush { print "$f @o\n" if defined $f; undef $f; @o = () }
		if (/^\.\. kernel-doc::\s+(\S+)/) { flush(); $f = $1; next }
		if (defined $f && /^\s+:([\w-]+):\s*(.*?)\s*$/) {
			my ($k, $v) = ($1, $2);
			if ($k eq "export" || $k eq "internal") {
				push @o, "-$k", map { ("-export-file", $_) } split " ", $v;
			} elsif ($k eq "identifiers" || $k eq "functions") {
				push @o, map { ("-function", $_) } split " ", $v;
			} elsif ($k eq "no-identifiers") {
				push @o, map { ("-nosymbol", $_) } split " ", $v;
			} elsif ($k eq "doc") {
				# one word for read -a below; kernel-doc wants the blanks
				(my $t = $v) =~ s/ /\x1f/g;
				push @o, "-function", $t;
			} else { die "kernel-doc option :$k: not known to scripts/patches-check.sh\n" }
			next;
		}
		flush() unless /^\s/;
		END { flush() }' "$rst" >"$list" || return 1
	while IFS= read -r line; do
		read -r -a args <<<"$line"
		args=("${args[@]//$'\x1f'/ }")
		n=$((n + 1))
		if ! out=$(cd "$SERIES_GIT" && perl scripts/kernel-doc -rst -Wall \
				"${args[@]:1}" "${args[0]}" 2>>"$log") || [ -z "$out" ]; then
			warn "kernel-doc gave nothing for: ${args[*]}"
			bad=1
		fi
	done <"$list"
	if [ -s "$log" ]; then
		sed 's/^/  | /' "$log" >&2
		bad=1
	fi
	[ "$bad" -eq 0 ] && say "kernel-doc: $n directives of the page, silent"
	[ "$bad" -eq 0 ]
}

# patch_number FILE: N of NNNN-*.patch.
patch_number() {
	local b=${1##*/}
	echo $((10#${b%%-*}))
}

_check() {
	local p patches=() out rc=0 ignore nlib nprereq n
	export WSHEAP_SERIES_LOCK_HELD=1
	bash "$(dirname "$0")/patches.sh" "$SERIES" || return 1
	mapfile -t patches < <(find "$SERIES" -name '0*.patch' ! -name '0000-*' | LC_ALL=C sort)
	[ ${#patches[@]} -gt 0 ] || { warn "no patches in $SERIES"; return 1; }

	# the prerequisites come first, the users' patches last, one per
	# prerequisites/*.patch and users/*.patch
	nprereq=$(find "$PROJ/prerequisites" -maxdepth 1 -name '*.patch' 2>/dev/null | wc -l)
	nlib=$((${#patches[@]} - $(find "$PROJ/users" -maxdepth 1 -name '*.patch' | wc -l)))
	reset_to_pristine || return 1
	run_logged "$LOGS/patches-am.log" sgit am --whitespace=error-all "${patches[@]}" || return 1
	say "git am: ${#patches[@]} patches applied to the pristine tree"
	keep_mtimes

	for p in "${patches[@]}"; do
		# The patches after the library's first add files where a
		# MAINTAINERS entry already covers them (lib/wsheap/'s, or a
		# user's subsystem's): checkpatch asks whether MAINTAINERS needs
		# updating for every added file.  A user's fix names the commit
		# it fixes, which this tree, unpacked from a tarball, does not
		# have.
		ignore=()
		n=$(patch_number "$p")
		# shellcheck disable=SC2054 # checkpatch takes one comma list
		if [ "$n" -gt "$nlib" ]; then
			ignore=(--ignore FILE_PATH_CHANGES,UNKNOWN_COMMIT_ID)
		elif [ "$n" -gt "$((nprereq + 1))" ]; then
			ignore=(--ignore FILE_PATH_CHANGES)
		fi
		# Debian's python3 for scripts/spdxcheck.py (python3-ply, -git)
		out=$(cd "$SERIES_GIT" && PATH=/usr/bin:$PATH perl scripts/checkpatch.pl \
			--strict --show-types --terse --no-summary "${ignore[@]}" "$p" 2>&1) || rc=1
		if [ -n "$out" ]; then
			printf '%s\n' "$out" | sed 's/^/  | /' >&2
			rc=1
		fi
	done
	if [ "$rc" -eq 0 ]; then
		say "checkpatch --strict (in tree): silent on all ${#patches[@]} patches"
	else
		warn "checkpatch --strict has findings (above)"
	fi

	kernel_doc_directives "$SERIES_GIT/Documentation/core-api/wsheap.rst" || rc=1
	locked _builds || rc=1
	return "$rc"
}

rc=0
series_locked _check || rc=1
if [ "$rc" -eq 0 ]; then
	say "patches: the series is good ($(($(now) - t0)) s; patches in $SERIES)"
else
	warn "patches: the series failed a check (logs: $LOGS/patches-*.log)"
fi
exit "$rc"
