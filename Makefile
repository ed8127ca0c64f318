# Two commands for a fresh machine: `make run` (app with demo data) and `make test` (every test).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501

.PHONY: run test lint migrate seed-demo expire bench-seed bench-stats clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

run: $(VENV)/.installed
	$(BIN)/python -m lib.cli migrate
	$(BIN)/python -m lib.cli is-empty && $(BIN)/python -m lib.cli seed-demo || true
	$(BIN)/python -m lib.cli expire
	$(BIN)/streamlit run Home.py --server.port $(PORT) --server.headless true --browser.gatherUsageStats false

test: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

migrate seed-demo expire: $(VENV)/.installed
	$(BIN)/python -m lib.cli $@

# Benchmark (not part of `make test`): load N synthetic vouchers into a scratch database and time it.
bench-seed: $(VENV)/.installed
	$(BIN)/python benchmarks/seed_scale.py $(N)

# Benchmark: the statistics queries on the database bench-seed built (or any DATABASE URL given as DB=…).
bench-stats: $(VENV)/.installed
	$(BIN)/python benchmarks/stats_scale.py $(or $(DB),sqlite:////tmp/bench_seed_$(or $(N),1000000).db)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache tests/artifacts
