"""Load: corpus files -> SourceFile(key, path, kind), then their bytes -> decoded text.

Walks folders recursively, keeps ``.txt``/``.text`` (plain-text scrapes) and ``.html``/``.htm``
pages, and decodes each file: a BOM first (UTF-8/16/32), then strict UTF-8, then the page's
declared or detected charset (bs4's UnicodeDammit). A file that cannot be read or decoded is
reported as a ``LoadFailure`` (path + reason) and never stops the run. Never opens FIFOs or
devices, never follows a symlink loop, never reads more than ``MAX_BYTES`` of one file.
"""

from __future__ import annotations

import codecs
import os
import re
import stat
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from ..settings import MAX_BYTES, READ_CHUNK, REVISIT_FILES, SNIFF_BYTES

TEXT_SUFFIXES = (".txt", ".text", ".txt.gz", ".text.gz")
HTML_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz")
WARC_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")  # ARC: older crawls, read by warcio as WARC


def size_cap() -> str:
    """MAX_BYTES as messages and the README state it: "50 MB" (a binary megabyte, as everywhere in
    searchlib), or the exact bytes when a test sets an odd limit."""
    return f"{MAX_BYTES >> 20} MB" if MAX_BYTES % (1 << 20) == 0 else f"{MAX_BYTES:,} bytes"

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


@dataclass(frozen=True)
class SourceFile:
    key: str
    path: str
    kind: str
    root: str = ""  # the absolute root (folder or file) it was found under


@dataclass(frozen=True)
class Skipped:
    """A file found under a root that is not indexed, and why: named in the run's summary."""

    path: str
    reason: str


@dataclass(frozen=True)
class Root:
    """A folder (or file) the archive was given. ``label`` prefixes the keys of its files, so
    that ``a/index.html`` and ``b/index.html`` never share a key: the archive's first root has
    the empty label (keys are plain relative paths), every later one its folder name."""

    path: str  # absolute, printable
    label: str

    def key(self, rel: str) -> str:
        return f"{self.label}/{rel}" if self.label else rel


class LoadFailure(Exception):
    """A file that cannot be loaded; ``str()`` is the reason."""

    def __init__(self, path: str, reason: str) -> None:
        reason = (reason or "").strip() or "unreadable (no reason given by the reader)"  # never an empty reason
        super().__init__(reason)
        self.path = path
        self.reason = reason

    def __reduce__(self):  # failures travel back from the process pool
        return (LoadFailure, (self.path, self.reason))


def kind_of(path: str) -> str | None:
    """The kind a file's name promises (``text``, ``html``, ``warc``), or None: then its content decides."""
    lower = path.lower()
    if lower.endswith(TEXT_SUFFIXES):
        return "text"
    if lower.endswith(HTML_SUFFIXES):
        return "html"
    if lower.endswith(WARC_SUFFIXES):
        return "warc"
    return None


# Names that are never pages, whatever their bytes: a saved page's style sheets, scripts and
# images, and the notes and data files a librarian keeps beside the pages (README.md, lists.csv).
NOT_PAGE_SUFFIXES = (
    ".md", ".markdown", ".rst", ".csv", ".tsv", ".xml", ".rss", ".atom", ".yml", ".yaml", ".ini", ".cfg", ".toml",
    ".log", ".py", ".sh", ".sql", ".jsonl", ".cdxj",
    ".css", ".js", ".mjs", ".json", ".map", ".jpg", ".jpeg", ".png", ".gif", ".webp", ".svg", ".ico", ".bmp",
    ".tif", ".tiff", ".avif", ".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".odt", ".zip", ".tar",
    ".tgz", ".7z", ".rar", ".bz2", ".xz", ".mp3", ".mp4", ".m4a", ".wav", ".ogg", ".webm", ".mov", ".avi",
    ".woff", ".woff2", ".ttf", ".otf", ".eot", ".exe", ".dll", ".so", ".pyc", ".sqlite", ".db", ".cdx",
)
_HTML_MARKS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<meta", b"<title", b"<div", b"<p>", b"<article",
               b"<!--")


def sniff(path: str) -> str | None:
    """The kind of a file whose name does not tell (``page.php``, ``story.shtml``, ``index``,
    ``crawl.arc.gz``), from its first bytes: a WARC or ARC record, HTML markup, or readable
    text. None for anything else (binary data). Raises OSError when it cannot be read."""
    with open(path, "rb") as fh:
        head = fh.read(SNIFF_BYTES)
    if head[:2] == b"\x1f\x8b":  # gzip: look at what it holds
        import gzip
        import zlib

        try:
            with gzip.open(path, "rb") as fh:
                head = fh.read(SNIFF_BYTES)
        except (EOFError, zlib.error, gzip.BadGzipFile):
            return None
        kind = _sniff_bytes(head)
        return kind if kind == "warc" else None  # a gzipped page keeps its .html.gz/.txt.gz name
    return _sniff_bytes(head)


