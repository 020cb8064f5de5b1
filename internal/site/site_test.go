package site

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

const serveTestSecret = "TOP-SECRET-do-not-serve-7f3a"

// serveTestSite is a temporary site root plus files outside it.
type serveTestSite struct {
	root  string            // the site root
	files map[string][]byte // URL path -> content, for files that must be served
}

// makeServeTestSite builds:
//
//	tmp/secret                     (outside the root)
//	tmp/outside/secret.txt         (outside the root)
//	tmp/site/index.html
//	tmp/site/app.wasm, app.js, style.css, data.json, tiny.json, img.png,
//	         weights.bin, mnist.gz (a real gzip stream), noext
//	tmp/site/sub/index.html        (directory with index)
//	tmp/site/sub/page.js
//	tmp/site/empty/listed.txt      (directory without index)
//	tmp/site/.hidden, .env, sub/.git/HEAD (hidden: never served)
//	tmp/site/link-in -> index.html                   (symlink inside: allowed)
//	tmp/site/link-out -> ../outside/secret.txt       (file outside)
//	tmp/site/link-abs -> /abs/path/outside/secret.txt
//	tmp/site/linkdir-out -> ../outside               (dir outside)
func makeServeTestSite(t *testing.T) *serveTestSite {
	t.Helper()
	tmp := t.TempDir()
	root := filepath.Join(tmp, "site")
	outside := filepath.Join(tmp, "outside")
	for _, d := range []string{root, outside, filepath.Join(root, "sub"), filepath.Join(root, "empty"), filepath.Join(root, "sub", ".git")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(name string, data []byte) {
		t.Helper()
		if err := os.WriteFile(name, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(tmp, "secret"), []byte(serveTestSecret))
	write(filepath.Join(outside, "secret.txt"), []byte(serveTestSecret))

	// Compressible, reasonably large content so gzip actually matters.
	var wasm bytes.Buffer
	wasm.Write([]byte{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00})
	for i := 0; wasm.Len() < 200_000; i++ {
		fmt.Fprintf(&wasm, "func%d;", i%97)
	}
	var gzbuf bytes.Buffer
	zw := gzip.NewWriter(&gzbuf)
	zw.Write(bytes.Repeat([]byte{0, 1, 2, 3, 255}, 10_000))
	zw.Close()

	// Text files above gzhttp's 1 KiB threshold (every file of the real
	// site is), but tiny.json, which is sent as it is.
	files := map[string][]byte{
		"/index.html":       []byte("<!doctype html><title>root index</title>" + strings.Repeat("<p>text</p>\n", 100)),
		"/app.wasm":         wasm.Bytes(),
		"/app.js":           []byte(strings.Repeat("console.log('hello');\n", 500)),
		"/style.css":        []byte(strings.Repeat("body { color: black; }\n", 50)),
		"/data.json":        []byte(`{"layers":[784,400,20],"ok":true,"pad":"` + strings.Repeat("x", 2000) + `"}`),
		"/tiny.json":        []byte(`{"ok":true}`),
		"/img.png":          {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 0},
		"/weights.bin":      bytes.Repeat([]byte{1, 2, 3, 4}, 1000),
		"/mnist.gz":         gzbuf.Bytes(),
		"/noext":            []byte("<html><script>alert(1)</script>"),
		"/sub/index.html":   []byte("<!doctype html><title>sub index</title>"),
		"/sub/page.js":      []byte("export const x = 1;\n"),
		"/empty/listed.txt": []byte("should only be reachable by exact name"),
	}
	for p, data := range files {
		write(filepath.Join(root, filepath.FromSlash(p)), data)
	}
	for _, hidden := range []string{".hidden", ".env", "sub/.git/HEAD"} {
		write(filepath.Join(root, filepath.FromSlash(hidden)), []byte(serveTestSecret))
	}

	symlinks := map[string]string{
		"link-in":     "index.html",
		"link-out":    filepath.Join("..", "outside", "secret.txt"),
		"link-abs":    filepath.Join(outside, "secret.txt"),
		"linkdir-out": filepath.Join("..", "outside"),
		"linkdir-abs": outside,
	}
	for name, target := range symlinks {
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			if runtime.GOOS == "windows" {
				t.Skipf("cannot create symlinks: %v", err)
			}
			t.Fatal(err)
		}
	}
	return &serveTestSite{root: root, files: files}
}

// newTestHandler returns New(site.root), closed when the test ends.
func newTestHandler(t *testing.T, site *serveTestSite) *Handler {
	t.Helper()
	h, err := New(site.root)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// startServeTestServer serves site through New on a loopback httptest
// server.
func startServeTestServer(t *testing.T, site *serveTestSite) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(newTestHandler(t, site))
	t.Cleanup(ts.Close)
	return ts
}

// rawRequest sends the request line "METHOD target HTTP/1.1" verbatim over
// TCP (Go's client would clean or re-encode tricky paths) and returns the
// response and its undecoded body.
func rawRequest(t *testing.T, ts *httptest.Server, method, target string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	addr := strings.TrimPrefix(ts.URL, "http://")
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	var req strings.Builder
	fmt.Fprintf(&req, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n", method, target, addr)
	for _, h := range headers {
		req.WriteString(h + "\r\n")
	}
	req.WriteString("\r\n")
	if _, err := io.WriteString(conn, req.String()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: method})
	if err != nil {
		t.Fatalf("%s %s: reading response: %v", method, target, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, target, err)
	}
	return resp, body
}

func checkCommonHeaders(t *testing.T, what string, resp *http.Response) {
	t.Helper()
	if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("%s: X-Content-Type-Options = %q, want nosniff", what, got)
	}
	if got := resp.Header.Get("Cache-Control"); got != "no-cache" {
		t.Errorf("%s: Cache-Control = %q, want no-cache", what, got)
	}
	for _, h := range []string{"Cross-Origin-Opener-Policy", "Cross-Origin-Embedder-Policy"} {
		if v := resp.Header.Get(h); v != "" {
			t.Errorf("%s: unexpected %s: %q (GitHub Pages cannot send it)", what, h, v)
		}
	}
}

