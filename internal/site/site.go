// Package site serves govae's built static site — the directory `make build`
// writes — over HTTP, for `go run serve.go`, the browser tests and the
// benchmarks. It is named for what it serves: the deployed site, exactly as
// built, behaving like GitHub Pages where that matters (gzip, no COOP/COEP
// headers, a directory's index.html, never a listing, 404 otherwise).
//
// The standard library does the serving ([http.FileServerFS] over an
// [os.Root], which never resolves a name or a symlink outside the root) and
// github.com/klauspost/compress/gzhttp the compression; this package only
// adds the rules a static site needs on top: GET and HEAD only, nosniff,
// canonical paths only (no "..", "//" or "./", which the file server would
// otherwise clean or redirect), no hidden files, no listings, and the site's
// 404.html for anything else.
package site

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path"
	"strings"

	"github.com/klauspost/compress/gzhttp"
	"github.com/klauspost/compress/gzhttp/writer"
	"github.com/klauspost/compress/gzhttp/writer/gzstd"
)

// Handler serves the regular files below one directory. Create it with New;
// Close releases the directory.
type Handler struct {
	root  *os.Root
	files fs.FS        // root.FS(): confined to the directory
	fsrv  http.Handler // http.FileServerFS over files
	gz    http.Handler // serveFile behind gzip
}

// New returns a handler for the site in dir, which must be a directory
// holding an index.html; otherwise the error says to run `make build`.
// It compresses only the types GitHub Pages compresses among the site's
// files (not the weights, images or .gz files), with gzip only, as Pages,
// and with the standard library's compress/gzip at its default level:
// gzhttp's own compressor at its default sends govae.wasm 5 % larger
// (3.38 against 3.20 MB), and first-paint bytes are a goal of the page.
func New(dir string) (*Handler, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("site directory %q: %w: run `make build` first", dir, err)
	}
	h := &Handler{root: root, files: root.FS()}
	h.fsrv = http.FileServerFS(noListing{h.files})
	gz, err := gzhttp.NewWrapper(gzhttp.Implementation(writer.GzipWriterFactory{Levels: gzstd.Levels, New: gzstd.NewWriter}),
		gzhttp.EnableZstd(false), gzhttp.AcceptWildcards(true), gzhttp.ContentTypes([]string{
			"text/html", "text/css", "text/javascript", "application/javascript", "application/json", "application/wasm", "text/plain", "image/svg+xml"}))
	if fi, serr := root.Stat("index.html"); serr != nil || !fi.Mode().IsRegular() {
		err = fmt.Errorf("site directory %q has no index.html: run `make build` first", dir)
	}
	if err != nil {
		root.Close()
		return nil, err
	}
	h.gz = gz(http.HandlerFunc(h.serveFile))
	return h, nil
}

// Close releases the site directory.
func (h *Handler) Close() error { return h.root.Close() }

// ServeHTTP answers GET and HEAD with the file the path names (a directory's
// index.html for a path ending in "/"), 405 to other methods, 400 to a path
// that is not canonical and 404 to everything else. Every answer carries
// nosniff and no-cache.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.gz.ServeHTTP(w, r) }

func (h *Handler) serveFile(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-cache")
	p := r.URL.Path
	switch c := path.Clean("/" + p); {
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
		return
	case c != p && c+"/" != p: // "..", "//", "./": the file server would clean or redirect them
		http.Error(w, "400 bad request: not a canonical path", http.StatusBadRequest)
		return
	case strings.Contains(p, "/."): // hidden files (.git, .env) are never part of the site
		h.notFound(w)
		return
	}
	name := strings.Trim(p, "/")
	fi, err := fs.Stat(h.files, cmp.Or(name, "."))
	isDir := err == nil && fi.IsDir()
	if isDir {
		fi, err = fs.Stat(h.files, path.Join(name, "index.html"))
	}
	if err != nil || !fi.Mode().IsRegular() || !isDir && strings.HasSuffix(p, "/") {
		h.notFound(w) // missing, outside the root, not a regular file, a directory without index.html
		return
	}
	if !isDir && mime.TypeByExtension(path.Ext(name)) == "" {
		w.Header().Set("Content-Type", "application/octet-stream") // never sniffed
	}
	if before, ok := strings.CutSuffix(p, "/index.html"); ok && !isDir {
		r = r.Clone(r.Context()) // which the file server would redirect to "./"
		r.URL.Path = before + "/"
	}
	h.fsrv.ServeHTTP(w, r)
}

// notFound answers 404 with the site's 404.html if it has one, as GitHub
// Pages does, else a line of text.
func (h *Handler) notFound(w http.ResponseWriter) {
	page, err := fs.ReadFile(h.files, "404.html")
	if err != nil {
		http.Error(w, "404 page not found", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	w.Write(page)
}

// noListing hides ReadDir from the file server, so that not even a
// directory that lost its index.html after serveFile looked is listed.
type noListing struct{ fs.FS }

// Open opens name as a file that offers only Read, Seek, Stat and Close.
func (n noListing) Open(name string) (fs.File, error) {
	f, err := n.FS.Open(name)
	if s, ok := f.(io.Seeker); ok && err == nil {
		return struct {
			fs.File
			io.Seeker
		}{f, s}, nil
	} else if err == nil {
		f.Close()
		err = errors.ErrUnsupported
	}
	return nil, err
}
