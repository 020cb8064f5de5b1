//go:build js && wasm

package bridge

import (
	"errors"
	"sync"
	"syscall/js"
)

// Writing a checkpoint from a dedicated worker. IndexedDB's put serialises
// its value on the calling thread: for the ~8 MB checkpoint the page keeps
// every 5 s that blocked the page's thread for 130–187 ms each time
// (headless Chromium here, 2026-11-30), a long task that held frames and
// manifold refreshes back. A Blob is no way out — new Blob([bytes]) took
// 58–142 ms on the same thread. So IDB.Put copies the bytes into fresh
// ArrayBuffers (a few ms), transfers them to this worker (no copy), and the
// worker stores them in the same database in one transaction, as PutNow
// does — unless the stored record of that name was saved later (a PutNow
// at pagehide overtaking it: the worker's transaction can begin after the
// page's) — and answers with the outcome. PutNow, for pagehide, stays on the
// page's thread: a worker may not outlive the page.

// idbWriterJS is the worker's program, started from a Blob URL so that the
// site needs no extra file. Messages: {id, db, name, meta, checkpoint,
// weights?, history?} with the byte fields as transferred ArrayBuffers;
// replies {id, ok} or {id, ok: false, name, message} (the DOMException's).
const idbWriterJS = `"use strict";
const dbs = new Map();
function open(name) {
	if (dbs.has(name)) return dbs.get(name);
	const p = new Promise((resolve, reject) => {
		const req = indexedDB.open(name, 1);
		req.onupgradeneeded = () => {
			for (const s of ["meta", "data"]) {
				if (!req.result.objectStoreNames.contains(s)) req.result.createObjectStore(s);
			}
		};
		req.onsuccess = () => resolve(req.result);
		req.onerror = () => reject(req.error);
		req.onblocked = () => reject(new Error("the database is held open by an older copy of the page in another tab"));
	});
	dbs.set(name, p);
	p.catch(() => dbs.delete(name));
	return p;
}
onmessage = async (e) => {
	const m = e.data;
	try {
		const db = await open(m.db);
		const tx = db.transaction(["meta", "data"], "readwrite");
		const done = new Promise((resolve, reject) => {
			tx.oncomplete = resolve;
			tx.onerror = () => reject(tx.error);
			tx.onabort = () => reject(tx.error || new Error("the transaction was aborted"));
		});
		const data = { checkpoint: new Uint8Array(m.checkpoint) };
		if (m.weights) data.weights = new Uint8Array(m.weights);
		if (m.history) data.history = m.history;
		// A record saved later on the page's thread (PutNow at pagehide or a
		// lost context) may have been written while this one travelled:
		// never overwrite a newer one.
		const meta = tx.objectStore("meta"), current = meta.get(m.name);
		current.onsuccess = () => {
			const c = current.result;
			if (c && typeof c.savedAt === "number" && c.savedAt > m.meta.savedAt) return;
			meta.put(m.meta, m.name);
			tx.objectStore("data").put(data, m.name);
		};
		await done;
		postMessage({ id: m.id, ok: true });
	} catch (err) {
		postMessage({ id: m.id, ok: false, name: (err && err.name) || "Error", message: String((err && err.message) || err) });
	}
};`

// idbWriter is the page's side of the writer worker.
type idbWriter struct {
	worker js.Value
	onMsg  js.Func
	onErr  js.Func
	mu     sync.Mutex
	failed bool
	next   int
	wait   map[int]chan error
}

// newIDBWriter starts the writer worker; nil when the browser cannot (no
// Worker, Blob URLs refused), and then Put writes on the page's thread.
func newIDBWriter() (w *idbWriter) {
	defer func() {
		if recover() != nil {
			w = nil
		}
	}()
	if !js.Global().Get("Worker").Truthy() || !js.Global().Get("URL").Truthy() {
		return nil
	}
	blob := js.Global().Get("Blob").New([]any{idbWriterJS}, map[string]any{"type": "text/javascript"})
	url := js.Global().Get("URL").Call("createObjectURL", blob)
	worker := js.Global().Get("Worker").New(url)
	js.Global().Get("URL").Call("revokeObjectURL", url)
	w = &idbWriter{worker: worker, wait: map[int]chan error{}}
	w.onMsg = js.FuncOf(func(_ js.Value, args []js.Value) any {
		m := args[0].Get("data")
		id := m.Get("id").Int()
		var err error
		if !m.Get("ok").Bool() {
			err = domError(m)
		}
		w.mu.Lock()
		ch := w.wait[id]
		delete(w.wait, id)
		w.mu.Unlock()
		if ch != nil {
			ch <- err
		}
		return nil
	})
	worker.Set("onmessage", w.onMsg)
	// A worker that fails (its script refused, an uncaught error) fails
	// every put waiting for it, and Put falls back to the page's thread.
	w.onErr = js.FuncOf(func(js.Value, []js.Value) any {
		w.mu.Lock()
		w.failed = true
		waiting := w.wait
		w.wait = map[int]chan error{}
		w.mu.Unlock()
		for _, ch := range waiting {
			ch <- errWriterFailed
		}
		return nil
	})
	worker.Set("onerror", w.onErr)
	return w
}

// broken reports whether the worker failed.
func (w *idbWriter) broken() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.failed
}

// errWriterFailed is Put's error when the writer worker itself failed.
var errWriterFailed = errors.New("the page's storage worker failed")

// put stores r in database db through the worker and waits for the
// outcome. The byte fields are copied into new ArrayBuffers, which are
// transferred.
func (w *idbWriter) put(db string, r Record) (err error) {
	defer recoverJS(&err)
	buffer := func(b []byte) js.Value {
		a := js.Global().Get("Uint8Array").New(len(b))
		js.CopyBytesToJS(a, b)
		return a.Get("buffer")
	}
	w.mu.Lock()
	if w.failed {
		w.mu.Unlock()
		return errWriterFailed
	}
	w.next++
	id := w.next
	ch := make(chan error, 1)
	w.wait[id] = ch
	w.mu.Unlock()

	msg := js.Global().Get("Object").New()
	msg.Set("id", id)
	msg.Set("db", db)
	msg.Set("name", r.Name)
	msg.Set("meta", js.ValueOf(recordMetaJS(r)))
	transfer := []any{}
	cp := buffer(r.Data)
	msg.Set("checkpoint", cp)
	transfer = append(transfer, cp)
	if r.Weights != nil {
		wb := buffer(r.Weights)
		msg.Set("weights", wb)
		transfer = append(transfer, wb)
	}
	if r.History != nil {
		msg.Set("history", float64sToJS(r.History))
	}
	if err := w.post(msg, transfer); err != nil {
		w.mu.Lock()
		delete(w.wait, id)
		w.mu.Unlock()
		return err
	}
	return <-ch
}

// post sends msg to the worker, transferring transfer's buffers.
func (w *idbWriter) post(msg js.Value, transfer []any) (err error) {
	defer recoverJS(&err)
	w.worker.Call("postMessage", msg, transfer)
	return nil
}
