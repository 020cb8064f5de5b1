// Command fetchmnist downloads the four MNIST .gz files and checks each
// against its published SHA-256 digest.
//
// Usage:
//
//	go run ./cmd/fetchmnist [-dir DIR] [-mirror URL] [-force]
//
// The files go into DIR, by default <module root>/.cache/mnist, where
// mnist.Dir finds them. Each file is downloaded to a temporary file and
// renamed into place only once its digest matches; a file already present
// with the right digest is not downloaded again. Without -mirror the
// primary mirror is tried first, then the fallback.
//
// If $MNIST_DIR or ../shared/mnist already holds verified files, fetchmnist
// says so and does nothing, unless -force is given.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/govae/govae/core/mnist"
)

// defaultMirrors are tried in order for each file.
var defaultMirrors = []string{
	"https://storage.googleapis.com/cvdf-datasets/mnist/",
	"https://ossci-datasets.s3.amazonaws.com/mnist/",
}

// maxDownload bounds a download; the largest MNIST file is under 10 MB, so
// anything bigger is not the file we want. A variable so tests can lower it.
var maxDownload int64 = 64 << 20

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	client := &http.Client{Timeout: 10 * time.Minute}
	err := run(ctx, os.Args[1:], os.Stdout, client, defaultMirrors)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return
	case err != nil:
		fmt.Fprintln(os.Stderr, "fetchmnist:", err)
		os.Exit(1)
	}
}

// run parses the command line and downloads what is missing.
func run(ctx context.Context, args []string, out io.Writer, client *http.Client, mirrors []string) error {
	flags := flag.NewFlagSet("fetchmnist", flag.ContinueOnError)
	dir := flags.String("dir", "", "download into `DIR` (default <module root>/.cache/mnist)")
	mirror := flags.String("mirror", "", "download from base `URL` only (default "+strings.Join(mirrors, ", falling back to ")+")")
	force := flags.Bool("force", false, "download even if $MNIST_DIR or ../shared/mnist already has verified files")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", flags.Args())
	}
	if *dir == "" {
		cache, err := mnist.CacheDir()
		if err != nil {
			return fmt.Errorf("%w (or pass -dir)", err)
		}
		*dir = cache
	}
	if *mirror != "" {
		mirrors = []string{*mirror}
	}
	// `make data` sets MNIST_DIR to the download directory itself; warn only
	// when it points somewhere else that will still be unusable afterwards.
	if env := os.Getenv(mnist.EnvDir); env != "" && !sameDir(env, *dir) {
		if _, err := mnist.Dir(); err != nil {
			fmt.Fprintf(out, "note: %v; after the download unset %s or set it to %s\n", err, mnist.EnvDir, *dir)
		}
	}
	if !*force {
		if existing, ok := verifiedElsewhere(*dir); ok {
			fmt.Fprintf(out, "MNIST is already present and verified in %s; nothing to do (-force downloads into %s anyway)\n", existing, *dir)
			return nil
		}
	}
	return fetch(ctx, client, mirrors, *dir, out)
}

// verifiedElsewhere returns the directory mnist.Dir would use ($MNIST_DIR or
// ../shared/mnist) when it is not target and all four files there have the
// right digests.
func verifiedElsewhere(target string) (string, bool) {
	dir, err := mnist.Dir()
	if err != nil || sameDir(dir, target) {
		return "", false
	}
	return dir, mnist.VerifyDir(dir) == nil
}

func sameDir(a, b string) bool {
	absA, errA := filepath.Abs(a)
	absB, errB := filepath.Abs(b)
	return errA == nil && errB == nil && absA == absB
}

// fetch makes sure dir holds all four MNIST files with the right digests,
// downloading the missing or wrong ones from the first mirror that serves
// them correctly.
func fetch(ctx context.Context, client *http.Client, mirrors []string, dir string, out io.Writer) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var errs []error
	for _, name := range mnist.FileNames() {
		if err := fetchFile(ctx, client, mirrors, dir, name, out); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// fetchFile makes sure dir/name exists with the right digest.
func fetchFile(ctx context.Context, client *http.Client, mirrors []string, dir, name string, out io.Writer) error {
	path := filepath.Join(dir, name)
	if err := mnist.Verify(path); err == nil {
		fmt.Fprintf(out, "%s: already present and verified\n", path)
		return nil
	} else if !errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(out, "%s: will be replaced: %v\n", path, err)
	}
	var errs []error
	for i, base := range mirrors {
		src, err := download(ctx, client, base, dir, name)
		if err == nil {
			fmt.Fprintf(out, "%s: downloaded from %s and verified\n", path, src)
			return nil
		}
		if i+1 < len(mirrors) {
			fmt.Fprintf(out, "%s: %v; trying %s\n", name, err, mirrors[i+1])
		}
		errs = append(errs, err)
	}
	return fmt.Errorf("%s: no mirror served it correctly: %w", name, errors.Join(errs...))
}

// download fetches base/name into dir/name through a temporary file, which
// is renamed into place only if its SHA-256 digest is the published one.
// It returns the URL it downloaded from.
func download(ctx context.Context, client *http.Client, base, dir, name string) (string, error) {
	src, err := url.JoinPath(base, name)
	if err != nil {
		return "", fmt.Errorf("bad mirror URL %q: %w", base, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
	if err != nil {
		return "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s", src, resp.Status)
	}
	tmp, err := os.CreateTemp(dir, "."+name+".*.part")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	digest, err := saveBody(tmp, resp.Body)
	if closeErr := tmp.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return "", fmt.Errorf("GET %s: %w", src, err)
	}
	if want := mnist.Digests[name]; digest != want {
		return "", fmt.Errorf("%s from %s: %w: got %s, want %s", name, src, mnist.ErrDigest, digest, want)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return "", err
	}
	return src, os.Rename(tmp.Name(), filepath.Join(dir, name))
}

// saveBody copies body into f, at most maxDownload bytes, and returns the
// hex SHA-256 digest of what it copied.
func saveBody(f *os.File, body io.Reader) (string, error) {
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(body, maxDownload+1))
	if err != nil {
		return "", fmt.Errorf("reading the body after %d bytes: %w", n, err)
	}
	if n > maxDownload {
		return "", fmt.Errorf("body larger than %d bytes, not an MNIST file", maxDownload)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
