// SPDX-License-Identifier: GPL-2.0
/*
 * wsheap_demo - a sample client of wsheap
 *
 * A driver that receives messages and builds a short-lived index of each
 * one is the typical arena user: every record of a message dies at the
 * same moment.  This module plays such a driver.  Each batch receives a
 * made-up message of "name=value;" fields, copies it into the heap, parses
 * it into records and a hash table that also live in the heap, checks the
 * result and resets the heap.  No record is ever freed on its own, and no
 * heap is created per batch.
 *
 * The parser cuts the message into fields in place and builds each record
 * as a one-pass parser does: it allocates the record and copies the name
 * with wsheap_strdup() before it has seen the rest of the field.  The
 * sender garbles a few fields of every message, always the same ones (no
 * '=', or a value with a character other than a-z).  A mark is taken
 * before each record, and a malformed one is dropped with a rollback to
 * it, which takes back what the record had allocated and keeps the records
 * before it; REQUESTED_SIZE must then be what it was at the mark.
 *
 * The log shows REQUESTED_SIZE and ACTUAL_SIZE around every reset, so that
 * the trim size is seen at work: one batch needs more memory than the trim
 * size and gives the excess back at its reset; the others fit and cause no
 * new chunk.  Then a request over the quota is refused with -EDQUOT, and a
 * reset makes the heap usable again.  The heap, named with
 * WSHEAP_PROPERTY_NAME, is freed on unload.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/errno.h>
#include <linux/hash.h>
#include <linux/init.h>
#include <linux/jhash.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/overflow.h>
#include <linux/sizes.h>
#include <linux/string.h>

#include "../wsheap.h"

static unsigned long quota = SZ_1M;
module_param(quota, ulong, 0444);
MODULE_PARM_DESC(quota, "Heap quota in bytes: the most one batch may allocate (default 1 MiB)");

static unsigned long trim = SZ_64K;
module_param(trim, ulong, 0444);
MODULE_PARM_DESC(trim, "Heap trim size in bytes: chunk memory kept across a reset (default 64 KiB)");

static unsigned int batches = 4;
module_param(batches, uint, 0444);
MODULE_PARM_DESC(batches, "Number of message batches to run (default 4)");

/*
 * Fields per message, batch by batch.  About 100 bytes of heap per field:
 * the second message needs well over the default trim size, the others
 * fit within it.
 */
static const unsigned int demo_batch_fields[] = { 100, 1500, 250, 500 };

#define DEMO_NAME_MAX		16
#define DEMO_VALUE_MAX		40

/* Of every DEMO_BAD_EVERY fields, the sender garbles two. */
#define DEMO_BAD_EVERY		50

/* Size of the request that the quota demonstration gets in first. */
#define DEMO_QUOTA_IN_USE	64

static const char demo_heap_name[] = "wsheap_demo";

static struct wsheap *demo_heap;

struct demo_record {
	struct demo_record *next;	/* in the same bucket */
	char *name;
	char *value;
	u32 hash;
};

/**
 * struct demo_table - the records of one message
 * @buckets: hash buckets, in the heap
 * @mask: number of buckets - 1
 * @count: records kept
 * @dropped: malformed records taken back by a rollback
 * @at_mark: REQUESTED_SIZE at the mark of the last dropped record
 * @after: REQUESTED_SIZE after its rollback
 */
struct demo_table {
	struct demo_record **buckets;
	unsigned int mask;
	unsigned int count;
	unsigned int dropped;
	size_t at_mark;
	size_t after;
};

enum demo_form { DEMO_GOOD, DEMO_NO_EQUALS, DEMO_BAD_CHAR };

/* The sender's side: how field @idx of every message is sent. */
static enum demo_form demo_field_form(unsigned int idx)
{
	switch (idx % DEMO_BAD_EVERY) {
	case 7:
		return DEMO_NO_EQUALS;	/* "f7:value;" */
	case 31:
		return DEMO_BAD_CHAR;	/* "f31=val#e;" */
	default:
		return DEMO_GOOD;	/* "f<idx>=<value>;" */
	}
}

static void demo_name(char *buf, unsigned int idx)
{
	scnprintf(buf, DEMO_NAME_MAX, "f%u", idx);
}

