#!/usr/bin/python3
"""Side-by-side conformance test: revgraph vs. Alembic 1.8.1.

For each of --graphs random Alembic projects (graphgen.py) and a fixed set of
deliberately broken ones, run the same read-only commands with Alembic
(in-process, os.listdir sorted, see alembic_sorted.py) and with revgraph (a
subprocess) and compare stdout and the exit-status class:

* Alembic exit 0 / 255 / 2: revgraph must exit with the same status and print
  the same stdout.  The parts whose order is Python hash order in Alembic
  (``Branches into:``, ``Branch names:``, a ``(label1, label2)`` group, the
  child lines under a branchpoint in ``branches``) are compared as sets; the
  order of ``history``/``branches`` lines that depends on the hash order of a
  revision's 2+ dependencies is accepted in any order Alembic could produce.
* Alembic crashed with a traceback (exit 1): revgraph must exit non-zero and
  print exactly one ``FAILED: ...`` line.

Usage::

    /usr/bin/python3 tests/conformance/test_alembic_conformance.py \\
        --revgraph build/revgraph --source . [--seed S] [--graphs N] [--keep DIR]

The seed is printed first; rerun with --seed (and --only I for one graph) to
reproduce.  The last line is ``N passed, M failed`` (compared command runs);
the exit status is 0 iff nothing failed.
"""

import argparse
import difflib
import itertools
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import alembic_sorted  # noqa: E402  (patches os.listdir, loads alembic)
import graphgen  # noqa: E402
import runner  # noqa: E402

MAX_REPORTED = 10
REVGRAPH_TIMEOUT = 30


# ---------------------------------------------------------------------------
# command selection
# ---------------------------------------------------------------------------

def build_commands(g, rng):
    ids = g.ids()
    labels = g.all_labels()
    cmds = [
        ["heads"], ["heads", "-v"], ["heads", "--resolve-dependencies"],
        ["heads", "-v", "--resolve-dependencies"],
        ["branches"], ["branches", "-v"],
        ["history"], ["history", "-v"],
    ]

    # --- history ranges -------------------------------------------------
    pairs = []
    for _ in range(3):
        y = rng.choice(ids)
        anc = sorted(g.ancestors(y) - {y})
        if anc:
            pairs.append((rng.choice(anc), y))
    dep_pairs = []
    for r in g.revs:
        if r.dep_targets:
            dep_pairs.append((rng.choice(r.dep_targets), r.id))
    ranges = []
    x = rng.choice(ids)
    ranges += ["base:%s" % x, "%s:" % x, ":%s" % x]
    x2 = rng.choice(ids)
    ranges += ["%s:" % x2[:rng.randint(4, 8)], ":%s" % x2]
    for a, b in pairs:
        ranges.append("%s:%s" % (a, b))
    if pairs:
        a, b = pairs[0]
        ranges.append("%s:%s" % (b, a))  # reversed: not an ancestor range
        ranges.append("%s:%s" % (a[:6], b[:7]))  # by prefix
    if dep_pairs:
        a, b = rng.choice(dep_pairs)
        ranges.append("%s:%s" % (a, b))  # related only through depends_on
    a, b = rng.choice(ids), rng.choice(ids)
    ranges.append("%s:%s" % (a, b))  # random pair (often unrelated)
    ranges += ["base:heads", "heads:", ":head", "base:base", "base:"]
    for lab in rng.sample(labels, min(3, len(labels))):
        ranges += ["%s@base:" % lab, ":%s@head" % lab, "%s:" % lab,
                   "%s@base:%s@head" % (lab, lab)]
    if ids:
        ranges.append("%s@base:" % rng.choice(ids)[:6])  # prefix is not a label
    ranges += ["nosuch:", ":nosuch", "base:nosuch"]
    for rr in ranges:
        cmds.append(["history", "-r", rr])
    # relative and odd forms (values starting with '-' need '=')
    cmds += [["history", "-r=-1:"], ["history", "--rev-range=-2:"],
             ["history", "-r-1:%s" % rng.choice(ids)],
             ["history", "-r", "%s:-1" % rng.choice(ids)],
             ["history", "-r", "%s+1:" % rng.choice(ids)]]
    cmds.append(["history", "-v", "-r", rng.choice(ranges)])
    cmds.append(["history", "--verbose", "--rev-range", rng.choice(ranges)])
    # invalid ranges
    cmds += [["history", "-r", "nocolon"], ["history", "-r", "a:b:c"],
             ["history", "-r", "-1:"]]  # argparse error (exit 2)

    # --- show -----------------------------------------------------------
    for rid in ids:
        cmds.append(["show", rid])
    prefixes = set()
    for rid in ids:
        prefixes.add(rid[:rng.randint(1, 6)])
    prefixes = sorted(prefixes)
    rng.shuffle(prefixes)
    for p in sorted(prefixes[:20]):
        cmds.append(["show", p])
    cmds += [["show", "head"], ["show", "heads"], ["show", "base"],
             ["show", "-1"], ["show", "-2"], ["show", "nosuch"],
             ["show", "nosuch@head"], ["show", "heads@heads"]]
    for lab in labels:
        cmds += [["show", lab], ["show", lab + "@head"], ["show", lab + "@heads"],
                 ["show", lab + "@base"], ["show", lab + "@-1"]]
        if len(lab) > 4:
            cmds.append(["show", lab[:4]])  # a label prefix
        owner = g.label_owner[lab]
        inside = sorted(g.lineage(owner))
        outside = sorted(set(ids) - g.lineage(owner))
        cmds.append(["show", "%s@%s" % (lab, rng.choice(inside))])
        if outside:
            o = rng.choice(outside)
            cmds.append(["show", "%s@%s" % (lab, o)])
            cmds.append(["show", "%s@%s" % (lab, o[:5])])
    for rid in rng.sample(ids, min(5, len(ids))):
        cmds.append(["show", rid + "@head"])
    for rid in rng.sample(ids, min(2, len(ids))):
        cmds.append(["show", rid[:6] + "@heads"])
        other = rng.choice(ids)
        cmds.append(["show", "%s@%s" % (rid, other)])
    return cmds


