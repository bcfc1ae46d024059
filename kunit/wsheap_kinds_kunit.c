// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite wsheap_kinds: the heaps the GFP, RESERVE and NUMA_NODE
 * properties make: atomic, reserved and placed heaps.
 *
 * An atomic heap's calls run under a spinlock with interrupts off, from
 * an hrtimer callback (hard interrupt context) and from a tasklet and a
 * timer_list callback (soft interrupt context); so do the calls given a
 * NULL heap.  The kernels that run this suite have
 * CONFIG_DEBUG_ATOMIC_SLEEP, whose report of a sleeping call taints the
 * kernel, and the cases check the taint.  A reserve is shown to carry
 * hundreds of rounds while every chunk allocation fails, and rounds that
 * fill it to its exact edge, and in the same case that the failure is
 * live: a plain heap and a request past the reserve are refused.  The
 * chunk ledger of wsheap_kunit.h shows the flags and the node every chunk
 * is asked for with; a heap placed on node 1 has every page there.
 */
#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/interrupt.h>
#include <linux/irqflags.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/nodemask.h>
#include <linux/panic.h>
#include <linux/preempt.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/timer.h>
#include <linux/topology.h>
#include <linux/vmalloc.h>

#include "wsheap_kunit.h"

static void *recording_slab_alloc(size_t bytes, gfp_t gfp, int node)
{
	struct kind_state *st = kind_of(kunit_get_current_test());

	st->slab_calls++;
	st->slab_node = node;
	st->slab_gfp_seen |= gfp;
	return kmalloc_node(bytes, gfp, node);
}

/*
 * The chunk ledger of wsheap_kunit.h instead of failable_chunk_mem_alloc():
 * before the case creates its first heap, since the ledger must see every
 * chunk it frees.
 */
static struct chunk_ledger *kind_ledger(struct kunit *test)
{
	kunit_activate_static_stub(test, wsheap_chunk_mem_alloc,
				   ledger_chunk_mem_alloc);
	kunit_activate_static_stub(test, wsheap_chunk_mem_free,
				   ledger_chunk_mem_free);
	return ledger_of(test);
}

/* In the interrupt context of KIND_TIMER_MODE. */
static bool kind_in_timer_context(void)
{
	return IS_ENABLED(CONFIG_PREEMPT_RT) ? in_serving_softirq() :
					       in_hardirq();
}

/* ---- properties ---- */

static void kind_properties_read_back_defaults(struct kunit *test)
{
	struct wsheap *heap = new_heap_with(test, KiB, 0, NULL, 0);
	gfp_t gfp = 0;
	int node = 0;

	KUNIT_EXPECT_EQ(test, wsheap_get_property(heap, WSHEAP_PROPERTY_GFP,
						  &gfp, sizeof(gfp), NULL), 0);
	KUNIT_EXPECT_TRUE(test, gfp == GFP_KERNEL);
	KUNIT_EXPECT_EQ(test, kind_size(test, heap, WSHEAP_PROPERTY_RESERVE), 0);
	KUNIT_EXPECT_EQ(test,
			wsheap_get_property(heap, WSHEAP_PROPERTY_NUMA_NODE,
					    &node, sizeof(node), NULL), 0);
	KUNIT_EXPECT_EQ(test, node, NUMA_NO_NODE);
}

static void kind_properties_are_kept(struct kunit *test)
{
	gfp_t noio = GFP_NOIO, gfp = 0;
	size_t reserve = 1000;
	int node = first_online_node, got = NUMA_NO_NODE;
	struct wsheap_property p[] = {
		kind_gfp(&noio),
		{ WSHEAP_PROPERTY_RESERVE, &reserve, sizeof(reserve) },
		{ WSHEAP_PROPERTY_NUMA_NODE, &node, sizeof(node) },
	};
	struct wsheap *heap = new_heap_with(test, 64 * KiB, 0, p, ARRAY_SIZE(p));

	KUNIT_EXPECT_EQ(test, wsheap_get_property(heap, WSHEAP_PROPERTY_GFP,
						  &gfp, sizeof(gfp), NULL), 0);
	KUNIT_EXPECT_TRUE(test, gfp == GFP_NOIO);
	KUNIT_EXPECT_EQ(test, kind_size(test, heap, WSHEAP_PROPERTY_RESERVE),
			1000);
	KUNIT_EXPECT_EQ(test,
			wsheap_get_property(heap, WSHEAP_PROPERTY_NUMA_NODE,
					    &got, sizeof(got), NULL), 0);
	KUNIT_EXPECT_EQ(test, got, node);
	/* The reserve is held from the start. */
	KUNIT_EXPECT_GE(test, kind_size(test, heap, WSHEAP_PROPERTY_ACTUAL_SIZE),
			1000);
}

/* Each GFP reads back as given, whatever wsheap adds to it. */
static void kind_every_gfp_reads_back(struct kunit *test)
{
	static const gfp_t values[] = { GFP_KERNEL, GFP_NOFS, GFP_NOIO,
					GFP_NOWAIT, GFP_ATOMIC };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(values); i++) {
		struct wsheap_property p = kind_gfp(&values[i]);
		struct wsheap *heap = new_heap_with(test, KiB, 0, &p, 1);
		gfp_t gfp = 0;

		KUNIT_EXPECT_EQ(test,
				wsheap_get_property(heap, WSHEAP_PROPERTY_GFP,
						    &gfp, sizeof(gfp), NULL), 0);
		KUNIT_EXPECT_TRUE_MSG(test, gfp == values[i], "%#x for %#x",
				      (__force unsigned int)gfp,
				      (__force unsigned int)values[i]);
	}
}

static void kind_create_refuses_malformed_properties(struct kunit *test)
{
	gfp_t bad_gfp[] = { GFP_KERNEL | __GFP_ACCOUNT, GFP_HIGHUSER, 0,
			    GFP_KERNEL | __GFP_NOWARN, GFP_ATOMIC | __GFP_ZERO };
	gfp_t kernel = GFP_KERNEL;
	size_t reserve = 64;
	int bad_node[] = { MAX_NUMNODES, -2, INT_MAX };
	int node = NUMA_NO_NODE;
	struct wsheap_property p[2];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad_gfp); i++) {
		p[0] = kind_gfp(&bad_gfp[i]);
		kind_expect_refused(test, p, 1, "GFP not one of the five");
	}
	for (i = 0; i < ARRAY_SIZE(bad_node); i++) {
		p[0] = (struct wsheap_property){ WSHEAP_PROPERTY_NUMA_NODE,
						 &bad_node[i], sizeof(int) };
		kind_expect_refused(test, p, 1, "NUMA_NODE not online");
	}
	p[0] = (struct wsheap_property){ WSHEAP_PROPERTY_GFP, &kernel, 8 };
	kind_expect_refused(test, p, 1, "GFP of 8 bytes");
	p[0] = (struct wsheap_property){ WSHEAP_PROPERTY_RESERVE, &reserve,
					 sizeof(reserve) / 2 };
	kind_expect_refused(test, p, 1, "RESERVE of half a size_t");
	p[0] = (struct wsheap_property){ WSHEAP_PROPERTY_NUMA_NODE, &node, 8 };
	kind_expect_refused(test, p, 1, "NUMA_NODE of 8 bytes");
	p[0] = (struct wsheap_property){ WSHEAP_PROPERTY_RESERVE, NULL, 8 };
	kind_expect_refused(test, p, 1, "NULL RESERVE");
	p[0] = (struct wsheap_property){ WSHEAP_PROPERTY_RESERVE, &reserve,
					 sizeof(reserve) };
	p[1] = p[0];
	kind_expect_refused(test, p, 2, "RESERVE twice");
	p[0] = kind_gfp(&kernel);
	p[1] = p[0];
	kind_expect_refused(test, p, 2, "GFP twice");
}

