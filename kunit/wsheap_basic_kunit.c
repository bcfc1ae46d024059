// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite wsheap_basic: the basic calls as a driver sees them.
 *
 * wsheap_create, wsheap_alloc (arguments, quota, what comes back, the size
 * edges of a 32 and a 64-bit size_t), wsheap_reset, wsheap_free,
 * wsheap_get_property and the error object, each call held to what wsheap.h
 * promises.
 *
 * The chunk ledger every case runs with, and the helpers the suites share,
 * are in wsheap_kunit.h.
 */
#include <linux/module.h>

#include "wsheap_kunit.h"

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
	size_t b = wsheap_chunk_bytes(0, 0, SIZE_MAX, TEST_MAX_CHUNK);

	KUNIT_EXPECT_GT(test, b, TEST_MAX_CHUNK);
	KUNIT_EXPECT_LE(test, b, (size_t)SSIZE_MAX);
	KUNIT_EXPECT_TRUE(test, PAGE_ALIGNED(b));
	KUNIT_EXPECT_EQ(test, wsheap_chunk_bytes(0, 0, SIZE_MAX,
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
	void *p = SENTINEL;

	kunit_deactivate_static_stub(test, wsheap_chunk_mem_alloc);
	kunit_deactivate_static_stub(test, wsheap_chunk_mem_free);
	heap = new_heap(test, SIZE_MAX, 0);
	KUNIT_EXPECT_EQ(test, wsheap_alloc(heap, SIZE_MAX / 4, &p, NULL),
			-ENOMEM);
	KUNIT_EXPECT_PTR_EQ(test, p, SENTINEL);
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
	/* a block that fills its chunk to the last byte */
	size_t size = 4 * MiB - WSHEAP_CHUNK_HDR - WSHEAP_REDZONE;
	char *small, *big, *next;

	small = alloc_ok(test, heap, 64);
	KUNIT_ASSERT_EQ(test, l->allocs, 1);
	big = alloc_ok(test, heap, size);
	KUNIT_ASSERT_EQ(test, l->allocs, 2);
	/* Sized to the request, not to the growth policy's next size. */
	KUNIT_EXPECT_EQ(test, l->sizes[1], 4 * MiB);
	memset(big, 0x3c, size);

	/*
	 * The first chunk has room left, the big one none: small objects
	 * keep going to the first.
	 */
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
	/* 4..5 are NAME and ACCOUNT, 6..9 GFP to CONCURRENT: 10 is the first unknown. */
	KUNIT_EXPECT_EQ(test, wsheap_get_property(heap,
						  (enum wsheap_property_id)10,
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

/* ---- the NAME and ACCOUNT properties ---- */

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
	p[1] = (struct wsheap_property){ (enum wsheap_property_id)10, &yes,
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

static struct kunit_case wsheap_basic_cases[] = {
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
	KUNIT_CASE(create_refuses_malformed_properties),
	KUNIT_CASE(name_is_copied_and_read_back),
	KUNIT_CASE(account_charges_every_chunk),
	KUNIT_CASE(account_charges_the_heap_object),
	KUNIT_CASE(error_object_untouched_on_success),
	KUNIT_CASE(error_object_names_each_cause),
	{}
};

static struct kunit_suite wsheap_basic_suite = {
	.name = "wsheap_basic",
	.init = wsheap_test_init,
	.test_cases = wsheap_basic_cases,
};

kunit_test_suite(wsheap_basic_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit suite for wsheap's basic calls");
MODULE_AUTHOR("The wsheap developers");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
