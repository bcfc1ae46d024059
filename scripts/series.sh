# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The kernel tree the upstream series is made against and applied to,
# sourced after lib.sh by scripts/patches.sh and scripts/patches-check.sh:
#
#	$SERIES_GIT		linux-source-6.12 unpacked from the tarball (not
#				$TREE, which the other stages hook wsheap into),
#				as a git repository of one commit, refs/wsheap/pristine
#	$SERIES_GIT/.git/wsheap-pristine   what it was made from
#
# The work tree is the scratch copy the check applies the series to; it is
# put back to the pristine commit before each use, which rewrites only the
# files the series touched, so the other files keep their mtimes and the
# builds in $CACHE/build/patches stay incremental.  scripts/patches.sh
# makes its commits without touching the work tree (a temporary index).
# Both hold $SERIES_LOCK while they use the repository.

SERIES_GIT=$CACHE/patches/linux
SERIES_LOCK=$CACHE/patches/lock
PRISTINE_REF=refs/wsheap/pristine
# The identity of the series: author, committer and Signed-off-by.
SERIES_NAME="The wsheap developers"
SERIES_EMAIL=wsheap@example.org

# series_git DIR ARGS...: git in DIR as the series' identity, without
# automatic gc (which would repack a kernel's objects at a random moment).
series_git() {
	git -C "$1" -c user.name="$SERIES_NAME" -c user.email="$SERIES_EMAIL" \
		-c gc.auto=0 -c core.quotepath=off "${@:2}"
}

# sgit ARGS...: series_git in $SERIES_GIT.
sgit() { series_git "$SERIES_GIT" "$@"; }

_pristine_id() { stat -c '%n %s %Y' "$SRC_TARBALL"; }

_make_pristine_git() {
	local tmp=$SERIES_GIT.tmp
	say "making the pristine git copy of $SRC_TARBALL in $SERIES_GIT (once)"
	rm -rf "$tmp" "$SERIES_GIT"
	mkdir -p "$tmp"
	tar -xf "$SRC_TARBALL" -C "$tmp" --strip-components=1 || return 1
	git -C "$tmp" init -q || return 1
	# -f: the tree's own .gitignore must not keep any of its files out
	SERIES_GIT=$tmp sgit add -A -f || return 1
	SERIES_GIT=$tmp sgit commit -q --no-verify \
		-m "linux-source-6.12 as unpacked from $SRC_TARBALL" || return 1
	SERIES_GIT=$tmp sgit update-ref "$PRISTINE_REF" HEAD || return 1
	_pristine_id >"$tmp/.git/wsheap-pristine"
	mv "$tmp" "$SERIES_GIT"
}

# ensure_pristine_git: make $SERIES_GIT unless it is there and current.
ensure_pristine_git() {
	[ -f "$SRC_TARBALL" ] || die "$SRC_TARBALL missing (package linux-source-6.12)"
	if [ "$(cat "$SERIES_GIT/.git/wsheap-pristine" 2>/dev/null || true)" = "$(_pristine_id)" ] &&
	   sgit rev-parse -q --verify "$PRISTINE_REF" >/dev/null; then
		return 0
	fi
	run_logged "$LOGS/patches-pristine.log" _make_pristine_git
}

# checkout_clean DIR COMMIT: DIR's work tree at COMMIT, on a detached
# HEAD, with no git am under way and nothing untracked (kunit.py leaves
# __pycache__).
checkout_clean() {
	series_git "$1" am --abort >/dev/null 2>&1 || true
	series_git "$1" checkout -q -f --detach "$2" &&
	series_git "$1" clean -q -ffdx
}

# reset_to_pristine: the work tree back to the pristine commit.
reset_to_pristine() { checkout_clean "$SERIES_GIT" "$PRISTINE_REF"; }

# keep_mtimes: after the series is applied, the files it changed get back
# the mtimes they had the last time they held the same bytes, so that a
# header most files include (<linux/kasan.h>, which a prerequisite
# changes) rebuilds nothing when it is as it was; the others' mtimes are
# recorded for the next run ($CACHE/patches/mtimes: blob, mtime, path).
keep_mtimes() {
	local db=$CACHE/patches/mtimes blob path m
	touch "$db"
	sgit diff --name-only -z "$PRISTINE_REF" HEAD |
		xargs -0 -r git -C "$SERIES_GIT" ls-tree HEAD -- | while read -r _ _ blob path; do
			[ -f "$SERIES_GIT/$path" ] || continue
			m=$(awk -v b="$blob" -v p="$path" '$1 == b && $3 == p { print $2; exit }' "$db")
			if [ -n "$m" ]; then
				touch -d "@$m" "$SERIES_GIT/$path"
			else
				m=$(stat -c %Y "$SERIES_GIT/$path")
			fi
			printf '%s %s %s\n' "$blob" "$m" "$path"
		done >"$db.new"
	mv "$db.new" "$db"
}

# series_locked CMD...: run CMD holding $SERIES_LOCK.
series_locked() {
	mkdir -p "$(dirname "$SERIES_LOCK")"
	(
		if ! flock -n 8; then
			say "waiting for $SERIES_LOCK (another run uses $SERIES_GIT)"
			flock 8
		fi
		"$@"
	) 8>"$SERIES_LOCK"
}
