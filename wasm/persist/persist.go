// Package persist is what the page keeps of a training run in the browser,
// as pure rules: when to save (Autosave), whether a saved run is restored
// on load (Decide), how a stored record becomes a checkpoint again (Open),
// the names of kept checkpoints and the loss history's conversion. The page
// (wasm/page) stores the records in IndexedDB through wasm/bridge; nothing
// here touches the browser, so it is tested natively.
package persist

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/govae/govae/core"
	"github.com/govae/govae/wasm/view"
)

// AutoName is the name of the record the page saves by itself.
const AutoName = "autosave"

// Autosave paces the page's own saves: one when the weights changed and
// Every has passed since the last, never two at once, and after a failure
// (storage full) not again before Retry. A save that never ends (a worker
// gone) is given up after Timeout.
type Autosave struct {
	Every, Retry, Timeout time.Duration

	saved    uint64 // the version saved last
	at       time.Time
	inFlight bool
	started  time.Time
	version  uint64 // of the save in flight
	failedAt time.Time
}

// Default pacing: every 5 s while the weights change, 30 s after a failure,
// 20 s for an answer.
const (
	DefaultEvery   = 5 * time.Second
	DefaultRetry   = 30 * time.Second
	DefaultTimeout = 20 * time.Second
)

// NewAutosave returns the default pacing, with version as already saved
// (the weights the page starts with need no save).
func NewAutosave(version uint64) *Autosave {
	return &Autosave{Every: DefaultEvery, Retry: DefaultRetry, Timeout: DefaultTimeout, saved: version}
}

// Due reports whether a save of the weights at version should start now;
// when it does, the save counts as started.
func (a *Autosave) Due(now time.Time, version uint64) bool {
	if a.inFlight && now.Sub(a.started) < a.Timeout {
		return false
	}
	if version == a.saved || now.Sub(a.at) < a.Every || !a.failedAt.IsZero() && now.Sub(a.failedAt) < a.Retry {
		return false
	}
	a.inFlight, a.started, a.version = true, now, version
	return true
}

// Done records the end of the save Due started: stored, or failed.
func (a *Autosave) Done(now time.Time, err error) {
	if !a.inFlight {
		return
	}
	a.inFlight = false
	if err != nil {
		a.failedAt = now
		return
	}
	a.saved, a.at, a.failedAt = a.version, now, time.Time{}
}

// Cancel ends the save Due started without a result (it will be due again):
// the page moved on before the checkpoint came.
func (a *Autosave) Cancel() { a.inFlight = false }

// Saved records that the weights at version were saved by other means (at
// pagehide, by a restore): nothing to save until they change.
func (a *Autosave) Saved(now time.Time, version uint64) {
	a.saved, a.at = version, now
}

// Dirty reports whether the weights at version have changed since the last
// save.
func (a *Autosave) Dirty(version uint64) bool { return version != a.saved }

// Decision is what the page does with its autosave record on load.
type Decision int

const (
	// Restore: the record was saved over the pretrained weights the site
	// ships now, so it is newer than them.
	Restore Decision = iota
	// Offer: the site's pretrained weights changed since it was saved: it
	// is kept, listed in the lab, and not restored unasked.
	Offer
)

// Decide says whether a record saved over the pretrained weights of
// checksum base is restored on a page that ships weights of checksum
// shipped (core.WeightsChecksum; 0 when they failed to load).
func Decide(base, shipped uint32) Decision {
	if base == shipped {
		return Restore
	}
	return Offer
}

// ErrCorrupt wraps every problem Open finds in a stored record.
var ErrCorrupt = errors.New("the saved checkpoint is damaged")

