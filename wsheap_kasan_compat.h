/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Out of tree only: the two range calls that the series' first patch adds
 * to <linux/kasan.h> and exports (kasan_poison_range(), and the export of
 * kasan_unpoison_range()), made here of kasan_poison(), the one shadow
 * call a 6.12 kernel exports, which only mm/kasan/kasan.h declares.  The
 * shadow values are KASAN's own, by the report each gives.
 * scripts/patches.sh leaves this file and its include out of the series.
 */
#ifndef _WSHEAP_KASAN_COMPAT_H
#define _WSHEAP_KASAN_COMPAT_H

#include <linux/align.h>
#include <linux/bits.h>
#include <linux/mm.h>
#include <linux/types.h>

void kasan_poison(const void *addr, size_t size, u8 value, bool init);

#define WSHEAP_KASAN_PAGE_FREE		0xFF	/* use-after-free */
#define WSHEAP_KASAN_SLAB_REDZONE	0xFC	/* slab-out-of-bounds */
#define WSHEAP_KASAN_VMALLOC_INVALID	0xF8	/* vmalloc-out-of-bounds */

static inline void wsheap_kasan_poison_range(const void *addr, size_t size,
					     bool freed)
{
	u8 value;

	if (freed)
		value = WSHEAP_KASAN_PAGE_FREE;
	else if (is_vmalloc_addr(addr))
		value = WSHEAP_KASAN_VMALLOC_INVALID;
	else
		value = WSHEAP_KASAN_SLAB_REDZONE;
	kasan_poison(addr, size, value, false);
}

/* A partial last granule holds the number of its bytes that are live. */
static inline void wsheap_kasan_unpoison_range(const void *addr, size_t size)
{
	size_t granule = BIT(KASAN_SHADOW_SCALE_SHIFT);
	size_t full = round_down(size, granule);

	kasan_poison(addr, full, 0, false);
	if (size != full)
		kasan_poison(addr + full, granule, size - full, false);
}

#define kasan_poison_range	wsheap_kasan_poison_range
#define kasan_unpoison_range	wsheap_kasan_unpoison_range

#endif /* _WSHEAP_KASAN_COMPAT_H */
