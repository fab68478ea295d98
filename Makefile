# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOTLINE := $(VENV)/bin/hotline
INSTALLED := $(VENV)/.installed
POSTCODES ?= ../shared/data/postnord-postnumre.csv
AXE_JS := var/npm/axe-core/axe.min.js

.PHONY: run test lint format bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)

# Re-installs when pyproject.toml changes; the project and all extras live in one venv.
$(INSTALLED): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --editable ".[dev]"
	touch $@

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
	HOTLINE_AXE_JS=$(abspath $(AXE_JS)) $(PY) -m pytest

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
