// SPDX-License-Identifier: GPL-2.0
/*
 * wsheap_bench - time wsheap against the kernel's other allocators
 *
 * At load, every row below is run reps times (after one warm-up run that
 * is not counted) and printed, as soon as it is measured, as the median
 * time per object with the fastest and slowest repetition, led by its
 * ratio to the first row, wsheap_alloc() into a warm heap.  All rows but
 * the string rows draw their sizes from one pseudo-random sequence of
 * 8..256 bytes computed before any timing.
 *
 *  - wsheap_alloc() of n_objects into a warm heap, whose chunks a trim
 *    size above the working set kept from the round before: the cost of
 *    allocation itself, as kmalloc's row is measured with its slabs warm;
 *  - the same into a fresh heap, which pays for every chunk's vmalloc();
 *  - wsheap_reset() after n_objects and after a hundredth of them, per
 *    call: its cost follows the number of chunks, not of objects;
 *  - kmalloc() of the same sequence, then kfree() of every object, as an
 *    arena user would free them at the end;
 *  - kmem_cache_alloc()/kmem_cache_free() of one 64-byte object size;
 *  - vmalloc()/vfree() per object, for a thousandth of the objects;
 *  - an inline bump pointer over one vmalloc'd buffer: the physical limit;
 *  - wsheap_zalloc(), wsheap_strdup() and wsheap_asprintf() into a warm
 *    heap, each next to kzalloc(), kstrdup() and kasprintf() with a
 *    kfree() of every object at the end: zalloc takes the same sizes, the
 *    strings are copies of a precomputed set of 8..40-character field
 *    names, and asprintf formats "%s=%u" of a name and the object's index;
 *  - a steady refill/reset loop within the trim size, which must make no
 *    new backing allocation;
 *  - growth: a heap filled up to its quota of 1 KiB, 1 MiB, 64 MiB and
 *    1 GiB, to show that the cost per allocation stays flat.  Heaps
 *    larger than growth_max_mib are skipped: under UML every vmalloc'd
 *    page takes a host mapping, and the host allows about 65530.
 *
 * It ends with ACTUAL_SIZE / REQUESTED_SIZE of filled heaps, the memory
 * held for each byte handed out.  The module stays loaded; it does nothing
 * more after init.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/align.h>
#include <linux/compiler.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/limits.h>
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
#include <linux/timekeeping.h>
#include <linux/vmalloc.h>

#include "../wsheap.h"

static unsigned int n_objects = 1000000;
module_param(n_objects, uint, 0444);
MODULE_PARM_DESC(n_objects, "Objects allocated per repetition of a row (default 1000000)");

static unsigned int reps = 5;
module_param(reps, uint, 0444);
MODULE_PARM_DESC(reps, "Repetitions of each row; the median is reported (default 5, at most 15)");

static unsigned int growth_max_mib = 1024;
module_param(growth_max_mib, uint, 0444);
MODULE_PARM_DESC(growth_max_mib, "Largest heap of the growth rows, in MiB (default 1024)");

#define BENCH_MAX_REPS		15
#define BENCH_MIN_SIZE		8
#define BENCH_MAX_SIZE		256
#define BENCH_SEED		0x9e3779b97f4a7c15ULL

/* vmalloc() is timed on one object in this many. */
#define BENCH_VMALLOC_SHARE	1000

/* The steady loop's working set, well inside its trim size. */
#define BENCH_STEADY_BYTES	SZ_256K
#define BENCH_STEADY_TRIM	SZ_1M

/* Small heaps are filled again until this many allocations are timed. */
#define BENCH_GROWTH_MIN_OBJS	100000

#define BENCH_OBJ_SIZE		64

/* The string rows copy and format BENCH_NAMES names of 8..40 characters. */
#define BENCH_NAMES		256
#define BENCH_NAME_MIN		8
#define BENCH_NAME_MAX		40

struct bench_case {
	const char *label;
	int (*run)(const struct bench_case *bc, u64 *ns, u64 *units);
	/* Optional: more about the row, from its median in ns/100 per unit. */
	void (*note)(const struct bench_case *bc, u64 median, char *buf,
		     size_t len);
	size_t heap_size;
	unsigned int share;	/* reset rows: after n_objects / share objects */
	bool per_call;		/* time per call, not per object: no ratio */
	/* Warm-heap rows: what fills the heap, n objects. */
	int (*fill)(struct wsheap *heap, unsigned int n);
};

