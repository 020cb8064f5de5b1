package core

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The model as a safetensors file, the format Hugging Face's safetensors
// library reads (https://github.com/huggingface/safetensors, "Format"):
//
//	offset  size  field
//	0       8     N, the header's length in bytes (uint64, little-endian)
//	8       N     the header: UTF-8 JSON starting with '{', padded with spaces
//	              (0x20) to a multiple of 8 bytes
//	8+N     …     the byte buffer: every tensor's values, C order, no holes
//
// The header maps each tensor's name to {"dtype", "shape", "data_offsets":
// [begin, end]}, offsets relative to the byte buffer, and holds the
// free-form string map "__metadata__". govae writes "__metadata__" first,
// then the tensors in the order of Model.Params, each dtype "F32"
// (float32 little-endian), contiguous from offset 0.
//
// Names and shapes follow PyTorch's conventions, so that a torch module with
// the same structure loads the file with load_state_dict: a dense layer's
// weight W (in×out in govae, y = x·W + b) is stored transposed as
// "<layer>.weight" with shape [out, in], its bias as "<layer>.bias" [out];
// batch norm's γ and β as "<layer>.bn.weight" and "<layer>.bn.bias", its
// running statistics under their own names; the learned Gaussian log σ as
// "likelihood.log_sigma" [1]. For the reference architecture:
//
//	encoder.0.weight [256 784]   encoder.0.bias [256]
//	encoder.1.weight [128 256]   encoder.1.bias [128]
//	encoder.mu.weight [2 128]    encoder.mu.bias [2]
//	encoder.logvar.weight [2 128] encoder.logvar.bias [2]
//	decoder.0.weight [128 2]     decoder.0.bias [128]
//	decoder.1.weight [256 128]   decoder.1.bias [256]
//	decoder.out.weight [784 256] decoder.out.bias [784]
//	likelihood.log_sigma [1]
//
// "__metadata__" holds the architecture and the likelihood as strings
// (SafetensorsMetadata lists the keys): "format" "pt" (PyTorch layout),
// "govae" "1" (this convention's version), "architecture" (Architecture.String,
// for people), and "input", "encoder" and "decoder" (comma-separated widths,
// empty for none), "latent", "activation", "batchnorm" ("true"/"false"),
// "dropout", "likelihood" (LikelihoodKind.String) and "sigma" (the fixed
// Gaussian σ), which the reader parses.
const (
	// SafetensorsMetadataVersion is the value of the "govae" metadata key.
	SafetensorsMetadataVersion = "1"
	// safetensorsMaxHeader is the reference implementation's header limit.
	safetensorsMaxHeader = 100_000_000
	// safetensorsMaxTensors bounds the tensors a header may list; a govae
	// model has at most 6·MaxHiddenLayer·2 + 7.
	safetensorsMaxTensors = 1024
)

// Errors returned by ParseSafetensors, one per kind of defect; each is
// wrapped with details. Files larger than MaxWeightsFileSize get ErrTooLarge
// and non-finite values ErrNonFinite, as for the weights format.
var (
	ErrSafetensorsHeaderLength = errors.New("core: safetensors header length invalid")
	ErrSafetensorsHeader       = errors.New("core: safetensors header malformed")
	ErrSafetensorsDType        = errors.New("core: safetensors dtype unsupported")
	ErrSafetensorsPastEnd      = errors.New("core: safetensors data_offsets past the end of the file")
	ErrSafetensorsOverlap      = errors.New("core: safetensors tensors overlap")
	ErrSafetensorsGap          = errors.New("core: safetensors byte buffer not covered by the tensors")
	ErrSafetensorsTensorSize   = errors.New("core: safetensors data_offsets disagree with dtype and shape")
	ErrSafetensorsMetadata     = errors.New("core: safetensors __metadata__ lacks a valid govae architecture")
	ErrSafetensorsMissing      = errors.New("core: safetensors file lacks a tensor of the architecture")
	ErrSafetensorsUnexpected   = errors.New("core: safetensors file has a tensor the architecture lacks")
	ErrSafetensorsShape        = errors.New("core: safetensors tensor shape differs from the architecture")
)

// safetensorsDTypeSizes are the bytes per element of every dtype the
// format defines (sub-byte float types as 0: govae reads none of them).
var safetensorsDTypeSizes = map[string]int{
	"BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "F8_E8M0": 1,
	"I16": 2, "U16": 2, "F16": 2, "BF16": 2, "I32": 4, "U32": 4, "F32": 4,
	"F64": 8, "I64": 8, "U64": 8, "C64": 8, "F4": 0, "F6_E2M3": 0, "F6_E3M2": 0,
}

