"""`sitegen build` on tiny sites: order, anchors, topics, times, drafts, feeds, base_url.

One small two-liveblog site is built once per module (plain, with --drafts, and under a
sub-path base_url); tests assert on the parsed pages and feeds.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from sitekit import (tiny_png, DEFAULT_CONFIG, article, build_ok, check_links, entry_md, feed, html_files,
                     html_page, make_site, stream_ids, xml_tree)

UTC = timezone.utc

WAR = {
    "liveblog.yaml": """\
        title: War live
        description: Rolling coverage.
        timezone: Europe/Kyiv
        topics:
          energy: Energy talks
          diplomacy: Diplomacy
          empty: Nothing yet
        """,
    # Naive times are Kyiv time (UTC+2 in March 2025, before the clocks change).
    "pin.md": entry_md("2025-03-22T08:00", "The summary.", title="Pinned summary", pinned="true",
                       topics="[diplomacy]"),
    # Both bodies have a footnote 1: their ids must still be unique on the page.
    "early.md": entry_md("2025-03-22T09:30", "Early body.[^1]\n\n[^1]: Early note.", title="Early",
                         topics="[energy]"),
    "offset.md": entry_md("2025-03-22T10:00:00+00:00", "Offset body.[^1]\n\n[^1]: Offset note.", title="Offset",
                          topics="[energy, Diplomacy]"),
    "secret.md": entry_md("2025-03-22T11:00", "Not yet.", title="Draft entry", draft="true",
                          topics="[energy]"),
    "untitled.md": entry_md("2025-03-22T12:30", "An update **without** a headline."),
    "list.yaml": """\
        - id: Mid-Day
          time: 2025-03-22T13:30
          title: Midday news
          topics: [diplomacy]
          key_event: true
          author: Ann Writer
          image: images/pic.png
          alt: ""
          caption: A caption
          credit: Photo desk
          source: {name: Wire, url: "https://wire.example/story"}
          updated: 2025-03-22T14:00
          body: |
            Midday *body*.
        - id: late
          time: 2025-03-22T23:30:00+00:00
          title: Late night
          key_event: true
          topics: energy
          body: After midnight in Kyiv.
        """,
}

ENDED = {
    "liveblog.yaml": "title: Old story\nstatus: ended\n",
    "only.md": entry_md("2025-03-25T10:00", "Newest of all, but ended.", title="Ended entry"),
}

PUBLISHED = ["pin", "late", "mid-day", "untitled", "offset", "early"]  # page order
INSTANTS = {  # the absolute instant of each entry
    "pin": datetime(2025, 3, 22, 6, 0, tzinfo=UTC),
    "early": datetime(2025, 3, 22, 7, 30, tzinfo=UTC),
    "secret": datetime(2025, 3, 22, 9, 0, tzinfo=UTC),
    "offset": datetime(2025, 3, 22, 10, 0, tzinfo=UTC),
    "untitled": datetime(2025, 3, 22, 10, 30, tzinfo=UTC),
    "mid-day": datetime(2025, 3, 22, 11, 30, tzinfo=UTC),
    "late": datetime(2025, 3, 22, 23, 30, tzinfo=UTC),
}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("build")
    config = DEFAULT_CONFIG.replace("timezone: UTC", "timezone: America/New_York")
    return make_site(root, config=config, liveblogs={"war": WAR, "ended": ENDED},
                     files={"static/images/pic.png": tiny_png(), "static/robots.txt": "ok",
                            "static/.well-known/security.txt": "Contact: x", "static/.DS_Store": "junk"})


@pytest.fixture(scope="module")
def out(site) -> Path:
    return build_ok(site)


@pytest.fixture(scope="module")
def out_drafts(site) -> Path:
    return build_ok(site, "--drafts", output=site.parent / "with-drafts")


@pytest.fixture(scope="module")
def war(out):
    return html_page(out / "war/index.html")


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


def _entry_time(page, entry_id: str):
    """The <time> element of an entry that gives its publication instant."""
    times = [t for t in article(page, entry_id).iter("time")
             if _instant(t.get("datetime")) == INSTANTS[entry_id]]
    assert times, f"no <time datetime> with the instant of {entry_id}"
    return times[0]


# --- order and anchors ------------------------------------------------------

def test_liveblog_newest_first_with_pinned_on_top(war):
    assert stream_ids(war) == PUBLISHED


def test_every_entry_has_exactly_one_anchor(war):
    for entry_id in PUBLISHED:
        assert len(war.xpath("//*[@id=$i]", i=f"entry-{entry_id}")) == 1


def test_ids_are_unique_on_every_page(out):
    for path in html_files(out):
        ids = [el.get("id") for el in html_page(path).xpath("//*[@id]")]
        assert len(ids) == len(set(ids)), f"{path}: duplicate ids"


def test_topic_anchors_on_the_liveblog_page(war):
    for slug in ("energy", "diplomacy", "empty"):
        assert len(war.xpath("//*[@id=$i]", i=f"topic-{slug}")) == 1


def test_topic_pages_list_exactly_their_entries(out):
    expected = {"energy": ["late", "offset", "early"], "diplomacy": ["mid-day", "offset", "pin"],
                "empty": []}
    for slug, ids in expected.items():
        assert stream_ids(html_page(out / f"war/topics/{slug}/index.html")) == ids, slug


def test_topic_links_of_an_entry_lead_to_its_topic_pages(out, war):
    hrefs = [a.get("href") for a in article(war, "offset").iter("a")]
    resolved = {(out / "war" / h).resolve() for h in hrefs if "topics/" in h}
    assert resolved == {(out / "war/topics" / t).resolve() for t in ("energy/", "diplomacy/")}


def test_home_lists_live_liveblogs_first(out):
    home = html_page(out / "index.html")
    hrefs = [a.get("href") for a in home.xpath("//main//a")]
    war_at = next(i for i, h in enumerate(hrefs) if h.rstrip("/").endswith("war"))
    ended_at = next(i for i, h in enumerate(hrefs) if h.rstrip("/").endswith("ended"))
    assert war_at < ended_at  # "ended" has the newest entry, but is not live


def test_key_events_box_links_key_entries(war):
    (box,) = war.xpath("//nav[@aria-labelledby='key-events-heading']")
    assert [h.rpartition("#")[2] for h in box.xpath(".//a/@href")] == ["entry-late", "entry-mid-day"]


def test_key_events_box_shows_the_newest_twenty(tmp_path):
    """A long liveblog has hundreds of key events: the box keeps to the newest."""
    entries = {"liveblog.yaml": "title: Long war\n"}
    for n in range(25):
        entries[f"k{n:02d}.md"] = entry_md(f"2025-03-{n + 1:02d}T10:00", f"Key event {n}.", key_event="true")
    out = build_ok(make_site(tmp_path, liveblogs={"long": entries}))
    links = html_page(out / "long/index.html").xpath("//*[@id='key-events-heading']/following::ol[1]//a/@href")
    assert [h.rpartition("#")[2] for h in links] == [f"entry-k{n:02d}" for n in range(24, 4, -1)]


# --- times and timezones ----------------------------------------------------

@pytest.mark.parametrize("entry_id", PUBLISHED)
def test_time_datetime_is_the_absolute_instant(war, entry_id):
    value = _entry_time(war, entry_id).get("datetime")
    assert datetime.fromisoformat(value).tzinfo is not None, "datetime must carry an offset"


@pytest.mark.parametrize("entry_id, shown, not_shown", [
    ("early", "9:30", "7:30"),       # naive -> the liveblog's timezone
    ("offset", "12:00", "10:00"),    # +00:00 shown in Kyiv time
    ("late", "1:30", "11:30"),       # crosses midnight in Kyiv (English: a 12-hour clock)
])
def test_displayed_time_is_in_the_liveblog_timezone(war, entry_id, shown, not_shown):
    text = _entry_time(war, entry_id).text_content()
    assert shown in text and not_shown not in text


def test_displayed_date_follows_the_liveblog_timezone(war):
    numbers = re.findall(r"\d+", _entry_time(war, "late").text_content())
    assert "23" in numbers and "22" not in numbers


def test_site_timezone_is_the_default(out):
    """`ended` declares no timezone: its naive times are in the site's (New York, UTC-4)."""
    page = html_page(out / "ended/index.html")
    (time,) = [t for t in article(page, "only").iter("time")
               if _instant(t.get("datetime")) == datetime(2025, 3, 25, 14, 0, tzinfo=UTC)]
    assert "10:00" in time.text_content() and "14:00" not in time.text_content()


