"""obslab.compose_runtime without a Docker engine: it finds a real Compose v2, hands Compose the lab's
settings, renders Alertmanager's config for the compose network, and fails with a message naming the fix
when no engine answers."""

from __future__ import annotations

import subprocess

import pytest
import yaml

from obslab import compose_runtime
from obslab.settings import LabSettings


@pytest.fixture
def no_engine(monkeypatch):
    # Whatever this machine has, point the docker CLI at a socket nobody listens on.
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/obslab-test/docker.sock")


def test_compose_command_is_a_real_compose_v2():
    cmd = compose_runtime.compose_command()
    out = subprocess.run([*cmd, "version"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0 and "v2." in out.stdout, out.stdout + out.stderr


def test_no_engine_is_reported_with_the_fix(no_engine):
    assert compose_runtime.docker_engine_available() is False
    settings = LabSettings(_env_file=None)
    for call in (lambda: compose_runtime.up(settings), lambda: compose_runtime.down(settings),
                 lambda: compose_runtime.status(settings), lambda: compose_runtime.logs(settings, "serving")):
        with pytest.raises(compose_runtime.ComposeError, match="RUNTIME=native"):
            call()


def test_compose_env_carries_the_settings():
    settings = LabSettings(_env_file=None, obslab_port_offset=7, data_bucket="b-data", api_key="k1")
    env = compose_runtime.compose_env(settings)
    assert env["SERVING_PORT"] == "8007" and env["OTLP_HTTP_PORT"] == "4325"
    assert env["DATA_BUCKET"] == "b-data" and env["API_KEY"] == "k1"


def test_alertmanager_config_is_rendered_for_the_compose_network(tmp_path):
    text = compose_runtime.alertmanager_config(LabSettings(_env_file=None))
    cfg = yaml.safe_load(text)
    assert cfg["global"]["smtp_smarthost"].split(":")[0] in {"mail", "maildev"}
    assert cfg["templates"] == ["/etc/alertmanager/templates/*.tmpl"]
    path = tmp_path / "alertmanager.yml"
    path.write_text(text)
    proc = subprocess.run(["amtool", "check-config", str(path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_service_urls_follow_settings():
    settings = LabSettings(_env_file=None, obslab_port_offset=3)
    assert compose_runtime.service_url(settings, "serving") == settings.url("SERVING_PORT", "/docs")
    assert compose_runtime.service_url(settings, "maildev") == settings.url("MAIL_UI_PORT")
    assert compose_runtime.service_url(settings, "jaeger") == settings.url("JAEGER_UI_PORT")
    assert compose_runtime.service_url(settings, "postgres").startswith("postgresql://")
    assert compose_runtime.service_url(settings, "training") == ""


def test_the_installed_compose_is_new_enough():
    assert compose_runtime.compose_version() >= compose_runtime.MIN_COMPOSE_VERSION
