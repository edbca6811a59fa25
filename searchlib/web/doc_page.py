"""What the document page shows besides the text: each tag with the sentences it was found in."""

from __future__ import annotations


def evidence_rows(rec: dict) -> list[dict]:
    """Each tag of a document with the sentences it was found in."""
    found: dict[tuple[str, str], list[str]] = {}
    for e in rec.get("evidence") or []:
        sentences = found.setdefault((e.get("field"), e.get("value")), [])
        if e.get("sentence") and e["sentence"] not in sentences:
            sentences.append(e["sentence"])
    rows = []
    for field, param, values in (("group", "group", rec.get("groups") or []),
                                 ("country", "country", rec.get("countries") or []),
                                 ("source", "source", rec.get("source") or [])):
        for v in values:
            rows.append({"field": field, "param": param, "value": v, "note": "",
                         "sentences": found.get((field, v), [])})
    for o in rec.get("officials") or []:
        note = ", ".join(x for x in (o.get("role"), o.get("country")) if x)
        rows.append({"field": "official", "param": "official", "value": o.get("name") or "", "note": note,
                     "sentences": found.get(("official", o.get("name")), [])})
    for d in rec.get("dates") or []:
        rows.append({"field": "date", "param": None, "value": d, "sentences": found.get(("date", d), []),
                     "note": "published" if d == rec.get("published") else ""})
    return rows
