"""The whole graph on the ci preset, then the real scoring service over HTTP."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import httpx
import pandas as pd
import pytest

from tests.conftest import CI_API_KEY, CiRun, ci_env
from tests.serving.http_server import free_port, start, stop

ROOT = Path(__file__).resolve().parents[2]
API_KEY = CI_API_KEY
AUTH = {"Authorization": f"Bearer {API_KEY}"}
pytestmark = pytest.mark.e2e
# Debian's headless Chromium (`apt-get install chromium`) screenshots the asset graph where installed.
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(os.environ.get("WEALTHPULSE_ARTIFACTS", ROOT / ".artifacts"))


def _env(home: Path) -> dict[str, str]:
    return ci_env(home)


def _cli(home: Path, *args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "wealthpulse.cli", *args],
        cwd=ROOT,
        env=_env(home),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _run(home: Path) -> subprocess.CompletedProcess:
    return _cli(home, "run", timeout=1800)


def _registered_tag(report: str) -> str:
    match = re.search(r"Registered: (churn:\w+)", report)
    assert match, report
    return match.group(1)


def _report_rows(stdout: str) -> list[tuple[str, str]]:
    section = stdout.split("Rows per layer:", 1)[1].split("\n\n", 1)[0]
    return re.findall(r"^\s+(\S+)\s+([\d,]+)$", section, flags=re.M)


@pytest.fixture(scope="module")
def home(ci_run: CiRun) -> Path:
    return ci_run.home


@pytest.fixture(scope="module")
def first_run(ci_run: CiRun) -> subprocess.CompletedProcess:
    return ci_run.result


def test_run_materializes_everything_and_every_check_passes(first_run):
    report = first_run.stdout
    assert "wealthpulse run finished" in report
    checks = re.search(r"Checks: (\d+) passed, (\d+) failed, (\d+) warnings", report)
    assert checks and int(checks.group(1)) >= 30 and checks.group(2) == "0", report
    auc = float(re.search(r"test AUC (\d\.\d+)", report).group(1))
    assert auc > 0.7, report
    for table in ("landing/clients", "landing/app_events", "mart_client_features", "models/churn_training_set"):
        assert table in report


def test_state_lives_under_home(first_run, home: Path):
    for folder in ("landing/clients", "warehouse", "marts", "feast", "dagster", "bentoml/models/churn"):
        assert (home / folder).exists(), folder
    assert (home / "feast" / "online.db").exists()


def test_personal_fields_stay_in_landing(first_run, home: Path):
    features = pd.read_parquet(home / "marts" / "client_features.parquet")
    assert not {"name", "phone"} & set(features.columns)


@pytest.fixture(scope="module")
def service(first_run, home: Path):
    process, url = start(_env(home))
    try:
        yield url
    finally:
        stop(process)


def _latest_clients(home: Path, n: int) -> list[str]:
    features = pd.read_parquet(home / "marts" / "client_features.parquet", columns=["client_id", "as_of_date"])
    latest = features[features["as_of_date"] == features["as_of_date"].max()]
    return sorted(latest["client_id"])[:n]


def test_score_known_and_unknown_clients(service, home: Path):
    known = _latest_clients(home, 3)
    response = httpx.post(f"{service}/score", json={"client_ids": [*known, "C9999999"]}, headers=AUTH, timeout=30)
    assert response.status_code == 200, response.text
    body = response.json()
    scores = {entry["client_id"]: entry for entry in body["scores"]}
    for client_id in known:
        assert 0.0 <= scores[client_id]["churn_probability"] <= 1.0
        assert scores[client_id]["error"] is None
        assert scores[client_id]["feature_timestamp"]
    first = scores[known[0]]
    assert set(first["intent"]) == {
        "equity_fund",
        "fixed_income",
        "margin_financing",
        "options",
        "advisory",
        "transfer_in",
    }
    assert first["tier_90d"] in {"T1", "T2", "T3", "T4", "T5"}
    assert abs(sum(first["tier_probabilities"].values()) - 1) < 1e-4
    assert first["reasons"]["churn"] and first["reasons"]["tiering"] and first["reasons"]["intent"]
    assert scores["C9999999"]["churn_probability"] is None
    assert "unknown client_id" in scores["C9999999"]["error"]
    assert body["model_versions"]["churn"].startswith("churn:")


@pytest.mark.parametrize(
    "body",
    [{"client_ids": "C0000001"}, {"client_ids": []}, {"ids": ["C0000001"]}, {"client_ids": [1, {"a": 2}]}],
)
def test_malformed_body_is_422_naming_the_field(service, body):
    response = httpx.post(f"{service}/score", json=body, headers=AUTH, timeout=30)
    assert response.status_code == 422, response.text
    assert "client_ids" in response.text


def test_invalid_json_is_422(service):
    response = httpx.post(
        f"{service}/score", content=b"{not json", headers={"Content-Type": "application/json", **AUTH}, timeout=30
    )
    assert response.status_code == 422, response.text


def test_next_best_action_respects_suitability(service, home: Path):
    suitability = pd.read_parquet(home / "marts" / "client_suitability.parquet")
    suitability = suitability[suitability["as_of_date"] == suitability["as_of_date"].max()].set_index("client_id")
    products = pd.read_parquet(home / "marts" / "products.parquet").set_index("product_id")
    for client_id in _latest_clients(home, 20):
        reply = httpx.post(
            f"{service}/next_best_action", json={"client_id": client_id, "k": 6}, headers=AUTH, timeout=30
        )
        assert reply.status_code == 200, reply.text
        body = reply.json()
        allowed = int(suitability.loc[client_id, "allowed_risk_rating_code"])
        assert body["allowed_rating"] == f"R{allowed}"
        for action in body["actions"]:
            assert action["products"]
            for product in action["products"]:
                assert int(products.loc[product["product_id"], "risk_rating_code"]) <= allowed


def _idlest_clients(home: Path, n: int) -> list[str]:
    """The clients of the latest as-of date longest without a login: a live login moves them the most."""
    features = pd.read_parquet(
        home / "marts" / "client_features.parquet", columns=["client_id", "as_of_date", "days_since_last_login"]
    )
    latest = features[features["as_of_date"] == features["as_of_date"].max()]
    return latest.sort_values(["days_since_last_login", "client_id"], ascending=[False, True])["client_id"][:n].tolist()


def test_a_pushed_event_reaches_the_next_score(service, home: Path):
    clients = _idlest_clients(home, 5)

    def scores() -> dict[str, dict]:
        reply = httpx.post(f"{service}/score", json={"client_ids": clients}, headers=AUTH, timeout=30)
        assert reply.status_code == 200, reply.text
        return {entry["client_id"]: entry for entry in reply.json()["scores"]}

    before, again = scores(), scores()
    pushed = httpx.post(
        f"{service}/events",
        json={"events": [{"client_id": c, "event_type": "login"} for c in clients for _ in range(3)]},
        headers=AUTH,
        timeout=30,
    )
    assert pushed.status_code == 200, pushed.text
    assert [(c["client_id"], c["live_logins_today"]) for c in pushed.json()["counters"]] == [(c, 3.0) for c in clients]
    after = scores()
    # What /score returns moves: without an event two scores agree (only the request time ages the
    # recency between them); after three logins at least one of the idlest clients' churn moves, with the
    # batch features unchanged. A service that ignored the live view would return the scores of before.
    for c in clients:
        assert again[c]["churn_probability"] == pytest.approx(before[c]["churn_probability"], abs=1e-6)
        assert after[c]["feature_timestamp"] == before[c]["feature_timestamp"] is not None
    moved = {c: (before[c]["churn_probability"], after[c]["churn_probability"]) for c in clients}
    assert any(abs(b - a) > 1e-4 for b, a in moved.values()), moved
    # What the next score is computed from: the online features the service reads now show the logins,
    # and the request-time recency says the last login was moments ago.
    read = subprocess.run(
        [sys.executable, "-c", ONLINE_READ, clients[0]],
        cwd=ROOT,
        env=_env(home),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert read.returncode == 0, read.stderr[-3000:]
    logins, days_since_login = map(float, read.stdout.split()[-2:])
    assert logins == 3
    assert days_since_login < 0.01


ONLINE_READ = """
import sys, time
from features.store import open_store
store = open_store()
row = store.get_online_features(
    features=store.get_feature_service("churn_v1"),
    entity_rows=[{"client_id": sys.argv[1], "request_epoch": time.time()}],
).to_dict()
print(row["live_logins_today"][0], row["days_since_last_login_now"][0])
"""


def test_leads_of_an_advisor(service, home: Path):
    (folder,) = (home / "leads").glob("dt=*")
    leads = pd.read_parquet(folder / "leads.parquet")
    advisor = leads.loc[leads["assignment"] == "advisor", "advisor_id"].iloc[0]
    day = folder.name.removeprefix("dt=")
    reply = httpx.get(f"{service}/leads/", params={"advisor_id": advisor, "date": day}, headers=AUTH, timeout=30)
    assert reply.status_code == 200, reply.text
    mine = reply.json()["leads"]
    assert mine and [lead["priority"] for lead in mine] == sorted(lead["priority"] for lead in mine)
    assert len([lead for lead in mine if lead["assignment"] == "advisor"]) <= 30


def test_a_segment_preview_counts_what_the_daily_membership_holds(service, home: Path):
    import yaml

    catalog = yaml.safe_load((ROOT / "serving" / "segments" / "catalog.yml").read_text())["segments"]
    (folder,) = sorted((home / "segments" / "membership").glob("dt=*"))[-1:]
    for segment in catalog:
        members = pd.read_parquet(folder / f"{segment['name']}.parquet")["client_id"]
        reply = httpx.post(
            f"{service}/segments/preview",
            json={"expression": segment["expression"], "sample": 3},
            headers=AUTH,
            timeout=30,
        )
        assert reply.status_code == 200, reply.text
        body = reply.json()
        assert body["as_of_date"] == folder.name.removeprefix("dt=")
        assert body["members"] == len(members), segment["name"]
        assert body["sample_client_ids"] == sorted(members)[:3]
    unknown = httpx.post(
        f"{service}/segments/preview", json={"expression": "holds_unicorns and tier >= 'T3'"}, headers=AUTH, timeout=30
    )
    assert unknown.status_code == 422 and "holds_unicorns" in unknown.text


def test_scoring_needs_the_key(service):
    response = httpx.post(f"{service}/score", json={"client_ids": ["C0000001"]}, timeout=30)
    assert response.status_code == 401
    assert httpx.get(f"{service}/readyz", timeout=30).status_code == 200


def _full_log(stdout: str) -> str:
    """What the libraries printed (dbt's lines among them): `wealthpulse run` names the file it keeps them in."""
    match = re.search(r"the full log goes to (\S+);", stdout)
    path = Path(match.group(1)) if match else None
    return path.read_text(errors="replace") if path is not None and path.exists() else ""


def _kill_mid_run(home: Path, marker: str) -> str:
    """Start `wealthpulse run`, kill it (and dbt under it) once its full log shows `marker`; its output."""
    log = home / "killed-run.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "wealthpulse.cli", "run"],
            cwd=ROOT,
            env=_env(home),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 900
    while marker not in _full_log(log.read_text()):
        assert process.poll() is None, f"the run ended before {marker!r}:\n{log.read_text()[-3000:]}"
        assert time.monotonic() < deadline, f"no {marker!r} within 900 s"
        time.sleep(0.2)
    time.sleep(2)  # mid-way through the warehouse build
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=60)
    return log.read_text()


