/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wsheap internals shared by the files of wsheap.ko: the heap itself, the
 * hooks of the optional parts (KASAN, debugfs statistics), and what the
 * KUnit suite reaches: the functions through which all memory passes (so
 * the suite can count and fail allocations with static stubs) and the
 * growth policy.  Without CONFIG_WSHEAP_KUNIT_TEST nothing here is
 * exported.
 */
#ifndef _WSHEAP_INTERNAL_H
#define _WSHEAP_INTERNAL_H

#include <linux/align.h>
#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/gfp.h>
#include <linux/kmsan-checks.h>
#include <linux/list.h>
#include <linux/minmax.h>
#include <linux/preempt.h>
#include <linux/seqlock.h>
#include <linux/types.h>
#include <kunit/visibility.h>
#ifdef WSHEAP_TEST_EXPORTS
#include <kunit/static_stub.h>
#else
/* No suite to redirect to (and Linux 6.1 has no static stubs at all). */
#define KUNIT_STATIC_STUB_REDIRECT(...) do {} while (0)
#endif

#include "wsheap.h"

/* no allocation profiling (see wsheap.h): no _noprof allocators either */
#ifdef WSHEAP_NO_ALLOC_TAGS
#define kmalloc_node_noprof	kmalloc_node
#define kvmalloc_node_noprof	kvmalloc_node
#define __vmalloc_noprof	__vmalloc
#endif

/*
 * Where doubling stops and growth by 9/8 starts (wsheap.c): no chunk of a
 * heap past it is smaller, header included.  Four pages carry about a
 * hundred typical small records, and it is still a slab chunk (see below).
 */
#define WSHEAP_MIN_CHUNK	(16 * 1024)

/*
 * Chunks of up to this many bytes come from kmalloc(), larger ones from
 * vmalloc().  A short-lived heap (one message, one ioctl) needs a single
 * small chunk, and a vmalloc() plus vfree() of it costs far more than the
 * objects themselves: page table updates and a lazily purged vmap area.
 * kmalloc() serves it from a slab (up to two pages) or as one
 * higher-order page block (up to four pages), the way kvmalloc() serves
 * small buffers.  Larger chunks stay vmalloc()'d:
 * they need no contiguous pages and come rarely (the heap grows by 9/8).
 */
#define WSHEAP_SLAB_CHUNK_MAX	WSHEAP_MIN_CHUNK

/*
 * A refused request must not print a warning (callers may run with
 * panic_on_warn): the heap object and every chunk are allocated with the
 * heap's GFP (GFP_KERNEL unless the GFP property says otherwise) and
 * these flags.  See wsheap_chunk_gfp() for the large chunks.
 */
#define WSHEAP_GFP_FLAGS	__GFP_NOWARN

struct wsheap_chunk {
	struct list_head node;		/* in wsheap->chunks, creation order */
	size_t bytes;			/* the whole allocation */
	unsigned long seq;		/* carve order since the reset; 0: spare */
};

#define WSHEAP_CHUNK_HDR	ALIGN(sizeof(struct wsheap_chunk), WSHEAP_ALIGN)

/*
 * What /sys/kernel/debug/wsheap/heaps shows beyond the properties, in
 * kernels with debugfs (wsheap_debugfs.c); empty elsewhere.  Counted off
 * the inline fast path: peak is taken whenever REQUESTED_SIZE is about to
 * drop (reset, rollback, a shrinking realloc) and when the file is read.
 */
struct wsheap_stats {
#ifdef CONFIG_DEBUG_FS
	size_t peak;			/* highest REQUESTED_SIZE so far */
	/* 32 bits, to keep struct wsheap in its kmalloc size: counted mod 2^32 */
	unsigned int chunks;
	unsigned int resets;
	unsigned int quota_refusals;
	unsigned int oom_refusals;
#endif
};

/*
 * A heap object's place in the debugfs listing, at the end of struct
 * wsheap: it stays there while the object is parked for the next heap
 * (wsheap_cache.c), which poisons only what comes before it.
 * @live is false while the object is parked: see wsheap_debugfs.c.
 */