def _sniff_bytes(head: bytes) -> str | None:
    if head.startswith((b"WARC/", b"filedesc://")):  # WARC, or ARC (older crawls): warcio reads both
        return "warc"
    for bom, _encoding in _BOMS:
        if head.startswith(bom):
            head = head[len(bom):].decode(_encoding, "replace").encode("utf-8")
            break
    if b"\x00" in head:
        return None
    lower = head.lstrip()[:2048].lower()
    if any(mark in lower for mark in _HTML_MARKS) and lower.startswith(b"<"):
        return "html"
    if any(mark in head.lower() for mark in (b"<html", b"<body", b"</p>", b"</div>")):
        return "html"
    if not head.strip():
        return None
    # control bytes are ASCII, the same in any encoding: no need to decode to count them
    controls = sum(1 for byte in head if byte < 32 and byte not in b"\t\n\r\f\x0b")
    return "text" if controls <= len(head) // 50 else None


def printable_name(name: str) -> str:
    """A file name as text that can be stored and shown: bytes that are not UTF-8 (which the OS
    hands over as surrogates) become \\xNN escapes."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def assign_roots(paths: list[str], known: list[Root] = (), labels: dict[str, str] | None = None) -> list[Root]:
    """``known`` plus a Root for each of ``paths`` not yet known, in order. A new root's label is
    its folder name (a file's: its folder's name), made unique among the labels and the top-level
    names of the unlabelled root; the archive's very first root has no label. ``labels`` forces
    the label of some paths (a root that takes the place of roots inside it keeps their label)."""
    roots = list(known)
    by_path = {r.path: r for r in roots}
    for p in paths:
        full = printable_name(os.path.abspath(p))
        if full in by_path:
            continue
        if labels and full in labels:
            root = Root(full, labels[full])
        elif not roots:
            root = Root(full, "")
        else:
            base = os.path.basename(full if os.path.isdir(p) or not os.path.lexists(p) else os.path.dirname(full))
            base = base or "root"
            taken = {r.label for r in roots}
            for r in roots:
                if r.label == "" and os.path.isdir(r.path):
                    try:
                        taken.update(os.listdir(r.path))
                    except OSError:
                        pass
            label, n = base, 1
            while label in taken:
                n += 1
                label = f"{base}-{n}"
            root = Root(full, label)
        roots.append(root)
        by_path[full] = root
    return roots


def iter_sources(paths: list[str], roots: list[Root] | None = None, skipped: list[Skipped] | None = None,
                 follow_links: bool = False) -> Iterator[SourceFile | LoadFailure]:
    """Every page file under ``paths`` (files or folders), each file once, in a stable order:
    a folder's own files (sorted by name) before its sub-folders (sorted).

    A file's key is its path relative to its root, prefixed by the root's label (see Root);
    ``roots`` gives the archive's known roots and their labels (new paths get labels from
    ``assign_roots``). A file is a page by its name (.txt, .html, .warc...) or, when the name
    does not tell, by its content (``sniff``). What is not indexed is appended to ``skipped``
    with the reason: non-page files (images, style sheets, binary data), hidden files and
    folders, symlinked folders, and links to files outside the roots, unless ``follow_links``
    (then each real folder is walked once, so a link loop ends).
    """
    skipped = skipped if skipped is not None else []
    roots = assign_roots(paths, roots or [])
    by_path = {r.path: r for r in roots}
    seen_files: set[str] = set()
    real_roots = [os.path.realpath(p).rstrip(os.sep) for p in paths]

    def inside_roots(full: str) -> bool:
        real = os.path.realpath(full)
        return follow_links or any(real == r or real.startswith(r + os.sep) for r in real_roots)

    for p in paths:
        root = by_path[printable_name(os.path.abspath(p))]
        if os.path.isdir(p):
            walked = {os.path.realpath(p)}
            for dirpath, dirnames, filenames in os.walk(p, onerror=None, followlinks=follow_links):
                kept = []
                for d in sorted(dirnames):
                    full = os.path.join(dirpath, d)
                    if d.startswith("."):
                        skipped.append(Skipped(printable_name(full), "hidden folder: not searched"))
                    elif os.path.islink(full) and not follow_links:
                        skipped.append(Skipped(printable_name(full), "symlinked folder: not followed "
                                                                     "(--follow-links follows it)"))
                    elif os.path.realpath(full) in walked:
                        skipped.append(Skipped(printable_name(full), "link to a folder already searched: "
                                                                     "not followed again"))
                    else:
                        walked.add(os.path.realpath(full))
                        kept.append(d)
                dirnames[:] = kept
                for name in sorted(filenames):
                    full = os.path.join(dirpath, name)
                    rel = printable_name(Path(os.path.relpath(full, p)).as_posix())
                    item = _classify(full, name, root, rel, inside_roots, skipped)
                    if item is None:
                        continue
                    ident = os.path.abspath(full)
                    if ident in seen_files:
                        continue
                    seen_files.add(ident)
                    yield item
        elif os.path.lexists(p):
            kind = kind_of(p)
            if kind is None:
                try:
                    kind = sniff(p)
                except OSError as e:
                    yield LoadFailure(p, e.strerror or str(e))
                    continue
            if kind is None:
                yield LoadFailure(p, "not a page: neither HTML, text, WARC nor ARC (by name and content)")
                continue
            ident = os.path.abspath(p)
            if ident not in seen_files:
                seen_files.add(ident)
                yield SourceFile(root.key(printable_name(os.path.basename(p))), p, kind, root.path)
        else:
            yield LoadFailure(p, "no such file or folder")


def _classify(full: str, name: str, root: Root, rel: str, inside_roots, skipped: list) -> SourceFile | None:
    """A file found in a folder walk as a SourceFile, or None (appended to ``skipped``, with why)."""
    shown = printable_name(full)
    if name.startswith("."):
        skipped.append(Skipped(shown, "hidden file: not indexed"))
        return None
    if os.path.islink(full) and not inside_roots(full):
        skipped.append(Skipped(shown, "link to a file outside the roots: not followed (--follow-links follows it)"))
        return None
    kind = kind_of(name)
    if kind is not None:
        return SourceFile(root.key(rel), full, kind, root.path)
    if name.lower().endswith(NOT_PAGE_SUFFIXES):
        skipped.append(Skipped(shown, f"not a page ({os.path.splitext(name)[1].lower()} file)"))
        return None
    # a FIFO, device, dangling link or unreadable file is kept as a page: read_bytes names the problem
    try:
        kind = sniff(full) if stat.S_ISREG(os.stat(full).st_mode) else "text"
    except OSError:
        kind = "text"
    if kind is None:
        skipped.append(Skipped(shown, "not a page: binary content"))
        return None
    return SourceFile(root.key(rel), full, kind, root.path)


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
        raise LoadFailure(path, f"file is {st.st_size:,} bytes, over the {size_cap()} limit: skipped")
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
        raise LoadFailure(path, f"decompresses to more than the {size_cap()} limit (a gzip bomb?): refused")
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


# The code pages a page that is not UTF-8 is tried in, first the most common (ties go to it):
# Western, Central European, Turkish, Cyrillic, Arabic, Greek. ISO-8859 pages decode the same
# letters as their Windows counterparts.
LEGACY_CODEPAGES = ("cp1252", "cp1250", "cp1254", "cp1251", "cp1256", "cp1253")
_SAMPLE = 1 << 18  # bytes scored per candidate: enough evidence, bounded time
_RARE_LATIN = set("ÐðÝýÞþªº¤¦đĐţŢ")  # where cp1252 or cp1250 decode a Turkish letter (ğ ı ş İ Ğ Ş) as a rare one
_WORD = re.compile(r"[^\s\d.,;:!?()\[\]\"'/<>=&-]*[^\x00-\x7f][^\s\d.,;:!?()\[\]\"'/<>=&-]*")  # words with non-ASCII
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.I)


def _decode_guess(data: bytes, kind: str) -> str:
    """Bytes that are not strict UTF-8: the encoding the page declares (HTML meta or XML
    declaration) when it decodes cleanly, else the candidate whose text looks most like words:
    UTF-8 with stray bytes replaced, or one of LEGACY_CODEPAGES (see _plausibility)."""
    declared = _declared_charset(data) if kind == "html" else None
    if declared:
        try:
            return data.decode(declared)
        except (LookupError, UnicodeDecodeError):
            pass
    sample = data[:_SAMPLE]
    best, best_score = "cp1252", None
    for candidate in ("utf-8", *LEGACY_CODEPAGES):
        score = _plausibility(sample.decode(candidate, errors="replace"))
        if best_score is None or score > best_score:
            best, best_score = candidate, score
    return data.decode(best, errors="replace")


def _declared_charset(data: bytes) -> str | None:
    m = _META_CHARSET.search(data[:4096]) or _XML_ENCODING.search(data[:512])
    if not m:
        return None
    name = m.group(1).decode("ascii").lower()
    return "cp1252" if name in ("iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii") else name  # as browsers do


def _plausibility(text: str) -> int:
    """How much ``text`` looks like words of one script: +1 for each non-ASCII letter that sits in
    a plausible word (a Latin word with a few accents; a Cyrillic, Greek or Arabic word without
    Latin letters; lower case, Capitalised or ALL CAPS), -1 or worse for each one that does not,
    for symbols inside words (``M³ller``), C1 controls and replacement characters (stray bytes)."""
    score = 0
    for word in _WORD.findall(text):
        non_ascii = [ch for ch in word if ord(ch) > 127]
        scripts = set()
        for i, ch in enumerate(word):
            if ord(ch) < 128:
                continue
            if ch == "\ufffd" or 0x80 <= ord(ch) <= 0x9f:
                score -= 3
            elif ch.isalpha():
                scripts.add(unicodedata.name(ch, "X").split()[0])
            elif unicodedata.category(ch) == "Cf":
                score -= 2  # invisible format characters (LRM, RLM...) inside words: a wrong code page
            elif 0 < i < len(word) - 1 and word[i - 1].isalpha() and word[i + 1].isalpha():
                score -= 2  # a symbol inside a word: M³ller, Mï¿½ller
        letters = [ch for ch in non_ascii if ch.isalpha()]
        if not letters:
            continue
        ascii_letters = sum(1 for ch in word if ord(ch) < 128 and ch.isalpha())
        cased = [ch for ch in word if ch.isalpha()]
        if len(cased) > 1 and not (all(ch.isupper() for ch in cased) or all(ch.islower() for ch in cased[1:])
                                   or not any(ch.isupper() or ch.islower() for ch in cased)):
            score -= 2 * len(letters)  # ЮЗб: case changes inside a word
            continue
        if len(scripts) > 1:
            score -= 2 * len(letters)
        elif scripts == {"LATIN"}:
            plausible = len(letters) <= max(1, (len(letters) + ascii_letters) // 3)
            score += sum(0 if ch in _RARE_LATIN else 1 for ch in letters) if plausible else \
                -sum(2 if ch in _RARE_LATIN else 1 for ch in letters)
        else:  # Cyrillic, Greek, Arabic...: a word is all in that script
            score += len(letters) if not ascii_letters else -2 * len(letters)
    return score


@dataclass(frozen=True)
class WarcPage:
    offset: int  # byte offset of the record in the (compressed) file
    url: str
    crawl_date: str | None  # ISO 8601 UTC (see crawl_date_iso), None when the record's date is unreadable
    data: bytes
    format: str = "warc"  # or "arc"
    raw_date: str | None = None  # the date as the record states it


@dataclass(frozen=True)
class WarcSkip:
    """A crawl record that is neither a document nor a failure: a redirect, an error page, or a
    revisit whose original payload is not in the archives. Counted by ``reason`` in the summary."""

    offset: int
    url: str
    status: int | None
    reason: str  # one of SKIP_REASONS


@dataclass(frozen=True)
class WarcRevisit:
    """A ``revisit`` record (a deduplicated crawl): its payload is the one of an earlier response
    with the same URL and payload digest (see pipeline, which looks for it)."""

    offset: int
    url: str
    crawl_date: str | None
    digest: str | None  # WARC-Payload-Digest
    refers_to: str  # WARC-Refers-To-Target-URI, else the record's own URL
    raw_date: str | None = None


# The reasons a crawl record is not indexed, with their singular and plural as the summary says them.
SKIP_REASONS = {
    "redirect": ("redirect", "redirects"),
    "not found": ("not found", "not found"),
    "client error": ("client error", "client errors"),
    "server error": ("server error", "server errors"),
    "other status": ("response with another status", "responses with another status"),
    "revisit": ("revisit whose original is not in the archives", "revisits whose original is not in the archives"),
}


def status_reason(status: int | None) -> str | None:
    """Why a response with this HTTP status is not a document, or None for a success (2xx)."""
    if status is None or 200 <= status < 300:
        return None
    if 300 <= status < 400:
        return "redirect"
    if status in (404, 410):
        return "not found"
    if 400 <= status < 500:
        return "client error"
    return "server error" if 500 <= status < 600 else "other status"


def skip_counts(reasons) -> str:
    """``412 redirects, 38 not found, 3 server errors``: how many records each reason kept out."""
    from collections import Counter

    counts = Counter(reasons)
    return ", ".join(f"{counts[r]} {SKIP_REASONS[r][counts[r] > 1]}" for r in SKIP_REASONS if counts[r])


_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?\s*"
                       r"(Z|z|[+-]\d{2}(?::?\d{2})?)?")


def crawl_date_iso(raw: str | None) -> str | None:
    """A record's crawl date as ISO 8601 UTC (``2019-08-15T01:02:00Z``), or None when it cannot
    be read. Takes WARC dates (with or without seconds, a fraction or an offset) and the 14-digit
    dates of ARC files and CDX lines (``20081029052146``, UTC)."""
    from datetime import datetime, timedelta, timezone

    raw = (raw or "").strip()
    try:
        if re.fullmatch(r"\d{14}", raw):
            when = datetime.strptime(raw, "%Y%m%d%H%M%S")
        else:
            m = _ISO_DATE.fullmatch(raw)
            if not m:
                return None
            y, mo, d, h, mi, sec, zone = m.groups()
            when = datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(sec or 0))
            if zone and zone not in "Zz":
                digits = zone[1:].replace(":", "")
                offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
                when -= offset if zone[0] == "+" else -offset
    except ValueError:  # a day or hour out of range
        return None
    return when.replace(tzinfo=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _bounded(decompress, data: bytes, name: str, where: str) -> bytes:
    out = decompress(data, MAX_BYTES + 1)
    if len(out) > MAX_BYTES:
        raise LoadFailure(where, f"{name}-encoded content decompresses to more than the {size_cap()} limit "
                                 "(a bomb?): refused")
    return out


def _inflate(kind: str):
    import zlib

    def run(data: bytes, limit: int) -> bytes:
        if kind == "deflate" and data[:1] and (data[0] & 0x0F) != 8:
            d = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate, as some servers send it
        else:
            d = zlib.decompressobj(16 + zlib.MAX_WBITS if kind == "gzip" else zlib.MAX_WBITS)
        return d.decompress(data, limit)
    return run


def _unbrotli(data: bytes, limit: int) -> bytes:
    import brotli

    d = brotli.Decompressor()
    try:
        return d.process(data, output_buffer_limit=limit)
    except TypeError:  # brotli before 1.2 has no output limit: feed it small steps
        out = b""
        for i in range(0, len(data), 1024):
            out += d.process(data[i:i + 1024])
            if len(out) > limit:
                break
        return out


def _brotli_error() -> type[BaseException]:
    try:
        import brotli

        return brotli.error
    except (ImportError, AttributeError):
        return LoadFailure  # nothing else to catch


def decode_content(data: bytes, encodings: str | None, where: str) -> bytes:
    """A payload with its HTTP ``Content-Encoding`` undone (``gzip``, ``deflate``, ``br``, or a
    chain such as ``gzip, br``, undone last first), each step decompressing to MAX_BYTES at most.
    Raises LoadFailure for an encoding it cannot undo or bytes that do not decompress."""
    import zlib

    steps = [e.strip().lower() for e in (encodings or "").split(",") if e.strip()]
    for name in reversed(steps):
        if name in ("identity", "none"):
            continue
        if name in ("gzip", "x-gzip", "deflate"):
            decompress = _inflate("deflate" if name == "deflate" else "gzip")
        elif name == "br":
            try:
                import brotli  # noqa: F401
            except ImportError:
                raise LoadFailure(where, "brotli-encoded: install brotli (pip install brotli) to read it") from None
            decompress = _unbrotli
        else:
            raise LoadFailure(where, f"content encoded as {name!r}, which searchlib cannot decode")
        try:
            data = _bounded(decompress, data, name, where)
        except (zlib.error, _brotli_error()) as e:
            raise LoadFailure(where, f"{name}-encoded content that does not decompress ({e or type(e).__name__})") \
                from None
    return data


def _warc_damage_types() -> tuple[type[BaseException], ...]:
    """What warcio raises on bytes it cannot parse. Its parser has no error of its own for a record
    cut inside its header or holding nonsense there: that surfaces as AttributeError, TypeError,
    IndexError or KeyError from inside warcio, next to its ArchiveLoadFailed and
    StatusAndHeadersParserException (ValueError covers bad numbers and UnicodeDecodeError)."""
    import zlib

    from warcio.exceptions import ArchiveLoadFailed

    return (ArchiveLoadFailed, EOFError, OSError, ValueError, AttributeError, TypeError, IndexError, KeyError,
            zlib.error)


class _Upto:
    """A file read only up to ``end``: warcio then sees the intact gzip members of a damaged file."""

    def __init__(self, fh, end: int) -> None:
        self.fh, self.end = fh, end

    def tell(self) -> int:
        return self.fh.tell()

    def read(self, size: int = -1) -> bytes:
        left = max(0, self.end - self.fh.tell())
        return self.fh.read(left if size is None or size < 0 else min(size, left))


def _record_iterator(fh):
    """warcio's ArchiveIterator, except that a record not followed by the blank lines that end a
    record (its Content-Length is wrong, so it swallowed bytes of the next records, or left some
    of its own) is flagged in ``misaligned`` rather than warned about on stderr and read on."""
    import logging

    from warcio.archiveiterator import ArchiveIterator

    # warcio logs a warning for a target URI with spaces (which it then escapes); with no logging set
    # up, Python would print it on stderr among searchlib's one-line messages. An application that
    # configures logging still sees it.
    warcio_log = logging.getLogger("warcio")
    if not any(isinstance(h, logging.NullHandler) for h in warcio_log.handlers):
        warcio_log.addHandler(logging.NullHandler())

    class Records(ArchiveIterator):
        misaligned = False

        def _consume_blanklines(self):  # warcio's own, with the stderr warning replaced by the flag
            empty_size, first = 0, True
            while True:
                line = self.reader.readline()
                if not line:
                    return None, empty_size
                if not line.rstrip() or first:
                    empty_size += len(line)
                    if line.rstrip():
                        self.misaligned = True
                    first = False
                    continue
                return line, empty_size

    return Records(fh, arc2warc=True)


def _why(e: BaseException) -> str:
    """What a warcio exception says, on one non-empty line (its gzip message starts with a blank
    line). Python's own errors from inside its parser say nothing a user can act on."""
    if type(e).__module__.startswith("warcio"):
        for line in str(e).splitlines():
            if line.strip():
                return line.strip()
    if isinstance(e, (EOFError, OSError)) or type(e).__module__ == "zlib":
        return f"{e.strerror if isinstance(e, OSError) and e.strerror else e or 'unexpected end of data'}" \
               f" ({type(e).__name__})"
    return f"its header is cut short or malformed ({type(e).__name__})"


