package imageset

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"runtime"
	"strings"
	"testing"

	"github.com/govae/govae/internal/fakedata"
)

// few are Limits for tests: at least 1 image, otherwise the defaults.
func few() Options {
	l := DefaultLimits()
	l.MinImages = 1
	return Options{Limits: l}
}

func importOne(t *testing.T, name string, data []byte) (*Set, Report) {
	t.Helper()
	set, rep, err := Import([]Input{{name, data}}, few())
	if err != nil {
		t.Fatalf("%s: %v (%s)", name, err, rep)
	}
	return set, rep
}

func TestLightBackgroundInverted(t *testing.T) {
	img := seven(200, 150, 20, 10, 90, color.White, color.Black)
	set, rep := importOne(t, "light.png", encodePNG(t, img))
	if !set.Inverted[0] || rep.Inverted != 1 {
		t.Fatalf("a black seven on white was not inverted: %v, report %+v", set.Inverted, rep)
	}
	checkMNISTLike(t, "light.png", set.Image(0))
}

func TestDarkBackgroundKept(t *testing.T) {
	img := seven(90, 200, 5, 80, 70, color.Black, color.White)
	set, rep := importOne(t, "dark.png", encodePNG(t, img))
	if set.Inverted[0] || rep.Inverted != 0 {
		t.Fatalf("a white seven on black was inverted")
	}
	checkMNISTLike(t, "dark.png", set.Image(0))
	// Inverting the picture gives the same normalised digit.
	light := seven(90, 200, 5, 80, 70, color.White, color.Black)
	set2, _ := importOne(t, "light.png", encodePNG(t, light))
	if !bytes.Equal(set.Image(0), set2.Image(0)) {
		t.Errorf("a picture and its negative normalise differently")
	}
}

// Grey paper and dark-grey ink, as a photograph of a drawing: the levels
// are stretched so that the paper is 0 and the ink 255.
func TestGreyPhotoLevels(t *testing.T) {
	img := seven(160, 120, 30, 20, 80, color.Gray{200}, color.Gray{60})
	set, _ := importOne(t, "photo.jpg", encodeJPEG(t, img))
	if !set.Inverted[0] {
		t.Fatal("not inverted")
	}
	checkMNISTLike(t, "photo.jpg", set.Image(0))
}

func TestFormats(t *testing.T) {
	rgba := seven(64, 64, 4, 4, 50, color.White, color.RGBA{200, 0, 0, 255})
	transparent := seven(64, 64, 4, 4, 50, color.Transparent, color.Black)
	grey := image.NewGray(rgba.Bounds())
	for i := range grey.Pix {
		grey.Pix[i] = 255 - rgba.Pix[4*i+1] // the green channel: ink dark
	}
	for name, data := range map[string][]byte{
		"red.png":         encodePNG(t, rgba),
		"red.jpg":         encodeJPEG(t, rgba),
		"red.gif":         encodeGIF(t, rgba),
		"transparent.png": encodePNG(t, transparent), // over white: black on white
		"grey.jpg":        encodeJPEG(t, grey),
		"grey.png":        encodePNG(t, grey),
	} {
		set, _ := importOne(t, name, data)
		checkMNISTLike(t, name, set.Image(0))
		if wantInverted := name != "grey.jpg" && name != "grey.png"; set.Inverted[0] != wantInverted {
			t.Errorf("%s: inverted %v, want %v", name, set.Inverted[0], wantInverted)
		}
	}
}

// A large picture is averaged down before normalising and gives the same
// digit as the same drawing at a smaller scale, within rounding.
func TestLargeImageDownsampled(t *testing.T) {
	small := seven(100, 100, 10, 10, 80, color.White, color.Black)
	large := image.NewNRGBA(image.Rect(0, 0, 1000, 1000))
	for y := 0; y < 1000; y++ {
		for x := 0; x < 1000; x++ {
			large.Set(x, y, small.At(x/10, y/10))
		}
	}
	a, _ := importOne(t, "small.png", encodePNG(t, small))
	b, _ := importOne(t, "large.png", encodePNG(t, large))
	checkMNISTLike(t, "large.png", b.Image(0))
	var diff int
	for i := range a.Image(0) {
		diff = max(diff, abs8(a.Image(0)[i], b.Image(0)[i]))
	}
	if diff > 40 {
		t.Errorf("small and 10× larger drawing differ by up to %d levels", diff)
	}
}

func abs8(a, b uint8) int { return max(int(a)-int(b), int(b)-int(a)) }

