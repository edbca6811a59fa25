"""Tag stage: groups, countries, officials and dates, with the traps of real news text."""

from __future__ import annotations

import pytest

from searchlib.derive.cleaning import Article
from searchlib.derive.dating import date_line, find_dates
from searchlib.derive.tagging import expand_groups, tag


def tags(body, title="", published=None, author=None):
    return tag(Article(title, author, published, body))


# ----------------------------------------------------------------------------- groups

@pytest.mark.parametrize("text,group", [
    ("Fighters loyal to ISIL attacked the town.", "Islamic State"),
    ("The Daesh militants withdrew.", "Islamic State"),
    ("The Islamic State group claimed it.", "Islamic State"),
    ("IS fighters took the village.", "Islamic State"),
    ("ISKP claimed the bombing.", "ISIS-K"),
    ("The IS-K cell was dismantled.", "ISIS-K"),
    ("Islamic State Khorasan Province said so.", "ISIS-K"),
    ("Al Qaeda's leader was killed.", "al-Qaeda"),
    ("The al-Shabab militants attacked.", "al-Shabaab"),
    ("The Taliban's spokesman spoke.", "Taliban"),
    ("AQAP operates in Yemen.", "AQAP"),
    ("The Haqqani network was blamed.", "Haqqani network"),
    ("The Pakistani Taliban claimed the attack.", "TTP"),
])
def test_group_aliases_resolve_to_canonical_names(text, group):
    assert group in tags(text).groups


def test_isis_k_is_not_tagged_as_plain_islamic_state_mention():
    assert tags("ISIS-K claimed the attack on the airport.").groups == ("ISIS-K",)


def test_pakistani_taliban_is_ttp_not_the_taliban():
    assert tags("The Pakistani Taliban claimed the attack.").groups == ("TTP",)


def test_parents_are_added_for_search_not_for_the_facet():
    assert expand_groups(["ISIS-K"]) == ["ISIS-K", "Islamic State"]
    assert expand_groups(["al-Shabaab"]) == ["al-Shabaab", "al-Qaeda"]


@pytest.mark.parametrize("text", [
    "This is what he said. Is it true? It is.",
    "Pakistan's ISI intelligence agency denied the report.",
    "The temple of the goddess Isis stands by the Nile.",
    "Troops entered Lashkar Gah, the capital of Helmand province.",
    "They dream of an Islamic state ruled by clerics.",
    "Militants and jihadists attacked a police post.",
    "THE WAR IS OVER, THE HEADLINE SAID IN CAPITALS THAT DAY.",
])
def test_words_that_look_like_groups_are_not_groups(text):
    assert tags(text).groups == ()


# ----------------------------------------------------------------------------- countries

@pytest.mark.parametrize("text,country", [
    ("Afghan forces retreated.", "Afghanistan"),
    ("The attack in Kabul killed 13.", "Afghanistan"),
    ("Emirati officials said.", "United Arab Emirates"),
    ("The U.S. embassy closed.", "United States"),
    ("The Pentagon said on Monday.", "United States"),
    ("The Kremlin denied it.", "Russia"),
    ("Britain's foreign secretary spoke.", "United Kingdom"),
    ("KABUL, Aug 27 - Officials said.", "Afghanistan"),
])
def test_countries_by_name_demonym_capital_and_metonym(text, country):
    assert country in tags(text).countries


@pytest.mark.parametrize("text", [
    "Fighters crossed from Central Africa into the region.",
    "Tensions rose across West Africa and South Asia.",
    "The Washington Post reported the leak.",
    "They sailed across the Indian Ocean.",
])
def test_regions_and_names_that_contain_places_are_not_countries(text):
    assert tags(text).countries == ()


def test_us_pronoun_is_not_the_united_states():
    assert tags("He told us that the talks were over.").countries == ()


# ----------------------------------------------------------------------------- officials

def names(t):
    return [o.name for o in t.officials]


def test_title_before_the_name_with_country_adjective():
    t = tags("Japanese Foreign Minister Taro Kono and US Secretary of State Mike Pompeo met in Tokyo.")
    assert [(o.name, o.role, o.country) for o in t.officials] == [
        ("Taro Kono", "Foreign Minister", "Japan"),
        ("Mike Pompeo", "Secretary of State", "United States"),
    ]


def test_apposition_after_the_name():
    t = tags("In Washington, Nathan Sales, the State Department's coordinator for counterterrorism, briefed allies on financing.")
    assert names(t) == ["Nathan Sales"]
    assert t.officials[0].role == "Coordinator for Counterterrorism"


def test_title_then_comma_then_name():
    t = tags("A spokesman for the Pentagon's press office, John Kirby, declined to comment on the raid.")
    assert names(t) == ["John Kirby"]


