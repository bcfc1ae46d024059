// SPDX-License-Identifier: GPL-2.0
/*
 * wsheap_stress - allocate, check and reset wsheap heaps for a while
 *
 * Meant for a kernel running with failslab and fail_page_alloc, so that
 * wsheap_create() and wsheap_alloc() fail at random.  A few heaps with
 * different quotas and trim sizes are driven from a fixed pseudo-random
 * sequence: bursts of allocations of mixed sizes, each filled with a byte
 * pattern of its own; before every reset all patterns are checked, so an
 * overlap between two allocations or a chunk released too early shows.
 * Heaps are freed and created again now and then.
 *
 * Beside each heap runs a model of what the contract says it holds, and
 * every call is checked against it:
 *  - a result is 0 or -ENOMEM, or -EDQUOT exactly when the model says
 *    the request is over the quota; wsheap_reset() and
 *    wsheap_get_property() always return 0;
 *  - a refused call leaves *heap / *ptr and the heap's sizes untouched, and
 *    fills the error; a successful one leaves the error alone;
 *  - a pointer is non-NULL and 8-byte aligned;
 *  - REQUESTED_SIZE is the sum of the sizes handed out since the reset,
 *    and ACTUAL_SIZE is at least that;
 *  - after a reset REQUESTED_SIZE is 0 and ACTUAL_SIZE at most the trim
 *    size, and all of it when the heap held no more than the trim size.
 *
 * Each call counts as an op, and its result as ok, enomem, edquot or an
 * error; failed checks of memory and properties count as errors too.  The
 * -ENOMEM results are also counted per call (create, alloc), so that a
 * run can show that the injected failures reached each of them.  The
 * module reports the counts and fails to load if there was any error.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/align.h>
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/init.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/printk.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/stdarg.h>
#include <linux/string.h>

#include "../wsheap.h"

static unsigned int duration_ms = 3000;
module_param(duration_ms, uint, 0444);
MODULE_PARM_DESC(duration_ms, "How long to run, in milliseconds (default 3000)");

static ulong seed = 1;
module_param(seed, ulong, 0444);
MODULE_PARM_DESC(seed, "Seed of the pseudo-random sequence of requests (default 1)");

#define STRESS_SLOTS		4
#define STRESS_MAX_OBJS		256
#define STRESS_MAX_BURST	64
#define STRESS_REPORTS		10

/* Results a call may have besides 0. */
#define STRESS_MAY_ENOMEM	BIT(0)
#define STRESS_OVER_QUOTA	BIT(1)

struct stress_config {
	size_t quota;
	size_t trim;
};

/*
 * From a quota that refuses most requests to one that takes a dozen big
 * ones; the largest bounds the memory of a slot to a few tens of MiB.
 */
static const struct stress_config stress_configs[] = {
	{ .quota = SZ_4K,	.trim = 0 },
	{ .quota = SZ_256K,	.trim = SZ_16K },
	{ .quota = SZ_4M,	.trim = SZ_1M },
	{ .quota = SZ_16M,	.trim = SZ_64K },
};

struct stress_obj {
	void *ptr;
	size_t size;
	u8 tag;
};

struct stress_slot {
	struct wsheap *heap;
	const struct stress_config *cfg;
	size_t requested;	/* the model: sizes handed out since reset */
	unsigned int nr_objs;
	struct stress_obj objs[STRESS_MAX_OBJS];
};

struct stress_stats {
	unsigned long ops;
	unsigned long ok;
	unsigned long enomem;
	unsigned long edquot;
	unsigned long errors;
	/* of enomem: the calls that may fail for want of memory */
	unsigned long enomem_create;
	unsigned long enomem_alloc;
};

/* Static, so that the module itself needs no memory that failslab hits. */
static struct stress_slot stress_slots[STRESS_SLOTS];
static struct stress_stats stats;
static u64 stress_state;
static u8 stress_next_tag;

/* What an untouched struct wsheap_error holds. */
static const char stress_untouched[] = "untouched";
static char stress_ptr_sentinel;

static __printf(1, 2) void stress_fail(const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	if (stats.errors++ >= STRESS_REPORTS)
		return;
	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pr_err("%pV\n", &vaf);
	va_end(args);
}

/* xorshift64: reproducible from the seed parameter alone. */
static u32 stress_rand(void)
{
	u64 x = stress_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	stress_state = x;
	return x >> 32;
}

static void stress_error_init(struct wsheap_error *err)
{
	err->code = 1;
	err->msg = stress_untouched;
}

