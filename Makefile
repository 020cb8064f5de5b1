# govae — two set-up commands: `make serve` (build the static site and serve it)
# and `make test` (every test, natively, in wasm and in headless Chromium).

GO ?= go
# The toolchain: Go 1.27 (simd/archsimd for wasm). The go command fetches it
# as a module once per machine (≈ 76 MB) and runs it whatever Go is
# installed; go.mod keeps its older go line so that a plain `go test` still
# works with the installed Go (without the SIMD kernels, which need 1.27).
# Exported to every recipe; $(shell) does not see exports in make 4.3, so it
# is passed to the one below explicitly.
GOTOOLCHAIN ?= go1.27.3
export GOTOOLCHAIN
WASM_ENV := GOOS=js GOARCH=wasm
WASM_EXEC := $(shell GOTOOLCHAIN=$(GOTOOLCHAIN) $(GO) env GOROOT)/lib/wasm/go_js_wasm_exec

# MNIST: MNIST_DIR if given, else ../shared/mnist when it exists, else the
# download cache that `make data` fills.
ifeq ($(MNIST_DIR),)
  ifneq ($(wildcard ../shared/mnist/train-images-idx3-ubyte.gz),)
    MNIST_DIR := $(abspath ../shared/mnist)
  else
    MNIST_DIR := $(abspath .cache/mnist)
  endif
endif
export MNIST_DIR

.PHONY: all data build serve test test-native test-wasm test-engines lint bench train eval compare sweep soak soak-browser fuzz fuzz-short clean

all: build

## data: download the four files of each data set in DATASET (mnist, fashion,
## kmnist, a comma-separated list or all; default mnist) into $ID_DIR or
## .cache/ID, skipped when already present, and verify their sizes and
## published digests (cmd/fetchdata). FETCHFLAGS adds flags, such as
## -mirror URL.
DATASET ?= mnist
FETCHFLAGS ?=
data:
	$(GO) run ./cmd/fetchdata -dataset "$(DATASET)" $(FETCHFLAGS)

## build: the complete static site in $(DIST) (default dist/): index.html
## with its styles (page.css) and loader (loader.js), the page's wasm, the
## training workers' worker.wasm and worker.js, the import worker's
## importer.wasm (your own images; worker.js boots it on the first
## import), wasm_exec.js from the same
## GOROOT, version.json (the Go version, so
## the page can detect a mismatched wasm_exec.js, and the sizes of the wasm
## files, the weights and their preview for the progress bars), the weights, their
## preview (cmd/preview: the decoder in int8, for the first picture) and the
## data sets in DATASET (default mnist) with their manifest
## data/datasets.json (cmd/sitedata). The data sets are fetched first when
## missing (cmd/fetchdata); when that fails — offline, a wrong digest — the
## build stops with the reason before touching $(DIST).
##
## The page's wasm is what a visitor downloads before the first picture, so
## it is built for size: PAGE_GCFLAGS turns inlining off in the standard
## library packages the page only runs once or rarely (reflect, fmt, the
## encoders, go/parser that Ebiten's shader compiler
## uses…) and keeps it in the runtime, math and the others that hot paths
## call. Measured: govae.wasm 3.47 → 3.18 MB gzip; core, Ebiten and this
## project are compiled as usual. The workers' wasm loads later and is
## built for speed.
## Likewise in Ebiten's shader compiler and other run-once internals, and in
## this project's page packages that do no numeric work (the lab's panels, the
## page's wiring, the JavaScript bridge, settings, data-set tables): 3.28 →
## 3.23 MB with gzip -6 (measured on the SIMD merge); core, the kernels, the
## scene and Ebiten's drawing keep their inlining.
PAGE_GCFLAGS := -gcflags=std=-l -gcflags=runtime= -gcflags=internal/runtime/...= -gcflags=math= \
  -gcflags=math/bits= -gcflags=sync/atomic= -gcflags=syscall/js= -gcflags=unicode/utf8= -gcflags=encoding/binary= \
  -gcflags=github.com/hajimehoshi/ebiten/v2/internal/shader...=-l -gcflags=github.com/hajimehoshi/ebiten/v2/internal/shaderir...=-l \
  -gcflags=github.com/hajimehoshi/ebiten/v2/internal/legacyshader=-l -gcflags=github.com/hajimehoshi/ebiten/v2/internal/builtinshader=-l \
  -gcflags=github.com/hajimehoshi/ebiten/v2/internal/colormshader=-l -gcflags=github.com/hajimehoshi/ebiten/v2/internal/vmprotocol=-l \
  -gcflags=github.com/hajimehoshi/ebiten/v2/internal/gamepaddb=-l -gcflags=github.com/hajimehoshi/ebiten/v2/internal/gamepad=-l \
  -gcflags=github.com/hajimehoshi/ebiten/v2/internal/debug=-l \
  -gcflags=github.com/govae/govae/wasm/lab=-l -gcflags=github.com/govae/govae/wasm/page=-l -gcflags=github.com/govae/govae/wasm/bridge=-l \
  -gcflags=github.com/govae/govae/wasm/view=-l -gcflags=github.com/govae/govae/core/mnist=-l