// Open returns the checkpoint of a stored record: data, core's checkpoint
// file, with history (flat: step, −ELBO, recon, KL of each point) as its
// loss curve and settings as its settings when they are not empty (the page
// stores them beside the checkpoint, so that a run's checkpoints all have
// one size), and, when weights is not nil, those newer weights (of step
// weightsStep) in place of its model — saved when the page went away while
// the optimiser's state was in a Web Worker; the optimiser's state, data
// order and epoch then stay the checkpoint's. Every problem (a bad format,
// a checksum, weights of another network, a non-finite loss) is an error
// wrapping ErrCorrupt and naming the cause.
func Open(data, weights []byte, weightsStep int, history []float64, settings string) (*core.Checkpoint, error) {
	c, err := core.ParseCheckpoint(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if settings != "" {
		c.Settings = []byte(settings)
	}
	if history != nil {
		if c.History, err = unflatten(history); err != nil {
			return nil, err
		}
	}
	if weights == nil {
		return c, nil
	}
	m, err := core.ParseModel(weights)
	switch {
	case err != nil:
		return nil, fmt.Errorf("%w: its newest weights: %v", ErrCorrupt, err)
	case m.Arch.String() != c.Model.Arch.String() || len(m.Values()) != len(c.Model.Values()):
		return nil, fmt.Errorf("%w: its newest weights are for %s, its checkpoint for %s", ErrCorrupt, m.Arch, c.Model.Arch)
	case weightsStep < c.Steps:
		return nil, fmt.Errorf("%w: its newest weights are of step %d, older than its checkpoint's %d", ErrCorrupt, weightsStep, c.Steps)
	}
	c.Model, c.Steps = m, weightsStep
	return c, nil
}

// MaxKept is the most checkpoints a visitor keeps by name (each is about
// 6 MB: the weights and Adam's two moments).
const MaxKept = 8

// MaxNameLen is the longest name of a kept checkpoint, in characters.
const MaxNameLen = 40

// CheckName returns name trimmed, or why it cannot name a kept checkpoint:
// empty, longer than MaxNameLen, with control characters, or the autosave's.
func CheckName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", errors.New("give the checkpoint a name")
	case utf8.RuneCountInString(name) > MaxNameLen:
		return "", fmt.Errorf("a name has at most %d characters", MaxNameLen)
	case !utf8.ValidString(name):
		return "", errors.New("the name is not valid text")
	case strings.EqualFold(name, AutoName):
		return "", fmt.Errorf("%q is the automatic checkpoint's name", AutoName)
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return "", errors.New("the name holds a control character")
		}
	}
	return name, nil
}

// Flatten lists the chart's points as Open's history takes them.
func Flatten(pts []view.LossPoint) []float64 {
	out := make([]float64, 0, 4*len(pts))
	for _, p := range pts {
		out = append(out, p.Step, p.NegELBO, p.Recon, p.KL)
	}
	return out
}

func unflatten(h []float64) ([]core.HistoryPoint, error) {
	if len(h)%4 != 0 || len(h) > 4*core.MaxCheckpointHistory {
		return nil, fmt.Errorf("%w: a loss history of %d numbers", ErrCorrupt, len(h))
	}
	out := make([]core.HistoryPoint, len(h)/4)
	for i := range out {
		p := h[4*i : 4*i+4]
		for _, v := range p {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("%w: loss history point %d is %v", ErrCorrupt, i, p)
			}
		}
		out[i] = core.HistoryPoint{Step: p[0], NegELBO: p[1], Recon: p[2], KL: p[3]}
	}
	return out, nil
}

// HistoryOf converts the chart's points to a checkpoint's.
func HistoryOf(pts []view.LossPoint) []core.HistoryPoint {
	out := make([]core.HistoryPoint, len(pts))
	for i, p := range pts {
		out[i] = core.HistoryPoint{Step: p.Step, NegELBO: p.NegELBO, Recon: p.Recon, KL: p.KL}
	}
	return out
}

// Points converts a checkpoint's history to the chart's points.
func Points(h []core.HistoryPoint) []view.LossPoint {
	out := make([]view.LossPoint, len(h))
	for i, p := range h {
		out[i] = view.LossPoint{Step: p.Step, NegELBO: p.NegELBO, Recon: p.Recon, KL: p.KL}
	}
	return out
}

// FormatCount writes n with its digits grouped by threes, separated by a
// narrow no-break space: 1 234, 60 000.
func FormatCount(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteRune('\u202f')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// RestoredNotice is the notice of a run restored on load.
func RestoredNotice(step int) string {
	return "Restored your training from step " + FormatCount(step) + " — discard?"
}
