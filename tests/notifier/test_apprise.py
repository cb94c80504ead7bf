"""The apprise channel against real servers (SMTP through aiosmtpd, json:// through pytest-httpserver),
the shared message rendering, secret masking, the console channel and the registry."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from pydantic import BaseModel, ValidationError
from pytest_httpserver import HTTPServer
from smtp_sink import SmtpSink, free_port
from werkzeug import Request, Response

from notifier.apprise_channel import AppriseChannel
from radar.domain.channel import Channel, ChannelOptions
from radar.domain.errors import DeliveryError
from radar.domain.models import Event, Evidence
from radar.domain.sample import sample_event
from radar.domain.wording import render

pytestmark = pytest.mark.filterwarnings("ignore:Session.login_data is deprecated")

SMTP_USER, SMTP_PASSWORD = "radar", "mail-pass-5ecret"
EVIDENCE_URL = "https://www.animenewsnetwork.com/news/2026-10-30/akudama-drive-season-2/.210001"


def mailto(port: int, password: str = SMTP_PASSWORD) -> str:
    """Plain SMTP (no TLS) on a custom port: mailto:// defaults to mode=insecure; mailtos:// would use TLS."""
    return (f"mailto://{SMTP_USER}:{password}@127.0.0.1:{port}"
            "?from=radar@example.org&to=fan@example.org&mode=insecure")


def apprise_channel(url: str, **options: object) -> Channel:
    kind = Channel.registry["apprise"]
    return kind("team-mail", kind.Options.model_validate({"url": url, **options}))


def plain_body(msg) -> str:
    return msg.get_body(preferencelist=("plain",)).get_content()


# --- e-mail through a real SMTP server -------------------------------------------------------------

def test_mail_arrives_with_show_in_subject_and_link_in_body(smtp_server: SmtpSink, event: Event) -> None:
    apprise_channel(mailto(smtp_server.port)).send(event)
    [msg] = smtp_server.wait_for(1)
    assert msg["Subject"] == "Akudama Drive: season announced"
    assert "fan@example.org" in msg["To"] and "radar@example.org" in msg["From"]
    body = plain_body(msg)
    assert EVIDENCE_URL in body
    assert "Akudama Drive Season 2 Announced" in body
    assert "second season is in production" in body
    assert smtp_server.logins == [SMTP_USER]


def test_mail_with_smtp_host_parameter(smtp_server: SmtpSink, event_factory) -> None:
    url = (f"mailto://{SMTP_USER}:{SMTP_PASSWORD}@example.org:{smtp_server.port}"
           "?smtp=127.0.0.1&mode=insecure&from=radar@example.org&to=fan@example.org")
    apprise_channel(url).send(event_factory(event="delayed", status="dated", previous_status="dated",
                                            release="2027-04", previous_release="2026-10"))
    [msg] = smtp_server.wait_for(1)
    assert msg["Subject"] == "Akudama Drive: delayed to 2027-04 (was 2026-10)"


def test_markdown_format_still_carries_the_link(smtp_server: SmtpSink, event: Event) -> None:
    apprise_channel(mailto(smtp_server.port), format="markdown").send(event)
    [msg] = smtp_server.wait_for(1)
    assert EVIDENCE_URL in msg.as_string() or EVIDENCE_URL in str(msg.get_body().get_content())


def test_two_events_two_mails(smtp_server: SmtpSink, event_factory) -> None:
    channel = apprise_channel(mailto(smtp_server.port))
    channel.send(event_factory())
    channel.send(event_factory(event_id="other", event="cancelled", status="cancelled"))
    subjects = [m["Subject"] for m in smtp_server.wait_for(2)]
    assert subjects == ["Akudama Drive: season announced", "Akudama Drive: cancelled"]


def test_closed_port_raises_delivery_error(event: Event) -> None:
    with pytest.raises(DeliveryError) as info:
        apprise_channel(mailto(free_port()), timeout=2).send(event)
    assert info.value.notifier == "team-mail"
    assert SMTP_PASSWORD not in str(info.value)
    assert "127.0.0.1" in str(info.value)


def test_wrong_password_raises_without_echoing_it(smtp_server: SmtpSink, event: Event) -> None:
    wrong = "not-the-Passw0rd"
    with pytest.raises(DeliveryError) as info:
        apprise_channel(mailto(smtp_server.port, password=wrong)).send(event)
    assert wrong not in str(info.value) and SMTP_PASSWORD not in str(info.value)
    assert smtp_server.messages == []


# --- json:// through a real HTTP server ------------------------------------------------------------