func TestServeContentTypes(t *testing.T) {
	site := makeServeTestSite(t)
	ts := startServeTestServer(t, site)
	tests := []struct {
		path, file, ctype string
	}{
		{"/", "/index.html", "text/html; charset=utf-8"},
		{"/index.html", "/index.html", "text/html; charset=utf-8"},
		{"/app.wasm", "/app.wasm", "application/wasm"},
		{"/app.js", "/app.js", "text/javascript; charset=utf-8"},
		{"/style.css", "/style.css", "text/css; charset=utf-8"},
		{"/data.json", "/data.json", "application/json"},
		{"/img.png", "/img.png", "image/png"},
		{"/mnist.gz", "/mnist.gz", "application/gzip"},
		{"/weights.bin", "/weights.bin", "application/octet-stream"},
		{"/noext", "/noext", "application/octet-stream"}, // never sniffed as HTML
		{"/sub/", "/sub/index.html", "text/html; charset=utf-8"},
		{"/sub/page.js", "/sub/page.js", "text/javascript; charset=utf-8"},
		{"/empty/listed.txt", "/empty/listed.txt", "text/plain; charset=utf-8"},
		{"/link-in", "/index.html", "application/octet-stream"}, // symlink inside root is fine
		{"/app.wasm?v=123", "/app.wasm", "application/wasm"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, body := rawRequest(t, ts, "GET", tt.path)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status = %d, want 200", resp.StatusCode)
			}
			checkCommonHeaders(t, tt.path, resp)
			if got := resp.Header.Get("Content-Type"); got != tt.ctype {
				t.Errorf("Content-Type = %q, want %q", got, tt.ctype)
			}
			if ce := resp.Header.Get("Content-Encoding"); ce != "" {
				t.Errorf("Content-Encoding = %q without Accept-Encoding", ce)
			}
			if !bytes.Equal(body, site.files[tt.file]) {
				t.Errorf("body (%d bytes) differs from %s (%d bytes)", len(body), tt.file, len(site.files[tt.file]))
			}
		})
	}
}

