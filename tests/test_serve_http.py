"""`sitegen serve` over real HTTP: files, types, 404, redirects, Host/Origin checks,
every path-traversal form, injection only in responses, and the event stream."""

from __future__ import annotations

import os
import shutil

import lxml.html
import pytest
from serve_helpers import (
    EventStream,
    add_entry,
    raw_get_ok,
    raw_request,
    running,
    serve_site,
    wait_build,
    wait_for,
    wait_problems,
)
from sitekit import build_ok, entry_md, snapshot

from sitegen.output.publish import MARKER

SECRET = "TOP-SECRET-do-not-serve"


@pytest.fixture(scope="module")
def preview(tmp_path_factory):
    """One preview for the read-only checks, with a secret beside its output folder."""
    site = serve_site(tmp_path_factory.mktemp("serve-http"))
    with running(site) as session:
        output = session.rebuilder.options.output
        (output.parent / "secret.txt").write_text(SECRET)
        (site / "secret.txt").write_text(SECRET)
        yield session


def test_prints_url_and_serves_the_built_liveblog(preview):
    assert any(line.startswith(f"Serving at {preview.url}") for line in preview.lines)
    response = raw_get_ok(preview.server.port, "/night/")
    page = lxml.html.fromstring(response.body)
    assert [a.get("id") for a in page.xpath("//article[starts-with(@id, 'entry-')]")][:3] == \
        ["entry-charlie", "entry-bravo", "entry-alpha"]
    assert response.header("Content-Type") == "text/html; charset=utf-8"
    assert response.header("Cache-Control") == "no-store"


def test_base_url_is_the_served_address(preview):
    page = lxml.html.fromstring(raw_get_ok(preview.server.port, "/night/").body)
    assert page.xpath("//link[@rel='canonical']/@href") == [f"{preview.url}night/"]


def test_reload_script_is_injected_only_into_responses(preview):
    port = preview.server.port
    page = lxml.html.fromstring(raw_get_ok(port, "/night/").body)
    scripts = page.xpath("//script[@src='/__sitegen/reload.js']")
    assert len(scripts) == 1
    assert scripts[0].get("data-build") == preview.hub.status.build != ""
    assert scripts[0].getparent().tag == "body"
    on_disk = lxml.html.fromstring((preview.rebuilder.options.output / "night/index.html").read_bytes())
    assert on_disk.xpath("//script[contains(@src, '__sitegen')]") == []
    script = raw_get_ok(port, "/__sitegen/reload.js")
    assert script.header("Content-Type") == "text/javascript; charset=utf-8"
    assert b"EventSource" in script.body


def test_sitegen_build_output_carries_no_reload_machinery(preview, tmp_path):
    output = build_ok(preview.source, output=tmp_path / "built")
    for rel, data in snapshot(output).items():
        assert b"__sitegen" not in data, rel
        assert b"EventSource" not in data, rel


@pytest.mark.parametrize("path, kind", [
    ("/night/", "text/html; charset=utf-8"),
    ("/index.html", "text/html; charset=utf-8"),
    ("/style.css", "text/css; charset=utf-8"),
    ("/app.js", "text/javascript; charset=utf-8"),
    ("/data.json", "application/json"),
    ("/night/feed.xml", "application/xml; charset=utf-8"),
    ("/sitemap.xml", "application/xml; charset=utf-8"),
    ("/pic.svg", "image/svg+xml"),
    ("/pic.png", "image/png"),
    ("/photo.jpg", "image/jpeg"),
    ("/notes.txt", "text/plain; charset=utf-8"),
])
def test_content_types(preview, path, kind):
    response = raw_get_ok(preview.server.port, path)
    assert response.header("Content-Type") == kind
    assert response.header("X-Content-Type-Options") == "nosniff"
    if not kind.startswith("text/html"):
        relative = path.lstrip("/")
        assert response.body == (preview.rebuilder.options.output / relative).read_bytes()


