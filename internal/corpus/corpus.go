// Package corpus generates a deterministic synthetic archive of council
// minutes for benchmarks: realistic vocabulary and lengths, Zipf-like term
// frequencies, many councils and committees, dates over years, item number
// styles, and topic phrases at realistic rates. The same options always
// give byte-identical output, written as `import --jsonl` lines.
package corpus

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"

	"github.com/minutebook/minutebook/internal/archive"
	"github.com/minutebook/minutebook/internal/councils"
	"github.com/minutebook/minutebook/internal/normalise"
)

// Options shape a corpus.
type Options struct {
	Items    int   // total agenda items to write
	Seed     int64 // same seed, same corpus
	Councils int   // how many councils (default 120)
}

// Stats describe what was written.
type Stats struct {
	Meetings, Items int
	TextBytes       int64
}

// Generate writes a corpus of opts.Items items as JSON lines, one meeting
// per line, streaming (memory stays flat for any size).
func Generate(w io.Writer, opts Options) (Stats, error) {
	if opts.Items <= 0 {
		return Stats{}, fmt.Errorf("corpus: items must be positive, got %d", opts.Items)
	}
	if opts.Councils <= 0 {
		opts.Councils = 120
	}
	g := newGen(opts)
	bw := bufio.NewWriterSize(w, 1<<20)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	var st Stats
	for st.Items < opts.Items {
		m := g.meeting(min(opts.Items-st.Items, 6+g.r.IntN(9)))
		st.Meetings++
		st.Items += len(m.Items)
		for _, it := range m.Items {
			st.TextBytes += int64(len(it.Title) + len(it.AgendaText) + len(it.Text))
		}
		if err := enc.Encode(m); err != nil {
			return st, err
		}
	}
	return st, bw.Flush()
}

type gen struct {
	r        *rand.Rand
	zipf     *rand.Zipf
	councils []councils.Council
	seq      int
	used     map[string]bool // council/committee/date already generated
}

func newGen(opts Options) *gen {
	r := rand.New(rand.NewPCG(uint64(opts.Seed), 0x6d696e75746573))
	all := councils.Default().All()
	// Spread the chosen councils over the whole registry.
	var cs []councils.Council
	step := max(len(all)/opts.Councils, 1)
	for i := 0; i < len(all) && len(cs) < opts.Councils; i += step {
		cs = append(cs, all[i])
	}
	return &gen{r: r, zipf: rand.NewZipf(r, 1.07, 2, uint64(len(vocabulary)-1)), councils: cs, used: map[string]bool{}}
}

func (g *gen) pick(list []string) string { return list[g.r.IntN(len(list))] }

func (g *gen) meeting(n int) *archive.Meeting {
	g.seq++
	ci := g.r.IntN(len(g.councils))
	c := g.councils[ci]
	committee := committees[(ci+g.r.IntN(4))%len(committees)]
	year := 2012 + g.r.IntN(15)
	month := 1 + g.r.IntN(12)
	day := 1 + g.r.IntN(28)
	// One meeting per committee and day, as in real archives: a clash
	// moves to the next free day.
	for g.used[fmt.Sprintf("%d/%s/%d-%d-%d", ci, committee, year, month, day)] {
		if day++; day > 28 {
			day, month = 1, month%12+1
			if month == 1 {
				year++
			}
		}
	}
	g.used[fmt.Sprintf("%d/%s/%d-%d-%d", ci, committee, year, month, day)] = true
	m := &archive.Meeting{
		Source:    fmt.Sprintf("corpus/%07d", g.seq),
		SourceURL: fmt.Sprintf("%s/ieListDocuments.aspx?MId=%d", strings.TrimRight(c.BaseURL, "/"), 10000+g.seq),
		Format:    "moderngov-html",
		Council:   c.Name, CouncilSlug: c.Slug,
		Committee: committee, CommitteeSlug: normalise.Slug(committee),
		Date:  fmt.Sprintf("%04d-%02d-%02d", year, month, day),
		Time:  []string{"10:00", "14:00", "18:30", "09:30", "16:00"}[g.r.IntN(5)],
		Venue: g.pick(venues),
	}
	if m.SourceURL[0] == '/' {
		m.SourceURL = ""
	}
	for k := 0; k < 3+g.r.IntN(8); k++ {
		m.Attendees = append(m.Attendees, archive.Attendee{Name: "Councillor " + g.pick(surnames), Role: "member"})
	}
	style := ci % 3 // councils number their items in one style
	base := 1 + g.r.IntN(400)
	for i := 0; i < n; i++ {
		it := archive.Item{Title: g.title(i, n)}
		switch style {
		case 0:
			it.Number = fmt.Sprint(i + 1)
		case 1:
			it.Number = fmt.Sprintf("%d/%d", year%100, base+i)
		}
		if g.r.IntN(3) == 0 {
			it.AgendaText = g.sentence(12 + g.r.IntN(20))
		}
		it.Text = g.text(i)
		if g.r.IntN(4) == 0 {
			it.Resolutions = []string{"That " + g.sentence(10+g.r.IntN(15))}
			it.Text += "\n\nRESOLVED: " + it.Resolutions[0]
		}
		it.Truncated = g.r.IntN(40) == 0
		it.Topics = g.topics(it)
		m.Items = append(m.Items, it)
	}
	return m
}

