package parse

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"

	"github.com/minutebook/minutebook/internal/archive"
)

// moderngov-html and moderngov-item-html: the real HTML of ModernGov
// meeting pages (ieListDocuments.aspx) and agenda-item pages (mgAi.aspx).
//
// ModernGov marks its content with stable classes: h1.mgMainTitleTxt
// ("Agenda and minutes", "Agenda item"), h2.mgSubTitleTxt (the meeting or
// item heading), span.mgLabel ("Venue:", "Meeting:"), the item table's
// td.mgItemNumberCell and p.mgAiTitleTxt, p.mgSubItemTitleTxt ("Minutes:",
// "Decision:") and div.mgWordPara. The page's content is rendered to the
// same blank-line text as the saved text pages, block by block, and read
// by the same parsers, so a page parses to the same items in either form.

func init() {
	Register(Format{Name: "moderngov-html", Sniff: sniffMGHTML(false), Parse: parseMGHTML(false)})
	Register(Format{Name: "moderngov-item-html", Sniff: sniffMGHTML(true), Parse: parseMGHTML(true), ParseAll: parseMGItemsHTML})
}

var (
	mgMarker   = regexp.MustCompile(`(?i)class\s*=\s*"?[^">]*\bmg(?:MainTitleTxt|SubTitleTxt|ItemTable|AiTitleTxt|WordPara|SubItemTitleTxt)\b`)
	itemPageH1 = regexp.MustCompile(`(?is)<h1[^>]*mgMainTitleTxt[^>]*>\s*(?:Agenda item|Decision details|Issue details|Issue - items at meetings)`)
	titleTag   = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)
	// "Agenda for Cabinet on Tuesday, 14th March, 2023, 10.00 am - Anytown Council"
	titleCouncil = regexp.MustCompile(`\s[-|–]\s*((?:The )?[A-Z][\pL'’&. -]*?\bCouncil)\s*$`)
)

func sniffMGHTML(itemPage bool) func(Input, string) int {
	return func(in Input, text string) int {
		head := text
		if len(head) > 200_000 {
			head = head[:200_000]
		}
		if !looksLikeMarkup(head) && !strings.Contains(strings.ToLower(head[:min(len(head), 2000)]), "<") {
			return 0
		}
		if !mgMarker.MatchString(head) {
			return 0
		}
		if itemPageH1.MatchString(head) == itemPage {
			return 10
		}
		return 0
	}
}

func parseMGHTML(itemPage bool) func(Input, string) (*archive.Meeting, error) {
	return func(in Input, _ string) (*archive.Meeting, error) {
		doc, text, err := renderHTML(in)
		if err != nil {
			return nil, err
		}
		var m *archive.Meeting
		if itemPage {
			m, err = parseModernGovItem(in, text)
		} else {
			m, err = parseModernGovText(in, text)
		}
		if err != nil {
			return nil, err
		}
		m.Council = titleCouncilOf(doc)
		return m, nil
	}
}

// parseMGItemsHTML reads item pages, including issue pages that list the
// item at several meetings.
func parseMGItemsHTML(in Input, _ string) ([]*archive.Meeting, error) {
	doc, text, err := renderHTML(in)
	if err != nil {
		return nil, err
	}
	ms, err := parseModernGovItems(in, text)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		m.Council = titleCouncilOf(doc)
	}
	return ms, nil
}

func renderHTML(in Input) (*html.Node, string, error) {
	r, err := charset.NewReader(bytes.NewReader(in.Body), in.ContentType)
	if err != nil {
		r = bytes.NewReader(in.Body)
	}
	doc, err := html.Parse(io.LimitReader(r, 64<<20))
	if err != nil {
		return nil, "", fmt.Errorf("%w: HTML: %v", archive.ErrNoMeeting, err)
	}
	return doc, renderContent(doc), nil
}