def test_missing_page_gets_404_html_with_status_404(preview):
    response = raw_request(preview.server.port, "/night/no-such-page/")
    assert response.status == 404
    built = lxml.html.fromstring((preview.rebuilder.options.output / "404.html").read_bytes())
    served = lxml.html.fromstring(response.body)
    assert served.findtext(".//title") == built.findtext(".//title")
    assert served.xpath("//script[@src='/__sitegen/reload.js']")


def test_head_sends_headers_only(preview):
    response = raw_request(preview.server.port, "/night/", method="HEAD")
    assert response.status == 200 and response.body == b""
    assert int(response.header("Content-Length")) > 0


@pytest.mark.parametrize("path, location", [
    ("/night", "/night/"),
    ("/night/topics/energy", "/night/topics/energy/"),
    ("/night?x=1", "/night/?x=1"),
])
def test_folder_without_slash_redirects(preview, path, location):
    response = raw_request(preview.server.port, path)
    assert response.status == 301
    assert response.header("Location") == location


TRAVERSALS = [
    "/../secret.txt",
    "/../../../../etc/passwd",
    "/night/../../secret.txt",
    "/%2e%2e/secret.txt",
    "/%2E%2E/%2E%2E/etc/passwd",
    "/%2e%2e%2fsecret.txt",
    "/..%2fsecret.txt",
    "/night/..%2f..%2fsecret.txt",
    "/%252e%252e/secret.txt",
    "/%252e%252e%252fsecret.txt",
    "/....//secret.txt",
    "/..//..//etc/passwd",
    "/.%2e/secret.txt",
    "//etc/passwd",
    "/%2fetc%2fpasswd",
    "/%2f%2e%2e%2fsecret.txt",
    "/..\\secret.txt",
    "/%5c..%5csecret.txt",
    "/night\\..\\..\\secret.txt",
    "/%c0%ae%c0%ae/secret.txt",
    "/index.html%00.css",
    "/%00",
    "/./index.html",
    "/night/./../../secret.txt",
    "/" + MARKER,
    "http://127.0.0.1/../secret.txt",
    "*",
    "secret.txt",
]


@pytest.mark.parametrize("target", TRAVERSALS)
def test_path_traversal_is_refused(preview, target):
    response = raw_request(preview.server.port, target)
    assert response.status in (403, 404), response.status
    assert SECRET.encode() not in response.body
    assert b"root:" not in response.body
    assert raw_request(preview.server.port, "/").status == 200  # still up


def test_raw_nul_and_control_bytes_are_refused(preview):
    for target in (b"/index.html\x00", b"/\x00../secret.txt", b"/night/\x01"):
        response = raw_request(preview.server.port, target)
        assert response.status in (400, 403, 404)
        assert SECRET.encode() not in response.body
    assert raw_request(preview.server.port, "/").status == 200


def test_symlinks_leading_outside_are_refused(preview):
    output = preview.rebuilder.options.output
    os.symlink(output.parent / "secret.txt", output / "leak.txt")
    os.symlink(output.parent, output / "leakdir")
    os.symlink(output / "notes.txt", output / "inside.txt")
    try:
        assert raw_request(preview.server.port, "/leak.txt").status == 403
        assert raw_request(preview.server.port, "/leakdir/secret.txt").status == 403
        response = raw_get_ok(preview.server.port, "/inside.txt")  # a link that stays inside is fine
        assert response.body == b"plain\n"
    finally:
        for name in ("leak.txt", "leakdir", "inside.txt"):
            (output / name).unlink()


@pytest.mark.parametrize("host", [
    "evil.example:{port}",
    "evil.example",
    "127.0.0.1:{other}",
    "127.0.0.1.evil.example:{port}",
    "localhost:{port}.evil.example",
    "127.0.0.1:{port}:1",
    "",
    None,
])
def test_foreign_host_header_is_refused(preview, host):
    port = preview.server.port
    value = None if host is None else host.format(port=port, other=port + 1)
    response = raw_request(port, "/night/", host=value)
    assert response.status in (400, 403)
    assert b"entry-alpha" not in response.body


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "LOCALHOST:{port}"])
def test_own_host_names_are_answered(preview, host):
    response = raw_request(preview.server.port, "/night/", host=host.format(port=preview.server.port))
    assert response.status == 200


