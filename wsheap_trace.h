/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wsheap tracepoints, in the style of include/trace/events/kmem.h: chunk
 * memory coming and going, resets, and refused requests.  None is on the
 * inline fast path; each costs a static branch where it sits.  The name
 * is a fixed array of WSHEAP_NAME_MAX bytes.
 *
 *	echo 1 > /sys/kernel/tracing/events/wsheap/enable
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM wsheap

#if !defined(_WSHEAP_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _WSHEAP_TRACE_H

#include <linux/mm.h>
#include <linux/string.h>
#include <linux/tracepoint.h>

#include "wsheap_internal.h"

/*
 * The chunk's kind is found here, not by the caller: arguments are
 * evaluated even while the event is off, and is_vmalloc_addr() is a call.
 */
DECLARE_EVENT_CLASS(wsheap_chunk,
		    TP_PROTO(const struct wsheap *heap,
			     const struct wsheap_chunk *chunk),
		    TP_ARGS(heap, chunk),
		    TP_STRUCT__entry(__field(const void *, heap)
				     __array(char, name, WSHEAP_NAME_MAX)
				     __field(size_t, bytes)
				     __field(bool, vmalloced)),
		    TP_fast_assign(__entry->heap = heap;
				   memcpy(__entry->name, heap->name,
					  WSHEAP_NAME_MAX);
				   __entry->bytes = chunk->bytes;
				   __entry->vmalloced = is_vmalloc_addr(chunk);),
		    TP_printk("heap=%p name=%s bytes=%zu from=%s",
			      __entry->heap, __entry->name, __entry->bytes,
			      __entry->vmalloced ? "vmalloc" : "slab")
);

/* A chunk was allocated: its bytes more in ACTUAL_SIZE. */
DEFINE_EVENT(wsheap_chunk, wsheap_chunk_alloc,
	     TP_PROTO(const struct wsheap *heap,
		      const struct wsheap_chunk *chunk),
	     TP_ARGS(heap, chunk)
);

/* A chunk was released, by a reset's trim or by wsheap_free(). */
DEFINE_EVENT(wsheap_chunk, wsheap_chunk_free,
	     TP_PROTO(const struct wsheap *heap,
		      const struct wsheap_chunk *chunk),
	     TP_ARGS(heap, chunk)
);

TRACE_EVENT(wsheap_reset,
	    TP_PROTO(const struct wsheap *heap, size_t requested_before,
		     size_t actual_after),
	    TP_ARGS(heap, requested_before, actual_after),
	    TP_STRUCT__entry(__field(const void *, heap)
			     __array(char, name, WSHEAP_NAME_MAX)
			     __field(size_t, requested_before)
			     __field(size_t, actual_after)),
	    TP_fast_assign(__entry->heap = heap;
			   memcpy(__entry->name, heap->name, WSHEAP_NAME_MAX);
			   __entry->requested_before = requested_before;
			   __entry->actual_after = actual_after;),
	    TP_printk("heap=%p name=%s requested_before=%zu actual_after=%zu",
		      __entry->heap, __entry->name, __entry->requested_before,
		      __entry->actual_after)
);

/* A request refused for the quota or for memory, and who made it. */
TRACE_EVENT(wsheap_refuse,
	    TP_PROTO(const struct wsheap *heap, int err, size_t size,
		     unsigned long caller),
	    TP_ARGS(heap, err, size, caller),
	    TP_STRUCT__entry(__field(const void *, heap)
			     __array(char, name, WSHEAP_NAME_MAX)
			     __field(int, err)
			     __field(size_t, size)
			     __field(unsigned long, caller)),
	    TP_fast_assign(__entry->heap = heap;
			   memcpy(__entry->name, heap->name, WSHEAP_NAME_MAX);
			   __entry->err = err;
			   __entry->size = size;
			   __entry->caller = caller;),
	    TP_printk("heap=%p name=%s err=%d size=%zu caller=%pS",
		      __entry->heap, __entry->name, __entry->err,
		      __entry->size, (void *)__entry->caller)
);

#endif /* _WSHEAP_TRACE_H */

/* An out-of-tree trace header: define_trace.h finds it by this name. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE wsheap_trace
#include <trace/define_trace.h>
