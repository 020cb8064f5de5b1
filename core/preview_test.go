package core

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestQuantizeColumnsByHand checks the int8 encoding against values worked
// out by hand: scale = max|column| / 127, q = round(w / scale).
func TestQuantizeColumnsByHand(t *testing.T) {
	// 3×2, columns (0.5, −1.27, 0.01) and (0, 0, 0).
	w := []float32{0.5, 0, -1.27, 0, 0.01, 0}
	scales, q := quantizeColumns(w, 3, 2)
	if math.Abs(float64(scales[0])-0.01) > 1e-9 || scales[1] != 0 {
		t.Fatalf("scales %v, want [0.01 0]", scales)
	}
	want := []int8{50, 0, -127, 0, 1, 0}
	for i := range want {
		if q[i] != want[i] {
			t.Fatalf("q = %v, want %v", q, want)
		}
	}
}

func TestPreviewRoundTrip(t *testing.T) {
	for _, arch := range []Architecture{DefaultArchitecture(), bnDropoutArch()} {
		m := trainedModel(t, arch)
		full := m.MarshalBinary()
		p, source, err := ParsePreview(m.MarshalPreview())
		if err != nil {
			t.Fatalf("%s: %v", arch, err)
		}
		if source != WeightsChecksum(full) {
			t.Errorf("%s: source %08x, want the weights file's checksum %08x", arch, source, WeightsChecksum(full))
		}
		if !p.Arch.Equal(arch) || p.Likelihood != m.Likelihood {
			t.Errorf("%s: got %s %v", arch, p.Arch, p.Likelihood)
		}
		for i, want := range m.Params() {
			got := p.Params()[i]
			switch {
			case !inPreview(want.Name):
				if maxAbs(got.Value) != 0 {
					t.Errorf("%s: encoder tensor %q is not zero", arch, got.Name)
				}
			case len(want.Shape) != 2:
				if !float32sBitEqual(got.Value, want.Value) {
					t.Errorf("%s: %q changed; float32 tensors must be exact", arch, got.Name)
				}
			default: // within half a column scale
				cols := want.Shape[1]
				for j := 0; j < cols; j++ {
					colMax := 0.0
					for k := j; k < len(want.Value); k += cols {
						colMax = max(colMax, math.Abs(float64(want.Value[k])))
					}
					for k := j; k < len(want.Value); k += cols {
						if d := math.Abs(float64(got.Value[k] - want.Value[k])); d > colMax/127/2*1.001 {
							t.Fatalf("%s: %q[%d] = %v, want %v within %v", arch, want.Name, k, got.Value[k], want.Value[k], colMax/254)
						}
					}
				}
			}
		}
	}
}

// TestPreviewSource: a preview names the weights it was made from, and the
// previews of different weights name different ones.
func TestPreviewSource(t *testing.T) {
	var sources []uint32
	for seed := uint64(1); seed <= 2; seed++ {
		m, err := New(tinyArchitecture(), seed)
		if err != nil {
			t.Fatal(err)
		}
		full := m.MarshalBinary()
		_, source, err := ParsePreview(m.MarshalPreview())
		if err != nil {
			t.Fatal(err)
		}
		if stored := binary.LittleEndian.Uint32(full[len(full)-4:]); source != stored || WeightsChecksum(full) != stored {
			t.Fatalf("seed %d: source %08x, WeightsChecksum %08x, the file's stored checksum %08x", seed, source, WeightsChecksum(full), stored)
		}
		sources = append(sources, source)
	}
	if sources[0] == sources[1] {
		t.Fatalf("the previews of two different models have the same source %08x", sources[0])
	}
}

// TestPreviewSize: the reason previews exist is that they are small.
func TestPreviewSize(t *testing.T) {
	m, err := New(DefaultArchitecture(), 1)
	if err != nil {
		t.Fatal(err)
	}
	full, preview := len(m.MarshalBinary()), len(m.MarshalPreview())
	if preview*7 > full {
		t.Errorf("preview %d bytes, weights %d: want at most a seventh", preview, full)
	}
}

