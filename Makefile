# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# One .venv, two stamps: `make run` installs only what the app needs at run time; `make test`
# adds the development set (pytest, playwright, torch + sentence-transformers, scikit-learn, ...).
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test install install-test bench eval clean browser test-server load

$(RUN_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $(RUN_STAMP)

$(TEST_STAMP): $(RUN_STAMP)
	# The CPU build of torch first, or pip pulls a multi-GB CUDA build for sentence-transformers.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(TEST_STAMP)

install: $(RUN_STAMP)

install-test: $(TEST_STAMP)

# The app on http://localhost:8501. `maatwerk serve` first copies the sample corpus into the data dir
# (.maatwerk/corpus) and indexes it, with progress in the terminal; then the port opens.
# A first-time user expects to look around, so `make run` starts in demo mode (MAATWERK_DEMO=true,
# announced in the terminal and on the login page): demo accounts demo-professional,
# demo-kwaliteit, demo-jurist, demo-beheerder with password lindewaarde-demo. Demo mode holds only
# while the case log has no real users: after `maatwerk users init NAAM` the demo accounts are
# deactivated and `make run` serves the real accounts. `make run MAATWERK_DEMO=false` never demos.
MAATWERK_DEMO ?= true
run: $(RUN_STAMP)
	MAATWERK_DEMO=$(MAATWERK_DEMO) $(BIN)/maatwerk serve

# Debian's Chromium for the end-to-end UI tests (Playwright drives it; it never downloads a
# browser). Installed when we may (root with apt); otherwise those tests skip and say why.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; } || \
	  echo "Chromium niet geïnstalleerd: de end-to-end-tests van de app worden overgeslagen."

test: $(TEST_STAMP) browser
	$(BIN)/python -m pytest

# Integration tests against a real Chroma server and PostgreSQL: run them through
# .ci/services.sh, which starts both and exports MAATWERK_TEST_CHROMA_URL/_DATABASE_URL
# (without those the tests are skipped): `.ci/services.sh make test-server`.
test-server: $(TEST_STAMP)
	$(BIN)/python -m pytest -m server

# Load test on loopback (PostgreSQL + Chroma server): `.ci/services.sh make load`.
load: $(TEST_STAMP)
	$(BIN)/python -m evals.load --users 1,10,50

eval: $(TEST_STAMP)
	MAATWERK_DATA_DIR=.maatwerk/eval-nl $(BIN)/maatwerk index corpus/landelijk evals/corpus-vergelijking --quiet
	MAATWERK_DATA_DIR=.maatwerk/eval-nl $(BIN)/maatwerk eval retrieval --gold evals/gold/retrieval.yaml \
		--gold evals/gold/retrieval-holdout.yaml

bench: $(RUN_STAMP)
	$(BIN)/maatwerk bench

clean:
	rm -rf $(VENV) .maatwerk
