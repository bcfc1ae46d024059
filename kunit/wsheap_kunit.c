// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suites for wsheap.
 *
 * Every case runs with the chunk allocator redirected through a ledger
 * (static stubs on wsheap_chunk_mem_alloc/wsheap_chunk_mem_free) that
 * records each chunk, so that cases can count backing allocations, check
 * that ACTUAL_SIZE is the memory really held, and make the Nth chunk
 * allocation fail.  The ledger still gets its memory from wsheap's own
 * allocator (slab or vmalloc, by size), so KASAN sees real chunks.
 */
#include <kunit/device.h>
#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/align.h>
#include <linux/device.h>
#include <linux/kasan.h>
#include <linux/kmsan-checks.h>
#include <linux/limits.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
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
};

/* What the stubs saw; test->priv of every case. */
struct chunk_ledger {
	unsigned int attempts;		/* chunk allocations tried */
	unsigned int fail_from;		/* fail attempts >= this; 0: never */
	unsigned int allocs;		/* chunk allocations that succeeded */
	unsigned int frees;
	size_t live_bytes;
	unsigned int nr_live;
	struct ledger_chunk live[LEDGER_MAX_CHUNKS];
	size_t sizes[LEDGER_MAX_CHUNKS];	/* of each success, in order */
	unsigned int slab_chunks, vmalloc_chunks;	/* of the successes */
	gfp_t gfp_seen;			/* every flag any attempt passed */
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
static void ledger_reenter(struct chunk_ledger *l, bool on_free)
{
	void *p;

	if (!l->reenter || l->reenter_on_free != on_free)
		return;
	l->reenter_ret = wsheap_alloc(l->reenter, 8, &p, NULL);
	l->reenter = NULL;
}

static struct chunk_ledger *ledger_of(struct kunit *test)
{
	return test->priv;
}

static void *ledger_chunk_mem_alloc(size_t bytes, gfp_t gfp, int node)
{
	struct kunit *test = kunit_get_current_test();
	struct chunk_ledger *l = ledger_of(test);
	void *mem;

	l->attempts++;
	l->gfp_seen |= gfp;
	ledger_reenter(l, false);
	if (l->fail_from && l->attempts >= l->fail_from)
		return NULL;
	mem = __wsheap_chunk_mem_alloc(bytes, gfp, node);
	if (!mem)
		return NULL;
	if (l->nr_live == LEDGER_MAX_CHUNKS) {
		KUNIT_FAIL(test, "ledger full: more than %d live chunks",
			   LEDGER_MAX_CHUNKS);
		kvfree(mem);
		return NULL;
	}
	if (is_vmalloc_addr(mem)) {
		l->vmalloc_chunks++;
	} else {
		/* Only chunks of up to 16 KiB may come from the slab. */
		KUNIT_EXPECT_LE(test, bytes, 16 * KiB);
		l->slab_chunks++;
		/* ACTUAL_SIZE counts all the slab gives: nothing is hidden. */
		KUNIT_EXPECT_EQ(test, kmalloc_size_roundup(bytes), bytes);
	}
	l->live[l->nr_live].mem = mem;
	l->live[l->nr_live].bytes = bytes;
	l->nr_live++;
	if (l->allocs < LEDGER_MAX_CHUNKS)
		l->sizes[l->allocs] = bytes;
	l->allocs++;
	l->live_bytes += bytes;
	return mem;
}

static void ledger_chunk_mem_free(void *mem, gfp_t gfp)
{
	struct kunit *test = kunit_get_current_test();
	struct chunk_ledger *l = ledger_of(test);
	unsigned int i;

	ledger_reenter(l, true);
	for (i = 0; i < l->nr_live; i++) {
		if (l->live[i].mem != mem)
			continue;
		l->live_bytes -= l->live[i].bytes;
		l->live[i] = l->live[--l->nr_live];
		l->frees++;
		__wsheap_chunk_mem_free(mem, gfp);
		return;
	}
	KUNIT_FAIL(test, "free of %p, which is no live chunk", mem);
}

static struct wsheap *failing_object_alloc(gfp_t gfp)
{
	return NULL;
}

/* A heap object allocated as wsheap does, its flags recorded. */
static struct wsheap *recording_object_alloc(gfp_t gfp)
{
	ledger_of(kunit_get_current_test())->object_gfp = gfp;
	return kzalloc(sizeof(struct wsheap), gfp);
}

static int wsheap_test_init(struct kunit *test)
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

/* Is [p, p + size) inside one live chunk, past its header? */
static bool ledger_owns(struct chunk_ledger *l, const void *p, size_t size)
{
	unsigned int i;

	for (i = 0; i < l->nr_live; i++) {
		const char *start = l->live[i].mem;
		const char *end = start + l->live[i].bytes;

		if ((const char *)p > start && (const char *)p <= end &&
		    size <= (size_t)(end - (const char *)p))
			return true;
	}
	return false;
}

static void free_heap_action(void *heap)
{
	wsheap_free(heap);
}

/* A heap that is freed when the case ends, however it ends. */
static struct wsheap *new_heap(struct kunit *test, size_t max_size,
			       size_t trim_size)
{
	struct wsheap *heap = NULL;

	KUNIT_ASSERT_EQ(test, wsheap_create(max_size, trim_size, NULL, 0,
					    &heap, NULL), 0);
	KUNIT_ASSERT_NOT_NULL(test, heap);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, free_heap_action,
							heap), 0);
	return heap;
}

static void release_heap(struct kunit *test, struct wsheap *heap)
{
	kunit_release_action(test, free_heap_action, heap);
}

static size_t prop(struct kunit *test, struct wsheap *heap,
		   enum wsheap_property_id id)
{
	size_t value = 0;

	KUNIT_ASSERT_EQ(test, wsheap_get_property(heap, id, &value,
						  sizeof(value), NULL), 0);
	return value;
}

static size_t requested(struct kunit *test, struct wsheap *heap)
{
	return prop(test, heap, WSHEAP_PROPERTY_REQUESTED_SIZE);
}

static size_t actual(struct kunit *test, struct wsheap *heap)
{
	return prop(test, heap, WSHEAP_PROPERTY_ACTUAL_SIZE);
}

static void *alloc_ok(struct kunit *test, struct wsheap *heap, size_t size)
{
	void *p = NULL;

	KUNIT_ASSERT_EQ(test, wsheap_alloc(heap, size, &p, NULL), 0);
	KUNIT_ASSERT_NOT_NULL(test, p);
	return p;
}

/* ACTUAL_SIZE must be exactly the chunk memory the ledger saw handed out. */
static void expect_actual_is_ledger(struct kunit *test, struct wsheap *heap)
{
	KUNIT_EXPECT_EQ(test, actual(test, heap), ledger_of(test)->live_bytes);
}

/*
 * Where the block after one of @size bytes starts: blocks follow each
 * other at the alignment, plus the redzone that KASAN builds put between.
 */
static size_t step(size_t size)
{
	return ALIGN(size, 8) + WSHEAP_REDZONE;
}

static u8 pattern_byte(unsigned int index)
{
	return (u8)(index * 31 + 7);
}

/* ---- wsheap_create ---- */

static void create_rejects_null_heap_pointer(struct kunit *test)
{
	struct wsheap_error err = {};

	KUNIT_EXPECT_EQ(test, wsheap_create(4096, 0, NULL, 0, NULL, &err),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, err.code, -EINVAL);
	KUNIT_EXPECT_NOT_NULL(test, err.msg);
	KUNIT_EXPECT_EQ(test, wsheap_create(4096, 0, NULL, 0, NULL, NULL),
			-EINVAL);
}

static void create_rejects_null_props_with_count(struct kunit *test)
{
	struct wsheap *sentinel = (struct wsheap *)0x5a5a5a50UL;
	struct wsheap *heap = sentinel;
	struct wsheap_error err = {};

	KUNIT_EXPECT_EQ(test, wsheap_create(4096, 0, NULL, 1, &heap, &err),
			-EINVAL);
	KUNIT_EXPECT_PTR_EQ(test, heap, sentinel);
	KUNIT_EXPECT_EQ(test, err.code, -EINVAL);
	KUNIT_EXPECT_NOT_NULL(test, err.msg);
}

static void create_rejects_every_property(struct kunit *test)
{
	struct wsheap *sentinel = (struct wsheap *)0x5a5a5a50UL;
	size_t value = 4096;
	enum wsheap_property_id id;

	for (id = WSHEAP_PROPERTY_MAX_SIZE; id <= WSHEAP_PROPERTY_ACTUAL_SIZE;
	     id++) {
		struct wsheap_property p = {
			.id = id, .value = &value, .value_size = sizeof(value),
		};
		struct wsheap *heap = sentinel;
		struct wsheap_error err = {};

		KUNIT_EXPECT_EQ_MSG(test, wsheap_create(4096, 0, &p, 1, &heap,
							&err),
				    -EINVAL, "property id %d", id);
		KUNIT_EXPECT_PTR_EQ(test, heap, sentinel);
		KUNIT_EXPECT_EQ(test, err.code, -EINVAL);
		KUNIT_EXPECT_NOT_NULL(test, err.msg);
	}
}

static void create_out_of_memory_leaves_heap_untouched(struct kunit *test)
{
	struct wsheap *sentinel = (struct wsheap *)0x5a5a5a50UL;
	struct wsheap *heap = sentinel;
	struct wsheap_error err = {};

	kunit_activate_static_stub(test, wsheap_object_alloc,
				   failing_object_alloc);
	KUNIT_EXPECT_EQ(test, wsheap_create(4096, 0, NULL, 0, &heap, &err),
			-ENOMEM);
	KUNIT_EXPECT_PTR_EQ(test, heap, sentinel);
	KUNIT_EXPECT_EQ(test, err.code, -ENOMEM);
	KUNIT_EXPECT_NOT_NULL(test, err.msg);
	kunit_deactivate_static_stub(test, wsheap_object_alloc);
}

static void create_gives_heap_holding_no_chunk(struct kunit *test)
{
	struct wsheap *heap = new_heap(test, 12345, 678);

	KUNIT_EXPECT_EQ(test, prop(test, heap, WSHEAP_PROPERTY_MAX_SIZE),
			12345);
	KUNIT_EXPECT_EQ(test, prop(test, heap, WSHEAP_PROPERTY_TRIM_SIZE), 678);
	KUNIT_EXPECT_EQ(test, requested(test, heap), 0);
	KUNIT_EXPECT_EQ(test, actual(test, heap), 0);
	KUNIT_EXPECT_EQ(test, ledger_of(test)->attempts, 0);
}

static void create_accepts_props_pointer_with_zero_count(struct kunit *test)
{
	struct wsheap_property p = { .id = WSHEAP_PROPERTY_MAX_SIZE };
	struct wsheap *heap = NULL;

	KUNIT_ASSERT_EQ(test, wsheap_create(4096, 0, &p, 0, &heap, NULL), 0);
	KUNIT_EXPECT_NOT_NULL(test, heap);
	wsheap_free(heap);
}

/* ---- wsheap_alloc: arguments and quota ---- */

static void alloc_rejects_null_arguments(struct kunit *test)
{
	struct wsheap *heap = new_heap(test, 4096, 0);
	void *sentinel = (void *)0x5a5a5a50UL;
	void **null_ptr = NULL;
	void *p = sentinel;
	struct wsheap_error err = {};

	KUNIT_EXPECT_EQ(test, wsheap_alloc(NULL, 8, &p, &err), -EINVAL);
	KUNIT_EXPECT_PTR_EQ(test, p, sentinel);
	KUNIT_EXPECT_EQ(test, err.code, -EINVAL);
	KUNIT_EXPECT_NOT_NULL(test, err.msg);

	err = (struct wsheap_error){};
	KUNIT_EXPECT_EQ(test, wsheap_alloc(heap, 8, NULL, &err), -EINVAL);
	KUNIT_EXPECT_EQ(test, err.code, -EINVAL);
	KUNIT_EXPECT_NOT_NULL(test, err.msg);
	KUNIT_EXPECT_EQ(test, requested(test, heap), 0);
	KUNIT_EXPECT_EQ(test, actual(test, heap), 0);

	/*
	 * Again with room in the chunk, where the inline path decides, and
	 * with a NULL the compiler cannot see (a visible one lets it drop
	 * the undefined store and take the out-of-line path by itself).
	 */
	alloc_ok(test, heap, 8);
	err = (struct wsheap_error){};
	OPTIMIZER_HIDE_VAR(null_ptr);
	KUNIT_EXPECT_EQ(test, wsheap_alloc(heap, 8, null_ptr, &err), -EINVAL);
	KUNIT_EXPECT_EQ(test, err.code, -EINVAL);
	KUNIT_EXPECT_NOT_NULL(test, err.msg);
	KUNIT_EXPECT_EQ(test, requested(test, heap), 8);
}

static void alloc_exactly_at_quota_succeeds_one_more_fails(struct kunit *test)
{
	struct wsheap *heap = new_heap(test, 1000, 0);
	void *sentinel = (void *)0x5a5a5a50UL;
	void *p = sentinel;
	struct wsheap_error err = {};
	size_t held;

	alloc_ok(test, heap, 600);
	alloc_ok(test, heap, 400);
	KUNIT_EXPECT_EQ(test, requested(test, heap), 1000);
	held = actual(test, heap);

	KUNIT_EXPECT_EQ(test, wsheap_alloc(heap, 1, &p, &err), -EDQUOT);
	KUNIT_EXPECT_PTR_EQ(test, p, sentinel);
	KUNIT_EXPECT_EQ(test, err.code, -EDQUOT);
	KUNIT_EXPECT_NOT_NULL(test, err.msg);
	KUNIT_EXPECT_EQ(test, requested(test, heap), 1000);
	KUNIT_EXPECT_EQ(test, actual(test, heap), held);

	/* A zero-byte request never exceeds the quota. */
	alloc_ok(test, heap, 0);
}

