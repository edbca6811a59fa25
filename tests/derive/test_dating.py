"""Publication date: each trap of real pages pinned with a small hand-written page.

HTML dates come from htmldate (conservative first, extensive as a last resort), text scrapes use
the project's own date lines. A page that states no date keeps None.
"""

from __future__ import annotations

from searchlib.derive import dating
from searchlib.derive.cleaning import clean_html, clean_text

PARA = ("Security forces in the northern province said on Tuesday that they had arrested four suspects "
        "in connection with the bombing of a market, according to a statement from the interior ministry.")
PARA2 = ("Officials said the suspects had travelled from a neighbouring district and had been under "
         "surveillance for several weeks before the attack, which killed at least nine people.")


def html_page(head: str = "", top: str = "", extra: str = "") -> str:
    return (f"<html><head><title>Suspects held</title>{head}</head><body>"
            f"<header><nav><a href='/'>Home</a><a href='/world'>World</a></nav></header>"
            f"<article><h1>Suspects held</h1>{top}<p>{PARA} {PARA2}</p><p>{PARA2}</p>{extra}<p>{PARA}</p>"
            f"</article></body></html>")


def test_visible_date_elements_are_read():
    for top, day in (('<div class="date">1:23 p.m. December 31, 2007</div>', "2007-12-31"),
                     ('<span class="timestamp">March 4, 2015</span>', "2015-03-04"),
                     ('<div class="timestamp updated" title="2016-06-13T1603Z">Jun 13, 4:03 PM EDT</div>', "2016-06-13")):
        assert clean_html(html_page(top=top)).published == day, top


def test_meta_names_beyond_our_own_list():
    head = '<meta name="article_date_original" content="Tuesday, March 3, 2015 1:09 PM">'
    assert clean_html(html_page(head=head)).published == "2015-03-03"


def test_published_beats_modified():
    head = ('<meta property="article:published_time" content="2018-02-28T20:00:18+01:00">'
            '<meta property="article:modified_time" content="2020-01-05T11:53:45+01:00">')
    assert clean_html(html_page(head=head)).published == "2018-02-28"


def test_url_date_of_the_canonical_link():
    head = '<link rel="canonical" href="https://news.example.org/2019/10/16/suspects-held/">'
    assert clean_html(html_page(head=head)).published == "2019-10-16"


def test_utc_timestamp_takes_the_local_date_the_page_states_for_the_same_instant():
    ld = '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2016-06-12T21:03:00-04:00"}</script>'
    head = '<meta property="article:published_time" content="2016-06-13T01:03:00+00:00">' + ld
    assert clean_html(html_page(head=head)).published == "2016-06-12"
    # an offset is the page's own: its date is the local date in that offset, not UTC
    head = '<meta property="article:published_time" content="2019-01-16T01:00:00+03:00">'
    assert clean_html(html_page(head=head)).published == "2019-01-16"


def test_local_day_keeps_a_lone_utc_timestamp():
    assert dating.local_day("2016-06-13", ["2016-06-13T01:03:00Z"], ["2016-06-13T01:03:00Z"]) == "2016-06-13"
    assert dating.local_day("2016-06-13", ["2016-06-13T01:03:00Z"],
                            ["2016-06-13T01:03:00Z", "2016-06-12T21:03:00-04:00"]) == "2016-06-12"


def test_html_page_without_a_date_stays_none():
    assert clean_html(html_page()).published is None
    # a month or a year in the text is not a publication day (extensive search must not make one up)
    extra = "<p>The report for March 2019 looks at the markets in 2019 and in the years ahead of them.</p>"
    assert clean_html(html_page(extra=extra)).published is None


def test_date_line_with_time_first_or_zone_after_a_comma():
    assert dating.date_line("1:23 p.m. December 31, 2007") == "2007-12-31"
    assert dating.date_line("24 Jul 2012 8:18am, EDT") == "2012-07-24"
    assert dating.date_line("10:30 Police said on March 3, 2016 that") is None


