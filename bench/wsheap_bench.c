// SPDX-License-Identifier: GPL-2.0
/*
 * wsheap_bench - time wsheap against the kernel's other allocators
 *
 * At load, every row below is run reps times (after one warm-up run that
 * is not counted) and printed, as soon as it is measured, as the median
 * time per unit with the fastest and slowest repetition.  The unit is an
 * object unless the row names another (a call, a cycle, a message).  Each
 * row has a key, and two ratio columns lead it:
 *
 *  - "vs W": the median over that of row W, wsheap_alloc() into a warm
 *    heap; only for rows whose unit is an object;
 *  - "vs kmalloc": for a wsheap row, the median over that of the row it
 *    names, which does the same work with kmalloc()/kfree() (or kzalloc(),
 *    kstrdup(), kasprintf()) in the same boot and is printed before it.
 *    Below 1.00x the wsheap row costs less.
 *
 * The rows:
 *
 *  - W: wsheap_alloc() of n_objects into a warm heap, whose chunks a trim
 *    size above the working set kept from the round before: the cost of
 *    allocation itself, as kmalloc's row is measured with its slabs warm;
 *  - K: kmalloc() of the same sequence, then kfree() of every object, as an
 *    arena user would free them at the end;
 *  - F: the same as W into a fresh heap, which pays for every chunk;
 *  - RS1..RS3: wsheap_reset() after n_objects and after a hundredth of
 *    them, per call: its cost follows the number of chunks, not of
 *    objects;
 *  - KC: kmem_cache_alloc()/kmem_cache_free() of one 64-byte object size;
 *  - V: vmalloc()/vfree() per object, for a thousandth of the objects;
 *  - B: an inline bump pointer over one vmalloc'd buffer: the physical
 *    limit;
 *  - KZ/Z, KS/S, KA/A: kzalloc(), kstrdup() and kasprintf() with a kfree()
 *    of every object at the end, each followed by wsheap_zalloc(),
 *    wsheap_strdup() and wsheap_asprintf() into a warm heap: zalloc takes
 *    the same sizes, the strings are copies of a precomputed set of 8..40
 *    character field names, and asprintf formats "%s=%u" of a name and the
 *    object's index;
 *  - ST: a steady refill/reset loop within the trim size, which must make
 *    no new backing allocation;
 *  - short jobs, each repeated cycles times, with sizes of 8..127 bytes
 *    from a second pseudo-random sequence: kmalloc()+kfree() of one object
 *    (K1) against the create and free of an empty heap (E), a reset of a
 *    heap that holds one chunk (R1), one allocation and a reset in such a
 *    heap (AR1) and a 1 KiB heap created, given one object and freed (H1);
 *    kmalloc() of 8 objects and kfree() of the 8 (K8) against a 1 KiB heap
 *    created, given the same 8 objects and freed (H8), and against one
 *    1 KiB heap kept and reset after each 8 (AR8); kmalloc() of 100
 *    objects and kfree() of the 100 (K100) against a 16 KiB heap created,
 *    given the same 100 objects and freed (H100);
 *  - KP/P: the demo's work on one message of 100 "name=value;" fields, two
 *    in 50 of them malformed: copy the message, cut it in place into
 *    records of a name and a value string, indexed by a hash table, and
 *    release it all.  KP allocates each structure with kmalloc() and
 *    frees it (a malformed record at once, the rest by walking the table);
 *    P allocates them in one heap, takes a mark before each record, rolls
 *    a malformed one back, and resets the heap after the message, as
 *    samples/wsheap_demo.c does;
 *  - growth (G1K..G1G): a heap filled up to its quota of 1 KiB, 1 MiB,
 *    64 MiB and 1 GiB from create to free, against K, to show that the
 *    cost per allocation stays flat.
 *    Heaps larger than growth_max_mib are skipped: under UML every
 *    vmalloc'd page takes a host mapping, and the host allows about 65530.
 *
 * It ends with ACTUAL_SIZE / REQUESTED_SIZE of filled heaps, the memory
 * held for each byte handed out.  The module stays loaded; it does nothing
 * more after init.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/align.h>
#include <linux/compiler.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/init.h>
#include <linux/jhash.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/vmalloc.h>

#include "../wsheap.h"
#include "../wsheap_internal.h"

static unsigned int n_objects = 1000000;
module_param(n_objects, uint, 0444);
MODULE_PARM_DESC(n_objects, "Objects allocated per repetition of a row (default 1000000)");

static unsigned int reps = 5;
module_param(reps, uint, 0444);
MODULE_PARM_DESC(reps, "Repetitions of each row; the median is reported (default 5, at most 15)");

static unsigned int growth_max_mib = 1024;
module_param(growth_max_mib, uint, 0444);
MODULE_PARM_DESC(growth_max_mib, "Largest heap of the growth rows, in MiB (default 1024)");

static unsigned int cycles = 30000;
module_param(cycles, uint, 0444);
MODULE_PARM_DESC(cycles, "Cycles per repetition of the short-job rows; the message rows parse cycles/10 messages (default 30000)");

#define BENCH_MAX_REPS		15
#define BENCH_MIN_SIZE		8
#define BENCH_MAX_SIZE		256
#define BENCH_SEED		0x9e3779b97f4a7c15ULL

/* vmalloc() is timed on one object in this many. */
#define BENCH_VMALLOC_SHARE	1000

/* The steady loop's working set, well inside its trim size. */
#define BENCH_STEADY_BYTES	SZ_256K
#define BENCH_STEADY_TRIM	SZ_1M

/* Small heaps are filled again until this many allocations are timed. */
#define BENCH_GROWTH_MIN_OBJS	100000

#define BENCH_OBJ_SIZE		64

/* The string rows copy and format BENCH_NAMES names of 8..40 characters. */
#define BENCH_NAMES		256
#define BENCH_NAME_MIN		8
#define BENCH_NAME_MAX		40

/*
 * The short jobs take their sizes, 8..127 bytes, from a sequence of this
 * many (a power of two); a job of n objects in cycle c takes objects
 * c * n .. c * n + n - 1 of it, modulo its length.
 */
#define BENCH_SMALL_SEQ		4096
#define BENCH_SMALL_MIN		8
#define BENCH_SMALL_MAX		127
/* Most objects a short job allocates: bench_ptrs holds at least this many. */
#define BENCH_SMALL_JOB_MAX	100U

/*
 * The message of the KP and P rows: BENCH_MSG_FIELDS fields "name=value;"
 * with a name of the string rows and a value of 1..BENCH_VALUE_MAX
 * letters.  Of every BENCH_MSG_BAD_EVERY fields two are malformed, as the
 * demo's sender sends them: one without '=', one with a '#' in its value.
 */