def test_entry_fields_are_shown(war):
    node = article(war, "mid-day")
    text = " ".join(node.text_content().split())
    for expected in ("Midday news", "Ann Writer", "A caption", "Photo desk", "Wire"):
        assert expected in text
    assert [a.get("href") for a in node.iter("a") if a.get("href") == "https://wire.example/story"]
    (img,) = [i for i in node.iter("img") if "media/pic-" in i.get("src", "")]  # processed
    assert img.get("alt") == "" and img.get("width") == "4" and img.get("height") == "3"
    assert img.get("loading") == "lazy" or war.xpath("(//img[@loading!='lazy' or not(@loading)])[1]")[0] is img
    updated = [t for t in node.iter("time")
               if _instant(t.get("datetime")) == datetime(2025, 3, 22, 12, 0, tzinfo=UTC)]
    assert updated, "the `updated` time is shown with its instant"


def test_footnotes_link_within_their_entry(war):
    for entry_id in ("early", "offset"):
        node = article(war, entry_id)
        refs = [h for h in node.xpath(".//a/@href") if h.startswith("#")]
        assert len(refs) >= 2  # the reference and the back-link
        for ref in refs:
            assert node.xpath(".//*[@id=$i]", i=ref[1:]), f"{entry_id}: {ref} is not inside the entry"


