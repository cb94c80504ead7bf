"""Folds what an article claims into the status of a show's installments: pure rules, no I/O.

A show has installments (a season, a part, a film…; see `radar.domain.installment`), each with its
own status. `fold_show` picks the installment a claim is about and folds the claim into it with
`fold_claim`; both are pure.

Rules of one installment (see CONTRACT.md "Status and events"):
- `community` sources can only make an installment `rumored`; a rumour only moves one from `none`.
- A claim that would raise the status applies whatever its date; one that would lower it, or change
  the release, applies only when its article is newer than the one behind the current status, so a
  late-arriving old article never moves an installment backwards.
- The same status and release again, or a coarser release ("2026-10" after "2026-10-05"), is
  corroboration: evidence, no event. A finer one ("2026-10-05" after "2026-10") is one `dated` event.
- A changed release of a dated installment is `delayed` when later, `dated` when earlier.
- A premiered installment is premiered once: another premiere claim is corroboration.

Which installment (`fold_show`): the one the claim names; a claim naming none belongs to the open
installment (announced, or dated and its release not past when the article was written; rumored
when nothing better) — the one whose
release agrees with the claim's when there is one, else the first — else the newest;
a show without installments gets the one the claim implies (`Claim.implied`: "X Anime Reveals
October Debut" is a first adaptation, a new series), else an unnamed one (None). When a claim names an
installment the show does not have yet and the unnamed one is the only one open, the unnamed one takes
that name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from radar.domain.installment import Installment, ordered
from radar.domain.models import CONFIRMING_TRUST, Claim

RANK = {"none": 0, "rumored": 1, "announced": 2, "dated": 3, "premiered": 4, "cancelled": 5}
OPEN = ("announced", "dated")
_CLAIM_STATUS = {"rumor": "rumored", "announced": "announced", "dated": "dated", "delayed": "dated",
                 "premiered": "premiered", "cancelled": "cancelled"}


@dataclass(frozen=True)
class ShowState:
    """One installment's stored status and the publication time of the article behind it."""

    status: str = "none"
    release: str | None = None
    as_of: datetime | None = None


@dataclass(frozen=True)
class Outcome:
    """What a claim does: a new state and an event, evidence for the current state, or nothing."""

    state: ShowState
    event: str | None  # announced | dated | delayed | premiered | cancelled | rumor; None: no change
    corroborates: bool  # the article is evidence for the (new or unchanged) status


@dataclass(frozen=True)
class Slot:
    """One installment of a show: its label (None: unnamed), its state, and when it was first seen."""

    installment: str | None
    state: ShowState
    seq: int = 0  # first seen: smaller is earlier, unique within a show


@dataclass(frozen=True)
class Change:
    """What a claim does to a show: the installment after it, as it was before, event, evidence."""

    slot: Slot
    before: Slot | None  # None: the claim is about an installment the show did not have
    event: str | None
    corroborates: bool

    @property
    def adopted(self) -> bool:
        """The unnamed installment took the label the claim names."""
        return (self.before is not None and self.before.installment is None
                and self.slot.installment is not None)

    @property
    def previous(self) -> ShowState:
        return self.before.state if self.before else ShowState()


def fold_claim(state: ShowState, claim: Claim, trust: str, published: datetime | None, *,
               rollover: bool = True) -> Outcome:
    """Apply one claim from one article to one installment's state.

    `rollover`: a newer announcement or date after a premiere or cancellation starts the installment
    over (the unnamed installment standing for "the next one"); a named installment never goes back.
    """
    event = claim.event if trust in CONFIRMING_TRUST else "rumor"
    if event not in _CLAIM_STATUS:
        return Outcome(state, None, False)
    if event == "rumor":
        if state.status == "none":
            return Outcome(ShowState("rumored", None, published), "rumor", True)
        return Outcome(state, None, state.status == "rumored")

    newer = _is_newer(published, state.as_of)
    current = newer or published == state.as_of  # as new as what stands: the same day's other news
    if event == "delayed":
        return _delay(state, claim.release, published, current)
    target = _CLAIM_STATUS[event]
    release = claim.release if target in ("dated", "premiered") else None
    if target == state.status:
        return _again(state, release, published, current)
    if RANK[target] > RANK[state.status]:
        return Outcome(ShowState(target, release, published or state.as_of), event, True)
    if rollover and state.status in ("premiered", "cancelled") and target in OPEN and newer:
        return Outcome(ShowState(target, release, published), event, True)  # the next season
    return Outcome(state, None, False)


def _again(state: ShowState, release: str | None, published: datetime | None, newer: bool) -> Outcome:
    """A claim of the status the installment has: corroboration, a finer date, or a changed one."""
    if release is None or release == state.release or _coarser(release, state.release):
        return Outcome(_touch(state, published), None, True)
    if state.status != "dated":  # premiered once; a finer premiere date is kept without a second alert
        if _coarser(state.release, release):
            return Outcome(replace(_touch(state, published), release=release), None, True)
        return Outcome(_touch(state, published), None, True)
    if _coarser(state.release, release):  # "2026-10-05" after "2026-10": more precise, whenever written
        return Outcome(ShowState("dated", release, max(filter(None, (published, state.as_of)), default=None)),
                       "dated", True)
    if not newer:
        return Outcome(state, None, False)
    kind = "delayed" if _later(release, state.release) else "dated"
    return Outcome(ShowState("dated", release, published), kind, True)


