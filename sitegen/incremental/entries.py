"""The loader's `EntryReader` that remembers: a second build of a long liveblog
reads, parses and renders only what changed.

Three strategies, fastest first, each falling back to the next:
- `serve` merges the files its watcher saw change into the last build's entries
  (folderstate.py);
- a fresh `sitegen build` (and `serve`'s first) takes the folder's finished entries
  from the persistent cache in groups of files (entrygroups.py): after one edit, one
  group is made again, its unchanged files' entries taken from the group's last value;
  a group whose files the up-to-date check found as stamped is taken without reading,
  or looking up the stamps of, any of its files (the others' files are read when few);
  `serve` keeps each file's part as the record its next rebuild merges into;
- otherwise (a problem in a file, or a session without a cache file) each file's parse
  comes from the cache (filecache.py) when its text is the same, and only the others
  are parsed (the parses of files that a group's value holds are not kept: the value
  holds their entries); `serve` also keeps each file's finished entries, so one edit
  renders one entry.
All of them end in the same entries as sitegen.source.entries.FullReader.
"""

from __future__ import annotations

from functools import partial
from itertools import chain
from pathlib import Path

from sitegen.core.errors import Problem
from sitegen.core.forking import Progress, pool_size
from sitegen.incremental.cache import Cache
from sitegen.incremental.entrygroups import (GroupFile, StampedGroup, bucket_of, decode_files, decode_group,
                                             decode_stamped)
from sitegen.incremental.filecache import Codec, ParsedFiles, SourceText
from sitegen.incremental.filestamps import Stamped
from sitegen.incremental.folderstate import FileRecord, merged_entries, remember
from sitegen.incremental.groupwork import GroupWork, group_value, key_line, new_folder
from sitegen.incremental.groupstamps import StampRecord
from sitegen.incremental.successor import successor
from sitegen.output.skip import StaleInputs, verify_inputs
from sitegen.model.site import Entry, Liveblog, SourceRef, stream_key
from sitegen.source.entries import (FolderPlan, entry_files, is_entry_name, parse_entry_file, render_drafts,
                                    shown)
from sitegen.source.entry_rules import Facts, all_well, check_entries, file_facts, images_found
from sitegen.source.fields import Draft, EntryFields, ListedEntryFields, SourceFields

FEW_SHARE = 8  # the files of the groups their stamps did not settle are read when at most this share of the folder


def parsed_files(cache: Cache, salt: str = "", changed: frozenset[Path] | None = None,
                 stamped: Stamped | None = None) -> ParsedFiles:
    """Entry files parsed through `cache` (see filecache.py); `salt` names everything
    else that shapes an entry (the Markdown renderer's fingerprint); `changed` is what
    `serve`'s watcher saw change, `stamped` the signatures the up-to-date check took
    (see ParsedFiles)."""
    classes = (Draft, EntryFields, ListedEntryFields, SourceFields, SourceRef)
    return ParsedFiles(cache, Codec(classes), salt, changed, stamped)


