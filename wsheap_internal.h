/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wsheap internals that the KUnit suite reaches: the functions through which
 * all memory passes (so the suite can count and fail allocations with static
 * stubs) and the growth policy.  In a kernel without KUnit they are
 * static to wsheap.c and nothing here is exported.
 */
#ifndef _WSHEAP_INTERNAL_H
#define _WSHEAP_INTERNAL_H

#include <linux/gfp.h>
#include <linux/kmsan-checks.h>
#include <linux/types.h>
#include <kunit/visibility.h>

#include "wsheap.h"

/*
 * Sanitizer hooks, in wsheap_kasan.c where they do something (generic
 * KASAN with a vmalloc shadow); elsewhere they are empty and there is no
 * redzone.  The redzone is one KASAN granule, which WSHEAP_ALIGN equals.
 */
#if WSHEAP_KASAN
#define WSHEAP_REDZONE	WSHEAP_ALIGN
/*
 * Exported by mm/kasan/shadow.c but declared only in mm/kasan/kasan.h.
 * @addr and @size must be multiples of the KASAN granule (8 bytes).
 */
void kasan_poison(const void *addr, size_t size, u8 value, bool init);
void wsheap_kasan_new_chunk(void *payload, size_t size);
void wsheap_kasan_hand_out(const void *obj, size_t size);
void wsheap_kasan_take_back(const void *start, size_t size);
#else
#define WSHEAP_REDZONE	0
static inline void wsheap_kasan_new_chunk(void *payload, size_t size) { }
static inline void wsheap_kasan_hand_out(const void *obj, size_t size) { }
static inline void wsheap_kasan_take_back(const void *start, size_t size) { }
#endif

/*
 * A block handed out: accessible to KASAN for exactly @size bytes, and
 * uninitialised to KMSAN (kmsan_poison_memory() is empty without it).
 */
static inline void wsheap_sanitize_hand_out(const void *obj, size_t size)
{
	wsheap_kasan_hand_out(obj, size);
	kmsan_poison_memory(obj, size, GFP_KERNEL);
}

/* Mirrors <kunit/visibility.h>: non-static exactly when KUnit is built. */
#if IS_ENABLED(CONFIG_KUNIT)
struct wsheap;

struct wsheap *wsheap_object_alloc(void);
void *__wsheap_chunk_mem_alloc(size_t bytes, gfp_t gfp);
void *wsheap_chunk_mem_alloc(size_t bytes, gfp_t gfp);
void wsheap_chunk_mem_free(void *mem);
size_t wsheap_chunk_bytes(size_t actual, size_t quota_left, size_t size);
void wsheap_report_misuse(const struct wsheap *heap, const char *what);
#endif

#endif /* _WSHEAP_INTERNAL_H */
