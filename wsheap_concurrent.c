// SPDX-License-Identifier: GPL-2.0
/**
 * DOC: concurrent heaps: one bump pointer shared by many CPUs
 *
 * A heap created with CONCURRENT true takes its allocation calls from any
 * number of CPUs at once (and, if it is atomic, from interrupts).  Its
 * bump pointer and the end of the chunk it runs through live in a struct
 * wsheap_concurrent right after the heap object.  The core hands this file
 * each allocating call of such a heap with one branch
 * (wsheap_concurrent_alloc(), wsheap_concurrent_realloc()); this file
 * calls the core back only for a new chunk (wsheap_alloc_slow()) and to
 * refuse a request (wsheap_refuse()).
 *
 *  - an allocation moves the bump pointer with one cmpxchg, after taking
 *    its bytes from the quota with another (check and add in one step, so
 *    the quota holds exactly and REQUESTED_SIZE ends as the sum of the
 *    successful requests).  The quota counter has a cache line of its
 *    own: the inline path reads the slices' tag in struct wsheap_bump,
 *    which no cmpxchg of the counter may keep bouncing;
 *  - a request the current chunk cannot hold takes the heap's growth lock
 *    (a spinlock_t for an atomic heap, a mutex otherwise: growing may
 *    sleep) and runs the core's slow path.  A new current chunk is
 *    published in three steps, limit NULL, bump, limit: a CPU that reads
 *    the limit, the bump and the limit again and sees the same limit
 *    twice holds a bump of that limit's chunk, and its cmpxchg fails if
 *    the bump moved since.  The bump never returns to a chunk it left
 *    until a reset or rollback, which callers make exclusive, so the
 *    cmpxchg cannot succeed on a stale value (no ABA).
 *  - realloc resizes in place with one cmpxchg of the bump pointer, while
 *    the block ends at it and lies above the floor.  The floor only rises
 *    within a chunk (wsheap_floor_raise()), to a bump pointer read after
 *    the call that ended the block's window.  A shrink poisons the tail
 *    before its cmpxchg gives the bytes to other CPUs; a growth moves the
 *    bump pointer before it takes the quota, so that a growth that fails
 *    never held quota another CPU was refused for.
 *
 * The inline wsheap_alloc() never carves from the shared bump pointer: its
 * struct wsheap_bump keeps bump and limit NULL, so the room the inline
 * path sees is 0, and it reads nothing that other CPUs write but the tag
 * below.  Mark, rollback, reset and free are exclusive: they move the
 * shared bump pointer into struct wsheap_bump for the length of the call
 * (wsheap_concurrent_exclusive()) and back.
 *
 * Slices.  Two cmpxchgs cost several times a plain heap's inline bump, so
 * a concurrent heap that may sleep (and has no reserve, whose guarantee a
 * slice's unused tail would eat into; not in a kernel built to check
 * each block) gives each CPU a slice: a block of the current chunk, up to
 * WSHEAP_SLICE_MAX bytes, whose bytes it takes from the quota all at
 * once.  Small requests are carved from this
 * CPU's slice with preemption off and no atomic instruction, inline too; the
 * room check alone keeps the quota, since a block never takes more of a
 * slice than its size.  REQUESTED_SIZE is the shared count less what the
 * slices took and did not hand out.
 *
 *  - A request the quota refuses while slices hold quota, and that fits
 *    once their unused bytes are back, drains them: the tag that names
 *    them is cleared, synchronize_rcu() waits until no CPU is inside a
 *    slice (each stays there with preemption off), and their unused
 *    bytes go back to the quota.  So the quota still holds
 *    exactly, at the price of one grace period in a round that reaches
 *    it; the heap runs on the shared bump pointer until the next
 *    exclusive call gives it slices again.  If the slices handed out so
 *    much during the grace period that the request still does not fit,
 *    the drain was no use: the heap keeps its slices.  Slices shrink as
 *    the quota nears (a CPU's slice takes at most a 4 * nr_cpus'th of
 *    what is left, and none under WSHEAP_SLICE_MIN), so a heap whose
 *    quota is under 4 * nr_cpus KiB never has any.
 *  - Only the heap's one slice-carving CPU of the round resizes in place,
 *    its slice's last block: "the last block carved" is a heap-wide
 *    order that per-CPU slices do not keep, so once a second CPU carves
 *    (c->owner is then WSHEAP_OWNER_MANY) every realloc copies.
 *  - Exclusive calls fold the slices back first: what they see and
 *    record is the shared bump pointer and the exact REQUESTED_SIZE.
 *    So does a read of REQUESTED_SIZE (and realloc's check of it),
 *    under the growth mutex.
 *  - A slice's unused tail stays unused until the next reset.
 *
 * The slices are per-CPU memory, and a mask names the CPUs that took one
 * this round: a fold, and every exclusive call, costs the CPUs that
 * carved, not every possible one.
 */
#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/sizes.h>
#include <linux/smp.h>
#include <linux/spinlock.h>

#include "wsheap_internal.h"

/*
 * Protected by: the growth lock for what moves the heap to a new chunk,
 * cmpxchg for what every carve moves, the exclusive calls (mark, rollback,
 * reset, free; the caller keeps all else out) for the rest.  Each field
 * says which.
 */
