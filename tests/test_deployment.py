"""The deployment files (docker-compose.yml, Dockerfile, gunicorn.conf.py, .env.example) name
only commands, modules and variables that exist, and the production settings pass
`manage.py check --deploy`. Settings-loading checks run in subprocesses with a clean environment,
as a container would start them."""

from __future__ import annotations

import http.server
import json
import logging
import os
import re
import runpy
import secrets
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from celery import Celery
from celery.app.utils import find_app
from compose_spec import PyCompose
from django.core.management import get_commands, load_command_class
from gunicorn.util import load_class
from gunicorn.workers.sync import SyncWorker

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_FILE = ROOT / "aforro_backend" / "settings.py"
ENV_VAR = re.compile(r"(?:environ\.get|env_bool|env_count)\(\s*\"([A-Z][A-Z0-9_]*)\"")
ENV_LINE = re.compile(r"^\s*(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$")


def compose_services() -> dict[str, dict]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def app_services() -> dict[str, dict]:
    """The services that run the project's image (the others are postgres and redis)."""
    return {name: svc for name, svc in compose_services().items() if "build" in svc}


def service_commands(program: str) -> list[tuple[str, list[str]]]:
    found = []
    for name, svc in app_services().items():
        command = svc["command"]
        argv = shlex.split(command) if isinstance(command, str) else list(command)
        if argv[0] == program or argv[:2] == ["python", program]:
            found.append((name, argv))
    return found


def settings_variables() -> set[str]:
    return set(ENV_VAR.findall(SETTINGS_FILE.read_text()))


