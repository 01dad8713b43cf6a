"""Issue 12: photos made safe and fast (real images made with Pillow), alt text, embeds.

Every image here is a real file; every check reads the published files back with
Pillow or parses the pages, feeds and updates.json.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import time
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from PIL import Image

import sitegen.incremental.cache
import sitegen.media.library
from sitegen.build.pipeline import BuildOptions, build as run_build, default_options
from sitegen.core.memo import Partition
from sitegen.media.records import VERIFIED, MemoryStore, PictureRecords
from sitegen.model.pictures import Picture, Variant
from sitegen.serve.session import Rebuilder
from sitekit import DEFAULT_CONFIG, DEFAULT_LIVEBLOG, build, build_ok, entry_md, make_site, snapshot, write

T = "2025-03-22T09:30"
GPS_IFD = 0x8825


def jpeg(width: int, height: int, orientation: int = 1, gps: bool = True, artist: str | None = None) -> bytes:
    """A phone-like JPEG: a blue block in its stored top-left corner, GPS, orientation."""
    im = Image.new("RGB", (width, height), (220, 40, 40))
    im.paste((0, 0, 255), (0, 0, width // 4, height // 4))
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x0110] = "Phone 15"  # model
    if artist:
        exif[0x013B] = artist
    if gps:
        exif.get_ifd(GPS_IFD).update({1: "N", 2: (50.0, 27.0, 1.5), 3: "E", 4: (30.0, 31.0, 2.5)})
    out = io.BytesIO()
    im.save(out, "JPEG", quality=90, exif=exif.tobytes(), comment=b"secret note")
    return out.getvalue()


def html_page(path: Path):  # noqa: ANN201 - an lxml element
    """Parsed as browsers do (html5lib): libxml2's parser does not know <picture>/<source>."""
    import html5lib
    return html5lib.parse(path.read_bytes(), treebuilder="lxml", namespaceHTMLElements=False).getroot()


def article(page, entry_id: str):  # noqa: ANN001, ANN201
    (node,) = page.xpath(f"//article[@id='entry-{entry_id}']")
    return node


def _site(tmp_path: Path, entries: dict[str, str], files: dict[str, bytes | str],
          config: str = DEFAULT_CONFIG) -> Path:
    return make_site(tmp_path, config, {"war": {"liveblog.yaml": DEFAULT_LIVEBLOG, **entries}}, files)


def _file(page_path: Path, url: str) -> Path:
    return Path(urljoin(f"file://{page_path}", url)[len("file://"):])


def _candidates(srcset: str) -> list[tuple[str, int]]:
    return [(url, int(w[:-1])) for url, w in (c.strip().split() for c in srcset.split(","))]


def test_a_phone_photo_comes_out_upright_with_no_metadata(tmp_path: Path) -> None:
    site = _site(tmp_path, {"a.md": entry_md(T, "Body.", image="photos/p.jpg", alt="Rescuers at work")},
                 {"static/photos/p.jpg": jpeg(800, 600, orientation=6, artist="Reporter")})
    out = build_ok(site)
    published = sorted((out / "media").iterdir())
    assert published and not (out / "photos/p.jpg").exists()  # the original never goes out
    for path in published:
        with Image.open(path) as im:
            assert len(im.getexif()) == 0, path.name
            assert not {"xmp", "XML:com.adobe.xmp", "comment", "icc_profile", "exif"} & set(im.info), path.name
            assert im.height > im.width, path.name  # stored 800x600 sideways, shown 600x800
            rgb = im.convert("RGB")
            # orientation 6 turns the picture clockwise: the stored top-left block ends top-right
            assert rgb.getpixel((im.width - 2, 2))[2] > 200 and rgb.getpixel((2, 2))[2] < 100, path.name
    assert any(p.suffix == ".webp" for p in published) and any(p.suffix == ".jpg" for p in published)


