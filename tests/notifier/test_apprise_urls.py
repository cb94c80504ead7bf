"""Apprise decides which URLs it can use, its services' native https:// URLs included, and its plugins'
own declarations (`private` tokens, `url(privacy=True)`) decide what is masked."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from notifier import Channel
from notifier.apprise_channel import AppriseChannel

DISCORD_TOKEN = "Discord-Token-abcdef0123"
SLACK_TOKEN = "TIiajkdnlazkcOXrIdevi7FQ"


@pytest.mark.parametrize("url, scheme, private", [
    (f"https://discord.com/api/webhooks/112233445566/{DISCORD_TOKEN}", "discord://", ["112233445566", DISCORD_TOKEN]),
    ("https://ntfy.sh/radar-alerts", "ntfys://", []),
    (f"https://hooks.slack.com/services/T1JJ3T3L2/A1BRTD4JD/{SLACK_TOKEN}", "slack://", [SLACK_TOKEN]),
])
def test_native_service_urls_are_accepted_and_their_tokens_masked(url, scheme, private):
    channel = Channel.registry["apprise"].from_config("chat", {"url": url})
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
