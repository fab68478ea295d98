# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOTLINE := $(VENV)/bin/hotline
UV := $(VENV)/bin/uv
UV_VERSION := 0.13.9
INSTALLED := $(VENV)/.installed
POSTCODES ?= ../shared/data/postnord-postnumre.csv
AXE_JS := var/npm/axe-core/axe.min.js

# The tests run in parallel (pytest-xdist; an idle worker takes queued tests from a busy one);
# `make test WORKERS=0` runs them in one process.
WORKERS ?= auto

# uv installs exactly what uv.lock pins (versions and hashes) into the venv, the venv's own
# Python and never a downloaded one. `make lock` refreshes uv.lock after pyproject.toml changes.
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))
export UV_PYTHON_DOWNLOADS := never

.PHONY: run test lint lock format bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(UV): | $(PY)
	@echo "Installing uv $(UV_VERSION) into $(VENV) (it then installs everything else) ..."
	$(PY) -m pip install --quiet "uv==$(UV_VERSION)"

# Re-installs when the lock changes; the project (editable) and all extras live in one venv.
$(INSTALLED): pyproject.toml uv.lock | $(UV)
	@echo "Installing the locked dependencies (uv.lock) into $(VENV) ..."
	$(UV) sync --locked --extra dev
	touch $@

lock: $(UV)
	$(UV) lock

run: $(INSTALLED)
	$(HOTLINE) db upgrade
	$(HOTLINE) kb sync
	$(HOTLINE) reply-templates seed
	@if [ -f "$(POSTCODES)" ]; then $(HOTLINE) municipalities import-postcodes "$(POSTCODES)"; \
	else echo "postcode file $(POSTCODES) not found: postcode lookup stays empty"; fi
	$(HOTLINE) demo
	$(HOTLINE) serve

# axe-core for the accessibility checks of the browser tests, from the npm registry.
$(AXE_JS):
	mkdir -p var/npm
	cd var/npm && npm pack --silent axe-core@4 >/dev/null && tar xzf axe-core-*.tgz \
		&& rm -rf axe-core && mv package axe-core && rm -f axe-core-*.tgz

test: $(INSTALLED) $(AXE_JS)
	HOTLINE_AXE_JS=$(abspath $(AXE_JS)) $(PY) -m pytest -n $(WORKERS) --dist worksteal --durations=15

# Style, then the architecture (import-linter contracts in pyproject.toml), then the types.
lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

format: $(INSTALLED)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf var/ .pytest_cache .ruff_cache
