// Command serve is a small static file server for the built govae site.
//
//	go run serve.go [-addr 127.0.0.1:8080] [-dir dist] [-quiet]
//
// It is meant for local development and for the in-process browser tests,
// and deliberately behaves like GitHub Pages where that matters: gzip for
// text-like assets and wasm, no COOP/COEP headers, directory requests served
// from index.html (never a listing), 404 for everything else.
//
// Security model: the server only ever serves regular files that lie inside
// the site root. Request paths are validated lexically (no "..", ".",
// empty, hidden, backslash, NUL, control-character or percent-encoded
// slash/backslash/NUL segments), and every open goes through an [os.Root],
// which refuses to resolve any name or symlink to a location outside the
// root. Anything rejected gets 400 or 404 and never file content.
//
// This file must stay self-contained (standard library only, no other
// non-test file of package main needed), because it is run as
// "go run serve.go".
package main

import (
	"compress/gzip"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Defaults for the command-line flags.
const (
	defaultServeAddr = "127.0.0.1:8080"
	defaultServeDir  = "dist"
)

// Server limits. WriteTimeout bounds the whole response, so it has to be
// generous enough for a ~16 MB wasm file on a slow (or throttled) link.
const (
	serveReadHeaderTimeout = 10 * time.Second
	serveReadTimeout       = 30 * time.Second
	serveWriteTimeout      = 120 * time.Second
	serveIdleTimeout       = 60 * time.Second
	serveMaxHeaderBytes    = 64 << 10
	serveShutdownTimeout   = 5 * time.Second
)

// siteContentTypes maps lower-case file extensions to Content-Type values.
// It is used instead of the mime package so that results do not depend on
// the machine's mime database. Unknown extensions get
// application/octet-stream (never sniffed, thanks to nosniff).
var siteContentTypes = map[string]string{
	".html":  "text/html; charset=utf-8",
	".htm":   "text/html; charset=utf-8",
	".js":    "text/javascript; charset=utf-8",
	".mjs":   "text/javascript; charset=utf-8",
	".wasm":  "application/wasm",
	".css":   "text/css; charset=utf-8",
	".json":  "application/json; charset=utf-8",
	".map":   "application/json; charset=utf-8",
	".txt":   "text/plain; charset=utf-8",
	".svg":   "image/svg+xml",
	".png":   "image/png",
	".jpg":   "image/jpeg",
	".jpeg":  "image/jpeg",
	".gif":   "image/gif",
	".webp":  "image/webp",
	".ico":   "image/x-icon",
	".gz":    "application/gzip",
	".bin":   "application/octet-stream",
	".woff2": "font/woff2",
}

// siteCompressible lists the extensions that are gzip-compressed when the
// client accepts it (GitHub Pages does the same). Already-compressed formats
// (.gz, .png, ...) are never compressed again.
var siteCompressible = map[string]bool{
	".html": true,
	".htm":  true,
	".js":   true,
	".mjs":  true,
	".wasm": true,
	".css":  true,
	".json": true,
	".map":  true,
	".txt":  true,
	".svg":  true,
}

// siteContentType returns the Content-Type for a file name.
func siteContentType(name string) string {
	if ct, ok := siteContentTypes[strings.ToLower(path.Ext(name))]; ok {
		return ct
	}
	return "application/octet-stream"
}

// siteHandler serves the regular files below one directory. Create it with
// newSiteHandler.
type siteHandler struct {
	root *os.Root
}

// newSiteHandler returns a handler serving the static site in dir. The
// directory must exist and contain an index.html (otherwise the error tells
// the user to run "make build"). The returned handler also implements
// io.Closer, which releases the directory handle; it may simply be left
// open for the life of the process.
func newSiteHandler(dir string) (http.Handler, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("site directory %q does not exist: run `make build` first", dir)
		}
		return nil, fmt.Errorf("site directory %q: %w", dir, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("site directory %q is not a directory: run `make build` first", dir)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("opening site directory: %w", err)
	}
	if fi, err := root.Stat("index.html"); err != nil || !fi.Mode().IsRegular() {
		root.Close()
		return nil, fmt.Errorf("site directory %q has no index.html: run `make build` first", dir)
	}
	return &siteHandler{root: root}, nil
}

// Close releases the handle on the site directory.
func (h *siteHandler) Close() error { return h.root.Close() }