struct wsheap_listing {
#ifdef CONFIG_DEBUG_FS
	seqcount_t seq;			/* write sections around @live */
	bool live;			/* a heap lives in the object */
	u16 cpu;			/* whose list it is on */
	struct list_head node;		/* NULL next: on no list */
#endif
};

/*
 * The bump pointer, its limit, the quota and the bytes handed out come
 * first, in struct wsheap_bump, where the inline wsheap_alloc() finds them.
 * wsheap_create() sets every field before @listing but the standby, which
 * comes with a parked object: a new field needs its line there.
 *
 * Protected by: the heap's callers, who serialise every call on it; wsheap
 * takes no lock of its own for a heap.  A concurrent heap's shared state
 * is struct wsheap_concurrent's, with its own rules.  The debugfs reader
 * copies the fields without a lock and keeps the copy only if @listing's
 * seqcount did not move; @listing.node is under its CPU list's lock.
 */
struct wsheap {
	struct wsheap_bump fast;
	size_t trim_size;
	size_t actual;			/* sum of chunk->bytes */
	struct list_head chunks;
	u64 epoch;			/* this round's, 0: none drawn */
	/*
	 * While the heap holds no chunk: the standby, a chunk its object
	 * kept from the heap before it, for its first chunk (see
	 * wsheap_cache.c).  Once it holds chunks: the stray, the chunk that
	 * holds fast.last when the bump is in another.  Either may be NULL.
	 * A concurrent heap never has a standby: its object is never parked.
	 */
	union {
		struct wsheap_chunk *standby;
		struct wsheap_chunk *stray;
	};
	size_t reserve;			/* RESERVE: the first chunk holds it */
	unsigned int carves;		/* last chunk->seq handed out */
	gfp_t gfp;			/* for chunks and the heap object */
	s16 node;			/* NUMA_NODE, or NUMA_NO_NODE */
	bool concurrent;		/* CONCURRENT: see wsheap_concurrent.c */
	char name[WSHEAP_NAME_MAX];
	struct wsheap_stats stats;
#ifdef CONFIG_WSHEAP_DEBUG
	u32 magic;			/* WSHEAP_MAGIC until wsheap_free() */
	atomic_t in_call;		/* a call is inside this heap */
#endif
	struct wsheap_listing listing;	/* last: see struct wsheap_listing */
};

/*
 * The bytes of a heap object before its listing: wsheap_create() sets
 * every field there but the standby (a parked object is reused as it is,
 * not cleared),
 * and what the debugfs reader copies.
 */
#define WSHEAP_OBJECT_STATE	offsetof(struct wsheap, listing)

/* Flags of a heap whose calls may run where sleeping is not allowed. */
static inline bool wsheap_gfp_is_atomic(gfp_t gfp)
{
	return !gfpflags_allow_blocking(gfp);
}

static inline bool wsheap_heap_is_atomic(const struct wsheap *heap)
{
	return wsheap_gfp_is_atomic(heap->gfp);
}

/*
 * The core's services to wsheap_concurrent.c: the chunk a block the
 * current one cannot hold goes to, and a refusal counted and described.
 */
void *wsheap_alloc_slow(struct wsheap *heap, struct wsheap_bump *cur,
			size_t size, size_t align);
int wsheap_refuse(struct wsheap *heap, struct wsheap_error *error, int code,
		  size_t size, unsigned long caller);

/*
 * A zero-byte block needs no memory: ZERO_SIZE_PTR, as from kmalloc(0),
 * wherever that value is aligned enough (it is 16).
 */
static inline bool wsheap_zero_size_ptr_fits(size_t size, size_t align)
{
	return !size && IS_ALIGNED((unsigned long)ZERO_SIZE_PTR, align);
}

/*
 * Per-CPU slices of concurrent heaps: in builds whose wsheap_alloc() is
 * inline; others take every call out of line, where the sanitizer hooks
 * and the misuse checks see the shared bump pointer.
 */
