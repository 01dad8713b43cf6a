"""`sitegen build`, top to bottom: gather and validate, then render, then write."""

from __future__ import annotations

import gc
import hashlib
import shutil
import time
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Iterator

from sitegen.core import urls
from sitegen.core.forking import Progress, counting
from sitegen.core.memory import release_freed
from sitegen.core.svgsafe import refuse_scripted_svgs
from sitegen.incremental.bodies import CachedBodies
from sitegen.incremental.fragments import CachedFragments
from sitegen.incremental.svgchecks import CheckedSvgs
from sitegen.incremental.cache import Cache, cache_key
from sitegen.config.site_config import load_config
from sitegen.source.loader import load_site
from sitegen.incremental.entries import CachedEntryReader, parsed_files
from sitegen.i18n import load_translations
from sitegen.feeds.items import Feed
from sitegen.feeds.rss import lastmod_text, rss, site_feeds, sitemap_document, sitemap_urls
from sitegen.feeds.formats import other_makers
from sitegen.site.live import manifest_files
from sitegen.site.required import warn_missing
from sitegen.markdown.renderer import MarkdownRenderer
from sitegen.media.library import MediaLibrary
from sitegen.media.mdplugin import MediaMarkdown
from sitegen.build.media import media_library, publish_media, without_processed
from sitegen.model.site import Site
from sitegen.source.people import profiles
from sitegen.output.record import OUTPUT_RECORDS
from sitegen.output.skip import StaleInputs, verify_inputs
from sitegen.output.writer import Deferred, OutputWriter, Task
from sitegen.build.parallel import write_split
from sitegen.site.pages import site_pages
from sitegen.site.plan import PageGroup, PageSpec, SitePlan
from sitegen.site.streams import Streams
from sitegen.site.views import texts_files
from sitegen.render.assets import theme_static_files, with_assets
from sitegen.render.renderer import Renderer, Theme, find_theme
from sitegen.source.files import walk_files
from sitegen.incremental.uptodate import Summary, remember
from sitegen.build.start import (CACHE_DIR, BuildOptions, BuildResult, Check, cache_folder,  # noqa: F401
                                 check, check_folders, default_options, manifest_path, open_cache, output_errors,
                                 settled_output, skipped)

FEW_PAGES = 200  # pages to make, below which forking renderers does not pay (see `_bundled`)


def build(options: BuildOptions, cache: Cache | None = None, progress: Progress | None = None,
          changed: frozenset[Path] | None = None, checked: Check | None = None, *, locked: bool = False,
          wait: bool = True) -> BuildResult:
    """Build once; the cyclic garbage collector is paused meanwhile (see `_no_gc_pauses`).
    `changed` (from `serve`, with an in-memory cache) names the files its watcher saw
    change since the cache's last successful build; None means every file is checked.
    `checked`: the up-to-date check, made already with this `cache` (`oneoff.py`).
    The build holds the output's lock (lock.py; waiting for it unless `wait` is False),
    unless the caller holds it already (`locked`), and first finishes a publication
    that a killed build left (publish.py): see `start.settled_output`."""
    check_folders(options)
    with _no_gc_pauses(long_lived=cache is not None and cache.keep_in_memory):
        if locked:
            return _build(options, cache, progress, changed, checked)
        with settled_output(options.output, wait):
            return _build(options, cache, progress, changed, checked)


