package view

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/govae/govae/core"
)

func testDigit() []float32 {
	px := make([]float32, DigitPixels)
	for i := range px {
		px[i] = float32(i%29) / 28
	}
	return px
}

func TestLabQueryRoundTrip(t *testing.T) {
	code, err := EncodeDigit(testDigit())
	if err != nil {
		t.Fatal(err)
	}
	s := DefaultSettings()
	vals := map[string]string{
		"lab": "1", "labsec": "grad,beta,keep", "theta": "-1.5", "gn": "5000", "gseed": "42", "gdigit": "17",
		"gcomp": "lv2", "pn": "12", "pseed": "9007199254740991", "ia": "-2.000,0.250", "ib": "1.000,-3.500",
		"isteps": "7", "run": "likelihood-gaussian-beta1", "digit": code, "beta": "2", "grid": "15",
	}
	for k, v := range vals {
		if err := s.Set(k, v); err != nil {
			t.Fatalf("Set(%s, %s): %v", k, v, err)
		}
	}
	for k, v := range vals {
		if got := s.Get(k); got != v {
			t.Errorf("Get(%s) = %q, want %q", k, got, v)
		}
	}
	back, notices := ParseQuery(s.Query())
	if len(notices) > 0 {
		t.Fatalf("notices for our own query: %v", notices)
	}
	if back != s {
		t.Errorf("round trip:\n got %+v\nwant %+v", back.Lab, s.Lab)
	}
	for _, k := range LabKeys {
		if !strings.Contains(s.Query(), "&"+k+"=") {
			t.Errorf("the query lacks %s", k)
		}
	}
	// gdigit=drawn and no sections survive too.
	s.Set("gdigit", "drawn")
	s.Set("labsec", "")
	if back, _ := ParseQuery(s.Query()); back != s || back.Lab.GradDigit != GradDigitDrawn || back.Lab.Sections != 0 {
		t.Errorf("drawn/none round trip: %+v", back.Lab)
	}
}

func TestLabDefaults(t *testing.T) {
	l := DefaultSettings().Lab
	if l.Open || l.Theta != 2 || l.Samples != 2000 || l.Steps != 10 || l.Run != DefaultRun || l.Digit != "" {
		t.Errorf("defaults = %+v", l)
	}
	for _, id := range LabSections {
		if !l.SectionOpen(id) {
			t.Errorf("section %s closed by default", id)
		}
	}
	l.SetSection("beta", false)
	if l.SectionOpen("beta") || !l.SectionOpen("lik") || l.Get("labsec") != "grad,draw,interp,lik,keep" {
		t.Errorf("after closing beta: %q", l.Get("labsec"))
	}
	l.SetSection("nope", true) // ignored
	if l.SectionOpen("nope") {
		t.Error("unknown section open")
	}
}

func TestLabSetRefuses(t *testing.T) {
	for _, c := range []struct{ k, v, frag string }{
		{"lab", "maybe", "not on or off"},
		{"labsec", "grad,bogus", "unknown section"},
		{"theta", "7", "[−5, 5]"},
		{"theta", "NaN", "out of range"},
		{"gn", "5", "[10, 200000]"},
		{"gn", "1e9", "not a whole number"},
		{"gseed", "-1", "not a whole number"},
		{"gseed", "9007199254740992", "not a whole number"},
		{"gdigit", "10000", "[0, 9999]"},
		{"gcomp", "mu3", "not one of"},
		{"pn", "0", "[1, 32]"},
		{"ia", "1", "not a point"},
		{"ib", "1,9", "not a point"},
		{"ib", "x,1", "not a point"},
		{"isteps", "100", "[3, 16]"},
		{"run", "../../etc/passwd", "not a run id"},
		{"run", "", "not a run id"},
		{"digit", "abc", "523 characters"},
		{"digit", strings.Repeat("*", 523), "523 characters"},
	} {
		s := DefaultSettings()
		before := s
		err := s.Set(c.k, c.v)
		if err == nil || !strings.Contains(err.Error(), c.frag) {
			t.Errorf("Set(%s, %q) = %v, want an error mentioning %q", c.k, c.v, err, c.frag)
		}
		if s != before {
			t.Errorf("Set(%s, %q) changed the settings", c.k, c.v)
		}
	}
	// In a URL: each bad parameter is a notice, the others apply.
	s, notices := ParseQuery("lab=1&theta=9&gn=500&labsec=grad,zzz&whatever=3")
	if !s.Lab.Open || s.Lab.Samples != 500 || s.Lab.Theta != DefaultTheta || s.Lab.Sections != DefaultLabSettings().Sections {
		t.Errorf("settings = %+v", s.Lab)
	}
	msgs := ""
	for _, n := range notices {
		msgs += n.Message + "\n"
	}
	for _, frag := range []string{"theta=9 refused", "using 2", "unknown section", `unknown parameter "whatever"`} {
		if !strings.Contains(msgs, frag) {
			t.Errorf("notices lack %q:\n%s", frag, msgs)
		}
	}
}

