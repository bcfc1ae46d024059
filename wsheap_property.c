// SPDX-License-Identifier: GPL-2.0
/*
 * wsheap - properties: the ones wsheap_create() takes, checked before any
 * use, and wsheap_get_property()
 */
#include <linux/bits.h>
#include <linux/gfp.h>
#include <linux/module.h>
#include <linux/nodemask.h>
#include <linux/numa.h>
#include <linux/string.h>

#include "wsheap.h"
#include "wsheap_internal.h"

/* The GFP values a heap may be created with: see wsheap.h. */
static const gfp_t wsheap_gfp_values[] = {
	GFP_KERNEL, GFP_NOFS, GFP_NOIO, GFP_NOWAIT, GFP_ATOMIC,
};

static bool wsheap_gfp_is_valid(gfp_t gfp)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(wsheap_gfp_values); i++)
		if (gfp == wsheap_gfp_values[i])
			return true;
	return false;
}

/*
 * The GFP @heap was created with.  Its flags carry WSHEAP_GFP_FLAGS, and
 * __GFP_ACCOUNT if it is accounted, on top; GFP_NOWAIT may hold
 * __GFP_NOWARN already, so the value is found by what remains, which
 * tells the five apart.
 */
static gfp_t wsheap_gfp_given(const struct wsheap *heap)
{
	gfp_t mask = ~(WSHEAP_GFP_FLAGS | __GFP_ACCOUNT);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(wsheap_gfp_values); i++)
		if ((heap->gfp & mask) == (wsheap_gfp_values[i] & mask))
			return wsheap_gfp_values[i];
	return heap->gfp & mask;
}

static bool wsheap_node_is_valid(int node)
{
	return node == NUMA_NO_NODE ||
	       (node >= 0 && node < MAX_NUMNODES && node_online(node));
}

/* The size of the value of each settable property but NAME. */
static size_t wsheap_property_value_size(enum wsheap_property_id id)
{
	switch (id) {
	case WSHEAP_PROPERTY_ACCOUNT:
	case WSHEAP_PROPERTY_CONCURRENT:
		return sizeof(bool);
	case WSHEAP_PROPERTY_GFP:
		return sizeof(gfp_t);
	case WSHEAP_PROPERTY_RESERVE:
		return sizeof(size_t);
	case WSHEAP_PROPERTY_NUMA_NODE:
		return sizeof(int);
	default:
		return 0;
	}
}

static int wsheap_parse_name(const struct wsheap_property *prop,
			     struct wsheap_settings *set,
			     struct wsheap_error *error)
{
	if (strnlen(prop->value, prop->value_size) == prop->value_size)
		return wsheap_fail(error, -EINVAL,
				   "NAME is not NUL-terminated within value_size");
	if (strlen(prop->value) >= WSHEAP_NAME_MAX)
		return wsheap_fail(error, -EINVAL, "NAME is too long");
	set->name = prop->value;
	return 0;
}

/* A property whose value has the size of its type: read and check it. */
static int wsheap_parse_value(const struct wsheap_property *prop,
			      struct wsheap_settings *set,
			      struct wsheap_error *error)
{
	switch (prop->id) {
	case WSHEAP_PROPERTY_ACCOUNT:
		set->account = *(const bool *)prop->value;
		return 0;
	case WSHEAP_PROPERTY_CONCURRENT:
		set->concurrent = *(const bool *)prop->value;
		return 0;
	case WSHEAP_PROPERTY_GFP:
		set->gfp = *(const gfp_t *)prop->value;
		if (!wsheap_gfp_is_valid(set->gfp))
			return wsheap_fail(error, -EINVAL,
					   "GFP is not one of the five allowed");
		return 0;
	case WSHEAP_PROPERTY_RESERVE:
		set->reserve = *(const size_t *)prop->value;
		return 0;
	default:
		set->node = *(const int *)prop->value;
		if (!wsheap_node_is_valid(set->node))
			return wsheap_fail(error, -EINVAL,
					   "NUMA_NODE is not an online node");
		return 0;
	}
}

static int wsheap_parse_property(const struct wsheap_property *prop,
				 struct wsheap_settings *set,
				 struct wsheap_error *error)
{
	size_t value_size = wsheap_property_value_size(prop->id);

