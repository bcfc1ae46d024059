// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite wsheap_helpers: the calls built on the core.
 *
 * zalloc, alloc_aligned, realloc, memdup, strdup and asprintf, mark and
 * rollback, the managed lifetimes (devm and scope-based) and the NAME and
 * ACCOUNT properties, each call held to what wsheap.h promises.
 *
 * The chunk ledger every case runs with, and the helpers the suites share,
 * are in wsheap_kunit.h.
 */
#include <kunit/device.h>
#include <linux/device.h>
#include <linux/module.h>

#include "wsheap_kunit.h"

/* ---- zalloc ---- */

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

/* ---- alloc_aligned ---- */

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

/* Heaps for aligned_request_near_a_chunk_end_stays_in_a_chunk(). */
struct near_end_kind {
	const char *name;
	bool atomic, concurrent;
};

static struct wsheap *near_end_heap(struct kunit *test,
				    const struct near_end_kind *k,
				    size_t quota)
{
	static const gfp_t atomic = GFP_ATOMIC;
	static const bool yes = true;
	struct wsheap_property p[2];
	unsigned int n = 0;

	if (k->atomic)
		p[n++] = (struct wsheap_property){ WSHEAP_PROPERTY_GFP,
						   &atomic, sizeof(atomic) };
	if (k->concurrent)
		p[n++] = (struct wsheap_property){ WSHEAP_PROPERTY_CONCURRENT,
						   &yes, sizeof(yes) };
	/* the trim keeps every chunk for the round after the reset */
	return new_heap_with(test, quota, SIZE_MAX, p, n);
}

/*
 * A block of @size at @align must lie wholly inside a live chunk, aligned,
 * clear of the blocks in @keep (filled with their index), which keep
 * their bytes.  Asserted before the block is written.
 */
static void expect_aligned_block_in_a_chunk(struct kunit *test,
					    struct wsheap *heap, size_t size,
					    size_t align, const struct span *keep,
					    unsigned int nr_keep,
					    const char *what)
{
	u8 *p = aligned_ok(test, heap, size, align);
	unsigned int i;

	KUNIT_ASSERT_TRUE_MSG(test, ledger_owns(ledger_of(test), p, size),
			      "%s: %zu bytes at %zu: %p is not inside a chunk",
			      what, size, align, p);
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)p, align));
	for (i = 0; i < nr_keep; i++)
		KUNIT_ASSERT_TRUE_MSG(test, p + size <= keep[i].start ||
				      p >= keep[i].start + keep[i].size,
				      "%s: %zu bytes at %zu overlap block %u",
				      what, size, align, i);
	memset(p, 0x5c, size);
	for (i = 0; i < nr_keep; i++)
		KUNIT_EXPECT_NULL_MSG(test, memchr_inv(keep[i].start,
						       pattern_byte(i),
						       keep[i].size),
				      "%s: block %u overwritten", what, i);
}

/* Rounds that placed a block where its padding was more than the room. */
struct near_end_count {
	unsigned int past;		/* in the current chunk */
	unsigned int spare_past;	/* in the first spare */
};

/*
 * A block of each size at each alignment, on a heap of @k whose current
 * chunk has 8 bytes left, then on its spares after a reset.
 */
