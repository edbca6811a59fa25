"""Fault injection: kill index runs at random moments; search through updates.

    python3 bench/faults.py [--kills 30] [--seed 1] [--searchers 4] [--rounds 16]

Every page carries two unique words: a stable one, kept when the page changes, and a version
one, replaced when it changes. A document is *found* when a search for one of its words returns
it: each check is a search, as a user's would be, not a listing of keys or titles.

1. Kills. One archive lives through ``--kills`` trials, each building on the last (as a real
   archive does, so commits pile up and update runs start merging segments). A trial changes the
   corpus (a third of the pages rewritten, new pages, a few removed), starts an update run (every
   eighth trial a ``--rebuild``: rarely enough for updates to pile up segments until they merge)
   and SIGKILLs it at a random moment. Then every document of the
   last completed run must be found by its stable word, in its old or its new version (by its
   version word), never both, and nothing else may be in the index; a plain next run (no manual
   unlock) must reach the new state exactly.
2. Concurrency. Searcher processes look up random documents of the archive, each by its stable
   word, while ``--rounds`` update runs (every eighth a ``--rebuild``) publish changes; no page
   is removed, so every lookup must find its document. A failed search is an error, and so is a
   lookup that does not find its document (a miss). Half the searchers open a fresh ``Searcher``
   for each lookup; the others open one, wait up to 3 s while updates commit (as a web view or
   ``search --batch`` does between lookups), then look up 20 documents: a searcher must find
   every document of the commit it opened even after merges and rebuilds deleted its files.

Last line: ``kill_ok=N/N concurrent_errors=0``. Takes a few minutes on 2 cores.

Why the first version of this script reported 30/30 while the fault harness of
``../shared/tools/fault_harness.py`` failed on the same code, and what changed:

- Its pages were six fixed, well-formed sentences, and it compared the sets of (key, title) of a
  ``*`` listing. A page whose sentence starting with "By" (at most twelve words, lower case: "By
  the court election that mayor ...") the text cleaner took for a byline and dropped still had
  its key and title, so the loss never showed; the harness searches each page by words placed in
  random sentences, and found pages missing or their new text absent. Pages are now sentences of
  random words (about one line in eight starts with "By"), and every check searches for words.
- Each kill started from a fresh copy of the same one-commit index, so no index ever had more
  than a few segments and no update run merged; the concurrency phase also stayed under 8
  segments. Merges are what delete the files of segments a searcher may still read. Trials now
  build on each other, and the concurrency phase runs enough updates (two shards each) to merge.
- Its searchers counted exceptions only: a search that answered but missed its document was not
  counted, and every searcher looked up at once after opening, so the few milliseconds in which
  a commit could land between opening and reading never held a merge. Misses now count, and warm
  searchers wait across commits before they read.
- Its index runs were ``python -m searchlib``, which imports whatever searchlib is installed; the
  runs now import the searchlib of this script's tree (``PYTHONPATH``), so a checkout measures
  itself.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import shutil
import signal
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from searchlib import SearchRequest, Searcher  # noqa: E402

WORDS = ("archive election minister parliament border treaty summit protest budget harvest flood court "
         "ruling coalition strike vote mayor port railway census festival drought embassy tariff reform "
         "council inquiry ceasefire refugees museum library newspaper editor").split()
FUNCTION_WORDS = "the the the of of and and to to in in a a that was said for on with by at from".split()
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}


def token(rng: random.Random, prefix: str) -> str:
    return prefix + "".join(rng.choice(string.ascii_lowercase) for _ in range(10))


def page_text(rng: random.Random, stable: str, version: str, nwords: int = 240) -> str:
    """Prose-like lines: capitalised sentences of 12 random words (the last one up to 19), about 40 %
    function words, so that a boilerplate remover keeps them as article text; the two words go
    anywhere inside them. About one line in eight starts with "By" (a sentence, not a byline)."""
    words = [rng.choice(FUNCTION_WORDS) if rng.random() < 0.4 else rng.choice(WORDS) for _ in range(nwords)]
    for word in (stable, version):
        words.insert(rng.randrange(len(words) + 1), word)
    lines = [words[i:i + 12] for i in range(0, len(words), 12)]
    if len(lines) > 1 and len(lines[-1]) < 8:
        lines[-2].extend(lines.pop())
    for line in lines:
        if line[0] in (stable, version):
            line.insert(0, "then")
        elif rng.random() < 0.125:
            line[0] = "by"
    return "\n".join(" ".join(line).capitalize() + "." for line in lines) + "\n"


class Corpus:
    """Pages with a known state: name -> [stable word, version word]."""

    def __init__(self, folder: Path, rng: random.Random) -> None:
        self.folder, self.rng = folder, rng
        self.pages: dict[str, list[str]] = {}
        self.count = 0
        folder.mkdir(parents=True, exist_ok=True)

    def _write(self, name: str) -> None:
        stable, version = self.pages[name]
        tmp = self.folder / f".{name}.tmp"
        tmp.write_text(page_text(self.rng, stable, version))
        os.replace(tmp, self.folder / name)

    def add(self, n: int) -> None:
        for _ in range(n):
            name = f"page-{self.count:05d}.txt"
            self.count += 1
            self.pages[name] = [token(self.rng, "qs"), token(self.rng, "qv")]
            self._write(name)

    def change(self, modify: float = 0.3, add: float = 0.05, remove: float = 0.02) -> None:
        names = list(self.pages)
        for name in self.rng.sample(names, int(len(names) * modify)):
            self.pages[name][1] = token(self.rng, "qv")
            self._write(name)
        for name in self.rng.sample(names, int(len(names) * remove)):
            (self.folder / name).unlink()
            del self.pages[name]
        self.add(max(1, int(len(names) * add)))

    def state(self) -> dict[str, tuple[str, str]]:
        return {name: tuple(words) for name, words in self.pages.items()}


def keys_found(searcher: Searcher, word: str) -> list[str]:
    return [h.key for h in searcher.search(SearchRequest(word, limit=5)).hits]


def check(index_dir: str, state: dict, newer: dict | None = None) -> list[str]:
    """Problems of the index against ``state``; with ``newer`` (a run was killed on its way from
    ``state`` to ``newer``), each document may be in either version, and those gone in ``newer``
    may be gone."""
    problems = []
    with Searcher(index_dir) as s:
        listed = {h.key for h in s.search(SearchRequest("*", limit=1_000_000, all=True)).hits}
        allowed = set(state) | set(newer or {})
        problems += [f"{k}: in the index but in neither state" for k in sorted(listed - allowed)[:3]]
        for name, (stable, version) in state.items():
            if keys_found(s, stable) != [name]:
                if newer is not None and name not in newer:
                    continue  # removed by the run that was killed: it may have published
                problems.append(f"{name}: not found by its stable word (document missing)")
                continue
            versions = [v for v in {version, (newer or {}).get(name, (None, version))[1]}]
            hits = [v for v in versions if keys_found(s, v) == [name]]
            if len(hits) != 1:
                problems.append(f"{name}: found by {len(hits)} of its version words {versions}")
    return problems


def run_index(corpus: Path, index_dir: str, rebuild: bool) -> subprocess.Popen:
    # state B removes a sixth of the pages: --prune, or the large-removal guard stops the run (exit 2)
    cmd = [sys.executable, "-m", "searchlib", "index", str(corpus), "--index", index_dir, "--jobs", "2", "--wait", "60",
           "--prune"]
    if rebuild:
        cmd.append("--rebuild")
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True, env=ENV)


def finish(corpus: Path, index_dir: str, rebuild: bool = False) -> tuple[int, str]:
    proc = run_index(corpus, index_dir, rebuild)
    _out, err = proc.communicate(timeout=600)
    return proc.returncode, err.decode("utf-8", "replace").strip()[-300:]


def kills(work: Path, count: int, seed: int) -> int:
    rng = random.Random(seed)
    corpus = Corpus(work / "k", rng)
    corpus.add(400)
    ix = str(work / "kix")
    finish(corpus.folder, ix)
    corpus.change()
    start = time.monotonic()  # how long an update takes: kills land anywhere in it
    finish(corpus.folder, ix)
    full = time.monotonic() - start
    completed = corpus.state()
    ok = 0
    for n in range(count):
        before = completed
        corpus.change()
        after = corpus.state()
        rebuild = n % 8 == 7
        proc = run_index(corpus.folder, ix, rebuild)
        # half the kills anywhere in the run, half in its last third, where it commits and publishes
        time.sleep(rng.uniform(0, full * 1.2) if n % 4 < 2 else rng.uniform(full * 0.7, full * 1.15))
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
        try:
            problems = [f"after the kill: {p}" for p in check(ix, before, after)]
            code, err = finish(corpus.folder, ix)
            if code != 0:
                problems.append(f"next run: exit code {code}: {err}")
            problems += [f"after the next run: {p}" for p in check(ix, after)]
        except Exception as e:  # noqa: BLE001 - a fault script counts every failure, whatever its kind
            problems = [f"{type(e).__name__}: {e}"]
        completed = after
        print(f"kill {n + 1:2d}/{count}: {'rebuild' if rebuild else 'update '} "
              f"{'ok' if not problems else 'FAILED: ' + '; '.join(problems[:3])}", file=sys.stderr)
        ok += not problems
    return ok


def _searcher_loop(index_dir: str, words: dict, warm: bool, seed: int, stop, errors, misses, lookups) -> None:
    """A fresh searcher: open, one lookup, close. A warm one: open, wait up to 3 s (updates commit
    meanwhile), then 20 lookups spread over the whole archive, as a web view or a batch would."""
    rng = random.Random(seed)
    names = sorted(words)
    kind = "warm" if warm else "fresh"
    while not stop.is_set():
        try:
            with Searcher(index_dir) as searcher:
                if warm:
                    time.sleep(rng.uniform(0, 3))
                for name in rng.sample(names, 20 if warm else 1):
                    found = keys_found(searcher, words[name])
                    with lookups.get_lock():
                        lookups.value += 1
                    if found != [name]:
                        with misses.get_lock():
                            misses.value += 1
                        print(f"searcher miss ({kind}): {name} -> {found}", file=sys.stderr)
        except Exception as e:  # noqa: BLE001 - every error is the measurement
            with errors.get_lock():
                errors.value += 1
            print(f"searcher error ({kind}): {type(e).__name__}: {e}", file=sys.stderr)


def concurrent(work: Path, searchers: int, rounds: int, seed: int) -> tuple[int, int, int]:
    rng = random.Random(seed + 1)
    corpus = Corpus(work / "c", rng)
    corpus.add(300)
    ix = str(work / "cix")
    finish(corpus.folder, ix)
    words = {name: stable for name, (stable, _version) in corpus.state().items()}
    stop, errors, misses, lookups = mp.Event(), mp.Value("i", 0), mp.Value("i", 0), mp.Value("i", 0)
    procs = [mp.Process(target=_searcher_loop, args=(ix, words, i % 2 == 1, seed + i, stop, errors, misses, lookups))
             for i in range(searchers)]
    for p in procs:
        p.start()
    for r in range(rounds):
        corpus.change(remove=0.0)  # every page of the first state stays, so every lookup must find it
        code, err = finish(corpus.folder, ix, rebuild=r % 8 == 7)
        if code != 0:
            with errors.get_lock():
                errors.value += 1
            print(f"update run {r + 1}: exit code {code}: {err}", file=sys.stderr)
    stop.set()
    for p in procs:
        p.join()
    return errors.value, misses.value, lookups.value


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kills", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--searchers", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=16, help="update/rebuild runs while the searchers search")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="searchlib-faults-") as tmp:
        work = Path(tmp)
        ok = kills(work, args.kills, args.seed)
        errors, missed, lookups = concurrent(work, args.searchers, args.rounds, args.seed)
    print(f"concurrent searchers: {args.searchers} (half warm), lookups during {args.rounds} update/rebuild runs: "
          f"{lookups}, failed: {errors}, missed: {missed}")
    print(f"kill_ok={ok}/{args.kills} concurrent_errors={errors + missed}")


if __name__ == "__main__":
    main()