struct wsheap_concurrent {
	char *bump;			/* cmpxchg'd by every carve */
	/*
	 * NULL: no chunk, or one being put in.  Written under the growth
	 * lock (wsheap_shared_publish()), read locklessly as limit, bump,
	 * limit (wsheap_shared_snapshot()).
	 */
	char *limit;
	/*
	 * Blocks below it are never resized in place: it is where the bump
	 * pointer stood when the last exclusive call ended (a mark ends the
	 * in-place window, so that a rollback never has to undo a resize),
	 * or after a call that moved it by nothing or carved from a chunk of
	 * its own (the block before is no longer the last).  NULL in a chunk
	 * put in since.  Raised with cmpxchg, never lowered within a chunk;
	 * set by the growth lock's holder and the exclusive calls.
	 */
	char *floor;
	union {
		spinlock_t lock;	/* growth, in an atomic heap */
		struct mutex mutex;	/* growth and slices, in any other */
	};
	/*
	 * NULL: none.  A CPU carves from its own slice with preemption off;
	 * slices are cut and folded back under the mutex.
	 */
	struct wsheap_slice __percpu *slices;
	cpumask_var_t carvers;		/* CPUs with a slice; the mutex */
	/* a drain is on: no in-place resize; written under the mutex */
	bool draining;
	/*
	 * The CPU that carved outside the shared bump pointer this round, -1
	 * when none has, WSHEAP_OWNER_MANY when more than one has: claimed by
	 * those carves (wsheap_slices_claim()), reset by the exclusive calls.
	 */
	int owner;
	/*
	 * The quota's counter (REQUESTED_SIZE and the slices' charges),
	 * cmpxchg'd by every charge.
	 */
	size_t requested ____cacheline_aligned_in_smp;
};

#define WSHEAP_OWNER_MANY	(-2)

/*
 * A slice takes an eighth of the heap's memory, as a chunk does, within
 * these bounds: small enough that a CPU's unused tail stays small, large
 * enough that a refill (a lock and two cmpxchgs) is rare.
 */
#define WSHEAP_SLICE_MIN	SZ_1K
#define WSHEAP_SLICE_MAX	SZ_64K
/*
 * Out of line, larger requests (with their alignment padding) go to the
 * shared pointer; inline, any block the slice has room for is carved.
 */
#define WSHEAP_SLICE_BLOCK_MAX	(WSHEAP_SLICE_MIN / 2)

/* After the heap object, the quota counter on a line of its own. */
static struct wsheap_concurrent *wsheap_shared(const struct wsheap *heap)
{
	return PTR_ALIGN((struct wsheap_concurrent *)(heap + 1),
			 SMP_CACHE_BYTES);
}

/* A heap of these settings carves from slices. */
static bool wsheap_settings_sliced(const struct wsheap_settings *set)
{
	return WSHEAP_SLICES && set->concurrent && !set->reserve &&
	       !wsheap_gfp_is_atomic(set->gfp) &&
	       !wsheap_ablated(WSHEAP_ABLATE_SLICES);
}

/* The heap object of a concurrent heap: its shared bump pointer after it. */
size_t wsheap_concurrent_object_size(const struct wsheap_settings *set)
{
	return sizeof(struct wsheap) + SMP_CACHE_BYTES +
	       sizeof(struct wsheap_concurrent);
}

/* Slices for this round: the tag in struct wsheap_bump names them. */
static void wsheap_slices_give(struct wsheap *heap)
{
	struct wsheap_concurrent *c = wsheap_shared(heap);

	if (c->slices)
		WRITE_ONCE(heap->fast.last,
			   (char *)((__force unsigned long)c->slices +
				    WSHEAP_SLICED));
}

/**
 * wsheap_concurrent_init() - set up a new concurrent heap
 * @heap: its heap object, of wsheap_concurrent_object_size() bytes, zeroed
 * @set: its settings
 *
 * Context: Any context the heap's GFP allows.
 * Return: 0, or -ENOMEM when its slices could not be had; then
 * wsheap_concurrent_destroy() releases what was taken.
 */
int wsheap_concurrent_init(struct wsheap *heap,
			   const struct wsheap_settings *set)
{
	struct wsheap_concurrent *c = wsheap_shared(heap);

	c->owner = -1;
	if (wsheap_heap_is_atomic(heap))
		spin_lock_init(&c->lock);
	else
		mutex_init(&c->mutex);
	if (!wsheap_settings_sliced(set))
		return 0;
	if (!zalloc_cpumask_var(&c->carvers, heap->gfp))
		return -ENOMEM;
	c->slices = alloc_percpu_gfp(struct wsheap_slice, heap->gfp);
	if (!c->slices)
		return -ENOMEM;
	wsheap_slices_give(heap);
	return 0;
}

/**
 * wsheap_concurrent_destroy() - release what a concurrent heap holds
 * @heap: a concurrent heap, no call inside it
 *
 * Context: Any context the heap allows.
 */
void wsheap_concurrent_destroy(struct wsheap *heap)
{
	struct wsheap_concurrent *c = wsheap_shared(heap);

	free_percpu(c->slices);
	free_cpumask_var(c->carvers);
}

