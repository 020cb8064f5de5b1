//go:build !(js && wasm)

package e2e

// Browser tests of the page's data (wasm/page/datasets.go, ownimages.go,
// the import worker wasm/importworker): the data-set menu with a second
// data set the test writes into the built site, the visitor's own images
// (drawn by the test) imported, trained on, saved and loaded again, the
// limits, and a missing file told apart from a network failure.

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"

	"github.com/govae/govae/core/mnist"
	"github.com/govae/govae/internal/fakedata"
)

// fakeFashionN is the size of each split of the test's own "Fashion-MNIST":
// the 5×7-font digits of fakedata.DigitFiles.
const fakeFashionN = 600

func TestDataBrowser(t *testing.T) {
	start := time.Now()
	var d dataSuite
	d.browserHarness = startBrowser(t, dataHandler(t, &d.v))
	t.Run("Menu", d.testDataMenu)
	t.Run("SecondDataset", d.testSecondDataset)
	t.Run("OwnImages", d.testOwnImages)
	t.Run("HugeImage", d.testHugeImage)
	t.Run("MissingFile", d.testMissingFile)
	t.Run("NetworkFailure", d.testNetworkFailure)
	t.Logf("data suite: %v", time.Since(start).Round(time.Millisecond))
}

// dataSuite is the harness and the data tests' variants of the site.
type dataSuite struct {
	*browserHarness
	v *dataVariants
}

// dataVariants adds to siteVariants: /netfail/, where the training files'
// connections are cut while netFail is set, and counts the requests for
// the test's own data set.
type dataVariants struct {
	*siteVariants
	netFail      atomic.Bool
	fashionTrain atomic.Int64 // requests for data/fashion/train-images…
}

func (v *dataVariants) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	prefix, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	switch {
	case prefix == "netfail" && strings.HasPrefix(rest, "data/train-") && v.netFail.Load():
		if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
			conn.Close() // no answer at all: what a lost connection looks like
		}
		return
	case prefix == "nofashion" && strings.HasPrefix(rest, "data/fashion/"),
		prefix == "noimporter" && rest == "importer.wasm":
		http.NotFound(w, r)
		return
	case rest == "data/fashion/train-images-idx3-ubyte.gz":
		v.fashionTrain.Add(1)
	}
	v.siteVariants.ServeHTTP(w, r)
}

