// SPDX-License-Identifier: GPL-2.0
/*
 * wsheap - every live heap in /sys/kernel/debug/wsheap/heaps
 *
 * Linked into wsheap.ko only in kernels with debugfs.  A heap object joins
 * the list of the CPU that first creates a heap in it, under that list's
 * spinlock, and leaves it only when its memory goes back to the slab: an
 * object parked for the next heap (wsheap_cache.c) stays listed, so that a
 * short-lived heap's create and free on a warm CPU take no lock and write
 * no list.  Heaps on different CPUs never write a common lock or list head.
 *
 * Each object's listing.live says whether a heap lives in it, written
 * under the object's seqcount: wsheap_free() clears it before it tears the
 * heap down, wsheap_create() sets it once the new heap is set up, each in
 * a short write section of its own (a parked object has none open).  The
 * reader takes each CPU's lock in turn (so no object on that list is freed
 * under it), skips objects with no live heap or inside a write section,
 * copies the rest and keeps the copy only if the seqcount did not move
 * meanwhile.  Every heap that lives across the whole read is listed
 * exactly once, and a line never mixes two heaps.  A
 * live heap's counters change under its owner's calls, which take no lock:
 * the copy is exact whenever the owner is idle.
 *
 * The file is one table for people and scripts alike: a header line that
 * names each column in one word, then one line per heap with as many
 * fields (a name with blanks has them escaped, an unnamed heap shows "-").
 *
 * /sys/kernel/debug/wsheap/parked is a table of the same kind: what each
 * possible CPU holds parked for the next heaps (wsheap_cache.c), heap
 * objects, standbys and chunks, in items and in bytes of slab memory.
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
#include <linux/string.h>

#include "wsheap_internal.h"

/* The heaps created on one CPU. */
struct wsheap_heap_list {
	spinlock_t lock;		/* protects heaps */
	struct list_head heaps;
};

static DEFINE_PER_CPU(struct wsheap_heap_list, wsheap_heap_lists);
static struct dentry *wsheap_debugfs_dir;

/*
 * Set once the lists are.  wsheap may be used before its initcall: built
 * in, it serves an LSM's boot policy, parsed before any initcall runs.
 * Such a heap stays off the listing; its object joins it with the next
 * heap created in it.
 */
WSHEAP_VISIBLE_FOR_TEST bool wsheap_heap_lists_ready;
EXPORT_SYMBOL_IF_WSHEAP_TEST(wsheap_heap_lists_ready);

/**
 * wsheap_stats_list() - put a heap object from the slab on this CPU's list
 * @heap: the heap wsheap_create() is about to return, in a new object
 *
 * Called by wsheap_stats_show_heap() (wsheap_internal.h) for an object
 * on no list.
 *
 * Context: Any.
 */
void wsheap_stats_list(struct wsheap *heap)
{
	/*
	 * Any CPU's list will do, the lock protects it: no preemption off
	 * around a spinlock_t, which sleeps on PREEMPT_RT.  The task's CPU
	 * of the moment keeps heaps of different CPUs on different lists.
	 */
	unsigned int cpu = raw_smp_processor_id();
	struct wsheap_heap_list *list = per_cpu_ptr(&wsheap_heap_lists, cpu);
	unsigned long flags;

	/* pairs with the release in wsheap_debugfs_init() */
	if (!smp_load_acquire(&wsheap_heap_lists_ready))
		return;
	heap->listing.cpu = cpu;
	spin_lock_irqsave(&list->lock, flags);
	list_add_tail(&heap->listing.node, &list->heaps);
	spin_unlock_irqrestore(&list->lock, flags);
}

/**
 * wsheap_stats_unlist() - take a heap object off its list for good
 * @heap: a heap object about to go back to the slab
 *
 * Context: Any.
 */