# ---------------------------------------------------------------------------
# running and comparing
# ---------------------------------------------------------------------------

class Outcome(object):
    __slots__ = ("ok", "where", "argv", "alembic", "revgraph", "note", "shape")

    def __init__(self, ok, where, argv, alembic=None, revgraph=None, note="", shape=""):
        self.ok = ok
        self.where = where
        self.argv = argv
        self.alembic = alembic
        self.revgraph = revgraph
        self.note = note
        self.shape = shape


def command_shape(cmd, ids, labels):
    """The command with revision ids/prefixes replaced by ID and labels by
    LABEL, to group failures ("show LABEL@head", "history -r ID:ID")."""
    def tok(t):
        parts = re.split(r"([@:=])", t)
        out = []
        for p in parts:
            if p in labels:
                out.append("LABEL")
            elif p and re.match(r"^[0-9a-f]+$", p) and any(i.startswith(p) for i in ids):
                out.append("ID" if p in ids else "PREFIX")
            else:
                out.append(p)
        return "".join(out)
    return " ".join(tok(t) for t in cmd)


SELF_TEST = "<alembic --serve>"
_server = {}


def _run_self_test_server(argv, cwd):
    """Alembic in a separate long-lived process with another PYTHONHASHSEED."""
    import json
    proc = _server.get(os.getpid())
    if proc is None:
        env = dict(os.environ)
        env["PYTHONHASHSEED"] = str(random.SystemRandom().randrange(1, 2 ** 32 - 1))
        proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "alembic_sorted.py"), "--serve"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
            universal_newlines=True, encoding="utf-8")
        _server[os.getpid()] = proc
    proc.stdin.write(json.dumps({"argv": argv, "cwd": cwd}) + "\n")
    proc.stdin.flush()
    res = json.loads(proc.stdout.readline())
    return res["status"], res["stdout"], res["stderr"]


def run_revgraph(binary, argv, cwd):
    if binary == SELF_TEST:
        return _run_self_test_server(argv, cwd)
    try:
        p = subprocess.run([binary] + argv, cwd=cwd, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=REVGRAPH_TIMEOUT)
    except subprocess.TimeoutExpired as e:
        return (None, (e.stdout or b"").decode("utf-8", "replace"),
                "TIMEOUT after %ss" % REVGRAPH_TIMEOUT)
    except OSError as e:
        return (None, "", "cannot execute: %s" % e)
    return (p.returncode, p.stdout.decode("utf-8", "surrogateescape"),
            p.stderr.decode("utf-8", "replace"))