/* ---- atomic heaps ---- */

/*
 * Every call of an atomic heap once, with its results checked.  It may
 * run in hard interrupt context, so no KUnit call here.
 * Return: 0, or the line of the first check that failed.
 */
static int kind_atomic_round(gfp_t gfp)
{
	struct wsheap_property p = kind_gfp(&gfp);
	struct wsheap_mark mark;
	struct wsheap *heap;
	size_t requested = 0;
	char *s, *t;
	u8 *a, *z;
	void *al;

	if (wsheap_create(64 * KiB, 4 * KiB, &p, 1, &heap, NULL))
		return __LINE__;
	if (wsheap_alloc(heap, 100, (void **)&a, NULL))
		return __LINE__;
	memset(a, 0x11, 100);
	if (wsheap_zalloc(heap, 40, (void **)&z, NULL))
		return __LINE__;
	if (memchr_inv(z, 0, 40))
		return __LINE__;
	if (wsheap_mark(heap, &mark, NULL))
		return __LINE__;
	if (wsheap_alloc_aligned(heap, 24, 64, &al, NULL))
		return __LINE__;
	if (!IS_ALIGNED((unsigned long)al, 64))
		return __LINE__;
	if (wsheap_strdup(heap, "rx", &s, NULL))
		return __LINE__;
	if (wsheap_asprintf(heap, &t, NULL, "q%d", 7))
		return __LINE__;
	if (strcmp(t, "q7"))
		return __LINE__;
	if (wsheap_realloc(heap, t, 3, 30, (void **)&t, NULL))
		return __LINE__;
	if (strcmp(t, "q7"))
		return __LINE__;
	if (wsheap_memdup(heap, a, 100, (void **)&z, NULL))
		return __LINE__;
	if (memcmp(z, a, 100))
		return __LINE__;
	if (call_vasprintf(heap, &t, NULL, "v%d", 3))
		return __LINE__;
	if (strcmp(t, "v3"))
		return __LINE__;
	if (__wsheap_alloc(heap, 16, &al, NULL))
		return __LINE__;
	if (!IS_ALIGNED((unsigned long)al, WSHEAP_ALIGN))
		return __LINE__;
	/* A block larger than a slab chunk: still not vmalloc()'d. */
	if (wsheap_alloc(heap, 40 * KiB, &al, NULL))
		return __LINE__;
	if (is_vmalloc_addr(al))
		return __LINE__;
	if (wsheap_rollback(heap, &mark, NULL))
		return __LINE__;
	if (wsheap_get_property(heap, WSHEAP_PROPERTY_REQUESTED_SIZE,
				&requested, sizeof(requested), NULL))
		return __LINE__;
	if (requested != 140)
		return __LINE__;
	if (wsheap_reset(heap, NULL))
		return __LINE__;
	wsheap_free(heap);
	return 0;
}

/*
 * CONFIG_DEBUG_ATOMIC_SLEEP reports a sleeping call in atomic context
 * with a stack dump and TAINT_WARN: no call on an atomic heap may.
 */
static void kind_require_untainted(struct kunit *test)
{
	if (test_taint(TAINT_WARN))
		kunit_skip(test, "kernel already tainted by a warning");
}

static void kind_atomic_heap_under_a_spinlock(struct kunit *test)
{
	static DEFINE_SPINLOCK(lock);
	unsigned long flags;

	int atomic, nowait;

	kind_require_untainted(test);
	spin_lock_irqsave(&lock, flags);
	atomic = kind_atomic_round(GFP_ATOMIC);
	nowait = kind_atomic_round(GFP_NOWAIT);
	spin_unlock_irqrestore(&lock, flags);
	KUNIT_EXPECT_EQ_MSG(test, atomic, 0, "GFP_ATOMIC: check at line %d",
			    atomic);
	KUNIT_EXPECT_EQ_MSG(test, nowait, 0, "GFP_NOWAIT: check at line %d",
			    nowait);
	KUNIT_EXPECT_FALSE(test, test_taint(TAINT_WARN));
}

struct kind_timer {
	struct hrtimer timer;
	struct completion done;
	bool in_hardirq;
	int failed_at;
};

static enum hrtimer_restart kind_timer_fn(struct hrtimer *timer)
{
	struct kind_timer *t = container_of(timer, struct kind_timer, timer);

	kind_irq_handler_enter();
	t->in_hardirq = kind_in_timer_context();
	t->failed_at = kind_atomic_round(GFP_ATOMIC);
	complete(&t->done);
	return HRTIMER_NORESTART;
}

static void kind_atomic_heap_in_hard_interrupt(struct kunit *test)
{
	struct kind_timer t = {};

	kind_require_untainted(test);
	init_completion(&t.done);
	hrtimer_init(&t.timer, CLOCK_MONOTONIC, KIND_TIMER_MODE);
	t.timer.function = kind_timer_fn;
	hrtimer_start(&t.timer, ns_to_ktime(100 * NSEC_PER_USEC),
		      KIND_TIMER_MODE);
	KUNIT_EXPECT_NE(test, wait_for_completion_timeout(&t.done, 10 * HZ),
			0);
	hrtimer_cancel(&t.timer);
	KUNIT_EXPECT_TRUE(test, t.in_hardirq);
	KUNIT_EXPECT_EQ_MSG(test, t.failed_at, 0, "check at line %d",
			    t.failed_at);
	KUNIT_EXPECT_FALSE(test, test_taint(TAINT_WARN));
}

/* Every call of an atomic heap, run from a tasklet or a timer_list. */
struct kind_soft {
	struct tasklet_struct tasklet;
	struct timer_list timer;
	struct completion done;
	int in_softirq;
	int failed_at[2];		/* GFP_ATOMIC, GFP_NOWAIT */
};

/* Softirq context: no KUnit call. */
static void kind_soft_rounds(struct kind_soft *s)
{
	s->in_softirq = in_serving_softirq() && !in_hardirq();
	s->failed_at[0] = kind_atomic_round(GFP_ATOMIC);
	s->failed_at[1] = kind_atomic_round(GFP_NOWAIT);
	complete(&s->done);
}

static void kind_soft_tasklet(struct tasklet_struct *t)
{
	struct kind_soft *s = from_tasklet(s, t, tasklet);

	kind_soft_rounds(s);
}

static void kind_soft_timer(struct timer_list *t)
{
	struct kind_soft *s = from_timer(s, t, timer);

	kind_soft_rounds(s);
}

static void kind_expect_soft_rounds(struct kunit *test, const struct kind_soft *s,
				    long left, const char *how)
{
	KUNIT_EXPECT_NE_MSG(test, left, 0, "%s never ran", how);
	KUNIT_EXPECT_TRUE_MSG(test, s->in_softirq, "%s: not in a softirq",
			      how);
	KUNIT_EXPECT_EQ_MSG(test, s->failed_at[0], 0,
			    "%s, GFP_ATOMIC: check at line %d", how,
			    s->failed_at[0]);
	KUNIT_EXPECT_EQ_MSG(test, s->failed_at[1], 0,
			    "%s, GFP_NOWAIT: check at line %d", how,
			    s->failed_at[1]);
	KUNIT_EXPECT_FALSE_MSG(test, test_taint(TAINT_WARN), "a report in %s",
			       how);
}