// SafetensorsName returns the safetensors name of the govae tensor name
// (see the format's description above) and whether its values are stored
// transposed (dense weights). Names it does not know are kept as they are.
func SafetensorsName(name string) (string, bool) {
	switch {
	case strings.HasSuffix(name, ".w"):
		return strings.TrimSuffix(name, ".w") + ".weight", true
	case strings.HasSuffix(name, ".b"):
		return strings.TrimSuffix(name, ".b") + ".bias", false
	case strings.HasSuffix(name, ".bn.gamma"):
		return strings.TrimSuffix(name, ".gamma") + ".weight", false
	case strings.HasSuffix(name, ".bn.beta"):
		return strings.TrimSuffix(name, ".beta") + ".bias", false
	}
	return name, false
}

// safetensorsShape is p's shape as stored: [out, in] for a transposed weight.
func safetensorsShape(p Param, transposed bool) []int {
	if transposed {
		return []int{p.Shape[1], p.Shape[0]}
	}
	return p.Shape
}

// SafetensorsMetadata returns the "__metadata__" strings that describe m.
func (m *Model) SafetensorsMetadata() map[string]string {
	a := m.Arch
	widths := func(ws []int) string {
		s := make([]string, len(ws))
		for i, w := range ws {
			s[i] = strconv.Itoa(w)
		}
		return strings.Join(s, ",")
	}
	return map[string]string{
		"format":       "pt",
		"govae":        SafetensorsMetadataVersion,
		"architecture": a.String(),
		"input":        strconv.Itoa(a.Input),
		"encoder":      widths(a.Encoder),
		"decoder":      widths(a.Decoder),
		"latent":       strconv.Itoa(a.Latent),
		"activation":   a.Activation.String(),
		"batchnorm":    strconv.FormatBool(a.BatchNorm),
		"dropout":      strconv.FormatFloat(float64(a.Dropout), 'g', -1, 32),
		"likelihood":   m.Likelihood.Kind.String(),
		// The weights format stores σ as float32; so does this, so that
		// converting between the two is exact in both directions.
		"sigma": strconv.FormatFloat(float64(float32(m.Likelihood.Sigma)), 'g', -1, 32),
	}
}