/*
 * The quota's counter, on a cache line of its own: not in struct
 * wsheap_bump, whose tag the inline path reads (the KUnit suites check
 * where it is).
 */
WSHEAP_VISIBLE_FOR_TEST size_t *wsheap_quota_counter(const struct wsheap *heap)
{
	return &wsheap_shared(heap)->requested;
}
EXPORT_SYMBOL_IF_WSHEAP_TEST(wsheap_quota_counter);

/* Take @size bytes of the quota, all or none. */
static bool wsheap_quota_take(struct wsheap *heap, size_t size)
{
	size_t *counter = wsheap_quota_counter(heap);
	size_t requested = READ_ONCE(*counter);

	do {
		if (size > heap->fast.max_size - requested)
			return false;
	} while (!try_cmpxchg(counter, &requested, requested + size));
	return true;
}

static void wsheap_concurrent_uncharge(struct wsheap *heap, size_t size)
{
	size_t *counter = wsheap_quota_counter(heap);
	size_t requested = READ_ONCE(*counter);

	while (!try_cmpxchg(counter, &requested, requested - size))
		;
}

/*
 * What the quota has left now, the slices' unused charges counted as
 * taken (the KUnit suites read it too).
 */
WSHEAP_VISIBLE_FOR_TEST size_t wsheap_quota_left(struct wsheap *heap)
{
	return heap->fast.max_size - READ_ONCE(*wsheap_quota_counter(heap));
}
EXPORT_SYMBOL_IF_WSHEAP_TEST(wsheap_quota_left);

/*
 * Blocks below @to are no longer resized in place.  The floor only rises:
 * a call that read an older bump pointer never lets a block carved since
 * back into the window.  The KUnit suites put another CPU's calls in
 * here, between the read of @to and the raise.
 */
WSHEAP_VISIBLE_FOR_TEST void wsheap_floor_raise(struct wsheap *heap, char *to)
{
	struct wsheap_concurrent *c = wsheap_shared(heap);
	char *floor;

	KUNIT_STATIC_STUB_REDIRECT(wsheap_floor_raise, heap, to);

	floor = READ_ONCE(c->floor);
	do {
		if (floor >= to)
			return;
	} while (!try_cmpxchg(&c->floor, &floor, to));
}
EXPORT_SYMBOL_IF_WSHEAP_TEST(wsheap_floor_raise);

/*
 * The current chunk's bump pointer and limit, read so that they belong to
 * one chunk (see the top of this file); false while there is none.
 */
static bool wsheap_shared_snapshot(struct wsheap_concurrent *c, char **bump,
				   char **limit)
{
	char *again;

	do {
		*limit = READ_ONCE(c->limit);
		if (!*limit)
			return false;
		smp_rmb();	/* the limit before the bump, */
		*bump = READ_ONCE(c->bump);
		smp_rmb();	/* the bump before the limit again */
		again = READ_ONCE(c->limit);
	} while (again != *limit);
	return true;
}

/* Carve from the current chunk with one cmpxchg; NULL when it lacks room. */
static void *wsheap_shared_bump(struct wsheap_concurrent *c, size_t size,
				size_t align)
{
	char *bump, *limit, *obj;

	do {
		if (!wsheap_shared_snapshot(c, &bump, &limit))
			return NULL;
		obj = PTR_ALIGN(bump, align);
		if (obj > limit || !wsheap_fits(size, limit - obj))
			return NULL;
	} while (!try_cmpxchg(&c->bump, &bump, obj + wsheap_footprint(size)));
	return obj;
}

/**
 * wsheap_concurrent_end_window() - the last block is no longer the last
 * @heap: a concurrent heap
 *
 * After an allocating call that handed out 0 bytes, as on any heap: the
 * bump pointer did not move past the block before, so only the floor
 * keeps that block from being resized in place.
 */
static void wsheap_concurrent_end_window(struct wsheap *heap)
{
	struct wsheap_concurrent *c = wsheap_shared(heap);

	wsheap_floor_raise(heap, READ_ONCE(c->bump));
}

/* Make the bump pointer that the slow path left in heap->fast current. */
static void wsheap_shared_publish(struct wsheap_concurrent *c, char *bump,
				  char *limit)
{
	WRITE_ONCE(c->limit, NULL);
	smp_wmb();	/* no CPU pairs the old limit with the new bump */
	WRITE_ONCE(c->floor, NULL);
	WRITE_ONCE(c->bump, bump);
	smp_wmb();	/* nor the new limit with the old bump */
	WRITE_ONCE(c->limit, limit);
}

/*
 * The current chunk is full, and the caller holds the growth lock: carve
 * from it if another call has grown the heap meanwhile, else run the
 * core's slow path (a spare or a new chunk) on a snapshot of the shared
 * bump.
 */