@contextmanager
def _no_gc_pauses(long_lived: bool) -> Iterator[None]:
    """A build allocates hundreds of thousands of small, acyclic objects: the cyclic
    collector would scan the whole (large, long-lived) heap again and again for nothing.
    Reference counting still frees everything. In a long-lived process (`serve`) one
    collection runs at the end, and what survives (its caches) is frozen out of later
    scans; a one-off build's process ends instead."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if long_lived:
                gc.collect()
                gc.freeze()
            gc.enable()


def _build(options: BuildOptions, cache: Cache | None, progress: Progress | None,
           changed: frozenset[Path] | None, checked: Check | None) -> BuildResult:
    started = time.perf_counter()
    timings: dict[str, float] = {}
    media: MediaLibrary | None = None
    own_cache = cache is None
    cache = cache or open_cache(options)
    try:
        # 0. Nothing to do when sources and output are as the last build left them.
        checked = checked or check(options, cache)
        state, skip = checked.state, checked.skip
        if skip and not verify_inputs():  # (the test suite builds anyway, and checks the claim)
            return skipped(options, skip, started)
        # 1. Gather and validate everything.
        config = load_config(options.source, options.base_url)
        theme = find_theme(options.source, config.theme)
        config = with_assets(config, theme)
        translations = load_translations(options.source, theme.i18n)
        bodies = CachedBodies(MarkdownRenderer(config.markdown.allow_html,
                                               extension=MediaMarkdown(config.media.embeds)), cache)
        media = media_library(options.source, config, cache, cache_folder(options), progress)
        people = profiles(config.authors or {}, media)  # (photos processed)
        salt = cache_key(bodies.markdown.fingerprint, repr(people))  # (entries carry their authors)
        files = parsed_files(cache, salt, changed, state.stamped if state else None)  # (the check's stats)
        site = load_site(options.source, config, options.drafts, bodies.render_many,
                         CachedEntryReader(files, progress), now=checked.now, future=options.future,
                         media=media, people=people,
                         translations=translations)
        translations.warn_missing({site.lang.tag} | {lb.lang.tag for lb in site.liveblogs})
        statics = without_processed(static_files(options.source, theme, config.assets), site, media)
        refuse_scripted_svgs((path for _, path, _ in statics), CheckedSvgs(cache))
        release_freed()  # (what loading freed: file texts, parsed drafts, written cache values)
        timings["load"] = time.perf_counter() - started
        # 2. Render into a staging folder; 3. swap it in.
        with output_errors(options.output):
            writer = OutputWriter.open(options.output, manifest_path(options),
                                       cache.memo.partition(OUTPUT_RECORDS) if cache.keep_in_memory else None,
                                       checked.output_look())
            try:
                files = render_site(site, Renderer(theme, config, CachedFragments(cache), translations.digest), writer, statics, progress,
                                    cache)
                files += publish_media(site, media, writer)
                if skip and writer.written:
                    raise StaleInputs(f"sources and output as the last build left them, yet {writer.written} "
                                      f"files changed (first: {writer.staged_files[0]})")
            except BaseException:
                writer.abort()
                raise
            timings["render"] = time.perf_counter() - started - timings["load"]
            writer.commit(progress)
        summary = Summary(len(site.liveblogs), sum(len(lb.entries) for lb in site.liveblogs), files, site.next_due)
        remember(cache, state, manifest_path(options), summary)
        cache.flush()
    finally:
        if own_cache:
            cache.close()
        if media is not None and cache_folder(options) is None:
            shutil.rmtree(media.folder, ignore_errors=True)  # (this build's only)
    return BuildResult(site, summary, writer.written, time.perf_counter() - started, timings)


def static_files(source: Path, theme: Theme, assets: tuple[tuple[str, str], ...]) -> Iterator[tuple[str, Path, str]]:
    """(output path, file, origin) for the theme's assets and the site's static/ files."""
    yield from theme_static_files(theme, assets)
    static = source / "static"
    if static.is_dir():
        for path in walk_files(static, source):
            yield path.relative_to(static).as_posix(), path, str(path)


def render_site(site: Site, renderer: Renderer, writer: OutputWriter,
                statics: list[tuple[str, Path, str]], progress: Progress | None, cache: Cache) -> int:
    plan = SitePlan(site, cache.memo)
    warn_missing(site.config)  # what search engines need for live coverage
    if not writer.incremental:
        renderer.prerender(site, progress)  # every page is made: join prerendered <article>s
    routes: list[str] = []
    sitemap = Sitemap(site, plan.streams, cache)
    deferred = Deferred()  # pages to make later: on both cores when there are many (parallel.py)
    pages = writer.deferring(deferred)
    for item in site_pages(site, plan, renderer.fragment):
        if isinstance(item, PageGroup):
            write_group(pages, renderer, item)
            routes += item.routes
            sitemap.add_group(item)
        else:
            write_page(pages, renderer, item)
            routes.append(item.route)
            sitemap.add(item.route)
        if progress:
            progress("Planning pages", len(routes), 0)
    rest = partial(write_the_rest, site, plan, renderer, writer, sitemap, statics)  # (while the pages are made)
    return len(routes) + write_split(_bundled(deferred.tasks, deferred.pages), writer, cache, rest,
                                     renderer.forget_articles, counting(progress, "Rendering pages", deferred.pages))


def write_the_rest(site: Site, plan: SitePlan, renderer: Renderer, writer: OutputWriter, sitemap: "Sitemap",
                   statics: list[tuple[str, Path, str]]) -> int:
    """Every file but the pages: feeds, live updates, interface texts, the sitemap and
    the static files; how many."""
    count = 0
    for feed in site_feeds(site):
        count += write_feed(writer, renderer, feed, site)
    for route, data in manifest_files(site, plan, renderer.fragment, writer.output):
        writer.write(route, data, f"live updates {route}")
        count += 1
    for route, data in texts_files([site.lang, *(lb.lang for lb in site.liveblogs)]).items():
        writer.write(route, data, "the interface texts of sitegen.js")
        count += 1
    writer.write_lazy("sitemap.xml", sitemap.inputs(renderer.fingerprint),
                      lambda: sitemap_document(sitemap.urls), "the sitemap")
    for rel, path, origin in statics:
        writer.copy(rel, path, origin)
    return count + 1 + len(statics)


def _bundled(tasks: list[Task], pages: int) -> list[Task]:
    """The tasks, or one task doing them all when they make few pages (a `serve` rebuild
    after an edit): forking a large process costs more than rendering a few pages."""
    if pages >= FEW_PAGES or len(tasks) < 2:
        return tasks
    return [lambda into: [task(into) for task in tasks]]


def write_feed(writer: OutputWriter, renderer: Renderer, feed: Feed, site: Site) -> int:
    """A feed as RSS, Atom and JSON Feed; an unchanged feed is not made again."""
    inputs = repr((feed.route, feed.title, feed.description, feed.page_route, feed.language,
                   [(item.entry.digest, item.liveblog.digest) for item in feed.items]))
    makers = [(feed.route, rss), *other_makers(feed)]  # Atom and JSON Feed beside the RSS
    for route, make in makers:
        writer.write_lazy(route, cache_key("feed", renderer.fingerprint, route, inputs),
                          partial(make, feed, site), f"feed {route}")
    return len(makers)


def write_group(writer: OutputWriter, renderer: Renderer, group: PageGroup) -> None:
    """A group of pages, kept as they are when the group's inputs did not change."""
    writer.write_group(group.name, cache_key("pages", renderer.fingerprint, group.inputs),
                       lambda: [(urls.output_file(route), f"page {route}") for route in group.routes],
                       lambda into: [write_page(into, renderer, spec) for spec in group.pages()], group.whole)