func (g *gen) title(i, n int) string {
	switch {
	case i == 0:
		return g.pick([]string{"Apologies for Absence", "Apologies", "Declarations of Interest"})
	case i == 1:
		return g.pick([]string{"Minutes of the Previous Meeting", "Minutes", "Declarations of Interest"})
	case i == n-1:
		return g.pick([]string{"Date of Next Meeting", "Work Programme", "Any Other Business"})
	}
	t := g.pick(titleHeads)
	if g.r.IntN(2) == 0 {
		t += " " + g.pick(titleTails)
	}
	if g.r.IntN(12) == 0 {
		t = g.pick(topicTitles)
	}
	return t
}

// text is one item's minutes: 1–12 paragraphs, some numbered lists, with
// a lognormal-ish length spread from a few words to ~1,500.
func (g *gen) text(i int) string {
	if i < 2 {
		return g.pick(formalities)
	}
	paras := 1 + int(g.r.ExpFloat64()*3)
	paras = min(paras, 12)
	var b strings.Builder
	for p := 0; p < paras; p++ {
		if p > 0 {
			b.WriteString("\n\n")
		}
		if p > 0 && g.r.IntN(4) == 0 {
			fmt.Fprintf(&b, "%s) ", romans[min(p-1, len(romans)-1)])
		}
		for s := 0; s < 1+g.r.IntN(5); s++ {
			if s > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(g.sentence(8 + g.r.IntN(22)))
		}
	}
	return b.String()
}

func (g *gen) sentence(words int) string {
	var b strings.Builder
	b.WriteString(g.pick(openers))
	for w := 0; w < words; w++ {
		b.WriteByte(' ')
		if g.r.IntN(180) == 0 {
			b.WriteString(g.pick(topicPhrases))
			continue
		}
		b.WriteString(vocabulary[g.zipf.Uint64()])
	}
	b.WriteByte('.')
	return b.String()
}

// topics tags generated items the way the rules would for their phrases;
// the benchmark needs plausible tag rates, not the tagger's cost.
func (g *gen) topics(it archive.Item) []string {
	var out []string
	s := it.Title + " " + it.Text
	for _, tp := range []struct{ slug, cue string }{
		{"ehe", "home educat"}, {"send", "special educational needs"}, {"social-worker-recruitment", "social workers"},
	} {
		if strings.Count(s, tp.cue) >= 1 && (strings.Contains(it.Title, tp.cue) || strings.Count(s, tp.cue) >= 2 || g.r.IntN(3) == 0) {
			out = append(out, tp.slug)
		}
	}
	return out
}

