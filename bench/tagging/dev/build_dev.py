#!/usr/bin/env python3
"""Build the tagging DEVELOPMENT set (bench/tagging/dev) from Wikinews.

Reads the Wikinews politics/economy corpus (CC BY 2.5, "Wikinews
contributors, https://en.wikinews.org"), takes the 40 articles listed in
ARTICLES (a fixed, hand-picked id list: terrorism / insurgency /
counter-terrorism, 2004-2011, many regions, 12 of them naming no
canonical militant group), wraps each article in a simulated news page
(.txt scrape or .html) and writes the hand-annotated gold manifest.

Everything is deterministic: the only randomness (crawl dates in page
headers, teaser order, clock times) comes from random.Random seeded with
SEED and the article id.  Standard library only.

Usage:
    python3 build_dev.py [--corpus PATH] [--out DIR]

The article text is the Wikinews text; only wiki residue is removed
(template names at the start, "== Related news ==" trailers, '' markup,
[http://...] links, "Egypt ian"-style link splits; see clean()).  It is
split into paragraphs at sentence ends.
"""
import argparse
import datetime
import gzip
import html
import json
import os
import random
import re

SEED = 20250303
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CORPUS = "/work/shared/data/news/wikinews-politics-economy.jsonl.gz"

# ---------------------------------------------------------------------------
# text cleaning: remove wiki residue only, never change wording

# Template / infobox residue at the start of the source text (exact strings).
PREFIX = {
    "wn-46557": "2006 Israel-Lebanon conflict ",
    "wn-57401": "InfosectionEnd }} ",
    "wn-68907": "<noinclude> <!-- --> ",
    "wn-85861": "Denmark ",
    "wn-66939": "<noinclude> Al-Qaeda ",
    "wn-82463": "New Zealand ",
    "wn-100873": "Singapore ",
    "wn-109340": "Politics and conflicts ",
    "wn-116390": "Indonesia ",
    "wn-116780": "publish ETA infobox ",
    "wn-115826": "India ",
    "wn-121426": "Somalia ",
    "wn-119887": "Israel/Palestine conflict ",
    "wn-121890": "Pakistan ",
    "wn-147230": "Somalia ",
    "wn-228939": "United States infobox ",
    "wn-255715": "Belarus ",
}

# Wiki-link residue: "[[Egypt]]ian" became "Egypt ian" in the source dump.
RESIDUE = [
    (r"\bEgypt ian\b", "Egyptian"), (r"\bIsrael i\b", "Israeli"),
    (r"\bQatar is\b", "Qataris"), (r"\bKuwait is\b", "Kuwaitis"),
    (r"\bIslam ic\b", "Islamic"), (r"\bIslam ist\b", "Islamist"),
    (r"\bEurope an\b", "European"), (r"\bIraq i\b", "Iraqi"),
    (r"\bPakistan i\b", "Pakistani"), (r"\bColombia n\b", "Colombian"),
    (r"\bAsia n\b", "Asian"), (r"\bIndonesia n\b", "Indonesian"),
    (r"\bSri Lanka n\b", "Sri Lankan"), (r"\bbomb s\b", "bombs"),
    (r"\bsoldier s\b", "soldiers"), (r"\bmilitant s\b", "militants"),
]

# Trailing wiki sections that are not article text ("Related news", etc.).
TRAILERS = [r"\s*==\s*Related(?: news)?\s*==.*$", r"\s*Haveyoursay\s*$",
            r"(?:\s*\*)+\s*$"]


def clean(aid, text):
    pre = PREFIX.get(aid)
    if pre:
        assert text.startswith(pre), (aid, text[:60])
        text = text[len(pre):]
    for pat in TRAILERS:
        text = re.sub(pat, "", text, flags=re.S)
    text = html.unescape(text)
    text = re.sub(r"</?nowiki>", "", text)
    text = re.sub(r"'{2,}", "", text)                       # wiki bold/italics
    text = re.sub(r"\[https?://\S+ ([^\]]+)\]", r"\1", text)  # [url label]
    text = re.sub(r"\[https?://\S+\]", "", text)             # [url]
    for pat, rep in RESIDUE:
        text = re.sub(pat, rep, text)
    text = re.sub(r"[ \t]+", " ", text).strip()
    return text


ABBR = {"mr.", "mrs.", "ms.", "dr.", "gen.", "lt.", "col.", "sgt.", "capt.",
        "st.", "rev.", "sen.", "rep.", "no.", "jan.", "feb.", "aug.", "sept.",
        "oct.", "nov.", "dec.", "vs.", "i.e.", "e.g.", "approx."}


def sentences(block):
    out, start = [], 0
    for m in re.finditer(r"[.!?][\"\u201d\u2019')]*\s+(?=[\"\u201c\u2018(]?[A-Z0-9])", block):
        before = block[start:m.start() + 1].split()
        last = before[-1].lower() if before else ""
        last = last.lstrip("\"\u201c(")
        if last in ABBR or re.fullmatch(r"(?:[a-z]\.)+", last):
            continue
        out.append(block[start:m.end()].strip())
        start = m.end()
    tail = block[start:].strip()
    if tail:
        out.append(tail)
    return out