// MarshalSafetensors returns m as a safetensors file (the layout is
// described above): 8-byte header length, JSON header, float32 tensors.
func (m *Model) MarshalSafetensors() []byte {
	var head bytes.Buffer
	head.WriteString(`{"__metadata__":{`)
	meta := m.SafetensorsMetadata()
	keys := make([]string, 0, len(meta))
	for k := range meta {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for i, k := range keys {
		if i > 0 {
			head.WriteByte(',')
		}
		writeJSONString(&head, k)
		head.WriteByte(':')
		writeJSONString(&head, meta[k])
	}
	head.WriteByte('}')
	offset := 0
	params := m.Params()
	for _, p := range params {
		name, transposed := SafetensorsName(p.Name)
		head.WriteByte(',')
		writeJSONString(&head, name)
		head.WriteString(`:{"dtype":"F32","shape":[`)
		for i, d := range safetensorsShape(p, transposed) {
			if i > 0 {
				head.WriteByte(',')
			}
			head.WriteString(strconv.Itoa(d))
		}
		end := offset + 4*len(p.Value)
		fmt.Fprintf(&head, `],"data_offsets":[%d,%d]}`, offset, end)
		offset = end
	}
	head.WriteByte('}')
	for head.Len()%8 != 0 {
		head.WriteByte(' ')
	}

	out := make([]byte, 0, 8+head.Len()+offset)
	out = binary.LittleEndian.AppendUint64(out, uint64(head.Len()))
	out = append(out, head.Bytes()...)
	for _, p := range params {
		_, transposed := SafetensorsName(p.Name)
		if !transposed {
			for _, v := range p.Value {
				out = binary.LittleEndian.AppendUint32(out, math.Float32bits(v))
			}
			continue
		}
		rows, cols := p.Shape[0], p.Shape[1] // govae's in×out
		for c := 0; c < cols; c++ {
			for r := 0; r < rows; r++ {
				out = binary.LittleEndian.AppendUint32(out, math.Float32bits(p.Value[r*cols+c]))
			}
		}
	}
	return out
}

// WriteSafetensors writes m as a safetensors file (MarshalSafetensors).
func (m *Model) WriteSafetensors(w io.Writer) (int64, error) {
	n, err := w.Write(m.MarshalSafetensors())
	return int64(n), err
}

// writeJSONString writes s as a JSON string.
func writeJSONString(buf *bytes.Buffer, s string) {
	b, _ := json.Marshal(s) // a string always marshals
	buf.Write(b)
}

// stTensor is one tensor entry of a safetensors header.
type stTensor struct {
	name       string
	dtype      string
	shape      []uint64
	begin, end uint64
}

// stFile is a parsed and validated safetensors file: its tensors in header
// order, its metadata and its byte buffer.
type stFile struct {
	tensors []stTensor
	meta    map[string]string
	buf     []byte
}

// parseSafetensorsFile checks data against the safetensors format alone:
// header length, JSON, dtypes the format defines, data_offsets within the
// buffer, matching their shapes, neither overlapping nor leaving holes.
func parseSafetensorsFile(data []byte) (*stFile, error) {
	if len(data) < 8 {
		return nil, fmt.Errorf("%w: the file has %d bytes, fewer than the 8 of the header length", ErrSafetensorsHeaderLength, len(data))
	}
	n := binary.LittleEndian.Uint64(data)
	if n < 2 || n > safetensorsMaxHeader || n > uint64(len(data)-8) {
		return nil, fmt.Errorf("%w: the header length says %d bytes; the file has %d after it (and the limit is %d)",
			ErrSafetensorsHeaderLength, n, len(data)-8, safetensorsMaxHeader)
	}
	head := data[8 : 8+n]
	f := &stFile{buf: data[8+n:]}
	if head[0] != '{' {
		return nil, fmt.Errorf("%w: the header starts with %q, not '{'", ErrSafetensorsHeader, clip(head, 8))
	}
	if !utf8.Valid(head) {
		return nil, fmt.Errorf("%w: the header is not valid UTF-8", ErrSafetensorsHeader)
	}
	if err := f.parseHeader(head); err != nil {
		return nil, err
	}
	if err := f.checkLayout(); err != nil {
		return nil, err
	}
	return f, nil
}

// parseHeader reads the header's JSON object key by key, so that duplicate
// keys (which the format forbids) are caught.
func (f *stFile) parseHeader(head []byte) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrSafetensorsHeader}, args...)...)
	}
	dec := json.NewDecoder(bytes.NewReader(head))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil { // '{', checked above
		return bad("%v", err)
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return bad("%v", err)
		}
		key, ok := tok.(string)
		if !ok {
			return bad("key %v is not a string", tok)
		}
		if seen[key] {
			return bad("key %q appears twice", key)
		}
		seen[key] = true
		if key == "__metadata__" {
			if err := dec.Decode(&f.meta); err != nil || f.meta == nil {
				return bad("__metadata__ is not an object of strings: %v", err)
			}
			continue
		}
		if len(f.tensors) == safetensorsMaxTensors {
			return bad("more than %d tensors", safetensorsMaxTensors)
		}
		var info struct {
			DType       *string   `json:"dtype"`
			Shape       *[]uint64 `json:"shape"`
			DataOffsets *[]uint64 `json:"data_offsets"`
		}
		if err := dec.Decode(&info); err != nil {
			return bad("tensor %q: %v", key, err)
		}
		if info.DType == nil || info.Shape == nil || info.DataOffsets == nil {
			return bad("tensor %q lacks dtype, shape or data_offsets", key)
		}
		if len(*info.DataOffsets) != 2 {
			return bad("tensor %q has %d data_offsets, want [begin, end]", key, len(*info.DataOffsets))
		}
		f.tensors = append(f.tensors, stTensor{name: key, dtype: *info.DType, shape: *info.Shape,
			begin: (*info.DataOffsets)[0], end: (*info.DataOffsets)[1]})
	}
	if _, err := dec.Token(); err != nil { // '}'
		return bad("%v", err)
	}
	// Only the padding may follow the object.
	if rest := head[dec.InputOffset():]; len(bytes.Trim(rest, " \t\r\n")) != 0 {
		return bad("%d bytes after the JSON object", len(rest))
	}
	return nil
}