/* The value of field @idx, 1 to DEMO_VALUE_MAX of a-z; return its length. */
static unsigned int demo_value(char *buf, unsigned int idx)
{
	unsigned int len = 1 + hash_32(idx, 8) % DEMO_VALUE_MAX;
	unsigned int i;

	for (i = 0; i < len; i++)
		buf[i] = 'a' + (idx + 7 * i) % 26;
	buf[len] = '\0';
	return len;
}

/* Write field @idx, NUL-terminated, to @out unless it is NULL; return its length. */
static size_t demo_field(char *out, unsigned int idx)
{
	char name[DEMO_NAME_MAX], value[DEMO_VALUE_MAX + 1];
	unsigned int len = demo_value(value, idx);
	char sep = demo_field_form(idx) == DEMO_NO_EQUALS ? ':' : '=';

	demo_name(name, idx);
	if (demo_field_form(idx) == DEMO_BAD_CHAR)
		value[len / 2] = '#';
	if (!out)
		return snprintf(NULL, 0, "%s%c%s;", name, sep, value);
	return sprintf(out, "%s%c%s;", name, sep, value);
}

/* "Receive" a message of @fields fields into a heap buffer. */
static int demo_receive(struct wsheap *heap, unsigned int fields, char **msg,
			struct wsheap_error *err)
{
	size_t len = 0;
	unsigned int i;
	char *buf;
	int ret;

	for (i = 0; i < fields; i++)
		len += demo_field(NULL, i);

	ret = wsheap_alloc(heap, len + 1, (void **)&buf, err);
	if (ret)
		return ret;

	buf[0] = '\0';
	len = 0;
	for (i = 0; i < fields; i++)
		len += demo_field(buf + len, i);
	*msg = buf;
	return 0;
}

static int demo_size(struct wsheap *heap, enum wsheap_property_id id,
		     size_t *size)
{
	return wsheap_get_property(heap, id, size, sizeof(*size), NULL);
}

static int demo_table_init(struct wsheap *heap, struct demo_table *table,
			   unsigned int fields, struct wsheap_error *err)
{
	unsigned int nbuckets = roundup_pow_of_two(max(fields / 2, 1U));
	size_t bytes = array_size(nbuckets, sizeof(*table->buckets));

	table->mask = nbuckets - 1;
	return wsheap_zalloc(heap, bytes, (void **)&table->buckets, err);
}

static void demo_table_insert(struct demo_table *table,
			      struct demo_record *rec)
{
	struct demo_record **bucket = &table->buckets[rec->hash & table->mask];

	rec->next = *bucket;
	*bucket = rec;
	table->count++;
}

static struct demo_record *demo_lookup(const struct demo_table *table,
				       const char *name)
{
	u32 hash = jhash(name, strlen(name), 0);
	struct demo_record *rec;

	for (rec = table->buckets[hash & table->mask]; rec; rec = rec->next)
		if (rec->hash == hash && !strcmp(rec->name, name))
			return rec;
	return NULL;
}

/* A value is one or more of a-z. */
static bool demo_value_ok(const char *value)
{
	if (!*value)
		return false;
	for (; *value; value++)
		if (*value < 'a' || *value > 'z')
			return false;
	return true;
}

/*
 * Build the record of @field, "name=value".  The record and its name are
 * allocated before the rest of the field is looked at: a malformed field
 * returns -EBADMSG with those allocations made, for the caller to roll
 * back.
 */
static int demo_record_build(struct wsheap *heap, char *field,
			     struct demo_record **out,
			     struct wsheap_error *err)
{
	char *name = strsep(&field, "=");
	struct demo_record *rec;
	int ret;

	ret = wsheap_zalloc(heap, sizeof(*rec), (void **)&rec, err) ?:
	      wsheap_strdup(heap, name, &rec->name, err);
	if (ret)
		return ret;
	if (!field || !demo_value_ok(field))
		return -EBADMSG;
	ret = wsheap_strdup(heap, field, &rec->value, err);
	if (ret)
		return ret;
	rec->hash = jhash(rec->name, strlen(rec->name), 0);
	*out = rec;
	return 0;
}

/* Roll back to @mark and check that REQUESTED_SIZE is @at_mark again. */
static int demo_record_drop(struct wsheap *heap, struct demo_table *table,
			    const struct wsheap_mark *mark, size_t at_mark,
			    struct wsheap_error *err)
{
	size_t after;
	int ret;