func TestServeRejectsTraversal(t *testing.T) {
	site := makeServeTestSite(t)
	ts := startServeTestServer(t, site)
	tests := []string{
		"/../secret",
		"/../../secret",
		"/%2e%2e/secret",
		"/%2E%2E/secret",
		"/.%2e/secret",
		"/%2e./secret",
		"/sub/../../secret",
		"/sub/%2e%2e/%2e%2e/secret",
		"/a/%2e%2e/%2e%2e/secret",
		"/..%2fsecret",
		"/..%2Fsecret",
		"/sub%2f..%2f..%2fsecret",
		"/%2fetc%2fpasswd",
		"/%2Fetc%2Fpasswd",
		"//etc/passwd",
		"///etc/passwd",
		"//" + strings.TrimPrefix(filepath.ToSlash(filepath.Join(filepath.Dir(site.root), "secret")), "/"),
		"/..\\secret",
		"/sub\\..\\..\\secret",
		"/%5c..%5csecret",
		"/..%5csecret",
		"/%00",
		"/index.html%00",
		"/index.html%00.png",
		"/secret%00/../../secret",
		"/%252e%252e/secret", // double encoding
		"/./index.html",
		"/sub/./page.js",
		"/sub//page.js",
		"/C:/Windows/win.ini",
		"/.hidden",
		"/.env",
		"/sub/.git/HEAD",
		"/.git/config",
		"/link-out",
		"/link-abs",
		"/linkdir-out/secret.txt",
		"/linkdir-out/",
		"/linkdir-out",
		"/linkdir-abs/secret.txt",
		"/linkdir-abs/",
		"/linkdir-out/../secret.txt",
		"/empty/",
		"/empty",
		"/nonexistent",
		"/index.html/",
		"/app.wasm/",
	}
	for _, target := range tests {
		t.Run(target, func(t *testing.T) {
			resp, body := rawRequest(t, ts, "GET", target)
			if resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusNotFound {
				t.Errorf("status = %d, want 400 or 404", resp.StatusCode)
			}
			if bytes.Contains(body, []byte(serveTestSecret)) {
				t.Errorf("response contains the secret: %q", body)
			}
			if bytes.Contains(body, []byte("root:")) || bytes.Contains(body, []byte("[fonts]")) {
				t.Errorf("response looks like a system file: %q", body)
			}
			if bytes.Contains(body, []byte("listed.txt")) {
				t.Errorf("response looks like a directory listing: %q", body)
			}
			if resp.StatusCode >= 300 && resp.StatusCode < 400 {
				t.Errorf("redirected to %q", resp.Header.Get("Location"))
			}
			checkCommonHeaders(t, target, resp)
		})
	}

	// Absolute-form request targets go through the same checks.
	t.Run("absolute-form", func(t *testing.T) {
		for _, target := range []string{ts.URL + "/../secret", ts.URL + "/%2e%2e/secret", ts.URL + "/link-out"} {
			resp, body := rawRequest(t, ts, "GET", target)
			if resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s: status = %d, want 400 or 404", target, resp.StatusCode)
			}
			if bytes.Contains(body, []byte(serveTestSecret)) {
				t.Errorf("%s: response contains the secret", target)
			}
		}
	})
}

