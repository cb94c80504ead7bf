"""What an article says about each watched show it names: announced, dated, delayed, premiered,
cancelled, a rumour — or nothing, when it is about something else.

The pipeline for one article: fold title and summary (`radar.domain.normalize`), find show mentions
(`radar.detect.matching`), drop passing mentions ("the studio behind X"), scan each rule family once
(`radar.detect.rules`) and the release dates (`radar.detect.releases`), then judge each show on the sentences
and clauses it owns. Hedges count over a show's whole sentence, negatives and verbs per clause.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from radar.detect import segments as seg
from radar.detect.installment import RANK, find_installments, sequel_number
from radar.detect.matching import Matcher, Mention
from radar.detect.releases import Release, find_releases, is_future, release_key
from radar.detect.rules import RuleSet, ruleset
from radar.detect.segments import Part, Span
from radar.domain.display import SUMMARY_LIMIT, TITLE_LIMIT, cut
from radar.domain.models import Article, Claim, Show
from radar.domain.normalize import Folded, fold, has_cjk, is_latin_word_char

log = logging.getLogger(__name__)

__all__ = ["Classifier"]


PRIORITY = {"announced": 1, "dated": 2, "premiered": 3, "delayed": 4, "cancelled": 5}

# "X Anime …" with no sequel word names the anime of X: its first adaptation (ANN, Natalie: アニメ「X」).
_ADAPTATION = re.compile(r"(?:'s)?['\"]? (?:tv |television )?anime(?:'s)?\b(?! (?:series|franchise))")
_ADAPTATION_JA = re.compile(r"(?:tv)?アニメ\s*\"?$")
_THEATRICAL = re.compile(r"\s*(?:より|から)?\s*(?:全国)?(?:公開|上映|ロードショー)"
                         r"|,? in (?:theaters|theatres|cinemas)")
# A date naming a visual or a poster, not a release: 「4月ビジュアル公開」, 「今月のビジュアル」.
_LABEL_DATE = re.compile(r"\s*(?:の)?(?:ビジュアル|pv|ポスター|イラスト|カレンダー|壁紙)")
@dataclass
class _Verdict:
    event: str | None = None
    release: str | None = None
    hedged: bool = False
    negative: bool = False
    topical: bool = False
    phrase: str = ""
    in_title: bool = False
    installment: str | None = None
    implied: str | None = None


class Classifier:
    """Classifies articles for one watchlist; the watchlist is compiled once."""

    def __init__(self, shows: Sequence[Show]) -> None:
        """Compile the watchlist's names and load the rules."""
        self.matcher = Matcher(shows)
        self.shows = {s.id: s for s in shows}
        self._rules = {lang: ruleset(lang) for lang in ("en", "ja")}

    def classify(self, article: Article) -> list[Claim]:
        """Claims of this article, one per show it reports renewal news (or a rumour) about."""
        # what is worth reading: longer text is cut before any scan (every step below is bounded), at the
        # the limits of the text stored for people (radar.domain.display): the classifier reads what is kept
        title = fold(cut(article.title or "", TITLE_LIMIT))
        summary = fold(cut(article.summary or "", SUMMARY_LIMIT))
        t_mentions = self.matcher.find_folded(title)
        s_mentions = self.matcher.find_folded(summary)
        hint = article.show_hint
        if not t_mentions and not s_mentions and not hint:
            return []
        lang = article.lang or ""
        rules = self._rules["ja" if lang == "ja" or has_cjk(title.text + summary.text) else "en"]
        pub = article.published.date() if isinstance(article.published, datetime) else article.published
        parts = [self._scan(title, t_mentions, True, rules, pub),
                 self._scan(summary, s_mentions, False, rules, pub)]
        verdicts: dict[str, list[_Verdict]] = {}
        carry: str | None = hint
        for part in parts:
            if not part.folded.text:
                continue
            for show, ranges in self._ownership(part, carry, hint):
                verdicts.setdefault(show, []).append(self._judge(part, show, ranges, rules, pub))
            shows = {m.show_id for m in part.mentions}
            if part.is_title and len(shows) == 1:
                carry = shows.pop()
            elif part.is_title and shows:
                carry = hint
        claims = []
        for show, vs in verdicts.items():
            claim = _combine(show, vs)
            if claim:
                claims.append(claim)
        return claims

    # -- scanning -----------------------------------------------------------------------------

    def _scan(self, folded: Folded, mentions: list[Mention], is_title: bool, rules: RuleSet,
              pub: date | None) -> Part:
        low = _unglue(folded.low, mentions)
        masks = [(m.start, m.end) for m in mentions]
        raw = rules.scan(low)
        kept = [m for m in mentions if not _passing(low, m, raw)]
        part = Part(folded, is_title, kept, masks)
        part.hits = {f: [h for h in spans if not seg.overlaps(h[0], h[1], masks)] if masks else spans
                     for f, spans in raw.items() if spans}
        anchors = [s for s, _ in raw["date_anchor"]]
        part.releases = [r for r in find_releases(low, pub, anchors)
                         if not seg.overlaps(r.start, r.end, masks) and not _LABEL_DATE.match(low, r.end)]
        companies = raw.get("company", [])
        part.installments = [f for f in find_installments(low, japanese=rules.lang == "ja")
                             if not seg.overlaps(f.start, f.end, companies)]
        part.sentences = seg.sentences(part)
        if is_title:
            part.question = (any(ch == "?" and not seg.overlaps(i, i + 1, masks) for i, ch in enumerate(low))
                             or bool(rules.question.match(low) and not seg.overlaps(0, 1, masks)))
        return part

    # -- who owns which text ------------------------------------------------------------------

    def _ownership(self, part: Part, carry: str | None, hint: str | None) -> list[tuple[str, list[Span]]]:
        owned: dict[str, list[Span]] = {}
        for s, e in part.sentences:
            mentions = [m for m in part.mentions if s <= m.start < e]
            shows = list(dict.fromkeys(m.show_id for m in mentions))
            if not shows:
                if seg.overlaps(s, e, part.masks):
                    continue  # names a show only in passing
                owner = carry or hint
                if owner:
                    owned.setdefault(owner, []).append((s, e))
                continue
            if len(shows) == 1:
                owned.setdefault(shows[0], []).append((s, e))
                carry = shows[0]
                continue
            carry = None
            for show, span in seg.split_owners(part, s, e, mentions):
                owned.setdefault(show, []).append(span)
        return list(owned.items())

    # -- judging one show on its text ---------------------------------------------------------

    def _judge(self, part: Part, show: str, ranges: list[Span], rules: RuleSet,
               pub: date | None) -> _Verdict:
        has = lambda fam: any(part.has(fam, s, e) for s, e in ranges)  # noqa: E731
        low = part.folded.low
        mine = [m for m in part.mentions if m.show_id == show and any(s <= m.start < e for s, e in ranges)]
        suffixes = [found for m in mine
                    if (found := rules.sequel_suffix.match(low, m.end))]
        suffix = bool(suffixes)
        named = any(s <= f.start < e for f in part.installments for s, e in ranges)
        sequel = has("object") or suffix or named
        obj = sequel or has("adaptation_object")
        medium = obj or has("medium")
        verdict = _Verdict(in_title=part.is_title, hedged=has("hedge") or part.question)
        verdict.topical = obj or has("cancel") or has("delay")
        best_clause: Span | None = None
        deciding: Span | None = None
        own = [m for m in part.mentions if m.show_id == show]
        void = {(s, e) for s, e in ranges if _void(part, seg.sentence_of(part, s, e), own)}
        clauses = [(s, e, c) for s, e in ranges if (s, e) not in void for c in seg.clauses(part, s, e)]
        clean = [(s, e, c) for s, e, c in clauses
                 if not part.has("negative", *c) and not part.has("soft_negative", *c)]
        verdict.negative = len(clean) < len(clauses) or len(clauses) < sum(
            len(seg.clauses(part, s, e)) for s, e in ranges)
        scope_verb = any(part.has(f, *c) for _, _, c in clean for f in ("date_verb", "announce", "promo"))
        for s, e, (cs, ce) in clean:
            event, release = _clause_event(part, cs, ce, obj, medium, pub, scope_verb)
            if event and (verdict.event is None or PRIORITY[event] > PRIORITY[verdict.event]):
                verdict.event, verdict.release, best_clause, deciding = event, release, (s, e), (cs, ce)
        if verdict.event == "delayed" and verdict.release is None:  # 「放送を延期、2027年春に」
            verdict.release = next((r for _, _, c in clean if (r := _clause_event(
                part, *c, obj, medium, pub, True)[1])), None)
        span = best_clause or ranges[0]
        verdict.phrase = _phrase(part.folded.text, span)
        verdict.installment = _installment(part, ranges, deciding, [m.group(0) for m in suffixes])
        if verdict.installment is None and not sequel and any(
                _ADAPTATION.match(low, m.end) or _ADAPTATION_JA.search(low, max(0, m.start - 8), m.start)
                for m in mine):
            verdict.implied = "new series"
        if verdict.installment is None and deciding and any(
                deciding[0] <= r.start < deciding[1] and _THEATRICAL.match(low, r.end)
                for r in part.releases):
            verdict.implied = "film"  # 「来年2月公開」: a date that opens in theaters is a film's
        return verdict


