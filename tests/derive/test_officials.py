"""Officials: one entry per person on a page, and whose each role is (organisation or country)."""

from __future__ import annotations

import pytest

from searchlib import records
from searchlib.derive.cleaning import Article
from searchlib.derive.tagging import Official, _merge_officials, organisation_of, tag


def officials(text: str) -> list[tuple]:
    t = tag(Article("", None, None, text, None))
    return [(o.name, o.role, o.country, o.organisation) for o in t.officials]


# ----------------------------------------------------------------------------- one person, one entry

def test_president_obama_and_obama_join_barack_obama_on_the_page():
    found = officials("President Barack Obama flew to Kabul on Sunday. President Obama told the troops "
                      "that Obama's plan would hold.")
    assert [f[0] for f in found] == ["Barack Obama"]
    assert found[0][1] == "President"


def test_a_surname_before_the_full_name_still_joins_it():
    found = officials("President Obama spoke first. Later, Barack Obama, the US president, took questions.")
    assert [f[0] for f in found] == ["Barack Obama"]


def test_a_surname_shared_by_two_full_names_joins_the_one_named_last_before_it():
    merged = _merge_officials([(Official("George W. Bush", None, None), 0), (Official("Jeb Bush", None, None), 40),
                               (Official("Bush", "Governor", "United States"), 90)])
    assert [o for o, _pos in merged] == [Official("George W. Bush", None, None),
                                         Official("Jeb Bush", "Governor", "United States")]


def test_a_surname_before_both_full_names_joins_the_first_named_after_it():
    merged = _merge_officials([(Official("Bush", "President", None), 0), (Official("George W. Bush", None, None), 40),
                               (Official("Jeb Bush", None, None), 90)])
    assert [o for o, _pos in merged] == [Official("George W. Bush", "President", None),
                                         Official("Jeb Bush", None, None)]


def test_two_full_names_with_one_surname_stay_two_people_on_the_page():
    found = officials("Florida Governor Jeb Bush greeted President George W. Bush at the airport. "
                      "President Bush then spoke about the storm.")
    assert [f[0] for f in found] == ["Jeb Bush", "George W. Bush"]


def test_a_shorter_mention_with_its_role_gives_the_full_name_its_role():
    found = officials("Zabihullah Mujahid did not answer calls. Later, Taliban spokesman Zabihullah Mujahid said "
                      "the fighters had left.")
    assert found == [("Zabihullah Mujahid", "Spokesman", None, "Taliban")]


# ----------------------------------------------------------------------------- whose the role is

@pytest.mark.parametrize("text,expected", [
    ("Taliban spokesman Zabihullah Mujahid said the fighters had left the city.",
     ("Zabihullah Mujahid", "Spokesman", None, "Taliban")),
    ("Zabihullah Mujahid, a Taliban spokesman, said the fighters had left the city.",
     ("Zabihullah Mujahid", "Spokesman", None, "Taliban")),
    ("A spokesman for the Taliban, Zabihullah Mujahid, said the fighters had left.",
     ("Zabihullah Mujahid", "Spokesman", None, "Taliban")),
    ("The Taliban's chief spokesman Zabihullah Mujahid said the fighters had left.",
     ("Zabihullah Mujahid", "Spokesman", None, "Taliban")),
    ("A spokesperson for the Taliban's Political Office, Suhail Shaheen, said the talks went on.",
     ("Suhail Shaheen", "Spokesperson", None, "Taliban")),
    ("Interior Ministry spokesman Tariq Arian said twelve people were hurt.",
     ("Tariq Arian", "Spokesman", None, "Interior Ministry")),
    ("NATO Secretary-General Jens Stoltenberg said the allies would stay.",
     ("Jens Stoltenberg", "Secretary-General", None, "NATO")),
    ("The U.N. envoy Staffan de Mistura said both sides had agreed.",
     ("Staffan de Mistura", "Envoy", None, "UN")),
])
def test_a_title_names_the_group_or_body_it_speaks_for(text, expected):
    assert officials(text) == [expected]


def test_pentagon_press_secretary_is_the_pentagon_s():
    (name, role, _country, organisation), = officials("Pentagon press secretary John Kirby told reporters the raid "
                                                      "was over.")
    assert (name, role, organisation) == ("John Kirby", "Press Secretary", "Pentagon")


def test_state_department_spokesman_in_apposition():
    (name, role, _country, organisation), = officials("Ned Price, a State Department spokesman, said the talks "
                                                      "would resume.")
    assert (name, role, organisation) == ("Ned Price", "Spokesman", "State Department")


@pytest.mark.parametrize("text", [
    "U.S. Secretary of State Antony Blinken arrived in Doha on Tuesday.",
    "US Secretary of State Antony Blinken arrived in Doha on Tuesday.",
])
def test_a_country_before_a_title_is_the_country_not_an_organisation(text):
    assert officials(text) == [("Antony Blinken", "Secretary of State", "United States", None)]


def test_lower_case_title_after_us_with_dots_is_still_a_title():
    assert officials("U.S. president Joe Biden arrived in Doha.") == [("Joe Biden", "President", "United States", None)]


def test_a_title_without_an_organisation_keeps_none():
    assert officials("An Afghan government spokesman, Zamari Bashari, suggested a motive.") == [
        ("Zamari Bashari", "Spokesman", "Afghanistan", None)]


def test_a_person_before_a_title_is_not_an_organisation():
    assert organisation_of("Barack Obama's") is None
    assert organisation_of("the") is None
    assert organisation_of("United States") is None  # a country is a country
    assert organisation_of("Pentagon's") == "Pentagon"
    assert organisation_of("ISKP") == "ISIS-K"


# ----------------------------------------------------------------------------- the record

def test_organisation_is_in_the_official_json():
    assert Official("Zabihullah Mujahid", "Spokesman", None, "Taliban").as_dict() == {
        "name": "Zabihullah Mujahid", "role": "Spokesman", "country": None, "organisation": "Taliban"}


def test_a_record_made_before_organisation_existed_still_reads():
    row = {"key": "a.txt", "text": "Body.", "officials": [{"name": "Ahmad Zia", "role": "Governor", "country": None}]}
    record = records.decode(row, "old.jsonl:1")
    assert record.officials == (Official("Ahmad Zia", "Governor", None, None),)
    shown = records.catalogue({"key": "a.txt", "record": '{"officials": [{"name": "Ahmad Zia", "role": null, '
                                                         '"country": null}]}'})
    assert shown["officials"] == [{"name": "Ahmad Zia", "role": None, "country": None, "organisation": None}]


def test_a_record_keeps_its_officials_organisation_through_export_and_import():
    row = {"key": "a.txt", "text": "Body.", "officials": [
        {"name": "Zabihullah Mujahid", "role": "Spokesman", "country": None, "organisation": "Taliban"}]}
    assert records.decode(row, "x.jsonl:1").officials[0].organisation == "Taliban"


def test_an_organisation_that_is_not_a_string_is_refused():
    row = {"key": "a.txt", "text": "Body.", "officials": [{"name": "Ahmad Zia", "organisation": 3}]}
    with pytest.raises(Exception, match="officials"):
        records.decode(row, "bad.jsonl:1")
