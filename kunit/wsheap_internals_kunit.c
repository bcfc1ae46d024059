// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite wsheap_internals: what wsheap.h does not promise but the
 * implementation relies on.
 *
 * The growth policy and where chunks come from (slab, then vmalloc), the
 * per-CPU parking of short-lived heaps, the size of the heap object, and
 * what the optional parts keep (statistics, misuse checks) where they are
 * built.
 *
 * The chunk ledger every case runs with, and the helpers the suites share,
 * are in wsheap_kunit.h.
 */
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/string.h>

#include "wsheap_kunit.h"

/* ---- short-lived heaps: one chunk, no slab call ---- */

static void *counting_slab_alloc(size_t bytes, gfp_t gfp, int node)
{
	ledger_of(kunit_get_current_test())->slab_allocs++;
	return kmalloc_node(bytes, gfp, node);
}

/*
 * One heap's life: create, eight small objects of 8 to 22 bytes, free.
 * They take 144 bytes, 208 with KASAN's redzones: all within the 224
 * bytes the first chunk, a 256-byte slab object, has to carve.  Never
 * asserts.
 */
static void short_heap_life(struct kunit *test,
			    const struct wsheap_property *props,
			    unsigned int prop_count)
{
	struct wsheap *heap;
	unsigned int i;
	void *p;

	if (wsheap_create(KiB, 0, props, prop_count, &heap, NULL)) {
		KUNIT_FAIL(test, "create failed");
		return;
	}
	for (i = 0; i < 8; i++)
		KUNIT_EXPECT_EQ(test, wsheap_alloc(heap, 8 + 2 * i, &p, NULL), 0);
	wsheap_free(heap);
}

/*
 * A heap for one short job takes one chunk, its 256-byte first one, and
 * on a CPU that ran such a heap before, neither its object nor its chunk
 * is a slab call: both were parked there by the last free.  An ACCOUNT
 * heap's memory is never parked (its charge would follow it), so its
 * every life costs two.
 */
static void short_lived_heaps_cost_no_slab_call(struct kunit *test)
{
	bool account = true;
	struct wsheap_property charged = {
		WSHEAP_PROPERTY_ACCOUNT, &account, sizeof(account)
	};
	struct chunk_ledger *l = ledger_of(test);
	unsigned int i, chunks, slab, charged_slab;
	size_t last;

	kunit_activate_static_stub(test, wsheap_slab_alloc,
				   counting_slab_alloc);
	migrate_disable();
	short_heap_life(test, NULL, 0);
	chunks = l->allocs;
	l->slab_allocs = 0;
	for (i = 0; i < 10; i++)
		short_heap_life(test, NULL, 0);
	chunks = l->allocs - chunks;
	last = l->sizes[l->allocs - 1];
	slab = l->slab_allocs;
	l->slab_allocs = 0;
	for (i = 0; i < 10; i++)
		short_heap_life(test, &charged, 1);
	charged_slab = l->slab_allocs;
	migrate_enable();

	KUNIT_EXPECT_EQ(test, chunks, 10);
	KUNIT_EXPECT_EQ(test, last, 256);
	KUNIT_EXPECT_EQ(test, slab, 0);
	KUNIT_EXPECT_EQ(test, charged_slab, 20);
	KUNIT_EXPECT_EQ(test, l->nr_live, 0);
}

/*
 * One heap's life: a 1 KiB heap filled to its quota with 100-byte
 * blocks, then free.  Never asserts.  It grows as every heap does: a
 * 256-byte first chunk, then 512 bytes, and a last 512 bytes that the
 * quota left caps (with or without KASAN).
 */
static void full_heap_life(struct kunit *test)
{
	struct wsheap *heap;
	void *p;

	if (wsheap_create(KiB, 0, NULL, 0, &heap, NULL)) {
		KUNIT_FAIL(test, "create failed");
		return;
	}
	while (!wsheap_alloc(heap, 100, &p, NULL))
		;
	wsheap_free(heap);
}

/*
 * A heap filled to its quota spans several chunks, not only its first:
 * on a CPU that ran such a heap before, its next life takes them back
 * from what the last free parked there (the first as the object's
 * standby, the others from the slots), all but one: the heap starts small
 * and doubles (256, 512, then 512 that the quota caps), and a slot holds
 * one chunk per class, so one 512-byte chunk is a slab call.  Two
 * slots per class would save that call at the cost of twice the memory
 * each CPU may hold parked.
 */
static void full_short_lived_heaps_cost_one_slab_call(struct kunit *test)
{
	struct chunk_ledger *l = ledger_of(test);
	unsigned int i, chunks, first_life;

	kunit_activate_static_stub(test, wsheap_slab_alloc,
				   counting_slab_alloc);
	migrate_disable();
	full_heap_life(test);
	first_life = l->allocs;
	l->slab_allocs = 0;
	for (i = 0; i < 10; i++)
		full_heap_life(test);
	chunks = l->allocs - first_life;
	migrate_enable();

	/* the premise: more chunks than the first (256, 512, 512) */
	KUNIT_EXPECT_GT(test, first_life, 2);
	KUNIT_EXPECT_EQ(test, chunks, 10 * first_life);
	KUNIT_EXPECT_EQ(test, l->slab_allocs, 10);
	KUNIT_EXPECT_EQ(test, l->nr_live, 0);
}

/*
 * A heap object parked by a free is reused as it is, not cleared: the
 * heap created in it next starts from nothing all the same, whatever the
 * heap before it did (a name, a reserve, a stray chunk, a mark, refusals).
 */
