#!/usr/bin/python3
"""Random Alembic projects for the revgraph conformance tests.

``generate(seed, index)`` builds a deterministic random revision graph model
(a ``Graph``): branches, 2-way and 3-way merges, several roots, branch labels
(sometimes two on one revision), ``depends_on`` on ids and on labels, and
effective heads.  ``write_project(graph, dest, template)`` writes it as a
real Alembic project: ``alembic.ini``, ``migrations/env.py``,
``migrations/script.py.mako`` (copied from an ``alembic init`` of the generic
template, see ``make_template``) and one ``.py`` file per revision in the
shape ``alembic revision`` writes, with header variety (quotes, typed
annotations, multi-line tuples with comments, lists, one-element tuples,
bare-string ``depends_on``, CRLF files, ...).

Every generated graph is one Alembic 1.8.1 accepts.  ``broken_projects()``
returns a small fixed set of deliberately broken (or odd but accepted)
projects for error-path testing.

Command line (for debugging)::

    /usr/bin/python3 graphgen.py --seed 42 --index 3 --out /tmp/proj
    /usr/bin/python3 graphgen.py --broken --out /tmp/broken   # all broken projects
"""

import argparse
import datetime
import math
import os
import random
import re
import shutil
import sys
import tempfile

import alembic_files

HERE = os.path.dirname(os.path.abspath(__file__))

WORDS = (
    "add create drop alter rename index table column account user users order "
    "orders invoice billing cart shopping email address network ip fk unique "
    "constraint nullable default audit log session token role permission "
    "tenant product price stock warehouse shipment payment refund coupon "
    "report metric event queue job schedule cleanup backfill migrate data "
    "legacy archive status flag timestamp created updated deleted"
).split()

UNICODE_WORDS = ["añadir", "columna", "über", "naïve", "façade", "données",
                 "täble", "ßtraße", "Ünïcödé", "日本"]

LABEL_WORDS = [
    "networking", "lib", "auth", "billing", "feature", "reports", "core",
    "search", "analytics", "mobile", "legacy_api", "payments", "shared",
    "tenant_x", "ux", "ops", "qa", "v2", "data", "infra",
]
# hex-looking labels: their prefixes compete with revision-id prefixes
HEX_LABELS = ["beef", "cafe", "dead", "face", "fade", "abba", "c0ffee", "deadbeef"]
RESERVED = {"head", "heads", "base", "current"}

CONFIG_VARIANTS = ("cwd", "c_abs", "c_rel")


class Rev(object):
    def __init__(self, rid):
        self.id = rid
        self.down = []          # versioned parents, in file order
        self.labels = []        # declared branch labels, in file order
        self.deps = []          # depends_on as written (ids or labels)
        self.dep_targets = []   # resolved ids of deps
        self.message = ""
        self.create_date = None
        self.filename = None
        self.vdir = 0           # index into Graph.version_dirs
        self.style = {}

    def __repr__(self):
        return "Rev(%s down=%s labels=%s deps=%s)" % (
            self.id, self.down, self.labels, self.deps)


class Graph(object):
    """Model of a generated project plus helpers to choose test arguments."""

    def __init__(self, seed, index):
        self.seed = seed
        self.index = index
        self.revs = []
        self.by_id = {}
        self.label_owner = {}
        # configuration
        self.script_location = "%(here)s/migrations"
        self.version_dirs = ["migrations/versions"]  # relative to project
        self.version_locations = None  # ini value or None
        self.vps_line = None  # version_path_separator line or None (removed)
        self.section = "alembic"
        self.invocation = "cwd"
        self.file_template = None
        self.extra_files = []  # (relative path, content)
        self.dep_perm_budget = 1

    # --- graph queries -------------------------------------------------
    def ids(self):
        return [r.id for r in self.revs]

    def children(self, rid):
        return [r.id for r in self.revs if rid in r.down]

    def dependents(self, rid):
        return [r.id for r in self.revs if rid in r.dep_targets]

    def ancestors(self, rid, deps=False):
        """rid plus everything reachable downwards."""
        seen = set()
        todo = [rid]
        while todo:
            x = todo.pop()
            if x in seen:
                continue
            seen.add(x)
            r = self.by_id[x]
            todo.extend(r.down)
            if deps:
                todo.extend(r.dep_targets)
        return seen

    def descendants(self, rid, deps=False):
        seen = set()
        todo = [rid]
        while todo:
            x = todo.pop()
            if x in seen:
                continue
            seen.add(x)
            todo.extend(self.children(x))
            if deps:
                todo.extend(self.dependents(x))
        return seen

    def lineage(self, rid):
        return self.ancestors(rid) | self.descendants(rid)

    def versioned_heads(self):
        return [r.id for r in self.revs if not self.children(r.id)]

    def all_labels(self):
        return [l for r in self.revs for l in r.labels]


