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
#include <linux/align.h>
#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/kasan.h>
#include <linux/mm.h>
#include <linux/types.h>

#include "wsheap_internal.h"

/* One shadow byte covers a granule (KASAN_GRANULE_SIZE, internal to mm/). */
#define WSHEAP_KASAN_GRANULE		BIT(KASAN_SHADOW_SCALE_SHIFT)

/* Shadow values that KASAN reports by these names (mm/kasan/kasan.h). */
#define WSHEAP_KASAN_VMALLOC_REDZONE	0xF8	/* vmalloc-out-of-bounds */
#define WSHEAP_KASAN_SLAB_REDZONE	0xFC	/* slab-out-of-bounds */
#define WSHEAP_KASAN_TAKEN_BACK		0xFF	/* use-after-free */

void wsheap_kasan_new_chunk(void *payload, size_t size)
{
	/* Blocks, redzones and chunk payloads are whole granules apart. */
	BUILD_BUG_ON(WSHEAP_REDZONE != WSHEAP_KASAN_GRANULE);
	kasan_poison(payload, size, is_vmalloc_addr(payload) ?
		     WSHEAP_KASAN_VMALLOC_REDZONE : WSHEAP_KASAN_SLAB_REDZONE,
		     false);
}

/*
 * Full granules read as accessible (0); a partial last granule holds the
 * number of its bytes that are, as poison_kmalloc_redzone() writes it.
 */
void wsheap_kasan_hand_out(const void *obj, size_t size)
{
	size_t full = round_down(size, WSHEAP_KASAN_GRANULE);

	kasan_poison(obj, full, 0, false);
	if (size != full)
		kasan_poison(obj + full, WSHEAP_KASAN_GRANULE, size - full,
			     false);
}

void wsheap_kasan_take_back(const void *start, size_t size)
{
	kasan_poison(start, size, WSHEAP_KASAN_TAKEN_BACK, false);
}

/*
 * Memory parked in a CPU's slot (wsheap_cache.c): all but the first
 * WSHEAP_CHUNK_HDR bytes read as freed.  @size is a multiple of the granule.
 */
void wsheap_kasan_park(const void *mem, size_t size)
{
	kasan_poison(mem + WSHEAP_CHUNK_HDR, size - WSHEAP_CHUNK_HDR,
		     WSHEAP_KASAN_TAKEN_BACK, false);
}

/* Taken from its slot, or about to be freed: all of it accessible again. */
void wsheap_kasan_unpark(const void *mem, size_t size)
{
	kasan_poison(mem, size, 0, false);
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
