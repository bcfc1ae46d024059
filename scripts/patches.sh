#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make patches PATCHES=DIR: wsheap as a git format-patch series that adds
# it to linux-source-6.12 as a library, lib/wsheap/:
#
#	0000   cover letter
#	0001-  what the library needs of the kernel: each prerequisites/*.patch
#	       as it is (KASAN's range calls)
#	then   the library, one patch per feature with its suites (FEATURES
#	       below): the core with include/linux/wsheap.h, its hooks in
#	       lib/Kconfig and lib/Makefile and MAINTAINERS; then the
#	       helpers, marks and managed heaps, the misuse checks, fault
#	       injection, the sanitizers' hooks, the trace events, the
#	       debugfs listing, atomic heaps and reserves, NUMA placement,
#	       concurrent heaps and the SMP suite
#	then   Documentation/core-api/wsheap.rst and its index entry
#	then   the first users: each users/*.patch as it is, in the order of
#	       their names (a fix a user needs comes before the user)
#
# The files are this tree's, renamed to say what each part is (wsheap.c
# becomes lib/wsheap/core.c, wsheap_X.c lib/wsheap/X.c, wsheap_trace.h
# include/trace/events/wsheap.h) and with what only the out-of-tree build
# needs taken out (the wsheap_core.c include trick, MODULE_VERSION from
# VERSION, the fallbacks for older kernels, the trace header's -I flag,
# the page's blocks between ".. BEGIN out-of-tree only" and ".. END
# out-of-tree only").  Test files, test headers and the page are found,
# not listed: kunit/*.[ch] with kunit/Kbuild, Documentation/wsheap.rst.
# What this script cannot place (a new top-level source file, an
# out-of-tree include left over) stops it with a message saying so.
#
#	bash scripts/patches.sh [DIR]	(default: $PATCHES, else
#					 $CACHE/patches/series)
#
# DIR gets the *.patch files (earlier ones there are removed).  Commits
# are made in $SERIES_GIT (scripts/series.sh) without touching its work
# tree; scripts/patches-check.sh applies and tests the result.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/series.sh"

OUT=$(realpath -m "${1:-${PATCHES:-$CACHE/patches/series}}")
GEN=$CACHE/patches/gen			# the new files, patch by patch
ST=$GEN/tree

MAINT_TITLE="WSHEAP ARENA HEAPS"

# ---------------------------------------------------------------- discovery

# Top-level library sources: wsheap.c is the core, wsheap_X.[ch] become
# lib/wsheap/X.[ch]; wsheap_core.c (the include trick) is dropped and
# wsheap_trace.h goes to include/trace/events/wsheap.h.  wsheap_ablation.c,
# the bench's switches, stays out with the bench, and
# wsheap_kasan_compat.h, what prerequisites/1-kasan-range-poisoning.patch
# gives a kernel tree, stays out of it.
lib_parts() {
	local f n
	for f in "$PROJ"/wsheap_*.[ch]; do
		n=${f##*/wsheap_}
		case $n in core.c | trace.h | ablation.c | kasan_compat.h) continue ;; esac
		echo "$n"
	done
}

