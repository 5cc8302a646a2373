# Serving targets (owner: serving). `make bench` lives in the Makefile and runs serving/bench.py.

.PHONY: test-serving
test-serving: $(OBSLAB) ## serving unit tests (real MLflow sqlite registry, no lab needed)
	@$(PY) -m pytest tests/serving -m "not integration" $(PYTEST_ARGS)

.PHONY: serve-dev
serve-dev: $(OBSLAB) ## run the serving app alone under uvicorn (env: MLFLOW_TRACKING_URI, SERVING_PORT)
	@$(VENV)/bin/uvicorn serving.main:app --host 127.0.0.1 --port $${SERVING_PORT:-8000} --workers 1 --no-access-log