# ---------------------------------------------------------------------------
# generation
# ---------------------------------------------------------------------------

def _rand_id(rng, existing, prefix_pool):
    while True:
        roll = rng.random()
        if prefix_pool and roll < 0.10:
            # share a 4-6 character prefix with an existing id
            base = rng.choice(prefix_pool)
            k = rng.randint(4, 6)
            rid = base[:k] + "".join(rng.choice("0123456789abcdef")
                                     for _ in range(12 - k))
        elif prefix_pool and roll < 0.12:
            # an 11-character id that is a prefix of an existing 12-char id,
            # or a 12-character id extending an 11-character one
            base = rng.choice(prefix_pool)
            if len(base) == 12:
                rid = base[:11]
            else:
                rid = base + rng.choice("0123456789abcdef")
        else:
            rid = "%012x" % rng.getrandbits(48)
            if rng.random() < 0.15:
                # old-style 11-character ids (ae1027a6acf)
                rid = rid[1:]
        if rid not in existing:
            return rid


def _message(rng):
    roll = rng.random()
    if roll < 0.04:
        return None  # "empty message"
    words = [rng.choice(WORDS) for _ in range(rng.randint(1, 7))]
    if roll < 0.09:
        words[rng.randrange(len(words))] = rng.choice(UNICODE_WORDS)
    msg = " ".join(words)
    if rng.random() < 0.08:
        msg = msg[0].upper() + msg[1:]
    roll = rng.random()
    if roll < 0.05:
        # two-line first paragraph: the doc contains a newline
        msg += "\n" + " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 4)))
    elif roll < 0.08:
        # a second paragraph: doc is only the first one
        msg += "\n\n" + " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 6)))
    elif roll < 0.10:
        msg += ": " + rng.choice(WORDS) + " -- " + rng.choice(WORDS) + "!"
    elif roll < 0.12:
        msg = "x" * rng.randint(41, 60) + " " + msg  # long slug, truncated
    return msg


def _new_label(rng, g, used):
    for _ in range(100):
        roll = rng.random()
        if roll < 0.12:
            lab = rng.choice(HEX_LABELS)
        elif roll < 0.20:
            lab = rng.choice(["ui", "db", "x", "io", "api", "v3"])  # short (<= 3)
        else:
            lab = rng.choice(LABEL_WORDS)
            if rng.random() < 0.3:
                lab += "_" + rng.choice(WORDS)
        if lab in used or lab in RESERVED or lab in g.by_id:
            continue
        # a label must not equal an id; keep it from equalling an id prefix of
        # length >= 4 only by chance (that is fine for Alembic, but hex labels
        # are chosen on purpose above)
        return lab
    return None


