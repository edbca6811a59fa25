"""Language: a page's clean text -> its ISO 639-1 code, or ``und`` when it cannot be told.

In: the title and body that cleaning kept. Out: a two-letter code (``fr``) or ``und``. Must not
guess: a text of fewer than LANGUAGE_MIN_LETTERS letters, or one whose language py3langid gives
less than LANGUAGE_MIN_CONFIDENCE, is ``und``; so is a language py3langid names by a code that
ISO 639-1 lacks once regional varieties are merged (``ary``, ``arz``: Arabic).

py3langid was chosen over lingua-language-detector and fasttext-langdetect (bench/language.py,
README "Languages"): as accurate on short news sentences, about 6 times faster, 76 MB in memory
against lingua's 1.3 GB with its models loaded, and no model download.
"""

from __future__ import annotations

import functools

from ..settings import LANGUAGE_CHARS, LANGUAGE_MIN_CONFIDENCE, LANGUAGE_MIN_LETTERS

UNDETERMINED = "und"  # ISO 639-2's code for "undetermined", as BCP 47 uses it

# py3langid labels that are varieties of an ISO 639-1 language: their probabilities add up, so
# Modern Standard Arabic is not split three ways with Egyptian and Moroccan Arabic.
VARIETIES = {"ary": "ar", "arz": "ar", "nn": "no", "gug": "gn", "gom": "kok"}

_identifier = None


def _model():
    global _identifier
    if _identifier is None:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return _identifier


def preload() -> None:
    """Load the model now (0.6 s, 76 MB): a process that forks workers afterwards shares it with
    them instead of each loading its own."""
    _model()


def scores(text: str) -> list[tuple[str, float]]:
    """(code, probability) for the text's likely languages, best first, varieties merged."""
    merged: dict[str, float] = {}
    for label, p in _model().rank(text[:LANGUAGE_CHARS]):
        code = VARIETIES.get(label, label)
        merged[code] = merged.get(code, 0.0) + float(p)
    return sorted(merged.items(), key=lambda kv: -kv[1])


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
