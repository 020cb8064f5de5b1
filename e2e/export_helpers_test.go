//go:build !(js && wasm)

package e2e

// The helpers of export_browser_test.go: the window.govae hooks of the
// timeline and the exports, the page's downloads caught in the tab, and
// the comparisons of a plane with a snapshot's grey levels.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// timelineState mirrors window.govae.timeline().
type timelineState struct {
	Count   int    `json:"count"`
	Steps   []int  `json:"steps"`
	Shown   int    `json:"shown"`
	Playing bool   `json:"playing"`
	Bytes   int64  `json:"bytes"`
	Caption string `json:"caption"`
}

// framePixels mirrors window.govae.timelinePixels(i).
type framePixels struct {
	Step   int     `json:"step"`
	Epoch  float64 `json:"epoch"`
	Grid   int     `json:"grid"`
	Pixels []byte  `json:"pixels"`
	Dots   int     `json:"dots"`
}

// exportState mirrors window.govae.exportStatus().
type exportState struct {
	Busy      bool    `json:"busy"`
	Kind      string  `json:"kind"`
	Phase     string  `json:"phase"`
	Fraction  float64 `json:"fraction"`
	Name      string  `json:"name"`
	Bytes     int     `json:"bytes"`
	Width     int     `json:"width"`
	Height    int     `json:"height"`
	Frames    int     `json:"frames"`
	Error     string  `json:"error"`
	Ms        float64 `json:"ms"`
	PackMaxMs float64 `json:"packMaxMs"`
	Exports   int     `json:"exports"`
}

// hookJSON evaluates expr, a window.govae hook that returns JSON, into v.
func (b *browserHarness) hookJSON(t *testing.T, expr string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(b.eval(t, expr)), v); err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
}

func (b *browserHarness) timeline(t *testing.T) (s timelineState) {
	t.Helper()
	b.hookJSON(t, `govae.timeline()`, &s)
	return s
}

func (b *browserHarness) framePixels(t *testing.T, i int) (f framePixels) {
	t.Helper()
	if b.hookJSON(t, fmt.Sprintf(`govae.timelinePixels(%d)`, i), &f); f.Grid == 0 {
		t.Fatalf("timelinePixels(%d): no snapshot", i)
	}
	return f
}

func (b *browserHarness) exportState(t *testing.T) (s exportState) {
	t.Helper()
	b.hookJSON(t, `govae.exportStatus()`, &s)
	return s
}

// catchDownloads makes the page's downloads land in window.downloads as
// [name, blob URL] instead of the browser's download folder.
func (b *browserHarness) catchDownloads(t *testing.T) {
	b.eval(t, `(() => { window.downloads = []; if (!window.downloadsCaught) { window.downloadsCaught = true;
		const click = HTMLAnchorElement.prototype.click;
		HTMLAnchorElement.prototype.click = function () { if (this.download) downloads.push([this.download, this.href]); else click.call(this); }; }
		return ""; })()`)
}

// download waits for the page's next download and returns its name and
// bytes (kept beside the screenshots).
func (b *browserHarness) download(t *testing.T, timeout time.Duration) (string, []byte) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for b.eval(t, `String(downloads.length)`) == "0" {
		if time.Now().After(deadline) {
			t.Fatalf("no download after %v; export status %+v; page errors %q", timeout, b.exportState(t), b.text(t, "#errors"))
		}
		time.Sleep(50 * time.Millisecond)
	}
	got := b.evalAsync(t, `(async () => { const [name, href] = downloads.shift();
		const buf = new Uint8Array(await (await fetch(href)).arrayBuffer());
		let s = ""; for (let i = 0; i < buf.length; i += 0x8000) s += String.fromCharCode(...buf.subarray(i, i + 0x8000));
		return JSON.stringify([name, btoa(s)]); })()`)
	var pair [2]string
	if err := json.Unmarshal([]byte(got), &pair); err != nil {
		t.Fatal(err)
	}
	data, err := base64.StdEncoding.DecodeString(pair[1])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(b.shots, pair[0]), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return pair[0], data
}

// shownDiff is the mean absolute difference, in grey levels, between the
// plane in a screenshot and a manifold's grey levels: the screenshot read
// at the centre of each of the manifold's pixels (the plane is drawn
// magnified with linear filtering, which keeps a pixel's value at its
// centre).
func shownDiff(img image.Image, s browserStatus, f framePixels) float64 {
	const d = 28
	side := f.Grid * d
	k := s.DeviceScale
	var sum float64
	for sy := 0; sy < side; sy++ {
		for sx := 0; sx < side; sx++ {
			x := (s.Plane.Left + (float64(sx)+0.5)*s.Plane.Width/float64(side)) * k
			y := (s.Plane.Top + (float64(sy)+0.5)*s.Plane.Height/float64(side)) * k
			_, g, _, _ := img.At(int(x), int(y)).RGBA()
			tile := (sy/d)*f.Grid + sx/d
			want := f.Pixels[tile*d*d+(sy%d)*d+sx%d]
			sum += math.Abs(float64(g>>8) - float64(want))
		}
	}
	return sum / float64(side*side)
}

// greyDiff is the mean absolute difference of two manifolds' grey levels.
func greyDiff(a, b []byte) float64 {
	var sum float64
	for i := range a {
		sum += math.Abs(float64(a[i]) - float64(b[i]))
	}
	return sum / float64(len(a))
}

// savePlane presses "Plane as PNG" and returns the file's name and picture.
func (b *browserHarness) savePlane(t *testing.T) (string, image.Image) {
	t.Helper()
	b.catchDownloads(t)
	b.click(t, "#export-png")
	name, data := b.download(t, 120*time.Second)
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return name, img
}

// pngSize is a plane PNG's size for a plane of side CSS pixels at a device
// scale: the plane in device pixels with picture's margins in CSS pixels
// (44 left, 12 right, 22 above, 38 below), scaled.
func pngSize(side, scale float64) (s, w, h int) {
	r := func(v float64) int { return int(math.Round(v * scale)) }
	s = r(side)
	return s, r(44) + s + r(12), r(22) + s + r(38)
}