def test_a_run_killed_half_way_recovers_on_rerun_with_the_same_result(first_run, home: Path):
    killed = _kill_mid_run(home, "START sql external model")
    assert "wealthpulse run finished" not in killed
    rerun = _run(home)
    assert rerun.returncode == 0, rerun.stdout[-4000:] + rerun.stderr[-4000:]
    # The killed run is marked failed with what to do, not left "started" in the UI.
    assert re.search(r"run \S+ was left unfinished \(its process stopped\): marked failed", rerun.stdout)
    assert _registered_tag(rerun.stdout) == _registered_tag(first_run.stdout)
    # dbt builds in parallel, so rows are reported in varying order: compare them as sets.
    assert sorted(_report_rows(rerun.stdout)) == sorted(_report_rows(first_run.stdout))
    assert len(_report_rows(rerun.stdout)) >= 12
    days = sorted((home / "leads").glob("dt=*/leads.parquet"))
    assert days
    for day in days:
        assert not pd.read_parquet(day).duplicated(["client_id", "need"]).any(), day


def test_a_backfill_of_past_as_of_days_builds_their_scores_and_leads_under_their_rules(first_run, home: Path):
    """`wealthpulse backfill`: Dagster's partition-range materialization, the CLI form of a UI backfill."""
    suitability = pd.read_parquet(home / "marts" / "client_suitability.parquet")
    first, last = sorted(suitability["as_of_date"].unique())[-4:-2]
    reply = _cli(home, "backfill", "--from", str(first), "--to", str(last))
    assert reply.returncode == 0, reply.stdout[-3000:] + reply.stderr[-3000:]
    ratings = pd.read_parquet(home / "marts" / "products.parquet").set_index("product_id")["risk_rating_code"]
    with duckdb.connect(str(home / "warehouse" / "serving.duckdb"), read_only=True) as con:
        in_table = con.execute("select lead_date, count(*) as n from lead_list group by all").df()
    per_day = dict(zip(pd.to_datetime(in_table["lead_date"]).dt.date, in_table["n"], strict=True))
    for day in (first, last):
        leads = pd.read_parquet(home / "leads" / f"dt={day}" / "leads.parquet")
        assert len(leads) > 0 and (leads["lead_date"] == day).all()
        assert per_day[day] == len(leads)
        # Each day's offers obey that day's suitability, not today's.
        allowed = suitability[suitability["as_of_date"] == day].set_index("client_id")["allowed_risk_rating_code"]
        offered = leads[["client_id", "product_ids"]].explode("product_ids")
        assert (offered["product_ids"].map(ratings) <= offered["client_id"].map(allowed)).all()
        # The day's batch scores: every client of the day once, and the leads' probabilities are theirs.
        scores = pd.read_parquet(home / "scores" / f"dt={day}" / "scores.parquet")
        assert sorted(scores["client_id"]) == sorted(allowed.index)
        intent = scores.set_index("client_id")
        expected = [intent.at[c, f"intent_{n}"] for c, n in zip(leads["client_id"], leads["need"], strict=True)]
        assert leads["probability"].tolist() == expected
        assert scores["reasons_churn"].map(json.loads).map(len).gt(0).mean() > 0.9


