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
        "web_archives": web_archives(crawled, last_run, indexing.archive_crawls(gen)),
    }


def web_archives(documents: int, last_run: dict | None, crawls: dict | None = None) -> dict:
    """What the web archives gave: the documents from WARC and ARC records in the index; what
    their files held (``crawls``, from indexing.archive_crawls: records read, documents, records
    kept out by reason, by HTTP status and by MIME type, records that are not responses); and the
    records the last run read and kept out, by reason (``redirect``, ``not found``...) and status."""
    from collections import Counter

    skipped = (last_run or {}).get("records_skipped") or []
    return {"documents": documents, **(crawls or {}),
            "skipped_last_run": dict(Counter(s.get("reason") for s in skipped)),
            "skipped_last_run_by_status": {str(k): n for k, n in sorted(
                Counter(s.get("status") for s in skipped).items(), key=lambda kv: (kv[0] is None, kv[0] or 0))}}


def _counts(values: dict) -> str:
    return ", ".join(f"{v} {n}" for v, n in values.items())


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
    if crawls.get("documents") or crawls.get("files") or crawls.get("skipped_last_run"):
        from ..derive import loading

        files = crawls.get("files", 0)
        line = f"web archives: {crawls['documents']} documents from WARC/ARC records"
        if files:
            line += (f"; {crawls['records']:,} records read in {files} archive file{'s' if files > 1 else ''}"
                     + (f" ({crawls['failed']} failed)" if crawls.get("failed") else ""))
        out.write(line + "\n")
        reasons = [r for r, n in crawls.get("skipped", {}).items() for _ in range(n)]
        if reasons:
            out.write(f"  skipped:    {loading.skip_counts(reasons)} (by status: {_counts(crawls['statuses'])})\n")
        if crawls.get("not_pages"):
            out.write(f"  not pages:  {_counts(crawls['not_pages'])}\n")
        if crawls.get("other_records"):
            out.write(f"  other records: {_counts(crawls['other_records'])}\n")
        if crawls.get("files_without_counts"):
            out.write(f"  ({crawls['files_without_counts']} archive files indexed before counts were kept: "
                      "`searchlib index --rebuild` counts them)\n")
        last = [r for r, n in crawls.get("skipped_last_run", {}).items() for _ in range(n)]
        if last:
            out.write(f"  last run:   read and skipped {loading.skip_counts(last)}\n")
    run = data.get("last_run")
    if run:
        out.write(f"last run:     {run.get('added', 0)} added, {len(run.get('failed', []))} failed\n")
        for f in run.get("failed", []):
            out.write(f"  failed: {f['path']}: {f['reason']}\n")
