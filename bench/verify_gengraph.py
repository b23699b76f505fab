#!/usr/bin/python3
"""Check gengraph.py against real Alembic 1.8.1 (run with /usr/bin/python3).

1. Generates a small project with gengraph.py, then has Alembic itself write the
   same revisions, one by one in creation order, into an empty copy of the
   project (ScriptDirectory.generate_revision: what `alembic revision` and
   `alembic merge` call, with --splice, and with Create Date pinned to the
   generated one). Every file name and every byte must match.
2. Loads every generated .yaml file with PyYAML (when installed) and checks that
   it describes the same revision as the .py file (ids, parents, labels,
   depends_on, message, create date).

Usage: /usr/bin/python3 bench/verify_gengraph.py [-n 300] [--seed S]
"""

import argparse
import datetime
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=300)
    ap.add_argument("--seed", type=int, default=20261122)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()

    from alembic.config import Config
    from alembic.script import ScriptDirectory

    tmp = tempfile.mkdtemp(prefix="verify_gengraph.")
    gen = os.path.join(tmp, "gen")
    subprocess.run([sys.executable, os.path.join(HERE, "gengraph.py"), "-n", str(args.n),
                    "--seed", str(args.seed), "-o", gen], check=True)
    gpy = os.path.join(gen, "py")

    # Read the generated project with Alembic, order by creation date.
    old_cwd = os.getcwd()
    os.chdir(gpy)   # script_location is relative, as `alembic init` writes it
    try:
        src = ScriptDirectory.from_config(Config("alembic.ini"))
        revs = list(src.walk_revisions())
    finally:
        os.chdir(old_cwd)

    def create_date(sc):
        for line in sc.longdoc.splitlines():
            if line.startswith("Create Date: "):
                text = line[len("Create Date: "):]
                fmt = "%Y-%m-%d %H:%M:%S.%f" if "." in text else "%Y-%m-%d %H:%M:%S"
                return datetime.datetime.strptime(text, fmt)
        raise AssertionError("no Create Date in %s" % sc.path)

    revs.sort(key=create_date)

    # An empty copy of the project; let Alembic write every revision again.
    rep = os.path.join(tmp, "replay")
    shutil.copytree(gpy, rep, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    shutil.copy(os.path.join(gpy, "migrations", "env.py"),
                os.path.join(rep, "migrations", "env.py"))
    os.chdir(rep)
    real_stdout = sys.stdout
    sys.stdout = open(os.devnull, "w")      # "Generating ... done" lines
    try:
        dst = ScriptDirectory.from_config(Config("alembic.ini"))
        for sc in revs:
            when = create_date(sc)
            dst._generate_create_date = lambda when=when: when
            down = sc._versioned_down_revisions
            dst.generate_revision(
                sc.revision, sc.doc,
                head=list(down) if down else "base",
                splice=True,
                branch_labels=sc.module.branch_labels,
                depends_on=sc.module.depends_on,
            )
    finally:
        sys.stdout.close()
        sys.stdout = real_stdout
        os.chdir(old_cwd)

    gv = os.path.join(gpy, "migrations", "versions")
    rv = os.path.join(rep, "migrations", "versions")
    gnames = sorted(f for f in os.listdir(gv) if f.endswith(".py"))
    rnames = sorted(f for f in os.listdir(rv) if f.endswith(".py"))
    errors = 0
    if gnames != rnames:
        print("FILE NAMES DIFFER:", sorted(set(gnames) ^ set(rnames))[:10])
        errors += 1
    for name in sorted(set(gnames) & set(rnames)):
        with open(os.path.join(gv, name), "rb") as a, open(os.path.join(rv, name), "rb") as b:
            if a.read() != b.read():
                print("CONTENT DIFFERS:", name)
                errors += 1
    print("py: %d files compared with what Alembic %s writes: %s" % (
        len(gnames), __import__("alembic").__version__, "OK" if not errors else "%d ERRORS" % errors))

    # YAML form: same metadata as the .py form.
    try:
        import yaml
    except ImportError:
        print("yaml: PyYAML not installed, skipped")
        yaml = None
    if yaml is not None:
        yv = os.path.join(gen, "yaml", "migrations", "versions")
        by_rev = {sc.revision: sc for sc in revs}
        yerr = 0
        ynames = sorted(os.listdir(yv))
        for name in ynames:
            with open(os.path.join(yv, name)) as f:
                d = yaml.load(f, Loader=yaml.BaseLoader)   # every scalar a string
            sc = by_rev[d["revision"]]
            down = d["down_revision"]
            down = () if down in ("null", "~", "") else (tuple(down) if isinstance(down, list) else (down,))
            ok = (name[:-len(".yaml")] == os.path.basename(sc.path)[:-len(".py")]
                  and down == tuple(sc._versioned_down_revisions)
                  and tuple(d.get("branch_labels", ())) == tuple(sc.module.branch_labels or ())
                  and tuple(d.get("depends_on", ())) == tuple(
                      [sc.module.depends_on] if isinstance(sc.module.depends_on, str)
                      else (sc.module.depends_on or ()))
                  and d["message"] == sc.doc
                  and d["create_date"] == str(create_date(sc)))
            # The default (YAML 1.1) loader must also read ids as strings.
            with open(os.path.join(yv, name)) as f:
                d2 = yaml.safe_load(f)
            ok = ok and isinstance(d2["revision"], str) and isinstance(d2["message"], str)
            if not ok:
                print("YAML MISMATCH:", name)
                yerr += 1
        print("yaml: %d files checked against the .py headers: %s" % (
            len(ynames), "OK" if not yerr else "%d ERRORS" % yerr))
        errors += yerr

    if not args.keep:
        shutil.rmtree(tmp)
    else:
        print("kept", tmp)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
