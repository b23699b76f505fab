/*
 * --sql rendered ahead (migrate_int.h): every step's body split, checked
 * and framed as the offline writer frames it before the run writes
 * anything, the second half of a long plan on a second thread.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "body.h"
#include "db_impl.h"
#include "migrate_int.h"
#include "banned.h"

/* Split, check and frame the body of step `s` into `rd`'s output, as *f. */
static int render_body(struct framed *f, struct renderer *rd, const struct runner *r,
		       const struct rg_step *s)
{
	const struct rg_revision *rev = rg_revmap_node(r->map, s->rev)->rev;
	struct rg_body_reader br;
	const struct rg_body_part *part;
	size_t i;
	int err;

	f->buf = &rd->out;
	f->off = rd->out.len;
	rd->spans.n = 0;
	if ((err = rg_body_reader_open(&br, rev, s->upgrade, r->dialect)) || !br.body) {
		/* a YAML file read now is never rendered ahead (rg_migrate_bodies_renderable()) */
		if (!err && br.yaml)
			err = rg_error_set(RG_EINVALID, "%s: not a body --sql renders ahead", rev->path);
		goto out;
	}
	/* split every part first: a part that does not split is reported before a bad statement */
	while (!err && (part = rg_body_reader_next(&br)))
		if ((err = rg_sql_split_spans(&rd->spans, part->sql, strlen(part->sql), r->dialect,
					      (int)part->line)))
			err = rg_body_file_error(err, rev->path);
	for (i = 0; !err && i < rd->spans.n; i++)
		err = rg_migrate_check_statement(rev, rd->spans.items[i].text, rd->spans.items[i].len,
						  rd->spans.items[i].line, r->dialect);
	for (i = 0; !err && i < rd->spans.n; i++)
		rg_db_frame_sql(&rd->out, rd->spans.items[i].text, rd->spans.items[i].len);
	if (!err && !(err = rg_str_check(&rd->out))) {
		f->len = rd->out.len - f->off;
		f->n = rd->spans.n;
		/* a body read from its file now goes with the reader */
		if (br.body->lock_timeout && !(f->lock_timeout = rg_strdup(br.body->lock_timeout)))
			err = RG_ENOMEM;
	}
out:
	rg_body_reader_release(&br);
	return err;
}

/* Render the bodies of steps [from, to) with `rd`: 0, or the error of the first that fails. */
static int render_range(const struct runner *r, struct renderer *rd, size_t from, size_t to)
{
	size_t k;
	int err;

	for (k = from; k < to; k++)
		if (!r->plan.items[k].stamp &&
		    (err = render_body(&r->framed[k], rd, r, &r->plan.items[k])))
			return err;
	return 0;
}

/*
 * A plan this long renders its second half on a second thread: splitting,
 * checking and framing thousands of bodies is most of what a --sql run
 * does after loading, and every body is independent of the others.
 */
#define RENDER_THREAD_MIN_STEPS 1024

/* The second half: its own renderer and steps; its error copied out of its error slot. */
struct render_job {
	const struct runner *r;
	struct renderer *rd;
	size_t from, to;
	int err;
	char *msg, *detail;
};

static void *render_thread(void *arg)
{
	struct render_job *job = arg;

	job->err = render_range(job->r, job->rd, job->from, job->to);
	if (job->err && job->err != RG_ENOMEM) {
		job->msg = rg_strdup(rg_error_last());
		job->detail = rg_strdup(rg_error_detail());
	}
	rg_error_clear();	/* a long message lives on this thread's heap */
	return NULL;
}

/*
 * Whether --sql can render every body ahead: not when one is a YAML file
 * read now, whose operations may run through the SQLite rebuild engine,
 * which the run replays in order (the header cache never holds those).
 */
bool rg_migrate_bodies_renderable(const struct runner *r)
{
	size_t k;

	for (k = 0; k < r->plan.n; k++) {
		const struct rg_revision *rev;

		if (r->plan.items[k].stamp)
			continue;
		rev = rg_revmap_node(r->map, r->plan.items[k].rev)->rev;
		if (rev->kind == RG_REVFILE_YAML && !rev->bodies)
			return false;
	}
	return true;
}

/* Render every step's body; the error is that of the first step that fails, as in one pass. */
int rg_migrate_render_bodies(struct runner *r)
{
	struct render_job job;
	pthread_t thread;
	int err;

	if (r->plan.n && !(r->framed = rg_calloc(r->plan.n, sizeof(*r->framed))))
		return RG_ENOMEM;
	memset(&job, 0, sizeof(job));
	job.r = r;
	job.rd = &r->renderers[1];
	job.from = r->plan.n / 2;
	job.to = r->plan.n;
	if (r->plan.n < RENDER_THREAD_MIN_STEPS || pthread_create(&thread, NULL, render_thread, &job))
		return render_range(r, &r->renderers[0], 0, r->plan.n);
	err = render_range(r, &r->renderers[0], 0, job.from);
	pthread_join(thread, NULL);
	if (!err && job.err == RG_ENOMEM) {
		err = rg_error_set(RG_ENOMEM, "out of memory");
	} else if (!err && job.err) {
		if (!job.msg || !job.detail) {
			err = rg_error_set(RG_ENOMEM, "out of memory");
		} else {
			err = rg_error_set(job.err, "%s", job.msg);
			if (*job.detail)
				rg_error_set_detail("%s", job.detail);
		}
	}
	free(job.msg);
	free(job.detail);
	return err;
}

