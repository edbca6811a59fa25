"""Render: SearchResult / records -> text | json | jsonl | csv on a stream.

JSON shapes are stable: snake_case keys, ISO dates, ``null`` kept rather than omitted. CSV cells
never run as spreadsheet formulas: see ``safe_cell``; every CSV cell is quoted.
"""

from __future__ import annotations

import csv
import json
import re
from typing import IO, Iterable

from .. import facets
from ..records import json_line
from .searching import FacetCount, SearchResult


def hit_columns() -> tuple[str, ...]:
    """The CSV columns of hits: the facets each hit carries (facets.on_hits) between the others."""
    return ("rank", "key", "path", "title", "published", *(f.record_key for f in facets.on_hits()), "score",
            "snippet", "duplicates")


# = + - @ and every character NFKC folds to one of them (full-width ＝ ＋ － ＠, small ﹦ ﹢ ﹣ ﹫,
# super- and subscript + and =, the Hebrew alternative plus): spreadsheets may fold them too.
FORMULA_STARTS = "=+-@\u207a\u207c\u208a\u208c\ufb29\ufe62\ufe63\ufe66\ufe6b\uff0b\uff0d\uff1d\uff20"
CELL_SEPARATORS = ";,\t\r\n"  # what a spreadsheet may split cells on, whatever the file's own delimiter
_FORMULA_AT = re.compile("(^|[;,\t\r\n])( *)(?=[" + re.escape(FORMULA_STARTS) + "])")


def safe_cell(value) -> str:
    """A CSV cell that a spreadsheet shows as text, never runs (OWASP's CSV injection advice).

    A formula start gets a leading ``'`` at the start of the cell and after each separator inside it
    (spaces between are skipped): a locale whose spreadsheet splits on ``;`` would otherwise turn
    ``x;=HYPERLINK(...)`` into a cell ``=HYPERLINK(...)``. A leading tab, CR, LF or NUL gets one too.
    The writers here also quote every cell, so that a reader that honours quotes never splits one.
    """
    text = "" if value is None else str(value)
    text = _FORMULA_AT.sub(r"\1\2'", text)
    return "'" + text if text[:1] in ("\t", "\r", "\n", "\0") else text


def csv_writer(out: IO[str]):
    """The CSV writer of every CSV output: every cell quoted (OWASP), rows ended by \\n."""
    return csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)


def write_result(result: SearchResult, fmt: str, out: IO[str]) -> None:
    if fmt == "json":
        json.dump(result.as_dict(), out, ensure_ascii=False, indent=2)
        out.write("\n")
    elif fmt in ("jsonl", "csv"):
        write_hits(result.hits, fmt, out)
    else:
        _write_text(result, out)


def write_hits(hits, fmt: str, out: IO[str], header: bool = True) -> None:
    """Hits as JSON Lines or CSV (``header``: the CSV's column names first), so that a long result
    can be written a page at a time (the web view's exports)."""
    if fmt == "jsonl":
        for hit in hits:
            out.write(json.dumps(hit.as_dict(), ensure_ascii=False) + "\n")
        return
    writer = csv_writer(out)
    if header:
        writer.writerow(hit_columns())
    tagged = facets.on_hits()
    for hit in hits:
        d = hit.as_dict()
        writer.writerow([safe_cell(x) for x in (
            d["rank"], d["key"], d["path"], d["title"], d["published"],
            *(f.cell(d[f.record_key]) for f in tagged), d["score"], d["snippet"], d["duplicates"])])


def _write_text(result: SearchResult, out: IO[str]) -> None:
    shown = len(result.hits)
    what = f" for {result.query!r}" if result.query else ""
    out.write(f"{result.total} match{'es' if result.total != 1 else ''}{what}"
              + (f" (showing {shown})" if shown < result.total else "")
              + (" (no page has every word: pages with some of them)" if result.mode == "or-fallback" else "") + "\n")
    for hit in result.hits:
        out.write(f"\n{hit.rank:>3}. {hit.published or '(no date)':<10}  {hit.title or '(no title)'}\n")
        out.write(f"     {hit.path}" + (f"  (crawled {hit.crawled}, {hit.key})" if hit.crawled else "")
                  + (f"  (+{hit.duplicates} duplicate{'s' if hit.duplicates > 1 else ''})" if hit.duplicates else "")
                  + "\n")
        tags = [f"{f.record_key}: {f.text(getattr(hit, f.record_key))}" for f in facets.on_hits()
                if getattr(hit, f.record_key)]
        if tags:
            out.write("     " + " | ".join(tags) + "\n")
        if hit.snippet:
            out.write(f"     {hit.snippet}\n")
    if result.facets:
        out.write("\n")
        write_facets(result.facets, "text", out, result.facets_truncated)


