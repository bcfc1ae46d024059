// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for wsheap on several CPUs: heaps used at once.
 *
 * One kthread bound to each online CPU hammers heaps of its own for a
 * bounded time (create, every kind of allocation with its contents and
 * its quota checked, mark and rollback, reset, free) while the test
 * thread reads the debugfs table of live heaps; kthreads on every CPU
 * feed one concurrent heap, and 2000 small ones, to their quota; pairs of
 * kthreads race on the shared bump pointer, on marks and on
 * wsheap_get_property().  The suite asserts what a driver depends on: no
 * block of one heap is disturbed by work on another, REQUESTED_SIZE stays
 * exact, the quota holds, a mark belongs to its heap and its round, and
 * the table lists every live heap exactly once.
 *
 * Every case needs two online CPUs and skips on fewer.  A case that ran
 * prints one line, "<case>: N CPUs, ...", with the counts that show that
 * the interleaving it exists for happened (it expects them above zero);
 * the stages grep the kernel log for these lines.  Run it in a kernel
 * with KCSAN, lockdep and KASAN: a report from any of them fails the
 * stage that runs it.
 */
#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/list.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/numa.h>
#include <linux/prandom.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/sizes.h>
#include <linux/smp.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "wsheap_kunit.h"

/* Long enough for thousands of rounds per CPU even under QEMU TCG. */
#define SMP_RUN_MS		1500
#define SMP_BLOCKS		48
#define SMP_KEEP_QUOTA		(256 * 1024)
#define SMP_NAME_FMT_KEEP	"smp-keep-%u"
#define SMP_NAME_FMT_TEMP	"smp-temp-%u"

/*
 * A run whose evidence count is 0 (one CPU done before the other got
 * going, as a busy host may arrange) is run again, up to this many times.
 */
#define SMP_TRIES		3

/*
 * Blocks over the slice limit (WSHEAP_SLICE_BLOCK_MAX in
 * wsheap_concurrent.c, half a KiB), asked for out of line, come from the
 * shared bump pointer of a concurrent heap and take their bytes from the
 * shared quota counter: the inline wsheap_alloc() would carve any block
 * that its CPU's slice has room for.
 */
#define SMP_SHARED_MIN		(SZ_512 + 1)
#define SMP_SHARED_SPAN		1536

/* Every case here is about two CPUs at once: on one it proves nothing. */
static void smp_need_two_cpus(struct kunit *test)
{
	unsigned int n = num_online_cpus();

	if (n < 2)
		kunit_skip(test, "needs two online CPUs, has %u", n);
}