def paragraphs(text):
    """Split the cleaned text into (kind, text) items: 'h' subheadings and
    'p' paragraphs of about 40-80 words (sentences are never cut)."""
    items = []
    parts = re.split(r"\s*(={2,})\s*([^=]+?)\s*\1\s*", text)
    # parts: text, '==', heading, text, ...
    blocks = [("p", parts[0])]
    for i in range(1, len(parts), 3):
        blocks.append(("h", parts[i + 1]))
        blocks.append(("p", parts[i + 2]))
    for kind, block in blocks:
        block = block.strip()
        if not block:
            continue
        if kind == "h":
            items.append(("h", block))
            continue
        cur, n = [], 0
        sents = sentences(block)
        for si, s in enumerate(sents):
            cur.append(s)
            n += len(s.split())
            if si + 1 < len(sents) and len(sents[si + 1].split()) <= 5:
                continue            # keep a short follow-up ("X said.") attached
            joined = " ".join(cur)
            open_quote = joined.count('"') % 2 == 1 or \
                joined.count("\u201c") > joined.count("\u201d")
            if (n >= 40 or len(cur) >= 3) and not open_quote:
                items.append(("p", " ".join(cur)))
                cur, n = [], 0
        if cur:
            if items and items[-1][0] == "p" and n < 12 and len(items) > 1:
                items[-1] = ("p", items[-1][1] + " " + " ".join(cur))
            else:
                items.append(("p", " ".join(cur)))
    return items
# ---------------------------------------------------------------------------
# page furniture

SITES = ["The Evening Ledger", "Daily Meridian", "Global Desk News",
         "The Northern Courier", "Press Line"]

# teaser headlines for the "Related news" block, with the words that must
# NOT occur in the article for the teaser to be used (its country names)
TEASERS = [
    ("Floods force thousands from their homes in Mozambique", ["Mozambi"]),
    ("Chile's senate approves pension overhaul", ["Chile"]),
    ("Ghana opens new deep-water port", ["Ghana"]),
    ("Argentina unveils plan to curb inflation", ["Argentin"]),
    ("Peru's congress debates mining royalties", ["Peru"]),
    ("Vietnam's coffee exports reach record high", ["Vietnam"]),
    ("Mongolia signs copper deal with foreign investors", ["Mongol"]),
    ("Portugal's ruling party wins local elections", ["Portug"]),
    ("Iceland eruption disrupts flights across the North Atlantic", ["Iceland"]),
    ("Brazil's central bank holds interest rates", ["Brazil"]),
    ("Uruguay's president meets dairy farmers over prices", ["Urugua"]),
    ("Finland's parliament passes next year's budget", ["Finland", "Finnish"]),
    ("Zambia's copper miners end three-week strike", ["Zambia"]),
    ("Fiji prepares for an early cyclone season", ["Fiji"]),
    ("Estonia reports record turnout in online voting", ["Estonia"]),
    ("Paraguay's soy harvest beats forecasts", ["Paragua"]),
    ("Namibia opens its first desalination plant", ["Namibia"]),
    ("Costa Rica expands its national parks", ["Costa Rica"]),
    ("Malawi receives emergency maize shipment", ["Malawi"]),
    ("Bolivia's lithium project attracts new bids", ["Bolivia"]),
    ("Latvia hosts Baltic trade fair in Riga", ["Latvia", "Riga"]),
    ("Cambodia's garment workers win pay rise", ["Cambodia"]),
    ("Norway's oil fund posts record returns", ["Norw"]),
    ("Japan's exports climb for a third month", ["Japan"]),
    ("Canada's wildfire season starts early", ["Canad"]),
    ("Australia names new cricket captain", ["Australia"]),
]

# edition names used inside the pages' <script>: a country name that is not
# part of the article and must not be tagged
SCRIPT_COUNTRIES = [("Australia", ["Australia"]), ("Canada", ["Canad"]),
                    ("Brazil", ["Brazil"]), ("Japan", ["Japan"]),
                    ("Germany", ["German"]), ("Norway", ["Norw"]),
                    ("Argentina", ["Argentin"]), ("Portugal", ["Portug"]),
                    ("Sweden", ["Swed"]), ("Mexico", ["Mexic"])]

MENUS = [["Home", "World", "Politics", "Business", "Opinion"],
         ["Home", "News", "World", "Politics", "Economy", "Sport"],
         ["Home", "World", "Asia", "Europe", "Americas", "Politics"],
         ["Home", "Latest", "World", "Politics", "Security", "Culture"]]

MONTHS = ["January", "February", "March", "April", "May", "June", "July",
          "August", "September", "October", "November", "December"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
            "Saturday", "Sunday"]


def rng_for(aid):
    return random.Random("%d:%s" % (SEED, aid))


def mentions(text, words):
    return any(re.search(r"\b" + re.escape(w), text) for w in words)


def pick_teasers(aid, text, n):
    r = rng_for(aid + ":teasers")
    pool = [t for t, words in TEASERS if not mentions(text, words)]
    r.shuffle(pool)
    return pool[:n]


def pick_script_country(aid, text):
    r = rng_for(aid + ":script")
    pool = [c for c, words in SCRIPT_COUNTRIES if not mentions(text, words)]
    return r.choice(pool)