#define BENCH_MSG_FIELDS	100
#define BENCH_VALUE_MAX		40
#define BENCH_MSG_BAD_EVERY	50
#define BENCH_MSG_NO_EQUALS	7
#define BENCH_MSG_BAD_CHAR	31
#define BENCH_MSG_BUCKETS	64
#define BENCH_MSG_MAX		(BENCH_MSG_FIELDS * \
				 (BENCH_NAME_MAX + BENCH_VALUE_MAX + 2) + 1)
/* The heap of the P row, as the demo's: a quota and a trim size. */
#define BENCH_MSG_QUOTA		SZ_1M
#define BENCH_MSG_TRIM		SZ_64K
/* The message rows parse cycles / BENCH_MSG_SHARE messages. */
#define BENCH_MSG_SHARE		10

struct bench_case {
	const char *key;	/* names the row in the table and in yard */
	const char *label;
	int (*run)(const struct bench_case *bc, u64 *ns, u64 *units);
	/* Optional: more about the row, from its median in ns/100 per unit. */
	void (*note)(const struct bench_case *bc, u64 median, char *buf,
		     size_t len);
	/* The key of the kmalloc row that does the same work, or NULL. */
	const char *yard;
	size_t heap_size;
	unsigned int share;	/* reset rows: after n_objects / share objects */
	unsigned int objs;	/* short jobs: objects per cycle */
	bool per_call;		/* the unit is not an object: no ratio to W */
	bool atomic;		/* GFP_ATOMIC: kmalloc's, or an atomic heap */
	bool concurrent;	/* the heap is a CONCURRENT one */
	/* Warm-heap rows: what fills the heap, n objects. */
	int (*fill)(struct wsheap *heap, unsigned int n);
};

struct bench_result {
	u64 samples[BENCH_MAX_REPS];	/* ns/100 per unit, sorted */
	int err;
};

static u16 *bench_sizes;		/* n_objects request sizes */
static void **bench_ptrs;		/* pointers to free */
static size_t bench_bytes;		/* sum of the sizes, 8-byte aligned */
static char bench_names[BENCH_NAMES][BENCH_NAME_MAX + 1];
static u8 bench_small[BENCH_SMALL_SEQ];	/* sizes of the short jobs */

static char bench_msg[BENCH_MSG_MAX];	/* the message of KP and P */
static size_t bench_msg_len;
static unsigned int bench_msg_good;	/* well-formed fields in it */

static unsigned int bench_steady_objs;	/* objects per steady cycle */
static unsigned long bench_steady_cycles;
static unsigned long bench_steady_grown;

/* The next number of the pseudo-random sequence, from its top 32 bits. */
static u32 bench_rand(u64 *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x >> 32;
}

/* @x100 hundredths as "12.34". */
static const char *bench_fmt(char *buf, size_t len, u64 x100)
{
	u32 frac;
	u64 whole = div_u64_rem(x100, 100, &frac);

	scnprintf(buf, len, "%llu.%02u", whole, frac);
	return buf;
}

static void bench_sizes_init(void)
{
	u64 x = BENCH_SEED;
	unsigned int i;

	bench_bytes = 0;
	for (i = 0; i < n_objects; i++) {
		bench_sizes[i] = BENCH_MIN_SIZE +
				 bench_rand(&x) % (BENCH_MAX_SIZE - BENCH_MIN_SIZE + 1);
		bench_bytes += ALIGN(bench_sizes[i], 8);
	}
}

static void bench_small_init(void)
{
	u64 x = BENCH_SEED;
	unsigned int i;

	for (i = 0; i < BENCH_SMALL_SEQ; i++)
		bench_small[i] = BENCH_SMALL_MIN +
				 bench_rand(&x) % (BENCH_SMALL_MAX - BENCH_SMALL_MIN + 1);
}

static size_t bench_small_size(unsigned int i)
{
	return bench_small[i & (BENCH_SMALL_SEQ - 1)];
}

/* Names like "qzkx_vjme_ab", 8..40 characters of a-z and '_'. */
static void bench_names_init(void)
{
	unsigned int i, j, len;
	u64 x = BENCH_SEED;

	for (i = 0; i < BENCH_NAMES; i++) {
		len = BENCH_NAME_MIN +
		      bench_rand(&x) % (BENCH_NAME_MAX - BENCH_NAME_MIN + 1);
		for (j = 0; j < len; j++)
			bench_names[i][j] = j % 5 == 4 ? '_' :
					    'a' + bench_rand(&x) % 26;
		bench_names[i][len] = '\0';
	}
}

static const char *bench_name(unsigned int i)
{
	return bench_names[i % BENCH_NAMES];
}

/* The message: "name=value;" fields, some malformed (see BENCH_MSG_*). */
static void bench_msg_init(void)
{
	unsigned int i, j, vlen, form;
	u64 x = BENCH_SEED;
	size_t len = 0;

	bench_msg_good = 0;
	for (i = 0; i < BENCH_MSG_FIELDS; i++) {
		form = i % BENCH_MSG_BAD_EVERY;
		len += scnprintf(bench_msg + len, sizeof(bench_msg) - len,
				 "%s%c", bench_name(i),
				 form == BENCH_MSG_NO_EQUALS ? ':' : '=');
		vlen = 1 + bench_rand(&x) % BENCH_VALUE_MAX;
		for (j = 0; j < vlen; j++)
			bench_msg[len++] = 'a' + bench_rand(&x) % 26;
		if (form == BENCH_MSG_BAD_CHAR)
			bench_msg[len - 1 - vlen / 2] = '#';
		bench_msg[len++] = ';';
		bench_msg_good += form != BENCH_MSG_NO_EQUALS &&
				  form != BENCH_MSG_BAD_CHAR;
	}
	bench_msg[len] = '\0';
	bench_msg_len = len;
}

/*
 * Call @one for objects first..first+n-1 of its sequence.  Always inlined,
 * so that each caller's @one is a direct call, itself inlined where it is
 * small: the loop costs the same for every row.
 */
static __always_inline int bench_fill_by(struct wsheap *heap,
					 unsigned int first, unsigned int n,
					 int (*one)(struct wsheap *heap,
						    unsigned int i))
{
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++) {
		ret = one(heap, first + i);
		if (ret)
			return ret;
	}
	return 0;
}

static int bench_alloc_one(struct wsheap *heap, unsigned int i)
{
	void *p;

	return wsheap_alloc(heap, bench_sizes[i], &p, NULL);
}

