#!/usr/bin/env python3
"""Turn the raw results of bench/run.sh (bench/out/) into the Markdown report.

Usage: report.py OUT_DIR      (prints Markdown; run.sh tees it to OUT_DIR/results.md)

Reads OUT_DIR/meta.txt and, per size, OUT_DIR/n<N>/{graph.txt, run/...}:
  run/hf_{py,yaml,alembic}_<cmd>.json                   hyperfine exports
  run/<tool>_<form>_<cmd>.{out,err,rc,time}              one reference run each
                                                          (/usr/bin/time -v)
"""

import json
import os
import re
import sys

COMMANDS = ("heads", "branches", "history")
FORMS = ("py", "yaml")

# Targets (see bench/README.md)
T_SPEEDUP_10K = 100.0      # Alembic / revgraph at 10k, each command
T_CAT_RATIO_10K = 3.0      # revgraph / cat floor at 10k, each command
T_HEADS_100K = 0.3         # seconds
T_HISTORY_100K = 1.0       # seconds
T_PEAK_MB_100K = 200.0
T_GROWTH = 12.0            # t(100k) / t(10k)


def read(path, default=None):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return default


def kv_file(path):
    d = {}
    for line in (read(path, "") or "").splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
        elif ": " in line:
            k, v = line.split(": ", 1)
        else:
            continue
        d[k.strip()] = v.strip()
    return d


def fmt_t(s):
    if s is None:
        return "–"
    if s >= 100:
        return "%.0f s" % s
    if s >= 1:
        return "%.2f s" % s
    ms = s * 1000
    if ms >= 100:
        return "%.0f ms" % ms
    if ms >= 10:
        return "%.1f ms" % ms
    return "%.2f ms" % ms


def fmt_hf(r):
    """hyperfine result -> 'mean ± sd' (plus the run count when it is small)"""
    runs = len(r.get("times", []))
    if runs == 1 or r.get("stddev") is None:
        return "%s (1 run)" % fmt_t(r["mean"])
    text = "%s ± %s" % (fmt_t(r["mean"]), fmt_t(r.get("stddev") or 0))
    if runs < 10:
        text += " (%d runs)" % runs
    return text


def cpu_of(r):
    """user+sys seconds of a hyperfine result (or of a reference run)"""
    if r is None:
        return None
    if "cpu" in r:
        return r["cpu"]
    if r.get("user") is not None and r.get("system") is not None:
        return r["user"] + r["system"]
    return None


def fmt_ratio(x):
    if x is None:
        return "–"
    if x >= 100:
        return "%.0fx" % x
    if x >= 10:
        return "%.1fx" % x
    return "%.2fx" % x


