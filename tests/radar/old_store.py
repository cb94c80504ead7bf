"""A store file as today's main (commit e2ec93d, before installments) writes it: its tables, verbatim,
and rows like the ones its `check` leaves — for the migration tests. Not a binary blob: the schema
below is what SQLAlchemy created from that commit's radar/store/schema.py."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

OLD_SCHEMA = """
CREATE TABLE source_state (
    name VARCHAR(100) NOT NULL, etag TEXT, last_modified TEXT, last_polled TEXT, last_success TEXT,
    last_error TEXT, failures INTEGER NOT NULL, next_poll FLOAT, seen_entries TEXT, PRIMARY KEY (name)
);
CREATE TABLE articles (
    "key" VARCHAR(512) NOT NULL, source VARCHAR(100) NOT NULL, title TEXT NOT NULL, url TEXT, summary TEXT,
    published TEXT, lang VARCHAR(8), first_seen TEXT NOT NULL, PRIMARY KEY ("key")
);
CREATE TABLE show_status (
    show_id VARCHAR(100) NOT NULL, status VARCHAR(20) NOT NULL, release VARCHAR(10), updated TEXT, as_of TEXT,
    baselined BOOLEAN NOT NULL, PRIMARY KEY (show_id)
);
CREATE TABLE evidence (
    id INTEGER NOT NULL, show_id VARCHAR(100) NOT NULL, status VARCHAR(20) NOT NULL, release VARCHAR(10),
    article_key VARCHAR(512) NOT NULL, title TEXT, url TEXT, source VARCHAR(100), trust VARCHAR(20),
    published TEXT, phrase TEXT, added_at TEXT, PRIMARY KEY (id),
    CONSTRAINT uq_evidence_article UNIQUE (show_id, article_key)
);
CREATE INDEX ix_evidence_show_id ON evidence (show_id);
CREATE TABLE events (
    event_id VARCHAR(64) NOT NULL, show_id VARCHAR(100) NOT NULL, event VARCHAR(20) NOT NULL,
    detected_at TEXT NOT NULL, silent BOOLEAN NOT NULL, payload TEXT NOT NULL, PRIMARY KEY (event_id)
);
CREATE INDEX ix_events_show_id ON events (show_id);
CREATE TABLE outbox (
    id INTEGER NOT NULL, event_id VARCHAR(64) NOT NULL, notifier VARCHAR(100) NOT NULL,
    state VARCHAR(12) NOT NULL, attempts INTEGER NOT NULL, next_try FLOAT NOT NULL, created FLOAT NOT NULL,
    last_error TEXT, delivered_at TEXT, PRIMARY KEY (id),
    CONSTRAINT uq_outbox_event_notifier UNIQUE (event_id, notifier),
    FOREIGN KEY(event_id) REFERENCES events (event_id)
);
"""

TF_EVIDENCE = ("https://news.example/tf", "https://two.example/tf")
# An item with neither GUID nor link, stored under its title's key as the old store wrote it
OLD_TITLE = "Re:Zero × Ｓｔｅｉｎｓ;Gate — Straße_2 ©\u200bNews「続編」"
OLD_TITLE_KEY = "title:re zero steins gate strasse_2 news 続編"


def old_payload(event_id: str, show_id: str, title: str, event: str, release: str | None) -> str:
    """An event's JSON as the old Event.payload() wrote it: no `installment`."""
    return json.dumps({
        "event_id": event_id, "event": event, "show_id": show_id, "show_title": title, "status": event,
        "previous_status": "none", "release": release, "previous_release": None,
        "evidence": [{"title": f"{title} news", "url": f"https://news.example/{show_id}", "source": "news",
                      "trust": "news", "published": "2026-11-20T09:00:00+00:00"}],
        "detected_at": "2026-11-21T10:00:00+00:00", "phrase": "second season"})


def make_old_store(path: Path) -> None:
    """Create the old tables and fill them: three shows, evidence, two events, the outbox, two sources."""
    with sqlite3.connect(path) as conn:
        conn.executescript(OLD_SCHEMA)
        conn.executemany("INSERT INTO source_state (name, etag, last_success, failures, seen_entries) "
                         "VALUES (?, ?, ?, ?, ?)",
                         [("news", '"v1"', "2026-11-21T10:00:00+00:00", 0, "a1 b2"),
                          ("broken", None, None, 3, None)])  # never polled successfully
        conn.executemany("INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         [("guid:ak", "news", "Akudama Drive Season 2 Announced", "https://news.example/akudama-drive",
                           "", "2026-11-20T09:00:00+00:00", None, "2026-11-21T10:00:00+00:00"),
                          (OLD_TITLE_KEY, "forum", OLD_TITLE, "", "", None, None,
                           "2026-11-21T10:00:00+00:00")])
        conn.executemany("INSERT INTO show_status VALUES (?, ?, ?, ?, ?, ?)", [
            ("akudama-drive", "announced", None, "2026-11-21T10:00:00+00:00", "2026-11-20T09:00:00+00:00", 1),
            ("terra-formars", "dated", "2027-04", "2026-11-21T10:00:00+00:00",
             "2026-11-21T09:00:00+00:00", 1),
            ("beastars", "none", None, "2026-11-21T10:00:00+00:00", None, 1)])
        conn.executemany("INSERT INTO evidence (show_id, status, release, article_key, title, url, source, "
                         "trust, published, phrase, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
            ("akudama-drive", "announced", None, "guid:ak", "Akudama Drive Season 2 Announced",
             "https://news.example/akudama-drive", "news", "news", "2026-11-20T09:00:00+00:00", "2nd", "x"),
            ("terra-formars", "dated", "2027-04", "guid:tf1", "Terra Formars Returns in April 2027",
             TF_EVIDENCE[0], "news", "news", "2026-11-21T09:00:00+00:00", "April 2027", "x"),
            ("terra-formars", "dated", "2027-04", "guid:tf2", "Terra Formars in April 2027",
             TF_EVIDENCE[1], "news-two", "news", "2026-11-21T11:00:00+00:00", "April 2027", "x")])
        conn.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?)", [
            ("ev-ak", "akudama-drive", "announced", "2026-11-21T10:00:00+00:00", 0,
             old_payload("ev-ak", "akudama-drive", "Akudama Drive", "announced", None)),
            ("ev-tf", "terra-formars", "dated", "2026-11-21T10:00:01+00:00", 0,
             old_payload("ev-tf", "terra-formars", "Terra Formars", "dated", "2027-04"))])
        conn.executemany("INSERT INTO outbox (event_id, notifier, state, attempts, next_try, created, "
                         "delivered_at) VALUES (?, ?, ?, ?, ?, ?, ?)", [
            ("ev-ak", "hook", "delivered", 1, 0.0, 0.0, "2026-11-21T10:00:02+00:00"),
            ("ev-tf", "hook", "pending", 2, 0.0, 0.0, None)])
