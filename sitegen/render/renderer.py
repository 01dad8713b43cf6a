"""Templates: finding them (site over theme), rendering pages and entry fragments.

Every template autoescapes, undefined names are errors, and a template problem
is reported as `TEMPLATE:LINE: message`. Entry <article>s are rendered once per
content change and reused from the cache by every page that shows them.
"""

from __future__ import annotations

import hashlib
import traceback
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import jinja2

from sitegen.core.forking import Progress, counting, fork_map, pool_size
from sitegen.render.store import FragmentStore
from sitegen.render.themes import BUNDLED_THEMES
from sitegen.config.site_config import CONFIG_FILE, SiteConfig, read_text
from sitegen.core import yamlsafe
from sitegen.core.errors import ConfigError, Problem, SitegenError, TemplateError
from sitegen.model.site import Entry, Liveblog, Site
from sitegen.site.plan import PageSpec
from sitegen.core.urls import Links
from sitegen.site.views import entry_view

ENTRY_TEMPLATE = "entry.html"
# Content never holds control characters (text.clean_text removes them), so this
# marks "the way to the site root" in an <article> rendered for pages at any depth.
ROOT_MARK = "\x01"
ROOT_MARK_BYTES = ROOT_MARK.encode()  # (in UTF-8, never part of another character)


class MarkedLinks(Links):
    """Links whose site-relative URLs start with ROOT_MARK instead of a page's `../`s."""

    def to(self, route: str) -> str:
        return ROOT_MARK + (super().to(route) if route else "")


def has_mark(value: object) -> bool:
    """Whether ROOT_MARK occurs in any text of `value` (a model object), which it should
    not (a body's `&#1;` could put it there). Asked of every entry of a cold build."""
    if type(value) is str:
        return ROOT_MARK in value
    if isinstance(value, (tuple, list)):
        return any(has_mark(v) for v in value)
    if hasattr(value, "__dataclass_fields__"):
        return any(ROOT_MARK in v if type(v) is str else v is not None and has_mark(v)
                   for v in [getattr(value, name) for name in value.__dataclass_fields__])
    return False


def _shaping(liveblog: Liveblog) -> str:
    """What of the liveblog shapes its <article>s: its slug, timezone, topics (the
    topic links) and language. Asked once per liveblog version (see Renderer._shaping_of)."""
    return "\x00".join((liveblog.slug, str(liveblog.timezone), repr([(t.slug, t.title) for t in liveblog.topics]),
                        repr(liveblog.lang)))


# Articles a pool worker renders before sending them (about 1 MB): larger slices arrive
# as a few large pickles at once, each briefly held twice (~12 MB a slice at 50,000 entries).
ARTICLES_A_TASK = 500
KEPT_A_FETCH = 1000  # articles fetched from the store at once, then kept as bytes (see `prerender`)

LAZY = ' loading="lazy"'


def first_image_eager(page: str) -> str:
    """The page with its first lazy image loaded at once: it is usually in view at
    the top, where lazy loading only delays it (entries are rendered once for every
    page that shows them, so only the page knows which image comes first)."""
    return page.replace(LAZY, "", 1)


@dataclass(frozen=True)
class Theme:
    name: str
    templates: tuple[Path, ...]  # site overrides first, then the theme
    static: Path
    i18n: Path  # the theme's own catalogs (may not exist): under the site's i18n/


def find_theme(source: Path, name: str) -> Theme:
    """The theme's folders; a missing theme names every place searched."""
    candidates = [source / "themes" / name, BUNDLED_THEMES / name]
    for folder in candidates:
        if (folder / "templates").is_dir():
            overrides = source / "templates"
            dirs = ((overrides,) if overrides.is_dir() else ()) + (folder / "templates",)
            return Theme(name, dirs, folder / "static", folder / "i18n")
    bundled = sorted(p.name for p in BUNDLED_THEMES.iterdir() if (p / "templates").is_dir())
    raise ConfigError(Problem(source / CONFIG_FILE, _line_of_theme(source / CONFIG_FILE),
                              f"theme {name!r} not found (looked for {candidates[0] / 'templates'}/ and a "
                              f"bundled theme of that name): set `theme:` to {' or '.join(bundled)}, or put your "
                              f"theme's templates in themes/{name}/templates/"))


def _line_of_theme(config: Path) -> int | None:
    """Where `theme:` is written in sitegen.yaml (read again only to say so)."""
    try:
        data = yamlsafe.load(read_text(config), config)
    except SitegenError:
        return None
    return data.line_of("theme") if isinstance(data, yamlsafe.YamlMap) and "theme" in data else None


class _Loader(jinja2.FileSystemLoader):
    """A file loader whose 'not found' names every folder it searched."""

    def get_source(self, environment: jinja2.Environment, template: str):  # type: ignore[no-untyped-def]
        try:
            return super().get_source(environment, template)
        except jinja2.TemplateNotFound:
            searched = ", ".join(str(Path(p) / template) for p in self.searchpath)
            raise jinja2.TemplateNotFound(template, f"template {template!r} not found; searched {searched}") from None


