//go:build js && wasm

package page

import (
	"fmt"
	"syscall/js"

	"github.com/govae/govae/core"
	"github.com/govae/govae/core/mnist"
	"github.com/govae/govae/wasm/bridge"
	"github.com/govae/govae/wasm/explorer"
	"github.com/govae/govae/wasm/imports"
	"github.com/govae/govae/wasm/train"
	"github.com/govae/govae/wasm/view"
)

// datasets is the data-set menu (index.html's #dataset): it reads the
// site's manifest (mnist.ManifestPath, written by make build), offers the
// data sets the site serves — the others listed as not on this site — and
// the visitor's own images once imported (ownImages), and switches the
// session to the one chosen: its test and training images, its pretrained
// weights, or fresh weights with a note when it has none. The choice is in
// the URL (view.DatasetKey) and in status(). It runs on the game loop;
// load runs on a goroutine of its own.
type datasets struct {
	dom      *bridge.DOM
	s        *session
	settings *view.Settings
	url      *urlState
	post     func(func())
	notice   func(view.Notice) // the panel's notices

	initial string        // the data set the URL asked for, read before any goroutine starts
	read    chan struct{} // closed on the game loop once the manifest is read, or known to be missing
	// manifest is nil until read, and when the site has none (built
	// before data sets had one): the page then offers MNIST at data/NAME.
	manifest    *mnist.Manifest
	manifestErr string

	cur        string                 // the data set shown and trained: a Source ID or view.OwnDataset
	gen        int                    // counts switches, so that a download for an earlier choice is dropped
	pretrained map[string]*core.Model // pretrained weights per data set, once loaded; never written to
	own        *imports.Set           // the visitor's images, once imported
	ui         *ownImages             // the import's part of the panel
	note       string                 // beside the menu: where the weights come from, and credits
	loading    string                 // the ID whose weights are being fetched, or ""
	canShow    map[string]bool        // whether the page's font has a class name's characters
}

func newDatasets(dom *bridge.DOM, s *session, settings *view.Settings, url *urlState, post func(func()), notice func(view.Notice)) *datasets {
	d := &datasets{dom: dom, s: s, settings: settings, url: url, post: post, notice: notice,
		initial: settings.Dataset, read: make(chan struct{}), cur: mnist.MNIST.ID,
		pretrained: map[string]*core.Model{}, canShow: map[string]bool{}}
	dom.On("dataset", "change", func(t js.Value) {
		id := t.Get("value").String()
		post(func() { d.choose(id) })
	})
	d.showMenu()
	return d
}

// load reads the manifest. A site without one (an older build) offers
// MNIST alone, where it always was; a manifest that is not valid is said in
// the note and treated the same.
func (d *datasets) load() {
	raw, err := d.dom.FetchData(mnist.ManifestPath, func(int64, int64) {})
	var m *mnist.Manifest
	if err == nil {
		m, err = mnist.ParseSiteManifest(raw)
	}
	msg := ""
	switch {
	case err != nil && bridge.HTTPStatus(err) == 404:
		msg = "This site has no " + mnist.ManifestPath + " (built before data sets had one): MNIST only."
	case err != nil:
		msg = "The data set list could not be read (" + err.Error() + "): MNIST only."
	}
	d.post(func() {
		d.manifest, d.manifestErr = m, msg
		close(d.read) // startElsewhere reads the manifest after this
		d.showMenu()
	})
}

// entry returns the manifest's entry for id, nil when there is none.
func (d *datasets) entry(id string) *mnist.SiteDataset {
	if d.manifest == nil {
		return nil
	}
	e, _ := d.manifest.Dataset(id)
	return e
}

// served reports whether the site serves data set id: the manifest says
// so, or there is no manifest and id is MNIST.
func (d *datasets) served(id string) bool {
	if e := d.entry(id); e != nil {
		return e.Present
	}
	return id == mnist.MNIST.ID && d.manifest == nil
}

// name returns a data set's name as the page shows it.
func (d *datasets) name(id string) string {
	if id == view.OwnDataset {
		return "your images"
	}
	if s, err := mnist.SourceByID(id); err == nil {
		return s.Name
	}
	return id
}

