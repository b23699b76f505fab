/*
 * Small helpers over libyaml document nodes, shared by the readers of
 * native revision files: the header (yamlrev.c) and the operation lists of
 * their bodies (yamlops.c).
 */
#ifndef RG_YAMLNODE_H
#define RG_YAMLNODE_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <yaml.h>

#include "alloc.h"

/* Is `node` the scalar `s`, byte for byte? */
static inline bool rg_ynode_is(const yaml_node_t *node, const char *s)
{
	size_t n = strlen(s);

	return node->type == YAML_SCALAR_NODE && node->data.scalar.length == n &&
	       !memcmp(node->data.scalar.value, s, n);
}

/* YAML null: a plain `null`/`Null`/`NULL`/`~`/empty scalar, or an explicit !!null. */
static inline bool rg_ynode_is_null(const yaml_node_t *node)
{
	if (node->type != YAML_SCALAR_NODE)
		return false;
	if (node->tag && !strcmp((const char *)node->tag, YAML_NULL_TAG))
		return true;
	if (node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	return node->data.scalar.length == 0 || rg_ynode_is(node, "~") || rg_ynode_is(node, "null") ||
	       rg_ynode_is(node, "Null") || rg_ynode_is(node, "NULL");
}

/* A scalar usable as a C string: not null and without NUL bytes. */
static inline bool rg_ynode_is_text(const yaml_node_t *node)
{
	return node->type == YAML_SCALAR_NODE && !rg_ynode_is_null(node) &&
	       !memchr(node->data.scalar.value, '\0', node->data.scalar.length);
}

/* A new NUL-terminated copy of scalar `node` (NULL when out of memory). */
static inline char *rg_ynode_strdup(const yaml_node_t *node)
{
	return rg_strndup((const char *)node->data.scalar.value, node->data.scalar.length);
}

/* true if an earlier key of `map` (before `pair`) is the same scalar as pair's key. */
static inline bool rg_ynode_key_seen_before(yaml_document_t *doc, const yaml_node_t *map,
					    const yaml_node_pair_t *pair)
{
	const yaml_node_t *key = yaml_document_get_node(doc, pair->key);
	const yaml_node_pair_t *p;

	for (p = map->data.mapping.pairs.start; p < pair; p++) {
		const yaml_node_t *k = yaml_document_get_node(doc, p->key);

		if (k->type == YAML_SCALAR_NODE && k->data.scalar.length == key->data.scalar.length &&
		    !memcmp(k->data.scalar.value, key->data.scalar.value, key->data.scalar.length))
			return true;
	}
	return false;
}

/* Is `a` (`n` bytes) the lower-case word `lower`, in any ASCII case? */
static inline bool rg_ascii_caseeq(const char *a, size_t n, const char *lower)
{
	size_t i;

	if (strlen(lower) != n)
		return false;
	for (i = 0; i < n; i++) {
		char ch = a[i];

		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		if (ch != lower[i])
			return false;
	}
	return true;
}

/* A plain YAML boolean (true/false, yes/no, on/off in any case) into *out; false if it is none. */
static inline bool rg_ynode_bool(bool *out, const yaml_node_t *value)
{
	static const char *const yes[] = { "true", "yes", "on" }, *const no[] = { "false", "no", "off" };
	size_t i;

	if (value->type != YAML_SCALAR_NODE || value->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	for (i = 0; i < 3; i++) {
		if (rg_ascii_caseeq((const char *)value->data.scalar.value, value->data.scalar.length, yes[i])) {
			*out = true;
			return true;
		}
		if (rg_ascii_caseeq((const char *)value->data.scalar.value, value->data.scalar.length, no[i])) {
			*out = false;
			return true;
		}
	}
	return false;
}

/*
 * Load the whole native YAML revision file `text` (`len` bytes) into `doc`
 * with `parser` (both to be deleted by the caller on success).  RG_EINVALID
 * with `path:line:column: problem` for a syntax error, or RG_ENOMEM; on
 * failure nothing is left to delete.  (yamlrev.c)
 */
int rg_yamlrev_load(yaml_parser_t *parser, yaml_document_t *doc, const char *path, const char *text,
		    size_t len);

#endif