static void near_end_rounds(struct kunit *test, const struct near_end_kind *k,
			    size_t quota, struct near_end_count *count)
{
	static const size_t aligns[] = { 64, 256, 4096 };
	static const size_t sizes[] = { 0, 1, 8 };
	const size_t left = 8;
	struct chunk_ledger *l = ledger_of(test);
	unsigned int a, z;
	struct ledger_chunk *c;
	struct span keep[2];
	struct wsheap *heap;
	char *start, *end;
	char what[64];
	size_t fill;
	u8 *first;

	snprintf(what, sizeof(what), "%s heap, quota %zu, chunks at +%zu",
		 k->name, quota, l->misalign);
	for (a = 0; a < ARRAY_SIZE(aligns); a++) {
		for (z = 0; z < ARRAY_SIZE(sizes); z++) {
			heap = near_end_heap(test, k, quota);
			first = alloc_ok(test, heap, 8);
			c = ledger_chunk_of(l, first);
			KUNIT_ASSERT_NOT_NULL(test, c);
			start = (char *)c->mem + WSHEAP_CHUNK_HDR;
			end = (char *)c->mem + c->bytes;
			KUNIT_ASSERT_PTR_EQ(test, (char *)first, start);
			/* a block that leaves 8 bytes to the chunk's end */
			fill = end - left - (start + step(8)) - WSHEAP_REDZONE;
			keep[0] = (struct span){ first, 8, 0 };
			keep[1] = (struct span){ alloc_ok(test, heap, fill),
						 fill, 1 };
			KUNIT_ASSERT_PTR_EQ(test, (char *)keep[1].start,
					    start + step(8));
			memset(first, pattern_byte(0), 8);
			memset((u8 *)keep[1].start, pattern_byte(1), fill);
			/* no boundary of the alignment in the room left */
			count->past += PTR_ALIGN(end - left, aligns[a]) > end;
			expect_aligned_block_in_a_chunk(test, heap, sizes[z],
							aligns[a], keep, 2,
							what);

			/* spares, the first one that chunk */
			KUNIT_ASSERT_EQ(test, wsheap_reset(heap, NULL), 0);
			count->spare_past += PTR_ALIGN(start, aligns[a]) > end;
			expect_aligned_block_in_a_chunk(test, heap, sizes[z],
							aligns[a], NULL, 0,
							what);
			release_heap(test, heap);
		}
	}
}

/*
 * An aligned request whose padding is more than the room left in the
 * current chunk goes to another chunk, never past the end of this one.
 * A chunk is filled to 8 bytes of its end, then a block of 0, 1 and 8
 * bytes at 64, 256 and 4096 must lie wholly inside a live chunk.  After a
 * reset the same request meets the chunks as spares, whose padding from
 * their start may be more than they hold, too.  The ledger also places
 * chunks 40 bytes past a page boundary, so that their ends lie off all
 * these alignments and the padding is more than the room left; heaps
 * plain, atomic and concurrent (the shared bump pointer), with 16 KiB
 * and 1 KiB chunks.
 */
static void aligned_request_near_a_chunk_end_stays_in_a_chunk(struct kunit *test)
{
	static const struct near_end_kind kinds[] = {
		{ "plain" },
		{ "atomic", .atomic = true },
		{ "atomic concurrent", .atomic = true, .concurrent = true },
	};
	/* a 1 KiB chunk that holds the quota exactly, on 32 and 64 bits */
	static const size_t quotas[] = { SIZE_MAX, KiB - WSHEAP_CHUNK_HDR };
	struct chunk_ledger *l = ledger_of(test);
	struct near_end_count count = {};
	unsigned int k, q;

	for (k = 0; k < ARRAY_SIZE(kinds); k++) {
		for (q = 0; q < ARRAY_SIZE(quotas); q++) {
			l->misalign = 40;
			near_end_rounds(test, &kinds[k], quotas[q], &count);
			l->misalign = 0;
			near_end_rounds(test, &kinds[k], quotas[q], &count);
		}
	}
	/*
	 * Every round at +40 had its padding past the room left; spares
	 * (1 KiB chunks at 4096) had it past their whole room.
	 */
	KUNIT_EXPECT_GE(test, count.past, ARRAY_SIZE(kinds) *
					  ARRAY_SIZE(quotas) * 3 * 3);
	KUNIT_EXPECT_GT(test, count.spare_past, 0);
}

