// SPDX-License-Identifier: GPL-2.0
/*
 * wsheap - every live heap in /sys/kernel/debug/wsheap/heaps
 *
 * Linked into wsheap.ko only in kernels with debugfs.  A heap joins the
 * list of the CPU that creates it and leaves that list at free, each list
 * under a spinlock of its own: heaps created on different CPUs never
 * write a common lock or list head, and a free on the creating CPU (the
 * usual case) touches only that CPU's.  The reader takes each CPU's lock
 * in turn while it prints that CPU's heaps, so a heap cannot be freed
 * while it is being printed, and every heap that lives across the whole
 * read is listed exactly once.  A heap's fields, though, change under
 * its owner's calls, which take no lock: the file reads them with
 * data_race(), a snapshot that is exact whenever the owner is idle.
 *
 * The file is one table for people and scripts alike: a header line that
 * names each column in one word, then one line per heap with as many
 * fields (a name with blanks has them escaped, an unnamed heap shows "-").
 */
#include <linux/debugfs.h>
#include <linux/gfp.h>
#include <linux/init.h>
#include <linux/list.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/numa.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>
#include <linux/smp.h>
#include <linux/spinlock.h>

#include "wsheap_internal.h"

/* The heaps created on one CPU. */
struct wsheap_heap_list {
	spinlock_t lock;		/* protects heaps */
	struct list_head heaps;
};

static DEFINE_PER_CPU(struct wsheap_heap_list, wsheap_heap_lists);
static struct dentry *wsheap_debugfs_dir;

void wsheap_stats_add(struct wsheap *heap)
{
	struct wsheap_heap_list *list = get_cpu_ptr(&wsheap_heap_lists);
	unsigned long flags;

	heap->stats_cpu = smp_processor_id();
	spin_lock_irqsave(&list->lock, flags);
	list_add_tail(&heap->stats.node, &list->heaps);
	spin_unlock_irqrestore(&list->lock, flags);
	put_cpu_ptr(&wsheap_heap_lists);
}

void wsheap_stats_del(struct wsheap *heap)
{
	struct wsheap_heap_list *list = per_cpu_ptr(&wsheap_heap_lists,
						    heap->stats_cpu);
	unsigned long flags;

	spin_lock_irqsave(&list->lock, flags);
	list_del(&heap->stats.node);
	spin_unlock_irqrestore(&list->lock, flags);
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

/*
 * The flags column: one letter each for an atomic heap (a), an accounted
 * one (c) and one placed on a node (n<node>), "-" for none of them.
 */
static void wsheap_heap_flags_show(struct seq_file *m, struct wsheap *heap)
{
	bool any = false;

	if (wsheap_heap_is_atomic(heap)) {
		seq_putc(m, 'a');
		any = true;
	}
	if (heap->gfp & __GFP_ACCOUNT) {
		seq_putc(m, 'c');
		any = true;
	}
	if (heap->node != NUMA_NO_NODE) {
		seq_printf(m, "n%d", heap->node);
		any = true;
	}
	seq_puts(m, any ? "\n" : "-\n");
}

static void wsheap_heaps_show_one(struct seq_file *m, struct wsheap *heap)
{
	struct wsheap_snapshot snap;

	wsheap_heap_snapshot(heap, &snap);
	if (heap->name[0])
		seq_escape(m, heap->name, " \t\n\\");
	else
		seq_puts(m, "-");
	seq_printf(m, " %zu %zu %zu %zu %zu %u %u %u %u %zu ",
		   heap->fast.max_size, heap->trim_size, snap.requested,
		   snap.actual, max(snap.stats.peak, snap.requested),
		   snap.stats.chunks, snap.stats.resets,
		   snap.stats.quota_refusals, snap.stats.oom_refusals,
		   heap->reserve);
	wsheap_heap_flags_show(m, heap);
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
 * Context: Any context that may take a spinlock.  Takes each CPU's heap
 * list lock in turn.
 * Return: 0.
 */
WSHEAP_VISIBLE_FOR_TEST int wsheap_heaps_show(struct seq_file *m, void *v)
{
	struct wsheap_heap_list *list;
	unsigned long flags;
	struct wsheap *heap;
	int cpu;

	seq_puts(m, "name max trim requested actual peak chunks resets quota_refusals oom_refusals reserve flags\n");
	for_each_possible_cpu(cpu) {
		list = per_cpu_ptr(&wsheap_heap_lists, cpu);
		spin_lock_irqsave(&list->lock, flags);
		list_for_each_entry(heap, &list->heaps, stats.node)
			wsheap_heaps_show_one(m, heap);
		spin_unlock_irqrestore(&list->lock, flags);
	}
	return 0;
}
EXPORT_SYMBOL_IF_WSHEAP_TEST(wsheap_heaps_show);
DEFINE_SHOW_ATTRIBUTE(wsheap_heaps);

void __init wsheap_debugfs_init(void)
{
	struct wsheap_heap_list *list;
	int cpu;

	for_each_possible_cpu(cpu) {
		list = per_cpu_ptr(&wsheap_heap_lists, cpu);
		spin_lock_init(&list->lock);
		INIT_LIST_HEAD(&list->heaps);
	}
	wsheap_debugfs_dir = debugfs_create_dir("wsheap", NULL);
	debugfs_create_file("heaps", 0400, wsheap_debugfs_dir, NULL,
			    &wsheap_heaps_fops);
}

void wsheap_debugfs_exit(void)
{
	debugfs_remove_recursive(wsheap_debugfs_dir);
}