def test_srcset_candidates_exist_at_their_widths_and_img_sizes_match(tmp_path: Path) -> None:
    site = _site(tmp_path, {"a.md": entry_md(T, "Body.\n\n![A body photo](photos/b.jpg)", image="photos/p.jpg",
                                             alt="x")},
                 {"static/photos/p.jpg": jpeg(2000, 1500), "static/photos/b.jpg": jpeg(1000, 500)})
    out = build_ok(site)
    page_path = out / "war/index.html"
    node = article(html_page(page_path), "a")
    pictures = node.xpath(".//picture")
    assert len(pictures) == 2
    widths = []
    for picture in pictures:
        (img,) = picture.xpath("./img")
        with Image.open(_file(page_path, img.get("src"))) as im:
            assert (img.get("width"), img.get("height")) == (str(im.width), str(im.height))
        assert img.get("alt") and img.get("decoding") == "async" and img.get("sizes")
        for srcset in [img.get("srcset")] + picture.xpath("./source/@srcset"):
            found = _candidates(srcset)
            for url, width in found:
                with Image.open(_file(page_path, url)) as im:
                    assert im.width == width, url
            widths.append([w for _, w in found])
        assert picture.xpath("./source/@type")[-1] == "image/webp"
    assert [480, 800, 1200, 1600] in widths  # the configured widths (2000 px wide photo)
    assert [480, 800, 1000] in widths  # never upscaled: a 1000 px photo stops at 1000
    head = html_page(out / "war/entries/a/index.html")
    og = {m.get("property") or m.get("name"): m.get("content") for m in head.xpath("//meta")}
    assert re.fullmatch(r"https://example\.org/media/p-[0-9a-f]{12}-1200\.jpg", og["og:image"])
    assert (og["og:image:width"], og["og:image:height"]) == ("1200", "900")
    with Image.open(out / urlsplit(og["og:image"]).path.lstrip("/")) as im:
        assert im.size == (1200, 900)


def test_a_body_photo_is_the_social_card_of_an_entry_without_image(tmp_path: Path) -> None:
    out = build_ok(_site(tmp_path, {"a.md": entry_md(T, "Body.\n\n![Scene](b.jpg)")}, {"static/b.jpg": jpeg(700, 500)}))
    head = html_page(out / "war/entries/a/index.html")
    (image,) = head.xpath("//meta[@property='og:image']/@content")
    assert re.fullmatch(r"https://example\.org/media/b-[0-9a-f]{12}-700\.jpg", image)


def test_first_image_of_a_page_is_eager_and_the_rest_lazy(tmp_path: Path) -> None:
    entries = {f"e{i}.md": entry_md(f"2025-03-22T0{i}:00", "Body.", image="p.jpg", alt="") for i in range(1, 4)}
    out = build_ok(_site(tmp_path, entries, {"static/p.jpg": jpeg(500, 400)}))
    imgs = html_page(out / "war/index.html").xpath("//main//img")
    assert len(imgs) == 3 and imgs[0].get("loading") is None
    assert [i.get("loading") for i in imgs[1:]] == ["lazy", "lazy"]


def test_keep_metadata_keeps_only_the_named_fields(tmp_path: Path) -> None:
    config = DEFAULT_CONFIG + "media:\n  keep_metadata: [artist]\n  formats: [webp]\n  widths: [300]\n"
    site = _site(tmp_path, {"a.md": entry_md(T, image="p.jpg", alt="x")},
                 {"static/p.jpg": jpeg(600, 400, artist="Photo desk")}, config)
    out = build_ok(site)
    names = sorted(p.name for p in (out / "media").iterdir())
    # 300 px as configured, and the social card's (1200 px, here the photo's own 600)
    assert [n.split("-")[-1] for n in names] == ["300.jpg", "300.webp", "600.jpg", "600.webp"]
    for name in names:
        with Image.open(out / "media" / name) as im:
            exif = im.getexif()
            assert exif.get(0x013B) == "Photo desk" and 0x0110 not in exif and not exif.get_ifd(GPS_IFD)


