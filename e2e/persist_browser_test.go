//go:build !(js && wasm)

package e2e

// Browser tests of issue 13: the training run kept in IndexedDB survives a
// reload and a lost WebGL context; a damaged or unstorable checkpoint is
// named and the page works on; checkpoints kept by name in the lab.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"
)

func TestPersistBrowser(t *testing.T) {
	start := time.Now()
	b := startBrowser(t, persistHandler)
	t.Run("Reload", b.testPersistReload)
	t.Run("ContextLost", b.testPersistContextLost)
	t.Run("Corrupt", b.testPersistCorrupt)
	t.Run("StorageRefused", b.testPersistRefused)
	t.Run("QuotaFull", b.testPersistQuota)
	t.Run("KeptInLab", b.testPersistKept)
	t.Logf("persist suite: %v", time.Since(start).Round(time.Millisecond))
}

// persistHandler adds /noidb/: the page in a browser that refuses
// IndexedDB (as some private modes do): indexedDB.open throws.
func persistHandler(site string, v *siteVariants) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/noidb/" || r.URL.Path == "/noidb/index.html" {
			rec := &bufferWriter{header: http.Header{}}
			r2 := r.Clone(r.Context())
			r2.URL.Path = "/govae/"
			r2.Header.Del("Accept-Encoding")
			v.ServeHTTP(rec, r2)
			page := strings.Replace(rec.buf.String(), "<head>", `<head><script>
				IDBFactory.prototype.open = function () { throw new DOMException("The user denied permission to access the database.", "SecurityError"); };
			</script>`, 1)
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte(page))
			return
		}
		v.ServeHTTP(w, r)
	})
}

// clearKept leaves the page (it saves its run at pagehide) and deletes the
// site's IndexedDB, so that the next page starts afresh.
func (b *browserHarness) clearKept(t *testing.T) {
	t.Helper()
	if err := b.run(t, 30*time.Second, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("about:blank: %v", err)
	}
	err := b.run(t, 10*time.Second, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, storage.ClearDataForOrigin, storage.ClearDataForOriginParams{Origin: b.base, StorageTypes: "indexeddb"})
		return err
	}))
	if err != nil {
		t.Fatalf("clearing IndexedDB: %v", err)
	}
}

// reopen navigates to path keeping what the previous page stored.
func (b *browserHarness) reopen(t *testing.T, path string) browserStatus {
	t.Helper()
	s, _ := b.navigate(t, path)
	return s
}

// persistState mirrors window.govae.persist().
type persistState struct {
	Storage  string `json:"storage"`
	Why      string `json:"why"`
	Restored int    `json:"restored"`
	Saves    int    `json:"saves"`
	LastSave struct {
		Name   string `json:"name"`
		Step   int    `json:"step"`
		Bytes  int    `json:"bytes"`
		Ms     float64
		Thread string `json:"thread"`
		Err    string `json:"error"`
	} `json:"lastSave"`
	Kept    []string `json:"kept"`
	Dirty   bool     `json:"dirty"`
	History int      `json:"history"`
}

func (b *browserHarness) persist(t *testing.T) persistState {
	t.Helper()
	var p persistState
	if err := json.Unmarshal([]byte(b.eval(t, `govae.persist()`)), &p); err != nil {
		t.Fatalf("persist: %v", err)
	}
	return p
}

