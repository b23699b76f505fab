/*
 * The user's text editor (editor.h): found as Alembic's util/editor.py
 * finds it, run with fork/execvp as Python's subprocess.check_call runs it,
 * and failing with the texts Alembic shows.
 */
#include "editor.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc.h"
#include "fsutil.h"
#include "pyrepr.h"
#include "revgraph/str.h"
#include "banned.h"

static const char *const default_editors[] = { "sensible-editor", "editor", "nano", "vi" };

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Split `s` on blanks (no quoting); an all-blank `s` gives no words. */
static int split_words(struct rg_strlist *out, const char *s)
{
	int err = 0;

	while (*s && !err) {
		const char *b;

		while (is_blank(*s))
			s++;
		if (!*s)
			break;
		for (b = s; *s && !is_blank(*s); s++)
			;
		err = rg_strlist_push_owned(out, rg_strndup(b, (size_t)(s - b)));
	}
	return err;
}

/*
 * `name` (no '/') looked up in each entry of `path` (an empty entry is the
 * working directory): *out is the first executable regular file, newly
 * allocated, or NULL.  0 or RG_ENOMEM.
 */
static int find_on_path(char **out, const char *name, const char *path)
{
	const char *p = path ? path : "";

	*out = NULL;
	for (;;) {
		const char *colon = strchr(p, ':');
		size_t n = colon ? (size_t)(colon - p) : strlen(p);
		char *dir = rg_strndup(p, n), *full;
		struct stat st;

		if (!dir)
			return RG_ENOMEM;
		full = rg_fs_join(dir, name);
		free(dir);
		if (!full)
			return RG_ENOMEM;
		if (!stat(full, &st) && S_ISREG(st.st_mode) && !access(full, X_OK)) {
			*out = full;
			return 0;
		}
		free(full);
		if (!colon)
			return 0;
		p = colon + 1;
	}
}

/* One of $EDITOR/$VISUAL: *found set when it names an editor. */
static int try_variable(struct rg_strlist *argv, bool *found, const char *value, const char *path)
{
	struct rg_strlist words = RG_STRLIST_INIT;
	char *cmd = NULL;
	size_t i;
	int err = 0;

	*found = false;
	if (!value || !*value)
		return 0;
	/* Alembic: a value naming an existing file is the editor */
	if (rg_fs_exists(value)) {
		*found = true;
		return rg_strlist_push(argv, value);
	}
	if ((err = split_words(&words, value)) || !words.n)
		goto out;
	if (strchr(words.items[0], '/')) {
		if (!rg_fs_exists(words.items[0]))
			goto out;
		if (!(cmd = rg_strdup(words.items[0]))) {
			err = RG_ENOMEM;
			goto out;
		}
	} else if ((err = find_on_path(&cmd, words.items[0], path)) || !cmd) {
		goto out;
	}
	if ((err = rg_strlist_push_owned(argv, cmd)))
		goto out;
	for (i = 1; i < words.n; i++)
		if ((err = rg_strlist_push(argv, words.items[i])))
			goto out;
	*found = true;
out:
	rg_strlist_release(&words);
	return err;
}

int rg_editor_find(struct rg_strlist *argv, const char *editor, const char *visual, const char *path)
{
	const char *vars[2] = { editor, visual };
	size_t i;
	int err = 0;

	rg_strlist_release(argv);
	for (i = 0; i < 2; i++) {
		bool found;

		if ((err = try_variable(argv, &found, vars[i], path)))
			goto fail;
		if (found)
			return 0;
	}
	for (i = 0; i < sizeof(default_editors) / sizeof(default_editors[0]); i++) {
		char *cmd;

		if ((err = find_on_path(&cmd, default_editors[i], path)))
			goto fail;
		if (cmd)
			return rg_strlist_push_owned(argv, cmd);
	}
	return rg_error_set(RG_ENOTFOUND, "No suitable editor found. Please set the \"EDITOR\" or "
			    "\"VISUAL\" environment variables");
fail:
	rg_strlist_release(argv);
	return err;
}

/* Python's name of a signal (signal.Signals), or NULL */
static const char *signal_name(int sig)
{
	static const struct {
		int sig;
		const char *name;
	} names[] = {
		{ SIGHUP, "SIGHUP" }, { SIGINT, "SIGINT" }, { SIGQUIT, "SIGQUIT" },
		{ SIGILL, "SIGILL" }, { SIGTRAP, "SIGTRAP" }, { SIGABRT, "SIGABRT" },
		{ SIGBUS, "SIGBUS" }, { SIGFPE, "SIGFPE" }, { SIGKILL, "SIGKILL" },
		{ SIGUSR1, "SIGUSR1" }, { SIGSEGV, "SIGSEGV" }, { SIGUSR2, "SIGUSR2" },
		{ SIGPIPE, "SIGPIPE" }, { SIGALRM, "SIGALRM" }, { SIGTERM, "SIGTERM" },
		{ SIGCHLD, "SIGCHLD" }, { SIGCONT, "SIGCONT" }, { SIGSTOP, "SIGSTOP" },
		{ SIGTSTP, "SIGTSTP" }, { SIGTTIN, "SIGTTIN" }, { SIGTTOU, "SIGTTOU" },
		{ SIGURG, "SIGURG" }, { SIGXCPU, "SIGXCPU" }, { SIGXFSZ, "SIGXFSZ" },
		{ SIGVTALRM, "SIGVTALRM" }, { SIGPROF, "SIGPROF" }, { SIGSYS, "SIGSYS" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].sig == sig)
			return names[i].name;
	return NULL;
}