static void alloc_over_quota_in_one_request_fails(struct kunit *test)
{
	struct wsheap *heap = new_heap(test, 1000, 0);
	void *sentinel = (void *)0x5a5a5a50UL;
	void *p = sentinel;

	KUNIT_EXPECT_EQ(test, wsheap_alloc(heap, 1001, &p, NULL), -EDQUOT);
	KUNIT_EXPECT_PTR_EQ(test, p, sentinel);
	KUNIT_EXPECT_EQ(test, actual(test, heap), 0);
	KUNIT_EXPECT_EQ(test, ledger_of(test)->attempts, 0);
	alloc_ok(test, heap, 1000);
}

static void alloc_size_max_is_quota_error_without_wrap(struct kunit *test)
{
	struct wsheap *heap = new_heap(test, 64 * KiB, 0);
	void *sentinel = (void *)0x5a5a5a50UL;
	void *p = sentinel;

	KUNIT_EXPECT_EQ(test, wsheap_alloc(heap, SIZE_MAX, &p, NULL), -EDQUOT);
	alloc_ok(test, heap, 100);
	/* requested + size wraps to 99: must still be over the quota. */
	KUNIT_EXPECT_EQ(test, wsheap_alloc(heap, SIZE_MAX, &p, NULL), -EDQUOT);
	KUNIT_EXPECT_EQ(test, wsheap_alloc(heap, SIZE_MAX - 99, &p, NULL),
			-EDQUOT);
	KUNIT_EXPECT_PTR_EQ(test, p, sentinel);
	KUNIT_EXPECT_EQ(test, requested(test, heap), 100);
}

static void alloc_huge_within_size_max_quota_is_enomem(struct kunit *test)
{
	static const size_t huge[] = {
		SIZE_MAX - 64, SIZE_MAX - 71, SIZE_MAX - PAGE_SIZE,
		SIZE_MAX / 2 + 1, SIZE_MAX / 2, SIZE_MAX / 4,
	};
	struct wsheap *heap = new_heap(test, SIZE_MAX, 0);
	void *sentinel = (void *)0x5a5a5a50UL;
	unsigned int i;
	u8 *first;

	first = alloc_ok(test, heap, 64);
	memset(first, 0xa5, 64);
	for (i = 0; i < ARRAY_SIZE(huge); i++) {
		struct wsheap_error err = {};
		void *p = sentinel;

		KUNIT_EXPECT_EQ_MSG(test, wsheap_alloc(heap, huge[i], &p, &err),
				    -ENOMEM, "size %zu", huge[i]);
		KUNIT_EXPECT_PTR_EQ(test, p, sentinel);
		KUNIT_EXPECT_EQ(test, err.code, -ENOMEM);
		KUNIT_EXPECT_EQ(test, requested(test, heap), 64);
		expect_actual_is_ledger(test, heap);
	}
	KUNIT_EXPECT_EQ(test, ledger_of(test)->allocs, 1);
	KUNIT_EXPECT_NULL(test, memchr_inv(first, 0xa5, 64));
	alloc_ok(test, heap, 64);
}

/*
 * Size edges whose place depends on the width of size_t: on 32-bit
 * kernels they are a few GiB or less, sizes a driver can really ask for,
 * and the kunit-i386 stage runs them there.
 */

/* wsheap.c's WSHEAP_MAX_CHUNK: the largest payload a chunk may have. */
#define TEST_MAX_CHUNK	(SIZE_MAX / 2 - 2 * PAGE_SIZE)

/* The largest chunk fits in a ssize_t; one byte more is no chunk at all. */
static void chunk_size_either_side_of_the_limit(struct kunit *test)
{
	struct chunk_ledger *l = ledger_of(test);
	struct wsheap *heap = new_heap(test, SIZE_MAX, 0);
	void *sentinel = SENTINEL, *p = sentinel;
	size_t b = wsheap_chunk_bytes(0, SIZE_MAX, TEST_MAX_CHUNK);

	KUNIT_EXPECT_GT(test, b, TEST_MAX_CHUNK);
	KUNIT_EXPECT_LE(test, b, (size_t)SSIZE_MAX);
	KUNIT_EXPECT_TRUE(test, PAGE_ALIGNED(b));
	KUNIT_EXPECT_EQ(test, wsheap_chunk_bytes(0, SIZE_MAX,
						 TEST_MAX_CHUNK + 1), 0);

	/*
	 * The largest block (KASAN builds add a redzone) is asked of the
	 * allocator once, the next never.
	 */
	l->fail_from = 1;
	KUNIT_EXPECT_EQ(test, wsheap_alloc(heap,
					   TEST_MAX_CHUNK - WSHEAP_REDZONE,
					   &p, NULL),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, l->attempts, 1);
	KUNIT_EXPECT_EQ(test, wsheap_alloc(heap,
					   TEST_MAX_CHUNK - WSHEAP_REDZONE + 1,
					   &p, NULL),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, l->attempts, 1);
	KUNIT_EXPECT_PTR_EQ(test, p, sentinel);
	KUNIT_EXPECT_EQ(test, requested(test, heap), 0);
	l->fail_from = 0;
	alloc_ok(test, heap, 8);
}

/*
 * A size the quota allows but whose alignment padding wraps size_t: no
 * chunk can hold it, so -ENOMEM without asking for memory.
 */
static void aligned_request_whose_padding_wraps_is_enomem(struct kunit *test)
{
	struct chunk_ledger *l = ledger_of(test);
	struct wsheap *heap = new_heap(test, SIZE_MAX, 0);
	void *sentinel = SENTINEL, *p = sentinel;

	KUNIT_EXPECT_EQ(test, wsheap_alloc_aligned(heap, SIZE_MAX - 7,
						   PAGE_SIZE, &p, NULL),
			-ENOMEM);
	KUNIT_EXPECT_PTR_EQ(test, p, sentinel);
	KUNIT_EXPECT_EQ(test, requested(test, heap), 0);
	KUNIT_EXPECT_EQ(test, l->attempts, 0);

	alloc_ok(test, heap, 8);
	KUNIT_EXPECT_EQ(test, wsheap_alloc_aligned(heap, SIZE_MAX - 15,
						   PAGE_SIZE, &p, NULL),
			-ENOMEM);
	KUNIT_EXPECT_PTR_EQ(test, p, sentinel);
	KUNIT_EXPECT_EQ(test, requested(test, heap), 8);
	KUNIT_EXPECT_EQ(test, l->attempts, 1);
	expect_actual_is_ledger(test, heap);
}

/*
 * Exactly what a SIZE_MAX quota has left is memory the heap cannot get;
 * one byte more is the quota's refusal.
 */
static void quota_left_at_the_top_of_size_t(struct kunit *test)
{
	struct wsheap *heap = new_heap(test, SIZE_MAX, 0);
	void *sentinel = SENTINEL, *p = sentinel;
	u8 *a = alloc_ok(test, heap, 8);

	memset(a, 0x77, 8);
	KUNIT_EXPECT_EQ(test, wsheap_alloc(heap, SIZE_MAX - 8, &p, NULL),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, wsheap_alloc(heap, SIZE_MAX - 7, &p, NULL),
			-EDQUOT);
	KUNIT_EXPECT_EQ(test, wsheap_realloc(heap, a, 8, SIZE_MAX - 8, &p,
					     NULL), -ENOMEM);
	KUNIT_EXPECT_PTR_EQ(test, p, sentinel);
	KUNIT_EXPECT_NULL(test, memchr_inv(a, 0x77, 8));
	KUNIT_EXPECT_EQ(test, requested(test, heap), 8);
}

/* Sizes are size_t wide: a u64 buffer is refused where size_t is not 64 bits. */
static void get_property_buffer_is_size_t_wide(struct kunit *test)
{
	struct wsheap *heap = new_heap(test, 4096, 0);
	u64 wide = 0;

	KUNIT_EXPECT_EQ(test, wsheap_get_property(heap,
						  WSHEAP_PROPERTY_MAX_SIZE,
						  &wide, sizeof(wide), NULL),
			sizeof(u64) == sizeof(size_t) ? 0 : -EINVAL);
	KUNIT_EXPECT_EQ(test, wide, sizeof(u64) == sizeof(size_t) ? 4096 : 0);
}

/* The real vmalloc path, not the ledger: refused quietly, no warning. */
static void alloc_huge_fails_in_real_vmalloc_cleanly(struct kunit *test)
{
	struct wsheap *heap;
	void *p = NULL;

	kunit_deactivate_static_stub(test, wsheap_chunk_mem_alloc);
	kunit_deactivate_static_stub(test, wsheap_chunk_mem_free);
	heap = new_heap(test, SIZE_MAX, 0);
	KUNIT_EXPECT_EQ(test, wsheap_alloc(heap, SIZE_MAX / 4, &p, NULL),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, actual(test, heap), 0);
	p = alloc_ok(test, heap, 4096);
	memset(p, 0, 4096);
	KUNIT_EXPECT_GT(test, actual(test, heap), 4096);
}

static void alloc_out_of_memory_leaves_heap_unchanged(struct kunit *test)
{
	struct chunk_ledger *l = ledger_of(test);
	struct wsheap *heap = new_heap(test, 8 * MiB, 0);
	void *sentinel = (void *)0x5a5a5a50UL;
	struct wsheap_error err = {};
	void *p = sentinel;

	l->fail_from = 1;
	KUNIT_EXPECT_EQ(test, wsheap_alloc(heap, 100, &p, &err), -ENOMEM);
	KUNIT_EXPECT_PTR_EQ(test, p, sentinel);
	KUNIT_EXPECT_EQ(test, err.code, -ENOMEM);
	KUNIT_EXPECT_NOT_NULL(test, err.msg);
	KUNIT_EXPECT_EQ(test, requested(test, heap), 0);
	KUNIT_EXPECT_EQ(test, actual(test, heap), 0);

	l->fail_from = 0;
	alloc_ok(test, heap, 100);
	KUNIT_EXPECT_EQ(test, requested(test, heap), 100);
	expect_actual_is_ledger(test, heap);
}

/* ---- wsheap_alloc: what comes back ---- */

static void alloc_zero_size_gives_aligned_non_null(struct kunit *test)
{
	struct wsheap *heap = new_heap(test, 4096, 0);
	void *p;

	p = alloc_ok(test, heap, 0);
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)p, 8));
	KUNIT_EXPECT_EQ(test, requested(test, heap), 0);
	/* A zero-byte object needs no memory, so no chunk either. */
	KUNIT_EXPECT_EQ(test, actual(test, heap), 0);

	alloc_ok(test, heap, 24);
	p = alloc_ok(test, heap, 0);
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)p, 8));
	KUNIT_EXPECT_EQ(test, requested(test, heap), 24);
}

static void alloc_bumps_without_per_object_header(struct kunit *test)
{
	struct wsheap *heap = new_heap(test, MiB, 0);
	char *a, *b, *c;

	a = alloc_ok(test, heap, 16);
	b = alloc_ok(test, heap, 13);
	c = alloc_ok(test, heap, 8);
	KUNIT_EXPECT_PTR_EQ(test, b, a + step(16));
	KUNIT_EXPECT_PTR_EQ(test, c, b + step(13));
	KUNIT_EXPECT_EQ(test, ledger_of(test)->allocs, 1);
}

