// SPDX-License-Identifier: GPL-2.0
/**
 * DOC: heaps, chunks, allocation, reset, marks
 *
 * A heap is a list of chunks, each one allocation with a small header at
 * its start: from the slab for chunks of up to 16 KiB, from vmalloc()
 * above (see WSHEAP_SLAB_CHUNK_MAX).  wsheap_alloc() bumps a pointer
 * through the current chunk; there is no per-object header and no
 * per-object free.  wsheap_reset() forgets every object at once and keeps
 * chunks up to the trim size.
 *
 * The bump itself is inline in wsheap.h, on struct wsheap_bump at the
 * head of struct wsheap; __wsheap_alloc() here does the rest: the checks
 * again, the quota error, the move to another chunk, the debug checks.
 * wsheap_memdup() is inline the same way, a bump and a memcpy(), for
 * callers that copy an entry per iteration with bottom halves off
 * (cfg80211's 6 GHz scan).
 *
 * Growth policy.  A heap starts small and doubles, then grows by 9/8:
 *
 *  - the first chunk is a 256-byte slab object (WSHEAP_FIRST_CHUNK), or
 *    what the first request needs; each next chunk is twice the one
 *    before (the power of two above what the heap holds), up to
 *    WSHEAP_MIN_CHUNK, so that a heap of a few hundred bytes needs two
 *    chunks, not three.  While a heap has handed out less than
 *    WSHEAP_MIN_CHUNK, a chunk is also never so large that the heap
 *    would hold more than twice what it handed out plus
 *    WSHEAP_SMALL_SLACK: a heap of a few small blocks (one per
 *    request, one per message) holds a few hundred bytes, as kmalloc()
 *    would for its blocks, and an atomic heap starts with no high-order
 *    allocation;
 *  - past WSHEAP_MIN_CHUNK a new chunk gets one eighth of the memory the
 *    heap holds already, at least WSHEAP_MIN_CHUNK: a heap of n bytes
 *    needs O(log n) chunks (about 85 for 1 GiB), which keeps allocations
 *    rare and the number of vmalloc areas small (each costs a vmap area
 *    and page tables of its own), and the chunk being filled is at
 *    most a ninth of the heap, so the memory held but not handed out
 *    stays near 12.5% (doubling would allow 100%);
 *  - a chunk never asks for more than the quota has left (rounded up to
 *    what its allocator gives), so a heap with a 256-byte quota holds one
 *    256-byte slab object, not megabytes;
 *  - chunks of up to 16 KiB come from kmalloc(), so that a heap created
 *    for one short job costs a few slab operations, not a vmalloc() and a
 *    vfree(); ACTUAL_SIZE counts the slab object's full size
 *    (kmalloc_size_roundup()), and the chunk uses all of it.
 *
 * A request too large for that size gets a chunk sized to it, with room
 * for the most padding its alignment can need.  Whichever of the current
 * chunk and the new one has more room left becomes the chunk the bump
 * pointer runs through; the other one's tail stays unused until the next
 * reset.
 *
 * Reuse.  Chunks stay on one list in the order they were created, each
 * stamped with a sequence number when it is first carved from after a
 * reset (0: not carved, a spare).  When the current chunk is full, the
 * first spare with room for the request is taken before any new chunk is
 * allocated.  Replaying the allocations of the previous round therefore
 * meets each kept chunk at the point where it was created, so a round that
 * fits the trim size allocates no chunk.
 * Reset walks the chunks in creation order and keeps each one that still
 * fits within the trim size next to those kept before it; it releases the
 * rest.
 *
 * Marks.  A mark is the bump pointer, REQUESTED_SIZE and the last
 * sequence number handed out, with the heap's epoch: a 64-bit number the
 * first mark of each round draws (see wsheap_epoch_draw()), unique
 * module-wide, so one compare refuses a mark of another heap or of an
 * earlier round.  Create and reset only set the epoch to 0, "none drawn":
 * a heap that takes no mark draws none.  Rollback puts the bump
 * pointer back into the chunk that contains it and unstamps every chunk
 * stamped after the mark, which makes them spares for the allocations that
 * follow; no chunk is freed until the next reset.
 *
 * Realloc.  The block of the last allocating call is remembered (the inline
 * path stores it too); only that block can grow or shrink in place.  If it
 * lies in a chunk the bump pointer does not run through (a request too
 * large for the current chunk), that chunk is remembered as well.
 *
 * Concurrency: a heap has no lock; its callers serialise the calls on it,
 * except on a concurrent heap (wsheap_concurrent.c).  What the heaps
 * share, the per-CPU parking (wsheap_cache.c), the epochs and the debugfs
 * list, has its own rules where it is defined.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/align.h>
#include <linux/atomic.h>
#include <linux/bug.h>
#include <linux/device.h>
#include <linux/gfp.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/list.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

/* Here wsheap_alloc() is defined out of line; callers get it inline. */
#define WSHEAP_NO_INLINE
#include "wsheap.h"
#include "wsheap_internal.h"
#include "wsheap_trace.h"

/*
 * The calls that wsheap.h wraps for allocation profiling are defined
 * here, and those made here are no call sites to charge memory to: the
 * caller's tag stays set under them.
 */
#undef wsheap_create
#undef devm_wsheap_create
#undef wsheap_alloc
#undef wsheap_zalloc
#undef wsheap_alloc_aligned
#undef wsheap_realloc
#undef wsheap_memdup
#undef wsheap_strdup
#undef wsheap_vasprintf
#undef wsheap_asprintf

/* A new chunk holds this fraction of what the heap already holds. */
#define WSHEAP_GROWTH_DIVISOR	8

/*
 * The first chunk, header included: a slab class of its own on every
 * architecture, with room for a few typical records (224 bytes to carve).
 */
#define WSHEAP_FIRST_CHUNK	256

/*
 * While a heap has handed out less than WSHEAP_MIN_CHUNK, it holds at most
 * twice that plus this many bytes: two first chunks' worth, for the header
 * of each chunk and the tail a request that does not fit leaves behind.
 */
#define WSHEAP_SMALL_SLACK	512

/*
 * Larger payloads are refused before any arithmetic, so that adding the
 * header and rounding to a page cannot wrap and every chunk size fits in a
 * ptrdiff_t (and in should_fail()'s ssize_t).  vmalloc() could not provide
 * anything near this size anyway.
 */
#define WSHEAP_MAX_CHUNK	(SIZE_MAX / 2 - 2 * PAGE_SIZE)

