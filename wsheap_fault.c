// SPDX-License-Identifier: GPL-2.0
/*
 * wsheap - fault injection for chunk memory (CONFIG_FAIL_WSHEAP)
 *
 * /sys/kernel/debug/fail_wsheap is a fault attribute like failslab's: it
 * makes __wsheap_chunk_mem_alloc() fail as the attribute says, so that
 * tests reach every -ENOMEM path of wsheap without failing the rest of
 * the kernel.  Linked into wsheap.ko only with the option.
 */
#include <linux/debugfs.h>
#include <linux/fault-inject.h>

#include "wsheap_internal.h"

static DECLARE_FAULT_ATTR(fail_wsheap);
static struct dentry *fail_wsheap_dir;

bool wsheap_should_fail(size_t bytes)
{
	return should_fail(&fail_wsheap, bytes);
}

void wsheap_fault_init(void)
{
	fail_wsheap_dir = fault_create_debugfs_attr("fail_wsheap", NULL,
						    &fail_wsheap);
}

void wsheap_fault_exit(void)
{
	debugfs_remove_recursive(fail_wsheap_dir);
}
