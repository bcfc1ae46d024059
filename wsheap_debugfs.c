// SPDX-License-Identifier: GPL-2.0
/*
 * wsheap - every live heap in /sys/kernel/debug/wsheap/heaps
 *
 * Linked into wsheap.ko only in kernels with debugfs.  Heaps join a
 * module-wide list at create and leave it at free, under a mutex that the
 * reader holds too, so a heap cannot be freed while it is being printed.
 * Its fields, though, change under its owner's calls, which take no lock:
 * the file reads them with data_race(), a snapshot that is exact whenever
 * the owner is idle.
 *
 * The file is one table for people and scripts alike: a header line that
 * names each column in one word, then one line per heap with as many
 * fields (a name with blanks has them escaped, an unnamed heap shows "-").
 */
#include <linux/debugfs.h>
#include <linux/init.h>
#include <linux/list.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/module.h>
#include <linux/seq_file.h>

#include "wsheap_internal.h"

static LIST_HEAD(wsheap_heaps);
static DEFINE_MUTEX(wsheap_heaps_lock);
static struct dentry *wsheap_debugfs_dir;

void wsheap_stats_add(struct wsheap *heap)
{
	mutex_lock(&wsheap_heaps_lock);
	list_add_tail(&heap->stats.node, &wsheap_heaps);
	mutex_unlock(&wsheap_heaps_lock);
}

void wsheap_stats_del(struct wsheap *heap)
{
	mutex_lock(&wsheap_heaps_lock);
	list_del(&heap->stats.node);
	mutex_unlock(&wsheap_heaps_lock);
}

/* What one line shows: the fields its owner's calls change. */
struct wsheap_snapshot {
	size_t requested;
	size_t actual;
	struct wsheap_stats stats;
};

static void wsheap_heap_snapshot(struct wsheap *heap,
				 struct wsheap_snapshot *snap)
{
	/* racy on purpose: the owner's calls take no lock (see above) */
	snap->requested = data_race(heap->fast.requested);
	/* racy on purpose, likewise */
	snap->actual = data_race(heap->actual);
	/* racy on purpose, likewise */
	snap->stats = data_race(heap->stats);
}

static void wsheap_heaps_show_one(struct seq_file *m, struct wsheap *heap)
{
	struct wsheap_snapshot snap;

	wsheap_heap_snapshot(heap, &snap);
	if (heap->name[0])
		seq_escape(m, heap->name, " \t\n\\");
	else
		seq_puts(m, "-");
	seq_printf(m, " %zu %zu %zu %zu %zu %lu %lu %lu %lu\n",
		   heap->fast.max_size, heap->trim_size, snap.requested,
		   snap.actual, max(snap.stats.peak, snap.requested),
		   snap.stats.chunks, snap.stats.resets,
		   snap.stats.quota_refusals, snap.stats.oom_refusals);
}

/**
 * wsheap_heaps_show() - print the table of every live heap
 * @m: the seq_file of /sys/kernel/debug/wsheap/heaps
 * @v: unused
 *
 * Exported only to the KUnit suites, which read the table into a buffer
 * of their own while heaps come and go (kunit.py boots no userspace to
 * mount debugfs).
 *
 * Context: Process context.  Takes the heap list's mutex.
 * Return: 0.
 */
WSHEAP_VISIBLE_FOR_TEST int wsheap_heaps_show(struct seq_file *m, void *v)
{
	struct wsheap *heap;

	seq_puts(m, "name max trim requested actual peak chunks resets quota_refusals oom_refusals\n");
	mutex_lock(&wsheap_heaps_lock);
	list_for_each_entry(heap, &wsheap_heaps, stats.node)
		wsheap_heaps_show_one(m, heap);
	mutex_unlock(&wsheap_heaps_lock);
	return 0;
}
EXPORT_SYMBOL_IF_WSHEAP_TEST(wsheap_heaps_show);
DEFINE_SHOW_ATTRIBUTE(wsheap_heaps);

void __init wsheap_debugfs_init(void)
{
	wsheap_debugfs_dir = debugfs_create_dir("wsheap", NULL);
	debugfs_create_file("heaps", 0400, wsheap_debugfs_dir, NULL,
			    &wsheap_heaps_fops);
}

void wsheap_debugfs_exit(void)
{
	debugfs_remove_recursive(wsheap_debugfs_dir);
}
