// SPDX-License-Identifier: GPL-2.0
/*
 * wsheap_bench_smp - independent heaps on one CPU, then on every CPU at once
 *
 * Each row is a short job, done iters times by a kthread bound to a CPU,
 * on 8 objects of 8..127 bytes (one pseudo-random sequence for all rows):
 *
 *  - K8: kmalloc() of the 8, then kfree() of the 8: the machine's own
 *    ceiling, measured in the same boot;
 *  - H8: a 1 KiB heap created, given the 8, freed;
 *  - AR8: the 8 into a 1 KiB heap the thread keeps, then a reset;
 *  - MR8: a mark, the 8, a rollback, in a heap the thread keeps.
 *
 * A row runs first on one CPU alone (t1: ns per job), then on every online
 * CPU at once with the same work per CPU (tN: ns per job of the slowest
 * CPU).  Its scaling is N * t1 / tN, N for work whose CPUs share nothing
 * that is written; "vs K8" is that scaling over K8's.  Each time is the
 * best of reps runs: under QEMU TCG every vCPU is a host thread, and the
 * host's other work shows.  The module prints its table at load and then
 * does nothing more.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "../wsheap.h"
#include "../wsheap_internal.h"

/*
 * Under TCG a run of 20000 jobs (40 ms) moved 2x from one boot to the
 * next; runs ten times longer keep within about 20%.
 */
static unsigned int iters = 200000;
module_param(iters, uint, 0444);
MODULE_PARM_DESC(iters, "jobs per CPU in each run (default 200000)");

static unsigned int reps = 7;
module_param(reps, uint, 0444);
MODULE_PARM_DESC(reps, "runs of each row and CPU count; the best counts (default 7)");

#define JOB_OBJS	8
#define JOB_SIZES	256	/* length of the size sequence */
#define JOB_HEAP	1024	/* quota and trim of the rows' heaps */

static u8 job_sizes[JOB_SIZES];

/*
 * One CPU's part of a run, a cache line of its own: the jobs write in it,
 * and CPUs that shared a line would measure each other.
 */
struct bench_cpu {
	const struct bench_row *row;
	unsigned int cpu;
	struct task_struct *task;
	struct wsheap *heap;		/* kept across jobs by AR8 and MR8 */
	void *objs[JOB_OBJS];
	struct completion *start;
	struct completion done;
	u64 ns;
	int err;
} ____cacheline_aligned_in_smp;

struct bench_row {
	const char *key;
	const char *what;
	bool keeps_heap;
	int (*job)(struct bench_cpu *c, unsigned int i);
	bool shares_heap;	/* one CONCURRENT heap for every CPU */
};

static size_t job_size(unsigned int i, unsigned int j)
{
	return job_sizes[(i * JOB_OBJS + j) % JOB_SIZES];
}

static int job_kmalloc(struct bench_cpu *c, unsigned int i)
{
	unsigned int j;

	for (j = 0; j < JOB_OBJS; j++) {
		c->objs[j] = kmalloc(job_size(i, j), GFP_KERNEL);
		if (!c->objs[j])
			return -ENOMEM;
	}
	for (j = 0; j < JOB_OBJS; j++)
		kfree(c->objs[j]);
	return 0;
}

static int job_fill(struct wsheap *heap, unsigned int i)
{
	unsigned int j;
	void *p;
	int ret;

	for (j = 0; j < JOB_OBJS; j++) {
		ret = wsheap_alloc(heap, job_size(i, j), &p, NULL);
		if (ret)
			return ret;
	}
	return 0;
}

static int job_heap(struct bench_cpu *c, unsigned int i)
{
	struct wsheap *heap;
	int ret;

	ret = wsheap_create(JOB_HEAP, 0, NULL, 0, &heap, NULL);
	if (ret)
		return ret;
	ret = job_fill(heap, i);
	wsheap_free(heap);
	return ret;
}

static int job_reset(struct bench_cpu *c, unsigned int i)
{
	int ret = job_fill(c->heap, i);

	return ret ?: wsheap_reset(c->heap, NULL);
}

/* 8 allocations into the heap every CPU of the run shares */
static int job_shared(struct bench_cpu *c, unsigned int i)
{
	return job_fill(c->heap, i);
}

static int job_rollback(struct bench_cpu *c, unsigned int i)
{
	struct wsheap_mark mark;
	int ret;

	ret = wsheap_mark(c->heap, &mark, NULL);
	if (ret)
		return ret;
	ret = job_fill(c->heap, i);
	return ret ?: wsheap_rollback(c->heap, &mark, NULL);
}

static const struct bench_row bench_rows[] = {
	{ "K8", "kmalloc+kfree of 8 objects", false, job_kmalloc },
	{ "H8", "create, 8 allocations, free", false, job_heap },
	{ "AR8", "8 allocations, reset", true, job_reset },
	{ "MR8", "mark, 8 allocations, rollback", true, job_rollback },
	{ "C8", "8 allocations, one CONCURRENT heap shared", false, job_shared,
	  true },
};