func (b *browserHarness) waitPersist(t *testing.T, what string, timeout time.Duration, ok func(persistState) bool) persistState {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		p := b.persist(t)
		if ok(p) {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s; persist %+v; page errors %q", timeout, what, p, b.text(t, "#errors"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// weightsSum is window.govae.weightsChecksum().
type weightsSum struct {
	Step int     `json:"step"`
	CRC  float64 `json:"crc"`
}

func (b *browserHarness) weightsSum(t *testing.T) weightsSum {
	t.Helper()
	var w weightsSum
	if err := json.Unmarshal([]byte(b.eval(t, `govae.weightsChecksum()`)), &w); err != nil {
		t.Fatal(err)
	}
	return w
}

// recordAtPagehide makes the page write its weights' checksum into
// sessionStorage when it goes away: what the page had last.
func (b *browserHarness) recordAtPagehide(t *testing.T) {
	b.eval(t, `(() => { addEventListener("pagehide", () => sessionStorage.setItem("before", govae.weightsChecksum())); return ""; })()`)
}

// recorded returns what recordAtPagehide stored.
func (b *browserHarness) recorded(t *testing.T) weightsSum {
	t.Helper()
	var w weightsSum
	raw := b.eval(t, `sessionStorage.getItem("before") || "null"`)
	if err := json.Unmarshal([]byte(raw), &w); err != nil || raw == "null" {
		t.Fatalf("nothing recorded at pagehide: %q", raw)
	}
	return w
}

// trainSome starts training and waits for steps steps and one autosave.
func (b *browserHarness) trainSome(t *testing.T, steps int) browserStatus {
	t.Helper()
	b.click(t, "#train")
	s := b.waitStatus(t, fmt.Sprintf("%d steps", steps), 180*time.Second, func(s browserStatus) bool {
		return s.Step >= steps && s.NegELBO != nil
	})
	p := b.waitPersist(t, "an autosave", 60*time.Second, func(p persistState) bool { return p.Saves >= 1 && p.LastSave.Step > 0 })
	// IndexedDB's put serialises on the calling thread (130–187 ms for a
	// checkpoint): the autosave is written by the storage worker.
	if p.LastSave.Thread != "worker" {
		t.Errorf("the autosave was written on the %q thread, want the storage worker's", p.LastSave.Thread)
	}
	return s
}

// testPersistReload: a reload while training comes back to the weights the
// page had (by checksum), the same step, the chart's history, with the
// notice; Train goes on counting from there; Discard goes back to the
// pretrained weights and forgets the run.
func (b *browserHarness) testPersistReload(t *testing.T) {
	b.needData(t, "train")
	b.open(t, "/govae/?batch=32")
	b.trainSome(t, 20)
	chart := b.persist(t).History
	b.recordAtPagehide(t)
	s := b.reopen(t, "/govae/?batch=32")
	before := b.recorded(t)
	p := b.waitPersist(t, "the restore", 30*time.Second, func(p persistState) bool { return p.Restored >= 0 })
	s = b.waitStatus(t, "the restored step", 10*time.Second, func(s browserStatus) bool { return s.Step == p.Restored })
	after := b.weightsSum(t)
	t.Logf("before the reload: step %d, CRC %08x; after: step %d (status %d), CRC %08x; %s",
		before.Step, uint32(before.CRC), after.Step, s.Step, uint32(after.CRC), b.text(t, "#restore-text"))
	if after.CRC != before.CRC || s.Step != before.Step {
		t.Errorf("after the reload: step %d, CRC %08x; before: step %d, CRC %08x", s.Step, uint32(after.CRC), before.Step, uint32(before.CRC))
	}
	if !b.visible(t, "#restore-box") || !strings.Contains(b.text(t, "#restore-text"), "Restored your training from step") {
		t.Errorf("no restore notice: %q", b.text(t, "#restore-text"))
	}
	if s.Weights != "pretrained, fine-tuned" || s.NegELBO == nil {
		t.Errorf("restored status: %+v", s)
	}
	// The chart resumes: at least the points it had before the last steps.
	if p.History < 2 || p.History < chart {
		t.Errorf("the chart has %d points after the reload (%d before it, at step %d)", p.History, chart, s.Step)
	}
	b.screenshot(t, "restored")
	// Training goes on from the step restored.
	from := s.Step
	b.click(t, "#train")
	s = b.waitStatus(t, "steps after the restore", 120*time.Second, func(s browserStatus) bool { return s.Step >= from+5 })
	b.click(t, "#pause")
	b.waitStatus(t, "the pause", 20*time.Second, func(s browserStatus) bool { return !s.Training })
	// Discard.
	b.click(t, "#restore-discard")
	b.waitStatus(t, "the pretrained weights", 10*time.Second, func(s browserStatus) bool { return s.Weights == "pretrained" && s.Step == 0 })
	b.waitPersist(t, "the autosave deleted", 10*time.Second, func(p persistState) bool { return len(p.Kept) == 0 })
	if b.visible(t, "#restore-box") {
		t.Error("the restore notice stays after Discard")
	}
	b.reopen(t, "/govae/")
	if p := b.persist(t); p.Restored != -1 {
		t.Errorf("after Discard a reload restored step %d", p.Restored)
	}
}

// testPersistContextLost (issue 13, failure 1): losing the WebGL context
// while training makes Ebiten reload the page; the weights after the
// reload are those the page had (by checksum) and the step count carries
// on. Before the page kept its run, the reload came back at step 0 with the
// pretrained weights.
func (b *browserHarness) testPersistContextLost(t *testing.T) {
	b.needData(t, "train")
	b.open(t, "/govae/?batch=32")
	b.trainSome(t, 15)
	b.recordAtPagehide(t)
	b.eval(t, `(() => { window.notReloaded = true;
		document.querySelector("body > canvas").getContext("webgl2").getExtension("WEBGL_lose_context").loseContext();
		return ""; })()`)
	// Wait for the reload: a new document, ready.
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`String(window.notReloaded === true)`))
		cancel()
		if err == nil && v == "false" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the page did not reload after losing its WebGL context")
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err := b.run(t, 90*time.Second, chromedp.Evaluate[chromedp.Void](`new Promise((resolve) => {
		const check = () => (typeof govae === "object" ? resolve(govae.ready) : setTimeout(check, 20));
		check(); })`, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatalf("after the reload: %v; page errors %q", err, b.text(t, "#errors"))
	}
	before := b.recorded(t)
	p := b.waitPersist(t, "the restore", 30*time.Second, func(p persistState) bool { return p.Restored >= 0 })
	s := b.waitStatus(t, "the restored step", 10*time.Second, func(s browserStatus) bool { return s.Step == p.Restored })
	after := b.weightsSum(t)
	t.Logf("context lost at step %d (CRC %08x); after the reload step %d (CRC %08x)", before.Step, uint32(before.CRC), s.Step, uint32(after.CRC))
	if s.Step == 0 || s.Step != before.Step || after.CRC != before.CRC {
		t.Fatalf("after the lost context: step %d, CRC %08x; before: step %d, CRC %08x", s.Step, uint32(after.CRC), before.Step, uint32(before.CRC))
	}
	b.click(t, "#train")
	b.waitStatus(t, "the step count going on", 120*time.Second, func(s browserStatus) bool { return s.Step > before.Step })
	b.click(t, "#pause")
	b.waitStatus(t, "the pause", 20*time.Second, func(s browserStatus) bool { return !s.Training })
}

// damage writes a record whose checkpoint has one byte flipped, as a
// damaged disk or an old format would leave it, straight into IndexedDB.
const damageJS = `new Promise((resolve, reject) => {
	const req = indexedDB.open("govae:" + location.pathname.replace(/[^/]*$/, ""), 1);
	req.onsuccess = () => {
		const db = req.result, tx = db.transaction(["meta", "data"], "readwrite");
		tx.objectStore("data").get("autosave").onsuccess = (e) => {
			const d = e.target.result;
			d.checkpoint[d.checkpoint.length >> 1] ^= 0x55;
			tx.objectStore("data").put(d, "autosave");
		};
		tx.oncomplete = () => { db.close(); resolve("damaged"); };
		tx.onerror = () => reject(tx.error);
	};
	req.onerror = () => reject(req.error);
})`

// testPersistCorrupt: a damaged stored checkpoint is detected by its
// checksum, discarded with a notice, and the page starts from the
// pretrained weights, without an error.
func (b *browserHarness) testPersistCorrupt(t *testing.T) {
	b.needData(t, "train")
	b.open(t, "/govae/?batch=32")
	b.trainSome(t, 3)
	b.click(t, "#pause")
	b.waitStatus(t, "the pause", 20*time.Second, func(s browserStatus) bool { return !s.Training })
	b.waitPersist(t, "the last autosave", 30*time.Second, func(p persistState) bool { return !p.Dirty })
	// Another file of the site, whose script damages the record.
	if err := b.run(t, 30*time.Second, chromedp.Navigate(b.base+"/govae/version.json")); err != nil {
		t.Fatal(err)
	}
	if got := b.evalAsync(t, damageJS); got != "damaged" {
		t.Fatal(got)
	}
	s := b.reopen(t, "/govae/")
	p := b.waitPersist(t, "the damaged record dropped", 20*time.Second, func(p persistState) bool { return len(p.Kept) == 0 })
	notices := strings.Join(s.Notices, " | ") + " | " + b.text(t, "#notices")
	t.Logf("notices: %q", notices)
	if p.Restored != -1 || s.Weights != "pretrained" || s.Step != 0 {
		t.Errorf("a damaged checkpoint was used: %+v, %+v", p, s)
	}
	if !strings.Contains(notices, "could not be read and was discarded") || !strings.Contains(notices, "checksum") {
		t.Errorf("the notice does not say the checkpoint was damaged: %q", notices)
	}
	if errs := b.text(t, "#errors"); errs != "" {
		t.Errorf("page errors: %q", errs)
	}
}

// testPersistRefused: a browser that refuses IndexedDB gets a notice once;
// the page trains on.
func (b *browserHarness) testPersistRefused(t *testing.T) {
	b.needData(t, "train")
	b.open(t, "/noidb/?batch=32")
	p := b.waitPersist(t, "the refusal", 20*time.Second, func(p persistState) bool { return p.Storage == "refused" })
	b.click(t, "#train")
	s := b.waitStatus(t, "training without storage", 120*time.Second, func(s browserStatus) bool { return s.Step >= 3 })
	b.click(t, "#pause")
	notices := b.text(t, "#notices")
	t.Logf("refused: %q; notice %q", p.Why, notices)
	if !strings.Contains(p.Why, "SecurityError") || !strings.Contains(notices, "does not let the page keep your training") {
		t.Errorf("refused storage: %+v, notices %q", p, notices)
	}
	if errs := b.text(t, "#errors"); errs != "" || s.TrainError != "" {
		t.Errorf("page errors %q, train error %q", errs, s.TrainError)
	}
}

// testPersistQuota: with a quota too small for a checkpoint, the save
// fails with a notice naming the quota, and training goes on.
func (b *browserHarness) testPersistQuota(t *testing.T) {
	b.needData(t, "train")
	quota := func(q *float64) {
		err := b.run(t, 10*time.Second, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, storage.OverrideQuotaForOrigin, storage.OverrideQuotaForOriginParams{Origin: b.base, QuotaSize: q})
			return err
		}))
		if err != nil {
			t.Fatalf("quota: %v", err)
		}
	}
	small := float64(1 << 20) // a checkpoint is about 6 MB
	quota(&small)
	defer quota(nil)
	b.open(t, "/govae/?batch=32")
	b.click(t, "#train")
	p := b.waitPersist(t, "the failed save", 120*time.Second, func(p persistState) bool { return p.LastSave.Err != "" })
	s := b.waitStatus(t, "training on", 60*time.Second, func(s browserStatus) bool { return s.Step >= 3 })
	b.click(t, "#pause")
	notices := b.text(t, "#notices")
	t.Logf("save error %q; notice %q; step %d", p.LastSave.Err, notices, s.Step)
	if !strings.Contains(p.LastSave.Err, "Quota") || !strings.Contains(notices, "could not be saved") {
		t.Errorf("quota: %+v; notices %q", p, notices)
	}
	if errs := b.text(t, "#errors"); errs != "" || s.TrainError != "" || !s.Training && s.Step < 3 {
		t.Errorf("page errors %q, train error %q", errs, s.TrainError)
	}
}

