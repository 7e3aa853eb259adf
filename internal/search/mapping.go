package search

import (
	"regexp"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/shingle"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"
	index "github.com/blevesearch/bleve_index_api"

	"github.com/minutebook/minutebook/internal/store"
)

// mappingVersion is MappingVersion's part for the mapping and the document
// built for an item (concepts.go).
const mappingVersion = "10"

// Field names of an item document.
const (
	fTitle      = "title"       // English: stemmed, stop words out
	fTitleExact = "title_exact" // unstemmed, for quoted phrases
	fTitlePairs = "title_pairs" // word pairs, as body_pairs
	fBody       = "body"        // agenda text + minutes + resolutions, English
	fBodyExact  = "body_exact"  // the same, unstemmed
	// Word pairs ("it was", "was noted"): a phrase search reads the pairs'
	// short posting lists instead of walking every position of "the" or
	// "of", which made phrases with common words the slowest queries.
	fBodyPairs = "body_pairs"
	// Runs of three or four mostly common words, one term each, without
	// positions (grams.go): "it was noted that" is one term's postings.
	fBodyGrams = "body_grams"
	fAcronyms  = "acronyms" // capitalised words, case kept: SEND the acronym, not send the verb
	// A thesaurus concept's acronym at each mention of it, as acronym or
	// long form, in the title or the text (concepts.go).
	fConceptTitle  = "concept_title"
	fConceptBody   = "concept_body"
	fCouncil       = "council" // slug
	fCouncilL      = "council_label"
	fCommittee     = "committee" // "council/committee" slugs
	fCommitteeSlug = "committee_slug"
	fCommitteeL    = "committee_label"
	fTopics        = "topics"
	fYear          = "year"
	fDate          = "date"
	// Every facet value of an item in one keyword field ("council\x1eslug…",
	// "year\x1e2019"): counting facets reads one field's doc values per hit
	// instead of four, which was most of a faceted search's time.
	fFacets  = "facets"
	fMeeting = "meeting_key"
	// Stored only, to render hits without a database round trip.
	fPath        = "path"
	fMeetingPath = "meeting_path"
	fNumber      = "number"
	fDateText    = "date_text"
	fTitleText   = "title_text"
)

// labelSep joins a facet value and its label in one keyword; groupSep
// puts the facet's name in front, in the facets field.
const (
	labelSep = "\x1f"
	groupSep = "\x1e"
)

const (
	exactAnalyzer   = "minutebook_exact"
	pairAnalyzer    = "minutebook_pairs"
	pairFilter      = "minutebook_pair_filter"
	gramAnalyzer    = "minutebook_grams"
	conceptAnalyzer = "minutebook_concepts"
)