def test_military_rank_and_counterpart():
    t = tags("Gen Joseph Votel visited troops. Theresa May later spoke with her Iraqi counterpart Haider al-Abadi.")
    assert names(t) == ["Joseph Votel", "Haider al-Abadi"]


def test_surname_only_mentions_resolve_to_the_full_name():
    t = tags("President Barack Obama spoke on Monday. Later, President Obama said the strikes would go on.")
    assert names(t) == ["Barack Obama"]


def test_role_in_parentheses():
    t = tags("'The (interior) minister (Asaduzzaman Khan) promised more patrols,' the mayor said.")
    assert names(t) == ["Asaduzzaman Khan"]
    assert t.officials[0].role == "Interior Minister"


def test_author_photographers_and_victims_are_not_officials():
    t = tags("Police said Ahmed Khan, a shopkeeper, was killed in the blast.", author="Jane Doe")
    assert t.officials == ()
    t = tags("By Jane Doe. President Jane Doe? No.", author="Jane Doe")
    assert "Jane Doe" not in names(t)


# ----------------------------------------------------------------------------- dates

def test_dates_in_common_formats():
    text = "on January 21, 2015; 21 January 2015; August 18,2014; since August 2021; April 25th, 2023; 2019-10-27"
    assert [d.iso for d in find_dates(text)] == ["2015-01-21", "2015-01-21", "2014-08-18", "2021-08", "2023-04-25", "2019-10-27"]


def test_day_and_month_without_year_take_the_publication_year():
    t = tags("The port was raided on March 24, forcing thousands to flee.", published="2021-04-07")
    assert "2021-03-24" in t.dates


def test_day_and_month_without_a_publication_date_stay_unresolved():
    assert tags("The port was raided on March 24 and again on Monday.").dates == ()


def test_weekdays_and_relative_dates_are_never_dates():
    assert tags("He spoke on Monday about last month's attack and next week's talks.").dates == ()


def test_may_the_verb_is_not_a_date():
    assert tags("Officials may 5 times over... They may consider it.", published="2020-01-01").dates == ("2020-01-01",)


def test_date_line_reads_only_lines_that_are_dates():
    assert date_line("Friday April 26, 2024") == "2024-04-26"
    assert date_line("Published: 10 March 2016 14:05 GMT") == "2016-03-10"
    assert date_line("The attack came on March 3, 2020 in the north") is None


@pytest.mark.parametrize("text", [
    "Michael Jordan scored 30 points in the final.",
    "Chad Smith said the talks had failed.",
    "The rally in Atlanta drew voters from across Georgia.",
    "She ordered a Turkey sandwich and left.",
])
def test_people_states_and_dishes_named_like_countries_are_not_countries(text):
    assert tags(text).countries == ()


@pytest.mark.parametrize("text,country", [
    ("Troops crossed into Jordan on Monday.", "Jordan"),
    ("Russia invaded Georgia in 2008.", "Georgia"),
    ("Turkey shelled Kurdish positions.", "Turkey"),
    ("Chad and Niger sent troops.", "Chad"),
])
def test_the_same_names_as_countries_still_count(text, country):
    assert country in tags(text).countries


@pytest.mark.parametrize("text,name", [
    ("Russian president Vladimir Putin ordered the army to seal off the city.", "Vladimir Putin"),
    ("White House press secretary Dana Perino described the attackers.", "Dana Perino"),
    ("An Afghan government spokesman, Zamari Bashari, suggested a motive.", "Zamari Bashari"),
    ("It was an attempt to kill Pakistan's President, Pervez Musharraf, in 2003.", "Pervez Musharraf"),
    ("The group's leader, Mukhtar Robow, spoke to reporters.", "Mukhtar Robow"),
    ('"This is the first attack," stated Abdul Kaiyum, national police chief, after the blasts.', "Abdul Kaiyum"),
    ("The statement came from a spokesman for U.S. President George W. Bush on Friday.", "George W. Bush"),
])
def test_more_ways_news_names_an_official(text, name):
    assert name in names(tags(text))


def test_a_title_case_headline_is_not_a_row_of_officials():
    t = tags("Maria Lopez, a deputy assistant secretary, spoke.", title="Senior Official Says Border Talks Will Resume")
    assert names(t) == ["Maria Lopez"]


def test_sentence_adverbs_are_not_names():
    assert "However" not in names(tags("However, spokesman for the Attorney's Office, Peter Carr, said there was no danger."))


def test_years_after_a_capitalised_preposition_and_in_pairs():
    assert [d.iso for d in find_dates("Since 2000, the group grew; during 2006 and 2007 it struck.")] == ["2000", "2006", "2007"]
