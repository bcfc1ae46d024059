// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite wsheap_kasan: the sanitizers see the heap's blocks.
 *
 * In generic KASAN kernels with KASAN_VMALLOC the shadow of heap memory
 * follows the blocks handed out, resized, rolled back, reset and parked;
 * under KMSAN a block handed out again reads as uninitialised, and the
 * bytes a realloc in place kept stay initialised.  Cases skip in kernels
 * without the sanitizer they check.
 *
 * The chunk ledger every case runs with, and the helpers the suites share,
 * are in wsheap_kunit.h.
 */
#include <linux/kasan.h>
#include <linux/kmsan-checks.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <trace/events/printk.h>

#include "wsheap_kunit.h"

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

/* Bytes from @p to the end of the live chunk that holds it. */
static size_t rest_of_chunk(struct kunit *test, const u8 *p)
{
	struct ledger_chunk *c = ledger_chunk_of(ledger_of(test), p);

	KUNIT_ASSERT_NOT_NULL(test, c);
	return (const u8 *)c->mem + c->bytes - p;
}

static void kasan_block_is_exactly_its_size(struct kunit *test)
{
	struct chunk_ledger *l = ledger_of(test);
	struct wsheap *heap;
	u8 *odd, *even, *big;
	size_t rest;

	require_kasan(test);
	heap = new_heap(test, MiB, 0);
	odd = alloc_ok(test, heap, 13);
	even = alloc_ok(test, heap, 16);
	/* both in the first chunk, with room left after them */
	KUNIT_ASSERT_EQ(test, l->allocs, 1);
	rest = rest_of_chunk(test, even + 24);
	KUNIT_ASSERT_GE(test, rest, 8);
	expect_block_shadow(test, odd, 13, SHADOW_NEVER_HANDED_OUT);
	expect_block_shadow(test, even, 16, SHADOW_NEVER_HANDED_OUT);
	/* Past the bump pointer, to the chunk's end: never handed out. */
	expect_shadow_is(test, even + 24, rest, SHADOW_NEVER_HANDED_OUT);
	/* The chunk header stays accessible, for vfree_atomic(). */
	KUNIT_EXPECT_EQ(test, shadow_of(l->live[0].mem), 0);
	/* A zero-byte block touches nothing. */
	alloc_ok(test, heap, 0);
	expect_shadow_is(test, even + 24, 8, SHADOW_NEVER_HANDED_OUT);
	/* The redzones are chunk memory, not requested bytes. */
	KUNIT_EXPECT_EQ(test, requested(test, heap), 29);

	/*
	 * A block the rest cannot hold with its redzone goes to a new
	 * chunk: the tail it leaves behind is never handed out still, and
	 * so is the new chunk after the block.
	 */
	big = alloc_ok(test, heap, rest);
	KUNIT_ASSERT_EQ(test, l->allocs, 2);
	KUNIT_ASSERT_NOT_NULL(test, ledger_chunk_of(l, big));
	KUNIT_ASSERT_PTR_NE(test, ledger_chunk_of(l, big)->mem, l->live[0].mem);
	expect_shadow_is(test, even + 24, rest, SHADOW_NEVER_HANDED_OUT);
	expect_block_shadow(test, big, rest, SHADOW_NEVER_HANDED_OUT);
	expect_shadow_is(test, big + step(rest),
			 rest_of_chunk(test, big + step(rest)),
			 SHADOW_NEVER_HANDED_OUT);
}

