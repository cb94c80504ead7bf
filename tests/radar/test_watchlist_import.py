"""Issue 13: a watchlist from the list a fan already keeps — AniList (through a local stand-in of its
GraphQL API) and a MyAnimeList export — merged into watchlist.toml with its comments kept."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from anilist_standin import media, serve

from radar.app.anilist import AniListClient
from radar.app.config import load_watchlist
from radar.app.watchlist_import import clean_aliases, entry_of_media, junk, merge, slug_of
from radar.cli.commands import main

STATUSES = ("CURRENT", "COMPLETED", "PLANNING", "PAUSED")
LIST_STATUS = ["CURRENT", "COMPLETED", "PLANNING", "PAUSED", "DROPPED"]
MAL_WORDS = {"CURRENT": "Watching", "COMPLETED": "Completed", "PLANNING": "Plan to Watch",
             "PAUSED": "On-Hold", "DROPPED": "Dropped"}


def big_list(count: int = 300) -> list[tuple[str, dict]]:
    """`count` anime, none dropped: each with romaji, native, synonyms, most with an English title."""
    return [(LIST_STATUS[i % 4], media(1000 + i, f"Hoshi no Tabibito {i:03d}",
                                        None if i % 3 == 0 else f"Star Traveler {i:03d}", f"星の旅人{i:03d}",
                                        mal=5000 + i, synonyms=(f"HnT {i:03d}", "Hero", "ab",
                                                                f"Star  Traveler {i:03d}")))
            for i in range(count)]


def mal_export(items: list[tuple[str, dict]]) -> str:
    """A MyAnimeList list export (the XML its export page gives) of the same anime."""
    rows = "".join(f"<anime><series_animedb_id>{m['idMal']}</series_animedb_id>"
                   f"<series_title><![CDATA[{m['title']['romaji']}]]></series_title><series_type>TV</series_type>"
                   f"<my_status>{escape(MAL_WORDS[s])}</my_status></anime>" for s, m in items)
    return (f'<?xml version="1.0" encoding="UTF-8" ?><myanimelist><myinfo><user_name>fan</user_name>'
            f"</myinfo>{rows}</myanimelist>")


@pytest.fixture
def config(tmp_path, httpserver):
    """A config dir whose radar.toml points [anilist] at the stand-in; the stand-in."""
    standin, url = serve(httpserver)
    directory = tmp_path / "config"
    directory.mkdir()
    (directory / "radar.toml").write_text(f'[anilist]\nurl = "{url}"\n')
    return directory, standin


def run(directory: Path, *args: str) -> int:
    return main(["--config", str(directory), "watchlist", *args])


def test_a_300_entry_list_gives_300_shows_with_aliases_in_one_request_and_a_second_import_changes_nothing(
        config, capsys):
    directory, standin = config
    standin.lists["fan"] = big_list()
    assert run(directory, "import", "anilist", "fan") == 0
    assert standin.kinds() == ["list"]  # 300 entries fit one chunk of 500
    assert standin.requests[0]["variables"]["status"] == [*STATUSES, "REPEATING"]
    path = directory / "watchlist.toml"
    shows = load_watchlist(path)
    assert len(shows) == 300 and len({s.id for s in shows}) == 300
    first = next(s for s in shows if s.anilist == 1001)
    assert (first.id, first.title, first.mal) == ("hoshi-no-tabibito-001", "Star Traveler 001", 5001)
    assert first.aliases == ("Hoshi no Tabibito 001", "星の旅人001", "HnT 001")  # English's double dropped
    no_english = next(s for s in shows if s.anilist == 1000)
    assert no_english.title == "Hoshi no Tabibito 000" and no_english.aliases == ("星の旅人000", "HnT 000",
                                                                                   "Star Traveler 000")
    assert all(s.aliases for s in shows)
    out = capsys.readouterr().out
    assert "300 shows added" in out
    assert ("note: alias 'Hero' dropped: a single common word (hoshi-no-tabibito-000, hoshi-no-tabibito-004, "
            "hoshi-no-tabibito-008 and 297 more)") in out
    assert "note: alias 'ab' dropped: too short to name a show (" in out

    written = path.read_bytes()
    assert run(directory, "import", "anilist", "fan") == 0
    assert path.read_bytes() == written
    assert "nothing to change" in capsys.readouterr().out
    assert standin.kinds() == ["list", "list"]


def test_a_list_is_read_one_request_per_chunk(httpserver):
    standin, url = serve(httpserver)
    standin.lists["fan"] = big_list(250)
    with AniListClient(url) as client:
        listed = client.user_list("fan", STATUSES, per_chunk=100)
    assert len(listed) == 250
    assert [r["variables"]["chunk"] for r in standin.requests] == [1, 2, 3]


def test_a_mal_export_of_the_same_list_gives_the_same_ids_and_merges_into_the_anilist_import(
        config, tmp_path, capsys):
    directory, standin = config
    items = big_list()
    export = tmp_path / "animelist.xml"
    export.write_text(mal_export([*items, ("DROPPED", media(9999, "Dropped Show", mal=9999))]))
    alone = tmp_path / "mal-only"
    alone.mkdir()
    assert run(alone, "import", "mal", str(export)) == 0
    from_mal = load_watchlist(alone / "watchlist.toml")
    assert all(s.mal and s.anilist is None for s in from_mal)

    standin.lists["fan"] = items
    assert run(directory, "import", "anilist", "fan") == 0
    from_anilist = load_watchlist(directory / "watchlist.toml")
    assert sorted(s.id for s in from_mal) == sorted(s.id for s in from_anilist)  # the dropped one left out

    before = (directory / "watchlist.toml").read_bytes()
    capsys.readouterr()
    assert run(directory, "import", "mal", str(export)) == 0  # every show matched by its mal id
    assert (directory / "watchlist.toml").read_bytes() == before
    assert "0 shows added, 0 updated, 300 already there" in capsys.readouterr().out


def test_the_merge_keeps_comments_and_order_and_never_duplicates_a_show(config, capsys):
    directory, standin = config
    path = directory / "watchlist.toml"
    original = ('# my shows, by hand\n\n[[show]]\nid = "akudama-drive"\n'
                'title = "Akudama Drive"  # favourite\naliases = ["アクダマドライブ"]\n\n'
                '# found by its name: gets its ids, keeps its own id\n[[show]]\n'
                'id = "st"\ntitle = "Star Traveler 001"\n')
    path.write_text(original)
    standin.lists["fan"] = big_list(3)
    assert run(directory, "import", "anilist", "fan", "--dry-run") == 0
    out = capsys.readouterr().out
    assert path.read_text() == original  # a dry run writes nothing…
    assert ("+anilist = 1001" in out and '+id = "hoshi-no-tabibito-000"' in out
            and "dry run" in out)  # …shows it
    assert run(directory, "import", "anilist", "fan") == 0
    text = path.read_text()
    # comments and the first show as they were
    assert text.startswith(original.split("[[show]]\nid = \"st\"")[0])
    assert "# found by its name" in text and 'title = "Akudama Drive"  # favourite' in text
    data = tomllib.loads(text)["show"]
    assert [s["id"] for s in data] == ["akudama-drive", "st", "hoshi-no-tabibito-000",
                                       "hoshi-no-tabibito-002"]
    assert (data[1]["anilist"] == 1001 and data[1]["mal"] == 5001
            and "Hoshi no Tabibito 001" in data[1]["aliases"])


def test_add_searches_anilist_and_adds_one_show_and_list_shows_it(config, capsys):
    directory, standin = config
    standin.catalog = [media(21, "One Piece", "ONE PIECE", "ワンピース", mal=21, synonyms=("OP",)),
                       media(30, "One Punch Man", "One-Punch Man", "ワンパンマン", mal=30927)]
    assert run(directory, "add", "One", "Punch") == 0
    assert standin.requests[-1]["variables"] == {"search": "One Punch"}
    assert "added as one-punch-man" in capsys.readouterr().out
    assert run(directory, "add", "One Punch") == 0
    assert "already watched as one-punch-man" in capsys.readouterr().out
    assert run(directory, "list", "--json") == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows == [{"id": "one-punch-man", "title": "One-Punch Man",
                     "aliases": ["ワンパンマン"],  # "One Punch Man" is the same name
                     "anilist": 30, "mal": 30927}]
    assert run(directory, "add", "Nothing Like It") == 1


def test_bad_input_is_one_line_naming_what_and_the_fix(config, tmp_path, capsys):
    directory, _ = config
    assert run(directory, "import", "anilist", "nobody") == 1
    err = capsys.readouterr().err
    assert "User not found" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert run(directory, "import", "mal", str(tmp_path / "missing.xml")) == 1
    assert "missing.xml: file not found" in capsys.readouterr().err
    bad = tmp_path / "bad.xml"
    bad.write_text("<html><body>not an export</body></html>")
    assert run(directory, "import", "mal", str(bad)) == 1
    assert "not a MyAnimeList export" in capsys.readouterr().err
    assert run(directory, "import", "anilist", "fan", "--status", "WATCHING") == 1
    assert "--status: unknown list status WATCHING" in capsys.readouterr().err
    (directory / "radar.toml").write_text('[anilist]\nurl = "graphql.anilist.co"\n')
    assert run(directory, "import", "anilist", "fan") == 2
    assert "radar.toml: anilist.url" in capsys.readouterr().err
    (directory / "watchlist.toml").write_text("[[show]\n")
    (directory / "radar.toml").write_text("")
    assert run(directory, "list") == 2


def test_aliases_are_deduplicated_after_normalization_and_junk_is_noted():
    notes: list[str] = []
    kept = clean_aliases("Re:Zero", ["Re: ZERO", "re zero", "Love", "Re:Zero kara Hajimeru", "x", "リゼロ",
                                     "The Best"], "re-zero", notes)
    assert kept == ("Re:Zero kara Hajimeru", "リゼロ")
    assert notes == ["re-zero: alias 'Love' dropped: a single common word",
                     "re-zero: alias 'x' dropped: too short to name a show",
                     "re-zero: alias 'The Best' dropped: only common words"]
    assert junk("sao") is None and junk("oregairu") is None
    assert slug_of("Shingeki no Kyojin: The Final Season") == "shingeki-no-kyojin-the-final-season"
    assert slug_of("Kōkaku Kidōtai") == "kokaku-kidotai" and slug_of("進撃の巨人") == ""
    entry = entry_of_media(entry_media := _japanese_only(), [])
    assert entry.slug == f"anilist-{entry_media.id}" and entry.title == "進撃の巨人"


def _japanese_only():
    from radar.app.anilist import Media

    return Media(16498, None, None, None, "進撃の巨人")


def test_merge_of_nothing_leaves_a_missing_file_missing(tmp_path):
    result = merge(tmp_path / "watchlist.toml", [])
    assert not result.changed
    result.write()
    assert not (tmp_path / "watchlist.toml").exists()
