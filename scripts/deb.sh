#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make deb: wsheap-dkms_<version>_all.deb, built the Debian way
# (dpkg-buildpackage, debhelper and dh-dkms from debian/) in a copy of the
# project under $CACHE/deb, never installed here.  Checks that the versions
# agree and that the package holds what DKMS needs; prints the .deb's path
# last.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pkg.sh"

deb_main() {
	local t0 v path deb rc f listing ctl
	t0=$(now)
	stage "deb: wsheap-dkms package"
	# build-essential: dpkg-buildpackage requires it implicitly
	ensure_pkgs build-essential debhelper dh-dkms dkms dpkg-dev
	check_versions || return 1
	v=$(pkg_version)
	path=$(build_deb .) || return 1
	deb=${path##*/}

	# What the package must hold: dkms.conf where dh_dkms puts it, the
	# sources Kbuild reads, the POST_BUILD script executable, and the
	# maintainer scripts that call DKMS.
	rc=0
	listing=$(dpkg-deb -c "$path")
	for f in dkms.conf VERSION Kbuild Makefile wsheap.h wsheap_core.c samples/Kbuild \
		 samples/wsheap_demo.c bench/Kbuild; do
		grep -q " \./usr/src/wsheap-$v/$f\$" <<<"$listing" ||
			{ warn "$deb: no /usr/src/wsheap-$v/$f"; rc=1; }
	done
	grep -qE "^-rwxr-xr-x .* \./usr/src/wsheap-$v/scripts/dkms-postbuild\$" <<<"$listing" ||
		{ warn "$deb: /usr/src/wsheap-$v/scripts/dkms-postbuild missing or not executable"; rc=1; }
	ctl=$DEB_OUT/control
	rm -rf "$ctl"
	dpkg-deb -e "$path" "$ctl"
	if ! grep -q '/usr/lib/dkms/common.postinst' "$ctl/postinst" ||
	   ! grep -qx 'DKMS_NAME=wsheap' "$ctl/postinst" ||
	   ! grep -qx "DKMS_VERSION=$v" "$ctl/postinst"; then
		warn "$deb: its postinst does not run DKMS for wsheap $v"
		rc=1
	fi
	grep -qE '^Depends:.*\bdkms\b' "$ctl/control" ||
		{ warn "$deb: does not depend on dkms"; rc=1; }
	[ "$rc" -eq 0 ] || return 1

	say "built $path ($(($(now) - t0)) s; log: $LOGS/deb-wsheap.log)"
}

pkg_locked deb_main