static void heap_in_a_parked_object_starts_new(struct kunit *test)
{
	size_t reserve = 4 * KiB;
	struct wsheap_property p[] = {
		{ WSHEAP_PROPERTY_NAME, "wsheap-kunit-old", 17 },
		{ WSHEAP_PROPERTY_RESERVE, &reserve, sizeof(reserve) },
	};
	struct wsheap_chunk *stray;
	struct wsheap *old, *heap;
	struct wsheap_mark mark;
	char name[WSHEAP_NAME_MAX];
	void *first, *q;

	migrate_disable();
	KUNIT_ASSERT_EQ(test, wsheap_create(64 * KiB, 0, p, ARRAY_SIZE(p),
					    &old, NULL), 0);
	first = alloc_ok(test, old, 100) - WSHEAP_CHUNK_HDR;
	mark_ok(test, old, &mark);
	/* too large for the 16 KiB chunk's room, and leaves less in its own */
	alloc_ok(test, old, 16300);
	stray = old->stray;
	KUNIT_EXPECT_NOT_NULL(test, stray);
	KUNIT_EXPECT_EQ(test, wsheap_alloc(old, 60 * KiB, &q, NULL), -EDQUOT);
	wsheap_free(old);
	KUNIT_ASSERT_EQ(test, wsheap_create(KiB, 0, NULL, 0, &heap, NULL), 0);
	migrate_enable();

	KUNIT_EXPECT_PTR_EQ(test, heap, old);	/* the parked object */
	KUNIT_EXPECT_EQ(test, requested(test, heap), 0);
	KUNIT_EXPECT_EQ(test, actual(test, heap), 0);
	KUNIT_EXPECT_EQ(test, wsheap_get_property(heap, WSHEAP_PROPERTY_NAME,
						  name, sizeof(name), NULL), 0);
	KUNIT_EXPECT_STREQ(test, name, "");
	KUNIT_EXPECT_EQ(test, heap->reserve, 0);
	KUNIT_EXPECT_TRUE(test, list_empty(&heap->chunks));
	/*
	 * Its standby is the old heap's first chunk, the reserve's, unless
	 * that came from vmalloc(); never the old heap's stray.
	 */
	if (!is_vmalloc_addr(first))
		KUNIT_EXPECT_PTR_EQ(test, (void *)heap->standby, first);
	KUNIT_EXPECT_PTR_NE(test, heap->standby, stray);
	KUNIT_EXPECT_EQ(test, heap->carves, 0);
	KUNIT_EXPECT_EQ(test, heap->epoch, 0);
	KUNIT_EXPECT_EQ(test, wsheap_rollback(heap, &mark, NULL), -EINVAL);
#ifdef CONFIG_DEBUG_FS
	KUNIT_EXPECT_EQ(test, heap->stats.quota_refusals, 0);
	KUNIT_EXPECT_EQ(test, heap->stats.peak, 0);
	KUNIT_EXPECT_EQ(test, heap->stats.chunks, 0);
#endif
	wsheap_free(heap);
}

/*
 * Chunks of 192 and 256 bytes park in one slot, but a parked chunk goes
 * only to a heap that wants its exact size.
 */
static void parked_chunk_goes_only_to_its_size(struct kunit *test)
{
	struct chunk_ledger *l = ledger_of(test);
	struct wsheap *heap;
	void *small, *big;

	migrate_disable();
	KUNIT_ASSERT_EQ(test, wsheap_create(160, 0, NULL, 0, &heap, NULL), 0);
	small = alloc_ok(test, heap, 100);
	KUNIT_EXPECT_EQ(test, l->sizes[l->allocs - 1], 192);
	wsheap_free(heap);
	KUNIT_ASSERT_EQ(test, wsheap_create(256, 0, NULL, 0, &heap, NULL), 0);
	big = alloc_ok(test, heap, 200);
	KUNIT_EXPECT_EQ(test, l->sizes[l->allocs - 1], 256);
	memset(big, 0x5a, 200);
	wsheap_free(heap);
	migrate_enable();

	KUNIT_EXPECT_PTR_NE(test, big, small);
}

/*
 * A parked heap object keeps the first small chunk of its heap as its
 * standby, and the next heap created in it takes that as its own first
 * chunk, the same size: no slot is looked up, and the ledger still sees
 * one chunk allocation.  Until then the standby is none of the new heap's
 * chunks: ACTUAL_SIZE is 0.
 */
static void next_heap_in_an_object_takes_its_standby(struct kunit *test)
{
	struct chunk_ledger *l = ledger_of(test);
	struct wsheap *old, *heap;
	unsigned int allocs;
	void *first, *again;

	migrate_disable();
	KUNIT_ASSERT_EQ(test, wsheap_create(KiB, 0, NULL, 0, &old, NULL), 0);
	first = alloc_ok(test, old, 100);
	wsheap_free(old);
	allocs = l->allocs;
	KUNIT_ASSERT_EQ(test, wsheap_create(KiB, 0, NULL, 0, &heap, NULL), 0);
	KUNIT_EXPECT_PTR_EQ(test, heap, old);	/* the parked object */
	KUNIT_EXPECT_PTR_EQ(test, (void *)heap->standby,
			    first - WSHEAP_CHUNK_HDR);
	KUNIT_EXPECT_EQ(test, actual(test, heap), 0);
	again = alloc_ok(test, heap, 100);
	migrate_enable();

	KUNIT_EXPECT_PTR_EQ(test, again, first);
	KUNIT_EXPECT_EQ(test, l->allocs, allocs + 1);
	/* the first chunk of both heaps: the 256-byte slab object */
	KUNIT_EXPECT_EQ(test, l->sizes[l->allocs - 1], 256);
	KUNIT_EXPECT_EQ(test, actual(test, heap), 256);
	expect_actual_is_ledger(test, heap);
	wsheap_free(heap);
}

