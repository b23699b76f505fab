#!/usr/bin/env python3
"""Generate a synthetic, branchy Alembic-style project for the revgraph benchmarks.

One revision graph (deterministic from --seed) is written twice:

  OUT/py/    alembic.ini, migrations/{env.py,script.py.mako,versions/*.py}
             each .py file byte-for-byte what `alembic revision` / `alembic merge`
             (1.8.1, generic template) writes for that revision;
  OUT/yaml/  the same project with revgraph's native versions/*.yaml files.

Shape of the graph (all sizes):
  * a trunk ("main") with several long-lived unlabeled lanes that fork from the
    trunk tip, grow for a while and merge back (some 3-way merges), then fork
    again later; a lane sometimes forks from another lane instead of the trunk;
  * three labeled lines that never merge: `lib` (a second root),
    `networking` (forked from the trunk early) and `reporting` (forked late);
  * about 1.5% of revisions carry one `depends_on` (a full id on another line,
    sometimes the label `lib`);
  * at the end every open lane is merged, so the heads are the trunk plus the
    three labeled lines (some of them may be effective heads).

Choices that keep Alembic 1.8.1's own output deterministic (its output otherwise
depends on PYTHONHASHSEED): every revision ends up with at most one branch label,
and at most one depends_on entry.

Standard library only; any Python 3.7+.
"""

import argparse
import datetime
import os
import random
import re
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "conformance"))
import alembic_files  # noqa: E402  (the slug and alembic.ini texts tests use too)

GENERATOR_VERSION = "1"

# ---------------------------------------------------------------------------
# Verbatim texts of Alembic 1.8.1's "generic" template.

SCRIPT_PY_MAKO = '''"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}

"""
from alembic import op
import sqlalchemy as sa
${imports if imports else ""}

# revision identifiers, used by Alembic.
revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    ${downgrades if downgrades else "pass"}
'''

ALEMBIC_INI = '''# A generic, single database configuration.

[alembic]
# path to migration scripts
script_location = migrations

# template used to generate migration file names; The default value is %%(rev)s_%%(slug)s
# Uncomment the line below if you want the files to be prepended with date and time
# see https://alembic.sqlalchemy.org/en/latest/tutorial.html#editing-the-ini-file
# for all available tokens
# file_template = %%(year)d_%%(month).2d_%%(day).2d_%%(hour).2d%%(minute).2d-%%(rev)s_%%(slug)s

# sys.path path, will be prepended to sys.path if present.
# defaults to the current working directory.
prepend_sys_path = .

# timezone to use when rendering the date within the migration file
# as well as the filename.
# If specified, requires the python-dateutil library that can be
# installed by adding `alembic[tz]` to the pip requirements
# string value is passed to dateutil.tz.gettz()
# leave blank for localtime
# timezone =

# max length of characters to apply to the
# "slug" field
# truncate_slug_length = 40

# set to 'true' to run the environment during
# the 'revision' command, regardless of autogenerate
# revision_environment = false

# set to 'true' to allow .pyc and .pyo files without
# a source .py file to be detected as revisions in the
# versions/ directory
# sourceless = false

# version location specification; This defaults
# to migrations/versions.  When using multiple version
# directories, initial revisions must be specified with --version-path.
# The path separator used here should be the separator specified by "version_path_separator" below.
# version_locations = %(here)s/bar:%(here)s/bat:migrations/versions

# version path separator; As mentioned above, this is the character used to split
# version_locations. The default within new alembic.ini files is "os", which uses os.pathsep.
# If this key is omitted entirely, it falls back to the legacy behavior of splitting on spaces and/or commas.
# Valid values for version_path_separator are:
#
# version_path_separator = :
# version_path_separator = ;
# version_path_separator = space
version_path_separator = os  # Use os.pathsep. Default configuration used for new projects.

# the output encoding used when revision files
# are written from script.py.mako
# output_encoding = utf-8

sqlalchemy.url = sqlite:///bench.db


[post_write_hooks]
# post_write_hooks defines scripts or Python functions that are run
# on newly generated revision scripts.  See the documentation for further
# detail and examples

# format using "black" - use the console_scripts runner, against the "black" entrypoint
# hooks = black
# black.type = console_scripts
# black.entrypoint = black
# black.options = -l 79 REVISION_SCRIPT_FILENAME

# Logging configuration
''' + alembic_files.LOGGING_INI

# A minimal env.py: `heads`, `branches` and `history` never run it, but it lets
# `upgrade` (online or --sql) work on the generated project.
ENV_PY = '''"""Minimal Alembic environment for the generated benchmark project."""
from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config

if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"),
                      literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = engine_from_config(config.get_section(config.config_ini_section),
                                prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
'''