/*
 * Soft interrupt context, where a driver's tasklet or timer runs: every
 * call of a GFP_ATOMIC and of a GFP_NOWAIT heap (create to free), from a
 * tasklet and from a timer_list callback, each checked there, and no
 * might-sleep report (TAINT_WARN).
 */
static void kind_atomic_heap_in_softirq(struct kunit *test)
{
	struct kind_soft *s;
	long left;

	kind_require_untainted(test);
	s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);

	init_completion(&s->done);
	s->failed_at[0] = -1;
	s->failed_at[1] = -1;
	tasklet_setup(&s->tasklet, kind_soft_tasklet);
	tasklet_schedule(&s->tasklet);
	left = wait_for_completion_timeout(&s->done, 10 * HZ);
	tasklet_kill(&s->tasklet);
	kind_expect_soft_rounds(test, s, left, "a tasklet");

	reinit_completion(&s->done);
	s->in_softirq = 0;
	s->failed_at[0] = -1;
	s->failed_at[1] = -1;
	timer_setup(&s->timer, kind_soft_timer, 0);
	mod_timer(&s->timer, jiffies + 1);
	left = wait_for_completion_timeout(&s->done, 10 * HZ);
	del_timer_sync(&s->timer);
	kind_expect_soft_rounds(test, s, left, "a timer_list callback");
}

/* ---- NULL heaps ---- */

/* One per call of kind_null_heap_calls(). */
#define KIND_NULL_CALLS	14

/* Every exported call given a NULL heap, and what each one did. */
struct kind_null_calls {
	struct hrtimer timer;
	struct completion done;
	int in_timer;
	unsigned int n;
	const char *name[KIND_NULL_CALLS];
	int ret[KIND_NULL_CALLS];
	struct wsheap_error err[KIND_NULL_CALLS];
	void *ptr;
	size_t value;
	struct wsheap_mark mark;
};

/* The error object of the call being made. */
static struct wsheap_error *kind_null_err(struct kind_null_calls *c)
{
	return &c->err[c->n];
}

/* A call made: its text and its return, in turn. */
static void kind_null_record(struct kind_null_calls *c, const char *name,
			     int ret)
{
	c->name[c->n] = name;
	c->ret[c->n] = ret;
	c->n++;
}

#define KIND_NULL_CALL(c, call)	kind_null_record(c, #call, call)

/*
 * Each exported call that takes a heap, given NULL (wsheap_create() a
 * NULL heap pointer), wsheap_free() too.  No KUnit call: it runs in hard
 * interrupt context too.  devm_wsheap_create() is process context
 * whatever it is given, and is not called here.
 */
static void kind_null_heap_calls(struct kind_null_calls *c)
{
	c->n = 0;
	wsheap_free(NULL);
	KIND_NULL_CALL(c, wsheap_create(KiB, 0, NULL, 0, NULL, kind_null_err(c)));
	KIND_NULL_CALL(c, wsheap_alloc(NULL, 8, &c->ptr, kind_null_err(c)));
	KIND_NULL_CALL(c, __wsheap_alloc(NULL, 8, &c->ptr, kind_null_err(c)));
	KIND_NULL_CALL(c, wsheap_zalloc(NULL, 8, &c->ptr, kind_null_err(c)));
	KIND_NULL_CALL(c, wsheap_alloc_aligned(NULL, 8, 64, &c->ptr,
					       kind_null_err(c)));
	KIND_NULL_CALL(c, wsheap_realloc(NULL, NULL, 0, 8, &c->ptr,
					 kind_null_err(c)));
	KIND_NULL_CALL(c, wsheap_memdup(NULL, "x", 1, &c->ptr, kind_null_err(c)));
	KIND_NULL_CALL(c, wsheap_strdup(NULL, "x", (char **)&c->ptr,
					kind_null_err(c)));
	KIND_NULL_CALL(c, wsheap_asprintf(NULL, (char **)&c->ptr,
					  kind_null_err(c), "%d", 1));
	KIND_NULL_CALL(c, call_vasprintf(NULL, (char **)&c->ptr, kind_null_err(c),
					 "%d", 1));
	KIND_NULL_CALL(c, wsheap_mark(NULL, &c->mark, kind_null_err(c)));
	KIND_NULL_CALL(c, wsheap_rollback(NULL, &c->mark, kind_null_err(c)));
	KIND_NULL_CALL(c, wsheap_reset(NULL, kind_null_err(c)));
	KIND_NULL_CALL(c, wsheap_get_property(NULL, WSHEAP_PROPERTY_MAX_SIZE,
					      &c->value, sizeof(c->value),
					      kind_null_err(c)));
}

static void kind_null_calls_prepare(struct kind_null_calls *c)
{
	c->n = 0;
	c->in_timer = 0;
	memset(c->ret, 0, sizeof(c->ret));
	memset(c->err, 0, sizeof(c->err));
	c->ptr = SENTINEL;
	c->value = 7;
	memset(&c->mark, 0x5a, sizeof(c->mark));
}

/* Every call refused with -EINVAL, described, and its outputs untouched. */
static void kind_expect_null_calls_refused(struct kunit *test,
					   const struct kind_null_calls *c,
					   const char *where)
{
	struct wsheap_mark untouched;
	unsigned int i;

	memset(&untouched, 0x5a, sizeof(untouched));
	KUNIT_EXPECT_EQ_MSG(test, c->n, KIND_NULL_CALLS, "%s", where);
	for (i = 0; i < c->n; i++) {
		KUNIT_EXPECT_EQ_MSG(test, c->ret[i], -EINVAL, "%s: %s", where,
				    c->name[i]);
		KUNIT_EXPECT_EQ_MSG(test, c->err[i].code, -EINVAL, "%s: %s",
				    where, c->name[i]);
		KUNIT_EXPECT_NOT_NULL_MSG(test, c->err[i].msg, "%s: %s",
					  where, c->name[i]);
	}
	KUNIT_EXPECT_PTR_EQ_MSG(test, c->ptr, SENTINEL, "%s", where);
	KUNIT_EXPECT_EQ_MSG(test, c->value, 7, "%s", where);
	KUNIT_EXPECT_EQ_MSG(test, memcmp(&c->mark, &untouched,
					 sizeof(untouched)), 0, "%s", where);
}

static enum hrtimer_restart kind_null_timer_fn(struct hrtimer *timer)
{
	struct kind_null_calls *c = container_of(timer, struct kind_null_calls,
						 timer);

	kind_irq_handler_enter();
	c->in_timer = kind_in_timer_context();
	kind_null_heap_calls(c);
	complete(&c->done);
	return HRTIMER_NORESTART;
}

/*
 * A call given a NULL heap returns -EINVAL at once, in any context: under
 * a spinlock with interrupts off, and in the interrupt of an hrtimer
 * (hard, or soft on PREEMPT_RT), none sleeps or prints a might-sleep
 * report or warning, whose witness is TAINT_WARN
 * (CONFIG_DEBUG_ATOMIC_SLEEP taints with it).
 */
