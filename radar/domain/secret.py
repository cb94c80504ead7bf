"""Secrets by declaration, and the one way they are kept out of what is printed and logged.

A value is secret because of where it is, not because it came from `${VAR}`: a notifier kind names its
secret options (`Channel.secret_fields`; the webhook `secret`), an Apprise URL's private parts are the
tokens its plugin marks private (what `url(privacy=True)` hides), and the password of any URL's
`user:password@` is secret. Each is added to a `Masker`; `Masker.mask` hides them in any text.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit

MASK = "****"
TOKEN = 8  # a hidden URL part this long is a token worth masking in any text; a shorter one is a word
SHORTEST = 3  # a shorter secret cannot be told apart from ordinary text; it is only hidden where declared
ANYWHERE = 6  # a secret this long is hidden wherever it appears; a shorter one only where it stands alone
_EDGE = r"A-Za-z0-9_\-./"  # a short secret next to one of these is part of something else (a word, a path)


class Masker:
    """The secret values of one config; `mask(text)` replaces each of them with ****."""

    def __init__(self, values: Iterable[str] = ()) -> None:
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        for value in values:
            self.add(value)

    def add(self, value: str | None) -> None:
        """Declare one secret value (its URL-decoded form too)."""
        if not value:
            return
        for form in {value, unquote(value)}:
            if len(form) >= SHORTEST:
                self._values.add(form)
        self._pattern = None

    def add_url(self, url: str | None) -> None:
        """Declare the password of a URL's `user:password@`, if it has one."""
        self.add(url_password(url or ""))

    def update(self, other: Masker) -> None:
        """Declare every secret of another masker too."""
        for value in other._values:
            self.add(value)

    def __bool__(self) -> bool:
        return bool(self._values)

    def __contains__(self, value: object) -> bool:
        return value in self._values

    def mask(self, text: str) -> str:
        """The text with every declared secret replaced by ****; the longest first."""
        if not self._values or not text:
            return text
        if self._pattern is None:
            parts = [re.escape(v) if len(v) >= ANYWHERE else rf"(?<![{_EDGE}]){re.escape(v)}(?![{_EDGE}])"
                     for v in sorted(self._values, key=len, reverse=True)]
            self._pattern = re.compile("|".join(parts))
        return self._pattern.sub(MASK, text)


def url_password(url: str) -> str | None:
    """The password of `scheme://user:password@host…`, else None."""
    if "://" not in url:
        return None
    try:
        return urlsplit(url.strip()).password or None
    except ValueError:  # a malformed port or bracket: read the user info by hand
        userinfo = url.split("://", 1)[1].split("/", 1)[0].rpartition("@")[0]
        return userinfo.partition(":")[2] or None


def mask_url(url: str) -> str:
    """The URL with the password of its `user:password@` replaced by ****; otherwise unchanged."""
    password = url_password(url)
    if password is None:
        return url
    scheme, rest = url.split("://", 1)
    userinfo, at, _ = rest.partition("/")[0].rpartition("@")
    user = userinfo.partition(":")[0]
    return f"{scheme}://{user}:{MASK}@{rest[len(userinfo) + len(at):]}"


def short_url(url: str) -> str:
    """`scheme://host[:port]/…`: a URL with path, query, user info and fragment hidden (the shown form of a
    URL that is secret beyond its host)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    hidden = bool(parts.path.strip("/") or parts.query or parts.fragment or parts.username)
    return f"{parts.scheme}://{host}/…" if hidden else f"{parts.scheme}://{host}"


_USERINFO = re.compile(r"\b([A-Za-z][A-Za-z0-9+.-]{0,30}://)[^\s/?#@]{1,512}@")


def strip_credentials(text: str) -> str:
    """`text` with the `user:password@` of every URL in it removed: what is stored or served (a source's
    last error, /healthz) never carries a URL's credentials, masked or not."""
    return _USERINFO.sub(r"\1", text) if "@" in text else text


_VALUE_SPLIT = re.compile(r"[/,;\s]+")


def url_tokens(url: str) -> set[str]:
    """The values a URL carries: user, password, host, port, path segments and query values (not keys)."""
    try:
        parts = urlsplit(url.strip())
        port = str(parts.port or "")
    except ValueError:  # a malformed port: fall back to every run of word characters
        return set(re.findall(r"[^/:@?&=#\s]+", url.split("://", 1)[-1]))
    values = [parts.username or "", parts.password or "", parts.hostname or "", port]
    values += parts.path.split("/")
    values += [pair.partition("=")[2] for pair in parts.query.split("&")]
    values.append(parts.fragment)
    tokens: set[str] = set()
    for value in values:
        for text in {value, unquote(value)}:
            tokens.update(t for t in _VALUE_SPLIT.split(text) if t)
    return tokens


def url_secrets(url: str, public: str = "") -> set[str]:
    """The values of `url` that `public`, its printable form, does not show and that look like tokens
    (8+ characters: a topic, a webhook's id or key — not a word such as "hook" or "news", which a
    notifier's name or a message may hold too), and its password: what a kind that hides a URL's path
    and query declares secret in its own error texts."""
    parts = urlsplit(url.strip()) if "://" in url else None
    shown = url_tokens(public) if public else set()
    found = {t for t in url_tokens(url) - shown if len(t) >= TOKEN}
    if parts is not None and parts.password:
        found |= {parts.password, unquote(parts.password)}
    return found


class _LogMask(logging.Filter):
    """Masks the current config's secrets in every record, its traceback included."""

    def __init__(self) -> None:
        super().__init__()
        self.masker = Masker()

    def filter(self, record: logging.LogRecord) -> bool:
        masker = self.masker
        if masker:
            record.msg, record.args = masker.mask(record.getMessage()), ()
            if record.exc_info and not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            if record.exc_text:
                record.exc_text = masker.mask(record.exc_text)
        return True


_LOG_MASK = _LogMask()


def mask_logs(masker: Masker) -> None:
    """From now on, every log handler masks `masker`'s secrets (replacing the previous config's).

    Called when a config is loaded and again when the daemon reloads it, so a new secret is masked
    from the first line logged after the reload.
    """
    _LOG_MASK.masker = masker
    for handler in logging.getLogger().handlers:
        if _LOG_MASK not in handler.filters:
            handler.addFilter(_LOG_MASK)
