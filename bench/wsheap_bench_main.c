// SPDX-License-Identifier: GPL-2.0
/*
 * wsheap_bench - time wsheap against the kernel's other allocators
 *
 * At load, every row below is run reps times (after one warm-up run that
 * is not counted) and printed, as soon as it is measured, as the median
 * time per unit with the fastest and slowest repetition.  The unit is an
 * object unless the row names another (a call, a cycle, a message).  Each
 * row has a key, and two ratio columns lead it:
 *
 *  - "vs W": the median over that of row W, wsheap_alloc() into a warm
 *    heap; only for rows whose unit is an object;
 *  - "vs kmalloc": for a wsheap row, its time over that of the row it
 *    names, which does the same work with kmalloc()/kfree() (or kzalloc(),
 *    kstrdup(), kasprintf()) in the same boot and is printed before it.
 *    Each repetition of the wsheap row runs one of that row just before
 *    it, and the column is the median of those pairs' ratios: both sides
 *    of a ratio see the same state of the host.  Below 1.00x the wsheap
 *    row costs less.
 *
 * The rows:
 *
 *  - W: wsheap_alloc() of n_objects into a warm heap, whose chunks a trim
 *    size above the working set kept from the round before: the cost of
 *    allocation itself, as kmalloc's row is measured with its slabs warm;
 *  - K: kmalloc() of the same sequence, then kfree() of every object, as an
 *    arena user would free them at the end;
 *  - F: the same as W into a fresh heap, which pays for every chunk;
 *  - RS1..RS3: wsheap_reset() after n_objects and after a hundredth of
 *    them, per call: its cost follows the number of chunks, not of
 *    objects;
 *  - KC: kmem_cache_alloc()/kmem_cache_free() of one 64-byte object size;
 *  - V: vmalloc()/vfree() per object, for a thousandth of the objects;
 *  - B: an inline bump pointer over one vmalloc'd buffer: the physical
 *    limit;
 *  - KZ/Z, KS/S, KA/A: kzalloc(), kstrdup() and kasprintf() with a kfree()
 *    of every object at the end, each followed by wsheap_zalloc(),
 *    wsheap_strdup() and wsheap_asprintf() into a warm heap: zalloc takes
 *    the same sizes, the strings are copies of a precomputed set of 8..40
 *    character field names, and asprintf formats "%s=%u" of a name and the
 *    object's index;
 *  - ST: a steady refill/reset loop within the trim size, which must make
 *    no new backing allocation;
 *  - short jobs, each repeated cycles times, with sizes of 8..127 bytes
 *    from a second pseudo-random sequence: kmalloc()+kfree() of one object
 *    (K1) against the create and free of an empty heap (E), a reset of a
 *    heap that holds one chunk (R1), one allocation and a reset in such a
 *    heap (AR1) and a 1 KiB heap created, given one object and freed (H1);
 *    kmalloc() of 8 objects and kfree() of the 8 (K8) against a 1 KiB heap
 *    created, given the same 8 objects and freed (H8), and against one
 *    1 KiB heap kept and reset after each 8 (AR8); kmalloc() of 100
 *    objects and kfree() of the 100 (K100) against a 16 KiB heap created,
 *    given the same 100 objects and freed (H100);
 *  - KM/M: memory, in bytes, not ns: 100,000 jobs live at once, each a
 *    64-byte kmalloc() header and 4 kmalloc()s of 48 B (KM), against 100,000
 *    heaps of quota 1 MiB and trim 0 given 4 blocks of 48 B (M): the rise
 *    of the slab pages, in bytes per job or heap;
 *  - KP/P: the demo's work on one message of 100 "name=value;" fields, two
 *    in 50 of them malformed: copy the message, cut it in place into
 *    records of a name and a value string, indexed by a hash table, and
 *    release it all.  KP allocates each structure with kmalloc() and
 *    frees it (a malformed record at once, the rest by walking the table);
 *    P allocates them in one heap, takes a mark before each record, rolls
 *    a malformed one back, and resets the heap after the message, as
 *    samples/wsheap_demo.c does;
 *  - growth (G1K..G1G): a heap filled up to its quota of 1 KiB, 1 MiB,
 *    64 MiB and 1 GiB from create to free, against K, to show that the
 *    cost per allocation stays flat.
 *    Heaps larger than growth_max_mib are skipped: under UML every
 *    vmalloc'd page takes a host mapping, and the host allows about 65530.
 *
 * It ends with ACTUAL_SIZE / REQUESTED_SIZE of filled heaps, the memory
 * held for each byte handed out.  The module stays loaded; it does nothing
 * more after init.
 *
 * ablation=1 runs the ablation table instead (scripts/bench.sh
 * ablation=1, which builds both modules with WSHEAP_ABLATION): each of the
 * inline fast path, the per-CPU slots, the standby and the slices is
 * turned off, one at a time, and the rows it exists for (W, C, E, H1, H8,
 * G1K, M) run with it off and on, paired in each repetition as a row
 * with its yard, the order of the pair swapped every other repetition.
 * The off/on column is the median of the pairs' ratios: above 1.00x the
 * mechanism saves that much.  The first "mechanism", none, turns nothing
 * off: its ratios are the noise of each row.
 *
 * rows= runs only the rows it names (and those two lines only with G1M or
 * G64M), for a quick look at a few: a ratio column shows "-" unless its
 * base row is among them.
 *
 * This file is the harness: the parameters, the table of rows, the timing
 * and the printing.  The rows are in wsheap_bench_alloc.c (W to ST, the
 * growth rows and ACTUAL_SIZE / REQUESTED_SIZE), wsheap_bench_jobs.c (the
 * short jobs), wsheap_bench_mem.c (KM and M) and wsheap_bench_parse.c (KP
 * and P).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/align.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "../wsheap.h"
#include "../wsheap_internal.h"
#include "wsheap_bench.h"

unsigned int n_objects = 1000000;
module_param(n_objects, uint, 0444);
MODULE_PARM_DESC(n_objects, "Objects allocated per repetition of a row (default 1000000)");

static unsigned int reps = 5;
module_param(reps, uint, 0444);
MODULE_PARM_DESC(reps, "Repetitions of each row; the median is reported (default 5, at most 15)");

unsigned int growth_max_mib = 1024;
module_param(growth_max_mib, uint, 0444);
MODULE_PARM_DESC(growth_max_mib, "Largest heap of the growth rows, in MiB (default 1024)");

unsigned int cycles = 30000;
module_param(cycles, uint, 0444);
MODULE_PARM_DESC(cycles, "Cycles per repetition of the short-job rows; the message rows parse cycles/10 messages (default 30000)");

static bool ablation;
module_param(ablation, bool, 0444);
MODULE_PARM_DESC(ablation, "Run the ablation table instead: each mechanism off against on (needs wsheap.ko and this module built with WSHEAP_ABLATION=y)");

static char *rows;
module_param(rows, charp, 0444);
MODULE_PARM_DESC(rows, "Keys of the rows to run, comma-separated, e.g. K8,H8 (default: every row)");

#define BENCH_MAX_REPS		15
#define BENCH_MIN_SIZE		8
#define BENCH_MAX_SIZE		256

struct bench_result {
	u64 samples[BENCH_MAX_REPS];	/* ns/100 per unit, sorted */
	/* each rep over its yard's rep just before it, x1000, sorted */
	u64 ratios[BENCH_MAX_REPS];
	bool paired;			/* ratios[] holds them */
	int err;
};

