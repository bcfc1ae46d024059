// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite wsheap_concurrent: the heaps the CONCURRENT property makes,
 * on one CPU (the wsheap_smp suite runs them on many).
 *
 * The property reads back and is refused malformed, and every call that
 * succeeds on a concurrent heap leaves the caller's error object alone.
 * An hrtimer pinned to the thread's CPU allocates from the heap the
 * thread allocates from, and the case fails unless the interrupt carved
 * inside a call of the thread's.  The quota holds exactly and
 * REQUESTED_SIZE is the sum of the blocks; realloc grows the last block in
 * place, and the in-place window ends as on a plain heap.  A heap that may
 * sleep carves small blocks from per-CPU slices, which a refusal keeps and
 * a drain gives back only where it helps; the heap object stays small with
 * the quota counter on a cache line of its own.  Static stubs on
 * wsheap_slices_quiesce(), wsheap_concurrent_charge() and
 * wsheap_floor_raise() put another CPU's calls at the moment they race.
 *
 * The helpers it shares with the wsheap_kinds suite (its .init, kind_init(),
 * among them), and those every suite shares, are in wsheap_kunit.h.
 */
#include <kunit/device.h>
#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/device.h>
#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/kmsan-checks.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/rcupdate.h>
#include <linux/preempt.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/string.h>

#include "wsheap_kunit.h"

/*
 * The heap carves from per-CPU slices now.  Not KUNIT_EXPECT_NULL(): the
 * slices are a __percpu pointer, which sparse will not compare with NULL.
 */
static bool kind_sliced(struct wsheap *heap)
{
	return !!wsheap_slices(&heap->fast);
}

/* ---- properties ---- */