/* Count the result of one call and check it and @err against @may. */
static void stress_result(const char *what, int ret, unsigned int may,
			  const struct wsheap_error *err)
{
	stats.ops++;
	if (!ret && (may & STRESS_OVER_QUOTA))
		stress_fail("%s: succeeded over the quota", what);
	else if (!ret)
		stats.ok++;
	else if (ret == -ENOMEM && (may & STRESS_MAY_ENOMEM))
		stats.enomem++;
	else if (ret == -EDQUOT && (may & STRESS_OVER_QUOTA))
		stats.edquot++;
	else
		stress_fail("%s: unexpected result %d", what, ret);

	if (!ret && (err->code != 1 || err->msg != stress_untouched))
		stress_fail("%s: success changed the error", what);
	if (ret && (err->code != ret || !err->msg))
		stress_fail("%s: error not filled: code %d msg %p",
			    what, err->code, err->msg);
}

static size_t stress_get(struct stress_slot *slot, enum wsheap_property_id id)
{
	struct wsheap_error err;
	size_t value = 0;
	int ret;

	stress_error_init(&err);
	ret = wsheap_get_property(slot->heap, id, &value, sizeof(value), &err);
	stress_result("get_property", ret, 0, &err);
	return value;
}

/* The model's sizes must be the heap's. */
static void stress_check_sizes(struct stress_slot *slot, const char *when)
{
	size_t requested = stress_get(slot, WSHEAP_PROPERTY_REQUESTED_SIZE);
	size_t actual = stress_get(slot, WSHEAP_PROPERTY_ACTUAL_SIZE);

	if (requested != slot->requested)
		stress_fail("%s: REQUESTED_SIZE %zu, expected %zu",
			    when, requested, slot->requested);
	if (actual < requested)
		stress_fail("%s: ACTUAL_SIZE %zu below REQUESTED_SIZE %zu",
			    when, actual, requested);
}

static void stress_create(struct stress_slot *slot)
{
	const struct stress_config *cfg;
	struct wsheap *heap = NULL;
	struct wsheap_error err;
	int ret;

	cfg = &stress_configs[stress_rand() % ARRAY_SIZE(stress_configs)];
	stress_error_init(&err);
	ret = wsheap_create(cfg->quota, cfg->trim, NULL, 0, &heap, &err);
	stress_result("create", ret, STRESS_MAY_ENOMEM, &err);
	if (ret == -ENOMEM)
		stats.enomem_create++;
	if (ret) {
		if (heap)
			stress_fail("create: failure set *heap");
		return;
	}

	slot->heap = heap;
	slot->cfg = cfg;
	slot->requested = 0;
	slot->nr_objs = 0;
	if (stress_get(slot, WSHEAP_PROPERTY_MAX_SIZE) != cfg->quota ||
	    stress_get(slot, WSHEAP_PROPERTY_TRIM_SIZE) != cfg->trim ||
	    stress_get(slot, WSHEAP_PROPERTY_ACTUAL_SIZE) != 0)
		stress_fail("create: properties of a fresh heap are wrong");
	stress_check_sizes(slot, "create");
}

/*
 * Mostly small sizes, some up to 64 KiB, a few up to 1 MiB, and a few
 * over the quota on purpose (SIZE_MAX among them).
 */
static size_t stress_size(const struct stress_slot *slot)
{
	u32 r = stress_rand();
	u32 v = r >> 8;

	switch (r % 100) {
	case 0:
		return SIZE_MAX;
	case 1:
	case 2:
		return slot->cfg->quota - slot->requested + 1 + v % 64;
	case 3:
	case 4:
		return SZ_64K + v % (SZ_1M - SZ_64K + 1);
	}
	if (r % 100 < 25)
		return v % (SZ_64K + 1);
	if (r % 100 < 55)
		return v % (SZ_4K + 1);
	return v % 257;
}

static void stress_alloc_check(struct stress_slot *slot, size_t size,
			       void *p)
{
	struct stress_obj *obj;

	if (!p || !IS_ALIGNED((unsigned long)p, 8)) {
		stress_fail("alloc %zu: bad pointer %p", size, p);
		return;
	}
	slot->requested += size;
	if (!size)
		return;

	obj = &slot->objs[slot->nr_objs++];
	obj->ptr = p;
	obj->size = size;
	obj->tag = stress_next_tag++;
	memset(p, obj->tag, size);
}

