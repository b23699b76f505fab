#!/usr/bin/python3
"""Side-by-side test of revgraph's revision and merge against Alembic 1.8.1.

Twin Alembic projects (made by ``alembic init``, copied) get the same
commands, one twin driven by Alembic (in-process, through alembic_sorted.py,
so files load in sorted order as revgraph loads them), the other by
revgraph.  After every command:

- status and stdout must be identical (the twin's directory replaced by
  ``<ROOT>``), errors included;
- a generated file must have the same name on both sides and the same bytes
  except its ``Create Date`` line;
- ``heads`` and ``history`` must print the same (``history`` compared as a
  set of lines when Alembic's order depends on string hashing: a revision
  with two or more normalised dependencies).

The commands are random sequences (fixed seeds, so a failure can be
replayed with ``--seed``) of ``revision`` (on the head, on a chosen head,
``--splice`` on an older revision, ``--head base``, ``label@head``, with
``--branch-label`` and one or more ``--depends-on``, with messages that test
the slug) and ``merge`` (``merge heads``, named heads), interleaved with
error cases (illegal id characters, several heads, a non-head without
``--splice``, unknown revisions, duplicate heads, an unknown
``--version-path``, an unknown ``--depends-on``).  Each project has its own
template: ``generic``, ``async``, ``multidb`` (which reads
``config.get_main_option("databases")`` in ``revision`` and gets the string
``"config"`` in ``merge``) and a ``truncate_slug_length``.  At the end the ``generic`` twins
``upgrade heads`` on SQLite and ``current`` is compared.

Usage::

    /usr/bin/python3 tests/conformance/test_authoring_conformance.py \\
        --revgraph build/revgraph --source . [--keep DIR] [--seed N] [--steps N]

The last line is ``N passed, M failed``; exit status 0 iff nothing failed.
"""

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import alembic_sorted  # noqa: E402

MESSAGES = [
    "create account table",
    "add a column",
    "Hello, World!  this is -- a very long message that goes beyond forty characters for sure",
    "Ünïcödé façade naïve",
    "it's \"quoted\"",
    "-- dashes first",
    "x",
    "",
    "fix #12: drop   spaces ",
    "snake_case and CamelCase",
]


def canonical(text):
    """Output with the parts Alembic 1.8.1 prints in hash order sorted.

    Branch labels (and normalised dependencies) inside parentheses come out
    of Python sets, so ``(lbl_a, lbl_b)`` is compared with its items sorted.
    A revision made with ``-m ""`` has no first paragraph of its own, so its
    ``history`` line shows the header, Create Date included: masked.
    """
    text = re.sub(r"\(([^()]*, [^()]*)\)",
                  lambda m: "(" + ", ".join(sorted(m.group(1).split(", "))) + ")", text)
    return re.sub(r"(?m)^Create Date: .*$", "Create Date: <DATE>", text)


