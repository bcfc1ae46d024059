/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the wsheap KUnit suites share: the chunk ledger and the helpers
 * around it.  Each suite is a module of its own (wsheap_basic_kunit.c,
 * wsheap_helpers_kunit.c, wsheap_internals_kunit.c,
 * wsheap_reliability_kunit.c, wsheap_kasan_kunit.c, wsheap_kinds_kunit.c,
 * wsheap_concurrent_kunit.c), so everything here is static inline: each
 * suite gets its own copy and its own ledger.
 *
 * Every case runs with the chunk allocator redirected through a ledger
 * (static stubs on wsheap_chunk_mem_alloc/wsheap_chunk_mem_free) that
 * records each chunk (its size, and the node and flags it was asked for),
 * so that cases can count backing allocations, check that ACTUAL_SIZE is
 * the memory really held, and make the Nth chunk allocation fail.  The
 * ledger still gets its memory from wsheap's own allocator (slab or
 * vmalloc, by size), so KASAN sees real chunks, unless a case has it
 * place chunks itself (misalign).  A suite hands wsheap_test_init to its
 * .init to get it; the wsheap_kinds suite turns it on in the cases that use it.
 * The wsheap_kinds and wsheap_concurrent suites share the helpers of the
 * last section, their .init (kind_init()) among them.
 */
#ifndef _WSHEAP_KUNIT_H
#define _WSHEAP_KUNIT_H

#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/align.h>
#include <linux/irqflags.h>
#include <linux/limits.h>
#include <linux/mm.h>
#include <linux/prandom.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/stdarg.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "../wsheap.h"
#include "../wsheap_internal.h"

#define KiB	1024UL
#define MiB	(1024UL * 1024UL)

/* An output pointer no call may touch when it fails. */
#define SENTINEL	((void *)0x5a5a5a50UL)

#define LEDGER_MAX_CHUNKS	512

struct ledger_chunk {
	void *mem;
	size_t bytes;
	void *base;			/* the ledger's own allocation, or NULL */
};

/*
 * What the stubs saw; test->priv of every case (or the first member of
 * what a suite keeps there: ledger_of() takes test->priv for it).
 */
struct chunk_ledger {
	unsigned int attempts;		/* chunk allocations tried */
	unsigned int fail_from;		/* fail attempts >= this; 0: never */
	unsigned int allocs;		/* chunk allocations that succeeded */
	unsigned int frees;
	size_t live_bytes;
	unsigned int nr_live;
	struct ledger_chunk live[LEDGER_MAX_CHUNKS];
	/* of each success, in order: its bytes, node and flags asked for */
	size_t sizes[LEDGER_MAX_CHUNKS];
	int nodes[LEDGER_MAX_CHUNKS];
	gfp_t gfps[LEDGER_MAX_CHUNKS];
	unsigned int slab_chunks, vmalloc_chunks;	/* of the successes */
	gfp_t gfp_seen;			/* every flag any attempt passed */
	/*
	 * Non-zero: the ledger allocates each chunk itself (kvmalloc_node()
	 * with the flags and node asked for), starting this many bytes (a
	 * multiple of 8, below PAGE_SIZE) past a page boundary, so that
	 * where a chunk ends is the case's choice, not the slab's.
	 */
	size_t misalign;
	unsigned int slab_allocs;	/* wsheap_slab_alloc() calls, if counted */
	gfp_t object_gfp;		/* of the last heap object, if recorded */
	/* Re-enter this heap once from inside a chunk allocation or free. */
	struct wsheap *reenter;
	bool reenter_on_free;
	int reenter_ret;
	unsigned int misuse_reports;
	const char *misuse_what;
};

/* Misuse on purpose: call into a heap from inside a call on it. */
static inline void ledger_reenter(struct chunk_ledger *l, bool on_free)
{
	void *p;

	if (!l->reenter || l->reenter_on_free != on_free)
		return;
	l->reenter_ret = wsheap_alloc(l->reenter, 8, &p, NULL);
	l->reenter = NULL;
}

static inline struct chunk_ledger *ledger_of(struct kunit *test)
{
	return test->priv;
}

