"""The media library: which local images entries use, processed once per content change.

An image is named by the hash of its bytes and the settings that shape its variants;
its processed variants are kept in a folder and described in a store (the build
hands the persistent cache; `MemoryStore` otherwise: records.py). A file's hash is
itself remembered by its stat signature, so a warm build reads no image: it looks at
each one's size and times and finds everything known. Misses are processed by
forked workers on every core (a cold build of a photo-heavy liveblog).

`resolve` then gives each entry its `Picture` and replaces its body's pending
markers by the final markup (markup.py), and its label markers (an embed card's
words) by the texts of the liveblog's language; an entry without either is kept
as it is.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import Iterable
from urllib.parse import unquote, urlsplit

from sitegen.config.media_config import MediaConfig
from sitegen.config.site_config import missing_from_static, not_in_static
from sitegen.core import forking
from sitegen.core.memo import Partition
from sitegen.core.errors import ContentError, Problem, raise_all
from sitegen.core.sequences import places_again
from sitegen.i18n.messages import Messages
from sitegen.media import markup
from sitegen.media.images import (SVG_SHAPING, VIDEO_TYPES, ImageSettings, MediaProblem, content_name, extension,
                                   is_publishable, process, process_svg, settings_shaping)
from sitegen.media.records import MediaStore, PictureRecords, picture_key
from sitegen.model.pictures import Picture, media_route
from sitegen.model.site import Entry, same_objects

log = logging.getLogger("sitegen")
POSTER_EXTENSIONS = ("jpg", "jpeg", "png", "webp")


class MediaLibrary:
    def __init__(self, static: Path, config: MediaConfig, store: MediaStore, folder: Path,
                 memo: Partition[object, object] | None = None, progress: forking.Progress | None = None) -> None:
        """`static`: the site's static/; `folder`: where variants are kept; `memo` (serve's,
        kept across builds) gives back the same resolved Entry objects for unchanged entries;
        `progress` is told how many images are processed (a phone photo takes seconds)."""
        self.progress = progress
        self.static = static
        self.config = config
        self.folder = folder
        self.memo: Partition[object, object] = memo if memo is not None else Partition(None)
        self.records = PictureRecords(store, self.memo, folder)  # (what was processed before)
        self.processed = 0  # images processed by this build (a warm build: none)
        self.extra: list[Picture] = []  # pictures outside entries (a liveblog's summary)
        self.shown: list[Picture] = []  # the pictures of the entries resolved by this build (`resolve`)

    @cached_property
    def settings(self) -> ImageSettings:
        """What shapes the variants, asked of Pillow (which formats it can write) only when
        a picture is looked up or made: a liveblog without local images never imports it."""
        return ImageSettings.from_config(self.config)

    @cached_property
    def fingerprint(self) -> str:
        """The settings in every picture's key: other settings, other variants."""
        return settings_shaping(self.settings)

    # -- Entries -------------------------------------------------------------

    def resolve(self, entries: tuple[Entry, ...], t: Messages, liveblog: object = None) -> tuple[Entry, ...]:
        """The entries with their pictures and final body markup, its words in the language
        of `t` (the liveblog's texts); problems with any image are reported together, each
        at its entry. `liveblog` names the liveblog (see `_wanted`)."""
        _warn_missing_alt(entries)
        wanted = {n: entries[n] for n in self._wanted(entries, liveblog)}  # (by place in `entries`)
        if not wanted:
            return entries
        sources = {n: self._sources(entry) for n, entry in wanted.items()}
        needs: dict[str, list[Entry]] = {}
        for n, entry in wanted.items():
            for rel in sources[n]:
                needs.setdefault(rel, []).append(entry)
        pictures, unusable = self.pictures(needs)
        problems = [_at(entry, why) for rel, why in unusable.items() for entry in dict.fromkeys(needs[rel])]
        made = list(entries)
        for n, entry in wanted.items():
            if not all(rel in pictures for rel in sources[n]):
                continue  # (each file that failed is already a problem at its entries)
            try:
                made[n] = self._resolved(entry, sources[n], pictures, t)
            except MediaProblem as exc:
                problems.append(_at(entry, str(exc)))
        raise_all(problems, ContentError)
        self.shown += [picture for n in wanted for picture in made[n].media]
        return self._same_as_last(entries, tuple(made))

    def _wanted(self, entries: tuple[Entry, ...], liveblog: object) -> list[int]:
        """Where the entries are that show a local image or hold markers to replace.
        Whether one does is a matter of the entry alone: `serve` resolves a liveblog again
        after each edit, and the entries it had last time (the very same objects, not
        equal ones) are not looked through again (every body: 50,000 at each edit)."""
        last = self.memo.get(("wanted", liveblog))
        if isinstance(last, tuple) and len(last) == 2:
            wanted = places_again(entries, *last, _needs_media)
        else:
            wanted = [n for n, e in enumerate(entries) if _needs_media(e)]
        self.memo[("wanted", liveblog)] = (entries, wanted)
        return wanted

    def _same_as_last(self, entries: tuple[Entry, ...], made: tuple[Entry, ...]) -> tuple[Entry, ...]:
        """The tuple the last build made from these very entries when it holds the same
        objects: `serve` then knows the liveblog unchanged (model identity, not equality)."""
        lasts = self.memo.get("media-entries")
        if not isinstance(lasts, dict):
            lasts = {}
            self.memo["media-entries"] = lasts
        key = id(entries)
        last = lasts.get(key)
        if isinstance(last, tuple) and last[0] is entries and same_objects(last[1], made):
            return last[1]  # type: ignore[no-any-return]
        if len(lasts) >= 16:  # (a long `serve` session: only the last few matter)
            lasts.clear()
        lasts[key] = (entries, made)  # (keeps `entries` alive: its id is not reused meanwhile)
        return made

    def _sources(self, entry: Entry) -> list[str]:
        """The static/ paths an entry's image and body use (a video's poster, when there is one)."""
        found = [entry.image.lstrip("/")] if entry.image and _local(entry.image) else []
        for src, _, _ in markup.pending_items(entry.body_html + (entry.correction_html or "")):
            rel = _static_path(src)
            if rel is not None and extension(rel) in VIDEO_TYPES:
                poster = self._poster(rel)
                found += [poster] if poster else []
            elif rel is not None:
                found.append(rel)
        return found

    def _poster(self, video: str) -> str | None:
        stem = video.rsplit(".", 1)[0]
        return next((f"{stem}.{ext}" for ext in POSTER_EXTENSIONS if not missing_from_static(self.static, f"{stem}.{ext}")), None)

    def _resolved(self, entry: Entry, sources: list[str], pictures: dict[str, Picture], t: Messages) -> Entry:
        picture = pictures.get(entry.image.lstrip("/")) if entry.image and _local(entry.image) else None
        used = tuple(pictures.get(rel) for rel in sources)
        key = ("media-entry", entry.digest, entry.origin, picture, used, repr(t))  # (t: language and texts)
        known = self.memo.get(key)
        if isinstance(known, Entry):
            return known
        def final(html: str) -> str:
            html = markup.replace_pending(html, lambda src, alt, title: self._body_media(src, alt, title, pictures))
            return markup.fill_labels(html, t.text)

        body = final(entry.body_html)
        correction = final(entry.correction_html) if entry.correction_html else entry.correction_html
        digest = hashlib.sha256(f"{entry.digest}\x00{picture!r}\x00{body}\x00{correction}".encode()).hexdigest()
        media = tuple(dict.fromkeys(p for p in used if p))
        made = replace(entry, picture=picture, media=media, body_html=body, correction_html=correction,
                       digest=digest)
        self.memo[key] = made
        return made

    def _body_media(self, src: str, alt: str, title: str | None, pictures: dict[str, Picture]) -> str:
        rel = _static_path(src)
        if rel is None:
            raise MediaProblem(f"image {src!r} in the body must be a path under static/ (no '..')")
        if extension(rel) in VIDEO_TYPES:
            if (why := not_in_static(self.static, rel, "video")):
                raise MediaProblem(why)
            poster = self._poster(rel)
            return markup.video_html(rel, VIDEO_TYPES[extension(rel)], alt, pictures.get(poster) if poster else None)
        return markup.picture_html(pictures[rel], alt, self.config.sizes, title)

    def resolve_html(self, html: str, where: Path, line: int | None, t: Messages) -> str:
        """Other Markdown than entries' (a liveblog's summary): its images processed (and
        published with the entries'), its words in the language of `t`, problems
        reported at `where`, `line` (each with the library's reason)."""
        html = markup.fill_labels(html, t.text)
        wanted = [(src, _static_path(src)) for src, _, _ in markup.pending_items(html)]
        if not wanted:
            return html
        needs: dict[str, None] = {}  # (each file once, in the order written)
        problems = [Problem(where, line, f"summary: image {src!r} must be a path under static/ (no '..')")
                    for src, rel in wanted if rel is None]
        for _, rel in wanted:
            if rel is not None and extension(rel) in VIDEO_TYPES:
                problems.append(Problem(where, line, f"summary: video {rel!r}: videos belong in entries"))
            elif rel is not None:
                needs[rel] = None
        pictures, unusable = self.pictures(needs)
        problems += [Problem(where, line, f"summary: {why}") for why in unusable.values()]
        raise_all(problems, ContentError)
        self.extra += [pictures[rel] for rel in needs]
        return markup.replace_pending(html, lambda src, alt, title: self._body_media(src, alt, title, pictures))

    # -- Images --------------------------------------------------------------

    def pictures(self, rels: Iterable[str]) -> tuple[dict[str, Picture], dict[str, str]]:
        """(each usable image's Picture, each other's reason, in words the editor can act
        on), processing those not known yet (see records.py). Each caller says where the
        reason belongs: the entries that show the file, an author's `image:`, a summary."""
        unusable: dict[str, str] = {}
        usable: dict[str, Path] = {}
        for rel in dict.fromkeys(rels):
            why = self._unusable(rel)
            if why:
                unusable[rel] = why
            else:
                usable[rel] = self.static / rel
        digests, unreadable = self.records.digests(usable)
        for rel, reason in unreadable.items():
            unusable[rel] = (f"image {rel!r} cannot be read ({reason}): make the file readable, or copy it "
                             "into static/ again")
        keys = {rel: self._key(digest, rel) for rel, digest in digests.items()}
        found = self.records.known(keys)
        todo = [(rel, path, digests[rel]) for rel, path in usable.items() if rel in digests and rel not in found]
        for (rel, _, _), outcome in zip(todo, self._process_all(todo)):
            if isinstance(outcome, Picture):
                self.records.made(keys[rel], outcome)
                found[rel] = outcome
            else:
                unusable[rel] = outcome
        self.records.settle()
        return found, unusable

    def _unusable(self, rel: str) -> str | None:
        if (why := not_in_static(self.static, rel)):
            return why
        if not is_publishable(rel):
            return (f"cannot publish {rel!r} as an image: use JPEG, PNG, GIF, WebP, AVIF or SVG "
                    f"(or {', '.join('.' + e for e in VIDEO_TYPES)} video in a body)")
        return None

    def _key(self, digest: str, rel: str) -> str:
        return picture_key(self._shaped_by(rel), digest, rel)

    def _shaped_by(self, rel: str) -> str:
        """What shapes the files published for `rel`: Pillow's settings for a picture it
        makes; nothing of Pillow's for an SVG (cleaned and published as it is), so that a
        liveblog whose only images are SVGs (charts, maps) never imports Pillow."""
        return SVG_SHAPING if extension(rel) == "svg" else self.fingerprint

    def _process_all(self, todo: list[tuple[str, Path, str]]) -> list[Picture | str]:
        """Process the images on every core when there are several (forked workers inherit
        the settings, asked of Pillow here first; only the results come back), telling
        `progress` as each is done: a phone photo takes a second or two."""
        self.processed += len(todo)
        if any(extension(rel) != "svg" for rel, _, _ in todo):
            self.fingerprint  # (so that no worker asks again)

        def work(start: int, stop: int) -> list[Picture | str]:
            return [self._process_one(*item) for item in todo[start:stop]]

        workers = min(os.cpu_count() or 1, len(todo))
        if not forking.can_fork() or forking.in_worker():
            workers = 1  # (`serve`'s process, or a pool's worker: one at a time, here, still told)
        return forking.fork_map(work, len(todo), workers, 1, forking.counting(self.progress, "Processing images",
                                                                             len(todo)))

    def _process_one(self, rel: str, path: Path, digest: str) -> Picture | str:
        content = content_name(digest, self._shaped_by(rel))
        try:
            if extension(rel) == "svg":
                return process_svg(path, rel, content, self.folder)
            return process(path, rel, content, self.settings, self.folder)
        except MediaProblem as exc:
            return str(exc)

    def published(self) -> dict[str, Path]:
        """Output path -> kept file, for every variant the resolved entries (`shown`) and the
        rest (`extra`) show: only entries with images are looked at, not 50,000."""
        return {media_route(v): self.folder / v.name for p in [*self.shown, *self.extra] for v in p.files}

    def sources(self) -> set[str]:
        """The static/ paths published processed (the originals are never copied as they are)."""
        return {p.source for p in self.shown} | {p.source for p in self.extra}


