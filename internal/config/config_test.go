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
