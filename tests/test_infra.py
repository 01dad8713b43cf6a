"""Prove the test infrastructure works: the static server, headless Chromium
via Playwright, and the Nu Html Checker. Each test can fail for real."""

from __future__ import annotations

import urllib.request

import pytest

from helpers import free_port, format_vnu_messages

VALID_HTML = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{title}</title></head>
<body><h1 id="top">Hello</h1><p>Infra check.</p></body>
</html>
"""

# Two definite errors: a duplicate id and a <div> inside a <span>.
INVALID_HTML = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Broken</title></head>
<body><p id="x">one</p><p id="x">two</p><span><div>block in inline</div></span></body>
</html>
"""


def test_free_port_is_bindable():
    import socket

    port = free_port()
    assert 1024 <= port <= 65535
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))


def test_static_server_serves_and_stops(tmp_path, static_server):
    (tmp_path / "hello.txt").write_text("hi there", encoding="utf-8")
    with static_server(tmp_path) as base:
        assert base.startswith("http://127.0.0.1:") and base.endswith("/")
        with urllib.request.urlopen(base + "hello.txt", timeout=5) as r:
            assert r.read().decode() == "hi there"
    with pytest.raises(OSError):  # terminated on exit
        urllib.request.urlopen(base + "hello.txt", timeout=2)


def test_browser_reads_title_from_served_page(tmp_path, static_server, page):
    (tmp_path / "index.html").write_text(
        VALID_HTML.format(title="Sitegen infra ✓"), encoding="utf-8"
    )
    with static_server(tmp_path) as base:
        response = page.goto(base + "index.html")
        assert response is not None and response.ok
        assert page.title() == "Sitegen infra ✓"
        assert page.locator("h1#top").inner_text() == "Hello"


def test_browser_runs_javascript(page):
    page.set_content("<title>js</title><p id=o></p>"
                     "<script>document.getElementById('o').textContent = 6*7</script>")
    assert page.locator("#o").inner_text() == "42"


def test_vnu_valid_and_invalid_in_one_run(tmp_path, vnu):
    good = tmp_path / "good.html"
    bad = tmp_path / "sub dir" / "bäd.html"  # space + non-ASCII in the path
    bad.parent.mkdir()
    good.write_text(VALID_HTML.format(title="Valid"), encoding="utf-8")
    bad.write_text(INVALID_HTML, encoding="utf-8")

    messages = vnu([good, bad])

    by_file = {}
    for m in messages:
        by_file.setdefault(m.get("path"), []).append(m)
    assert str(good) not in by_file, format_vnu_messages(messages)
    bad_msgs = by_file.get(str(bad), [])
    assert bad_msgs, "vnu found no errors in the invalid page:\n" + format_vnu_messages(messages)
    assert all(m["type"] == "error" for m in bad_msgs)
    text = " ".join(m["message"] for m in bad_msgs)
    assert "Duplicate ID" in text, format_vnu_messages(messages)
    assert "div" in text, format_vnu_messages(messages)


def test_vnu_valid_only_is_empty(tmp_path, vnu):
    page_path = tmp_path / "ok.html"
    page_path.write_text(VALID_HTML.format(title="Fine"), encoding="utf-8")
    assert vnu([tmp_path]) == []  # a directory means every *.html under it


def test_vnu_refuses_missing_file(tmp_path, vnu):
    # vnu itself says nothing about a missing file; the helper must not
    # report it as valid.
    with pytest.raises(FileNotFoundError):
        vnu([tmp_path / "nope.html"])