// dataHandler writes a second data set into the built site — the test's
// own IDX files as Fashion-MNIST's, listed in data/datasets.json with
// their sizes and digests and no pretrained weights — and puts the data
// tests' variants in front of it.
func dataHandler(t *testing.T, dv **dataVariants) func(site string, v *siteVariants) http.Handler {
	return func(site string, variants *siteVariants) http.Handler {
		files := fakedata.DigitFiles(fakeFashionN)
		m := mnist.NewManifest([]*mnist.Source{mnist.MNIST, mnist.Fashion}, map[string]bool{mnist.MNIST.Weights: true})
		fashion, _ := m.Dataset(mnist.Fashion.ID)
		for i := range fashion.Files {
			f := &fashion.Files[i]
			d := fakedata.Describe(f.Name, files[f.Name])
			f.Bytes, f.SHA256 = d.Size, d.SHA256
			if err := os.MkdirAll(filepath.Dir(filepath.Join(site, f.Path)), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(site, f.Path), files[f.Name], 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(site, mnist.ManifestPath), m.Marshal(), 0o644); err != nil {
			t.Fatal(err)
		}
		*dv = &dataVariants{siteVariants: variants}
		return *dv
	}
}

// dataStatus is the part of status() about the data.
type dataStatus struct {
	Dataset  string   `json:"dataset"`
	Classes  []string `json:"classes"`
	Weights  string   `json:"weights"`
	Step     int      `json:"step"`
	Training bool     `json:"training"`
	NegELBO  *float64 `json:"negElbo"`
	TestData string   `json:"testData"`
	Recons   int      `json:"recons"`
	// HeldOutCurve is status().heldOut: the held-out curve's latest point.
	HeldOutCurve *struct {
		Images int     `json:"images"`
		Step   int     `json:"step"`
		Recon  float64 `json:"recon"`
	} `json:"heldOut"`
	Import *struct {
		State    string `json:"state"`
		Files    int    `json:"files"`
		Imported int    `json:"imported"`
		Skipped  int    `json:"skipped"`
		Inverted int    `json:"inverted"`
		Train    int    `json:"train"`
		HeldOut  int    `json:"heldOut"`
		Refused  string `json:"refused"`
		Message  string `json:"message"`
		FromIDX  bool   `json:"fromIDX"`
	} `json:"import"`
}

func (b *browserHarness) dataStatus(t *testing.T) dataStatus {
	t.Helper()
	var s dataStatus
	if err := json.Unmarshal([]byte(b.eval(t, `govae.status()`)), &s); err != nil {
		t.Fatalf("status: %v", err)
	}
	return s
}

// waitData polls the data status until ok accepts it.
func (b *browserHarness) waitData(t *testing.T, what string, timeout time.Duration, ok func(dataStatus) bool) dataStatus {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s := b.dataStatus(t)
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s; status %+v, import %+v; page errors %q", timeout, what, s, s.Import, b.text(t, "#errors"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// menu returns the data-set menu's options as "value:text:disabled".
func (b *browserHarness) menu(t *testing.T) []string {
	t.Helper()
	var out []string
	js := `JSON.stringify([...document.querySelectorAll("#dataset option")].map((o) => o.value + ":" + o.textContent + ":" + o.disabled))`
	if err := json.Unmarshal([]byte(b.eval(t, js)), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// testDataMenu: the menu offers the data sets the manifest lists, the
// absent one as not on this site; MNIST is the default, with its digits
// as the legend; the page's font check tells a glyph it has from one no
// font has.
func (b dataSuite) testDataMenu(t *testing.T) {
	// A link to a data set the site does not serve, or to the visitor's
	// own images, opens MNIST with a notice.
	for q, want := range map[string]string{
		"kmnist": "dataset=kmnist: Kuzushiji-MNIST is not on this site; showing MNIST.",
		"own":    "dataset=own: your own images are not part of a link",
	} {
		b.open(t, "/govae/?dataset="+q)
		s := b.waitData(t, "the fallback to MNIST", 20*time.Second, func(s dataStatus) bool { return s.Dataset == "mnist" && s.Weights == "pretrained" })
		if notices := b.text(t, "#notices"); !strings.Contains(notices, want) {
			t.Errorf("dataset=%s: notices %q, status %+v", q, notices, s)
		}
	}
	b.open(t, "/govae/")
	s := b.waitData(t, "the menu", 20*time.Second, func(s dataStatus) bool { return len(b.menu(t)) == 3 })
	want := []string{"mnist:MNIST:false", "fashion:Fashion-MNIST (no pretrained weights):false",
		"kmnist:Kuzushiji-MNIST — not on this site:true"}
	if got := b.menu(t); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("menu %q, want %q", got, want)
	}
	if s.Dataset != "mnist" || strings.Join(s.Classes, "") != "0123456789" || s.Weights != "pretrained" {
		t.Errorf("status: %+v", s)
	}
	if note := b.text(t, "#dataset-note"); !strings.Contains(note, "Yann LeCun") {
		t.Errorf("note %q", note)
	}
	if got := b.eval(t, `String([govaeHost.canShow("A7"), govaeHost.canShow("\u0378"), govaeHost.canShow("お")])`); !strings.HasPrefix(got, "true,false,") {
		t.Errorf("canShow(A7, U+0378, お) = %s", got)
	} else {
		t.Logf("canShow(A7, U+0378, お) = %s", got)
	}
}

// testSecondDataset: the test's own IDX set, served as a second data set,
// starts from fresh weights with a note, names its classes, loads its test
// images and trains — in the Web Workers, which fetch its training file —
// and the page goes back to MNIST's pretrained weights.
func (b dataSuite) testSecondDataset(t *testing.T) {
	b.open(t, "/govae/?dataset=fashion&batch=32&lr=0.003&overlay=1")
	s := b.waitData(t, "the test images", 60*time.Second, func(s dataStatus) bool { return s.TestData == "ready" && s.Recons > 0 })
	if s.Dataset != "fashion" || s.Weights != "random init" || len(s.Classes) != 10 || s.Classes[0] != "T-shirt/top" || s.Classes[9] != "Ankle boot" {
		t.Fatalf("status %+v", s)
	}
	if note := b.text(t, "#dataset-note"); !strings.Contains(note, "Fashion-MNIST has no pretrained weights on this site") {
		t.Errorf("note %q", note)
	}
	if msg := b.text(t, "#test-data-text"); !strings.Contains(msg, fmt.Sprintf("%d images loaded", fakeFashionN)) {
		t.Errorf("test line %q", msg)
	}
	before := b.screenshot(t, "fashion-fresh")
	b.click(t, "#train")
	s = b.waitData(t, "300 steps", 180*time.Second, func(s dataStatus) bool { return s.Step >= 300 })
	b.click(t, "#pause")
	b.waitData(t, "the pause", 20*time.Second, func(s dataStatus) bool { return !s.Training })
	time.Sleep(time.Second) // the last refresh
	after := b.screenshot(t, "fashion-trained")
	st := b.status(t)
	diff := planeDiff(before, after, st)
	t.Logf("−ELBO after %d steps: %.1f; plane changed by %.3f", s.Step, *s.NegELBO, diff)
	if s.NegELBO == nil || *s.NegELBO > 300 || diff < 0.02 {
		t.Errorf("training on the second data set: −ELBO %v, plane changed by %.3f", s.NegELBO, diff)
	}
	if loc := b.eval(t, `location.search`); !strings.Contains(loc, "dataset=fashion") {
		t.Errorf("URL %q", loc)
	}
	if n := b.v.fashionTrain.Load(); n < 1 {
		t.Errorf("the training file of the second data set was fetched %d times", n)
	}
	// Back to MNIST from the menu: its pretrained weights and digits.
	b.choose(t, "#dataset", "mnist")
	s = b.waitData(t, "MNIST", 30*time.Second, func(s dataStatus) bool {
		return s.Dataset == "mnist" && s.Weights == "pretrained" && s.TestData == "ready"
	})
	if s.Step != 0 || s.Classes[3] != "3" {
		t.Errorf("back on MNIST: %+v", s)
	}
	time.Sleep(600 * time.Millisecond) // the URL is written at most twice a second
	if loc := b.eval(t, `location.search`); !strings.Contains(loc, "dataset=mnist") {
		t.Errorf("URL %q", loc)
	}
}

// ownFiles writes the visitor's files: 40 PNG drawings of digits, every
// third black on white, and a text file. It returns their paths and which
// drawings are light.
func ownFiles(t *testing.T) ([]string, []bool) {
	dir := t.TempDir()
	var paths []string
	var light []bool
	for i := 0; i < 40; i++ {
		l := i%3 == 0
		p := filepath.Join(dir, fmt.Sprintf("digit%02d.png", i))
		if err := os.WriteFile(p, fakedata.DigitPNG(i%10, 80+2*i, 100, 8+i%11, 6+i%7, l), 0o644); err != nil {
			t.Fatal(err)
		}
		paths, light = append(paths, p), append(light, l)
	}
	p := filepath.Join(dir, "readme.txt")
	if err := os.WriteFile(p, []byte("these are my digits"), 0o644); err != nil {
		t.Fatal(err)
	}
	return append(paths, p), light
}

// upload gives files to the own-images chooser.
func (b *browserHarness) upload(t *testing.T, paths []string) {
	t.Helper()
	b.eval(t, `document.querySelector("#own").open = true, ""`)
	if err := b.run(t, 20*time.Second, chromedp.SetUploadFiles(chromedp.CSS("#own-files"), paths)); err != nil {
		t.Fatal(err)
	}
}

// sheet returns the contact sheet's pixels.
func (b *browserHarness) sheet(t *testing.T) *image.RGBA {
	t.Helper()
	var px struct {
		W, H int
		Data []byte
	}
	js := `(() => { const c = document.querySelector("#own-sheet");
		const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
		let bin = "";
		for (let i = 0; i < d.length; i += 8192) bin += String.fromCharCode(...d.subarray(i, i + 8192));
		return JSON.stringify({W: c.width, H: c.height, Data: btoa(bin)}); })()`
	if err := json.Unmarshal([]byte(b.eval(t, js)), &px); err != nil {
		t.Fatal(err)
	}
	return &image.RGBA{Pix: px.Data, Stride: 4 * px.W, Rect: image.Rect(0, 0, px.W, px.H)}
}

// testOwnImages: 40 drawings and a text file → 40 imported, 1 skipped; the
// contact sheet shows every one white on black, the light ones framed as
// inverted; training runs on them, in the page and then in a Web Worker,
// and changes the manifold; the set is saved as an IDX pair and loads
// again.
func (b dataSuite) testOwnImages(t *testing.T) {
	b.open(t, "/govae/?batch=32&lr=0.003&workers=0")
	paths, light := ownFiles(t)
	began := time.Now()
	b.upload(t, paths)
	s := b.waitData(t, "the import", 90*time.Second, func(s dataStatus) bool { return s.Import != nil && s.Import.State != "importing" })
	im := s.Import
	t.Logf("import of 41 files (importer.wasm fetched and started included): %v; %+v", time.Since(began).Round(10*time.Millisecond), *im)
	if im.State != "done" || im.Files != 41 || im.Imported != 40 || im.Skipped != 1 || im.Train != 36 || im.HeldOut != 4 {
		t.Fatalf("import %+v", *im)
	}
	nLight := 0
	for _, l := range light {
		if l {
			nLight++
		}
	}
	if im.Inverted != nLight || !strings.Contains(im.Message, "1 of 41 files was not images") {
		t.Errorf("inverted %d (want %d), message %q", im.Inverted, nLight, im.Message)
	}
	if skips := b.text(t, "#own-skips"); !strings.Contains(skips, "readme.txt") {
		t.Errorf("skipped files listed: %q", skips)
	}
	s = b.waitData(t, "the images shown", 30*time.Second, func(s dataStatus) bool { return s.TestData == "ready" && s.Recons > 0 })
	if s.Dataset != "own" || s.Weights != "random init" || s.Classes[0] != "0" || s.Classes[1] != "" {
		t.Errorf("after the import: %+v", s)
	}
	// The contact sheet: cell i (30×30, image at (1, 1)) shows image i
	// white on black; an orange frame marks the inverted ones.
	sh := b.sheet(t)
	for i, l := range light {
		x0, y0 := (i%16)*30, (i/16)*30
		var peak uint8
		for y := y0 + 1; y < y0+29; y++ {
			for x := x0 + 1; x < x0+29; x++ {
				peak = max(peak, sh.RGBAAt(x, y).R)
			}
		}
		corner := sh.RGBAAt(x0+1, y0+1)
		frame := sh.RGBAAt(x0, y0+15)
		orange := frame == color.RGBA{255, 166, 87, 255}
		if corner.R != 0 || peak < 250 || orange != l {
			t.Errorf("sheet cell %d (light paper %v): corner %v, brightest %d, frame %v", i, l, corner, peak, frame)
		}
	}
	b.screenshot(t, "own-imported")
	before := b.screenshot(t, "own-fresh")
	b.click(t, "#train")
	s = b.waitData(t, "training on the images in the page", 180*time.Second, func(s dataStatus) bool { return s.Step >= 40 && s.NegELBO != nil })
	// On in a Web Worker, which gets the images from the page.
	b.eval(t, `(() => { const e = document.querySelector("#workers"); e.value = "1";
		e.dispatchEvent(new Event("change")); return ""; })()`)
	from := s.Step
	s = b.waitData(t, "training on the images in a worker", 180*time.Second, func(s dataStatus) bool {
		return b.workers(t) == 1 && s.Training && s.Step >= from+160
	})
	b.click(t, "#pause")
	paused := b.waitData(t, "the pause", 20*time.Second, func(s dataStatus) bool { return !s.Training })
	// The held-out curve is measured on the 4 images held out of training,
	// not on the MNIST test digits.
	h := b.waitData(t, "the held-out curve on the held-out images", 60*time.Second, func(s dataStatus) bool {
		return s.HeldOutCurve != nil && s.HeldOutCurve.Step == paused.Step
	}).HeldOutCurve
	if h.Images != im.HeldOut || !(h.Recon > 0) {
		t.Errorf("the held-out curve at step %d: %d images (want the %d held out), reconstruction %.1f nats", h.Step, h.Images, im.HeldOut, h.Recon)
	}
	// The panel shows the contact sheet beside the trained manifold (the
	// README's picture).
	b.eval(t, `document.querySelector("#own-sheet").scrollIntoView({block: "center"}), ""`)
	time.Sleep(time.Second)
	after := b.screenshot(t, "own-trained")
	diff := planeDiff(before, after, b.status(t))
	t.Logf("own images: −ELBO %.1f after %d steps; plane changed by %.3f", *s.NegELBO, s.Step, diff)
	if diff < 0.02 || *s.NegELBO > 400 {
		t.Errorf("training on your images: −ELBO %.1f, plane changed by %.3f", *s.NegELBO, diff)
	}

	// Save as an IDX pair, then load it again.
	dl := t.TempDir()
	if err := b.run(t, 10*time.Second, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dl})
		return err
	})); err != nil {
		t.Fatal(err)
	}
	b.click(t, "#own-save")
	var saved []string
	for deadline := time.Now().Add(20 * time.Second); len(saved) < 2 && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		saved, _ = filepath.Glob(filepath.Join(dl, "govae-*-idx*-ubyte.gz"))
	}
	if len(saved) != 2 {
		t.Fatalf("saved files: %v; message %q", saved, b.text(t, "#own-msg"))
	}
	b.upload(t, saved)
	s = b.waitData(t, "the saved set", 30*time.Second, func(s dataStatus) bool { return s.Import.FromIDX && s.Import.State != "importing" })
	if s.Import.State != "done" || s.Import.Imported != 40 || s.Import.Train != 36 || s.Dataset != "own" {
		t.Errorf("loading the saved pair: %+v", *s.Import)
	}
}