struct bench_result {
	u64 samples[BENCH_MAX_REPS];	/* ns/100 per unit, sorted */
	int err;
};

static u16 *bench_sizes;		/* n_objects request sizes */
static void **bench_ptrs;		/* n_objects pointers to free */
static size_t bench_bytes;		/* sum of the sizes, 8-byte aligned */
static char bench_names[BENCH_NAMES][BENCH_NAME_MAX + 1];

static unsigned int bench_steady_objs;	/* objects per steady cycle */
static unsigned long bench_steady_cycles;
static unsigned long bench_steady_grown;

/* The next number of the pseudo-random sequence, from its top 32 bits. */
static u32 bench_rand(u64 *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x >> 32;
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

static const char *bench_name(unsigned int i)
{
	return bench_names[i % BENCH_NAMES];
}

/*
 * Call @one for objects 0..n-1 of the sequence.  Always inlined, so that
 * each caller's @one is a direct call, itself inlined where it is small:
 * the loop costs the same for every row.
 */
static __always_inline int bench_fill_by(struct wsheap *heap, unsigned int n,
					 int (*one)(struct wsheap *heap,
						    unsigned int i))
{
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++) {
		ret = one(heap, i);
		if (ret)
			return ret;
	}
	return 0;
}

static int bench_alloc_one(struct wsheap *heap, unsigned int i)
{
	void *p;

	return wsheap_alloc(heap, bench_sizes[i], &p, NULL);
}

static int bench_zalloc_one(struct wsheap *heap, unsigned int i)
{
	void *p;

	return wsheap_zalloc(heap, bench_sizes[i], &p, NULL);
}

static int bench_strdup_one(struct wsheap *heap, unsigned int i)
{
	char *s;

	return wsheap_strdup(heap, bench_name(i), &s, NULL);
}

static int bench_asprintf_one(struct wsheap *heap, unsigned int i)
{
	char *s;

	return wsheap_asprintf(heap, &s, NULL, "%s=%u", bench_name(i), i);
}

static int bench_fill(struct wsheap *heap, unsigned int n)
{
	return bench_fill_by(heap, n, bench_alloc_one);
}

static int bench_fill_zalloc(struct wsheap *heap, unsigned int n)
{
	return bench_fill_by(heap, n, bench_zalloc_one);
}

static int bench_fill_strdup(struct wsheap *heap, unsigned int n)
{
	return bench_fill_by(heap, n, bench_strdup_one);
}

static int bench_fill_asprintf(struct wsheap *heap, unsigned int n)
{
	return bench_fill_by(heap, n, bench_asprintf_one);
}

/* Time @fill of n_objects into @heap, then free it. */
static int bench_time_fill(struct wsheap *heap,
			   int (*fill)(struct wsheap *heap, unsigned int n),
			   u64 *ns, u64 *units)
{
	u64 start;
	int ret;

	start = ktime_get_ns();
	ret = fill(heap, n_objects);
	*ns = ktime_get_ns() - start;
	*units = n_objects;

	wsheap_free(heap);
	return ret;
}

static int bench_wsheap_alloc(const struct bench_case *bc, u64 *ns, u64 *units)
{
	struct wsheap *heap;
	int ret;

	ret = wsheap_create(SIZE_MAX, 0, NULL, 0, &heap, NULL);
	return ret ?: bench_time_fill(heap, bench_fill, ns, units);
}

/*
 * A heap that has been filled once by the row's fill and reset, keeping
 * all its chunks.
 */
static int bench_wsheap_warm(const struct bench_case *bc, u64 *ns, u64 *units)
{
	struct wsheap *heap;
	int ret;

	ret = wsheap_create(SIZE_MAX, SIZE_MAX, NULL, 0, &heap, NULL);
	if (ret)
		return ret;
	ret = bc->fill(heap, n_objects) ?: wsheap_reset(heap, NULL);
	if (ret) {
		wsheap_free(heap);
		return ret;
	}
	return bench_time_fill(heap, bc->fill, ns, units);
}

