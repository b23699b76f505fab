/*
 * Native revision files (yamlrev.h): the YAML header of a `.yaml` revision,
 * and the same header inside the leading comment block of a `.sql` revision,
 * read with libyaml's document API.  Only the graph keys are checked here;
 * the upgrade/downgrade bodies belong to the code that runs them.
 */
#include "yamlrev.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "alloc.h"
#include "revgraph/str.h"
#include "revgraph/common.h"
#include "body.h"
#include "ops.h"
#include "banned.h"

/* Where one line of the YAML text fed to libyaml came from in the file. */
struct hdrline {
	size_t line;	/* 1-based file line */
	size_t skip;	/* bytes of the file line dropped before the YAML text */
};

/* YAML line -> file line, for a .sql header; absent (NULL) for a .yaml file. */
struct linemap {
	struct hdrline *v;
	size_t n;
	size_t alloc;
};

/* What the YAML reader needs to name positions in messages. */
struct ctx {
	const char *path;
	const struct linemap *map;
	const char *ytext;	/* the text given to libyaml */
	size_t ylen;
	enum rg_revfile_kind kind;
};

enum marker {
	MARK_NONE,
	MARK_UPGRADE,
	MARK_DOWNGRADE
};

static const char utf8_bom[] = "\xEF\xBB\xBF";

/* 1-based file line of 0-based YAML line `yline`. */
static size_t map_line(const struct linemap *map, size_t yline)
{
	if (!map || !map->n)
		return yline + 1;
	if (yline < map->n)
		return map->v[yline].line;
	/* libyaml may point just past the last header line */
	return map->v[map->n - 1].line + (yline - (map->n - 1));
}

/* 1-based file column of 0-based YAML position (yline, ycol). */
static size_t map_col(const struct linemap *map, size_t yline, size_t ycol)
{
	size_t skip = map && yline < map->n ? map->v[yline].skip : 0;

	return ycol + 1 + skip;
}

static size_t node_line(const struct ctx *c, const yaml_node_t *node)
{
	return map_line(c->map, node->start_mark.line);
}

/* Turn a byte offset into 0-based line and column (for libyaml reader errors). */
static void offset_pos(const char *text, size_t len, size_t offset, size_t *line, size_t *col)
{
	size_t i, bol = 0;

	*line = 0;
	if (offset > len)
		offset = len;
	for (i = 0; i < offset; i++) {
		if (text[i] == '\n') {
			(*line)++;
			bol = i + 1;
		}
	}
	*col = offset - bol;
}

/* The message for a failed yaml_parser_load(). */
static int syntax_error(const struct ctx *c, const yaml_parser_t *parser)
{
	const char *problem = parser->problem ? parser->problem : "invalid YAML";
	size_t yline, ycol;

	if (parser->error == YAML_MEMORY_ERROR)
		return rg_error_set(RG_ENOMEM, "out of memory");
	if (parser->error == YAML_READER_ERROR) {
		offset_pos(c->ytext, c->ylen, parser->problem_offset, &yline, &ycol);
	} else {
		yline = parser->problem_mark.line;
		ycol = parser->problem_mark.column;
	}
	if (parser->context)
		return rg_error_set(RG_EINVALID, "%s:%zu:%zu: %s (%s at line %zu)", c->path,
				    map_line(c->map, yline), map_col(c->map, yline, ycol), problem,
				    parser->context, map_line(c->map, parser->context_mark.line));
	return rg_error_set(RG_EINVALID, "%s:%zu:%zu: %s", c->path, map_line(c->map, yline),
			    map_col(c->map, yline, ycol), problem);
}

static bool scalar_is(const yaml_node_t *node, const char *s)
{
	size_t n = strlen(s);

	return node->type == YAML_SCALAR_NODE && node->data.scalar.length == n &&
	       !memcmp(node->data.scalar.value, s, n);
}