class _CompiledTemplates(jinja2.BytecodeCache):
    """Compiled templates kept for the life of the process (`codes`), so that each of
    `serve`'s rebuilds does not parse and compile every template again, and in the
    store's `kept` cache when it has one, so that a fresh process (a newsroom's cron job
    publishing one edit) loads them instead of compiling them: a tenth of a second.
    Jinja checks each one against a checksum of the template's source: an edit is
    never missed. A kept one that cannot be read is compiled again; one that cannot be
    kept is only not kept."""

    def __init__(self, codes: dict[str, bytes], kept: jinja2.BytecodeCache | None) -> None:
        self.codes = codes
        self.kept = kept

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self.codes.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)
        elif self.kept is not None:
            try:
                self.kept.load_bytecode(bucket)
            except Exception:  # (damaged: Jinja unpickles its checksum, unmarshals its code)
                bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.codes[bucket.key] = bucket.bytecode_to_string()
        if self.kept is not None:
            try:
                self.kept.dump_bytecode(bucket)
            except OSError:  # (a full or read-only disk: compiled again next time)
                pass


_PROCESS_CODES: dict[str, bytes] = {}  # (by Jinja's key for a template's name and file; never stale)


def _page_template(name: str) -> bool:
    """A template file as themes write them (not a hidden file: a Mac's .DS_Store)."""
    return name.endswith(".html") and not any(part.startswith(".") for part in name.split("/"))


