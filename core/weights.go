package core

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
)

// The weights file format, version 1. All integers and floats are little-endian.
//
//	offset  size  field
//	0       8     magic "GOVAEWT\n"
//	8       4     version (uint32) = 1
//	12      4     architecture header length H (uint32)
//	16      H     architecture: input u32, latent u32, activation u8,
//	              batchnorm u8, dropout f32, encoder count u8 then that many
//	              widths u32, decoder count u8 then that many widths u32,
//	              then the likelihood the model was trained with: kind u8,
//	              fixed Gaussian σ f32
//	16+H    4     tensor count T (uint32)
//	...           T tensors: name length u16, name (UTF-8), rank u8,
//	              rank dims u32, then prod(dims) float32 values
//	end−4   4     CRC-32C (Castagnoli) of every byte before it
//
// The tensors are the model's Params in order; their names and shapes must
// match what the architecture builds, and every value must be finite.
const (
	weightsMagic   = "GOVAEWT\n"
	weightsVersion = 1
	// MaxWeightsFileSize bounds what a loader reads, so a huge upload is
	// refused before it is buffered.
	MaxWeightsFileSize = 64 << 20
)

// Errors returned by the weights loader; each is wrapped with details.
var (
	ErrBadMagic     = errors.New("core: not a govae weights file (bad magic)")
	ErrVersion      = errors.New("core: unsupported weights file version")
	ErrArchitecture = errors.New("core: architecture mismatch")
	ErrTruncated    = errors.New("core: weights file truncated")
	ErrChecksum     = errors.New("core: weights file checksum mismatch")
	ErrCorrupt      = errors.New("core: weights file corrupt")
	ErrTooLarge     = errors.New("core: weights file too large")
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// WriteTo writes the model's architecture and all tensors in the weights
// file format.
func (m *Model) WriteTo(w io.Writer) (int64, error) {
	b := m.MarshalBinary()
	n, err := w.Write(b)
	return int64(n), err
}

// MarshalBinary returns the model in the weights file format.
func (m *Model) MarshalBinary() []byte {
	var buf bytes.Buffer
	buf.Grow(4*(len(m.store.values)+len(m.store.state)) + 64*len(m.store.params) + 256)
	le := binary.LittleEndian
	buf.WriteString(weightsMagic)
	buf.Write(le.AppendUint32(nil, weightsVersion))
	head := encodeHeader(m.Arch, m.Likelihood)
	buf.Write(le.AppendUint32(nil, uint32(len(head))))
	buf.Write(head)
	params := m.Params()
	buf.Write(le.AppendUint32(nil, uint32(len(params))))
	for _, p := range params {
		writeTensorHead(&buf, p)
		writeFloat32s(&buf, p.Value)
	}
	buf.Write(le.AppendUint32(nil, crc32.Checksum(buf.Bytes(), castagnoli)))
	return buf.Bytes()
}

// writeFloat32s writes v little-endian, straight into buf's spare capacity
// (one value at a time through buf.Write costs ten times as much).
func writeFloat32s(buf *bytes.Buffer, v []float32) {
	buf.Grow(4 * len(v))
	b := buf.AvailableBuffer()
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	buf.Write(b)
}

// writeTensorHead writes a tensor's name and shape.
func writeTensorHead(buf *bytes.Buffer, p Param) {
	le := binary.LittleEndian
	buf.Write(le.AppendUint16(nil, uint16(len(p.Name))))
	buf.WriteString(p.Name)
	buf.WriteByte(byte(len(p.Shape)))
	for _, d := range p.Shape {
		buf.Write(le.AppendUint32(nil, uint32(d)))
	}
}

// readTensorHead reads a tensor's name and shape and checks them against p.
func (d *decoder) readTensorHead(p Param) error {
	name := string(d.bytes(int(d.u16())))
	rank := int(d.u8())
	shape := make([]int, 0, 4)
	for i := 0; i < rank && d.err == nil; i++ {
		shape = append(shape, int(d.u32()))
	}
	if d.err != nil {
		return d.err
	}
	if name != p.Name || !intsEqual(shape, p.Shape) {
		return fmt.Errorf("%w: tensor %q %v where the architecture wants %q %v", ErrCorrupt, name, shape, p.Name, p.Shape)
	}
	return nil
}

// readPrologue reads what the weights and preview files start with: the
// magic, the version and the architecture header.
func (d *decoder) readPrologue(magic string, version uint32, extra func()) (Architecture, Likelihood, error) {
	var a Architecture
	var lik Likelihood
	data := d.data
	if err := d.readMagic(magic, version, ErrBadMagic, ErrVersion); err != nil {
		return a, lik, err
	}
	if extra != nil {
		extra()
	}
	headLen := d.u32()
	if d.err == nil && int64(headLen) > int64(len(data)) {
		return a, lik, fmt.Errorf("%w: architecture header claims %d bytes, the file has %d", ErrTruncated, headLen, len(data))
	}
	head := &decoder{data: d.bytes(int(headLen))}
	if d.err != nil {
		return a, lik, d.err
	}
	return decodeHeader(head)
}

// readMagic reads a file's magic and version, reporting a proper prefix of
// the magic (even empty) as d's truncation, another start as badMagic and
// another version as badVersion.
func (d *decoder) readMagic(magic string, version uint32, badMagic, badVersion error) error {
	data := d.data
	got := d.bytes(len(magic))
	if d.err != nil && bytes.HasPrefix([]byte(magic), data) {
		return fmt.Errorf("%w: %d bytes, shorter than the magic %q", d.truncation(), len(data), magic)
	}
	if d.err != nil || string(got) != magic {
		return fmt.Errorf("%w: the file starts with %q, want %q", badMagic, clip(data, 8), magic)
	}
	if v := d.u32(); d.err == nil && v != version {
		return fmt.Errorf("%w: version %d, this build reads version %d", badVersion, v, version)
	}
	return nil
}

// readEnd reads the trailing checksum and checks it and the file's length.
func (d *decoder) readEnd() error { return d.readEndAs(ErrCorrupt, ErrChecksum) }

// readEndAs is readEnd for a format whose errors are corrupt (bytes after
// the checksum) and checksum (a mismatch).
func (d *decoder) readEndAs(corrupt, checksum error) error {
	sum := d.u32()
	if d.err != nil {
		return d.err
	}
	if d.off != len(d.data) {
		return fmt.Errorf("%w: %d unexpected bytes after the checksum", corrupt, len(d.data)-d.off)
	}
	if want := crc32.Checksum(d.data[:len(d.data)-4], castagnoli); sum != want {
		return fmt.Errorf("%w: stored %08x, computed %08x", checksum, sum, want)
	}
	return nil
}

func encodeHeader(a Architecture, lik Likelihood) []byte {
	le := binary.LittleEndian
	b := le.AppendUint32(nil, uint32(a.Input))
	b = le.AppendUint32(b, uint32(a.Latent))
	b = append(b, byte(a.Activation), boolByte(a.BatchNorm))
	b = le.AppendUint32(b, math.Float32bits(a.Dropout))
	for _, widths := range [][]int{a.Encoder, a.Decoder} {
		b = append(b, byte(len(widths)))
		for _, w := range widths {
			b = le.AppendUint32(b, uint32(w))
		}
	}
	b = append(b, byte(lik.Kind))
	return le.AppendUint32(b, math.Float32bits(float32(lik.Sigma)))
}

func boolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}

