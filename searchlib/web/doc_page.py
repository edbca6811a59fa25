"""What the document page shows besides the text: each tag with the sentences it was found in."""

from __future__ import annotations

from ..facets import whose_role


def evidence_rows(rec: dict) -> list[dict]:
    """Each tag of a document with the sentences it was found in."""
    found: dict[tuple[str, str], list[str]] = {}
    for e in rec.get("evidence") or []:
        sentences = found.setdefault((e.get("field"), e.get("value")), [])
        if e.get("sentence") and e["sentence"] not in sentences:
            sentences.append(e["sentence"])
    rows = []
    for field, param, values in (("group", "group", rec.get("groups") or []),
                                 ("country", "country", rec.get("countries") or []),
                                 ("source", "source", rec.get("source") or [])):
        for v in values:
            rows.append({"field": field, "param": param, "value": v, "note": "",
                         "sentences": found.get((field, v), [])})
    for o in rec.get("officials") or []:
        note = ", ".join(x for x in (whose_role(o), o.get("country")) if x)  # "Taliban Spokesman"
        rows.append({"field": "official", "param": "official", "value": o.get("name") or "", "note": note,
                     "sentences": found.get(("official", o.get("name")), [])})
    for d in rec.get("dates") or []:
        rows.append({"field": "date", "param": None, "value": d, "sentences": found.get(("date", d), []),
                     "note": "published" if d == rec.get("published") else ""})
    return rows


def check_replay_url(template: str | None) -> str | None:
    """A replay service's URL template (``https://wayback.example.org/{timestamp}/{url}``), checked.

    Raises:
        BadValue: not an http(s) URL, no ``{url}``, or a placeholder other than ``{timestamp}`` and ``{url}``.
    """
    import string

    from ..errors import BadValue

    if not template:
        return None
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError:
        names = {"?"}
    if not template.startswith(("http://", "https://")) or "url" not in names or names - {"url", "timestamp"}:
        raise BadValue(f"Invalid --replay-url {template!r}: give an http(s) URL with {{url}} and, if the service "
                       "wants it, {timestamp} (e.g. 'https://web.archive.org/web/{timestamp}/{url}')")
    return template


def capture_links(rec: dict, replay_url: str | None = None) -> dict:
    """A web archive capture's links: ``original`` (its URL, when http(s)) and ``replay`` (the
    capture in the replay service of ``replay_url``, at its 14-digit crawl timestamp); {} for others."""
    origin = rec.get("origin") or {}
    url = origin.get("url") or ""
    if origin.get("kind") != "warc" or not url.startswith(("http://", "https://")):
        return {}
    links = {"original": url}
    stamp = "".join(ch for ch in origin.get("crawl_date") or "" if ch.isdigit())[:14]
    if replay_url and len(stamp) == 14:
        links["replay"] = replay_url.format(timestamp=stamp, url=url)
    return links


# a web archive record's provenance (``origin``), in words; other keys show as their name in words
_ORIGIN_LABELS = {"url": "URL", "crawl_date": "Captured", "path": "Archive file", "offset": "Offset",
                  "format": "Archive format", "payload": "Payload from"}


def provenance_rows(rec: dict) -> list[dict]:
    """The document page's provenance, each row a label in words and its value (``href``: a link,
    ``code``: shown as code). An archive file shows by its name: the page never shows where on the
    server it lies."""
    import os

    origin = rec.get("origin") or {}
    warc = origin.get("kind") == "warc"
    rows = [{"label": "Key", "value": rec.get("key") or "", "code": True, "href": ""}]
    path = rec.get("path") or ""
    if path and not (warc and path == origin.get("url")):
        rows.append({"label": "URL" if path.startswith(("http://", "https://")) else "Path", "value": path,
                     "code": not path.startswith(("http://", "https://")),
                     "href": path if path.startswith(("http://", "https://")) else ""})
    for name, value in origin.items():
        if name == "kind" or value in (None, ""):
            continue
        label = _ORIGIN_LABELS.get(name) or name.replace("_", " ").capitalize()
        row = {"label": label, "value": str(value), "code": False, "href": ""}
        if name == "url" and str(value).startswith(("http://", "https://")):
            row["href"] = str(value)
        elif name == "path":
            row.update(value=os.path.basename(str(value)), code=True)
        elif name == "offset":
            row["value"] = f"byte {value:,}" if isinstance(value, int) else str(value)
        rows.append(row)
    return rows
