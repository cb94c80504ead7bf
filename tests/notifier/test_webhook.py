"""The webhook channel against a real HTTP server on 127.0.0.1: contract payload, headers, signature,
failures."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import pytest
from hostile.servers import RawServer, trickle
from pydantic import ValidationError
from pytest_httpserver import HTTPServer
from smtp_sink import free_port
from werkzeug import Request, Response

from notifier import verify_signature
from notifier.webhook import SIGNATURE_HEADER, WebhookChannel, body_bytes, sign
from radar import USER_AGENT
from radar.domain.channel import Channel
from radar.domain.errors import DeliveryError
from radar.domain.models import Event, Evidence

SECRET = "hook-s3cret-value"
PATH_TOKEN = "T0KEN-in-path-9f8e7d"
QUERY_TOKEN = "q-token-5a4b3c"


def channel(url: str, secret: str | None = None, timeout: float = 5.0) -> Channel:
    options: dict[str, object] = {"url": url, "timeout": timeout}
    if secret is not None:
        options["secret"] = secret
    kind = Channel.registry["webhook"]
    return kind("automation", kind.Options.model_validate(options))


def capture(httpserver: HTTPServer, path: str = "/hooks/radar", status: int = 204) -> list[Request]:
    """Answer POSTs to `path` with `status` and keep every request."""
    seen: list[Request] = []

    def handler(request: Request) -> Response:
        request.get_data()  # read the body now, before the request object is recycled
        seen.append(request)
        return Response("", status=status)

    httpserver.expect_request(path, method="POST").respond_with_handler(handler)
    return seen


def assert_clean(error: DeliveryError, *secrets: str) -> None:
    text = str(error)
    for secret in secrets:
        assert secret not in text, f"{secret!r} leaked into {text!r}"


# --- payload and headers ---------------------------------------------------------------------------

def test_payload_matches_the_contract_exactly(httpserver: HTTPServer, event: Event) -> None:
    seen = capture(httpserver)
    channel(httpserver.url_for("/hooks/radar")).send(event)
    assert len(seen) == 1
    assert json.loads(seen[0].get_data()) == {
        "event_id": "0123456789abcdef01234567",
        "event": "announced",
        "show_id": "akudama-drive",
        "show_title": "Akudama Drive",
        "installment": None,
        "status": "announced",
        "previous_status": "none",
        "release": None,
        "previous_release": None,
        "evidence": [{
            "title": "Akudama Drive Season 2 Announced",
            "url": "https://www.animenewsnetwork.com/news/2026-10-30/akudama-drive-season-2/.210001",
            "source": "ann",
            "trust": "news",
            "published": "2026-10-30T00:00:00+00:00",
        }],
        "detected_at": "2026-10-30T09:15:02+00:00",
        "phrase": "second season is in production",
    }


def test_body_is_compact_utf8_json(httpserver: HTTPServer, event_factory) -> None:
    event = event_factory(show_title="アクダマドライブ", release="2027-01", previous_release="2026-10")
    seen = capture(httpserver)
    channel(httpserver.url_for("/hooks/radar")).send(event)
    raw = seen[0].get_data()
    assert raw == json.dumps(event.payload(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    assert raw == body_bytes(event)
    assert "アクダマドライブ".encode() in raw and b"\\u" not in raw


def test_headers(httpserver: HTTPServer, event: Event) -> None:
    seen = capture(httpserver)
    channel(httpserver.url_for("/hooks/radar")).send(event)
    headers = seen[0].headers
    assert headers["Content-Type"] == "application/json"
    assert headers["Idempotency-Key"] == event.event_id
    assert headers["User-Agent"] == USER_AGENT
    assert SIGNATURE_HEADER not in headers


def test_signature_verifies_with_the_secret(httpserver: HTTPServer, event: Event) -> None:
    seen = capture(httpserver)
    channel(httpserver.url_for("/hooks/radar"), secret=SECRET).send(event)
    body, header = seen[0].get_data(), seen[0].headers[SIGNATURE_HEADER]
    assert header.startswith("sha256=") and len(header) == len("sha256=") + 64
    assert verify_signature(body, header, SECRET)
    assert not verify_signature(body, header, "another secret")
    assert not verify_signature(body + b" ", header, SECRET)
    assert not verify_signature(body, header.removeprefix("sha256="), SECRET)
    assert not verify_signature(body, "", SECRET)


def test_sign_is_hmac_sha256_hex() -> None:
    # RFC 4231 test case 2
    assert sign(b"what do ya want for nothing?", "Jefe") == (
        "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")


def test_same_event_same_idempotency_key_on_retry(httpserver: HTTPServer, event: Event) -> None:
    seen = capture(httpserver)
    hook = channel(httpserver.url_for("/hooks/radar"), secret=SECRET)
    hook.send(event)
    hook.send(event)
    assert [r.headers["Idempotency-Key"] for r in seen] == [event.event_id] * 2
    assert seen[0].get_data() == seen[1].get_data()


def test_any_2xx_is_success(httpserver: HTTPServer, event: Event) -> None:
    capture(httpserver, status=202)
    channel(httpserver.url_for("/hooks/radar")).send(event)


def test_evidence_list_may_be_empty(httpserver: HTTPServer, event_factory) -> None:
    seen = capture(httpserver)
    channel(httpserver.url_for("/hooks/radar")).send(event_factory(evidence=()))
    assert json.loads(seen[0].get_data())["evidence"] == []


def test_multiple_evidence_in_order(httpserver: HTTPServer, event_factory) -> None:
    second = Evidence("公式サイト", "https://akudama-drive.com/news/2", "akudama-official", "official", None)
    event = event_factory(evidence=(event_factory().evidence[0], second))
    seen = capture(httpserver)
    channel(httpserver.url_for("/hooks/radar")).send(event)
    assert [e["source"] for e in json.loads(seen[0].get_data())["evidence"]] == ["ann", "akudama-official"]


# --- failures --------------------------------------------------------------------------------------

def secret_url(httpserver: HTTPServer) -> str:
    return httpserver.url_for(f"/hooks/{PATH_TOKEN}") + f"?token={QUERY_TOKEN}"


def test_http_500_raises_without_secrets(httpserver: HTTPServer, event: Event) -> None:
    httpserver.expect_request(f"/hooks/{PATH_TOKEN}").respond_with_data(
        f"boom: bad token {QUERY_TOKEN}", status=500)
    with pytest.raises(DeliveryError) as info:
        channel(secret_url(httpserver), secret=SECRET).send(event)
    assert info.value.notifier == "automation"
    assert "500" in str(info.value)
    assert "127.0.0.1" in str(info.value)
    assert_clean(info.value, SECRET, PATH_TOKEN, QUERY_TOKEN)


def test_4xx_and_redirects_are_failures(httpserver: HTTPServer, event: Event) -> None:
    httpserver.expect_request("/gone").respond_with_data("", status=410)
    httpserver.expect_request("/moved").respond_with_data("", status=302, headers={"Location": "/gone"})
    for path, code in (("/gone", "410"), ("/moved", "302")):
        with pytest.raises(DeliveryError, match=code):
            channel(httpserver.url_for(path)).send(event)


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts TCP connections but never answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock.getsockname()[1]


def test_timeout_raises_without_secrets(silent_port: int, event: Event) -> None:
    url = f"http://127.0.0.1:{silent_port}/hooks/{PATH_TOKEN}?token={QUERY_TOKEN}"
    with pytest.raises(DeliveryError, match="timed out") as info:
        channel(url, secret=SECRET, timeout=0.3).send(event)
    assert_clean(info.value, SECRET, PATH_TOKEN, QUERY_TOKEN)


def test_a_trickling_receiver_is_cut_off_at_the_deadline_for_the_whole_request(event: Event) -> None:
    # one byte of status line every 0.2 s: each read is quick, so only a deadline on the whole request ends it
    sent: list[int] = []
    server = RawServer(trickle(0.2, sent, head=False))
    try:
        started = time.monotonic()
        with pytest.raises(DeliveryError, match="timed out after 1 s"):
            channel(server.url(f"/hooks/{PATH_TOKEN}"), timeout=1).send(event)
        assert time.monotonic() - started < 5  # generous: without the deadline it never ends
        assert server.client_closed.wait(10)
    finally:
        server.close()


def test_a_huge_error_body_is_read_only_up_to_the_cap(event: Event) -> None:
    sent: list[int] = []

    def endless_500(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 500 Oops\r\nContent-Type: text/plain\r\nContent-Length: 2147483648\r\n\r\n"
                     + b"receiver says no " * 8)
        while True:
            conn.sendall(bytes(65536))
            sent.append(65536)

    server = RawServer(endless_500)
    try:
        with pytest.raises(DeliveryError, match=r"HTTP 500 Oops from .*: receiver says no"):
            channel(server.url("/hook"), timeout=5).send(event)
        assert server.client_closed.wait(10)
        assert sum(sent) < 64 * 2**20  # what the socket buffers took, not 2 GB
    finally:
        server.close()


def test_refused_connection_raises_without_secrets(event: Event) -> None:
    url = f"http://127.0.0.1:{free_port()}/hooks/{PATH_TOKEN}?token={QUERY_TOKEN}"
    with pytest.raises(DeliveryError, match="connection failed") as info:
        channel(url, secret=SECRET).send(event)
    assert "refused" in str(info.value).lower()
    assert_clean(info.value, SECRET, PATH_TOKEN, QUERY_TOKEN)


def test_unresolvable_host_raises(event: Event) -> None:
    with pytest.raises(DeliveryError, match="connection failed"):
        channel(f"http://radar-test.invalid/hooks/{PATH_TOKEN}", timeout=2).send(event)


# --- options and masking ---------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["ftp://example.org/x", "example.org/hook", "https://", "discord://a/b"])
def test_only_http_urls(url: str) -> None:
    with pytest.raises(ValidationError):
        channel(url)


def test_options_reject_unknown_keys_and_bad_timeouts() -> None:
    options = WebhookChannel.Options
    with pytest.raises(ValidationError):
        options.model_validate({"url": "https://example.org", "sekret": "x"})
    for bad in (0, -1, "soon", 3600):
        with pytest.raises(ValidationError):
            options.model_validate({"url": "https://example.org", "timeout": bad})
    assert options.model_validate({"url": "https://example.org"}).timeout == 10
    assert options.model_validate({"url": "https://example.org", "timeout": "1500ms"}).timeout == 1.5


def test_validation_errors_never_echo_the_secret() -> None:
    with pytest.raises(ValidationError) as info:
        WebhookChannel.Options.model_validate({"url": f"ftp://host/{PATH_TOKEN}", "secret": 12})
    assert PATH_TOKEN not in str(info.value)


def test_describe_and_redacted_options_mask_secrets() -> None:
    hook = channel(f"https://hooks.example.org:8443/radar/{PATH_TOKEN}?token={QUERY_TOKEN}", secret=SECRET)
    assert hook.describe() == "https://hooks.example.org:8443/…"
    shown = repr(hook) + str(hook.redacted_options()) + repr(hook.options)
    for secret in (SECRET, PATH_TOKEN, QUERY_TOKEN):
        assert secret not in shown
    assert channel("https://example.org").describe() == "https://example.org"


def test_the_declared_secrets_hide_what_its_shown_form_hides() -> None:
    """What the config masks everywhere (Channel.secrets) is what the channel's own errors hide: the
    secret and every token-like value of the URL that its shown form leaves out; not the words of the path."""
    hook = channel(f"https://hooks.example.org/radar/{PATH_TOKEN}?token={QUERY_TOKEN}", secret=SECRET)
    said = f"bad token {QUERY_TOKEN} at /radar/{PATH_TOKEN} signed {SECRET} by hooks.example.org; radar"
    assert hook.secrets().mask(said) == (
        "bad token **** at /radar/**** signed **** by hooks.example.org; radar")
