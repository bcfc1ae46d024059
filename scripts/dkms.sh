#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The dkms stage: wsheap as a Debian user gets it.  Build wsheap-dkms
# (scripts/deb.sh) and mydrv-dkms, the package of the example client
# examples/mydrv, unpack both (dpkg -x, never installed) and run DKMS on
# their sources in a private tree under $CACHE/dkms, never the system one:
#
#	$CACHE/dkms/root/usr/src	the unpacked .debs: --sourcetree
#	$CACHE/dkms/tree		--dkmstree (the system's /var/lib/dkms)
#	$CACHE/dkms/staging/lib/modules	--installtree; depmod -b staging
#	$CACHE/dkms/key			the signing key DKMS makes (mok.key)
#
# Debian 6.12 cloud headers: dkms add/build/install wsheap, then mydrv, the
# client of the README recipe, against the wsheap built there; depmod -b
# over the staging tree; boot Debian's kernel under QEMU TCG with that
# tree and kmod's modprobe in the initramfs: "modprobe mydrv" must bring
# wsheap in through modules.dep, "modprobe -r mydrv" take both out, and
# the kernel log stay clean.  Debian 6.1 headers: "dkms autoinstall", as a
# new kernel's headers trigger it, must build wsheap before mydrv
# (BUILD_DEPENDS; mydrv sorts first).

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pkg.sh"
. "$(dirname "$0")/qemu.sh"

D=$CACHE/dkms
SRC=$D/root/usr/src
DTREE=$D/tree
STAGING=$D/staging
KEY=$D/key
ARCH=$(uname -m)
CLIENT=mydrv
CLIENT_VERSION=1.0

# pdkms ACTION ARGS...: dkms on the private trees, signing with the
# private key (dkms reads these two from its environment when
# /etc/dkms/framework.conf leaves them unset, and makes the key if it is
# not there).  Output to LOG_DKMS.
pdkms() {
	local action=$1
	shift
	printf '\n$ dkms %s %s\n' "$action" "$*" >>"$LOG_DKMS"
	mok_signing_key=$KEY/mok.key mok_certificate=$KEY/mok.pub \
		dkms "$action" "$@" --sourcetree "$SRC" --dkmstree "$DTREE" \
		--installtree "$STAGING/lib/modules" >>"$LOG_DKMS" 2>&1 </dev/null || {
		warn "dkms $action $* failed; last lines of $LOG_DKMS:"
		tail -n 25 "$LOG_DKMS" | sed 's/^/  | /' >&2
		return 1
	}
}

# built_dir MODULE VERSION KVER: where DKMS keeps what it built.
built_dir() { echo "$DTREE/$1/$2/$3/$ARCH/module"; }

# module_file DIR NAME: NAME.ko or NAME.ko.xz (a kernel with
# CONFIG_MODULE_COMPRESS_XZ) in DIR.
module_file() {
	local f
	for f in "$1/$2.ko" "$1/$2.ko.xz" "$1/$2.ko.zst" "$1/$2.ko.gz"; do
		[ -f "$f" ] && { echo "$f"; return 0; }
	done
	warn "no $2.ko* in $1"
	return 1
}

# check_built KVER: wsheap, its demo, Module.symvers and mydrv are in the
# DKMS tree for KVER and in the staging tree; versions, signer and the
# dependency are right.
check_built() {
	local k=$1 wdir cdir ko m dep signer rc=0
	wdir=$(built_dir wsheap "$V" "$k")
	cdir=$(built_dir "$CLIENT" "$CLIENT_VERSION" "$k")
	[ -s "$wdir/Module.symvers" ] ||
		{ warn "$k: no Module.symvers kept in $wdir (POST_BUILD)"; rc=1; }
	for m in wsheap wsheap_demo; do
		module_file "$wdir" "$m" >/dev/null || rc=1
		module_file "$STAGING/lib/modules/$k/updates/dkms" "$m" >/dev/null || rc=1
	done
	ko=$(module_file "$cdir" "$CLIENT") || return 1
	module_file "$STAGING/lib/modules/$k/updates/dkms" "$CLIENT" >/dev/null || rc=1
	dep=$(modinfo -F depends "$ko")
	[ "$dep" = wsheap ] || { warn "$k: $CLIENT depends: '$dep', expected wsheap"; rc=1; }
	ko=$(module_file "$wdir" wsheap) || return 1
	check_module_version "$ko" || rc=1
	signer=$(modinfo -F signer "$ko")
	[ "$signer" = "DKMS module signing key" ] ||
		{ warn "$k: wsheap is signed by '$signer', not the private DKMS key"; rc=1; }
	# DKMS keeps each build's make output; a warning there fails as in
	# the other stages.  CLEAN runs before and after each build and must
	# not fail either.
	for m in "wsheap/$V" "$CLIENT/$CLIENT_VERSION"; do
		if grep -iE 'warning:|error:' "$DTREE/$m/$k/$ARCH/log/make.log" |
				grep -v 'Skipping BTF generation' >&2; then
			warn "$k: the DKMS build of $m has warnings ($DTREE/$m/$k/$ARCH/log/make.log)"
			rc=1
		fi
	done
	if grep -F '(bad exit status' "$LOG_DKMS" >&2; then
		warn "a DKMS command (CLEAN?) failed; see $LOG_DKMS"
		rc=1
	fi
	return "$rc"
}

