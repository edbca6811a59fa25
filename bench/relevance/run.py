"""Relevance on TIME or Cranfield (see README.md): MAP, P@10, nDCG@10 and how often the OR
fallback answered. Takes the user's downloaded files; nothing here downloads."""

from __future__ import annotations

import json
import math
import os
import re
import sys
import tempfile


def _records(path: str, marker: str = r"^\.I\s+(\d+)"):
    """Cranfield-style files: ``.I n`` starts a record, ``.X`` lines name its fields."""
    records, key, field, text = {}, None, None, []
    with open(path, encoding="latin-1") as fh:
        for line in fh:
            m = re.match(marker, line)
            if m:
                if key is not None:
                    records[key][field] = " ".join(text)
                key, field, text = m.group(1), None, []
                records[key] = {}
            elif re.match(r"^\.[A-Z]\s*$", line):
                if key is not None and field is not None:
                    records[key][field] = " ".join(text)
                field, text = line.strip()[1], []
            else:
                text.append(line.strip())
    if key is not None and field is not None:
        records[key][field] = " ".join(text)
    return records


def cranfield(folder: str):
    docs = {k: (r.get("T", ""), r.get("W", "")) for k, r in _records(os.path.join(folder, "cran.all.1400")).items()}
    queries = {str(i): r.get("W", "") for i, r in enumerate(_records(os.path.join(folder, "cran.qry")).values(), 1)}
    qrels: dict[str, set[str]] = {}
    with open(os.path.join(folder, "cranqrel")) as fh:
        for line in fh:
            q, d, grade = line.split()[:3]
            if int(grade) > 0:  # -1 means "no relevance judged useful"
                qrels.setdefault(q, set()).add(d)
    return docs, queries, qrels


def time_collection(folder: str):
    def split(path):
        out, key, text = {}, None, []
        with open(path, encoding="latin-1") as fh:
            for line in fh:
                m = re.match(r"^\*(?:TEXT|FIND)\s+(\d+)", line)
                if m or line.startswith("*STOP"):
                    if key:
                        out[key] = " ".join(text)
                    key, text = (m.group(1).lstrip("0") if m else None), []
                elif key:
                    text.append(line.strip())
        return out
    docs = {k: ("", v) for k, v in split(os.path.join(folder, "TIME.ALL")).items()}
    queries = split(os.path.join(folder, "TIME.QUE"))
    qrels = {}
    with open(os.path.join(folder, "TIME.REL")) as fh:
        for line in fh:
            parts = line.split()
            if parts:
                qrels[parts[0]] = set(parts[1:])
    return docs, queries, qrels


def measure(docs, queries, qrels) -> dict:
    from searchlib import build_index
    from searchlib.query.searching import SearchRequest, Searcher

    with tempfile.TemporaryDirectory() as tmp:
        corpus = os.path.join(tmp, "corpus")
        os.mkdir(corpus)
        for key, (title, body) in docs.items():
            with open(os.path.join(corpus, f"{key}.txt"), "w", encoding="utf-8") as fh:
                fh.write(f"{title or 'Document ' + key}\n\n{body}\n")
        build_index([corpus], os.path.join(tmp, "ix"), jobs=1)
        ap, p10, ndcg, fallbacks = [], [], [], 0
        with Searcher(os.path.join(tmp, "ix")) as s:
            for q, text in queries.items():
                relevant = qrels.get(q)
                if not relevant:
                    continue
                words = re.sub(r"[^\w\s]", " ", text).lower()  # no query syntax
                result = s.search(SearchRequest(words, limit=100, all=True))
                fallbacks += result.mode == "or-fallback"
                ranked = [h.key.rsplit(".", 1)[0] for h in result.hits]
                hits, precisions = 0, []
                for i, key in enumerate(ranked, 1):
                    if key in relevant:
                        hits += 1
                        precisions.append(hits / i)
                ap.append(sum(precisions) / len(relevant))
                p10.append(sum(k in relevant for k in ranked[:10]) / 10)
                dcg = sum(1 / math.log2(i + 1) for i, k in enumerate(ranked[:10], 1) if k in relevant)
                ideal = sum(1 / math.log2(i + 1) for i in range(1, min(10, len(relevant)) + 1))
                ndcg.append(dcg / ideal)
    n = len(ap) or 1
    return {"queries": len(ap), "map": sum(ap) / n, "p@10": sum(p10) / n, "ndcg@10": sum(ndcg) / n,
            "or_fallback": fallbacks}


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("cranfield", "time"):
        print("usage: run.py cranfield|time FOLDER", file=sys.stderr)
        return 2
    load = cranfield if argv[0] == "cranfield" else time_collection
    print(json.dumps(measure(*load(argv[1])), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