static int bench_small_one(struct wsheap *heap, unsigned int i)
{
	void *p;

	return wsheap_alloc(heap, bench_small_size(i), &p, NULL);
}

static int bench_zalloc_one(struct wsheap *heap, unsigned int i)
{
	void *p;

	return wsheap_zalloc(heap, bench_sizes[i], &p, NULL);
}

static int bench_strdup_one(struct wsheap *heap, unsigned int i)
{
	char *s;

	return wsheap_strdup(heap, bench_name(i), &s, NULL);
}

static int bench_asprintf_one(struct wsheap *heap, unsigned int i)
{
	char *s;

	return wsheap_asprintf(heap, &s, NULL, "%s=%u", bench_name(i), i);
}

static int bench_fill(struct wsheap *heap, unsigned int n)
{
	return bench_fill_by(heap, 0, n, bench_alloc_one);
}

static int bench_fill_zalloc(struct wsheap *heap, unsigned int n)
{
	return bench_fill_by(heap, 0, n, bench_zalloc_one);
}

static int bench_fill_strdup(struct wsheap *heap, unsigned int n)
{
	return bench_fill_by(heap, 0, n, bench_strdup_one);
}

static int bench_fill_asprintf(struct wsheap *heap, unsigned int n)
{
	return bench_fill_by(heap, 0, n, bench_asprintf_one);
}

/* Time @fill of n_objects into @heap, then free it. */
static int bench_time_fill(struct wsheap *heap,
			   int (*fill)(struct wsheap *heap, unsigned int n),
			   u64 *ns, u64 *units)
{
	u64 start;
	int ret;

	start = ktime_get_ns();
	ret = fill(heap, n_objects);
	*ns = ktime_get_ns() - start;
	*units = n_objects;

	wsheap_free(heap);
	return ret;
}

static int bench_wsheap_alloc(const struct bench_case *bc, u64 *ns, u64 *units)
{
	struct wsheap *heap;
	int ret;

	ret = wsheap_create(SIZE_MAX, 0, NULL, 0, &heap, NULL);
	return ret ?: bench_time_fill(heap, bench_fill, ns, units);
}

/*
 * A heap that has been filled once by the row's fill and reset, keeping
 * all its chunks.
 */
static int bench_create(const struct bench_case *bc, size_t max_size,
			size_t trim_size, struct wsheap **heap);

static int bench_wsheap_warm(const struct bench_case *bc, u64 *ns, u64 *units)
{
	struct wsheap *heap;
	int ret;

	ret = bench_create(bc, SIZE_MAX, SIZE_MAX, &heap);
	if (ret)
		return ret;
	ret = bc->fill(heap, n_objects) ?: wsheap_reset(heap, NULL);
	if (ret) {
		wsheap_free(heap);
		return ret;
	}
	return bench_time_fill(heap, bc->fill, ns, units);
}

/* One reset after n_objects / share objects, with @trim. */
static int bench_reset_after(const struct bench_case *bc, size_t trim,
			     u64 *ns, u64 *units)
{
	unsigned int n = max(n_objects / bc->share, 1U);
	struct wsheap *heap;
	u64 start;
	int ret;

	ret = wsheap_create(SIZE_MAX, trim, NULL, 0, &heap, NULL);
	if (ret)
		return ret;

	ret = bench_fill(heap, n);
	if (!ret) {
		start = ktime_get_ns();
		ret = wsheap_reset(heap, NULL);
		*ns = ktime_get_ns() - start;
		*units = 1;
	}

	wsheap_free(heap);
	return ret;
}

static int bench_reset_keep(const struct bench_case *bc, u64 *ns, u64 *units)
{
	return bench_reset_after(bc, SIZE_MAX, ns, units);
}

static int bench_reset_release(const struct bench_case *bc, u64 *ns,
			       u64 *units)
{
	return bench_reset_after(bc, 0, ns, units);
}

static void bench_kfree_all(unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		kfree(bench_ptrs[i]);
}

/*
 * @one for objects first..first+n-1 of its sequence into bench_ptrs, then
 * kfree() of each, as bench_fill_by() and a reset or free do for a heap.
 */
static __always_inline int bench_kalloc_n(void *(*one)(unsigned int i),
					  unsigned int first, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		bench_ptrs[i] = one(first + i);
		if (!bench_ptrs[i]) {
			bench_kfree_all(i);
			return -ENOMEM;
		}
	}
	bench_kfree_all(n);
	return 0;
}

/* Time bench_kalloc_n() of all n_objects. */
static __always_inline int bench_kalloc_by(void *(*one)(unsigned int i),
					   u64 *ns, u64 *units)
{
	u64 start;
	int ret;

	start = ktime_get_ns();
	ret = bench_kalloc_n(one, 0, n_objects);
	*ns = ktime_get_ns() - start;
	*units = n_objects;
	return ret;
}

static void *bench_kmalloc_one(unsigned int i)
{
	return kmalloc(bench_sizes[i], GFP_KERNEL);
}

static void *bench_ksmall_one(unsigned int i)
{
	return kmalloc(bench_small_size(i), GFP_KERNEL);
}

static void *bench_ksmall_atomic_one(unsigned int i)
{
	return kmalloc(bench_small_size(i), GFP_ATOMIC);
}

static void *bench_kzalloc_one(unsigned int i)
{
	return kzalloc(bench_sizes[i], GFP_KERNEL);
}

static void *bench_kstrdup_one(unsigned int i)
{
	return kstrdup(bench_name(i), GFP_KERNEL);
}

static void *bench_kasprintf_one(unsigned int i)
{
	return kasprintf(GFP_KERNEL, "%s=%u", bench_name(i), i);
}

static int bench_kmalloc(const struct bench_case *bc, u64 *ns, u64 *units)
{
	return bench_kalloc_by(bench_kmalloc_one, ns, units);
}

static int bench_kzalloc(const struct bench_case *bc, u64 *ns, u64 *units)
{
	return bench_kalloc_by(bench_kzalloc_one, ns, units);
}

static int bench_kstrdup(const struct bench_case *bc, u64 *ns, u64 *units)
{
	return bench_kalloc_by(bench_kstrdup_one, ns, units);
}

static int bench_kasprintf(const struct bench_case *bc, u64 *ns, u64 *units)
{
	return bench_kalloc_by(bench_kasprintf_one, ns, units);
}

static void bench_cache_free_all(struct kmem_cache *cache, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		kmem_cache_free(cache, bench_ptrs[i]);
}

