package exportjob

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/govae/govae/wasm/timeline"
)

func snapshot(step, grid int, dots []timeline.Dot) *timeline.Snapshot {
	px := make([]uint8, grid*grid*timeline.DigitSide*timeline.DigitSide)
	for i := range px {
		px[i] = uint8(i*13 + step)
	}
	return &timeline.Snapshot{Step: step, Epoch: float64(step) / 100, NegELBO: 160.5, Recon: 150.25, KL: 10.25,
		Grid: grid, Pixels: px, Dots: dots}
}

func TestFrame(t *testing.T) {
	for _, s := range []*timeline.Snapshot{
		snapshot(1234, 3, nil),
		snapshot(7, 2, []timeline.Dot{{Z1: 0.25, Z2: -1.5, Label: 9}, {Z1: -3, Z2: 2, Label: 0}}),
	} {
		meta, err := Meta(s)
		if err != nil {
			t.Fatal(err)
		}
		got, err := FromFrame(meta, s.Pixels)
		if err != nil {
			t.Fatal(err)
		}
		if got.Step != s.Step || got.Epoch != s.Epoch || got.NegELBO != s.NegELBO || got.Recon != s.Recon || got.KL != s.KL ||
			got.Grid != s.Grid || !slices.Equal(got.Pixels, s.Pixels) || !slices.Equal(got.Dots, s.Dots) {
			t.Errorf("step %d: round trip gave %+v", s.Step, got)
		}
	}
	good := snapshot(3, 2, []timeline.Dot{{Z1: 1, Z2: 1, Label: 1}})
	meta, _ := Meta(good)
	for _, c := range []struct {
		name   string
		meta   string
		pixels []byte
		is     error
	}{
		{"pixels short by one", meta, good.Pixels[1:], timeline.ErrSnapshot},
		{"no pixels", meta, nil, timeline.ErrSnapshot},
		{"grid 1", strings.Replace(meta, `"grid":2`, `"grid":1`, 1), good.Pixels, timeline.ErrSnapshot},
		{"grid 500", strings.Replace(meta, `"grid":2`, `"grid":500`, 1), good.Pixels, timeline.ErrSnapshot},
		{"label 10", strings.Replace(meta, `"Label":1`, `"Label":10`, 1), good.Pixels, timeline.ErrSnapshot},
		{"label 300", strings.Replace(meta, `"Label":1`, `"Label":300`, 1), good.Pixels, ErrRequest},
		{"negative step", strings.Replace(meta, `"step":3`, `"step":-3`, 1), good.Pixels, timeline.ErrSnapshot},
		{"unknown field", strings.Replace(meta, `{`, `{"dpi":3,`, 1), good.Pixels, ErrRequest},
		{"not JSON", "GOVAETL", good.Pixels, ErrRequest},
		{"empty", "", good.Pixels, ErrRequest},
	} {
		if s, err := FromFrame(c.meta, c.pixels); s != nil || !errors.Is(err, c.is) {
			t.Errorf("%s: %v; want %v", c.name, err, c.is)
		}
	}
	// A snapshot that does not validate is not sent.
	bad := snapshot(3, 2, nil)
	bad.NegELBO = math.NaN()
	if _, err := Meta(bad); !errors.Is(err, timeline.ErrSnapshot) {
		t.Errorf("NaN loss: %v", err)
	}
}

func TestPick(t *testing.T) {
	for _, c := range []struct {
		n, total int
		want     []int
	}{
		{5, 5, []int{0, 1, 2, 3, 4}},
		{9, 5, []int{0, 1, 2, 3, 4}},
		{2, 10, []int{0, 9}},
		{3, 10, []int{0, 5, 9}}, // 4.5 rounds up
		{4, 10, []int{0, 3, 6, 9}},
		{1, 10, []int{0}},
		{0, 10, nil},
		{3, 0, nil},
	} {
		if got := Pick(c.n, c.total); !slices.Equal(got, c.want) {
			t.Errorf("Pick(%d, %d) = %v, want %v", c.n, c.total, got, c.want)
		}
	}
	// Always increasing, first and last kept, n of them.
	for total := 1; total <= 64; total++ {
		for n := 1; n <= total; n++ {
			p := Pick(n, total)
			if len(p) != n || p[0] != 0 || (n > 1 && p[n-1] != total-1) {
				t.Fatalf("Pick(%d, %d) = %v", n, total, p)
			}
			for i := 1; i < n; i++ {
				if p[i] <= p[i-1] {
					t.Fatalf("Pick(%d, %d) = %v not increasing", n, total, p)
				}
			}
		}
	}
}

func TestParseOptions(t *testing.T) {
	for in, want := range map[string]int{"120": 12, "20": 2, "10000": 1000, " 85 ms": 9, "84": 8, "1e3": 100} {
		if got, err := ParseDelay(in); err != nil || got != want {
			t.Errorf("ParseDelay(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "19", "10001", "-50", "NaN", "Inf", "abc", "0x20"} {
		if got, err := ParseDelay(in); err == nil || !strings.Contains(err.Error(), "20 to 10000") {
			t.Errorf("ParseDelay(%q) = %d, %v; want the range named", in, got, err)
		}
	}
	for in, want := range map[string]int{"2": 2, "64": 64, " 17 ": 17} {
		if got, err := ParseFrames(in); err != nil || got != want {
			t.Errorf("ParseFrames(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"1", "65", "2.5", "", "all", "-3"} {
		if _, err := ParseFrames(in); err == nil || !strings.Contains(err.Error(), "2 to 64") {
			t.Errorf("ParseFrames(%q): %v", in, err)
		}
	}
	if LastDelay(8) != HoldLastCs || LastDelay(300) != 300 {
		t.Errorf("LastDelay: %d, %d", LastDelay(8), LastDelay(300))
	}
}

func TestParseRequest(t *testing.T) {
	png := Request{Kind: PNG, Side: 560, Scale: 2, Crosshair: true, Z1: 0.5, Z2: -1}
	if got, err := ParseRequest(png.Marshal(), 1); err != nil || got != png {
		t.Errorf("PNG round trip: %+v, %v", got, err)
	}
	gif := Request{Kind: GIF, Delay: 12, LastDelay: 150, PixelScale: 2, Overlay: true}
	if got, err := ParseRequest(gif.Marshal(), 64); err != nil || got != gif {
		t.Errorf("GIF round trip: %+v, %v", got, err)
	}
	for _, c := range []struct {
		req    string
		frames int
		want   string
	}{
		{png.Marshal(), 2, "one file or snapshot"},
		{Request{Kind: Weights}.Marshal(), 0, "one file or snapshot"},
		{gif.Marshal(), 0, "1–64 frames"},
		{gif.Marshal(), 65, "1–64 frames"},
		{`{"kind":"jpeg"}`, 1, "unknown kind"},
		{`{"kind":"png","dpi":300}`, 1, "unknown field"},
		{`{"kind":"png","side":1e999}`, 1, "cannot unmarshal"},
		{`{"kind":"png"`, 1, "unexpected EOF"},
		{`not json`, 1, "invalid character"},
	} {
		_, err := ParseRequest(c.req, c.frames)
		if !errors.Is(err, ErrRequest) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseRequest(%s, %d): %v; want %q", c.req, c.frames, err, c.want)
		}
	}
}