/*
 * A standby that is not the size of the new heap's first chunk goes to
 * the CPU's slot, where a heap of its size finds it with no slab call; so
 * does the standby of a placed heap, whose chunks come from its node.
 * A first request of 3000 bytes makes a 4 KiB first chunk; one of 100
 * bytes, the 256-byte one every heap starts with.
 */
static void other_first_chunks_send_the_standby_to_the_slots(struct kunit *test)
{
	int node = first_online_node;
	struct wsheap_property placed = {
		WSHEAP_PROPERTY_NUMA_NODE, &node, sizeof(node)
	};
	struct chunk_ledger *l = ledger_of(test);
	unsigned int placed_slab, slot_slab;
	struct wsheap *heap, *other, *small;
	void *first, *again, *p;

	kunit_activate_static_stub(test, wsheap_slab_alloc,
				   counting_slab_alloc);
	migrate_disable();
	/* 256 bytes, then 4 KiB: the 256-byte standby goes to its slot */
	KUNIT_ASSERT_EQ(test, wsheap_create(KiB, 0, NULL, 0, &heap, NULL), 0);
	first = alloc_ok(test, heap, 100);
	KUNIT_EXPECT_EQ(test, l->sizes[l->allocs - 1], 256);
	wsheap_free(heap);
	KUNIT_ASSERT_EQ(test, wsheap_create(4 * KiB, 0, NULL, 0, &heap, NULL),
			0);
	p = alloc_ok(test, heap, 3000);
	KUNIT_EXPECT_EQ(test, l->sizes[l->allocs - 1], 4 * KiB);
	wsheap_free(heap);
	/* a placed heap: its standby, 4 KiB too, goes to its slot */
	l->slab_allocs = 0;
	KUNIT_ASSERT_EQ(test, wsheap_create(4 * KiB, 0, &placed, 1, &heap,
					    NULL), 0);
	alloc_ok(test, heap, 3000);
	KUNIT_EXPECT_EQ(test, l->sizes[l->allocs - 1], 4 * KiB);
	placed_slab = l->slab_allocs;
	wsheap_free(heap);
	/*
	 * The parked object and its standby, then new objects and the slots:
	 * the 4 KiB standby the placed heap sent there, and the first 256
	 * bytes.
	 */
	l->slab_allocs = 0;
	KUNIT_ASSERT_EQ(test, wsheap_create(4 * KiB, 0, NULL, 0, &heap, NULL),
			0);
	KUNIT_ASSERT_EQ(test, wsheap_create(4 * KiB, 0, NULL, 0, &other, NULL),
			0);
	KUNIT_ASSERT_EQ(test, wsheap_create(KiB, 0, NULL, 0, &small, NULL), 0);
	alloc_ok(test, heap, 3000);
	alloc_ok(test, other, 3000);
	again = alloc_ok(test, small, 100);
	slot_slab = l->slab_allocs;
	wsheap_free(small);
	wsheap_free(other);
	wsheap_free(heap);
	migrate_enable();

	KUNIT_EXPECT_PTR_NE(test, p, first);
	KUNIT_EXPECT_EQ(test, placed_slab, 1);
	KUNIT_EXPECT_EQ(test, slot_slab, 2);	/* two new objects */
	KUNIT_EXPECT_PTR_EQ(test, again, first);
	KUNIT_EXPECT_EQ(test, l->nr_live, 0);
}

/*
 * A reset that releases every chunk leaves no standby behind: the field
 * that held the stray must not be read as one, or the next chunk would
 * be memory the heap gave back.
 */
static void reset_to_no_chunk_leaves_no_standby(struct kunit *test)
{
	struct wsheap *heap = new_heap(test, 64 * KiB, 0);
	struct chunk_ledger *l = ledger_of(test);

	alloc_ok(test, heap, 100);
	/* too large for the first chunk's room, and leaves less in its own */
	alloc_ok(test, heap, 16300);
	KUNIT_EXPECT_NOT_NULL(test, heap->stray);
	KUNIT_ASSERT_EQ(test, wsheap_reset(heap, NULL), 0);
	KUNIT_EXPECT_TRUE(test, list_empty(&heap->chunks));
	KUNIT_EXPECT_NULL(test, heap->standby);
	alloc_ok(test, heap, 100);
	KUNIT_EXPECT_EQ(test, l->nr_live, 1);
	expect_actual_is_ledger(test, heap);
}

/*
 * A heap whose trim equals its quota keeps what a round within the quota
 * made it allocate: eight 384-byte blocks in a 4 KiB heap take chunks of
 * 512, 1024 and 2048 bytes (with or without KASAN), each a slab object
 * with its header inside, 3.5 KiB together; a 4 KiB trim keeps them all,
 * and the rounds after the first allocate none.
 */