def _warn_missing_alt(entries: tuple[Entry, ...]) -> None:
    """One warning per entry whose image (local or remote) has no `alt:`."""
    for entry in entries:
        if entry.image and entry.alt is None:
            log.warning("%s:%s: entry %r: its image has no alt text; describe it with `alt:` "
                        "(or write `alt: \"\"` for a decorative image)", entry.origin.path,
                        entry.origin.line, entry.id)


def _needs_media(entry: Entry) -> bool:
    """Whether the entry shows a local image or its body holds markers to replace."""
    return _local(entry.image) or _marked(entry.body_html) or _marked(entry.correction_html)


def _marked(html: str | None) -> bool:
    """Whether a body holds markers to replace (pending media, labels)."""
    return html is not None and (markup.PENDING in html or markup.LABEL in html)


def _local(image: str | None) -> bool:
    return bool(image) and not urlsplit(image or "").scheme and not (image or "").startswith("//")


def _static_path(src: str) -> str | None:
    """A body image's path under static/, or None when it would leave static/."""
    path = unquote(urlsplit(src).path).lstrip("/")
    if not path or ".." in path.replace("\\", "/").split("/"):
        return None
    return path


def _at(entry: Entry, message: str) -> Problem:
    return Problem(entry.origin.path, entry.origin.line, f"entry {entry.id!r}: {message}")