/* CONCURRENT reads back false by default, and true when it was given. */
static void concurrent_properties_read_back_defaults(struct kunit *test)
{
	struct wsheap *heap = new_heap_with(test, KiB, 0, NULL, 0);
	bool concurrent = true;
	u64 wide = 0x5a5a;

	KUNIT_EXPECT_EQ(test,
			wsheap_get_property(heap, WSHEAP_PROPERTY_CONCURRENT,
					    &concurrent, sizeof(concurrent),
					    NULL), 0);
	KUNIT_EXPECT_FALSE(test, concurrent);
	concurrent = true;
	heap = new_heap_with(test, KiB, 0, &(struct wsheap_property){
			WSHEAP_PROPERTY_CONCURRENT, &concurrent,
			sizeof(concurrent) }, 1);
	concurrent = false;
	KUNIT_EXPECT_EQ(test,
			wsheap_get_property(heap, WSHEAP_PROPERTY_CONCURRENT,
					    &concurrent, sizeof(concurrent),
					    NULL), 0);
	KUNIT_EXPECT_TRUE(test, concurrent);
	/* A buffer of another size is refused and left alone. */
	KUNIT_EXPECT_EQ(test, wsheap_get_property(heap, WSHEAP_PROPERTY_GFP,
						  &wide, sizeof(wide), NULL),
			-EINVAL);
	KUNIT_EXPECT_EQ(test,
			wsheap_get_property(heap, WSHEAP_PROPERTY_NUMA_NODE,
					    &wide, sizeof(wide), NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, wide, 0x5a5a);
}

static void concurrent_create_refuses_malformed_properties(struct kunit *test)
{
	bool yes = true, no = false;
	struct wsheap_property p[2];

	p[0] = (struct wsheap_property){ WSHEAP_PROPERTY_CONCURRENT, &no, 4 };
	kind_expect_refused(test, p, 1, "CONCURRENT of 4 bytes");
	p[0] = (struct wsheap_property){ WSHEAP_PROPERTY_CONCURRENT, &yes,
					 sizeof(yes) };
	p[1] = p[0];
	kind_expect_refused(test, p, 2, "CONCURRENT twice");
}

/* What the caller put in its error object, which success leaves alone. */
static const char *const kind_callers_msg = "the caller's";

#define KIND_CALLERS_CODE	12345

static void kind_expect_error_untouched(struct kunit *test,
					const struct wsheap_error *err,
					const char *what)
{
	KUNIT_EXPECT_EQ_MSG(test, err->code, KIND_CALLERS_CODE, "%s", what);
	KUNIT_EXPECT_PTR_EQ_MSG(test, err->msg, kind_callers_msg, "%s", what);
}

/*
 * Each call on heaps made with these properties (an atomic, concurrent,
 * placed heap with a reserve whose chunk allocations all fail; a NOFS
 * concurrent heap, which carves from per-CPU slices; a devm heap), and
 * the properties given to create and read back, leaves the error
 * object as it was when it succeeds.  A refused call in the same case
 * fills it: the object is really passed.
 */
static void concurrent_error_untouched_on_success(struct kunit *test)
{
	struct kind_state *st = kind_of(test);
	struct wsheap_error err = { KIND_CALLERS_CODE, kind_callers_msg };
	gfp_t atomic = GFP_ATOMIC, nofs = GFP_NOFS, noio = GFP_NOIO, gfp = 0;
	size_t reserve = 4 * KiB, value = 0;
	int node = first_online_node, got = NUMA_NO_NODE;
	bool yes = true, flag = false;
	struct wsheap_property p[] = {
		kind_gfp(&atomic),
		{ WSHEAP_PROPERTY_RESERVE, &reserve, sizeof(reserve) },
		{ WSHEAP_PROPERTY_NUMA_NODE, &node, sizeof(node) },
		{ WSHEAP_PROPERTY_CONCURRENT, &yes, sizeof(yes) },
	};
	struct wsheap *heap = NULL, *sliced = NULL, *managed = NULL;
	struct wsheap_mark mark;
	struct device *dev;
	char *s, *t;
	void *a, *b, *q;
	unsigned int i;

	KUNIT_ASSERT_EQ(test, wsheap_create(SIZE_MAX, 0, p, ARRAY_SIZE(p),
					    &heap, &err), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, free_heap_action,
							heap), 0);
	kind_expect_error_untouched(test, &err,
				    "create with GFP, RESERVE, NUMA_NODE and CONCURRENT");
	KUNIT_EXPECT_EQ(test, wsheap_get_property(heap, WSHEAP_PROPERTY_GFP,
						  &gfp, sizeof(gfp), &err), 0);
	KUNIT_EXPECT_TRUE(test, gfp == GFP_ATOMIC);
	KUNIT_EXPECT_EQ(test, wsheap_get_property(heap,
						  WSHEAP_PROPERTY_RESERVE,
						  &value, sizeof(value), &err),
			0);
	KUNIT_EXPECT_EQ(test, value, reserve);
	KUNIT_EXPECT_EQ(test, wsheap_get_property(heap,
						  WSHEAP_PROPERTY_NUMA_NODE,
						  &got, sizeof(got), &err), 0);
	KUNIT_EXPECT_EQ(test, got, node);
	KUNIT_EXPECT_EQ(test, wsheap_get_property(heap,
						  WSHEAP_PROPERTY_CONCURRENT,
						  &flag, sizeof(flag), &err), 0);
	KUNIT_EXPECT_TRUE(test, flag);
	kind_expect_error_untouched(test, &err, "get_property of these properties");

	/* every call that succeeds from the reserve */
	st->fail_chunks = true;
	KUNIT_EXPECT_EQ(test, wsheap_alloc(heap, 24, &a, &err), 0);
	kind_expect_error_untouched(test, &err, "wsheap_alloc");
	KUNIT_EXPECT_EQ(test, __wsheap_alloc(heap, 24, &q, &err), 0);
	kind_expect_error_untouched(test, &err, "__wsheap_alloc");
	KUNIT_EXPECT_EQ(test, wsheap_zalloc(heap, 40, &q, &err), 0);
	kind_expect_error_untouched(test, &err, "wsheap_zalloc");
	KUNIT_EXPECT_EQ(test, wsheap_alloc_aligned(heap, 16, 64, &q, &err), 0);
	kind_expect_error_untouched(test, &err, "wsheap_alloc_aligned");
	KUNIT_EXPECT_EQ(test, wsheap_mark(heap, &mark, &err), 0);
	kind_expect_error_untouched(test, &err, "wsheap_mark");
	KUNIT_EXPECT_EQ(test, wsheap_alloc(heap, 8, &b, &err), 0);
	KUNIT_EXPECT_EQ(test, wsheap_realloc(heap, b, 8, 32, &q, &err), 0);
	KUNIT_EXPECT_PTR_EQ(test, q, b);
	kind_expect_error_untouched(test, &err, "wsheap_realloc in place");
	KUNIT_EXPECT_EQ(test, wsheap_realloc(heap, a, 24, 48, &q, &err), 0);
	KUNIT_EXPECT_PTR_NE(test, q, a);
	kind_expect_error_untouched(test, &err, "wsheap_realloc by a copy");
	KUNIT_EXPECT_EQ(test, wsheap_realloc(heap, NULL, 0, 8, &q, &err), 0);
	kind_expect_error_untouched(test, &err, "wsheap_realloc of NULL");
	KUNIT_EXPECT_EQ(test, wsheap_memdup(heap, "abc", 3, &q, &err), 0);
	kind_expect_error_untouched(test, &err, "wsheap_memdup");
	KUNIT_EXPECT_EQ(test, wsheap_strdup(heap, "abc", &s, &err), 0);
	kind_expect_error_untouched(test, &err, "wsheap_strdup");
	KUNIT_EXPECT_EQ(test, wsheap_asprintf(heap, &s, &err, "%d", 3), 0);
	kind_expect_error_untouched(test, &err, "wsheap_asprintf");
	KUNIT_EXPECT_EQ(test, call_vasprintf(heap, &t, &err, "%d", 4), 0);
	kind_expect_error_untouched(test, &err, "wsheap_vasprintf");
	KUNIT_EXPECT_EQ(test, wsheap_rollback(heap, &mark, &err), 0);
	kind_expect_error_untouched(test, &err, "wsheap_rollback");
	KUNIT_EXPECT_EQ(test, wsheap_reset(heap, &err), 0);
	kind_expect_error_untouched(test, &err, "wsheap_reset");
	KUNIT_EXPECT_EQ(test, st->chunk_attempts, 1);	/* the reserve's */

	/* a refusal fills it: the object is passed */
	KUNIT_EXPECT_EQ(test, wsheap_alloc(heap, 64 * KiB, &q, &err), -ENOMEM);
	KUNIT_EXPECT_EQ(test, err.code, -ENOMEM);
	KUNIT_EXPECT_NOT_NULL(test, err.msg);
	KUNIT_EXPECT_PTR_NE(test, err.msg, kind_callers_msg);
	st->fail_chunks = false;

	/* a heap that may sleep carves small blocks from per-CPU slices */
	err = (struct wsheap_error){ KIND_CALLERS_CODE, kind_callers_msg };
	p[0] = kind_gfp(&nofs);
	p[1] = p[3];
	KUNIT_ASSERT_EQ(test, wsheap_create(SIZE_MAX, 0, p, 2, &sliced, &err),
			0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, free_heap_action,
							sliced), 0);
	for (i = 0; i < 100; i++)
		KUNIT_EXPECT_EQ(test, wsheap_alloc(sliced, 1 + i, &q, &err), 0);
	KUNIT_EXPECT_EQ(test, wsheap_alloc_aligned(sliced, 8, 16, &q, &err), 0);
	kind_expect_error_untouched(test, &err, "the calls of a concurrent heap");

	/* devm, with these properties */
	dev = kunit_device_register(test, "wsheap-kunit-kinds");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	p[0] = kind_gfp(&noio);
	p[1] = (struct wsheap_property){ WSHEAP_PROPERTY_RESERVE, &reserve,
					 sizeof(reserve) };
	KUNIT_EXPECT_EQ(test, devm_wsheap_create(dev, SIZE_MAX, 0, p, 3,
						 &managed, &err), 0);
	kind_expect_error_untouched(test, &err, "devm_wsheap_create");
	KUNIT_ASSERT_NOT_NULL(test, managed);
	KUNIT_EXPECT_EQ(test, wsheap_alloc(managed, 100, &q, &err), 0);
	kind_expect_error_untouched(test, &err, "wsheap_alloc of a devm heap");
	kunit_device_unregister(test, dev);
}

