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

func TestDatabaseTarget(t *testing.T) {
	tests := []struct {
		env, flag, want string
		valid           bool
	}{
		{want: "/d/minutebook.db", valid: true},
		{env: "postgres://pg/mb", want: "postgres://pg/mb", valid: true},
		{env: "postgres://pg/mb", flag: "postgresql://other/mb", want: "postgresql://other/mb", valid: true},
		{flag: "mysql://x/mb", want: "mysql://x/mb", valid: false},
	}
	for _, tt := range tests {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		c := register(fs, func(k string) string {
			if k == "MINUTEBOOK_DATABASE_URL" {
				return tt.env
			}
			return ""
		})
		args := []string{"--data", "/d"}
		if tt.flag != "" {
			args = append(args, "--database-url", tt.flag)
		}
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		if got := c.Database(); got != tt.want {
			t.Errorf("env %q flag %q: Database() = %q, want %q", tt.env, tt.flag, got, tt.want)
		}
		if err := c.Validate(); (err == nil) != tt.valid {
			t.Errorf("env %q flag %q: Validate() = %v, want valid %v", tt.env, tt.flag, err, tt.valid)
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