def generate(seed, index=0, n=None):
    rng = random.Random("revgraph-conformance:%s:%s" % (seed, index))
    g = Graph(seed, index)
    if n is None:
        n = rng.randint(5, 40)

    # ---- configuration -------------------------------------------------
    g.invocation = rng.choice(CONFIG_VARIANTS) if rng.random() < 0.3 else "cwd"
    if rng.random() < 0.15:
        g.section = rng.choice(["custom", "app1", "revgraph_test"])
    if g.invocation == "cwd" and rng.random() < 0.2:
        g.script_location = "migrations"  # relative to the cwd, like 1.8.1's init
    if rng.random() < 0.25:
        g.file_template = ("%%(year)d_%%(month).2d_%%(day).2d_%%(hour).2d%%(minute).2d"
                           "-%%(rev)s_%%(slug)s")
    if rng.random() < 0.2:
        dirs = ["migrations/versions", "migrations/extra_versions"]
        if rng.random() < 0.4:
            dirs.append("lib_versions")
        rng.shuffle(dirs)
        g.version_dirs = dirs
        locs = ["%(here)s/" + d for d in dirs]
        if rng.random() < 0.2:
            locs.insert(rng.randrange(len(locs) + 1), "%(here)s/does_not_exist")
        style = rng.choice(["legacy_space", "legacy_comma", "os", "colon",
                            "semicolon", "space"])
        if style == "legacy_space":
            g.version_locations, g.vps_line = " ".join(locs), None
        elif style == "legacy_comma":
            g.version_locations, g.vps_line = ", ".join(locs), None
        elif style == "os":
            g.version_locations, g.vps_line = os.pathsep.join(locs), "os"
        elif style == "colon":
            g.version_locations, g.vps_line = ":".join(locs), ":"
        elif style == "semicolon":
            g.version_locations, g.vps_line = ";".join(locs), ";"
        else:
            g.version_locations, g.vps_line = " ".join(locs), "space"

    # ---- revisions ------------------------------------------------------
    used_labels = set()
    date = datetime.datetime(2020, 1, 1) + datetime.timedelta(
        days=rng.randint(0, 1500), seconds=rng.randint(0, 86399))
    perm_budget = 24
    perm_used = 1
    for i in range(n):
        rid = _rand_id(rng, g.by_id, g.ids())
        r = Rev(rid)
        heads = g.versioned_heads()
        roll = rng.random()
        if i == 0 or roll < 0.08:
            pass  # new root
        elif roll < 0.60:
            r.down = [rng.choice(heads)]
        elif roll < 0.76:
            r.down = [rng.choice(g.ids())]  # --splice: branch from anywhere
        elif roll < 0.90:
            r.down = rng.sample(heads, 2) if len(heads) >= 2 else [rng.choice(heads)]
        elif roll < 0.95:
            k = min(3, len(heads))
            r.down = rng.sample(heads, k)
        elif roll < 0.97 and len(g.revs) >= 3:
            # hand-made merge of two non-related revisions (maybe not heads),
            # occasionally a redundant one (one parent is an ancestor of the other)
            a = rng.choice(g.ids())
            if rng.random() < 0.3:
                anc = sorted(g.ancestors(a) - {a})
                b = rng.choice(anc) if anc else None
            else:
                cand = [x for x in g.ids() if x not in g.lineage(a)]
                b = rng.choice(cand) if cand else None
            r.down = [a, b] if b else [a]
        else:
            r.down = [rng.choice(heads)]

        # branch labels
        roll = rng.random()
        nlab = 1 if roll < 0.14 else (2 if roll < 0.19 else (3 if roll < 0.20 else 0))
        for _ in range(nlab):
            lab = _new_label(rng, g, used_labels | set([rid]))
            if lab and not _label_is_id_like_conflict(lab, g, rid):
                r.labels.append(lab)
                used_labels.add(lab)

        # depends_on
        if g.revs and rng.random() < 0.18:
            k = 1
            roll = rng.random()
            if roll < 0.25:
                k = 2
            elif roll < 0.30:
                k = 3
            if perm_used * math.factorial(k) > perm_budget:
                k = 1
            cands = [x for x in g.ids() if x not in r.down]
            # favour heads: depending on a head makes it an "effective head"
            if rng.random() < 0.5:
                hc = [x for x in heads if x not in r.down]
                if hc:
                    cands = hc + cands
            chosen = []
            for _ in range(k):
                if not cands:
                    break
                c = rng.choice(cands)
                if c in chosen:
                    continue
                chosen.append(c)
            if len(chosen) > 1:
                perm_used *= math.factorial(len(chosen))
            for c in chosen:
                owner = g.by_id[c]
                if owner.labels and rng.random() < 0.5:
                    r.deps.append(rng.choice(owner.labels))
                else:
                    r.deps.append(c)
                r.dep_targets.append(c)

        r.message = _message(rng)
        date += datetime.timedelta(seconds=rng.randint(30, 86400 * 3),
                                   microseconds=rng.randint(0, 999999))
        if rng.random() < 0.05:
            date = date.replace(microsecond=0)
        r.create_date = date
        r.vdir = rng.randrange(len(g.version_dirs))
        r.style = _choose_style(rng, r)
        g.revs.append(r)
        g.by_id[rid] = r
        for lab in r.labels:
            g.label_owner[lab] = rid

    # often end like a real project with a library branch: a new head that
    # depends on another head, which becomes an "effective head"
    heads = g.versioned_heads()
    if len(heads) >= 2 and rng.random() < 0.35:
        h1, h2 = rng.sample(heads, 2)
        r = Rev(_rand_id(rng, g.by_id, g.ids()))
        r.down = [h1]
        owner = g.by_id[h2]
        r.deps = [rng.choice(owner.labels) if owner.labels and rng.random() < 0.5 else h2]
        r.dep_targets = [h2]
        r.message = _message(rng)
        date += datetime.timedelta(seconds=rng.randint(30, 86400))
        r.create_date = date
        r.vdir = rng.randrange(len(g.version_dirs))
        r.style = _choose_style(rng, r)
        g.revs.append(r)
        g.by_id[r.id] = r

    # file names
    names = set()
    for r in g.revs:
        slug = alembic_files.slug(r.message)
        if g.file_template:
            d = r.create_date
            base = "%d_%02d_%02d_%02d%02d-%s_%s" % (
                d.year, d.month, d.day, d.hour, d.minute, r.id, slug)
        else:
            base = "%s_%s" % (r.id, slug)
        name = base + ".py"
        while (r.vdir, name) in names:
            name = base + "_.py"
            base += "_"
        names.add((r.vdir, name))
        r.filename = name

    # non-revision files that must be ignored
    vd = g.version_dirs[0]
    if rng.random() < 0.15:
        g.extra_files.append((vd + "/__init__.py", ""))
    if rng.random() < 0.10:
        g.extra_files.append((vd + "/README.txt", "not a revision\n"))
    if rng.random() < 0.08:
        g.extra_files.append((vd + "/.gitkeep", ""))
    if rng.random() < 0.08:
        g.extra_files.append((vd + "/__pycache__/", None))  # empty directory
    if rng.random() < 0.05:
        g.extra_files.append((vd + "/notes.py.orig", "revision = 'zzz'\n"))
    g.dep_perm_budget = perm_used
    return g


