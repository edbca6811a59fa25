"""What the search page shows besides the hits: the facet sidebar, the timeline, the chips of the
selected filters, the page links, the highlighted snippets, and what a page without hits offers."""

from __future__ import annotations

import re
from collections import Counter
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


def timeline(per_month: dict[str, int], total: int, state: State, width: int = 1000) -> dict:
    """Matches per month (per year beyond ten years) as SVG geometry, each bar a link to its period.

    ``per_month`` comes from the library (SearchResult.timeline): counts over all matches, without
    reading every hit."""
    months = Counter(per_month)
    dated = sum(months.values())
    out = {"undated": total - dated, "bars": [], "labels": [], "unit": "month", "width": width,
           "height": 132, "baseline": 106, "first": "", "last": ""}
    if not dated:
        return out
    first, last = min(months), max(months)
    y0, m0, y1, m1 = int(first[:4]), int(first[5:7]), int(last[:4]), int(last[5:7])
    periods = [f"{y:04d}-{m:02d}" for y in range(y0, y1 + 1) for m in range(1, 13)
               if (y, m) >= (y0, m0) and (y, m) <= (y1, m1)]
    counts: Counter = months
    if len(periods) > 120:
        out["unit"] = "year"
        counts = Counter()
        for month, n in months.items():
            counts[month[:4]] += n
        periods = [str(y) for y in range(y0, y1 + 1)]
    out["first"], out["last"] = month_label(periods[0]), month_label(periods[-1])
    slot = min(width / len(periods), 80.0)
    offset = (width - slot * len(periods)) / 2  # a few wide bars sit in the middle
    top = max(counts.values())
    for i, period in enumerate(periods):
        n = counts.get(period, 0)
        h = round(86 * n / top) if n else 0
        x = round(offset + i * slot, 2)
        bar = {"period": period, "label": month_label(period), "count": n, "x": x,
               "w": round(max(slot * 0.78, 1.0), 2), "slot": round(slot, 2),
               "y": out["baseline"] - max(h, 2) if n else out["baseline"], "h": max(h, 2) if n else 0,
               "selected": state.period_selected(period), "href": state.toggle_period(period),
               "show_count": n > 0 and slot >= 18}
        out["bars"].append(bar)
    out["labels"] = _axis_labels(out["bars"], out["unit"], slot, width)
    return out


def _axis_labels(bars: list[dict], unit: str, slot: float, width: int) -> list[dict]:
    """Labels under the bars, most telling first (years, the first bar, quarters, months), none overlapping."""
    char, gap = 7.2, 10.0  # approximate width of a 12-unit character, and the space kept between labels
    candidates: list[tuple[int, float, str, str]] = []  # (priority, x, text, period)
    for i, bar in enumerate(bars):
        p, x = bar["period"], bar["x"]
        if unit == "year":
            y = int(p)
            candidates.append((0 if y % 10 == 0 or i == 0 else 1 if y % 5 == 0 else 3, x, p, p))
        elif slot >= 72:
            candidates.append((0, x, bar["label"], p))
        else:
            month = int(p[5:])
            if i == 0:  # the first bar says where the axis starts
                candidates.append((0, x, bar["label"] if month != 1 else p[:4], p))
            elif month == 1:
                candidates.append((0, x, p[:4], p))
            elif month in (4, 7, 10):
                candidates.append((2, x, _MONTHS[month - 1], p))
            elif slot >= 36:
                candidates.append((3, x, _MONTHS[month - 1], p))

    def free(x: float, end: float, placed: list, skip=None) -> bool:
        return end <= width and not any(x < e + gap and s < end + gap for s, e, _t, _p in placed if _p != skip)

    placed: list[tuple[float, float, str, str]] = []
    for _prio, x, text, period in sorted(candidates, key=lambda c: (c[0], c[1])):
        if free(x, x + len(text) * char, placed):
            placed.append((x, x + len(text) * char, text, period))
    placed.sort()
    # a month whose year's January label did not fit names its year
    year_shown = None
    for i, (x, _end, text, period) in enumerate(placed):
        if re.search(r"\d{4}", text):
            year_shown = period[:4]
        elif period[:4] != year_shown:
            longer = f"{text} {period[:4]}"
            if free(x, x + len(longer) * char, placed, skip=period):
                placed[i] = (x, x + len(longer) * char, longer, period)
                year_shown = period[:4]
    return [{"x": x, "text": text} for x, _e, text, _p in placed]


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