_BEFORE_GAP = re.compile(
    r"(?:\s|the|a|an|hit|acclaimed|popular|anime|series|manga|tv|original|beloved|smash|[\"'])*")
_AFTER_GAP = re.compile(r"(?:\s|'s|'|\"|の|など|manga|anime|series|tv|original)*")


def _unglue(low: str, mentions: list[Mention]) -> str:
    """The text to scan, with a space where a name runs into the next word ("re:zeroseason 4"): the
    name's last letter is masked anyway, so rules see "season 4" as a word."""
    for m in mentions:
        if 0 < m.end < len(low) and is_latin_word_char(low[m.end - 1]) and is_latin_word_char(low[m.end]):
            low = low[:m.end - 1] + " " + low[m.end:]
    return low


def _passing(low: str, m: Mention, hits: dict[str, list[Span]]) -> bool:
    """A name in passing: "the studio behind X", "from the director of X", "X creator's manga"."""
    for _, e in hits.get("passing_before", ()):
        if e <= m.start and m.start - e <= 40 and _BEFORE_GAP.fullmatch(low, e, m.start):
            return True
    for s, _ in hits.get("passing_after", ()):
        if s >= m.end and s - m.end <= 16 and _AFTER_GAP.fullmatch(low, m.end, s):
            return True
    return False


