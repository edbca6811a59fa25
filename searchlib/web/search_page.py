"""What the search page shows besides the hits: the facet sidebar, the timeline, the chips of the
selected filters, the page links, the highlighted snippets, and what a page without hits offers."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

from .. import facets
from ..derive import aliases
from ..settings import EMPTY_VALUES, FACET_SHOWN
from .state import State

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def highlight(snippet: str | None):
    """The library marks matches as **word**: escape first, then turn them into <mark>."""
    from markupsafe import Markup, escape

    escaped = str(escape(snippet or ""))
    return Markup(re.sub(r"\*\*(.+?)\*\*", r"<mark>\1</mark>", escaped, flags=re.S))


def month_label(period: str) -> str:
    """'2021-08' -> 'Aug 2021'; a year stays as it is."""
    if re.fullmatch(r"\d{4}-\d{2}", period):
        return f"{_MONTHS[int(period[5:]) - 1]} {period[:4]}"
    return period


def facet_panels(result, state: State) -> list[dict]:
    """Sidebar panels: each value with its count, whether it is selected, the link that toggles it
    and the one that leaves it out (``not_href``); the values left out; how many values the
    folded list hides (every value counts, nested ones too), and, expanded, the filter box's text
    (``q_facet``) with the form fields that keep the rest of the search."""
    panels = []
    for facet, counts in result.facets.items():
        declared = facets.get(facet)
        expanded = facet in state.expand
        narrowed = expanded and bool(state.q_facet)
        if narrowed:
            wanted = aliases.fold(state.q_facet)
            counts = [c for c in counts if wanted in aliases.fold(c.label or c.value) or wanted in aliases.fold(c.value)]
        excluded = []
        if declared.period:
            items = [{"value": c.value, "label": c.value, "count": c.count, "note": "", "not_href": "",
                      "selected": state.period_selected(c.value), "href": state.toggle_period(c.value),
                      "children": []} for c in counts]
        elif facet in state.filters:
            notes = declared.notes(result.hits)
            items = [{"value": c.value, "label": c.value, "count": c.count, "selected": state.selected(facet, c.value),
                      "href": state.toggle(facet, c.value), "children": [], "note": notes.get(c.value, ""),
                      "not_href": state.exclude(facet, c.value)}
                     for c in counts]
            items = _nest(items, state, declared)
            excluded = [{"label": declared.display(raw), "href": state.include_again(facet, raw)}
                        for raw in state.excluded.get(facet, [])]
        else:
            continue
        if not items and not excluded and not narrowed:
            continue
        shown = items if expanded else items[:FACET_SHOWN]
        everything = _size(items)
        panels.append({"facet": facet, "title": declared.title or facet.title(), "items": shown,
                       "hidden": everything - _size(shown), "values": everything, "excluded": excluded,
                       "expanded": expanded, "more": state.expand_url(facet, True),
                       "less": state.expand_url(facet, False), "q_facet": state.q_facet if expanded else "",
                       "form": state.hidden_fields("q_facet", "page", expand=[facet]) if expanded else []})
    return panels


def _size(items: list[dict]) -> int:
    """Values in a list of (nested) facet items."""
    return sum(1 + _size(item["children"]) for item in items)


def _nest(items: list[dict], state: State, facet) -> list[dict]:
    """Values under their parent (affiliates under their group: ``Facet.parent``); a parent with no
    count of its own still gets a link."""
    nodes = {item["value"]: item for item in items}
    roots: list[dict] = []
    if not any(facet.parent(item["value"]) for item in items):
        return items

    def attach(item: dict, seen: tuple = ()) -> None:
        parent = facet.parent(item["value"])
        if parent is None or parent in seen:
            if item not in roots:
                roots.append(item)
            return
        if parent not in nodes:
            nodes[parent] = {"value": parent, "label": parent, "count": None, "note": "",
                             "selected": state.selected(facet.name, parent), "href": state.toggle(facet.name, parent),
                             "children": [], "not_href": state.exclude(facet.name, parent)}
            attach(nodes[parent], seen + (item["value"],))
        if item not in nodes[parent]["children"]:
            nodes[parent]["children"].append(item)

    for item in items:
        attach(item)

    def weight(node: dict) -> int:
        return max([node["count"] or 0] + [weight(c) for c in node["children"]])

    return sorted(roots, key=lambda n: -weight(n))


def period_label(period: str) -> str:
    """A bucket as people read it: ``2021``, ``Aug 2021``, ``26 Aug 2021``."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", period):
        return f"{int(period[8:])} {_MONTHS[int(period[5:7]) - 1]} {period[:4]}"
    return month_label(period)