u16 *bench_sizes;
void **bench_ptrs;
size_t bench_bytes;
char bench_names[BENCH_NAMES][BENCH_NAME_MAX + 1];

/* @x100 hundredths as "12.34". */
const char *bench_fmt(char *buf, size_t len, u64 x100)
{
	u32 frac;
	u64 whole = div_u64_rem(x100, 100, &frac);

	scnprintf(buf, len, "%llu.%02u", whole, frac);
	return buf;
}

static void bench_sizes_init(void)
{
	u64 x = BENCH_SEED;
	unsigned int i;

	bench_bytes = 0;
	for (i = 0; i < n_objects; i++) {
		bench_sizes[i] = BENCH_MIN_SIZE +
				 bench_rand(&x) % (BENCH_MAX_SIZE - BENCH_MIN_SIZE + 1);
		bench_bytes += ALIGN(bench_sizes[i], 8);
	}
}

/* Names like "qzkx_vjme_ab", 8..40 characters of a-z and '_'. */
static void bench_names_init(void)
{
	unsigned int i, j, len;
	u64 x = BENCH_SEED;

	for (i = 0; i < BENCH_NAMES; i++) {
		len = BENCH_NAME_MIN +
		      bench_rand(&x) % (BENCH_NAME_MAX - BENCH_NAME_MIN + 1);
		for (j = 0; j < len; j++)
			bench_names[i][j] = j % 5 == 4 ? '_' :
					    'a' + bench_rand(&x) % 26;
		bench_names[i][len] = '\0';
	}
}