// checkLayout checks each tensor's dtype (one the format defines) and
// data_offsets, and that together they cover the byte buffer exactly once.
func (f *stFile) checkLayout() error {
	size := uint64(len(f.buf))
	for _, t := range f.tensors {
		elem, known := safetensorsDTypeSizes[t.dtype]
		if !known {
			return fmt.Errorf("%w: tensor %q has dtype %q, which the format does not define", ErrSafetensorsDType, t.name, t.dtype)
		}
		if elem == 0 {
			return fmt.Errorf("%w: tensor %q is %s, packed below a byte per value", ErrSafetensorsDType, t.name, t.dtype)
		}
		if t.begin > size || t.end > size {
			return fmt.Errorf("%w: tensor %q at bytes [%d, %d) of a %d-byte buffer", ErrSafetensorsPastEnd, t.name, t.begin, t.end, size)
		}
		count := uint64(1)
		for _, d := range t.shape {
			if d != 0 && count > size/d {
				return fmt.Errorf("%w: tensor %q has shape %v, larger than the file", ErrSafetensorsTensorSize, t.name, t.shape)
			}
			count *= d
		}
		if t.end < t.begin || t.end-t.begin != count*uint64(elem) {
			return fmt.Errorf("%w: tensor %q spans bytes [%d, %d), its shape %v of %s needs %d",
				ErrSafetensorsTensorSize, t.name, t.begin, t.end, t.shape, t.dtype, count*uint64(elem))
		}
	}
	order := slices.Clone(f.tensors)
	slices.SortStableFunc(order, func(a, b stTensor) int {
		if a.begin != b.begin {
			return cmpUint64(a.begin, b.begin)
		}
		return cmpUint64(a.end, b.end)
	})
	var at uint64
	for i, t := range order {
		if t.begin < at {
			return fmt.Errorf("%w: tensor %q at bytes [%d, %d) overlaps %q, which ends at %d",
				ErrSafetensorsOverlap, t.name, t.begin, t.end, order[i-1].name, at)
		}
		if t.begin > at {
			return fmt.Errorf("%w: bytes [%d, %d) belong to no tensor", ErrSafetensorsGap, at, t.begin)
		}
		at = t.end
	}
	if at != size {
		return fmt.Errorf("%w: bytes [%d, %d) at the end belong to no tensor", ErrSafetensorsGap, at, size)
	}
	return nil
}

func cmpUint64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// architecture reads the model's architecture and likelihood from the
// metadata written by SafetensorsMetadata.
func (f *stFile) architecture() (Architecture, Likelihood, error) {
	var a Architecture
	var lik Likelihood
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrSafetensorsMetadata}, args...)...)
	}
	if f.meta == nil {
		return a, lik, bad("the header has no __metadata__ (not written by govae?)")
	}
	get := func(key string) (string, error) {
		v, ok := f.meta[key]
		if !ok {
			return "", bad("no %q key", key)
		}
		return v, nil
	}
	if v, err := get("govae"); err != nil {
		return a, lik, err
	} else if v != SafetensorsMetadataVersion {
		return a, lik, bad("govae metadata version %q, this build reads %q", v, SafetensorsMetadataVersion)
	}
	integer := func(key string) (int, error) {
		s, err := get(key)
		if err != nil {
			return 0, err
		}
		v, err := strconv.Atoi(s)
		if err != nil || v < 0 || v > MaxLayerWidth {
			return 0, bad("%s %q is not a size in [0, %d]", key, s, MaxLayerWidth)
		}
		return v, nil
	}
	widths := func(key string) ([]int, error) {
		s, err := get(key)
		if err != nil || s == "" {
			return []int{}, err
		}
		parts := strings.Split(s, ",")
		if len(parts) > MaxHiddenLayer {
			return nil, bad("%s lists %d layers (at most %d)", key, len(parts), MaxHiddenLayer)
		}
		ws := make([]int, len(parts))
		for i, p := range parts {
			if ws[i], err = strconv.Atoi(p); err != nil {
				return nil, bad("%s %q: %q is not a width", key, s, p)
			}
		}
		return ws, nil
	}
	number := func(key string) (float32, error) {
		s, err := get(key)
		if err != nil {
			return 0, err
		}
		v, err := strconv.ParseFloat(s, 32)
		if err != nil {
			return 0, bad("%s %q is not a number", key, s)
		}
		return float32(v), nil
	}
	var err error
	if a.Input, err = integer("input"); err != nil {
		return a, lik, err
	}
	if a.Latent, err = integer("latent"); err != nil {
		return a, lik, err
	}
	if a.Encoder, err = widths("encoder"); err != nil {
		return a, lik, err
	}
	if a.Decoder, err = widths("decoder"); err != nil {
		return a, lik, err
	}
	s, err := get("activation")
	if err != nil {
		return a, lik, err
	}
	if a.Activation, err = ParseActivation(s); err != nil {
		return a, lik, bad("%v", err)
	}
	if s, err = get("batchnorm"); err != nil {
		return a, lik, err
	}
	if a.BatchNorm, err = strconv.ParseBool(s); err != nil {
		return a, lik, bad("batchnorm %q is not true or false", s)
	}
	if a.Dropout, err = number("dropout"); err != nil {
		return a, lik, err
	}
	if s, err = get("likelihood"); err != nil {
		return a, lik, err
	}
	if lik.Kind, err = ParseLikelihood(s); err != nil {
		return a, lik, bad("%v", err)
	}
	sigma, err := number("sigma")
	if err != nil {
		return a, lik, err
	}
	lik.Sigma = float64(sigma)
	if err := a.Validate(); err != nil {
		return a, lik, bad("%v", err)
	}
	if err := lik.Validate(); err != nil {
		return a, lik, bad("%v", err)
	}
	return a, lik, nil
}