def test_event_stream_checks_origin(preview):
    port = preview.server.port
    for origin in ("http://evil.example", f"http://evil.example:{port}", "null", f"https://127.0.0.1:{port}"):
        response = raw_request(port, "/__sitegen/events", extra={"Origin": origin})
        assert response.status == 403, origin
    for origin in (None, f"http://127.0.0.1:{port}", f"http://localhost:{port}"):
        stream = EventStream(port, origin)
        try:
            assert stream.response.status == 200
            assert stream.response.header("Content-Type") == "text/event-stream; charset=utf-8"
            assert stream.next_status() == {"build": preview.hub.status.build, "problems": []}
        finally:
            stream.close()


def test_unknown_preview_path_is_404(preview):
    assert raw_request(preview.server.port, "/__sitegen/secret").status == 404


def test_event_stream_reports_builds_errors_and_recovery(tmp_path):
    site = serve_site(tmp_path)
    with running(site) as session:
        port = session.server.port
        stream = EventStream(port)
        try:
            first = stream.next_status()
            assert first["problems"] == [] and first["build"] == session.hub.status.build
            add_entry(site, "delta.md", entry_md("2025-03-23T12:00", "Delta body.", title="Delta"))
            second = stream.until(lambda s: s["build"] != first["build"])
            assert second["problems"] == []
            page = lxml.html.fromstring(raw_get_ok(port, "/night/").body)
            assert page.xpath("//article[@id='entry-delta']")

            broken = add_entry(site, "bravo.md", "---\ntime: 2025-03-23T10:00\ntitle: [unclosed\n---\nBody\n")
            failed = stream.until(lambda s: s["problems"])
            assert failed["build"] == second["build"]  # still the last good build
            assert len(failed["problems"]) >= 1
            assert failed["problems"][0].startswith(f"{broken}:")
            line = failed["problems"][0][len(str(broken)) + 1:].split(":", 1)[0]
            assert line.isdigit() and int(line) >= 2
            assert any(p in " ".join(session.lines) for p in failed["problems"])  # the terminal too
            still = lxml.html.fromstring(raw_get_ok(port, "/night/").body)  # last good pages
            assert still.xpath("//article[@id='entry-bravo']") and still.xpath("//article[@id='entry-delta']")

            add_entry(site, "bravo.md", entry_md("2025-03-23T10:00", "Bravo mended.", title="Bravo"))
            fixed = stream.until(lambda s: not s["problems"])
            assert fixed["build"] not in (first["build"], second["build"])
        finally:
            stream.close()


def test_delete_and_static_changes_reach_the_output(tmp_path):
    site = serve_site(tmp_path)
    with running(site) as session:
        port = session.server.port
        builds = session.builds
        (site / "content/night/alpha.md").unlink()
        (site / "static/notes.txt").write_text("changed\n")
        (site / "static/new.txt").write_text("new\n")
        wait_for(lambda: raw_request(port, "/new.txt").status == 200
                 and raw_request(port, "/night/").body.find(b'id="entry-alpha"') < 0, what="rebuild")
        wait_build(session, builds)
        assert raw_get_ok(port, "/notes.txt").body == b"changed\n"
        page = lxml.html.fromstring(raw_get_ok(port, "/night/").body)
        assert not page.xpath("//*[@id='entry-alpha']")


def test_editor_litter_and_unrelated_files_cause_no_rebuild(tmp_path):
    site = serve_site(tmp_path)
    with running(site) as session:
        watcher = session.watcher
        for rel in ("content/night/.alpha.md.swp", "content/night/alpha.md~", "content/night/4913",
                    "content/night/#alpha.md#", "README.md", "output/index.html", ".sitegen-cache/x",
                    "content/.git/HEAD", "notes.txt"):
            assert not watcher.relevant(site / rel), rel
        for rel in ("content/night/alpha.md", "content/night/new.yaml", "sitegen.yaml",
                    "static/app.js", "content", "static", "templates"):
            assert watcher.relevant(site / rel), rel
        assert not watcher.relevant(session.rebuilder.options.output / "index.html")


