package core

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestSafetensorsRoundTrip: govae → safetensors → govae is bit-exact for
// every tensor, the likelihood and the architecture, and both files are
// reproduced byte for byte by the model read back.
func TestSafetensorsRoundTrip(t *testing.T) {
	learned := func() *Model {
		m := trainedModel(t, smallArch(Tanh))
		m.Likelihood = Likelihood{Kind: GaussianLearned, Sigma: 0.375}
		return m
	}
	for _, m := range []*Model{
		trainedModel(t, DefaultArchitecture()), trainedModel(t, bnDropoutArch()),
		trainedModel(t, Architecture{Input: 3, Latent: 1, Activation: Sigmoid}), learned(),
	} {
		t.Run(m.Arch.String(), func(t *testing.T) {
			st := m.MarshalSafetensors()
			var buf bytes.Buffer
			if n, err := m.WriteSafetensors(&buf); err != nil || n != int64(len(st)) || !bytes.Equal(buf.Bytes(), st) {
				t.Fatalf("WriteSafetensors wrote %d bytes (%v), MarshalSafetensors %d", n, err, len(st))
			}
			got, err := ReadSafetensors(bytes.NewReader(st))
			if err != nil {
				t.Fatal(err)
			}
			if !got.Arch.Equal(m.Arch) || got.Likelihood != m.Likelihood {
				t.Errorf("read %s %+v, wrote %s %+v", got.Arch, got.Likelihood, m.Arch, m.Likelihood)
			}
			if !float32sBitEqual(got.Values(), m.Values()) || !float32sBitEqual(got.State(), m.State()) {
				t.Errorf("tensors differ after the round trip")
			}
			if !bytes.Equal(got.MarshalBinary(), m.MarshalBinary()) {
				t.Errorf("the govae weights file of the model read back differs")
			}
			if !bytes.Equal(got.MarshalSafetensors(), st) {
				t.Errorf("the safetensors file of the model read back differs")
			}
			// ParseWeightsFile tells the formats apart.
			for _, file := range [][]byte{st, m.MarshalBinary()} {
				if a, err := ParseWeightsFile(file); err != nil || !float32sBitEqual(a.Values(), m.Values()) {
					t.Errorf("ParseWeightsFile: %v", err)
				}
			}
		})
	}
}

// TestSafetensorsShippedWeights converts the pretrained weights both ways:
// the govae file comes back byte for byte.
func TestSafetensorsShippedWeights(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "assets", "vae.bin"))
	if err != nil {
		t.Skipf("no shipped weights: %v", err)
	}
	m, err := ParseModel(data)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseSafetensors(m.MarshalSafetensors())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(back.MarshalBinary(), data) {
		t.Fatal("assets/vae.bin → safetensors → govae differs from the file")
	}
}

// tinySTModel is a model whose every value says where it is: tensor k's
// value i is 1000·k + i, so the expected file can be written from the
// format's rules alone.
func tinySTModel(t *testing.T) *Model {
	m, err := New(tinyArchitecture(), 1)
	if err != nil {
		t.Fatal(err)
	}
	for k, p := range m.Params() {
		for i := range p.Value {
			p.Value[i] = float32(1000*k + i)
		}
	}
	return m
}