static void kind_null_heap_calls_are_silent_anywhere(struct kunit *test)
{
	static DEFINE_SPINLOCK(lock);
	struct kind_null_calls *c;
	unsigned long flags;
	long left;

	kind_require_untainted(test);
	c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c);

	kind_null_calls_prepare(c);
	spin_lock_irqsave(&lock, flags);
	kind_null_heap_calls(c);
	spin_unlock_irqrestore(&lock, flags);
	kind_expect_null_calls_refused(test, c, "under a spinlock");
	KUNIT_EXPECT_FALSE_MSG(test, test_taint(TAINT_WARN),
			       "a report under a spinlock");

	kind_null_calls_prepare(c);
	init_completion(&c->done);
	hrtimer_init(&c->timer, CLOCK_MONOTONIC, KIND_TIMER_MODE);
	c->timer.function = kind_null_timer_fn;
	hrtimer_start(&c->timer, ns_to_ktime(100 * NSEC_PER_USEC),
		      KIND_TIMER_MODE);
	left = wait_for_completion_timeout(&c->done, 10 * HZ);
	hrtimer_cancel(&c->timer);
	KUNIT_EXPECT_NE(test, left, 0);
	KUNIT_EXPECT_TRUE(test, c->in_timer);
	kind_expect_null_calls_refused(test, c, "in an hrtimer");
	KUNIT_EXPECT_FALSE_MSG(test, test_taint(TAINT_WARN),
			       "a report in an hrtimer");
}

/* Past what kmalloc() gives: refused, and the heap goes on. */
static void kind_atomic_heap_refuses_what_only_vmalloc_gives(struct kunit *test)
{
	gfp_t gfp = GFP_ATOMIC;
	struct wsheap_property p = kind_gfp(&gfp);
	struct wsheap *heap = new_heap_with(test, SIZE_MAX, 0, &p, 1);
	void *ptr = SENTINEL;

	KUNIT_EXPECT_EQ(test, wsheap_alloc(heap, KMALLOC_MAX_SIZE, &ptr, NULL),
			-ENOMEM);
	KUNIT_EXPECT_PTR_EQ(test, ptr, SENTINEL);
	KUNIT_EXPECT_EQ(test, wsheap_alloc(heap, 64, &ptr, NULL), 0);
	KUNIT_EXPECT_EQ(test, kind_size(test, heap,
					WSHEAP_PROPERTY_REQUESTED_SIZE), 64);
}

/* ---- reserves ---- */

/* One round of blocks adding up to @budget: sizes, rounding and padding. */
static int kind_reserve_round(struct wsheap *heap, size_t budget,
			      unsigned int round)
{
	size_t used = 0, size;
	void *p;
	int ret;

	while (used < budget) {
		size = 1 + (round * 7 + used) % 61;
		if (round % 5 == 0 && used + 64 + 64 <= budget) {
			/* at most 56 bytes of padding, counted in the budget */
			ret = wsheap_alloc_aligned(heap, 8, 64, &p, NULL);
			used += 64;
		} else {
			if (used + ALIGN(size, 8) > budget)
				size = budget - used;
			ret = wsheap_alloc(heap, size, &p, NULL);
			used += ALIGN(size, 8);
		}
		if (ret)
			return ret;
		*(u8 *)p = 0x3c;
	}
	return 0;
}

static void kind_reserve_carries_rounds_without_memory(struct kunit *test)
{
	struct kind_state *st = kind_of(test);
	size_t reserve = 2 * KiB;
	struct wsheap_property p = { WSHEAP_PROPERTY_RESERVE, &reserve,
				     sizeof(reserve) };
	struct wsheap *heap = new_heap_with(test, SIZE_MAX, 0, &p, 1);
	struct wsheap *plain = new_heap_with(test, SIZE_MAX, 0, NULL, 0);
	unsigned int round, ok = 0, tried;
	void *ptr;

	st->fail_chunks = true;
	tried = st->chunk_attempts;
	for (round = 0; round < 300; round++) {
		if (kind_reserve_round(heap, reserve, round) == 0)
			ok++;
		KUNIT_EXPECT_EQ(test, wsheap_reset(heap, NULL), 0);
	}
	KUNIT_EXPECT_EQ(test, ok, 300);
	/* No round needed memory. */
	KUNIT_EXPECT_EQ(test, st->chunk_attempts, tried);
	/* The failure is live: past the reserve, and on a plain heap. */
	KUNIT_EXPECT_EQ(test, kind_reserve_round(heap, reserve, 1), 0);
	KUNIT_EXPECT_EQ(test, wsheap_alloc(heap, 64 * KiB, &ptr, NULL),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, wsheap_alloc(plain, 8, &ptr, NULL), -ENOMEM);
	KUNIT_EXPECT_GT(test, st->chunk_attempts, tried);
	st->fail_chunks = false;
}

/* The alignment an address has, up to what wsheap_alloc_aligned() takes. */
static size_t kind_alignment_of(const void *addr)
{
	unsigned long a = (unsigned long)addr;

	return min_t(size_t, a & -a, PAGE_SIZE);
}

/*
 * One round in a reserve, every chunk allocation failing: a first block
 * of exactly @size bytes, asked with the alignment its address has (so it
 * needs no padding, and counts @size), then a zero-byte block at 32,
 * which ZERO_SIZE_PTR does not have: where the first block ends (in
 * builds without redzones, where nothing lies between them) it needs no
 * padding either.  Neither may need new memory.
 */
static void kind_reserve_exact_round(struct kunit *test, struct wsheap *heap,
				     size_t size)
{
	struct kind_state *st = kind_of(test);
	struct wsheap_chunk *chunk;
	unsigned int tried = st->chunk_attempts;
	char *start, *p;
	size_t align;

	chunk = list_first_entry(&heap->chunks, struct wsheap_chunk, node);
	start = (char *)chunk + WSHEAP_CHUNK_HDR;
	align = kind_alignment_of(start);
	KUNIT_ASSERT_EQ_MSG(test, wsheap_alloc_aligned(heap, size, align,
						       (void **)&p, NULL), 0,
			    "%zu bytes at %zu in a reserve", size, align);
	KUNIT_EXPECT_PTR_EQ(test, p, start);
	memset(p, 0x5e, size);
	if (!WSHEAP_REDZONE && IS_ALIGNED((unsigned long)(p + size), 32)) {
		KUNIT_EXPECT_EQ_MSG(test, wsheap_alloc_aligned(heap, 0, 32,
							       (void **)&p,
							       NULL), 0,
				    "0 bytes after %zu", size);
		KUNIT_EXPECT_PTR_EQ(test, p, start + size);
	}
	KUNIT_EXPECT_EQ(test, st->chunk_attempts, tried);
}

/*
 * The reserve's guarantee counts the padding a block needs where it
 * lands, not the most it could need: a reserve of 2^k bytes less the
 * chunk header, for every k up to 1 MiB, and reserves whose chunk the
 * quota limits, each carry a round of one block of exactly the reserve
 * (and a zero-byte block after it) while every chunk allocation fails,
 * round after round.  In the same case the failure is live: a block the
 * reserve's chunk cannot hold is refused.
 */
static void kind_reserve_counts_the_padding_a_block_needs(struct kunit *test)
{
	static const struct {
		size_t quota, reserve, first;
	} limited[] = {
		{ 4096, 4064, 4024 },	/* aligned to 64 at the chunk's +32 */
		{ 1024, 992, 960 },
	};
	struct kind_state *st = kind_of(test);
	struct wsheap_property p = { WSHEAP_PROPERTY_RESERVE };
	struct wsheap_chunk *chunk;
	struct wsheap *heap;
	unsigned int k, i, round, tried;
	size_t reserve;
	void *ptr;

	p.value = &reserve;
	p.value_size = sizeof(reserve);
	for (k = 6; k <= 20; k++) {
		reserve = (1UL << k) - WSHEAP_CHUNK_HDR;
		heap = new_heap_with(test, SIZE_MAX, 0, &p, 1);
		st->fail_chunks = true;
		for (round = 0; round < 3; round++) {
			if (round)
				KUNIT_EXPECT_EQ(test, wsheap_reset(heap, NULL),
						0);
			kind_reserve_exact_round(test, heap, reserve);
		}
		/* live: a block the reserve's chunk cannot hold is refused */
		chunk = list_first_entry(&heap->chunks, struct wsheap_chunk,
					 node);
		KUNIT_EXPECT_EQ(test, wsheap_alloc(heap, chunk->bytes, &ptr,
						   NULL), -ENOMEM);
		st->fail_chunks = false;
		kunit_release_action(test, free_heap_action, heap);
	}
	for (i = 0; i < ARRAY_SIZE(limited); i++) {
		reserve = limited[i].reserve;
		heap = new_heap_with(test, limited[i].quota, 0, &p, 1);
		st->fail_chunks = true;
		tried = st->chunk_attempts;
		KUNIT_EXPECT_EQ(test, wsheap_alloc_aligned(heap,
							   limited[i].first,
							   64, &ptr, NULL), 0);
		KUNIT_EXPECT_EQ(test, st->chunk_attempts, tried);
		KUNIT_EXPECT_EQ(test, wsheap_reset(heap, NULL), 0);
		kind_reserve_exact_round(test, heap, reserve);
		st->fail_chunks = false;
		kunit_release_action(test, free_heap_action, heap);
	}
}

