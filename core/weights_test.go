package core

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"math"
	"strings"
	"testing"
)

func bnDropoutArch() Architecture {
	return Architecture{Input: 20, Encoder: []int{9, 6}, Decoder: []int{7}, Latent: 3, Activation: LeakyReLU, BatchNorm: true, Dropout: 0.25}
}

// trainedModel returns a model whose every tensor, including the batch-norm
// running statistics and log σ, holds non-initial values.
func trainedModel(t testing.TB, arch Architecture) *Model {
	t.Helper()
	m := evalModel(t, arch)
	// A few special values that must survive bit for bit.
	m.Values()[0] = float32(math.Copysign(0, -1))
	m.Values()[1] = math.SmallestNonzeroFloat32
	m.Values()[2] = math.MaxFloat32
	m.Likelihood = Likelihood{Kind: Gaussian, Sigma: 0.25}
	return m
}

func TestWeightsRoundTrip(t *testing.T) {
	for _, arch := range []Architecture{DefaultArchitecture(), bnDropoutArch(), {Input: 3, Latent: 1, Activation: Sigmoid}} {
		t.Run(arch.String(), func(t *testing.T) {
			m := trainedModel(t, arch)
			data := m.MarshalBinary()
			var buf bytes.Buffer
			n, err := m.WriteTo(&buf)
			if err != nil || n != int64(len(data)) || !bytes.Equal(buf.Bytes(), data) {
				t.Fatalf("WriteTo wrote %d bytes (%v), MarshalBinary %d", n, err, len(data))
			}
			got, err := ParseModel(data)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Arch.Equal(arch) || got.Arch.String() != arch.String() {
				t.Errorf("architecture %s, want %s", got.Arch, arch)
			}
			if !float32sBitEqual(got.Values(), m.Values()) {
				t.Errorf("values differ after the round trip")
			}
			if !float32sBitEqual(got.State(), m.State()) {
				t.Errorf("state differs after the round trip")
			}
			if got.Likelihood != m.Likelihood {
				t.Errorf("likelihood %+v, want %+v", got.Likelihood, m.Likelihood)
			}
			if got.LogSigma() != m.LogSigma() {
				t.Errorf("log σ %v, want %v", got.LogSigma(), m.LogSigma())
			}
			// The file's own layout: magic, version 1, CRC-32C at the end.
			if string(data[:8]) != "GOVAEWT\n" || binary.LittleEndian.Uint32(data[8:]) != 1 {
				t.Errorf("header % x", data[:12])
			}
			if want := crc32.Checksum(data[:len(data)-4], crc32.MakeTable(crc32.Castagnoli)); binary.LittleEndian.Uint32(data[len(data)-4:]) != want {
				t.Errorf("trailing checksum is not the CRC-32C of the file")
			}
			// 4 bytes per float at least.
			if min := 4 * (len(m.Values()) + len(m.State())); len(data) < min {
				t.Errorf("file of %d bytes holds %d floats", len(data), min/4)
			}
			// ReadModel and LoadWeights read the same.
			r, err := ReadModel(bytes.NewReader(data))
			if err != nil || !float32sBitEqual(r.Values(), m.Values()) {
				t.Errorf("ReadModel: %v", err)
			}
			other, _ := New(arch, 99)
			if err := other.LoadWeights(bytes.NewReader(data)); err != nil {
				t.Fatal(err)
			}
			if !float32sBitEqual(other.Values(), m.Values()) || !float32sBitEqual(other.State(), m.State()) || other.Likelihood != m.Likelihood {
				t.Errorf("LoadWeights did not restore every tensor")
			}
			// Writing the loaded model reproduces the file byte for byte.
			if !bytes.Equal(other.MarshalBinary(), data) {
				t.Errorf("re-marshalled file differs")
			}
		})
	}
}

// withChecksum recomputes the trailing CRC-32C after an edit.
func withChecksum(b []byte) []byte {
	binary.LittleEndian.PutUint32(b[len(b)-4:], crc32.Checksum(b[:len(b)-4], crc32.MakeTable(crc32.Castagnoli)))
	return b
}

// tensorDataOffset returns where the values of the named tensor start,
// walking the format as documented.
func tensorDataOffset(t *testing.T, data []byte, name string) int {
	le := binary.LittleEndian
	off := 16 + int(le.Uint32(data[12:]))
	count := int(le.Uint32(data[off:]))
	off += 4
	for i := 0; i < count; i++ {
		nl := int(le.Uint16(data[off:]))
		nm := string(data[off+2 : off+2+nl])
		off += 2 + nl
		rank := int(data[off])
		off++
		size := 1
		for r := 0; r < rank; r++ {
			size *= int(le.Uint32(data[off:]))
			off += 4
		}
		if nm == name {
			return off
		}
		off += 4 * size
	}
	t.Fatalf("tensor %q not in file", name)
	return 0
}

