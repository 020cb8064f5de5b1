package mnist

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// ManifestPath is where a site keeps its Manifest, relative to the site
// root.
const ManifestPath = "data/datasets.json"

// ManifestVersion is the version of the manifest format written by
// StageSite and the only one ParseManifest accepts.
const ManifestVersion = 1

// ErrManifest reports a manifest that is not valid JSON of the expected
// shape, or whose content contradicts the data sets govae knows.
var ErrManifest = errors.New("invalid data set manifest")

// Manifest lists the data sets govae knows and says which of them a site
// serves: the page reads it from ManifestPath to offer the present ones and
// show the others as not on the site. Its JSON form:
//
//	{"version": 1, "datasets": [
//	  {"id": "mnist", "name": "MNIST", "present": true,
//	   "files": [{"name": "train-images-idx3-ubyte.gz", "path": "data/train-images-idx3-ubyte.gz",
//	              "split": "train", "kind": "images", "bytes": 9912422, "sha256": "440f…"}, …],
//	   "classes": [{"name": "0", "latin": "0"}, …],
//	   "weights": "assets/vae.bin", "home": "…", "credit": "…", "license": "CC BY-SA 3.0"},
//	  {"id": "fashion", "name": "Fashion-MNIST", "present": false, "classes": […], …}, …]}
type Manifest struct {
	// Version is ManifestVersion.
	Version int `json:"version"`
	// Datasets has one entry per Source, in Sources order.
	Datasets []SiteDataset `json:"datasets"`
}

// SiteDataset is a data set's entry in a Manifest.
type SiteDataset struct {
	// ID and Name are the Source's.
	ID   string `json:"id"`
	Name string `json:"name"`
	// Present is true when the site serves the data set's four files.
	Present bool `json:"present"`
	// Files are the four files, in FileNames order, when Present.
	Files []SiteFile `json:"files,omitempty"`
	// Classes names the labels 0–9, for the overlay legend.
	Classes [10]Class `json:"classes"`
	// Weights is the site path of pretrained weights for this data set,
	// or "" when the site has none (the page then starts from fresh
	// weights).
	Weights string `json:"weights,omitempty"`
	// Home, Credit and License are the Source's, for the page's credits.
	Home    string `json:"home"`
	Credit  string `json:"credit"`
	License string `json:"license"`
}

// SiteFile is one file a site serves.
type SiteFile struct {
	// Name is the canonical file name.
	Name string `json:"name"`
	// Path is where the site serves it, relative to the site root.
	Path string `json:"path"`
	// Split is "train" or "test"; Kind is "images" or "labels".
	Split string `json:"split"`
	Kind  string `json:"kind"`
	// Bytes is the file's size.
	Bytes int64 `json:"bytes"`
	// SHA256 is its hex SHA-256 digest.
	SHA256 string `json:"sha256"`
}

// Dataset returns the manifest's entry for id.
func (m *Manifest) Dataset(id string) (*SiteDataset, bool) {
	for i := range m.Datasets {
		if m.Datasets[i].ID == id {
			return &m.Datasets[i], true
		}
	}
	return nil, false
}

// File returns the entry's file of the given split and kind ("images" or
// "labels").
func (d *SiteDataset) File(split Split, kind string) (SiteFile, bool) {
	for _, f := range d.Files {
		if f.Split == split.String() && f.Kind == kind {
			return f, true
		}
	}
	return SiteFile{}, false
}

// NewManifest returns the manifest of a site that serves the data sets in
// present and whose weights are the site paths in weights (a set: path →
// exists).
func NewManifest(present []*Source, weights map[string]bool) *Manifest {
	m := &Manifest{Version: ManifestVersion}
	for _, s := range Sources() {
		d := SiteDataset{ID: s.ID, Name: s.Name, Classes: s.Classes, Home: s.Home, Credit: s.Credit, License: s.License}
		for _, p := range present {
			d.Present = d.Present || p == s
		}
		if d.Present {
			d.Files = siteFiles(s)
		}
		if weights[s.Weights] {
			d.Weights = s.Weights
		}
		m.Datasets = append(m.Datasets, d)
	}
	return m
}

func siteFiles(s *Source) []SiteFile {
	var out []SiteFile
	for i, f := range s.Files {
		split, kind := Train, "images"
		if i >= 2 {
			split = Test
		}
		if i%2 == 1 {
			kind = "labels"
		}
		out = append(out, SiteFile{Name: f.Name, Path: s.SitePath(f.Name), Split: split.String(), Kind: kind, Bytes: f.Size, SHA256: f.SHA256})
	}
	return out
}

// Marshal returns the manifest as indented JSON ending in a newline.
func (m *Manifest) Marshal() []byte {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		panic(err) // only strings, numbers and booleans: cannot fail
	}
	return append(b, '\n')
}

// ParseManifest reads a manifest written by StageSite. It accepts only
// ManifestVersion, no unknown field, one entry per known data set, and
// for a present one exactly the four files at the paths, sizes and digests
// this package expects, so that the page never fetches a path the manifest
// made up. Errors wrap ErrManifest.
func ParseManifest(b []byte) (*Manifest, error) {
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("mnist: %w: %v", ErrManifest, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("mnist: %w: data after the JSON object", ErrManifest)
	}
	return checkManifest(&m, true)
}

