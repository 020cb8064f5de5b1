//go:build js && wasm

package bridge

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sync"
	"syscall/js"
)

// IndexedDB, for the page's checkpoints: a database of two object stores
// keyed by a record's name, "meta" (what a list shows) and "data" (the
// bytes), written together in one transaction so that a list never shows a
// record whose bytes are missing. Every call but PutNow blocks its
// goroutine until IndexedDB answers, so none of them runs on the game loop.

// Record is one stored checkpoint.
type Record struct {
	Name    string  // the key: "autosave", or a name the visitor gave
	SavedAt float64 // milliseconds since 1970 (Date.now())
	Step    int     // the training step of Data
	Epoch   int
	Base    uint32 // core.WeightsChecksum of the pretrained weights shipped when it was saved
	Label   string // what the weights were ("pretrained, fine-tuned", …)
	Bytes   int    // len(Data) + len(Weights)
	// Data is core's checkpoint file (not read by List).
	Data []byte
	// Weights, when not nil, is a weights file newer than Data's, of step
	// WeightsStep: the weights shown when the page went away while the
	// optimiser's state was in a Web Worker (not read by List).
	Weights     []byte
	WeightsStep int
	// History, when not nil, is the loss curve as the page had it (Data's
	// own is then empty): step, −ELBO, reconstruction and KL of each point,
	// in turn (not read by List).
	History []float64
	// Settings is the page's URL query when it was saved.
	Settings string
}

// IDB is an open checkpoint database.
type IDB struct {
	db     js.Value
	name   string
	spare  map[int]js.Value // Uint8Arrays reused for PutNow's copies, by length
	once   sync.Once
	writer *idbWriter // Put's worker; nil when it could not start
}

// PutThread names the thread Put writes on: "worker" (the writer worker,
// started on first call) or "page" (the browser could not start it, or it
// failed).
func (d *IDB) PutThread() string {
	if d.writerOnce() != nil {
		return "worker"
	}
	return "page"
}

// writerOnce starts Put's writer worker on first use.
func (d *IDB) writerOnce() *idbWriter {
	d.once.Do(func() { d.writer = newIDBWriter() })
	if d.writer != nil && d.writer.broken() {
		return nil
	}
	return d.writer
}

const (
	maxHistory = 1 << 16 // points, core.MaxCheckpointHistory
	idbVersion = 1
	idbMeta    = "meta"
	idbData    = "data"
)

// ErrNoIndexedDB is OpenIDB's error when the browser has no IndexedDB.
var ErrNoIndexedDB = errors.New("this browser gives the page no IndexedDB")

// OpenIDB opens (creating it when new) the database name. A browser that
// refuses storage (private browsing in some browsers, storage turned off)
// gives an error saying so.
func OpenIDB(name string) (_ *IDB, err error) {
	defer recoverJS(&err)
	factory := js.Global().Get("indexedDB")
	if !factory.Truthy() {
		return nil, ErrNoIndexedDB
	}
	req := factory.Call("open", name, idbVersion)
	upgrade := js.FuncOf(func(js.Value, []js.Value) any {
		db := req.Get("result")
		for _, s := range []string{idbMeta, idbData} {
			if !db.Get("objectStoreNames").Call("contains", s).Bool() {
				db.Call("createObjectStore", s)
			}
		}
		return nil
	})
	defer upgrade.Release()
	req.Set("onupgradeneeded", upgrade)
	db, err := await(req, "success", "error", "blocked")
	if err != nil {
		return nil, err
	}
	return &IDB{db: db, name: name, spare: map[int]js.Value{}}, nil
}

// recoverJS turns a JavaScript exception thrown into Go (js.Error) into err.
func recoverJS(err *error) {
	if r := recover(); r != nil {
		if e, ok := r.(js.Error); ok {
			*err = domError(e.Value)
			return
		}
		panic(r)
	}
}

// domError names a DOMException: "QuotaExceededError: …".
func domError(v js.Value) error {
	if v.Type() == js.TypeObject && v.Get("name").Type() == js.TypeString {
		name, msg := v.Get("name").String(), v.Get("message")
		if msg.Type() != js.TypeString || msg.String() == "" {
			return errors.New(name)
		}
		return fmt.Errorf("%s: %s", name, msg.String())
	}
	if v.Type() == js.TypeObject || v.Type() == js.TypeString {
		return JSError(v)
	}
	return errors.New("IndexedDB failed without saying why")
}