/* One reset after n_objects / share objects, with @trim. */
static int bench_reset_after(const struct bench_case *bc, size_t trim,
			     u64 *ns, u64 *units)
{
	unsigned int n = max(n_objects / bc->share, 1U);
	struct wsheap *heap;
	u64 start;
	int ret;

	ret = wsheap_create(SIZE_MAX, trim, NULL, 0, &heap, NULL);
	if (ret)
		return ret;

	ret = bench_fill(heap, n);
	if (!ret) {
		start = ktime_get_ns();
		ret = wsheap_reset(heap, NULL);
		*ns = ktime_get_ns() - start;
		*units = 1;
	}

	wsheap_free(heap);
	return ret;
}

static int bench_reset_keep(const struct bench_case *bc, u64 *ns, u64 *units)
{
	return bench_reset_after(bc, SIZE_MAX, ns, units);
}

static int bench_reset_release(const struct bench_case *bc, u64 *ns,
			       u64 *units)
{
	return bench_reset_after(bc, 0, ns, units);
}

static void bench_kfree_all(unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		kfree(bench_ptrs[i]);
}

/* As bench_fill_by(): time @one for n_objects objects, then kfree() each. */
static __always_inline int bench_kalloc_by(void *(*one)(unsigned int i),
					   u64 *ns, u64 *units)
{
	unsigned int i;
	u64 start;

	start = ktime_get_ns();
	for (i = 0; i < n_objects; i++) {
		bench_ptrs[i] = one(i);
		if (!bench_ptrs[i]) {
			bench_kfree_all(i);
			return -ENOMEM;
		}
	}
	bench_kfree_all(n_objects);
	*ns = ktime_get_ns() - start;
	*units = n_objects;
	return 0;
}

static void *bench_kmalloc_one(unsigned int i)
{
	return kmalloc(bench_sizes[i], GFP_KERNEL);
}

static void *bench_kzalloc_one(unsigned int i)
{
	return kzalloc(bench_sizes[i], GFP_KERNEL);
}

static void *bench_kstrdup_one(unsigned int i)
{
	return kstrdup(bench_name(i), GFP_KERNEL);
}

static void *bench_kasprintf_one(unsigned int i)
{
	return kasprintf(GFP_KERNEL, "%s=%u", bench_name(i), i);
}

static int bench_kmalloc(const struct bench_case *bc, u64 *ns, u64 *units)
{
	return bench_kalloc_by(bench_kmalloc_one, ns, units);
}

static int bench_kzalloc(const struct bench_case *bc, u64 *ns, u64 *units)
{
	return bench_kalloc_by(bench_kzalloc_one, ns, units);
}

static int bench_kstrdup(const struct bench_case *bc, u64 *ns, u64 *units)
{
	return bench_kalloc_by(bench_kstrdup_one, ns, units);
}

static int bench_kasprintf(const struct bench_case *bc, u64 *ns, u64 *units)
{
	return bench_kalloc_by(bench_kasprintf_one, ns, units);
}

static void bench_cache_free_all(struct kmem_cache *cache, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		kmem_cache_free(cache, bench_ptrs[i]);
}

static int bench_kmem_cache(const struct bench_case *bc, u64 *ns, u64 *units)
{
	struct kmem_cache *cache;
	unsigned int i;
	u64 start;
	int ret = 0;

	cache = kmem_cache_create("wsheap_bench", BENCH_OBJ_SIZE, 0, 0, NULL);
	if (!cache)
		return -ENOMEM;

	start = ktime_get_ns();
	for (i = 0; i < n_objects; i++) {
		bench_ptrs[i] = kmem_cache_alloc(cache, GFP_KERNEL);
		if (!bench_ptrs[i]) {
			ret = -ENOMEM;
			break;
		}
	}
	bench_cache_free_all(cache, i);
	*ns = ktime_get_ns() - start;
	*units = n_objects;

	kmem_cache_destroy(cache);
	return ret;
}

static void bench_vfree_all(unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		vfree(bench_ptrs[i]);
}

static int bench_vmalloc(const struct bench_case *bc, u64 *ns, u64 *units)
{
	unsigned int n = max(n_objects / BENCH_VMALLOC_SHARE, 1U);
	unsigned int i;
	u64 start;

	start = ktime_get_ns();
	for (i = 0; i < n; i++) {
		bench_ptrs[i] = vmalloc(bench_sizes[i]);
		if (!bench_ptrs[i]) {
			bench_vfree_all(i);
			return -ENOMEM;
		}
	}
	bench_vfree_all(n);
	*ns = ktime_get_ns() - start;
	*units = n;
	return 0;
}

