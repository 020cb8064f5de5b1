package core

import (
	"bytes"
	"errors"
	"runtime"
	"testing"
)

// tinyArchitecture keeps fuzz inputs small enough for the fuzzer to mutate
// meaningfully.
func tinyArchitecture() Architecture {
	return Architecture{Input: 4, Encoder: []int{3}, Decoder: []int{3}, Latent: 2, Activation: Tanh}
}

// FuzzParseModel feeds arbitrary bytes to the weights reader: it must never
// panic, and whatever it accepts must re-encode to the same bytes.
func FuzzParseModel(f *testing.F) {
	m, err := New(tinyArchitecture(), 3)
	if err != nil {
		f.Fatal(err)
	}
	good := m.MarshalBinary()
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte(weightsMagic))
	bn := tinyArchitecture()
	bn.BatchNorm, bn.Dropout = true, 0.25
	if mb, err := New(bn, 4); err == nil {
		f.Add(mb.MarshalBinary())
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		model, err := ParseModel(data)
		if err != nil {
			if model != nil {
				t.Fatal("a model returned together with an error")
			}
			return
		}
		if again := model.MarshalBinary(); !bytes.Equal(again, data) {
			t.Fatalf("accepted %d bytes that re-encode to %d different bytes", len(data), len(again))
		}
	})
}

// TestParseModelRejectsHugeArchitecture checks that a header claiming an
// enormous network is refused before anything of that size is allocated,
// both beyond the parameter limit and within it but larger than the file.
func TestParseModelRejectsHugeArchitecture(t *testing.T) {
	tooMany := Architecture{Input: MaxLayerWidth, Encoder: []int{MaxLayerWidth, MaxLayerWidth}, Decoder: []int{MaxLayerWidth}, Latent: 2}
	withinLimit := Architecture{Input: 4000, Encoder: []int{4000, 4000}, Decoder: []int{4000}, Latent: 2}
	if withinLimit.paramCount() > MaxParams {
		t.Fatal("withinLimit must stay within MaxParams to test the size check")
	}
	assertRejectedCheaply(t, tooMany, ErrCorrupt)
	assertRejectedCheaply(t, withinLimit, ErrTruncated)
}

func assertRejectedCheaply(t *testing.T, huge Architecture, want error) {
	t.Helper()
	var buf bytes.Buffer
	buf.WriteString(weightsMagic)
	buf.Write([]byte{1, 0, 0, 0})
	head := encodeHeader(huge, Likelihood{Kind: Bernoulli, Sigma: DefaultGaussianSigma})
	buf.Write([]byte{byte(len(head)), 0, 0, 0})
	buf.Write(head)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := ParseModel(buf.Bytes())
	runtime.ReadMemStats(&after)
	if !errors.Is(err, want) {
		t.Fatalf("got %v, want %v for %d parameters", err, want, huge.paramCount())
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
		t.Fatalf("allocated %d bytes while rejecting a %d-byte file", n, buf.Len())
	}
}
