package train

import "time"

// Tuner chooses how many Web Workers train from the throughput it measures
// rather than from navigator.hardwareConcurrency, which a browser may not
// tell truly (WebKit reports 4 logical cores on a 2-core machine, where 3
// workers train slower than 1). It starts with one worker and grows by one
// while a worker more trains at least Gain faster in examples per second;
// when a worker more is not that much faster it goes back to one fewer.
//
// The page feeds it the backend's progress while training (Observe) and
// moves training to the count it asks for. It knows nothing of the
// browser: its clock and counts come from its caller, so it is tested with
// a fake clock.
type Tuner struct {
	// Max is the most workers it tries (DefaultWorkers of the reported
	// cores: a browser that over-reports only costs a few measurements).
	Max int
	// Settle is how long it waits, after a count starts training, before
	// measuring: the workers download and parse the images and warm up.
	Settle time.Duration
	// Window is how long it measures each count.
	Window time.Duration
	// Gain is the least relative rise in examples per second that makes a
	// worker more worth it (0.1: 10 %).
	Gain float64

	n       int                // the count training now
	rates   map[int]float64    // examples per second measured for each count
	started time.Time          // when this count started training (zero: not yet)
	from    time.Time          // when its measurement began (zero: not yet)
	base    int64              // examples at from
	last    time.Time          // the previous Observe
	done    bool               // the choice is made
	history []TunerMeasurement // every measurement, in order
}

// TunerMeasurement is one count's measured throughput.
type TunerMeasurement struct {
	Workers        int
	ExamplesPerSec float64
}

// Default tuning: 3 s to settle, 4 s to measure, 10 % to grow.
const (
	DefaultTuneSettle = 3 * time.Second
	DefaultTuneWindow = 4 * time.Second
	DefaultTuneGain   = 0.10
)

// NewTuner returns a tuner that tries 1 to max workers (at least 1, at most
// MaxWorkers) with the default settle time, window and gain.
func NewTuner(most int) *Tuner {
	return &Tuner{Max: min(MaxWorkers, max(most, 1)), Settle: DefaultTuneSettle, Window: DefaultTuneWindow,
		Gain: DefaultTuneGain, n: 1, rates: map[int]float64{}}
}

// Workers returns the count the tuner wants now.
func (t *Tuner) Workers() int { return t.n }

// Done reports whether the choice is made.
func (t *Tuner) Done() bool { return t.done }

// Measurements returns what it measured, in order.
func (t *Tuner) Measurements() []TunerMeasurement { return t.history }

// pauseGap is the longest gap between two Observe calls that still counts
// as training without a break: longer, and the measurement starts anew
// (training was paused, or the tab hidden).
const pauseGap = time.Second

// Observe records that, at now, training runs in workers workers (0: in
// the page) and has trained on examples images in all. It returns the count
// to train in from now on: the same until a measurement is complete. The
// page calls it every frame while training.
func (t *Tuner) Observe(now time.Time, workers int, examples int64) int {
	if t.done {
		return t.n
	}
	if workers != t.n {
		// Not (yet) the count asked for: the page is switching.
		t.started, t.from = time.Time{}, time.Time{}
		t.last = now
		return t.n
	}
	if !t.last.IsZero() && now.Sub(t.last) > pauseGap {
		t.started, t.from = time.Time{}, time.Time{} // a pause: settle and measure again
	}
	t.last = now
	switch {
	case t.started.IsZero():
		t.started = now
		return t.n
	case t.from.IsZero():
		if now.Sub(t.started) >= t.Settle {
			t.from, t.base = now, examples
		}
		return t.n
	case now.Sub(t.from) < t.Window:
		return t.n
	}
	rate := float64(examples-t.base) / now.Sub(t.from).Seconds()
	t.rates[t.n] = rate
	t.history = append(t.history, TunerMeasurement{Workers: t.n, ExamplesPerSec: rate})
	t.started, t.from = time.Time{}, time.Time{}
	switch prev, ok := t.rates[t.n-1]; {
	case ok && rate < prev*(1+t.Gain):
		// A worker more did not pay (it takes a core from drawing, too):
		// back to one fewer, which every earlier worker more did pay for.
		t.n, t.done = t.n-1, true
	case t.n >= t.Max:
		t.done = true
	default:
		t.n++
	}
	return t.n
}