// TestServePaths checks the rules on the request path directly, including
// requests the HTTP server itself would refuse before the handler sees them.
func TestServePaths(t *testing.T) {
	site := makeServeTestSite(t)
	h := newTestHandler(t, site)
	tests := []struct {
		target string
		status int
	}{
		{"/", 200},
		{"/index.html", 200},
		{"/sub/", 200},
		{"/sub/index.html", 200},
		{"/sub", 301},
		{"/sub/page.js", 200},
		{"/../secret", 400},
		{"/%2e%2e/secret", 400},
		{"/..%2fsecret", 400},
		{"/%2fetc%2fpasswd", 400},
		{"//etc/passwd", 400},
		{"/sub//page.js", 400},
		{"/sub/./page.js", 400},
		{"/sub/../index.html", 400},
		{"/a\\b", 404},
		{"/a%5cb", 404},
		{"/a%00b", 404},
		{"/a%0ab", 404},
		{"/a%7fb", 404},
		{"/.env", 404},
		{"/sub/.git/HEAD", 404},
		{"/c:/x", 404},
		{"/empty/index.html", 404},
		{"/index.html/", 404},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest("GET", "http://example.test"+tt.target, nil))
			if w.Code != tt.status {
				t.Errorf("status = %d, want %d", w.Code, tt.status)
			}
			if bytes.Contains(w.Body.Bytes(), []byte(serveTestSecret)) {
				t.Errorf("response contains the secret")
			}
		})
	}
	// A request whose Path is not absolute (e.g. crafted in-process).
	r := httptest.NewRequest("GET", "/", nil)
	r.URL.Path = "../secret"
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusBadRequest {
		t.Errorf("relative path: status = %d, want 400", w.Code)
	}
}

func TestServeDirectories(t *testing.T) {
	site := makeServeTestSite(t)
	ts := startServeTestServer(t, site)

	t.Run("redirect to slash", func(t *testing.T) {
		resp, _ := rawRequest(t, ts, "GET", "/sub?x=1")
		if resp.StatusCode != http.StatusMovedPermanently {
			t.Fatalf("status = %d, want 301", resp.StatusCode)
		}
		// The standard file server's Location is relative ("sub/?x=1"):
		// what counts is where it leads.
		loc, err := url.Parse(resp.Header.Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		base, _ := url.Parse(ts.URL + "/sub?x=1")
		if got := base.ResolveReference(loc); got.RequestURI() != "/sub/?x=1" || got.Host != base.Host {
			t.Errorf("Location %q leads to %s, want %s/sub/?x=1", loc, got, ts.URL)
		}
	})
	t.Run("no listing without index", func(t *testing.T) {
		for _, p := range []string{"/empty/", "/empty"} {
			resp, body := rawRequest(t, ts, "GET", p)
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s: status = %d, want 404", p, resp.StatusCode)
			}
			if bytes.Contains(body, []byte("listed.txt")) {
				t.Errorf("%s: body lists the directory: %q", p, body)
			}
		}
	})
	t.Run("custom 404 page", func(t *testing.T) {
		page := []byte("<!doctype html><title>custom not found</title>")
		if err := os.WriteFile(filepath.Join(site.root, "404.html"), page, 0o644); err != nil {
			t.Fatal(err)
		}
		defer os.Remove(filepath.Join(site.root, "404.html"))
		resp, body := rawRequest(t, ts, "GET", "/missing.js")
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("status = %d, want 404", resp.StatusCode)
		}
		if !bytes.Equal(body, page) {
			t.Errorf("body = %q, want the site's 404.html", body)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("Content-Type = %q", ct)
		}
	})
}