/**
 * wsheap_chunk_gfp() - the flags a chunk of @bytes is allocated with
 * @bytes: size of the chunk, header included
 * @gfp: the heap's flags
 *
 * A chunk above WSHEAP_SLAB_CHUNK_MAX also gets __GFP_RETRY_MAYFAIL: it
 * is vmalloc()'d, megabytes for a heap that keeps growing, and the driver
 * is better served by -ENOMEM than by the OOM killer.  Slab chunks keep
 * the plain flags: __GFP_RETRY_MAYFAIL would make them fail where a
 * kmalloc() of the same size does not, after longer reclaim stalls.
 * Exported only to the KUnit suite.
 *
 * Context: Any.
 * Return: the flags.
 */
WSHEAP_VISIBLE_FOR_TEST gfp_t wsheap_chunk_gfp(size_t bytes, gfp_t gfp)
{
	if (bytes > WSHEAP_SLAB_CHUNK_MAX)
		return gfp | __GFP_RETRY_MAYFAIL;
	return gfp;
}
EXPORT_SYMBOL_IF_WSHEAP_TEST(wsheap_chunk_gfp);

/*
 * vmalloc() on a node: no kernel exports __vmalloc_node() to modules, and
 * vmalloc_node() allocates with GFP_KERNEL only (no __GFP_NOWARN, no
 * __GFP_ACCOUNT).  kvmalloc_node() takes the heap's flags; it tries
 * kmalloc() first, so wsheap_chunk_alloc() sizes a placed chunk for
 * either.
 */
static void *wsheap_vmalloc_node(size_t bytes, gfp_t gfp, int node)
{
	if (node == NUMA_NO_NODE)
		return __vmalloc_noprof(bytes, gfp);
	return kvmalloc_node_noprof(bytes, gfp, node);
}

/**
 * __wsheap_chunk_mem_alloc() - allocate the memory of one chunk
 * @bytes: size of the chunk, header included, as wsheap_chunk_bytes() gives
 * @gfp: the heap's flags: its GFP with __GFP_NOWARN, and __GFP_ACCOUNT for
 *	an accounted heap; wsheap_chunk_gfp() adds to them
 * @node: the heap's NUMA node, or NUMA_NO_NODE
 * @standby: the heap's standby, while it holds no chunk; else NULL
 *
 * The standby is taken when it is of @bytes and the heap is not placed;
 * otherwise it goes to this CPU's slots (wsheap_cache.c).  Then comes the
 * slot of @bytes.  A chunk of up to WSHEAP_SLAB_CHUNK_MAX bytes comes
 * from kmalloc(); a multi-page one that the page allocator cannot give at
 * once, and every larger one, from vmalloc().  An atomic heap's chunks
 * all come from kmalloc(), which cannot give more than KMALLOC_MAX_SIZE.
 * @bytes is already what the allocator gives.  Exported only to the KUnit
 * suite, whose ledger allocates through it.
 *
 * Context: Any context @gfp allows.
 * Return: the memory, or NULL; never warns.
 */
WSHEAP_VISIBLE_FOR_TEST
void *__wsheap_chunk_mem_alloc(size_t bytes, gfp_t gfp, int node,
			       struct wsheap_chunk **standby)
{
	void *mem;

	if (wsheap_should_fail(bytes))
		return NULL;
	if (standby) {
		mem = wsheap_cache_take_standby(standby, bytes, gfp, node);
		if (mem)
			return mem;
	}
	if (node == NUMA_NO_NODE) {
		mem = wsheap_cache_take_chunk(bytes, gfp);
		if (mem)
			return mem;
	}
	if (wsheap_gfp_is_atomic(gfp))
		return bytes <= KMALLOC_MAX_SIZE ?
		       wsheap_slab_alloc(bytes, gfp, node) : NULL;
	if (bytes <= PAGE_SIZE)
		return wsheap_slab_alloc(bytes, gfp, node);
	if (bytes <= WSHEAP_SLAB_CHUNK_MAX) {
		/* as kvmalloc(): try contiguous pages once, then vmalloc */
		mem = wsheap_slab_alloc(bytes, gfp | __GFP_NORETRY, node);
		if (mem)
			return mem;
	}
	return wsheap_vmalloc_node(bytes, wsheap_chunk_gfp(bytes, gfp), node);
}
EXPORT_SYMBOL_IF_WSHEAP_TEST(__wsheap_chunk_mem_alloc);

/**
 * wsheap_chunk_mem_alloc() - get the memory of one chunk
 * @bytes: as __wsheap_chunk_mem_alloc()
 * @gfp: as __wsheap_chunk_mem_alloc()
 * @node: as __wsheap_chunk_mem_alloc()
 * @standby: as __wsheap_chunk_mem_alloc()
 *
 * All backing memory is acquired here and released by
 * wsheap_chunk_mem_free(), nowhere else, so that fault injection and the
 * KUnit stubs see every chunk of either kind.  Exported only to the KUnit
 * suite.
 *
 * Context: Any context @gfp allows.
 * Return: the memory, or NULL; never warns.
 */
WSHEAP_VISIBLE_FOR_TEST
void *wsheap_chunk_mem_alloc(size_t bytes, gfp_t gfp, int node,
			     struct wsheap_chunk **standby)
{
	KUNIT_STATIC_STUB_REDIRECT(wsheap_chunk_mem_alloc, bytes, gfp, node,
				   standby);

	return __wsheap_chunk_mem_alloc(bytes, gfp, node, standby);
}
EXPORT_SYMBOL_IF_WSHEAP_TEST(wsheap_chunk_mem_alloc);

/**
 * __wsheap_chunk_mem_free() - release the memory of one chunk
 * @mem: what __wsheap_chunk_mem_alloc() returned, its header intact
 * @gfp: the flags it was allocated with
 * @standby: the standby of a heap object that wsheap_free() may park,
 *	which may keep the chunk for the next heap in that object; NULL when
 *	the chunk leaves a heap that lives on
 *
 * A slab chunk stays as the standby when there is none yet, or is parked
 * in this CPU's slot for the next heap (wsheap_cache.c); anything else is
 * freed.  Exported only to the KUnit suite, whose ledger frees through it.
 *
 * Context: Any context for a slab chunk, the only kind an atomic heap
 * has; process context for a vmalloc()'d one.
 */
WSHEAP_VISIBLE_FOR_TEST
void __wsheap_chunk_mem_free(void *mem, gfp_t gfp,
			     struct wsheap_chunk **standby)
{
	if (standby && wsheap_cache_keep_standby(standby, mem, gfp))
		return;
	if (!wsheap_cache_park_chunk(mem, gfp))
		kvfree(mem);
}
EXPORT_SYMBOL_IF_WSHEAP_TEST(__wsheap_chunk_mem_free);

