package imageset

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // registers GIF with image.Decode
	_ "image/jpeg"
	_ "image/png"
	"io"
	"path"
	"strings"

	"github.com/govae/govae/core/digit"
)

// formats are the image formats Import reads, by image.RegisterFormat name;
// a format another package registers is refused all the same.
var formats = map[string]bool{"png": true, "jpeg": true, "gif": true}

// Import reads the inputs — image files, and zip archives of image files
// (not zips inside zips) — and returns the set of normalised images, in
// input order (zip entries in their archive's order), with a Report of what
// happened to every file. Files that cannot be used are skipped and
// counted; an import-wide limit (MaxImages, MaxTotalBytes, MaxTotalPixels)
// stops reading and the files after it are counted as not read.
//
// The error is nil, or wraps ErrTooFew when fewer than MinImages images
// were usable; the Set is then nil, and the Report says why each file was
// skipped. Import never panics on any input.
func Import(inputs []Input, opt Options) (*Set, Report, error) {
	if opt.Limits == (Limits{}) {
		opt.Limits = DefaultLimits()
	}
	im := &importer{opt: opt, lim: opt.Limits, set: &Set{Images: make([]uint8, 0)}}
	for _, in := range inputs {
		im.input(in)
		im.progress()
	}
	rep := im.rep
	rep.Imported = im.set.Len()
	if rep.Imported < im.lim.MinImages {
		return nil, rep, fmt.Errorf("imageset: %w: %d of %d %s usable, at least %d needed. %s",
			ErrTooFew, rep.Imported, rep.Files, plural(rep.Files, "file was", "files were"), im.lim.MinImages, rep)
	}
	return im.set, rep, nil
}

// input imports one given file: an image, or a zip of them.
func (im *importer) input(in Input) {
	im.rep.Files++
	if im.stopped() {
		im.rep.NotRead++
		return
	}
	if !im.spend(in.Name, int64(len(in.Data))) {
		return
	}
	if isZip(in.Data) {
		im.zip(in.Name, in.Data)
		return
	}
	im.image(in.Name, in.Name, in.Data)
}

type importer struct {
	opt Options
	lim Limits
	rep Report
	set *Set
}

// progress tells Options.Progress how far the import got.
func (im *importer) progress() {
	if im.opt.Progress != nil {
		rep := im.rep
		rep.Imported = im.set.Len()
		im.opt.Progress(rep)
	}
}

func (im *importer) stopped() bool { return im.rep.StoppedBy != "" }

// stop records an import-wide limit; the current file is not read.
func (im *importer) stop(reason string) {
	im.rep.StoppedBy = reason
	im.rep.NotRead++
}

// spend accounts n more bytes read, and stops the import when they would
// exceed MaxTotalBytes.
func (im *importer) spend(name string, n int64) bool {
	if im.rep.BytesRead+n > im.lim.MaxTotalBytes {
		im.stop(fmt.Sprintf("%s would bring the bytes read to more than the limit of %s", name, formatBytes(im.lim.MaxTotalBytes)))
		return false
	}
	im.rep.BytesRead += n
	return true
}

// isZip reports whether data starts like a zip archive: a local file
// header, or the end record of an empty archive.
func isZip(data []byte) bool {
	return bytes.HasPrefix(data, []byte("PK\x03\x04")) || bytes.HasPrefix(data, []byte("PK\x05\x06"))
}

// image imports one image file; name is shown in the report, labelPath is
// the path its label is read from.
func (im *importer) image(name, labelPath string, data []byte) {
	if int64(len(data)) > im.lim.MaxFileBytes {
		im.rep.skip(name, &im.rep.Refused, "%s is larger than the limit of %s per file", formatBytes(int64(len(data))), formatBytes(im.lim.MaxFileBytes))
		return
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	switch {
	case errors.Is(err, image.ErrFormat) || (err == nil && !formats[format]):
		im.rep.skip(name, &im.rep.NotImages, "not a PNG, JPEG or GIF image")
		return
	case err != nil:
		im.rep.skip(name, &im.rep.Corrupt, "a %s whose header cannot be read: %v", sniff(data), err)
		return
	case cfg.Width <= 0 || cfg.Height <= 0:
		im.rep.skip(name, &im.rep.Corrupt, "a %s image of %d×%d pixels", strings.ToUpper(format), cfg.Width, cfg.Height)
		return
	}
	pixels := int64(cfg.Width) * int64(cfg.Height)
	if pixels > im.lim.MaxPixels {
		im.rep.skip(name, &im.rep.Refused, "%d×%d pixels (%.1f megapixels) is above the limit of %.0f megapixels; not decoded",
			cfg.Width, cfg.Height, float64(pixels)/1e6, float64(im.lim.MaxPixels)/1e6)
		return
	}
	if im.rep.PixelsDecoded+pixels > im.lim.MaxTotalPixels {
		im.stop(fmt.Sprintf("%s would bring the pixels decoded to more than the limit of %.1f gigapixels", name, float64(im.lim.MaxTotalPixels)/1e9))
		return
	}
	im.rep.PixelsDecoded += pixels
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		im.rep.skip(name, &im.rep.Corrupt, "a %s image that cannot be decoded: %v", strings.ToUpper(format), err)
		return
	}
	grey, w, h := greyscale(img)
	inverted, inked := prepare(grey, w, h)
	var out []float32
	if inked {
		out, err = digit.Normalize(grey, w, h)
	}
	if !inked || errors.Is(err, digit.ErrEmpty) {
		im.rep.skip(name, &im.rep.Blank, "no ink found: the image is uniform")
		return
	}
	if err != nil {
		im.rep.skip(name, &im.rep.Corrupt, "%v", err)
		return
	}
	if inverted {
		im.rep.Inverted++
	}
	im.set.add(name, quantise(stretch(out)), im.label(labelPath), inverted)
	if im.set.Len() == im.lim.MaxImages {
		im.rep.StoppedBy = fmt.Sprintf("the limit of %d images was reached", im.lim.MaxImages)
	}
}