def _label_is_id_like_conflict(lab, g, rid):
    return lab in g.by_id or lab == rid


# ---------------------------------------------------------------------------
# graphs for running migrations (test_migrate_conformance.py)
# ---------------------------------------------------------------------------

def normalized_down_revisions(g, rid):
    """The members of Alembic 1.8.1's ``_normalized_down_revisions`` of
    ``rid``: the down revisions, then each resolved dependency that no strict
    ``down_revision`` ancestor depends on directly (deduplicated).  Alembic
    keeps the dependencies in Python-set order; here they are in the
    declared order."""
    r = g.by_id[rid]
    implied = set()
    for a in g.ancestors(rid) - {rid}:
        implied.update(g.by_id[a].dep_targets)
    out = list(r.down)
    for d in r.dep_targets:
        if d not in implied and d not in out:
            out.append(d)
    return out


def redundant_pairs(g, rid):
    """Pairs (u, v) of normalized down revisions of ``rid`` where u is an
    ancestor (dependencies included) of v.  Alembic 1.8.1 keeps overlapping
    version rows after such a revision is downgraded, and its merge step
    UPDATEs a row that is not there (reference doc 4.8); a migration test
    must not use such graphs."""
    d = normalized_down_revisions(g, rid)
    out = []
    for u in d:
        for v in d:
            if u != v and u in g.ancestors(v, deps=True):
                out.append((u, v))
    return out


def make_migration_safe(g):
    """Edit ``g`` in place so that no revision has redundant normalized down
    revisions (a parent or dependency that is an ancestor of another one):
    drop the offending dependency (or, for two parents, the ancestor parent).
    Revisions are visited in creation order, so parents are final first."""
    for r in g.revs:
        while True:
            pairs = redundant_pairs(g, r.id)
            if not pairs:
                break
            u, v = pairs[0]
            victim = None
            for x in (u, v):
                if x in r.dep_targets and x not in r.down:
                    victim = x
                    break
            if victim is not None:
                i = r.dep_targets.index(victim)
                del r.dep_targets[i]
                del r.deps[i]
            else:
                r.down.remove(u)
    return g


def add_dependencies(g, rng, p=0.2, label_p=0.4):
    """Give each revision, with probability p, one more ``depends_on`` (two
    with probability p/3) on earlier revisions outside its ancestry (written
    as the target's label with probability label_p when it has one).  Run
    make_migration_safe() afterwards."""
    for k, r in enumerate(g.revs):
        roll = rng.random()
        if roll >= p:
            continue
        for _ in range(2 if roll < p / 3 else 1):
            anc = g.ancestors(r.id, deps=True)
            cands = [x.id for x in g.revs[:k]
                     if x.id not in anc and not (g.ancestors(x.id, deps=True) & anc)]
            if not cands:
                cands = [x.id for x in g.revs[:k] if x.id not in anc]
            if not cands:
                break
            c = rng.choice(cands)
            owner = g.by_id[c]
            r.deps.append(rng.choice(owner.labels) if owner.labels and rng.random() < label_p
                          else c)
            r.dep_targets.append(c)
    return g


def plain_message(message, rid):
    """A one-line message made of the words of ``message`` (docstrings and
    YAML messages then have the same first paragraph)."""
    words = re.findall(r"\w+", message or "")
    return " ".join(words) if words else "revision %s" % rid[:4]


def _choose_style(rng, r):
    s = {}
    s["template"] = rng.choices(["classic", "typed", "typed_union"],
                                weights=[6, 2, 2])[0]
    s["quote"] = rng.choice(["'", '"']) if rng.random() < 0.5 else "'"
    if s["template"] != "classic" and rng.random() < 0.6:
        s["quote"] = '"'  # black-formatted projects
    s["seq"] = rng.choices(["tuple", "list", "multiline", "multiline_list"],
                           weights=[6, 2, 2, 1])[0]
    s["one_elem"] = rng.choices(["scalar", "tuple", "list"], weights=[8, 2, 1])[0]
    s["labels"] = rng.choices(["tuple", "string", "list", "multiline"],
                              weights=[6, 2, 1, 1])[0]
    s["deps"] = rng.choices(["auto", "string", "list", "tuple", "multiline"],
                            weights=[5, 2, 2, 1, 1])[0]
    s["root"] = rng.choices(["None", "empty_tuple", "empty_str"], weights=[40, 1, 1])[0]
    s["crlf"] = rng.random() < 0.03
    s["coding"] = rng.random() < 0.03
    s["docq"] = '"""' if rng.random() < 0.95 else "'''"
    s["no_doc"] = rng.random() < 0.02
    s["comments"] = rng.random() < 0.10
    s["old_value_comment"] = rng.random() < 0.05
    s["body"] = rng.random() < 0.3
    s["trailing_comment"] = rng.random() < 0.05
    return s


