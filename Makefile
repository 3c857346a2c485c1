# kube-lab: `make lab` opens the course, `make test` runs every test (notebooks included).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
NOTEBOOKS := $(wildcard notebooks/*.ipynb solutions/*.ipynb)

.PHONY: lab test setup graphviz bench course clean

setup: $(STAMP) graphviz

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[lab,dev]'
	touch $(STAMP)

# The diagrams need Graphviz's `dot`. Install it when we can (root on Debian/Ubuntu); otherwise say how.
graphviz:
	@if command -v dot >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Graphviz (the 'dot' program) for the diagrams..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null; \
	else \
		echo "NOTE: Graphviz's 'dot' program is missing; diagrams will show install hints."; \
		echo "      Install it with: sudo apt-get install graphviz   (macOS: brew install graphviz)"; \
	fi

lab: setup
	$(VENV)/bin/jupyter lab $(if $(wildcard notebooks/00_welcome.ipynb),notebooks/00_welcome.ipynb,--notebook-dir=.)

test: setup
	$(PY) -m pytest tests $(if $(NOTEBOOKS),--nbval $(NOTEBOOKS) --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg)

# For course authors: regenerate exercises/ from solutions/, then re-execute every lesson and
# solution in a fresh kernel and save the outputs in place (commit the result).
course: setup
	$(VENV)/bin/kube-lab course release
	$(VENV)/bin/kube-lab course execute $(NOTEBOOKS)

bench: setup
	$(PY) bench/run.py
	$(PY) bench/notebooks.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