/*
 * The least any bump allocator can do: a bounds check and an add per
 * object.  barrier_data() makes each pointer count as used without
 * touching the object, which the wsheap rows do not do either.
 */
static int bench_bump(const struct bench_case *bc, u64 *ns, u64 *units)
{
	char *buf, *cur, *end, *p;
	unsigned int i;
	size_t size;
	u64 start;
	int ret = 0;

	buf = vmalloc(bench_bytes);
	if (!buf)
		return -ENOMEM;
	cur = buf;
	end = buf + bench_bytes;

	start = ktime_get_ns();
	for (i = 0; i < n_objects; i++) {
		size = ALIGN(bench_sizes[i], 8);
		if (unlikely(size > (size_t)(end - cur))) {
			ret = -ENOSPC;
			break;
		}
		p = cur;
		cur += size;
		barrier_data(p);
	}
	*ns = ktime_get_ns() - start;
	*units = n_objects;

	vfree(buf);
	return ret;
}

/* Objects of the sequence whose sizes add up to the steady working set. */
static unsigned int bench_steady_count(void)
{
	size_t bytes = 0;
	unsigned int i;

	for (i = 0; i < n_objects; i++) {
		bytes += bench_sizes[i];
		if (bytes > BENCH_STEADY_BYTES)
			break;
	}
	return max(i, 1U);
}

static int bench_size(struct wsheap *heap, enum wsheap_property_id id,
		      size_t *size)
{
	return wsheap_get_property(heap, id, size, sizeof(*size), NULL);
}

/* Refill and reset; count the cycles in which ACTUAL_SIZE grew. */
static int bench_steady_cycle(struct wsheap *heap, size_t warm)
{
	size_t actual = warm;
	int ret;

	ret = bench_fill(heap, bench_steady_objs) ?:
	      bench_size(heap, WSHEAP_PROPERTY_ACTUAL_SIZE, &actual) ?:
	      wsheap_reset(heap, NULL);
	if (!ret && actual != warm)
		bench_steady_grown++;
	return ret;
}

static int bench_steady(const struct bench_case *bc, u64 *ns, u64 *units)
{
	unsigned int cycles = max(n_objects / bench_steady_objs, 1U);
	struct wsheap *heap;
	unsigned int i;
	size_t warm;
	u64 start;
	int ret;

	ret = wsheap_create(SIZE_MAX, BENCH_STEADY_TRIM, NULL, 0, &heap, NULL);
	if (ret)
		return ret;

	/* One round to get the chunks the working set needs. */
	ret = bench_fill(heap, bench_steady_objs) ?:
	      bench_size(heap, WSHEAP_PROPERTY_ACTUAL_SIZE, &warm) ?:
	      wsheap_reset(heap, NULL);
	if (ret)
		goto out;

	start = ktime_get_ns();
	for (i = 0; i < cycles && !ret; i++)
		ret = bench_steady_cycle(heap, warm);
	*ns = ktime_get_ns() - start;
	*units = (u64)cycles * bench_steady_objs;
	bench_steady_cycles += cycles;
out:
	wsheap_free(heap);
	return ret;
}

static void bench_steady_note(const struct bench_case *bc, u64 median,
			      char *buf, size_t len)
{
	scnprintf(buf, len, ": %llu ns/cycle of %u objects; ACTUAL_SIZE grew in %lu of %lu cycles",
		  div_u64(median * bench_steady_objs, 100), bench_steady_objs,
		  bench_steady_grown, bench_steady_cycles);
}

/*
 * Allocate from the sequence, over and over, until the quota refuses;
 * return the number of allocations or a negative errno.
 */
static long bench_fill_quota(struct wsheap *heap)
{
	unsigned int i = 0;
	long count = 0;
	void *p;
	int ret;

	for (;;) {
		ret = wsheap_alloc(heap, bench_sizes[i], &p, NULL);
		if (ret == -EDQUOT)
			return count;
		if (ret)
			return ret;
		count++;
		if (++i == n_objects)
			i = 0;
		if (!(count & 0xffff))
			cond_resched();
	}
}

