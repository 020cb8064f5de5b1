// Command preview writes the preview of a weights file: its decoder with the
// weight matrices quantized to int8 (core.MarshalPreview), about an eighth
// of the file. The page draws its first manifold from the preview and loads
// the full weights afterwards.
//
// Usage:
//
//	go run ./cmd/preview [-in assets/vae.bin] -out dist/assets/vae.preview.bin
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/govae/govae/core"
)

func main() {
	in := flag.String("in", "assets/vae.bin", "the weights file")
	out := flag.String("out", "", "where to write the preview (required)")
	flag.Parse()
	if err := run(*in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "preview:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	if out == "" {
		return fmt.Errorf("-out is required")
	}
	data, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	m, err := core.ParseModel(data)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	preview := m.MarshalPreview()
	// The page matches a preview to its weights file by checksum; a file
	// that MarshalBinary does not reproduce (say, from an older writer)
	// would never match, so refuse it here rather than in the browser.
	if _, source, err := core.ParsePreview(preview); err != nil || source != core.WeightsChecksum(data) {
		return fmt.Errorf("%s: the preview does not round-trip (%v); rewrite the weights with this version", in, err)
	}
	if err := os.WriteFile(out, preview, 0o644); err != nil {
		return err
	}
	fmt.Printf("preview: %s (%d bytes) → %s (%d bytes)\n", in, len(data), out, len(preview))
	return nil
}
