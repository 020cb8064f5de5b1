package imageset

import (
	"image/color"
	"testing"
)

// BenchmarkImport measures Import's throughput, in images/s, on small PNG
// drawings (200×150) and on photo-sized JPEGs (2000×1500, 3 megapixels).
func BenchmarkImport(b *testing.B) {
	for _, c := range []struct {
		name string
		w, h int
	}{
		{"png-200x150", 200, 150},
		{"jpeg-2000x1500", 2000, 1500},
	} {
		img := seven(c.w, c.h, c.w/5, c.h/10, c.h*3/4, color.White, color.Black)
		var data []byte
		if c.name[:3] == "png" {
			data = encodePNG(b, img)
		} else {
			data = encodeJPEG(b, img)
		}
		inputs := make([]Input, 16)
		for i := range inputs {
			inputs[i] = Input{Name: "x", Data: data}
		}
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, _, err := Import(inputs, Options{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*len(inputs))/b.Elapsed().Seconds(), "images/s")
		})
	}
}