func TestWeightsCorruption(t *testing.T) {
	m := trainedModel(t, bnDropoutArch())
	good := m.MarshalBinary()
	mod := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	dataOff := tensorDataOffset(t, good, "decoder.out.w")

	cases := []struct {
		name string
		data []byte
		want error
	}{
		{"wrong magic", mod(func(b []byte) []byte { b[0] = 'X'; return withChecksum(b) }), ErrBadMagic},
		{"not a weights file", []byte("PK\x03\x04 this is a zip file, really"), ErrBadMagic},
		{"version 2", mod(func(b []byte) []byte { binary.LittleEndian.PutUint32(b[8:], 2); return withChecksum(b) }), ErrVersion},
		{"version 0", mod(func(b []byte) []byte { binary.LittleEndian.PutUint32(b[8:], 0); return b }), ErrVersion},
		{"flipped bit in tensor data", mod(func(b []byte) []byte { b[dataOff+5] ^= 0x10; return b }), ErrChecksum},
		{"flipped byte in the checksum", mod(func(b []byte) []byte { b[len(b)-1] ^= 0xff; return b }), ErrChecksum},
		{"NaN in a tensor", mod(func(b []byte) []byte {
			binary.LittleEndian.PutUint32(b[dataOff+8:], math.Float32bits(float32(math.NaN())))
			return withChecksum(b)
		}), ErrNonFinite},
		{"+Inf in a tensor", mod(func(b []byte) []byte {
			binary.LittleEndian.PutUint32(b[tensorDataOffset(t, b, "encoder.0.bn.running_var"):], math.Float32bits(float32(math.Inf(1))))
			return withChecksum(b)
		}), ErrNonFinite},
		{"trailing bytes", append(append([]byte(nil), good...), 0, 0, 0, 0), ErrCorrupt},
		{"trailing bytes, checksum recomputed", mod(func(b []byte) []byte {
			return withChecksum(append(b[:len(b)-4:len(b)-4], 1, 2, 3, 4, 0, 0, 0, 0))
		}), ErrCorrupt},
		{"header claims more than the file", mod(func(b []byte) []byte { binary.LittleEndian.PutUint32(b[12:], 1<<30); return b }), ErrTruncated},
		{"invalid architecture (latent 0)", mod(func(b []byte) []byte { binary.LittleEndian.PutUint32(b[20:], 0); return withChecksum(b) }), ErrCorrupt},
		{"unknown activation", mod(func(b []byte) []byte { b[24] = 9; return withChecksum(b) }), ErrCorrupt},
		{"renamed tensor", mod(func(b []byte) []byte {
			i := bytes.Index(b, []byte("decoder.out.w"))
			b[i] = 'D'
			return withChecksum(b)
		}), ErrCorrupt},
		{"wrong tensor count", mod(func(b []byte) []byte {
			off := 16 + int(binary.LittleEndian.Uint32(b[12:]))
			binary.LittleEndian.PutUint32(b[off:], 3)
			return withChecksum(b)
		}), ErrCorrupt},
		{"too large", make([]byte, MaxWeightsFileSize+1), ErrTooLarge},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseModel(c.data)
			if !errors.Is(err, c.want) {
				t.Fatalf("ParseModel: %v, want %v", err, c.want)
			}
			if got != nil {
				t.Errorf("ParseModel returned a model with an error")
			}
			checkLoadLeavesModel(t, c.data, c.want)
		})
	}
	// The sentinels are distinct: each corruption has its own error.
	all := []error{ErrBadMagic, ErrVersion, ErrArchitecture, ErrTruncated, ErrChecksum, ErrCorrupt, ErrTooLarge, ErrNonFinite}
	for i, a := range all {
		for j, b := range all {
			if i != j && errors.Is(a, b) {
				t.Errorf("%v matches %v", a, b)
			}
		}
	}
}

// checkLoadLeavesModel loads data into a model of the same architecture
// and checks the error and that nothing changed.
func checkLoadLeavesModel(t *testing.T, data []byte, want error) {
	t.Helper()
	m, _ := New(bnDropoutArch(), 77)
	for i := range m.State() {
		m.State()[i] = float32(i) + 0.5
	}
	m.Likelihood = Likelihood{Kind: ContinuousBernoulli}
	values := append([]float32(nil), m.Values()...)
	state := append([]float32(nil), m.State()...)
	err := m.LoadWeights(bytes.NewReader(data))
	if !errors.Is(err, want) {
		t.Errorf("LoadWeights: %v, want %v", err, want)
	}
	if !float32sBitEqual(m.Values(), values) || !float32sBitEqual(m.State(), state) || m.Likelihood.Kind != ContinuousBernoulli {
		t.Errorf("LoadWeights changed the model on error %v", err)
	}
}

