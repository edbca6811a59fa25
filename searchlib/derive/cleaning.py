"""Clean: decoded page text -> Article(title, author, published, body).

Keeps the article once: title, byline, the stated publication date and the body paragraphs,
and drops page furniture (menus, share bars, captions cut off with "...", photo credits,
teasers, comment forms, a second copy of the article, the site header's crawl date).

Text scrapes use the project's own block classifier (`clean_text`); HTML pages go through
trafilatura for the body and the page's own metadata for title and date (`clean_html`).
Nothing here tags or guesses: a publication date is only taken where the page states it.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import json
import logging
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from . import aliases, dating
from ..settings import (DATE_AFTER_ARTICLE, HEADER_AFTER_H1, HEADER_BEFORE_H1, HEADER_LINE_WORDS, MAX_LINE,
                        MAX_WORD, SITE_DATE_TOP)

# trafilatura, htmldate and bs4 log every odd page at WARNING/ERROR; with no logging configured,
# Python would print those lines on the user's terminal. Failures reach the user as our own
# one-line messages instead.
for _name in ("trafilatura", "htmldate", "courlan", "bs4", "bs4.dammit", "charset_normalizer"):
    logging.getLogger(_name).addHandler(logging.NullHandler())
    logging.getLogger(_name).propagate = False


@dataclass(frozen=True)
class Article:
    title: str
    author: str | None
    published: str | None  # YYYY-MM-DD as stated by the page, else None
    body: str  # paragraphs separated by "\n"
    site: str | None = None


# ----------------------------------------------------------------------------- shared helpers

_WORD = re.compile(r"\w+")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-",
                         "\u2014": "-", "\u00a0": " ", "\u2026": "..."})
_STOPWORDS = frozenset(
    "a an the of to in on at for and or but is are was were be been has have had that this with by "
    "from as it its he she they we his her their our not said will would could after before over "
    "about into than which who when while also".split()
)


@functools.lru_cache(maxsize=None)
def _patterns() -> dict[str, re.Pattern[str]]:
    with open(aliases.data_path("boilerplate.txt"), encoding="utf-8") as fh:
        rows = [ln.strip().split(" ", 1) for ln in fh if ln.strip() and not ln.startswith("#")]
    by_action: dict[str, list[str]] = {}
    for action, pattern in rows:
        by_action.setdefault(action, []).append(f"(?:{pattern})")
    return {a: re.compile(r"(?i)^\W*(?:" + "|".join(p) + r")\W*$") for a, p in by_action.items()}


def _norm(line: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", line).replace("\u00a0", " ")).strip()


def _tokens(line: str) -> list[str]:
    return _WORD.findall(line.translate(_QUOTES).lower())


_BY_OTHER = r"(?-i:Par|Por|Von|Автор:?|Haber:|Yazan:?|بقلم)"  # "By" in fr, es, de, ru, tr, ar (capitalised: "par ailleurs" is prose)
_BYLINE = re.compile(rf"(?i)^(?:by|written by|reporting by|words by|author:?|{_BY_OTHER})\s+(?P<name>[^|\d]{{3,80}}?)\s*(?:\||,|$|\s[-–—]\s)")


def _byline(line: str):
    """The byline match of ``line`` when what follows "By" reads as names ("By Jo Writer and Sam
    Lee in Kabul", "By staff reporters"), else None: "By the end of the year, ..." or "By court
    reform budget coalition election museum the to ..." is a sentence of the article, and
    dropping it as a byline would make its words unsearchable. A name has few lower-case words."""
    m = _BYLINE.match(line + " |")
    if m is None:
        return None
    words = m.group("name").split()
    lower = sum(1 for w in words if w[:1].islower())
    return None if lower > 3 and lower > len(words) - lower else m


_URL = re.compile(r"(?i)^(?:https?://|www\.)\S+$|^\S+\.(?:com|org|net|co\.uk|info)(?:/\S*)?$")
_AUTHOR_SLUG = re.compile(r"(?i)/(?:author|authors|by|people|profile|staff|writers?|contributors?)/([a-z][a-z\-_.]+[a-z])/?$")
_BY_PREFIX = re.compile(rf"(?i)^(?:by|written by|words by|author|{_BY_OTHER})\s*:?\s+")


def clean_author(author: str | None, site: str | None = None) -> str | None:
    """The byline as a name: "By Jo Writer" -> "Jo Writer"; an author page's URL
    ("http://nypost.com/author/jo-writer/") -> "Jo Writer"; any other URL (a Facebook profile),
    a bare domain or the site's own name -> None (it names no author)."""
    if not author:
        return None
    author = _BY_PREFIX.sub("", _norm(author)).strip(" ,;|-")
    if _URL.match(author):
        m = _AUTHOR_SLUG.search(author.split("?")[0])
        if not m:
            return None
        author = " ".join(w.capitalize() for w in re.split(r"[-_.]+", m.group(1)) if w)
    if not author or "://" in author or not any(c.isalpha() for c in author):
        return None
    return None if site and fold_eq(author, site) else author


_PUBLISHED_LINE = re.compile(r"(?i)^\W*(?:published|posted|first published|publication date|date published)\b")
_UPDATED_LINE = re.compile(r"(?i)^\W*(?:updated|last updated|modified)\b")
_CREDIT_WORDS = re.compile(
    r"\b(?:AFP|AP|Reuters|Getty(?: Images)?|EPA(?:-EFE)?|Xinhua|Anadolu|Bloomberg|Shutterstock|"
    r"AAP|ANI|PTI|IANS|dpa|Sipa|Alamy|File|Handout|Courtesy|Photo|Photograph|Image|Credit)\b"
)
_SENTENCE_END = re.compile(r"[.!?]['\"’”)\]]*$|[.!?]['\"’”]?\s|[\u3002\uff01\uff1f]")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@dataclass
class _Block:
    index: int
    text: str
    tokens: list[str]

    def __post_init__(self) -> None:
        # Chinese and Japanese run a sentence together as one \w+ token: count about two
        # characters a word there, so that length means the same in every script
        self.cjk = len(_CJK.findall(self.text))
        self.words = len(self.tokens) + self.cjk // 2


def _is_credit(text: str) -> bool:
    """Photo-credit lines: "Brendan Smialowski, AFP", "Jane Roe, BELGA/AFP/File", "Photo: Reuters"."""
    if len(text) > 90 or _SENTENCE_END.search(text.rstrip(".") + " ") and len(text.split()) > 8:
        return False
    if re.match(r"(?i)^\W*(photo|image|picture|photograph|credit|source)s?\s*(by|:|credit)", text):
        return True
    if "," in text or "/" in text:
        tail = re.split(r"[,/]", text, maxsplit=1)[1]
        if _CREDIT_WORDS.search(tail) and len(text.split()) <= 8:
            return True
    return bool(re.fullmatch(r"\(?(?:AFP|AP|Reuters|Getty Images|EPA|Xinhua)(?:\s*/\s*\w+)*\)?", text.strip()))


def _is_sentence_like(block: _Block) -> bool:
    if block.words < 10:
        return False
    stop = sum(1 for t in block.tokens if t in _STOPWORDS)
    if stop / block.words < 0.12 and block.cjk * 2 < len(block.text):
        return False
    return bool(_SENTENCE_END.search(block.text)) or block.words >= 20


def _dedupe(blocks: list[_Block]) -> list[_Block]:
    """Drop repeated blocks: a second copy of the article, a repeated headline, a caption cut off
    with "..." before its full version, a lede repeated without its dateline. The longer version
    of two near-identical neighbours is kept, in the place of the first."""
    out: list[_Block] = []
    seen: dict[tuple[str, ...], int] = {}
    for block in blocks:
        toks = block.tokens
        truncated = block.text.rstrip().endswith(("...", "\u2026"))
        if truncated and len(toks) > 1:
            toks = toks[:-1]  # the last word is cut off ("secur...")
        key = tuple(toks)
        if not key:
            out.append(block)
            continue
        if key in seen and not truncated:
            first = out[seen[key]]
            if len(block.text) > len(first.text) and block.index - first.index <= 3:
                out[seen[key]] = _Block(first.index, block.text, block.tokens)
            continue
        out.append(block)
        if not truncated:
            seen[key] = len(out) - 1
    # containment: a block whose words all stand, in order, inside a longer block nearby or anywhere
    keep = [True] * len(out)
    joined = [" " + " ".join(b.tokens) + " " for b in out]
    for i, block in enumerate(out):
        toks = block.tokens
        truncated = block.text.rstrip().endswith(("...", "\u2026"))
        if truncated and len(toks) > 1:
            toks = toks[:-1]
        if len(toks) < 5 and not truncated:
            continue
        needle = " " + " ".join(toks) + " "
        for j, other in enumerate(out):
            if j != i and keep[j] and len(other.tokens) > len(toks) and needle in joined[j]:
                keep[i] = False
                break
    return [b for b, k in zip(out, keep) if k]


def _body_span(blocks: list[_Block], end_at: int) -> tuple[int, int] | None:
    """The densest run of article-like blocks (maximum-sum subarray): article paragraphs score
    by their length, furniture lines cost a fixed penalty, so a menu or a teaser list between
    two paragraphs ends the run while a subheading or a short quote inside the article does not."""
    best, best_span = 0.0, None
    run, start = 0.0, 0
    for i, block in enumerate(blocks[:end_at]):
        if _is_sentence_like(block) and not _is_credit(block.text):
            score = min(block.words, 60) / 10.0 + 1.0
        elif block.words <= 2:
            score = -0.6
        else:
            score = -1.2
        if run <= 0:
            run, start = 0.0, i
        run += score
        if run > best:
            best, best_span = run, (start, i + 1)
    return best_span


def _title_candidate(block: _Block) -> bool:
    if not 2 <= block.words <= 30 or len(block.text) > 250:
        return False
    if dating.date_line(block.text) or dating.month_line(block.text) or _BYLINE.match(block.text) \
            or _is_credit(block.text):
        return False
    if len(block.text.split()) <= 8 and re.match(r"(?:By|BY)\s", block.text):
        return False  # a byline the pattern above misses ("By Jo Writer2"), never a headline
    if _patterns()["drop"].match(block.text) or _patterns()["end"].match(block.text):
        return False
    return not block.text.endswith((".", ":", "...", "\u2026")) or block.text.endswith(("?", "!"))


@dataclass(frozen=True)
class Segmented:
    """A text scrape cut into blocks, with what the classifier needs to know about each."""

    blocks: list[_Block]
    end_at: int  # index of the first footer marker after the article started (or len(blocks))
    span: tuple[int, int]  # the heuristic body run (maximum-sum window)
    repeats: dict[tuple[str, ...], int]  # how often each block's words occur on the page




def _split_long(line: str) -> list[str]:
    """A long line as blocks of about MAX_LINE / 2 characters, cut at sentence ends, or at spaces
    where a sentence runs longer than MAX_LINE (a list or table saved as one line): every word
    is kept, none is cut off."""
    if len(line) <= MAX_LINE:
        return [line]
    parts, current = [], []
    size = 0
    for sentence in re.split(r"(?<=[.!?])\s+", line):
        pieces = [sentence] if len(sentence) <= MAX_LINE else _cut_at_spaces(sentence, MAX_LINE // 2)
        for piece in pieces:
            current.append(piece)
            size += len(piece) + 1
            if size >= MAX_LINE // 2:
                parts.append(" ".join(current))
                current, size = [], 0
    if current:
        parts.append(" ".join(current))
    return parts


def _cut_at_spaces(text: str, width: int) -> list[str]:
    """``text`` in pieces of about ``width`` characters, cut at a space where there is one."""
    pieces = []
    while len(text) > width:
        cut = text.rfind(" ", width // 2, width)
        cut = cut if cut > 0 else width
        pieces.append(text[:cut])
        text = text[cut:].lstrip(" ")
    if text:
        pieces.append(text)
    return pieces


_NOT_A_WORD = re.compile(r"\S{%d,}" % (MAX_WORD + 1))


def segment_text(text: str) -> Segmented:
    lines = [_norm(piece) for ln in text.splitlines() for piece in _split_long(_NOT_A_WORD.sub(" ", ln))]
    raw_blocks = [_Block(i, ln, _tokens(ln)) for i, ln in enumerate(lines) if ln and _tokens(ln)]
    repeats: dict[tuple[str, ...], int] = {}
    for b in raw_blocks:
        repeats[tuple(b.tokens)] = repeats.get(tuple(b.tokens), 0) + 1
    blocks = _dedupe(raw_blocks)
    end = _patterns()["end"]
    span = _body_span(blocks, len(blocks)) or (0, len(blocks))
    # the footer starts at the first end marker after the article has started that is followed by
    # less article-like text than came before it: a "Comments" link in a share bar or a "Related
    # articles" box inside the article is followed by the rest of the article
    mass = [b.words if _is_sentence_like(b) and not _is_credit(b.text) else 0 for b in blocks]
    markers = [i for i in range(span[0] + 1, len(blocks)) if end.match(blocks[i].text)]
    end_at = len(blocks)
    for k, i in enumerate(markers):
        nxt = markers[k + 1] if k + 1 < len(markers) else len(blocks)
        if sum(mass[i + 1:nxt]) < sum(mass[span[0]:i]):
            end_at = i
            break
    span = _body_span(blocks, end_at) or span
    return Segmented(blocks, end_at, span, repeats)


_COMMENT_MARK = re.compile(r"(?i)^reply$|\breply\b|\bsays:|\b\d{1,2}:\d{2}\s*(?:am|pm)\b|\b\d+\s+(?:likes?|points|votes|replies)\b|"
                           r"^(?:log in|sign in) to (?:reply|comment)|^report( abuse)?$|\b(?:hours?|days?|minutes?) ago$")
_INLINE_CREDIT = re.compile(r"\((?:AP|AFP|Reuters|Getty|EPA)[^)]{0,40}\)|\bPhoto(?:graph)?:|\bGetty Images\b|/(?:AFP|AP|EPA)\b")
_SEPARATORS = re.compile(r"[|»›•©·>]|\bhttps?://|www\.|@\w")


# ----------------------------------------------------------------------------- the line classifier's features
#
# Every feature of the learned line classifier is declared once below, by name and in column
# order, with how it is computed. text_model.json records the names each stage was trained on and
# load_text_model refuses a model whose list differs from this one, so adding, removing, renaming
# or reordering a feature here means retraining (python3 scripts/train_text_model.py).

_PUNCT = re.compile(r"[,.;:!?]")
_SENTENCE_STOPS = re.compile(r"[.!?](?:\s|$)|[\u3002\uff01\uff1f]")
_LIST_ITEM = re.compile(r"^[-*\u2022\d]+[.)]?\s")


class _Line:
    """What the line features read, computed once per block."""

    __slots__ = ("block", "text", "words", "nw", "seg", "drop", "end")

    def __init__(self, block: _Block, seg: Segmented, drop: re.Pattern[str], end: re.Pattern[str]) -> None:
        self.block, self.text, self.seg, self.drop, self.end = block, block.text, seg, drop, end
        self.words = block.text.split()
        self.nw = max(1, len(self.words))


# The line on its own: shape (length, punctuation, case, digits) and page furniture markers.
LINE_FEATURES: tuple[tuple[str, Callable[[_Line], float]], ...] = (
    ("log_words", lambda ln: math.log1p(ln.block.words)),
    ("log_chars", lambda ln: math.log1p(len(ln.text))),
    ("ends_sentence", lambda ln: float(bool(_SENTENCE_END.search(ln.text)))),
    ("stopword_share", lambda ln: sum(1 for tok in ln.block.tokens if tok in _STOPWORDS) / max(1, ln.block.words)),
    ("lowercase_initials", lambda ln: sum(1 for w in ln.words if w[:1].islower()) / ln.nw),
    ("uppercase_initials", lambda ln: sum(1 for w in ln.words if w[:1].isupper()) / ln.nw),
    ("digit_share", lambda ln: sum(c.isdigit() for c in ln.text) / max(1, len(ln.text))),
    ("punctuation_per_word", lambda ln: len(_PUNCT.findall(ln.text)) / ln.nw),
    ("photo_credit", lambda ln: float(_is_credit(ln.text))),
    ("drop_marker", lambda ln: float(bool(ln.drop.match(ln.text)))),  # boilerplate.txt "drop" lines
    ("end_marker", lambda ln: float(bool(ln.end.match(ln.text)))),  # boilerplate.txt footer markers
    ("sentence_like", lambda ln: float(_is_sentence_like(ln.block))),
    ("log_sentences", lambda ln: math.log1p(len(_SENTENCE_STOPS.findall(ln.text)))),
    ("mean_word_length", lambda ln: sum(len(w) for w in ln.words) / ln.nw),
    ("separator", lambda ln: float(bool(_SEPARATORS.search(ln.text)))),  # | » © www. @handle ...
    ("ends_with_ellipsis", lambda ln: float(ln.text.endswith(("...", "\u2026")))),
    ("date_line", lambda ln: float(bool(dating.date_line(ln.text)))),
    ("byline", lambda ln: float(bool(_BYLINE.match(ln.text + " |")))),
    ("log_repeats", lambda ln: math.log1p(ln.seg.repeats.get(tuple(ln.block.tokens), 1) - 1)),
    ("list_item", lambda ln: float(bool(_LIST_ITEM.match(ln.text)))),
)
_LINE_COLUMN = {name: i for i, (name, _f) in enumerate(LINE_FEATURES)}


class _Page:
    """What the page features read: every block's line features and the page's structure."""

    def __init__(self, seg: Segmented, base: list[list[float]]) -> None:
        self.seg, self.blocks, self.base, self.n = seg, seg.blocks, base, len(seg.blocks)
        self.runs = _short_runs(seg.blocks)
        # comment threads follow the article: "Reply", "says:", "3:45 pm", "12 likes"
        self.comment_marks, count = [], 0
        for b in seg.blocks:
            self.comment_marks.append(count)
            if _COMMENT_MARK.search(b.text) and b.words <= 12:
                count += 1
        # footer markers before and after: the article sits before most of them, teasers and legal
        # notices after, whatever the heuristic run picked
        end = _LINE_COLUMN["end_marker"]
        self.ends_before, self.ends = [], 0
        for row in base:
            self.ends_before.append(self.ends)
            self.ends += row[end] > 0

    def distance_to_body_run(self, i: int) -> int:
        s0, s1 = self.seg.span
        return 0 if s0 <= i < s1 else (s0 - i if i < s0 else i - s1 + 1)


def _neighbour(side: str, offset: int, name: str) -> tuple[str, Callable[[_Page, int], float]]:
    """A line feature of the block ``offset`` away (0.0 past the page's ends), by name."""
    column = _LINE_COLUMN[name]

    def value(page: _Page, i: int) -> float:
        j = i + offset
        return page.base[j][column] if 0 <= j < page.n else 0.0

    return f"{side}_{name}", value


def _window_mean(name: str, radius: int = 3) -> tuple[str, Callable[[_Page, int], float]]:
    """The mean of a line feature over the blocks within ``radius`` of this one, by name."""
    column = _LINE_COLUMN[name]

    def value(page: _Page, i: int) -> float:
        window = page.base[max(0, i - radius): i + radius + 1]
        return sum(w[column] for w in window) / len(window)

    return f"window_{name}", value


def _run_follows_colon(page: _Page, i: int) -> float:
    """The run of short lines this block stands in follows a line ending with ":" (a list)."""
    r0 = page.runs[i][0]
    return float(page.blocks[r0 - 1].text.endswith(":")) if r0 > 0 else 0.0


# The line in its page: its neighbours (by feature name), position, the heuristic body run,
# comment and footer markers around it, and the run of short lines it stands in.
PAGE_FEATURES: tuple[tuple[str, Callable[[_Page, int], float]], ...] = (
    *(_neighbour("prev", -1, name) for name in ("log_words", "ends_sentence", "sentence_like")),
    *(_neighbour("next", 1, name) for name in ("log_words", "ends_sentence", "sentence_like")),
    _window_mean("sentence_like"),
    _window_mean("log_words"),
    ("position", lambda page, i: i / page.n),
    ("in_body_run", lambda page, i: float(page.seg.span[0] <= i < page.seg.span[1])),
    ("log_distance_to_body_run", lambda page, i: math.log1p(page.distance_to_body_run(i))),
    ("after_footer_start", lambda page, i: float(i >= page.seg.end_at)),
    ("log_comment_marks_before", lambda page, i: math.log1p(page.comment_marks[i])),
    ("inline_credit", lambda page, i: float(bool(_INLINE_CREDIT.search(page.blocks[i].text)))),
    ("log_end_markers_before", lambda page, i: math.log1p(page.ends_before[i])),
    ("log_end_markers_after", lambda page, i: math.log1p(
        page.ends - page.ends_before[i] - (page.base[i][_LINE_COLUMN["end_marker"]] > 0))),
    ("log_short_run_length", lambda page, i: math.log1p(page.runs[i][1] - page.runs[i][0])),
    ("short_run_after_colon", _run_follows_colon),
    ("ends_with_colon", lambda page, i: float(page.blocks[i].text.endswith(":"))),
)


class _FirstPass:
    """What the second-stage features read: the first stage's probabilities on one page."""

    def __init__(self, seg: Segmented, probs: list[float]) -> None:
        self.probs, self.runs = probs, _short_runs(seg.blocks)
        self.total = sum(probs) or 1.0
        self.best = max(probs) if probs else 1.0
        self.before, before = [], 0.0
        for p in probs:
            self.before.append(before)
            before += p

    def mean(self, i: int, radius: int) -> float:
        window = self.probs[max(0, i - radius): i + radius + 1]
        return sum(window) / len(window)

    def prev(self, i: int) -> list[float]:
        return self.probs[max(0, i - 3): i] or [0.0]

    def next(self, i: int) -> list[float]:
        return self.probs[i + 1: i + 4] or [0.0]

    def frame_before(self, i: int) -> float:
        r0 = self.runs[i][0]
        return max(self.probs[max(0, r0 - 2): r0] or [0.0])

    def frame_after(self, i: int) -> float:
        r1 = self.runs[i][1]
        return max(self.probs[r1: r1 + 2] or [0.0])


# Second stage: the block's first-stage probability and those around it. An article is a run of
# blocks: a short line between two confident paragraphs belongs to it, a lone long line among
# menus does not; a list is judged by the lines framing it.
CONTEXT_FEATURES: tuple[tuple[str, Callable[[_FirstPass, int], float]], ...] = (
    ("p", lambda fp, i: fp.probs[i]),
    ("p_mean_2", lambda fp, i: fp.mean(i, 2)),
    ("p_mean_5", lambda fp, i: fp.mean(i, 5)),
    ("p_max_prev_3", lambda fp, i: max(fp.prev(i))),
    ("p_max_next_3", lambda fp, i: max(fp.next(i))),
    ("p_of_page_best", lambda fp, i: fp.probs[i] / fp.best),
    ("p_share_before", lambda fp, i: fp.before[i] / fp.total),
    ("p_weaker_side_mean_3", lambda fp, i: min(sum(fp.prev(i)) / len(fp.prev(i)), sum(fp.next(i)) / len(fp.next(i)))),
    ("p_mean_12", lambda fp, i: fp.mean(i, 12)),
    ("p_frame_before", lambda fp, i: fp.frame_before(i)),
    ("p_frame_after", lambda fp, i: fp.frame_after(i)),
    ("p_frame_weaker", lambda fp, i: min(fp.frame_before(i), fp.frame_after(i))),
)

# The columns each stage of text_model.json reads, in order.
FEATURE_NAMES = {
    "first": tuple(name for name, _f in LINE_FEATURES + PAGE_FEATURES),
    "second": tuple(name for name, _f in LINE_FEATURES + PAGE_FEATURES + CONTEXT_FEATURES),
}
assert len(set(FEATURE_NAMES["second"])) == len(FEATURE_NAMES["second"]), "feature names must be unique"


def block_features(seg: Segmented) -> list[list[float]]:
    """One first-stage feature vector per block (FEATURE_NAMES["first"]), for the learned line
    classifier (see scripts/train_text_model.py)."""
    drop, end = _patterns()["drop"], _patterns()["end"]
    base = [[f(line) for _name, f in LINE_FEATURES] for line in (_Line(b, seg, drop, end) for b in seg.blocks)]
    page = _Page(seg, base)
    return [row + [f(page, i) for _name, f in PAGE_FEATURES] for i, row in enumerate(base)]


def _short_runs(blocks: list[_Block]) -> list[tuple[int, int]]:
    """For each block, the run of consecutive short non-sentence lines it stands in ((i, i) for a
    paragraph): a menu or a link list is a long run; so is a list inside the article, but that
    one follows a line ending with ":" and is framed by paragraphs."""
    short = [b.words <= 15 and not _is_sentence_like(b) for b in blocks]
    out: list[tuple[int, int]] = [(i, i) for i in range(len(blocks))]
    i = 0
    while i < len(blocks):
        if not short[i]:
            i += 1
            continue
        j = i
        while j < len(blocks) and short[j]:
            j += 1
        for k in range(i, j):
            out[k] = (i, j)
        i = j
    return out


class TextModelMismatch(RuntimeError):
    """A text model trained on other features than the ones this code computes: its trees would
    read the wrong columns, so it is refused rather than used."""


def check_features(model: dict, where: str = "the text model") -> None:
    """Raise TextModelMismatch unless every stage of ``model`` names exactly FEATURE_NAMES."""
    for stage in ("first", "second"):
        if stage not in model:
            continue
        code = list(FEATURE_NAMES[stage])
        trained = model[stage].get("features")
        if trained == code:
            continue
        if trained is None:
            problem = "it records no feature names"
        else:
            missing = [n for n in code if n not in trained]
            extra = [n for n in trained if n not in code]
            problem = "; ".join(filter(None, (
                f"the code computes {missing}, which the model lacks" if missing else "",
                f"the model reads {extra}, which the code does not compute" if extra else "",
                "the same names in another order" if not missing and not extra else "",
            ))) + f" (model: {len(trained)} features, code: {len(code)})"
        raise TextModelMismatch(
            f"{where} does not match cleaning.py's features in its {stage} stage: {problem}; "
            "retrain it with: python3 scripts/train_text_model.py")


def load_text_model(path: str) -> dict:
    """A text model file, checked against the features this code computes (TextModelMismatch)."""
    with open(path, encoding="utf-8") as fh:
        model = json.load(fh)
    check_features(model, path)
    return model


@functools.lru_cache(maxsize=None)
def _text_model() -> dict | None:
    """The line classifier (gradient-boosted trees) trained on DEV text scrapes; None if absent."""
    try:
        return load_text_model(aliases.data_path("text_model.json"))
    except FileNotFoundError:
        return None


def _tree_score(model: dict, x: list[float]) -> float:
    return _compiled(model)(x)


_COMPILED: dict[int, object] = {}


def _compiled(model: dict):
    """The trees as one generated Python function (nested conditionals): several times faster than
    walking the node arrays, which keeps text cleaning well above 40 pages/s."""
    key = id(model)
    hit = _COMPILED.get(key)
    if hit is not None and hit[0] is model:
        return hit[1]
    rate = model["rate"]

    def expr(tree, node: int) -> str:
        feature, threshold, left, right, value = tree
        if left[node] == -1:
            return repr(rate * value[node])
        return (f"({expr(tree, left[node])} if x[{feature[node]}] <= {threshold[node]!r} "
                f"else {expr(tree, right[node])})")

    lines = ["def score(x):", f"    t = {model['init']!r}"]
    lines += [f"    t += {expr(tree, 0)}" for tree in model["trees"]]
    lines.append("    return 1.0 / (1.0 + _exp(-t))")
    namespace: dict = {"_exp": math.exp}
    exec("\n".join(lines), namespace)  # noqa: S102 - code generated from our own model file
    _COMPILED[key] = (model, namespace["score"])
    return namespace["score"]


def context_features(seg: Segmented, feats: list[list[float]], probs: list[float]) -> list[list[float]]:
    """Second-stage feature vectors (FEATURE_NAMES["second"]): each block's first-stage features,
    then CONTEXT_FEATURES over the first stage's probabilities ``probs``."""
    first = _FirstPass(seg, probs)
    return [feats[i] + [f(first, i) for _name, f in CONTEXT_FEATURES] for i in range(len(probs))]


def keep_probabilities(seg: Segmented) -> list[float]:
    """P(block belongs to the article) for every block; the heuristic run where no model ships."""
    model = _text_model()
    if model is None or not seg.blocks:
        return [1.0 if seg.span[0] <= i < seg.span[1] else 0.0 for i in range(len(seg.blocks))]
    feats = block_features(seg)
    probs = [_tree_score(model["first"], x) for x in feats]
    if "second" not in model:
        return probs
    return [_tree_score(model["second"], x) for x in context_features(seg, feats, probs)]


def _footer_start(seg: Segmented, probs: list[float]) -> int:
    """Where the page footer starts: the first end marker ("You may also like", "Related news",
    "Leave a Reply") not followed by more confident article text. A related-links box or a share
    bar in the middle of an article is followed by the rest of the article; a footer is not."""
    end = _patterns()["end"]
    markers = [i for i in range(seg.end_at, len(seg.blocks)) if end.match(seg.blocks[i].text)]
    for n, i in enumerate(markers):
        nxt = markers[n + 1] if n + 1 < len(markers) else len(seg.blocks)
        confident = sum(b.words for b, p in zip(seg.blocks[i + 1:nxt], probs[i + 1:nxt]) if p >= 0.8)
        if confident < 60:
            return i
    return len(seg.blocks)


def _keep_region(blocks: list[_Block], probs: list[float], threshold: float, gap: float = 3.0) -> list[bool]:
    """Blocks above the threshold inside the best-scoring run: confident paragraphs add their
    length, each doubtful block in between costs ``gap``, so a comment thread or a teaser list
    separated from the article by page furniture is left out."""
    best, span, run, start = 0.0, None, 0.0, 0
    for i, (b, p) in enumerate(zip(blocks, probs)):
        score = (p - threshold) * min(b.words, 60) if p >= threshold else -gap
        if run <= 0:
            run, start = 0.0, i
        run += score
        if run > best:
            best, span = run, (start, i + 1)
    if span is None:
        return [p >= threshold for p in probs]
    return [span[0] <= i < span[1] and p >= threshold for i, p in enumerate(probs)]


def clean_text(text: str) -> Article:
    """Clean a plain-text scrape (one block per line) into an Article."""
    seg = segment_text(text)
    blocks = seg.blocks
    if not blocks:
        return Article("", None, None, "")
    drop = _patterns()["drop"]
    model = _text_model()
    threshold = model["threshold"] if model else 0.5
    probs = keep_probabilities(seg)
    s0, s1 = seg.span
    # a full sentence inside the heuristic body run is kept even where the model doubts it
    # (a list of country names reads like a menu to the model, not to the run)
    probs = [max(p, threshold + 0.05) if s0 <= i < s1 and blocks[i].words >= 6 and blocks[i].text.endswith((".", ".\"", ".\u201d"))
             else p for i, p in enumerate(probs)]
    keep = _keep_region(blocks, probs, threshold)
    # a footer marker ("You may also like", "Leave a Reply") ends the article whatever the model says
    cut = _footer_start(seg, probs)
    keep = [k and i < cut for i, k in enumerate(keep)]
    if not any(keep):
        keep = [seg.span[0] <= i < seg.span[1] for i in range(len(blocks))]
    start = keep.index(True)

    # title: the nearest headline-like block above the body; a headline printed twice is preferred
    title_i = None
    for i in range(start - 1, -1, -1):
        if _title_candidate(blocks[i]):
            title_i = i
            break
    if title_i is None and start == 0 and not _is_sentence_like(blocks[0]) and _title_candidate(blocks[0]) \
            and len(blocks) > 1:
        title_i = 0
        keep[0] = False
        start = next((i for i, k in enumerate(keep) if k), 1)
    title = blocks[title_i].text if title_i is not None else ""

    author = published = None
    # between the title and the body: byline and date lines
    for block in blocks[(title_i + 1 if title_i is not None else start):start]:
        m = _byline(block.text)
        if m and author is None:
            author = m.group("name").strip()
        d = dating.date_line(block.text) or (dating.full_date_in(block.text) if m else None)
        if d and published is None:
            published = d
    if published is None and title_i is not None:
        # a date split over short lines ("24" / "Jul" / "2012" / "8:18am, EDT") under the title or
        # just above it; a one-line date above the title may be the site header's crawl date
        # (a site header prints today's date with its weekday: "Thursday" / "29 February 2024")
        published = _split_date(blocks[title_i + 1:start]) \
            or _split_date(blocks[max(0, title_i - 6):title_i], weekday=False)
    if published is None:
        # a metadata line with more than the date ("Jo Writer - Nov 19, 2019, 10:31 pm", "PUBLISHED:
        # 10:48, Tue, Nov 19, 2019 | UPDATED: ..."), from the title down to the body (the title
        # line included: a date line is sometimes all a scrape has above the text), else in the
        # three lines above the title
        head = blocks[title_i:start] if title_i is not None else blocks[max(0, start - 3):start]
        above = blocks[max(0, title_i - 3):title_i] if title_i is not None else []
        published = next((d for d in map(_header_date, head) if d), None) \
            or next((_header_date(b, above=True) for i, b in enumerate(above)
                     if not (i and _WEEKDAY_START.match(above[i - 1].text) and above[i - 1].words <= 2)
                     and _header_date(b, above=True)), None)
    kept: list[str] = []
    for block, k in zip(blocks, keep):
        t = block.text
        if not k or drop.match(t) or _is_credit(t) or dating.date_line(t):
            continue
        if block.words <= 15 and (_PUBLISHED_LINE.match(t) or _UPDATED_LINE.match(t)) and dating.full_date_in(t):
            continue  # "Published in The Daily, April 25th, 2023": the page's metadata, not the article
        if block.words <= 2 and not _is_sentence_like(block) and t[:1].isupper() and " " not in t.strip():
            continue  # one-word section labels ("World", "Business")
        m = _byline(t)
        if m and block.words <= 12:
            author = author or m.group("name").strip()
            published = published or dating.full_date_in(t)
            continue
        kept.append(t)
    # a "Published in <outlet>, April 25th, 2023" line anywhere outside the header
    if published is None:
        published = _stated_date_line(blocks[start:])
    if published is None:  # a dateline opens the article, perhaps after a photo caption
        published = next((d for d in map(_dateline_date, kept[:3]) if d), None)
    if published is None:  # a header line that states only the month ("December 2007"): that month
        header = blocks[(title_i + 1 if title_i is not None else start):start]
        published = next((m for m in (dating.month_line(b.text) for b in header) if m), None)
    site = _site_from_text(blocks[start:])
    return Article(title, clean_author(author, site), published, "\n".join(kept), site)


_SITE_PATTERNS = (
    re.compile(r"^\W*(?:Published|First published|Originally published) (?:in|by|on) (?P<site>[A-Z][\w&'\u2019. -]{1,40}?)"
               r"(?:[.,]\s|\.?$|\s+on\s|\s+(?=\d))"),
    re.compile(r"^(?P<site>[A-Z][\w&'\u2019 -]{1,50}?)\s*\u00a9"),
    re.compile(r"^\W*(?:\u00a9|Copyright|\(c\))\s*(?:\u00a9\s*)?(?:\d{4}(?:\s*[-\u2013]\s*\d{4})?,?\s*)?"
               r"(?P<site>[A-Z][\w&'\u2019. -]{1,50}?)\s*(?:[.,|]|All rights reserved|$)", re.I),
)


def _site_from_text(blocks: list[_Block]) -> str | None:
    """The outlet, where a text scrape names it: "Published in Dawn, ...", "(c) 2024 The Daily"."""
    for block in blocks:
        if block.words > 20:
            continue
        for pattern in _SITE_PATTERNS:
            m = pattern.match(block.text)
            if m:
                site = m.group("site").strip(" .")
                if 1 <= len(site.split()) <= 6 and not dating.DATE_RE.match(site):
                    return site
    return None


_META_MARK = re.compile(r"(?i)^\W*(?:by|von|par|por|posted|published|updated|date)\b|\s[|/\u00b7\u2022\u2013\u2014-]\s|[|;]"
                        r"|\b\d{1,2}[:.]\d\d\b")


_WEEKDAY_START = re.compile(rf"(?i)\W*(?:{dating.WEEKDAY}|(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b)")


def _header_date(block: _Block, above: bool = False, updated: bool = True) -> str | None:
    """The date of a short metadata line of the article's header (``dating.header_date``): a line
    of at most 8 words, or up to 20 with a mark of metadata (a byline word, "Posted", a separator,
    a time) or opening with the date. A caption or a sentence that mentions a date is neither.
    ``above=True`` (lines above the title, where a site header prints the date of the day): only a
    line with a mark of metadata, never one that opens with a weekday or follows a weekday line."""
    text = block.text
    if block.words > 20 or _is_sentence_like(block) and not _PUBLISHED_LINE.match(text):
        return None
    if above and (_WEEKDAY_START.match(text) or not _META_MARK.search(text)):
        return None
    d = dating.header_date(text, updated=updated)
    if d and (_META_MARK.search(text) or dating.DATE_RE.match(text) or re.match(r"\d{1,2}[./]\d{1,2}[./]\d{4}", text)
              or block.words <= 8 and _words_beside_dates(text) <= 2):
        return d
    return None


def _words_beside_dates(text: str) -> int:
    """Words of ``text`` that are not part of a date or a number: "LinkNaija August 08, 2018"
    has 1, "Associated Press November 19, 2019" 2, a headline such as "Floods of March 3, 2016
    kill 20" 3."""
    rest = dating.DATE_RE.sub(" ", text)
    rest = re.sub(r"\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b|\b\d+\b", " ", rest)
    return len(re.findall(r"[^\W\d_]+", rest))


def _split_date(blocks: list[_Block], weekday: bool = True) -> str | None:
    """A date printed over two to four consecutive short lines: "24" / "Jul" / "2012" / "8:18am".

    ``weekday=False``: a run that names a weekday is not taken."""
    for i in range(len(blocks)):
        if not weekday and re.match(dating.WEEKDAY, blocks[i].text, re.I):
            continue
        for j in range(i + 2, min(i + 4, len(blocks)) + 1):
            run = blocks[i:j]
            if any(b.words > 3 or len(b.text) > 24 for b in run):
                break
            d = dating.date_line(" ".join(b.text for b in run))
            if d:
                return d
    return None


def _stated_date_line(blocks: list[_Block]) -> str | None:
    updated = None
    for block in blocks:
        if block.words > 25:
            continue
        if _PUBLISHED_LINE.match(block.text):
            d = dating.full_date_in(block.text)
            if d:
                return d
        elif _UPDATED_LINE.match(block.text) and updated is None:
            updated = dating.full_date_in(block.text)
    return updated


_DATELINE = re.compile(r"^[A-Z][A-Za-z.'\- ]{1,40}?(?:,\s*[A-Z][A-Za-z.'\- ]{1,30})?\s*(?:\((?P<paren>[^)]{3,80})\)|,\s*(?P<plain>[^-–—:]{6,40}?)\s*[-–—:(])")


def _dateline_date(first_paragraph: str) -> str | None:
    """The date in a dateline: "MOSCOW (Agency - 07th April, 2021)", "ABUJA, April 15, 2014 -"."""
    m = _DATELINE.match(first_paragraph)
    if not m:
        return None
    return dating.full_date_in(m.group("paren") or m.group("plain") or "")


# ----------------------------------------------------------------------------- HTML

_META_DATE_KEYS = (
    "article:published_time", "og:published_time", "og:article:published_time", "datepublished",
    "publishdate", "publish-date", "pubdate", "date", "dc.date.issued", "dc.date", "dcterms.created",
    "sailthru.date", "parsely-pub-date", "article.published", "cxenseparse:recs:publishtime",
)
_META_TITLE_KEYS = ("og:title", "twitter:title", "title", "dc.title", "headline")


def _html_metadata(soup) -> tuple[str | None, str | None, str | None, str | None]:
    """(title, author, published, site) from the page's own metadata: <meta>, JSON-LD, <time>."""
    metas: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        key = (tag.get("property") or tag.get("name") or tag.get("itemprop") or "").strip().lower()
        content = (tag.get("content") or "").strip()
        if key and content and key not in metas:
            metas[key] = content
    title = next((metas[k] for k in _META_TITLE_KEYS if k in metas), None)
    author = metas.get("author") or metas.get("article:author") or metas.get("dc.creator")
    site = metas.get("og:site_name") or metas.get("application-name")
    published = None
    for key in _META_DATE_KEYS:
        if key in metas:
            published = _iso_day(metas[key])
            if published:
                break
    for node in _jsonld_nodes(soup):
        if not published and isinstance(node.get("datePublished"), str):
            published = _iso_day(node["datePublished"])
        if not title and isinstance(node.get("headline"), str):
            title = node["headline"]
        if not author and node.get("author"):
            a = node["author"]
            a = a[0] if isinstance(a, list) and a else a
            author = a.get("name") if isinstance(a, dict) else a if isinstance(a, str) else None
        if not site and isinstance(node.get("publisher"), dict):
            site = node["publisher"].get("name")
    if not published:
        for tag in soup.find_all("time"):
            value = tag.get("datetime") or ""
            if tag.get("pubdate") is not None or "publish" in " ".join(tag.get("class") or []).lower() \
                    or tag.find_parent(["article", "header", "main"]) is not None:
                published = _iso_day(value) or dating.full_date_in(tag.get_text(" "))
                if published:
                    break
    if not title and soup.title and soup.title.string:
        title = soup.title.string
    return (_norm(title) if title else None, _norm(author) if isinstance(author, str) else None,
            published, _norm(site) if isinstance(site, str) else None)


_PUBLISHED_KEY = re.compile(r"(?i)publish|pubdate|created|issued|^date$|^dc\.date$|sailthru\.date")
_MODIFIED_KEY = re.compile(r"(?i)modif|updat|revis")


def _page_stamps(soup) -> tuple[list[str], list[str], str | None, list[str]]:
    """(published timestamps, all timestamps, the page's own URL, the page-level timestamps)
    stated in the markup.

    Timestamps come from <meta>, JSON-LD and <time datetime>; the page-level ones from <meta> and
    JSON-LD only (a <time> may be a comment's or a related link's); the URL from <link
    rel=canonical> or og:url. Used to check the time zone of a chosen date, to tell htmldate the
    URL, and to know which dates the page states of itself (PageDates.stated).
    """
    published: list[str] = []
    stamps: list[str] = []
    url = None
    for tag in soup.find_all("meta"):
        key = (tag.get("property") or tag.get("name") or tag.get("itemprop") or "").strip()
        value = (tag.get("content") or "").strip()
        if key.lower() in ("og:url", "twitter:url") and value and url is None:
            url = value
        if value[:1].isdigit():
            stamps.append(value)
            if _PUBLISHED_KEY.search(key) and not _MODIFIED_KEY.search(key):
                published.append(value)
    for node in _jsonld_nodes(soup):
        for key in ("datePublished", "dateCreated", "dateModified", "uploadDate"):
            if isinstance(node.get(key), str):
                stamps.append(node[key])
                if key in ("datePublished", "dateCreated"):
                    published.append(node[key])
    markup = list(stamps)
    stamps.extend(tag["datetime"] for tag in soup.find_all("time", datetime=True))
    link = soup.find("link", rel="canonical", href=True)
    return published, stamps, link["href"] if link else url, markup


_URL_DATE = re.compile(r"/((?:19|20)\d\d)[/_-]([01]?\d)[/_-]([0-3]?\d)(?=[/_.]|$)|/((?:19|20)\d\d)([01]\d)([0-3]\d)(?=[/_.]|$)")


def _url_date(url: str | None) -> str | None:
    m = _URL_DATE.search(urlsplit(url).path) if url else None
    if not m:
        return None
    year, month, day = (m.group(1), m.group(2), m.group(3)) if m.group(1) else (m.group(4), m.group(5), m.group(6))
    try:
        return dt.date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


def _visible_date(soup) -> tuple[str | None, str | None]:
    """(day, month): the date the article's header shows the reader, the first short metadata
    line among the twelve lines of text that follow the <h1>, before the article's first sentence
    ("November 8, 2023, 11:15 PM", "19.10.2019, 05:00 Uhr"; a line that gives only an updated date
    does not count); else the month a line there states alone ("December 2007") as (None, YYYY-MM)."""
    h1 = soup.find("h1")
    month = None
    if h1 is None:
        return None, None
    seen = 0
    from bs4.element import NavigableString

    for string in h1.find_all_next(string=True):
        # only text: not comments, nor script and style contents (NavigableString subclasses)
        if type(string) is not NavigableString or string.parent is not None \
                and string.parent.name in ("script", "style", "noscript", "template"):
            continue
        text = _norm(str(string))
        if not text or not _tokens(text):
            continue
        block = _Block(0, text, _tokens(text))
        d = _header_date(block, updated=False)
        if d:
            return d, None
        month = month or dating.month_line(text)
        seen += 1
        if seen >= 12 or _is_sentence_like(block):  # the article's text has begun: no header date
            break
    return None, month


def _checked_against_visible(published: str | None, visible: str | None, meta: str | None,
                             url_day: str | None) -> tuple[str | None, bool]:
    """(date, settled): the markup's date checked against the one the header shows the reader.

    One day apart, the header's is the publisher's local date and the markup's a UTC timestamp.
    Further apart, a third source decides (our own reading of the metadata, or the URL's date,
    agreeing with one of them); without one the page's sources disagree and the date is None,
    settled: a wrong date is worse than none.
    """
    first, shown = dating.parse_iso(published or ""), dating.parse_iso(visible or "")
    if first is None or shown is None or first == shown:
        return published or visible, False
    if abs((first - shown).days) == 1:
        return visible, True
    if visible in (meta, url_day):
        return visible, True
    if url_day == published:
        return published, True
    return None, True


_NOT_TEXT = ("script", "style", "noscript", "template")
# numeric dates: 2019-10-16, 2019/10/16, 16.10.2019, 16.10.19 (dots, two-digit day and month only),
# 16-10-2019, 10/16/2019 or 16/10/2019 (both readings), 2019年10月16日
_NUMERIC_DATE = re.compile(
    r"(?<![\d.,/-])(?:((?:19|20)\d\d)([-/.])([01]?\d)\2([0-3]?\d)|([0-3]?\d)([./-])([01]?\d)\6((?:19|20)\d\d|\d\d)"
    r"|((?:19|20)\d\d)\u5e74([01]?\d)\u6708([0-3]?\d)\u65e5)(?!\d|[.,/-]\d)")
# a month name between the day and the year, either order: 16. Oktober 2019, 19 FEB 2020, Mar 3 2020
_WORDED_DATE = re.compile(
    r"(?<!\d)(?:([0-3]?\d)(?:st|nd|rd|th|er|\.)?\s+(?:of\s+|de\s+)?([^\W\d_]{3,})\.?,?\s+(?:de\s+)?((?:19|20)\d\d)"
    r"|(?<![^\W\d_])([^\W\d_]{3,})\.?\s+([0-3]?\d)(?:st|nd|rd|th)?(?:,\s*|\s+)((?:19|20)\d\d))(?!\d)")


@functools.lru_cache(maxsize=1)
def _month_numbers() -> dict[str, int]:
    """Month names -> number, from htmldate's table (English, French, German, Indonesian, Turkish)."""
    from htmldate.extractors import MONTHS  # lazy: only HTML pages need it

    return {name: number for number, names in enumerate(MONTHS, 1) for name in names}


def _month_number(word: str) -> int | None:
    word = word.replace("\u0131", "i").replace("\u0130", "i").lower()
    months = _month_numbers()
    return months.get(word) or (months.get(word[:3]) if len(word) <= 9 else None)


def _day(year: str | int, month: str | int, day: str | int) -> str | None:
    try:
        return dt.date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


def shown_days(text: str) -> list[tuple[int, str]]:
    """Every full date ``text`` shows, as (position, YYYY-MM-DD), in order: numeric dates (an
    ambiguous 03/04/2020 gives both readings) and a day and year around a month name of
    htmldate's table. Used to tell whether a page shows its reader a date, never to find a
    publication date by itself. (Not dating.find_dates: over a whole page it costs 10 ms.)"""
    found = []
    for m in _NUMERIC_DATE.finditer(text):
        if m.group(1):
            days = [_day(m.group(1), m.group(3), m.group(4))]
        elif m.group(9):
            days = [_day(m.group(9), m.group(10), m.group(11))]
        else:
            year, sep, first, second = m.group(8), m.group(6), m.group(5), m.group(7)
            if len(year) == 2:
                if sep != "." or len(first) != 2 or len(second) != 2:
                    continue
                year = "20" + year
            days = [_day(year, second, first)] + ([_day(year, first, second)] if sep == "/" else [])
        found += [(m.start(), d) for d in days if d]
    for m in _WORDED_DATE.finditer(text):
        word, day, year = (m.group(2), m.group(1), m.group(3)) if m.group(1) else (m.group(4), m.group(5), m.group(6))
        month = _month_number(word)
        d = _day(year, month, day) if month else None
        if d:
            found.append((m.start(), d))
    return sorted(set(found))


def _page_text(soup) -> tuple[str, tuple[tuple[int, int], ...]]:
    """(the text the page shows its reader, one space between its strings (no scripts, styles or
    comments), the spans of its sentences: the strings of more than HEADER_LINE_WORDS words).
    The soup is left as it is."""
    from bs4.element import NavigableString

    parts: list[str] = []
    sentences = []
    at = 0
    for string in (soup.body or soup).find_all(string=True):
        if type(string) is not NavigableString or string.parent is not None and string.parent.name in _NOT_TEXT:
            continue
        words = str(string).split()
        if not words:
            continue
        piece = " ".join(words)
        if len(words) > HEADER_LINE_WORDS:
            sentences.append((at, at + len(piece)))
        parts.append(piece)
        at += len(piece) + 1
    return " ".join(parts), tuple(sentences)


@dataclass(frozen=True)
class PageDates:
    """What an HTML page shows and states about its dates, to check a chosen publication date."""
    shown: tuple[tuple[int, str], ...]  # (position in the page text, YYYY-MM-DD): shown_days
    stated: frozenset[str]  # the days of the page's own <meta> and JSON-LD dates and of its URL
    # the days the article's header shows (HEADER_BEFORE_H1 before the <h1> to the article's first
    # line), but for a date it labels as updated only ("Updated May 6, 2019", "Aktualisiert: ...")
    # and the site's date of the day at the very top of the page (SITE_DATE_TOP), and a date in a
    # sentence (a caption)
    header_days: frozenset[str]
    article_end: int  # where the article's last line ends in the page text, -1 when not found


def page_dates(text: str, h1: str | None, body: str, stated: set[str],
               sentences: tuple[tuple[int, int], ...] = ()) -> PageDates:
    """PageDates of a page whose visible text is ``text`` (with the spans of its ``sentences``),
    headline ``h1`` and article ``body``."""
    lines = [re.sub(r"\s+", " ", ln).strip() for ln in body.splitlines()]
    # each line looked up after the one before it: a paragraph the article repeats (a pull quote,
    # a dek) does not end it early
    start = end = -1
    for ln in (ln for ln in lines if len(ln) > 30):
        at = text.find(ln[:40], max(end, 0))
        if at < 0:
            continue
        start = at if start < 0 else start
        tail = text.find(ln[-40:], at)
        end = tail + len(ln[-40:]) if tail >= 0 else at + len(ln)
    at = text.find(re.sub(r"\s+", " ", h1).strip()) if h1 and h1.strip() else -1
    lo, hi = (0, 0) if at < 0 else (max(0, at - HEADER_BEFORE_H1), start if start > at else at + HEADER_AFTER_H1)
    shown = tuple(shown_days(text))
    header = set()
    for where, day in shown:
        if max(lo, SITE_DATE_TOP) <= where < hi and not _inside(sentences, where):
            label = text[max(lo, where - 40):where + 25]
            if dating.header_date(label, updated=False) == day or dating.header_date(label) != day:
                header.add(day)
    return PageDates(shown, frozenset(stated), frozenset(header), end)


def _inside(spans: tuple[tuple[int, int], ...], where: int) -> bool:
    i = bisect.bisect_right(spans, (where, math.inf)) - 1
    return i >= 0 and spans[i][0] <= where < spans[i][1]


def _checked_against_page(published: str | None, page: PageDates, visible: str | None) -> str | None:
    """The chosen date checked against the dates the page shows its reader. A wrong date is worse
    than none, and what the reader sees is what the page says:

    - a date the page does not show, when it shows exactly one other of the dates it states of
      itself in its markup (a modified date, another published timestamp, the URL's): that one;
    - a date the page does not show, when its header shows exactly one other date: None;
    - a date htmldate read from the page's elements or text (not one the markup states of the
      page, nor the header's), which the page shows only well below the article (a comment's, a
      related link's, the footer's "last modified"), or only at the very top of the page when it
      shows another date in or above the article (the site's date of the day): None.
    """
    if not published or len(published) != 10:
        return published
    days = {d for _, d in page.shown}
    if published not in days:
        others = (page.stated & days) - {published}
        if len(others) == 1:
            return next(iter(others))
        return None if len(page.header_days - {published}) == 1 else published
    if published in page.stated or published == visible:
        return published
    where = [at for at, d in page.shown if d == published]
    if page.article_end >= 0 and all(at > page.article_end + DATE_AFTER_ARTICLE for at in where):
        return None
    if all(at < SITE_DATE_TOP for at in where) and any(
            d != published and (page.article_end < 0 or at <= page.article_end) for at, d in page.shown):
        return None
    return published


def _htmldate(html: str, url: str | None, extensive: bool) -> str | None:
    """htmldate's publication date (``original_date``): in its conservative mode only a date the
    page states in its markup, URL or date elements; in its extensive mode also a date read from
    the free text. A month- or year-only find comes back as the 1st: an extensive find on the 1st
    is refused, since the page may only state the month."""
    from htmldate import find_date  # lazy: only HTML pages need it

    try:
        day = find_date(html, extensive_search=extensive, original_date=True, url=url)
    except (ValueError, TypeError, AttributeError, OverflowError, RecursionError):
        return None
    if not day or extensive and day.endswith("-01"):
        return None
    return day


def _jsonld_nodes(soup):
    """Every object of the page's JSON-LD blocks (unreadable blocks are skipped)."""
    for script in soup.find_all("script", type=re.compile("ld\\+json", re.I)):
        try:
            data = json.loads(script.string or "")
        except (ValueError, TypeError):
            continue
        yield from _walk_jsonld(data)


def _walk_jsonld(data):
    if isinstance(data, dict):
        yield data
        for value in data.values():
            if isinstance(value, (dict, list)):
                yield from _walk_jsonld(value)
    elif isinstance(data, list):
        for item in data:
            yield from _walk_jsonld(item)


def _iso_day(value: str) -> str | None:
    m = re.match(r"\s*(\d{4})-(\d{2})-(\d{2})", value or "")
    if m:
        d = dating.parse_iso("-".join(m.groups()))
        return d.isoformat() if d else None
    return dating.full_date_in(value or "")


def _strip_site_suffix(title: str, site: str | None) -> str:
    """'Headline | Outlet' -> 'Headline'."""
    parts = re.split(r"\s+[|\u2013\u2014-]\s+", title)
    if len(parts) > 1:
        if site and fold_eq(parts[-1], site) or len(parts[-1].split()) <= 4 < len(parts[0].split()) + 2:
            return " - ".join(parts[:-1]) if len(parts) > 2 else parts[0]
    return title


def _section_label(line: str, soup) -> bool:
    """Whether a body line is only the name of a section of the site: at most three words, no
    sentence punctuation, and the text of one of the page's links (a breadcrumb, a kicker)."""
    if len(line.split()) > 3 or re.search(r"[.!?:;,\d]", line):
        return False
    return any(fold_eq(a.get_text(" "), line) for a in soup.find_all("a", limit=400))


def fold_eq(a: str, b: str) -> bool:
    return _tokens(a) == _tokens(b)


def clean_html(html: str) -> Article:
    """Clean an HTML page: trafilatura for the body, the page's metadata for title and date."""
    from bs4 import BeautifulSoup  # lazy: only pages that need it pay for the import

    soup = BeautifulSoup(html, "html.parser")
    title, author, meta_published, site = _html_metadata(soup)
    # the publication date: htmldate's conservative reading of the markup (meta names, JSON-LD,
    # URL, date elements), else our own metadata reading, else a date line in the text; checked
    # against the date the header shows (_checked_against_visible); else the header's date, else
    # htmldate's extensive search of the free text; unless the header's date settled it, then
    # checked against every date the page shows (_checked_against_page). A page that states no
    # date keeps None.
    stated_published, stamps, url, markup = _page_stamps(soup)
    visible, visible_month = _visible_date(soup)  # before the fallback below takes the page's <header> apart
    page_text = None  # the text the page shows, read only when a date is to be checked against it
    h1 = soup.find("h1")
    h1_text = h1.get_text(" ") if h1 is not None else None
    published = _htmldate(html, url, extensive=False)
    if published:
        published = dating.local_day(published, stated_published, stamps)
    published = published or meta_published
    body = _trafilatura_body(html)
    if body is None:
        page_text = _page_text(soup)  # before the page is taken apart
        for tag in soup(["script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form"]):
            tag.decompose()
        text = soup.get_text("\n")
        fallback = clean_text(text)
        body = fallback.body
        title = title or fallback.title
        published = published or fallback.published
    else:
        lines = [_norm(ln) for ln in body.splitlines() if _norm(ln)]
        # trafilatura keeps the byline or date line sometimes; move them to metadata
        kept = []
        for ln in lines:
            if dating.date_line(ln):
                published = published or dating.date_line(ln)
                continue
            m = _byline(ln)
            if m and len(ln.split()) <= 12:
                author = author or m.group("name").strip()
                continue
            kept.append(ln)
        # the headline repeated at the top of the body, as the page's <title> has it ("Headline |
        # Outlet") or without the outlet
        headline = _norm(h1_text) if h1_text else ""
        if kept and _section_label(kept[0], soup):
            kept = kept[1:]  # "Asia": the section the page sits in (a breadcrumb or kicker), not its text
        if kept and title and (fold_eq(kept[0], title) or fold_eq(kept[0], _strip_site_suffix(title, site))):
            kept = kept[1:]
        elif kept and headline and len(headline.split()) <= 30 and fold_eq(kept[0], headline):
            kept = kept[1:]  # the page's own headline (<h1>), which its <title> words otherwise
            if not title or re.search(r"\s[|\u2013\u2014]\s", _strip_site_suffix(title, site)):
                title = headline  # "Short | Outlet" that the outlet rule could not cut: the <h1> says it
        kept = _cut_html_footer(kept)
        body = "\n".join(kept)
    if title:
        title = _strip_site_suffix(title, site)
    published, settled = _checked_against_visible(published, visible, meta_published, _url_date(url))
    if not settled:
        # not settled by the header's date: checked against every date the page shows
        published = published or visible or _htmldate(html, url, extensive=True)
        if published and len(published) == 10:
            stated = {d for d in map(_iso_day, markup) if d} | {d for d in (meta_published, _url_date(url)) if d}
            text, sentences = page_text or _page_text(soup)
            page = page_dates(text, h1_text, body, stated, sentences)
            published = _checked_against_page(published, page, visible)
            settled = published is None  # a day refused as doubtful is not replaced by a month
    if visible_month and (published is None and not settled or published == visible_month + "-01"):
        # the header states only the month: that month, not the 1st htmldate gives such a page
        published = visible_month
    return Article(title or "", clean_author(author, site), published, body, site)


_ABOUT = re.compile(r"^About(?: [A-Z][\w&.\-]*){1,4}:?$")  # "About Ascom": a press release's boilerplate


def _cut_html_footer(lines: list[str]) -> list[str]:
    """trafilatura sometimes keeps a trailer: "About <Company>" blurbs, "Related articles", a
    comment prompt. Cut at such a line when it stands in the last third of the text."""
    end = _patterns()["end"]
    total = sum(len(ln) for ln in lines) or 1
    seen = 0
    for i, ln in enumerate(lines):
        if seen / total > 0.66 and len(ln.split()) <= 6 and (end.match(ln) or _ABOUT.match(ln)):
            return lines[:i]
        seen += len(ln)
    return lines


def _trafilatura_body(html: str) -> str | None:
    import trafilatura  # lazy: heavy import, only for HTML pages

    try:
        return trafilatura.extract(html, favor_precision=True, include_comments=False, include_tables=True,
                                   with_metadata=False)
    except (ValueError, TypeError, RecursionError):
        return None


def clean(text: str, kind: str) -> Article:
    """Dispatch on the page kind ("html" or "text")."""
    return clean_html(text) if kind == "html" else clean_text(text)
