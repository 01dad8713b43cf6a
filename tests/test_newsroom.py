"""The newsroom's day (issue 14), on tiny sites with parsed output: the summary, the
key-events page, scheduled entries and coverage that ends itself (the tests set the
clock), authors, corrections and the embed page."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from sitegen.build.pipeline import build, default_options
from sitegen.incremental import uptodate
from sitekit import (DEFAULT_CONFIG, DEFAULT_LIVEBLOG, build as cli_build, build_ok, check_links, entry_md, feed,
                     html_page, make_site, snapshot, stream_ids, write, xml_tree)

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)
SUMMARY = DEFAULT_LIVEBLOG + """\
summary: |
  - Talks resume *today*.
  - Power is back in the east.
summary_updated: 2025-03-01T11:30
"""


def _site(tmp_path: Path, liveblog: str = DEFAULT_LIVEBLOG, config: str = DEFAULT_CONFIG, **entries: str) -> Path:
    return make_site(tmp_path, config, {"l": {"liveblog.yaml": liveblog, **entries}})


def _build(site: Path, now: datetime, **options: object):
    return build(default_options(site, now=now, use_cache=False, **options))  # type: ignore[arg-type]


def _manifest(out: Path) -> dict:
    return json.loads((out / "l/updates.json").read_bytes())


# ---------------------------------------------------------------- summary


def test_summary_shows_above_the_stream_and_travels_in_updates_json(tmp_path: Path) -> None:
    site = _site(tmp_path, SUMMARY, **{"a.md": entry_md("2025-03-01T10:00", title="A")})
    out = build_ok(site)
    page = html_page(out / "l/index.html")
    (box,) = page.xpath("//details[@id='summary']")
    assert box.get("open") is not None and box.get("hidden") is None
    assert [li.text_content() for li in box.xpath(".//li")] == ["Talks resume today.", "Power is back in the east."]
    assert box.xpath(".//li/em/text()") == ["today"]
    assert box.xpath("./summary//h2/text()") == ["Summary"]
    assert box.xpath(".//time/@datetime") == ["2025-03-01T11:30:00+00:00"]
    # above the stream (and, on phones, above key events and topics too)
    assert box.xpath("following::*[@id='stream-heading']") and box.xpath("following::aside")
    data = _manifest(out)["summary"]
    assert data["updated"] == "2025-03-01T11:30:00+00:00"
    assert data["version"] == box.get("data-version")
    assert "<em>today</em>" in data["html"]


def test_without_a_summary_the_box_waits_hidden_and_the_manifest_says_none(tmp_path: Path) -> None:
    site = _site(tmp_path, **{"a.md": entry_md("2025-03-01T10:00", title="A")})
    out = build_ok(site)
    (box,) = html_page(out / "l/index.html").xpath("//details[@id='summary']")
    assert box.get("hidden") is not None
    assert _manifest(out)["summary"] is None


def test_an_edited_summary_changes_the_front_page_and_manifest_only(tmp_path: Path) -> None:
    site = _site(tmp_path, SUMMARY, **{"a.md": entry_md("2025-03-01T10:00", title="A")})
    out = build_ok(site)
    before = snapshot(out)
    write(site / "content/l/liveblog.yaml", SUMMARY.replace("Power is back", "Power is still out"))
    build_ok(site)
    after = snapshot(out)
    assert {k for k in after if after[k] != before.get(k)} == {"l/index.html", "l/updates.json"}


# ---------------------------------------------------------------- key events page


def test_the_key_events_page_holds_exactly_the_key_events(tmp_path: Path) -> None:
    entries = {f"e{n:02d}.md": entry_md(f"2025-03-01T{n // 4:02d}:{n % 4 * 15:02d}", title=f"E{n}",
                                        **({"key_event": "true"} if n % 2 else {})) for n in range(50)}
    out = build_ok(_site(tmp_path, **entries))
    page = html_page(out / "l/key-events/index.html")
    assert stream_ids(page) == [f"e{n:02d}" for n in range(49, 0, -2)]  # all 25, newest first (the box: 20)
    assert len(html_page(out / "l/index.html").xpath("//*[@id='key-events-heading']/following::ol[1]/li")) == 20
    locs = {loc.text for loc in xml_tree(out / "sitemap.xml").getroot().iter("{*}loc")}
    assert "https://example.org/l/key-events/" in locs
    assert "https://example.org/l/embed/" not in locs  # (noindex)
    front = html_page(out / "l/index.html")
    assert front.xpath("//a[@href='../l/key-events/']")
    checked, problems = check_links(out, "https://example.org/")
    assert problems == [] and checked > 50


def test_a_key_events_page_without_key_events_says_so(tmp_path: Path) -> None:
    out = build_ok(_site(tmp_path, **{"a.md": entry_md("2025-03-01T10:00", title="A")}))
    page = html_page(out / "l/key-events/index.html")
    assert stream_ids(page) == [] and page.xpath("//p[@class='stream__empty']")


# ---------------------------------------------------------------- scheduled entries


def _ids_everywhere(out: Path) -> dict[str, set[str]]:
    """Where entry ids appear in the output, read from each kind of file."""
    found: dict[str, set[str]] = {}
    for path in out.rglob("*.html"):
        found[path.relative_to(out).as_posix()] = set(stream_ids(html_page(path))) | {
            href.rpartition("entry-")[2] for href in html_page(path).xpath("//a/@href") if "entry-" in href} | {
            href.rstrip("/").rpartition("/")[2] for href in html_page(path).xpath("//a/@href") if "/entries/" in href}
    for path in out.rglob("feed.xml"):
        found[path.relative_to(out).as_posix()] = {e.id.rpartition("entry-")[2] for e in feed(path).entries}
    for path in out.rglob("atom.xml"):
        found[path.relative_to(out).as_posix()] = {e.id.rpartition("entry-")[2] for e in feed(path).entries}
    for path in out.rglob("feed.json"):
        found[path.relative_to(out).as_posix()] = {i["id"].rpartition("entry-")[2]
                                                   for i in json.loads(path.read_bytes())["items"]}
    manifest = _manifest(out)
    found["l/updates.json"] = {e["id"] for e in manifest["entries"]} | set(manifest["front"])
    found["sitemap.xml"] = {loc.text.rstrip("/").rpartition("/")[2]
                            for loc in xml_tree(out / "sitemap.xml").getroot().iter("{*}loc")}
    found["files"] = {p.name for p in (out / "l/entries").iterdir()}
    return found


def _scheduled_site(tmp_path: Path) -> Path:
    return _site(tmp_path, **{
        "a.md": entry_md("2025-03-01T10:00", title="Published", key_event="true", topics="[energy]",
                         author="Olena"),
        "later.md": entry_md("2025-03-01T14:00", title="Embargoed", key_event="true", topics="[energy]",
                             author="Olena"),
    })


def test_a_future_entry_is_in_no_output_file_until_the_clock_passes_it(tmp_path: Path) -> None:
    site = _scheduled_site(tmp_path)
    result = _build(site, T0)
    out = site / "output"
    where = _ids_everywhere(out)
    assert [name for name, ids in where.items() if "later" in ids] == []
    assert "a" in where["l/index.html"] and "a" in where["l/feed.xml"] and "a" in where["files"]
    assert result.next_due is not None and result.next_due.time == datetime(2025, 3, 1, 14, 0, tzinfo=timezone.utc)
    assert "l" in result.next_due.what

    result = _build(site, T0 + timedelta(hours=2, seconds=1))
    where = _ids_everywhere(out)
    for name in ("l/index.html", "l/key-events/index.html", "l/topics/energy/index.html", "l/feed.xml",
                 "l/atom.xml", "feed.json", "l/updates.json", "sitemap.xml", "files", "index.html"):
        assert "later" in where[name], name
    assert result.next_due is None
    assert html_page(out / "l/index.html").xpath("//*[contains(@class, 'badge--scheduled')]") == []


def test_future_builds_include_scheduled_entries_marked_as_such(tmp_path: Path) -> None:
    site = _scheduled_site(tmp_path)
    _build(site, T0, future=True)
    page = html_page(site / "output/l/index.html")
    assert stream_ids(page) == ["later", "a"]
    (art,) = page.xpath("//article[@id='entry-later']")
    assert "entry--scheduled" in art.classes
    assert art.xpath(".//*[contains(@class, 'badge--scheduled')]/text()") == ["Scheduled"]
    assert html_page(site / "output/l/index.html").xpath("//article[@id='entry-a']//*[contains(@class, 'badge--scheduled')]") == []


def test_the_cli_prints_when_the_next_scheduled_entry_is_due(tmp_path: Path) -> None:
    site = _site(tmp_path, **{"a.md": entry_md("2025-03-01T10:00", title="A"),
                              "later.md": entry_md("2999-01-01T09:30", title="Far ahead")})
    result = cli_build(site)
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines()[-1].startswith("Next due: 2999-01-01 09:30 UTC (in ")
    assert "a scheduled entry in l" in result.stderr.splitlines()[-1]
    result = cli_build(site, "--future")
    assert stream_ids(html_page(site / "output/l/index.html")) == ["later", "a"]


def test_the_up_to_date_check_builds_once_a_scheduled_entry_has_come_due(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(uptodate, "RACY_NS", 0)
    monkeypatch.delenv("SITEGEN_VERIFY_INPUTS", raising=False)
    site = _scheduled_site(tmp_path)
    options = default_options(site, now=T0)
    first = build(options)
    again = build(options)
    assert first.site is not None and again.site is None  # nothing to do...
    assert again.next_due == first.next_due  # ... and still says what comes next
    later = build(default_options(site, now=T0 + timedelta(hours=3)))
    assert later.site is not None and "later" in stream_ids(html_page(site / "output/l/index.html"))
    fresh = tmp_path / "fresh"
    build(default_options(site, fresh, now=T0 + timedelta(hours=3), use_cache=False))
    assert snapshot(fresh) == snapshot(site / "output")  # the cached build's bytes are a fresh build's


# ---------------------------------------------------------------- ends


def test_ends_flips_status_badge_structured_data_and_manifest(tmp_path: Path) -> None:
    site = _site(tmp_path, DEFAULT_LIVEBLOG + "ends: 2025-03-01T13:00\n",
                 **{"a.md": entry_md("2025-03-01T10:00", title="A")})
    out = site / "output"
    result = _build(site, T0)
    page = html_page(out / "l/index.html")
    assert page.xpath("//header[contains(@class, 'liveblog-header')]//span[contains(@class, 'badge')]/text()") == ["Live"]
    assert page.xpath("//section[@data-live-url]")
    posting = json.loads(page.xpath("//script[@type='application/ld+json']/text()")[0])
    assert "coverageEndTime" not in posting
    manifest = _manifest(out)
    assert (manifest["status"], manifest["ends"]) == ("live", "2025-03-01T13:00:00+00:00")
    assert result.next_due is not None and result.next_due.time == datetime(2025, 3, 1, 13, 0, tzinfo=timezone.utc)

    result = _build(site, T0 + timedelta(hours=1))
    page = html_page(out / "l/index.html")
    assert page.xpath("//header[contains(@class, 'liveblog-header')]//span[contains(@class, 'badge')]/text()") == ["Ended"]
    assert not page.xpath("//section[@data-live-url]")  # nothing polls any more
    posting = json.loads(page.xpath("//script[@type='application/ld+json']/text()")[0])
    assert posting["coverageEndTime"] == "2025-03-01T13:00:00+00:00"
    assert _manifest(out)["status"] == "ended"
    home = html_page(out / "index.html")
    assert home.xpath("//li[contains(@class, 'card')]//span[contains(@class, 'badge')]/text()") == ["Ended"]
    assert result.next_due is None


# ---------------------------------------------------------------- schema


@pytest.mark.parametrize("where, text, message", [
    ("content/l/liveblog.yaml", DEFAULT_LIVEBLOG + "ends: soon\n", "ends: 'soon' is not an ISO 8601 time"),
    ("content/l/liveblog.yaml", DEFAULT_LIVEBLOG + "sumary: x\n", "unknown key 'sumary'; did you mean 'summary'?"),
    ("content/l/liveblog.yaml", DEFAULT_LIVEBLOG + "summary_updated: 3pm\n", "summary_updated: '3pm'"),
    ("content/l/b.md", entry_md("2025-03-01T10:00", title="B", correction="Wrong name."),
     "a `correction` needs `updated:`"),
    ("content/l/b.md", entry_md("2025-03-01T10:00", title="B", corection="x"), "did you mean 'correction'?"),
    ("sitegen.yaml", DEFAULT_CONFIG + "authors:\n  olena:\n    nam: Olena\n", "unknown key 'authors.olena.nam'"),
    ("sitegen.yaml", DEFAULT_CONFIG + "authors:\n  olena:\n    name: O\n    image: me.jpg\n",
     "authors.olena.image: image 'me.jpg' not found in static/: copy the file into static/ or correct the path"),
    ("sitegen.yaml", DEFAULT_CONFIG + "authors:\n  olena:\n    name: O\n    url: ftp://x\n", "must be an http(s) URL"),
    ("authors.yaml", "olena:\n  role: Reporter\n", "missing required key 'olena.name': the name shown on entries"),
])
def test_new_fields_go_through_the_strict_schema(tmp_path: Path, where: str, text: str, message: str) -> None:
    site = _site(tmp_path, **{"a.md": entry_md("2025-03-01T10:00", title="A")})
    write(site / where, text)
    result = cli_build(site)
    assert result.exit_code == 1 and result.exception is None
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"{site / where}:") and first.split(":")[1].isdigit(), first
    assert message in first, first


# ---------------------------------------------------------------- authors

AUTHORS = DEFAULT_CONFIG + """\
authors:
  olena:
    name: Olena Kovalenko
    role: Kyiv correspondent
    image: img/olena.png
    url: https://social.example/@olena
