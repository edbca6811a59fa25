"""HTML publication dates checked against the dates the page shows its reader.

A wrong date is worse than none: a date the page states in its markup or htmldate reads from an
element yields to what the reader sees (cleaning.PageDates). Each rule is pinned with a small
hand-written page.
"""

from __future__ import annotations

from searchlib.derive.cleaning import clean_html, page_dates, shown_days

PARA = ("Security forces in the northern province said on Tuesday that they had arrested four suspects "
        "in connection with the bombing of a market, according to a statement from the interior ministry.")
PARA2 = ("Officials said the suspects had travelled from a neighbouring district and had been under "
         "surveillance for several weeks before the attack, which killed at least nine people.")
PUBLISHED_AND_MODIFIED = ('<meta property="article:published_time" content="2021-03-08T11:15:28Z">'
                          '<meta property="article:modified_time" content="2021-03-14T09:00:00Z">')
# what stands between an article and its comments on a blog: share buttons, related posts
BETWEEN = ("<div class='share'>Share this: Facebook Twitter Email Print WhatsApp</div>"
           "<div class='related'><h3>Related posts</h3><ul><li><a href='/a'>Police open an inquiry into the "
           "fire at the old depot</a></li><li><a href='/b'>Council votes on the new bus lanes after a long "
           "debate</a></li></ul></div>")


NAV = "".join(f"<a href='/{w.lower()}'>{w}</a>" for w in
              "Home World Politics Business Sport Culture Opinion Weather Contact".split())


def comments(*days: str) -> str:
    return "<section class='comments'><h3>Comments</h3>" + "".join(
        f"<div class='comment'><p class='author'>Reader {i} says:</p><p class='comment-date'>{day}</p>"
        "<p>Thanks for this report, it is the clearest account I have read so far of what happened.</p></div>"
        for i, day in enumerate(days)) + "</section>"


def page(head: str = "", top: str = "", extra: str = "", before: str = "", after: str = "") -> str:
    return (f"<html><head><title>Suspects held</title>{head}</head><body>{before}"
            f"<header><nav>{NAV}</nav></header>"
            f"<article><h1>Suspects held</h1>{top}<p>{PARA} {PARA2}</p><p>{PARA2}</p>{extra}<p>{PARA}</p>"
            f"</article>{after}</body></html>")


def test_shown_days_reads_numeric_and_worded_dates_of_several_languages():
    text = ("Von Jo 19. Oktober 2019, 19:08 Uhr | 19 FEB 2020 - 18:37 CET | Nov. 8, 2023 | mardi 10.12.19 | "
            "2019-10-16 | 2020\u5e741\u67085\u65e5 | 30 February 2020")
    assert [d for _, d in shown_days(text)] == ["2019-10-19", "2020-02-19", "2023-11-08", "2019-12-10",
                                                "2019-10-16", "2020-01-05"]
    # a slashed date whose day and month could swap gives both readings; a version number is no date
    assert {d for _, d in shown_days("on 03/04/2020")} == {"2020-03-04", "2020-04-03"}
    assert shown_days("version 1.10.2 of 2020, 12.3.45, 2014 to 2019") == []


def test_modified_date_the_page_shows_beats_a_published_date_it_does_not_show():
    top = "<p class='byline'>By Jane Doe, updated March 14, 2021</p>"
    assert clean_html(page(head=PUBLISHED_AND_MODIFIED, top=top)).published == "2021-03-14"


def test_published_date_the_page_shows_is_kept_over_its_modified_date():
    top = "<p class='byline'>By Jane Doe, March 8, 2021 (updated March 14, 2021)</p>"
    assert clean_html(page(head=PUBLISHED_AND_MODIFIED, top=top)).published == "2021-03-08"
    # a page that shows no date at all keeps the date its markup states
    assert clean_html(page(head=PUBLISHED_AND_MODIFIED)).published == "2021-03-08"


def test_markup_date_is_dropped_when_the_header_shows_another_date():
    head = '<meta property="article:published_time" content="2022-01-15">'
    top = "<p class='meta'>Erscheinungsdatum 25. Januar 2022</p>"
    assert clean_html(page(head=head, top=top)).published is None


def test_caption_date_above_the_article_does_not_drop_the_markup_date():
    head = '<meta property="article:published_time" content="2021-08-16T06:30:00Z">'
    top = ("<figure><img src='/palace.jpg' alt=''><figcaption>Fighters take control of the presidential "
           "palace in the capital on 15 August 2021.</figcaption></figure>")
    assert clean_html(page(head=head, top=top)).published == "2021-08-16"


def test_header_date_labelled_updated_does_not_drop_the_markup_date():
    head = '<meta property="article:published_time" content="2022-01-15">'
    assert clean_html(page(head=head, top="<p class='meta'>Aktualisiert am 25.01.2022</p>")).published == "2022-01-15"


def test_comment_date_below_the_article_is_not_the_publication_date():
    html = page(after=BETWEEN + comments("24 August 2019 at 03:36", "25 August 2019 at 10:02"))
    assert clean_html(html).published is None


def test_date_line_right_under_the_article_is_kept_above_its_comments():
    html = page(after="<p class='posted'>Posted on 16 August 2019</p>" + BETWEEN
                + comments("24 August 2019 at 03:36", "25 August 2019 at 10:02"))
    assert clean_html(html).published == "2019-08-16"


def test_site_date_of_the_day_at_the_top_of_the_page_is_not_the_publication_date():
    before = "<div class='top'><span class='date'>Friday, 21 January 2022</span></div>"
    extra = "<p>The rules in force (as of 14 January 2022) are listed below.</p>"
    assert clean_html(page(before=before, extra=extra)).published is None
    # a day refused as doubtful is not replaced by the month the header states
    assert clean_html(page(before=before, top="<p>January 2022</p>", extra=extra)).published is None
    # the same date at the top of a page that shows no other date: nothing contradicts it
    assert clean_html(page(before=before)).published == "2022-01-21"


def test_site_date_of_the_day_does_not_drop_the_markup_date():
    head = '<meta property="article:published_time" content="2008-07-07T12:11:25+00:00">'
    before = "<div class='top'>Thursday, 6 March 2025</div>"
    assert clean_html(page(head=head, before=before)).published == "2008-07-07"


def test_article_end_is_its_last_line_even_when_it_repeats_an_earlier_one():
    text = f"Home Suspects held {PARA} {PARA2} {PARA2} {PARA} Comments"
    pd = page_dates(text, "Suspects held", f"{PARA} {PARA2}\n{PARA2}\n{PARA}", set())
    assert pd.article_end == text.rindex(PARA) + len(PARA)
