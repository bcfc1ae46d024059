// SPDX-License-Identifier: GPL-2.0
/*
 * wsheap - the switches of the bench's ablation table
 *
 * Linked into wsheap.ko only when it is built with WSHEAP_ABLATION=y, for
 * scripts/bench.sh ablation=1: wsheap_bench sets one WSHEAP_ABLATE_* bit
 * (wsheap_internal.h) at a time between its repetitions, while it holds
 * no heap, and reads the bit of the inline path itself.  The word is
 * exported in a namespace of its own, which only wsheap_bench imports: it
 * is no part of the API.
 */
#include <linux/export.h>

#include "wsheap_internal.h"

unsigned int wsheap_ablation;
EXPORT_SYMBOL_NS_GPL(wsheap_ablation, WSHEAP_BENCH);
