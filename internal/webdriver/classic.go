package webdriver

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"time"
)

// classic is a W3C WebDriver (classic) session over HTTP.
type classic struct {
	base    string // http://127.0.0.1:port/session/id
	client  *http.Client
	process *exec.Cmd
}

// StartWebKit starts WebKitGTK's WebDriver (driver, WebKitWebDriver) on a
// free port, on X display display, and opens a session in browser
// (MiniBrowser) in automation mode.
func StartWebKit(ctx context.Context, driver, browser, display string) (Driver, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(driver, "--port="+strconv.Itoa(port))
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	setGroup(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", driver, err)
	}
	c := &classic{client: &http.Client{}, process: cmd}
	if err := waitPort(ctx, port); err != nil {
		c.Close()
		return nil, err
	}
	caps := map[string]any{"capabilities": map[string]any{"alwaysMatch": map[string]any{
		"webkitgtk:browserOptions": map[string]any{"binary": browser, "args": []string{"--automation"}},
	}}}
	var created struct {
		SessionID string `json:"sessionId"`
	}
	if err := c.call(ctx, http.MethodPost, fmt.Sprintf("http://127.0.0.1:%d/session", port), caps, &created); err != nil {
		c.Close()
		return nil, fmt.Errorf("new session: %w", err)
	}
	c.base = fmt.Sprintf("http://127.0.0.1:%d/session/%s", port, created.SessionID)
	if err := c.call(ctx, http.MethodPost, c.base+"/timeouts", map[string]any{"script": 10 * 60 * 1000, "pageLoad": 5 * 60 * 1000}, nil); err != nil {
		c.Close()
		return nil, err
	}
	if err := c.call(ctx, http.MethodPost, c.base+"/window/rect", map[string]any{"width": ViewportWidth, "height": ViewportHeight}, nil); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// call sends a command and decodes its "value" into out (when not nil).
func (c *classic) call(ctx context.Context, method, url string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	var env struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return fmt.Errorf("HTTP %d: %q", resp.StatusCode, truncate(raw))
	}
	if resp.StatusCode != http.StatusOK {
		var e struct{ Error, Message string }
		json.Unmarshal(env.Value, &e)
		return fmt.Errorf("%s: %s", e.Error, e.Message)
	}
	if out != nil {
		return json.Unmarshal(env.Value, out)
	}
	return nil
}

func truncate(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}

// Navigate implements Driver.
func (c *classic) Navigate(ctx context.Context, url string) error {
	return c.call(ctx, http.MethodPost, c.base+"/url", map[string]any{"url": url}, nil)
}

// Eval implements Driver.
func (c *classic) Eval(ctx context.Context, expr string) (string, error) {
	script := "const done = arguments[arguments.length - 1]; " + evalWrapper(expr) + ".then(done);"
	var r struct {
		OK  *string `json:"ok"`
		Err string  `json:"err"`
	}
	if err := c.call(ctx, http.MethodPost, c.base+"/execute/async", map[string]any{"script": script, "args": []any{}}, &r); err != nil {
		return "", err
	}
	if r.OK == nil {
		return "", fmt.Errorf("script error: %s", r.Err)
	}
	return *r.OK, nil
}

// ClickAt implements Driver.
func (c *classic) ClickAt(ctx context.Context, x, y float64) error {
	return c.call(ctx, http.MethodPost, c.base+"/actions", map[string]any{"actions": []any{pointerClick(x, y, "viewport")}}, nil)
}

// pointerClick is the action sequence of a left click at (x, y), the same
// in both protocols (classic's pointerMove wants an origin).
func pointerClick(x, y float64, origin string) map[string]any {
	move := map[string]any{"type": "pointerMove", "duration": 0, "x": int(math.Round(x)), "y": int(math.Round(y))}
	if origin != "" {
		move["origin"] = origin
	}
	return map[string]any{"type": "pointer", "id": "mouse", "parameters": map[string]any{"pointerType": "mouse"},
		"actions": []any{move, map[string]any{"type": "pointerDown", "button": 0}, map[string]any{"type": "pause", "duration": 50},
			map[string]any{"type": "pointerUp", "button": 0}}}
}

// Screenshot implements Driver.
func (c *classic) Screenshot(ctx context.Context) ([]byte, error) {
	var b64 string
	if err := c.call(ctx, http.MethodGet, c.base+"/screenshot", nil, &b64); err != nil {
		return nil, err
	}
	return base64.StdEncoding.DecodeString(b64)
}

// Errors implements Driver: classic WebDriver does not report the page's
// errors (the smoke test also reads the page's own error box).
func (c *classic) Errors() []string { return nil }

// Close implements Driver.
func (c *classic) Close() error {
	if c.base != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		c.call(ctx, http.MethodDelete, c.base, nil, nil)
		cancel()
	}
	killGroup(c.process)
	return nil
}