def size_label(n):
    return "%dk" % (n // 1000) if n % 1000 == 0 else str(n)


class Run:
    """One reference run: output, exit status, peak RSS, wall time."""

    def __init__(self, prefix):
        self.exists = os.path.exists(prefix + ".rc")
        self.rc = int((read(prefix + ".rc", "-1") or "-1").strip() or -1)
        self.out = read(prefix + ".out", "")
        self.err = read(prefix + ".err", "")
        tv = read(prefix + ".time", "") or ""
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", tv)
        self.peak_mb = int(m.group(1)) / 1024.0 if m else None
        mu = re.search(r"User time \(seconds\): ([\d.]+)", tv)
        ms = re.search(r"System time \(seconds\): ([\d.]+)", tv)
        self.cpu = float(mu.group(1)) + float(ms.group(1)) if mu and ms else None
        m = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", tv)
        self.wall = (int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60
                     + float(m.group(3))) if m else None

    def first_err(self):
        lines = [l for l in self.err.splitlines() if l.strip()]
        return lines[-1][:160] if lines else ""


def hyperfine(path):
    d = json.loads(read(path, '{"results": []}') or '{"results": []}')
    return {r["command"]: r for r in d.get("results", [])}


def normalize(cmd, text):
    """Alembic 1.8.1 prints the children of a branchpoint in hash order: sort them."""
    if cmd != "branches":
        return text
    blocks = []
    for block in text.split("\n\n"):
        lines = block.split("\n")
        blocks.append("\n".join(lines[:1] + sorted(lines[1:])))
    return "\n\n".join(blocks)


def first_diff(a, b):
    al, bl = a.splitlines(), b.splitlines()
    for i, (x, y) in enumerate(zip(al, bl)):
        if x != y:
            return "line %d: got `%s`, expected `%s`" % (i + 1, x[:90], y[:90])
    if len(al) != len(bl):
        return "%d lines, expected %d" % (len(al), len(bl))
    return "identical"


class Size:
    def __init__(self, out, n):
        self.n = n
        self.dir = os.path.join(out, "n%d" % n)
        run = os.path.join(self.dir, "run")
        self.graph = kv_file(os.path.join(self.dir, "graph.txt"))
        self.alembic_mode = (read(os.path.join(run, "alembic_mode"), "skip") or "skip").strip()
        self.runs = {}
        for c in COMMANDS:
            self.runs[("alembic", "py", c)] = Run(os.path.join(run, "alembic_py_%s" % c))
            for f in FORMS:
                self.runs[("revgraph", f, c)] = Run(os.path.join(run, "revgraph_%s_%s" % (f, c)))
                self.runs[("nocache", f, c)] = Run(os.path.join(run, "nocache_%s_%s" % (f, c)))
        self.hf = {f: {} for f in FORMS}
        self.hf_alembic = {}
        for name in sorted(os.listdir(run)) if os.path.isdir(run) else ():
            m = re.match(r"hf_(py|yaml|alembic)_\w+\.json$", name)
            if m:
                res = hyperfine(os.path.join(run, name))
                (self.hf_alembic if m.group(1) == "alembic" else self.hf[m.group(1)]).update(res)
        self.check = {}      # (form, cmd) -> (ok: bool|None, text)
        for f in FORMS:
            for c in COMMANDS:
                self.check[(f, c)] = self._check(f, c)

    # -- timings ------------------------------------------------------------
    def rg(self, form, cmd):
        r = self.hf[form].get("revgraph %s" % cmd)
        if r is None:
            # slow command: not re-run by hyperfine, use the run that read the
            # cache (older runs of run.sh: the reference run)
            for prefix in ("warm", "revgraph"):
                run = Run(os.path.join(self.dir, "run", "%s_%s_%s" % (prefix, form, cmd)))
                if run.exists and run.rc == 0 and run.wall is not None:
                    return {"mean": run.wall, "stddev": None, "times": [run.wall], "cpu": run.cpu}
        return r

    def nocache(self, form, cmd):
        """revgraph with REVGRAPH_NO_CACHE=1: hyperfine, else its reference run, else None."""
        r = self.hf[form].get("revgraph-nocache %s" % cmd)
        if r is None:
            run = self.runs[("nocache", form, cmd)]
            if run.exists and run.rc == 0 and run.wall is not None:
                r = {"mean": run.wall, "stddev": None, "times": [run.wall], "cpu": run.cpu}
        return r

    def first_run(self, form, cmd):
        """The reference run: the project's first, which reads every file and writes the cache."""
        run = self.runs[("revgraph", form, cmd)]
        if run.exists and run.rc == 0 and run.wall is not None:
            return {"mean": run.wall, "stddev": None, "times": [run.wall], "cpu": run.cpu}
        return None

    def rg_mean(self, form, cmd):
        r = self.rg(form, cmd)
        return r["mean"] if r else None

    def cat(self, form):
        r = self.hf[form].get("cat")
        if r is None:
            run = Run(os.path.join(self.dir, "run", "cat_%s" % form))
            if run.wall is not None:
                r = {"mean": run.wall, "stddev": None, "times": [run.wall], "cpu": run.cpu}
        return r

    def cat_mean(self, form):
        r = self.cat(form)
        return r["mean"] if r else None

    def alembic_time(self, cmd):
        """(seconds or None, text)"""
        if self.alembic_mode == "bench":
            r = self.hf_alembic.get("alembic %s" % cmd)
            if r:
                return r["mean"], fmt_hf(r)
            run = self.runs[("alembic", "py", cmd)]
            return None, "error (exit %d)" % run.rc if run.exists else "–"
        if self.alembic_mode == "once":
            run = self.runs[("alembic", "py", cmd)]
            if run.rc == 124:
                return None, "> %s (timeout)" % fmt_t(run.wall)
            if run.rc == 0 and run.wall is not None:
                return run.wall, "%s (1 run)" % fmt_t(run.wall)
            return None, "error (exit %d)" % run.rc
        return None, "not run"

    # -- output checks ------------------------------------------------------
    def _check(self, form, cmd):
        ok, text = self._check_first(form, cmd)
        if ok is False:
            return ok, text
        run = self.runs[("revgraph", form, cmd)]
        for kind, what in (("warm", "read from the cache"), ("nocache", "with the cache off")):
            other = Run(os.path.join(self.dir, "run", "%s_%s_%s" % (kind, form, cmd)))
            if other.exists and (other.rc != run.rc or other.out != run.out or other.err != run.err):
                return False, "differs %s: %s" % (what, first_diff(other.out, run.out))
        return ok, text

    def _check_first(self, form, cmd):
        run = self.runs[("revgraph", form, cmd)]
        if not run.exists:
            return None, "not run"
        if run.rc == 124:
            return False, "timed out (RG_TIMEOUT)"
        if run.rc != 0:
            return False, "exit %d: %s" % (run.rc, run.first_err())
        if not run.out.strip():
            return False, "empty output"
        ref = self.runs[("alembic", "py", cmd)]
        if ref.exists and ref.rc == 0:
            if normalize(cmd, run.out) == normalize(cmd, ref.out):
                return True, "identical to Alembic (%d lines)" % len(ref.out.splitlines())
            return False, "differs from Alembic: " + first_diff(normalize(cmd, run.out),
                                                               normalize(cmd, ref.out))
        if form == "yaml":
            py = self.runs[("revgraph", "py", cmd)]
            if py.exists and py.rc == 0:
                if run.out == py.out:
                    return None, "identical to revgraph on .py (no Alembic reference)"
                return False, "differs from revgraph on .py: " + first_diff(run.out, py.out)
        return None, "no Alembic reference"

    def valid(self, form, cmd):
        ok, _ = self.check[(form, cmd)]
        return ok is not False and self.rg_mean(form, cmd) is not None


def main():
    out = sys.argv[1]
    meta = kv_file(os.path.join(out, "meta.txt"))
    sizes = [Size(out, int(n)) for n in meta.get("sizes", "").split()]
    by_n = {s.n: s for s in sizes}
    P = print

    P("# revgraph benchmark: revgraph vs Alembic %s vs reading the files" % meta.get("alembic", "?"))
    P()
    P("- Date: %s; full run took %s s" % (meta.get("date"), meta.get("duration_s")))
    P("- Machine: %s CPUs (`nproc`), %s, %s RAM, %s, file system %s" % (
        meta.get("nproc"), meta.get("cpu"), meta.get("mem"), meta.get("kernel"), meta.get("fs")))
    P("- Command line: `%s`" % meta.get("cmdline"))
    P("- Load average (1/5/15 min): %s" % meta.get("loadavg"))
    P("- revgraph: `%s`, commit %s, binary built %s" % (
        meta.get("revgraph"), meta.get("revgraph_commit"), meta.get("revgraph_binary")))
    P("- Alembic %s on Python %s, run through `bench/alembic_sorted.py` (os.listdir sorted, "
      "so it loads files in the same order as revgraph), warm bytecode cache; hyperfine %s" % (
          meta.get("alembic"), meta.get("python"), meta.get("hyperfine")))
    P("- Timing: `hyperfine -N` (no shell), warm page cache, one hyperfine call per command. "
      "revgraph and the cat floor: %s warmup runs and at least %s runs (and 3 s) when one run "
      "takes < 2 s, 1 warmup + 3 runs when < %s s, else only the single reference run. Alembic: 1 warmup + %s runs "
      "up to %s revisions; above that: %s." % (
          meta.get("rg_warmup"), meta.get("rg_min_runs"), meta.get("slow_s"),
          meta.get("alembic_runs"),
          meta.get("alembic_max"),
          "not measured" if meta.get("alembic_big") == "skip" else
          "one run per command with a %s s timeout" % meta.get("alembic_timeout")))
    P("- cat floor: `find migrations/versions -maxdepth 1 -name '*.py' -exec cat {} +` "
      "(resp. `*.yaml`), i.e. `cat versions/* > /dev/null` without the ARG_MAX limit "
      "that makes the plain glob fail at 100k files")
    P("- Peak memory: maximum resident set size of one run (`/usr/bin/time -v`)")
    P()
    P("Graphs (`bench/gengraph.py`, seed %s):" % meta.get("seed"))
    P()
    P("| revisions | heads | bases | mergepoints | branchpoints | with depends_on | branch labels |")
    P("|---:|---:|---:|---:|---:|---:|---:|")
    for s in sizes:
        g = s.graph
        P("| %s | %s | %s | %s | %s | %s | %s |" % (
            s.n, g.get("versioned_heads"), g.get("bases"), g.get("mergepoints"),
            g.get("branchpoints"), g.get("with_depends_on"), g.get("branch_labels")))
    P()

    # ---------------------------------------------------------------- times
    P("## Times (mean ± σ)")
    P()
    P("| revisions | command | revgraph .py | revgraph .yaml | Alembic .py | cat floor .py | cat floor .yaml |")
    P("|---:|---|---:|---:|---:|---:|---:|")
    for s in sizes:
        for c in COMMANDS:
            cells = []
            for f in FORMS:
                r = s.rg(f, c)
                ok, _ = s.check[(f, c)]
                if r:
                    cells.append(fmt_hf(r) + (" ✗" if ok is False else ""))
                else:
                    cells.append("error" if ok is False else "–")
            cats = []
            for f in FORMS:
                r = s.cat(f)
                cats.append(fmt_hf(r) if r else "–")
            P("| %s | %s | %s | %s | %s | %s | %s |" % (
                size_label(s.n), c, cells[0], cells[1], s.alembic_time(c)[1], cats[0], cats[1]))
    P()
    P("✗ = revgraph's output was wrong (see Output check); its time means little.")
    P()
    P("CPU time (user + sys, mean), to read the wall times above against the load average:")
    P()
    P("| revisions | command | revgraph .py | revgraph .yaml | Alembic .py | cat floor .py | cat floor .yaml |")
    P("|---:|---|---:|---:|---:|---:|---:|")
    for s in sizes:
        for c in COMMANDS:
            al = s.hf_alembic.get("alembic %s" % c) if s.alembic_mode == "bench" else None
            if al is None and s.alembic_mode == "once":
                run = s.runs[("alembic", "py", c)]
                al = {"cpu": run.cpu} if run.rc == 0 else None
            P("| %s | %s | %s | %s | %s | %s | %s |" % (
                size_label(s.n), c, fmt_t(cpu_of(s.rg("py", c))), fmt_t(cpu_of(s.rg("yaml", c))),
                fmt_t(cpu_of(al)), fmt_t(cpu_of(s.cat("py"))), fmt_t(cpu_of(s.cat("yaml")))))
    P()

    P("## Without the header cache")
    P()
    P("The times above are revgraph's usual state: its header cache (docs/configuration.md) "
      "was written by the first run of each project and the warmup runs, so a run reads the "
      "cache and stats every revision file instead of reading it. The first run of a project "
      "reads every file and writes the cache; `REVGRAPH_NO_CACHE=1` reads every file and "
      "writes nothing. The peak memory in the next table is that of the first run.")
    P()
    P("| revisions | command | first run .py | cache off .py | first run .yaml | cache off .yaml "
      "| peak MB cache off .py | peak MB cache off .yaml |")
    P("|---:|---|---:|---:|---:|---:|---:|---:|")
    for s in sizes:
        for c in COMMANDS:
            cells = []
            for f in FORMS:
                fr, nc = s.first_run(f, c), s.nocache(f, c)
                cells += [fmt_hf(fr) if fr else "–", fmt_hf(nc) if nc else "–"]
            pk = [s.runs[("nocache", f, c)].peak_mb for f in FORMS]
            P("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
                size_label(s.n), c, cells[0], cells[1], cells[2], cells[3],
                "%.1f" % pk[0] if pk[0] else "–", "%.1f" % pk[1] if pk[1] else "–"))
    P()

    P("## Ratios and memory")
    P()
    P("| revisions | command | speedup vs Alembic (.py) | speedup vs Alembic (.yaml) "
      "| revgraph/cat .py | revgraph/cat .yaml | revgraph peak MB .py | revgraph peak MB .yaml "
      "| Alembic peak MB |")
    P("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for s in sizes:
        for c in COMMANDS:
            at = s.alembic_time(c)[0]
            sp = [at / s.rg_mean(f, c) if at and s.rg_mean(f, c) else None for f in FORMS]
            cr = [s.rg_mean(f, c) / s.cat_mean(f) if s.rg_mean(f, c) and s.cat_mean(f) else None
                  for f in FORMS]
            pk = [s.runs[("revgraph", f, c)].peak_mb for f in FORMS]
            apk = s.runs[("alembic", "py", c)].peak_mb if s.runs[("alembic", "py", c)].exists else None
            P("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                size_label(s.n), c, fmt_ratio(sp[0]), fmt_ratio(sp[1]),
                fmt_ratio(cr[0]), fmt_ratio(cr[1]),
                "%.1f" % pk[0] if pk[0] else "–", "%.1f" % pk[1] if pk[1] else "–",
                "%.0f" % apk if apk else "–"))
    P()

    # ---------------------------------------------------------------- growth
    P("## Growth 10k -> 100k (revgraph time at 100k / time at 10k)")
    P()
    growth = {}
    if 10000 in by_n and 100000 in by_n:
        a, b = by_n[10000], by_n[100000]
        P("| command | .py | .yaml | cat floor .py | cat floor .yaml |")
        P("|---|---:|---:|---:|---:|")
        catg = [b.cat_mean(f) / a.cat_mean(f) if a.cat_mean(f) and b.cat_mean(f) else None
                for f in FORMS]
        for c in COMMANDS:
            g = []
            for f in FORMS:
                ta, tb = a.rg_mean(f, c), b.rg_mean(f, c)
                growth[(f, c)] = tb / ta if ta and tb else None
                g.append(fmt_ratio(growth[(f, c)]))
            P("| %s | %s | %s | %s | %s |" % (c, g[0], g[1], fmt_ratio(catg[0]), fmt_ratio(catg[1])))
    else:
        P("n/a: needs both sizes 10000 and 100000 in the same run.")
    P()

    # ---------------------------------------------------------------- output check
    P("## Output check")
    P()
    P("revgraph's stdout compared with Alembic's (`branches`: children of each branchpoint "
      "sorted, since Alembic 1.8.1 prints them in hash order); where Alembic did not run, "
      "the .yaml output is compared with the .py output. The first run (which writes the header "
      "cache), a later run (which reads it) and a run with the cache off must print the same "
      "stdout and stderr, with the same exit status.")
    P()
    P("| revisions | command | .py | .yaml |")
    P("|---:|---|---|---|")
    for s in sizes:
        for c in COMMANDS:
            cells = []
            for f in FORMS:
                ok, text = s.check[(f, c)]
                mark = {True: "OK", False: "WRONG", None: "?"}[ok]
                cells.append("%s: %s" % (mark, text.replace("|", "\\|")))
            P("| %s | %s | %s | %s |" % (size_label(s.n), c, cells[0], cells[1]))
    P()

    # ---------------------------------------------------------------- targets
    P("## Targets")
    P()
    results = []

    def target(status, text):
        results.append(status)
        P("- **%s** %s" % (status, text))

    def why_invalid(s, f, c):
        ok, text = s.check[(f, c)]
        if s.rg_mean(f, c) is None:
            return "revgraph did not run (%s)" % text
        return "revgraph output wrong (%s)" % text

    s10 = by_n.get(10000)
    s100 = by_n.get(100000)
    for c in COMMANDS:
        label = "10k %s: Alembic/revgraph >= %.0fx (.py)" % (c, T_SPEEDUP_10K)
        if not s10:
            target("SKIP", label + ": size 10000 not run")
            continue
        at = s10.alembic_time(c)[0]
        if not s10.valid("py", c):
            target("FAIL", "%s: %s" % (label, why_invalid(s10, "py", c)))
        elif at is None:
            target("SKIP", label + ": no Alembic time")
        else:
            sp = at / s10.rg_mean("py", c)
            target("PASS" if sp >= T_SPEEDUP_10K else "FAIL", "%s: %s (%s vs %s)" % (
                label, fmt_ratio(sp), fmt_t(at), fmt_t(s10.rg_mean("py", c))))
    for c in COMMANDS:
        for f in FORMS:
            label = "10k %s .%s: revgraph/cat <= %.0fx" % (c, f, T_CAT_RATIO_10K)
            if not s10:
                target("SKIP", label + ": size 10000 not run")
            elif not s10.valid(f, c):
                target("FAIL", "%s: %s" % (label, why_invalid(s10, f, c)))
            elif not s10.cat_mean(f):
                target("SKIP", label + ": no cat time")
            else:
                r = s10.rg_mean(f, c) / s10.cat_mean(f)
                target("PASS" if r <= T_CAT_RATIO_10K else "FAIL", "%s: %s (%s vs %s)" % (
                    label, fmt_ratio(r), fmt_t(s10.rg_mean(f, c)), fmt_t(s10.cat_mean(f))))
    for c, limit in (("heads", T_HEADS_100K), ("history", T_HISTORY_100K)):
        for f in FORMS:
            label = "100k %s .%s < %s" % (c, f, fmt_t(limit))
            if not s100:
                target("SKIP", label + ": size 100000 not run")
            elif not s100.valid(f, c):
                target("FAIL", "%s: %s" % (label, why_invalid(s100, f, c)))
            else:
                t = s100.rg_mean(f, c)
                target("PASS" if t < limit else "FAIL", "%s: %s (cat floor %s)" % (
                    label, fmt_t(t), fmt_t(s100.cat_mean(f))))
    label = "100k peak memory < %.0f MB (every command, both forms, first run and cache off)" % (
        T_PEAK_MB_100K)
    if not s100:
        target("SKIP", label + ": size 100000 not run")
    else:
        peaks = [(s100.runs[(k, f, c)].peak_mb, f, c + ("" if k == "revgraph" else ", cache off"))
                 for k in ("revgraph", "nocache") for f in FORMS for c in COMMANDS
                 if s100.runs[(k, f, c)].rc == 0 and s100.runs[(k, f, c)].peak_mb]
        bad = [(f, c) for f in FORMS for c in COMMANDS if not s100.valid(f, c)]
        if bad:
            target("FAIL", "%s: %s" % (label, why_invalid(s100, *bad[0])))
        elif peaks:
            mb, f, c = max(peaks)
            target("PASS" if mb < T_PEAK_MB_100K else "FAIL",
                   "%s: max %.1f MB (%s on .%s)" % (label, mb, c, f))
        else:
            target("FAIL", label + ": no successful revgraph run")
    for c in COMMANDS:
        for f in FORMS:
            label = "growth 10k->100k %s .%s <= %.0fx" % (c, f, T_GROWTH)
            if not (s10 and s100):
                target("SKIP", label + ": needs sizes 10000 and 100000")
            elif not (s10.valid(f, c) and s100.valid(f, c)):
                s = s10 if not s10.valid(f, c) else s100
                target("FAIL", "%s: %s" % (label, why_invalid(s, f, c)))
            else:
                g = growth[(f, c)]
                target("PASS" if g <= T_GROWTH else "FAIL", "%s: %s" % (label, fmt_ratio(g)))
    P()
    P("Summary: %d PASS, %d FAIL, %d SKIP" % (
        results.count("PASS"), results.count("FAIL"), results.count("SKIP")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