static void *wsheap_shared_grow_locked(struct wsheap *heap, size_t size,
				       size_t align)
{
	struct wsheap_concurrent *c = wsheap_shared(heap);
	struct wsheap_bump cur = {};
	char *bump;
	void *obj;

	lockdep_assert(lockdep_is_held(&c->lock) || lockdep_is_held(&c->mutex));
	obj = wsheap_shared_bump(c, size, align);
	if (obj)
		return obj;
	/*
	 * A copy, never heap->fast: the inline wsheap_alloc() of another CPU
	 * would see room there and carve without a cmpxchg.
	 */
	wsheap_shared_snapshot(c, &cur.bump, &cur.limit);
	/* what the next chunk is sized for: this request is counted already */
	cur.requested = READ_ONCE(*wsheap_quota_counter(heap));
	bump = cur.bump;
	obj = wsheap_alloc_slow(heap, &cur, size, align);
	if (obj && cur.bump != bump)
		wsheap_shared_publish(c, cur.bump, cur.limit);
	else if (obj)
		/*
		 * A stray: the block before the bump is no longer the last,
		 * nor any carved since the snapshot, so the bump read now.
		 */
		wsheap_floor_raise(heap, READ_ONCE(c->bump));
	heap->stray = NULL;
	return obj;
}

/*
 * Growth may sleep, so only an atomic heap's lock is a spinlock: a
 * spinlock_t, not a raw one, since the slab allocator called under it
 * takes spinlock_t locks itself (sleeping locks on PREEMPT_RT).
 */
static void *wsheap_shared_grow(struct wsheap *heap, size_t size,
				size_t align)
{
	struct wsheap_concurrent *c = wsheap_shared(heap);
	unsigned long flags;
	void *obj;

	if (wsheap_heap_is_atomic(heap)) {
		spin_lock_irqsave(&c->lock, flags);
		obj = wsheap_shared_grow_locked(heap, size, align);
		spin_unlock_irqrestore(&c->lock, flags);
	} else {
		mutex_lock(&c->mutex);
		obj = wsheap_shared_grow_locked(heap, size, align);
		mutex_unlock(&c->mutex);
	}
	return obj;
}

/* What @s took from the quota and has not handed out. */
static size_t wsheap_slice_unused(const struct wsheap_slice *s)
{
	return READ_ONCE(s->charged) - READ_ONCE(s->requested);
}

/*
 * The slice's unused quota goes back, and the slice is empty.  Its CPU
 * is this one with preemption off, or every CPU is out of the slices.
 */
static void wsheap_slice_retire(struct wsheap *heap, struct wsheap_slice *s)
{
	size_t unused = wsheap_slice_unused(s);

	if (unused)
		wsheap_concurrent_uncharge(heap, unused);
	WRITE_ONCE(s->charged, 0);
	WRITE_ONCE(s->requested, 0);
	s->bump = NULL;
	s->limit = NULL;
	s->last = NULL;
}

/*
 * Every slice back: no CPU is inside one, and the caller holds the mutex
 * or is exclusive (so no slice is cut meanwhile).
 */
static void wsheap_slices_fold(struct wsheap *heap)
{
	struct wsheap_concurrent *c = wsheap_shared(heap);
	unsigned int cpu;

	for_each_cpu(cpu, c->carvers)
		wsheap_slice_retire(heap, per_cpu_ptr(c->slices, cpu));
	cpumask_clear(c->carvers);
}

/* What all the slices took from the quota and have not handed out. */
static size_t wsheap_slices_unused(const struct wsheap *heap)
{
	struct wsheap_concurrent *c = wsheap_shared(heap);
	size_t unused = 0;
	unsigned int cpu;

	for_each_cpu(cpu, c->carvers)
		unused += wsheap_slice_unused(per_cpu_ptr(c->slices, cpu));
	return unused;
}

/*
 * REQUESTED_SIZE while the mutex keeps slices from being cut or folded:
 * then only calls that hand out bytes move it, so it is a value the heap
 * held.
 */
static size_t wsheap_requested_locked(const struct wsheap *heap)
{
	return READ_ONCE(*wsheap_quota_counter(heap)) -
	       wsheap_slices_unused(heap);
}

/*
 * Wait until every CPU that saw the slices' tag has left its slice (each
 * stays in it with preemption off).  Other calls go on meanwhile: the
 * KUnit suites stand in for one of them here.
 */
WSHEAP_VISIBLE_FOR_TEST void wsheap_slices_quiesce(struct wsheap *heap)
{
	KUNIT_STATIC_STUB_REDIRECT(wsheap_slices_quiesce, heap);

	synchronize_rcu();
}
EXPORT_SYMBOL_IF_WSHEAP_TEST(wsheap_slices_quiesce);

/*
 * The quota refused @size: take the slices' unused quota back for the
 * rest of the round (see the top of this file), unless @size does not fit
 * even then.  Returns after any drain that another CPU had begun, so that
 * the caller's second try sees its result.
 */
static void wsheap_slices_drain(struct wsheap *heap, size_t size)
{
	struct wsheap_concurrent *c = wsheap_shared(heap);
	size_t unused;

	mutex_lock(&c->mutex);
	unused = wsheap_slices_unused(heap);
	if (!wsheap_slices(&heap->fast) || !unused ||
	    size > wsheap_quota_left(heap) + unused)
		goto out;
	WRITE_ONCE(c->draining, true);
	smp_wmb();	/* a resizer that finds no tag finds the drain on */
	WRITE_ONCE(heap->fast.last, NULL);
	wsheap_slices_quiesce(heap);
	wsheap_slices_fold(heap);
	/* no block carved before is resized in place, from now on */
	wsheap_floor_raise(heap, READ_ONCE(c->bump));
	/* the slices carved so much meanwhile that it was no use */
	if (size > wsheap_quota_left(heap))
		wsheap_slices_give(heap);
	smp_wmb();	/* the floor, then the end of the drain */
	WRITE_ONCE(c->draining, false);
out:
	mutex_unlock(&c->mutex);
}

