"""Languages as a site sets them: tags checked with a did-you-mean, per-liveblog
languages, site catalogs (i18n/<language>.yaml) that change labels, and the errors
and warnings a mistake in them gives."""

from __future__ import annotations

import pytest

from sitekit import DEFAULT_CONFIG, DEFAULT_LIVEBLOG, build, build_ok, entry_md, feed, html_page, make_site, snapshot

ENTRY = entry_md("2025-03-24T09:05", "Body.", title="Talks resume", key_event="true")


def _site(tmp_path, config=DEFAULT_CONFIG, liveblog=DEFAULT_LIVEBLOG, files=None, more=None):
    blogs = {"war": {"liveblog.yaml": liveblog, "a.md": ENTRY}}
    blogs.update(more or {})
    return make_site(tmp_path, config=config, liveblogs=blogs, files=files)


def _heading(page, xml_id: str) -> str:
    return page.xpath("string(//*[@id=$id])", id=xml_id).strip()


@pytest.mark.parametrize("tag, hint", [
    ("ukranian", "did you mean 'uk'?"),
    ("pt_BR", "did you mean 'pt-BR'?"),
    ("ua", "did you mean 'uk'?"),
    ("en-XX", "did you mean 'en'?"),
    ("iw", "did you mean 'he'?"),
])
def test_an_unknown_language_is_an_error_with_a_did_you_mean(tmp_path, tag, hint):
    site = _site(tmp_path, config=DEFAULT_CONFIG + f"language: {tag}\n")
    result = build(site)
    assert result.exit_code == 1 and result.exception is None
    (line,) = [ln for ln in result.stderr.splitlines() if "sitegen.yaml" in ln]
    assert line.startswith(f"{site / 'sitegen.yaml'}:4: language:") and line.endswith(hint)
    assert not (site / "output").exists()


def test_a_liveblogs_language_is_checked_where_it_is_written(tmp_path):
    site = _site(tmp_path, liveblog=DEFAULT_LIVEBLOG + "language: German\n")
    result = build(site)
    assert result.exit_code == 1
    yaml_path = site / "content/war/liveblog.yaml"
    assert f"{yaml_path}:6: language:" in result.stderr and "did you mean 'de'?" in result.stderr


def test_two_liveblogs_in_two_languages_side_by_side(tmp_path):
    site = _site(tmp_path, more={"viina": {"liveblog.yaml": DEFAULT_LIVEBLOG + "language: uk\n",
                                           "a.md": ENTRY}})
    out = build_ok(site)
    english, ukrainian = html_page(out / "war/index.html"), html_page(out / "viina/index.html")
    assert english.get("lang") == "en" and ukrainian.get("lang") == "uk"
    assert _heading(english, "key-events-heading") == "Key events"
    assert _heading(ukrainian, "key-events-heading") == "Ключові події"
    assert feed(out / "war/feed.xml").feed.language == "en"
    assert feed(out / "viina/feed.xml").feed.language == "uk"


def test_a_site_file_changes_a_label_in_its_language_only(tmp_path):
    site = _site(tmp_path, files={"i18n/en.yaml": "key_events: The big moments\n"},
                 more={"viina": {"liveblog.yaml": DEFAULT_LIVEBLOG + "language: uk\n", "a.md": ENTRY}})
    out = build_ok(site)
    assert _heading(html_page(out / "war/index.html"), "key-events-heading") == "The big moments"
    assert _heading(html_page(out / "viina/index.html"), "key-events-heading") == "Ключові події"


def test_an_unknown_key_in_a_site_file_is_an_error_with_its_line(tmp_path):
    site = _site(tmp_path, files={"i18n/uk.yaml": "live: Наживо\n"})
    out = build_ok(site)  # a first, good build ...
    (site / "i18n/uk.yaml").write_text("live: Наживо\nkey_evnts: Головне\n", "utf-8")
    before = snapshot(out)
    result = build(site)
    assert result.exit_code == 1 and result.exception is None
    assert f"{site / 'i18n/uk.yaml'}:2: unknown key 'key_evnts'; did you mean 'key_events'?" in result.stderr
    assert snapshot(out) == before  # ... whose output stays as it was


@pytest.mark.parametrize("name, text, message", [
    ("uk.yaml", "updates_count:\n  one: \"{count} оновлення\"\n", "updates_count: the `other` form is required"),
    ("uk.yaml", "updates_count:\n  two: x\n  other: y\n", "Ukrainian has no plural form 'two'"),
    ("de.yaml", "by_author: \"Von {autor}\"\n", "by_author: unknown placeholder {autor}; this text may use {author}"),
    ("deutsch.yaml", "live: Live\n", "the file name must be a language tag"),
    ("fr.yaml", "live:\n  - En direct\n", "live: expected a text"),
])
def test_mistakes_in_a_site_file_name_the_file(tmp_path, name, text, message):
    site = _site(tmp_path, files={f"i18n/{name}": text})
    result = build(site)
    assert result.exit_code == 1 and result.exception is None
    assert str(site / "i18n" / name) in result.stderr and message in result.stderr