def _is_arc(path: str) -> bool:
    """Whether an archive file is an ARC file (older crawls), which warcio reads as WARC records."""
    import gzip

    try:
        with (gzip.open(path, "rb") if path.lower().endswith(".gz") else open(path, "rb")) as fh:
            return fh.read(11) == b"filedesc://"
    except (OSError, EOFError):
        return False


def _read_record(record, path: str, where: int, fmt: str = "warc"):
    """What one record is: a WarcPage (a successful HTML response, its Content-Encoding undone), a
    WarcSkip (another status), a WarcRevisit, a LoadFailure (too large, undecodable), or None (a
    request, metadata, an image, robots.txt...). Reads at most MAX_BYTES of its payload."""
    at = f"{path}#{where}"
    headers = record.http_headers
    url = record.rec_headers.get_header("WARC-Target-URI") or ""
    raw_date = record.rec_headers.get_header("WARC-Date")
    if record.rec_type not in ("response", "revisit") or url.split("?")[0].endswith("/robots.txt"):
        return None
    revisit = record.rec_type == "revisit"
    if headers is None and not revisit:
        return None
    if headers is not None:  # a revisit repeats its original's HTTP headers (when the crawler kept them)
        skip = _not_a_page(headers, url, where)
        if skip is not True:
            return skip
    if revisit:
        return WarcRevisit(where, url, crawl_date_iso(raw_date), record.rec_headers.get_header("WARC-Payload-Digest"),
                           record.rec_headers.get_header("WARC-Refers-To-Target-URI") or url, raw_date)
    return read_payload(record, at, url, where, raw_date, fmt)