# ---------------------------------------------------------------------------
# rendering
# ---------------------------------------------------------------------------

def _q(s, quote):
    if quote == '"':
        return '"%s"' % s
    return "'%s'" % s


def _render_seq(values, kind, quote, comment_pool=None, indent="    "):
    if kind in ("tuple",):
        if len(values) == 1:
            return "(%s,)" % _q(values[0], quote)
        return "(%s)" % ", ".join(_q(v, quote) for v in values)
    if kind == "list":
        return "[%s]" % ", ".join(_q(v, quote) for v in values)
    if kind in ("multiline", "multiline_list"):
        o, c = ("(", ")") if kind == "multiline" else ("[", "]")
        lines = [o]
        for v in values:
            line = "%s%s," % (indent, _q(v, quote))
            if comment_pool:
                line += "  # " + comment_pool.pop(0) if comment_pool else ""
            lines.append(line)
        lines.append(c)
        return "\n".join(lines)
    if kind == "string":
        return _q(values[0], quote)
    raise ValueError(kind)


def render_revision(g, r):
    s = r.style
    q = s["quote"]
    nl = "\n"
    message = r.message if r.message is not None else "empty message"
    down_comma = ", ".join(r.down)
    out = []
    if s["coding"]:
        out.append("# -*- coding: utf-8 -*-")
    if not s["no_doc"]:
        dq = s["docq"]
        out.append("%s%s" % (dq, message))
        out.append("")
        out.append("Revision ID: %s" % r.id)
        out.append("Revises: %s" % down_comma)
        out.append("Create Date: %s" % r.create_date)
        out.append("")
        out.append(dq)
    typed = s["template"] != "classic"
    if typed:
        out.append("from typing import Sequence, Union")
        out.append("")
    out.append("from alembic import op")
    out.append("import sqlalchemy as sa")
    out.append("")
    out.append("")
    out.append("# revision identifiers, used by Alembic.")

    comment_pool = ["merge of feature work", "hotfix line", "see ticket 42",
                    "the other side", "third branch"] if s["comments"] else None

    # revision
    line = "revision%s = %s" % (": str" if typed else "", _q(r.id, q))
    if s["trailing_comment"]:
        line += "  # noqa"
    out.append(line)

    # down_revision
    if not r.down:
        val = {"None": "None", "empty_tuple": "()", "empty_str": _q("", q)}[s["root"]]
    elif len(r.down) == 1:
        if s["one_elem"] == "scalar":
            val = _q(r.down[0], q)
        else:
            val = _render_seq(r.down, s["one_elem"], q)
    else:
        val = _render_seq(r.down, s["seq"], q, comment_pool)
    if s["old_value_comment"] and r.down:
        out.append("# down_revision = %s" % _q("0" * 12, q))
    if typed:
        ann = ("Union[str, None]" if s["template"] == "typed" and len(r.down) <= 1
               else "Union[str, Sequence[str], None]")
        out.append("down_revision: %s = %s" % (ann, val))
    else:
        out.append("down_revision = %s" % val)

    # branch_labels
    if not r.labels:
        val = "None"
    elif s["labels"] == "string" and len(r.labels) == 1:
        val = _q(r.labels[0], q)
    elif s["labels"] == "list":
        val = _render_seq(r.labels, "list", q)
    elif s["labels"] == "multiline":
        val = _render_seq(r.labels, "multiline", q)
    else:
        val = _render_seq(r.labels, "tuple", q)
    out.append("branch_labels%s = %s" % (
        ": Union[str, Sequence[str], None]" if typed else "", val))

    # depends_on
    if not r.deps:
        val = "None"
    else:
        kind = s["deps"]
        if kind == "auto":  # what `alembic revision --depends-on` writes
            kind = "string" if len(r.deps) == 1 else "list"
        if kind == "string" and len(r.deps) > 1:
            kind = "list"
        val = _render_seq(r.deps, kind, q)
    out.append("depends_on%s = %s" % (
        ": Union[str, Sequence[str], None]" if typed else "", val))
    out.append("")
    out.append("")
    out.append("def upgrade() -> None:")
    if s["body"]:
        out.append("    # the revision = 'x' text below is not a module-level assignment")
        out.append("    op.create_table(")
        out.append("        %s," % _q("t_" + r.id[:6], q))
        out.append("        sa.Column(%s, sa.Integer(), nullable=False)," % _q("id", q))
        out.append("        sa.Column(%s, sa.String(32))," % _q("revision", q))
        out.append("    )")
        out.append("    revision = %s  # local variable" % _q("ffffffffffff", q))
    else:
        out.append("    pass")
    out.append("")
    out.append("")
    out.append("def downgrade() -> None:")
    if s["body"]:
        out.append("    op.drop_table(%s)" % _q("t_" + r.id[:6], q))
    else:
        out.append("    pass")
    text = nl.join(out) + nl
    if s["crlf"]:
        text = text.replace("\n", "\r\n")
    return text


