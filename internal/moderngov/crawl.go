package moderngov

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"time"

	"github.com/minutebook/minutebook/internal/councils"
	"github.com/minutebook/minutebook/internal/extract"
	"github.com/minutebook/minutebook/internal/fetch"
	"github.com/minutebook/minutebook/internal/store"
)

// Kinds of fetched documents, as kept in the archive.
const (
	KindService = "service"
	KindMeeting = "meeting" // ieListDocuments.aspx
	KindItem    = "item"    // mgAi.aspx
	KindPDF     = "pdf"     // printed minutes
)

// Options describe one crawl of one site.
type Options struct {
	Site      string    // key of the site in the crawl state (a council slug or the host)
	BaseURL   string    // the folder holding mgWebService.asmx
	From, To  time.Time // meetings in this range (inclusive)
	Committee int       // only this committee; 0 means all
	// Revisit is how far back finished meetings are fetched again: minutes
	// are published (and corrected) weeks after a meeting.
	Revisit  time.Duration
	Registry *councils.Registry
	Logger   *slog.Logger
	Now      func() time.Time
	// Progress, if set, is called after each meeting (for leases and logs).
	Progress func(done, total int)
}

// Stats count what a crawl did.
type Stats struct {
	Committees      int
	Meetings        int // in range
	MeetingsSkipped int // finished (or long without minutes) and outside the revisit window
	MeetingsDone    int
	MeetingsPending int // no minutes published yet, or a document failed (see Failures)
	Documents       int // documents parsed and saved
	Fetched         int // bodies downloaded
	NotModified     int // answered 304
	Failures        []string
}

func (s Stats) String() string {
	return fmt.Sprintf("%d committees, %d meetings in range: %d done, %d pending, %d skipped (finished earlier); %d documents saved; %d downloaded, %d not modified; %d failures",
		s.Committees, s.Meetings, s.MeetingsDone, s.MeetingsPending, s.MeetingsSkipped, s.Documents, s.Fetched, s.NotModified, len(s.Failures))
}

// Crawler crawls ModernGov sites into the archive.
type Crawler struct {
	Store *store.Store
	Fetch *fetch.Client
}

type run struct {
	*Crawler
	opts  Options
	ep    Endpoints
	log   *slog.Logger
	stats Stats
}

// Crawl lists the site's committees and meetings in range and brings each
// meeting's minutes into the archive. A meeting is marked done only when
// its minutes are stored, so a crawl stopped at any point resumes where it
// stopped; done meetings older than the revisit window are not fetched
// again. Cancelling ctx abandons the document in flight (nothing of it is
// half-stored) and returns ctx's error.
func (c *Crawler) Crawl(ctx context.Context, opts Options) (Stats, error) {
	base, err := fetch.CheckURL(opts.BaseURL)
	if err != nil {
		return Stats{}, fmt.Errorf("crawl: base URL: %w", err)
	}
	if base.Path == "" || base.Path[len(base.Path)-1] != '/' {
		base.Path += "/" // the site's folder, so relative links resolve inside it
	}
	base.RawQuery, base.Fragment = "", ""
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Site == "" {
		opts.Site = base.Host
	}
	now := opts.Now()
	if opts.To.IsZero() {
		opts.To = now.AddDate(0, 0, 1)
	}
	if opts.From.IsZero() {
		opts.From = opts.To.AddDate(-1, 0, 0)
	}
	r := &run{Crawler: c, opts: opts, ep: Endpoints{Base: base}, log: opts.Logger.With("site", opts.Site)}
	err = r.crawl(ctx)
	return r.stats, err
}

type job struct {
	committee Committee
	ref       MeetingRef
}

