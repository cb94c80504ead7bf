"""AniList's public GraphQL API: the one client of the watchlist import and of the `anilist` source.

Every request is a POST of `{"query", "variables"}` with a timeout and a size cap. The process keeps
to AniList's documented limit (90 requests a minute per API address) and waits out a 429's
Retry-After (bounded) before trying again. Failures and answers we cannot read are `ApiError`s with
one line a user can act on. The client blocks: the daemon runs it in a worker thread, never on the
reactor thread, and `stop` ends its waits at once.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self

from radar import USER_AGENT
from radar.domain.errors import ApiError
from radar.domain.secret import mask_url

if TYPE_CHECKING:
    import requests

log = logging.getLogger(__name__)

DEFAULT_URL = "https://graphql.anilist.co"
PER_MINUTE = 90          # AniList's documented rate limit
MAX_RETRY_AFTER = 120.0  # a longer Retry-After is reported, not waited out
MAX_RETRIES = 3          # 429s in a row before a request is given up
MAX_CHUNKS = 100         # of a list: 50,000 entries at 500 a chunk
PER_CHUNK = 500          # AniList's largest chunk of a MediaListCollection
LIST_STATUSES = ("CURRENT", "PLANNING", "COMPLETED", "DROPPED", "PAUSED", "REPEATING")
DEFAULT_STATUSES = ("CURRENT", "COMPLETED", "PLANNING", "PAUSED")

MEDIA_FIELDS = "id idMal type format status title { romaji english native } synonyms"
LIST_QUERY = """query ($user: String, $chunk: Int, $perChunk: Int, $status: [MediaListStatus]) {
  MediaListCollection(userName: $user, type: ANIME, status_in: $status, chunk: $chunk, perChunk: $perChunk) {
    hasNextChunk
    lists { name isCustomList status entries { status media { MEDIA } } }
  }
}""".replace("MEDIA", MEDIA_FIELDS)
SEARCH_QUERY = """query ($search: String) {
  Page(page: 1, perPage: 5) { media(search: $search, type: ANIME) { MEDIA } }
}""".replace("MEDIA", MEDIA_FIELDS)
RELATIONS_QUERY = """query ($ids: [Int]) {
  Page(page: 1, perPage: 50) {
    media(id_in: $ids, type: ANIME) {
      id
      relations { edges { relationType node {
        id type format status startDate { year month day } title { romaji english native } siteUrl
      } } }
    }
  }
}"""


class RateLimiter:
    """At most `limit` requests in any `window` seconds, for every thread of the process."""

    def __init__(self, limit: int = PER_MINUTE, window: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()

    def acquire(self, stop: threading.Event) -> bool:
        """Wait for a free slot and take it; False when `stop` was set while waiting."""
        while True:
            with self._lock:
                now = self.clock()
                while self._sent and now - self._sent[0] >= self.window:
                    self._sent.popleft()
                if len(self._sent) < self.limit:
                    self._sent.append(now)
                    return True
                wait = self.window - (now - self._sent[0])
            if stop.wait(wait):
                return False


_limiters: dict[str, RateLimiter] = {}
_limiters_lock = threading.Lock()


def limiter_for(url: str) -> RateLimiter:
    """The process-wide limiter of one API address."""
    with _limiters_lock:
        return _limiters.setdefault(url, RateLimiter())


@dataclass(frozen=True)
class Media:
    """One anime as AniList lists it: its ids, titles and synonyms."""

    id: int
    mal: int | None
    romaji: str | None
    english: str | None
    native: str | None
    synonyms: tuple[str, ...] = ()
    format: str | None = None
    status: str | None = None

    @property
    def known_title(self) -> str:
        """The title users know: English, else romaji, else native."""
        return self.english or self.romaji or self.native or f"AniList {self.id}"


class AniListClient:
    """Blocking GraphQL requests to one AniList API address."""

    def __init__(self, url: str = DEFAULT_URL, timeout: float = 20.0, max_bytes: int = 5 * 2**20,
                 stop: threading.Event | None = None, limiter: RateLimiter | None = None) -> None:
        self.url, self.timeout, self.max_bytes = url, timeout, max_bytes
        self.stop = stop or threading.Event()
        self.limiter = limiter or limiter_for(url)
        import requests  # loaded by the commands that talk to AniList, not by every CLI start

        self.session = requests.Session()

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _error(self, problem: str, malformed: bool = False) -> ApiError:
        return ApiError("AniList", mask_url(self.url), problem, malformed)

    def query(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """The `data` of one GraphQL answer; ApiError when the request fails or the answer is not one."""
        for _ in range(MAX_RETRIES + 1):
            if not self.limiter.acquire(self.stop):
                raise self._error("stopped")
            response = self._post(query, variables)
            try:
                if response.status_code == 429:
                    wait = _retry_after(response.headers.get("Retry-After"))
                    if wait is None or wait > MAX_RETRY_AFTER:
                        raise self._error("rate limited (HTTP 429), "
                                          f"Retry-After {response.headers.get('Retry-After')!r}")
                    log.info("AniList rate limited: waiting %gs as Retry-After asks", wait)
                    if self.stop.wait(wait):
                        raise self._error("stopped")
                    continue
                body = self._body(response)
            finally:
                response.close()
            return self._data(response.status_code, body)
        raise self._error(f"still rate limited (HTTP 429) after {MAX_RETRIES} waits")

    def _post(self, query: str, variables: dict[str, Any]) -> requests.Response:
        import requests

        try:
            return self.session.post(self.url, json={"query": query, "variables": variables}, stream=True,
                                     timeout=self.timeout, allow_redirects=False,
                                     headers={"User-Agent": USER_AGENT, "Accept": "application/json"})
        except requests.Timeout:
            raise self._error(f"timed out after {self.timeout:g}s") from None
        except requests.ConnectionError:
            raise self._error("cannot connect (refused, unreachable or DNS failed)") from None
        except requests.RequestException as exc:
            raise self._error(f"request failed: {type(exc).__name__}") from None

    def _body(self, response: requests.Response) -> bytes:
        import requests

        chunks, size = [], 0
        try:
            for chunk in response.iter_content(65536):
                size += len(chunk)
                if size > self.max_bytes:
                    raise self._error(f"answer larger than {self.max_bytes} bytes")
                chunks.append(chunk)
        except requests.RequestException:
            raise self._error("connection lost before the answer was complete") from None
        return b"".join(chunks)

    def _data(self, status: int, body: bytes) -> dict[str, Any]:
        try:
            answer = json.loads(body)
        except ValueError:
            if status != 200:
                raise self._error(f"HTTP {status}") from None
            raise self._error("malformed answer: not JSON", malformed=True) from None
        if not isinstance(answer, dict):
            raise self._error("malformed answer: not a GraphQL response", malformed=True)
        errors = answer.get("errors")
        if errors:
            first = errors[0] if isinstance(errors, list) and errors else {}
            message = str(first.get("message") if isinstance(first, dict) else first)[:160]
            raise self._error(f"HTTP {status}: {message}" if status != 200 else message)
        if status != 200:
            raise self._error(f"HTTP {status}")
        data = answer.get("data")
        if not isinstance(data, dict):
            raise self._error("malformed answer: no data", malformed=True)
        return data

    # -- the queries -------------------------------------------------------------------------------

    def user_list(self, user: str, statuses: tuple[str, ...] = DEFAULT_STATUSES,
                  per_chunk: int = PER_CHUNK) -> list[tuple[str, Media]]:
        """A user's anime list as (list status, media), one request per chunk, each anime once."""
        found: dict[int, tuple[str, Media]] = {}
        for chunk in range(1, MAX_CHUNKS + 1):
            data = self.query(LIST_QUERY, {"user": user, "chunk": chunk, "perChunk": per_chunk,
                                           "status": list(statuses)})
            collection = _mapping(data.get("MediaListCollection"), self, "MediaListCollection")
            for group in _items(collection.get("lists"), self, "lists"):
                for entry in _items(_mapping(group, self, "list").get("entries"), self, "entries"):
                    entry = _mapping(entry, self, "entry")
                    media = media_of(entry.get("media"), self)
                    found.setdefault(media.id, (str(entry.get("status") or ""), media))
            if not collection.get("hasNextChunk"):
                break
        return list(found.values())

    def search(self, title: str) -> list[Media]:
        """The anime whose titles best match `title`, best first (at most five)."""
        data = self.query(SEARCH_QUERY, {"search": title})
        page = _mapping(data.get("Page"), self, "Page")
        return [media_of(m, self) for m in _items(page.get("media"), self, "Page.media")]

    def relations(self, ids: list[int]) -> Iterator[dict[str, Any]]:
        """Each media of `ids` with its relations, 50 ids a request."""
        for start in range(0, len(ids), 50):
            data = self.query(RELATIONS_QUERY, {"ids": ids[start:start + 50]})
            page = _mapping(data.get("Page"), self, "Page")
            for media in _items(page.get("media"), self, "Page.media"):
                yield _mapping(media, self, "media")


def media_of(value: Any, client: AniListClient) -> Media:
    """A `Media` from its JSON; ApiError (malformed) when it has no id."""
    media = _mapping(value, client, "media")
    if not isinstance(media.get("id"), int):
        raise client._error("malformed answer: a media without an id", malformed=True)
    titles = _dict(media.get("title"))
    synonyms = media.get("synonyms")
    synonyms = synonyms if isinstance(synonyms, list) else []
    mal = media.get("idMal")
    return Media(media["id"], mal if isinstance(mal, int) else None, _text(titles.get("romaji")),
                 _text(titles.get("english")), _text(titles.get("native")),
                 tuple(s for s in (_text(x) for x in synonyms) if s), _text(media.get("format")),
                 _text(media.get("status")))


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return " ".join(value.split()) or None


def _mapping(value: Any, client: AniListClient, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise client._error(f"malformed answer: {what} is not an object", malformed=True)
    return value


def _items(value: Any, client: AniListClient, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise client._error(f"malformed answer: {what} is not a list", malformed=True)
    return value


def _retry_after(value: str | None) -> float | None:
    """Seconds of a Retry-After header (AniList sends seconds); None when absent or unreadable."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return max(0.0, seconds)