#define WSHEAP_SLICES	(!IS_ENABLED(CONFIG_WSHEAP_DEBUG) && !WSHEAP_SANITIZED)

/*
 * The bench's ablation table (scripts/bench.sh ablation=1) builds
 * wsheap.ko and wsheap_bench.ko with WSHEAP_ABLATION and turns one
 * mechanism off at a time by setting its bit in wsheap_ablation
 * (wsheap_ablation.c).  In every other build nothing is ever off, and the
 * checks compile away.
 */
#define WSHEAP_ABLATE_INLINE	BIT(0)	/* the bench calls __wsheap_alloc() */
#define WSHEAP_ABLATE_SLOTS	BIT(1)	/* nothing parks on a CPU */
#define WSHEAP_ABLATE_STANDBY	BIT(2)	/* a parked object keeps no chunk */
#define WSHEAP_ABLATE_SLICES	BIT(3)	/* concurrent heaps share one bump */

#ifdef WSHEAP_ABLATION
extern unsigned int wsheap_ablation;

static inline bool wsheap_ablated(unsigned int mechanism)
{
	return READ_ONCE(wsheap_ablation) & mechanism;
}

/* Turn @mechanisms off, the others on; false: this build cannot. */
static inline bool wsheap_ablate(unsigned int mechanisms)
{
	WRITE_ONCE(wsheap_ablation, mechanisms);
	return true;
}
#else
static inline bool wsheap_ablated(unsigned int mechanism)
{
	return false;
}

static inline bool wsheap_ablate(unsigned int mechanisms)
{
	return false;
}
#endif

struct wsheap_settings;

/* wsheap_concurrent.c: the shared bump pointer of a concurrent heap */
size_t wsheap_concurrent_object_size(const struct wsheap_settings *set);
int wsheap_concurrent_init(struct wsheap *heap,
			   const struct wsheap_settings *set);
void wsheap_concurrent_destroy(struct wsheap *heap);
int wsheap_concurrent_alloc(struct wsheap *heap, size_t size, size_t align,
			    void **ptr, struct wsheap_error *error,
			    unsigned long caller);
int wsheap_concurrent_realloc(struct wsheap *heap, void *old,
			      size_t old_size, size_t new_size, void **ptr,
			      struct wsheap_error *error, unsigned long caller);
void __wsheap_concurrent_exclusive(struct wsheap *heap, bool enter);
size_t wsheap_concurrent_requested(struct wsheap *heap);
size_t wsheap_concurrent_requested_now(const struct wsheap *heap);

/* REQUESTED_SIZE, which concurrent calls may change meanwhile. */
static inline size_t wsheap_requested(struct wsheap *heap)
{
	return heap->concurrent ? wsheap_concurrent_requested(heap) :
				  READ_ONCE(heap->fast.requested);
}

/*
 * Mark, rollback and reset: a concurrent heap's shared bump pointer moves
 * into struct wsheap_bump for the call; nothing to do on any other heap.
 */
static inline void wsheap_concurrent_exclusive(struct wsheap *heap,
					       bool enter)
{
	if (heap->concurrent)
		__wsheap_concurrent_exclusive(heap, enter);
}

#define WSHEAP_MISUSE_MSG	"heap already freed or in use by another call"

#ifdef CONFIG_WSHEAP_DEBUG
/* wsheap_debug.c: the misuse checks of CONFIG_WSHEAP_DEBUG */
void wsheap_debug_init(struct wsheap *heap);
bool wsheap_alive(struct wsheap *heap);
bool wsheap_enter(struct wsheap *heap);
void wsheap_leave(struct wsheap *heap);
void wsheap_debug_poison(struct wsheap *heap);
#else
/* Calls are not checked for misuse: each one enters a live heap. */
static inline void wsheap_debug_init(struct wsheap *heap) { }
static inline bool wsheap_alive(struct wsheap *heap) { return true; }
static inline bool wsheap_enter(struct wsheap *heap) { return true; }
static inline void wsheap_leave(struct wsheap *heap) { }
static inline void wsheap_debug_poison(struct wsheap *heap) { }
#endif

