// Package config holds Minutebook's settings: one struct, defaults, flags
// and MINUTEBOOK_* environment variables (flags win), and validation.
package config

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config is every setting a command may use.
type Config struct {
	DataDir     string        // MINUTEBOOK_DATA: archive database and index live here
	Addr        string        // MINUTEBOOK_ADDR: where serve listens
	BaseURL     string        // MINUTEBOOK_BASE_URL: public URL for canonical links and feeds
	LoadSample  bool          // MINUTEBOOK_SAMPLE: load the sample minutes into an empty archive
	LogLevel    string        // MINUTEBOOK_LOG_LEVEL: debug, info, warn, error
	PollEvery   time.Duration // MINUTEBOOK_POLL: how often the index checks the database for changes
	SearchLimit time.Duration // MINUTEBOOK_SEARCH_TIMEOUT: per-request search deadline
	DatabaseURL string        // MINUTEBOOK_DATABASE_URL: postgres://… shared archive; "" = SQLite in DataDir

	// Serving under load (serve only).
	RateLimit    int           // MINUTEBOOK_RATE_LIMIT: /search and /api/ requests per client per minute (0: off)
	TrustedProxy string        // MINUTEBOOK_TRUSTED_PROXY: comma-separated CIDRs whose X-Forwarded-For is believed
	MaxSearches  int           // MINUTEBOOK_MAX_SEARCHES: searches run at once (0: 2 per CPU)
	SearchQueue  time.Duration // MINUTEBOOK_SEARCH_QUEUE: how long a search waits for a slot before 503
	LogFormat    string        // MINUTEBOOK_LOG_FORMAT: text or json
	SearchCache  int           // MINUTEBOOK_SEARCH_CACHE: recent results kept until the index changes (0: none)
}

// Register defines the shared flags on fs, with defaults taken from the
// environment, and returns the Config they fill.
func Register(fs *flag.FlagSet) *Config {
	return register(fs, os.Getenv)
}

func register(fs *flag.FlagSet, env func(string) string) *Config {
	c := &Config{}
	str := func(name, fallback string) string {
		if v := env(name); v != "" {
			return v
		}
		return fallback
	}
	boolean := func(name string, fallback bool) bool {
		if v, err := strconv.ParseBool(env(name)); err == nil {
			return v
		}
		return fallback
	}
	dur := func(name string, fallback time.Duration) time.Duration {
		if v, err := time.ParseDuration(env(name)); err == nil {
			return v
		}
		return fallback
	}
	fs.StringVar(&c.DataDir, "data", str("MINUTEBOOK_DATA", "./data"), "data `dir`ectory for the archive database and search index (MINUTEBOOK_DATA)")
	fs.StringVar(&c.Addr, "addr", str("MINUTEBOOK_ADDR", "localhost:8080"), "listen `address` for serve (MINUTEBOOK_ADDR)")
	fs.StringVar(&c.BaseURL, "base-url", str("MINUTEBOOK_BASE_URL", ""), "public `URL` of the site, for canonical links and feeds (MINUTEBOOK_BASE_URL; default http://ADDR)")
	fs.BoolVar(&c.LoadSample, "sample", boolean("MINUTEBOOK_SAMPLE", true), "load the sample minutes into an empty archive (MINUTEBOOK_SAMPLE)")
	fs.StringVar(&c.LogLevel, "log-level", str("MINUTEBOOK_LOG_LEVEL", "info"), "log `level`: debug, info, warn, error (MINUTEBOOK_LOG_LEVEL)")
	fs.DurationVar(&c.PollEvery, "poll", dur("MINUTEBOOK_POLL", 2*time.Second), "how often the index follows database changes (MINUTEBOOK_POLL)")
	fs.DurationVar(&c.SearchLimit, "search-timeout", dur("MINUTEBOOK_SEARCH_TIMEOUT", 5*time.Second), "deadline for one search (MINUTEBOOK_SEARCH_TIMEOUT)")
	fs.StringVar(&c.DatabaseURL, "database-url", str("MINUTEBOOK_DATABASE_URL", ""), "PostgreSQL `URL` (postgres://…) of a shared archive; default: SQLite in the data directory (MINUTEBOOK_DATABASE_URL)")
	integer := func(name string, fallback int) int {
		if v, err := strconv.Atoi(env(name)); err == nil {
			return v
		}
		return fallback
	}
	fs.IntVar(&c.RateLimit, "rate-limit", integer("MINUTEBOOK_RATE_LIMIT", 120), "search and API `requests` per client per minute, 0 for no limit (MINUTEBOOK_RATE_LIMIT)")
	fs.StringVar(&c.TrustedProxy, "trusted-proxy", str("MINUTEBOOK_TRUSTED_PROXY", ""), "comma-separated `CIDRs` of reverse proxies whose X-Forwarded-For names the client (MINUTEBOOK_TRUSTED_PROXY; default: trust none)")
	fs.IntVar(&c.MaxSearches, "max-searches", integer("MINUTEBOOK_MAX_SEARCHES", 0), "`searches` run at once, the rest queue (MINUTEBOOK_MAX_SEARCHES; default 2 per CPU)")
	fs.DurationVar(&c.SearchQueue, "search-queue", dur("MINUTEBOOK_SEARCH_QUEUE", 3*time.Second), "how long a search waits for a free slot before the answer is 503 busy (MINUTEBOOK_SEARCH_QUEUE)")
	fs.IntVar(&c.SearchCache, "search-cache", integer("MINUTEBOOK_SEARCH_CACHE", 1024), "recent search `results` kept until the index changes, 0 for none (MINUTEBOOK_SEARCH_CACHE)")
	fs.StringVar(&c.LogFormat, "log-format", str("MINUTEBOOK_LOG_FORMAT", "text"), "log `format`: text or json (MINUTEBOOK_LOG_FORMAT)")
	return c
}

