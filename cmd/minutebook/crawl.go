package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/minutebook/minutebook/internal/archive"
	"github.com/minutebook/minutebook/internal/config"
	"github.com/minutebook/minutebook/internal/fetch"
	"github.com/minutebook/minutebook/internal/moderngov"
	"github.com/minutebook/minutebook/internal/store"
)

func init() {
	register(command{name: "crawl", summary: "fetch a ModernGov site's minutes into the archive (BASE_URL)", run: runCrawl})
}

// politeFlags are the fetch settings shared by crawl and worker.
type politeFlags struct {
	rate    float64
	timeout time.Duration
	maxBody int64
	retries int
}

func addPoliteFlags(fs *flag.FlagSet) *politeFlags {
	p := &politeFlags{}
	fs.Float64Var(&p.rate, "rate", 1, "at most this many `requests` per second to one site")
	fs.DurationVar(&p.timeout, "timeout", 30*time.Second, "give up one request after this long (it is retried)")
	fs.Int64Var(&p.maxBody, "max-body", 32<<20, "refuse documents larger than this many `bytes`")
	fs.IntVar(&p.retries, "retries", 4, "retries of a request that failed for a passing reason (network, 429, 5xx)")
	return p
}

func (p *politeFlags) validate() error {
	switch {
	case p.rate <= 0:
		return fmt.Errorf("--rate: must be positive")
	case p.timeout <= 0:
		return fmt.Errorf("--timeout: must be positive")
	case p.maxBody <= 0:
		return fmt.Errorf("--max-body: must be positive")
	case p.retries < 0:
		return fmt.Errorf("--retries: must not be negative")
	}
	return nil
}

func (p *politeFlags) client(log *slog.Logger) *fetch.Client {
	retries := p.retries
	if retries == 0 {
		retries = -1 // fetch.Options: 0 means the default
	}
	return fetch.New(fetch.Options{Rate: p.rate, Timeout: p.timeout, MaxBody: p.maxBody, Retries: retries, Logger: log})
}

// days is a duration flag that also takes whole days ("60d").
type days struct{ d *time.Duration }

func (v days) String() string {
	if v.d == nil {
		return ""
	}
	if *v.d%(24*time.Hour) == 0 {
		return strconv.Itoa(int(*v.d/(24*time.Hour))) + "d"
	}
	return v.d.String()
}

func (v days) Set(s string) error {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		i, err := strconv.Atoi(n)
		if err != nil || i < 0 {
			return fmt.Errorf("%q is not a number of days", s)
		}
		*v.d = time.Duration(i) * 24 * time.Hour
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return fmt.Errorf("%q is not a duration like 60d or 12h", s)
	}
	*v.d = d
	return nil
}

func daysFlag(fs *flag.FlagSet, name string, def time.Duration, usage string) *time.Duration {
	d := def
	fs.Var(days{&d}, name, usage)
	return &d
}

func parseDay(flagName, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--%s: %q is not a YYYY-MM-DD date", flagName, s)
	}
	return t, nil
}

func runCrawl(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("crawl", stderr)
	cfg := config.Register(fs)
	polite := addPoliteFlags(fs)
	from := fs.String("from", "", "first meeting `date` (YYYY-MM-DD; default a year before --to)")
	to := fs.String("to", "", "last meeting `date` (YYYY-MM-DD; default tomorrow)")
	committee := fs.Int("committee", 0, "crawl only this committee `ID` (as the site numbers it)")
	revisit := daysFlag(fs, "revisit", 60*24*time.Hour, "fetch finished meetings this recent again, for late minutes (e.g. 60d)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: minutebook crawl [flags] BASE_URL\n\nBASE_URL is the ModernGov site, e.g. https://democracy.leics.gov.uk/")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	base := fs.Arg(0)
	fromT, err1 := parseDay("from", *from)
	toT, err2 := parseDay("to", *to)
	_, err3 := fetch.CheckURL(base)
	for _, err := range []error{cfg.Validate(), polite.validate(), err1, err2, err3} {
		if err != nil {
			fmt.Fprintln(stderr, "minutebook crawl:", err)
			return errUsage
		}
	}
	if !toT.IsZero() && !fromT.IsZero() && fromT.After(toT) {
		fmt.Fprintln(stderr, "minutebook crawl: --from is after --to")
		return errUsage
	}
	st, err := store.Open(ctx, cfg.Database())
	if err != nil {
		return err
	}
	defer st.Close()
	log := newLogger(stderr, cfg)
	key := moderngov.SiteKey(base, nil)
	// A followed site may be in a worker's hands: take its lease too, so
	// the two never crawl it at once.
	lease, err := leaseIfFollowed(ctx, st, key)
	if err != nil {
		return err
	}
	defer lease.release()
	c := &moderngov.Crawler{Store: st, Fetch: polite.client(log)}
	stats, err := c.Crawl(ctx, moderngov.Options{
		Site: key, BaseURL: base, From: fromT, To: toT, Committee: *committee,
		Revisit: *revisit, Logger: log,
		Progress: func(done, total int) {
			log.Info("crawl progress", "meetings_done", done, "meetings_total", total)
			lease.extend(ctx)
		},
	})
	fmt.Fprintln(stdout, stats)
	for _, f := range stats.Failures {
		fmt.Fprintln(stderr, "failed:", f)
	}
	if err != nil {
		return err // interrupted: what was finished is kept; run again to resume
	}
	if len(stats.Failures) > 0 {
		return errSilent
	}
	return nil
}

const crawlLease = 10 * time.Minute

// leaseIfFollowed claims the lease of a followed site for this command,
// renewing it as the crawl goes; the returned func gives it back.
func leaseIfFollowed(ctx context.Context, st *store.Store, slug string) (siteLease, error) {
	if _, err := st.GetSite(ctx, slug); err != nil {
		if errors.Is(err, archive.ErrNotFound) {
			return siteLease{}, nil // not followed: nothing to coordinate with
		}
		return siteLease{}, err
	}
	host, _ := os.Hostname()
	owner := fmt.Sprintf("crawl@%s:%d", host, os.Getpid())
	now := time.Now()
	ok, err := st.ClaimSite(ctx, slug, owner, now, now.Add(crawlLease))
	if err != nil {
		return siteLease{}, err
	}
	if !ok {
		return siteLease{}, fmt.Errorf("%s is being crawled by a worker now (see minutebook sources list)", slug)
	}
	return siteLease{st: st, slug: slug, owner: owner}, nil
}

type siteLease struct {
	st          *store.Store
	slug, owner string
}

func (l siteLease) extend(ctx context.Context) {
	if l.st != nil {
		l.st.ExtendLease(ctx, l.slug, l.owner, time.Now().Add(crawlLease))
	}
}

// release gives the lease back without touching the worker's schedule.
func (l siteLease) release() {
	if l.st != nil {
		l.st.ReleaseSite(context.Background(), l.slug, l.owner)
	}
}