	ret = wsheap_rollback(heap, mark, err) ?:
	      demo_size(heap, WSHEAP_PROPERTY_REQUESTED_SIZE, &after);
	if (ret)
		return ret;
	if (after != at_mark) {
		pr_err("rollback left REQUESTED_SIZE at %zu, not %zu as at the mark\n",
		       after, at_mark);
		return -EIO;
	}
	table->dropped++;
	table->at_mark = at_mark;
	table->after = after;
	return 0;
}

/* Add the record of @field to @table, or drop it if it is malformed. */
static int demo_record_add(struct wsheap *heap, struct demo_table *table,
			   char *field, struct wsheap_error *err)
{
	struct demo_record *rec;
	struct wsheap_mark mark;
	size_t at_mark;
	int ret;

	ret = wsheap_mark(heap, &mark, err) ?:
	      demo_size(heap, WSHEAP_PROPERTY_REQUESTED_SIZE, &at_mark);
	if (ret)
		return ret;

	ret = demo_record_build(heap, field, &rec, err);
	if (ret == -EBADMSG)
		return demo_record_drop(heap, table, &mark, at_mark, err);
	if (ret)
		return ret;
	demo_table_insert(table, rec);
	return 0;
}

static unsigned int demo_count_fields(const char *msg)
{
	unsigned int n = 0;

	for (; *msg; msg++)
		if (*msg == ';')
			n++;
	return n;
}

/* Parse "name=value;..." in place into records indexed by @table. */
static int demo_parse(struct wsheap *heap, char *msg,
		      struct demo_table *table, struct wsheap_error *err)
{
	int ret;

	ret = demo_table_init(heap, table, demo_count_fields(msg), err);
	while (!ret && msg && *msg)
		ret = demo_record_add(heap, table, strsep(&msg, ";"), err);
	return ret;
}

/* Is field @idx in @table as sent if it was well formed, absent if not? */
static bool demo_field_ok(const struct demo_table *table, unsigned int idx)
{
	char name[DEMO_NAME_MAX], value[DEMO_VALUE_MAX + 1];
	const struct demo_record *rec;

	demo_name(name, idx);
	rec = demo_lookup(table, name);
	if (demo_field_form(idx) != DEMO_GOOD)
		return !rec;
	demo_value(value, idx);
	return rec && !strcmp(rec->value, value);
}

/* Look every field the sender sent up, and count the malformed ones. */
static int demo_verify(const struct demo_table *table, unsigned int fields)
{
	unsigned int i, bad = 0;

	for (i = 0; i < fields; i++) {
		if (!demo_field_ok(table, i))
			return -EIO;
		bad += demo_field_form(i) != DEMO_GOOD;
	}
	if (table->count != fields - bad || table->dropped != bad)
		return -EIO;
	return 0;
}

struct demo_sizes {
	size_t requested;
	size_t actual;
	size_t requested_after;
	size_t actual_after;
};

/* Reset @heap, noting its sizes before and after. */
static int demo_reset(struct wsheap *heap, struct demo_sizes *sizes)
{
	struct wsheap_error err = {};
	int ret;

	ret = demo_size(heap, WSHEAP_PROPERTY_REQUESTED_SIZE, &sizes->requested) ?:
	      demo_size(heap, WSHEAP_PROPERTY_ACTUAL_SIZE, &sizes->actual);
	if (ret)
		return ret;

	ret = wsheap_reset(heap, &err);
	if (ret) {
		pr_err("reset failed: %pe (%s)\n", ERR_PTR(ret), err.msg);
		return ret;
	}

	return demo_size(heap, WSHEAP_PROPERTY_REQUESTED_SIZE,
			 &sizes->requested_after) ?:
	       demo_size(heap, WSHEAP_PROPERTY_ACTUAL_SIZE, &sizes->actual_after);
}

/*
 * One unit of work: receive, parse, check, reset.  A message too large for
 * the quota is refused, as a driver would drop it, and is not an error of
 * the module.
 */