/* ---- concurrent heaps ---- */

#define KIND_THREAD_BLOCKS	4096
/*
 * Few: where the timer runs on a 100 Hz tick, the thread carves some
 * 20000 blocks between two of the interrupt's.
 */
#define KIND_IRQ_BLOCKS		16

/*
 * What the thread and the interrupt carved from one concurrent heap, and
 * how often the interrupt carved while the thread was inside a call.
 */
struct kind_race {
	struct hrtimer timer;
	struct wsheap *heap;
	struct kind_block irq[KIND_IRQ_BLOCKS];	/* reused in turn */
	unsigned int nr_irq;		/* blocks the interrupt carved */
	size_t irq_sum;			/* and the sum of their sizes */
	unsigned int irq_refused;
	unsigned int irq_bad;		/* its blocks overwritten before reuse */
	atomic_t inside;		/* the thread is in wsheap_alloc() */
	atomic_t landed;		/* carves of the interrupt meanwhile */
	int stop;
};

/* As kind_block_carve(), with @inside set for as long as the call runs. */
static bool kind_block_carve_inside(struct wsheap *heap, struct kind_block *b,
				    size_t size, u8 fill, atomic_t *inside)
{
	void *p;
	int ret;

	atomic_set(inside, 1);
	ret = wsheap_alloc(heap, size, &p, NULL);
	atomic_set(inside, 0);
	if (ret)
		return false;
	b->p = p;
	b->size = size;
	b->fill = fill;
	memset(p, fill, size);
	return true;
}

/*
 * A block the interrupt filled.  KMSAN skips its hooks in an interrupt that
 * lands while this CPU's softirq is inside the KMSAN runtime (the two share
 * one per-CPU context, see kmsan_in_runtime()), so the interrupt's memset()
 * may leave the bytes marked uninitialised from the chunk's kmalloc().  The
 * bytes are still compared: an overlap or a lost chunk still fails.
 */
static bool kind_irq_block_intact(const struct kind_block *b)
{
	kmsan_unpoison_memory(b->p, b->size);
	return kind_block_intact(b);
}

static enum hrtimer_restart kind_race_irq(struct hrtimer *timer)
{
	struct kind_race *r = container_of(timer, struct kind_race, timer);
	unsigned int n = r->nr_irq;
	struct kind_block *b = &r->irq[n % KIND_IRQ_BLOCKS];
	int inside;