/*
 * A chunk at l->misalign past a page boundary, in memory of the ledger's
 * own.  A standby the heap holds goes back as wsheap_cache_drop_standby()
 * sends it, since wsheap's allocator, which would take it, is not called.
 */
static inline void *ledger_misaligned_alloc(struct chunk_ledger *l,
					    size_t bytes, gfp_t gfp, int node,
					    struct wsheap_chunk **standby,
					    void **base)
{
	struct wsheap_chunk *kept = standby ? *standby : NULL;

	if (kept) {
		*standby = NULL;
		__wsheap_chunk_mem_free(kept, gfp, NULL);
	}
	if (bytes > SIZE_MAX - 2 * PAGE_SIZE)
		return NULL;
	*base = kvmalloc_node(bytes + 2 * PAGE_SIZE, gfp, node);
	if (!*base)
		return NULL;
	return PTR_ALIGN((char *)*base, PAGE_SIZE) + l->misalign;
}

static inline void *ledger_chunk_mem_alloc(size_t bytes, gfp_t gfp, int node,
					   struct wsheap_chunk **standby)
{
	struct kunit *test = kunit_get_current_test();
	struct chunk_ledger *l = ledger_of(test);
	void *mem, *base = NULL;

	l->attempts++;
	l->gfp_seen |= gfp;
	ledger_reenter(l, false);
	if (l->fail_from && l->attempts >= l->fail_from)
		return NULL;
	if (l->misalign)
		mem = ledger_misaligned_alloc(l, bytes, gfp, node, standby,
					      &base);
	else
		mem = __wsheap_chunk_mem_alloc(bytes, gfp, node, standby);
	if (!mem)
		return NULL;
	if (l->nr_live == LEDGER_MAX_CHUNKS) {
		KUNIT_FAIL(test, "ledger full: more than %d live chunks",
			   LEDGER_MAX_CHUNKS);
		kvfree(base ?: mem);
		return NULL;
	}
	if (is_vmalloc_addr(mem)) {
		l->vmalloc_chunks++;
	} else if (!base) {
		/*
		 * Only chunks of up to 16 KiB may come from the slab, but for
		 * an atomic heap's and a placed heap's (kvmalloc_node()).
		 */
		if (!wsheap_gfp_is_atomic(gfp) && node == NUMA_NO_NODE)
			KUNIT_EXPECT_LE(test, bytes, 16 * KiB);
		l->slab_chunks++;
		/* ACTUAL_SIZE counts all the slab gives: nothing is hidden. */
		KUNIT_EXPECT_EQ(test, kmalloc_size_roundup(bytes), bytes);
	} else {
		l->slab_chunks++;
	}
	l->live[l->nr_live].mem = mem;
	l->live[l->nr_live].bytes = bytes;
	l->live[l->nr_live].base = base;
	l->nr_live++;
	if (l->allocs < LEDGER_MAX_CHUNKS) {
		l->sizes[l->allocs] = bytes;
		l->nodes[l->allocs] = node;
		l->gfps[l->allocs] = gfp;
	}
	l->allocs++;
	l->live_bytes += bytes;
	return mem;
}

static inline void ledger_chunk_mem_free(void *mem, gfp_t gfp,
					 struct wsheap_chunk **standby)
{
	struct kunit *test = kunit_get_current_test();
	struct chunk_ledger *l = ledger_of(test);
	unsigned int i;

	ledger_reenter(l, true);
	for (i = 0; i < l->nr_live; i++) {
		void *base = l->live[i].base;

		if (l->live[i].mem != mem)
			continue;
		l->live_bytes -= l->live[i].bytes;
		l->live[i] = l->live[--l->nr_live];
		l->frees++;
		if (base)
			kvfree(base);
		else
			__wsheap_chunk_mem_free(mem, gfp, standby);
		return;
	}
	KUNIT_FAIL(test, "free of %p, which is no live chunk", mem);
}

static inline struct wsheap *failing_object_alloc(size_t size, gfp_t gfp)
{
	return NULL;
}

/* A heap object allocated as wsheap does, its flags recorded. */
static inline struct wsheap *recording_object_alloc(size_t size, gfp_t gfp)
{
	ledger_of(kunit_get_current_test())->object_gfp = gfp;
	return kzalloc(size, gfp);
}

