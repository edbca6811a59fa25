"""Fault injection: kill index runs at random moments; search through updates.

    python3 bench/faults.py [--kills 30] [--seed 1] [--searchers 4]

1. Kills. An archive in state A (half of a generated corpus) is updated to state B (all of it:
   new, changed and removed files), by an incremental run or a --rebuild (alternating). The run
   is SIGKILLed at a random moment. Then the index must open and hold exactly state A or state B;
   a plain next run (no manual unlock) must finish the job and reach B.
2. Concurrency. Searcher processes loop over queries while update and rebuild runs publish new
   generations; every error a searcher meets is counted.

Last line: ``kill_ok=N/N concurrent_errors=0``. Takes a few minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from searchlib import SearchRequest, Searcher, build_index  # noqa: E402

SENTENCES = [
    "Officials in Kabul said on Friday that the airport would reopen after the attack.",
    "The Taliban said the security of the city was now its responsibility.",
    "Kenyan President Uhuru Kenyatta said the siege of the mall in Nairobi was over.",
    "Iraqi forces said Islamic State fighters had been pushed out of Mosul.",
    "Boko Haram fighters attacked a school in Borno state, Nigerian officials said.",
    "The United States said a drone strike in Somalia had targeted al-Shabaab commanders.",
]


def make_corpus(folder: Path, n: int, seed: int, variant: str) -> None:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        body = " ".join(rng.choice(SENTENCES) for _ in range(12))
        (folder / f"page-{i:04d}.txt").write_text(f"Report {i} {variant}\n\nMarch {1 + i % 28}, 2021\n\n{body}\n\n"
                                                  f"{' '.join(rng.choice(SENTENCES) for _ in range(8))}\n")


def keys(index_dir: str) -> frozenset[str]:
    with Searcher(index_dir) as s:
        return frozenset(h.key for h in s.search(SearchRequest("*", limit=100000, all=True)).hits)


def titles(index_dir: str) -> frozenset[str]:
    with Searcher(index_dir) as s:
        return frozenset((h.key, h.title) for h in s.search(SearchRequest("*", limit=100000, all=True)).hits)


def run_index(corpus: Path, index_dir: str, rebuild: bool) -> subprocess.Popen:
    # state B removes a sixth of the pages: --prune, or the large-removal guard stops the run (exit 2)
    cmd = [sys.executable, "-m", "searchlib", "index", str(corpus), "--index", index_dir, "--jobs", "2", "--wait", "30",
           "--prune"]
    if rebuild:
        cmd.append("--rebuild")
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)


def kills(work: Path, count: int, seed: int) -> int:
    rng = random.Random(seed)
    corpus_a, corpus_b = work / "a", work / "b"
    make_corpus(corpus_a, 300, 1, "first")
    shutil.copytree(corpus_a, corpus_b)
    for i in range(0, 300, 3):  # state B: a third changed, a sixth removed, 150 new
        (corpus_b / f"page-{i:04d}.txt").write_text((corpus_a / f"page-{i:04d}.txt").read_text().replace("first", "second"))
    for i in range(1, 300, 6):
        (corpus_b / f"page-{i:04d}.txt").unlink()
    make_corpus(work / "new", 150, 2, "new")
    for f in (work / "new").iterdir():
        f.rename(corpus_b / f"x-{f.name}")
    pristine = work / "pristine"
    build_index([str(corpus_b)], str(pristine), jobs=2)
    state_b = titles(str(pristine))
    shutil.rmtree(pristine)
    # state A is indexed from folder "b" too (same roots), holding A's files
    shutil.move(str(corpus_b), str(work / "b-full"))
    shutil.copytree(corpus_a, corpus_b)
    build_index([str(corpus_b)], str(pristine), jobs=2)
    state_a = titles(str(pristine))
    shutil.rmtree(corpus_b)
    shutil.move(str(work / "b-full"), str(corpus_b))

    start = time.monotonic()  # how long a full update takes: kills land anywhere in it
    probe = work / "probe"
    shutil.copytree(pristine, probe)
    run_index(corpus_b, str(probe), False).wait()
    full = time.monotonic() - start
    shutil.rmtree(probe)

    ok = 0
    for n in range(count):
        ix = work / f"ix-{n}"
        shutil.copytree(pristine, ix)
        rebuild = n % 2 == 1
        proc = run_index(corpus_b, str(ix), rebuild)
        # half the kills anywhere in the run, half in its last third, where it commits and publishes
        time.sleep(rng.uniform(0, full * 1.2) if n % 4 < 2 else rng.uniform(full * 0.7, full * 1.15))
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        try:
            after_kill = titles(str(ix))
            state_ok = after_kill in (state_a, state_b)
            follow = run_index(corpus_b, str(ix), False)
            _out, err = follow.communicate(timeout=300)
            finished = follow.returncode == 0 and titles(str(ix)) == state_b
        except Exception as e:  # noqa: BLE001 - a fault script counts every failure, whatever its kind
            print(f"kill {n + 1}: {type(e).__name__}: {e}", file=sys.stderr)
            state_ok = finished = False
        verdict = "ok" if state_ok and finished else "FAILED"
        which = "A" if state_ok and after_kill == state_a else ("B" if state_ok else "neither")
        print(f"kill {n + 1:2d}/{count}: {'rebuild' if rebuild else 'update '} killed -> state {which}, "
              f"next run {'reached B' if finished else 'FAILED'} {verdict}", file=sys.stderr)
        ok += state_ok and finished
        shutil.rmtree(ix, ignore_errors=True)
    return ok


def _searcher_loop(index_dir: str, stop: mp.Event, errors: mp.Value, lookups: mp.Value) -> None:
    queries = [SearchRequest("Kabul", facets=True), SearchRequest("*", countries=("Kenya",)),
               SearchRequest("Taliban", limit=20), SearchRequest(groups=("Islamic State",), facets=True)]
    i = 0
    while not stop.is_set():
        try:
            with Searcher(index_dir) as s:  # a fresh searcher each time: it must open whatever is live
                s.search(queries[i % len(queries)])
            with lookups.get_lock():
                lookups.value += 1
        except Exception as e:  # noqa: BLE001 - every error is the measurement
            with errors.get_lock():
                errors.value += 1
            print(f"searcher error: {type(e).__name__}: {e}", file=sys.stderr)
        i += 1


def concurrent(work: Path, searchers: int, rounds: int) -> tuple[int, int]:
    corpus = work / "c"
    make_corpus(corpus, 200, 3, "one")
    ix = str(work / "cix")
    build_index([str(corpus)], ix, jobs=2)
    stop, errors, lookups = mp.Event(), mp.Value("i", 0), mp.Value("i", 0)
    procs = [mp.Process(target=_searcher_loop, args=(ix, stop, errors, lookups)) for _ in range(searchers)]
    for p in procs:
        p.start()
    for r in range(rounds):
        for f in list(corpus.iterdir())[r::7]:
            f.write_text(f.read_text().replace("Report", f"Report r{r}"))
        build_index([str(corpus)], ix, jobs=1, rebuild=(r % 2 == 1), wait=30)
    stop.set()
    for p in procs:
        p.join()
    return errors.value, lookups.value


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kills", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--searchers", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=10, help="update/rebuild runs while the searchers search")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="searchlib-faults-") as tmp:
        work = Path(tmp)
        ok = kills(work, args.kills, args.seed)
        errors, lookups = concurrent(work, args.searchers, args.rounds)
    print(f"concurrent searchers: {args.searchers}, lookups during {args.rounds} update/rebuild runs: {lookups}")
    print(f"kill_ok={ok}/{args.kills} concurrent_errors={errors}")


if __name__ == "__main__":
    main()