// jsString formats a value as JavaScript's String() would (close enough
// for numbers: both spellings parse the same).
func jsString(v any) string {
	switch v := v.(type) {
	case bool:
		return strconv.FormatBool(v)
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1e21 {
			return strconv.FormatFloat(v, 'f', -1, 64)
		}
		return strconv.FormatFloat(v, 'g', -1, 64)
	case string:
		return v
	}
	panic("unexpected type")
}

func TestTypedRoundTrip(t *testing.T) {
	code, _ := EncodeDigit(testDigit())
	s := DefaultSettings()
	for k, v := range map[string]string{"overlay": "1", "lab": "1", "lr": "0.0003", "z1": "-1.25", "ia": "0.5,0.5",
		"gseed": "123456789", "digit": code, "lik": "gaussian", "gdigit": "drawn", "labsec": "none"} {
		if err := s.Set(k, v); err != nil {
			t.Fatal(k, err)
		}
	}
	typed := s.Typed()
	if len(typed) != len(Keys) {
		t.Errorf("%d typed settings for %d keys", len(typed), len(Keys))
	}
	if typed["overlay"] != true || typed["lab"] != true || typed["lr"] != 0.0003 || typed["gseed"] != 123456789.0 || typed["lik"] != "gaussian" {
		t.Errorf("typed = %v", typed)
	}
	back := DefaultSettings()
	for k, v := range typed {
		if err := back.Set(k, jsString(v)); err != nil {
			t.Errorf("Set(%s, %q): %v", k, jsString(v), err)
		}
	}
	if back != s {
		t.Errorf("typed round trip:\n got %+v\nwant %+v", back, s)
	}
}

func TestLabSliders(t *testing.T) {
	s := DefaultSettings()
	for key, sl := range LabSliders {
		for pos := sl.Min; pos <= sl.Max+1e-9; pos += sl.Step {
			v := LabSliderValue(key, pos)
			if err := s.Set(key, v); err != nil {
				t.Errorf("slider %s at %v gives %q: %v", key, pos, v, err)
			}
		}
	}
	for pos, want := range map[float64]string{1: "10", 3: "1000", 3.3: "2000", 5: "100000", 4.1: "13000"} {
		if got := LabSliderValue("gn", pos); got != want {
			t.Errorf("gn slider at %v = %q, want %q", pos, got, want)
		}
	}
}