func (r *run) crawl(ctx context.Context) error {
	body, err := r.get(ctx, r.ep.Committees(), KindService)
	if err != nil {
		return fmt.Errorf("GetCommittees: %w", err)
	}
	committees, err := ParseCommittees(body)
	if err != nil {
		return fmt.Errorf("GetCommittees %s: %w", r.ep.Committees(), err)
	}
	var jobs []job
	from, to := r.opts.From.Format("2006-01-02"), r.opts.To.Format("2006-01-02")
	for _, cm := range committees {
		if cm.Deleted || (r.opts.Committee != 0 && cm.ID != r.opts.Committee) {
			continue
		}
		r.stats.Committees++
		// Ask for whole months, so the URL (and with it the kept copy and
		// its validators) stays the same from one day's crawl to the next;
		// the exact range is applied below.
		u := r.ep.Meetings(cm.ID, monthStart(r.opts.From), monthStart(r.opts.To).AddDate(0, 1, -1))
		body, err := r.get(ctx, u, KindService)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			r.fail("GetMeetings committee %d: %v", cm.ID, err)
			continue
		}
		refs, err := ParseMeetings(body)
		if err != nil {
			r.fail("GetMeetings %s: %v", u, err)
			continue
		}
		for _, ref := range refs {
			if ref.Date < from || ref.Date > to { // some sites ignore the range
				continue
			}
			if ref.CommitteeID == 0 {
				ref.CommitteeID = cm.ID
			}
			jobs = append(jobs, job{committee: cm, ref: ref})
		}
	}
	if r.opts.Committee != 0 && r.stats.Committees == 0 {
		return fmt.Errorf("committee %d is not listed by %s", r.opts.Committee, r.ep.Committees())
	}
	sort.Slice(jobs, func(i, j int) bool {
		if jobs[i].ref.Date != jobs[j].ref.Date {
			return jobs[i].ref.Date < jobs[j].ref.Date
		}
		return jobs[i].ref.ID < jobs[j].ref.ID
	})
	r.stats.Meetings = len(jobs)
	r.log.Info("crawl listed meetings", "committees", r.stats.Committees, "meetings", len(jobs), "from", from, "to", to)
	revisitFrom := r.opts.Now().Add(-r.opts.Revisit).Format("2006-01-02")
	for i, j := range jobs {
		if err := ctx.Err(); err != nil {
			return err
		}
		id := strconv.Itoa(j.ref.ID)
		prev, seen, err := r.Store.GetCrawlMeeting(ctx, r.opts.Site, id)
		if err != nil {
			return err
		}
		// Finished meetings, and meetings long past that still have no
		// minutes, are not fetched again once out of the revisit window.
		if seen && prev.State != store.CrawlPending && j.ref.Date < revisitFrom {
			r.stats.MeetingsSkipped++
		} else if err := r.meeting(ctx, j); err != nil {
			return err
		}
		if r.opts.Progress != nil {
			r.opts.Progress(i+1, len(jobs))
		}
	}
	r.log.Info("crawl finished", "stats", r.stats.String())
	return nil
}

func (r *run) fail(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	r.stats.Failures = append(r.stats.Failures, msg)
	r.log.Warn("crawl failure", "error", msg)
}

var (
	// hasMinutes: the page carries minutes, not just the agenda.
	hasMinutes = regexp.MustCompile(`(?i)class\s*=\s*"?mgSubItemTitleTxt"?[^>]*>\s*(?:Minutes|Decision)\s*:`)
	// fullTextLink: "... view the full minutes text for item N".
	fullTextLink = regexp.MustCompile(`(?i)href\s*=\s*"(mgAi\.aspx\?ID=\d+)#mgMinutes"`)
)

// meeting brings one meeting into the archive. Only cancellation and
// store errors end the crawl; a meeting that fails stays pending.
func (r *run) meeting(ctx context.Context, j job) error {
	id := strconv.Itoa(j.ref.ID)
	pageURL := r.ep.MinutesPage(j.ref.CommitteeID, j.ref.ID)
	state := store.CrawlMeeting{Site: r.opts.Site, MeetingID: id, Date: j.ref.Date, State: store.CrawlPending, URL: pageURL}
	log := r.log.With("meeting", j.ref.ID, "date", j.ref.Date, "committee", j.committee.Title)
	if err := r.Store.PutCrawlMeeting(ctx, state); err != nil {
		return err
	}
	hash, err := r.minutes(ctx, j, pageURL, log)
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, errNoMinutes):
		r.stats.MeetingsPending++
		log.Info("no minutes published yet")
		state.State = store.CrawlNoMinutes
		return r.Store.PutCrawlMeeting(ctx, state)
	case err != nil:
		r.stats.MeetingsPending++
		r.fail("meeting %d (%s): %v", j.ref.ID, j.ref.Date, err)
		return nil
	}
	state.State, state.MinutesSHA256 = store.CrawlDone, hash
	r.stats.MeetingsDone++
	log.Info("meeting done")
	return r.Store.PutCrawlMeeting(ctx, state)
}

