// Package imports is the protocol between the page and its import worker
// (wasm/importworker, importer.wasm), which turns a visitor's image files
// into a training set off the page's main thread: the page posts a Request
// with the files, the worker answers with Progress replies and one Done
// reply carrying the set, split into training and held-out images, and a
// contact sheet of what was imported; Save asks for the set as an IDX pair.
//
// A message crosses postMessage as {h: the JSON header (Request or Reply),
// and the named arrays: files (File objects) in a request, Uint8Arrays of
// bytes in a reply}, the arrays transferred rather than copied. The package
// is plain Go and decodes no image (that is core/imageset's job, in the
// worker), so the page links it without the image decoders.
package imports

// Request kinds (page → worker).
const (
	// Import asks to import the Files array (browser File objects). Two
	// files named *-images-idx3-ubyte[.gz] and *-labels-idx1-ubyte[.gz] are
	// read back as a saved set (imageset.ReadIDX); anything else is
	// imported (imageset.Import). Answered by Progress replies, then Done.
	Import = "import"
	// Save asks for the last set imported as an IDX pair; answered by
	// Saved (or Done with Err when there is none).
	Save = "save"
)

// Reply kinds (worker → page).
const (
	// Progress: the Report so far (Files, Imported, Skipped), Total files
	// given.
	Progress = "progress"
	// Done: the outcome of an Import. Without Err, the arrays TrainImages,
	// TrainLabels, HeldImages, HeldLabels, Sheet and Inverted.
	Done = "done"
	// Saved: the arrays Images and Labels, to be saved as ImagesName and
	// LabelsName.
	Saved = "saved"
	// Failed: the worker could not do what was asked (it could not start,
	// a malformed message); Err says why.
	Failed = "failed"
)

// Names of the arrays beside the header.
const (
	Files       = "files"       // request: File objects
	TrainImages = "trainImages" // Train×784 pixel bytes, 0 background, 255 ink
	TrainLabels = "trainLabels" // Train labels 0–9
	HeldImages  = "heldImages"  // HeldOut×784 pixel bytes
	HeldLabels  = "heldLabels"  // HeldOut labels
	Sheet       = "sheet"       // SheetW×SheetH grey pixels, row major: the contact sheet
	Inverted    = "inverted"    // SheetShown bytes: 1 where the image's light background was inverted
	Images      = "images"      // Saved: the gzip IDX images file
	Labels      = "labels"      // Saved: the gzip IDX labels file
)

// Request is the header of a message to the worker.
type Request struct {
	Kind string `json:"kind"`
	Seq  int    `json:"seq"` // numbers the request; its replies carry it
}

// Reply is the header of a message from the worker.
type Reply struct {
	Kind string `json:"kind"`
	Seq  int    `json:"seq"`
	// Err, on Done or Failed, says why nothing was imported (too few
	// usable images, every file skipped, a bad IDX pair) in words the page
	// shows; the page keeps what it had.
	Err string `json:"err,omitempty"`

	// What happened to the files (imageset.Report): Files counts the
	// files given and zip entries, Imported the images kept, Skipped the
	// others, Inverted the imported images whose light background was
	// inverted. Total is the number of files given (Progress).
	Files    int `json:"files"`
	Imported int `json:"imported"`
	Skipped  int `json:"skipped"`
	Inverted int `json:"inverted"`
	Total    int `json:"total,omitempty"`
	// Summary is the report in sentences ("40 of 41 files imported …
	// 1 of 41 files was not images …").
	Summary string `json:"summary,omitempty"`
	// Skips lists the first skipped files with their reasons.
	Skips []Skip `json:"skips,omitempty"`
	// FromIDX is true when the files were a saved IDX pair.
	FromIDX bool `json:"fromIDX,omitempty"`

	// Train and HeldOut count the images of the two parts (Done): the
	// fixed 90/10 split of imageset.Split.
	Train   int `json:"train,omitempty"`
	HeldOut int `json:"heldOut,omitempty"`
	// LabelCounts counts the images of each label 0–9.
	LabelCounts [10]int `json:"labelCounts"`

	// The contact sheet: SheetW×SheetH pixels showing the first
	// SheetShown images in SheetCols columns of SheetCell×SheetCell cells,
	// image i at (1, 1) in cell (i mod SheetCols, i div SheetCols).
	SheetW     int `json:"sheetW,omitempty"`
	SheetH     int `json:"sheetH,omitempty"`
	SheetCols  int `json:"sheetCols,omitempty"`
	SheetCell  int `json:"sheetCell,omitempty"`
	SheetShown int `json:"sheetShown,omitempty"`

	// ImagesName and LabelsName are the file names of a Saved set.
	ImagesName string `json:"imagesName,omitempty"`
	LabelsName string `json:"labelsName,omitempty"`
}

// Skip is a file that was not imported, and why.
type Skip struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// MaxSkipsShown bounds Reply.Skips.
const MaxSkipsShown = 20