// testPersistKept: checkpoints kept by name in the lab are listed, loaded
// and deleted; a bad name is refused with a message.
func (b *browserHarness) testPersistKept(t *testing.T) {
	b.needData(t, "train")
	b.open(t, "/govae/?batch=32")
	b.trainSome(t, 5)
	b.click(t, "#pause")
	paused := b.waitStatus(t, "the pause", 20*time.Second, func(s browserStatus) bool { return !s.Training })
	b.click(t, "#lab-open")
	keep := func(name string) string {
		b.eval(t, fmt.Sprintf(`(() => { document.querySelector("#lab-keep-name").value = %q; return ""; })()`, name))
		b.eval(t, `(() => { document.querySelector("#lab-keep-msg").textContent = ""; return ""; })()`)
		b.click(t, "#lab-keep")
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			if m := b.text(t, "#lab-keep-msg"); m != "" {
				return m
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("keeping %q: no message", name)
		return ""
	}
	if m := keep("  "); !strings.Contains(m, "name") {
		t.Errorf("an empty name: %q", m)
	}
	if m := keep("first run"); !strings.Contains(m, `Kept "first run"`) {
		t.Fatalf("keep: %q", m)
	}
	p := b.waitPersist(t, "the list", 10*time.Second, func(p persistState) bool { return len(p.Kept) >= 2 })
	list := b.text(t, "#lab-kept")
	t.Logf("kept: %v; the lab lists %q", p.Kept, list)
	if !strings.Contains(list, "first run") || !strings.Contains(list, fmt.Sprintf("step %d", paused.Step)) {
		t.Errorf("the lab lists %q", list)
	}
	b.screenshot(t, "kept")
	// Back to the pretrained weights, then load the kept run.
	b.click(t, "#lab-close")
	b.click(t, "#pretrained")
	b.waitStatus(t, "the pretrained weights", 10*time.Second, func(s browserStatus) bool { return s.Step == 0 })
	b.click(t, "#lab-open")
	b.click(t, `#lab-kept button[data-action="load"][data-name="first run"]`)
	s := b.waitStatus(t, "the kept run", 30*time.Second, func(s browserStatus) bool { return s.Step == paused.Step })
	if !strings.Contains(b.text(t, "#lab-keep-msg"), "Loaded") {
		t.Errorf("after loading: %q, %+v", b.text(t, "#lab-keep-msg"), s)
	}
	b.click(t, `#lab-kept button[data-action="delete"][data-name="first run"]`)
	b.waitPersist(t, "the deletion", 10*time.Second, func(p persistState) bool {
		for _, k := range p.Kept {
			if k == "first run" {
				return false
			}
		}
		return true
	})
}