/*
 * Take @size bytes of the quota, all or none, from slices' too.  The KUnit
 * suites put another CPU's calls in here.
 */
WSHEAP_VISIBLE_FOR_TEST
bool wsheap_concurrent_charge(struct wsheap *heap, size_t size)
{
	KUNIT_STATIC_STUB_REDIRECT(wsheap_concurrent_charge, heap, size);

	if (wsheap_quota_take(heap, size))
		return true;
	if (!wsheap_shared(heap)->slices)
		return false;
	wsheap_slices_drain(heap, size);
	return wsheap_quota_take(heap, size);
}
EXPORT_SYMBOL_IF_WSHEAP_TEST(wsheap_concurrent_charge);

/**
 * wsheap_concurrent_requested() - REQUESTED_SIZE of a concurrent heap
 * @heap: a concurrent heap
 *
 * Context: Any context the heap allows; takes the slices' mutex (sleeps)
 * in a heap that has slices.
 * Return: the count; exact once the heap's calls have returned, a value
 * it held while they run.
 */
size_t wsheap_concurrent_requested(struct wsheap *heap)
{
	struct wsheap_concurrent *c = wsheap_shared(heap);
	size_t requested;

	if (!c->slices)
		return READ_ONCE(*wsheap_quota_counter(heap));
	mutex_lock(&c->mutex);
	requested = wsheap_requested_locked(heap);
	mutex_unlock(&c->mutex);
	return requested;
}

/**
 * wsheap_concurrent_requested_now() - REQUESTED_SIZE, without the mutex
 * @heap: a concurrent heap
 *
 * For the debugfs table, read under a spinlock.
 *
 * Context: Any context.
 * Return: the count; exact once the heap's calls have returned, off by up
 * to a slice while one is cut or folded meanwhile.
 */
size_t wsheap_concurrent_requested_now(const struct wsheap *heap)
{
	struct wsheap_concurrent *c = wsheap_shared(heap);

	if (!c->slices)
		return READ_ONCE(*wsheap_quota_counter(heap));
	/* the slices' counts and the mask change under this read */
	return data_race(wsheap_requested_locked(heap));
}

/**
 * wsheap_concurrent_covers() - @size is at most REQUESTED_SIZE
 * @heap: a concurrent heap
 * @size: the old_size a realloc was given
 *
 * The count read without the mutex can be low while another CPU cuts a
 * slice, so a "no" is asked again under it: a caller's correct old_size
 * is never refused.
 *
 * Context: Process context for a heap with slices (may sleep).
 * Return: true unless @size is more than REQUESTED_SIZE.
 */
static bool wsheap_concurrent_covers(struct wsheap *heap, size_t size)
{
	return size <= wsheap_concurrent_requested_now(heap) ||
	       (wsheap_shared(heap)->slices &&
		size <= wsheap_concurrent_requested(heap));
}

/* @cpu carved outside the shared bump pointer. */
static void wsheap_slices_claim(struct wsheap_concurrent *c, int cpu)
{
	int owner = READ_ONCE(c->owner);

	if (owner == cpu || owner == WSHEAP_OWNER_MANY)
		return;
	if (owner >= 0 || !try_cmpxchg(&c->owner, &owner, cpu))
		WRITE_ONCE(c->owner, WSHEAP_OWNER_MANY);
}

/* Carve from @s, this CPU's slice; NULL when it lacks room. */
static void *wsheap_slice_take(struct wsheap_slice *s, size_t size,
			       size_t align)
{
	char *obj = PTR_ALIGN(s->bump, align);

	if (obj > s->limit || !wsheap_fits(size, s->limit - obj))
		return NULL;
	s->bump = obj + wsheap_footprint(size);
	s->last = obj;
	WRITE_ONCE(s->requested, s->requested + size);
	return obj;
}

/* The out-of-line wsheap_slice_alloc(), with an alignment. */
static void *wsheap_slice_carve(struct wsheap *heap, size_t size,
				size_t align)
{
	struct wsheap_slice __percpu *slices;
	void *obj = NULL;

	preempt_disable();
	slices = wsheap_slices(&heap->fast);
	if (slices)
		obj = wsheap_slice_take(this_cpu_ptr(slices), size, align);
	preempt_enable();
	return obj;
}

/*
 * The bytes a new slice takes from the quota: an eighth of the heap's
 * memory within the bounds, and at most a 4 * nr_cpus'th of what the
 * quota has left; 0 when that is less than @need or WSHEAP_SLICE_MIN.
 */
static size_t wsheap_slice_want(struct wsheap *heap, size_t need)
{
	size_t left = wsheap_quota_left(heap);
	size_t want = clamp_t(size_t, READ_ONCE(heap->actual) / 8,
			      WSHEAP_SLICE_MIN, WSHEAP_SLICE_MAX);

	want = ALIGN_DOWN(min(want, left / (4 * num_possible_cpus())),
			  WSHEAP_ALIGN);
	return want >= max_t(size_t, need, WSHEAP_SLICE_MIN) ? want : 0;
}

