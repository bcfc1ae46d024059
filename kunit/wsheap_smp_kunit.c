// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for wsheap on several CPUs: independent heaps used at once.
 *
 * One kthread bound to each online CPU hammers heaps of its own for a
 * bounded time (create, every kind of allocation with its contents
 * checked, mark and rollback, reset, free) while the test thread reads the
 * debugfs table of live heaps.  The suite asserts what a driver depends
 * on: no block of one heap is disturbed by work on another, REQUESTED_SIZE
 * stays exact, and the table lists every live heap exactly once.  Run it
 * in a kernel with KCSAN, lockdep and KASAN: a report from any of them
 * fails the stage that runs it.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/smp.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "../wsheap.h"
#include "../wsheap_internal.h"

/* Long enough for thousands of rounds per CPU even under QEMU TCG. */
#define SMP_RUN_MS		1500
#define SMP_BLOCKS		48
#define SMP_NAME_FMT_KEEP	"smp-keep-%u"
#define SMP_NAME_FMT_TEMP	"smp-temp-%u"

struct smp_block {
	u8 *ptr;
	size_t size;
	u8 tag;
};

struct smp_worker {
	unsigned int cpu;
	struct task_struct *task;
	struct completion ready;	/* its long-lived heap exists... */
	bool no_keep;			/* ...or could not be created */
	struct completion done;		/* its rounds are over */
	struct completion *release;	/* it may free its long-lived heap */
	unsigned long deadline;
	struct rnd_state rnd;
	/* results, read by the test thread after @done */
	unsigned long rounds;
	unsigned long errors;
	const char *first_error;
	struct smp_block blocks[SMP_BLOCKS];
	unsigned int nblocks;
	size_t requested;		/* what REQUESTED_SIZE must be */
};

static void smp_error(struct smp_worker *w, const char *what)
{
	if (!w->errors++)
		w->first_error = what;
}

static u32 smp_rand(struct smp_worker *w, u32 below)
{
	return prandom_u32_state(&w->rnd) % below;
}

/* Record a block handed out and fill it with its own tag. */
static void smp_keep(struct smp_worker *w, void *ptr, size_t size)
{
	struct smp_block *b = &w->blocks[w->nblocks++];

	b->ptr = ptr;
	b->size = size;
	b->tag = (u8)(w->cpu * 37 + w->nblocks * 11 + w->rounds);
	memset(ptr, b->tag, size);
	w->requested += size;
}

/* Every recorded block still holds its tag, and the heap counts them. */
static void smp_check(struct smp_worker *w, struct wsheap *heap)
{
	size_t requested;
	unsigned int i;

	for (i = 0; i < w->nblocks; i++)
		if (memchr_inv(w->blocks[i].ptr, w->blocks[i].tag,
			       w->blocks[i].size))
			smp_error(w, "a block lost its contents");
	if (wsheap_get_property(heap, WSHEAP_PROPERTY_REQUESTED_SIZE,
				&requested, sizeof(requested), NULL) ||
	    requested != w->requested)
		smp_error(w, "REQUESTED_SIZE is not the sum of the blocks");
}

/* One allocation of a randomly chosen kind, its result checked. */
static void smp_alloc_one(struct smp_worker *w, struct wsheap *heap)
{
	size_t size = 1 + smp_rand(w, 300);
	size_t align = 1UL << smp_rand(w, 8);
	char text[24];
	void *p = NULL;
	int ret = 0;

	if (w->nblocks == SMP_BLOCKS)
		return;
	switch (smp_rand(w, 6)) {
	case 0:
		ret = wsheap_alloc(heap, size, &p, NULL);
		break;
	case 1:
		ret = wsheap_zalloc(heap, size, &p, NULL);
		if (!ret && memchr_inv(p, 0, size))
			smp_error(w, "zalloc gave memory that is not zero");
		break;
	case 2:
		ret = wsheap_alloc_aligned(heap, size, align, &p, NULL);
		if (!ret && !IS_ALIGNED((unsigned long)p,
					max_t(size_t, align, WSHEAP_ALIGN)))
			smp_error(w, "alloc_aligned gave a misaligned block");
		break;
	case 3:
		snprintf(text, sizeof(text), "cpu%u-%lu", w->cpu, w->rounds);
		ret = wsheap_strdup(heap, text, (char **)&p, NULL);
		if (!ret && strcmp(p, text))
			smp_error(w, "strdup copied wrongly");
		size = strlen(text) + 1;
		break;
	case 4:
		ret = wsheap_asprintf(heap, (char **)&p, NULL, "%u:%zu",
				      w->cpu, size);
		if (!ret)
			size = strlen(p) + 1;
		break;
	default:
		/* grow the last block: in place or copied, its bytes stay */
		if (!w->nblocks)
			return;
		ret = wsheap_realloc(heap, w->blocks[w->nblocks - 1].ptr,
				     w->blocks[w->nblocks - 1].size,
				     w->blocks[w->nblocks - 1].size + size,
				     &p, NULL);
		if (ret)
			break;
		if (memchr_inv(p, w->blocks[w->nblocks - 1].tag,
			       w->blocks[w->nblocks - 1].size))
			smp_error(w, "realloc lost the old contents");
		if (p == w->blocks[w->nblocks - 1].ptr) {
			/* in place: the block itself grew */
			w->nblocks--;
			w->requested -= w->blocks[w->nblocks].size;
			size += w->blocks[w->nblocks].size;
		} else {
			size += w->blocks[w->nblocks - 1].size;
		}
		break;
	}
	if (ret == -EDQUOT || ret == -ENOMEM)
		return;
	if (ret) {
		smp_error(w, "an allocation failed with an unexpected error");
		return;
	}
	smp_keep(w, p, size);
}

