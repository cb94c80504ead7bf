"""A local stand-in for AniList's GraphQL API (pytest-httpserver), answering in AniList's documented
shapes: `MediaListCollection` in chunks (`hasNextChunk`), `Page { media(search:) }` and
`Page { media(id_in:) { relations { edges { relationType node } } } }`. Every request is recorded."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from werkzeug import Request, Response


def media(id_: int, romaji: str, english: str | None = None, native: str | None = None, *,
          mal: int | None = None, synonyms: tuple[str, ...] = (), format_: str = "TV",
          status: str = "FINISHED", start: tuple[int | None, int | None, int | None] = (None, None, None),
          ) -> dict[str, Any]:
    """One Media object as AniList returns it."""
    return {"id": id_, "idMal": mal, "type": "ANIME", "format": format_, "status": status,
            "title": {"romaji": romaji, "english": english, "native": native},
            "synonyms": list(synonyms), "siteUrl": f"https://anilist.co/anime/{id_}",
            "startDate": {"year": start[0], "month": start[1], "day": start[2]}}


@dataclass
class AniList:
    """The stand-in's data: users' lists, searchable media, relations by media id; `queue` holds
    responses (status, headers, body) served before the normal answers, one a request."""

    lists: dict[str, list[tuple[str, dict[str, Any]]]] = field(default_factory=dict)
    catalog: list[dict[str, Any]] = field(default_factory=list)
    relations: dict[int, list[tuple[str, dict[str, Any]]]] = field(default_factory=dict)
    queue: list[tuple[int, dict[str, str], str]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)

    def kinds(self) -> list[str]:
        return [r["kind"] for r in self.requests]

    def handle(self, request: Request) -> Response:
        payload = json.loads(request.get_data() or b"{}")
        query, variables = payload.get("query", ""), payload.get("variables") or {}
        kind = ("list" if "MediaListCollection" in query else "search" if "search:" in query
                else "relations" if "relations" in query else "other")
        record: dict[str, Any] = {"kind": kind, "variables": variables}
        self.requests.append(record)
        if self.queue:
            status, headers, body = self.queue.pop(0)
            record["status"] = status
            return Response(body, status=status, headers=headers, content_type="application/json")
        record["status"] = 200
        if kind == "list":
            return self._list(variables)
        if kind == "search":
            needle = str(variables.get("search", "")).casefold()
            found = [m for m in self.catalog
                     if needle in json.dumps(m["title"], ensure_ascii=False).casefold()]
            return _json({"data": {"Page": {"media": found[:5]}}})
        if kind == "relations":
            answer = [{"id": i, "relations": {"edges": [{"relationType": rel, "node": node}
                                                        for rel, node in self.relations.get(i, [])]}}
                      for i in variables.get("ids", []) if i in self.relations or i in self._known()]
            return _json({"data": {"Page": {"media": answer}}})
        return _json({"errors": [{"message": "Unknown query", "status": 400}], "data": None}, 400)

    def _known(self) -> set[int]:
        return {m["id"] for m in self.catalog}

    def _list(self, variables: dict[str, Any]) -> Response:
        user = variables.get("user")
        if user not in self.lists:
            return _json({"errors": [{"message": "User not found", "status": 404}],
                          "data": {"MediaListCollection": None}}, 404)
        wanted = set(variables.get("status") or [])
        entries = [(s, m) for s, m in self.lists[user] if not wanted or s in wanted]
        chunk, per = int(variables.get("chunk") or 1), int(variables.get("perChunk") or 500)
        part = entries[(chunk - 1) * per: chunk * per]
        groups: dict[str, list[dict[str, Any]]] = {}
        for status, item in part:
            groups.setdefault(status, []).append({"status": status, "media": item})
        lists = [{"name": s.title(), "isCustomList": False, "status": s, "entries": e}
                 for s, e in groups.items()]
        return _json({"data": {"MediaListCollection": {"hasNextChunk": chunk * per < len(entries),
                                                       "lists": lists}}})


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, content_type="application/json")


def serve(httpserver: Any, path: str = "/graphql") -> tuple[AniList, str]:
    """Mount a stand-in on `path` of a pytest-httpserver; returns it and its URL."""
    standin = AniList()
    httpserver.expect_request(path, method="POST").respond_with_handler(standin.handle)
    return standin, httpserver.url_for(path)