// ReadSafetensors reads a safetensors file written by govae (or any file
// with the same tensors and metadata) and returns the model it describes.
// It reads at most MaxWeightsFileSize+1 bytes; see ParseSafetensors.
func ReadSafetensors(r io.Reader) (*Model, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxWeightsFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("core: reading safetensors: %w", err)
	}
	return ParseSafetensors(data)
}

// ParseSafetensors is ReadSafetensors on bytes already in memory. Every
// problem is an error wrapping one of the ErrSafetensors values (or
// ErrTooLarge, ErrNonFinite); it never panics. The model is built only when
// the architecture's tensors are at most twice the file's byte buffer, so
// what a file makes it allocate is bounded by its size.
func ParseSafetensors(data []byte) (*Model, error) {
	if len(data) > MaxWeightsFileSize {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, MaxWeightsFileSize)
	}
	f, err := parseSafetensorsFile(data)
	if err != nil {
		return nil, err
	}
	for _, t := range f.tensors {
		if t.dtype != "F32" {
			return nil, fmt.Errorf("%w: tensor %q is %s; govae reads F32", ErrSafetensorsDType, t.name, t.dtype)
		}
	}
	arch, lik, err := f.architecture()
	if err != nil {
		return nil, err
	}
	// Build the model only when its tensors are within twice the file's
	// (a few missing or smaller tensors are then named one by one below):
	// a tiny file claiming a huge network allocates nothing large.
	if need := 4 * int64(arch.paramCount()); need > 2*int64(len(f.buf))+4096 {
		return nil, fmt.Errorf("%w: the architecture %s needs %d bytes of float32 tensors, the file's tensors hold %d",
			ErrSafetensorsShape, arch, need, len(f.buf))
	}
	m, err := New(arch, 0)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSafetensorsMetadata, err)
	}
	m.Likelihood = lik
	byName := make(map[string]*stTensor, len(f.tensors))
	for i := range f.tensors {
		byName[f.tensors[i].name] = &f.tensors[i]
	}
	for _, p := range m.Params() {
		name, transposed := SafetensorsName(p.Name)
		t, ok := byName[name]
		if !ok {
			return nil, fmt.Errorf("%w: no tensor %q", ErrSafetensorsMissing, name)
		}
		delete(byName, name)
		want := safetensorsShape(p, transposed)
		if len(t.shape) != len(want) || !slices.EqualFunc(t.shape, want, func(a uint64, b int) bool { return a == uint64(b) }) {
			return nil, fmt.Errorf("%w: tensor %q has shape %v, the architecture %s wants %v", ErrSafetensorsShape, name, t.shape, arch, want)
		}
		raw := f.buf[t.begin:t.end]
		if !transposed {
			for i := range p.Value {
				p.Value[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
			}
		} else {
			rows, cols := p.Shape[0], p.Shape[1]
			for c := 0; c < cols; c++ {
				for r := 0; r < rows; r++ {
					p.Value[r*cols+c] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*(c*rows+r):]))
				}
			}
		}
		if i := firstNonFinite(p.Value); i >= 0 {
			return nil, fmt.Errorf("%w: tensor %q holds %v at index %d", ErrNonFinite, name, p.Value[i], i)
		}
	}
	for _, t := range f.tensors { // in header order, for a stable message
		if _, left := byName[t.name]; left {
			return nil, fmt.Errorf("%w: %q %v (architecture %s)", ErrSafetensorsUnexpected, t.name, t.shape, arch)
		}
	}
	return m, nil
}

// ParseWeightsFile reads either weights format, told apart by content: a
// file whose ninth byte opens a JSON object ('{') as safetensors, anything
// else as a govae weights file. Errors are those of ParseSafetensors or
// ParseModel.
func ParseWeightsFile(data []byte) (*Model, error) {
	if IsSafetensors(data) {
		return ParseSafetensors(data)
	}
	return ParseModel(data)
}

// IsSafetensors reports whether data looks like a safetensors file: its
// header, after the 8-byte length, starts with '{'. (A govae weights file
// starts with "GOVAEWT\n", whose ninth byte is its version.)
func IsSafetensors(data []byte) bool { return len(data) > 8 && data[8] == '{' }