/**
 * wsheap_chunk_mem_free() - give back the memory of one chunk
 * @mem: what wsheap_chunk_mem_alloc() returned, its header intact
 * @gfp: the flags it was allocated with
 * @standby: as __wsheap_chunk_mem_free()
 *
 * Exported only to the KUnit suite.
 * Context: As __wsheap_chunk_mem_free().
 */
WSHEAP_VISIBLE_FOR_TEST
void wsheap_chunk_mem_free(void *mem, gfp_t gfp,
			   struct wsheap_chunk **standby)
{
	KUNIT_STATIC_STUB_REDIRECT(wsheap_chunk_mem_free, mem, gfp, standby);

	__wsheap_chunk_mem_free(mem, gfp, standby);
}
EXPORT_SYMBOL_IF_WSHEAP_TEST(wsheap_chunk_mem_free);

/**
 * wsheap_object_alloc() - get a heap object: this CPU's parked one, or one
 *	zeroed from the slab
 * @size: its size, wsheap_object_size() of the heap
 * @gfp: the heap's flags, so that an accounted heap charges its object too
 *
 * Separate from wsheap_create() so that the KUnit suite, the only user of
 * the export, can make it fail and see its flags.  A parked object keeps
 * the fields of its last heap (wsheap_create() sets them all but the
 * standby) and its place in the debugfs listing.
 *
 * Context: Any context @gfp allows.
 * Return: the object, or NULL.
 */
WSHEAP_VISIBLE_FOR_TEST
struct wsheap *wsheap_object_alloc(size_t size, gfp_t gfp)
{
	struct wsheap *heap;

	KUNIT_STATIC_STUB_REDIRECT(wsheap_object_alloc, size, gfp);

	if (size == sizeof(*heap)) {
		heap = wsheap_cache_take_object(gfp);
		if (heap)
			return heap;
	}
	return wsheap_slab_alloc(size, gfp | __GFP_ZERO, NUMA_NO_NODE);
}
EXPORT_SYMBOL_IF_WSHEAP_TEST(wsheap_object_alloc);

/*
 * The heap object goes to this CPU's slot with its standby, still in the
 * debugfs listing, or off the listing and back to the slab.
 */
static void wsheap_object_free(struct wsheap *heap)
{
	if (heap->concurrent)
		wsheap_concurrent_destroy(heap);
	else if (wsheap_cache_park_object(heap))
		return;
	wsheap_cache_drop_standby(&heap->standby, heap->gfp);
	wsheap_stats_unlist(heap);
	kfree(heap);
}

/*
 * The field a heap that holds no chunk keeps its standby in holds the
 * stray once it has chunks: forget that, and only that.
 */
static void wsheap_forget_stray(struct wsheap *heap)
{
	if (!list_empty(&heap->chunks))
		heap->stray = NULL;
}

/* The standby a new chunk may be, while the heap holds none; else NULL. */
static struct wsheap_chunk **wsheap_standby_of(struct wsheap *heap)
{
	return list_empty(&heap->chunks) ? &heap->standby : NULL;
}

static char *wsheap_chunk_start(struct wsheap_chunk *chunk)
{
	return (char *)chunk + WSHEAP_CHUNK_HDR;
}

static char *wsheap_chunk_end(struct wsheap_chunk *chunk)
{
	return (char *)chunk + chunk->bytes;
}

static size_t wsheap_chunk_room(struct wsheap_chunk *chunk)
{
	return chunk->bytes - WSHEAP_CHUNK_HDR;
}

/* Bytes left in the current chunk; 0 when there is none. */
static size_t wsheap_room(const struct wsheap *heap)
{
	return heap->fast.limit - heap->fast.bump;
}

/*
 * What kmalloc() gives for @bytes.  Every power of two from
 * KMALLOC_MIN_SIZE up is a size kmalloc() gives as it is (a kmalloc cache
 * of its own, or whole pages), so it needs no lookup: the first chunk of
 * a small heap, whose quota is a power of two, skips a call.
 */
static size_t wsheap_slab_size(size_t bytes)
{
	if (is_power_of_2(bytes) && bytes >= KMALLOC_MIN_SIZE)
		return bytes;
	return kmalloc_size_roundup(bytes);
}

/* The payload of the next chunk of a heap that holds @actual bytes. */
static size_t wsheap_growth_payload(size_t actual)
{
	if (actual < WSHEAP_MIN_CHUNK)
		return max_t(size_t, roundup_pow_of_two(actual + 1),
			     WSHEAP_FIRST_CHUNK) - WSHEAP_CHUNK_HDR;
	return max_t(size_t, actual / WSHEAP_GROWTH_DIVISOR,
		     WSHEAP_MIN_CHUNK - WSHEAP_CHUNK_HDR);
}

/*
 * The largest payload whose chunk keeps a small heap (@requested + @size
 * under WSHEAP_MIN_CHUNK) within twice what it hands out, plus the slack;
 * 0 when no chunk does.  KASAN builds count each block twice: a block is
 * followed by a redzone of up to its own size.  A power of two, so that
 * the slab class its payload rounds up to stays within the bound.
 */
static size_t wsheap_small_payload(size_t actual, size_t requested,
				   size_t size)
{
	size_t bound = ((requested + size) << (WSHEAP_REDZONE ? 2 : 1)) +
		       WSHEAP_SMALL_SLACK;

	if (bound <= actual + WSHEAP_CHUNK_HDR)
		return 0;
	return rounddown_pow_of_two(bound - actual) - WSHEAP_CHUNK_HDR;
}

/**
 * wsheap_chunk_bytes() - the size of the next chunk under the growth policy
 * @actual: chunk memory the heap holds already
 * @requested: bytes the heap has handed out (REQUESTED_SIZE)
 * @quota_left: bytes the quota still allows
 * @size: the request the chunk must hold
 *
 * Exported only to the KUnit suite.
 * Context: Any.
 * Return: bytes of the chunk, header included and rounded up to what its
 * allocator really gives (a slab object size, or whole pages), or 0 when
 * no chunk can be that large.
 */
