"""`renewal-radar classify`: JSON lines in, one JSON line out per input line (radar.detect.classify)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TextIO

from radar.detect.classify import Classifier
from radar.domain.models import Article, Show

log = logging.getLogger("radar.detect.classify")  # the logger its warnings have always come from


def _parse_published(value: object) -> datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValueError(f"published must be a date string, not {type(value).__name__}")
    return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))


def run_classify(lines: Iterable[str], out: TextIO, shows: Sequence[Show]) -> int:
    """The `classify` command: JSON lines in, one JSON line out per input line; returns the count.

    Input `{id, title, summary, published, source_trust, lang}`; output
    `{"id": ..., "events": [{"show", "event", "release"?, "phrase"}]}`. A line that cannot be
    read gets `{"id": ..., "error": "..."}` (id null when unknown) and a logged warning.
    """
    classifier = Classifier(shows)
    count = 0
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        count += 1
        item_id = None
        try:
            row = json.loads(line)
            if not isinstance(row, dict):
                raise ValueError("a line must be a JSON object")
            item_id = row.get("id")
            title, summary = row.get("title") or "", row.get("summary") or ""
            if not isinstance(title, str) or not isinstance(summary, str):
                raise ValueError("title and summary must be strings")
            article = Article(source="classify", trust=str(row.get("source_trust") or "news"),
                              title=title, summary=summary, published=_parse_published(row.get("published")),
                              lang=row.get("lang") or None, show_hint=row.get("show") or None)
            events = []
            for claim in classifier.classify(article):
                event: dict[str, str] = {"show": claim.show_id, "event": claim.event}
                if claim.release:
                    event["release"] = claim.release
                installment = claim.installment or claim.implied
                if installment:
                    event["installment"] = installment
                event["phrase"] = claim.phrase
                events.append(event)
            result: dict[str, object] = {"id": item_id, "events": events}
        except (ValueError, TypeError) as exc:  # JSONDecodeError is a ValueError
            log.warning("classify: line %d: %s", n, exc)
            result = {"id": item_id, "error": f"line {n}: {exc}"}
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
    return count
