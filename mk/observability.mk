# Observability: alert rules, config checks, load scenarios. Owner: observability.
OBS_RULE_TESTS := build/promtool

.PHONY: rules
rules: $(OBSLAB) ## re-render observability/prometheus/rules/*.rules.yml from observability/alerts.yaml
	@$(PY) -m obslab.observability rules

.PHONY: rules-test
rules-test: $(OBSLAB) ## promtool check + unit tests (fires / silent just below / resolves) for every alert
	@$(PY) -m obslab.observability rules-check
	@promtool check rules observability/prometheus/rules/*.rules.yml
	@$(PY) -m obslab.observability rule-tests $(OBS_RULE_TESTS) >/dev/null
	@cd $(OBS_RULE_TESTS) && promtool test rules *.test.yml

.PHONY: obs-check
obs-check: $(OBSLAB) ## static observability checks: rules, promtool/amtool configs, dashboards (no lab needed)
	@$(PY) -m pytest -q tests/observability -m "not integration"

SCENARIO ?= errors
.PHONY: load
load: $(OBSLAB) ## run a locust scenario against the lab and time its alert: make load SCENARIO=errors|latency|drift|baseline
	@$(PY) loadtests/run.py $(SCENARIO)

.PHONY: load-ui
load-ui: $(OBSLAB) ## locust web UI on 127.0.0.1:8089 against the lab's serving (SCENARIO=... shapes the traffic)
	@$(VENV)/bin/locust -f loadtests/locustfile.py --web-host 127.0.0.1 --web-port $${LOCUST_WEB_PORT:-8089} \
	  --host $$($(PY) -c 'from obslab.settings import get_settings; print(get_settings().serving_url)') \
	  --scenario $(SCENARIO)

.PHONY: dashboards
dashboards: $(OBSLAB) ## re-render observability/grafana/dashboards/*.json (dashboards as code in obslab.observability.dashboards)
	@$(PY) -c 'from obslab.observability.dashboards import write; [print(p) for p in write()]'
