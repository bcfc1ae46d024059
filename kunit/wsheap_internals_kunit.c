// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite wsheap_internals: what wsheap.h does not promise but the
 * implementation relies on.
 *
 * The growth policy and where chunks come from (slab, then vmalloc), the
 * per-CPU parking of short-lived heaps, the size of the heap object, the
 * statistics behind /sys/kernel/debug/wsheap/heaps, and the misuse checks
 * of CONFIG_WSHEAP_DEBUG builds.
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

/* One heap's life: create, eight small objects, free.  Never asserts. */
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
		KUNIT_EXPECT_EQ(test, wsheap_alloc(heap, 8 + 8 * i, &p, NULL), 0);
	wsheap_free(heap);
}

/*
 * A heap for one short job takes one chunk, and on a CPU that ran such a
 * heap before, neither its object nor its chunk is a slab call: both were
 * parked there by the last free.  An ACCOUNT heap's memory is never
 * parked (its charge would follow it), so its every life costs two.
 */
static void short_lived_heaps_cost_no_slab_call(struct kunit *test)
{
	bool account = true;
	struct wsheap_property charged = {
		WSHEAP_PROPERTY_ACCOUNT, &account, sizeof(account)
	};
	struct chunk_ledger *l = ledger_of(test);
	unsigned int i, chunks, slab, charged_slab;

	kunit_activate_static_stub(test, wsheap_slab_alloc,
				   counting_slab_alloc);
	migrate_disable();
	short_heap_life(test, NULL, 0);
	chunks = l->allocs;
	l->slab_allocs = 0;
	for (i = 0; i < 10; i++)
		short_heap_life(test, NULL, 0);
	chunks = l->allocs - chunks;
	slab = l->slab_allocs;
	l->slab_allocs = 0;
	for (i = 0; i < 10; i++)
		short_heap_life(test, &charged, 1);
	charged_slab = l->slab_allocs;
	migrate_enable();

	KUNIT_EXPECT_EQ(test, chunks, 10);
	KUNIT_EXPECT_EQ(test, slab, 0);
	KUNIT_EXPECT_EQ(test, charged_slab, 20);
	KUNIT_EXPECT_EQ(test, l->nr_live, 0);
}

/*
 * One heap's life: a 1 KiB heap filled to its quota with 100-byte
 * blocks, which takes its 1 KiB chunk and a small one for the last
 * blocks, then free.  Never asserts.
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
 * A heap filled to its quota spills into a second, smaller chunk: each
 * CPU parks a chunk per size class, so its next life takes both back and
 * still costs no slab call.
 */
static void full_short_lived_heaps_cost_no_slab_call(struct kunit *test)
{
	struct chunk_ledger *l = ledger_of(test);
	unsigned int i, chunks;

	kunit_activate_static_stub(test, wsheap_slab_alloc,
				   counting_slab_alloc);
	migrate_disable();
	full_heap_life(test);
	chunks = l->allocs;
	l->slab_allocs = 0;
	for (i = 0; i < 10; i++)
		full_heap_life(test);
	chunks = l->allocs - chunks;
	migrate_enable();

	KUNIT_EXPECT_EQ(test, chunks, 20);
	KUNIT_EXPECT_EQ(test, l->slab_allocs, 0);
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
	KUNIT_EXPECT_EQ(test, actual(test, heap), KiB);
	expect_actual_is_ledger(test, heap);
	wsheap_free(heap);
}

