/*
 * Test-only driver of rg_mako_render() for tests/conformance/
 * test_mako_conformance.py: renders the template named by argv[1] with the
 * variables read from stdin and writes the result to stdout, or the error
 * message to stderr (exit 1).
 *
 * Input: one variable per line, "NAME KIND HEX...": KIND is none, str or
 * tuple; each value is its UTF-8 bytes in hex ("-" for an empty string), a
 * tuple's items separated by spaces.  "option NAME HEX" gives
 * config.get_main_option(NAME); "noconfig" makes `config` the string
 * "config" (what `merge` passes).  imports/upgrades/downgrades left out
 * are not passed at all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template.h"
#include "revgraph/common.h"
#include "revgraph/str.h"

struct option {
	char *name, *value;
};

static struct option options[64];
static size_t n_options;

/* everything allocated, freed at exit so that sanitizer builds stay quiet */
static void *allocated[1024];
static size_t n_allocated;

static void *keep(void *p)
{
	if (!p || n_allocated == sizeof(allocated) / sizeof(allocated[0]))
		exit(2);
	allocated[n_allocated++] = p;
	return p;
}

static void free_all(void)
{
	while (n_allocated)
		free(allocated[--n_allocated]);
}

static const char *get_option(void *ud, const char *key)
{
	size_t i;

	(void)ud;
	for (i = 0; i < n_options; i++)
		if (!strcmp(options[i].name, key))
			return options[i].value;
	return NULL;
}

static char *unhex(const char *h)
{
	size_t n = strlen(h), i;
	char *out = keep(malloc(n / 2 + 1));

	if (!strcmp(h, "-")) {
		out[0] = '\0';
		return out;
	}
	for (i = 0; i + 1 < n; i += 2) {
		unsigned v;

		if (sscanf(h + i, "%2x", &v) != 1)
			exit(2);
		out[i / 2] = (char)v;
	}
	out[n / 2] = '\0';
	return out;
}

static void read_pyval(struct rg_pyval *v, char *kind, char *rest)
{
	char *save = NULL, *tok;
	const char **items = NULL;
	size_t n = 0, i, count = 1;

	if (!strcmp(kind, "none")) {
		v->kind = RG_PYVAL_NONE;
	} else if (!strcmp(kind, "str")) {
		v->kind = RG_PYVAL_STR;
		v->str = unhex(rest ? rest : "-");
	} else {
		v->kind = RG_PYVAL_TUPLE;
		for (i = 0; rest && rest[i]; i++)
			count += rest[i] == ' ';
		items = keep(malloc(count * sizeof(*items)));
		for (tok = rest ? strtok_r(rest, " ", &save) : NULL; tok; tok = strtok_r(NULL, " ", &save))
			items[n++] = unhex(tok);
		v->items = items;
		v->n = n;
	}
}

int main(int argc, char **argv)
{
	struct rg_mako_vars vars;
	struct rg_str out = RG_STR_INIT;
	char line[65536];
	char *text;
	long size;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: mako_render TEMPLATE < vars\n");
		return 2;
	}
	memset(&vars, 0, sizeof(vars));
	vars.get_main_option = get_option;
	while (fgets(line, sizeof(line), stdin)) {
		char *save = NULL, *name, *kind, *rest;

		line[strcspn(line, "\n")] = '\0';
		name = strtok_r(line, " ", &save);
		if (!name)
			continue;
		if (!strcmp(name, "noconfig")) {
			vars.get_main_option = NULL;
			continue;
		}
		kind = strtok_r(NULL, " ", &save);
		rest = strtok_r(NULL, "", &save);
		if (!kind)
			return 2;
		if (!strcmp(name, "option")) {
			if (n_options == 64)
				return 2;
			options[n_options].name = keep(strdup(kind));
			options[n_options++].value = unhex(rest ? rest : "-");
		} else if (!strcmp(name, "down_revision")) {
			read_pyval(&vars.down_revision, kind, rest);
		} else if (!strcmp(name, "branch_labels")) {
			read_pyval(&vars.branch_labels, kind, rest);
		} else if (!strcmp(name, "depends_on")) {
			read_pyval(&vars.depends_on, kind, rest);
		} else {
			const char *v = unhex(rest ? rest : "-");

			if (!strcmp(name, "up_revision"))
				vars.up_revision = v;
			else if (!strcmp(name, "message"))
				vars.message = v;
			else if (!strcmp(name, "create_date"))
				vars.create_date = v;
			else if (!strcmp(name, "imports"))
				vars.imports = v;
			else if (!strcmp(name, "upgrades"))
				vars.upgrades = v;
			else if (!strcmp(name, "downgrades"))
				vars.downgrades = v;
			else
				return 2;
		}
	}
	f = fopen(argv[1], "rb");
	if (!f) {
		perror(argv[1]);
		return 2;
	}
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	text = keep(malloc((size_t)size + 1));
	if (fread(text, 1, (size_t)size, f) != (size_t)size)
		return 2;
	fclose(f);
	if (rg_mako_render(argv[1], text, (size_t)size, &vars, &out)) {
		fprintf(stderr, "%s\n", rg_error_last());
		free_all();
		return 1;
	}
	fwrite(out.buf, 1, out.len, stdout);
	rg_str_release(&out);
	free_all();
	return 0;
}
