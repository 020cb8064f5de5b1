package scene

// Still returns a scene that shows a kept picture of the manifold in place
// of live's: grid×grid tiles given as grey levels (0 black, 255 white; tiles
// in view.GridZ order, each 28×28 row-major, as timeline.Snapshot.Pixels)
// and the overlay's points of that moment (nil for none). Everything else —
// the model that decodes the large digit, the reconstructions, the test set —
// is live's (call Follow each frame to keep it so). version is the
// ManifoldVersion and DotsVersion it publishes, which tell the drawing that
// the picture changed: pass a negative number, never the same twice, so that
// it differs from every version a live scene publishes (those count up from
// 0). A still scene is never Busy; Refresh and Work must not be called on it.
//
// The manifold's means are the grey levels divided by 255, the RGBA picture
// the grey levels themselves: what the page draws is exactly what was kept.
func Still(live *Scene, grid int, grey []uint8, dots []Dot, version int) *Scene {
	s := &Scene{Grid: grid, ManifoldVersion: version, DotsVersion: version, Dots: dots,
		Manifold: make([]float32, len(grey)), ManifoldRGBA: make([]byte, 4*len(grey))}
	w := grid * DigitSide
	for t := 0; t < grid*grid; t++ {
		r, c := t/grid, t%grid
		for py := 0; py < DigitSide; py++ {
			row := s.ManifoldRGBA[4*((r*DigitSide+py)*w+c*DigitSide):]
			for px := 0; px < DigitSide; px++ {
				i := (t*DigitSide+py)*DigitSide + px
				v := grey[i]
				s.Manifold[i] = float32(v) / 255
				row[4*px], row[4*px+1], row[4*px+2], row[4*px+3] = v, v, v, 255
			}
		}
	}
	s.Follow(live)
	return s
}

// Follow makes a still scene share live's model, reconstructions and test
// set, which change while training goes on.
func (s *Scene) Follow(live *Scene) {
	s.Model, s.test = live.Model, live.test
	s.ReconInputs, s.Recon, s.ReconVersion = live.ReconInputs, live.Recon, live.ReconVersion
	s.LastCost = live.LastCost
}
