// SPDX-License-Identifier: GPL-2.0
/*
 * wsheap_kasan_probe - bad accesses into a heap, for KASAN to catch
 *
 * Loaded by scripts/kasan.sh into a UML kernel with generic KASAN,
 * KASAN_VMALLOC and kasan_multi_shot.  Each probe is one access between
 * two log lines,
 *
 *	wsheap_kasan_probe: begin <name> expect <report>
 *	wsheap_kasan_probe: end <name>
 *
 * where <report> is the KASAN bug type the access must produce exactly
 * once, or "none" for an access that must not be reported.  The script
 * counts the reports between the lines.  A bug in a driver, not in
 * wsheap, is what each bad probe plays: every one of them reads memory
 * the heap did not hand out, or no longer does.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/compiler.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sizes.h>

#include "../wsheap.h"

#define VMALLOC_OOB	"vmalloc-out-of-bounds"
#define SLAB_OOB	"slab-out-of-bounds"
#define UAF		"use-after-free"

/*
 * Read one byte the compiler cannot drop or predict.  The probe is named
 * after the kind of chunk @p lies in.
 */
static void probe(const char *name, const char *expect, const u8 *p,
		  size_t offset)
{
	const char *kind = is_vmalloc_addr(p) ? "vmalloc" : "slab";

	pr_info("begin %s/%s expect %s\n", kind, name, expect);
	OPTIMIZER_HIDE_VAR(p);
	(void)READ_ONCE(p[offset]);
	pr_info("end %s/%s\n", kind, name);
}

static int probe_alloc(struct wsheap *heap, size_t size, u8 **p)
{
	return wsheap_alloc(heap, size, (void **)p, NULL);
}

/*
 * Blocks of 13 and 16 bytes in the current chunk of @heap, which is a
 * slab or a vmalloc chunk: out-of-bounds reads are reported as @oob.
 */
static int probe_blocks(struct wsheap *heap, const char *oob)
{
	u8 *odd, *even;
	int ret;

	ret = probe_alloc(heap, 13, &odd) ?: probe_alloc(heap, 16, &even);
	if (ret)
		return ret;
	probe("last-byte-of-13", "none", odd, 12);
	probe("past-13-byte-block", oob, odd, 13);
	probe("last-byte-of-16", "none", even, 15);
	probe("past-16-byte-block", oob, even, 16);
	/* Past the bump pointer, inside the chunk: never handed out. */
	probe("never-handed-out", oob, even, 1024);
	return 0;
}

/*
 * A heap whose first chunk is vmalloc()'d: a first block larger than a
 * slab chunk gets a chunk of its own, with room left for small blocks.
 */
static int probe_vmalloc_blocks(struct wsheap *heap)
{
	u8 *big;

	return probe_alloc(heap, SZ_16K + SZ_4K, &big) ?:
	       probe_blocks(heap, VMALLOC_OOB);
}

static int probe_rollback(struct wsheap *heap)
{
	struct wsheap_mark mark;
	u8 *kept, *dropped;
	int ret;

	ret = probe_alloc(heap, 40, &kept) ?:
	      wsheap_mark(heap, &mark, NULL) ?:
	      probe_alloc(heap, 40, &dropped) ?:
	      wsheap_rollback(heap, &mark, NULL);
	if (ret)
		return ret;
	probe("before-the-mark", "none", kept, 39);
	probe("after-rollback", UAF, dropped, 0);
	return 0;
}

static int probe_reset(struct wsheap *heap)
{
	u8 *old, *again;
	int ret;

	ret = probe_alloc(heap, 64, &old) ?: wsheap_reset(heap, NULL);
	if (ret)
		return ret;
	probe("after-reset", UAF, old, 0);
	ret = probe_alloc(heap, 64, &again);
	if (ret)
		return ret;
	probe("handed-out-again", "none", again, 63);
	return 0;
}

static int __init wsheap_kasan_probe_init(void)
{
	struct wsheap *heap;
	int ret;

	ret = wsheap_create(SZ_1M, SZ_1M, NULL, 0, &heap, NULL);
	if (ret)
		return ret;
	ret = probe_blocks(heap, SLAB_OOB) ?: probe_rollback(heap) ?:
	      probe_reset(heap);
	wsheap_free(heap);
	if (ret)
		return ret;
	ret = wsheap_create(SZ_1M, 0, NULL, 0, &heap, NULL);
	if (ret)
		return ret;
	ret = probe_vmalloc_blocks(heap);
	wsheap_free(heap);
	pr_info("probes done: %d\n", ret);
	return ret;
}

static void __exit wsheap_kasan_probe_exit(void)
{
}

module_init(wsheap_kasan_probe_init);
module_exit(wsheap_kasan_probe_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Bad accesses into a wsheap heap, for KASAN to report");
MODULE_AUTHOR("The wsheap developers");
