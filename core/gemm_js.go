//go:build js && wasm

package core

import "github.com/govae/govae/core/kernels"

// sgemm is core/kernels' packed kernel, about 7× gonum's pure-Go Sgemm in
// Chromium. It is called directly rather than through blas32.Use so that
// the page and its workers do not link gonum at all: blas32 keeps gonum's
// whole implementation reachable through an interface, and Ebiten's
// text/template use makes the linker keep every exported method of such
// types (about 0.5 MB of gzip in the page's govae.wasm).
var sgemm = kernels.Sgemm
