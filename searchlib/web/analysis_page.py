"""What the analyst page (``/analysis``) shows for the current search: the co-mention matrix as a
table whose every cell links to the search of its two values, and comparative timelines as small
multiples whose every bar links to the search of its series and period. Built from the dicts of
``query/analysis.py``; ``with_urls`` adds the page URL of each filter for ``/api/timeline`` and
``/api/co-mentions``.
"""

from __future__ import annotations

import math

from .. import facets
from ..errors import BadValue
from ..settings import CO_MENTIONS, CO_MENTIONS_MAX, SERIES, SERIES_MAX
from .search_page import period_label
from .state import whole_number

BUCKETS = ("year", "month", "day")
_CHAR = 6.8  # about the width of a 12-unit character in the charts


def options(args, by_default: str | None = None) -> dict:
    """The analyst options of a URL: ``rows``, ``cols``, ``limit``, ``by``, ``series``, ``bucket``.

    Raises:
        BadValue: a number that is not a whole number in its range, or a bucket that is none of
            year, month, day (an unknown facet is refused by the library, naming the facets).
    """
    out: dict = {"rows": args.get("rows", "").strip() or "group", "cols": args.get("cols", "").strip() or "country",
                 "by": args.get("by", "").strip() or by_default}
    for name, default, most in (("limit", CO_MENTIONS, CO_MENTIONS_MAX), ("series", SERIES, SERIES_MAX)):
        raw = args.get(name, "").strip()
        value = whole_number(raw, 1, most) if raw else default
        if value is None:
            raise BadValue(f"Invalid {name} {raw!r}: use a whole number from 1 to {most}")
        out[name] = value
    bucket = args.get("bucket", "").strip() or None
    if bucket is not None and bucket not in BUCKETS:
        raise BadValue(f"Unknown bucket {bucket!r}: use year, month or day (or none: chosen from the span)")
    out["bucket"] = bucket
    return out


def search_url(line: dict) -> str:
    """The search page of a filter (a ``search --batch`` line from the library)."""
    from flask import url_for

    params: dict = {}
    for key, value in line.items():
        if key == "query":
            params["q"] = value
        elif key == "all":
            params["all"] = "1" if value else None
        elif key != "exact_group":  # the web view has no exact-group switch: its requests never set it
            params[key] = value
    return url_for("search_page", **{k: v for k, v in params.items() if v not in (None, "", [])})


def with_urls(data):
    """``data`` with ``"url"`` (the search page of that filter) beside every ``"filter"``."""
    if isinstance(data, list):
        return [with_urls(item) for item in data]
    if not isinstance(data, dict):
        return data
    out = {k: with_urls(v) for k, v in data.items()}
    if isinstance(data.get("filter"), dict):
        out["url"] = search_url(data["filter"])
    return out


def _matches(n: int, counted: str) -> str:
    unit = "stor" if counted == "stories" else "document"
    return f"{n} {unit}{('ies' if n != 1 else 'y') if unit == 'stor' else ('s' if n != 1 else '')}"


def matrix(data: dict) -> dict:
    """The co-mention table: headers with their totals and links, cells with a shade of their
    count (``heat-0`` to ``heat-4``, classes: the page sends no inline style), a link and an
    accessible name each; a zero is plain text (its search finds nothing)."""
    counted = data["counted"]
    cols = [{"label": v["label"], "count": v["count"], "href": search_url(v["filter"])} for v in data["cols"]["values"]]
    top = max([cell["count"] for line in data["cells"] for cell in line] + [1])
    rows = []
    for value, line in zip(data["rows"]["values"], data["cells"]):
        cells = []
        for col, cell in zip(data["cols"]["values"], line):
            n = cell["count"]
            cells.append({"count": n, "href": search_url(cell["filter"]) if n else None,
                          "heat": f"heat-{math.ceil(4 * n / top) if n else 0}",
                          "name": f"{value['label']} and {col['label']}: {_matches(n, counted)}"
                                  + ("" if cell["exact"] else " (the search finds more: its filter is broader)")})
        rows.append({"label": value["label"], "count": value["count"], "href": search_url(value["filter"]),
                     "cells": cells})
    return {"row_title": data["rows"]["title"], "col_title": data["cols"]["title"], "cols": cols, "rows": rows,
            "total": data["total"], "counted": counted, "unit": "stories" if counted == "stories" else "documents"}


def multiples(data: dict, width: int = 320, height: int = 96) -> dict:
    """Small multiples: the whole search first, then each series, on one shared vertical scale
    (so heights compare), each bar a link to its series in its period; first and last periods labelled."""
    series = [{"label": "All matches", "count": data["total"], "href": search_url(data["filter"]),
               "buckets": data["buckets"]}]
    series += [{"label": s["label"], "count": s["count"], "href": search_url(s["filter"]), "buckets": s["buckets"]}
               for s in data.get("series", [])]
    top = max([b["count"] for s in series for b in s["buckets"]] + [0])
    baseline = height - 20.0
    charts = []
    for s in series:
        bars = []
        n = len(s["buckets"]) or 1
        slot = width / n
        for i, b in enumerate(s["buckets"]):
            h = round((baseline - 4) * b["count"] / top, 2) if top and b["count"] else 0
            label = period_label(b["period"])
            bars.append({"period": b["period"], "label": label, "count": b["count"], "x": round(i * slot, 2),
                         "slot": round(slot, 2), "w": round(max(slot * 0.8, 1.0), 2), "h": max(h, 2.0) if h else 0,
                         "y": round(baseline - max(h, 2.0), 2) if h else baseline,
                         "href": search_url(b["filter"]) if b["count"] else None,
                         "name": f"{s['label']}, {label}: {_matches(b['count'], data['counted'])}"})
        # the first period at the left edge, the last at the right: each label once
        labels = [{"x": 0, "text": bars[0]["label"], "end": False}] if bars else []
        if len(bars) > 1 and (len(bars[0]["label"]) + len(bars[-1]["label"])) * _CHAR + 12 <= width:
            labels.append({"x": width, "text": bars[-1]["label"], "end": True})
        charts.append({**s, "bars": bars, "labels": labels})
    return {"charts": charts, "width": width, "height": height, "baseline": baseline, "top": top,
            "bucket": data.get("bucket"), "by_title": facets.get(data["by"]).title if data.get("by") else "",
            "unit": "stories" if data["counted"] == "stories" else "documents"}


def facet_choices() -> list[tuple[str, str]]:
    """(name, title) of the facets the views can split by: every facet a search filters by."""
    return [(f.name, f.title or f.name) for f in facets.filters()]
