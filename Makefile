# Bookstore Cluster: `make run` and `make test` do everything (install what is missing, build, run/test).
SWIFT ?= swift
BIN := .build/debug
RELEASE_BIN := .build/release

.PHONY: all bootstrap build test run bench clean format

all: build

bootstrap:
	@scripts/bootstrap

build: bootstrap
	$(SWIFT) build

test: bootstrap
	$(SWIFT) build --build-tests
	$(SWIFT) test

run: bootstrap
	$(SWIFT) build
	$(BIN)/bookstore demo

bench: bootstrap
	$(SWIFT) build -c release --product bookstore-bench
	$(RELEASE_BIN)/bookstore-bench rpc

format:
	$(SWIFT) format --in-place --recursive Sources Tests Package.swift

clean:
	rm -rf .build traces/runs