static int bench_kmem_cache(const struct bench_case *bc, u64 *ns, u64 *units)
{
	struct kmem_cache *cache;
	unsigned int i;
	u64 start;
	int ret = 0;

	cache = kmem_cache_create("wsheap_bench", BENCH_OBJ_SIZE, 0, 0, NULL);
	if (!cache)
		return -ENOMEM;

	start = ktime_get_ns();
	for (i = 0; i < n_objects; i++) {
		bench_ptrs[i] = kmem_cache_alloc(cache, GFP_KERNEL);
		if (!bench_ptrs[i]) {
			ret = -ENOMEM;
			break;
		}
	}
	bench_cache_free_all(cache, i);
	*ns = ktime_get_ns() - start;
	*units = n_objects;

	kmem_cache_destroy(cache);
	return ret;
}

static void bench_vfree_all(unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		vfree(bench_ptrs[i]);
}

static int bench_vmalloc(const struct bench_case *bc, u64 *ns, u64 *units)
{
	unsigned int n = max(n_objects / BENCH_VMALLOC_SHARE, 1U);
	unsigned int i;
	u64 start;

	start = ktime_get_ns();
	for (i = 0; i < n; i++) {
		bench_ptrs[i] = vmalloc(bench_sizes[i]);
		if (!bench_ptrs[i]) {
			bench_vfree_all(i);
			return -ENOMEM;
		}
	}
	bench_vfree_all(n);
	*ns = ktime_get_ns() - start;
	*units = n;
	return 0;
}

/*
 * The least any bump allocator can do: a bounds check and an add per
 * object.  barrier_data() makes each pointer count as used without
 * touching the object, which the wsheap rows do not do either.
 */
static int bench_bump(const struct bench_case *bc, u64 *ns, u64 *units)
{
	char *buf, *cur, *end, *p;
	unsigned int i;
	size_t size;
	u64 start;
	int ret = 0;

	buf = vmalloc(bench_bytes);
	if (!buf)
		return -ENOMEM;
	cur = buf;
	end = buf + bench_bytes;

	start = ktime_get_ns();
	for (i = 0; i < n_objects; i++) {
		size = ALIGN(bench_sizes[i], 8);
		if (unlikely(size > (size_t)(end - cur))) {
			ret = -ENOSPC;
			break;
		}
		p = cur;
		cur += size;
		barrier_data(p);
	}
	*ns = ktime_get_ns() - start;
	*units = n_objects;

	vfree(buf);
	return ret;
}

/* Objects of the sequence whose sizes add up to the steady working set. */
static unsigned int bench_steady_count(void)
{
	size_t bytes = 0;
	unsigned int i;

	for (i = 0; i < n_objects; i++) {
		bytes += bench_sizes[i];
		if (bytes > BENCH_STEADY_BYTES)
			break;
	}
	return max(i, 1U);
}

static int bench_size(struct wsheap *heap, enum wsheap_property_id id,
		      size_t *size)
{
	return wsheap_get_property(heap, id, size, sizeof(*size), NULL);
}

/* Refill and reset; count the cycles in which ACTUAL_SIZE grew. */
static int bench_steady_cycle(struct wsheap *heap, size_t warm)
{
	size_t actual = warm;
	int ret;

	ret = bench_fill(heap, bench_steady_objs) ?:
	      bench_size(heap, WSHEAP_PROPERTY_ACTUAL_SIZE, &actual) ?:
	      wsheap_reset(heap, NULL);
	if (!ret && actual != warm)
		bench_steady_grown++;
	return ret;
}

static int bench_steady(const struct bench_case *bc, u64 *ns, u64 *units)
{
	unsigned int rounds = max(n_objects / bench_steady_objs, 1U);
	struct wsheap *heap;
	unsigned int i;
	size_t warm;
	u64 start;
	int ret;

	ret = wsheap_create(SIZE_MAX, BENCH_STEADY_TRIM, NULL, 0, &heap, NULL);
	if (ret)
		return ret;

	/* One round to get the chunks the working set needs. */
	ret = bench_fill(heap, bench_steady_objs) ?:
	      bench_size(heap, WSHEAP_PROPERTY_ACTUAL_SIZE, &warm) ?:
	      wsheap_reset(heap, NULL);
	if (ret)
		goto out;

	start = ktime_get_ns();
	for (i = 0; i < rounds && !ret; i++)
		ret = bench_steady_cycle(heap, warm);
	*ns = ktime_get_ns() - start;
	*units = (u64)rounds * bench_steady_objs;
	bench_steady_cycles += rounds;
out:
	wsheap_free(heap);
	return ret;
}

static void bench_steady_note(const struct bench_case *bc, u64 median,
			      char *buf, size_t len)
{
	scnprintf(buf, len, ": %llu ns/cycle of %u objects; ACTUAL_SIZE grew in %lu of %lu cycles",
		  div_u64(median * bench_steady_objs, 100), bench_steady_objs,
		  bench_steady_grown, bench_steady_cycles);
}

/*
 * Time @cycle(bc, ctx, c) for c = 0..n-1; each cycle counts as bc->objs
 * units, or as one when the row's unit is the cycle (bc->objs 0).  Always
 * inlined, so that @cycle is a direct call, as in bench_fill_by().
 */
static __always_inline int
bench_time_cycles(const struct bench_case *bc, void *ctx,
		  int (*cycle)(const struct bench_case *bc, void *ctx,
			       unsigned int c),
		  unsigned int n, u64 *ns, u64 *units)
{
	unsigned int c;
	u64 start;
	int ret = 0;

	start = ktime_get_ns();
	for (c = 0; c < n && !ret; c++)
		ret = cycle(bc, ctx, c);
	*ns = ktime_get_ns() - start;
	*units = (u64)n * (bc->objs ?: 1);
	return ret;
}

/* A short job with kmalloc: bc->objs objects, then kfree() of each. */
static int bench_kjob_cycle(const struct bench_case *bc, void *ctx,
			    unsigned int c)
{
	if (bc->atomic)
		return bench_kalloc_n(bench_ksmall_atomic_one, c * bc->objs,
				      bc->objs);
	return bench_kalloc_n(bench_ksmall_one, c * bc->objs, bc->objs);
}

/* A heap with the v3 properties of the row: atomic, concurrent. */
static int bench_create(const struct bench_case *bc, size_t max_size,
			size_t trim_size, struct wsheap **heap)
{
	gfp_t atomic = GFP_ATOMIC;
	bool yes = true;
	struct wsheap_property props[2];
	unsigned int n = 0;

	if (bc->atomic)
		props[n++] = (struct wsheap_property){ WSHEAP_PROPERTY_GFP,
						       &atomic, sizeof(atomic) };
	if (bc->concurrent)
		props[n++] = (struct wsheap_property){
			WSHEAP_PROPERTY_CONCURRENT, &yes, sizeof(yes) };
	return wsheap_create(max_size, trim_size, props, n, heap, NULL);
}