def test_untitled_entry_renders_its_body(war):
    node = article(war, "untitled")
    assert node.xpath(".//strong/text()") == ["without"]


# --- drafts -----------------------------------------------------------------

def test_drafts_are_left_out_by_default(out):
    for path in html_files(out):
        assert not html_page(path).xpath("//*[@id='entry-secret']"), path
    for path in out.rglob("feed.xml"):
        assert "Draft entry" not in [e.title for e in feed(path).entries]


def test_drafts_appear_with_the_drafts_flag(out_drafts):
    war = html_page(out_drafts / "war/index.html")
    assert stream_ids(war) == ["pin", "late", "mid-day", "untitled", "offset", "secret", "early"]
    assert "secret" in stream_ids(html_page(out_drafts / "war/topics/energy/index.html"))


# --- feeds ------------------------------------------------------------------

def test_liveblog_feed_items_and_guids(out):
    parsed = feed(out / "war/feed.xml")
    ids = [e.id for e in parsed.entries]
    assert ids == [f"https://example.org/war/#entry-{i}" for i in
                   ["late", "mid-day", "untitled", "offset", "early", "pin"]]
    # the link is the entry's permanent page; the guid (its anchor) never changes
    assert [e.link for e in parsed.entries] == [i.replace("#entry-", "entries/") + "/" for i in ids]
    assert all((out / e.link.removeprefix("https://example.org/") / "index.html").is_file() for e in parsed.entries)
    assert parsed.entries[0].title == "Late night"
    assert parsed.entries[2].title  # a title-less entry still has a headline


def test_site_feed_spans_every_liveblog(out):
    ids = [e.id for e in feed(out / "feed.xml").entries]
    assert ids[0] == "https://example.org/ended/#entry-only"
    assert len(ids) == len(PUBLISHED) + 1


def test_topic_feeds_hold_their_entries(out):
    ids = [e.id.rpartition("#entry-")[2] for e in feed(out / "war/topics/energy/feed.xml").entries]
    assert ids == ["late", "offset", "early"]


def test_every_xml_output_is_well_formed(out):
    files = sorted(out.rglob("*.xml"))
    assert out / "sitemap.xml" in files
    for path in files:
        xml_tree(path)


def test_sitemap_lists_the_pages(out):
    tree = xml_tree(out / "sitemap.xml")
    locs = set(tree.xpath("//s:loc/text()", namespaces={"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}))
    assert {"https://example.org/", "https://example.org/war/", "https://example.org/war/topics/energy/"} <= locs


def test_static_files_are_copied(out, site):
    assert (out / "robots.txt").read_text() == "ok"
    assert not (out / "images/pic.png").exists()  # an entry's image is published processed only
    assert (out / "404.html").is_file()


def test_well_known_is_published_but_other_hidden_files_are_not(out):
    assert (out / ".well-known/security.txt").read_text() == "Contact: x"
    assert not (out / ".DS_Store").exists()


# --- base_url with a sub-path -----------------------------------------------

SUB = "https://example.org/news/"


@pytest.fixture(scope="module")
def out_sub(site) -> Path:
    return build_ok(site, "--base-url", SUB, output=site.parent / "sub")


def test_every_internal_link_resolves_under_a_sub_path(out_sub):
    checked, problems = check_links(out_sub, SUB)
    assert checked > 50
    assert problems == []


def test_every_internal_link_resolves_at_the_root(out):
    checked, problems = check_links(out, "https://example.org/")
    assert checked > 50
    assert problems == []


def test_absolute_urls_honour_the_sub_path(out_sub):
    war = html_page(out_sub / "war/index.html")
    assert war.xpath("//link[@rel='canonical']/@href") == [SUB + "war/"]
    parsed = feed(out_sub / "war/feed.xml")
    assert {e.id for e in parsed.entries} == {f"{SUB}war/#entry-{i}" for i in PUBLISHED}
    assert parsed.feed.link == SUB + "war/"
    locs = xml_tree(out_sub / "sitemap.xml").xpath("//*[local-name()='loc']/text()")
    assert locs and all(loc.startswith(SUB) for loc in locs)


def test_base_url_in_config_is_used(tmp_path):
    site = make_site(tmp_path, config=DEFAULT_CONFIG.replace("https://example.org/", "https://news.example/live"),
                     liveblogs={"war": {"liveblog.yaml": "title: W\n", "a.md": entry_md("2025-03-01T10:00")}})
    out = build_ok(site)
    assert [e.id for e in feed(out / "war/feed.xml").entries] == ["https://news.example/live/war/#entry-a"]
    checked, problems = check_links(out, "https://news.example/live/")
    assert problems == []
