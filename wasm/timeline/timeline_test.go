package timeline

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math"
	"runtime"
	"slices"
	"sort"
	"testing"

	"github.com/govae/govae/wasm/view"
)

// snapshot returns a valid snapshot at step whose pixels and points are
// derived from step, so that each can be recognised.
func snapshot(step, grid, dots int) Snapshot {
	s := Snapshot{Step: step, Epoch: float64(step) / 469, NegELBO: 200 - float64(step)/100, Recon: 190 - float64(step)/100, KL: 10,
		Grid: grid, Pixels: make([]uint8, grid*grid*DigitSide*DigitSide)}
	for i := range s.Pixels {
		s.Pixels[i] = uint8(i*7 + step)
	}
	if dots > 0 {
		s.Dots = make([]Dot, dots)
		for i := range s.Dots {
			s.Dots[i] = Dot{Z1: float32(i%100)/25 - 2, Z2: float32(step%97) / 50, Label: uint8(i % 10)}
		}
	}
	return s
}

// TestSchedule: a long run at a refresh every 7 steps keeps 64 snapshots,
// the first and the newest among them, every early refresh (dense) and
// later ones spaced geometrically, each step 2–30 % after the one before.
func TestSchedule(t *testing.T) {
	tl := New(MaxSnapshots, DefaultBudget)
	last := 0
	for step := 0; step <= 20000; step += 7 {
		if !tl.Want(step) {
			t.Fatalf("Want(%d) = false after step %d", step, last)
		}
		if err := tl.Add(snapshot(step, 10, 0)); err != nil {
			t.Fatal(err)
		}
		last = step
	}
	steps := tl.Steps()
	if len(steps) != MaxSnapshots || steps[0] != 0 || steps[len(steps)-1] != last || !sort.IntsAreSorted(steps) {
		t.Fatalf("kept %d snapshots %v", len(steps), steps)
	}
	for i, s := range steps {
		if s > SpacingScale*3 {
			break
		}
		if s != 7*i {
			t.Errorf("the early refreshes are not all kept: %v", steps[:i+1])
			break
		}
	}
	for i := 1; i < len(steps); i++ {
		if steps[i-1] < 10*SpacingScale {
			continue
		}
		if r := float64(steps[i]) / float64(steps[i-1]); r < 1.02 || r > 1.3 {
			t.Errorf("step %d follows %d (ratio %.3f): not a geometric schedule %v", steps[i], steps[i-1], r, steps)
		}
	}
	// Every snapshot kept is the one added at its step.
	for i := 0; i < tl.Len(); i++ {
		s := tl.At(i)
		if want := snapshot(s.Step, 10, 0); !bytes.Equal(s.Pixels, want.Pixels) || s.NegELBO != want.NegELBO {
			t.Fatalf("snapshot at step %d holds another's data", s.Step)
		}
	}
	if tl.Want(last) || tl.Want(last-1) || !tl.Want(last+1) {
		t.Errorf("Want must accept exactly the steps after %d", last)
	}
}

// TestMemoryBound: the largest snapshots the page can make (30×30 grid,
// 10 000 overlay points, 0.8 MB each) over a long run stay within the
// budget, counted exactly, and the Go heap holds no more than that.
func TestMemoryBound(t *testing.T) {
	const budget = 24 << 20
	big := snapshot(0, view.MaxGrid, view.MaxDots)
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	tl := New(MaxSnapshots, budget)
	for step := 0; step < 3000; step += 3 {
		big.Step = step
		big.Pixels[0] = uint8(step)
		if err := tl.Add(big); err != nil {
			t.Fatal(err)
		}
		var sum int64
		for i := 0; i < tl.Len(); i++ {
			sum += tl.At(i).Bytes()
		}
		if sum != tl.Bytes() || tl.Bytes() > budget || tl.Len() > MaxSnapshots {
			t.Fatalf("step %d: %d snapshots of %d bytes, counted %d, budget %d", step, tl.Len(), sum, tl.Bytes(), budget)
		}
	}
	per := big.Bytes()
	if want := int(budget / per); tl.Len() != want {
		t.Errorf("kept %d snapshots of %d bytes, the budget holds %d", tl.Len(), per, want)
	}
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > budget+3*per {
		t.Errorf("heap grew by %d bytes for a timeline of %d bytes", grown, tl.Bytes())
	}
	runtime.KeepAlive(tl)
	// A budget too small for even two snapshots keeps the newest.
	small := New(10, per)
	small.Add(snapshot(1, view.MaxGrid, view.MaxDots))
	small.Add(snapshot(2, view.MaxGrid, view.MaxDots))
	if small.Len() != 1 || small.At(0).Step != 2 {
		t.Errorf("a budget of one snapshot keeps steps %v", small.Steps())
	}
}

