// SPDX-License-Identifier: GPL-2.0
/*
 * wsheap_bench: the memory rows, KM and M.  Each makes BENCH_MEM_JOBS jobs
 * live at once, a header and four small objects from kmalloc() (KM) or a
 * heap with four blocks (M), and counts the pages they took as the rise of
 * NR_SLAB_UNRECLAIMABLE_B, which counts slab pages and kmalloc()'s large
 * pages alike.  The value of these rows is bytes, not ns: bytes of pages
 * per job or per heap.
 *
 * The counter lags by the per-CPU deltas not yet folded into it, a few
 * pages per CPU, and no exported function folds them; slab pages that
 * caches still hold partly free from an earlier repetition take new
 * objects without showing.  100,000 jobs make both small next to what
 * the jobs take (KM's 28 MiB the least).
 */
#include <linux/build_bug.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/vmstat.h>

#include "../wsheap.h"
#include "wsheap_bench.h"

#define BENCH_MEM_JOBS		100000U
#define BENCH_MEM_OBJS		4	/* objects or blocks per job */
#define BENCH_MEM_OBJ_SIZE	48
#define BENCH_MEM_HDR_SIZE	64	/* the kmalloc job's header */

/* A KM job: its 64-byte header holds its objects, as a heap its chunks. */
struct bench_mem_job {
	void *objs[BENCH_MEM_OBJS];
};

static_assert(sizeof(struct bench_mem_job) <= BENCH_MEM_HDR_SIZE);

/* Slab pages before and after the jobs of the last repetition run. */
static unsigned long bench_mem_slab[2];

static unsigned long bench_slab_pages(void)
{
	return global_node_page_state_pages(NR_SLAB_UNRECLAIMABLE_B);
}

static int bench_mem_kjob_new(void **ptr)
{
	struct bench_mem_job *job = kmalloc(BENCH_MEM_HDR_SIZE, GFP_KERNEL);
	unsigned int i;

	if (!job)
		return -ENOMEM;
	for (i = 0; i < BENCH_MEM_OBJS; i++) {
		job->objs[i] = kmalloc(BENCH_MEM_OBJ_SIZE, GFP_KERNEL);
		if (!job->objs[i])
			goto fail;
	}
	*ptr = job;
	return 0;
fail:
	while (i--)
		kfree(job->objs[i]);
	kfree(job);
	return -ENOMEM;
}

static void bench_mem_kjob_free(void *ptr)
{
	struct bench_mem_job *job = ptr;
	unsigned int i;

	for (i = 0; i < BENCH_MEM_OBJS; i++)
		kfree(job->objs[i]);
	kfree(job);
}

static int bench_mem_heap_new(void **ptr)
{
	struct wsheap *heap;
	unsigned int i;
	void *p;
	int ret;

	ret = wsheap_create(SZ_1M, 0, NULL, 0, &heap, NULL);
	if (ret)
		return ret;
	for (i = 0; i < BENCH_MEM_OBJS && !ret; i++)
		ret = bench_alloc(heap, BENCH_MEM_OBJ_SIZE, &p);
	if (ret)
		wsheap_free(heap);
	else
		*ptr = heap;
	return ret;
}

static void bench_mem_heap_free(void *ptr)
{
	wsheap_free(ptr);
}

/*
 * Make BENCH_MEM_JOBS jobs live with @new, then release them with @del.
 * *@bytes: the bytes of the pages they took, 0 if slab pages went down.
 */
static int bench_mem_run(int (*new)(void **ptr), void (*del)(void *ptr),
			 u64 *bytes, u64 *units)
{
	unsigned int n;
	void **jobs;
	int ret = 0;

	jobs = kvmalloc_array(BENCH_MEM_JOBS, sizeof(*jobs), GFP_KERNEL);
	if (!jobs)
		return -ENOMEM;
	bench_mem_slab[0] = bench_slab_pages();
	for (n = 0; n < BENCH_MEM_JOBS && !ret; n++)
		ret = new(&jobs[n]);
	bench_mem_slab[1] = bench_slab_pages();
	if (ret)
		n--;	/* jobs[n - 1] was not made */
	*bytes = (u64)(bench_mem_slab[1] - min(bench_mem_slab[0],
					       bench_mem_slab[1])) * PAGE_SIZE;
	*units = BENCH_MEM_JOBS;
	while (n--)
		del(jobs[n]);
	kvfree(jobs);
	return ret;
}

int bench_mem_kmalloc(const struct bench_case *bc, u64 *ns, u64 *units)
{
	return bench_mem_run(bench_mem_kjob_new, bench_mem_kjob_free, ns,
			     units);
}

int bench_mem_wsheap(const struct bench_case *bc, u64 *ns, u64 *units)
{
	return bench_mem_run(bench_mem_heap_new, bench_mem_heap_free, ns,
			     units);
}

void bench_mem_note(const struct bench_case *bc, u64 median, char *buf,
		    size_t len)
{
	scnprintf(buf, len, ": slab pages %lu -> %lu in the last rep",
		  bench_mem_slab[0], bench_mem_slab[1]);
}