static int bench_cpu_fn(void *data)
{
	struct bench_cpu *c = data;
	unsigned int i;
	int err = 0;
	u64 t0;

	wait_for_completion(c->start);
	t0 = ktime_get_ns();
	for (i = 0; i < iters && !err; i++)
		err = c->row->job(c, i);
	c->ns = ktime_get_ns() - t0;
	c->err = err;
	complete(&c->done);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

static int bench_cpu_start(struct bench_cpu *c, struct completion *start)
{
	int ret;

	c->start = start;
	c->err = 0;
	init_completion(&c->done);
	if (c->row->keeps_heap) {
		ret = wsheap_create(JOB_HEAP, JOB_HEAP, NULL, 0, &c->heap, NULL);
		if (ret)
			return ret;
	}
	c->task = kthread_create(bench_cpu_fn, c, "wsheap_bench/%u", c->cpu);
	if (IS_ERR(c->task)) {
		if (c->row->keeps_heap)
			wsheap_free(c->heap);
		c->heap = NULL;
		return PTR_ERR(c->task);
	}
	kthread_bind(c->task, c->cpu);
	get_task_struct(c->task);
	wake_up_process(c->task);
	return 0;
}

/*
 * One run of @row on the CPUs of @cpus: the ns per job of the slowest CPU,
 * or a negative errno.
 */
static s64 bench_run(const struct bench_row *row, const struct cpumask *cpus,
		     struct bench_cpu *pcs)
{
	DECLARE_COMPLETION_ONSTACK(start);
	bool yes = true;
	struct wsheap_property concurrent = { WSHEAP_PROPERTY_CONCURRENT,
					      &yes, sizeof(yes) };
	struct wsheap *shared = NULL;
	unsigned int n = 0, i, cpu;
	u64 slowest = 0;
	int err = 0;

	if (row->shares_heap) {
		err = wsheap_create(SIZE_MAX, 0, &concurrent, 1, &shared, NULL);
		if (err)
			return err;
	}
	for_each_cpu(cpu, cpus) {
		pcs[n] = (struct bench_cpu){ .row = row, .cpu = cpu,
					     .heap = shared };
		err = bench_cpu_start(&pcs[n], &start);
		if (err)
			break;
		n++;
	}
	complete_all(&start);
	for (i = 0; i < n; i++) {
		wait_for_completion(&pcs[i].done);
		kthread_stop(pcs[i].task);
		put_task_struct(pcs[i].task);
		if (!row->shares_heap)
			wsheap_free(pcs[i].heap);
		err = err ?: pcs[i].err;
		slowest = max(slowest, pcs[i].ns);
	}
	wsheap_free(shared);
	return err ?: (s64)div_u64(slowest, iters);
}

/* The best of reps runs of @row on @cpus. */
static s64 bench_best(const struct bench_row *row, const struct cpumask *cpus,
		      struct bench_cpu *pcs)
{
	s64 best = S64_MAX, t;
	unsigned int r;

	for (r = 0; r < reps; r++) {
		t = bench_run(row, cpus, pcs);
		if (t < 0)
			return t;
		best = min(best, t);
	}
	return best;
}

static void bench_sizes_init(void)
{
	u32 x = 0x77736870;
	unsigned int i;

	for (i = 0; i < JOB_SIZES; i++) {
		x = x * 1664525 + 1013904223;
		job_sizes[i] = 8 + (x >> 24) % 120;
	}
}

/* scaling * 100 of a row: N * t1 / tN */
static u64 bench_scaling(unsigned int n, s64 t1, s64 tn)
{
	return div64_u64((u64)n * t1 * 100, max_t(s64, tn, 1));
}

static int __init wsheap_bench_smp_init(void)
{
	unsigned int n, i;
	u64 scale, k_scale = 0;
	struct bench_cpu *pcs;
	s64 t1, tn;
	int ret = 0;

	if (!iters || !reps)
		return -EINVAL;
	bench_sizes_init();
	pcs = kcalloc(nr_cpu_ids, sizeof(*pcs), GFP_KERNEL);
	if (!pcs)
		return -ENOMEM;

	/* a benchmark: CPUs are not expected to come and go during it */
	n = num_online_cpus();
	pr_info("struct wsheap: %zu bytes, a kmalloc-%zu object\n",
		sizeof(struct wsheap),
		kmalloc_size_roundup(sizeof(struct wsheap)));
	pr_info("iters=%u reps=%u: ns per job, best of the reps; t1 on CPU %u alone, t%u on all %u CPUs at once (the slowest CPU)\n",
		iters, reps, cpumask_first(cpu_online_mask), n, n);
	pr_info("scaling: %u x t1 / t%u; vs K8: scaling / K8's scaling (target: 0.90 or more)\n",
		n, n);
	pr_info("%-4s %-30s %8s %8s %8s %6s\n", "key", "job", "t1 ns", "tN ns",
		"scaling", "vs K8");
	for (i = 0; i < ARRAY_SIZE(bench_rows); i++) {
		const struct bench_row *row = &bench_rows[i];

		t1 = bench_best(row, cpumask_of(cpumask_first(cpu_online_mask)),
				pcs);
		tn = t1 < 0 ? t1 : bench_best(row, cpu_online_mask, pcs);
		if (t1 < 0 || tn < 0) {
			ret = t1 < 0 ? t1 : tn;
			pr_info("%-4s %-30s (failed: %d)\n", row->key, row->what,
				ret);
			continue;
		}
		scale = bench_scaling(n, t1, tn);
		if (!i)
			k_scale = scale;
		pr_info("%-4s %-30s %8lld %8lld %5llu.%02llux %3llu.%02llux\n",
			row->key, row->what, t1, tn, scale / 100, scale % 100,
			div64_u64(scale * 100, max_t(u64, k_scale, 1)) / 100,
			div64_u64(scale * 100, max_t(u64, k_scale, 1)) % 100);
	}
	kfree(pcs);
	return ret;
}
module_init(wsheap_bench_smp_init);

static void __exit wsheap_bench_smp_exit(void)
{
}
module_exit(wsheap_bench_smp_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("wsheap benchmark: independent heaps on several CPUs");
MODULE_AUTHOR("The wsheap developers");