/* The inline fast path and the exported out-of-line call share one heap. */
static void alloc_inline_and_out_of_line_agree(struct kunit *test)
{
	/* one 192-byte chunk: the three blocks and their redzones fit */
	struct wsheap *heap = new_heap(test, 160, 0);
	void *sentinel = (void *)0x5a5a5a50UL;
	char *a, *b, *c;
	void *p = sentinel;

	a = alloc_ok(test, heap, 10);
	/* 17 rounds up to 24: the out-of-line bump must round the same. */
	KUNIT_ASSERT_EQ(test, __wsheap_alloc(heap, 17, &p, NULL), 0);
	b = p;
	c = alloc_ok(test, heap, 33);
	KUNIT_EXPECT_PTR_EQ(test, b, a + step(10));
	KUNIT_EXPECT_PTR_EQ(test, c, b + step(17));
	KUNIT_EXPECT_EQ(test, requested(test, heap), 60);
	p = sentinel;
	KUNIT_EXPECT_EQ(test, __wsheap_alloc(heap, 101, &p, NULL), -EDQUOT);
	KUNIT_EXPECT_EQ(test, wsheap_alloc(heap, 101, &p, NULL), -EDQUOT);
	KUNIT_EXPECT_EQ(test, __wsheap_alloc(NULL, 1, &p, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, __wsheap_alloc(heap, 1, NULL, NULL), -EINVAL);
	KUNIT_EXPECT_PTR_EQ(test, p, sentinel);
	KUNIT_EXPECT_EQ(test, requested(test, heap), 60);
}

static void alloc_mixed_sizes_are_aligned_and_counted(struct kunit *test)
{
	struct wsheap *heap = new_heap(test, SIZE_MAX, 0);
	struct rnd_state rnd;
	size_t sum = 0;
	unsigned int i;

	prandom_seed_state(&rnd, 0x5eed);
	for (i = 0; i < 5000; i++) {
		size_t size = prandom_u32_state(&rnd) % 1025;
		void *p = alloc_ok(test, heap, size);

		KUNIT_ASSERT_TRUE_MSG(test, IS_ALIGNED((unsigned long)p, 8),
				      "alloc %u of %zu bytes at %p", i, size,
				      p);
		sum += size;
	}
	KUNIT_EXPECT_EQ(test, requested(test, heap), sum);
	expect_actual_is_ledger(test, heap);
}

struct span {
	const u8 *start;
	size_t size;
	unsigned int index;
};

static int span_cmp(const void *a, const void *b)
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
static void expect_disjoint_owned_spans(struct kunit *test, struct span *s,
					unsigned int n)
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

static void alloc_objects_never_overlap(struct kunit *test)
{
	const unsigned int n = 3000;
	struct wsheap *heap = new_heap(test, SIZE_MAX, 0);
	struct span *s = kunit_kmalloc_array(test, n, sizeof(*s), GFP_KERNEL);
	struct rnd_state rnd;
	unsigned int i, used = 0;

	KUNIT_ASSERT_NOT_NULL(test, s);
	prandom_seed_state(&rnd, 0x0ff5e7);
	for (i = 0; i < n; i++) {
		u32 r = prandom_u32_state(&rnd);
		/* Mostly small, a few larger than a whole chunk. */
		size_t size = r % 64 ? r % 700 + 1 : 20 * KiB + r % (64 * KiB);
		u8 *p = alloc_ok(test, heap, size);

		memset(p, pattern_byte(i), size);
		s[used++] = (struct span){ .start = p, .size = size, .index = i };
	}
	for (i = 0; i < used; i++)
		KUNIT_ASSERT_NULL_MSG(test, memchr_inv(s[i].start,
						       pattern_byte(s[i].index),
						       s[i].size),
				      "object %u was overwritten", s[i].index);
	expect_disjoint_owned_spans(test, s, used);
	expect_actual_is_ledger(test, heap);
}

static void alloc_oversize_gets_own_chunk(struct kunit *test)
{
	struct chunk_ledger *l = ledger_of(test);
	struct wsheap *heap = new_heap(test, 64 * MiB, 0);
	char *small, *big, *next;

	small = alloc_ok(test, heap, 64);
	KUNIT_ASSERT_EQ(test, l->allocs, 1);
	big = alloc_ok(test, heap, 4 * MiB);
	KUNIT_ASSERT_EQ(test, l->allocs, 2);
	/* Sized to the request, not to the growth policy's next size. */
	KUNIT_EXPECT_GE(test, l->sizes[1], 4 * MiB);
	KUNIT_EXPECT_LE(test, l->sizes[1], 4 * MiB + PAGE_SIZE);
	memset(big, 0x3c, 4 * MiB);

	/* The first chunk still has room: small objects keep going there. */
	next = alloc_ok(test, heap, 64);
	KUNIT_EXPECT_PTR_EQ(test, next, small + step(64));
	KUNIT_EXPECT_EQ(test, l->allocs, 2);
	expect_actual_is_ledger(test, heap);
}

/*
 * A small heap holds one slab object of its quota's class, counted whole;
 * the chunk header comes out of that object, so a heap that uses its
 * whole quota needs a second, small chunk.
 */
static void alloc_small_quota_takes_one_slab_object(struct kunit *test)
{
	struct chunk_ledger *l = ledger_of(test);
	struct wsheap *heap = new_heap(test, 256, 256);

	alloc_ok(test, heap, 150);
	alloc_ok(test, heap, 50);
	KUNIT_EXPECT_EQ(test, l->allocs, 1);
	KUNIT_EXPECT_EQ(test, l->slab_chunks, 1);
	KUNIT_EXPECT_EQ(test, actual(test, heap), 256);
	alloc_ok(test, heap, 56);
	KUNIT_EXPECT_EQ(test, l->allocs, 2);
	KUNIT_EXPECT_EQ(test, l->slab_chunks, 2);
	KUNIT_EXPECT_LE(test, l->sizes[1], 128);
	expect_actual_is_ledger(test, heap);
}

/*
 * Short-lived heaps live on slab chunks; past WSHEAP_MIN_CHUNK (16 KiB)
 * chunks are vmalloc()'d.  Both kinds count in ACTUAL_SIZE as allocated.
 */
/*
 * A heap object is one kmalloc-192 object at most (without the debug
 * checks, which add a magic and a flag): a short-lived heap pays for no
 * larger slab class.
 */
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
	size_t b;

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
	KUNIT_EXPECT_GE(test, b, 256 + 32);
	KUNIT_EXPECT_LE(test, b, 512);
	KUNIT_EXPECT_EQ(test, b, kmalloc_size_roundup(b));
	/* A quota smaller than the header still gets a chunk that holds it. */
	KUNIT_EXPECT_GE(test, wsheap_chunk_bytes(0, 8, 8), 8 + 32);

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

/* ---- wsheap_reset ---- */

static void reset_rejects_null_heap(struct kunit *test)
{
	struct wsheap_error err = {};

	KUNIT_EXPECT_EQ(test, wsheap_reset(NULL, &err), -EINVAL);
	KUNIT_EXPECT_EQ(test, err.code, -EINVAL);
	KUNIT_EXPECT_NOT_NULL(test, err.msg);
	KUNIT_EXPECT_EQ(test, wsheap_reset(NULL, NULL), -EINVAL);
}

static void reset_with_trim_zero_releases_every_chunk(struct kunit *test)
{
	struct chunk_ledger *l = ledger_of(test);
	struct wsheap *heap = new_heap(test, 16 * MiB, 0);
	unsigned int i;

	for (i = 0; i < 2000; i++)
		alloc_ok(test, heap, 1000);
	KUNIT_ASSERT_GT(test, l->nr_live, 1);
	KUNIT_ASSERT_EQ(test, wsheap_reset(heap, NULL), 0);
	KUNIT_EXPECT_EQ(test, requested(test, heap), 0);
	KUNIT_EXPECT_EQ(test, actual(test, heap), 0);
	KUNIT_EXPECT_EQ(test, l->nr_live, 0);
	/* The heap object survives and works again. */
	alloc_ok(test, heap, 1000);
	KUNIT_EXPECT_EQ(test, requested(test, heap), 1000);
}

/* Sizes of one round of a replayable workload, oversize objects included. */
static size_t round_size(struct rnd_state *rnd)
{
	u32 r = prandom_u32_state(rnd);

	return r % 50 ? r % 300 : 30 * KiB + r % (100 * KiB);
}

static void replay_round(struct kunit *test, struct wsheap *heap, u32 seed,
			 unsigned int n)
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

static void reset_within_trim_keeps_all_and_reuses(struct kunit *test)
{
	struct chunk_ledger *l = ledger_of(test);
	struct wsheap *heap = new_heap(test, 64 * MiB, 32 * MiB);
	unsigned int allocs, round;
	size_t held;
	void *first;

	first = alloc_ok(test, heap, 8);
	replay_round(test, heap, 42, 4000);
	held = actual(test, heap);
	allocs = l->allocs;
	KUNIT_ASSERT_GT(test, allocs, 3);
	KUNIT_ASSERT_LE(test, held, 32 * MiB);

	for (round = 0; round < 3; round++) {
		KUNIT_ASSERT_EQ(test, wsheap_reset(heap, NULL), 0);
		KUNIT_EXPECT_EQ(test, requested(test, heap), 0);
		KUNIT_EXPECT_EQ(test, actual(test, heap), held);
		/* The same memory comes back, from the start. */
		KUNIT_EXPECT_PTR_EQ(test, alloc_ok(test, heap, 8), first);
		replay_round(test, heap, 42, 4000);
		KUNIT_EXPECT_EQ_MSG(test, l->allocs, allocs,
				    "round %u needed new chunks", round);
		KUNIT_EXPECT_EQ(test, actual(test, heap), held);
	}
	KUNIT_EXPECT_EQ(test, l->frees, 0);
}

static void reset_below_working_set_trims_to_trim_size(struct kunit *test)
{
	struct chunk_ledger *l = ledger_of(test);
	const size_t trim = 100 * KiB;
	struct wsheap *heap = new_heap(test, 64 * MiB, trim);
	unsigned int round;

	for (round = 0; round < 3; round++) {
		replay_round(test, heap, 7, 3000);
		KUNIT_ASSERT_GT(test, actual(test, heap), trim);
		KUNIT_ASSERT_EQ(test, wsheap_reset(heap, NULL), 0);
		KUNIT_EXPECT_EQ(test, requested(test, heap), 0);
		KUNIT_EXPECT_LE(test, actual(test, heap), trim);
		KUNIT_EXPECT_GT(test, actual(test, heap), 0);
		expect_actual_is_ledger(test, heap);
		KUNIT_EXPECT_GT(test, l->frees, 0);
	}
}

static void reset_quota_is_whole_again(struct kunit *test)
{
	struct wsheap *heap = new_heap(test, 1000, 4096);
	void *p;

	alloc_ok(test, heap, 1000);
	KUNIT_EXPECT_EQ(test, wsheap_alloc(heap, 8, &p, NULL), -EDQUOT);
	KUNIT_ASSERT_EQ(test, wsheap_reset(heap, NULL), 0);
	alloc_ok(test, heap, 1000);
	KUNIT_EXPECT_EQ(test, requested(test, heap), 1000);
}

/* ---- wsheap_free ---- */

static void free_null_does_nothing(struct kunit *test)
{
	wsheap_free(NULL);
	KUNIT_EXPECT_EQ(test, ledger_of(test)->frees, 0);
}

static void free_releases_every_chunk(struct kunit *test)
{
	struct chunk_ledger *l = ledger_of(test);
	struct wsheap *heap = new_heap(test, 64 * MiB, 64 * MiB);

	replay_round(test, heap, 3, 3000);
	KUNIT_ASSERT_EQ(test, wsheap_reset(heap, NULL), 0);
	alloc_ok(test, heap, 100);
	KUNIT_ASSERT_GT(test, l->nr_live, 1);
	release_heap(test, heap);
	KUNIT_EXPECT_EQ(test, l->nr_live, 0);
	KUNIT_EXPECT_EQ(test, l->live_bytes, 0);
	KUNIT_EXPECT_EQ(test, l->frees, l->allocs);
}

/* ---- wsheap_get_property ---- */

static void get_property_rejects_bad_arguments(struct kunit *test)
{
	struct wsheap *heap = new_heap(test, 4096, 0);
	const size_t sentinel = 0x5a5a5a5aUL;
	size_t buf = sentinel;
	struct wsheap_error err = {};

	KUNIT_EXPECT_EQ(test, wsheap_get_property(NULL,
						  WSHEAP_PROPERTY_MAX_SIZE,
						  &buf, sizeof(buf), &err),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, err.code, -EINVAL);
	KUNIT_EXPECT_EQ(test, wsheap_get_property(heap,
						  WSHEAP_PROPERTY_MAX_SIZE,
						  NULL, sizeof(buf), NULL),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, wsheap_get_property(heap,
						  WSHEAP_PROPERTY_MAX_SIZE,
						  &buf, sizeof(buf) - 1, NULL),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, wsheap_get_property(heap,
						  WSHEAP_PROPERTY_MAX_SIZE,
						  &buf, 2 * sizeof(buf), NULL),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, wsheap_get_property(heap,
						  WSHEAP_PROPERTY_MAX_SIZE,
						  &buf, 0, NULL),
			-EINVAL);
	/* 4 and 5 are NAME and ACCOUNT since v2: 6 is the first unknown. */
	KUNIT_EXPECT_EQ(test, wsheap_get_property(heap,
						  (enum wsheap_property_id)6,
						  &buf, sizeof(buf), NULL),
			-EINVAL);
	err = (struct wsheap_error){};
	KUNIT_EXPECT_EQ(test, wsheap_get_property(heap,
						  (enum wsheap_property_id)-1,
						  &buf, sizeof(buf), &err),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, err.code, -EINVAL);
	KUNIT_EXPECT_NOT_NULL(test, err.msg);
	KUNIT_EXPECT_EQ(test, buf, sentinel);
}

static void get_property_reports_each_value(struct kunit *test)
{
	struct wsheap *heap = new_heap(test, 10 * KiB, 3 * KiB);

	alloc_ok(test, heap, 1000);
	alloc_ok(test, heap, 3);
	KUNIT_EXPECT_EQ(test, prop(test, heap, WSHEAP_PROPERTY_MAX_SIZE),
			10 * KiB);
	KUNIT_EXPECT_EQ(test, prop(test, heap, WSHEAP_PROPERTY_TRIM_SIZE),
			3 * KiB);
	KUNIT_EXPECT_EQ(test, requested(test, heap), 1003);
	KUNIT_EXPECT_GE(test, actual(test, heap), 1003);
	expect_actual_is_ledger(test, heap);
}

/* ---- the error object ---- */

static void error_object_untouched_on_success(struct kunit *test)
{
	struct wsheap_error err = { .code = 12345, .msg = "caller's" };
	struct wsheap *heap = NULL;
	size_t value;
	void *p;

	KUNIT_ASSERT_EQ(test, wsheap_create(4096, 0, NULL, 0, &heap, &err), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, free_heap_action,
							heap), 0);
	KUNIT_EXPECT_EQ(test, wsheap_alloc(heap, 100, &p, &err), 0);
	KUNIT_EXPECT_EQ(test, wsheap_get_property(heap,
						  WSHEAP_PROPERTY_ACTUAL_SIZE,
						  &value, sizeof(value), &err),
			0);
	KUNIT_EXPECT_EQ(test, wsheap_reset(heap, &err), 0);
	KUNIT_EXPECT_EQ(test, err.code, 12345);
	KUNIT_EXPECT_STREQ(test, err.msg, "caller's");
}

static void error_object_names_each_cause(struct kunit *test)
{
	struct wsheap *heap = new_heap(test, 100, 0);
	struct wsheap_error quota = {}, arg = {}, oom = {};
	void *p;

	KUNIT_EXPECT_EQ(test, wsheap_alloc(heap, 101, &p, &quota), -EDQUOT);
	KUNIT_EXPECT_EQ(test, wsheap_alloc(heap, 1, NULL, &arg), -EINVAL);
	ledger_of(test)->fail_from = 1;
	KUNIT_EXPECT_EQ(test, wsheap_alloc(heap, 1, &p, &oom), -ENOMEM);
	KUNIT_ASSERT_NOT_NULL(test, quota.msg);
	KUNIT_ASSERT_NOT_NULL(test, arg.msg);
	KUNIT_ASSERT_NOT_NULL(test, oom.msg);
	KUNIT_EXPECT_EQ(test, quota.code, -EDQUOT);
	KUNIT_EXPECT_EQ(test, arg.code, -EINVAL);
	KUNIT_EXPECT_EQ(test, oom.code, -ENOMEM);
	/* Three causes, three different texts. */
	KUNIT_EXPECT_STRNEQ(test, quota.msg, arg.msg);
	KUNIT_EXPECT_STRNEQ(test, quota.msg, oom.msg);
	KUNIT_EXPECT_STRNEQ(test, arg.msg, oom.msg);
}

