package train

import dp "github.com/govae/govae/wasm/worker/dataparallel"

// SetDataBytes gives every worker n training images as pixel bytes (0–255,
// 784 per image, scaled by 1/255 as package mnist scales them): a quarter
// of SetData's traffic, and the form a visitor's imported images come in.
func (w *Workers) SetDataBytes(pixels []uint8, n int) {
	w.sendData(&dp.Message{Kind: dp.Data, Bytes: pixels, N: n})
}
