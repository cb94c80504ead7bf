"""The reference in docs/ is the code's: every config key, command, exit code and payload field is
documented, every link resolves, and the systemd unit runs the command where the README installs it."""

from __future__ import annotations

import argparse
import re
import subprocess
from pathlib import Path

import pytest
from pydantic import BaseModel

from radar.app.settings import NotifierEntry, RadarFile, ShowEntry, SourceEntry
from radar.cli.commands import build_parser
from radar.domain.channel import Channel
from radar.domain.errors import ExitStatus
from radar.domain.sample import sample_event
from radar.domain.source_kind import SourceKind

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"


def _rows(path: Path) -> set[str]:
    """The keys of a markdown reference: the `names` in the first cell of each table row."""
    cells = re.findall(r"^\| (`[^|]+`) \|", path.read_text(), re.MULTILINE)
    return {name for cell in cells for name in re.findall(r"`([^`]+)`", cell)}


def _keys(model: type[BaseModel]) -> set[str]:
    return set(model.model_fields)


def test_every_config_key_is_in_docs_config():
    documented = _rows(DOCS / "config.md")
    expected = set()
    for field in RadarFile.model_fields.values():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            expected |= _keys(annotation)
    expected |= _keys(NotifierEntry) | _keys(SourceEntry) | _keys(ShowEntry)
    for registry in (Channel.registry, SourceKind.registry):
        for kind in registry.values():
            expected |= _keys(kind.Options)
    assert expected - documented == set()
    text = (DOCS / "config.md").read_text()
    for kind in (*Channel.registry, *SourceKind.registry):
        assert f'kind = "{kind}"' in text or f"`{kind}`" in text, kind


def test_every_command_and_exit_code_is_in_docs_commands():
    text = (DOCS / "commands.md").read_text()
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for command in sub.choices:
        assert re.search(rf"^## `{re.escape(command)}[ `]", text, re.MULTILINE), command
    for status in ExitStatus:
        assert f"| {status.value} | `{status.name}` |" in text, status


def test_every_payload_field_is_in_docs_webhook():
    documented = _rows(DOCS / "webhook.md")
    assert set(sample_event("hook").payload()) | {"installment"} <= documented


@pytest.mark.parametrize("doc", ["README.md", "docs/config.md", "docs/commands.md", "docs/webhook.md"])
def test_links_resolve_and_nothing_points_at_a_missing_contract(doc):
    text = (REPO / doc).read_text()
    assert "CONTRACT.md" not in text
    for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", text):
        assert ((REPO / doc).parent / target).exists(), f"{doc} links to missing {target}"


def test_the_unit_runs_the_command_where_the_readme_installs_it():
    unit = (REPO / "contrib" / "renewal-radar.service").read_text()
    binary = re.search(r"^ExecStart=(\S+) daemon", unit, re.MULTILINE)
    assert binary, unit
    readme = (REPO / "README.md").read_text()
    assert re.search(rf"ln -sf? \S+ {re.escape(binary.group(1))}\b", readme) or \
        f"--prefix={Path(binary.group(1)).parent.parent}" in readme


def test_classify_help_describes_its_input_and_output(renewal_radar):
    shown = subprocess.run([*renewal_radar, "classify", "--help"], capture_output=True,
                           text=True, check=True, cwd=REPO).stdout
    for words in ("stdin", '"title"', '"source_trust"', '"events"', '"event"', '"release"', '"installment"',
                  "rumor", '"error"'):
        assert words in shown, words
