// Command sitedata puts the data sets into a built site: it copies the four
// verified .gz files of each data set given into SITE/data (MNIST at
// data/NAME, the others at data/ID/NAME), checking their published sizes and
// digests while copying, and writes SITE/data/datasets.json, the manifest
// that tells the page which data sets the site serves, their files, class
// names and whether pretrained weights exist (core/mnist.StageSite).
//
// Usage:
//
//	go run ./cmd/sitedata -site dist [-dataset mnist|fashion|kmnist|all]
//
// `make build` runs it after cmd/fetchdata has made sure the files are
// there. A data set that cannot be found or whose file is not the
// published one is an error (exit status 1) and no manifest is written.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/govae/govae/core/mnist"
)

func main() {
	err := run(os.Args[1:], os.Stdout)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return
	case err != nil:
		fmt.Fprintln(os.Stderr, "sitedata:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	flags := flag.NewFlagSet("sitedata", flag.ContinueOnError)
	flags.SetOutput(out)
	site := flags.String("site", "", "the built site's root `DIR` (required)")
	dataset := flags.String("dataset", "mnist", "data set `ID`s to ship, comma-separated, or all: mnist, fashion, kmnist")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", flags.Args())
	}
	if *site == "" {
		return errors.New("-site is required")
	}
	if info, err := os.Stat(*site); err != nil || !info.IsDir() {
		return fmt.Errorf("-site %s is not a directory (build the site first): %v", *site, err)
	}
	sources, err := mnist.ParseSources(*dataset)
	if err != nil {
		return err
	}
	m, err := mnist.StageSite(*site, sources)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s:", filepath.Join(*site, filepath.FromSlash(mnist.ManifestPath)))
	for _, d := range m.Datasets {
		var bytes int64
		for _, f := range d.Files {
			bytes += f.Bytes
		}
		switch {
		case !d.Present:
			fmt.Fprintf(out, " %s not on this site;", d.Name)
		case d.Weights != "":
			fmt.Fprintf(out, " %s (%.1f MB, pretrained weights %s);", d.Name, float64(bytes)/1e6, d.Weights)
		default:
			fmt.Fprintf(out, " %s (%.1f MB, no pretrained weights);", d.Name, float64(bytes)/1e6)
		}
	}
	fmt.Fprintln(out)
	return nil
}