def render_ini(g, template_ini):
    """Derive alembic.ini from the one `alembic init` generated."""
    lines = template_ini.split("\n")
    out = []
    for line in lines:
        if line.startswith("script_location ="):
            line = "script_location = %s" % g.script_location
        elif line.startswith("sqlalchemy.url ="):
            line = "sqlalchemy.url = sqlite:///%(here)s/test.db"
        elif line.startswith("version_path_separator =") and g.version_locations:
            if g.vps_line is None:
                continue
            line = "version_path_separator = %s" % g.vps_line
        elif line.startswith("# version_locations =") and g.version_locations:
            out.append(line)
            line = "version_locations = %s" % g.version_locations
        elif line.startswith("# file_template =") and g.file_template:
            out.append(line)
            line = "file_template = %s" % g.file_template
        elif line == "[alembic]" and g.section != "alembic":
            line = "[%s]" % g.section
        out.append(line)
    return "\n".join(out)


def make_template(dest):
    """Run `alembic init` (generic template) into dest; return dest."""
    import alembic_sorted
    os.makedirs(dest, exist_ok=True)
    res = alembic_sorted.run(["init", "migrations"], cwd=dest)
    if res.status != 0:
        raise RuntimeError("alembic init failed: %s%s" % (res.stdout, res.stderr))
    return dest


def write_project(g, dest, template):
    """Write graph g as an Alembic project in dest (created)."""
    os.makedirs(dest, exist_ok=True)
    with open(os.path.join(template, "alembic.ini"), encoding="utf-8") as f:
        ini = f.read()
    with open(os.path.join(dest, "alembic.ini"), "w", encoding="utf-8") as f:
        f.write(render_ini(g, ini))
    mig = os.path.join(dest, "migrations")
    os.makedirs(mig, exist_ok=True)
    for name in ("env.py", "script.py.mako", "README"):
        shutil.copyfile(os.path.join(template, "migrations", name),
                        os.path.join(mig, name))
    for d in g.version_dirs:
        os.makedirs(os.path.join(dest, d), exist_ok=True)
    for r in g.revs:
        path = os.path.join(dest, g.version_dirs[r.vdir], r.filename)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(render_revision(g, r))
    for rel, content in g.extra_files:
        p = os.path.join(dest, rel)
        if content is None:
            os.makedirs(p, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "w", encoding="utf-8") as f:
                f.write(content)
    return dest


def invocation(g, project_dir):
    """(cwd, argv prefix) used to run both tools on this project."""
    prefix = []
    if g.invocation == "c_abs":
        cwd = os.path.dirname(project_dir)
        prefix = ["-c", os.path.join(project_dir, "alembic.ini")]
    elif g.invocation == "c_rel":
        cwd = os.path.dirname(project_dir)
        prefix = ["-c", os.path.join(os.path.basename(project_dir), "alembic.ini")]
    else:
        cwd = project_dir
    if g.section != "alembic":
        prefix += ["-n", g.section]
    return cwd, prefix


# ---------------------------------------------------------------------------
# deliberately broken (or odd but accepted) projects
# ---------------------------------------------------------------------------

def _simple_rev(rid, down=None, labels=None, deps=None, message=None, extra=""):
    def lit(v):
        if v is None:
            return "None"
        return repr(v)
    return ('"""%s\n\nRevision ID: %s\nRevises: %s\nCreate Date: 2024-01-02 03:04:05.123456\n\n"""\n'
            "from alembic import op\nimport sqlalchemy as sa\n\n\n"
            "# revision identifiers, used by Alembic.\n"
            "revision = %s\ndown_revision = %s\nbranch_labels = %s\ndepends_on = %s\n%s\n\n"
            "def upgrade() -> None:\n    pass\n\n\ndef downgrade() -> None:\n    pass\n") % (
        message or ("rev " + str(rid)), rid,
        ", ".join(down) if isinstance(down, tuple) else (down or ""),
        lit(rid), lit(down), lit(labels), lit(deps), extra)