/*
 * The calls that may run at once on a concurrent heap (allocation and
 * get_property) check only that it is alive; on any other heap, and for
 * every other call, a call is alone in the heap.
 */
static inline bool wsheap_enter_shared(struct wsheap *heap)
{
	return heap->concurrent ? wsheap_alive(heap) : wsheap_enter(heap);
}

static inline void wsheap_leave_shared(struct wsheap *heap)
{
	if (!heap->concurrent)
		wsheap_leave(heap);
}

#ifdef CONFIG_FAIL_WSHEAP
/* wsheap_fault.c: /sys/kernel/debug/fail_wsheap (CONFIG_FAIL_WSHEAP) */
bool wsheap_should_fail(size_t bytes);
void wsheap_fault_init(void);
void wsheap_fault_exit(void);
#else
/* No failure is injected: a chunk fails only when its allocator does. */
static inline bool wsheap_should_fail(size_t bytes) { return false; }
static inline void wsheap_fault_init(void) { }
static inline void wsheap_fault_exit(void) { }
#endif

/*
 * might_sleep(), for every heap but an atomic one.  A NULL heap is
 * refused at once, in any context, so it is no reason to report either.
 */
static inline void wsheap_might_sleep(const struct wsheap *heap)
{
	if (heap && !wsheap_heap_is_atomic(heap))
		might_sleep();
}

static inline int wsheap_fail(struct wsheap_error *error, int code, const char *msg)
{
	if (error) {
		error->code = code;
		error->msg = msg;
	}
	return code;
}

/* What wsheap_create() takes from its properties, checked before any use. */
struct wsheap_settings {
	const char *name;		/* NULL: unnamed */
	bool account;
	bool concurrent;
	gfp_t gfp;
	size_t reserve;
	int node;
	unsigned int seen;		/* bit per property id given */
};

int wsheap_parse_properties(const struct wsheap_property *props,
			    unsigned int prop_count,
			    struct wsheap_settings *set,
			    struct wsheap_error *error);

/* The heap object of a heap, with room for a shared bump pointer. */
static inline size_t wsheap_object_size(const struct wsheap_settings *set)
{
	return set->concurrent ? wsheap_concurrent_object_size(set) :
				 sizeof(struct wsheap);
}

/* wsheap_cache.c: each CPU's parked heap object and chunk */
void *wsheap_slab_alloc(size_t bytes, gfp_t gfp, int node);
struct wsheap *wsheap_cache_take_object(gfp_t gfp);
bool wsheap_cache_park_object(struct wsheap *heap);
void *wsheap_cache_take_chunk(size_t bytes, gfp_t gfp);
bool wsheap_cache_park_chunk(void *mem, gfp_t gfp);
void *wsheap_cache_take_standby(struct wsheap_chunk **standby, size_t bytes,
				gfp_t gfp, int node);
bool wsheap_cache_keep_standby(struct wsheap_chunk **standby, void *mem,
			       gfp_t gfp);
void wsheap_cache_drop_standby(struct wsheap_chunk **standby, gfp_t gfp);
unsigned long wsheap_cache_parked(unsigned int cpu, size_t *bytes);
void wsheap_cache_init(void);
void wsheap_cache_exit(void);

#ifdef CONFIG_DEBUG_FS
void wsheap_stats_list(struct wsheap *heap);

/*
 * @live changes in a write section of its own, after every field of a
 * new heap and before a freed one is torn down (see wsheap_debugfs.c).
 * raw_: lockdep would take every object's count for one lock, written in
 * hard interrupts (atomic heaps) and with interrupts on; the writers of
 * one object, its create and its free, never overlap.  Preemption off
 * keeps the section to a few instructions.
 */
static inline void wsheap_stats_set_live(struct wsheap *heap, bool live)
{
	preempt_disable();
	raw_write_seqcount_begin(&heap->listing.seq);
	WRITE_ONCE(heap->listing.live, live);
	raw_write_seqcount_end(&heap->listing.seq);
	preempt_enable();
}