// titleCouncilOf reads the council ModernGov names at the end of the page
// title ("… - Anytown Council"); "" when it names none.
func titleCouncilOf(doc *html.Node) string {
	if sub := titleCouncil.FindStringSubmatch(findTitle(doc)); sub != nil {
		return sub[1]
	}
	return ""
}

func findTitle(n *html.Node) string {
	if n.Type == html.ElementNode && n.DataAtom == atom.Title {
		return strings.Join(strings.Fields(textOf(n)), " ")
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if t := findTitle(c); t != "" {
			return t
		}
	}
	return ""
}

func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

func hasClass(n *html.Node, class string) bool {
	for _, a := range n.Attr {
		if a.Key == "class" || a.Key == "id" {
			for _, c := range strings.Fields(a.Val) {
				if c == class {
					return true
				}
			}
		}
	}
	return false
}

// contentRoot is the element holding ModernGov's content: the nearest
// ancestor of the main title that is a content container, else the body.
func contentRoot(doc *html.Node) *html.Node {
	var title, body *html.Node
	var find func(*html.Node)
	find = func(n *html.Node) {
		if title != nil {
			return
		}
		if n.Type == html.ElementNode {
			if n.DataAtom == atom.Body {
				body = n
			}
			if hasClass(n, "mgMainTitleTxt") {
				title = n
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			find(c)
		}
	}
	find(doc)
	if title == nil {
		if body != nil {
			return body
		}
		return doc
	}
	for n := title.Parent; n != nil; n = n.Parent {
		if hasClass(n, "modgov") || hasClass(n, "mgContent") || n.DataAtom == atom.Main {
			return n
		}
	}
	if body != nil {
		return body
	}
	return doc
}

// skipped elements carry no minutes: scripts, navigation, forms, and
// ModernGov's link lists ("View the reasons…", document lists).
func skipped(n *html.Node) bool {
	switch n.DataAtom {
	case atom.Script, atom.Style, atom.Noscript, atom.Nav, atom.Header, atom.Footer, atom.Form,
		atom.Button, atom.Select, atom.Iframe, atom.Object, atom.Svg, atom.Template, atom.Head:
		return true
	}
	// mgBulletList holds a meeting's or item's linked documents.
	return hasClass(n, "mgActionList") || hasClass(n, "mgBulletList") || hasClass(n, "mgSidebar") || hasClass(n, "mgBreadcrumb") ||
		hasClass(n, "mgLinks") || hasClass(n, "mgHelpLine")
}

func isBlock(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Div, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Li, atom.Ul, atom.Ol,
		atom.Table, atom.Tr, atom.Td, atom.Th, atom.Blockquote, atom.Section, atom.Article, atom.Dd, atom.Dt, atom.Dl,
		atom.Pre, atom.Main, atom.Tbody, atom.Thead, atom.Caption:
		return true
	}
	return false
}

// renderContent renders the page's content as blank-line separated blocks.
// Depth is bounded so hostile, deeply nested markup cannot exhaust the
// stack.
func renderContent(doc *html.Node) string {
	var out strings.Builder
	var line strings.Builder
	flush := func() {
		if s := strings.Join(strings.Fields(line.String()), " "); s != "" {
			out.WriteString(s)
			out.WriteString("\n\n")
		}
		line.Reset()
	}
	var walk func(n *html.Node, depth int)
	walk = func(n *html.Node, depth int) {
		if depth > 200 {
			return
		}
		switch n.Type {
		case html.TextNode:
			line.WriteString(n.Data)
			return
		case html.ElementNode:
			if skipped(n) {
				return
			}
			if n.DataAtom == atom.Br {
				flush()
				return
			}
			if n.DataAtom == atom.Img {
				return // "pdf icon" images are furniture
			}
		}
		block := n.Type == html.ElementNode && isBlock(n.DataAtom)
		if block {
			flush()
			if n.DataAtom == atom.Li {
				line.WriteString("• ")
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, depth+1)
		}
		if block {
			flush()
		}
	}
	walk(contentRoot(doc), 0)
	flush()
	return out.String()
}