def crawl_date(aid):
    """A page-header date at crawl time (2024-2025), never the article's."""
    r = rng_for(aid + ":crawl")
    d = datetime.date(2024, 1, 1) + datetime.timedelta(days=r.randrange(540))
    return d


def long_date(d):
    return "%s, %d %s %d" % (WEEKDAYS[d.weekday()], d.day, MONTHS[d.month - 1], d.year)


def date_line(style, d, aid):
    """The visible date line under the title of a text page."""
    r = rng_for(aid + ":clock")
    hh, mm = r.randrange(6, 23), r.randrange(60)
    mon = MONTHS[d.month - 1]
    if style == "mdy":
        return "%s %d, %d" % (mon, d.day, d.year)
    if style == "dmy":
        return "%d %s %d" % (d.day, mon, d.year)
    if style == "iso":
        return "Published: %s" % d.isoformat()
    if style == "wdmy":
        return "%s %d %s %d, %02d:%02d GMT" % (WEEKDAYS[d.weekday()], d.day, mon,
                                             d.year, hh, mm)
    if style == "posted":
        return "Posted on %s. %d, %d at %d:%02d %s" % (
            mon[:3], d.day, d.year, (hh - 1) % 12 + 1, mm, "pm" if hh >= 12 else "am")
    if style == "updated":
        return "By Wikinews contributors | %d %s %d" % (d.day, mon[:3], d.year)
    raise ValueError(style)


def iso_stamp(d, aid, days=0):
    r = rng_for(aid + ":stamp")
    hh, mm, ss = r.randrange(5, 22), r.randrange(60), r.randrange(60)
    d = d + datetime.timedelta(days=days)
    return "%sT%02d:%02d:%02d+00:00" % (d.isoformat(), hh + (2 if days else 0), mm, ss)


def render_text(a, items, pub):
    aid = a["id"]
    r = rng_for(aid + ":layout")
    site = r.choice(SITES)
    menu = r.choice(MENUS)
    lines = [site]
    cd = long_date(crawl_date(aid))
    if r.random() < 0.5:
        lines += [cd, " | ".join(menu)]
    else:
        lines += menu + [cd]
    lines.append(r.choice(["World", "Politics", "Security"]))
    lines.append(a["title"])
    if pub is not None:
        lines.append(date_line(a["date_style"], pub, aid))
    for kind, p in items:
        lines.append(p)
    lines.append("Related news")
    lines += pick_teasers(aid, a["_text"], 2 + r.randrange(2))
    lines += ["Share this:", "Facebook", "X", "Email", "Leave a comment",
              "\u00a9 2025 %s" % site]
    return "\n".join(lines) + "\n"


def render_html(a, items, pub):
    aid = a["id"]
    r = rng_for(aid + ":layout")
    site = r.choice(SITES)
    menu = r.choice(MENUS)
    mode = a["date_style"]
    e = html.escape
    head = ['<!DOCTYPE html>', '<html lang="en">', '<head>',
            '<meta charset="utf-8">',
            '<title>%s | %s</title>' % (e(a["title"]), e(site)),
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta property="og:type" content="article">',
            '<meta property="og:title" content="%s">' % e(a["title"]),
            '<meta property="og:site_name" content="%s">' % e(site)]
    if mode.startswith("meta"):
        head.append('<meta property="article:published_time" content="%s">'
                    % iso_stamp(pub, aid))
        if mode == "meta+modified":
            head.append('<meta property="article:modified_time" content="%s">'
                        % iso_stamp(pub, aid, days=1))
    if mode == "jsonld":
        ld = {"@context": "https://schema.org", "@type": "NewsArticle",
              "headline": a["title"], "datePublished": iso_stamp(pub, aid),
              "author": {"@type": "Organization", "name": "Wikinews contributors"},
              "publisher": {"@type": "Organization", "name": site}}
        head.append('<script type="application/ld+json">%s</script>'
                    % json.dumps(ld, ensure_ascii=False))
    head += ['<link rel="stylesheet" href="/static/css/site.css">', '</head>']
    body = ['<body>', '<header class="site-header">']
    if r.random() < 0.5:
        body.append('<div class="topbar">%s</div>' % long_date(crawl_date(aid)))
    body.append('<a class="logo" href="/">%s</a>' % e(site))
    body.append('<nav class="main-nav"><ul>%s</ul></nav>' % "".join(
        '<li><a href="/%s/">%s</a></li>' % (m.lower(), m) if m != "Home"
        else '<li><a href="/">Home</a></li>' for m in menu))
    body += ['</header>', '<main>', '<article class="story">',
             '<h1>%s</h1>' % e(a["title"], quote=False)]
    byline = 'By Wikinews contributors'
    if mode == "time":
        byline += ' &middot; <time datetime="%s">%d %s %d</time>' % (
            iso_stamp(pub, aid), pub.day, MONTHS[pub.month - 1], pub.year)
    elif mode == "meta+visible":
        byline += ' &middot; Published %s %d, %d' % (MONTHS[pub.month - 1], pub.day, pub.year)
    body.append('<p class="byline">%s</p>' % byline)
    for kind, p in items:
        body.append(('<h2>%s</h2>' if kind == "h" else '<p>%s</p>') % e(p, quote=False))
    body.append('</article>')
    teasers = pick_teasers(aid, a["_text"], 2 + r.randrange(2))
    body.append('<aside class="related"><h2>Related news</h2><ul>')
    for i, t in enumerate(teasers):
        body.append('<li><a href="/world/story-%d">%s</a></li>' % (1000 + i, e(t, quote=False)))
    body += ['</ul></aside>', '</main>',
             '<footer class="site-footer"><p>&copy; 2025 %s. Text: Wikinews '
             'contributors, CC BY 2.5.</p><p><a href="/about">About</a> &middot; '
             '<a href="/contact">Contact</a> &middot; <a href="/privacy">Privacy</a>'
             '</p></footer>' % e(site),
             '<script>window.siteConfig = {"edition": "%s", "locale": "en", '
             '"ads": false};</script>' % pick_script_country(aid, a["_text"]),
             '</body>', '</html>']
    return "\n".join(head + body) + "\n"
