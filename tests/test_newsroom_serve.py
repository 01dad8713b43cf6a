"""`sitegen serve` and the schedule: scheduled entries shown marked, and a rebuild of its
own when one comes due (the test moves the session's clock and fires the timer itself:
nothing sleeps until a real moment)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from serve_helpers import serve_site, wait_build
from sitekit import entry_md, html_page, stream_ids

from sitegen.serve.due import DUE_MARGIN
from sitegen.serve.session import Session

T0 = datetime(2025, 3, 23, 10, 30, tzinfo=timezone.utc)


def test_serve_shows_scheduled_entries_and_rebuilds_when_one_comes_due(tmp_path: Path) -> None:
    site = serve_site(tmp_path, {"later.md": entry_md("2025-03-23T12:00:00+00:00", "Embargoed.", title="Later")})
    now = [T0]
    lines: list[str] = []
    session = Session(site, "127.0.0.1", 0, settle=0.05, say=lines.append, clock=lambda: now[0])
    session.start()
    try:
        assert session.preview is not None
        front = session.preview.output / "night/index.html"
        (later,) = html_page(front).xpath("//article[@id='entry-later']")
        assert later.xpath(".//*[contains(@class, 'badge--scheduled')]/text()") == ["Scheduled"]
        timer = session.due.timer
        assert timer is not None and abs(timer.interval - (5400 + DUE_MARGIN)) < 1e-6  # an hour and a half
        assert any(line.startswith("Next due: 2025-03-23 12:00 UTC") for line in lines)

        now[0] = T0 + timedelta(hours=1, minutes=30, seconds=1)
        timer.function()  # what the timer does at that moment
        wait_build(session, 1)
        page = html_page(front)
        assert stream_ids(page)[0] == "later"
        assert page.xpath("//*[contains(@class, 'badge--scheduled')]") == []
        assert session.due.timer is None  # nothing else is due
    finally:
        session.stop()
    assert timer.finished.is_set() or not timer.is_alive()
