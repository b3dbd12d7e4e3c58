"""The systemd units that README "Notifications" and docs/deploy.md show are
the shipped files, and they start commands that exist."""

import configparser
import os
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UNITS = sorted((ROOT / "deploy" / "systemd").glob("*.service"))
TIMERS = sorted((ROOT / "deploy" / "systemd").glob("*.timer"))


@pytest.fixture
def database_url(tmp_path):
    """The commands' help needs an app, not both databases."""
    return f"sqlite:///{tmp_path}/units.sqlite"


def read_unit(path):
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read_string(path.read_text())
    return parser


def test_the_readme_shows_the_worker_unit_as_shipped():
    unit = (ROOT / "deploy" / "systemd" / "comments-worker.service").read_text()
    shown = unit.split("\n", 2)[2]  # without the two comment lines that say how to install it
    assert shown in (ROOT / "README.md").read_text()


@pytest.mark.parametrize("path", UNITS, ids=lambda path: path.name)
def test_units_run_a_command_of_the_project_as_an_unprivileged_user(path, app):
    unit = read_unit(path)
    service = unit["Service"]
    assert service["User"] != "root"
    # A server runs for ever and comes back; a job (Type=oneshot) runs to its end when its timer says.
    if service.get("Type") == "oneshot":
        assert path.with_suffix(".timer").exists()
    else:
        assert service["Restart"] == "always"
    assert service["WorkingDirectory"] == "/srv/comments" and "EnvironmentFile" in service
    program, *args = shlex.split(service["ExecStart"])
    assert program.startswith("/srv/comments/")
    if program.endswith("/flask"):
        assert program == "/srv/comments/.venv/bin/flask" and args[:2] == ["--app", "wsgi"]
        assert app.test_cli_runner().invoke(args=[*args[2:], "--help"]).exit_code == 0
    elif program.endswith("/gunicorn"):
        assert program == "/srv/comments/.venv/bin/gunicorn"
        assert args == ["-c", "gunicorn.conf.py", "wsgi:app"] and (ROOT / "gunicorn.conf.py").exists()
    else:  # a script of the checkout
        shipped = ROOT / program.removeprefix("/srv/comments/")
        assert shipped.is_file() and os.access(shipped, os.X_OK) and not args


@pytest.mark.parametrize("path", TIMERS, ids=lambda path: path.name)
def test_timers_start_a_shipped_job_and_catch_up_after_downtime(path):
    timer = read_unit(path)["Timer"]
    assert timer["OnCalendar"] and timer["Persistent"] == "true"
    job = read_unit(path.with_suffix(".service"))
    assert job["Service"]["Type"] == "oneshot"
