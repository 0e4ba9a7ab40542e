"""``harvest-bot manifest`` prints exactly what :func:`manifest_for_slack` builds."""

import json
from pathlib import Path

import pytest
import yaml

from bot.__main__ import main
from bot.config import load_settings, manifest_for_slack

PUBLIC = "https://bot.example.com"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["manifest", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_yaml_with_the_urls_at_the_public_url(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--public-url", PUBLIC)
    assert (code, err) == (0, "")
    expected = manifest_for_slack(load_settings(env={"HARVEST_BOT_PUBLIC_URL": PUBLIC}))
    assert yaml.safe_load(out) == expected
    assert out.startswith("_metadata:")  # the manifest's own key order, as app.yaml has it
    assert f"{PUBLIC}/slack/events" in out and "${PUBLIC_URL}" not in out


def test_json_is_the_same_manifest(capsys: pytest.CaptureFixture[str]) -> None:
    _, as_yaml, _ = run(capsys, "--public-url", PUBLIC)
    code, as_json, _ = run(capsys, "--public-url", PUBLIC, "--json")
    assert code == 0
    assert json.loads(as_json) == yaml.safe_load(as_yaml)


def test_the_public_url_can_come_from_the_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HARVEST_BOT_PUBLIC_URL", PUBLIC)
    code, out, _ = run(capsys, "--json")
    assert code == 0
    assert json.loads(out)["settings"]["event_subscriptions"]["request_url"] == (
        f"{PUBLIC}/slack/events"
    )


def test_socket_mode_needs_no_public_url(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--socket", "--json")
    manifest = json.loads(out)
    assert code == 0 and manifest["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in manifest["settings"]["event_subscriptions"]


def test_without_a_public_url_it_says_what_to_pass(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys)
    assert (code, out) == (2, "")
    assert "HARVEST_BOT_PUBLIC_URL is needed" in err and "--public-url" in err


def test_a_bad_public_url_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--public-url", "bot.example.com")
    assert code == 2 and "HARVEST_BOT_PUBLIC_URL" in err and "not an http(s) URL" in err


def test_another_config_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "app.yaml"
    path.write_text(yaml.safe_dump({"manifest": {"display_information": {"name": "Other"}}}))
    code, out, _ = run(capsys, "--config", str(path), "--public-url", PUBLIC, "--json")
    assert code == 0 and json.loads(out) == {"display_information": {"name": "Other"}}
