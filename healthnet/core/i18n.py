"""Message catalogue: stable codes → Chinese (first) and English text.

Every slice keeps its messages in its own ``messages.py`` and registers them on import;
code never hard-codes user-facing Chinese elsewhere.
"""

from __future__ import annotations

from typing import Any

DEFAULT_LOCALE = "zh-CN"
_CATALOG: dict[str, dict[str, str]] = {}


def register(messages: dict[str, tuple[str, str]]) -> None:
    """Add ``{code: (zh-CN, en)}`` entries; a code registered twice must say the same thing."""
    for code, (zh, en) in messages.items():
        existing = _CATALOG.get(code)
        if existing is not None and existing != {"zh-CN": zh, "en": en}:
            raise ValueError(f"message {code} registered twice with different text")
        _CATALOG[code] = {"zh-CN": zh, "en": en}


def has(code: str) -> bool:
    return code in _CATALOG


def t(code: str, locale: str = DEFAULT_LOCALE, **params: Any) -> str:
    entry = _CATALOG.get(code)
    if entry is None:
        return code
    text = entry.get(locale) or entry[DEFAULT_LOCALE]
    try:
        return text.format(**params)
    except (KeyError, IndexError):
        return text


def catalog() -> dict[str, dict[str, str]]:
    return dict(_CATALOG)
