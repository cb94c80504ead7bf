"""Throughput of the announcement classifier against watchlists of 10, 1,000 and 10,000 shows.

    .venv/bin/python bench/bench_classify.py [--items 4000] [--repeat 5]

Every watchlist holds the same ten "core" shows plus generated filler titles, and the items name
core shows, unwatched titles or nothing, so the work per item is the same at every size: what
changes is only the size of the compiled watchlist. Targets: ≥ 5,000 items/s at 1,000 shows and a
per-item cost ratio (10,000 vs 10 shows) ≤ 1.5.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from radar.detect.classify import Classifier
from radar.domain.models import Article, Show

CORE = [
    ("ashen-lantern", "The Ashen Lantern", ("灰のランタン",)),
    ("moonlit-forge", "Moonlit Forge: Saga of Embers", ("Moonlit Forge", "月光の鍛冶場")),
    ("star-courier", "Star Courier Rin", ("スタークーリエ",)),
    ("iron-hanami", "Iron Hanami", ("鉄の花見",)),
    ("tidal-academy", "Tidal Academy", ("潮騒学園",)),
    ("glass-ronin", "Glass Ronin", ("ガラスの浪人",)),
    ("cafe-mirage", "Café Mirage", ("カフェミラージュ",)),
    ("nova-drift", "Nova Drift", ("ノヴァドリフト",)),
    ("paper-dragon", "Paper Dragon Express", ("紙竜特急",)),
    ("last-orbit", "The Last Orbit", ("ラストオービット",)),
]
UNWATCHED = ["Quill Meridian", "Basalt Owl", "Juniper Static", "Obsidian Parade", "Cobalt Lullaby"]

_ADJ = ("Silver Crimson Hidden Eternal Broken Azure Quiet Wandering Frozen Golden Lonely Savage Tiny "
        "Endless Scarlet Velvet Hollow Radiant Shattered Midnight Electric Gentle Burning Sleepy").split()
_NOUN = ("Blade Garden Witch Academy Knight Circus Shrine Frontier Railway Idol Detective Chef Dragon "
         "Kingdom Melody Orchard Engine Lighthouse Archive Phantom Tavern Comet Mirror Harbor Wolf").split()
_TAIL = ("Chronicle Diaries Requiem Odyssey Rhapsody Protocol Saga Tales Records Overture").split()
_KANA = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモラリルレロ"

EN_TEMPLATES = [
    ("{t} Anime Gets 2nd Season",
     "The official website for the {t} anime announced a second season on Friday."),
    ("{t} Season 2 Premieres in January 2026",
     "The second season of {t} will premiere in January 2026 on TV Tokyo."),
    ("{t} Film Delayed to 2026", "The {t} film has been postponed from its planned 2025 release to 2026."),
    ("{t} Season 3 Premieres Today", "The third season of {t} premieres today and streams on Crunchyroll."),
    ("{t} Season 2 Episode 7 Review", "Episode 7 of {t} season 2 takes a darker turn as the arc continues."),
    ("{t} Season 2: Everything We Know",
     "There is no official news about {t} season 2 yet, but fans are hopeful."),
    ("Studio Behind {t} Announces New Original Anime",
     "The studio behind {t} revealed a new anime for 2026."),
    ("{t} Blu-ray Box Set Ships in May", "The complete {t} Blu-ray box set ships on May 1 with a booklet."),
    ("Weekly Ranking: Top Manga Sales",
     "This week's manga sales chart was topped by a new volume of a fantasy series."),
    ("Crunchyroll Reveals Spring Lineup",
     "Crunchyroll announced its spring simulcast lineup with more than 40 titles."),
]
JA_TEMPLATES = [
    ("『{t}』第2期制作決定", "TVアニメ『{t}』第2期の制作が決定し、ティザービジュアルが公開された。"),
    ("『{t}』第3期 2027年1月より放送開始",
     "TVアニメ『{t}』第3期が2027年1月より放送開始されることが決定した。"),
    ("『{t}』放送延期のお知らせ",
     "TVアニメ『{t}』第2期の放送を延期いたします。新たな放送時期は決まり次第お知らせします。"),
    ("『{t}』原画展 開催決定", "『{t}』の原画展が東京で開催されることが決定した。"),
]


def synthetic_shows(n: int, rng: random.Random) -> list[Show]:
    """The ten core shows plus generated filler titles up to n shows."""
    shows = [Show(i, t, a) for i, t, a in CORE][:n]
    seen = {s.title for s in shows} | set(UNWATCHED)
    while len(shows) < n:
        form = rng.randrange(3)
        if form == 0:
            title = f"{rng.choice(_ADJ)} {rng.choice(_NOUN)}"
        elif form == 1:
            title = f"The {rng.choice(_NOUN)} of the {rng.choice(_ADJ)} {rng.choice(_NOUN)}"
        else:
            title = f"{rng.choice(_ADJ)} {rng.choice(_NOUN)}: {rng.choice(_NOUN)} {rng.choice(_TAIL)}"
        if title in seen:
            title = f"{title} {rng.randrange(2, 99)}"
            if title in seen:
                continue
        seen.add(title)
        kana = "".join(rng.choice(_KANA) for _ in range(rng.randrange(4, 9)))
        shows.append(Show(f"show-{len(shows)}", title, (kana,)))
    return shows


def synthetic_items(n: int, rng: random.Random) -> list[Article]:
    """News items: 60% name a core show, 25% an unwatched title, 15% no show at all."""
    items = []
    published = datetime(2025, 6, 1)
    for k in range(n):
        roll = rng.random()
        if roll < 0.6:
            _, title, aliases = rng.choice(CORE)
        else:
            title, aliases = rng.choice(UNWATCHED), ()
        if aliases and rng.random() < 0.3:
            head, body = rng.choice(JA_TEMPLATES)
            name, lang = aliases[-1], "ja"
        else:
            head, body = rng.choice(EN_TEMPLATES[:-2] if roll < 0.85 else EN_TEMPLATES[-2:])
            name, lang = title, "en"
        items.append(Article(source="bench", trust="news", title=head.format(t=name),
                             summary=body.format(t=name), published=published, lang=lang, guid=str(k)))
    return items


def measure(size: int, items: list[Article], repeat: int) -> tuple[float, float, int]:
    """(compile seconds, best per-item seconds, claims) for one watchlist size."""
    shows = synthetic_shows(size, random.Random(size))
    t0 = time.perf_counter()
    classifier = Classifier(shows)
    compile_s = time.perf_counter() - t0
    best, claims = float("inf"), 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        claims = sum(len(classifier.classify(item)) for item in items)
        best = min(best, (time.perf_counter() - t0) / len(items))
    return compile_s, best, claims


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=4000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    items = synthetic_items(args.items, random.Random(7))
    rows = {size: measure(size, items, args.repeat) for size in (10, 1_000, 10_000)}
    print(f"{args.items} items, best of {args.repeat} runs")
    print(f"{'shows':>7} {'compile ms':>11} {'items/s':>9} {'µs/item':>8} {'claims':>7}")
    for size, (compile_s, per_item, claims) in rows.items():
        print(f"{size:>7} {compile_s * 1e3:>11.1f} {1 / per_item:>9.0f} {per_item * 1e6:>8.1f} {claims:>7}")
    ratio = rows[10_000][1] / rows[10][1]
    print(f"per-item cost ratio 10,000 vs 10 shows: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