static int demo_batch(struct wsheap *heap, unsigned int batch)
{
	unsigned int fields = demo_batch_fields[batch % ARRAY_SIZE(demo_batch_fields)];
	struct wsheap_error err = {};
	struct demo_table table = {};
	struct demo_sizes sizes;
	char *msg;
	int ret;

	ret = demo_receive(heap, fields, &msg, &err) ?:
	      demo_parse(heap, msg, &table, &err) ?:
	      demo_verify(&table, fields);
	if (ret && ret != -EDQUOT) {
		pr_err("batch %u: %u fields failed: %pe (%s)\n", batch, fields,
		       ERR_PTR(ret), err.msg ?: "message does not check");
		return ret;
	}
	if (ret)
		pr_info("batch %u: message refused: %pe (%s)\n",
			batch, ERR_PTR(ret), err.msg);
	else
		pr_info("batch %u: %4u records kept, %2u dropped by rollback; REQUESTED_SIZE after each rollback = at its mark (last: %zu = %zu)\n",
			batch, table.count, table.dropped, table.after,
			table.at_mark);

	ret = demo_reset(heap, &sizes);
	if (ret)
		return ret;

	pr_info("batch %u: %4u fields; before reset: requested %6zu actual %6zu; after reset: requested %zu actual %6zu\n",
		batch, fields, sizes.requested, sizes.actual,
		sizes.requested_after, sizes.actual_after);
	return 0;
}

/*
 * Take DEMO_QUOTA_IN_USE bytes, then ask for one byte more than the quota
 * has left: the request must be refused and the heap left as it was.
 */
static int demo_quota(struct wsheap *heap)
{
	size_t in_use = min_t(size_t, quota, DEMO_QUOTA_IN_USE);
	size_t over = quota - in_use + 1;
	struct wsheap_error err = {};
	size_t requested;
	void *p;
	int ret;

	ret = wsheap_alloc(heap, in_use, &p, &err);
	if (ret) {
		pr_err("quota: %zu bytes failed: %pe (%s)\n",
		       in_use, ERR_PTR(ret), err.msg);
		return ret;
	}

	ret = wsheap_alloc(heap, over, &p, &err);
	if (ret != -EDQUOT) {
		pr_err("quota: %zu bytes over the quota gave %d, not -EDQUOT\n",
		       over, ret);
		return ret ?: -EIO;
	}
	pr_info("quota: %zu bytes in use, %zu more refused: %pe (%s)\n",
		in_use, over, ERR_PTR(err.code), err.msg);

	ret = demo_size(heap, WSHEAP_PROPERTY_REQUESTED_SIZE, &requested);
	if (ret)
		return ret;
	if (requested != in_use) {
		pr_err("quota: refusal changed REQUESTED_SIZE to %zu\n",
		       requested);
		return -EIO;
	}

	ret = wsheap_reset(heap, &err);
	if (ret) {
		pr_err("quota: reset failed: %pe (%s)\n", ERR_PTR(ret), err.msg);
		return ret;
	}
	pr_info("quota: heap unchanged by the refusal; reset, the next batch runs again\n");
	return 0;
}

/* Create the heap named demo_heap_name, and check the name it reports. */
static int demo_create(struct wsheap **heap)
{
	const struct wsheap_property prop = {
		.id = WSHEAP_PROPERTY_NAME,
		.value = demo_heap_name,
		.value_size = sizeof(demo_heap_name),
	};
	struct wsheap_error err = {};
	char name[WSHEAP_NAME_MAX];
	int ret;

	ret = wsheap_create(quota, trim, &prop, 1, heap, &err);
	if (ret) {
		pr_err("cannot create a heap: %pe (%s)\n", ERR_PTR(ret), err.msg);
		return ret;
	}
	ret = wsheap_get_property(*heap, WSHEAP_PROPERTY_NAME, name,
				  sizeof(name), &err);
	if (!ret && strcmp(name, demo_heap_name))
		ret = -EIO;
	if (ret) {
		pr_err("heap name not read back: %pe\n", ERR_PTR(ret));
		wsheap_free(*heap);
		return ret;
	}
	pr_info("heap \"%s\" created: quota %lu, trim %lu, %u batches\n",
		name, quota, trim, batches);
	return 0;
}

static int __init wsheap_demo_init(void)
{
	unsigned int batch;
	int ret;

	ret = demo_create(&demo_heap);
	if (ret)
		return ret;

	for (batch = 0; batch < batches; batch++) {
		ret = demo_batch(demo_heap, batch);
		if (ret)
			goto out_free;
	}

	ret = demo_quota(demo_heap) ?:
	      demo_batch(demo_heap, batch);
	if (ret)
		goto out_free;
	return 0;

out_free:
	wsheap_free(demo_heap);
	return ret;
}

static void __exit wsheap_demo_exit(void)
{
	wsheap_free(demo_heap);
	pr_info("heap freed\n");
}

module_init(wsheap_demo_init);
module_exit(wsheap_demo_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("wsheap sample: per-batch records in an arena heap, reset after each batch");
MODULE_AUTHOR("The wsheap developers");