static void kind_reserve_is_kept_whatever_the_trim(struct kunit *test)
{
	size_t reserve = 3 * KiB, held;
	struct wsheap_property p = { WSHEAP_PROPERTY_RESERVE, &reserve,
				     sizeof(reserve) };
	struct wsheap *heap = new_heap_with(test, SIZE_MAX, 0, &p, 1);
	struct wsheap_mark mark;
	void *ptr;

	held = kind_size(test, heap, WSHEAP_PROPERTY_ACTUAL_SIZE);
	KUNIT_EXPECT_GE(test, held, reserve);
	KUNIT_EXPECT_EQ(test, wsheap_mark(heap, &mark, NULL), 0);
	KUNIT_EXPECT_EQ(test, wsheap_alloc(heap, 100 * KiB, &ptr, NULL), 0);
	KUNIT_EXPECT_GT(test, kind_size(test, heap, WSHEAP_PROPERTY_ACTUAL_SIZE),
			held);
	KUNIT_EXPECT_EQ(test, wsheap_rollback(heap, &mark, NULL), 0);
	/* Trim 0: everything but the reserve goes. */
	KUNIT_EXPECT_EQ(test, wsheap_reset(heap, NULL), 0);
	KUNIT_EXPECT_EQ(test, kind_size(test, heap, WSHEAP_PROPERTY_ACTUAL_SIZE),
			held);
}

static void kind_reserve_that_cannot_be_had_holds_nothing(struct kunit *test)
{
	struct kind_state *st = kind_of(test);
	size_t reserve = KiB;
	struct wsheap_property p = { WSHEAP_PROPERTY_RESERVE, &reserve,
				     sizeof(reserve) };
	struct wsheap *sentinel = (struct wsheap *)0x5a5a5a50UL;
	struct wsheap *heap = sentinel;

	st->fail_chunks = true;
	KUNIT_EXPECT_EQ(test, wsheap_create(KiB, 0, &p, 1, &heap, NULL),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, st->chunk_attempts, 1);
	KUNIT_EXPECT_PTR_EQ(test, heap, sentinel);
	st->fail_chunks = false;
}

/*
 * One round of small blocks (1 to 24 bytes, some at 16, 32 or 64) that
 * add up to exactly @reserve bytes as the reserve's guarantee counts
 * them: each its size rounded up to 8, plus the padding its alignment
 * needed where it landed, right after the block before (after its
 * redzone in KASAN builds).  Every call must succeed.
 */
static void kind_fill_reserve_exactly(struct kunit *test, struct wsheap *heap,
				      size_t reserve, unsigned int round)
{
	static const size_t aligns[] = { 8, 8, 16, 8, 32, 8, 8, 64 };
	size_t counted = 0, sum = 0, size, align, cost;
	char *next = NULL, *p;
	unsigned int i;
	int ret;

	for (i = 0; counted < reserve; i++) {
		size = 1 + (i * 7 + round * 3) % 24;
		align = next ? aligns[(i + round) % ARRAY_SIZE(aligns)] : 8;
		cost = (next ? PTR_ALIGN(next, align) - next : 0) +
		       ALIGN(size, 8);
		if (cost > reserve - counted) {
			/* the last bytes: a block that needs no padding */
			align = 8;
			size = min(size, reserve - counted);
			cost = ALIGN(size, 8);
		}
		if (align == 8)
			ret = wsheap_alloc(heap, size, (void **)&p, NULL);
		else
			ret = wsheap_alloc_aligned(heap, size, align,
						   (void **)&p, NULL);
		KUNIT_ASSERT_EQ_MSG(test, ret, 0,
				    "round %u, block %u: %zu bytes at %zu, %zu of %zu counted",
				    round, i, size, align, counted, reserve);
		/* where the guarantee counted it: right after the last one */
		if (next)
			KUNIT_ASSERT_PTR_EQ_MSG(test, p, PTR_ALIGN(next, align),
						"round %u, block %u", round, i);
		memset(p, pattern_byte(i), size);
		counted += cost;
		sum += size;
		next = p + step(size);
	}
	KUNIT_EXPECT_EQ(test, counted, reserve);
	KUNIT_EXPECT_EQ(test, kind_size(test, heap,
					WSHEAP_PROPERTY_REQUESTED_SIZE), sum);
}

/*
 * A reserve of R bytes carries rounds that fill it to its exact edge
 * with small blocks while every chunk allocation fails, in plain builds
 * and in KASAN builds (whose reserve must hold the redzones too).  R is a
 * little past a page boundary with the chunk header (where a reserve's
 * chunk a few bytes short of R shows), whole pages with it (in plain
 * builds a chunk of R and not a byte more), and small.  The failure is
 * live in the same case: once a round has its R bytes, blocks past what
 * the reserve's chunk holds are refused with -ENOMEM, where it holds
 * exactly R already the first byte more.
 */
static void kind_reserve_takes_small_blocks_to_its_edge(struct kunit *test)
{
	const size_t pages = DIV_ROUND_UP(WSHEAP_SLAB_CHUNK_MAX, PAGE_SIZE) + 1;
	const size_t reserves[] = {
		pages * PAGE_SIZE - WSHEAP_CHUNK_HDR + 8,
		pages * PAGE_SIZE - WSHEAP_CHUNK_HDR,
		(2 * pages + 1) * PAGE_SIZE - WSHEAP_CHUNK_HDR + 8,
		1000,
	};
	struct chunk_ledger *l = kind_ledger(test);
	struct wsheap_property p = { WSHEAP_PROPERTY_RESERVE };
	unsigned int i, round, attempts, allocs;
	size_t reserve, extra, room;
	struct wsheap *heap;
	int ret = 0;
	void *q;

	p.value = &reserve;
	p.value_size = sizeof(reserve);
	for (i = 0; i < ARRAY_SIZE(reserves); i++) {
		reserve = reserves[i];
		heap = new_heap_with(test, SIZE_MAX, 0, &p, 1);
		KUNIT_ASSERT_EQ(test, l->nr_live, 1);
		room = l->live[0].bytes - WSHEAP_CHUNK_HDR;
		l->fail_from = l->attempts + 1;
		allocs = l->allocs;
		for (round = 0; round < 4; round++) {
			if (round)
				KUNIT_ASSERT_EQ(test, wsheap_reset(heap, NULL),
						0);
			attempts = l->attempts;
			kind_fill_reserve_exactly(test, heap, reserve, round);
			KUNIT_EXPECT_EQ_MSG(test, l->attempts, attempts,
					    "reserve %zu, round %u needed memory",
					    reserve, round);
			/* live: what the reserve's chunk cannot hold fails */
			for (extra = 0; extra <= room; extra += 8) {
				ret = wsheap_alloc(heap, 1, &q, NULL);
				if (ret)
					break;
			}
			KUNIT_EXPECT_EQ_MSG(test, ret, -ENOMEM, "reserve %zu",
					    reserve);
			KUNIT_EXPECT_GT(test, l->attempts, attempts);
			if (!WSHEAP_REDZONE && room == reserve)
				KUNIT_EXPECT_EQ_MSG(test, extra, 0,
						    "a byte past a reserve of %zu fitted",
						    reserve);
		}
		KUNIT_EXPECT_EQ(test, l->allocs, allocs);
		l->fail_from = 0;
		kunit_release_action(test, free_heap_action, heap);
	}
}