def _is_single_failed(stdout):
    lines = stdout.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return len(lines) == 1 and lines[0].startswith("FAILED: ")


# revgraph names the file at fault: "FAILED: /path/file.py:12: <Alembic's text>".
_FILE_LINE = re.compile(r"^FAILED: /[^\n]*?:\d+: ", re.M)

# Broken projects where revgraph deliberately differs from Alembic 1.8.1
# (docs/revision-files.md): "accepts" = revgraph loads the project where
# Alembic crashes; "rejects" = revgraph refuses what Alembic only warns about.
DELIBERATE = {
    "partial_depends_on": "accepts",   # depends_on resolves unique prefixes
    "duplicate_id": "rejects",         # the same id in two files is an error
    "bad_version_path_separator": "accepts",  # 1.8.1 template comment ignored
}


def classify(a, rv, labels, accept_crash, deliberate=None):
    """Return (ok, note)."""
    status, out, _err = rv
    if status is not None and status >= 0:
        out = _FILE_LINE.sub("FAILED: ", out)
    if deliberate == "rejects" and status is not None:
        if status == 255 and _is_single_failed(out.split("\n")[0] + "\n"):
            return True, ""
        return False, "revgraph must reject this project (deliberate difference)"
    if deliberate == "accepts" and status is not None and a.status == 1:
        if status in (0, 255) and not out.startswith("Traceback"):
            return True, ""
    if status is None:
        return False, "revgraph did not run to completion: %s" % _err
    if status < 0:
        return False, "revgraph killed by signal %d" % -status
    if a.status == 1:
        if accept_crash and status == 1 and (
                alembic_sorted.normalize(out, labels)
                == alembic_sorted.normalize(a.stdout, labels)):
            return True, ""
        if status == 0:
            return False, "Alembic crashed (traceback); revgraph exited 0"
        if _is_single_failed(out):
            return True, ""
        # also accept Alembic's partial output followed by one FAILED line
        if out.startswith(a.stdout) and _is_single_failed(out[len(a.stdout):]):
            return True, ""
        return False, "Alembic crashed (traceback); revgraph must print one FAILED: line"
    if status != a.status:
        return False, "exit status %d, Alembic %d" % (status, a.status)
    if out == a.stdout:
        return True, ""
    if alembic_sorted.normalize(out, labels) == alembic_sorted.normalize(a.stdout, labels):
        return True, ""
    return False, "stdout differs"


ORDER_SENSITIVE = ("history", "branches")


def _same_lines(a, b, labels):
    norm = alembic_sorted.normalize
    return sorted(norm(a, labels).split("\n")) == sorted(norm(b, labels).split("\n"))


def _dep_orders(multi_deps, limit=200):
    keys = sorted(multi_deps)
    perms = [list(itertools.permutations(multi_deps[k])) for k in keys]
    for n, combo in enumerate(itertools.product(*perms)):
        if n >= limit:
            break
        yield dict(zip(keys, combo))


def compare_one(binary, argv, cwd, labels, accept_crash, deliberate=None):
    a = alembic_sorted.run(argv, cwd=cwd)
    rv = run_revgraph(binary, argv, cwd)
    ok, note = classify(a, rv, labels, accept_crash, deliberate)
    if (not ok and a.multi_deps and rv[0] == a.status
            and any(c in argv for c in ORDER_SENSITIVE)
            and _same_lines(a.stdout, rv[1], labels)):
        # Alembic's order here depends on the hash order of normalized
        # dependencies: accept any order it could have produced.
        for order in _dep_orders(a.multi_deps):
            alt = alembic_sorted.run(argv, cwd=cwd, dep_order=order)
            ok2, _ = classify(alt, rv, labels, accept_crash)
            if ok2:
                return True, a, rv, ""
        note += " (also under every order of the dependencies of %s)" % (
            ", ".join(sorted(a.multi_deps)))
    return ok, a, rv, note


