"""radar.domain.secret: secrets by declaration, one Masker for every text printed or logged."""

from __future__ import annotations

import logging

import pytest

from radar.app.config import load_config
from radar.domain.secret import MASK, Masker, mask_logs, mask_url, url_password

SHOW = '[[show]]\nid = "akudama-drive"\ntitle = "Akudama Drive"\n'


def test_a_long_secret_is_masked_anywhere_the_longest_first():
    masker = Masker(["s3cret-value", "s3cret-value-2"])
    assert masker.mask("a=s3cret-value-2 b=s3cret-value c=xs3cret-valuex") == "a=**** b=**** c=x****x"


def test_a_short_secret_is_masked_only_where_it_stands_alone():
    masker = Masker(["pw1"])
    assert masker.mask("user:pw1@host pw1") == f"user:{MASK}@host {MASK}"
    assert masker.mask("/pw1/ pw12 news-pw1 pw1.txt") == "/pw1/ pw12 news-pw1 pw1.txt"


def test_a_one_letter_secret_never_masks_parts_of_paths():
    assert Masker(["a", "ab"]).mask("/var/a/b/ab") == "/var/a/b/ab"


def test_url_encoded_secrets_are_masked_in_both_forms():
    assert Masker(["p%40ss-word"]).mask("p@ss-word p%40ss-word") == f"{MASK} {MASK}"


@pytest.mark.parametrize("url, password, shown", [
    ("postgresql+psycopg://radar:db-pass@db.example.org:5432/radar", "db-pass",
     "postgresql+psycopg://radar:****@db.example.org:5432/radar"),
    ("https://user:p%40ss@example.org/feed?x=1", "p%40ss", "https://user:****@example.org/feed?x=1"),
    ("postgresql+psycopg://radar@db.example.org/radar", None, "postgresql+psycopg://radar@db.example.org/radar"),
    ("sqlite:////var/lib/renewal-radar/radar.db", None, "sqlite:////var/lib/renewal-radar/radar.db"),
])
def test_url_credentials(url, password, shown):
    assert url_password(url) == password
    assert mask_url(url) == shown


def test_only_declared_values_are_secrets_not_every_env_value(tmp_path):
    """POLL=1m, a one-letter X and a feed URL from ${VAR} are ordinary values; the webhook secret,
    the webhook URL and a source URL's password are secrets."""
    (tmp_path / "watchlist.toml").write_text(SHOW)
    (tmp_path / "sources.toml").write_text(
        '[[source]]\nname = "news-1m"\nkind = "rss"\nurl = "${FEED}"\ntrust = "news"\ninterval = "${POLL}"\n'
        '[[source]]\nname = "${X}"\nkind = "rss"\nurl = "https://reader:feed-Pass-77@example.org/a/rss"\n'
        'trust = "news"\n')
    (tmp_path / "radar.toml").write_text(
        '[[notifier]]\nname = "hook"\nkind = "webhook"\nurl = "https://example.org/hooks/abc-private"\n'
        'secret = "${HOOK_SECRET}"\n')
    env = {"POLL": "1m", "X": "a", "FEED": "https://example.org/news-1m.xml", "HOOK_SECRET": "s3cret-value"}
    config = load_config(tmp_path, env)
    plain = "news-1m polled https://example.org/news-1m.xml every 1m; source a: /a/rss"
    assert config.masker.mask(plain) == plain
    assert (config.masker.mask("sig s3cret-value, post https://example.org/hooks/abc-private, feed-Pass-77")
            == "sig ****, post ****, ****")


def test_log_lines_mask_the_current_config_and_its_replacement():
    """What the daemon's SIGHUP does: the reloaded config's secrets are masked from the next line on."""
    handler = logging.StreamHandler()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        records: list[logging.LogRecord] = []
        handler.emit = records.append  # type: ignore[method-assign]
        mask_logs(Masker(["old-secret-1"]))
        log = logging.getLogger("radar.test")
        log.warning("sent with %s", "old-secret-1")
        mask_logs(Masker(["new-secret-2"]))
        log.warning("sent with %s and %s", "new-secret-2", "old-secret-1")
        try:
            raise RuntimeError("boom new-secret-2")
        except RuntimeError:
            log.exception("crashed")
        assert [r.getMessage() for r in records] == ["sent with ****", "sent with **** and old-secret-1",
                                                     "crashed"]
        assert ("new-secret-2" not in (records[2].exc_text or "")
                and "boom ****" in (records[2].exc_text or ""))
    finally:
        root.removeHandler(handler)
        mask_logs(Masker())


def test_hidden_url_parts_are_secret_only_when_they_look_like_tokens() -> None:
    """A webhook path's key is masked wherever it appears; a plain word of the path ("hook") is not, so
    a notifier named hook still reads as hook."""
    from radar.domain.secret import Masker, url_secrets

    found = url_secrets("json://example.org/hook/Xk29fQa81LmZ", public="json://example.org/…")
    assert found == {"Xk29fQa81LmZ"}
    assert Masker(found).mask("notifier 'hook': 500 from /hook/Xk29fQa81LmZ") == (
        "notifier 'hook': 500 from /hook/****")
