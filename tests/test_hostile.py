"""Hostile Markdown and front matter: nothing from content becomes live script, an event
handler or a dangerous URL; text stays text; feeds stay valid XML whatever the content.

Pages are parsed with html5lib, the way a browser parses them, so an escaping mistake
that lets content close an element or an attribute shows up as a stray element here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import html5lib
import pytest

from sitekit import tiny_png, DEFAULT_CONFIG, build_ok, entry_md, feed, html_files, make_site, xml_tree

EVIL_TITLE = "</script><script>alert('t')</script> \" ' ]]> <!-- & &amp; \x01\x0b\u2028 end"
EVIL_BODY = """\
<script>alert('body')</script>
<img src=x onerror="alert('img')">
<a href="javascript:alert('raw')">raw link</a>
<iframe src="https://evil.example/"></iframe>

[js](javascript:alert('js')) [JS](JaVaScRiPt:alert(1)) [vb](vbscript:msgbox(1))
[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==) [ent](&#106;avascript:alert(1))
[angle](<javascript:alert(1)>) [spaced]( javascript:alert(1) ) <javascript:alert(1)>
[ref] and [title](https://ok.example/ "a\\" onmouseover=\\"alert(1)")
![bad image](javascript:alert('src')) ![svg](data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=)
![png" onerror="alert(1)](data:image/png;base64,iVBORw0KGgo=)

Control \x00\x01\x02\x1b\x7f characters, a CDATA end ]]> and a comment <!-- here.

| a | b |
|---|---|
| <b onclick=x>cell</b> | ~~gone~~ |

Footnote[^1].

[^1]: The note <script>alert('note')</script>.

[ref]: javascript:alert('ref')
"""

# YAML double-quoted strings: every character, including escapes, is deliberate.
Q = json.dumps


def _front(**fields: str) -> str:
    return "\n".join(f"{k}: {Q(v)}" for k, v in fields.items())


HOSTILE_MD = ("---\ntime: 2025-03-22T09:30\n"
              + _front(title=EVIL_TITLE, author="<img src=x onerror=alert('author')>",
                       caption="\" onload=\"alert('caption')", alt="\" onload=\"alert('alt')", credit="</figcaption><script>x</script>")
              + "\nimage: images/pic.png\ntopics: [evil]\n"
              + "source: {name: " + Q("<b onmouseover=x>Wire</b>") + ", url: "
              + Q("https://wire.example/?q=\"><script>alert(1)</script>") + "}\n"
              + "---\n" + EVIL_BODY)

HOSTILE_LIST = (
    "- id: listed\n  time: 2025-03-22T10:00\n"
    "  title: " + Q("]]></title><script>alert('list')</script>") + "\n"
    "  body: " + Q("<svg onload=alert(1)>\n\n[x](javascript:alert(1))\n\n\u0000 NUL and \ufffe") + "\n"
)

HOSTILE_LIVEBLOG = (
    "title: " + Q("Live </title><script>alert('lb')</script>") + "\n"
    "description: " + Q("\"><img src=x onerror=alert('desc')> ]]>") + "\n"
    "topics:\n  evil: " + Q("<script>alert('topic')</script>") + "\n"
)

HOSTILE_CONFIG = (
    "title: " + Q("Site </title><script>alert('site')</script>") + "\n"
    "base_url: https://example.org/\n"
    "description: " + Q("\"><svg onload=alert('sitedesc')>") + "\n"
    "comments:\n"
    "  heading: " + Q("<script>alert('heading')</script>") + "\n"
    "  invitation: " + Q("\" onmouseover=\"alert('inv')") + "\n"
    "publisher:\n  name: " + Q("</script><script>alert('pub')</script>") + "\n"
)


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    site = make_site(tmp_path_factory.mktemp("hostile"), config=HOSTILE_CONFIG,
                     liveblogs={"evil": {"liveblog.yaml": HOSTILE_LIVEBLOG, "hostile.md": HOSTILE_MD,
                                         "list.yaml": HOSTILE_LIST}},
                     files={"static/images/pic.png": tiny_png()})
    return build_ok(site)


def browser_parse(data: bytes):
    return html5lib.parse(data, treebuilder="lxml", namespaceHTMLElements=False)


URL_ATTRS = {"href", "src", "action", "formaction", "poster", "data", "xlink:href", "background",
             "cite", "longdesc", "ping", "srcset", "manifest", "codebase"}
SAFE_DATA_IMAGE = re.compile(r"^data:image/(png|gif|jpeg|webp);", re.I)


def _scheme(url: str) -> str:
    """The scheme a browser would see: it ignores ASCII whitespace and controls."""
    cleaned = re.sub(r"[\x00-\x20\x7f]", "", url)
    return urlsplit(cleaned).scheme.lower()


def unsafe_markup(root, page_url: str, site_url: str = "https://example.org/") -> list[str]:
    """Everything in a parsed document that could run script from content."""
    found = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        tag = el.tag.lower()
        for name, value in el.attrib.items():
            name = name.lower()
            if name.startswith("on"):
                found.append(f"<{tag} {name}=...>")
            if name in URL_ATTRS:
                for url in ([u.strip().split(" ")[0] for u in value.split(",")] if name == "srcset" else [value]):
                    scheme = _scheme(url)
                    if scheme in ("javascript", "vbscript", "file") or (
                            scheme == "data" and not (tag == "img" and SAFE_DATA_IMAGE.match(url))):
                        found.append(f"<{tag} {name}={url!r}>")
        if tag in ("iframe", "object", "embed", "base", "frame", "frameset", "applet"):
            found.append(f"<{tag}>")
        if tag == "meta" and (el.get("http-equiv") or "").lower() == "refresh":
            found.append("<meta http-equiv=refresh>")
        if tag == "script":
            found += _script_problem(el, page_url, site_url)
    return found


def _script_problem(el, page_url: str, site_url: str) -> list[str]:
    """A <script> is fine if it loads the site's own asset, or is JSON data that parses."""
    if el.get("src") is not None:
        return [] if urljoin(page_url, el.get("src")).startswith(site_url + "assets/") else \
            [f"<script src={el.get('src')!r}>"]
    kind = (el.get("type") or "").lower()
    if kind in ("application/ld+json", "application/json"):
        try:
            json.loads(el.text or "")
        except ValueError:
            return [f"<script type={kind}> that is not JSON: {(el.text or '')[:80]!r}"]
        return []
    return [f"inline <script>: {(el.text or '')[:80]!r}"]