func TestEffectiveBeta(t *testing.T) {
	for _, c := range []struct {
		w           float64
		rMean, kMem bool
		want        float64
	}{
		{1, false, false, 1},    // the ELBO
		{1, true, false, 784},   // per-pixel mean recon, summed KL
		{1, true, true, 392},    // both averaged
		{0.1, true, true, 39.2}, // the "sweet spot" of per-element losses, in sum units
		{2, false, true, 1},
	} {
		if got := EffectiveBeta(c.w, c.rMean, c.kMem, 784, 2); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("EffectiveBeta(%v, %v, %v) = %v, want %v", c.w, c.rMean, c.kMem, got, c.want)
		}
	}
	if got := GaussianKLWeight(0.1); math.Abs(got-0.02) > 1e-15 {
		t.Errorf("2σ² at σ = 0.1: %v", got)
	}
	// The inverse: plain summed MSE at KL weight 1 assumes σ = 1/√2;
	// mean MSE at weight 1 assumes σ = √392 ≈ 19.8 pixel units.
	if got := ImpliedSigma(1, false, 784); math.Abs(got-math.Sqrt(0.5)) > 1e-12 {
		t.Errorf("ImpliedSigma(1, sum) = %v", got)
	}
	if got := ImpliedSigma(1, true, 784); math.Abs(got-math.Sqrt(392)) > 1e-12 {
		t.Errorf("ImpliedSigma(1, mean) = %v", got)
	}
	if s := ImpliedSigma(GaussianKLWeight(0.3), false, 784); math.Abs(s-0.3) > 1e-12 {
		t.Errorf("ImpliedSigma does not invert GaussianKLWeight: %v", s)
	}
	b := Breakdown(132.39, 6.97, 784, 2)
	if math.Abs(b.NegELBO-139.36) > 1e-9 || math.Abs(b.ReconPerPixel-132.39/784) > 1e-12 || math.Abs(b.KLPerDim-3.485) > 1e-12 {
		t.Errorf("breakdown %+v", b)
	}
}

func TestInterpolate(t *testing.T) {
	a, b := [2]float64{-1, 2}, [2]float64{3, -2}
	p := Interpolate(a, b, 5)
	if len(p) != 5 || p[0] != a || p[4] != b || p[2] != [2]float64{1, 0} {
		t.Errorf("Interpolate = %v", p)
	}
	for i := 1; i < len(p); i++ {
		if d := math.Hypot(p[i][0]-p[i-1][0], p[i][1]-p[i-1][1]); math.Abs(d-math.Hypot(1, 1)) > 1e-12 {
			t.Errorf("step %d has length %v", i, d)
		}
	}
	if n := len(Interpolate(a, b, 0)); n != 2 {
		t.Errorf("n = 0 gives %d points", n)
	}
	// 0.1 steps do not add up exactly in floating point; the end does.
	if q := Interpolate([2]float64{0, 0}, [2]float64{0.3, 0.7}, 11); q[10] != [2]float64{0.3, 0.7} {
		t.Errorf("end %v", q[10])
	}
}

func TestEllipse(t *testing.T) {
	mu, sg := [2]float64{0.5, -1}, [2]float64{0.2, 0.05}
	pts := Ellipse(mu, sg, 2, 48)
	if len(pts) != 49 || pts[0] != pts[48] {
		t.Fatalf("%d points, closed %v", len(pts), pts[0] == pts[48])
	}
	for _, p := range pts {
		r := math.Pow((p[0]-mu[0])/sg[0], 2) + math.Pow((p[1]-mu[1])/sg[1], 2)
		if math.Abs(r-4) > 1e-9 {
			t.Errorf("point %v at Mahalanobis² %v, want 4", p, r)
		}
	}
	if got := SigmaFromLogvar(-4); math.Abs(got-math.Exp(-2)) > 1e-15 {
		t.Errorf("σ from log σ² = −4: %v", got)
	}
}

func TestDigitCodec(t *testing.T) {
	px := testDigit()
	px[0], px[1], px[2] = float32(math.NaN()), -3, 7 // clamped
	code, err := EncodeDigit(px)
	if err != nil {
		t.Fatal(err)
	}
	if len(code) != 523 || strings.ContainsAny(code, "+/=&?#%") {
		t.Errorf("code of %d characters: %q", len(code), code)
	}
	back, err := DecodeDigit(code)
	if err != nil {
		t.Fatal(err)
	}
	if back[0] != 0 || back[1] != 0 || back[2] != 1 {
		t.Errorf("clamped pixels decode to %v", back[:3])
	}
	for i := 3; i < len(px); i++ {
		if math.Abs(float64(back[i]-px[i])) > 0.5/15+1e-6 {
			t.Fatalf("pixel %d: %v → %v", i, px[i], back[i])
		}
	}
	again, _ := EncodeDigit(back)
	if again != code {
		t.Error("re-encoding a decoded digit changes it")
	}
	if _, err := EncodeDigit(make([]float32, 100)); err == nil {
		t.Error("a 100-pixel digit encoded")
	}
	for _, bad := range []string{"", code[:522], code + "A", strings.Repeat("!", 523)} {
		if _, err := DecodeDigit(bad); err == nil {
			t.Errorf("DecodeDigit(%.20q…) accepted", bad)
		}
	}
}

