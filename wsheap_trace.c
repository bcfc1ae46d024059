// SPDX-License-Identifier: GPL-2.0
/*
 * wsheap's tracepoints (wsheap_trace.h), instantiated once.  Linked into
 * wsheap.ko only in kernels with tracepoints.
 */
#define CREATE_TRACE_POINTS
#include "wsheap_trace.h"
