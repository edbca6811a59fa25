"""Clean stage: each boilerplate pattern of real pages, pinned with small hand-written pages."""

from __future__ import annotations

from searchlib.derive.cleaning import clean_html, clean_text

PARA = ("Security forces in the northern province said on Tuesday that they had arrested four suspects "
        "in connection with the bombing of a market, according to a statement from the interior ministry.")
PARA2 = ("Officials said the suspects had travelled from a neighbouring district and had been under "
         "surveillance for several weeks before the attack, which killed at least nine people.")
PARA3 = ("The government has promised to step up patrols around markets and bus stations ahead of the "
         "holiday season, when large crowds gather in the city centre every evening.")


def page(*lines):
    return "\n\n".join(lines)


def test_article_printed_twice_is_kept_once_even_with_typographic_quotes():
    quoted = 'The minister said the attack was "a crime against all of us" and promised a full investigation into the failures.'
    curly = quoted.replace('"', "\u201c", 1).replace('"', "\u201d", 1)
    art = clean_text(page("Market bombing suspects arrested", PARA, quoted, PARA2, PARA, curly, PARA2))
    assert art.body.count("four suspects") == 1
    assert art.body.count("crime against all of us") == 1


def test_lede_repeated_with_dateline_prefix_keeps_the_dateline_paragraph():
    lede = "Four suspects were arrested on Tuesday over the bombing of a market in the northern province, the police said"
    art = clean_text(page("Suspects held", lede, f"KANO, Nigeria (Agency - 07th April, 2021) {lede}.", PARA2, PARA3))
    assert art.body.startswith("KANO, Nigeria (Agency")
    assert art.body.count("Four suspects were arrested") == 1
    assert art.published == "2021-04-07"


def test_headline_printed_twice_becomes_the_title_once():
    art = clean_text(page("Suspects held after market bombing", "Suspects held after market bombing", PARA, PARA2))
    assert art.title == "Suspects held after market bombing"
    assert "Suspects held" not in art.body


def test_truncated_caption_and_photo_credit_are_dropped_but_the_full_caption_kept():
    cap = "Police officers guard the entrance of the market in Kano on April 6, 2021 after the blast"
    art = clean_text(page("Suspects held", PARA, cap[:60] + "...", cap, "Jane Roe, AFP/File", PARA2, PARA3))
    assert cap in art.body
    assert "..." not in art.body
    assert "Jane Roe" not in art.body


def test_caption_repeated_without_ellipsis_is_kept_once():
    short = "Smoke rises over the market on November 9  2014"
    full = "Smoke rises over the market on November 9, 2014"
    art = clean_text(page("Suspects held", PARA, short, full, "John Doe, Reuters", PARA2))
    assert art.body.count("Smoke rises") == 1


def test_menus_search_box_and_social_prompts_are_dropped():
    art = clean_text(page("Connect with us", "Hi, what are you looking for?", "World", "Suspects held after bombing",
                          "-", PARA, PARA2, "Share on Facebook", PARA3))
    assert art.title == "Suspects held after bombing"
    for junk in ("Connect with us", "looking for", "World", "Share on Facebook"):
        assert junk not in art.body


def test_section_labels_between_paragraphs_are_dropped():
    art = clean_text(page("Suspects held", PARA, "Business", PARA2, PARA3))
    assert "Business" not in art.body and PARA2 in art.body


def test_you_may_also_like_and_everything_after_it_is_dropped():
    art = clean_text(page("Suspects held", PARA, PARA2, "You may also like:", "World",
                          "A vendor sweats at Bangkok's biggest fresh market as a heatwave grips Thailand and the region...",
                          "Business", "Fishermen on Myanmar's Irrawaddy river say the catch has halved in a decade..."))
    assert "Bangkok" not in art.body and "Myanmar" not in art.body


def test_written_by_and_agency_blurb_are_dropped():
    blurb = ("With thousands of staff in more than a hundred countries, the agency covers the world as a leading "
             "global news organisation and provides fast, comprehensive and verified coverage.")
    art = clean_text(page("Suspects held", PARA, PARA2, "Agency", "Written By", blurb))
    assert "leading global news" not in art.body


def test_comment_form_is_dropped():
    art = clean_text(page("Suspects held", PARA, PARA2, "Leave a Reply", "Your email address will not be published.",
                          "Comment", "Name", "Email"))
    assert art.body.splitlines()[-1] == PARA2


def test_header_crawl_date_is_not_the_publication_date():
    art = clean_text("close\nFriday April 26, 2024\n\nSuspects held after bombing\n\nBy Jane Doe\nMarch 10, 2016\n\n"
                     + page(PARA, PARA2))
    assert art.published == "2016-03-10"
    assert art.author == "Jane Doe"
    assert "2024" not in art.body and "Jane Doe" not in art.body and "March 10" not in art.body


