package view

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/govae/govae/core"
)

func TestDefaultSettingsValid(t *testing.T) {
	s := DefaultSettings()
	if err := s.TrainConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	if s.Grid != 20 || s.Overlay || s.Likelihood != core.Bernoulli {
		t.Errorf("defaults = %+v", s)
	}
}

func TestQueryRoundTrip(t *testing.T) {
	s := DefaultSettings()
	for k, v := range map[string]string{
		"lr": "0.0003", "batch": "64", "beta": "0.5", "warmup": "2000", "lik": "continuous-bernoulli",
		"sigma": "0.2", "grid": "15", "overlay": "1", "dots": "2000", "z1": "-1.25", "z2": "0.5", "workers": "3",
	} {
		if err := s.Set(k, v); err != nil {
			t.Fatalf("Set(%s, %s): %v", k, v, err)
		}
	}
	q := s.Query()
	for _, k := range Keys {
		if !strings.Contains(q, k+"=") {
			t.Errorf("query %q lacks %s", q, k)
		}
	}
	back, notices := ParseQuery("?" + q)
	if len(notices) > 0 {
		t.Fatalf("notices for our own query %q: %v", q, notices)
	}
	if back != s {
		t.Errorf("round trip:\n got %+v\nwant %+v", back, s)
	}
}

func TestParseQueryRefusesAndReports(t *testing.T) {
	s, notices := ParseQuery("lr=1e9&batch=0&beta=abc&grid=100000&lik=gauss&overlay=maybe&bogus=1&dots=5&z1=NaN&sigma=0&warmup=-3&batch=7&%zz=1")
	def := DefaultSettings()
	def.BatchSize = 7 // the only valid parameter
	if s != def {
		t.Errorf("settings = %+v, want defaults with batch 7", s)
	}
	want := map[string]string{
		"lr":      "[1e-06, 1]",
		"batch":   "[1, 4096]",
		"beta":    "not a number",
		"grid":    "[10, 30]",
		"lik":     "want bernoulli",
		"overlay": "not on or off",
		"bogus":   "unknown parameter",
		"dots":    "[100, 10000]",
		"z1":      "out of range",
		"sigma":   "(1e-4, 10]",
		"warmup":  "[0, 10000000]",
		"%zz":     "malformed",
	}
	got := map[string]string{}
	for _, n := range notices {
		got[n.Key] += n.Message
	}
	for k, frag := range want {
		if !strings.Contains(got[k], frag) {
			t.Errorf("notice for %s = %q, want it to mention %q", k, got[k], frag)
		}
	}
	if !strings.Contains(got["lr"], "using 0.003") {
		t.Errorf("lr notice %q should say which value is used", got["lr"])
	}
}

func TestSetKeepsValueOnError(t *testing.T) {
	s := DefaultSettings()
	for _, c := range []struct{ k, v string }{
		{"lr", "2"}, {"lr", "-1"}, {"lr", "Inf"}, {"batch", "1.5"}, {"batch", "99999999999999999999"},
		{"beta", "101"}, {"grid", "9"}, {"z2", "6"}, {"nope", "1"},
	} {
		before := s
		err := s.Set(c.k, c.v)
		if err == nil {
			t.Errorf("Set(%s, %s) accepted", c.k, c.v)
		}
		if s != before {
			t.Errorf("Set(%s, %s) changed the settings despite %v", c.k, c.v, err)
		}
	}
	if err := s.Set("batch", "99999999999999999999"); err == nil || !strings.Contains(err.Error(), "[1, 4096]") {
		t.Errorf("huge batch: %v, want the range named", err)
	}
}

func TestSliders(t *testing.T) {
	s := DefaultSettings()
	for key, sl := range Sliders {
		for pos := sl.Min; pos <= sl.Max+1e-9; pos += sl.Step {
			v := sl.Value(pos)
			if err := s.Set(key, v); err != nil {
				t.Errorf("slider %s at %v gives %q: %v", key, pos, v, err)
			}
		}
	}
	lr := Sliders["lr"]
	if got := lr.Value(-3); got != "0.001" {
		t.Errorf("lr slider at −3 = %q", got)
	}
	if pos := lr.Position(1e-3); math.Abs(pos+3) > 1e-12 {
		t.Errorf("lr slider position of 0.001 = %v", pos)
	}
	if pos := lr.Position(1); pos != lr.Max {
		t.Errorf("out-of-slider value should clamp, got %v", pos)
	}
	if got := Sliders["batch"].Value(7); got != "128" {
		t.Errorf("batch slider at 7 = %q", got)
	}
}

