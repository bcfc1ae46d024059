// SPDX-License-Identifier: GPL-2.0
/*
 * wsheap - arena heaps for drivers
 *
 * A heap is a list of chunks, each one vmalloc() area with a small header
 * at its start.  wsheap_alloc() bumps a pointer through the current chunk;
 * there is no per-object header and no per-object free.  wsheap_reset()
 * forgets every object at once and keeps chunks up to the trim size.
 *
 * The bump itself is inline in wsheap.h, on struct wsheap_bump at the
 * head of struct wsheap; __wsheap_alloc() here does the rest: the checks
 * again, the quota error, the move to another chunk, the debug checks.
 *
 * Growth policy.  A new chunk gets one eighth of the memory the heap holds
 * already, at least WSHEAP_MIN_CHUNK, so the heap grows by a factor of
 * 9/8 per chunk:
 *
 *  - a heap of n bytes needs O(log n) chunks (about 85 for 1 GiB), which
 *    keeps vmalloc() calls rare and the number of vmalloc areas small
 *    (tens of thousands of areas exhaust UML's host mappings);
 *  - the chunk being filled is at most a ninth of the heap, so the memory
 *    held but not handed out stays near 12.5% (doubling would allow 100%);
 *  - a chunk never asks for more than the quota has left (rounded up to a
 *    page), so a heap with a 256-byte quota holds one page, not megabytes.
 *
 * A request too large for that size gets a chunk sized to it.  Whichever of
 * the current chunk and the new one has more room left becomes the chunk
 * the bump pointer runs through; the other one's tail stays unused until the
 * next reset.
 *
 * Reuse.  Chunks stay on one list in the order they were created, each
 * marked when it has been carved from since the last reset.  When the
 * current chunk is full, the first unmarked chunk with room for the request
 * is taken before any new one is allocated.  Replaying the allocations of
 * the previous round therefore meets each kept chunk at the point where it
 * was created, so a round that fits the trim size makes no vmalloc() call.
 * Reset walks the chunks in creation order and keeps each one that still
 * fits within the trim size next to those kept before it; it releases the
 * rest.
 *
 * Concurrency: none inside.  Callers serialise the calls on one heap.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/align.h>
#include <linux/atomic.h>
#include <linux/bug.h>
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/fault-inject.h>
#include <linux/gfp.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/list.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

/* Here wsheap_alloc() is defined out of line; callers get it inline. */
#define WSHEAP_NO_INLINE
#include "wsheap.h"
#include "wsheap_internal.h"

#if IS_ENABLED(CONFIG_WSHEAP_KUNIT_TEST)
#include <kunit/static_stub.h>
#else
/* No suite to redirect to (and Linux 6.1 has no static stubs at all). */
#define KUNIT_STATIC_STUB_REDIRECT(...) do {} while (0)
#endif

/*
 * The smallest chunk: four pages carry about a hundred typical small
 * records, so the first vmalloc() is amortised from the start.
 */
#define WSHEAP_MIN_CHUNK	(16 * 1024)

/* A new chunk holds this fraction of what the heap already holds. */
#define WSHEAP_GROWTH_DIVISOR	8

/*
 * Larger payloads are refused before any arithmetic, so that adding the
 * header and rounding to a page cannot wrap and every chunk size fits in a
 * ptrdiff_t (and in should_fail()'s ssize_t).  vmalloc() could not provide
 * anything near this size anyway.
 */
#define WSHEAP_MAX_CHUNK	(SIZE_MAX / 2 - 2 * PAGE_SIZE)

/*
 * Chunk growth may fail rather than wake the OOM killer, and a refused
 * request must not print a warning (callers may run with panic_on_warn).
 */
#define WSHEAP_GFP		(GFP_KERNEL | __GFP_NOWARN | __GFP_RETRY_MAYFAIL)