/* Allocate, mark, allocate, roll back: the blocks before the mark stay. */
static void smp_mark_round(struct smp_worker *w, struct wsheap *heap)
{
	unsigned int i, before, n = 4 + smp_rand(w, 12);
	size_t requested;
	struct wsheap_mark mark;

	for (i = 0; i < n; i++)
		smp_alloc_one(w, heap);
	if (wsheap_mark(heap, &mark, NULL)) {
		smp_error(w, "mark failed");
		return;
	}
	before = w->nblocks;
	requested = w->requested;
	for (i = 0; i < n; i++)
		smp_alloc_one(w, heap);
	smp_check(w, heap);
	if (wsheap_rollback(heap, &mark, NULL))
		smp_error(w, "rollback to a valid mark failed");
	w->nblocks = before;
	w->requested = requested;
	smp_check(w, heap);
}

static void smp_reset(struct smp_worker *w, struct wsheap *heap)
{
	if (wsheap_reset(heap, NULL))
		smp_error(w, "reset failed");
	w->nblocks = 0;
	w->requested = 0;
}

/* A heap named after its worker's CPU, as the debugfs table lists it. */
static int smp_create_named(struct smp_worker *w, bool temporary,
			    size_t max_size, size_t trim_size,
			    struct wsheap **heap)
{
	char name[WSHEAP_NAME_MAX];
	struct wsheap_property prop = {
		.id = WSHEAP_PROPERTY_NAME, .value = name,
		.value_size = sizeof(name),
	};

	snprintf(name, sizeof(name),
		 temporary ? SMP_NAME_FMT_TEMP : SMP_NAME_FMT_KEEP, w->cpu);
	return wsheap_create(max_size, trim_size, &prop, 1, heap, NULL);
}

/* A heap that lives for one round only, as one per request would. */
static void smp_temporary_heap(struct smp_worker *w)
{
	struct wsheap *heap;

	if (smp_create_named(w, true, 1024 + smp_rand(w, 64 * 1024),
			     smp_rand(w, 8192), &heap)) {
		smp_error(w, "create failed");
		return;
	}
	w->nblocks = 0;
	w->requested = 0;
	smp_mark_round(w, heap);
	smp_reset(w, heap);
	smp_mark_round(w, heap);
	wsheap_free(heap);
	w->nblocks = 0;
	w->requested = 0;
}