static void trim_equal_to_quota_keeps_its_chunks(struct kunit *test)
{
	static const size_t sizes[] = { 512, KiB, 2 * KiB };
	struct wsheap *heap = new_heap(test, 4 * KiB, 4 * KiB);
	struct chunk_ledger *l = ledger_of(test);
	unsigned int round, i;

	for (round = 0; round < 3; round++) {
		for (i = 0; i < 8; i++)
			alloc_ok(test, heap, 384);
		KUNIT_EXPECT_EQ(test, l->allocs, ARRAY_SIZE(sizes));
		KUNIT_EXPECT_EQ(test, actual(test, heap), 3584);
		KUNIT_ASSERT_EQ(test, wsheap_reset(heap, NULL), 0);
		KUNIT_EXPECT_EQ(test, l->frees, 0);
		KUNIT_EXPECT_EQ(test, actual(test, heap), 3584);
	}
	for (i = 0; i < ARRAY_SIZE(sizes) && i < l->allocs; i++)
		KUNIT_EXPECT_EQ_MSG(test, l->sizes[i], sizes[i], "chunk %u", i);
	/*
	 * A 192-byte quota: one 192-byte object, the quota's slab class with
	 * the header inside, not a 256-byte one for the header's sake; a
	 * 192-byte trim keeps it.
	 */
	heap = new_heap(test, 192, 192);
	alloc_ok(test, heap, 8);
	KUNIT_EXPECT_EQ(test, l->sizes[l->allocs - 1], 192);
	KUNIT_ASSERT_EQ(test, wsheap_reset(heap, NULL), 0);
	KUNIT_EXPECT_EQ(test, l->frees, 0);
	KUNIT_EXPECT_EQ(test, actual(test, heap), 192);
}

/*
 * A heap object is one kmalloc-192 object at most (without the debug
 * checks, which add a magic and a flag, and lockdep): a short-lived heap
 * pays for no larger slab class.
 */
static void heap_object_fits_kmalloc_192(struct kunit *test)
{
	if (IS_ENABLED(CONFIG_WSHEAP_DEBUG))
		kunit_skip(test, "the misuse checks add fields of their own");
	if (IS_ENABLED(CONFIG_DEBUG_LOCK_ALLOC))
		kunit_skip(test, "lockdep adds a map to the listing's seqcount");
	KUNIT_EXPECT_LE(test, kmalloc_size_roundup(sizeof(struct wsheap)),
			192);
}

/*
 * Slab chunks are asked for with the heap's plain flags; only the large,
 * vmalloc'd ones may give up early (__GFP_RETRY_MAYFAIL).
 */
static void only_large_chunks_may_give_up_early(struct kunit *test)
{
	struct chunk_ledger *l = ledger_of(test);
	struct wsheap *heap = new_heap(test, 64 * MiB, 0);

	/* gfp_t is a sparse bitwise type: compare, do not cast */
	KUNIT_EXPECT_TRUE(test, wsheap_chunk_gfp(64, GFP_KERNEL) == GFP_KERNEL);
	KUNIT_EXPECT_TRUE(test, wsheap_chunk_gfp(16 * KiB, GFP_KERNEL) ==
				GFP_KERNEL);
	KUNIT_EXPECT_TRUE(test, wsheap_chunk_gfp(16 * KiB + PAGE_SIZE,
						 GFP_KERNEL) ==
				(GFP_KERNEL | __GFP_RETRY_MAYFAIL));
	/* the heap's own flags never carry it */
	alloc_ok(test, heap, 100);
	alloc_ok(test, heap, 4 * MiB);
	KUNIT_EXPECT_EQ(test, l->allocs, 2);
	KUNIT_EXPECT_FALSE(test, l->gfp_seen & __GFP_RETRY_MAYFAIL);
}

/* A block of 1 to 64 bytes mostly, up to 512 often, up to 4 KiB rarely. */
static size_t small_heap_block(struct rnd_state *rnd)
{
	u32 r = prandom_u32_state(rnd);

	switch (r % 10) {
	case 0:
		return 513 + (r >> 8) % (4 * KiB - 512);
	case 1: case 2: case 3:
		return 65 + (r >> 8) % 448;
	default:
		return 1 + (r >> 8) % 64;
	}
}

/* What the random sequences showed: calls made, calls past the bound. */
struct growth_count {
	unsigned int calls;
	unsigned int over;
	size_t first_requested;		/* of the first call past it */
	size_t first_actual;
};

/* Random blocks on a new heap until one is refused or 16 KiB is out. */
static void growth_run_sequence(struct kunit *test, struct wsheap *heap,
				struct rnd_state *rnd, struct growth_count *c)
{
	size_t r, a;
	void *p;
	int ret;

	do {
		ret = wsheap_alloc(heap, small_heap_block(rnd), &p, NULL);
		r = requested(test, heap);
		a = actual(test, heap);
		c->calls++;
		if (r < 16 * KiB && a > (r << (WSHEAP_REDZONE ? 2 : 1)) + 512 &&
		    !c->over++) {
			c->first_requested = r;
			c->first_actual = a;
		}
	} while (!ret && r < 16 * KiB);
	KUNIT_EXPECT_TRUE(test, !ret || ret == -EDQUOT);
}

/*
 * While a heap has handed out less than 16 KiB, it holds at most twice
 * that plus 512 bytes (four times with KASAN, whose redzones double each
 * block), after every call: a heap of a few small blocks holds a few
 * hundred bytes.  Random blocks on heaps of every quota, process and
 * atomic; a refused block ends a heap's sequence.
 */
static void small_heaps_hold_at_most_twice_what_they_hand_out(struct kunit *test)
{
	static const size_t quotas[] = { 300, KiB, 4 * KiB, 16 * KiB, MiB,
					 SIZE_MAX };
	gfp_t gfp = GFP_ATOMIC;
	struct wsheap_property atomic = { WSHEAP_PROPERTY_GFP, &gfp,
					  sizeof(gfp) };
	struct growth_count c = {};
	struct rnd_state rnd;
	unsigned int i, kind;
	struct wsheap *heap;

	prandom_seed_state(&rnd, 31);
	for (i = 0; i < 20 * ARRAY_SIZE(quotas); i++) {
		for (kind = 0; kind < 2; kind++) {
			heap = new_heap_with(test, quotas[i % ARRAY_SIZE(quotas)],
					     0, kind ? &atomic : NULL, kind);
			growth_run_sequence(test, heap, &rnd, &c);
			release_heap(test, heap);
		}
	}
	kunit_info(test, "%u calls, %u of them over the bound\n", c.calls,
		   c.over);
	KUNIT_EXPECT_EQ_MSG(test, c.over, 0,
			    "first: ACTUAL_SIZE %zu for REQUESTED_SIZE %zu",
			    c.first_actual, c.first_requested);
}

