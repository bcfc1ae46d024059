// SPDX-License-Identifier: GPL-2.0
/**
 * DOC: telling KASAN which heap memory is live
 *
 * Linked into wsheap.ko only in kernels with generic KASAN and a real
 * vmalloc shadow (CONFIG_KASAN_VMALLOC); elsewhere wsheap_internal.h turns
 * every hook into an empty inline.  Without KASAN_VMALLOC the shadow of
 * vmalloc space is the read-only early shadow, and the tag-based modes
 * would need tagged pointers handed out: neither is covered.
 *
 * A chunk is one vmalloc() area or slab object, which KASAN marks
 * accessible as a whole.  wsheap narrows that down the way kernel/scs.c
 * and slab do:
 *
 *  - a new chunk's payload is poisoned as out-of-bounds (vmalloc- or
 *    slab-, by the kind of chunk), so memory never handed out is reported;
 *    the header stays accessible, because vfree_atomic() writes a list
 *    pointer at the start of an area and kfree() checks that the first
 *    byte of an object is live;
 *  - each block is unpoisoned for exactly its size, the last granule
 *    partially, and the core leaves a redzone of WSHEAP_REDZONE bytes
 *    after it, so that byte @size is reported even when @size is a
 *    multiple of the granule;
 *  - what reset, rollback and a shrinking realloc take back is poisoned as
 *    use-after-free until it is handed out again.
 *
 * vfree() and kfree() poison the whole chunk again themselves.
 */
#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/kasan.h>
#include <linux/types.h>

#include "wsheap_internal.h"
#include "wsheap_kasan_compat.h"

/* One shadow byte covers a granule (KASAN_GRANULE_SIZE, internal to mm/). */
#define WSHEAP_KASAN_GRANULE		BIT(KASAN_SHADOW_SCALE_SHIFT)

/*
 * A chunk's payload reads as out of bounds, of a vmalloc() area or of a
 * slab object by the kind of chunk, until blocks are handed out from it.
 */
void wsheap_kasan_new_chunk(void *payload, size_t size)
{
	/* Blocks, redzones and chunk payloads are whole granules apart. */
	BUILD_BUG_ON(WSHEAP_REDZONE != WSHEAP_KASAN_GRANULE);
	kasan_poison_range(payload, size, false);
}

/* Live for exactly @size bytes: a partial last granule says how many. */
void wsheap_kasan_hand_out(const void *obj, size_t size)
{
	kasan_unpoison_range(obj, size);
}

void wsheap_kasan_take_back(const void *start, size_t size)
{
	kasan_poison_range(start, size, true);
}

/*
 * Memory parked in a CPU's slot (wsheap_cache.c): all but the first
 * WSHEAP_CHUNK_HDR bytes read as freed.  @size is a multiple of the granule.
 */
void wsheap_kasan_park(const void *mem, size_t size)
{
	kasan_poison_range(mem + WSHEAP_CHUNK_HDR, size - WSHEAP_CHUNK_HDR,
			   true);
}

/* Taken from its slot, or about to be freed: all of it accessible again. */
void wsheap_kasan_unpark(const void *mem, size_t size)
{
	kasan_unpoison_range(mem, size);
}

/*
 * No reports from this task until wsheap_kasan_loud(): for the debugfs
 * reader's copy of a heap object that may be parked (and poisoned) while
 * it copies, a copy it then throws away.
 */
void wsheap_kasan_quiet(void)
{
	kasan_disable_current();
}

void wsheap_kasan_loud(void)
{
	kasan_enable_current();
}
