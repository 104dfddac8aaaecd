# make report   set up the machine and .venv (first time) and build report.pdf + report.ipynb:
#               `quarto render` when quarto is on PATH (README), else the built-in builder
# make draft    the same with REPORT_FAST=1 (--fast): cheap configurations, marked as a draft
# make setup    set up the machine and .venv only (then `quarto render`)
# make test     set up the machine (with the PDF tools) and .venv, then run the tests
# make bench    print build-time and per-question timings (bench/)
# make mutation mutation testing of code/ with mutmut (about an hour; not in CI):
#               MODULES="attention rnn_gradients" for some modules only
VENV   ?= .venv
PYTHON ?= python3
PY      = $(VENV)/bin/python
STAMP   = $(VENV)/.installed-requirements
SYSTEM  = sh tools/setup-system.sh
# `make report QUARTO=` forces the built-in path where quarto is on PATH
QUARTO ?= $(shell command -v quarto 2>/dev/null)

.PHONY: report draft setup test bench mutation clean

report: $(STAMP)
	$(SYSTEM)
ifneq ($(strip $(QUARTO)),)
	$(QUARTO) render
else
	$(PY) -m builder report.qmd $(BUILD_FLAGS)
endif

draft: $(STAMP)
	$(SYSTEM)
ifneq ($(strip $(QUARTO)),)
	REPORT_FAST=1 $(QUARTO) render
else
	$(PY) -m builder report.qmd --fast $(BUILD_FLAGS)
endif

setup: $(STAMP)
	$(SYSTEM)

test: $(STAMP)
	$(SYSTEM) --tests
	$(PY) -m pytest tests $(PYTEST_FLAGS)

bench: $(STAMP)
	$(PY) bench/build_times.py

mutation: $(STAMP)
	$(PY) tools/mutation.py $(MODULES)

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install -r requirements.txt
	touch $(STAMP)

clean:
	rm -rf .cache report.pdf report.ipynb figures/*.pdf figures/*.png
