// Command fetchdata downloads the four .gz files of MNIST, Fashion-MNIST or
// Kuzushiji-MNIST (KMNIST) and checks each against its published size and
// digests (core/mnist's Source table, which cites where they come from).
//
// Usage:
//
//	go run ./cmd/fetchdata [-dataset mnist|fashion|kmnist|all] [-dir DIR] [-mirror URL] [-force]
//
// For each data set the files go into DIR (only with one data set), else
// $ID_DIR (MNIST_DIR, FASHION_DIR, KMNIST_DIR) when set, else the download
// cache <module root>/.cache/ID, where Source.Dir finds them. Each file is
// downloaded to a temporary file and renamed into place only once its size
// and digests match; a file already present and verified is not downloaded
// again. The data set's mirrors are tried in order, its publisher's first
// (-mirror replaces them); a mirror that cannot be reached at all is not
// tried again for the remaining files.
//
// When the directory Source.Dir finds ($ID_DIR, ../shared/ID or the cache)
// already holds the verified files, fetchdata says so and does nothing,
// unless -force is given. When a file cannot be had, it exits with status 1
// and a message naming the file, every mirror's answer and what to do;
// `make build` runs it first, so a site is never built without its data.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/govae/govae/core/mnist"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	client := &http.Client{Timeout: 10 * time.Minute}
	err := run(ctx, os.Args[1:], os.Stdout, client)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return
	case err != nil:
		fmt.Fprintln(os.Stderr, "fetchdata:", err)
		os.Exit(1)
	}
}

// run parses the command line and downloads what is missing.
func run(ctx context.Context, args []string, out io.Writer, client *http.Client) error {
	flags := flag.NewFlagSet("fetchdata", flag.ContinueOnError)
	flags.SetOutput(out)
	dataset := flags.String("dataset", "mnist", "data set `ID`s, comma-separated, or all: mnist, fashion, kmnist")
	dir := flags.String("dir", "", "download into `DIR` (one data set only; default $ID_DIR, else <module root>/.cache/ID)")
	mirror := flags.String("mirror", "", "download from base `URL` only, instead of the data set's mirrors")
	force := flags.Bool("force", false, "download even if the data set's directory already has verified files")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", flags.Args())
	}
	sources, err := mnist.ParseSources(*dataset)
	if err != nil {
		return err
	}
	if *dir != "" && len(sources) > 1 {
		return fmt.Errorf("-dir %s with %d data sets: give one data set, or set each one's ID_DIR", *dir, len(sources))
	}
	var errs []error
	for _, s := range sources {
		mirrors := s.Mirrors
		if *mirror != "" {
			mirrors = []string{*mirror}
		}
		if err := ensure(ctx, client, s, *dir, mirrors, *force, out); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// ensure makes sure s's verified files are where Source.Dir finds them,
// downloading into target (or the default place) what is missing.
func ensure(ctx context.Context, client *http.Client, s *mnist.Source, target string, mirrors []string, force bool, out io.Writer) error {
	if target == "" {
		target = os.Getenv(s.EnvDir())
	}
	if target == "" {
		cache, err := s.CacheDir()
		if err != nil {
			return fmt.Errorf("%s: %w (or pass -dir)", s.Name, err)
		}
		target = cache
	}
	if !force {
		if existing, err := s.Dir(); err == nil && s.VerifyDir(existing) == nil {
			fmt.Fprintf(out, "%s is present and verified in %s\n", s.Name, existing)
			return nil
		}
	}
	// Warn when the directory Source.Dir reads ($ID_DIR) is not the
	// download directory and will still lack the files afterwards.
	if env := os.Getenv(s.EnvDir()); env != "" && !sameDir(env, target) {
		fmt.Fprintf(out, "note: %s=%s is not %s; after the download unset %s or set it to %s\n",
			s.EnvDir(), env, target, s.EnvDir(), target)
	}
	if err := fetch(ctx, client, s, mirrors, target, out); err != nil {
		return fmt.Errorf("%s could not be fetched into %s; a site built now would lack it. "+
			"Run again when a mirror is reachable, or set %s to a directory holding the published files:\n%w",
			s.Name, target, s.EnvDir(), err)
	}
	return nil
}

func sameDir(a, b string) bool {
	absA, errA := filepath.Abs(a)
	absB, errB := filepath.Abs(b)
	return errA == nil && errB == nil && absA == absB
}

// fetch makes sure dir holds the four files of s with the right sizes and
// digests, downloading the missing or wrong ones from the first mirror that
// serves them correctly.
func fetch(ctx context.Context, client *http.Client, s *mnist.Source, mirrors []string, dir string, out io.Writer) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	unreachable := map[string]error{}
	var errs []error
	for _, f := range s.Files {
		if err := fetchFile(ctx, client, s, f, mirrors, unreachable, dir, out); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// fetchFile makes sure dir/f.Name exists and is f. Mirrors that could not be
// reached at all are recorded in unreachable and skipped from then on.
func fetchFile(ctx context.Context, client *http.Client, s *mnist.Source, f mnist.File, mirrors []string,
	unreachable map[string]error, dir string, out io.Writer) error {
	path := filepath.Join(dir, f.Name)
	if err := s.Verify(path); err == nil {
		fmt.Fprintf(out, "%s: already present and verified\n", path)
		return nil
	} else if !errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(out, "%s: will be replaced: %v\n", path, err)
	}
	var errs []error
	for _, base := range mirrors {
		if err, dead := unreachable[base]; dead {
			errs = append(errs, fmt.Errorf("%s not tried again: %w", base, err))
			continue
		}
		src, reached, err := download(ctx, client, base, dir, f)
		if err == nil {
			fmt.Fprintf(out, "%s: downloaded from %s and verified\n", path, src)
			return nil
		}
		if !reached {
			unreachable[base] = err
		}
		fmt.Fprintf(out, "%s: %v\n", f.Name, err)
		errs = append(errs, err)
	}
	return fmt.Errorf("%s: no mirror served it correctly: %w", f.Name, errors.Join(errs...))
}

// download fetches base/f.Name into dir/f.Name through a temporary file,
// which is renamed into place only if it is f: at most f.Size+1 bytes are
// read, and the size and digests must match. It returns the URL it
// downloaded from, and whether the mirror answered at all.
func download(ctx context.Context, client *http.Client, base, dir string, f mnist.File) (string, bool, error) {
	src, err := url.JoinPath(base, f.Name)
	if err != nil {
		return "", false, fmt.Errorf("bad mirror URL %q: %w", base, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
	if err != nil {
		return "", false, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", true, fmt.Errorf("GET %s: %s", src, resp.Status)
	}
	tmp, err := os.CreateTemp(dir, "."+f.Name+".*.part")
	if err != nil {
		return "", true, err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	check := f.NewChecker()
	n, err := io.Copy(io.MultiWriter(tmp, check), io.LimitReader(resp.Body, f.Size+1))
	if closeErr := tmp.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return "", true, fmt.Errorf("GET %s: reading the body after %d bytes: %w", src, n, err)
	}
	if err := check.Err(); err != nil {
		return "", true, fmt.Errorf("%s from %s: %w", f.Name, src, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return "", true, err
	}
	return src, true, os.Rename(tmp.Name(), filepath.Join(dir, f.Name))
}