# depmod_staging KVER KDIR [IMAGE-DIR]: modules.dep for the staging tree;
# every symbol the modules use must resolve, with the right CRC, against
# the kernel's Module.symvers (-e -E) and each other.  depmod wants the
# kernel's lists of its modules: from the unpacked image where there is
# one, else empty (the staging tree holds no module of the kernel's own).
depmod_staging() {
	local out f d=$STAGING/lib/modules/$1
	for f in modules.order modules.builtin modules.builtin.modinfo; do
		if [ -n "${3:-}" ]; then
			cp "$3/lib/modules/$1/$f" "$d/$f" || return 1
		else
			: >"$d/$f"
		fi
	done
	out=$(depmod -b "$STAGING" -e -E "$2/Module.symvers" "$1" 2>&1) || {
		warn "depmod -b $STAGING $1 failed: $out"
		return 1
	}
	[ -z "$out" ] || { warn "depmod -b $STAGING $1: $out"; return 1; }
	grep -q "^updates/dkms/$CLIENT\.ko[.a-z]*: updates/dkms/wsheap\.ko[.a-z]*\$" \
		"$STAGING/lib/modules/$1/modules.dep" || {
		warn "$STAGING/lib/modules/$1/modules.dep does not make $CLIENT depend on wsheap:"
		sed 's/^/  | /' "$STAGING/lib/modules/$1/modules.dep" >&2
		return 1
	}
}

# boot_modprobe KVER VMLINUZ: the staging tree and kmod in a busybox
# initramfs; modprobe the client, which must bring wsheap with it, and
# modprobe -r it, which must take both out.
boot_modprobe() {
	local k=$1 root=$D/initramfs out=$D/initramfs.cpio.gz qlog
	initramfs_root "$root" sh mount poweroff cat echo grep sleep
	initramfs_add_exec "$root" "$(readlink -f "$(command -v kmod)")"
	ln -s "$(readlink -f "$(command -v kmod)")" "$root/sbin/modprobe"
	mkdir -p "$root/lib/modules"
	cp -a "$STAGING/lib/modules/$k" "$root/lib/modules/"
	cat >"$root/init" <<EOF
#!/bin/sh
# generated by scripts/dkms.sh
export PATH=/bin:/sbin
fail() { echo "WSHEAP-RESULT: FAIL \$*"; poweroff -f; sleep 10; }
loaded() { grep -q "^\$1 " /proc/modules; }
mount -t proc proc /proc || fail "mount proc"
mount -t sysfs sysfs /sys || fail "mount sysfs"
mount -t devtmpfs devtmpfs /dev 2>/dev/null
echo 'WSHEAP-MARK: modprobe $CLIENT'
modprobe $CLIENT || fail "modprobe $CLIENT"
loaded $CLIENT || fail "$CLIENT not loaded"
loaded wsheap || fail "wsheap not loaded with $CLIENT"
grep -E '^($CLIENT|wsheap) ' /proc/modules | sed 's/^/WSHEAP-MODULES: /'
echo "WSHEAP-MARK: wsheap version \$(cat /sys/module/wsheap/version 2>/dev/null)"
echo 'WSHEAP-MARK: modprobe -r $CLIENT'
modprobe -r $CLIENT || fail "modprobe -r $CLIENT"
! loaded $CLIENT || fail "$CLIENT still loaded"
! loaded wsheap || fail "wsheap still loaded after modprobe -r $CLIENT"
echo "WSHEAP-RESULT: OK"
poweroff -f
sleep 10
EOF
	chmod +x "$root/init"
	initramfs_pack "$root" "$out" || return 1
	qlog=$LOGS/dkms-$k-qemu.log
	say "booting $k under QEMU: modprobe $CLIENT, modprobe -r $CLIENT (log: $qlog)"
	qemu_boot "$2" "$out" "$qlog" 512 || return 1
	grep -E "WSHEAP-MODULES|$CLIENT: " "$qlog" | sed -E 's/^\[ *[0-9.]+\] //; s/^/  guest: /'
	check_log "$qlog" || return 1
	# (the serial console ends lines with CR LF)
	tr -d '\r' <"$qlog" | grep -qx "WSHEAP-MARK: wsheap version $V" ||
		{ warn "/sys/module/wsheap/version in the guest is not $V"; return 1; }
}