def _not_a_page(headers, url: str, where: int):
    """True for a successful HTML response; else a WarcSkip (another status) or None (not HTML)."""
    try:
        status = int(headers.get_statuscode())
    except (TypeError, ValueError):
        status = None
    reason = status_reason(status)
    if reason is not None:
        return WarcSkip(where, url, status, reason)
    return True if "html" in (headers.get_header("Content-Type") or "").lower() else None


def read_payload(record, at: str, url: str, where: int, raw_date: str | None, fmt: str = "warc"):
    """A response record's payload as a WarcPage: de-chunked, decoded, at most MAX_BYTES."""
    from warcio.bufferedreaders import ChunkedDataReader

    headers = record.http_headers
    for_url = f" for {url}" if url else ""
    stream = record.raw_stream
    if (headers.get_header("Transfer-Encoding") or "").lower() == "chunked":
        stream = ChunkedDataReader(stream)
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        return LoadFailure(at, f"WARC record{for_url} is over the {size_cap()} limit: skipped")
    try:
        data = decode_content(data, headers.get_header("Content-Encoding"), at)
    except LoadFailure as e:
        return LoadFailure(at, f"{url}: {e.reason}" if url else e.reason)
    return WarcPage(where, url, crawl_date_iso(raw_date), data, fmt, raw_date)


