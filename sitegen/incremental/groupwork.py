"""A fresh build's entry groups made on every core (entries.py decides which groups
are made; this module has forked workers make them).

Each worker reads, parses, renders and encodes whole groups of files, so that no
process ever holds every file's text, drafts and cache values at once and the load
runs on every core; the parent stores each group's value as it comes back and decodes
it, as a fresh build after an edit decodes it. A folder new to the cache (a first build,
or the cache deleted) has every group made: the parent then does not read each file
first for its key (what names a group's value), the worker that reads it anyway finds it.
"""

from __future__ import annotations

import logging
from functools import partial
from pathlib import Path
from typing import Protocol

from sitegen.core.forking import Progress, counting, fork_chunks, pool_size
from sitegen.incremental.entrygroups import GroupFile, decode_group, encode_group
from sitegen.incremental.filecache import ParsedFiles, SourceText, Unencodable
from sitegen.source.entries import FolderPlan

log = logging.getLogger("sitegen")

# (bucket, cache value, or the files' parts when the codec refuses them, what was put
# in the cache, the keys of the files a worker read for a group without a key line)
Made = tuple[int, bytes | None, list[GroupFile] | None, dict[str, str | bytes], list[str] | None]


class PartsMaker(Protocol):
    """What makes each file's part of its group (entries.CachedEntryReader)."""

    def group_parts(self, texts: list[SourceText], plan: FolderPlan,
                    known: dict[str, GroupFile] | None = None) -> dict[str, GroupFile] | None: ...

    def keep_parses(self, texts: list[SourceText]) -> None: ...


def key_line(files: ParsedFiles, texts: list[SourceText], plan: FolderPlan) -> str:
    """The first line of a group's value: what its files' texts and zone make it."""
    return files.key("entry group of", plan.zone.key, *[t.key for t in texts]) + "\n"


def new_folder(files: ParsedFiles, groups: dict[int, list[Path]], names: dict[int, str]) -> bool:
    """Whether a fresh build makes every one of `groups` (named `names`) from its files,
    the cache holding none of them, and forked workers pay for them."""
    return (not files.cache.keep_in_memory and pool_size(sum(map(len, groups.values()))) >= 2
            and not files.cache.holds_any([names[b] for b in groups]))


def group_value(maker: PartsMaker, key: str, part: list[GroupFile], found: list[SourceText],
                plan: FolderPlan) -> str | None:
    """A group's cache value: its key line, then its files' parts; None when the codec
    refuses them (`Unencodable`), the files' parses kept instead (`maker.keep_parses`)."""
    try:
        return key + encode_group(part, plan.people or {})
    except Unencodable as exc:
        log.debug("cache: %s", exc)
        maker.keep_parses(found)
        return None


class GroupWork:
    """Groups of a folder made by forked workers, each file's part by `maker`."""

    def __init__(self, maker: PartsMaker, files: ParsedFiles, progress: Progress | None) -> None:
        self.maker = maker
        self.files = files
        self.progress = progress

    def first(self, groups: dict[int, list[Path]], names: dict[int, str],
              plan: FolderPlan) -> tuple[list[GroupFile], dict[int, str]] | None:
        """`forked` for groups of a folder new to the cache (`new_folder`), read by the
        workers alone; the files' stamps, taken before they read them, recorded as
        ParsedFiles.read_all records them (a later build reads only what changed)."""
        stamps = self.files.folder_stamps(plan.folder, self.files.stamped)
        taken = {path: stamps.known(path)[1] for found in groups.values() for path in found}
        unread = {b: [SourceText(path, None, "") for path in found] for b, found in groups.items()}
        made = self.forked(unread, names, {}, {}, plan, pool_size(len(taken)))
        if made is None:
            return None
        for texts in unread.values():
            for text in texts:
                stamps.remember(text.path, taken[text.path], text.key)
        stamps.save()
        return made

    def forked(self, missed: dict[int, list[SourceText]], names: dict[int, str], keys: dict[int, str],
               known: dict[str, GroupFile], plan: FolderPlan,
               workers: int) -> tuple[list[GroupFile], dict[int, str]] | None:
        """(the missed groups' files, made by `workers` forked workers a group at a time;
        each group's key line); None when any file has a problem (the full path reports
        it). A group without a line in `keys` has its files read by its worker: its texts
        in `missed` and its line in `keys` are set as it comes back. Besides its value, a
        worker sends what it put in the cache (bodies; parses only for a group the codec
        refuses, which comes back pickled). `known` (unchanged files' parts, decoded from
        their groups' last values and inherited by the workers) is let go group by group."""
        files, people = self.files, plan.people or {}
        order = list(missed)
        work = partial(self._made, [(b, missed[b], keys.get(b)) for b in order], known, plan)
        kept: list[GroupFile] = []
        failed = False
        files_made, told = 0, counting(self.progress, "Reading entries", sum(len(missed[b]) for b in order))
        for chunk in fork_chunks(work, len(order), workers, 1):
            for b, value, part, pending, read in chunk:
                files_made += len(missed[b])
                told(files_made)
                if read is not None:  # (the files' keys, found by the worker that read them)
                    missed[b][:] = [SourceText(text.path, None, key) for text, key in zip(missed[b], read)]
                    keys[b] = key_line(files, missed[b], plan)
                for text in missed[b]:
                    known.pop(text.key, None)
                for key, made in pending.items():
                    files.cache.put(key, made)
                if value is not None:
                    files.cache.put(names[b], value)
                    part = decode_group(value.decode("utf-8"), missed[b], people, len(keys[b]))
                if part is None:
                    failed = True  # (what the others' files put above still spares the full path work)
                else:
                    kept += part
        return None if failed else (kept, keys)

    def _made(self, groups: list[tuple[int, list[SourceText], str | None]], known: dict[str, GroupFile],
              plan: FolderPlan, start: int, stop: int) -> list[Made]:
        """In a forked worker: what `Made` says of each group from `start` to `stop`;
        neither value nor parts when a file has a problem."""
        cache = self.files.cache
        cache.in_forked_child()  # (its values go to the parent, which writes them)
        done = []
        for b, found, key in groups[start:stop]:
            wanted, read = len(found), None
            if key is None:  # (`first`: the files are read here, not by the parent first)
                found = self.files.read_all([text.path for text in found], [])
                read, key = [text.key for text in found], key_line(self.files, found, plan)
            made = self.maker.group_parts(found, plan, known) if len(found) == wanted else None
            value, part = None, None
            if made is not None:
                part = [made[t.key] for t in found]
                text = group_value(self.maker, key, part, found, plan)
                if text is not None:
                    value, part = text.encode("utf-8"), None
            done.append((b, value, part, cache.take_pending(), read))
        return done