# On the Debian 6.12 cloud kernel: build and install step by step as the
# README shows, then boot it.
dkms_612() {
	local v k kdir vmlinuz t0 rc=0
	t0=$(now)
	stage "dkms: Debian 6.12 cloud kernel, wsheap and $CLIENT, modprobe under QEMU"
	v=$(debian_612_version) || return 1
	k=$v-cloud-amd64
	kdir=/usr/src/linux-headers-$k
	ensure_pkgs "linux-headers-$k" || return 1
	vmlinuz=$(debian_image "$v") || return 1
	mkdir -p "$STAGING/lib/modules/$k"
	pdkms build -m wsheap -v "$V" -k "$k" &&
		pdkms install -m wsheap -v "$V" -k "$k" --no-depmod &&
		pdkms build -m "$CLIENT" -v "$CLIENT_VERSION" -k "$k" &&
		pdkms install -m "$CLIENT" -v "$CLIENT_VERSION" -k "$k" --no-depmod ||
		return 1
	# A failed check does not stop the boot: it may tell more.
	check_built "$k" || rc=1
	depmod_staging "$k" "$kdir" "$DEB/image-$v" || return 1
	say "$k: built, signed with the private key, installed to the staging tree; depmod: $CLIENT needs wsheap"
	boot_modprobe "$k" "$vmlinuz" || return 1
	say "$k: modprobe $CLIENT loaded wsheap, modprobe -r took both out, log clean ($(($(now) - t0)) s)"
	return "$rc"
}

# On the Debian 6.1 headers: what a new kernel's headers trigger.
dkms_61() {
	local v k t0 rc=0
	t0=$(now)
	stage "dkms: Debian 6.1 headers, dkms autoinstall (BUILD_DEPENDS order)"
	v=$(debian_61_version) || return 1
	k=$v-amd64
	ensure_pkgs "linux-headers-$k" || return 1
	mkdir -p "$STAGING/lib/modules/$k"
	pdkms autoinstall -k "$k" --no-depmod || return 1
	grep -E '^(wsheap|mydrv)\.ko' "$LOG_DKMS" | tail -n 2 | sed 's/^/  autoinstall: /'
	check_built "$k" || rc=1
	depmod_staging "$k" "/usr/src/linux-headers-$k" || return 1
	say "$k: autoinstall built wsheap, then $CLIENT; depmod clean ($(($(now) - t0)) s)"
	return "$rc"
}

dkms_main() {
	local t0 deb client_deb dep f rc
	t0=$(now)
	ensure_deps
	ensure_pkgs dkms debhelper dh-dkms dpkg-dev openssl kmod
	V=$(pkg_version)
	LOG_DKMS=$LOGS/dkms.log
	: >"$LOG_DKMS"

	bash "$(dirname "$0")/deb.sh" || return 1
	deb=$DEB_OUT/wsheap-dkms_${V}_all.deb
	# The client's own package, as its author would build it.
	client_deb=$(build_deb "examples/$CLIENT") || return 1
	dep=$(dpkg-deb -f "$client_deb" Depends)
	[[ $dep == *"wsheap-dkms (= $V)"* ]] ||
		die "$client_deb depends on '$dep', not on wsheap-dkms (= $V)"
	say "built $client_deb (Depends: $dep)"

	stage "dkms: private trees in $D"
	rm -rf "$D/root" "$DTREE" "$STAGING" "$D/initramfs"
	mkdir -p "$DTREE" "$STAGING" "$KEY"
	# What installing the two packages would put in /usr/src.
	dpkg -x "$deb" "$D/root"
	dpkg -x "$client_deb" "$D/root"
	for f in "wsheap-$V/dkms.conf" "$CLIENT-$CLIENT_VERSION/dkms.conf"; do
		[ -f "$SRC/$f" ] || die "no /usr/src/$f in the packages"
	done
	pdkms add -m wsheap -v "$V" && pdkms add -m "$CLIENT" -v "$CLIENT_VERSION" || return 1

	rc=0
	dkms_612 || rc=1
	dkms_61 || rc=1

	echo
	echo "\$ dkms status (private tree)"
	# (dkms status runs readelf on modules, which warns about stripped ones)
	dkms status --sourcetree "$SRC" --dkmstree "$DTREE" \
		--installtree "$STAGING/lib/modules" 2>/dev/null | sed 's/^/  /'
	# Nothing of this may have reached the system's DKMS tree, where the
	# next linux-headers install would build and install it for real.
	if [ -e /var/lib/dkms/wsheap ] || [ -e /var/lib/dkms/$CLIENT ]; then
		warn "/var/lib/dkms holds wsheap or $CLIENT: the system DKMS tree was used"
		rc=1
	fi
	if [ "$rc" -eq 0 ]; then
		say "dkms: package, DKMS builds for 6.12 and 6.1, modprobe under QEMU: all good ($(($(now) - t0)) s; log: $LOG_DKMS)"
	else
		warn "dkms: failed (log: $LOG_DKMS)"
	fi
	return "$rc"
}

pkg_locked dkms_main