/* ---- the flags chunks are allocated with ---- */

/*
 * A GFP_NOFS heap's memory never recurses into the filesystem, nor a
 * GFP_NOIO heap's into the filesystem or block I/O.  Every chunk, the
 * reserve's at create and each one the heap grows by, of every class
 * (a slab object of up to a page, page-order memory up to 16 KiB,
 * vmalloc() beyond), is asked for with the heap's flags and never
 * __GFP_FS (nor __GFP_IO); nor are the slab calls (heap objects, slab
 * chunks: an ACCOUNT heap's are never parked, so they are real calls)
 * and the flags vmalloc() gets (wsheap_chunk_gfp()).
 */
static void kind_nofs_and_noio_chunks_keep_their_flags(struct kunit *test)
{
	static const struct {
		gfp_t gfp, never;
		const char *name;
	} kinds[] = {
		{ GFP_NOFS, __GFP_FS, "GFP_NOFS" },
		{ GFP_NOIO, __GFP_FS | __GFP_IO, "GFP_NOIO" },
	};
	struct kind_state *st = kind_of(test);
	struct chunk_ledger *l = kind_ledger(test);
	size_t small_reserve = 64, big_reserve = 20 * KiB;
	unsigned int k, i, first, reserve_at, slab, pages, large;
	bool yes = true;
	struct wsheap_mark mark;
	struct wsheap *heap;
	void *q;

	kunit_activate_static_stub(test, wsheap_slab_alloc,
				   recording_slab_alloc);
	for (k = 0; k < ARRAY_SIZE(kinds); k++) {
		gfp_t gfp = kinds[k].gfp, never = kinds[k].never;
		struct wsheap_property p[] = {
			kind_gfp(&gfp),
			{ WSHEAP_PROPERTY_RESERVE, &small_reserve,
			  sizeof(small_reserve) },
			{ WSHEAP_PROPERTY_ACCOUNT, &yes, sizeof(yes) },
		};

		l->gfp_seen = 0;
		st->slab_gfp_seen = 0;
		st->slab_calls = 0;
		first = l->allocs;

		/*
		 * Slab chunks: a 256-byte quota's (the reserve's, at
		 * create), and a small one for the rest of the quota.
		 */
		heap = new_heap_with(test, 256, 0, p, 2);
		KUNIT_EXPECT_EQ_MSG(test, l->allocs, first + 1,
				    "%s: no reserve at create", kinds[k].name);
		KUNIT_EXPECT_EQ(test, wsheap_alloc(heap, 200, &q, NULL), 0);
		KUNIT_EXPECT_EQ(test, wsheap_alloc(heap, 56, &q, NULL), 0);
		KUNIT_EXPECT_EQ(test, l->allocs, first + 2);
		KUNIT_EXPECT_EQ(test, wsheap_reset(heap, NULL), 0);

		/*
		 * An accounted heap: a 20 KiB reserve (vmalloc()), 16 KiB
		 * chunks (page-order slab memory), a vmalloc()'d one.
		 */
		p[1].value = &big_reserve;
		reserve_at = l->allocs;
		heap = new_heap_with(test, SIZE_MAX, 0, p, ARRAY_SIZE(p));
		KUNIT_EXPECT_EQ_MSG(test, l->allocs, reserve_at + 1,
				    "%s: no reserve at create", kinds[k].name);
		KUNIT_EXPECT_EQ(test, wsheap_alloc(heap, 20 * KiB, &q, NULL), 0);
		KUNIT_EXPECT_EQ(test, wsheap_mark(heap, &mark, NULL), 0);
		for (i = 0; i < 4; i++)
			KUNIT_EXPECT_EQ(test, wsheap_alloc(heap, 8 * KiB, &q,
							   NULL), 0);
		KUNIT_EXPECT_EQ(test, wsheap_alloc(heap, 100 * KiB, &q, NULL),
				0);
		KUNIT_EXPECT_EQ(test, wsheap_rollback(heap, &mark, NULL), 0);
		KUNIT_EXPECT_EQ(test, wsheap_zalloc(heap, 200 * KiB, &q, NULL),
				0);

		KUNIT_EXPECT_GT(test, l->allocs, reserve_at + 3);
		slab = 0;
		pages = 0;
		large = 0;
		for (i = first; i < l->allocs && i < LEDGER_MAX_CHUNKS; i++) {
			gfp_t got = l->gfps[i];

			KUNIT_EXPECT_FALSE_MSG(test, got & never,
					       "%s: chunk %u of %zu bytes asked for with %pGg",
					       kinds[k].name, i, l->sizes[i],
					       &got);
			KUNIT_EXPECT_TRUE_MSG(test, (got & gfp) == gfp,
					      "%s: chunk %u asked for with %pGg",
					      kinds[k].name, i, &got);
			KUNIT_EXPECT_TRUE(test, got & __GFP_NOWARN);
			got = wsheap_chunk_gfp(l->sizes[i], got);
			KUNIT_EXPECT_FALSE_MSG(test, got & never,
					       "%s: chunk %u allocated with %pGg",
					       kinds[k].name, i, &got);
			if (l->sizes[i] <= PAGE_SIZE)
				slab++;
			else if (l->sizes[i] <= WSHEAP_SLAB_CHUNK_MAX)
				pages++;
			else
				large++;
		}
		KUNIT_EXPECT_GT_MSG(test, slab, 1, "%s", kinds[k].name);
		if (PAGE_SIZE < WSHEAP_SLAB_CHUNK_MAX)
			KUNIT_EXPECT_GT_MSG(test, pages, 0, "%s",
					    kinds[k].name);
		KUNIT_EXPECT_GT_MSG(test, large, 1, "%s", kinds[k].name);
		/* the reserve's chunk of the accounted heap */
		KUNIT_EXPECT_GT(test, l->sizes[reserve_at], big_reserve);
		KUNIT_EXPECT_FALSE(test, l->gfp_seen & never);
		KUNIT_EXPECT_GT(test, st->slab_calls, 2);
		KUNIT_EXPECT_FALSE_MSG(test, st->slab_gfp_seen & never,
				       "%s: a slab call with %pGg",
				       kinds[k].name, &st->slab_gfp_seen);
	}
}

/* ---- placement ---- */

