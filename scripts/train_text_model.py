#!/usr/bin/env python3
"""Train the text-scrape line classifier and write searchlib/derive/data/text_model.json.

Why a learned model: on plain-text scrapes no library beats "keep lines of >= 18 words" (F1 0.80),
and hand-set thresholds over line shape tune to a few sites. Gradient-boosted trees over the
language-neutral features of ``cleaning.block_features`` (length, punctuation, case, position,
the heuristic body run, footer markers, neighbours) learn the combination instead.

Data: only the DEV half of the extraction benchmark (../shared/bench/extraction: text scrapes and
gold article bodies). A block's label is 1 when most of its 4-word shingles occur in the gold body.
The script reports a page-grouped cross-validated mean F1 (pages never seen in training), picks
the probability threshold on those held-out predictions, then fits on all DEV pages.

The model file records what it was made from: each stage's feature names (cleaning.FEATURE_NAMES;
searchlib refuses a model whose names differ from the code's), the scikit-learn version, and a
sha256 of the training pages (gold.jsonl and the text scrapes read, by relative path).

Needs scikit-learn (a development tool only: inference is a few lines of pure Python).

    python3 scripts/train_text_model.py [--bench ../shared/bench/extraction] [--folds 5]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from searchlib.derive import cleaning  # noqa: E402

WORD = re.compile(r"\w+")


def shingles(text: str, n: int = 4) -> set[tuple[str, ...]]:
    toks = WORD.findall(text)
    if not toks:
        return set()
    if len(toks) < n:
        return {tuple(toks)}
    return {tuple(toks[i:i + n]) for i in range(len(toks) - n + 1)}


def page_f1(gold: str, pred: str, n: int = 4) -> float:
    """The benchmark's per-page F1 over shingle multisets (as in tools/extraction_eval.py)."""
    from collections import Counter

    def counts(t):
        toks = WORD.findall(t or "")
        if not toks:
            return Counter()
        if len(toks) < n:
            return Counter([tuple(toks)])
        return Counter(tuple(toks[i:i + n]) for i in range(len(toks) - n + 1))

    g, p = counts(gold), counts(pred)
    tp = sum((g & p).values())
    fp, fn = sum(p.values()) - tp, sum(g.values()) - tp
    if fp == 0 and fn == 0:
        return 1.0
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    return 2 * prec * rec / (prec + rec) if prec + rec else 0.0


