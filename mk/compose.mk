# Compose path of the lab (issue 6). Everything here except compose-build runs without a Docker engine.
COMPOSE_BIN := $(CURDIR)/.tools/bin/docker-compose
HADOLINT := $(CURDIR)/.tools/bin/hadolint
DOCKERFILES := services/serving/Dockerfile services/training/Dockerfile services/mlflow/Dockerfile

$(COMPOSE_BIN) $(HADOLINT):
	@ROOT=$(CURDIR) bash scripts/install.d/compose.sh

.PHONY: compose-config
compose-config: $(COMPOSE_BIN) ## validate compose.yaml (all profiles) with the real Compose v2 binary; no engine needed
	@$(COMPOSE_BIN) -f compose.yaml --profile jobs config -q && echo "compose.yaml: valid"

.PHONY: compose-lint
compose-lint: $(HADOLINT) ## lint the Dockerfiles (serving, training, mlflow) with hadolint
	@$(HADOLINT) $(DOCKERFILES) && echo "Dockerfiles: hadolint clean"

.PHONY: compose-check
compose-check: compose-config compose-lint $(OBSLAB) ## compose config + Dockerfile lint + the compose/native parity tests
	@$(PY) -m pytest -q tests/compose

.PHONY: compose-build
compose-build: ## build the lab's images (serving, training, mlflow); needs a Docker engine
	@$(COMPOSE_BIN) -f compose.yaml --profile jobs build

.PHONY: compose
compose: $(OBSLAB) ## any Compose command with the lab's settings: make compose ARGS="logs -f serving"
	@$(PY) -m obslab.compose_runtime $(ARGS)