func TestServeMethods(t *testing.T) {
	site := makeServeTestSite(t)
	ts := startServeTestServer(t, site)
	for _, method := range []string{"POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND"} {
		t.Run(method, func(t *testing.T) {
			resp, body := rawRequest(t, ts, method, "/index.html", "Content-Length: 0")
			if resp.StatusCode != http.StatusMethodNotAllowed {
				t.Errorf("status = %d, want 405", resp.StatusCode)
			}
			if allow := resp.Header.Get("Allow"); allow != "GET, HEAD" {
				t.Errorf("Allow = %q", allow)
			}
			if bytes.Contains(body, site.files["/index.html"]) {
				t.Errorf("405 response contains file content")
			}
			checkCommonHeaders(t, method, resp)
		})
	}
	t.Run("HEAD", func(t *testing.T) {
		resp, body := rawRequest(t, ts, "HEAD", "/app.wasm")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status = %d, want 200", resp.StatusCode)
		}
		if len(body) != 0 {
			t.Errorf("HEAD returned %d body bytes", len(body))
		}
		if got, want := resp.ContentLength, int64(len(site.files["/app.wasm"])); got != want {
			t.Errorf("Content-Length = %d, want %d", got, want)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/wasm" {
			t.Errorf("Content-Type = %q", ct)
		}
	})
	// gzhttp never compresses HEAD (nginx caches such answers wrongly), so
	// its headers describe the file as it is.
	t.Run("HEAD gzip", func(t *testing.T) {
		resp, body := rawRequest(t, ts, "HEAD", "/app.wasm", "Accept-Encoding: gzip")
		if resp.StatusCode != http.StatusOK || len(body) != 0 {
			t.Errorf("status = %d, body %d bytes; want 200, empty", resp.StatusCode, len(body))
		}
		if ce := resp.Header.Get("Content-Encoding"); ce != "" {
			t.Errorf("Content-Encoding = %q, want none", ce)
		}
		if got, want := resp.ContentLength, int64(len(site.files["/app.wasm"])); got != want {
			t.Errorf("Content-Length = %d, want %d", got, want)
		}
	})
}

func TestServeGzip(t *testing.T) {
	site := makeServeTestSite(t)
	ts := startServeTestServer(t, site)
	tests := []struct {
		path           string
		acceptEncoding string
		wantGzip       bool
		needVary       bool // Vary: Accept-Encoding (gzhttp also sends it where it is not needed)
	}{
		{"/app.wasm", "gzip", true, true},
		{"/app.wasm", "gzip, deflate, br, zstd", true, true},
		{"/app.wasm", "br;q=1.0, GZIP;q=0.5", true, true},
		{"/app.wasm", "*", true, true},
		{"/app.wasm", "gzip;q=0", false, true},
		{"/app.wasm", "gzip;q=0.000, *", false, true},
		{"/app.wasm", "*;q=0", false, true},
		{"/app.wasm", "br", false, true},
		{"/app.wasm", "", false, true},
		{"/app.js", "gzip", true, true},
		{"/index.html", "gzip", true, true},
		{"/", "gzip", true, true},
		{"/data.json", "gzip", true, true},
		{"/style.css", "gzip", true, true},
		{"/tiny.json", "gzip", false, true}, // under 1 KiB: gzip would not pay
		{"/mnist.gz", "gzip", false, false}, // never double-compressed
		{"/img.png", "gzip", false, false},
		{"/weights.bin", "gzip", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.path+" "+tt.acceptEncoding, func(t *testing.T) {
			var hdrs []string
			if tt.acceptEncoding != "" {
				hdrs = append(hdrs, "Accept-Encoding: "+tt.acceptEncoding)
			}
			resp, body := rawRequest(t, ts, "GET", tt.path, hdrs...)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status = %d, want 200", resp.StatusCode)
			}
			checkCommonHeaders(t, tt.path, resp)
			file := tt.path
			if file == "/" {
				file = "/index.html"
			}
			want := site.files[file]
			gotGzip := resp.Header.Get("Content-Encoding") == "gzip"
			if gotGzip != tt.wantGzip {
				t.Fatalf("Content-Encoding = %q, want gzip=%v", resp.Header.Get("Content-Encoding"), tt.wantGzip)
			}
			if tt.needVary && !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
				t.Errorf("Vary = %q, want Accept-Encoding", resp.Header.Get("Vary"))
			}
			if gotGzip {
				if resp.Header.Get("Content-Length") != "" && resp.ContentLength == int64(len(want)) {
					t.Errorf("Content-Length of the uncompressed file sent with gzip body")
				}
				zr, err := gzip.NewReader(bytes.NewReader(body))
				if err != nil {
					t.Fatalf("body is not gzip: %v", err)
				}
				dec, err := io.ReadAll(zr)
				if err != nil {
					t.Fatalf("decompressing: %v", err)
				}
				if !bytes.Equal(dec, want) {
					t.Errorf("decompressed body (%d bytes) != file (%d bytes)", len(dec), len(want))
				}
				if len(want) > 10_000 && len(body) >= len(want) {
					t.Errorf("gzip body %d bytes not smaller than file %d bytes", len(body), len(want))
				}
				// The standard library's compress/gzip at its default level:
				// the first-paint bytes the page's goal is stated in.
				var std bytes.Buffer
				zw := gzip.NewWriter(&std)
				zw.Write(want)
				zw.Close()
				if !bytes.Equal(body, std.Bytes()) {
					t.Errorf("gzip body %d bytes, compress/gzip's %d", len(body), std.Len())
				}
			} else if !bytes.Equal(body, want) {
				t.Errorf("body (%d bytes) != file (%d bytes)", len(body), len(want))
			}
		})
	}
}

