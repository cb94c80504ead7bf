"""The Installment value type: labels read and written, display forms, the order of a show's installments."""

import pytest

from radar.domain.installment import Installment, display, ordered


@pytest.mark.parametrize("label, kind, season, part, canonical", [
    ("season 3", "season", 3, None, "season 3"),
    ("Season  2 Part 2", "season", 2, 2, "season 2 part 2"),
    ("season 2 part 1", "season", 2, None, "season 2"),
    ("part 2", "part", None, 2, "part 2"),
    ("Final Season", "final season", None, None, "final season"),
    ("film", "film", None, None, "film"),
    ("special", "special", None, None, "special"),
    ("new series", "new series", None, None, "new series"),
])
def test_labels_parse_to_kind_and_numbers_and_back(label, kind, season, part, canonical):
    parsed = Installment.parse(label)
    assert (parsed.kind, parsed.season, parsed.part, parsed.label) == (kind, season, part, canonical)
    assert Installment.normalize(label) == canonical


@pytest.mark.parametrize("bad", ["season", "season 0", "season two", "movie", "part 0", "season 2 part 0",
                                 "s3"])
def test_anything_else_is_refused(bad):
    with pytest.raises(ValueError, match="not an installment label"):
        Installment.parse(bad)


def test_no_label_is_the_unnamed_installment():
    assert Installment.normalize(None) is None and Installment.normalize("  ") is None
    assert display(None) is None


@pytest.mark.parametrize("label, shown", [("season 3", "Season 3"), ("season 2 part 2", "Season 2 Part 2"),
                                          ("part 2", "Part 2"), ("final season", "Final Season"),
                                          ("film", "Film"), ("new series", "New Series")])
def test_display_form(label, shown):
    assert display(label) == shown


def test_the_tv_line_is_ordered_by_season_and_part():
    s2, s2p2, s3, final = (Installment.parse(x)
                           for x in ("season 2", "season 2 part 2", "season 3", "final season"))
    assert s2.line_key < s2p2.line_key < s3.line_key < final.line_key
    assert Installment.parse("film").line_key is None


def test_ordered_keeps_the_tv_line_in_season_order_and_the_rest_as_first_seen():
    seen = [("season 3", 0), ("film", 1), (None, 2), ("season 2", 3), ("final season", 4), ("special", 5),
            ("season 2 part 2", 6)]
    result = [label for label, _ in ordered(seen, lambda x: x[0], lambda x: x[1])]
    assert result == ["season 2", "film", None, "season 2 part 2", "season 3", "special", "final season"]
    assert ordered([], lambda x: x, lambda x: 0) == []
