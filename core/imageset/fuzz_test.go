package imageset

import (
	"bytes"
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"testing"

	"github.com/govae/govae/internal/fakedata"
)

// fuzzLimits keeps one fuzz input cheap: images up to 1 megapixel, 1 MiB
// per file, 4 MiB in all.
func fuzzLimits() Options {
	return Options{Limits: Limits{
		MaxPixels: 1 << 20, MaxTotalPixels: 4 << 20, MaxImages: 100, MinImages: 1,
		MaxFileBytes: 1 << 20, MaxTotalBytes: 4 << 20, MaxZipEntries: 100, MaxZipRatio: 100,
	}}
}

// checkImport runs Import on inputs and checks what must hold for any
// input: no panic, every file accounted for exactly once, the limits kept,
// and every imported image 28×28 with full-intensity ink.
func checkImport(t *testing.T, inputs []Input) {
	opt := fuzzLimits()
	set, rep, err := Import(inputs, opt)
	if sum := rep.Imported + rep.NotImages + rep.Corrupt + rep.Refused + rep.Blank + rep.NotRead; sum != rep.Files {
		t.Fatalf("%d files but %d accounted for: %+v", rep.Files, sum, rep)
	}
	if rep.BytesRead > opt.Limits.MaxTotalBytes || rep.PixelsDecoded > opt.Limits.MaxTotalPixels {
		t.Fatalf("limits exceeded: %+v", rep)
	}
	if err != nil {
		if set != nil || rep.Imported >= opt.Limits.MinImages {
			t.Fatalf("error %v with %d imported", err, rep.Imported)
		}
		return
	}
	if set.Len() != rep.Imported || len(set.Images) != set.Len()*ImageSize || len(set.Names) != set.Len() {
		t.Fatalf("inconsistent set: %d images, report %+v", set.Len(), rep)
	}
	for i := 0; i < set.Len(); i++ {
		if m := max255(set.Image(i)); m != 255 {
			t.Fatalf("image %d: brightest pixel %d", i, m)
		}
	}
}

func max255(p []uint8) uint8 {
	m := uint8(0)
	for _, v := range p {
		m = max(m, v)
	}
	return m
}

// imageSeeds are seeds for FuzzImportImage: the formats, a huge header,
// truncations, a non-image.
func imageSeeds(t testing.TB) map[string][]byte {
	img := seven(40, 30, 3, 2, 24, color.White, color.Black)
	p, j, g := encodePNG(t, img), encodeJPEG(t, img), encodeGIF(t, img)
	return map[string][]byte{
		"seven-png":        p,
		"seven-jpeg":       j,
		"seven-gif":        g,
		"png-7072x7072":    fakedata.PNGHeader(7072, 7072),
		"png-2000x2000":    fakedata.PNGHeader(2000, 2000),
		"png-0x5":          fakedata.PNGHeader(0, 5),
		"truncated-png":    p[:len(p)/2],
		"truncated-jpeg":   j[:len(j)/3],
		"truncated-gif":    g[:20],
		"blank-png":        encodePNG(t, seven(8, 8, 0, 0, 0, color.Black, color.Black)),
		"text":             []byte("hello, not an image"),
		"png-signature":    []byte("\x89PNG\r\n\x1a\n"),
		"zip-local-header": []byte("PK\x03\x04"),
	}
}

// zipSeeds are seeds for FuzzImportZip.
func zipSeeds(t testing.TB) map[string][]byte {
	imgs := imageSeeds(t)
	two := zipOf(t, Input{"a/1/x.png", imgs["seven-png"]}, Input{"b.gif", imgs["seven-gif"]}, Input{"dir/", nil})
	return map[string][]byte{
		"two-images":      two,
		"truncated":       two[:len(two)-10],
		"nested":          zipOf(t, Input{"in.zip", two}),
		"huge-header":     zipOf(t, Input{"huge.png", imgs["png-7072x7072"]}),
		"bomb-1MiB-zeros": zipRaw(t, "zeros.png", make([]byte, 1<<20), 1<<20),
		"lying-size":      zipRaw(t, "x.png", imgs["seven-png"], 10),
		"macos-metadata":  zipOf(t, Input{"__MACOSX/._x.png", []byte("fork")}, Input{"._y.png", nil}),
		"empty":           zipOf(t),
		"text-entry":      zipOf(t, Input{"notes.txt", []byte("notes")}),
	}
}

func FuzzImportImage(f *testing.F) {
	for _, seed := range imageSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkImport(t, []Input{{"f", data}})
	})
}

func FuzzImportZip(f *testing.F) {
	for _, seed := range zipSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkImport(t, []Input{{"f.zip", data}, {"g", data}})
	})
}

// TestWriteSeedCorpus writes the seeds to testdata/fuzz in the format go
// test reads, when GOVAE_WRITE_CORPUS=1; otherwise it checks that every
// committed seed file is in that format, so that a broken file fails here
// rather than silently dropping out of the corpus.
func TestWriteSeedCorpus(t *testing.T) {
	sets := map[string]map[string][]byte{"FuzzImportImage": imageSeeds(t), "FuzzImportZip": zipSeeds(t)}
	for target, seeds := range sets {
		dir := filepath.Join("testdata", "fuzz", target)
		if os.Getenv("GOVAE_WRITE_CORPUS") == "1" {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			for name, b := range seeds {
				body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b)
				if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			continue
		}
		entries, err := os.ReadDir(dir)
		if err != nil || len(entries) < len(seeds) {
			t.Fatalf("%s: %d seed files, %v; want at least %d (GOVAE_WRITE_CORPUS=1 go test -run TestWriteSeedCorpus writes them)", dir, len(entries), err, len(seeds))
		}
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil || !bytes.HasPrefix(b, []byte("go test fuzz v1\n[]byte(")) {
				t.Errorf("%s: not a seed file: %v", e.Name(), err)
			}
		}
	}
}
