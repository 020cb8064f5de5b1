package scene

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/govae/govae/core"
	"github.com/govae/govae/core/mnist"
	"github.com/govae/govae/wasm/view"
)

func smallModel(t *testing.T, seed uint64) *core.Model {
	t.Helper()
	m, err := core.New(core.Architecture{Input: 784, Encoder: []int{16}, Decoder: []int{16}, Latent: 2, Activation: core.ReLU}, seed)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func randomImages(n int, seed uint64) []float32 {
	r := rand.New(rand.NewPCG(seed, 2))
	x := make([]float32, n*784)
	for i := range x {
		if r.Float32() < 0.2 {
			x[i] = r.Float32()
		}
	}
	return x
}

func testSet(n int) *mnist.Dataset {
	d := &mnist.Dataset{N: n, Pixels: randomImages(n, 5), Labels: make([]uint8, n)}
	for i := range d.Labels {
		d.Labels[i] = uint8(i % 10)
	}
	return d
}

func TestSceneSlicedRefreshMatchesOneBatch(t *testing.T) {
	m := smallModel(t, 3)
	want := m.Decode(view.GridZ(12), 144, m.Likelihood, nil)

	s := NewScene(m, 12)
	s.SetTestData(testSet(200))
	s.Refresh(nil, PartManifold|PartRecon|PartDots, 12, 150)
	s.decodeCost = time.Hour // force one tile per slice
	for i := 0; s.Busy(); i++ {
		s.Work(0)
		if i == 0 && s.ManifoldVersion != 0 {
			t.Fatal("manifold published before it was complete")
		}
		if i > 1000 {
			t.Fatal("refresh does not finish")
		}
	}
	if s.ManifoldVersion != 1 || s.ReconVersion != 1 || s.DotsVersion != 1 {
		t.Fatalf("versions %d %d %d", s.ManifoldVersion, s.ReconVersion, s.DotsVersion)
	}
	for i := range want {
		if s.Manifold[i] != want[i] {
			t.Fatalf("tile value %d: %v, one batch gives %v", i, s.Manifold[i], want[i])
		}
	}
	if len(s.Dots) != 150 || len(s.Recon) != ReconCount*784 {
		t.Errorf("%d dots, %d recon values", len(s.Dots), len(s.Recon))
	}
	for d := 0; d < ReconCount; d++ { // the first image of each class
		if s.ReconInputs[d*784] != s.test.Image(d)[0] {
			t.Fatalf("recon input %d is not the first %d", d, d)
		}
	}
	one := s.Sample(float64(view.GridZ(12)[0]), float64(view.GridZ(12)[1]), nil)
	for i := range one {
		if math.Abs(float64(one[i]-want[i])) > 1e-6 {
			t.Fatal("sample at the top-left tile's z differs from the tile")
		}
	}
}

func TestSceneFirstManifoldIsOneBatch(t *testing.T) {
	s := NewScene(smallModel(t, 3), 20)
	s.Refresh(nil, PartManifold|PartRecon, 20, 0) // no test set: recon skipped
	if s.Work(time.Hour)&PartManifold == 0 || s.Busy() || s.ManifoldVersion != 1 {
		t.Fatalf("one unbounded Work should publish the whole manifold (busy %v)", s.Busy())
	}
}

// TestSetTestDataFewLabels: a set without every label (a visitor's images,
// all labelled 0) or with fewer than ReconCount images still gives
// ReconCount reconstructions, the labels' first images first; nil takes the
// test set away, even from a refresh under way.
func TestSetTestDataFewLabels(t *testing.T) {
	m := smallModel(t, 3)
	s := NewScene(m, 10)
	d := testSet(30)
	for i := range d.Labels {
		d.Labels[i] = 0
	}
	d.Labels[7] = 4
	s.SetTestData(d)
	want := []int{0, 7, 1, 2, 3, 4, 5, 6, 8, 9} // label 0's first, label 4's, then the rest in order
	for k, i := range want {
		if s.ReconInputs[k*784] != d.Image(i)[0] || s.ReconInputs[k*784+400] != d.Image(i)[400] {
			t.Fatalf("recon input %d is not image %d", k, i)
		}
	}
	small := testSet(3)
	s.SetTestData(small)
	if len(s.ReconInputs) != ReconCount*784 {
		t.Fatalf("%d recon values from 3 images", len(s.ReconInputs))
	}
	for k := 0; k < ReconCount; k++ {
		if s.ReconInputs[k*784+100] != small.Image(k % 3)[100] {
			t.Fatalf("recon input %d is not image %d", k, k%3)
		}
	}
	s.Refresh(nil, PartManifold|PartRecon|PartDots, 10, 100)
	s.Work(time.Hour)
	if s.Recon == nil || len(s.Dots) != 3 {
		t.Fatalf("recon %d values, %d dots", len(s.Recon), len(s.Dots))
	}
	rv, dv := s.ReconVersion, s.DotsVersion
	s.Refresh(nil, PartRecon|PartDots, 10, 100)
	s.SetTestData(nil)
	if s.HasTestData() || s.Recon != nil || s.Dots != nil || s.ReconVersion != rv+1 || s.DotsVersion != dv+1 {
		t.Fatalf("after SetTestData(nil): test %v, recon %v, %d dots, versions %d→%d %d→%d",
			s.HasTestData(), s.Recon != nil, len(s.Dots), rv, s.ReconVersion, dv, s.DotsVersion)
	}
	for s.Busy() {
		s.Work(time.Hour) // must not reach for the old set
	}
}