def test_text_date_split_over_lines_above_the_headline():
    text = "Home\nWorld\n24\nJul\n2012\n8:18am, EDT\nSuspects held after market bombing\nBy Jane Doe\n\n" \
           + PARA + "\n\n" + PARA2
    art = clean_text(text)
    assert art.published == "2012-07-24"
    assert art.title == "Suspects held after market bombing"
    assert "2012" not in art.body and "Jul" not in art.body


def test_text_header_date_with_weekday_above_the_headline_is_not_taken():
    text = "Home\nThursday\n29 February 2024\nSuspects held after market bombing\nBy Jane Doe\n\n" + PARA + "\n\n" + PARA2
    assert clean_text(text).published is None


def test_text_page_without_a_date_stays_none():
    text = "Suspects held after market bombing\n\nPolice said on Monday that " + PARA + "\n\n" + PARA2
    assert clean_text(text).published is None


def test_header_date_reads_metadata_lines():
    for line, day in (("Jo Writer - Nov 19, 2019, 10:31 pm CST", "2019-11-19"),
                      ("Associated Press November 19, 2019, 9:02 AM", "2019-11-19"),
                      ("PUBLISHED: 10:48, Tue, Nov 19, 2019 | UPDATED: 11:05, Wed, Nov 20, 2019", "2019-11-19"),
                      ("Updated Nov 19, 2019; Posted Nov 18, 2019", "2019-11-18"),
                      ("Published Wed, Nov 20 20194:29 AM EST", "2019-11-20"),
                      ("NOVEMBER 20, 2019 10:43", "2019-11-20"),
                      ("Von Jo Writer publiziert am 25. September 2018", "2018-09-25"),
                      ("13.11.2019, 23:06", "2019-11-13"),
                      ("21/06/2014 Jo Writer", "2014-06-21"),
                      ("5:45 AM PST 11/19/2019 by Jo Writer", "2019-11-19"),
                      ("By Jo Writer - Contributor 2019-11-19T12:48:14Z Space", "2019-11-19")):
        assert dating.header_date(line) == day, line
    # day and month cannot be told apart: no guess
    assert dating.header_date("05/06/2019 by Jo Writer") is None
    assert dating.header_date("Updated Nov 19, 6:55 AM") is None  # no year stated


def test_text_header_metadata_line_gives_the_date():
    for line in ("Jo Writer - Nov 19, 2019, 10:31 pm CST", "PUBLISHED: 10:48, Tue, Nov 19, 2019 | UPDATED: 11:05",
                 "19.11.2019, 10:31"):
        art = clean_text(page_text("Suspects held after market bombing", line, PARA, PARA2))
        assert art.published == "2019-11-19", line


def test_text_caption_with_a_date_is_not_the_publication_date():
    caption = "Police officers stand guard at the market in the northern city on Aug. 31, 2019 after the blast"
    art = clean_text(page_text("Suspects held after market bombing", caption, PARA, PARA2))
    assert art.published is None


def test_text_bare_date_above_the_headline_may_be_the_site_header():
    art = clean_text("Home\n29 February 2024\nSuspects held after market bombing\n\n" + PARA + "\n\n" + PARA2)
    assert art.published is None


def page_text(*lines: str) -> str:
    return "\n\n".join(lines)


def test_header_date_one_day_off_a_utc_timestamp_is_the_local_date():
    head = '<meta property="article:published_time" content="2023-11-09T02:11:03+00:00">'
    html = html_page(head=head, top="<p>November 8, 2023, 9:11 PM</p>")
    assert clean_html(html).published == "2023-11-08"


def test_markup_and_header_far_apart_give_no_date_unless_a_third_source_agrees():
    head = '<meta property="article:published_time" content="2021-11-29T14:13:37+01:00">'
    top = "<p>12.01.2022</p>"
    assert clean_html(html_page(head=head, top=top)).published is None
    canonical = '<link rel="canonical" href="https://news.example.org/2021/11/29/suspects-held/">'
    assert clean_html(html_page(head=head + canonical, top=top)).published == "2021-11-29"


