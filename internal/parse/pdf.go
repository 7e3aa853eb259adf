package parse

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"time"

	"github.com/minutebook/minutebook/internal/archive"
)

// pdf: printed minutes published as PDF. The text is extracted with
// poppler's pdftotext in layout mode (pure-Go PDF libraries lose the
// column layout of printed minutes and mangle ligatures), then read by the
// text formats.

func init() {
	Register(Format{Name: "pdf", Sniff: sniffPDF, Parse: parsePDF})
}

// PDFToText is the extractor program; a variable so tests can point it
// elsewhere.
var PDFToText = "pdftotext"

// ErrNoPDFToText says the PDF extractor is not installed.
var ErrNoPDFToText = errors.New("pdftotext (from poppler-utils) is not installed; install it to read PDF minutes, e.g. apt-get install poppler-utils")

// IsPDF reports whether body is a PDF document.
func IsPDF(body []byte) bool {
	head := body[:min(len(body), 1024)]
	return bytes.Contains(head, []byte("%PDF-"))
}

func sniffPDF(in Input, _ string) int {
	if IsPDF(in.Body) {
		return 100
	}
	return 0
}

func parsePDF(in Input, _ string) (*archive.Meeting, error) {
	path, err := exec.LookPath(PDFToText)
	if err != nil {
		return nil, ErrNoPDFToText
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, "-layout", "-enc", "UTF-8", "-nopgbrk", "-", "-")
	cmd.Stdin = bytes.NewReader(in.Body)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("pdftotext: %v: %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	text := Decode(out.Bytes(), "")
	var best Format
	bestScore := 0
	for _, name := range Formats() {
		f := formats[name]
		if name == "pdf" || name == "moderngov-html" || name == "moderngov-item-html" {
			continue
		}
		if s := f.Sniff(Input{Name: in.Name, Body: out.Bytes()}, text); s > bestScore {
			best, bestScore = f, s
		}
	}
	if bestScore == 0 {
		return nil, fmt.Errorf("%w: the PDF's text is not minutes (or the PDF is scanned images without text)", archive.ErrNoMeeting)
	}
	return best.Parse(in, text)
}