/* A heap with the properties of the row: atomic, concurrent. */
static noinline int bench_create_v3(const struct bench_case *bc,
				    size_t max_size, size_t trim_size,
				    struct wsheap **heap)
{
	gfp_t atomic = GFP_ATOMIC;
	bool yes = true;
	struct wsheap_property props[2];
	unsigned int n = 0;

	if (bc->atomic)
		props[n++] = (struct wsheap_property){ WSHEAP_PROPERTY_GFP,
						       &atomic, sizeof(atomic) };
	if (bc->concurrent)
		props[n++] = (struct wsheap_property){
			WSHEAP_PROPERTY_CONCURRENT, &yes, sizeof(yes) };
	return wsheap_create(max_size, trim_size, props, n, heap, NULL);
}

/*
 * A plain row's heap is created as a driver would, with no property array:
 * with CONFIG_INIT_STACK_ALL_ZERO (UML's default, and Debian's) the
 * array's zeroing would be timed with every create: a rep stos that was
 * half of row E under UML.
 */
int bench_create(const struct bench_case *bc, size_t max_size,
		 size_t trim_size, struct wsheap **heap)
{
	if (!bc->atomic && !bc->concurrent)
		return wsheap_create(max_size, trim_size, NULL, 0, heap, NULL);
	return bench_create_v3(bc, max_size, trim_size, heap);
}

