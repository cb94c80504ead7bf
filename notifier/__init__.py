"""The notifier kinds (a `renewal_radar.plugins` entry point): importing this package registers them
in `radar.domain.channel.Channel.registry`."""

from . import apprise_channel, console, webhook  # noqa: F401  (importing fills the registry)
from .webhook import verify_signature

__all__ = ["verify_signature"]
