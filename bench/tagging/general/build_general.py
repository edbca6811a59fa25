"""Build the general-news false-tag set: every page and manifest.jsonl, from the texts below.

    python3 bench/tagging/general/build_general.py

Short general-news pages (sport, business, gossip, local and US-state news, all-caps headlines)
written for this set; the people are made up, no real person is quoted. Almost every page names
no militant group and no country: what the tagger finds there is a false tag (issue #18). A few
pages are positive controls (Georgia the country, Jordan with refugees, Islamic State fighters).
Standard library only, deterministic.
"""

from __future__ import annotations

import json
import os

US = ["United States"]  # a US local page: tagging the United States is not an error
# A row: id, title, published, countries (gold), countries_optional, groups, officials_optional
# as (name, role), body.
PAGES = [
    ("gn-01", "Hockey: Newark side wins in overtime", "2021-03-14", US, [], [], [],
     "The home team beat Boston 3-2 in overtime in New Jersey on Sunday night.\n"
     "Goalkeeper Tomas Lindqvist made 41 saves. The team plays in Jersey City on Wednesday."),
    ("gn-02", "SO WHAT IS THE POINT OF A NEW STADIUM?", "2022-06-02", US, [], [], [],
     "SO WHAT IS THE POINT of spending 400 million dollars on a stadium that sits empty most of the year?\n"
     "The council votes on the plan next month. Residents can comment at the public library until Friday."),
    ("gn-03", "General Electric shares rise after results", "2020-10-28", US, [], [], [],
     "Shares of General Electric rose 4% on Wednesday after the company reported higher orders for jet engines.\n"
     "Analysts said the power unit remained weak. A company spokeswoman declined to comment on job cuts."),
    ("gn-04", "Schools close for Martin Luther King Jr. Day", "2023-01-14", US, [], [], [],
     "Public schools in Atlanta will be closed on Monday for Martin Luther King Jr. Day.\n"
     "The city holds a march from the King Center at 10 a.m. Dr. Martin Luther King Jr. was born in the city in 1929."),
    ("gn-05", "Drought hits peanut farmers in rural south Georgia", "2019-08-20", US, [], [], [],
     "Farmers in rural south Georgia say the dry summer has cut their peanut crop by a third.\n"
     "\"We have not had a good rain since June,\" said farmer Ruth Calloway, who grows 600 acres near Tifton."),
    ("gn-06", "Storm brings heavy snow to New England", "2021-02-08", US, [], [], [],
     "A winter storm dropped more than a foot of snow across New England overnight.\n"
     "Roads in New Hampshire and Vermont were closed, and thousands of homes lost power."),
    ("gn-07", "Bushfires force evacuations in New South Wales", "2020-01-04", ["Australia"], [], [], [],
     "Thousands of people left their homes as bushfires burned across New South Wales on Saturday.\n"
     "Firefighters from Victoria and South Australia were sent to help."),
    ("gn-08", "Pop singer Chad Ellison announces engagement", "2022-09-12", [], [], [], [],
     "Pop singer Chad Ellison announced his engagement to dancer Mia Torres on social media.\n"
     "Chad, who is 29, said the wedding would take place next summer. The couple met on a tour in 2019."),
    ("gn-09", "Jordan scores 30 as Hawks win fifth straight", "2023-02-19", US, [], [], [],
     "Marcus Jordan scored 30 points and the Hawks beat the Bulls 112-104 for their fifth win in a row.\n"
     "Jordan made six three-pointers. Coach Dana Price said the team defended well in the fourth quarter."),
    ("gn-10", "Man arrested after chase in Jersey City", "2021-07-30", US, [], [], [],
     "Police in Jersey City arrested a man after a car chase that ended on the Jersey Shore highway.\n"
     "No one was hurt. The man faces charges of reckless driving."),
    ("gn-11", "Retailer names new head for Asia Pacific", "2022-04-05", [], [], [], [],
     "The furniture retailer named Lin Wei as President, Asia Pacific, in charge of 120 stores.\n"
     "She was previously head of operations for the company in Latin America."),
    ("gn-12", "Phone maker's sales fall in Latin America", "2020-05-11", [], [], [], [],
     "Sales of the company's phones across Latin America fell by a tenth in the first quarter.\n"
     "Sales in North America and Central America were flat, the company said."),
    ("gn-13", "Siren test: THIS IS NOT A DRILL sign confuses residents", "2019-04-03", US, [], [], [],
     "A sign reading THIS IS NOT A DRILL was shown by mistake during a routine siren test on Tuesday.\n"
     "The county apologised and said the message IS BEING REVIEWED by its staff."),
    ("gn-14", "Mayor DeSouza presents city budget", "2022-11-01", US, [], [], [("Carla DeSouza", "Mayor")],
     "Mayor Carla DeSouza presented a 2.1 billion dollar budget to the city council on Tuesday.\n"
     "Council member Pieter van der Berg said the plan spends too little on parks."),
    ("gn-15", "Georgia lawmakers pass school funding bill", "2023-03-29", US, [], [], [],
     "The Georgia House passed a bill on Wednesday that raises school funding by 300 million dollars.\n"
     "The bill now goes to the state Senate in Atlanta. Teachers' groups welcomed the vote."),
    ("gn-16", "Georgia Tech beats University of Georgia", "2021-11-27", US, [], [], [],
     "Georgia Tech beat the University of Georgia 24-21 on a late field goal on Saturday.\n"
     "It was the first win for Georgia Tech in the series in five years."),
    ("gn-17", "Apple harvest up in Washington state", "2020-09-15", US, [], [], [],
     "Growers in Washington state expect a bigger apple harvest this year after a mild spring.\n"
     "Prices may fall, the state growers' association said."),
    ("gn-18", "Georgia and Russia hold talks on border crossings", "2019-12-10", ["Georgia", "Russia"], [], [], [],
     "Diplomats from Georgia and Russia met in Tbilisi to discuss trade at the only open border crossing.\n"
     "Relations have been strained since the 2008 war over South Ossetia."),
    ("gn-19", "Aid groups warn of funding gap for refugees in Jordan", "2021-06-20", ["Jordan", "Syria"], [], [], [],
     "Aid groups said they face a funding gap for Syrian refugees living in Jordan.\n"
     "About 650,000 refugees are registered in the country, most of them outside camps."),
    ("gn-20", "Boat traders on the Niger River wait for rain", "2022-05-17", ["Mali"], [], [], [],
     "Boat traders in Mopti, Mali, say the Niger River is too low to carry goods to Timbuktu.\n"
     "Some have moved their cargo to trucks."),
    ("gn-21", "Fishermen on Lake Chad report small catches", "2019-10-08", ["Nigeria"], ["Chad", "Niger", "Cameroon"], [], [],
     "Fishermen on the Nigerian shore of Lake Chad say their catches are smaller every year as the lake shrinks.\n"
     "Many have turned to farming."),
    ("gn-22", "English-language schools in Tokyo see more students", "2023-08-01", ["Japan"], [], [], [],
     "English-language schools in Tokyo report more students this year, as travel picks up again.\n"
     "Most students are adults who want to use the English language at work."),
    ("gn-23", "WHY IS EVERYONE TALKING ABOUT THE NEW COACH?", "2022-08-25", US, [], [], [],
     "WHY IS EVERYONE TALKING ABOUT THE NEW COACH? Because the team has won four of its first five games.\n"
     "Coach Ben Okafor says the players deserve the credit."),
    ("gn-24", "Paris, Texas, opens new library", "2021-04-22", US, [], [], [],
     "The town of Paris, Texas, opened a new public library on Thursday.\n"
     "The building has a children's wing and a room for local history."),
    ("gn-25", "IS fighters attack checkpoint in Iraq", "2020-07-12", ["Iraq"], [], ["Islamic State"], [],
     "IS fighters attacked an army checkpoint north of Baghdad, killing two soldiers, Iraqi officials said.\n"
     "The Islamic State group still has cells in the desert."),
    ("gn-26", "New Jersey governor signs transit bill", "2022-07-01", US, [], [], [],
     "The governor of New Jersey signed a bill in Trenton on Friday that adds 50 buses to the state fleet.\n"
     "Commuters in Newark and Jersey City will see the first buses in the autumn."),
    ("gn-27", "Olive harvest begins in the West Bank", "2021-10-14", ["Palestine"], ["Israel"], [], [],
     "Farmers in the West Bank began the olive harvest this week.\n"
     "Growers said the crop was smaller than last year after a hot summer."),
    ("gn-28", "Inspector general faults storm rebuilding office", "2023-05-09", US, [], [], [("Maria Lopez", "Inspector General")],
     "The city's Inspector General for Storm Reconstruction, Maria Lopez, said the office paid 3 million dollars for work not done.\n"
     "The report asks the council to audit every contract."),
    ("gn-29", "Local bakery wins national prize", "2019-02-27", US, [], [], [],
     "A family bakery in Ohio won a national prize for its rye bread.\n"
     "Owner Greta Van Houten said the recipe came from her grandmother."),
    ("gn-30", "MARKETS: STOCKS IS THE WORD AS INDEX HITS RECORD", "2021-12-08", US, [], [], [],
     "STOCKS IS THE WORD ON WALL STREET.\n"
     "The main index closed at a record on Wednesday, led by technology shares."),
]

MONTHS = "January February March April May June July August September October November December".split()


def page(title: str, iso: str, body: str) -> str:
    y, m, d = iso.split("-")
    return f"Daily Courier\nHome\nLocal\nSport\nBusiness\n{title}\n{MONTHS[int(m) - 1]} {int(d)}, {y}\nBy Staff Reporter\n{body}\n"


def main() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    rows = []
    for pid, title, iso, countries, countries_opt, groups, officials_opt, body in PAGES:
        with open(os.path.join(here, f"{pid}.txt"), "w", encoding="utf-8") as fh:
            fh.write(page(title, iso, body))
        if countries is US:
            countries, countries_opt = [], countries_opt + US
        rows.append({"id": pid, "file": f"{pid}.txt", "format": "text", "title": title, "published": iso,
                     "published_also_ok": [], "published_evidence": "date line under the title",
                     "groups": groups, "groups_optional": [], "countries": countries,
                     "countries_optional": countries_opt, "officials": [], "officials_optional": [
                         {"name": n, "role": r, "country": "United States"} for n, r in officials_opt],
                     "mentioned_dates": [], "mentioned_dates_optional": [], "source": "written for searchlib"})
    with open(os.path.join(here, "manifest.jsonl"), "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
