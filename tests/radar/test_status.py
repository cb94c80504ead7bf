"""Status folding: trust, ordering, corroboration, delays, installments — pure rules, no I/O."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from radar.domain.models import Claim
from radar.domain.status import ShowState, Slot, apply, fold_claim, fold_show, row

JAN = datetime(2026, 1, 10, tzinfo=UTC)
FEB = datetime(2026, 2, 10, tzinfo=UTC)
MAR = datetime(2026, 3, 10, tzinfo=UTC)


def claim(event: str, release: str | None = None) -> Claim:
    return Claim("show", event, release, "phrase")


def test_announcement_from_news_moves_none_to_announced():
    out = fold_claim(ShowState(), claim("announced"), "news", JAN)
    assert (out.state.status, out.event, out.corroborates) == ("announced", "announced", True)


def test_community_source_can_only_make_a_show_rumored():
    out = fold_claim(ShowState(), claim("dated", "2026-10"), "community", JAN)
    assert (out.state.status, out.state.release, out.event) == ("rumored", None, "rumor")
    again = fold_claim(ShowState("announced", None, JAN), claim("announced"), "community", FEB)
    assert again.event is None and again.state.status == "announced"


def test_rumor_never_lowers_or_repeats():
    assert fold_claim(ShowState("rumored", None, JAN), claim("rumor"), "news", FEB).event is None
    assert fold_claim(ShowState("dated", "2026-10", JAN), claim("rumor"), "news", FEB).state.status == "dated"


def test_same_news_from_second_source_is_evidence_only():
    dated = ShowState("dated", "2026-10", JAN)
    out = fold_claim(dated, claim("dated", "2026-10"), "official", FEB)
    assert out.event is None and out.corroborates and out.state.status == "dated"


def test_older_article_arriving_late_never_moves_backwards():
    dated = ShowState("dated", "2026-10", FEB)
    assert fold_claim(dated, claim("announced"), "news", JAN).state == dated
    assert fold_claim(dated, claim("dated", "2026-07"), "news", JAN).event is None


def test_newer_announcement_does_not_undate_a_dated_show():
    dated = ShowState("dated", "2026-10", JAN)
    out = fold_claim(dated, claim("announced"), "news", MAR)
    assert out.state.status == "dated" and out.event is None


@pytest.mark.parametrize("new, kind", [("2027-01", "delayed"), ("2026-07", "dated")])
def test_changed_release_is_delayed_when_later_dated_when_earlier(new, kind):
    out = fold_claim(ShowState("dated", "2026-10", JAN), claim("dated", new), "news", FEB)
    assert (out.state.release, out.event) == (new, kind)


def test_more_precise_release_in_same_month_is_not_a_delay():
    out = fold_claim(ShowState("dated", "2026-10", JAN), claim("dated", "2026-10-05"), "news", FEB)
    assert (out.state.release, out.event) == ("2026-10-05", "dated")


def test_delay_without_new_date_returns_to_announced():
    out = fold_claim(ShowState("dated", "2026-10", JAN), claim("delayed"), "official", FEB)
    assert (out.state.status, out.state.release, out.event) == ("announced", None, "delayed")


def test_delay_with_new_date():
    out = fold_claim(ShowState("dated", "2026-10", JAN), claim("delayed", "2027"), "official", FEB)
    assert (out.state.status, out.state.release, out.event) == ("dated", "2027", "delayed")


def test_premiere_then_next_season_announced():
    premiered = ShowState("premiered", "2026-01-05", JAN)
    assert fold_claim(premiered, claim("announced"), "news", datetime(2025, 12, 1, tzinfo=UTC)).event is None
    out = fold_claim(premiered, claim("announced"), "news", MAR)
    assert (out.state.status, out.event) == ("announced", "announced")


def test_cancellation():
    out = fold_claim(ShowState("announced", None, JAN), claim("cancelled"), "news", FEB)
    assert (out.state.status, out.event) == ("cancelled", "cancelled")


# --- installments: the table of claim sequences (status_cases.jsonl) through the pure show fold -------

CASES = [json.loads(line)
         for line in (Path(__file__).parent / "status_cases.jsonl").read_text("utf-8").splitlines()
         if line.strip()]


def _at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


def run_case(steps: list[dict]) -> tuple[list[dict], tuple[Slot, ...]]:
    """Fold each step's claim into the show's installments; the events produced, and the end state."""
    slots: tuple[Slot, ...] = ()
    seen = []
    for index, step in enumerate(steps):
        change = fold_show(slots, Claim("show", step["event"], step.get("release"), "phrase",
                                        installment=step.get("installment"), implied=step.get("implied")),
                           step["trust"], _at(step["published"]))
        if change.event is not None:
            seen.append({"step": index, "event": change.event, "installment": change.slot.installment,
                         "status": change.slot.state.status, "release": change.slot.state.release})
        slots = apply(slots, change)
    return seen, slots


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_status_rules_table(case):
    seen, slots = run_case(case["steps"])
    assert seen == case["expect"]
    if "final" in case:
        assert {s.installment or "": [s.state.status, s.state.release] for s in slots} == case["final"]


def test_the_table_covers_every_claim_kind_and_trust():
    steps = [s for c in CASES for s in c["steps"]]
    assert {s["event"] for s in steps} == {"announced", "dated", "delayed", "premiered", "cancelled", "rumor"}
    assert {s["trust"] for s in steps} == {"official", "news", "community"}
    assert {s["installment"] for s in steps} >= {None, "season 2", "season 2 part 2", "final season", "film",
                                                  "special", "new series"}
    assert len({c["name"] for c in CASES}) == len(CASES)


def test_an_unknown_label_is_no_installment():
    change = fold_show((), Claim("show", "announced", installment="season two-ish"), "news", JAN)
    assert (change.slot.installment, change.event) == (None, "announced")


def test_the_row_of_a_show_is_its_open_installment_else_its_newest():
    premiered = Slot("season 2", ShowState("premiered", "2026-04-05", JAN), 0)
    film = Slot("film", ShowState("dated", "2026-09", FEB), 1)
    assert row([premiered, film]) == film
    assert row([premiered]) == premiered
    assert row([]) is None
