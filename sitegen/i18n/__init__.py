"""Localisation: interface texts, plurals, dates, numbers and time zones per language.

Between config and model: the model's liveblogs carry a `Lang` (texts and clock
of their language and zone); views and templates only read it.
"""

from sitegen.i18n.translations import Lang, Translations, bundled, load_translations

__all__ = ["Lang", "Translations", "bundled", "load_translations"]
