"""Kind `anilist`: AniList's records of the watched shows' sequels, side stories, films and specials.

For every watched show with an `anilist` id, one batched query (50 ids a request) reads its relations;
the chain of sequels is followed a few levels (a sequel of a sequel), one query per level. A related
anime that is not yet released, releasing, on hiatus or cancelled becomes one article carrying its
claim (`Article.claims`), so the text classifier never re-reads it:

| AniList                          | claim                                            |
|----------------------------------|--------------------------------------------------|
| NOT_YET_RELEASED, no start date  | announced                                        |
| NOT_YET_RELEASED, a start date   | dated, at the precision given (YYYY, YYYY-MM, …) |
| RELEASING (or HIATUS once begun) | premiered                                        |
| CANCELLED                        | cancelled                                        |

The installment is the node's: a film (MOVIE), a special (OVA, ONA, SPECIAL, TV_SHORT), else the season
its title names. The AniList page is the evidence. An answer that says what the last one said is
`not_modified` (its digest is kept as the source's validator), and only claims not seen last time
become articles. Requests run in a worker thread (`deferToThread`): the client blocks, and waits out
rate limits, without stalling the reactor.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from radar.domain.errors import ApiError, ParseError
from radar.domain.models import Article, Claim, FetchResult, Show, Source, Validators
from radar.domain.source_kind import Fetch, SourceKind

if TYPE_CHECKING:
    from radar.app.anilist import AniListClient

logger = logging.getLogger(__name__)

NEWS = ("NOT_YET_RELEASED", "RELEASING", "CANCELLED", "HIATUS")
FILM, SPECIALS = "MOVIE", ("OVA", "ONA", "SPECIAL", "TV_SHORT")
# Relations that are a new installment of the show; OTHER and SPIN_OFF only when a film or special.
INSTALLMENT_RELATIONS = ("SEQUEL", "SIDE_STORY")
EXTRA_RELATIONS = ("OTHER", "SPIN_OFF")


class AniListOptions(BaseModel):
    """Keys of an `anilist` source."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    depth: int = Field(default=3, ge=1, le=5)  # levels of sequels followed


class AniListKind(SourceKind, kind="anilist"):
    """AniList's sequels, films and specials of the watched shows that have an `anilist` id (no url)."""

    Options: ClassVar[type[BaseModel]] = AniListOptions
    default_trust: ClassVar[str | None] = "news"
    structured: ClassVar[bool] = True
    fetch: ClassVar[Fetch] = Fetch.API

    @classmethod
    def default_url(cls, settings: Any) -> str | None:
        """radar.toml's `[anilist] url`."""
        return str(settings.anilist.url)

    @classmethod
    def parse(cls, source: Source, body: bytes, url: str, headers: Mapping[str, str]) -> list[Article]:
        """Not a page: an anilist source is read through its API by `poll`."""
        raise ParseError(source.name, url, "an anilist source is read through its API, not fetched as a page")

    @classmethod
    def poll(cls, runner: Any, sources: list[Source], validators: Mapping[str, Validators]) -> Any:
        """Each source's relations read in a worker thread; fires with one FetchResult per source."""
        from twisted.internet import threads

        shows, stop = tuple(runner.shows), runner.closing

        def work() -> list[FetchResult]:
            return [fetch(s, shows, validators.get(s.name), runner.timeout, runner.max_bytes, stop)
                    for s in sources]

        return threads.deferToThread(work)


@dataclass(frozen=True)
class Found:
    """A related anime with news, in the chain of one watched show."""

    show_id: str
    relation: str
    node: dict[str, Any]


def fetch(source: Source, shows: Sequence[Show], sent: Validators | None, timeout: float, max_bytes: int,
          stop: Any = None) -> FetchResult:
    """Poll one anilist source (blocking): its FetchResult, an error in one line when it failed."""
    import time

    from radar.app.anilist import AniListClient  # requests and the client load on the first poll

    started = time.monotonic()
    conditional = bool(sent and sent.etag)
    roots = {s.anilist: s for s in shows if s.anilist is not None}
    client = AniListClient(source.url, timeout, max_bytes, stop)
    try:
        found = walk(client, roots, int(source.option("depth", "3") or 3))
    except ApiError as exc:
        logger.warning("source %r: %s", source.name, exc)
        return FetchResult(source.name, "error", error=exc.problem, conditional=conditional,
                           elapsed=round(time.monotonic() - started, 3))
    except Exception as exc:  # a bug here must not lose the other sources
        logger.exception("source %r: reading AniList failed", source.name)
        return FetchResult(source.name, "error", error=f"could not read: {type(exc).__name__}: {exc}"[:200],
                           conditional=conditional)
    finally:
        client.close()
    articles = articles_of(source, found, datetime.now(UTC))
    queried = {f"show:{media_id}" for media_id in roots}  # the shows asked about, kept with the fingerprints
    fingerprints = tuple(sorted({_fingerprint(a) for a in articles} | queried))
    etag = '"anilist-' + hashlib.sha256(" ".join(fingerprints).encode()).hexdigest()[:32] + '"'
    common: dict[str, Any] = {"etag": etag, "conditional": conditional,
                              "elapsed": round(time.monotonic() - started, 3)}
    if sent and sent.etag == etag:
        return FetchResult(source.name, "not_modified", **common)
    seen = frozenset(sent.seen_entries.split()) if sent else frozenset()
    first_look = {show.id for media_id, show in roots.items() if f"show:{media_id}" not in seen}
    fresh = [replace(a, baseline=a.show_hint in first_look)
             for a in articles if _fingerprint(a) not in seen]
    return FetchResult(source.name, "ok", articles=fresh, fingerprints=fingerprints, **common)