var errNoMinutes = errors.New("no minutes published")

// minutes stores the meeting's minutes: the HTML page with the full text
// of every item it cuts short, else the printed-minutes PDF. It returns
// the hash of the main minutes document.
func (r *run) minutes(ctx context.Context, j job, pageURL string, log *slog.Logger) (string, error) {
	page, err := r.getDoc(ctx, pageURL, KindMeeting)
	switch {
	case err == nil && hasMinutes.Match(page.Body):
		if err := r.save(ctx, page); err != nil {
			return "", err
		}
		seen := map[string]bool{}
		for _, m := range fullTextLink.FindAllSubmatch(page.Body, -1) {
			itemURL, err := Resolve(pageURL, string(m[1]))
			if err != nil {
				return "", err
			}
			if seen[itemURL] {
				continue
			}
			seen[itemURL] = true
			if err := r.item(ctx, itemURL, log); err != nil {
				return "", err
			}
		}
		return page.SHA256, nil
	case err == nil:
		log.Debug("meeting page has no minutes; looking for printed minutes")
	case fetch.IsStatus(err, 403) || fetch.IsStatus(err, 404) || errors.Is(err, fetch.ErrDisallowed):
		// Some councils refuse scrapers on the HTML pages while the web
		// service answers: fall back to what the service links.
		log.Info("meeting page refused; falling back to the web service", "error", err)
	default:
		return "", err
	}
	return r.printed(ctx, j, log)
}

// item stores an item page holding the full text of a cut-short item; the
// store merges it into the item. Robots.txt may forbid item pages: the
// item then stays cut short, which is not a failure of the meeting.
func (r *run) item(ctx context.Context, itemURL string, log *slog.Logger) error {
	doc, err := r.getDoc(ctx, itemURL, KindItem)
	if errors.Is(err, fetch.ErrDisallowed) {
		log.Info("item page disallowed by robots.txt; item stays cut short", "url", itemURL)
		return nil
	}
	if fetch.IsStatus(err, 403) || fetch.IsStatus(err, 404) || fetch.IsStatus(err, 410) {
		// Refused for good (not a passing fault): retrying every crawl
		// would never finish the meeting.
		log.Warn("item page refused; item stays cut short", "url", itemURL, "error", err)
		return nil
	}
	if err != nil {
		return err
	}
	return r.save(ctx, doc)
}

// printed stores the printed-minutes PDF the web service links, with the
// service's committee and date (which a PDF's text may lack).
func (r *run) printed(ctx context.Context, j job, log *slog.Logger) (string, error) {
	body, err := r.get(ctx, r.ep.Meeting(j.ref.ID), KindService)
	if err != nil {
		return "", fmt.Errorf("GetMeeting: %w", err)
	}
	m, err := ParseMeeting(body)
	if err != nil {
		return "", fmt.Errorf("GetMeeting %d: %w", j.ref.ID, err)
	}
	d, ok := m.PrintedMinutes()
	if !ok {
		return "", errNoMinutes
	}
	pdfURL, err := Resolve(r.ep.Meeting(j.ref.ID), d.URL)
	if err != nil {
		return "", err
	}
	doc, err := r.getDoc(ctx, pdfURL, KindPDF)
	if errors.Is(err, fetch.ErrDisallowed) {
		log.Info("printed minutes disallowed by robots.txt", "url", pdfURL)
		return "", errNoMinutes
	}
	if err != nil {
		return "", err
	}
	committee := m.CommitteeTitle
	if committee == "" {
		committee = j.committee.Title
	}
	// Kept with the document, so reparse reads it the same way.
	meta, err := json.Marshal(extract.Meta{Committee: committee, Date: m.Date})
	if err != nil {
		return "", err
	}
	doc.Meta = string(meta)
	if err := r.Store.SetFetchedMeta(ctx, doc.URL, doc.Meta); err != nil {
		return "", err
	}
	log.Info("printed minutes", "url", pdfURL)
	if err := r.save(ctx, doc); err != nil {
		return "", err
	}
	return doc.SHA256, nil
}

