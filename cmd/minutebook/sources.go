package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/minutebook/minutebook/internal/config"
	"github.com/minutebook/minutebook/internal/councils"
	"github.com/minutebook/minutebook/internal/fetch"
	"github.com/minutebook/minutebook/internal/moderngov"
	"github.com/minutebook/minutebook/internal/store"
)

func init() {
	register(command{name: "sources", summary: "the sites the worker follows: add SLUG|URL, list, remove SLUG", run: runSources})
}

func runSources(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("sources", stderr)
	cfg := config.Register(fs)
	every := daysFlag(fs, "every", 24*time.Hour, "crawl an added site this often (e.g. 1d, 12h)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: minutebook sources add SLUG|BASE_URL [--every 1d]\n       minutebook sources list\n       minutebook sources remove SLUG\n\nA SLUG is a council in the registry, e.g. leicestershire.")
		fs.PrintDefaults()
	}
	// Flags may come before or after the verb and its operand.
	var rest []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(rest) == 0 {
		fs.Usage()
		return errUsage
	}
	verb, operands := rest[0], rest[1:]
	want := map[string]int{"add": 1, "list": 0, "remove": 1}
	n, known := want[verb]
	if !known || len(operands) != n {
		fs.Usage()
		return errUsage
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintln(stderr, err)
		return errUsage
	}
	if *every <= 0 {
		fmt.Fprintln(stderr, "--every: must be positive")
		return errUsage
	}
	var site store.Site
	if verb == "add" {
		var err error
		if site, err = siteFor(operands[0], councils.Default()); err != nil {
			fmt.Fprintln(stderr, "minutebook sources add:", err)
			return errUsage
		}
		site.Every = *every
	}
	st, err := store.Open(ctx, cfg.Database())
	if err != nil {
		return err
	}
	defer st.Close()
	switch verb {
	case "add":
		added, err := st.AddSite(ctx, site)
		if err != nil {
			return err
		}
		if !added {
			return fmt.Errorf("%s (%s) is already followed", site.Slug, site.BaseURL)
		}
		fmt.Fprintf(stdout, "following %s at %s, every %s\n", site.Slug, site.BaseURL, days{&site.Every})
	case "remove":
		removed, err := st.RemoveSite(ctx, operands[0])
		if err != nil {
			return err
		}
		if !removed {
			return fmt.Errorf("%s is not followed (see minutebook sources list)", operands[0])
		}
		fmt.Fprintf(stdout, "no longer following %s; what was fetched from it stays in the archive\n", operands[0])
	case "list":
		sites, err := st.Sites(ctx)
		if err != nil {
			return err
		}
		listSites(stdout, sites, time.Now())
	}
	return nil
}

// siteFor turns a registry slug or a site URL into a site to follow.
func siteFor(arg string, reg *councils.Registry) (store.Site, error) {
	if strings.Contains(arg, "://") {
		if _, err := fetch.CheckURL(arg); err != nil {
			return store.Site{}, err
		}
		s := store.Site{Slug: moderngov.SiteKey(arg, reg), BaseURL: arg}
		if c, ok := reg.ByURL(arg); ok {
			s.CouncilSlug = c.Slug
		}
		return s, nil
	}
	c, ok := reg.BySlug(arg)
	if !ok {
		return store.Site{}, fmt.Errorf("%q is not a council slug in the registry (nor a URL)", arg)
	}
	if c.BaseURL == "" {
		return store.Site{}, fmt.Errorf("%s: the registry knows no committee-papers site; add it by URL", c.Slug)
	}
	if c.CMS != "moderngov" {
		return store.Site{}, fmt.Errorf("%s: %s publishes with %q, not ModernGov, which is all Minutebook crawls", c.Slug, c.BaseURL, c.CMS)
	}
	return store.Site{Slug: c.Slug, BaseURL: c.BaseURL, CouncilSlug: c.Slug}, nil
}

func listSites(w io.Writer, sites []store.Site, now time.Time) {
	if len(sites) == 0 {
		fmt.Fprintln(w, "no sites followed; add one with: minutebook sources add SLUG|BASE_URL")
		return
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SLUG\tBASE URL\tEVERY\tNEXT CRAWL\tLAST OK\tFAILURES\tSTATE")
	for _, s := range sites {
		state := "idle"
		if s.LeaseOwner != "" && s.LeaseUntil.After(now) {
			state = "crawling (" + s.LeaseOwner + ")"
		}
		if s.LastError != "" {
			state += ": " + oneLine(s.LastError, 100)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", s.Slug, s.BaseURL, days{&s.Every},
			when(s.NextCrawlAt), when(s.LastOKAt), s.Attempts, state)
	}
	tw.Flush()
}

func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04Z")
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}
