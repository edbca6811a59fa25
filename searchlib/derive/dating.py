"""Dates in text: find absolute dates, read a line that states a publication date.

Candidates are found with one regular expression over English month names and ISO dates, then
parsed by python-dateutil, and over the month names of data/date_words.csv in other languages
(12 mars 2019, 12 de marzo de 2019, 12. März 2019, 12 марта 2019 года, 12 Mart 2019, ١٢ مارس ٢٠١٩,
12 آذار 2019), read from that table, not guessed by a parser. Eastern Arabic and Persian digits
are read as digits. A day and month without a year take the anchor (publication) year;
without an anchor they stay unresolved. Weekdays and relative phrases ("last month") are never
turned into dates here: a publication date is stated, never guessed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from dateutil import parser as dateparser

from .aliases import _rows

_MONTHS = (
    r"(?:Jan(?:uary|\.)?|Feb(?:ruary|\.)?|Mar(?:ch|\.)?|Apr(?:il|\.)?|May|June?|July?|"
    r"Aug(?:ust|\.)?|Sep(?:t(?:ember|\.)?|\.)?|Oct(?:ober|\.)?|Nov(?:ember|\.)?|Dec(?:ember|\.)?)"
)
_DAY = r"(?:[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?:1[89]\d\d|20\d\d)"
_WEEKDAY = r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day"
WEEKDAY = _WEEKDAY



def _date_words() -> tuple[dict[str, int], dict[str, list[str]]]:
    """(month form -> month number, kind -> words) from data/date_words.csv."""
    months: dict[str, int] = {}  # every form, abbreviations without their "."
    words: dict[str, list[str]] = {}
    for row in _rows("date_words.csv"):
        kind, forms = row["kind"].strip(), [w.strip() for w in (row["words"] or "").split("|") if w.strip()]
        if kind.isdigit():
            for form in forms:
                months.setdefault(form.rstrip(".").lower(), int(kind))
                words.setdefault("month", []).append(form.rstrip("."))
                if not form.endswith("."):
                    words.setdefault("full_month", []).append(form)
        else:
            words.setdefault(kind, []).extend(forms)
    return months, words


def _alternation(words, flags: str = "(?i:") -> str:
    """One regex for ``words``, behind a class of their first letters (in both cases): most positions
    of a text fail on that one test instead of trying every word."""
    first = "".join(sorted({re.escape(c) for w in words if w for c in {w[0].lower(), w[0].upper()}}))
    return (f"(?=[{first}])" if first else "") + flags + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(set(words), key=lambda w: (-len(w), w))) + ")"


_MONTH_NUMBER, _WORDS = _date_words()
# Western digits for Eastern Arabic (٠-٩) and Persian (۰-۹) ones: one character for one, so that
# positions found in the translated text are positions in the original.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
# Month names match with the case they are written in (French "mars", German "März"): "Mars 2020"
# in an English text is a NASA rover, not March 2020.
_XMONTH_ONE = _alternation(_WORDS["month"], "(?:") + r"\.?"
_XMONTHS = rf"{_XMONTH_ONE}(?:\s*/\s*{_XMONTH_ONE})?"  # Arabic "آذار/مارس"
_XFULL_MONTH = _alternation(_WORDS.get("full_month", []), "(?:")  # a day without a year: full names only
_XDAY = r"(?:[0-3]?\d)\.?"  # "12. März"
_XOF = r"(?:(?:de|del)\s+)?"  # "12 de marzo de 2019"
# the cue is matched (not looked behind: forty lookbehinds at every character made find_dates 6x slower)
_CUES = sorted({w for word in _WORDS.get("year_before", []) for w in (word, word[:1].upper() + word[1:])})
_YEAR_BEFORE = "(?=[" + "".join(sorted({re.escape(w[0]) for w in _CUES})) + "])(?:" + "|".join(re.escape(w) if w.endswith("-") else re.escape(w).replace(r"\ ", r"\s+") + r"\s+"
                                for w in sorted({w for word in _WORDS.get("year_before", [])
                                                 for w in (word, word[:1].upper() + word[1:])}, key=lambda w: (-len(w), w))) + ")"
_GLUED_AFTER = [w for w in _WORDS.get("year_after", []) if w[:1] in "'\u2019"]
_YEAR_AFTER = "|".join([r"\s+" + _alternation([w for w in _WORDS.get("year_after", []) if w not in _GLUED_AFTER], "(?:")]
                       + ([_alternation(_GLUED_AFTER, "(?:")] if _GLUED_AFTER else []))
_XDATES = rf"""
      | (?P<xdmy>{_XDAY}\s+{_XOF}{_XMONTHS},?\s+{_XOF}{_YEAR})              # 12 mars 2019 / 12 марта 2019
      | (?P<xmy>{_XMONTHS}\s+{_XOF}{_YEAR})                                 # mars 2019 / marzo de 2019
      | (?P<xdm>{_XDAY}\s+{_XOF}{_XFULL_MONTH}(?!\.?\s*,?\s*{_XOF}\d))             # 12 mars (year from anchor)
      | {_YEAR_BEFORE}(?P<xy>{_YEAR})(?![\d,.]\d|\s*%)                     # en 2014, seit 2014, عام 2014
      | (?P<xya>{_YEAR})(?={_YEAR_AFTER})                                    # в 2014 году, 2014'te
