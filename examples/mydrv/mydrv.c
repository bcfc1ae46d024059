// SPDX-License-Identifier: GPL-2.0
/*
 * mydrv: a driver author's module that uses wsheap, packaged on its own
 * beside wsheap-dkms as the README's "Packaging (DKMS)" recipe shows.
 * At load it fills a heap with a few records (wsheap_alloc() takes its
 * inline path here: that is why a client is built against the exact
 * wsheap version it runs with), at unload it frees the heap.
 */
#include <linux/module.h>
#include <linux/sizes.h>
#include "wsheap.h"

struct mydrv_rec {
	struct mydrv_rec *next;
	unsigned int id;
	char *name;
};

static struct wsheap *mydrv_heap;

static size_t mydrv_size(enum wsheap_property_id id)
{
	size_t v = 0;

	wsheap_get_property(mydrv_heap, id, &v, sizeof(v), NULL);
	return v;
}

static int __init mydrv_init(void)
{
	static const char heap_name[] = "mydrv";
	const struct wsheap_property name = {
		.id = WSHEAP_PROPERTY_NAME,
		.value = heap_name,
		.value_size = sizeof(heap_name),
	};
	struct mydrv_rec *head = NULL, *r;
	struct wsheap_error err = {};
	unsigned int i, n = 0;
	int ret;

	ret = wsheap_create(SZ_64K, SZ_16K, &name, 1, &mydrv_heap, &err);
	if (ret) {
		pr_err("mydrv: wsheap_create: %d (%s)\n", ret, err.msg);
		return ret;
	}
	for (i = 0; i < 8; i++) {
		ret = wsheap_alloc(mydrv_heap, sizeof(*r), (void **)&r, &err);
		if (!ret)
			ret = wsheap_asprintf(mydrv_heap, &r->name, &err,
					      "record %u", i);
		if (ret) {
			pr_err("mydrv: record %u: %d (%s)\n", i, ret, err.msg);
			wsheap_free(mydrv_heap);
			return ret;
		}
		r->id = i;
		r->next = head;
		head = r;
	}
	for (r = head; r; r = r->next)
		n++;
	pr_info("mydrv: %u records in heap \"%s\", last \"%s\": REQUESTED_SIZE %zu, ACTUAL_SIZE %zu\n",
		n, heap_name, head->name,
		mydrv_size(WSHEAP_PROPERTY_REQUESTED_SIZE),
		mydrv_size(WSHEAP_PROPERTY_ACTUAL_SIZE));
	return 0;
}

static void __exit mydrv_exit(void)
{
	wsheap_free(mydrv_heap);
	pr_info("mydrv: heap freed\n");
}

module_init(mydrv_init);
module_exit(mydrv_exit);
MODULE_DESCRIPTION("Example wsheap client packaged with DKMS");
MODULE_LICENSE("GPL");	/* wsheap's exports are GPL-only */
MODULE_VERSION("1.0");
