// SPDX-License-Identifier: GPL-2.0
/**
 * DOC: heap objects and small chunks parked on each CPU
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
 * would follow it to another cgroup's heap), vmalloc()'d chunks, chunks
 * above WSHEAP_SLAB_CHUNK_MAX, and anything in a kernel built with
 * allocation profiling (its charge would stay with the call site that
 * took it).  A chunk is taken only for a request
 * of exactly its size, from the slot of its power-of-two class; a park
 * into a full slot frees the older memory.  A set of slots holds at most
 * a heap object with its standby and a chunk per class, about 48 KiB.
 *
 * Parked memory goes back.  A shrinker counts what every CPU holds parked
 * and, under memory pressure or on a drop_caches, empties every online
 * CPU's slots: a work item on each CPU takes each set out of reach of its
 * context's users (preemption, softirqs, then interrupts off, in turn),
 * then frees what it took.  The slots of a CPU that goes offline are
 * freed by a CPU-hotplug callback once it is dead, and nothing else can
 * reach them.  /sys/kernel/debug/wsheap/parked shows what each CPU holds
 * ("cpu items bytes").
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
#include <linux/cpuhotplug.h>
#include <linux/gfp.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "wsheap_internal.h"

/* Chunk slots: one per power of two from 64 bytes to WSHEAP_SLAB_CHUNK_MAX. */
#define WSHEAP_CACHE_MIN_SHIFT	6
#define WSHEAP_CACHE_CLASSES	(ilog2(WSHEAP_SLAB_CHUNK_MAX) - \
				 WSHEAP_CACHE_MIN_SHIFT + 1)

/* Task, softirq and hard interrupt: see wsheap_cache_get(). */
#define WSHEAP_CACHE_CONTEXTS	3

/*
 * One CPU's slots for one context.  Protected by: that context on that
 * CPU, with preemption off (wsheap_cache_get()), and nothing else, but for
 * the shrinker's work item and the CPU-hotplug callback, which take the
 * set out of its users' reach first.
 */
struct wsheap_cpu_cache {
	struct wsheap *object;
	struct wsheap_chunk *chunks[WSHEAP_CACHE_CLASSES];
	/*
	 * What the set holds, for readers on other CPUs (debugfs, the
	 * shrinker's count), which must not touch parked memory: written by
	 * the set's users, read with READ_ONCE().
	 */
	unsigned long parked;		/* objects, standbys and chunks */
	size_t parked_bytes;		/* their slab sizes */
	/* @object's share of those: its memory is poisoned while parked */
	unsigned int object_items;
	size_t object_bytes;
};

/* The slab size of a heap object that may park (set at init). */
static size_t wsheap_cache_object_bytes;

static void wsheap_cache_count_in(struct wsheap_cpu_cache *cache, long n,
				  long bytes)
{
	WRITE_ONCE(cache->parked, cache->parked + n);
	WRITE_ONCE(cache->parked_bytes, cache->parked_bytes + bytes);
}

/* @heap, with its standby, is now the set's object; it was @old. */
static void wsheap_cache_count_object(struct wsheap_cpu_cache *cache,
				      struct wsheap *heap)
{
	wsheap_cache_count_in(cache, -(long)cache->object_items,
			      -(long)cache->object_bytes);
	cache->object_items = 0;
	cache->object_bytes = 0;
	if (!heap)
		return;
	cache->object_items = 1 + !!heap->standby;
	cache->object_bytes = wsheap_cache_object_bytes +
			      (heap->standby ? heap->standby->bytes : 0);
	wsheap_cache_count_in(cache, cache->object_items,
			      cache->object_bytes);
}

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

	return kmalloc_node_noprof(bytes, gfp, node);
}
EXPORT_SYMBOL_IF_WSHEAP_TEST(wsheap_slab_alloc);

/*
 * Memory of heaps with this flag is charged to a memcg: never shared.
 * With allocation profiling, every object and chunk is charged to the
 * call site that took it (see wsheap.h), which a later heap would not
 * change, and the kernel warns of a module unloaded with bytes charged to
 * it: nothing is parked, so that a driver's bytes go back with its heaps.
 * Kernels built with profiling park nothing even while it is off: a
 * module cannot ask (mem_alloc_profiling_key is not exported).
 */