WSHEAP_VISIBLE_FOR_TEST size_t wsheap_chunk_bytes(size_t actual,
						  size_t requested,
						  size_t quota_left, size_t size)
{
	size_t payload = wsheap_growth_payload(actual);
	size_t bytes;

	if (requested < WSHEAP_MIN_CHUNK &&
	    size < WSHEAP_MIN_CHUNK - requested)
		payload = min(payload,
			      wsheap_small_payload(actual, requested, size));
	payload = max(min(payload, quota_left), size);
	if (payload > WSHEAP_MAX_CHUNK)
		return 0;
	/*
	 * A slab chunk is the class its payload rounds up to, the header
	 * taken out of the payload: a 1 KiB quota gets a 1 KiB object (992
	 * bytes to carve), not a 2 KiB one for the header's sake, and a heap
	 * whose trim equals its quota keeps that chunk at every reset.  Only
	 * @size itself must fit whole.
	 */
	if (payload <= WSHEAP_SLAB_CHUNK_MAX) {
		bytes = wsheap_slab_size(payload);
		if (bytes >= size + WSHEAP_CHUNK_HDR)
			return bytes;
	}
	bytes = payload + WSHEAP_CHUNK_HDR;
	/* Past a page both kinds give whole pages: a fallback keeps bytes. */
	if (bytes <= WSHEAP_SLAB_CHUNK_MAX)
		return wsheap_slab_size(bytes);
	return PAGE_ALIGN(bytes);
}
EXPORT_SYMBOL_IF_WSHEAP_TEST(wsheap_chunk_bytes);

/*
 * An atomic heap's chunk of @bytes, for a request that needs @size: what
 * kmalloc() gives for it (whole page orders past a few pages), at most
 * KMALLOC_MAX_SIZE; 0 when @size itself does not fit that.  A placed
 * heap's large chunks come from kvmalloc_node(), which may also give
 * whole page orders: they are rounded the same way, so that ACTUAL_SIZE
 * counts what either allocator gives.
 */
static size_t wsheap_atomic_chunk_bytes(size_t bytes, size_t size)
{
	if (bytes <= WSHEAP_SLAB_CHUNK_MAX)
		return bytes;
	if (size > KMALLOC_MAX_SIZE - WSHEAP_CHUNK_HDR)
		return 0;
	return kmalloc_size_roundup(min_t(size_t, bytes, KMALLOC_MAX_SIZE));
}

/*
 * A new chunk for a request that needs @size bytes of room, in a heap that
 * has handed out @requested bytes.
 */
static struct wsheap_chunk *wsheap_chunk_alloc(struct wsheap *heap,
					       size_t requested, size_t size)
{
	size_t bytes = wsheap_chunk_bytes(heap->actual, requested,
					  heap->fast.max_size - requested,
					  size);
	struct wsheap_chunk *chunk;

	if (bytes && wsheap_heap_is_atomic(heap))
		bytes = wsheap_atomic_chunk_bytes(bytes, size);
	else if (bytes > WSHEAP_SLAB_CHUNK_MAX && heap->node != NUMA_NO_NODE)
		bytes = kmalloc_size_roundup(bytes);
	if (!bytes)
		return NULL;
	chunk = wsheap_chunk_mem_alloc(bytes, heap->gfp, heap->node,
				       wsheap_standby_of(heap));
	if (!chunk)
		return NULL;
	chunk->bytes = bytes;
	chunk->seq = 0;
	wsheap_kasan_new_chunk(wsheap_chunk_start(chunk),
			       wsheap_chunk_room(chunk));
	list_add_tail(&chunk->node, &heap->chunks);
	WRITE_ONCE(heap->actual, heap->actual + bytes);
	wsheap_stats_chunks(heap, 1);
	trace_wsheap_chunk_alloc(heap, chunk);
	return chunk;
}

/*
 * Give a chunk's memory back, traced; @standby as wsheap_chunk_mem_free().
 * wsheap_free() calls it alone: the list, ACTUAL_SIZE and the statistics
 * die with the heap.
 */
static void wsheap_chunk_drop(struct wsheap *heap, struct wsheap_chunk *chunk,
			      struct wsheap_chunk **standby)
{
	trace_wsheap_chunk_free(heap, chunk);
	wsheap_chunk_mem_free(chunk, heap->gfp, standby);
}

/* A chunk leaves a heap that lives on (a reset's trim). */
static void wsheap_chunk_release(struct wsheap *heap,
				 struct wsheap_chunk *chunk)
{
	list_del(&chunk->node);
	WRITE_ONCE(heap->actual, heap->actual - chunk->bytes);
	wsheap_stats_chunks(heap, -1);
	wsheap_chunk_drop(heap, chunk, NULL);
}

/* Make a carved chunk a spare; KASAN builds poison what it handed out. */
static void wsheap_chunk_take_back(struct wsheap_chunk *chunk)
{
	if (!chunk->seq)
		return;
	wsheap_kasan_take_back(wsheap_chunk_start(chunk),
			       wsheap_chunk_room(chunk));
	chunk->seq = 0;
}

/*
 * Room a new chunk needs for @size bytes at @align: the padding before the
 * block depends on where its payload starts, so count the most it can be.
 */
static size_t wsheap_room_needed(size_t size, size_t align)
{
	return size + align - WSHEAP_ALIGN + WSHEAP_REDZONE;
}

/*
 * Does a block of @size at @align fit at the start of @chunk?  The padding
 * counted is what the block needs there, not the worst case: a reserve's
 * guarantee counts only the padding a block really takes.
 */
static bool wsheap_chunk_fits(struct wsheap_chunk *chunk, size_t size,
			      size_t align)
{
	char *start = wsheap_chunk_start(chunk);
	size_t pad = PTR_ALIGN(start, align) - start;
	size_t room = wsheap_chunk_room(chunk);

	return pad <= room && wsheap_fits(size, room - pad);
}

/*
 * The first spare chunk (kept by a reset or handed back by a rollback)
 * with room for @size bytes at @align.
 */
static struct wsheap_chunk *wsheap_chunk_find_spare(struct wsheap *heap,
						    size_t size, size_t align)
{
	struct wsheap_chunk *chunk;

	list_for_each_entry(chunk, &heap->chunks, node)
		if (!chunk->seq && wsheap_chunk_fits(chunk, size, align))
			return chunk;
	return NULL;
}

/*
 * The current chunk, @cur (heap->fast, or a concurrent heap's copy of its
 * shared bump pointer), cannot hold @size at @align: carve it from a spare
 * or a new chunk, and keep the bump pointer in whichever chunk then has
 * more room.  The block is remembered as a stray when it stays behind.
 */
void *wsheap_alloc_slow(struct wsheap *heap, struct wsheap_bump *cur,
			size_t size, size_t align)
{
	size_t needed = wsheap_room_needed(size, align);
	struct wsheap_chunk *chunk;
	char *obj, *next;

	/* align <= PAGE_SIZE: only a huge size the quota allows can wrap */
	if (needed < size)
		return NULL;
	chunk = wsheap_chunk_find_spare(heap, size, align);
	if (!chunk)
		chunk = wsheap_chunk_alloc(heap, cur->requested, needed);
	if (!chunk)
		return NULL;

	chunk->seq = ++heap->carves;
	obj = PTR_ALIGN(wsheap_chunk_start(chunk), align);
	/* padding + footprint <= room: no wrap. */
	next = obj + wsheap_footprint(size);
	/*
	 * On a tie the new chunk becomes current: a block that fills it
	 * exactly then leaves a bump pointer at its end, where a later
	 * zero-byte block still lands without new memory.
	 */
	if ((size_t)(wsheap_chunk_end(chunk) - next) >=
	    (size_t)(cur->limit - cur->bump)) {
		cur->bump = next;
		cur->limit = wsheap_chunk_end(chunk);
		heap->stray = NULL;
	} else {
		heap->stray = chunk;
	}
	return obj;
}

