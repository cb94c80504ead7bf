"""What the notifier kinds share: the shown form of a URL and scrubbing secrets out of a text."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from urllib.parse import urlsplit


from radar.domain.secret import Masker

log = logging.getLogger(__name__)

__all__ = ["scrub", "short_url"]


def short_url(url: str) -> str:
    """`scheme://host[:port]/…`: a URL with path, query, user info and fragment hidden."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    hidden = bool(parts.path.strip("/") or parts.query or parts.fragment or parts.username)
    return f"{parts.scheme}://{host}/…" if hidden else f"{parts.scheme}://{host}"


def scrub(text: str, secrets: Iterable[str]) -> str:
    """`text` with each of `secrets` masked (radar.domain.secret.Masker's rules: short ones only standing alone)."""
    return Masker(secrets).mask(text)