def test_json_target(httpserver: HTTPServer, event: Event) -> None:
    seen: list[dict[str, object]] = []

    def handler(request: Request) -> Response:
        seen.append(json.loads(request.get_data()))
        return Response("{}", status=200, content_type="application/json")

    httpserver.expect_request("/notify", method="POST").respond_with_handler(handler)
    apprise_channel(f"json://127.0.0.1:{httpserver.port}/notify").send(event)
    assert len(seen) == 1
    assert seen[0]["title"] == "Akudama Drive: season announced"
    assert EVIDENCE_URL in str(seen[0]["message"])


def test_json_target_failure_masks_credentials(httpserver: HTTPServer, event: Event) -> None:
    password = "json-Passw0rd-xyz"
    httpserver.expect_request("/notify").respond_with_data("nope", status=500)
    with pytest.raises(DeliveryError) as info:
        apprise_channel(f"json://bot:{password}@127.0.0.1:{httpserver.port}/notify").send(event)
    assert password not in str(info.value)
    assert "500" in str(info.value)


# --- options and masking ---------------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "discord://112233445566/webhook-TOKEN-abcdef",
    "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ",
    "tgram://123456789:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQr/98765",
    "ntfy://radar-alerts",
    "matrix://bot:matrix-Pa55word@matrix.example.org/%23radar",
    "mailto://radar:mail-pass-5ecret@example.org?to=fan@example.org",
    "json://127.0.0.1:8080/hook",
])
def test_supported_urls_validate(url: str) -> None:
    assert apprise_channel(url).kind == "apprise"


def test_unsupported_scheme_is_a_clear_error_without_the_url() -> None:
    with pytest.raises(ValidationError) as info:
        AppriseChannel.Options.model_validate({"url": "carrierpigeon://coop-Secret-99/roof"})
    text = str(info.value)
    assert "carrierpigeon://" in text and "isn't supported" in text
    assert "coop-Secret-99" not in text


def test_malformed_url_error_masks_its_parts() -> None:
    with pytest.raises(ValidationError) as info:
        AppriseChannel.Options.model_validate({"url": "discord://only-the-id-7788"})
    assert "discord://" in str(info.value)
    assert "only-the-id-7788" not in str(info.value)


def test_not_a_url() -> None:
    with pytest.raises(ValidationError, match="scheme://"):
        AppriseChannel.Options.model_validate({"url": "just words"})


def test_options_forbid_common_and_unknown_keys() -> None:
    with pytest.raises(ValidationError):
        AppriseChannel.Options.model_validate({"url": "ntfy://radar", "events": ["announced"]})


@pytest.mark.parametrize(("url", "secrets"), [
    ("discord://112233445566/webhook-TOKEN-abcdef", ["112233445566", "webhook-TOKEN-abcdef"]),
    ("mailto://radar:mail-pass-5ecret@example.org?to=fan@example.org", ["mail-pass-5ecret"]),
    ("matrix://bot:matrix-Pa55word@matrix.example.org/%23radar", ["matrix-Pa55word"]),
    ("tgram://123456789:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQr/98765", ["AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQr"]),
])
def test_describe_masks_secrets(url: str, secrets: list[str]) -> None:
    channel = apprise_channel(url)
    shown = channel.describe() + repr(channel) + str(channel.redacted_options()) + repr(channel.options)
    assert channel.describe().startswith(url.split("://")[0] + "://")
    for secret in secrets:
        assert secret not in shown


# --- message rendering -----------------------------------------------------------------------------

RENDER_CASES = [
    # (event fields, expected title)
    (dict(event="announced"), "Akudama Drive: season announced"),
    (dict(event="announced", release="2027"), "Akudama Drive: season announced for 2027"),
    (dict(event="dated", status="dated", previous_status="announced", release="2027-01"),
     "Akudama Drive: dated for 2027-01"),
    (dict(event="dated", status="dated", previous_status="dated", release="2027-01",
          previous_release="2027-04"), "Akudama Drive: dated for 2027-01 (was 2027-04)"),
    (dict(event="delayed", status="dated", previous_status="dated", release="2027-04",
          previous_release="2026-10"), "Akudama Drive: delayed to 2027-04 (was 2026-10)"),
    (dict(event="cancelled", status="cancelled", previous_status="announced"), "Akudama Drive: cancelled"),
    (dict(event="premiered", status="premiered", previous_status="dated", release="2027-01-08"),
     "Akudama Drive: premiered"),
    (dict(event="rumor", status="rumored"), "Akudama Drive: new season rumored"),
]


@pytest.mark.parametrize(("fields", "title"), RENDER_CASES)
def test_title_for_each_event_kind(event_factory: Callable[..., Event], fields: dict, title: str) -> None:
    assert render(event_factory(**fields)).title == title