/*
 * Epochs make every (heap, round) pair unique: 64-bit on every
 * architecture, never 0 (a zeroed mark, and "none drawn"), and no value
 * comes twice in 2^64 draws.  Each CPU hands out the numbers of a batch
 * it took from one module-wide counter, as get_next_ino() does, so that
 * marks on different CPUs write a common cache line once per
 * WSHEAP_EPOCH_BATCH draws.  Interrupts are off for the draw: an atomic
 * heap's mark may come from one that interrupts another draw here.
 */
#define WSHEAP_EPOCH_BATCH	1024

static DEFINE_PER_CPU(u64, wsheap_epoch_last);
static atomic64_t wsheap_epoch_batches = ATOMIC64_INIT(0);

static u64 wsheap_epoch_draw(void)
{
	unsigned long flags;
	u64 *last, epoch;

	local_irq_save(flags);
	last = this_cpu_ptr(&wsheap_epoch_last);
	epoch = *last + 1;
	if (unlikely(!(*last % WSHEAP_EPOCH_BATCH) || !epoch))
		epoch = atomic64_fetch_add(WSHEAP_EPOCH_BATCH,
					   &wsheap_epoch_batches) + 1;
	*last = epoch;
	local_irq_restore(flags);
	return epoch;
}

/**
 * wsheap_epoch_set_last() - set this CPU's last epoch drawn (KUnit only)
 * @last: the value; the next draw on this CPU gives @last + 1, or the
 *	start of a new batch when that is 0 or @last ends a batch
 *
 * For the cases at 2^32 and at the wrap to 0.  The caller keeps its CPU
 * (migrate_disable()) until its mark has drawn.
 */
WSHEAP_VISIBLE_FOR_TEST void wsheap_epoch_set_last(u64 last)
{
	this_cpu_write(wsheap_epoch_last, last);
}
EXPORT_SYMBOL_IF_WSHEAP_TEST(wsheap_epoch_set_last);

/*
 * The reserve is the heap's first chunk, allocated here and never released
 * before wsheap_free() (wsheap_trim() keeps it): every round starts with
 * the bump pointer in it, so a round whose blocks add up to @reserve
 * bytes fits it.  KASAN builds put a redzone of up to the block's own
 * rounded size after each block, hence twice the bytes.
 */
static bool wsheap_reserve_alloc(struct wsheap *heap, size_t reserve)
{
	size_t needed = reserve;

	if (WSHEAP_REDZONE) {
		if (reserve > WSHEAP_MAX_CHUNK / 2)
			return false;
		needed = 2 * reserve;
	}
	if (!wsheap_chunk_alloc(heap, 0, needed))
		return false;
	heap->reserve = reserve;
	return true;
}

int wsheap_create(size_t max_size, size_t trim_size,
		  const struct wsheap_property *props, unsigned int prop_count,
		  struct wsheap **heap, struct wsheap_error *error)
{
	struct wsheap_settings set = {
		.gfp = GFP_KERNEL,
		.node = NUMA_NO_NODE,
	};
	struct wsheap *new;
	gfp_t gfp;
	int ret;

	if (!heap)
		return wsheap_fail(error, -EINVAL, "heap pointer is NULL");
	if (prop_count) {
		ret = wsheap_parse_properties(props, prop_count, &set, error);
		if (ret)
			return ret;
	}
	if (!wsheap_gfp_is_atomic(set.gfp))
		might_sleep();

	gfp = set.gfp | WSHEAP_GFP_FLAGS | (set.account ? __GFP_ACCOUNT : 0);
	new = wsheap_object_alloc(wsheap_object_size(&set), gfp);
	if (!new)
		return wsheap_fail(error, -ENOMEM,
				   "out of memory for the heap object");

	/* every field: an object taken from a CPU's slot is not cleared */
	new->fast = (struct wsheap_bump){ .max_size = max_size };
	new->trim_size = trim_size;
	new->actual = 0;
	INIT_LIST_HEAD(&new->chunks);
	/* new->standby: the object's own, NULL in one from the slab */
	new->epoch = 0;
	new->reserve = 0;
	new->carves = 0;
	new->gfp = gfp;
	new->node = set.node;
	new->concurrent = set.concurrent;
	new->name[0] = '\0';
	new->stats = (struct wsheap_stats){};
	if (set.concurrent && wsheap_concurrent_init(new, &set)) {
		wsheap_object_free(new);
		return wsheap_fail(error, -ENOMEM,
				   "out of memory for the per-CPU slices");
	}
	if (set.name)
		strscpy(new->name, set.name, sizeof(new->name));
	if (set.reserve && !wsheap_reserve_alloc(new, set.reserve)) {
		wsheap_object_free(new);
		return wsheap_fail(error, -ENOMEM,
				   "out of memory for the reserve");
	}
	wsheap_debug_init(new);
	wsheap_stats_show_heap(new);
	*heap = new;
	return 0;
}
EXPORT_SYMBOL_GPL(wsheap_create);

/* Carve from the current chunk, or NULL when it cannot hold the block. */
static void *wsheap_bump_alloc(struct wsheap *heap, size_t size, size_t align)
{
	char *obj = PTR_ALIGN(heap->fast.bump, align);
	size_t pad = obj - heap->fast.bump;
	size_t room = wsheap_room(heap);

	if (!heap->fast.bump || pad > room || !wsheap_fits(size, room - pad))
		return NULL;
	heap->fast.bump = obj + wsheap_footprint(size);
	return obj;
}

/*
 * A request of @size bytes that the quota (-EDQUOT) or memory (-ENOMEM)
 * refused: counted for debugfs and traced with the call site of the
 * driver (@caller) before the error is described.
 */
int wsheap_refuse(struct wsheap *heap, struct wsheap_error *error, int code,
		  size_t size, unsigned long caller)
{
	trace_wsheap_refuse(heap, code, size, caller);
	wsheap_stats_refused(heap, code);
	return wsheap_fail(error, code, code == -EDQUOT ?
			   "heap quota exceeded" :
			   "out of memory for a heap chunk");
}