def load_pages(bench: Path):
    gold = {}
    for line in (bench / "gold.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        gold[row["id"]] = row["body"]
    pages = []
    for pid in sorted(gold):
        path = bench / "text" / f"{pid}.txt"
        if path.exists():
            pages.append((pid, path.read_text(encoding="utf-8"), gold[pid]))
    return pages


def pages_digest(bench: Path, pages) -> str:
    """sha256 over the files load_pages read: each relative path, a NUL, its bytes, a NUL."""
    h = hashlib.sha256()
    for rel in ["gold.jsonl"] + [f"text/{pid}.txt" for pid, _text, _gold in pages]:
        h.update(rel.encode() + b"\0" + (bench / rel).read_bytes() + b"\0")
    return h.hexdigest()


def examples(text: str, gold: str):
    seg = cleaning.segment_text(text)
    feats = cleaning.block_features(seg)
    gold_sh = shingles(gold)
    gold_joined = " " + " ".join(WORD.findall(gold)) + " "
    labels = []
    for b in seg.blocks:
        sh = shingles(b.text)
        if len(WORD.findall(b.text)) < 4:
            label = (" " + " ".join(WORD.findall(b.text)) + " ") in gold_joined
        else:
            label = len(sh & gold_sh) / len(sh) >= 0.5
        labels.append(int(label))
    return feats, labels, seg


def export_trees(clf) -> dict:
    prior = clf.init_.class_prior_[1]
    trees = []
    for est in clf.estimators_[:, 0]:
        t = est.tree_
        trees.append([
            [int(f) for f in t.feature], [round(float(x), 6) for x in t.threshold],
            [int(c) for c in t.children_left], [int(c) for c in t.children_right],
            [round(float(v[0][0]), 6) for v in t.value],
        ])
    return {"init": math.log(prior / (1 - prior)), "rate": clf.learning_rate, "trees": trees}


HYPER = {"n_estimators": 120, "max_depth": 3, "learning_rate": 0.1, "subsample": 0.8, "min_samples_leaf": 20}


def fit(X, y, seed: int):
    from sklearn.ensemble import GradientBoostingClassifier

    clf = GradientBoostingClassifier(**HYPER, random_state=seed)
    clf.fit(X, y)
    return clf


def first_pass_probs(model: dict, feats):
    return [cleaning._tree_score(model, x) for x in feats]


def fit_two_stage(data: dict, pids: list[str], seed: int, inner_folds: int = 4) -> dict:
    """Stage 1 on block features; stage 2 on stage-1 probabilities of the block and its neighbours,
    learned from out-of-fold stage-1 predictions so that it sees the errors of unseen pages."""
    oof = {}
    parts = [pids[i::inner_folds] for i in range(inner_folds)]
    for held in parts:
        train = [p for p in pids if p not in held]
        m = export_trees(fit([x for p in train for x in data[p][0]], [v for p in train for v in data[p][1]], seed))
        for p in held:
            oof[p] = first_pass_probs(m, data[p][0])
    X2 = [x for p in pids for x in cleaning.context_features(data[p][2], data[p][0], oof[p])]
    y = [v for p in pids for v in data[p][1]]
    first = export_trees(fit([x for p in pids for x in data[p][0]], y, seed))
    second = export_trees(fit(X2, y, seed))
    return {"first": {"features": list(cleaning.FEATURE_NAMES["first"]), **first},
            "second": {"features": list(cleaning.FEATURE_NAMES["second"]), **second}}


def evaluate(pages, model: dict) -> float:
    """Mean per-page F1 of clean_text with ``model`` in place."""
    original = cleaning._text_model
    cleaning._text_model = lambda: model  # type: ignore[assignment]
    try:
        return sum(page_f1(gold, cleaning.clean_text(text).body) for _pid, text, gold in pages) / len(pages)
    finally:
        cleaning._text_model = original  # type: ignore[assignment]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bench", default=str(ROOT.parent / "shared" / "bench" / "extraction"))
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(ROOT / "searchlib" / "derive" / "data" / "text_model.json"))
    ap.add_argument("--trees", type=int, default=HYPER["n_estimators"])
    ap.add_argument("--depth", type=int, default=HYPER["max_depth"])
    ap.add_argument("--min-leaf", type=int, default=HYPER["min_samples_leaf"])
    args = ap.parse_args()
    HYPER.update(n_estimators=args.trees, max_depth=args.depth, min_samples_leaf=args.min_leaf)

    pages = load_pages(Path(args.bench))
    data = {pid: examples(text, gold) for pid, text, gold in pages}
    order = [p[0] for p in pages]
    random.Random(args.seed).shuffle(order)
    folds = [order[i::args.folds] for i in range(args.folds)]
    thresholds = [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6]
    cv = {t: [] for t in thresholds}
    for k, held in enumerate(folds):
        train = [pid for pid in order if pid not in held]
        model = fit_two_stage(data, train, args.seed)
        held_pages = [p for p in pages if p[0] in held]
        for t in thresholds:
            cv[t].append((evaluate(held_pages, {**model, "threshold": t}), len(held_pages)))
        print(f"fold {k + 1}/{args.folds}: {len(held)} held-out pages", file=sys.stderr)
    scores = {t: sum(s * n for s, n in v) / sum(n for _s, n in v) for t, v in cv.items()}
    best = max(scores, key=lambda t: (scores[t], -abs(t - 0.5)))
    for t in thresholds:
        print(f"threshold {t:.2f}: cross-validated mean_f1={scores[t]:.3f}" + ("  <- chosen" if t == best else ""))
    model = {"kind": "two-stage gradient-boosted trees over cleaning.block_features / context_features",
             **fit_two_stage(data, order, args.seed), "threshold": best}
    model["trained_on"] = f"{len(pages)} DEV text scrapes of the extraction benchmark"
    model["cv_mean_f1"] = round(scores[best], 4)
    import sklearn

    model["sklearn_version"] = sklearn.__version__
    model["training_pages"] = {"files": 1 + len(pages), "sha256": pages_digest(Path(args.bench), pages)}
    Path(args.out).write_text(json.dumps(model, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {args.out}: {len(model['first']['trees'])}+{len(model['second']['trees'])} trees; DEV (training) mean_f1={evaluate(pages, model):.3f}; "
          f"cross-validated mean_f1={scores[best]:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