/* ---- realloc ---- */

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
	KUNIT_ASSERT_PTR_EQ(test, realloc_ok(test, heap, a, 10, 150), a);
	KUNIT_EXPECT_EQ(test, requested(test, heap), 166);
	KUNIT_EXPECT_NULL(test, memchr_inv(a, 0x33, 10));
	memset(a, 0x44, 150);
	/* Shrinking gives the bytes back, to the quota and to the bump. */
	KUNIT_EXPECT_PTR_EQ(test, realloc_ok(test, heap, a, 150, 20), a);
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
	/*
	 * A chunk of its own, rounded up to 64 KiB of pages, leaves 128
	 * bytes after the block: less than the first chunk (256 bytes, the
	 * 64 below carved from it) still has, so the bump pointer stays
	 * there and the big block is a stray.
	 */
	const size_t size = 64 * KiB - WSHEAP_CHUNK_HDR - WSHEAP_REDZONE - 128;
	u8 *small, *big, *next;

	small = alloc_ok(test, heap, 64);
	big = alloc_ok(test, heap, size);
	KUNIT_ASSERT_EQ(test, l->allocs, 2);
	KUNIT_EXPECT_EQ(test, l->sizes[1], 64 * KiB);
	memset(big, 0x77, size);
	/* Its chunk was rounded up to a page: room for a few bytes more. */
	KUNIT_ASSERT_PTR_EQ(test, realloc_ok(test, heap, big, size, size + 100),
			    big);
	KUNIT_EXPECT_TRUE(test, ledger_owns(l, big, size + 100));
	KUNIT_EXPECT_NULL(test, memchr_inv(big, 0x77, size));
	memset(big, 0x78, size + 100);
	/* The bump pointer still runs through the first chunk. */
	next = alloc_ok(test, heap, 8);
	KUNIT_EXPECT_PTR_EQ(test, next, small + step(64));
	KUNIT_EXPECT_EQ(test, requested(test, heap), size + 172);
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
	struct wsheap *heap = new_heap(test, 900, 0);
	struct chunk_ledger *l = ledger_of(test);
	void *sentinel = (void *)0x5a5a5a50UL;
	struct wsheap_error err = {};
	void *p = sentinel;
	u8 *a, *b;

	KUNIT_EXPECT_EQ(test, wsheap_realloc(NULL, NULL, 0, 8, &p, &err),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, wsheap_realloc(heap, NULL, 0, 8, NULL, NULL),
			-EINVAL);
	/*
	 * The first block sizes the first chunk: one 1 KiB slab object,
	 * 992 bytes to carve, which holds this whole quota.
	 */
	a = alloc_ok(test, heap, 520);
	KUNIT_ASSERT_EQ(test, l->allocs, 1);
	KUNIT_ASSERT_EQ(test, l->sizes[0], KiB);
	memset(a, 0x12, 520);
	/* In place, by more than the quota has left. */
	KUNIT_EXPECT_EQ(test, wsheap_realloc(heap, a, 520, 901, &p, &err),
			-EDQUOT);
	KUNIT_EXPECT_EQ(test, err.code, -EDQUOT);
	KUNIT_EXPECT_PTR_EQ(test, p, sentinel);
	KUNIT_EXPECT_EQ(test, requested(test, heap), 520);
	/* By a copy: the old block is still counted. */
	b = alloc_ok(test, heap, 8);
	KUNIT_EXPECT_EQ(test, wsheap_realloc(heap, a, 520, 600, &p, NULL),
			-EDQUOT);
	KUNIT_EXPECT_PTR_EQ(test, p, sentinel);
	KUNIT_EXPECT_EQ(test, requested(test, heap), 528);
	KUNIT_EXPECT_NULL(test, memchr_inv(a, 0x12, 520));
	/* The last block still grows in place to exactly the quota. */
	KUNIT_EXPECT_PTR_EQ(test, realloc_ok(test, heap, b, 8, 380), b);
	KUNIT_EXPECT_EQ(test, requested(test, heap), 900);
	KUNIT_EXPECT_EQ(test, l->allocs, 1);
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

/* ---- memdup, strdup, asprintf ---- */