PY_REVISION = '''"""{message}

Revision ID: {rev}
Revises: {revises}
Create Date: {create_date}

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = {rev_repr}
down_revision = {down_repr}
branch_labels = {labels_repr}
depends_on = {deps_repr}


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
'''

# ---------------------------------------------------------------------------
# Vocabulary for messages (ASCII words only: safe as YAML plain scalars).

TABLES = ("account", "address", "invoice", "invoice_line", "product", "price",
          "cart", "cart_item", "order", "shipment", "warehouse", "stock",
          "customer", "supplier", "payment", "refund", "coupon", "audit_log",
          "session", "device", "ip_block", "route", "report", "report_run",
          "tenant", "role", "permission", "api_key", "webhook", "event")
COLUMNS = ("name", "email", "status", "note", "amount", "currency", "code",
           "created_at", "updated_at", "deleted_at", "owner_id", "parent_id",
           "external_ref", "flags", "priority", "weight", "score", "locale")
TYPES = ("integer", "text", "string(50)", "boolean", "numeric(12, 2)",
         "timestamp")


class Rev:
    __slots__ = ("rev", "down", "labels", "deps", "message", "create_date",
                 "kind", "table", "column", "ctype")

    def __init__(self, rev, down, message, create_date):
        self.rev = rev
        self.down = down          # list of parent ids (0, 1 or more)
        self.labels = []          # declared branch labels
        self.deps = []            # raw depends_on values (ids or labels)
        self.message = message
        self.create_date = create_date
        self.kind = None
        self.table = self.column = self.ctype = None


