# coyote-rs: `make test` is what CI runs (.ci/run); `make demo` shows the whole loop on a sample.
CARGO ?= cargo
SAMPLES := -p shared-entry -p foo-bar -p account-manager -p bounded-buffer -p sctbench -p faulty -p pool-manager -p two-phase-commit -p kv-server -p coffee-machine -p actor-classics -p thread-pool -p treiber-stack
NEXTEST := $(shell $(CARGO) nextest --version >/dev/null 2>&1 && echo yes)

.PHONY: build test lint doc unit browser slurm yaml demo bench bench-bugs tokio-crates clean

build:
	$(CARGO) build -p coyote-cli $(SAMPLES)

lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

doc:
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --workspace --no-deps

# The HTML report's e2e test renders it in Debian's chromium: installed here when it is missing
# and can be (root with apt-get); without a browser that test says it is skipped.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
	  && { apt-get install -y -qq chromium >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 \
	  && apt-get install -y -qq chromium >/dev/null 2>&1; }; }; } \
	  || echo "note: chromium is not installed: the HTML report's browser test will be skipped"

# The Slurm e2e test starts a one-node cluster from Debian's slurmctld, slurmd, slurm-client and
# munge (scripts/slurm/local-cluster.sh): installed here when they are missing and can be.
slurm:
	@scripts/slurm/local-cluster.sh install >/dev/null 2>&1 \
	  || echo "note: Slurm is not installed: the Slurm job-array e2e test will be skipped"

# The sharding recipes' YAML (docs/sharding/*.yml, *.yaml) is parsed with PyYAML: Debian's
# python3-yaml is installed when no python3 has it.
yaml:
	@python3 -c 'import yaml' 2>/dev/null || /usr/bin/python3 -c 'import yaml' 2>/dev/null \
	  || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
	  && { apt-get install -y -qq python3-yaml >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 \
	  && apt-get install -y -qq python3-yaml >/dev/null 2>&1; }; }; } \
	  || echo "note: no PyYAML: the sharding recipes' YAML parse will be skipped"

unit: build browser slurm yaml
ifeq ($(NEXTEST),yes)
	$(CARGO) test --workspace --doc
	$(CARGO) nextest run --workspace --no-fail-fast
else
	$(CARGO) test --workspace --no-fail-fast
endif

test: lint doc unit

# $(call verdict,CODE,MEANING,COMMAND): runs COMMAND, whose exit code is its verdict, prints the
# verdict, and fails the recipe unless the code is CODE.
define verdict
	@echo '$$ $(3)'; $(3); code=$$?; \
	if [ $$code -eq $(1) ]; then echo "exit $$code: $(2) (expected)"; \
	else echo "exit $$code, but the demo expects $(1): $(2)" >&2; exit 1; fi
endef

demo: build
	@echo "== coyote list: the tests the shared-entry sample exports"
	$(call verdict,0,tests listed,./target/debug/coyote list target/debug/libshared_entry.so)
	@echo
	@echo "== coyote test: explore the buggy test"
	$(call verdict,1,bug found,./target/debug/coyote test target/debug/libshared_entry.so --test shared_entry --seed 7)
	@echo
	@echo "== coyote replay: reproduce it step by step"
	$(call verdict,1,the recorded failure reproduced,./target/debug/coyote replay target/coyote/shared_entry-1.trace)
	@echo
	@echo "== the fixed variant passes 10,000 iterations"
	$(call verdict,0,no bug found,./target/debug/coyote test target/debug/libshared_entry.so --test shared_entry_fixed -i 10000 --seed 7)

bench:
	$(CARGO) run --release --manifest-path bench/Cargo.toml

# A crates.io tokio library's own test suite, run through the drop-in coyote-tokio (minutes).
tokio-crates:
	$(CARGO) test -p coyote-e2e --test e2e -- --ignored --nocapture tokio_dropin::a_crates_io_library

bench-bugs:
	$(CARGO) run --release --manifest-path bench-bugs/Cargo.toml

clean:
	$(CARGO) clean
	rm -rf coyote-out