def process_graph(task):
    (index, seed, binary, template, workroot, keep, accept_crash) = task
    runner.leak_check_graph(index)
    g = graphgen.generate(seed, index)
    rng = random.Random("commands:%s:%s" % (seed, index))
    gdir = os.path.join(workroot, "graph-%04d" % index)
    proj = os.path.join(gdir, "proj")
    graphgen.write_project(g, proj, template)
    cwd, prefix = graphgen.invocation(g, proj)
    labels = set(g.all_labels())
    outcomes = []
    for cmd in build_commands(g, rng):
        argv = prefix + cmd
        ok, a, rv, note = compare_one(binary, argv, cwd, labels, accept_crash)
        where = "graph %d (%d revisions, %s%s)" % (
            index, len(g.revs), g.invocation,
            ", version_locations" if g.version_locations else "")
        if ok:
            outcomes.append(Outcome(True, where, argv))
        else:
            outcomes.append(Outcome(False, where + " cwd=%s" % cwd, argv,
                                    (a.status, a.stdout, a.stderr), rv, note,
                                    command_shape(cmd, set(g.ids()), labels)))
    if not keep:
        shutil.rmtree(gdir, ignore_errors=True)
    return index, outcomes


def process_broken(task):
    (binary, template, workroot, keep, accept_crash) = task
    outcomes = []
    runner.leak_check_graph(0)
    std = [["heads"], ["heads", "-v"], ["heads", "--resolve-dependencies"],
           ["branches"], ["branches", "-v"], ["history"], ["history", "-v"],
           ["history", "-r", "aaaa00000001:"], ["show", "aaaa00000001"],
           ["show", "cccc00000003"], ["show", "heads"], ["show", "head"],
           ["show", "feat@head"], ["show", "dddd"]]
    for entry in graphgen.broken_projects():
        name = entry[0]
        gdir = os.path.join(workroot, "broken-" + name)
        proj, prefix = graphgen.write_broken_project(entry, os.path.join(gdir, "proj"), template)
        for cmd in std + entry[4]:
            argv = prefix + cmd
            ok, a, rv, note = compare_one(binary, argv, proj, None, accept_crash,
                                          DELIBERATE.get(name))
            where = "broken project %s (%s) cwd=%s" % (name, entry[1], proj)
            outcomes.append(Outcome(ok, where, argv, (a.status, a.stdout, a.stderr),
                                    rv, note, "[broken project %s]" % name))
        if not keep:
            shutil.rmtree(gdir, ignore_errors=True)
    return -1, outcomes


def _worker(task):
    try:
        if task[0] == "graph":
            return process_graph(task[1])
        return process_broken(task[1])
    except Exception:
        import traceback
        return -2, [Outcome(False, "harness error in task %r" % (task[1][:2],), [],
                            None, None, traceback.format_exc())]


def format_failure(seed, o):
    lines = ["=" * 78,
             "FAIL seed=%s %s" % (seed, o.where),
             "command: revgraph %s" % " ".join(_shell_quote(x) for x in o.argv),
             "reason: %s" % o.note]
    if o.alembic is not None and o.revgraph is not None:
        a_status, a_out, a_err = o.alembic
        r_status, r_out, r_err = o.revgraph
        exp = (a_out + "[exit %s]\n" % a_status).splitlines(True)
        got = (r_out + "[exit %s]\n" % r_status).splitlines(True)
        diff = list(difflib.unified_diff(exp, got, "alembic", "revgraph"))
        if len(diff) > 80:
            diff = diff[:80] + ["... (%d more diff lines)\n" % (len(diff) - 80)]
        lines.append("".join(d if d.endswith("\n") else d + "\n" for d in diff).rstrip("\n"))
        if a_status == 1 and a_err:
            lines.append("alembic traceback ends: %s" % a_err.strip().splitlines()[-1])
        if r_err.strip():
            el = r_err.strip().splitlines()
            lines.append("revgraph stderr: %s" % "\n  ".join(el[:5]))
    elif o.note:
        lines.append(o.note)
    return "\n".join(lines)


def _shell_quote(s):
    if s and all(c.isalnum() or c in "@%+=:,./-_" for c in s):
        return s
    return "'" + s.replace("'", "'\\''") + "'"