class Generator:
    def __init__(self, n, seed, lanes, mean_lane_len):
        self.n = n
        self.rng = random.Random(seed)
        self.n_lanes = lanes
        self.mean_lane_len = mean_lane_len
        self.revs = []
        self.ids = set()
        self.date = datetime.datetime(2015, 1, 5, 9, 0, 0)
        self.counter = 0
        # revision ids per line: "main" (trunk and lanes), "lib", "net", "rep"
        self.members = {"main": [], "lib": [], "net": [], "rep": []}

    # -- helpers ------------------------------------------------------------

    def new_id(self):
        while True:
            rid = "%012x" % self.rng.getrandbits(48)
            if rid not in self.ids:
                self.ids.add(rid)
                return rid

    def next_date(self):
        self.date += datetime.timedelta(seconds=self.rng.randint(30, 6 * 3600))
        return self.date.replace(microsecond=self.rng.randint(0, 999999))

    def add(self, down, message=None, kind=None, line="main"):
        rng = self.rng
        self.counter += 1
        r = Rev(self.new_id(), list(down), None, self.next_date())
        if message is None:
            r.table = rng.choice(TABLES)
            r.column = "%s_%d" % (rng.choice(COLUMNS), self.counter)
            r.ctype = rng.choice(TYPES)
            r.kind = kind or rng.choice(("add_column", "add_column", "create_table",
                                         "create_index", "sql"))
            if r.kind == "create_table":
                r.table = "%s_%d" % (r.table, self.counter)
                message = "create %s table" % r.table
            elif r.kind == "add_column":
                message = "add %s to %s" % (r.column, r.table)
            elif r.kind == "create_index":
                message = "add index on %s %s" % (r.table, r.column)
            else:
                message = "backfill %s %s" % (r.table, r.column)
        else:
            r.kind = "none"
        r.message = message
        self.revs.append(r)
        self.members[line].append(r.rev)
        return r

    # -- the graph ----------------------------------------------------------

    def generate(self):
        rng, n = self.rng, self.n
        k = self.n_lanes
        # positions (revision counts) where the labeled lines start
        lib_at = max(3, n // 50)
        net_at = max(6, n // 20)
        rep_at = max(9, (n * 2) // 5)
        # share of revisions each labeled line gets once started (~2% of n each)
        p_lib = 0.02 * n / max(1, n - lib_at)
        p_net = 0.02 * n / max(1, n - net_at)
        p_rep = 0.02 * n / max(1, n - rep_at)

        trunk = self.add([], "initial schema")
        main = trunk.rev
        lanes = {}       # lane number -> tip id (open lanes only)
        dormant = {i: rng.randint(0, 3 * self.mean_lane_len) for i in range(k)}
        lib = net = rep = None
        reserve = k      # room for the final merges of open lanes

        while len(self.revs) < n - reserve:
            count = len(self.revs)
            if lib is None and count >= lib_at:
                r = self.add([], "create lib base", line="lib")
                r.labels = ["lib"]
                lib = r.rev
                continue
            if net is None and count >= net_at:
                r = self.add([main], "create networking branch", line="net")
                r.labels = ["networking"]
                net = r.rev
                continue
            if rep is None and count >= rep_at:
                r = self.add([main], "create reporting branch", line="rep")
                r.labels = ["reporting"]
                rep = r.rev
                continue

            x = rng.random()
            if lib is not None and x < p_lib:
                lib = self.add([lib], line="lib").rev
                continue
            x -= p_lib
            if net is not None and x < p_net:
                r = self.add([net], line="net")
                if rng.random() < 0.08:          # networking needs trunk tables
                    r.deps = [self.pick_dep_target()]
                net = r.rev
                continue
            x -= p_net
            if rep is not None and x < p_rep:
                r = self.add([rep], line="rep")
                if rng.random() < 0.10:
                    r.deps = [self.pick_dep_target()]
                rep = r.rev
                continue

            # lane life cycle: wake dormant lanes (fork), merge lanes that ran long
            for i in list(dormant):
                dormant[i] -= 1
                if dormant[i] <= 0 and len(self.revs) < n - reserve:
                    del dormant[i]
                    if lanes and rng.random() < 0.15:
                        parent = lanes[rng.choice(sorted(lanes))]  # sub-branch
                    else:
                        parent = main
                    lanes[i] = self.add([parent]).rev
            if lanes and rng.random() < 1.0 / self.mean_lane_len:
                # merge one lane (sometimes two) back into the trunk
                open_ = sorted(lanes)
                picked = [rng.choice(open_)]
                if len(open_) > 1 and rng.random() < 0.12:
                    picked.append(rng.choice([i for i in open_ if i != picked[0]]))
                down = [main] + [lanes[i] for i in picked]
                main = self.add(down, "merge %s into main" % " and ".join(
                    "lane%d" % i for i in picked)).rev
                for i in picked:
                    del lanes[i]
                    dormant[i] = rng.randint(1, 2 * self.mean_lane_len)
                continue

            # ordinary growth: trunk or one of the open lanes
            if not lanes or rng.random() < 0.25:
                r = self.add([main])
                main = r.rev
            else:
                i = rng.choice(sorted(lanes))
                r = self.add([lanes[i]])
                lanes[i] = r.rev
            if rng.random() < 0.012:
                if lib is not None and rng.random() < 0.5:
                    # a full id on lib, or (rarely) the label itself
                    r.deps = ["lib" if rng.random() < 0.2 else self.pick_line_rev("lib")]
                elif net is not None or rep is not None:
                    r.deps = [self.pick_line_rev(rng.choice(
                        [x for x, v in (("net", net), ("rep", rep)) if v]))]

        # close every open lane, one merge at a time, oldest lane first
        for i in sorted(lanes):
            main = self.add([main, lanes[i]], "merge lane%d into main" % i).rev
        while len(self.revs) < n:
            main = self.add([main]).rev
        return self.revs

    # depends_on targets ------------------------------------------------------

    def pick_line_rev(self, line):
        """A random earlier revision of a labeled line ("lib", "net", "rep")."""
        return self.rng.choice(self.members[line])

    def pick_dep_target(self):
        """A random earlier revision on the trunk or a lane."""
        return self.rng.choice(self.members["main"])


# ---------------------------------------------------------------------------
# Writers

def py_text(r):
    if not r.down:
        down_repr, revises = "None", ""
    elif len(r.down) == 1:
        down_repr, revises = repr(r.down[0]), r.down[0]
    else:
        down_repr, revises = repr(tuple(r.down)), ", ".join(r.down)
    labels_repr = repr(tuple(r.labels)) if r.labels else "None"
    if not r.deps:
        deps_repr = "None"
    elif len(r.deps) == 1:
        deps_repr = repr(r.deps[0])
    else:
        deps_repr = repr(list(r.deps))
    return PY_REVISION.format(message=r.message, rev=r.rev, revises=revises,
                              create_date=str(r.create_date),
                              rev_repr=repr(r.rev), down_repr=down_repr,
                              labels_repr=labels_repr, deps_repr=deps_repr)


# YAML 1.1/1.2 plain scalars that would not load as strings
_YAML_NONSTR = re.compile(r"^(?:[0-9]+|[0-9]+[eE][0-9]+|[0-9]*\.[0-9]*(?:[eE][-+]?[0-9]+)?"
                          r"|0x[0-9a-fA-F]+|0o[0-7]+|[0-9_]+|[0-9]+(?:_[0-9]+)*"
                          r"|null|true|false|yes|no|on|off|y|n|~)$", re.I)


def yq(s):
    """A YAML scalar for s: plain when it loads back as the same string."""
    return "'%s'" % s if _YAML_NONSTR.match(s) else s


def yaml_text(r):
    out = ["revision: %s" % yq(r.rev)]
    if not r.down:
        out.append("down_revision: null")
    elif len(r.down) == 1:
        out.append("down_revision: %s" % yq(r.down[0]))
    else:
        out.append("down_revision: [%s]" % ", ".join(yq(d) for d in r.down))
    if r.labels:
        out.append("branch_labels: [%s]" % ", ".join(r.labels))
    if r.deps:
        out.append("depends_on: [%s]" % ", ".join(yq(d) for d in r.deps))
    out.append("message: %s" % r.message)
    out.append("create_date: %s" % r.create_date)
    if r.kind == "create_table":
        out += ["upgrade:",
                "  - create_table:",
                "      name: %s" % r.table,
                "      columns:",
                "        - {name: id, type: integer, primary_key: true}",
                "        - {name: %s, type: %s, nullable: true}" % (r.column, r.ctype),
                "downgrade:",
                "  - drop_table: %s" % r.table]
    elif r.kind == "add_column":
        out += ["upgrade:",
                "  - sql: ALTER TABLE %s ADD COLUMN %s %s" % (r.table, r.column,
                                                          r.ctype.upper()),
                "downgrade:",
                "  - sql: ALTER TABLE %s DROP COLUMN %s" % (r.table, r.column)]
    elif r.kind == "create_index":
        out += ["upgrade:",
                "  - sql: CREATE INDEX ix_%s_%s ON %s (%s)" % (r.table, r.column,
                                                          r.table, r.column),
                "downgrade:",
                "  - sql: DROP INDEX ix_%s_%s" % (r.table, r.column)]
    elif r.kind == "sql":
        out += ["upgrade: UPDATE %s SET %s = NULL WHERE %s IS NULL" % (
                    r.table, r.column, r.column),
                "downgrade: []"]
    else:
        out += ["upgrade: []", "downgrade: []"]
    return "\n".join(out) + "\n"


def write_project(root, revs, form):
    if os.path.exists(root):
        shutil.rmtree(root)
    versions = os.path.join(root, "migrations", "versions")
    os.makedirs(versions)
    files = {"alembic.ini": ALEMBIC_INI,
             "migrations/env.py": ENV_PY,
             "migrations/script.py.mako": SCRIPT_PY_MAKO}
    for name, text in files.items():
        with open(os.path.join(root, name), "w", newline="\n") as f:
            f.write(text)
    ext, render = (".py", py_text) if form == "py" else (".yaml", yaml_text)
    for r in revs:
        name = "%s_%s%s" % (r.rev, alembic_files.slug(r.message), ext)
        with open(os.path.join(versions, name), "w", newline="\n") as f:
            f.write(render(r))


def summary(revs):
    children = {}
    dependents = {}
    for r in revs:
        for d in r.down:
            children[d] = children.get(d, 0) + 1
        for d in r.deps:
            dependents[d] = dependents.get(d, 0) + 1
    heads = [r.rev for r in revs if r.rev not in children]
    return {
        "revisions": len(revs),
        "versioned_heads": len(heads),
        "bases": sum(1 for r in revs if not r.down),
        "mergepoints": sum(1 for r in revs if len(r.down) > 1),
        "branchpoints": sum(1 for v in children.values() if v > 1),
        "with_depends_on": sum(1 for r in revs if r.deps),
        "branch_labels": sum(len(r.labels) for r in revs),
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", "--revisions", type=int, required=True)
    ap.add_argument("-o", "--out", required=True,
                    help="output directory (py/ and yaml/ are created inside)")
    ap.add_argument("--seed", type=int, default=20261122)
    ap.add_argument("--lanes", type=int, default=6,
                    help="long-lived unlabeled parallel branches (default 6)")
    ap.add_argument("--mean-lane-length", type=int, default=30,
                    help="mean revisions between merges of a lane (default 30)")
    ap.add_argument("--forms", default="py,yaml", help="py, yaml or py,yaml")
    args = ap.parse_args(argv)
    if args.revisions < 20:
        ap.error("--revisions must be at least 20")

    revs = Generator(args.revisions, args.seed, args.lanes,
                     args.mean_lane_length).generate()
    assert len(revs) == args.revisions
    for form in args.forms.split(","):
        write_project(os.path.join(args.out, form), revs, form)
    s = summary(revs)
    s.update(seed=args.seed, generator=GENERATOR_VERSION)
    with open(os.path.join(args.out, "graph.txt"), "w") as f:
        for k, v in s.items():
            f.write("%s: %s\n" % (k, v))
    print(" ".join("%s=%s" % kv for kv in s.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
