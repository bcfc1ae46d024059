/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wsheap_bench: what its parts share.  wsheap_bench_main.c holds the
 * harness and the table of rows, which the other parts implement by
 * subject: wsheap_bench_alloc.c the rows of n_objects allocations,
 * wsheap_bench_jobs.c the short jobs, wsheap_bench_mem.c the memory rows,
 * wsheap_bench_parse.c the message parse.
 */
#ifndef _WSHEAP_BENCH_H
#define _WSHEAP_BENCH_H

#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/types.h>

#include "../wsheap.h"
#include "../wsheap_internal.h"

#define BENCH_SEED		0x9e3779b97f4a7c15ULL

/* The string rows copy and format BENCH_NAMES names of 8..40 characters. */
#define BENCH_NAMES		256
#define BENCH_NAME_MIN		8
#define BENCH_NAME_MAX		40

/* Most objects a short job allocates: bench_ptrs holds at least this many. */
#define BENCH_SMALL_JOB_MAX	100U

struct bench_case {
	const char *key;	/* names the row in the table and in yard */
	const char *label;
	int (*run)(const struct bench_case *bc, u64 *ns, u64 *units);
	/* Optional: more about the row, from its median in ns/100 per unit. */
	void (*note)(const struct bench_case *bc, u64 median, char *buf,
		     size_t len);
	/* The key of the kmalloc row that does the same work, or NULL. */
	const char *yard;
	size_t heap_size;
	unsigned int share;	/* reset rows: after n_objects / share objects */
	unsigned int objs;	/* short jobs: objects per cycle */
	bool per_call;		/* the unit is not an object: no ratio to W */
	bool bytes;		/* the value is bytes, not ns: printed "B" */
	bool atomic;		/* GFP_ATOMIC: kmalloc's, or an atomic heap */
	bool concurrent;	/* the heap is a CONCURRENT one */
	/* Warm-heap rows: what fills the heap, n objects. */
	int (*fill)(struct wsheap *heap, unsigned int n);
};

/* The module parameters the rows read. */
extern unsigned int n_objects;
extern unsigned int growth_max_mib;
extern unsigned int cycles;

extern u16 *bench_sizes;		/* n_objects request sizes */
extern void **bench_ptrs;		/* pointers to free */
extern size_t bench_bytes;		/* sum of the sizes, 8-byte aligned */
extern char bench_names[BENCH_NAMES][BENCH_NAME_MAX + 1];

/*
 * wsheap_alloc() as the rows call it: inline, or out of line while the
 * ablation table has the inline path off (WSHEAP_ABLATE_INLINE).
 */
static __always_inline int bench_alloc(struct wsheap *heap, size_t size,
				       void **ptr)
{
	if (wsheap_ablated(WSHEAP_ABLATE_INLINE))
		return __wsheap_alloc(heap, size, ptr, NULL);
	return wsheap_alloc(heap, size, ptr, NULL);
}

/* The next number of the pseudo-random sequence, from its top 32 bits. */
static inline u32 bench_rand(u64 *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x >> 32;
}

static inline const char *bench_name(unsigned int i)
{
	return bench_names[i % BENCH_NAMES];
}

/*
 * Call @one for objects first..first+n-1 of its sequence.  Always inlined,
 * so that each caller's @one is a direct call, and every @one is always
 * inlined in turn: the loop costs the same for every row, and a change
 * in the size of the inline wsheap_alloc() does not move a row by
 * changing whether the compiler inlines @one (it moved H8 by 1 ns per
 * object when the slices came in).
 */
static __always_inline int bench_fill_by(struct wsheap *heap,
					 unsigned int first, unsigned int n,
					 int (*one)(struct wsheap *heap,
						    unsigned int i))
{
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++) {
		ret = one(heap, first + i);
		if (ret)
			return ret;
	}
	return 0;
}

static inline void bench_kfree_all(unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		kfree(bench_ptrs[i]);
}

/*
 * @one for objects first..first+n-1 of its sequence into bench_ptrs, then
 * kfree() of each, as bench_fill_by() and a reset or free do for a heap.
 */