static void stress_alloc(struct stress_slot *slot)
{
	size_t size = stress_size(slot);
	size_t quota_left = slot->cfg->quota - slot->requested;
	unsigned int may = size > quota_left ? STRESS_OVER_QUOTA :
					       STRESS_MAY_ENOMEM;
	size_t actual = stress_get(slot, WSHEAP_PROPERTY_ACTUAL_SIZE);
	void *p = &stress_ptr_sentinel;
	struct wsheap_error err;
	int ret;

	stress_error_init(&err);
	ret = wsheap_alloc(slot->heap, size, &p, &err);
	stress_result("alloc", ret, may, &err);
	if (ret == -ENOMEM)
		stats.enomem_alloc++;
	if (!ret) {
		stress_alloc_check(slot, size, p);
		return;
	}

	if (p != &stress_ptr_sentinel)
		stress_fail("alloc %zu: failure set *ptr", size);
	if (stress_get(slot, WSHEAP_PROPERTY_ACTUAL_SIZE) != actual)
		stress_fail("alloc %zu: failure changed ACTUAL_SIZE", size);
	stress_check_sizes(slot, "failed alloc");
}

static void stress_verify(struct stress_slot *slot)
{
	struct stress_obj *obj;
	unsigned int i;

	for (i = 0; i < slot->nr_objs; i++) {
		obj = &slot->objs[i];
		if (memchr_inv(obj->ptr, obj->tag, obj->size))
			stress_fail("object %u of %zu bytes at %p overwritten",
				    i, obj->size, obj->ptr);
		cond_resched();
	}
	stress_check_sizes(slot, "before reset");
}

static void stress_reset(struct stress_slot *slot)
{
	size_t before = stress_get(slot, WSHEAP_PROPERTY_ACTUAL_SIZE);
	size_t trim = slot->cfg->trim;
	struct wsheap_error err;
	size_t after;
	int ret;

	stress_error_init(&err);
	ret = wsheap_reset(slot->heap, &err);
	stress_result("reset", ret, 0, &err);

	slot->requested = 0;
	slot->nr_objs = 0;
	stress_check_sizes(slot, "after reset");
	after = stress_get(slot, WSHEAP_PROPERTY_ACTUAL_SIZE);
	if (after > trim)
		stress_fail("reset: ACTUAL_SIZE %zu over trim %zu", after, trim);
	if (before <= trim && after != before)
		stress_fail("reset: ACTUAL_SIZE %zu -> %zu within trim %zu",
			    before, after, trim);
}

static void stress_release(struct stress_slot *slot)
{
	wsheap_free(slot->heap);
	slot->heap = NULL;
}

/* A burst of allocations on one heap, maybe a reset, maybe a free. */
static void stress_round(struct stress_slot *slot)
{
	unsigned int i, n = 1 + stress_rand() % STRESS_MAX_BURST;

	if (!slot->heap)
		stress_create(slot);
	if (!slot->heap)
		return;

	if (slot->nr_objs + n > STRESS_MAX_OBJS) {
		stress_verify(slot);
		stress_reset(slot);
	}
	for (i = 0; i < n; i++) {
		stress_alloc(slot);
		cond_resched();
	}

	/* Leave objects live now and then, to meet other heaps' writes. */
	if (stress_rand() % 2) {
		stress_verify(slot);
		stress_reset(slot);
	}
	if (stress_rand() % 16 == 0) {
		stress_verify(slot);
		stress_release(slot);
	}
}

static int __init wsheap_stress_init(void)
{
	unsigned long end = jiffies + msecs_to_jiffies(duration_ms);
	unsigned int i;

	stress_state = seed ?: 1;
	memset(&stats, 0, sizeof(stats));

	while (time_before(jiffies, end)) {
		stress_round(&stress_slots[stress_rand() % STRESS_SLOTS]);
		cond_resched();
	}

	for (i = 0; i < STRESS_SLOTS; i++) {
		if (stress_slots[i].heap)
			stress_verify(&stress_slots[i]);
		stress_release(&stress_slots[i]);
	}

	pr_info("ops=%lu ok=%lu enomem=%lu edquot=%lu errors=%lu enomem_create=%lu enomem_alloc=%lu\n",
		stats.ops, stats.ok, stats.enomem, stats.edquot, stats.errors,
		stats.enomem_create, stats.enomem_alloc);
	return stats.errors ? -EIO : 0;
}

static void __exit wsheap_stress_exit(void)
{
}

module_init(wsheap_stress_init);
module_exit(wsheap_stress_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("wsheap stress client: checks every call against a model of the heap");
MODULE_AUTHOR("The wsheap developers");
