# Drift detection: Lambda zip, on-demand run through LocalStack, benchmark, tests.
DRIFT_ZIP := build/drift-lambda.zip
DRIFT_SRC := $(wildcard services/drift/drift/*.py) services/drift/build_zip.py

$(DRIFT_ZIP): $(DRIFT_SRC)
	@$(PY) services/drift/build_zip.py --out $(DRIFT_ZIP)

.PHONY: drift-zip
drift-zip: $(DRIFT_ZIP) ## build build/drift-lambda.zip (python3.13 x86_64: numpy, scipy, drift) and print its size
	@$(PY) -c "import zipfile,os; z=zipfile.ZipFile('$(DRIFT_ZIP)'); print('$(DRIFT_ZIP): %.1f MB zipped, %.1f MB unzipped' % (os.path.getsize('$(DRIFT_ZIP)')/2**20, sum(i.file_size for i in z.infolist())/2**20))"

.PHONY: drift
drift: $(OBSLAB) $(DRIFT_ZIP) ## run the drift Lambda through LocalStack on today's production embeddings (DATE=YYYY-MM-DD); deploys it if missing
	@$(OBSLAB) drift invoke $(if $(DATE),--date $(DATE))

.PHONY: drift-check
drift-check: $(OBSLAB) ## compare two .npy files: make drift-check REF=ref.npy CUR=cur.npy
	@$(OBSLAB) drift check --reference $(REF) --current $(CUR)

.PHONY: bench-drift
bench-drift: $(OBSLAB) ## drift benchmark: vectorised KS vs scipy loop, FPR, power on shifts, memory at 1x/10x volume
	@$(PY) -m drift.bench

.PHONY: test-drift
test-drift: $(OBSLAB) ## drift tests (statistics, CLI, handler on LocalStack, Lambda through the executor plugin)
	@$(PY) -m pytest tests/drift $(PYTEST_ARGS)