# ---------------------------------------------------------------------------
# the 40 articles, their page format, and the hand-annotated gold
#
# fmt: "txt" or "html".  date_style: for txt pages the date line under the
# title ("none" = the page states no date: gold published is null); for html
# pages where the date is stated: "meta" (article:published_time),
# "meta+visible", "meta+modified", "time" (only <time datetime> in the
# byline), "jsonld" (only JSON-LD datePublished).


def O(name, role, country, surname=None):
    d = {"name": name, "role": role, "country": country}
    if surname:
        d["surname"] = surname
    return d


ARTICLES = [
    dict(id="wn-1238", fmt="txt", date_style="mdy",
         groups=["IRA"], groups_optional=[],
         countries=["United Kingdom", "Ireland"], countries_optional=[],
         officials=[O("Tony Blair", "Prime Minister", "United Kingdom"),
                    O("Bertie Ahern", "Irish leader (Taoiseach)", "Ireland"),
                    O("Hugh Orde", "Chief Constable, Northern Ireland", "United Kingdom")],
         officials_optional=[O("Ian Paisley", "Democratic Unionist leader", "United Kingdom"),
                             O("Gerry Adams", "Sinn Fein leader", "United Kingdom")],
         mentioned_dates=["2002"], mentioned_dates_optional=[]),
    dict(id="wn-1467", fmt="html", date_style="meta",
         groups=["ETA"], groups_optional=[],
         countries=["Spain"], countries_optional=[],
         officials=[O("José Antonio Alonso", "Minister of Interior", "Spain")],
         officials_optional=[],
         mentioned_dates=["2004-12-06"], mentioned_dates_optional=[]),
    dict(id="wn-4307", fmt="txt", date_style="dmy",
         published_also_ok=["2005-02-10"],
         evidence="date line under the title; the body opens with the "
                  "Wikinews dateline 'February 10, 2005', also accepted",
         groups=["ETA", "al-Qaeda"], groups_optional=[],
         countries=["Spain", "Mexico", "France"], countries_optional=[],
         officials=[O("Juan Carlos", "King", "Spain"),
                    O("Vicente Fox", "President", "Mexico"),
                    O("José Antonio Alonso", "Interior Minister", "Spain")],
         officials_optional=[O("Francisco Franco", "ruled Spain 1939-1975", "Spain")],
         mentioned_dates=["2004-03-11"],
         mentioned_dates_optional=["2005-02-10", "2005-04", "1939", "1975"]),
    dict(id="wn-9445", fmt="html", date_style="meta+visible",
         groups=["al-Qaeda"], groups_optional=[],
         countries=["Pakistan", "Afghanistan", "United States", "Libya"],
         countries_optional=[],
         officials=[O("Sheikh Rashid Ahmed", "Information Minister", "Pakistan"),
                    O("Pervez Musharraf", "President", "Pakistan"),
                    O("Osama bin Laden", "al-Qaeda leader", None),
                    O("Aftab Khan Sherpao", "Interior Minister", "Pakistan")],
         officials_optional=[O("Abu Faraj al-Libbi", "captured suspect, said to be a top al-Qaeda commander", None)],
         mentioned_dates=["2004-12-25"], mentioned_dates_optional=["2003", "1980"]),
    dict(id="wn-13160", fmt="txt", date_style="iso",
         groups=["al-Qaeda", "Taliban"], groups_optional=[],
         countries=["United States", "Afghanistan"], countries_optional=[],
         officials=[],
         officials_optional=[O("Abdul Latif Hakimi", "claims to be a Taliban spokesman", None)],
         mentioned_dates=["2005-06-28"], mentioned_dates_optional=["2005-04"]),
    dict(id="wn-16326", fmt="html", date_style="meta",
         groups=["al-Qaeda"], groups_optional=[],
         countries=["Egypt", "Israel", "Palestine", "United Kingdom", "France",
                    "Spain", "Netherlands", "Italy", "Czechia", "Qatar", "Kuwait",
                    "United States", "Russia", "Japan", "Denmark", "Iran"],
         countries_optional=[],
         officials=[O("Hosni Mubarak", "President", "Egypt"),
                    O("Habib al-Adli", "Interior Minister", "Egypt"),
                    O("Condoleezza Rice", "Secretary of State", "United States"),
                    O("Straw", "Foreign Minister", "United Kingdom"),
                    O("Per Stig Møller", "Minister of Foreign Affairs", "Denmark"),
                    O("Maryam Rajavi", "President-elect, National Council of Resistance of Iran", "Iran"),
                    O("Ali Khamenei", "Supreme Leader", "Iran")],
         officials_optional=[],
         mentioned_dates=[], mentioned_dates_optional=["2004-10"]),
    dict(id="wn-23981", fmt="txt", date_style="none",
         groups=[], groups_optional=[],
         countries=["Russia"], countries_optional=[],
         officials=[O("Vladimir Putin", "President", "Russia")],
         officials_optional=[],
         mentioned_dates=[], mentioned_dates_optional=[]),
    dict(id="wn-25085", fmt="html", date_style="jsonld",
         groups=["Lashkar-e-Taiba"], groups_optional=[],
         countries=["India", "Pakistan"], countries_optional=[],
         officials=[O("Manmohan Singh", "Prime Minister", "India")],
         officials_optional=[],
         mentioned_dates=["2001-12"], mentioned_dates_optional=["2001", "2005-05"]),
    dict(id="wn-26906", fmt="txt", date_style="wdmy",
         groups=[], groups_optional=["al-Qaeda", "AQIS"],
         countries=["Bangladesh", "United States", "United Kingdom", "Afghanistan",
                    "Indonesia", "Pakistan"],
         countries_optional=[],
         officials=[O("Abdul Kaiyum", "national police chief", "Bangladesh"),
                    O("Khaleda Zia", "Prime Minister", "Bangladesh"),
                    O("Majedul Huq", "Chittagong police commissioner", "Bangladesh"),
                    O("Shaikh Abdur Rahman", "leader of Jamayetul Mujahideen", "Bangladesh")],
         officials_optional=[],
         mentioned_dates=["2005-08-17", "2005-11-14"],
         mentioned_dates_optional=["2005-10"]),
    dict(id="wn-30055", fmt="html", date_style="meta+modified",
         groups=[], groups_optional=[],
         countries=["Sri Lanka"], countries_optional=[],
         officials=[O("Mahinda Rajapakse", "President", "Sri Lanka")],
         officials_optional=[],
         mentioned_dates=["1983", "1995"],
         mentioned_dates_optional=["2002", "2005-12", "2005-11-17"]),
    dict(id="wn-38721", fmt="txt", date_style="posted",
         groups=["Palestinian Islamic Jihad", "Hamas"], groups_optional=[],
         countries=["Israel", "Palestine", "Romania", "Hungary"],
         countries_optional=["United States"],
         officials=[O("Khaled Abu Helal", "spokesman, Hamas-led Interior Ministry", "Palestine"),
                    O("Gideon Meir", "Foreign Ministry spokesman", "Israel")],
         officials_optional=[O("Bush", None, "United States")],
         mentioned_dates=["2006-01-19", "2005-02", "2002"],
         mentioned_dates_optional=[]),
    dict(id="wn-40367", fmt="html", date_style="meta",
         groups=["al-Qaeda"], groups_optional=[],
         countries=["Somalia", "United States", "Djibouti"], countries_optional=[],
         officials=[O("Sheikh Sharif Ahmed", "Islamic militia leader (Islamic Courts)", "Somalia"),
                    O("Hussein Gutale Rageh", "spokesman, warlords' alliance", "Somalia"),
                    O("Francois Lonseny Fall", "UN special representative for Somalia", None),
                    O("Abdullahi Yusuf", "President", "Somalia")],
         officials_optional=[O("Siad Barre", "former President (ousted 1991)", "Somalia")],
         mentioned_dates=["2006-03", "1991"], mentioned_dates_optional=[]),
    dict(id="wn-42672", fmt="txt", date_style="updated",
         groups=["Islamic State", "al-Qaeda"], groups_optional=[],
         countries=["Iraq", "United States", "Jordan", "Singapore"],
         countries_optional=[],
         officials=[O("Nouri Maliki", "Prime Minister", "Iraq"),
                    O("George Casey", "General, leader of coalition forces in Iraq", "United States"),
                    O("Zalmay Khalilzad", "Ambassador", "United States"),
                    O("George Bush", "President", "United States"),
                    O("Abu Musab al-Zarqawi", "head of al-Qaeda in Iraq", None)],
         officials_optional=[O("Osama Bin Laden", None, None),
                             O("Abdul Rahman", "spiritual adviser to al-Zarqawi", None),
                             O("Ahmed Fadhil Nazzal al-Khalayleh", "real name of al-Zarqawi", None)],
         mentioned_dates=["2003"], mentioned_dates_optional=[]),
    dict(id="wn-46557", fmt="html", date_style="time",
         groups=["Hezbollah"], groups_optional=[],
         countries=["Israel", "Lebanon", "United States"],
         countries_optional=["Lithuania"],
         officials=[O("Sayyed Hassan Nasrallah", "Hezbollah leader", "Lebanon"),
                    O("Bush", "President", "United States"),
                    O("David Baker", "official, Prime Minister's Office", "Israel")],
         officials_optional=[O("Condoleezza Rice", None, "United States"),
                             O("Yosef Shalom Eliashiv", "Rabbi", "Israel")],
         mentioned_dates=[], mentioned_dates_optional=[]),
    dict(id="wn-49325", fmt="html", date_style="meta",
         groups=["PKK"], groups_optional=[],
         countries=["Turkey", "Iraq", "United Kingdom"], countries_optional=[],
         officials=[O("Yasar Buyukanit", "General, chief of defense forces", "Turkey")],
         officials_optional=[],
         mentioned_dates=["2006-08-29"], mentioned_dates_optional=[]),
    dict(id="wn-49939", fmt="txt", date_style="mdy",
         groups=[], groups_optional=[],
         countries=["United States", "Syria", "Iraq", "China"], countries_optional=[],
         officials=[O("Bassam Abdel Majid", "General, Interior Ministry", "Syria")],
         officials_optional=[],
         mentioned_dates=[], mentioned_dates_optional=[]),
    dict(id="wn-52757", fmt="html", date_style="meta+visible",
         groups=["Abu Sayyaf", "Jemaah Islamiyah", "al-Qaeda"], groups_optional=[],
         countries=["Philippines"], countries_optional=[],
         officials=[O("Gloria Macapagal-Arroyo", "President", "Philippines")],
         officials_optional=[],
         mentioned_dates=[], mentioned_dates_optional=[]),
    dict(id="wn-57401", fmt="txt", date_style="dmy",
         groups=[], groups_optional=[],
         countries=["Thailand"], countries_optional=["China"],
         officials=[O("Apirak Kosayothin", "Governor of Bangkok", "Thailand")],
         officials_optional=[O("Thaksin Shinawatra", "prime minister ousted in the coup (former)", "Thailand")],
         mentioned_dates=["2006-09-19", "2004"], mentioned_dates_optional=[]),
    dict(id="wn-65008", fmt="html", date_style="meta",
         groups=["AQIM", "al-Qaeda"], groups_optional=[],
         countries=["Algeria"], countries_optional=[],
         officials=[], officials_optional=[],
         mentioned_dates=["2007-01", "2006-12", "2007-03"],
         mentioned_dates_optional=[]),
    dict(id="wn-66939", fmt="txt", date_style="iso",
         groups=["Islamic State", "al-Qaeda"], groups_optional=[],
         countries=["Iraq", "United States"], countries_optional=[],
         officials=[O("Abu Ayyub al-Masri", "leader of al-Qaeda in Iraq", None),
                    O("Barham Sale", "Deputy Prime Minister", "Iraq"),
                    O("Ali al-Dabbagh", "government spokesman", "Iraq"),
                    O("Christopher Garver", "Lt. Col., spokesman for the U.S. military in Iraq", "United States")],
         officials_optional=[O("Abu Hamza al-Muhajir", None, None)],
         mentioned_dates=[], mentioned_dates_optional=[]),
    dict(id="wn-68907", fmt="txt", date_style="none",
         groups=["Taliban"], groups_optional=[],
         countries=["Afghanistan"], countries_optional=[],
         officials=[O("Mullah Omar", "head of the Taliban", "Afghanistan"),
                    O("Yousuf Ahmadi", "Taliban spokesman", "Afghanistan")],
         officials_optional=[O("Mullah Bakht Mohammad", "appointed to replace Mullah Dadullah", "Afghanistan"),
                             O("Mullah Dadullah", None, "Afghanistan")],
         mentioned_dates=["1996"], mentioned_dates_optional=["2001"]),
    dict(id="wn-82463", fmt="txt", date_style="posted",
         groups=[], groups_optional=[],
         countries=["New Zealand"], countries_optional=[],
         officials=[O("Howard Broad", "Police Commissioner", "New Zealand"),
                    O("Helen Clark", "Prime Minister", "New Zealand")],
         officials_optional=[],
         mentioned_dates=["2005", "2006", "2007"], mentioned_dates_optional=["2002"]),
    dict(id="wn-82661", fmt="html", date_style="meta",
         groups=[], groups_optional=[],
         countries=["Pakistan", "United States"], countries_optional=[],
         officials=[O("Tariq Azim Khan", "Minister of Information", "Pakistan"),
                    O("Pervez Musharraf", "President", "Pakistan"),
                    O("Manzur Mughal", "Karachi police officer", "Pakistan")],
         officials_optional=[O("Benazir Bhutto", "former Prime Minister", "Pakistan")],
         mentioned_dates=[], mentioned_dates_optional=[]),
    dict(id="wn-82891", fmt="html", date_style="jsonld",
         groups=["PKK"], groups_optional=[],
         countries=["Turkey", "Iraq", "United States"], countries_optional=[],
         officials=[O("Vecdi Gonul", "Defense Minister", "Turkey"),
                    O("George W. Bush", "President", "United States"),
                    O("Gordon Johndroe", "spokesman for the President", "United States")],
         officials_optional=[],
         mentioned_dates=[], mentioned_dates_optional=[]),
    dict(id="wn-85861", fmt="txt", date_style="wdmy",
         groups=[], groups_optional=[],
         countries=["Denmark", "United Kingdom", "Palestine", "Iraq"],
         countries_optional=["United States"],
         officials=[],
         officials_optional=[O("Folmer Theilmann", "Judge", "Denmark"),
                             O("Charlotte Alsing Juul", "prosecutor", "Denmark")],
         mentioned_dates=["2005-07-07", "2006-09-05"], mentioned_dates_optional=[]),
    dict(id="wn-88754", fmt="txt", date_style="none",
         groups=["PKK"], groups_optional=[],
         countries=["Turkey"], countries_optional=[],
         officials=[O("Recep Tayyip Erdogan", "Prime Minister", "Turkey")],
         officials_optional=[],
         mentioned_dates=[], mentioned_dates_optional=[]),
    dict(id="wn-96322", fmt="txt", date_style="none",
         groups=["Taliban"], groups_optional=[],
         countries=["Afghanistan", "United States", "Norway"], countries_optional=[],
         officials=[O("Jonas Gahr Støre", "Minister of Foreign Affairs", "Norway"),
                    O("Zabiullah Mujahid", "Taliban spokesman", "Afghanistan"),
                    O("Dana Perino", "White House press secretary", "United States")],
         officials_optional=[],
         mentioned_dates=[], mentioned_dates_optional=[]),
    dict(id="wn-100873", fmt="html", date_style="time",
         groups=["Jemaah Islamiyah"], groups_optional=[],
         countries=["Singapore", "Indonesia"], countries_optional=[],
         officials=[O("Wong Kan Seng", "Home Affairs Minister", "Singapore", surname="Wong"),
                    O("Jean-Michel Louboutin", "Interpol executive director of police services", None)],
         officials_optional=[O("Mas Selamat bin Kastari", "Jemaah Islamiyah leader (escaped detainee)", None,
                                      surname="Selamat")],
         mentioned_dates=[], mentioned_dates_optional=[]),
    dict(id="wn-100920", fmt="txt", date_style="mdy",
         groups=["FARC"], groups_optional=[],
         countries=["Colombia", "Ecuador", "United States"], countries_optional=[],
         officials=[O("Raúl Reyes", "FARC commander and international spokesman", "Colombia"),
                    O("Juan Manuel Santos", "Defense Minister", "Colombia"),
                    O("Alvaro Uribe", "President", "Colombia"),
                    O("Rafael Correa", "President", "Ecuador"),
                    O("Manuel Marulanda", "FARC leader", "Colombia")],
         officials_optional=[O("Guillermo Enrique Torres", "senior FARC member", "Colombia"),
                             O("Luis Edgar Devia Silva", "real name of Raúl Reyes", "Colombia")],
         mentioned_dates=[], mentioned_dates_optional=[]),
    dict(id="wn-109340", fmt="html", date_style="meta",
         groups=["Taliban"], groups_optional=[],
         countries=["Afghanistan", "India", "United States", "Pakistan"],
         countries_optional=[],
         officials=[O("Zamari Bashari", "government spokesman", "Afghanistan"),
                    O("Kai Eide", "United Nations envoy", None),
                    O("Shah Mahmood Qureshi", "Foreign Minister", "Pakistan")],
         officials_optional=[],
         mentioned_dates=["2001"], mentioned_dates_optional=[]),
    dict(id="wn-111152", fmt="txt", date_style="updated",
         groups=[], groups_optional=[],
         countries=["China"], countries_optional=[],
         officials=[], officials_optional=[],
         mentioned_dates=[], mentioned_dates_optional=["2008"]),
    dict(id="wn-115826", fmt="html", date_style="meta",
         groups=[], groups_optional=[],
         countries=["India", "Bangladesh"], countries_optional=[],
         officials=[O("Ban Ki-moon", "Secretary-General of the United Nations", None, surname="Ban")],
         officials_optional=[O("Shakeel Ahmad", None, "India")],
         mentioned_dates=["1990"], mentioned_dates_optional=[]),
    dict(id="wn-116390", fmt="html", date_style="meta+visible",
         groups=["Jemaah Islamiyah"], groups_optional=[],
         countries=["Indonesia"], countries_optional=[],
         officials=[], officials_optional=[],
         mentioned_dates=["2002-10-12"], mentioned_dates_optional=["2002", "2008-11"]),
    dict(id="wn-116780", fmt="txt", date_style="wdmy",
         groups=["ETA"], groups_optional=[],
         countries=["France", "Spain"], countries_optional=[],
         officials=[O("José Luis Rodríguez Zapatero", "Prime Minister", "Spain"),
                    O("Michèle Alliot-Marie", "Interior Minister", "France")],
         officials_optional=[O("Mikel Garikoitz Aspiazu Rubina", "suspected ETA military chief (arrested)", None)],
         mentioned_dates=["2007-12-01", "2000", "2004"],
         mentioned_dates_optional=["1960"]),
    dict(id="wn-119887", fmt="html", date_style="meta",
         groups=["Hamas"], groups_optional=[],
         countries=["Israel", "Palestine", "Lebanon"], countries_optional=[],
         officials=[O("Tzipi Livni", "Foreign Minister", "Israel"),
                    O("Osama Hamdan", "Hamas spokesman in Lebanon", "Palestine")],
         officials_optional=[],
         mentioned_dates=["2000", "2008-12-27"], mentioned_dates_optional=[]),
    dict(id="wn-121426", fmt="html", date_style="time",
         groups=["al-Shabaab"], groups_optional=[],
         countries=["Somalia", "Burundi", "Uganda"], countries_optional=[],
         officials=[O("Mukhtar Robow", "al-Shabaab leader", "Somalia"),
                    O("Sharif Ahmed", "President", "Somalia"),
                    O("Susannah Price", "United Nations spokesperson", None)],
         officials_optional=[],
         mentioned_dates=["2009-01-31"], mentioned_dates_optional=[]),
    dict(id="wn-121890", fmt="txt", date_style="iso",
         groups=[], groups_optional=[],
         countries=["Pakistan", "Sri Lanka", "India"], countries_optional=[],
         officials=[], officials_optional=[],
         mentioned_dates=[], mentioned_dates_optional=["2008", "2011"]),
    dict(id="wn-147230", fmt="html", date_style="jsonld",
         groups=["al-Shabaab", "al-Qaeda"], groups_optional=[],
         countries=["Somalia", "Kenya", "United Kingdom"], countries_optional=[],
         officials=[O("Peter Smerdon", "spokesperson, UN World Food Programme", None),
                    O("Emilia Casella", "representative, UN World Food Programme", None),
                    O("Sheik Ali Mohamud Rage", "al-Shabaab spokesperson", "Somalia")],
         officials_optional=[O("David Gilmour", "director, CARE International Somalia", None)],
         mentioned_dates=[], mentioned_dates_optional=["2008-01", "2009-09"]),
    dict(id="wn-228939", fmt="html", date_style="meta+modified",
         groups=[], groups_optional=[],
         countries=["United States", "Afghanistan"], countries_optional=[],
         officials=[O("Peter Carr", "spokesman, U.S. Attorney's Office (Eastern District of Virginia)", "United States")],
         officials_optional=[],
         mentioned_dates=["2010-12-06", "2010-12-09", "2010-12-21"],
         mentioned_dates_optional=[]),
    dict(id="wn-255715", fmt="txt", date_style="none",
         groups=[], groups_optional=[],
         countries=["Belarus"], countries_optional=[],
         officials=[O("Alexander Lukashenko", "President", "Belarus")],
         officials_optional=[],
         mentioned_dates=[], mentioned_dates_optional=[]),
]
# ---------------------------------------------------------------------------
# build


