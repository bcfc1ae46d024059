# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Debian's own kernel under QEMU TCG, sourced after lib.sh (debian.sh,
# dkms.sh): the unsigned image unpacked into the cache (never installed to
# /boot), a busybox initramfs whose /init the caller writes, and the boot.

# debian_image X: unpack linux-image-X-cloud-amd64-unsigned into
# $DEB/image-X; prints the vmlinuz path.
debian_image() {
	local pkg="linux-image-$1-cloud-amd64-unsigned" dir=$DEB/image-$1
	local vmlinuz=$dir/boot/vmlinuz-$1-cloud-amd64
	if [ ! -f "$vmlinuz" ]; then
		mkdir -p "$DEB/dl"
		rm -f "$DEB/dl/$pkg"_*.deb
		(cd "$DEB/dl" && run_logged "$LOGS/debian-download.log" apt-get download "$pkg") >&2 ||
			return 1
		rm -rf "$dir.tmp"
		dpkg -x "$DEB/dl/$pkg"_*.deb "$dir.tmp"
		rm -rf "$dir"
		mv "$dir.tmp" "$dir"
		rm -f "$DEB/dl/$pkg"_*.deb
	fi
	[ -f "$vmlinuz" ] || { warn "no $vmlinuz in $pkg"; return 1; }
	echo "$vmlinuz"
}

# initramfs_root DIR APPLET...: an empty root in DIR with the static
# busybox and a link for each APPLET in /bin, and /dev, /proc, /sys.
initramfs_root() {
	local root=$1 a
	shift
	rm -rf "$root"
	mkdir -p "$root"/{bin,sbin,dev,proc,sys}
	cp /bin/busybox "$root/bin/busybox"
	for a in "$@"; do
		ln -s busybox "$root/bin/$a"
	done
}

# initramfs_add_exec DIR BINARY...: copy host binaries into DIR at the same
# path, with the shared libraries and the loader that ldd names for them
# (as initramfs-tools' copy_exec does).
initramfs_add_exec() {
	local root=$1 bin lib
	shift
	for bin in "$@"; do
		mkdir -p "$root$(dirname "$bin")"
		cp -L "$bin" "$root$bin"
		for lib in $(ldd "$bin" | grep -oE '/[^ ]+'); do
			mkdir -p "$root$(dirname "$lib")"
			cp -L "$lib" "$root$lib"
		done
	done
}

# initramfs_pack DIR OUT: DIR (with an executable /init) as a gzipped cpio.
initramfs_pack() {
	[ -x "$1/init" ] || { warn "initramfs $1 has no executable /init"; return 1; }
	(cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) | gzip -9 >"$2"
}

# qemu_boot VMLINUZ INITRAMFS LOG MEM-MIB: boot under QEMU TCG, console to
# LOG; fails unless the init reported success.  WSHEAP_QEMU_SMP vCPUs
# (default 1), each a host thread of its own (multi-threaded TCG).
qemu_boot() {
	local rc=0 qlog=$3
	timeout "${WSHEAP_QEMU_TIMEOUT:-300}" qemu-system-x86_64 \
		-accel tcg,thread=multi -smp "${WSHEAP_QEMU_SMP:-1}" -m "$4" \
		-nographic -no-reboot -kernel "$1" -initrd "$2" \
		-append "console=ttyS0 panic=-1 quiet loglevel=7" \
		</dev/null >"$qlog" 2>&1 || rc=$?
	boot_outcome "$rc" "$qlog" "the Debian boot under QEMU"
}
