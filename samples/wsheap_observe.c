// SPDX-License-Identifier: GPL-2.0
/*
 * wsheap_observe - a named heap for the observability test to look at
 *
 * Loaded by scripts/observe.sh.  At load it creates the heap
 * "observe-demo" and runs a fixed sequence on it: one allocation (one
 * chunk), one request over the quota (one refusal), a reset, and one more
 * allocation; then it prints the heap's properties on one line,
 *
 *	wsheap_observe: props name=... max=... trim=... requested=... actual=...
 *
 * and keeps the heap until it is unloaded, so that the script can hold
 * /sys/kernel/debug/wsheap/heaps and the wsheap trace events against it.
 * Beside it lives "observe-reserve", a heap with a reserve and nothing
 * else, for the listing's reserve column.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>

#include "../wsheap.h"

#define OBSERVE_NAME	"observe-demo"
#define OBSERVE_QUOTA	4096
#define OBSERVE_TRIM	16384	/* keeps the one chunk across the reset */
#define OBSERVE_FIRST	100	/* the peak: more than anything after it */
#define OBSERVE_REFUSED	5000	/* over the quota */
#define OBSERVE_AGAIN	64

#define RESERVED_NAME	"observe-reserve"
#define RESERVED_QUOTA	8192
#define RESERVED_BYTES	2048

static struct wsheap *observe_heap;
static struct wsheap *observe_reserved;

static size_t observe_prop(enum wsheap_property_id id)
{
	size_t value = 0;

	wsheap_get_property(observe_heap, id, &value, sizeof(value), NULL);
	return value;
}

/*
 * One chunk, one refusal, one reset, one more block.  Not inlined into
 * the __init function, whose text is gone by the time the trace is read:
 * the refusal's caller must still have a name then.
 */
static noinline int observe_sequence(void)
{
	void *p;
	int ret;

	ret = wsheap_alloc(observe_heap, OBSERVE_FIRST, &p, NULL);
	if (ret)
		return ret;
	ret = wsheap_alloc(observe_heap, OBSERVE_REFUSED, &p, NULL);
	if (ret != -EDQUOT)
		return ret ?: -EIO;
	return wsheap_reset(observe_heap, NULL) ?:
	       wsheap_alloc(observe_heap, OBSERVE_AGAIN, &p, NULL);
}

static int observe_create_reserved(void)
{
	static const size_t reserve = RESERVED_BYTES;
	const struct wsheap_property props[] = {
		{ WSHEAP_PROPERTY_NAME, RESERVED_NAME, sizeof(RESERVED_NAME) },
		{ WSHEAP_PROPERTY_RESERVE, &reserve, sizeof(reserve) },
	};

	return wsheap_create(RESERVED_QUOTA, 0, props, ARRAY_SIZE(props),
			     &observe_reserved, NULL);
}

static int __init wsheap_observe_init(void)
{
	const struct wsheap_property name = {
		WSHEAP_PROPERTY_NAME, OBSERVE_NAME, sizeof(OBSERVE_NAME),
	};
	int ret;

	ret = wsheap_create(OBSERVE_QUOTA, OBSERVE_TRIM, &name, 1,
			    &observe_heap, NULL);
	if (ret)
		return ret;
	ret = observe_sequence() ?: observe_create_reserved();
	if (ret) {
		wsheap_free(observe_heap);
		return ret;
	}
	pr_info("props name=%s max=%zu trim=%zu requested=%zu actual=%zu\n",
		OBSERVE_NAME, observe_prop(WSHEAP_PROPERTY_MAX_SIZE),
		observe_prop(WSHEAP_PROPERTY_TRIM_SIZE),
		observe_prop(WSHEAP_PROPERTY_REQUESTED_SIZE),
		observe_prop(WSHEAP_PROPERTY_ACTUAL_SIZE));
	return 0;
}

static void __exit wsheap_observe_exit(void)
{
	wsheap_free(observe_reserved);
	wsheap_free(observe_heap);
}

module_init(wsheap_observe_init);
module_exit(wsheap_observe_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A named wsheap heap for the debugfs and tracepoint test");
MODULE_AUTHOR("The wsheap developers");