/* YAML null: a plain `null`/`Null`/`NULL`/`~`/empty scalar, or an explicit !!null. */
static bool is_null(const yaml_node_t *node)
{
	if (node->type != YAML_SCALAR_NODE)
		return false;
	if (node->tag && !strcmp((const char *)node->tag, YAML_NULL_TAG))
		return true;
	if (node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	return node->data.scalar.length == 0 || scalar_is(node, "~") || scalar_is(node, "null") ||
	       scalar_is(node, "Null") || scalar_is(node, "NULL");
}

/* A scalar usable as a C string: not null and without NUL bytes. */
static bool is_text(const yaml_node_t *node)
{
	return node->type == YAML_SCALAR_NODE && !is_null(node) &&
	       !memchr(node->data.scalar.value, '\0', node->data.scalar.length);
}

static char *node_strdup(const yaml_node_t *node)
{
	return rg_strndup((const char *)node->data.scalar.value, node->data.scalar.length);
}

/*
 * Read `down_revision`, `branch_labels` or `depends_on` into `out`: null, ""
 * and [] leave it empty; a string gives one item; a list gives its items.
 */
static int read_list(struct rg_strlist *out, const struct ctx *c, yaml_document_t *doc,
		     const yaml_node_t *value, const char *key, size_t line)
{
	yaml_node_item_t *item;
	int err = 0;

	if (is_null(value))
		goto out;
	if (value->type == YAML_SCALAR_NODE) {
		if (!is_text(value)) {
			err = rg_error_set(RG_EINVALID, "%s:%zu: '%s' must be null, a string or a list of strings",
					   c->path, line, key);
			goto out;
		}
		if (value->data.scalar.length)
			err = rg_strlist_push_owned(out, node_strdup(value));
		goto out;
	}
	if (value->type != YAML_SEQUENCE_NODE) {
		err = rg_error_set(RG_EINVALID, "%s:%zu: '%s' must be null, a string or a list of strings",
				   c->path, line, key);
		goto out;
	}
	for (item = value->data.sequence.items.start; item < value->data.sequence.items.top; item++) {
		const yaml_node_t *node = yaml_document_get_node(doc, *item);

		if (!is_text(node) || !node->data.scalar.length) {
			err = rg_error_set(RG_EINVALID, "%s:%zu: '%s' list item must be a non-empty string",
					   c->path, node_line(c, node), key);
			goto out;
		}
		err = rg_strlist_push_owned(out, node_strdup(node));
		if (err)
			goto out;
	}
out:
	return err;
}

/* Read a string-valued key (`message`, `create_date`); null gives NULL. */
static int read_text(char **out, const struct ctx *c, const yaml_node_t *value, const char *key,
		     size_t line)
{
	int err = 0;

	if (is_null(value))
		goto out;
	if (!is_text(value)) {
		err = rg_error_set(RG_EINVALID, "%s:%zu: '%s' must be a string", c->path, line, key);
		goto out;
	}
	*out = node_strdup(value);
	if (!*out)
		err = RG_ENOMEM;
out:
	return err;
}

/* A copy of `s` without leading and trailing whitespace; "" for NULL. */
static char *strip_dup(const char *s)
{
	size_t start = 0, end;

	if (!s)
		return rg_strdup("");
	end = strlen(s);
	while (start < end && strchr(" \t\r\n\f\v", s[start]))
		start++;
	while (end > start && strchr(" \t\r\n\f\v", s[end - 1]))
		end--;
	return rg_strndup(s + start, end - start);
}

/* true if an earlier key of `map` (before `pair`) is the same scalar as pair's key. */
static bool key_seen_before(yaml_document_t *doc, const yaml_node_t *map, const yaml_node_pair_t *pair)
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

static bool ascii_caseeq(const char *a, size_t n, const char *lower)
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

/* A YAML boolean (true/false, yes/no, on/off in any case). */
static int read_bool(bool *out, const struct ctx *c, const yaml_node_t *value, const char *key,
		     size_t line)
{
	static const char *const yes[] = { "true", "yes", "on" }, *const no[] = { "false", "no", "off" };
	size_t i;

	if (value->type == YAML_SCALAR_NODE && value->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
		for (i = 0; i < 3; i++) {
			if (ascii_caseeq((const char *)value->data.scalar.value,
					 value->data.scalar.length, yes[i])) {
				*out = true;
				return 0;
			}
			if (ascii_caseeq((const char *)value->data.scalar.value,
					 value->data.scalar.length, no[i])) {
				*out = false;
				return 0;
			}
		}
	return rg_error_set(RG_EINVALID, "%s:%zu: '%s' must be true or false", c->path, line, key);
}

/* Read the graph keys of the top-level mapping of `doc` into `rev` (empty on entry). */
static int read_header(struct rg_revision *rev, const struct ctx *c, yaml_document_t *doc)
{
	const yaml_node_t *root = yaml_document_get_root_node(doc);
	yaml_node_pair_t *pair;
	char *message = NULL;
	bool seen_down = false;
	int err = 0;

	if (!root || root->type != YAML_MAPPING_NODE) {
		err = rg_error_set(RG_EINVALID, "%s:%zu: top level is not a mapping", c->path,
				   root ? node_line(c, root) : map_line(c->map, 0));
		goto out;
	}
	for (pair = root->data.mapping.pairs.start; pair < root->data.mapping.pairs.top; pair++) {
		const yaml_node_t *key = yaml_document_get_node(doc, pair->key);
		const yaml_node_t *value = yaml_document_get_node(doc, pair->value);
		size_t line = node_line(c, key);

		if (key->type != YAML_SCALAR_NODE)
			continue;	/* a complex key is just another unknown key */
		if (key_seen_before(doc, root, pair)) {
			err = rg_error_set(RG_EINVALID, "%s:%zu: duplicate key '%.*s'", c->path, line,
					   (int)key->data.scalar.length, (const char *)key->data.scalar.value);
			goto out;
		}
		if (scalar_is(key, "revision")) {
			if (!is_text(value) || !value->data.scalar.length) {
				err = rg_error_set(RG_EINVALID, "%s:%zu: 'revision' must be a non-empty string",
						   c->path, line);
				goto out;
			}
			rev->id = node_strdup(value);
			if (!rev->id) {
				err = RG_ENOMEM;
				goto out;
			}
			rev->line_id = (int)line;
		} else if (scalar_is(key, "down_revision")) {
			err = read_list(&rev->down, c, doc, value, "down_revision", line);
			rev->line_down = (int)line;
			seen_down = true;
		} else if (scalar_is(key, "branch_labels")) {
			err = read_list(&rev->labels, c, doc, value, "branch_labels", line);
			rev->line_labels = (int)line;
		} else if (scalar_is(key, "depends_on")) {
			err = read_list(&rev->deps, c, doc, value, "depends_on", line);
			rev->line_deps = (int)line;
		} else if (scalar_is(key, "message")) {
			err = read_text(&message, c, value, "message", line);
		} else if (scalar_is(key, "create_date")) {
			err = read_text(&rev->create_date, c, value, "create_date", line);
		} else if (scalar_is(key, "transactional")) {
			bool transactional = true;

			err = read_bool(&transactional, c, value, "transactional", line);
			rev->non_transactional = !transactional;
		}
		if (err)
			goto out;
	}
	if (!rev->id) {
		err = rg_error_set(RG_EINVALID, "%s:%zu: missing key 'revision'", c->path, node_line(c, root));
		goto out;
	}
	if (!seen_down) {
		err = rg_error_set(RG_EINVALID, "%s:%zu: missing key 'down_revision'", c->path,
				   node_line(c, root));
		goto out;
	}
	rev->has_deps = rev->deps.n > 0;
	rev->doc = strip_dup(message);
	if (!rev->doc)
		err = RG_ENOMEM;
out:
	free(message);
	return err;
}

/* Parse c->ytext as one YAML document and read its header keys into `rev`. */
static int parse_yaml(struct rg_revision *rev, const struct ctx *c)
{
	yaml_parser_t parser;
	yaml_document_t doc, extra;
	bool have_doc = false, have_extra = false;
	const yaml_node_t *extra_root;
	int err = 0;

	if (!yaml_parser_initialize(&parser))
		return rg_error_set(RG_ENOMEM, "out of memory");
	yaml_parser_set_input_string(&parser, (const unsigned char *)c->ytext, c->ylen);
	if (!yaml_parser_load(&parser, &doc)) {
		err = syntax_error(c, &parser);
		goto out;
	}
	have_doc = true;
	/* a second document would be silently ignored: refuse it */
	if (!yaml_parser_load(&parser, &extra)) {
		err = syntax_error(c, &parser);
		goto out;
	}
	have_extra = true;
	extra_root = yaml_document_get_root_node(&extra);
	if (extra_root) {
		err = rg_error_set(RG_EINVALID, "%s:%zu: more than one YAML document", c->path,
				   map_line(c->map, extra.start_mark.line));
		goto out;
	}
	err = read_header(rev, c, &doc);
out:
	if (have_extra)
		yaml_document_delete(&extra);
	if (have_doc)
		yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return err;
}

/* Empty the fields of `rev` that the readers fill. */
static void release_fields(struct rg_revision *rev)
{
	free(rev->id);
	rg_strlist_release(&rev->down);
	rg_strlist_release(&rev->labels);
	rg_strlist_release(&rev->deps);
	free(rev->doc);
	free(rev->create_date);
}

/* Move the header fields of `from` into `to`, freeing what `to` held. */
static void move_fields(struct rg_revision *to, struct rg_revision *from)
{
	release_fields(to);
	to->id = from->id;
	to->down = from->down;
	to->labels = from->labels;
	to->deps = from->deps;
	to->has_deps = from->has_deps;
	to->doc = from->doc;
	to->create_date = from->create_date;
	to->non_transactional = from->non_transactional;
	to->kind = from->kind;
	to->line_id = from->line_id;
	to->line_down = from->line_down;
	to->line_deps = from->line_deps;
	to->line_labels = from->line_labels;
	memset(from, 0, sizeof(*from));
}

/* Parse the header described by `c` and, on success, move it into `out`. */
static int parse_into(struct rg_revision *out, const struct ctx *c)
{
	struct rg_revision tmp;
	int err;

	memset(&tmp, 0, sizeof(tmp));
	tmp.kind = c->kind;
	err = parse_yaml(&tmp, c);
	if (!err)
		move_fields(out, &tmp);
	release_fields(&tmp);
	return err;
}

int rg_yamlrev_parse(struct rg_revision *out, const char *path, const char *text, size_t len)
{
	struct ctx c;

	c.path = path;
	c.map = NULL;
	c.ytext = text;
	c.ylen = len;
	c.kind = RG_REVFILE_YAML;
	return parse_into(out, &c);
}

/*
 * The line of `text` starting at `pos`: its bytes are text[*start, *start +
 * *n) without the line break (and a CR before it); *next is where the next
 * line starts.
 */
static void next_line(const char *text, size_t len, size_t pos, size_t *start, size_t *n, size_t *next)
{
	const char *nl = memchr(text + pos, '\n', len - pos);
	size_t end = nl ? (size_t)(nl - text) : len;

	*start = pos;
	*next = nl ? end + 1 : len;
	if (end > pos && text[end - 1] == '\r')
		end--;
	*n = end - pos;
}

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* Is `line` a `--` comment?  If so, *skip is the length of `[ws]--[one space]`. */
static bool comment_line(const char *line, size_t n, size_t *skip)
{
	size_t i = 0;

	while (i < n && is_blank(line[i]))
		i++;
	if (i + 2 > n || line[i] != '-' || line[i + 1] != '-')
		return false;
	i += 2;
	if (i < n && line[i] == ' ')
		i++;
	*skip = i;
	return true;
}

static bool blank_line(const char *line, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_blank(line[i]))
			return false;
	return true;
}

/* Is `line` a section marker, `[ws]--[ws](upgrade|downgrade)[ws]` in any case? */
static enum marker marker_kind(const char *line, size_t n)
{
	size_t i = 0;

	while (i < n && is_blank(line[i]))
		i++;
	if (i + 2 > n || line[i] != '-' || line[i + 1] != '-')
		return MARK_NONE;
	i += 2;
	while (i < n && is_blank(line[i]))
		i++;
	while (n > i && is_blank(line[n - 1]))
		n--;
	if (ascii_caseeq(line + i, n - i, "upgrade"))
		return MARK_UPGRADE;
	if (ascii_caseeq(line + i, n - i, "downgrade"))
		return MARK_DOWNGRADE;
	return MARK_NONE;
}

static const char *marker_name(enum marker m)
{
	return m == MARK_UPGRADE ? "-- upgrade" : "-- downgrade";
}

/* Where a .sql file's text begins: after a UTF-8 byte order mark, if any. */
static size_t text_start(const char *text, size_t len)
{
	return len >= 3 && !memcmp(text, utf8_bom, 3) ? 3 : 0;
}

/*
 * Check the part of a .sql file after its header (from `pos`, file line
 * `lineno`): each marker at most once, and nothing but blank and comment
 * lines before the first marker.
 */
static int check_sections(const char *path, const char *text, size_t len, size_t pos, size_t lineno)
{
	size_t start, n, next, skip;
	bool seen[3] = { false, false, false };
	bool in_section = false;
	enum marker m;
	int err = 0;

	for (; pos < len; pos = next, lineno++) {
		next_line(text, len, pos, &start, &n, &next);
		m = marker_kind(text + start, n);
		if (m != MARK_NONE) {
			if (seen[m]) {
				err = rg_error_set(RG_EINVALID, "%s:%zu: duplicate '%s' marker", path, lineno,
						   marker_name(m));
				goto out;
			}
			seen[m] = true;
			in_section = true;
		} else if (!in_section && !blank_line(text + start, n) && !comment_line(text + start, n, &skip)) {
			err = rg_error_set(RG_EINVALID, "%s:%zu: SQL before the first '-- upgrade' or '-- downgrade' marker",
					   path, lineno);
			goto out;
		}
	}
out:
	return err;
}

int rg_sqlrev_parse(struct rg_revision *out, const char *path, const char *text, size_t len)
{
	struct linemap map = { NULL, 0, 0 };
	struct rg_str yaml = RG_STR_INIT;
	size_t pos = text_start(text, len), lineno = 1;
	size_t start, n, next, skip;
	struct ctx c;
	int err = 0;

	/* the header: leading comment lines up to a marker or other line */
	for (; pos < len; pos = next, lineno++) {
		next_line(text, len, pos, &start, &n, &next);
		if (!comment_line(text + start, n, &skip) || marker_kind(text + start, n) != MARK_NONE)
			break;
		err = RG_GROW(map.v, map.n + 1, map.alloc);
		if (err)
			goto out;
		map.v[map.n].line = lineno;
		map.v[map.n].skip = skip;
		map.n++;
		rg_str_add(&yaml, text + start + skip, n - skip);
		rg_str_addch(&yaml, '\n');
	}
	if (!map.n) {
		err = rg_error_set(RG_EINVALID, "%s:1: missing revision header (leading '-- ' comment lines)", path);
		goto out;
	}
	err = rg_str_check(&yaml);
	if (err)
		goto out;
	c.path = path;
	c.map = &map;
	c.ytext = yaml.buf;
	c.ylen = yaml.len;
	c.kind = RG_REVFILE_SQL;
	err = check_sections(path, text, len, pos, lineno);
	if (err)
		goto out;
	err = parse_into(out, &c);
out:
	rg_str_release(&yaml);
	free(map.v);
	return err;
}

int rg_sqlrev_section(char **out, const char *text, size_t len, bool upgrade)
{
	return rg_sqlrev_section_at(out, NULL, text, len, upgrade);
}

int rg_sqlrev_section_at(char **out, size_t *first_line, const char *text, size_t len,
			 bool upgrade)
{
	enum marker want = upgrade ? MARK_UPGRADE : MARK_DOWNGRADE, m;
	size_t pos = text_start(text, len), lineno = 1;
	size_t start, n, next;
	size_t body = 0, body_end = 0, found_line = 0;
	bool in_body = false;
	int err = 0;

	*out = NULL;
	for (; pos < len; pos = next, lineno++) {
		next_line(text, len, pos, &start, &n, &next);
		m = marker_kind(text + start, n);
		if (m == MARK_NONE)
			continue;
		if (in_body) {
			body_end = start;
			in_body = false;
		}
		if (m != want)
			continue;
		if (found_line) {
			err = rg_error_set(RG_EINVALID, "duplicate '%s' marker at line %zu", marker_name(m), lineno);
			goto out;
		}
		found_line = lineno;
		body = next;
		in_body = true;
	}
	if (!found_line)
		goto out;
	if (in_body)
		body_end = len;
	if (first_line)
		*first_line = found_line + 1;
	*out = rg_strndup(text + body, body_end - body);
	if (!*out)
		err = RG_ENOMEM;
out:
	return err;
}

void rg_body_release(struct rg_body *b)
{
	size_t i;

	if (!b)
		return;
	for (i = 0; i < b->n; i++)
		free(b->items[i].sql);
	free(b->items);
	free(b->lock_timeout);
	b->items = NULL;
	b->lock_timeout = NULL;
	b->n = b->alloc = 0;
}

/* File line where the text of scalar `node` starts (block scalars: the next line). */
static size_t scalar_text_line(const struct ctx *c, const yaml_node_t *node)
{
	size_t line = node_line(c, node);

	if (node->data.scalar.style == YAML_LITERAL_SCALAR_STYLE ||
	    node->data.scalar.style == YAML_FOLDED_SCALAR_STYLE)
		line++;
	return line;
}

/* A non-empty string value of `key` of operation `op`. */
static int op_text(char **out, const struct ctx *c, const yaml_node_t *value, const char *op,
		   const char *key)
{
	if (!is_text(value) || !value->data.scalar.length)
		return rg_error_set(RG_EINVALID, "%s:%zu: %s: '%s' must be a non-empty string", c->path,
				    node_line(c, value), op, key);
	free(*out);
	*out = node_strdup(value);
	return *out ? 0 : RG_ENOMEM;
}

/* A SQL fragment value (check, where, expression), checked by rg_sql_check_fragment(). */
static int op_fragment(char **out, const struct ctx *c, const yaml_node_t *value, const char *op,
		       const char *key, bool comma_ok)
{
	int err = op_text(out, c, value, op, key);

	if (!err)
		err = rg_sql_check_fragment(*out, comma_ok, c->path, node_line(c, value), op, key);
	return err;
}

static int op_bool(bool *out, const struct ctx *c, const yaml_node_t *value, const char *op,
		   const char *key)
{
	struct rg_str k = RG_STR_INIT;
	int err;

	rg_str_addf(&k, "%s: '%s'", op, key);
	if ((err = rg_str_check(&k)))
		return err;
	/* read_bool's message quotes the key: give it "op: 'key'" without its quotes */
	err = read_bool(out, c, value, "", node_line(c, value));
	if (err)
		err = rg_error_set(RG_EINVALID, "%s:%zu: %s must be true or false", c->path,
				   node_line(c, value), k.buf);
	rg_str_release(&k);
	return err;
}

static bool is_number(const yaml_node_t *v)
{
	const char *s = (const char *)v->data.scalar.value;
	size_t n = v->data.scalar.length, i = 0, digits = 0;
	bool dot = false;

	if (v->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	if (i < n && (s[i] == '-' || s[i] == '+'))
		i++;
	for (; i < n; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			digits++;
		else if (s[i] == '.' && !dot)
			dot = true;
		else
			return false;
	}
	return digits > 0;
}

static int read_default(struct rg_op_column *col, const struct ctx *c, const yaml_node_t *v,
			const char *op)
{
	bool b;

	if (is_null(v)) {
		col->default_kind = RG_DEFAULT_NULL;
		return 0;
	}
	if (!is_text(v))
		return rg_error_set(RG_EINVALID, "%s:%zu: %s: 'default' must be a number, true, false, null or a string",
				    c->path, node_line(c, v), op);
	if (v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !read_bool(&b, c, v, "default", 0)) {
		col->default_kind = b ? RG_DEFAULT_TRUE : RG_DEFAULT_FALSE;
		return 0;
	}
	rg_error_clear();
	col->default_kind = is_number(v) ? RG_DEFAULT_NUMBER : RG_DEFAULT_STRING;
	col->default_value = node_strdup(v);
	return col->default_value ? 0 : RG_ENOMEM;
}

static int read_action(char **out, const struct ctx *c, const yaml_node_t *v, const char *op,
		       const char *key)
{
	static const char *const actions[] = { "cascade", "set null", "set default", "restrict",
					       "no action" };
	static const char *const upper[] = { "CASCADE", "SET NULL", "SET DEFAULT", "RESTRICT",
					     "NO ACTION" };
	size_t i;

	if (is_text(v))
		for (i = 0; i < 5; i++)
			if (ascii_caseeq((const char *)v->data.scalar.value, v->data.scalar.length,
					 actions[i])) {
				free(*out);
				*out = rg_strdup(upper[i]);
				return *out ? 0 : RG_ENOMEM;
			}
	return rg_error_set(RG_EINVALID,
			    "%s:%zu: %s: '%s' must be cascade, set null, set default, restrict or no action",
			    c->path, node_line(c, v), op, key);
}

/* One column mapping of create_table's `columns` or add_column's `column`. */
static int read_column(struct rg_op_column *col, const struct ctx *c, yaml_document_t *doc,
		       const yaml_node_t *node, const char *op)
{
	yaml_node_pair_t *pair;
	int err = 0;

	col->nullable = -1;
	col->autoincrement = -1;
	col->line = node_line(c, node);
	if (node->type != YAML_MAPPING_NODE)
		return rg_error_set(RG_EINVALID, "%s:%zu: %s: a column must be a mapping with 'name' and 'type'",
				    c->path, node_line(c, node), op);
	for (pair = node->data.mapping.pairs.start; !err && pair < node->data.mapping.pairs.top; pair++) {
		const yaml_node_t *key = yaml_document_get_node(doc, pair->key);
		const yaml_node_t *v = yaml_document_get_node(doc, pair->value);
		bool b;

		if (key->type == YAML_SCALAR_NODE && key_seen_before(doc, node, pair))
			err = rg_error_set(RG_EINVALID, "%s:%zu: %s: duplicate key '%.*s'", c->path,
					   node_line(c, key), op, (int)key->data.scalar.length,
					   (const char *)key->data.scalar.value);
		else if (scalar_is(key, "name"))
			err = op_text(&col->name, c, v, op, "name");
		else if (scalar_is(key, "type")) {
			if (!(err = op_text(&col->type, c, v, op, "type")))
				err = rg_op_check_type(col->type, c->path, node_line(c, v), op);
		} else if (scalar_is(key, "nullable")) {
			if (!(err = op_bool(&b, c, v, op, "nullable")))
				col->nullable = b;
		} else if (scalar_is(key, "default"))
			err = read_default(col, c, v, op);
		else if (scalar_is(key, "primary_key"))
			err = op_bool(&col->primary_key, c, v, op, "primary_key");
		else if (scalar_is(key, "autoincrement")) {
			if (!(err = op_bool(&b, c, v, op, "autoincrement")))
				col->autoincrement = b;
		}
		else if (scalar_is(key, "unique"))
			err = op_bool(&col->unique, c, v, op, "unique");
		else if (scalar_is(key, "references")) {
			const char *dot;

			if ((err = op_text(&col->ref_table, c, v, op, "references")))
				break;
			dot = strrchr(col->ref_table, '.');
			if (!dot || dot == col->ref_table || !dot[1]) {
				err = rg_error_set(RG_EINVALID, "%s:%zu: %s: 'references' must be table.column",
						   c->path, node_line(c, v), op);
				break;
			}
			if (!(col->ref_column = rg_strdup(dot + 1)))
				err = RG_ENOMEM;
			col->ref_table[dot - col->ref_table] = '\0';
		} else if (scalar_is(key, "on_delete"))
			err = read_action(&col->on_delete, c, v, op, "on_delete");
		else if (scalar_is(key, "on_update"))
			err = read_action(&col->on_update, c, v, op, "on_update");
		else if (scalar_is(key, "check"))
			err = op_fragment(&col->check, c, v, op, "check", true);
		else if (scalar_is(key, "collation"))
			err = op_text(&col->collation, c, v, op, "collation");
		else
			err = rg_error_set(RG_EINVALID, "%s:%zu: %s: unknown column key '%.*s'", c->path,
					   node_line(c, key), op,
					   key->type == YAML_SCALAR_NODE ? (int)key->data.scalar.length : 1,
					   key->type == YAML_SCALAR_NODE ? (const char *)key->data.scalar.value : "?");
	}
	if (err)
		return err;
	if (!col->name)
		return rg_error_set(RG_EINVALID, "%s:%zu: %s: column without 'name'", c->path, col->line, op);
	if (!col->type)
		return rg_error_set(RG_EINVALID, "%s:%zu: %s: column '%s' without 'type'", c->path,
				    col->line, op, col->name);
	if ((col->on_delete || col->on_update) && !col->ref_table)
		return rg_error_set(RG_EINVALID, "%s:%zu: %s: column '%s' has 'on_delete' or 'on_update' without 'references'",
				    c->path, col->line, op, col->name);
	if (col->autoincrement == 1 && !col->primary_key)
		return rg_error_set(RG_EINVALID, "%s:%zu: %s: column '%s' has 'autoincrement' without 'primary_key'",
				    c->path, col->line, op, col->name);
	return 0;
}

static int push_column(struct rg_op *op, const struct ctx *c, yaml_document_t *doc,
		       const yaml_node_t *node, size_t *alloc)
{
	if (RG_GROW(op->cols, op->ncols + 1, *alloc))
		return RG_ENOMEM;
	memset(&op->cols[op->ncols], 0, sizeof(op->cols[0]));
	op->ncols++;
	return read_column(&op->cols[op->ncols - 1], c, doc, node, rg_op_name(op->kind));
}

/* A list of names (`columns` of create_index) or fragments (`expressions`). */
static int read_name_list(struct rg_strlist *out, const struct ctx *c, yaml_document_t *doc,
			  const yaml_node_t *v, const char *op, const char *key, bool fragments)
{
	yaml_node_item_t *it;
	int err;

	if (v->type != YAML_SEQUENCE_NODE)
		return rg_error_set(RG_EINVALID, "%s:%zu: %s: '%s' must be a list", c->path,
				    node_line(c, v), op, key);
	for (it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
		const yaml_node_t *node = yaml_document_get_node(doc, *it);
		char *s = NULL;

		err = fragments ? op_fragment(&s, c, node, op, key, false)
				: op_text(&s, c, node, op, key);
		if (!err)
			err = rg_strlist_push_owned(out, s);
		else
			free(s);
		if (err)
			return err;
	}
	return 0;
}

/* Operations revgraph knows but cannot run yet (issue 5 §1, SQLite rebuilds). */
static bool later_op(const yaml_node_t *key)
{
	static const char *const later[] = {
		"drop_column", "alter_column", "create_foreign_key", "create_unique_constraint",
		"create_check_constraint", "drop_constraint", "batch_alter_table"
	};
	size_t i;

	for (i = 0; i < sizeof(later) / sizeof(later[0]); i++)
		if (scalar_is(key, later[i]))
			return true;
	return false;
}

static int op_kind_of(const yaml_node_t *key, enum rg_op_kind *kind)
{
	int k;

	for (k = RG_OP_SQL; k <= RG_OP_DROP_INDEX; k++)
		if (scalar_is(key, rg_op_name((enum rg_op_kind)k))) {
			*kind = (enum rg_op_kind)k;
			return 1;
		}
	return 0;
}

/* A sibling key of operation `op`; RG_ENOTFOUND if it is not one of `op`'s keys. */
static int read_op_key(struct rg_op *op, const struct ctx *c, yaml_document_t *doc,
		       const yaml_node_t *key, const yaml_node_t *v, size_t *col_alloc)
{
	const char *name = rg_op_name(op->kind);

	switch (op->kind) {
	case RG_OP_SQL:
		break;
	case RG_OP_CREATE_TABLE:
		if (scalar_is(key, "columns")) {
			yaml_node_item_t *it;
			int err;

			if (v->type != YAML_SEQUENCE_NODE || v->data.sequence.items.start == v->data.sequence.items.top)
				return rg_error_set(RG_EINVALID, "%s:%zu: create_table: 'columns' must be a non-empty list",
						    c->path, node_line(c, v));
			for (it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++)
				if ((err = push_column(op, c, doc, yaml_document_get_node(doc, *it), col_alloc)))
					return err;
			return 0;
		}
		break;
	case RG_OP_DROP_TABLE:
	case RG_OP_DROP_INDEX:
		if (scalar_is(key, "if_exists"))
			return op_bool(&op->if_exists, c, v, name, "if_exists");
		if (op->kind == RG_OP_DROP_INDEX && scalar_is(key, "table"))
			return op_text(&op->table, c, v, name, "table");
		break;
	case RG_OP_RENAME_TABLE:
		if (scalar_is(key, "new_name"))
			return op_text(&op->new_name, c, v, name, "new_name");
		break;
	case RG_OP_ADD_COLUMN:
		if (scalar_is(key, "column"))
			return push_column(op, c, doc, v, col_alloc);
		break;
	case RG_OP_CREATE_INDEX:
		if (scalar_is(key, "table"))
			return op_text(&op->table, c, v, name, "table");
		if (scalar_is(key, "columns"))
			return read_name_list(&op->idx_cols, c, doc, v, name, "columns", false);
		if (scalar_is(key, "expressions"))
			return read_name_list(&op->idx_exprs, c, doc, v, name, "expressions", true);
		if (scalar_is(key, "unique"))
			return op_bool(&op->unique, c, v, name, "unique");
		if (scalar_is(key, "where"))
			return op_fragment(&op->where, c, v, name, "where", true);
		break;
	case RG_OP_DROP_COLUMN:
		break;
	}
	return RG_ENOTFOUND;
}

/* What every operation must have once all its keys are read. */
static int check_op(const struct rg_op *op, const struct ctx *c)
{
	const char *name = rg_op_name(op->kind);
	const char *missing = NULL;

	if (op->kind == RG_OP_CREATE_TABLE && !op->ncols)
		missing = "columns";
	else if (op->kind == RG_OP_RENAME_TABLE && !op->new_name)
		missing = "new_name";
	else if (op->kind == RG_OP_ADD_COLUMN && !op->ncols)
		missing = "column";
	else if (op->kind == RG_OP_CREATE_INDEX && !op->table)
		missing = "table";
	else if (op->kind == RG_OP_CREATE_INDEX && !op->idx_cols.n && !op->idx_exprs.n)
		missing = "columns' or 'expressions";
	if (missing)
		return rg_error_set(RG_EINVALID, "%s:%zu: %s: missing '%s'", c->path, op->line, name, missing);
	return 0;
}

/*
 * One entry of an operation list: a mapping with one operation key (`sql`,
 * `create_table`, ...) and that operation's other keys.
 */
static int read_operation(struct rg_op *op, const struct ctx *c, yaml_document_t *doc,
			  const yaml_node_t *item)
{
	const yaml_node_t *opkey = NULL, *opval = NULL;
	yaml_node_pair_t *pair;
	size_t col_alloc = 0;
	int err;

	op->dialect = -1;
	if (item->type != YAML_MAPPING_NODE)
		return rg_error_set(RG_EINVALID, "%s:%zu: an operation must be a mapping such as 'sql: ...'",
				    c->path, node_line(c, item));
	/* find the operation's name first: its other keys may come before it */
	for (pair = item->data.mapping.pairs.start; pair < item->data.mapping.pairs.top; pair++) {
		const yaml_node_t *key = yaml_document_get_node(doc, pair->key);
		enum rg_op_kind kind;

		if (key->type != YAML_SCALAR_NODE)
			return rg_error_set(RG_EINVALID, "%s:%zu: an operation name must be a string",
					    c->path, node_line(c, key));
		if (later_op(key))
			return rg_error_set(RG_EUNSUPPORTED,
					    "%s:%zu: operation '%.*s' is not supported by this version of revgraph; write it as 'sql:'",
					    c->path, node_line(c, key), (int)key->data.scalar.length,
					    (const char *)key->data.scalar.value);
		if (!op_kind_of(key, &kind))
			continue;
		if (opkey)
			return rg_error_set(RG_EINVALID, "%s:%zu: two operations ('%s' and '%s') in one list item",
					    c->path, node_line(c, key), rg_op_name(op->kind),
					    rg_op_name(kind));
		opkey = key;
		opval = yaml_document_get_node(doc, pair->value);
		op->kind = kind;
		op->line = node_line(c, key);
	}
	if (!opkey) {
		for (pair = item->data.mapping.pairs.start; pair < item->data.mapping.pairs.top; pair++) {
			const yaml_node_t *key = yaml_document_get_node(doc, pair->key);

			if (!scalar_is(key, "dialect"))
				return rg_error_set(RG_EUNSUPPORTED,
						    "%s:%zu: operation '%.*s' is not supported by this version of revgraph; write it as 'sql:'",
						    c->path, node_line(c, key), (int)key->data.scalar.length,
						    (const char *)key->data.scalar.value);
		}
		return rg_error_set(RG_EINVALID, "%s:%zu: operation without 'sql'", c->path,
				    node_line(c, item));
	}
	if (op->kind == RG_OP_SQL) {
		if (!is_text(opval))
			return rg_error_set(RG_EINVALID, "%s:%zu: 'sql' must be a string", c->path,
					    node_line(c, opval));
		op->sql_line = scalar_text_line(c, opval);
		if (!(op->sql = node_strdup(opval)))
			return RG_ENOMEM;
	} else if ((err = op_text(op->kind == RG_OP_CREATE_INDEX || op->kind == RG_OP_DROP_INDEX
					  ? &op->name : &op->table,
				  c, opval, rg_op_name(op->kind), rg_op_name(op->kind)))) {
		return err;
	}
	for (pair = item->data.mapping.pairs.start; pair < item->data.mapping.pairs.top; pair++) {
		const yaml_node_t *key = yaml_document_get_node(doc, pair->key);
		const yaml_node_t *value = yaml_document_get_node(doc, pair->value);

		if (key == opkey)
			continue;
		if (key_seen_before(doc, item, pair))
			return rg_error_set(RG_EINVALID, "%s:%zu: %s: duplicate key '%.*s'", c->path,
					    node_line(c, key), rg_op_name(op->kind),
					    (int)key->data.scalar.length, (const char *)key->data.scalar.value);
		if (scalar_is(key, "dialect")) {
			if (scalar_is(value, "sqlite"))
				op->dialect = RG_DIALECT_SQLITE;
			else if (scalar_is(value, "postgresql"))
				op->dialect = RG_DIALECT_POSTGRESQL;
			else
				return rg_error_set(RG_EINVALID,
						    "%s:%zu: 'dialect' must be sqlite or postgresql",
						    c->path, node_line(c, value));
			continue;
		}
		err = read_op_key(op, c, doc, key, value, &col_alloc);
		if (err == RG_ENOTFOUND)
			return rg_error_set(RG_EINVALID, "%s:%zu: %s: unknown key '%.*s'", c->path,
					    node_line(c, key), rg_op_name(op->kind),
					    (int)key->data.scalar.length, (const char *)key->data.scalar.value);
		if (err)
			return err;
	}
	return check_op(op, c);
}

/*
 * Read the `upgrade:` or `downgrade:` of `doc` into `out`.  *found tells
 * whether the key is present (null or not).
 */
static int read_ops(struct rg_ops *out, bool *found, const struct ctx *c, yaml_document_t *doc,
		    bool upgrade)
{
	const char *want = upgrade ? "upgrade" : "downgrade";
	const yaml_node_t *root = yaml_document_get_root_node(doc);
	yaml_node_pair_t *pair;

	*found = false;
	if (!root || root->type != YAML_MAPPING_NODE)
		return rg_error_set(RG_EINVALID, "%s:1: top level is not a mapping", c->path);
	for (pair = root->data.mapping.pairs.start; pair < root->data.mapping.pairs.top; pair++) {
		const yaml_node_t *key = yaml_document_get_node(doc, pair->key);
		const yaml_node_t *value = yaml_document_get_node(doc, pair->value);
		yaml_node_item_t *it;
		int err;

		if (!scalar_is(key, want))
			continue;
		*found = true;
		if (is_null(value))
			return 0;
		if (is_text(value)) {
			if (RG_GROW(out->items, out->n + 1, out->alloc))
				return RG_ENOMEM;
			memset(&out->items[out->n], 0, sizeof(out->items[0]));
			out->items[out->n].dialect = -1;
			out->items[out->n].line = node_line(c, key);
			out->items[out->n].sql_line = scalar_text_line(c, value);
			if (!(out->items[out->n++].sql = node_strdup(value)))
				return RG_ENOMEM;
			return 0;
		}
		if (value->type != YAML_SEQUENCE_NODE)
			return rg_error_set(RG_EINVALID, "%s:%zu: '%s' must be SQL text or a list of operations",
					    c->path, node_line(c, key), want);
		for (it = value->data.sequence.items.start; it < value->data.sequence.items.top; it++) {
			if (RG_GROW(out->items, out->n + 1, out->alloc))
				return RG_ENOMEM;
			memset(&out->items[out->n], 0, sizeof(out->items[0]));
			out->n++;
			if ((err = read_operation(&out->items[out->n - 1], c, doc,
						  yaml_document_get_node(doc, *it))))
				return err;
			if (out->items[out->n - 1].kind != RG_OP_SQL)
				out->structured = true;
		}
		return 0;
	}
	return 0;
}

/* Each operation as body parts: `sql:` as written, the others rendered once per dialect. */
static int ops_to_body(struct rg_body *out, const struct rg_ops *ops, const char *path)
{
	static const enum rg_dialect dialects[] = { RG_DIALECT_SQLITE, RG_DIALECT_POSTGRESQL };
	struct rg_str sql = RG_STR_INIT;
	size_t i, d;
	int err = 0;

	for (i = 0; !err && i < ops->n; i++) {
		const struct rg_op *op = &ops->items[i];

		for (d = 0; !err && d < 2; d++) {
			struct rg_body_part *p;

			if (op->kind == RG_OP_SQL && d)
				break;
			if (op->kind != RG_OP_SQL && op->dialect >= 0 && op->dialect != (int)dialects[d])
				continue;
			rg_str_reset(&sql);
			if (op->kind == RG_OP_SQL)
				rg_str_adds(&sql, op->sql);
			else if ((err = rg_op_render(&sql, op, dialects[d], path)))
				break;
			if ((err = rg_str_check(&sql)) || (err = RG_GROW(out->items, out->n + 1, out->alloc)))
				break;
			p = &out->items[out->n];
			p->dialect = op->kind == RG_OP_SQL ? op->dialect : (int)dialects[d];
			p->line = op->kind == RG_OP_SQL ? op->sql_line : op->line;
			if (!(p->sql = rg_strdup(sql.buf))) {
				err = RG_ENOMEM;
				break;
			}
			out->n++;
		}
	}
	rg_str_release(&sql);
	return err;
}

static int load_doc(yaml_parser_t *parser, yaml_document_t *doc, const struct ctx *c)
{
	int err;

	if (!yaml_parser_initialize(parser))
		return rg_error_set(RG_ENOMEM, "out of memory");
	yaml_parser_set_input_string(parser, (const unsigned char *)c->ytext, c->ylen);
	if (!yaml_parser_load(parser, doc)) {
		err = syntax_error(c, parser);
		yaml_parser_delete(parser);
		return err;
	}
	return 0;
}

/* The top-level `lock_timeout:` of `doc`, into body->lock_timeout. */
static int read_lock_timeout(struct rg_body *body, const struct ctx *c, yaml_document_t *doc)
{
	const yaml_node_t *root = yaml_document_get_root_node(doc);
	yaml_node_pair_t *pair;

	if (!root || root->type != YAML_MAPPING_NODE)
		return 0;
	for (pair = root->data.mapping.pairs.start; pair < root->data.mapping.pairs.top; pair++) {
		const yaml_node_t *key = yaml_document_get_node(doc, pair->key);
		const yaml_node_t *value = yaml_document_get_node(doc, pair->value);

		if (!scalar_is(key, "lock_timeout"))
			continue;
		if (!is_text(value) || !rg_lock_timeout_valid((const char *)value->data.scalar.value))
			return rg_error_set(RG_EINVALID,
					    "%s:%zu: 'lock_timeout' must be a whole number with an optional unit ms, s or min",
					    c->path, node_line(c, key));
		body->lock_timeout_line = node_line(c, key);
		body->lock_timeout = node_strdup(value);
		return body->lock_timeout ? 0 : RG_ENOMEM;
	}
	return 0;
}

static int doc_ops(struct rg_ops *out, struct rg_body *body, const char *path, const char *text,
		   size_t len, bool upgrade)
{
	struct rg_ops up = { 0 };
	yaml_parser_t parser;
	yaml_document_t doc;
	struct ctx c;
	bool found;
	int err;

	c.path = path;
	c.map = NULL;
	c.ytext = text;
	c.ylen = len;
	c.kind = RG_REVFILE_YAML;
	if ((err = load_doc(&parser, &doc, &c)))
		return err;
	err = body ? read_lock_timeout(body, &c, &doc) : 0;
	if (!err)
		err = read_ops(out, &found, &c, &doc, upgrade);
	/* no `downgrade:` at all: derived from an upgrade made of operations */
	if (!err && !upgrade && !found) {
		err = read_ops(&up, &found, &c, &doc, true);
		if (!err && up.structured)
			err = rg_ops_invert(out, &up, path);
	}
	rg_ops_release(&up);
	if (err)
		rg_ops_release(out);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return err;
}

int rg_yamlrev_ops(struct rg_ops *out, const char *path, const char *text, size_t len,
		   bool upgrade)
{
	return doc_ops(out, NULL, path, text, len, upgrade);
}

int rg_yamlrev_body(struct rg_body *out, const char *path, const char *text, size_t len,
		    bool upgrade)
{
	struct rg_ops ops = { 0 };
	int err;

	err = doc_ops(&ops, out, path, text, len, upgrade);
	if (!err)
		err = ops_to_body(out, &ops, path);
	if (err)
		rg_body_release(out);
	rg_ops_release(&ops);
	return err;
}

void rg_rev_bodies_free(struct rg_rev_bodies *b)
{
	if (!b)
		return;
	rg_body_release(&b->up);
	rg_body_release(&b->down);
	free(b);
}

/* A .sql file's section as a body: no part when it has none. */
static int sql_body(struct rg_body *out, const char *text, size_t len, bool upgrade)
{
	char *section = NULL;
	size_t line = 0;
	int err;

	if ((err = rg_sqlrev_section_at(&section, &line, text, len, upgrade)) || !section)
		return err;
	if (RG_GROW(out->items, 1, out->alloc)) {
		free(section);
		return RG_ENOMEM;
	}
	out->items[0].sql = section;
	out->items[0].line = line;
	out->items[0].dialect = -1;
	out->n = 1;
	return 0;
}

int rg_rev_bodies_read(struct rg_rev_bodies **out, enum rg_revfile_kind kind, const char *path,
		       const char *text, size_t len)
{
	struct rg_rev_bodies *b;
	int err = 0;

	*out = NULL;
	if (!(b = rg_calloc(1, sizeof(*b))))
		return RG_ENOMEM;
	if (kind == RG_REVFILE_SQL) {
		if (!(err = sql_body(&b->up, text, len, true)))
			err = sql_body(&b->down, text, len, false);
	} else if (!(err = rg_yamlrev_body(&b->up, path, text, len, true))) {
		err = rg_yamlrev_body(&b->down, path, text, len, false);
	}
	if (!err)
		*out = b;
	else
		rg_rev_bodies_free(b);
	return err == RG_ENOMEM ? err : 0;
}