def record_kind(record) -> tuple[str, str]:
    """What a record that is not a page is, for the counts of ``stats``: ``("type", "request")``
    for a record that is not a response (warcinfo, request, metadata, resource...), else
    ``("mime", "image/jpeg")`` for a response that is not HTML (``robots.txt`` and a response
    without HTTP headers are named as such)."""
    if record.rec_type not in ("response", "revisit"):
        return "type", record.rec_type or "unknown"
    url = record.rec_headers.get_header("WARC-Target-URI") or ""
    if url.split("?")[0].endswith("/robots.txt"):
        return "mime", "robots.txt"
    if record.http_headers is None:
        return "mime", "no HTTP headers"
    mime = (record.http_headers.get_header("Content-Type") or "").split(";")[0].strip().lower()
    return "mime", mime or "no Content-Type"


def iter_warc(path: str, tally: Counter | None = None):
    """The records of a WARC (or ARC) file, in file order: WarcPage for each successful (2xx)
    HTML response, WarcSkip for the responses with another status, WarcRevisit for each revisit,
    LoadFailure for damage (see below); requests, metadata and non-HTML payloads give nothing,
    but are counted in ``tally`` when one is given: ``records`` (every record read), ``type:X``
    (records of WARC-Type X that are not responses) and ``mime:X`` (responses of MIME type X that
    are not pages).

    warcio parses the file; gzip members are decoded as streamed, and a payload is never read
    past MAX_BYTES, so a gzip bomb cannot fill memory. A record over MAX_BYTES gives a
    LoadFailure and reading goes on. Damage (a file cut inside a record's header or payload, a
    Content-Length that does not end where the record does, bytes warcio cannot parse, a gzip
    member that is truncated, corrupt or a bomb) gives one LoadFailure and ends the file: the
    records before it are kept, and nothing after it is trusted. A LoadFailure's path is
    ``FILE#OFFSET``, the offset of the record in question (in the compressed file), as in keys.
    """
    damage_types = _warc_damage_types()
    gz = path.lower().endswith(".gz")
    try:
        gz_damage = _gzip_damage(path) if gz else None
        raw = open(path, "rb")
    except OSError as e:
        yield LoadFailure(path, e.strerror or str(e))
        return
    where, problem = 0, None
    fmt = "arc" if _is_arc(path) else "warc"
    with raw:
        end = gz_damage[0] if gz_damage else os.fstat(raw.fileno()).st_size
        records = _record_iterator(_Upto(raw, end))
        try:
            while True:
                where = records.offset  # where the next record starts (warcio moves it once a record is read)
                record = next(records, None)
                if record is None:
                    if where < end and not _blank_tail(raw, where, end, gz):
                        problem = "the file ends inside a record header, or holds bytes that are not a record"
                    break
                if record.format == "warc" and not (record.rec_type and record.rec_headers.get_header("Content-Length")):
                    problem = "the record header is cut short, or has no WARC-Type or Content-Length"
                    break
                item = _read_record(record, path, where, fmt)
                records.read_to_end()  # the rest of the record, in bounded steps
                missing = getattr(record.raw_stream, "limit", 0)  # what warcio's LimitReader did not get
                url = record.rec_headers.get_header("WARC-Target-URI") or ""
                for_url = f" for {url}" if url else ""
                if missing:
                    problem = (f"the record{for_url} ends {missing:,} byte{'s' if missing > 1 else ''} before its "
                               f"Content-Length ({record.length:,} bytes) says: the file is cut short, or the "
                               "Content-Length is wrong")
                    break
                if records.misaligned:
                    problem = (f"the record{for_url} does not end where its Content-Length ({record.length:,} "
                               "bytes) says: a wrong Content-Length, or bytes missing or added")
                    break
                if tally is not None:
                    tally["records"] += 1
                    if item is None:
                        tally[":".join(record_kind(record))] += 1
                if item is not None:
                    yield item
        except damage_types as e:
            problem = f"unreadable record: {_why(e)}"
        finally:
            records.close()
    if problem is None and gz_damage is not None:
        where, problem = gz_damage
    if problem is not None:
        yield LoadFailure(f"{path}#{max(where, 0)}", f"damaged {fmt.upper()}: {problem}; the records before this offset are kept, "
                                             "the rest of the file is not read")


