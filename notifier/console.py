"""The `console` kind: the readable alert printed to stdout or stderr (offline demos, debugging)."""

from __future__ import annotations

import logging
import sys
from typing import Literal

from radar.domain import wording as message
from radar.domain.channel import Channel, ChannelOptions
from radar.domain.errors import DeliveryError
from radar.domain.models import Event

log = logging.getLogger(__name__)


class ConsoleChannel(Channel, kind="console"):
    """Print each alert to the terminal (stdout by default)."""

    class Options(ChannelOptions):
        """stream: stdout or stderr."""

        stream: Literal["stdout", "stderr"] = "stdout"

    options: Options
    prints = True

    def describe(self) -> str:
        return f"console ({self.options.stream})"

    def send(self, event: Event) -> None:
        rendered = message.render(event)
        stream = sys.stdout if self.options.stream == "stdout" else sys.stderr
        try:
            stream.write(f"{rendered.title}\n{rendered.text}\n\n")
            stream.flush()
        except (OSError, ValueError) as exc:  # closed pipe or closed stream
            raise DeliveryError(self.name, f"cannot write to {self.options.stream}: {exc}") from None
