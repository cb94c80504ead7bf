"""Process start-up: Python's cyclic garbage collector held off until the real work begins.

A poll imports about a thousand modules (pydantic, SQLAlchemy, Twisted, Scrapy for html pages). Each
import allocates classes and functions, and the collector keeps walking that growing heap while it
happens: about a fifth of a one-shot `check` in which nothing changed. Start-up objects live as long
as the process, so the collector is held off until the process is about to do its real work, then the
start-up heap is frozen (never walked again) and collection resumes for everything after it.
"""

from __future__ import annotations

import gc

_held = False


def hold() -> None:
    """Start-up begins: no cyclic collection until `settled()`."""
    global _held
    if gc.isenabled():
        gc.disable()
        _held = True


def settled() -> None:
    """Start-up is over: freeze what it allocated and let the collector run again (idempotent)."""
    global _held
    if _held:
        _held = False
        gc.freeze()
        gc.enable()
