"""Every shipped language, built: no English interface text left, CLDR's dates and
numbers, CLDR's plural forms, right-to-left pages marked, feeds and structured data
in the liveblog's language."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from babel import Locale
from babel.dates import format_date, format_time

from sitegen.i18n import bundled
from sitegen.i18n.catalogs import BUNDLED, PLACEHOLDER
from sitekit import article, build_ok, entry_md, feed, html_page, make_site

SHIPPED = ["en", "uk", "ru", "pl", "de", "fr", "es", "pt", "it", "tr", "ar", "he", "fa", "hi", "ja", "zh-Hans"]
RTL = {"ar", "he", "fa"}
COUNTS = (0, 1, 2, 3, 5, 11, 21, 22, 25, 101, 111)
ENGLISH = yaml.safe_load((BUNDLED / "en.yaml").read_text("utf-8"))

CONFIG = """\
title: Qwzx
base_url: https://example.org/
timezone: Europe/Kyiv
per_page: 2
language: {language}
publisher:
  name: Qwzx Media
  logo: logo.svg
"""
LIVEBLOG = """\
title: Qwzx Vrbl
description: Qwzx Vrbl Dscr
summary: "- Qwzx kpnt"
topics:
  alfa: Alfa
  bravo: Bravo
"""


# Embed cards (their button, link and frame title are interface texts too): a post with
# an author, one without (Instagram), a video (TikTok) and a player (YouTube).
EMBED_THREE = "Qwzx three.\n\nhttps://x.com/qwzxdesk/status/1901234567890123456\n\n> Qwzx qtd"
EMBED_FIVE = ("Qwzx five.\n\nhttps://www.instagram.com/p/C1a2B3c4D5e/\n\n"
              "https://www.tiktok.com/@qwzxdesk/video/7301234567890123456\n\n"
              "https://www.youtube.com/watch?v=dQw4w9WgXcQ")


def _site(tmp_path: Path, language: str) -> Path:
    entries = {
        "e1.md": entry_md("2025-03-24T09:05", "Qwzx one.", title="Qwzx A", topics="[alfa]", pinned="true"),
        "e2.md": entry_md("2025-03-24T10:40", "Qwzx two.", title="Qwzx B", key_event="true", author="Qwzx Wrtr",
                          source="{name: Qwzx Src, url: 'https://example.net/'}"),
        "e3.md": entry_md("2025-03-24T11:15", EMBED_THREE, topics="[alfa, bravo]", updated="2025-03-24T12:00",
                          correction="Qwzx fixed."),
        "e4.md": entry_md("2025-03-24T13:30", "Qwzx four.", title="Qwzx D", key_event="true"),
        "e5.md": entry_md("2025-03-24T23:45", EMBED_FIVE, title="Qwzx E", topics="[bravo]"),
    }
    return make_site(tmp_path, config=CONFIG.format(language=language),
                     liveblogs={"live": {"liveblog.yaml": LIVEBLOG, **entries}},
                     files={"static/logo.svg": '<svg xmlns="http://www.w3.org/2000/svg"/>'})


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return {tag: build_ok(_site(tmp_path_factory.mktemp(tag.lower()), tag)) for tag in SHIPPED}


def _shown_text(path: Path) -> str:
    """What a reader meets: the text of the body (no scripts), labels read out by screen
    readers and tooltips (an embed's frame title among them), and the texts sitegen.js
    will show (the texts script the page loads)."""
    page = html_page(path)
    texts = script_texts(path, page)
    for node in page.xpath("//script | //style"):
        node.drop_tree()
    body = page.find("body")
    attributes = body.xpath("//@aria-label | //@title | //@alt | //@data-embed-title")
    shown = [body.text_content(), *attributes, *texts["texts"].values()]
    shown += [form for plural in texts["plurals"].values() for form in plural["forms"].values()]
    return " ".join(" ".join(shown).split())


def script_texts(path: Path, page) -> dict:  # type: ignore[no-untyped-def]
    """The texts of the page's texts script (assets/texts-LANG.HASH.js): what sitegen.js reads."""
    [src] = [s for s in page.xpath("//head/script/@src") if "/texts-" in s]
    name = src.rpartition("/")[2]  # (404.html's links start at the site's root path)
    [found] = {parent / "assets" / name for parent in path.parents if (parent / "assets" / name).is_file()}
    code = found.read_text("utf-8")
    prefix, suffix = "window.SITEGEN_TEXTS = ", ";\n"
    assert code.startswith(prefix) and code.endswith(suffix)
    return json.loads(code[len(prefix):-len(suffix)])


def _fragments(text: object) -> list[str]:
    """The words of an English text between its placeholders ("Last updated", ...)."""
    forms = text.values() if isinstance(text, dict) else [text]
    pieces = [p.strip(" :,.—()") for form in forms for p in PLACEHOLDER.split(str(form))[::2]]
    return [p for p in pieces if len(p) >= 4 and re.search(r"[A-Za-z]{3}", p)]


PAGES = ["index.html", "404.html", "live/index.html", "live/page/1/index.html", "live/topics/alfa/index.html",
         "live/entries/e3/index.html", "live/key-events/index.html", "live/embed/index.html"]


@pytest.mark.parametrize("language", [t for t in SHIPPED if t != "en"])
def test_no_english_interface_text_remains(built: dict[str, Path], language: str) -> None:
    own = yaml.safe_load((BUNDLED / f"{language}.yaml").read_text("utf-8"))
    assert set(own) == set(ENGLISH), "every key translated"
    for name in PAGES:
        shown = _shown_text(built[language] / name)
        left = [(key, piece) for key, text in ENGLISH.items() for piece in _fragments(text)
                if piece in shown and piece.lower() not in json.dumps(own[key], ensure_ascii=False).lower()]
        assert left == [], f"{language} {name}: English left: {left}"


@pytest.mark.parametrize("language", SHIPPED)
def test_pages_say_their_language_and_direction(built: dict[str, Path], language: str) -> None:
    for name in PAGES:
        page = html_page(built[language] / name)
        assert page.get("lang") == language
        assert page.get("dir") == ("rtl" if language in RTL else "ltr")


def test_each_page_loads_its_languages_texts_from_one_shared_file(tmp_path: Path) -> None:
    """sitegen.js's texts travel in one content-hashed script per language (not inline in
    every page): the site's language for its own pages, the liveblog's for the liveblog's."""
    out = build_ok(make_site(tmp_path, config=CONFIG.format(language="en"),
                             liveblogs={"live": {"liveblog.yaml": LIVEBLOG + "language: uk\n",
                                                 "e1.md": entry_md("2025-03-24T09:05", "Qwzx one.", title="A")}},
                             files={"static/logo.svg": '<svg xmlns="http://www.w3.org/2000/svg"/>'}))
    for name, language in (("index.html", "en"), ("live/index.html", "uk"), ("live/entries/e1/index.html", "uk"),
                           ("live/topics/alfa/index.html", "uk"), ("404.html", "en")):
        page = html_page(out / name)
        assert not page.xpath("//script[@id='sitegen-texts']"), name
        scripts = page.xpath("//head/script/@src")
        assert scripts[-1].endswith(".js") and "/texts-" in scripts[-2], name  # (texts first: both deferred)
        texts = script_texts(out / name, page)
        assert texts == bundled().lang(language).t.script_texts, name
    assert sorted(p.name.split(".")[0] for p in (out / "assets").glob("texts-*.js")) == ["texts-en", "texts-uk"]


@pytest.mark.parametrize("language", SHIPPED)
def test_entry_times_are_cldrs_for_the_locale(built: dict[str, Path], language: str) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo
    locale = Locale.parse(language, sep="-")
    moment = datetime(2025, 3, 24, 23, 45, tzinfo=ZoneInfo("Europe/Kyiv"))
    digits = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹") if language == "fa" else None
    expected = [format_time(moment, "short", locale=locale), format_date(moment, "full", locale=locale)]
    expected = [e.translate(digits) if digits else e for e in expected]
    time = article(html_page(built[language] / "live/index.html"), "e5").find(".//time")
    assert [time.findtext("span[@class='entry__clock']"), time.findtext("span[@class='entry__date']")] == expected


def _forms(language: str, key: str) -> dict[str, str]:
    return yaml.safe_load((BUNDLED / f"{language}.yaml").read_text("utf-8"))[key]


@pytest.mark.parametrize("language", SHIPPED)
def test_plural_forms_follow_cldr_for_every_count(language: str) -> None:
    lang = bundled().lang(language)
    plural = Locale.parse(language, sep="-").plural_form
    for key in ("updates_count", "new_updates", "comments_count"):
        forms = _forms(language, key)
        assert set(forms) == set(plural.tags) | {"other"}, f"{language} {key}: every CLDR category"
        for n in COUNTS:
            wanted = forms[plural(n)].replace("{count}", lang.clock.number(n))
            assert lang.t.count(key, n) == wanted
        # sitegen.js gets the same categories for the same counts (the build's table)
        data = lang.t.script_texts["plurals"]["new_updates"]
        assert [data["categories"][int(data["table"][n])] for n in COUNTS] == [plural(n) for n in COUNTS]


@pytest.mark.parametrize("language, texts", [
    ("uk", ["0 оновлень", "1 оновлення", "2 оновлення", "3 оновлення", "5 оновлень", "11 оновлень",
            "21 оновлення", "22 оновлення", "25 оновлень", "101 оновлення", "111 оновлень"]),
    ("ru", ["0 обновлений", "1 обновление", "2 обновления", "3 обновления", "5 обновлений", "11 обновлений",
            "21 обновление", "22 обновления", "25 обновлений", "101 обновление", "111 обновлений"]),
    ("pl", ["0 wpisów", "1 wpis", "2 wpisy", "3 wpisy", "5 wpisów", "11 wpisów", "21 wpisów", "22 wpisy",
            "25 wpisów", "101 wpisów", "111 wpisów"]),
    ("ar", ["لا تحديثات", "تحديث واحد", "تحديثان", "3 تحديثات", "5 تحديثات", "11 تحديثًا", "21 تحديثًا",
            "22 تحديثًا", "25 تحديثًا", "101 تحديث", "111 تحديثًا"]),
    ("he", ["0 עדכונים", "עדכון אחד", "שני עדכונים", "3 עדכונים", "5 עדכונים", "11 עדכונים", "21 עדכונים",
            "22 עדכונים", "25 עדכונים", "101 עדכונים", "111 עדכונים"]),
    ("fa", ["۰ به‌روزرسانی", "۱ به‌روزرسانی", "۲ به‌روزرسانی", "۳ به‌روزرسانی", "۵ به‌روزرسانی",
            "۱۱ به‌روزرسانی", "۲۱ به‌روزرسانی", "۲۲ به‌روزرسانی", "۲۵ به‌روزرسانی", "۱۰۱ به‌روزرسانی",
            "۱۱۱ به‌روزرسانی"]),
    ("en", ["0 updates", "1 update", "2 updates", "3 updates", "5 updates", "11 updates", "21 updates",
            "22 updates", "25 updates", "101 updates", "111 updates"]),
])
def test_update_counts_read_as_a_native_speaker_writes_them(language: str, texts: list[str]) -> None:
    t = bundled().lang(language).t
    assert [t.count("updates_count", n) for n in COUNTS] == texts


def test_a_home_card_counts_in_the_language(tmp_path: Path) -> None:
    entries = {f"e{n:02d}.md": entry_md(f"2025-03-24T{n % 24:02d}:00", f"Qwzx {n}.") for n in range(22)}
    site = make_site(tmp_path, config=CONFIG.format(language="uk"), liveblogs={"live": {"liveblog.yaml": LIVEBLOG,
                                                                                       **entries}},
                     files={"static/logo.svg": '<svg xmlns="http://www.w3.org/2000/svg"/>'})
    home = html_page(build_ok(site) / "index.html")
    assert "22 оновлення" in [s.text_content() for s in home.xpath("//p[@class='card__status']/span")]


@pytest.mark.parametrize("language", SHIPPED)
def test_feeds_and_structured_data_carry_the_language(built: dict[str, Path], language: str) -> None:
    out = built[language]
    assert feed(out / "live/feed.xml").feed.language == language
    assert feed(out / "live/atom.xml").feed.language == language
    assert json.loads((out / "live/feed.json").read_text("utf-8"))["language"] == language
    data = json.loads(html_page(out / "live/index.html").xpath("string(//script[@type='application/ld+json'])"))
    assert data["inLanguage"] == language


@pytest.mark.parametrize("language, words", [
    ("en", ["All times are", "Kyiv"]), ("uk", ["Час указано", "Київ"]), ("ar", ["جميع الأوقات", "كييف"]),
    ("ja", ["時刻はすべて", "キーウ"]), ("de", ["Alle Zeitangaben", "Kiew"]),
])
def test_each_liveblog_says_which_clock_its_times_are_on(built: dict[str, Path], language: str,
                                                         words: list[str]) -> None:
    note = html_page(built[language] / "live/index.html").xpath("string(//p[@class='liveblog-header__zone'])")
    assert all(w in note for w in words) and re.search(r"02:00", note.translate(str.maketrans("٠١٢", "012"))), note


def test_user_text_is_isolated_on_a_right_to_left_page(built: dict[str, Path]) -> None:
    page = html_page(built["ar"] / "live/page/1/index.html")
    byline = article(page, "e2").xpath(".//span[@class='entry__author']/bdi")
    assert [b.text for b in byline] == ["Qwzx Wrtr"]
    assert article(page, "e2").xpath("string(.//h3[@dir='auto'])") == "Qwzx B"


@pytest.mark.parametrize("language", SHIPPED)
def test_embed_cards_speak_the_language(built: dict[str, Path], language: str) -> None:
    """The card's link, its button and the frame's title: the catalog's words, with the
    provider's name (and the author's handle) put in."""
    own = yaml.safe_load((BUNDLED / f"{language}.yaml").read_text("utf-8"))

    def words(entry: Path, entry_id: str) -> list[tuple[str, str, str | None]]:
        cards = article(html_page(entry), entry_id).xpath(".//figure[contains(@class, 'embed')]")
        return [(c.xpath("string(.//a[@class='embed__link'])"), c.xpath("string(.//button[@class='embed__show'])"),
                 c.get("data-embed-title")) for c in cards]

    def said(key: str, **values: str) -> str:
        return re.sub(r"\{(\w+)\}", lambda m: values[m[1]], own[key])

    assert words(built[language] / "live/index.html", "e5") == [
        (said("embed_open_post", provider="Instagram"), own["embed_show"], said("embed_title", provider="Instagram")),
        (said("embed_open_video", provider="TikTok"), own["embed_show"],
         said("embed_title_by", provider="TikTok", author="@qwzxdesk")),
        (said("embed_watch", provider="YouTube"), own["embed_show"], said("embed_title", provider="YouTube")),
    ]
    assert words(built[language] / "live/entries/e3/index.html", "e3") == [
        (said("embed_open_post", provider="X"), own["embed_show"],
         said("embed_title_by", provider="X", author="@qwzxdesk"))]
