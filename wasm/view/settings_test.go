package view

import (
	"math"
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
	if !strings.Contains(got["lr"], "using 0.001") {
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