/* Every row whose "vs kmalloc" names another comes after that row. */
static const struct bench_case bench_cases[] = {
	{ .key = "W",
	  .label = "wsheap_alloc, mixed 8-256 B, warm heap (chunks kept by the trim)",
	  .run = bench_wsheap_warm, .fill = bench_fill },
	{ .key = "C",
	  .label = "wsheap_alloc, same, warm CONCURRENT heap, one CPU (per-CPU slice)",
	  .run = bench_wsheap_warm, .fill = bench_fill, .concurrent = true },
	{ .key = "CA",
	  .label = "wsheap_alloc, same, warm GFP_ATOMIC CONCURRENT heap (cmpxchg bump)",
	  .run = bench_wsheap_warm, .fill = bench_fill, .concurrent = true,
	  .atomic = true },
	{ .key = "K",
	  .label = "kmalloc of the same sequence, kfree of each at the end",
	  .run = bench_kmalloc },
	{ .key = "F",
	  .label = "wsheap_alloc, same, fresh heap (pays for every chunk)",
	  .run = bench_wsheap_alloc, .yard = "K" },
	{ .key = "RS1",
	  .label = "wsheap_reset after all n_objects, trim keeps all: ns per reset",
	  .run = bench_reset_keep, .share = 1, .per_call = true },
	{ .key = "RS2",
	  .label = "wsheap_reset after n_objects/100, trim keeps all: ns per reset",
	  .run = bench_reset_keep, .share = 100, .per_call = true },
	{ .key = "RS3",
	  .label = "wsheap_reset after all n_objects, trim 0 (frees all): ns per reset",
	  .run = bench_reset_release, .share = 1, .per_call = true },
	{ .key = "KC",
	  .label = "kmem_cache_alloc + kmem_cache_free, one 64 B size",
	  .run = bench_kmem_cache },
	{ .key = "V",
	  .label = "vmalloc + vfree per object, 1/1000 of them (orders slower)",
	  .run = bench_vmalloc },
	{ .key = "B",
	  .label = "raw inline bump pointer over one buffer (physical limit)",
	  .run = bench_bump },
	{ .key = "KZ",
	  .label = "kzalloc of the same sequence, kfree of each at the end",
	  .run = bench_kzalloc },
	{ .key = "Z",
	  .label = "wsheap_zalloc, same sequence, warm heap",
	  .run = bench_wsheap_warm, .fill = bench_fill_zalloc, .yard = "KZ" },
	{ .key = "KS",
	  .label = "kstrdup of names of 8-40 chars, kfree of each at the end",
	  .run = bench_kstrdup },
	{ .key = "S",
	  .label = "wsheap_strdup of the same names, warm heap",
	  .run = bench_wsheap_warm, .fill = bench_fill_strdup, .yard = "KS" },
	{ .key = "KA",
	  .label = "kasprintf \"%s=%u\" of a name and an index, kfree of each at the end",
	  .run = bench_kasprintf },
	{ .key = "A",
	  .label = "wsheap_asprintf of the same, warm heap",
	  .run = bench_wsheap_warm, .fill = bench_fill_asprintf, .yard = "KA" },
	{ .key = "ST",
	  .label = "steady wsheap refill + reset, 256 KiB working set, trim 1 MiB",
	  .run = bench_steady, .note = bench_steady_note, .yard = "K" },
	{ .key = "K1",
	  .label = "short job: kmalloc + kfree of one object of 8-127 B: ns per pair",
	  .run = bench_kjob, .objs = 1, .per_call = true },
	{ .key = "E",
	  .label = "short job: wsheap_create + wsheap_free of an empty 1 KiB heap: ns per pair",
	  .run = bench_heap_job, .heap_size = SZ_1K, .per_call = true,
	  .yard = "K1" },
	{ .key = "R1",
	  .label = "short job: wsheap_reset of a heap holding one kept chunk: ns per reset",
	  .run = bench_reuse, .heap_size = SZ_1K, .per_call = true,
	  .yard = "K1" },
	{ .key = "AR1",
	  .label = "short job: wsheap_alloc of one object + wsheap_reset, kept chunk: ns per pair",
	  .run = bench_reuse, .heap_size = SZ_1K, .objs = 1, .per_call = true,
	  .yard = "K1" },
	{ .key = "H1",
	  .label = "short job: 1 KiB heap: create, one object, free: ns per cycle",
	  .run = bench_heap_job, .heap_size = SZ_1K, .objs = 1,
	  .per_call = true, .yard = "K1" },
	{ .key = "K8",
	  .label = "short job: kmalloc of 8 objects of 8-127 B, kfree of the 8",
	  .run = bench_kjob, .note = bench_job_note, .objs = 8 },
	{ .key = "H8",
	  .label = "short job: 1 KiB heap: create, the same 8 objects, free",
	  .run = bench_heap_job, .note = bench_job_note, .heap_size = SZ_1K,
	  .objs = 8, .yard = "K8" },
	{ .key = "KA8",
	  .label = "short job: kmalloc(GFP_ATOMIC) of 8 objects of 8-127 B, kfree of the 8",
	  .run = bench_kjob, .note = bench_job_note, .objs = 8,
	  .atomic = true },
	{ .key = "HA8",
	  .label = "short job: 1 KiB GFP_ATOMIC heap: create, the same 8 objects, free",
	  .run = bench_heap_job, .note = bench_job_note, .heap_size = SZ_1K,
	  .objs = 8, .atomic = true, .yard = "KA8" },
	{ .key = "AR8",
	  .label = "short job: one 1 KiB heap kept: the same 8 objects, reset",
	  .run = bench_reuse, .note = bench_job_note, .heap_size = SZ_1K,
	  .objs = 8, .yard = "K8" },
	{ .key = "K100",
	  .label = "short job: kmalloc of 100 objects of 8-127 B, kfree of the 100",
	  .run = bench_kjob, .note = bench_job_note, .objs = 100 },
	{ .key = "H100",
	  .label = "short job: 16 KiB heap: create, the same 100 objects, free",
	  .run = bench_heap_job, .note = bench_job_note, .heap_size = SZ_16K,
	  .objs = 100, .yard = "K100" },
	{ .key = "KM",
	  .label =
		"memory: 100,000 live kmalloc jobs, a 64-byte header object + 4 objects of 48 B each: bytes of slab pages per job",
	  .run = bench_mem_kmalloc, .note = bench_mem_note, .per_call = true,
	  .bytes = true },
	{ .key = "M",
	  .label =
		"memory: 100,000 live heaps (quota 1 MiB, trim 0), 4 blocks of 48 B each: bytes of slab pages per heap",
	  .run = bench_mem_wsheap, .note = bench_mem_note, .per_call = true,
	  .bytes = true, .yard = "KM" },
	{ .key = "KP",
	  .label = "parse a message, kmalloc: copy, records, strings, hash table, kfrees: ns/msg",
	  .run = bench_parse_kmalloc, .note = bench_parse_note,
	  .per_call = true },
	{ .key = "P",
	  .label = "parse a message in one heap: mark per record, rollback, reset: ns/msg",
	  .run = bench_parse_wsheap, .note = bench_parse_note,
	  .per_call = true, .yard = "KP" },
	{ .key = "G1K",
	  .label = "growth: 1 KiB heaps filled to quota, create to free",
	  .run = bench_growth, .note = bench_growth_note, .heap_size = SZ_1K,
	  .yard = "K" },
	{ .key = "G1M",
	  .label = "growth: 1 MiB heaps filled to quota, create to free",
	  .run = bench_growth, .note = bench_growth_note, .heap_size = SZ_1M,
	  .yard = "K" },
	{ .key = "G64M",
	  .label = "growth: 64 MiB heap filled to quota, create to free",
	  .run = bench_growth, .note = bench_growth_note, .heap_size = SZ_64M,
	  .yard = "K" },
	{ .key = "G1G",
	  .label = "growth: 1 GiB heap filled to quota, create to free",
	  .run = bench_growth, .note = bench_growth_note, .heap_size = SZ_1G,
	  .yard = "K" },
};

