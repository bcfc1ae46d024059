// SPDX-License-Identifier: GPL-2.0
/*
 * wsheap - heap objects and small chunks parked on each CPU
 *
 * A driver that makes one heap per request (a message, an ioctl) creates
 * and frees heaps as often as it allocates.  Each CPU therefore keeps the
 * heap object and the small chunks that the last wsheap_free() on it gave
 * back, one chunk per size class, and the next wsheap_create() and chunks
 * on that CPU take them: a short-lived heap costs no slab call at all once
 * its CPU has run one like it, where it would cost an allocation and a
 * free per object and chunk.  The idea is kernel/bpf/memalloc.c's, cut
 * down to one slot per object kind and size.
 *
 * Each CPU has a set of slots per context: task, softirq and hard
 * interrupt.  A context is never interrupted by one of its own kind on
 * the same CPU, so with preemption off a set is used by one caller at a
 * time: a slot is read and written with plain loads and stores, no
 * atomic and no interrupt masking (which costs as much as the slab call
 * on some machines), and heaps on different CPUs touch different slots.
 * NMI context does not park.
 *
 * A parked heap object also keeps the first small chunk of its last heap,
 * as its standby: the next heap created in the object takes it for its
 * first chunk when that has the same size, with no slot to look up and no
 * park at free.  A short-lived heap goes to the slots for its object
 * alone, not for its chunk too.  A heap that has taken no chunk yet holds
 * its standby in the field that becomes its stray (struct wsheap); the
 * standby is no chunk of the heap's, and ACTUAL_SIZE does not count it.
 * A first chunk of another size, and a placed heap's, sends it to the
 * slots.
 *
 * What is never parked: the memory of an ACCOUNT heap (its memcg charge
 * would follow it to another cgroup's heap), vmalloc()'d chunks and
 * chunks above WSHEAP_SLAB_CHUNK_MAX.  A chunk is taken only for a request
 * of exactly its size, from the slot of its power-of-two class; a park
 * into a full slot frees the older memory.  A set of slots holds at most
 * a heap object with its standby and a chunk per class, about 48 KiB.
 * The slots of a CPU that goes offline keep their memory until module
 * exit.
 *
 * A parked heap object stays in the debugfs listing (wsheap_debugfs.c),
 * marked as holding no heap; it leaves it when it goes back to the slab.
 *
 * KASAN builds poison what is parked, all but its first WSHEAP_CHUNK_HDR
 * bytes (a chunk's header, which says its size; kfree() checks the first
 * byte) and a heap object's listing, so that a block or heap used after
 * its heap's wsheap_free() is still reported.
 */
#include <linux/bitops.h>
#include <linux/gfp.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/slab.h>

#include "wsheap_internal.h"

#ifdef WSHEAP_TEST_EXPORTS
#include <kunit/static_stub.h>
#else
#define KUNIT_STATIC_STUB_REDIRECT(...) do {} while (0)
#endif

/* Chunk slots: one per power of two from 64 bytes to WSHEAP_SLAB_CHUNK_MAX. */
#define WSHEAP_CACHE_MIN_SHIFT	6
#define WSHEAP_CACHE_CLASSES	(ilog2(WSHEAP_SLAB_CHUNK_MAX) - \
				 WSHEAP_CACHE_MIN_SHIFT + 1)

/* Task, softirq and hard interrupt: see wsheap_cache_get(). */
#define WSHEAP_CACHE_CONTEXTS	3

struct wsheap_cpu_cache {
	struct wsheap *object;
	struct wsheap_chunk *chunks[WSHEAP_CACHE_CLASSES];
};

static DEFINE_PER_CPU(struct wsheap_cpu_cache [WSHEAP_CACHE_CONTEXTS],
		      wsheap_cpu_caches);

/*
 * This CPU's slots for the context we run in, preemption off until
 * wsheap_cache_put(); NULL in NMI context.
 */
static __always_inline struct wsheap_cpu_cache *wsheap_cache_get(void)
{
	unsigned int context;

	if (in_nmi())
		return NULL;
	context = in_hardirq() ? 2 : in_serving_softirq() ? 1 : 0;
	preempt_disable();
	return this_cpu_ptr(&wsheap_cpu_caches[context]);
}

static __always_inline void wsheap_cache_put(void)
{
	preempt_enable();
}

/* The slot of a chunk of @bytes, at most WSHEAP_SLAB_CHUNK_MAX. */
static unsigned int wsheap_chunk_class(size_t bytes)
{
	unsigned int shift = fls_long(bytes - 1);

	return shift > WSHEAP_CACHE_MIN_SHIFT ?
	       shift - WSHEAP_CACHE_MIN_SHIFT : 0;
}

