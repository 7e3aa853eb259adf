package config

import (
	"flag"
	"strings"
	"testing"
	"time"
)

func TestEnvAndFlags(t *testing.T) {
	env := map[string]string{"MINUTEBOOK_DATA": "/srv/mb", "MINUTEBOOK_SAMPLE": "false", "MINUTEBOOK_POLL": "5s"}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	c := register(fs, func(k string) string { return env[k] })
	if err := fs.Parse([]string{"--addr", ":9000"}); err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "/srv/mb" || c.LoadSample || c.PollEvery != 5*time.Second || c.Addr != ":9000" {
		t.Errorf("config %+v", c)
	}
	if c.DBPath() != "/srv/mb/minutebook.db" || c.IndexDir() != "/srv/mb/index" {
		t.Errorf("paths %s %s", c.DBPath(), c.IndexDir())
	}
	fs2 := flag.NewFlagSet("t", flag.ContinueOnError)
	d := register(fs2, func(string) string { return "" })
	fs2.Parse([]string{"--data", "/x"}) // flags win over env
	if d.DataDir != "/x" || d.Addr != "localhost:8080" || !d.LoadSample {
		t.Errorf("defaults %+v", d)
	}
}

func TestValidate(t *testing.T) {
	c := &Config{DataDir: "", LogLevel: "loud", PollEvery: 0, SearchLimit: time.Second}
	err := c.Validate()
	for _, want := range []string{"--data", "--log-level", "--poll"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v, want mention of %s", err, want)
		}
	}
}

func TestServingLimits(t *testing.T) {
	env := map[string]string{"MINUTEBOOK_RATE_LIMIT": "600", "MINUTEBOOK_TRUSTED_PROXY": "127.0.0.1/32, 10.0.0.0/8", "MINUTEBOOK_SEARCH_QUEUE": "1s"}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	c := register(fs, func(k string) string { return env[k] })
	if err := fs.Parse([]string{"--max-searches", "3"}); err != nil {
		t.Fatal(err)
	}
	if c.RateLimit != 600 || c.MaxSearches != 3 || c.SearchQueue != time.Second || strings.Join(c.TrustedProxies(), " ") != "127.0.0.1/32 10.0.0.0/8" {
		t.Errorf("config %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Validate() = %v", err)
	}
	c.TrustedProxy, c.RateLimit, c.LogFormat = "localhost", -1, "xml"
	err := c.Validate()
	for _, want := range []string{`--trusted-proxy: "localhost"`, "--rate-limit", "--log-format"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v, want mention of %s", err, want)
		}
	}
}
