package view

import (
	"math"
	"strings"
	"testing"
)

func TestSliceSettingsURL(t *testing.T) {
	s, notices := ParseQuery("arch=z4-relu&dims=3,1&ref=digit7")
	if len(notices) > 0 {
		t.Fatal(notices)
	}
	if s.Slice != (SliceSettings{I: 2, J: 0, Ref: RefDigit, Digit: 7}) {
		t.Errorf("parsed %+v", s.Slice)
	}
	if q := s.Query(); !strings.Contains(q, "dims=3%2C1&ref=digit7") {
		t.Errorf("query %s", q)
	}
	if d := DefaultSettings(); d.Get("dims") != "auto" || d.Get("ref") != "origin" {
		t.Errorf("defaults dims=%s ref=%s", d.Get("dims"), d.Get("ref"))
	}
	for _, v := range []string{"drawing", "origin", "digit0", "auto"} {
		key := "ref"
		if v == "auto" {
			key = "dims"
		}
		var s SliceSettings
		if err := s.Set(key, v); err != nil || s.Get(key) != v {
			t.Errorf("%s=%s: %v, gives back %q", key, v, err, s.Get(key))
		}
	}
	for _, c := range []struct{ key, value, msg string }{
		{"dims", "3", "want auto or two dimensions"},
		{"dims", "1,1", "two different"},
		{"dims", "0,2", "out of range [1, 16]"},
		{"dims", "2,17", "out of range [1, 16]"},
		{"dims", "a,b", "want auto"},
		{"ref", "digit10", "want origin, digit0 to digit9, or drawing"},
		{"ref", "digit", "want origin"},
		{"ref", "mean", "want origin"},
	} {
		s := DefaultSliceSettings()
		if err := s.Set(c.key, c.value); err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s=%s: %v, want %q", c.key, c.value, err, c.msg)
		}
		if s != DefaultSliceSettings() {
			t.Errorf("%s=%s changed the settings to %+v", c.key, c.value, s)
		}
	}
	if _, notices := ParseQuery("dims=9,9&ref=nowhere"); len(notices) != 2 {
		t.Errorf("notices %v, want one per refused parameter", notices)
	}
}

func TestSlicePair(t *testing.T) {
	kl := []float64{0.01, 2.5, 0.02, 3.1}
	auto := DefaultSliceSettings()
	if i, j, note := auto.Pair(4, kl); i != 1 || j != 3 || note != "" {
		t.Errorf("auto pair of %v: %d, %d %q; want 1, 3 (the largest KL)", kl, i, j, note)
	}
	if i, j, _ := auto.Pair(4, nil); i != 0 || j != 1 {
		t.Errorf("auto pair before the KL is known: %d, %d", i, j)
	}
	if i, j, _ := auto.Pair(4, []float64{1, math.NaN(), 2, 3}); i != 0 || j != 1 {
		t.Errorf("auto pair of a NaN KL: %d, %d, want the fallback 0, 1", i, j)
	}
	if i, j, _ := auto.Pair(2, []float64{5, 1}); i != 0 || j != 1 {
		t.Errorf("latent 2: %d, %d", i, j)
	}
	chosen := SliceSettings{I: 2, J: 0}
	if i, j, note := chosen.Pair(4, kl); i != 2 || j != 0 || note != "" {
		t.Errorf("chosen pair: %d, %d %q", i, j, note)
	}
	i, j, note := chosen.Pair(2, []float64{1, 2})
	if i != 0 || j != 1 || !strings.Contains(note, "dimensions 3 and 1 do not exist in a latent space of 2") {
		t.Errorf("chosen pair beyond the latent size: %d, %d %q", i, j, note)
	}
}

func TestLatentName(t *testing.T) {
	for k, want := range map[int]string{0: "z₁", 1: "z₂", 8: "z₉", 9: "z₁₀", 15: "z₁₆"} {
		if got := LatentName(k); got != want {
			t.Errorf("LatentName(%d) = %q, want %q", k, got, want)
		}
	}
}