def _base_files():
    # a small valid graph the broken ones are built on
    return {
        "aaaa00000001_root.py": _simple_rev("aaaa00000001"),
        "bbbb00000002_second.py": _simple_rev("bbbb00000002", "aaaa00000001"),
        "cccc00000003_third.py": _simple_rev("cccc00000003", "bbbb00000002",
                                             labels=("feat",)),
    }


def broken_projects():
    """List of (name, description, files dict, ini_mode, args).

    files maps file name (in migrations/versions) -> content; ini_mode tweaks
    alembic.ini; args is the list of extra command argv lists to test besides
    the standard ones.
    """
    P = []

    def add(name, desc, changes, ini_mode=None, remove=(), extra_args=()):
        files = _base_files()
        for k in remove:
            files.pop(k, None)
        files.update(changes)
        P.append((name, desc, files, ini_mode, list(extra_args)))

    add("missing_down_revision", "down_revision points to a missing id (KeyError)",
        {"dddd00000004_x.py": _simple_rev("dddd00000004", "ffff00000009")})
    add("missing_depends_on", "depends_on names a missing id (KeyError)",
        {"dddd00000004_x.py": _simple_rev("dddd00000004", "cccc00000003",
                                          deps="ffff00000009")})
    add("partial_depends_on", "depends_on uses a partial id (KeyError)",
        {"dddd00000004_x.py": _simple_rev("dddd00000004", "cccc00000003",
                                          deps="aaaa0000")})
    add("self_loop", "down_revision is the revision itself",
        {"dddd00000004_x.py": _simple_rev("dddd00000004", "dddd00000004")})
    add("dependency_self_loop", "depends_on is the revision itself",
        {"dddd00000004_x.py": _simple_rev("dddd00000004", "cccc00000003",
                                          deps="dddd00000004")})
    add("cycle", "two revisions point at each other (plus a valid branch)",
        {"dddd00000004_x.py": _simple_rev("dddd00000004", "eeee00000005"),
         "eeee00000005_y.py": _simple_rev("eeee00000005", "dddd00000004")})
    add("cycle_no_base", "every revision is in a cycle (no base)",
        {"aaaa00000001_root.py": _simple_rev("aaaa00000001", "cccc00000003")})
    add("dependency_cycle", "a depends_on cycle",
        {"aaaa00000001_root.py": _simple_rev("aaaa00000001", deps="cccc00000003")})
    add("dependency_cycle_inner", "depends_on cycle not involving the base",
        {"dddd00000004_x.py": _simple_rev("dddd00000004", "aaaa00000001",
                                          deps="eeee00000005"),
         "eeee00000005_y.py": _simple_rev("eeee00000005", "aaaa00000001",
                                          deps="dddd00000004")})
    add("duplicate_label", "two revisions declare the same branch label",
        {"dddd00000004_x.py": _simple_rev("dddd00000004", labels=("feat",))})
    add("duplicate_label_same_rev", "one revision declares a label twice",
        {"dddd00000004_x.py": _simple_rev("dddd00000004", labels=("dup", "dup"))})
    add("label_is_id", "a branch label equals another revision's id",
        {"dddd00000004_x.py": _simple_rev("dddd00000004", labels=("aaaa00000001",))})
    add("illegal_char_dash", "revision id contains '-'",
        {"dddd00000004_x.py": _simple_rev("dddd-0000004", "cccc00000003")})
    add("illegal_chars", "revision id contains '@' and '+'",
        {"dddd00000004_x.py": _simple_rev("dd@d+0000004", "cccc00000003")})
    add("duplicate_id", "two files declare the same revision id (accepted, warns)",
        {"zzzz_dup.py": _simple_rev("cccc00000003", "bbbb00000002",
                                    message="duplicate of third")})
    add("no_revision_var", "a .py file without `revision` and a non-hex name",
        {"helpers.py": '"""helpers"""\nX = 1\n'})
    add("legacy_hex_name", "no `revision` variable, hex file name (id from name)",
        {"dddd00000004.py": '"""legacy"""\ndown_revision = "cccc00000003"\n'})
    add("no_down_revision_var", "a revision file without down_revision (AttributeError)",
        {"dddd00000004_x.py": '"""x"""\nrevision = "dddd00000004"\n'})
    add("syntax_error", "a revision file that does not compile",
        {"dddd00000004_x.py": '"""x"""\nrevision = "dddd00000004"\ndown_revision = (\n'})
    add("empty_versions", "no revision files at all", {}, remove=list(_base_files()))
    add("label_reserved_words", "labels named like symbols (heads, base)",
        {"dddd00000004_x.py": _simple_rev("dddd00000004", labels=("heads",)),
         "eeee00000005_y.py": _simple_rev("eeee00000005", "dddd00000004",
                                          labels=("base",))},
        extra_args=[["show", "heads@head"], ["show", "base@head"],
                    ["history", "-r", "base@base:"]])
    add("odd_docstrings", "CRLF file, tab/form feed/unicode separators, escapes, no docstring",
        {"dddd00000004_x.py": _simple_rev("dddd00000004", "cccc00000003",
                                          message="tab\there\x0cformfeed").replace("\n", "\r\n"),
         "eeee00000005_y.py": _simple_rev("eeee00000005", "dddd00000004",
                                          message="escaped \\t tab and \\u00e9 and \\\\ backslash"),
         "ffff00000006_z.py": _simple_rev("ffff00000006", "eeee00000005",
                                          message="line one\u2028line two\n   \nstill first para?"),
         "abab00000007_w.py": "revision = 'abab00000007'\ndown_revision = 'ffff00000006'\n"})
    add("bad_version_path_separator",
        "version_locations set but the generated 'version_path_separator = os  # ...' line kept",
        {}, ini_mode="vps_inline_comment")
    add("missing_script_location_dir", "script_location points to a missing directory",
        {}, ini_mode="missing_dir")
    add("no_script_location", "[alembic] section without script_location",
        {}, ini_mode="no_script_location")
    add("missing_ini", "alembic.ini does not exist", {}, ini_mode="no_ini")
    add("missing_section", "run with -n nosuch", {}, ini_mode="missing_section")
    add("missing_version_location", "one version location missing (silently skipped)",
        {}, ini_mode="missing_version_location")
    return P