def readme_table_variables() -> set[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    return {token for row in rows for token in re.findall(r"`([A-Z][A-Z0-9_]+)`", row)}


def env_example() -> tuple[dict[str, str], set[str]]:
    """(active assignments, every variable mentioned, commented-out ones included)."""
    active, mentioned = {}, set()
    for line in (ROOT / ".env.example").read_text().splitlines():
        match = ENV_LINE.match(line)
        if match:
            commented, name, value = match.groups()
            mentioned.add(name)
            if not commented:
                active[name] = value
    return active, mentioned


def clean_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """This process's environment without any of the service's configuration."""
    ours = settings_variables() | readme_table_variables() | env_example()[1]
    env = {k: v for k, v in os.environ.items() if k not in ours and k != "DJANGO_SETTINGS_MODULE"}
    env.update(AFORRO_VAR_DIR=str(tmp_path / "var"), STATIC_ROOT=str(tmp_path / "static"))
    env.update(overrides)
    return env


def run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    return clean_env(
        tmp_path,
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres",
        REDIS_URL="redis://127.0.0.1:6379/15",
        DJANGO_ALLOWED_HOSTS="aforro.example",
        DJANGO_DEBUG="false",
        **overrides,
    )


def compose_env(tmp_path: Path) -> dict[str, str]:
    """The environment compose gives the app containers: .env.example's assignments."""
    return clean_env(tmp_path, **env_example()[0])


# --- docker-compose.yml: every command exists ---


def test_compose_file_is_valid_against_the_compose_specification():
    """What `docker compose config` checks, without the plugin (not installable here): the
    file interpolated with the variables' defaults, YAML anchors and merge keys resolved the way
    compose resolves them, then the spec's validator."""
    text = re.sub(
        r"\$\{(\w+)(?::?-([^}]*))?\}",
        lambda m: os.environ.get(m.group(1)) or m.group(2) or "",
        (ROOT / "docker-compose.yml").read_text(),
    )
    resolved = yaml.safe_dump(yaml.safe_load(text))
    compose = PyCompose.from_yaml(resolved)
    assert set(compose.service_names()) == set(compose_services())


def test_the_compose_validator_rejects_what_compose_would_reject():
    with pytest.raises(ValueError, match="condition"):
        PyCompose.from_yaml(
            "services:\n  web:\n    image: x\n    depends_on: {db: {condition: ready}}\n"
        )


def test_compose_runs_the_expected_services_from_one_image():
    services = compose_services()
    assert {"db", "replica", "redis", "migrate", "web", "projector", "worker", "beat"} <= set(
        services
    )
    assert services["db"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")
    images = {svc["image"] for svc in app_services().values()}
    assert len(images) == 1
    assert services["beat"]["profiles"] == ["beat"]
    volumes = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["volumes"]
    for name in ("db", "replica", "redis"):
        mount = services[name]["volumes"][0]
        assert mount.split(":")[0] in volumes, f"{name} keeps its data in a named volume"


def test_every_manage_py_command_in_compose_is_a_registered_command_with_valid_options():
    commands = service_commands("manage.py")
    assert {name for name, _ in commands} >= {"migrate", "projector"}
    registered = get_commands()
    for service, argv in commands:
        name, options = argv[2], argv[3:]
        assert name in registered, f"{service}: manage.py {name} is not a management command"
        command = load_command_class(registered[name], name)
        command.create_parser("manage.py", name).parse_args(options)  # exits on a bad option


def test_celery_services_name_the_project_celery_app():
    commands = service_commands("celery")
    assert {name for name, _ in commands} >= {"worker", "beat"}
    for service, argv in commands:
        app_name = argv[argv.index("-A") + 1]
        assert isinstance(find_app(app_name), Celery), f"{service}: -A {app_name}"
        assert argv[argv.index("-A") + 2] in {"worker", "beat"}


def test_web_service_gunicorn_command_loads_its_config_and_the_wsgi_app(tmp_path):
    [(_, argv)] = service_commands("gunicorn")
    assert argv[argv.index("-c") + 1] == "gunicorn.conf.py"
    assert (ROOT / "gunicorn.conf.py").is_file()
    # --check-config imports the app as a worker would; PROJECTORS_IN_PROCESS is false there.
    env = compose_env(tmp_path)
    assert env["PROJECTORS_IN_PROCESS"] == "false"
    result = run([sys.executable, "-m", "gunicorn", "--check-config", *argv[1:]], env)
    assert result.returncode == 0, result.stderr[-3000:]


def test_a_gunicorn_check_of_a_missing_wsgi_module_fails(tmp_path):
    """The check above would catch a wrong module name."""
    argv = ["--check-config", "-c", "gunicorn.conf.py", "aforro_backend.no_such_module"]
    result = run([sys.executable, "-m", "gunicorn", *argv], compose_env(tmp_path))
    assert result.returncode != 0


def test_dockerfile_default_command_is_the_web_service_command():
    dockerfile = (ROOT / "Dockerfile").read_text()
    [cmd] = re.findall(r"^CMD (\[.*\])$", dockerfile, flags=re.MULTILINE)
    assert json.loads(cmd) == compose_services()["web"]["command"]


def test_service_dependencies_wait_for_healthy_services_and_finished_migrations():
    services = compose_services()
    for name, svc in app_services().items():
        depends = svc["depends_on"]
        for target, rule in depends.items():
            assert target in services, f"{name} depends on unknown {target}"
            if rule["condition"] == "service_healthy":
                assert "test" in services[target]["healthcheck"], target
            if rule["condition"] == "service_completed_successfully":
                assert services[target]["restart"] == "no", target
        assert depends["db"]["condition"] == "service_healthy"
        if name != "migrate":
            assert depends["migrate"]["condition"] == "service_completed_successfully"
            assert depends["redis"]["condition"] == "service_healthy"
    assert services["projector"]["deploy"]["replicas"] == 2


def test_only_the_web_service_has_a_prometheus_multiprocess_directory_on_a_tmpfs():
    services = app_services()
    directory = services["web"]["environment"]["PROMETHEUS_MULTIPROC_DIR"]
    assert directory in services["web"]["tmpfs"]  # in memory: a restart starts from empty files
    for name, svc in services.items():
        if name != "web":
            assert "PROMETHEUS_MULTIPROC_DIR" not in svc.get("environment", {}), name
    # Not in .env.example, which every service reads: only gunicorn empties and owns it.
    assert "PROMETHEUS_MULTIPROC_DIR" not in env_example()[0]


def test_the_replica_service_is_a_hot_standby_of_db_from_the_same_image():
    services = compose_services()
    db, replica = services["db"], services["replica"]
    assert replica["image"] == db["image"]
    assert replica["environment"]["PRIMARY_HOST"] == "db"
    assert replica["depends_on"]["db"]["condition"] == "service_healthy"
    # Healthy only as a standby: a replica promoted or copied wrong is not in recovery.
    assert "pg_is_in_recovery()" in " ".join(replica["healthcheck"]["test"])
    [data, _] = replica["volumes"]
    assert data.split(":")[0] != db["volumes"][0].split(":")[0], "its own data volume"
    assert "wal_level=replica" in db["command"]


def script_variables(script: Path) -> set[str]:
    """The variables a deploy script requires (`${NAME:?...}`) or defaults (`${NAME:=...}`)."""
    return set(re.findall(r"\$\{(\w+):[?=]", script.read_text()))


def test_both_ends_of_replication_get_every_variable_their_scripts_read():
    # A script's own default (the slot's `:=replica`) would hide a name that compose does not
    # set; the PostgreSQL image sets PGDATA itself. (That both ends get the same values is
    # compose's doing: one YAML anchor sets the credentials of both.)
    services = compose_services()
    read = {
        name: set().union(*map(script_variables, mounted_scripts(services[name]).values()))
        for name in ("db", "replica")
    }
    for name, variables in read.items():
        missing = variables - set(services[name]["environment"]) - {"PGDATA"}
        assert not missing, f"{name} does not set {sorted(missing)}"
    assert {"REPLICATION_USER", "REPLICATION_PASSWORD", "REPLICATION_SLOT"} <= (
        read["db"] & read["replica"]
    )


def mounted_scripts(service: dict) -> dict[str, Path]:
    """Container path → file of the repository, for each file bind-mounted from deploy/."""
    found = {}
    for mount in service["volumes"]:
        source, target, *_ = mount.split(":")
        if source.startswith("./"):
            found[target] = ROOT / source
    return found


def test_the_replication_scripts_exist_are_executable_and_parse():
    services = compose_services()
    primary_scripts = mounted_scripts(services["db"])
    replica_scripts = mounted_scripts(services["replica"])
    # The official image runs /docker-entrypoint-initdb.d/*.sh once, on an empty data volume.
    assert any(t.startswith("/docker-entrypoint-initdb.d/") for t in primary_scripts)
    [entrypoint] = services["replica"]["entrypoint"]
    assert entrypoint in replica_scripts
    for script in [*primary_scripts.values(), *replica_scripts.values()]:
        assert script.is_file(), script
        assert os.access(script, os.X_OK), f"{script} is not executable"
        parsed = subprocess.run(["sh", "-n", str(script)], capture_output=True, text=True)
        assert parsed.returncode == 0, parsed.stderr
    entry_text = replica_scripts[entrypoint].read_text()
    assert "--write-recovery-conf" in entry_text and "exec postgres" in entry_text


def test_only_the_web_service_reads_from_the_replica():
    services = app_services()
    [url] = services["web"]["environment"]["DATABASE_REPLICA_URLS"].split(",")
    db = compose_services()["db"]["environment"]
    credentials = f"{db['POSTGRES_USER']}:{db['POSTGRES_PASSWORD']}"
    assert url == f"postgres://{credentials}@replica:5432/{db['POSTGRES_DB']}"
    assert services["web"]["depends_on"]["replica"]["condition"] == "service_healthy"
    # Projectors, the worker and migrate write, or must read what they just wrote: the primary.
    for name, svc in services.items():
        if name != "web":
            assert "DATABASE_REPLICA_URLS" not in svc.get("environment", {}), name
            assert "replica" not in svc["depends_on"], name
    assert "DATABASE_REPLICA_URLS" not in env_example()[0]


def test_compose_reads_env_example_then_an_optional_env_file():
    for svc in app_services().values():
        files = [entry["path"] for entry in svc["env_file"]]
        assert files == [".env.example", ".env"]
        assert svc["env_file"][1]["required"] is False
    assert (ROOT / ".env.example").is_file()


# --- .env.example and README's configuration table ---


def test_every_variable_settings_reads_is_in_readme_configuration_table():
    assert settings_variables() - readme_table_variables() == set()


def test_env_example_mentions_every_variable_of_readme_configuration_table():
    assert readme_table_variables() - env_example()[1] == set()


def test_env_example_configures_the_compose_services():
    active, _ = env_example()
    assert active["DATABASE_URL"] == "postgres://aforro:aforro@db:5432/aforro"
    assert active["REDIS_URL"] == "redis://redis:6379/0"
    assert active["PROJECTORS_IN_PROCESS"] == "false"
    assert active["DJANGO_SECURE_SSL_REDIRECT"] == "false"
    assert active["DJANGO_SECRET_KEY"]
    # An empty value is not "unset": settings would read "" instead of their default.
    assert all(value.strip() for value in active.values()), active


def test_settings_load_with_env_example(tmp_path):
    result = run([sys.executable, "manage.py", "check"], compose_env(tmp_path))
    assert result.returncode == 0, result.stderr[-3000:]


# --- production settings ---


def test_check_deploy_is_clean_for_production_settings(tmp_path):
    argv = [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"]
    result = run(argv, production_env(tmp_path))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_settings_refuse_to_load_without_a_secret_key_when_services_are_configured(tmp_path):
    env = production_env(tmp_path)
    del env["DJANGO_SECRET_KEY"]
    del env["REDIS_URL"]
    result = run([sys.executable, "manage.py", "check"], env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize("value", ["-1", "two", "1.5", " "])
def test_settings_refuse_to_load_with_a_num_proxies_that_is_not_a_whole_number(tmp_path, value):
    result = run([sys.executable, "manage.py", "check"], clean_env(tmp_path, NUM_PROXIES=value))
    if not value.strip():  # empty counts as unset: the default, 0
        assert result.returncode == 0, result.stderr[-3000:]
        return
    assert result.returncode != 0
    assert "NUM_PROXIES must be a whole number >= 0" in result.stderr


def test_settings_refuse_to_load_with_a_malformed_throttle_rate(tmp_path):
    result = run([sys.executable, "manage.py", "check"], clean_env(tmp_path, SUGGEST_BURST="30"))
    assert result.returncode != 0
    assert "a rate is requests/period like 120/min or 30/10s: '30'" in result.stderr


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("METRICS_ALLOWED_IPS", "127.0.0.1/32,10.0.0.0/33", "'10.0.0.0/33' is not an address"),
        ("METRICS_ALLOWED_IPS", "prometheus", "'prometheus' is not an address or network"),
        ("METRICS_BEARER_TOKEN", "short", "at least 32 characters"),
    ],
)
def test_settings_refuse_to_load_with_a_bad_metrics_setting(tmp_path, variable, value, message):
    result = run([sys.executable, "manage.py", "check"], clean_env(tmp_path, **{variable: value}))
    assert result.returncode != 0
    assert message in result.stderr


# --- gunicorn.conf.py ---


def gunicorn_config(monkeypatch, **env: str) -> dict:
    for name in ("GUNICORN_BIND", "GUNICORN_WORKERS", "PORT", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_gunicorn_defaults_to_sync_workers_from_the_core_count_without_preloading(monkeypatch):
    config = gunicorn_config(monkeypatch, DATABASE_URL="postgres://db/aforro")
    cores = len(os.sched_getaffinity(0))
    assert config["workers"] == min(2 * cores + 1, config["MAX_DEFAULT_WORKERS"])
    worker = load_class(config["worker_class"])
    assert issubclass(worker, SyncWorker)  # sync, answering its own refusals in problem+json
    assert config["limit_request_line"] == 8190  # gunicorn's maximum: longer lines reach Django
    assert config["preload_app"] is False
    assert config["bind"] == "0.0.0.0:8000"
    assert config["accesslog"] == "-"
    assert "%(M)s" in config["access_log_format"]
    assert "request_id=%({x-request-id}o)s" in config["access_log_format"]  # the echoed id
    assert config["timeout"] > 0 and config["graceful_timeout"] > 0


def test_gunicorn_takes_workers_and_bind_from_the_environment(monkeypatch):
    config = gunicorn_config(monkeypatch, GUNICORN_WORKERS="7", GUNICORN_BIND="127.0.0.1:9000")
    assert (config["workers"], config["bind"]) == (7, "127.0.0.1:9000")
    assert gunicorn_config(monkeypatch, PORT="8080")["bind"] == "0.0.0.0:8080"


def test_gunicorn_runs_one_worker_in_the_embedded_mode(monkeypatch):
    assert gunicorn_config(monkeypatch)["workers"] == 1


def start_master(monkeypatch, tmp_path: Path, **env: str) -> tuple[dict, Path]:
    """gunicorn.conf.py's on_starting as the master runs it; (the config, the metrics dir)."""
    for name in ("PROMETHEUS_MULTIPROC_DIR", "AFORRO_METRICS_DIR_OWNER"):
        monkeypatch.setenv(name, "")  # so that the hooks' own settings are undone afterwards
        monkeypatch.delenv(name)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    config = gunicorn_config(monkeypatch, **env)
    config["on_starting"](SimpleNamespace(log=logging.getLogger("gunicorn.error")))
    return config, Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])


def test_gunicorn_empties_the_deployments_metrics_directory_of_its_files_only(
    monkeypatch, tmp_path
):
    configured = tmp_path / "metrics"
    configured.mkdir()
    (configured / "counter_123.db").write_bytes(b"old counts")
    (configured / "README").write_text("not prometheus_client's")
    config, directory = start_master(
        monkeypatch, tmp_path, PROMETHEUS_MULTIPROC_DIR=str(configured)
    )
    assert directory == configured
    assert [p.name for p in directory.iterdir()] == ["README"]
    config["on_exit"](None)
    assert directory.is_dir()  # the deployment's: never removed


def test_without_a_metrics_directory_each_gunicorn_master_makes_and_removes_its_own(
    monkeypatch, tmp_path
):
    config, directory = start_master(monkeypatch, tmp_path)
    assert directory.parent == tmp_path
    assert directory.name.startswith(f"aforro-metrics-{os.getpid()}-")
    # Another master started from this one's environment (a re-exec) does not share it.
    monkeypatch.setenv("AFORRO_METRICS_DIR_OWNER", str(os.getpid() + 1))
    config["on_starting"](SimpleNamespace(log=logging.getLogger("gunicorn.error")))
    assert Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]) != directory
    config["on_exit"](None)
    assert not Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).exists()
    shutil.rmtree(directory)


