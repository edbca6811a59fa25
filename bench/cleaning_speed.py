"""Cleaning speed in pages/s for HTML pages and text scrapes (decode + clean, in process, one core).

    python3 bench/cleaning_speed.py ../shared/bench/extraction [--repeat 3]
Prints the median of the repeats.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import time
from pathlib import Path

from searchlib.derive import cleaning


def pages(folder: Path, suffix: str) -> list[str]:
    out = []
    for path in sorted(folder.glob(f"*{suffix}")):
        data = path.read_bytes()
        out.append((gzip.decompress(data) if path.suffix == ".gz" else data).decode("utf-8", "replace"))
    return out


def rate(texts: list[str], kind: str, repeat: int) -> float:
    cleaning.clean(texts[0], kind)  # warm-up: imports, caches
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        for t in texts:
            cleaning.clean(t, kind)
        runs.append(len(texts) / (time.perf_counter() - start))
    return statistics.median(runs)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("bench", type=Path)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    html = pages(args.bench / "html", ".html.gz")
    text = pages(args.bench / "text", ".txt")
    print(f"cleaning speed (one core, median of {args.repeat}): html {rate(html, 'html', args.repeat):.1f} pages/s, "
          f"text {rate(text, 'text', args.repeat):.1f} pages/s")


if __name__ == "__main__":
    main()