/*
 * Quota, then the bump pointer, then the slow path.  Only @size counts
 * against the quota, never the padding before an aligned block.  Every
 * allocating call comes here (realloc when it copies); a concurrent
 * heap's go on in wsheap_concurrent.c.
 */
static int wsheap_carve(struct wsheap *heap, size_t size, size_t align,
			void **ptr, struct wsheap_error *error,
			unsigned long caller)
{
	void *obj;

	if (heap->concurrent)
		return wsheap_concurrent_alloc(heap, size, align, ptr, error,
					       caller);
	if (size > heap->fast.max_size - heap->fast.requested)
		return wsheap_refuse(heap, error, -EDQUOT, size, caller);

	if (wsheap_zero_size_ptr_fits(size, align)) {
		obj = ZERO_SIZE_PTR;
	} else {
		obj = wsheap_bump_alloc(heap, size, align);
		if (!obj)
			obj = wsheap_alloc_slow(heap, &heap->fast, size,
						align);
		if (!obj)
			return wsheap_refuse(heap, error, -ENOMEM, size,
					     caller);
		wsheap_sanitize_hand_out(obj, size);
	}

	heap->fast.requested += size;
	heap->fast.last = obj == ZERO_SIZE_PTR ? NULL : obj;
	*ptr = obj;
	return 0;
}

/* The checks every allocating call shares: arguments, then misuse. */
static int wsheap_check_call(struct wsheap *heap, const void *out,
			     struct wsheap_error *error, bool shared)
{
	if (!heap)
		return wsheap_fail(error, -EINVAL, "heap is NULL");
	if (!out)
		return wsheap_fail(error, -EINVAL, "output pointer is NULL");
	if (!(shared ? wsheap_enter_shared(heap) : wsheap_enter(heap)))
		return wsheap_fail(error, -EINVAL, WSHEAP_MISUSE_MSG);
	return 0;
}

/* An allocation call: with others at once on a concurrent heap. */
static int wsheap_enter_alloc(struct wsheap *heap, const void *out,
			      struct wsheap_error *error)
{
	return wsheap_check_call(heap, out, error, true);
}

/* Mark or rollback: alone in the heap, with its bump pointer. */
static int wsheap_enter_exclusive(struct wsheap *heap, const void *out,
				  struct wsheap_error *error)
{
	int ret = wsheap_check_call(heap, out, error, false);

	if (!ret)
		wsheap_concurrent_exclusive(heap, true);
	return ret;
}

static void wsheap_leave_exclusive(struct wsheap *heap)
{
	wsheap_concurrent_exclusive(heap, false);
	wsheap_leave(heap);
}

/* @caller: where the driver called in, for the refusal tracepoint */
static int wsheap_alloc_common(struct wsheap *heap, size_t size,
			       size_t align, void **ptr,
			       struct wsheap_error *error, unsigned long caller)
{
	int ret;

	ret = wsheap_enter_alloc(heap, ptr, error);
	if (ret)
		return ret;
	ret = wsheap_carve(heap, size, align, ptr, error, caller);
	wsheap_leave_shared(heap);
	return ret;
}

int __wsheap_alloc(struct wsheap *heap, size_t size, void **ptr,
		   struct wsheap_error *error)
{
	wsheap_might_sleep(heap);

	return wsheap_alloc_common(heap, size, WSHEAP_ALIGN, ptr, error,
				   _RET_IP_);
}
EXPORT_SYMBOL_GPL(__wsheap_alloc);

int wsheap_alloc(struct wsheap *heap, size_t size, void **ptr,
		 struct wsheap_error *error)
{
	wsheap_might_sleep(heap);

	return wsheap_alloc_common(heap, size, WSHEAP_ALIGN, ptr, error,
				   _RET_IP_);
}
EXPORT_SYMBOL_GPL(wsheap_alloc);

int wsheap_zalloc(struct wsheap *heap, size_t size, void **ptr,
		  struct wsheap_error *error)
{
	int ret;

	wsheap_might_sleep(heap);

	ret = wsheap_alloc_common(heap, size, WSHEAP_ALIGN, ptr, error,
				  _RET_IP_);
	if (!ret)
		memset(*ptr, 0, size);
	return ret;
}
EXPORT_SYMBOL_GPL(wsheap_zalloc);

int wsheap_alloc_aligned(struct wsheap *heap, size_t size, size_t align,
			 void **ptr, struct wsheap_error *error)
{
	wsheap_might_sleep(heap);

	if (!is_power_of_2(align) || align > PAGE_SIZE)
		return wsheap_fail(error, -EINVAL,
				   "align is not a power of two up to PAGE_SIZE");
	return wsheap_alloc_common(heap, size,
				   max_t(size_t, align, WSHEAP_ALIGN), ptr,
				   error, _RET_IP_);
}
EXPORT_SYMBOL_GPL(wsheap_alloc_aligned);

/*
 * The last block lies in the stray chunk: that chunk holds no other
 * block, since a chunk is carved from its start only while it is a spare.
 */
static bool wsheap_is_stray(const struct wsheap *heap, const char *last)
{
	struct wsheap_chunk *chunk = heap->stray;

	return chunk && last >= wsheap_chunk_start(chunk) &&
	       last < wsheap_chunk_end(chunk);
}

/*
 * Where the block of the last allocating call may grow to, or NULL when
 * @old is not that block.
 */
static char *wsheap_last_limit(const struct wsheap *heap, const void *old)
{
	if (!old || old != heap->fast.last)
		return NULL;
	return wsheap_is_stray(heap, old) ? wsheap_chunk_end(heap->stray) :
					    heap->fast.limit;
}

/*
 * Resize the last block where it is, up to @limit; false when that lacks
 * room for the block and its redzone.
 */
static bool wsheap_resize_in_place(struct wsheap *heap, char *old,
				   char *limit, size_t old_size,
				   size_t new_size)
{
	if (!wsheap_fits(new_size, limit - old))
		return false;
	if (!wsheap_is_stray(heap, old))
		heap->fast.bump = old + wsheap_footprint(new_size);
	if (new_size < old_size) {
		wsheap_stats_peak(heap);
		wsheap_kasan_take_back(old + ALIGN(new_size, WSHEAP_ALIGN),
				       ALIGN(old_size, WSHEAP_ALIGN) -
				       ALIGN(new_size, WSHEAP_ALIGN));
	}
	wsheap_sanitize_resize(old, old_size, new_size);
	heap->fast.requested = heap->fast.requested - old_size + new_size;
	return true;
}

static int wsheap_realloc_locked(struct wsheap *heap, void *old,
				 size_t old_size, size_t new_size, void **ptr,
				 struct wsheap_error *error, unsigned long caller)
{
	char *limit;
	void *obj;
	int ret;