/* The index of the row keyed by the @len bytes at @key, or -1. */
static int bench_case_index(const char *key, size_t len)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bench_cases); i++)
		if (strlen(bench_cases[i].key) == len &&
		    !strncmp(bench_cases[i].key, key, len))
			return i;
	return -1;
}

/* The rows this load runs: all of them, or those rows= names. */
static bool bench_chosen[ARRAY_SIZE(bench_cases)];

/*
 * Read rows= once.  A key no row has is refused: a typo would quietly run
 * nothing.  A ratio column needs its base row in the same run: "vs W" and
 * "vs kmalloc" print "-" when that row was not chosen.
 */
static int bench_choose_rows(void)
{
	const char *p = rows;
	size_t len;
	int i;

	if (!p || !*p) {
		memset(bench_chosen, true, sizeof(bench_chosen));
		return 0;
	}
	while (*p) {
		len = strchrnul(p, ',') - p;
		i = bench_case_index(p, len);
		if (i < 0) {
			pr_err("rows=: no row '%.*s'\n", (int)len, p);
			return -EINVAL;
		}
		bench_chosen[i] = true;
		p += len + (p[len] == ',');
	}
	return 0;
}

static bool bench_row_chosen(const char *key)
{
	int i = bench_case_index(key, strlen(key));

	return i >= 0 && bench_chosen[i];
}

/* Medians of the rows measured so far, ns/100 per unit; 0: none. */
static u64 bench_medians[ARRAY_SIZE(bench_cases)];

static int bench_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/*
 * Before each repetition: let vfree()s of the previous one finish (they
 * are deferred) and let other work run, so that neither lands in a timed
 * section.
 */
static void bench_settle(void)
{
	vm_unmap_aliases();
	cond_resched();
}

