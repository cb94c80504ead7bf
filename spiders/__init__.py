"""The source kinds (a `renewal_radar.plugins` entry point): importing this package registers them in
`radar.domain.source_kind.SourceKind.registry`; each reads one kind of response into Articles."""

from spiders import anilist, html, rss  # noqa: F401  (registers the kinds)
