#!/usr/bin/env python3
"""Generate searchlib/derive/data/countries.csv, the country gazetteer.

Why generated and committed: pycountry is a maintained source of the
ISO 3166-1 codes and names, but it is only needed to *build* the table, so
the result is committed and pycountry is not a runtime dependency.  The
aliases news text actually uses (short forms, demonyms, capitals, cities,
metonyms) are not in ISO; they live in the hand-reviewed
scripts/country_extras.csv (code,alias,kind; '#' lines are comments).
Built with pycountry 26.2.16; a newer pycountry may change a few rows.

Other languages: searchlib/derive/data/countries_i18n.csv (code,name,language,alias,kind) holds
the country names in LANGUAGES from CLDR, through babel (``babel.Locale(lang).territories``; babel
comes with trafilatura), plus the hand-reviewed scripts/country_extras_i18n.csv
(code,language,alias,kind: demonyms, capitals, short forms). Built with babel 2.19.0 (CLDR 47).

Usage:  python3 scripts/make_countries.py           # (re)write both files
        python3 scripts/make_countries.py --check   # exit 1 if either is out of date

Output: header code,name,alias,kind, one row per alias, sorted by
(code, alias), UTF-8, LF.  Aliases are case-sensitive surface forms.
The script fails loudly if an alias would map to two countries, is
shorter than 2 characters, does not start with a capital letter, or is
in EXCLUDED below (deliberately left out; see the reasons there).
"""
import csv
import io
import sys
import unicodedata
from pathlib import Path

import babel
import pycountry

ROOT = Path(__file__).resolve().parents[1]
EXTRAS = ROOT / "scripts" / "country_extras.csv"
OUT = ROOT / "searchlib" / "derive" / "data" / "countries.csv"
EXTRAS_I18N = ROOT / "scripts" / "country_extras_i18n.csv"
OUT_I18N = ROOT / "searchlib" / "derive" / "data" / "countries_i18n.csv"
LANGUAGES = ("ar", "de", "es", "fr", "ru", "tr")

# CLDR names left out, per language: a word of the language, or a name that is also a city,
# region or person there.
EXCLUDED_I18N = {
    "ru": ["Того"],            # also the pronoun "того" (of that) at a sentence start
    "ar": ["عمان", "عُمان", "جورجيا"],  # Oman is written like Amman; Georgia is mostly the US state
    "fr": ["Maurice", "Jersey", "Man", "Sainte-Hélène", "Wallis-et-Futuna"],  # a given name; an English word
    "es": ["Man", "Jersey"],
    "de": ["Island", "Man", "Jersey", "Niger"],  # "Island" is also English; Niger: the English alias suffices
    "tr": ["Mali", "Man", "Jersey", "Fas", "Katar"],  # mali = financial, fas, katar = train: everyday words
}
KINDS = ("name", "official", "short", "demonym", "capital", "city", "metonym")

# Former states and Kosovo, not (or no longer) in ISO 3166-1: code -> (name, official).
EXTRA_COUNTRIES = {
    "SU": ("Soviet Union", "Union of Soviet Socialist Republics"),
    "YU": ("Yugoslavia", "Socialist Federal Republic of Yugoslavia"),
    "XK": ("Kosovo", "Republic of Kosovo"),
}

# Display names a librarian expects, where ISO's short name is formal or inverted
# (pycountry's common_name, e.g. "Iran", "Syria", "South Korea", is used otherwise).
DISPLAY = {
    "BN": "Brunei", "CC": "Cocos Islands", "CD": "Democratic Republic of the Congo",
    "CG": "Republic of the Congo", "CI": "Ivory Coast", "CV": "Cape Verde",
    "CZ": "Czech Republic", "FK": "Falkland Islands", "FM": "Micronesia",
    "MF": "Saint Martin", "PN": "Pitcairn Islands", "PS": "Palestine", "RU": "Russia",
    "SX": "Sint Maarten", "TL": "East Timor", "TR": "Turkey", "VA": "Vatican City",
    "VG": "British Virgin Islands", "VI": "U.S. Virgin Islands",
}