static int smp_worker_fn(void *data)
{
	struct smp_worker *w = data;
	struct wsheap *keep;

	if (smp_create_named(w, false, 256 * 1024, 32 * 1024, &keep)) {
		smp_error(w, "create of the long-lived heap failed");
		w->no_keep = true;
		goto out;
	}
	complete(&w->ready);
	while (time_before(jiffies, w->deadline)) {
		smp_temporary_heap(w);
		/* the long-lived heap: a round, then a reset */
		smp_mark_round(w, keep);
		smp_reset(w, keep);
		w->rounds++;
		cond_resched();
	}
	/* listed until the test has stopped reading the table */
	complete(&w->done);
	wait_for_completion(w->release);
	wsheap_free(keep);
	goto stop;
out:
	complete(&w->ready);
	complete(&w->done);
stop:
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

/* What one read of the debugfs table found: heaps per worker. */
struct smp_listing {
	unsigned int *keep;
	unsigned int *temp;
	bool overflowed;
};

static void smp_count_line(struct smp_listing *l, const char *line)
{
	unsigned int cpu;

	if (sscanf(line, SMP_NAME_FMT_KEEP " ", &cpu) == 1 &&
	    cpu < nr_cpu_ids)
		l->keep[cpu]++;
	else if (sscanf(line, SMP_NAME_FMT_TEMP " ", &cpu) == 1 &&
		 cpu < nr_cpu_ids)
		l->temp[cpu]++;
}

/* Read the table the way debugfs would, into @m's buffer, and count. */
static void smp_read_listing(struct seq_file *m, struct smp_listing *l)
{
	char *line, *next;

	memset(l->keep, 0, nr_cpu_ids * sizeof(*l->keep));
	memset(l->temp, 0, nr_cpu_ids * sizeof(*l->temp));
	m->count = 0;
	wsheap_heaps_show(m, NULL);
	l->overflowed = seq_has_overflowed(m);
	if (l->overflowed)
		return;
	m->buf[m->count] = '\0';
	for (line = m->buf; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		smp_count_line(l, line);
	}
}

static void smp_listing_init(struct kunit *test, struct seq_file *m,
			     struct smp_listing *l)
{
	m->size = 64 * 1024;
	/* one byte more for the NUL that ends the text */
	m->buf = kunit_kzalloc(test, m->size + 1, GFP_KERNEL);
	l->keep = kunit_kcalloc(test, nr_cpu_ids, sizeof(*l->keep),
				GFP_KERNEL);
	l->temp = kunit_kcalloc(test, nr_cpu_ids, sizeof(*l->temp),
				GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m->buf);
	KUNIT_ASSERT_NOT_NULL(test, l->keep);
	KUNIT_ASSERT_NOT_NULL(test, l->temp);
}

static bool smp_workers_running(struct smp_worker *workers,
				unsigned int nworkers)
{
	unsigned int i;

	for (i = 0; i < nworkers; i++)
		if (!completion_done(&workers[i].done))
			return true;
	return false;
}

/*
 * While the workers run, read the table again and again: every worker's
 * long-lived heap (created before the first read, freed after the last)
 * is listed exactly once, its temporary heap at most once.
 */
static unsigned long smp_watch_listing(struct kunit *test,
				       struct smp_worker *workers,
				       unsigned int nworkers,
				       struct seq_file *m,
				       struct smp_listing *l)
{
	unsigned long reads = 0;
	unsigned int i, cpu;

	for (i = 0; i < nworkers; i++)
		wait_for_completion(&workers[i].ready);
	while (smp_workers_running(workers, nworkers)) {
		smp_read_listing(m, l);
		/* no assertion here: the workers wait for the release */
		KUNIT_EXPECT_FALSE(test, l->overflowed);
		for (i = 0; i < nworkers; i++) {
			cpu = workers[i].cpu;
			/* its create failed: the worker says so */
			if (workers[i].no_keep)
				continue;
			KUNIT_EXPECT_EQ_MSG(test, l->keep[cpu], 1,
					    "heap of CPU %u listed %u times",
					    cpu, l->keep[cpu]);
			KUNIT_EXPECT_LE(test, l->temp[cpu], 1);
		}
		reads++;
		usleep_range(500, 1000);
	}
	return reads;
}

static unsigned int smp_start_workers(struct smp_worker *workers,
				      unsigned int nworkers,
				      struct completion *release)
{
	unsigned int cpu, n = 0;

	cpus_read_lock();
	for_each_online_cpu(cpu) {
		struct smp_worker *w = &workers[n];

		if (n == nworkers)
			break;
		w->cpu = cpu;
		w->release = release;
		init_completion(&w->ready);
		init_completion(&w->done);
		prandom_seed_state(&w->rnd, 0x77736870ULL + cpu);
		w->deadline = jiffies + msecs_to_jiffies(SMP_RUN_MS);
		w->task = kthread_create(smp_worker_fn, w, "wsheap_smp/%u",
					 cpu);
		if (IS_ERR(w->task))
			break;
		get_task_struct(w->task);
		kthread_bind(w->task, cpu);
		wake_up_process(w->task);
		n++;
	}
	cpus_read_unlock();
	return n;
}

static void smp_independent_heaps_on_every_cpu(struct kunit *test)
{
	unsigned int i, n, nworkers = num_online_cpus();
	struct smp_worker *workers;
	unsigned long reads, rounds = 0;
	struct completion release;
	struct smp_listing l;
	struct seq_file m = {};

	if (!IS_ENABLED(CONFIG_DEBUG_FS))
		kunit_skip(test, "needs CONFIG_DEBUG_FS for the heap table");

	smp_listing_init(test, &m, &l);
	workers = kunit_kcalloc(test, nworkers, sizeof(*workers), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, workers);
	init_completion(&release);

	n = smp_start_workers(workers, nworkers, &release);
	KUNIT_EXPECT_EQ(test, n, nworkers);
	reads = n == nworkers ?
		smp_watch_listing(test, workers, n, &m, &l) : 0;
	complete_all(&release);
	for (i = 0; i < n; i++) {
		kthread_stop(workers[i].task);
		put_task_struct(workers[i].task);
		KUNIT_EXPECT_EQ_MSG(test, workers[i].errors, 0,
				    "CPU %u: %s", workers[i].cpu,
				    workers[i].first_error ?: "");
		KUNIT_EXPECT_GT_MSG(test, workers[i].rounds, 0,
				    "CPU %u did no round", workers[i].cpu);
		rounds += workers[i].rounds;
	}
	/* the table was read while the heaps came and went */
	KUNIT_EXPECT_GT(test, reads, 0);
	/* and every heap freed has left it */
	smp_read_listing(&m, &l);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ(test, l.keep[workers[i].cpu], 0);
		KUNIT_EXPECT_EQ(test, l.temp[workers[i].cpu], 0);
	}
	kunit_info(test, "%u CPUs, %lu rounds, %lu reads of the heap table\n",
		   n, rounds, reads);
}