/*
 * Up to @want bytes, at least @need, of the current chunk; how many in
 * *@got.  NULL when the chunk has less than @need left.
 */
static char *wsheap_shared_take(struct wsheap_concurrent *c, size_t need,
				size_t want, size_t *got)
{
	char *bump, *limit;
	size_t take;

	do {
		if (!wsheap_shared_snapshot(c, &bump, &limit))
			return NULL;
		take = ALIGN_DOWN(min_t(size_t, limit - bump, want),
				  WSHEAP_ALIGN);
		if (take < need)
			return NULL;
	} while (!try_cmpxchg(&c->bump, &bump, bump + take));
	*got = take;
	return bump;
}

/*
 * The current chunk's bytes after @at, up to @max, if the bump pointer is
 * still at @at; how many.
 */
static size_t wsheap_shared_extend(struct wsheap_concurrent *c, char *at,
				   size_t max)
{
	char *bump, *limit;
	size_t take;

	if (!wsheap_shared_snapshot(c, &bump, &limit) || bump != at)
		return 0;
	take = ALIGN_DOWN(min_t(size_t, limit - bump, max), WSHEAP_ALIGN);
	return try_cmpxchg(&c->bump, &bump, bump + take) ? take : 0;
}

/*
 * A new slice: the rest of the current chunk, or the start of the next
 * one.  The next one is found by the core's slow path for @need bytes, as
 * a block of that size would be: so that the next round, after a reset,
 * meets the kept chunks in the same order, each used to its end (asking
 * for a whole slice there would pass over every smaller spare).
 */
static char *wsheap_slice_cut(struct wsheap *heap, size_t need, size_t want,
			      size_t *got)
{
	struct wsheap_concurrent *c = wsheap_shared(heap);
	char *start = wsheap_shared_take(c, need, want, got);

	if (start)
		return start;
	start = wsheap_shared_grow_locked(heap, need, WSHEAP_ALIGN);
	if (start)
		*got = need + wsheap_shared_extend(c, start + need,
						   want - need);
	return start;
}

/*
 * A slice cut and not needed: its quota goes back, and its bytes too if
 * nothing was carved after them (else they stay unused until the reset).
 */
static void wsheap_slice_uncut(struct wsheap *heap, char *start, size_t got)
{
	char *end = start + got;

	try_cmpxchg(&wsheap_shared(heap)->bump, &end, start);
	wsheap_concurrent_uncharge(heap, got);
}

/* A new slice for this CPU, holding the mutex; the block from it. */
static void *wsheap_slice_refill_locked(struct wsheap *heap, size_t size,
					size_t align, size_t need)
{
	struct wsheap_concurrent *c = wsheap_shared(heap);
	size_t want = wsheap_slice_want(heap, need), got;
	struct wsheap_slice *s;
	char *start;
	void *obj;
	int cpu;

	lockdep_assert_held(&c->mutex);
	if (!want || !wsheap_quota_take(heap, want))
		return NULL;
	start = wsheap_slice_cut(heap, need, want, &got);
	if (!start) {
		wsheap_concurrent_uncharge(heap, want);
		return NULL;
	}
	if (got < want)
		wsheap_concurrent_uncharge(heap, want - got);

	preempt_disable();
	cpu = smp_processor_id();
	s = this_cpu_ptr(c->slices);
	/* the task may have slept, and woken on a CPU whose slice has room */
	obj = wsheap_slice_take(s, size, align);
	if (obj) {
		wsheap_slice_uncut(heap, start, got);
	} else {
		wsheap_slice_retire(heap, s);
		s->bump = start;
		s->limit = start + got;
		WRITE_ONCE(s->charged, got);
		cpumask_set_cpu(cpu, c->carvers);
		obj = wsheap_slice_take(s, size, align);
	}
	wsheap_slices_claim(c, cpu);
	preempt_enable();
	return obj;
}

/**
 * wsheap_concurrent_slice_alloc() - carve a small block from a slice
 * @heap: a concurrent heap
 * @size: bytes of the block, not 0
 * @align: its alignment
 *
 * From this CPU's slice, or a new one.  The block's quota is the slice's.
 *
 * Context: Process context; may sleep.
 * Return: the block, or NULL when the heap has no slices now, the block
 * is too large for them, or no new slice could be had: the caller then
 * carves from the shared bump pointer.
 */
static void *wsheap_concurrent_slice_alloc(struct wsheap *heap, size_t size,
					   size_t align)
{
	struct wsheap_concurrent *c = wsheap_shared(heap);
	size_t need;
	void *obj;

	/* before the footprint, which wraps for sizes near SIZE_MAX */
	if (size > WSHEAP_SLICE_BLOCK_MAX || align > WSHEAP_SLICE_BLOCK_MAX)
		return NULL;
	need = wsheap_footprint(size) + align - WSHEAP_ALIGN;
	if (!wsheap_slices(&heap->fast) || need > WSHEAP_SLICE_BLOCK_MAX)
		return NULL;
	obj = wsheap_slice_carve(heap, size, align);
	if (obj)
		return obj;
	mutex_lock(&c->mutex);
	/* a drain may have come first */
	if (wsheap_slices(&heap->fast))
		obj = wsheap_slice_refill_locked(heap, size, align, need);
	mutex_unlock(&c->mutex);
	return obj;
}