func TestSkippedFilesCounted(t *testing.T) {
	inputs := sevens(t, 20)
	good := inputs[0].Data
	inputs = append(inputs,
		Input{"notes.txt", []byte("not an image at all")},
		Input{"empty", nil},
		Input{"page.html", []byte("<html></html>")},
		Input{"cut.png", good[:len(good)/2]},
		Input{"white.png", encodePNG(t, seven(50, 50, 0, 0, 0, color.White, color.White))},
	)
	set, rep, err := Import(inputs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if set.Len() != 20 || rep.Files != 25 || rep.Imported != 20 || rep.NotImages != 3 || rep.Corrupt != 1 || rep.Blank != 1 || rep.Inverted != 10 {
		t.Fatalf("report %+v", rep)
	}
	want := "20 of 25 files imported (10 inverted: light background). 3 of 25 files were not images (PNG, JPEG or GIF). " +
		"1 of 25 files was corrupt. 1 of 25 files was blank (no ink found)."
	if rep.String() != want {
		t.Errorf("report says\n%q, want\n%q", rep.String(), want)
	}
	if len(rep.Skipped) != 5 || rep.Skipped[3].Name != "cut.png" || !strings.Contains(rep.Skipped[3].Reason, "PNG image that cannot be decoded") {
		t.Errorf("skipped: %+v", rep.Skipped)
	}
	for i := 0; i < set.Len(); i++ {
		checkMNISTLike(t, set.Names[i], set.Image(i))
	}
}

func TestHugePNGRefusedBeforeDecoding(t *testing.T) {
	data := fakedata.PNGHeader(7072, 7072) // 50.0 megapixels
	if cfg, err := png_DecodeConfig(data); err != nil || cfg.Width != 7072 {
		t.Fatalf("the test file's header does not read as 7072×7072: %v %v", cfg, err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	set, rep, err := Import([]Input{{"huge.png", data}}, few())
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrTooFew) || set != nil {
		t.Fatalf("error %v, set %v; want ErrTooFew and no set", err, set)
	}
	if rep.Refused != 1 || len(rep.Skipped) != 1 || !strings.Contains(rep.Skipped[0].Reason, "7072×7072 pixels (50.0 megapixels) is above the limit of 40 megapixels; not decoded") {
		t.Fatalf("report %+v", rep)
	}
	// Decoding would allocate the 50 MB of pixels.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
		t.Errorf("Import allocated %d bytes: the image was decoded", alloc)
	}
	if rep.PixelsDecoded != 0 {
		t.Errorf("%d pixels counted as decoded", rep.PixelsDecoded)
	}
}

func png_DecodeConfig(b []byte) (image.Config, error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
	return cfg, err
}

func TestTooFew(t *testing.T) {
	inputs := append(sevens(t, 15), Input{"a.txt", []byte("text")})
	set, rep, err := Import(inputs, Options{})
	if !errors.Is(err, ErrTooFew) || set != nil {
		t.Fatalf("error %v, set %v", err, set)
	}
	for _, s := range []string{"15 of 16 files were usable, at least 16 needed", "1 of 16 files was not images"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q lacks %q", err, s)
		}
	}
	if rep.Imported != 15 || rep.NotImages != 1 {
		t.Errorf("report %+v", rep)
	}
	if _, _, err := Import(sevens(t, 16), Options{}); err != nil {
		t.Errorf("16 images: %v", err)
	}
}

func TestMaxImages(t *testing.T) {
	opt := few()
	opt.Limits.MaxImages = 20
	inputs := sevens(t, 25)
	set, rep, err := Import(inputs, opt)
	if err != nil {
		t.Fatal(err)
	}
	if set.Len() != 20 || rep.NotRead != 5 || rep.Files != 25 || !strings.Contains(rep.String(), "Stopped: the limit of 20 images was reached; 5 files were not read.") {
		t.Fatalf("%d images, report %s", set.Len(), rep)
	}
	if set.Names[19] != inputs[19].Name {
		t.Errorf("the first 20 were not the ones kept")
	}
}

func TestTotalPixelsLimit(t *testing.T) {
	opt := few()
	inputs := sevens(t, 5)
	opt.Limits.MaxTotalPixels = 3 * 130 * 100 // the first three sevens are at most 124×100
	set, rep, _ := Import(inputs, opt)
	if set.Len() != 3 || rep.NotRead != 2 || !strings.Contains(rep.StoppedBy, "gigapixels") {
		t.Fatalf("%d images; %s", set.Len(), rep)
	}
}

