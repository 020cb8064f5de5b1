//go:build js && wasm

package page

import (
	"fmt"
	"syscall/js"

	"github.com/govae/govae/core"
	"github.com/govae/govae/wasm/bridge"
)

// loadWeights shows the weights' preview (assets/vae.preview.bin: the
// decoder in 8 bits, an eighth of the weights' bytes) as soon as it and the
// wasm are in, and only then downloads the full weights, which replace it.
// Without a usable preview it fetches the full weights at once. When the
// full weights fail, the page says so and shows an untrained model instead.
// It runs on a goroutine of its own.
func (s *session) loadWeights() {
	if s.data.startElsewhere() {
		return // another data set than MNIST, with its own weights or fresh ones
	}
	board := s.board
	previewState := func(state string) { board.update(func(st *statusJSON) { st.Preview = state }) }
	v, err := bridge.Await(s.dom.Host.Get("preview"))
	var preview *core.Model
	var source uint32
	if err == nil {
		preview, source, err = core.ParsePreview(bridge.GoBytes(v))
	}
	if err == nil {
		err = checkPageShape(preview)
	}
	if err == nil && s.archDiffers(preview.Arch) {
		err = fmt.Errorf("the link asks for another network (%s)", s.settings.Arch)
	}
	if err != nil {
		previewState("not used: " + err.Error())
		js.Global().Get("console").Call("warn", "govae: the weights' preview is not used:", err.Error())
	} else {
		s.post(func() {
			s.showPreview(preview)
			previewState("shown")
			board.update(func(st *statusJSON) { st.Phase = "decoding the preview"; st.Weights = weightsPreview })
		})
		<-s.painted
	}
	v, err = bridge.Await(s.dom.Host.Call("fullWeights"))
	var m *core.Model
	if err == nil {
		data := bridge.GoBytes(v)
		if m, err = core.ParseModel(data); err == nil && preview != nil && core.WeightsChecksum(data) != source {
			previewState("replaced; it was made from other weights than assets/vae.bin (rebuild with make build)")
		}
	}
	if err == nil {
		err = checkPageShape(m)
	}
	s.post(func() {
		s.start(m, err)
		board.update(func(st *statusJSON) { st.Phase = "decoding" })
	})
}