class Twins:
    def __init__(self, base, revgraph, template, ini_edits):
        self.base = base
        self.revgraph = os.path.abspath(revgraph)
        self.passed = 0
        self.failed = 0
        proj = os.path.join(base, "alembic")
        os.makedirs(proj)
        res = alembic_sorted.run(["init", "-t", template, "migrations"], cwd=proj)
        assert res.status == 0, res.stdout + res.stderr
        ini = os.path.join(proj, "alembic.ini")
        with open(ini) as f:
            text = f.read()
        edits = {"sqlalchemy.url": "sqlite:///%(here)s/db.sqlite"}
        edits.update(ini_edits)
        for key, value in edits.items():
            text, n = re.subn(r"(?m)^#? *%s *=.*$" % re.escape(key), "%s = %s" % (key, value), text, count=1)
            if not n:
                text = text.replace("[alembic]\n", "[alembic]\n%s = %s\n" % (key, value), 1)
        with open(ini, "w") as f:
            f.write(text)
        shutil.copytree(proj, os.path.join(base, "revgraph"))

    def root(self, side):
        return os.path.join(self.base, side)

    def versions(self, side):
        return os.path.join(self.root(side), "migrations", "versions")

    def run(self, side, argv):
        root = self.root(side)
        if side == "alembic":
            alembic_sorted.clear_code_cache()
            res = alembic_sorted.run(argv, cwd=root)
            status, out, err, multi = res.status, res.stdout, res.stderr, res.multi_deps
        else:
            env = dict(os.environ)
            env["REVGRAPH_NO_CACHE"] = "1"
            env.pop("ALEMBIC_CONFIG", None)
            p = subprocess.run([self.revgraph] + argv, cwd=root, env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            status, out, err, multi = p.returncode, p.stdout.decode("utf-8"), p.stderr.decode("utf-8"), {}
        return status, out.replace(root, "<ROOT>"), err, multi

    def expect(self, name, got, want):
        if got == want:
            self.passed += 1
            return True
        self.failed += 1
        print("FAIL %s\n  revgraph: %r\n  alembic:  %r" % (name, got, want))
        return False

    def both(self, name, argv):
        """Run argv on both twins; compare; return (status, stdout) of Alembic."""
        a = self.run("alembic", argv)
        r = self.run("revgraph", argv)
        self.expect(name + ": status", r[0], a[0])
        self.expect(name + ": stdout", r[1], a[1])
        if a[0] == 0 and r[0] == 0:
            self.compare_files(name, a[1])
        return a

    def compare_files(self, name, out):
        for m in re.finditer(r"Generating <ROOT>/(.*) \.\.\.  done", out):
            rel = m.group(1)
            texts = []
            for side in ("alembic", "revgraph"):
                path = os.path.join(self.root(side), rel)
                if not os.path.exists(path):
                    texts.append(None)
                    continue
                with open(path, "rb") as f:
                    data = f.read()
                texts.append(re.sub(rb"(?m)^Create Date: .*$", b"Create Date: <DATE>", data))
            self.expect(name + ": file %s" % rel, texts[1], texts[0])

    def state(self, name):
        a = self.run("alembic", ["heads"])
        r = self.run("revgraph", ["heads"])
        self.expect(name + ": heads", (r[0], canonical(r[1])), (a[0], canonical(a[1])))
        a = self.run("alembic", ["history"])
        r = self.run("revgraph", ["history"])
        if a[3]:
            # hash order in Alembic's topological sort: compare as sets
            self.expect(name + ": history (as a set)", sorted(canonical(r[1]).splitlines()),
                        sorted(canonical(a[1]).splitlines()))
        else:
            self.expect(name + ": history", canonical(r[1]), canonical(a[1]))


class Graph:
    """What the generator knows of the project: ids, parents, labels."""

    def __init__(self):
        self.ids = []
        self.parents = {}
        self.labels = {}

    def heads(self):
        children = {p for ps in self.parents.values() for p in ps}
        return [i for i in self.ids if i not in children]


def sequence(t, rng, steps, tag, upgrade):
    g = Graph()
    counter = [0]

    def new_id():
        counter[0] += 1
        return "%s%08x" % (tag, rng.randrange(1 << 32) ^ counter[0])

    def msg_args():
        m = rng.choice(MESSAGES)
        if not m and rng.random() < 0.5:
            return []
        return ["-m", m]

    def record(rid, parents, label=None):
        g.ids.append(rid)
        g.parents[rid] = parents
        if label:
            g.labels[label] = rid

    def ok(name, argv, rid, parents, label=None):
        status = t.both(name, argv)[0]
        if status == 0:
            record(rid, parents, label)
        t.state(name)

    for step in range(steps):
        name = "%s step %d" % (tag, step)
        rid = new_id()
        choice = rng.random()
        label = None
        extra = []
        if rng.random() < 0.15:
            label = "lbl_%s_%d" % (tag, step)
            extra += ["--branch-label", label]
        if g.ids and rng.random() < 0.3:
            for _ in range(rng.choice([1, 1, 2])):
                target = rng.choice(g.ids + list(g.labels))
                if rng.random() < 0.3 and target in g.ids:
                    target = target[:6]
                extra += ["--depends-on", target]
        if not g.ids or choice < 0.1:
            ok(name + " (new root)", ["revision", "--rev-id", rid, "--head", "base"] + msg_args() + extra,
               rid, [], label)
        elif len(g.heads()) == 1 and choice < 0.45:
            ok(name + " (on the head)", ["revision", "--rev-id", rid] + msg_args() + extra, rid,
               g.heads(), label)
        elif choice < 0.6:
            h = rng.choice(g.heads())
            ok(name + " (--head)", ["revision", "--rev-id", rid, "--head", h[:8]] + msg_args() + extra,
               rid, [h], label)
        elif choice < 0.7:
            older = [i for i in g.ids if i not in g.heads()]
            if older:
                h = rng.choice(older)
                ok(name + " (--splice)",
                   ["revision", "--rev-id", rid, "--head", h, "--splice"] + msg_args() + extra, rid, [h], label)
        elif choice < 0.75 and g.labels:
            lbl = rng.choice(sorted(g.labels))
            # label@head: one head of that branch, or Alembic's error
            a = t.both(name + " (label@head)", ["revision", "--rev-id", rid, "--head", lbl + "@head"]
                       + msg_args())
            if a[0] == 0:
                parent = re.search(r"down_revision = '([^']*)'", open(os.path.join(
                    t.versions("alembic"), [f for f in os.listdir(t.versions("alembic"))
                                            if f.startswith(rid)][0])).read()).group(1)
                record(rid, [parent])
            t.state(name)
        elif len(g.heads()) > 1 and choice < 0.88:
            ok(name + " (merge heads)", ["merge", "heads", "--rev-id", rid] + msg_args(), rid, g.heads())
        elif len(g.heads()) > 1:
            two = rng.sample(g.heads(), 2)
            ok(name + " (merge two)", ["merge", two[0], two[1], "--rev-id", rid] + msg_args()
               + (["--branch-label", label] if label else []), rid, two, label)
        else:
            ok(name + " (on the head)", ["revision", "--rev-id", rid] + msg_args(), rid, g.heads())
        # now and then, an error case
        if rng.random() < 0.35:
            errs = [
                ["revision", "-m", "x", "--rev-id", "a+b-c@"],
                ["revision", "-m", "x", "--rev-id", new_id(), "--head", "nosuch"],
                ["revision", "-m", "x", "--rev-id", new_id(), "--version-path", "/tmp"],
                ["revision", "-m", "x", "--rev-id", new_id(), "--head", "heads", "--depends-on", "nosuch"],
            ]
            if len(g.heads()) > 1:
                errs.append(["revision", "-m", "x", "--rev-id", new_id()])
                errs.append(["merge", g.heads()[0], g.heads()[0], "--rev-id", new_id()])
            older = [i for i in g.ids if i not in g.heads()]
            if older:
                errs.append(["revision", "-m", "x", "--rev-id", new_id(), "--head", rng.choice(older)])
                errs.append(["merge", rng.choice(older), g.heads()[0], "--rev-id", new_id()])
            argv = rng.choice(errs)
            status = t.both(name + " error %s" % " ".join(argv[:1] + argv[3:]), argv)[0]
            t.expect(name + " error refused", status, 255)

    if not upgrade:
        return
    # both twins can run what they made
    a = t.run("alembic", ["upgrade", "heads"])
    if a[0] == 1 and "Traceback" in a[2]:
        # Alembic 1.8.1's version-table upkeep crashes on some graphs with
        # dependencies (KeyError in _delete_version); revgraph's own
        # migration tests cover those; nothing to compare here
        print("NOTE %s: Alembic crashed in upgrade heads: %s" % (tag, a[2].strip().splitlines()[-1]))
        return
    r = t.run("revgraph", ["upgrade", "heads"])
    t.expect("%s upgrade heads: status" % tag, r[0], a[0])
    t.expect("%s upgrade heads: stdout" % tag, r[1], a[1])
    a = t.run("alembic", ["current"])
    r = t.run("revgraph", ["current"])
    t.expect("%s current after upgrade (as a set)" % tag, sorted(r[1].splitlines()), sorted(a[1].splitlines()))


def fixed_cases(t):
    """The README's workflow and the messages of every rule, in order."""
    t.both("first", ["revision", "-m", "create account table", "--rev-id", "1975ea83b712"])
    t.both("second", ["revision", "-m", "add a column", "--rev-id", "ae1027a6acf0"])
    t.both("branch", ["revision", "-m", "add cart", "--rev-id", "27c6a30d7c24", "--head", "1975ea83b712",
                      "--splice"])
    t.state("two heads")
    t.both("several heads", ["revision", "-m", "x", "--rev-id", "0000aaaa0000"])
    t.both("not a head", ["revision", "-m", "x", "--rev-id", "0000aaaa0000", "--head", "1975"])
    t.both("duplicate", ["merge", "27c6", "27c6a30d7c24", "--rev-id", "0000aaaa0000"])
    t.both("illegal", ["merge", "heads", "--rev-id", "a@b"])
    t.both("unknown version path", ["revision", "-m", "x", "--rev-id", "0000aaaa0000", "--head", "27c6",
                                    "--version-path", "migrations"])
    t.both("label", ["revision", "-m", "lib", "--rev-id", "b10000000001", "--head", "base",
                     "--branch-label", "lib"])
    t.both("depends on a label and a prefix", ["revision", "-m", "uses lib", "--rev-id", "c20000000002",
                                               "--head", "ae10", "--depends-on", "lib",
                                               "--depends-on", "27c6a3"])
    t.both("depends on label@head", ["revision", "-m", "uses lib head", "--rev-id", "c30000000003",
                                     "--head", "c200", "--depends-on", "lib@head"])
    t.both("-- message", ["revision", "-m", "-- text", "--rev-id", "d40000000004", "--head", "lib@head"])
    t.state("before merge")
    t.both("merge heads", ["merge", "heads", "-m", "merge them", "--rev-id", "e50000000005"])
    t.both("merge heads, one head", ["merge", "heads", "--rev-id", "f60000000006"])
    t.state("after merge")
    t.both("upgrade", ["upgrade", "heads"])
    a = t.run("alembic", ["current"])
    r = t.run("revgraph", ["current"])
    # Alembic prints a set of Revision objects: identity-hash order
    t.expect("current (as a set)", sorted(r[1].splitlines()), sorted(a[1].splitlines()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--revgraph", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--keep", help="work in this directory and leave it")
    ap.add_argument("--seed", type=int, help="run only this seed")
    ap.add_argument("--steps", type=int, default=24)
    args = ap.parse_args()

    work = args.keep or tempfile.mkdtemp(prefix="rg-author-conf-")
    os.makedirs(work, exist_ok=True)
    passed = failed = 0
    try:
        projects = [
            ("fixed", "generic", {}),
            ("s1", "generic", {}),
            ("s2", "async", {"truncate_slug_length": "12"}),
            ("s3", "multidb", {"databases": "engine1, engine2"}),
            ("s4", "generic", {"file_template": "%%(rev)s-%%(slug).10s"}),
            ("s5", "generic", {}),
            ("s6", "generic", {"truncate_slug_length": "5"}),
            ("s7", "generic", {}),
        ]
        for n, (tag, template, edits) in enumerate(projects):
            if args.seed is not None and args.seed != n:
                continue
            t = Twins(os.path.join(work, tag), args.revgraph, template, edits)
            if tag == "fixed":
                fixed_cases(t)
            else:
                # async needs aiosqlite and multidb per-database URLs: no upgrade there
                sequence(t, random.Random(n), args.steps, tag, template == "generic")
            passed += t.passed
            failed += t.failed
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