def write_page(writer: OutputWriter, renderer: Renderer, spec: PageSpec) -> None:
    """Render and write one page; one with unchanged inputs is left as it is."""
    rel, origin = urls.output_file(spec.route), f"page {spec.route or '/'}"
    inputs = renderer.page_inputs(spec)
    if inputs is None:
        writer.write(rel, renderer.page(spec), origin)
    else:
        writer.write_lazy(rel, inputs, lambda: renderer.page(spec), origin)


class Sitemap:
    """(route, last change) for every page worth a search engine's visit, gathered as
    pages are made; an entry's page changes when the entry does. A group's part (most
    of a long liveblog's sitemap) is made once while its entries are the same objects
    (streams.py), so `serve` does not list 10,000 entry pages after each edit; the
    groups' parts kept in the persistent cache are fetched in one query at the end
    (`_settle`), not one per group."""

    def __init__(self, site: Site, streams: Streams, cache: Cache) -> None:
        self.streams = streams
        self.cache = cache
        self.base_url = site.config.base_url
        self._urls: list[bytes] = []  # the parts (feeds.sitemap_urls, UTF-8) in order; b"": a group's, until `_settle`
        self._parts: list[str] = []  # what each says, for `inputs`
        self._groups: list[tuple[int, PageGroup]] = []  # (place in the lists, group) not settled yet
        self.newest = {urls.liveblog(lb.slug): lastmod_text(lb.last_modified) if lb.last_modified else None
                       for lb in site.liveblogs}

    def add(self, route: str) -> None:
        if _listed(route):
            pair = (route, self.newest.get(route))
            self._urls.append(sitemap_urls([pair], self.base_url).encode("utf-8"))
            self._parts.append(f"{route} {pair[1]}")

    def add_group(self, group: PageGroup) -> None:
        self._groups.append((len(self._urls), group))
        self._urls.append(b"")
        self._parts.append("")

    @property
    def urls(self) -> list[bytes]:
        self._settle()
        return self._urls

    def inputs(self, fingerprint: str) -> str:
        """What the sitemap shows: a long liveblog's sitemap is not made again for nothing."""
        self._settle()
        return cache_key("sitemap", fingerprint, "\n".join(self._parts))

    def _settle(self) -> None:
        """Each group's part: kept in `serve`'s memo, else from the persistent cache (all
        groups' in one query), else made."""
        groups, self._groups = self._groups, []
        sources = [(*group.entries, *group.routes) for _, group in groups]
        keys = {group.name: self._part_key(group) for (_, group), known in zip(groups, sources)
                if not self.streams.holds(("sitemap", group.name), known, self.base_url)}
        kept = self.cache.get_many(list(keys.values())) if keys else {}
        for (at, group), known in zip(groups, sources):
            self._urls[at], self._parts[at] = self.streams.derived(
                ("sitemap", group.name), known, partial(self._kept_part, group, keys.get(group.name, ""), kept),
                key=self.base_url)

    def _part_key(self, group: PageGroup) -> str:
        return cache_key("sitemap part", self.base_url, "\n".join(group.routes),
                         " ".join([e.digest for e in group.entries]))

    def _kept_part(self, group: PageGroup, key: str, stored: dict[str, str]) -> tuple[bytes, str]:
        """A group's part (as UTF-8, as the sitemap is joined: see `sitemap_document`),
        from the persistent cache when the same routes and entries (by digest, which
        covers their times) made it before: a fresh build after one edit does not list
        10,000 entry pages again. (Checked under SITEGEN_VERIFY_INPUTS.)"""
        kept = stored.get(key)
        made = _group_sitemap(group, self.base_url) if kept is None or verify_inputs() else None
        if kept is not None and made is not None and kept != made[1] + made[0]:
            raise StaleInputs(f"the sitemap part of {group.name!r}: same routes and entries, other text")
        if made is None:
            return kept[DIGEST_CHARS:].encode("utf-8"), kept[:DIGEST_CHARS]  # type: ignore[index]
        self.cache.put(key, made[1] + made[0])
        return made[0].encode("utf-8"), made[1]


def _listed(route: str) -> bool:
    return route != "404.html" and "/page/" not in route and not route.endswith("/embed/")


DIGEST_CHARS = 64  # a part's digest (sha256, hex) before its text, in the cache


def _group_sitemap(group: PageGroup, base_url: str) -> tuple[str, str]:
    """A group of entry pages' part of the sitemap (each route with its entry's last
    change), and a digest of what it says."""
    pairs: list[tuple[str, str | None]] = [(route, lastmod_text(entry.last_modified))
                                           for route, entry in zip(group.routes, group.entries) if _listed(route)]
    text = "\n".join([f"{route} {modified}" for route, modified in pairs])
    return sitemap_urls(pairs, base_url), hashlib.sha256(text.encode()).hexdigest()