// TestAddCopiesAndValidates: Add keeps a copy, refuses invalid snapshots
// with ErrSnapshot and steps out of order with ErrStep, leaving the
// timeline as it was.
func TestAddCopiesAndValidates(t *testing.T) {
	tl := New(8, DefaultBudget)
	s := snapshot(10, 10, 50)
	if err := tl.Add(s); err != nil {
		t.Fatal(err)
	}
	s.Pixels[0]++
	s.Dots[0].Label = 7
	if got := tl.At(0); got.Pixels[0] == s.Pixels[0] || got.Dots[0].Label == 7 {
		t.Fatal("the timeline shares the caller's slices")
	}
	if tl.At(0).Dots == nil || len(tl.At(0).Dots) != 50 {
		t.Fatal("overlay points not kept")
	}
	bad := func(f func(*Snapshot)) Snapshot {
		s := snapshot(20, 10, 5)
		f(&s)
		return s
	}
	for name, c := range map[string]struct {
		s    Snapshot
		want error
	}{
		"earlier step":        {snapshot(5, 10, 0), ErrStep},
		"same step":           {snapshot(10, 10, 0), ErrStep},
		"negative step":       {bad(func(s *Snapshot) { s.Step = -1 }), ErrSnapshot},
		"NaN loss":            {bad(func(s *Snapshot) { s.KL = math.NaN() }), ErrSnapshot},
		"infinite epoch":      {bad(func(s *Snapshot) { s.Epoch = math.Inf(1) }), ErrSnapshot},
		"grid 1":              {bad(func(s *Snapshot) { s.Grid = 1 }), ErrSnapshot},
		"grid 31":             {bad(func(s *Snapshot) { s.Grid = view.MaxGrid + 1 }), ErrSnapshot},
		"pixels short":        {bad(func(s *Snapshot) { s.Pixels = s.Pixels[1:] }), ErrSnapshot},
		"label 10":            {bad(func(s *Snapshot) { s.Dots[3].Label = 10 }), ErrSnapshot},
		"NaN point":           {bad(func(s *Snapshot) { s.Dots[0].Z2 = float32(math.NaN()) }), ErrSnapshot},
		"too many points":     {bad(func(s *Snapshot) { s.Dots = make([]Dot, view.MaxDots+1) }), ErrSnapshot},
		"grid and pixels mix": {bad(func(s *Snapshot) { s.Grid = 11 }), ErrSnapshot},
	} {
		before := tl.MarshalBinary()
		if err := tl.Add(c.s); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
		if !bytes.Equal(tl.MarshalBinary(), before) {
			t.Errorf("%s: the timeline changed", name)
		}
	}
	tl.Reset()
	if tl.Len() != 0 || tl.Bytes() != 0 || !tl.Want(0) {
		t.Errorf("Reset left %d snapshots, %d bytes", tl.Len(), tl.Bytes())
	}
}

// TestSnapshotsImmutable: a snapshot taken from the timeline stays as it
// was after the timeline drops it and goes on adding (an export may still
// be reading it).
func TestSnapshotsImmutable(t *testing.T) {
	tl := New(3, DefaultBudget)
	for _, step := range []int{0, 1, 2} {
		tl.Add(snapshot(step, 10, 10))
	}
	held := tl.All()
	for step := 3; step < 40; step++ {
		tl.Add(snapshot(step, 10, 10))
	}
	if slices.Contains(tl.Steps(), 2) {
		t.Fatalf("step 2 was not dropped: %v", tl.Steps())
	}
	for _, s := range held {
		want := snapshot(s.Step, 10, 10)
		if !bytes.Equal(s.Pixels, want.Pixels) || !slices.Equal(s.Dots, want.Dots) {
			t.Errorf("snapshot of step %d changed after it was dropped", s.Step)
		}
	}
}

func TestNearest(t *testing.T) {
	tl := New(8, DefaultBudget)
	if tl.Nearest(5) != -1 {
		t.Error("Nearest on an empty timeline")
	}
	for _, s := range []int{0, 10, 30} {
		tl.Add(snapshot(s, 10, 0))
	}
	for step, want := range map[int]int{-5: 0, 0: 0, 4: 0, 5: 0, 6: 1, 19: 1, 20: 1, 21: 2, 30: 2, 1000: 2} {
		if got := tl.Nearest(step); got != want {
			t.Errorf("Nearest(%d) = %d, want %d", step, got, want)
		}
	}
}

// TestGreyLevels: round(255·v), clamped, against hand-computed levels.
func TestGreyLevels(t *testing.T) {
	got := GreyLevels(nil, []float32{0, 1, 0.5, 0.2, 1.0 / 255, 0.49 / 255, -3, 7, float32(math.NaN()), float32(math.Inf(-1))})
	want := []uint8{0, 255, 128, 51, 1, 0, 0, 255, 0, 0}
	if !slices.Equal(got, want) {
		t.Errorf("GreyLevels = %v, want %v", got, want)
	}
}