# "cond object" for every object of the module in a Kbuild or Makefile,
# the condition of an ifeq block written out, with out-of-tree names
# (wsheap_core.o, wsheap_X.o) mapped to in-tree ones (core.o, X.o).
kbuild_objects() {
	perl -0777 -pe 's/\\\n//g' "$1" | perl -ne '
		if (/^(ifeq|ifneq|ifdef|ifndef)\b(.*)$/) { $blk = "$1$2"; $blk =~ s/\s+//g; next }
		if (/^endif/) { $blk = ""; next }
		next unless /^wsheap-(\S+)\s*[:+]?=\s*(.*)$/;
		my $c = $1 . ($blk ne "" ? "\@$blk" : "");
		for (split " ", $2) {
			next unless /\.o$/;
			next if $_ eq "wsheap_ablation.o";
			s/^wsheap_//;
			print "$c $_\n";
		}' | LC_ALL=C sort
}

# kbuild_to_makefile <Kbuild >Makefile: the module's part of Kbuild as
# lib/wsheap/Makefile: objects named as in tree, a header of its own, and
# without what only the out-of-tree build has (MODULE_VERSION's flag, the
# trace header's -I, the test exports, which come with the tests, and
# the samples and bench, and the bench's ablation switches), and without
# the objects named in EXCLUDE (wsheap_X.o: features that come later).  A
# statement it does not know stops it.
kbuild_to_makefile() {
	perl -e '
		my %excl = map { $_ => 1 } split " ", $ENV{EXCLUDE} // "";
		my @l = <STDIN>;
		shift @l if $l[0] =~ /SPDX/;
		# units: comment lines, then statements (continuations joined)
		my (@u, $cur);
		my $new = sub { $cur = { c => [], s => [], blank => $_[0] }; push @u, $cur };
		$new->(0);
		for (my $i = 0; $i < @l; $i++) {
			my $x = $l[$i];
			if ($x =~ /^\s*$/) { $new->(1); next }
			if ($x =~ /^#/) {
				$new->(0) if @{$cur->{s}};
				push @{$cur->{c}}, $x; next;
			}
			$x .= $l[++$i] while $x =~ /\\\n\z/ && $i + 1 < @l;
			push @{$cur->{s}}, $x;
		}
		# the first comments are about the out-of-tree layout: ours instead
		shift @u while @u && !@{$u[0]{c}} && !@{$u[0]{s}};
		$u[0]{c} = [] if @u;
		for my $u (@u) {
			my @s;
			for (@{$u->{s}}) {
				if (/^(?:ccflags-y|CFLAGS_wsheap_trace\.o|subdir-ccflags-y)\b/ ||
				    /^obj-\S+\s*\+=\s*(?:kunit|samples|bench)\// ||
				    /^obj-y\s*\+=\s*samples\// ||
				    /^wsheap-y\s*\+=\s*wsheap_ablation\.o/) { next }
				# a feature not in the tree yet (EXCLUDE): its
				# objects out, one line if the rest fits in one
				if (/^wsheap-\S+\s*:?\+?=\s*(.*)$/s) {
					my @o = grep { /\.o$/ } split " ", $1;
					next if @o && !grep { !$excl{$_} } @o;
					my @gone = grep { $excl{$_} } @o;
					if (@gone) {
						# (a named variable: $_ is the statement)
						for my $x (@gone) { s/\Q$x\E\s*// }
						s/\s*\\\n\s*\z/\n/;
						(my $one = $_) =~ s/\s*\\\n\s*/ /g;
						(my $w = $one) =~ s/\bwsheap_(\w+\.o)\b/$1/g;
						$w =~ s/\t/        /g;
						$_ = $one if length($w) <= 81;
					}
				}
				if (/^(?:obj-\$\(CONFIG_WSHEAP\)\s*\+=\s*wsheap\.o|wsheap-\S+\s*:?\+?=|if(?:n?eq|n?def)\b|else\b|endif\b)/) {
					s/\bwsheap_(\w+)\.o\b/$1.o/g;
					push @s, $_; next;
				}
				die "Kbuild: statement not known to scripts/patches.sh: $_";
			}
			# conditionals left empty
			my $again = 1;
			while ($again) {
				$again = 0;
				for my $i (0 .. $#s - 1) {
					if ($s[$i] =~ /^if/ && $s[$i + 1] =~ /^endif/) {
						splice @s, $i, 2; $again = 1; last;
					}
				}
			}
			$u->{s} = \@s;
		}
		print "# SPDX-License-Identifier: GPL-2.0\n#\n",
		      "# wsheap: the allocator core and each optional part in a file of its\n",
		      "# own, linked in only where its option is on.\n";
		my $first = 1;
		for my $u (@u) {
			next unless @{$u->{s}};
			print "\n" if $u->{blank} && !$first;
			for (@{$u->{c}}) {
				s/;\s*define_trace\.h includes \S+ by path//;
				s/\bwsheap_trace\.h\b/<trace\/events\/wsheap.h>/g;
				s/\bwsheap_(\w+\.[ch])\b/$1/g;
				print;
			}
			print @{$u->{s}};
			$first = 0;
		}'
}

# Kconfig symbols a Kbuild file builds objects for.
kbuild_syms() {
	cat "$@" 2>/dev/null | grep -o 'CONFIG_[A-Z0-9_]*' | sed 's/^CONFIG_//' | sort -u
}

# kconfig_blocks FILE SYM...: FILE's leading comment and its config blocks
# for the symbols named, in FILE's order.
kconfig_blocks() {
	local f=$1
	shift
	perl -e '
		my %want = map { $_ => 1 } @ARGV[1 .. $#ARGV];
		open(my $fh, "<", $ARGV[0]) or die;
		my ($cur, @out) = ("");
		my $keep = 1;		# the header
		my $blk = "";
		while (<$fh>) {
			if (/^(?:config|menuconfig)\s+(\S+)/) {
				push @out, $blk if $keep;
				$blk = ""; $keep = $want{$1};
			}
			$blk .= $_;
		}
		push @out, $blk if $keep;
		my $s = join "", @out;
		$s =~ s/\n+\z/\n/;
		print $s;' "$f" "$@"
}

# library_kconfig <in >out: the Kconfig as a library's: WSHEAP loses its
# prompt (its users select it; the module keeps its switch out of tree)
# and with it the help paragraph about choosing M.
library_kconfig() {
	perl -0777 -pe '
		s/^(config WSHEAP\n\ttristate) "[^"\n]*"\n/$1\n/m or die "no prompt of WSHEAP\n";
		s/\n\n\t  To compile this as a module, choose M here: the module will be\n\t  called wsheap\.\n/\n\n\t  Its users select it.\n/ or die "no module paragraph\n";'
}

# ---------------------------------------------------------------- transforms

# Perl: reflow(TEXT, CONT-RE) re-fills what a longer name made wider
# than 80 columns.  Lines where a name grew are marked with a leading
# \x01; from such a line on, words move down into the lines after it that
# continue the same paragraph (CONT-RE: the prefix, " * " in a comment,
# the indent in the page, and text that starts no list or markup), until
# one fits; a marked line that fits stays as it is.
# shellcheck disable=SC2016 # Perl
REFLOW_PL='
sub width { my $t = shift; 1 while $t =~ s/\t+/" " x (length($&) * 8 - length($`) % 8)/e; length $t }
sub reflow {
	my ($text, $cont) = @_;
	my @l = split /\n/, $text, -1;
	for (my $i = 0; $i < @l; $i++) {
		next unless $l[$i] =~ s/^\x01//;
		my ($prefix) = $l[$i] =~ /^($cont)/ or next;
		while (width($l[$i]) > 80) {
			my $over = width($l[$i]) - length($l[$i]);
			my $cut = rindex($l[$i], " ", 80 - $over);
			last if $cut <= length($prefix);
			my $rest = substr($l[$i], $cut + 1);
			$l[$i] = substr($l[$i], 0, $cut);
			if ($i + 1 < @l && $l[$i + 1] =~ /^\Q$prefix\E(?![\s*.:|=-]|\d+\.|\x01)\S/) {
				$l[$i + 1] =~ s/^\Q$prefix\E/$prefix$rest /;
			} else {
				splice @l, $i + 1, 0, $prefix . $rest;
			}
			$i++;
		}
	}
	return join "\n", @l;
}
'

# to_tree KIND <in >out: a C file or header of the project as it goes
# into the tree.  KIND: lib (lib/wsheap/), test (lib/wsheap/tests/),
# api (include/linux/wsheap.h), events (include/trace/events/wsheap.h).
# LIBPARTS: the X.[ch] of the wsheap_X.[ch] that go to lib/wsheap/.
to_tree() {
	KIND=$1 LIBPARTS="${PARTS[*]}" perl -0777 -pe "$REFLOW_PL"'
		my $up = $ENV{KIND} eq "test" ? "../" : "";
		# full paths in include/linux/wsheap.h, names in lib/wsheap/
		my $dir = $ENV{KIND} eq "api" ? "lib/wsheap/" : "";
		my %map = ("wsheap.c" => "${dir}core.c",
			   "wsheap_trace.h" => "<trace/events/wsheap.h>");
		$map{"wsheap_$_"} = "$dir$_" for split " ", $ENV{LIBPARTS};
		$map{"Documentation/wsheap.rst"} = "Documentation/core-api/wsheap.rst";

		# The trace events: in include/trace/events/ under the name
		# of their system, found there by define_trace.h.  They read
		# struct wsheap, which stays private: only trace.c, which
		# creates them, needs internal.h, as for <trace/events/kmem.h>.
		if ($ENV{KIND} eq "events") {
			s{\n\n#include "wsheap_internal\.h"\n}{\n#include <linux/wsheap.h>\n\n/*\n * struct wsheap is private to lib/wsheap/: lib/wsheap/trace.c, which\n * creates the events, includes lib/wsheap/internal.h first, as\n * mm/slab_common.c includes mm/slab.h for <trace/events/kmem.h>.\n */\n};
			s{^/\*[^\n]*\*/\n(?=#undef TRACE_INCLUDE_PATH)}{}m;
			s{^#(?:undef|define) TRACE_INCLUDE_(?:PATH|FILE)\b.*\n}{}mg;
			s{\n(#include <trace/define_trace\.h>)}{\n/* This part must be outside protection */\n$1}
				unless m{outside protection};
			s{_WSHEAP_TRACE_H\b}{_TRACE_WSHEAP_H}g;
		}
		s{\b_WSHEAP_H\b}{_LINUX_WSHEAP_H}g if $ENV{KIND} eq "api";
		s{^(#define CREATE_TRACE_POINTS\n)}{#include "internal.h"\n\n$1}m
			unless m{^#include "(?:wsheap_)?internal\.h"}m;

		# includes: the public headers by their in-tree names, the
		# others by their new names beside the file
		s{^#include "(?:\.\./)?wsheap\.h"$}{#include <linux/wsheap.h>}mg;
		s{^#include "(?:\.\./)?wsheap_trace\.h"$}{#include <trace/events/wsheap.h>}mg;
		my $hdrs = join "|", map { quotemeta } grep { /\.h$/ } split " ", $ENV{LIBPARTS};
		s{^#include "(?:\.\./)?wsheap_($hdrs)"$}{#include "$up$1"}mg if $hdrs ne "";

		# Older kernels: no static stubs (6.1), no DEFINE_FREE (before 6.5),
		# no shrinker_alloc() (before 6.7).
		# In tree <kunit/static_stub.h> is always there and makes the
		# redirect vanish without KUnit.
		s{^#ifdef WSHEAP_TEST_EXPORTS\n#include <kunit/static_stub\.h>\n#else\n(?:/\*.*\*/\n)*#define KUNIT_STATIC_STUB_REDIRECT\(\.\.\.\) do \{\} while \(0\)\n#endif\n}{#include <kunit/static_stub.h>\n}mg;
		s{^#ifdef DEFINE_FREE\n((?:(?!^#).*\n)*?)#endif\n}{$1}mg;
		# older than 6.10: no allocation profiling; the fallback goes whole
		s{^#ifndef alloc_hooks\n(?:(?:/\*.*\*/|#define .*)\n)*#endif\n}{}mg;
		s{^#ifdef WSHEAP_NO_ALLOC_TAGS\n(?:#define .*\n)*#endif\n}{}mg;
		# older than 6.7: no shrinker_alloc(); the fallback goes whole
		s{^#ifndef SHRINKER_ALLOCATED\n(?:(?!^#).*\n)*?^#endif\n\n?}{}mg;

		# the KASAN range calls are <linux/kasan.h>'"'"'s in tree
		s{^#include "wsheap_kasan_compat\.h"\n}{}mg;

		# MODULE_VERSION comes from VERSION, which stays out of tree
		s{^MODULE_VERSION\(WSHEAP_VERSION\);\n}{}mg;

		# file names in comments (wsheap.h keeps its name)
		my $re = join "|", map { quotemeta } sort { length $b <=> length $a } keys %map;
		s{^(?!#\s*include)(.*)$}{
			my $l = $1;
			$l = "\x01$l"
				if $l =~ s{(?<![\w/.<-])($re)(?![\w.-]*\w)}{$map{$1}}g;
			$l
		}mge;
		$_ = reflow($_, qr/[ \t]*\* /);
	'
}

# What only the out-of-tree build has, in the files written to the tree.
LEFTOVER_RE='kasan_compat|WSHEAP_NO_ALLOC_TAGS|#include "(\.\./)+wsheap|#include "wsheap(_internal|_trace)?\.h"|WSHEAP_VERSION|wsheap_core|KUNIT_STATIC_STUB_REDIRECT\(\.\.\.\)|TRACE_INCLUDE_(PATH|FILE)|LINUX_VERSION_CODE|KERNEL_VERSION\(|#ifdef DEFINE_FREE|SHRINKER_ALLOCATED|out-of-tree only'

check_leftovers() {
	local hits
	hits=$(cd "$ST" && grep -rnE "$LEFTOVER_RE" -- include lib Documentation 2>/dev/null || true)
	[ -z "$hits" ] && return 0
	printf '%s\n' "$hits" | sed 's/^/  | /' >&2
	die "out-of-tree constructs left in the series' files (above): teach to_tree() in scripts/patches.sh"
}

# rst_to_tree <in >out: the page as Documentation/core-api/wsheap.rst:
# without its out-of-tree blocks, the sources by their in-tree paths in
# directives (where the page may name them lib/wsheap/wsheap*, or as in
# the project), the header as <linux/wsheap.h> in the text.
rst_to_tree() {
	LIBPARTS="${PARTS[*]}" perl -0777 -pe "$REFLOW_PL"'
		s{^\.\. BEGIN out-of-tree only.*?^\.\. END out-of-tree only[^\n]*\n\n?}{}msg;
		my %map = ("wsheap.c" => "lib/wsheap/core.c",
			   "wsheap.h" => "include/linux/wsheap.h",
			   "wsheap_trace.h" => "include/trace/events/wsheap.h");
		$map{"wsheap_$_"} = "lib/wsheap/$_" for split " ", $ENV{LIBPARTS};
		my $re = join "|", map { quotemeta } sort { length $b <=> length $a } keys %map;
		my $fix = sub {
			my $l = shift;
			$l =~ s{(?:\.\./)?kunit/}{lib/wsheap/tests/}g;
			$l =~ s{(?<![\w.-])(?:lib/wsheap/)?($re)(?![\w.-]*\w)}{$map{$1}}g;
			$l;
		};
		# a directive and its options
		s{^(\.\. [\w-]+::.*\n(?:[ \t]+:[\w-]+:.*\n)*)}{$fix->($1)}mge;
		s{^(.*)``wsheap\.h``}{\x01$1``<linux/wsheap.h>``}mg;
		s{``wsheap\.h``}{``<linux/wsheap.h>``}g;
		$_ = reflow($_, qr/[ \t]*/);
		s{^(\s*)#include "wsheap\.h"$}{$1#include <linux/wsheap.h>}mg;
		$_ = ".. SPDX-License-Identifier: GPL-2.0\n\n$_"
			unless /\A\.\. SPDX-License-Identifier:/;
	'
}

# Paths in the page's file directives that are in neither the pristine
# tree nor the series.
check_rst_paths() {
	local p bad=0
	while read -r p; do
		[ -e "$ST/$p" ] && continue
		sgit cat-file -e "$PRISTINE_REF:$p" 2>/dev/null && continue
		warn "Documentation/wsheap.rst: '$p' is not in the patched tree"
		bad=1
	done < <(sed -nE 's/^\.\. (kernel-doc|literalinclude|include):: +([^ ]+).*/\2/p;
			s/^[[:space:]]+:export: +([^ ]+).*/\1/p' "$1")
	[ "$bad" -eq 0 ] || die "the page refers to files the series does not have"
}

# ---------------------------------------------------------------- tree edits

# pristine PATH: the pristine file, to edit.
pristine() { sgit show "$PRISTINE_REF:$1"; }

# put PATH: stdin becomes $ST/PATH.
put() { mkdir -p "$(dirname "$ST/$1")"; cat >"$ST/$1"; }

# insert_after PATH ANCHOR-RE TEXT: TEXT after the first line of the
# pristine PATH (or its version in $ST) matching ANCHOR-RE (a Perl RE).
insert_after() {
	local path=$1 src
	src=$ST/$1
	mkdir -p "$(dirname "$src")"
	[ -f "$src" ] || { pristine "$path" >"$src.new" || return 1; src=$src.new; }
	ANCHOR=$2 TEXT=$3 perl -0777 -e '
		local $_ = <STDIN>;
		s/^($ENV{ANCHOR}\n)/$1$ENV{TEXT}/m or die "anchor not found\n";
		print;' <"$src" >"$ST/$1.tmp" || die "$path: no line matching /$2/ to insert after"
	mv "$ST/$1.tmp" "$ST/$1"
	rm -f "$ST/$1.new"
}

# maintainers F-PATTERN...: the MAINTAINERS entry with these F: lines
# (sorted, as checkpatch wants), before the first entry that sorts after
# it.
maintainers() {
	local f
	{
		printf '%s\n' "$MAINT_TITLE"
		printf 'M:\t%s <%s>\n' "$SERIES_NAME" "$SERIES_EMAIL"
		printf 'L:\tlinux-mm@kvack.org\n'
		printf 'S:\tMaintained\n'
		for f in "$@"; do printf 'F:\t%s\n' "$f"; done | LC_ALL=C sort
	} >"$GEN/entry"
	pristine MAINTAINERS | ENTRY=$GEN/entry TITLE=$MAINT_TITLE perl -e '
		open(my $e, "<", $ENV{ENTRY}) or die; my $entry = do { local $/; <$e> };
		my @l = <STDIN>; my ($list, $done) = (0, 0);
		for my $i (0 .. $#l) {
			$list = 1 if $l[$i] =~ /^Maintainers List$/;
			if ($list && !$done && $i > 0 && $l[$i - 1] eq "\n" &&
			    $l[$i] =~ /^[A-Z0-9]/ && ($l[$i + 1] // "") =~ /^[A-Z]:\t/ &&
			    $l[$i] ne "THE REST\n" && ($l[$i] cmp "$ENV{TITLE}\n") > 0) {
				print $entry, "\n"; $done = 1;
			}
			print $l[$i];
		}
		die "no place for the entry\n" unless $done;' | put MAINTAINERS
}

# ---------------------------------------------------------------- commits

PARENT=
N=0
SUBJECTS=()		# of the commits made, in order
# git with an index of this script's own, for its commits
gidx() { GIT_INDEX_FILE=$GEN/index sgit "$@"; }
# Dates of the project's last commit: the same sources give the same series.
DATE=$(git -C "$PROJ" log -1 --format=%cI 2>/dev/null || date -R)
export GIT_AUTHOR_DATE=$DATE GIT_COMMITTER_DATE=$DATE

# commit MSGFILE: every file in $ST into the index, and a commit on
# PARENT with MSGFILE and the Signed-off-by.
commit() {
	local tree
	(cd "$ST" && find . -type f -printf '%P\n' | LC_ALL=C sort) >"$GEN/paths"
	paste <(sed "s|^|$ST/|" "$GEN/paths" | sgit hash-object -w --stdin-paths |
		sed 's/^/100644 /') "$GEN/paths" | gidx update-index --index-info
	tree=$(gidx write-tree)
	printf '\nSigned-off-by: %s <%s>\n' "$SERIES_NAME" "$SERIES_EMAIL" >>"$1"
	PARENT=$(sgit commit-tree "$tree" -p "$PARENT" -F "$1")
	N=$((N + 1))
	SUBJECTS+=("$(head -n 1 "$1")")
}

# part_title X: what lib/wsheap/X is, from the title of its header
# comment ("wsheap - TITLE", or "DOC: TITLE" where the page pulls it in).
part_title() {
	case $1 in
	trace.c) echo "creates the trace events of include/trace/events/wsheap.h"; return ;;
	internal.h) echo "what the files share"; return ;;
	esac
	awk 'NR > 2 && /^ \*(\/)?$/ { exit } NR > 2 { sub(/^ \* ?/, ""); printf "%s ", $0 }' \
		"$PROJ/wsheap_$1" | sed -E 's/^(wsheap - |DOC: )//; s/ $//'
}

# parts bullets|table [PART...]: the parts of the library (PARTS, or
# those named), as a list for a commit message or as the cover letter's
# table.
parts() {
	local p mode=$1
	shift
	[ $# -gt 0 ] || set -- "${PARTS[@]}"
	{
		if [ "$mode" = table ]; then
			printf '%s\t%s\n' include/linux/wsheap.h "the API" \
				include/trace/events/wsheap.h "the trace events" \
				lib/wsheap/core.c "heaps, chunks, allocation, reset, marks"
		fi
		for p in "$@"; do
			printf '%s\t%s\n' "$p" "$(part_title "$p")"
		done
		if [ "$mode" = table ]; then
			printf '%s\t%s\n' "lib/wsheap/tests/, .kunitconfig" "the KUnit suites" \
				Documentation/core-api/wsheap.rst "the guide and the API reference"
		fi
	} | MODE=$mode perl -MText::Wrap -ne '
		chomp; my ($f, $t) = split /\t/;
		$Text::Wrap::unexpand = 0;
		$Text::Wrap::columns = $ENV{MODE} eq "table" ? 80 : 73;
		if ($ENV{MODE} eq "table") {
			$f = "lib/wsheap/$f" unless $f =~ m{/};
			print wrap(sprintf("  %-35s", $f), " " x 37, $t), "\n";
		} else {
			print wrap("  - $f: ", "    ", $t), "\n";
		}'
}

# suite_names FILE...: "a, b and c", the KUnit suites the files define.
suite_names() {
	sed -nE '/struct kunit_suite/,/^\}/ s/^\s*\.name\s*=\s*"([^"]+)".*/\1/p' "$@" |
		paste -sd, | sed -E 's/,/, /g; s/, ([^,]*)$/ and \1/'
}

# ---------------------------------------------------------------- features

# The library's patches, one feature each, in this order; the docs and
# the users follow.  A feature's files (F_PARTS: lib/wsheap/X, F_TESTS:
# kunit/X) join the tree with its patch, the parts and suites no feature
# names with the first.  Before a feature's patch the files it shares
# with the others are what unifdef makes of them without its option
# (F_UNIFDEF), and without the trace events' calls before theirs; its
# Kconfig symbols (F_SYMS) and .kunitconfig lines (F_KUNITCONFIG, a
# grep -E of symbols) come with it.  A feature that no option gates has
# instead a features/FEATURE.patch: what it adds to the files it shares,
# which stage_srcdir takes back out for the patches before it.
FEATURES=(core helpers debug fault sanitizers trace debugfs atomic numa
	  concurrent smp)
declare -A F_PARTS=([debug]=debug.c [fault]=fault.c [sanitizers]=kasan.c
		    [trace]=trace.c [debugfs]=debugfs.c [concurrent]=concurrent.c)
# shellcheck disable=SC2034 # read through feature_later_has's nameref
declare -A F_TESTS=([helpers]=wsheap_helpers_kunit.c
		    [sanitizers]=wsheap_kasan_kunit.c
		    [concurrent]=wsheap_concurrent_kunit.c
		    [smp]=wsheap_smp_kunit.c)
declare -A F_SYMS=([debug]=WSHEAP_DEBUG [fault]=FAIL_WSHEAP)
declare -A F_UNIFDEF=([debug]=-UCONFIG_WSHEAP_DEBUG [fault]=-UCONFIG_FAIL_WSHEAP
		      [sanitizers]=-DWSHEAP_KASAN=0 [debugfs]=-UCONFIG_DEBUG_FS)
# The kernel's own options stay in every patch's .kunitconfig (the
# fault-injection framework), so that each kunit.py run rebuilds little
# more than lib/wsheap/.
declare -A F_KUNITCONFIG=([debug]=WSHEAP_DEBUG [fault]=FAIL_WSHEAP)

# feature_stage FEATURE: STAGE_PARTS, STAGE_TESTS and LATER (the features
# after it) for the tree as FEATURE's patch leaves it.
feature_stage() {
	local f p later=0
	STAGE_PARTS=()
	STAGE_TESTS=()
	LATER=()
	for f in "${FEATURES[@]}"; do
		[ "$later" -eq 1 ] && LATER+=("$f")
		[ "$f" = "$1" ] && later=1
	done
	# a file no feature names is the core's, in every stage
	for p in "${PARTS[@]}"; do
		feature_later_has F_PARTS "$p" || STAGE_PARTS+=("$p")
	done
	for p in "${TESTS[@]}"; do
		feature_later_has F_TESTS "$p" || STAGE_TESTS+=("$p")
	done
	stage_srcdir
}

# stage_srcdir: SRC, the directory of the sources as this stage has them:
# the project's, or a copy without the LATER features' features/*.patch,
# the last taken out first.  A patch must come out exactly (no fuzz), so
# that an edit in or next to a feature's lines stops the series instead
# of cutting the wrong ones.
stage_srcdir() {
	local i f
	SRC=$PROJ
	for f in "${LATER[@]}"; do
		[ -f "$PROJ/features/$f.patch" ] && SRC=$GEN/src/$FEATURE
	done
	[ "$SRC" != "$PROJ" ] || return 0
	mkdir -p "$SRC/kunit"
	cp "$PROJ"/wsheap*.[ch] "$PROJ"/Kbuild "$PROJ"/Kconfig "$SRC"/
	cp -r "$PROJ"/kunit/. "$SRC"/kunit/
	for ((i = ${#LATER[@]} - 1; i >= 0; i--)); do
		f=$PROJ/features/${LATER[$i]}.patch
		[ -f "$f" ] || continue
		patch -R -p1 -F0 -s --no-backup-if-mismatch -d "$SRC" <"$f" ||
			die "features/${f##*/} does not come out of the sources as they are: refresh it (features/README)"
	done
}

# feature_later_has MAP FILE: one of the LATER features has FILE in MAP.
feature_later_has() {
	local -n map=$1
	local f
	for f in "${LATER[@]}"; do
		[[ " ${map[$f]:-} " == *" $2 "* ]] && return 0
	done
	return 1
}

# stage_src FILE: FILE as the tree of this stage has it.
stage_src() {
	local f args=() rc=0 trace=0 debug=0
	for f in "${LATER[@]}"; do
		[ -n "${F_UNIFDEF[$f]:-}" ] && args+=("${F_UNIFDEF[$f]}")
		[ "$f" = trace ] && trace=1
		[ "$f" = debug ] && debug=1
	done
	if [ ${#args[@]} -gt 0 ]; then
		unifdef -B "${args[@]}" -o "$GEN/unifdef.out" "$1" || rc=$?
		[ "$rc" -le 1 ] || die "unifdef failed on $1"
	else
		cp "$1" "$GEN/unifdef.out"
	fi
	# without the events: no calls, and wsheap_reset() keeps no
	# REQUESTED_SIZE for its event; without the misuse checks, no
	# test of their option
	TRACE=$trace DEBUG=$debug perl -0777 -pe 'if ($ENV{TRACE}) {
		s/^#include "wsheap_trace\.h"\n//mg;
		s/^\t+trace_wsheap_\w+\(.*\);\n//mg;
		s/^\tsize_t requested;\n\n(?=\twsheap_might_sleep)//m;
		s/^\trequested = heap->fast\.requested;\n//m;
	}
	if ($ENV{DEBUG}) {
		s/!IS_ENABLED\(CONFIG_WSHEAP_DEBUG\) && //g;
		s/^\tif \(IS_ENABLED\(CONFIG_WSHEAP_DEBUG\)\)\n\t\tkunit_skip\(.*\);\n//mg;
	}' "$GEN/unifdef.out"
}

# stage_syms_re: a grep -E of the Kconfig symbols of the LATER features.
stage_syms_re() {
	local f re=
	for f in "${LATER[@]}"; do
		[ -n "${F_SYMS[$f]:-}" ] && re+="|${F_SYMS[$f]}"
	done
	echo "^(${re#|})\$"
}

# feature_tree: the library's files in $ST as this stage has them.
feature_tree() {
	local p f re excl=() t
	for f in "${LATER[@]}"; do
		for p in ${F_PARTS[$f]:-}; do excl+=("wsheap_${p%.c}.o"); done
	done
	stage_src "$SRC/wsheap.h" | to_tree api | put include/linux/wsheap.h
	stage_src "$SRC/wsheap.c" | to_tree lib | put lib/wsheap/core.c
	for p in "${STAGE_PARTS[@]}"; do
		stage_src "$SRC/wsheap_$p" | to_tree lib | put "lib/wsheap/$p"
	done
	if [[ " ${LATER[*]} " != *" trace "* ]]; then
		to_tree events <"$SRC/wsheap_trace.h" | put include/trace/events/wsheap.h
	fi
	for f in "${STAGE_TESTS[@]}"; do
		stage_src "$SRC/kunit/$f" | to_tree test | put "lib/wsheap/tests/$f"
	done

	# Kconfig: the library's symbols of this stage, and the test option
	re=$(stage_syms_re)
	# shellcheck disable=SC2046,SC2086 # one word each
	kconfig_blocks "$SRC/Kconfig" $(grep -vE "$re" <<<"$lib_syms") $test_syms |
		library_kconfig | put lib/wsheap/Kconfig
	{
		EXCLUDE="${excl[*]}" kbuild_to_makefile <"$SRC/Kbuild"
		cat <<'EOF'

# The test-only exports (internal.h), here and in tests/, follow wsheap's
# own test option: VISIBLE_IF_KUNIT would export the chunk allocators of
# every kernel that has KUnit.
ifneq ($(CONFIG_WSHEAP_KUNIT_TEST),)
subdir-ccflags-y		+= -DWSHEAP_TEST_EXPORTS
endif
obj-$(CONFIG_WSHEAP_KUNIT_TEST)	+= tests/
EOF
	} | put lib/wsheap/Makefile
	# its comments name the files as they are here (kunit/X); the
	# suites of this stage
	t=$(printf '%s\n' "${STAGE_TESTS[@]}" | sed -n 's/\.c$/.o/p' | paste -sd'|')
	sed -E '/^#/ s@(\.\./)?kunit/@@g' "$SRC/kunit/Kbuild" |
		grep -E "^([^o]|$)|\b($t)\$" | put lib/wsheap/tests/Makefile
	# the suites' own options; the sanitizers are the caller's choice
	re='^(# )?CONFIG_(KASAN|UBSAN'
	for f in "${LATER[@]}"; do
		[ -n "${F_KUNITCONFIG[$f]:-}" ] && re+="|${F_KUNITCONFIG[$f]}"
	done
	grep -vE "$re)" "$SRC/kunit/.kunitconfig" | put lib/wsheap/.kunitconfig
	if [ "$FEATURE" = core ]; then
		insert_after lib/Kconfig 'config GENERIC_ALLOCATOR\n\tbool' \
			$'\nsource "lib/wsheap/Kconfig"\n'
		insert_after lib/Makefile 'obj-\$\(CONFIG_GENERIC_ALLOCATOR\) \+= genalloc\.o' \
			$'obj-$(CONFIG_WSHEAP) += wsheap/\n'
	fi
	if [ "$FEATURE" = fault ]; then
		insert_after Documentation/fault-injection/fault-injection.rst \
			'  injects page allocation failures\. \(alloc_pages\(\), get_free_pages\(\), \.\.\.\)\n' \
			$'- fail_wsheap\n\n  injects failures of the chunk allocations of wsheap arena heaps, which\n  wsheap_alloc() and the other allocating calls return as -ENOMEM (never\n  the heap object of wsheap_create()), by setting debugfs entries under\n  /sys/kernel/debug/fail_wsheap. No boot option supported.\n\n'
	fi
	if [[ " ${LATER[*]} " == *" trace "* ]]; then
		maintainers include/linux/wsheap.h 'lib/wsheap/*' lib/wsheap/tests/
	else
		maintainers include/linux/wsheap.h include/trace/events/wsheap.h \
			'lib/wsheap/*' lib/wsheap/tests/
	fi
}

# ---------------------------------------------------------------- messages

# msg_FEATURE: the commit message of FEATURE's patch (the Signed-off-by
# is added by commit()).
msg_core() {
	cat <<EOF
lib/wsheap: add arena heaps for drivers

Drivers that build a request, a message or a parse tree out of many
small allocations, and drop them all together, pay for each kmalloc()
and kfree() and have to keep every pointer to free it.  wsheap gives
them arena heaps with a byte quota: blocks are carved from a few large
chunks with a bump pointer and all given back at once.

  - wsheap_create() makes a heap with a quota (the most bytes handed
    out between two resets) and a trim size (the chunk memory a reset
    keeps).
  - wsheap_alloc() bumps a pointer, inline while the current chunk has
    room.
  - wsheap_reset() gives back everything and keeps chunks up to the
    trim size, wsheap_free() releases the heap.
  - Properties given to wsheap_create() name a heap, charge its memory
    to a memory cgroup, or choose the GFP flags of its chunks
    (GFP_NOFS, GFP_NOIO); wsheap_get_property() reads them back, with
    the quota, the trim size and the bytes handed out and held.

Calls return a negative errno (-EDQUOT for the quota) and can fill an
optional struct wsheap_error with a static message.  The contract
follows the Windows Web Services heap (WsCreateHeap and friends), which
eases porting drivers that were written against it.

Chunks of up to 16 KiB come from kmalloc(), larger ones from vmalloc().
The first chunk is 256 bytes and each next one twice the last, so that a
small heap holds at most about twice what it handed out; from 16 KiB on
a new chunk holds an eighth of what the heap holds, so a heap of n bytes
needs O(log n) chunks and keeps its unused tail near 12.5%.  Each CPU
parks a heap object and a small chunk per size class, in slots of each
context that need no atomic, so that a short-lived heap costs no slab
call; a shrinker and CPU hotplug give the parked memory back.

With CONFIG_MEM_ALLOC_PROFILING, /proc/allocinfo charges a heap's object
and chunks to the driver's line that took them: the calls that may take
memory are alloc_hooks() wrappers, as mempool's are, and wsheap
allocates with the _noprof calls under them.  Such kernels park
nothing, so that a driver's bytes go back with its heaps.

The core is lib/wsheap/core.c; the other parts:

$(parts bullets "${STAGE_PARTS[@]}")

CONFIG_WSHEAP has no prompt: the drivers that use wsheap select it.

$(fmt -w 72 <<EOT
The KUnit suites $(suite_names "${STAGE_TESTS[@]/#/$SRC/kunit/}") check
every call of the API against its contract, fail each chunk allocation
in turn through static stubs, and check the properties that choose a
heap's flags.
EOT
)

They reach a few internals of wsheap, which are exported in the
EXPORTED_FOR_KUNIT_TESTING namespace only when CONFIG_WSHEAP_KUNIT_TEST
is set (the Makefile defines WSHEAP_TEST_EXPORTS), not in every kernel
with KUnit.  Run them with

  ./tools/testing/kunit/kunit.py run --kunitconfig=lib/wsheap
EOF
}

msg_helpers() {
	cat <<EOF
lib/wsheap: add the allocation helpers, marks and managed heaps

What drivers do with the blocks of a heap, written once: the calls of
kmalloc's family and a few an arena makes possible.

  - wsheap_zalloc(), wsheap_alloc_aligned() (a power of two up to
    PAGE_SIZE; the padding is not counted against the quota),
    wsheap_memdup(), wsheap_strdup() and wsheap_[v]asprintf() build on
    wsheap_alloc().
  - wsheap_realloc() resizes the last block in place when it can and
    copies otherwise, as a parser growing its last token wants.
  - wsheap_mark() and wsheap_rollback() give back what was allocated
    since a mark, for a driver that tries a parse and backs out of it;
    a mark of another heap or of an earlier round is refused.
  - devm_wsheap_create() ties a heap to a device, and
    DEFINE_FREE(wsheap) frees one at the end of a scope.

$(fmt -w 72 <<EOT
The suite $(suite_names "$SRC/kunit/wsheap_helpers_kunit.c") holds each
call to its contract.  The other suites gain the cases that need these
calls: every chunk allocation of each helper failed in turn, and a heap
compared with a model over random operations of every call
(reliability); a NULL heap refused by every call, and GFP_NOFS and
GFP_NOIO heaps whose every chunk keeps its flags (kinds); mark epochs
and a reused heap object (internals); the edges of an aligned request
and of a quota near SIZE_MAX (basic).
EOT
)
EOF
}

msg_debug() {
	cat <<'EOF'
lib/wsheap: catch misuse of a heap with CONFIG_WSHEAP_DEBUG

A heap has no lock: its callers serialise the calls on it.  Two calls
at once, or a call after wsheap_free(), corrupt it silently, and a
driver under development wants to hear of it at the call that went
wrong.  With CONFIG_WSHEAP_DEBUG (a debug kernel's option) every call
checks a magic number that wsheap_free() clears and holds a flag for
its length: a caught call is refused with -EINVAL and reported once,
instead of corrupting memory.  It costs one atomic exchange and one
store per call and takes wsheap_alloc() out of line; distribution
kernels say N.

The internals suite gains the cases that make both mistakes on
purpose.
EOF
}

msg_fault() {
	cat <<'EOF'
lib/wsheap: fail chunk allocations on demand with CONFIG_FAIL_WSHEAP

A driver's -ENOMEM paths after wsheap_alloc() run only when a chunk
allocation fails.  failslab and fail_page_alloc reach them too, but fail
every other allocation of the kernel with them.  fail_wsheap is a fault
attribute like failslab's, under /sys/kernel/debug/fail_wsheap, that
fails only wsheap's chunk allocations (never the heap object of
wsheap_create()), so that a driver's tests can walk those paths alone.
It is documented with the others in
Documentation/fault-injection/fault-injection.rst.
EOF
}

msg_sanitizers() {
	cat <<EOF
lib/wsheap: tell KASAN which heap memory is live

A chunk is one slab object or vmalloc() area, which KASAN sees as live
as a whole: without help it reports nothing when a driver reads past its
block, memory never handed out, or a block after a rollback or a reset.
In kernels with generic KASAN and KASAN_VMALLOC, wsheap poisons a new
chunk's payload, unpoisons each block for exactly its size with a
redzone after it, and poisons what reset, rollback and a shrinking
realloc take back, as use-after-free, until it is handed out again; the
parked chunks and heap objects of each CPU are poisoned while parked.
Elsewhere the hooks are empty inlines.  The calls are KASAN's public
range calls of patch 1.

$(fmt -w 72 <<EOT
The suite $(suite_names "$PROJ/kunit/wsheap_kasan_kunit.c") makes each
such access on purpose and expects KASAN's report, and also checks the
core's KMSAN hooks: a block handed out again reads as uninitialised.
Its cases skip in kernels without the sanitizer they check.
EOT
)
EOF
}

msg_trace() {
	cat <<'EOF'
lib/wsheap: add trace events

When a heap holds more memory than its driver expected, or refuses a
request, the questions are which heap, when, and on whose behalf.  The
wsheap trace events answer them: wsheap_chunk_alloc and
wsheap_chunk_free for every chunk a heap takes and gives back,
wsheap_refuse for every refused request with its error and caller, and
wsheap_reset with what the round handed out and what the heap holds.
The inline allocation is not traced: it allocates no memory.

The events record the heap's name from struct wsheap, which stays
private: lib/wsheap/trace.c includes internal.h before
<trace/events/wsheap.h>, as mm/slab_common.c includes mm/slab.h for
<trace/events/kmem.h>.
EOF
}

msg_debugfs() {
	cat <<'EOF'
lib/wsheap: list live heaps in debugfs

/sys/kernel/debug/wsheap/heaps lists every live heap, one line each:
its name, its quota and trim size, what it handed out, holds
and held at its peak, its chunks and resets, and the requests it
refused for the quota and for memory.  It answers which driver's heap
holds the memory and whether its quota or trim size fit its load.

A heap object joins the list of the CPU that first creates a heap in it
and stays there while it is parked for the next heap, so that a
short-lived heap's create and free take no lock and write no shared
list.  The reader skips an object that holds no heap (a flag, written
in short seqcount write sections by create and free) and a copy during
which the object changed hands: every heap that lives across the whole
read is listed exactly once.

The internals suite gains the cases that read the table.
EOF
}

msg_atomic() {
	cat <<'EOF'
lib/wsheap: add atomic heaps and reserves

A driver that builds its records where it cannot sleep (under a
spinlock, in softirq context, in an interrupt handler) cannot use a
heap whose calls may.  A heap created with GFP_NOWAIT or GFP_ATOMIC as
its GFP property is atomic: every call on it may run in any context
kmalloc(GFP_ATOMIC) may, and its chunks come from kmalloc() only, never
from vmalloc(), sized so that the slab can give them.

Atomic allocations fail first when memory is short.  A driver that must
not lose a round to that asks for a reserve: the RESERVE property has
wsheap_create() allocate that much chunk memory, held until
wsheap_free(), so that a round whose blocks fit in it never needs new
memory; reset keeps it whatever the trim size.

The debugfs table gains the reserve column and the flag of atomic
heaps.  The kinds suite runs every call of an atomic heap under a
spinlock, in a hard interrupt and in softirq context, checks that each
context parks in slots of its own, that an atomic heap refuses what only
vmalloc() could give, and that a reserve carries rounds without new
memory; the reliability suite fails each chunk allocation of atomic
heaps and heaps with a reserve too.
EOF
}

msg_numa() {
	cat <<'EOF'
lib/wsheap: place a heap's chunks on a NUMA node

A driver whose device and interrupts sit on one node builds its
messages on that node's CPUs, and wants the heap they live in there too.
The NUMA_NODE property given to wsheap_create() allocates every chunk of
the heap on that node: kmalloc_node() up to 16 KiB, kvmalloc_node()
beyond, so that a placed chunk is contiguous whenever the node has the
pages.  NUMA_NO_NODE, the default, leaves the choice to the allocators
as before; a node that is not online is refused with -EINVAL.  A placed
heap takes no parked chunk (it may be of another node): its standby and
this CPU's parked chunks are for unplaced heaps.

The kinds suite places every class of chunk on the first node, and on
node 1 where there is one; the internals suite checks that a placed
heap sends its standby to the slots; the reliability suite fails each
chunk allocation of placed heaps too.
EOF
}

msg_concurrent() {
	cat <<EOF
lib/wsheap: let several CPUs allocate from one heap

A driver that builds one reply from work spread over CPUs (a scan whose
results arrive on every CPU, a request answered by several workers)
wants one heap with one quota, not a heap and a lock per CPU.  A heap
created with the CONCURRENT property takes its allocation calls from
any number of CPUs at once, and from interrupts if it is atomic; mark,
rollback, reset and free stay exclusive, as the caller already keeps
them.  The quota holds exactly and REQUESTED_SIZE ends as the sum of
the requests that succeeded.

An allocation takes its bytes from the quota with one cmpxchg and moves
the shared bump pointer with another; a new chunk is put in under a
growth lock (a mutex, a spinlock in an atomic heap).  Two cmpxchgs cost
several times the plain heap's inline bump, so a heap that may sleep
and has no reserve gives each CPU a slice of its chunk, carved inline
with preemption off and no atomic instruction; a request the quota
refuses while slices hold some of it waits one RCU grace period for
their unused bytes.  The file head of lib/wsheap/concurrent.c states
the protocol.  The plain heap keeps its path: one branch per call on
the heap's kind.

$(fmt -w 72 <<EOT
The suite $(suite_names "$PROJ/kunit/wsheap_concurrent_kunit.c") checks
concurrent heaps on one CPU: the property read back and refused
malformed, an hrtimer that carves inside a call of the thread's on the
same heap, the quota and REQUESTED_SIZE exact, realloc in place, the
slices (a refusal keeps them, a drain gives their bytes back only where
that helps) and the heap object's layout; static stubs put another
CPU's call at the moment it races.  The reliability suite fails each
chunk allocation of concurrent heaps too, and the helpers suite carves
aligned blocks near a chunk's end from the shared bump pointer.  The SMP
suite, next, runs them on many CPUs.
EOT
)
EOF
}

msg_smp() {
	cat <<EOF
lib/wsheap: test heaps used on many CPUs at once

$(fmt -w 72 <<EOT
The suite $(suite_names "$PROJ/kunit/wsheap_smp_kunit.c") runs heaps on
every online CPU at once, and skips on fewer than two: independent
heaps hammered by one kthread each while the debugfs table is read, a
concurrent heap fed to its quota from every CPU, races on the shared
bump pointer, on marks, on an in-place resize and on
wsheap_get_property(), the shrinker and an offlined CPU giving parked
memory back.  It asserts what a driver depends on (no block disturbed
by work on another heap, REQUESTED_SIZE exact, the quota kept, a mark
refused outside its heap and round, every live heap listed once) and
prints, for each case that ran, the counts that show that the
interleaving it exists for happened.  Run it with KCSAN and lockdep:
EOT
)

  ./tools/testing/kunit/kunit.py run --kunitconfig=lib/wsheap \\
	--arch=x86_64 --qemu_args='-smp 2' --kconfig_add=CONFIG_SMP=y
EOF
}

# ---------------------------------------------------------------- the series

_generate() {
	local p f n base objs_out objs_in client_syms kunit_objs

	ensure_pristine_git
	[ -f "$PROJ/Documentation/wsheap.rst" ] ||
		die "Documentation/wsheap.rst is not there: the series needs the documentation page"
	mapfile -t PARTS < <(lib_parts)
	mapfile -t TESTS < <(cd "$PROJ/kunit" && ls -- *.c *.h 2>/dev/null)

	# The in-tree Makefile must link what Kbuild links, every source.
	rm -rf "$GEN"
	mkdir -p "$ST"
	kbuild_to_makefile <"$PROJ/Kbuild" >"$GEN/Makefile.1" ||
		die "the in-tree Makefile could not be made from Kbuild"
	objs_out=$(kbuild_objects "$PROJ/Kbuild")
	objs_in=$(kbuild_objects "$GEN/Makefile.1")
	if [ "$objs_out" != "$objs_in" ]; then
		diff <(echo "$objs_out") <(echo "$objs_in") | sed 's/^/  | /' >&2
		die "the in-tree Makefile links other objects than Kbuild ('<' Kbuild, '>' in tree)"
	fi
	for p in "${PARTS[@]}"; do
		case $p in
		*.c) grep -qw "${p%.c}.o" <<<"$objs_in" ||
			die "wsheap_$p is not linked by Kbuild's module" ;;
		esac
	done
	kunit_objs=$(grep -o '[A-Za-z0-9_]*\.o' "$PROJ/kunit/Kbuild" | sort -u)
	for f in "${TESTS[@]}"; do
		case $f in
		*.c) grep -qx "${f%.c}.o" <<<"$kunit_objs" ||
			die "kunit/$f is not in kunit/Kbuild" ;;
		esac
	done

	# Kconfig symbols: the samples' and bench's stay out of tree, the
	# test option comes with the tests, the rest with the library.
	client_syms=$(kbuild_syms "$PROJ"/samples/Kbuild "$PROJ"/bench/Kbuild)
	test_syms=$(kbuild_syms "$PROJ/kunit/Kbuild")
	# shellcheck disable=SC2086 # one word each
	lib_syms=$(sed -nE 's/^(menu)?config\s+(\S+).*/\2/p' "$PROJ/Kconfig" |
		grep -vxF -f <(printf '%s\n' $client_syms $test_syms) || true)

	base=$(pristine Makefile | sed -nE 's/^(VERSION|PATCHLEVEL|SUBLEVEL) = //p' | paste -sd.)
	PARENT=$(sgit rev-parse "$PRISTINE_REF^{commit}")
	gidx read-tree "$PARENT"

	# ---- what the library needs of the kernel, each as it is
	for f in "$PROJ"/prerequisites/*.patch; do
		[ -f "$f" ] && kernel_commit "$f"
	done

	# ---- the library, a feature a patch (FEATURES)
	for FEATURE in "${FEATURES[@]}"; do
		feature_stage "$FEATURE"
		feature_tree
		"msg_$FEATURE" >"$GEN/msg"
		commit "$GEN/msg"
	done

	# ---- the documentation
	rst_to_tree <"$PROJ/Documentation/wsheap.rst" | put Documentation/core-api/wsheap.rst
	check_rst_paths "$ST/Documentation/core-api/wsheap.rst"
	insert_after Documentation/core-api/index.rst '   genalloc' $'   wsheap\n'
	insert_after Documentation/core-api/memory-allocation.rst \
		'wrappers can allocate memory from that cache\.' "$MEMORY_ALLOCATION_RST"
	maintainers Documentation/core-api/wsheap.rst include/linux/wsheap.h \
		include/trace/events/wsheap.h 'lib/wsheap/*' lib/wsheap/tests/
	rst_message "$ST/Documentation/core-api/wsheap.rst" >"$GEN/msg"
	commit "$GEN/msg"
	check_leftovers

	# ---- then the first users, converted
	USERS=()
	USER_COMMITS=()
	for f in "$PROJ"/users/*.patch; do
		[ -f "$f" ] && user_commit "$f"
	done

	# ---- the series and its cover letter
	mkdir -p "$OUT"
	rm -f "$OUT"/*.patch
	sgit format-patch -q --cover-letter --no-signature -o "$OUT" \
		"$PRISTINE_REF..$PARENT" || die "git format-patch failed"
	cover_letter "$base" >"$GEN/blurb"
	BLURB=$GEN/blurb perl -0777 -i -pe '
		open(my $b, "<", $ENV{BLURB}) or die; my $t = do { local $/; <$b> };
		my ($subj, $body) = split /\n\n/, $t, 2;
		s/\*\*\* SUBJECT HERE \*\*\*/$subj/ or die;
		s/\*\*\* BLURB HERE \*\*\*\n/$body/ or die;' "$OUT"/0000-cover-letter.patch
	say "series of $N patches and a cover letter in $OUT:"
	(cd "$OUT" && ls -- *.patch) | sed 's/^/  /'
}

# kernel_commit PATCH: a patch to the kernel (git format-patch of one
# commit, its paths the kernel tree's, from prerequisites/ or users/),
# committed on PARENT as it is: its message, Signed-off-by included, and
# its diff.  Its subject in SUBJECT.
kernel_commit() {
	local u=$1 d
	d=$(basename "$(dirname "$u")")/${u##*/}
	git mailinfo -b "$GEN/umsg" "$GEN/udiff" <"$u" >"$GEN/uinfo" ||
		die "$d is not a patch"
	SUBJECT=$(sed -n 's/^Subject: //p' "$GEN/uinfo")
	[ -n "$SUBJECT" ] || die "$d has no subject"
	printf '%s\n\n' "$SUBJECT" | cat - "$GEN/umsg" >"$GEN/msg"
	gidx apply --cached "$GEN/udiff" ||
		die "$d does not apply on top of the patches before it"
	PARENT=$(sgit commit-tree "$(gidx write-tree)" -p "$PARENT" -F "$GEN/msg")
	N=$((N + 1))
	SUBJECTS+=("$SUBJECT")
}

# user_commit PATCH: a conversion of a kernel user from users/.
user_commit() {
	kernel_commit "$1"
	USERS+=("$SUBJECT")
	USER_COMMITS+=("$PARENT")
}

# rst_message RST: the commit message of the page.
rst_message() {
	local title docs
	title=$(awk 'NR > 1 && /^(=+|-+|~+)$/ && length($0) >= length(prev) && prev !~ /^[=~-]*$/ { print prev; exit } { prev = $0 }' "$1")
	docs=$(sed -nE 's/^\.\. kernel-doc:: +([^ ]+).*/\1/p' "$1" | sort -u |
		paste -sd, | sed -E 's/,/, /g; s/, ([^,]*)$/ and \1/')
	echo "docs: core-api: add wsheap"
	echo
	printf '%s\n' "The page \"${title:-wsheap}\" tells driver writers when and how to use" \
		"wsheap${docs:+, with the kernel-doc of $docs}." | fmt -w 72
	echo
	echo "It is listed under memory management, next to genalloc, and the"
	echo "memory allocation guide says when to choose it."
}

# The memory allocation guide's paragraph on when an arena heap is the
# allocator to choose, after the one on slab caches.
MEMORY_ALLOCATION_RST='
If you build one thing out of many small allocations that are all freed
together (a request, a message, a parse tree), you can allocate them from
an arena heap made with wsheap_create(): each allocation is the bump of a
pointer through a few large chunks, a byte quota bounds them all, and one
wsheap_reset() or wsheap_free() gives them back, with no pointer kept per
object.  See Documentation/core-api/wsheap.rst.
'


# series_lines: a line for each patch of the series, with its number.
series_lines() {
	local i
	for i in "${!SUBJECTS[@]}"; do
		printf '%s\n' "$(printf '%2d/%d  %s' $((i + 1)) "$N" "${SUBJECTS[$i]}")"
	done
}

# users_lines: what judges the users' patches, and each one's diffstat.
users_lines() {
	local i first=$((N - ${#USERS[@]} + 1))
	[ ${#USERS[@]} -gt 0 ] || return 0
	fmt -w 72 <<EOT
Patches $first and on convert the first users, each judged by its
subsystem's own KUnit suites, to which each adds the cases for what it
changes; a fix one of those suites needs comes before its conversion,
on its own, so that it can go to stable kernels without wsheap.  Each
alone:
EOT
	for i in "${!USER_COMMITS[@]}"; do
		printf '\n  %d/%d\n' $((i + first)) "$N"
		sgit diff --stat=70 "${USER_COMMITS[$i]}^" "${USER_COMMITS[$i]}" |
			sed 's/^/  /'
	done
	users_measured
}

# users_measured: the users' benchmark, before and after, as
# users/bench/results.txt keeps its last table.
users_measured() {
	local r=$PROJ/users/bench/results.txt
	[ -f "$r" ] || return 0
	printf '\n'
	fmt -w 72 <<EOT
The users measured, pristine 6.12 against this series, under UML: the
same harness (KUnit suites and a counter of the time with bottom halves
off, kept out of this series in the module's users/bench/) and the same
kernel config in both trees.  ns are medians over the boots of each
boot's median; lost APs, while 5% of the scan's atomic allocations fail;
bytes held, per policy, the copy of its text included.  A scan of 1000
BSSes with 8 co-located APs each takes 0.71x the time, keeps BHs off 4%
less, and loses no AP to failing slab allocations (a third of them
before); IPE loads 8-10%
faster and frees a policy in one pass, and holds 2-3% more for 10 and
100 rules (its heap's last chunk is partly empty), 10% less for 1000.
EOT
	printf '\n'
	sed 's/^/  /; s/ *$//' "$r"
}

# cover_letter BASE-VERSION: the subject, a blank line, the body.
cover_letter() {
	local src
	src="wsheap $(cat "$PROJ/VERSION" 2>/dev/null || echo '?')"
	if git -C "$PROJ" rev-parse --git-dir >/dev/null 2>&1; then
		src+=" ($(git -C "$PROJ" describe --always --dirty 2>/dev/null))"
	fi
	cat <<EOF
lib/wsheap: arena heaps for drivers

This series adds wsheap, a library of arena heaps for drivers.  A
driver that builds a message, a request or a parse tree from many small
allocations, and drops them all together, gets them from a heap with a
byte quota: a pointer bumped through a few large chunks, one call that
gives everything back (keeping some memory for the next round), marks to
roll back to, and no pointer to track per allocation.  The contract
follows the Windows Web Services heap (WsCreateHeap, WsAlloc,
WsResetHeap, WsFreeHeap), which eases porting drivers written against
it.  The common allocation is a handful of instructions inline; a new
chunk, a refused request and the debug checks are out of line.

Where it goes: lib/wsheap/, not mm/.  wsheap is a client of the slab
and vmalloc allocators, like lib/genalloc.c, and keeps no state of the
memory-management core.  The parts:

$(parts table)

$(fmt -w 72 <<EOT
The first patch gives KASAN what an allocator outside mm/ needs to
report accesses to the objects it carves: kasan_poison_range(), and the
export of it and of kasan_unpoison_range().  wsheap uses only those, no
header of mm/.
EOT
)

struct wsheap stays private to lib/wsheap/ (internal.h): callers see
only the few fields the inline allocation works on.  The trace events
record the heap's name from it, so trace.c includes internal.h before
<trace/events/wsheap.h>, as mm/slab_common.c includes mm/slab.h before
<trace/events/kmem.h>.

$(series_lines)

$(users_lines)

$(fmt -w 72 <<EOT
The code was written and is tested as an out-of-tree module; this series
is generated from $src.  Against the module it leaves out
MODULE_VERSION, the sample and benchmark modules, its own copy of the
KASAN range calls of patch 1, and what only older kernels needed
(fallbacks for kernels without static stubs, DEFINE_FREE,
shrinker_alloc() or allocation profiling).
EOT
)

Every change to the module regenerates the series and checks that it
applies to linux-source-$base with git am, that checkpatch.pl --strict
is silent on each patch, that the KASAN patch builds in a KASAN kernel,
that each later patch builds with CONFIG_WSHEAP=m and each of the
library's also with =y (ARCH=um, W=1 and sparse silent on lib/wsheap/),
that at each patch of the library

  ./tools/testing/kunit/kunit.py run --kunitconfig=lib/wsheap

passes the suites it has, and the whole series' under KASAN, as do the
suites of each converted user's subsystem (the same with
--kunitconfig=net/wireless/tests and =security/ipe, under KASAN, wsheap
built in with CONFIG_WSHEAP_DEBUG, IPE with a boot policy).  The
out-of-tree tests also run the suites under KASAN, KCSAN, KMSAN, lockdep
and UBSAN on UML, x86_64, arm64 and i386.

EOF
}

if [ "${WSHEAP_SERIES_LOCK_HELD:-0}" = 1 ]; then
	_generate
else
	series_locked _generate
fi