struct wsheap_chunk {
	struct list_head node;		/* in wsheap->chunks, creation order */
	size_t bytes;			/* the whole vmalloc() area */
	bool carved;			/* handed out from since the last reset */
};

#define WSHEAP_CHUNK_HDR	ALIGN(sizeof(struct wsheap_chunk), WSHEAP_ALIGN)

/*
 * The bump pointer, its limit, the quota and the bytes handed out come
 * first, in struct wsheap_bump, where the inline wsheap_alloc() finds them.
 */
struct wsheap {
	struct wsheap_bump fast;
	size_t trim_size;
	size_t actual;			/* sum of chunk->bytes */
	struct list_head chunks;
#ifdef CONFIG_WSHEAP_DEBUG
	u32 magic;			/* WSHEAP_MAGIC until wsheap_free() */
	atomic_t in_call;		/* a call is inside this heap */
#endif
};

/*
 * Misuse checks.  A heap has no lock, so two calls at once, or a call after
 * wsheap_free(), corrupt it silently.  Debug builds catch both cheaply: a
 * magic number cleared by wsheap_free() and a flag held for the length of
 * each call, at the cost of one atomic exchange and one store per call.
 * A caught call is refused with -EINVAL and reported once.
 */
#define WSHEAP_MISUSE_MSG	"heap already freed or in use by another call"

#ifdef CONFIG_WSHEAP_DEBUG
#define WSHEAP_MAGIC		0x77736870	/* "wshp" */
#define WSHEAP_MAGIC_FREED	0x66726565	/* "free" */

/**
 * wsheap_report_misuse() - report a misused heap, once
 * @heap: the heap
 * @what: what was done wrong
 *
 * Exported only to the KUnit suite, which replaces it to count reports.
 * Context: Any.
 */
VISIBLE_IF_KUNIT void wsheap_report_misuse(const struct wsheap *heap,
					   const char *what)
{
	KUNIT_STATIC_STUB_REDIRECT(wsheap_report_misuse, heap, what);

	WARN_ONCE(1, "wsheap: heap %p %s\n", heap, what);
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_report_misuse);

static void wsheap_debug_init(struct wsheap *heap)
{
	heap->magic = WSHEAP_MAGIC;
	atomic_set(&heap->in_call, 0);
}

/* May a call go into @heap?  If not, the misuse has been reported. */
static bool wsheap_enter(struct wsheap *heap)
{
	if (READ_ONCE(heap->magic) != WSHEAP_MAGIC) {
		wsheap_report_misuse(heap, "used after wsheap_free()");
		return false;
	}
	if (atomic_xchg(&heap->in_call, 1)) {
		wsheap_report_misuse(heap, "entered by two calls at once");
		return false;
	}
	return true;
}

static void wsheap_leave(struct wsheap *heap)
{
	atomic_set_release(&heap->in_call, 0);
}

static void wsheap_debug_poison(struct wsheap *heap)
{
	WRITE_ONCE(heap->magic, WSHEAP_MAGIC_FREED);
}
#else
static inline void wsheap_debug_init(struct wsheap *heap) { }
static inline bool wsheap_enter(struct wsheap *heap) { return true; }
static inline void wsheap_leave(struct wsheap *heap) { }
static inline void wsheap_debug_poison(struct wsheap *heap) { }
#endif

#ifdef CONFIG_FAIL_WSHEAP
static DECLARE_FAULT_ATTR(fail_wsheap);
static struct dentry *fail_wsheap_dir;

static bool wsheap_should_fail(size_t bytes)
{
	return should_fail(&fail_wsheap, bytes);
}

static void wsheap_fault_init(void)
{
	fail_wsheap_dir = fault_create_debugfs_attr("fail_wsheap", NULL,
						    &fail_wsheap);
}

static void wsheap_fault_exit(void)
{
	debugfs_remove_recursive(fail_wsheap_dir);
}
#else
static inline bool wsheap_should_fail(size_t bytes) { return false; }
static inline void wsheap_fault_init(void) { }
static inline void wsheap_fault_exit(void) { }
#endif