## And against a lean copy of Ebiten (cmd/leanebiten, written to
## .cache/leanebiten once per Ebiten version): Ebiten v2.10 builds its
## built-in shaders with text/template, whose run-time MethodByName makes the
## linker keep every exported method of every type stored in an interface,
## and asks go/build (with go/doc, os/exec…) for its own directory, which
## finds nothing in a browser. The copy executes the shader templates at
## build time and leaves the lookup out; nothing else changes. Measured on
## the SIMD page, gzip -6: 3.42 → 2.85 MB (2026-11-30).
LEAN_DIR := .cache/leanebiten
LEAN_MOD := $(LEAN_DIR)/page.mod
PAGE_BUILD := -trimpath $(PAGE_GCFLAGS) -modfile=$(LEAN_MOD)
## Both wasm programs are built twice: with WebAssembly 128-bit SIMD in the
## matrix products (GOEXPERIMENT=simd: core/kernels/simd_wasm.go), as
## govae-simd.wasm and worker-simd.wasm, and without, as govae.wasm and
## worker.wasm, for browsers without wasm SIMD; wasm/simd.js is the page's
## test for it (WebAssembly.validate of a 1-instruction SIMD module).
## Natively the same setting gives core's matrix products an AVX2+FMA kernel
## on amd64 (core/kernels/simd_amd64.go, used when the CPU has both, else
## gonum as without it): the native tools below (train, eval, compare,
## bench, soak, sweep) are built with it, and lint and test-native check
## both builds.
SIMD_ENV := GOEXPERIMENT=simd
##
## Go 1.27 implements encoding/json on top of encoding/json/v2 (its default
## GOEXPERIMENT=jsonv2), which added 0.6 MB of code to the page and 0.2 MB
## to its gzip size (3.21 → 3.41 MB, over the first-paint budget with the
## preview); the wasm programs are built with GOEXPERIMENT=nojsonv2, the
## encoding/json of Go 1.26, same API and behaviour: 3.22 MB gzip. Such a
## build's runtime.Version() says go1.27.3-X:nojsonv2 (…-X:nojsonv2,simd with
## SIMD), and version.json's "go" is written to match the scalar build.
WASM_GOEXPERIMENT := nojsonv2
DIST ?= dist
build:
	$(GO) run ./cmd/fetchdata -dataset "$(DATASET)" $(FETCHFLAGS)
	rm -rf "$(DIST)" && mkdir -p "$(DIST)/assets" "$(DIST)/data"
	$(GO) run ./cmd/leanebiten -out "$(LEAN_DIR)"
	$(WASM_ENV) GOEXPERIMENT=$(WASM_GOEXPERIMENT) $(GO) build $(PAGE_BUILD) -ldflags="-s -w" -o "$(DIST)/govae.wasm" ./wasm
	$(WASM_ENV) $(SIMD_ENV),$(WASM_GOEXPERIMENT) $(GO) build $(PAGE_BUILD) -ldflags="-s -w" -o "$(DIST)/govae-simd.wasm" ./wasm
	$(WASM_ENV) GOEXPERIMENT=$(WASM_GOEXPERIMENT) $(GO) build -trimpath -ldflags="-s -w" -o "$(DIST)/worker.wasm" ./wasm/worker
	$(WASM_ENV) $(SIMD_ENV),$(WASM_GOEXPERIMENT) $(GO) build -trimpath -ldflags="-s -w" -o "$(DIST)/worker-simd.wasm" ./wasm/worker
	$(WASM_ENV) GOEXPERIMENT=$(WASM_GOEXPERIMENT) $(GO) build -trimpath -ldflags="-s -w" -o "$(DIST)/importer.wasm" ./wasm/importworker
	$(WASM_ENV) GOEXPERIMENT=$(WASM_GOEXPERIMENT) $(GO) build -trimpath -ldflags="-s -w" -o "$(DIST)/export.wasm" ./wasm/exportworker
	cp wasm/exportworker/export.js "$(DIST)/"
	cp "$$($(GO) env GOROOT)/lib/wasm/wasm_exec.js" wasm/worker/worker.js wasm/simd.js "$(DIST)/"
	cp index.html page.css loader.js "$(DIST)/"
	cp -R assets/. "$(DIST)/assets/"
	if test -f assets/vae.bin; then $(GO) run ./cmd/preview -in assets/vae.bin -out "$(DIST)/assets/vae.preview.bin"; \
	  else echo "build: no assets/vae.bin; the page will say the weights are missing"; fi
	printf '{"go":"%s","wasmBytes":%s,"simdWasmBytes":%s,"workerBytes":%s,"simdWorkerBytes":%s,"weightsBytes":%s,"previewBytes":%s}\n' "$$($(GO) env GOVERSION)-X:$(WASM_GOEXPERIMENT)" \
	  "$$(wc -c < "$(DIST)/govae.wasm" | tr -d ' ')" "$$(wc -c < "$(DIST)/govae-simd.wasm" | tr -d ' ')" \
	  "$$(wc -c < "$(DIST)/worker.wasm" | tr -d ' ')" "$$(wc -c < "$(DIST)/worker-simd.wasm" | tr -d ' ')" \
	  "$$(test -f "$(DIST)/assets/vae.bin" && wc -c < "$(DIST)/assets/vae.bin" | tr -d ' ' || echo 0)" \
	  "$$(test -f "$(DIST)/assets/vae.preview.bin" && wc -c < "$(DIST)/assets/vae.preview.bin" | tr -d ' ' || echo 0)" > "$(DIST)/version.json"
	$(GO) run ./cmd/sitedata -site "$(DIST)" -dataset "$(DATASET)"