func TestServeRangeAndConditional(t *testing.T) {
	site := makeServeTestSite(t)
	ts := startServeTestServer(t, site)
	wasm := site.files["/app.wasm"]

	for _, ae := range []string{"", "gzip"} {
		t.Run("range AE="+ae, func(t *testing.T) {
			hdrs := []string{"Range: bytes=4-11"}
			if ae != "" {
				hdrs = append(hdrs, "Accept-Encoding: "+ae)
			}
			resp, body := rawRequest(t, ts, "GET", "/app.wasm", hdrs...)
			if resp.StatusCode != http.StatusPartialContent {
				t.Fatalf("status = %d, want 206", resp.StatusCode)
			}
			if ce := resp.Header.Get("Content-Encoding"); ce != "" {
				t.Errorf("range response has Content-Encoding %q", ce)
			}
			if !bytes.Equal(body, wasm[4:12]) {
				t.Errorf("body = %q, want %q", body, wasm[4:12])
			}
		})
	}

	resp, _ := rawRequest(t, ts, "GET", "/app.wasm")
	lastMod := resp.Header.Get("Last-Modified")
	if lastMod == "" {
		t.Fatal("no Last-Modified header")
	}
	for _, tt := range []struct {
		path, ae string
	}{
		{"/app.wasm", ""},
		{"/app.wasm", "gzip"},
		{"/mnist.gz", "gzip"},
		{"/", "gzip"},
	} {
		t.Run("if-modified-since "+tt.path+" AE="+tt.ae, func(t *testing.T) {
			hdrs := []string{"If-Modified-Since: " + lastMod}
			if tt.ae != "" {
				hdrs = append(hdrs, "Accept-Encoding: "+tt.ae)
			}
			resp, body := rawRequest(t, ts, "GET", tt.path, hdrs...)
			if resp.StatusCode != http.StatusNotModified {
				t.Errorf("status = %d, want 304", resp.StatusCode)
			}
			if len(body) != 0 {
				t.Errorf("304 with %d body bytes", len(body))
			}
			old := time.Unix(0, 0).Add(24 * time.Hour).UTC().Format(http.TimeFormat)
			hdrs[0] = "If-Modified-Since: " + old
			resp, _ = rawRequest(t, ts, "GET", tt.path, hdrs...)
			if resp.StatusCode != http.StatusOK {
				t.Errorf("stale If-Modified-Since: status = %d, want 200", resp.StatusCode)
			}
		})
	}
}