/* One repetition of @bc: ns/100 per unit, or a negative errno. */
static s64 bench_rep(const struct bench_case *bc)
{
	u64 ns, units = 0;
	int err;

	bench_settle();
	err = bc->run(bc, &ns, &units);
	if (!err && !units)
		err = -EINVAL;
	return err ?: (s64)div64_u64(ns * 100, units);
}

/*
 * Run @bc reps times, after one warm-up repetition that is not counted.
 * A row with a @yard (its kmalloc row, measured already) runs a
 * repetition of the yard just before each of its own, so that the pair
 * sees the same machine: under UML and QEMU the host slows down for
 * seconds at a time, which moved a row against its yard by a third
 * between boots when each ran its reps on its own.
 */
static void bench_run(const struct bench_case *bc,
		      const struct bench_case *yard, struct bench_result *res)
{
	unsigned int rep;
	s64 t, y;

	for (rep = 0; rep <= reps; rep++) {
		y = yard ? bench_rep(yard) : 1;
		t = y < 0 ? y : bench_rep(bc);
		if (t < 0) {
			res->err = t;
			return;
		}
		if (!rep)
			continue;
		res->samples[rep - 1] = t;
		res->ratios[rep - 1] = div64_u64((u64)t * 1000, max_t(s64, y, 1));
	}
	sort(res->samples, reps, sizeof(u64), bench_cmp_u64, NULL);
	sort(res->ratios, reps, sizeof(u64), bench_cmp_u64, NULL);
	res->paired = !!yard;
}

/* A ratio x1000 as "12.34x", or "0.026x" below 0.1. */
static const char *bench_fmt_ratio(char *buf, size_t len, u64 x1000)
{
	char num[24];

	if (x1000 < 100)
		scnprintf(buf, len, "0.%03llux", x1000);
	else
		scnprintf(buf, len, "%sx", bench_fmt(num, sizeof(num), x1000 / 10));
	return buf;
}

/* @median / @base, as bench_fmt_ratio() gives it. */
static const char *bench_ratio(char *buf, size_t len, u64 median, u64 base)
{
	return bench_fmt_ratio(buf, len, div64_u64(median * 1000, base));
}

/* The median of the row keyed @key, measured before; 0 if there is none. */
static u64 bench_median_of(const char *key)
{
	int i = key ? bench_case_index(key, strlen(key)) : -1;

	return i < 0 ? 0 : bench_medians[i];
}

/* @bc's yard, if it ran in this load (before @bc) and was not skipped. */
static const struct bench_case *bench_yard_of(const struct bench_case *bc)
{
	int i = bc->yard ? bench_case_index(bc->yard, strlen(bc->yard)) : -1;

	return i < 0 || !bench_medians[i] ? NULL : &bench_cases[i];
}

/* @x100 as bench_fmt() gives it, with " B" if @bc counts bytes. */
static const char *bench_fmt_value(const struct bench_case *bc, char *buf,
				   size_t len, u64 x100)
{
	char num[24];

	scnprintf(buf, len, "%s%s", bench_fmt(num, sizeof(num), x100),
		  bc->bytes ? " B" : "");
	return buf;
}

static void bench_print(const struct bench_case *bc,
			const struct bench_result *res)
{
	char vs_w[24] = "-", vs_k[32] = "-", ratio[24];
	char med[24], lo[24], hi[24], note[112] = "";
	u64 median = res->samples[reps / 2];
	u64 base = bench_median_of("W");

	if (res->err == -E2BIG) {
		pr_info("%-5s %8s %13s %10s %21s  %s (not run: above growth_max_mib=%u)\n",
			bc->key, "-", "-", "-", "-", bc->label, growth_max_mib);
		return;
	}
	if (res->err) {
		pr_info("%-5s %8s %13s %10s %21s  %s (skipped: %pe)\n",
			bc->key, "-", "-", "-", "-", bc->label,
			ERR_PTR(res->err));
		return;
	}
	if (bc->note)
		bc->note(bc, median, note, sizeof(note));
	if (base && !bc->per_call)
		bench_ratio(vs_w, sizeof(vs_w), median, base);
	if (res->paired)
		scnprintf(vs_k, sizeof(vs_k), "%s %s",
			  bench_fmt_ratio(ratio, sizeof(ratio),
					  res->ratios[reps / 2]),
			  bc->yard);

	pr_info("%-5s %8s %13s %10s %10s-%-10s  %s%s\n", bc->key, vs_w, vs_k,
		bench_fmt_value(bc, med, sizeof(med), median),
		bench_fmt(lo, sizeof(lo), res->samples[0]),
		bench_fmt_value(bc, hi, sizeof(hi), res->samples[reps - 1]),
		bc->label, note);
}

