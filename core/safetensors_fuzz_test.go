package core

import (
	"bytes"
	"testing"
)

// FuzzParseSafetensors feeds arbitrary bytes to the safetensors reader: it
// must never panic, and a model it accepts must survive writing and reading
// again unchanged (the reader's result is a fixed point of the writer).
func FuzzParseSafetensors(f *testing.F) {
	m, err := New(tinyArchitecture(), 3)
	if err != nil {
		f.Fatal(err)
	}
	good := m.MarshalSafetensors()
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add(good[:8])
	bn := tinyArchitecture()
	bn.BatchNorm, bn.Dropout = true, 0.25
	if mb, err := New(bn, 4); err == nil {
		f.Add(mb.MarshalSafetensors())
	}
	f.Add(stRaw(`{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}`, make([]byte, 16)))
	f.Fuzz(func(t *testing.T, data []byte) {
		model, err := ParseSafetensors(data)
		if err != nil {
			if model != nil {
				t.Fatal("a model returned together with an error")
			}
			return
		}
		again, err := ParseSafetensors(model.MarshalSafetensors())
		if err != nil {
			t.Fatalf("the file written from an accepted model is refused: %v", err)
		}
		if !bytes.Equal(again.MarshalBinary(), model.MarshalBinary()) {
			t.Fatal("an accepted model changes when written and read again")
		}
	})
}
