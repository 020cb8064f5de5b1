// Package webdriver drives Firefox and WebKitGTK for the browser smoke
// tests (e2e/engines_test.go), through the W3C's two WebDriver protocols:
// the classic one over HTTP, which WebKitGTK's WebKitWebDriver speaks, and
// WebDriver BiDi over a WebSocket, which Firefox's own remote agent speaks
// (Debian ships no geckodriver). It covers what the smoke tests need —
// open a page, evaluate a script, click with a real pointer, take a
// screenshot, hear the page's errors — and nothing more.
package webdriver

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// Driver is one browser tab under remote control.
type Driver interface {
	// Navigate opens url and waits for its load event.
	Navigate(ctx context.Context, url string) error
	// Eval evaluates a JavaScript expression in the page and returns its
	// value, awaited when it is a promise, as a string (String(value)).
	Eval(ctx context.Context, expr string) (string, error)
	// ClickAt presses and releases the left mouse button at (x, y), in CSS
	// pixels from the viewport's top-left corner.
	ClickAt(ctx context.Context, x, y float64) error
	// Screenshot returns the viewport as a PNG.
	Screenshot(ctx context.Context) ([]byte, error)
	// Errors returns the errors the page logged so far (uncaught
	// exceptions, console.error), where the protocol reports them.
	Errors() []string
	// Close ends the session and stops the browser.
	Close() error
}

// Viewport is the size of the window the drivers ask for, in CSS pixels.
const (
	ViewportWidth  = 1280
	ViewportHeight = 800
)

// evalWrapper turns an expression into a promise of {ok: String(value)} or
// {err: message}, for both protocols.
func evalWrapper(expr string) string {
	return "Promise.resolve().then(() => (" + expr + ")).then((v) => ({ok: String(v)}), " +
		"(e) => ({err: String(e && e.message || e)}))"
}

// FreePort returns a free TCP port on the loopback interface.
func FreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// StartXvfb starts a virtual X server (Xvfb) for browsers that need a
// display, and returns its DISPLAY value and a function that stops it.
func StartXvfb(ctx context.Context) (display string, stop func(), err error) {
	r, w, err := os.Pipe()
	if err != nil {
		return "", nil, err
	}
	defer r.Close()
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", fmt.Sprintf("%dx%dx24", ViewportWidth, ViewportHeight+100), "-nolisten", "tcp")
	cmd.ExtraFiles = []*os.File{w}
	if err := cmd.Start(); err != nil {
		w.Close()
		return "", nil, fmt.Errorf("starting Xvfb: %w", err)
	}
	w.Close()
	stop = func() {
		cmd.Process.Kill()
		cmd.Wait()
	}
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(r).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	select {
	case s := <-line:
		if _, err := strconv.Atoi(s); err != nil {
			stop()
			return "", nil, fmt.Errorf("Xvfb did not say its display (%q)", s)
		}
		return ":" + s, stop, nil
	case <-ctx.Done():
		stop()
		return "", nil, fmt.Errorf("waiting for Xvfb: %w", ctx.Err())
	}
}

// waitForLine reads lines from r until one contains prefix, and returns
// what follows it; the rest of r is drained in the background.
func waitForLine(ctx context.Context, r io.Reader, prefix string) (string, error) {
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			if i := strings.Index(sc.Text(), prefix); i >= 0 {
				select {
				case found <- strings.TrimSpace(sc.Text()[i+len(prefix):]):
				default:
				}
			}
		}
		close(found)
	}()
	select {
	case s, ok := <-found:
		if !ok {
			return "", errors.New("the browser exited before it said " + strconv.Quote(prefix))
		}
		return s, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// waitPort waits until something listens on 127.0.0.1:port.
func waitPort(ctx context.Context, port int) error {
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("nothing listens on port %d: %w", port, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