static int bench_kjob(const struct bench_case *bc, u64 *ns, u64 *units)
{
	return bench_time_cycles(bc, NULL, bench_kjob_cycle, cycles, ns, units);
}

/* A short job with a heap of its own: create, bc->objs objects, free. */
static int bench_heap_job_cycle(const struct bench_case *bc, void *ctx,
				unsigned int c)
{
	struct wsheap *heap;
	int ret;

	ret = bench_create(bc, bc->heap_size, 0, &heap);
	if (ret)
		return ret;
	ret = bench_fill_by(heap, c * bc->objs, bc->objs, bench_small_one);
	wsheap_free(heap);
	return ret;
}

static int bench_heap_job(const struct bench_case *bc, u64 *ns, u64 *units)
{
	return bench_time_cycles(bc, NULL, bench_heap_job_cycle, cycles, ns,
				 units);
}

/* A short job in a kept heap: bc->objs objects, then a reset. */
static int bench_reuse_cycle(const struct bench_case *bc, void *ctx,
			     unsigned int c)
{
	struct wsheap *heap = ctx;

	return bench_fill_by(heap, c * bc->objs, bc->objs, bench_small_one) ?:
	       wsheap_reset(heap, NULL);
}

/* The heap holds one chunk, which the trim keeps from cycle to cycle. */
static int bench_reuse(const struct bench_case *bc, u64 *ns, u64 *units)
{
	struct wsheap *heap;
	int ret;

	ret = wsheap_create(bc->heap_size, SIZE_MAX, NULL, 0, &heap, NULL);
	if (ret)
		return ret;
	ret = bench_fill_by(heap, 0, 1, bench_small_one) ?:
	      wsheap_reset(heap, NULL) ?:
	      bench_time_cycles(bc, heap, bench_reuse_cycle, cycles, ns, units);
	wsheap_free(heap);
	return ret;
}

static void bench_job_note(const struct bench_case *bc, u64 median,
			   char *buf, size_t len)
{
	scnprintf(buf, len, ": %llu ns per cycle",
		  div_u64(median * bc->objs, 100));
}

/* The records of a message, indexed by a hash table of their names. */
struct bench_record {
	struct bench_record *next;	/* in the same bucket */
	char *name;
	char *value;
	u32 hash;
};

struct bench_table {
	struct bench_record **buckets;
	unsigned int count;
	unsigned int dropped;
};

/*
 * How a parse allocates and releases: KP with kmalloc()/kfree(), P in a
 * heap (@ctx).  mark comes before each record; drop takes back a record
 * found malformed after its name was copied; release ends the message.
 */
struct bench_parse_ops {
	void *(*memdup)(void *ctx, const void *src, size_t len);
	void *(*zalloc)(void *ctx, size_t size);
	char *(*strdup)(void *ctx, const char *s);
	int (*mark)(void *ctx, struct wsheap_mark *mark);
	int (*drop)(void *ctx, struct bench_record *rec,
		    const struct wsheap_mark *mark);
	int (*release)(void *ctx, struct bench_table *table, char *msg);
};

static void *bench_k_memdup(void *ctx, const void *src, size_t len)
{
	return kmemdup(src, len, GFP_KERNEL);
}

static void *bench_k_zalloc(void *ctx, size_t size)
{
	return kzalloc(size, GFP_KERNEL);
}

static char *bench_k_strdup(void *ctx, const char *s)
{
	return kstrdup(s, GFP_KERNEL);
}

static int bench_k_mark(void *ctx, struct wsheap_mark *mark)
{
	return 0;
}

static int bench_k_drop(void *ctx, struct bench_record *rec,
			const struct wsheap_mark *mark)
{
	kfree(rec->value);
	kfree(rec->name);
	kfree(rec);
	return 0;
}

static int bench_k_release(void *ctx, struct bench_table *table, char *msg)
{
	struct bench_record *rec, *next;
	unsigned int i;

	for (i = 0; table->buckets && i < BENCH_MSG_BUCKETS; i++) {
		for (rec = table->buckets[i]; rec; rec = next) {
			next = rec->next;
			bench_k_drop(ctx, rec, NULL);
		}
	}
	kfree(table->buckets);
	kfree(msg);
	return 0;
}

static const struct bench_parse_ops bench_kmalloc_ops = {
	.memdup = bench_k_memdup,
	.zalloc = bench_k_zalloc,
	.strdup = bench_k_strdup,
	.mark = bench_k_mark,
	.drop = bench_k_drop,
	.release = bench_k_release,
};

static void *bench_w_memdup(void *ctx, const void *src, size_t len)
{
	void *p;

	return wsheap_memdup(ctx, src, len, &p, NULL) ? NULL : p;
}

static void *bench_w_zalloc(void *ctx, size_t size)
{
	void *p;

	return wsheap_zalloc(ctx, size, &p, NULL) ? NULL : p;
}

static char *bench_w_strdup(void *ctx, const char *s)
{
	char *p;

	return wsheap_strdup(ctx, s, &p, NULL) ? NULL : p;
}

static int bench_w_mark(void *ctx, struct wsheap_mark *mark)
{
	return wsheap_mark(ctx, mark, NULL);
}

static int bench_w_drop(void *ctx, struct bench_record *rec,
			const struct wsheap_mark *mark)
{
	return wsheap_rollback(ctx, mark, NULL);
}

static int bench_w_release(void *ctx, struct bench_table *table, char *msg)
{
	return wsheap_reset(ctx, NULL);
}

static const struct bench_parse_ops bench_wsheap_ops = {
	.memdup = bench_w_memdup,
	.zalloc = bench_w_zalloc,
	.strdup = bench_w_strdup,
	.mark = bench_w_mark,
	.drop = bench_w_drop,
	.release = bench_w_release,
};

/* A value is one or more of a-z. */
static bool bench_value_ok(const char *value)
{
	if (!*value)
		return false;
	for (; *value; value++)
		if (*value < 'a' || *value > 'z')
			return false;
	return true;
}

/*
 * The record of @field, "name=value", into @table: allocated, with its
 * name copied, before the value is looked at, as a one-pass parser does;
 * a malformed field is then dropped.  Always inlined with a constant
 * @ops, so that every allocation is a direct call.
 */
