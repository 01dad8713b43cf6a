"""`core.sequences.places_again`: what a changed sequence holds, found again from the last look."""

from __future__ import annotations

import random

import pytest

from sitegen.core.sequences import places_again


class Item:
    """Something a sequence holds: flagged or not, and told apart from its equals by identity."""

    def __init__(self, flagged: bool) -> None:
        self.flagged = flagged


def _changed(rng: random.Random, before: list[Item]) -> list[Item]:
    """`before` after a few edits, new items, deletions and moves, anywhere."""
    items = list(before)
    for _ in range(rng.choice([0, 1, 1, 2, 5])):
        at = rng.randrange(len(items) + 1)
        how = rng.choice(["edit", "new", "delete", "move"])
        if how == "new" or not items:
            items.insert(at, Item(rng.random() < 0.5))
        elif how == "edit":
            items[min(at, len(items) - 1)] = Item(rng.random() < 0.5)
        elif how == "delete":
            items.pop(min(at, len(items) - 1))
        else:
            items.insert(at, items.pop(rng.randrange(len(items))))
    return items


@pytest.mark.parametrize("seed", range(60))
def test_the_places_are_those_a_look_at_every_item_finds(seed: int) -> None:
    rng = random.Random(seed)
    before = [Item(rng.random() < 0.3) for _ in range(rng.choice([0, 1, 2, 5, 40]))]
    items = _changed(rng, before)
    asked: list[Item] = []
    found = places_again(items, before, [n for n, e in enumerate(before) if e.flagged],
                         lambda item: asked.append(item) or item.flagged)
    assert found == [n for n, e in enumerate(items) if e.flagged]
    assert {id(e) for e in asked} <= {id(e) for e in items} - {id(e) for e in before}  # only new ones asked


def test_an_edit_amid_many_asks_only_of_the_new_item() -> None:
    before = [Item(n % 7 == 0) for n in range(50_000)]
    items = list(before)
    items[20_000] = Item(True)
    asked: list[Item] = []
    found = places_again(items, before, [n for n, e in enumerate(before) if e.flagged],
                         lambda item: asked.append(item) or item.flagged)
    assert asked == [items[20_000]] and 20_000 in found and len(found) == len(before[::7]) + 1
