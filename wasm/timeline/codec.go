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

// reader reads little-endian values and remembers the first overrun.
type reader struct {
	data []byte
	off  int
	err  error
}

func (r *reader) next(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.data)-r.off {
		r.err = fmt.Errorf("%w: needed %d more bytes at offset %d, %d left", ErrTruncated, n, r.off, len(r.data)-r.off)
		return nil
	}
	b := r.data[r.off : r.off+n]
	r.off += n
	return b
}

func (r *reader) u16() uint16 {
	if b := r.next(2); b != nil {
		return binary.LittleEndian.Uint16(b)
	}
	return 0
}

func (r *reader) u32() uint32 {
	if b := r.next(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (r *reader) u64() uint64 {
	if b := r.next(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
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
	r := &reader{data: data[:len(data)-4], off: 12}
	maxSnaps, budget, count := r.u32(), r.u64(), r.u32()
	if maxSnaps < 2 || maxSnaps > MaxSnapshots || budget > MaxBudget {
		return nil, fmt.Errorf("%w: limits of %d snapshots and %d bytes (at most %d and %d)", ErrCorrupt, maxSnaps, budget, MaxSnapshots, MaxBudget)
	}
	if count > maxSnaps {
		return nil, fmt.Errorf("%w: %d snapshots, the timeline keeps at most %d", ErrCorrupt, count, maxSnaps)
	}
	t := New(int(maxSnaps), int64(budget))
	for i := 0; i < int(count); i++ {
		var s Snapshot
		step := r.u64()
		var f [4]float64
		for k := range f {
			f[k] = math.Float64frombits(r.u64())
		}
		s.Epoch, s.NegELBO, s.Recon, s.KL = f[0], f[1], f[2], f[3]
		s.Grid = int(r.u16())
		if r.err != nil {
			return nil, r.err
		}
		if step > math.MaxInt32*1024 || s.Grid < 2 || s.Grid > view.MaxGrid {
			return nil, fmt.Errorf("%w: snapshot %d has step %d and grid %d", ErrCorrupt, i, step, s.Grid)
		}
		s.Step = int(step)
		s.Pixels = r.next(s.Grid * s.Grid * DigitSide * DigitSide)
		n := r.u32()
		if r.err != nil {
			return nil, r.err
		}
		if n != overlayOff {
			if n > view.MaxDots {
				return nil, fmt.Errorf("%w: snapshot %d has %d overlay points (at most %d)", ErrCorrupt, i, n, view.MaxDots)
			}
			raw := r.next(dotBytes * int(n))
			if r.err != nil {
				return nil, r.err
			}
			s.Dots = make([]Dot, n)
			for k := range s.Dots {
				p := raw[dotBytes*k:]
				s.Dots[k] = Dot{math.Float32frombits(binary.LittleEndian.Uint32(p)), math.Float32frombits(binary.LittleEndian.Uint32(p[4:])), p[8]}
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
		s.Pixels = bytes.Clone(s.Pixels)
		t.snaps = append(t.snaps, &s)
		t.bytes += s.Bytes()
	}
	if r.off != len(r.data) {
		return nil, fmt.Errorf("%w: %d bytes after the last snapshot", ErrCorrupt, len(r.data)-r.off)
	}
	return t, nil
}
