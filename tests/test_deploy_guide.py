"""docs/deploy.md shows the shipped files, names only files that exist, and
the environment file it installs configures the service as it says."""

import os
import re
import shlex

import yaml

from moderation import create_app
from moderation.config import Defaults
from tests.test_deploy_units import read_unit
from tests.servers import ROOT

GUIDE = ROOT / "docs" / "deploy.md"
ENV_EXAMPLE = ROOT / "deploy" / "comments.env.example"


def test_the_readme_links_the_guide():
    assert "(docs/deploy.md)" in (ROOT / "README.md").read_text()


def test_every_file_the_guide_names_is_shipped():
    text = GUIDE.read_text()
    named = set(re.findall(r"\(\.\./(deploy/[^)\s]+)\)", text))
    named |= set(re.findall(r"/srv/comments/(deploy/[\w./*-]+)", text))
    assert len(named) >= 10, named
    for name in sorted(named):
        assert list(ROOT.glob(name)), f"docs/deploy.md names {name}, which is not in the repository"


def test_the_guide_shows_the_environment_file_as_shipped():
    assert f"```sh\n{ENV_EXAMPLE.read_text()}```" in GUIDE.read_text()


def systemd_environment(path):
    """NAME=value lines as systemd's EnvironmentFile reads them (a value
    wholly in single quotes is taken as written, without them)."""
    env = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            if len(value) >= 2 and value[0] == value[-1] == "'":
                value = value[1:-1]
            env[name.strip()] = value
    return env


def test_the_environment_file_configures_what_its_comments_say(monkeypatch, tmp_path):
    env = systemd_environment(ENV_EXAMPLE)
    for name in [name for name in os.environ if name.startswith("FLASK_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    config = create_app(instance_path=str(tmp_path)).config
    assert config["TRUSTED_HOSTS"] == ["comments.example", "127.0.0.1"]
    assert config["ALLOWED_ORIGINS"] == ["https://news.example"]
    assert config["PROXY_FIX_X_FOR"] == 1 and config["PROXY_FIX_X_PROTO"] == 1
    assert config["DEMO_PAGE"] is False and config["PUBLIC_URL"] == "https://comments.example"
    assert config["MAIL_FROM"] == '"News comments" <comments@news.example>'
    assert config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg:///comments?host=/var/run/postgresql"
    # Every FLASK_ name it sets is a setting of the service (a typo would be ignored silently).
    for name in env:
        if name.startswith("FLASK_"):
            assert hasattr(Defaults, name.removeprefix("FLASK_")), name


def test_commands_run_by_hand_get_the_units_user_folder_and_environment():
    command = shlex.split((ROOT / "deploy" / "comments-flask").read_text().split("exec ", 1)[1].replace("\\\n", ""))
    properties = dict(option.removeprefix("--property=").split("=", 1) for option in command
                      if option.startswith("--property="))
    service = read_unit(ROOT / "deploy" / "systemd" / "comments-web.service")["Service"]
    for name in ("User", "Group", "WorkingDirectory", "EnvironmentFile"):
        assert properties[name] == service[name]
    assert command[-4:] == ["/srv/comments/.venv/bin/flask", "--app", "wsgi", "$@"]


def test_the_prometheus_job_scrapes_metrics_with_the_token():
    job, = yaml.safe_load((ROOT / "deploy" / "prometheus" / "comments.yml").read_text())["scrape_configs"]
    assert job["metrics_path"] == "/metrics" and job["scheme"] == "https"
    assert job["authorization"] == {"type": "Bearer", "credentials_file": "/etc/prometheus/comments-metrics.token"}

