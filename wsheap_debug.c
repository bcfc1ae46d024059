// SPDX-License-Identifier: GPL-2.0
/*
 * wsheap - misuse checks (CONFIG_WSHEAP_DEBUG)
 *
 * A heap has no lock, so two calls at once, or a call after
 * wsheap_free(), corrupt it silently.  Debug builds catch both cheaply: a
 * magic number cleared by wsheap_free() and a flag held for the length of
 * each call, at the cost of one atomic exchange and one store per call.
 * A caught call is refused with -EINVAL and reported once.  Linked into
 * wsheap.ko only with the option; wsheap_internal.h has the empty inlines
 * of the other kernels.
 */
#include <linux/atomic.h>
#include <linux/bug.h>
#include <linux/compiler.h>
#include <linux/module.h>

#include "wsheap_internal.h"

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
WSHEAP_VISIBLE_FOR_TEST void wsheap_report_misuse(const struct wsheap *heap,
						  const char *what)
{
	KUNIT_STATIC_STUB_REDIRECT(wsheap_report_misuse, heap, what);

	WARN_ONCE(1, "wsheap: heap %p %s\n", heap, what);
}
EXPORT_SYMBOL_IF_WSHEAP_TEST(wsheap_report_misuse);

void wsheap_debug_init(struct wsheap *heap)
{
	heap->magic = WSHEAP_MAGIC;
	atomic_set(&heap->in_call, 0);
}

/*
 * May a call go into @heap?  If not, the misuse has been reported.
 *
 * The magic of a freed heap is read from memory already given back to the
 * slab, so "used after wsheap_free()" is caught only while that object has
 * not been handed out again: a call soon after the free, as in a driver
 * that frees on one path and keeps using the pointer on another.  Once
 * the slab reuses the object (another heap, whose magic is valid, or any
 * other user of its kmalloc cache) the call goes undetected.  KASAN
 * builds report the read itself as a use-after-free with both stacks,
 * the better report.
 */
bool wsheap_alive(struct wsheap *heap)
{
	if (READ_ONCE(heap->magic) != WSHEAP_MAGIC) {
		wsheap_report_misuse(heap, "used after wsheap_free()");
		return false;
	}
	return true;
}

bool wsheap_enter(struct wsheap *heap)
{
	if (!wsheap_alive(heap))
		return false;
	if (atomic_xchg(&heap->in_call, 1)) {
		wsheap_report_misuse(heap, "entered by two calls at once");
		return false;
	}
	return true;
}

void wsheap_leave(struct wsheap *heap)
{
	atomic_set_release(&heap->in_call, 0);
}

void wsheap_debug_poison(struct wsheap *heap)
{
	WRITE_ONCE(heap->magic, WSHEAP_MAGIC_FREED);
}
