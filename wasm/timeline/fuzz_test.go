package timeline

import (
	"bytes"
	"testing"
)

// FuzzParse feeds arbitrary bytes to the timeline parser: it must never
// panic, and whatever it accepts must re-encode to the same bytes.
func FuzzParse(f *testing.F) {
	tl := New(4, 1<<20)
	for i, step := range []int{0, 2, 7} {
		s := snapshot(step, 2+i, i)
		tl.Add(s)
	}
	good := tl.MarshalBinary()
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add(New(2, 0).MarshalBinary())
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := Parse(data)
		if err != nil {
			if got != nil {
				t.Fatal("a timeline returned together with an error")
			}
			return
		}
		if again := got.MarshalBinary(); !bytes.Equal(again, data) {
			t.Fatalf("accepted %d bytes that re-encode to %d different bytes", len(data), len(again))
		}
	})
}
