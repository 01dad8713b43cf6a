"""Carrying out a plan: each stage's files sent at once by a few threads, the next
stage only after the whole of this one is in the bucket, deletions last.

The deploy record learns of a file only once the bucket has confirmed it, and is
saved at the end, however it ends (an error, Ctrl-C): a deploy
cut short leaves the bucket consistent for readers (an `updates.json` never
announces what is not there yet) and the next deploy sends what is still missing.
"""

from __future__ import annotations

import threading
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from sitegen.deploy.plan import DeployRecord, Plan, Upload
from sitegen.deploy.storage import Bucket


@dataclass(frozen=True)
class Published:
    uploaded: tuple[str, ...]
    deleted: tuple[str, ...]


def publish(plan: Plan, output: Path, bucket: Bucket, record: DeployRecord,
            progress: Callable[[str, int, int], None] | None = None) -> Published:
    """Send the plan's files stage by stage, then delete; the record follows the bucket."""
    lock = threading.Lock()
    done: list[str] = []

    def send(upload: Upload) -> None:
        bucket.put(upload.key, output / upload.key, upload.headers.content_type, upload.headers.cache_control)
        with lock:
            record.sent(upload)
            done.append(upload.key)
            if progress:
                progress("Uploading", len(done), len(plan.uploads))

    try:
        for _, uploads in plan.stages():
            _run_stage(bucket.pool(), send, uploads)
        if plan.deletes:
            bucket.delete(list(plan.deletes))
            for key in plan.deletes:
                record.files.pop(key, None)
    except BaseException:
        bucket.close()  # (Ctrl-C: what was not started never is)
        raise
    finally:
        record.save()
    return Published(tuple(done), plan.deletes)


def _run_stage(pool: ThreadPoolExecutor, send: Callable[[Upload], None], uploads: list[Upload]) -> None:
    """All of a stage, or the first error (the stage's other uploads are cancelled)."""
    if len(uploads) == 1:
        send(uploads[0])
        return
    futures = [pool.submit(send, upload) for upload in uploads]
    finished, pending = wait(futures, return_when=FIRST_EXCEPTION)
    for future in pending:
        future.cancel()
    wait(pending)
    for future in futures:
        if future.done() and not future.cancelled() and future.exception() is not None:
            raise future.exception()  # type: ignore[misc]