/**
 * wsheap_slab_alloc() - kmalloc() for heap objects and slab chunks
 * @bytes: size of the object
 * @gfp: allocation flags
 * @node: NUMA node, or NUMA_NO_NODE
 *
 * The one place wsheap asks the slab for memory, so that the KUnit suite
 * can count what the per-CPU slots save.  Exported only to the suite
 * (the core calls it from wsheap.c).
 *
 * Context: Any context @gfp allows.
 * Return: the memory, or NULL.
 */
void *wsheap_slab_alloc(size_t bytes, gfp_t gfp, int node)
{
	KUNIT_STATIC_STUB_REDIRECT(wsheap_slab_alloc, bytes, gfp, node);

	return kmalloc_node(bytes, gfp, node);
}
EXPORT_SYMBOL_IF_WSHEAP_TEST(wsheap_slab_alloc);

/* Memory of heaps with this flag is charged to a memcg: never shared. */
static bool wsheap_cache_may_hold(gfp_t gfp)
{
	return !(gfp & __GFP_ACCOUNT);
}

/* A slab chunk of a heap whose memory may be shared. */
static bool wsheap_cache_may_hold_chunk(struct wsheap_chunk *chunk, gfp_t gfp)
{
	/* a chunk of up to a page is always a slab object: no call to ask */
	return wsheap_cache_may_hold(gfp) &&
	       chunk->bytes <= WSHEAP_SLAB_CHUNK_MAX &&
	       (chunk->bytes <= PAGE_SIZE || !is_vmalloc_addr(chunk));
}

/* Poison a parked heap object but its listing, which debugfs reads. */
static void wsheap_cache_poison_object(struct wsheap *heap)
{
	wsheap_kasan_park(heap, WSHEAP_OBJECT_STATE);
}

static void wsheap_cache_free_chunk(struct wsheap_chunk *chunk)
{
	wsheap_kasan_unpark(chunk, chunk->bytes);
	kfree(chunk);
}

/*
 * A heap object leaves the slots for good, with its standby: off the
 * listing, to the slab.
 */
static void wsheap_cache_free_object(struct wsheap *heap)
{
	wsheap_kasan_unpark(heap, sizeof(*heap));
	if (heap->standby)
		wsheap_cache_free_chunk(heap->standby);
	wsheap_stats_unlist(heap);
	kfree(heap);
}

/**
 * wsheap_cache_take_object() - this CPU's parked heap object, if any
 * @gfp: the new heap's flags
 *
 * Context: Any.
 * Return: a heap object, its fields those of the heap it held (the
 * caller sets them all but the standby, which is the new heap's) and its
 * listing intact, or NULL when there is none to take.
 */
struct wsheap *wsheap_cache_take_object(gfp_t gfp)
{
	struct wsheap_cpu_cache *cache;
	struct wsheap *heap;

	if (!wsheap_cache_may_hold(gfp))
		return NULL;
	cache = wsheap_cache_get();
	if (!cache)
		return NULL;
	heap = cache->object;
	cache->object = NULL;
	wsheap_cache_put();
	if (!heap)
		return NULL;
	wsheap_kasan_unpark(heap, sizeof(*heap));
	return heap;
}

/**
 * wsheap_cache_park_object() - give a freed heap object to this CPU
 * @heap: a heap object no longer in use, with its flags still set
 *
 * Context: Any.
 * Return: true when the object is parked; false when the caller must
 * free it.
 */
bool wsheap_cache_park_object(struct wsheap *heap)
{
	struct wsheap_cpu_cache *cache;
	struct wsheap *old;

	if (!wsheap_cache_may_hold(heap->gfp))
		return false;
	cache = wsheap_cache_get();
	if (!cache)
		return false;
	wsheap_cache_poison_object(heap);
	old = cache->object;
	cache->object = heap;
	wsheap_cache_put();
	if (old)
		wsheap_cache_free_object(old);
	return true;
}

/**
 * wsheap_cache_take_chunk() - this CPU's parked chunk of @bytes, if any
 * @bytes: size of the chunk wanted, header included
 * @gfp: the heap's flags
 *
 * Context: Any.
 * Return: the chunk's memory (its header to be rewritten), or NULL.
 */
void *wsheap_cache_take_chunk(size_t bytes, gfp_t gfp)
{
	struct wsheap_chunk **slot, *chunk = NULL;
	struct wsheap_cpu_cache *cache;

	if (!wsheap_cache_may_hold(gfp) || bytes > WSHEAP_SLAB_CHUNK_MAX)
		return NULL;
	cache = wsheap_cache_get();
	if (!cache)
		return NULL;
	slot = &cache->chunks[wsheap_chunk_class(bytes)];
	/* another size of the class stays for a heap that wants it */
	if (*slot && (*slot)->bytes == bytes) {
		chunk = *slot;
		*slot = NULL;
	}
	wsheap_cache_put();
	if (chunk)
		wsheap_kasan_unpark(chunk, bytes);
	return chunk;
}

