# Wijkkracht: `make demo` runs an evening end to end; `make test` runs the whole suite.
# Both set up everything they need themselves (virtualenv, Kafka, the document store, dev mail and SMS).

SHELL := /bin/bash
VENV  := .local/venv
PY    := $(VENV)/bin/python
RUN   := $(PY) deploy/local/run.py
PACKAGES := shared services/registration services/matching services/notifications
STAMP := $(VENV)/.installed

.PHONY: axe help venv up up-infra down status logs demo test test-unit test-integration test-e2e test-faults bench compose-config clean

help:
	@echo "make demo    - start everything and run a wijkkracht evening end to end"
	@echo "make test    - start everything and run the whole test suite"
	@echo "make up | down | status | logs  - the local stack (no Docker needed)"

$(STAMP): requirements.txt requirements-dev.txt $(wildcard $(addsuffix /pyproject.toml,$(PACKAGES)))
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip setuptools wheel
	$(PY) -m pip install -q -r requirements-dev.txt
	$(PY) -m pip install -q --no-build-isolation $(foreach p,$(wildcard $(PACKAGES)),-e $(p))
	@touch $@

venv: $(STAMP)

# axe-core, the accessibility engine the browser tests inject into every page: fetched from npm once,
# cached under .local/ (never committed).
AXE := .local/node/node_modules/axe-core/axe.min.js
$(AXE):
	npm install --prefix .local/node --no-save --no-audit --no-fund --loglevel=error axe-core@4

axe: $(AXE)

up: venv
	$(RUN) up

up-infra: venv
	$(RUN) up --infra-only

down:
	@if [ -x $(PY) ]; then $(RUN) down; fi

status: venv
	$(RUN) status

logs: venv
	$(RUN) logs

demo: up
	$(PY) deploy/demo.py

# The whole suite: unit tests first (no infrastructure), then the tiers that need the stack, then the fault
# tests with their output shown (each prints what it counted: lost, duplicated, dead-lettered).
# The stack is stopped afterwards whatever the outcome, and the test data (fuzzed names and all) removed,
# so a `make demo` afterwards starts clean.
test: venv $(AXE)
	$(PY) -m pytest tests/unit -q -p no:cacheprovider
	status=0; \
	{ $(RUN) up && $(PY) -m pytest tests/integration tests/e2e tests/browser -q -p no:cacheprovider --durations=15 \
	  && $(PY) -m pytest tests/faults -q -s -p no:cacheprovider --durations=0; } || status=$$?; \
	$(RUN) down; rm -rf .local/data; exit $$status

test-unit: venv
	$(PY) -m pytest tests/unit -q

test-integration: up
	$(PY) -m pytest tests/integration -q

test-e2e: up $(AXE)
	$(PY) -m pytest tests/e2e tests/browser -q

test-faults: up
	$(PY) -m pytest tests/faults -q -s

# Every benchmark at full size (and matching's live share of the door), each ending with its RESULT line;
# all of them run, and the target fails if any one did.
bench: up
	@status=0; for b in bench/*.py "bench/colours.py --live"; do echo "== $$b"; $(PY) $$b || { echo "FAILED: $$b"; status=1; }; done; exit $$status

# docker-compose.yml requires its secrets (${VAR:?...}); the syntax check gets throwaway ones, so it
# passes without a real .env (values given here win over an .env's).
COMPOSE_CHECK_ENV = SECRET_KEY=x SESSION_SECRET=x LINK_SECRET=x PERSON_ID_SECRET=x ORGANISER_TOKENS=x SMS_WEBHOOK_TOKEN=x MONGO_INITDB_ROOT_USERNAME=x MONGO_INITDB_ROOT_PASSWORD=x
compose-config:
	env $(COMPOSE_CHECK_ENV) docker-compose -f docker-compose.yml config -q
	env $(COMPOSE_CHECK_ENV) docker-compose -f docker-compose.yml -f docker-compose.dev.yml config -q

clean: down
	rm -rf .local/data .local/logs .local/run
