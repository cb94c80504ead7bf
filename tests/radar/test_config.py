"""Config loading: every error names the file, the key and the fix; secrets never leak."""

from pathlib import Path

import pytest

from radar.app.config import load_config
from radar.cli.config_view import render_config
from radar.domain.errors import ConfigError

SOURCE = '[[source]]\nname = "ann"\nkind = "rss"\nurl = "https://example.org/rss"\ntrust = "news"\n'
SHOW = '[[show]]\nid = "akudama-drive"\ntitle = "Akudama Drive"\n'


def make(tmp_path: Path, radar: str = "", sources: str = SOURCE, watchlist: str = SHOW) -> Path:
    (tmp_path / "radar.toml").write_text(radar)
    (tmp_path / "sources.toml").write_text(sources)
    (tmp_path / "watchlist.toml").write_text(watchlist)
    return tmp_path


def error(tmp_path: Path, env: dict[str, str] | None = None, **files: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(make(tmp_path, **files), env or {})
    return str(caught.value)


def test_defaults_load(tmp_path):
    config = load_config(make(tmp_path), {})
    assert config.radar.schedule.interval == 1800 and config.radar.schedule.jitter == pytest.approx(0.1)
    assert config.radar.delivery.give_up_after == 3 * 86400
    assert config.sources[0].name == "ann" and config.shows[0].id == "akudama-drive"
    assert config.store_url == f"sqlite:///{tmp_path / 'radar.db'}"


def test_unknown_key_names_file_and_key(tmp_path):
    message = error(tmp_path, radar="[alerts]\nrumours = true\n")
    assert message.startswith(f"{tmp_path / 'radar.toml'}: alerts.rumours: unknown key")


def test_unknown_html_option_and_missing_selector(tmp_path):
    html = ('[[source]]\nname = "o"\nkind = "html"\nurl = "https://example.org/"\ntrust = "official"\n'
            'title = "a::text"\nlink = "a::attr(href)"\n')
    assert "source[0].item: required key is missing" in error(tmp_path, sources=html)
    assert "source[0].colour: unknown key" in error(tmp_path, sources=SOURCE + 'colour = "red"\n')


def test_missing_variable(tmp_path):
    radar = ('[[notifier]]\nname = "hook"\nkind = "webhook"\nurl = "https://example.org/h"\n'
             'secret = "${HOOK_SECRET}"\n')
    message = error(tmp_path, radar=radar)
    assert ("notifier[0].secret" in message and "HOOK_SECRET is not set" in message
            and "export HOOK_SECRET" in message)


def test_duplicate_ids_and_unknown_references(tmp_path):
    assert "show[1].id: duplicate show id 'akudama-drive'" in error(tmp_path, watchlist=SHOW + SHOW)
    assert "source[1].name: duplicate source name" in error(tmp_path, sources=SOURCE + SOURCE)
    assert "source[0].show: no show with id 'nope'" in error(tmp_path, sources=SOURCE + 'show = "nope"\n')
    assert "source[0].kind: unknown kind 'atom'" in error(tmp_path, sources=SOURCE.replace('"rss"', '"atom"'))


def test_bad_values(tmp_path):
    assert "schedule.interval" in error(tmp_path, radar='[schedule]\ninterval = "soon"\n')
    assert "source[0].trust" in error(tmp_path, sources=SOURCE.replace('"news"', '"official-ish"'))
    assert "not valid TOML" in error(tmp_path, radar="[alerts\n")


def test_secrets_are_redacted_in_config_show(tmp_path):
    radar = ('[[notifier]]\nname = "hook"\nkind = "webhook"\nurl = "${HOOK_URL}"\nsecret = "${HOOK_SECRET}"\n'
             '[[notifier]]\nname = "chat"\nkind = "apprise"\nurl = "discord://1234567/literal-token-abc"\n')
    env = {"HOOK_URL": "https://example.org/hooks/abc-private", "HOOK_SECRET": "s3cret-value"}
    config = load_config(make(tmp_path, radar=radar), env)
    shown = render_config(config)
    for secret in ("abc-private", "s3cret-value", "literal-token-abc"):
        assert secret not in shown
    assert 'name = "hook"' in shown and "****" in shown
    assert config.masker.mask("posting to https://example.org/hooks/abc-private") == "posting to ****"


@pytest.mark.parametrize("missing", ["watchlist.toml", "sources.toml"])
def test_a_missing_required_file_is_an_error_naming_it_and_the_fix(tmp_path, missing):
    (make(tmp_path) / missing).unlink()
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path, {})
    assert str(caught.value) == (f"{tmp_path / missing}: file not found (run `renewal-radar init DIR` for a "
                                 "commented starter config, or create it (it may be empty))")


def test_radar_toml_may_be_left_out_and_empty_files_are_empty(tmp_path):
    (make(tmp_path, sources="", watchlist="") / "radar.toml").unlink()
    config = load_config(tmp_path, {})
    assert config.sources == () and config.shows == () and config.notifiers == ()


@pytest.mark.parametrize("typo, meant", [("watchlist.tml", "watchlist.toml"), ("source.toml", "sources.toml"),
                                         ("Radar.toml", "radar.toml"), ("radar.yaml", "radar.toml")])
def test_a_misspelt_file_name_is_named_with_the_file_it_should_be(tmp_path, typo, meant):
    make(tmp_path)
    (tmp_path / meant).rename(tmp_path / typo)
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path, {})
    assert str(caught.value) == (f"{tmp_path / typo}: unknown file; did you mean {meant}? "
                                 f"(rename it to {meant})")


def test_other_files_beside_the_config_are_left_alone(tmp_path):
    make(tmp_path)
    for name in ("radar.db", "radar.db-wal", "radar.db.lock", "secrets.env", "sources.toml.bak", "README.md"):
        (tmp_path / name).write_text("")
    assert load_config(tmp_path, {}).sources[0].name == "ann"


@pytest.mark.parametrize("files, where", [
    ({"radar": "[schedule]\ntimeout = 0\n"},
     "radar.toml: schedule.timeout: 0 is not longer than zero (write a duration like 45s, 15m or 2h)"),
    ({"radar": '[schedule]\ninterval = "0s"\n'},
     "radar.toml: schedule.interval: '0s' is not longer than zero (write a duration like 45s, 15m or 2h)"),
    ({"radar": "[schedule]\nmax_bytes = 0\n"},
     ("radar.toml: schedule.max_bytes: 0 bytes is too small for any feed or page (use at least 1024; "
      "the default is 5242880 (5 MB))")),
    ({"radar": '[delivery]\nretry_backoff = "0m"\n'},
     ("radar.toml: delivery.retry_backoff: '0m' is not longer than zero "
      "(write a duration like 45s, 15m or 2h)")),
    ({"sources": SOURCE + 'interval = "0s"\n'},
     "sources.toml: source[0].interval: '0s' is not longer than zero (write a duration like 45s, 15m or 2h)"),
])
def test_nonsense_values_are_config_errors_with_the_fix(tmp_path, files, where):
    assert error(tmp_path, **files) == f"{tmp_path}/{where}"