/* Heaps of heap_size bytes from create to free, filled to the quota. */
static int bench_growth(const struct bench_case *bc, u64 *ns, u64 *units)
{
	struct wsheap *heap;
	u64 start, done = 0;
	long count;
	int ret;

	if (bc->heap_size > (size_t)growth_max_mib * SZ_1M)
		return -E2BIG;

	start = ktime_get_ns();
	while (done < BENCH_GROWTH_MIN_OBJS) {
		ret = wsheap_create(bc->heap_size, 0, NULL, 0, &heap, NULL);
		if (ret)
			return ret;
		count = bench_fill_quota(heap);
		wsheap_free(heap);
		if (count <= 0)
			return count ?: -EINVAL;
		done += count;
	}
	*ns = ktime_get_ns() - start;
	*units = done;
	return 0;
}

static void bench_growth_note(const struct bench_case *bc, u64 median,
			      char *buf, size_t len)
{
	scnprintf(buf, len, ": %llu allocs/s",
		  median ? div64_u64(100ULL * NSEC_PER_SEC, median) : 0);
}

static const struct bench_case bench_cases[] = {
	{ "wsheap_alloc, mixed 8-256 B, warm heap (chunks kept by the trim)",
	  bench_wsheap_warm, .fill = bench_fill },
	{ "wsheap_alloc, same, fresh heap (pays vmalloc of every chunk)",
	  bench_wsheap_alloc },
	{ "wsheap_reset after all n_objects, trim keeps all: ns per reset",
	  bench_reset_keep, .share = 1, .per_call = true },
	{ "wsheap_reset after n_objects/100, trim keeps all: ns per reset",
	  bench_reset_keep, .share = 100, .per_call = true },
	{ "wsheap_reset after all n_objects, trim 0 (vfree all): ns per reset",
	  bench_reset_release, .share = 1, .per_call = true },
	{ "kmalloc of the same sequence, kfree of each at the end",
	  bench_kmalloc },
	{ "kmem_cache_alloc + kmem_cache_free, one 64 B size",
	  bench_kmem_cache },
	{ "vmalloc + vfree per object, 1/1000 of them (orders slower)",
	  bench_vmalloc },
	{ "raw inline bump pointer over one buffer (physical limit)",
	  bench_bump },
	{ "wsheap_zalloc, same sequence, warm heap",
	  bench_wsheap_warm, .fill = bench_fill_zalloc },
	{ "kzalloc of the same sequence, kfree of each at the end",
	  bench_kzalloc },
	{ "wsheap_strdup, names of 8-40 chars, warm heap",
	  bench_wsheap_warm, .fill = bench_fill_strdup },
	{ "kstrdup of the same names, kfree of each at the end",
	  bench_kstrdup },
	{ "wsheap_asprintf \"%s=%u\" of a name and an index, warm heap",
	  bench_wsheap_warm, .fill = bench_fill_asprintf },
	{ "kasprintf of the same, kfree of each at the end",
	  bench_kasprintf },
	{ "steady wsheap refill + reset, 256 KiB working set, trim 1 MiB",
	  bench_steady, bench_steady_note },
	{ "growth: 1 KiB heaps filled to quota, create to free",
	  bench_growth, bench_growth_note, SZ_1K },
	{ "growth: 1 MiB heaps filled to quota, create to free",
	  bench_growth, bench_growth_note, SZ_1M },
	{ "growth: 64 MiB heap filled to quota, create to free",
	  bench_growth, bench_growth_note, SZ_64M },
	{ "growth: 1 GiB heap filled to quota, create to free",
	  bench_growth, bench_growth_note, SZ_1G },
};

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

static void bench_run(const struct bench_case *bc, struct bench_result *res)
{
	unsigned int rep;
	u64 ns, units;

	/* Repetition -1 warms caches and slabs and is not counted. */
	for (rep = 0; rep <= reps; rep++) {
		bench_settle();
		units = 0;
		res->err = bc->run(bc, &ns, &units);
		if (!res->err && !units)
			res->err = -EINVAL;
		if (res->err)
			return;
		if (rep)
			res->samples[rep - 1] = div64_u64(ns * 100, units);
	}
	sort(res->samples, reps, sizeof(u64), bench_cmp_u64, NULL);
}