/**
 * wsheap_chunk_vmalloc() - get the memory of one chunk
 * @bytes: size of the chunk, header included, a multiple of PAGE_SIZE
 *
 * All backing memory is acquired here and released by
 * wsheap_chunk_vfree(), nowhere else, so that fault injection and the
 * KUnit stubs see every chunk.  Exported only to the KUnit suite.
 *
 * Context: Process context.  May sleep.
 * Return: the memory, or NULL; never warns.
 */
VISIBLE_IF_KUNIT void *wsheap_chunk_vmalloc(size_t bytes)
{
	KUNIT_STATIC_STUB_REDIRECT(wsheap_chunk_vmalloc, bytes);

	if (wsheap_should_fail(bytes))
		return NULL;
	return __vmalloc(bytes, WSHEAP_GFP);
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_chunk_vmalloc);

/**
 * wsheap_chunk_vfree() - release the memory of one chunk
 * @mem: what wsheap_chunk_vmalloc() returned
 *
 * Exported only to the KUnit suite.
 * Context: Process context.  May sleep.
 */
VISIBLE_IF_KUNIT void wsheap_chunk_vfree(void *mem)
{
	KUNIT_STATIC_STUB_REDIRECT(wsheap_chunk_vfree, mem);

	vfree(mem);
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_chunk_vfree);

/**
 * wsheap_object_alloc() - allocate a zeroed heap object
 *
 * Separate from wsheap_create() so that the KUnit suite, the only user of
 * the export, can make it fail.
 *
 * Context: Process context.  May sleep.
 * Return: the object, or NULL.
 */
VISIBLE_IF_KUNIT struct wsheap *wsheap_object_alloc(void)
{
	KUNIT_STATIC_STUB_REDIRECT(wsheap_object_alloc);

	return kzalloc(sizeof(struct wsheap), GFP_KERNEL | __GFP_NOWARN);
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_object_alloc);

