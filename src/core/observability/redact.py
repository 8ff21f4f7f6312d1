"""Masking personal data in free text before it leaves the process (log lines, error
reports): anything shaped like a Mexican RFC or an e-mail address, and the running task's
own profile values (its legal name, zip…) wherever they appear, in any case."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

# 3 letters (a company) or 4 (a person), the date as YYMMDD, a 3-character homoclave.
_RFC = re.compile(r"(?<![\wÑñ&])[A-ZÑ&]{3,4}\d{6}[A-Z\d]{3}(?![\w])", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
RFC_MARK = "[rfc]"
EMAIL_MARK = "[email]"
VALUE_MARK = "[redacted]"
# Shorter values (a tax system code, a CFDI use) are not personal and would mask noise.
_MIN_VALUE_LENGTH = 4


class Secrets:
    """Known values to mask as whole words, longest first, in any case."""

    def __init__(self, values: Iterable[str | None]) -> None:
        kept = {v.strip() for v in values if v and len(v.strip()) >= _MIN_VALUE_LENGTH}
        alternatives = sorted(kept, key=len, reverse=True)
        self.pattern = (
            re.compile(
                r"(?<!\w)(?:" + "|".join(re.escape(v) for v in alternatives) + r")(?!\w)",
                re.IGNORECASE,
            )
            if alternatives
            else None
        )

    def mask(self, text: str) -> str:
        return self.pattern.sub(VALUE_MARK, text) if self.pattern is not None else text


def redact(text: str, secrets: Secrets | None = None) -> str:
    if secrets is not None:
        text = secrets.mask(text)
    return _RFC.sub(RFC_MARK, _EMAIL.sub(EMAIL_MARK, text))


def redact_tree(value: Any, secrets: Secrets | None = None) -> Any:
    """Every string inside nested dicts and lists (an error report), redacted."""
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, dict):
        return {key: redact_tree(item, secrets) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_tree(item, secrets) for item in value]
    return value
