# Two commands on a fresh machine: `make report` and `make test`.
# Both install the exact versions of requirements.lock into .venv (once; again when the lock
# or pyproject.toml changes). `make lock` moves the lock to the newest allowed versions, on
# purpose, and only when the whole suite passes with them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LOCK   := requirements.lock
PERIOD ?=

# `make lock`: the resolver (uv, pinned here so that the lock's format never changes by
# itself), the scratch environment it tests the new lock in, and what goes into the lock
# besides pyproject.toml's dependencies and test extras (setuptools, the build backend, is
# one of those): pip, so that the install itself is pinned too.
UV_VERSION := 0.13.9
SCRATCH    := .venv-lock
LOCK_EXTRA := 'pip'
LOCK_FLAGS := --extra test --universal --python-version 3.11 --quiet \
              --custom-compile-command 'make lock'

.PHONY: venv test lint report sample validate lab clean lock upgrade

# pip first (its own pin), then every pinned package, then the project itself without
# dependencies and without an isolated build (the pinned setuptools builds it).
define install_locked
	test -x $(1)/bin/python || $(PYTHON) -m venv $(1)
	$(1)/bin/python -m pip install -q "$$(grep -E '^pip==' $(2))"
	$(1)/bin/python -m pip install -q -r $(2)
	$(1)/bin/python -m pip install -q --no-deps --no-build-isolation -e .
	$(1)/bin/python -m ipykernel install --sys-prefix --name python3 >/dev/null
endef

$(STAMP): pyproject.toml $(LOCK)
	$(call install_locked,$(VENV),$(LOCK))
	touch $(STAMP)

venv: $(STAMP)

test: $(STAMP)
	$(BIN)/ruff check retention_lib tests benchmarks
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check retention_lib tests benchmarks

sample: $(STAMP)
	$(BIN)/retention sample --out data/sample

validate: $(STAMP)
	$(BIN)/retention validate --data data/sample

report: $(STAMP)
	$(BIN)/retention report --data data/sample $(if $(PERIOD),--period $(PERIOD),)

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

# Re-resolve to the newest versions pyproject.toml allows, in a scratch environment; run the
# whole suite there (browser and Spark tests required, as in CI); write requirements.lock only
# if it passes. .venv and the current lock are untouched until then.
lock:
	rm -rf $(SCRATCH)
	$(PYTHON) -m venv $(SCRATCH)
	$(SCRATCH)/bin/python -m pip install -q uv==$(UV_VERSION)
	printf '%s\n' $(LOCK_EXTRA) | $(SCRATCH)/bin/uv pip compile pyproject.toml - --upgrade \
	    $(LOCK_FLAGS) -o $(SCRATCH)/requirements.lock
	$(call install_locked,$(SCRATCH),$(SCRATCH)/requirements.lock)
	RETENTION_REQUIRE_BROWSER=1 RETENTION_REQUIRE_SPARK=1 RETENTION_LOCK_FILE=$(SCRATCH)/requirements.lock \
	    $(SCRATCH)/bin/python -m pytest -q -p no:cacheprovider
	cp $(SCRATCH)/requirements.lock $(LOCK)
	@echo "requirements.lock updated; 'git diff $(LOCK)' shows what moved. Run 'make venv' to install it."

upgrade: lock

clean:
	rm -rf $(VENV) $(SCRATCH) .pytest_cache
