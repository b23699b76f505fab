#!/usr/bin/python3
"""Side-by-side test of revgraph's migration commands against Alembic 1.8.1.

For each of --graphs random revision graphs (graphgen.py: branches, 2- and
3-way merges, several roots, branch labels, depends_on on ids and labels;
made "migration safe" by graphgen.make_migration_safe, see below) the test
writes twin projects with the same revision ids:

* an Alembic project (``alembic/``): env.py passes ``version_table``,
  ``version_table_schema`` and ``transaction_per_migration`` from the ini
  section to ``context.configure``; each ``versions/<id>_<slug>.py`` runs
  ``op.execute("INSERT INTO trail (rev, dir) VALUES ('<id>', 'up')")`` (and
  'down' in downgrade());
* a revgraph project (``revgraph/``) with ``versions/<id>_<slug>.yaml``
  files whose ``upgrade:``/``downgrade:`` are the same INSERT strings, and
  the same ini keys.

Then it runs, with Alembic in-process (alembic_sorted.run: os.listdir
sorted) and revgraph as a subprocess:

1. online sequences on SQLite (and on PostgreSQL when a server is reachable
   through the PG* environment): 10-20 random commands (upgrade/downgrade/
   stamp to full ids, prefixes, heads, head, base, labels, label@head,
   +N/-N, rev+N, rev-N, label@-N, several stamp targets, stamp --purge,
   plus current -v, history -i, show current, ensure_version) on twin
   databases, comparing after each command: the exit status, stdout, the
   alembic.* log lines on stderr, the rows appended to ``trail``, the
   version table (as a set) and ``current`` (as a set of lines);
2. ``--sql`` commands for SQLite and PostgreSQL URLs (upgrade [A:]B,
   downgrade A:B, stamp [A:]B..., ensure_version), output compared byte for
   byte; where Alembic's choice of which row to UPDATE and which to DELETE
   (or INSERT) is Python-set order, each step's version-table statements are
   compared by kind counts and net effect instead;
3. interop: Alembic and revgraph take turns on ONE database (SQLite, and
   PostgreSQL when available), checked after every command against a
   reference database that only Alembic touches, and both tools' ``current``
   must agree.

When Alembic crashes with a traceback (exit 1) the case is counted as
"alembic crashed" and not compared; revgraph must then exit 0 or print a
``FAILED:`` line and exit 255, and the Alembic twin is re-synchronised to
revgraph's version table.

Usage::

    /usr/bin/python3 tests/conformance/test_migrate_conformance.py \\
        --revgraph build/revgraph --source . [--seed S] [--graphs N] [--quick]
        [--only I ...] [--keep DIR] [--jobs J] [--trace]
    /usr/bin/python3 tests/conformance/test_migrate_conformance.py --self-test

(tests/conformance/README.md has the details.)

PostgreSQL: set the PG* variables (``pg_virtualenv -- ...`` does);
RG_REQUIRE_PG=1 turns "no server" into a failure.  The seed is printed
first; the last line is ``N passed, M failed``; exit status 0 iff nothing
failed.
"""

import argparse
import collections
import difflib
import json
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback
from urllib.parse import quote

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import alembic_files  # noqa: E402
import alembic_sorted  # noqa: E402  (patches os.listdir, loads alembic)
import graphgen  # noqa: E402
from normalize import normalize  # noqa: E402
import runner  # noqa: E402

REVGRAPH_TIMEOUT = 60
MAX_REPORTED = 8
SELF_TEST = [False]  # set by --self-test: Alembic also stands in for revgraph
# what stands in for revgraph under --self-test: Alembic in another process
# (another PYTHONHASHSEED), with the same forced dependency order
SELF_TEST_SCRIPT = """#!/usr/bin/python3
import json, os, sys
sys.path.insert(0, %r)
import alembic_sorted
order = json.loads(os.environ.get("RG_SELFTEST_DEP_ORDER") or "{}")
res = alembic_sorted.run(sys.argv[1:], cwd=os.getcwd(), dep_order=order or None)
sys.stdout.write(res.stdout)
sys.stderr.write(res.stderr)
sys.exit(res.status)
"""
DUMMY_PG_URL = "postgresql://rg:secret@localhost/rgtest"

# ---------------------------------------------------------------------------
# projects
# ---------------------------------------------------------------------------

ENV_PY = '''\
from logging.config import fileConfig

from sqlalchemy import engine_from_config
from sqlalchemy import pool

from alembic import context

config = context.config

if config.config_file_name is not None:
    fileConfig(config.config_file_name)

target_metadata = None


def version_options():
    """version_table, version_table_schema and transaction_per_migration
    from the ini section (the keys revgraph reads)."""
    opts = {}
    table = config.get_main_option("version_table")
    if table:
        opts["version_table"] = table
    schema = config.get_main_option("version_table_schema")
    if schema:
        opts["version_table_schema"] = schema
    per = config.get_main_option("transaction_per_migration")
    if per is not None and per.strip():
        opts["transaction_per_migration"] = per.strip().lower() in (
            "true", "yes", "on", "1")
    return opts


def run_migrations_offline() -> None:
    url = config.get_main_option("sqlalchemy.url")
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        **version_options()
    )

    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = engine_from_config(
        config.get_section(config.config_ini_section),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )

    with connectable.connect() as connection:
        context.configure(
            connection=connection, target_metadata=target_metadata,
            **version_options()
        )

        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
'''

PY_REVISION = '''\
"""{doc}"""
from alembic import op


# revision identifiers, used by Alembic.
revision = {rev!r}
down_revision = {down}
branch_labels = {labels}
depends_on = {deps}


def upgrade():
    op.execute("{up}")


def downgrade():
    op.execute("{down_sql}")
'''

UNKNOWN_ROW = "ffffeeee0000"
VERSION_TABLES = ["alembic_version"] * 6 + ["rg_version", "schema_versions",
                                            "Version_Tbl", "order"]


def trail_insert(rid, direction):
    return "INSERT INTO trail (rev, dir) VALUES ('%s', '%s')" % (rid, direction)


class Spec(object):
    """One random graph and the options of its twin projects."""

    def __init__(self, seed, index, quick):
        rng = random.Random("migrate-conformance:%s:%s" % (seed, index))
        n = rng.randint(5, 12 if quick else 22)
        g = graphgen.generate(seed, "migrate-%d" % index, n)
        graphgen.add_dependencies(g, rng, 0.25)
        graphgen.make_migration_safe(g)
        for r in g.revs:
            r.message = graphgen.plain_message(r.message, r.id)
            r.filename = "%s_%s" % (r.id, alembic_files.slug(r.message))
        self.g = g
        self.index = index
        self.seed = seed
        self.version_table = rng.choice(VERSION_TABLES)
        self.pg_schema = "rg_schema" if rng.random() < 0.25 else None
        self.sqlite_schema = "main" if rng.random() < 0.1 else None
        self.per_migration = rng.choice([None, None, "true", "false"])
        self.rng = rng

    def describe(self):
        lines = ["graph %d: %d revisions, version_table=%s%s%s%s" % (
            self.index, len(self.g.revs), self.version_table,
            ", pg schema=%s" % self.pg_schema if self.pg_schema else "",
            ", sqlite schema=%s" % self.sqlite_schema if self.sqlite_schema else "",
            ", transaction_per_migration=%s" % self.per_migration
            if self.per_migration else "")]
        for r in self.g.revs:
            lines.append("  %s <- %s%s%s" % (
                r.id, ", ".join(r.down) or "<base>",
                "  depends_on=%s" % ",".join(r.deps) if r.deps else "",
                "  labels=%s" % ",".join(r.labels) if r.labels else ""))
        return "\n".join(lines)