// TestSafetensorsLayout checks a govae-written file against the safetensors
// format byte for byte: the 8-byte little-endian header length, the JSON
// header (here written out by hand), its space padding to 8 bytes, and the
// byte buffer with each tensor at its data_offsets, weights in PyTorch's
// [out, in] order.
func TestSafetensorsLayout(t *testing.T) {
	m := tinySTModel(t) // 4-3-(2,2) | 2-3-4 tanh
	header := `{"__metadata__":{"activation":"tanh","architecture":"4-3-(2,2) | 2-3-4 tanh","batchnorm":"false",` +
		`"decoder":"3","dropout":"0","encoder":"3","format":"pt","govae":"1","input":"4","latent":"2",` +
		`"likelihood":"bernoulli","sigma":"0.1"},` +
		`"encoder.0.weight":{"dtype":"F32","shape":[3,4],"data_offsets":[0,48]},` +
		`"encoder.0.bias":{"dtype":"F32","shape":[3],"data_offsets":[48,60]},` +
		`"encoder.mu.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[60,84]},` +
		`"encoder.mu.bias":{"dtype":"F32","shape":[2],"data_offsets":[84,92]},` +
		`"encoder.logvar.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[92,116]},` +
		`"encoder.logvar.bias":{"dtype":"F32","shape":[2],"data_offsets":[116,124]},` +
		`"decoder.0.weight":{"dtype":"F32","shape":[3,2],"data_offsets":[124,148]},` +
		`"decoder.0.bias":{"dtype":"F32","shape":[3],"data_offsets":[148,160]},` +
		`"decoder.out.weight":{"dtype":"F32","shape":[4,3],"data_offsets":[160,208]},` +
		`"decoder.out.bias":{"dtype":"F32","shape":[4],"data_offsets":[208,224]},` +
		`"likelihood.log_sigma":{"dtype":"F32","shape":[1],"data_offsets":[224,228]}}`
	for len(header)%8 != 0 {
		header += " "
	}
	var want []byte
	want = binary.LittleEndian.AppendUint64(want, uint64(len(header)))
	want = append(want, header...)
	f32 := func(v float32) { want = binary.LittleEndian.AppendUint32(want, math.Float32bits(v)) }
	// Tensor k in Params order; a weight in×out holds 1000k + r·out + c at
	// (r, c) and is stored out×in, row c holding column c.
	weight := func(k, in, out int) {
		for c := 0; c < out; c++ {
			for r := 0; r < in; r++ {
				f32(float32(1000*k + r*out + c))
			}
		}
	}
	vector := func(k, n int) {
		for i := 0; i < n; i++ {
			f32(float32(1000*k + i))
		}
	}
	weight(0, 4, 3)
	vector(1, 3)
	weight(2, 3, 2)
	vector(3, 2)
	weight(4, 3, 2)
	vector(5, 2)
	weight(6, 2, 3)
	vector(7, 3)
	weight(8, 3, 4)
	vector(9, 4)
	vector(10, 1) // log σ
	got := m.MarshalSafetensors()
	if !bytes.Equal(got, want) {
		n := 0
		for n < min(len(got), len(want)) && got[n] == want[n] {
			n++
		}
		t.Fatalf("file differs from the format's layout at byte %d of %d (want %d bytes)\ngot  %q\nwant %q",
			n, len(got), len(want), clip(got[n:], 40), clip(want[n:], 40))
	}
	// The reference implementation's own example (its docs, an I32 tensor)
	// passes the format checks and is refused only for its dtype.
	example := []byte("<\x00\x00\x00\x00\x00\x00\x00" + `{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}` + strings.Repeat("\x00", 16))
	if _, err := parseSafetensorsFile(example); err != nil {
		t.Errorf("the reference example fails the format checks: %v", err)
	}
	if _, err := ParseSafetensors(example); !errors.Is(err, ErrSafetensorsDType) {
		t.Errorf("the reference example (I32): %v, want ErrSafetensorsDType", err)
	}
}

// TestSafetensorsDecodeLikePyTorch decodes z with the file's tensors the way
// the README's Python does (h = relu(z @ W.T + b), mean = sigmoid of the
// last layer) and compares with Model.Decode: the names, shapes and
// transposition the README documents are the ones written.
func TestSafetensorsDecodeLikePyTorch(t *testing.T) {
	m := trainedModel(t, DefaultArchitecture())
	m.Likelihood = Likelihood{Kind: Bernoulli}
	f, err := parseSafetensorsFile(m.MarshalSafetensors())
	if err != nil {
		t.Fatal(err)
	}
	tensor := func(name string) ([]float32, []uint64) {
		for _, te := range f.tensors {
			if te.name == name {
				v := make([]float32, (te.end-te.begin)/4)
				for i := range v {
					v[i] = math.Float32frombits(binary.LittleEndian.Uint32(f.buf[te.begin+4*uint64(i):]))
				}
				return v, te.shape
			}
		}
		t.Fatalf("no tensor %q", name)
		return nil, nil
	}
	linear := func(x []float64, layer string) []float64 { // x @ W.T + b, W [out, in]
		w, shape := tensor(layer + ".weight")
		b, _ := tensor(layer + ".bias")
		out, in := int(shape[0]), int(shape[1])
		y := make([]float64, out)
		for o := 0; o < out; o++ {
			s := float64(b[o])
			for i := 0; i < in; i++ {
				s += x[i] * float64(w[o*in+i])
			}
			y[o] = s
		}
		return y
	}
	relu := func(x []float64) []float64 {
		for i := range x {
			x[i] = max(x[i], 0)
		}
		return x
	}
	z := []float64{0.7, -1.3}
	h := relu(linear(relu(linear(z, "decoder.0")), "decoder.1"))
	logits := linear(h, "decoder.out")
	got := m.Decode([]float32{0.7, -1.3}, 1, m.Likelihood, nil)
	for i, l := range logits {
		if want := 1 / (1 + math.Exp(-l)); math.Abs(float64(got[i])-want) > 1e-5 {
			t.Fatalf("pixel %d: Decode %v, the file's tensors give %v", i, got[i], want)
		}
	}
}