static bool wsheap_cache_may_hold(gfp_t gfp)
{
	return !(gfp & __GFP_ACCOUNT) &&
	       !IS_ENABLED(CONFIG_MEM_ALLOC_PROFILING) &&
	       !wsheap_ablated(WSHEAP_ABLATE_SLOTS);
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
	if (heap)
		wsheap_cache_count_object(cache, NULL);
	wsheap_cache_put();
	if (heap)
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
	old = cache->object;
	wsheap_cache_count_object(cache, heap);
	wsheap_cache_poison_object(heap);
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
		wsheap_cache_count_in(cache, -1, -(long)bytes);
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
	slot = &cache->chunks[wsheap_chunk_class(chunk->bytes)];
	old = *slot;
	if (old)
		wsheap_cache_count_in(cache, -1, -(long)old->bytes);
	wsheap_cache_count_in(cache, 1, chunk->bytes);
	wsheap_kasan_park(chunk, chunk->bytes);
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

	if (*standby || wsheap_ablated(WSHEAP_ABLATE_STANDBY) ||
	    !wsheap_cache_may_hold_chunk(chunk, gfp))
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

/*
 * Free what a set of slots held, taken out of every user's reach.
 * Return: how many objects, standbys and chunks that was.
 */
static unsigned long wsheap_cache_free_set(struct wsheap_cpu_cache *set)
{
	unsigned int class;

	if (set->object)
		wsheap_cache_free_object(set->object);
	for (class = 0; class < WSHEAP_CACHE_CLASSES; class++)
		if (set->chunks[class])
			wsheap_cache_free_chunk(set->chunks[class]);
	return set->parked;
}

/* Move a set's contents to @to, leaving it empty. */
static void wsheap_cache_take_set(struct wsheap_cpu_cache *set,
				  struct wsheap_cpu_cache *to)
{
	*to = *set;
	set->object = NULL;
	memset(set->chunks, 0, sizeof(set->chunks));
	set->object_items = 0;
	set->object_bytes = 0;
	WRITE_ONCE(set->parked, 0);
	WRITE_ONCE(set->parked_bytes, 0);
}

/*
 * Empty this CPU's slots, each set with its context's users kept out: a
 * task's by preemption off, a softirq's by softirqs off, an interrupt's
 * by interrupts off.  What was taken is freed with all of them on.
 */
static unsigned long wsheap_cache_empty_this_cpu(void)
{
	struct wsheap_cpu_cache taken[WSHEAP_CACHE_CONTEXTS];
	unsigned long flags, freed = 0;
	unsigned int context;

	preempt_disable();
	wsheap_cache_take_set(this_cpu_ptr(&wsheap_cpu_caches[0]), &taken[0]);
	preempt_enable();
	local_bh_disable();
	wsheap_cache_take_set(this_cpu_ptr(&wsheap_cpu_caches[1]), &taken[1]);
	local_bh_enable();
	local_irq_save(flags);
	wsheap_cache_take_set(this_cpu_ptr(&wsheap_cpu_caches[2]), &taken[2]);
	local_irq_restore(flags);
	for (context = 0; context < WSHEAP_CACHE_CONTEXTS; context++)
		freed += wsheap_cache_free_set(&taken[context]);
	return freed;
}

/*
 * Each CPU's work item empties the slots of the CPU it runs on: that is
 * its own but for a CPU going offline meanwhile, whose work may run on
 * another (the hotplug callback frees the dead CPU's slots).  The items
 * run on a reclaim workqueue, as the shrinker waits for them.
 */
static struct workqueue_struct *wsheap_cache_wq;
static DEFINE_PER_CPU(struct work_struct, wsheap_cache_empty_work);
static atomic_long_t wsheap_cache_freed;	/* by the items of a scan */

static void wsheap_cache_empty_fn(struct work_struct *work)
{
	atomic_long_add(wsheap_cache_empty_this_cpu(), &wsheap_cache_freed);
}

/**
 * wsheap_cache_parked() - what a CPU holds parked
 * @cpu: the CPU
 * @bytes: set to the slab sizes of its parked heap objects and chunks
 *
 * A snapshot, exact only while no heap is created or freed on @cpu: for
 * debugfs and the shrinker's count.
 *
 * Context: Any.
 * Return: the number of parked heap objects, standbys and chunks.
 */
unsigned long wsheap_cache_parked(unsigned int cpu, size_t *bytes)
{
	struct wsheap_cpu_cache *set;
	unsigned long n = 0;
	unsigned int context;

	*bytes = 0;
	for (context = 0; context < WSHEAP_CACHE_CONTEXTS; context++) {
		set = per_cpu_ptr(&wsheap_cpu_caches[context], cpu);
		n += READ_ONCE(set->parked);
		*bytes += READ_ONCE(set->parked_bytes);
	}
	return n;
}
EXPORT_SYMBOL_IF_WSHEAP_TEST(wsheap_cache_parked);

/*
 * wsheap_cache_count() - the shrinker's count: parked objects and chunks
 * @shrinker: unused
 * @sc: unused: parked memory is on no node and in no memcg of its own
 *
 * Context: Any, as the shrinker core calls it.
 * Return: how many there are, or SHRINK_EMPTY.
 */
WSHEAP_VISIBLE_FOR_TEST unsigned long wsheap_cache_count(struct shrinker *shrinker,
							 struct shrink_control *sc)
{
	unsigned long n = 0;
	size_t bytes;
	int cpu;

	for_each_possible_cpu(cpu)
		n += wsheap_cache_parked(cpu, &bytes);
	return n ?: SHRINK_EMPTY;
}
EXPORT_SYMBOL_IF_WSHEAP_TEST(wsheap_cache_count);

/* One emptying at a time: a second scan meanwhile stops at once. */
static DEFINE_MUTEX(wsheap_cache_scan_lock);

/*
 * wsheap_cache_scan() - the shrinker's scan: empty every online CPU's slots
 * @shrinker: unused
 * @sc: how much the caller wants freed; all is freed whatever it says
 *
 * A parked chunk or object serves only the next heap on its CPU; under
 * memory pressure they all go, each CPU's in a work item on that CPU.
 *
 * Context: Process context; sleeps until every CPU's work has run.
 * Return: how many objects and chunks were freed, or SHRINK_STOP when
 * another scan is under way.
 */
WSHEAP_VISIBLE_FOR_TEST unsigned long wsheap_cache_scan(struct shrinker *shrinker,
							struct shrink_control *sc)
{
	unsigned long freed;
	int cpu;

	/*
	 * No cpus_read_lock(): a CPU being plugged may reclaim while it holds
	 * the hotplug lock.  A CPU that comes online meanwhile keeps what it
	 * parks until the next scan.
	 */
	if (!mutex_trylock(&wsheap_cache_scan_lock))
		return SHRINK_STOP;
	atomic_long_set(&wsheap_cache_freed, 0);
	for_each_online_cpu(cpu)
		queue_work_on(cpu, wsheap_cache_wq,
			      per_cpu_ptr(&wsheap_cache_empty_work, cpu));
	for_each_online_cpu(cpu)
		flush_work(per_cpu_ptr(&wsheap_cache_empty_work, cpu));
	freed = atomic_long_read(&wsheap_cache_freed);
	mutex_unlock(&wsheap_cache_scan_lock);
	return freed;
}
EXPORT_SYMBOL_IF_WSHEAP_TEST(wsheap_cache_scan);

/* Free the slots of @cpu, which is dead or never ran: no user is left. */
static unsigned long wsheap_cache_empty_cpu(unsigned int cpu)
{
	struct wsheap_cpu_cache taken;
	unsigned long freed = 0;
	unsigned int context;

	for (context = 0; context < WSHEAP_CACHE_CONTEXTS; context++) {
		wsheap_cache_take_set(per_cpu_ptr(&wsheap_cpu_caches[context],
						  cpu), &taken);
		freed += wsheap_cache_free_set(&taken);
	}
	return freed;
}

static int wsheap_cache_cpu_dead(unsigned int cpu)
{
	wsheap_cache_empty_cpu(cpu);
	return 0;
}

static struct shrinker *wsheap_cache_shrinker;

#ifndef SHRINKER_ALLOCATED
/*
 * Before 6.7 (no SHRINKER_ALLOCATED) a shrinker is its user's own object,
 * registered by name and never freed: the calls of later kernels, on the
 * one shrinker here.
 */
static struct shrinker wsheap_cache_shrinker_object = {
	.seeks = DEFAULT_SEEKS,
};

static struct shrinker *shrinker_alloc(unsigned int flags, const char *name)
{
	return &wsheap_cache_shrinker_object;
}

static void shrinker_register(struct shrinker *shrinker)
{
	if (register_shrinker(shrinker, "wsheap-parked"))
		pr_warn("wsheap: no shrinker: parked memory goes back only at unload\n");
}

static void shrinker_free(struct shrinker *shrinker)
{
	if (shrinker)
		unregister_shrinker(shrinker);
}
#endif
static int wsheap_cache_hp_state;

/**
 * wsheap_cache_init() - register the shrinker and the CPU-hotplug callback
 *
 * Without them wsheap still works: parked memory then stays until the
 * CPU goes offline or the module is unloaded.
 *
 * Context: Module init.
 */
void __init wsheap_cache_init(void)
{
	int cpu;

	wsheap_cache_object_bytes = kmalloc_size_roundup(sizeof(struct wsheap));
	for_each_possible_cpu(cpu)
		INIT_WORK(per_cpu_ptr(&wsheap_cache_empty_work, cpu),
			  wsheap_cache_empty_fn);
	wsheap_cache_hp_state = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN,
							  "wsheap:dead", NULL,
							  wsheap_cache_cpu_dead);
	wsheap_cache_wq = alloc_workqueue("wsheap_parked", WQ_MEM_RECLAIM, 0);
	if (!wsheap_cache_wq)
		return;
	wsheap_cache_shrinker = shrinker_alloc(0, "wsheap-parked");
	if (!wsheap_cache_shrinker)
		return;
	wsheap_cache_shrinker->count_objects = wsheap_cache_count;
	wsheap_cache_shrinker->scan_objects = wsheap_cache_scan;
	shrinker_register(wsheap_cache_shrinker);
}

/**
 * wsheap_cache_exit() - free what every CPU holds parked
 *
 * Context: Module exit, when no heap is left.
 */
void wsheap_cache_exit(void)
{
	int cpu;

	shrinker_free(wsheap_cache_shrinker);
	if (wsheap_cache_wq)
		destroy_workqueue(wsheap_cache_wq);
	if (wsheap_cache_hp_state > 0)
		cpuhp_remove_state_nocalls(wsheap_cache_hp_state);
	for_each_possible_cpu(cpu)
		wsheap_cache_empty_cpu(cpu);
}
