"""The `apprise` kind: any Apprise URL (Discord, Slack, Telegram, ntfy, Matrix, e-mail, json:// …)."""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, ValidationInfo, field_validator

from radar import PROJECT_URL
from radar.domain.channel import Channel, ChannelOptions, Timeout
from radar.domain.errors import DeliveryError
from radar.domain.models import Event
from radar.domain.secret import MASK, Masker, short_url, url_secrets, url_tokens

from .template import TemplateInvalid, compile_templates

if TYPE_CHECKING:
    import apprise

log = logging.getLogger(__name__)

_MAX_REASON = 300


@functools.cache
def _asset() -> Any:
    """Apprise's branding for our messages; Apprise is imported only when a notifier needs it."""
    import apprise

    return apprise.AppriseAsset(app_id="Renewal Radar", app_desc="Renewal Radar alerts", app_url=PROJECT_URL)


def _scheme(url: str) -> str:
    return url.split("://", 1)[0].strip().lower() if "://" in url else ""


def _supported(scheme: str) -> bool:
    """Whether Apprise has a plugin for `scheme` (True when this Apprise cannot tell)."""
    import apprise

    manager = getattr(apprise, "NotificationManager", None)
    return manager is None or scheme in manager()


def _instantiate(url: str) -> tuple[apprise.NotifyBase | None, str]:
    """The Apprise plugin for `url` (or None) and Apprise's own complaint, every URL part masked.

    Apprise decides: besides its own schemes it reads services' native URLs
    (`https://discord.com/api/webhooks/…`, `https://ntfy.sh/topic`, `https://hooks.slack.com/…`).
    """
    import apprise

    with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as captured:
        plugin = apprise.Apprise.instantiate(url, asset=_asset(), suppress_exceptions=True)
    return plugin, Masker(url_tokens(url)).mask(" ".join(captured.getvalue().split()))


def _warnings(result: Any) -> list[str]:
    """The warnings Apprise logged for this one send (its result keeps them apart from every other
    notifier's, which apprise.LogCapture would mix in while several notifiers send at once)."""
    levels = {"WARNING", "ERROR", "CRITICAL", "DEPRECATION WARNING"}
    entries = result.logs() if callable(getattr(result, "logs", None)) else ()
    return [str(e.message) for e in entries
            if str(getattr(e, "level", "")).upper() in levels or (isinstance(e.level, int) and e.level >= 30)]


def _public_url(plugin: apprise.NotifyBase) -> str:
    """What is shown of an Apprise URL: the scheme and host of its `url(privacy=True)` form; its user,
    path and query (a user name, an ntfy topic, a webhook path) are private as well. A host the plugin
    does not hold as its host (ntfy's cloud form `ntfys://topic` keeps the topic there) is not shown."""
    private = plugin.url(privacy=True)
    try:
        shown = short_url(private)
    except ValueError:  # a masked port, say
        return f"{_scheme(private)}://…"
    host = getattr(plugin, "host", None)
    if not host or not isinstance(host, str) or host.lower() not in shown.lower():
        return f"{_scheme(private)}://…"
    return shown


def _private_values(plugin: apprise.NotifyBase) -> list[str]:
    """The values of the tokens the plugin itself declares private (what `url(privacy=True)` hides)."""
    found: list[str] = []
    for name, spec in {**plugin.template_tokens, **plugin.template_args}.items():
        if not spec.get("private"):
            continue
        value = getattr(plugin, name, None)
        if value is None and spec.get("map_to"):
            value = getattr(plugin, spec["map_to"], None)
        for item in value if isinstance(value, (list, tuple, set)) else (value,):
            if isinstance(item, str):
                found.append(item)
    return found


def _targets(plugin: apprise.NotifyBase) -> list[str]:
    """The plugin's targets (ntfy's topics, say): private when its URL carries them in the host place."""
    found = getattr(plugin, "topics", None) or getattr(plugin, "targets", None) or ()
    return [t for t in found if isinstance(t, str)]