// stParts splits a safetensors file into its header (as generic JSON) and
// byte buffer; stJoin puts them back together.
func stParts(t *testing.T, file []byte) (map[string]any, []byte) {
	t.Helper()
	n := binary.LittleEndian.Uint64(file)
	var head map[string]any
	if err := json.Unmarshal(file[8:8+n], &head); err != nil {
		t.Fatal(err)
	}
	return head, file[8+n:]
}

func stJoin(head any, buf []byte) []byte {
	h, err := json.Marshal(head)
	if err != nil {
		panic(err)
	}
	return stRaw(string(h), buf)
}

func stRaw(header string, buf []byte) []byte {
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	return append(append(out, header...), buf...)
}

var safetensorsErrors = []error{
	ErrSafetensorsHeaderLength, ErrSafetensorsHeader, ErrSafetensorsDType, ErrSafetensorsPastEnd,
	ErrSafetensorsOverlap, ErrSafetensorsGap, ErrSafetensorsTensorSize, ErrSafetensorsMetadata,
	ErrSafetensorsMissing, ErrSafetensorsUnexpected, ErrSafetensorsShape, ErrTooLarge, ErrNonFinite,
}

// TestSafetensorsCorrupt: every kind of bad file gets its own error (and no
// other of the list), never a panic, and nothing of a model.
func TestSafetensorsCorrupt(t *testing.T) {
	m := trainedModel(t, smallArch(ReLU))
	good := m.MarshalSafetensors()
	edit := func(f func(head map[string]any, buf []byte) []byte) []byte {
		head, buf := stParts(t, good)
		return f(head, bytes.Clone(buf))
	}
	tensor := func(head map[string]any, name string) map[string]any { return head[name].(map[string]any) }
	meta := func(key, value string) []byte {
		return edit(func(head map[string]any, buf []byte) []byte {
			md := head["__metadata__"].(map[string]any)
			if value == "" {
				delete(md, key)
			} else {
				md[key] = value
			}
			return stJoin(head, buf)
		})
	}
	hl := len(good) - len(good[binary.LittleEndian.Uint64(good)+8:]) - 8
	setLength := func(n uint64) []byte {
		b := bytes.Clone(good)
		binary.LittleEndian.PutUint64(b, n)
		return b
	}
	cases := []struct {
		name string
		file []byte
		want error
	}{
		{"empty", nil, ErrSafetensorsHeaderLength},
		{"5 bytes", good[:5], ErrSafetensorsHeaderLength},
		{"header length 0", setLength(0), ErrSafetensorsHeaderLength},
		{"header length past the end", setLength(uint64(len(good))), ErrSafetensorsHeaderLength},
		{"header length 2⁶⁴−1", setLength(math.MaxUint64), ErrSafetensorsHeaderLength},
		{"header length inside the JSON", setLength(uint64(hl - 20)), ErrSafetensorsHeader},
		{"cut inside the header", good[:40], ErrSafetensorsHeaderLength},
		{"header not an object", stRaw(`["a"]`, nil), ErrSafetensorsHeader},
		{"header not JSON", stRaw(`{"a":`, nil), ErrSafetensorsHeader},
		{"header not UTF-8", stRaw("{\"\xff\":1}", nil), ErrSafetensorsHeader},
		{"bytes after the object", stRaw(`{} x`, nil), ErrSafetensorsHeader},
		{"duplicate key", stRaw(`{"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[],"data_offsets":[4,8]}}`, make([]byte, 8)), ErrSafetensorsHeader},
		{"metadata not strings", edit(func(h map[string]any, b []byte) []byte {
			h["__metadata__"].(map[string]any)["latent"] = 2
			return stJoin(h, b)
		}), ErrSafetensorsHeader},
		{"three data_offsets", edit(func(h map[string]any, b []byte) []byte {
			tensor(h, "encoder.0.bias")["data_offsets"] = []any{1, 2, 3}
			return stJoin(h, b)
		}), ErrSafetensorsHeader},
		{"no dtype", edit(func(h map[string]any, b []byte) []byte {
			delete(tensor(h, "encoder.0.bias"), "dtype")
			return stJoin(h, b)
		}), ErrSafetensorsHeader},
		{"negative shape", edit(func(h map[string]any, b []byte) []byte {
			tensor(h, "encoder.0.bias")["shape"] = []any{-7}
			return stJoin(h, b)
		}), ErrSafetensorsHeader},
		{"unknown dtype", edit(func(h map[string]any, b []byte) []byte {
			tensor(h, "encoder.0.bias")["dtype"] = "F17"
			return stJoin(h, b)
		}), ErrSafetensorsDType},
		{"F16 tensors", func() []byte {
			// A valid file of F16 tensors: the format is fine, govae reads F32.
			return stRaw(`{"w":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}`, make([]byte, 4))
		}(), ErrSafetensorsDType},
		{"offsets past the end", edit(func(h map[string]any, b []byte) []byte {
			tensor(h, "likelihood.log_sigma")["data_offsets"] = []any{len(b), len(b) + 4}
			return stJoin(h, b)
		}), ErrSafetensorsPastEnd},
		{"byte buffer cut short", good[:len(good)-3], ErrSafetensorsPastEnd},
		{"overlapping tensors", edit(func(h map[string]any, b []byte) []byte {
			// decoder.out.bias moved 4 bytes back over the weight before it;
			// log σ moved back too, leaving no gap at the end.
			for _, n := range []string{"decoder.out.bias", "likelihood.log_sigma"} {
				o := tensor(h, n)["data_offsets"].([]any)
				tensor(h, n)["data_offsets"] = []any{o[0].(float64) - 4, o[1].(float64) - 4}
			}
			return stJoin(h, b[:len(b)-4])
		}), ErrSafetensorsOverlap},
		{"hole between tensors", edit(func(h map[string]any, b []byte) []byte {
			o := tensor(h, "likelihood.log_sigma")["data_offsets"].([]any)
			tensor(h, "likelihood.log_sigma")["data_offsets"] = []any{o[0].(float64) + 4, o[1].(float64) + 4}
			return stJoin(h, append(b, 0, 0, 0, 0))
		}), ErrSafetensorsGap},
		{"trailing bytes", append(bytes.Clone(good), 1, 2, 3, 4), ErrSafetensorsGap},
		{"offsets disagree with the shape", edit(func(h map[string]any, b []byte) []byte {
			tensor(h, "encoder.0.bias")["shape"] = []any{6}
			return stJoin(h, b)
		}), ErrSafetensorsTensorSize},
		{"end before begin", edit(func(h map[string]any, b []byte) []byte {
			tensor(h, "likelihood.log_sigma")["data_offsets"] = []any{len(b), len(b) - 4}
			return stJoin(h, b)
		}), ErrSafetensorsTensorSize},
		{"shape overflowing", edit(func(h map[string]any, b []byte) []byte {
			tensor(h, "likelihood.log_sigma")["shape"] = []any{uint64(1) << 40, uint64(1) << 40, uint64(1) << 40}
			return stJoin(h, b)
		}), ErrSafetensorsTensorSize},
		{"no metadata", edit(func(h map[string]any, b []byte) []byte {
			delete(h, "__metadata__")
			return stJoin(h, b)
		}), ErrSafetensorsMetadata},
		{"metadata without latent", meta("latent", ""), ErrSafetensorsMetadata},
		{"latent 0", meta("latent", "0"), ErrSafetensorsMetadata},
		{"latent 1e9", meta("latent", "1000000000"), ErrSafetensorsMetadata},
		{"unknown activation", meta("activation", "swish"), ErrSafetensorsMetadata},
		{"unknown likelihood", meta("likelihood", "poisson"), ErrSafetensorsMetadata},
		{"dropout 1.5", meta("dropout", "1.5"), ErrSafetensorsMetadata},
		{"encoder widths not numbers", meta("encoder", "7,x"), ErrSafetensorsMetadata},
		{"other govae version", meta("govae", "2"), ErrSafetensorsMetadata},
		{"shape transposed", edit(func(h map[string]any, b []byte) []byte {
			tensor(h, "encoder.0.weight")["shape"] = []any{12, 7} // govae's in×out, not [out, in]
			return stJoin(h, b)
		}), ErrSafetensorsShape},
		{"architecture of other widths", meta("decoder", "5,8"), ErrSafetensorsShape},
		{"missing tensor", edit(func(h map[string]any, b []byte) []byte {
			delete(h, "likelihood.log_sigma")
			return stJoin(h, b[:len(b)-4])
		}), ErrSafetensorsMissing},
		{"extra tensor", edit(func(h map[string]any, b []byte) []byte {
			h["extra"] = map[string]any{"dtype": "F32", "shape": []any{1}, "data_offsets": []any{len(b), len(b) + 4}}
			return stJoin(h, append(b, 0, 0, 0, 0))
		}), ErrSafetensorsUnexpected},
		{"NaN weight", edit(func(h map[string]any, b []byte) []byte {
			binary.LittleEndian.PutUint32(b[8:], math.Float32bits(float32(math.NaN())))
			return stJoin(h, b)
		}), ErrNonFinite},
		{"larger than the limit", make([]byte, MaxWeightsFileSize+1), ErrTooLarge},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseSafetensors(c.file)
			if got != nil || !errors.Is(err, c.want) {
				t.Fatalf("got %v (model %v), want %v", err, got != nil, c.want)
			}
			for _, other := range safetensorsErrors {
				if other != c.want && errors.Is(err, other) {
					t.Errorf("%v is also %v", err, other)
				}
			}
		})
	}
}