def test_no_live_script_or_handler_in_any_page(out):
    pages = html_files(out)
    assert len(pages) >= 4
    for path in pages:
        url = "https://example.org/" + path.relative_to(out).as_posix()
        assert unsafe_markup(browser_parse(path.read_bytes()).getroot(), url) == [], path


def _entry(out: Path, entry_id: str):
    root = browser_parse((out / "evil/index.html").read_bytes()).getroot()
    (node,) = root.xpath("//*[@id=$i]", i=f"entry-{entry_id}")
    return node


def _texts(node) -> list[str]:
    return [" ".join(t.split()) for t in node.itertext()]


def test_hostile_text_is_shown_as_text(out):
    node = _entry(out, "hostile")
    text = " ".join(node.itertext())
    for literal in ("</script><script>alert('t')</script>", "<img src=x onerror=alert('author')>",
                    "<script>alert('body')</script>", "<b onmouseover=x>Wire</b>", "]]>", "<!-- here"):
        assert literal in text, literal
    assert "&amp;" in text  # `&amp;` in a title is the text "&amp;", not an ampersand


def test_attributes_keep_their_values(out):
    node = _entry(out, "hostile")
    figure_imgs = [i for i in node.iter("img") if "media/pic-" in i.get("src", "")]
    assert [i.get("alt") for i in figure_imgs] == ["\" onload=\"alert('alt')"]
    assert "https://wire.example/?q=\"><script>alert(1)</script>" in [a.get("href") for a in node.iter("a")]


def test_control_characters_never_reach_the_output(out):
    for path in [*html_files(out), *out.rglob("*.xml"), *out.rglob("*.json")]:
        text = path.read_text("utf-8")
        assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]", text), path