	if (prop->id != WSHEAP_PROPERTY_NAME && !value_size)
		return wsheap_fail(error, -EINVAL,
				   "property cannot be set at creation");
	if (set->seen & BIT(prop->id))
		return wsheap_fail(error, -EINVAL, "property given twice");
	set->seen |= BIT(prop->id);
	if (!prop->value)
		return wsheap_fail(error, -EINVAL, "property value is NULL");
	if (prop->id == WSHEAP_PROPERTY_NAME)
		return wsheap_parse_name(prop, set, error);
	if (prop->value_size != value_size)
		return wsheap_fail(error, -EINVAL,
				   "value_size is not the size of the property's type");
	return wsheap_parse_value(prop, set, error);
}

int wsheap_parse_properties(const struct wsheap_property *props,
			    unsigned int prop_count,
			    struct wsheap_settings *set,
			    struct wsheap_error *error)
{
	unsigned int i;
	int ret;

	if (prop_count && !props)
		return wsheap_fail(error, -EINVAL,
				   "props is NULL but prop_count is not 0");
	for (i = 0; i < prop_count; i++) {
		ret = wsheap_parse_property(&props[i], set, error);
		if (ret)
			return ret;
	}
	return 0;
}

static int wsheap_size_property(struct wsheap *heap,
				enum wsheap_property_id id, size_t *value)
{
	switch (id) {
	case WSHEAP_PROPERTY_MAX_SIZE:
		*value = heap->fast.max_size;
		return 0;
	case WSHEAP_PROPERTY_TRIM_SIZE:
		*value = heap->trim_size;
		return 0;
	/* concurrent allocation calls may change these two meanwhile */
	case WSHEAP_PROPERTY_REQUESTED_SIZE:
		*value = wsheap_requested(heap);
		return 0;
	case WSHEAP_PROPERTY_ACTUAL_SIZE:
		*value = READ_ONCE(heap->actual);
		return 0;
	case WSHEAP_PROPERTY_RESERVE:
		*value = heap->reserve;
		return 0;
	default:
		return -EINVAL;
	}
}

/* A property that is not a size: its value and the value's size. */
static size_t wsheap_flag_property(const struct wsheap *heap,
				   enum wsheap_property_id id, void *value)
{
	switch (id) {
	case WSHEAP_PROPERTY_ACCOUNT:
		*(bool *)value = heap->gfp & __GFP_ACCOUNT;
		return sizeof(bool);
	case WSHEAP_PROPERTY_CONCURRENT:
		*(bool *)value = heap->concurrent;
		return sizeof(bool);
	case WSHEAP_PROPERTY_GFP:
		*(gfp_t *)value = wsheap_gfp_given(heap);
		return sizeof(gfp_t);
	case WSHEAP_PROPERTY_NUMA_NODE:
		*(int *)value = heap->node;
		return sizeof(int);
	default:
		return 0;
	}
}

/* Write property @id of @heap to @buf, or say why not. */
static int wsheap_read_property(struct wsheap *heap,
				enum wsheap_property_id id, void *buf,
				size_t buf_size, struct wsheap_error *error)
{
	size_t value, len;
	union {
		bool b;
		gfp_t gfp;
		int node;
	} flag;

	len = wsheap_flag_property(heap, id, &flag);
	if (len) {
		if (buf_size != len)
			return wsheap_fail(error, -EINVAL,
					   "buf_size is not the size of the property's type");
		memcpy(buf, &flag, len);
		return 0;
	}
	switch (id) {
	case WSHEAP_PROPERTY_NAME:
		len = strlen(heap->name);
		if (buf_size <= len)
			return wsheap_fail(error, -EINVAL,
					   "buf_size is too small for the name");
		memcpy(buf, heap->name, len + 1);
		return 0;
	default:
		if (wsheap_size_property(heap, id, &value))
			return wsheap_fail(error, -EINVAL,
					   "unknown property id");
		if (buf_size != sizeof(size_t))
			return wsheap_fail(error, -EINVAL,
					   "buf_size is not sizeof(size_t)");
		memcpy(buf, &value, sizeof(value));
		return 0;
	}
}

int wsheap_get_property(struct wsheap *heap, enum wsheap_property_id id,
			void *buf, size_t buf_size, struct wsheap_error *error)
{
	int ret;

	wsheap_might_sleep(heap);

	if (!heap)
		return wsheap_fail(error, -EINVAL, "heap is NULL");
	if (!buf)
		return wsheap_fail(error, -EINVAL, "buf is NULL");

	if (!wsheap_enter_shared(heap))
		return wsheap_fail(error, -EINVAL, WSHEAP_MISUSE_MSG);
	ret = wsheap_read_property(heap, id, buf, buf_size, error);
	wsheap_leave_shared(heap);
	return ret;
}
EXPORT_SYMBOL_GPL(wsheap_get_property);
