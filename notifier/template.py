"""Alert messages from Jinja2 templates: an Apprise notifier's title and body.

Templates run in Jinja2's immutable sandbox (a template can read the alert, never change anything or
reach Python internals), with undefined names an error, and autoescaped when the body is HTML. The
shipped defaults (`notifier/templates/`) render exactly what `radar.domain.wording` renders. A notifier
may set `title_template`, `body_template` (a string each) or `template_file` (a file with
`{% block title %}` and/or `{% block body %}`); what it leaves out is the default. A template that
does not compile, or fails on a sample alert, is a `TemplateInvalid` naming the option and the line.

What a template sees:
  event         the alert: event.event, .status, .previous_status, .release, .previous_release,
                .phrase, .detected_at, .show_id, .show_title, .installment, .event_id
  show          "Mushoku Tensei — Season 3" (the show, and the installment when one is named)
  headline      "dated July 2026", "season announced", "delayed to 2027-04 (was 2026-10)"
  installment   "Season 3", or none
  release, previous_release   as people write them: "July 2026"
  evidence      the articles: item.title, .url, .source, .trust, .published
  test          true for the alert `notify-test` sends
  change        "Status: announced (was none)", or for a new release "delayed: 2026-10 → 2027-01"
  detected      when it was detected, in local time with the zone: "2026-10-30 18:15 JST"
filters: when ("2026-07" → "July 2026"), md (escape for markdown), link (a URL safe in markdown),
web_url (the URL when it is http(s), else empty).
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from jinja2 import BaseLoader, StrictUndefined, Template, TemplateError, TemplateSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from radar.domain import wording as message
from radar.domain.models import Event

DEFAULT_BODY = {"text": "body.txt.j2", "markdown": "body.md.j2", "html": "body.html.j2"}
DEFAULT_TITLE = "title.j2"


class TemplateInvalid(ValueError):
    """A template that does not compile or cannot render an alert: the option, the line, the fix."""

    def __init__(self, option: str, line: int | None, problem: str, fix: str) -> None:
        self.option, self.line, self.problem, self.fix = option, line, problem, fix
        super().__init__(f"{option}" + (f" line {line}" if line else "") + f": {problem}")


def web_url(url: str | None) -> str:
    """The URL when it is http(s), else "" (a `javascript:` link from a feed never becomes a link)."""
    url = (url or "").strip()
    return url if url.lower().startswith(("https://", "http://")) else ""


def context(event: Event) -> dict[str, Any]:
    """What a template sees (see the module docstring)."""
    return {"event": event, "show": message.show_name(event), "headline": message.headline(event),
            "installment": message.installment_name(event.installment),
            "release": message.when(event.release),
            "previous_release": message.when(event.previous_release), "evidence": list(event.evidence),
            "test": message.is_test(event), "change": message.change(event),
            "detected": message.local_time(event.detected_at)}


class _Sources(BaseLoader):
    """Templates by name: the shipped defaults, and this notifier's own strings and file."""

    def __init__(self, own: dict[str, str]) -> None:
        self.own = own

    def get_source(self, environment: Any, template: str) -> tuple[str, str, Callable[[], bool]]:
        if template in self.own:
            return self.own[template], template, lambda: True
        return files("notifier").joinpath("templates", template).read_text("utf-8"), template, lambda: True


def _environment(own: dict[str, str], html: bool) -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(loader=_Sources(own), autoescape=html, undefined=StrictUndefined,
                                        trim_blocks=True, lstrip_blocks=True)
    env.filters.update(when=message.when, md=message._md, link=message._link, web_url=web_url)
    return env


@dataclass(frozen=True)
class Part:
    """One compiled part (title or body): a template, or one block of the notifier's template file."""

    # what the user wrote it as: "title_template", "template_file block body", or "default"
    option: str
    template: Template
    block: str | None = None

    def render(self, values: dict[str, Any]) -> str:
        try:
            if self.block is None:
                return self.template.render(values)
            return "".join(self.template.blocks[self.block](self.template.new_context(values)))
        except TemplateError as exc:
            raise _invalid(self.option, self.template.name, exc) from None


def _invalid(option: str, name: str | None, exc: Exception) -> TemplateInvalid:
    line = getattr(exc, "lineno", None) if isinstance(exc, TemplateSyntaxError) else None
    if line is None:
        frames = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename == name]
        line = frames[-1] if frames else None
    problem = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return TemplateInvalid(option, line, " ".join(problem.split()),
                           "see the template variables in the README's \"Message templates\"")


@dataclass(frozen=True)
class Templates:
    """A notifier's title and body templates."""

    title: Part
    body: Part
    body_format: str = "text"

    def render(self, event: Event) -> tuple[str, str]:
        """The title and the body of one alert; TemplateInvalid when a template fails on it. A source's
        alert (source_failing, source_recovered) is not a show's: it is always radar.domain.wording's text."""
        if event.source is not None:
            rendered = message.render(event)
            if self.body_format == "html":
                from html import escape

                return rendered.title, "<pre>" + escape(rendered.text) + "</pre>"
            return rendered.title, rendered.markdown if self.body_format == "markdown" else rendered.text
        values = context(event)
        return " ".join(self.title.render(values).split()), self.body.render(values).strip("\n")


def _part(env: ImmutableSandboxedEnvironment, option: str, name: str, block: str | None = None) -> Part:
    try:
        return Part(option, env.get_template(name), block)
    except TemplateSyntaxError as exc:
        raise _invalid(option, name, exc) from None
    except OSError as exc:
        raise TemplateInvalid(option, None, f"cannot be read: {exc.strerror or exc}",
                              "check the path") from None


def compile_templates(body_format: str, title_template: str | None = None, body_template: str | None = None,
                      template_file: Path | None = None) -> Templates:
    """Compile a notifier's templates (the defaults for what it leaves out) and try them on a sample
    alert, so a mistake shows when the config is read, not at the first alert."""
    own = {"title_template": title_template or "", "body_template": body_template or ""}
    blocks: set[str] = set()
    if template_file is not None:
        try:
            own[str(template_file)] = template_file.read_text("utf-8")
        except OSError as exc:
            raise TemplateInvalid(
                "template_file", None, f"{template_file}: cannot be read: {exc.strerror}",
                "check the path (a relative one is taken from the config directory)") from None
    plain = _environment(own, False)  # the title is never escaped: a subject line is text
    body_env = _environment(own, True) if body_format == "html" else plain
    if template_file is not None:
        compiled = _part(plain, "template_file", str(template_file))
        blocks = set(compiled.template.blocks)
        if not blocks & {"title", "body"}:
            raise TemplateInvalid("template_file", None, f"{template_file} has no {{% block title %}} "
                                  "or {% block body %}", "wrap the title and the body in those blocks")
    title = (_part(plain, "title_template", "title_template") if title_template
             else _part(plain, "template_file", str(template_file), "title") if "title" in blocks
             else _part(plain, "default title", DEFAULT_TITLE))
    body = (_part(body_env, "body_template", "body_template") if body_template
            else _part(body_env, "template_file", str(template_file), "body") if "body" in blocks
            else _part(body_env, "default body", DEFAULT_BODY[body_format]))
    templates = Templates(title, body, body_format)
    from radar.domain.sample import sample_event

    templates.render(sample_event("template-check"))
    return templates
