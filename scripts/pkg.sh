# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Packaging helpers, sourced after lib.sh by deb.sh and dkms.sh: the one
# version and the checks that everything that repeats it agrees.
#
#	$CACHE/deb		the .deb build (a copy of the project) and its output

# shellcheck disable=SC2034 # used by the scripts that source this
DEB_OUT=$CACHE/deb

# pkg_locked CMD...: run CMD (a command or a function) holding
# $CACHE/pkg.lock.  The .deb builds and the private DKMS trees are one set
# of directories under the cache, which two runs at once (make deb during
# make test, two make test) would pull from under each other.  What runs
# inside (dkms.sh runs deb.sh) does not wait for its own lock.
pkg_locked() {
	if [ -n "${WSHEAP_PKG_LOCKED:-}" ]; then
		"$@"
		return
	fi
	(
		if ! flock -n 9; then
			say "waiting for $CACHE/pkg.lock (another package build or dkms stage is running)"
			flock 9
		fi
		export WSHEAP_PKG_LOCKED=1
		"$@"
	) 9>"$CACHE/pkg.lock"
}

# The version of wsheap.ko (MODULE_VERSION, from the -D that Kbuild makes
# of VERSION), of dkms.conf and of the wsheap-dkms package.
pkg_version() {
	local v
	v=$(cat "$PROJ/VERSION")
	[[ $v =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "VERSION holds '$v', not X.Y.Z"
	echo "$v"
}

# _conf_value FILE NAME: the value of NAME="..." in a dkms.conf.
_conf_value() {
	sed -nE "s/^$2=\"([^\"]*)\"$/\1/p" "$1"
}

# check_versions: every place that repeats VERSION says the same; fails
# naming each one that does not.
check_versions() {
	local v bad=0 got
	v=$(pkg_version)
	got=$(_conf_value "$PROJ/dkms.conf" PACKAGE_VERSION)
	[ "$got" = "$v" ] || { warn "dkms.conf: PACKAGE_VERSION=\"$got\", VERSION says $v"; bad=1; }
	got=$(dpkg-parsechangelog -l "$PROJ/debian/changelog" -S Version)
	[ "$got" = "$v" ] || { warn "debian/changelog: version $got, VERSION says $v"; bad=1; }
	# the example client pins the wsheap it is built against
	got=$(_conf_value "$PROJ/examples/mydrv/dkms.conf" WSHEAP_VERSION)
	[ "$got" = "$v" ] || { warn "examples/mydrv/dkms.conf: WSHEAP_VERSION=\"$got\", VERSION says $v"; bad=1; }
	got=$(sed -nE 's|^WSHEAP_SRC[[:space:]]*\?=[[:space:]]*/usr/src/wsheap-(.*)$|\1|p' \
		"$PROJ/examples/mydrv/Kbuild")
	[ "$got" = "$v" ] || { warn "examples/mydrv/Kbuild: WSHEAP_SRC names wsheap-$got, VERSION says $v"; bad=1; }
	got=$(sed -nE 's/^Depends:.*wsheap-dkms \(= ([^)]*)\).*/\1/p' "$PROJ/examples/mydrv/debian/control")
	[ "$got" = "$v" ] || { warn "examples/mydrv/debian/control: depends on wsheap-dkms (= $got), VERSION says $v"; bad=1; }
	[ "$bad" -eq 0 ] || return 1
	say "version $v: VERSION, dkms.conf, debian/changelog and examples/mydrv agree"
}

# check_module_version KO: modinfo of a built wsheap.ko shows VERSION.
check_module_version() {
	local v got
	v=$(pkg_version)
	got=$(modinfo -F version "$1" 2>/dev/null || true)
	if [ "$got" != "$v" ]; then
		warn "$1: MODULE_VERSION is '${got:-(none)}', VERSION says $v (is MODULE_VERSION(WSHEAP_VERSION) in wsheap.c?)"
		return 1
	fi
}

# pkg_copy DIR DEST: the files of the project's DIR (the project itself:
# .) as git would export them with the work tree's edits (tracked and
# untracked, not ignored), or every file but .git and .cache outside a
# git checkout, copied into DEST.
pkg_copy() {
	local dir=$1 dest=$2
	rm -rf "$dest"
	mkdir -p "$dest"
	if git -C "$PROJ" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		# (a tracked file deleted in the work tree is left out)
		(cd "$PROJ/$dir" && git ls-files -z -co --exclude-standard . |
			while IFS= read -r -d '' f; do
				if [ -e "$f" ]; then printf '%s\0' "$f"; fi
			done | cpio -0 -pdm --quiet "$dest")
	else
		(cd "$PROJ/$dir" && find . \( -name .git -o -name .cache \) -prune -o -type f -print0 |
			cpio -0 -pdm --quiet "$dest")
	fi
}

# build_deb DIR: build the one binary package (Architecture: all) of the
# project's DIR, which holds a debian/ directory, with dpkg-buildpackage
# in a copy under $DEB_OUT/build (nothing is installed); the .deb lands
# in $DEB_OUT.  Prints its path.
build_deb() {
	local dir=$1 src name version pkg deb log
	name=$(dpkg-parsechangelog -l "$PROJ/$dir/debian/changelog" -S Source)
	version=$(dpkg-parsechangelog -l "$PROJ/$dir/debian/changelog" -S Version)
	pkg=$(sed -n 's/^Package: *//p' "$PROJ/$dir/debian/control" | head -n 1)
	deb=${pkg}_${version}_all.deb
	src=$DEB_OUT/build/$name-$version
	pkg_copy "$dir" "$src"
	log=$LOGS/deb-$name.log
	rm -f "$DEB_OUT/build/$deb" "$DEB_OUT/$deb"
	(cd "$src" && run_logged "$log" dpkg-buildpackage -us -uc -b) >&2 || return 1
	[ -f "$DEB_OUT/build/$deb" ] ||
		{ warn "dpkg-buildpackage left no $deb (log: $log)"; return 1; }
	mv "$DEB_OUT/build/$deb" "$DEB_OUT/$deb"
	echo "$DEB_OUT/$deb"
}
