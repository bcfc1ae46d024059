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
 * The log shows REQUESTED_SIZE and ACTUAL_SIZE around every reset, so that
 * the trim size is seen at work: one batch needs more memory than the trim
 * size and gives the excess back at its reset; the others fit and cause no
 * new chunk.  Then a request over the quota is refused with -EDQUOT, and a
 * reset makes the heap usable again.  The heap is freed on unload.
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

/* Size of the request that the quota demonstration gets in first. */
#define DEMO_QUOTA_IN_USE	64

static struct wsheap *demo_heap;

struct demo_record {
	struct demo_record *next;	/* in the same bucket */
	const char *name;
	const char *value;
	u32 hash;
	unsigned int name_len;
	unsigned int value_len;
};

struct demo_table {
	struct demo_record **buckets;
	unsigned int mask;
	unsigned int count;
};

/* The sender's side: field @idx of every message is "f<idx>=<value>;". */
static unsigned int demo_value_len(unsigned int idx)
{
	return 1 + hash_32(idx, 8) % DEMO_VALUE_MAX;
}

static void demo_value_fill(char *out, unsigned int idx, unsigned int len)
{
	unsigned int i;

	for (i = 0; i < len; i++)
		out[i] = 'a' + (idx + 7 * i) % 26;
}

static unsigned int demo_name(char *buf, unsigned int idx)
{
	return scnprintf(buf, DEMO_NAME_MAX, "f%u", idx);
}

/* Write field @idx to @out unless it is NULL; return its length. */
static size_t demo_field(char *out, unsigned int idx)
{
	char name[DEMO_NAME_MAX];
	unsigned int name_len = demo_name(name, idx);
	unsigned int value_len = demo_value_len(idx);

	if (out) {
		memcpy(out, name, name_len);
		out[name_len] = '=';
		demo_value_fill(out + name_len + 1, idx, value_len);
		out[name_len + 1 + value_len] = ';';
	}
	return name_len + value_len + 2;
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

	len = 0;
	for (i = 0; i < fields; i++)
		len += demo_field(buf + len, i);
	buf[len] = '\0';
	*msg = buf;
	return 0;
}

static int demo_strndup(struct wsheap *heap, const char *s, size_t len,
			const char **out, struct wsheap_error *err)
{
	char *copy;
	int ret;

	ret = wsheap_alloc(heap, len + 1, (void **)&copy, err);
	if (ret)
		return ret;
	memcpy(copy, s, len);
	copy[len] = '\0';
	*out = copy;
	return 0;
}

static int demo_table_init(struct wsheap *heap, struct demo_table *table,
			   unsigned int fields, struct wsheap_error *err)
{
	unsigned int nbuckets = roundup_pow_of_two(max(fields / 2, 1U));
	size_t bytes = array_size(nbuckets, sizeof(*table->buckets));
	int ret;

	ret = wsheap_alloc(heap, bytes, (void **)&table->buckets, err);
	if (ret)
		return ret;
	/* Heap memory comes back uninitialised, like kmalloc()'s. */
	memset(table->buckets, 0, bytes);
	table->mask = nbuckets - 1;
	table->count = 0;
	return 0;
}

static struct demo_record *demo_lookup(const struct demo_table *table,
				       const char *name, unsigned int len)
{
	u32 hash = jhash(name, len, 0);
	struct demo_record *rec;

	for (rec = table->buckets[hash & table->mask]; rec; rec = rec->next)
		if (rec->hash == hash && rec->name_len == len &&
		    !memcmp(rec->name, name, len))
			return rec;
	return NULL;
}

static int demo_record_add(struct wsheap *heap, struct demo_table *table,
			   const char *name, size_t name_len,
			   const char *value, size_t value_len,
			   struct wsheap_error *err)
{
	struct demo_record *rec;
	int ret;

	ret = wsheap_alloc(heap, sizeof(*rec), (void **)&rec, err);
	if (ret)
		return ret;
	ret = demo_strndup(heap, name, name_len, &rec->name, err);
	if (ret)
		return ret;
	ret = demo_strndup(heap, value, value_len, &rec->value, err);
	if (ret)
		return ret;

	rec->name_len = name_len;
	rec->value_len = value_len;
	rec->hash = jhash(name, name_len, 0);
	rec->next = table->buckets[rec->hash & table->mask];
	table->buckets[rec->hash & table->mask] = rec;
	table->count++;
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

/* Parse "name=value;..." into records indexed by @table. */
static int demo_parse(struct wsheap *heap, const char *msg,
		      struct demo_table *table, struct wsheap_error *err)
{
	const char *eq, *end;
	int ret;

	ret = demo_table_init(heap, table, demo_count_fields(msg), err);
	if (ret)
		return ret;

	while (*msg) {
		eq = strchr(msg, '=');
		end = strchr(msg, ';');
		if (!eq || !end || eq > end)
			return -EBADMSG;
		ret = demo_record_add(heap, table, msg, eq - msg,
				      eq + 1, end - eq - 1, err);
		if (ret)
			return ret;
		msg = end + 1;
	}
	return 0;
}

/* Look every field the sender sent up and compare its value. */
static int demo_verify(const struct demo_table *table, unsigned int fields)
{
	char name[DEMO_NAME_MAX], value[DEMO_VALUE_MAX];
	const struct demo_record *rec;
	unsigned int i, len;

	if (table->count != fields)
		return -EIO;
	for (i = 0; i < fields; i++) {
		len = demo_name(name, i);
		rec = demo_lookup(table, name, len);
		len = demo_value_len(i);
		demo_value_fill(value, i, len);
		if (!rec || rec->value_len != len ||
		    memcmp(rec->value, value, len))
			return -EIO;
	}
	return 0;
}

static int demo_size(struct wsheap *heap, enum wsheap_property_id id,
		     size_t *size)
{
	return wsheap_get_property(heap, id, size, sizeof(*size), NULL);
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
	struct demo_sizes sizes;
	struct demo_table table;
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

static int __init wsheap_demo_init(void)
{
	struct wsheap_error err = {};
	unsigned int batch;
	int ret;

	ret = wsheap_create(quota, trim, NULL, 0, &demo_heap, &err);
	if (ret) {
		pr_err("cannot create a heap: %pe (%s)\n", ERR_PTR(ret), err.msg);
		return ret;
	}
	pr_info("heap created: quota %lu, trim %lu, %u batches\n",
		quota, trim, batches);

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