func TestHistogram(t *testing.T) {
	xs := []float64{-5, 0, 0.1, 0.5, 0.99, 1, 2, math.NaN(), math.Inf(1)}
	h := NewHistogram(xs, 0, 1, 4)
	if h.Below != 2 || h.Above != 2 {
		t.Errorf("below %d above %d", h.Below, h.Above)
	}
	want := []int{2, 0, 1, 2} // 0, 0.1 | | 0.5 | 0.99, 1
	for i, c := range want {
		if h.Counts[i] != c {
			t.Errorf("bins %v, want %v", h.Counts, want)
			break
		}
	}
	if h.Max() != 2 {
		t.Errorf("max %d", h.Max())
	}
	if q := Quantile([]float64{3, 1, 2, 4}, 0.5); q != 2.5 {
		t.Errorf("median %v", q)
	}
	if q := Quantile([]float64{3, 1, 2, 4}, 1); q != 4 {
		t.Errorf("max quantile %v", q)
	}
	if !math.IsNaN(Quantile(nil, 0.5)) {
		t.Error("quantile of nothing")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	narrow, wide := make([]float64, 5000), make([]float64, 5000)
	for i := range narrow {
		narrow[i] = 4 + 2*rng.NormFloat64()
		wide[i] = 4 + 10*rng.NormFloat64()
	}
	wide[0] = 1e6 // one wild estimate must not set the axis
	lo, hi := SharedRange(4, 0.005, narrow, wide)
	if !(lo < -15 && lo > -40 && hi > 25 && hi < 50) {
		t.Errorf("shared range [%v, %v]", lo, hi)
	}
	if lo, hi := SharedRange(100, 0.005, narrow); !(hi > 100 && lo < 0) {
		t.Errorf("the mark is outside [%v, %v]", lo, hi)
	}
}

func TestParseSweepShipped(t *testing.T) {
	dir := filepath.Join("..", "..", "assets", "sweep")
	data, err := os.ReadFile(filepath.Join(dir, "sweep.json"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := ParseSweep(data)
	if err != nil {
		t.Fatal(err)
	}
	betas := s.BetaRuns()
	if len(betas) != 5 {
		t.Fatalf("%d β runs", len(betas))
	}
	for i, r := range betas {
		if i > 0 && !(r.Beta > betas[i-1].Beta) {
			t.Errorf("β runs not sorted: %v after %v", r.Beta, betas[i-1].Beta)
		}
		if r.Likelihood != "bernoulli" {
			t.Errorf("β run %s under %s", r.ID, r.Likelihood)
		}
	}
	// More β: less KL (rate), more reconstruction loss (distortion).
	if !(betas[0].KL > betas[4].KL && betas[0].Recon < betas[4].Recon) {
		t.Errorf("the β sweep is not a rate–distortion trade-off: %+v … %+v", betas[0], betas[4])
	}
	liks := s.LikelihoodRuns()
	if len(liks) != 4 || liks[0].Likelihood != "bernoulli" || liks[3].Likelihood != "continuous-bernoulli" {
		t.Fatalf("likelihood runs %+v", liks)
	}
	if liks[2].LearnedSigma <= 0 {
		t.Error("the learned-σ run does not report σ")
	}
	for _, r := range s.Runs {
		if _, err := os.Stat(filepath.Join(dir, r.Manifold)); err != nil {
			t.Errorf("run %s: %v", r.ID, err)
		}
		if got, ok := s.Run(r.ID); !ok || got.ID != r.ID {
			t.Errorf("Run(%s)", r.ID)
		}
		var ls LabSettings
		if err := ls.Set("run", r.ID); err != nil {
			t.Errorf("run id %s is not a valid URL value: %v", r.ID, err)
		}
	}
	if _, ok := s.Run(DefaultRun); !ok {
		t.Errorf("the default run %s is not in sweep.json", DefaultRun)
	}
}

func TestParseSweepRefuses(t *testing.T) {
	ok := `{"id":"a","group":"beta","beta":1,"likelihood":"bernoulli","manifold":"a.png"}`
	for name, doc := range map[string]string{
		"not json":   `{`,
		"no runs":    `{"runs":[]}`,
		"escape":     `{"runs":[{"id":"a","group":"beta","likelihood":"bernoulli","manifold":"../vae.bin.png"}]}`,
		"bad id":     `{"runs":[{"id":"A B","group":"beta","likelihood":"bernoulli","manifold":"a.png"}]}`,
		"repeated":   `{"runs":[` + ok + `,` + ok + `]}`,
		"group":      `{"runs":[{"id":"a","group":"x","likelihood":"bernoulli","manifold":"a.png"}]}`,
		"likelihood": `{"runs":[{"id":"a","group":"beta","likelihood":"poisson","manifold":"a.png"}]}`,
		"not png":    `{"runs":[{"id":"a","group":"beta","likelihood":"bernoulli","manifold":"a.svg"}]}`,
	} {
		if _, err := ParseSweep([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := ParseSweep([]byte(`{"runs":[` + ok + `]}`)); err != nil {
		t.Errorf("minimal sweep refused: %v", err)
	}
}

func TestSampleObservation(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	means := []float32{0.02, 0.3, 0.5, 0.8, 0.97}
	const n = 20000
	for _, kind := range []core.LikelihoodKind{core.Bernoulli, core.Gaussian, core.ContinuousBernoulli} {
		sums := make([]float64, len(means))
		for i := 0; i < n; i++ {
			x := SampleObservation(kind, means, 0.05, rng)
			for j, v := range x {
				if !(v >= 0 && v <= 1) {
					t.Fatalf("%v: sample %v outside [0, 1]", kind, v)
				}
				if kind == core.Bernoulli && v != 0 && v != 1 {
					t.Fatalf("Bernoulli sample %v", v)
				}
				sums[j] += float64(v)
			}
		}
		for j, m := range means {
			got := sums[j] / n
			tol := 0.012
			if kind == core.Gaussian && (m < 0.1 || m > 0.9) {
				tol = 0.03 // clamping to [0, 1] shifts the mean near the ends
			}
			if math.Abs(got-float64(m)) > tol {
				t.Errorf("%v: mean of samples at %v is %v", kind, m, got)
			}
		}
	}
	for _, eta := range []float64{-300, -20, -1, -1e-7, 0, 0.3, 5, 40, 700} {
		back := CBLogitFromMean(CBMean(eta))
		if m := CBMean(eta); m > 0.001 && m < 0.999 && math.Abs(back-eta) > 1e-6*math.Max(1, math.Abs(eta)) {
			t.Errorf("CBLogitFromMean(CBMean(%v)) = %v", eta, back)
		}
		prev := -1.0
		for u := 0.0; u <= 1; u += 0.125 {
			x := CBQuantile(eta, u)
			if !(x >= 0 && x <= 1) || x < prev {
				t.Errorf("CBQuantile(%v, %v) = %v after %v", eta, u, x, prev)
			}
			prev = x
		}
	}
}

func TestFormatSig(t *testing.T) {
	for v, want := range map[float64]string{
		0: "0", 4: "4.000", -3.98765: "−3.988", 87.12345: "87.12", 1234.6: "1235", 2.9e6: "2.90·10⁶",
		-0.00012: "−1.20·10⁻⁴", 0.01234: "0.01234", math.Inf(1): "+Inf",
	} {
		if got := FormatSig(v); got != want {
			t.Errorf("FormatSig(%v) = %q, want %q", v, got, want)
		}
	}
	for r, want := range map[float64]string{21.75: "22", 3.14: "3.1", math.NaN(): "—", 4342.4: "4342"} {
		if got := FormatRatio(r); got != want {
			t.Errorf("FormatRatio(%v) = %q, want %q", r, got, want)
		}
	}
}

func TestFormatShort(t *testing.T) {
	for v, want := range map[float64]string{784: "784", 0.02: "0.02", 5.66: "5.66", 39.2: "39.2", -3893.6: "−3894", 2e-5: "2·10⁻⁵", 0.1982: "0.1982", 100: "100"} {
		if got := FormatShort(v); got != want {
			t.Errorf("FormatShort(%v) = %q, want %q", v, got, want)
		}
	}
}