// ReadModel reads a weights file and returns the model it describes. Every
// problem is reported as an error wrapping one of the Err values; it never
// panics on malformed input.
func ReadModel(r io.Reader) (*Model, error) {
	data, err := readAtMost(r, MaxWeightsFileSize, "weights")
	if err != nil {
		return nil, err
	}
	return ParseModel(data)
}

// readAtMost reads r to its end but no further than limit+1 bytes, so that
// the parser can refuse a file over its limit without buffering it whole.
func readAtMost(r io.Reader, limit int64, what string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("core: reading %s: %w", what, err)
	}
	return data, nil
}

// ParseModel is ReadModel on bytes already in memory.
func ParseModel(data []byte) (*Model, error) {
	if len(data) > MaxWeightsFileSize {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, MaxWeightsFileSize)
	}
	d := &decoder{data: data}
	arch, lik, err := d.readPrologue(weightsMagic, weightsVersion, nil)
	if err != nil {
		return nil, err
	}
	// Refuse before allocating: the tensors cannot fit in what is left.
	if need := 4 * int64(arch.paramCount()); need > int64(len(data)-d.off) {
		return nil, fmt.Errorf("%w: the architecture %s needs at least %d bytes of tensors, the file has %d bytes left",
			ErrTruncated, arch, need, len(data)-d.off)
	}
	m, err := New(arch, 0)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	m.Likelihood = lik
	params := m.Params()
	if t := d.u32(); d.err == nil && int(t) != len(params) {
		return nil, fmt.Errorf("%w: %d tensors, the architecture %s has %d", ErrCorrupt, t, arch, len(params))
	}
	for _, p := range params {
		if err := d.readTensorHead(p); err != nil {
			return nil, err
		}
		if d.float32s(p.Value); d.err != nil {
			return nil, d.err
		}
	}
	if err := d.readEnd(); err != nil {
		return nil, err
	}
	// A file written from a diverged model is intact but useless.
	for _, p := range params {
		if i := firstNonFinite(p.Value); i >= 0 {
			return nil, fmt.Errorf("%w: tensor %q holds %v at index %d", ErrNonFinite, p.Name, p.Value[i], i)
		}
	}
	return m, nil
}

