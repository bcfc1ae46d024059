// SPDX-License-Identifier: GPL-2.0
/*
 * wsheap_bench: the rows of n_objects allocations, W to ST, and the growth
 * rows: wsheap against kmalloc(), kmem_cache, vmalloc() and a raw bump
 * pointer, its resets and its steady state; last, ACTUAL_SIZE /
 * REQUESTED_SIZE of filled heaps.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/align.h>
#include <linux/compiler.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/printk.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/vmalloc.h>

#include "../wsheap.h"
#include "wsheap_bench.h"

/* vmalloc() is timed on one object in this many. */
#define BENCH_VMALLOC_SHARE	1000

/* The steady loop's working set, well inside its trim size. */
#define BENCH_STEADY_BYTES	SZ_256K
#define BENCH_STEADY_TRIM	SZ_1M

/* Small heaps are filled again until this many allocations are timed. */
#define BENCH_GROWTH_MIN_OBJS	100000

#define BENCH_OBJ_SIZE		64

static unsigned int bench_steady_objs;	/* objects per steady cycle */
static unsigned long bench_steady_cycles;
static unsigned long bench_steady_grown;

static __always_inline int bench_alloc_one(struct wsheap *heap,
					   unsigned int i)
{
	void *p;

	return bench_alloc(heap, bench_sizes[i], &p);
}

static __always_inline int bench_zalloc_one(struct wsheap *heap,
					    unsigned int i)
{
	void *p;

	return wsheap_zalloc(heap, bench_sizes[i], &p, NULL);
}

static __always_inline int bench_strdup_one(struct wsheap *heap,
					    unsigned int i)
{
	char *s;

	return wsheap_strdup(heap, bench_name(i), &s, NULL);
}

static __always_inline int bench_asprintf_one(struct wsheap *heap,
					      unsigned int i)
{
	char *s;

	return wsheap_asprintf(heap, &s, NULL, "%s=%u", bench_name(i), i);
}

int bench_fill(struct wsheap *heap, unsigned int n)
{
	return bench_fill_by(heap, 0, n, bench_alloc_one);
}

int bench_fill_zalloc(struct wsheap *heap, unsigned int n)
{
	return bench_fill_by(heap, 0, n, bench_zalloc_one);
}

int bench_fill_strdup(struct wsheap *heap, unsigned int n)
{
	return bench_fill_by(heap, 0, n, bench_strdup_one);
}

int bench_fill_asprintf(struct wsheap *heap, unsigned int n)
{
	return bench_fill_by(heap, 0, n, bench_asprintf_one);
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

int bench_wsheap_alloc(const struct bench_case *bc, u64 *ns, u64 *units)
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
int bench_wsheap_warm(const struct bench_case *bc, u64 *ns, u64 *units)
{
	struct wsheap *heap;
	int ret;

	ret = bench_create(bc, SIZE_MAX, SIZE_MAX, &heap);
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

int bench_reset_keep(const struct bench_case *bc, u64 *ns, u64 *units)
{
	return bench_reset_after(bc, SIZE_MAX, ns, units);
}

int bench_reset_release(const struct bench_case *bc, u64 *ns, u64 *units)
{
	return bench_reset_after(bc, 0, ns, units);
}

/* Time bench_kalloc_n() of all n_objects. */
static __always_inline int bench_kalloc_by(void *(*one)(unsigned int i),
					   u64 *ns, u64 *units)
{
	u64 start;
	int ret;

	start = ktime_get_ns();
	ret = bench_kalloc_n(one, 0, n_objects);
	*ns = ktime_get_ns() - start;
	*units = n_objects;
	return ret;
}

static __always_inline void *bench_kmalloc_one(unsigned int i)
{
	return kmalloc(bench_sizes[i], GFP_KERNEL);
}

static __always_inline void *bench_kzalloc_one(unsigned int i)
{
	return kzalloc(bench_sizes[i], GFP_KERNEL);
}

static __always_inline void *bench_kstrdup_one(unsigned int i)
{
	return kstrdup(bench_name(i), GFP_KERNEL);
}

static __always_inline void *bench_kasprintf_one(unsigned int i)
{
	return kasprintf(GFP_KERNEL, "%s=%u", bench_name(i), i);
}

int bench_kmalloc(const struct bench_case *bc, u64 *ns, u64 *units)
{
	return bench_kalloc_by(bench_kmalloc_one, ns, units);
}

int bench_kzalloc(const struct bench_case *bc, u64 *ns, u64 *units)
{
	return bench_kalloc_by(bench_kzalloc_one, ns, units);
}

int bench_kstrdup(const struct bench_case *bc, u64 *ns, u64 *units)
{
	return bench_kalloc_by(bench_kstrdup_one, ns, units);
}

int bench_kasprintf(const struct bench_case *bc, u64 *ns, u64 *units)
{
	return bench_kalloc_by(bench_kasprintf_one, ns, units);
}

static void bench_cache_free_all(struct kmem_cache *cache, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		kmem_cache_free(cache, bench_ptrs[i]);
}

int bench_kmem_cache(const struct bench_case *bc, u64 *ns, u64 *units)
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

int bench_vmalloc(const struct bench_case *bc, u64 *ns, u64 *units)
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
int bench_bump(const struct bench_case *bc, u64 *ns, u64 *units)
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

/* After bench_sizes is filled. */
void bench_steady_init(void)
{
	bench_steady_objs = bench_steady_count();
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

int bench_steady(const struct bench_case *bc, u64 *ns, u64 *units)
{
	unsigned int rounds = max(n_objects / bench_steady_objs, 1U);
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
	for (i = 0; i < rounds && !ret; i++)
		ret = bench_steady_cycle(heap, warm);
	*ns = ktime_get_ns() - start;
	*units = (u64)rounds * bench_steady_objs;
	bench_steady_cycles += rounds;
out:
	wsheap_free(heap);
	return ret;
}

void bench_steady_note(const struct bench_case *bc, u64 median,
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
		ret = bench_alloc(heap, bench_sizes[i], &p);
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
int bench_growth(const struct bench_case *bc, u64 *ns, u64 *units)
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

void bench_growth_note(const struct bench_case *bc, u64 median,
		       char *buf, size_t len)
{
	scnprintf(buf, len, ": %llu allocs/s",
		  median ? div64_u64(100ULL * NSEC_PER_SEC, median) : 0);
}

/* ACTUAL_SIZE / REQUESTED_SIZE of a heap filled to a quota of @size. */
void bench_efficiency(size_t size, const char *name)
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

	pr_info("%-5s %8s  ACTUAL_SIZE/REQUESTED_SIZE, %s heap filled with 8-256 B: %zu / %zu\n",
		"", bench_fmt(ratio, sizeof(ratio),
			      div64_u64((u64)actual * 100, requested)),
		name, actual, requested);
	return;
fail:
	pr_info("%-5s %8s  ACTUAL_SIZE/REQUESTED_SIZE, %s heap (skipped: %pe)\n",
		"", "-", name, ERR_PTR(ret));
}
