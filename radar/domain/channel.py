"""The Channel registry: one small class per notifier kind, validated by its Options model.

Kinds live in a plugin package (`notifier`) or a file named by `[radar] plugin_paths`; the core finds
them only through `Channel.registry`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, SecretStr

from radar.domain.duration import parse_duration
from radar.domain.models import Event
from radar.domain.secret import MASK, Masker, url_secrets


def _seconds(value: object) -> object:
    """Accept 10, 2.5, "10s", "500ms" or "1m" as seconds (radar.domain.duration); leave the rest to
    pydantic."""
    return parse_duration(value) if isinstance(value, str) else value


class ChannelOptions(BaseModel):
    """Base of every kind's Options: unknown keys are errors and inputs never appear in error text."""

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)


Timeout = Annotated[float, BeforeValidator(_seconds), Field(gt=0, le=300)]
"""A network timeout in seconds (a number or a duration string), at most 5 minutes."""


class Channel(ABC):
    """A place alerts are delivered to."""

    registry: ClassVar[dict[str, type[Channel]]] = {}
    Options: ClassVar[type[BaseModel]]
    secret_fields: ClassVar[tuple[str, ...]] = ()
    kind: ClassVar[str]
    prints: ClassVar[bool] = False  # writes each alert whole to the terminal (`check` prints no line of it)

    def __init_subclass__(cls, *, kind: str, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        options = getattr(cls, "Options", None)
        if not (isinstance(options, type) and issubclass(options, BaseModel)):
            raise TypeError(f"{cls.__qualname__} must define an Options pydantic model")
        known = Channel.registry.get(kind)
        if known is not None and known.__qualname__ != cls.__qualname__:
            raise TypeError(f"channel kind {kind!r} is already registered by {known.__qualname__}")
        cls.kind = kind
        Channel.registry[kind] = cls

    def __init__(self, name: str, options: BaseModel) -> None:
        if not isinstance(options, self.Options):
            raise TypeError(f"{type(self).__qualname__} needs {self.Options.__qualname__}, "
                            f"got {type(options).__qualname__}")
        self.name = name
        self.options = options

    @abstractmethod
    def send(self, event: Event) -> None:
        """Deliver one event; raise DeliveryError(name, reason) on any failure, never naming a secret."""

    def describe(self) -> str:
        """One line naming the target, secrets masked."""
        return self.kind

    def secrets(self) -> Masker:
        """The declared secrets of the options: each of `secret_fields` (whole), any URL's password, a
        secret URL's path and query as one string and each token-like value its shown form
        (`mask_option`) hides (`url_secrets`). Kinds that know more declare more."""
        masker = Masker()
        for key in self.secret_fields:
            value = getattr(self.options, key, None)
            if isinstance(value, SecretStr):
                value = value.get_secret_value()
            if not isinstance(value, str):
                continue
            masker.add(value)
            masker.add_url(value)
            if "://" in value:
                masker.add("/" + value.split("://", 1)[1].partition("/")[2])
                for token in url_secrets(value, public=self.mask_option(key, value)):
                    masker.add(token)
        return masker

    def redacted_options(self) -> dict[str, object]:
        """The options as a dict with every secret field replaced by a mask (for `config show`)."""
        data = self.options.model_dump()
        for key in self.secret_fields:
            if data.get(key) is not None:
                data[key] = self.mask_option(key, data[key])
        return data

    def mask_option(self, key: str, value: object) -> str:
        """The printable form of one secret option; kinds may show more (a host, say)."""
        return MASK

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} {self.describe()}>"
