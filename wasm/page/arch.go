//go:build js && wasm

package page

import (
	"fmt"

	"github.com/govae/govae/core"
	"github.com/govae/govae/wasm/view"
)

// The session's network (issue 11): the architecture fresh weights are
// built with is Settings.Arch, which always names the architecture of the
// model shown once the page is ready — the editor's Apply sets it, and
// every new model (a file, back to pretrained) sets it back — so a link
// reproduces the network.

// architecture returns the network of Settings.Arch (valid: it is only set
// through Settings.Set), or the default one.
func (s *session) architecture() core.Architecture {
	a, err := s.settings.Architecture()
	if err != nil {
		return core.DefaultArchitecture()
	}
	return a
}

// archDiffers reports whether the link asks for another network than a's.
func (s *session) archDiffers(a core.Architecture) bool {
	return view.FormatArch(a) != s.settings.Arch
}

// linkArchitecture returns the model to start with: pretrained itself, or
// fresh weights of the link's architecture when it asks for another one,
// saying so (pretrained stays for "Back to pretrained").
func (s *session) linkArchitecture(pretrained *core.Model) *core.Model {
	if !s.archDiffers(pretrained.Arch) {
		return pretrained
	}
	s.weights = weightsRandom
	s.archNote = fmt.Sprintf("The link asks for this network, not the pretrained weights' %s: the page starts from "+
		"fresh random weights of it. Train to fit it, or press Back to pretrained.", pretrained.Arch)
	s.dom.SetText("arch-note", s.archNote)
	return s.freshModel()
}

// loaded follows a new model shown and trained (afterLoad): its
// architecture becomes the settings' (the editor and the URL follow), and
// the held-out curve starts anew.
func (s *session) loaded() {
	if m := s.scene.Model; m != nil && view.CheckArch(m.Arch) == nil {
		s.settings.Arch = view.FormatArch(m.Arch)
	}
	if s.archNote != "" {
		s.archNote = ""
		s.dom.SetText("arch-note", "")
	}
	s.heldOut.restart()
}

// applyArch builds fresh weights of Settings.Arch, like Reset (the
// architecture editor's Apply); false before the page is ready to train.
func (s *session) applyArch() bool {
	if s.backend == nil {
		return false
	}
	s.reset()
	return true
}