static __always_inline int bench_parse_field(const struct bench_parse_ops *ops,
					     void *ctx,
					     struct bench_table *table,
					     char *field)
{
	char *name = strsep(&field, "=");
	struct bench_record *rec, **bucket;
	struct wsheap_mark mark;
	int ret;

	ret = ops->mark(ctx, &mark);
	if (ret)
		return ret;
	rec = ops->zalloc(ctx, sizeof(*rec));
	if (!rec)
		return -ENOMEM;
	rec->name = ops->strdup(ctx, name);
	if (!rec->name) {
		ret = -ENOMEM;
		goto drop;
	}
	if (!field || !bench_value_ok(field)) {
		table->dropped++;
		goto drop;
	}
	rec->value = ops->strdup(ctx, field);
	if (!rec->value) {
		ret = -ENOMEM;
		goto drop;
	}
	rec->hash = jhash(rec->name, strlen(rec->name), 0);
	bucket = &table->buckets[rec->hash & (BENCH_MSG_BUCKETS - 1)];
	rec->next = *bucket;
	*bucket = rec;
	table->count++;
	return 0;
drop:
	return ops->drop(ctx, rec, &mark) ?: ret;
}

/* One message: copy it, parse it into @ops' memory, release it all. */
static __always_inline int bench_parse_by(const struct bench_parse_ops *ops,
					  void *ctx)
{
	struct bench_table table = {};
	char *msg, *cur;
	int ret = -ENOMEM;

	msg = ops->memdup(ctx, bench_msg, bench_msg_len + 1);
	if (msg)
		table.buckets = ops->zalloc(ctx, BENCH_MSG_BUCKETS *
						 sizeof(*table.buckets));
	if (table.buckets) {
		ret = 0;
		for (cur = msg; !ret && cur && *cur;)
			ret = bench_parse_field(ops, ctx, &table,
						strsep(&cur, ";"));
	}
	if (!ret && table.count != bench_msg_good)
		ret = -EIO;
	return ops->release(ctx, &table, msg) ?: ret;
}

static int bench_parse_kmalloc_cycle(const struct bench_case *bc, void *ctx,
				     unsigned int c)
{
	return bench_parse_by(&bench_kmalloc_ops, ctx);
}

static int bench_parse_wsheap_cycle(const struct bench_case *bc, void *ctx,
				    unsigned int c)
{
	return bench_parse_by(&bench_wsheap_ops, ctx);
}

static unsigned int bench_msgs(void)
{
	return max(cycles / BENCH_MSG_SHARE, 1U);
}

static int bench_parse_kmalloc(const struct bench_case *bc, u64 *ns,
			       u64 *units)
{
	return bench_time_cycles(bc, NULL, bench_parse_kmalloc_cycle,
				 bench_msgs(), ns, units);
}

/* One heap for all the messages, as the demo's, reset after each. */
static int bench_parse_wsheap(const struct bench_case *bc, u64 *ns,
			      u64 *units)
{
	struct wsheap *heap;
	int ret;

	ret = wsheap_create(BENCH_MSG_QUOTA, BENCH_MSG_TRIM, NULL, 0, &heap,
			    NULL);
	if (ret)
		return ret;
	ret = bench_time_cycles(bc, heap, bench_parse_wsheap_cycle,
				bench_msgs(), ns, units);
	wsheap_free(heap);
	return ret;
}

static void bench_parse_note(const struct bench_case *bc, u64 median,
			     char *buf, size_t len)
{
	char num[24];

	scnprintf(buf, len, ": %u fields of %zu bytes (%u kept), %s ns per field",
		  BENCH_MSG_FIELDS, bench_msg_len, bench_msg_good,
		  bench_fmt(num, sizeof(num), div_u64(median, BENCH_MSG_FIELDS)));
}

/*
 * Allocate from the sequence, over and over, until the quota refuses;
 * return the number of allocations or a negative errno.
 */
static long bench_fill_quota(struct wsheap *heap)
{
	unsigned int i = 0;
	long count = 0;
	void *p;
	int ret;

	for (;;) {
		ret = wsheap_alloc(heap, bench_sizes[i], &p, NULL);
		if (ret == -EDQUOT)
			return count;
		if (ret)
			return ret;
		count++;
		if (++i == n_objects)
			i = 0;
		if (!(count & 0xffff))
			cond_resched();
	}
}

/* Heaps of heap_size bytes from create to free, filled to the quota. */
static int bench_growth(const struct bench_case *bc, u64 *ns, u64 *units)
{
	struct wsheap *heap;
	u64 start, done = 0;
	long count;
	int ret;

	if (bc->heap_size > (size_t)growth_max_mib * SZ_1M)
		return -E2BIG;

	start = ktime_get_ns();
	while (done < BENCH_GROWTH_MIN_OBJS) {
		ret = wsheap_create(bc->heap_size, 0, NULL, 0, &heap, NULL);
		if (ret)
			return ret;
		count = bench_fill_quota(heap);
		wsheap_free(heap);
		if (count <= 0)
			return count ?: -EINVAL;
		done += count;
	}
	*ns = ktime_get_ns() - start;
	*units = done;
	return 0;
}

static void bench_growth_note(const struct bench_case *bc, u64 median,
			      char *buf, size_t len)
{
	scnprintf(buf, len, ": %llu allocs/s",
		  median ? div64_u64(100ULL * NSEC_PER_SEC, median) : 0);
}