// TestSafetensorsHugeArchitecture: metadata claiming an enormous network
// over a tiny buffer is refused before anything of that size is allocated.
func TestSafetensorsHugeArchitecture(t *testing.T) {
	m := trainedModel(t, smallArch(ReLU))
	head, buf := stParts(t, m.MarshalSafetensors())
	md := head["__metadata__"].(map[string]any)
	md["input"], md["encoder"], md["decoder"] = "4000", "4000,4000", "4000"
	file := stJoin(head, buf)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := ParseSafetensors(file)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrSafetensorsShape) {
		t.Fatalf("got %v, want ErrSafetensorsShape", err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
		t.Fatalf("allocated %d bytes while rejecting a %d-byte file", n, len(file))
	}
}

// TestSafetensorsName: the name mapping of the format's description.
func TestSafetensorsName(t *testing.T) {
	for in, want := range map[string]string{
		"encoder.0.w": "encoder.0.weight T", "decoder.out.b": "decoder.out.bias",
		"encoder.1.bn.gamma": "encoder.1.bn.weight", "encoder.1.bn.beta": "encoder.1.bn.bias",
		"encoder.1.bn.running_var": "encoder.1.bn.running_var", "likelihood.log_sigma": "likelihood.log_sigma",
	} {
		name, tr := SafetensorsName(in)
		if tr {
			name += " T"
		}
		if name != want {
			t.Errorf("SafetensorsName(%q) = %q, want %q", in, name, want)
		}
	}
	// Every tensor of a batch-norm model has its own name.
	seen := map[string]bool{}
	for _, p := range trainedModel(t, bnDropoutArch()).Params() {
		n, _ := SafetensorsName(p.Name)
		if seen[n] {
			t.Errorf("two tensors named %q", n)
		}
		seen[n] = true
	}
}