## serve: build, then serve dist/ at http://127.0.0.1:8080/.
serve: build
	$(GO) run serve.go -dir dist

## test: formatting, vet, unit tests natively and in wasm, browser tests
## (headless Chromium, and the smoke tests in Firefox and WebKitGTK under
## Xvfb: test-engines), and a few seconds of fuzzing for every fuzz target
## (fuzz-short).
test: data lint test-native test-wasm fuzz-short

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(SIMD_ENV) $(GO) vet ./...
	$(WASM_ENV) $(GO) vet ./...
	$(WASM_ENV) $(SIMD_ENV) $(GO) vet ./...

## test-native: every package's tests natively, then core and core/kernels
## again with GOEXPERIMENT=simd (the AVX2 kernel on amd64, tested against the
## scalar one and gonum).
test-native: build
	$(GO) test -count=1 -timeout 45m ./...
	$(SIMD_ENV) $(GO) test -count=1 ./core ./core/kernels

## test-engines: only the smoke tests in Firefox (WebDriver BiDi) and
## WebKitGTK's MiniBrowser (WebKitWebDriver, under Xvfb); test-native runs
## them too.
test-engines:
	$(GO) test -count=1 -run TestEnginesSmoke ./e2e/

## test-wasm: core's tests under node in both wasm builds: scalar, and with
## SIMD (GOEXPERIMENT=simd), where core/kernels and core test the SIMD
## kernels and loops against the scalar ones.
test-wasm:
	$(WASM_ENV) $(GO) test -count=1 -exec="$(WASM_EXEC)" ./core/... ./wasm/timeline ./wasm/bridge
	$(WASM_ENV) $(SIMD_ENV) $(GO) test -count=1 -exec="$(WASM_EXEC)" ./core/... ./wasm/timeline

## bench: one table — native Go, Go wasm in headless Chromium (in the page,
## 1 and N Web Workers), decoding, .wasm sizes, first paint, the held-out
## −ELBO against seconds of training from Reset — printed and written to
## bench-out/table.md (cmd/bench; BENCHFLAGS="-reps 5" for more).
bench:
	$(SIMD_ENV) $(GO) run ./cmd/bench $(BENCHFLAGS)

## train: train on the 60 000 training images and write assets/vae.bin.
train:
	$(SIMD_ENV) $(GO) run ./cmd/train -out assets/vae.bin

## eval: test −ELBO of the shipped weights on the 10 000 test images.
eval:
	@$(SIMD_ENV) $(GO) run ./cmd/eval -weights assets/vae.bin

## compare: the same-budget comparison (5 epochs, Adam 1e-3 constant, batch 128).
compare:
	$(SIMD_ENV) $(GO) run ./cmd/train -epochs 5 -lr 1e-3 -lr-final 1e-3 -batch 128 -out "" -quiet

clean:
	rm -rf dist

## soak: 30 minutes of native training with loss, non-finite events and heap reported every minute.
soak:
	$(SIMD_ENV) $(GO) run ./cmd/soak -duration 30m -every 1m

## sweep: the lab's precomputed runs (β rate–distortion curve, likelihoods) into assets/sweep/.
sweep:
	$(SIMD_ENV) $(GO) run ./cmd/sweep -epochs 5 -out assets/sweep

## soak-browser: 10 minutes of training through the page in headless Chromium, memory reported every minute.
soak-browser: build
	$(GO) run ./cmd/pagesoak -duration 10m -every 1m

## fuzz: run every fuzz target for FUZZTIME each (the seed corpora also run in
## every `go test`). The targets are found with `go test -list` in the packages
## whose tests declare one, so a new target joins without a Makefile change.
FUZZTIME ?= 2m
fuzz:
	@set -e; for dir in $$(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u); do \
	  for target in $$($(GO) test -list '^Fuzz' "$$dir" | grep '^Fuzz'); do \
	    echo "fuzz: $$dir $$target for $(FUZZTIME)"; \
	    $(GO) test "$$dir" -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 2s; \
	  done; \
	done

## fuzz-short: `make fuzz` for FUZZSHORT each (5 s): part of `make test`, so a
## change that breaks a fuzz property (such as the URL round trip) is caught
## beyond the seed corpora. New failing inputs land in testdata/fuzz.
FUZZSHORT ?= 5s
fuzz-short:
	@$(MAKE) --no-print-directory fuzz FUZZTIME=$(FUZZSHORT)