static inline int wsheap_test_init(struct kunit *test)
{
	test->priv = kunit_kzalloc(test, sizeof(struct chunk_ledger),
				   GFP_KERNEL);
	if (!test->priv)
		return -ENOMEM;
	kunit_activate_static_stub(test, wsheap_chunk_mem_alloc,
				   ledger_chunk_mem_alloc);
	kunit_activate_static_stub(test, wsheap_chunk_mem_free,
				   ledger_chunk_mem_free);
	return 0;
}

/*
 * The live chunk that holds @p past its header (its end included, where
 * a zero-byte block may lie), or NULL.
 */
static inline struct ledger_chunk *ledger_chunk_of(struct chunk_ledger *l,
						   const void *p)
{
	unsigned int i;

	for (i = 0; i < l->nr_live; i++) {
		const char *start = l->live[i].mem;
		const char *end = start + l->live[i].bytes;

		if ((const char *)p > start && (const char *)p <= end)
			return &l->live[i];
	}
	return NULL;
}

/* Is [p, p + size) inside one live chunk, past its header? */
static inline bool ledger_owns(struct chunk_ledger *l, const void *p,
			       size_t size)
{
	struct ledger_chunk *c = ledger_chunk_of(l, p);

	return c && size <= (size_t)((char *)c->mem + c->bytes -
				     (const char *)p);
}

/* wsheap_vasprintf(), for a format and its arguments */
static inline __printf(4, 5) int call_vasprintf(struct wsheap *heap,
						char **str,
						struct wsheap_error *error,
						const char *fmt, ...)
{
	va_list args;
	int ret;

	va_start(args, fmt);
	ret = wsheap_vasprintf(heap, str, error, fmt, args);
	va_end(args);
	return ret;
}

static inline void free_heap_action(void *heap)
{
	wsheap_free(heap);
}

/* A heap that is freed when the case ends, however it ends. */
static inline struct wsheap *new_heap_with(struct kunit *test, size_t max_size,
					   size_t trim_size,
					   const struct wsheap_property *props,
					   unsigned int prop_count)
{
	struct wsheap *heap = NULL;

	KUNIT_ASSERT_EQ(test, wsheap_create(max_size, trim_size, props,
					    prop_count, &heap, NULL), 0);
	KUNIT_ASSERT_NOT_NULL(test, heap);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, free_heap_action,
							heap), 0);
	return heap;
}

static inline struct wsheap *new_heap(struct kunit *test, size_t max_size,
				      size_t trim_size)
{
	return new_heap_with(test, max_size, trim_size, NULL, 0);
}

static inline void release_heap(struct kunit *test, struct wsheap *heap)
{
	kunit_release_action(test, free_heap_action, heap);
}

static inline size_t prop(struct kunit *test, struct wsheap *heap,
			  enum wsheap_property_id id)
{
	size_t value = 0;

	KUNIT_ASSERT_EQ(test, wsheap_get_property(heap, id, &value,
						  sizeof(value), NULL), 0);
	return value;
}

static inline size_t requested(struct kunit *test, struct wsheap *heap)
{
	return prop(test, heap, WSHEAP_PROPERTY_REQUESTED_SIZE);
}

static inline size_t actual(struct kunit *test, struct wsheap *heap)
{
	return prop(test, heap, WSHEAP_PROPERTY_ACTUAL_SIZE);
}

static inline void *alloc_ok(struct kunit *test, struct wsheap *heap,
			     size_t size)
{
	void *p = NULL;

	KUNIT_ASSERT_EQ(test, wsheap_alloc(heap, size, &p, NULL), 0);
	KUNIT_ASSERT_NOT_NULL(test, p);
	return p;
}

/* ACTUAL_SIZE must be exactly the chunk memory the ledger saw handed out. */
static inline void expect_actual_is_ledger(struct kunit *test,
					   struct wsheap *heap)
{
	KUNIT_EXPECT_EQ(test, actual(test, heap), ledger_of(test)->live_bytes);
}

