// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite wsheap_reliability: failure injection and a randomised
 * model.
 *
 * Every chunk allocation of a growing heap, made to fail in turn in
 * wsheap_alloc and in each helper that allocates, must leave the heap as
 * it was, on every kind of heap the properties make (atomic, with a
 * reserve, placed, concurrent).  A random mix of every call, on heaps of
 * every kind, is checked against a model of what the heap must hold; the
 * module parameter model_ops sets its length
 * (wsheap_reliability_kunit.model_ops= on the command line of a kernel
 * with the suite built in).
 *
 * The chunk ledger every case runs with, and the helpers the suites share,
 * are in wsheap_kunit.h.
 */
#include <linux/module.h>
#include <linux/shrinker.h>

#include "wsheap_kunit.h"

/* ---- reliability: failure injection and a randomised model ---- */

#define MAX_SPANS	4096

/* A kind of heap, as the properties make it. */
struct heap_kind {
	const char *name;
	gfp_t gfp;		/* 0: the default, GFP_KERNEL */
	size_t reserve;
	bool concurrent;
	bool placed;		/* on first_online_node */
};

static const struct heap_kind heap_kinds[] = {
	{ .name = "plain" },
	{ .name = "atomic", .gfp = GFP_ATOMIC },
	{ .name = "concurrent", .concurrent = true },
	{ .name = "reserve", .reserve = 8 * KiB },
	{ .name = "placed", .placed = true },
	{ .name = "nofs-reserve", .gfp = GFP_NOFS, .reserve = 40 * KiB },
	{ .name = "nowait-concurrent-reserve-placed", .gfp = GFP_NOWAIT,
	  .reserve = 3 * KiB, .concurrent = true, .placed = true },
};

