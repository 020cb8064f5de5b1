package train

import (
	"testing"
	"time"
)

// machine is a fake machine for the tuner: examples per second for each
// worker count, and a clock that the test moves on.
type machine struct {
	rate     map[int]float64
	now      time.Time
	workers  int
	examples float64
}

// run trains for d at the current count, calling Observe every frame
// (16 ms) as the page does, and moves to the count the tuner asks for
// (after switch, the time a switch of backends takes, with no training).
func (m *machine) run(t *Tuner, d, switching time.Duration) {
	const frame = 16 * time.Millisecond
	for end := m.now.Add(d); m.now.Before(end); {
		m.now = m.now.Add(frame)
		m.examples += m.rate[m.workers] * frame.Seconds()
		if want := t.Observe(m.now, m.workers, int64(m.examples)); want != m.workers {
			m.workers = want
			m.now = m.now.Add(switching)
		}
	}
}

func TestTunerChoosesFromThroughput(t *testing.T) {
	for _, c := range []struct {
		name string
		max  int
		rate map[int]float64
		want int
		// measured: the counts it tries, in order
		measured []int
	}{
		// WebKit on 2 cores says 4: 3 workers would run slower than 1.
		{"2 cores reported as 4", 3, map[int]float64{1: 2600, 2: 2700, 3: 1900}, 1, []int{1, 2}},
		{"2 cores, 2 workers pay", 3, map[int]float64{1: 2000, 2: 3000, 3: 2400}, 2, []int{1, 2, 3}},
		{"4 real cores", 4, map[int]float64{1: 2000, 2: 3600, 3: 4800, 4: 5600}, 4, []int{1, 2, 3, 4}},
		{"gain under 10 %", 4, map[int]float64{1: 2000, 2: 3600, 3: 3800, 4: 5000}, 2, []int{1, 2, 3}},
		{"one core", 1, map[int]float64{1: 1000}, 1, []int{1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tu := NewTuner(c.max)
			m := &machine{rate: c.rate, now: time.Unix(1000, 0), workers: tu.Workers()}
			m.run(tu, 2*time.Minute, 2*time.Second)
			if !tu.Done() || tu.Workers() != c.want || m.workers != c.want {
				t.Fatalf("done %v, wants %d workers, trains in %d; want %d (measured %+v)", tu.Done(), tu.Workers(), m.workers, c.want, tu.Measurements())
			}
			var got []int
			for i, ms := range tu.Measurements() {
				got = append(got, ms.Workers)
				if r := c.rate[ms.Workers]; ms.ExamplesPerSec < 0.97*r || ms.ExamplesPerSec > 1.03*r {
					t.Errorf("measurement %d: %d workers at %.0f examples/s, the machine runs %.0f", i, ms.Workers, ms.ExamplesPerSec, r)
				}
			}
			if len(got) != len(c.measured) {
				t.Fatalf("measured %v, want %v", got, c.measured)
			}
			for i := range got {
				if got[i] != c.measured[i] {
					t.Fatalf("measured %v, want %v", got, c.measured)
				}
			}
		})
	}
}

// TestTunerWaitsAndRestarts: nothing is measured while the workers settle
// (the first seconds of a count, which include downloading the images), and
// a pause starts the measurement anew, so neither counts as slowness.
func TestTunerWaitsAndRestarts(t *testing.T) {
	tu := NewTuner(3)
	m := &machine{rate: map[int]float64{1: 1000, 2: 3000, 3: 3100}, now: time.Unix(0, 0), workers: 1}
	m.run(tu, tu.Settle+tu.Window/2, 0)
	if len(tu.Measurements()) != 0 || tu.Workers() != 1 {
		t.Fatalf("measured before settle+window: %+v", tu.Measurements())
	}
	// A pause of a minute: the half-measured window is dropped. Were the
	// pause counted, 1 worker would measure at a fraction of its rate.
	m.now = m.now.Add(time.Minute)
	m.run(tu, tu.Settle+tu.Window+time.Second, 0)
	ms := tu.Measurements()
	if len(ms) != 1 || ms[0].ExamplesPerSec < 970 || ms[0].ExamplesPerSec > 1030 {
		t.Fatalf("after a pause: %+v, want one measurement of 1 worker at 1000/s", ms)
	}
	if tu.Workers() != 2 {
		t.Fatalf("wants %d workers after 1 measured, want 2", tu.Workers())
	}
	// Until the page has switched, observations of the old count measure
	// nothing.
	for i := 0; i < 1000; i++ {
		m.now = m.now.Add(16 * time.Millisecond)
		m.examples += 16
		tu.Observe(m.now, 1, int64(m.examples))
	}
	if len(tu.Measurements()) != 1 {
		t.Fatalf("measured the old count: %+v", tu.Measurements())
	}
	m.workers = 2
	m.run(tu, time.Minute, time.Second)
	if !tu.Done() || tu.Workers() != 2 {
		t.Fatalf("done %v at %d workers (%+v); want 2: a third did not pay 10 %%", tu.Done(), tu.Workers(), tu.Measurements())
	}
}