static __always_inline int bench_kalloc_n(void *(*one)(unsigned int i),
					  unsigned int first, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		bench_ptrs[i] = one(first + i);
		if (!bench_ptrs[i]) {
			bench_kfree_all(i);
			return -ENOMEM;
		}
	}
	bench_kfree_all(n);
	return 0;
}

/*
 * Time @cycle(bc, ctx, c) for c = 0..n-1; each cycle counts as bc->objs
 * units, or as one when the row's unit is the cycle (bc->objs 0).  Always
 * inlined, so that @cycle is a direct call, as in bench_fill_by().
 */
static __always_inline int
bench_time_cycles(const struct bench_case *bc, void *ctx,
		  int (*cycle)(const struct bench_case *bc, void *ctx,
			       unsigned int c),
		  unsigned int n, u64 *ns, u64 *units)
{
	unsigned int c;
	u64 start;
	int ret = 0;

	start = ktime_get_ns();
	for (c = 0; c < n && !ret; c++)
		ret = cycle(bc, ctx, c);
	*ns = ktime_get_ns() - start;
	*units = (u64)n * (bc->objs ?: 1);
	return ret;
}

/* wsheap_bench_main.c */
const char *bench_fmt(char *buf, size_t len, u64 x100);
int bench_create(const struct bench_case *bc, size_t max_size,
		 size_t trim_size, struct wsheap **heap);

/* wsheap_bench_alloc.c: rows W to ST and G1K to G1G */
int bench_fill(struct wsheap *heap, unsigned int n);
int bench_fill_zalloc(struct wsheap *heap, unsigned int n);
int bench_fill_strdup(struct wsheap *heap, unsigned int n);
int bench_fill_asprintf(struct wsheap *heap, unsigned int n);
int bench_wsheap_warm(const struct bench_case *bc, u64 *ns, u64 *units);
int bench_wsheap_alloc(const struct bench_case *bc, u64 *ns, u64 *units);
int bench_reset_keep(const struct bench_case *bc, u64 *ns, u64 *units);
int bench_reset_release(const struct bench_case *bc, u64 *ns, u64 *units);
int bench_kmalloc(const struct bench_case *bc, u64 *ns, u64 *units);
int bench_kzalloc(const struct bench_case *bc, u64 *ns, u64 *units);
int bench_kstrdup(const struct bench_case *bc, u64 *ns, u64 *units);
int bench_kasprintf(const struct bench_case *bc, u64 *ns, u64 *units);
int bench_kmem_cache(const struct bench_case *bc, u64 *ns, u64 *units);
int bench_vmalloc(const struct bench_case *bc, u64 *ns, u64 *units);
int bench_bump(const struct bench_case *bc, u64 *ns, u64 *units);
void bench_steady_init(void);
int bench_steady(const struct bench_case *bc, u64 *ns, u64 *units);
void bench_steady_note(const struct bench_case *bc, u64 median, char *buf,
		       size_t len);
int bench_growth(const struct bench_case *bc, u64 *ns, u64 *units);
void bench_growth_note(const struct bench_case *bc, u64 median, char *buf,
		       size_t len);
void bench_efficiency(size_t size, const char *name);

/* wsheap_bench_jobs.c: rows K1 to H100 */
void bench_small_init(void);
int bench_kjob(const struct bench_case *bc, u64 *ns, u64 *units);
int bench_heap_job(const struct bench_case *bc, u64 *ns, u64 *units);
int bench_reuse(const struct bench_case *bc, u64 *ns, u64 *units);
void bench_job_note(const struct bench_case *bc, u64 median, char *buf,
		    size_t len);

/* wsheap_bench_mem.c: rows KM and M */
int bench_mem_kmalloc(const struct bench_case *bc, u64 *ns, u64 *units);
int bench_mem_wsheap(const struct bench_case *bc, u64 *ns, u64 *units);
void bench_mem_note(const struct bench_case *bc, u64 median, char *buf,
		    size_t len);

/* wsheap_bench_parse.c: rows KP and P */
void bench_msg_init(void);
int bench_parse_kmalloc(const struct bench_case *bc, u64 *ns, u64 *units);
int bench_parse_wsheap(const struct bench_case *bc, u64 *ns, u64 *units);
void bench_parse_note(const struct bench_case *bc, u64 median, char *buf,
		      size_t len);

#endif /* _WSHEAP_BENCH_H */