void wsheap_stats_unlist(struct wsheap *heap)
{
	struct wsheap_heap_list *list;
	unsigned long flags;

	if (!heap->listing.node.next)
		return;
	list = per_cpu_ptr(&wsheap_heap_lists, heap->listing.cpu);
	spin_lock_irqsave(&list->lock, flags);
	list_del(&heap->listing.node);
	spin_unlock_irqrestore(&list->lock, flags);
}

/*
 * Copy @heap, or return false when no heap lives in it, it is inside a
 * write section or it was freed during the copy.  The copy races with the
 * owner's calls and, when it is freed meanwhile, with the parking of its
 * object, which KASAN builds poison: neither is a bug, as the copy is then
 * thrown away.  No waiting for a write section to end: the reader holds a
 * list lock with interrupts off, which an interrupt inside that section's
 * CPU may be waiting for (to list or unlist another heap).
 */
static bool wsheap_heap_snapshot(struct wsheap *heap, struct wsheap *copy)
{
	unsigned int seq;

	seq = raw_read_seqcount(&heap->listing.seq);
	if ((seq & 1) || !READ_ONCE(heap->listing.live))
		return false;
	wsheap_kasan_quiet();
	/* racy on purpose: checked against the seqcount below */
	data_race(memcpy(copy, heap, WSHEAP_OBJECT_STATE));
	wsheap_kasan_loud();
	if (read_seqcount_retry(&heap->listing.seq, seq))
		return false;
	copy->name[WSHEAP_NAME_MAX - 1] = '\0';
	return true;
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

static void wsheap_heaps_show_one(struct seq_file *m, struct wsheap *live)
{
	struct wsheap copy, *heap = &copy;
	size_t requested;

	if (!wsheap_heap_snapshot(live, heap))
		return;
	/* not in the copy: a concurrent heap's slices (the lock holds it) */
	requested = heap->concurrent ? wsheap_concurrent_requested_now(live) :
				       heap->fast.requested;
	if (heap->name[0])
		seq_escape(m, heap->name, " \t\n\\");
	else
		seq_puts(m, "-");
	seq_printf(m, " %zu %zu %zu %zu %zu %u %u %u %u %zu ",
		   heap->fast.max_size, heap->trim_size, requested,
		   heap->actual, max(heap->stats.peak, requested),
		   heap->stats.chunks, heap->stats.resets,
		   heap->stats.quota_refusals, heap->stats.oom_refusals,
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
		list_for_each_entry(heap, &list->heaps, listing.node)
			wsheap_heaps_show_one(m, heap);
		spin_unlock_irqrestore(&list->lock, flags);
	}
	return 0;
}
EXPORT_SYMBOL_IF_WSHEAP_TEST(wsheap_heaps_show);
DEFINE_SHOW_ATTRIBUTE(wsheap_heaps);

static int wsheap_parked_show(struct seq_file *m, void *v)
{
	unsigned long items;
	size_t bytes;
	int cpu;

	seq_puts(m, "cpu items bytes\n");
	for_each_possible_cpu(cpu) {
		items = wsheap_cache_parked(cpu, &bytes);
		seq_printf(m, "%d %lu %zu\n", cpu, items, bytes);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(wsheap_parked);

void __init wsheap_debugfs_init(void)
{
	struct wsheap_heap_list *list;
	int cpu;

	for_each_possible_cpu(cpu) {
		list = per_cpu_ptr(&wsheap_heap_lists, cpu);
		spin_lock_init(&list->lock);
		INIT_LIST_HEAD(&list->heaps);
	}
	/* the lists before the flag: pairs with wsheap_stats_list() */
	smp_store_release(&wsheap_heap_lists_ready, true);
	wsheap_debugfs_dir = debugfs_create_dir("wsheap", NULL);
	debugfs_create_file("heaps", 0400, wsheap_debugfs_dir, NULL,
			    &wsheap_heaps_fops);
	debugfs_create_file("parked", 0400, wsheap_debugfs_dir, NULL,
			    &wsheap_parked_fops);
}

void wsheap_debugfs_exit(void)
{
	debugfs_remove_recursive(wsheap_debugfs_dir);
}
