// SPDX-License-Identifier: GPL-2.0
/*
 * wsheap - concurrent heaps: one bump pointer shared by many CPUs
 *
 * A heap created with CONCURRENT true takes its allocation calls from any
 * number of CPUs at once (and, if it is atomic, from interrupts).  Its
 * bump pointer and the end of the chunk it runs through live in a struct
 * wsheap_concurrent right after the heap object:
 *
 *  - an allocation moves the bump pointer with one cmpxchg, after taking
 *    its bytes from the quota with another (check and add in one step, so
 *    the quota holds exactly and REQUESTED_SIZE ends as the sum of the
 *    successful requests);
 *  - a request the current chunk cannot hold takes the heap's growth lock
 *    (a raw spinlock for an atomic heap, a mutex otherwise: growing may
 *    sleep) and runs the core's slow path.  A new current chunk is
 *    published in three steps, limit NULL, bump, limit: a CPU that reads
 *    the limit, the bump and the limit again and sees the same limit
 *    twice holds a bump of that limit's chunk, and its cmpxchg fails if
 *    the bump moved since.  The bump never returns to a chunk it left
 *    until a reset or rollback, which callers make exclusive, so the
 *    cmpxchg cannot succeed on a stale value (no ABA).
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
 * slice's unused tail would eat into) gives each CPU a slice: a block of
 * the current chunk, up to WSHEAP_SLICE_MAX bytes, whose bytes it takes
 * from the quota all at once.  Small requests are carved from this CPU's
 * slice with preemption off and no atomic instruction, inline too; the
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
 *    exclusive call gives it slices again.  Slices shrink as the quota
 *    nears (a CPU's slice takes at most a 4 * nr_cpus'th of what is
 *    left, and none under WSHEAP_SLICE_MIN), so a heap whose quota is
 *    under 4 * nr_cpus KiB never has any.
 *  - Only the heap's one slice-carving CPU of the round resizes in place,
 *    its slice's last block: "the last block carved" is a heap-wide
 *    order that per-CPU slices do not keep, so once a second CPU carves
 *    (c->owner is then WSHEAP_OWNER_MANY) every realloc copies.
 *  - Exclusive calls fold the slices back first: what they see and
 *    record is the shared bump pointer and the exact REQUESTED_SIZE.
 */
#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/sizes.h>
#include <linux/smp.h>
#include <linux/spinlock.h>

#include "wsheap_internal.h"