/*
 * Where the block after one of @size bytes starts: blocks follow each
 * other at the alignment, plus the redzone that KASAN builds put between.
 */
static inline size_t step(size_t size)
{
	return ALIGN(size, 8) + WSHEAP_REDZONE;
}

static inline u8 pattern_byte(unsigned int index)
{
	return (u8)(index * 31 + 7);
}

/* ---- objects remembered by where they are and what they hold ---- */

struct span {
	const u8 *start;
	size_t size;
	unsigned int index;
};

static inline int span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return 0;
}

/*
 * Every span lies inside a live chunk and no two overlap.  Zero-byte
 * spans carry no memory and are left out by the callers.
 */
static inline void expect_disjoint_owned_spans(struct kunit *test,
					       struct span *s, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		KUNIT_EXPECT_TRUE_MSG(test, ledger_owns(ledger_of(test),
							s[i].start, s[i].size),
				      "object %u is not inside a chunk",
				      s[i].index);
	sort(s, n, sizeof(*s), span_cmp, NULL);
	for (i = 1; i < n; i++)
		KUNIT_EXPECT_TRUE_MSG(test,
				      s[i - 1].start + s[i - 1].size <= s[i].start,
				      "objects %u and %u overlap",
				      s[i - 1].index, s[i].index);
}

/* Sizes of one round of a replayable workload, oversize objects included. */
static inline size_t round_size(struct rnd_state *rnd)
{
	u32 r = prandom_u32_state(rnd);

	return r % 50 ? r % 300 : 30 * KiB + r % (100 * KiB);
}

static inline void replay_round(struct kunit *test, struct wsheap *heap,
				u32 seed, unsigned int n)
{
	struct rnd_state rnd;
	unsigned int i;

	prandom_seed_state(&rnd, seed);
	for (i = 0; i < n; i++) {
		size_t size = round_size(&rnd);
		u8 *p = alloc_ok(test, heap, size);

		memset(p, pattern_byte(i), size);
	}
}

/* ---- helper calls that must succeed ---- */

static inline void *aligned_ok(struct kunit *test, struct wsheap *heap,
			       size_t size, size_t align)
{
	void *p = NULL;

	KUNIT_ASSERT_EQ_MSG(test, wsheap_alloc_aligned(heap, size, align, &p,
						       NULL), 0,
			    "size %zu align %zu", size, align);
	KUNIT_ASSERT_NOT_NULL(test, p);
	return p;
}

static inline void *realloc_ok(struct kunit *test, struct wsheap *heap,
			       void *old, size_t old_size, size_t new_size)
{
	void *p = NULL;

	KUNIT_ASSERT_EQ_MSG(test, wsheap_realloc(heap, old, old_size, new_size,
						 &p, NULL), 0,
			    "%zu -> %zu", old_size, new_size);
	KUNIT_ASSERT_NOT_NULL(test, p);
	return p;
}

static inline void mark_ok(struct kunit *test, struct wsheap *heap,
			   struct wsheap_mark *mark)
{
	KUNIT_ASSERT_EQ(test, wsheap_mark(heap, mark, NULL), 0);
}

static inline void rollback_ok(struct kunit *test, struct wsheap *heap,
			       const struct wsheap_mark *mark)
{
	KUNIT_ASSERT_EQ(test, wsheap_rollback(heap, mark, NULL), 0);
}

/* ---- wsheap_kinds and wsheap_concurrent: the heaps properties make ---- */

/*
 * test->priv of the wsheap_kinds and wsheap_concurrent suites (kind_init()
 * is their .init): what the stubs saw and whether they fail.  The chunk
 * ledger comes first, for the cases that turn it on (kind_ledger() of
 * wsheap_kinds): ledger_of() takes test->priv for it.
 */
struct kind_state {
	struct chunk_ledger ledger;
	bool fail_chunks;
	unsigned int chunk_attempts;
	int slab_node;			/* node of the last slab call */
	unsigned int slab_calls;
	gfp_t slab_gfp_seen;		/* every flag a slab call passed */
	size_t object_size;		/* of the last heap object */
	unsigned int hook_calls;	/* of a case's stub inside a call */
	size_t hook_size;
	void *hook_block;
	int hook_ret;
	bool hook_took;
};