	/* a caller bug that would wrap REQUESTED_SIZE below zero */
	if (old && old_size > heap->fast.requested)
		return wsheap_fail(error, -EINVAL,
				   "old_size is larger than REQUESTED_SIZE");
	limit = wsheap_last_limit(heap, old);
	if (limit && new_size > old_size &&
	    new_size - old_size > heap->fast.max_size - heap->fast.requested)
		return wsheap_refuse(heap, error, -EDQUOT,
				     new_size - old_size, caller);
	if (limit &&
	    wsheap_resize_in_place(heap, old, limit, old_size, new_size)) {
		*ptr = old;
		return 0;
	}

	ret = wsheap_carve(heap, new_size, WSHEAP_ALIGN, &obj, error, caller);
	if (ret)
		return ret;
	if (old)
		memcpy(obj, old, min(old_size, new_size));
	*ptr = obj;
	return 0;
}

int wsheap_realloc(struct wsheap *heap, void *old, size_t old_size,
		   size_t new_size, void **ptr, struct wsheap_error *error)
{
	int ret;

	wsheap_might_sleep(heap);

	ret = wsheap_enter_alloc(heap, ptr, error);
	if (ret)
		return ret;
	if (heap->concurrent)
		ret = wsheap_concurrent_realloc(heap, old, old_size, new_size,
						ptr, error, _RET_IP_);
	else
		ret = wsheap_realloc_locked(heap, old, old_size, new_size,
					    ptr, error, _RET_IP_);
	wsheap_leave_shared(heap);
	return ret;
}
EXPORT_SYMBOL_GPL(wsheap_realloc);

static int wsheap_memdup_from(struct wsheap *heap, const void *src,
			      size_t len, void **ptr,
			      struct wsheap_error *error, unsigned long caller)
{
	int ret;

	if (!src)
		return wsheap_fail(error, -EINVAL, "src is NULL");
	ret = wsheap_alloc_common(heap, len, WSHEAP_ALIGN, ptr, error, caller);
	if (!ret)
		memcpy(*ptr, src, len);
	return ret;
}

int __wsheap_memdup(struct wsheap *heap, const void *src, size_t len,
		    void **ptr, struct wsheap_error *error)
{
	wsheap_might_sleep(heap);

	return wsheap_memdup_from(heap, src, len, ptr, error, _RET_IP_);
}
EXPORT_SYMBOL_GPL(__wsheap_memdup);

int wsheap_memdup(struct wsheap *heap, const void *src, size_t len,
		  void **ptr, struct wsheap_error *error)
{
	wsheap_might_sleep(heap);

	return wsheap_memdup_from(heap, src, len, ptr, error, _RET_IP_);
}
EXPORT_SYMBOL_GPL(wsheap_memdup);

int wsheap_strdup(struct wsheap *heap, const char *s, char **str,
		  struct wsheap_error *error)
{
	wsheap_might_sleep(heap);

	if (!s)
		return wsheap_fail(error, -EINVAL, "string is NULL");
	if (!str)
		return wsheap_fail(error, -EINVAL, "output pointer is NULL");
	return wsheap_memdup_from(heap, s, strlen(s) + 1, (void **)str, error,
				  _RET_IP_);
}
EXPORT_SYMBOL_GPL(wsheap_strdup);

static __printf(4, 0)
int wsheap_vasprintf_from(struct wsheap *heap, char **str,
			  struct wsheap_error *error, const char *fmt,
			  va_list args, unsigned long caller)
{
	va_list measure;
	size_t len;
	char *obj;
	int ret;

	if (!fmt)
		return wsheap_fail(error, -EINVAL, "format is NULL");
	ret = wsheap_enter_alloc(heap, str, error);
	if (ret)
		return ret;
	va_copy(measure, args);
	len = vsnprintf(NULL, 0, fmt, measure) + 1;
	va_end(measure);
	ret = wsheap_carve(heap, len, WSHEAP_ALIGN, (void **)&obj, error,
			   caller);
	if (!ret) {
		vsnprintf(obj, len, fmt, args);
		*str = obj;
	}
	wsheap_leave_shared(heap);
	return ret;
}

int wsheap_vasprintf(struct wsheap *heap, char **str,
		     struct wsheap_error *error, const char *fmt, va_list args)
{
	wsheap_might_sleep(heap);

	return wsheap_vasprintf_from(heap, str, error, fmt, args, _RET_IP_);
}
EXPORT_SYMBOL_GPL(wsheap_vasprintf);

int wsheap_asprintf(struct wsheap *heap, char **str,
		    struct wsheap_error *error, const char *fmt, ...)
{
	va_list args;
	int ret;

	wsheap_might_sleep(heap);

	va_start(args, fmt);
	ret = wsheap_vasprintf_from(heap, str, error, fmt, args, _RET_IP_);
	va_end(args);
	return ret;
}
EXPORT_SYMBOL_GPL(wsheap_asprintf);

/* The fields of struct wsheap_mark. */
enum {
	WSHEAP_MARK_EPOCH,
	WSHEAP_MARK_BUMP,
	WSHEAP_MARK_REQUESTED,
	WSHEAP_MARK_CARVES,
};

int wsheap_mark(struct wsheap *heap, struct wsheap_mark *mark,
		struct wsheap_error *error)
{
	int ret;

	wsheap_might_sleep(heap);

	ret = wsheap_enter_exclusive(heap, mark, error);
	if (ret)
		return ret;
	if (!heap->epoch)
		heap->epoch = wsheap_epoch_draw();
	mark->priv[WSHEAP_MARK_EPOCH] = heap->epoch;
	mark->priv[WSHEAP_MARK_BUMP] = (uintptr_t)heap->fast.bump;
	mark->priv[WSHEAP_MARK_REQUESTED] = heap->fast.requested;
	mark->priv[WSHEAP_MARK_CARVES] = heap->carves;
	/*
	 * A mark ends realloc's in-place window: a block resized in place
	 * after the mark could otherwise straddle it, and a rollback would
	 * silently undo the resize.
	 */
	heap->fast.last = NULL;
	wsheap_forget_stray(heap);
	wsheap_leave_exclusive(heap);
	return 0;
}
EXPORT_SYMBOL_GPL(wsheap_mark);

/*
 * The chunk, carved from before the mark, that holds @bump.  A bump pointer
 * lies past its chunk's header and may sit at its very end, so the test is
 * (chunk, end]: adjacent chunks cannot both match.
 */
