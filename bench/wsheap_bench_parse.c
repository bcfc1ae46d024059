// SPDX-License-Identifier: GPL-2.0
/*
 * wsheap_bench: the message rows, KP and P.  The demo's work on one
 * message: copy it, cut it in place into records indexed by a hash table,
 * release it all; KP with kmalloc() and kfree(), P in one heap with a
 * mark per record, a rollback per malformed one and a reset per message.
 */
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/jhash.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "../wsheap.h"
#include "wsheap_bench.h"

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

static char bench_msg[BENCH_MSG_MAX];	/* the message of KP and P */
static size_t bench_msg_len;
static unsigned int bench_msg_good;	/* well-formed fields in it */

/* The message: "name=value;" fields, some malformed (see BENCH_MSG_*). */
void bench_msg_init(void)
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

int bench_parse_kmalloc(const struct bench_case *bc, u64 *ns, u64 *units)
{
	return bench_time_cycles(bc, NULL, bench_parse_kmalloc_cycle,
				 bench_msgs(), ns, units);
}

/* One heap for all the messages, as the demo's, reset after each. */
int bench_parse_wsheap(const struct bench_case *bc, u64 *ns, u64 *units)
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

void bench_parse_note(const struct bench_case *bc, u64 median,
		      char *buf, size_t len)
{
	char num[24];

	scnprintf(buf, len, ": %u fields of %zu bytes (%u kept), %s ns per field",
		  BENCH_MSG_FIELDS, bench_msg_len, bench_msg_good,
		  bench_fmt(num, sizeof(num), div_u64(median, BENCH_MSG_FIELDS)));
}