/*
 * A standby that is not the size of the new heap's first chunk goes to
 * the CPU's slot, where a heap of its size finds it with no slab call; so
 * does the standby of a placed heap, whose chunks come from its node.
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
	/* 1 KiB, then 4 KiB: the 1 KiB standby goes to its slot */
	KUNIT_ASSERT_EQ(test, wsheap_create(KiB, 0, NULL, 0, &heap, NULL), 0);
	first = alloc_ok(test, heap, 100);
	wsheap_free(heap);
	KUNIT_ASSERT_EQ(test, wsheap_create(4 * KiB, 0, NULL, 0, &heap, NULL),
			0);
	p = alloc_ok(test, heap, 100);
	KUNIT_EXPECT_EQ(test, l->sizes[l->allocs - 1], 4 * KiB);
	wsheap_free(heap);
	/* a placed 4 KiB heap: its standby, 4 KiB too, goes to its slot */
	l->slab_allocs = 0;
	KUNIT_ASSERT_EQ(test, wsheap_create(4 * KiB, 0, &placed, 1, &heap,
					    NULL), 0);
	alloc_ok(test, heap, 100);
	placed_slab = l->slab_allocs;
	wsheap_free(heap);
	/*
	 * The parked object and its standby, then new objects and the slots:
	 * the 4 KiB standby the placed heap sent there, and the first 1 KiB.
	 */
	l->slab_allocs = 0;
	KUNIT_ASSERT_EQ(test, wsheap_create(4 * KiB, 0, NULL, 0, &heap, NULL),
			0);
	KUNIT_ASSERT_EQ(test, wsheap_create(4 * KiB, 0, NULL, 0, &other, NULL),
			0);
	KUNIT_ASSERT_EQ(test, wsheap_create(KiB, 0, NULL, 0, &small, NULL), 0);
	alloc_ok(test, heap, 100);
	alloc_ok(test, other, 100);
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

/* A 4 KiB quota is one 4 KiB chunk, and a 4 KiB trim keeps it. */
static void trim_equal_to_quota_keeps_its_chunk(struct kunit *test)
{
	struct wsheap *heap = new_heap(test, 4 * KiB, 4 * KiB);
	struct chunk_ledger *l = ledger_of(test);
	unsigned int round, i;

	for (round = 0; round < 3; round++) {
		for (i = 0; i < 8; i++)
			alloc_ok(test, heap, 400);
		KUNIT_EXPECT_EQ(test, l->allocs, 1);
		KUNIT_EXPECT_EQ(test, actual(test, heap), 4 * KiB);
		KUNIT_ASSERT_EQ(test, wsheap_reset(heap, NULL), 0);
		KUNIT_EXPECT_EQ(test, l->frees, 0);
		KUNIT_EXPECT_EQ(test, actual(test, heap), 4 * KiB);
	}
	/* A 1 KiB quota: one 1 KiB object, not a 2 KiB one. */
	heap = new_heap(test, KiB, 0);
	alloc_ok(test, heap, 8);
	KUNIT_EXPECT_EQ(test, l->sizes[l->allocs - 1], KiB);
}

/*
 * A heap object is one kmalloc-192 object at most (without the debug
 * checks, which add a magic and a flag): a short-lived heap pays for no
 * larger slab class.
 */