static void memdup_copies_and_counts(struct kunit *test)
{
	static const u8 src[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 };
	struct wsheap *heap = new_heap(test, MiB, 0);
	struct wsheap *small = new_heap(test, sizeof(src) - 1, 0);
	void *sentinel = (void *)0x5a5a5a50UL;
	struct wsheap_error err = {};
	void *p = sentinel;

	KUNIT_EXPECT_EQ(test, wsheap_memdup(heap, NULL, 4, &p, &err), -EINVAL);
	KUNIT_EXPECT_EQ(test, err.code, -EINVAL);
	KUNIT_EXPECT_EQ(test, wsheap_memdup(heap, src, 4, NULL, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, wsheap_memdup(NULL, src, 4, &p, NULL), -EINVAL);
	/* a copy larger than the quota; not one larger than src (FORTIFY) */
	KUNIT_EXPECT_EQ(test, wsheap_memdup(small, src, sizeof(src), &p, NULL),
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

/* ---- mark and rollback ---- */

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
	unsigned int i, at_mid;
	u8 *at_mark, *p;

	mark_ok(test, heap, &empty);
	/* 30000 bytes: more than the first chunk holds */
	for (i = 0; i < 150; i++)
		alloc_ok(test, heap, 200);
	at_mid = l->allocs;
	KUNIT_ASSERT_GE(test, at_mid, 2);
	mark_ok(test, heap, &mid);
	/*
	 * No new chunk for it: the block after the mark lies in the chunk
	 * the mark is in, which is not the first.
	 */
	at_mark = alloc_ok(test, heap, 8);
	KUNIT_ASSERT_EQ(test, l->allocs, at_mid);
	KUNIT_ASSERT_NOT_NULL(test, ledger_chunk_of(l, at_mark));
	KUNIT_ASSERT_PTR_NE(test, ledger_chunk_of(l, at_mark)->mem,
			    l->live[0].mem);
	/* at least two chunks after the marked one */
	for (i = 0; i < 1000; i++)
		alloc_ok(test, heap, 200);
	KUNIT_ASSERT_GE(test, l->allocs, at_mid + 2);

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
	int marked = -1;

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
		marked = wsheap_mark(gone, &old, NULL);
		wsheap_free(gone);
		KUNIT_EXPECT_EQ(test, wsheap_create(MiB, MiB, NULL, 0, &again,
						    NULL), 0);
	}
	migrate_enable();
	/* a mark that was never taken would be refused whatever the heap */
	KUNIT_ASSERT_EQ(test, marked, 0);
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
	struct wsheap_mark stale, foreign, zeroed = {};
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
	/* A zeroed mark is none, also in a round that has taken no mark. */
	KUNIT_EXPECT_EQ(test, wsheap_rollback(heap, &zeroed, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, wsheap_rollback(other, &zeroed, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, requested(test, heap), 96);
	KUNIT_EXPECT_EQ(test, requested(test, other), 64);
	/* Both heaps carry on. */
	alloc_ok(test, heap, 8);
	rollback_ok(test, other, &foreign);
}

/* ---- managed lifetime ---- */

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

/* What the caller put in its error object, which success leaves alone. */
static const char *const callers_msg = "the caller's";

#define CALLERS_CODE	12345

static void expect_error_untouched(struct kunit *test,
				   const struct wsheap_error *err,
				   const char *what)
{
	KUNIT_EXPECT_EQ_MSG(test, err->code, CALLERS_CODE, "%s", what);
	KUNIT_EXPECT_PTR_EQ_MSG(test, err->msg, callers_msg, "%s", what);
}

/*
 * Every helper call that succeeds leaves the error object as it was: create
 * with the NAME and ACCOUNT properties and devm_wsheap_create(), the properties read
 * back, each allocation helper (realloc in place, by a copy and of NULL),
 * mark and rollback.  A refused call in the same case fills it: the
 * object is really passed.
 */
static void error_object_untouched_by_helpers_that_succeed(struct kunit *test)
{
	struct wsheap_error err = { CALLERS_CODE, callers_msg };
	bool yes = true, account = false;
	struct wsheap_property p[] = {
		{ WSHEAP_PROPERTY_NAME, "wsheap-kunit-err", 17 },
		{ WSHEAP_PROPERTY_ACCOUNT, &yes, sizeof(yes) },
	};
	struct wsheap *heap = NULL, *managed = NULL;
	char name[WSHEAP_NAME_MAX];
	struct wsheap_mark mark;
	struct device *dev;
	void *a, *b, *q;
	char *s;

	KUNIT_ASSERT_EQ(test, wsheap_create(MiB, 0, p, ARRAY_SIZE(p), &heap,
					    &err), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, free_heap_action,
							heap), 0);
	expect_error_untouched(test, &err, "create with NAME and ACCOUNT");
	KUNIT_EXPECT_EQ(test, wsheap_get_property(heap, WSHEAP_PROPERTY_NAME,
						  name, sizeof(name), &err), 0);
	KUNIT_EXPECT_STREQ(test, name, "wsheap-kunit-err");
	KUNIT_EXPECT_EQ(test, wsheap_get_property(heap, WSHEAP_PROPERTY_ACCOUNT,
						  &account, sizeof(account),
						  &err), 0);
	KUNIT_EXPECT_TRUE(test, account);
	expect_error_untouched(test, &err, "get_property of NAME and ACCOUNT");

	KUNIT_EXPECT_EQ(test, wsheap_zalloc(heap, 40, &a, &err), 0);
	expect_error_untouched(test, &err, "wsheap_zalloc");
	KUNIT_EXPECT_EQ(test, wsheap_alloc_aligned(heap, 24, 256, &q, &err), 0);
	expect_error_untouched(test, &err, "wsheap_alloc_aligned");
	KUNIT_EXPECT_EQ(test, wsheap_realloc(heap, NULL, 0, 16, &b, &err), 0);
	expect_error_untouched(test, &err, "wsheap_realloc of NULL");
	KUNIT_EXPECT_EQ(test, wsheap_realloc(heap, b, 16, 64, &q, &err), 0);
	KUNIT_EXPECT_PTR_EQ(test, q, b);
	expect_error_untouched(test, &err, "wsheap_realloc in place");
	KUNIT_EXPECT_EQ(test, wsheap_realloc(heap, a, 40, 80, &q, &err), 0);
	KUNIT_EXPECT_PTR_NE(test, q, a);
	expect_error_untouched(test, &err, "wsheap_realloc by a copy");
	KUNIT_EXPECT_EQ(test, wsheap_memdup(heap, "abc", 3, &q, &err), 0);
	expect_error_untouched(test, &err, "wsheap_memdup");
	KUNIT_EXPECT_EQ(test, wsheap_memdup(heap, "abc", 0, &q, &err), 0);
	expect_error_untouched(test, &err, "wsheap_memdup of 0 bytes");
	KUNIT_EXPECT_EQ(test, wsheap_strdup(heap, "abc", &s, &err), 0);
	expect_error_untouched(test, &err, "wsheap_strdup");
	KUNIT_EXPECT_EQ(test, wsheap_asprintf(heap, &s, &err, "%d", 1), 0);
	expect_error_untouched(test, &err, "wsheap_asprintf");
	KUNIT_EXPECT_EQ(test, call_vasprintf(heap, &s, &err, "%d", 2), 0);
	expect_error_untouched(test, &err, "wsheap_vasprintf");
	KUNIT_EXPECT_EQ(test, wsheap_mark(heap, &mark, &err), 0);
	expect_error_untouched(test, &err, "wsheap_mark");
	/* a new chunk, taken back by the rollback */
	KUNIT_EXPECT_EQ(test, wsheap_zalloc(heap, 100 * KiB, &q, &err), 0);
	KUNIT_EXPECT_EQ(test, wsheap_rollback(heap, &mark, &err), 0);
	expect_error_untouched(test, &err, "wsheap_rollback");
	KUNIT_EXPECT_EQ(test, wsheap_rollback(heap, &mark, &err), 0);
	expect_error_untouched(test, &err, "wsheap_rollback to the same mark");

	dev = kunit_device_register(test, "wsheap-kunit-err");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	KUNIT_EXPECT_EQ(test, devm_wsheap_create(dev, MiB, 0, p, ARRAY_SIZE(p),
						 &managed, &err), 0);
	expect_error_untouched(test, &err, "devm_wsheap_create");
	KUNIT_ASSERT_NOT_NULL(test, managed);
	KUNIT_EXPECT_EQ(test, wsheap_zalloc(managed, 100, &q, &err), 0);
	expect_error_untouched(test, &err, "wsheap_zalloc of a devm heap");
	kunit_device_unregister(test, dev);

	/* a refusal fills it: the object is passed */
	KUNIT_EXPECT_EQ(test, wsheap_zalloc(heap, 2 * MiB, &q, &err), -EDQUOT);
	KUNIT_EXPECT_EQ(test, err.code, -EDQUOT);
	KUNIT_EXPECT_NOT_NULL(test, err.msg);
	KUNIT_EXPECT_PTR_NE(test, err.msg, callers_msg);
}

static struct kunit_case wsheap_helpers_cases[] = {
	KUNIT_CASE(zalloc_zeroes_memory_reused_after_reset),
	KUNIT_CASE(zalloc_refuses_as_alloc_does),
	KUNIT_CASE(aligned_rejects_bad_alignment),
	KUNIT_CASE(aligned_blocks_are_aligned_and_padding_uncounted),
	KUNIT_CASE(aligned_padding_is_not_quota),
	KUNIT_CASE(aligned_new_chunk_fits_the_request),
	KUNIT_CASE(aligned_request_near_a_chunk_end_stays_in_a_chunk),
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
	KUNIT_CASE(error_object_untouched_by_helpers_that_succeed),
	{}
};

static struct kunit_suite wsheap_helpers_suite = {
	.name = "wsheap_helpers",
	.init = wsheap_test_init,
	.test_cases = wsheap_helpers_cases,
};

kunit_test_suite(wsheap_helpers_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit suite for wsheap's helpers, marks and managed heaps");
MODULE_AUTHOR("The wsheap developers");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
