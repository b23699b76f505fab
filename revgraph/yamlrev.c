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
#include "yamlnode.h"
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

/*
 * Read `down_revision`, `branch_labels` or `depends_on` into `out`: null, ""
 * and [] leave it empty; a string gives one item; a list gives its items.
 */
static int read_list(struct rg_strlist *out, const struct ctx *c, yaml_document_t *doc,
		     const yaml_node_t *value, const char *key, size_t line)
{
	yaml_node_item_t *item;
	int err = 0;

	if (rg_ynode_is_null(value))
		goto out;
	if (value->type == YAML_SCALAR_NODE) {
		if (!rg_ynode_is_text(value)) {
			err = rg_error_set(RG_EINVALID, "%s:%zu: '%s' must be null, a string or a list of strings",
					   c->path, line, key);
			goto out;
		}
		if (value->data.scalar.length)
			err = rg_strlist_push_owned(out, rg_ynode_strdup(value));
		goto out;
	}
	if (value->type != YAML_SEQUENCE_NODE) {
		err = rg_error_set(RG_EINVALID, "%s:%zu: '%s' must be null, a string or a list of strings",
				   c->path, line, key);
		goto out;
	}
	for (item = value->data.sequence.items.start; item < value->data.sequence.items.top; item++) {
		const yaml_node_t *node = yaml_document_get_node(doc, *item);

		if (!rg_ynode_is_text(node) || !node->data.scalar.length) {
			err = rg_error_set(RG_EINVALID, "%s:%zu: '%s' list item must be a non-empty string",
					   c->path, node_line(c, node), key);
			goto out;
		}
		err = rg_strlist_push_owned(out, rg_ynode_strdup(node));
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

	if (rg_ynode_is_null(value))
		goto out;
	if (!rg_ynode_is_text(value)) {
		err = rg_error_set(RG_EINVALID, "%s:%zu: '%s' must be a string", c->path, line, key);
		goto out;
	}
	*out = rg_ynode_strdup(value);
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

/* A YAML boolean (true/false, yes/no, on/off in any case). */
static int read_bool(bool *out, const struct ctx *c, const yaml_node_t *value, const char *key,
		     size_t line)
{
	if (rg_ynode_bool(out, value))
		return 0;
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
		if (rg_ynode_key_seen_before(doc, root, pair)) {
			err = rg_error_set(RG_EINVALID, "%s:%zu: duplicate key '%.*s'", c->path, line,
					   (int)key->data.scalar.length, (const char *)key->data.scalar.value);
			goto out;
		}
		if (rg_ynode_is(key, "revision")) {
			if (!rg_ynode_is_text(value) || !value->data.scalar.length) {
				err = rg_error_set(RG_EINVALID, "%s:%zu: 'revision' must be a non-empty string",
						   c->path, line);
				goto out;
			}
			rev->id = rg_ynode_strdup(value);
			if (!rev->id) {
				err = RG_ENOMEM;
				goto out;
			}
			rev->line_id = (int)line;
		} else if (rg_ynode_is(key, "down_revision")) {
			err = read_list(&rev->down, c, doc, value, "down_revision", line);
			rev->line_down = (int)line;
			seen_down = true;
		} else if (rg_ynode_is(key, "branch_labels")) {
			err = read_list(&rev->labels, c, doc, value, "branch_labels", line);
			rev->line_labels = (int)line;
		} else if (rg_ynode_is(key, "depends_on")) {
			err = read_list(&rev->deps, c, doc, value, "depends_on", line);
			rev->line_deps = (int)line;
		} else if (rg_ynode_is(key, "message")) {
			err = read_text(&message, c, value, "message", line);
		} else if (rg_ynode_is(key, "create_date")) {
			err = read_text(&rev->create_date, c, value, "create_date", line);
		} else if (rg_ynode_is(key, "transactional")) {
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
	if (rg_ascii_caseeq(line + i, n - i, "upgrade"))
		return MARK_UPGRADE;
	if (rg_ascii_caseeq(line + i, n - i, "downgrade"))
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

int rg_yamlrev_load(yaml_parser_t *parser, yaml_document_t *doc, const char *path, const char *text,
		    size_t len)
{
	struct ctx c;
	int err;

	c.path = path;
	c.map = NULL;
	c.ytext = text;
	c.ylen = len;
	c.kind = RG_REVFILE_YAML;
	if (!yaml_parser_initialize(parser))
		return rg_error_set(RG_ENOMEM, "out of memory");
	yaml_parser_set_input_string(parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(parser, doc)) {
		err = syntax_error(&c, parser);
		yaml_parser_delete(parser);
		return err;
	}
	return 0;
}
