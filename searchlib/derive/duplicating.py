"""Near-duplicates: the same story syndicated by several outlets, or saved twice.

Each record gets a bottom-k sketch of its 5-word shingles (the k smallest CRC-32 values, a
MinHash variant computed at C speed); two records whose sketches estimate a Jaccard similarity
of at least ``THRESHOLD`` fall in one cluster. The canonical member of a cluster is its earliest
published record (then the smallest key), so clusters are the same whatever the input order.
"""

from __future__ import annotations

import re
import zlib
from collections import defaultdict

K = 32  # sketch size
SHINGLE = 5
THRESHOLD = 0.6  # estimated Jaccard of shingle sets; wire copies with a changed sentence are ~0.8
_WORD = re.compile(r"\w+")


def sketch(text: str) -> tuple[int, ...]:
    """Bottom-k sketch of the text's word shingles (empty for very short texts)."""
    words = _WORD.findall(text.lower())
    if len(words) < SHINGLE * 4:
        return ()
    hashes = {zlib.crc32(" ".join(words[i:i + SHINGLE]).encode("utf-8")) for i in range(len(words) - SHINGLE + 1)}
    return tuple(sorted(hashes)[:K])


def similarity(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """Bottom-k estimate of the Jaccard similarity of the two shingle sets."""
    if not a or not b:
        return 0.0
    union_k = sorted(set(a) | set(b))[:K]
    both = set(a) & set(b)
    return sum(1 for h in union_k if h in both) / len(union_k)


def clusters(sketches: dict[str, tuple[int, ...]], published: dict[str, str | None]) -> dict[str, str]:
    """key -> canonical key, for the records that have at least one near-duplicate."""
    postings: dict[int, list[str]] = defaultdict(list)
    for key, sk in sketches.items():
        for h in sk:
            postings[h].append(key)
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.get(x, x) != x:
            parent[x] = parent.get(parent[x], parent[x])
            x = parent[x]
        return x

    for key, sk in sketches.items():
        shared: dict[str, int] = defaultdict(int)
        for h in sk:
            bucket = postings[h]
            if len(bucket) > 200:  # a shingle on hundreds of pages is boilerplate, not a story
                continue
            for other in bucket:
                if other > key:
                    shared[other] += 1
        for other, n in shared.items():
            if n >= K * THRESHOLD / 2 and similarity(sk, sketches[other]) >= THRESHOLD:
                a, b = find(key), find(other)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    members: dict[str, list[str]] = defaultdict(list)
    for key in sketches:
        members[find(key)].append(key)
    out: dict[str, str] = {}
    for group in members.values():
        if len(group) < 2:
            continue
        canonical = min(group, key=lambda k: (published.get(k) or "9999", k))
        for k in group:
            out[k] = canonical
    return out