/* ---- reliability: failure injection and a randomised model ---- */

#define MAX_SPANS	4096

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
	struct chunk_ledger *l = ledger_of(test);
	void *sentinel = (void *)0x5a5a5a50UL;
	struct span *s;
	unsigned int n, i, used;
	bool failed = true;

	s = kunit_kmalloc_array(test, MAX_SPANS, sizeof(*s), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);

	for (n = 1; failed; n++) {
		struct wsheap *heap = new_heap(test, 64 * MiB, 0);
		struct rnd_state rnd;

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
	KUNIT_EXPECT_GT(test, l->slab_chunks, 0);
	KUNIT_EXPECT_GT(test, l->vmalloc_chunks, 0);
}

#define MODEL_SEED	0x77736870U
#define MODEL_SENTINEL	((void *)0x5a5a5a50UL)
/*
 * Operations of the model test.  KMSAN under QEMU runs it about 20 times
 * slower than UML: its stage passes wsheap_kunit.model_ops on the kernel
 * command line.
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
	m->heap = new_heap(test, m->max_size, m->trim_size);
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
				      "op %u: resized a block in place that is not the last",
				      op);
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
	KUNIT_ASSERT_LE(test, actual(test, m->heap), m->trim_size);
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
	KUNIT_EXPECT_GT(test, m.in_place, model_ops / 1000);
	KUNIT_EXPECT_GT(test, m.copies, model_ops / 1000);
	KUNIT_EXPECT_GT(test, m.rollbacks, model_ops / 1000);
	KUNIT_EXPECT_GT(test, m.stale_refused, model_ops / 10000);
}

/* ---- v2: zalloc ---- */

static void zalloc_zeroes_memory_reused_after_reset(struct kunit *test)
{
	struct chunk_ledger *l = ledger_of(test);
	struct wsheap *heap = new_heap(test, MiB, MiB);
	u8 *dirty, *p = NULL;

	dirty = alloc_ok(test, heap, 3000);
	memset(dirty, 0xff, 3000);
	KUNIT_ASSERT_EQ(test, wsheap_reset(heap, NULL), 0);

	KUNIT_ASSERT_EQ(test, wsheap_zalloc(heap, 3000, (void **)&p, NULL), 0);
	/* The same memory came back, and it reads as zero. */
	KUNIT_EXPECT_PTR_EQ(test, p, dirty);
	KUNIT_EXPECT_NULL(test, memchr_inv(p, 0, 3000));
	KUNIT_EXPECT_EQ(test, requested(test, heap), 3000);
	KUNIT_EXPECT_EQ(test, l->allocs, 1);
}

static void zalloc_refuses_as_alloc_does(struct kunit *test)
{
	struct wsheap *heap = new_heap(test, 100, 0);
	void *sentinel = (void *)0x5a5a5a50UL;
	struct wsheap_error err = {};
	void *p = sentinel;

	KUNIT_EXPECT_EQ(test, wsheap_zalloc(NULL, 8, &p, &err), -EINVAL);
	KUNIT_EXPECT_EQ(test, err.code, -EINVAL);
	KUNIT_EXPECT_NOT_NULL(test, err.msg);
	KUNIT_EXPECT_EQ(test, wsheap_zalloc(heap, 8, NULL, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, wsheap_zalloc(heap, 101, &p, &err), -EDQUOT);
	KUNIT_EXPECT_EQ(test, err.code, -EDQUOT);
	ledger_of(test)->fail_from = 1;
	KUNIT_EXPECT_EQ(test, wsheap_zalloc(heap, 8, &p, &err), -ENOMEM);
	KUNIT_EXPECT_EQ(test, err.code, -ENOMEM);
	KUNIT_EXPECT_PTR_EQ(test, p, sentinel);
	KUNIT_EXPECT_EQ(test, requested(test, heap), 0);
	KUNIT_EXPECT_EQ(test, actual(test, heap), 0);
	ledger_of(test)->fail_from = 0;
	KUNIT_EXPECT_EQ(test, wsheap_zalloc(heap, 0, &p, NULL), 0);
	KUNIT_EXPECT_NOT_NULL(test, p);
}

/* ---- v2: alloc_aligned ---- */

static void *aligned_ok(struct kunit *test, struct wsheap *heap, size_t size,
			size_t align)
{
	void *p = NULL;

	KUNIT_ASSERT_EQ_MSG(test, wsheap_alloc_aligned(heap, size, align, &p,
						       NULL), 0,
			    "size %zu align %zu", size, align);
	KUNIT_ASSERT_NOT_NULL(test, p);
	return p;
}

static void aligned_rejects_bad_alignment(struct kunit *test)
{
	static const size_t bad[] = { 0, 3, 24, 100, 2 * PAGE_SIZE,
				      SIZE_MAX, (SIZE_MAX >> 1) + 1 };
	struct wsheap *heap = new_heap(test, MiB, 0);
	void *sentinel = (void *)0x5a5a5a50UL;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		struct wsheap_error err = {};
		void *p = sentinel;

		KUNIT_EXPECT_EQ_MSG(test, wsheap_alloc_aligned(heap, 8, bad[i],
							       &p, &err),
				    -EINVAL, "align %zu", bad[i]);
		KUNIT_EXPECT_PTR_EQ(test, p, sentinel);
		KUNIT_EXPECT_EQ(test, err.code, -EINVAL);
		KUNIT_EXPECT_NOT_NULL(test, err.msg);
	}
	KUNIT_EXPECT_EQ(test, requested(test, heap), 0);
	KUNIT_EXPECT_EQ(test, actual(test, heap), 0);
}

static void aligned_blocks_are_aligned_and_padding_uncounted(struct kunit *test)
{
	struct wsheap *heap = new_heap(test, SIZE_MAX, 0);
	size_t align, size, sum = 0;

	for (align = 1; align <= PAGE_SIZE; align <<= 1) {
		for (size = 0; size < 70; size += 23) {
			u8 *p;

			alloc_ok(test, heap, 3);	/* knock the bump off */
			p = aligned_ok(test, heap, size, align);
			KUNIT_EXPECT_TRUE_MSG(test,
					      IS_ALIGNED((unsigned long)p,
							 max_t(size_t, align, 8)),
					      "%p for align %zu", p, align);
			if (size)
				KUNIT_EXPECT_TRUE(test,
						  ledger_owns(ledger_of(test),
							      p, size));
			memset(p, 0x11, size);
			sum += size + 3;
		}
	}
	KUNIT_EXPECT_EQ(test, requested(test, heap), sum);
	expect_actual_is_ledger(test, heap);
}

/* A quota that the padding alone would exceed still takes the block. */
static void aligned_padding_is_not_quota(struct kunit *test)
{
	struct wsheap *heap = new_heap(test, PAGE_SIZE / 2, 0);

	alloc_ok(test, heap, 8);
	aligned_ok(test, heap, PAGE_SIZE / 2 - 16, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, requested(test, heap), PAGE_SIZE / 2 - 8);
	aligned_ok(test, heap, 8, 256);
	KUNIT_EXPECT_EQ(test, requested(test, heap), PAGE_SIZE / 2);
}

/* A new chunk holds the block whatever its alignment costs. */
static void aligned_new_chunk_fits_the_request(struct kunit *test)
{
	struct wsheap *heap = new_heap(test, SIZE_MAX, 0);
	struct chunk_ledger *l = ledger_of(test);
	const size_t big = 40 * KiB;
	u8 *p;

	alloc_ok(test, heap, 8);
	p = aligned_ok(test, heap, big, PAGE_SIZE);
	KUNIT_EXPECT_TRUE(test, PAGE_ALIGNED(p));
	KUNIT_EXPECT_TRUE(test, ledger_owns(l, p, big));
	memset(p, 0x22, big);
	KUNIT_EXPECT_EQ(test, l->allocs, 2);
	/*
	 * On a fresh heap, a block that with the chunk header would fill
	 * whole pages exactly: the chunk must also hold the padding.
	 */
	heap = new_heap(test, SIZE_MAX, 0);
	p = aligned_ok(test, heap, 64 * KiB - 24, PAGE_SIZE);
	KUNIT_EXPECT_TRUE(test, PAGE_ALIGNED(p));
	KUNIT_EXPECT_TRUE(test, ledger_owns(l, p, 64 * KiB - 24));
}

/* ---- v2: realloc ---- */

static void *realloc_ok(struct kunit *test, struct wsheap *heap, void *old,
			size_t old_size, size_t new_size)
{
	void *p = NULL;

	KUNIT_ASSERT_EQ_MSG(test, wsheap_realloc(heap, old, old_size, new_size,
						 &p, NULL), 0,
			    "%zu -> %zu", old_size, new_size);
	KUNIT_ASSERT_NOT_NULL(test, p);
	return p;
}

static void realloc_of_null_allocates(struct kunit *test)
{
	struct wsheap *heap = new_heap(test, MiB, 0);
	char *a, *b;

	a = realloc_ok(test, heap, NULL, 0, 40);
	b = alloc_ok(test, heap, 8);
	KUNIT_EXPECT_PTR_EQ(test, b, a + step(40));
	KUNIT_EXPECT_EQ(test, requested(test, heap), 48);
}

static void realloc_last_block_grows_and_shrinks_in_place(struct kunit *test)
{
	struct wsheap *heap = new_heap(test, MiB, 0);
	char *a, *b;

	alloc_ok(test, heap, 16);
	a = alloc_ok(test, heap, 10);
	memset(a, 0x33, 10);
	KUNIT_EXPECT_PTR_EQ(test, realloc_ok(test, heap, a, 10, 1000), a);
	KUNIT_EXPECT_EQ(test, requested(test, heap), 1016);
	KUNIT_EXPECT_NULL(test, memchr_inv(a, 0x33, 10));
	memset(a, 0x44, 1000);
	/* Shrinking gives the bytes back, to the quota and to the bump. */
	KUNIT_EXPECT_PTR_EQ(test, realloc_ok(test, heap, a, 1000, 20), a);
	KUNIT_EXPECT_EQ(test, requested(test, heap), 36);
	b = alloc_ok(test, heap, 8);
	KUNIT_EXPECT_PTR_EQ(test, b, a + step(20));
	KUNIT_EXPECT_NULL(test, memchr_inv(a, 0x44, 20));
	KUNIT_EXPECT_EQ(test, ledger_of(test)->allocs, 1);
}

/* Not the last block: a copy, and the old block stays as it was. */
static void expect_realloc_copies(struct kunit *test, struct wsheap *heap,
				  u8 *old, size_t old_size, size_t new_size)
{
	size_t before = requested(test, heap);
	u8 *p;

	memset(old, 0x55, old_size);
	p = realloc_ok(test, heap, old, old_size, new_size);
	KUNIT_EXPECT_PTR_NE(test, p, old);
	KUNIT_EXPECT_NULL(test, memchr_inv(p, 0x55, min(old_size, new_size)));
	KUNIT_EXPECT_EQ(test, requested(test, heap), before + new_size);
	memset(p, 0x66, new_size);
	KUNIT_EXPECT_NULL(test, memchr_inv(old, 0x55, old_size));
	KUNIT_EXPECT_TRUE(test, ledger_owns(ledger_of(test), p, new_size));
}

static void realloc_of_earlier_block_copies(struct kunit *test)
{
	struct wsheap *heap = new_heap(test, MiB, 0);
	struct wsheap_mark mark;
	u8 *a;

	/* Another allocation since. */
	a = alloc_ok(test, heap, 24);
	alloc_ok(test, heap, 8);
	expect_realloc_copies(test, heap, a, 24, 64);
	/* A zero-byte allocation since is an allocation too. */
	a = alloc_ok(test, heap, 24);
	alloc_ok(test, heap, 0);
	expect_realloc_copies(test, heap, a, 24, 8);
	/* A rollback since, even to a mark taken after the block. */
	a = alloc_ok(test, heap, 24);
	KUNIT_ASSERT_EQ(test, wsheap_mark(heap, &mark, NULL), 0);
	KUNIT_ASSERT_EQ(test, wsheap_rollback(heap, &mark, NULL), 0);
	expect_realloc_copies(test, heap, a, 24, 64);
}

static void realloc_after_reset_does_not_resize_in_place(struct kunit *test)
{
	struct wsheap *heap = new_heap(test, MiB, MiB);
	u8 *a, *p;

	a = alloc_ok(test, heap, 24);
	KUNIT_ASSERT_EQ(test, wsheap_reset(heap, NULL), 0);
	/* a is invalid now, but the same address is handed out again. */
	KUNIT_ASSERT_PTR_EQ(test, (u8 *)alloc_ok(test, heap, 8), a);
	p = realloc_ok(test, heap, NULL, 0, 8);
	KUNIT_EXPECT_PTR_EQ(test, p, a + step(8));
	KUNIT_EXPECT_EQ(test, requested(test, heap), 16);
}

static void realloc_without_room_copies(struct kunit *test)
{
	struct wsheap *heap = new_heap(test, SIZE_MAX, 0);
	struct chunk_ledger *l = ledger_of(test);
	u8 *a;

	a = alloc_ok(test, heap, 100);
	/* Far more than the first chunk holds. */
	expect_realloc_copies(test, heap, a, 100, 200 * KiB);
	KUNIT_EXPECT_EQ(test, l->allocs, 2);
}