// TestPreviewOfShippedWeights decodes the 20×20 manifold with the shipped
// weights and with their preview: the pictures must agree closely.
func TestPreviewOfShippedWeights(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "assets", "vae.bin"))
	if err != nil {
		t.Skip("no assets/vae.bin:", err)
	}
	m, err := ParseModel(data)
	if err != nil {
		t.Fatal(err)
	}
	p, source, err := ParsePreview(m.MarshalPreview())
	if err != nil {
		t.Fatal(err)
	}
	if source != WeightsChecksum(data) {
		t.Fatalf("source %08x, want %08x: MarshalBinary does not reproduce assets/vae.bin", source, WeightsChecksum(data))
	}
	const n = 20
	z := make([]float32, 0, 2*n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			z = append(z, float32(-2.5+5*float64(j)/(n-1)), float32(2.5-5*float64(i)/(n-1)))
		}
	}
	want := m.Decode(z, n*n, m.Likelihood, nil)
	got := p.Decode(z, n*n, p.Likelihood, nil)
	worst, sum := 0.0, 0.0
	for i := range want {
		d := math.Abs(float64(got[i] - want[i]))
		worst, sum = max(worst, d), sum+d
	}
	mean := sum / float64(len(want))
	t.Logf("preview vs full: mean |Δpixel| %.4f, max %.3f over %d pixels", mean, worst, len(want))
	// Measured: mean 0.0034, max 0.22 (one edge pixel).
	if mean > 0.01 || worst > 0.35 {
		t.Errorf("preview pictures differ: mean |Δ| %.4f, max %.3f", mean, worst)
	}
}

func TestPreviewCorruption(t *testing.T) {
	m := trainedModel(t, bnDropoutArch())
	good := m.MarshalPreview()
	mod := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	le := binary.LittleEndian
	// The first tensor of a preview of bnDropoutArch: decoder.0.w, 3×7.
	firstTensor := 16 + 4 + int(le.Uint32(good[16:])) + 4
	nameLen := int(le.Uint16(good[firstTensor:]))
	encodingAt := firstTensor + 2 + nameLen + 1 + 2*4
	scaleAt := encodingAt + 1
	cases := []struct {
		name string
		data []byte
		want error
	}{
		{"weights file instead", m.MarshalBinary(), ErrBadMagic},
		{"empty", nil, ErrTruncated},
		{"version 2", mod(func(b []byte) []byte { le.PutUint32(b[8:], 2); return b }), ErrVersion},
		{"flipped bit", mod(func(b []byte) []byte { b[len(b)/2] ^= 1; return b }), ErrChecksum},
		{"trailing byte", append(append([]byte(nil), good...), 0), ErrCorrupt},
		{"unknown encoding", mod(func(b []byte) []byte { b[encodingAt] = 7; return withChecksum(b) }), ErrCorrupt},
		{"negative scale", mod(func(b []byte) []byte {
			le.PutUint32(b[scaleAt:], math.Float32bits(-1))
			return withChecksum(b)
		}), ErrCorrupt},
		{"NaN scale", mod(func(b []byte) []byte {
			le.PutUint32(b[scaleAt:], math.Float32bits(float32(math.NaN())))
			return withChecksum(b)
		}), ErrCorrupt},
		{"renamed tensor", mod(func(b []byte) []byte { b[firstTensor+2] = 'X'; return withChecksum(b) }), ErrCorrupt},
		{"huge claimed decoder", hugePreview(), ErrTruncated},
	}
	for _, c := range cases {
		p, _, err := ParsePreview(c.data)
		if !errors.Is(err, c.want) || p != nil {
			t.Errorf("%s: got %v (model %v), want %v", c.name, err, p != nil, c.want)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "preview: ") {
			t.Errorf("%s: %q does not say it is about the preview", c.name, err)
		}
	}
	for n := 0; n < len(good); n++ {
		if _, _, err := ParsePreview(good[:n]); err == nil {
			t.Fatalf("a preview truncated to %d of %d bytes was accepted", n, len(good))
		}
	}
}

// hugePreview is a header for a 4000-wide decoder and nothing else.
func hugePreview() []byte {
	var b bytes.Buffer
	b.WriteString(previewMagic)
	b.Write([]byte{1, 0, 0, 0, 0, 0, 0, 0})
	head := encodeHeader(Architecture{Input: 4000, Decoder: []int{4000, 4000}, Latent: 2}, Likelihood{Kind: Bernoulli, Sigma: DefaultGaussianSigma})
	b.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(head))))
	b.Write(head)
	return b.Bytes()
}

// FuzzParsePreview: arbitrary bytes never panic, and an accepted preview
// holds only finite numbers.
func FuzzParsePreview(f *testing.F) {
	m, err := New(tinyArchitecture(), 3)
	if err != nil {
		f.Fatal(err)
	}
	good := m.MarshalPreview()
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte(previewMagic))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, _, err := ParsePreview(data)
		if err != nil {
			if p != nil {
				t.Fatal("a model returned together with an error")
			}
			return
		}
		if !allFinite(p.Values()) {
			t.Fatal("accepted a preview with non-finite values")
		}
	})
}