# Deliberately excluded aliases, by reason.  Enforced: none may appear in the output.
EXCLUDED = {
    "region, not a country": [
        "Africa", "Asia", "Europe", "Central Africa", "West Africa", "East Africa",
        "North Africa", "Southern Africa", "Horn of Africa", "South Asia", "Southeast Asia",
        "Central Asia", "Middle East", "Near East", "Sahel", "Maghreb", "Levant", "Gulf",
        "Persian Gulf", "Balkans", "Caucasus", "Kurdistan", "Kashmir", "Punjab", "Sinai",
        "Arabia", "Caribbean", "Latin America", "Central America", "North America",
        "South America", "Scandinavia", "Central African", "Virgin Islands",
    ],
    "capital or city name shared by several countries or places": [
        "Male", "Victoria", "Kingston", "Georgetown", "Hamilton", "Jamestown",
        "Saint John's", "St. John's", "St John's", "San José", "San Jose", "Kingstown",
        "Roseau", "Avarua", "Tripoli", "Sucre", "Saint George's", "St. George's",
        "Panama City", "Palma", "Hyderabad", "Alexandria", "Jerusalem",
    ],
    "mostly an ordinary English word": ["Nice", "Pole", "Poles"],
    "demonym or short form of several countries": [
        "Dominican", "Dominicans", "Guinean", "Guineans", "Korean", "Koreans", "Korea",
        "Micronesian",
    ],
    "ethnic, religious or linguistic, not a country": [
        "Arab", "Arabs", "Arabian", "Kurd", "Kurds", "Kurdish", "Jew", "Jews", "Jewish",
        "Persian", "Persians", "Latin", "Latino", "Hispanic",
    ],
    "abbreviation that is mostly something else": ["GB", "PNG", "SA", "NZ"],
}
EXCLUDED_SET = {a for aliases in EXCLUDED.values() for a in aliases}


def fail(msg):
    sys.exit(f"make_countries: {msg}")


def variants(alias):
    """Spelling variants news text uses: without diacritics, curly apostrophe, St/St."""
    out = {alias}
    folded = "".join(c for c in unicodedata.normalize("NFKD", alias)
                     if not unicodedata.combining(c))
    out.add(folded)
    out |= {a.replace("'", "\u2019") for a in list(out) if "'" in a}
    out |= {p + a[6:] for a in list(out) if a.startswith("Saint ") for p in ("St ", "St. ")}
    return out


def build():
    names, rows = {}, []  # rows: (code, alias, kind, from_extras)
    for c in pycountry.countries:
        names[c.alpha_2] = DISPLAY.get(c.alpha_2) or getattr(c, "common_name", None) or c.name
        rows.append((c.alpha_2, names[c.alpha_2], "name", False))
        for attr, kind in (("common_name", "name"), ("name", "name"), ("official_name", "official")):
            value = getattr(c, attr, None)
            if value and value.startswith("the "):
                value = value[4:]
            # ISO's inverted ("Korea, Republic of") and annotated ("(Malvinas)") forms
            # never occur in running text.
            if value and "(" not in value and ", " not in value:
                rows.append((c.alpha_2, value, kind, False))
    for code, (name, official) in EXTRA_COUNTRIES.items():
        names[code] = name
        rows += [(code, name, "name", False), (code, official, "official", False)]
    seen = set()
    with EXTRAS.open(encoding="utf-8", newline="") as f:
        lines = [line for line in f if line.strip() and not line.lstrip().startswith("#")]
    for n, rec in enumerate(csv.reader(lines), 1):
        if len(rec) != 3:
            fail(f"{EXTRAS.name}: bad record {rec!r}")
        code, alias, kind = (x.strip() for x in rec)
        if (code, alias) == ("code", "alias"):
            continue
        if code not in names:
            fail(f"{EXTRAS.name}: unknown code {code!r} for {alias!r}")
        if kind not in KINDS:
            fail(f"{EXTRAS.name}: unknown kind {kind!r} for {alias!r}")
        if (code, alias) in seen:
            fail(f"{EXTRAS.name}: duplicate {code},{alias}")
        seen.add((code, alias))
        rows.append((code, alias, kind, True))

    table = {}  # alias -> (code, kind)
    for code, base, kind, from_extras in rows:
        for alias in sorted(variants(base)):
            generated = alias != base
            if len(alias) < 2 or not alias[0].isupper():
                fail(f"alias {alias!r} ({code}) is too short or not capitalised")
            if alias in EXCLUDED_SET:
                fail(f"alias {alias!r} ({code}) is in EXCLUDED")
            if alias in table and table[alias][0] != code:
                fail(f"alias {alias!r} maps to both {table[alias][0]} and {code}")
            # First source wins; a hand-reviewed extras row may re-kind an ISO alias.
            if alias not in table or (from_extras and not generated):
                table[alias] = (code, kind)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["code", "name", "alias", "kind"])
    for alias, (code, kind) in sorted(table.items(), key=lambda kv: (kv[1][0], kv[0])):
        w.writerow([code, names[code], alias, kind])
    return buf.getvalue()


