# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOTLINE := $(VENV)/bin/hotline
INSTALLED := $(VENV)/.installed
POSTCODES ?= ../shared/data/postnord-postnumre.csv

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
	$(HOTLINE) municipalities sync
	@if [ -f "$(POSTCODES)" ]; then $(HOTLINE) municipalities import-postcodes "$(POSTCODES)"; \
	else echo "postcode file $(POSTCODES) not found: postcode lookup stays empty"; fi
	$(HOTLINE) demo
	$(HOTLINE) serve

test: $(INSTALLED)
	$(PY) -m pytest

lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(INSTALLED)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf var/ .pytest_cache .ruff_cache