func TestTotalBytesLimit(t *testing.T) {
	inputs := sevens(t, 4)
	opt := few()
	opt.Limits.MaxTotalBytes = int64(len(inputs[0].Data) + len(inputs[1].Data) + 10)
	set, rep, _ := Import(inputs, opt)
	if set.Len() != 2 || rep.NotRead != 2 || !strings.Contains(rep.StoppedBy, inputs[2].Name+" would bring the bytes read to more than the limit") {
		t.Fatalf("%d images; %s", set.Len(), rep)
	}
	if err := opt.Limits.CheckTotalSize([]int64{opt.Limits.MaxTotalBytes, 1}); !errors.Is(err, ErrLimit) {
		t.Errorf("CheckTotalSize over the limit: %v", err)
	}
	if err := opt.Limits.CheckTotalSize([]int64{opt.Limits.MaxTotalBytes - 1, 1}); err != nil {
		t.Errorf("CheckTotalSize at the limit: %v", err)
	}
}

func TestMaxFileBytes(t *testing.T) {
	opt := few()
	opt.Limits.MaxFileBytes = 100
	_, rep, _ := Import([]Input{{"a.png", sevens(t, 1)[0].Data}}, opt)
	if rep.Refused != 1 || !strings.Contains(rep.Skipped[0].Reason, "larger than the limit of 100 bytes per file") {
		t.Fatalf("%s %+v", rep, rep.Skipped)
	}
}

func TestLabels(t *testing.T) {
	imgs := sevens(t, 3)
	inputs := []Input{{"digits/3/a.png", imgs[0].Data}, {"b.png", imgs[1].Data}, {"x/12/7/c.png", imgs[2].Data}}
	opt := few()
	opt.Label = 5
	set, _, _ := Import(inputs, opt)
	if !bytes.Equal(set.Labels, []uint8{5, 5, 5}) {
		t.Errorf("labels %v, want all 5", set.Labels)
	}
	opt.LabelsFromFolders = true
	set, _, _ = Import(inputs, opt)
	if !bytes.Equal(set.Labels, []uint8{3, 5, 7}) {
		t.Errorf("labels from folders %v, want [3 5 7]", set.Labels)
	}
}

func TestZip(t *testing.T) {
	imgs := sevens(t, 20)
	entries := []Input{{"sevens/", nil}, {"sevens/7/", nil}}
	for i, in := range imgs {
		entries = append(entries, Input{"sevens/7/" + in.Name + string(rune('0'+i%10)), in.Data})
	}
	entries = append(entries,
		Input{"__MACOSX/sevens/._a.png", []byte("resource fork")},
		Input{"sevens/._b.png", []byte("resource fork")},
		Input{"sevens/readme.txt", []byte("my sevens")},
		Input{"inner.zip", zipOf(t, imgs[0])},
	)
	archive := zipOf(t, entries...)
	opt := Options{LabelsFromFolders: true}
	set, rep, err := Import([]Input{{"mine.zip", archive}, imgs[0]}, opt)
	if err != nil {
		t.Fatal(err)
	}
	if set.Len() != 21 || rep.Files != 23 || rep.Ignored != 4 || rep.NotImages != 1 || rep.Refused != 1 {
		t.Fatalf("%d images; report %+v", set.Len(), rep)
	}
	if set.Labels[0] != 7 || set.Labels[20] != 0 || set.Names[0] != "mine.zip: sevens/7/"+imgs[0].Name+"0" {
		t.Errorf("labels %v, first name %q", set.Labels, set.Names[0])
	}
	if !strings.Contains(rep.Skipped[1].Reason, "a zip inside a zip is not opened") || rep.Skipped[1].Name != "mine.zip: inner.zip" {
		t.Errorf("skipped %+v", rep.Skipped)
	}
	// Entries decompress to the same images as the files themselves.
	if !bytes.Equal(set.Image(0), set.Image(20)) {
		t.Errorf("the same PNG in a zip and outside normalises differently")
	}
}

// zipRaw returns a zip of one deflated entry whose header declares
// declared bytes, whatever the content.
func zipRaw(t testing.TB, name string, content []byte, declared uint64) []byte {
	t.Helper()
	var comp bytes.Buffer
	fw, _ := flate.NewWriter(&comp, flate.BestCompression)
	fw.Write(content)
	fw.Close()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(content),
		CompressedSize64: uint64(comp.Len()), UncompressedSize64: declared})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(comp.Bytes())
	zw.Close()
	return b.Bytes()
}

func TestZipBombRatio(t *testing.T) {
	zeros := make([]byte, 20<<20) // 20 MiB of zeros deflate to about 20 KiB
	bomb := zipRaw(t, "bomb.png", zeros, uint64(len(zeros)))
	_, rep, _ := Import([]Input{{"bomb.zip", bomb}}, few())
	if rep.Refused != 1 || !strings.Contains(rep.Skipped[0].Reason, "decompresses to more than 100 times its") {
		t.Fatalf("report %s %+v", rep, rep.Skipped)
	}
	if rep.BytesRead > int64(len(bomb))+1<<20 {
		t.Errorf("read %d bytes of the bomb", rep.BytesRead)
	}
}

