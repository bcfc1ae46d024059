/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wsheap internals that the KUnit suite reaches: the two functions through
 * which all backing memory passes (so the suite can count and fail chunk
 * allocations with static stubs) and the growth policy.  Built without the
 * suite they are static to wsheap.c and nothing here is exported.
 */
#ifndef _WSHEAP_INTERNAL_H
#define _WSHEAP_INTERNAL_H

#include <linux/types.h>

#if IS_ENABLED(CONFIG_WSHEAP_KUNIT_TEST)
#include <kunit/visibility.h>

void *wsheap_chunk_vmalloc(size_t bytes);
void wsheap_chunk_vfree(void *mem);
size_t wsheap_chunk_bytes(size_t actual, size_t quota_left, size_t size);
#else
#define VISIBLE_IF_KUNIT static
#define EXPORT_SYMBOL_IF_KUNIT(symbol)
#endif

#endif /* _WSHEAP_INTERNAL_H */
