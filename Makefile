# Bookstore Cluster: `make run` and `make test` do everything (install what is missing, build, run/test).
SWIFT ?= swift
BIN := .build/debug
RELEASE_BIN := .build/release

.PHONY: all bootstrap build test causality-gate run bench instructions fuzz clean format rootfs rootfs-check deploy-check multihost multihost-if-allowed

all: build

bootstrap:
	@scripts/bootstrap

build: bootstrap
	$(SWIFT) build

test: bootstrap
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip MutationTests
	@# The checker's mutation campaign keeps both cores busy for about a minute: alone, so that it cannot starve
	@# the timing-sensitive cluster tests (deadlines, time limits) of the run above.
	$(SWIFT) test --skip-build --filter MutationTests
	@$(MAKE) --no-print-directory causality-gate
	@$(MAKE) --no-print-directory rootfs-check
	@$(MAKE) --no-print-directory deploy-check
	@$(MAKE) --no-print-directory multihost-if-allowed

# A short real cluster run with a leader kill; its traces must pass every check of the analyzer.
causality-gate:
	rm -rf traces/runs/ci
	$(BIN)/bookstore demo --orders 200 --concurrency 2 --kill-after 0.5 --traces traces/runs/ci
	$(BIN)/trace-analyzer check traces/runs/ci/latest

# The container image's runtime root file system from Debian's packages, with the release binaries, checked with
# chroot (no container engine runs here; docs/deploy.md). `rootfs-check` does the same with the debug build.
rootfs: bootstrap
	$(SWIFT) build -c release --product bookstore
	$(SWIFT) build -c release --product trace-analyzer
	scripts/build-rootfs

rootfs-check:
	@if [ "$$(id -u)" -ne 0 ]; then echo "rootfs-check: SKIPPED, needs root (chroot, mmdebstrap)"; \
	else BIN=$(BIN) OUT=.build/rootfs-debug scripts/build-rootfs; fi

# compose.yaml, deploy/k8s and the Containerfile checked offline (schemas, the cluster configs, planted mistakes).
deploy-check:
	scripts/check-deploy

# The cluster on network namespaces through partitions, a host kill and skewed clocks (needs root; docs/deploy.md).
multihost: bootstrap
	$(SWIFT) build
	scripts/multihost

# In `make test`: runs where namespaces are allowed, else prints why it skipped.
multihost-if-allowed:
	scripts/multihost --skip-if-unsupported

run: bootstrap
	$(SWIFT) build
	$(BIN)/bookstore demo

bench: bootstrap
	$(SWIFT) build -c release
	$(RELEASE_BIN)/bookstore-bench rpc
	$(RELEASE_BIN)/bookstore-bench checkout
	$(RELEASE_BIN)/bookstore-bench failover --kills 10
	$(RELEASE_BIN)/bookstore-bench idle --seconds 10
	$(RELEASE_BIN)/bookstore-bench analyzer
	$(RELEASE_BIN)/bookstore-bench durability
	$(RELEASE_BIN)/bookstore-bench handlers

# Instructions per checkout under callgrind (steady where timings are not; docs/benchmarks.md).
instructions: bootstrap
	$(SWIFT) build -c release --product bookstore-bench
	scripts/instructions-per-checkout

# libFuzzer targets of the wire decoders, FUZZ_SECONDS (default 30) each; fails on a crash (docs/fuzzing.md).
fuzz: bootstrap
	FUZZ_SECONDS=$${FUZZ_SECONDS:-30} scripts/fuzz

format:
	$(SWIFT) format --in-place --recursive Sources Tests Package.swift

clean:
	rm -rf .build .build-fuzz traces/runs