static void kind_numa_node_places_every_chunk(struct kunit *test)
{
	struct kind_state *st = kind_of(test);
	int node = first_online_node;
	struct wsheap_property p = { WSHEAP_PROPERTY_NUMA_NODE, &node,
				     sizeof(node) };
	struct wsheap *heap = new_heap_with(test, SIZE_MAX, 0, &p, 1);
	void *small, *big;
	size_t first;

	kunit_activate_static_stub(test, wsheap_slab_alloc,
				   recording_slab_alloc);
	st->slab_node = NUMA_NO_NODE;
	KUNIT_ASSERT_EQ(test, wsheap_alloc(heap, 64, &small, NULL), 0);
	KUNIT_EXPECT_EQ(test, st->slab_calls, 1);
	KUNIT_EXPECT_EQ(test, st->slab_node, node);
	KUNIT_EXPECT_EQ(test, page_to_nid(virt_to_page(small)), node);
	first = kind_size(test, heap, WSHEAP_PROPERTY_ACTUAL_SIZE);
	/* kvmalloc_node(): from the slab or vmalloc(), on the node */
	KUNIT_ASSERT_EQ(test, wsheap_alloc(heap, 256 * KiB, &big, NULL), 0);
	KUNIT_EXPECT_EQ(test, page_to_nid(is_vmalloc_addr(big) ?
					  vmalloc_to_page(big) :
					  virt_to_page(big)), node);
	/*
	 * whichever it was, ACTUAL_SIZE counts what it gives: 512 KiB, the
	 * slab's size for 256 KiB and a header, after the first chunk
	 */
	KUNIT_EXPECT_EQ(test, kind_size(test, heap, WSHEAP_PROPERTY_ACTUAL_SIZE),
			first + 512 * KiB);
}

/* Pages of @c, one for each page it touches, that are not on @node. */
static unsigned int kind_pages_off_node(const struct ledger_chunk *c, int node)
{
	const char *mem = c->mem, *p;
	bool vmalloced = is_vmalloc_addr(mem);
	unsigned int off = 0;

	for (p = mem; p < mem + c->bytes; p = PTR_ALIGN(p + 1, PAGE_SIZE)) {
		struct page *page = vmalloced ? vmalloc_to_page(p) :
						virt_to_page(p);

		off += !page || page_to_nid(page) != node;
	}
	return off;
}

/*
 * A heap placed on node 1 has every chunk of every class there: slab
 * objects of up to a page (kmalloc_node()), page-order memory up to
 * 16 KiB (kmalloc_node(), kvmalloc_node() when that fails), and larger
 * chunks from kvmalloc_node(), the slab's or vmalloc()'s, past
 * KMALLOC_MAX_SIZE always vmalloc()'s.  The ledger saw node 1 asked for
 * every chunk, and every page of every chunk (each vmalloc()'d page
 * too) is on node 1.  The kunit-smp stage boots two nodes and looks for
 * the line "node 1" this case prints when it passed.
 */
static void kind_numa_node_1_holds_chunks_of_every_class(struct kunit *test)
{
	int node = 1;
	struct wsheap_property p = { WSHEAP_PROPERTY_NUMA_NODE, &node,
				     sizeof(node) };
	unsigned int i, asked_elsewhere = 0, off_node = 0;
	unsigned int slab = 0, pages = 0, large = 0, vmalloced = 0;
	struct chunk_ledger *l;
	struct wsheap *small, *big;
	void *q, *past_kmalloc;

	if (nr_online_nodes < 2 || !node_online(1) ||
	    !node_state(1, N_MEMORY))
		kunit_skip(test, "needs two NUMA nodes");
	if (KMALLOC_MAX_SIZE > 64 * MiB)
		kunit_skip(test, "a chunk past KMALLOC_MAX_SIZE is too large here");
	l = kind_ledger(test);
	/* a 1 KiB slab object, then a small one for the rest of the quota */
	small = new_heap_with(test, 1000, 0, &p, 1);
	KUNIT_ASSERT_EQ(test, wsheap_alloc(small, 900, &q, NULL), 0);
	KUNIT_ASSERT_EQ(test, wsheap_alloc(small, 100, &q, NULL), 0);
	/*
	 * 16 KiB (an 8 KiB block with its header rounds up to it), 512 KiB
	 * (kvmalloc_node()), and past KMALLOC_MAX_SIZE
	 */
	big = new_heap_with(test, SIZE_MAX, 0, &p, 1);
	KUNIT_ASSERT_EQ(test, wsheap_alloc(big, 8 * KiB, &q, NULL), 0);
	KUNIT_ASSERT_EQ(test, wsheap_alloc(big, 256 * KiB, &q, NULL), 0);
	KUNIT_ASSERT_EQ(test, wsheap_alloc(big, KMALLOC_MAX_SIZE,
					   &past_kmalloc, NULL), 0);
	KUNIT_EXPECT_TRUE(test, is_vmalloc_addr(past_kmalloc));

	KUNIT_ASSERT_LE(test, l->allocs, LEDGER_MAX_CHUNKS);
	KUNIT_ASSERT_EQ(test, l->nr_live, l->allocs);
	for (i = 0; i < l->allocs; i++)
		asked_elsewhere += l->nodes[i] != node;
	for (i = 0; i < l->nr_live; i++) {
		const struct ledger_chunk *c = &l->live[i];

		off_node += kind_pages_off_node(c, node);
		if (is_vmalloc_addr(c->mem))
			vmalloced++;
		else if (c->bytes <= PAGE_SIZE)
			slab++;
		else if (c->bytes <= WSHEAP_SLAB_CHUNK_MAX)
			pages++;
		else
			large++;
	}
	KUNIT_EXPECT_EQ(test, l->allocs, 5);
	KUNIT_EXPECT_GE(test, slab, 2);
	KUNIT_EXPECT_GE(test, vmalloced, 1);
	/* the 16 KiB chunk, from the slab or (when that failed) vmalloc() */
	KUNIT_EXPECT_EQ(test, pages + large + vmalloced, 3);
	KUNIT_ASSERT_EQ_MSG(test, asked_elsewhere, 0,
			    "chunks asked for on another node");
	KUNIT_ASSERT_EQ_MSG(test, off_node, 0,
			    "pages of chunks on another node");
	kunit_info(test, "node 1: %u chunks asked for and placed there (%u slab, %u page-order, %u larger from the slab, %u vmalloc()'d)\n",
		   l->allocs, slab, pages, large, vmalloced);
}

/* ---- the per-CPU slots, from a thread and an interrupt ---- */

#define KIND_CHURN_IRQ_LIVES	300

/* Heaps created and freed by a thread and by an interrupt on its CPU. */
struct kind_churn {
	struct hrtimer timer;
	unsigned int irq_lives;
	unsigned int irq_bad;		/* lives that failed or lost a fill */
	unsigned int landed;		/* in the thread's create or free */
	bool thread_in_call;
	bool stop;
};

/*
 * A 1 KiB heap with a block in each of its two chunks, checked before it
 * is freed; @in_call, if given, is set around create and free.
 */
static bool kind_heap_life(const struct wsheap_property *props,
			   unsigned int prop_count, u8 fill, bool *in_call)
{
	struct kind_block a, b;
	struct wsheap *heap;
	bool ok;
	int ret;

	if (in_call)
		WRITE_ONCE(*in_call, true);
	ret = wsheap_create(KiB, 0, props, prop_count, &heap, NULL);
	if (in_call)
		WRITE_ONCE(*in_call, false);
	if (ret)
		return false;
	ok = kind_block_carve(heap, &a, 900, fill) &&
	     kind_block_carve(heap, &b, 100, fill + 1) &&
	     kind_block_intact(&a) && kind_block_intact(&b);
	if (in_call)
		WRITE_ONCE(*in_call, true);
	wsheap_free(heap);
	if (in_call)
		WRITE_ONCE(*in_call, false);
	return ok;
}

static enum hrtimer_restart kind_churn_irq(struct hrtimer *timer)
{
	struct kind_churn *c = container_of(timer, struct kind_churn, timer);
	gfp_t gfp = GFP_ATOMIC;
	struct wsheap_property p = kind_gfp(&gfp);

