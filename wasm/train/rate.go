package train

import "time"

// rateMeter measures throughput over the last few seconds.
type rateMeter struct {
	t []time.Time
	n []int64
}

const rateWindow = 3 * time.Second

func (r *rateMeter) add(t time.Time, total int64) {
	r.t, r.n = append(r.t, t), append(r.n, total)
	i := 0
	for i < len(r.t)-2 && t.Sub(r.t[i]) > rateWindow {
		i++
	}
	r.t, r.n = r.t[i:], r.n[i:]
}

func (r *rateMeter) perSecond() float64 {
	if len(r.t) < 2 {
		return 0
	}
	dt := r.t[len(r.t)-1].Sub(r.t[0]).Seconds()
	if dt <= 0 {
		return 0
	}
	return float64(r.n[len(r.n)-1]-r.n[0]) / dt
}
