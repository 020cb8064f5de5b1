package view

import (
	"reflect"
	"testing"
)

// FuzzParseQuery feeds arbitrary URL queries to the settings parser: it
// must never panic, every setting it keeps must be valid, and what it keeps
// must survive a round trip through Query unchanged and without notices.
func FuzzParseQuery(f *testing.F) {
	for _, seed := range []string{
		"", "?lr=0.002&batch=64&beta=0.5&warmup=1000&lik=gaussian&sigma=0.2",
		"grid=15&overlay=1&dots=2000&z1=0.5&z2=-1.25&workers=2",
		"lr=NaN&batch=1e99&beta=-1&grid=abc&z1=Inf", "%zz=1&lr=%", "unknown=1&&&=&lik=",
		"lr=0.001&lr=0.5", "lab=1", "arch=512-z8-512-LeakyReLU-bn-dropout0.2", "arch=256-0-z99-relu",
		"dims=3,1&ref=digit7", "dims=auto&ref=drawing", "dims=1,1&ref=digit", "dims=3,1&dims=auto",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		s, _ := ParseQuery(raw)
		if err := s.TrainConfig().Validate(); err != nil {
			t.Fatalf("ParseQuery(%q) kept invalid training settings: %v", raw, err)
		}
		if s.Grid < MinGrid || s.Grid > MaxGrid || s.Dots < MinDots || s.Dots > MaxDots {
			t.Fatalf("ParseQuery(%q) kept grid %d, dots %d", raw, s.Grid, s.Dots)
		}
		if _, err := s.Architecture(); err != nil {
			t.Fatalf("ParseQuery(%q) kept the architecture %q: %v", raw, s.Arch, err)
		}
		again, notices := ParseQuery(s.Query())
		if len(notices) > 0 {
			t.Fatalf("ParseQuery(%q).Query() = %q gives notices %v", raw, s.Query(), notices)
		}
		if !reflect.DeepEqual(again, s) {
			t.Fatalf("round trip of %q changed the settings:\n%+v\n%+v", raw, s, again)
		}
	})
}