/*
 * Short-lived heaps live on slab chunks, the first of 256 bytes; past
 * WSHEAP_MIN_CHUNK (16 KiB) chunks are vmalloc()'d.  Both kinds count in
 * ACTUAL_SIZE as allocated.
 */
static void chunks_come_from_slab_then_vmalloc(struct kunit *test)
{
	struct chunk_ledger *l = ledger_of(test);
	struct wsheap *heap = new_heap(test, SIZE_MAX, SIZE_MAX);
	unsigned int i;
	u8 *p;

	p = alloc_ok(test, heap, 100);
	KUNIT_EXPECT_FALSE(test, is_vmalloc_addr(p));
	KUNIT_EXPECT_EQ(test, l->sizes[0], 256);
	/* A request beyond 16 KiB gets a vmalloc()'d chunk of its own. */
	p = alloc_ok(test, heap, 40 * KiB);
	KUNIT_EXPECT_TRUE(test, is_vmalloc_addr(p));
	/* 16 KiB chunks until the heap holds 128 KiB, larger ones after. */
	for (i = 0; i < 2000; i++)
		alloc_ok(test, heap, 500);
	KUNIT_EXPECT_GT(test, l->slab_chunks, 1);
	KUNIT_EXPECT_GT(test, l->vmalloc_chunks, 3);
	expect_actual_is_ledger(test, heap);
	/* Reset and reuse treat both kinds alike. */
	KUNIT_ASSERT_EQ(test, wsheap_reset(heap, NULL), 0);
	KUNIT_EXPECT_EQ(test, actual(test, heap), l->live_bytes);
	KUNIT_EXPECT_FALSE(test, is_vmalloc_addr(alloc_ok(test, heap, 100)));
	alloc_ok(test, heap, 40 * KiB);
	for (i = 0; i < 2000; i++)
		alloc_ok(test, heap, 500);
	KUNIT_EXPECT_EQ(test, l->frees, 0);
	KUNIT_EXPECT_EQ(test, l->allocs, l->slab_chunks + l->vmalloc_chunks);
	release_heap(test, heap);
	KUNIT_EXPECT_EQ(test, l->nr_live, 0);
}

/* ---- growth policy and chunk accounting ---- */

static void growth_policy_sizes_are_bounded(struct kunit *test)
{
	size_t b, q;

	/* First chunk of any heap, for a small request: 256 bytes. */
	KUNIT_EXPECT_EQ(test, wsheap_chunk_bytes(0, 0, SIZE_MAX, 8), 256);
	/* For a larger one, what it needs: the header and the request. */
	KUNIT_EXPECT_EQ(test, wsheap_chunk_bytes(0, 0, SIZE_MAX, 900), KiB);
	/* Then each chunk twice the one before: 512, 1 KiB ... 8 KiB... */
	KUNIT_EXPECT_EQ(test, wsheap_chunk_bytes(256, 224, SIZE_MAX, 8), 512);
	KUNIT_EXPECT_EQ(test, wsheap_chunk_bytes(768, 700, SIZE_MAX, 8), KiB);
	KUNIT_EXPECT_EQ(test, wsheap_chunk_bytes(7936, 7800, SIZE_MAX, 8),
			8 * KiB);
	/*
	 * ...unless the heap would then hold more than twice the bytes
	 * handed out (this request's included) plus 512, four times with
	 * KASAN's redzones: a heap whose 1 KiB went largely to headers and
	 * tails gets the largest chunk within that.
	 */
	b = wsheap_chunk_bytes(KiB, 300, SIZE_MAX, 8);
	KUNIT_EXPECT_LT(test, b, KiB);
	KUNIT_EXPECT_LE(test, KiB + b,
			(308 << (WSHEAP_REDZONE ? 2 : 1)) + 512);
	KUNIT_EXPECT_GE(test, b, 8 + WSHEAP_CHUNK_HDR);
	/* Past 16 KiB handed out, the 9/8 rule: 16 KiB up to 128 KiB held. */
	KUNIT_EXPECT_EQ(test, wsheap_chunk_bytes(16 * KiB, 16 * KiB, SIZE_MAX,
						 8), 16 * KiB);

	/*
	 * Never more than the quota has left, as the slab class it rounds
	 * up to, the header inside: a 1 KiB quota left is one 1 KiB object.
	 */
	KUNIT_EXPECT_EQ(test, wsheap_chunk_bytes(0, 0, 200, 8), 256);
	KUNIT_EXPECT_EQ(test, wsheap_chunk_bytes(16 * KiB, 16 * KiB, 256, 8),
			256);
	KUNIT_EXPECT_EQ(test, wsheap_chunk_bytes(16 * KiB, 16 * KiB, KiB, 8),
			KiB);
	KUNIT_EXPECT_EQ(test, wsheap_chunk_bytes(16 * KiB, 16 * KiB, 1000, 8),
			KiB);
	KUNIT_EXPECT_EQ(test, wsheap_chunk_bytes(16 * KiB, 16 * KiB, 4 * KiB,
						 8), 4 * KiB);
	/* The request itself fits whole: the next class up. */
	b = wsheap_chunk_bytes(1024 * MiB, 1024 * MiB, 256, 256);
	KUNIT_EXPECT_GE(test, b, 256 + WSHEAP_CHUNK_HDR);
	KUNIT_EXPECT_LE(test, b, 512);
	KUNIT_EXPECT_EQ(test, b, kmalloc_size_roundup(b));
	/* A quota smaller than the header still gets a chunk that holds it. */
	KUNIT_EXPECT_GE(test, wsheap_chunk_bytes(0, 0, 8, 8),
			8 + WSHEAP_CHUNK_HDR);
	/*
	 * Every small chunk is a size kmalloc() gives as it is, powers of two
	 * (which skip the lookup) and the rest alike: ACTUAL_SIZE counts the
	 * memory really held.
	 */
	for (q = 1; q <= WSHEAP_SLAB_CHUNK_MAX; q++) {
		b = wsheap_chunk_bytes(16 * KiB, 16 * KiB, q, 8);
		if (b != kmalloc_size_roundup(b)) {
			KUNIT_FAIL(test, "quota %zu: a chunk of %zu bytes, kmalloc gives %zu",
				   q, b, kmalloc_size_roundup(b));
			break;
		}
	}

	/* An eighth of what the heap holds. */
	b = wsheap_chunk_bytes(800 * MiB, 800 * MiB, SIZE_MAX, 8);
	KUNIT_EXPECT_GE(test, b, 100 * MiB);
	KUNIT_EXPECT_LE(test, b, 100 * MiB + PAGE_SIZE);

	/* A request above that gets a chunk sized to it. */
	b = wsheap_chunk_bytes(0, 0, SIZE_MAX, 3 * MiB + 1);
	KUNIT_EXPECT_GE(test, b, 3 * MiB + 1);
	KUNIT_EXPECT_LE(test, b, 3 * MiB + 1 + PAGE_SIZE);

	/* Sizes that would wrap when rounded are refused, not wrapped. */
	KUNIT_EXPECT_EQ(test, wsheap_chunk_bytes(0, 0, SIZE_MAX, SIZE_MAX), 0);
	KUNIT_EXPECT_EQ(test, wsheap_chunk_bytes(0, 0, SIZE_MAX,
						 SIZE_MAX - PAGE_SIZE), 0);
}