var (
	romans      = []string{"i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi"}
	committees  = []string{"Cabinet", "Children and Families Overview and Scrutiny Committee", "Health and Wellbeing Board", "Planning Committee", "Audit and Governance Committee", "Corporate Parenting Panel", "Schools Forum", "Adult Social Care Scrutiny Panel", "Licensing Committee", "Full Council", "Environment and Transport Committee", "Children's Services Scrutiny Panel"}
	venues      = []string{"Council Chamber, County Hall", "Committee Room 1, Town Hall", "Virtual meeting", "Civic Centre", "Sparkenhoe Committee Room, County Hall"}
	surnames    = []string{"Smith", "Jones", "Patel", "Williams", "Brown", "Taylor", "Khan", "Davies", "Evans", "Wilson", "Thomas", "Roberts", "Hughes", "Ahmed", "Walker", "Wright", "Green", "Hall", "Wood", "Clarke"}
	formalities = []string{"No apologies were received.", "There were no declarations of interest.", "The minutes of the previous meeting were confirmed as a correct record and signed by the Chairman.", "Apologies were received from Councillor Smith and Councillor Patel."}
	titleHeads  = []string{"Budget Monitoring", "Quarterly Performance Report", "Annual Report of the Safeguarding Partnership", "Capital Programme", "Medium Term Financial Strategy", "School Place Planning", "Home to School Transport", "Early Help Services", "Youth Justice Plan", "Fostering Service Annual Report", "Adoption Service Update", "Children's Social Care Improvement Plan", "Ofsted Inspection Outcome", "Housing Strategy", "Climate Emergency Action Plan", "Highways Maintenance", "Public Health Annual Report", "Libraries Review", "Waste Strategy", "Local Plan Consultation"}
	titleTails  = []string{"2022/23", "Quarter 2", "- Update", "and Action Plan", "2019-2024", "(Six Month Update)", "- Consultation Response"}
	topicTitles = []string{"SEND Strategy", "Special Educational Needs and Disabilities Sufficiency", "Elective Home Education Annual Report", "Recruitment and Retention of Social Workers", "Children Missing Education", "High Needs Block Deficit"}
	openers     = []string{"The Committee", "Members", "The Director", "It was noted that", "In response to a question", "The Panel", "The Cabinet Member", "Officers", "The Chairman", "Concern was raised that"}
	// Phrases people search for, inserted at low rates among the prose.
	topicPhrases = []string{"special educational needs", "elective home education", "electively home educated", "education, health and care plans", "EHCP", "SEND", "social workers", "agency staff", "recruitment and retention", "children in care", "child sexual exploitation", "mental health", "CAMHS", "home educated", "the high needs block", "caseloads"}
	// A council-minutes vocabulary in rough order of frequency: the Zipf
	// draw makes the first words far commoner than the last.
	vocabulary = strings.Fields(`the of and to that in was a for be were it would with on as had this by which report from
		at an been council members there not are officers also was is children would services work have their
		committee noted service support year budget they all more within number could what further update families
		provided team care place schools following plan new current increase people young response whether including
		local authority work process review funding information data performance any need needs into through
		partners being should this year time period staff school education health social public community area
		areas level levels key approach were arrangements demand costs cost financial pressures savings position
		delivery improvement improvements progress outcomes risk risks assessment assessments action actions
		strategy strategic priorities priority consultation engagement parents carers residents providers provider
		contract contracts commissioning capacity resources resource programme programmes project projects
		quarter annual monitoring target targets figures rate rates trend trends comparison national regional
		government grant grants allocation allocations capital revenue reserves overspend underspend forecast
		policy policies framework statutory duty duties guidance legislation regulations inspection ofsted quality
		assurance audit audits safeguarding partnership partnerships board boards panel cabinet scrutiny overview
		recommendations recommendation agreed approved considered discussed highlighted explained confirmed
		requested received welcomed acknowledged raised queried suggested reported advised informed stated
		transport highways housing planning environment climate waste libraries leisure culture tourism economy
		business businesses employment skills training apprenticeships recruitment retention vacancies workforce
		permanent agency locum turnover wellbeing mental emotional physical disability disabilities autism
		inclusion exclusion exclusions attendance absence persistent pupils pupil academy academies trust trusts
		maintained primary secondary special nursery early years childcare provision placements placement foster
		fostering adoption residential homes leaving leavers corporate parenting virtual head youth offending
		justice exploitation missing trafficking neglect abuse domestic violence homelessness poverty deprivation
		cost-of-living inflation energy broadband digital technology system systems software portal website
		communications media campaign awareness feedback survey surveys complaints compliments compliance
		timescales delays waiting lists backlog referrals referral contacts contact threshold thresholds
		casework practitioners managers leadership culture morale supervision caseload vacancy rate sickness
		mitigation contingency benchmarking efficiency efficiencies transformation restructure redesign pilot
		evaluation evidence analysis dashboard indicators metrics baseline milestones deadline deadlines
		footpath cycleway bus rail parking flooding drainage trees biodiversity ecology emissions carbon
		tenants landlords rents repairs adaptations grants loans procurement tender tenders framework lots
		pensions investment treasury borrowing interest valuation assets disposals acquisitions estate`)
)