def main(argv=None):
    ap = argparse.ArgumentParser(description="revgraph vs Alembic 1.8.1 conformance")
    ap.add_argument("--revgraph", help="revgraph binary (or any alembic-like CLI)")
    ap.add_argument("--source", help="repository root (unused; accepted for ctest)")
    ap.add_argument("--seed", default=None, help="random seed (default: random, printed)")
    ap.add_argument("--graphs", type=int, default=int(os.environ.get("RG_CONFORMANCE_GRAPHS", "200")),
                    help="number of random graphs (default $RG_CONFORMANCE_GRAPHS, else 200)")
    ap.add_argument("--only", type=int, action="append", default=None,
                    help="run only this graph index (repeatable)")
    ap.add_argument("--no-broken", action="store_true", help="skip the fixed broken projects")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--keep", metavar="DIR", help="write projects under DIR and keep them")
    ap.add_argument("--accept-identical-crash", action="store_true",
                    help="accept exit 1 with identical stdout when Alembic crashed "
                         "(for validating the harness with Alembic itself)")
    ap.add_argument("--self-test", action="store_true",
                    help="validate the harness: compare Alembic with Alembic running in "
                         "another process with a different PYTHONHASHSEED (no --revgraph)")
    ap.add_argument("--max-reported", type=int, default=MAX_REPORTED)
    args = ap.parse_args(argv)
    if args.self_test:
        args.revgraph = SELF_TEST
        args.accept_identical_crash = True
    elif not args.revgraph:
        ap.error("--revgraph is required (or --self-test)")

    seed = runner.pick_seed(args.seed)
    print("conformance seed: %s (reproduce with --seed %s)" % (seed, seed), flush=True)
    print("alembic %s at %s; revgraph %s" % (
        alembic_sorted.ALEMBIC_VERSION, os.path.dirname(alembic_sorted.alembic.__file__),
        args.revgraph), flush=True)

    binary = SELF_TEST if args.self_test else os.path.abspath(args.revgraph)
    if not args.self_test and runner.missing_binary(binary):
        return 1

    t0 = time.time()
    tmp_root = tempfile.mkdtemp(prefix="rg-conformance-")
    try:
        if not args.self_test:
            binary = runner.snapshot_binary(binary, tmp_root)
        workroot = runner.make_workroot(args.keep, tmp_root)
        template = graphgen.make_template(os.path.join(tmp_root, "template"))

        indices = args.only if args.only else list(range(args.graphs))
        tasks = [("graph", (i, seed, binary, template, workroot, bool(args.keep),
                            args.accept_identical_crash)) for i in indices]
        if not args.no_broken and not args.only:
            tasks.insert(0, ("broken", (binary, template, workroot, bool(args.keep),
                                        args.accept_identical_crash)))

        results = runner.run_tasks(_worker, tasks, args.jobs, t0)
        results.sort(key=lambda r: r[0])

        passed = failed = 0
        failures = []
        failed_graphs = []
        for index, outcomes in results:
            gfail = 0
            for o in outcomes:
                if o.ok:
                    passed += 1
                else:
                    failed += 1
                    gfail += 1
                    failures.append(o)
            if gfail:
                failed_graphs.append((index, gfail))
        if failures:
            # report the first failure of each kind first, then the next ones
            groups = {}
            for o in failures:
                groups.setdefault((o.shape, o.note.split(" (also")[0]), []).append(o)
            # most frequent kinds first
            kinds = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
            shown = [members[0] for _key, members in kinds]
            for o in failures:
                if o not in shown:
                    shown.append(o)
            for o in shown[:args.max_reported]:
                print(format_failure(seed, o))
            print("=" * 78)
            print("failure kinds (count  command shape  reason):")
            for (shape, note), members in kinds[:40]:
                print("  %5d  %s  [%s]" % (len(members), shape, note))
            if len(kinds) > 40:
                print("  ... %d more kinds" % (len(kinds) - 40))
            print("failures per task (graph index: count; -1 = broken projects): %s" % ", ".join(
                "%d: %d" % fg for fg in failed_graphs))
            print("reproduce one graph: %s %s %s --seed %s --only N --keep DIR"
                  % (sys.executable, os.path.abspath(__file__),
                     "--self-test" if args.self_test else "--revgraph " + args.revgraph,
                     seed))
        print("time: %.1fs, %d graphs%s" % (time.time() - t0, len(indices),
                                             "" if args.no_broken or args.only else " + broken projects"))
        if args.keep:
            print("projects kept in %s" % workroot)
        print("%d passed, %d failed" % (passed, failed))
        return 0 if failed == 0 else 1
    finally:
        shutil.rmtree(tmp_root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