class CachedEntryReader:
    """sitegen.source.entries.EntryReader through `files` (see the module docstring);
    `progress` is told how many entry files are made, as forked workers make them (a long
    liveblog's first build: the most of its load)."""

    def __init__(self, files: ParsedFiles, progress: Progress | None = None) -> None:
        self.files = files
        self.progress = progress

    def liveblog(self, folder: Path, made: Liveblog) -> Liveblog:
        """The last build's liveblog when it is the same, or `made` with what it derived
        carried over (`serve`: see successor.py)."""
        made = successor(self.files.derived(("liveblog", str(folder))), made)
        self.files.keep_derived(("liveblog", str(folder)), made)
        return made

    def entries(self, plan: FolderPlan, problems: list[Problem]) -> tuple[Entry, ...]:
        files, folder = self.files, plan.folder
        paths = files.listing(folder, lambda: entry_files(folder, plan.source), is_entry_name)
        shape = (files.salt, plan.zone.key, plan.drafts, repr(plan.topics), str(plan.source))
        quick = merged_entries(files, folder, shape, paths, {t.slug for t in plan.topics},
                               partial(images_found, source=plan.source), partial(self._records, plan=plan))
        if quick is not None:
            return quick
        if not files.cache.keeps_values:  # (a session without a cache file keeps each file's part instead)
            grouped = self._grouped(paths, plan, shape)
            if grouped is not None:
                return grouped
        texts = files.read_all(paths, problems, folder)
        before = len(problems)
        parsed = list(files.parsed(texts, parse_entry_file, problems))
        facts = [self._facts(text.key, found) for text, found in parsed]
        if not all_well(facts, plan.topics, plan.source):
            check_entries([d for _, found in parsed for d in found], plan.topics, plan.source, problems)
        made = self._made(parsed, plan)
        entries = tuple(sorted(chain.from_iterable(made), key=stream_key, reverse=True))
        if len(problems) == before and files.cache.keep_in_memory:
            remember(files, folder, shape, {text.path: FileRecord(tuple(kept), fact)
                                            for (text, _), fact, kept in zip(parsed, facts, made)}, entries)
        return entries

    def _grouped(self, paths: list[Path], plan: FolderPlan, shape: tuple[object, ...]) -> tuple[Entry, ...] | None:
        """The folder's entries from the groups the persistent cache keeps (see
        entrygroups.py), the groups that miss made (and kept) from their files; None when
        any file has a problem or a cross-entry rule is broken: the full path then says
        what, and where. `serve` keeps each file's part as its record (folderstate.py),
        into which its next rebuild merges the files its watcher saw change."""
        files = self.files
        buckets: dict[int, list[Path]] = {}
        in_bucket: dict[int, list[str]] = {}  # (the files' names, which their stamps name)
        for path in paths:
            name = path.name
            b = bucket_of(name)
            buckets.setdefault(b, []).append(path)
            in_bucket.setdefault(b, []).append(name)
        # One value per group, replaced when the group changes (the cache does not grow
        # by a group per edit), holding the key of what it was made from first.
        names = {b: files.key("entry group", str(plan.folder), str(plan.drafts), str(b)) for b in buckets}
        stamps = StampRecord.taken(files, plan, in_bucket)
        taken, settled = self._stamped_groups(buckets, names, stamps, plan)
        unsure = {b: buckets[b] for b in buckets if b not in settled}
        if not taken and new_folder(files, unsure, names):
            made = GroupWork(self, files, self.progress).first(unsure, names, plan)
        else:
            texts = self._texts(list(unsure), buckets, paths, plan)
            made = None if texts is None else self._keyed_groups(texts, names, plan)
        if made is None:
            return None
        kept = made[0]  # (in `serve`, every group: it takes none by its stamp)
        stamps.keep({**settled, **made[1]})
        facts = [group.facts for group in taken] + [f.facts for f in kept]
        if not all_well(facts, plan.topics, plan.source):
            return None
        stream = [item for group in taken for item in group.stream]
        stream += [(*key, entry) for f in kept for key, entry in zip(f.keys, f.entries)]
        stream.sort(reverse=True)  # (by stream_key; ids are unique, so no two entries are compared)
        entries = tuple([entry for _, _, entry in stream])
        if files.cache.keep_in_memory:
            remember(files, plan.folder, shape, {f.source.path: FileRecord(f.entries, f.facts) for f in kept}, entries)
        return entries

    def _stamped_groups(self, buckets: dict[int, list[Path]], names: dict[int, str], stamps: StampRecord,
                        plan: FolderPlan) -> tuple[list[StampedGroup], dict[int, str]]:
        """(the groups whose files stand as stamped, decoded without reading or looking
        up a file; each such group's key line). Checked, under SITEGEN_VERIFY_INPUTS,
        against their files' texts."""
        people = plan.people or {}
        lines = stamps.standing()
        named = {names[b]: b for b in lines}
        taken: list[StampedGroup] = []
        settled: dict[int, str] = {}
        for name, text in self.files.cache.each(list(named)):  # (each value decoded, then let go)
            b = named[name]
            line = lines[b]
            decoded = decode_stamped(text, buckets[b], people, len(line)) if text.startswith(line) else None
            if decoded is not None:
                if verify_inputs():
                    self._verify_stamped(buckets[b], decoded)
                taken.append(decoded)
                settled[b] = line
        return taken, settled

    def _verify_stamped(self, paths: list[Path], decoded: StampedGroup) -> None:
        read = self.files.read_all(paths, [])
        if [source.key for source in read] != decoded.keys:
            raise StaleInputs(f"a group's stamp stands for other texts than its files hold: {paths[0].parent}")

    def _texts(self, unsure: list[int], buckets: dict[int, list[Path]], paths: list[Path],
               plan: FolderPlan) -> dict[int, list[SourceText]] | None:
        """The files of the groups their stamps did not settle, by group: read when they
        are few (a group or two after an edit), else every file's key found as a build
        always finds them (by its stamps, read by forked workers when many: filecache.py);
        None when a file cannot be read (the full path reports it)."""
        scratch: list[Problem] = []
        wanted = [path for b in unsure for path in buckets[b]]
        if not wanted:
            return {}
        few = len(wanted) * FEW_SHARE <= len(paths) and self.files.stamped is not None
        texts = self.files.read_all(wanted, scratch) if few else self.files.read_all(paths, scratch, plan.folder)
        if scratch:
            return None
        found: dict[int, list[SourceText]] = {b: [] for b in unsure}
        for text in texts:
            group = found.get(bucket_of(text.path.name))
            if group is not None:
                group.append(text)
        return found

    def _keyed_groups(self, groups: dict[int, list[SourceText]], names: dict[int, str],
                      plan: FolderPlan) -> tuple[list[GroupFile], dict[int, str]] | None:
        """(the parts of `groups`, from their values when their key lines name these very
        texts, else made and kept; each group's key line); None as `group_parts`."""
        files, people = self.files, plan.people or {}
        keys = {b: key_line(files, found, plan) for b, found in groups.items()}
        named = {names[b]: b for b in groups}
        kept: list[GroupFile] = []
        missed: dict[int, list[SourceText]] = {}
        known: dict[str, GroupFile] = {}  # a missed group's unchanged files, from its last value
        for name, text in files.cache.each(list(named)):  # (each value decoded, then let go)
            b = named.pop(name)
            found = groups[b]
            decoded = decode_group(text, found, people, len(keys[b])) if text.startswith(keys[b]) else None
            if decoded is None:
                missed[b] = found
                known.update(self._still_made(text, found, plan))
            else:
                kept += decoded
        for b in named.values():  # (never kept)
            missed[b] = groups[b]
        # Workers only for what must be parsed: one edit in a long liveblog misses one
        # group of hundreds of files, all but one of them known (forking a pool would
        # cost more than the one parse).
        workers = pool_size(sum(len(found) for found in missed.values()) - len(known))
        if workers >= 2:  # (a cold build: the groups made by forked workers)
            made_apart = GroupWork(self, files, self.progress).forked(missed, names, keys, known, plan, workers)
            return None if made_apart is None else (kept + made_apart[0], keys)
        if missed:
            made = self.group_parts([t for found in missed.values() for t in found], plan, known)
            if made is None:
                return None
            for b, found in missed.items():
                part = [made[t.key] for t in found]
                value = group_value(self, keys[b], part, found, plan)
                if value is not None:
                    files.cache.put(names[b], value)
                kept += part
        return kept, keys

    def group_parts(self, texts: list[SourceText], plan: FolderPlan,
                    known: dict[str, GroupFile] | None = None) -> dict[str, GroupFile] | None:
        """Each file's part of its group, by text key: an unchanged file's as `known` (from
        its group's last value: `_still_made`), the others from their parse (cached only for
        files no group value holds: see `keep_parses`); None on any problem (reported by
        the full path, with its neighbours')."""
        known = known or {}
        made = self._parts_made([text for text in texts if text.key not in known], plan)
        if made is None:
            return None
        return {text.key: made[text.key] if text.key in made else known[text.key] for text in texts}

    def _parts_made(self, texts: list[SourceText], plan: FolderPlan) -> dict[str, GroupFile] | None:
        """The files' parts from their parse (not kept: see `group_parts`); None on any problem."""
        scratch: list[Problem] = []
        parsed = list(self.files.parsed(texts, parse_entry_file, scratch, keep=False))
        if scratch or [text.key for text, _ in parsed] != [text.key for text in texts]:
            return None  # (also a file changed since its stamps were taken, read again now)
        made = self._made(parsed, plan)
        return {text.key: GroupFile.of(text, self._facts(text.key, found), tuple(entries))
                for text, (_, found), entries in zip(texts, parsed, made)}  # (`texts`: without the text read)

    def _still_made(self, last: str, texts: list[SourceText], plan: FolderPlan) -> dict[str, GroupFile]:
        """The parts of `texts` that the group's last value holds, when it was made the same
        way (its key line names the zone, the salt and every file's text): after an edit,
        the group's other files are neither parsed nor made again. Checked, under
        SITEGEN_VERIFY_INPUTS, against the parts made afresh."""
        newline = last.find("\n")  # (the key line; the value is read where it stands)
        if newline < 0:
            return {}
        line = last[:newline]
        decoded = decode_files(last, texts, plan.people or {}, newline + 1)
        if decoded is None or self.files.key("entry group of", plan.zone.key, *decoded[0]) != line:
            return {}
        kept = decoded[1]
        if kept and verify_inputs():
            fresh = self._parts_made([text for text in texts if text.key in kept], plan)
            if fresh != kept or repr([f.entries for f in fresh.values()]) != repr([kept[k].entries for k in fresh]):
                raise StaleInputs(f"a group's last value holds other entries than its unchanged files make: "
                                  f"{sorted(kept)[:3]}")
        return kept

    def keep_parses(self, texts: list[SourceText]) -> None:
        """The files' parses, kept in the cache for a group whose value cannot be kept
        (entrygroups.Unencodable): the next build then does not parse them again."""
        list(self.files.parsed(texts, parse_entry_file, []))

    def _facts(self, key: str, drafts: list[Draft]) -> Facts:
        """One file's facts for the cross-entry rules; `serve` keeps them per file version."""
        known = self.files.derived(("facts", key))
        if known is None:
            known = file_facts(drafts)
            self.files.keep_derived(("facts", key), known)
        return known  # type: ignore[no-any-return]

    def _records(self, paths: list[Path], plan: FolderPlan) -> dict[Path, FileRecord] | None:
        """The changed files' records for `serve`'s shortcut (folderstate.py); None on any
        problem: the full path then reports it, with its neighbours'."""
        scratch: list[Problem] = []
        files = self.files
        parsed = list(files.parsed(files.read_all(paths, scratch, plan.folder), parse_entry_file, scratch))
        if scratch or len(parsed) != len(paths):
            return None
        facts = [self._facts(text.key, found) for text, found in parsed]
        made = self._made(parsed, plan)
        return {text.path: FileRecord(tuple(kept), fact) for (text, _), fact, kept in zip(parsed, facts, made)}

    def _made(self, parsed: list[tuple[SourceText, list[Draft]]], plan: FolderPlan) -> list[list[Entry]]:
        """Each file's entries from its drafts, bodies rendered in one batch; `serve`
        reuses an unchanged file's. (`files.salt` covers the `authors:` entries name.)"""
        made: list[list[Entry]] = []
        todo: list[tuple[int, tuple[object, ...], list[Draft]]] = []
        for source, found in parsed:
            key = ("file-entries", self.files.salt, source.key, plan.zone.key, plan.drafts)
            known = self.files.derived(key)
            if known is None:
                todo.append((len(made), key, shown(found, plan.drafts)))
            made.append(known)  # type: ignore[arg-type]  # (None until made below)
        entries = iter(render_drafts([d for _, _, kept in todo for d in kept], plan))
        for at, key, kept in todo:
            made[at] = [next(entries) for _ in kept]
            self.files.keep_derived(key, made[at])
        return made