/* The ablation table: what each pass turns off, and the rows it runs. */
static const struct bench_mechanism {
	const char *name;
	unsigned int bits;	/* WSHEAP_ABLATE_*; 0: the noise pass */
} bench_mechanisms[] = {
	{ "none (noise)", 0 },
	{ "inline fast path", WSHEAP_ABLATE_INLINE },
	{ "per-CPU slots", WSHEAP_ABLATE_SLOTS },
	{ "standby", WSHEAP_ABLATE_STANDBY },
	{ "slices", WSHEAP_ABLATE_SLICES },
};

static const char *const bench_ablation_rows[] = {
	"W", "C", "E", "H1", "H8", "G1K", "M",
};

/*
 * @bc with @m off against @bc with it on, reps pairs after a warm-up
 * pair: res->samples the times on, @off the times off, res->ratios the
 * pairs' off/on x1000, each sorted.
 */
static void bench_run_ablated(const struct bench_case *bc,
			      const struct bench_mechanism *m,
			      struct bench_result *res, u64 *off)
{
	unsigned int rep, side;
	s64 t[2];

	for (rep = 0; rep <= reps; rep++) {
		/* t[0] on, t[1] off; every other rep runs off first */
		for (side = 0; side < 2; side++) {
			unsigned int s = side ^ (rep & 1);

			wsheap_ablate(s ? m->bits : 0);
			t[s] = bench_rep(bc);
			wsheap_ablate(0);
			if (t[s] < 0) {
				res->err = t[s];
				return;
			}
		}
		if (!rep)
			continue;
		res->samples[rep - 1] = t[0];
		off[rep - 1] = t[1];
		res->ratios[rep - 1] = div64_u64((u64)t[1] * 1000,
						 max_t(s64, t[0], 1));
	}
	sort(res->samples, reps, sizeof(u64), bench_cmp_u64, NULL);
	sort(off, reps, sizeof(u64), bench_cmp_u64, NULL);
	sort(res->ratios, reps, sizeof(u64), bench_cmp_u64, NULL);
}

static void bench_print_ablated(const struct bench_case *bc,
				const struct bench_mechanism *m,
				const struct bench_result *res, const u64 *off)
{
	char on_s[24], off_s[24], r[24], lo[24], hi[24];

	if (res->err) {
		pr_info("%-18s %-4s (skipped: %pe)\n", m->name, bc->key,
			ERR_PTR(res->err));
		return;
	}
	pr_info("%-18s %-4s %12s %12s %8s %8s-%-8s  %s\n", m->name, bc->key,
		bench_fmt_value(bc, on_s, sizeof(on_s), res->samples[reps / 2]),
		bench_fmt_value(bc, off_s, sizeof(off_s), off[reps / 2]),
		bench_fmt_ratio(r, sizeof(r), res->ratios[reps / 2]),
		bench_fmt_ratio(lo, sizeof(lo), res->ratios[0]),
		bench_fmt_ratio(hi, sizeof(hi), res->ratios[reps - 1]),
		bc->label);
}

