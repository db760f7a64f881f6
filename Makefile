# Two commands on a fresh Debian/Ubuntu machine with Swift installed:
#   make run    installs missing system packages, builds release, runs the broker on config.yaml
#   make test   the same set-up plus the test tools, then the whole test suite and a 60 s soak
SWIFT ?= swift
CONFIG ?= config.yaml
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Libraries the broker links (libyaml for YAML, avahi's dns_sd compatibility library for mDNS).
BUILD_PACKAGES := libyaml-dev libavahi-compat-libdnssd-dev liblz4-dev pkg-config
# Real peers the tests talk to: avahi in a private network namespace, Mosquitto, a browser, python;
# openssl makes the TLS tests' certificates, systemd-analyze checks the installed unit, node parses
# the dashboard's script.
TEST_PACKAGES := iproute2 dbus avahi-daemon avahi-utils mosquitto mosquitto-clients chromium python3 python3-pip openssl systemd nodejs
PYTHON_PACKAGES := websockets prometheus-client

.PHONY: run build setup setup-test test test-only check-format format check-web soak check-install install bench bench-check bench-thresholds fuzz clean
SOAK_SECONDS ?= 60

run: setup build
	.build/release/broker --config $(CONFIG)

build:
	$(SWIFT) build -c release --product broker

setup:
	@scripts/install-packages.sh $(BUILD_PACKAGES)

setup-test: setup
	@scripts/install-packages.sh $(TEST_PACKAGES)
	@python3 -c "import websockets, prometheus_client" 2>/dev/null || python3 -m pip install --quiet --disable-pip-version-check $(PYTHON_PACKAGES) \
		|| python3 -m pip install --quiet --disable-pip-version-check --break-system-packages $(PYTHON_PACKAGES)

test: setup-test check-format check-web test-only soak check-install

# The dashboard's script must parse as a browser's classic <script> parses it. Node's vm.Script
# compiles it that way without running it; `node --check` would wrap the file as a CommonJS module
# first, and so let through what a page cannot have (a `return` outside any function).
DASHBOARD_SCRIPT := Plugins/Sinks/WebSocket/Dashboard/dashboard.js
# Every Swift file as `.swift-format` says (swift format ships with the toolchain); `make format` fixes.
check-format:
	scripts/check-format.sh

format:
	scripts/check-format.sh --fix

check-web:
	node -e 'new (require("vm").Script)(require("fs").readFileSync(process.argv[1], "utf8"), {filename: process.argv[1]})' $(DASHBOARD_SCRIPT)

# Serial: on a 2-core machine, CPU-heavy tests running beside timing-sensitive ones starve them.
test-only:
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --no-parallel

# The release broker under 200 clients of every kind for 60 s, then 20 s more over TLS (scripts/soak.sh;
# 600 s by default).
soak: build
	scripts/soak.sh $(SOAK_SECONDS)

# Installs the release binary, the sample config (never over an existing one) and the systemd unit.
# DESTDIR stages a package; the unit names the final paths (PREFIX, SYSCONFDIR) without it.
PREFIX ?= /usr/local
SYSCONFDIR ?= /etc
UNITDIR ?= /etc/systemd/system
install: build
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(SYSCONFDIR)/telemetry-broker $(DESTDIR)$(UNITDIR)
	install -m 755 .build/release/broker $(DESTDIR)$(PREFIX)/bin/broker
	[ -e $(DESTDIR)$(SYSCONFDIR)/telemetry-broker/config.yaml ] || install -m 644 config.yaml $(DESTDIR)$(SYSCONFDIR)/telemetry-broker/config.yaml
	sed -e 's|@BINDIR@|$(PREFIX)/bin|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' packaging/broker.service > $(DESTDIR)$(UNITDIR)/broker.service
	chmod 644 $(DESTDIR)$(UNITDIR)/broker.service
	@echo "installed; start it with: systemctl daemon-reload && systemctl enable --now broker"

# `make install` into a scratch folder, then `systemd-analyze verify` on the unit it wrote and
# `broker validate` on the config it installed (nothing is started).
check-install:
	scripts/check-install.sh

# Benchmarks (BENCHMARKS.md). The micro-benchmarks are the Benchmarks/ package on ordo-one/benchmark
# (wall time, allocations, instructions where the machine has counters); the fan-out run is ws-load
# (also in that package) against the release broker over ws:// and wss:// and against the floor
# server in ../shared/tools/wsfloor (built with cc; libssl-dev for its handshake). Thresholds: the
# p90 of each metric per benchmark in Benchmarks/Thresholds/<Swift version>/, checked with the
# tolerances in the benchmarks' code.
BENCH_PACKAGES := libssl-dev openssl
BENCHMARK := cd Benchmarks && $(SWIFT) package --disable-sandbox
SWIFT_VERSION = $(shell $(SWIFT) --version 2>/dev/null | sed -n 's/.*Swift version \([0-9]*\.[0-9]*\).*/\1/p' | head -1)
bench: setup build
	@scripts/install-packages.sh $(BENCH_PACKAGES)
	$(SWIFT) build -c release --package-path Benchmarks --product ws-load
	$(BENCHMARK) benchmark --no-progress
	scripts/fanout-bench.sh

# Runs the micro-benchmarks and compares their p90s with the committed thresholds (exit 2: a regression).
bench-check: setup
	$(BENCHMARK) benchmark thresholds check --path Thresholds/$(SWIFT_VERSION) --no-progress

# Runs the micro-benchmarks and writes their p90s as the new thresholds (commit them with the change).
bench-thresholds: setup
	$(BENCHMARK) --allow-writing-to-package-directory benchmark thresholds update --path Thresholds/$(SWIFT_VERSION) --no-progress

# Fuzzing (libFuzzer + AddressSanitizer), FUZZ_SECONDS per target; not part of `make test`: its
# own build takes about 18 minutes on two cores the first time. Exits non-zero on a finding.
FUZZ_SECONDS ?= 60
fuzz: setup
	scripts/fuzz.sh $(FUZZ_SECONDS)

clean:
	rm -rf .build .build-release .build-fuzz Fuzz/.build Benchmarks/.build
