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
 * The inline wsheap_alloc() never carves from a concurrent heap: its
 * struct wsheap_bump keeps bump and limit NULL, so the room the inline
 * path sees is 0 and it calls out of line before it reads anything that
 * other CPUs write.  Mark, rollback, reset and free are exclusive: they
 * move the shared bump pointer into struct wsheap_bump for the length of
 * the call (wsheap_concurrent_exclusive()) and back.
 */
#include <linux/atomic.h>
#include <linux/mutex.h>
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
		struct mutex mutex;	/* growth, in any other */
	};
};

static struct wsheap_concurrent *wsheap_shared(struct wsheap *heap)
{
	return (struct wsheap_concurrent *)(heap + 1);
}

/* The heap object of a concurrent heap, its shared bump pointer after it. */
size_t wsheap_concurrent_object_size(void)
{
	return sizeof(struct wsheap) + sizeof(struct wsheap_concurrent);
}

void wsheap_concurrent_init(struct wsheap *heap)
{
	struct wsheap_concurrent *c = wsheap_shared(heap);

	if (wsheap_heap_is_atomic(heap))
		raw_spin_lock_init(&c->lock);
	else
		mutex_init(&c->mutex);
}

/* Take @size bytes of the quota, all or none. */
bool wsheap_concurrent_charge(struct wsheap *heap, size_t size)
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
 * Only while @old is still the last block of the current chunk (the bump
 * pointer right after it) and was carved after the last mark, rollback or
 * reset, with one cmpxchg of the bump pointer; the
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
 * like on any heap; in between, the shared copy is the only one.  Called
 * through wsheap_concurrent_exclusive(), which leaves other heaps alone.
 */
void __wsheap_concurrent_exclusive(struct wsheap *heap, bool enter)
{
	struct wsheap_concurrent *c = wsheap_shared(heap);

	if (enter) {
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
	heap->fast.last = NULL;
	heap->stray = NULL;
}