static void growth_needs_logarithmically_few_chunks(struct kunit *test)
{
	struct chunk_ledger *l = ledger_of(test);
	const size_t target = 48 * MiB;
	struct wsheap *heap = new_heap(test, SIZE_MAX, 0);
	size_t sum = 0, used = 0, held;
	unsigned int i;

	while (sum < target) {
		alloc_ok(test, heap, 200);
		sum += 200;
		used += step(200);
	}
	/*
	 * 256 bytes to 16 KiB by doubling (within twice what was handed
	 * out), then 16 KiB to 48 MiB at 9/8 per chunk: about 80 chunks.
	 * From 16 KiB on, no chunk is smaller than the one before.
	 */
	KUNIT_EXPECT_LE(test, l->allocs, 90);
	for (i = 0; i < l->allocs && l->sizes[i] < 16 * KiB; i++)
		;
	for (i++; i < l->allocs && i < LEDGER_MAX_CHUNKS; i++)
		KUNIT_EXPECT_GE_MSG(test, l->sizes[i], l->sizes[i - 1],
				    "chunk %u is smaller than chunk %u", i,
				    i - 1);
	held = actual(test, heap);
	expect_actual_is_ledger(test, heap);
	/* Memory held but not handed out stays near an eighth. */
	KUNIT_EXPECT_LE(test, held, used + used / 7);
}

#ifdef CONFIG_WSHEAP_DEBUG
/* ---- misuse checks of debug builds ---- */

static void ledger_report_misuse(const struct wsheap *heap, const char *what)
{
	struct chunk_ledger *l = ledger_of(kunit_get_current_test());

	l->misuse_reports++;
	l->misuse_what = what;
}

static void debug_refuses_a_call_inside_another(struct kunit *test)
{
	struct chunk_ledger *l = ledger_of(test);
	struct wsheap *heap = new_heap(test, MiB, 0);

	kunit_activate_static_stub(test, wsheap_report_misuse,
				   ledger_report_misuse);
	l->reenter = heap;
	/* The first allocation needs a chunk: the ledger calls back in. */
	alloc_ok(test, heap, 64);
	KUNIT_EXPECT_PTR_EQ(test, l->reenter, NULL);
	KUNIT_EXPECT_EQ(test, l->reenter_ret, -EINVAL);
	KUNIT_EXPECT_EQ(test, l->misuse_reports, 1);
	KUNIT_ASSERT_NOT_NULL(test, l->misuse_what);
	KUNIT_EXPECT_NOT_NULL(test, strstr(l->misuse_what, "two calls"));
	/* The refused call changed nothing; later calls are fine. */
	KUNIT_EXPECT_EQ(test, requested(test, heap), 64);
	alloc_ok(test, heap, 64);
	KUNIT_EXPECT_EQ(test, l->misuse_reports, 1);
}

static void debug_refuses_use_after_free(struct kunit *test)
{
	struct chunk_ledger *l = ledger_of(test);
	struct wsheap *heap = new_heap(test, MiB, 0);

	kunit_activate_static_stub(test, wsheap_report_misuse,
				   ledger_report_misuse);
	alloc_ok(test, heap, 64);
	l->reenter = heap;
	l->reenter_on_free = true;
	/* Freeing the chunk calls back into the heap being freed. */
	release_heap(test, heap);
	KUNIT_EXPECT_PTR_EQ(test, l->reenter, NULL);
	KUNIT_EXPECT_EQ(test, l->reenter_ret, -EINVAL);
	KUNIT_EXPECT_EQ(test, l->misuse_reports, 1);
	KUNIT_ASSERT_NOT_NULL(test, l->misuse_what);
	KUNIT_EXPECT_NOT_NULL(test, strstr(l->misuse_what, "wsheap_free"));
	KUNIT_EXPECT_EQ(test, l->nr_live, 0);
}
#endif

