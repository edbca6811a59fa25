#!/usr/bin/env python3
"""Generate searchlib/derive/data/languages.csv, the names of the language facet's values.

Why generated and committed: the names come from CLDR through babel (which comes with
trafilatura), but loading babel's locale data costs a fresh ``search`` 25-30 ms, for a table of
two-letter codes that changes once a CLDR release. So the table is built here and read as a
small CSV at run time. Built with babel 2.19.0 (CLDR 47).

Rows: every ISO 639-1 code babel names in English, with its English name and its name in
itself (the autonym, empty when CLDR has no locale of that language). Sorted by code, UTF-8, LF.

Usage:  python3 scripts/make_languages.py           # (re)write the file
        python3 scripts/make_languages.py --check   # exit 1 if it is out of date
"""
import csv
import io
import sys
from pathlib import Path

import babel

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "searchlib" / "derive" / "data" / "languages.csv"


def build() -> str:
    english = babel.Locale("en").languages
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["code", "name", "autonym"])
    for code in sorted(c for c in english if len(c) == 2 and c.isalpha() and c.islower()):
        try:
            autonym = babel.Locale.parse(code).languages.get(code) or ""
        except (ValueError, LookupError, babel.UnknownLocaleError):  # no CLDR locale of that language
            autonym = ""
        w.writerow([code, english[code], autonym])
    return buf.getvalue()


def main(argv: list[str]) -> int:
    text = build()
    if "--check" in argv:
        current = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
        if current != text:
            print(f"{OUT.relative_to(ROOT)} is out of date: run python3 scripts/make_languages.py", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}: {text.count(chr(10)) - 1} languages")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
