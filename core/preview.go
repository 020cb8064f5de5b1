package core

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
	"strings"
)

// A preview is a small, lossy copy of a model's decoder: enough to draw the
// latent manifold while the full weights file is still downloading. The
// decoder's weight matrices are stored as int8 with one float32 scale per
// output unit (column), everything else as float32, so a preview of the
// default architecture is about an eighth of its weights file.
//
// The preview file format, version 1. All integers and floats are little-endian.
//
//	offset  size  field
//	0       8     magic "GOVAEPV\n"
//	8       4     version (uint32) = 1
//	12      4     source: WeightsChecksum of the weights file it was made from
//	16      4     architecture header length H (uint32)
//	20      H     architecture and likelihood, as in the weights file
//	20+H    4     tensor count T (uint32)
//	...           T tensors: name length u16, name, rank u8, rank dims u32,
//	              encoding u8, then for encoding 0 prod(dims) float32 values,
//	              for encoding 1 (rank 2 only, in×out) out float32 scales and
//	              in·out int8 values row-major, value = int8 · scale of its column
//	end−4   4     CRC-32C (Castagnoli) of every byte before it
//
// The tensors are the model's Params whose names start with "decoder." or
// "likelihood.", in order.
const (
	previewMagic   = "GOVAEPV\n"
	previewVersion = 1

	encodingFloat32 = 0
	encodingInt8    = 1
)

// inPreview reports whether a parameter is part of a preview.
func inPreview(name string) bool {
	return strings.HasPrefix(name, "decoder.") || strings.HasPrefix(name, "likelihood.")
}

// WeightsChecksum returns the CRC-32C of a weights file without its last
// four bytes, i.e. the checksum an intact file stores at its end: the value
// a preview records as its source, so that a page can tell whether a preview
// and a weights file belong together. (The CRC of a whole file, checksum
// included, is the same constant for every intact file.)
func WeightsChecksum(weightsFile []byte) uint32 {
	return crc32.Checksum(weightsFile[:max(len(weightsFile)-4, 0)], castagnoli)
}

// MarshalPreview returns a preview of m's decoder in the preview file format.
// Its source is the checksum of m.MarshalBinary().
func (m *Model) MarshalPreview() []byte {
	le := binary.LittleEndian
	var buf bytes.Buffer
	buf.WriteString(previewMagic)
	buf.Write(le.AppendUint32(nil, previewVersion))
	buf.Write(le.AppendUint32(nil, WeightsChecksum(m.MarshalBinary())))
	head := encodeHeader(m.Arch, m.Likelihood)
	buf.Write(le.AppendUint32(nil, uint32(len(head))))
	buf.Write(head)
	var params []Param
	for _, p := range m.Params() {
		if inPreview(p.Name) {
			params = append(params, p)
		}
	}
	buf.Write(le.AppendUint32(nil, uint32(len(params))))
	for _, p := range params {
		writeTensorHead(&buf, p)
		if len(p.Shape) != 2 {
			buf.WriteByte(encodingFloat32)
			for _, v := range p.Value {
				buf.Write(le.AppendUint32(nil, math.Float32bits(v)))
			}
			continue
		}
		buf.WriteByte(encodingInt8)
		scales, q := quantizeColumns(p.Value, p.Shape[0], p.Shape[1])
		for _, s := range scales {
			buf.Write(le.AppendUint32(nil, math.Float32bits(s)))
		}
		for _, v := range q {
			buf.WriteByte(byte(v))
		}
	}
	buf.Write(le.AppendUint32(nil, crc32.Checksum(buf.Bytes(), castagnoli)))
	return buf.Bytes()
}