// TestMarshalRoundTrip: a timeline with mixed grids and overlays survives
// MarshalBinary and Parse exactly, limits included.
func TestMarshalRoundTrip(t *testing.T) {
	tl := New(5, 4<<20)
	for i, step := range []int{0, 3, 9, 40, 41, 100, 250} {
		if err := tl.Add(snapshot(step, 10+i, (i%2)*(100+i))); err != nil {
			t.Fatal(err)
		}
	}
	data := tl.MarshalBinary()
	got, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := got.Limits(); a != 5 || b != 4<<20 {
		t.Errorf("limits %d, %d", a, b)
	}
	if got.Len() != tl.Len() || got.Bytes() != tl.Bytes() {
		t.Fatalf("%d snapshots of %d bytes, want %d of %d", got.Len(), got.Bytes(), tl.Len(), tl.Bytes())
	}
	for i := 0; i < tl.Len(); i++ {
		a, b := tl.At(i), got.At(i)
		if a.Step != b.Step || a.Epoch != b.Epoch || a.NegELBO != b.NegELBO || a.Recon != b.Recon || a.KL != b.KL ||
			a.Grid != b.Grid || !bytes.Equal(a.Pixels, b.Pixels) || !slices.Equal(a.Dots, b.Dots) || (a.Dots == nil) != (b.Dots == nil) {
			t.Errorf("snapshot %d differs after the round trip", i)
		}
	}
	if !bytes.Equal(got.MarshalBinary(), data) {
		t.Error("re-marshalled file differs")
	}
	// The parsed timeline goes on thinning like the original.
	if err := got.Add(snapshot(300, 10, 0)); err != nil || got.Len() != 5 {
		t.Errorf("Add after Parse: %v, %d snapshots", err, got.Len())
	}
}

// withChecksum recomputes the trailing CRC-32C after an edit.
func withChecksum(b []byte) []byte {
	b = bytes.Clone(b)
	binary.LittleEndian.PutUint32(b[len(b)-4:], crc32.Checksum(b[:len(b)-4], crc32.MakeTable(crc32.Castagnoli)))
	return b
}

// TestParseCorrupt: truncations, bit flips and edited fields each give
// their error, never a panic or a timeline.
func TestParseCorrupt(t *testing.T) {
	tl := New(8, DefaultBudget)
	tl.Add(snapshot(0, 10, 20))
	tl.Add(snapshot(5, 10, 0))
	good := tl.MarshalBinary()
	for n := 0; n < len(good); n += 1 + n/16 {
		if got, err := Parse(good[:n]); err == nil || got != nil {
			t.Fatalf("%d of %d bytes accepted", n, len(good))
		}
	}
	flip := bytes.Clone(good)
	flip[100] ^= 1
	set := func(off int, v uint32) []byte {
		b := bytes.Clone(good)
		binary.LittleEndian.PutUint32(b[off:], v)
		return withChecksum(b)
	}
	second := 28 + snapshotHead + 10*10*784 + 4 + 20*dotBytes // the second snapshot's offset
	for name, c := range map[string]struct {
		data []byte
		want error
	}{
		"empty":             {nil, ErrTruncated},
		"other magic":       {[]byte("GOVAEWT\n\x01\x00\x00\x00"), ErrFormat},
		"version 2":         {set(8, 2), ErrFormat},
		"bit flip":          {flip, ErrChecksum},
		"max 65":            {set(12, 65), ErrCorrupt},
		"count 9 of 8":      {set(24, 9), ErrCorrupt},
		"count 3 of 2":      {set(24, 3), ErrTruncated},
		"count 1 of 2":      {set(24, 1), ErrCorrupt},
		"second step 0":     {set(second, 0), ErrCorrupt},
		"NaN loss":          {withChecksum(slices.Concat(good[:second+8+8], []byte{0, 0, 0, 0, 0, 0, 0xf8, 0x7f}, good[second+24:])), ErrSnapshot},
		"grid 99":           {withChecksum(slices.Concat(good[:28+40], []byte{99, 0}, good[28+42:])), ErrCorrupt},
		"4 billion points":  {set(28+snapshotHead+10*10*784, 4e9), ErrCorrupt},
		"label 12":          {withChecksum(slices.Concat(good[:28+snapshotHead+10*10*784+4+8], []byte{12}, good[28+snapshotHead+10*10*784+4+9:])), ErrSnapshot},
		"trailing bytes":    {withChecksum(slices.Concat(good[:len(good)-4], []byte{0, 0, 0, 0, 0, 0, 0, 0})), ErrCorrupt},
		"budget over limit": {withChecksum(slices.Concat(good[:16], binary.LittleEndian.AppendUint64(nil, MaxBudget+1), good[24:])), ErrCorrupt},
		"over its budget":   {withChecksum(slices.Concat(good[:16], binary.LittleEndian.AppendUint64(nil, 100000), good[24:])), ErrCorrupt},
	} {
		got, err := Parse(c.data)
		if got != nil || !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
}
