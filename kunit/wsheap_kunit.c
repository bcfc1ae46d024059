// SPDX-License-Identifier: GPL-2.0
#include <kunit/test.h>
#include "../wsheap.h"

static void wsheap_placeholder(struct kunit *test)
{
	struct wsheap *heap;

	KUNIT_ASSERT_EQ(test, wsheap_create(100, 0, NULL, 0, &heap, NULL), 0);
	wsheap_free(heap);
}

static struct kunit_case wsheap_cases[] = {
	KUNIT_CASE(wsheap_placeholder),
	{}
};

static struct kunit_suite wsheap_suite = {
	.name = "wsheap",
	.test_cases = wsheap_cases,
};
kunit_test_suite(wsheap_suite);
MODULE_LICENSE("GPL");
