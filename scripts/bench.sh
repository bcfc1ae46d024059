#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: bench/wsheap_bench.ko loaded into the Debian 6.12 cloud
# kernel under QEMU TCG (see debian_bench in scripts/debian.sh).  Module
# parameters may be given, e.g. scripts/bench.sh n_objects=100000 reps=3
exec bash "$(dirname "$0")/debian.sh" bench "$@"
