// Package imageset turns a visitor's own image files into an MNIST-style
// training set: PNG, JPEG and GIF files, given one by one or in .zip
// archives, are decoded with Go's image packages, converted to grey,
// inverted when their background is light, and normalised like MNIST by
// core/digit (the ink scaled into a 20×20 box, centred by its centre of mass
// in 28×28). The result is a Set that trains like MNIST, splits 90/10 into
// training and held-out images, and saves to and loads from an IDX pair.
//
// Everything that comes in is bounded before it costs memory or time (see
// Limits): an image's size is read from its header (image.DecodeConfig)
// and a too-large image is refused before it is decoded; a zip entry is
// read through a reader limited by the per-file, total and
// compression-ratio limits, never trusting the sizes its header declares.
// A file that cannot be used is skipped and counted with its reason in the
// Report; nothing panics. The package is pure Go (no syscall/js), so the
// page and native tests run the same code.
package imageset

import (
	"errors"
	"fmt"
	"strings"
)

// ImageSize is the number of pixels of an imported image: 28×28, as MNIST.
const ImageSize = 28 * 28

// Limits bounds what Import reads. DefaultLimits gives the page's values.
type Limits struct {
	// MaxPixels is the largest image accepted, in pixels (width×height as
	// its header declares), checked before decoding.
	MaxPixels int64
	// MaxTotalPixels bounds the pixels decoded over the whole import, so
	// that many large images cannot keep the tab busy for hours.
	MaxTotalPixels int64
	// MaxImages is the largest number of images imported; the files after
	// it are not read.
	MaxImages int
	// MinImages is the smallest number of usable images Import accepts.
	MinImages int
	// MaxFileBytes bounds one file or one zip entry, in bytes, after
	// decompression.
	MaxFileBytes int64
	// MaxTotalBytes bounds the bytes read over the whole import: the
	// given files' sizes plus what is decompressed from zip entries.
	MaxTotalBytes int64
	// MaxZipEntries bounds the number of entries of one zip archive.
	MaxZipEntries int
	// MaxZipRatio bounds a zip entry's decompressed size divided by its
	// compressed size (entries of up to ZipRatioFloor bytes are exempt);
	// zip bombs reach ratios of 1000 and more, images rarely exceed 10.
	MaxZipRatio int64
}

// ZipRatioFloor is the decompressed size up to which a zip entry is not
// held to MaxZipRatio: tiny files compress well without being bombs.
const ZipRatioFloor = 64 << 10

// DefaultLimits returns the limits the page uses: images up to 40
// megapixels, 10 gigapixels decoded in all, 16 to 60 000 images, files and
// entries up to 64 MiB, 1 GiB read in all, zips of up to 100 000 entries
// and a compression ratio of at most 100.
func DefaultLimits() Limits {
	return Limits{
		MaxPixels:      40_000_000,
		MaxTotalPixels: 10_000_000_000,
		MaxImages:      60_000,
		MinImages:      16,
		MaxFileBytes:   64 << 20,
		MaxTotalBytes:  1 << 30,
		MaxZipEntries:  100_000,
		MaxZipRatio:    100,
	}
}

// CheckTotalSize tells, before the page reads any file, whether files of
// these sizes in bytes fit MaxTotalBytes; the error wraps ErrLimit and
// gives both figures.
func (l Limits) CheckTotalSize(sizes []int64) error {
	var total int64
	for _, s := range sizes {
		total += s
	}
	if total > l.MaxTotalBytes {
		return fmt.Errorf("imageset: %w: the files hold %s, more than the %s an import may read",
			ErrLimit, formatBytes(total), formatBytes(l.MaxTotalBytes))
	}
	return nil
}

var (
	// ErrTooFew reports an import with fewer usable images than
	// Limits.MinImages.
	ErrTooFew = errors.New("too few usable images")
	// ErrLimit reports that a limit of Limits stopped an import or a
	// file.
	ErrLimit = errors.New("over a limit")
	// ErrSet reports an IDX pair that is not an imported set: wrong image
	// size, or a count outside the limits.
	ErrSet = errors.New("not an imported image set")
)