static int bench_ablation_table(void)
{
	const struct bench_mechanism *m;
	unsigned int i;
	u64 off[BENCH_MAX_REPS];
	int k;

	if (!wsheap_ablate(0)) {
		pr_err("ablation=1: this module was built without WSHEAP_ABLATION=y (scripts/bench.sh ablation=1 builds it)\n");
		return -EOPNOTSUPP;
	}
	pr_info("ablation: reps=%u pairs per row, each a repetition with the mechanism off and one with it on, in turn first\n",
		reps);
	pr_info("off/on: the median of the pairs' ratios, and their min-max; above 1.00x the mechanism saves that much\n");
	pr_info("%-18s %-4s %12s %12s %8s %17s  %s\n", "mechanism off",
		"row", "on", "off", "off/on", "min-max", "row");
	for (m = bench_mechanisms; m < bench_mechanisms + ARRAY_SIZE(bench_mechanisms); m++) {
		for (i = 0; i < ARRAY_SIZE(bench_ablation_rows); i++) {
			struct bench_result res = {};

			k = bench_case_index(bench_ablation_rows[i],
					     strlen(bench_ablation_rows[i]));
			if (k < 0 || !bench_chosen[k])
				continue;
			bench_run_ablated(&bench_cases[k], m, &res, off);
			bench_print_ablated(&bench_cases[k], m, &res, off);
		}
	}
	return 0;
}

static int bench_alloc_arrays(void)
{
	size_t ptrs = max(n_objects, BENCH_SMALL_JOB_MAX);

	bench_sizes = vmalloc(array_size(n_objects, sizeof(*bench_sizes)));
	bench_ptrs = vmalloc(array_size(ptrs, sizeof(*bench_ptrs)));
	if (!bench_sizes || !bench_ptrs)
		return -ENOMEM;
	return 0;
}

static void bench_free_arrays(void)
{
	vfree(bench_sizes);
	vfree(bench_ptrs);
}

static int __init wsheap_bench_init(void)
{
	unsigned int i;
	int ret;

	if (!n_objects || !reps || reps > BENCH_MAX_REPS || !cycles) {
		pr_err("need n_objects > 0, cycles > 0 and reps in 1..%u\n",
		       BENCH_MAX_REPS);
		return -EINVAL;
	}
	if (bench_choose_rows())
		return -EINVAL;
	ret = bench_alloc_arrays();
	if (ret)
		goto out;
	bench_sizes_init();
	bench_small_init();
	bench_names_init();
	bench_msg_init();
	bench_steady_init();

	if (ablation) {
		ret = bench_ablation_table();
		goto out;
	}
	pr_info("n_objects=%u cycles=%u reps=%u: ns per unit (an object, or what the row says), median and min-max of the reps\n",
		n_objects, cycles, reps);
	pr_info("struct wsheap: %zu bytes, a kmalloc-%zu object\n",
		sizeof(struct wsheap), kmalloc_size_roundup(sizeof(struct wsheap)));
	pr_info("vs W: median / median of row W (wsheap_alloc, warm heap), rows per object only\n");
	pr_info("vs kmalloc: median over the reps of the row's time / that of the row named, run just before each (the same work with kmalloc and kfree; below 1.00x wsheap costs less)\n");
	pr_info("%-5s %8s %13s %10s %21s  %s\n", "key", "vs W", "vs kmalloc",
		"ns/unit", "min-max", "row");
	/* Each row is printed when measured: a crash keeps the rows before. */
	for (i = 0; i < ARRAY_SIZE(bench_cases); i++) {
		struct bench_result res = {};

		if (!bench_chosen[i])
			continue;
		bench_run(&bench_cases[i], bench_yard_of(&bench_cases[i]), &res);
		if (!res.err)
			bench_medians[i] = res.samples[reps / 2];
		bench_print(&bench_cases[i], &res);
	}
	if (bench_row_chosen("G1M"))
		bench_efficiency(SZ_1M, "1 MiB");
	if (bench_row_chosen("G64M"))
		bench_efficiency(SZ_64M, "64 MiB");
out:
	bench_free_arrays();
	return ret;
}

static void __exit wsheap_bench_exit(void)
{
}

module_init(wsheap_bench_init);
module_exit(wsheap_bench_exit);

/* wsheap_ablation, in builds for the ablation table (wsheap_ablation.c) */
MODULE_IMPORT_NS(WSHEAP_BENCH);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("wsheap benchmark against kmalloc, kmem_cache, vmalloc and a raw bump pointer");
MODULE_AUTHOR("The wsheap developers");