// testHugeImage: a PNG whose header declares 50 megapixels is refused
// before decoding, and with nothing else usable nothing changes; without
// importer.wasm the page says so.
func (b dataSuite) testHugeImage(t *testing.T) {
	p := filepath.Join(t.TempDir(), "huge.png")
	if err := os.WriteFile(p, fakedata.PNGHeader(10000, 5000), 0o644); err != nil {
		t.Fatal(err)
	}
	b.open(t, "/noimporter/")
	b.upload(t, []string{p})
	s := b.waitData(t, "the missing worker", 60*time.Second, func(s dataStatus) bool { return s.Import != nil && s.Import.State == "failed" })
	if !strings.Contains(s.Import.Refused, "the import worker could not start: importer.wasm: HTTP 404") || !strings.Contains(s.Import.Message, "Nothing was imported") {
		t.Errorf("without importer.wasm: %+v", *s.Import)
	}
	t.Logf("without importer.wasm: %q", s.Import.Message)
	b.open(t, "/govae/")
	b.upload(t, []string{p})
	s = b.waitData(t, "the refusal", 60*time.Second, func(s dataStatus) bool { return s.Import != nil && s.Import.State == "failed" })
	skips := b.text(t, "#own-skips")
	t.Logf("refused: %q; %q", s.Import.Refused, skips)
	if !strings.Contains(skips, "10000×5000 pixels (50.0 megapixels) is above the limit of 40 megapixels; not decoded") ||
		!strings.Contains(s.Import.Refused, "at least 16 needed") || s.Dataset != "mnist" || s.Weights != "pretrained" {
		t.Errorf("after the refusal: %+v, import %+v, skipped %q", s, *s.Import, skips)
	}
}