class AppriseChannel(Channel, kind="apprise"):
    """Send a readable alert through Apprise: discord://, slack://, tgram://, ntfy://, mailto:// …"""

    class Options(ChannelOptions):
        """url: an Apprise URL; timeout: network timeout in seconds; format: text, markdown or html body;
        title_template, body_template, template_file: Jinja2 templates of the message (notifier.template)."""

        url: str = Field(repr=False)
        timeout: Timeout = 10.0
        format: Literal["text", "markdown", "html"] = "text"
        title_template: str | None = None
        body_template: str | None = None
        template_file: str | None = None

        @field_validator("template_file")
        @classmethod
        def _template_path(cls, value: str | None, info: ValidationInfo) -> str | None:
            """A relative path is taken from the config directory (when the config loader says which)."""
            if value is None:
                return None
            path = Path(value).expanduser()
            directory = (info.context or {}).get("directory")
            return str(path if path.is_absolute() or directory is None else Path(directory) / path)

        @field_validator("url")
        @classmethod
        def _apprise_url(cls, value: str) -> str:
            value = value.strip()
            scheme = _scheme(value)
            if not scheme:
                raise ValueError("is not an Apprise URL: expected scheme://… such as discord:// or mailto://")
            plugin, complaint = _instantiate(value)
            if plugin is not None:
                return value
            if scheme in ("http", "https"):
                raise ValueError(f"Apprise does not recognise this {scheme}:// URL as a service's; "
                                 'for your own endpoint use kind = "webhook" (or Apprise\'s json:// form)')
            if not _supported(scheme):
                raise ValueError(f"URL scheme '{scheme}://' isn't supported by Apprise "
                                 "(see https://github.com/caronc/apprise/wiki for the list)")
            raise ValueError(f"Apprise cannot use this {scheme}:// URL"
                             + (f": {complaint}" if complaint else "; check its form"))

    secret_fields = ("url",)
    options: Options

    def __init__(self, name: str, options: Options) -> None:
        super().__init__(name, options)
        plugin = self._plugin()
        self._private_url = _public_url(plugin)
        self._secrets = Masker([options.url, *_private_values(plugin)])
        self._secrets.add_url(options.url)
        # what Apprise's own form of the URL holds and the shown form does not: user, path, an ntfy topic
        for value in url_secrets(plugin.url().split("?", 1)[0], public=self._private_url):
            self._secrets.add(value)
        if self._private_url.endswith("://…"):  # the host position holds a target (an ntfy cloud topic)
            for value in _targets(plugin):
                self._secrets.add(value)
        self.templates = compile_templates(options.format, options.title_template, options.body_template,
                                           Path(options.template_file) if options.template_file else None)

    def _plugin(self) -> apprise.NotifyBase:
        """A fresh Apprise plugin for the URL (no state carried between sends), with our timeout."""
        plugin, _ = _instantiate(self.options.url)
        if plugin is None:  # validated in Options; only a changed environment gets here
            raise DeliveryError(self.name, f"Apprise cannot use this {_scheme(self.options.url)}:// URL")
        plugin.socket_connect_timeout = self.options.timeout
        plugin.socket_read_timeout = self.options.timeout
        return plugin

    def describe(self) -> str:
        return self._private_url

    def secrets(self) -> Masker:
        """The whole URL, the tokens Apprise's plugin declares private, and any URL password."""
        return self._secrets

    def mask_option(self, key: str, value: object) -> str:
        return self._private_url if key == "url" else MASK

    def send(self, event: Event) -> None:
        import apprise

        try:
            title, body = self.templates.render(event)
        except TemplateInvalid as exc:
            raise DeliveryError(self.name, f"{exc} ({exc.fix})") from None
        body_format = {"markdown": apprise.NotifyFormat.MARKDOWN, "html": apprise.NotifyFormat.HTML}.get(
            self.options.format, apprise.NotifyFormat.TEXT)
        notifier = apprise.Apprise(asset=_asset())
        notifier.add(self._plugin())
        result: Any = False
        try:
            result = notifier.notify(body=body, title=title, body_format=body_format)
        except Exception as exc:  # noqa: BLE001 - a plugin bug must not take the delivery loop down
            log.debug("apprise raised %s", type(exc).__name__)
            result, crash = False, f"Apprise raised {type(exc).__name__}"
        else:
            crash = ""
        if not result:
            raise DeliveryError(self.name, self._reason("\n".join([*_warnings(result), crash])))
        log.info("apprise %s delivered %s via %s", self.name, event.event_id, self._private_url)

    def _reason(self, logs: str) -> str:
        """Apprise's warnings, one line, secrets masked; a generic reason when it said nothing."""
        lines = [" ".join(line.split()) for line in logs.splitlines() if line.strip()]
        reason = "; ".join(dict.fromkeys(lines)) or "Apprise reported a failure without details"
        reason = self._secrets.mask(reason)
        if len(reason) > _MAX_REASON:
            reason = reason[: _MAX_REASON - 1] + "…"
        return f"{reason} ({self._private_url})"