/* Every row whose "vs kmalloc" names another comes after that row. */
static const struct bench_case bench_cases[] = {
	{ .key = "W",
	  .label = "wsheap_alloc, mixed 8-256 B, warm heap (chunks kept by the trim)",
	  .run = bench_wsheap_warm, .fill = bench_fill },
	{ .key = "C",
	  .label = "wsheap_alloc, same, warm CONCURRENT heap, one CPU (cmpxchg bump)",
	  .run = bench_wsheap_warm, .fill = bench_fill, .concurrent = true },
	{ .key = "K",
	  .label = "kmalloc of the same sequence, kfree of each at the end",
	  .run = bench_kmalloc },
	{ .key = "F",
	  .label = "wsheap_alloc, same, fresh heap (pays for every chunk)",
	  .run = bench_wsheap_alloc, .yard = "K" },
	{ .key = "RS1",
	  .label = "wsheap_reset after all n_objects, trim keeps all: ns per reset",
	  .run = bench_reset_keep, .share = 1, .per_call = true },
	{ .key = "RS2",
	  .label = "wsheap_reset after n_objects/100, trim keeps all: ns per reset",
	  .run = bench_reset_keep, .share = 100, .per_call = true },
	{ .key = "RS3",
	  .label = "wsheap_reset after all n_objects, trim 0 (frees all): ns per reset",
	  .run = bench_reset_release, .share = 1, .per_call = true },
	{ .key = "KC",
	  .label = "kmem_cache_alloc + kmem_cache_free, one 64 B size",
	  .run = bench_kmem_cache },
	{ .key = "V",
	  .label = "vmalloc + vfree per object, 1/1000 of them (orders slower)",
	  .run = bench_vmalloc },
	{ .key = "B",
	  .label = "raw inline bump pointer over one buffer (physical limit)",
	  .run = bench_bump },
	{ .key = "KZ",
	  .label = "kzalloc of the same sequence, kfree of each at the end",
	  .run = bench_kzalloc },
	{ .key = "Z",
	  .label = "wsheap_zalloc, same sequence, warm heap",
	  .run = bench_wsheap_warm, .fill = bench_fill_zalloc, .yard = "KZ" },
	{ .key = "KS",
	  .label = "kstrdup of names of 8-40 chars, kfree of each at the end",
	  .run = bench_kstrdup },
	{ .key = "S",
	  .label = "wsheap_strdup of the same names, warm heap",
	  .run = bench_wsheap_warm, .fill = bench_fill_strdup, .yard = "KS" },
	{ .key = "KA",
	  .label = "kasprintf \"%s=%u\" of a name and an index, kfree of each at the end",
	  .run = bench_kasprintf },
	{ .key = "A",
	  .label = "wsheap_asprintf of the same, warm heap",
	  .run = bench_wsheap_warm, .fill = bench_fill_asprintf, .yard = "KA" },
	{ .key = "ST",
	  .label = "steady wsheap refill + reset, 256 KiB working set, trim 1 MiB",
	  .run = bench_steady, .note = bench_steady_note, .yard = "K" },
	{ .key = "K1",
	  .label = "short job: kmalloc + kfree of one object of 8-127 B: ns per pair",
	  .run = bench_kjob, .objs = 1, .per_call = true },
	{ .key = "E",
	  .label = "short job: wsheap_create + wsheap_free of an empty 1 KiB heap: ns per pair",
	  .run = bench_heap_job, .heap_size = SZ_1K, .per_call = true,
	  .yard = "K1" },
	{ .key = "R1",
	  .label = "short job: wsheap_reset of a heap holding one kept chunk: ns per reset",
	  .run = bench_reuse, .heap_size = SZ_1K, .per_call = true,
	  .yard = "K1" },
	{ .key = "AR1",
	  .label = "short job: wsheap_alloc of one object + wsheap_reset, kept chunk: ns per pair",
	  .run = bench_reuse, .heap_size = SZ_1K, .objs = 1, .per_call = true,
	  .yard = "K1" },
	{ .key = "H1",
	  .label = "short job: 1 KiB heap: create, one object, free: ns per cycle",
	  .run = bench_heap_job, .heap_size = SZ_1K, .objs = 1,
	  .per_call = true, .yard = "K1" },
	{ .key = "K8",
	  .label = "short job: kmalloc of 8 objects of 8-127 B, kfree of the 8",
	  .run = bench_kjob, .note = bench_job_note, .objs = 8 },
	{ .key = "H8",
	  .label = "short job: 1 KiB heap: create, the same 8 objects, free",
	  .run = bench_heap_job, .note = bench_job_note, .heap_size = SZ_1K,
	  .objs = 8, .yard = "K8" },
	{ .key = "KA8",
	  .label = "short job: kmalloc(GFP_ATOMIC) of 8 objects of 8-127 B, kfree of the 8",
	  .run = bench_kjob, .note = bench_job_note, .objs = 8,
	  .atomic = true },
	{ .key = "HA8",
	  .label = "short job: 1 KiB GFP_ATOMIC heap: create, the same 8 objects, free",
	  .run = bench_heap_job, .note = bench_job_note, .heap_size = SZ_1K,
	  .objs = 8, .atomic = true, .yard = "KA8" },
	{ .key = "AR8",
	  .label = "short job: one 1 KiB heap kept: the same 8 objects, reset",
	  .run = bench_reuse, .note = bench_job_note, .heap_size = SZ_1K,
	  .objs = 8, .yard = "K8" },
	{ .key = "K100",
	  .label = "short job: kmalloc of 100 objects of 8-127 B, kfree of the 100",
	  .run = bench_kjob, .note = bench_job_note, .objs = 100 },
	{ .key = "H100",
	  .label = "short job: 16 KiB heap: create, the same 100 objects, free",
	  .run = bench_heap_job, .note = bench_job_note, .heap_size = SZ_16K,
	  .objs = 100, .yard = "K100" },
	{ .key = "KP",
	  .label = "parse a message, kmalloc: copy, records, strings, hash table, kfrees: ns/msg",
	  .run = bench_parse_kmalloc, .note = bench_parse_note,
	  .per_call = true },
	{ .key = "P",
	  .label = "parse a message in one heap: mark per record, rollback, reset: ns/msg",
	  .run = bench_parse_wsheap, .note = bench_parse_note,
	  .per_call = true, .yard = "KP" },
	{ .key = "G1K",
	  .label = "growth: 1 KiB heaps filled to quota, create to free",
	  .run = bench_growth, .note = bench_growth_note, .heap_size = SZ_1K,
	  .yard = "K" },
	{ .key = "G1M",
	  .label = "growth: 1 MiB heaps filled to quota, create to free",
	  .run = bench_growth, .note = bench_growth_note, .heap_size = SZ_1M,
	  .yard = "K" },
	{ .key = "G64M",
	  .label = "growth: 64 MiB heap filled to quota, create to free",
	  .run = bench_growth, .note = bench_growth_note, .heap_size = SZ_64M,
	  .yard = "K" },
	{ .key = "G1G",
	  .label = "growth: 1 GiB heap filled to quota, create to free",
	  .run = bench_growth, .note = bench_growth_note, .heap_size = SZ_1G,
	  .yard = "K" },
};

/* Medians of the rows measured so far, ns/100 per unit; 0: none. */
static u64 bench_medians[ARRAY_SIZE(bench_cases)];

static int bench_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/*
 * Before each repetition: let vfree()s of the previous one finish (they
 * are deferred) and let other work run, so that neither lands in a timed
 * section.
 */
static void bench_settle(void)
{
	vm_unmap_aliases();
	cond_resched();
}

static void bench_run(const struct bench_case *bc, struct bench_result *res)
{
	unsigned int rep;
	u64 ns, units;

	/* Repetition -1 warms caches and slabs and is not counted. */
	for (rep = 0; rep <= reps; rep++) {
		bench_settle();
		units = 0;
		res->err = bc->run(bc, &ns, &units);
		if (!res->err && !units)
			res->err = -EINVAL;
		if (res->err)
			return;
		if (rep)
			res->samples[rep - 1] = div64_u64(ns * 100, units);
	}
	sort(res->samples, reps, sizeof(u64), bench_cmp_u64, NULL);
}

