"""What `serve` remembers of each liveblog folder, so that a rebuild merges the few
files its watcher saw change into the last build's entries.

Without it, a rebuild after one saved entry of 10,000 looks up every file's parse,
facts and entries, checks them all again and sorts them all again: a tenth of a
second spent to find what was known. The state is used only when the watcher said
which files changed, everything else that shapes the entries (zone, drafts, declared
topics, renderer) is as it was, and the merge provably gives what the full path gives:
the cross-entry rules still hold (no id twice, only declared topics, local images
there) and each entry goes where sorting would put it. Otherwise the caller takes
the full path, which reports any problem with its usual message.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Collection, Iterable

from sitegen.source.entry_rules import Facts
from sitegen.incremental.filecache import ParsedFiles
from sitegen.model.site import Entry, StreamKey as SortKey, stream_key


@dataclass(frozen=True, slots=True)  # (no instance dict: `serve` keeps one for every file of a long liveblog)
class FileRecord:
    """One entry file as the last build used it."""

    entries: tuple[Entry, ...]  # the entries it gave (drafts left out unless shown)
    facts: Facts  # what the cross-entry rules look at (drafts included)


@dataclass(frozen=True)
class FolderState:
    """One liveblog folder's entries as the last build made them."""

    shape: tuple[object, ...]  # everything besides the files that shapes the entries
    files: dict[Path, FileRecord]
    ascending: list[Entry]  # every entry, oldest first
    keys: list[SortKey]  # their stream keys, ascending (unique: ids are)
    ids: frozenset[str]  # every id in the folder, drafts included
    images: frozenset[str]  # every image the entries name
    newest_first: tuple[Entry, ...]  # the liveblog's entries

    @classmethod
    def of(cls, shape: tuple[object, ...], files: dict[Path, FileRecord],
           newest_first: tuple[Entry, ...]) -> "FolderState":
        """The state of a folder the full path has just loaded without a problem."""
        ascending = list(reversed(newest_first))
        ids = frozenset(i for record in files.values() for i in record.facts[0])
        images = frozenset().union(*(record.facts[2] for record in files.values()))
        return cls(shape, files, ascending, [stream_key(e) for e in ascending], ids, images, newest_first)


def merged_entries(files: ParsedFiles, folder: Path, shape: tuple[object, ...], paths: list[Path],
                   declared: Collection[str], images_found: Callable[[Iterable[str]], bool],
                   records: Callable[[list[Path]], dict[Path, FileRecord] | None]) -> tuple[Entry, ...] | None:
    """`serve`'s shortcut: the last build's entries of `folder` (listed as `paths`) with
    the files its watcher saw change merged in, their `records` made by the caller;
    None when the full path must run."""
    state, told, listed = files.derived(("folder", str(folder))), files.told(folder), files.listed(folder, paths)
    if not isinstance(state, FolderState) or told is None or listed is None or state.shape != shape:
        return None  # (a listing not kept holds symlinks: a target's change is told under its own path)
    found = changed_files(state, told, folder, listed)
    updated = None if found is None else records(found[0])
    state = None if updated is None or found is None else merged(state, updated, found[1], declared, images_found)
    if state is None:
        return None
    files.keep_derived(("folder", str(folder)), state)
    return state.newest_first


def remember(files: ParsedFiles, folder: Path, shape: tuple[object, ...], records: dict[Path, FileRecord],
             newest_first: tuple[Entry, ...]) -> None:
    """Keep the state of a folder the full path has just loaded without a problem."""
    files.keep_derived(("folder", str(folder)), FolderState.of(shape, records, newest_first))


def changed_files(state: FolderState, told: Iterable[Path], folder: Path,
                  listed: Collection[Path]) -> tuple[list[Path], list[Path]] | None:
    """(files to read again: changed or new, files gone) among `told`, the paths the
    watcher reported; None when the folder's listing does not add up with them."""
    inside = [p for p in told if p.parent == folder]
    updated = [p for p in inside if p in listed]
    removed = [p for p in inside if p not in listed and p in state.files]
    added = sum(1 for p in updated if p not in state.files)
    if len(listed) != len(state.files) + added - len(removed):
        return None
    return updated, removed


def merged(state: FolderState, updated: dict[Path, FileRecord], removed: list[Path],
           declared: Collection[str], images_found: Callable[[Iterable[str]], bool]) -> FolderState | None:
    """`state` with the `updated` files' new records and without the `removed` files,
    or None when the full path must decide (a rule broken, or anything unusual)."""
    before = [state.files[p] for p in (*updated, *removed) if p in state.files]
    gone = {i for record in before for i in record.facts[0]}
    new_ids = [i for record in updated.values() for i in record.facts[0]]
    if len(set(new_ids)) != len(new_ids) or any(i in state.ids and i not in gone for i in new_ids):
        return None  # an id twice: the full path says where
    if not all(record.facts[1] <= declared for record in updated.values()):
        return None  # an undeclared topic
    files = dict(state.files) if updated or removed else state.files
    files.update(updated)
    for path in removed:
        del files[path]
    same_images = all(p in state.files and state.files[p].facts[2] == r.facts[2] for p, r in updated.items()) \
        and not any(state.files[p].facts[2] for p in removed)
    images = state.images if same_images else frozenset().union(*(r.facts[2] for r in files.values()))
    if not images_found(images):
        return None
    if files is state.files:
        return state
    ascending, keys = _resorted(state, before, [e for record in updated.values() for e in record.entries])
    if ascending is None:
        return None
    ids = state.ids.difference(gone).union(new_ids)
    return FolderState(state.shape, files, ascending, keys, ids, images, tuple(reversed(ascending)))


def _resorted(state: FolderState, before: list[FileRecord],
              entries: list[Entry]) -> tuple[list[Entry], list[SortKey]] | tuple[None, None]:
    """The entries in stream order with `before`'s taken out and `entries` put in, each
    where sorting by `stream_key` would put it (the keys are unique)."""
    ascending, keys = list(state.ascending), list(state.keys)
    for old in (e for record in before for e in record.entries):
        at = bisect_left(keys, stream_key(old))
        if at == len(keys) or ascending[at] is not old:
            return None, None  # not where it should be: never guess
        del ascending[at], keys[at]
    for new in entries:
        key = stream_key(new)
        at = bisect_left(keys, key)
        if at < len(keys) and keys[at] == key:
            return None, None
        ascending.insert(at, new)
        keys.insert(at, key)
    return ascending, keys