def evidence(spec, page_date_line, crawl):
    fmt, style = spec["fmt"], spec["date_style"]
    if spec.get("evidence"):
        return spec["evidence"]
    if style == "none":
        return ("the page states no date; the header line '%s' is the crawl "
                "date, not the publication date: a tool must not invent one" % crawl)
    if fmt == "txt":
        return "date line under the title: '%s' (the header line '%s' is the crawl date)" % (
            page_date_line, crawl)
    return {"meta": "<meta property=article:published_time>",
            "meta+visible": "<meta property=article:published_time> and the byline",
            "meta+modified": "<meta property=article:published_time> (article:modified_time is a day later)",
            "time": "only the <time datetime> in the byline",
            "jsonld": "only JSON-LD datePublished"}[style]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=DEFAULT_CORPUS)
    ap.add_argument("--out", default=HERE)
    args = ap.parse_args(argv)

    corpus = {}
    with gzip.open(args.corpus, "rt", encoding="utf-8") as fh:
        for line in fh:
            a = json.loads(line)
            corpus[a["id"]] = a

    assert len(ARTICLES) == 40 and len({s["id"] for s in ARTICLES}) == 40
    manifest = []
    for spec in ARTICLES:
        src = corpus[spec["id"]]
        text = clean(spec["id"], src["text"])
        items = paragraphs(text)
        a = dict(spec, title=src["title"], _text=text)
        pub = None
        if spec["date_style"] != "none":
            pub = datetime.date.fromisoformat(src["date"])
        ext = "txt" if spec["fmt"] == "txt" else "html"
        fname = "%s.%s" % (spec["id"], ext)
        if ext == "txt":
            page = render_text(a, items, pub)
        else:
            page = render_html(a, items, pub)
        with open(os.path.join(args.out, fname), "w", encoding="utf-8") as fh:
            fh.write(page)
        dl = date_line(spec["date_style"], pub, spec["id"]) if (ext == "txt" and pub) else None
        manifest.append({
            "id": spec["id"], "file": fname,
            "format": "text" if ext == "txt" else "html",
            "title": src["title"],
            "published": pub.isoformat() if pub else None,
            "published_also_ok": spec.get("published_also_ok", []),
            "published_evidence": evidence(spec, dl, long_date(crawl_date(spec["id"]))),
            "groups": spec["groups"], "groups_optional": spec["groups_optional"],
            "countries": spec["countries"],
            "countries_optional": spec["countries_optional"],
            "officials": spec["officials"],
            "officials_optional": spec["officials_optional"],
            "mentioned_dates": spec["mentioned_dates"],
            "mentioned_dates_optional": spec["mentioned_dates_optional"],
            "source": "Wikinews %s (%s), CC BY 2.5" % (spec["id"], src["date"]),
        })
    with open(os.path.join(args.out, "manifest.jsonl"), "w", encoding="utf-8") as fh:
        for m in manifest:
            fh.write(json.dumps(m, ensure_ascii=False) + "\n")
    n_txt = sum(1 for m in manifest if m["format"] == "text")
    n_null = sum(1 for m in manifest if m["published"] is None)
    print("wrote %d pages (%d .txt, %d .html, %d without a date) and manifest.jsonl"
          % (len(manifest), n_txt, len(manifest) - n_txt, n_null))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
