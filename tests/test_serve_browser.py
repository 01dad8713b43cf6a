"""`sitegen serve` in headless Chromium: an open tab follows the editor's saves by itself.

The test never reloads or navigates the page after opening it: every change it
sees comes from the preview's reload script. Chromium is Debian's (conftest).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from serve_helpers import add_entry, running, serve_site, wait_build, wait_problems
from sitekit import entry_md

WAIT_MS = 20_000  # generous: a rebuild plus a reload on a busy 2-core CI machine


def has_text(page, entry_id: str, text: str) -> None:
    page.wait_for_function(
        "([id, text]) => { const el = document.getElementById(id); return !!el && el.textContent.includes(text); }",
        arg=[f"entry-{entry_id}", text], timeout=WAIT_MS)


def gone(page, entry_id: str) -> None:
    page.wait_for_function("id => !document.getElementById(id)", arg=f"entry-{entry_id}", timeout=WAIT_MS)


def long_site(root: Path, count: int = 24) -> Path:
    """Enough entries, with long enough bodies, for the page to scroll."""
    paragraph = "A paragraph long enough to take a few lines on a narrow screen, " * 6
    entries = {f"e{n:02d}.md": entry_md(f"2025-03-23T{6 + n // 4:02d}:{(n % 4) * 15:02d}",
                                        f"{paragraph}\n\n{paragraph}", title=f"Entry {n}")
               for n in range(count)}
    return serve_site(root, entries)


def test_edit_add_delete_reach_the_open_page(page, tmp_path):
    site = serve_site(tmp_path)
    with running(site) as session:
        page.goto(session.url + "night/")
        has_text(page, "bravo", "Bravo body text.")
        page.evaluate("window.__openedByTest = true")  # gone after any reload: proves the page reloaded

        add_entry(site, "bravo.md", entry_md("2025-03-23T10:00", "Bravo rewritten in the editor.", title="Bravo"))
        has_text(page, "bravo", "Bravo rewritten in the editor.")
        assert page.evaluate("window.__openedByTest === undefined")

        add_entry(site, "delta.md", entry_md("2025-03-23T12:00", "Delta just arrived.", title="Delta"))
        has_text(page, "delta", "Delta just arrived.")
        ids = page.eval_on_selector_all("article[id^='entry-']", "els => els.map(e => e.id)")
        assert ids.index("entry-delta") < ids.index("entry-charlie")  # newest first

        (site / "content/night/alpha.md").unlink()
        gone(page, "alpha")
        assert page.locator("#entry-delta").count() == 1


def test_broken_front_matter_shows_the_error_and_recovers(page, tmp_path):
    site = serve_site(tmp_path)
    with running(site) as session:
        page.goto(session.url + "night/")
        has_text(page, "bravo", "Bravo body text.")
        good_build = session.builds

        broken = add_entry(site, "bravo.md", "---\ntime: 2025-03-23T10:00\ntitle: [unclosed\n---\nNew text.\n")
        overlay = page.locator("#sitegen-build-error")
        overlay.wait_for(state="visible", timeout=WAIT_MS)
        problem = page.locator("#sitegen-build-error li").first.text_content()
        assert problem.startswith(f"{broken}:")
        line = problem[len(str(broken)) + 1:].split(":", 1)[0]
        assert line.isdigit(), problem
        assert problem in session.hub.status.problems
        assert session.builds == good_build
        assert page.locator("#entry-bravo").count() == 1  # the last good page is still shown
        assert "Bravo body text." in page.locator("#entry-bravo").text_content()

        add_entry(site, "bravo.md", entry_md("2025-03-23T10:00", "Bravo mended.", title="Bravo"))
        has_text(page, "bravo", "Bravo mended.")
        overlay.wait_for(state="detached", timeout=WAIT_MS)


def test_a_tab_opened_during_an_error_shows_it(page, tmp_path):
    site = serve_site(tmp_path)
    with running(site) as session:
        broken = add_entry(site, "charlie.md", "---\ntime: yesterday\n---\nText\n")
        wait_problems(session)
        page.goto(session.url + "night/")
        page.locator("#sitegen-build-error").wait_for(state="visible", timeout=WAIT_MS)
        assert page.locator("#sitegen-build-error li").first.text_content().startswith(f"{broken}:")
        assert page.locator("#entry-charlie").count() == 1  # the last good version


def test_reload_keeps_the_readers_place(page, tmp_path):
    site = long_site(tmp_path)
    with running(site) as session:
        page.set_viewport_size({"width": 800, "height": 600})
        page.goto(session.url + "night/#entry-e05")
        page.wait_for_function("() => window.scrollY > 0", timeout=WAIT_MS)
        page.evaluate("document.getElementById('entry-e07').scrollIntoView()")
        page.evaluate("window.scrollBy(0, -37)")
        before = page.evaluate("document.getElementById('entry-e07').getBoundingClientRect().top")
        page.evaluate("window.__openedByTest = true")
        builds = session.builds

        # A new entry on top pushes everything down: the reader must stay on entry e07.
        add_entry(site, "zz-new.md", entry_md("2025-03-23T23:00", "Breaking " * 80, title="Breaking news"))
        wait_build(session, builds)
        page.wait_for_function("() => window.__openedByTest === undefined && !!document.getElementById('entry-zz-new')",
                               timeout=WAIT_MS)
        page.wait_for_load_state("load")
        after = page.evaluate("document.getElementById('entry-e07').getBoundingClientRect().top")
        assert abs(after - before) <= 2, (before, after)
        assert page.evaluate("window.scrollY") > 0


def test_reader_at_the_top_stays_at_the_top(page, tmp_path):
    site = long_site(tmp_path, count=8)
    with running(site) as session:
        page.goto(session.url + "night/")
        page.evaluate("window.__openedByTest = true")
        add_entry(site, "zz-new.md", entry_md("2025-03-23T23:00", "Fresh.", title="Fresh"))
        page.wait_for_function("() => window.__openedByTest === undefined && !!document.getElementById('entry-zz-new')",
                               timeout=WAIT_MS)
        page.wait_for_load_state("load")
        assert page.evaluate("window.scrollY") == 0


@pytest.mark.parametrize("text", ["<img src=x onerror=alert(1)>", "</li><script>alert(1)</script>"])
def test_error_text_is_never_markup(page, tmp_path, text):
    site = serve_site(tmp_path)
    with running(site) as session:
        page.goto(session.url + "night/")
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        add_entry(site, "bravo.md", f"---\ntime: 2025-03-23T10:00\ntopics: [{text!r}]\n---\nBody\n")
        page.locator("#sitegen-build-error").wait_for(state="visible", timeout=WAIT_MS)
        shadow_markup = page.evaluate(
            "document.getElementById('sitegen-build-error').shadowRoot.querySelectorAll('img, script').length")
        assert shadow_markup == 0
        assert dialogs == []
