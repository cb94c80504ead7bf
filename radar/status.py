"""Folds what an article claims into a show's status: pure rules, no I/O.

Rules (see CONTRACT.md "Status and events"):
- `community` sources can only make a show `rumored`; a rumour only moves a show from `none`.
- A claim that would raise the status applies whatever its date; one that would lower it, or change
  the release, applies only when its article is newer than the one behind the current status, so a
  late-arriving old article never moves a show backwards.
- The same status and release again is corroboration: evidence, no event.
- A changed release of a dated show is `delayed` when later, `dated` when earlier.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from radar.models import CONFIRMING_TRUST, Claim

RANK = {"none": 0, "rumored": 1, "announced": 2, "dated": 3, "premiered": 4, "cancelled": 5}
_CLAIM_STATUS = {"rumor": "rumored", "announced": "announced", "dated": "dated", "delayed": "dated",
                 "premiered": "premiered", "cancelled": "cancelled"}


@dataclass(frozen=True)
class ShowState:
    """A show's stored status and the publication time of the article behind it."""

    status: str = "none"
    release: str | None = None
    as_of: datetime | None = None


@dataclass(frozen=True)
class Outcome:
    """What a claim does: a new state and an event, evidence for the current state, or nothing."""

    state: ShowState
    event: str | None  # announced | dated | delayed | premiered | cancelled | rumor; None: no change
    corroborates: bool  # the article is evidence for the (new or unchanged) status



def fold(state: ShowState, claim: Claim, trust: str, published: datetime | None) -> Outcome:
    """Apply one claim from one article to a show's state."""
    event = claim.event if trust in CONFIRMING_TRUST else "rumor"
    if event not in _CLAIM_STATUS:
        return Outcome(state, None, False)
    if event == "rumor":
        if state.status == "none":
            return Outcome(ShowState("rumored", None, published), "rumor", True)
        return Outcome(state, None, state.status == "rumored")

    newer = _is_newer(published, state.as_of)
    if event == "delayed":
        return _delay(state, claim.release, published, newer)
    target = _CLAIM_STATUS[event]
    release = claim.release if target in ("dated", "premiered") else None
    if target == state.status:
        if release is None or release == state.release:
            return Outcome(_touch(state, published), None, True)
        if not newer:
            return Outcome(state, None, False)
        kind = "delayed" if target == "dated" and _later(release, state.release) else event
        return Outcome(ShowState(target, release, published), kind, True)
    if RANK[target] > RANK[state.status]:
        return Outcome(ShowState(target, release, published or state.as_of), event, True)
    if state.status in ("premiered", "cancelled") and target in ("announced", "dated") and newer:
        return Outcome(ShowState(target, release, published), event, True)  # the next season
    return Outcome(state, None, False)


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


def _later(new: str | None, old: str | None) -> bool:
    """Whether release `new` falls after `old`, comparing only the precision both share."""
    if not new or not old:
        return False
    width = min(len(new), len(old))
    return new[:width] > old[:width]