func (h *siteHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Cache-Control", "no-cache")

	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hdr.Set("Allow", "GET, HEAD")
		http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
		return
	}

	rel, wantDir, status := siteRequestPath(r)
	if status != 0 {
		if status == http.StatusNotFound {
			h.notFound(w, r)
		} else {
			http.Error(w, strconv.Itoa(status)+" "+http.StatusText(status), status)
		}
		return
	}

	fi, err := h.root.Stat(filepath.FromSlash(rel))
	if err != nil {
		h.notFound(w, r)
		return
	}
	if fi.IsDir() {
		index := path.Join(rel, "index.html")
		ifi, err := h.root.Stat(filepath.FromSlash(index))
		if err != nil || !ifi.Mode().IsRegular() {
			h.notFound(w, r) // no listings, ever
			return
		}
		if !wantDir {
			// Like GitHub Pages: /sub -> /sub/, so that relative URLs in
			// sub/index.html resolve. rel was validated (no empty or dot
			// segments), so the target is always a local path.
			target := "/" + rel + "/"
			if r.URL.RawQuery != "" {
				target += "?" + r.URL.RawQuery
			}
			hdr.Set("Location", target)
			w.WriteHeader(http.StatusMovedPermanently)
			return
		}
		rel, fi = index, ifi
	} else if wantDir {
		h.notFound(w, r) // "/file.js/" is not a directory
		return
	}
	if !fi.Mode().IsRegular() {
		h.notFound(w, r) // devices, fifos, sockets, ...
		return
	}

	f, err := h.root.Open(filepath.FromSlash(rel))
	if err != nil {
		h.notFound(w, r)
		return
	}
	defer f.Close()
	// Re-check the opened file: it must still be the regular file we
	// looked at (guards against it being swapped in between).
	ofi, err := f.Stat()
	if err != nil || !ofi.Mode().IsRegular() || !os.SameFile(fi, ofi) {
		h.notFound(w, r)
		return
	}

	ext := strings.ToLower(path.Ext(rel))
	hdr.Set("Content-Type", siteContentType(rel))
	if siteCompressible[ext] {
		hdr.Add("Vary", "Accept-Encoding")
		// Range requests are answered uncompressed (by ServeContent).
		if acceptsGzip(r.Header) && r.Header.Get("Range") == "" {
			serveGzip(w, r, f, ofi.ModTime())
			return
		}
	}
	http.ServeContent(w, r, "", ofi.ModTime(), f)
}

// serveGzip writes the gzip-compressed content of f. It honours
// If-Modified-Since; Range is not supported for compressed responses.
func serveGzip(w http.ResponseWriter, r *http.Request, f io.Reader, modtime time.Time) {
	hdr := w.Header()
	if !modtime.IsZero() && modtime.Unix() > 0 {
		hdr.Set("Last-Modified", modtime.UTC().Format(http.TimeFormat))
		if r.Header.Get("If-None-Match") == "" {
			if t, err := http.ParseTime(r.Header.Get("If-Modified-Since")); err == nil &&
				!modtime.Truncate(time.Second).After(t) {
				hdr.Del("Content-Type")
				w.WriteHeader(http.StatusNotModified)
				return
			}
		}
	}
	hdr.Set("Content-Encoding", "gzip")
	hdr.Del("Content-Length")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	gz := gzip.NewWriter(w)
	if _, err := io.Copy(gz, f); err != nil {
		return // client went away; nothing useful to do
	}
	gz.Close()
}

// notFound answers 404, with the site's 404.html if it has one (as GitHub
// Pages does), else a plain-text message.
func (h *siteHandler) notFound(w http.ResponseWriter, r *http.Request) {
	if fi, err := h.root.Stat("404.html"); err == nil && fi.Mode().IsRegular() {
		if f, err := h.root.Open("404.html"); err == nil {
			defer f.Close()
			hdr := w.Header()
			hdr.Set("Content-Type", "text/html; charset=utf-8")
			hdr.Set("Content-Length", strconv.FormatInt(fi.Size(), 10))
			w.WriteHeader(http.StatusNotFound)
			if r.Method != http.MethodHead {
				io.CopyN(w, f, fi.Size())
			}
			return
		}
	}
	http.Error(w, "404 page not found", http.StatusNotFound)
}

// siteRequestPath validates the request path and converts it to a
// root-relative, slash-separated name for os.Root ("." for the root).
// wantDir reports whether the path ended in "/". A non-zero status
// (400 or 404) means the request must be rejected.
func siteRequestPath(r *http.Request) (rel string, wantDir bool, status int) {
	// Encoded "/", "\" or NUL have no business in a static site path; they
	// are the classic ways to smuggle separators past path checks.
	escaped := strings.ToLower(r.URL.EscapedPath())
	if r.URL.RawPath != "" {
		escaped += strings.ToLower(r.URL.RawPath)
	}
	for _, bad := range []string{"%2f", "%5c", "%00"} {
		if strings.Contains(escaped, bad) {
			return "", false, http.StatusBadRequest
		}
	}

	p := r.URL.Path
	if !strings.HasPrefix(p, "/") {
		return "", false, http.StatusBadRequest
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		// Control characters (incl. NUL), backslash (a separator on
		// Windows), and "%" (left over from double encoding).
		if c < 0x20 || c == 0x7f || c == '\\' || c == '%' {
			return "", false, http.StatusBadRequest
		}
	}

	rest := p[1:]
	wantDir = rest == "" || strings.HasSuffix(rest, "/")
	rest = strings.TrimSuffix(rest, "/")
	if rest == "" {
		return ".", true, 0
	}
	for _, seg := range strings.Split(rest, "/") {
		switch {
		case seg == "", seg == ".", seg == "..":
			// Empty segments cover "//etc/passwd" and "/a//b".
			return "", false, http.StatusBadRequest
		case strings.ContainsRune(seg, ':'):
			// Drive letters and alternate data streams on Windows.
			return "", false, http.StatusBadRequest
		case strings.HasPrefix(seg, "."):
			// Hidden files (.git, .env, ...) are never part of the site.
			return "", false, http.StatusNotFound
		}
	}
	if !filepath.IsLocal(filepath.FromSlash(rest)) {
		return "", false, http.StatusBadRequest
	}
	return rest, wantDir, 0
}

