"""The bundled config: `init` writes exactly ./config, and it validates."""

from pathlib import Path

from radar.app.config import load_config
from radar.cli.starter import STARTER_FILES, starter_text, write_starter

REPO = Path(__file__).resolve().parents[2]


def test_init_writes_the_bundled_default_config(tmp_path):
    written = write_starter(tmp_path / "cfg")
    assert [p.name for p in written] == list(STARTER_FILES)
    for name in STARTER_FILES:
        assert ((tmp_path / "cfg" / name).read_text() == (REPO / "config" / name).read_text()
                == starter_text(name))


def test_bundled_config_validates_with_honest_trust_tiers():
    config = load_config(REPO / "config", {})
    assert {s.id for s in config.shows} == {"akudama-drive", "one-punch-man", "princess-principal",
                                            "terra-formars"}
    trust = {s.name: s.trust for s in config.sources}
    assert trust["ann"] == "news" and trust["akudama-official"] == "official"
    assert "community" in trust.values()
    assert all(s.show for s in config.sources if s.kind == "html")