// testMissingFile: a file the site does not have (HTTP 404) is named, and
// no Retry is offered — neither for the test images nor for the training
// images the workers fetch.
func (b dataSuite) testMissingFile(t *testing.T) {
	b.open(t, "/nofashion/?dataset=fashion&batch=16")
	b.waitData(t, "the failed test images", 30*time.Second, func(s dataStatus) bool { return s.TestData == "failed" })
	msg := b.text(t, "#test-data-text")
	if !strings.Contains(msg, "this site does not have data/fashion/t10k-images-idx3-ubyte.gz (HTTP 404)") || b.visible(t, "#test-data-retry") {
		t.Errorf("missing test images: %q, retry shown %v", msg, b.visible(t, "#test-data-retry"))
	}
	b.click(t, "#train")
	b.waitStatus(t, "the failed training download", 60*time.Second, func(s browserStatus) bool { return s.TrainData == "failed" })
	msg = b.text(t, "#train-data-text")
	t.Logf("shown: %q", msg)
	if !strings.Contains(msg, "this site does not have data/fashion/train-images-idx3-ubyte.gz (HTTP 404)") ||
		strings.Contains(msg, "connection") || b.visible(t, "#train-data-retry") {
		t.Errorf("missing training images: %q, retry shown %v", msg, b.visible(t, "#train-data-retry"))
	}
	// Everything else keeps working.
	s := b.status(t)
	b.clickZ(t, s, 1, -1)
	b.waitSample(t, "a click after the failure", func(*browserSample) bool { return true })
}

// testNetworkFailure: a training download whose connection is cut offers
// Retry, which works once the connection is back.
func (b dataSuite) testNetworkFailure(t *testing.T) {
	b.needData(t, "train")
	v := b.v
	v.netFail.Store(true)
	b.open(t, "/netfail/?batch=16")
	b.click(t, "#train")
	b.waitStatus(t, "the failed download", 60*time.Second, func(s browserStatus) bool { return s.TrainData == "failed" })
	msg := b.text(t, "#train-data-text")
	t.Logf("shown: %q", msg)
	if !strings.Contains(msg, "could not be downloaded") || !strings.Contains(msg, "retry when the connection is back") || !b.visible(t, "#train-data-retry") {
		t.Fatalf("after a cut connection: %q, retry shown %v", msg, b.visible(t, "#train-data-retry"))
	}
	v.netFail.Store(false)
	b.click(t, "#train-data-retry")
	b.waitStatus(t, "training after the retry", 120*time.Second, func(s browserStatus) bool { return s.TrainData == "ready" && s.Step >= 1 })
	b.click(t, "#pause")
	if b.visible(t, "#train-data-retry") {
		t.Error("the retry button stays after a successful retry")
	}
}
