package topic

import (
	"reflect"
	"strings"
	"testing"

	"github.com/minutebook/minutebook/internal/archive"
)

func TestTag(t *testing.T) {
	tg := Default()
	for _, tc := range []struct {
		name string
		item archive.Item
		want []string
	}{
		{"acronym in title", archive.Item{Title: "SEND and Inclusion.", Text: "The Committee considered a report."}, []string{"send"}},
		{"send the verb", archive.Item{Title: "Correspondence", Text: "Officers would send the letter. We send our thanks. They will send it on."}, nil},
		{"shouting text is not an acronym", archive.Item{Text: strings.Repeat("WE WILL SEND THE REPORT TO MEMBERS AND SEND A REPLY. ", 20)}, nil},
		{"one passing acronym", archive.Item{Text: "Some children had additional vulnerabilities due to family needs or SEND and preparation was key."}, nil},
		{"EHCP possessive counts", archive.Item{Text: "Systematic weakness in the quality of EHCP's.\n\nThe Local Authority should ensure EHCP's have good outcomes for children with additional needs.\n\nStaff were trained on additional needs."}, []string{"send"}},
		{"elective home education phrase", archive.Item{Text: "Concern was expressed around the increase in the number of children who were electively home educated."}, []string{"ehe"}},
		{"EHE acronym twice", archive.Item{Text: "The number of EHE children rose. EHE numbers are monitored."}, []string{"ehe"}},
		{"recruitment title", archive.Item{Title: "Recruitment and Retention of Social Workers.", Text: "The Committee considered a report."}, []string{"social-worker-recruitment"}},
		{"social workers with vacancies in one paragraph", archive.Item{Text: "There was a national shortage of qualified social workers and vacancies were filled with agency staff."}, []string{"social-worker-recruitment"}},
		{"social workers without workforce talk", archive.Item{Text: "Social workers visited the family.\n\nThe council advertised vacancies for drivers."}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tg.Tag(tc.item)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Tag = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"", "topic rules"},
		{"topics: []", "no topics"},
		{"topics:\n  - slug: Bad Slug\n    name: x\n    rules: [{weight: 1, phrases: [a]}]", "slug must be"},
		{"topics:\n  - slug: a\n    name: x\n    rules: [{weight: 0, phrases: [a]}]", "weight must be positive"},
		{"topics:\n  - slug: a\n    name: x\n    rules: [{weight: 1}]", "needs phrases"},
		{"topics:\n  - slug: a\n    nme: x", "field nme not found"},
	} {
		_, err := Load(strings.NewReader(tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Load(%q) = %v, want error with %q", tc.yaml, err, tc.want)
		}
	}
}

func TestDefaultTopics(t *testing.T) {
	for _, slug := range []string{"send", "ehe", "social-worker-recruitment"} {
		tp, ok := Default().Topic(slug)
		if !ok || tp.Name == "" || tp.Description == "" {
			t.Errorf("topic %s missing or undescribed", slug)
		}
	}
	if Default().Version() == "" {
		t.Error("empty rules version")
	}
}

func FuzzTag(f *testing.F) {
	f.Add("SEND and Inclusion.", "EHCP's and electively home educated children; social workers vacancies")
	f.Fuzz(func(t *testing.T, title, text string) {
		Default().Tag(archive.Item{Title: title, Text: text})
	})
}

func FuzzLoad(f *testing.F) {
	f.Add(string(embedded))
	f.Fuzz(func(t *testing.T, s string) {
		Load(strings.NewReader(s))
	})
}