/* @median / @base as "12.34x", or "0.026x" below 0.1. */
static const char *bench_ratio(char *buf, size_t len, u64 median, u64 base)
{
	u64 x1000 = div64_u64(median * 1000, base);
	char num[24];

	if (x1000 < 100)
		scnprintf(buf, len, "0.%03llux", x1000);
	else
		scnprintf(buf, len, "%sx",
			  bench_fmt(num, sizeof(num),
				    div64_u64(median * 100, base)));
	return buf;
}

/* The median of the row keyed @key, measured before; 0 if there is none. */
static u64 bench_median_of(const char *key)
{
	unsigned int i;

	for (i = 0; key && i < ARRAY_SIZE(bench_cases); i++)
		if (!strcmp(bench_cases[i].key, key))
			return bench_medians[i];
	return 0;
}

static void bench_print(const struct bench_case *bc,
			const struct bench_result *res)
{
	char vs_w[24] = "-", vs_k[32] = "-", ratio[24];
	char med[24], lo[24], hi[24], note[112] = "";
	u64 median = res->samples[reps / 2];
	u64 base = bench_median_of("W");
	u64 yard = bench_median_of(bc->yard);

	if (res->err == -E2BIG) {
		pr_info("%-5s %8s %13s %10s %21s  %s (not run: above growth_max_mib=%u)\n",
			bc->key, "-", "-", "-", "-", bc->label, growth_max_mib);
		return;
	}
	if (res->err) {
		pr_info("%-5s %8s %13s %10s %21s  %s (skipped: %pe)\n",
			bc->key, "-", "-", "-", "-", bc->label,
			ERR_PTR(res->err));
		return;
	}
	if (bc->note)
		bc->note(bc, median, note, sizeof(note));
	if (base && !bc->per_call)
		bench_ratio(vs_w, sizeof(vs_w), median, base);
	if (yard)
		scnprintf(vs_k, sizeof(vs_k), "%s %s",
			  bench_ratio(ratio, sizeof(ratio), median, yard),
			  bc->yard);

	pr_info("%-5s %8s %13s %10s %10s-%-10s  %s%s\n", bc->key, vs_w, vs_k,
		bench_fmt(med, sizeof(med), median),
		bench_fmt(lo, sizeof(lo), res->samples[0]),
		bench_fmt(hi, sizeof(hi), res->samples[reps - 1]),
		bc->label, note);
}

/* ACTUAL_SIZE / REQUESTED_SIZE of a heap filled to a quota of @size. */
static void bench_efficiency(size_t size, const char *name)
{
	size_t requested, actual;
	struct wsheap *heap;
	char ratio[24];
	long count;
	int ret;

	ret = wsheap_create(size, 0, NULL, 0, &heap, NULL);
	if (ret)
		goto fail;
	count = bench_fill_quota(heap);
	if (count < 0)
		ret = count;
	else
		ret = bench_size(heap, WSHEAP_PROPERTY_REQUESTED_SIZE,
				 &requested) ?:
		      bench_size(heap, WSHEAP_PROPERTY_ACTUAL_SIZE, &actual);
	wsheap_free(heap);
	if (ret)
		goto fail;
	if (!requested) {
		ret = -EINVAL;
		goto fail;
	}

	pr_info("%-5s %8s  ACTUAL_SIZE/REQUESTED_SIZE, %s heap filled with 8-256 B: %zu / %zu\n",
		"", bench_fmt(ratio, sizeof(ratio),
			      div64_u64((u64)actual * 100, requested)),
		name, actual, requested);
	return;
fail:
	pr_info("%-5s %8s  ACTUAL_SIZE/REQUESTED_SIZE, %s heap (skipped: %pe)\n",
		"", "-", name, ERR_PTR(ret));
}

static int bench_alloc_arrays(void)
{
	size_t ptrs = max(n_objects, BENCH_SMALL_JOB_MAX);

	bench_sizes = vmalloc(array_size(n_objects, sizeof(*bench_sizes)));
	bench_ptrs = vmalloc(array_size(ptrs, sizeof(*bench_ptrs)));
	if (!bench_sizes || !bench_ptrs)
		return -ENOMEM;
	return 0;
}

static void bench_free_arrays(void)
{
	vfree(bench_sizes);
	vfree(bench_ptrs);
}

static int __init wsheap_bench_init(void)
{
	unsigned int i;
	int ret;

	if (!n_objects || !reps || reps > BENCH_MAX_REPS || !cycles) {
		pr_err("need n_objects > 0, cycles > 0 and reps in 1..%u\n",
		       BENCH_MAX_REPS);
		return -EINVAL;
	}
	ret = bench_alloc_arrays();
	if (ret)
		goto out;
	bench_sizes_init();
	bench_small_init();
	bench_names_init();
	bench_msg_init();
	bench_steady_objs = bench_steady_count();

	pr_info("n_objects=%u cycles=%u reps=%u: ns per unit (an object, or what the row says), median and min-max of the reps\n",
		n_objects, cycles, reps);
	pr_info("struct wsheap: %zu bytes, a kmalloc-%zu object\n",
		sizeof(struct wsheap), kmalloc_size_roundup(sizeof(struct wsheap)));
	pr_info("vs W: median / median of row W (wsheap_alloc, warm heap), rows per object only\n");
	pr_info("vs kmalloc: median / median of the row named, the same work with kmalloc and kfree in this boot (below 1.00x wsheap costs less)\n");
	pr_info("%-5s %8s %13s %10s %21s  %s\n", "key", "vs W", "vs kmalloc",
		"ns/unit", "min-max", "row");
	/* Each row is printed when measured: a crash keeps the rows before. */
	for (i = 0; i < ARRAY_SIZE(bench_cases); i++) {
		struct bench_result res = {};

		bench_run(&bench_cases[i], &res);
		if (!res.err)
			bench_medians[i] = res.samples[reps / 2];
		bench_print(&bench_cases[i], &res);
	}
	bench_efficiency(SZ_1M, "1 MiB");
	bench_efficiency(SZ_64M, "64 MiB");
out:
	bench_free_arrays();
	return ret;
}

static void __exit wsheap_bench_exit(void)
{
}

module_init(wsheap_bench_init);
module_exit(wsheap_bench_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("wsheap benchmark against kmalloc, kmem_cache, vmalloc and a raw bump pointer");
MODULE_AUTHOR("The wsheap developers");