@pytest.mark.parametrize("text, message", [
    ("my_label:\n  one: [1]\n  other: Mine\n", "en.yaml:2: my_label.one: expected a text"),
    ("text: Mine\n", "en.yaml:1: 'text' cannot be a key"),
    ("_texts: Mine\n", "en.yaml:1: '_texts' cannot be a key"),
])
def test_mistakes_in_a_themes_own_keys_name_the_file(tmp_path, text, message):
    """A theme's en.yaml may add keys; a malformed one is a message, not a traceback."""
    site = _site(tmp_path, config=DEFAULT_CONFIG + "theme: mine\n",
                 files={"themes/mine/templates/.keep": "", "themes/mine/i18n/en.yaml": text})
    result = build(site)
    assert result.exit_code == 1 and result.exception is None
    assert f"{site / 'themes/mine/i18n'}/{message}" in result.stderr


def test_the_names_a_key_may_not_take_are_what_t_has_besides_texts():
    from sitegen.i18n.catalogs import RESERVED
    from sitegen.i18n.messages import Messages
    assert {name for name in vars(Messages) if not name.startswith("_")} == RESERVED


def test_a_tag_checked_by_its_file_name_is_the_tag_babel_gives():
    """`language:` is checked without importing Babel when CLDR has a file of that name
    (core/language.py); any tag it takes must be the one Babel would give."""
    from babel.localedata import locale_identifiers

    from sitegen.core.language import _named_by_a_file, check_language, parse_language, tag_of
    tags = [ident.replace("_", "-") for ident in locale_identifiers()]
    taken = 0
    for tag in {form for t in tags for form in (t, t.lower(), t.upper(), f" {t} ")} | {"zh-tw", "iw", "und"}:
        fast = _named_by_a_file(tag.strip())
        if fast is not None:
            taken += 1
            assert fast == tag_of(parse_language(tag)) == check_language(tag), tag
    assert taken > 1000 and _named_by_a_file("iw") is None and _named_by_a_file("und") is None


def test_a_language_without_a_catalog_falls_back_to_english_and_warns_once(tmp_path):
    site = _site(tmp_path, config=DEFAULT_CONFIG + "language: sw\n",
                 files={"i18n/sw.yaml": "key_events: Matukio muhimu\n"})
    result = build(site)
    assert result.exit_code == 0, result.stderr
    warnings = [ln for ln in result.stderr.splitlines() if ln.startswith("warning: i18n")]
    assert len(warnings) == 1 and "sw" in warnings[0]
    listed = warnings[0].split("English: ")[1].split(" (")[0].split(", ")
    assert "latest_updates" in listed and "key_events" not in listed
    page = html_page(site / "output/war/index.html")
    assert page.get("lang") == "sw"
    assert _heading(page, "key-events-heading") == "Matukio muhimu"
    assert _heading(page, "stream-heading") == "Latest updates"


def test_a_regional_catalog_refines_its_language(tmp_path):
    """pt-BR takes pt's texts, then its own; zh-Hant never takes Simplified Chinese."""
    site = _site(tmp_path, config=DEFAULT_CONFIG + "language: pt-BR\n",
                 files={"i18n/pt-BR.yaml": "key_events: Momentos-chave\n"},
                 more={"taiwan": {"liveblog.yaml": DEFAULT_LIVEBLOG + "language: zh-Hant\n", "a.md": ENTRY}})
    result = build(site)
    assert result.exit_code == 0, result.stderr
    out = site / "output"
    brazil = html_page(out / "war/index.html")
    assert _heading(brazil, "key-events-heading") == "Momentos-chave"
    assert _heading(brazil, "stream-heading") == "Últimas atualizações"
    taiwan = html_page(out / "taiwan/index.html")
    assert taiwan.get("lang") == "zh-Hant" and _heading(taiwan, "stream-heading") == "Latest updates"
    assert any("zh-Hant" in ln for ln in result.stderr.splitlines() if ln.startswith("warning: i18n"))


def test_init_scaffolds_a_site_in_the_language_asked_for(tmp_path):
    from sitekit import run_cli
    site = tmp_path / "site"
    assert run_cli("init", str(site), "--language", "uk").exit_code == 0
    (site / "content/my-liveblog/2025-01-15-1000-pinning-and-key-events.md").unlink()
    out = build_ok(site)
    home = html_page(out / "index.html")
    assert home.get("lang") == "uk" and home.xpath("string(//h1)") == "Моя редакція — наживо"
    assert html_page(out / "my-liveblog/index.html").xpath("string(//h1)").strip() == "Моя перша трансляція"


def test_init_refuses_an_unknown_language_with_a_did_you_mean(tmp_path):
    from sitekit import run_cli
    result = run_cli("init", str(tmp_path / "site"), "--language", "ukrainian")
    assert result.exit_code == 1 and "did you mean 'uk'?" in result.stderr
    assert not (tmp_path / "site").exists()


def test_new_writes_its_comments_in_the_liveblogs_language(tmp_path):
    from sitekit import run_cli
    site = _site(tmp_path, liveblog=DEFAULT_LIVEBLOG + "language: ar\ntimezone: Asia/Gaza\n")
    result = run_cli("new", "war", "--title", "Qwzx", "--source", str(site))
    assert result.exit_code == 0, result.stderr
    text = (site / "content/war" / result.stdout.strip().rsplit("/", 1)[1]).read_text("utf-8")
    comments = [line for line in text.splitlines() if line.startswith("# ")]
    assert comments == ["# " + line for line in (
        f"وقت وقوع الحدث ({comments[0].split('(', 1)[1].split(')')[0]})؛ صحّحه عند الحاجة",
        "اكتب التحديث بصيغة Markdown تحت السطر --- الثاني بدلًا من النص المؤقت")]
    assert "توقيت" in comments[0]  # the zone named in Arabic