struct smp_block {
	u8 *ptr;
	size_t size;
	u8 tag;
	bool shared;			/* from the shared bump pointer */
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
	unsigned long refusals;		/* -EDQUOT, each one predicted */
	struct smp_block blocks[SMP_BLOCKS];
	unsigned int nblocks;
	size_t requested;		/* what REQUESTED_SIZE must be */
	size_t quota;			/* MAX_SIZE of the heap in use */
	bool open;			/* its last block may grow in place */
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
	b->shared = false;
	memset(ptr, b->tag, size);
	w->requested += size;
	/* the heap's last allocating call: realloc may resize it in place */
	w->open = true;
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

/*
 * What a call must return, by the quota alone: -EDQUOT exactly when it
 * asks for more than the quota has left.  A realloc of the heap's last
 * block takes only its growth from the quota when it resizes in place,
 * and all of @new_size when it copies (as every other realloc does): 1
 * when the room in the chunk decides between the two, so that the call
 * may give the block back resized in place or be refused.
 */
static int smp_quota_model(struct smp_worker *w, const struct smp_block *last,
			   size_t size)
{
	size_t left = w->quota - w->requested;

	if (!last)
		return size > left ? -EDQUOT : 0;
	if (!w->open)
		return last->size + size > left ? -EDQUOT : 0;
	if (size > left)
		return -EDQUOT;
	return last->size + size > left ? 1 : 0;
}

/* The call's result is the quota model's, and -ENOMEM never comes. */
static void smp_check_model(struct smp_worker *w, const struct smp_block *last,
			    int want, int ret, void *p)
{
	if (ret == -ENOMEM) {
		smp_error(w, "-ENOMEM from a small heap with memory to spare");
		return;
	}
	if (ret && ret != -EDQUOT) {
		smp_error(w, "an allocation failed with an unexpected error");
		return;
	}
	if (want == 1) {
		if (!ret && p != last->ptr)
			smp_error(w, "a copy past the quota was not refused");
		return;
	}
	if (ret != want)
		smp_error(w, want ? "a request over the quota was not refused" :
				    "a request within the quota was refused");
	else if (!ret && last && !w->open && p == last->ptr)
		smp_error(w, "realloc resized in place a block not the last");
}

/* One allocation of a randomly chosen kind, its result checked. */
static void smp_alloc_one(struct smp_worker *w, struct wsheap *heap)
{
	size_t size = 1 + smp_rand(w, 300);
	size_t align = 1UL << smp_rand(w, 8);
	struct smp_block *last = NULL;
	char text[24];
	void *p = NULL;
	int ret, want;

	if (w->nblocks == SMP_BLOCKS)
		return;
	switch (smp_rand(w, 6)) {
	case 0:
		want = smp_quota_model(w, NULL, size);
		ret = wsheap_alloc(heap, size, &p, NULL);
		break;
	case 1:
		want = smp_quota_model(w, NULL, size);
		ret = wsheap_zalloc(heap, size, &p, NULL);
		if (!ret && memchr_inv(p, 0, size))
			smp_error(w, "zalloc gave memory that is not zero");
		break;
	case 2:
		/* the padding is not counted */
		want = smp_quota_model(w, NULL, size);
		ret = wsheap_alloc_aligned(heap, size, align, &p, NULL);
		if (!ret && !IS_ALIGNED((unsigned long)p,
					max_t(size_t, align, WSHEAP_ALIGN)))
			smp_error(w, "alloc_aligned gave a misaligned block");
		break;
	case 3:
		snprintf(text, sizeof(text), "cpu%u-%lu", w->cpu, w->rounds);
		size = strlen(text) + 1;
		want = smp_quota_model(w, NULL, size);
		ret = wsheap_strdup(heap, text, (char **)&p, NULL);
		if (!ret && strcmp(p, text))
			smp_error(w, "strdup copied wrongly");
		break;
	case 4:
		snprintf(text, sizeof(text), "%u:%zu", w->cpu, size);
		ret = wsheap_asprintf(heap, (char **)&p, NULL, "%u:%zu",
				      w->cpu, size);
		size = strlen(text) + 1;
		want = smp_quota_model(w, NULL, size);
		if (!ret && strcmp(p, text))
			smp_error(w, "asprintf formatted wrongly");
		break;
	default:
		/* grow the last block: in place or copied, its bytes stay */
		if (!w->nblocks)
			return;
		last = &w->blocks[w->nblocks - 1];
		want = smp_quota_model(w, last, size);
		ret = wsheap_realloc(heap, last->ptr, last->size,
				     last->size + size, &p, NULL);
		break;
	}
	smp_check_model(w, last, want, ret, p);
	if (ret == -EDQUOT)
		w->refusals++;
	if (ret)
		return;
	if (last) {
		if (memchr_inv(p, last->tag, last->size))
			smp_error(w, "realloc lost the old contents");
		if (p == last->ptr) {
			/* in place: the block itself grew */
			w->nblocks--;
			w->requested -= last->size;
		}
		size += last->size;
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
	/* a mark ends the last block's in-place window */
	w->open = false;
	before = w->nblocks;
	requested = w->requested;
	for (i = 0; i < n; i++)
		smp_alloc_one(w, heap);
	smp_check(w, heap);
	if (wsheap_rollback(heap, &mark, NULL))
		smp_error(w, "rollback to a valid mark failed");
	w->nblocks = before;
	w->requested = requested;
	w->open = false;
	smp_check(w, heap);
}

static void smp_reset(struct smp_worker *w, struct wsheap *heap)
{
	if (wsheap_reset(heap, NULL))
		smp_error(w, "reset failed");
	w->nblocks = 0;
	w->requested = 0;
	w->open = false;
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

/*
 * A heap that lives for one round only, as one per request would.  Every
 * fourth has a quota of a few blocks, so that refusals come often.
 */
static void smp_temporary_heap(struct smp_worker *w)
{
	size_t quota = w->rounds % 4 ? 1024 + smp_rand(w, 64 * 1024) :
				       256 + smp_rand(w, 2048);
	struct wsheap *heap;

	if (smp_create_named(w, true, quota, smp_rand(w, 8192), &heap)) {
		smp_error(w, "create failed");
		return;
	}
	w->quota = quota;
	w->nblocks = 0;
	w->requested = 0;
	w->open = false;
	smp_mark_round(w, heap);
	smp_reset(w, heap);
	smp_mark_round(w, heap);
	wsheap_free(heap);
	w->nblocks = 0;
	w->requested = 0;
	w->open = false;
}

static int smp_worker_fn(void *data)
{
	struct smp_worker *w = data;
	struct wsheap *keep;

	if (smp_create_named(w, false, SMP_KEEP_QUOTA, 32 * 1024, &keep)) {
		smp_error(w, "create of the long-lived heap failed");
		w->no_keep = true;
		goto out;
	}
	complete(&w->ready);
	while (time_before(jiffies, w->deadline)) {
		smp_temporary_heap(w);
		/* the long-lived heap, empty: a round, then a reset */
		w->quota = SMP_KEEP_QUOTA;
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

/*
 * Independent heaps on every CPU at once, the table read meanwhile.  Each
 * call's result is the quota model's: -EDQUOT exactly when the request is
 * over what the heap's quota has left, -ENOMEM never.  Live: the table
 * was read while the workers ran, and quota refusals came (each one as
 * predicted).
 */
static void smp_independent_heaps_on_every_cpu(struct kunit *test)
{
	unsigned int i, n, nworkers = num_online_cpus();
	unsigned long reads, rounds = 0, refusals = 0;
	struct smp_worker *workers;
	struct completion release;
	struct smp_listing l;
	struct seq_file m = {};

	smp_need_two_cpus(test);
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
		refusals += workers[i].refusals;
	}
	/* the table was read while the heaps came and went */
	KUNIT_EXPECT_GT(test, reads, 0);
	/* the model's refusals came, not only its successes */
	KUNIT_EXPECT_GT(test, refusals, 0);
	/* and every heap freed has left it */
	smp_read_listing(&m, &l);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ(test, l.keep[workers[i].cpu], 0);
		KUNIT_EXPECT_EQ(test, l.temp[workers[i].cpu], 0);
	}
	kunit_info(test, "%u CPUs, %lu rounds, %lu reads of the heap table, %lu quota refusals as predicted\n",
		   n, rounds, reads, refusals);
}

/* ---- one concurrent heap fed by every CPU ---- */

#define SMP_FEED_QUOTA		(2 * 1024 * 1024)
#define SMP_FEED_KEEP		4096

struct smp_feeder {
	unsigned int cpu;
	unsigned int id;		/* its index among the feeders */
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
	bool large;			/* the last call was over the slice limit */
	bool no_large;			/* the quota refused one: small ones now */
	unsigned long nshared;		/* blocks from the shared bump pointer */
	atomic_t *larges;		/* every feeder's nshared, summed */
	unsigned int nfeeders;
	/* the edge case: each of nheaps heaps in turn, to its quota */
	struct wsheap **heaps;
	unsigned int nheaps;
	size_t *sums;			/* what its calls took from each */
	int *owners;			/* per heap, shared: last to carve + 1 */
	unsigned long met;		/* refusals right after another's block */
};

static void smp_feed_error(struct smp_feeder *f, const char *what)
{
	if (!f->errors++)
		f->first_error = what;
}

static void smp_feed_keep(struct smp_feeder *f, u8 *ptr, size_t size,
			  bool shared)
{
	struct smp_block *b;

	if (f->nkept == SMP_FEED_KEEP)
		return;		/* counted, and checked no more */
	b = &f->kept[f->nkept++];
	b->ptr = ptr;
	b->size = size;
	b->tag = (u8)(f->cpu * 41 + f->nkept * 7);
	b->shared = shared;
	memset(ptr, b->tag, size);
}

/*
 * A feeder more than SMP_PACE_SLACK large blocks ahead of the others'
 * average waits for them (at most a jiffy each time: one may have
 * stopped), so that the CPUs' calls on the shared bump pointer overlap
 * even where one vCPU gets the host for long stretches (QEMU TCG on a
 * busy host ran one feeder's 2 MiB before the other's had begun).
 */
#define SMP_PACE_SLACK		4

static void smp_feed_pace(struct smp_feeder *f)
{
	long ahead = (long)f->nshared * f->nfeeders;
	unsigned long until = jiffies + 1;

	while (atomic_read(f->larges) + SMP_PACE_SLACK * (long)f->nfeeders <
	       ahead && !time_after(jiffies, until))
		cpu_relax();
}

/* A block over the slice limit: it comes from the shared bump pointer. */
static int smp_feed_large(struct smp_feeder *f)
{
	size_t size = SMP_SHARED_MIN +
		      prandom_u32_state(&f->rnd) % SMP_SHARED_SPAN;
	void *p;
	int ret;

	f->large = true;
	smp_feed_pace(f);
	ret = wsheap_alloc_aligned(f->heap, size, WSHEAP_ALIGN, &p, NULL);
	if (!ret) {
		f->requested += size;
		f->nshared++;
		atomic_inc(f->larges);
		smp_feed_keep(f, p, size, true);
	}
	return ret;
}

/*
 * One allocation (small, from this CPU's slice where the heap has them,
 * or large, from the shared bump pointer), or a realloc of this CPU's
 * last block: in place when no other CPU carved after it, by a copy
 * otherwise.  Return: the call's result.
 */
static int smp_feed_one(struct smp_feeder *f)
{
	size_t size = 1 + prandom_u32_state(&f->rnd) % 200;
	struct smp_block *last = f->nkept ? &f->kept[f->nkept - 1] : NULL;
	void *p;
	int ret;

	f->large = false;
	switch (prandom_u32_state(&f->rnd) % 5) {
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
			smp_feed_keep(f, p, size, false);
			return 0;
		}
		ret = wsheap_alloc(f->heap, size, &p, NULL);
		break;
	case 3:
		if (!f->no_large)
			return smp_feed_large(f);
		fallthrough;
	default:
		ret = wsheap_alloc(f->heap, size, &p, NULL);
	}
	if (!ret) {
		f->requested += size;
		smp_feed_keep(f, p, size, false);
	}
	return ret;
}

/* Fill each heap in turn until its quota refuses, as the other CPUs do. */
static int smp_feed_edges(struct smp_feeder *f)
{
	unsigned int h;
	size_t size;
	void *p;
	int seen = 0, ret = 0;

	for (h = 0; h < f->nheaps; h++) {
		for (;;) {
			size = 1 + prandom_u32_state(&f->rnd) % 64;
			seen = READ_ONCE(f->owners[h]);
			ret = wsheap_alloc(f->heaps[h], size, &p, NULL);
			if (ret)
				break;
			f->sums[h] += size;
			WRITE_ONCE(f->owners[h], f->id + 1);
		}
		/*
		 * Another CPU's block came after this CPU's last one and
		 * before the refusal: the two took the heap's last bytes
		 * at once.
		 */
		if (ret == -EDQUOT && f->sums[h] && seen && seen != f->id + 1)
			f->met++;
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
		/* on to the quota: past the large blocks' edge, small ones */
		for (;;) {
			ret = smp_feed_one(f);
			if (f->errors)
				break;
			if (ret == -EDQUOT && f->large) {
				f->no_large = true;
				continue;
			}
			if (ret)
				break;
		}
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
		f->id = n;
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

/* A block carved from the shared bump pointer, and its feeder. */
struct smp_spot {
	const u8 *ptr;
	size_t size;
	unsigned int owner;
};

static int smp_spot_cmp(const void *a, const void *b)
{
	const struct smp_spot *x = a, *y = b;

	return (x->ptr > y->ptr) - (x->ptr < y->ptr);
}

/* The chunk of @heap that holds all of [@p, @p + @size), or NULL. */
static struct wsheap_chunk *smp_chunk_of(struct wsheap *heap, const u8 *p,
					 size_t size)
{
	struct wsheap_chunk *chunk;

	list_for_each_entry(chunk, &heap->chunks, node) {
		const u8 *start = (const u8 *)chunk + WSHEAP_CHUNK_HDR;
		const u8 *end = (const u8 *)chunk + chunk->bytes;

		if (p >= start && p < end)
			return size <= (size_t)(end - p) ? chunk : NULL;
	}
	return NULL;
}

/* What one run of the feeders on one concurrent heap showed. */
struct smp_feed_result {
	unsigned int cpus;
	size_t sum;
	unsigned long shared;		/* blocks from the shared bump pointer */
	unsigned long interleaved;	/* ...another CPU carved between two */
	unsigned long outside;		/* ...not within a chunk of the heap */
	unsigned int unshared;		/* CPUs that carved none of them */
};

/*
 * Count the interleavings on the shared bump pointer, once every call has
 * returned: a block of another CPU between two consecutive shared blocks
 * of a feeder, in one chunk.  Within a chunk the bump pointer only moves
 * up while the heap only allocates (the moves back of a slice not needed
 * or of a growth refused give back bytes that nobody carved), and a
 * block keeps its bytes until the reset: so in address order a feeder's
 * blocks of one chunk come in the order it carved them, and another CPU's
 * block between two of them was carved between the two calls.
 */
static void smp_count_interleavings(struct kunit *test, struct wsheap *heap,
				    struct smp_feeder *feeders,
				    unsigned int n, struct smp_feed_result *res)
{
	struct wsheap_chunk **last, *chunk;
	struct smp_spot *spots;
	unsigned int i, k, o, nspots = 0;
	bool *other;

	for (i = 0; i < n; i++)
		for (k = 0; k < feeders[i].nkept; k++)
			nspots += feeders[i].kept[k].shared;
	res->shared = nspots;
	spots = kunit_kmalloc_array(test, nspots ?: 1, sizeof(*spots),
				    GFP_KERNEL);
	last = kunit_kcalloc(test, n, sizeof(*last), GFP_KERNEL);
	other = kunit_kcalloc(test, n, sizeof(*other), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, spots);
	KUNIT_ASSERT_NOT_NULL(test, last);
	KUNIT_ASSERT_NOT_NULL(test, other);
	nspots = 0;
	for (i = 0; i < n; i++)
		for (k = 0; k < feeders[i].nkept; k++)
			if (feeders[i].kept[k].shared)
				spots[nspots++] = (struct smp_spot){
					feeders[i].kept[k].ptr,
					feeders[i].kept[k].size, i };
	sort(spots, nspots, sizeof(*spots), smp_spot_cmp, NULL);
	for (k = 0; k < nspots; k++) {
		chunk = smp_chunk_of(heap, spots[k].ptr, spots[k].size);
		if (!chunk) {
			res->outside++;
			continue;
		}
		o = spots[k].owner;
		if (last[o] == chunk && other[o])
			res->interleaved++;
		last[o] = chunk;
		other[o] = false;
		/* chunks are disjoint: an owner's next spot elsewhere fails */
		for (i = 0; i < n; i++)
			if (i != o)
				other[i] = true;
	}
}

/* One run: every CPU feeds one new concurrent heap until its quota. */
static void smp_feed_one_heap(struct kunit *test, struct smp_feed_result *res)
{
	unsigned int i, n, nfeeders = num_online_cpus();
	bool yes = true;
	struct wsheap_property p = { WSHEAP_PROPERTY_CONCURRENT, &yes,
				     sizeof(yes) };
	struct smp_feeder *feeders;
	struct completion go;
	struct wsheap *heap;
	size_t requested = 0, sum = 0;
	atomic_t larges = ATOMIC_INIT(0);

	memset(res, 0, sizeof(*res));
	feeders = kunit_kcalloc(test, nfeeders, sizeof(*feeders), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, feeders);
	KUNIT_ASSERT_EQ(test, wsheap_create(SMP_FEED_QUOTA, 0, &p, 1, &heap,
					    NULL), 0);
	init_completion(&go);
	n = smp_start_feeders(test, feeders, nfeeders, heap, &go);
	KUNIT_EXPECT_EQ(test, n, nfeeders);
	for (i = 0; i < n; i++) {
		feeders[i].larges = &larges;
		feeders[i].nfeeders = n;
	}
	complete_all(&go);
	for (i = 0; i < n; i++) {
		wait_for_completion(&feeders[i].done);
		kthread_stop(feeders[i].task);
		put_task_struct(feeders[i].task);
		KUNIT_EXPECT_EQ_MSG(test, feeders[i].errors, 0, "CPU %u: %s",
				    feeders[i].cpu,
				    feeders[i].first_error ?: "");
		KUNIT_EXPECT_TRUE(test, feeders[i].stopped_by_quota);
		res->unshared += !feeders[i].nshared;
		sum += feeders[i].requested;
	}
	KUNIT_EXPECT_EQ(test, wsheap_get_property(heap,
						  WSHEAP_PROPERTY_REQUESTED_SIZE,
						  &requested, sizeof(requested),
						  NULL), 0);
	KUNIT_EXPECT_EQ(test, requested, sum);
	KUNIT_EXPECT_LE(test, sum, SMP_FEED_QUOTA);
	/* each CPU stopped at a refusal of at most 200 bytes */
	KUNIT_EXPECT_GT(test, sum, SMP_FEED_QUOTA - 200);
	smp_count_interleavings(test, heap, feeders, n, res);
	/* memory not returned by the heap's chunks is never handed out */
	KUNIT_EXPECT_EQ(test, res->outside, 0);
	res->cpus = n;
	res->sum = sum;
	wsheap_free(heap);
}

/*
 * Every CPU allocates from one concurrent heap at once until its quota
 * runs out, small blocks from the slices and large ones from the shared
 * bump pointer: no block is disturbed by another CPU's, the quota holds
 * exactly (the blocks end within one small request of MAX_SIZE, never
 * past it), and REQUESTED_SIZE is the sum of what every call took.  Live:
 * blocks that one CPU carved from the shared bump pointer between two of
 * another CPU's.
 */
static void smp_one_concurrent_heap_fed_by_every_cpu(struct kunit *test)
{
	struct smp_feed_result res = {};
	unsigned int tries;

	smp_need_two_cpus(test);
	/* a run in which one CPU got going late proves little: again */
	for (tries = 0; tries < SMP_TRIES &&
	     (!res.interleaved || res.unshared); tries++)
		smp_feed_one_heap(test, &res);
	kunit_info(test, "%u CPUs fed one concurrent heap %zu bytes, %lu blocks from the shared bump pointer, %lu carved between two of another CPU's\n",
		   res.cpus, res.sum, res.shared, res.interleaved);
	KUNIT_EXPECT_GT(test, res.interleaved, 0);
	/* every CPU carved from the shared bump pointer */
	KUNIT_EXPECT_EQ(test, res.unshared, 0);
}

#define SMP_EDGE_HEAPS		2000
#define SMP_EDGE_QUOTA		4096

static void smp_free_heaps(struct wsheap **heaps, unsigned int n)
{
	while (n--)
		wsheap_free(heaps[n]);
}

/*
 * A CPU's refusal right after another CPU's block is rare (1 to 4 in 2000
 * heaps under QEMU TCG): runs are repeated until one has shown it.
 */
#define SMP_EDGE_TRIES		10

/* What the runs of the feeders on the small heaps showed, all added up. */
struct smp_edge_result {
	unsigned int cpus;
	unsigned int heaps;
	unsigned int shared;		/* heaps fed by more than one CPU */
	unsigned long met;		/* refusals right after another's block */
};

/* One run: every CPU fills the same new small heaps, each in turn. */
static void smp_feed_edges_once(struct kunit *test,
				struct smp_edge_result *res)
{
	unsigned int h, i, n, nfeeders = num_online_cpus();
	unsigned int over = 0, wrong = 0;
	bool yes = true;
	struct wsheap_property p = { WSHEAP_PROPERTY_CONCURRENT, &yes,
				     sizeof(yes) };
	struct smp_feeder *feeders;
	struct wsheap **heaps;
	struct completion go;
	int *owners;

	feeders = kunit_kcalloc(test, nfeeders, sizeof(*feeders), GFP_KERNEL);
	heaps = kunit_kcalloc(test, SMP_EDGE_HEAPS, sizeof(*heaps), GFP_KERNEL);
	owners = kunit_kcalloc(test, SMP_EDGE_HEAPS, sizeof(*owners),
			       GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, feeders);
	KUNIT_ASSERT_NOT_NULL(test, heaps);
	KUNIT_ASSERT_NOT_NULL(test, owners);
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
		feeders[i].owners = owners;
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
		res->met += feeders[i].met;
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
		res->shared += feeding > 1;
		wsheap_get_property(heaps[h], WSHEAP_PROPERTY_REQUESTED_SIZE,
				    &requested, sizeof(requested), NULL);
		over += sum > SMP_EDGE_QUOTA;
		wrong += requested != sum;
	}
	smp_free_heaps(heaps, SMP_EDGE_HEAPS);
	res->cpus = n;
	res->heaps += SMP_EDGE_HEAPS;
	KUNIT_EXPECT_EQ_MSG(test, over, 0, "heaps past their quota");
	KUNIT_EXPECT_EQ_MSG(test, wrong, 0,
			    "heaps whose REQUESTED_SIZE is not their calls' sum");
}

/*
 * The quota's edge, where a check and an add that are not one step would
 * let two CPUs both take the last bytes: every CPU fills the same 2000
 * small concurrent heaps in turn, so that the CPUs meet at 2000 edges.
 * Each heap ends at most at its quota, and its REQUESTED_SIZE is what the
 * CPUs' calls took from it.  Live: the CPUs met in the heaps, and a CPU's
 * refusal came right after another CPU's block in the same heap.
 */
static void smp_concurrent_quota_holds_at_every_edge(struct kunit *test)
{
	struct smp_edge_result res = {};
	unsigned int tries;

	smp_need_two_cpus(test);
	for (tries = 0; tries < SMP_EDGE_TRIES && !res.met; tries++)
		smp_feed_edges_once(test, &res);
	kunit_info(test, "%u CPUs, %u of %u heaps fed by more than one CPU, %lu refusals right after another CPU's block\n",
		   res.cpus, res.shared, res.heaps, res.met);
	/* the race is live: CPUs met in the heaps, not one after the other */
	KUNIT_EXPECT_GT(test, res.shared, 0);
	KUNIT_EXPECT_GT(test, res.met, 0);
}

/* ---- calls run on a CPU of the test's choosing ---- */

/* One call, run on a given CPU by smp_call_on_cpu(). */
struct smp_call {
	int (*fn)(struct smp_call *call);
	struct wsheap *heap;
	void *old;
	size_t old_size;
	size_t size;
	void *ptr;
	struct wsheap_mark *mark;
	size_t requested;		/* REQUESTED_SIZE once it returned */
	unsigned int cpu;		/* where it ran */
	int ret;
};

static int smp_call_fn(void *data)
{
	struct smp_call *call = data;

	call->cpu = raw_smp_processor_id();
	call->ret = call->fn(call);
	if (wsheap_get_property(call->heap, WSHEAP_PROPERTY_REQUESTED_SIZE,
				&call->requested, sizeof(call->requested),
				NULL))
		call->requested = SIZE_MAX;
	return 0;
}

/* Run @call on @cpu; its result. */
static int smp_call_on(struct kunit *test, unsigned int cpu,
		       struct smp_call *call)
{
	KUNIT_ASSERT_EQ(test, smp_call_on_cpu(cpu, smp_call_fn, call, false),
			0);
	KUNIT_ASSERT_EQ(test, call->cpu, cpu);
	return call->ret;
}

static int smp_call_realloc(struct smp_call *call)
{
	return wsheap_realloc(call->heap, call->old, call->old_size,
			      call->size, &call->ptr, NULL);
}

static int smp_call_mark(struct smp_call *call)
{
	return wsheap_mark(call->heap, call->mark, NULL);
}

static int smp_call_rollback(struct smp_call *call)
{
	return wsheap_rollback(call->heap, call->mark, NULL);
}

static int smp_call_reset(struct smp_call *call)
{
	return wsheap_reset(call->heap, NULL);
}

static void *smp_realloc_on(struct kunit *test, unsigned int cpu,
			    struct wsheap *heap, void *old, size_t old_size,
			    size_t size)
{
	struct smp_call call = {
		.fn = smp_call_realloc, .heap = heap, .old = old,
		.old_size = old_size, .size = size,
	};

	KUNIT_ASSERT_EQ(test, smp_call_on(test, cpu, &call), 0);
	return call.ptr;
}

/* Mark or roll back @heap on @cpu: the result, and REQUESTED_SIZE after. */
static int smp_mark_call_on(struct kunit *test, unsigned int cpu,
			    int (*fn)(struct smp_call *call),
			    struct wsheap *heap, struct wsheap_mark *mark,
			    size_t *requested)
{
	struct smp_call call = { .fn = fn, .heap = heap, .mark = mark };
	int ret = smp_call_on(test, cpu, &call);

	*requested = call.requested;
	return ret;
}

static void smp_reset_on(struct kunit *test, unsigned int cpu,
			 struct wsheap *heap)
{
	struct smp_call call = { .fn = smp_call_reset, .heap = heap };

	KUNIT_ASSERT_EQ(test, smp_call_on(test, cpu, &call), 0);
	KUNIT_EXPECT_EQ(test, call.requested, 0);
}

/* ---- realloc in place, only of the heap's last block ---- */

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
	unsigned int cpu0, cpu1;
	struct wsheap *heap;
	u8 *a, *q;

	smp_need_two_cpus(test);
	cpu0 = cpumask_first(cpu_online_mask);
	cpu1 = cpumask_next(cpu0, cpu_online_mask);
	heap = new_heap_with(test, SIZE_MAX, 0, &p, 1);
	a = smp_realloc_on(test, cpu0, heap, NULL, 0, 64);
	memset(a, 0xa5, 64);
	/* the control: nothing carved since, so in place */
	KUNIT_EXPECT_PTR_EQ(test, smp_realloc_on(test, cpu0, heap, a, 64, 96),
			    a);
	smp_realloc_on(test, cpu1, heap, NULL, 0, 64);
	q = smp_realloc_on(test, cpu0, heap, a, 96, 128);
	KUNIT_EXPECT_PTR_NE(test, q, a);
	KUNIT_EXPECT_NULL(test, memchr_inv(q, 0xa5, 64));
	kunit_info(test, "%u CPUs, a block resized in place on CPU %u, copied once CPU %u had carved\n",
		   2, cpu0, cpu1);
}

/* ---- races between two CPUs ---- */

/*
 * Two kthreads, on the first two online CPUs, start together and run
 * their loops; the first cases race on one atomic concurrent heap, which
 * never has slices: every call takes the shared bump pointer and the
 * quota.
 */
#define SMP_RACE_ITERS		20000
/*
 * A case whose interleaving is rare under load goes on, up to this many
 * calls (a bound on the heap it grows), until it has seen it once.
 */
#define SMP_RACE_MAX_ITERS	(10 * SMP_RACE_ITERS)
/* How long a racer waits for the other at a meeting before giving up. */
#define SMP_MEET_MS		5000

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
	/* each racer's own counts, for the cases whose racers both count */
	unsigned long side_bad[2];
	unsigned long side_live[2];
	/* odd while racer i is inside a call, written by it alone */
	unsigned long in_call[2];
	atomic_t arrivals;		/* at smp_race_meet(), both racers' */
	int abort;			/* a meeting timed out */
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

/* Run @a on the first online CPU and @b on the second, until both return. */
static void smp_race_go(struct kunit *test, struct smp_race *r,
			void (*a)(struct smp_race *r),
			void (*b)(struct smp_race *r))
{
	unsigned int cpu = cpumask_first(cpu_online_mask), i;

	KUNIT_ASSERT_GE(test, num_online_cpus(), 2);
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
}

/* smp_race_go() on a new atomic concurrent heap of @quota bytes. */
static void smp_race_run(struct kunit *test, struct smp_race *r,
			 size_t quota, void (*a)(struct smp_race *r),
			 void (*b)(struct smp_race *r))
{
	gfp_t gfp = GFP_ATOMIC;
	bool yes = true;
	struct wsheap_property p[] = {
		{ WSHEAP_PROPERTY_GFP, &gfp, sizeof(gfp) },
		{ WSHEAP_PROPERTY_CONCURRENT, &yes, sizeof(yes) },
	};

	KUNIT_ASSERT_EQ(test, wsheap_create(quota, 0, p, ARRAY_SIZE(p),
					    &r->heap, NULL), 0);
	smp_race_go(test, r, a, b);
	wsheap_free(r->heap);
}

/*
 * Wait until the other racer has come to its meeting as often as this
 * one (*@passed counts both racers' arrivals).  False for both once
 * either has waited SMP_MEET_MS: each then leaves its loop, and the case
 * fails on r->abort.
 */
static bool smp_race_meet(struct smp_race *r, int *passed)
{
	unsigned long until = jiffies + msecs_to_jiffies(SMP_MEET_MS);

	*passed += 2;
	/* what this racer wrote before, the other reads after the meeting */
	smp_mb__before_atomic();
	atomic_inc(&r->arrivals);
	while (atomic_read_acquire(&r->arrivals) < *passed) {
		if (READ_ONCE(r->abort))
			return false;
		if (time_after(jiffies, until)) {
			WRITE_ONCE(r->abort, 1);
			return false;
		}
		cpu_relax();
	}
	return !READ_ONCE(r->abort);
}

/*
 * Racer @x's call begins: odd in_call[x].  Returns what the other racer's
 * in_call[] was once this one's was odd.
 */
static unsigned long smp_race_enter(struct smp_race *r, unsigned int x,
				    unsigned long *seq)
{
	WRITE_ONCE(r->in_call[x], ++*seq);
	/* this racer's odd count before the read of the other's */
	smp_mb();
	return READ_ONCE(r->in_call[!x]);
}

/*
 * Racer @x's call returned: whether the other racer was inside a call
 * meanwhile (inside one at the start, or it began or ended one since).
 */
static bool smp_race_leave(struct smp_race *r, unsigned int x,
			   unsigned long *seq, unsigned long other)
{
	unsigned long now = READ_ONCE(r->in_call[!x]);

	WRITE_ONCE(r->in_call[x], ++*seq);
	return (other & 1) || now != other;
}

/*
 * A carves 64 bytes and shrinks them to 16 in place, again and again,
 * past SMP_RACE_ITERS until B has carved once where A gave back (seen
 * under PREEMPT_RT beside a build: 0 of 19997 shrinks).
 */
static void smp_shrinker(struct smp_race *r)
{
	unsigned int i;
	u8 *x, *q;

	for (i = 0;
	     i < SMP_RACE_ITERS || (i < SMP_RACE_MAX_ITERS && !READ_ONCE(r->live));
	     i++) {
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
			r->side_bad[1]++;
			break;
		}
		back = READ_ONCE(r->given_back);
		if (back && y >= back && y < back + 48 + WSHEAP_REDZONE)
			WRITE_ONCE(r->live, r->live + 1);
		memset(y, 0xb2, 32);
		for (k = 0; k < 4; k++) {
			cpu_relax();
			if (memchr_inv(y, 0xb2, 32))
				r->side_bad[1]++;
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
	struct smp_race *r;

	smp_need_two_cpus(test);
	r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	smp_race_run(test, r, SIZE_MAX, smp_shrinker, smp_shrink_neighbour);
	kunit_info(test, "%u CPUs, %lu in-place shrinks, %lu blocks carved where one gave back\n",
		   2, r->count, r->live);
	KUNIT_EXPECT_EQ(test, r->bad, 0);
	KUNIT_EXPECT_EQ(test, r->side_bad[1], 0);
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
			r->side_bad[1]++;
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
	struct smp_race *r;

	smp_need_two_cpus(test);
	r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	smp_race_run(test, r, SIZE_MAX, smp_window_closer,
		     smp_zero_byte_caller);
	kunit_info(test, "%u CPUs, %lu of %u closed windows raced a zero-byte call\n",
		   2, r->live, SMP_RACE_ITERS);
	KUNIT_EXPECT_EQ(test, r->bad, 0);
	KUNIT_EXPECT_EQ(test, r->side_bad[1], 0);
	KUNIT_EXPECT_EQ_MSG(test, r->count, 0,
			    "blocks resized in place after their window closed");
	KUNIT_EXPECT_GT(test, r->live, 0);
}

/* ---- a mark belongs to its heap and its round, on any CPU ---- */

#define SMP_MARK_HEAPS		4
#define SMP_MARK_ROUNDS		2000
#define SMP_MARK_MS		1000
/* ...and past them, until both CPUs were inside wsheap_mark() at once */
#define SMP_MARK_GIVE_UP_MS	10000

struct smp_mark_race {
	struct smp_race race;
	unsigned long deadline;
	unsigned long give_up;
	/* each racer's heaps, each holding the mark of one recent round */
	struct wsheap *heaps[2][SMP_MARK_HEAPS];
	struct wsheap_mark marks[2];	/* this round's, one per racer */
	unsigned long rounds[2];
	unsigned long refused[2];	/* the other racer's marks refused */
};

/*
 * Round i, racer x: reset its heap i % SMP_MARK_HEAPS, meet, mark it (both
 * racers draw a mark identity at about the same time), meet, and offer
 * the other racer's mark to each of its heaps.  That mark is of an empty
 * heap, so it has no position that a heap could check: its identity alone
 * must tell it from this racer's marks of the last SMP_MARK_HEAPS rounds,
 * which its heaps hold.  This racer's own mark is taken, the control.
 */
static void smp_marker(struct smp_race *r, unsigned int x)
{
	struct smp_mark_race *mr = container_of(r, struct smp_mark_race, race);
	unsigned long other, seq = 0;
	unsigned int i, j;
	struct wsheap *h;
	int passed = 0, ret;

	/*
	 * Both CPUs start a batch of identities with their first mark, in
	 * step: each must get a batch of its own (this racer's kthread is
	 * bound to its CPU, which it keeps until it draws).
	 */
	wsheap_epoch_set_last(0);
	for (i = 0; ; i++) {
		h = mr->heaps[x][i % SMP_MARK_HEAPS];
		if (wsheap_reset(h, NULL))
			r->side_bad[x]++;
		/* racer 0 decides; racer 1 reads it only after the meeting */
		if (!x && (i >= SMP_MARK_ROUNDS ||
			   time_after(jiffies, mr->deadline)) &&
		    (r->side_live[0] || time_after(jiffies, mr->give_up)))
			WRITE_ONCE(r->stop, 1);
		if (!smp_race_meet(r, &passed) || READ_ONCE(r->stop))
			break;
		other = smp_race_enter(r, x, &seq);
		ret = wsheap_mark(h, &mr->marks[x], NULL);
		if (smp_race_leave(r, x, &seq, other))
			r->side_live[x]++;
		if (ret)
			r->side_bad[x]++;
		/* the other's mark is written; it is not rewritten until next */
		if (!smp_race_meet(r, &passed))
			break;
		for (j = 0; j < SMP_MARK_HEAPS; j++) {
			if (wsheap_rollback(mr->heaps[x][j], &mr->marks[!x],
					    NULL) == -EINVAL)
				mr->refused[x]++;
			else
				r->side_bad[x]++;
		}
		if (wsheap_rollback(h, &mr->marks[x], NULL))
			r->side_bad[x]++;
		mr->rounds[x]++;
	}
}

static void smp_marker0(struct smp_race *r)
{
	smp_marker(r, 0);
}

static void smp_marker1(struct smp_race *r)
{
	smp_marker(r, 1);
}

/*
 * A mark names its heap and its round, not the CPU that took it: taken on
 * one CPU, it is refused (-EINVAL) by another heap on the other CPU, and
 * by its own heap there once that heap is reset, however the same blocks
 * are carved again; it is taken by its heap on either CPU.  Then both
 * CPUs take marks at about the same time, round after round, each having
 * started a new batch of identities at the same point: no mark is taken
 * by a heap of the other CPU.  Live: marks taken while the other CPU was
 * inside wsheap_mark() too.
 */
static void smp_marks_stay_with_their_heap_and_round(struct kunit *test)
{
	bool yes = true;
	struct wsheap_property p = { WSHEAP_PROPERTY_CONCURRENT, &yes,
				     sizeof(yes) };
	struct wsheap_mark m1, m2, m3;
	struct smp_mark_race *mr;
	unsigned int cpu0, cpu1, x, j;
	struct wsheap *h1, *h2;
	size_t requested;
	u8 *a, *b;

	smp_need_two_cpus(test);
	cpu0 = cpumask_first(cpu_online_mask);
	cpu1 = cpumask_next(cpu0, cpu_online_mask);
	/* concurrent: a mark folds the slices that both CPUs carved from */
	h1 = new_heap_with(test, SIZE_MAX, SZ_64K, &p, 1);
	h2 = new_heap_with(test, SIZE_MAX, SZ_64K, &p, 1);

	a = smp_realloc_on(test, cpu0, h1, NULL, 0, 100);
	memset(a, 0xa1, 100);
	b = smp_realloc_on(test, cpu1, h1, NULL, 0, 50);
	memset(b, 0xb2, 50);
	KUNIT_ASSERT_EQ(test, smp_mark_call_on(test, cpu0, smp_call_mark, h1,
					       &m1, &requested), 0);
	KUNIT_EXPECT_EQ(test, requested, 150);
	smp_realloc_on(test, cpu1, h1, NULL, 0, 30);

	/* on CPU 1, another heap with a round and a mark of its own */
	smp_realloc_on(test, cpu1, h2, NULL, 0, 40);
	KUNIT_ASSERT_EQ(test, smp_mark_call_on(test, cpu1, smp_call_mark, h2,
					       &m2, &requested), 0);
	KUNIT_EXPECT_EQ(test, smp_mark_call_on(test, cpu1, smp_call_rollback,
					       h2, &m1, &requested), -EINVAL);
	KUNIT_EXPECT_EQ(test, requested, 40);
	/* the controls: each heap takes its own mark, on the other CPU */
	KUNIT_EXPECT_EQ(test, smp_mark_call_on(test, cpu1, smp_call_rollback,
					       h1, &m1, &requested), 0);
	KUNIT_EXPECT_EQ(test, requested, 150);
	KUNIT_EXPECT_NULL(test, memchr_inv(a, 0xa1, 100));
	KUNIT_EXPECT_NULL(test, memchr_inv(b, 0xb2, 50));
	KUNIT_EXPECT_EQ(test, smp_mark_call_on(test, cpu0, smp_call_rollback,
					       h2, &m2, &requested), 0);
	KUNIT_EXPECT_EQ(test, requested, 40);

	/*
	 * Reset on CPU 1: the old round's mark is refused before any new
	 * mark, and after one drawn on CPU 1, though the same blocks are
	 * carved again from the kept chunk (so the mark's position is one
	 * the new round has reached: only its round tells it apart).
	 */
	smp_reset_on(test, cpu1, h1);
	KUNIT_EXPECT_EQ(test, smp_mark_call_on(test, cpu0, smp_call_rollback,
					       h1, &m1, &requested), -EINVAL);
	KUNIT_EXPECT_EQ(test, requested, 0);
	smp_realloc_on(test, cpu0, h1, NULL, 0, 100);
	smp_realloc_on(test, cpu1, h1, NULL, 0, 50);
	KUNIT_ASSERT_EQ(test, smp_mark_call_on(test, cpu1, smp_call_mark, h1,
					       &m3, &requested), 0);
	smp_realloc_on(test, cpu0, h1, NULL, 0, 30);
	KUNIT_EXPECT_EQ(test, smp_mark_call_on(test, cpu0, smp_call_rollback,
					       h1, &m1, &requested), -EINVAL);
	KUNIT_EXPECT_EQ(test, requested, 180);
	KUNIT_EXPECT_EQ(test, smp_mark_call_on(test, cpu0, smp_call_rollback,
					       h1, &m3, &requested), 0);
	KUNIT_EXPECT_EQ(test, requested, 150);

	/* marks drawn on both CPUs at once, each refused by the other's */
	mr = kunit_kzalloc(test, sizeof(*mr), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, mr);
	for (x = 0; x < 2; x++)
		for (j = 0; j < SMP_MARK_HEAPS; j++)
			mr->heaps[x][j] = new_heap_with(test, SZ_4K, 0, NULL, 0);
	mr->deadline = jiffies + msecs_to_jiffies(SMP_MARK_MS);
	mr->give_up = jiffies + msecs_to_jiffies(SMP_MARK_GIVE_UP_MS);
	smp_race_go(test, &mr->race, smp_marker0, smp_marker1);
	kunit_info(test, "%u CPUs, %lu marks taken on each, %lu while the other CPU was marking, %lu refused by the other CPU's heaps\n",
		   2, mr->rounds[0], mr->race.side_live[0] +
		   mr->race.side_live[1], mr->refused[0] + mr->refused[1]);
	KUNIT_EXPECT_EQ(test, mr->race.abort, 0);
	KUNIT_EXPECT_EQ(test, mr->race.side_bad[0], 0);
	KUNIT_EXPECT_EQ(test, mr->race.side_bad[1], 0);
	KUNIT_EXPECT_GT(test, mr->rounds[0], 0);
	KUNIT_EXPECT_EQ(test, mr->rounds[0], mr->rounds[1]);
	for (x = 0; x < 2; x++)
		KUNIT_EXPECT_EQ(test, mr->refused[x],
				mr->rounds[x] * SMP_MARK_HEAPS);
	KUNIT_EXPECT_GT(test, mr->race.side_live[0] + mr->race.side_live[1],
			0);
}

/* ---- get_property while another CPU allocates ---- */

#define SMP_PROP_NAME		"smp-props"
#define SMP_PROP_TRIM		SZ_16K

struct smp_prop_race {
	struct smp_race race;
	size_t quota;
	gfp_t gfp;
	/* written by the allocator, read by the reader */
	size_t done;			/* sizes of the calls that returned */
	size_t started;			/* ...and of the one begun, at most */
	/* the reader's; the allocator paces itself by @reads */
	unsigned long reads;
	const char *first_bad;
	/* the allocator's */
	size_t sum;
};

/*
 * Every SMP_PROP_PACE calls, the allocator waits (a jiffy at most) for the
 * reader to finish one more round of reads: on PREEMPT_RT an atomic heap
 * filled its quota before the reader, waiting on the heap's lock, read
 * once (seen on a busy host: 0 reads in three runs).
 */
#define SMP_PROP_PACE		8

static void smp_prop_pace(struct smp_prop_race *pr, unsigned long *seen)
{
	unsigned long until = jiffies + 1;

	while (READ_ONCE(pr->reads) == *seen && !time_after(jiffies, until))
		cpu_relax();
	*seen = READ_ONCE(pr->reads);
}

/*
 * Racer 0: small blocks (from its slice, where the heap has slices) and
 * large ones (from the shared bump pointer) until the quota refuses a
 * small one.  Each call is bracketed for the reader: the most it may
 * take before it begins, what it took once it returned.
 */
static void smp_prop_allocator(struct smp_race *r)
{
	struct smp_prop_race *pr = container_of(r, struct smp_prop_race,
						race);
	size_t size, done = 0, started = 0;
	unsigned long other, seq = 0, seen = 0, calls = 0;
	struct rnd_state rnd;
	bool large = true;
	int ret, passed = 0;
	void *p;

	/* not a call before the reader is there: an atomic heap fills fast */
	if (!smp_race_meet(r, &passed)) {
		r->side_bad[0]++;
		WRITE_ONCE(r->stop, 1);
		return;
	}
	prandom_seed_state(&rnd, 0x70726f70ULL);
	for (;;) {
		if (large && !(prandom_u32_state(&rnd) % 4))
			size = SMP_SHARED_MIN +
			       prandom_u32_state(&rnd) % SMP_SHARED_SPAN;
		else
			size = 1 + prandom_u32_state(&rnd) % 200;
		started = max(started, done + size);
		WRITE_ONCE(pr->started, started);
		other = smp_race_enter(r, 0, &seq);
		if (size >= SMP_SHARED_MIN)
			ret = wsheap_alloc_aligned(r->heap, size, WSHEAP_ALIGN,
						   &p, NULL);
		else
			ret = wsheap_alloc(r->heap, size, &p, NULL);
		smp_race_leave(r, 0, &seq, other);
		if (ret == -EDQUOT && size >= SMP_SHARED_MIN) {
			large = false;
			continue;
		}
		if (ret) {
			if (ret != -EDQUOT)
				r->side_bad[0]++;
			break;
		}
		done += size;
		/* the call's writes before the count that covers them */
		smp_store_release(&pr->done, done);
		if (!(++calls % SMP_PROP_PACE))
			smp_prop_pace(pr, &seen);
	}
	pr->sum = done;
	WRITE_ONCE(r->stop, 1);
}

static void smp_prop_bad(struct smp_prop_race *pr, const char *what)
{
	if (!pr->race.side_bad[1]++)
		pr->first_bad = what;
}

/* The properties no allocation changes: what the heap was created with. */
static const char *smp_prop_fixed(struct smp_prop_race *pr)
{
	struct wsheap *heap = pr->race.heap;
	char name[WSHEAP_NAME_MAX];
	size_t max, trim, reserve;
	bool concurrent, account;
	gfp_t gfp;
	int node;

	if (wsheap_get_property(heap, WSHEAP_PROPERTY_MAX_SIZE, &max,
				sizeof(max), NULL) || max != pr->quota)
		return "MAX_SIZE is not the quota";
	if (wsheap_get_property(heap, WSHEAP_PROPERTY_TRIM_SIZE, &trim,
				sizeof(trim), NULL) || trim != SMP_PROP_TRIM)
		return "TRIM_SIZE is not the trim size";
	if (wsheap_get_property(heap, WSHEAP_PROPERTY_RESERVE, &reserve,
				sizeof(reserve), NULL) || reserve)
		return "RESERVE is not 0";
	if (wsheap_get_property(heap, WSHEAP_PROPERTY_CONCURRENT, &concurrent,
				sizeof(concurrent), NULL) || !concurrent)
		return "CONCURRENT is not true";
	if (wsheap_get_property(heap, WSHEAP_PROPERTY_ACCOUNT, &account,
				sizeof(account), NULL) || account)
		return "ACCOUNT is not false";
	if (wsheap_get_property(heap, WSHEAP_PROPERTY_GFP, &gfp, sizeof(gfp),
				NULL) || gfp != pr->gfp)
		return "GFP is not the one given";
	if (wsheap_get_property(heap, WSHEAP_PROPERTY_NUMA_NODE, &node,
				sizeof(node), NULL) || node != NUMA_NO_NODE)
		return "NUMA_NODE is not NUMA_NO_NODE";
	if (wsheap_get_property(heap, WSHEAP_PROPERTY_NAME, name, sizeof(name),
				NULL) || strcmp(name, SMP_PROP_NAME))
		return "NAME is not the one given";
	return NULL;
}

/*
 * Racer 1: every property, again and again.  REQUESTED_SIZE is a value
 * the heap held: at least what the calls that had returned took, at most
 * what the calls begun may take, never past the quota, never lower than
 * before (the other CPU only allocates); ACTUAL_SIZE, the chunk memory,
 * holds at least the bytes handed out and never falls; the rest is what
 * the heap was created with.
 */
static void smp_prop_reader(struct smp_race *r)
{
	struct smp_prop_race *pr = container_of(r, struct smp_prop_race,
						race);
	size_t lo, hi, req, act, last_req = 0, last_act = 0;
	unsigned long before, after;
	const char *bad;
	int passed = 0;

	if (!smp_race_meet(r, &passed)) {
		smp_prop_bad(pr, "the allocator never started");
		return;
	}
	while (!READ_ONCE(r->stop)) {
		/* pairs with the allocator's release: its blocks are counted */
		lo = smp_load_acquire(&pr->done);
		before = READ_ONCE(r->in_call[0]);
		if (wsheap_get_property(r->heap,
					WSHEAP_PROPERTY_REQUESTED_SIZE, &req,
					sizeof(req), NULL) ||
		    wsheap_get_property(r->heap, WSHEAP_PROPERTY_ACTUAL_SIZE,
					&act, sizeof(act), NULL)) {
			smp_prop_bad(pr, "get_property failed");
			break;
		}
		bad = smp_prop_fixed(pr);
		after = READ_ONCE(r->in_call[0]);
		/* the bound after the values it bounds */
		smp_rmb();
		hi = READ_ONCE(pr->started);
		if (bad)
			smp_prop_bad(pr, bad);
		if (req < lo || req > hi)
			smp_prop_bad(pr, "REQUESTED_SIZE is not a value the heap held");
		if (req > pr->quota)
			smp_prop_bad(pr, "REQUESTED_SIZE is past MAX_SIZE");
		if (req < last_req)
			smp_prop_bad(pr, "REQUESTED_SIZE fell while the other CPU only allocated");
		if (act < lo)
			smp_prop_bad(pr, "ACTUAL_SIZE is less than the bytes handed out");
		if (act < last_act)
			smp_prop_bad(pr, "ACTUAL_SIZE fell while the other CPU only allocated");
		last_req = req;
		last_act = act;
		/* the other CPU was inside a call during these reads */
		if ((before & 1) || after != before)
			r->side_live[1]++;
		WRITE_ONCE(pr->reads, pr->reads + 1);
		cond_resched();
	}
}

/* One race on a new concurrent heap of @gfp: the reads that raced a call. */
static unsigned long smp_prop_run(struct kunit *test,
				  struct smp_prop_race *pr, gfp_t gfp,
				  size_t quota, unsigned long *reads)
{
	bool yes = true;
	struct wsheap_property p[] = {
		{ WSHEAP_PROPERTY_NAME, SMP_PROP_NAME, sizeof(SMP_PROP_NAME) },
		{ WSHEAP_PROPERTY_GFP, &gfp, sizeof(gfp) },
		{ WSHEAP_PROPERTY_CONCURRENT, &yes, sizeof(yes) },
	};
	size_t requested = 0;

	memset(pr, 0, sizeof(*pr));
	pr->quota = quota;
	pr->gfp = gfp;
	/* freed at once: QEMU's 128 MiB hold a few tries' heaps badly */
	KUNIT_ASSERT_EQ(test, wsheap_create(quota, SMP_PROP_TRIM, p,
					    ARRAY_SIZE(p), &pr->race.heap,
					    NULL), 0);
	smp_race_go(test, &pr->race, smp_prop_allocator, smp_prop_reader);
	KUNIT_EXPECT_EQ_MSG(test, pr->race.side_bad[1], 0, "%s",
			    pr->first_bad ?: "");
	KUNIT_EXPECT_EQ(test, pr->race.side_bad[0], 0);
	/* the allocator stopped at the quota's edge */
	KUNIT_EXPECT_GT(test, pr->sum, quota - 200);
	/* and once every call has returned, exactly their sum */
	KUNIT_EXPECT_EQ(test, wsheap_get_property(pr->race.heap,
						  WSHEAP_PROPERTY_REQUESTED_SIZE,
						  &requested, sizeof(requested),
						  NULL), 0);
	KUNIT_EXPECT_EQ(test, requested, pr->sum);
	wsheap_free(pr->race.heap);
	*reads += pr->reads;
	return pr->race.side_live[1];
}

/*
 * wsheap_get_property() on a concurrent heap while another CPU allocates
 * from it, on a GFP_KERNEL heap (per-CPU slices, where the build has
 * them) and on an atomic one: every read is consistent (see
 * smp_prop_reader()).  Live: reads made while the other CPU was inside an
 * allocation call, on each heap.
 */
static void smp_get_property_while_another_cpu_allocates(struct kunit *test)
{
	unsigned long live[2] = {}, reads[2] = {};
	struct smp_prop_race *pr;
	unsigned int tries;

	smp_need_two_cpus(test);
	pr = kunit_kzalloc(test, sizeof(*pr), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pr);
	for (tries = 0; tries < SMP_TRIES && !live[0]; tries++)
		live[0] = smp_prop_run(test, pr, GFP_KERNEL, SZ_1M, &reads[0]);
	for (tries = 0; tries < SMP_TRIES && !live[1]; tries++)
		live[1] = smp_prop_run(test, pr, GFP_ATOMIC, SZ_256K,
				       &reads[1]);
	kunit_info(test, "%u CPUs, GFP_KERNEL heap: %lu reads, %lu during an allocation; GFP_ATOMIC heap: %lu reads, %lu during an allocation\n",
		   2, reads[0], live[0], reads[1], live[1]);
	KUNIT_EXPECT_GT(test, live[0], 0);
	KUNIT_EXPECT_GT(test, live[1], 0);
}

/* ---- a CPU that goes offline gives back what it parked ---- */

/* A heap's life on the CPU that runs it: it parks its object and chunks. */
static int smp_heap_life(void *unused)
{
	struct wsheap *heap;
	void *p;
	int ret;

	ret = wsheap_create(SZ_1M, 0, NULL, 0, &heap, NULL);
	if (ret)
		return ret;
	ret = wsheap_alloc(heap, 100, &p, NULL) ?:
	      wsheap_alloc(heap, 1000, &p, NULL);
	wsheap_free(heap);
	return ret;
}

/* Heap lives, one after another, on the CPU the thread is bound to. */
struct smp_churn {
	struct task_struct *task;
	unsigned long lives;
	unsigned long errors;
};

static int smp_churn_fn(void *data)
{
	struct smp_churn *c = data;

	while (!kthread_should_stop()) {
		if (smp_heap_life(NULL))
			c->errors++;
		c->lives++;
		cond_resched();
	}
	return 0;
}

/*
 * The CPU-hotplug callback frees what a CPU held parked once it is dead,
 * while heaps are created and freed on another CPU; online again, the CPU
 * parks afresh.  Live: heaps made on the other CPU meanwhile.
 */
static void smp_offline_cpu_gives_back_its_parked_memory(struct kunit *test)
{
	unsigned int cpu0, cpu1;
	unsigned long offline_items, online_items;
	struct smp_churn c = {};
	size_t bytes, offline_bytes;
	int off, on;

	smp_need_two_cpus(test);
	cpu0 = cpumask_first(cpu_online_mask);
	cpu1 = cpumask_next(cpu0, cpu_online_mask);
	if (!IS_ENABLED(CONFIG_HOTPLUG_CPU) || !cpu_is_hotpluggable(cpu1))
		kunit_skip(test, "needs CPU %u to be hotpluggable", cpu1);
	KUNIT_ASSERT_EQ(test, smp_call_on_cpu(cpu1, smp_heap_life, NULL,
					      false), 0);
	KUNIT_ASSERT_GT(test, wsheap_cache_parked(cpu1, &bytes), 0);

	c.task = kthread_create(smp_churn_fn, &c, "wsheap_churn/%u", cpu0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(c.task));
	get_task_struct(c.task);
	kthread_bind(c.task, cpu0);
	wake_up_process(c.task);
	off = remove_cpu(cpu1);
	offline_items = wsheap_cache_parked(cpu1, &offline_bytes);
	on = off ? 0 : add_cpu(cpu1);
	kthread_stop(c.task);
	put_task_struct(c.task);

	KUNIT_ASSERT_EQ(test, off, 0);
	KUNIT_EXPECT_EQ(test, on, 0);
	KUNIT_EXPECT_EQ(test, offline_items, 0);
	KUNIT_EXPECT_EQ(test, offline_bytes, 0);
	KUNIT_EXPECT_EQ(test, c.errors, 0);
	KUNIT_EXPECT_GT(test, c.lives, 0);
	if (!on) {
		KUNIT_EXPECT_EQ(test, smp_call_on_cpu(cpu1, smp_heap_life,
						      NULL, false), 0);
		online_items = wsheap_cache_parked(cpu1, &bytes);
		KUNIT_EXPECT_GT(test, online_items, 0);
	}
	kunit_info(test, "2 CPUs, %lu heaps on CPU %u while CPU %u went offline and back\n",
		   c.lives, cpu0, cpu1);
}

static struct kunit_case wsheap_smp_cases[] = {
	KUNIT_CASE_SLOW(smp_independent_heaps_on_every_cpu),
	KUNIT_CASE(smp_one_concurrent_heap_fed_by_every_cpu),
	KUNIT_CASE_SLOW(smp_concurrent_quota_holds_at_every_edge),
	KUNIT_CASE(smp_realloc_in_place_only_of_the_last_block),
	KUNIT_CASE(smp_shrink_gives_back_only_its_own_bytes),
	KUNIT_CASE(smp_floor_only_rises),
	KUNIT_CASE(smp_marks_stay_with_their_heap_and_round),
	KUNIT_CASE(smp_get_property_while_another_cpu_allocates),
	KUNIT_CASE(smp_offline_cpu_gives_back_its_parked_memory),
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
