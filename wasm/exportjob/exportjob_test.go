package exportjob

import (
	"errors"
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

func TestPackUnpack(t *testing.T) {
	for _, s := range []*timeline.Snapshot{
		snapshot(1234, 3, nil),
		snapshot(7, 2, []timeline.Dot{{Z1: 0.25, Z2: -1.5, Label: 9}, {Z1: -3, Z2: 2, Label: 0}}),
		snapshot(0, 2, []timeline.Dot{}), // overlay on, no point yet
	} {
		b, err := Pack(s)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Unpack(b)
		if err != nil {
			t.Fatal(err)
		}
		if got.Step != s.Step || got.Epoch != s.Epoch || got.NegELBO != s.NegELBO || got.Recon != s.Recon || got.KL != s.KL ||
			got.Grid != s.Grid || !slices.Equal(got.Pixels, s.Pixels) || !slices.Equal(got.Dots, s.Dots) || (got.Dots == nil) != (s.Dots == nil) {
			t.Errorf("step %d: unpacked %+v", s.Step, got)
		}
		// Every truncation and a flipped byte are refused, never a panic.
		for _, n := range []int{0, 5, 30, len(b) / 2, len(b) - 1} {
			if _, err := Unpack(b[:n]); err == nil {
				t.Errorf("step %d: %d of %d bytes accepted", s.Step, n, len(b))
			}
		}
		bad := slices.Clone(b)
		bad[len(bad)/2] ^= 0x40
		if _, err := Unpack(bad); !errors.Is(err, timeline.ErrChecksum) {
			t.Errorf("step %d: a flipped byte gave %v", s.Step, err)
		}
	}
	// An invalid snapshot is not packed.
	s := snapshot(3, 2, nil)
	s.Pixels = s.Pixels[1:]
	if _, err := Pack(s); !errors.Is(err, timeline.ErrSnapshot) {
		t.Errorf("short pixels: %v", err)
	}
	// A timeline of two snapshots is not a frame.
	tl := timeline.New(4, timeline.DefaultBudget)
	for _, st := range []int{1, 2} {
		if err := tl.Add(*snapshot(st, 2, nil)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Unpack(tl.MarshalBinary()); !errors.Is(err, ErrRequest) {
		t.Errorf("two snapshots: %v", err)
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