def write_facets(facets: dict[str, list[FacetCount]], fmt: str, out: IO[str],
                 truncated: dict[str, dict[str, int]] | None = None) -> None:
    """Facet counts; in text, a facet cut short (``truncated``: SearchResult.facets_truncated) says so."""
    if fmt in ("json", "jsonl"):
        data = {k: [c.as_dict() for c in v] for k, v in facets.items()}
        if fmt == "json":
            json.dump(data, out, ensure_ascii=False, indent=2)
            out.write("\n")
        else:
            for facet, counts in data.items():
                for c in counts:
                    out.write(json.dumps({"facet": facet, **c}, ensure_ascii=False) + "\n")
    elif fmt == "csv":
        writer = csv_writer(out)
        writer.writerow(("facet", "value", "label", "count"))
        for facet, counts in facets.items():
            for c in counts:
                writer.writerow([safe_cell(x) for x in (facet, c.value, c.label or c.value, c.count)])
    else:
        for facet, counts in facets.items():
            out.write(f"{facet}:\n")
            if not counts:
                out.write("  (none)\n")
            for c in counts:
                out.write(f"  {c.count:>6}  {c.label or c.value}\n")
            cut = (truncated or {}).get(facet)
            if cut:
                more = cut["values"] - len(counts)
                out.write(f"  ... {more} more value{'s' if more != 1 else ''} (--facet-limit 0 lists every one)\n")


def write_records(records: Iterable[dict], fmt: str, out: IO[str]) -> None:
    """`extract` output: one JSON object per page (jsonl), a JSON list, or readable text."""
    if fmt == "json":
        json.dump(list(records), out, ensure_ascii=False, indent=2)
        out.write("\n")
        return
    for rec in records:
        if fmt == "jsonl":
            out.write(json_line(rec))
        else:
            write_document(rec, out)
            out.write("\n")


def write_document(rec: dict, out: IO[str]) -> None:
    """A record for a person: metadata, tags (with the sentence each came from), clean text."""
    out.write(f"{rec.get('title') or '(no title)'}\n")
    for label, key in (("key", "key"), ("path", "path"), ("author", "author"), ("published", "published"),
                       ("site", "site"), ("sha256", "sha256"), ("indexed at", "indexed_at")):
        if key in rec:
            out.write(f"  {label + ':':<12} {rec.get(key) if rec.get(key) is not None else '-'}\n")
    for facet in facets.columns():
        out.write(f"  {facet.record_key + ':':<12} {facet.text(rec.get(facet.record_key) or []) or '-'}\n")
    out.write(f"  {'dates:':<12} {', '.join(rec.get('dates') or []) or '-'}\n")
    origin = rec.get("origin") or {}
    if origin.get("kind") == "warc":
        out.write(f"  {'crawled:':<12} {origin.get('crawl_date') or '-'}\n")
        captures = rec.get("captures") or []
        out.write(f"  {'captures:':<12} {len(captures)} of {rec.get('path')}\n")
        for c in captures:
            out.write(f"    {c['crawled'] or '(no crawl date)':<20}  {c['key']}{'  (this one)' if c['key'] == rec.get('key') else ''}\n")
    if rec.get("evidence"):
        out.write("  evidence:\n")
        for e in rec["evidence"]:
            out.write(f"    {e['field']} {e['value']}: {e['sentence']}\n")
    out.write("\n" + (rec.get("text") or "") + "\n")


def export_columns() -> tuple[str, ...]:
    """The CSV columns of ``export``: the facets that are columns (facets.columns) between the others."""
    return ("key", "path", "title", "author", "published", "site", *(f.record_key for f in facets.columns()), "dates",
            "origin", "sha256", "size", "indexed_at", "version", "cluster")


def __getattr__(name: str):
    """``HIT_COLUMNS`` and ``EXPORT_COLUMNS``, as the registry has them now."""
    if name == "HIT_COLUMNS":
        return hit_columns()
    if name == "EXPORT_COLUMNS":
        return export_columns()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def write_export(records: Iterable[dict], fmt: str, out: IO[str], with_text: bool = False) -> int:
    """The catalogue: JSONL (one record per line, round-trips) or CSV (tags joined by ';')."""
    count = 0
    writer = None
    columns = export_columns() + (("text",) if with_text else ())
    tagged = facets.columns()
    for rec in records:
        count += 1
        if fmt == "jsonl":
            out.write(json_line(rec))
            continue
        if writer is None:
            writer = csv_writer(out)
            writer.writerow(columns)
        origin = rec.get("origin") or {}
        row = [rec.get("key"), rec.get("path"), rec.get("title"), rec.get("author"), rec.get("published"), rec.get("site"),
               *(f.cell(rec.get(f.record_key) or []) for f in tagged), ";".join(rec.get("dates") or []),
               origin.get("url") or origin.get("path"), rec.get("sha256"), rec.get("size"), rec.get("indexed_at"),
               rec.get("version"), rec.get("cluster")] + ([rec.get("text")] if with_text else [])
        writer.writerow([safe_cell(x) for x in row])
    if fmt == "csv" and writer is None:
        csv_writer(out).writerow(columns)
    return count