// await waits until target fires one of the events; the first is success
// (target.result is returned), the others failures (target.error).
func await(target js.Value, ok string, failures ...string) (js.Value, error) {
	type result struct {
		v   js.Value
		err error
	}
	ch := make(chan result, 1)
	var funcs []js.Func
	on := func(event string, f func() result) {
		fn := js.FuncOf(func(js.Value, []js.Value) any {
			select {
			case ch <- f():
			default:
			}
			return nil
		})
		funcs = append(funcs, fn)
		target.Set("on"+event, fn)
	}
	on(ok, func() result {
		if r := target.Get("result"); r.Type() != js.TypeUndefined || ok == "success" {
			return result{v: r}
		}
		return result{}
	})
	for _, f := range failures {
		on(f, func() result {
			if f == "blocked" {
				return result{err: errors.New("the database is held open by an older copy of the page in another tab")}
			}
			if e := target.Get("error"); e.Truthy() {
				return result{err: domError(e)}
			}
			return result{err: fmt.Errorf("IndexedDB: %s", f)}
		})
	}
	r := <-ch
	for _, f := range funcs {
		f.Release()
	}
	return r.v, r.err
}

// transaction starts a transaction on both stores.
func (d *IDB) transaction(mode string) js.Value {
	return d.db.Call("transaction", []any{idbMeta, idbData}, mode)
}

// PutNow starts writing r (replacing a record of the same name) and
// returns the transaction at once, committed without waiting (for
// pagehide, when the page cannot wait). r.Data and r.Weights are copied
// before it returns.
func (d *IDB) PutNow(r Record) (tx js.Value, err error) {
	defer recoverJS(&err)
	tx = d.transaction("readwrite")
	meta := recordMetaJS(r)
	data := js.Global().Get("Object").New()
	data.Set("checkpoint", d.copyToJS(r.Data))
	if r.Weights != nil {
		data.Set("weights", d.copyToJS(r.Weights))
	}
	if r.History != nil {
		data.Set("history", float64sToJS(r.History))
	}
	tx.Call("objectStore", idbMeta).Call("put", meta, r.Name)
	tx.Call("objectStore", idbData).Call("put", data, r.Name)
	if c := tx.Get("commit"); c.Type() == js.TypeFunction {
		tx.Call("commit") // do not wait for the task to end: the page may be going away
	}
	return tx, nil
}

// recordMetaJS is r's meta record, what List reads.
func recordMetaJS(r Record) map[string]any {
	return map[string]any{"name": r.Name, "savedAt": r.SavedAt, "step": r.Step, "epoch": r.Epoch,
		"base": float64(r.Base), "label": r.Label, "bytes": len(r.Data) + len(r.Weights), "weightsStep": r.WeightsStep,
		"settings": r.Settings}
}

// copyToJS copies b into a Uint8Array kept for the next copy of the same
// length: put clones it at once, so a checkpoint saved every few seconds
// makes no garbage in the JavaScript heap.
func (d *IDB) copyToJS(b []byte) js.Value {
	a, ok := d.spare[len(b)]
	if !ok {
		a = js.Global().Get("Uint8Array").New(len(b))
		if len(d.spare) > 4 {
			clear(d.spare)
		}
		d.spare[len(b)] = a
	}
	js.CopyBytesToJS(a, b)
	return a
}

// Put writes r (replacing a record of the same name) and waits until it is
// stored. A full disk or quota gives an error naming QuotaExceededError.
// The writing is done by a dedicated worker (idbwriter.go: IndexedDB's put
// serialises on the calling thread, 130–187 ms for a checkpoint), on the
// page's thread only when the browser cannot start one.
func (d *IDB) Put(r Record) error {
	if w := d.writerOnce(); w != nil {
		return w.put(d.name, r)
	}
	tx, err := d.PutNow(r)
	if err != nil {
		return err
	}
	return waitTx(tx)
}

// waitTx waits for a transaction to complete.
func waitTx(tx js.Value) error {
	_, err := await(tx, "complete", "error", "abort")
	return err
}

// List returns the records' descriptions (Data and Weights nil).
func (d *IDB) List() (_ []Record, err error) {
	defer recoverJS(&err)
	v, err := await(d.transaction("readonly").Call("objectStore", idbMeta).Call("getAll"), "success", "error")
	if err != nil {
		return nil, err
	}
	out := make([]Record, 0, v.Length())
	for i := 0; i < v.Length(); i++ {
		out = append(out, recordMeta(v.Index(i)))
	}
	return out, nil
}