def write_broken_project(entry, dest, template):
    name, desc, files, ini_mode, _extra = entry
    os.makedirs(dest, exist_ok=True)
    with open(os.path.join(template, "alembic.ini"), encoding="utf-8") as f:
        ini = f.read()
    ini = ini.replace("sqlalchemy.url = driver://user:pass@localhost/dbname",
                      "sqlalchemy.url = sqlite:///%(here)s/test.db")
    ini = re.sub(r"(?m)^script_location = .*$", "script_location = %(here)s/migrations", ini)
    if ini_mode == "vps_inline_comment":
        ini = ini.replace("# version_locations = ", "version_locations = %(here)s/migrations/versions\n# ")
    elif ini_mode == "missing_dir":
        ini = re.sub(r"(?m)^script_location = .*$", "script_location = %(here)s/nowhere", ini)
    elif ini_mode == "no_script_location":
        ini = re.sub(r"(?m)^script_location = .*$", "", ini)
    elif ini_mode == "missing_version_location":
        ini = re.sub(r"(?m)^version_path_separator = .*$", "version_path_separator = space", ini)
        ini = ini.replace("# version_locations = ",
                          "version_locations = %(here)s/gone %(here)s/migrations/versions\n# ")
    if ini_mode != "no_ini":
        with open(os.path.join(dest, "alembic.ini"), "w", encoding="utf-8") as f:
            f.write(ini)
    mig = os.path.join(dest, "migrations")
    os.makedirs(os.path.join(mig, "versions"), exist_ok=True)
    for n in ("env.py", "script.py.mako", "README"):
        shutil.copyfile(os.path.join(template, "migrations", n), os.path.join(mig, n))
    for fname, content in files.items():
        with open(os.path.join(mig, "versions", fname), "w", encoding="utf-8",
                  newline="") as f:
            f.write(content)
    prefix = ["-n", "nosuch"] if ini_mode == "missing_section" else []
    return dest, prefix


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", default="1")
    ap.add_argument("--index", type=int, default=0)
    ap.add_argument("--revisions", type=int, default=None)
    ap.add_argument("--broken", action="store_true", help="write all broken projects")
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    sys.path.insert(0, HERE)
    tmpl = tempfile.mkdtemp(prefix="rg-template-")
    try:
        make_template(tmpl)
        if args.broken:
            for entry in broken_projects():
                d, prefix = write_broken_project(entry, os.path.join(args.out, entry[0]), tmpl)
                print("%s: %s%s" % (d, entry[1], (" (run with %s)" % " ".join(prefix)) if prefix else ""))
        else:
            g = generate(args.seed, args.index, args.revisions)
            write_project(g, args.out, tmpl)
            cwd, prefix = invocation(g, os.path.abspath(args.out))
            print("wrote %d revisions to %s; run in %s with %s" % (
                len(g.revs), args.out, cwd, " ".join(prefix) or "(no options)"))
            for r in g.revs:
                print("  %r" % r)
    finally:
        shutil.rmtree(tmpl, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
