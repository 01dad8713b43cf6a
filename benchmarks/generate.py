"""A deterministic generator of liveblogs of any size, in sitegen's source format.

Entry N depends only on (seed, N), so a 1,000-entry site is the first 1,000
entries of a 50,000-entry one, and `append_entry` / `edit_entry` give the same
bytes on every run. The words are made up from syllables (no real text), about
120 per entry, with 1-3 of 12 topics, and some lists, quotes, links and images.

As a module::

    from benchmarks.generate import write_site, edit_entry, append_entry
    site = write_site(Path("/tmp/blog"), 10_000)
    edit_entry(site, 42)          # rewrite one entry's body
    append_entry(site)            # a new, newest entry

As a script: ``python benchmarks/generate.py OUT --entries 10000 [--seed 1]``.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator

SEED = 1
LIVEBLOG = "bench"
BASE_URL = "https://example.org/live/"
START = datetime(2024, 1, 1, 6, 0, tzinfo=timezone.utc)
SPACING = timedelta(minutes=11)  # one entry every 11 minutes: 50,000 entries span a year
TOPIC_COUNT = 12
IMAGE = "images/bench-photo.svg"
IMAGE_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="160" height="90" viewBox="0 0 160 90">'
             '<rect width="160" height="90" fill="#2b4a6f"/><circle cx="120" cy="30" r="14" fill="#f4c542"/>'
             '</svg>\n')

_ONSETS = "b c d f g h j k l m n p r s t v w z br cr dr fr gr pr tr st sh ch th".split()
_VOWELS = "a e i o u ai ea ou io".split()
_CODAS = ["", "", "", "n", "r", "s", "l", "m", "st", "nd"]


def _vocabulary(seed: int, size: int = 900) -> list[str]:
    """Made-up words, shortest first, so frequent words are short like in real text."""
    rng = random.Random(f"vocabulary-{seed}")
    words: set[str] = set()
    while len(words) < size:
        syllables = rng.choice((1, 1, 2, 2, 2, 3, 3, 4))
        word = "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(syllables))
        words.add(word + rng.choice(_CODAS))
    return sorted(words, key=lambda w: (len(w), w))


@dataclass(frozen=True)
class Lexicon:
    """Everything shared by all entries of one seed: words, topics, people, sources."""

    words: tuple[str, ...]
    weights: tuple[float, ...]
    topics: tuple[tuple[str, str], ...]  # (slug, title)
    authors: tuple[str, ...]
    sources: tuple[tuple[str, str], ...]  # (name, url)

    def word(self, rng: random.Random) -> str:
        return rng.choices(self.words, cum_weights=self.weights)[0]

    def some(self, rng: random.Random, count: int) -> list[str]:
        return rng.choices(self.words, cum_weights=self.weights, k=count)


_LEXICONS: dict[int, Lexicon] = {}


def lexicon(seed: int = SEED) -> Lexicon:
    if seed not in _LEXICONS:
        words = _vocabulary(seed)
        total, cumulative = 0.0, []
        for rank in range(len(words)):
            total += 1.0 / (rank + 1)  # Zipf: a few words are very common
            cumulative.append(total)
        rng = random.Random(f"lexicon-{seed}")
        long_words = [w for w in words if len(w) >= 6]
        topics = []
        for n in range(TOPIC_COUNT):
            a, b = rng.sample(long_words, 2)
            topics.append((f"{a}-{b}"[:40], f"{a.capitalize()} {b}"))
        authors = tuple(f"{rng.choice(long_words).capitalize()} {rng.choice(long_words).capitalize()}"
                        for _ in range(9))
        sources = tuple((f"{w.capitalize()} News", f"https://{w}.example.com/") for w in rng.sample(long_words, 6))
        _LEXICONS[seed] = Lexicon(tuple(words), tuple(cumulative), tuple(topics), authors, sources)
    return _LEXICONS[seed]


@dataclass(frozen=True)
class GenEntry:
    """One generated entry, in terms every converter (sitegen, Hugo, Pelican) understands."""

    index: int
    id: str
    time: datetime
    title: str | None
    topics: tuple[str, ...]
    author: str
    key_event: bool
    pinned: bool
    image: str | None
    caption: str | None
    credit: str | None
    source: tuple[str, str] | None
    updated: datetime | None
    body: str


def _sentence(lex: Lexicon, rng: random.Random, low: int = 7, high: int = 16) -> str:
    words = lex.some(rng, rng.randint(low, high))
    if rng.random() < 0.25:
        i = rng.randrange(len(words))
        words[i] = f"*{words[i]}*" if rng.random() < 0.6 else f"**{words[i]}**"
    if not words[0].startswith("*"):
        words[0] = words[0].capitalize()
    return " ".join(words) + rng.choice(".....?!")


def _paragraph(lex: Lexicon, rng: random.Random, words: int) -> str:
    sentences, count = [], 0
    while count < words:
        sentences.append(_sentence(lex, rng))
        count += sentences[-1].count(" ") + 1
    return " ".join(sentences)


def _link(lex: Lexicon, rng: random.Random, paragraph: str) -> str:
    """Turn two words of a paragraph into a link."""
    words = paragraph.split(" ")
    i = rng.randrange(max(1, len(words) - 2))
    if len(words) < 3 or any("*" in w for w in words[i:i + 2]):
        return paragraph
    path = "-".join(lex.some(rng, 3))
    words[i:i + 2] = [f"[{words[i]} {words[i + 1]}](https://www.example.net/{path})"]
    return " ".join(words)


def _body(lex: Lexicon, rng: random.Random, index: int) -> str:
    """About 120 words: paragraphs, and sometimes a list, a quote, a link or an image."""
    blocks = []
    budget = rng.randint(95, 145)
    while budget > 0:
        roll = rng.random()
        if roll < 0.08 and budget > 30:
            items = [_sentence(lex, rng, 3, 7).rstrip(".?!") for _ in range(rng.randint(3, 4))]
            marker = "-" if rng.random() < 0.7 else "1."
            blocks.append("\n".join(f"{marker} {item}" for item in items))
            budget -= sum(len(i.split()) for i in items)
        elif roll < 0.14:
            quote = _sentence(lex, rng, 10, 20)
            blocks.append(f"> “{quote}”\n>\n> — {rng.choice(lex.authors)}")
            budget -= len(quote.split()) + 2
        else:
            size = min(budget, rng.randint(30, 60))
            text = _paragraph(lex, rng, size)
            if rng.random() < 0.3:
                text = _link(lex, rng, text)
            blocks.append(text)
            budget -= len(text.split())
    if rng.random() < 0.08:
        alt = " ".join(lex.some(rng, 4)).capitalize()
        blocks.insert(rng.randint(1, len(blocks)), f"![{alt}]({BASE_URL}{IMAGE})")
    return "\n\n".join(blocks) + "\n"


def make_entry(index: int, seed: int = SEED, revision: int = 0) -> GenEntry:
    """Entry number `index` (0 = oldest); `revision` > 0 gives an edited body."""
    lex = lexicon(seed)
    rng = random.Random(f"entry-{seed}-{index}")
    moment = START + index * SPACING
    slug_words = "-".join(lex.some(rng, 2))
    entry_id = f"{moment:%Y-%m-%d-%H%M}-{slug_words}"[:60]
    titled = rng.random() < 0.9
    title = " ".join(lex.some(rng, rng.randint(5, 10))).capitalize() if titled else None
    topics = tuple(slug for slug, _ in rng.sample(lex.topics, rng.choice((1, 1, 2, 2, 2, 3))))
    has_image = rng.random() < 0.05
    updated = moment + timedelta(minutes=rng.randint(5, 90)) if rng.random() < 0.05 else None
    source = rng.choice(lex.sources) if rng.random() < 0.5 else None
    body_rng = random.Random(f"body-{seed}-{index}-{revision}")
    return GenEntry(
        index=index, id=entry_id, time=moment, title=title, topics=topics,
        author=rng.choice(lex.authors), key_event=rng.random() < 0.03, pinned=index == 3,
        image=IMAGE if has_image else None,
        caption=" ".join(lex.some(rng, 6)).capitalize() if has_image else None,
        credit=f"Photo: {rng.choice(lex.authors)}" if has_image else None,
        source=source, updated=updated if revision == 0 else moment + timedelta(minutes=revision),
        body=_body(lex, body_rng, index),
    )


def entries(count: int, seed: int = SEED) -> Iterator[GenEntry]:
    for index in range(count):
        yield make_entry(index, seed)


def _quoted(value: str) -> str:
    """A JSON string is a valid YAML scalar: no YAML surprises in generated text."""
    return json.dumps(value, ensure_ascii=False)


def entry_markdown(entry: GenEntry) -> str:
    """The entry as a sitegen `.md` file: front matter, then the Markdown body."""
    lines = ["---", f"time: {entry.time.isoformat()}"]
    if entry.title:
        lines.append(f"title: {_quoted(entry.title)}")
    lines.append(f"topics: [{', '.join(entry.topics)}]")
    lines.append(f"author: {_quoted(entry.author)}")
    if entry.key_event:
        lines.append("key_event: true")
    if entry.pinned:
        lines.append("pinned: true")
    if entry.image:
        lines += [f"image: {entry.image}", f"alt: {_quoted(entry.caption or '')}",
                  f"caption: {_quoted(entry.caption or '')}",
                  f"credit: {_quoted(entry.credit or '')}"]
    if entry.source:
        lines += ["source:", f"  name: {_quoted(entry.source[0])}", f"  url: {entry.source[1]}"]
    if entry.updated:
        lines.append(f"updated: {entry.updated.isoformat()}")
    lines.append("---")
    return "\n".join(lines) + "\n" + entry.body


@dataclass(frozen=True)
class GeneratedSite:
    folder: Path
    count: int
    seed: int = SEED
    slug: str = LIVEBLOG

    @property
    def content(self) -> Path:
        return self.folder / "content" / self.slug

    def entry_path(self, entry: GenEntry) -> Path:
        return self.content / f"{entry.id}.md"


def site_config(title: str = "Benchmark Courier — Live") -> str:
    return "\n".join([
        f"title: {_quoted(title)}", "description: Generated coverage for benchmarks.",
        f"base_url: {BASE_URL}", "language: en", "timezone: Europe/Kyiv", "per_page: 50",
        "publisher:", "  name: Benchmark Courier", "  logo: images/bench-photo.svg", "",
    ])


def liveblog_yaml(seed: int = SEED) -> str:
    topics = "".join(f"  {slug}: {_quoted(title)}\n" for slug, title in lexicon(seed).topics)
    return ("title: Generated liveblog\ndescription: Thousands of made-up updates.\n"
            "status: live\ntimezone: Europe/Kyiv\ntopics:\n" + topics)


def write_site(folder: Path, count: int, seed: int = SEED, slug: str = LIVEBLOG) -> GeneratedSite:
    """Write a whole site folder (replacing `folder`): config, liveblog, entries, one image."""
    if folder.exists():
        shutil.rmtree(folder)
    site = GeneratedSite(folder, count, seed, slug)
    site.content.mkdir(parents=True)
    (folder / "sitegen.yaml").write_text(site_config(), "utf-8")
    (site.content / "liveblog.yaml").write_text(liveblog_yaml(seed), "utf-8")
    image = folder / "static" / IMAGE
    image.parent.mkdir(parents=True)
    image.write_text(IMAGE_SVG, "utf-8")
    for entry in entries(count, seed):
        site.entry_path(entry).write_text(entry_markdown(entry), "utf-8")
    return site


PHOTO_SIZE = (4000, 3000)  # a phone's 12 megapixels


def phone_photo(number: int, size: tuple[int, int] = PHOTO_SIZE) -> bytes:
    """A phone-like JPEG (about 2-3 MB): gradient and grain, stored sideways with an EXIF
    orientation, GPS position and camera model, as phones write them. Deterministic."""
    import io

    from PIL import Image
    width, height = size
    rng = random.Random(f"photo-{number}")
    grain = Image.effect_noise((width // 2, height // 2), 30 + number % 20).resize(size)
    base = Image.linear_gradient("L").resize(size).rotate(rng.randint(0, 359), expand=False)
    picture = Image.merge("RGB", (Image.blend(base, grain, 0.35), grain, Image.blend(grain, base, 0.6)))
    exif = Image.Exif()
    exif[0x0112] = rng.choice((1, 6, 8))
    exif[0x0110] = "Phone 15"
    exif.get_ifd(0x8825).update({1: "N", 2: (50.0, 27.0, float(number % 60)), 3: "E", 4: (30.0, 31.0, 2.5)})
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=88, exif=exif.tobytes())
    return out.getvalue()


def photo_plan(count: int, photos: int) -> dict[int, int]:
    """Entry index -> photo number: the `photos` entries, spread evenly over `count`,
    that `add_photos` gives a phone photo (other tools' sites use the same plan)."""
    every = max(1, count // max(photos, 1))
    return {index: number for number, index in enumerate(range(0, count, every)[:photos])}


def photo_name(number: int) -> str:
    return f"photo-{number:04d}.jpg"


def photo_entry(index: int, number: int, seed: int = SEED) -> GenEntry:
    """Entry `index` with photo `number` as its image (alt text, caption, credit)."""
    rng = random.Random(f"photo-caption-{number}")
    caption = " ".join(lexicon(seed).some(rng, 6)).capitalize()
    return replace(make_entry(index, seed), image=f"photos/{photo_name(number)}", caption=caption,
                   credit="Photo: field desk")


def add_photos(site: GeneratedSite, count: int, size: tuple[int, int] = PHOTO_SIZE) -> list[Path]:
    """Give `count` entries, spread evenly, a phone photo of their own (`image:` with
    alt text); the photos are written under static/photos/. Returns the photos."""
    photos = []
    for index, number in photo_plan(site.count, count).items():
        photo = site.folder / "static" / "photos" / photo_name(number)
        photo.parent.mkdir(parents=True, exist_ok=True)
        photo.write_bytes(phone_photo(number, size))
        photos.append(photo)
        entry = photo_entry(index, number, site.seed)
        site.entry_path(entry).write_text(entry_markdown(entry), "utf-8")
    return photos


def edit_entry(site: GeneratedSite, index: int, revision: int = 1) -> Path:
    """Rewrite entry `index` with a new body and `updated` time; returns its file."""
    entry = make_entry(index, site.seed, revision)
    path = site.entry_path(entry)
    path.write_text(entry_markdown(entry), "utf-8")
    return path


def append_entry(site: GeneratedSite) -> tuple[GeneratedSite, Path]:
    """Add the next (newest) entry; returns the grown site and the new file."""
    entry = make_entry(site.count, site.seed)
    grown = GeneratedSite(site.folder, site.count + 1, site.seed, site.slug)
    path = grown.entry_path(entry)
    path.write_text(entry_markdown(entry), "utf-8")
    return grown, path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write a generated liveblog site for benchmarks.")
    parser.add_argument("folder", type=Path, help="site folder to (re)create")
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--photos", type=int, default=0, help="entries given a 4000x3000 phone photo")
    args = parser.parse_args(argv)
    site = write_site(args.folder, args.entries, args.seed)
    photos = add_photos(site, args.photos) if args.photos else []
    print(f"wrote {site.count} entries ({len(photos)} with photos) to {site.content}")


if __name__ == "__main__":
    main()