static int wsheap_fail(struct wsheap_error *error, int code, const char *msg)
{
	if (error) {
		error->code = code;
		error->msg = msg;
	}
	return code;
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

/**
 * wsheap_chunk_bytes() - the size of the next chunk under the growth policy
 * @actual: chunk memory the heap holds already
 * @quota_left: bytes the quota still allows
 * @size: the request the chunk must hold
 *
 * Exported only to the KUnit suite.
 * Context: Any.
 * Return: bytes of the chunk, header included and rounded up to a page, or
 * 0 when no chunk can be that large.
 */
VISIBLE_IF_KUNIT size_t wsheap_chunk_bytes(size_t actual, size_t quota_left,
					   size_t size)
{
	size_t payload = max_t(size_t, actual / WSHEAP_GROWTH_DIVISOR,
			       WSHEAP_MIN_CHUNK);

	payload = max(min(payload, quota_left), size);
	if (payload > WSHEAP_MAX_CHUNK)
		return 0;
	return PAGE_ALIGN(payload + WSHEAP_CHUNK_HDR);
}
EXPORT_SYMBOL_IF_KUNIT(wsheap_chunk_bytes);

static struct wsheap_chunk *wsheap_chunk_alloc(struct wsheap *heap,
					       size_t size)
{
	size_t quota_left = heap->fast.max_size - heap->fast.requested;
	size_t bytes = wsheap_chunk_bytes(heap->actual, quota_left, size);
	struct wsheap_chunk *chunk;

	if (!bytes)
		return NULL;
	chunk = wsheap_chunk_vmalloc(bytes);
	if (!chunk)
		return NULL;
	chunk->bytes = bytes;
	chunk->carved = false;
	list_add_tail(&chunk->node, &heap->chunks);
	heap->actual += bytes;
	return chunk;
}

static void wsheap_chunk_release(struct wsheap *heap,
				 struct wsheap_chunk *chunk)
{
	list_del(&chunk->node);
	heap->actual -= chunk->bytes;
	wsheap_chunk_vfree(chunk);
}

/* The first chunk kept by a reset and not carved from since that fits @size. */
static struct wsheap_chunk *wsheap_chunk_find_spare(struct wsheap *heap,
						    size_t size)
{
	struct wsheap_chunk *chunk;

	list_for_each_entry(chunk, &heap->chunks, node)
		if (!chunk->carved && wsheap_chunk_room(chunk) >= size)
			return chunk;
	return NULL;
}

/*
 * The current chunk cannot hold @size: carve it from a spare or a new chunk,
 * and keep the bump pointer in whichever chunk then has more room.
 */
static void *wsheap_alloc_slow(struct wsheap *heap, size_t size)
{
	struct wsheap_chunk *chunk;
	char *obj, *next;

	chunk = wsheap_chunk_find_spare(heap, size);
	if (!chunk)
		chunk = wsheap_chunk_alloc(heap, size);
	if (!chunk)
		return NULL;

	chunk->carved = true;
	obj = wsheap_chunk_start(chunk);
	/* size <= room, and room is a multiple of WSHEAP_ALIGN: no wrap. */
	next = obj + ALIGN(size, WSHEAP_ALIGN);
	if ((size_t)(wsheap_chunk_end(chunk) - next) > wsheap_room(heap)) {
		heap->fast.bump = next;
		heap->fast.limit = wsheap_chunk_end(chunk);
	}
	return obj;
}

int wsheap_create(size_t max_size, size_t trim_size,
		  const struct wsheap_property *props, unsigned int prop_count,
		  struct wsheap **heap, struct wsheap_error *error)
{
	struct wsheap *new;

	might_sleep();

	if (!heap)
		return wsheap_fail(error, -EINVAL, "heap pointer is NULL");
	if (prop_count && !props)
		return wsheap_fail(error, -EINVAL,
				   "props is NULL but prop_count is not 0");
	if (prop_count)
		return wsheap_fail(error, -EINVAL,
				   "property cannot be set at creation");

	new = wsheap_object_alloc();
	if (!new)
		return wsheap_fail(error, -ENOMEM,
				   "out of memory for the heap object");

	new->fast.max_size = max_size;
	new->trim_size = trim_size;
	INIT_LIST_HEAD(&new->chunks);
	wsheap_debug_init(new);
	*heap = new;
	return 0;
}
EXPORT_SYMBOL_GPL(wsheap_create);

/* Quota, then the bump pointer, then the slow path. */
static int wsheap_carve(struct wsheap *heap, size_t size, void **ptr,
			struct wsheap_error *error)
{
	void *obj;

	if (size > heap->fast.max_size - heap->fast.requested)
		return wsheap_fail(error, -EDQUOT, "heap quota exceeded");

	if (!size) {
		obj = ZERO_SIZE_PTR;
	} else if (size <= wsheap_room(heap)) {
		obj = heap->fast.bump;
		heap->fast.bump += ALIGN(size, WSHEAP_ALIGN);
	} else {
		obj = wsheap_alloc_slow(heap, size);
		if (!obj)
			return wsheap_fail(error, -ENOMEM,
					   "out of memory for a heap chunk");
	}

	heap->fast.requested += size;
	*ptr = obj;
	return 0;
}

int __wsheap_alloc(struct wsheap *heap, size_t size, void **ptr,
		   struct wsheap_error *error)
{
	int ret;

	might_sleep();

	if (!heap)
		return wsheap_fail(error, -EINVAL, "heap is NULL");
	if (!ptr)
		return wsheap_fail(error, -EINVAL, "ptr is NULL");
	if (!wsheap_enter(heap))
		return wsheap_fail(error, -EINVAL, WSHEAP_MISUSE_MSG);
	ret = wsheap_carve(heap, size, ptr, error);
	wsheap_leave(heap);
	return ret;
}
EXPORT_SYMBOL_GPL(__wsheap_alloc);

int wsheap_alloc(struct wsheap *heap, size_t size, void **ptr,
		 struct wsheap_error *error)
{
	return __wsheap_alloc(heap, size, ptr, error);
}
EXPORT_SYMBOL_GPL(wsheap_alloc);

/* Keep, in creation order, each chunk that still fits in the trim size. */
static void wsheap_trim(struct wsheap *heap)
{
	struct wsheap_chunk *chunk, *next;
	size_t kept = 0;

	list_for_each_entry_safe(chunk, next, &heap->chunks, node) {
		if (chunk->bytes <= heap->trim_size - kept) {
			kept += chunk->bytes;
			chunk->carved = false;
		} else {
			wsheap_chunk_release(heap, chunk);
		}
	}
	heap->fast.bump = NULL;
	heap->fast.limit = NULL;
	heap->fast.requested = 0;
}

int wsheap_reset(struct wsheap *heap, struct wsheap_error *error)
{
	might_sleep();

	if (!heap)
		return wsheap_fail(error, -EINVAL, "heap is NULL");
	if (!wsheap_enter(heap))
		return wsheap_fail(error, -EINVAL, WSHEAP_MISUSE_MSG);
	wsheap_trim(heap);
	wsheap_leave(heap);
	return 0;
}
EXPORT_SYMBOL_GPL(wsheap_reset);

void wsheap_free(struct wsheap *heap)
{
	struct wsheap_chunk *chunk, *next;

	might_sleep();

	if (!heap || !wsheap_enter(heap))
		return;
	wsheap_debug_poison(heap);
	list_for_each_entry_safe(chunk, next, &heap->chunks, node)
		wsheap_chunk_vfree(chunk);
	kfree(heap);
}
EXPORT_SYMBOL_GPL(wsheap_free);

static int wsheap_property_value(const struct wsheap *heap,
				 enum wsheap_property_id id, size_t *value)
{
	switch (id) {
	case WSHEAP_PROPERTY_MAX_SIZE:
		*value = heap->fast.max_size;
		return 0;
	case WSHEAP_PROPERTY_TRIM_SIZE:
		*value = heap->trim_size;
		return 0;
	case WSHEAP_PROPERTY_REQUESTED_SIZE:
		*value = heap->fast.requested;
		return 0;
	case WSHEAP_PROPERTY_ACTUAL_SIZE:
		*value = heap->actual;
		return 0;
	}
	return -EINVAL;
}

int wsheap_get_property(struct wsheap *heap, enum wsheap_property_id id,
			void *buf, size_t buf_size, struct wsheap_error *error)
{
	size_t value;
	int ret;

	might_sleep();

	if (!heap)
		return wsheap_fail(error, -EINVAL, "heap is NULL");
	if (!buf)
		return wsheap_fail(error, -EINVAL, "buf is NULL");
	if (buf_size != sizeof(size_t))
		return wsheap_fail(error, -EINVAL,
				   "buf_size is not sizeof(size_t)");

	if (!wsheap_enter(heap))
		return wsheap_fail(error, -EINVAL, WSHEAP_MISUSE_MSG);
	ret = wsheap_property_value(heap, id, &value);
	wsheap_leave(heap);
	if (ret)
		return wsheap_fail(error, ret, "unknown property id");
	memcpy(buf, &value, sizeof(value));
	return 0;
}
EXPORT_SYMBOL_GPL(wsheap_get_property);

static int __init wsheap_init(void)
{
	wsheap_fault_init();
	return 0;
}

static void __exit wsheap_exit(void)
{
	wsheap_fault_exit();
}

module_init(wsheap_init);
module_exit(wsheap_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Arena heaps: bump allocation with reset, after WsCreateHeap");
MODULE_AUTHOR("The wsheap developers");
