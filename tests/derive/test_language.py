"""Language detection: each fixture page in its language, ``und`` for what is too short to tell."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from searchlib.derive import cleaning, language, pipeline

LANGUAGES = Path(__file__).resolve().parents[1] / "fixtures" / "language-search"
PAGES = sorted(p for p in LANGUAGES.glob("*.txt") if not p.name.startswith("und-"))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_each_fixture_page_is_detected_in_its_language(page):
    article = cleaning.clean(page.read_text(encoding="utf-8"), "text")
    assert language.detect(f"{article.title}\n{article.body}") == page.name.split("-")[0]


@pytest.mark.parametrize("text, code", [
    ("Security forces arrested five suspects in the capital after a night raid, the ministry said.", "en"),
    ("Les forces de sécurité ont arrêté cinq suspects dans la capitale après un raid nocturne.", "fr"),
    ("Las fuerzas de seguridad detuvieron a cinco sospechosos en la capital tras una redada nocturna.", "es"),
    ("Sicherheitskräfte nahmen nach einer nächtlichen Razzia in der Hauptstadt fünf Verdächtige fest.", "de"),
    ("Силовики задержали пятерых подозреваемых в столице после ночного рейда.", "ru"),
    ("اعتقلت قوات الأمن خمسة مشتبه بهم في العاصمة بعد مداهمة ليلية.", "ar"),
    ("Güvenlik güçleri başkentte düzenlenen gece baskınının ardından beş şüpheliyi gözaltına aldı.", "tr"),
])
def test_a_news_sentence_is_detected_in_its_language(text, code):
    assert language.detect(text) == code


@pytest.mark.parametrize("text", ["", "Kabul, 2021", "12.03.2019 14:05 UTC", "ISIS-K ISKP", "   \n  "])
def test_a_text_too_short_to_tell_is_und(text):
    assert language.detect(text) == "und"


def test_a_headline_of_a_few_words_is_und_rather_than_a_guess():
    # py3langid's best guess for this one is Central Bikol (bcl), at 0.11
    assert language.detect("Explosion at Kabul airport, officials say") in ("en", "und")
    assert language.detect("Explosion at Kabul airport") == "und"


def test_regional_arabic_labels_count_as_arabic():
    assert language.scores("أعلنت وزارة الداخلية اعتقال خمسة مشتبه بهم في العاصمة")[0][0] == "ar"


def test_the_derived_record_carries_its_language():
    page = LANGUAGES / "fr-bamako.txt"
    record = pipeline.derive(page.read_bytes(), str(page), "fr-bamako.txt", "text")
    assert record.language == "fr"
    short = LANGUAGES / "und-short.txt"
    assert pipeline.derive(short.read_bytes(), str(short), "und-short.txt", "text").language == "und"


def test_language_names_come_from_cldr():
    assert (language.name("fr"), language.name("ar"), language.name("und")) == ("French", "Arabic", "Undetermined")
    assert (language.autonym("fr"), language.autonym("ar")) == ("français", "العربية")


def test_language_names_table_is_up_to_date_with_the_generator():
    pytest.importorskip("babel")
    script = Path(__file__).resolve().parents[2] / "scripts" / "make_languages.py"
    result = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


ENGLISH_PAGE = (
    "Security forces in the north of the country said on Tuesday that they had arrested five men who "
    "were accused of planning an attack on a market. The ministry said the suspects had been under "
    "watch for weeks and that their leader was a former member of a banned group. Officials from the "
    "interior ministry would not say which group, but they said the raid was carried out at night.")


def _no_model(monkeypatch):
    def refuse():
        raise AssertionError("the language model was loaded")

    monkeypatch.setattr(language, "_model", refuse)


def test_plain_english_is_told_without_loading_the_language_model(monkeypatch):
    _no_model(monkeypatch)
    assert language.detect(ENGLISH_PAGE) == "en"


def test_an_english_archive_is_derived_without_the_language_model(monkeypatch):
    _no_model(monkeypatch)
    corpus = Path(__file__).resolve().parents[2] / "corpus"
    english = [p for p in sorted(corpus.rglob("*.txt")) if "Kabul" in p.read_text(encoding="utf-8")][:3]
    assert english
    for page in english:
        assert pipeline.derive(page.read_bytes(), str(page), page.name, "text").language == "en"


@pytest.mark.parametrize("text", [
    # a short English text goes to the model: too few words to be sure of
    "Explosion at Kabul airport, officials say",
    # French with English names and a quoted "the": the English words are too few a share
    "Le groupe The Base a revendiqué l'attaque, selon les autorités, qui ont arrêté trois hommes dans "
    "la nuit de mardi à mercredi près de la frontière avec le pays voisin où ils se cachaient depuis "
    "plusieurs semaines avec leurs complices présumés et leurs familles, a précisé le procureur.",
    # Dutch, in ASCII letters: "is", "in", "van" are not taken as English
    "De politie heeft in de nacht van dinsdag op woensdag drie mannen aangehouden die verdacht worden "
    "van het voorbereiden van een aanslag op een markt in het centrum van de stad, zo meldt het "
    "openbaar ministerie dat het onderzoek leidt en dat is begonnen na een tip uit het buitenland.",
])
def test_text_that_is_not_plainly_english_goes_to_the_model(text):
    assert not language.plainly_english(text)
