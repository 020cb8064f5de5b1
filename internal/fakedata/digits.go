package fakedata

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"

	"github.com/govae/govae/core/mnist"
)

// font5x7 draws the digits 0–9 on a 5×7 grid, one string per row, '#' for
// ink: the classic dot-matrix digits.
var font5x7 = [10][7]string{
	{" ### ", "#   #", "#  ##", "# # #", "##  #", "#   #", " ### "},
	{"  #  ", " ##  ", "  #  ", "  #  ", "  #  ", "  #  ", " ### "},
	{" ### ", "#   #", "    #", "   # ", "  #  ", " #   ", "#####"},
	{"#####", "   # ", "  #  ", "   # ", "    #", "#   #", " ### "},
	{"   # ", "  ## ", " # # ", "#  # ", "#####", "   # ", "   # "},
	{"#####", "#    ", "#### ", "    #", "    #", "#   #", " ### "},
	{"  ## ", " #   ", "#    ", "#### ", "#   #", "#   #", " ### "},
	{"#####", "    #", "   # ", "  #  ", " #   ", " #   ", " #   "},
	{" ### ", "#   #", "#   #", " ### ", "#   #", "#   #", " ### "},
	{" ### ", "#   #", "#   #", " ####", "    #", "   # ", " ##  "},
}

// Digit draws digit d (0–9) in the 5×7 dot-matrix font on a w×h picture:
// each dot a cell of side s = min(w/7, h/9), the glyph's top-left corner at
// (x0, y0) within the picture, which is clamped so that it fits. light
// draws black ink on white paper, else white on black. Tests use it as the
// visitor's own drawings.
func Digit(d, w, h, x0, y0 int, light bool) *image.NRGBA {
	paper, ink := color.NRGBA{0, 0, 0, 255}, color.NRGBA{255, 255, 255, 255}
	if light {
		paper, ink = ink, paper
	}
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = paper.R, paper.G, paper.B, 255
	}
	s := max(1, min(w/7, h/9))
	x0, y0 = min(max(x0, 0), max(w-5*s, 0)), min(max(y0, 0), max(h-7*s, 0))
	for row, line := range font5x7[((d%10)+10)%10] {
		for col, c := range line {
			if c != '#' {
				continue
			}
			for y := y0 + row*s; y < y0+(row+1)*s && y < h; y++ {
				for x := x0 + col*s; x < x0+(col+1)*s && x < w; x++ {
					img.SetNRGBA(x, y, ink)
				}
			}
		}
	}
	return img
}

// DigitPNG returns Digit(d, w, h, x0, y0, light) as a PNG file.
func DigitPNG(d, w, h, x0, y0 int, light bool) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, Digit(d, w, h, x0, y0, light)); err != nil {
		panic(err) // an in-memory NRGBA always encodes
	}
	return b.Bytes()
}

// DigitFiles returns the four .gz files, by canonical name, of a data set
// of n training and n test 28×28 images of the digit i mod 10 in the 5×7
// font (white on black, as MNIST), at positions that vary with i, labelled
// i mod 10: a set a VAE visibly learns, for tests that train on a data set
// of their own.
func DigitFiles(n int) map[string][]byte {
	labels := make([]uint8, n)
	pixels := make([]uint8, 0, n*mnist.ImageSize)
	for i := range labels {
		labels[i] = uint8(i % 10)
		img := Digit(i%10, 28, 28, 4+i%9, 2+(i/10)%8, false)
		for p := 0; p < len(img.Pix); p += 4 {
			pixels = append(pixels, img.Pix[p])
		}
	}
	return idxFiles(n, pixels, labels)
}

// PNGHeader returns a PNG signature, an IHDR chunk declaring w×h 8-bit
// grey, a few bytes of IDAT and IEND: a tiny file whose header promises a
// huge image, and whose data could not be decoded into one — so only a
// refusal from the header says "not decoded".
func PNGHeader(w, h uint32) []byte {
	chunk := func(typ string, data []byte) []byte {
		b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
		b = append(b, typ...)
		b = append(b, data...)
		return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 0, 0, 0, 0) // bit depth 8, grey, deflate, no filter, no interlace
	out := []byte("\x89PNG\r\n\x1a\n")
	out = append(out, chunk("IHDR", ihdr)...)
	out = append(out, chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00})...)
	return append(out, chunk("IEND", nil)...)
}
