#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The benchmark of wsheap's first users, before and after: the same
# harness (bench-files.patch: net/wireless/tests/bench.c and
# security/ipe/bench_tests.c) in two trees built with the same kernel
# config, each booted BOOTS times under UML:
#
#	pristine  linux-source-6.12 + pristine-hooks.patch + bench-files.patch
#	series    linux-source-6.12 + the upstream series ($PATCHES, as
#		  'make patches' writes it) + series-hooks.patch +
#		  bench-files.patch
#
# and two configs, each built for both trees:
#
#	time      bench.kunitconfig: the ns of a scan and of its BH-off part,
#		  the ns of an IPE policy load and the bytes a policy holds
#	faults    bench.kunitconfig + failslab and fail_page_alloc with their
#		  debugfs files: the co-located APs a scan loses while 5% of
#		  its atomic allocations fail (the bench arms the injection for
#		  its own task, around the scans only; no command line needed)
#
#	bash scripts/users-bench.sh [all|trees|build|boot|table]  (default: all)
#	(make users-bench: make patches, then all)
#
# trees: the two source trees, in $USERS_BENCH/src/{pristine,series} (clones
# sharing the objects of the series' pristine git); build: kunit.py run
# once per tree and config (four UML kernels, in $USERS_BENCH/build/TREE-CFG);
# boot: BOOTS-1 more boots of each (kunit.py exec), pristine and series
# in turn; table: the medians over the boots, side by side.  Every boot's
# test.log is kept as $USERS_BENCH/results/TREE-CFG-BOOT.log.  The
# harness itself, and what each number means: users/bench/README.
#
# Environment: WSHEAP_CACHE (default ~/.cache/wsheap), PATCHES (default
# $CACHE/patches/series), USERS_BENCH (default $CACHE/users-bench), BOOTS
# (default 3), WSHEAP_JOBS (default nproc).  The series' pristine git,
# $SERIES_GIT with $PRISTINE_REF, is made by 'make patches'
# (scripts/series.sh); this script only reads it, holding $SERIES_LOCK
# while it clones.  Run it on an otherwise idle machine: the numbers are
# wall clock ns of a UML guest.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/series.sh"
set -euo pipefail

HERE=$PROJ/users/bench
PATCHES=${PATCHES:-$CACHE/patches/series}
USERS_BENCH=${USERS_BENCH:-$CACHE/users-bench}
BOOTS=${BOOTS:-3}

TREES=(pristine series)
CFGS=(time faults)
# What every build adds, as scripts/patches-check.sh does: no virtio (it
# warns at boot), a release name that does not follow the commit.
COMMON_ADD=(CONFIG_UML_PCI_OVER_VIRTIO=n CONFIG_LOCALVERSION_AUTO=n)
# The faults kernel: the two filters and the debugfs files the bench
# reaches their attributes through.  FAULT_INJECTION needs DEBUG_KERNEL.
FAULTS_ADD=(CONFIG_DEBUG_KERNEL=y CONFIG_DEBUG_FS=y CONFIG_FAULT_INJECTION=y
	    CONFIG_FAILSLAB=y CONFIG_FAIL_PAGE_ALLOC=y
	    CONFIG_FAULT_INJECTION_DEBUG_FS=y)
# The suites each config boots: the faults kernel only for the APs lost.
declare -A FILTER=([time]='wsheap-bench-*' [faults]='wsheap-bench-cfg80211')