/* A block too large for the current chunk has a chunk of its own. */
static void realloc_grows_block_in_own_chunk_in_place(struct kunit *test)
{
	struct wsheap *heap = new_heap(test, SIZE_MAX, 0);
	struct chunk_ledger *l = ledger_of(test);
	u8 *small, *big, *next;

	small = alloc_ok(test, heap, 64);
	big = alloc_ok(test, heap, 64 * KiB);
	KUNIT_ASSERT_EQ(test, l->allocs, 2);
	memset(big, 0x77, 64 * KiB);
	/* Its chunk was rounded up to a page: room for a few bytes more. */
	KUNIT_EXPECT_PTR_EQ(test, realloc_ok(test, heap, big, 64 * KiB,
					     64 * KiB + 1000), big);
	KUNIT_EXPECT_TRUE(test, ledger_owns(l, big, 64 * KiB + 1000));
	KUNIT_EXPECT_NULL(test, memchr_inv(big, 0x77, 64 * KiB));
	memset(big, 0x78, 64 * KiB + 1000);
	/* The bump pointer still runs through the first chunk. */
	next = alloc_ok(test, heap, 8);
	KUNIT_EXPECT_PTR_EQ(test, next, small + step(64));
	KUNIT_EXPECT_EQ(test, requested(test, heap), 64 * KiB + 1072);
	KUNIT_EXPECT_EQ(test, l->allocs, 2);
}

/* old_size above REQUESTED_SIZE is a caller bug, refused before any change. */
static void realloc_refuses_old_size_above_requested(struct kunit *test)
{
	struct wsheap *heap = new_heap(test, 100, 100);
	void *sentinel = SENTINEL, *p = sentinel;
	struct wsheap_error err = {};
	void *a = alloc_ok(test, heap, 8);

	KUNIT_EXPECT_EQ(test, wsheap_realloc(heap, a, 64, 0, &p, &err),
			-EINVAL);
	KUNIT_EXPECT_PTR_EQ(test, p, sentinel);
	KUNIT_EXPECT_EQ(test, err.code, -EINVAL);
	KUNIT_EXPECT_NOT_NULL(test, err.msg);
	KUNIT_EXPECT_EQ(test, requested(test, heap), 8);
	/* REQUESTED_SIZE did not wrap: the quota still holds */
	KUNIT_EXPECT_EQ(test, wsheap_alloc(heap, 150, &p, NULL), -EDQUOT);
	KUNIT_EXPECT_PTR_EQ(test, p, sentinel);
	/* old_size equal to REQUESTED_SIZE is a resize like any other */
	KUNIT_EXPECT_EQ(test, wsheap_realloc(heap, a, 8, 16, &p, NULL), 0);
	KUNIT_EXPECT_EQ(test, requested(test, heap), 16);
	/* realloc of NULL ignores old_size */
	KUNIT_EXPECT_EQ(test, wsheap_realloc(heap, NULL, 1000, 4, &p, NULL), 0);
}

static void realloc_refusals_leave_old_block(struct kunit *test)
{
	/* One 1 KiB chunk, 992 bytes to carve, holds this whole quota. */
	struct wsheap *heap = new_heap(test, 900, 0);
	void *sentinel = (void *)0x5a5a5a50UL;
	struct wsheap_error err = {};
	void *p = sentinel;
	u8 *a, *b;

	KUNIT_EXPECT_EQ(test, wsheap_realloc(NULL, NULL, 0, 8, &p, &err),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, wsheap_realloc(heap, NULL, 0, 8, NULL, NULL),
			-EINVAL);
	a = alloc_ok(test, heap, 300);
	memset(a, 0x12, 300);
	/* In place, by more than the quota has left. */
	KUNIT_EXPECT_EQ(test, wsheap_realloc(heap, a, 300, 901, &p, &err),
			-EDQUOT);
	KUNIT_EXPECT_EQ(test, err.code, -EDQUOT);
	KUNIT_EXPECT_PTR_EQ(test, p, sentinel);
	KUNIT_EXPECT_EQ(test, requested(test, heap), 300);
	/* By a copy: the old block is still counted. */
	b = alloc_ok(test, heap, 8);
	KUNIT_EXPECT_EQ(test, wsheap_realloc(heap, a, 300, 600, &p, NULL),
			-EDQUOT);
	KUNIT_EXPECT_PTR_EQ(test, p, sentinel);
	KUNIT_EXPECT_EQ(test, requested(test, heap), 308);
	KUNIT_EXPECT_NULL(test, memchr_inv(a, 0x12, 300));
	/* The last block still grows in place to exactly the quota. */
	KUNIT_EXPECT_PTR_EQ(test, realloc_ok(test, heap, b, 8, 600), b);
	KUNIT_EXPECT_EQ(test, requested(test, heap), 900);
}

static void realloc_out_of_memory_leaves_old_block(struct kunit *test)
{
	struct chunk_ledger *l = ledger_of(test);
	struct wsheap *heap = new_heap(test, SIZE_MAX, 0);
	void *sentinel = (void *)0x5a5a5a50UL;
	struct wsheap_error err = {};
	void *p = sentinel;
	size_t held;
	u8 *a;

	a = alloc_ok(test, heap, 300);
	memset(a, 0x13, 300);
	held = actual(test, heap);
	l->fail_from = l->attempts + 1;
	KUNIT_EXPECT_EQ(test, wsheap_realloc(heap, a, 300, MiB, &p, &err),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, err.code, -ENOMEM);
	KUNIT_EXPECT_PTR_EQ(test, p, sentinel);
	KUNIT_EXPECT_EQ(test, requested(test, heap), 300);
	KUNIT_EXPECT_EQ(test, actual(test, heap), held);
	KUNIT_EXPECT_NULL(test, memchr_inv(a, 0x13, 300));
	l->fail_from = 0;
	/* Still the last block: it grows in place within its chunk. */
	KUNIT_EXPECT_PTR_EQ(test, realloc_ok(test, heap, a, 300, 400), a);
}

/* ---- v2: memdup, strdup, asprintf ---- */

