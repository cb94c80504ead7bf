"""Show matching: whole words, longest match, normalized names, cost independent of list size."""

from __future__ import annotations

import pytest

from radar.detect.matching import Matcher
from radar.domain.models import Show
from radar.domain.normalize import fold, name_key, normalize

SHOWS = [
    Show("one-piece", "One Piece", ("ワンピース",)),
    Show("one-punch-man", "One-Punch Man", ("ワンパンマン",)),
    Show("princess-principal", "Princess Principal", ("プリンセス・プリンシパル",)),
    Show("re-creators", "Re:Creators", ()),
    Show("mushoku", "Mushoku Tensei: Jobless Reincarnation", ("無職転生",)),
    Show("spy-family", "Spy×Family", ()),
    Show("bocchi", "Bocchi the Rock!", ()),
    Show("dororo", "Dororo", ("どろろ",)),
    Show("dorohedoro", "Dorohedoro", ()),
    Show("demon-slayer", "Demon Slayer: Kimetsu no Yaiba", ("Demon Slayer",)),
    Show("given", "Given", ()),
    Show("gundam-a", "Mobile Suit Gundam: Iron Orphans", ()),
    Show("gundam-b", "Mobile Suit Gundam: Star Witch", ()),
    Show("cyber", "Cyberpunk: Edgerunners", ("Edgerunners",)),
]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(SHOWS)


def ids(matcher: Matcher, text: str) -> list[str]:
    return [m.show_id for m in matcher.find(text)]


@pytest.mark.parametrize("text, expected", [
    ("One Piece anime gets new arc", ["one-piece"]),
    ("One-Punch Man Season 3 Premieres", ["one-punch-man"]),
    ("One-Punch Man and One Piece", ["one-punch-man", "one-piece"]),
    ("ONE PIECE Film Red", ["one-piece"]),
    ("Princess Connect! Re:Dive Season 3", []),  # shares a word with Princess Principal, not the name
    ("Princess Principal: Crown Handler", ["princess-principal"]),
    ("Re:Creators sequel", ["re-creators"]),
    ("Re: Creators sequel", ["re-creators"]),  # punctuation and spacing do not matter
    ("Mushoku Tensei Season 3", ["mushoku"]),  # the part before the colon subtitle
    ("Mushoku Tensei: Jobless Reincarnation", ["mushoku"]),
    ("Spy x Family Season 3", ["spy-family"]),
    ("SPY×FAMILY Season 3", ["spy-family"]),
    ("Spy×Family Season 3", ["spy-family"]),
    ("Bocchi the Rock! gets a film", ["bocchi"]),
    ("Dorohedoro Season 2", ["dorohedoro"]),  # never Dororo inside Dorohedoro
    ("Dororo stage play", ["dororo"]),
    ("Demon Slayer: Kimetsu no Yaiba film", ["demon-slayer"]),  # the longer title wins over its alias
    ("Mobile Suit Gundam GQuuuuuuX", []),  # a head shared by two shows names neither
    ("Cyberpunk 2077 sequel announced", []),  # a one-word generic head is not a name
    ("『無職転生』第3期", ["mushoku"]),  # CJK: a substring is enough
    ("『ワンピース』と『ワンパンマン』", ["one-piece", "one-punch-man"]),
    ("given the news, fans rejoiced", []),  # a capitalised one-word name written in lower case
    ("Given Season 2 film announced", ["given"]),
    ("Pinocchio Piece", []),
])
def test_find(matcher: Matcher, text: str, expected: list[str]) -> None:
    assert ids(matcher, text) == expected


def test_spans_index_the_display_form(matcher: Matcher) -> None:
    text = "Fans of  Re: Creators and 『ワンピース』"
    display = fold(text).text
    found = {m.show_id: display[m.start:m.end] for m in matcher.find(text)}
    assert found == {"re-creators": "Re: Creators", "one-piece": "ワンピース"}


def test_longest_match_preferred() -> None:
    matcher = Matcher([Show("short", "Saga", ()), Show("long", "Vinland Saga", ())])
    assert ids(matcher, "Vinland Saga Season 3") == ["long"]
    assert ids(matcher, "Saga Season 3") == ["short"]


def test_trailing_punctuation_is_part_of_the_name() -> None:
    show = Show("danmachi", "Is It Wrong to Try to Pick Up Girls in a Dungeon?", ())
    text = "Is It Wrong to Try to Pick Up Girls in a Dungeon? V Premieres"
    [m] = Matcher([show]).find(text)
    assert fold(text).text[m.end - 1] == "?"


def test_same_mentions_at_any_watchlist_size() -> None:
    filler = [Show(f"f{i}", f"Filler Quartz Saga {i:05d}", (f"フィラー{i}",)) for i in range(10_000)]
    small, big = Matcher(SHOWS), Matcher(SHOWS + filler)
    text = "One-Punch Man Season 3 and Dorohedoro Season 2 dated; Filler Quartz Saga 00042 too"
    assert [m.show_id for m in small.find(text)] == ["one-punch-man", "dorohedoro"]
    assert [m.show_id for m in big.find(text)] == ["one-punch-man", "dorohedoro", "f42"]


def test_empty_matcher() -> None:
    assert Matcher([]).find("One Piece") == []


@pytest.mark.parametrize("raw, expected", [
    ("『呪われた』「城」", '"呪われた""城"'),
    ("Ａｎｉｍｅ　２期", "anime 2期"),
    ("He said “hi” — ok", 'he said "hi" - ok'),
    ("Spy×Family", "spyxfamily"),
    ("  many \t spaces\n", "many spaces"),
])
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_name_key_drops_punctuation() -> None:
    assert name_key("Re:Zero − Starting Life") == name_key("re zero starting life") == "re zero starting life"
    assert name_key("Carole & Tuesday") == "carole tuesday"
