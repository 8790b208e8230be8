# starcoach: two commands do everything on a fresh Debian machine.
#   make run    set up, then start a live mock run (or the demo where there is no microphone)
#   make test   set up, then run every test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test setup setup-test system-deps system-deps-test demo bench clean

run: system-deps setup
	@$(BIN)/starcoach run --or-demo

demo: system-deps setup
	@$(BIN)/starcoach demo

test: system-deps-test setup
	@$(BIN)/python -m pytest

bench: system-deps-test setup
	@$(BIN)/python benchmarks/run_all.py

system-deps:
	@scripts/system-deps.sh run

system-deps-test:
	@scripts/system-deps.sh test

setup: $(STAMP)

# Re-installs only when the project's dependencies change.
$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "starcoach needs Python >= 3.11 (found $$($(PYTHON) --version)); set PYTHON=python3.11"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "starcoach set-up: installing Python packages into $(VENV)/ (pinned by constraints.txt)"
	@$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	@$(BIN)/python -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[test]'
	@touch $(STAMP)

clean:
	rm -rf $(VENV) .pytest_cache
