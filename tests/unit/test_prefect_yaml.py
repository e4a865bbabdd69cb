"""deploy/prefect.yaml: deployments, work pool, entrypoints, parameters and when they fire."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import os
import shlex
import subprocess
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from prefect.client.schemas import schedules as client_schedules
from prefect.server.schemas import schedules as server_schedules

from flows.report.publication_calendar import first_working_day

REPO = Path(__file__).resolve().parents[2]
PREFECT_YAML = REPO / "deploy" / "prefect.yaml"
LONDON = ZoneInfo("Europe/London")
UTC = ZoneInfo("UTC")

EXPECTED: dict[str, tuple[str, str, dict[str, Any], str | None]] = {
    # deployment name: (entrypoint, flow name, parameters, schedule kind)
    "six-monthly-report": (
        "flows/orchestration.py:six_monthly_report",
        "six_monthly_report",
        {"period": None, "scope": "national", "send": False},
        "rrule",
    ),
    "inbox-sweep": ("flows/orchestration.py:run_inbox_sweep", "ingest_inbox", {}, "cron"),
    "backfill": (
        "flows/orchestration.py:backfill_periods",
        "backfill",
        {"missing_only": False, "send": False},
        None,
    ),
}


def load_config() -> dict[str, Any]:
    config = yaml.safe_load(PREFECT_YAML.read_text(encoding="utf-8"))
    assert isinstance(config, dict)
    return config


def deployments() -> dict[str, dict[str, Any]]:
    return {d["name"]: d for d in load_config()["deployments"]}


def only_schedule(name: str) -> dict[str, Any]:
    schedules = deployments()[name]["schedules"]
    assert len(schedules) == 1, schedules
    schedule: dict[str, Any] = schedules[0]
    return schedule


def server_schedule(config: dict[str, Any]) -> Any:
    """The schedule as the server's scheduler sees it, after the client's own validation."""
    if "rrule" in config:
        client = client_schedules.RRuleSchedule(rrule=config["rrule"], timezone=config["timezone"])
        return server_schedules.RRuleSchedule(rrule=client.rrule, timezone=client.timezone)
    client_cron = client_schedules.CronSchedule(cron=config["cron"], timezone=config["timezone"])
    return server_schedules.CronSchedule(
        cron=client_cron.cron, timezone=client_cron.timezone, day_or=client_cron.day_or
    )


def fire_times(config: dict[str, Any], start: datetime, end: datetime) -> list[datetime]:
    dates = asyncio.run(server_schedule(config).get_dates(start=start, end=end))
    return [d.astimezone(LONDON) for d in dates]


def test_the_three_deployments_run_on_the_helpline_process_pool() -> None:
    found = deployments()
    assert set(found) == set(EXPECTED)
    for name, deployment in found.items():
        assert deployment["work_pool"]["name"] == "helpline", name
        assert deployment["entrypoint"] == EXPECTED[name][0]
        assert deployment["parameters"] == EXPECTED[name][2], name
        assert deployment["concurrency_limit"]["limit"] == 1, name


def test_the_worker_moves_into_its_own_checkout_before_each_run() -> None:
    config = load_config()
    [read_the_path, move_there] = config["pull"]
    step = read_the_path["prefect.deployments.steps.run_shell_script"]
    assert step["id"] == "repo-dir"
    # A step's output, not a {{ $VAR }} placeholder, which `prefect deploy` would fill in from
    # the deploying shell: the worker's own HELPLINE_REPO_DIR decides, when the run starts.
    assert move_there == {
        "prefect.deployments.steps.set_working_directory": {"directory": "{{ repo-dir.stdout }}"}
    }
    assert "{{" not in step["script"]
    assert config["build"] is None and config["push"] is None


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({"HELPLINE_REPO_DIR": "/srv/helpline"}, (0, "/srv/helpline", "")),
        ({}, (2, "", "HELPLINE_REPO_DIR: is not set on the worker")),
    ],
)
def test_the_pull_step_prints_the_checkout_or_says_it_is_not_set(
    environment: dict[str, str], expected: tuple[int, str, str]
) -> None:
    [read_the_path, _] = load_config()["pull"]
    script = read_the_path["prefect.deployments.steps.run_shell_script"]["script"]
    env = {"PATH": os.environ.get("PATH", ""), **environment}
    # run_shell_script splits each line with shlex and runs it without a shell, as here.
    result = subprocess.run(
        shlex.split(script), env=env, capture_output=True, text=True, check=False
    )
    code, stdout, stderr = expected
    assert (result.returncode, result.stdout.strip()) == (code, stdout)
    assert stderr in result.stderr


def test_only_the_scheduled_report_emails() -> None:
    report = deployments()["six-monthly-report"]
    assert report["parameters"]["send"] is False  # a run started by hand sends nothing
    assert only_schedule("six-monthly-report")["parameters"] == {"send": True}
    assert deployments()["backfill"]["parameters"]["send"] is False


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_entrypoint_is_a_prefect_flow_taking_the_deployment_parameters(name: str) -> None:
    from prefect import Flow

    entrypoint, flow_name, parameters, _ = EXPECTED[name]
    path, function = entrypoint.split(":")
    assert (REPO / path).is_file()
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    flow = getattr(module, function)
    assert isinstance(flow, Flow)
    assert flow.name == flow_name
    signature = inspect.signature(flow.fn)
    assert set(parameters) <= set(signature.parameters)
    required = {p for p, v in signature.parameters.items() if v.default is inspect.Parameter.empty}
    if deployments()[name]["schedules"]:
        # A scheduled run has nobody to supply a parameter: the deployment must give them all.
        assert required <= set(parameters)
    else:
        assert required == {"start", "end"}
    flow.validate_parameters({**parameters, **{p: "2017-H2" for p in required - set(parameters)}})


def test_six_monthly_report_fires_on_the_first_working_days_of_2027() -> None:
    schedule = only_schedule("six-monthly-report")
    assert schedule["timezone"] == "Europe/London"
    assert schedule["active"] is True
    fires = fire_times(schedule, datetime(2027, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC))
    # 1 January 2027 is a Friday (bank holiday): the first working day is Monday 4 January.
    assert fires == [
        datetime(2027, 1, 4, 7, 0, tzinfo=LONDON),
        datetime(2027, 7, 1, 7, 0, tzinfo=LONDON),
    ]
    # 07:00 London time: GMT in January, BST in July.
    assert [f.astimezone(UTC).hour for f in fires] == [7, 6]


def test_six_monthly_report_follows_the_new_year_bank_holiday_rules() -> None:
    schedule = only_schedule("six-monthly-report")
    # Up to 2037 only: Prefect localises RRules with dateutil's tzfile, which has no summer
    # time transitions after 2037, so July runs from 2038 would show as 08:00 BST.
    fires = fire_times(schedule, datetime(2026, 1, 1, tzinfo=UTC), datetime(2038, 1, 1, tzinfo=UTC))
    expected = [first_working_day(year, month) for year in range(2026, 2038) for month in (1, 7)]
    assert [f.date() for f in fires] == expected
    assert {(f.hour, f.minute) for f in fires} == {(7, 0)}
    # The awkward years: New Year's Day on a Saturday (2028, 2033) and on a Sunday (2034).
    assert date(2028, 1, 4) in expected and date(2033, 1, 4) in expected
    assert date(2034, 1, 3) in expected


def test_inbox_sweep_runs_every_day_at_six_london_time() -> None:
    schedule = only_schedule("inbox-sweep")
    assert schedule["cron"] == "0 6 * * *"
    assert schedule["timezone"] == "Europe/London"
    fires = fire_times(schedule, datetime(2027, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC))
    assert len(fires) == 365
    assert fires[0] == datetime(2027, 1, 1, 6, 0, tzinfo=LONDON)
    assert {(f.hour, f.minute) for f in fires} == {(6, 0)}
    by_day = {f.date(): f.astimezone(UTC).hour for f in fires}
    assert by_day[date(2027, 3, 27)] == 6  # GMT
    assert by_day[date(2027, 3, 28)] == 5  # BST from that morning
    assert by_day[date(2027, 10, 31)] == 6  # GMT again


def test_backfill_has_no_schedule() -> None:
    assert deployments()["backfill"]["schedules"] == []


def test_every_deployment_sends_heartbeats_for_crash_detection() -> None:
    for name, deployment in deployments().items():
        env = deployment["work_pool"]["job_variables"]["env"]
        assert env == {"PREFECT_FLOWS_HEARTBEAT_FREQUENCY": "30"}, name
