"""Language: a page's clean text -> its ISO 639-1 code, or ``und`` when it cannot be told.

In: the title and body that cleaning kept. Out: a two-letter code (``fr``) or ``und``. Must not
guess: a text of fewer than LANGUAGE_MIN_LETTERS letters, or one whose language py3langid gives
less than LANGUAGE_MIN_CONFIDENCE, is ``und``; so is a language py3langid names by a code that
ISO 639-1 lacks once regional varieties are merged (``ary``, ``arz``: Arabic).

py3langid was chosen over lingua-language-detector and fasttext-langdetect (bench/language.py,
README "Languages"): as accurate on short news sentences, about 6 times faster, 76 MB in memory
against lingua's 1.3 GB with its models loaded, and no model download. The model is loaded by
the first page that is not plainly English (``plainly_english``), in the process that meets it:
an English archive's indexing never loads it.
"""

from __future__ import annotations

import functools
import re

from ..settings import ENGLISH_MIN_SHARE, ENGLISH_MIN_WORDS, LANGUAGE_CHARS, LANGUAGE_MIN_CONFIDENCE, LANGUAGE_MIN_LETTERS

UNDETERMINED = "und"  # ISO 639-2's code for "undetermined", as BCP 47 uses it

# py3langid labels that are varieties of an ISO 639-1 language: their probabilities add up, so
# Modern Standard Arabic is not split three ways with Egyptian and Moroccan Arabic.
VARIETIES = {"ary": "ar", "arz": "ar", "nn": "no", "gug": "gn", "gom": "kok"}

_identifier = None


def _model():
    """py3langid's model (76 MB, 0.6 s to load), on first use."""
    global _identifier
    if _identifier is None:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return _identifier


def scores(text: str) -> list[tuple[str, float]]:
    """(code, probability) for the text's likely languages, best first, varieties merged."""
    merged: dict[str, float] = {}
    for label, p in _model().rank(text[:LANGUAGE_CHARS]):
        code = VARIETIES.get(label, label)
        merged[code] = merged.get(code, 0.0) + float(p)
    return sorted(merged.items(), key=lambda kv: -kv[1])


# Words of English prose that are not common words of another language written in Latin letters
# ("to", "in", "was", "her", "an", "is" are: Polish, German, Turkish, Dutch). Their share of an
# English news page's words is about 0.2 (settings.ENGLISH_MIN_SHARE); of other pages', near 0.
_ENGLISH_WORDS = frozenset(
    "the and of that for with from which this were their they said been would have has his its are "
    "who not".split())
_WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")


def plainly_english(sample: str) -> bool:
    """True when ``sample`` is English beyond doubt, so the model need not be loaded or run: 30 words
    or more, nearly every letter ASCII, a tenth of the words English-only function words and
    "the" among them. Most pages of an English archive, at a twentieth of the model's cost, and
    an English-only archive never loads the model (76 MB in each indexing process).
    bench/language.py --fast-path checks it against the model on every real page here."""
    letters = sum(ch.isalpha() for ch in sample)
    ascii_letters = sum(1 for ch in sample if ch.isascii() and ch.isalpha())
    if ascii_letters < 0.98 * letters:
        return False
    words = [w.lower() for w in _WORD.findall(sample)]
    if len(words) < ENGLISH_MIN_WORDS:
        return False
    english = sum(1 for w in words if w in _ENGLISH_WORDS)
    return english >= ENGLISH_MIN_SHARE * len(words) and "the" in words


def detect(text: str) -> str:
    """The ISO 639-1 code of ``text``'s language, or ``und``.

    Args:
        text: clean text (title and body); only its first LANGUAGE_CHARS characters are read.

    Returns:
        A lower-case two-letter code (``en``, ``fr``, ``ar``...), or ``und`` for a text too
        short or too mixed to tell.
    """
    sample = text[:LANGUAGE_CHARS]
    if sum(ch.isalpha() for ch in sample) < LANGUAGE_MIN_LETTERS:
        return UNDETERMINED
    if plainly_english(sample):
        return "en"
    code, p = scores(sample)[0]
    if p < LANGUAGE_MIN_CONFIDENCE or len(code) != 2:
        return UNDETERMINED
    return code


@functools.lru_cache(maxsize=None)
def _names() -> dict[str, tuple[str, str]]:
    """code -> (English name, autonym), from data/languages.csv (CLDR; scripts/make_languages.py)."""
    import csv
    import os

    path = os.path.join(os.path.dirname(__file__), "data", "languages.csv")
    with open(path, encoding="utf-8", newline="") as fh:
        return {row["code"]: (row["name"], row["autonym"]) for row in csv.DictReader(fh)}


def name(code: str) -> str:
    """A language's English name (``fr`` -> French); the code itself when CLDR does not name it;
    ``und`` reads "Undetermined"."""
    if code == UNDETERMINED:
        return "Undetermined"
    return _names().get(code, (code, ""))[0] or code


def autonym(code: str) -> str | None:
    """A language's name in itself (``fr`` -> français), or None when CLDR has no locale of it."""
    return _names().get(code, ("", ""))[1] or None