func TestWeightsTruncated(t *testing.T) {
	m := trainedModel(t, bnDropoutArch())
	good := m.MarshalBinary()
	dataOff := tensorDataOffset(t, good, "encoder.1.w")
	lengths := []int{0, 1, 7, 8, 11, 12, 15, 16, 17, 20, 30, dataOff - 1, dataOff, dataOff + 2, dataOff + 40,
		len(good) / 2, len(good) - 5, len(good) - 4, len(good) - 3, len(good) - 1}
	// And every length up to a little past the header, then a stride.
	for n := 0; n < 120; n++ {
		lengths = append(lengths, n)
	}
	for n := 120; n < len(good); n += 37 {
		lengths = append(lengths, n)
	}
	for _, n := range lengths {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("prefix of %d bytes: panic %v", n, r)
				}
			}()
			got, err := ParseModel(good[:n])
			if !errors.Is(err, ErrTruncated) {
				t.Errorf("prefix of %d of %d bytes: %v, want ErrTruncated", n, len(good), err)
			}
			if got != nil {
				t.Errorf("prefix of %d bytes gave a model", n)
			}
		}()
	}
	for _, n := range []int{0, 5, 16, dataOff + 3, len(good) - 1} {
		checkLoadLeavesModel(t, good[:n], ErrTruncated)
	}
}

func TestLoadWeightsArchitectureMismatch(t *testing.T) {
	src := trainedModel(t, bnDropoutArch())
	data := src.MarshalBinary()
	other := DefaultArchitecture()
	for _, arch := range []Architecture{other, {Input: 20, Encoder: []int{9, 6}, Decoder: []int{7}, Latent: 3, Activation: ReLU, BatchNorm: true, Dropout: 0.25}} {
		m, _ := New(arch, 1)
		values := append([]float32(nil), m.Values()...)
		state := append([]float32(nil), m.State()...)
		lik := m.Likelihood
		err := m.LoadWeights(bytes.NewReader(data))
		if !errors.Is(err, ErrArchitecture) {
			t.Errorf("loading %s into %s: %v, want ErrArchitecture", src.Arch, arch, err)
		}
		if !float32sBitEqual(m.Values(), values) || !float32sBitEqual(m.State(), state) || m.Likelihood != lik {
			t.Errorf("a failed load changed the model")
		}
		if err := m.CopyFrom(src); !errors.Is(err, ErrArchitecture) {
			t.Errorf("CopyFrom: %v", err)
		}
	}
}

// endless is an io.Reader of unlimited zero bytes.
type endless struct{ n int64 }

func (e *endless) Read(p []byte) (int, error) {
	clear(p)
	e.n += int64(len(p))
	return len(p), nil
}

func TestReadModelTooLarge(t *testing.T) {
	r := &endless{}
	m, err := ReadModel(r)
	if !errors.Is(err, ErrTooLarge) || m != nil {
		t.Fatalf("ReadModel of an endless stream: %v", err)
	}
	if r.n > MaxWeightsFileSize+1<<20 {
		t.Errorf("read %d bytes from an endless stream, limit %d", r.n, MaxWeightsFileSize)
	}
	// A read error is passed on.
	if _, err := ReadModel(io.MultiReader(strings.NewReader("GOVAE"), errReader{})); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("read error: %v", err)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("boom") }

func TestArchitectureValidate(t *testing.T) {
	if err := DefaultArchitecture().Validate(); err != nil {
		t.Fatal(err)
	}
	if got := DefaultArchitecture().String(); got != "784-256-128-(2,2) | 2-128-256-784 ReLU" {
		t.Errorf("default architecture %q", got)
	}
	for _, a := range []Architecture{
		{Input: 0, Latent: 2},
		{Input: 784, Latent: 0},
		{Input: 784, Latent: 257},
		{Input: MaxLayerWidth + 1, Latent: 2},
		{Input: 784, Latent: 2, Encoder: []int{0}},
		{Input: 784, Latent: 2, Decoder: []int{-3}},
		{Input: 784, Latent: 2, Encoder: make([]int, MaxHiddenLayer+1)},
		{Input: 784, Latent: 2, Activation: 7},
		{Input: 784, Latent: 2, Dropout: 1},
		{Input: 784, Latent: 2, Dropout: -0.1},
		{Input: 784, Latent: 2, Dropout: float32(math.NaN())},
		{Input: 16384, Latent: 2, Encoder: []int{16384}, Decoder: []int{16384}},
	} {
		if err := a.Validate(); err == nil {
			t.Errorf("%+v accepted", a)
		}
		if _, err := New(a, 1); err == nil {
			t.Errorf("New(%+v) accepted", a)
		}
	}
	// Parameter count: 784·256+256 + 256·128+128 + 2·(128·2+2) + 2·128+128 + 128·256+256 + 256·784+784 + 1.
	want := 784*256 + 256 + 256*128 + 128 + 2*(128*2+2) + 2*128 + 128 + 128*256 + 256 + 256*784 + 784 + 1
	m, _ := New(DefaultArchitecture(), 1)
	if len(m.Values()) != want || DefaultArchitecture().paramCount() != want {
		t.Errorf("default model has %d parameters, want %d", len(m.Values()), want)
	}
}
