// Package core is govae's variational autoencoder engine: dense layers with
// their forward and backward passes side by side, the VAE itself (encoder to
// μ and log σ², reparameterised sampling, decoder to pixel logits), the loss
// (reconstruction negative log-likelihood plus β·KL, in nats per image),
// optimisers, evaluation and the weights file format.
//
// The package is pure Go with no browser imports: it builds and is tested
// both natively and for GOOS=js GOARCH=wasm. All matrix products go through
// one function, gemm: under js/wasm it calls core/kernels' Sgemm, which is
// faster there and keeps gonum out of the page's binary; natively the same
// Sgemm when it runs a SIMD kernel (built with GOEXPERIMENT=simd for amd64,
// on a CPU with AVX2 and FMA: about 3× gonum's assembly per core), and
// otherwise gonum's blas32 (so a faster float32 BLAS can be installed with
// blas32.Use without touching the layers).
//
// Matrices are row-major, with one example per row.
package core
