package view

import "testing"

func TestLayoutFits(t *testing.T) {
	for _, c := range []struct {
		name  string
		free  Rect
		scale float64
		wide  bool
	}{
		{"laptop", Rect{0, 0, 960, 800}, 1, true},
		{"laptop hidpi", Rect{0, 0, 1920, 1600}, 2, true},
		{"big", Rect{0, 0, 2200, 1300}, 1, true},
		{"phone", Rect{0, 0, 390, 900}, 1, false},
		{"phone hidpi", Rect{0, 0, 1170, 2700}, 3, false},
	} {
		l := ComputeLayout(c.free, c.scale)
		// Wide screens get a side column, narrow ones stacked blocks.
		if wide := l.Sample.X >= l.Plane.Right(); wide != c.wide {
			t.Errorf("%s: sample beside the plane = %v", c.name, wide)
		}
		if l.Plane.W != l.Plane.H || l.Plane.W < 120*c.scale {
			t.Errorf("%s: plane %+v not a usable square", c.name, l.Plane)
		}
		// The timeline's strip is under the chart, as wide as it.
		if tl := l.Timeline; tl.X != l.Chart.X || tl.Y != l.Chart.Bottom() || tl.W != l.Chart.W || tl.H != 54*c.scale {
			t.Errorf("%s: timeline %+v not under the chart %+v", c.name, tl, l.Chart)
		}
		blocks := map[string]Rect{"plane": l.PlaneBlock, "sample": l.Sample, "legend": l.Legend, "recon": l.Recon, "chart": l.Chart,
			"timeline": l.Timeline}
		for n, r := range blocks {
			if r.Empty() || r.X < c.free.X || r.Y < c.free.Y || r.Right() > c.free.Right()+0.5 || r.Bottom() > c.free.Bottom()+0.5 {
				t.Errorf("%s: %s %+v outside %+v", c.name, n, r, c.free)
			}
			for m, o := range blocks {
				if n < m && overlap(r, o) {
					t.Errorf("%s: %s %+v overlaps %s %+v", c.name, n, r, m, o)
				}
			}
		}
	}
}

func TestLayoutScales(t *testing.T) {
	a := ComputeLayout(Rect{0, 0, 960, 800}, 1)
	b := ComputeLayout(Rect{0, 0, 1920, 1600}, 2)
	if b.Plane != a.Plane.Scale(2) {
		t.Errorf("2× layout plane %+v, want %+v", b.Plane, a.Plane.Scale(2))
	}
}

func overlap(a, b Rect) bool {
	return a.X < b.Right()-0.5 && b.X < a.Right()-0.5 && a.Y < b.Bottom()-0.5 && b.Y < a.Bottom()-0.5
}

func TestFreeArea(t *testing.T) {
	vp := Rect{0, 0, 1280, 800}
	for _, c := range []struct {
		name        string
		panel, want Rect
	}{
		{"right side panel", Rect{940, 0, 340, 800}, Rect{0, 0, 940, 800}},
		{"bottom sheet", Rect{0, 440, 1280, 360}, Rect{0, 0, 1280, 440}},
		{"left panel", Rect{0, 0, 300, 800}, Rect{300, 0, 980, 800}},
		{"no panel", Rect{}, vp},
		{"panel off screen", Rect{0, 800, 1280, 0}, vp},
	} {
		if got := FreeArea(vp, c.panel); got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}