func TestServeNewErrors(t *testing.T) {
	tmp := t.TempDir()
	noIndex := filepath.Join(tmp, "noindex")
	if err := os.Mkdir(noIndex, 0o755); err != nil {
		t.Fatal(err)
	}
	dirIndex := filepath.Join(tmp, "dirindex")
	if err := os.MkdirAll(filepath.Join(dirIndex, "index.html"), 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(tmp, "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{filepath.Join(tmp, "missing"), noIndex, dirIndex, file} {
		h, err := New(dir)
		if err == nil {
			h.Close()
			t.Errorf("New(%q) succeeded, want error", dir)
			continue
		}
		if !strings.Contains(err.Error(), "make build") {
			t.Errorf("New(%q) error %q does not mention `make build`", dir, err)
		}
		// Main must fail the same way, before listening.
		err = Main(context.Background(), []string{"-addr", "127.0.0.1:0", "-dir", dir}, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "make build") {
			t.Errorf("Main -dir %q: err = %v, want one mentioning `make build`", dir, err)
		}
	}
}

func TestServeFlagsAndServerConfig(t *testing.T) {
	// The defaults, as -h prints them: the address must be on loopback.
	var usage bytes.Buffer
	if err := Main(context.Background(), []string{"-h"}, io.Discard, &usage); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("Main -h: %v, want flag.ErrHelp", err)
	}
	m := regexp.MustCompile(`-addr \S+\n[^\n]*\(default "([^"]*)"\)`).FindStringSubmatch(usage.String())
	if m == nil {
		t.Fatalf("no -addr default in the usage:\n%s", usage.String())
	}
	host, _, err := net.SplitHostPort(m[1])
	if err != nil {
		t.Fatal(err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		t.Errorf("default bind host %q is not a loopback address", host)
	}
	if !strings.Contains(usage.String(), `(default "dist")`) {
		t.Errorf("-dir does not default to dist:\n%s", usage.String())
	}
	for _, args := range [][]string{{"extra"}, {"-dir", "x", "extra"}, {"-nosuchflag"}} {
		if err := Main(context.Background(), args, io.Discard, io.Discard); err == nil || errors.Is(err, flag.ErrHelp) {
			t.Errorf("Main %q: err = %v, want a usage error", args, err)
		}
	}

	srv := NewServer("127.0.0.1:8080", http.NotFoundHandler())
	if srv.Addr != "127.0.0.1:8080" {
		t.Errorf("Addr = %q", srv.Addr)
	}
	checks := []struct {
		name     string
		got      time.Duration
		min, max time.Duration
	}{
		{"ReadHeaderTimeout", srv.ReadHeaderTimeout, time.Second, 30 * time.Second},
		{"ReadTimeout", srv.ReadTimeout, srv.ReadHeaderTimeout, 2 * time.Minute},
		{"WriteTimeout", srv.WriteTimeout, 60 * time.Second, 10 * time.Minute},
		{"IdleTimeout", srv.IdleTimeout, time.Second, 10 * time.Minute},
	}
	for _, c := range checks {
		if c.got < c.min || c.got > c.max {
			t.Errorf("%s = %v, want in [%v, %v]", c.name, c.got, c.min, c.max)
		}
	}
	if srv.MaxHeaderBytes <= 0 || srv.MaxHeaderBytes > 1<<20 {
		t.Errorf("MaxHeaderBytes = %d, want in (0, 1 MiB]", srv.MaxHeaderBytes)
	}
}

// TestServeHeaderLimit checks that oversized request headers are refused.
func TestServeHeaderLimit(t *testing.T) {
	site := makeServeTestSite(t)
	h := newTestHandler(t, site)
	ts := httptest.NewUnstartedServer(h)
	ts.Config = NewServer("", h)
	ts.Start()
	defer ts.Close()
	resp, body := rawRequest(t, ts, "GET", "/index.html", "X-Big: "+strings.Repeat("a", 2*ts.Config.MaxHeaderBytes))
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("status = %d, want 431", resp.StatusCode)
	}
	if bytes.Contains(body, site.files["/index.html"]) {
		t.Error("file served despite oversized headers")
	}
}

