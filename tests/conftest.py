"""Shared pytest fixtures for sitegen's tests.

Fixtures:
    chromium_browser  (session) Playwright Browser on Debian's /usr/bin/chromium.
    page              (function) fresh browser context + page, closed after the test.
    vnu               (session) the ``vnu_check(paths) -> list[dict]`` function.
    static_server     the ``static_server(dir)`` context manager: ``with
                      static_server(path) as base_url: ...``.

Plain helpers (``free_port``, ``static_server``, ``vnu_check``,
``format_vnu_messages``) live in ``tests/helpers.py``; import them with
``from helpers import ...`` (pytest puts tests/ on sys.path).

The external tools come from ``scripts/install-test-tools.sh``. If one is
missing, the fixture FAILS rather than skips, so CI can never go green while
silently not running the browser or validator tests. Playwright's own
browser download (``playwright install``) is never used.
"""

from __future__ import annotations

import os
import shutil

import pytest

# Every page a build skips because its inputs did not change is rendered anyway and
# compared (sitegen/output.py): a page input left out fails a test, never a reader.
os.environ["SITEGEN_VERIFY_INPUTS"] = "1"

from helpers import (
    CHROMIUM,
    INSTALL_HINT,
    VNU_JAR,
    static_server as _static_server,
    vnu_check,
)

# Flags for Chromium on this machine: root needs --no-sandbox, and the
# network is closed, so switch off Chromium's background traffic.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium_browser():
    """A Playwright (sync API) Browser running Debian's Chromium, shared by
    the whole session."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: {INSTALL_HINT}", pytrace=False)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as e:  # pragma: no cover - test extra not installed
        pytest.fail(f"playwright is not installed ({e}): pip install -e '.[test]'",
                    pytrace=False)

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(chromium_browser):
    """A fresh, isolated browser context and page for one test."""
    context = chromium_browser.new_context()
    pg = context.new_page()
    try:
        yield pg
    finally:
        context.close()


@pytest.fixture(scope="session")
def vnu():
    """The ``vnu_check(paths) -> list[dict]`` function (see tests/helpers.py).

    Pass all files at once: each call starts a JVM (~2-3 s)."""
    if not VNU_JAR.is_file():
        pytest.fail(f"vnu.jar not found at {VNU_JAR}: {INSTALL_HINT}", pytrace=False)
    if shutil.which("java") is None:
        pytest.fail("`java` is not on PATH (needed by the Nu Html Checker)",
                    pytrace=False)
    return vnu_check


@pytest.fixture(scope="session")
def static_server():
    """The ``static_server(directory)`` context manager, yielding a base URL
    like ``http://127.0.0.1:PORT/``; the server stops when the block exits.
    Session-scoped so session fixtures (e.g. a built site) can use it too."""
    return _static_server


@pytest.fixture
def forked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pools and forked renderers for a few dozen files (a long liveblog's cold build, in
    small). A test using it runs before the browser tests (see test_cache_forked_load.py)."""
    from sitegen.build import parallel, pipeline
    from sitegen.core import forking

    monkeypatch.setattr(forking, "POOL_MIN_MISSES", 10)
    monkeypatch.setattr(forking, "CHUNK", 8)
    monkeypatch.setattr(parallel, "MIN_TASKS", 2)
    monkeypatch.setattr(pipeline, "FEW_PAGES", 10)
    assert forking.can_fork()