class Renderer:
    """Renders pages and entry fragments with one theme and config."""

    def __init__(self, theme: Theme, config: SiteConfig, store: FragmentStore, texts: str = "") -> None:
        """`texts`: the digest of the catalogs (translations.digest), which shape pages
        as templates do."""
        self.theme = theme
        self.store = store
        self.sizes = config.media.sizes
        self.env = jinja2.Environment(
            loader=_Loader([str(p) for p in theme.templates]),
            autoescape=True,  # every template, HTML or XML, escapes by default
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            bytecode_cache=_CompiledTemplates(_PROCESS_CODES, store.compiled_templates()),
            auto_reload=False,  # a Renderer lives for one build: no stat of every template per page
        )
        self._templates: dict[str, jinja2.Template] = {}
        self.fingerprint = store.key(self._templates_digest(), repr(config), texts)
        self._articles = store.articles(self.fingerprint)
        self._shapings: dict[str, str] = {}  # a liveblog's digest (its own fields) -> `_shaping`

    def _templates_digest(self) -> str:
        digest = hashlib.sha256()
        for folder in self.theme.templates:
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    digest.update(str(path.relative_to(folder)).encode() + b"\x00" + path.read_bytes())
        return digest.hexdigest()

    def fragment(self, entry: Entry, liveblog: Liveblog, links: Links) -> str:
        """An entry's <article> as seen from the page of `links`.

        Rendered once per content change for pages at every depth: with links that
        start with ROOT_MARK, which is then replaced by this page's way to the root.
        """
        if not links.root:
            return self._article(entry, liveblog, links, links.root)
        where = (liveblog.digest, entry.digest, links.base_url)  # the liveblog's fields include its topics
        html = self._articles.get(where)
        if html is None:
            if has_mark(entry):  # its own text holds the mark: rendered for each depth
                return self._article(entry, liveblog, links, links.root)
            made = self._article(entry, liveblog, MarkedLinks(links.base_url, ""), ROOT_MARK)
            html = self._articles[where] = made.encode("utf-8")  # (kept as bytes: see `prerender`)
        return html.replace(ROOT_MARK_BYTES, quote(links.root).encode()).decode("utf-8")

    def forget_articles(self) -> None:
        """Let go of the articles kept for this build's pages once the forked renderers,
        which inherited them, make the pages: the few this process still joins (the live
        updates) come from the store. A long liveblog's articles are the largest thing a
        cold build holds (~100 MB at 50,000 entries). `serve`'s memo of them is emptied
        too (a new preview folder's first build): its later builds join the articles of
        the few pages an edit changes, read again from the store once (about 10 ms for a
        thousand), instead of holding every article for the session's life."""
        self._articles.clear()  # (`serve`'s memo is this very dict)

    def prerender(self, site: Site, progress: Progress | None = None) -> None:
        """Every entry's <article>, for a build that writes every page (a cold one, or
        `serve`'s first): those the cache holds are fetched a thousand at a time, and the
        rest rendered by a pool of forked processes when there are many (the same templates,
        inherited by the fork, so the same bytes). Pages then only join them. Every article
        is kept as its UTF-8 bytes (`fragment` keeps them so too): a long liveblog's articles
        are the largest thing a cold build holds, and `serve` keeps them for its life; as
        text most take 2 bytes a character (an English time holds U+202F). `progress` is
        told how many are rendered, as the pool renders them."""
        self._load_templates()
        wanted: dict[str, tuple[tuple[str, str, str], Entry, Liveblog]] = {}
        base_url = site.config.base_url
        for liveblog in site.liveblogs:
            for entry in liveblog.entries:
                where = (liveblog.digest, entry.digest, base_url)
                if where not in self._articles:
                    wanted[self._article_key(entry, liveblog, ROOT_MARK, base_url)] = (where, entry, liveblog)
        keys = list(wanted)
        for start in range(0, len(keys), KEPT_A_FETCH):  # (never one holding the mark: see `fragment`)
            for key, html in self.store.get_many(keys[start:start + KEPT_A_FETCH]).items():
                self._articles[wanted.pop(key)[0]] = html.encode("utf-8")
        missing = list(wanted.items())  # (no more copies of a long liveblog's 50,000 entries than this)
        wanted.clear()
        for (key, (where, _, _)), html in zip(missing, self._render_articles([(e, lb) for _, (_, e, lb) in missing],
                                                                             base_url, progress)):
            if html is not None:
                self.store.put(key, html)
                self._articles[where] = html

    def _load_templates(self) -> None:
        """The theme's templates (its `.html` files), compiled here before a build that
        makes every page forks its renderers: they inherit them (each would compile its
        own), and so does `serve`'s next build in this process (`_PROCESS_CODES`), which
        the renderers' work would not reach. One that cannot be loaded is reported where a
        page uses it."""
        try:
            names = self.env.list_templates(filter_func=_page_template)
        except TypeError:  # (a loader that cannot list: each is compiled where first used)
            return
        for name in names:
            try:
                self.env.get_template(name)
            except (jinja2.TemplateError, UnicodeDecodeError, OSError):
                continue

    def _render_articles(self, pairs: list[tuple[Entry, Liveblog]], base_url: str,
                         progress: Progress | None = None) -> list[bytes | None]:
        """The articles with marked links; None for an entry whose own text holds the
        mark (`fragment` renders those for each depth). The workers ask `has_mark`, which
        looks at every text of an entry, so that the parent does not, alone, for all."""
        links = MarkedLinks(base_url, "")

        def render(start: int, stop: int) -> list[bytes | None]:
            return [None if has_mark(entry) else
                    self._render(ENTRY_TEMPLATE, entry=entry_view(entry, liveblog, links, self.sizes),
                                 t=liveblog.lang.t).encode("utf-8") for entry, liveblog in pairs[start:stop]]

        return fork_map(render, len(pairs), pool_size(len(pairs)), ARTICLES_A_TASK,
                        counting(progress, "Rendering entries", len(pairs)))  # (in process below two workers)

    def _article(self, entry: Entry, liveblog: Liveblog, links: Links, root: str) -> str:
        key = self._article_key(entry, liveblog, root, links.base_url)
        html = self.store.get(key)
        if html is None:
            html = self._render(ENTRY_TEMPLATE, entry=entry_view(entry, liveblog, links, self.sizes), t=liveblog.lang.t)
            self.store.put(key, html)
        return html

    def _article_key(self, entry: Entry, liveblog: Liveblog, root: str, base_url: str) -> str:
        return self.store.key("article", self.fingerprint, entry.digest, self._shaping_of(liveblog), root, base_url)

    def _shaping_of(self, liveblog: Liveblog) -> str:
        text = self._shapings.get(liveblog.digest)
        if text is None:
            text = self._shapings[liveblog.digest] = _shaping(liveblog)
        return text

    def page(self, spec: PageSpec) -> bytes:
        """A page; `t` in its templates is the page's interface texts (its head's language)."""
        context = spec.make_context()
        html = self._render(spec.template, page=context, t=context.head.t)  # type: ignore[attr-defined]
        return first_image_eager(html).encode("utf-8")

    def page_inputs(self, spec: PageSpec) -> str | None:
        """A digest of everything that shapes the page, or None when the page does not say."""
        if spec.inputs is None:
            return None
        return self.store.key("page", self.fingerprint, spec.template, spec.route, spec.inputs)

    def _render(self, name: str, **context: object) -> str:
        try:
            template = self._templates.get(name) or self._templates.setdefault(name, self.env.get_template(name))
            return template.render(**context)
        except jinja2.TemplateNotFound as exc:
            where = self._locate(exc, name)  # the template that includes/extends the missing one
            raise TemplateError(Problem(where.path if where.line else None, where.line,
                                        exc.message or f"template {name!r} not found")) from None
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(Problem(Path(exc.filename or name), exc.lineno, exc.message or "syntax error")) from None
        except Exception as exc:  # noqa: BLE001 - any error inside a template is the template's
            raise TemplateError(self._locate(exc, name)) from None

    def _locate(self, exc: Exception, name: str) -> Problem:
        """The template file and line where a render error happened."""
        roots = tuple(str(p) for p in self.theme.templates)
        for frame in reversed(traceback.extract_tb(exc.__traceback__)):
            if frame.filename.startswith(roots):
                return Problem(Path(frame.filename), frame.lineno, f"{type(exc).__name__}: {exc}")
        return Problem(Path(name), None, f"{type(exc).__name__}: {exc}")
