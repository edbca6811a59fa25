"""Load: corpus files -> RawDoc(key, path, kind, text).

Walks folders recursively, keeps ``.txt``/``.text`` (plain-text scrapes) and ``.html``/``.htm``
pages, and decodes each file: a BOM first (UTF-8/16/32), then strict UTF-8, then the page's
declared or detected charset (bs4's UnicodeDammit). A file that cannot be read or decoded is
reported as a ``LoadFailure`` (path + reason) and never stops the run. Never opens FIFOs or
devices, never follows a symlink loop, never reads more than ``MAX_BYTES`` of one file.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

TEXT_SUFFIXES = (".txt", ".text", ".txt.gz", ".text.gz")
HTML_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz")
WARC_SUFFIXES = (".warc", ".warc.gz")
MAX_BYTES = 50 * 1024 * 1024  # larger files are skipped with a message: bounded memory

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


@dataclass(frozen=True)
class RawDoc:
    key: str  # stable document key: path relative to the corpus root, '/'-separated
    path: str  # path as found on disk
    kind: str  # "html" | "text"
    text: str


@dataclass(frozen=True)
class SourceFile:
    key: str
    path: str
    kind: str


class LoadFailure(Exception):
    """A file that cannot be loaded; ``str()`` is the reason."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(reason)
        self.path = path
        self.reason = reason

    def __reduce__(self):  # failures travel back from the process pool
        return (LoadFailure, (self.path, self.reason))


def kind_of(path: str) -> str | None:
    lower = path.lower()
    if lower.endswith(TEXT_SUFFIXES):
        return "text"
    if lower.endswith(HTML_SUFFIXES):
        return "html"
    if lower.endswith(WARC_SUFFIXES):
        return "warc"
    return None


def printable_name(name: str) -> str:
    """A file name as text that can be stored and shown: bytes that are not UTF-8 (which the OS
    hands over as surrogates) become \\xNN escapes."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def iter_sources(paths: list[str]) -> Iterator[SourceFile | LoadFailure]:
    """Every page file under ``paths`` (files or folders), each key once, in a stable order.

    A folder's files get keys relative to that folder; a file named directly gets its name.
    """
    seen: set[str] = set()
    for root in paths:
        if os.path.isdir(root):
            for dirpath, dirnames, filenames in os.walk(root, onerror=None):
                dirnames.sort()
                for name in sorted(filenames):
                    full = os.path.join(dirpath, name)
                    if kind_of(name) is None:
                        continue
                    key = printable_name(Path(os.path.relpath(full, root)).as_posix())
                    if key in seen:
                        continue
                    seen.add(key)
                    yield SourceFile(key, full, kind_of(name))  # type: ignore[arg-type]
        elif os.path.lexists(root):
            kind = kind_of(root)
            if kind is None:
                yield LoadFailure(root, "not a .txt/.text/.html/.htm/.warc/.warc.gz file")
                continue
            key = printable_name(os.path.basename(root))
            if key not in seen:
                seen.add(key)
                yield SourceFile(key, root, kind)
        else:
            yield LoadFailure(root, "no such file or folder")


def file_sha256(path: str) -> str:
    """sha256 of a file, read in 1 MB steps (WARC files can be large)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_bytes(path: str) -> bytes:
    """Read a regular file, refusing FIFOs, devices, dangling links and oversized files."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise LoadFailure(path, "dangling link or file vanished") from None
    except OSError as e:
        raise LoadFailure(path, e.strerror or str(e)) from None
    if not stat.S_ISREG(st.st_mode):
        raise LoadFailure(path, "not a regular file (FIFO, device or socket): not opened")
    if st.st_size > MAX_BYTES and not path.lower().endswith(".gz"):
        raise LoadFailure(path, f"file is {st.st_size:,} bytes, over the {MAX_BYTES:,}-byte limit: skipped")
    try:
        if path.lower().endswith(".gz"):
            return _gunzip_bounded(path)
        with open(path, "rb") as fh:
            return fh.read(MAX_BYTES + 1)
    except OSError as e:
        raise LoadFailure(path, e.strerror or str(e)) from None


def _gunzip_bounded(path: str) -> bytes:
    """A gzipped page, decompressed to at most MAX_BYTES: a gzip bomb is refused, never expanded."""
    import gzip
    import zlib

    try:
        with gzip.open(path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except (EOFError, zlib.error, gzip.BadGzipFile) as e:
        raise LoadFailure(path, f"damaged gzip file: {e}") from None
    if len(data) > MAX_BYTES:
        raise LoadFailure(path, f"decompresses to more than {MAX_BYTES:,} bytes (a gzip bomb?): refused")
    return data


def decode(data: bytes, kind: str, path: str = "") -> str:
    """Bytes -> text. Raises LoadFailure for empty or binary content."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            text = data[len(bom):].decode(encoding, errors="replace")
            break
    else:
        head = data[:8192]
        if b"\x00" in head and head.count(b"\x00") > len(head) // 16:
            raise LoadFailure(path, "binary content (NUL bytes), not a text or HTML page")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = _decode_guess(data, kind)
    if not text.strip():
        raise LoadFailure(path, "empty file")
    sample = text[:4096]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f\x0b")
    if controls > len(sample) // 20:
        raise LoadFailure(path, "binary content (control characters), not a text or HTML page")
    return text.replace("\x00", "")