def test_an_updated_line_under_the_headline_does_not_replace_the_published_date():
    head = '<meta property="article:published_time" content="2016-08-29T21:54:39+02:00">'
    for line in ("Updated May 06, 2019", "Aktualisiert: 06.05.2019, 10:27"):
        assert clean_html(html_page(head=head, top=f"<p>{line}</p>")).published == "2016-08-29", line
    assert dating.header_date("Updated May 06, 2019", updated=False) is None
    assert dating.header_date("Last updated 04 Jun 2020, originally created 17 Jun 2019", updated=False) == "2019-06-17"


def test_a_date_in_the_article_text_is_not_the_header_date():
    head = '<meta property="article:published_time" content="2023-11-20T10:00:00+01:00">'
    top = ("<p>Police said on November 2, 2023 that four suspects had been arrested after the bombing of the "
           "market in the northern province.</p><p>November 3, 2023</p>")
    assert clean_html(html_page(head=head, top=top)).published == "2023-11-20"


def test_a_headline_or_a_dek_that_names_a_day_is_not_the_publication_date():
    art = clean_text(page_text("Floods of March 3, 2016 kill 20", PARA, PARA2))
    assert art.published is None
    art = clean_text(page_text("Floods kill 20", "Rescue teams search villages after March 3, 2016 floods", PARA, PARA2))
    assert art.published is None
    art = clean_text(page_text("Floods kill 20", "Daily Herald March 4, 2016", PARA, PARA2))
    assert art.published == "2016-03-04"


# ----------------------------------------------------------------------------- month precision

def test_a_text_page_that_states_only_its_month_is_dated_to_that_month():
    article = clean_text(f"Suspects held\n\nDecember 2007\n\n{PARA}\n\n{PARA2}\n")
    assert (article.title, article.published) == ("Suspects held", "2007-12")


def test_an_html_header_that_states_only_its_month_is_dated_to_that_month():
    assert clean_html(html_page(top='<div class="date">December 2007</div>')).published == "2007-12"


def test_a_month_named_in_a_sentence_is_no_publication_date():
    assert dating.month_line("December 2007 was the coldest month") is None
    assert dating.month_line("Published: Dec. 2007") == "2007-12"
    assert clean_text(f"Suspects held\n\nIn December 2007 the group struck. {PARA}\n\n{PARA2}\n").published is None


def test_date_filters_treat_a_month_only_date_as_that_month(tmp_path):
    from searchlib import SearchRequest, build_index, search
    from searchlib.query.searching import Searcher

    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "month.txt").write_text(f"Suspects held\n\nDecember 2007\n\n{PARA}\n\n{PARA2}\n")
    (pages / "early.txt").write_text(f"Suspects held early\n\nDecember 3, 2007\n\n{PARA}\n\n{PARA2}\n")
    (pages / "late.txt").write_text(f"Suspects held late\n\nJanuary 9, 2008\n\n{PARA}\n\n{PARA2}\n")
    ix = str(tmp_path / "ix")
    build_index([str(pages)], ix, jobs=1)

    def keys(date_from, date_to, query="*"):
        request = SearchRequest(query, date_from=date_from, date_to=date_to, all=True, limit=10)
        return sorted(h.key for h in search(request, ix).hits)

    assert keys("2007-12-15", "2007-12-20") == ["month.txt"]  # inside the month: it may be that day
    assert keys("2007-12-01", "2008-01-31") == ["early.txt", "late.txt", "month.txt"]
    assert keys("2007-12-05", "2008-01") == ["late.txt", "month.txt"]
    assert keys("2008-01", None) == ["late.txt"] and keys(None, "2007-11") == []
    assert keys("2007-12-15", "2007-12-20", query="suspects") == ["month.txt"]
    with Searcher(ix) as s:  # the Whoosh query of the same plan agrees with the set filter
        from searchlib.query.searching import build_plan

        plan = build_plan(SearchRequest("suspects", date_from="2007-12-05", date_to="2008-01"), s.index.ix,
                          s.index.searcher)
        found = {s.index.searcher.stored_fields(d)["key"] for d in plan.as_query().docs(s.index.searcher)}
    assert found == {"late.txt", "month.txt"}