_PAYLOADS: dict[tuple, dict[tuple[str, str], int]] = {}  # per file version: (URL, digest) -> offset


def payload_offsets(path: str) -> dict[tuple[str, str], int]:
    """Where each response record of an archive file starts, by (URL, WARC-Payload-Digest): what a
    revisit record is resolved with. Reads the headers only (payloads are skipped in bounded
    steps); stops quietly at damage (iter_warc reports it). Kept per process and file version."""
    try:
        st = os.stat(path)
    except OSError:
        return {}
    version = (path, st.st_size, st.st_mtime_ns)
    if version in _PAYLOADS:
        return _PAYLOADS[version]
    found: dict[tuple[str, str], int] = {}
    try:
        gz_damage = _gzip_damage(path) if path.lower().endswith(".gz") else None
        with open(path, "rb") as raw:
            records = _record_iterator(_Upto(raw, gz_damage[0] if gz_damage else st.st_size))
            try:
                while True:
                    where = records.offset
                    record = next(records, None)
                    if record is None:
                        break
                    digest = record.rec_headers.get_header("WARC-Payload-Digest")
                    url = record.rec_headers.get_header("WARC-Target-URI") or ""
                    if record.rec_type == "response" and digest and record.http_headers is not None \
                            and _not_a_page(record.http_headers, url, where) is True:
                        found.setdefault((url, digest), where)  # only pages: what a revisit can resolve to
                    records.read_to_end()
            finally:
                records.close()
    except (OSError, *_warc_damage_types()):
        pass
    while len(_PAYLOADS) > 2 * REVISIT_FILES:  # the oldest first (dicts keep their order)
        del _PAYLOADS[next(iter(_PAYLOADS))]
    _PAYLOADS[version] = found
    return found


