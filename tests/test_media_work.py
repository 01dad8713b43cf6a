"""Issue 17: a photo's work is done once, and the same way every time.

A build whose photos are unchanged decodes no image, even when every photo's stamps
changed (a fresh checkout with the cache restored: each file is hashed, none decoded).
The published bytes are the same whether the photos were processed by forked workers
or in process, with a cache or without.
"""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import PIL.Image
import pytest
from PIL import Image

from sitegen.core import forking
from sitekit import DEFAULT_CONFIG, DEFAULT_LIVEBLOG, build_ok, entry_md, make_site, snapshot

T = "2025-03-22T09:%02d"


def jpeg(width: int, height: int, orientation: int, seed: int) -> bytes:
    """A phone-like JPEG with detail (noise: not the same bytes twice), EXIF orientation and GPS."""
    im = Image.merge("RGB", [Image.effect_noise((width, height), 40 + seed * 7 + band) for band in range(3)])
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif.get_ifd(0x8825).update({1: "N", 2: (50.0, 27.0, 1.5)})
    out = io.BytesIO()
    im.save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


# name -> (stored width, height, EXIF orientation): wide enough for the reduced-scale decode
# (the widest file, the 1200 px social card, is under half of a 2600 px photo), one sideways.
PHOTOS = {"a.jpg": (2600, 1800, 1), "b.jpg": (1800, 2600, 1), "c.jpg": (2600, 2000, 6)}
CONFIG = DEFAULT_CONFIG + "media:\n  widths: [320, 640]\n"
VARIANTS = 3 * 3 * 3  # 3 photos, 3 widths each (320, 640 and the 1200 social card), JPEG + WebP + AVIF


def _site(root: Path) -> Path:
    entries = {f"{name[0]}.md": entry_md(T % i, "Body.", image=f"photos/{name}", alt="A photo")
               for i, name in enumerate(PHOTOS)}
    files = {f"static/photos/{name}": jpeg(*size, seed=i) for i, (name, size) in enumerate(PHOTOS.items())}
    return make_site(root, CONFIG, {"war": {"liveblog.yaml": DEFAULT_LIVEBLOG, **entries}}, files)


def test_a_build_with_the_photos_unchanged_decodes_no_image(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = _site(tmp_path)
    out = build_ok(site)
    media = snapshot(out / "media")
    assert len(media) == VARIANTS
    calls: list[object] = []
    real = PIL.Image.open
    monkeypatch.setattr(forking, "can_fork", lambda: False)  # (any decode would be here, counted)
    monkeypatch.setattr(PIL.Image, "open", lambda fp, *a, **k: calls.append(fp) or real(fp, *a, **k))
    build_ok(site)  # nothing changed (the suite runs the whole pipeline all the same)
    assert calls == []
    (site / "content/war/a.md").write_text(entry_md(T % 0, "Edited.", image="photos/a.jpg", alt="A photo"))
    for name in PHOTOS:  # new stamps and inodes, the same bytes: as in a fresh checkout
        photo = site / "static/photos" / name
        shutil.copyfile(photo, photo.with_suffix(".tmp"))
        os.replace(photo.with_suffix(".tmp"), photo)
    build_ok(site)
    assert calls == []
    assert snapshot(out / "media") == media
    (site / "static/photos/a.jpg").write_bytes(jpeg(2600, 1800, 1, seed=9))
    build_ok(site)  # a changed photo is decoded, and only it: the counter sees what happens
    assert [Path(str(fp)).name for fp in calls] == ["a.jpg"]
    assert snapshot(out / "media") != media


def test_the_same_photos_give_the_same_bytes_forked_or_not_cached_or_not(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    site = _site(tmp_path / "a")
    first = snapshot(build_ok(site) / "media")  # cold: forked workers (with more than one core)
    rebuilt = snapshot(build_ok(site, "--no-cache", output=tmp_path / "again") / "media")
    copy = shutil.copytree(site, tmp_path / "b", ignore=shutil.ignore_patterns("output", ".sitegen-cache"))
    monkeypatch.setattr(forking, "can_fork", lambda: False)
    in_process = snapshot(build_ok(copy) / "media")
    assert len(first) == VARIANTS and first == rebuilt == in_process
    sizes = set()
    for name, data in first.items():
        with Image.open(io.BytesIO(data)) as im:
            assert not im.getexif() and not {"exif", "xmp", "icc_profile"} & set(im.info), name
            sizes.add(im.size)
    # upright (c.jpg is stored sideways), never up, the height from the aspect ratio
    assert sizes == {(320, 222), (640, 443), (1200, 831), (320, 462), (640, 924), (1200, 1733),
                     (320, 416), (640, 832), (1200, 1560)}