static struct wsheap_chunk *wsheap_mark_chunk(struct wsheap *heap,
					      const char *bump,
					      unsigned long carves)
{
	struct wsheap_chunk *chunk;

	list_for_each_entry(chunk, &heap->chunks, node)
		if (chunk->seq && chunk->seq <= carves &&
		    bump > (char *)chunk && bump <= wsheap_chunk_end(chunk))
			return chunk;
	return NULL;
}

/* Chunks first carved from after the mark become spares again. */
static void wsheap_unstamp_after(struct wsheap *heap, unsigned long carves)
{
	struct wsheap_chunk *chunk;

	list_for_each_entry(chunk, &heap->chunks, node)
		if (chunk->seq > carves)
			wsheap_chunk_take_back(chunk);
	heap->carves = carves;
}

static int wsheap_rollback_locked(struct wsheap *heap,
				  const struct wsheap_mark *mark,
				  struct wsheap_error *error)
{
	char *bump = (char *)(uintptr_t)mark->priv[WSHEAP_MARK_BUMP];
	unsigned long carves = mark->priv[WSHEAP_MARK_CARVES];
	struct wsheap_chunk *chunk = NULL;

	/* epoch 0: no mark taken in this round, so this one is older */
	if (!heap->epoch || mark->priv[WSHEAP_MARK_EPOCH] != heap->epoch)
		return wsheap_fail(error, -EINVAL,
				   "mark is of another heap or before the last reset");
	if (bump) {
		chunk = wsheap_mark_chunk(heap, bump, carves);
		if (!chunk)
			return wsheap_fail(error, -EINVAL,
					   "mark was discarded by a rollback");
	}
	wsheap_stats_peak(heap);
	wsheap_unstamp_after(heap, carves);
	heap->fast.bump = bump;
	heap->fast.limit = chunk ? wsheap_chunk_end(chunk) : NULL;
	if (chunk)
		wsheap_kasan_take_back(bump, wsheap_room(heap));
	heap->fast.requested = mark->priv[WSHEAP_MARK_REQUESTED];
	heap->fast.last = NULL;
	wsheap_forget_stray(heap);
	return 0;
}

int wsheap_rollback(struct wsheap *heap, const struct wsheap_mark *mark,
		    struct wsheap_error *error)
{
	int ret;

	wsheap_might_sleep(heap);

	ret = wsheap_enter_exclusive(heap, mark, error);
	if (ret)
		return ret;
	ret = wsheap_rollback_locked(heap, mark, error);
	wsheap_leave_exclusive(heap);
	return ret;
}
EXPORT_SYMBOL_GPL(wsheap_rollback);

/* Keep, in creation order, each chunk that still fits in the trim size. */
static void wsheap_trim(struct wsheap *heap)
{
	struct wsheap_chunk *chunk, *next;
	size_t kept = 0;

	wsheap_forget_stray(heap);
	list_for_each_entry_safe(chunk, next, &heap->chunks, node) {
		/* the reserve, first in the list, stays whatever the trim */
		if ((heap->reserve && !kept) ||
		    (kept <= heap->trim_size &&
		     chunk->bytes <= heap->trim_size - kept)) {
			kept += chunk->bytes;
			wsheap_chunk_take_back(chunk);
		} else {
			wsheap_chunk_release(heap, chunk);
		}
	}
	heap->fast.bump = NULL;
	heap->fast.limit = NULL;
	heap->fast.requested = 0;
	heap->fast.last = NULL;
	heap->carves = 0;
	heap->epoch = 0;
}

int wsheap_reset(struct wsheap *heap, struct wsheap_error *error)
{
	size_t requested;

	wsheap_might_sleep(heap);

	if (!heap)
		return wsheap_fail(error, -EINVAL, "heap is NULL");
	if (!wsheap_enter(heap))
		return wsheap_fail(error, -EINVAL, WSHEAP_MISUSE_MSG);
	wsheap_concurrent_exclusive(heap, true);
	requested = heap->fast.requested;
	wsheap_stats_reset(heap);
	wsheap_trim(heap);
	trace_wsheap_reset(heap, requested, heap->actual);
	wsheap_leave_exclusive(heap);
	return 0;
}
EXPORT_SYMBOL_GPL(wsheap_reset);

void wsheap_free(struct wsheap *heap)
{
	struct wsheap_chunk *chunk, *next, **standby;

	wsheap_might_sleep(heap);

	if (!heap || !wsheap_enter(heap))
		return;
	wsheap_debug_poison(heap);
	wsheap_stats_hide_heap(heap);
	wsheap_forget_stray(heap);
	/* the first small chunk may stay with the object as its standby */
	standby = heap->concurrent ? NULL : &heap->standby;
	list_for_each_entry_safe(chunk, next, &heap->chunks, node)
		wsheap_chunk_drop(heap, chunk, standby);
	wsheap_object_free(heap);
}
EXPORT_SYMBOL_GPL(wsheap_free);

static void devm_wsheap_release(struct device *dev, void *res)
{
	wsheap_free(*(struct wsheap **)res);
}

/*
 * The devres entry is allocated first, so that a failure after the heap
 * exists cannot happen and *heap is set only when both are in place.
 */
int devm_wsheap_create(struct device *dev, size_t max_size, size_t trim_size,
		       const struct wsheap_property *props,
		       unsigned int prop_count, struct wsheap **heap,
		       struct wsheap_error *error)
{
	struct wsheap **res;
	int ret;

	might_sleep();

	if (!dev)
		return wsheap_fail(error, -EINVAL, "dev is NULL");
	if (!heap)
		return wsheap_fail(error, -EINVAL, "heap pointer is NULL");
	res = devres_alloc(devm_wsheap_release, sizeof(*res),
			   GFP_KERNEL | __GFP_NOWARN);
	if (!res)
		return wsheap_fail(error, -ENOMEM,
				   "out of memory for the devres entry");
	ret = wsheap_create(max_size, trim_size, props, prop_count, res,
			    error);
	if (ret) {
		devres_free(res);
		return ret;
	}
	devres_add(dev, res);
	*heap = *res;
	return 0;
}
EXPORT_SYMBOL_GPL(devm_wsheap_create);

static int __init wsheap_init(void)
{
	wsheap_fault_init();
	wsheap_cache_init();
	wsheap_debugfs_init();
	return 0;
}

static void __exit wsheap_exit(void)
{
	wsheap_debugfs_exit();
	wsheap_fault_exit();
	wsheap_cache_exit();
}

module_init(wsheap_init);
module_exit(wsheap_exit);

MODULE_LICENSE("GPL");
MODULE_VERSION(WSHEAP_VERSION);
MODULE_DESCRIPTION("Arena heaps: bump allocation with reset, after WsCreateHeap");
MODULE_AUTHOR("The wsheap developers");