// sniff names what data looks like, for error messages.
func sniff(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG")):
		return "PNG"
	case bytes.HasPrefix(data, []byte("\xff\xd8")):
		return "JPEG"
	case bytes.HasPrefix(data, []byte("GIF8")):
		return "GIF"
	}
	return "file"
}

// label returns the label of the image at p.
func (im *importer) label(p string) uint8 {
	if !im.opt.LabelsFromFolders {
		return im.opt.Label
	}
	dirs := strings.Split(path.Dir(strings.ReplaceAll(p, "\\", "/")), "/")
	for i := len(dirs) - 1; i >= 0; i-- {
		if d := dirs[i]; len(d) == 1 && d[0] >= '0' && d[0] <= '9' {
			return d[0] - '0'
		}
	}
	return im.opt.Label
}

// zip imports the image entries of a zip archive.
func (im *importer) zip(name string, data []byte) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		im.rep.skip(name, &im.rep.Corrupt, "a zip that cannot be read: %v", err)
		return
	}
	if len(zr.File) > im.lim.MaxZipEntries {
		im.rep.skip(name, &im.rep.Refused, "a zip of %d entries, more than the limit of %d; not opened", len(zr.File), im.lim.MaxZipEntries)
		return
	}
	im.rep.Files-- // the archive itself is counted through its entries
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/") || ignored(f.Name) {
			im.rep.Ignored++
			continue
		}
		im.rep.Files++
		if im.stopped() {
			im.rep.NotRead++
			continue
		}
		im.entry(name+": "+f.Name, f, int64(len(data)))
		im.progress()
	}
}

// ignored reports zip entries that are metadata of the archiver, not files
// of the user's: macOS's __MACOSX/ folder and ._name resource forks.
func ignored(name string) bool {
	return strings.HasPrefix(name, "__MACOSX/") || strings.HasPrefix(path.Base(name), "._")
}

// entry reads one zip entry through a reader limited by MaxFileBytes, what
// is left of MaxTotalBytes and MaxZipRatio, whatever its header declares,
// and imports it.
func (im *importer) entry(name string, f *zip.File, archiveBytes int64) {
	if f.UncompressedSize64 > uint64(im.lim.MaxFileBytes) {
		im.rep.skip(name, &im.rep.Refused, "declares %s, more than the limit of %s per file; not decompressed",
			formatBytes(int64(min(f.UncompressedSize64, 1<<62))), formatBytes(im.lim.MaxFileBytes))
		return
	}
	// The compressed size bounds the ratio; the header's value is capped
	// by the archive's real size.
	compressed := int64(min(f.CompressedSize64, uint64(archiveBytes)))
	ratioCap := max(ZipRatioFloor, compressed*im.lim.MaxZipRatio)
	// The tightest of the three limits decides where reading stops.
	limit, binding := im.lim.MaxFileBytes, "file"
	if ratioCap < limit {
		limit, binding = ratioCap, "ratio"
	}
	if left := im.lim.MaxTotalBytes - im.rep.BytesRead; left < limit {
		limit, binding = left, "total"
	}
	rc, err := f.Open()
	if err != nil {
		im.rep.skip(name, &im.rep.Corrupt, "a zip entry that cannot be opened: %v", err)
		return
	}
	defer rc.Close()
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(rc, limit+1))
	switch {
	case n > limit && binding == "total":
		im.stop(fmt.Sprintf("%s would bring the bytes read to more than the limit of %s", name, formatBytes(im.lim.MaxTotalBytes)))
		return
	case n > limit && binding == "ratio":
		im.rep.skip(name, &im.rep.Refused, "decompresses to more than %d times its %s (a zip bomb?); stopped after %s",
			im.lim.MaxZipRatio, formatBytes(compressed), formatBytes(limit))
		return
	case n > limit:
		im.rep.skip(name, &im.rep.Refused, "decompresses to more than the limit of %s per file; stopped there", formatBytes(im.lim.MaxFileBytes))
		return
	case err != nil:
		im.rep.skip(name, &im.rep.Corrupt, "a zip entry that cannot be decompressed: %v", err)
		return
	}
	im.rep.BytesRead += n
	if isZip(buf.Bytes()) {
		im.rep.skip(name, &im.rep.Refused, "a zip inside a zip is not opened")
		return
	}
	im.image(name, f.Name, buf.Bytes())
}