def _delay(state: ShowState, release: str | None, published: datetime | None, newer: bool) -> Outcome:
    """A postponement: later release when given, else back to announced with no date."""
    if state.status not in ("none", "rumored", "announced", "dated"):
        return Outcome(state, None, False)
    if state.status in ("announced", "dated") and not newer:
        return Outcome(state, None, False)
    if release and release == state.release:
        return Outcome(_touch(state, published), None, True)
    if state.status in ("none", "rumored"):
        kind = "dated" if release else "announced"
        return Outcome(ShowState("dated" if release else "announced", release, published), kind, True)
    if not release and state.status == "announced" and state.release is None:
        return Outcome(_touch(state, published), None, True)
    return Outcome(ShowState("dated" if release else "announced", release, published), "delayed", True)


def fold_show(slots: Sequence[Slot], claim: Claim, trust: str, published: datetime | None) -> Change:
    """Apply one claim to a show's installments: which one it is about, and what it does there."""
    label = _label(claim.installment)
    if label is None and not slots:  # what the text implies ("X Anime": a first adaptation) names a first one
        label = _label(claim.implied)
    if label is not None:
        return _fold_named(slots, label, claim, trust, published)
    target = _unnamed_target(slots, claim, trust, published)
    if target is None:
        outcome = fold_claim(ShowState(), claim, trust, published)
        return Change(Slot(None, outcome.state, _next_seq(slots)), None, outcome.event, outcome.corroborates)
    outcome = fold_claim(target.state, claim, trust, published, rollover=target.installment is None)
    return Change(replace(target, state=outcome.state), target, outcome.event, outcome.corroborates)


def _fold_named(slots: Sequence[Slot], label: str, claim: Claim, trust: str,
                published: datetime | None) -> Change:
    for slot in slots:
        if slot.installment == label:
            outcome = fold_claim(slot.state, claim, trust, published, rollover=False)
            return Change(replace(slot, state=outcome.state), slot, outcome.event, outcome.corroborates)
    opened = _open(slots, published)
    if len(opened) == 1 and opened[0].installment is None:  # "sequel announced", then "Season 2 dated"
        unnamed = opened[0]
        outcome = fold_claim(unnamed.state, claim, trust, published, rollover=False)
        if outcome.event is not None or outcome.corroborates:
            return Change(Slot(label, outcome.state, unnamed.seq), unnamed, outcome.event,
                          outcome.corroborates)
    outcome = fold_claim(ShowState(), claim, trust, published)
    return Change(Slot(label, outcome.state, _next_seq(slots)), None, outcome.event, outcome.corroborates)


def _unnamed_target(slots: Sequence[Slot], claim: Claim, trust: str,
                    published: datetime | None) -> Slot | None:
    """The installment a claim naming none is about; None: a new unnamed one."""
    opened = _open(slots, published)
    if claim.release:  # a release one of them has says which: open ones first
        release = claim.release
        matching = [s for s in (*opened, *in_order(slots))
                    if s.state.release and _compatible(release, s.state.release)]
        if matching:
            return matching[0]
    if opened:
        return opened[0]
    if not slots:
        return None
    newest = in_order(slots)[-1]
    event = claim.event if trust in CONFIRMING_TRUST else "rumor"
    done = newest.state.status in ("premiered", "cancelled") or _aired(newest.state, published)
    if done and event in ("announced", "dated") and _is_newer(published, newest.state.as_of):
        return next((s for s in slots if s.installment is None), None)  # news of the next one
    return newest


def in_order(slots: Sequence[Slot]) -> list[Slot]:
    """A show's installments from the first to the newest."""
    return ordered(slots, lambda s: s.installment, lambda s: s.seq)


def _open(slots: Sequence[Slot], published: datetime | None = None) -> list[Slot]:
    """The open installments in order: announced, or dated and not aired by `published`; else rumored."""
    ranked = in_order(slots)
    opened = [s for s in ranked if s.state.status in OPEN and not _aired(s.state, published)]
    return opened or [s for s in ranked if s.state.status == "rumored"]


def _aired(state: ShowState, published: datetime | None) -> bool:
    """A dated installment whose release is over when the article is written ("2025-04" in July 2025):
    it has premiered, though no article said so."""
    if state.status != "dated" or not state.release or published is None:
        return False
    return state.release < published.date().isoformat()[:len(state.release)]


def row(slots: Sequence[Slot]) -> Slot | None:
    """The installment a show's row in `status` shows: its open one, else its newest."""
    ranked = in_order(slots)
    opened = [s for s in ranked if s.state.status in OPEN]
    return opened[0] if opened else (ranked[-1] if ranked else None)


def apply(slots: Sequence[Slot], change: Change) -> tuple[Slot, ...]:
    """The show's installments after a change."""
    if change.before is None:
        if change.slot.state == ShowState():
            return tuple(slots)
        return (*slots, change.slot)
    return tuple(change.slot if s.installment == change.before.installment else s for s in slots)


def _label(value: str | None) -> str | None:
    try:
        return Installment.normalize(value)
    except ValueError:  # not one of the canonical labels: the claim names no installment we know
        return None


def _next_seq(slots: Sequence[Slot]) -> int:
    return max((s.seq for s in slots), default=-1) + 1


def _is_newer(published: datetime | None, as_of: datetime | None) -> bool:
    if as_of is None:
        return True
    if published is None:
        return False
    return published > as_of


def _touch(state: ShowState, published: datetime | None) -> ShowState:
    if published and (state.as_of is None or published > state.as_of):
        return replace(state, as_of=published)
    return state


def _coarser(new: str | None, old: str | None) -> bool:
    """`new` says less than `old` and agrees with it: "2026-10" against "2026-10-05"."""
    return bool(new and old and len(new) < len(old) and old.startswith(new))


def _compatible(a: str, b: str) -> bool:
    return a.startswith(b) or b.startswith(a)


def _later(new: str | None, old: str | None) -> bool:
    """Whether release `new` falls after `old`, comparing only the precision both share."""
    if not new or not old:
        return False
    width = min(len(new), len(old))
    return new[:width] > old[:width]