/*
 * A new heap, set up in full, joins the listing: a heap object from the
 * slab goes on this CPU's list; one taken from a CPU's slot is listed
 * already (unless its last heap came before wsheap's initcall).  Inline:
 * a warm create pays no call for it.
 */
static inline void wsheap_stats_show_heap(struct wsheap *heap)
{
	if (!heap->listing.node.next) {
		seqcount_init(&heap->listing.seq);
		wsheap_stats_list(heap);
	}
	wsheap_stats_set_live(heap, true);
}

/* wsheap_free() is about to tear the heap down. */
static inline void wsheap_stats_hide_heap(struct wsheap *heap)
{
	wsheap_stats_set_live(heap, false);
}

void wsheap_stats_unlist(struct wsheap *heap);
void __init wsheap_debugfs_init(void);
void wsheap_debugfs_exit(void);

/* REQUESTED_SIZE is about to drop: remember how high it went. */
static inline void wsheap_stats_peak(struct wsheap *heap)
{
	heap->stats.peak = max(heap->stats.peak, heap->fast.requested);
}

static inline void wsheap_stats_chunks(struct wsheap *heap, int delta)
{
	heap->stats.chunks += delta;
}

static inline void wsheap_stats_reset(struct wsheap *heap)
{
	wsheap_stats_peak(heap);
	heap->stats.resets++;
}

/* A request refused with @code, -EDQUOT or -ENOMEM. */
static inline void wsheap_stats_refused(struct wsheap *heap, int code)
{
	unsigned int *count = code == -EDQUOT ? &heap->stats.quota_refusals :
						&heap->stats.oom_refusals;

	/* a concurrent heap's refusals race: counted approximately there */
	data_race((*count)++);
}
#else
static inline void wsheap_stats_show_heap(struct wsheap *heap) { }
static inline void wsheap_stats_hide_heap(struct wsheap *heap) { }
static inline void wsheap_stats_unlist(struct wsheap *heap) { }
static inline void wsheap_debugfs_init(void) { }
static inline void wsheap_debugfs_exit(void) { }
static inline void wsheap_stats_peak(struct wsheap *heap) { }
static inline void wsheap_stats_chunks(struct wsheap *heap, int delta) { }
static inline void wsheap_stats_reset(struct wsheap *heap) { }
static inline void wsheap_stats_refused(struct wsheap *heap, int code) { }
#endif

#if WSHEAP_KASAN
/*
 * Sanitizer hooks (wsheap_kasan.c), for generic KASAN with a vmalloc
 * shadow.  The redzone after each block is one KASAN granule, which
 * WSHEAP_ALIGN equals.
 */
#define WSHEAP_REDZONE	WSHEAP_ALIGN
void wsheap_kasan_new_chunk(void *payload, size_t size);
void wsheap_kasan_hand_out(const void *obj, size_t size);
void wsheap_kasan_take_back(const void *start, size_t size);
void wsheap_kasan_park(const void *mem, size_t size);
void wsheap_kasan_unpark(const void *mem, size_t size);
void wsheap_kasan_quiet(void);
void wsheap_kasan_loud(void);
#else
/* Without generic KASAN's vmalloc shadow: empty hooks, no redzone. */
#define WSHEAP_REDZONE	0
static inline void wsheap_kasan_new_chunk(void *payload, size_t size) { }
static inline void wsheap_kasan_hand_out(const void *obj, size_t size) { }
static inline void wsheap_kasan_take_back(const void *start, size_t size) { }
static inline void wsheap_kasan_park(const void *mem, size_t size) { }
static inline void wsheap_kasan_unpark(const void *mem, size_t size) { }
static inline void wsheap_kasan_quiet(void) { }
static inline void wsheap_kasan_loud(void) { }
#endif

/*
 * Bytes a block of @size takes from its chunk: its size rounded to the
 * alignment, and the redzone that KASAN builds put after it.
 */
static inline size_t wsheap_footprint(size_t size)
{
	return ALIGN(size, WSHEAP_ALIGN) + WSHEAP_REDZONE;
}