def _void(part: Part, sentence: Span, own: list[Mention]) -> bool:
    """A sentence about something else for this show: a trap word where the sentence names its topic
    (its first clause, the clause naming the show, or the clause after a bare list of names: "X Anime
    Reveals English Dub Cast, April 17 Debut", 「ミュージカル「X」続編、2026年に上演」), or print news
    with no anime in it ("X Novels Get Side Story Series in 2026")."""
    s, e = sentence
    shared = False
    for i, (cs, ce) in enumerate(seg.clauses(part, s, e)):
        names = [m for m in part.mentions if cs <= m.start < ce]
        mine = any(m in own for m in names)
        if (mine or shared or (i == 0 and not names)) and part.has("negative", cs, ce):
            return True
        shared = (mine or shared) and seg.names_only(part, cs, ce)
    return part.has("print_medium", s, e) and not part.has("anime_word", s, e)


def _clause_event(part: Part, s: int, e: int, obj: bool, medium: bool, pub: date | None,
                  scope_verb: bool = False) -> tuple[str | None, str | None]:
    """The strongest event one clause states, with its release.

    A clause that is only a date ("… Premiere Date: December 5") takes the verb of its sentence.
    """
    if not medium:
        return None, None
    rels = [r for r in part.releases if s <= r.start < e]
    if part.has("cancel", s, e):
        return "cancelled", None
    if part.has("delay", s, e):
        later = [r.value for r in rels if is_future(r.value, pub)]
        return "delayed", max(later, key=release_key) if later else None
    now = part.has("premiere_now", s, e) or (part.has("now_word", s, e) and part.has("premiere_verb", s, e))
    tomorrow = [r for r in rels if not r.today and pub and r.value > pub.isoformat()]
    if (part.is_title or obj) and now and not tomorrow:  # 「いよいよ明日公開」: a date, not a premiere
        today = next((r.value for r in rels if r.today), None)
        return "premiered", today or (pub.isoformat() if pub else None)
    if (part.is_title or obj) and part.has("premiere_past", s, e):
        recent = [r.value for r in rels if len(r.value) == 10 and pub
                  and pub - timedelta(days=14) <= date.fromisoformat(r.value) <= pub + timedelta(days=1)]
        if recent:
            return "premiered", recent[0]
        if not rels and part.is_title:
            return "premiered", pub.isoformat() if pub else None
    dated = part.has("date_verb", s, e)
    future = [r for r in rels if is_future(r.value, pub) and not _old(part, r)]
    spans = sorted([(r.start, r.end) for r in rels] + [(f.start, f.end) for f in part.installments
                                                         if s <= f.start < e])
    bare = scope_verb and future and not seg.FILLER.sub("", seg.without(part.folded.low, s, e, spans))
    if future and (dated or bare or part.has("announce", s, e) or part.has("promo", s, e)):
        first = future[0]
        if first.today or (dated and pub and first.value == pub.isoformat()):
            return "premiered", first.value
        return "dated", first.value
    if obj and part.has("announce", s, e):
        return "announced", None
    return None, None