// recordMeta reads a meta record; fields of the wrong type read as zero
// (the checkpoint's own checks catch what matters).
func recordMeta(v js.Value) Record {
	str := func(k string) string {
		if f := v.Get(k); f.Type() == js.TypeString {
			return f.String()
		}
		return ""
	}
	num := func(k string) float64 {
		if f := v.Get(k); f.Type() == js.TypeNumber {
			return f.Float()
		}
		return 0
	}
	if v.Type() != js.TypeObject {
		return Record{}
	}
	return Record{Name: str("name"), SavedAt: num("savedAt"), Step: int(num("step")), Epoch: int(num("epoch")),
		Base: uint32(num("base")), Label: str("label"), Bytes: int(num("bytes")), WeightsStep: int(num("weightsStep")),
		Settings: str("settings")}
}

// Get reads the record name with its bytes; ok is false when there is none.
// A record whose bytes are not byte arrays gives an error.
func (d *IDB) Get(name string) (_ Record, ok bool, err error) {
	defer recoverJS(&err)
	tx := d.transaction("readonly")
	meta := tx.Call("objectStore", idbMeta).Call("get", name)
	data := tx.Call("objectStore", idbData).Call("get", name)
	if _, err := await(tx, "complete", "error", "abort"); err != nil {
		return Record{}, false, err
	}
	m, v := meta.Get("result"), data.Get("result")
	if m.Type() == js.TypeUndefined && v.Type() == js.TypeUndefined {
		return Record{}, false, nil
	}
	r := recordMeta(m)
	r.Name = name
	bytes := func(v js.Value, field string) ([]byte, error) {
		if v.Type() != js.TypeObject {
			return nil, errors.New("the stored record holds no bytes")
		}
		a := v.Get(field)
		switch {
		case a.Type() == js.TypeUndefined && field == "weights":
			return nil, nil
		case !a.InstanceOf(js.Global().Get("Uint8Array")):
			return nil, fmt.Errorf("the stored %s is not a byte array", field)
		}
		return GoBytes(a), nil
	}
	if r.Data, err = bytes(v, "checkpoint"); err == nil {
		r.Weights, err = bytes(v, "weights")
	}
	if h := v.Get("history"); err == nil && h.Type() != js.TypeUndefined {
		if !h.InstanceOf(js.Global().Get("Float64Array")) || h.Length() > 4*maxHistory {
			return r, true, errors.New("the stored loss history is not a list of numbers")
		}
		r.History = float64sFromJS(h)
	}
	return r, true, err
}

// Delete removes the record name (nothing when there is none).
func (d *IDB) Delete(name string) (err error) {
	defer recoverJS(&err)
	tx := d.transaction("readwrite")
	tx.Call("objectStore", idbMeta).Call("delete", name)
	tx.Call("objectStore", idbData).Call("delete", name)
	return waitTx(tx)
}

// StorageEstimate returns navigator.storage.estimate()'s usage and quota in
// bytes (zeros where the browser does not say).
func StorageEstimate() (usage, quota float64) {
	s := js.Global().Get("navigator").Get("storage")
	if !s.Truthy() || s.Get("estimate").Type() != js.TypeFunction {
		return 0, 0
	}
	v, err := Await(s.Call("estimate"))
	if err != nil || v.Type() != js.TypeObject {
		return 0, 0
	}
	if u := v.Get("usage"); u.Type() == js.TypeNumber {
		usage = u.Float()
	}
	if q := v.Get("quota"); q.Type() == js.TypeNumber {
		quota = q.Float()
	}
	return usage, quota
}

// float64sToJS returns v as a new Float64Array, copied as bytes in one
// call rather than one js call per element (a full loss history is
// 4·maxHistory = 262 144 of them, at every checkpoint). Typed arrays use
// the platform's byte order, little-endian in every browser, like
// WebAssembly's memory.
func float64sToJS(v []float64) js.Value {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(x))
	}
	u := js.Global().Get("Uint8Array").New(len(b))
	js.CopyBytesToJS(u, b)
	return js.Global().Get("Float64Array").New(u.Get("buffer"))
}

// float64sFromJS copies the Float64Array h into Go, as bytes in one call
// (float64sToJS).
func float64sFromJS(h js.Value) []float64 {
	n := h.Length()
	b := make([]byte, 8*n)
	js.CopyBytesToGo(b, js.Global().Get("Uint8Array").New(h.Get("buffer"), h.Get("byteOffset"), 8*n))
	v := make([]float64, n)
	for i := range v {
		v[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
	}
	return v
}
