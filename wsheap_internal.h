/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wsheap internals that the KUnit suite reaches: the functions through which
 * all memory passes (so the suite can count and fail allocations with static
 * stubs) and the growth policy.  In a kernel without KUnit they are
 * static to wsheap.c and nothing here is exported.
 */
#ifndef _WSHEAP_INTERNAL_H
#define _WSHEAP_INTERNAL_H

#include <linux/types.h>
#include <kunit/visibility.h>

/* Mirrors <kunit/visibility.h>: non-static exactly when KUnit is built. */
#if IS_ENABLED(CONFIG_KUNIT)
struct wsheap;

struct wsheap *wsheap_object_alloc(void);
void *wsheap_chunk_vmalloc(size_t bytes, gfp_t gfp);
void wsheap_chunk_vfree(void *mem);
size_t wsheap_chunk_bytes(size_t actual, size_t quota_left, size_t size);
void wsheap_report_misuse(const struct wsheap *heap, const char *what);
#endif

#endif /* _WSHEAP_INTERNAL_H */