// syncBuffer is a goroutine-safe bytes.Buffer.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServeRunAndShutdown runs the whole command: it prints the URL, serves
// the site with request logging (one line per request, the URI escaped, so
// that a hostile path cannot forge lines), and shuts down when the context
// (SIGINT/SIGTERM in serve.go) is cancelled.
func TestServeRunAndShutdown(t *testing.T) {
	for _, quiet := range []bool{false, true} {
		t.Run(fmt.Sprintf("quiet=%v", quiet), func(t *testing.T) {
			site := makeServeTestSite(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var stdout, stderr syncBuffer
			args := []string{"-addr", "127.0.0.1:0", "-dir", site.root}
			if quiet {
				args = append(args, "-quiet")
			}
			done := make(chan error, 1)
			go func() { done <- Main(ctx, args, &stdout, &stderr) }()

			urlRE := regexp.MustCompile(`http://127\.0\.0\.1:\d+/`)
			var url string
			for deadline := time.Now().Add(10 * time.Second); url == "" && time.Now().Before(deadline); {
				select {
				case err := <-done:
					t.Fatalf("Main returned early: %v (stderr %q)", err, stderr.String())
				case <-time.After(10 * time.Millisecond):
				}
				url = urlRE.FindString(stdout.String())
			}
			if url == "" {
				t.Fatalf("no URL printed; stdout = %q", stdout.String())
			}

			resp, err := http.Get(url + "app.js")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !bytes.Equal(body, site.files["/app.js"]) {
				t.Errorf("GET app.js: status %d, %d bytes", resp.StatusCode, len(body))
			}
			resp, err = http.Get(url + "nope")
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			// A quote and a byte that is not UTF-8 in the path: the log
			// escapes both.
			ts := &httptest.Server{URL: strings.TrimSuffix(url, "/")}
			resp, _ = rawRequest(t, ts, "GET", "/q\"x\xff")
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("GET /q\"x\\xff: status %d, want 404", resp.StatusCode)
			}

			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Main after cancel: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("server did not shut down")
			}
			if _, err := http.Get(url); err == nil {
				t.Error("server still answering after shutdown")
			}

			logs := stderr.String()
			if quiet {
				if logs != "" {
					t.Errorf("-quiet but stderr = %q", logs)
				}
				return
			}
			lines := strings.Split(strings.TrimSpace(logs), "\n")
			if len(lines) != 3 {
				t.Fatalf("want 3 log lines, got %q", logs)
			}
			// The default Go client asks for gzip, so app.js is compressed:
			// just check the method, path, status and a byte count.
			for i, re := range []string{`"GET /app\.js HTTP/1\.1" 200 \d+`, `"GET /nope HTTP/1\.1" 404 \d+`,
				`"GET /q\\"x\\xff HTTP/1\.1" 404 \d+`} {
				if !regexp.MustCompile(re).MatchString(lines[i]) {
					t.Errorf("log line %d = %q, want it to match %s", i+1, lines[i], re)
				}
			}
		})
	}
}

func TestServeURL(t *testing.T) {
	tests := []struct{ addr, want string }{
		{"127.0.0.1:8080", "http://127.0.0.1:8080/"},
		{"[::1]:8080", "http://[::1]:8080/"},
		{"0.0.0.0:8080", "http://localhost:8080/"},
		{"[::]:8080", "http://localhost:8080/"},
	}
	for _, tt := range tests {
		a, err := net.ResolveTCPAddr("tcp", tt.addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := browsable(a); got != tt.want {
			t.Errorf("browsable(%s) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}

// TestServeNoListing checks the last line of defence on its own: the
// handler's file server, asked for a directory without index.html (which
// ServeHTTP never passes on), does not list it, where the plain one does.
func TestServeNoListing(t *testing.T) {
	site := makeServeTestSite(t)
	h := newTestHandler(t, site)
	for _, srv := range []http.Handler{h.fsrv, http.FileServerFS(os.DirFS(site.root))} {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, httptest.NewRequest("GET", "/empty/", nil))
		if listed := bytes.Contains(w.Body.Bytes(), []byte("listed.txt")); listed == (srv == h.fsrv) {
			t.Errorf("%T: status %d, listed = %v", srv, w.Code, listed)
		}
	}
}