// quantizeColumns quantizes the rows×cols row-major matrix w to int8 with one
// scale per column, max|column| / 127, so that every value is within half a
// scale of its original and the largest of each column is exact up to
// float32 rounding. A zero column has scale 0.
func quantizeColumns(w []float32, rows, cols int) (scales []float32, q []int8) {
	scales = make([]float32, cols)
	for i := 0; i < rows; i++ {
		for j, v := range w[i*cols : (i+1)*cols] {
			scales[j] = max(scales[j], float32(math.Abs(float64(v))))
		}
	}
	for j := range scales {
		scales[j] /= 127
	}
	q = make([]int8, rows*cols)
	for i := 0; i < rows; i++ {
		for j, v := range w[i*cols : (i+1)*cols] {
			if scales[j] > 0 {
				q[i*cols+j] = int8(math.Round(float64(v / scales[j])))
			}
		}
	}
	return scales, q
}

// ParsePreview reads a preview file. It returns a model with the preview's
// architecture, likelihood and decoder, whose encoder weights are all zero
// (so only Decode is meaningful), and the checksum of the weights file the
// preview was made from. Every problem is reported as an error wrapping one
// of the weights loader's Err values; it never panics on malformed input.
func ParsePreview(data []byte) (m *Model, source uint32, err error) {
	m, source, err = parsePreview(data)
	if err != nil {
		return nil, 0, fmt.Errorf("preview: %w", err)
	}
	return m, source, nil
}

func parsePreview(data []byte) (*Model, uint32, error) {
	if len(data) > MaxWeightsFileSize {
		return nil, 0, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, MaxWeightsFileSize)
	}
	d := &decoder{data: data}
	var source uint32
	arch, lik, err := d.readPrologue(previewMagic, previewVersion, func() { source = d.u32() })
	if err != nil {
		return nil, 0, err
	}
	need := int64(arch.decoderParamCount()) // at least a byte a value
	// Refuse before allocating the model: the tensors cannot fit in what is left.
	if need > int64(len(data)-d.off) {
		return nil, 0, fmt.Errorf("%w: the decoder of %s needs at least %d bytes, the file has %d bytes left",
			ErrTruncated, arch, need, len(data)-d.off)
	}
	m, err := New(arch, 0)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	m.Likelihood = lik
	var params []Param
	for _, p := range m.Params() {
		if inPreview(p.Name) {
			params = append(params, p)
		} else {
			clear(p.Value)
		}
	}
	if t := d.u32(); d.err == nil && int(t) != len(params) {
		return nil, 0, fmt.Errorf("%w: %d tensors, the decoder of %s has %d", ErrCorrupt, t, arch, len(params))
	}
	le := binary.LittleEndian
	for _, p := range params {
		if err := d.readTensorHead(p); err != nil {
			return nil, 0, err
		}
		switch enc := d.u8(); {
		case d.err != nil:
			return nil, 0, d.err
		case enc == encodingFloat32:
			raw := d.bytes(4 * len(p.Value))
			for i := range p.Value {
				if raw != nil {
					p.Value[i] = math.Float32frombits(le.Uint32(raw[4*i:]))
				}
			}
		case enc == encodingInt8 && len(p.Shape) == 2:
			cols := p.Shape[1]
			rawScales := d.bytes(4 * cols)
			q := d.bytes(len(p.Value))
			if d.err != nil {
				return nil, 0, d.err
			}
			for j := 0; j < cols; j++ {
				s := math.Float32frombits(le.Uint32(rawScales[4*j:]))
				if !(s >= 0) || math.IsInf(float64(s), 0) {
					return nil, 0, fmt.Errorf("%w: tensor %q has scale %v for column %d", ErrCorrupt, p.Name, s, j)
				}
				for i := j; i < len(p.Value); i += cols {
					p.Value[i] = float32(int8(q[i])) * s
				}
			}
		default:
			return nil, 0, fmt.Errorf("%w: tensor %q %v has encoding %d", ErrCorrupt, p.Name, p.Shape, enc)
		}
	}
	if err := d.readEnd(); err != nil {
		return nil, 0, err
	}
	for _, p := range params {
		if i := firstNonFinite(p.Value); i >= 0 {
			return nil, 0, fmt.Errorf("%w: tensor %q holds %v at index %d", ErrNonFinite, p.Name, p.Value[i], i)
		}
	}
	return m, source, nil
}
