"""Records as Whoosh documents: the field values of one derived record (see ``schema``).

The index writer, the shard writers of the engines and the Dask partitions all call
``document``, so every engine gives the same index.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import facets, records

if TYPE_CHECKING:
    from ..derive import pipeline


def document(record: pipeline.Record) -> dict:
    """A Record as Whoosh fields."""
    return {
        "key": record.key,
        "path": record.origin.get("url") if record.origin and record.origin.get("kind") == "warc" else record.key,
        "title": record.title,
        "body": record.text,
        "author": record.author,
        "published": record.published or "",
        **facets.index_fields(record),
        "record": records.stored(record),
    }
