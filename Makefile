# The two commands: `make run` (the main job) and `make test`. Both set up everything.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo python3 -m uv)
RUN := $(UV) run --frozen
export FEAST_USAGE := False
export BENTOML_DO_NOT_TRACK := True
export DAGSTER_DISABLE_TELEMETRY := 1

.PHONY: env-spark run test test-slow serve ui bento backfill rebuild bench env lint lint-sql clean

env: .venv/.synced

.venv/.synced: pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen
	@rm -f .venv/.synced-spark
	@touch $@

# The default install plus the optional Spark engine (pyspark, dbt-spark, Feast's Spark store): what the
# tests need, since they prove the two engines agree. `make run` keeps to the default install.
env-spark: .venv/.synced-spark

.venv/.synced-spark: pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen --extra spark
	@touch $@ .venv/.synced

run: env
	$(RUN) wealthpulse run

test: env-spark lint-sql
	$(RUN) ruff check .
	$(RUN) pytest

# The property tests (suitability, next best action, the segment language) at
# 100,000 cases each instead of a few hundred: about 19 minutes on 2 cores.
test-slow: env
	WEALTHPULSE_HYPOTHESIS_PROFILE=slow $(RUN) pytest -m property

serve: env
	$(RUN) wealthpulse serve

ui: env
	$(RUN) wealthpulse ui

# The Bento: the service, its code, every champion model, and the Python packages of uv.lock.
bento: env
	$(UV) export --frozen --no-dev --no-hashes --no-emit-project --quiet -o serving/bento-requirements.txt
	$(RUN) wealthpulse bento

# The lead lists of past as-of days: make backfill FROM=YYYY-MM-DD TO=YYYY-MM-DD
backfill: env
	$(RUN) wealthpulse backfill --from $(FROM) --to $(TO)

# The landing tables, the warehouse (from FROM on) and the online store for a range of landing days
rebuild: env
	$(RUN) wealthpulse rebuild --from $(FROM) --to $(TO)

bench: env
	$(RUN) python -m benchmarks.run

lint: env lint-sql
	$(RUN) ruff check .

# sqlfluff renders every model through dbt (.sqlfluff), whose profile needs a state directory: a
# throwaway one, with its own dbt target folder, so the lint neither opens the warehouse of a real
# state nor rewrites the parse state Dagster reads from dbt_project/target.
lint-sql: env
	@home=$$(mktemp -d) && mkdir -p "$$home/warehouse" && \
	WEALTHPULSE_HOME="$$home" DBT_TARGET_PATH="$$home/target" DBT_LOG_PATH="$$home/logs" \
	$(RUN) sqlfluff lint dbt_project; status=$$?; rm -rf "$$home"; exit $$status

clean:
	rm -rf .wealthpulse dbt_project/target
