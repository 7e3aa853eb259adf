package server

import (
	"fmt"
	"html"
	"sort"
	"strings"
)

type chartPoint struct {
	Quarter, Council string
	Count            int
}

// palette is colour-blind safe (Okabe–Ito), darkened for contrast.
var palette = []string{"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#8F6A00", "#56B4E9", "#6A3D9A", "#505A64"}

// quarterChart draws items per quarter as stacked bars, one colour per
// council, as server-rendered SVG with a text summary for screen readers.
// Every label is escaped.
func quarterChart(topic string, points []chartPoint) string {
	if len(points) == 0 {
		return `<p class="muted">No tagged items yet for this selection.</p>`
	}
	quarters := map[string]int{}
	totals := map[string]int{}
	councilTotal := map[string]int{}
	for _, p := range points {
		quarters[p.Quarter] = 0
		totals[p.Quarter] += p.Count
		councilTotal[p.Council] += p.Count
	}
	qs := make([]string, 0, len(quarters))
	for q := range quarters {
		qs = append(qs, q)
	}
	sort.Strings(qs)
	councils := make([]string, 0, len(councilTotal))
	for c := range councilTotal {
		councils = append(councils, c)
	}
	sort.Slice(councils, func(i, j int) bool {
		if councilTotal[councils[i]] != councilTotal[councils[j]] {
			return councilTotal[councils[i]] > councilTotal[councils[j]]
		}
		return councils[i] < councils[j]
	})
	// Seven councils get colours; the rest share "Other councils".
	colour := map[string]string{}
	for i, c := range councils {
		if i < len(palette)-1 {
			colour[c] = palette[i]
		} else {
			colour[c] = palette[len(palette)-1]
		}
	}
	maxTotal := 0
	for _, t := range totals {
		maxTotal = max(maxTotal, t)
	}
	const left, top, plotH, barW, gap = 40, 10, 180, 26, 10
	width := left + len(qs)*(barW+gap) + 20
	legendY := top + plotH + 60
	height := legendY + 22*min(len(councils), len(palette))
	var b strings.Builder
	summary := fmt.Sprintf("Items tagged %s per quarter, %s to %s, by council: %d items in all.", topic, qs[0], qs[len(qs)-1], sum(totals))
	fmt.Fprintf(&b, `<svg class="chart" role="img" aria-labelledby="chart-title chart-desc" viewBox="0 0 %d %d" width="%d" height="%d" xmlns="http://www.w3.org/2000/svg">`, max(width, 320), height, max(width, 320), height)
	fmt.Fprintf(&b, `<title id="chart-title">%s per quarter</title><desc id="chart-desc">%s</desc>`, html.EscapeString(topic), html.EscapeString(summary))
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#505a64"/>`, left-4, top+plotH, width, top+plotH)
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%d</text><text x="%d" y="%d" text-anchor="end">0</text>`, left-8, top+10, maxTotal, left-8, top+plotH)
	for i, q := range qs {
		x := left + i*(barW+gap)
		y := top + plotH
		for _, c := range councils {
			n := 0
			for _, p := range points {
				if p.Quarter == q && p.Council == c {
					n = p.Count
				}
			}
			if n == 0 {
				continue
			}
			h := n * plotH / max(maxTotal, 1)
			y -= h
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"><title>%s, %s: %d</title></rect>`, x, y, barW, h, colour[c], html.EscapeString(q), html.EscapeString(c), n)
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" transform="rotate(-45 %d %d)">%s</text>`, x+barW/2, top+plotH+14, x+barW/2, top+plotH+14, html.EscapeString(q))
	}
	for i, c := range councils {
		if i >= len(palette) {
			break
		}
		label := c
		if i == len(palette)-1 && len(councils) > len(palette) {
			label = "Other councils"
		}
		y := legendY + i*22
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="14" height="14" fill="%s"/><text x="%d" y="%d">%s (%d)</text>`, left, y, colour[c], left+20, y+12, html.EscapeString(label), councilTotal[c])
	}
	b.WriteString(`</svg>`)
	return b.String()
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