def test_markdown_keeps_safe_features(out):
    node = _entry(out, "hostile")
    assert node.xpath(".//table//td") and node.xpath(".//s | .//del")
    assert [a.get("href") for a in node.iter("a") if a.text == "title"] == ["https://ok.example/"]
    imgs = [i for i in node.iter("img") if (i.get("src") or "").startswith("data:image/png")]
    assert len(imgs) == 1 and imgs[0].get("alt") == 'png" onerror="alert(1)' and imgs[0].get("decoding") == "async"
    assert imgs[0].get("loading") == "lazy" or imgs[0] is node.xpath("(//img)[1]")[0]  # the page's first: eager
    assert not [a for a in node.iter("a") if a.text in ("js", "JS", "vb", "data", "ent", "angle", "spaced")]
    assert node.xpath(".//sup") or node.xpath(".//*[contains(@class, 'footnote')]")


def _embedded_html_problems(text: str, where: str) -> list[str]:
    """Feed content is HTML inside XML or JSON: parse it like a reader app would."""
    if "<" not in text:
        return []
    root = browser_parse(f"<!DOCTYPE html><body>{text}".encode()).getroot()
    return [f"{where}: {p}" for p in unsafe_markup(root, "https://example.org/evil/")]


def _json_html(value, key: str = ""):
    """Strings of a JSON document that hold HTML (`content_html`, `html`, ...)."""
    if isinstance(value, str):
        if key.lower().endswith("html"):
            yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _json_html(v, str(k))
    elif isinstance(value, list):
        for v in value:
            yield from _json_html(v, key)


def _xml_html(tree):
    """Texts of a feed that hold HTML: an RSS item's description/content:encoded, Atom's
    type="html" (a channel's description is plain text)."""
    for node in tree.iter():
        if not isinstance(node.tag, str):
            continue
        local = node.tag.rpartition("}")[2]
        in_item = node.getparent() is not None and node.getparent().tag == "item"
        if (in_item and local in ("description", "encoded")) or node.get("type") == "html":
            yield node.text or ""


def test_feeds_are_valid_xml_and_carry_no_live_markup(out):
    feeds = sorted(out.rglob("feed.xml"))
    assert len(feeds) >= 3
    problems = []
    for path in sorted(out.rglob("*.xml")):
        for text in _xml_html(xml_tree(path)):  # strict XML: raises if content broke it
            problems += _embedded_html_problems(text, str(path))
    for path in sorted(out.rglob("*.json")):
        for text in _json_html(json.loads(path.read_text("utf-8"))):
            problems += _embedded_html_problems(text, str(path))
    assert problems == []
    for path in feeds:
        feed(path)  # feedparser: bozo == 0
    titles = [e.title for e in feed(out / "evil/feed.xml").entries]
    assert EVIL_TITLE.replace("\x01", "").replace("\x0b", "") in titles


# --- markdown.allow_html: the one explicit way to let raw HTML through ---------

RAW = '<figure class="trusted-embed"><span data-x="1">raw</span></figure>\n\nAnd <em class="inline-raw">inline</em>.\n'


def _build_raw(tmp_path: Path, allow: bool) -> Path:
    config = DEFAULT_CONFIG + ("markdown:\n  allow_html: true\n" if allow else "")
    site = make_site(tmp_path, config=config, liveblogs={"l": {"liveblog.yaml": "title: L\n",
                                                             "a.md": entry_md("2025-03-22T09:30", RAW)}})
    return build_ok(site)


def test_raw_html_is_escaped_by_default(tmp_path):
    root = browser_parse((_build_raw(tmp_path, False) / "l/index.html").read_bytes()).getroot()
    assert not root.xpath("//*[@class='trusted-embed'] | //*[@class='inline-raw']")
    assert '<em class="inline-raw">' in " ".join(root.xpath("//*[@id='entry-a']")[0].itertext())


def test_allow_html_lets_raw_html_through(tmp_path):
    root = browser_parse((_build_raw(tmp_path, True) / "l/index.html").read_bytes()).getroot()
    assert [e.get("data-x") for e in root.xpath("//figure[@class='trusted-embed']/span")] == ["1"]
    assert root.xpath("//em[@class='inline-raw']/text()") == ["inline"]


def test_allow_html_still_keeps_links_safe(tmp_path):
    site = make_site(tmp_path, config=DEFAULT_CONFIG + "markdown:\n  allow_html: true\n",
                     liveblogs={"l": {"liveblog.yaml": "title: L\n",
                                      "a.md": entry_md("2025-03-22T09:30", "[x](javascript:alert(1))")}})
    root = browser_parse((build_ok(site) / "l/index.html").read_bytes()).getroot()
    assert unsafe_markup(root, "https://example.org/l/") == []
