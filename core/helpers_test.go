package core

import (
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// Helpers shared by the package's tests.

// testRNG returns a deterministic source for test data.
func testRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x7e57)) }

// randUniform fills n values uniformly from [lo, hi).
func randUniform(rng *rand.Rand, n int, lo, hi float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(lo + (hi-lo)*rng.Float64())
	}
	return v
}

// randNormal fills n standard-normal values.
func randNormal(rng *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	return v
}

// randAwayFromZero draws values with lo ≤ |v| < hi and random sign, to keep
// inputs of ReLU-like activations away from their kink.
func randAwayFromZero(rng *rand.Rand, n int, lo, hi float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		a := lo + (hi-lo)*rng.Float64()
		if rng.IntN(2) == 0 {
			a = -a
		}
		v[i] = float32(a)
	}
	return v
}

// dot64 is Σ a⊙b accumulated in float64.
func dot64(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

// gradTolerance compares an analytic derivative with a numerical one:
// |a − n| ≤ rel·max(|a|, |n|) + abs.
func gradClose(analytic, numeric, rel, abs float64) bool {
	return math.Abs(analytic-numeric) <= rel*math.Max(math.Abs(analytic), math.Abs(numeric))+abs
}

// centralDiff perturbs *p by ±h and returns (f(p+h) − f(p−h)) / (actual
// step), using the float32-representable step actually taken, and restores *p.
func centralDiff(p *float32, h float64, f func() float64) float64 {
	orig := *p
	plus := float32(float64(orig) + h)
	minus := float32(float64(orig) - h)
	*p = plus
	fp := f()
	*p = minus
	fm := f()
	*p = orig
	return (fp - fm) / (float64(plus) - float64(minus))
}

// checkIndices returns every index of a tensor of length n when n ≤ all,
// otherwise `sample` distinct random indices.
func checkIndices(rng *rand.Rand, n, all, sample int) []int {
	if n <= all {
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		return idx
	}
	return rng.Perm(n)[:sample]
}

// gradCheck compares analytic gradients grad[i] with central differences of
// f with respect to vals[i] for the given indices. It returns the number of
// comparisons and reports every mismatch.
func gradCheck(t *testing.T, what string, vals, grad []float32, idx []int, h, rel, abs float64, f func() float64) int {
	t.Helper()
	bad := 0
	for _, i := range idx {
		num := centralDiff(&vals[i], h, f)
		an := float64(grad[i])
		if !gradClose(an, num, rel, abs) {
			bad++
			if bad <= 10 {
				t.Errorf("%s[%d]: analytic %.8g, numerical %.8g (diff %.3g)", what, i, an, num, an-num)
			}
		}
	}
	if bad > 10 {
		t.Errorf("%s: %d of %d derivatives disagree", what, bad, len(idx))
	}
	return len(idx)
}

// maxAbs returns the largest |v|.
func maxAbs(v []float32) float64 {
	var m float64
	for _, x := range v {
		m = math.Max(m, math.Abs(float64(x)))
	}
	return m
}

func paramByName(t testing.TB, m *Model, name string) Param {
	t.Helper()
	for _, p := range m.Params() {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("no parameter %q", name)
	return Param{}
}

func float32sBitEqual(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

func allFinite(v []float32) bool {
	for _, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return false
		}
	}
	return true
}

// smallArch is the little network of the whole-model gradient checks.
func smallArch(act Activation) Architecture {
	return Architecture{Input: 12, Encoder: []int{7, 5}, Decoder: []int{5, 7}, Latent: 2, Activation: act}
}

// randomizeModel gives every trainable parameter (biases included) a random
// value so that no gradient is trivially zero, and scales weight matrices
// so activations stay in a useful range.
func randomizeModel(m *Model, seed uint64) {
	rng := testRNG(seed)
	for _, p := range m.Params() {
		if p.Grad == nil {
			continue
		}
		switch {
		case len(p.Shape) == 2:
			s := 1.5 / math.Sqrt(float64(p.Shape[0]))
			for i := range p.Value {
				p.Value[i] = float32(s * rng.NormFloat64())
			}
		case p.Name == "likelihood.log_sigma":
			p.Value[0] = float32(math.Log(0.3))
		case filepath.Ext(p.Name) == ".gamma":
			for i := range p.Value {
				p.Value[i] = float32(0.5 + rng.Float64())
			}
		default:
			for i := range p.Value {
				p.Value[i] = float32(0.3 * rng.NormFloat64())
			}
		}
	}
}

// ---- MNIST ----

// mnistDir returns the directory holding train-images-idx3-ubyte.gz:
// $MNIST_DIR or ../../shared/mnist relative to the package directory.
func mnistDir() string {
	if d := os.Getenv("MNIST_DIR"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "shared", "mnist")
}

// loadMNIST reads the first n training images from the gzip-compressed IDX
// file and scales them to [0, 1]. It skips the test when the file is absent.
func loadMNIST(t testing.TB, n int) []float32 {
	t.Helper()
	path := filepath.Join(mnistDir(), "train-images-idx3-ubyte.gz")
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			t.Skipf("MNIST not available: %v", err)
		}
		// Some sandboxes (GOOS=js without file system access) fail differently.
		t.Skipf("cannot open MNIST: %v", err)
	}
	defer f.Close()
	pixels, err := readIDXImages(f, n)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return pixels
}

// readIDXImages is an independent reader for the IDX image format:
// big-endian magic 0x00000803, count, rows, cols, then one byte per pixel.
func readIDXImages(r io.Reader, n int) ([]float32, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, err
	}
	var head [16]byte
	if _, err := io.ReadFull(zr, head[:]); err != nil {
		return nil, err
	}
	be := binary.BigEndian
	magic, count, rows, cols := be.Uint32(head[0:]), be.Uint32(head[4:]), be.Uint32(head[8:]), be.Uint32(head[12:])
	if magic != 0x803 || rows != 28 || cols != 28 {
		return nil, fmt.Errorf("not an MNIST image file: magic %#x, %d×%d", magic, rows, cols)
	}
	if uint32(n) > count {
		return nil, fmt.Errorf("want %d images, the file has %d", n, count)
	}
	raw := make([]byte, n*784)
	if _, err := io.ReadFull(zr, raw); err != nil {
		return nil, err
	}
	px := make([]float32, len(raw))
	for i, b := range raw {
		px[i] = float32(b) / 255
	}
	return px, nil
}
