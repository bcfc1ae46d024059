// SPDX-License-Identifier: GPL-2.0
/*
 * wsheap_reserve - a reserve under total allocation failure
 *
 * The faults stage loads this module with failslab and fail_page_alloc
 * set to fail every allocation of a task that asks for it (task-filter,
 * probability 100).  The module creates a heap with a reserve, then marks
 * its own task to fail and runs rounds whose blocks add up to the
 * reserve: every one must succeed, because no call needs new memory.  In
 * the same run it shows that the injection is live: a kmalloc() fails, a
 * heap without a reserve cannot get its first chunk, and a request past
 * the reserve fails.  It prints one line of counts, and refuses to load
 * unless every check held.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/align.h>
#include <linux/errno.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/nodemask.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "../wsheap.h"

#define RESERVE_BYTES	4096

static unsigned int rounds = 500;
module_param(rounds, uint, 0444);
MODULE_PARM_DESC(rounds, "rounds of blocks adding up to the reserve");

/* Blocks of mixed sizes and alignments adding up to @budget bytes. */
static int reserve_round(struct wsheap *heap, size_t budget, unsigned int r)
{
	size_t used = 0, size;
	void *p;
	int ret;

	while (used < budget) {
		size = 1 + (r * 13 + used) % 89;
		if (r % 3 == 0 && used + 128 <= budget) {
			/* 8 bytes and at most 56 of padding */
			ret = wsheap_alloc_aligned(heap, 8, 64, &p, NULL);
			used += 64;
		} else {
			if (used + ALIGN(size, 8) > budget)
				size = budget - used;
			ret = wsheap_alloc(heap, size, &p, NULL);
			used += ALIGN(size, 8);
		}
		if (ret)
			return ret;
		*(u8 *)p = r;
	}
	return 0;
}

struct reserve_result {
	unsigned int ok;
	bool probe_failed;
	int plain;
	int past;
};

/* Everything that runs while this task's allocations fail. */
static void reserve_under_failure(struct wsheap *heap, struct wsheap *placed,
				  struct reserve_result *res)
{
	void *probe, *p;
	unsigned int r;

	current->make_it_fail = true;
	probe = kmalloc(64, GFP_KERNEL);
	for (r = 0; r < rounds; r++) {
		if (!reserve_round(heap, RESERVE_BYTES, r))
			res->ok++;
		wsheap_reset(heap, NULL);
	}
	/*
	 * A placed heap takes no parked chunk: its first one, 16 KiB for
	 * this block, is a kmalloc() of whole pages, which only the page
	 * allocator (and fail_page_alloc) can refuse.
	 */
	res->plain = wsheap_alloc(placed, 12 * 1024, &p, NULL);
	res->past = wsheap_alloc(heap, 64 * 1024, &p, NULL);
	current->make_it_fail = false;
	res->probe_failed = !probe;
	kfree(probe);
}

static int __init wsheap_reserve_init(void)
{
	size_t reserve = RESERVE_BYTES;
	int node = first_online_node;
	struct wsheap_property with_reserve = {
		WSHEAP_PROPERTY_RESERVE, &reserve, sizeof(reserve)
	};
	struct wsheap_property on_node = {
		WSHEAP_PROPERTY_NUMA_NODE, &node, sizeof(node)
	};
	struct reserve_result res = {};
	struct wsheap *heap, *placed;
	int ret;

	ret = wsheap_create(SIZE_MAX, 0, &with_reserve, 1, &heap, NULL);
	if (ret)
		return ret;
	ret = wsheap_create(SIZE_MAX, 0, &on_node, 1, &placed, NULL);
	if (ret) {
		wsheap_free(heap);
		return ret;
	}
	reserve_under_failure(heap, placed, &res);
	wsheap_free(placed);
	wsheap_free(heap);

	pr_info("rounds=%u ok=%u probe_failed=%d plain=%d past=%d\n", rounds,
		res.ok, res.probe_failed, res.plain, res.past);
	if (res.ok != rounds || !res.probe_failed || res.plain != -ENOMEM ||
	    res.past != -ENOMEM)
		return -EIO;
	return 0;
}

static void __exit wsheap_reserve_exit(void)
{
}

module_init(wsheap_reserve_init);
module_exit(wsheap_reserve_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("wsheap: a reserve carries rounds while every allocation fails");
MODULE_AUTHOR("The wsheap developers");