# --- the image's HEALTHCHECK ---


def healthcheck_code() -> str:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    [line] = [line for line in text.splitlines() if line.startswith("HEALTHCHECK")]
    argv = shlex.split(line.split(" CMD ", 1)[1])
    assert argv[:2] == ["python", "-c"]
    return argv[2]


class HealthStub(http.server.BaseHTTPRequestHandler):
    status = 200
    hosts: list[str] = []

    def do_GET(self) -> None:
        HealthStub.hosts.append(self.headers["Host"])
        self.send_response(self.status if self.path == "/health/" else 404)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.mark.parametrize(("status", "healthy"), [(200, True), (503, False)])
def test_healthcheck_follows_health_status_with_an_allowed_host(tmp_path, status, healthy):
    HealthStub.status, HealthStub.hosts = status, []
    server = http.server.HTTPServer(("127.0.0.1", 0), HealthStub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        env = clean_env(
            tmp_path, PORT=str(server.server_port), DJANGO_ALLOWED_HOSTS=".aforro.example,x"
        )
        result = run([sys.executable, "-c", healthcheck_code()], env)
    finally:
        server.shutdown()
        server.server_close()
    assert (result.returncode == 0) is healthy, result.stderr[-2000:]
    assert HealthStub.hosts == ["aforro.example"]


def test_files_the_dockerfile_copies_are_in_the_build_context():
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    copies = re.findall(r"^COPY (?!--)(.+) \S+$", (ROOT / "Dockerfile").read_text(), re.M)
    sources = [src for line in copies for src in line.split() if src != "."]
    assert sources, "no COPY found"
    for src in sources:
        assert (ROOT / src).exists(), src
        assert src not in ignored, src
    for needed in ("pyproject.toml", "aforro_backend", "manage.py", "gunicorn.conf.py"):
        assert needed not in ignored
