#!/usr/bin/env python3
"""Engines benchmark (issue 9): `searchlib index` with the local process pool vs. the Dask engine.

Builds (or reuses) a corpus of N files from ../shared/data/news with bench/perf.py's helpers
(half .txt scrapes, half HTML pages, replicas with new ids), then times a fresh
``searchlib index CORPUS --rebuild`` with each engine as its own process, end to end: start-up
(the Dask engine starts a LocalCluster of --jobs worker processes), cleaning, tagging, shard or
index writing and publishing. Both indexes must hold N documents; their exports are compared.
The last lines are the docs/s of each engine.

Usage: python3 bench/engines.py [--docs 50000] [--jobs N] [--partitions N] [--out bench/out]
Needs the dask extra: pip install -e '.[dask]'.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import perf  # noqa: E402  (corpus helpers: build_corpus, log, run_measured)
import perf_baselines  # noqa: E402


def index_once(corpus: str, index_dir: str, engine: str, jobs: int, partitions: int) -> dict:
    cmd = [sys.executable, "-m", "searchlib", "index", corpus, "--index", index_dir, "--rebuild",
           "--engine", engine, "--format", "json", "--no-progress"]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    if partitions and engine == "dask":
        cmd += ["--partitions", str(partitions)]
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    measured = perf.run_measured(cmd, env=env)
    if measured["rc"] not in (0, 1):
        raise SystemExit(f"{engine}: searchlib index failed: {measured['stderr'][-2000:]}")
    return measured


def export_lines(index_dir: str) -> list[str]:
    """The export without its per-run timestamp, for comparing two indexes."""
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run([sys.executable, "-m", "searchlib", "export", "--index", index_dir, "--with-text"],
                         capture_output=True, text=True, env=env, check=True).stdout
    rows = []
    for line in out.splitlines():
        row = json.loads(line)
        row.pop("indexed_at", None)
        rows.append(json.dumps(row, sort_keys=True))
    return rows


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=50000, help="documents (files) in the corpus (default 50000)")
    ap.add_argument("--jobs", type=int, default=0, help="worker processes for both engines (default: all cores)")
    ap.add_argument("--partitions", type=int, default=0, help="Dask partitions (default: searchlib's)")
    ap.add_argument("--out", default=os.path.join(HERE, "out"), help="scratch folder (default bench/out)")
    args = ap.parse_args(argv)
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    perf.ARGS = argparse.Namespace(out=out)  # run_measured keeps /usr/bin/time's report there
    corpus = perf.build_corpus(out, args.docs, perf_baselines.load_articles())
    results = {}
    for engine in ("local", "dask"):
        index_dir = os.path.join(out, f"engines-{engine}-{args.docs}")
        shutil.rmtree(index_dir, ignore_errors=True)
        perf.log(f"{engine}: indexing {args.docs:,} documents")
        measured = index_once(corpus, index_dir, engine, args.jobs, args.partitions)
        wall = measured["wall_s"]
        summary = json.loads(measured["stdout"].strip().splitlines()[-1])
        docs = summary["added"] + summary["updated"] + summary["unchanged"]
        results[engine] = {"wall_s": round(wall, 2), "docs": docs, "docs_per_s": round(docs / wall, 1),
                           "tree_rss_mb": round(measured["tree_rss_mb"]), "index": index_dir}
    same = export_lines(results["local"]["index"]) == export_lines(results["dask"]["index"])
    stamp = time.strftime("%Y%m%d-%H%M%S")
    with open(os.path.join(out, f"engines-{stamp}.json"), "w", encoding="utf-8") as fh:
        json.dump({"docs": args.docs, "cores": os.cpu_count(), "jobs": args.jobs or os.cpu_count(),
                   "results": results, "same_export": same}, fh, indent=1)
    print(f"bench/engines.py: {args.docs:,} documents, {os.cpu_count()} cores, jobs {args.jobs or os.cpu_count()}; "
          f"same export from both engines: {'yes' if same else 'NO'}")
    for engine, r in results.items():
        print(f"{engine:5s}: {r['docs_per_s']:8,.1f} docs/s  ({r['docs']:,} docs in {r['wall_s']:.1f} s, "
              f"peak RSS of the process tree {r['tree_rss_mb']:,} MB)")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