// The header says 100 bytes; the entry holds 8 MiB. Reading stops early
// all the same (archive/zip itself refuses to read past the declared size;
// the limited reader stands behind it) and nothing is imported.
func TestZipLyingHeader(t *testing.T) {
	content := bytes.Repeat([]byte("0123456789abcdef"), 1<<19)
	liar := zipRaw(t, "liar.png", content, 100)
	opt := few()
	opt.Limits.MaxFileBytes = 1 << 20
	opt.Limits.MaxZipRatio = 1 << 20
	set, rep, _ := Import([]Input{{"liar.zip", liar}, sevens(t, 1)[0]}, opt)
	if set.Len() != 1 || rep.Corrupt+rep.Refused != 1 || rep.Skipped[0].Name != "liar.zip: liar.png" {
		t.Fatalf("report %s %+v", rep, rep.Skipped)
	}
	if rep.BytesRead > int64(len(liar)+len(sevens(t, 1)[0].Data)) {
		t.Errorf("counted %d bytes read", rep.BytesRead)
	}
}

func TestZipDeclaredTooLarge(t *testing.T) {
	opt := few()
	opt.Limits.MaxFileBytes = 1000
	z := zipRaw(t, "big.png", []byte("small"), 5000)
	_, rep, _ := Import([]Input{{"z.zip", z}}, opt)
	if rep.Refused != 1 || !strings.Contains(rep.Skipped[0].Reason, "declares 4.9 KiB, more than the limit of 1000 bytes per file; not decompressed") {
		t.Fatalf("%+v", rep.Skipped)
	}
}

func TestZipTotalBytes(t *testing.T) {
	imgs := sevens(t, 6)
	opt := few()
	archive := zipOf(t, imgs...)
	opt.Limits.MaxTotalBytes = int64(len(archive) + len(imgs[0].Data) + len(imgs[1].Data) + 10)
	set, rep, _ := Import([]Input{{"a.zip", archive}}, opt)
	if set.Len() != 2 || rep.NotRead != 4 || !strings.Contains(rep.StoppedBy, "a.zip: "+imgs[2].Name) {
		t.Fatalf("%d images; %s", set.Len(), rep)
	}
}

func TestZipEntryCount(t *testing.T) {
	opt := few()
	opt.Limits.MaxZipEntries = 5
	_, rep, _ := Import([]Input{{"many.zip", zipOf(t, sevens(t, 6)...)}}, opt)
	if rep.Refused != 1 || rep.Files != 1 || !strings.Contains(rep.Skipped[0].Reason, "a zip of 6 entries, more than the limit of 5; not opened") {
		t.Fatalf("%s %+v", rep, rep.Skipped)
	}
}

func TestZipCorrupt(t *testing.T) {
	archive := zipOf(t, sevens(t, 2)...)
	// Truncated: no central directory.
	_, rep, _ := Import([]Input{{"cut.zip", archive[:len(archive)/2]}}, few())
	if rep.Corrupt != 1 || !strings.Contains(rep.Skipped[0].Reason, "a zip that cannot be read") {
		t.Fatalf("%+v", rep.Skipped)
	}
	// A flipped byte in the first entry's data: CRC or deflate error.
	bad := bytes.Clone(archive)
	bad[60] ^= 0xff
	set, rep, _ := Import([]Input{{"bad.zip", bad}}, few())
	if rep.Corrupt != 1 || set.Len() != 1 {
		t.Fatalf("%s %+v", rep, rep.Skipped)
	}
}

// TestProgress: Options.Progress hears of every given file and zip entry,
// with counts that only grow and end at the final report's.
func TestProgress(t *testing.T) {
	files := sevens(t, 18)
	inputs := append(files[:16:16], Input{"a.txt", []byte("text")}, Input{"two.zip", zipOf(t, files[16], files[17])})
	var seen []Report
	_, rep, err := Import(inputs, Options{Progress: func(r Report) { seen = append(seen, r) }})
	if err != nil {
		t.Fatal(err)
	}
	// 17 files, then the zip's 2 entries and the zip itself.
	if len(seen) != 20 {
		t.Fatalf("%d progress reports, want 20", len(seen))
	}
	for i := 1; i < len(seen); i++ {
		if seen[i].Files < seen[i-1].Files || seen[i].Imported < seen[i-1].Imported {
			t.Fatalf("progress went back: %+v after %+v", seen[i], seen[i-1])
		}
	}
	if last := seen[len(seen)-1]; last.Files != rep.Files || last.Imported != rep.Imported || last.NotImages != 1 || rep.Imported != 18 {
		t.Errorf("last progress %+v, final %+v", last, rep)
	}
	if seen[0].Files != 1 || seen[0].Imported != 1 {
		t.Errorf("first progress %+v", seen[0])
	}
}
