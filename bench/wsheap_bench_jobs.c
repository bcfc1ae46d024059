// SPDX-License-Identifier: GPL-2.0
/*
 * wsheap_bench: the short jobs, K1 to H100.  Each is repeated cycles
 * times: a few kmalloc()s and their kfree()s against a heap created for
 * the job and freed, or a heap kept and reset after each job.
 */
#include <linux/limits.h>
#include <linux/math64.h>
#include <linux/slab.h>
#include <linux/kernel.h>

#include "../wsheap.h"
#include "wsheap_bench.h"

/*
 * The short jobs take their sizes, 8..127 bytes, from a sequence of this
 * many (a power of two); a job of n objects in cycle c takes objects
 * c * n .. c * n + n - 1 of it, modulo its length.
 */
#define BENCH_SMALL_SEQ		4096
#define BENCH_SMALL_MIN		8
#define BENCH_SMALL_MAX		127

static u8 bench_small[BENCH_SMALL_SEQ];	/* sizes of the short jobs */

void bench_small_init(void)
{
	u64 x = BENCH_SEED;
	unsigned int i;

	for (i = 0; i < BENCH_SMALL_SEQ; i++)
		bench_small[i] = BENCH_SMALL_MIN +
				 bench_rand(&x) % (BENCH_SMALL_MAX - BENCH_SMALL_MIN + 1);
}

static size_t bench_small_size(unsigned int i)
{
	return bench_small[i & (BENCH_SMALL_SEQ - 1)];
}

static __always_inline int bench_small_one(struct wsheap *heap,
					   unsigned int i)
{
	void *p;

	return bench_alloc(heap, bench_small_size(i), &p);
}

static __always_inline void *bench_ksmall_one(unsigned int i)
{
	return kmalloc(bench_small_size(i), GFP_KERNEL);
}

static __always_inline void *bench_ksmall_atomic_one(unsigned int i)
{
	return kmalloc(bench_small_size(i), GFP_ATOMIC);
}

/* A short job with kmalloc: bc->objs objects, then kfree() of each. */
static int bench_kjob_cycle(const struct bench_case *bc, void *ctx,
			    unsigned int c)
{
	if (bc->atomic)
		return bench_kalloc_n(bench_ksmall_atomic_one, c * bc->objs,
				      bc->objs);
	return bench_kalloc_n(bench_ksmall_one, c * bc->objs, bc->objs);
}

int bench_kjob(const struct bench_case *bc, u64 *ns, u64 *units)
{
	return bench_time_cycles(bc, NULL, bench_kjob_cycle, cycles, ns, units);
}

/* A short job with a heap of its own: create, bc->objs objects, free. */
static int bench_heap_job_cycle(const struct bench_case *bc, void *ctx,
				unsigned int c)
{
	struct wsheap *heap;
	int ret;

	ret = bench_create(bc, bc->heap_size, 0, &heap);
	if (ret)
		return ret;
	ret = bench_fill_by(heap, c * bc->objs, bc->objs, bench_small_one);
	wsheap_free(heap);
	return ret;
}

int bench_heap_job(const struct bench_case *bc, u64 *ns, u64 *units)
{
	return bench_time_cycles(bc, NULL, bench_heap_job_cycle, cycles, ns,
				 units);
}

/* A short job in a kept heap: bc->objs objects, then a reset. */
static int bench_reuse_cycle(const struct bench_case *bc, void *ctx,
			     unsigned int c)
{
	struct wsheap *heap = ctx;

	return bench_fill_by(heap, c * bc->objs, bc->objs, bench_small_one) ?:
	       wsheap_reset(heap, NULL);
}

/* The heap holds one chunk, which the trim keeps from cycle to cycle. */
int bench_reuse(const struct bench_case *bc, u64 *ns, u64 *units)
{
	struct wsheap *heap;
	int ret;

	ret = wsheap_create(bc->heap_size, SIZE_MAX, NULL, 0, &heap, NULL);
	if (ret)
		return ret;
	ret = bench_fill_by(heap, 0, 1, bench_small_one) ?:
	      wsheap_reset(heap, NULL) ?:
	      bench_time_cycles(bc, heap, bench_reuse_cycle, cycles, ns, units);
	wsheap_free(heap);
	return ret;
}

void bench_job_note(const struct bench_case *bc, u64 median,
		    char *buf, size_t len)
{
	scnprintf(buf, len, ": %llu ns per cycle",
		  div_u64(median * bc->objs, 100));
}
