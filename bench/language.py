"""Language detectors compared: accuracy on short news texts, speed, install size.

    python3 bench/language.py [--pages N]
    python3 bench/language.py --fast-path     # check language.plainly_english against the model

Detectors: py3langid (the one searchlib uses), lingua-language-detector, and
fasttext-langdetect (its lid.176 model is downloaded from dl.fbaipublicfiles.com on first use:
measured only when that model is already cached, since nothing but PyPI is reachable here).
Each needs `pip install` first; a missing one is reported and skipped.

Texts:
  - bench/language/samples.tsv: short sentences in en, fr, ar, ru, de, es, tr written for this
    bench (seven per language, plus one headline of 2-4 words each);
  - ../shared/data/news: English Wikinews articles (every one should read as en), whole and cut
    to their first 80 characters;
  - ../shared/bench/dates mediacloud set: pages in many languages, cleaned by searchlib; their
    <html lang> is the reference (a publisher's claim, not a gold label: read the disagreements
    with --verbose).
Speed is pages per second over the Wikinews texts as searchlib.derive.language feeds them (at
most settings.LANGUAGE_CHARS characters each), on one core.

Measured 2026-12-02 (2-core machine shared with other jobs, --pages 300):
  py3langid 0.4.0: short sentences 55/56 (misses "Explosion at Kabul airport": bcl), searchlib's
    detect() 49 right, 7 und, 0 wrong; Wikinews 300/300 whole, 289/300 on 80 characters;
    ~1,400 pages/s; mediacloud agrees with <html lang> on 149/164; 76 MB model, loads in 0.6 s.
  lingua-language-detector 2.1.1: 56/56; 300/300, 287/300; ~220 pages/s; 149/164 (the same 15
    pages: mislabelled <html lang="en"> and Serbo-Croatian); 1.3 GB with its models preloaded
    (12.8 s to load).
  fasttext-langdetect 1.1.1: not measured, its lid.176 model must be downloaded.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import resource
import sys
import time
from importlib import metadata

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
SHARED = SHARED if os.path.isdir(SHARED) else "/work/shared"

from searchlib.settings import LANGUAGE_CHARS  # noqa: E402


def py3langid():
    import py3langid as langid

    return lambda text: langid.classify(text)[0]


def lingua():
    from lingua import LanguageDetectorBuilder

    detector = LanguageDetectorBuilder.from_all_languages().with_preloaded_language_models().build()

    def detect(text: str) -> str:
        found = detector.detect_language_of(text)
        return found.iso_code_639_1.name.lower() if found else "und"

    return detect


def fasttext():
    import importlib

    mod = importlib.import_module("ftlangdetect.detect")  # the package re-exports a function of that name

    cache = mod._default_cache_dir()
    if not any((cache / m).exists() for m in ("lid.176.ftz", "lid.176.bin")):
        raise RuntimeError(f"its lid.176 model is not in {cache}: it is downloaded from dl.fbaipublicfiles.com, "
                           "which is not reachable here")
    return lambda text: mod.detect(text, low_memory=True)["lang"]


DETECTORS = {"py3langid": (py3langid, ("py3langid", "numpy")),
             "lingua": (lingua, ("lingua-language-detector",)),
             "fasttext-langdetect": (fasttext, ("fasttext-langdetect", "fasttext-predict", "requests"))}


def installed_size(dists: tuple[str, ...]) -> float:
    """MB on disk of the distributions' own files (numpy and requests counted where they come
    only for the detector)."""
    total = 0
    for name in dists:
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        for f in dist.files or ():
            path = dist.locate_file(f)
            if os.path.isfile(path):
                total += os.path.getsize(path)
    return total / 1e6


def samples() -> list[tuple[str, str]]:
    out = []
    with open(os.path.join(HERE, "language", "samples.tsv"), encoding="utf-8") as fh:
        for line in fh:
            if line.strip() and not line.startswith("#"):
                lang, text = line.rstrip("\n").split("\t", 1)
                out.append((lang, text))
    return out


def wikinews(n: int) -> list[str]:
    path = os.path.join(SHARED, "data", "news", "wikinews-politics-economy.jsonl.gz")
    if not os.path.exists(path):
        return []
    out = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            text = json.loads(line).get("text") or ""
            if len(text) > 200:
                out.append(text)
            if len(out) >= n:
                break
    return out


LANG_ATTR = re.compile(rb"<html[^>]*?\blang\s*=\s*[\"']?([a-zA-Z]{2})\b", re.I)


def mediacloud() -> list[tuple[str, str]]:
    """(declared language, clean text) of the mediacloud pages that declare one; cached in /tmp."""
    folder = os.path.join(SHARED, "bench", "dates", "html")
    if not os.path.isdir(folder):
        return []
    cache = "/tmp/searchlib-bench-language-mediacloud.json"
    if os.path.exists(cache):
        with open(cache, encoding="utf-8") as fh:
            return [tuple(x) for x in json.load(fh)]
    from searchlib.derive import cleaning, loading

    out = []
    for name in sorted(os.listdir(folder)):
        if not name.startswith("mediacloud-"):
            continue
        data = gzip.open(os.path.join(folder, name)).read()
        m = LANG_ATTR.search(data[:20000])
        if not m:
            continue
        try:
            article = cleaning.clean(loading.decode(data, "html", name), "html")
        except Exception:  # a page the cleaner refuses is no sample
            continue
        text = (article.title + "\n" + article.body).strip()
        if text:
            out.append((m.group(1).decode().lower(), text))
    with open(cache, "w", encoding="utf-8") as fh:
        json.dump(out, fh, ensure_ascii=False)
    return out


def own_pages() -> list[tuple[str, str]]:
    """(name, clean text) of the pages written for this project: corpus/ and the test fixtures."""
    from searchlib.derive import pipeline

    out = []
    for folder in (os.path.join(ROOT, "corpus"), os.path.join(ROOT, "tests", "fixtures")):
        for base, _dirs, files in os.walk(folder):
            for name in sorted(files):
                if not name.endswith((".txt", ".html", ".htm")):
                    continue
                path = os.path.join(base, name)
                try:
                    with open(path, "rb") as fh:
                        record = pipeline.derive(fh.read(), path, name, "html" if name.endswith(("html", "htm")) else "text")
                except Exception:  # a fixture built to fail is no sample
                    continue
                text = (record.title or "") + "\n" + (record.text or "")
                out.append((os.path.relpath(path, ROOT), text))
    return out


def real_pages() -> list[tuple[str, str]]:
    """(file name, clean text) of every real page in ../shared/bench (the 941 dated pages and the
    91 extraction pages, HTML and text), cleaned by searchlib; cached in /tmp."""
    cache = "/tmp/searchlib-bench-language-real.json"
    if os.path.exists(cache):
        with open(cache, encoding="utf-8") as fh:
            return [tuple(x) for x in json.load(fh)]
    from searchlib.derive import cleaning, loading

    out = []
    for sub in ("dates/html", "extraction/html", "extraction/text"):
        folder = os.path.join(SHARED, "bench", sub)
        if not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            opener = gzip.open if name.endswith(".gz") else open
            with opener(os.path.join(folder, name), "rb") as fh:
                data = fh.read()
            kind = "text" if name.endswith(".txt") else "html"
            try:
                article = cleaning.clean(loading.decode(data, kind, name), kind)
            except Exception:  # a page the cleaner refuses is no sample
                continue
            text = (article.title + "\n" + article.body).strip()
            if text:
                out.append((f"{sub}/{name}", text))
    with open(cache, "w", encoding="utf-8") as fh:
        json.dump(out, fh, ensure_ascii=False)
    return out


def fast_path(pages: int, verbose: bool) -> None:
    """Every page the English fast path takes must be one the model calls English: its pages
    taken, its disagreements, and both paths' speed."""
    from searchlib.derive import language

    def model(text: str) -> str:
        sample = text[:LANGUAGE_CHARS]
        if sum(ch.isalpha() for ch in sample) < language.LANGUAGE_MIN_LETTERS:
            return "und"
        code, p = language.scores(sample)[0]
        return code if p >= language.LANGUAGE_MIN_CONFIDENCE and len(code) == 2 else "und"

    sets = {"samples": [(lang, t) for lang, t in samples()], "wikinews": [("en?", t) for t in wikinews(pages)],
            "real pages": real_pages(), "own pages": own_pages()}
    taken_all = wrong_all = 0
    for set_name, items in sets.items():
        taken = wrong = english = 0
        for label, text in items:
            truth = model(text)
            english += truth == "en"
            if language.plainly_english(text[:LANGUAGE_CHARS]):
                taken += 1
                if truth != "en":
                    wrong += 1
                    print(f"  DISAGREE {set_name} {label}: model {truth}: {text[:80]!r}")
            elif verbose and truth == "en":
                print(f"  left to the model {set_name} {label}: {text[:80]!r}")
        taken_all, wrong_all = taken_all + taken, wrong_all + wrong
        print(f"{set_name}: {len(items)} pages, the model calls {english} English; the fast path takes {taken}, "
              f"{wrong} of them not English to the model")
    news = [t[:LANGUAGE_CHARS] for t in wikinews(pages)]
    if news:
        model(news[0])
        started = time.perf_counter()
        for t in news:
            model(t)
        slow = (time.perf_counter() - started) / len(news) * 1000
        started = time.perf_counter()
        for t in news:
            language.plainly_english(t)
        fast = (time.perf_counter() - started) / len(news) * 1000
        print(f"speed on Wikinews: model {slow:.3f} ms/page, fast path {fast:.3f} ms/page")
    print(f"fast_path taken={taken_all} disagreements={wrong_all}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, default=500, help="Wikinews articles for accuracy and speed")
    ap.add_argument("--verbose", action="store_true", help="list every miss")
    ap.add_argument("--fast-path", action="store_true", help="check language.plainly_english against the model")
    args = ap.parse_args()
    if args.fast_path:
        fast_path(args.pages, args.verbose)
        return
    short = samples()
    news = wikinews(args.pages)
    cloud = mediacloud()
    langs = sorted({lang for lang, _ in short})
    print(f"samples: {len(short)} sentences in {', '.join(langs)}; Wikinews: {len(news)} articles; "
          f"mediacloud pages declaring a language: {len(cloud)}")
    for name, (make, dists) in DETECTORS.items():
        try:
            started = time.perf_counter()
            detect = make()
            detect("warm up")
            load = time.perf_counter() - started
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        except (ImportError, RuntimeError) as e:
            print(f"\n{name}: not measured ({e})")
            continue
        print(f"\n{name}: installed {installed_size(dists):.1f} MB, loads in {load:.2f} s "
              f"(peak memory of this process so far {rss:.0f} MB)")
        per_lang = {}
        for lang, text in short:
            got = detect(text)
            ok = got == lang
            per_lang.setdefault(lang, []).append(ok)
            if not ok and args.verbose:
                print(f"  miss {lang}->{got}: {text}")
        total = sum(sum(v) for v in per_lang.values())
        print(f"  short sentences: {total}/{len(short)} right ("
              + ", ".join(f"{lang} {sum(v)}/{len(v)}" for lang, v in sorted(per_lang.items())) + ")")
        if name == "py3langid":
            from searchlib.derive import language

            tally = {"right": 0, "und": 0, "wrong": 0}
            for lang, text in short:
                got = language.detect(text)
                tally["right" if got == lang else "und" if got == "und" else "wrong"] += 1
            print(f"  searchlib's detect() (und under {language.LANGUAGE_MIN_LETTERS} letters or "
                  f"{language.LANGUAGE_MIN_CONFIDENCE} confidence): " + ", ".join(f"{k} {v}" for k, v in tally.items()))
        if news:
            whole = sum(detect(t[:LANGUAGE_CHARS]) == "en" for t in news)
            cut = sum(detect(t[:80]) == "en" for t in news)
            started = time.perf_counter()
            for t in news:
                detect(t[:LANGUAGE_CHARS])
            rate = len(news) / (time.perf_counter() - started)
            print(f"  Wikinews en: {whole}/{len(news)} whole, {cut}/{len(news)} on their first 80 characters; "
                  f"{rate:,.0f} pages/s")
        if cloud:
            agree = 0
            for lang, text in cloud:
                got = detect(text[:LANGUAGE_CHARS])
                agree += got == lang
                if got != lang and args.verbose:
                    print(f"  mediacloud lang={lang} detected {got}: {text[:70]!r}")
            print(f"  mediacloud: agrees with <html lang> on {agree}/{len(cloud)}")


if __name__ == "__main__":
    main()
