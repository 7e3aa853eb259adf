// Package queryset is the one fixed set of benchmark queries, grouped in
// classes (common and rare terms, phrases, booleans, filters, facets,
// highlighting). BenchmarkSearch and `minutebook bench` both run it, so
// every engine and every run answers the same questions.
package queryset

import "github.com/minutebook/minutebook/internal/search"

// Class is a named group of queries of one kind.
type Class struct {
	Name     string
	Requests []search.Request
}

// Classes are the query classes of the benchmark, in report order.
var Classes = []Class{
	{"common-term", []search.Request{{Query: "council"}, {Query: "report"}, {Query: "children"}}},
	{"rare-term", []search.Request{{Query: "apprenticeships"}, {Query: "biodiversity"}, {Query: "CAMHS"}}},
	{"phrase", []search.Request{{Query: `"elective home education"`}, {Query: `"social workers"`}, {Query: `"mental health"`}}},
	{"phrase-common-words", []search.Request{{Query: `"the council"`}, {Query: `"report of the"`}, {Query: `"it was noted that"`}}},
	{"boolean", []search.Request{{Query: "(SEND OR EHCP) -budget"}, {Query: "housing OR transport"}, {Query: "recruitment retention -agency"}}},
	// The councils are among the 120 the corpus generator writes (the
	// first version named Leicestershire and Worcestershire, which it
	// never writes, so two of three queries measured an empty result).
	{"phrase-council-date", []search.Request{
		{Query: `"the council"`, Councils: []string{"kent"}, From: "2019-01-01", To: "2022-12-31"},
		{Query: `"social workers"`, Councils: []string{"staffordshire"}, From: "2015-01-01"},
		{Query: `"special educational needs"`, Councils: []string{"middlesbrough"}, From: "2018-01-01"},
	}},
	{"faceted", []search.Request{{Query: "budget", Facets: true}, {Query: "SEND", Facets: true}, {Query: `"the council"`, Facets: true}}},
	{"highlighted", []search.Request{{Query: "budget", Highlight: true}, {Query: `"it was noted that"`, Highlight: true}, {Query: "children", Highlight: true}}},
	{"search-page", []search.Request{{Query: "elective home education", Facets: true, Highlight: true}, {Query: "school transport", Facets: true, Highlight: true}}},
}