// TrustedProxies is --trusted-proxy split into CIDRs.
func (c *Config) TrustedProxies() []string {
	var out []string
	for _, p := range strings.Split(c.TrustedProxy, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Validate checks the settings, naming the flag at fault.
func (c *Config) Validate() error {
	var errs []error
	if c.DataDir == "" {
		errs = append(errs, errors.New("--data: empty"))
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(c.LogLevel)); err != nil {
		errs = append(errs, fmt.Errorf("--log-level: %q is not debug, info, warn or error", c.LogLevel))
	}
	if c.PollEvery <= 0 {
		errs = append(errs, errors.New("--poll: must be positive"))
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		errs = append(errs, errors.New("--database-url: must start with postgres:// (leave it empty for SQLite in --data)"))
	}
	if c.SearchLimit <= 0 {
		errs = append(errs, errors.New("--search-timeout: must be positive"))
	}
	if c.RateLimit < 0 {
		errs = append(errs, errors.New("--rate-limit: must be 0 (off) or positive"))
	}
	for _, p := range c.TrustedProxies() {
		if _, err := netip.ParsePrefix(p); err != nil {
			errs = append(errs, fmt.Errorf("--trusted-proxy: %q is not a CIDR such as 127.0.0.1/32 or 10.0.0.0/8", p))
		}
	}
	if c.SearchCache < 0 {
		errs = append(errs, errors.New("--search-cache: must be 0 (no cache) or positive"))
	}
	if c.MaxSearches < 0 {
		errs = append(errs, errors.New("--max-searches: must be 0 (2 per CPU) or positive"))
	}
	if c.SearchQueue < 0 {
		errs = append(errs, errors.New("--search-queue: must not be negative"))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("--log-format: %q is not text or json", c.LogFormat))
	}
	return errors.Join(errs...)
}

// Level is the configured log level.
func (c *Config) Level() slog.Level {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(c.LogLevel))
	return lvl
}

// DBPath is the SQLite archive file.
func (c *Config) DBPath() string { return filepath.Join(c.DataDir, "minutebook.db") }

// Database is what store.Open takes: the PostgreSQL URL when one is set,
// else the SQLite file in the data directory.
func (c *Config) Database() string {
	if c.DatabaseURL != "" {
		return c.DatabaseURL
	}
	return c.DBPath()
}

// IndexDir is the Bleve index folder.
func (c *Config) IndexDir() string { return filepath.Join(c.DataDir, "index") }

// LogValue makes a Config print as one structured log record.
func (c *Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("data", c.DataDir), slog.String("addr", c.Addr), slog.String("base_url", c.BaseURL),
		slog.Bool("sample", c.LoadSample), slog.Bool("postgres", c.DatabaseURL != ""), slog.String("log_level", c.LogLevel),
		slog.Duration("poll", c.PollEvery), slog.Duration("search_timeout", c.SearchLimit),
		slog.Int("rate_limit", c.RateLimit), slog.String("trusted_proxy", c.TrustedProxy),
		slog.Int("max_searches", c.MaxSearches), slog.Duration("search_queue", c.SearchQueue))
}