/* Python's str() of a list of str: ['a', 'b'] */
static void add_list_repr(struct rg_str *out, char *const *args)
{
	size_t i;

	rg_str_addch(out, '[');
	for (i = 0; args[i]; i++) {
		if (i)
			rg_str_adds(out, ", ");
		rg_py_repr_add(out, args[i]);
	}
	rg_str_addch(out, ']');
}

static int set_cloexec(int fd)
{
	int flags = fcntl(fd, F_GETFD);

	return flags < 0 ? -1 : fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

int rg_editor_run(const struct rg_strlist *argv, const char *file)
{
	struct sigaction ignore, old_int, old_quit;
	struct rg_str msg = RG_STR_INIT;
	char **args = NULL;
	int pipefd[2] = { -1, -1 }, status = 0, exec_errno = 0, err = 0;
	bool signals_set = false;
	pid_t pid;
	ssize_t got;
	size_t i;

	if (!(args = rg_calloc(argv->n + 2, sizeof(*args))))
		return RG_ENOMEM;
	for (i = 0; i < argv->n; i++)
		args[i] = argv->items[i];
	args[argv->n] = (char *)file;
	/* the child reports a failed exec through a pipe closed by a good one */
	if (pipe(pipefd) || set_cloexec(pipefd[0]) || set_cloexec(pipefd[1])) {
		err = rg_error_set(RG_EIO, "[Errno %d] %s", errno, strerror(errno));
		goto out;
	}
	memset(&ignore, 0, sizeof(ignore));
	ignore.sa_handler = SIG_IGN;
	sigemptyset(&ignore.sa_mask);
	sigaction(SIGINT, &ignore, &old_int);
	sigaction(SIGQUIT, &ignore, &old_quit);
	signals_set = true;
	pid = fork();
	if (pid < 0) {
		err = rg_error_set(RG_EIO, "[Errno %d] %s", errno, strerror(errno));
		goto out;
	}
	if (pid == 0) {
		int e;

		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGQUIT, &old_quit, NULL);
		close(pipefd[0]);
		execvp(args[0], args);
		e = errno;
		while (write(pipefd[1], &e, sizeof(e)) < 0 && errno == EINTR)
			;
		_exit(127);
	}
	close(pipefd[1]);
	pipefd[1] = -1;
	do
		got = read(pipefd[0], &exec_errno, sizeof(exec_errno));
	while (got < 0 && errno == EINTR);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			err = rg_error_set(RG_EIO, "[Errno %d] %s", errno, strerror(errno));
			goto out;
		}
	}
	if (got == (ssize_t)sizeof(exec_errno)) {
		rg_str_addf(&msg, "[Errno %d] %s: ", exec_errno, strerror(exec_errno));
		rg_py_repr_add(&msg, args[0]);
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		goto out;
	} else {
		rg_str_adds(&msg, "Command '");
		add_list_repr(&msg, args);
		if (WIFSIGNALED(status) && signal_name(WTERMSIG(status)))
			rg_str_addf(&msg, "' died with <Signals.%s: %d>.", signal_name(WTERMSIG(status)),
				    WTERMSIG(status));
		else if (WIFSIGNALED(status))
			rg_str_addf(&msg, "' died with unknown signal %d.", WTERMSIG(status));
		else
			rg_str_addf(&msg, "' returned non-zero exit status %d.", WEXITSTATUS(status));
	}
	err = rg_str_check(&msg);
	if (!err)
		err = rg_error_set(RG_EIO, "%s", msg.buf);
out:
	if (signals_set) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGQUIT, &old_quit, NULL);
	}
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	rg_str_release(&msg);
	free(args);
	return err;
}

int rg_editor_open(const char *file, const char *editor, const char *visual, const char *path)
{
	struct rg_strlist argv = RG_STRLIST_INIT;
	char *reason = NULL;
	int err;

	err = rg_editor_find(&argv, editor, visual, path);
	if (!err)
		err = rg_editor_run(&argv, file);
	rg_strlist_release(&argv);
	if (!err || err == RG_ENOMEM)
		return err;
	if (!(reason = rg_strdup(rg_error_last())))
		return RG_ENOMEM;
	rg_error_set(err, "Error executing editor (%s)", reason);
	free(reason);
	return err;
}