def record_at(path: str, offset: int):
    """The record that starts at ``offset`` of an archive file, read as iter_warc reads it
    (a WarcPage, WarcSkip, LoadFailure or None)."""
    try:
        with open(path, "rb") as raw:
            raw.seek(offset)
            records = _record_iterator(raw)
            try:
                record = next(records, None)
                return None if record is None else _read_record(record, path, offset,
                                                                "arc" if _is_arc(path) else "warc")
            finally:
                records.close()
    except (OSError, *_warc_damage_types()) as e:
        return LoadFailure(f"{path}#{offset}", f"the original of a revisit cannot be read: {_why(e)}")


def archive_siblings(path: str) -> list[str]:
    """Where the original of a revisit record in ``path`` is looked for: ``path`` itself, then up to
    REVISIT_FILES other archive files (WARC, ARC) of its folder, the nearest by name first, the
    earlier before the later (a crawl is written as a series of files in one folder, by time)."""
    folder, name = os.path.split(os.path.abspath(path))
    try:
        names = sorted(n for n in os.listdir(folder) if n.lower().endswith(WARC_SUFFIXES))
    except OSError:
        return [path]
    if name not in names:
        return [path]
    at = names.index(name)
    before, after = names[:at][::-1], names[at + 1:]
    nearest = [n for pair in zip(before, after) for n in pair]
    nearest += before[len(after):] + after[len(before):]
    return [path] + [os.path.join(folder, n) for n in nearest[:REVISIT_FILES]]


