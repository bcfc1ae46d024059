// SPDX-License-Identifier: GPL-2.0
/*
 * wsheap - one parked heap object and one parked chunk per CPU
 *
 * A driver that makes one heap per request (a message, an ioctl) creates
 * and frees heaps as often as it allocates.  Each CPU therefore keeps the
 * heap object and the small chunk that the last wsheap_free() on it gave
 * back, and the next wsheap_create() and first chunk on that CPU take
 * them: a short-lived heap that fits one small chunk costs no slab call at
 * all once its CPU has run one, where it would cost two allocations and
 * two frees.  The idea is kernel/bpf/memalloc.c's, cut down to one slot:
 * a slot is written with this_cpu_xchg(), which is safe against an
 * interrupt on the same CPU, so any context may take or park, and heaps
 * on different CPUs touch different slots (no shared cache line).
 *
 * What is never parked: the memory of an ACCOUNT heap (its memcg charge
 * would follow it to another cgroup's heap), vmalloc()'d chunks and
 * chunks above WSHEAP_SLAB_CHUNK_MAX.  A chunk is taken only for a request
 * of exactly its size; a park into a full slot frees the older memory, so
 * a CPU holds at most one heap object and one chunk of up to 16 KiB.  The
 * slots of a CPU that goes offline keep their memory until module exit.
 *
 * KASAN builds poison what is parked, all but its first WSHEAP_CHUNK_HDR
 * bytes (a chunk's header, which says its size; kfree() checks the first
 * byte), so that a block used after its heap's wsheap_free() is still
 * reported.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "wsheap_internal.h"

#ifdef WSHEAP_TEST_EXPORTS
#include <kunit/static_stub.h>
#else
#define KUNIT_STATIC_STUB_REDIRECT(...) do {} while (0)
#endif

struct wsheap_cpu_cache {
	struct wsheap *object;
	struct wsheap_chunk *chunk;
};

static DEFINE_PER_CPU(struct wsheap_cpu_cache, wsheap_cpu_cache);

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

/**
 * wsheap_cache_take_object() - this CPU's parked heap object, if any
 * @gfp: the new heap's flags
 *
 * Context: Any.
 * Return: a zeroed heap object, or NULL when there is none to take.
 */
struct wsheap *wsheap_cache_take_object(gfp_t gfp)
{
	struct wsheap *heap;

	if (!wsheap_cache_may_hold(gfp))
		return NULL;
	heap = this_cpu_xchg(wsheap_cpu_cache.object, NULL);
	if (!heap)
		return NULL;
	wsheap_kasan_unpark(heap, sizeof(*heap));
	memset(heap, 0, sizeof(*heap));
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
	struct wsheap *old;

	if (!wsheap_cache_may_hold(heap->gfp))
		return false;
	wsheap_kasan_park(heap, sizeof(*heap));
	old = this_cpu_xchg(wsheap_cpu_cache.object, heap);
	if (old) {
		wsheap_kasan_unpark(old, sizeof(*old));
		kfree(old);
	}
	return true;
}

/**
 * wsheap_cache_take_chunk() - this CPU's parked chunk, if it has @bytes
 * @bytes: size of the chunk wanted, header included
 * @gfp: the heap's flags
 *
 * Context: Any.
 * Return: the chunk's memory (its header to be rewritten), or NULL.
 */
void *wsheap_cache_take_chunk(size_t bytes, gfp_t gfp)
{
	struct wsheap_chunk *chunk;

	if (!wsheap_cache_may_hold(gfp) || bytes > WSHEAP_SLAB_CHUNK_MAX)
		return NULL;
	chunk = this_cpu_xchg(wsheap_cpu_cache.chunk, NULL);
	if (!chunk)
		return NULL;
	if (chunk->bytes == bytes) {
		wsheap_kasan_unpark(chunk, bytes);
		return chunk;
	}
	/* Another size: leave it for a heap that wants it. */
	wsheap_cache_park_chunk(chunk, gfp);
	return NULL;
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
	struct wsheap_chunk *chunk = mem, *old;

	if (!wsheap_cache_may_hold(gfp) || is_vmalloc_addr(mem) ||
	    chunk->bytes > WSHEAP_SLAB_CHUNK_MAX)
		return false;
	wsheap_kasan_park(chunk, chunk->bytes);
	old = this_cpu_xchg(wsheap_cpu_cache.chunk, chunk);
	if (old) {
		wsheap_kasan_unpark(old, old->bytes);
		kfree(old);
	}
	return true;
}

/**
 * wsheap_cache_drain() - free what every CPU holds parked
 *
 * Context: Module exit, when no heap is left.
 */
void wsheap_cache_drain(void)
{
	struct wsheap_cpu_cache *cache;
	int cpu;

	for_each_possible_cpu(cpu) {
		cache = per_cpu_ptr(&wsheap_cpu_cache, cpu);
		if (cache->object) {
			wsheap_kasan_unpark(cache->object,
					    sizeof(*cache->object));
			kfree(cache->object);
		}
		if (cache->chunk) {
			wsheap_kasan_unpark(cache->chunk, cache->chunk->bytes);
			kfree(cache->chunk);
		}
	}
}