/* ---- one concurrent heap fed by every CPU ---- */

#define SMP_FEED_QUOTA		(2 * 1024 * 1024)
#define SMP_FEED_KEEP		4096

struct smp_feeder {
	unsigned int cpu;
	struct task_struct *task;
	struct wsheap *heap;
	struct completion *go;
	struct completion done;		/* its results are in */
	struct rnd_state rnd;
	size_t requested;		/* what its calls took from the quota */
	unsigned long errors;
	const char *first_error;
	struct smp_block *kept;		/* SMP_FEED_KEEP of them */
	unsigned int nkept;
	bool stopped_by_quota;
	/* the edge case: each of nheaps heaps in turn, to its quota */
	struct wsheap **heaps;
	unsigned int nheaps;
	size_t *sums;			/* what its calls took from each */
};

static void smp_feed_error(struct smp_feeder *f, const char *what)
{
	if (!f->errors++)
		f->first_error = what;
}

static void smp_feed_keep(struct smp_feeder *f, u8 *ptr, size_t size)
{
	struct smp_block *b;

	if (f->nkept == SMP_FEED_KEEP)
		return;		/* counted, and checked no more */
	b = &f->kept[f->nkept++];
	b->ptr = ptr;
	b->size = size;
	b->tag = (u8)(f->cpu * 41 + f->nkept * 7);
	memset(ptr, b->tag, size);
}

/*
 * One allocation, or a realloc of this CPU's last block: in place when no
 * other CPU carved after it, by a copy otherwise.  Return: the call's
 * result.
 */
static int smp_feed_one(struct smp_feeder *f)
{
	size_t size = 1 + prandom_u32_state(&f->rnd) % 200;
	struct smp_block *last = f->nkept ? &f->kept[f->nkept - 1] : NULL;
	void *p;
	int ret;

	switch (prandom_u32_state(&f->rnd) % 4) {
	case 0:
		ret = wsheap_zalloc(f->heap, size, &p, NULL);
		if (!ret && memchr_inv(p, 0, size))
			smp_feed_error(f, "zalloc gave memory that is not zero");
		break;
	case 1:
		ret = wsheap_alloc_aligned(f->heap, size, 64, &p, NULL);
		if (!ret && !IS_ALIGNED((unsigned long)p, 64))
			smp_feed_error(f, "a block is not aligned");
		break;
	case 2:
		if (last && last->size < size) {
			ret = wsheap_realloc(f->heap, last->ptr, last->size,
					     size, &p, NULL);
			if (ret)
				return ret;
			if (memchr_inv(p, last->tag, last->size))
				smp_feed_error(f, "realloc lost the contents");
			if (p == last->ptr) {
				f->requested += size - last->size;
				f->nkept--;
			} else {
				f->requested += size;
			}
			smp_feed_keep(f, p, size);
			return 0;
		}
		fallthrough;
	default:
		ret = wsheap_alloc(f->heap, size, &p, NULL);
	}
	if (!ret) {
		f->requested += size;
		smp_feed_keep(f, p, size);
	}
	return ret;
}

/* Fill each heap in turn until its quota refuses, as the other CPUs do. */
static int smp_feed_edges(struct smp_feeder *f)
{
	unsigned int h;
	size_t size;
	void *p;
	int ret = 0;

	for (h = 0; h < f->nheaps; h++) {
		for (;;) {
			size = 1 + prandom_u32_state(&f->rnd) % 64;
			ret = wsheap_alloc(f->heaps[h], size, &p, NULL);
			if (ret)
				break;
			f->sums[h] += size;
		}
		if (ret != -EDQUOT)
			break;
	}
	return ret;
}