def variants_i18n(alias, lang):
    """variants() for Latin and Arabic script (Arabic loses its optional vowel marks); Russian keeps
    its letters (й is not и) and only writes ё as е, as most Russian text does."""
    if lang == "ru":
        return {alias, alias.replace("ё", "е").replace("Ё", "Е")}
    return variants(alias)


def build_i18n(names):
    """The rows of countries_i18n.csv: CLDR names in LANGUAGES plus the hand-reviewed extras."""
    english = {}
    with OUT.open(encoding="utf-8") as f:
        for rec in csv.DictReader(f):
            english[rec["alias"]] = rec["code"]
    rows = []  # (language, code, alias, kind, from_extras)
    for lang in LANGUAGES:
        territories = babel.Locale(lang).territories
        for code in names:
            value = territories.get(code)
            if value and "(" not in value and "," not in value:
                rows.append((lang, code, value, "name", False))
    with EXTRAS_I18N.open(encoding="utf-8", newline="") as f:
        lines = [line for line in f if line.strip() and not line.lstrip().startswith("#")]
    seen = set()
    for rec in csv.reader(lines):
        if len(rec) != 4:
            fail(f"{EXTRAS_I18N.name}: bad record {rec!r}")
        code, lang, alias, kind = (x.strip() for x in rec)
        if (code, lang) == ("code", "language"):
            continue
        if code not in names or lang not in LANGUAGES or kind not in KINDS:
            fail(f"{EXTRAS_I18N.name}: unknown code, language or kind in {rec!r}")
        if (lang, alias) in seen:
            fail(f"{EXTRAS_I18N.name}: duplicate {lang},{alias}")
        seen.add((lang, alias))
        rows.append((lang, code, alias, kind, True))
    table = {}  # (language, alias) -> (code, kind)
    for lang, code, base, kind, from_extras in rows:
        for alias in sorted(variants_i18n(base, lang)):
            if alias in EXCLUDED_I18N.get(lang, ()) or base in EXCLUDED_I18N.get(lang, ()):
                continue
            if len(alias) < 2:
                fail(f"alias {alias!r} ({lang}, {code}) is too short")
            if alias in english and english[alias] != code:
                fail(f"alias {alias!r} ({lang}) is {code} but {english[alias]} in English")
            other = next((c for (l2, a2), (c, _k) in table.items() if a2 == alias and c != code), None)
            if other:
                fail(f"alias {alias!r} ({lang}) maps to both {other} and {code}")
            if (lang, alias) not in table or from_extras:
                table[(lang, alias)] = (code, kind)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["code", "name", "language", "alias", "kind"])
    for (lang, alias), (code, kind) in sorted(table.items(), key=lambda kv: (kv[1][0], kv[0][0], kv[0][1])):
        w.writerow([code, names[code], lang, alias, kind])
    return buf.getvalue()


def country_names():
    names = {c.alpha_2: DISPLAY.get(c.alpha_2) or getattr(c, "common_name", None) or c.name for c in pycountry.countries}
    names.update({code: name for code, (name, _official) in EXTRA_COUNTRIES.items()})
    return names


def main(argv):
    text = build()
    if "--check" in argv:
        status = 0
        for out, content in ((OUT, text), (OUT_I18N, build_i18n(country_names()))):
            current = out.read_text(encoding="utf-8") if out.exists() else None
            if current != content:
                print(f"{out.relative_to(ROOT)} is out of date; run scripts/make_countries.py",
                      file=sys.stderr)
                status = 1
        return status
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(text.encode("utf-8"))
    i18n = build_i18n(country_names())
    OUT_I18N.write_bytes(i18n.encode("utf-8"))
    for out, content in ((OUT, text), (OUT_I18N, i18n)):
        print(f"wrote {out.relative_to(ROOT)} ({content.count(chr(10)) - 1} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
