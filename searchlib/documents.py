"""Records as Whoosh documents: the field values of one derived record (see ``schema``).

The index writer, the shard writers of the engines and the Dask partitions all call
``document``, so every engine gives the same index.
"""

from __future__ import annotations

import json
import os
import time
from typing import TYPE_CHECKING, Iterable

from . import aliases

if TYPE_CHECKING:
    from . import pipeline


def _kw(values: Iterable[str]) -> str:
    return ",".join(v.replace(",", " ") for v in values)


def official_keys(officials) -> list[str]:
    keys: list[str] = []
    for off in officials:
        name = aliases.fold(off.name)
        for k in (name, name.split()[-1], aliases.fold(off.role) if off.role else ""):
            if k and k not in keys:
                keys.append(k)
    return keys


def document(record: pipeline.Record) -> dict:
    """A Record as Whoosh fields."""
    from . import tagging

    extra = {
        "officials": [o.as_dict() for o in record.officials],
        "dates": list(record.dates),
        "evidence": [{"field": e.field, "value": e.value, "sentence": e.sentence} for e in record.evidence],
        "site": record.site, "sha256": record.sha256, "size": record.size, "kind": record.kind,
        "origin": record.origin or {"kind": "file", "path": os.path.abspath(record.path)},
        "version": record.version, "indexed_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    return {
        "key": record.key,
        "path": record.origin.get("url") if record.origin and record.origin.get("kind") == "warc" else record.key,
        "title": record.title,
        "body": record.text,
        "author": record.author,
        "published": record.published or "",
        "year": (record.published or "")[:4],
        "groups": _kw(record.groups),
        "group_any": _kw(tagging.expand_groups(record.groups)),
        "countries": _kw(record.countries),
        "officials": _kw(o.name for o in record.officials),
        "official_keys": _kw(official_keys(record.officials)),
        "source": _kw([record.site] if record.site else []),
        "record": json.dumps(extra, ensure_ascii=False),
    }