/*
 * A block was carved from the shared bump pointer, or none at all: this
 * CPU's last slice block is no longer the last.
 */
static void wsheap_concurrent_slices_pass(struct wsheap *heap)
{
	struct wsheap_slice __percpu *slices;

	preempt_disable();
	slices = wsheap_slices(&heap->fast);
	if (slices) {
		this_cpu_ptr(slices)->last = NULL;
		wsheap_slices_claim(wsheap_shared(heap), smp_processor_id());
	}
	preempt_enable();
}

/* Resize this CPU's last slice block in place, if the round allows it. */
static bool wsheap_slice_resize(struct wsheap *heap, char *old,
				size_t old_size, size_t new_size)
{
	struct wsheap_concurrent *c = wsheap_shared(heap);
	struct wsheap_slice __percpu *slices;
	struct wsheap_slice *s;
	bool done = false;

	preempt_disable();
	slices = wsheap_slices(&heap->fast);
	if (slices && READ_ONCE(c->owner) == smp_processor_id()) {
		s = this_cpu_ptr(slices);
		if (old == s->last &&
		    s->bump == old + wsheap_footprint(old_size) &&
		    wsheap_fits(new_size, s->limit - old)) {
			s->bump = old + wsheap_footprint(new_size);
			WRITE_ONCE(s->requested,
				   s->requested - old_size + new_size);
			done = true;
		}
	}
	preempt_enable();
	if (done)
		wsheap_sanitize_resize(old, old_size, new_size);
	return done;
}

/**
 * wsheap_concurrent_carve() - carve a block of a concurrent heap
 * @heap: a concurrent heap, its quota already charged with @size
 * @size: bytes of the block, not 0
 * @align: its alignment
 *
 * Context: Any context the heap allows; may sleep if it is not atomic.
 * Return: the block, or NULL when no memory could be had.
 */
static void *wsheap_concurrent_carve(struct wsheap *heap, size_t size,
				     size_t align)
{
	return wsheap_shared_bump(wsheap_shared(heap), size, align) ?:
	       wsheap_shared_grow(heap, size, align);
}

/*
 * Grow the block that ends at @end, the bump pointer, to @new_size bytes:
 * the bytes first, then the quota, so that a growth the quota refuses
 * never held quota another CPU was refused for.  Refused, the bytes go
 * back unless a block was carved after them (then they lie unused until
 * the reset).
 */
static bool wsheap_shared_grow_in_place(struct wsheap *heap, char *old,
					size_t old_size, size_t new_size,
					char *end)
{
	struct wsheap_concurrent *c = wsheap_shared(heap);
	char *new_end = old + wsheap_footprint(new_size);

	if (!try_cmpxchg(&c->bump, &end, new_end))
		return false;
	if (!wsheap_concurrent_charge(heap, new_size - old_size)) {
		try_cmpxchg(&c->bump, &new_end,
			    old + wsheap_footprint(old_size));
		return false;
	}
	wsheap_sanitize_resize(old, old_size, new_size);
	return true;
}

/*
 * Shrink the block that ends at @end, the bump pointer, to @new_size
 * bytes.  The tail is poisoned before the cmpxchg: once the bump
 * pointer moves back, another CPU may carve there and unpoison its block.
 */
static bool wsheap_shared_shrink_in_place(struct wsheap *heap, char *old,
					  size_t old_size, size_t new_size,
					  char *end)
{
	struct wsheap_concurrent *c = wsheap_shared(heap);
	char *new_end = old + wsheap_footprint(new_size);
	size_t tail = ALIGN(old_size, WSHEAP_ALIGN) -
		      ALIGN(new_size, WSHEAP_ALIGN);

	if (tail)
		wsheap_kasan_take_back(old + ALIGN(new_size, WSHEAP_ALIGN),
				       tail);
	wsheap_sanitize_resize(old, old_size, new_size);
	if (!try_cmpxchg(&c->bump, &end, new_end)) {
		wsheap_kasan_hand_out(old, old_size);
		return false;
	}
	wsheap_concurrent_uncharge(heap, old_size - new_size);
	if (!new_size)
		wsheap_concurrent_end_window(heap);
	return true;
}

/**
 * wsheap_concurrent_resize() - resize the last block in place
 * @heap: a concurrent heap
 * @old: the block
 * @old_size: its size
 * @new_size: the size wanted
 *
 * While the heap has slices, only this CPU's last slice block, and only
 * while this CPU alone has carved in the round (wsheap_slice_resize()).
 * Otherwise only while @old is still the last block of the current chunk
 * (the bump pointer right after it, the block above the floor) and no
 * drain is on, with one cmpxchg of the bump pointer.  On success the
 * block is accessible to KASAN for exactly @new_size bytes.
 *
 * Return: true when the block was resized, false when the caller must
 * copy it (or refuse: a grown block over the quota returns false too).
 */