@pytest.mark.parametrize(("fields", "title"), RENDER_CASES)
def test_bodies_carry_release_trigger_and_evidence(event_factory, fields: dict, title: str) -> None:
    event = event_factory(**fields)
    message = render(event)
    for body in (message.text, message.markdown):
        assert "second season is in production" in body
        assert EVIDENCE_URL in body
        assert "Akudama Drive Season 2 Announced" in body
        assert "ann" in body and "news" in body
        if event.release:
            assert event.release in body
    if event.previous_release:
        assert f"(was {event.previous_release})" in message.text


@pytest.fixture
def tokyo(monkeypatch):
    """Local time is Japan's for the test (then back to the process's own zone)."""
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_text_body_layout(event_factory, tokyo) -> None:
    """Issue 11, item 16: a delay says the move ("delayed: 2026-10 → 2027-04", not "Status: dated (was
    dated)") and the time is local, naming its zone."""
    event = event_factory(event="delayed", status="dated", previous_status="dated",
                          release="2027-04", previous_release="2026-10")
    assert render(event).text == (
        "Release: 2027-04 (was 2026-10)\n"
        "delayed: 2026-10 → 2027-04\n"
        'Triggered by: "second season is in production"\n'
        "\n"
        "Evidence:\n"
        "- Akudama Drive Season 2 Announced\n"
        f"  {EVIDENCE_URL}\n"
        "  (ann, news, 2026-10-30T00:00:00+00:00)\n"
        "\n"
        "Detected 2026-10-30 18:15 JST")


def test_markdown_escapes_and_links(event_factory) -> None:
    evidence = Evidence("*Akudama* [Drive] S2_", "https://example.org/a_(b)", "ann", "news", None)
    markdown = render(event_factory(evidence=(evidence,))).markdown
    assert r"- [\*Akudama\* \[Drive\] S2\_](https://example.org/a_%28b%29) (ann, news)" in markdown


def test_no_evidence_no_phrase(event_factory) -> None:
    message = render(event_factory(evidence=(), phrase=""))
    assert "Evidence" not in message.text and "Triggered" not in message.text
    assert message.markdown


# --- the test alert, the console channel and the registry ------------------------------------------

def test_sample_event_is_labelled_and_new_each_time() -> None:
    first = sample_event("team-chat", now=datetime(2026, 10, 30, 9, 0, tzinfo=UTC))
    second = sample_event("team-chat", now=datetime(2026, 10, 30, 9, 0, 1, tzinfo=UTC))
    assert first.event_id != second.event_id
    message = render(first)
    assert message.title.startswith("[TEST] ")
    assert "test alert" in message.text.lower()
    assert "team-chat" in message.text
    assert first.payload()["show_id"] == "renewal-radar-test"


def test_sample_event_through_smtp(smtp_server: SmtpSink) -> None:
    apprise_channel(mailto(smtp_server.port)).send(sample_event("team-mail"))
    [msg] = smtp_server.wait_for(1)
    assert msg["Subject"].startswith("[TEST]")


def test_console_prints_the_message(capsys: pytest.CaptureFixture[str], event: Event) -> None:
    kind = Channel.registry["console"]
    console = kind("demo", kind.Options.model_validate({}))
    console.send(event)
    out = capsys.readouterr().out
    assert out.startswith("Akudama Drive: season announced\n")
    assert EVIDENCE_URL in out
    kind("demo", kind.Options.model_validate({"stream": "stderr"})).send(event)
    assert "Akudama Drive: season announced" in capsys.readouterr().err
    assert console.describe() == "console (stdout)"


def test_registry_has_every_kind_with_help() -> None:
    assert {"webhook", "apprise", "console"} <= set(Channel.registry)
    for kind, cls in Channel.registry.items():
        assert cls.kind == kind
        assert issubclass(cls.Options, BaseModel)
        assert (cls.__doc__ or "").strip()  # its first line says what it is
        for key in ("name", "kind", "events", "shows"):
            assert key not in cls.Options.model_fields


def test_registry_rejects_a_second_class_for_a_kind() -> None:
    with pytest.raises(TypeError, match="already registered"):
        class Impostor(Channel, kind="webhook"):
            """Not the real webhook."""

            class Options(ChannelOptions):
                pass

            def send(self, event: Event) -> None:
                pass
    assert Channel.registry["webhook"].__name__ == "WebhookChannel"


def test_channel_needs_its_own_options_model() -> None:
    with pytest.raises(TypeError):
        Channel.registry["console"]("demo", AppriseChannel.Options(url="ntfy://radar"))