def _decode_guess(data: bytes, kind: str) -> str:
    from bs4 import UnicodeDammit  # lazy: bs4 costs ~75 ms of start-up

    dammit = UnicodeDammit(data, is_html=(kind == "html"), known_definite_encodings=[])
    if dammit.unicode_markup is not None:
        return dammit.unicode_markup
    return data.decode("cp1252", errors="replace")


def load(source: SourceFile) -> RawDoc:
    """Read and decode one file. Raises LoadFailure."""
    return RawDoc(source.key, source.path, source.kind, decode(read_bytes(source.path), source.kind, source.path))


@dataclass(frozen=True)
class WarcPage:
    offset: int  # byte offset of the record in the (compressed) file
    url: str
    crawl_date: str | None
    data: bytes


def iter_warc(path: str):
    """HTML ``response`` records of a WARC file (warcio parses it; gzip members are decoded as
    streamed, and a payload is never read past MAX_BYTES, so a gzip bomb cannot fill memory).

    Yields WarcPage or, for one oversized record, a LoadFailure (and goes on). A truncated or
    corrupt file ends with a LoadFailure naming the offset where reading stopped.
    """
    from warcio.archiveiterator import ArchiveIterator  # lazy: only WARC archives need it
    from warcio.exceptions import ArchiveLoadFailed

    offset = 0
    damaged_at = _gzip_damage(path) if path.lower().endswith(".gz") else None
    try:
        with open(path, "rb") as fh:
            records = ArchiveIterator(fh)
            for record in records:
                if record.rec_type != "response" or record.http_headers is None:
                    continue
                ctype = (record.http_headers.get_header("Content-Type") or "").lower()
                if "html" not in ctype:
                    continue
                url = record.rec_headers.get_header("WARC-Target-URI") or ""
                data = record.content_stream().read(MAX_BYTES + 1)
                offset = records.get_record_offset()  # valid once the record has been read
                if damaged_at is not None and offset >= damaged_at:
                    break  # this record lies in the damaged part: its content may be cut short
                if len(data) > MAX_BYTES:
                    yield LoadFailure(f"{path}@{offset}", f"WARC record for {url} is over the {MAX_BYTES:,}-byte limit: skipped")
                    continue
                yield WarcPage(offset, url, record.rec_headers.get_header("WARC-Date"), data)
        if damaged_at is not None:
            yield LoadFailure(path, f"damaged WARC at offset {damaged_at}: a gzip member that is truncated, corrupt "
                                    f"or expands past {2 * MAX_BYTES:,} bytes (refused); records before it were indexed")
    except (ArchiveLoadFailed, EOFError, OSError, ValueError) as e:
        # zlib.error is an Exception subclass raised for damaged gzip members
        yield LoadFailure(path, f"damaged WARC at offset {offset}: {str(e).splitlines()[0] if str(e) else type(e).__name__}; records before it were indexed")
    except Exception as e:  # noqa: BLE001 - zlib.error and warcio's own parse errors have no common base
        if type(e).__module__ not in ("zlib", "warcio.exceptions", "warcio.statusandheaders", "gzip"):
            raise
        yield LoadFailure(path, f"damaged WARC at offset {offset}: {type(e).__name__}; records before it were indexed")


def _gzip_damage(path: str) -> int | None:
    """Offset of the first gzip member that does not decompress to its end (truncated or
    corrupt), or None. Decompresses in bounded steps: memory stays flat whatever the ratio."""
    import zlib

    start = 0  # offset of the current member
    consumed = 0
    produced = 0  # bytes out of the current member: a member that expands past the cap is refused
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    with open(path, "rb") as fh:
        while True:
            chunk = fh.read(1 << 16)
            if not chunk:
                return None if d.eof or consumed == start else start
            pending = chunk
            while pending:
                try:
                    produced += len(d.decompress(pending, 1 << 20))
                    while d.unconsumed_tail and produced <= 2 * MAX_BYTES:
                        produced += len(d.decompress(d.unconsumed_tail, 1 << 20))
                except zlib.error:
                    return start
                if produced > 2 * MAX_BYTES:
                    return start  # a gzip bomb: stop here, never expand it
                if d.eof:
                    produced = 0
                    used = len(pending) - len(d.unused_data)
                    consumed += used
                    start = consumed
                    pending = d.unused_data
                    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
                else:
                    consumed += len(pending)
                    pending = b""
