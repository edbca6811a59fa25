#!/usr/bin/env python3
"""Build the multilingual tagging bench from the project's fixtures (standard library only).

tests/fixtures/multilingual/<lang>/*.txt are 30 short pages written for the project (5 in each of
ar, de, es, fr, ru, tr; factual paraphrases) and facts.json their fact sheet. This script copies
the pages to bench/tagging/multilingual/<lang>/ and writes each folder's manifest.jsonl in the
gold format of ../shared/tools/tag_eval.py, so that bench/tagging.sh scores every language on its
own. Deterministic; correct the gold in facts.json, then rerun:

    python3 bench/tagging/multilingual/build.py
"""
import json
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "fixtures" / "multilingual"
OUT = Path(__file__).resolve().parent


def main() -> None:
    pages = json.loads((FIXTURES / "facts.json").read_text(encoding="utf-8"))["pages"]
    by_language: dict[str, list[dict]] = {}
    for page in pages:
        by_language.setdefault(page["language"], []).append(page)
    for language, rows in sorted(by_language.items()):
        folder = OUT / language
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir()
        with (folder / "manifest.jsonl").open("w", encoding="utf-8") as fh:
            for page in rows:
                name = Path(page["file"]).name
                shutil.copyfile(FIXTURES / page["file"], folder / name)
                gold = {"id": Path(name).stem, "file": name, "format": "text", "title": page["title"],
                        "published": page["published"], "published_also_ok": [],
                        "published_evidence": "date line under the byline",
                        **{k: page[k] for k in ("groups", "groups_optional", "countries", "countries_optional",
                                                "officials", "officials_optional", "mentioned_dates",
                                                "mentioned_dates_optional")}}
                fh.write(json.dumps(gold, ensure_ascii=False) + "\n")
        print(f"{folder.relative_to(ROOT)}: {len(rows)} pages")


if __name__ == "__main__":
    main()
