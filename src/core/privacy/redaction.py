"""Replacing known values in free text (a portal's message, a model's goal) with markers:
one pass, any case, longest first, so a replaced value is never searched again."""

from __future__ import annotations

import re
from collections.abc import Mapping


def replace_all(text: str, replacements: Mapping[str, str]) -> str:
    """`text` with every key found in it, in any case, replaced by its value; when two keys
    differ only in case, the first one given wins."""
    by_form: dict[str, str] = {}
    for form, marker in replacements.items():
        if form:
            by_form.setdefault(form.casefold(), marker)
    if not by_form:
        return text
    alternatives = sorted(by_form, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(form) for form in alternatives), re.IGNORECASE)
    return pattern.sub(lambda match: by_form.get(match.group().casefold(), match.group()), text)
