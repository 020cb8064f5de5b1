// Package importer is the work of the page's import worker
// (wasm/importworker): a visitor's files in, an imports.Reply out — the
// images imported with core/imageset (or a saved IDX pair read back), split
// 90/10 into training and held-out images, a contact sheet of what was
// imported, and the set saved as an IDX pair on request. It is plain Go,
// tested natively; the worker binary only moves bytes between it and the
// page.
package importer

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/govae/govae/core/imageset"
	"github.com/govae/govae/wasm/imports"
)

// Contact-sheet size: SheetCols columns, the first SheetMax images.
const (
	SheetCols = 16
	SheetMax  = 160
)

// Job imports files and keeps the last set imported for Save. It is not
// safe for concurrent use.
type Job struct {
	// Options for imageset.Import; New gives the page's.
	Options imageset.Options
	set     *imageset.Set
}

// New returns a Job with the page's options: imageset.DefaultLimits, label
// 0, or the digit of an image's folder (7/a.png, in a zip) when it has one.
func New() *Job {
	return &Job{Options: imageset.Options{Limits: imageset.DefaultLimits(), LabelsFromFolders: true}}
}

// CheckSizes tells, before any file is read, whether files of these sizes
// in bytes may be imported at all: nil, or a Done reply whose Err says
// they are over the import's limit on bytes read.
func (j *Job) CheckSizes(seq int, sizes []int64) *imports.Reply {
	if err := j.Options.Limits.CheckTotalSize(sizes); err != nil {
		return &imports.Reply{Kind: imports.Done, Seq: seq, Files: len(sizes), Skipped: len(sizes), Err: words(err)}
	}
	return nil
}

// Run imports the files and returns the Done reply with its arrays (see
// package imports). Two files named like an IDX pair are read back as a
// saved set instead. progress, when not nil, receives Progress replies.
// On failure — fewer than the minimum of usable images, a bad IDX pair —
// the reply has Err and no arrays, and the set kept for Save stays.
func (j *Job) Run(seq int, files []imageset.Input, progress func(*imports.Reply)) (*imports.Reply, map[string][]byte) {
	var set *imageset.Set
	var out *imports.Reply
	if im, lb, ok := IDXPair(files); ok {
		var err error
		set, err = imageset.ReadIDX(files[im].Data, files[lb].Data, j.Options.Limits)
		out = &imports.Reply{Kind: imports.Done, Seq: seq, Files: 2, FromIDX: true}
		if err != nil {
			out.Skipped, out.Err = 2, fmt.Sprintf("%s and %s are not a saved image set: %s", files[im].Name, files[lb].Name, words(err))
			return out, nil
		}
		out.Imported = set.Len()
		out.Summary = fmt.Sprintf("%d images read back from %s and %s.", set.Len(), files[im].Name, files[lb].Name)
	} else {
		opt := j.Options
		if progress != nil {
			opt.Progress = func(r imageset.Report) {
				p := report(imports.Progress, seq, r)
				p.Total, p.Summary, p.Skips = len(files), "", nil
				progress(p)
			}
		}
		var rep imageset.Report
		var err error
		set, rep, err = imageset.Import(files, opt)
		out = report(imports.Done, seq, rep)
		if err != nil {
			out.Err = words(err)
			return out, nil
		}
	}
	j.set = set
	return out, j.arrays(set, out)
}

// report turns an imageset.Report into a reply of the given kind.
func report(kind string, seq int, r imageset.Report) *imports.Reply {
	out := &imports.Reply{Kind: kind, Seq: seq, Files: r.Files, Imported: r.Imported, Skipped: r.Files - r.Imported,
		Inverted: r.Inverted, Summary: r.String()}
	for _, s := range r.Skipped[:min(len(r.Skipped), imports.MaxSkipsShown)] {
		out.Skips = append(out.Skips, imports.Skip{Name: s.Name, Reason: s.Reason})
	}
	return out
}

// arrays fills out's counts and returns the set's arrays: the 90/10 split
// (imageset.HeldOut), the contact sheet and which images on it were
// inverted.
func (j *Job) arrays(set *imageset.Set, out *imports.Reply) map[string][]byte {
	n := set.Len()
	held := map[int]bool{}
	for _, i := range imageset.HeldOut(n) {
		held[i] = true
	}
	a := map[string][]byte{}
	for i := 0; i < n; i++ {
		im, lb := imports.TrainImages, imports.TrainLabels
		if held[i] {
			im, lb = imports.HeldImages, imports.HeldLabels
		}
		a[im] = append(a[im], set.Image(i)...)
		a[lb] = append(a[lb], set.Labels[i])
		out.LabelCounts[set.Labels[i]]++
	}
	out.Train, out.HeldOut = len(a[imports.TrainLabels]), len(a[imports.HeldLabels])
	sheet := set.ContactSheet(SheetCols, SheetMax)
	a[imports.Sheet] = sheet.Pix // NewGray's stride is its width
	out.SheetW, out.SheetH = sheet.Rect.Dx(), sheet.Rect.Dy()
	out.SheetCols, out.SheetCell, out.SheetShown = SheetCols, imageset.SheetCell, min(n, SheetMax)
	inv := make([]byte, out.SheetShown)
	for i := range inv {
		if set.Inverted[i] {
			inv[i] = 1
		}
	}
	a[imports.Inverted] = inv
	return a
}

// Save returns the Saved reply with the last set imported as a gzip IDX
// pair (imageset.WriteIDX), or a Done reply with Err when there is none.
func (j *Job) Save(seq int) (*imports.Reply, map[string][]byte) {
	if j.set == nil {
		return &imports.Reply{Kind: imports.Done, Seq: seq, Err: "there is no imported set to save yet"}, nil
	}
	var im, lb bytes.Buffer
	if err := j.set.WriteIDX(&im, &lb); err != nil {
		return &imports.Reply{Kind: imports.Done, Seq: seq, Err: words(err)}, nil
	}
	return &imports.Reply{Kind: imports.Saved, Seq: seq, Imported: j.set.Len(),
			ImagesName: imageset.ImagesFile, LabelsName: imageset.LabelsFile},
		map[string][]byte{imports.Images: im.Bytes(), imports.Labels: lb.Bytes()}
}

// IDXPair reports whether files are exactly an IDX pair — one named
// *-images-idx3-ubyte and one *-labels-idx1-ubyte, with or without .gz —
// and which is which.
func IDXPair(files []imageset.Input) (images, labels int, ok bool) {
	if len(files) != 2 {
		return 0, 0, false
	}
	kind := func(name string) string {
		name = strings.TrimSuffix(strings.ToLower(name[strings.LastIndexAny(name, "/\\")+1:]), ".gz")
		switch {
		case strings.HasSuffix(name, "-images-idx3-ubyte"):
			return "images"
		case strings.HasSuffix(name, "-labels-idx1-ubyte"):
			return "labels"
		}
		return ""
	}
	a, b := kind(files[0].Name), kind(files[1].Name)
	switch {
	case a == "images" && b == "labels":
		return 0, 1, true
	case a == "labels" && b == "images":
		return 1, 0, true
	}
	return 0, 0, false
}

// words drops the package prefixes of an error for the visitor.
func words(err error) string {
	msg := err.Error()
	for _, p := range []string{"imageset: ", "mnist: "} {
		msg = strings.ReplaceAll(msg, p, "")
	}
	if errors.Is(err, imageset.ErrTooFew) {
		msg = strings.TrimPrefix(msg, imageset.ErrTooFew.Error()+": ")
		msg = "Too few usable images: " + msg
	}
	return msg
}
