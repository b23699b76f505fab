#!/usr/bin/python3
"""Side-by-side test of revgraph's init and edit against Alembic 1.8.1.

Both tools run as subprocesses (Alembic through alembic_sorted.py, so its
template files are listed in sorted order as revgraph lists them) in twin
directories ``alembic/`` and ``revgraph/``; outputs are compared after the
twin's directory is replaced by ``<ROOT>``.

init: a new directory, a non-empty one, an unknown template, the non-empty
check before the template check, an existing empty directory with
``--package`` and an existing ini, ``-c`` elsewhere and ``$ALEMBIC_CONFIG``.
Alembic's templates hold files revgraph's do not (``env.py``,
``script.py.mako``) and the other way round, so ``Generating`` lines of a
file only one template has are left out of the comparison; every other line
must be identical, in the same order.

edit: on one Alembic project with three ``.py`` revisions (copied, so each
tool has its own database): ``base``, an unknown revision, ``head`` with two
heads, ``heads`` and a prefix with an editor that records its arguments
(the files opened, in order, are compared), a failing editor, an editor
that cannot run, no editor at all, ``current`` with no rows (stdout and the
log lines on stderr) and ``current`` after ``stamp``.

Usage::

    /usr/bin/python3 tests/conformance/test_init_edit_conformance.py \\
        --revgraph build/revgraph --source . [--keep DIR]

The last line is ``N passed, M failed``; exit status 0 iff nothing failed.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ALEMBIC = ["/usr/bin/python3", os.path.join(HERE, "alembic_sorted.py")]


class Twins:
    def __init__(self, base, revgraph):
        self.base = base
        self.revgraph = os.path.abspath(revgraph)
        self.passed = 0
        self.failed = 0
        for side in ("alembic", "revgraph"):
            os.makedirs(os.path.join(base, side), exist_ok=True)

    def root(self, side):
        return os.path.join(self.base, side)

    def run(self, side, argv, cwd="", env=None):
        root = self.root(side)
        argv = [a.replace("{root}", root) for a in argv]
        cmd = (ALEMBIC if side == "alembic" else [self.revgraph]) + argv
        full_env = dict(os.environ)
        for k in ("ALEMBIC_CONFIG", "EDITOR", "VISUAL", "REVGRAPH_TEMPLATES"):
            full_env.pop(k, None)
        full_env["REVGRAPH_NO_CACHE"] = "1"
        if env:
            full_env.update(env)
        p = subprocess.run(cmd, cwd=os.path.join(root, cwd), env=full_env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        norm = lambda s: s.replace(root, "<ROOT>")  # noqa: E731
        return p.returncode, norm(p.stdout), norm(p.stderr)

    def expect(self, name, got, want):
        if got == want:
            self.passed += 1
            return
        self.failed += 1
        print("FAIL %s\n  revgraph: %r\n  alembic:  %r" % (name, got, want))


def generated_name(line):
    m = re.match(r"Generating (.*) \.\.\.  done$", line)
    return os.path.basename(m.group(1)) if m else None


def comparable(a_out, r_out):
    """Both outputs without the Generating lines of files only one template has."""
    a_lines, r_lines = a_out.splitlines(), r_out.splitlines()
    a_files = {generated_name(x) for x in a_lines} - {None}
    r_files = {generated_name(x) for x in r_lines} - {None}
    common = a_files & r_files
    keep = lambda lines: [x for x in lines if generated_name(x) in (None,) or generated_name(x) in common]  # noqa: E731
    return keep(a_lines), keep(r_lines)


def init_cases(t):
    def both(name, argv, cwd="", env=None):
        a = t.run("alembic", argv, cwd, env)
        r = t.run("revgraph", argv, cwd, env)
        a_lines, r_lines = comparable(a[1], r[1])
        t.expect(name + ": status", r[0], a[0])
        t.expect(name + ": output", r_lines, a_lines)
        return a, r

    both("init new directory", ["init", "migrations"])
    for side in ("alembic", "revgraph"):
        assert os.path.isdir(os.path.join(t.root(side), "migrations", "versions"))
    both("init non-empty directory", ["init", "migrations"])
    both("init non-empty directory, as typed", ["init", "./migrations/"])
    both("init unknown template", ["init", "-t", "nosuch", "other"])
    both("init non-empty before unknown template", ["init", "-t", "nosuch", "migrations"])
    for side in ("alembic", "revgraph"):
        os.makedirs(os.path.join(t.root(side), "empty"))
    both("init empty directory, --package, existing ini", ["init", "--package", "empty"])
    for side in ("alembic", "revgraph"):
        os.makedirs(os.path.join(t.root(side), "conf"))
    both("init -c elsewhere", ["-c", "conf/db.ini", "init", "db/scripts"])
    both("init $ALEMBIC_CONFIG", ["init", "envdir"], env={"ALEMBIC_CONFIG": "env.ini"})
    both("init absolute directory", ["-c", "abs.ini", "init", "{root}/abs"])


def edit_cases(t, work):
    # one Alembic project, three revisions (a root and two heads)
    proj = os.path.join(work, "proj")
    os.makedirs(proj)
    subprocess.run(ALEMBIC + ["init", "migrations"], cwd=proj, check=True, stdout=subprocess.DEVNULL)
    ini = os.path.join(proj, "alembic.ini")
    with open(ini) as f:
        text = f.read()
    text = re.sub(r"(?m)^sqlalchemy\.url = .*$", "sqlalchemy.url = sqlite:///%(here)s/db.sqlite", text)
    with open(ini, "w") as f:
        f.write(text)
    for rev_id, head in (("1975ea83b712", "base"), ("27c6a30d7c24", "1975ea83b712"),
                         ("ae1027a6acf0", "1975ea83b712")):
        subprocess.run(ALEMBIC + ["revision", "-m", "r " + rev_id, "--rev-id", rev_id, "--head", head,
                                  "--splice"],
                       cwd=proj, check=True, stdout=subprocess.DEVNULL)
    for side in ("alembic", "revgraph"):
        shutil.copytree(proj, os.path.join(t.root(side), "proj"))

    tools = os.path.join(work, "tools")
    os.makedirs(tools)
    scripts = {
        "rec.sh": '#!/bin/sh\nprintf "%%s\\n" "$*" >> "$RECORD"\n',
        "fail.sh": "#!/bin/sh\nexit 4\n",
        "noexec.sh": "#!/bin/sh\nexit 0\n",
    }
    for name, body in scripts.items():
        path = os.path.join(tools, name)
        with open(path, "w") as f:
            f.write(body.replace("%%", "%"))
        os.chmod(path, 0o644 if name == "noexec.sh" else 0o755)

    def both(name, argv, env=None, compare_stderr=False):
        results = {}
        for side in ("alembic", "revgraph"):
            record = os.path.join(t.root(side), "record")
            if os.path.exists(record):
                os.remove(record)
            e = {"RECORD": record}
            e.update(env or {})
            status, out, err = t.run(side, argv, "proj", e)
            opened = ""
            if os.path.exists(record):
                with open(record) as f:
                    opened = f.read().replace(t.root(side), "<ROOT>")
            results[side] = (status, out, err, opened)
        a, r = results["alembic"], results["revgraph"]
        t.expect(name + ": status", r[0], a[0])
        t.expect(name + ": stdout", r[1], a[1])
        t.expect(name + ": files opened", r[3], a[3])
        if compare_stderr:
            t.expect(name + ": stderr", r[2], a[2])

    rec = {"EDITOR": os.path.join(tools, "rec.sh")}
    both("edit base", ["edit", "base"], rec)
    both("edit unknown", ["edit", "nosuch"], rec)
    both("edit head with two heads", ["edit", "head"], rec)
    both("edit heads", ["edit", "heads"], rec)
    both("edit prefix", ["edit", "27c6"], rec)
    both("edit through VISUAL", ["edit", "ae10"], {"VISUAL": rec["EDITOR"]})
    both("edit EDITOR on PATH", ["edit", "1975"],
         {"EDITOR": "rec.sh", "PATH": tools + os.pathsep + os.environ.get("PATH", "")})
    both("edit failing editor", ["edit", "heads"], {"EDITOR": os.path.join(tools, "fail.sh")})
    both("edit editor that cannot run", ["edit", "1975"], {"EDITOR": os.path.join(tools, "noexec.sh")})
    both("edit no editor", ["edit", "1975"], {"PATH": os.path.join(work, "nobin")})
    both("edit current, no rows", ["edit", "current"], rec, compare_stderr=True)
    for side in ("alembic", "revgraph"):
        t.run(side, ["stamp", "heads"], "proj")
    both("edit current", ["edit", "current"], rec)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--revgraph", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--keep", help="work in this directory and leave it")
    args = ap.parse_args()

    work = args.keep or tempfile.mkdtemp(prefix="rg-init-conf-")
    os.makedirs(work, exist_ok=True)
    try:
        t = Twins(os.path.join(work, "init"), args.revgraph)
        init_cases(t)
        e = Twins(os.path.join(work, "edit"), args.revgraph)
        edit_cases(e, work)
        passed, failed = t.passed + e.passed, t.failed + e.failed
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
