"""Stats: what an index holds (documents, years, top facet values, size, last update, last run)."""

from __future__ import annotations

import json
import os
import time
from typing import IO

from .. import facets, fsutil
from ..store import indexing
from . import searching


def stats(index_dir: str | None = None, top: int = 10) -> dict:
    """A summary of the index at ``index_dir``. Raises IndexNotFound/IndexCorrupt."""
    index_dir = index_dir or indexing.default_index_dir()
    gen = indexing.current_generation(index_dir)
    with searching.Searcher(index_dir) as s:
        counts = s.facets(None, None)
        documents = s.searcher.doc_count()
        crawled = len(set().union(*s.facet_cache.inverted["host"].values()))
    last_run = None
    try:
        with open(os.path.join(index_dir, indexing.LAST_RUN), encoding="utf-8") as fh:
            last_run = json.load(fh)
    except (OSError, ValueError):
        pass
    roots, versions = indexing.archive_roots(gen)
    updated = os.path.getmtime(os.path.join(index_dir, indexing.CURRENT))
    return {
        "index": index_dir,
        "documents": documents,
        "size_bytes": fsutil.folder_size(gen),
        "last_update": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(updated)),
        "years": {c.value: c.count for c in sorted(counts["year"], key=lambda c: c.value)},
        "undated": documents - sum(c.count for c in counts["year"]),
        "top": {f.name: [c.as_dict() for c in counts[f.name][:top]] for f in facets.FACETS if f.stats},
        "roots": roots,
        "derive_versions": versions,
        "last_run": last_run,
        "web_archives": web_archives(crawled, last_run),
    }


def web_archives(documents: int, last_run: dict | None) -> dict:
    """What the web archives gave: the documents from WARC and ARC records in the index, and the
    records the last run read and kept out, by reason (``redirect``, ``not found``...) and status."""
    from collections import Counter

    skipped = (last_run or {}).get("records_skipped") or []
    return {"documents": documents,
            "skipped_last_run": dict(Counter(s.get("reason") for s in skipped)),
            "skipped_last_run_by_status": {str(k): n for k, n in sorted(
                Counter(s.get("status") for s in skipped).items(), key=lambda kv: (kv[0] is None, kv[0] or 0))}}


def write_text(data: dict, out: IO[str]) -> None:
    out.write(f"index:        {data['index']}\n")
    out.write(f"documents:    {data['documents']}\n")
    out.write(f"size:         {data['size_bytes'] / 1024:,.0f} KiB\n")
    out.write(f"last update:  {data['last_update']}\n")
    years = ", ".join(f"{y}: {n}" for y, n in data["years"].items()) or "-"
    out.write(f"per year:     {years}" + (f" (undated: {data['undated']})" if data["undated"] else "") + "\n")
    for facet, values in data["top"].items():
        shown = ", ".join(f"{v['value']} ({v['count']})" for v in values) or "-"
        out.write(f"top {facet + ':':<9} {shown}\n")
    for root in data.get("roots", []):
        where = root["path"] or "(imported with --from-jsonl)"
        label = f"{root['label']}/" if root["label"] else "(no key prefix)"
        missing = "" if root["on_disk"] or not root["path"] else " [not on disk: documents kept]"
        out.write(f"root:         {where}  keys {label}  {root['documents']} documents{missing}\n")
    versions = data.get("derive_versions", {})
    if versions:
        out.write("derived by:   " + ", ".join(f"{v} ({n})" for v, n in versions.items()) + "\n")
    crawls = data.get("web_archives") or {}
    if crawls.get("documents") or crawls.get("skipped_last_run"):
        from ..derive import loading

        reasons = [r for r, n in crawls.get("skipped_last_run", {}).items() for _ in range(n)]
        out.write(f"web archives: {crawls['documents']} documents from WARC/ARC records"
                  + (f"; the last run read and skipped {loading.skip_counts(reasons)}" if reasons else "") + "\n")
    run = data.get("last_run")
    if run:
        out.write(f"last run:     {run.get('added', 0)} added, {len(run.get('failed', []))} failed\n")
        for f in run.get("failed", []):
            out.write(f"  failed: {f['path']}: {f['reason']}\n")