def test_a_rebuild_of_past_landing_days_gives_the_same_warehouse(first_run, home: Path):
    """`wealthpulse rebuild`: a partition range of landing days through landing, the warehouse and the online store."""
    before = pd.read_parquet(home / "marts" / "client_features.parquet")
    days = sorted(p.name.removeprefix("dt=") for p in (home / "landing" / "asset_snapshots").glob("dt=*"))
    first, last = days[-8], days[-5]
    reply = _cli(home, "rebuild", "--from", first, "--to", last)
    assert reply.returncode == 0, reply.stdout[-3000:] + reply.stderr[-3000:]
    assert f"rebuilding every day from {first} on" in reply.stdout + reply.stderr
    # The landing is unchanged, so the rebuilt days equal what the first run built, value for value.
    after = pd.read_parquet(home / "marts" / "client_features.parquet")
    order = ["client_id", "as_of_date"]
    pd.testing.assert_frame_equal(
        after.sort_values(order).reset_index(drop=True),
        before.sort_values(order).reset_index(drop=True),
        check_exact=True,
    )
    with dg.DagsterInstance.from_config(str(home / "dagster")) as instance:
        built = instance.get_materialized_partitions(dg.AssetKey("mart_client_features"))
    assert {first, last, days[-1]} <= built


GRAPHQL_ASSETS = """
{ assetNodes {
    assetKey { path }
    assetMaterializations(limit: 1) { runId }
    assetChecksOrError { ... on AssetChecks { checks {
        name
        executionForLatestMaterialization { status evaluation { severity } }
    } } }
} }
"""