static void heap_object_fits_kmalloc_192(struct kunit *test)
{
	if (IS_ENABLED(CONFIG_WSHEAP_DEBUG))
		kunit_skip(test, "the misuse checks add fields of their own");
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

/*
 * Short-lived heaps live on slab chunks; past WSHEAP_MIN_CHUNK (16 KiB)
 * chunks are vmalloc()'d.  Both kinds count in ACTUAL_SIZE as allocated.
 */
static void chunks_come_from_slab_then_vmalloc(struct kunit *test)
{
	struct chunk_ledger *l = ledger_of(test);
	struct wsheap *heap = new_heap(test, SIZE_MAX, SIZE_MAX);
	unsigned int i;
	u8 *p;

	p = alloc_ok(test, heap, 100);
	KUNIT_EXPECT_FALSE(test, is_vmalloc_addr(p));
	KUNIT_EXPECT_EQ(test, l->sizes[0], 16 * KiB);
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

	/* First chunk of a big heap: the minimum, exactly 16 KiB. */
	KUNIT_EXPECT_EQ(test, wsheap_chunk_bytes(0, SIZE_MAX, 8), 16 * KiB);

	/*
	 * Never more than the quota has left, as the slab class it rounds
	 * up to, the header inside: a 1 KiB quota is one 1 KiB object.
	 */
	KUNIT_EXPECT_EQ(test, wsheap_chunk_bytes(0, 256, 8), 256);
	KUNIT_EXPECT_EQ(test, wsheap_chunk_bytes(0, KiB, 8), KiB);
	KUNIT_EXPECT_EQ(test, wsheap_chunk_bytes(0, 1000, 8), KiB);
	KUNIT_EXPECT_EQ(test, wsheap_chunk_bytes(0, 4 * KiB, 8), 4 * KiB);
	/* The request itself fits whole: the next class up. */
	b = wsheap_chunk_bytes(1024 * MiB, 256, 256);
	KUNIT_EXPECT_GE(test, b, 256 + WSHEAP_CHUNK_HDR);
	KUNIT_EXPECT_LE(test, b, 512);
	KUNIT_EXPECT_EQ(test, b, kmalloc_size_roundup(b));
	/* A quota smaller than the header still gets a chunk that holds it. */
	KUNIT_EXPECT_GE(test, wsheap_chunk_bytes(0, 8, 8), 8 + WSHEAP_CHUNK_HDR);
	/*
	 * Every small chunk is a size kmalloc() gives as it is, powers of two
	 * (which skip the lookup) and the rest alike: ACTUAL_SIZE counts the
	 * memory really held.
	 */
	for (q = 1; q <= WSHEAP_SLAB_CHUNK_MAX; q++) {
		b = wsheap_chunk_bytes(0, q, 8);
		if (b != kmalloc_size_roundup(b)) {
			KUNIT_FAIL(test, "quota %zu: a chunk of %zu bytes, kmalloc gives %zu",
				   q, b, kmalloc_size_roundup(b));
			break;
		}
	}

	/* An eighth of what the heap holds. */
	b = wsheap_chunk_bytes(800 * MiB, SIZE_MAX, 8);
	KUNIT_EXPECT_GE(test, b, 100 * MiB);
	KUNIT_EXPECT_LE(test, b, 100 * MiB + PAGE_SIZE);

	/* A request above that gets a chunk sized to it. */
	b = wsheap_chunk_bytes(0, SIZE_MAX, 3 * MiB + 1);
	KUNIT_EXPECT_GE(test, b, 3 * MiB + 1);
	KUNIT_EXPECT_LE(test, b, 3 * MiB + 1 + PAGE_SIZE);

	/* Sizes that would wrap when rounded are refused, not wrapped. */
	KUNIT_EXPECT_EQ(test, wsheap_chunk_bytes(0, SIZE_MAX, SIZE_MAX), 0);
	KUNIT_EXPECT_EQ(test, wsheap_chunk_bytes(0, SIZE_MAX,
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
	/* 16 KiB to 48 MiB at 9/8 per chunk: about 70 chunks. */
	KUNIT_EXPECT_LE(test, l->allocs, 80);
	for (i = 1; i < l->allocs && i < LEDGER_MAX_CHUNKS; i++)
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
	KUNIT_CASE(chunks_come_from_slab_then_vmalloc),
	KUNIT_CASE(only_large_chunks_may_give_up_early),
	KUNIT_CASE(heap_object_fits_kmalloc_192),
	KUNIT_CASE(short_lived_heaps_cost_no_slab_call),
	KUNIT_CASE(full_short_lived_heaps_cost_no_slab_call),
	KUNIT_CASE(heap_in_a_parked_object_starts_new),
	KUNIT_CASE(parked_chunk_goes_only_to_its_size),
	KUNIT_CASE(next_heap_in_an_object_takes_its_standby),
	KUNIT_CASE(other_first_chunks_send_the_standby_to_the_slots),
	KUNIT_CASE(reset_to_no_chunk_leaves_no_standby),
	KUNIT_CASE(trim_equal_to_quota_keeps_its_chunk),
	KUNIT_CASE(mark_epochs_pass_2_32_and_the_wrap),
#ifdef CONFIG_DEBUG_FS
	KUNIT_CASE(stats_follow_the_heap),
	KUNIT_CASE(freed_heaps_leave_the_listing),
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
