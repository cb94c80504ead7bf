"""Alert templates: the shipped defaults render exactly what radar.domain.wording renders; a user's template
renders an alert as the README documents; a broken one is an error naming the option and the line; the
sandbox keeps a template from reaching Python."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from test_message import INSTALLMENT_CASES

from notifier.template import TemplateInvalid, compile_templates
from radar.domain import wording as message
from radar.domain.models import Event, Evidence
from radar.domain.sample import sample_event

OTHER_CASES = [
    {}, {"phrase": ""}, {"evidence": ()}, {"evidence": (), "phrase": ""},
    {"event": "delayed", "status": "dated", "previous_status": "dated", "release": "2027-04",
     "previous_release": "2026-10"},
    {"event": "dated", "status": "dated", "release": "2026-10", "previous_release": "2026-10"},
    {"evidence": (Evidence("A *bold* [title]_", "https://x.example/a (b)", "ann", "", None),
                  Evidence("Second", "https://y.example/", "", "news", "2026-10-30T00:00:00+00:00"))},
]


@pytest.mark.parametrize("changes", [c for c, _ in INSTALLMENT_CASES] + OTHER_CASES)
@pytest.mark.parametrize("body_format", ["text", "markdown"])
def test_the_defaults_render_what_message_renders(event_factory: Callable[..., Event], changes: dict,
                                                  body_format: str) -> None:
    event = event_factory(**changes)
    expected = message.render(event)
    title, body = compile_templates(body_format).render(event)
    assert title == expected.title
    assert body == (expected.text if body_format == "text" else expected.markdown)


def test_the_defaults_render_the_test_alert_as_message_does() -> None:
    event = sample_event("mail")
    for body_format, body in (("text", message.text(event)), ("markdown", message.markdown(event))):
        assert compile_templates(body_format).render(event) == (message.title(event), body)


README = Path(__file__).resolve().parents[2] / "README.md"


def readme_block(lang: str, containing: str) -> str:
    """The README's code block of this language that contains `containing`."""
    blocks = re.findall(rf"^```{lang}\n(.*?)^```", README.read_text(), re.MULTILINE | re.DOTALL)
    found = [b for b in blocks if containing in b]
    assert len(found) == 1, (lang, containing)
    return found[0]


MUSHOKU = {"event": "dated", "status": "dated", "previous_status": "announced", "release": "2026-07",
           "installment": "season 3", "show_id": "mushoku-tensei", "show_title": "Mushoku Tensei",
           "evidence": (Evidence("Mushoku Tensei Season 3 Premieres in July 2026",
                                 "https://www.animenewsnetwork.com/news/2026-03-01/mushoku-tensei-season-3/.230001",
                                 "ann", "news", "2026-03-01T09:00:00+00:00"),)}


def test_the_readme_discord_template_renders_as_the_readme_shows(event_factory: Callable[..., Event]) -> None:
    [entry] = tomllib.loads(readme_block("toml", "body_template"))["notifier"]
    templates = compile_templates(entry["format"], entry["title_template"], entry["body_template"])
    title, body = templates.render(event_factory(**MUSHOKU))
    assert f"{title}\n{body}\n" == readme_block("text", "**DATED**")


def test_the_readme_email_template_is_autoescaped_html_and_renders_as_the_readme_shows(
        event_factory: Callable[..., Event], tmp_path: Path) -> None:
    path = tmp_path / "mail.j2"
    path.write_text(readme_block("jinja", "{% block title %}"))
    templates = compile_templates("html", template_file=path)
    title, body = templates.render(event_factory(**MUSHOKU))
    assert f"gives the subject `{title}` and the body" in README.read_text()
    assert f"{body}\n" == readme_block("html", "<h2>")
    hostile = event_factory(show_title="Tom & Jerry", evidence=(
        Evidence("<script>alert(1)</script>", "javascript:alert(2)", "ann", "news", None),))
    title, body = templates.render(hostile)
    assert title == "[anime] Tom & Jerry: season announced"  # a subject is text: not escaped
    assert "<h2>Tom &amp; Jerry</h2>" in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<script>" not in body and 'href=""' in body  # a javascript: link is no link


def test_the_default_html_body_escapes_what_a_feed_says(event_factory: Callable[..., Event]) -> None:
    event = event_factory(phrase="<b>bold</b>", evidence=(Evidence("<img src=x>", "https://a.example/?a=1&b=2",
                                                                   "ann", "news", None),))
    _, body = compile_templates("html").render(event)
    assert "&lt;b&gt;bold&lt;/b&gt;" in body and "&lt;img src=x&gt;" in body
    assert 'href="https://a.example/?a=1&amp;b=2"' in body


@pytest.mark.parametrize(("options", "where"), [
    ({"body_template": "Status:\n{{ event.status }\nmore"}, "body_template line 2: "),
    ({"title_template": "{{ show }} {% if %}"}, "title_template line 1: "),
    ({"body_template": "ok\nok\n{{ no_such_name }}"}, "body_template line 3: 'no_such_name' is undefined"),
    ({"body_template": "{{ event.__class__.__mro__ }}"}, "body_template line 1: "),
])
def test_a_broken_template_names_the_option_and_the_line(options: dict, where: str) -> None:
    with pytest.raises(TemplateInvalid) as info:
        compile_templates("text", **options)
    assert str(info.value).startswith(where), str(info.value)


def test_a_template_file_without_blocks_or_missing_is_invalid(tmp_path: Path) -> None:
    (tmp_path / "plain.j2").write_text("{{ show }}")
    with pytest.raises(TemplateInvalid, match=r"no {% block title %}"):
        compile_templates("text", template_file=tmp_path / "plain.j2")
    with pytest.raises(TemplateInvalid, match="cannot be read"):
        compile_templates("text", template_file=tmp_path / "missing.j2")


def _config_dir(tmp_path: Path, notifier: str) -> Path:
    directory = tmp_path / "config"
    directory.mkdir()
    (directory / "sources.toml").write_text("")
    (directory / "watchlist.toml").write_text("")
    (directory / "radar.toml").write_text('[[notifier]]\nname = "discord"\nkind = "apprise"\n'
                                          'url = "json://127.0.0.1:9/hook"\n' + notifier)
    return directory


def test_a_broken_template_in_radar_toml_is_one_config_error_naming_the_notifier_and_line(
        tmp_path: Path) -> None:
    from radar.app.config import load_config
    from radar.domain.errors import ConfigError

    directory = _config_dir(tmp_path,
                            "body_template = '''\nStatus: {{ event.status }}\nok\n{% for x in %}\n'''\n")
    with pytest.raises(ConfigError) as info:
        load_config(directory, env={})
    text = str(info.value)
    assert text.startswith(f"{directory / 'radar.toml'}: notifier 'discord': body_template line 3: "), text
    assert text.endswith(")") and "\n" not in text


def test_a_relative_template_file_is_read_from_the_config_directory(tmp_path: Path) -> None:
    from radar.app.config import load_config
    from radar.domain.channel import Channel

    directory = _config_dir(tmp_path, 'template_file = "alert.j2"\n')
    (directory / "alert.j2").write_text("{% block title %}Radar: {{ show }}{% endblock %}")
    spec = load_config(directory, env={}).notifiers[0]
    channel = Channel.registry[spec.kind](spec.name, spec.options)
    event = sample_event("discord", datetime(2026, 10, 30, 9, tzinfo=UTC))
    title, body = channel.templates.render(event)  # type: ignore[attr-defined]
    assert title == "Radar: Renewal Radar test alert" and body == message.text(event)