static int smp_feeder_fn(void *data)
{
	struct smp_feeder *f = data;
	unsigned int i;
	int ret;

	wait_for_completion(f->go);
	if (f->nheaps) {
		ret = smp_feed_edges(f);
	} else {
		do {
			ret = smp_feed_one(f);
		} while (!ret && !f->errors);
	}
	f->stopped_by_quota = ret == -EDQUOT;
	for (i = 0; i < f->nkept; i++)
		if (memchr_inv(f->kept[i].ptr, f->kept[i].tag,
			       f->kept[i].size))
			smp_feed_error(f, "a block lost its contents");
	complete(&f->done);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

static unsigned int smp_start_feeders(struct kunit *test,
				      struct smp_feeder *feeders,
				      unsigned int nfeeders,
				      struct wsheap *heap,
				      struct completion *go)
{
	unsigned int cpu, n = 0;

	cpus_read_lock();
	for_each_online_cpu(cpu) {
		struct smp_feeder *f = &feeders[n];

		if (n == nfeeders)
			break;
		f->cpu = cpu;
		f->heap = heap;
		f->go = go;
		init_completion(&f->done);
		prandom_seed_state(&f->rnd, 0x66656564ULL + cpu);
		f->kept = kunit_kcalloc(test, SMP_FEED_KEEP, sizeof(*f->kept),
					GFP_KERNEL);
		if (!f->kept)
			break;
		f->task = kthread_create(smp_feeder_fn, f, "wsheap_feed/%u",
					 cpu);
		if (IS_ERR(f->task))
			break;
		get_task_struct(f->task);
		kthread_bind(f->task, cpu);
		wake_up_process(f->task);
		n++;
	}
	cpus_read_unlock();
	return n;
}

/*
 * Every CPU allocates from one concurrent heap at once until its quota
 * runs out: no block is disturbed by another CPU's, the quota holds
 * exactly (the blocks end within one request of MAX_SIZE, never past
 * it), and REQUESTED_SIZE is the sum of what every call took.
 */
static void smp_one_concurrent_heap_fed_by_every_cpu(struct kunit *test)
{
	unsigned int i, n, nfeeders = num_online_cpus();
	bool yes = true;
	struct wsheap_property p = { WSHEAP_PROPERTY_CONCURRENT, &yes,
				     sizeof(yes) };
	struct smp_feeder *feeders;
	struct completion go;
	struct wsheap *heap;
	size_t requested = 0, sum = 0;

	feeders = kunit_kcalloc(test, nfeeders, sizeof(*feeders), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, feeders);
	KUNIT_ASSERT_EQ(test, wsheap_create(SMP_FEED_QUOTA, 0, &p, 1, &heap,
					    NULL), 0);
	init_completion(&go);
	n = smp_start_feeders(test, feeders, nfeeders, heap, &go);
	KUNIT_EXPECT_EQ(test, n, nfeeders);
	complete_all(&go);
	for (i = 0; i < n; i++) {
		wait_for_completion(&feeders[i].done);
		kthread_stop(feeders[i].task);
		put_task_struct(feeders[i].task);
		KUNIT_EXPECT_EQ_MSG(test, feeders[i].errors, 0, "CPU %u: %s",
				    feeders[i].cpu,
				    feeders[i].first_error ?: "");
		KUNIT_EXPECT_TRUE(test, feeders[i].stopped_by_quota);
		sum += feeders[i].requested;
	}
	KUNIT_EXPECT_EQ(test, wsheap_get_property(heap,
						  WSHEAP_PROPERTY_REQUESTED_SIZE,
						  &requested, sizeof(requested),
						  NULL), 0);
	KUNIT_EXPECT_EQ(test, requested, sum);
	KUNIT_EXPECT_LE(test, sum, SMP_FEED_QUOTA);
	KUNIT_EXPECT_GT(test, sum, SMP_FEED_QUOTA - 200);
	kunit_info(test, "%u CPUs fed one concurrent heap %zu bytes\n", n, sum);
	wsheap_free(heap);
}

#define SMP_EDGE_HEAPS		2000
#define SMP_EDGE_QUOTA		4096

static void smp_free_heaps(struct wsheap **heaps, unsigned int n)
{
	while (n--)
		wsheap_free(heaps[n]);
}

/*
 * The quota's edge, where a check and an add that are not one step would
 * let two CPUs both take the last bytes: every CPU fills the same 2000
 * small concurrent heaps in turn, so that the CPUs meet at 2000 edges.
 * Each heap ends at most at its quota, and its REQUESTED_SIZE is what the
 * CPUs' calls took from it.
 */
static void smp_concurrent_quota_holds_at_every_edge(struct kunit *test)
{
	unsigned int h, i, n, nfeeders = num_online_cpus();
	unsigned int over = 0, wrong = 0, shared = 0;
	bool yes = true;
	struct wsheap_property p = { WSHEAP_PROPERTY_CONCURRENT, &yes,
				     sizeof(yes) };
	struct smp_feeder *feeders;
	struct wsheap **heaps;
	struct completion go;

	feeders = kunit_kcalloc(test, nfeeders, sizeof(*feeders), GFP_KERNEL);
	heaps = kunit_kcalloc(test, SMP_EDGE_HEAPS, sizeof(*heaps), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, feeders);
	KUNIT_ASSERT_NOT_NULL(test, heaps);
	for (h = 0; h < SMP_EDGE_HEAPS; h++) {
		int ret = wsheap_create(SMP_EDGE_QUOTA, 0, &p, 1, &heaps[h],
					NULL);

		if (ret) {
			smp_free_heaps(heaps, h);
			KUNIT_ASSERT_EQ(test, ret, 0);
		}
	}
	init_completion(&go);
	n = smp_start_feeders(test, feeders, nfeeders, NULL, &go);
	KUNIT_EXPECT_EQ(test, n, nfeeders);
	for (i = 0; i < n; i++) {
		feeders[i].heaps = heaps;
		feeders[i].nheaps = SMP_EDGE_HEAPS;
		feeders[i].sums = kunit_kcalloc(test, SMP_EDGE_HEAPS,
						sizeof(size_t), GFP_KERNEL);
		if (!feeders[i].sums)
			feeders[i].nheaps = 0;
	}
	complete_all(&go);
	for (i = 0; i < n; i++) {
		wait_for_completion(&feeders[i].done);
		kthread_stop(feeders[i].task);
		put_task_struct(feeders[i].task);
		KUNIT_EXPECT_TRUE(test, feeders[i].stopped_by_quota);
	}
	for (h = 0; h < SMP_EDGE_HEAPS; h++) {
		size_t requested = 0, sum = 0;
		unsigned int feeding = 0;

		for (i = 0; i < n; i++) {
			if (!feeders[i].sums || !feeders[i].sums[h])
				continue;
			sum += feeders[i].sums[h];
			feeding++;
		}
		shared += feeding > 1;
		wsheap_get_property(heaps[h], WSHEAP_PROPERTY_REQUESTED_SIZE,
				    &requested, sizeof(requested), NULL);
		over += sum > SMP_EDGE_QUOTA;
		wrong += requested != sum;
	}
	smp_free_heaps(heaps, SMP_EDGE_HEAPS);
	kunit_info(test, "%u of %u heaps fed by more than one CPU\n", shared,
		   SMP_EDGE_HEAPS);
	/* the race is live: CPUs met in the heaps, not one after the other */
	if (n > 1)
		KUNIT_EXPECT_GT(test, shared, SMP_EDGE_HEAPS / 2);
	KUNIT_EXPECT_EQ_MSG(test, over, 0, "heaps past their quota");
	KUNIT_EXPECT_EQ_MSG(test, wrong, 0,
			    "heaps whose REQUESTED_SIZE is not their calls' sum");
}

/* ---- realloc in place, only of the heap's last block ---- */

/* One call, run on a CPU of the test's choosing by smp_call_on_cpu(). */
struct smp_call {
	struct wsheap *heap;
	void *old;
	size_t old_size;
	size_t size;
	void *ptr;
	int ret;
};

static int smp_call_realloc(void *data)
{
	struct smp_call *call = data;

	call->ret = wsheap_realloc(call->heap, call->old, call->old_size,
				   call->size, &call->ptr, NULL);
	return 0;
}

static void *smp_realloc_on(struct kunit *test, unsigned int cpu,
			    struct wsheap *heap, void *old, size_t old_size,
			    size_t size)
{
	struct smp_call call = { heap, old, old_size, size };

	KUNIT_ASSERT_EQ(test, smp_call_on_cpu(cpu, smp_call_realloc, &call,
					      false), 0);
	KUNIT_ASSERT_EQ(test, call.ret, 0);
	return call.ptr;
}

/*
 * A concurrent heap resizes in place only the block carved last in the
 * whole heap: once another CPU has carved a block (from its own slice,
 * where the heap has slices), the first CPU's block is copied, though it
 * is still the last of that CPU's slice.
 */
static void smp_realloc_in_place_only_of_the_last_block(struct kunit *test)
{
	bool yes = true;
	struct wsheap_property p = { WSHEAP_PROPERTY_CONCURRENT, &yes,
				     sizeof(yes) };
	unsigned int cpu0 = cpumask_first(cpu_online_mask);
	unsigned int cpu1 = cpumask_next(cpu0, cpu_online_mask);
	struct wsheap *heap;
	u8 *a, *q;

	if (cpu1 >= nr_cpu_ids)
		kunit_skip(test, "needs two online CPUs");
	KUNIT_ASSERT_EQ(test, wsheap_create(SIZE_MAX, 0, &p, 1, &heap, NULL),
			0);
	a = smp_realloc_on(test, cpu0, heap, NULL, 0, 64);
	memset(a, 0xa5, 64);
	/* the control: nothing carved since, so in place */
	KUNIT_EXPECT_PTR_EQ(test, smp_realloc_on(test, cpu0, heap, a, 64, 96),
			    a);
	smp_realloc_on(test, cpu1, heap, NULL, 0, 64);
	q = smp_realloc_on(test, cpu0, heap, a, 96, 128);
	KUNIT_EXPECT_PTR_NE(test, q, a);
	KUNIT_EXPECT_NULL(test, memchr_inv(q, 0xa5, 64));
	wsheap_free(heap);
}

/* ---- races on the shared bump pointer that a review found ---- */

/*
 * Two kthreads, on the first two online CPUs, start together and run
 * their loops on one concurrent heap.  The heap is atomic, so it never
 * has slices: every call takes the shared bump pointer and the quota.
 */
#define SMP_RACE_ITERS		20000

struct smp_race;

struct smp_racer {
	struct smp_race *race;
	void (*fn)(struct smp_race *r);
	struct task_struct *task;
	struct completion done;
};

struct smp_race {
	struct wsheap *heap;
	struct completion go;
	struct smp_racer racer[2];
	unsigned long bad;		/* broken promises: must stay 0 */
	unsigned long live;		/* the interleavings the case is for */
	unsigned long count;		/* what the case counts besides */
	/* the cases' shared state */
	char *given_back;
	unsigned long b_calls;
	/*
	 * ints, not bools: gcc 12 built READ_ONCE() of b_in_call, a bool,
	 * as a plain 1-byte read under KCSAN (a data-race report)
	 */
	int b_in_call;
	int stop;
};

static int smp_racer_fn(void *data)
{
	struct smp_racer *racer = data;

	wait_for_completion(&racer->race->go);
	racer->fn(racer->race);
	complete(&racer->done);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

/*
 * Run @a on the first online CPU and @b on the second, on a new atomic
 * concurrent heap of @quota bytes, until both return; false when there
 * are not two CPUs (the caller skips).
 */
static bool smp_race_run(struct kunit *test, struct smp_race *r,
			 size_t quota, void (*a)(struct smp_race *r),
			 void (*b)(struct smp_race *r))
{
	gfp_t gfp = GFP_ATOMIC;
	bool yes = true;
	struct wsheap_property p[] = {
		{ WSHEAP_PROPERTY_GFP, &gfp, sizeof(gfp) },
		{ WSHEAP_PROPERTY_CONCURRENT, &yes, sizeof(yes) },
	};
	unsigned int cpu = cpumask_first(cpu_online_mask), i;

	if (num_online_cpus() < 2)
		return false;
	KUNIT_ASSERT_EQ(test, wsheap_create(quota, 0, p, ARRAY_SIZE(p),
					    &r->heap, NULL), 0);
	init_completion(&r->go);
	r->racer[0].fn = a;
	r->racer[1].fn = b;
	for (i = 0; i < 2; i++, cpu = cpumask_next(cpu, cpu_online_mask)) {
		struct smp_racer *racer = &r->racer[i];

		racer->race = r;
		init_completion(&racer->done);
		racer->task = kthread_create(smp_racer_fn, racer,
					     "wsheap_race/%u", cpu);
		KUNIT_ASSERT_FALSE(test, IS_ERR(racer->task));
		get_task_struct(racer->task);
		kthread_bind(racer->task, cpu);
		wake_up_process(racer->task);
	}
	complete_all(&r->go);
	for (i = 0; i < 2; i++) {
		wait_for_completion(&r->racer[i].done);
		kthread_stop(r->racer[i].task);
		put_task_struct(r->racer[i].task);
	}
	wsheap_free(r->heap);
	return true;
}

/* A carves 64 bytes and shrinks them to 16 in place, again and again. */
static void smp_shrinker(struct smp_race *r)
{
	unsigned int i;
	u8 *x, *q;

	for (i = 0; i < SMP_RACE_ITERS; i++) {
		if (wsheap_alloc(r->heap, 64, (void **)&x, NULL) ||
		    (memset(x, 0xa1, 64),
		     wsheap_realloc(r->heap, x, 64, 16, (void **)&q, NULL))) {
			r->bad++;
			break;
		}
		if (q == x) {
			r->count++;
			WRITE_ONCE(r->given_back, x + 16);
		}
		if (memchr_inv(q, 0xa1, 16))
			r->bad++;
	}
	WRITE_ONCE(r->stop, 1);
}

/* B carves 32 bytes and uses them for a while. */
static void smp_shrink_neighbour(struct smp_race *r)
{
	unsigned int k;
	char *y, *back;

	while (!READ_ONCE(r->stop)) {
		if (wsheap_alloc(r->heap, 32, (void **)&y, NULL)) {
			r->bad++;
			break;
		}
		back = READ_ONCE(r->given_back);
		if (back && y >= back && y < back + 48 + WSHEAP_REDZONE)
			r->live++;
		memset(y, 0xb2, 32);
		for (k = 0; k < 4; k++) {
			cpu_relax();
			if (memchr_inv(y, 0xb2, 32))
				r->bad++;
			memset(y, 0xb2, 32);
		}
	}
}

/*
 * An in-place shrink gives its tail back to the heap, and another CPU may
 * carve there at once: the block it gets is its own from the start.  In
 * KASAN builds the shrink poisons the tail before the bump pointer moves
 * back, so that it never poisons the other CPU's new block (a KASAN report
 * in the log fails the stage).  Live: the other CPU carved bytes a shrink
 * gave back.
 */
static void smp_shrink_gives_back_only_its_own_bytes(struct kunit *test)
{
	struct smp_race *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, r);
	if (!smp_race_run(test, r, SIZE_MAX, smp_shrinker,
			  smp_shrink_neighbour))
		kunit_skip(test, "needs two online CPUs");
	kunit_info(test, "%lu in-place shrinks, %lu blocks carved where one gave back\n",
		   r->count, r->live);
	KUNIT_EXPECT_EQ(test, r->bad, 0);
	KUNIT_EXPECT_GT(test, r->count, 0);
	KUNIT_EXPECT_GT(test, r->live, 0);
}

/*
 * A carves a block and then a zero-byte one after it, which ends the
 * block's in-place window: its realloc must copy, whatever B's zero-byte
 * calls (which raise the floor from bump pointers they read earlier) do
 * meanwhile.  The blocks are 32 bytes at 32 so that no zero-byte call
 * moves the bump pointer.
 */
static void smp_window_closer(struct smp_race *r)
{
	unsigned long seen;
	unsigned int i;
	void *x, *z, *q;

	for (i = 0; i < SMP_RACE_ITERS; i++) {
		if (wsheap_alloc_aligned(r->heap, 32, 32, &x, NULL)) {
			r->bad++;
			break;
		}
		seen = READ_ONCE(r->b_calls);
		if (wsheap_alloc_aligned(r->heap, 0, 32, &z, NULL) ||
		    wsheap_realloc(r->heap, x, 32, 48, &q, NULL)) {
			r->bad++;
			break;
		}
		if (READ_ONCE(r->b_in_call) || READ_ONCE(r->b_calls) != seen)
			r->live++;
		if (q == x)
			r->count++;
	}
	WRITE_ONCE(r->stop, 1);
}

static void smp_zero_byte_caller(struct smp_race *r)
{
	void *z;

	while (!READ_ONCE(r->stop)) {
		WRITE_ONCE(r->b_in_call, 1);
		if (wsheap_alloc_aligned(r->heap, 0, 32, &z, NULL))
			r->bad++;
		WRITE_ONCE(r->b_in_call, 0);
		WRITE_ONCE(r->b_calls, r->b_calls + 1);
	}
}

/*
 * The floor below which no block is resized in place only rises: a
 * zero-byte call that read the bump pointer before another CPU's block
 * and raise never lets that block back into the window.  Live: B was
 * inside a call while A carved, closed and resized.
 */
static void smp_floor_only_rises(struct kunit *test)
{
	struct smp_race *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, r);
	if (!smp_race_run(test, r, SIZE_MAX, smp_window_closer,
			  smp_zero_byte_caller))
		kunit_skip(test, "needs two online CPUs");
	kunit_info(test, "%lu of %u closed windows raced a zero-byte call\n",
		   r->live, SMP_RACE_ITERS);
	KUNIT_EXPECT_EQ(test, r->bad, 0);
	KUNIT_EXPECT_EQ_MSG(test, r->count, 0,
			    "blocks resized in place after their window closed");
	KUNIT_EXPECT_GT(test, r->live, 0);
}

static struct kunit_case wsheap_smp_cases[] = {
	KUNIT_CASE_SLOW(smp_independent_heaps_on_every_cpu),
	KUNIT_CASE(smp_one_concurrent_heap_fed_by_every_cpu),
	KUNIT_CASE(smp_concurrent_quota_holds_at_every_edge),
	KUNIT_CASE(smp_realloc_in_place_only_of_the_last_block),
	KUNIT_CASE(smp_shrink_gives_back_only_its_own_bytes),
	KUNIT_CASE(smp_floor_only_rises),
	{}
};

static struct kunit_suite wsheap_smp_suite = {
	.name = "wsheap_smp",
	.test_cases = wsheap_smp_cases,
};

kunit_test_suite(wsheap_smp_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit suite for wsheap on several CPUs");
MODULE_AUTHOR("The wsheap developers");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