// Input is one file given to Import.
type Input struct {
	// Name is the file's name, possibly with a folder path ("3/a.png");
	// it is used in the report and, with Options.LabelsFromFolders, for
	// the label.
	Name string
	// Data is the file's content.
	Data []byte
}

// Options configures Import.
type Options struct {
	// Limits bounds the import; the zero value means DefaultLimits.
	Limits Limits
	// Label is the label, 0–9, given to every image (0 by default).
	Label uint8
	// LabelsFromFolders labels an image by the last folder of its path,
	// inside a zip or given in Input.Name, that is a single digit 0–9
	// ("sevens/7/a.png" → 7); images without one get Label.
	LabelsFromFolders bool
	// Progress, when not nil, is called with the report so far after each
	// input and each zip entry is done with (imported, skipped or not
	// read), so that a long import can show how far it got.
	Progress func(Report)
}

// Skip is a file that was not imported, with the reason.
type Skip struct {
	// Name is the file's name; an entry of a zip is "archive.zip: entry".
	Name string
	// Reason says why, in words the page can show.
	Reason string
}

// Report counts what Import did with the files it was given. Files counts
// every file given and every file entry of a zip (not folders, nor the
// macOS metadata entries __MACOSX/… and ._name, which are Ignored); every
// file ends in exactly one of Imported, NotImages, Corrupt, Refused, Blank
// or NotRead.
type Report struct {
	Files    int
	Imported int
	// NotImages are files that are not PNG, JPEG or GIF by their content.
	NotImages int
	// Corrupt are images or zips whose content cannot be decoded.
	Corrupt int
	// Refused are files over a per-file limit: too many pixels or bytes,
	// a zip entry compressed beyond MaxZipRatio, a zip inside a zip.
	Refused int
	// Blank are images with no ink once normalised: a uniform picture.
	Blank int
	// NotRead are files left unread once a limit on the whole import was
	// reached (StoppedBy says which).
	NotRead int
	// Ignored counts skipped folder and macOS metadata entries of zips.
	Ignored int
	// Inverted counts imported images whose light background was
	// inverted.
	Inverted int
	// StoppedBy says which import-wide limit stopped the import, or "".
	StoppedBy string
	// BytesRead is the total bytes read: files given plus zip entries
	// decompressed.
	BytesRead int64
	// PixelsDecoded is the total pixels of the images decoded.
	PixelsDecoded int64
	// Skipped lists the first MaxSkipsListed files not imported.
	Skipped []Skip
}

// MaxSkipsListed bounds Report.Skipped; the counts stay exact.
const MaxSkipsListed = 100

func (r *Report) skip(name string, count *int, format string, args ...any) {
	*count++
	if len(r.Skipped) < MaxSkipsListed {
		r.Skipped = append(r.Skipped, Skip{Name: name, Reason: fmt.Sprintf(format, args...)})
	}
}

// String summarises the report in a sentence or a few, such as "240 of 250
// files imported (12 inverted: light background). 3 of 250 files were not
// images. 7 were corrupt."
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d of %d %s imported", r.Imported, r.Files, plural(r.Files, "file", "files"))
	if r.Inverted > 0 {
		fmt.Fprintf(&b, " (%d inverted: light background)", r.Inverted)
	}
	b.WriteString(".")
	for _, c := range []struct {
		n    int
		what string
	}{
		{r.NotImages, "not images (PNG, JPEG or GIF)"},
		{r.Corrupt, "corrupt"},
		{r.Refused, "refused by a size limit"},
		{r.Blank, "blank (no ink found)"},
	} {
		if c.n > 0 {
			fmt.Fprintf(&b, " %d of %d %s %s.", c.n, r.Files, plural(r.Files, "file", "files"), wasWere(c.n)+" "+c.what)
		}
	}
	if r.StoppedBy != "" {
		fmt.Fprintf(&b, " Stopped: %s; %d %s not read.", r.StoppedBy, r.NotRead, plural(r.NotRead, "file was", "files were"))
	}
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func wasWere(n int) string { return plural(n, "was", "were") }

// formatBytes writes a byte count in the largest binary unit that keeps it
// at least 1.
func formatBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