// LoadWeights replaces m's parameters (and its Likelihood) with those in
// the weights file r. The file's architecture must equal m's; on any error m
// is left unchanged.
func (m *Model) LoadWeights(r io.Reader) error {
	loaded, err := ReadModel(r)
	if err != nil {
		return err
	}
	return m.CopyFrom(loaded)
}

func decodeHeader(d *decoder) (Architecture, Likelihood, error) {
	var a Architecture
	var lik Likelihood
	a.Input = int(d.u32())
	a.Latent = int(d.u32())
	a.Activation = Activation(d.u8())
	a.BatchNorm = d.u8() != 0
	a.Dropout = math.Float32frombits(d.u32())
	for _, widths := range []*[]int{&a.Encoder, &a.Decoder} {
		n := int(d.u8())
		if n > MaxHiddenLayer {
			return a, lik, fmt.Errorf("%w: %d hidden layers (at most %d)", ErrCorrupt, n, MaxHiddenLayer)
		}
		*widths = []int{}
		for i := 0; i < n && d.err == nil; i++ {
			*widths = append(*widths, int(d.u32()))
		}
	}
	lik.Kind = LikelihoodKind(d.u8())
	lik.Sigma = float64(math.Float32frombits(d.u32()))
	if d.err != nil {
		return a, lik, fmt.Errorf("%w: architecture header too short", ErrCorrupt)
	}
	if d.off != len(d.data) {
		return a, lik, fmt.Errorf("%w: %d unexpected bytes in the architecture header", ErrCorrupt, len(d.data)-d.off)
	}
	if err := a.Validate(); err != nil {
		return a, lik, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if err := lik.Validate(); err != nil {
		return a, lik, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return a, lik, nil
}

// decoder reads little-endian values and remembers the first overrun.
type decoder struct {
	data []byte
	off  int
	err  error
	// truncated is the error an overrun wraps: ErrTruncated when nil.
	truncated error
}

func (d *decoder) bytes(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || n > len(d.data)-d.off {
		d.err = fmt.Errorf("%w: needed %d more bytes at offset %d, only %d left", d.truncation(), n, d.off, len(d.data)-d.off)
		return nil
	}
	b := d.data[d.off : d.off+n]
	d.off += n
	return b
}

// float32s fills dst with the next len(dst) float32 values (dst is left
// alone on an overrun).
func (d *decoder) float32s(dst []float32) {
	raw := d.bytes(4 * len(dst))
	if raw == nil {
		return
	}
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
}

// truncation is the error an overrun wraps.
func (d *decoder) truncation() error {
	if d.truncated != nil {
		return d.truncated
	}
	return ErrTruncated
}

func (d *decoder) u8() uint8 {
	if b := d.bytes(1); b != nil {
		return b[0]
	}
	return 0
}

func (d *decoder) u16() uint16 {
	if b := d.bytes(2); b != nil {
		return binary.LittleEndian.Uint16(b)
	}
	return 0
}

func (d *decoder) u32() uint32 {
	if b := d.bytes(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func clip(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

// firstNonFinite returns the index of the first NaN or ±Inf in v, or −1.
func firstNonFinite(v []float32) int {
	for i, x := range v {
		if x-x != 0 { // NaN−NaN and Inf−Inf are NaN; finite x−x is 0.
			return i
		}
	}
	return -1
}