def test_failed_first_build_still_serves_and_recovers(tmp_path):
    site = serve_site(tmp_path)
    broken = add_entry(site, "alpha.md", "---\ntime: not a time\n---\nBody\n")
    with running(site) as session:
        port = session.server.port
        assert session.builds == 0
        assert session.hub.status.problems and session.hub.status.problems[0].startswith(f"{broken}:")
        response = raw_request(port, "/night/")
        assert response.status == 404
        assert lxml.html.fromstring(response.body).xpath("//script[@src='/__sitegen/reload.js']")
        add_entry(site, "alpha.md", entry_md("2025-03-23T09:00", "Alpha again."))
        wait_build(session, 0)
        assert session.hub.status.problems == ()
        assert raw_request(port, "/night/").status == 200


def test_polling_observer_sees_changes(tmp_path):
    site = serve_site(tmp_path)
    with running(site, poll=True) as session:
        builds = session.builds
        add_entry(site, "delta.md", entry_md("2025-03-23T12:00", "Delta body.", title="Delta"))
        wait_build(session, builds)
        page = lxml.html.fromstring(raw_get_ok(session.server.port, "/night/").body)
        assert page.xpath("//article[@id='entry-delta']")


def test_a_new_templates_folder_is_watched(tmp_path):
    site = serve_site(tmp_path)
    template = ('<!DOCTYPE html><html lang="en"><head><title>Lost</title></head>'
                '<body><p id="override">{}</p></body></html>\n')
    with running(site) as session:
        port = session.server.port
        builds = session.builds
        (site / "templates").mkdir()
        override = site / "templates/404.html"
        override.write_text(template.format("one"))

        def override_text() -> str:
            return lxml.html.fromstring(raw_request(port, "/missing/").body).xpath("string(//*[@id='override'])")

        wait_for(lambda: override_text() == "one", what="the override")
        wait_for(lambda: session.watcher.relevant(override), what="a watch on templates/")
        wait_build(session, builds)
        override.write_text(template.format("two"))
        wait_for(lambda: override_text() == "two", what="the edited override")


def test_removing_and_restoring_whole_folders(tmp_path):
    site = serve_site(tmp_path)
    with running(site) as session:
        port = session.server.port
        saved = tmp_path / "saved-content"
        shutil.copytree(site / "content", saved)
        shutil.rmtree(site / "content")
        problems = wait_problems(session)
        assert any("content" in p for p in problems)
        assert raw_request(port, "/night/").status == 200  # the last good output
        builds = session.builds
        shutil.copytree(saved, site / "content")
        wait_build(session, builds)
        assert session.hub.status.problems == ()
        # The recreated folder is watched again: an edit inside it is seen.
        builds = session.builds
        add_entry(site, "delta.md", entry_md("2025-03-23T12:00", "Delta body.", title="Delta"))
        wait_build(session, builds)
        page = lxml.html.fromstring(raw_get_ok(port, "/night/").body)
        assert page.xpath("//article[@id='entry-delta']")

        (site / "sitegen.yaml").rename(tmp_path / "sitegen.yaml")
        assert any("sitegen.yaml" in p for p in wait_problems(session))
        builds = session.builds
        (tmp_path / "sitegen.yaml").rename(site / "sitegen.yaml")
        wait_build(session, builds)


def test_open_tabs_reload_only_when_a_build_changed_the_site(tmp_path):
    site = serve_site(tmp_path)
    alpha = site / "content/night/alpha.md"
    with running(site) as session:
        shown = session.hub.status.build
        alpha.write_bytes(alpha.read_bytes())  # saved as it was: every page stays the same
        wait_build(session, 1)
        assert session.builds == 2 and session.last is not None and session.last.written == 0
        assert session.hub.status.build == shown  # no reload: what the tabs show stands
        add_entry(site, "alpha.md", entry_md("2025-03-23T09:00", "Alpha, corrected."))
        wait_build(session, 2)
        assert session.hub.status.build not in ("", shown)
