package timeline

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"

	"github.com/govae/govae/wasm/view"
)

// The timeline file format, version 1. All integers and floats are
// little-endian.
//
//	offset  size  field
//	0       8     magic "GOVAETL\n"
//	8       4     version (uint32) = 1
//	12      4     the timeline's maximum snapshot count (uint32, 2–MaxSnapshots)
//	16      8     its byte budget (uint64, at most MaxBudget)
//	24      4     snapshot count S (uint32)
//	28      …     S snapshots, in increasing step order: step u64, epoch f64,
//	              −ELBO f64, recon f64, KL f64, grid u16, grid²·784 grey
//	              levels (u8), overlay point count u32 (0xFFFFFFFF: overlay
//	              off), that many points (z₁ f32, z₂ f32, label u8)
//	end−4   4     CRC-32C (Castagnoli) of every byte before it
//
// Each snapshot must pass Snapshot.Validate, steps must increase and the
// points and pixels must fit the budget; a file within the limits but
// beyond them is refused, never trimmed.
const (
	fileMagic   = "GOVAETL\n"
	fileVersion = 1
	overlayOff  = math.MaxUint32
	// snapshotHead is a snapshot's fixed part: step, four floats, grid.
	snapshotHead = 8 + 4*8 + 2
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// MarshalBinary returns the timeline in the timeline file format.
func (t *Timeline) MarshalBinary() []byte {
	le := binary.LittleEndian
	b := make([]byte, 0, 32+t.bytes+int64(len(t.snaps))*(snapshotHead+4))
	b = append(b, fileMagic...)
	b = le.AppendUint32(b, fileVersion)
	b = le.AppendUint32(b, uint32(t.max))
	b = le.AppendUint64(b, uint64(t.budget))
	b = le.AppendUint32(b, uint32(len(t.snaps)))
	for _, s := range t.snaps {
		b = le.AppendUint64(b, uint64(s.Step))
		for _, v := range []float64{s.Epoch, s.NegELBO, s.Recon, s.KL} {
			b = le.AppendUint64(b, math.Float64bits(v))
		}
		b = le.AppendUint16(b, uint16(s.Grid))
		b = append(b, s.Pixels...)
		if s.Dots == nil {
			b = le.AppendUint32(b, overlayOff)
			continue
		}
		b = le.AppendUint32(b, uint32(len(s.Dots)))
		for _, d := range s.Dots {
			b = le.AppendUint32(b, math.Float32bits(d.Z1))
			b = le.AppendUint32(b, math.Float32bits(d.Z2))
			b = append(b, d.Label)
		}
	}
	return le.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

// Parse reads a timeline file (MarshalBinary). Every defect is an error
// wrapping ErrFormat, ErrTruncated, ErrChecksum, ErrCorrupt or ErrSnapshot;
// it never panics, and allocates nothing before the bytes for it are known
// to be in data.
func Parse(data []byte) (*Timeline, error) {
	if !bytes.HasPrefix(data, []byte(fileMagic)) {
		if bytes.HasPrefix([]byte(fileMagic), data) {
			return nil, fmt.Errorf("%w: %d bytes, shorter than the magic", ErrTruncated, len(data))
		}
		return nil, fmt.Errorf("%w: starts with %q", ErrFormat, data[:min(len(data), 8)])
	}
	if len(data) < 12 {
		return nil, fmt.Errorf("%w: %d bytes, no version", ErrTruncated, len(data))
	}
	if v := binary.LittleEndian.Uint32(data[8:]); v != fileVersion {
		return nil, fmt.Errorf("%w: version %d, this build reads %d", ErrFormat, v, fileVersion)
	}
	if len(data) < 32 {
		return nil, fmt.Errorf("%w: %d bytes, shorter than the header and checksum", ErrTruncated, len(data))
	}
	if sum, want := binary.LittleEndian.Uint32(data[len(data)-4:]), crc32.Checksum(data[:len(data)-4], castagnoli); sum != want {
		return nil, fmt.Errorf("%w: stored %08x, computed %08x", ErrChecksum, sum, want)
	}
	r := bytes.NewReader(data[12 : len(data)-4])
	// read fills v from r; a short read is a truncated file.
	read := func(v any) error {
		if err := binary.Read(r, binary.LittleEndian, v); err != nil {
			return fmt.Errorf("%w: at offset %d: %v", ErrTruncated, len(data)-4-r.Len(), err)
		}
		return nil
	}
	var head struct {
		Max    uint32
		Budget uint64
		Count  uint32
	}
	if err := read(&head); err != nil {
		return nil, err
	}
	if head.Max < 2 || head.Max > MaxSnapshots || head.Budget > MaxBudget {
		return nil, fmt.Errorf("%w: limits of %d snapshots and %d bytes (at most %d and %d)", ErrCorrupt, head.Max, head.Budget, MaxSnapshots, MaxBudget)
	}
	if head.Count > head.Max {
		return nil, fmt.Errorf("%w: %d snapshots, the timeline keeps at most %d", ErrCorrupt, head.Count, head.Max)
	}
	t := New(int(head.Max), int64(head.Budget))
	for i := 0; i < int(head.Count); i++ {
		var sh struct {
			Step                      uint64
			Epoch, NegELBO, Recon, KL float64
			Grid                      uint16
		}
		if err := read(&sh); err != nil {
			return nil, err
		}
		if sh.Step > math.MaxInt32*1024 || sh.Grid < 2 || int(sh.Grid) > view.MaxGrid {
			return nil, fmt.Errorf("%w: snapshot %d has step %d and grid %d", ErrCorrupt, i, sh.Step, sh.Grid)
		}
		s := Snapshot{Step: int(sh.Step), Epoch: sh.Epoch, NegELBO: sh.NegELBO, Recon: sh.Recon, KL: sh.KL, Grid: int(sh.Grid)}
		n := int(sh.Grid) * int(sh.Grid) * DigitSide * DigitSide
		if n > r.Len() {
			return nil, fmt.Errorf("%w: snapshot %d needs %d bytes of pixels, %d left", ErrTruncated, i, n, r.Len())
		}
		s.Pixels = make([]uint8, n)
		r.Read(s.Pixels) // a bytes.Reader with enough left reads all
		var dots uint32
		if err := read(&dots); err != nil {
			return nil, err
		}
		if dots != overlayOff {
			if dots > view.MaxDots {
				return nil, fmt.Errorf("%w: snapshot %d has %d overlay points (at most %d)", ErrCorrupt, i, dots, view.MaxDots)
			}
			if int(dots)*dotBytes > r.Len() {
				return nil, fmt.Errorf("%w: snapshot %d needs %d bytes of points, %d left", ErrTruncated, i, int(dots)*dotBytes, r.Len())
			}
			s.Dots = make([]Dot, dots)
			if err := read(s.Dots); err != nil {
				return nil, err
			}
		}
		if !t.Want(s.Step) {
			return nil, fmt.Errorf("%w: snapshot %d at step %d is not after step %d", ErrCorrupt, i, s.Step, t.snaps[len(t.snaps)-1].Step)
		}
		if err := s.Validate(); err != nil {
			return nil, fmt.Errorf("snapshot %d: %w", i, err)
		}
		if t.bytes+s.Bytes() > t.budget && i > 0 {
			return nil, fmt.Errorf("%w: the snapshots take more than the budget of %d bytes", ErrCorrupt, t.budget)
		}
		t.snaps = append(t.snaps, &s)
		t.bytes += s.Bytes()
	}
	if r.Len() != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the last snapshot", ErrCorrupt, r.Len())
	}
	return t, nil
}
