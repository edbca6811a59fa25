"""Records as Whoosh documents: the field values of one derived record (see ``schema``).

The index writer, the shard writers of the engines and the Dask partitions all call
``document``, so every engine gives the same index.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import facets, records
from . import schema

if TYPE_CHECKING:
    from ..derive import pipeline


def document(record: pipeline.Record) -> dict:
    """A Record as Whoosh fields. Its words go into its language's title and body fields
    (``schema.text_fields``); its title and text are stored in ``title`` and ``body`` whatever
    its language."""
    title, body = schema.text_fields(record.language)
    words = {"title": record.title, "body": record.text}
    if title != "title":
        words = {"title": "", "body": "", "_stored_title": record.title, "_stored_body": record.text,
                 title: record.title, body: record.text}
    return {
        "key": record.key,
        "path": record.origin.get("url") if record.origin and record.origin.get("kind") == "warc" else record.key,
        **words,
        "author": record.author,
        "published": record.published or "",
        **facets.index_fields(record),
        "record": records.stored(record),
    }