	kind_irq_handler_enter();
	if (READ_ONCE(c->stop) || c->irq_lives == KIND_CHURN_IRQ_LIVES)
		return HRTIMER_NORESTART;
	c->landed += READ_ONCE(c->thread_in_call);
	c->irq_bad += !kind_heap_life(&p, 1, 0xa0, NULL);
	WRITE_ONCE(c->irq_lives, c->irq_lives + 1);
	hrtimer_forward_now(timer, ns_to_ktime(20 * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

/* One heap's life in a hard interrupt: where its object and block were. */
struct kind_irq_life {
	struct hrtimer timer;
	struct wsheap *heap;
	void *block;
	int done;			/* not a bool: gcc 12 KCSAN reads those plainly */
};

static enum hrtimer_restart kind_irq_life_fn(struct hrtimer *timer)
{
	struct kind_irq_life *life = container_of(timer, struct kind_irq_life,
						  timer);
	gfp_t gfp = GFP_ATOMIC;
	struct wsheap_property p = kind_gfp(&gfp);

	kind_irq_handler_enter();
	if (!wsheap_create(KiB, 0, &p, 1, &life->heap, NULL)) {
		if (wsheap_alloc(life->heap, 900, &life->block, NULL))
			life->block = NULL;
		wsheap_free(life->heap);
	}
	/* heap and block before done: the thread reads them after it */
	smp_store_release(&life->done, 1);
	return HRTIMER_NORESTART;
}

/*
 * What the thread parks stays in the thread's slots: a heap created in a
 * hard interrupt on the same CPU right after a free gets neither the
 * freed heap's object nor its chunk, and the thread's next heap does.
 */
static void kind_each_context_parks_in_slots_of_its_own(struct kunit *test)
{
	struct wsheap *heap, *first;
	struct kind_irq_life *life;
	void *block, *again;
	unsigned long end;

	life = kunit_kzalloc(test, sizeof(*life), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, life);
	migrate_disable();
	KUNIT_ASSERT_EQ(test, wsheap_create(KiB, 0, NULL, 0, &first, NULL), 0);
	KUNIT_ASSERT_EQ(test, wsheap_alloc(first, 900, &block, NULL), 0);
	wsheap_free(first);
	hrtimer_init(&life->timer, CLOCK_MONOTONIC,
		     KIND_TIMER_MODE_PINNED);
	life->timer.function = kind_irq_life_fn;
	hrtimer_start(&life->timer, ns_to_ktime(NSEC_PER_USEC),
		      KIND_TIMER_MODE_PINNED);
	end = jiffies + 5 * HZ;
	/* pairs with the callback's release: its heap and block are set */
	while (!smp_load_acquire(&life->done) && time_before(jiffies, end))
		cpu_relax();
	hrtimer_cancel(&life->timer);
	KUNIT_EXPECT_TRUE(test, READ_ONCE(life->done));
	KUNIT_EXPECT_EQ(test, wsheap_create(KiB, 0, NULL, 0, &heap, NULL), 0);
	KUNIT_EXPECT_EQ(test, wsheap_alloc(heap, 900, &again, NULL), 0);
	wsheap_free(heap);
	migrate_enable();

	KUNIT_ASSERT_NOT_NULL(test, life->block);
	KUNIT_EXPECT_PTR_NE(test, life->heap, first);
	KUNIT_EXPECT_PTR_NE(test, life->block, block);
	/* the thread's slots still held both */
	KUNIT_EXPECT_PTR_EQ(test, heap, first);
	KUNIT_EXPECT_PTR_EQ(test, again, block);
}

/*
 * A thread and an hrtimer interrupt on its CPU create and free heaps as
 * fast as they can, each heap's object (with its first chunk as its
 * standby) and its second chunk parked by the last free and taken by the
 * next create.  Each context has slots of its own,
 * so neither is ever handed memory the other still uses: every block
 * keeps its fill, and KASAN builds report no use after free.  The
 * interrupt lands inside the thread's create and free: the race is live.
 */
static void kind_interrupt_and_thread_never_share_parked_memory(struct kunit *test)
{
	unsigned int lives = 0, bad = 0;
	struct kind_churn *c;
	unsigned long end;

	c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c);
	/* the interrupt's chunks too go straight to wsheap's allocator */
	kunit_deactivate_static_stub(test, wsheap_chunk_mem_alloc);
	migrate_disable();
	hrtimer_init(&c->timer, CLOCK_MONOTONIC, KIND_TIMER_MODE_PINNED);
	c->timer.function = kind_churn_irq;
	hrtimer_start(&c->timer, ns_to_ktime(20 * NSEC_PER_USEC),
		      KIND_TIMER_MODE_PINNED);
	end = jiffies + 10 * HZ;
	while (READ_ONCE(c->irq_lives) < KIND_CHURN_IRQ_LIVES &&
	       time_before(jiffies, end)) {
		bad += !kind_heap_life(NULL, 0, lives, &c->thread_in_call);
		lives++;
	}
	WRITE_ONCE(c->stop, true);
	hrtimer_cancel(&c->timer);
	migrate_enable();

	kunit_info(test, "%u heaps by the thread, %u by the interrupt, %u of them inside the thread's create or free\n",
		   lives, c->irq_lives, c->landed);
	KUNIT_EXPECT_EQ(test, bad, 0);
	KUNIT_EXPECT_EQ(test, c->irq_bad, 0);
	KUNIT_EXPECT_EQ(test, c->irq_lives, KIND_CHURN_IRQ_LIVES);
	KUNIT_EXPECT_GT(test, c->landed, 0);
}

static struct kunit_case wsheap_kinds_cases[] = {
	KUNIT_CASE(kind_properties_read_back_defaults),
	KUNIT_CASE(kind_properties_are_kept),
	KUNIT_CASE(kind_every_gfp_reads_back),
	KUNIT_CASE(kind_create_refuses_malformed_properties),
	KUNIT_CASE(kind_atomic_heap_under_a_spinlock),
	KUNIT_CASE(kind_atomic_heap_in_hard_interrupt),
	KUNIT_CASE(kind_atomic_heap_in_softirq),
	KUNIT_CASE(kind_null_heap_calls_are_silent_anywhere),
	KUNIT_CASE(kind_atomic_heap_refuses_what_only_vmalloc_gives),
	KUNIT_CASE(kind_each_context_parks_in_slots_of_its_own),
	KUNIT_CASE_SLOW(kind_interrupt_and_thread_never_share_parked_memory),
	KUNIT_CASE(kind_reserve_carries_rounds_without_memory),
	KUNIT_CASE(kind_reserve_counts_the_padding_a_block_needs),
	KUNIT_CASE(kind_reserve_is_kept_whatever_the_trim),
	KUNIT_CASE(kind_reserve_that_cannot_be_had_holds_nothing),
	KUNIT_CASE(kind_reserve_takes_small_blocks_to_its_edge),
	KUNIT_CASE(kind_nofs_and_noio_chunks_keep_their_flags),
	KUNIT_CASE(kind_numa_node_places_every_chunk),
	KUNIT_CASE(kind_numa_node_1_holds_chunks_of_every_class),
	{}
};

static struct kunit_suite wsheap_kinds_suite = {
	.name = "wsheap_kinds",
	.init = kind_init,
	.test_cases = wsheap_kinds_cases,
};

kunit_test_suite(wsheap_kinds_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit suite for wsheap's kinds of heap: atomic, reserved, placed");
MODULE_AUTHOR("The wsheap developers");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
