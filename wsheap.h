/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wsheap - arena heaps for drivers
 *
 * A heap hands out many small allocations from a few large vmalloc'd
 * chunks with a bump pointer, and takes them all back at once with
 * wsheap_reset(), keeping up to a trim size of chunk memory for the next
 * round.  The semantics follow the Windows Web Services heap (WsCreateHeap,
 * WsAlloc, WsResetHeap, WsFreeHeap, WsGetHeapProperty).
 *
 * Concurrency: a heap has no lock.  Callers serialise all calls on one
 * heap; different heaps may be used concurrently without coordination.
 */
#ifndef _WSHEAP_H
#define _WSHEAP_H

#include <linux/align.h>
#include <linux/compiler.h>
#include <linux/kernel.h>
#include <linux/types.h>

struct wsheap;

/**
 * struct wsheap_bump - the part of a heap that wsheap_alloc() works inline
 * @bump: next free byte of the current chunk (NULL when there is none)
 * @limit: end of the current chunk
 * @max_size: the quota
 * @requested: bytes handed out since create or the last reset
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
};

#define WSHEAP_ALIGN	8

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
 */
enum wsheap_property_id {
	WSHEAP_PROPERTY_MAX_SIZE       = 0,
	WSHEAP_PROPERTY_TRIM_SIZE      = 1,
	WSHEAP_PROPERTY_REQUESTED_SIZE = 2,
	WSHEAP_PROPERTY_ACTUAL_SIZE    = 3,
};

/**
 * struct wsheap_property - a property passed to wsheap_create()
 * @id: which property
 * @value: points to the value
 * @value_size: size of *@value in bytes
 *
 * Version 1 of the contract has no property that can be set at creation;
 * the type exists so that callers written against it keep compiling when
 * one is added.
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
 * The new heap holds no memory until the first wsheap_alloc().  No property
 * can be set at creation in this version, so any entry in @props is refused.
 *
 * Context: Process context.  May sleep.
 * Return: 0 and *@heap set to a heap the caller owns and releases with
 * wsheap_free(); -EINVAL for a NULL @heap, NULL @props with a non-zero
 * @prop_count, or any property in @props; -ENOMEM when the heap object
 * cannot be allocated.  *@heap is untouched on failure.
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
 * Context: Process context.  May sleep.
 * Return: as wsheap_alloc().
 */
int __wsheap_alloc(struct wsheap *heap, size_t size, void **ptr,
		   struct wsheap_error *error);

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
 * everything else (argument errors, the quota error, a new chunk, and all
 * calls in kernels with CONFIG_WSHEAP_DEBUG) goes to the exported
 * __wsheap_alloc(), which applies the same checks.  The exported symbol
 * wsheap_alloc is the same call out of line.
 *
 * Context: Process context.  May sleep (when a new chunk is needed).
 * Callers serialise calls on one heap.
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
	 * The atomic-context check of might_sleep() without its
	 * might_resched(), which on PREEMPT_DYNAMIC kernels is a call; the
	 * out-of-line path keeps the whole might_sleep().
	 */
	__might_sleep(__FILE__, __LINE__);
	/* room is a multiple of WSHEAP_ALIGN, so the ALIGN() cannot wrap */
	if (!IS_ENABLED(CONFIG_WSHEAP_DEBUG) && likely(heap && ptr && size) &&
	    likely(size <= (size_t)(b->limit - b->bump) &&
		   size <= b->max_size - b->requested)) {
		*ptr = b->bump;
		b->bump += ALIGN(size, WSHEAP_ALIGN);
		b->requested += size;
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
 * Context: Process context.  May sleep (chunks are vfree()d).
 * Return: 0, or -EINVAL for a NULL @heap.
 */
int wsheap_reset(struct wsheap *heap, struct wsheap_error *error);

/**
 * wsheap_free() - release a heap and all its memory
 * @heap: the heap, or NULL (then nothing happens)
 *
 * Every pointer handed out by @heap, and @heap itself, become invalid.
 *
 * Context: Process context.  May sleep.
 */
void wsheap_free(struct wsheap *heap);

/**
 * wsheap_get_property() - read a property of a heap
 * @heap: the heap
 * @id: which property
 * @buf: where to write the value; every property is a size_t
 * @buf_size: must be sizeof(size_t)
 * @error: optional; filled when the call fails
 *
 * Context: Process context.  May sleep.
 * Return: 0 and the value written to @buf; -EINVAL for a NULL @heap or
 * @buf, a @buf_size other than sizeof(size_t), or an unknown @id, with
 * *@buf untouched.
 */
int wsheap_get_property(struct wsheap *heap, enum wsheap_property_id id,
			void *buf, size_t buf_size, struct wsheap_error *error);

#endif /* _WSHEAP_H */
