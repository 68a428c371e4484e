# Two commands do all the set-up on a fresh machine:
#   make run    install the app and start it on the bundled corpus (http://127.0.0.1:7860)
#   make test   install everything (CPU torch, test tools, Debian's chromium) and run every test
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test install-dev chromium bench eval compare train

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

run: $(BIN)/python
	$(BIN)/pip install -q -e '.[app]'
	$(BIN)/python app.py

install-dev: $(BIN)/python
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev,st,milvus,ray]'

chromium:
	@{ command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi wqy; } || { \
	  echo "installing Debian's chromium (and a font for Chinese) for the browser tests"; \
	  apt-get update -qq && apt-get install -y -qq chromium fonts-wqy-zenhei >/dev/null; }

test: install-dev chromium
	$(BIN)/python -m pytest

bench: $(BIN)/python
	$(BIN)/pip install -q -e .
	$(BIN)/python benchmarks/bench.py

# the default configuration on the bundled news (seed) and CMRC 2018 (Chinese, English)
eval: $(BIN)/python
	$(BIN)/pip install -q -e '.[eval]'
	$(BIN)/python -m eval run --dataset all

# dense vs BM25 vs hybrid, side by side
compare: $(BIN)/python
	$(BIN)/pip install -q -e '.[eval]'
	$(BIN)/python -m eval compare --dataset seed,cmrc2018-en --retriever dense,bm25,hybrid

# fit the answer model on the training data (DRCD, CMRC 2018 trial; never CMRC dev or the seed set):
# writes qa/models/answer-model.json and train/report/
train: $(BIN)/python
	$(BIN)/pip install -q -e '.[train]'
	$(BIN)/python -m train
