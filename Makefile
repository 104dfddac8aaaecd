# make report   set up the machine and .venv (first time) and build report.pdf + report.ipynb
# make draft    the same with --fast: cheap configurations, marked as a draft in the report
# make test     set up the machine (with the PDF tools) and .venv, then run the tests
# make bench    print build-time and per-question timings (bench/)
# make mutation mutation testing of code/ with mutmut (about an hour; not in CI):
#               MODULES="attention rnn_gradients" for some modules only
VENV   ?= .venv
PYTHON ?= python3
PY      = $(VENV)/bin/python
STAMP   = $(VENV)/.installed-requirements
SYSTEM  = sh tools/setup-system.sh

.PHONY: report draft test bench mutation clean

report: $(STAMP)
	$(SYSTEM)
	$(PY) -m builder report.qmd $(BUILD_FLAGS)

draft: $(STAMP)
	$(SYSTEM)
	$(PY) -m builder report.qmd --fast $(BUILD_FLAGS)

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