def _blank_tail(fh, start: int, end: int, gz: bool) -> bool:
    """Whether bytes ``start:end`` of a WARC file hold only blank lines (decompressed, for gzip).
    Looks at 64 KB at most: a longer tail that warcio found no record in is not blank."""
    fh.seek(start)
    data = fh.read(min(end - start, 1 << 16))
    if gz:
        import zlib

        out = b""
        while data and len(out) < 1 << 16:
            d = zlib.decompressobj(16 + zlib.MAX_WBITS)
            try:
                out += d.decompress(data, 1 << 16)
            except zlib.error:
                return False
            if not d.eof:
                return False
            data = d.unused_data
        data = out
    return not data.strip()


def _gzip_damage(path: str) -> tuple[int, str] | None:
    """(offset, reason) of the first gzip member that does not decompress to its end (truncated or
    corrupt) or expands too far (a bomb), or None. Decompresses in bounded steps: memory stays
    flat whatever the ratio. A member may expand to twice MAX_BYTES (headers and a payload of up
    to MAX_BYTES): a record over the limit is then refused on its own, not as damage."""
    import zlib

    start = 0  # offset of the current member
    consumed = 0
    produced = 0  # bytes out of the current member: a member that expands past the cap is refused
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    with open(path, "rb") as fh:
        while True:
            chunk = fh.read(1 << 16)
            if not chunk:
                if d.eof or consumed == start:
                    return None
                return start, "the file ends inside a gzip member (truncated)"
            pending = chunk
            while pending:
                try:
                    produced += len(d.decompress(pending, READ_CHUNK))
                    # (once the member ends, zlib keeps reporting the next one's bytes as its tail)
                    while d.unconsumed_tail and not d.eof and produced <= 2 * MAX_BYTES:
                        produced += len(d.decompress(d.unconsumed_tail, READ_CHUNK))
                except zlib.error as e:
                    return start, f"a gzip member that does not decompress ({e})"
                if produced > 2 * MAX_BYTES:  # a gzip bomb: stop here, never expand it
                    return start, f"a gzip member that expands far beyond the {size_cap()} limit of a record " \
                                  "(a gzip bomb?): not expanded"
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
