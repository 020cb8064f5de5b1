package view

import (
	"slices"
	"strings"
	"testing"

	"github.com/govae/govae/core"
)

func TestArchFormRoundTrip(t *testing.T) {
	for _, spec := range []string{
		"256-128-z2-128-256-relu", "512-z8-512-leakyrelu-bn-dropout0.2", "z2-sigmoid",
		"8-8-8-8-z16-1024-1024-1024-1024-tanh-dropout0.9",
	} {
		a, err := ParseArch(spec)
		if err != nil {
			t.Fatal(err)
		}
		got, errs := NewArchForm(a).Check()
		if errs != nil {
			t.Fatalf("%s: %v", spec, errs)
		}
		if !got.Equal(a) || FormatArch(got) != spec {
			t.Errorf("%s: form gives %s (%s)", spec, FormatArch(got), got)
		}
	}
}

// The values issue 11 names as absurd are each refused, naming the field,
// and the other fields' errors are reported alongside.
func TestArchFormRefusesAbsurdValues(t *testing.T) {
	base := NewArchForm(core.DefaultArchitecture())
	for _, c := range []struct {
		name  string
		edit  func(f *ArchForm)
		field string
		msg   string
	}{
		{"width 0", func(f *ArchForm) { f.Encoder[1] = "0" }, "encoder.2", "encoder layer 2: width 0 out of range [8, 1024]"},
		{"width 10⁶", func(f *ArchForm) { f.Decoder[0] = "1000000" }, "decoder.1", "decoder layer 1: width 1000000 out of range [8, 1024]"},
		{"width in letters", func(f *ArchForm) { f.Encoder[0] = "wide" }, "encoder.1", `encoder layer 1: width "wide" is not a whole number`},
		{"negative width", func(f *ArchForm) { f.Encoder[0] = "-64" }, "encoder.1", "not a whole number"},
		{"latent 1", func(f *ArchForm) { f.Latent = "1" }, "latent", "latent size 1 out of range [2, 16]"},
		{"latent 99", func(f *ArchForm) { f.Latent = "99" }, "latent", "latent size 99 out of range [2, 16]"},
		{"latent in letters", func(f *ArchForm) { f.Latent = "two" }, "latent", `latent size "two" is not a whole number`},
		{"latent empty", func(f *ArchForm) { f.Latent = "" }, "latent", "not a whole number"},
		{"dropout 1.5", func(f *ArchForm) { f.Dropout = "1.5" }, "dropout", "dropout rate 1.5 out of range [0, 0.9]"},
		{"dropout NaN", func(f *ArchForm) { f.Dropout = "NaN" }, "dropout", "out of range"},
		{"dropout letters", func(f *ArchForm) { f.Dropout = "lots" }, "dropout", "not a number"},
		{"activation", func(f *ArchForm) { f.Activation = "gelu" }, "activation", `unknown activation "gelu"`},
		{"five layers", func(f *ArchForm) { f.Encoder = []string{"64", "64", "64", "64", "64"} }, "encoder", "at most 4"},
	} {
		f := base
		f.Encoder, f.Decoder = slices.Clone(base.Encoder), slices.Clone(base.Decoder)
		c.edit(&f)
		a, errs := f.Check()
		if len(errs) != 1 || errs[0].Field != c.field || !strings.Contains(errs[0].Msg, c.msg) {
			t.Errorf("%s: errors %+v, want one for %s containing %q", c.name, errs, c.field, c.msg)
		}
		if a.Latent != 0 {
			t.Errorf("%s: an architecture was returned with the error: %v", c.name, a)
		}
	}
	// Several wrong fields at once: each gets its own message.
	f := NewArchForm(core.DefaultArchitecture())
	f.Encoder[0], f.Latent, f.Dropout = "0", "99", "x"
	_, errs := f.Check()
	var fields []string
	for _, e := range errs {
		fields = append(fields, e.Field)
	}
	if !slices.Equal(fields, []string{"encoder.1", "latent", "dropout"}) {
		t.Errorf("errors for %v, want encoder.1, latent, dropout", fields)
	}
}

func TestArchFormLayers(t *testing.T) {
	f := NewArchForm(core.DefaultArchitecture()) // 256-128 | 128-256
	if err := f.AddLayer("encoder"); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.Encoder, []string{"256", "128", "128"}) {
		t.Errorf("after adding: %v, want the last width repeated", f.Encoder)
	}
	if err := f.AddLayer("encoder"); err != nil {
		t.Fatal(err)
	}
	if err := f.AddLayer("encoder"); err == nil || !strings.Contains(err.Error(), "at most 4") {
		t.Errorf("a fifth layer: %v", err)
	}
	if err := f.RemoveLayer("decoder", 1); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.Decoder, []string{"256"}) {
		t.Errorf("after removing decoder layer 1: %v", f.Decoder)
	}
	for _, k := range []int{0, 2} {
		if err := f.RemoveLayer("decoder", k); err == nil {
			t.Errorf("removing decoder layer %d of 1 succeeded", k)
		}
	}
	if f.RemoveLayer("decoder", 1) != nil || f.AddLayer("decoder") != nil || !slices.Equal(f.Decoder, []string{"128"}) {
		t.Errorf("emptied and added: %v, want [128]", f.Decoder)
	}
	if f.AddLayer("middle") == nil || f.RemoveLayer("middle", 1) == nil {
		t.Error("an unknown side was accepted")
	}
	a, errs := f.Check()
	if errs != nil || FormatArch(a) != "256-128-128-128-z2-128-relu" {
		t.Errorf("Check: %s, %v", FormatArch(a), errs)
	}
	// The removal does not alias the slice it came from.
	g := NewArchForm(core.DefaultArchitecture())
	before := g.Encoder
	g.RemoveLayer("encoder", 1)
	g.AddLayer("encoder")
	if before[0] != "256" || before[1] != "128" {
		t.Errorf("removing changed the old slice: %v", before)
	}
}
