"""Apprise decides which URLs it can use, its services' native https:// URLs included, and its plugins'
own declarations (`private` tokens, `url(privacy=True)`) decide what is masked."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from notifier.apprise_channel import AppriseChannel

DISCORD_TOKEN = "Discord-Token-abcdef0123"
SLACK_TOKEN = "TIiajkdnlazkcOXrIdevi7FQ"


@pytest.mark.parametrize("url, scheme, private", [
    (f"https://discord.com/api/webhooks/112233445566/{DISCORD_TOKEN}", "discord://",
     ["112233445566", DISCORD_TOKEN]),
    ("https://ntfy.sh/radar-alerts", "ntfys://", []),
    (f"https://hooks.slack.com/services/T1JJ3T3L2/A1BRTD4JD/{SLACK_TOKEN}", "slack://", [SLACK_TOKEN]),
])
def test_native_service_urls_are_accepted_and_their_tokens_masked(url, scheme, private):
    channel = AppriseChannel("chat", AppriseChannel.Options.model_validate({"url": url}))
    assert channel.describe().startswith(scheme)
    shown = channel.describe() + str(channel.redacted_options())
    for token in private:
        assert token not in shown
        assert channel.secrets().mask(f"posting with {token}") == "posting with ****"
    # Only what the plugin declares private is a secret: the words of its URL are not.
    assert channel.secrets().mask("webhooks api services discord.com ntfy.sh") == (
        "webhooks api services discord.com ntfy.sh")


def test_an_https_url_no_service_claims_is_a_clear_error():
    with pytest.raises(ValidationError) as info:
        AppriseChannel.Options.model_validate({"url": "https://example.org/hooks/radar-Secret-42"})
    text = str(info.value)
    assert "Apprise does not recognise this https:// URL" in text and 'kind = "webhook"' in text
    assert "radar-Secret-42" not in text


@pytest.mark.parametrize("url", ["ntfys://radar-private-topic", "ntfy://radar-private-topic",
                                 "https://ntfy.sh/radar-private-topic"])
def test_an_ntfy_cloud_topic_is_never_shown(url):
    # Apprise keeps a cloud topic where a host would be; a topic on ntfy.sh is all it takes to read it.
    channel = AppriseChannel("phone", AppriseChannel.Options.model_validate({"url": url}))
    shown = channel.describe() + str(channel.redacted_options())
    assert "radar-private-topic" not in shown and shown.startswith(("ntfy://", "ntfys://"))
    assert channel.secrets().mask("sent to radar-private-topic") == "sent to ****"


def test_a_self_hosted_ntfy_server_is_shown_and_its_topic_is_not():
    options = AppriseChannel.Options.model_validate({"url": "ntfy://ntfy.example.org/radar-topic"})
    channel = AppriseChannel("phone", options)
    assert channel.describe() == "ntfy://ntfy.example.org/…"