def walk(client: AniListClient, roots: Mapping[int, Show], depth: int) -> list[Found]:
    """The related anime with news of every root, following sequels `depth` levels (one query each).

    A node reached from two roots belongs to the nearer one; a watched show is never news of another.
    """
    owner = {media_id: show.id for media_id, show in roots.items()}
    frontier = sorted(roots)
    found: dict[tuple[str, int], Found] = {}
    for _ in range(depth):
        if not frontier:
            break
        next_level: list[int] = []
        for media in sorted(client.relations(frontier), key=lambda m: _int(m.get("id"))):
            show_id = owner.get(_int(media.get("id")))
            if show_id is None:
                continue
            for relation, node in _edges(media, client):
                node_id = _int(node.get("id"))
                if node.get("type") != "ANIME" or node_id in roots or node_id <= 0:
                    continue
                if _is_installment(relation, node) and node.get("status") in NEWS:
                    found.setdefault((show_id, node_id), Found(show_id, relation, node))
                if relation == "SEQUEL" and node_id not in owner:
                    owner[node_id] = show_id
                    next_level.append(node_id)
        frontier = next_level
    return list(found.values())


def _edges(media: Mapping[str, Any], client: AniListClient) -> Iterable[tuple[str, dict[str, Any]]]:
    relations = media.get("relations")
    edges = relations.get("edges") if isinstance(relations, dict) else None
    if relations is not None and not isinstance(edges, list):
        raise client._error("malformed answer: relations without edges", malformed=True)
    for edge in edges or ():
        if not isinstance(edge, dict) or not isinstance(edge.get("node"), dict):
            raise client._error("malformed answer: a relation without a node", malformed=True)
        yield str(edge.get("relationType") or ""), edge["node"]


def _is_installment(relation: str, node: Mapping[str, Any]) -> bool:
    if relation in INSTALLMENT_RELATIONS:
        return node.get("format") != "MUSIC"
    return relation in EXTRA_RELATIONS and (node.get("format") == FILM or node.get("format") in SPECIALS)


def articles_of(source: Source, found: Iterable[Found], now: datetime) -> list[Article]:
    """One article per related anime with news, carrying its claim; its key names show, node and news."""
    articles = []
    for item in found:
        node = item.node
        event, release = claim_of(node, now.date())
        label = installment_of(node)
        titles = _dict(node.get("title"))
        name = (titles.get("english") or titles.get("romaji") or titles.get("native")
                or f"AniList {node['id']}")
        what = {"announced": "announced, no date yet", "dated": f"starts {release}",
                "premiered": "airing" + (f" since {release}" if release else ""),
                "cancelled": "cancelled"}[event]
        phrase = (f"AniList: {item.relation.lower().replace('_', ' ')} {name}, "
                  f"{str(node.get('status')).lower()}" + (f", starts {release}" if release else ""))
        site = node.get("siteUrl")
        url = site if isinstance(site, str) and site else f"https://anilist.co/anime/{node['id']}"
        claim = Claim(item.show_id, event, release, phrase, label)
        articles.append(Article(
            source=source.name, trust=source.trust, title=f"{name} ({node.get('format') or 'anime'}): {what}",
            url=url, published=now, show_hint=item.show_id, lang="en", claims=(claim,),
            guid=f"anilist:{item.show_id}:{node['id']}:{event}:{release or ''}"))
    return articles


def claim_of(node: Mapping[str, Any], today: date) -> tuple[str, str | None]:
    """The event and release a related anime's status and start date say."""
    release = release_of(node.get("startDate"))
    status = node.get("status")
    if status == "CANCELLED":
        return "cancelled", None
    if status == "RELEASING" or (status == "HIATUS" and release and release <= today.isoformat()):
        return "premiered", release
    return ("dated", release) if release else ("announced", None)


def release_of(start: Any) -> str | None:
    """A FuzzyDate as a release: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, as precise as AniList is."""
    if not isinstance(start, dict) or not isinstance(start.get("year"), int):
        return None
    year, month, day = start["year"], start.get("month"), start.get("day")
    if not isinstance(month, int) or not 1 <= month <= 12:
        return f"{year:04d}"
    if not isinstance(day, int) or not 1 <= day <= 31:
        return f"{year:04d}-{month:02d}"
    return f"{year:04d}-{month:02d}-{day:02d}"


def installment_of(node: Mapping[str, Any]) -> str | None:
    """The canonical label of a related anime: film, special, else the season its title names."""
    from radar.detect.installment import find_installments, sequel_number
    from radar.domain.normalize import fold, name_key

    fmt = node.get("format")
    if fmt == FILM:
        return "film"
    if fmt in SPECIALS:
        return "special"
    titles = _dict(node.get("title"))
    for key, japanese in (("english", False), ("romaji", False), ("native", True)):
        title = titles.get(key)
        if not isinstance(title, str) or not title:
            continue
        for found in find_installments(fold(title).low, japanese=japanese):
            if found.kind in ("season", "final season", "part"):
                return found.label
        words = name_key(title).split()
        number = sequel_number(words[-1]) if len(words) > 1 else None
        if number and 2 <= number <= 20:
            return f"season {number}"  # "Overlord II", "Bungou Stray Dogs 2"
    return None


def _fingerprint(article: Article) -> str:
    return hashlib.sha256((article.guid or article.key).encode()).hexdigest()[:16]


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else -1

