"""English phrase rules: family → list of (phrases, why).

Phrases are in the low form (NFKC, case-folded, quotes unified to ' and ", dashes to -) and
separated by "|". `#` stands for a number ("season #" matches "season 2" and "season 10"), a
trailing `*` makes a prefix ("postpon*"). Phrases match whole words. Show names are masked before
rules run, so a title's own words ("Final Season", "Game") never count as evidence.
"""

from __future__ import annotations

_ORDINALS = "2nd|3rd|#th|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth"

RULES: dict[str, list[tuple[str, str]]] = {
    # A new season, sequel or film: the thing a renewal is about.
    "object": [
        ("season #|seasons #|season two|season three|season four|season five|season six", "Season 2"),
        ("#nd season|#rd season|#th season|#nd cour|#rd cour|#th cour", "2nd Season, 3rd cour"),
        ("part #|part ii|part iii|part iv|part two|part three|pt. #", "Part 2 / Part II"),
        ("cour|cours|sequel|sequels|trilogy|spin-off|spinoff|continuation", "sequel, new cour, spin-off"),
        ("film|films|movie|movies|ova|ovas|oad|tv special|television special|anime special", "film, OVA"),
        ("s#|renewed|renewal|renews|arc", "S2, renewed for, the next arc adapted"),
    ],
    # An anime named by its medium only: an object for "Studio X Animates Y TV Anime", but no sequel.
    "adaptation_object": [("tv anime|television anime|anime series", "Y TV Anime")],
    # An ordinal close before a season noun (at most two words between): "second TV season",
    # "new short anime project", "3rd and final season".
    "ordinal": [(_ORDINALS + "|new|next|another|final|sophomore|upcoming", "new, next, 2nd …")],
    "season_noun": [(("season|seasons|cour|series|part|arc|chapter|installment|instalment|film|movie"
                      "|project|anime"), "… season, … anime project")],
    # The anime itself: enough for dated / premiered / delayed / cancelled.
    "medium": [("anime|tv|television|series|show|broadcast", "the anime, the TV series")],
    # Words that announce a new installment: with an object ("gets 2nd season") they are news.
    "announce": [
        ("announc*", "announced, announcement"),
        ("get|gets|got|getting|receives|received|lands|landed|will have", "X gets 2nd season"),
        ("confirm|confirms|confirmed|confirmation|officially|it's official", "confirmed"),
        ("greenlit|green-lit|green lit|greenlights|green-lights|greenlighted|renewed|ordered|picked up",
         "greenlit, renewed"),
        ("in production|in the works|in development|production has begun|production begins", "in production"),
        ("animates|to animate|will animate|animating|commissioned|teases|teased", "Studio X animates Y"),
        ("is coming|are coming|coming soon|on the way|to return|will return|return|returns|returning",
         "returns for a new season"),
        ("set|sets|slated|planned|scheduled|adapt|adapts|adapted|adapting|adaptation|launch|launches",
         "a sequel is planned, will adapt the next arc"),
    ],
    # Promotion of an installment (cast, trailer, visual): proof that it exists, not news of it. With
    # a release date it dates the installment ("Teaser Reveals January 2027 Debut").
    "promo": [
        ("reveal|reveals|revealed|revealing|unveil|unveils|unveiled|previews|lists", "reveals, unveils"),
        ("teaser|trailer|trailers|promo video|promotional video|key visual|visual|pv|commercial|video|ad",
         "a season's promo"),
    ],
    # Verbs that go with a release date.
    "date_verb": [
        ("premiere|premieres|premiered|premiering|debut|debuts|debuted|debuting", "premieres in January"),
        ("air|airs|aired|airing|broadcast|broadcasts|open|opens|opening",
         "airs in April, Spring 2026 Opening"),
        ("in theaters|in theatres|in cinemas|hits theaters|hits theatres|hits netflix", "hits theaters"),
        ("arrive|arrives|arriving|stream|streams|streaming|comes out|coming out|coming to|coming in",
         "streams next spring"),
        ("release|releases|released|releasing|launch|launches|launching|return|returns|returning",
         "returns in July"),
        ("set for|set to|slated|scheduled|planned for|sets|dated|date|dates", "set for 2026, dated"),
        ("start|starts|begin|begins|kicks off", "starts in October"),
        ("add|adds|added|lineup|line-up|slate|schedule", "adds season 2 to its winter lineup"),
    ],
    # A date that no longer holds: "originally slated for October", "previously planned for 2026".
    "old_date": [(("originally|previously|initially|formerly|had been|was slated|was scheduled"
                   "|was planned|was set|were slated|from its planned|delayed from|postponed from"
                   "|pushed from|moved from"),
                  "originally slated for October, delayed from 2025")],
    # With a "now" word in the same clause: premiering right now.
    "premiere_verb": [(("premiere|premieres|premiering|debut|debuts|debuting|airs|airing|open|opens"
                        "|stream|streams|streaming|arrives|launches|returns|starts|begins|kicks off"
                        "|hits theaters|out|available"), "premieres …")],
    "now_word": [("today|tonight|this week|this weekend", "… today")],
    "premiere_now": [(("now streaming|now airing|now showing|now playing|now available|now in theaters"
                       "|is now out|is out now|out now|is here|is now live"), "now streaming")],
    "premiere_past": [(("premiered|debuted|began airing|began streaming|started airing|started streaming"
                        "|kicked off|opened in theaters|opened in japan|has premiered|has debuted"),
                       "premiered (past tense)")],
    "delay": [
        ("delay|delays|delayed|postpon*|pushed back|pushes back|push back|pushed to|moved back|rescheduled",
         "delayed, postponed, pushed back"),
        ("new release date|later release date|new premiere date", "a new date"),
    ],
    "cancel": [
        ("cancel|cancels|cancelled|canceled|cancellation|scrapped|axed|shelved|called off", "cancelled"),
        (("production halted|production has been halted|production stopped|production discontinued"
          "|will no longer be produced|will not be produced|will no longer air"), "production halted"),
    ],
    # Hedges and rumour markers: a hedged claim is never a confirmed event.
    "hedge": [
        ("rumor*|rumour*|leak|leaks|leaked|leaker|leakers|insider|insiders|reportedly|allegedly", "rumour"),
        ("unconfirmed|speculat*|predict*|theory|theories|claim|claims|claimed", "a leaker's claim"),
        (("could|might|would|may be|may have|may get|may return|may come|may happen|may air|may premiere"
          "|may not|may soon|possible|possibly|likely|unlikely|expected to|hope|hopes|hoped|hoping|wish*"),
         "could / might / may return"),
        (("everything we know|everything else we know|everything you need to know|what we know"
          "|what you need to know|what to expect|all we know|renewal status|status update"),
         "everything we know, renewal status"),
        (("no news|no official news|no word|no official word|no announcement|no official announcement"
          "|no confirmation|no update|not been announced|not yet been announced|not announced|not confirmed"
          "|not been confirmed|not been renewed|not renewed|not yet renewed|never renewed|yet to"
          "|hasn't been|has not been|have not been|haven't been"),
         "no official news, has not been renewed"),
        (("won't|will not|wouldn't|isn't getting|is not getting|not getting|not happening|no plans"
          "|no plan|not planning|no intention|no season|no new season|no sequel|no more|no further"
          "|is over|officially over|over for good"), "won't get a season 4, no plans, no Season 3 planned"),
        ("still no|still not|still hasn't|still unrenewed|unrenewed|in sight", "still unrenewed"),
        ("when will|will there be|is it happening|chance of|chances of|chances for|odds", "will there be"),
        ("fans believe|fans think|fans claim|fans say|fan theory|according to fans|petition", "fans believe"),
        ("hint at|hints at|hinted at|hinted|listed as|briefly listed|listed", "hints at a sequel, listed as"),
        ("sources say|source says|sources said|report:|according to a report|according to reports",
         "Report: / sources say"),
    ],
    # Traps: the text is about something else than a new season.
    "negative": [
        ("episode #|episodes #|ep #|ep. #|episode review|episode recap|episode preview", "Episode 5 Review"),
        (("#th episode|#st episode|#nd episode|#rd episode|final # episodes|final episodes|last # episodes"
          "|final episode|last episode|new episode|new episodes"), "one episode's delay, the last episodes"),
        ("review|reviews|reviewed|impressions|recap|recaps|compilation", "review, recap, recap film"),
        ("blu-ray*|bluray*|dvd|dvds|bd|box set|box sets|boxed set|box|home video|steelbook", "Blu-ray box"),
        (("dub|dubs|dub's|dubbed|english cast|english voice cast|simuldub|english trailer|english version"
          "|english-language"), "English dub cast and trailer"),
        (("stage play|stage plays|stage musical|stage adaptation|stage show|musical|live-action|live action"
          "|drama cd|audio drama|radio drama"), "stage play, live-action"),
        ("concert|concerts|orchestra|concert tour|world tour|live tour", "concert tour"),
        ("exhibit|exhibits|exhibition|exhibitions|museum|pop-up|popup|cafe|art book|artbook", "exhibition"),
        ("copies|circulation|in print|bestsell*|best-sell*|box office|gross|grosses|grossed|viewership",
         "sales and box office"),
        (("opens at #|debuts at #|stays at #|stay at #|drops to #|falls to #|rises to #|climbs to #|ranks #"
          "|at #|tops|record|records|million|billion|rmb|yen|admissions|earns|earned|weekend"),
         "Film Opens at #1"),
        (("eligible|oscar|oscars|academy award|academy awards|golden globe|golden globes|annie award*"
          "|nominee|nominees"), "awards"),
        (("merch|merchandise|figure|figures|figurine|figurines|plush|plushies|nendoroid|collab|collabs"
          "|collaboration|collaborations|apparel|collectible|collectibles|ichiban kuji"), "merchandise"),
        (("video game|mobile game|smartphone game|console game|browser game|card game|rhythm game"
          "|fighting game|gacha|pc game|new game|rpg|game adaptation|gets game|gets a game|nintendo switch"
          "|playstation|ps#|xbox|steam|game's|dlc"), "a game"),
        (("1-shot|one-shot|short story|short stories|story collection|side story|spinoff manga|spin-off manga"
          "|manga adaptation|novelization|bookscan|graphic novel"), "print spinoffs"),
        ("kabuki|theater show|theatre show|dinner theater|dinner show|stage production|stage adaptation",
         "stage shows"),
        (("tv version|re-edit|re-edited|director's cut|uncut|remaster|remastered|4k|4d|imax|screenx|dolby"
          "|return to theaters|returns to theaters|return to japanese theaters|returns to japanese theaters"
          "|back in theaters|theatrical re-release"), "new versions and re-releases of a film"),
        (("u.s. premiere|us premiere|north american premiere|n. american premiere|u.s. release|us release"
          "|north american release|n. american|north america|in u.s.|in the u.s.|in europe|in india|in china"
          "|in the uk|in korea|in taiwan|in latin america|overseas|globally|worldwide"), "regional releases"),
        ("screening|screenings|re-release|rerelease|rerun|reruns|rebroadcast|re-air|re-airs", "rerun"),
        ("soundtrack|soundtracks|ost|vinyl|character song|character songs", "soundtrack"),
        (("watch order|where to watch|where to stream|how to watch|explained|ranked|guide|poll|polls"
          "|award|awards|nominat*"), "guides, polls, awards"),
        ("cosplay*|fan art|fanart|pachinko|pachislot|lottery|calendar", "other tie-ins"),
        (("special event|fan event|stage event|live event|talk event|premiere event|anniversary event"
          "|fan meeting|convention|event cancelled|event canceled|event postponed|panel|festival|fest"),
         "an event"),
    ],
    # Companies whose names hold an installment word ("Liden Films announced"): never an installment.
    "company": [(("liden films|lidenfilms|encourage films|pierrot films|felix film|bones film"
                  "|telecom animation film|project no.#|project no. #|production i.g|ashi productions"
                  "|asahi production|tezuka productions|tatsunoko production|sunrise beyond|toho animation"
                  "|movie studio|film studio|films studio|filmworks|film partners|film festival|film fest"),
                 "animation studios and companies")],
    # A streaming platform adding or streaming a title: composed with "platform_verb" (radar.detect.rules).
    "platform": [(("crunchyroll|netflix|hulu|hidive|disney+|disney plus|prime video|amazon|youtube|bilibili"
                   "|abema|u-next|ani-one|muse asia|adult swim|toonami|apple tv|tubi|max"),
                  "streaming platforms")],
    "platform_verb": [(("adds|add|added|to stream|streams|stream|streaming|will stream|acquires|acquired"
                        "|licenses|licensed|lists|to add|will add"), "Netflix adds X")],
    # What makes a sentence about anime at all (print news with none of these is not ours).
    "anime_word": [(("anime|animated|animation|season|seasons|cour|film|films|movie|movies|ova|tv|television"
                     "|theatrical"), "anime, season, film")],
    # Manga / novel news: a print word followed closely by a print event.
    "print_medium": [("manga|light novel|light novels|novel|novels|webtoon|web novel", "the manga")],
    "print_event": [(("end|ends|ended|ending|conclude|concludes|concluded|enters|entered|final arc"
                      "|final chapter|final volume|volume|volumes|chapter|chapters|copies|sells|sold|sales"
                      "|hiatus|serialization|resumes"), "… enters its final arc, sells copies")],
    # A show named in passing: these words end just before the name …
    "passing_before": [
        (("studio behind|studios behind|director of|directors of|creator of|creators of|author of"
          "|mangaka of|writer of|artist of|illustrator of|composer of|producer of|producers of|staff of"
          "|staff behind|team behind|people behind|makers of|voice actor of|screenwriter of|designer of"
          "|publisher of|animation studio behind|creator behind|director behind|from the studio of"
          "|who brought us|who made|who created|who directed"), "the studio behind X, the director of X"),
        ("like|such as|similar to|inspired by|in the vein of|fans of|reminiscent of|compared to|meets",
         "an anime like X"),
    ],
    # … or begin just after it.
    "passing_after": [
        (("creator|creators|author|authors|mangaka|director|directors|studio|writer|artist|illustrator"
          "|composer|voice actor|voice actress|producer|producers|animator|character designer"
          "|screenwriter|singer|actor|actress|seiyuu|-style|style|-like|-esque|-inspired"),
         "X creator's new manga, an X-style anime"),
    ],
    # Anchors where release dates may start (see radar.detect.releases).
    "date_anchor": [
        (("january|february|march|april|may|june|july|august|september|october|november|december"
          "|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"), "month names"),
        (("winter|spring|summer|fall|autumn|this|next|coming|the coming|early|late|later|earlier|in|for"
          "|by|until|to|its|today|tonight|this evening|tomorrow"), "seasons and relative words"),
    ],
}

# Regexes checked at one place only (not scanned): after a show's name, at a headline's start.
ANCHORED: dict[str, list[tuple[str, str]]] = {
    # A sequel number right after the name: "Edgerunners 2", "Re:Zero III".
    "sequel_suffix": [
        ((r"\s*(?:[2-9]|ii|iii|iv)\b(?! ?(?:episodes?|million|billion|%|years?|days?|weeks?|months?"
          r"|volumes?|chapters?|copies|hours?|minutes?))"), "Title 2"),
    ],
    # A question-form headline: "Will X Get Season 2", "Is X Season 3 Happening".
    "question": [
        (r"(?:will|is|are|does|did|could|can|when|why|how|what|should|has|have)\b", "Will X get season 2"),
    ],
}
