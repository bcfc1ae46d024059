# SPDX-License-Identifier: GPL-2.0
#
# Out-of-tree build of wsheap and its clients against a configured kernel
# tree, plus the project's entry points (demo, test, bench).  The kernel
# build itself reads Kbuild, not this file.

KDIR ?= /lib/modules/$(shell uname -r)/build

# A distro kernel's .config knows nothing of wsheap: choose the modules here.
# Against a tree whose .config sets these (the UML trees of the harness),
# the same values apply.
WSHEAP_MODULES := CONFIG_WSHEAP=m CONFIG_WSHEAP_DEMO=m \
		  CONFIG_WSHEAP_STRESS=m CONFIG_WSHEAP_BENCH=m

all: modules

modules: kdir-check
	$(MAKE) -C $(KDIR) M=$(CURDIR) $(WSHEAP_MODULES) modules

# Kbuild's clean where KDIR exists; otherwise the same files by name, so
# that clean needs nothing but these sources: DKMS runs it (CLEAN in
# dkms.conf) in its copy of them, where the running kernel may have no
# headers.
clean:
	@if [ -f "$(KDIR)/Makefile" ]; then \
		$(MAKE) -C $(KDIR) M=$(CURDIR) clean; \
	else \
		find . \( -path ./.git -o -path ./.cache \) -prune -o -type f \
			\( -name '*.o' -o -name '*.ko' -o -name '*.mod' \
			-o -name '*.mod.c' -o -name '.*.cmd' -o -name '*.a' \
			-o -name modules.order -o -name Module.symvers \
			-o -name '.*.d' -o -name '*.dwo' \) -print0 | \
			xargs -0r rm -f; \
		rm -rf .tmp_versions; \
	fi

kdir-check:
	@if [ ! -f "$(KDIR)/Makefile" ]; then \
		echo "wsheap: no kernel build directory at KDIR=$(KDIR)" >&2; \
		echo "wsheap: install the headers of your kernel (apt-get install linux-headers-$$(uname -r))" >&2; \
		echo "wsheap: or run 'make KDIR=/path/to/configured/kernel/tree'" >&2; \
		exit 1; \
	fi

# Entry points: scripts/*.sh build what they need in ~/.cache/wsheap (or
# $WSHEAP_CACHE), boot it under UML or QEMU, never load into this kernel.
demo:
	@bash scripts/demo.sh

test:
	@bash scripts/test.sh

bench:
	@bash scripts/bench.sh

# independent heaps on 1 and 2 CPUs, Debian's kernel under QEMU -smp 2
bench-smp:
	@bash scripts/debian.sh bench-smp

# cfg80211's 6 GHz scan and IPE's policy parser, pristine 6.12 against the
# series, under UML (users/bench/README)
users-bench: patches
	@bash scripts/users-bench.sh

lint:
	@bash scripts/lint.sh

# wsheap-dkms_<version>_all.deb, built in a copy under the cache
deb:
	@bash scripts/deb.sh

# Documentation/*.rst to HTML in DOCS (default ~/.cache/wsheap/docs/html),
# with Sphinx and the kernel-doc of the 6.12 source; any warning fails
docs:
	@bash scripts/docs.sh "$(DOCS)"

# wsheap as a git format-patch series for linux-source-6.12 (lib/wsheap/)
# in PATCHES (default ~/.cache/wsheap/patches/series); make test's patches
# stage applies, checks, builds and runs it
patches:
	@bash scripts/patches.sh "$(PATCHES)"

.PHONY: all modules clean kdir-check demo test bench bench-smp users-bench lint deb docs patches
