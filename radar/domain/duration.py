"""Durations and jitter as users write them in config: 500ms, 45s, 15m, 2h, 3d, 10% (the one syntax)."""

from __future__ import annotations

import re

_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|[smhdw])\s*$", re.I)


def parse_duration(text: str | int | float) -> float:
    """Seconds in a duration such as "500ms", "45s", "15m", "2h", "3d"; a bare number is seconds."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        if text < 0:
            raise ValueError("must not be negative")
        return float(text)
    match = _DURATION.match(str(text))
    if not match:
        if re.fullmatch(r"\s*\d+(?:\.\d+)?\s*", str(text)):
            return float(str(text))
        raise ValueError(f"{text!r} is not a duration; write it like 45s, 15m, 2h or 3d")
    return float(match.group(1)) * _UNITS[match.group(2).lower()]


def parse_fraction(text: str | int | float) -> float:
    """A share such as "10%" or 0.1, as a fraction between 0 and 1."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        value = float(text)
    else:
        raw = str(text).strip()
        try:
            value = float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
        except ValueError:
            raise ValueError(f"{text!r} is not a share; write it like 10%") from None
    if not 0 <= value <= 1:
        raise ValueError(f"{text!r} must be between 0% and 100%")
    return value


def format_duration(seconds: float) -> str:
    """The shortest exact unit for a number of seconds: 900 -> "15m"."""
    for unit in ("d", "h", "m"):
        if seconds >= _UNITS[unit] and seconds % _UNITS[unit] == 0:
            return f"{int(seconds // _UNITS[unit])}{unit}"
    return f"{seconds:g}s"