def _installment(part: Part, ranges: list[Span], best: Span | None, suffixes: list[str]) -> str | None:
    """The installment a show's claim is about: the one its deciding clause names, else the most
    telling one in its text (a number beats "final", a film, a special, a new series)."""
    inside = [f for f in part.installments if any(s <= f.start < e for s, e in ranges)]
    if best is not None:
        chosen = [f for f in inside if best[0] <= f.start < best[1]]
        inside = chosen or inside
    if inside:
        return min(inside, key=lambda f: RANK[f.kind]).label
    number = next((n for n in map(sequel_number, suffixes) if n and n > 1), None)
    return f"season {number}" if number else None


def _old(part: Part, r: Release) -> bool:
    """A date that no longer holds: "originally slated for October 2026", 「当初2026年秋に予定していた」."""
    since = max([o.end for o in part.releases if o.end <= r.start], default=0)  # the marker is this date's
    return (part.has("old_date", max(since, r.start - 25), r.start)
            or part.has("old_date_after", r.end, r.end + 6))


def _phrase(text: str, span: Span, limit: int = 200) -> str:
    snippet = text[span[0]:span[1]].strip()
    return snippet if len(snippet) <= limit else snippet[:limit - 1].rstrip() + "…"


def _combine(show: str, verdicts: list[_Verdict]) -> Claim | None:
    """One claim from a show's verdicts: the title rules, the strongest confirmed event wins."""
    title = [v for v in verdicts if v.in_title]
    if any(v.negative for v in title) and not any(v.event for v in title):
        return None  # the headline is about something else: a review, a box set, a stage play
    title_hedged = any(v.hedged for v in title)
    confirmed = [v for v in verdicts if v.event and not v.hedged]
    if confirmed and not title_hedged:
        best = max(confirmed, key=lambda v: PRIORITY[v.event or ""])  # first of the strongest
        release = best.release
        for v in confirmed:
            if v.event == best.event and v.release and (release is None or (
                    v.release.startswith(release) and len(v.release) > len(release))):
                release = v.release
        if best.event == "delayed" and release is None:  # "delayed; it will now open in October"
            dates = [v.release for v in confirmed if v.event == "dated" and v.release]
            release = max(dates, key=release_key) if dates else None  # a delay moves to the latest date
        installment = best.installment or next((v.installment for v in verdicts if v.installment), None)
        implied = None if installment else next((v.implied for v in confirmed if v.implied), None)
        return Claim(show, best.event or "", release, best.phrase, installment, implied)
    rumours = [v for v in verdicts if v.hedged and (v.topical or v.event)]
    if rumours:
        installment = next((v.installment for v in rumours if v.installment), None)
        return Claim(show, "rumor", None, rumours[0].phrase, installment)
    return None