# make_tree TREE: $USERS_BENCH/src/TREE at the pristine commit, with TREE's
# patches applied by git am.
make_tree() {
	local tree=$1 dir=$USERS_BENCH/src/$1 base patches=()
	[ -d "$SERIES_GIT/.git" ] ||
		die "no $SERIES_GIT: 'make patches' makes it"
	base=$(git -C "$SERIES_GIT" rev-parse -q --verify "$PRISTINE_REF^{commit}") ||
		die "$SERIES_GIT has no $PRISTINE_REF"
	mkdir -p "$USERS_BENCH/src"
	if [ ! -d "$dir/.git" ]; then
		say "$tree: cloning $SERIES_GIT (objects shared) into $dir"
		flock "$SERIES_LOCK" git clone -q --shared --no-checkout "$SERIES_GIT" "$dir"
	fi
	checkout_clean "$dir" "$base" || die "$tree: cannot check out $base in $dir"
	case $tree in
	pristine)
		patches=("$HERE/pristine-hooks.patch") ;;
	series)
		mapfile -t patches < <(find "$PATCHES" -maxdepth 1 -name '0*.patch' \
			! -name '0000-*' 2>/dev/null | LC_ALL=C sort)
		[ ${#patches[@]} -gt 0 ] || die "no series in $PATCHES: run 'make patches' first"
		patches+=("$HERE/series-hooks.patch") ;;
	esac
	series_git "$dir" am -q --whitespace=nowarn "${patches[@]}" "$HERE/bench-files.patch" ||
		die "$tree: git am failed (git -C $dir am --show-current-patch)"
	say "$tree: $(git -C "$dir" rev-list --count "$base..HEAD") patches on the pristine tree"
}

# kunit TREE CFG BOOT: boot BOOT of TREE's CFG kernel (boot 1 configures
# and builds it: kunit.py run; the others only boot it: kunit.py exec).
kunit() {
	local tree=$1 cfg=$2 boot=$3 src=$USERS_BENCH/src/$1 b=$USERS_BENCH/build/$1-$2
	local log=$USERS_BENCH/logs/$1-$2-$3.log add=("${COMMON_ADD[@]}") rc=0
	local args=(--kunitconfig="$HERE/bench.kunitconfig" --build_dir="$b"
		    --timeout=900 "${FILTER[$cfg]}")
	[ "$cfg" = faults ] && add+=("${FAULTS_ADD[@]}")
	mkdir -p "$USERS_BENCH/logs" "$USERS_BENCH/results" "$USERS_BENCH/build"
	rm -f "$b/test.log"	# never a previous boot's numbers
	if [ "$boot" = 1 ]; then
		say "$tree, $cfg: building and booting (log: $log)"
		(cd "$src" && PYTHONDONTWRITEBYTECODE=1 python3 tools/testing/kunit/kunit.py run \
			"${add[@]/#/--kconfig_add=}" --jobs="$JOBS" "${args[@]}") \
			>"$log" 2>&1 </dev/null || rc=$?
	else
		say "$tree, $cfg: boot $boot (log: $log)"
		(cd "$src" && PYTHONDONTWRITEBYTECODE=1 python3 tools/testing/kunit/kunit.py exec \
			"${args[@]}") >"$log" 2>&1 </dev/null || rc=$?
	fi
	[ -f "$b/test.log" ] || die "$tree, $cfg: no $b/test.log (log: $log)"
	cp "$b/test.log" "$USERS_BENCH/results/$tree-$cfg-$boot.log"
	# the bench asserts only what timing does not change: a failure is real
	[ "$rc" -eq 0 ] || warn "$tree, $cfg, boot $boot: kunit.py exit $rc (log: $log)"
	grep -q 'wsheap-bench: ' "$b/test.log" ||
		warn "$tree, $cfg, boot $boot: no 'wsheap-bench:' line in $b/test.log"
}

# same_config CFG: the two trees' CFG kernels differ in wsheap's options
# only.
same_config() {
	local d
	d=$(diff <(grep -v 'WSHEAP' "$USERS_BENCH/build/pristine-$1/.config") \
		 <(grep -v 'WSHEAP' "$USERS_BENCH/build/series-$1/.config") || true)
	if [ -n "$d" ]; then
		printf '%s\n' "$d" | head -n 20 | sed 's/^/  | /' >&2
		warn "$1: the two kernels' configs differ in more than wsheap's options"
		return 1
	fi
	say "$1: the two kernels' configs differ in wsheap's options only"
}

do_build() {
	local cfg tree
	for cfg in "${CFGS[@]}"; do
		for tree in "${TREES[@]}"; do
			kunit "$tree" "$cfg" 1
		done
		same_config "$cfg" || true
	done
}

do_boot() {
	local cfg tree boot
	for ((boot = 2; boot <= BOOTS; boot++)); do
		for cfg in "${CFGS[@]}"; do
			for tree in "${TREES[@]}"; do
				kunit "$tree" "$cfg" "$boot"
			done
		done
	done
}

# table: the medians over the boots of each number, pristine beside the
# series, and which is lower where lower is better.  The time kernel
# gives the scan and IPE rows, the faults kernel the faults rows.
do_table() {
	local f tree cfg boot
	for f in "$USERS_BENCH"/results/*-*-*.log; do
		[ -f "$f" ] || continue
		IFS=- read -r tree cfg boot <<<"$(basename "$f" .log)"
		sed -n 's/.*wsheap-bench: //p' "$f" | tr -d '\r' |
			sed "s/^/$tree\t$cfg\t$boot\t/"
	done | perl -e '
		use strict; use warnings;
		# lower is better for these; the others are context
		my %lower = map { $_ => 1 } qw(scan_ns bh_off_ns scan_ns_mean
			bh_off_ns_mean load_ns load_ns_mean free_ns_mean held_b
			slab_b lost_per_scan lost_max);
		my %show = (
			"cfg80211 scan" => [qw(scan_ns bh_off_ns params_min)],
			"cfg80211 faults" => [qw(lost_per_scan lost_max probe_slab probe_page)],
			"ipe" => [qw(load_ns free_ns_mean held_b vmalloc_b text_b)],
		);
		my (%v, @rows, %seen, %boots);
		while (<STDIN>) {
			chomp;
			my ($tree, $cfg, $boot, $line) = split /\t/, $_, 4;
			my @w = split " ", $line;
			my @key = (shift @w);
			push @key, shift @w while @w && $w[0] !~ /=/;
			push @key, shift @w while @w && $w[0] =~ /^(?:inject|rules)=/;
			my $key = "@key";
			my $faults_row = $key =~ /faults/ ? 1 : 0;
			next if $faults_row != ($cfg eq "faults" ? 1 : 0);
			push @rows, $key unless $seen{$key}++;
			$boots{$tree}{$cfg}{$boot} = 1;
			for (@w) {
				my ($f, $x) = /^(\w+)=(-?[\d.]+)(?:\/\d+)?$/ or next;
				push @{$v{$key}{$f}{$tree}}, $x;
			}
		}
		sub median {
			my @s = sort { $a <=> $b } @_;
			return undef unless @s;
			return @s % 2 ? $s[$#s / 2] : ($s[@s / 2 - 1] + $s[@s / 2]) / 2;
		}
		printf "boots: %s\n", join "; ", map {
			my $t = $_;
			"$t " . join ", ", map {
				"$_ " . scalar(keys %{$boots{$t}{$_}})
			} sort keys %{$boots{$t}};
		} sort keys %boots;
		# one line of mail each: the row in short
		my $label = sub {
			my ($k) = @_;
			$k =~ s/^cfg80211 scan.*/6 GHz scan/;
			$k =~ s/^cfg80211 faults inject=(\S+).*/6 GHz, 5% $1/;
			$k =~ s/^ipe rules=(\d+).*/IPE, $1 rules/;
			return $k;
		};
		printf "\n%-21s %-13s %9s %9s %5s  %s\n", "row", "number",
			"pristine", "series", "s/p", "lower";
		my %kind_order = ("cfg80211 scan" => 0, "cfg80211 faults" => 1, "ipe" => 2);
		my $order = sub {
			my ($k) = @_;
			my ($kind) = grep { index($k, $_) == 0 } keys %kind_order;
			my ($n) = $k =~ /rules=(\d+)/;
			return ($kind_order{$kind // ""} // 9, $n // 0, $k);
		};
		@rows = sort {
			my @x = $order->($a); my @y = $order->($b);
			$x[0] <=> $y[0] || $x[1] <=> $y[1] || $x[2] cmp $y[2]
		} @rows;
		for my $key (@rows) {
			my ($kind) = grep { index($key, $_) == 0 } sort { length $b <=> length $a } keys %show;
			my @f = $kind ? @{$show{$kind}} : sort keys %{$v{$key}};
			for my $f (@f) {
				next unless $v{$key}{$f};
				my $p = median(@{$v{$key}{$f}{pristine} // []});
				my $s = median(@{$v{$key}{$f}{series} // []});
				my $r = defined $p && defined $s && $p != 0 ? sprintf("%.2f", $s / $p) : "-";
				my $w = "";
				if ($lower{$f} && defined $p && defined $s) {
					$w = $s < $p ? "series" : $s > $p ? "PRISTINE" : "=";
				}
				printf "%-21s %-13s %9s %9s %5s  %s\n", $label->($key), $f,
					$p // "-", $s // "-", $r, $w;
			}
		}'
}

[ "$BOOTS" -ge 1 ] || die "BOOTS must be 1 or more"
case ${1:-all} in
all)	ensure_deps; make_tree pristine; make_tree series; do_build; do_boot; do_table ;;
trees)	make_tree pristine; make_tree series ;;
build)	ensure_deps; do_build ;;
boot)	do_boot ;;
table)	do_table ;;
*)	die "usage: bash scripts/users-bench.sh [all|trees|build|boot|table]" ;;
esac