def _matches(n: int) -> str:
    return f"{n} match{'es' if n != 1 else ''}"


# The layouts of a timeline (kind, width, height): wide for a desktop's results column, medium, and
# narrow for a phone (390 px). Each is drawn at about the size it is shown, so that its 12-unit
# labels stay readable (a 1000-unit chart shrunk to 360 px would print them at 4 px); CSS shows
# the one that fits the figure's width (a container query).
CHARTS = (("wide", 1000, 120), ("medium", 600, 120), ("narrow", 360, 130))


def timeline(data: dict, state: State) -> dict:
    """The search page's timeline from ``analysis.timeline``: per chart layout, a bar per bucket
    (zeros drawn as gaps), each a link narrowing the search to its period, with its count in its
    title (hover) and its accessible name; axis labels placed once, never overlapping; the
    largest count marked on the vertical axis."""
    bucket = data.get("bucket") or "month"
    buckets = data.get("buckets") or []
    top = max([b["count"] for b in buckets] + [0])
    month_only = data.get("month_only") or {"count": 0, "periods": []}
    out = {"unit": bucket, "undated": data.get("undated", 0), "top": top, "bars": [], "charts": [],
           "first": period_label(buckets[0]["period"]) if buckets else "",
           "last": period_label(buckets[-1]["period"]) if buckets else "",
           "month_only": [{"label": period_label(p["period"]), "count": p["count"],
                           "href": state.dates(p["filter"].get("from", ""), p["filter"].get("to", ""))}
                          for p in month_only["periods"]],
           "month_only_count": month_only["count"],
           "analysis": url_for_analysis(state)}
    if not top:
        return out
    for b in buckets:
        label = period_label(b["period"])
        name = f"{label}: {_matches(b['count'])}"
        if not b["exact"]:
            name += " (the search also finds the pages dated only to its month)"
        out["bars"].append({"period": b["period"], "label": label, "count": b["count"], "name": name,
                            "href": state.dates(b["filter"].get("from", ""), b["filter"].get("to", ""))})
    for kind, width, height in CHARTS:
        out["charts"].append(_chart(kind, out["bars"], bucket, top, width, height))
    return out


def url_for_analysis(state: State) -> str:
    """/analysis for this search (the co-mentions and comparative timelines of the same matches)."""
    from flask import url_for

    return url_for("analysis_page", **state.params(expand=None, sort=None))


def _chart(kind: str, bars: list[dict], bucket: str, top: int, width: int, height: int) -> dict:
    left, baseline, plot_top = 34.0, height - 24.0, 8.0  # room for the top count, the labels below
    slot = (width - left) / len(bars)
    chart = {"kind": kind, "width": width, "height": height, "baseline": baseline, "left": left, "bars": [],
             "top_y": plot_top, "top_label": str(top)}
    for i, bar in enumerate(bars):
        h = round((baseline - plot_top) * bar["count"] / top, 2) if bar["count"] else 0
        x = round(left + i * slot, 2)
        chart["bars"].append({**bar, "x": x, "slot": round(slot, 2), "w": round(max(slot * 0.8, 1.0), 2),
                              "h": max(h, 2.0) if bar["count"] else 0,
                              "y": round(baseline - max(h, 2.0), 2) if bar["count"] else baseline})
    chart["labels"] = _axis_labels(chart["bars"], bucket, width)
    return chart


def _axis_labels(bars: list[dict], bucket: str, width: int) -> list[dict]:
    """Labels under the bars, each text once (no ``Jul`` of every year): the first bar in full,
    then years; months only within a year's span; days at each month's start and on the 10th and
    20th. The most telling first, none overlapping or past the edge."""
    char, gap = 6.8, 8.0  # about the width of a 12-unit character, and the space kept between labels
    candidates: list[tuple[int, float, str]] = []  # (priority, x, text)
    months = bucket == "month" and len(bars) <= 12
    for i, bar in enumerate(bars):
        p, x = bar["period"], bar["x"]
        if i == 0:
            candidates.append((0, x, bar["label"]))
        elif bucket == "year":
            year = int(p)
            candidates.append((1 if year % 10 == 0 or i == len(bars) - 1 else 2 if year % 5 == 0 else 3, x, p))
        elif bucket == "month":
            month = int(p[5:7])
            if month == 1:
                candidates.append((1, x, bar["label"] if months else p[:4]))
            elif months:
                candidates.append((2, x, _MONTHS[month - 1]))
        else:
            day, month = int(p[8:]), int(p[5:7])
            if day == 1:
                candidates.append((1, x, bar["label"] if month == 1 else f"1 {_MONTHS[month - 1]}"))
            elif day in (10, 20):
                candidates.append((2, x, f"{day} {_MONTHS[month - 1]}"))

    def place(candidates) -> list[tuple[float, float, str]]:
        placed: list[tuple[float, float, str]] = []
        for _prio, x, text in sorted(candidates, key=lambda c: (c[0], c[1])):
            end = x + len(text) * char
            if end <= width and not any(x < e + gap and s < end + gap for s, e, _t in placed):
                placed.append((x, end, text))
        return placed

    def hides(placed) -> bool:
        shown = {t for _s, _e, t in placed}
        return any(c[0] == 1 and c[2] not in shown for c in candidates)

    placed = place(candidates)
    if candidates and bucket != "year" and hides(placed):
        # the first label in full hides the next year's (or month's): the first in short then
        # ("2004" before "2005"), or none (the caption gives the first period in full)
        first = bars[0]["period"]
        short = first[:4] if bucket == "month" else f"{int(first[8:])} {_MONTHS[int(first[5:7]) - 1]}"
        candidates[0] = (0, candidates[0][1], short)
        placed = place(candidates)
        if hides(placed):
            placed = place(candidates[1:])
    return [{"x": x, "text": text} for x, _e, text in sorted(placed)]


