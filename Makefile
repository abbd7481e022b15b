# The README's two commands: `make demo` (the main job on the bundled samples) and `make test`.
# Both create .venv/ at the repo root if needed and install the project into it from setup.py.

PYTHON ?= python3
VENV := .venv
VENV_PYTHON := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: demo test test-fast mutation-check benchmark install samples clean

install: $(INSTALLED)

$(INSTALLED): setup.py
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "smaller-LaBSE needs Python 3.11 (the pinned TensorFlow and Beam); set PYTHON=python3.11")'
	test -x $(VENV_PYTHON) || $(PYTHON) -m venv $(VENV)
	$(VENV_PYTHON) -m pip install --quiet --upgrade pip
	$(VENV_PYTHON) -m pip install --quiet -e '.[all,test]'
	touch $(INSTALLED)

demo: $(INSTALLED)
	$(VENV_PYTHON) demo.py

test: $(INSTALLED)
	$(VENV_PYTHON) -m pytest -q tests

# The inner loop: everything but whole-model exports and multi-process runs (`slow`), in under 2 minutes.
test-fast: $(INSTALLED)
	$(VENV_PYTHON) -m pytest -q -m "not slow" tests

# Plants nineteen boundary bugs, each in a copy of the project, and expects the tests to catch every one (~75 s).
mutation-check: $(INSTALLED)
	$(VENV_PYTHON) tools/mutation_check.py

# ORIGINAL=DIR: a full-size Model Garden-written encoder/ + preprocess/ (../shared/tools/make_official_fixture.py);
# without it the export is measured on a stand-in written with the project's code, and fine-tuning is skipped.
benchmark: $(INSTALLED)
	$(VENV_PYTHON) benchmarks/pipeline_throughput.py
	$(VENV_PYTHON) benchmarks/export_fullsize.py --work runs/fullsize $(if $(ORIGINAL),--original $(ORIGINAL)) --hf
	$(VENV_PYTHON) benchmarks/eval_throughput.py --original $(or $(ORIGINAL),runs/fullsize) \
	    --smaller runs/fullsize/smaller-173347 --tatoeba_pairs 1200
	$(if $(ORIGINAL),$(VENV_PYTHON) benchmarks/finetune_memory.py --original $(ORIGINAL) --smaller runs/fullsize/smaller-173347)

samples:
	$(PYTHON) samples/build_samples.py

clean:
	rm -rf build runs