def test_a_sentence_that_starts_with_by_stays_in_the_body():
    # twelve words after "By", ending with a full stop, mostly lower case: article text, not a byline
    sentence = "By the end of the week the council said it would reopen the port."
    listed = "By court reform budget coalition election museum ceasefire the to qvycabxqxhud for."
    text = clean_text(page("Port to reopen", PARA, sentence, PARA2, listed, PARA3))
    html = clean_html(f"<html><head><title>Port</title></head><body><article><h1>Port</h1><p>{listed}</p>"
                      f"<p>{PARA}</p><p>{sentence}</p><p>{PARA2}</p><p>{PARA3}</p></article></body></html>")
    for art in (text, html):
        assert sentence in art.body and listed in art.body
        assert art.author is None


def test_a_byline_of_names_is_still_metadata():
    for line, name in (("By Jane Doe", "Jane Doe"), ("By John Smith and Jane Doe in Kabul", "John Smith and Jane Doe in Kabul"),
                       ("By staff reporters", "staff reporters"), ("By Jo Writer, Reuters", "Jo Writer")):
        art = clean_text(page("Suspects held after bombing", line, PARA, PARA2))
        assert art.author == name and line not in art.body


def test_page_without_a_stated_date_has_no_publication_date():
    art = clean_text(page("Suspects held", "Police said on Monday that " + PARA, PARA2))
    assert art.published is None


def test_published_in_footer_line_gives_the_date_and_leaves_the_body():
    art = clean_text(page("Suspects held", PARA, PARA2, "Published in The Daily, April 25th, 2023", "Leave a Reply"))
    assert art.published == "2023-04-25"
    assert "Published in" not in art.body


def test_subheadings_and_short_quotes_inside_the_article_are_kept():
    art = clean_text(page("Suspects held", PARA, "- 'A long night' -", PARA2, '"We will not rest," he said.', PARA3))
    assert "A long night" in art.body
    assert "We will not rest" in art.body


def test_html_uses_metadata_and_never_keeps_script_text():
    html = f"""<html><head><title>Suspects held | The Daily</title>
    <meta property="og:site_name" content="The Daily">
    <meta property="article:published_time" content="2021-08-27T09:15:00Z"></head>
    <body><nav><a>Home</a><a>Pakistan</a></nav><article><h1>Suspects held</h1>
    <p>{PARA}</p><p>{PARA2}</p><p>{PARA3}</p></article>
    <script>var region = "Afghanistan"; trackPage();</script>
    <footer>Copyright The Daily</footer></body></html>"""
    art = clean_html(html)
    assert art.title == "Suspects held"
    assert art.published == "2021-08-27"
    assert art.site == "The Daily"
    assert "four suspects" in art.body
    assert "Afghanistan" not in art.body and "trackPage" not in art.body


def test_html_date_from_json_ld_and_time_element():
    body = f"<article><h1>Suspects held</h1><p>{PARA}</p><p>{PARA2}</p><p>{PARA3}</p></article>"
    ld = '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2019-01-16T08:00:00+03:00"}</script>'
    assert clean_html(f"<html><head>{ld}</head><body>{body}</body></html>").published == "2019-01-16"
    timed = body.replace("</h1>", '</h1><time datetime="2013-09-22">22 September 2013</time>')
    assert clean_html(f"<html><body>{timed}</body></html>").published == "2013-09-22"


def test_html_without_any_date_has_none():
    html = f"<html><body><article><h1>Suspects held</h1><p>{PARA}</p><p>{PARA2}</p></article></body></html>"
    assert clean_html(html).published is None


def test_non_english_and_odd_text_never_crash():
    for text in ["", "\n\n\n", "Привет мир. " * 50, "<<<>>>" * 100, "a" * 100000, "\u202e\u200b" * 10]:
        clean_text(text)
        clean_html(text)


def test_a_line_over_10000_characters_without_a_sentence_end_is_kept_whole():
    import random

    from searchlib.derive import pipeline

    rng = random.Random(1)
    words = ("the officials said militants attacked a police post near the border and that troops had been "
             "sent to the area while residents fled their homes according to local reports").split()
    line = " ".join(rng.choice(words) for _ in range(2500)) + " lastwordofthelongline"
    text = ("Kabul attack\n\nKABUL (Agency) - Officials said on Friday that many people were killed.\n\n" + line +
            "\n\nThe Taliban said the city was safe.\n")
    record = pipeline.derive(text.encode(), "x.txt", "x.txt", "text")
    assert len(line) > 10_000 and "lastwordofthelongline" in record.text
    assert record.text.count("officials") >= line.count("officials")