struct wsheap_concurrent {
	char *bump;
	char *limit;			/* NULL: no chunk, or one being put in */
	/*
	 * Blocks below it are never resized in place: it is where the bump
	 * pointer stood when the last exclusive call ended (a mark ends the
	 * in-place window, so that a rollback never has to undo a resize),
	 * or after a call that moved it by nothing or carved from a chunk of
	 * its own (the block before is no longer the last).  NULL in a chunk
	 * put in since.
	 */
	char *floor;
	union {
		raw_spinlock_t lock;	/* growth, in an atomic heap */
		struct mutex mutex;	/* growth and slices, in any other */
	};
	bool sliced;			/* its CPUs carve from slices */
	/*
	 * The CPU that carved outside the shared bump pointer this round, -1
	 * when none has, WSHEAP_OWNER_MANY when more than one has.
	 */
	int owner;
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

static struct wsheap_concurrent *wsheap_shared(const struct wsheap *heap)
{
	return (struct wsheap_concurrent *)(heap + 1);
}

/* The slices, after struct wsheap_concurrent, each on its cache lines. */
static struct wsheap_slice *wsheap_slice_base(struct wsheap_concurrent *c)
{
	return PTR_ALIGN((struct wsheap_slice *)(c + 1), SMP_CACHE_BYTES);
}

/* A heap of these settings carves from slices. */
static bool wsheap_settings_sliced(const struct wsheap_settings *set)
{
	return WSHEAP_SLICES && set->concurrent && !set->reserve &&
	       !wsheap_gfp_is_atomic(set->gfp);
}

/* The heap object of a concurrent heap: its shared bump pointer after it. */
size_t wsheap_concurrent_object_size(const struct wsheap_settings *set)
{
	size_t size = sizeof(struct wsheap) + sizeof(struct wsheap_concurrent);

	if (wsheap_settings_sliced(set))
		size += SMP_CACHE_BYTES + nr_cpu_ids * WSHEAP_SLICE_STRIDE;
	return size;
}

/* Slices for this round: the tag in struct wsheap_bump names them. */
static void wsheap_slices_give(struct wsheap *heap)
{
	struct wsheap_concurrent *c = wsheap_shared(heap);

	c->owner = -1;
	if (c->sliced)
		WRITE_ONCE(heap->fast.last,
			   (char *)wsheap_slice_base(c) + WSHEAP_SLICED);
}

void wsheap_concurrent_init(struct wsheap *heap,
			    const struct wsheap_settings *set)
{
	struct wsheap_concurrent *c = wsheap_shared(heap);

	if (wsheap_heap_is_atomic(heap))
		raw_spin_lock_init(&c->lock);
	else
		mutex_init(&c->mutex);
	c->sliced = wsheap_settings_sliced(set);
	if (c->sliced)
		memset(wsheap_slice_base(c), 0,
		       nr_cpu_ids * WSHEAP_SLICE_STRIDE);
	wsheap_slices_give(heap);
}

/* Take @size bytes of the quota, all or none. */
static bool wsheap_quota_take(struct wsheap *heap, size_t size)
{
	size_t requested = READ_ONCE(heap->fast.requested);

	do {
		if (size > heap->fast.max_size - requested)
			return false;
	} while (!try_cmpxchg(&heap->fast.requested, &requested,
			      requested + size));
	return true;
}

void wsheap_concurrent_uncharge(struct wsheap *heap, size_t size)
{
	size_t requested = READ_ONCE(heap->fast.requested);

	while (!try_cmpxchg(&heap->fast.requested, &requested,
			    requested - size))
		;
}

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
void wsheap_concurrent_end_window(struct wsheap *heap)
{
	struct wsheap_concurrent *c = wsheap_shared(heap);

	WRITE_ONCE(c->floor, READ_ONCE(c->bump));
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

	obj = wsheap_shared_bump(c, size, align);
	if (obj)
		return obj;
	/*
	 * A copy, never heap->fast: the inline wsheap_alloc() of another CPU
	 * would see room there and carve without a cmpxchg.
	 */
	wsheap_shared_snapshot(c, &cur.bump, &cur.limit);
	bump = cur.bump;
	obj = wsheap_alloc_slow(heap, &cur, size, align);
	if (obj && cur.bump != bump)
		wsheap_shared_publish(c, cur.bump, cur.limit);
	else if (obj)
		/* a stray: the block before the bump is no longer the last */
		WRITE_ONCE(c->floor, bump);
	heap->stray = NULL;
	return obj;
}

/* Growth may sleep, so only an atomic heap's lock is a spinlock. */
static void *wsheap_shared_grow(struct wsheap *heap, size_t size,
				size_t align)
{
	struct wsheap_concurrent *c = wsheap_shared(heap);
	unsigned long flags;
	void *obj;

	if (wsheap_heap_is_atomic(heap)) {
		raw_spin_lock_irqsave(&c->lock, flags);
		obj = wsheap_shared_grow_locked(heap, size, align);
		raw_spin_unlock_irqrestore(&c->lock, flags);
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

/* Every slice back: no CPU is inside one. */
static void wsheap_slices_fold(struct wsheap *heap)
{
	struct wsheap_slice *base = wsheap_slice_base(wsheap_shared(heap));
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		wsheap_slice_retire(heap, wsheap_cpu_slice(base, cpu));
}

/* What all the slices took from the quota and have not handed out. */
static size_t wsheap_slices_unused(const struct wsheap *heap)
{
	struct wsheap_slice *base = wsheap_slice_base(wsheap_shared(heap));
	size_t unused = 0;
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		unused += wsheap_slice_unused(wsheap_cpu_slice(base, cpu));
	return unused;
}

/*
 * REQUESTED_SIZE while the mutex keeps slices from being cut or folded:
 * then only calls that hand out bytes move it, so it is a value the heap
 * held.
 */
static size_t wsheap_requested_locked(const struct wsheap *heap)
{
	return READ_ONCE(heap->fast.requested) - wsheap_slices_unused(heap);
}

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
	if (wsheap_slices(&heap->fast) && unused &&
	    size <= heap->fast.max_size -
		    (READ_ONCE(heap->fast.requested) - unused)) {
		/* no block carved before is resized in place, from now on */
		WRITE_ONCE(c->floor, (char *)ULONG_MAX);
		WRITE_ONCE(heap->fast.last, NULL);
		/* every CPU that saw the tag has left its slice */
		synchronize_rcu();
		wsheap_slices_fold(heap);
		WRITE_ONCE(c->floor, READ_ONCE(c->bump));
	}
	mutex_unlock(&c->mutex);
}

/* Take @size bytes of the quota, all or none, from slices' too. */
bool wsheap_concurrent_charge(struct wsheap *heap, size_t size)
{
	if (wsheap_quota_take(heap, size))
		return true;
	if (!wsheap_shared(heap)->sliced)
		return false;
	wsheap_slices_drain(heap, size);
	return wsheap_quota_take(heap, size);
}

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

	if (!c->sliced)
		return READ_ONCE(heap->fast.requested);
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

	if (!c->sliced)
		return READ_ONCE(heap->fast.requested);
	return wsheap_requested_locked(heap);
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
bool wsheap_concurrent_covers(struct wsheap *heap, size_t size)
{
	return size <= wsheap_concurrent_requested_now(heap) ||
	       (wsheap_shared(heap)->sliced &&
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
	struct wsheap_slice *base;
	void *obj = NULL;

	preempt_disable();
	base = wsheap_slices(&heap->fast);
	if (base)
		obj = wsheap_slice_take(wsheap_cpu_slice(base,
							 smp_processor_id()),
					size, align);
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
	size_t left = heap->fast.max_size - READ_ONCE(heap->fast.requested);
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
	s = wsheap_cpu_slice(wsheap_slice_base(c), cpu);
	/* the task may have slept, and woken on a CPU whose slice has room */
	obj = wsheap_slice_take(s, size, align);
	if (obj) {
		wsheap_slice_uncut(heap, start, got);
	} else {
		wsheap_slice_retire(heap, s);
		s->bump = start;
		s->limit = start + got;
		WRITE_ONCE(s->charged, got);
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
void *wsheap_concurrent_slice_alloc(struct wsheap *heap, size_t size,
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
void wsheap_concurrent_slices_pass(struct wsheap *heap)
{
	struct wsheap_slice *base;
	int cpu;

	preempt_disable();
	base = wsheap_slices(&heap->fast);
	if (base) {
		cpu = smp_processor_id();
		wsheap_cpu_slice(base, cpu)->last = NULL;
		wsheap_slices_claim(wsheap_shared(heap), cpu);
	}
	preempt_enable();
}

/* Resize this CPU's last slice block in place, if the round allows it. */
static bool wsheap_slice_resize(struct wsheap *heap, char *old,
				size_t old_size, size_t new_size)
{
	struct wsheap_concurrent *c = wsheap_shared(heap);
	struct wsheap_slice *base, *s;
	bool done = false;
	int cpu;

	preempt_disable();
	base = wsheap_slices(&heap->fast);
	cpu = smp_processor_id();
	if (base && READ_ONCE(c->owner) == cpu) {
		s = wsheap_cpu_slice(base, cpu);
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
void *wsheap_concurrent_carve(struct wsheap *heap, size_t size, size_t align)
{
	return wsheap_shared_bump(wsheap_shared(heap), size, align) ?:
	       wsheap_shared_grow(heap, size, align);
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
 * (the bump pointer right after it) and was carved after the last mark,
 * rollback, reset or drain, with one cmpxchg of the bump pointer; the
 * quota is charged for growth before and given back after a shrink.
 *
 * Return: true when the block was resized, false when the caller must
 * copy it (or refuse: a grown block over the quota returns false too).
 */
bool wsheap_concurrent_resize(struct wsheap *heap, char *old,
			      size_t old_size, size_t new_size)
{
	struct wsheap_concurrent *c = wsheap_shared(heap);
	char *bump, *limit, *end = old + wsheap_footprint(old_size);
	size_t grow = new_size > old_size ? new_size - old_size : 0;

	if (wsheap_slices(&heap->fast))
		return wsheap_slice_resize(heap, old, old_size, new_size);
	if (!wsheap_shared_snapshot(c, &bump, &limit) || bump != end ||
	    old < READ_ONCE(c->floor) || old > limit ||
	    !wsheap_fits(new_size, limit - old))
		return false;
	if (grow && !wsheap_concurrent_charge(heap, grow))
		return false;
	if (!try_cmpxchg(&c->bump, &bump, old + wsheap_footprint(new_size))) {
		if (grow)
			wsheap_concurrent_uncharge(heap, grow);
		return false;
	}
	if (!grow)
		wsheap_concurrent_uncharge(heap, old_size - new_size);
	if (!new_size)
		wsheap_concurrent_end_window(heap);
	return true;
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
		if (c->sliced)
			wsheap_slices_fold(heap);
		heap->fast.bump = c->bump;
		heap->fast.limit = c->limit;
		heap->fast.last = NULL;
		return;
	}
	c->bump = heap->fast.bump;
	c->limit = heap->fast.limit;
	c->floor = heap->fast.bump;
	heap->fast.bump = NULL;
	heap->fast.limit = NULL;
	heap->stray = NULL;
	wsheap_slices_give(heap);
}