def empty_help(result, state: State, count) -> dict:
    """What a search that found nothing offers instead, each a link that keeps the rest of the search:
    ``suggestions``, other spellings of the query (with its filters); ``drops``, the search without
    each filter or the query, with the matches it would give (``count(state)``: a SearchResult,
    facets when asked); ``values``, the facet values the query alone is found with."""
    from werkzeug.datastructures import MultiDict

    seen: set[str] = set()
    spellings = [s for s in result.suggestions if not (aliases.fold(s) in seen or seen.add(aliases.fold(s)))]
    out: dict = {"suggestions": [{"label": s, "href": state.url(q=s)} for s in spellings], "drops": [], "values": []}
    if result.total:
        return out
    for chip in chips(result, state):
        args = MultiDict(parse_qsl(urlsplit(chip["href"]).query, keep_blank_values=False))
        other = State.from_args(args)
        if not (other.q or other.has_filters):
            continue  # nothing left: that is the whole archive
        n = count(other, False).total
        if n:
            out["drops"].append({**chip, "total": n})
    if state.q and not state.browsing and state.has_filters:
        alone = State(state.q)
        found = count(alone, True)
        for facet_name, counts in found.facets.items():
            declared = facets.get(facet_name)
            if facet_name not in alone.filters or not counts:
                continue
            out["values"].append({"title": declared.title or facet_name.title(), "items": [
                {"label": c.label or c.value, "count": c.count, "href": alone.add(facet_name, c.value)}
                for c in counts[:EMPTY_VALUES]]})
    return out


def chips(result, state: State) -> list[dict]:
    """The selected filters, each with the link that removes it."""
    out = []
    if state.q and state.q != "*":
        out.append({"kind": "Query", "label": state.q, "href": state.url(q="")})
    for param, values in state.filters.items():
        for raw in values:
            label = facets.get(param).display(raw)
            if label != raw:
                label = f"{label} ({raw})"
            out.append({"kind": param.title(), "label": label, "href": state.remove(param, raw)})
    for param, values in state.excluded.items():
        for raw in values:
            label = facets.get(param).display(raw)
            out.append({"kind": f"Not {param}", "label": label, "href": state.include_again(param, raw),
                        "negated": True})
    if state.show_all:
        out.append({"kind": "Copies", "label": "every copy", "href": state.url(all=None)})
    if state.date_from and state.date_from == state.date_to:
        out.append({"kind": "Date", "label": month_label(state.date_from), "href": state.dates("", "")})
    else:
        if state.date_from:
            out.append({"kind": "From", "label": state.date_from, "href": state.dates("", state.date_to)})
        if state.date_to:
            out.append({"kind": "To", "label": state.date_to, "href": state.dates(state.date_from, "")})
    if state.crawled_from:
        out.append({"kind": "Crawled from", "label": state.crawled_from, "href": state.url(crawled_from="")})
    if state.crawled_to:
        out.append({"kind": "Crawled to", "label": state.crawled_to, "href": state.url(crawled_to="")})
    return out


def page_links(state: State, pages: int) -> list[dict]:
    """Numbered page links around the current page, with gaps marked by None."""
    wanted = sorted({1, pages, *range(max(1, state.page - 2), min(pages, state.page + 2) + 1)})
    out: list[dict] = []
    prev = 0
    for n in wanted:
        if n - prev > 1:
            out.append({"gap": True})
        out.append({"gap": False, "page": n, "href": state.page_url(n), "current": n == state.page})
        prev = n
    return out