// ParseSiteManifest reads a site's manifest as the page does: like
// ParseManifest, except that a present data set's files may have other
// sizes and SHA-256 digests than this package's table (a positive size and
// a 64-digit hex digest all the same) — they describe the files the site
// was built with, such as a test's own small set — and that unknown fields
// are ignored. Their names, paths, splits and kinds must still be exactly
// the expected ones, so the page never fetches a path the manifest made
// up. (It uses json.Unmarshal, not a json.Decoder, which keeps the
// decoder's code out of the page's wasm.) Errors wrap ErrManifest.
func ParseSiteManifest(b []byte) (*Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("mnist: %w: %v", ErrManifest, err)
	}
	return checkManifest(&m, false)
}

// checkManifest checks a decoded manifest's version and entries; strict
// holds files to this package's sizes and digests too.
func checkManifest(m *Manifest, strict bool) (*Manifest, error) {
	if m.Version != ManifestVersion {
		return nil, fmt.Errorf("mnist: %w: version %d, want %d", ErrManifest, m.Version, ManifestVersion)
	}
	seen := map[string]bool{}
	for _, d := range m.Datasets {
		s, err := SourceByID(d.ID)
		if err != nil {
			return nil, fmt.Errorf("mnist: %w: %v", ErrManifest, err)
		}
		if seen[d.ID] {
			return nil, fmt.Errorf("mnist: %w: data set %q listed twice", ErrManifest, d.ID)
		}
		seen[d.ID] = true
		if err := checkEntry(s, &d, strict); err != nil {
			return nil, fmt.Errorf("mnist: %w: %s: %v", ErrManifest, d.ID, err)
		}
	}
	return m, nil
}

// checkEntry compares a parsed entry with what NewManifest writes for s;
// unless strict, a file's size and digest need only be well formed.
func checkEntry(s *Source, d *SiteDataset, strict bool) error {
	want := []SiteFile(nil)
	if d.Present {
		want = siteFiles(s)
	}
	if len(d.Files) != len(want) {
		return fmt.Errorf("present=%v with %d files", d.Present, len(d.Files))
	}
	for i := range want {
		got := d.Files[i]
		if !strict && got.Bytes > 0 && isHexDigest(got.SHA256) {
			got.Bytes, got.SHA256 = want[i].Bytes, want[i].SHA256
		}
		if got != want[i] {
			return fmt.Errorf("file %d is %+v, want %+v", i, d.Files[i], want[i])
		}
	}
	if d.Weights != "" && d.Weights != s.Weights {
		return fmt.Errorf("weights %q, want %q or none", d.Weights, s.Weights)
	}
	return nil
}

// StageSite copies the four files of each data set in ship from its
// directory (Source.Dir) into the site rooted at site, at their SitePath,
// verifying each against its published size and digests while copying, and
// writes the site's Manifest to ManifestPath. A data set's pretrained
// weights count as present when site/Weights exists. It returns the
// manifest. A data set that cannot be found, a file that is not the
// published one (ErrDigest) or a copy that fails is an error naming the
// file and saying how to get it, and no manifest is written then.
func StageSite(site string, ship []*Source) (*Manifest, error) {
	for _, s := range ship {
		if err := stage(site, s); err != nil {
			return nil, err
		}
	}
	weights := map[string]bool{}
	for _, s := range Sources() {
		if info, err := os.Stat(filepath.Join(site, filepath.FromSlash(s.Weights))); err == nil && info.Mode().IsRegular() {
			weights[s.Weights] = true
		}
	}
	m := NewManifest(ship, weights)
	out := filepath.Join(site, filepath.FromSlash(ManifestPath))
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return nil, fmt.Errorf("mnist: %w", err)
	}
	if err := os.WriteFile(out, m.Marshal(), 0o644); err != nil {
		return nil, fmt.Errorf("mnist: %w", err)
	}
	return m, nil
}

// stage copies and verifies the four files of s into site.
func stage(site string, s *Source) error {
	dir, err := s.Dir()
	if err != nil {
		return err
	}
	for _, f := range s.Files {
		dst := filepath.Join(site, filepath.FromSlash(s.SitePath(f.Name)))
		if err := copyVerified(filepath.Join(dir, f.Name), dst, f); err != nil {
			return fmt.Errorf("mnist: %s: %w (run `make data DATASET=%s` to fetch the published file)", s.Name, err, s.ID)
		}
	}
	return nil
}

// copyVerified copies src to dst, checking that the bytes are f; dst is
// removed again when they are not.
func copyVerified(src, dst string, f File) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(dst)
		}
	}()
	c := f.NewChecker()
	if _, err := io.Copy(io.MultiWriter(out, c), io.LimitReader(in, f.Size+1)); err != nil {
		return fmt.Errorf("copying %s: %w", src, err)
	}
	if err := c.Err(); err != nil {
		return fmt.Errorf("%s: %w", src, err)
	}
	return nil
}

// isHexDigest reports whether h is a SHA-256 digest in lower-case hex.
func isHexDigest(h string) bool {
	if len(h) != 64 {
		return false
	}
	for _, c := range h {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
