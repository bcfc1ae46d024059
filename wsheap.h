/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wsheap - arena heaps for drivers
 *
 * A heap hands out many small allocations from a few large chunks (slab
 * objects for small heaps, vmalloc'd areas beyond 16 KiB) with a bump
 * pointer, and takes them all back at once with
 * wsheap_reset(), keeping up to a trim size of chunk memory for the next
 * round.  The semantics follow the Windows Web Services heap (WsCreateHeap,
 * WsAlloc, WsResetHeap, WsFreeHeap, WsGetHeapProperty).
 *
 * Concurrency: a heap has no lock.  Callers serialise all calls on one
 * heap, except the allocation calls and wsheap_get_property() of a heap
 * created CONCURRENT; different heaps may be used concurrently without
 * coordination.
 */
#ifndef _WSHEAP_H
#define _WSHEAP_H

#include <linux/align.h>
#include <linux/cache.h>
#include <linux/compiler.h>
#include <linux/kernel.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/smp.h>
#include <linux/stdarg.h>
#include <linux/string.h>
#include <linux/types.h>

struct device;
struct wsheap;

/**
 * struct wsheap_bump - the part of a heap that wsheap_alloc() works inline
 * @bump: next free byte of the current chunk (NULL when there is none)
 * @limit: end of the current chunk
 * @max_size: the quota
 * @requested: bytes handed out since create or the last reset
 * @last: the block of the last allocating call, which wsheap_realloc() may
 *	resize in place (NULL when there is none); in a concurrent heap
 *	whose CPUs carve from slices, their address + %WSHEAP_SLICED
 *
 * The first member of struct wsheap, visible only so that the common case
 * of wsheap_alloc() (room left in the current chunk) needs no function
 * call.
 * Private to wsheap: callers never read or write it.
 */
struct wsheap_bump {
	char *bump;
	char *limit;
	size_t max_size;
	size_t requested;
	char *last;
};

#define WSHEAP_ALIGN	8

/**
 * struct wsheap_slice - one CPU's share of a concurrent heap
 * @bump: next free byte of the slice
 * @limit: end of the slice
 * @last: the slice's last block, which wsheap_realloc() may resize in place
 * @requested: bytes handed out from the slice
 * @charged: bytes of the quota the slice took: all of it, so that the
 *	room check alone keeps the quota
 *
 * A concurrent heap that may sleep gives each CPU a slice of its current
 * chunk; wsheap_alloc() carves from this CPU's slice with preemption off
 * and no atomic instruction.  One slice per CPU, in per-CPU memory
 * (alloc_percpu()), so that no two CPUs write one cache line.
 * Private to wsheap: callers never read or write it.
 */
struct wsheap_slice {
	char *bump;
	char *limit;
	char *last;
	size_t requested;
	size_t charged;
};

/* Tags wsheap_bump.last of a sliced heap: blocks are 8-aligned, so no block */
#define WSHEAP_SLICED		1UL

/*
 * Generic KASAN with a vmalloc shadow: wsheap tells KASAN which bytes are
 * handed out (wsheap_kasan.c).  Such kernels, and KMSAN ones, take every
 * allocation out of line, where the block is unpoisoned and marked
 * uninitialised.
 */
#if defined(CONFIG_KASAN_GENERIC) && defined(CONFIG_KASAN_VMALLOC)
#define WSHEAP_KASAN	1
#else
#define WSHEAP_KASAN	0
#endif
#define WSHEAP_SANITIZED	(WSHEAP_KASAN || IS_ENABLED(CONFIG_KMSAN))

/**
 * struct wsheap_error - optional description of why a call failed
 * @code: the negative errno the call returned
 * @msg: static text naming the cause; never freed by the caller
 *
 * Owned by the caller and optional (NULL) in every call.  Filled only when
 * a call fails; a successful call leaves it as it was.
 */
struct wsheap_error {
	int code;
	const char *msg;
};

/**
 * enum wsheap_property_id - properties readable with wsheap_get_property()
 * @WSHEAP_PROPERTY_MAX_SIZE: size_t, the quota given to wsheap_create()
 * @WSHEAP_PROPERTY_TRIM_SIZE: size_t, the trim size given to wsheap_create()
 * @WSHEAP_PROPERTY_REQUESTED_SIZE: size_t, sum of the sizes handed out since
 *	create or the last reset
 * @WSHEAP_PROPERTY_ACTUAL_SIZE: size_t, bytes of backing chunk memory the
 *	heap holds now
 * @WSHEAP_PROPERTY_NAME: char[], the heap's name, NUL-terminated, at most
 *	%WSHEAP_NAME_MAX bytes with the NUL ("" for an unnamed heap)
 * @WSHEAP_PROPERTY_ACCOUNT: bool, whether the heap object and its chunks
 *	are charged to the memory cgroup of the task that creates or grows
 *	the heap (__GFP_ACCOUNT)
 * @WSHEAP_PROPERTY_GFP: gfp_t, how chunk memory is allocated: exactly
 *	GFP_KERNEL (the default), GFP_NOFS, GFP_NOIO, GFP_NOWAIT or
 *	GFP_ATOMIC.  The last two make an atomic heap: every call on it may
 *	run in any context kmalloc(GFP_ATOMIC) may, and its chunks never come
 *	from vmalloc().
 * @WSHEAP_PROPERTY_RESERVE: size_t, chunk memory allocated by
 *	wsheap_create() and held until wsheap_free() (default 0): a round
 *	whose blocks, each its size rounded up to 8 plus the alignment
 *	padding it needed where it landed, add up to at most this many bytes
 *	never needs new memory
 * @WSHEAP_PROPERTY_NUMA_NODE: int, the node every chunk is allocated on
 *	(default %NUMA_NO_NODE)
 * @WSHEAP_PROPERTY_CONCURRENT: bool, whether the allocation calls may run
 *	at once on several CPUs, and from interrupts if the heap is atomic
 *	(default false); mark, rollback, reset and free stay exclusive.  A
 *	non-atomic one without a reserve carves small blocks from per-CPU
 *	slices; the first request of a round its quota refuses may then wait
 *	for an RCU grace period (Documentation/wsheap.rst)
 *
 * The first four are read-only.  The others may also be given to
 * wsheap_create(), each at most once, with @value_size exactly the size of
 * their type (NAME: see struct wsheap_property).
 */
enum wsheap_property_id {
	WSHEAP_PROPERTY_MAX_SIZE       = 0,
	WSHEAP_PROPERTY_TRIM_SIZE      = 1,
	WSHEAP_PROPERTY_REQUESTED_SIZE = 2,
	WSHEAP_PROPERTY_ACTUAL_SIZE    = 3,
	WSHEAP_PROPERTY_NAME           = 4,
	WSHEAP_PROPERTY_ACCOUNT        = 5,
	WSHEAP_PROPERTY_GFP            = 6,
	WSHEAP_PROPERTY_RESERVE        = 7,
	WSHEAP_PROPERTY_NUMA_NODE      = 8,
	WSHEAP_PROPERTY_CONCURRENT     = 9,
};

/* Bytes of a heap name, the terminating NUL included. */
#define WSHEAP_NAME_MAX	32

/**
 * struct wsheap_property - a property passed to wsheap_create()
 * @id: which property
 * @value: points to the value
 * @value_size: size of *@value in bytes
 *
 * Every property but the first four of enum wsheap_property_id can be
 * set: %WSHEAP_PROPERTY_NAME with @value pointing to a NUL-terminated
 * string and @value_size at least its length + 1, the others with @value
 * pointing to a value of their type and @value_size exactly its size.
 * @value is read during wsheap_create() only: the caller keeps ownership.
 */
struct wsheap_property {
	enum wsheap_property_id id;
	const void *value;
	size_t value_size;
};

/**
 * wsheap_create() - create an empty heap
 * @max_size: quota: the most bytes the heap hands out between two resets
 * @trim_size: the most chunk memory wsheap_reset() keeps for the next round
 * @props: properties to set at creation; may be NULL when @prop_count is 0
 * @prop_count: number of entries in @props
 * @heap: where to store the new heap
 * @error: optional; filled when the call fails
 *
 * The new heap holds no memory until the first allocation, unless it has a
 * reserve.  @props may name the heap (%WSHEAP_PROPERTY_NAME, copied), ask
 * for memory cgroup accounting of the heap object and its chunks
 * (%WSHEAP_PROPERTY_ACCOUNT), choose the allocation flags of its chunks
 * (%WSHEAP_PROPERTY_GFP), a reserve (%WSHEAP_PROPERTY_RESERVE), the
 * node its chunks come from (%WSHEAP_PROPERTY_NUMA_NODE), and let several
 * CPUs allocate from it at once (%WSHEAP_PROPERTY_CONCURRENT).
 *
 * Context: Process context, or any context for an atomic heap (a GFP of
 * GFP_NOWAIT or GFP_ATOMIC).  May sleep unless the heap is atomic.  When
 * wsheap is built in, also early in boot, once the slab allocator is up
 * (an LSM's init, before any initcall).
 * Return: 0 and *@heap set to a heap the caller owns and releases with
 * wsheap_free(); -EINVAL for a NULL @heap, NULL @props with a non-zero
 * @prop_count, a property that cannot be set at creation, one given twice,
 * a NULL value, a name of %WSHEAP_NAME_MAX bytes or more or not
 * NUL-terminated within its @value_size, any other value whose size is
 * not that of its type, a GFP other than the five above, a node that is
 * neither %NUMA_NO_NODE nor online; -ENOMEM when the heap object, the
 * reserve or a concurrent heap's per-CPU slices cannot be allocated (then
 * nothing is held).
 * *@heap is untouched on failure.
 */
int wsheap_create(size_t max_size, size_t trim_size,
		  const struct wsheap_property *props, unsigned int prop_count,
		  struct wsheap **heap, struct wsheap_error *error);

/**
 * __wsheap_alloc() - wsheap_alloc() out of line
 * @heap: the heap
 * @size: bytes wanted
 * @ptr: where to store the address of the memory
 * @error: optional; filled when the call fails
 *
 * The part of wsheap_alloc() that is not inline: every check, and the
 * move to a spare or new chunk.  Call wsheap_alloc() instead.
 *
 * Context: Process context, or any context for an atomic heap (see
 * wsheap_create()).  May sleep unless the heap is atomic.
 * Return: as wsheap_alloc().
 */
int __wsheap_alloc(struct wsheap *heap, size_t size, void **ptr,
		   struct wsheap_error *error);

/* The slices of a concurrent heap whose CPUs carve from them, or NULL. */
static inline struct wsheap_slice __percpu *
wsheap_slices(const struct wsheap_bump *b)
{
	unsigned long last = (unsigned long)READ_ONCE(b->last);

	return last & WSHEAP_SLICED ?
	       (struct wsheap_slice __percpu __force *)(last - WSHEAP_SLICED) :
	       NULL;
}

/*
 * Carve from this CPU's slice.  Preemption is off from the read of the
 * tag to the last write, so that a drain (see wsheap_concurrent.c), which
 * clears the tag and then waits for an RCU grace period, finds every
 * slice at rest.  A heap whose calls may run in interrupts never has
 * slices.
 */
static inline bool wsheap_slice_alloc(struct wsheap_bump *b, size_t size,
				      void **ptr)
{
	struct wsheap_slice __percpu *slices;
	struct wsheap_slice *s;
	bool done = false;

	preempt_disable();
	slices = wsheap_slices(b);
	if (slices) {
		s = this_cpu_ptr(slices);
		if (size <= (size_t)(s->limit - s->bump)) {
			*ptr = s->bump;
			s->last = s->bump;
			s->bump += ALIGN(size, WSHEAP_ALIGN);
			WRITE_ONCE(s->requested, s->requested + size);
			done = true;
		}
	}
	preempt_enable();
	return done;
}

/**
 * wsheap_alloc() - carve @size bytes out of a heap
 * @heap: the heap
 * @size: bytes wanted; 0 is allowed
 * @ptr: where to store the address of the memory
 * @error: optional; filled when the call fails
 *
 * The memory is 8-byte aligned and not zeroed.  It belongs to the heap: the
 * caller never frees it, and it stays valid until the next wsheap_reset()
 * or wsheap_free() of @heap.  A zero-byte request gets ZERO_SIZE_PTR, which
 * is non-NULL and aligned but must not be dereferenced, as from kmalloc(0).
 *
 * When the current chunk has room this is a bump of a pointer, done inline;
 * everything else (argument errors, the quota error, a new chunk, and
 * every call in a kernel built to check each block) goes to the exported
 * __wsheap_alloc(), which applies the same checks.  The exported symbol
 * wsheap_alloc is the same call out of line.
 *
 * Context: Process context, or any context for an atomic heap (see
 * wsheap_create()).  May sleep unless the heap is atomic, when a new
 * chunk is needed.
 * Callers serialise calls on one heap, unless it is a CONCURRENT one.
 * Return: 0 and *@ptr set; -EINVAL for a NULL @heap or @ptr; -EDQUOT when
 * @size is more than the quota has left since the last reset; -ENOMEM when
 * no backing memory could be had.  On failure *@ptr and the heap are
 * untouched, and the heap stays usable.
 */
#ifndef WSHEAP_NO_INLINE
static inline int wsheap_alloc(struct wsheap *heap, size_t size, void **ptr,
			       struct wsheap_error *error)
{
	struct wsheap_bump *b = (struct wsheap_bump *)heap;

	/*
	 * No might_sleep() here: the bump cannot sleep, and an atomic heap
	 * is allocated from atomic context.  The out-of-line path checks
	 * the context of every heap that may sleep.
	 *
	 * A concurrent heap keeps bump and limit NULL: the room is 0, so
	 * its requested count, which other CPUs write, is never read here.
	 * It carves from this CPU's slice, if it has slices.
	 */
	/* room is a multiple of WSHEAP_ALIGN, so the ALIGN() cannot wrap */
	if (!IS_ENABLED(CONFIG_WSHEAP_DEBUG) && !WSHEAP_SANITIZED &&
	    likely(heap && ptr && size)) {
		if (likely(size <= (size_t)(b->limit - b->bump) &&
			   size <= b->max_size - b->requested)) {
			*ptr = b->bump;
			b->last = b->bump;
			b->bump += ALIGN(size, WSHEAP_ALIGN);
			b->requested += size;
			return 0;
		}
		/* unlikely: kept out of the way of the plain heap's path */
		if (unlikely(wsheap_slice_alloc(b, size, ptr)))
			return 0;
	}
	return __wsheap_alloc(heap, size, ptr, error);
}
#else
int wsheap_alloc(struct wsheap *heap, size_t size, void **ptr,
		 struct wsheap_error *error);
#endif

/**
 * wsheap_reset() - take back every allocation of a heap at once
 * @heap: the heap
 * @error: optional; filled when the call fails
 *
 * Every pointer handed out by @heap becomes invalid and the quota is whole
 * again.  Chunk memory is kept up to the trim size and reused by later
 * allocations; a heap holding no more than the trim size keeps all of it,
 * so a steady allocate/reset loop needs no new backing memory.
 *
 * Context: Process context, or any context for an atomic heap (see
 * wsheap_create()).  May sleep unless the heap is atomic (chunks are
 * freed).
 * Return: 0, or -EINVAL for a NULL @heap.
 */
int wsheap_reset(struct wsheap *heap, struct wsheap_error *error);

/**
 * wsheap_free() - release a heap and all its memory
 * @heap: the heap, or NULL (then nothing happens)
 *
 * Every pointer handed out by @heap, and @heap itself, become invalid.
 *
 * Context: Process context, or any context for an atomic heap (see
 * wsheap_create()).  May sleep unless the heap is atomic.
 */
void wsheap_free(struct wsheap *heap);

/**
 * wsheap_get_property() - read a property of a heap
 * @heap: the heap
 * @id: which property
 * @buf: where to write the value
 * @buf_size: the size of the property's type: sizeof(size_t) for the sizes
 *	and %WSHEAP_PROPERTY_RESERVE, sizeof(bool) for
 *	%WSHEAP_PROPERTY_ACCOUNT and %WSHEAP_PROPERTY_CONCURRENT,
 *	sizeof(gfp_t) for %WSHEAP_PROPERTY_GFP, sizeof(int) for
 *	%WSHEAP_PROPERTY_NUMA_NODE; at least the name's length + 1 for
 *	%WSHEAP_PROPERTY_NAME
 * @error: optional; filled when the call fails
 *
 * Context: Process context, or any context for an atomic heap (see
 * wsheap_create()).  May sleep unless the heap is atomic.
 * Return: 0 and the value written to @buf (for the name: its bytes and the
 * NUL, nothing after them); -EINVAL for a NULL @heap or @buf, a @buf_size
 * the property does not take, or an unknown @id, with *@buf untouched.
 */
int wsheap_get_property(struct wsheap *heap, enum wsheap_property_id id,
			void *buf, size_t buf_size, struct wsheap_error *error);

/**
 * wsheap_zalloc() - carve @size zeroed bytes out of a heap
 * @heap: the heap
 * @size: bytes wanted; 0 is allowed
 * @ptr: where to store the address of the memory
 * @error: optional; filled when the call fails
 *
 * As wsheap_alloc(), and the @size bytes read as zero.
 *
 * Context: Process context, or any context for an atomic heap (see
 * wsheap_create()).  May sleep unless the heap is atomic.
 * Return: as wsheap_alloc().
 */
int wsheap_zalloc(struct wsheap *heap, size_t size, void **ptr,
		  struct wsheap_error *error);

/**
 * wsheap_alloc_aligned() - carve @size bytes at a given alignment
 * @heap: the heap
 * @size: bytes wanted; 0 is allowed
 * @align: a power of two, at most PAGE_SIZE
 * @ptr: where to store the address of the memory
 * @error: optional; filled when the call fails
 *
 * As wsheap_alloc(), and *@ptr is a multiple of max(@align, 8).  The
 * padding that aligns the block comes out of the heap's chunk memory but
 * is not counted in REQUESTED_SIZE or the quota.
 *
 * Context: Process context, or any context for an atomic heap (see
 * wsheap_create()).  May sleep unless the heap is atomic.
 * Return: as wsheap_alloc(), and -EINVAL when @align is not a power of two
 * or is larger than PAGE_SIZE.
 */
int wsheap_alloc_aligned(struct wsheap *heap, size_t size, size_t align,
			 void **ptr, struct wsheap_error *error);

/**
 * wsheap_realloc() - resize a block of a heap
 * @heap: the heap
 * @old: a block of @heap, or NULL
 * @old_size: the size @old was last given (allocated or resized to)
 * @new_size: the size wanted
 * @ptr: where to store the address of the resized block
 * @error: optional; filled when the call fails
 *
 * When @old is the block of the heap's last successful allocating call (no
 * allocation, wsheap_mark(), wsheap_reset() or wsheap_rollback() since:
 * a mark ends the window, so that a rollback never undoes a resize), and
 * its chunk has room, the block is resized in place: *@ptr is @old and
 * REQUESTED_SIZE changes by @new_size - @old_size (a shrink gives bytes
 * back to the quota).  Otherwise a new block of @new_size is carved, the
 * first min(@old_size, @new_size) bytes are copied into it and
 * REQUESTED_SIZE grows by @new_size; @old stays valid until the next
 * reset.  A NULL @old is wsheap_alloc(@heap, @new_size, ...).
 *
 * Context: Process context, or any context for an atomic heap (see
 * wsheap_create()).  May sleep unless the heap is atomic.
 * Return: as wsheap_alloc(), and -EINVAL when @old is not NULL and
 * @old_size is larger than REQUESTED_SIZE (a caller bug that would wrap
 * the count).  On failure @old is untouched and still valid, and *@ptr
 * and the heap are untouched.
 */
int wsheap_realloc(struct wsheap *heap, void *old, size_t old_size,
		   size_t new_size, void **ptr, struct wsheap_error *error);

/**
 * __wsheap_memdup() - wsheap_memdup() out of line
 * @heap: the heap
 * @src: what to copy
 * @len: bytes to copy
 * @ptr: where to store the address of the copy
 * @error: optional; filled when the call fails
 *
 * Every check of wsheap_memdup(), made again.  Call wsheap_memdup() instead.
 *
 * Context: Process context, or any context for an atomic heap (see
 * wsheap_create()).  May sleep unless the heap is atomic.
 * Return: as wsheap_memdup().
 */
int __wsheap_memdup(struct wsheap *heap, const void *src, size_t len,
		    void **ptr, struct wsheap_error *error);

/**
 * wsheap_memdup() - copy memory into a heap
 * @heap: the heap
 * @src: what to copy
 * @len: bytes to copy; 0 is allowed
 * @ptr: where to store the address of the copy
 * @error: optional; filled when the call fails
 *
 * The copy is allocated as by wsheap_alloc(), inline when the current chunk
 * has room; a NULL @src goes to the exported __wsheap_memdup().  A caller
 * that copies an object per iteration under a lock (a parser filling an
 * entry on the stack and keeping it only when it is valid) pays a bump and
 * a memcpy(), no call.  The exported symbol wsheap_memdup is the same call
 * out of line.
 *
 * Context: Process context, or any context for an atomic heap (see
 * wsheap_create()).  May sleep unless the heap is atomic.
 * Return: as wsheap_alloc() for @len bytes, and -EINVAL for a NULL @src.
 * REQUESTED_SIZE grows by @len.
 */
#ifndef WSHEAP_NO_INLINE
static inline int wsheap_memdup(struct wsheap *heap, const void *src,
				size_t len, void **ptr,
				struct wsheap_error *error)
{
	int ret;

	if (unlikely(!src))
		return __wsheap_memdup(heap, src, len, ptr, error);
	ret = wsheap_alloc(heap, len, ptr, error);
	if (!ret)
		memcpy(*ptr, src, len);
	return ret;
}
#else
int wsheap_memdup(struct wsheap *heap, const void *src, size_t len,
		  void **ptr, struct wsheap_error *error);
#endif

/**
 * wsheap_strdup() - copy a string into a heap
 * @heap: the heap
 * @s: the NUL-terminated string to copy
 * @str: where to store the address of the copy
 * @error: optional; filled when the call fails
 *
 * Context: Process context, or any context for an atomic heap (see
 * wsheap_create()).  May sleep unless the heap is atomic.
 * Return: as wsheap_alloc(), and -EINVAL for a NULL @s.  REQUESTED_SIZE
 * grows by strlen(@s) + 1.
 */
int wsheap_strdup(struct wsheap *heap, const char *s, char **str,
		  struct wsheap_error *error);

/**
 * wsheap_vasprintf() - format a string into a heap
 * @heap: the heap
 * @str: where to store the address of the string
 * @error: optional; filled when the call fails
 * @fmt: vsnprintf() format
 * @args: its arguments
 *
 * The string is measured first and then written once into a block of
 * exactly its length + 1; no temporary buffer is used.
 *
 * Context: Process context, or any context for an atomic heap (see
 * wsheap_create()).  May sleep unless the heap is atomic.
 * Return: as wsheap_alloc(), and -EINVAL for a NULL @fmt.  REQUESTED_SIZE
 * grows by the string's length + 1.
 */
__printf(4, 0)
int wsheap_vasprintf(struct wsheap *heap, char **str,
		     struct wsheap_error *error, const char *fmt, va_list args);

/**
 * wsheap_asprintf() - format a string into a heap
 * @heap: the heap
 * @str: where to store the address of the string
 * @error: optional; filled when the call fails
 * @fmt: snprintf() format
 * @...: its arguments
 *
 * Context: Process context, or any context for an atomic heap (see
 * wsheap_create()).  May sleep unless the heap is atomic.
 * Return: as wsheap_vasprintf().
 */
__printf(4, 5)
int wsheap_asprintf(struct wsheap *heap, char **str,
		    struct wsheap_error *error, const char *fmt, ...);

/*
 * struct wsheap_mark: a position in a heap, for wsheap_rollback().  Owned
 * by the caller (on the stack, say) and opaque (@priv is private to
 * wsheap).  It names both the heap and the round (the span between two
 * resets) it was taken in.  A plain comment, not kernel-doc: the struct
 * and wsheap_mark() share a name, which Sphinx's C domain takes for a
 * duplicate; Documentation/wsheap.rst describes it under "Marks".
 */
struct wsheap_mark {
	u64 priv[4];
};

/**
 * wsheap_mark() - record the position of a heap
 * @heap: the heap
 * @mark: where to record it
 * @error: optional; filled when the call fails
 *
 * Takes O(1) (on a concurrent heap with slices, O(CPUs that carved from
 * one this round)) and allocates nothing.  The mark stays valid until the
 * next wsheap_reset() of @heap, or until a rollback to a mark taken before
 * it.
 * A block allocated before the mark is no longer resized in place by
 * wsheap_realloc(): it is copied.
 *
 * Context: Process context, or any context for an atomic heap (see
 * wsheap_create()).  May sleep unless the heap is atomic.
 * Return: 0, or -EINVAL for a NULL @heap or @mark.
 */
int wsheap_mark(struct wsheap *heap, struct wsheap_mark *mark,
		struct wsheap_error *error);

/**
 * wsheap_rollback() - take back every allocation made after a mark
 * @heap: the heap
 * @mark: a mark of @heap taken since its last reset
 * @error: optional; filled when the call fails
 *
 * Every block allocated after @mark becomes invalid; those allocated before
 * it are unchanged.  REQUESTED_SIZE is its value at @mark.  Chunk memory
 * acquired since @mark is kept for reuse, not released: the next
 * wsheap_reset() applies the trim size.  Rolling back to the same mark
 * again is allowed; marks taken after @mark are discarded, and rolling back
 * to one of those is a bug, like a double kfree().  It is refused where
 * wsheap can tell (the mark's position is no longer in a chunk carved
 * before it), in every build, and undefined otherwise.
 *
 * Context: Process context, or any context for an atomic heap (see
 * wsheap_create()).  May sleep unless the heap is atomic.
 * Return: 0; -EINVAL for a NULL @heap or @mark, a mark taken by another
 * heap or before the last reset of @heap, or a discarded mark that can be
 * told as such.
 */
int wsheap_rollback(struct wsheap *heap, const struct wsheap_mark *mark,
		    struct wsheap_error *error);

/**
 * devm_wsheap_create() - create a heap freed when the driver detaches
 * @dev: the device whose driver owns the heap
 * @max_size: as wsheap_create()
 * @trim_size: as wsheap_create()
 * @props: as wsheap_create()
 * @prop_count: as wsheap_create()
 * @heap: where to store the new heap
 * @error: optional; filled when the call fails
 *
 * As wsheap_create(), with the heap a device-managed resource: it is freed
 * when the driver detaches from @dev (or its probe fails).  The caller
 * never calls wsheap_free() on it.
 *
 * Context: Process context.  May sleep.
 * Return: as wsheap_create(), and -EINVAL for a NULL @dev.
 */
int devm_wsheap_create(struct device *dev, size_t max_size, size_t trim_size,
		       const struct wsheap_property *props,
		       unsigned int prop_count, struct wsheap **heap,
		       struct wsheap_error *error);

/*
 * struct wsheap *heap __free(wsheap) = NULL: freed when it leaves scope,
 * unless taken with no_free_ptr().  <linux/slab.h> brings <linux/cleanup.h>
 * (for __free(kfree)).
 */
#include <linux/slab.h>
#ifdef DEFINE_FREE
DEFINE_FREE(wsheap, struct wsheap *, if (_T) wsheap_free(_T))
#endif

/*
 * Memory allocation profiling (CONFIG_MEM_ALLOC_PROFILING): /proc/allocinfo
 * charges a heap's object and chunks to the line that called wsheap, as it
 * charges kmalloc()'s to its caller.  Each call that may take memory sets
 * the caller's tag; wsheap allocates with the _noprof calls under it.  A
 * call through a function pointer sets none: its memory goes to the tag
 * its caller set, if any.  The names stay those of the exported
 * functions, which wsheap.c defines and calls directly (it undefines
 * these).
 */
#ifndef alloc_hooks
/* before 6.10: no profiling, and no _noprof allocators (wsheap_internal.h) */
#define alloc_hooks(_do_alloc)	(_do_alloc)
#define WSHEAP_NO_ALLOC_TAGS
#endif
#define wsheap_create(...)	alloc_hooks(wsheap_create(__VA_ARGS__))
#define devm_wsheap_create(...)	alloc_hooks(devm_wsheap_create(__VA_ARGS__))
#define wsheap_alloc(...)	alloc_hooks(wsheap_alloc(__VA_ARGS__))
#define wsheap_zalloc(...)	alloc_hooks(wsheap_zalloc(__VA_ARGS__))
#define wsheap_alloc_aligned(...) alloc_hooks(wsheap_alloc_aligned(__VA_ARGS__))
#define wsheap_realloc(...)	alloc_hooks(wsheap_realloc(__VA_ARGS__))
#define wsheap_memdup(...)	alloc_hooks(wsheap_memdup(__VA_ARGS__))
#define wsheap_strdup(...)	alloc_hooks(wsheap_strdup(__VA_ARGS__))
#define wsheap_vasprintf(...)	alloc_hooks(wsheap_vasprintf(__VA_ARGS__))
#define wsheap_asprintf(...)	alloc_hooks(wsheap_asprintf(__VA_ARGS__))

#endif /* _WSHEAP_H */
