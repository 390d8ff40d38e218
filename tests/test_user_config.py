"""The user's config under $XDG_CONFIG_HOME/crewmux/config.toml (issue 15), merged under
the project's crewmux.toml: set a server, a key or prices once for every project."""

from __future__ import annotations

from pathlib import Path

import pytest

from crewmux.config import ConfigError, load_config, merge_config, user_config_path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_where_the_user_config_lives() -> None:
    assert user_config_path({"XDG_CONFIG_HOME": "/x", "HOME": "/h"}) == Path("/x/crewmux/config.toml")
    assert user_config_path({"HOME": "/h"}) == Path("/h/.config/crewmux/config.toml")
    assert user_config_path({}) is None


def test_the_project_file_wins_key_by_key_over_the_users(tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    write(tmp_path / "xdg" / "crewmux" / "config.toml",
          'coders = 4\n[default]\nprovider = "openai"\nbase_url = "http://gpu-box:8000/v1"\nmodel = "qwen3-coder"\n'
          'price_in_per_mtok = 1.0\n[budgets]\nwall_seconds = 900\n')
    project = tmp_path / "project"
    write(project / "crewmux.toml", '[default]\nmodel = "qwen3-coder-30b"\n[budgets]\nattempts_per_task = 2\n')
    config = load_config(project, environ=env)
    assert config.coders == 4 and config.default.provider == "openai"
    assert config.default.base_urls == ["http://gpu-box:8000/v1"] and config.default.price_in_per_mtok == 1.0
    assert config.default.model == "qwen3-coder-30b"
    assert (config.budgets.wall_seconds, config.budgets.attempts_per_task) == (900, 2)
    assert load_config(tmp_path / "elsewhere", environ=env).default.model == "qwen3-coder"  # no project file: the user's alone


def test_a_project_naming_its_own_server_or_provider_keeps_none_of_the_users_endpoints() -> None:
    user = {"default": {"provider": "openai", "base_urls": ["http://a/v1", "http://b/v1"], "api_key": "k"}}
    same = merge_config(user, {"default": {"base_url": "http://c/v1"}})["default"]
    assert same == {"provider": "openai", "base_url": "http://c/v1", "api_key": "k"}
    other = merge_config(user, {"default": {"provider": "ollama"}})["default"]
    assert other == {"provider": "ollama"}


def test_a_mistake_in_the_user_config_names_that_file(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path)}
    path = write(tmp_path / ".config" / "crewmux" / "config.toml", "[default]\nmodle = 'x'\n")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "project", environ=env)
    assert str(caught.value).startswith(f"{path}: ") and "did you mean 'model'" in str(caught.value)
    path.write_text("coders = [")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(tmp_path / "project", environ=env)


def test_without_a_user_config_nothing_changes(tmp_path: Path) -> None:
    write(tmp_path / "project" / "crewmux.toml", "coders = 3\n")
    assert load_config(tmp_path / "project", environ={"HOME": str(tmp_path / "nobody")}).coders == 3
