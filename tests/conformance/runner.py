"""Harness pieces the random-graph conformance tests share
(test_alembic_conformance.py, test_migrate_conformance.py): the seed, a
snapshot of the revgraph binary, the work directory, and the per-graph tasks
run in a process pool with progress lines.
"""

import multiprocessing
import os
import random
import shutil
import time


def pick_seed(seed):
    """The --seed given, else a new random one (as a string)."""
    if seed is None:
        return str(random.SystemRandom().randrange(10 ** 9))
    return seed


def missing_binary(binary):
    """True (after printing the failure lines) when binary cannot be run."""
    if os.path.isfile(binary) and os.access(binary, os.X_OK):
        return False
    print("revgraph binary %s does not exist or is not executable" % binary)
    print("0 passed, 1 failed")
    return True


def snapshot_binary(binary, tmp_root):
    """The path to run: a copy in tmp_root of an ELF binary, so that a
    rebuild during the run cannot interfere; other files (scripts) as they
    are."""
    with open(binary, "rb") as f:
        if f.read(4) != b"\x7fELF":
            return binary
    snap = os.path.join(tmp_root, "revgraph")
    shutil.copy2(binary, snap)
    return snap


def make_workroot(keep, tmp_root):
    """The directory the projects are written under: --keep DIR (kept), else
    tmp_root/work; always as a real path."""
    if keep:
        workroot = os.path.abspath(keep)
        os.makedirs(workroot, exist_ok=True)
    else:
        workroot = os.path.join(tmp_root, "work")
        os.makedirs(workroot)
    return os.path.realpath(workroot)


def run_tasks(worker, tasks, jobs, t0, what="tasks", every=25, maxtasksperchild=None):
    """worker(task) for every task, in a pool of `jobs` forked processes when
    there is more than one of each; a progress line every `every` results.
    The results in the order they finished."""
    results = []
    if jobs > 1 and len(tasks) > 1:
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(jobs, maxtasksperchild=maxtasksperchild) as pool:
            for n, res in enumerate(pool.imap_unordered(worker, tasks), 1):
                results.append(res)
                if n % every == 0:
                    print("  ... %d/%d %s done (%.0fs)" % (n, len(tasks), what, time.time() - t0),
                          flush=True)
    else:
        for task in tasks:
            results.append(worker(task))
    return results


_ASAN_OPTIONS = os.environ.get("ASAN_OPTIONS")


def leak_check_graph(index):
    """Set ASAN_OPTIONS for the revgraph runs on graph `index` (called in the
    worker before them): LeakSanitizer's check at exit, about 40% of a short
    sanitized run, stays on for every $RG_CONFORMANCE_LEAK_EVERY-th graph
    (index 0, N, 2N, ...; default 1: every graph) and is turned off for the
    others.  Without AddressSanitizer the variable is read by nothing."""
    every = int(os.environ.get("RG_CONFORMANCE_LEAK_EVERY", "1") or "1")
    opts = _ASAN_OPTIONS
    if every > 1 and index % every:
        opts = (opts + ":" if opts else "") + "detect_leaks=0"
    if opts is None:
        os.environ.pop("ASAN_OPTIONS", None)
    else:
        os.environ["ASAN_OPTIONS"] = opts
