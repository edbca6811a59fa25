"""Records as JSON: the one codec between a ``pipeline.Record`` and every JSON form of it.

``encode`` gives a record's every field as plain JSON values, in ``FIELDS`` order; each written
form is cut from that dict:

- ``extract``: the ``searchlib extract`` shape (``EXTRACT_FIELDS``, read by the scorers);
- ``stored``: the index's ``record`` stored field (what the Whoosh fields do not hold);
- ``discovery``: webarchive-discovery's field names, for ``--records-only`` (README, "Derived
  records");

and the two readers come back here: ``catalogue`` turns a document's stored fields into the
export / ``show`` / hit record (``CATALOGUE_FIELDS``), and ``decode`` checks one line of such an
export (``--from-jsonl``) and makes it a Record again.

No pipeline import at module level: a search process reads records without loading the cleaner.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from typing import TYPE_CHECKING

from . import facets
from .errors import BadValue

if TYPE_CHECKING:
    from .derive import pipeline

# Every field of pipeline.Record, in its order (tests/test_records.py checks the two agree).
FIELDS = ("key", "path", "kind", "title", "author", "published", "text", "groups", "countries", "officials",
          "dates", "language", "site", "sha256", "size", "evidence", "origin", "sketch", "version")
EXTRACT_FIELDS = ("path", "key", "title", "author", "published", "text", "groups", "countries", "officials",
                  "dates", "language", "site")
# The stored ``record`` field: what the index's own fields (key, title, body, tags...) leave out.
STORED_FIELDS = ("officials", "dates", "evidence", "site", "sha256", "size", "kind", "origin", "version")
# An exported (and shown) record: ``path`` is the index's display path (the key, or a WARC record's URL),
# ``source`` the outlet as a facet, ``indexed_at`` when it was written; ``--from-jsonl`` reads it back.
CATALOGUE_FIELDS = ("key", "path", "title", "author", "published", "groups", "countries", "officials", "dates",
                    "language", "site", "source", "origin", "sha256", "size", "indexed_at", "version", "evidence", "text")


def _plain(value):
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if dataclasses.is_dataclass(value):
        return dataclasses.asdict(value)
    return value


def encode(record: pipeline.Record) -> dict:
    """Every field of ``record`` as JSON values (lists for tuples, objects for officials and evidence)."""
    return {name: _plain(getattr(record, name)) for name in FIELDS}


def json_line(data: dict) -> str:
    """One JSON Lines line: UTF-8 kept as it is, no key sorted or dropped."""
    return json.dumps(data, ensure_ascii=False) + "\n"


def extract(record: pipeline.Record) -> dict:
    """The `searchlib extract` shape (read by the scorers): stable keys, nulls kept."""
    data = encode(record)
    return {name: data[name] for name in EXTRACT_FIELDS}


def stored(record: pipeline.Record) -> str:
    """The JSON of the index's ``record`` stored field, stamped with the time it is written."""
    data = encode(record)
    extra = {name: data[name] for name in STORED_FIELDS}
    extra["origin"] = extra["origin"] or {"kind": "file", "path": os.path.abspath(record.path)}
    extra["indexed_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return json.dumps(extra, ensure_ascii=False)


def _split(value) -> list[str]:
    return [v for v in (value or "").split(",") if v]


def _official(stored: dict) -> dict:
    """A stored official with every key, null where unknown (records indexed before an
    official had an ``organisation`` lack the key)."""
    return {"name": stored.get("name"), "role": stored.get("role"), "country": stored.get("country"),
            "organisation": stored.get("organisation")}


def catalogue(fields: dict) -> dict:
    """A document's stored Whoosh fields as its catalogue record (``CATALOGUE_FIELDS``, then any
    registered facet it lacks: see facets.add_to_record)."""
    extra = json.loads(fields.get("record") or "{}")
    return facets.add_to_record({
        "key": fields.get("key"), "path": fields.get("path"), "title": fields.get("title") or "",
        "author": fields.get("author"), "published": fields.get("published") or None,
        "groups": _split(fields.get("groups")), "countries": _split(fields.get("countries")),
        "officials": [_official(o) for o in extra.get("officials", [])], "dates": extra.get("dates", []),
        # an index built before languages were detected has no language field: None
        "language": fields.get("language") or None,
        "site": extra.get("site"), "source": _split(fields.get("source")), "origin": extra.get("origin"),
        "sha256": extra.get("sha256"), "size": extra.get("size"),
        "indexed_at": extra.get("indexed_at"), "version": extra.get("version"),
        "evidence": extra.get("evidence", []), "text": fields.get("body") or "",
    }, fields)


def discovery(data: dict) -> dict:
    """An ``encode``d record with webarchive-discovery's field names where one fits (README,
    "Derived records"), so the lines load into Solr or OpenSearch with a plain mapping."""
    origin = data["origin"] or {}
    warc = origin.get("kind") == "warc"
    source = origin.get("path") or data["path"]
    published = data["published"]
    return {
        "id": data["key"],
        "url": origin.get("url") if warc else None,
        "source_file": os.path.basename(source),
        "source_file_path": source,
        "source_file_offset": origin.get("offset") if warc else None,
        "crawl_date": origin.get("crawl_date") if warc else None,
        "title": data["title"],
        "author": data["author"],
        "publication_date": published,
        "publication_year": int(published[:4]) if published else None,
        "content": data["text"],
        "content_length": data["size"],
        "content_text_length": len(data["text"]),
        "content_type_norm": data["kind"],
        "hash": f"sha256:{data['sha256']}" if data["sha256"] else None,
        "site": data["site"],
        "groups": data["groups"],
        "countries": data["countries"],
        "officials": data["officials"],
        "dates": data["dates"],
        "content_language": data["language"],
        "evidence": data["evidence"],
        "sketch": data["sketch"],
        "path": data["path"],
        "version": data["version"],
    }


def decode_line(raw: bytes | str, where: str) -> pipeline.Record:
    """One line of an export (or of `extract` output) as a Record; BadValue names ``where``."""
    try:
        row = json.loads(raw)
    except ValueError as e:
        raise BadValue(f"{where}: not JSON ({e}); nothing was changed") from None
    return decode(row, where)


def decode(row, where: str) -> pipeline.Record:
    """One exported record as a Record, every field checked (BadValue naming ``where`` and the field).

    The derive version is this code's and the sketch is computed again from the text: an imported
    record is as this searchlib would index it. A record without a language (an export made
    before languages were detected) has it detected again from its title and text.
    """
    from .derive import dating, duplicating, language, pipeline, tagging

    def bad(field_name: str, what: str):
        return BadValue(f"{where}: {field_name} {what}; not a searchlib export made with --with-text; "
                        "nothing was changed")

    if not isinstance(row, dict):
        raise bad("the line", "is not a JSON object")

    def text(name: str, required: bool = False) -> str | None:
        value = row.get(name)
        if value is None and not required:
            return None
        if not isinstance(value, str) or (required and not value.strip()):
            raise bad(f'"{name}"', "must be a non-empty string" if required else "must be a string or null")
        return value

    def strings(name: str) -> tuple[str, ...]:
        value = row.get(name) or []
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise bad(f'"{name}"', "must be a list of strings")
        return tuple(value)

    def objects(name: str, keys: tuple[str, ...], required: tuple[str, ...]) -> list[dict]:
        value = row.get(name) or []
        if not isinstance(value, list):
            raise bad(f'"{name}"', "must be a list of objects")
        for item in value:
            if not isinstance(item, dict) or any(not isinstance(item.get(k), str) for k in required) or \
                    any(item.get(k) is not None and not isinstance(item.get(k), str) for k in keys):
                raise bad(f'"{name}"', f"must be a list of objects with string {', '.join(required)}")
        return value

    key = text("key", required=True)
    body = row.get("text")
    if not isinstance(body, str):
        raise bad('"text"', "must be a string (export with --with-text)")
    published = text("published")
    if published is not None:
        try:
            dating.check_iso(published)
        except ValueError:
            raise bad('"published"', f"{published!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)") from None
    dates = strings("dates")
    for d in dates:
        try:
            dating.check_iso(d)
        except ValueError:
            raise bad('"dates"', f"holds {d!r}, which is not a date (YYYY, YYYY-MM or YYYY-MM-DD)") from None
    kind = text("kind") or "text"
    if kind not in ("text", "html"):
        raise bad('"kind"', 'must be "text" or "html"')
    size = row.get("size") or 0
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise bad('"size"', "must be a whole number of bytes")
    origin = row.get("origin")
    if origin is not None and not isinstance(origin, dict):
        raise bad('"origin"', "must be an object or null")
    lang = text("language")
    if lang is None:
        lang = language.detect(f"{text('title') or ''}\n{body}")
    elif lang != language.UNDETERMINED and not (len(lang) == 2 and lang.isascii() and lang.isalpha() and lang.islower()):
        raise bad('"language"', f"{lang!r} is not an ISO 639-1 code (two lower-case letters) or \"und\"")
    officials = objects("officials", ("name", "role", "country", "organisation"), ("name",))
    evidence = objects("evidence", ("field", "value", "sentence"), ("field", "value", "sentence"))
    return pipeline.Record(
        key=key, path=text("path") or key, kind=kind, title=text("title") or "", author=text("author"),
        published=published, text=body, groups=strings("groups"), countries=strings("countries"),
        officials=tuple(tagging.Official(o["name"], o.get("role"), o.get("country"), o.get("organisation"))
                        for o in officials),  # records made before "organisation" existed read as None
        dates=dates, language=lang, site=text("site"), sha256=text("sha256") or "", size=size, origin=origin,
        sketch=duplicating.sketch(body),
        evidence=tuple(tagging.Evidence(e["field"], e["value"], e["sentence"]) for e in evidence))
