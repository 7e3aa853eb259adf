package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Selectors are CSS (chromedp.CSS): a plain string is a DOM text search,
// which also matches words in the minutes.
//
// Browser tests drive Debian's Chromium against a real server over the
// sample archive. Without Chromium they skip locally; with CI=true they
// must run (.ci/run installs chromium and axe-core).

func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("CI must install chromium for the browser tests")
	}
	t.Skip("Chromium is not installed: skipping browser tests (apt-get install chromium)")
	return ""
}

// axeSource finds axe-core's axe.min.js: $MINUTEBOOK_AXE, or the npm
// cache folder .ci/run installs into.
func axeSource(t *testing.T) string {
	t.Helper()
	candidates := []string{os.Getenv("MINUTEBOOK_AXE"), "../../.cache/npm/node_modules/axe-core/axe.min.js"}
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if b, err := os.ReadFile(c); err == nil {
			return string(b)
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("CI must install axe-core (npm install --prefix .cache/npm axe-core)")
	}
	return ""
}

func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("user-data-dir", t.TempDir()),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	// The first action starts the browser, which lives as long as the
	// context of that call: it must be this long-lived one.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return ctx
}

func run(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(tctx, steps...); err != nil {
		t.Fatal(err)
	}
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

// TestJourney: a person opens the home page, searches EHE, filters to one
// council, opens a result, copies its link, opens it fresh and sees the
// same item.
func TestJourney(t *testing.T) {
	ctx := newBrowser(t)
	ts, _ := newTestServer(t)
	run(t, ctx,
		chromedp.Navigate(ts.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS("#q-main")),
		chromedp.SendKeys(chromedp.CSS("#q-main"), "EHE"),
		chromedp.Submit(chromedp.CSS("#q-main")),
		chromedp.WaitVisible(chromedp.CSS("ol.results h3 a")),
	)
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.Contains(loc, "/search?q=EHE") {
		t.Fatalf("search URL %s", loc)
	}
	// Filter to one council with its facet link.
	run(t, ctx,
		chromedp.Click(chromedp.CSS(`aside a[href*="council=leicestershire"]`)),
		chromedp.WaitVisible(chromedp.CSS(`aside a[aria-current="true"]`)),
	)
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	if !strings.Contains(loc, "council=leicestershire") {
		t.Fatalf("filtered URL %s", loc)
	}
	title, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("ol.results li:first-child h3 a")))
	run(t, ctx, chromedp.Click(chromedp.CSS("ol.results li:first-child h3 a")), chromedp.WaitVisible(chromedp.CSS("#item-title")))
	itemURL, _ := chromedp.Run(ctx, chromedp.Location())
	if !strings.Contains(itemURL, "/leicestershire/") {
		t.Fatalf("result opened %s", itemURL)
	}
	h1, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#item-title")))
	if strings.TrimSpace(h1) != strings.TrimSpace(title) {
		t.Errorf("item page %q, result was %q", h1, title)
	}
	// Copy the link: capture what the button writes to the clipboard
	// (headless Chromium has no clipboard to read back).
	eval[bool](t, ctx, `window.__copied = ""; navigator.clipboard.writeText = (s) => { window.__copied = s; return Promise.resolve(); }; true`)
	run(t, ctx, chromedp.Click(chromedp.CSS("button[data-copy]")), chromedp.Sleep(200*time.Millisecond))
	copied := eval[string](t, ctx, `window.__copied`)
	button, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("button[data-copy]")))
	if copied != itemURL || !strings.Contains(button, "copied") {
		t.Fatalf("copied %q (button %q), want %s", copied, button, itemURL)
	}
	// Open the copied link in a fresh tab: the same item.
	fresh, cancel := chromedp.NewContext(ctx)
	defer cancel()
	if err := chromedp.Do(fresh); err != nil { // opens the tab for the test's lifetime
		t.Fatal(err)
	}
	run(t, fresh, chromedp.Navigate(copied), chromedp.WaitVisible(chromedp.CSS("#item-title")))
	again, _ := chromedp.Run(fresh, chromedp.Text(chromedp.CSS("#item-title")))
	canonical := eval[string](t, fresh, `document.querySelector('link[rel=canonical]').href`)
	if again != h1 || !strings.HasSuffix(canonical, strings.TrimPrefix(copied, ts.URL)) {
		t.Errorf("fresh open shows %q (canonical %s), want %q", again, canonical, h1)
	}
}

// TestPagesAccessibleAndScreenshots checks every page type with axe-core
// (no serious or critical violation) and writes phone and desktop
// screenshots to testdata/screenshots.
func TestPagesAccessibleAndScreenshots(t *testing.T) {
	ctx := newBrowser(t)
	ts, _ := newTestServer(t)
	axe := axeSource(t)
	shots := filepath.Join("..", "..", "testdata", "screenshots")
	os.MkdirAll(shots, 0o755)
	pages := map[string]string{
		"home":      "/",
		"search":    "/search?q=EHE",
		"empty":     "/search?q=zzzzqq",
		"councils":  "/councils",
		"council":   "/leicestershire",
		"committee": "/leicestershire/children-and-families-overview-and-scrutiny-committee",
		"meeting":   meeting2022,
		"item":      sendItem,
		"truncated": meeting2022 + "/10-quarter-1-2022-23-performance-report",
		"topics":    "/topics",
		"topic":     "/topics/send",
		"notfound":  "/no/such/page/here/at/all",
	}
	for name, path := range pages {
		t.Run(name, func(t *testing.T) {
			for _, vp := range []struct {
				name string
				w, h int64
			}{{"phone", 390, 844}, {"desktop", 1280, 900}} {
				var png []byte
				run(t, ctx, chromedp.EmulateViewport(vp.w, vp.h), chromedp.Navigate(ts.URL+path), chromedp.WaitVisible(chromedp.CSS("main")),
					chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
						var err error
						png, err = chromedp.Run(ctx, chromedp.CaptureScreenshot())
						return err
					}))
				if err := os.WriteFile(filepath.Join(shots, fmt.Sprintf("%s-%s.png", name, vp.name)), png, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if name == "topic" {
				if n := eval[int](t, ctx, `document.querySelectorAll("svg.chart rect").length`); n == 0 {
					t.Error("topic page has no chart bars")
				}
			}
			if axe == "" {
				t.Log("axe-core not found: accessibility check skipped (set MINUTEBOOK_AXE)")
				return
			}
			eval[bool](t, ctx, axe+"\n;true")
			raw := eval[string](t, ctx, `axe.run(document, {resultTypes: ["violations"]}).then(r => JSON.stringify(r.violations.filter(v => v.impact === "serious" || v.impact === "critical").map(v => ({id: v.id, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}))))`)
			var violations []map[string]any
			json.Unmarshal([]byte(raw), &violations)
			for _, v := range violations {
				t.Errorf("%s: axe %v: %v on %v", path, v["id"], v["help"], v["nodes"])
			}
		})
	}
}
