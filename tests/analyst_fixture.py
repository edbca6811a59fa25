"""A hand-made archive for the analyst views (tests/query/test_analysis.py, tests/web/test_analysis_page.py),
imported from JSON Lines (``index --from-jsonl``) so that every date and tag is exactly as written here.

| key | published | groups | countries | officials |
| --- | --- | --- | --- | --- |
| airport-a | 2021-08-26 | ISIS-K | Afghanistan, United States | Joe Biden |
| airport-b | 2021-08-27 | ISIS-K | Afghanistan, Pakistan | (a near-duplicate of airport-a: one story) |
| talks-month | 2021-08 (month only) | Taliban | Afghanistan | |
| border | 2021-09-02 | Taliban, ISIS-K | Afghanistan, Pakistan | |
| raqqa | 2015-06-10 | Islamic State | Syria, Iraq | |
| nairobi | 2019-03-01 | al-Shabaab | Kenya, Somalia | |
| undated | (none) | Taliban | Afghanistan | |
| speech | 2021-08-26 | | United States | Joe Biden |

So, counted per story: ISIS-K 2 stories (airport, border), Islamic State with its affiliate 3,
Taliban 3; Afghanistan 4; ISIS-K with Pakistan 2 (airport-b and border), Taliban with Afghanistan 3.
The texts are written for these tests.
"""

from __future__ import annotations

import json
from pathlib import Path

AIRPORT = ("A suicide bomber struck the crowd waiting outside the airport gates on Thursday evening, "
           "killing scores of civilians and thirteen soldiers who were helping with the evacuation. "
           "The regional affiliate of the militant movement claimed the attack within hours, and "
           "officials said a second blast hit a hotel near the perimeter road shortly afterwards. "
           "Flights resumed the next morning under heavier guard while families searched hospitals "
           "for the missing and the embassy urged its citizens to stay away from the gates.")


def article(key: str, published: str | None, groups: list[str], countries: list[str], text: str,
            officials: list[dict] | None = None) -> dict:
    return {"key": key, "path": key, "title": key.replace("-", " ").title(), "author": None,
            "published": published, "text": text, "groups": groups, "countries": countries,
            "officials": officials or [], "dates": [], "site": None, "kind": "text"}


BIDEN = [{"name": "Joe Biden", "role": "President", "country": "United States"}]

ARTICLES = [
    article("airport-a", "2021-08-26", ["ISIS-K"], ["Afghanistan", "United States"], AIRPORT, BIDEN),
    article("airport-b", "2021-08-27", ["ISIS-K"], ["Afghanistan", "Pakistan"],
            AIRPORT.replace("Thursday evening", "Thursday night")),
    article("talks-month", "2021-08", ["Taliban"], ["Afghanistan"],
            "Negotiators met in the capital for a round of talks about a transitional council and the "
            "release of prisoners, and both delegations described the attack on the convoy as a setback."),
    article("border", "2021-09-02", ["Taliban", "ISIS-K"], ["Afghanistan", "Pakistan"],
            "Fighting near the border crossing closed the main trade route for a week; traders waited in "
            "long queues of lorries while commanders of both movements traded blame for the attack."),
    article("raqqa", "2015-06-10", ["Islamic State"], ["Syria", "Iraq"],
            "Coalition aircraft struck positions around the city as the group withdrew fighters towards "
            "the river, and aid agencies warned that the attack had cut water supplies to the old town."),
    article("nairobi", "2019-03-01", ["al-Shabaab"], ["Kenya", "Somalia"],
            "Gunmen stormed an office and hotel complex in the city, and security forces ended the siege "
            "after a night of fighting; the attack was claimed by the group from across the border."),
    article("undated", None, ["Taliban"], ["Afghanistan"],
            "A roadside bomb hit a police patrol in the province, the governor's spokesman said, adding "
            "that the attack bore the marks of the insurgents who control the surrounding valleys."),
    article("speech", "2021-08-26", [], ["United States"],
            "In an address from the White House the president defended the withdrawal, promised to hunt "
            "down those behind the attack and said the evacuation would go on until the deadline.", BIDEN),
]


def build(folder: Path) -> str:
    """The archive in ``folder``/index; returns its path."""
    from searchlib.store.indexing import import_records

    folder.mkdir(parents=True, exist_ok=True)
    lines = folder / "archive.jsonl"
    lines.write_text("".join(json.dumps(a) + "\n" for a in ARTICLES), encoding="utf-8")
    index_dir = str(folder / "index")
    report = import_records(str(lines), index_dir)
    assert report.added == len(ARTICLES)
    return index_dir