"""

# Order matters: the longest forms first so "April 25th, 2023" is not read as "April 25".
_DATE_PATTERN = (
    rf"""(?<![\w-])(?:
        (?P<mdy>{_MONTHS}\s*{_DAY}(?!\d)(?:\s*,\s*|\s+){_YEAR})           # April 25th, 2023 / August 18,2014
      | (?P<dmy>{_DAY}\s+(?:of\s+)?{_MONTHS},?\s+{_YEAR})                  # 21 January 2015 / 07th April, 2021
      | (?P<iso>{_YEAR}-[01]\d-[0-3]\d)                                    # 2021-08-26
      | (?P<my>{_MONTHS}(?:,)?\s+(?:of\s+)?{_YEAR})                        # August 2021
      | (?P<md>{_MONTHS}\s+{_DAY}(?![\d,]*\s*\d{{4}}))                     # March 24 (year from anchor)
      | (?P<dm>{_DAY}\s+(?:of\s+)?{_MONTHS}(?!\s*,?\s*\d))                 # 24 March
      | (?:(?<=in\s)|(?<=since\s)|(?<=until\s)|(?<=early\s)|(?<=late\s)|(?<=mid-)|(?<=last\s)|(?<=from\s))
        (?P<m>(?:January|February|March|April|June|July|August|September|October|November|December))
        (?!\s*\d)                                                          # in July (year from anchor)
      | (?:(?<=[Ii]n\s)|(?<=[Ss]ince\s)|(?<=[Uu]ntil\s)|(?<=early\s)|(?<=late\s)|(?<=mid-)|(?<=[Ff]rom\s)|(?<=[Dd]uring\s)|(?<=of\s)|(?<=[Bb]y\s)
         |(?<=\d{{4}}\sand\s)|(?<=\d{{4}}\sto\s))
        (?P<y>{_YEAR})(?![\d,.]\d|\s*(?:%|percent|people|troops|soldiers|fighters|km|miles))   # in 2014
      {{x}}
    )(?![\w])""")
# DATE_RE reads a line in any language (date lines, header lines); find_dates runs the English
# forms and the other languages' as two regexes, each tried at every character: one alternation of
# both was twice as slow, as most positions failed both ways.
DATE_RE = re.compile(_DATE_PATTERN.replace("{x}", _XDATES), re.VERBOSE)
_ENGLISH_DATE_RE = re.compile(_DATE_PATTERN.replace("{x}", ""), re.VERBOSE)
_OTHER_DATE_RE = re.compile(r"(?<![\w-])(?:(?!x)x" + _XDATES + r")(?![\w])", re.VERBOSE)

_DATE_LINE_NOISE = re.compile(
    rf"(?i)^(?:(?:published|posted|updated|last updated|first published|date|{_alternation(_WORDS.get('published', []), '(?:')})"
    rf"\s*(?:on|at|:)?\s*)?"
    rf"(?:(?:{_WEEKDAY}|{_alternation(_WORDS.get('weekday', []), '(?:')}),?\s*)?"
    r"(?:\d{1,2}[:.]\d\d\s*(?:[ap]\.?m\.?)?\s*(?:[A-Z]{2,4}\b)?\s*,?\s*)?"  # "1:23 p.m. December 31, 2007"
)


@dataclass(frozen=True)
class FoundDate:
    iso: str  # YYYY-MM-DD, YYYY-MM or YYYY
    start: int
    end: int


def _parse(text: str, default_year: int | None) -> dt.date | None:
    text = text.replace("Sept.", "Sep.").replace("Sept ", "Sep ")
    text = re.sub(r"\s*,\s*", ", ", text)  # "August 18,2014": dateutil needs the space
    default = dt.datetime(default_year or 1900, 1, 1)
    try:
        return dateparser.parse(text, default=default, fuzzy=False).date()
    except (ValueError, OverflowError):
        return None


def _other_language(kind: str, raw: str, anchor: dt.date | None) -> str | None:
    """ISO date of a date written with a month name of data/date_words.csv (kinds x*)."""
    if kind in ("xy", "xya"):
        return raw
    month_m = re.search(_XMONTH_ONE, raw)
    month = _MONTH_NUMBER.get(month_m.group(0).rstrip(".").lower()) if month_m else None
    year_m = re.search(_YEAR + r"$", raw)
    day_m = re.match(r"\d{1,2}", raw)
    if month is None:
        return None
    if kind == "xmy":
        return f"{int(year_m.group(0)):04d}-{month:02d}"
    if kind == "xdm" and anchor is None:
        return None  # no year stated, none to borrow: never guessed
    year = int(year_m.group(0)) if kind == "xdmy" else anchor.year
    try:
        return dt.date(year, month, int(day_m.group(0))).isoformat()
    except ValueError:
        return None


def find_dates(text: str, anchor: dt.date | None = None) -> list[FoundDate]:
    """Absolute dates stated in ``text``, in order of appearance.

    Args:
        text: cleaned article text.
        anchor: the publication date; gives its year to "March 24"-style dates.
    """
    out: list[FoundDate] = []
    text = text.translate(_DIGITS)
    # where the two overlap the longer match wins ("21. September 2013" over "September 2013"), as
    # in one alternation; an equal one is the English reading ("12 April 2019")
    matches, end = [], -1
    for m in sorted([*_ENGLISH_DATE_RE.finditer(text), *_OTHER_DATE_RE.finditer(text)],
                    key=lambda m: (m.start(), -(m.end() - m.start()), m.re is _OTHER_DATE_RE)):
        if m.start() >= end:
            matches.append(m)
            end = m.end()
    for m in matches:
        kind = m.lastgroup
        raw = m.group(kind)
        if kind.startswith("x"):
            found = _other_language(kind, raw, anchor)
            if found:
                out.append(FoundDate(found, m.start(), m.end()))
        elif kind in ("md", "dm"):
            if anchor is None or raw.startswith("May") and kind == "md" and not re.match(r"May\s+\d", raw):
                continue
            # "May" is also a verb: only "May 5" with a capital M directly followed by the day.
            d = _parse(raw, anchor.year)
            if d:
                out.append(FoundDate(d.isoformat(), m.start(), m.end()))
        elif kind == "m":
            if anchor is None:
                continue
            month = _parse("1 " + raw, anchor.year).month
            # a month after the publication month is last year's ("in December", written in January)
            year = anchor.year - 1 if month > anchor.month else anchor.year
            out.append(FoundDate(f"{year:04d}-{month:02d}", m.start(), m.end()))
        elif kind == "y":
            out.append(FoundDate(raw, m.start(), m.end()))
        elif kind == "my":
            d = _parse("1 " + raw.replace(",", ""), None)
            if d:
                out.append(FoundDate(f"{d.year:04d}-{d.month:02d}", m.start(), m.end()))
        else:
            d = _parse(re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", raw).replace(" of ", " "), None)
            if d:
                out.append(FoundDate(d.isoformat(), m.start(), m.end()))
    return out


def full_date_in(text: str) -> str | None:
    """The first complete date (day, month and year) in ``text``, as YYYY-MM-DD."""
    for found in find_dates(text):
        if len(found.iso) == 10:
            return found.iso
    return None


def date_line(line: str) -> str | None:
    """YYYY-MM-DD if ``line`` is only a date (with optional weekday, time or "Published"), else None.

    "March 10, 2016", "Friday April 26, 2024", "Published: 10 March 2016 14:05 GMT".
    """
    dm, rest = _line_date(line, ("mdy", "dmy", "iso", "xdmy"))
    if dm is None:
        return None
    tail = rest[dm.end():].strip(" ,.")
    # allow a trailing time and zone ("14:05 GMT", "at 2:50 pm"), then anything after a separator
    # ("| 6 min read", "· Updated 3 hours ago")
    if tail and not re.fullmatch(r"(?i)(?:(?:at\s+)?[\d:.]+\s*(?:am|pm|a\.m\.|p\.m\.)?,?\s*(?:[A-Z]{2,4}|[+-]\d\d:?\d\d)?)?"
                                 r"\s*(?:[|\u00b7\u2022\u2013\u2014-]\s*.*)?", tail):
        return None
    return full_date_in(dm.group(0))


def _line_date(line: str, kinds: tuple[str, ...]):
    """(match, the rest of the line from the date on) when ``line`` starts, after its optional
    weekday or "Published", with a date of one of ``kinds``; else (None, "")."""
    stripped = line.strip().strip("|·•-–— ")
    if not stripped or len(stripped) > 80:
        return None, ""
    m = _DATE_LINE_NOISE.match(stripped)
    rest = (stripped[m.end():] if m else stripped).translate(_DIGITS)
    dm = DATE_RE.match(rest)
    if not dm or dm.lastgroup not in kinds:
        return None, ""
    return dm, rest


def month_line(line: str) -> str | None:
    """YYYY-MM if ``line`` states only a month and year ("December 2007", "Published: Dec. 2007"),
    else None: a page that states only its month is dated to that month, never to a made-up day."""
    dm, rest = _line_date(line, ("my", "xmy"))
    if dm is None or rest[dm.end():].strip(" ,.|"):
        return None
    found = find_dates(dm.group(0))
    return found[0].iso if found and len(found[0].iso) == 7 else None


def parse_iso(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value[:10])
    except (TypeError, ValueError):
        return None


def check_iso(value: str) -> str:
    """``value`` if it is a real date as YYYY, YYYY-MM or YYYY-MM-DD, else ValueError."""
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value):
        raise ValueError(value)
    year, month, day = (value.split("-") + ["01", "01"])[:3]
    dt.date(int(year), int(month), int(day))
    return value


_STAMP = re.compile(r"\s*(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::\d\d(?:[.,]\d+)?)?\s*(Z|[+-]\d\d:?\d\d)?)?")


def _stamp(value: str) -> tuple[dt.date, dt.datetime | None, int | None] | None:
    """(stated date, instant in UTC or None, offset in minutes or None) of an ISO timestamp."""
    m = _STAMP.match(value or "")
    if not m:
        return None
    year, month, day, hour, minute, zone = m.groups()
    try:
        date = dt.date(int(year), int(month), int(day))
        if hour is None or zone is None:
            return date, None, None
        offset = 0 if zone == "Z" else (1 if zone[0] == "+" else -1) * (int(zone[1:3]) * 60 + int(zone[-2:]))
        instant = dt.datetime(date.year, date.month, date.day, int(hour), int(minute)) - dt.timedelta(minutes=offset)
    except (ValueError, OverflowError):
        return None
    return date, instant, offset


def local_day(day: str, published: list[str], stamps: list[str]) -> str:
    """The publisher's local date for ``day``, read from a page's timestamps.

    A timestamp's date is the date in its own offset ("2016-06-13T01:03:00+00:00" is the 13th).
    When the published time is only given in UTC and the page states the same instant with its
    local offset elsewhere ("2016-06-12T21:03:00-04:00"), the local date is the page's date.
    ``published``: the page's published timestamps; ``stamps``: all its timestamps.
    """
    local = set()
    for value in published:
        p = _stamp(value)
        if not p or p[0].isoformat() != day or p[2] != 0:
            continue
        for other in stamps:
            q = _stamp(other)
            if q and q[2] and abs((q[1] - p[1]).total_seconds()) <= 120:
                local.add(q[0].isoformat())
    return local.pop() if len(local) == 1 else day


_UPPER_MONTH = re.compile(r"\b(JAN(?:UARY)?|FEB(?:RUARY)?|MAR(?:CH)?|APR(?:IL)?|MAY|JUNE?|JULY?|AUG(?:UST)?|"
                          r"SEPT?(?:EMBER)?|OCT(?:OBER)?|NOV(?:EMBER)?|DEC(?:EMBER)?)\b")
# labels of a header line: published ones first, then the line's unlabelled dates, then updated ones
_PUBLISHED_WORDS = ("first published", "published", "posted", "created", "erstellt", "publiziert", "ver\u00f6ffentlicht",
                    "publi\u00e9", "publicado", "pubblicato")
_LINE_KEYWORD = re.compile(r"(?i)\b(first published|published|posted|created|erstellt|publiziert|ver\u00f6ffentlicht|"
                           r"publi\u00e9|publicado|pubblicato|updated|last updated|last modified|modified|aktualisiert|"
                           r"stand|actualizado|actualis\u00e9|mis \u00e0 jour|aggiornato|bijgewerkt|atualizado)\b")
_DOTTED_DMY = re.compile(r"(?<![\d.])([0-3]?\d)\.([01]?\d)\.((?:19|20)\d\d)(?![\d.]\d)")
_SLASHED = re.compile(r"(?<![\d/])([0-3]?\d)/([0-3]?\d)/((?:19|20)\d\d)(?!\d)")


def _segment_date(text: str) -> str | None:
    found = full_date_in(text)
    if found:
        return found
    m = _DOTTED_DMY.search(text)  # 13.11.2019: day first wherever dots are written
    if m:
        day, month, year = map(int, m.groups())
    else:
        m = _SLASHED.search(text)  # 21/06/2014 or 11/19/2019: only when one side cannot be a month
        if not m:
            return None
        a, b, year = map(int, m.groups())
        if a > 12 >= b:
            day, month = a, b
        elif b > 12 >= a:
            day, month = b, a
        else:
            return None
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def header_date(line: str, updated: bool = True) -> str | None:
    """YYYY-MM-DD stated in a short metadata line of an article's header, else None.

    Reads what ``date_line`` does not: a date with a byline or agency ("Jo Writer - Nov 19, 2019,
    10:31 pm CST", "Associated Press November 19, 2019"), capitals ("NOVEMBER 20, 2019"), a day
    with a dot ("25. September 2018"), numbers ("13.11.2019"; "21/06/2014" only where the day is
    over 12, never a guess between day and month), a year glued to the time ("Nov 20 20194:29 AM").
    Where the line gives both, the published date wins over the updated one
    ("Updated Nov 19, 2019; Posted Nov 18, 2019" is the 18th). ``updated=False``: a date that the
    line gives only as updated ("Updated May 06, 2019", "Aktualisiert: 11.04.2020") is not taken.
    """
    text = line[:300]
    text = re.sub(r"\b((?:19|20)\d\d)(?=\d{1,2}:\d\d)", r"\1 ", text)
    text = re.sub(r"(\d{4}-\d\d-\d\d)T(?=\d)", r"\1 ", text)  # 2019-11-19T12:48:14Z
    text = _UPPER_MONTH.sub(lambda m: m.group(1).capitalize(), text)
    text = re.sub(rf"\b([0-3]?\d)\.\s+(?={_MONTHS}\b)", r"\1 ", text)
    marks = list(_LINE_KEYWORD.finditer(text))
    segments = [(None, text[:marks[0].start()] if marks else text)]
    segments += [(m.group(1).lower(), text[m.end():marks[i + 1].start() if i + 1 < len(marks) else len(text)])
                 for i, m in enumerate(marks)]
    published = [s for k, s in segments if k in _PUBLISHED_WORDS]
    plain = [s for k, s in segments if k is None]
    later = [s for k, s in segments if k is not None and k not in _PUBLISHED_WORDS] if updated else []
    for text in published + plain + later:
        found = _segment_date(text)
        if found:
            return found
    return None