// startElsewhere starts the page on the data set the URL asks for when it
// is not MNIST, instead of loadWeights's pretrained MNIST weights: with its
// own pretrained weights when the site has them, else with fresh weights
// and a note. It reports false — loadWeights goes on with MNIST — when the
// URL asks for MNIST (at once, without waiting for the manifest), or for a
// data set the site does not serve, or for the visitor's own images, which
// a link cannot carry (each with a notice). It runs on loadWeights's
// goroutine.
func (d *datasets) startElsewhere() bool {
	want := d.initial
	if want == mnist.MNIST.ID {
		return false
	}
	<-d.read
	back := func(why string) bool {
		d.post(func() {
			d.notice(view.Notice{Key: view.DatasetKey, Value: want, Message: why})
			d.settings.Dataset = mnist.MNIST.ID
			d.url.changed()
		})
		return false
	}
	switch {
	case want == view.OwnDataset:
		return back("dataset=own: your own images are not part of a link; import them again (or load their saved IDX pair) under Your own images. Showing MNIST.")
	case !d.served(want):
		return back(fmt.Sprintf("dataset=%s: %s is not on this site; showing MNIST.", want, d.name(want)))
	}
	var m *core.Model
	var err error
	if path := d.entry(want).Weights; path != "" {
		m, err = d.fetchWeights(path)
	}
	d.post(func() {
		d.cur = want
		if err != nil {
			d.dom.ShowError("The pretrained weights for "+d.name(want)+" could not be loaded", err.Error()+
				"\nThe plane shows fresh random weights instead: press Train to train them in this tab.")
		}
		if m == nil {
			d.s.start(d.s.freshModel(), nil)
			d.s.pretrained, d.s.weights = nil, weightsRandom
		} else {
			d.pretrained[want] = m
			d.s.start(m, nil)
		}
		d.s.board.update(func(st *statusJSON) { st.Phase = "decoding" })
		d.showMenu()
	})
	return true
}