#ifdef CONFIG_DEBUG_FS
/* ---- statistics behind /sys/kernel/debug/wsheap/heaps ---- */

static void stats_follow_the_heap(struct kunit *test)
{
	struct wsheap *heap = new_heap(test, 64 * KiB, 64 * KiB);
	struct wsheap_mark mark;
	void *p;
	u8 *a, *c;

	KUNIT_EXPECT_EQ(test, heap->stats.chunks, 0);
	a = alloc_ok(test, heap, 1000);
	KUNIT_EXPECT_EQ(test, heap->stats.chunks, 1);
	/* Refusals, each by its cause. */
	KUNIT_EXPECT_EQ(test, wsheap_alloc(heap, 70000, &p, NULL), -EDQUOT);
	KUNIT_EXPECT_EQ(test, wsheap_realloc(heap, a, 1000, 70000, &p, NULL),
			-EDQUOT);
	ledger_of(test)->fail_from = ledger_of(test)->attempts + 1;
	/* more than the 16 KiB chunk has left */
	KUNIT_EXPECT_EQ(test, wsheap_alloc(heap, 20000, &p, NULL), -ENOMEM);
	ledger_of(test)->fail_from = 0;
	KUNIT_EXPECT_EQ(test, heap->stats.quota_refusals, 2);
	KUNIT_EXPECT_EQ(test, heap->stats.oom_refusals, 1);
	/* The peak survives whatever lowers REQUESTED_SIZE. */
	mark_ok(test, heap, &mark);
	alloc_ok(test, heap, 2000);
	rollback_ok(test, heap, &mark);
	KUNIT_EXPECT_EQ(test, heap->stats.peak, 3000);
	c = alloc_ok(test, heap, 5000);
	KUNIT_EXPECT_PTR_EQ(test, realloc_ok(test, heap, c, 5000, 10), c);
	KUNIT_EXPECT_EQ(test, heap->stats.peak, 6000);
	KUNIT_ASSERT_EQ(test, wsheap_reset(heap, NULL), 0);
	KUNIT_ASSERT_EQ(test, wsheap_reset(heap, NULL), 0);
	KUNIT_EXPECT_EQ(test, heap->stats.peak, 6000);
	KUNIT_EXPECT_EQ(test, heap->stats.resets, 2);
	/* A new high, taken back by a reset, is the peak. */
	alloc_ok(test, heap, 7000);
	KUNIT_ASSERT_EQ(test, wsheap_reset(heap, NULL), 0);
	KUNIT_EXPECT_EQ(test, heap->stats.peak, 7000);
	/* Chunks trimmed away leave the count. */
	heap = new_heap(test, MiB, 0);
	alloc_ok(test, heap, 100);
	alloc_ok(test, heap, 40 * KiB);
	KUNIT_EXPECT_EQ(test, heap->stats.chunks, 2);
	KUNIT_ASSERT_EQ(test, wsheap_reset(heap, NULL), 0);
	KUNIT_EXPECT_EQ(test, heap->stats.chunks, 0);
}

/* Lines of the debugfs table that name the heap @name. */
static unsigned int listed(struct kunit *test, const char *name)
{
	struct seq_file m = { .size = 16 * KiB };
	size_t len = strlen(name);
	unsigned int n = 0;
	char *line, *next;

	m.buf = kunit_kzalloc(test, m.size + 1, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m.buf);
	wsheap_heaps_show(&m, NULL);
	KUNIT_ASSERT_FALSE(test, seq_has_overflowed(&m));
	for (line = m.buf; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		n += !strncmp(line, name, len) && line[len] == ' ';
	}
	return n;
}

static struct wsheap *new_named_heap(struct kunit *test, const char *name)
{
	struct wsheap_property p = {
		WSHEAP_PROPERTY_NAME, name, strlen(name) + 1
	};
	struct wsheap *heap = NULL;

	KUNIT_EXPECT_EQ(test, wsheap_create(KiB, 0, &p, 1, &heap, NULL), 0);
	return heap;
}

/*
 * A freed heap leaves the table at once, though its object stays on the
 * list while it is parked for the next heap; the heap created in it next
 * is listed under its own name, once.  An object that the next free
 * pushes out of the slot goes back to the slab off the list: KASAN builds
 * would report the table's walk through it otherwise.
 */
static void freed_heaps_leave_the_listing(struct kunit *test)
{
	struct wsheap *a, *b, *c;

	migrate_disable();
	a = new_named_heap(test, "wsheap-kunit-a");
	b = new_named_heap(test, "wsheap-kunit-b");
	KUNIT_EXPECT_EQ(test, listed(test, "wsheap-kunit-a"), 1);
	KUNIT_EXPECT_EQ(test, listed(test, "wsheap-kunit-b"), 1);
	wsheap_free(a);
	KUNIT_EXPECT_EQ(test, listed(test, "wsheap-kunit-a"), 0);
	c = new_named_heap(test, "wsheap-kunit-c");
	KUNIT_EXPECT_PTR_EQ(test, c, a);	/* the parked object */
	KUNIT_EXPECT_EQ(test, listed(test, "wsheap-kunit-c"), 1);
	KUNIT_EXPECT_EQ(test, listed(test, "wsheap-kunit-a"), 0);
	wsheap_free(c);
	wsheap_free(b);				/* pushes c's object out */
	KUNIT_EXPECT_EQ(test, listed(test, "wsheap-kunit-b"), 0);
	KUNIT_EXPECT_EQ(test, listed(test, "wsheap-kunit-c"), 0);
	migrate_enable();
}