def test_ui_shows_every_asset_materialized_and_every_check_run(first_run, home: Path):
    """What a data engineer sees in the Dagster UI, read through the webserver's GraphQL API."""
    port = free_port()
    env = {**_env(home), "DAGSTER_HOME": str(home / "dagster")}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dagster_webserver",
            "-m",
            "orchestration.definitions",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 180
        nodes = []
        while time.monotonic() < deadline and not nodes:
            try:
                reply = httpx.post(f"http://127.0.0.1:{port}/graphql", json={"query": GRAPHQL_ASSETS}, timeout=30)
                nodes = reply.json().get("data", {}).get("assetNodes") or []
            except (httpx.HTTPError, ValueError):
                time.sleep(1)
        assert nodes, "the webserver did not serve the asset graph"
        unmaterialized = ["/".join(n["assetKey"]["path"]) for n in nodes if not n["assetMaterializations"]]
        assert unmaterialized == []
        checks = [
            ("/".join(n["assetKey"]["path"]), c["name"], c["executionForLatestMaterialization"])
            for n in nodes
            for c in (n["assetChecksOrError"].get("checks") or [])
        ]
        assert len(checks) >= 30
        not_run = [(a, c) for a, c, execution in checks if execution is None]
        assert not_run == []
        failed = [
            (a, c)
            for a, c, execution in checks
            if execution["status"] != "SUCCEEDED" and (execution.get("evaluation") or {}).get("severity") != "WARN"
        ]
        assert failed == []
        if CHROMIUM:
            _screenshot_asset_graph(f"http://127.0.0.1:{port}")
    finally:
        process.terminate()
        process.wait(timeout=30)


def _screenshot_asset_graph(url: str) -> None:
    """The asset graph as a person sees it, saved as a build artifact (only where Chromium is installed)."""
    # The first visit opens a welcome dialog over the page; the instance records it as seen.
    seen = httpx.post(f"{url}/graphql", json={"query": "mutation { setNuxSeen }"}, timeout=30)
    assert seen.json()["data"]["setNuxSeen"] is True
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "asset-graph.png"
    shot.unlink(missing_ok=True)
    subprocess.run(
        [
            CHROMIUM,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1920,1080",
            # Virtual time runs the page's scripts and GraphQL fetches before the picture is taken.
            "--virtual-time-budget=30000",
            f"--screenshot={shot}",
            f"{url}/asset-groups",
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    image = shot.read_bytes()
    assert image.startswith(b"\x89PNG"), shot
    # Measured: the page with an empty graph is about 63 kB, the five groups of this graph 130 kB.
    assert len(image) > 90_000, f"{shot} shows no graph ({len(image)} bytes)"