func TestWorkersSetting(t *testing.T) {
	s := DefaultSettings()
	if s.Workers != AutoWorkers || s.Get("workers") != "auto" {
		t.Errorf("default workers %d (%q), want auto", s.Workers, s.Get("workers"))
	}
	for v, want := range map[string]int{"0": 0, "1": 1, "8": 8, "AUTO": AutoWorkers, " 2 ": 2} {
		if err := s.Set("workers", v); err != nil || s.Workers != want {
			t.Errorf("workers=%q: %d, %v; want %d", v, s.Workers, err, want)
		}
	}
	for _, v := range []string{"9", "-1", "two", "1.5"} {
		before := s
		if err := s.Set("workers", v); err == nil || s != before {
			t.Errorf("workers=%q accepted (%v)", v, err)
		}
	}
	if _, notices := ParseQuery("workers=99"); len(notices) != 1 || !strings.Contains(notices[0].Message, "[0, 8]") {
		t.Errorf("notices for workers=99: %v", notices)
	}
}

// TestCoordinatesExact is failure 5 of issue 13: the page keeps z (and the
// interpolation points) at full precision, so the URL must say exactly that
// value, not three decimals of it, and z1=.0001 must not come back as 0.
func TestCoordinatesExact(t *testing.T) {
	for v, want := range map[float64]string{
		0: "0.000", -1.5: "-1.500", 0.25: "0.250", 5: "5.000", 0.0001: "0.0001",
		0.27179: "0.27179", 0.27179487179487183: "0.27179487179487183", -4.999999999999999: "-4.999999999999999",
	} {
		if got := FormatCoordinate(v); got != want {
			t.Errorf("FormatCoordinate(%v) = %q, want %q", v, got, want)
		}
	}
	s := DefaultSettings()
	s.Z1, s.Z2 = 0.27179487179487183, 0.19021
	s.Lab.A, s.Lab.B = [2]float64{0.0001, -0.27179487179487183}, [2]float64{-4.999999999999999, 1e-7}
	if q := s.Query(); !strings.Contains(q, "z1=0.27179487179487183&z2=0.19021&") {
		t.Errorf("query %q does not hold z exactly", q)
	}
	back, notices := ParseQuery(s.Query())
	if len(notices) > 0 || back != s {
		t.Errorf("round trip: %+v (notices %v), want %+v", back, notices, s)
	}
	if got, _ := ParseQuery("z1=.0001&ia=.0001,-.0001"); got.Z1 != 0.0001 || got.Get("z1") != "0.0001" || got.Get("ia") != "0.0001,-0.0001" {
		t.Errorf("z1=.0001: Z1 %v, written back as z1=%s, ia=%s", got.Z1, got.Get("z1"), got.Get("ia"))
	}
	// Every float64 in range, random bits included, survives the URL.
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		v := (2*rng.Float64() - 1) * MaxAbsZ
		if i%4 == 0 {
			v = math.Float64frombits(rng.Uint64()) // any magnitude; out-of-range ones are skipped
		}
		if !(math.Abs(v) <= MaxAbsZ) {
			continue
		}
		var p Settings = DefaultSettings()
		for _, k := range []string{"z1", "ia"} {
			text := FormatCoordinate(v)
			if k == "ia" {
				text += "," + text
			}
			if err := p.Set(k, text); err != nil {
				t.Fatalf("Set(%s, %q): %v", k, text, err)
			}
		}
		if p.Z1 != v || p.Lab.A != [2]float64{v, v} {
			t.Fatalf("%v (bits %#x) came back as %v and %v", v, math.Float64bits(v), p.Z1, p.Lab.A)
		}
	}
}