/**
 * wsheap_cache_park_chunk() - give a released chunk to this CPU
 * @mem: the chunk, its header's @bytes still valid
 * @gfp: the flags of the heap it belonged to
 *
 * Context: Any.
 * Return: true when the chunk is parked; false when the caller must free
 * it.
 */
bool wsheap_cache_park_chunk(void *mem, gfp_t gfp)
{
	struct wsheap_chunk *chunk = mem, **slot, *old;
	struct wsheap_cpu_cache *cache;

	if (!wsheap_cache_may_hold_chunk(chunk, gfp))
		return false;
	cache = wsheap_cache_get();
	if (!cache)
		return false;
	wsheap_kasan_park(chunk, chunk->bytes);
	slot = &cache->chunks[wsheap_chunk_class(chunk->bytes)];
	old = *slot;
	*slot = chunk;
	wsheap_cache_put();
	if (old)
		wsheap_cache_free_chunk(old);
	return true;
}

/**
 * wsheap_cache_keep_standby() - keep a chunk with the heap object it leaves
 * @standby: the standby of a heap object wsheap_free() may park
 * @mem: a chunk of that heap, its header's @bytes still valid
 * @gfp: the heap's flags
 *
 * Context: Any.
 * Return: true when the chunk is the standby now; false when the object
 * has one already or the chunk may not be parked, and the caller parks
 * or frees it.
 */
bool wsheap_cache_keep_standby(struct wsheap_chunk **standby, void *mem,
			       gfp_t gfp)
{
	struct wsheap_chunk *chunk = mem;

	if (*standby || !wsheap_cache_may_hold_chunk(chunk, gfp))
		return false;
	wsheap_kasan_park(chunk, chunk->bytes);
	*standby = chunk;
	return true;
}

/**
 * wsheap_cache_take_standby() - a heap's standby as its first chunk
 * @standby: the standby of a heap that holds no chunk yet
 * @bytes: size of the chunk wanted, header included
 * @gfp: the heap's flags
 * @node: the heap's NUMA node, or NUMA_NO_NODE
 *
 * A standby of another size, or any for a placed heap, goes to this CPU's
 * slots (or back to the slab where it cannot park): the heap's later
 * chunks come from there or the slab.
 *
 * Context: Any.
 * Return: the chunk's memory (its header to be rewritten), or NULL.
 */
void *wsheap_cache_take_standby(struct wsheap_chunk **standby, size_t bytes,
				gfp_t gfp, int node)
{
	struct wsheap_chunk *chunk = *standby;

	if (!chunk)
		return NULL;
	if (chunk->bytes != bytes || node != NUMA_NO_NODE) {
		wsheap_cache_drop_standby(standby, gfp);
		return NULL;
	}
	*standby = NULL;
	wsheap_kasan_unpark(chunk, bytes);
	return chunk;
}

/**
 * wsheap_cache_drop_standby() - send a heap object's standby to the slots
 * @standby: the standby, if any, of a heap object
 * @gfp: the flags of its heap
 *
 * For a heap whose first chunk is not the standby, and for an object that
 * goes back to the slab.
 *
 * Context: Any.
 */
void wsheap_cache_drop_standby(struct wsheap_chunk **standby, gfp_t gfp)
{
	struct wsheap_chunk *chunk = *standby;

	if (!chunk)
		return;
	*standby = NULL;
	/* parked already: a slot keeps it poisoned, the slab unpoisoned */
	if (!wsheap_cache_park_chunk(chunk, gfp))
		wsheap_cache_free_chunk(chunk);
}

/**
 * wsheap_cache_drain() - free what every CPU holds parked
 *
 * Context: Module exit, when no heap is left.
 */
void wsheap_cache_drain(void)
{
	struct wsheap_cpu_cache *cache;
	unsigned int context, class;
	int cpu;

	for_each_possible_cpu(cpu) {
		for (context = 0; context < WSHEAP_CACHE_CONTEXTS; context++) {
			cache = per_cpu_ptr(&wsheap_cpu_caches[context], cpu);
			if (cache->object)
				wsheap_cache_free_object(cache->object);
			for (class = 0; class < WSHEAP_CACHE_CLASSES; class++)
				if (cache->chunks[class])
					wsheap_cache_free_chunk(cache->chunks[class]);
		}
	}
}