// save parses a fetched document and stores its meetings.
func (r *run) save(ctx context.Context, f store.Fetched) error {
	n, err := Ingest(ctx, r.Store, f, r.opts.Registry)
	r.stats.Documents += n
	return err
}

// Ingest parses a kept document (with what the listings said of it) and
// stores its meetings, with the document's URL as source; re-ingesting an
// unchanged document changes nothing. It returns how many meetings it
// saved.
func Ingest(ctx context.Context, st *store.Store, f store.Fetched, reg *councils.Registry) (int, error) {
	var meta *extract.Meta
	if f.Meta != "" {
		var err error
		if meta, err = extract.DecodeMeta(f.URL+" (listing)", []byte(f.Meta)); err != nil {
			return 0, err
		}
	}
	ms, err := extract.BytesAll(ctx, f.URL, f.Body, meta, extract.Options{SourceURL: f.URL, ContentType: f.ContentType, Registry: reg})
	if err != nil {
		return 0, err
	}
	var srcs []store.Source
	for i := range ms {
		src := store.Source{Location: f.URL, SourceURL: f.URL, SHA256: f.SHA256, FetchedAt: f.FetchedAt}
		if len(ms) > 1 {
			src.Location = fmt.Sprintf("%s#%d", f.URL, i+1)
		}
		srcs = append(srcs, src)
	}
	if _, err := st.SaveBatch(ctx, ms, srcs); err != nil {
		return 0, err
	}
	return len(ms), nil
}

// get fetches a document (see getDoc) and returns its body.
func (r *run) get(ctx context.Context, u, kind string) ([]byte, error) {
	f, err := r.getDoc(ctx, u, kind)
	return f.Body, err
}

// getDoc fetches u conditionally against the kept copy: a 304 returns the
// kept copy; a new body is kept (compressed) before it is used, so a
// killed crawl never has to download it again.
func (r *run) getDoc(ctx context.Context, u, kind string) (store.Fetched, error) {
	prev, have, err := r.Store.GetFetched(ctx, u)
	if err != nil {
		return store.Fetched{}, err
	}
	var v fetch.Validators
	if have {
		v = fetch.Validators{ETag: prev.ETag, LastModified: prev.LastModified}
	}
	resp, err := r.Fetch.Get(ctx, u, v)
	if err != nil {
		return store.Fetched{}, err
	}
	if resp.NotModified && have {
		r.stats.NotModified++
		return prev, r.Store.TouchFetched(ctx, u, resp.FetchedAt)
	}
	if resp.NotModified { // a 304 we did not ask for
		return store.Fetched{}, fmt.Errorf("GET %s: 304 without a kept copy", u)
	}
	r.stats.Fetched++
	sum := sha256.Sum256(resp.Body)
	f := store.Fetched{URL: u, Site: r.opts.Site, Kind: kind, ETag: resp.Validators.ETag,
		LastModified: resp.Validators.LastModified, SHA256: hex.EncodeToString(sum[:]), Status: resp.Status,
		ContentType: resp.ContentType, FetchedAt: resp.FetchedAt, Body: resp.Body}
	if have && prev.SHA256 == f.SHA256 {
		f.FetchedAt = prev.FetchedAt // same bytes: keep when they were first seen
	}
	return f, r.Store.PutFetched(ctx, f)
}

// SiteKey names a site in the crawl state: the council's slug when the
// registry knows the host, else the host.
func SiteKey(baseURL string, reg *councils.Registry) string {
	if reg == nil {
		reg = councils.Default()
	}
	if c, ok := reg.ByURL(baseURL); ok {
		return c.Slug
	}
	if u, err := url.Parse(baseURL); err == nil && u.Host != "" {
		return u.Host
	}
	return baseURL
}

func monthStart(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}