def test_an_unknown_media_setting_is_an_error_with_a_suggestion(tmp_path: Path) -> None:
    site = _site(tmp_path, {"a.md": entry_md(T)}, {}, DEFAULT_CONFIG + "media:\n  widht: [300]\n")
    result = build(site)
    assert result.exit_code == 1 and "widths" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(("name", "data", "words"), [
    ("truncated.jpg", jpeg(1200, 900)[:4000], "cannot be read"),
    ("png-in-disguise.jpg", None, "not what its .jpg extension says"),
    ("bomb.png", None, "over the limit"),
    ("cut-short.gif", None, "cannot be read"),
    ("sizeless-page.tif", None, "cannot be read"),
    ("notes.heic", b"\x00\x00\x00\x18ftypheic", "cannot publish"),
    ("evil.svg", '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "could run code"),
    ("handler.svg", '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "could run code"),
])
def test_a_bad_image_is_a_clean_error_naming_the_entry(tmp_path: Path, name: str, data: bytes | str | None,
                                                       words: str) -> None:
    if name == "png-in-disguise.jpg":
        out = io.BytesIO()
        Image.new("RGB", (10, 10)).save(out, "PNG")
        data = out.getvalue()
    elif name == "bomb.png":  # 80 megapixels in a few kilobytes
        out = io.BytesIO()
        Image.new("1", (10_000, 8_000)).save(out, "PNG")
        data = out.getvalue()
    elif name == "cut-short.gif":  # an animation copied only up to its second frame's start
        out = io.BytesIO()        # (Pillow's GIF reader raises struct.error, not OSError)
        Image.new("RGB", (80, 60)).save(out, "GIF", save_all=True, duration=50,
                                        append_images=[Image.new("RGB", (80, 60), (200, 0, 0))])
        data = out.getvalue()
        data = data[:data.rindex(b"\x21\xf9\x04") + 9]  # (its graphic control block, then ',')
    elif name == "sizeless-page.tif":  # a two-page TIFF whose second page lost its width
        out = io.BytesIO()                 # (Pillow raises TypeError when it counts the pages)
        Image.new("RGB", (80, 60)).save(out, "TIFF", save_all=True, append_images=[Image.new("RGB", (80, 60))])
        data = out.getvalue()
        width = data.rindex(b"\x00\x01\x04\x00\x01\x00\x00\x00")  # (tag 256, LONG, one value)
        data = data[:width] + b"\xff\x7f" + data[width + 2:]
    site = _site(tmp_path, {"good.md": entry_md("2025-03-22T08:00"), "bad.md": entry_md(T, image=name, alt="x")},
                 {f"static/{name}": data})  # type: ignore[dict-item]
    previous = build_ok(make_site(tmp_path / "before", None, {"war": {"liveblog.yaml": DEFAULT_LIVEBLOG,
                                                                      "good.md": entry_md(T)}}))
    before = snapshot(previous)
    result = build(site, output=previous)
    assert result.exit_code == 1 and result.exception is None
    assert "Traceback" not in result.stderr
    (line,) = [ln for ln in result.stderr.splitlines() if "bad.md:" in ln]
    assert re.match(r".*bad\.md:\d+: entry 'bad': ", line) and words in line, line
    assert snapshot(previous) == before  # the previous output untouched


LONG = "x" * 300  # longer than any file name may be: the system refuses to look it up


@pytest.mark.parametrize(("fields", "body", "words"), [
    ({}, "![A roof](missing.jpg)", "'missing.jpg' not found in static/"),
    ({}, f"![A roof]({LONG}.jpg)", "not found in static/"),
    ({}, f"![A roof]({LONG}.mp4)", ".mp4' not found in static/: copy the file into static/ or correct the path"),
    ({"image": LONG, "alt": "x"}, "Text.", "not found in static/"),
    ({}, "![A roof](a%00b/roof.jpg)", "not found in static/"),
], ids=["body-image-missing", "body-image-name-too-long", "body-video-name-too-long", "image-name-too-long",
        "body-image-folder-with-a-nul"])
def test_a_missing_image_is_a_clean_error_naming_the_entry(tmp_path: Path, fields: dict[str, str], body: str,
                                                           words: str) -> None:
    site = _site(tmp_path, {"good.md": entry_md("2025-03-22T08:00"), "bad.md": entry_md(T, body=body, **fields)}, {})
    previous = build_ok(make_site(tmp_path / "before", None, {"war": {"liveblog.yaml": DEFAULT_LIVEBLOG,
                                                                      "good.md": entry_md(T)}}))
    before = snapshot(previous)
    result = build(site, output=previous)
    assert result.exit_code == 1 and result.exception is None, result.stderr
    assert "Traceback" not in result.stderr
    (line,) = [ln for ln in result.stderr.splitlines() if "bad.md:" in ln]
    assert re.match(r".*bad\.md:\d+: ", line) and words in line, line
    assert snapshot(previous) == before


def test_a_changed_photo_gets_new_names_and_a_warm_build_touches_no_image(tmp_path: Path, monkeypatch) -> None:
    site = _site(tmp_path, {"a.md": entry_md(T, image="p.jpg", alt="x")}, {"static/p.jpg": jpeg(900, 600)})
    options = default_options(site)
    run_build(options)
    first = sorted(p.name for p in (site / "output/media").iterdir())
    stamps = {p.name: p.stat().st_mtime_ns for p in (site / "output/media").iterdir()}

    def no_processing(*args: object) -> None:
        raise AssertionError("a warm build processed an image")

    with monkeypatch.context() as patched:  # warm: an entry edited, every image known
        patched.setattr(sitegen.media.library, "process", no_processing)
        (site / "content/war/a.md").write_text(entry_md(T, "Edited.", image="p.jpg", alt="x"))
        run_build(options)
    assert {p.name: p.stat().st_mtime_ns for p in (site / "output/media").iterdir()} == stamps
    (site / "static/p.jpg").write_bytes(jpeg(900, 600, orientation=3))
    run_build(options)
    second = sorted(p.name for p in (site / "output/media").iterdir())
    assert len(first) == len(second) and not set(first) & set(second)  # new names, old ones gone


def _age(folder: Path) -> None:
    """Set `folder`'s mtime a minute back: changed long enough ago for its stamp to be trusted
    (one taken within two seconds of a change is not: see media/records.py)."""
    past = time.time_ns() - 60_000_000_000
    os.utime(folder, ns=(past, past))


def _looked_for(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every path `os.path.isfile` is asked about from now on."""
    looked: list[str] = []
    isfile = os.path.isfile
    monkeypatch.setattr(os.path, "isfile", lambda p: looked.append(str(p)) or isfile(p))
    return looked


def _processed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of every photo processed from now on."""
    make, names = sitegen.media.library.process, []
    monkeypatch.setattr(sitegen.media.library, "process",
                        lambda path, *rest: names.append(path.name) or make(path, *rest))
    return names


def test_serve_looks_for_a_photos_files_only_when_its_folder_changed(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """`serve` keeps the pictures it found: an edit's rebuild looks for none of their files
    while the media folder is as it was; a file deleted from it (which changes the folder)
    is noticed, and the photo made again, so the preview stays what a fresh build writes."""
    site = _site(tmp_path, {"a.md": entry_md(T, image="p.jpg", alt="x"), "b.md": entry_md("2025-03-22T08:00")},
                 {"static/p.jpg": jpeg(900, 600)})
    media, edit = site / ".sitegen-cache/media", site / "content/war/b.md"
    rebuilder = Rebuilder(default_options(site, tmp_path / "preview"))
    try:
        assert rebuilder.rebuild().ok
        _age(media)
        for n in range(3):
            looked = _looked_for(monkeypatch)
            edit.write_text(entry_md("2025-03-22T08:00", f"Edited {n}."))
            assert rebuilder.rebuild(frozenset({edit})).ok
            assert bool([p for p in looked if p.startswith(str(media))]) == (n == 0)  # (the stamp was racy)
        processed = _processed(monkeypatch)
        gone = sorted(media.iterdir())[0]
        gone.unlink()
        edit.write_text(entry_md("2025-03-22T08:00", "Edited again."))
        assert rebuilder.rebuild(frozenset({edit})).ok
        assert processed == ["p.jpg"] and gone.is_file()
        served = snapshot(tmp_path / "preview")
    finally:
        rebuilder.close()
    run_build(BuildOptions(site, tmp_path / "fresh", use_cache=False))
    assert served == snapshot(tmp_path / "fresh")


def test_a_fresh_build_trusts_the_photos_found_while_their_folder_is_unchanged(tmp_path: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """What `serve` keeps in memory a new process gets from the cache: a publish after an
    edit looks for no photo's files while the media folder is as a build found it, and
    one whose file went missing is made again."""
    site = _site(tmp_path, {"a.md": entry_md(T, image="p.jpg", alt="x"), "b.md": entry_md("2025-03-22T08:00")},
                 {"static/p.jpg": jpeg(900, 600)})
    media, edit, options = site / ".sitegen-cache/media", site / "content/war/b.md", default_options(site)
    run_build(options)
    _age(media)
    for n in range(3):
        looked = _looked_for(monkeypatch)
        edit.write_text(entry_md("2025-03-22T08:00", f"Edited {n}."))
        run_build(options)
        assert bool([p for p in looked if p.startswith(str(media))]) == (n == 0)
    processed = _processed(monkeypatch)
    sorted(media.iterdir())[0].unlink()
    edit.write_text(entry_md("2025-03-22T08:00", "Edited again."))
    run_build(options)
    assert processed == ["p.jpg"]
    published = snapshot(site / "output")
    run_build(BuildOptions(site, tmp_path / "fresh", use_cache=False))
    assert published == snapshot(tmp_path / "fresh")


def test_an_upgrade_that_leaves_the_image_code_alone_processes_no_photo_again(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Every other cached value is keyed by all of sitegen's code, a photo's processed files
    only by the modules that shape them (`SHAPING_MODULES`): a newsroom's first publish
    after an upgrade re-encodes none of its photos (200 phone photos take minutes), and
    writes what a build without cache writes."""
    site = _site(tmp_path, {"a.md": entry_md(T, image="p.jpg", alt="x"), "b.md": entry_md("2025-03-22T08:00")},
                 {"static/p.jpg": jpeg(900, 600)})  # (one photo: made in this process, where it is counted)
    options = default_options(site)
    run_build(options)
    monkeypatch.setattr(sitegen.incremental.cache, "_BASE", hashlib.sha256(b"another release of sitegen"))
    processed = _processed(monkeypatch)
    run_build(options)
    assert processed == []
    published = snapshot(site / "output")
    run_build(BuildOptions(site, tmp_path / "fresh", use_cache=False))
    assert published == snapshot(tmp_path / "fresh") and processed == ["p.jpg"]


def test_a_photo_that_cannot_be_read_is_an_error_at_its_entry(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A photo sitegen may not read (copied from another account's folder, say) is the
    editor's to fix: an error at the entry saying what to do, the published site as it
    was, never a traceback."""
    site = _site(tmp_path, {"a.md": entry_md(T, "Body.")}, {"static/p.jpg": jpeg(900, 600)})
    published = snapshot(build_ok(site))
    write(site / "content/war/b.md", entry_md("2025-03-22T10:00", "New.", image="p.jpg", alt="x"))
    opened = Path.open

    def refused(path: Path, *args: object, **kwargs: object):  # noqa: ANN202 - Path.open's file object
        if path == site / "static/p.jpg":
            raise PermissionError(13, "Permission denied", str(path))
        return opened(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", refused)
    result = build(site)
    assert result.exception is None and result.exit_code == 1
    assert f"{site / 'content/war/b.md'}:" in result.stderr
    assert "image 'p.jpg' cannot be read (Permission denied)" in result.stderr
    assert snapshot(site / "output") == published


def test_a_folder_changed_just_now_is_not_trusted_next_time(tmp_path: Path) -> None:
    """A deletion in the same clock tick as the last change would leave the folder's mtime
    as it was: a stamp taken within two seconds of a change is not kept (git's rule)."""
    folder = tmp_path / "media"
    write(folder / "p-1.jpg", b"variant")
    picture = Picture("p.jpg", "jpeg", (Variant("p-1.jpg", 1, 1, "image/jpeg"),), ())
    records = PictureRecords(MemoryStore(), Partition(None), folder)
    records.made("key", picture)
    records.settle()
    assert records.memo.get(VERIFIED) == (None, frozenset({"key"}))
    _age(folder)
    again = PictureRecords(records.store, Partition(None), folder)  # (a new process: the store's record)
    assert again.verified() == set() and again.known({"p.jpg": "key"}) == {"p.jpg": picture}
    again.settle()
    stamp = again.memo.get(VERIFIED)[0]
    assert stamp is not None and PictureRecords(records.store, Partition(None), folder).verified() == {"key"}


def test_alt_is_its_own_field_and_missing_alt_is_warned_per_entry(tmp_path: Path) -> None:
    entries = {"described.md": entry_md(T, image="p.jpg", alt="Firefighters on a roof", caption="The caption"),
               "decorative.md": entry_md("2025-03-22T09:00", image="p.jpg", alt='""', caption="Caption two"),
               "missing.md": entry_md("2025-03-22T08:00", image="p.jpg", caption="Caption three"),
               "remote.md": entry_md("2025-03-22T07:00", image="https://cdn.example/r.jpg", caption="Four")}
    site = _site(tmp_path, entries, {"static/p.jpg": jpeg(500, 400)})
    result = build(site)
    assert result.exit_code == 0, result.stderr
    page = html_page(site / "output/war/index.html")
    alts = {i: article(page, i).xpath(".//figure//img/@alt") for i in ("described", "decorative", "missing")}
    assert alts == {"described": ["Firefighters on a roof"], "decorative": [""], "missing": [""]}
    warned = [ln for ln in result.stderr.splitlines() if "no alt text" in ln]
    assert len(warned) == 2 and "missing.md" in warned[0] and "'missing'" in warned[0] and "'remote'" in warned[1]


def test_svg_gif_video_and_remote_images(tmp_path: Path) -> None:
    frames = [Image.new("RGB", (20, 10), colour) for colour in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    gif = io.BytesIO()
    frames[0].save(gif, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0, comment=b"who")
    body = ("![Chart](chart.svg)\n\n![Loop](loop.gif)\n\n![The strike, filmed](clips/strike.mp4)\n\n"
            "![Remote](https://cdn.example/r.jpg)")
    site = _site(tmp_path, {"a.md": entry_md(T, body)},
                 {"static/chart.svg": '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 60">'
                                      '<metadata>author</metadata><rect width="10" height="10"/></svg>',
                  "static/loop.gif": gif.getvalue(), "static/clips/strike.mp4": b"\x00\x00\x00\x18ftypmp42",
                  "static/clips/strike.jpg": jpeg(640, 360)})
    out = build_ok(site)
    page_path = out / "war/index.html"
    node = article(html_page(page_path), "a")
    svg, loop, remote = [i for i in node.iter("img")]
    assert (svg.get("width"), svg.get("height")) == ("120", "60") and svg.get("src").endswith(".svg")
    assert b"author" not in _file(page_path, svg.get("src")).read_bytes()
    assert not node.xpath(".//svg")  # never inline
    with Image.open(_file(page_path, loop.get("src"))) as im:
        assert im.n_frames == 3 and "comment" not in im.info  # still animated, no metadata
    assert remote.get("src") == "https://cdn.example/r.jpg" and remote.get("loading") == "lazy"
    (video,) = node.xpath(".//video")
    assert video.get("controls") is not None and video.get("preload") == "none"
    assert _file(page_path, video.get("poster")).is_file() and video.get("width") and video.get("height")
    assert _file(page_path, video.xpath("./source/@src")[0]).is_file()


PROVIDER_LINKS = {
    "x": "https://x.com/kyivindependent/status/1901234567890123456",
    "telegram": "https://t.me/ukrpravda_news/12345",
    "bluesky": "https://bsky.app/profile/desk.bsky.social/post/3kabcdefghi2x",
    "mastodon": "https://mastodon.social/@reporter/112233445566778899",
    "instagram": "https://www.instagram.com/p/C1a2B3c4D5e/",
    "tiktok": "https://www.tiktok.com/@reporter/video/7301234567890123456",
    "facebook": "https://www.facebook.com/newsroom/posts/pfbid0abc123",
    "youtube": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    "vimeo": "https://vimeo.com/76979871",
}
FRAME_HOSTS = {"x": "platform.twitter.com", "telegram": "t.me", "bluesky": "embed.bsky.app",
               "mastodon": "mastodon.social", "instagram": "www.instagram.com", "tiktok": "www.tiktok.com",
               "facebook": "www.facebook.com", "youtube": "www.youtube-nocookie.com", "vimeo": "player.vimeo.com"}


def embeds_body() -> str:
    parts = []
    for key, url in PROVIDER_LINKS.items():
        parts.append(f"[{key} post]({url})" if key == "telegram" else url)
        parts.append(f"> Quoted words from {key} with <b>markup</b> & <script>alert('{key}')</script>")
    return "\n\n".join(["Posts from the field:", *parts])


def test_every_provider_becomes_a_card_with_its_quote_and_no_request(tmp_path: Path) -> None:
    out = build_ok(_site(tmp_path, {"a.md": entry_md(T, embeds_body())}, {}))
    node = article(html_page(out / "war/index.html"), "a")
    cards = node.xpath(".//figure[contains(@class, 'embed')]")
    assert [c.get("class").split("--")[-1] for c in cards] == list(PROVIDER_LINKS)
    for card, (key, url) in zip(cards, PROVIDER_LINKS.items()):
        assert urlsplit(card.get("data-embed-src")).hostname == FRAME_HOSTS[key]
        assert card.get("data-embed") == "click"
        assert card.xpath(".//a[@class='embed__link']/@href") == [url]
        quote = card.xpath("./blockquote")[0]
        assert "<script>" in "".join(quote.itertext()) and not quote.xpath(".//script | .//b")
        assert card.xpath(".//button[@class='embed__show']/@hidden")  # shown by the script only
    assert not node.xpath(".//iframe | .//script | .//embed | .//object")  # nothing loads by itself
    assert article(html_page(out / "war/index.html"), "a").xpath(".//span[@class='embed__author']/text()")[0] \
        == "@kyivindependent"
    feed = json.loads((out / "war/feed.json").read_text())
    assert feed["items"][0]["content_html"].count('class="embed embed--') == len(PROVIDER_LINKS)
    manifest = json.loads((out / "war/updates.json").read_text())
    assert [e["html"].count('class="embed embed--') for e in manifest["entries"]] == [len(PROVIDER_LINKS)]


@pytest.mark.parametrize("link", [
    "javascript:alert(1)", "[x](javascript:alert(1))", "https://x.com.evil.example/a/status/1",
    "https://evil.example/x.com/a/status/1", "https://x.com@evil.example/a/status/1",
    "http://x.com/a/status/1", "https://www.youtube.com/watch?v=dQw4w9WgXcQ&v=zzzzzzzzzzz",
    "https://youtu.be/short", "https://mastodon.evil.example/@a/1", "https://www.youtube.com/embed/x\"onload=\"1",
    "https://x.com:8443/a/status/1",
])
def test_hostile_links_never_become_frames(tmp_path: Path, link: str) -> None:
    out = build_ok(_site(tmp_path, {"a.md": entry_md(T, f"Intro.\n\n{link}\n\n> <img src=x onerror=alert(1)>")}, {}))
    node = article(html_page(out / "war/index.html"), "a")
    assert not node.xpath(".//figure[contains(@class, 'embed')] | .//iframe | .//script | .//img[@onerror]")
    assert not [a for a in node.iter("a") if a.get("href", "").lower().startswith("javascript")]


def test_per_provider_modes(tmp_path: Path) -> None:
    config = DEFAULT_CONFIG + "media:\n  embeds:\n    youtube: load\n    x: link\n"
    body = f"{PROVIDER_LINKS['youtube']}\n\n{PROVIDER_LINKS['x']}"
    out = build_ok(_site(tmp_path, {"a.md": entry_md(T, body)}, {}, config))
    youtube, x = article(html_page(out / "war/index.html"), "a").xpath(".//figure")
    assert youtube.get("data-embed") == "load" and youtube.get("data-embed-src")
    assert x.get("data-embed") == "link" and x.get("data-embed-src") is None and not x.xpath(".//button")
    assert x.xpath(".//a/@href") == [PROVIDER_LINKS["x"]]


def test_summary_and_correction_images_are_processed_and_no_marker_escapes(tmp_path: Path) -> None:
    liveblog = DEFAULT_LIVEBLOG + "summary: |\n  Key points.\n\n  ![Map of the front](map.png)\n"
    entry = entry_md(T, "Body.\n\n![Scene](p.jpg)", updated="2025-03-22T10:00",
                     correction='"Photo replaced: ![Corrected scene](q.jpg)"')
    out = build_ok(make_site(tmp_path, None, {"war": {"liveblog.yaml": liveblog, "a.md": entry}},
                             {"static/map.png": jpeg_png(), "static/p.jpg": jpeg(500, 400),
                              "static/q.jpg": jpeg(600, 400)}))
    page_path = out / "war/index.html"
    page = html_page(page_path)
    for img in page.xpath("//main//img"):
        assert "/media/" in "/" + img.get("src") and _file(page_path, img.get("src")).is_file(), img.get("src")
        assert img.get("width") and img.get("height")
    assert {"Map of the front", "Scene", "Corrected scene"} <= set(page.xpath("//main//img/@alt"))
    for path in out.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".json", ".xml"):
            assert b"\x02" not in path.read_bytes() and b"\x03" not in path.read_bytes(), path
    assert not (out / "map.png").exists() and not (out / "q.jpg").exists()


def jpeg_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (300, 200), (10, 20, 30, 128)).save(out, "PNG")
    return out.getvalue()


def test_every_frame_is_on_a_declared_frame_host(tmp_path: Path) -> None:
    from sitegen.config.media_config import EmbedsConfig
    from sitegen.media.embeds import frame_hosts
    out = build_ok(_site(tmp_path, {"a.md": entry_md(T, embeds_body())}, {}))
    sources = article(html_page(out / "war/index.html"), "a").xpath(".//figure/@data-embed-src")
    assert len(sources) == len(PROVIDER_LINKS)
    assert {urlsplit(s).hostname for s in sources} <= set(frame_hosts(EmbedsConfig()))