static void heap_kind_desc(const struct heap_kind *k, char *desc)
{
	strscpy(desc, k->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(heap_kind, heap_kinds, heap_kind_desc);

static struct wsheap *kind_heap(struct kunit *test, const struct heap_kind *k,
				size_t max_size, size_t trim_size)
{
	struct wsheap_property props[4];
	unsigned int n = 0;
	int node = first_online_node;
	bool yes = true;

	if (k->gfp)
		props[n++] = (struct wsheap_property){ WSHEAP_PROPERTY_GFP,
						       &k->gfp, sizeof(k->gfp) };
	if (k->reserve)
		props[n++] = (struct wsheap_property){ WSHEAP_PROPERTY_RESERVE,
						       &k->reserve,
						       sizeof(k->reserve) };
	if (k->concurrent)
		props[n++] = (struct wsheap_property){
			WSHEAP_PROPERTY_CONCURRENT, &yes, sizeof(yes) };
	if (k->placed)
		props[n++] = (struct wsheap_property){
			WSHEAP_PROPERTY_NUMA_NODE, &node, sizeof(node) };
	return new_heap_with(test, max_size, trim_size, props, n);
}

/* The heap reads back the kind it was made. */
static void expect_kind(struct kunit *test, struct wsheap *heap,
			const struct heap_kind *k)
{
	gfp_t gfp = 0;
	int node = 0;
	bool concurrent = !k->concurrent;

	KUNIT_ASSERT_EQ(test, wsheap_get_property(heap, WSHEAP_PROPERTY_GFP,
						  &gfp, sizeof(gfp), NULL), 0);
	KUNIT_ASSERT_TRUE(test, gfp == (k->gfp ?: GFP_KERNEL));
	KUNIT_ASSERT_EQ(test, prop(test, heap, WSHEAP_PROPERTY_RESERVE),
			k->reserve);
	KUNIT_ASSERT_GE(test, actual(test, heap), k->reserve);
	KUNIT_ASSERT_EQ(test, wsheap_get_property(heap,
						  WSHEAP_PROPERTY_CONCURRENT,
						  &concurrent,
						  sizeof(concurrent), NULL), 0);
	KUNIT_ASSERT_EQ(test, concurrent, k->concurrent);
	KUNIT_ASSERT_EQ(test, wsheap_get_property(heap,
						  WSHEAP_PROPERTY_NUMA_NODE,
						  &node, sizeof(node), NULL), 0);
	KUNIT_ASSERT_EQ(test, node, k->placed ? first_online_node :
			NUMA_NO_NODE);
}

static bool kind_is_atomic(const struct heap_kind *k)
{
	return k->gfp && wsheap_gfp_is_atomic(k->gfp);
}

/*
 * Both kinds of chunk were met: an atomic heap never grows through
 * vmalloc(); any other does, once its chunks pass 16 KiB, unless it is
 * placed (kvmalloc_node() may then find them in the slab).
 */
static void expect_chunk_kinds(struct kunit *test, const struct heap_kind *k)
{
	struct chunk_ledger *l = ledger_of(test);

	/* a reserve stands in for the small first chunks */
	if (!k->reserve || kind_is_atomic(k))
		KUNIT_EXPECT_GT(test, l->slab_chunks, 0);
	if (kind_is_atomic(k))
		KUNIT_EXPECT_EQ(test, l->vmalloc_chunks, 0);
	else if (!k->placed)
		KUNIT_EXPECT_GT(test, l->vmalloc_chunks, 0);
}

/* Fill an object with its pattern and remember it. */
static void track(struct span *s, unsigned int *n, void *p, size_t size,
		  unsigned int index)
{
	memset(p, pattern_byte(index), size);
	if (size && *n < MAX_SPANS)
		s[(*n)++] = (struct span){ .start = p, .size = size,
					   .index = index };
}

static void expect_spans_intact(struct kunit *test, const struct span *s,
				unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		KUNIT_ASSERT_NULL_MSG(test, memchr_inv(s[i].start,
						       pattern_byte(s[i].index),
						       s[i].size),
				      "object %u was overwritten", s[i].index);
}

/*
 * Fail the 1st, 2nd, ... chunk allocation of a growing heap, one at a time,
 * until the workload no longer reaches the failing one.  Each failure must
 * leave the heap exactly as it was, and the heap must go on working.
 */
static void every_chunk_failure_is_clean(struct kunit *test)
{
	const struct heap_kind *k = test->param_value;
	struct chunk_ledger *l = ledger_of(test);
	void *sentinel = (void *)0x5a5a5a50UL;
	struct span *s;
	unsigned int n, i, used;
	bool failed = true;

	s = kunit_kmalloc_array(test, MAX_SPANS, sizeof(*s), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);

	for (n = 1; failed; n++) {
		struct wsheap *heap = kind_heap(test, k, 64 * MiB, 0);
		struct rnd_state rnd;

		expect_kind(test, heap, k);
		prandom_seed_state(&rnd, 1234);
		l->attempts = 0;
		l->fail_from = n;
		failed = false;
		used = 0;
		for (i = 0; i < 3000 && !failed; i++) {
			size_t size = round_size(&rnd);
			size_t req = requested(test, heap);
			size_t held = actual(test, heap);
			void *p = sentinel;
			int ret = wsheap_alloc(heap, size, &p, NULL);

			if (!ret) {
				track(s, &used, p, size, i);
				continue;
			}
			failed = true;
			KUNIT_ASSERT_EQ(test, ret, -ENOMEM);
			KUNIT_EXPECT_PTR_EQ(test, p, sentinel);
			KUNIT_EXPECT_EQ(test, requested(test, heap), req);
			KUNIT_EXPECT_EQ(test, actual(test, heap), held);
			expect_actual_is_ledger(test, heap);
			expect_spans_intact(test, s, used);

			l->fail_from = 0;
			track(s, &used, alloc_ok(test, heap, size), size, i);
			expect_spans_intact(test, s, used);
		}
		release_heap(test, heap);
		KUNIT_EXPECT_EQ(test, l->nr_live, 0);
		KUNIT_EXPECT_EQ(test, l->frees, l->allocs);
	}
	/* The workload must have grown through a good number of chunks. */
	KUNIT_EXPECT_GT(test, n, 10);
	expect_chunk_kinds(test, k);
}

#define MODEL_SEED	0x77736870U
#define MODEL_SENTINEL	((void *)0x5a5a5a50UL)
/*
 * Operations of the model test.  KMSAN runs it about 20 times slower: a
 * run there may pass a smaller wsheap_reliability_kunit.model_ops on the
 * kernel command line.
 */
static unsigned int model_ops = 1000000;
module_param(model_ops, uint, 0444);
MODULE_PARM_DESC(model_ops, "operations of the randomised model test");

#define MODEL_MARKS	4

/* A mark, and the model's state when it was taken. */
struct model_mark {
	struct wsheap_mark mark;
	unsigned int nr_spans;
	size_t requested;
};

struct model {
	struct wsheap *heap;
	const struct heap_kind *kind;
	size_t reserve_held;		/* ACTUAL_SIZE at create */
	unsigned long allocs, quota_errors, resets, heaps;
	unsigned long in_place, copies, rollbacks, stale_refused;
	size_t max_size;
	size_t trim_size;
	size_t requested;
	struct span *spans;
	unsigned int nr_spans;
	void *last;			/* block of the last allocating call */
	struct model_mark marks[MODEL_MARKS];
	unsigned int nr_marks;
	struct wsheap_mark stale;	/* of an earlier round or heap */
	bool have_stale;
};

static void model_new_heap(struct kunit *test, struct model *m,
			   struct rnd_state *rnd)
{
	static const size_t quotas[] = { 64 * KiB, MiB, 4 * MiB, 16 * MiB,
					SIZE_MAX };
	static const size_t trims[] = { 0, 16 * KiB, 256 * KiB, 2 * MiB,
					SIZE_MAX };

	if (m->heap)
		release_heap(test, m->heap);
	m->max_size = quotas[prandom_u32_state(rnd) % ARRAY_SIZE(quotas)];
	m->trim_size = trims[prandom_u32_state(rnd) % ARRAY_SIZE(trims)];
	/* every kind in turn */
	m->kind = &heap_kinds[m->heaps % ARRAY_SIZE(heap_kinds)];
	m->heap = kind_heap(test, m->kind, m->max_size, m->trim_size);
	m->reserve_held = actual(test, m->heap);
	m->requested = 0;
	m->nr_spans = 0;
	m->last = NULL;
	m->nr_marks = 0;
	m->heaps++;
}

/* 0 to several chunk sizes, mostly small, sometimes at the quota's edge. */
static size_t model_size(struct model *m, struct rnd_state *rnd)
{
	u32 r = prandom_u32_state(rnd), pick = r % 1000;
	size_t left = m->max_size - m->requested;

	if (pick < 900)
		return r % 257;
	if (pick < 990)
		return r % 4096;
	if (pick < 996)
		return r % (64 * KiB);
	if (pick < 997)
		return r % (256 * KiB);
	if (pick < 998)
		return left < MiB ? left : r % 300;
	if (pick < 999)
		return left < MiB ? left + 1 : r % 300;
	return SIZE_MAX - r % 16;
}

/*
 * Check the result of a call that asked for @size bytes against the
 * model, and count the block in.  False when no block came back.
 */
static bool model_expect_block(struct kunit *test, struct model *m, int ret,
			       void *p, size_t size, unsigned int op)
{
	if (size > m->max_size - m->requested) {
		KUNIT_ASSERT_EQ_MSG(test, ret, -EDQUOT, "op %u size %zu", op,
				    size);
		KUNIT_ASSERT_PTR_EQ(test, p, MODEL_SENTINEL);
		m->quota_errors++;
		return false;
	}
	/* Within the quota only sizes no vmalloc can hold may fail. */
	if (ret == -ENOMEM && size > SIZE_MAX / 4) {
		KUNIT_ASSERT_PTR_EQ(test, p, MODEL_SENTINEL);
		return false;
	}
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "op %u size %zu", op, size);
	/* 0 bytes too: an aligned pointer that is not NULL */
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_TRUE(test, IS_ALIGNED((unsigned long)p, 8));
	if (size)
		KUNIT_ASSERT_TRUE(test, ledger_owns(ledger_of(test), p, size));
	m->requested += size;
	m->allocs++;
	m->last = size ? p : NULL;
	return true;
}

static void model_track(struct model *m, void *p, size_t size,
			unsigned int op)
{
	if (size && m->nr_spans < MAX_SPANS)
		track(m->spans, &m->nr_spans, p, size, op);
}

static void model_alloc(struct kunit *test, struct model *m,
			struct rnd_state *rnd, unsigned int op)
{
	size_t size = model_size(m, rnd);
	void *p = MODEL_SENTINEL;
	int ret = wsheap_alloc(m->heap, size, &p, NULL);

	if (model_expect_block(test, m, ret, p, size, op))
		model_track(m, p, size, op);
}

static void model_zalloc(struct kunit *test, struct model *m,
			 struct rnd_state *rnd, unsigned int op)
{
	size_t size = model_size(m, rnd);
	void *p = MODEL_SENTINEL;
	int ret = wsheap_zalloc(m->heap, size, &p, NULL);

	if (!model_expect_block(test, m, ret, p, size, op))
		return;
	KUNIT_ASSERT_NULL_MSG(test, memchr_inv(p, 0, size), "op %u", op);
	model_track(m, p, size, op);
}

static void model_aligned(struct kunit *test, struct model *m,
			  struct rnd_state *rnd, unsigned int op)
{
	size_t align = min_t(size_t, 1UL << (prandom_u32_state(rnd) % 13),
			     PAGE_SIZE);
	size_t size = model_size(m, rnd) % (64 * KiB);
	void *p = MODEL_SENTINEL;
	int ret = wsheap_alloc_aligned(m->heap, size, align, &p, NULL);

	if (!model_expect_block(test, m, ret, p, size, op))
		return;
	KUNIT_ASSERT_TRUE_MSG(test, IS_ALIGNED((unsigned long)p,
					       max_t(size_t, align, 8)),
			      "op %u: %p for align %zu", op, p, align);
	model_track(m, p, size, op);
}

/*
 * Any live block, those before a mark included (a mark ends the in-place
 * window, so resizing them copies); mostly the newest.
 */
static struct span *model_pick_span(struct model *m, struct rnd_state *rnd)
{
	u32 r = prandom_u32_state(rnd);

	if (!m->nr_spans || !(r % 8))
		return NULL;
	/* Mostly the newest, which may be the last block. */
	if (r % 4)
		return &m->spans[m->nr_spans - 1];
	return &m->spans[r % m->nr_spans];
}

static void model_realloc(struct kunit *test, struct model *m,
			  struct rnd_state *rnd, unsigned int op)
{
	struct span *old = model_pick_span(m, rnd);
	size_t size = model_size(m, rnd) % (128 * KiB);
	size_t old_size = old ? old->size : 0;
	void *from = old ? (void *)old->start : NULL;
	bool is_last = from && from == m->last;
	size_t left = m->max_size - m->requested;
	void *p = MODEL_SENTINEL;
	int ret;

	ret = wsheap_realloc(m->heap, from, old_size, size, &p, NULL);
	if (ret) {
		/* In place needs the growth, a copy the whole size. */
		KUNIT_ASSERT_EQ_MSG(test, ret, -EDQUOT, "op %u", op);
		KUNIT_ASSERT_GT_MSG(test, size, left, "op %u", op);
		KUNIT_ASSERT_PTR_EQ(test, p, MODEL_SENTINEL);
		m->quota_errors++;
		return;
	}
	if (old)
		KUNIT_ASSERT_NULL_MSG(test,
				      memchr_inv(p, pattern_byte(old->index),
						 min(old_size, size)),
				      "op %u: contents not kept", op);
	if (from && p == from) {
		KUNIT_ASSERT_TRUE_MSG(test, is_last,
				      "op %u: resized a block in place that is not the last (%s heap)",
				      op, m->kind->name);
		m->requested = m->requested - old_size + size;
		m->in_place++;
		/* the last block is the newest span */
		m->nr_spans--;
		model_track(m, p, size, op);
		return;
	}
	KUNIT_ASSERT_TRUE(test, model_expect_block(test, m, 0, p, size, op));
	m->copies++;
	model_track(m, p, size, op);
}

static const char *const model_words[] = {
	"", "id", "temperature", "a-rather-longer-field-name-for-variety",
};

static void model_string(struct kunit *test, struct model *m,
			 struct rnd_state *rnd, unsigned int op)
{
	u32 r = prandom_u32_state(rnd);
	const char *word = model_words[r % ARRAY_SIZE(model_words)];
	char expect[64];
	char *s = MODEL_SENTINEL;
	size_t size;
	int ret;

	if (r & 0x100) {
		snprintf(expect, sizeof(expect), "%s", word);
		ret = wsheap_strdup(m->heap, word, &s, NULL);
	} else {
		snprintf(expect, sizeof(expect), "%s/%u", word, r >> 16);
		ret = wsheap_asprintf(m->heap, &s, NULL, "%s/%u", word,
				      r >> 16);
	}
	size = strlen(expect) + 1;
	if (!model_expect_block(test, m, ret, s, size, op))
		return;
	KUNIT_ASSERT_STREQ(test, s, expect);
	model_track(m, s, size, op);
}

static void model_mark(struct kunit *test, struct model *m)
{
	struct model_mark *mm;

	if (m->nr_marks == MODEL_MARKS)
		return;
	mm = &m->marks[m->nr_marks++];
	KUNIT_ASSERT_EQ(test, wsheap_mark(m->heap, &mm->mark, NULL), 0);
	mm->nr_spans = m->nr_spans;
	mm->requested = m->requested;
	/* no block from before the mark is resized in place after it */
	m->last = NULL;
}

/* To a random one of the live marks, or a stale one now and then. */
static void model_rollback(struct kunit *test, struct model *m,
			   struct rnd_state *rnd)
{
	u32 r = prandom_u32_state(rnd);
	struct model_mark *mm;

	if (m->have_stale && !(r % 16)) {
		KUNIT_ASSERT_EQ(test, wsheap_rollback(m->heap, &m->stale, NULL),
				-EINVAL);
		KUNIT_ASSERT_EQ(test, requested(test, m->heap), m->requested);
		m->stale_refused++;
		return;
	}
	if (!m->nr_marks)
		return;
	m->nr_marks -= r % m->nr_marks;
	mm = &m->marks[m->nr_marks - 1];
	expect_spans_intact(test, m->spans, m->nr_spans);
	KUNIT_ASSERT_EQ(test, wsheap_rollback(m->heap, &mm->mark, NULL), 0);
	m->nr_spans = mm->nr_spans;
	m->requested = mm->requested;
	m->last = NULL;
	m->rollbacks++;
	KUNIT_ASSERT_EQ(test, requested(test, m->heap), m->requested);
	expect_spans_intact(test, m->spans, m->nr_spans);
}

static void model_check_properties(struct kunit *test, struct model *m)
{
	KUNIT_ASSERT_EQ(test, prop(test, m->heap, WSHEAP_PROPERTY_MAX_SIZE),
			m->max_size);
	KUNIT_ASSERT_EQ(test, prop(test, m->heap, WSHEAP_PROPERTY_TRIM_SIZE),
			m->trim_size);
	KUNIT_ASSERT_EQ(test, requested(test, m->heap), m->requested);
	KUNIT_ASSERT_EQ(test, actual(test, m->heap),
			ledger_of(test)->live_bytes);
	KUNIT_ASSERT_GE(test, actual(test, m->heap), m->reserve_held);
	expect_kind(test, m->heap, m->kind);
}

static void model_reset(struct kunit *test, struct model *m)
{
	expect_spans_intact(test, m->spans, m->nr_spans);
	expect_disjoint_owned_spans(test, m->spans, m->nr_spans);
	if (m->nr_marks) {
		m->stale = m->marks[0].mark;
		m->have_stale = true;
	}
	KUNIT_ASSERT_EQ(test, wsheap_reset(m->heap, NULL), 0);
	m->requested = 0;
	m->nr_spans = 0;
	m->last = NULL;
	m->nr_marks = 0;
	m->resets++;
	KUNIT_ASSERT_LE(test, actual(test, m->heap),
			max(m->trim_size, m->reserve_held));
	model_check_properties(test, m);
}

static void random_operations_match_the_model(struct kunit *test)
{
	struct model m = {};
	struct rnd_state rnd;
	unsigned int op;

	kunit_info(test, "seed %#x, %u operations\n", MODEL_SEED, model_ops);
	prandom_seed_state(&rnd, MODEL_SEED);
	m.spans = kunit_kmalloc_array(test, MAX_SPANS, sizeof(*m.spans),
				      GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m.spans);
	model_new_heap(test, &m, &rnd);

	for (op = 0; op < model_ops; op++) {
		u32 pick = prandom_u32_state(&rnd) % 10000;

		if (pick < 6000)
			model_alloc(test, &m, &rnd, op);
		else if (pick < 6800)
			model_zalloc(test, &m, &rnd, op);
		else if (pick < 7400)
			model_aligned(test, &m, &rnd, op);
		else if (pick < 8200)
			model_realloc(test, &m, &rnd, op);
		else if (pick < 9000)
			model_string(test, &m, &rnd, op);
		else if (pick < 9300)
			model_mark(test, &m);
		else if (pick < 9600)
			model_rollback(test, &m, &rnd);
		else if (pick < 9950)
			model_check_properties(test, &m);
		else if (pick < 9998 && m.nr_spans < MAX_SPANS)
			model_reset(test, &m);
		else
			model_new_heap(test, &m, &rnd);
		if (m.nr_spans == MAX_SPANS)
			model_reset(test, &m);
		if (!(op % 4096))
			cond_resched();
	}
	model_reset(test, &m);
	kunit_info(test, "%lu allocations, %lu quota errors, %lu resets, %lu heaps\n",
		   m.allocs, m.quota_errors, m.resets, m.heaps);
	kunit_info(test, "%lu resized in place, %lu copied, %lu rollbacks, %lu stale marks refused\n",
		   m.in_place, m.copies, m.rollbacks, m.stale_refused);
	/*
	 * The mix must have reached every kind of operation: at least this
	 * many per million operations (a run of 10^6 makes 2-10 times more).
	 */
	KUNIT_EXPECT_GT(test, m.quota_errors, model_ops / 10000);
	KUNIT_EXPECT_GT(test, m.resets, model_ops / 1000);
	KUNIT_EXPECT_GT(test, m.heaps, model_ops / 10000);
	KUNIT_EXPECT_GE(test, m.heaps, ARRAY_SIZE(heap_kinds));
	KUNIT_EXPECT_GT(test, m.in_place, model_ops / 1000);
	KUNIT_EXPECT_GT(test, m.copies, model_ops / 1000);
	KUNIT_EXPECT_GT(test, m.rollbacks, model_ops / 1000);
	KUNIT_EXPECT_GT(test, m.stale_refused, model_ops / 10000);
}

/* ---- chunk failures in every call that allocates ---- */

enum helper_op { OP_ZALLOC, OP_ALIGNED, OP_REALLOC, OP_MEMDUP, OP_STRDUP,
		 OP_ASPRINTF, NR_HELPER_OPS };

#define HELPER_SRC_BYTES	(160 * KiB)	/* round_size() stays below */

/* The alignment OP_ALIGNED asks for a block of @size: 16 to 4096. */
static size_t helper_align(size_t size)
{
	return min_t(size_t, 16UL << (size % 9), PAGE_SIZE);
}

/* One helper call of about @size bytes; @last is the newest tracked block. */
static int helper_call(struct wsheap *heap, enum helper_op op, size_t size,
		       const u8 *src, const struct span *last, void **p)
{
	switch (op) {
	case OP_ZALLOC:
		return wsheap_zalloc(heap, size, p, NULL);
	case OP_ALIGNED:
		return wsheap_alloc_aligned(heap, size, helper_align(size), p,
					    NULL);
	case OP_REALLOC:
		return wsheap_realloc(heap, last ? (void *)last->start : NULL,
				      last ? last->size : 0, size, p, NULL);
	case OP_MEMDUP:
		return wsheap_memdup(heap, src, size, p, NULL);
	case OP_STRDUP:
		return wsheap_strdup(heap, src + HELPER_SRC_BYTES - 1 - size % 300,
				     (char **)p, NULL);
	default:
		return wsheap_asprintf(heap, (char **)p, NULL, "%zu:%s", size,
				       src + HELPER_SRC_BYTES - 1 - size % 300);
	}
}

/*
 * The bytes a successful helper_call() handed out hold what they must, where
 * they must: an aligned block at its alignment, wholly inside a chunk,
 * and writable to its last byte (track() fills it; the blocks around it
 * are checked after every failure and at the end).
 */
static size_t helper_check(struct kunit *test, enum helper_op op, size_t size,
			   const u8 *src, const struct span *last, const u8 *p)
{
	switch (op) {
	case OP_ZALLOC:
		KUNIT_EXPECT_NULL(test, memchr_inv(p, 0, size));
		return size;
	case OP_ALIGNED:
		KUNIT_EXPECT_TRUE_MSG(test, IS_ALIGNED((unsigned long)p,
						       helper_align(size)),
				      "%p for %zu bytes at %zu", p, size,
				      helper_align(size));
		if (size)
			KUNIT_ASSERT_TRUE_MSG(test,
					      ledger_owns(ledger_of(test), p,
							  size),
					      "%zu bytes at %zu are not inside a chunk",
					      size, helper_align(size));
		return size;
	case OP_REALLOC:
		if (last)
			KUNIT_EXPECT_NULL(test,
					  memchr_inv(p, pattern_byte(last->index),
						     min(size, last->size)));
		return size;
	case OP_MEMDUP:
		KUNIT_EXPECT_EQ(test, memcmp(p, src, size), 0);
		return size;
	default:
		KUNIT_EXPECT_NOT_NULL(test, strstr(p, src + HELPER_SRC_BYTES - 1 -
						   size % 300));
		return strlen(p) + 1;
	}
}

/*
 * Fail the 1st, 2nd, ... chunk allocation of a heap grown by the helpers
 * in turn.  A failed call leaves its output, the heap and every earlier
 * block (the one realloc was given included) as they were, and the same
 * call succeeds next.
 */
static void every_helper_chunk_failure_is_clean(struct kunit *test)
{
	const struct heap_kind *k = test->param_value;
	struct chunk_ledger *l = ledger_of(test);
	void *sentinel = (void *)0x5a5a5a50UL;
	unsigned int n, i, used, failures = 0;
	struct span *s;
	bool failed = true;
	u8 *src;

	s = kunit_kmalloc_array(test, MAX_SPANS, sizeof(*s), GFP_KERNEL);
	src = kunit_kmalloc(test, HELPER_SRC_BYTES, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_NOT_NULL(test, src);
	for (i = 0; i < HELPER_SRC_BYTES - 1; i++)
		src[i] = 'a' + i % 26;
	src[HELPER_SRC_BYTES - 1] = '\0';

	for (n = 1; failed; n++) {
		struct wsheap *heap = kind_heap(test, k, 64 * MiB, 0);
		struct rnd_state rnd;

		prandom_seed_state(&rnd, 4321);
		l->attempts = 0;
		l->fail_from = n;
		failed = false;
		used = 0;
		for (i = 0; i < 2000 && !failed; i++) {
			enum helper_op op = i % NR_HELPER_OPS;
			size_t size = round_size(&rnd);
			size_t req = requested(test, heap);
			size_t held = actual(test, heap);
			struct span *last = used ? &s[used - 1] : NULL;
			void *p = sentinel;
			int ret;

			ret = helper_call(heap, op, size, src, last, &p);
			if (ret) {
				failed = true;
				failures++;
				KUNIT_ASSERT_EQ_MSG(test, ret, -ENOMEM,
						    "op %d", op);
				KUNIT_EXPECT_PTR_EQ(test, p, sentinel);
				KUNIT_EXPECT_EQ(test, requested(test, heap),
						req);
				KUNIT_EXPECT_EQ(test, actual(test, heap), held);
				expect_actual_is_ledger(test, heap);
				expect_spans_intact(test, s, used);
				l->fail_from = 0;
				ret = helper_call(heap, op, size, src, last, &p);
				KUNIT_ASSERT_EQ_MSG(test, ret, 0, "op %d", op);
			}
			size = helper_check(test, op, size, src, last, p);
			/* Resized in place: the old block is this one now. */
			if (last && p == last->start)
				used--;
			track(s, &used, p, size, i);
		}
		/* every block still holds its fill, apart from the others */
		expect_spans_intact(test, s, used);
		expect_disjoint_owned_spans(test, s, used);
		release_heap(test, heap);
		KUNIT_EXPECT_EQ(test, l->nr_live, 0);
		KUNIT_EXPECT_EQ(test, l->frees, l->allocs);
	}
	KUNIT_EXPECT_GT(test, failures, 10);
	expect_chunk_kinds(test, k);
}

/* The bytes every CPU holds parked. */
static size_t parked_bytes(void)
{
	size_t bytes, total = 0;
	int cpu;

	for_each_possible_cpu(cpu) {
		wsheap_cache_parked(cpu, &bytes);
		total += bytes;
	}
	return total;
}

/*
 * Parked memory goes back under memory pressure: the shrinker's scan frees
 * every heap object, standby and chunk its count counted, on every CPU,
 * leaving nothing to count; the next heap is made from the slab again.
 * The heaps park an object, its standby (the 256-byte first chunk) and
 * chunks of two more classes.
 */
static void shrinker_scan_frees_what_it_counted(struct kunit *test)
{
	struct shrink_control sc = { .gfp_mask = GFP_KERNEL,
				     .nr_to_scan = 128 };
	unsigned long counted, freed;
	struct wsheap *heap;
	unsigned int i;
	size_t before;

	for (i = 0; i < 3; i++) {
		heap = new_heap(test, MiB, 0);
		alloc_ok(test, heap, 100);
		alloc_ok(test, heap, 1000);
		alloc_ok(test, heap, 5000);
		release_heap(test, heap);
	}
	counted = wsheap_cache_count(NULL, &sc);
	before = parked_bytes();
	KUNIT_EXPECT_GE(test, counted, 4);
	KUNIT_EXPECT_NE(test, counted, SHRINK_EMPTY);
	KUNIT_EXPECT_GE(test, before, 256 + 2 * KiB + 8 * KiB);

	freed = wsheap_cache_scan(NULL, &sc);
	kunit_info(test, "%lu parked objects and chunks (%zu bytes), %lu freed\n",
		   counted, before, freed);
	KUNIT_EXPECT_EQ(test, freed, counted);
	KUNIT_EXPECT_EQ(test, wsheap_cache_count(NULL, &sc), SHRINK_EMPTY);
	KUNIT_EXPECT_EQ(test, parked_bytes(), 0);

	heap = new_heap(test, MiB, 0);
	memset(alloc_ok(test, heap, 100), 0x5a, 100);
	KUNIT_EXPECT_EQ(test, requested(test, heap), 100);
}

static struct kunit_case wsheap_reliability_cases[] = {
	KUNIT_CASE_PARAM(every_chunk_failure_is_clean, heap_kind_gen_params),
	KUNIT_CASE_PARAM(every_helper_chunk_failure_is_clean,
			 heap_kind_gen_params),
	KUNIT_CASE_SLOW(random_operations_match_the_model),
	KUNIT_CASE(shrinker_scan_frees_what_it_counted),
	{}
};

static struct kunit_suite wsheap_reliability_suite = {
	.name = "wsheap_reliability",
	.init = wsheap_test_init,
	.test_cases = wsheap_reliability_cases,
};

kunit_test_suite(wsheap_reliability_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit suite for wsheap under failures and random use");
MODULE_AUTHOR("The wsheap developers");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