static void kasan_aligned_padding_stays_poisoned(struct kunit *test)
{
	struct chunk_ledger *l = ledger_of(test);
	struct wsheap *heap;
	u8 *a, *b;

	require_kasan(test);
	heap = new_heap(test, MiB, 0);
	/* The first block sizes the first chunk: 1 KiB, room for b after a. */
	alloc_ok(test, heap, 600);
	a = alloc_ok(test, heap, 8);
	b = aligned_ok(test, heap, 24, 256);
	KUNIT_ASSERT_EQ(test, l->allocs, 1);
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
	/*
	 * Grown in place, over what was taken back and past it into what
	 * was never handed out (the first chunk has 224 bytes to carve):
	 * exactly the new size.
	 */
	KUNIT_ASSERT_PTR_EQ(test, realloc_ok(test, heap, a, 20, 150), a);
	expect_block_shadow(test, a, 150, SHADOW_NEVER_HANDED_OUT);
	/* Copied: the old block stays valid, the copy is exact. */
	alloc_ok(test, heap, 8);
	copy = realloc_ok(test, heap, a, 150, 50);
	KUNIT_ASSERT_PTR_NE(test, copy, a);
	expect_block_shadow(test, a, 150, SHADOW_NEVER_HANDED_OUT);
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

/*
 * KMSAN reports, counted from the console as mm/kmsan/kmsan_test.c does.
 * A case that provokes one on purpose prints KMSAN_EXPECT_BEGIN and
 * KMSAN_EXPECT_END around it: the kunit-kmsan stage leaves the log
 * between them out of its check, and fails on a report anywhere else.
 */
#define KMSAN_EXPECT_BEGIN	"wsheap: a KMSAN report is expected here\n"
#define KMSAN_EXPECT_END	"wsheap: the expected KMSAN report ends here\n"

static atomic_t kmsan_reports = ATOMIC_INIT(0);

static void kmsan_probe_console(void *ignore, const char *buf, size_t len)
{
	if (strnstr(buf, "BUG: KMSAN: uninit-value", len))
		atomic_inc(&kmsan_reports);
}

/* Reports seen while @p's first byte is checked. */
static int kmsan_reports_of_use(const u8 *p)
{
	int before = atomic_read(&kmsan_reports);

	pr_info(KMSAN_EXPECT_BEGIN);
	kmsan_check_memory(p, 1);
	pr_info(KMSAN_EXPECT_END);
	return atomic_read(&kmsan_reports) - before;
}

/*
 * KMSAN: a block handed out again after a reset reads as uninitialised,
 * whatever the block before it at that address held.  The same read of
 * a byte written since is no report, which shows that the count is of
 * this block's state, not of any report.
 */
static void kmsan_reused_block_reads_uninitialised(struct kunit *test)
{
	struct wsheap *heap;
	u8 *first, *again;

	if (!IS_ENABLED(CONFIG_KMSAN))
		kunit_skip(test, "needs KMSAN");
	heap = new_heap(test, MiB, 0);
	first = alloc_ok(test, heap, 64);
	memset(first, 0x5a, 64);
	KUNIT_ASSERT_EQ(test, wsheap_reset(heap, NULL), 0);
	again = alloc_ok(test, heap, 64);
	KUNIT_ASSERT_PTR_EQ(test, again, first);

	KUNIT_EXPECT_EQ(test, kmsan_reports_of_use(again), 1);
	again[0] = 1;
	KUNIT_EXPECT_EQ(test, kmsan_reports_of_use(again), 0);
	kunit_info(test, "KMSAN reported the read of a reused block\n");
}

static int wsheap_kasan_suite_init(struct kunit_suite *suite)
{
	if (IS_ENABLED(CONFIG_KMSAN))
		return register_trace_console(kmsan_probe_console, NULL);
	return 0;
}

static void wsheap_kasan_suite_exit(struct kunit_suite *suite)
{
	if (IS_ENABLED(CONFIG_KMSAN)) {
		unregister_trace_console(kmsan_probe_console, NULL);
		tracepoint_synchronize_unregister();
	}
}

static struct kunit_case wsheap_kasan_cases[] = {
	KUNIT_CASE(kasan_block_is_exactly_its_size),
	KUNIT_CASE(kasan_aligned_padding_stays_poisoned),
	KUNIT_CASE(kasan_realloc_shadow_follows_the_block),
	KUNIT_CASE(kasan_rollback_poisons_what_followed),
	KUNIT_CASE(kasan_reset_poisons_and_reuse_unpoisons),
	KUNIT_CASE(kasan_parked_memory_stays_poisoned),
	KUNIT_CASE(kmsan_realloc_keeps_what_it_kept),
	KUNIT_CASE(kmsan_reused_block_reads_uninitialised),
	{}
};

static struct kunit_suite wsheap_kasan_suite = {
	.name = "wsheap_kasan",
	.suite_init = wsheap_kasan_suite_init,
	.suite_exit = wsheap_kasan_suite_exit,
	.init = wsheap_test_init,
	.test_cases = wsheap_kasan_cases,
};

kunit_test_suite(wsheap_kasan_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit suite for wsheap under KASAN and KMSAN");
MODULE_AUTHOR("The wsheap developers");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