static bool wsheap_concurrent_resize(struct wsheap *heap, char *old,
				     size_t old_size, size_t new_size)
{
	struct wsheap_concurrent *c = wsheap_shared(heap);
	char *bump, *limit, *end = old + wsheap_footprint(old_size);

	if (wsheap_slices(&heap->fast))
		return wsheap_slice_resize(heap, old, old_size, new_size);
	smp_rmb();	/* no tag, then the drain: pairs with its smp_wmb() */
	if (READ_ONCE(c->draining))
		return false;
	smp_rmb();	/* no drain, then the floor it raised */
	if (!wsheap_shared_snapshot(c, &bump, &limit) || bump != end ||
	    old < READ_ONCE(c->floor) || old > limit ||
	    !wsheap_fits(new_size, limit - old))
		return false;
	if (new_size > old_size)
		return wsheap_shared_grow_in_place(heap, old, old_size,
						   new_size, end);
	return wsheap_shared_shrink_in_place(heap, old, old_size, new_size,
					     end);
}

/**
 * __wsheap_concurrent_exclusive() - move the shared bump pointer in or out
 * @heap: a concurrent heap
 * @enter: true at the start of an exclusive call, false at its end
 *
 * An exclusive call (mark, rollback, reset) works on struct wsheap_bump
 * like on any heap, the slices folded back; in between, the shared copy
 * is the only one, and the round's slices are given at the end.  Called
 * through wsheap_concurrent_exclusive(), which leaves other heaps alone.
 */
void __wsheap_concurrent_exclusive(struct wsheap *heap, bool enter)
{
	struct wsheap_concurrent *c = wsheap_shared(heap);

	if (enter) {
		if (c->slices)
			wsheap_slices_fold(heap);
		heap->fast.bump = c->bump;
		heap->fast.limit = c->limit;
		heap->fast.requested = *wsheap_quota_counter(heap);
		heap->fast.last = NULL;
		return;
	}
	c->bump = heap->fast.bump;
	c->limit = heap->fast.limit;
	*wsheap_quota_counter(heap) = heap->fast.requested;
	c->floor = heap->fast.bump;
	c->owner = -1;
	heap->fast.bump = NULL;
	heap->fast.limit = NULL;
	heap->stray = NULL;
	wsheap_slices_give(heap);
}

/**
 * wsheap_concurrent_alloc() - every allocating call of a concurrent heap
 * @heap: a concurrent heap
 * @size: bytes of the block
 * @align: its alignment
 * @ptr: where the block goes
 * @error: where a failure is described
 * @caller: the driver's call site, for the refusal tracepoint
 *
 * A small block from this CPU's slice; else the quota, then the shared
 * bump pointer or the core's slow path under the growth lock.
 *
 * Context: Any context the heap allows; may sleep if it is not atomic.
 * Return: 0, -EDQUOT or -ENOMEM.
 */
int wsheap_concurrent_alloc(struct wsheap *heap, size_t size, size_t align,
			    void **ptr, struct wsheap_error *error,
			    unsigned long caller)
{
	void *obj;

	obj = size ? wsheap_concurrent_slice_alloc(heap, size, align) : NULL;
	if (obj) {
		*ptr = obj;
		return 0;
	}
	if (!wsheap_concurrent_charge(heap, size))
		return wsheap_refuse(heap, error, -EDQUOT, size, caller);
	if (wsheap_zero_size_ptr_fits(size, align)) {
		obj = ZERO_SIZE_PTR;
	} else {
		obj = wsheap_concurrent_carve(heap, size, align);
		if (!obj) {
			wsheap_concurrent_uncharge(heap, size);
			return wsheap_refuse(heap, error, -ENOMEM, size,
					     caller);
		}
		wsheap_sanitize_hand_out(obj, size);
	}
	if (!size)
		wsheap_concurrent_end_window(heap);
	wsheap_concurrent_slices_pass(heap);
	*ptr = obj;
	return 0;
}

/**
 * wsheap_concurrent_realloc() - wsheap_realloc() of a concurrent heap
 * @heap: a concurrent heap
 * @old: the block, or NULL
 * @old_size: its size
 * @new_size: the size wanted
 * @ptr: where the block goes
 * @error: where a failure is described
 * @caller: the driver's call site, for the refusal tracepoint
 *
 * In place while @old is still the last block (wsheap_concurrent_resize());
 * else a new block, and the bytes copied.
 *
 * Context: Any context the heap allows; may sleep if it is not atomic.
 * Return: 0, -EINVAL, -EDQUOT or -ENOMEM.
 */
int wsheap_concurrent_realloc(struct wsheap *heap, void *old,
			      size_t old_size, size_t new_size, void **ptr,
			      struct wsheap_error *error, unsigned long caller)
{
	void *obj;
	int ret;

	/* a caller bug that would wrap REQUESTED_SIZE below zero */
	if (old && !wsheap_concurrent_covers(heap, old_size))
		return wsheap_fail(error, -EINVAL,
				   "old_size is larger than REQUESTED_SIZE");
	if (old && old != ZERO_SIZE_PTR &&
	    wsheap_concurrent_resize(heap, old, old_size, new_size)) {
		*ptr = old;
		return 0;
	}
	ret = wsheap_concurrent_alloc(heap, new_size, WSHEAP_ALIGN, &obj,
				      error, caller);
	if (ret)
		return ret;
	if (old)
		memcpy(obj, old, min(old_size, new_size));
	*ptr = obj;
	return 0;
}