def ini_text(spec, url, schema):
    lines = ["[alembic]",
             "script_location = %(here)s/migrations",
             "prepend_sys_path = .",
             "sqlalchemy.url = %s" % re.sub(r"%(?!\(here\)s)", "%%", url)]
    if spec.version_table != "alembic_version":
        lines.append("version_table = %s" % spec.version_table)
    if schema:
        lines.append("version_table_schema = %s" % schema)
    if spec.per_migration:
        lines.append("transaction_per_migration = %s" % spec.per_migration)
    return "\n".join(lines) + "\n\n" + alembic_files.LOGGING_INI


def write_twins(spec, root, self_test=False):
    """Write alembic/ and revgraph/ under root; return (a_dir, r_dir).
    self_test: the revgraph twin is a copy of the Alembic one (for running
    Alembic in its place, see --self-test)."""
    a_dir = os.path.join(root, "alembic")
    r_dir = os.path.join(root, "revgraph")
    for d in (a_dir, r_dir):
        os.makedirs(os.path.join(d, "migrations", "versions"), exist_ok=True)
    for d in (a_dir, r_dir) if self_test else (a_dir,):
        with open(os.path.join(d, "migrations", "env.py"), "w") as f:
            f.write(ENV_PY)
    for r in spec.g.revs:
        text = PY_REVISION.format(
            doc=r.message, rev=r.id,
            down=("None" if not r.down else repr(r.down[0]) if len(r.down) == 1
                  else repr(tuple(r.down))),
            labels=repr(tuple(r.labels)) if r.labels else "None",
            deps=repr(list(r.deps)) if r.deps else "None",
            up=trail_insert(r.id, "up"), down_sql=trail_insert(r.id, "down"))
        for d in (a_dir, r_dir) if self_test else (a_dir,):
            with open(os.path.join(d, "migrations", "versions", r.filename + ".py"),
                      "w", encoding="utf-8") as f:
                f.write(text)
        if self_test:
            continue
        js = json.dumps
        lines = ["revision: %s" % js(r.id)]
        if not r.down:
            lines.append("down_revision: null")
        elif len(r.down) == 1:
            lines.append("down_revision: %s" % js(r.down[0]))
        else:
            lines.append("down_revision: [%s]" % ", ".join(js(x) for x in r.down))
        lines.append("branch_labels: [%s]" % ", ".join(js(x) for x in r.labels))
        lines.append("depends_on: [%s]" % ", ".join(js(x) for x in r.deps))
        lines.append("message: %s" % js(r.message))
        lines.append("create_date: %s" % r.create_date)
        lines.append("upgrade: %s" % js(trail_insert(r.id, "up")))
        lines.append("downgrade: %s" % js(trail_insert(r.id, "down")))
        with open(os.path.join(r_dir, "migrations", "versions", r.filename + ".yaml"),
                  "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
    return a_dir, r_dir


def write_ini(spec, proj, name, url, schema=None):
    path = os.path.join(proj, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(ini_text(spec, url, schema))
    return path


# ---------------------------------------------------------------------------
# databases
# ---------------------------------------------------------------------------

def qident(name):
    return '"%s"' % name.replace('"', '""')


class SqliteDB(object):
    dialect = "sqlite"

    def __init__(self, path):
        self.path = path
        self.name = path
        self.conn = None

    def url(self):
        return "sqlite:///" + self.path

    def _c(self):
        if self.conn is None:
            self.conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        return self.conn

    def setup(self, schema=None):
        # schema: only "main" is used with SQLite (it always exists)
        self._c().execute("CREATE TABLE trail (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
                          "rev VARCHAR(32), dir VARCHAR(8))")

    def _table(self, table, schema):
        return (qident(schema) + "." if schema else "") + qident(table)

    def exists(self, table, schema):
        cur = self._c().execute(
            "SELECT count(*) FROM %ssqlite_master WHERE type = 'table' AND name = ?"
            % (qident(schema) + "." if schema else ""), (table,))
        return cur.fetchone()[0] > 0

    def rows(self, table, schema=None):
        """The version table's rows in SELECT order, or None if it is missing."""
        if not self.exists(table, schema):
            return None
        return [r[0] for r in self._c().execute(
            "SELECT version_num FROM %s" % self._table(table, schema))]

    def trail(self, after):
        return [tuple(r) for r in self._c().execute(
            "SELECT seq, rev, dir FROM trail WHERE seq > ? ORDER BY seq", (after,))]

    def set_rows(self, table, schema, rows):
        c = self._c()
        t = self._table(table, schema)
        if rows is None:
            c.execute("DROP TABLE IF EXISTS %s" % t)
            return
        c.execute("CREATE TABLE IF NOT EXISTS %s (version_num VARCHAR(32) NOT NULL, "
                  "CONSTRAINT %s PRIMARY KEY (version_num))" % (t, qident(table + "_pkc")))
        c.execute("DELETE FROM %s" % t)
        for r in rows:
            c.execute("INSERT INTO %s (version_num) VALUES (?)" % t, (r,))

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def drop(self):
        self.close()


class PgServer(object):
    """The server the PG* environment variables point at."""

    def __init__(self):
        self.user = os.environ.get("PGUSER") or os.environ.get("USER") or "postgres"
        self.password = os.environ.get("PGPASSWORD") or ""
        self.host = os.environ.get("PGHOST") or ""
        self.port = os.environ.get("PGPORT") or ""
        self.database = os.environ.get("PGDATABASE") or self.user

    def connect(self, dbname=None):
        import psycopg2
        conn = psycopg2.connect(dbname=dbname or self.database, connect_timeout=5)
        conn.autocommit = True
        return conn

    def probe(self):
        """None if reachable, else the reason."""
        try:
            __import__("psycopg2")
        except ImportError as e:
            return "psycopg2 is not importable: %s" % e
        try:
            c = self.connect()
            c.cursor().execute("SELECT 1")
            c.close()
            return None
        except Exception as e:  # noqa: BLE001
            return str(e).strip().splitlines()[0] if str(e).strip() else repr(e)

    def url(self, dbname):
        auth = quote(self.user, safe="")
        if self.password:
            auth += ":" + quote(self.password, safe="")
        if not self.host or self.host.startswith("/"):
            query = []
            if self.host:
                query.append("host=" + self.host)
            if self.port:
                query.append("port=" + self.port)
            return "postgresql://%s@/%s%s" % (auth, dbname,
                                               "?" + "&".join(query) if query else "")
        host = self.host
        if ":" in host:
            host = "[%s]" % host
        return "postgresql://%s@%s%s/%s" % (auth, host, ":" + self.port if self.port else "",
                                            dbname)


_pg_counter = [0]


class PgDB(object):
    dialect = "postgresql"

    def __init__(self, server, tag):
        _pg_counter[0] += 1
        self.server = server
        self.name = "rgmig_%d_%d_%s" % (os.getpid(), _pg_counter[0], tag)
        admin = server.connect()
        try:
            cur = admin.cursor()
            cur.execute("DROP DATABASE IF EXISTS %s" % self.name)
            try:
                # a file copy of the (tiny) template: much less WAL than
                # PostgreSQL 15's default WAL_LOG strategy
                cur.execute("CREATE DATABASE %s STRATEGY = FILE_COPY" % self.name)
            except Exception:  # noqa: BLE001  (PostgreSQL < 15)
                cur.execute("CREATE DATABASE %s" % self.name)
            # no WAL flush per commit: the run has many small transactions
            cur.execute("ALTER DATABASE %s SET synchronous_commit TO off" % self.name)
        finally:
            admin.close()
        self.conn = server.connect(self.name)

    def url(self):
        return self.server.url(self.name)

    def setup(self, schema=None):
        cur = self.conn.cursor()
        cur.execute("CREATE TABLE trail (seq SERIAL PRIMARY KEY, rev VARCHAR(32), "
                    "dir VARCHAR(8))")
        if schema:
            cur.execute("CREATE SCHEMA %s" % qident(schema))

    def _table(self, table, schema):
        return (qident(schema) + "." if schema else "") + qident(table)

    def exists(self, table, schema):
        cur = self.conn.cursor()
        cur.execute("SELECT to_regclass(%s)", (self._table(table, schema),))
        return cur.fetchone()[0] is not None

    def rows(self, table, schema=None):
        if not self.exists(table, schema):
            return None
        cur = self.conn.cursor()
        cur.execute("SELECT version_num FROM %s" % self._table(table, schema))
        return [r[0] for r in cur.fetchall()]

    def trail(self, after):
        cur = self.conn.cursor()
        cur.execute("SELECT seq, rev, dir FROM trail WHERE seq > %s ORDER BY seq", (after,))
        return [tuple(r) for r in cur.fetchall()]

    def set_rows(self, table, schema, rows):
        cur = self.conn.cursor()
        t = self._table(table, schema)
        if rows is None:
            cur.execute("DROP TABLE IF EXISTS %s" % t)
            return
        cur.execute("CREATE TABLE IF NOT EXISTS %s (version_num VARCHAR(32) NOT NULL, "
                    "CONSTRAINT %s PRIMARY KEY (version_num))" % (t, qident(table + "_pkc")))
        cur.execute("DELETE FROM %s" % t)
        for r in rows:
            cur.execute("INSERT INTO %s (version_num) VALUES (%%s)" % t, (r,))

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def drop(self):
        self.close()
        try:
            admin = self.server.connect()
            try:
                admin.cursor().execute("DROP DATABASE IF EXISTS %s" % self.name)
            finally:
                admin.close()
        except Exception:  # noqa: BLE001  (best effort; the cluster is throwaway)
            pass


# ---------------------------------------------------------------------------
# running the tools
# ---------------------------------------------------------------------------

class Run(object):
    __slots__ = ("tool", "argv", "status", "stdout", "stderr")

    def __init__(self, tool, argv, status, stdout, stderr):
        self.tool = tool
        self.argv = argv
        self.status = status
        self.stdout = stdout
        self.stderr = stderr


class Tools(object):
    def __init__(self, binary, dep_order=None):
        self.binary = binary
        self.dep_order = dep_order

    def alembic(self, proj, ini, argv):
        res = alembic_sorted.run(["-c", ini] + list(argv), cwd=proj, dep_order=self.dep_order)
        return Run("alembic", argv, res.status, res.stdout, res.stderr)

    def revgraph(self, proj, ini, argv):
        env = None
        if SELF_TEST[0]:
            env = dict(os.environ)
            env["PYTHONHASHSEED"] = str(random.randrange(1, 2 ** 32 - 1))
            env["RG_SELFTEST_DEP_ORDER"] = json.dumps(self.dep_order or {})
        try:
            p = subprocess.run([self.binary, "-c", ini] + list(argv), cwd=proj,
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=REVGRAPH_TIMEOUT, env=env)
        except subprocess.TimeoutExpired as e:
            return Run("revgraph", argv, None, (e.stdout or b"").decode("utf-8", "replace"),
                       "TIMEOUT after %ss" % REVGRAPH_TIMEOUT)
        return Run("revgraph", argv, p.returncode, p.stdout.decode("utf-8", "replace"),
                   p.stderr.decode("utf-8", "replace"))

    def run(self, tool, proj, ini, argv):
        return (self.alembic if tool == "alembic" else self.revgraph)(proj, ini, argv)


def dependency_order(g, multi_deps):
    """Force Alembic's hash-ordered normalized dependencies into the order
    revgraph uses (the declared order), see alembic_sorted.run(dep_order=)."""
    order = {}
    for rid, deps in multi_deps.items():
        declared = g.by_id[rid].dep_targets if rid in g.by_id else []
        order[rid] = tuple(sorted(deps, key=lambda d: (declared.index(d) if d in declared
                                                       else len(declared), d)))
    return order


# ---------------------------------------------------------------------------
# output normalization and comparison
# ---------------------------------------------------------------------------

_LOG = re.compile(r"^(INFO|WARNI|WARN|ERROR|DEBUG|CRITI) *\[(alembic[^\]]*)\] (.*)$")
_PYWARN = re.compile(r"(?:^|: |\] )(UserWarning): (.*)$")


_OVERLAP = "overlaps with other requested revisions "


def log_lines(stderr):
    """alembic.* log lines (level, logger, message) and Python UserWarnings."""
    out = []
    for line in stderr.splitlines():
        m = _LOG.match(line)
        if m:
            msg = m.group(3)
            if _OVERLAP in msg:  # a set of revisions (see normalize.py)
                head, _, items = msg.partition(_OVERLAP)
                msg = head + _OVERLAP + ", ".join(sorted(items.split(", ")))
            out.append("%s [%s] %s" % (m.group(1), m.group(2), msg))
            continue
        m = _PYWARN.search(line)
        if m and ("py.warnings" in line or line.startswith("/")):
            out.append("warning: %s: %s" % (m.group(1), m.group(2)))
    return out


_PATH_EXT = re.compile(r"^(Path: .*)\.(py|yaml)$", re.M)


def clean_stdout(text, subs):
    for old, new in subs:
        if old:
            text = text.replace(old, new)
    return _PATH_EXT.sub(r"\1.<ext>", text)


def entries_sorted(text):
    """Verbose entries ("Rev: ..." blocks) as a sorted list (set order in Alembic)."""
    blocks = re.split(r"(?m)^(?=Rev: )", text)
    head = blocks[0] if blocks and not blocks[0].startswith("Rev: ") else ""
    rest = [b for b in blocks if b.startswith("Rev: ")]
    return head + "".join(sorted(rest))


def last_line(text):
    lines = [l for l in text.strip().splitlines() if l.strip()]
    return lines[-1] if lines else ""


def has_failed_line(stdout):
    return any(l.startswith("FAILED: ") for l in stdout.splitlines())


def udiff(a_text, r_text, a_name="alembic", r_name="revgraph", limit=60):
    a = a_text.splitlines(True)
    b = r_text.splitlines(True)
    d = list(difflib.unified_diff(a, b, a_name, r_name, n=2))
    if len(d) > limit:
        d = d[:limit] + ["... (%d more diff lines)\n" % (len(d) - limit)]
    return "".join(x if x.endswith("\n") else x + "\n" for x in d)


def lines_text(lines):
    return "".join(l + "\n" for l in lines)


def fmt_rows(rows):
    if rows is None:
        return "(no version table)"
    return "{%s}" % ", ".join(sorted(rows))


def fmt_trail(tr):
    return "".join("%s %s\n" % (rev, d) for _seq, rev, d in tr) or "(nothing)\n"


# --- offline output ------------------------------------------------------

_STEP = re.compile(r"(?m)^(?=-- Running )")
_V_INSERT = re.compile(r"^INSERT INTO (\S+) \(version_num\) VALUES \('([^']*)'\)"
                       r"(?: RETURNING \S+)?;$")
_V_UPDATE = re.compile(r"^UPDATE (\S+) SET version_num='([^']*)' WHERE \S+ = '([^']*)';$")
_V_DELETE = re.compile(r"^DELETE FROM (\S+) WHERE \S+\.version_num = '([^']*)';$")


def offline_canonical(text):
    """Each step (split at "-- Running" comments) as: its other statements in
    order, the kinds of its version-table statements (counted) and their net
    effect (rows removed, rows added).  Alembic picks which row to UPDATE and
    which to DELETE/INSERT in Python-set order when other rows exist."""
    steps = []
    for block in _STEP.split(text):
        stmts = [s.strip() for s in block.split("\n\n") if s.strip()]
        other = []
        kinds = collections.Counter()
        net = collections.Counter()
        for s in stmts:
            m = _V_INSERT.match(s)
            if m:
                kinds["INSERT " + m.group(1)] += 1
                net[m.group(2)] += 1
                continue
            m = _V_UPDATE.match(s)
            if m:
                kinds["UPDATE " + m.group(1)] += 1
                net[m.group(2)] += 1
                net[m.group(3)] -= 1
                continue
            m = _V_DELETE.match(s)
            if m:
                kinds["DELETE " + m.group(1)] += 1
                net[m.group(2)] -= 1
                continue
            other.append(s)
        steps.append((other, sorted(kinds.items()),
                      sorted((k, v) for k, v in net.items() if v)))
    return steps


# ---------------------------------------------------------------------------
# outcomes
# ---------------------------------------------------------------------------

class Outcome(object):
    __slots__ = ("ok", "kind", "where", "command", "details", "crash", "context", "sig")

    def __init__(self, ok, kind, where, command, details="", crash=None, context="", sig=None):
        self.sig = sig if sig is not None else (kind,)  # what the difference looks like
        self.ok = ok
        self.kind = kind          # failure kind (for grouping)
        self.where = where
        self.command = command
        self.details = details
        self.crash = crash        # traceback summary when Alembic crashed
        self.context = context


def crash_summary(stderr, verb="", r=None):
    line = re.sub(r"'[0-9a-f]{4,12}'", "'ID'", last_line(stderr))[:120]
    if r is not None:
        line += "; revgraph %s" % ("FAILED: (exit 255)" if r.status == 255 else
                                   "exit %s" % r.status)
    return ("%s: %s" % (verb, line)) if verb else line


def command_shape(argv, g):
    ids = set(g.ids())
    labels = set(g.all_labels())

    def tok(t):
        parts = re.split(r"([@:+-])", t)
        out = []
        for p in parts:
            if p in labels:
                out.append("LABEL")
            elif p in ids:
                out.append("ID")
            elif p and re.match(r"^[0-9a-f]{4,}$", p) and any(i.startswith(p) for i in ids):
                out.append("PREFIX")
            elif p.isdigit():
                out.append("N")
            else:
                out.append(p)
        return "".join(out)
    return " ".join(tok(a) for a in argv)


# ---------------------------------------------------------------------------
# random commands
# ---------------------------------------------------------------------------

class Chooser(object):
    def __init__(self, g, rng):
        self.g = g
        self.rng = rng
        self.ids = g.ids()
        self.labels = g.all_labels()

    def _pick(self, options):
        options = [(w, f) for w, f in options if w > 0]
        total = sum(w for w, _ in options)
        x = self.rng.uniform(0, total)
        for w, f in options:
            x -= w
            if x <= 0:
                return f()
        return options[-1][1]()

    def _id(self):
        return self.rng.choice(self.ids)

    def _prefix(self, rid=None):
        rid = rid or self._id()
        return rid[:self.rng.randint(4, min(8, len(rid)))]

    def _label(self):
        return self.rng.choice(self.labels)

    def _applied(self, rows):
        out = set()
        for r in rows or []:
            out |= self.g.ancestors(r, deps=True)
        return sorted(out)

    def _unrelated(self, k):
        """k revisions, none an ancestor (with dependencies) of another."""
        picked = []
        for rid in self.rng.sample(self.ids, len(self.ids)):
            if all(rid not in self.g.ancestors(p, deps=True) and
                   p not in self.g.ancestors(rid, deps=True) for p in picked):
                picked.append(rid)
            if len(picked) == k:
                break
        return picked

    def upgrade(self, rows):
        rng = self.rng
        has_l = bool(self.labels)
        row_or_id = lambda: rng.choice(rows) if rows and rng.random() < 0.6 else self._id()  # noqa: E731
        return ["upgrade", self._pick([
            (30, self._id),
            (8, lambda: "heads"),
            (3, lambda: "head"),
            (6, self._prefix),
            (3 * has_l, self._label),
            (4 * has_l, lambda: self._label() + "@head"),
            (1 * has_l, lambda: self._label() + "@heads"),
            (2, lambda: self._id() + "@head"),
            (6, lambda: "+%d" % rng.randint(1, 3)),
            (2 * has_l, lambda: "%s@+1" % self._label()),
            (5, lambda: "%s+%d" % (row_or_id(), rng.randint(1, 2))),
            (2, lambda: "%s-1" % self._id()),
            (1, lambda: "head-1"),
            (1, lambda: "base"),
            (1, lambda: "-1"),
            (1, lambda: "0123abcd4567"),
        ])]

    def downgrade(self, rows, minus_ok):
        rng = self.rng
        has_l = bool(self.labels)
        applied = self._applied(rows)
        return ["downgrade", self._pick([
            (25 * bool(applied), lambda: rng.choice(applied)),
            (6, self._id),
            (5, lambda: "base"),
            (8 * minus_ok, lambda: "-%d" % rng.randint(1, 2)),
            (3 * has_l, lambda: self._label() + "@-1"),
            (3 * has_l, lambda: self._label() + "@base"),
            (1, lambda: self._id() + "@base"),
            (3, lambda: "%s-%d" % (rng.choice(rows) if rows else self._id(), rng.randint(1, 2))),
            (1, lambda: "%s+1" % self._id()),
            (3 * bool(applied), lambda: self._prefix(rng.choice(applied))),
            (1, lambda: "head"),
            (1, lambda: "+1"),
        ])]

    def stamp(self, rows):
        rng = self.rng
        has_l = bool(self.labels)

        def several():
            k = rng.randint(2, 3)
            if rng.random() < 0.8:
                return self._unrelated(k)
            return rng.sample(self.ids, min(k, len(self.ids)))
        return ["stamp"] + self._pick([
            (8, lambda: [self._id()]),
            (4, several),
            (2, lambda: ["heads"]),
            (2, lambda: ["base"]),
            (2, lambda: ["--purge", self._id()]),
            (1, lambda: ["--purge"] + several()),
            (1 * has_l, lambda: [self._label() + "@head"]),
            (1, lambda: ["-1"]),
            (1, lambda: ["head"]),
            (1, lambda: [self._prefix()]),
            (1, lambda: [self._id(), "base"]),
            (1, lambda: [self._id()] * 2),
        ])

    def readonly(self):
        return self._pick([
            (2, lambda: ["current", "-v"]),
            (2, lambda: ["history", "-i"]),
            (2, lambda: ["show", "current"]),
            (1, lambda: ["ensure_version"]),
        ])

    def command(self, rows, minus_ok=True, step=0):
        if any(r not in self.g.by_id for r in rows):
            if self.rng.random() < 0.5:
                return ["stamp", "--purge"] + self._unrelated(self.rng.randint(1, 2))
            rows = [r for r in rows if r in self.g.by_id]
        if step == 0 and self.rng.random() < 0.7:
            return self.upgrade(rows)
        return self._pick([
            (45, lambda: self.upgrade(rows)),
            (28, lambda: self.downgrade(rows, minus_ok)),
            (17, lambda: self.stamp(rows)),
            (10, self.readonly),
        ])

    # --- offline -------------------------------------------------------
    def offline_commands(self, quick):
        rng = self.rng
        g = self.g
        ids = self.ids
        cmds = [["upgrade", "--sql", "heads"], ["ensure_version", "--sql"]]

        def anc_pair():
            y = rng.choice(ids)
            anc = sorted(g.ancestors(y, deps=True) - {y})
            return (rng.choice(anc), y) if anc else (None, y)

        n = 2 if quick else 4
        for _ in range(n):
            cmds.append(["upgrade", "--sql", rng.choice(ids)])
            a, b = anc_pair()
            if a:
                cmds.append(["upgrade", "--sql", "%s:%s" % (a, b)])
                cmds.append(["downgrade", "--sql", "%s:%s" % (b, a)])
            cmds.append(["downgrade", "--sql", "%s:base" % rng.choice(ids)])
            cmds.append(["stamp", "--sql", rng.choice(ids)])
        cmds += [
            ["upgrade", "--sql", "%s:%s" % (rng.choice(ids), rng.choice(ids))],
            ["upgrade", "--sql", "%s:heads" % rng.choice(ids)],
            ["upgrade", "--sql", "%s:+1" % rng.choice(ids)],
            ["upgrade", "--sql", "base:%s" % rng.choice(ids)],
            ["downgrade", "--sql", "%s:-1" % rng.choice(ids)],
            ["downgrade", "--sql", "%s:%s" % (rng.choice(ids), rng.choice(ids))],
            ["downgrade", "--sql", "heads:base"],
            ["downgrade", "--sql", rng.choice(ids)],
            ["stamp", "--sql", "%s:%s" % anc_pair()[::-1]] if False else
            ["stamp", "--sql", "%s:%s" % (rng.choice(ids), rng.choice(ids))],
            ["stamp", "--sql", "%s:base" % rng.choice(ids)],
            ["stamp", "--sql", "heads"],
            ["stamp", "--sql", "--purge", rng.choice(ids)],
        ]
        a, b, c = rng.choice(ids), rng.choice(ids), rng.choice(ids)
        cmds.append(["stamp", "--sql", "%s:%s" % (a, b), "%s:%s" % (a, c)])
        cmds.append(["stamp", "--sql", "%s:%s" % (a, b), "base:%s" % c])
        cmds.append(["stamp", "--sql"] + self._unrelated(2))
        if self.labels:
            lab = self._label()
            cmds.append(["upgrade", "--sql", lab + "@head"])
            cmds.append(["downgrade", "--sql", "%s:%s@base" % (rng.choice(ids), lab)])
            cmds.append(["stamp", "--sql", lab + "@head"])
        return cmds


# ---------------------------------------------------------------------------
# the checks
# ---------------------------------------------------------------------------

class Side(object):
    """One database as one tool sees it: project dir, ini, db and the trail
    position already compared."""

    def __init__(self, tool, proj, ini, db, subs):
        self.tool = tool
        self.proj = proj
        self.ini = ini
        self.db = db
        self.subs = subs
        self.seq = 0

    def new_trail(self):
        tr = self.db.trail(self.seq)
        if tr:
            self.seq = tr[-1][0]
        return tr


class Ctx(object):
    def __init__(self, spec, tools, where):
        self.spec = spec
        self.tools = tools
        self.where = where
        self.outcomes = []
        self.history = []
        self.trace = []
        self.notes = collections.Counter()

    def table(self):
        return self.spec.version_table


def compare_stdout(a, r, a_subs, r_subs, labels, argv):
    ao = normalize(clean_stdout(a.stdout, a_subs), labels)
    ro = normalize(clean_stdout(r.stdout, r_subs), labels)
    if argv and argv[0] in ("current", "show"):
        ao, ro = entries_sorted(ao), entries_sorted(ro)
    return ao, ro


def check_command(ctx, argv, a, r, a_side, r_side, schema):
    """Compare one command run by both; return (problems, crashed)."""
    probs = []
    labels = set(ctx.spec.g.all_labels())
    if r.status is None or r.status < 0:
        probs.append(("revgraph did not complete", "status %r\n%s" % (r.status, r.stderr[-2000:])))
        return probs, False
    if a.status == 1:
        if r.status == 0 or (r.status == 255 and has_failed_line(r.stdout)) or \
                (SELF_TEST[0] and r.status == 1):
            return probs, True
        probs.append(("alembic crashed; revgraph must exit 0 or print FAILED: and exit 255",
                      "revgraph exit %s\nstdout:\n%sstderr:\n%s" % (
                          r.status, r.stdout, r.stderr[-1500:])))
        return probs, True
    if a.status != r.status:
        probs.append(("exit status", "alembic %s, revgraph %s\n%s" % (
            a.status, r.status,
            udiff(a.stdout + a.stderr[-1500:] if a.status else a.stdout,
                  r.stdout + r.stderr[-1500:] if r.status else r.stdout))))
    ao, ro = compare_stdout(a, r, a_side.subs if a_side else (), r_side.subs if r_side else (),
                            labels, argv)
    if ao != ro:
        probs.append(("stdout", udiff(ao, ro)))
    al, rl = log_lines(a.stderr), log_lines(r.stderr)
    if al != rl:
        probs.append(("log lines", udiff(lines_text(al), lines_text(rl))))
    return probs, False


def compare_state(ctx, a_side, r_side, schema, failed=False):
    """Trail appended since the last check and the version table.

    ``failed``: both tools failed the command.  Alembic creates a missing
    version table before it plans, so a command that then fails leaves an
    empty table behind (SQLite, or PostgreSQL without the outer
    transaction); revgraph leaves a failed command's database exactly as it
    was.  That difference is accepted (and counted)."""
    probs = []
    at, rt = a_side.new_trail(), r_side.new_trail()
    if [x[1:] for x in at] != [x[1:] for x in rt]:
        probs.append(("trail", udiff(fmt_trail(at), fmt_trail(rt))))
    ar = a_side.db.rows(ctx.table(), schema)
    rr = r_side.db.rows(ctx.table(), schema)
    if sorted(ar or []) != sorted(rr or []):
        probs.append(("version table", "%s %s\n%s %s\n" % (
            a_side.tool, fmt_rows(ar), r_side.tool, fmt_rows(rr))))
    elif failed and ar == [] and rr is None:
        ctx.notes["failed command: Alembic left an empty version table, revgraph none"] += 1
        a_side.db.set_rows(ctx.table(), schema, None)  # go on from the same state
    elif (ar is None) != (rr is None):
        probs.append(("version table existence", "%s %s\n%s %s\n" % (
            a_side.tool, fmt_rows(ar), r_side.tool, fmt_rows(rr))))
    return probs


def compare_current(ctx, a_side, r_side):
    a = ctx.tools.run(a_side.tool, a_side.proj, a_side.ini, ["current"])
    r = ctx.tools.run(r_side.tool, r_side.proj, r_side.ini, ["current"])
    if a.status == 1 or r.status == 1:
        if a.status == 1 and r.status in (0, 255):
            return []
    al = sorted(a.stdout.splitlines())
    rl = sorted(r.stdout.splitlines())
    if a.status != r.status or al != rl:
        return [("current (as a set of lines)", "%s exit %s, %s exit %s\n%s" % (
            a_side.tool, a.status, r_side.tool, r.status,
            udiff("\n".join(al) + "\n", "\n".join(rl) + "\n", a_side.tool + " current",
                  r_side.tool + " current")))]
    return []


VERBS = ("upgrade", "downgrade", "stamp", "current", "history", "show", "ensure_version")


def signature(probs, g):
    """What a failure looks like with ids, labels and docs taken out: the
    facets and their changed lines.  Failures are grouped by it."""
    labels = sorted(g.all_labels(), key=len, reverse=True)
    out = []
    for name, body in probs:
        lines = [l for l in body.splitlines()
                 if l[:1] in "+-" and not l.startswith(("+++", "---", "-- "))]
        norm = set()
        for l in lines or body.splitlines()[:3]:
            l = re.sub(r"(Running [^,]*), .*$", r"\1", l)
            l = re.sub(r"\b[0-9a-f]{4,12}\b", "ID", l)
            for lab in labels:
                l = re.sub(r"\b%s\b" % re.escape(lab), "LABEL", l)
            l = re.sub(r"\{(ID|LABEL)(, (ID|LABEL))*\}", "{...}", l)
            norm.add(l)
        out.append((name,) + tuple(sorted(norm)[:8]))
    return tuple(out)


def record(ctx, argv, probs, crash=None, state="", runs=(), after=None):
    g = ctx.spec.g
    cmd = " ".join(argv)
    ctx.history.append(cmd)
    ctx.trace.append("  [%s] %s -> %s%s%s" % (
        ctx.where.split(", ", 1)[-1], cmd,
        "/".join("%s %s" % (x.tool, x.status) for x in runs),
        "; rows %s" % fmt_rows(after) if runs and after is not False else "",
        "; ALEMBIC CRASHED (%s)" % crash if crash else "; MISMATCH" if probs else ""))
    if crash is not None and not probs:
        ctx.outcomes.append(Outcome(True, "alembic crashed", ctx.where, cmd, crash=crash))
        return
    if not probs:
        ctx.outcomes.append(Outcome(True, "", ctx.where, cmd))
        return
    part = re.sub(r" sequence( \d+)?", "", ctx.where.split(", ", 1)[-1])
    verb = next((a for a in argv if a in VERBS), argv[-1] if argv else "")
    kind = "%s | %s | %s" % (part, verb, ", ".join(p[0] for p in probs))
    details = "".join("-- %s:\n%s" % (name, body if body.endswith("\n") else body + "\n")
                      for name, body in probs)
    context = "shape: %s" % command_shape(argv, g)
    if state:
        context += "\nversion table before: %s" % state
    if len(ctx.history) > 1:
        context += "\ncommands before (same database): %s" % "; ".join(ctx.history[:-1])
    ctx.outcomes.append(Outcome(False, kind, ctx.where, cmd, details, crash, context,
                                signature(probs, g)))


# ---------------------------------------------------------------------------
# the parts
# ---------------------------------------------------------------------------

def online_sequence(ctx, dbs, a_dir, r_dir, schema, rng, ncmds, name):
    """Twin databases: the same random commands on both."""
    a_db, r_db = dbs
    spec = ctx.spec
    table = spec.version_table
    a_ini = write_ini(spec, a_dir, name + ".ini", a_db.url(), schema)
    r_ini = write_ini(spec, r_dir, name + ".ini", r_db.url(), schema)
    a_side = Side("alembic", a_dir, a_ini, a_db, [(a_db.name, "<DB>"), (a_dir, "<PROJECT>")])
    r_side = Side("revgraph", r_dir, r_ini, r_db, [(r_db.name, "<DB>"), (r_dir, "<PROJECT>")])
    for db in dbs:
        db.setup(schema)
    chooser = Chooser(spec.g, rng)
    ctx.history = []
    for step in range(ncmds):
        if step and rng.random() < 0.04:
            # a row no revision file declares: every command must fail alike
            # until stamp --purge
            for db in dbs:
                rows = [x for x in db.rows(table, schema) or [] if x != UNKNOWN_ROW]
                db.set_rows(table, schema, rows + [UNKNOWN_ROW])
            ctx.history.append("(harness: INSERT '%s' into both version tables)" % UNKNOWN_ROW)
            ctx.trace.append("  [%s] harness: INSERT '%s' into both version tables" % (
                ctx.where.split(", ", 1)[-1], UNKNOWN_ROW))
            continue
        rows = a_db.rows(table, schema) or []
        r_rows = r_db.rows(table, schema) or []
        same_order = rows == r_rows
        argv = chooser.command(sorted(rows), len(rows) <= 1 or same_order, step)
        a = ctx.tools.alembic(a_dir, a_ini, argv)
        r = ctx.tools.revgraph(r_dir, r_ini, argv)
        probs, crashed = check_command(ctx, argv, a, r, a_side, r_side, schema)
        if crashed:
            # not compared: bring the Alembic twin to revgraph's state
            a_db.set_rows(table, schema, r_db.rows(table, schema))
            a_side.new_trail()
            r_side.new_trail()
        else:
            probs += compare_state(ctx, a_side, r_side, schema,
                                   failed=a.status != 0 and r.status != 0)
        probs += compare_current(ctx, a_side, r_side)
        state = fmt_rows(rows)
        if not same_order:
            state += " (SELECT order: alembic twin %s, revgraph twin %s)" % (
                ", ".join(rows), ", ".join(r_rows))
        record(ctx, ["-c", name + ".ini"] + argv, probs,
               crash_summary(a.stderr, argv[0], r) if crashed else None,
               state, (a, r), r_db.rows(table, schema))
        if probs:
            # go on from Alembic's state
            r_db.set_rows(table, schema, a_db.rows(table, schema))
        canonical_order(table, schema, a_db, r_db)


def canonical_order(table, schema, *dbs):
    """Rewrite each version table with its rows in sorted order.  Alembic's
    set-ordered choice of which row to UPDATE leaves the twins' rows in
    different physical orders, and the order a SELECT returns them in shows
    (`downgrade -1` walks from the first row; stamp steps and overlap errors
    follow it): with the same order on both sides those stay comparable, and
    a seed replays the same commands."""
    for db in dbs:
        rows = db.rows(table, schema)
        if rows is not None and rows != sorted(rows):
            db.set_rows(table, schema, sorted(rows))


def offline_part(ctx, a_dir, r_dir, dialect, rng, quick):
    spec = ctx.spec
    if dialect == "sqlite":
        url, schema = "sqlite:///%(here)s/offline.db", None
    else:
        url, schema = DUMMY_PG_URL, spec.pg_schema
    name = "offline-%s.ini" % dialect
    a_ini = write_ini(spec, a_dir, name, url, schema)
    r_ini = write_ini(spec, r_dir, name, url, schema)
    labels = set(spec.g.all_labels())
    for argv in Chooser(spec.g, rng).offline_commands(quick):
        a = ctx.tools.alembic(a_dir, a_ini, argv)
        r = ctx.tools.revgraph(r_dir, r_ini, argv)
        ctx.history = []
        probs = []
        crash = None
        if r.status is None or r.status < 0:
            probs.append(("revgraph did not complete", "status %r\n%s" % (r.status, r.stderr)))
        elif a.status == 1:
            crash = crash_summary(a.stderr, argv[0] + " --sql", r)
            if not (r.status == 0 or (r.status == 255 and has_failed_line(r.stdout)) or
                    (SELF_TEST[0] and r.status == 1)):
                probs.append(("alembic crashed; revgraph must exit 0 or print FAILED: and exit 255",
                              "revgraph exit %s\n%s" % (r.status, r.stdout)))
        else:
            if a.status != r.status:
                probs.append(("exit status", "alembic %s, revgraph %s\n" % (a.status, r.status)))
            ao = normalize(a.stdout, labels)
            ro = normalize(r.stdout, labels)
            if ao != ro:
                if offline_canonical(ao) != offline_canonical(ro):
                    probs.append(("--sql output", udiff(ao, ro, limit=80)))
                else:
                    ctx.notes["--sql output equal per step (kinds and net effect of the "
                              "version-table statements)"] += 1
            al, rl = log_lines(a.stderr), log_lines(r.stderr)
            if al != rl:
                probs.append(("log lines", udiff(lines_text(al), lines_text(rl))))
        record(ctx, ["-c", name] + argv, probs, crash, "", (a, r), False)


def interop_sequence(ctx, shared, ref, a_dir, r_dir, schema, rng, ncmds, name):
    """Alembic and revgraph take turns on one database; a reference database
    gets every command from Alembic alone."""
    spec = ctx.spec
    table = spec.version_table
    g = spec.g
    a_ini = write_ini(spec, a_dir, name + ".ini", shared.url(), schema)
    r_ini = write_ini(spec, r_dir, name + ".ini", shared.url(), schema)
    ref_ini = write_ini(spec, a_dir, name + "-ref.ini", ref.url(), schema)
    for db in (shared, ref):
        db.setup(schema)
    sh_a = Side("alembic", a_dir, a_ini, shared, [(shared.name, "<DB>"), (a_dir, "<PROJECT>")])
    sh_r = Side("revgraph", r_dir, r_ini, shared, [(shared.name, "<DB>"), (r_dir, "<PROJECT>")])
    ref_side = Side("alembic", a_dir, ref_ini, ref, [(ref.name, "<DB>"), (a_dir, "<PROJECT>")])
    subject = {"alembic": sh_a, "revgraph": sh_r}
    chooser = Chooser(g, rng)
    ctx.history = []

    # a fixed start: Alembic part way, revgraph continues, revgraph steps
    # back, Alembic goes up again, stamps read by the other tool
    heads = g.versioned_heads()
    mid = rng.choice(sorted(g.ancestors(rng.choice(heads)))) if heads else g.ids()[0]
    script = [("alembic", ["upgrade", mid]),
              ("revgraph", ["upgrade", "heads"]),
              ("revgraph", ["downgrade", rng.choice(g.ids())]),
              ("alembic", ["upgrade", "heads"]),
              ("alembic", ["stamp", rng.choice(g.ids())]),
              ("revgraph", ["upgrade", rng.choice(g.ids())]),
              ("revgraph", ["stamp", rng.choice(g.ids())]),
              ("alembic", ["downgrade", "base"])]
    for step in range(ncmds):
        rows = ref.rows(table, schema) or []
        same_order = rows == (shared.rows(table, schema) or [])
        if step < len(script):
            tool, argv = script[step]
        else:
            tool = rng.choice(["alembic", "revgraph"])
            argv = chooser.command(sorted(rows), len(rows) <= 1 or same_order, step)
        side = subject[tool]
        ref_run = ctx.tools.alembic(a_dir, ref_ini, argv)
        if ref_run.status == 1:
            # Alembic crashes on this command: skip it on the shared database
            ref.set_rows(table, schema, shared.rows(table, schema))
            ref_side.new_trail()
            record(ctx, ["(%s)" % tool, "-c", name + ".ini"] + argv, [],
                   crash_summary(ref_run.stderr, argv[0]) + "; not run on the shared database",
                   fmt_rows(rows), (ref_run,),
                   shared.rows(table, schema))
            continue
        run = ctx.tools.run(tool, side.proj, side.ini, argv)
        probs, crashed = check_command(ctx, argv, ref_run, run, ref_side, side, schema)
        # the shared trail is read through one Side whatever tool ran
        sh_r.seq = sh_a.seq = max(sh_a.seq, sh_r.seq)
        probs += compare_state(ctx, ref_side, sh_a, schema)
        sh_r.seq = sh_a.seq
        # both tools must read the shared database alike, and like the reference
        probs += compare_current(ctx, sh_a, sh_r)
        probs += compare_current(ctx, ref_side, sh_r)
        record(ctx, ["(%s)" % tool, "-c", name + ".ini"] + argv, probs, None, fmt_rows(rows),
               (ref_run, run), shared.rows(table, schema))
        if probs:
            shared.set_rows(table, schema, ref.rows(table, schema))
        canonical_order(table, schema, shared, ref)


# ---------------------------------------------------------------------------
# one graph
# ---------------------------------------------------------------------------

def process_graph(task):
    (index, seed, binary, workroot, keep, quick, pg_ok, interop, self_test) = task
    runner.leak_check_graph(index)
    spec = Spec(seed, index, quick)
    gdir = os.path.join(workroot, "graph-%04d" % index)
    if os.path.exists(gdir):
        shutil.rmtree(gdir)
    a_dir, r_dir = write_twins(spec, gdir, self_test)
    outcomes = []
    trace = []
    timing = collections.Counter()
    notes = collections.Counter()
    # the order of a revision's 2+ dependencies is hash order in Alembic:
    # force the declared order, which revgraph uses
    probe = alembic_sorted.run(["-c", write_ini(spec, a_dir, "probe.ini",
                                                "sqlite:///%(here)s/probe.db"), "heads"],
                               cwd=a_dir)
    if probe.status != 0:
        outcomes.append(Outcome(False, "harness: alembic cannot load the graph", "graph %d" % index,
                                "alembic heads", probe.stdout + probe.stderr[-3000:]))
        return index, outcomes, spec.describe(), trace, timing, notes
    tools = Tools(binary, dependency_order(spec.g, probe.multi_deps))
    rng = random.Random("migrate-commands:%s:%s" % (seed, index))
    ncmd = lambda: rng.randint(8, 12) if quick else rng.randint(10, 20)  # noqa: E731

    def part(where, fn):
        ctx = Ctx(spec, tools, "graph %d, %s" % (index, where))
        t0 = time.time()
        try:
            fn(ctx)
        except Exception:  # noqa: BLE001
            ctx.outcomes.append(Outcome(False, "harness error", ctx.where,
                                        "; ".join(ctx.history), traceback.format_exc()))
        outcomes.extend(ctx.outcomes)
        trace.extend(ctx.trace)
        notes.update(ctx.notes)
        timing[re.sub(r" sequence( \d+)?", "", where)] += time.time() - t0

    # 1. SQLite online twins
    for k in range(1 if quick else 2):
        def sq(ctx, k=k):
            dbs = (SqliteDB(os.path.join(a_dir, "online%d.db" % k)),
                   SqliteDB(os.path.join(r_dir, "online%d.db" % k)))
            try:
                online_sequence(ctx, dbs, a_dir, r_dir, spec.sqlite_schema, rng, ncmd(),
                                "sqlite%d" % k)
            finally:
                for db in dbs:
                    db.close()
        part("sqlite online sequence %d" % (k + 1), sq)

    # 2. offline
    for dialect in ("sqlite", "postgresql"):
        part("--sql %s" % dialect, lambda ctx, d=dialect: offline_part(ctx, a_dir, r_dir, d, rng,
                                                                     quick))

    # 3. PostgreSQL online twins
    if pg_ok:
        def pg(ctx):
            server = PgServer()
            dbs = []
            try:
                dbs = [PgDB(server, "a"), PgDB(server, "b")]
                online_sequence(ctx, dbs, a_dir, r_dir, spec.pg_schema, rng, ncmd(), "pg")
            finally:
                for db in dbs:
                    db.drop()
        part("postgresql online sequence", pg)

    # 4. interop
    if interop:
        def isq(ctx):
            dbs = (SqliteDB(os.path.join(a_dir, "shared.db")),
                   SqliteDB(os.path.join(a_dir, "reference.db")))
            # the revgraph project reaches the same file
            try:
                interop_sequence(ctx, dbs[0], dbs[1], a_dir, r_dir, None, rng, ncmd(),
                                 "interop-sqlite")
            finally:
                for db in dbs:
                    db.close()
        part("interop sqlite", isq)
        if pg_ok:
            def ipg(ctx):
                server = PgServer()
                dbs = []
                try:
                    dbs = [PgDB(server, "s"), PgDB(server, "r")]
                    interop_sequence(ctx, dbs[0], dbs[1], a_dir, r_dir, spec.pg_schema, rng,
                                     ncmd(), "interop-pg")
                finally:
                    for db in dbs:
                        db.drop()
            part("interop postgresql", ipg)

    if not keep:
        shutil.rmtree(gdir, ignore_errors=True)
    return index, outcomes, spec.describe(), trace, timing, notes


def _worker(task):
    try:
        return process_graph(task)
    except Exception:  # noqa: BLE001
        return task[0], [Outcome(False, "harness error", "graph %d" % task[0], "",
                                 traceback.format_exc())], "", [], collections.Counter(), collections.Counter()


# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------

def format_failure(seed, o, graph_desc, shown_graphs):
    lines = ["=" * 78,
             "FAIL seed=%s %s" % (seed, o.where),
             "command (alembic and revgraph): %s" % o.command,
             "reason: %s" % o.kind]
    if o.context:
        lines.append(o.context)
    lines.append(o.details.rstrip("\n"))
    gi = o.where.split(",")[0]
    if graph_desc and gi not in shown_graphs:
        shown_graphs.add(gi)
        lines.append(graph_desc)
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description="revgraph vs Alembic 1.8.1: migrations")
    ap.add_argument("--revgraph", help="revgraph binary")
    ap.add_argument("--self-test", action="store_true",
                    help="validate the harness: run Alembic (in another "
                         "process with a random PYTHONHASHSEED) in revgraph's place on a copy "
                         "of the Alembic project; must report 0 failures (slow)")
    ap.add_argument("--source", help="repository root (unused; accepted for ctest)")
    ap.add_argument("--seed", default=None, help="random seed (default: random, printed)")
    ap.add_argument("--graphs", type=int, default=None,
                    help="number of random graphs (default 24, --quick 6)")
    ap.add_argument("--quick", action="store_true", help="fewer graphs, shorter sequences")
    ap.add_argument("--only", type=int, action="append", default=None,
                    help="run only this graph index (repeatable)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--keep", metavar="DIR", help="write projects under DIR and keep them")
    ap.add_argument("--interop-every", type=int, default=3,
                    help="run the interop part on every Nth graph (default 3)")
    ap.add_argument("--trace", action="store_true",
                    help="print every graph and every command with its exit statuses")
    ap.add_argument("--max-reported", type=int, default=MAX_REPORTED)
    args = ap.parse_args(argv)
    if args.self_test:
        args.revgraph = "<alembic in another process>"
        SELF_TEST[0] = True
    elif not args.revgraph:
        ap.error("--revgraph is required (or --self-test)")

    seed = runner.pick_seed(args.seed)
    print("migrate conformance seed: %s (reproduce with --seed %s)" % (seed, seed), flush=True)
    print("alembic %s at %s; revgraph %s" % (
        alembic_sorted.ALEMBIC_VERSION, os.path.dirname(alembic_sorted.alembic.__file__),
        args.revgraph), flush=True)
    binary = os.path.abspath(args.revgraph)
    if not args.self_test and runner.missing_binary(binary):
        return 1

    pg_reason = PgServer().probe()
    pg_ok = pg_reason is None
    pg_failed = False
    if pg_ok:
        s = PgServer()
        print("postgresql: %s" % re.sub(r":[^:@/]*@", ":XXXXX@", s.url(s.database)), flush=True)
    else:
        print("NOTICE: PostgreSQL online part skipped: no server reachable through the PG* "
              "environment (%s)" % pg_reason, flush=True)
        if os.environ.get("RG_REQUIRE_PG") == "1":
            print("RG_REQUIRE_PG=1: a PostgreSQL server is required")
            pg_failed = True

    graphs = args.graphs if args.graphs is not None else (6 if args.quick else 24)
    t0 = time.time()
    tmp_root = tempfile.mkdtemp(prefix="rg-migrate-conf-")
    try:
        if args.self_test:
            binary = os.path.join(tmp_root, "alembic_selftest.py")
            with open(binary, "w") as f:
                f.write(SELF_TEST_SCRIPT % HERE)
            os.chmod(binary, 0o755)
        else:
            binary = runner.snapshot_binary(binary, tmp_root)
        workroot = runner.make_workroot(args.keep, tmp_root)
        indices = args.only if args.only else list(range(graphs))
        every = max(1, args.interop_every)
        tasks = [(i, seed, binary, workroot, bool(args.keep), args.quick, pg_ok,
                  i % every == 0, args.self_test) for i in indices]
        results = runner.run_tasks(_worker, tasks, args.jobs, t0, what="graphs", every=8,
                                   maxtasksperchild=8)
        results.sort(key=lambda r: r[0])

        passed = failed = 0
        crashes = collections.Counter()
        failures = []
        descs = {}
        per_part = collections.Counter()
        timing = collections.Counter()
        notes = collections.Counter()
        for index, outcomes, desc, trace, t, nt in results:
            timing.update(t)
            notes.update(nt)
            descs["graph %d" % index] = desc
            if args.trace:
                print(desc)
                print("\n".join(trace))
            for o in outcomes:
                part = o.where.split(", ", 1)[1] if ", " in o.where else o.where
                part = re.sub(r" sequence( \d+)?", "", part)
                per_part[part] += 1
                if o.ok:
                    passed += 1
                    if o.crash:
                        crashes[o.crash] += 1
                else:
                    failed += 1
                    failures.append(o)
        if failures:
            # one group per look of the difference (signature), the most
            # frequent first; each group's first failure is shown first
            groups = collections.OrderedDict()
            for o in failures:
                groups.setdefault(o.sig, []).append(o)
            kinds = sorted(groups.items(), key=lambda kv: -len(kv[1]))
            shown = [members[0] for _k, members in kinds]
            for o in failures:
                if o not in shown:
                    shown.append(o)
            shown_graphs = set()
            for o in shown[:args.max_reported]:
                print(format_failure(seed, o, descs.get(o.where.split(",")[0]), shown_graphs))
            print("=" * 78)
            print("failure kinds (count  facets  [where | command]  first changed line):")
            for sig, members in kinds[:40]:
                wheres = sorted(set(" | ".join(o.kind.split(" | ")[:2]) for o in members))
                first = next((x for facet in sig for x in facet[1:] if len(x.strip("+- ")) > 3),
                             "")
                print("  %5d  %s  [%s%s]  %s" % (
                    len(members), ", ".join(facet[0] for facet in sig), "; ".join(wheres[:4]),
                    "; ..." if len(wheres) > 4 else "", first[:100]))
            if len(kinds) > 40:
                print("  ... %d more kinds" % (len(kinds) - 40))
            print("reproduce one graph: %s %s %s --seed %s --only N --keep DIR --trace%s"
                  % (sys.executable, os.path.abspath(__file__),
                     "--self-test" if args.self_test else "--revgraph " + args.revgraph, seed,
                     " --quick" if args.quick else ""))
        if crashes:
            print("alembic crashed (not compared; revgraph exited 0 or printed FAILED:): %d" %
                  sum(crashes.values()))
            for c, n in crashes.most_common(12):
                print("  %5d  %s" % (n, c))
        for note, n in sorted(notes.items()):
            print("accepted after normalization: %d x %s" % (n, note))
        print("compared commands per part: %s" % ", ".join(
            "%s %d" % kv for kv in sorted(per_part.items())))
        print("time per part (summed over workers): %s" % ", ".join(
            "%s %.0fs" % kv for kv in sorted(timing.items())))
        print("time: %.1fs, %d graphs%s" % (time.time() - t0, len(indices),
                                             "" if pg_ok else " (no PostgreSQL)"))
        if args.keep:
            print("projects kept in %s" % workroot)
        if pg_failed:
            failed += 1
        print("%d passed, %d failed" % (passed, failed))
        return 0 if failed == 0 else 1
    finally:
        shutil.rmtree(tmp_root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
