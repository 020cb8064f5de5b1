package view

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/govae/govae/core"
)

// ArchForm is the architecture editor's draft, field by field as the
// visitor typed it: the widths of the encoder's and the decoder's hidden
// layers, the latent size and the dropout rate as text, the activation's
// name and the batch-norm switch. Nothing is applied until Check accepts
// every field and the whole architecture (issue 11: "nothing changes until
// the whole architecture is valid").
type ArchForm struct {
	Encoder, Decoder []string // one width per hidden layer, from the input (encoder) or the latent (decoder)
	Latent           string
	Dropout          string
	Activation       string // relu, leakyrelu, tanh or sigmoid
	BatchNorm        bool
}

// FieldError is a refused field of the form. Field names it as
// core.ArchError does: "encoder.K" or "decoder.K" (hidden layer K, from 1),
// "encoder" or "decoder" (the number of layers), "latent", "dropout",
// "activation" or "params" (the whole model is too large).
type FieldError struct {
	Field, Msg string
}

// NewArchForm returns the form showing a.
func NewArchForm(a core.Architecture) ArchForm {
	f := ArchForm{Latent: strconv.Itoa(a.Latent), Activation: a.Activation.String(), BatchNorm: a.BatchNorm,
		Dropout: strconv.FormatFloat(float64(a.Dropout), 'f', -1, 32)}
	for _, w := range a.Encoder {
		f.Encoder = append(f.Encoder, strconv.Itoa(w))
	}
	for _, w := range a.Decoder {
		f.Decoder = append(f.Decoder, strconv.Itoa(w))
	}
	return f
}

// Layers returns the widths of side ("encoder" or "decoder"); nil for any
// other name.
func (f *ArchForm) Layers(side string) *[]string {
	switch side {
	case "encoder":
		return &f.Encoder
	case "decoder":
		return &f.Decoder
	}
	return nil
}

// newLayerWidth is the width a layer added to a side without layers gets:
// the reference model's innermost width.
const newLayerWidth = "128"

// AddLayer appends a hidden layer to side, as wide as the side's last one
// (or 128). Errors: an unknown side, or core.EditorLimits' MaxLayers
// reached.
func (f *ArchForm) AddLayer(side string) error {
	ls := f.Layers(side)
	if ls == nil {
		return fmt.Errorf("unknown side %q (want encoder or decoder)", side)
	}
	if max := core.EditorLimits().MaxLayers; len(*ls) >= max {
		return fmt.Errorf("%s: at most %d hidden layers", side, max)
	}
	w := newLayerWidth
	if n := len(*ls); n > 0 {
		w = (*ls)[n-1]
	}
	*ls = append(*ls, w)
	return nil
}

// RemoveLayer removes hidden layer k (from 1) of side. Errors: an unknown
// side or no such layer.
func (f *ArchForm) RemoveLayer(side string, k int) error {
	ls := f.Layers(side)
	if ls == nil {
		return fmt.Errorf("unknown side %q (want encoder or decoder)", side)
	}
	if k < 1 || k > len(*ls) {
		return fmt.Errorf("%s has no layer %d", side, k)
	}
	*ls = append((*ls)[:k-1:k-1], (*ls)[k:]...)
	return nil
}

// Check parses every field with the editor's parsers (ParseWidth,
// ParseLatent, ParseDropout, ParseActivationName: core.EditorLimits) and,
// when each is valid, the whole architecture (CheckArch: the parameter
// count). It returns the architecture and nil, or every refused field with
// its message.
func (f ArchForm) Check() (core.Architecture, []FieldError) {
	lim := core.EditorLimits()
	a := core.Architecture{Input: lim.MinInput, Encoder: []int{}, Decoder: []int{}}
	var errs []FieldError
	refuse := func(field string, err error) {
		errs = append(errs, FieldError{Field: field, Msg: err.Error()})
	}
	for _, side := range []struct {
		name   string
		widths []string
		dst    *[]int
	}{{"encoder", f.Encoder, &a.Encoder}, {"decoder", f.Decoder, &a.Decoder}} {
		if err := lim.CheckLayers(side.name, len(side.widths)); err != nil {
			refuse(side.name, visitorError(err))
			continue
		}
		for k, text := range side.widths {
			w, err := ParseWidth(side.name, k+1, text)
			if err != nil {
				refuse(fmt.Sprintf("%s.%d", side.name, k+1), err)
			}
			*side.dst = append(*side.dst, w)
		}
	}
	var err error
	if a.Latent, err = ParseLatent(f.Latent); err != nil {
		refuse("latent", err)
	}
	if a.Dropout, err = ParseDropout(f.Dropout); err != nil {
		refuse("dropout", err)
	}
	if a.Activation, err = ParseActivationName(f.Activation); err != nil {
		refuse("activation", err)
	}
	a.BatchNorm = f.BatchNorm
	if len(errs) > 0 {
		return core.Architecture{}, errs
	}
	if err := CheckArch(a); err != nil {
		field := "params"
		var ae *core.ArchError
		if errors.As(err, &ae) {
			field = ae.Field
		}
		return core.Architecture{}, []FieldError{{Field: field, Msg: err.Error()}}
	}
	return a, nil
}
