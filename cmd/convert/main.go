// Command convert converts model weights between govae's own weights
// format (.bin, core/weights.go) and safetensors (.safetensors,
// core/safetensors.go), in either direction. Each file's format is given by
// its extension; the input is checked in full (its format's every rule, the
// architecture in its header, finite values) before anything is written,
// and the output is written to a temporary file renamed into place, so a
// failed conversion leaves no partial file.
//
// Usage:
//
//	go run ./cmd/convert -in assets/vae.bin -out vae.safetensors
//	go run ./cmd/convert -in vae.safetensors -out vae.bin
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/govae/govae/core"
)

func main() {
	in := flag.String("in", "", "the weights to read: .bin (govae) or .safetensors")
	out := flag.String("out", "", "where to write them: .bin (govae) or .safetensors")
	flag.Parse()
	if err := run(*in, *out, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "convert:", err)
		os.Exit(1)
	}
}

// format names a weights format by the file's extension.
type format int

const (
	govae format = iota
	safetensors
)

func formatOf(path string) (format, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".bin":
		return govae, nil
	case ".safetensors":
		return safetensors, nil
	}
	return 0, fmt.Errorf("%q: unknown extension %q (want .bin for govae weights or .safetensors)", path, filepath.Ext(path))
}

func run(in, out string, log io.Writer) error {
	if in == "" || out == "" {
		return fmt.Errorf("both -in and -out are required")
	}
	inFormat, err := formatOf(in)
	if err != nil {
		return err
	}
	outFormat, err := formatOf(out)
	if err != nil {
		return err
	}
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	var m *core.Model
	if inFormat == safetensors {
		m, err = core.ReadSafetensors(f)
	} else {
		m, err = core.ReadModel(f)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	var data []byte
	if outFormat == safetensors {
		data = m.MarshalSafetensors()
	} else {
		data = m.MarshalBinary()
	}
	if same, err := sameFile(in, out); err != nil || same {
		return fmt.Errorf("-out %q is the input file; write to another path", out)
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), ".convert-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing left to remove
	if _, err := io.Copy(tmp, bytes.NewReader(data)); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return err
	}
	fmt.Fprintf(log, "convert: %s → %s (%d bytes): %s, likelihood %s, %d tensors\n",
		in, out, len(data), m.Arch, m.Likelihood.Kind, len(m.Params()))
	return nil
}

// sameFile reports whether out names the existing file in.
func sameFile(in, out string) (bool, error) {
	a, err := os.Stat(in)
	if err != nil {
		return false, err
	}
	b, err := os.Stat(out)
	if os.IsNotExist(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return os.SameFile(a, b), nil
}
