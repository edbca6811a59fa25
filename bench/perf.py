#!/usr/bin/env python3
"""Speed benchmark (issue 7): searchlib against naive Whoosh, SQLite FTS5 and ripgrep, side by side.

For each corpus size N (default 10k and 50k; 100k with --full) it:

1. builds the corpus as FILES from ../shared/data/news (5,720 Wikinews articles, replicated with
   new ids ``wn-123-r1`` to reach N): half ``.txt`` scrapes (title line, date line, paragraphs),
   half simple HTML pages. Written under OUT/corpus-N/ and reused by later runs;
2. measures searchlib end to end (``searchlib index``: docs/s, wall, peak RSS, index size), then a
   re-index of the unchanged corpus;
3. measures the baselines (bench/perf_baselines.py, index only, text already clean): naive Whoosh
   (StemmingAnalyzer TEXT fields, overlap KEYWORD facets) and SQLite FTS5 with a facet table;
4. runs 200 mixed warm queries (terms, two-term AND, phrases; each with and without a facet
   filter; all with facet counts) against searchlib (Python API, one warm Searcher), naive Whoosh
   and FTS5: p50/p95 of each timed pass after a warm-up pass, median over the passes;
5. times fresh ``search TERM --facets`` processes against ripgrep single-term lookups over the
   files, and ``search --batch`` when the CLI has it;

then prints a table (one row per system/measure, one column per N), the ratio lines of the issue's
targets (largest N last) and writes everything to OUT/results-<timestamp>.json.

Peak RSS of a process tree is sampled from /proc every 0.1 s (sum of RSS and of PSS over the
process and all its descendants); ``/usr/bin/time -v`` gives the largest single process when present.

Usage: bash bench/run.sh [--sizes 2000,10000] [--full] [--install-rg] [--profile] ...  (see --help)
Standard library + whoosh + searchlib.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import perf_baselines as base  # noqa: E402

CORPUS_FORMAT = 1  # bump when the generated files change, so old corpora are rebuilt
PAGE = os.sysconf("SC_PAGE_SIZE")
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]

# Query material: words and phrases that occur in the Wikinews set (document frequency 40-2,100 of 5,720).
TERMS = ["election", "oil", "government", "police", "military", "parliament", "economy", "court", "attack",
         "protest", "vote", "tax", "bomb", "troops", "nuclear", "inflation", "refugees", "ceasefire",
         "sanctions", "corruption", "budget", "prices", "unemployment", "treaty", "referendum", "embassy",
         "insurgents", "hostages", "explosion", "militants", "terrorism", "opposition", "coalition", "summit"]
PAIRS = [("oil", "prices"), ("police", "protest"), ("government", "budget"), ("troops", "withdrawal"),
         ("election", "fraud"), ("nuclear", "sanctions"), ("bomb", "killed"), ("minister", "resigned"),
         ("court", "ruling"), ("bank", "interest"), ("parliament", "vote"), ("president", "visit"),
         ("militants", "attack"), ("refugees", "camp"), ("economy", "growth"), ("tax", "cuts"),
         ("embassy", "protest"), ("army", "offensive"), ("hostages", "released"), ("trade", "agreement")]
PHRASES = ["prime minister", "united nations", "white house", "security council", "human rights",
           "european union", "foreign minister", "oil prices", "suicide bomber", "peace talks",
           "general election", "supreme court", "nuclear weapons", "climate change", "central bank",
           "death toll", "stock market", "interest rates"]
FRESH_TERMS = ["election", "police", "nuclear", "refugees", "ceasefire"]


# ----------------------------------------------------------------------------- corpus as files

def date_line(iso: str | None) -> str | None:
    if not iso:
        return None
    y, m, d = (int(x) for x in iso.split("-"))
    return f"{MONTHS[m - 1]} {d}, {y}"


def paragraphs(text: str, per: int = 3) -> list[str]:
    sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z\"'])", text.strip())
    return [" ".join(sentences[i:i + per]) for i in range(0, len(sentences), per)] or [text]


def txt_page(row: dict) -> str:
    head = [row["title"]] + ([date_line(row.get("date"))] if row.get("date") else [])
    return "\n".join(head) + "\n\n" + "\n\n".join(paragraphs(row["text"])) + "\n"


def html_page(row: dict) -> str:
    e = html.escape
    meta = (f'<meta property="article:published_time" content="{row["date"]}">' if row.get("date") else "")
    body = "".join(f"<p>{e(p)}</p>\n" for p in paragraphs(row["text"]))
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{e(row["title"])}</title>{meta}'
            f"</head>\n<body><article><h1>{e(row['title'])}</h1>\n{body}</article></body></html>\n")


def build_corpus(out: str, n: int, rows: list[dict]) -> str:
    """OUT/corpus-N/ with N files in folders of 1,000 (even i: .txt, odd i: .html). Reused if complete."""
    folder = os.path.join(out, f"corpus-{n}")
    marker = os.path.join(out, f"corpus-{n}.done")
    if os.path.exists(marker):
        with open(marker) as fh:
            if json.load(fh).get("format") == CORPUS_FORMAT:
                log(f"corpus {n}: reusing {folder}")
                return folder
    shutil.rmtree(folder, ignore_errors=True)
    t0 = time.perf_counter()
    for i, (doc_id, row) in enumerate(base.replicate(rows, n)):
        sub = os.path.join(folder, f"{i // 1000:03d}")
        if i % 1000 == 0:
            os.makedirs(sub, exist_ok=True)
        if i % 2 == 0:
            path, page = os.path.join(sub, f"{doc_id}.txt"), txt_page(row)
        else:
            path, page = os.path.join(sub, f"{doc_id}.html"), html_page(row)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(page)
    with open(marker, "w") as fh:
        json.dump({"format": CORPUS_FORMAT, "n": n}, fh)
    log(f"corpus {n}: wrote {folder} in {time.perf_counter() - t0:.1f} s")
    return folder


# ----------------------------------------------------------------------------- measuring processes

def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as fh:
                    data = fh.read()
            except OSError:
                continue
            ppid = int(data[data.rindex(b")") + 2:].split()[1])
            kids.setdefault(ppid, []).append(int(name))
    return kids


def _tree_memory(root: int, skip_root: bool) -> tuple[int, int]:
    """(sum of RSS, sum of PSS) in bytes over ROOT's descendants (and ROOT unless skip_root)."""
    kids, todo, pids = _children(), [root], []
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo.extend(kids.get(pid, ()))
    if skip_root:
        pids.remove(root)
    rss = pss = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/statm") as fh:
                rss += int(fh.read().split()[1]) * PAGE
            with open(f"/proc/{pid}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1]) * 1024
                        break
        except (OSError, ValueError, IndexError):
            pass
    return rss, pss


HAVE_TIME = os.access("/usr/bin/time", os.X_OK)


def run_measured(cmd: list[str], env: dict | None = None, interval: float = 0.1) -> dict:
    """Run CMD; wall time, stdout, stderr, exit code and peak memory of its whole process tree."""
    tfile = os.path.join(ARGS.out, ".time-v.txt")
    full = (["/usr/bin/time", "-v", "-o", tfile] + cmd) if HAVE_TIME else cmd
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    proc = subprocess.Popen(full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    peak = {"rss": 0, "pss": 0}
    done = threading.Event()

    def sample():
        while not done.is_set():
            rss, pss = _tree_memory(proc.pid, skip_root=HAVE_TIME)
            peak["rss"], peak["pss"] = max(peak["rss"], rss), max(peak["pss"], pss)
            done.wait(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    done.set()
    sampler.join()
    result = {"cmd": cmd, "wall_s": wall, "rc": proc.returncode, "stdout": out, "stderr": err,
              "tree_rss_mb": peak["rss"] / 2**20, "tree_pss_mb": peak["pss"] / 2**20}
    if HAVE_TIME:
        with open(tfile) as fh:
            m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", fh.read())
        result["max_process_rss_mb"] = int(m.group(1)) / 1024 if m else None
        result["max_process_rss_source"] = "/usr/bin/time -v (largest single process of the tree)"
    else:
        after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        result["max_process_rss_mb"] = after / 1024 if after > before else None
        result["max_process_rss_source"] = "getrusage(RUSAGE_CHILDREN).ru_maxrss (lower bound)"
    return result


def dir_size_mb(path: str) -> float:
    from searchlib.fsutil import folder_size

    return folder_size(path) / 2**20


def median_of(runs: list[dict], key: str):
    vals = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(vals) if vals else None


def wall_median(cmd: list[str], runs: int) -> tuple[float, list[float], int]:
    times, rc = [], 0
    for _ in range(runs):
        t0 = time.perf_counter()
        rc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times, rc


def loadavg() -> float:
    with open("/proc/loadavg") as fh:
        return float(fh.read().split()[0])


def note_load(r: dict, phase: str) -> None:
    """The 1-minute load average at the end of a phase: above the core count, other processes competed."""
    r.setdefault("load_1min", {}).setdefault(phase, []).append(loadavg())


def entry_point(name: str) -> str:
    """The installed console script itself. A version manager's shim on PATH (pyenv's is a bash
    script that runs `pyenv exec`, ~45 ms a call) would be timed as if it were searchlib."""
    beside = os.path.join(os.path.dirname(sys.executable), name)
    return beside if os.access(beside, os.X_OK) else (shutil.which(name) or name)


def compile_bytecode() -> None:
    """Write searchlib's bytecode, as a regular `pip install` does: an editable install under
    PYTHONDONTWRITEBYTECODE=1 would otherwise compile every module in every fresh process."""
    import searchlib

    subprocess.run([sys.executable, "-m", "compileall", "-q", os.path.dirname(searchlib.__file__)], check=False,
                   env={**os.environ, "PYTHONDONTWRITEBYTECODE": ""})


def git_head() -> str:
    p = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return p.stdout.strip() or "?"


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- queries

def pick_filter_values(index_dir: str) -> dict:
    """Real facet values of the searchlib index (top countries and groups), via `searchlib facets`."""
    values = {}
    for facet in ("country", "group"):
        p = subprocess.run([entry_point("searchlib"), "facets", facet, "--format", "json", "--limit", "10", "--index", index_dir],
                           capture_output=True, text=True)
        if p.returncode != 0:
            raise SystemExit(f"searchlib facets {facet} failed: {p.stderr.strip()[-400:]}")
        data = json.loads(p.stdout)
        items = data.get(facet, data) if isinstance(data, dict) else data
        values[facet] = [(it["value"], it["count"]) for it in items]
    return values


def make_queries(values: dict, n: int = 200, seed: int = 7) -> list[dict]:
    """N mixed queries: term, two-term AND, phrase; each with and without a country or group filter.

    ``country``/``group`` is the searchlib filter (a real tagged value); ``baseline_country`` /
    ``baseline_group`` the baselines' synthetic value (the same name when it is in their list).
    """
    rng = random.Random(seed)
    countries = [v for v, _ in values["country"][:6]] or ["Iraq"]
    groups = [v for v, _ in values["group"][:4]] or ["Taliban"]
    kinds = ["term", "and", "phrase"]
    out = []
    for i in range(n):
        kind, filtered = kinds[i % 3], (i // 3) % 2 == 1
        if kind == "term":
            text = rng.choice(TERMS)
        elif kind == "and":
            text = " ".join(rng.choice(PAIRS))
        else:
            text = f'"{rng.choice(PHRASES)}"'
        q = {"kind": kind + ("+filter" if filtered else ""), "query": text}
        if filtered and i % 4 < 2:
            c = rng.randrange(len(countries))
            q["country"] = countries[c]
            q["baseline_country"] = countries[c] if countries[c] in base.COUNTRIES else base.COUNTRIES[c]
        elif filtered:
            g = rng.randrange(len(groups))
            q["group"] = groups[g]
            q["baseline_group"] = groups[g] if groups[g] in base.GROUPS else base.GROUPS[g]
        out.append(q)
    return out


def query_searchlib(index_dir: str, qfile: str, passes: int, variant: str = "default") -> dict:
    """Warm queries through the Python API in this (child) process: one Searcher, facets on.

    variant "all": SearchRequest(all=True), every near-duplicate counted (the baselines' work),
    when searchlib has that option; "default": one hit per story, as `search` does by default.
    """
    t0 = time.perf_counter()
    from searchlib import SearchRequest, Searcher
    extra = {}
    if variant == "all":
        if "all" not in getattr(SearchRequest, "__dataclass_fields__", {}):
            return {"unsupported": "SearchRequest has no `all` option"}
        extra["all"] = True
    with open(qfile, encoding="utf-8") as fh:
        queries = json.load(fh)
    requests = [SearchRequest(query=q["query"], countries=(q["country"],) if q.get("country") else (),
                              groups=(q["group"],) if q.get("group") else (), facets=True, limit=10, **extra)
                for q in queries]
    with Searcher(index_dir) as s:
        first = s.search(requests[0])
        open_first_ms = (time.perf_counter() - t0) * 1000
        by_index = {id(q): r for q, r in zip(queries, requests)}

        def run(q):
            res = s.search(by_index[id(q)])
            return res.total, len(res.hits)

        result = base.time_queries(run, queries, passes)
        result["import_open_first_query_ms"] = open_first_ms
        result["first_total"] = first.total
    return result


# ----------------------------------------------------------------------------- one corpus size

def bench_size(n: int, rows: list[dict], shared: dict) -> dict:
    out, r = ARGS.out, {"n": n}
    corpus = build_corpus(out, n, rows)
    work = os.path.join(out, f"work-{n}")
    os.makedirs(work, exist_ok=True)
    repeats = ARGS.build_repeats or (3 if n <= 2000 else 2 if n <= 10000 else 1)
    r["build_repeats"] = repeats

    # searchlib end to end: load + clean + tag + index, all cores
    sl_index = os.path.join(work, "searchlib-index")
    cmd = [entry_point("searchlib"), "index", corpus, "--index", sl_index, "--format", "json", "--no-progress"]
    if ARGS.jobs:
        cmd += ["--jobs", str(ARGS.jobs)]
    builds = []
    for k in range(repeats):
        shutil.rmtree(sl_index, ignore_errors=True)
        log(f"N={n}: searchlib index (fresh) {k + 1}/{repeats}")
        m = run_measured(cmd)
        if m["rc"] not in (0, 1):
            raise SystemExit(f"searchlib index failed (exit {m['rc']}): {m['stderr'][-2000:]}")
        try:
            m["summary"] = json.loads(m["stdout"])
        except ValueError:
            m["summary"] = None
        builds.append(m)
        note_load(r, "searchlib index")
        log(f"  {m['wall_s']:.1f} s, tree RSS {m['tree_rss_mb']:.0f} MB")
    summary = builds[-1]["summary"] or {}
    failed = summary.get("failed") or []
    wall = median_of(builds, "wall_s")
    r["searchlib_index"] = {
        "wall_s": wall, "docs_per_s": n / wall, "walls_s": [b["wall_s"] for b in builds],
        "tree_rss_mb": max(b["tree_rss_mb"] for b in builds), "tree_pss_mb": max(b["tree_pss_mb"] for b in builds),
        "max_process_rss_mb": median_of(builds, "max_process_rss_mb"),
        "max_process_rss_source": builds[-1]["max_process_rss_source"],
        "index_mb": dir_size_mb(sl_index), "added": summary.get("added"), "failed": len(failed),
        "failed_sample": failed[:3], "reported_seconds": summary.get("seconds")}

    # re-index of the unchanged corpus
    re_runs = []
    for k in range(3):
        m = run_measured(cmd)
        try:
            m["summary"] = json.loads(m["stdout"])
        except ValueError:
            m["summary"] = None
        re_runs.append(m)
    r["searchlib_reindex"] = {"wall_s": median_of(re_runs, "wall_s"), "walls_s": [m["wall_s"] for m in re_runs],
                              "summary": re_runs[-1]["summary"], "rc": re_runs[-1]["rc"],
                              "tree_rss_mb": max(m["tree_rss_mb"] for m in re_runs)}
    r["searchlib_index"]["index_mb_after_reindex"] = dir_size_mb(sl_index)
    log(f"N={n}: re-index unchanged {r['searchlib_reindex']['wall_s']:.2f} s")

    # baselines, index only
    bl = os.path.join(HERE, "perf_baselines.py")
    for system, target in (("whoosh", os.path.join(work, "naive-whoosh")), ("fts5", os.path.join(work, "fts5.sqlite"))):
        reps = repeats if system == "whoosh" else max(3, repeats)
        runs = []
        for k in range(reps):
            shutil.rmtree(target, ignore_errors=True) if system == "whoosh" else None
            log(f"N={n}: {system} index (index only) {k + 1}/{reps}")
            m = run_measured([sys.executable, bl, f"index-{system}", str(n), target])
            if m["rc"] != 0:
                raise SystemExit(f"{system} baseline failed: {m['stderr'][-2000:]}")
            m.update(json.loads(m["stdout"].strip().splitlines()[-1]))
            runs.append(m)
            note_load(r, f"{system} index")
            log(f"  {m['seconds']:.1f} s index time, tree RSS {m['tree_rss_mb']:.0f} MB")
        secs = median_of(runs, "seconds")
        r[f"{system}_index"] = {"seconds": secs, "docs_per_s": n / secs, "seconds_runs": [m["seconds"] for m in runs],
                                "process_wall_s": median_of(runs, "wall_s"),
                                "tree_rss_mb": max(m["tree_rss_mb"] for m in runs),
                                "max_process_rss_mb": median_of(runs, "max_process_rss_mb"),
                                "index_mb": dir_size_mb(target) if system == "whoosh" else os.path.getsize(target) / 2**20}

    # warm queries: the same 200 queries against the three systems, each in its own process
    if "queries" not in shared:
        shared["filter_values"] = pick_filter_values(sl_index)
        shared["queries"] = make_queries(shared["filter_values"], ARGS.queries)
    qfile = os.path.join(work, "queries.json")
    with open(qfile, "w", encoding="utf-8") as fh:
        json.dump(shared["queries"], fh, indent=0)
    me = [sys.executable, os.path.abspath(__file__), "_query-searchlib", sl_index, qfile, str(ARGS.passes)]
    for system, qcmd in (
            ("searchlib", me + ["default"]),
            ("searchlib_all", me + ["all"]),
            ("whoosh", [sys.executable, bl, "query", "whoosh", os.path.join(work, "naive-whoosh"), qfile, str(ARGS.passes)]),
            ("fts5", [sys.executable, bl, "query", "fts5", os.path.join(work, "fts5.sqlite"), qfile, str(ARGS.passes)])):
        log(f"N={n}: warm queries, {system}")
        m = run_measured(qcmd)
        note_load(r, f"{system} queries")
        if m["rc"] != 0:
            raise SystemExit(f"{system} queries failed: {m['stderr'][-2000:]}")
        q = json.loads(m["stdout"].strip().splitlines()[-1])
        q["process_tree_rss_mb"] = m["tree_rss_mb"]
        r[f"{system}_query"] = q
        if "p50_ms" in q:
            log(f"  p50 {q['p50_ms']:.1f} ms, p95 {q['p95_ms']:.1f} ms, sum of totals {q.get('totals_sum')}")
        else:
            log(f"  skipped: {q}")

    # fresh-process search with facets vs ripgrep single-term lookups over the files
    runs_each = max(1, ARGS.fresh_runs // len(FRESH_TERMS))
    times, rcs = [], set()
    for term in FRESH_TERMS:
        _, ts, rc = wall_median([entry_point("search"), term, "--facets", "--index", sl_index, "--format", "json"], runs_each)
        times += ts
        rcs.add(rc)
    r["fresh_search"] = {"median_ms": statistics.median(times) * 1000, "runs": len(times), "exit_codes": sorted(rcs)}
    note_load(r, "fresh search")
    log(f"N={n}: fresh search median {r['fresh_search']['median_ms']:.0f} ms")
    if shared.get("rg"):
        subprocess.run([shared["rg"], "-l", "-i", "-w", "-F", "election", corpus], stdout=subprocess.DEVNULL)  # warm
        times = []
        for term in FRESH_TERMS:
            _, ts, _ = wall_median([shared["rg"], "-l", "-i", "-w", "-F", term, corpus], runs_each)
            times += ts
        r["ripgrep"] = {"median_ms": statistics.median(times) * 1000, "runs": len(times),
                        "cmd": "rg -l -i -w -F TERM CORPUS"}
        log(f"N={n}: ripgrep median {r['ripgrep']['median_ms']:.0f} ms")

    # search --batch, when the CLI offers it
    if shared["has_batch"]:
        bfile = os.path.join(work, "batch.jsonl")
        with open(bfile, "w", encoding="utf-8") as fh:
            for q in shared["queries"]:
                obj = {"query": q["query"], "facets": True}
                if q.get("country"):
                    obj["country"] = [q["country"]]
                if q.get("group"):
                    obj["group"] = [q["group"]]
                fh.write(json.dumps(obj) + "\n")
        runs, lines_out, rc, err = [], None, None, ""
        for _ in range(3):
            t0 = time.perf_counter()
            p = subprocess.run([entry_point("search"), "--batch", bfile, "--index", sl_index], capture_output=True, text=True)
            runs.append(time.perf_counter() - t0)
            lines_out, rc, err = len(p.stdout.splitlines()), p.returncode, p.stderr[-500:]
        wall = statistics.median(runs)
        r["batch"] = {"lookups": len(shared["queries"]), "wall_s": wall, "lookups_per_s": len(shared["queries"]) / wall,
                      "lines_out": lines_out, "rc": rc, "stderr_tail": err.strip()}
        log(f"N={n}: search --batch {r['batch']['lookups_per_s']:.0f} lookups/s (rc {rc}, {lines_out} lines)")
    return r


# ----------------------------------------------------------------------------- report

def fmt(v, spec=".1f"):
    if v is None:
        return "-"
    return format(v, spec) if isinstance(v, (int, float)) else str(v)


def get(d: dict, path: str):
    for k in path.split("."):
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


ROWS = [
    ("searchlib index end to end, docs/s", "searchlib_index.docs_per_s", ".0f"),
    ("searchlib index end to end, wall s", "searchlib_index.wall_s", ".1f"),
    ("searchlib index, peak RSS tree sum MB (sampled)", "searchlib_index.tree_rss_mb", ".0f"),
    ("searchlib index, peak PSS tree sum MB (sampled)", "searchlib_index.tree_pss_mb", ".0f"),
    ("searchlib index, largest process RSS MB (time -v)", "searchlib_index.max_process_rss_mb", ".0f"),
    ("searchlib index size MB", "searchlib_index.index_mb", ".1f"),
    ("searchlib index, files failed", "searchlib_index.failed", "d"),
    ("searchlib re-index unchanged, wall s", "searchlib_reindex.wall_s", ".2f"),
    ("naive Whoosh index only, docs/s", "whoosh_index.docs_per_s", ".0f"),
    ("naive Whoosh index only, s", "whoosh_index.seconds", ".1f"),
    ("naive Whoosh index, peak RSS MB", "whoosh_index.tree_rss_mb", ".0f"),
    ("naive Whoosh index size MB", "whoosh_index.index_mb", ".1f"),
    ("SQLite FTS5 index only, docs/s", "fts5_index.docs_per_s", ".0f"),
    ("SQLite FTS5 index, peak RSS MB", "fts5_index.tree_rss_mb", ".0f"),
    ("SQLite FTS5 db size MB", "fts5_index.index_mb", ".1f"),
    ("searchlib warm query p50 ms", "searchlib_query.p50_ms", ".2f"),
    ("searchlib warm query p95 ms", "searchlib_query.p95_ms", ".2f"),
    ("searchlib queries with 0 hits (of 200)", "searchlib_query.zero_hit_queries", "d"),
    ("searchlib import+open+first query ms", "searchlib_query.import_open_first_query_ms", ".0f"),
    ("searchlib sum of totals, 200 queries", "searchlib_query.totals_sum", "d"),
    ("searchlib --all (every copy) warm p50 ms", "searchlib_all_query.p50_ms", ".2f"),
    ("searchlib --all (every copy) warm p95 ms", "searchlib_all_query.p95_ms", ".2f"),
    ("searchlib --all sum of totals", "searchlib_all_query.totals_sum", "d"),
    ("naive Whoosh warm query p50 ms", "whoosh_query.p50_ms", ".2f"),
    ("naive Whoosh warm query p95 ms", "whoosh_query.p95_ms", ".2f"),
    ("naive Whoosh queries with 0 hits", "whoosh_query.zero_hit_queries", "d"),
    ("naive Whoosh sum of totals", "whoosh_query.totals_sum", "d"),
    ("SQLite FTS5 warm query p50 ms", "fts5_query.p50_ms", ".2f"),
    ("SQLite FTS5 warm query p95 ms", "fts5_query.p95_ms", ".2f"),
    ("SQLite FTS5 queries with 0 hits", "fts5_query.zero_hit_queries", "d"),
    ("SQLite FTS5 sum of totals", "fts5_query.totals_sum", "d"),
    ("load average 1 min, max over phases", "load_max", ".1f"),
    ("fresh `search TERM --facets` median ms", "fresh_search.median_ms", ".0f"),
    ("ripgrep single-term lookup median ms", "ripgrep.median_ms", ".0f"),
    ("search --batch lookups/s", "batch.lookups_per_s", ".0f"),
]


def ratio(a, b):
    return a / b if a is not None and b else None


def report(results: list[dict], shared: dict) -> list[str]:
    lines = []
    sizes = [r["n"] for r in results]
    for r in results:
        r["load_max"] = max((v for vals in r.get("load_1min", {}).values() for v in vals), default=None)
    w = max(len(label) for label, _, _ in ROWS) + 2
    lines.append("measure".ljust(w) + "".join(f"N={n}".rjust(12) for n in sizes))
    lines.append("-" * (w + 12 * len(sizes)))
    for label, path, spec in ROWS:
        lines.append(label.ljust(w) + "".join(fmt(get(r, path), spec).rjust(12) for r in results))
    lines.append("")
    for sysname in ("searchlib", "searchlib_all", "whoosh", "fts5"):
        kinds = get(results[-1], f"{sysname}_query.by_kind") or {}
        lines.append(f"p50/p95 ms by query kind at N={results[-1]['n']}, {sysname}: " + ", ".join(
            f"{k} {v['p50_ms']:.1f}/{v['p95_ms']:.1f}" for k, v in kinds.items()))
    if not shared.get("rg"):
        lines.append("ripgrep: not installed (pass --install-rg to apt-get install it); fresh-search ratio skipped")
    if not shared["has_batch"]:
        lines.append("search --batch: not available")
    cores = os.cpu_count()
    busy = [f"N={r['n']} max {r['load_max']:.1f}" for r in results if r.get("load_max") and r["load_max"] > cores]
    if busy:
        lines.append(f"WARNING: the machine was shared: 1-min load average above {cores} cores ({', '.join(busy)}); "
                     "other processes competed, so absolute times are inflated (ratios less so)")
    if shared.get("head_start") != shared.get("head_end"):
        lines.append(f"WARNING: searchlib's git HEAD moved during the run ({shared.get('head_start')} -> "
                     f"{shared.get('head_end')}): measurements mix code versions")
    if get(results[-1], "searchlib_query.totals_sum") and get(results[-1], "whoosh_query.totals_sum"):
        lines.append("note: the replicas are exact copies; searchlib's default counts each near-duplicate story once "
                     "(smaller totals and facet counts), --all (SearchRequest(all=True)) counts every copy as the baselines do")
    lines.append(f"peak RSS: sampled from /proc every 0.1 s, sum over the process tree (RSS counts pages shared "
                 f"by forked workers once per process; PSS shares them); largest single process: "
                 f"{results[0]['searchlib_index']['max_process_rss_source']}")
    # growth
    if len(results) > 1:
        first = results[0]
        for r in results[1:]:
            k = r["n"] / first["n"]
            for sysname in ("searchlib", "whoosh", "fts5"):
                g = ratio(get(r, f"{sysname}_query.p50_ms"), get(first, f"{sysname}_query.p50_ms"))
                lines.append(f"growth warm_p50 {sysname} N={r['n']}/N={first['n']} = {fmt(g, '.2f')} "
                             f"(docs x{k:g}; target for searchlib: sub-linear, < {k:g})")
            g = ratio(get(r, "searchlib_all_query.p50_ms"), get(first, "searchlib_all_query.p50_ms"))
            lines.append(f"growth warm_p50 searchlib --all N={r['n']}/N={first['n']} = {fmt(g, '.2f')} (docs x{k:g})")
            g = ratio(get(r, "searchlib_index.docs_per_s"), get(first, "searchlib_index.docs_per_s"))
            lines.append(f"growth index docs/s searchlib N={r['n']}/N={first['n']} = {fmt(g, '.2f')} (target: flat, ~1.0)")
    for r in results:  # largest N last
        n = r["n"]
        lines.append(f"--- ratios at N={n} ---")
        lines.append(f"ratio end_to_end_docs_per_s / naive_whoosh_index_only = "
                     f"{fmt(ratio(get(r, 'searchlib_index.docs_per_s'), get(r, 'whoosh_index.docs_per_s')), '.2f')} (target >= 1.0)")
        lines.append(f"peak_rss_index_mb = {fmt(get(r, 'searchlib_index.tree_rss_mb'), '.0f')} "
                     f"(tree RSS sum; PSS {fmt(get(r, 'searchlib_index.tree_pss_mb'), '.0f')}, largest process "
                     f"{fmt(get(r, 'searchlib_index.max_process_rss_mb'), '.0f')}) (target <= 400)")
        lines.append(f"ratio warm_p50 searchlib / naive_whoosh = "
                     f"{fmt(ratio(get(r, 'searchlib_query.p50_ms'), get(r, 'whoosh_query.p50_ms')), '.3f')} (target <= 0.1)")
        lines.append(f"ratio warm_p50 searchlib --all / naive_whoosh = "
                     f"{fmt(ratio(get(r, 'searchlib_all_query.p50_ms'), get(r, 'whoosh_query.p50_ms')), '.3f')} "
                     f"(every copy counted, the baselines' work) (target <= 0.1)")
        lines.append(f"warm_p95 searchlib = {fmt(get(r, 'searchlib_query.p95_ms'), '.1f')} ms, --all "
                     f"{fmt(get(r, 'searchlib_all_query.p95_ms'), '.1f')} ms (target <= 60 ms)")
        lines.append(f"ratio warm_p50 searchlib / fts5 = "
                     f"{fmt(ratio(get(r, 'searchlib_query.p50_ms'), get(r, 'fts5_query.p50_ms')), '.3f')} (target < 1)")
        lines.append(f"ratio warm_p95 searchlib / fts5 = "
                     f"{fmt(ratio(get(r, 'searchlib_query.p95_ms'), get(r, 'fts5_query.p95_ms')), '.3f')} (target < 1)")
        if r.get("ripgrep"):
            lines.append(f"ratio fresh_search / ripgrep = "
                         f"{fmt(ratio(get(r, 'fresh_search.median_ms'), get(r, 'ripgrep.median_ms')), '.2f')} "
                         f"({fmt(get(r, 'fresh_search.median_ms'), '.0f')} / {fmt(get(r, 'ripgrep.median_ms'), '.0f')} ms) (target <= 0.6)")
        else:
            lines.append(f"ratio fresh_search / ripgrep = n/a (ripgrep not installed; fresh search "
                         f"{fmt(get(r, 'fresh_search.median_ms'), '.0f')} ms)")
        if r.get("batch"):
            lines.append(f"batch lookups/s = {fmt(get(r, 'batch.lookups_per_s'), '.0f')} (target >= 100)")
        else:
            lines.append("batch lookups/s = n/a: search --batch: not available (target >= 100)")
        lines.append(f"ratio reindex_unchanged / first_build = "
                     f"{fmt(ratio(get(r, 'searchlib_reindex.wall_s'), get(r, 'searchlib_index.wall_s')), '.3f')} (target <= 0.05)")
    return lines


# ----------------------------------------------------------------------------- profile

def profile_index(rows: list[dict]) -> list[str]:
    """cProfile of `searchlib index` on 2,000 docs, one process (--jobs 1): top 15 by cumulative time."""
    import pstats
    corpus = build_corpus(ARGS.out, 2000, rows)
    work = os.path.join(ARGS.out, "work-profile")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    pfile = os.path.join(work, "index.pstats")
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "cProfile", "-o", pfile, "-m", "searchlib", "index", corpus,
                    "--index", os.path.join(work, "index"), "--jobs", "1", "--no-progress"], check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    st = pstats.Stats(pfile).stats  # {(file, line, name): (cc, ncalls, tottime, cumtime, callers)}
    wrappers = ("click/", "runpy", "<string>", "__main__.py", "searchlib/cli/commands.py", "builtins.exec")
    rows = [(f, v[1], v[2], v[3]) for f, v in st.items()
            if not any(w in f"{f[0]}{f[2]}" for w in wrappers)]

    def name(f):
        path = f[0]
        for marker in ("site-packages/", "/work/main/"):
            if marker in path:
                path = path.split(marker, 1)[1]
        return f"{path}:{f[1]}({f[2]})" if f[1] else f[2]

    out = [f"cProfile: searchlib index, 2,000 docs, --jobs 1 (one process), {wall:.1f} s under the profiler "
           f"({pfile}); CLI/runpy wrappers left out",
           "top 15 by cumulative time:  cumtime s   tottime s     ncalls  function"]
    for f, nc, tt, ct in sorted(rows, key=lambda r: -r[3])[:15]:
        out.append(f"  {ct:9.2f} {tt:11.2f} {nc:10d}  {name(f)}")
    out.append("top 15 by own time:        cumtime s   tottime s     ncalls  function")
    for f, nc, tt, ct in sorted(rows, key=lambda r: -r[2])[:15]:
        out.append(f"  {ct:9.2f} {tt:11.2f} {nc:10d}  {name(f)}")
    return out


# ----------------------------------------------------------------------------- main

def ensure_rg() -> str | None:
    rg = shutil.which("rg")
    if rg or not ARGS.install_rg:
        return rg
    log("installing ripgrep (apt-get)")
    subprocess.run(["apt-get", "install", "-y", "ripgrep"], stdout=subprocess.DEVNULL, check=False)
    return shutil.which("rg")


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000,50000", help="corpus sizes (default 10000,50000)")
    ap.add_argument("--full", action="store_true", help="also N=100000")
    ap.add_argument("--out", default=os.path.join(HERE, "out"), help="scratch folder (default bench/out)")
    ap.add_argument("--queries", type=int, default=200, help="warm queries per system (default 200)")
    ap.add_argument("--passes", type=int, default=3, help="timed passes over the queries, after one warm-up (default 3)")
    ap.add_argument("--fresh-runs", type=int, default=15, help="fresh `search` / rg processes (default 15)")
    ap.add_argument("--build-repeats", type=int, default=0,
                    help="fresh index builds per system (default: 3 at N<=2000, 2 at N<=10000, else 1)")
    ap.add_argument("--jobs", type=int, default=0, help="searchlib index --jobs (default: searchlib's, all cores)")
    ap.add_argument("--install-rg", action="store_true", help="apt-get install ripgrep if rg is missing")
    ap.add_argument("--profile", action="store_true", help="also cProfile `searchlib index` on 2,000 docs")
    return ap.parse_args(argv)


def main(argv: list[str]) -> int:
    if argv and argv[0] == "_query-searchlib":  # child process of the warm-query measurement
        print(json.dumps(query_searchlib(argv[1], argv[2], int(argv[3]), *argv[4:5])))
        return 0
    global ARGS
    ARGS = parse_args(argv)
    ARGS.out = os.path.abspath(ARGS.out)
    os.makedirs(ARGS.out, exist_ok=True)
    sizes = [int(s) for s in ARGS.sizes.split(",") if s.strip() and int(s) > 0]  # --sizes 0: profile only
    if ARGS.full and 100000 not in sizes:
        sizes.append(100000)
    sizes.sort()
    started = time.perf_counter()
    rows = base.load_articles()
    compile_bytecode()
    help_text = subprocess.run([entry_point("search"), "--help"], capture_output=True, text=True).stdout
    shared = {"rg": ensure_rg(), "has_batch": "--batch" in help_text, "head_start": git_head()}
    results = []
    for n in sizes:
        results.append(bench_size(n, rows, shared))
    shared["head_end"] = git_head()
    lines = report(results, shared) if results else []
    if ARGS.profile:
        lines = profile_index(rows) + [""] + lines
    total = time.perf_counter() - started
    lines.insert(0, f"bench/run.sh: sizes {','.join(map(str, sizes))}, {os.cpu_count()} cores, "
                    f"{ARGS.queries} queries x {ARGS.passes} passes, total {total / 60:.1f} min")
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = os.path.join(ARGS.out, f"results-{stamp}.json")
    with open(path, "w", encoding="utf-8") as fh:
        json.dump({"argv": argv, "sizes": sizes, "cores": os.cpu_count(), "total_s": total,
                   "filter_values": shared.get("filter_values"), "queries": shared.get("queries"),
                   "ripgrep": shared["rg"], "has_batch": shared["has_batch"],
                   "git_head": [shared["head_start"], shared.get("head_end")],
                   "results": [{k: v for k, v in r.items()} for r in results], "printed": lines}, fh, indent=1)
    print(f"(results: {path})")
    print("\n".join(lines))
    return 0


ARGS = None

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