	kind_irq_handler_enter();
	if (READ_ONCE(r->stop))
		return HRTIMER_NORESTART;
	/* the thread's CPU: it cannot leave the call while we run */
	inside = atomic_read(&r->inside);
	if (n >= KIND_IRQ_BLOCKS)
		r->irq_bad += !kind_irq_block_intact(b);
	if (kind_block_carve(r->heap, b, 8 + n % 57, 0x80 | (n % 127))) {
		r->irq_sum += b->size;
		WRITE_ONCE(r->nr_irq, n + 1);
		if (inside)
			atomic_inc(&r->landed);
	} else {
		r->irq_refused++;
	}
	hrtimer_forward_now(timer, ns_to_ktime(20 * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

/*
 * An hrtimer interrupts the thread that allocates from a concurrent heap
 * and allocates from the same heap: even on one CPU the interrupt lands
 * between a thread's reads and its cmpxchg.  The timer is pinned to the
 * thread's CPU, which the thread keeps, and counts the blocks it carved
 * while the thread was inside wsheap_alloc(): the case goes on (for at
 * most 5 s) until the interrupt has carved its share and at least one of
 * its blocks that way, and fails if none was: a race that never happened
 * proves nothing.  Every block keeps its own fill, and REQUESTED_SIZE is
 * the sum of every block carved.  The line the atomic stage looks for is
 * printed only when the race happened, with the count.
 */
static void concurrent_heap_shared_with_an_interrupt(struct kunit *test)
{
	gfp_t gfp = GFP_ATOMIC;
	bool yes = true;
	struct wsheap_property p[] = {
		kind_gfp(&gfp),
		{ WSHEAP_PROPERTY_CONCURRENT, &yes, sizeof(yes) },
	};
	struct kind_block *mine;
	struct kind_race *r;
	unsigned int n, i, bad = 0, refused = 0, landed;
	size_t sum = 0;
	unsigned long end;

	r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	mine = kunit_kcalloc(test, KIND_THREAD_BLOCKS, sizeof(*mine),
			     GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_ASSERT_NOT_NULL(test, mine);
	r->heap = new_heap_with(test, SIZE_MAX, 0, p, ARRAY_SIZE(p));
	atomic_set(&r->inside, 0);
	atomic_set(&r->landed, 0);
	migrate_disable();
	hrtimer_init(&r->timer, CLOCK_MONOTONIC, KIND_TIMER_MODE_PINNED);
	r->timer.function = kind_race_irq;
	hrtimer_start(&r->timer, ns_to_ktime(20 * NSEC_PER_USEC),
		      KIND_TIMER_MODE_PINNED);
	/*
	 * Carve until the interrupt has carved its share, some of it inside
	 * a call of ours; each of the thread's slots is checked before it
	 * is reused.  No KUnit assertion while the timer runs.
	 */
	end = jiffies + 5 * HZ;
	for (n = 0; time_before(jiffies, end); n++) {
		struct kind_block *b = &mine[n % KIND_THREAD_BLOCKS];

		if (READ_ONCE(r->nr_irq) >= KIND_IRQ_BLOCKS &&
		    atomic_read(&r->landed))
			break;
		if (n >= KIND_THREAD_BLOCKS)
			bad += !kind_block_intact(b);
		if (!kind_block_carve_inside(r->heap, b, 1 + n % 91, n % 127,
					     &r->inside)) {
			refused++;
			break;
		}
		sum += b->size;
		/*
		 * Never asleep: where timers run on the tick (without
		 * high-resolution timers) a sleep would end on the very tick
		 * that runs the callback, never inside a call.
		 */
	}
	WRITE_ONCE(r->stop, 1);
	hrtimer_cancel(&r->timer);
	migrate_enable();

	for (i = 0; i < min(n, KIND_THREAD_BLOCKS); i++)
		bad += !kind_block_intact(&mine[i]);
	for (i = 0; i < min(r->nr_irq, KIND_IRQ_BLOCKS); i++)
		bad += !kind_irq_block_intact(&r->irq[i]);
	landed = atomic_read(&r->landed);
	if (landed)
		kunit_info(test, "%u blocks by the thread, %u by the interrupt, %u of them carved inside a call of the thread's\n",
			   n, r->nr_irq, landed);
	else
		kunit_info(test, "no interrupt carved inside a call of the thread's (%u blocks by the thread, %u in the timer)\n",
			   n, r->nr_irq);
	KUNIT_EXPECT_GT(test, landed, 0);
	KUNIT_EXPECT_EQ(test, refused, 0);
	KUNIT_EXPECT_EQ(test, bad + r->irq_bad, 0);
	KUNIT_EXPECT_EQ(test, r->irq_refused, 0);
	KUNIT_EXPECT_GE(test, r->nr_irq, KIND_IRQ_BLOCKS);
	KUNIT_EXPECT_EQ(test, kind_size(test, r->heap,
					WSHEAP_PROPERTY_REQUESTED_SIZE),
			sum + r->irq_sum);
}

/*
 * The quota holds exactly under concurrent requests too: the blocks end
 * at most MAX_SIZE, within one request of it, and REQUESTED_SIZE is their
 * sum; realloc grows the last block in place, copies any other, and
 * refuses an old_size larger than REQUESTED_SIZE.
 */
static void concurrent_heap_quota_and_realloc(struct kunit *test)
{
	bool yes = true;
	struct wsheap_property p = { WSHEAP_PROPERTY_CONCURRENT, &yes,
				     sizeof(yes) };
	struct wsheap *heap = new_heap_with(test, 10000, 0, &p, 1);
	struct wsheap_mark mark;
	size_t sum = 0;
	void *a, *b, *q;

	/*
	 * one thread: on one CPU, so that its blocks share one slice; a
	 * grows within the first chunk (224 bytes to carve) or slice
	 */
	migrate_disable();
	KUNIT_ASSERT_EQ(test, wsheap_alloc(heap, 100, &a, NULL), 0);
	KUNIT_ASSERT_EQ(test, wsheap_realloc(heap, a, 100, 200, &q, NULL), 0);
	KUNIT_ASSERT_PTR_EQ(test, q, a);
	KUNIT_ASSERT_EQ(test, wsheap_alloc(heap, 100, &b, NULL), 0);
	KUNIT_ASSERT_EQ(test, wsheap_realloc(heap, a, 200, 400, &q, NULL), 0);
	KUNIT_EXPECT_PTR_NE(test, q, a);
	sum = 200 + 100 + 400;
	while (wsheap_alloc(heap, 64, &q, NULL) == 0)
		sum += 64;
	KUNIT_EXPECT_LE(test, sum, 10000);
	KUNIT_EXPECT_GT(test, sum, 10000 - 64);
	KUNIT_EXPECT_EQ(test, kind_size(test, heap,
					WSHEAP_PROPERTY_REQUESTED_SIZE), sum);
	KUNIT_EXPECT_EQ(test, wsheap_alloc(heap, 64, &q, NULL), -EDQUOT);
	/* exclusive calls still work, and the heap goes on after them */
	KUNIT_EXPECT_EQ(test, wsheap_reset(heap, NULL), 0);
	KUNIT_EXPECT_EQ(test, wsheap_alloc(heap, 64, &q, NULL), 0);
	KUNIT_EXPECT_EQ(test, wsheap_mark(heap, &mark, NULL), 0);
	/* after a mark, the inline path carves again (from a new slice) */
	KUNIT_ASSERT_EQ(test, wsheap_alloc(heap, 24, &a, NULL), 0);
	memset(a, 0xa1, 24);
	/* and the out-of-line one carves after it */
	KUNIT_ASSERT_EQ(test, wsheap_alloc_aligned(heap, 24, 8, &b, NULL), 0);
	memset(b, 0xb2, 24);
	KUNIT_EXPECT_NULL(test, memchr_inv(a, 0xa1, 24));
	KUNIT_EXPECT_EQ(test, kind_size(test, heap,
					WSHEAP_PROPERTY_REQUESTED_SIZE), 112);
	KUNIT_EXPECT_EQ(test, wsheap_rollback(heap, &mark, NULL), 0);
	KUNIT_EXPECT_EQ(test, kind_size(test, heap,
					WSHEAP_PROPERTY_REQUESTED_SIZE), 64);
	/* an old_size above REQUESTED_SIZE is refused, as on any heap */
	a = NULL;
	KUNIT_EXPECT_EQ(test, wsheap_realloc(heap, q, 65, 8, &a, NULL),
			-EINVAL);
	KUNIT_EXPECT_NULL(test, a);
	KUNIT_EXPECT_EQ(test, kind_size(test, heap,
					WSHEAP_PROPERTY_REQUESTED_SIZE), 64);
	migrate_enable();
}

/*
 * A concurrent heap that may sleep carves small blocks from this CPU's
 * slice, one after the other with no atomic; the slice took all its bytes
 * from the quota at once, and REQUESTED_SIZE counts only what was handed
 * out.  A mark folds the slice back; an atomic heap and one with a reserve
 * never have slices.
 */
static void concurrent_small_blocks_come_from_slices(struct kunit *test)
{
	gfp_t gfp = GFP_NOWAIT;
	size_t reserve = KiB;
	bool yes = true;
	struct wsheap_property p[] = {
		{ WSHEAP_PROPERTY_CONCURRENT, &yes, sizeof(yes) },
		kind_gfp(&gfp),
		{ WSHEAP_PROPERTY_RESERVE, &reserve, sizeof(reserve) },
	};
	struct wsheap *heap = new_heap_with(test, SIZE_MAX, 0, p, 1);
	struct wsheap_slice __percpu *slices;
	struct wsheap_slice *s;
	struct wsheap_mark mark;
	char *a, *b, *first;
	int cpu;

	if (!WSHEAP_SLICES)
		kunit_skip(test, "needs the inline path: no KASAN, KMSAN or WSHEAP_DEBUG");
	/*
	 * A first block past WSHEAP_SLICE_BLOCK_MAX, from the shared bump
	 * pointer, sizes the first chunk: 4 KiB, room for a whole slice
	 * after the block.
	 */
	KUNIT_ASSERT_EQ(test, wsheap_alloc(heap, 2 * KiB, (void **)&first,
					   NULL), 0);
	KUNIT_ASSERT_EQ(test, kind_size(test, heap, WSHEAP_PROPERTY_ACTUAL_SIZE),
			4 * KiB);
	migrate_disable();
	cpu = raw_smp_processor_id();
	KUNIT_EXPECT_EQ(test, wsheap_alloc(heap, 24, (void **)&a, NULL), 0);
	KUNIT_EXPECT_EQ(test, wsheap_alloc(heap, 40, (void **)&b, NULL), 0);
	migrate_enable();
	slices = wsheap_slices(&heap->fast);
	KUNIT_ASSERT_TRUE(test, !!slices);
	s = per_cpu_ptr(slices, cpu);
	KUNIT_EXPECT_PTR_EQ(test, b, a + 24);
	KUNIT_EXPECT_PTR_EQ(test, s->bump, b + 40);
	KUNIT_EXPECT_EQ(test, s->requested, 64);
	KUNIT_EXPECT_GE(test, s->charged, KiB);
	KUNIT_EXPECT_EQ(test, kind_size(test, heap,
					WSHEAP_PROPERTY_REQUESTED_SIZE),
			2 * KiB + 64);
	KUNIT_ASSERT_EQ(test, wsheap_mark(heap, &mark, NULL), 0);
	KUNIT_EXPECT_EQ(test, s->charged, 0);
	KUNIT_EXPECT_EQ(test, heap->fast.requested, 2 * KiB + 64);

	heap = new_heap_with(test, SIZE_MAX, 0, p, 2);
	KUNIT_EXPECT_EQ(test, wsheap_alloc(heap, 24, (void **)&a, NULL), 0);
	KUNIT_EXPECT_FALSE(test, kind_sliced(heap));
	p[1] = p[2];
	heap = new_heap_with(test, SIZE_MAX, 0, p, 2);
	KUNIT_EXPECT_EQ(test, wsheap_alloc(heap, 24, (void **)&a, NULL), 0);
	KUNIT_EXPECT_FALSE(test, kind_sliced(heap));
}

static struct wsheap *kind_sized_object_alloc(size_t size, gfp_t gfp)
{
	kind_of(kunit_get_current_test())->object_size = size;
	return kzalloc(size, gfp);
}

/*
 * A concurrent heap's object does not grow with the number of CPUs: its
 * per-CPU slices are per-CPU memory, outside it, so create makes no
 * high-order allocation on a machine of many CPUs.  Its quota counter,
 * which every refill and shared block cmpxchg's, is on a cache line of
 * its own, not on the one whose slice tag the inline path reads.
 */
static void concurrent_heap_object_is_small_and_lined(struct kunit *test)
{
	struct kind_state *st = kind_of(test);
	gfp_t atomic = GFP_ATOMIC;
	bool yes = true;
	struct wsheap_property p[] = {
		{ WSHEAP_PROPERTY_CONCURRENT, &yes, sizeof(yes) },
		kind_gfp(&atomic),
	};
	struct wsheap_slice __percpu *slices;
	unsigned int n, cpu;
	struct wsheap *heap;
	char *counter;

	kunit_activate_static_stub(test, wsheap_object_alloc,
				   kind_sized_object_alloc);
	for (n = 1; n <= ARRAY_SIZE(p); n++) {
		heap = new_heap_with(test, SIZE_MAX, 0, p, n);
		/* lockdep adds a map to the listing's seqcount */
		if (!IS_ENABLED(CONFIG_DEBUG_LOCK_ALLOC))
			KUNIT_EXPECT_LE(test, st->object_size, 512);
		counter = (char *)wsheap_quota_counter(heap);
		KUNIT_EXPECT_TRUE(test, counter >= (char *)(heap + 1));
		/* cache lines are shared only with other CPUs */
		if (IS_ENABLED(CONFIG_SMP))
			KUNIT_EXPECT_TRUE(test,
					  IS_ALIGNED((unsigned long)counter,
						     SMP_CACHE_BYTES));
		KUNIT_EXPECT_TRUE(test, counter + sizeof(size_t) <=
					(char *)heap + st->object_size);
		slices = wsheap_slices(&heap->fast);
		if (!slices)
			continue;
		for_each_possible_cpu(cpu) {
			char *s = (char *)per_cpu_ptr(slices, cpu);

			KUNIT_EXPECT_TRUE(test, s + sizeof(struct wsheap_slice) <=
					  (char *)heap ||
					  s >= (char *)heap + st->object_size);
		}
	}
}

/*
 * A request past the quota leaves a heap with slices as it was: its
 * slices stay (no drain could make the request fit), and the last block
 * is still resized in place.  A request that fits only with the slices'
 * unused quota drains them and succeeds.
 */
static void concurrent_refusal_keeps_the_slices(struct kunit *test)
{
	bool yes = true;
	struct wsheap_property p = { WSHEAP_PROPERTY_CONCURRENT, &yes,
				     sizeof(yes) };
	struct wsheap *heap = new_heap_with(test, 64 * KiB, 0, &p, 1);
	size_t left;
	void *a, *q;

	if (!WSHEAP_SLICES)
		kunit_skip(test, "needs the inline path: no KASAN, KMSAN or WSHEAP_DEBUG");
	migrate_disable();
	KUNIT_ASSERT_EQ(test, wsheap_alloc(heap, 64, &a, NULL), 0);
	KUNIT_EXPECT_EQ(test, wsheap_alloc(heap, 64 * KiB, &q, NULL), -EDQUOT);
	KUNIT_EXPECT_TRUE(test, kind_sliced(heap));
	KUNIT_ASSERT_EQ(test, wsheap_realloc(heap, a, 64, 128, &q, NULL), 0);
	KUNIT_EXPECT_PTR_EQ(test, q, a);
	migrate_enable();

	left = 64 * KiB - 128;
	KUNIT_EXPECT_GT(test, wsheap_quota_left(heap), 0);
	KUNIT_EXPECT_LT(test, wsheap_quota_left(heap), left);
	KUNIT_EXPECT_EQ(test, wsheap_alloc(heap, left, &q, NULL), 0);
	KUNIT_EXPECT_FALSE(test, kind_sliced(heap));
	KUNIT_EXPECT_EQ(test, kind_size(test, heap,
					WSHEAP_PROPERTY_REQUESTED_SIZE),
			64 * KiB);
}

/*
 * Another CPU's call during a drain's grace period: hook_size bytes from
 * the shared pointer (past WSHEAP_SLICE_BLOCK_MAX), while the slices' tag
 * is clear.
 */
static void kind_quiesce_while_another_takes(struct wsheap *heap)
{
	struct kunit *test = kunit_get_current_test();
	struct kind_state *st = kind_of(test);
	void *p;

	st->hook_calls++;
	if (!wsheap_slices(&heap->fast) &&
	    !wsheap_alloc(heap, st->hook_size, &p, NULL))
		st->hook_took = true;
	synchronize_rcu();
}

/*
 * A request that fits only with the slices' unused quota drains them,
 * but another call takes quota while the drain waits for its grace
 * period, so that the request no longer fits: it is refused, and the heap
 * keeps its slices for the rest of the round (the drain was no use).
 */
static void concurrent_useless_drain_keeps_the_slices(struct kunit *test)
{
	struct kind_state *st = kind_of(test);
	bool yes = true;
	struct wsheap_property p = { WSHEAP_PROPERTY_CONCURRENT, &yes,
				     sizeof(yes) };
	struct wsheap *heap = new_heap_with(test, 256 * KiB, 0, &p, 1);
	size_t left, unused;
	char *a, *q;

	if (!WSHEAP_SLICES)
		kunit_skip(test, "needs the inline path: no KASAN, KMSAN or WSHEAP_DEBUG");
	/*
	 * A first block past WSHEAP_SLICE_BLOCK_MAX, from the shared bump
	 * pointer, sizes the first chunk: 8 KiB, room after the block for a
	 * whole slice (1 KiB) and then for the other call's block.  That
	 * one must fit without a new chunk: the growth would wait for the
	 * mutex the drain holds, here on the same thread.
	 */
	KUNIT_ASSERT_EQ(test, wsheap_alloc(heap, 4 * KiB, (void **)&q, NULL), 0);
	KUNIT_ASSERT_EQ(test, kind_size(test, heap, WSHEAP_PROPERTY_ACTUAL_SIZE),
			8 * KiB);
	KUNIT_ASSERT_EQ(test, wsheap_alloc(heap, 8, (void **)&a, NULL), 0);
	/* the slice took more quota than its block: 1 KiB */
	left = wsheap_quota_left(heap);
	unused = 256 * KiB - 4 * KiB - 8 - left;
	KUNIT_ASSERT_GE(test, unused, KiB - 8);
	KUNIT_ASSERT_LE(test, unused, KiB);
	st->hook_size = unused;
	kunit_activate_static_stub(test, wsheap_slices_quiesce,
				   kind_quiesce_while_another_takes);
	/* fits with the unused quota, not once as much more is taken */
	KUNIT_EXPECT_EQ(test, wsheap_alloc(heap, left + unused / 2,
					   (void **)&q, NULL), -EDQUOT);
	KUNIT_ASSERT_EQ(test, st->hook_calls, 1);
	KUNIT_ASSERT_TRUE(test, st->hook_took);
	KUNIT_EXPECT_TRUE(test, kind_sliced(heap));
	KUNIT_EXPECT_EQ(test, kind_size(test, heap,
					WSHEAP_PROPERTY_REQUESTED_SIZE),
			4 * KiB + 8 + unused);
	/* the slices still carve */
	KUNIT_EXPECT_EQ(test, wsheap_alloc(heap, 8, (void **)&q, NULL), 0);
	KUNIT_EXPECT_TRUE(test, kind_sliced(heap));
}

/*
 * Another CPU's calls right after the quota took an in-place growth's
 * bytes: an 8-byte block, and a zero-byte one at 32, which moves the bump
 * pointer and takes no quota.
 */
static bool kind_charge_then_others_carve(struct wsheap *heap, size_t size)
{
	struct kunit *test = kunit_get_current_test();
	struct kind_state *st = kind_of(test);
	bool charged;
	void *p;

	kunit_deactivate_static_stub(test, wsheap_concurrent_charge);
	charged = wsheap_concurrent_charge(heap, size);
	st->hook_calls++;
	st->hook_ret = wsheap_alloc(heap, 8, &p, NULL);
	if (wsheap_alloc_aligned(heap, 0, 32, &p, NULL))
		st->hook_ret = -EINVAL;
	return charged;
}

/*
 * Quota 96, REQUESTED_SIZE 82, X of 10 bytes the last block: X grows to
 * 20 in place while another CPU asks for 8 bytes.  Either fits alone, not
 * both.  The other CPU may be refused only if X did grow: a growth
 * takes its bytes before its quota, so one that ends refused or copied
 * never held quota another call was refused for.
 */
static void concurrent_growth_refuses_no_one_in_vain(struct kunit *test)
{
	struct kind_state *st = kind_of(test);
	gfp_t gfp = GFP_ATOMIC;
	bool yes = true;
	struct wsheap_property p[] = {
		kind_gfp(&gfp),
		{ WSHEAP_PROPERTY_CONCURRENT, &yes, sizeof(yes) },
	};
	struct wsheap *heap = new_heap_with(test, 96, 0, p, ARRAY_SIZE(p));
	void *base, *x, *q = NULL;
	int ret;

	/* X ends off a 32-byte boundary, so the zero-byte block moves it */
	KUNIT_ASSERT_EQ(test, wsheap_alloc_aligned(heap, 72, 32, &base, NULL),
			0);
	KUNIT_ASSERT_EQ(test, wsheap_alloc(heap, 10, &x, NULL), 0);
	KUNIT_ASSERT_FALSE(test, IS_ALIGNED((unsigned long)x +
					    wsheap_footprint(10), 32));
	kunit_activate_static_stub(test, wsheap_concurrent_charge,
				   kind_charge_then_others_carve);
	ret = wsheap_realloc(heap, x, 10, 20, &q, NULL);
	KUNIT_ASSERT_EQ(test, st->hook_calls, 1);
	if (st->hook_ret) {
		KUNIT_EXPECT_EQ(test, st->hook_ret, -EDQUOT);
		KUNIT_EXPECT_EQ_MSG(test, ret, 0,
				    "the other CPU was refused for a growth that did not happen");
		KUNIT_EXPECT_PTR_EQ(test, q, x);
	}
	KUNIT_EXPECT_EQ(test, kind_size(test, heap,
					WSHEAP_PROPERTY_REQUESTED_SIZE),
			82 + (ret ? 0 : 10) + (st->hook_ret ? 0 : 8));
}

/*
 * Another CPU's calls after a zero-byte call read the bump pointer and
 * before it raises the floor: a 32-byte block, and a zero-byte call that
 * ends that block's window.
 */
static void kind_others_close_a_window(struct wsheap *heap, char *to)
{
	struct kunit *test = kunit_get_current_test();
	struct kind_state *st = kind_of(test);
	void *z;

	kunit_deactivate_static_stub(test, wsheap_floor_raise);
	st->hook_calls++;
	if (wsheap_alloc_aligned(heap, 32, 32, &st->hook_block, NULL) ||
	    wsheap_alloc_aligned(heap, 0, 32, &z, NULL))
		st->hook_ret = -ENOMEM;
	wsheap_floor_raise(heap, to);
}

/*
 * The floor below which no block is resized in place only rises: a
 * zero-byte call that read the bump pointer before another CPU carved a
 * block and closed its window never reopens it.  The blocks are 32 bytes
 * at 32, so no zero-byte call moves the bump pointer (a KASAN redzone
 * would).
 */
static void concurrent_floor_only_rises(struct kunit *test)
{
	struct kind_state *st = kind_of(test);
	gfp_t gfp = GFP_ATOMIC;
	bool yes = true;
	struct wsheap_property p[] = {
		kind_gfp(&gfp),
		{ WSHEAP_PROPERTY_CONCURRENT, &yes, sizeof(yes) },
	};
	struct wsheap *heap = new_heap_with(test, SIZE_MAX, 0, p, ARRAY_SIZE(p));
	void *first, *z, *q;

	if (WSHEAP_REDZONE)
		kunit_skip(test, "a redzone makes every zero-byte block move the bump pointer");
	KUNIT_ASSERT_EQ(test, wsheap_alloc_aligned(heap, 32, 32, &first, NULL),
			0);
	kunit_activate_static_stub(test, wsheap_floor_raise,
				   kind_others_close_a_window);
	KUNIT_ASSERT_EQ(test, wsheap_alloc_aligned(heap, 0, 32, &z, NULL), 0);
	KUNIT_ASSERT_EQ(test, st->hook_calls, 1);
	KUNIT_ASSERT_EQ(test, st->hook_ret, 0);
	KUNIT_ASSERT_EQ(test, wsheap_realloc(heap, st->hook_block, 32, 48, &q,
					     NULL), 0);
	KUNIT_EXPECT_PTR_NE_MSG(test, q, st->hook_block,
				"resized in place after its window closed");
}

/* Allocate @n blocks of 1 to 300 bytes, the same ones for the same seed. */
static void kind_fill(struct kunit *test, struct wsheap *heap, unsigned int n)
{
	struct rnd_state rnd;
	void *p;

	prandom_seed_state(&rnd, 0x76337761);
	while (n--)
		KUNIT_ASSERT_EQ(test, wsheap_alloc(heap,
						   1 + prandom_u32_state(&rnd) % 300,
						   &p, NULL), 0);
}

/*
 * As on a plain heap, a round that replays the last one on a concurrent
 * heap that kept its chunks needs no new chunk: its slices meet the kept
 * chunks in the same order and use each to its end.
 */
static void concurrent_replayed_round_needs_no_chunk(struct kunit *test)
{
	bool yes = true;
	struct wsheap_property p = { WSHEAP_PROPERTY_CONCURRENT, &yes,
				     sizeof(yes) };
	struct wsheap *heap = new_heap_with(test, SIZE_MAX, SIZE_MAX, &p, 1);
	size_t held;

	/* one CPU's slices, so that both rounds cut the same ones */
	migrate_disable();
	kind_fill(test, heap, 20000);
	held = kind_size(test, heap, WSHEAP_PROPERTY_ACTUAL_SIZE);
	KUNIT_EXPECT_EQ(test, wsheap_reset(heap, NULL), 0);
	kind_fill(test, heap, 20000);
	migrate_enable();
	KUNIT_EXPECT_EQ(test, kind_size(test, heap, WSHEAP_PROPERTY_ACTUAL_SIZE),
			held);
}

/*
 * The in-place window of a concurrent heap is a plain heap's: a mark ends
 * it (the block carved last before it is copied, so that the rollback to
 * the mark cannot hand its bytes out again), and so does a block carved
 * from a chunk of its own, though the bump pointer stays where it was.
 */
static void concurrent_in_place_window_as_on_any_heap(struct kunit *test)
{
	bool yes = true;
	size_t reserve = 16 * KiB;
	struct wsheap_property p[] = {
		{ WSHEAP_PROPERTY_CONCURRENT, &yes, sizeof(yes) },
		{ WSHEAP_PROPERTY_RESERVE, &reserve, sizeof(reserve) },
	};
	struct wsheap *heap = new_heap_with(test, SIZE_MAX, 0, p, 1);
	struct wsheap_mark mark;
	void *a, *q, *after, *big;

	migrate_disable();	/* one CPU's slice */
	KUNIT_ASSERT_EQ(test, wsheap_alloc(heap, 64, &a, NULL), 0);
	memset(a, 0xa1, 64);
	KUNIT_ASSERT_EQ(test, wsheap_mark(heap, &mark, NULL), 0);
	KUNIT_ASSERT_EQ(test, wsheap_realloc(heap, a, 64, 128, &q, NULL), 0);
	KUNIT_EXPECT_PTR_NE(test, q, a);
	KUNIT_EXPECT_NULL(test, memchr_inv(q, 0xa1, 64));
	KUNIT_ASSERT_EQ(test, wsheap_rollback(heap, &mark, NULL), 0);
	/* nor after a rollback */
	KUNIT_ASSERT_EQ(test, wsheap_realloc(heap, a, 64, 128, &q, NULL), 0);
	KUNIT_EXPECT_PTR_NE(test, q, a);
	KUNIT_ASSERT_EQ(test, wsheap_alloc(heap, 64, &after, NULL), 0);
	/* a block carved after the mark is still resized in place */
	KUNIT_ASSERT_EQ(test, wsheap_realloc(heap, after, 64, 32, &q, NULL), 0);
	KUNIT_EXPECT_PTR_EQ(test, q, after);
	migrate_enable();

	/*
	 * The reserve's chunk has far more room than a chunk sized for
	 * 100 KiB keeps after it: the big block stays behind as a stray.
	 */
	heap = new_heap_with(test, SIZE_MAX, 0, p, ARRAY_SIZE(p));
	KUNIT_ASSERT_EQ(test, wsheap_alloc(heap, 64, &a, NULL), 0);
	KUNIT_ASSERT_EQ(test, wsheap_alloc(heap, 100 * KiB, &big, NULL), 0);
	KUNIT_ASSERT_EQ(test, wsheap_alloc(heap, 8, &after, NULL), 0);
	KUNIT_EXPECT_PTR_EQ(test, after, a + 64 + WSHEAP_REDZONE);
	KUNIT_ASSERT_EQ(test, wsheap_realloc(heap, after, 8, 16, &q, NULL), 0);
	KUNIT_EXPECT_PTR_EQ(test, q, after);
	KUNIT_ASSERT_EQ(test, wsheap_alloc(heap, 100 * KiB, &big, NULL), 0);
	KUNIT_ASSERT_EQ(test, wsheap_realloc(heap, after, 16, 32, &q, NULL), 0);
	KUNIT_EXPECT_PTR_NE(test, q, after);

	/* a block resized to nothing is still the last; the one before not */
	KUNIT_ASSERT_EQ(test, wsheap_alloc(heap, 16, &a, NULL), 0);
	KUNIT_ASSERT_EQ(test, wsheap_alloc(heap, 16, &after, NULL), 0);
	KUNIT_ASSERT_EQ(test, wsheap_realloc(heap, after, 16, 0, &q, NULL), 0);
	KUNIT_EXPECT_PTR_EQ(test, q, after);
	KUNIT_ASSERT_EQ(test, wsheap_realloc(heap, a, 16, 32, &q, NULL), 0);
	KUNIT_EXPECT_PTR_NE(test, q, a);
}

static struct kunit_case wsheap_concurrent_cases[] = {
	KUNIT_CASE(concurrent_properties_read_back_defaults),
	KUNIT_CASE(concurrent_create_refuses_malformed_properties),
	KUNIT_CASE(concurrent_error_untouched_on_success),
	KUNIT_CASE_SLOW(concurrent_heap_shared_with_an_interrupt),
	KUNIT_CASE(concurrent_heap_quota_and_realloc),
	KUNIT_CASE(concurrent_small_blocks_come_from_slices),
	KUNIT_CASE(concurrent_heap_object_is_small_and_lined),
	KUNIT_CASE(concurrent_refusal_keeps_the_slices),
	KUNIT_CASE(concurrent_useless_drain_keeps_the_slices),
	KUNIT_CASE(concurrent_growth_refuses_no_one_in_vain),
	KUNIT_CASE(concurrent_floor_only_rises),
	KUNIT_CASE(concurrent_replayed_round_needs_no_chunk),
	KUNIT_CASE(concurrent_in_place_window_as_on_any_heap),
	{}
};

static struct kunit_suite wsheap_concurrent_suite = {
	.name = "wsheap_concurrent",
	.init = kind_init,
	.test_cases = wsheap_concurrent_cases,
};

kunit_test_suite(wsheap_concurrent_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit suite for wsheap's concurrent heaps");
MODULE_AUTHOR("The wsheap developers");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
