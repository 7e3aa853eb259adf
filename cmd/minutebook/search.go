package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/minutebook/minutebook/internal/config"
	"github.com/minutebook/minutebook/internal/query"
	"github.com/minutebook/minutebook/internal/search"
	"github.com/minutebook/minutebook/internal/store"
)

func init() {
	register(command{name: "search", summary: "search the archive from the command line", run: runSearch})
	register(command{name: "reindex", summary: "rebuild the search index from the archive database", run: runReindex})
}

// openIndex opens the archive and its index, caught up with the database.
func openIndex(ctx context.Context, cfg *config.Config) (*store.Store, *search.Index, error) {
	st, err := store.Open(ctx, cfg.Database())
	if err != nil {
		return nil, nil, err
	}
	ix, err := search.Open(ctx, cfg.IndexDir(), search.Options{})
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	if err := ix.CatchUp(ctx, st); err != nil {
		ix.Close()
		st.Close()
		return nil, nil, err
	}
	return st, ix, nil
}

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func runSearch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("search", stderr)
	cfg := config.Register(fs)
	var req search.Request
	var councils, committees, topics listFlag
	fs.Var(&councils, "council", "only this council `slug` (repeatable)")
	fs.Var(&committees, "committee", "only this committee `slug` (repeatable)")
	fs.Var(&topics, "topic", "only this topic `slug` (repeatable)")
	fs.StringVar(&req.From, "from", "", "from `date` (YYYY-MM-DD)")
	fs.StringVar(&req.To, "to", "", "to `date` (YYYY-MM-DD)")
	fs.StringVar(&req.Sort, "sort", "relevance", "relevance, newest or oldest")
	fs.IntVar(&req.Page, "page", 1, "result page")
	fs.IntVar(&req.PerPage, "n", 10, "results per page")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	req.Query = strings.Join(fs.Args(), " ")
	req.Councils, req.Committees, req.Topics = councils, committees, topics
	req.Facets, req.Highlight = true, true
	st, ix, err := openIndex(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	defer ix.Close()
	res, err := ix.Search(ctx, req)
	var se *query.SyntaxError
	if errors.As(err, &se) {
		fmt.Fprintln(stderr, se.Msg)
		return errUsage
	}
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	fmt.Fprintf(stdout, "%d results (%s)\n\n", res.Total, res.Took.Round(1000))
	for _, h := range res.Hits {
		title := h.Title
		if title == "" {
			title = "(untitled item)"
		}
		fmt.Fprintf(stdout, "%s  %s — %s, %s\n  %s\n", h.Date, title, h.CommitteeName, h.CouncilName, h.Path)
		if h.SnippetHTML != "" {
			fmt.Fprintf(stdout, "  %s\n", plainSnippet(h.SnippetHTML))
		}
		fmt.Fprintln(stdout)
	}
	return nil
}

// plainSnippet shows marks as **bold** on a terminal.
func plainSnippet(s string) string {
	s = strings.NewReplacer("<mark>", "**", "</mark>", "**").Replace(s)
	return strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'").Replace(s)
}

func runReindex(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("reindex", stderr)
	cfg := config.Register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	st, err := store.Open(ctx, cfg.Database())
	if err != nil {
		return err
	}
	defer st.Close()
	ix, err := search.Open(ctx, cfg.IndexDir(), search.Options{})
	if err != nil {
		return err
	}
	defer ix.Close()
	if err := ix.Rebuild(ctx, st); err != nil {
		return err
	}
	n, _ := ix.DocCount()
	fmt.Fprintf(stdout, "indexed %d items up to change %d\n", n, ix.AppliedSeq())
	return nil
}
