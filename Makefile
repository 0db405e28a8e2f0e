# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install bench eval clean test-server load

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# The CPU build of torch first, or pip pulls a multi-GB CUDA build for sentence-transformers.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	# deduce's Dutch name lists feed the pseudonymiser; --no-deps because deduce pins regex<2025,
	# which clashes with transformers, and only its data files are read (see assistant/privacy.py).
	$(BIN)/pip install --quiet --no-deps deduce==3.0.6
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/maatwerk index corpus
	$(BIN)/maatwerk search "Hoeveel mag een wasmachine kosten via de bijzondere bijstand?" --k 3

test: $(STAMP)
	$(BIN)/python -m pytest

# Integration tests against a real Chroma server and PostgreSQL: run them through
# .ci/services.sh, which starts both and exports MAATWERK_TEST_CHROMA_URL/_DATABASE_URL
# (without those the tests are skipped): `.ci/services.sh make test-server`.
test-server: $(STAMP)
	$(BIN)/python -m pytest -m server

# Load test on loopback (PostgreSQL + Chroma server): `.ci/services.sh make load`.
load: $(STAMP)
	$(BIN)/python -m evals.load --users 1,10,50

eval: $(STAMP)
	MAATWERK_DATA_DIR=.maatwerk/eval-nl $(BIN)/maatwerk index ../shared/corpus-nl --quiet
	MAATWERK_DATA_DIR=.maatwerk/eval-nl $(BIN)/maatwerk eval retrieval

bench: $(STAMP)
	$(BIN)/maatwerk bench

clean:
	rm -rf $(VENV) .maatwerk
