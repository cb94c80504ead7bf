"""Delivery of alerts: one Channel class per notifier kind, looked up in Channel.registry."""

from . import apprise_channel, console, webhook  # noqa: F401  (importing fills the registry)
from .base import Channel, ChannelOptions
from .message import Message, render
from .test_event import sample_event
from .webhook import verify_signature

__all__ = ["Channel", "ChannelOptions", "Message", "render", "sample_event", "verify_signature"]