def test_a_5_mb_word_does_not_hide_the_words_beside_it():
    """A run without spaces (a data blob saved as text) is no word: cut into blocks it made the page
    a pile of identical blocks, and the words around it were lost."""
    from searchlib.derive import pipeline

    text = "zqmarker " + "x" * (5 * 1024 * 1024) + " tailmarker\n"
    record = pipeline.derive(text.encode(), "x.txt", "x.txt", "text")
    assert "zqmarker" in record.text and "tailmarker" in record.text and "xxxx" not in record.text


# ----------------------------------------------------------------------------- the text model's features

def test_the_shipped_text_model_reads_the_features_the_code_computes():
    from searchlib.derive import cleaning

    model = cleaning._text_model()  # loading checks the names; this pins that it was checked
    for stage in ("first", "second"):
        names = model[stage]["features"]
        assert names == list(cleaning.FEATURE_NAMES[stage])
        assert max(max(tree[0]) for tree in model[stage]["trees"]) < len(names)
    seg = cleaning.segment_text(page("Suspects held", PARA, PARA2, "Share on Facebook"))
    feats = cleaning.block_features(seg)
    assert {len(row) for row in feats} == {len(cleaning.FEATURE_NAMES["first"])}
    second = cleaning.context_features(seg, feats, [0.5] * len(feats))
    assert {len(row) for row in second} == {len(cleaning.FEATURE_NAMES["second"])}
    assert "sklearn_version" in model and len(model["training_pages"]["sha256"]) == 64


def test_a_text_model_with_a_renamed_feature_is_refused(tmp_path):
    import json

    import pytest

    from searchlib.derive import aliases, cleaning

    with open(aliases.data_path("text_model.json"), encoding="utf-8") as fh:
        model = json.load(fh)
    model["first"]["features"][1] = "log_characters"
    path = tmp_path / "text_model.json"
    path.write_text(json.dumps(model), encoding="utf-8")
    with pytest.raises(cleaning.TextModelMismatch) as refused:
        cleaning.load_text_model(str(path))
    message = str(refused.value)
    assert "first stage" in message and "'log_chars'" in message and "'log_characters'" in message
    assert "scripts/train_text_model.py" in message
    del model["first"]["features"]
    path.write_text(json.dumps(model), encoding="utf-8")
    with pytest.raises(cleaning.TextModelMismatch, match="records no feature names"):
        cleaning.load_text_model(str(path))


def test_the_text_model_names_the_pages_it_was_trained_on():
    import importlib.util

    import pytest

    from searchlib.derive import cleaning

    from ..conftest import ROOT

    bench = ROOT.parent / "shared" / "bench" / "extraction"
    if not (bench / "gold.jsonl").exists():
        pytest.skip("../shared/bench/extraction is absent")
    spec = importlib.util.spec_from_file_location("train_text_model", ROOT / "scripts" / "train_text_model.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    pages = script.load_pages(bench)
    recorded = cleaning._text_model()["training_pages"]
    assert recorded == {"files": 1 + len(pages), "sha256": script.pages_digest(bench, pages)}


_SIEGE = ("<p>Security forces in Mogadishu said on Sunday that al-Shabaab fighters attacked a hotel near the port, "
          "and that the siege lasted for several hours before troops regained control of the building.</p>") * 3


def _page(title: str) -> str:
    return (f"<html><head><title>{title}</title></head><body><article><h1>Siege at Mogadishu hotel ends</h1>"
            f"{_SIEGE}</article></body></html>")


def test_headline_repeated_at_the_top_of_an_html_body_is_dropped_when_the_title_names_the_outlet():
    article = clean_html(_page("Siege at Mogadishu hotel ends | Example News"))
    assert article.title == "Siege at Mogadishu hotel ends"
    assert article.body.startswith("Security forces in Mogadishu")


def test_the_h1_is_the_title_when_the_page_title_is_a_short_label_with_the_outlet():
    article = clean_html(_page("Siege ends | Example News"))
    assert article.title == "Siege at Mogadishu hotel ends"
    assert "Siege at Mogadishu hotel ends" not in article.body


def test_a_page_title_that_differs_from_its_h1_is_kept_and_the_h1_leaves_the_body():
    article = clean_html(_page("Hotel siege: what we know"))
    assert article.title == "Hotel siege: what we know"
    assert article.body.startswith("Security forces in Mogadishu")


def test_a_section_label_that_is_a_link_of_the_page_is_not_the_first_line_of_the_body():
    html = ("<html><body><div class='crumbs'><a href='/'>Home</a> &rsaquo; <a href='/asia'>Asia</a></div>"
            "<div class='story'><p class='kicker'>Asia</p>" + _SIEGE + "</div></body></html>")
    article = clean_html(html)
    assert article.body.startswith("Security forces in Mogadishu")


def test_a_short_first_line_that_no_link_names_stays_in_the_body():
    html = "<html><body><div class='story'><p>Mogadishu siege</p>" + _SIEGE + "</div></body></html>"
    assert clean_html(html).body.startswith("Mogadishu siege")