/*
 * A heap created before wsheap's initcall, as an LSM's boot policy is
 * where wsheap is built in, works off the listing (whose lists are not
 * set up yet) and stays off it; its object joins the listing with the
 * next heap created in it, shown as live.
 */
static void heaps_before_init_stay_off_the_listing(struct kunit *test)
{
	struct wsheap *drain, *early, *later;

	migrate_disable();
	/* takes this CPU's parked object, if any: early's is a new one */
	drain = new_named_heap(test, "wsheap-kunit-drain");
	WRITE_ONCE(wsheap_heap_lists_ready, false);
	early = new_named_heap(test, "wsheap-kunit-early");
	WRITE_ONCE(wsheap_heap_lists_ready, true);
	KUNIT_EXPECT_NULL(test, early->listing.node.next);
	alloc_ok(test, early, 100);
	KUNIT_EXPECT_EQ(test, listed(test, "wsheap-kunit-early"), 0);
	wsheap_free(drain);
	wsheap_free(early);			/* pushes drain's object out */
	later = new_named_heap(test, "wsheap-kunit-later");
	KUNIT_EXPECT_PTR_EQ(test, later, early);	/* the parked object */
	KUNIT_EXPECT_EQ(test, listed(test, "wsheap-kunit-later"), 1);
	wsheap_free(later);
	migrate_enable();
}
#endif

/*
 * Mark identities are 64-bit on every architecture and never 0: a round
 * whose epoch is drawn at 2^32 (0 in 32 bits) or next to the wrap of the
 * 64-bit count still has marks that roll back, and a mark of the round
 * before is still refused.  The hook sets this CPU's last draw; the task
 * stays on its CPU (migrate_disable(), not preempt_disable(): a mark of a
 * heap that may sleep runs might_sleep()) until its mark has drawn.
 */
static void mark_epochs_pass_2_32_and_the_wrap(struct kunit *test)
{
	static const u64 lasts[] = {
		U32_MAX - 1, U32_MAX, U64_MAX - 1, U64_MAX,
	};
	struct wsheap *heap = new_heap(test, 64 * KiB, 64 * KiB);
	struct wsheap_mark mark, old;
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(lasts); i++) {
		migrate_disable();
		wsheap_epoch_set_last(lasts[i]);
		ret = wsheap_mark(heap, &mark, NULL);
		migrate_enable();
		KUNIT_ASSERT_EQ(test, ret, 0);
		KUNIT_EXPECT_NE(test, heap->epoch, 0);
		if (lasts[i] != U64_MAX)
			KUNIT_EXPECT_EQ(test, heap->epoch, lasts[i] + 1);
		alloc_ok(test, heap, 24);
		KUNIT_EXPECT_EQ_MSG(test, wsheap_rollback(heap, &mark, NULL), 0,
				    "epoch drawn after %llu", lasts[i]);
		KUNIT_EXPECT_EQ(test, requested(test, heap), 0);
		if (i)
			KUNIT_EXPECT_EQ(test, wsheap_rollback(heap, &old, NULL),
					-EINVAL);
		old = mark;
		KUNIT_ASSERT_EQ(test, wsheap_reset(heap, NULL), 0);
		KUNIT_EXPECT_EQ(test, wsheap_rollback(heap, &old, NULL),
				-EINVAL);
	}
	release_heap(test, heap);
}

static struct kunit_case wsheap_internal_cases[] = {
	KUNIT_CASE(growth_policy_sizes_are_bounded),
	KUNIT_CASE(small_heaps_hold_at_most_twice_what_they_hand_out),
	KUNIT_CASE(chunks_come_from_slab_then_vmalloc),
	KUNIT_CASE(only_large_chunks_may_give_up_early),
	KUNIT_CASE(heap_object_fits_kmalloc_192),
	KUNIT_CASE(short_lived_heaps_cost_no_slab_call),
	KUNIT_CASE(full_short_lived_heaps_cost_one_slab_call),
	KUNIT_CASE(heap_in_a_parked_object_starts_new),
	KUNIT_CASE(parked_chunk_goes_only_to_its_size),
	KUNIT_CASE(next_heap_in_an_object_takes_its_standby),
	KUNIT_CASE(other_first_chunks_send_the_standby_to_the_slots),
	KUNIT_CASE(reset_to_no_chunk_leaves_no_standby),
	KUNIT_CASE(trim_equal_to_quota_keeps_its_chunks),
	KUNIT_CASE(mark_epochs_pass_2_32_and_the_wrap),
#ifdef CONFIG_DEBUG_FS
	KUNIT_CASE(stats_follow_the_heap),
	KUNIT_CASE(freed_heaps_leave_the_listing),
	KUNIT_CASE(heaps_before_init_stay_off_the_listing),
#endif
	KUNIT_CASE(growth_needs_logarithmically_few_chunks),
#ifdef CONFIG_WSHEAP_DEBUG
	KUNIT_CASE(debug_refuses_a_call_inside_another),
	KUNIT_CASE(debug_refuses_use_after_free),
#endif
	{}
};

static struct kunit_suite wsheap_internal_suite = {
	.name = "wsheap_internals",
	.init = wsheap_test_init,
	.test_cases = wsheap_internal_cases,
};

kunit_test_suite(wsheap_internal_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit suite for the wsheap internals");
MODULE_AUTHOR("The wsheap developers");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