/*
 * Does a block of @size bytes, with the redzone after it, fit in @room
 * bytes?  @room is a multiple of WSHEAP_ALIGN, so once @size fits,
 * ALIGN(size) cannot wrap.
 */
static inline bool wsheap_fits(size_t size, size_t room)
{
	return size <= room &&
	       room - ALIGN(size, WSHEAP_ALIGN) >= WSHEAP_REDZONE;
}

/*
 * A block handed out: accessible to KASAN for exactly @size bytes, and
 * uninitialised to KMSAN (kmsan_poison_memory() is empty without it).
 */
static inline void wsheap_sanitize_hand_out(const void *obj, size_t size)
{
	wsheap_kasan_hand_out(obj, size);
	kmsan_poison_memory(obj, size, GFP_KERNEL);
}

/*
 * A block resized in place from @old_size to @new_size bytes: accessible
 * to KASAN for exactly @new_size, uninitialised to KMSAN only in the tail
 * it grew by (the bytes it keeps are as initialised as they were).
 */
static inline void wsheap_sanitize_resize(const char *obj, size_t old_size,
					  size_t new_size)
{
	wsheap_kasan_hand_out(obj, new_size);
	if (new_size > old_size)
		kmsan_poison_memory(obj + old_size, new_size - old_size,
				    GFP_KERNEL);
}

/*
 * What only the KUnit suites reach: non-static, and exported in the
 * EXPORTED_FOR_KUNIT_TESTING namespace, when wsheap's own test option is
 * on (Kbuild defines WSHEAP_TEST_EXPORTS from CONFIG_WSHEAP_KUNIT_TEST);
 * static otherwise.  Not VISIBLE_IF_KUNIT, which follows CONFIG_KUNIT: a
 * kernel with KUnit would export the chunk allocators to every module.
 */
#ifdef WSHEAP_TEST_EXPORTS
#define WSHEAP_VISIBLE_FOR_TEST
#define EXPORT_SYMBOL_IF_WSHEAP_TEST	EXPORT_SYMBOL_IF_KUNIT

struct wsheap;

struct wsheap *wsheap_object_alloc(size_t size, gfp_t gfp);
gfp_t wsheap_chunk_gfp(size_t bytes, gfp_t gfp);
void *__wsheap_chunk_mem_alloc(size_t bytes, gfp_t gfp, int node,
			       struct wsheap_chunk **standby);
void *wsheap_chunk_mem_alloc(size_t bytes, gfp_t gfp, int node,
			     struct wsheap_chunk **standby);
void __wsheap_chunk_mem_free(void *mem, gfp_t gfp,
			     struct wsheap_chunk **standby);
void wsheap_chunk_mem_free(void *mem, gfp_t gfp,
			   struct wsheap_chunk **standby);
size_t wsheap_chunk_bytes(size_t actual, size_t requested, size_t quota_left,
			  size_t size);
struct shrinker;
struct shrink_control;
unsigned long wsheap_cache_count(struct shrinker *shrinker,
				 struct shrink_control *sc);
unsigned long wsheap_cache_scan(struct shrinker *shrinker,
				struct shrink_control *sc);
void wsheap_epoch_set_last(u64 last);
size_t wsheap_quota_left(struct wsheap *heap);
size_t *wsheap_quota_counter(const struct wsheap *heap);
bool wsheap_concurrent_charge(struct wsheap *heap, size_t size);
void wsheap_slices_quiesce(struct wsheap *heap);
void wsheap_floor_raise(struct wsheap *heap, char *to);
void wsheap_report_misuse(const struct wsheap *heap, const char *what);
#ifdef CONFIG_DEBUG_FS
struct seq_file;
int wsheap_heaps_show(struct seq_file *m, void *v);
extern bool wsheap_heap_lists_ready;
#endif
#else
#define WSHEAP_VISIBLE_FOR_TEST		static
/* nothing exported: a reference in a section the linker discards */
#define EXPORT_SYMBOL_IF_WSHEAP_TEST(sym)	__ADDRESSABLE(sym)
#endif

#endif /* _WSHEAP_INTERNAL_H */
