package core

import "fmt"

// ArchLimits bounds the fields of an Architecture. Two sets are in use:
// FileLimits, what the engine builds and a weights file may hold
// (Architecture.Validate), and EditorLimits, the narrower ranges the page's
// architecture editor offers. Both are checked by the same code
// (Architecture.ValidateWithin), so the page and the engine cannot disagree.
type ArchLimits struct {
	MinInput, MaxInput   int // pixels per image
	MinLatent, MaxLatent int // latent dimensions
	MaxLayers            int // hidden layers on each side (encoder, decoder); at least 0
	MinWidth, MaxWidth   int // units of a hidden layer
	// MaxDropout is the largest dropout rate allowed; rates are also
	// always below 1 (a rate of 1 would drop every unit).
	MaxDropout float32
	MaxParams  int // weights and biases of the whole model
}

// FileLimits returns the limits of Architecture.Validate: anything the
// engine can build without absurd allocations, which is what a weights file
// may describe.
func FileLimits() ArchLimits {
	return ArchLimits{
		MinInput: 1, MaxInput: MaxLayerWidth,
		MinLatent: 1, MaxLatent: 256,
		MaxLayers: MaxHiddenLayer, MinWidth: 1, MaxWidth: MaxLayerWidth,
		MaxDropout: 1, MaxParams: MaxParams,
	}
}

// EditorLimits returns the ranges of the page's architecture editor (issue
// 11): MNIST's 784-pixel images, 0–4 hidden layers per side of 8–1024 units,
// latent size 2–16 (2 draws the plane; beyond 16 the KL bar chart and the
// choice of a 2-D slice stop being readable), dropout rate 0–0.9.
func EditorLimits() ArchLimits {
	return ArchLimits{
		MinInput: 784, MaxInput: 784,
		MinLatent: 2, MaxLatent: 16,
		MaxLayers: 4, MinWidth: 8, MaxWidth: 1024,
		MaxDropout: 0.9, MaxParams: MaxParams,
	}
}

// ArchError is an architecture field outside its limits. Field names the
// field as the page's editor does: "input", "latent", "activation",
// "dropout", "encoder" or "decoder" (the number of hidden layers),
// "encoder.K" or "decoder.K" (the width of hidden layer K, counted from 1 at
// the input for the encoder and at the latent for the decoder), or "params".
type ArchError struct {
	Field string
	Msg   string // says the field, the value and the range, without "core: "
}

// Error returns the message with core's prefix.
func (e *ArchError) Error() string { return "core: " + e.Msg }

func archErr(field, format string, args ...any) error {
	return &ArchError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// CheckInput returns an *ArchError unless n pixels per image are within l.
func (l ArchLimits) CheckInput(n int) error {
	if n < l.MinInput || n > l.MaxInput {
		if l.MinInput == l.MaxInput {
			return archErr("input", "input size %d: the images have %d pixels", n, l.MinInput)
		}
		return archErr("input", "input size %d out of range [%d, %d]", n, l.MinInput, l.MaxInput)
	}
	return nil
}

// CheckLatent returns an *ArchError unless n latent dimensions are within l.
func (l ArchLimits) CheckLatent(n int) error {
	if n < l.MinLatent || n > l.MaxLatent {
		return archErr("latent", "latent size %d out of range [%d, %d]", n, l.MinLatent, l.MaxLatent)
	}
	return nil
}

// CheckLayers returns an *ArchError unless n hidden layers are allowed on
// side ("encoder" or "decoder").
func (l ArchLimits) CheckLayers(side string, n int) error {
	if n < 0 || n > l.MaxLayers {
		return archErr(side, "%s: %d hidden layers, at most %d", side, n, l.MaxLayers)
	}
	return nil
}

// CheckWidth returns an *ArchError unless w units are allowed for hidden
// layer k (from 1) of side ("encoder" or "decoder").
func (l ArchLimits) CheckWidth(side string, k, w int) error {
	if w < l.MinWidth || w > l.MaxWidth {
		return archErr(fmt.Sprintf("%s.%d", side, k), "%s layer %d: width %d out of range [%d, %d]",
			side, k, w, l.MinWidth, l.MaxWidth)
	}
	return nil
}

// CheckDropout returns an *ArchError unless r is an allowed dropout rate
// (NaN never is).
func (l ArchLimits) CheckDropout(r float32) error {
	if !(r >= 0 && r <= l.MaxDropout && r < 1) {
		if l.MaxDropout >= 1 {
			return archErr("dropout", "dropout rate %v out of range [0, 1)", r)
		}
		return archErr("dropout", "dropout rate %v out of range [0, %v]", r, l.MaxDropout)
	}
	return nil
}

// CheckActivation returns an *ArchError for an unknown activation.
func CheckActivation(a Activation) error {
	if !a.valid() {
		return archErr("activation", "unknown activation %d", a)
	}
	return nil
}

// ValidateWithin reports the first field of a outside l as an *ArchError,
// in the order input, latent, encoder, decoder, activation, dropout,
// parameter count.
func (a Architecture) ValidateWithin(l ArchLimits) error {
	if err := l.CheckInput(a.Input); err != nil {
		return err
	}
	if err := l.CheckLatent(a.Latent); err != nil {
		return err
	}
	for _, side := range []struct {
		name   string
		widths []int
	}{{"encoder", a.Encoder}, {"decoder", a.Decoder}} {
		if err := l.CheckLayers(side.name, len(side.widths)); err != nil {
			return err
		}
		for k, w := range side.widths {
			if err := l.CheckWidth(side.name, k+1, w); err != nil {
				return err
			}
		}
	}
	if err := CheckActivation(a.Activation); err != nil {
		return err
	}
	if err := l.CheckDropout(a.Dropout); err != nil {
		return err
	}
	if n := a.paramCount(); n > l.MaxParams {
		return archErr("params", "%d parameters exceed the limit of %d", n, l.MaxParams)
	}
	return nil
}
