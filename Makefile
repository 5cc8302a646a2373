# obslab: every user-facing command. `make help` lists them.
# Area-specific targets live in mk/<area>.mk (one owner each) and are included below.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV ?= .venv
PY := $(VENV)/bin/python
OBSLAB := $(VENV)/bin/obslab
export PATH := $(CURDIR)/.tools/bin:$(PATH)

.PHONY: help
help: ## list every target with one line each
	@grep -hE '^[a-zA-Z0-9_-]+:.*?## ' $(MAKEFILE_LIST) | sort -u | \
	  awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-20s\033[0m %s\n", $$1, $$2}'

.PHONY: install
install: ## install everything the lab and its tests need (apt packages, venvs, npm tools)
	@./scripts/install.sh

$(OBSLAB):
	@./scripts/install.sh

.PHONY: up
up: $(OBSLAB) ## start the lab (Compose if a Docker engine answers, else native processes); RUNTIME=compose|native forces one
	@$(OBSLAB) up $(if $(RUNTIME),--runtime $(RUNTIME))

.PHONY: down
down: $(OBSLAB) ## stop every process the lab started, keeping data; CLEAN=1 also removes data
	@$(OBSLAB) down $(if $(CLEAN),--clean)

.PHONY: status
status: $(OBSLAB) ## show each component with its PID, health and URL
	@$(OBSLAB) status

.PHONY: logs
logs: $(OBSLAB) ## tail a component's log: make logs C=serving
	@$(OBSLAB) logs $(C)

.PHONY: train
train: $(OBSLAB) ## train the model, register it and point the `champion` alias at it (FAIL=1: fail on purpose)
	@$(OBSLAB) train $(if $(FAIL),--fail)

.PHONY: test
test: install ## run the whole test suite (installs what is missing first): lint, unit, integration
	@$(VENV)/bin/ruff check services tests loadtests
	@$(PY) -m pytest $(PYTEST_ARGS)

.PHONY: lint
lint: $(OBSLAB) ## ruff over the Python sources
	@$(VENV)/bin/ruff check services tests loadtests

.PHONY: bench
bench: $(OBSLAB) ## serving throughput/latency: bare numpy vs obslab variants, ratios to the baseline
	@$(PY) -m serving.bench

-include mk/*.mk