// newMapping builds the one mapping of the index. The default mapping is
// closed: only the fields below are indexed.
func newMapping() mapping.IndexMapping {
	im := bleve.NewIndexMapping()
	im.ScoringModel = index.BM25Scoring
	err := im.AddCustomTokenFilter(pairFilter, map[string]interface{}{
		"type": shingle.Name, "min": 2.0, "max": 2.0, "output_original": false, "separator": " ",
	})
	if err != nil {
		panic(err)
	}
	err = im.AddCustomAnalyzer(conceptAnalyzer, map[string]interface{}{"type": custom.Name, "tokenizer": conceptTokenizer})
	if err != nil {
		panic(err)
	}
	for _, a := range []struct {
		name   string
		filter string // after lower-casing, if any
	}{{exactAnalyzer, ""}, {pairAnalyzer, pairFilter}, {gramAnalyzer, gramFilterName}} {
		filters := []string{lowercase.Name}
		if a.filter != "" {
			filters = append(filters, a.filter)
		}
		err := im.AddCustomAnalyzer(a.name, map[string]interface{}{
			"type": custom.Name, "tokenizer": unicode.Name, "token_filters": filters,
		})
		if err != nil {
			panic(err)
		}
	}
	text := func(analyzer string, store bool) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = analyzer
		f.Store = store
		f.IncludeTermVectors = true // phrase search and snippet offsets
		f.IncludeInAll = false
		return f
	}
	kw := func(store bool) *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Analyzer = keyword.Name
		f.Store = store
		f.IncludeTermVectors = false
		f.IncludeInAll = false
		f.DocValues = false // only the facets field is counted
		return f
	}
	storedOnly := func() *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Index = false
		f.Store = true
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}
	doc := bleve.NewDocumentStaticMapping()
	doc.AddFieldMappingsAt(fTitle, text(en.AnalyzerName, false))
	doc.AddFieldMappingsAt(fTitleExact, text(exactAnalyzer, false))
	doc.AddFieldMappingsAt(fTitlePairs, text(pairAnalyzer, false))
	doc.AddFieldMappingsAt(fBody, text(en.AnalyzerName, true))
	doc.AddFieldMappingsAt(fBodyExact, text(exactAnalyzer, false))
	doc.AddFieldMappingsAt(fBodyPairs, text(pairAnalyzer, false))
	grams := text(gramAnalyzer, false)
	grams.IncludeTermVectors = false
	doc.AddFieldMappingsAt(fBodyGrams, grams)
	doc.AddFieldMappingsAt(fAcronyms, kw(false))
	conceptTitle := text(conceptAnalyzer, false)
	conceptTitle.IncludeTermVectors = false // not marked in snippets
	doc.AddFieldMappingsAt(fConceptTitle, conceptTitle)
	doc.AddFieldMappingsAt(fConceptBody, text(conceptAnalyzer, false))
	doc.AddFieldMappingsAt(fCouncil, kw(true))
	doc.AddFieldMappingsAt(fCouncilL, kw(true))
	doc.AddFieldMappingsAt(fCommittee, kw(true))
	doc.AddFieldMappingsAt(fCommitteeSlug, kw(false))
	doc.AddFieldMappingsAt(fCommitteeL, kw(true))
	doc.AddFieldMappingsAt(fTopics, kw(true))
	doc.AddFieldMappingsAt(fYear, kw(false))
	doc.AddFieldMappingsAt(fMeeting, kw(true))
	facetField := kw(false)
	facetField.DocValues = true
	doc.AddFieldMappingsAt(fFacets, facetField)
	dt := bleve.NewDateTimeFieldMapping()
	dt.IncludeInAll = false
	doc.AddFieldMappingsAt(fDate, dt)
	for _, f := range []string{fPath, fMeetingPath, fNumber, fDateText, fTitleText} {
		doc.AddFieldMappingsAt(f, storedOnly())
	}
	im.DefaultMapping = doc
	im.DefaultAnalyzer = exactAnalyzer
	im.StoreDynamic = false
	im.IndexDynamic = false
	im.DocValuesDynamic = false
	return im
}

var acronymWord = regexp.MustCompile(`\b([A-Z][A-Z0-9]{1,9})(?:s|'s|’s)?\b`)

// document is what the index holds for one item.
func document(v store.ItemView) map[string]interface{} {
	body := strings.Join(append([]string{v.AgendaText, v.Text}, v.Resolutions...), "\n\n")
	doc := map[string]interface{}{
		fTitle: v.Title, fTitleExact: v.Title, fTitlePairs: v.Title,
		fBody: body, fBodyExact: body, fBodyPairs: body, fBodyGrams: body,
		fCouncil: v.CouncilSlug, fCouncilL: v.CouncilSlug + labelSep + v.CouncilName,
		fCommittee: v.CouncilSlug + "/" + v.CommitteeSlug, fCommitteeSlug: v.CommitteeSlug,
		fCommitteeL: v.CouncilSlug + "/" + v.CommitteeSlug + labelSep + v.CommitteeName,
		fMeeting:    v.MeetingKey, fPath: v.Path, fMeetingPath: v.MeetingPath,
		fNumber: v.Number, fDateText: v.Date, fTitleText: v.Title,
	}
	facets := []string{
		"council" + groupSep + v.CouncilSlug + labelSep + v.CouncilName,
		"committee" + groupSep + v.CouncilSlug + "/" + v.CommitteeSlug + labelSep + v.CommitteeName,
	}
	if len(v.Topics) > 0 {
		doc[fTopics] = v.Topics
		for _, t := range v.Topics {
			facets = append(facets, "topic"+groupSep+t)
		}
	}
	if v.Date != "" {
		doc[fDate] = v.Date
		doc[fYear] = v.Date[:4]
		facets = append(facets, "year"+groupSep+v.Date[:4])
	}
	doc[fFacets] = facets
	if acr := acronyms(v.Title + "\n" + body); len(acr) > 0 {
		doc[fAcronyms] = acr
	}
	doc[fConceptTitle], doc[fConceptBody] = v.Title, body
	return doc
}

// acronyms lists the distinct capitalised words of s ("SEND", "EHCP"),
// with plural and possessive endings read as the acronym.
func acronyms(s string) []string {
	seen := map[string]bool{}
	var out []string
	for _, sub := range acronymWord.FindAllStringSubmatch(s, -1) {
		if m := sub[1]; !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	return out
}