// fetchWeights downloads and checks a data set's pretrained weights; it
// runs on a goroutine.
func (d *datasets) fetchWeights(path string) (*core.Model, error) {
	raw, err := d.dom.FetchData(path, func(int64, int64) {})
	if err != nil {
		return nil, err
	}
	m, err := core.ParseModel(raw)
	if err == nil {
		err = checkPageShape(m)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// choose switches to the data set the visitor picked in the menu.
func (d *datasets) choose(id string) {
	if id == d.cur || d.s.backend == nil {
		d.showMenu()
		return
	}
	switch {
	case id == view.OwnDataset && d.own != nil:
		d.switchTo(id, nil)
	case id == view.OwnDataset || !d.served(id):
		d.showMenu() // not offered: the menu goes back to the current one
	case d.entry(id) != nil && d.entry(id).Weights != "" && d.pretrained[id] == nil:
		d.fetchThenSwitch(id, d.entry(id).Weights)
	default:
		d.switchTo(id, d.pretrained[id])
	}
}

// fetchThenSwitch downloads a data set's pretrained weights, then switches
// to it; when they cannot be had it switches with fresh weights and says
// why.
func (d *datasets) fetchThenSwitch(id, path string) {
	d.loading = id
	d.note = "Loading the pretrained weights for " + d.name(id) + " (" + path + ")…"
	d.showMenu()
	gen := d.gen
	go func() {
		m, err := d.fetchWeights(path)
		d.post(func() {
			if d.gen != gen || d.loading != id {
				return // another choice came meanwhile
			}
			d.loading = ""
			if err != nil {
				d.dom.ShowError("The pretrained weights for "+d.name(id)+" could not be loaded", err.Error()+
					"\nThe plane shows fresh random weights instead: press Train to train them in this tab.")
			} else {
				d.pretrained[id] = m
			}
			d.switchTo(id, m)
		})
	}()
}

// switchTo makes data set id the one shown and trained, with the weights
// pre (never written to) or, when nil, fresh weights: training stops, the
// backend starts anew without images (the chosen set's are fetched when
// training starts), the test images are loaded, the chart restarts.
func (d *datasets) switchTo(id string, pre *core.Model) {
	s := d.s
	s.pause()
	if s.pretrained != nil {
		d.pretrained[d.cur] = s.pretrained // back to it without a download
	}
	d.cur, d.loading = id, ""
	d.gen++
	d.settings.Dataset = id
	d.url.changed()
	if w, ok := s.backend.(*train.Workers); ok {
		w.Close()
	}
	s.pretrained, s.weights = pre, weightsPretrained
	m := pre
	if m == nil {
		m, s.weights = s.freshModel(), weightsRandom
	}
	s.backend = s.newBackend(m.Clone())
	// A new model object for the pictures: what follows the weights shown
	// by their identity and version (the lab) sees new weights.
	s.scene.Model = m.Clone()
	s.pace.Forget()
	s.train, s.test = dataset{}, dataset{}
	s.scene.SetTestData(nil)
	s.afterLoad()
	s.loadTestData()
	s.panelDue = true
	d.showMenu()
}

// dataFiles says where a split of the current data set comes from: the
// site's files, or the imported images in memory.
type dataFiles struct {
	gen            int
	what           string                         // the split's images in words: "Test digits"
	images, labels string                         // site paths
	mem            func() (*mnist.Dataset, error) // the visitor's own images, instead of files
	bytes          []uint8                        // their pixel bytes (the training part, for the workers)
	n              int                            // images in bytes
}

// files returns where the split of the current data set comes from.
func (d *datasets) files(split mnist.Split) dataFiles {
	f := dataFiles{gen: d.gen, what: d.what(split)}
	if own := d.own; d.cur == view.OwnDataset && own != nil {
		f.mem = func() (*mnist.Dataset, error) { return own.Shown, nil }
		if split == mnist.Train {
			f.mem, f.bytes, f.n = own.TrainSet, own.TrainImages, own.Train
		}
		return f
	}
	f.images, f.labels = "data/"+split.ImagesFile(), "data/"+split.LabelsFile()
	if e := d.entry(d.cur); e != nil {
		if im, ok := e.File(split, "images"); ok {
			f.images = im.Path
		}
		if lb, ok := e.File(split, "labels"); ok {
			f.labels = lb.Path
		}
	}
	return f
}

// current reports whether f is still the current data set's.
func (d *datasets) current(f dataFiles) bool { return f.gen == d.gen }

// what names a split's images as the panel's lines start.
func (d *datasets) what(split mnist.Split) string {
	noun := map[string]string{"mnist": "digits", "kmnist": "characters"}[d.cur]
	if noun == "" {
		noun = "images"
	}
	switch {
	case d.cur == view.OwnDataset && split == mnist.Test:
		return "Your images"
	case d.cur == view.OwnDataset:
		return "Your training images"
	case split == mnist.Test:
		return "Test " + noun
	}
	return "Training " + noun
}

// trainIdle is the training line before anything is downloaded.
func (d *datasets) trainIdle() string {
	if d.cur == view.OwnDataset && d.own != nil {
		return fmt.Sprintf("Your images: %d to train on, %d held out.", d.own.Train, d.own.HeldOut.N)
	}
	size := "9.9 MB"
	if e := d.entry(d.cur); e != nil {
		if f, ok := e.File(mnist.Train, "images"); ok {
			size = view.FormatBytes(f.Bytes)
		}
	}
	return fmt.Sprintf("%s (60 000, %s) are downloaded when you train.", d.what(mnist.Train), size)
}

// HeldOut returns the images the held-out curve is to be measured on for
// the data set shown: for the visitor's own images, the tenth held out of
// training (imageset.Split); nil for a site's data set, whose held-out
// images are every tenth of its test images (core.EvaluatePerDim).
func (d *datasets) HeldOut() *mnist.Dataset {
	if d.cur == view.OwnDataset && d.own != nil {
		return d.own.HeldOut
	}
	return nil
}

// legend names the overlay's points and labels for the data set shown:
// KMNIST's characters with their romaji, only the romaji when the page's
// font lacks the characters; only the labels a visitor's images use.
func (d *datasets) legend() explorer.Legend {
	switch d.cur {
	case mnist.MNIST.ID:
		return explorer.DigitLegend()
	case view.OwnDataset:
		l := explorer.DigitLegend()
		l.Noun = "images"
		if d.own != nil {
			for k := range l.Labels {
				if !d.own.Labels[k] {
					l.Labels[k] = ""
				}
			}
		}
		return l
	}
	src, err := mnist.SourceByID(d.cur)
	if err != nil {
		return explorer.DigitLegend()
	}
	l := explorer.Legend{Noun: "test images"}
	for k, c := range src.Classes {
		show, ok := d.canShow[c.Name]
		if !ok {
			show = d.dom.CanShow(c.Name)
			d.canShow[c.Name] = show
		}
		l.Labels[k] = view.ClassLabel(c, show)
	}
	return l
}

// showMenu writes the menu's options and the note beside it.
func (d *datasets) showMenu() {
	var opts []bridge.Option
	if d.manifest == nil {
		opts = append(opts, bridge.Option{Value: mnist.MNIST.ID, Text: "MNIST"})
	} else {
		for _, e := range d.manifest.Datasets {
			text := e.Name
			switch {
			case !e.Present:
				text += " — not on this site"
			case e.Weights == "":
				text += " (no pretrained weights)"
			}
			opts = append(opts, bridge.Option{Value: e.ID, Text: text, Disabled: !e.Present})
		}
	}
	if d.own != nil {
		opts = append(opts, bridge.Option{Value: view.OwnDataset, Text: fmt.Sprintf("Your images (%d)", d.own.Len())})
	}
	d.dom.SetOptions("dataset", opts, d.cur)
	d.dom.SetText("dataset-note", d.noteText())
}

// noteText says where the weights shown come from and credits the data.
func (d *datasets) noteText() string {
	if d.loading != "" {
		return d.note
	}
	msg := ""
	switch {
	case d.cur == view.OwnDataset && d.own != nil:
		msg = fmt.Sprintf("Your %d images (%d held out for the held-out curve). The plane shows fresh random weights: press Train to train them from scratch on your images.",
			d.own.Len(), d.own.HeldOut.N)
	case d.s.initial != nil && d.s.pretrained == nil && d.s.weights != weightsUntrained:
		msg = d.name(d.cur) + " has no pretrained weights on this site: the plane shows fresh random weights. Press Train to train them on " + d.name(d.cur) + " in this tab."
	}
	if src, err := mnist.SourceByID(d.cur); err == nil {
		if msg != "" {
			msg += " "
		}
		msg += src.Name + ": " + src.Credit + ", " + src.License + "."
	}
	if d.manifestErr != "" {
		msg += " " + d.manifestErr
	}
	return msg
}

// statusClasses returns the legend's labels for status().
func (d *datasets) statusClasses() []string {
	l := d.legend()
	return l.Labels[:]
}
