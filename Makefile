# Two commands for a fresh machine: `make run` (app with demo data) and `make test` (every test).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501

.PHONY: run test test-browser lint migrate seed-demo expire bench load bench-seed bench-stats bench-import prove-replicas \
	mutation mutation-retest mutation-report clean

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
	$(BIN)/python -m lib.cli check
	$(BIN)/streamlit run Home.py --server.port $(PORT) --server.headless true --browser.gatherUsageStats false

# JOBS processes run the tests side by side (pytest-xdist; JOBS=0: one process), each on its own databases.
test: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n $(or $(JOBS),2)

# The browser tests alone, in a new random order (SEED=n repeats one); each starts its own server on a
# fresh copy of the demo data, so any order and any single test pass.
test-browser: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -m browser $(if $(SEED),--randomly-seed=$(SEED))

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

migrate seed-demo expire: $(VENV)/.installed
	$(BIN)/python -m lib.cli $@

# Benchmark (not part of `make test`): 10,000 and N (default 1,000,000) vouchers on SQLite and PostgreSQL (DBS=sqlite
# for one), every list and statistic against its bare SQL and a naive pandas peer; writes docs/benchmarks.md.
bench: $(VENV)/.installed
	$(BIN)/python benchmarks/scale.py 10000 $(or $(N),1000000) $(if $(DBS),--dbs $(DBS))

# Load (not part of `make test`): USERS concurrent users (5 writing) on one app process (REPLICAS=n: n behind nginx)
# over Streamlit's WebSocket protocol, on the PostgreSQL database `make bench` built (or DB=…), THINK=min-max seconds
# between a person's clicks (default 1-3); writes its section of docs/benchmarks.md.
load: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/load.py $(or $(DB),postgresql+psycopg://postgres@127.0.0.1:5432/bench_$(or $(N),1000000)) \
		--users $(or $(USERS),50) --duration $(or $(DURATION),120) --replicas $(or $(REPLICAS),1) --think $(or $(THINK),1-3)

# Two replicas behind Debian's nginx on one PostgreSQL (deploy/): login, upload, write, refreshed statistics.
prove-replicas: $(VENV)/.installed-dev
	$(BIN)/python deploy/prove_replicas.py

# Benchmark (not part of `make test`): load N synthetic vouchers into a scratch database and time it.
bench-seed: $(VENV)/.installed
	$(BIN)/python benchmarks/seed_scale.py $(N)

# Benchmark: check and issue a 5,000-row 批量发放 file as a clerk makes it (ROWS=…, DB=… to change).
bench-import: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/import_scale.py $(or $(ROWS),5000) $(DB)

# Benchmark: the statistics queries on the database bench-seed built (or any DATABASE URL given as DB=…).
bench-stats: $(VENV)/.installed
	$(BIN)/python benchmarks/stats_scale.py $(or $(DB),sqlite:////tmp/bench_seed_$(or $(N),1000000).db)

# Mutation testing of lib/ (not in CI: hours on 2 cores; it resumes where it stopped). MODULES="vouchers auth"
# limits it to those modules. The SQLite tests of lib are the runner (see [tool.mutmut] in pyproject.toml).
# With MODULES, the mutants of those modules not checked yet (all of them on a first run).
MUTANTS = $(if $(MODULES),$$(test -d mutants && $(BIN)/python tests/mutation_report.py --pending $(MODULES) \
	|| echo $(foreach m,$(MODULES),"lib.$(m).*")))
mutation: $(VENV)/.installed-dev
	env -u TEST_DATABASE_URL $(BIN)/mutmut run --max-children $(or $(JOBS),2) $(MUTANTS) || true
	$(BIN)/python tests/mutation_report.py

# After adding tests: check the surviving mutants again (only those), then report.
mutation-retest: $(VENV)/.installed-dev
	env -u TEST_DATABASE_URL $(BIN)/mutmut run --max-children $(or $(JOBS),2) \
		$$($(BIN)/python tests/mutation_report.py --survivors $(MODULES)) || true
	$(BIN)/python tests/mutation_report.py

# The per-module score table, also written into docs/testing.md.
mutation-report: $(VENV)/.installed-dev
	$(BIN)/python tests/mutation_report.py --write

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache tests/artifacts mutants
