"""`config show`: the effective config as TOML, each declared secret masked as its kind prints it."""

from __future__ import annotations

import json
from typing import Any

from radar.app.config import Config
from radar.domain.duration import format_duration
from radar.domain.secret import mask_url


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else str(value)


DURATIONS = {"lease", "failing_source", "interval", "timeout", "parse_budget", "retry_backoff", "max_backoff",
             "give_up_after"}  # seconds in the model, spelled as durations


def _section(name: str, values: dict[str, Any], config: Config) -> list[str]:
    """The `key = value` lines of one radar.toml section, as in effect (defaults included)."""
    if name == "store":  # the one URL in use, a path made absolute
        values = {"url": config.store_url, "lease": values["lease"]}
    lines = []
    for key, value in values.items():
        if value is None:
            continue
        if key in DURATIONS:
            value = format_duration(value) if value else "off"
        elif key == "jitter":
            value = f"{value:.0%}"
        elif key == "url":
            value = mask_url(value)
        lines.append(f"{key} = {_value(value)}")
    return lines


def render_config(config: Config) -> str:
    """The three files as loaded, durations spelled out; secret options masked by their channel, URL
    passwords by ****, every other value (a ${VAR} one too) as it is."""
    from radar.app import plugins

    radar = config.radar
    lines = [f"# {config.directory}/radar.toml"]
    for section in ("plugins", "store", "alerts", "schedule", "delivery", "anilist", "board"):
        lines += ["[" + section + "]", *_section(section, getattr(radar, section).model_dump(), config), ""]
    lines.pop()
    for spec in config.notifiers:
        lines += ["", "[[notifier]]", f"name = {_value(spec.name)}", f"kind = {_value(spec.kind)}",
                  f"events = {_value(spec.events)}", f"shows = {_value(spec.shows)}"]
        shown = plugins.channel_kinds()[spec.kind](spec.name, spec.options).redacted_options()
        for key in spec.options.model_dump(exclude_none=True):
            value = shown[key]
            lines.append(f"{key} = {_value(mask_url(value) if isinstance(value, str) else value)}")
    lines += ["", f"# {config.directory}/sources.toml"]
    for source in config.sources:
        lines += ["[[source]]", f"name = {_value(source.name)}", f"kind = {_value(source.kind)}",
                  f"url = {_value(mask_url(source.url))}", f"trust = {_value(source.trust)}"]
        if source.interval:
            lines.append(f"interval = {_value(format_duration(source.interval))}")
        if source.show:
            lines.append(f"show = {_value(source.show)}")
        lines += [f"{k} = {_value(v)}" for k, v in source.options] + [""]
    lines.append(f"# {config.directory}/watchlist.toml")
    for show in config.shows:
        lines += ["[[show]]", f"id = {_value(show.id)}", f"title = {_value(show.title)}",
                  f"aliases = {_value(show.aliases)}", ""]
    return config.masker.mask("\n".join(lines))
