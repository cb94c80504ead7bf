"""Fetch and parse sources into Articles; importing this package fills `SourceKind.registry`."""

from spiders import anilist, html, rss  # noqa: F401  (registers the kinds)
from spiders.base import SourceKind

__all__ = ["SourceKind"]
