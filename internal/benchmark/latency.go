package benchmark

import (
	"math"
	"slices"
	"time"
)

// Latency summarises timed samples, in milliseconds.
type Latency struct {
	Samples int     `json:"samples"`
	P50     float64 `json:"p50_ms"`
	P95     float64 `json:"p95_ms"`
	P99     float64 `json:"p99_ms"`
	Mean    float64 `json:"mean_ms"`
	Max     float64 `json:"max_ms"`
}

// summarise computes nearest-rank percentiles (the p-th percentile is a
// sample that was actually seen, never an interpolation).
func summarise(ds []time.Duration) Latency {
	if len(ds) == 0 {
		return Latency{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	rank := func(p float64) float64 {
		i := int(math.Ceil(p*float64(len(s)))) - 1
		return ms(s[max(0, min(i, len(s)-1))])
	}
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	return Latency{
		Samples: len(s), P50: rank(0.50), P95: rank(0.95), P99: rank(0.99),
		Mean: ms(sum / time.Duration(len(s))), Max: ms(s[len(s)-1]),
	}
}

// median is the median over runs of get (the upper one of an even count).
func median[T any](runs []T, get func(T) float64) float64 {
	v := make([]float64, len(runs))
	for i, r := range runs {
		v[i] = get(r)
	}
	slices.Sort(v)
	return v[len(v)/2]
}
