"""Secrets by declaration through the real CLI: `config show` and `notify-test` mask the secret options
and URL passwords and print everything else as it is; after a SIGHUP the daemon's log masks the new
config's secrets."""

from __future__ import annotations

import signal

from test_daemon import WATCHLIST, rss, source

HOOK_SECRET = "hook-Secret-31337"
DISCORD_TOKEN = "Discord-Token-abcdef0123"
FEED_PASSWORD = "feed-Pass-4242"


def test_config_show_and_notify_test_mask_secrets_and_nothing_else(cli, site, hook):
    port = site.url("/hook").split(":")[2].split("/")[0]
    cli.env.update({"POLL": "1m", "HOOK_PORT": port, "HOOK_SECRET": HOOK_SECRET,
                    "DISCORD": f"https://discord.com/api/webhooks/112233445566/{DISCORD_TOKEN}"})
    (cli.config / "watchlist.toml").write_text(WATCHLIST)
    (cli.config / "sources.toml").write_text(
        source("news-1m", site.url("/news.xml"), extra='interval = "${POLL}"\n')
        + source("members", f"http://reader:{FEED_PASSWORD}@127.0.0.1:{port}/members.xml"))
    (cli.config / "radar.toml").write_text("""
[[notifier]]
name = "automation"
kind = "webhook"
url = "http://127.0.0.1:${HOOK_PORT}/hook"
secret = "${HOOK_SECRET}"

[[notifier]]
name = "chat"
kind = "apprise"
url = "${DISCORD}"
events = []
""")
    shown = cli("config", "show").stdout
    for plain in ('name = "news-1m"', 'interval = "1m"', f'url = "http://127.0.0.1:{port}/…"',
                  f'url = "http://reader:****@127.0.0.1:{port}/members.xml"', 'url = "discord://'):
        assert plain in shown, shown
    for secret in (HOOK_SECRET, DISCORD_TOKEN, FEED_PASSWORD):
        assert secret not in shown

    sent = cli("notify-test", "automation").stdout
    assert sent.strip() == f"automation: sent (http://127.0.0.1:{port}/…)"
    assert len(hook.calls) == 1


def test_after_sighup_the_log_masks_the_new_configs_secrets(cli, site, daemons):
    """The reloaded config adds a source whose URL carries a password; its failure is logged masked."""
    cli.env["MEMBERS_URL"] = f"http://reader:{FEED_PASSWORD}@{site.url('/members.xml').split('://')[1]}"
    (cli.config / "watchlist.toml").write_text(WATCHLIST)
    (cli.config / "radar.toml").write_text('[schedule]\ninterval = "1s"\njitter = "0%"\n')
    sources = source("news", site.url("/news.xml"))
    (cli.config / "sources.toml").write_text(sources)
    site.put("/news.xml", rss())
    site.put("/members.xml", "members only", "text/plain", status=403)
    daemon = daemons("-v")
    site.wait(lambda: site.of("/news.xml"), 20, "the first poll", daemon.output)
    (cli.config / "sources.toml").write_text(sources + source("members", "${MEMBERS_URL}"))
    daemon.proc.send_signal(signal.SIGHUP)
    daemon.wait(lambda: "reader:" in daemon.output(), 20, "a log line naming the new source's URL")
    assert daemon.stop()[0] == 0
    text = daemon.output()
    assert FEED_PASSWORD not in text
    assert "reader:****@" in text, text