static void memdup_copies_and_counts(struct kunit *test)
{
	static const u8 src[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 };
	struct wsheap *heap = new_heap(test, MiB, 0);
	void *sentinel = (void *)0x5a5a5a50UL;
	struct wsheap_error err = {};
	void *p = sentinel;

	KUNIT_EXPECT_EQ(test, wsheap_memdup(heap, NULL, 4, &p, &err), -EINVAL);
	KUNIT_EXPECT_EQ(test, err.code, -EINVAL);
	KUNIT_EXPECT_EQ(test, wsheap_memdup(heap, src, 4, NULL, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, wsheap_memdup(NULL, src, 4, &p, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, wsheap_memdup(heap, src, 2 * MiB, &p, NULL),
			-EDQUOT);
	KUNIT_EXPECT_PTR_EQ(test, p, sentinel);
	KUNIT_ASSERT_EQ(test, wsheap_memdup(heap, src, sizeof(src), &p, NULL),
			0);
	KUNIT_EXPECT_PTR_NE(test, p, (void *)src);
	KUNIT_EXPECT_EQ(test, memcmp(p, src, sizeof(src)), 0);
	KUNIT_EXPECT_EQ(test, requested(test, heap), sizeof(src));
	KUNIT_EXPECT_EQ(test, wsheap_memdup(heap, src, 0, &p, NULL), 0);
	KUNIT_EXPECT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, requested(test, heap), sizeof(src));
}

static void strdup_copies_with_nul(struct kunit *test)
{
	struct wsheap *heap = new_heap(test, MiB, 0);
	char *sentinel = (char *)0x5a5a5a50UL;
	char buf[] = "temperature";
	struct wsheap_error err = {};
	char *s = sentinel, *e;

	KUNIT_EXPECT_EQ(test, wsheap_strdup(heap, NULL, &s, &err), -EINVAL);
	KUNIT_EXPECT_EQ(test, err.code, -EINVAL);
	KUNIT_EXPECT_NOT_NULL(test, err.msg);
	KUNIT_EXPECT_EQ(test, wsheap_strdup(heap, buf, NULL, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, wsheap_strdup(NULL, buf, &s, NULL), -EINVAL);
	KUNIT_EXPECT_PTR_EQ(test, s, sentinel);

	KUNIT_ASSERT_EQ(test, wsheap_strdup(heap, buf, &s, NULL), 0);
	buf[0] = 'X';
	KUNIT_EXPECT_STREQ(test, s, "temperature");
	KUNIT_EXPECT_EQ(test, requested(test, heap), sizeof(buf));
	KUNIT_ASSERT_EQ(test, wsheap_strdup(heap, "", &e, NULL), 0);
	KUNIT_EXPECT_STREQ(test, e, "");
	KUNIT_EXPECT_EQ(test, requested(test, heap), sizeof(buf) + 1);
}

static __printf(4, 5) int call_vasprintf(struct wsheap *heap, char **str,
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

/* wsheap_vasprintf() with a NULL format, which no __printf caller passes. */
static int vasprintf_null_format(struct wsheap *heap, char **str,
				 struct wsheap_error *error, ...)
{
	const char *fmt = NULL;
	va_list args;
	int ret;

	OPTIMIZER_HIDE_VAR(fmt);
	va_start(args, error);
	ret = wsheap_vasprintf(heap, str, error, fmt, args);
	va_end(args);
	return ret;
}

static void asprintf_formats_exactly_once(struct kunit *test)
{
	struct wsheap *heap = new_heap(test, MiB, 0);
	char *sentinel = (char *)0x5a5a5a50UL;
	struct wsheap_error err = {};
	char *s = sentinel, *t;

	KUNIT_ASSERT_EQ(test, wsheap_asprintf(heap, &s, NULL, "%s-%u", "rx",
					      42U), 0);
	KUNIT_EXPECT_STREQ(test, s, "rx-42");
	KUNIT_EXPECT_EQ(test, requested(test, heap), 6);
	/* The block is exactly the string: the next one follows at once. */
	KUNIT_ASSERT_EQ(test, call_vasprintf(heap, &t, NULL, "%08x", 0xbeefU),
			0);
	KUNIT_EXPECT_STREQ(test, t, "0000beef");
	KUNIT_EXPECT_PTR_EQ(test, t, s + step(6));
	KUNIT_EXPECT_EQ(test, requested(test, heap), 15);
	KUNIT_ASSERT_EQ(test, wsheap_asprintf(heap, &t, NULL, "%s", ""), 0);
	KUNIT_EXPECT_STREQ(test, t, "");
	KUNIT_EXPECT_EQ(test, requested(test, heap), 16);

	s = sentinel;
	KUNIT_EXPECT_EQ(test, vasprintf_null_format(heap, &s, &err), -EINVAL);
	KUNIT_EXPECT_EQ(test, err.code, -EINVAL);
	KUNIT_EXPECT_EQ(test, wsheap_asprintf(heap, NULL, NULL, "x"), -EINVAL);
	KUNIT_EXPECT_EQ(test, wsheap_asprintf(NULL, &s, NULL, "x"), -EINVAL);
	KUNIT_EXPECT_PTR_EQ(test, s, sentinel);
	KUNIT_EXPECT_EQ(test, requested(test, heap), 16);
}

static void asprintf_longer_than_a_chunk(struct kunit *test)
{
	struct wsheap *heap = new_heap(test, MiB, 0);
	const size_t len = 40 * KiB;
	char *s;

	KUNIT_ASSERT_EQ(test, wsheap_asprintf(heap, &s, NULL, "%*s|", (int)len,
					      "end"), 0);
	KUNIT_EXPECT_EQ(test, strlen(s), len + 1);
	KUNIT_EXPECT_EQ(test, s[len + 1], '\0');
	KUNIT_EXPECT_STREQ(test, s + len - 3, "end|");
	KUNIT_EXPECT_EQ(test, requested(test, heap), len + 2);
	KUNIT_EXPECT_EQ(test, wsheap_asprintf(heap, &s, NULL, "%*s", (int)MiB,
					      ""), -EDQUOT);
}

/* ---- v2: mark and rollback ---- */

static void mark_ok(struct kunit *test, struct wsheap *heap,
		    struct wsheap_mark *mark)
{
	KUNIT_ASSERT_EQ(test, wsheap_mark(heap, mark, NULL), 0);
}

static void rollback_ok(struct kunit *test, struct wsheap *heap,
			const struct wsheap_mark *mark)
{
	KUNIT_ASSERT_EQ(test, wsheap_rollback(heap, mark, NULL), 0);
}

static void mark_and_rollback_reject_null(struct kunit *test)
{
	struct wsheap *heap = new_heap(test, MiB, 0);
	struct wsheap_error err = {};
	struct wsheap_mark mark;

	KUNIT_EXPECT_EQ(test, wsheap_mark(NULL, &mark, &err), -EINVAL);
	KUNIT_EXPECT_EQ(test, err.code, -EINVAL);
	KUNIT_EXPECT_NOT_NULL(test, err.msg);
	KUNIT_EXPECT_EQ(test, wsheap_mark(heap, NULL, NULL), -EINVAL);
	mark_ok(test, heap, &mark);
	KUNIT_EXPECT_EQ(test, wsheap_rollback(NULL, &mark, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, wsheap_rollback(heap, NULL, NULL), -EINVAL);
}

static void rollback_takes_back_what_followed_the_mark(struct kunit *test)
{
	struct wsheap *heap = new_heap(test, MiB, 0);
	struct wsheap_mark mark;
	u8 *a, *b, *c;

	a = alloc_ok(test, heap, 40);
	memset(a, 0x21, 40);
	mark_ok(test, heap, &mark);
	b = alloc_ok(test, heap, 100);
	alloc_ok(test, heap, 200);
	memset(b, 0x22, 100);
	KUNIT_EXPECT_EQ(test, requested(test, heap), 340);

	rollback_ok(test, heap, &mark);
	KUNIT_EXPECT_EQ(test, requested(test, heap), 40);
	KUNIT_EXPECT_NULL(test, memchr_inv(a, 0x21, 40));
	/* The position is the mark's again. */
	c = alloc_ok(test, heap, 8);
	KUNIT_EXPECT_PTR_EQ(test, c, b);
	/* And the same mark again. */
	rollback_ok(test, heap, &mark);
	KUNIT_EXPECT_EQ(test, requested(test, heap), 40);
	KUNIT_EXPECT_PTR_EQ(test, alloc_ok(test, heap, 8), b);
}

/* Chunks acquired after the mark stay, and serve the allocations after. */
static void rollback_keeps_chunks_for_reuse(struct kunit *test)
{
	struct chunk_ledger *l = ledger_of(test);
	struct wsheap *heap = new_heap(test, 64 * MiB, 0);
	struct wsheap_mark mark;
	unsigned int allocs, round;
	size_t held;
	void *first;

	alloc_ok(test, heap, 24);
	mark_ok(test, heap, &mark);
	first = alloc_ok(test, heap, 8);
	replay_round(test, heap, 99, 3000);
	held = actual(test, heap);
	allocs = l->allocs;
	KUNIT_ASSERT_GT(test, allocs, 3);

	for (round = 0; round < 3; round++) {
		rollback_ok(test, heap, &mark);
		KUNIT_EXPECT_EQ(test, requested(test, heap), 24);
		KUNIT_EXPECT_EQ(test, actual(test, heap), held);
		KUNIT_EXPECT_EQ(test, l->frees, 0);
		KUNIT_EXPECT_PTR_EQ(test, alloc_ok(test, heap, 8), first);
		replay_round(test, heap, 99, 3000);
		KUNIT_EXPECT_EQ_MSG(test, l->allocs, allocs,
				    "round %u needed new chunks", round);
	}
	/* The next reset applies the trim. */
	KUNIT_ASSERT_EQ(test, wsheap_reset(heap, NULL), 0);
	KUNIT_EXPECT_EQ(test, actual(test, heap), 0);
	KUNIT_EXPECT_EQ(test, l->nr_live, 0);
}

/* A mark taken in a chunk other than the last one resumes in that chunk. */
static void rollback_resumes_in_the_marked_chunk(struct kunit *test)
{
	struct wsheap *heap = new_heap(test, 64 * MiB, 0);
	struct chunk_ledger *l = ledger_of(test);
	struct wsheap_mark empty, mid;
	u8 *at_mark, *p;
	unsigned int i;

	mark_ok(test, heap, &empty);
	/* 30000 bytes: more than the first chunk, less than two. */
	for (i = 0; i < 150; i++)
		alloc_ok(test, heap, 200);
	KUNIT_ASSERT_EQ(test, l->allocs, 2);
	mark_ok(test, heap, &mid);
	at_mark = alloc_ok(test, heap, 8);
	for (i = 0; i < 1000; i++)
		alloc_ok(test, heap, 200);
	KUNIT_ASSERT_GT(test, l->allocs, 3);

	rollback_ok(test, heap, &mid);
	KUNIT_EXPECT_EQ(test, requested(test, heap), 150 * 200);
	p = alloc_ok(test, heap, 8);
	KUNIT_EXPECT_PTR_EQ(test, p, at_mark);
	/* Back to a mark of the empty heap: everything is spare. */
	rollback_ok(test, heap, &empty);
	KUNIT_EXPECT_EQ(test, requested(test, heap), 0);
	for (i = 0; i < 1150; i++)
		alloc_ok(test, heap, 200);
	KUNIT_EXPECT_EQ(test, l->frees, 0);
	expect_actual_is_ledger(test, heap);
}

static void rollback_nested_marks(struct kunit *test)
{
	struct wsheap *heap = new_heap(test, MiB, 0);
	struct wsheap_mark outer, inner;
	u8 *a, *b, *c;

	a = alloc_ok(test, heap, 16);
	mark_ok(test, heap, &outer);
	b = alloc_ok(test, heap, 16);
	mark_ok(test, heap, &inner);
	c = alloc_ok(test, heap, 16);
	memset(a, 1, 16);
	memset(b, 2, 16);
	rollback_ok(test, heap, &inner);
	KUNIT_EXPECT_EQ(test, requested(test, heap), 32);
	KUNIT_EXPECT_NULL(test, memchr_inv(b, 2, 16));
	KUNIT_EXPECT_PTR_EQ(test, alloc_ok(test, heap, 16), c);
	rollback_ok(test, heap, &outer);
	KUNIT_EXPECT_EQ(test, requested(test, heap), 16);
	KUNIT_EXPECT_NULL(test, memchr_inv(a, 1, 16));
	KUNIT_EXPECT_PTR_EQ(test, alloc_ok(test, heap, 16), b);
}

/*
 * A block from before a mark is copied, not resized in place, after it:
 * a rollback would otherwise undo the resize under the caller.
 */
static void realloc_after_mark_copies(struct kunit *test)
{
	struct wsheap *heap = new_heap(test, MiB, MiB);
	struct wsheap_mark mark;
	u8 *a, *b, *p = NULL;

	/* grow: the 40 bytes would reach past the mark */
	a = alloc_ok(test, heap, 12);
	memset(a, 0x5a, 12);
	mark_ok(test, heap, &mark);
	KUNIT_ASSERT_EQ(test, wsheap_realloc(heap, a, 12, 40, (void **)&p,
					     NULL), 0);
	KUNIT_EXPECT_PTR_NE(test, p, a);
	rollback_ok(test, heap, &mark);
	KUNIT_EXPECT_EQ(test, requested(test, heap), 12);
	b = alloc_ok(test, heap, 16);
	KUNIT_EXPECT_TRUE(test, b >= a + 12 || b + 16 <= a);
	memset(b, 0xa5, 16);
	KUNIT_EXPECT_NULL(test, memchr_inv(a, 0x5a, 12));

	/* shrink: all 100 bytes stay the caller's after the rollback */
	KUNIT_ASSERT_EQ(test, wsheap_reset(heap, NULL), 0);
	a = alloc_ok(test, heap, 100);
	memset(a, 0x3c, 100);
	mark_ok(test, heap, &mark);
	KUNIT_ASSERT_EQ(test, wsheap_realloc(heap, a, 100, 20, (void **)&p,
					     NULL), 0);
	KUNIT_EXPECT_PTR_NE(test, p, a);
	rollback_ok(test, heap, &mark);
	KUNIT_EXPECT_EQ(test, requested(test, heap), 100);
	b = alloc_ok(test, heap, 64);
	memset(b, 0xc3, 64);
	/* KASAN builds: every byte of a is still accessible */
	KUNIT_EXPECT_NULL(test, memchr_inv(a, 0x3c, 100));

	/* after the mark, the block carved after it still grows in place */
	b = alloc_ok(test, heap, 8);
	KUNIT_ASSERT_EQ(test, wsheap_realloc(heap, b, 8, 24, (void **)&p,
					     NULL), 0);
	KUNIT_EXPECT_PTR_EQ(test, p, b);
}

/*
 * A mark of a heap that holds nothing yet names no chunk: only the mark's
 * identity tells the heaps apart, also when a freed heap's object comes
 * back as a new heap at the same address.
 */
static void rollback_refuses_marks_of_fresh_heaps(struct kunit *test)
{
	struct wsheap *heap = new_heap(test, MiB, MiB);
	struct wsheap *other = new_heap(test, MiB, MiB);
	struct wsheap *gone = NULL, *again = NULL;
	struct wsheap_mark mark, old;

	mark_ok(test, heap, &mark);
	alloc_ok(test, other, 64);
	KUNIT_EXPECT_EQ(test, wsheap_rollback(other, &mark, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, requested(test, other), 64);

	/*
	 * A freed heap's object is parked on its CPU, and the next create
	 * there takes it: the same address, a new heap.
	 */
	migrate_disable();
	KUNIT_EXPECT_EQ(test, wsheap_create(MiB, MiB, NULL, 0, &gone, NULL), 0);
	if (gone) {
		wsheap_mark(gone, &old, NULL);
		wsheap_free(gone);
		KUNIT_EXPECT_EQ(test, wsheap_create(MiB, MiB, NULL, 0, &again,
						    NULL), 0);
	}
	migrate_enable();
	KUNIT_ASSERT_NOT_NULL(test, again);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, free_heap_action,
							again), 0);
	KUNIT_ASSERT_PTR_EQ(test, again, gone);
	alloc_ok(test, again, 32);
	KUNIT_EXPECT_EQ(test, wsheap_rollback(again, &old, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, requested(test, again), 32);
}

static void rollback_refuses_foreign_and_stale_marks(struct kunit *test)
{
	struct wsheap *heap = new_heap(test, MiB, MiB);
	struct wsheap *other = new_heap(test, MiB, MiB);
	struct wsheap_mark stale, foreign;
	struct wsheap_error err = {};

	alloc_ok(test, other, 64);
	mark_ok(test, other, &foreign);
	alloc_ok(test, heap, 64);
	mark_ok(test, heap, &stale);
	KUNIT_ASSERT_EQ(test, wsheap_reset(heap, NULL), 0);
	/* The same position in the new round: still from before the reset. */
	alloc_ok(test, heap, 64);
	alloc_ok(test, heap, 32);

	KUNIT_EXPECT_EQ(test, wsheap_rollback(heap, &stale, &err), -EINVAL);
	KUNIT_EXPECT_EQ(test, err.code, -EINVAL);
	KUNIT_EXPECT_NOT_NULL(test, err.msg);
	KUNIT_EXPECT_EQ(test, wsheap_rollback(heap, &foreign, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, requested(test, heap), 96);
	KUNIT_EXPECT_EQ(test, requested(test, other), 64);
	/* Both heaps carry on. */
	alloc_ok(test, heap, 8);
	rollback_ok(test, other, &foreign);
}

/* ---- v2: managed lifetime ---- */

static void devm_create_rejects_null_device(struct kunit *test)
{
	struct wsheap *sentinel = (struct wsheap *)0x5a5a5a50UL;
	struct wsheap *heap = sentinel;
	struct wsheap_error err = {};

	KUNIT_EXPECT_EQ(test, devm_wsheap_create(NULL, MiB, 0, NULL, 0, &heap,
						 &err), -EINVAL);
	KUNIT_EXPECT_PTR_EQ(test, heap, sentinel);
	KUNIT_EXPECT_EQ(test, err.code, -EINVAL);
	KUNIT_EXPECT_NOT_NULL(test, err.msg);
}

static void devm_heap_is_freed_when_device_goes(struct kunit *test)
{
	struct chunk_ledger *l = ledger_of(test);
	struct wsheap *heap = NULL, *sentinel = (struct wsheap *)0x5a5a5a50UL;
	struct wsheap *bad = sentinel;
	struct device *dev;
	size_t too_long = 99;
	struct wsheap_property p = {
		.id = WSHEAP_PROPERTY_MAX_SIZE, .value = &too_long,
		.value_size = sizeof(too_long),
	};

	dev = kunit_device_register(test, "wsheap-kunit");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	KUNIT_EXPECT_EQ(test, devm_wsheap_create(dev, MiB, 0, &p, 1, &bad,
						 NULL), -EINVAL);
	KUNIT_EXPECT_PTR_EQ(test, bad, sentinel);
	KUNIT_ASSERT_EQ(test, devm_wsheap_create(dev, MiB, 0, NULL, 0, &heap,
						 NULL), 0);
	KUNIT_ASSERT_NOT_NULL(test, heap);
	alloc_ok(test, heap, 40 * KiB);
	alloc_ok(test, heap, 40 * KiB);
	KUNIT_ASSERT_EQ(test, l->nr_live, 2);
	kunit_device_unregister(test, dev);
	KUNIT_EXPECT_EQ(test, l->nr_live, 0);
	KUNIT_EXPECT_EQ(test, l->frees, 2);
}

#ifdef DEFINE_FREE
static void scoped_heap_is_freed_at_scope_end(struct kunit *test)
{
	struct chunk_ledger *l = ledger_of(test);
	struct wsheap *kept;

	{
		struct wsheap *heap __free(wsheap) = NULL;

		KUNIT_ASSERT_EQ(test, wsheap_create(MiB, 0, NULL, 0, &heap,
						    NULL), 0);
		alloc_ok(test, heap, 100);
		KUNIT_ASSERT_EQ(test, l->nr_live, 1);
	}
	KUNIT_EXPECT_EQ(test, l->nr_live, 0);
	{
		struct wsheap *heap __free(wsheap) = NULL;

		KUNIT_ASSERT_EQ(test, wsheap_create(MiB, 0, NULL, 0, &heap,
						    NULL), 0);
		alloc_ok(test, heap, 100);
		kept = no_free_ptr(heap);
	}
	KUNIT_EXPECT_EQ(test, l->nr_live, 1);
	wsheap_free(kept);
	KUNIT_EXPECT_EQ(test, l->nr_live, 0);
}
#endif

/* ---- v2: NAME and ACCOUNT ---- */

static struct wsheap *heap_with_props(struct kunit *test,
				      const struct wsheap_property *props,
				      unsigned int n)
{
	struct wsheap *heap = NULL;

	KUNIT_ASSERT_EQ(test, wsheap_create(MiB, 0, props, n, &heap, NULL), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, free_heap_action,
							heap), 0);
	return heap;
}

static void expect_create_refused(struct kunit *test,
				  const struct wsheap_property *props,
				  unsigned int n, const char *what)
{
	struct wsheap *sentinel = (struct wsheap *)0x5a5a5a50UL;
	struct wsheap *heap = sentinel;
	struct wsheap_error err = {};

	KUNIT_EXPECT_EQ_MSG(test, wsheap_create(MiB, 0, props, n, &heap, &err),
			    -EINVAL, "%s", what);
	KUNIT_EXPECT_PTR_EQ_MSG(test, heap, sentinel, "%s", what);
	KUNIT_EXPECT_EQ(test, err.code, -EINVAL);
	KUNIT_EXPECT_NOT_NULL(test, err.msg);
}

static void create_refuses_malformed_properties(struct kunit *test)
{
	static const char long_name[] = "a-name-of-exactly-32-characters!";
	static const char unterminated[4] = { 'a', 'b', 'c', 'd' };
	bool yes = true;
	struct wsheap_property p[2] = {};

	BUILD_BUG_ON(sizeof(long_name) != WSHEAP_NAME_MAX + 1);
	p[0] = (struct wsheap_property){ WSHEAP_PROPERTY_NAME, long_name,
					 sizeof(long_name) };
	expect_create_refused(test, p, 1, "name of WSHEAP_NAME_MAX chars");
	p[0] = (struct wsheap_property){ WSHEAP_PROPERTY_NAME, unterminated,
					 sizeof(unterminated) };
	expect_create_refused(test, p, 1, "name not NUL-terminated");
	p[0] = (struct wsheap_property){ WSHEAP_PROPERTY_NAME, "rx", 2 };
	expect_create_refused(test, p, 1, "NUL past value_size");
	p[0] = (struct wsheap_property){ WSHEAP_PROPERTY_NAME, NULL, 8 };
	expect_create_refused(test, p, 1, "NULL name");
	p[0] = (struct wsheap_property){ WSHEAP_PROPERTY_ACCOUNT, &yes,
					 sizeof(int) };
	expect_create_refused(test, p, 1, "ACCOUNT of sizeof(int)");
	p[0] = (struct wsheap_property){ WSHEAP_PROPERTY_ACCOUNT, NULL,
					 sizeof(bool) };
	expect_create_refused(test, p, 1, "NULL ACCOUNT");
	p[0] = (struct wsheap_property){ WSHEAP_PROPERTY_NAME, "rx", 3 };
	p[1] = p[0];
	expect_create_refused(test, p, 2, "NAME twice");
	p[0] = (struct wsheap_property){ WSHEAP_PROPERTY_ACCOUNT, &yes,
					 sizeof(bool) };
	p[1] = p[0];
	expect_create_refused(test, p, 2, "ACCOUNT twice");
	p[1] = (struct wsheap_property){ (enum wsheap_property_id)6, &yes,
					 sizeof(bool) };
	expect_create_refused(test, p, 2, "unknown id after a good one");
	p[1] = (struct wsheap_property){ (enum wsheap_property_id)-1, &yes,
					 sizeof(bool) };
	expect_create_refused(test, p, 2, "id -1");
}

static void name_is_copied_and_read_back(struct kunit *test)
{
	char name[WSHEAP_NAME_MAX] = "sensor-rx";
	char longest[WSHEAP_NAME_MAX];
	struct wsheap_property p = { WSHEAP_PROPERTY_NAME, name, sizeof(name) };
	char buf[WSHEAP_NAME_MAX + 8];
	struct wsheap_error err = {};
	struct wsheap *heap;

	heap = heap_with_props(test, &p, 1);
	memset(name, 'X', sizeof(name) - 1);
	memset(buf, 0x7f, sizeof(buf));
	KUNIT_ASSERT_EQ(test, wsheap_get_property(heap, WSHEAP_PROPERTY_NAME,
						  buf, sizeof(buf), NULL), 0);
	KUNIT_EXPECT_STREQ(test, buf, "sensor-rx");
	KUNIT_EXPECT_EQ(test, buf[10], 0x7f);	/* nothing after the NUL */
	/* Exactly length + 1 is enough; one byte less is not. */
	KUNIT_EXPECT_EQ(test, wsheap_get_property(heap, WSHEAP_PROPERTY_NAME,
						  buf, 10, NULL), 0);
	memset(buf, 0x7f, sizeof(buf));
	KUNIT_EXPECT_EQ(test, wsheap_get_property(heap, WSHEAP_PROPERTY_NAME,
						  buf, 9, &err), -EINVAL);
	KUNIT_EXPECT_EQ(test, err.code, -EINVAL);
	KUNIT_EXPECT_EQ(test, buf[0], 0x7f);

	/* The longest name, with value_size just large enough. */
	memset(longest, 'n', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	p = (struct wsheap_property){ WSHEAP_PROPERTY_NAME, longest,
				      sizeof(longest) };
	heap = heap_with_props(test, &p, 1);
	KUNIT_ASSERT_EQ(test, wsheap_get_property(heap, WSHEAP_PROPERTY_NAME,
						  buf, sizeof(buf), NULL), 0);
	KUNIT_EXPECT_STREQ(test, buf, longest);

	/* An unnamed heap reads "". */
	heap = new_heap(test, MiB, 0);
	KUNIT_ASSERT_EQ(test, wsheap_get_property(heap, WSHEAP_PROPERTY_NAME,
						  buf, 1, NULL), 0);
	KUNIT_EXPECT_EQ(test, buf[0], '\0');
}

static bool account_of(struct kunit *test, struct wsheap *heap)
{
	bool value = false;

	KUNIT_EXPECT_EQ(test, wsheap_get_property(heap, WSHEAP_PROPERTY_ACCOUNT,
						  &value, sizeof(value), NULL),
			0);
	return value;
}

/* An accounted heap charges its object as well as its chunks. */
static void account_charges_the_heap_object(struct kunit *test)
{
	struct chunk_ledger *l = ledger_of(test);
	bool yes = true;
	struct wsheap_property p = { WSHEAP_PROPERTY_ACCOUNT, &yes,
				     sizeof(yes) };

	kunit_activate_static_stub(test, wsheap_object_alloc,
				   recording_object_alloc);
	new_heap(test, MiB, 0);
	KUNIT_EXPECT_FALSE(test, l->object_gfp & __GFP_ACCOUNT);
	KUNIT_EXPECT_TRUE(test, l->object_gfp & __GFP_NOWARN);
	heap_with_props(test, &p, 1);
	KUNIT_EXPECT_TRUE(test, l->object_gfp & __GFP_ACCOUNT);
	KUNIT_EXPECT_TRUE(test, l->object_gfp & __GFP_NOWARN);
	kunit_deactivate_static_stub(test, wsheap_object_alloc);
}

static void account_charges_every_chunk(struct kunit *test)
{
	struct chunk_ledger *l = ledger_of(test);
	bool yes = true, no = false, buf = false;
	struct wsheap_property p = { WSHEAP_PROPERTY_ACCOUNT, &yes,
				     sizeof(yes) };
	size_t wide = 0;
	struct wsheap *heap;

	heap = new_heap(test, SIZE_MAX, 0);
	KUNIT_EXPECT_FALSE(test, account_of(test, heap));
	alloc_ok(test, heap, 100);
	KUNIT_EXPECT_FALSE(test, l->gfp_seen & __GFP_ACCOUNT);

	p.value = &no;
	heap = heap_with_props(test, &p, 1);
	KUNIT_EXPECT_FALSE(test, account_of(test, heap));
	alloc_ok(test, heap, 100);
	KUNIT_EXPECT_FALSE(test, l->gfp_seen & __GFP_ACCOUNT);

	p.value = &yes;
	heap = heap_with_props(test, &p, 1);
	KUNIT_EXPECT_TRUE(test, account_of(test, heap));
	l->gfp_seen = 0;
	alloc_ok(test, heap, 100);
	alloc_ok(test, heap, 200 * KiB);
	KUNIT_EXPECT_EQ(test, l->attempts, 4);
	KUNIT_EXPECT_TRUE(test, l->gfp_seen & __GFP_ACCOUNT);
	/* Still no warning on a refusal. */
	KUNIT_EXPECT_TRUE(test, l->gfp_seen & __GFP_NOWARN);

	KUNIT_EXPECT_EQ(test, wsheap_get_property(heap, WSHEAP_PROPERTY_ACCOUNT,
						  &wide, sizeof(wide), NULL),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, wide, 0);
	KUNIT_EXPECT_EQ(test, wsheap_get_property(heap,
						  WSHEAP_PROPERTY_MAX_SIZE,
						  &buf, sizeof(buf), NULL),
			-EINVAL);
}

/* ---- v2: chunk failures in every call that allocates ---- */

enum v2_op { OP_ZALLOC, OP_ALIGNED, OP_REALLOC, OP_MEMDUP, OP_STRDUP,
	     OP_ASPRINTF, NR_V2_OPS };

#define V2_SRC_BYTES	(160 * KiB)	/* round_size() stays below */

/* One v2 call of about @size bytes; @last is the newest tracked block. */
static int v2_call(struct wsheap *heap, enum v2_op op, size_t size,
		   const u8 *src, const struct span *last, void **p)
{
	switch (op) {
	case OP_ZALLOC:
		return wsheap_zalloc(heap, size, p, NULL);
	case OP_ALIGNED:
		return wsheap_alloc_aligned(heap, size, 16 << (size % 9), p,
					    NULL);
	case OP_REALLOC:
		return wsheap_realloc(heap, last ? (void *)last->start : NULL,
				      last ? last->size : 0, size, p, NULL);
	case OP_MEMDUP:
		return wsheap_memdup(heap, src, size, p, NULL);
	case OP_STRDUP:
		return wsheap_strdup(heap, src + V2_SRC_BYTES - 1 - size % 300,
				     (char **)p, NULL);
	default:
		return wsheap_asprintf(heap, (char **)p, NULL, "%zu:%s", size,
				       src + V2_SRC_BYTES - 1 - size % 300);
	}
}

/* The bytes a successful v2_call() handed out hold what they must. */
static size_t v2_check(struct kunit *test, enum v2_op op, size_t size,
		       const u8 *src, const struct span *last, const u8 *p)
{
	switch (op) {
	case OP_ZALLOC:
		KUNIT_EXPECT_NULL(test, memchr_inv(p, 0, size));
		return size;
	case OP_ALIGNED:
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
		KUNIT_EXPECT_NOT_NULL(test, strstr(p, src + V2_SRC_BYTES - 1 -
						   size % 300));
		return strlen(p) + 1;
	}
}

/*
 * Fail the 1st, 2nd, ... chunk allocation of a heap grown by the v2 calls
 * in turn.  A failed call leaves its output, the heap and every earlier
 * block (the one realloc was given included) as they were, and the same
 * call succeeds next.
 */
static void every_v2_chunk_failure_is_clean(struct kunit *test)
{
	struct chunk_ledger *l = ledger_of(test);
	void *sentinel = (void *)0x5a5a5a50UL;
	unsigned int n, i, used, failures = 0;
	struct span *s;
	bool failed = true;
	u8 *src;

	s = kunit_kmalloc_array(test, MAX_SPANS, sizeof(*s), GFP_KERNEL);
	src = kunit_kmalloc(test, V2_SRC_BYTES, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_NOT_NULL(test, src);
	for (i = 0; i < V2_SRC_BYTES - 1; i++)
		src[i] = 'a' + i % 26;
	src[V2_SRC_BYTES - 1] = '\0';

	for (n = 1; failed; n++) {
		struct wsheap *heap = new_heap(test, 64 * MiB, 0);
		struct rnd_state rnd;

		prandom_seed_state(&rnd, 4321);
		l->attempts = 0;
		l->fail_from = n;
		failed = false;
		used = 0;
		for (i = 0; i < 2000 && !failed; i++) {
			enum v2_op op = i % NR_V2_OPS;
			size_t size = round_size(&rnd);
			size_t req = requested(test, heap);
			size_t held = actual(test, heap);
			struct span *last = used ? &s[used - 1] : NULL;
			void *p = sentinel;
			int ret;

			ret = v2_call(heap, op, size, src, last, &p);
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
				ret = v2_call(heap, op, size, src, last, &p);
				KUNIT_ASSERT_EQ_MSG(test, ret, 0, "op %d", op);
			}
			size = v2_check(test, op, size, src, last, p);
			/* Resized in place: the old block is this one now. */
			if (last && p == last->start)
				used--;
			track(s, &used, p, size, i);
		}
		release_heap(test, heap);
		KUNIT_EXPECT_EQ(test, l->nr_live, 0);
		KUNIT_EXPECT_EQ(test, l->frees, l->allocs);
	}
	KUNIT_EXPECT_GT(test, failures, 10);
}

/* ---- KASAN: the shadow of heap memory ---- */

/*
 * Shadow values wsheap writes (see wsheap_kasan.c).  Memory never handed
 * out reads 0xF8 (vmalloc-out-of-bounds) or 0xFC (slab-out-of-bounds) by
 * the kind of its chunk: SHADOW_NEVER_HANDED_OUT stands for either.
 */
#define SHADOW_NEVER_HANDED_OUT	(-1)
#define SHADOW_TAKEN_BACK	0xFF

static int shadow_expected(const void *p, int value)
{
	if (value != SHADOW_NEVER_HANDED_OUT)
		return value;
	return is_vmalloc_addr(p) ? 0xF8 : 0xFC;
}

#if WSHEAP_KASAN
static u8 __no_sanitize_address shadow_of(const void *p)
{
	return *(const u8 *)kasan_mem_to_shadow(p);
}
#else
/* Never reached: every case that reads the shadow skips first. */
static u8 shadow_of(const void *p)
{
	return 0;
}
#endif

static void require_kasan(struct kunit *test)
{
	if (!WSHEAP_KASAN)
		kunit_skip(test, "needs generic KASAN with KASAN_VMALLOC");
}

/*
 * Exactly @size bytes at @p are accessible: whole granules read 0, a
 * partial last one the count of its valid bytes, and the granule after
 * the block holds @after (its redzone, or what follows a shrunk block).
 */
static void expect_block_shadow(struct kunit *test, const u8 *p, size_t size,
				int after)
{
	size_t off;

	for (off = 0; off + 8 <= size; off += 8)
		KUNIT_EXPECT_EQ_MSG(test, shadow_of(p + off), 0,
				    "granule at %zu of %zu bytes", off, size);
	if (size % 8) {
		KUNIT_EXPECT_EQ_MSG(test, shadow_of(p + off), size % 8,
				    "last granule of %zu bytes", size);
		off += 8;
	}
	KUNIT_EXPECT_EQ_MSG(test, shadow_of(p + off),
			    shadow_expected(p, after),
			    "granule after %zu bytes", size);
}

static void expect_shadow_is(struct kunit *test, const u8 *p, size_t size,
			     int value)
{
	size_t off;

	for (off = 0; off < size; off += 8)
		KUNIT_EXPECT_EQ_MSG(test, shadow_of(p + off),
				    shadow_expected(p, value),
				    "granule at %zu of %zu", off, size);
}

static void kasan_block_is_exactly_its_size(struct kunit *test)
{
	struct wsheap *heap;
	u8 *odd, *even;

	require_kasan(test);
	heap = new_heap(test, MiB, 0);
	odd = alloc_ok(test, heap, 13);
	even = alloc_ok(test, heap, 16);
	expect_block_shadow(test, odd, 13, SHADOW_NEVER_HANDED_OUT);
	expect_block_shadow(test, even, 16, SHADOW_NEVER_HANDED_OUT);
	/* Past the bump pointer: never handed out. */
	expect_shadow_is(test, even + 24, 4096, SHADOW_NEVER_HANDED_OUT);
	/* The chunk header stays accessible, for vfree_atomic(). */
	KUNIT_EXPECT_EQ(test, shadow_of(ledger_of(test)->live[0].mem), 0);
	/* A zero-byte block touches nothing. */
	alloc_ok(test, heap, 0);
	expect_shadow_is(test, even + 24, 8, SHADOW_NEVER_HANDED_OUT);
	/* The redzones are chunk memory, not requested bytes. */
	KUNIT_EXPECT_EQ(test, requested(test, heap), 29);
}

static void kasan_aligned_padding_stays_poisoned(struct kunit *test)
{
	struct wsheap *heap;
	u8 *a, *b;

	require_kasan(test);
	heap = new_heap(test, MiB, 0);
	a = alloc_ok(test, heap, 8);
	b = aligned_ok(test, heap, 24, 256);
	KUNIT_ASSERT_GE(test, b - a, 24);
	/* a's redzone and the padding up to b */
	expect_shadow_is(test, a + 8, b - a - 8, SHADOW_NEVER_HANDED_OUT);
	expect_block_shadow(test, b, 24, SHADOW_NEVER_HANDED_OUT);
}

static void kasan_realloc_shadow_follows_the_block(struct kunit *test)
{
	struct wsheap *heap;
	u8 *a, *copy;

	require_kasan(test);
	heap = new_heap(test, MiB, 0);
	a = alloc_ok(test, heap, 100);
	/* Shrunk in place: the tail is taken back. */
	KUNIT_ASSERT_PTR_EQ(test, realloc_ok(test, heap, a, 100, 20), a);
	expect_block_shadow(test, a, 20, SHADOW_TAKEN_BACK);
	expect_shadow_is(test, a + 24, 80, SHADOW_TAKEN_BACK);
	/* Grown in place: exactly the new size. */
	KUNIT_ASSERT_PTR_EQ(test, realloc_ok(test, heap, a, 20, 301), a);
	expect_block_shadow(test, a, 301, SHADOW_NEVER_HANDED_OUT);
	/* Copied: the old block stays valid, the copy is exact. */
	alloc_ok(test, heap, 8);
	copy = realloc_ok(test, heap, a, 301, 50);
	KUNIT_ASSERT_PTR_NE(test, copy, a);
	expect_block_shadow(test, a, 301, SHADOW_NEVER_HANDED_OUT);
	expect_block_shadow(test, copy, 50, SHADOW_NEVER_HANDED_OUT);
}

static void kasan_rollback_poisons_what_followed(struct kunit *test)
{
	struct wsheap *heap;
	struct wsheap_mark mark;
	u8 *kept, *small, *big, *again;

	require_kasan(test);
	heap = new_heap(test, MiB, 0);
	kept = alloc_ok(test, heap, 40);
	mark_ok(test, heap, &mark);
	small = alloc_ok(test, heap, 100);
	big = alloc_ok(test, heap, 100 * KiB);	/* a chunk of its own */
	rollback_ok(test, heap, &mark);
	expect_block_shadow(test, kept, 40, SHADOW_NEVER_HANDED_OUT);
	expect_shadow_is(test, small, 104, SHADOW_TAKEN_BACK);
	expect_shadow_is(test, big, 100 * KiB, SHADOW_TAKEN_BACK);
	/* Handed out again, it is accessible again. */
	again = alloc_ok(test, heap, 50);
	KUNIT_EXPECT_PTR_EQ(test, again, small);
	expect_block_shadow(test, again, 50, SHADOW_TAKEN_BACK);
}

static void kasan_reset_poisons_and_reuse_unpoisons(struct kunit *test)
{
	struct wsheap *heap;
	u8 *a, *b, *c, *z;

	require_kasan(test);
	heap = new_heap(test, MiB, MiB);
	a = alloc_ok(test, heap, 64);
	b = alloc_ok(test, heap, 3000);
	KUNIT_ASSERT_EQ(test, wsheap_reset(heap, NULL), 0);
	expect_shadow_is(test, a, 64, SHADOW_TAKEN_BACK);
	expect_shadow_is(test, b, 3000, SHADOW_TAKEN_BACK);
	c = alloc_ok(test, heap, 64);
	KUNIT_EXPECT_PTR_EQ(test, c, a);
	expect_block_shadow(test, c, 64, SHADOW_TAKEN_BACK);
	KUNIT_ASSERT_EQ(test, wsheap_zalloc(heap, 10, (void **)&z, NULL), 0);
	expect_block_shadow(test, z, 10, SHADOW_TAKEN_BACK);
}

/*
 * A freed heap's memory parked on its CPU for the next heap still reads
 * as freed: a block used after wsheap_free() is reported.
 */
static void kasan_parked_memory_stays_poisoned(struct kunit *test)
{
	struct wsheap *heap;
	u8 *a, *obj;

	require_kasan(test);
	KUNIT_ASSERT_EQ(test, wsheap_create(KiB, 0, NULL, 0, &heap, NULL), 0);
	a = alloc_ok(test, heap, 64);
	obj = (u8 *)heap;
	migrate_disable();
	wsheap_free(heap);
	expect_shadow_is(test, a, 64, SHADOW_TAKEN_BACK);
	expect_shadow_is(test, obj + 64, 64, SHADOW_TAKEN_BACK);
	migrate_enable();
}

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
#endif

static struct kunit_case wsheap_contract_cases[] = {
	KUNIT_CASE(create_rejects_null_heap_pointer),
	KUNIT_CASE(create_rejects_null_props_with_count),
	KUNIT_CASE(create_rejects_every_property),
	KUNIT_CASE(create_out_of_memory_leaves_heap_untouched),
	KUNIT_CASE(create_gives_heap_holding_no_chunk),
	KUNIT_CASE(create_accepts_props_pointer_with_zero_count),
	KUNIT_CASE(alloc_rejects_null_arguments),
	KUNIT_CASE(alloc_exactly_at_quota_succeeds_one_more_fails),
	KUNIT_CASE(alloc_over_quota_in_one_request_fails),
	KUNIT_CASE(alloc_size_max_is_quota_error_without_wrap),
	KUNIT_CASE(alloc_huge_within_size_max_quota_is_enomem),
	KUNIT_CASE(alloc_huge_fails_in_real_vmalloc_cleanly),
	KUNIT_CASE(chunk_size_either_side_of_the_limit),
	KUNIT_CASE(aligned_request_whose_padding_wraps_is_enomem),
	KUNIT_CASE(quota_left_at_the_top_of_size_t),
	KUNIT_CASE(get_property_buffer_is_size_t_wide),
	KUNIT_CASE(alloc_out_of_memory_leaves_heap_unchanged),
	KUNIT_CASE(alloc_zero_size_gives_aligned_non_null),
	KUNIT_CASE(alloc_bumps_without_per_object_header),
	KUNIT_CASE(alloc_inline_and_out_of_line_agree),
	KUNIT_CASE(alloc_mixed_sizes_are_aligned_and_counted),
	KUNIT_CASE(alloc_objects_never_overlap),
	KUNIT_CASE(alloc_oversize_gets_own_chunk),
	KUNIT_CASE(alloc_small_quota_takes_one_slab_object),
	KUNIT_CASE(reset_rejects_null_heap),
	KUNIT_CASE(reset_with_trim_zero_releases_every_chunk),
	KUNIT_CASE(reset_within_trim_keeps_all_and_reuses),
	KUNIT_CASE(reset_below_working_set_trims_to_trim_size),
	KUNIT_CASE(reset_quota_is_whole_again),
	KUNIT_CASE(free_null_does_nothing),
	KUNIT_CASE(free_releases_every_chunk),
	KUNIT_CASE(get_property_rejects_bad_arguments),
	KUNIT_CASE(get_property_reports_each_value),
	KUNIT_CASE(error_object_untouched_on_success),
	KUNIT_CASE(error_object_names_each_cause),
	{}
};

static struct kunit_suite wsheap_contract_suite = {
	.name = "wsheap_contract",
	.init = wsheap_test_init,
	.test_cases = wsheap_contract_cases,
};

static struct kunit_case wsheap_internal_cases[] = {
	KUNIT_CASE(growth_policy_sizes_are_bounded),
	KUNIT_CASE(chunks_come_from_slab_then_vmalloc),
	KUNIT_CASE(only_large_chunks_may_give_up_early),
	KUNIT_CASE(heap_object_fits_kmalloc_192),
	KUNIT_CASE(short_lived_heaps_cost_no_slab_call),
	KUNIT_CASE(trim_equal_to_quota_keeps_its_chunk),
#ifdef CONFIG_DEBUG_FS
	KUNIT_CASE(stats_follow_the_heap),
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

static struct kunit_case wsheap_reliability_cases[] = {
	KUNIT_CASE(every_chunk_failure_is_clean),
	KUNIT_CASE(every_v2_chunk_failure_is_clean),
	KUNIT_CASE_SLOW(random_operations_match_the_model),
	{}
};

static struct kunit_suite wsheap_reliability_suite = {
	.name = "wsheap_reliability",
	.init = wsheap_test_init,
	.test_cases = wsheap_reliability_cases,
};

static struct kunit_case wsheap_v2_cases[] = {
	KUNIT_CASE(zalloc_zeroes_memory_reused_after_reset),
	KUNIT_CASE(zalloc_refuses_as_alloc_does),
	KUNIT_CASE(aligned_rejects_bad_alignment),
	KUNIT_CASE(aligned_blocks_are_aligned_and_padding_uncounted),
	KUNIT_CASE(aligned_padding_is_not_quota),
	KUNIT_CASE(aligned_new_chunk_fits_the_request),
	KUNIT_CASE(realloc_of_null_allocates),
	KUNIT_CASE(realloc_last_block_grows_and_shrinks_in_place),
	KUNIT_CASE(realloc_of_earlier_block_copies),
	KUNIT_CASE(realloc_after_reset_does_not_resize_in_place),
	KUNIT_CASE(realloc_without_room_copies),
	KUNIT_CASE(realloc_grows_block_in_own_chunk_in_place),
	KUNIT_CASE(realloc_after_mark_copies),
	KUNIT_CASE(realloc_refuses_old_size_above_requested),
	KUNIT_CASE(realloc_refusals_leave_old_block),
	KUNIT_CASE(realloc_out_of_memory_leaves_old_block),
	KUNIT_CASE(memdup_copies_and_counts),
	KUNIT_CASE(strdup_copies_with_nul),
	KUNIT_CASE(asprintf_formats_exactly_once),
	KUNIT_CASE(asprintf_longer_than_a_chunk),
	KUNIT_CASE(mark_and_rollback_reject_null),
	KUNIT_CASE(rollback_takes_back_what_followed_the_mark),
	KUNIT_CASE(rollback_keeps_chunks_for_reuse),
	KUNIT_CASE(rollback_resumes_in_the_marked_chunk),
	KUNIT_CASE(rollback_nested_marks),
	KUNIT_CASE(rollback_refuses_marks_of_fresh_heaps),
	KUNIT_CASE(rollback_refuses_foreign_and_stale_marks),
	KUNIT_CASE(devm_create_rejects_null_device),
	KUNIT_CASE(devm_heap_is_freed_when_device_goes),
#ifdef DEFINE_FREE
	KUNIT_CASE(scoped_heap_is_freed_at_scope_end),
#endif
	KUNIT_CASE(create_refuses_malformed_properties),
	KUNIT_CASE(name_is_copied_and_read_back),
	KUNIT_CASE(account_charges_every_chunk),
	KUNIT_CASE(account_charges_the_heap_object),
	{}
};

static struct kunit_suite wsheap_v2_suite = {
	.name = "wsheap_contract_v2",
	.init = wsheap_test_init,
	.test_cases = wsheap_v2_cases,
};

/*
 * KMSAN: a block resized in place keeps its bytes as initialised as they
 * were; only the tail it grew by reads as uninitialised.  A use of an
 * uninitialised byte is a KMSAN report, which fails the kunit-kmsan stage.
 */
static void kmsan_realloc_keeps_what_it_kept(struct kunit *test)
{
	struct wsheap *heap;
	char *s = NULL, *p = NULL;

	if (!IS_ENABLED(CONFIG_KMSAN))
		kunit_skip(test, "needs KMSAN");
	heap = new_heap(test, MiB, 0);
	KUNIT_ASSERT_EQ(test, wsheap_strdup(heap, "abc", &s, NULL), 0);
	KUNIT_ASSERT_EQ(test, wsheap_realloc(heap, s, 4, 64, (void **)&p,
					     NULL), 0);
	KUNIT_ASSERT_PTR_EQ(test, p, s);
	/* strlen() reads the kept bytes: no report */
	KUNIT_EXPECT_EQ(test, strlen(p), 3);
	kmsan_check_memory(p, 4);
	kunit_info(test, "KMSAN checked the bytes a realloc in place kept\n");
}

static struct kunit_case wsheap_kasan_cases[] = {
	KUNIT_CASE(kasan_block_is_exactly_its_size),
	KUNIT_CASE(kasan_aligned_padding_stays_poisoned),
	KUNIT_CASE(kasan_realloc_shadow_follows_the_block),
	KUNIT_CASE(kasan_rollback_poisons_what_followed),
	KUNIT_CASE(kasan_reset_poisons_and_reuse_unpoisons),
	KUNIT_CASE(kasan_parked_memory_stays_poisoned),
	KUNIT_CASE(kmsan_realloc_keeps_what_it_kept),
	{}
};

static struct kunit_suite wsheap_kasan_suite = {
	.name = "wsheap_kasan",
	.init = wsheap_test_init,
	.test_cases = wsheap_kasan_cases,
};

kunit_test_suites(&wsheap_contract_suite, &wsheap_v2_suite,
		  &wsheap_internal_suite, &wsheap_reliability_suite,
		  &wsheap_kasan_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit suites for wsheap");
MODULE_AUTHOR("The wsheap developers");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