// acceptsGzip reports whether the Accept-Encoding header allows gzip,
// honouring q=0 and the "*" wildcard.
func acceptsGzip(h http.Header) bool {
	gzipQ, starQ := -1.0, -1.0
	for _, v := range h.Values("Accept-Encoding") {
		for _, part := range strings.Split(v, ",") {
			coding, params, _ := strings.Cut(part, ";")
			coding = strings.ToLower(strings.TrimSpace(coding))
			q := 1.0
			for _, param := range strings.Split(params, ";") {
				k, val, ok := strings.Cut(strings.TrimSpace(param), "=")
				if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
					f, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
					if err != nil || f < 0 || f > 1 {
						f = 0 // malformed: treat as not acceptable
					}
					q = f
				}
			}
			switch coding {
			case "gzip", "x-gzip":
				gzipQ = q
			case "*":
				starQ = q
			}
		}
	}
	if gzipQ >= 0 {
		return gzipQ > 0
	}
	return starQ > 0
}

// withRequestLog wraps h so that one line per request (remote address,
// method, request URI, status, body bytes, duration) is written to out.
func withRequestLog(h http.Handler, out io.Writer) http.Handler {
	logger := log.New(out, "", log.LstdFlags)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		lw := &loggingResponseWriter{ResponseWriter: w}
		h.ServeHTTP(lw, r)
		status := lw.status
		if status == 0 {
			status = http.StatusOK
		}
		uri := r.RequestURI
		if uri == "" {
			uri = r.URL.RequestURI()
		}
		if len(uri) > 256 {
			uri = uri[:256] + "..."
		}
		// %q keeps hostile paths from forging log lines.
		logger.Printf("%s %s %q %d %dB %s", r.RemoteAddr, r.Method, uri, status,
			lw.bytes, time.Since(start).Round(time.Millisecond))
	})
}

// loggingResponseWriter records the status code and body size.
type loggingResponseWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *loggingResponseWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *loggingResponseWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *loggingResponseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// newServer returns an http.Server for h on addr with bounded timeouts and
// header size.
func newServer(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: serveReadHeaderTimeout,
		ReadTimeout:       serveReadTimeout,
		WriteTimeout:      serveWriteTimeout,
		IdleTimeout:       serveIdleTimeout,
		MaxHeaderBytes:    serveMaxHeaderBytes,
	}
}

// serveConfig is the parsed command line.
type serveConfig struct {
	Addr  string
	Dir   string
	Quiet bool
}

// parseServeFlags parses the command-line arguments (without the program
// name). Usage and errors go to stderr.
func parseServeFlags(args []string, stderr io.Writer) (serveConfig, error) {
	var cfg serveConfig
	fsFlags := flag.NewFlagSet("serve", flag.ContinueOnError)
	fsFlags.SetOutput(stderr)
	fsFlags.StringVar(&cfg.Addr, "addr", defaultServeAddr, "address to listen on (host:port); keep it on loopback unless you mean it")
	fsFlags.StringVar(&cfg.Dir, "dir", defaultServeDir, "site `directory` to serve (written by \"make build\")")
	fsFlags.BoolVar(&cfg.Quiet, "quiet", false, "do not log requests to stderr")
	if err := fsFlags.Parse(args); err != nil {
		return cfg, err
	}
	if fsFlags.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments: %q", fsFlags.Args())
	}
	return cfg, nil
}

// runServe parses args, serves the site until ctx is cancelled, then shuts
// down gracefully. The URL being served is printed to stdout; request logs
// go to stderr.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseServeFlags(args, stderr)
	if err != nil {
		return err
	}
	h, err := newSiteHandler(cfg.Dir)
	if err != nil {
		return err
	}
	defer h.(io.Closer).Close()
	if !cfg.Quiet {
		h = withRequestLog(h, stderr)
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	srv := newServer(cfg.Addr, h)
	srv.ErrorLog = log.New(stderr, "serve: ", log.LstdFlags)

	fmt.Fprintf(stdout, "serving %s at %s (Ctrl-C to stop)\n", cfg.Dir, serveURL(ln.Addr()))

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), serveShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// serveURL formats a browsable URL for a listener address.
func serveURL(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return "http://" + a.String() + "/"
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port) + "/"
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := runServe(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "serve:", err)
		os.Exit(1)
	}
}