/* @x100 hundredths as "12.34". */
static const char *bench_fmt(char *buf, size_t len, u64 x100)
{
	u32 frac;
	u64 whole = div_u64_rem(x100, 100, &frac);

	scnprintf(buf, len, "%llu.%02u", whole, frac);
	return buf;
}

static void bench_print(const struct bench_case *bc,
			const struct bench_result *res, u64 base)
{
	char ratio[24], num[24], med[24], lo[24], hi[24], note[112] = "";
	u64 median = res->samples[reps / 2];

	if (res->err == -E2BIG) {
		pr_info("%9s %10s %21s  %s (not run: above growth_max_mib=%u)\n",
			"-", "-", "-", bc->label, growth_max_mib);
		return;
	}
	if (res->err) {
		pr_info("%9s %10s %21s  %s (skipped: %pe)\n", "-", "-", "-",
			bc->label, ERR_PTR(res->err));
		return;
	}
	if (bc->note)
		bc->note(bc, median, note, sizeof(note));
	if (base && !bc->per_call)
		scnprintf(ratio, sizeof(ratio), "%sx",
			  bench_fmt(num, sizeof(num),
				    div64_u64(median * 100, base)));
	else
		strscpy(ratio, "-", sizeof(ratio));

	pr_info("%9s %10s %10s-%-10s  %s%s\n", ratio,
		bench_fmt(med, sizeof(med), median),
		bench_fmt(lo, sizeof(lo), res->samples[0]),
		bench_fmt(hi, sizeof(hi), res->samples[reps - 1]),
		bc->label, note);
}

/* ACTUAL_SIZE / REQUESTED_SIZE of a heap filled to a quota of @size. */
static void bench_efficiency(size_t size, const char *name)
{
	size_t requested, actual;
	struct wsheap *heap;
	char ratio[24];
	long count;
	int ret;

	ret = wsheap_create(size, 0, NULL, 0, &heap, NULL);
	if (ret)
		goto fail;
	count = bench_fill_quota(heap);
	if (count < 0)
		ret = count;
	else
		ret = bench_size(heap, WSHEAP_PROPERTY_REQUESTED_SIZE,
				 &requested) ?:
		      bench_size(heap, WSHEAP_PROPERTY_ACTUAL_SIZE, &actual);
	wsheap_free(heap);
	if (ret)
		goto fail;
	if (!requested) {
		ret = -EINVAL;
		goto fail;
	}

	pr_info("%9s  ACTUAL_SIZE/REQUESTED_SIZE, %s heap filled with 8-256 B: %zu / %zu\n",
		bench_fmt(ratio, sizeof(ratio),
			  div64_u64((u64)actual * 100, requested)),
		name, actual, requested);
	return;
fail:
	pr_info("%9s  ACTUAL_SIZE/REQUESTED_SIZE, %s heap (skipped: %pe)\n",
		"-", name, ERR_PTR(ret));
}

static int bench_alloc_arrays(void)
{
	bench_sizes = vmalloc(array_size(n_objects, sizeof(*bench_sizes)));
	bench_ptrs = vmalloc(array_size(n_objects, sizeof(*bench_ptrs)));
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
	u64 base;
	int ret;

	if (!n_objects || !reps || reps > BENCH_MAX_REPS) {
		pr_err("need n_objects > 0 and reps in 1..%u\n", BENCH_MAX_REPS);
		return -EINVAL;
	}
	ret = bench_alloc_arrays();
	if (ret)
		goto out;
	bench_sizes_init();
	bench_names_init();
	bench_steady_objs = bench_steady_count();

	pr_info("n_objects=%u reps=%u: ns per object, median and min-max of the reps\n",
		n_objects, reps);
	pr_info("%9s %10s %21s  %s\n", "vs alloc", "ns/obj", "min-max", "row");
	/* Each row is printed when measured: a crash keeps the rows before. */
	base = 0;
	for (i = 0; i < ARRAY_SIZE(bench_cases); i++) {
		struct bench_result res = {};

		bench_run(&bench_cases[i], &res);
		if (!i && !res.err)
			base = res.samples[reps / 2];
		bench_print(&bench_cases[i], &res, base);
	}
	bench_efficiency(SZ_1M, "1 MiB");
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

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("wsheap benchmark against kmalloc, kmem_cache, vmalloc and a raw bump pointer");
MODULE_AUTHOR("The wsheap developers");