"""


def _png() -> bytes:
    """A small photo that carries a GPS-like EXIF field, as phone photos do."""
    from PIL import Image
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # (camera make: not kept by default)
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, "PNG", exif=exif)
    return out.getvalue()


@pytest.mark.parametrize("where, text, key, message", [
    ("sitegen.yaml", DEFAULT_CONFIG + "authors:\n  olena:\n    name: O\n    image: img/o.jpg\n", "image:",
     "authors.olena.image: image 'img/o.jpg' cannot be read ("),
    ("authors.yaml", "olena:\n  name: O\n  image: img/o.svg\n", "image:",
     "olena.image: SVG 'img/o.svg' contains <script>, which could run code"),
    ("content/l/liveblog.yaml", DEFAULT_LIVEBLOG + "summary: |\n  Key points.\n\n  ![Map](img/o.jpg)\n", "summary:",
     "summary: image 'img/o.jpg' cannot be read ("),
])
def test_a_photo_that_cannot_be_used_is_reported_where_it_is_named_with_the_reason(
        tmp_path: Path, where: str, text: str, key: str, message: str) -> None:
    """An author's photo or a summary's image that Pillow cannot open (or an SVG that could
    run code) is reported at the line that names it, with the reason and what to do, as an
    entry's image is: not "cannot be published" at the top of sitegen.yaml."""
    site = _site(tmp_path, **{"a.md": entry_md("2025-03-01T10:00", title="A")})
    write(site / "static/img/o.jpg", b"half a photo, copied while the card was ejected")
    write(site / "static/img/o.svg", '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    write(site / where, text)
    result = cli_build(site)
    assert result.exit_code == 1 and result.exception is None
    line = next(n for n, written in enumerate(text.splitlines(), 1) if written.strip().startswith(key))
    assert result.stderr.splitlines()[0].startswith(f"{site / where}:{line}: {message}"), result.stderr


def _authored(tmp_path: Path) -> Path:
    site = _site(tmp_path, config=AUTHORS, **{
        "a.md": entry_md("2025-03-01T10:00", title="Solo", author="olena"),
        "b.md": entry_md("2025-03-01T11:00", title="Pair", author="[Olena, Guest Writer]"),
        "c.md": entry_md("2025-03-01T12:00", title="Other", author="Guest Writer"),
    })
    write(site / "static/img/olena.png", _png())
    write(site / "authors.yaml", "max:\n  name: Max Weber\n")
    return site


def test_entries_show_their_authors_with_name_photo_and_page(tmp_path: Path) -> None:
    out = build_ok(_authored(tmp_path))
    page = html_page(out / "l/index.html")
    byline = page.xpath("//article[@id='entry-b']//*[@class='entry__author']")[0]
    assert byline.xpath(".//a/text()") == ["Olena Kovalenko"]
    assert byline.xpath(".//a/@href") == ["../authors/olena/"]
    (src,) = byline.xpath(".//img/@src")
    assert src.startswith("../media/") and byline.xpath(".//img/@alt") == [""]  # processed, like entries' photos
    assert (out / src[3:]).is_file() and not (out / "img/olena.png").exists()  # the original is never published
    from PIL import Image
    with Image.open(out / src[3:]) as published:
        assert 0x010F not in published.getexif()  # metadata stripped
    assert "Guest Writer" in byline.text_content()
    entry = feed(out / "l/feed.xml").entries
    assert {e.title: e.get("author") for e in entry}["Pair"] == "Olena Kovalenko, Guest Writer"


def test_each_author_gets_a_page_of_their_entries_with_person_data(tmp_path: Path) -> None:
    out = build_ok(_authored(tmp_path))
    page = html_page(out / "authors/olena/index.html")
    assert page.xpath("//h1/text()") == ["Olena Kovalenko"]
    assert [a.get("href") for a in page.xpath("//ol[@class='author-page__entries']//a")] == [
        "../../l/entries/b/", "../../l/entries/a/"]
    data = json.loads(page.xpath("//script[@type='application/ld+json']/text()")[0])
    assert data["@type"] == "ProfilePage"
    assert data["mainEntity"] == {"@type": "Person", "name": "Olena Kovalenko",
                                  "url": "https://example.org/authors/olena/", "jobTitle": "Kyiv correspondent",
                                  "image": data["mainEntity"]["image"], "sameAs": "https://social.example/@olena"}
    assert data["mainEntity"]["image"].startswith("https://example.org/media/")
    assert html_page(out / "authors/max/index.html").xpath("//h1/text()") == ["Max Weber"]  # from authors.yaml
    assert not (out / "authors/guest-writer").exists()  # a bare name has no page
    locs = {loc.text for loc in xml_tree(out / "sitemap.xml").getroot().iter("{*}loc")}
    assert {"https://example.org/authors/olena/", "https://example.org/authors/max/"} <= locs
    posting = json.loads(html_page(out / "l/index.html").xpath("//script[@type='application/ld+json']/text()")[0])
    pair = next(u for u in posting["liveBlogUpdate"] if u["headline"] == "Pair")
    assert [p["name"] for p in pair["author"]] == ["Olena Kovalenko", "Guest Writer"]
    assert pair["author"][0]["url"] == "https://example.org/authors/olena/"
    checked, problems = check_links(out, "https://example.org/")
    assert problems == []


def test_an_edited_profile_reaches_every_page_that_shows_it(tmp_path: Path) -> None:
    site = _authored(tmp_path)
    out = build_ok(site)
    write(site / "sitegen.yaml", AUTHORS.replace("Kyiv correspondent", "Odesa correspondent"))
    build_ok(site)
    role = html_page(out / "l/index.html").xpath("//article[@id='entry-a']//*[@class='entry__author-role']/text()")
    assert role == ["(Odesa correspondent)"]
    fresh = build_ok(site, "--no-cache", output=tmp_path / "fresh")
    assert snapshot(fresh) == snapshot(out)
    photo = "//article[@id='entry-a']//img/@src"
    before = html_page(out / "l/index.html").xpath(photo)
    from PIL import Image
    data = io.BytesIO()
    Image.new("RGB", (64, 48), (20, 90, 200)).save(data, "PNG")
    write(site / "static/img/olena.png", data.getvalue())  # a new photo, same file name
    build_ok(site)
    assert html_page(out / "l/index.html").xpath(photo) != before
    fresh = build_ok(site, "--no-cache", output=tmp_path / "fresh2")
    assert snapshot(fresh) == snapshot(out)


# ---------------------------------------------------------------- corrections


def test_a_correction_shows_under_its_entry_and_in_the_corrections_list(tmp_path: Path) -> None:
    out = build_ok(_site(tmp_path, **{
        "a.md": entry_md("2025-03-01T10:00", title="Fixed", updated="2025-03-01T10:40",
                         correction="'An earlier version misnamed the *minister*.'"),
        "b.md": entry_md("2025-03-01T11:00", title="Fine", updated="2025-03-01T11:10"),
        "c.md": entry_md("2025-03-01T12:00", title="Also fixed", updated="2025-03-01T12:30",
                         correction="Wrong date."),
    }))
    page = html_page(out / "l/index.html")
    (note,) = page.xpath("//article[@id='entry-a']//*[@class='entry__correction']")
    assert note.xpath(".//em/text()") == ["minister"]
    assert note.xpath(".//time/@datetime") == ["2025-03-01T10:40:00+00:00"]
    assert page.xpath("//article[@id='entry-b']//*[@class='entry__correction']") == []
    (box,) = page.xpath("//nav[@id='corrections']")
    assert box.xpath(".//a/@href") == ["#entry-c", "#entry-a"]
    assert [t.text_content() for t in box.xpath(".//*[@class='corrections__text']")] == [
        "Wrong date.", "An earlier version misnamed the minister."]
    assert html_page(out / "l/entries/a/index.html").xpath("//*[@class='entry__correction']")


# ---------------------------------------------------------------- embed


def test_the_embed_page_is_compact_live_and_links_to_the_full_coverage(tmp_path: Path) -> None:
    entries = {f"e{n:02d}.md": entry_md(f"2025-03-01T{n:02d}:00", title=f"E{n}") for n in range(1, 15)}
    out = build_ok(_site(tmp_path, **entries))
    page = html_page(out / "l/embed/index.html")
    assert stream_ids(page) == [f"e{n:02d}" for n in range(14, 4, -1)]
    (stream,) = page.xpath("//section[@data-embed]")
    assert stream.get("data-live-url") == "../../l/updates.json"
    assert page.xpath("//a[@href='https://example.org/l/']")
    assert page.xpath("//a[@href='https://example.org/l/']/@target") == ["_blank", "_blank"]
    assert page.xpath("//meta[@name='robots']/@content") == ["noindex"]
    assert page.xpath("//body/@class") == ["embed"]
