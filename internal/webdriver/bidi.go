package webdriver

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// bidi is a WebDriver BiDi session over a WebSocket, with the browsing
// context (tab) it drives.
type bidi struct {
	conn    *websocket.Conn
	tab     string
	process *exec.Cmd
	cancel  context.CancelFunc

	mu      sync.Mutex
	next    int
	waiting map[int]chan bidiReply
	errs    []string
	closed  error
}

type bidiReply struct {
	Result json.RawMessage `json:"result"`
	Error  string          `json:"error"`
	Msg    string          `json:"message"`
}

// StartFirefox starts Firefox (exe: firefox-esr, or firefox) on X display
// display (headless when display is "": then without WebGL, which headless
// Firefox does not give without a GPU) on a fresh profile in dir, with its
// remote agent on a free port, and opens a WebDriver BiDi session on its
// tab.
func StartFirefox(ctx context.Context, exe, dir, display string) (Driver, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	// Prefs: no first-run pages, no updates or telemetry in a test profile.
	prefs := `user_pref("browser.shell.checkDefaultBrowser", false);
user_pref("browser.startup.homepage_override.mstone", "ignore");
user_pref("datareporting.policy.dataSubmissionEnabled", false);
user_pref("app.update.disabledForTesting", true);
user_pref("browser.aboutwelcome.enabled", false);
`
	if err := os.WriteFile(dir+"/user.js", []byte(prefs), 0o644); err != nil {
		return nil, err
	}
	args := []string{"--profile", dir, fmt.Sprintf("--remote-debugging-port=%d", port),
		fmt.Sprintf("--width=%d", ViewportWidth), fmt.Sprintf("--height=%d", ViewportHeight), "about:blank"}
	if display == "" {
		args = append([]string{"--headless"}, args...)
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	setGroup(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", exe, err)
	}
	stop := func() { killGroup(cmd) }
	addr, err := waitForLine(ctx, stderr, "WebDriver BiDi listening on ")
	if err != nil {
		stop()
		return nil, fmt.Errorf("%s's remote agent: %w", exe, err)
	}
	conn, _, err := websocket.Dial(ctx, addr+"/session", nil)
	if err != nil {
		stop()
		return nil, fmt.Errorf("connecting to %s: %w", addr, err)
	}
	conn.SetReadLimit(64 << 20) // screenshots
	rctx, cancel := context.WithCancel(context.Background())
	b := &bidi{conn: conn, process: cmd, cancel: cancel, waiting: map[int]chan bidiReply{}}
	go b.read(rctx)
	if _, err := b.call(ctx, "session.new", map[string]any{"capabilities": map[string]any{}}); err != nil {
		b.Close()
		return nil, err
	}
	var tree struct {
		Contexts []struct {
			Context string `json:"context"`
		} `json:"contexts"`
	}
	if err := b.callInto(ctx, "browsingContext.getTree", map[string]any{}, &tree); err != nil || len(tree.Contexts) == 0 {
		b.Close()
		return nil, fmt.Errorf("no tab to drive: %v", err)
	}
	b.tab = tree.Contexts[0].Context
	if _, err := b.call(ctx, "session.subscribe", map[string]any{"events": []string{"log.entryAdded"}}); err != nil {
		b.Close()
		return nil, err
	}
	if _, err := b.call(ctx, "browsingContext.setViewport", map[string]any{"context": b.tab,
		"viewport": map[string]any{"width": ViewportWidth, "height": ViewportHeight}}); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

// read dispatches the replies to their callers and keeps the page's errors.
func (b *bidi) read(ctx context.Context) {
	for {
		_, data, err := b.conn.Read(ctx)
		if err != nil {
			b.mu.Lock()
			b.closed = err
			for id, ch := range b.waiting {
				ch <- bidiReply{Error: "connection closed", Msg: err.Error()}
				delete(b.waiting, id)
			}
			b.mu.Unlock()
			return
		}
		var m struct {
			bidiReply
			ID     *int   `json:"id"`
			Type   string `json:"type"`
			Method string `json:"method"`
			Params struct {
				Level string `json:"level"`
				Text  string `json:"text"`
				Type  string `json:"type"`
			} `json:"params"`
		}
		if json.Unmarshal(data, &m) != nil {
			continue
		}
		b.mu.Lock()
		switch {
		case m.ID != nil:
			if ch, ok := b.waiting[*m.ID]; ok {
				ch <- m.bidiReply
				delete(b.waiting, *m.ID)
			}
		case m.Method == "log.entryAdded" && m.Params.Level == "error":
			b.errs = append(b.errs, m.Params.Text)
		}
		b.mu.Unlock()
	}
}

// call sends a command and waits for its result.
func (b *bidi) call(ctx context.Context, method string, params any) (json.RawMessage, error) {
	ch := make(chan bidiReply, 1)
	b.mu.Lock()
	if b.closed != nil {
		b.mu.Unlock()
		return nil, b.closed
	}
	b.next++
	id := b.next
	b.waiting[id] = ch
	b.mu.Unlock()
	msg, err := json.Marshal(map[string]any{"id": id, "method": method, "params": params})
	if err != nil {
		return nil, err
	}
	if err := b.conn.Write(ctx, websocket.MessageText, msg); err != nil {
		return nil, err
	}
	select {
	case r := <-ch:
		if r.Error != "" {
			return nil, fmt.Errorf("%s: %s: %s", method, r.Error, r.Msg)
		}
		return r.Result, nil
	case <-ctx.Done():
		b.mu.Lock()
		delete(b.waiting, id)
		b.mu.Unlock()
		return nil, fmt.Errorf("%s: %w", method, ctx.Err())
	}
}

func (b *bidi) callInto(ctx context.Context, method string, params, out any) error {
	raw, err := b.call(ctx, method, params)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, out)
}

// Navigate implements Driver.
func (b *bidi) Navigate(ctx context.Context, url string) error {
	_, err := b.call(ctx, "browsingContext.navigate", map[string]any{"context": b.tab, "url": url, "wait": "complete"})
	return err
}

// Eval implements Driver.
func (b *bidi) Eval(ctx context.Context, expr string) (string, error) {
	var r struct {
		Type   string `json:"type"`
		Result struct {
			Type string          `json:"type"`
			Raw  json.RawMessage `json:"value"`
		} `json:"result"`
		Exception struct {
			Text string `json:"text"`
		} `json:"exceptionDetails"`
	}
	err := b.callInto(ctx, "script.evaluate", map[string]any{"expression": evalWrapper(expr) + ".then((r) => JSON.stringify(r))",
		"target": map[string]any{"context": b.tab}, "awaitPromise": true, "resultOwnership": "none"}, &r)
	if err != nil {
		return "", err
	}
	if r.Type == "exception" {
		return "", fmt.Errorf("script error: %s", r.Exception.Text)
	}
	var s string
	if r.Result.Type != "string" || json.Unmarshal(r.Result.Raw, &s) != nil {
		return "", fmt.Errorf("script result of type %q", r.Result.Type)
	}
	var out struct {
		OK  *string `json:"ok"`
		Err string  `json:"err"`
	}
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return "", err
	}
	if out.OK == nil {
		return "", errors.New("script error: " + out.Err)
	}
	return *out.OK, nil
}

// ClickAt implements Driver.
func (b *bidi) ClickAt(ctx context.Context, x, y float64) error {
	_, err := b.call(ctx, "input.performActions", map[string]any{"context": b.tab, "actions": []any{pointerClick(x, y, "")}})
	return err
}

// Screenshot implements Driver.
func (b *bidi) Screenshot(ctx context.Context) ([]byte, error) {
	var r struct {
		Data string `json:"data"`
	}
	if err := b.callInto(ctx, "browsingContext.captureScreenshot", map[string]any{"context": b.tab}, &r); err != nil {
		return nil, err
	}
	return base64.StdEncoding.DecodeString(r.Data)
}

// Errors implements Driver.
func (b *bidi) Errors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.errs...)
}

// Close implements Driver.
func (b *bidi) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	b.call(ctx, "session.end", map[string]any{})
	cancel()
	b.conn.Close(websocket.StatusNormalClosure, "")
	b.cancel()
	killGroup(b.process)
	return nil
}