static inline struct kind_state *kind_of(struct kunit *test)
{
	return test->priv;
}

static inline void *failable_chunk_mem_alloc(size_t bytes, gfp_t gfp, int node,
					     struct wsheap_chunk **standby)
{
	struct kind_state *st = kind_of(kunit_get_current_test());

	st->chunk_attempts++;
	if (st->fail_chunks)
		return NULL;
	return __wsheap_chunk_mem_alloc(bytes, gfp, node, standby);
}

static inline int kind_init(struct kunit *test)
{
	BUILD_BUG_ON(offsetof(struct kind_state, ledger) != 0);
	test->priv = kunit_kzalloc(test, sizeof(struct kind_state), GFP_KERNEL);
	if (!test->priv)
		return -ENOMEM;
	kunit_activate_static_stub(test, wsheap_chunk_mem_alloc,
				   failable_chunk_mem_alloc);
	return 0;
}

static inline struct wsheap_property kind_gfp(const gfp_t *gfp)
{
	return (struct wsheap_property){ WSHEAP_PROPERTY_GFP, gfp,
					 sizeof(*gfp) };
}

static inline size_t kind_size(struct kunit *test, struct wsheap *heap,
			       enum wsheap_property_id id)
{
	size_t value = 0;

	KUNIT_EXPECT_EQ(test, wsheap_get_property(heap, id, &value,
						  sizeof(value), NULL), 0);
	return value;
}

/*
 * The interrupt of these cases is an hrtimer standing in for a device's
 * interrupt handler, the context a driver's atomic heap meets.
 * PREEMPT_RT runs such handlers in threads and lets no slab call run in
 * hard interrupt context, so there the timer is a soft one.  Elsewhere it
 * is a hard one, and its callback tells lockdep what a device handler's
 * context is (kind_irq_handler_enter()).
 */
#define KIND_TIMER_MODE		(IS_ENABLED(CONFIG_PREEMPT_RT) ? \
				 HRTIMER_MODE_REL_SOFT : HRTIMER_MODE_REL_HARD)
#define KIND_TIMER_MODE_PINNED	(IS_ENABLED(CONFIG_PREEMPT_RT) ? \
				 HRTIMER_MODE_REL_PINNED_SOFT : \
				 HRTIMER_MODE_REL_PINNED_HARD)

/*
 * A hard hrtimer's callback is a context RT never threads, where lockdep
 * (PROVE_RAW_LOCK_NESTING) allows no spinlock_t, hence no slab call;
 * a device's handler is one forced threading may run in a thread, which
 * lockdep is told so, as the interrupt core tells it for a handler.
 */
static inline void kind_irq_handler_enter(void)
{
	lockdep_hardirq_threaded();
}

static inline void kind_expect_refused(struct kunit *test,
				       const struct wsheap_property *p,
				       unsigned int n, const char *what)
{
	struct wsheap *sentinel = (struct wsheap *)0x5a5a5a50UL;
	struct wsheap *heap = sentinel;
	struct wsheap_error err = {};

	KUNIT_EXPECT_EQ_MSG(test, wsheap_create(KiB, 0, p, n, &heap, &err),
			    -EINVAL, "%s", what);
	KUNIT_EXPECT_PTR_EQ_MSG(test, heap, sentinel, "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, err.code, -EINVAL, "%s", what);
	KUNIT_EXPECT_NOT_NULL_MSG(test, err.msg, "%s", what);
}

/* A block and the byte it is filled with. */
struct kind_block {
	u8 *p;
	u16 size;
	u8 fill;
};

/* Fill with one byte, then check it is still there: no block overlaps. */
static inline bool kind_block_carve(struct wsheap *heap, struct kind_block *b,
				    size_t size, u8 fill)
{
	void *p;

	if (wsheap_alloc(heap, size, &p, NULL))
		return false;
	b->p = p;
	b->size = size;
	b->fill = fill;
	memset(p, fill, size);
	return true;
}

static inline bool kind_block_intact(const struct kind_block *b)
{
	return !memchr_inv(b->p, b->fill, b->size);
}

#endif /* _WSHEAP_KUNIT_H */
