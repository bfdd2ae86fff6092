"""`plano validate` and `plano init` driven through `plano.cli.main`."""

from __future__ import annotations

from pathlib import Path

import pytest

import plano.cli
from plano.cli import main
from plano.config import command, load_config

REFERENCE = Path(__file__).parents[2] / "fixtures" / "configs" / "reference"


@pytest.fixture(autouse=True)
def _only_config_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    # Other concerns' commands are not needed here (and may not exist on this branch yet).
    monkeypatch.setattr(plano.cli, "_registrations", lambda: (command.register,))


def test_validate_valid_file_prints_one_summary_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(REFERENCE / "weather_forecast.yaml")]) == 0
    out, err = capsys.readouterr()
    assert out == (
        "valid: weather_forecast.yaml — 2 listeners, 4 model providers, 0 aliases, 0 agents\n"
    )
    assert "warning: version v0.3.0 was upgraded to v0.4.0" in err


def test_validate_reports_unset_variables_as_warnings(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    assert main(["validate", str(REFERENCE / "e2e_config_native_smoke.yaml")]) == 0
    err = capsys.readouterr().err
    assert "environment variable OPENAI_API_KEY is not set" in err


def test_validate_invalid_file_lists_every_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "version: v0.4.0\nlisteners:\n  - type: model\n    name: llm\n    port: nope\n"
        "model_providers:\n  - model: gpt-4o\n"
    )
    assert main(["validate", str(path)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert lines[0] == f"invalid: {path} — 2 problems"
    assert any(line.strip().startswith("listeners[0].port:") for line in lines)
    assert any(line.strip().startswith("model_providers[0].model:") for line in lines)


def test_validate_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path / "nope.yaml")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_validate_non_yaml_exits_2_with_position(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("version: [v0.4.0\n")
    assert main(["validate", str(path)]) == 2
    assert "line 2, column 1" in capsys.readouterr().err


def test_init_writes_the_default_template(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "plano_config.yaml"
    assert main(["init", str(path)]) == 0
    assert path.read_text() == command.template_text("model_proxy")
    assert "wrote" in capsys.readouterr().out


def test_init_into_a_directory_uses_the_default_name(tmp_path: Path) -> None:
    assert main(["init", str(tmp_path)]) == 0
    assert (tmp_path / "plano_config.yaml").exists()


def test_init_refuses_to_overwrite_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "plano_config.yaml"
    path.write_text("mine")
    assert main(["init", str(path)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert path.read_text() == "mine"
    assert main(["init", "--force", str(path)]) == 0
    assert path.read_text() != "mine"


def test_init_lists_templates(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", "--list-templates"]) == 0
    out = capsys.readouterr().out
    for name in ("model_proxy", "preference_routing", "agents_with_filters", "responses_state"):
        assert name in out
    assert "(default)" in out


def test_init_rejects_an_unknown_template(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", "--template", "nope", str(tmp_path / "x.yaml")]) == 2
    assert "unknown template 'nope'" in capsys.readouterr().err


@pytest.mark.parametrize("name", command.template_names())
def test_every_template_passes_validate(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / f"{name}.yaml"
    assert main(["init", "--template", name, str(path)]) == 0
    assert main(["validate", str(path)]) == 0
    config = load_config(path, {}, require_env=False)
    assert not [w for w in config.warnings if "environment variable" not in w], config.warnings
    assert command.template_text(name).startswith("# ")


def test_bundled_templates_are_the_four_documented_ones() -> None:
    assert command.template_names() == (
        "agents_with_filters",
        "model_proxy",
        "preference_routing",
        "responses_state",
    )


@pytest.mark.parametrize("subcommand", ["validate", "init"])
def test_every_command_has_help(subcommand: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main([subcommand, "--help"])
    assert info.value.code == 0
    assert "usage: plano" in capsys.readouterr().out
